"""Small hand-built frames in the validated shape of docs/contracts.md §1, shared by the scoring tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from hgn_review.schemas.layout import INDICATORS
from hgn_review.scoring import derive_indicators, load_standard

REVIEW = pd.Timestamp("2024-10-01")
STD = load_standard("vn-2022-2025")

_HH_TEXT = ("file", "sheet", "layout", "ma_ho", "ho_ten_chu_ho", "ma_xa", "thon", "khu_vuc", "khu_vuc_nguon",
            "loai_nha", "nguon_nuoc", "nha_tieu", "phan_loai_dau_ky", "tinh_trang_ho", "ra_soat_vien",
            "nguyen_nhan_ngheo", "phan_loai_ghi", "ket_qua_phieu_a", "gioi_tinh_chu_ho", "loi_chan")
_HH_FLOAT = ("thu_nhap_bq", "diem_b1", "diem_b2", "dien_tich_nha")
_HH_BOOL = ("su_dung_internet", "phuong_tien_thong_tin", "ho_nlndn", "nguoi_co_cong", "bao_tro_xa_hoi",
            "dan_toc_tai_cho")
_M_TEXT = ("file", "sheet", "ma_ho", "ho_ten", "gioi_tinh", "quan_he", "dan_toc", "viec_lam", "trinh_do", "cap_hoc",
           "khuyet_tat", "so_dinh_danh", "dinh_danh_loi")
_M_BOOL = ("the_bhyt", "suy_dinh_duong", "dang_di_hoc")

# household answers that each make one household-level indicator deprived
DEPRIVING = (
    ("th_chat_luong_nha", {"loai_nha": "Đơn sơ"}),
    ("th_nuoc_sinh_hoat", {"nguon_nuoc": "Khác"}),
    ("th_nha_tieu", {"nha_tieu": "Không có"}),
    ("th_vien_thong", {"su_dung_internet": False}),
    ("th_phuong_tien_thong_tin", {"phuong_tien_thong_tin": False}),
)


def deprived(n: int) -> dict[str, Any]:
    """Household answers deprived in exactly ``n`` (≤ 5) household-level indicators."""
    out: dict[str, Any] = {}
    for _, answers in DEPRIVING[:n]:
        out.update(answers)
    return out


def household(uid: int = 0, **values: Any) -> dict[str, Any]:
    """A rural household whose answers deprive it of nothing; override any key."""
    row: dict[str, Any] = {
        "uid": uid, "file": "xa-10507.xlsx", "sheet": "Hộ gia đình", "row": uid + 3, "layout": "hgn",
        "ma_ho": f"H{uid:03d}", "ho_ten_chu_ho": f"Chủ hộ {uid}", "ma_xa": "10507", "thon": "Thôn 1",
        "khu_vuc": "Nông thôn", "khu_vuc_nguon": "ho", "so_thanh_vien": None, "thu_nhap_bq": None, "diem_b1": None,
        "diem_b2": None, "loai_nha": "Kiên cố", "dien_tich_nha": 100.0, "nguon_nuoc": "Nước máy", "nha_tieu": "Tự hoại",
        "su_dung_internet": True, "phuong_tien_thong_tin": True, "ho_nlndn": False, "nguoi_co_cong": False,
        "bao_tro_xa_hoi": False, "nguyen_nhan_ngheo": None, "phan_loai_dau_ky": None, "tinh_trang_ho": "Đang cư trú",
        "ngay_ra_soat": REVIEW, "ra_soat_vien": None, "phan_loai_ghi": None, "so_thieu_hut_ghi": None,
        "ket_qua_phieu_a": None, "dan_toc_tai_cho": None, "gioi_tinh_chu_ho": None, "loi_chan": None,
        **{key: None for key in INDICATORS},
    }
    row.update(values)
    return row


def member(uid: int = 0, stt: int = 1, *, age: int | None = 35, year: int | None = None, **values: Any) -> dict[str, Any]:
    """A member who is deprived in nothing. ``age``: exact completed years at REVIEW (birthday 1 June);
    ``year``: only the birth year is known (then ``age`` is ignored)."""
    if year is not None:
        born, birth_year = None, year
    elif age is not None:
        born, birth_year = pd.Timestamp(REVIEW.year - age, 6, 1), REVIEW.year - age
    else:
        born, birth_year = None, None
    row: dict[str, Any] = {
        "uid": uid, "file": "xa-10507.xlsx", "sheet": "Thành viên", "row": 3 + 10 * uid + stt, "ma_ho": f"H{uid:03d}",
        "stt": stt, "ho_ten": f"Thành viên {uid}-{stt}", "so_dinh_danh": None, "dinh_danh_loi": None,
        "ngay_sinh": born, "nam_sinh": birth_year, "gioi_tinh": "Nam", "quan_he": "Chủ hộ" if stt == 1 else "Con",
        "dan_toc": "Kinh", "viec_lam": "Có HĐLĐ", "the_bhyt": True, "suy_dinh_duong": False, "trinh_do": "THPT",
        "dang_di_hoc": False, "cap_hoc": None, "khuyet_tat": "Không",
    }
    row.update(values)
    return row


def frames(households: list[dict[str, Any]], members: list[dict[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed frames as the validator hands them to classify."""
    hh = pd.DataFrame(households)
    for key in _HH_TEXT:
        hh[key] = hh[key].astype("str").where(hh[key].notna())
    for key in _HH_FLOAT:
        hh[key] = hh[key].astype("Float64")
    for key in _HH_BOOL:
        hh[key] = hh[key].astype("boolean")
    for key in INDICATORS:
        hh[key] = hh[key].astype("Int8")
    hh["so_thanh_vien"] = hh["so_thanh_vien"].astype("Int64")
    hh["so_thieu_hut_ghi"] = hh["so_thieu_hut_ghi"].astype("Int64")
    hh["uid"] = hh["uid"].astype("int64")
    hh["row"] = hh["row"].astype("int64")
    hh["ngay_ra_soat"] = pd.to_datetime(hh["ngay_ra_soat"])
    columns = ["uid", *_M_TEXT, "row", "stt", "ngay_sinh", "nam_sinh", *_M_BOOL]
    mem = pd.DataFrame(members, columns=columns) if members else pd.DataFrame(columns=columns)
    for key in _M_TEXT:
        mem[key] = mem[key].astype("str").where(mem[key].notna())
    for key in _M_BOOL:
        mem[key] = mem[key].astype("boolean")
    for key in ("uid", "stt", "nam_sinh", "row"):
        mem[key] = mem[key].astype("Int64")
    mem["ngay_sinh"] = pd.to_datetime(mem["ngay_sinh"])
    return hh, mem


def test_default_household_is_deprived_in_nothing() -> None:
    """The builders' defaults give a household with every indicator known and 0."""
    hh, mem = frames([household(0)], [member(0)])
    flags, reasons = derive_indicators(hh, mem, STD)
    assert flags.loc[0].tolist() == [0] * len(INDICATORS)
    assert reasons.loc[0] == ""


def test_deprived_builder_counts() -> None:
    """``deprived(n)`` deprives exactly the first n household-level indicators."""
    hh, mem = frames([household(i, **deprived(i)) for i in range(6)], [member(i) for i in range(6)])
    flags, _ = derive_indicators(hh, mem, STD)
    assert flags.sum(axis=1).tolist() == list(range(6))
