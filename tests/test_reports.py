"""Report forms, the population-database list and the HTML summary, from a small classified district built by hand.

The district: Huyện Thanh Miện (300), Tỉnh Hải Dương (30), before the 2025 reform; three communes, twelve
households each (`HOUSEHOLDS` below: start class, end class, residence status, movement, deprivations, family).
Every form is checked twice: against a gold dump (tests/gold/bieu_NN.json, values, merges and key styles after
scrubbing dates and versions), and figure by figure against counts recomputed here from `HOUSEHOLDS` with plain
Python — not with the library's code.

Regenerate the gold files with HGN_UPDATE_GOLD=1 after a deliberate change, then read the diff.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from hgn_review.errors import ConfigError
from hgn_review.io.results import Results, read_results, write_results
from hgn_review.registry import get_registry
from hgn_review.reports import (
    build_view,
    load_forms,
    make_report,
    render_forms,
    write_html,
    write_population_list,
)
from hgn_review.reports.formdef import parse_forms_option
from hgn_review.schemas.layout import INDICATORS
from hgn_review.scoring import movements as sm

GOLD = Path(__file__).parent / "gold"
REVIEW_DAY = dt.date(2024, 10, 15)
REPORT_DAY = dt.date(2024, 11, 25)
STANDARD = "vn-2022-2025"
COMMUNES = {"11242": "Xã Thanh Tùng", "11245": "Xã Phạm Kha", "11248": "Xã Ngô Quyền"}

N, CN, TB, KN, CD = "Nghèo", "Cận nghèo", "Mức sống trung bình", "Không nghèo", "Chưa đủ thông tin"
CU, DI, DEN, TACH, GIAI = "Đang cư trú", "Chuyển đi", "Chuyển đến", "Tách hộ", "Giải thể"

# (commune, village, start class, end class, status, dien_bien, deprived indicator numbers 0–11, merit, causes, family)
HOUSEHOLDS: list[tuple[Any, ...]] = [
    ("11242", "Thôn 1", N, N, CU, sm.TIEP_TUC_NGHEO, [0, 3, 6, 9], True, "Thiếu vốn;Ốm đau, tai nạn", "old"),
    ("11242", "Thôn 1", N, N, CU, sm.TIEP_TUC_NGHEO, [3, 4, 8], False, "Thiếu đất sản xuất", "muong"),
    ("11242", "Thôn 2", N, CN, CU, sm.THOAT_NGHEO_CAN_NGHEO, [3], False, None, "fam"),
    ("11242", "Thôn 2", N, KN, CU, sm.THOAT_NGHEO, [], False, None, "couple"),
    ("11242", "Thôn 10", N, N, DI, sm.GIAM_KHAC, [0, 3, 6], False, "Thiếu vốn", "fam"),
    ("11242", "Thôn 10", CN, N, CU, sm.CAN_NGHEO_THANH_NGHEO, [0, 2, 3, 5, 11], False,
     "Thiếu lao động;Thiếu kỹ năng lao động", "kid"),
    ("11242", "Thôn 1", "Không", N, CU, sm.NGHEO_MOI, [6, 7, 8], False, "Thiếu vốn", "tay"),
    ("11242", "Thôn 2", "Không", N, CU, sm.TAI_NGHEO, [1, 3, 10], True, "Ốm đau, tai nạn", "disabled"),
    ("11242", "Thôn 10", CN, CN, CU, sm.TIEP_TUC_CAN_NGHEO, [3, 9], False, "Thiếu vốn", "fam"),
    ("11242", "Thôn 1", "Không", CN, CU, sm.CAN_NGHEO_MOI, [], False, None, "noid"),
    ("11242", "Thôn 2", "Không", KN, CU, None, [], False, None, "fam"),
    ("11242", "Thôn 10", "Không", TB, CU, None, [3], False, None, "couple"),
    ("11245", "Thôn Đông", N, N, CU, sm.TIEP_TUC_NGHEO, [0, 1, 2, 3, 4], True, "Thiếu lao động", "old_couple"),
    ("11245", "Thôn Đông", N, CN, CU, sm.THOAT_NGHEO_CAN_NGHEO, [9, 10], False, None, "muong"),
    ("11245", "Thôn Tây", CN, KN, CU, sm.THOAT_CAN_NGHEO, [], False, None, "couple"),
    ("11245", "Thôn Tây", CN, CN, CU, sm.TIEP_TUC_CAN_NGHEO, [6], True, "Thiếu vốn", "fam"),
    ("11245", "Thôn Đông", CN, CN, GIAI, sm.GIAM_KHAC, [3], False, None, "old"),
    ("11245", "Thôn Tây", "Không", N, DEN, sm.TANG_KHAC, [3, 6, 7], False, "Thiếu đất sản xuất", "kid"),
    ("11245", "Thôn Tây", "Không", CN, TACH, sm.TANG_KHAC, [2], False, None, "couple"),
    ("11245", "Thôn Đông", "Không", CN, CU, sm.TAI_CAN_NGHEO, [5], False, "Thiếu công cụ, phương tiện", "tay"),
    ("11245", "Thôn Đông", "Không", KN, CU, None, [], False, None, "fam"),
    ("11245", "Thôn Tây", "Không", TB, CU, None, [], False, None, "fam"),
    ("11245", "Thôn Tây", "Không", CD, CU, None, [3], False, None, "couple"),
    ("11245", "Thôn Đông", "Không", KN, CU, None, [], False, None, "muong"),
    ("11248", "Thôn 3", N, N, CU, sm.TIEP_TUC_NGHEO, [3, 8, 9, 11], False, "Ốm đau, tai nạn", "disabled"),
    ("11248", "Thôn 3", N, KN, CU, sm.THOAT_NGHEO, [], False, None, "fam"),
    ("11248", "Thôn 5", N, CD, CU, sm.CHUA_RO_CUOI_KY, [6], False, None, "couple"),
    ("11248", "Thôn 5", CN, N, CU, sm.CAN_NGHEO_THANH_NGHEO, [0, 3, 4], False, "Thiếu kiến thức sản xuất;Thiếu vốn",
     "noid"),
    ("11248", "Thôn 3", "Không", N, CU, sm.NGHEO_MOI, [6, 7, 9], False, "Khác", "old"),
    ("11248", "Thôn 5", None, CN, CU, sm.CHUA_RO_DAU_KY, [1], False, None, "fam"),
    ("11248", "Thôn 3", CN, CN, CU, sm.TIEP_TUC_CAN_NGHEO, [3, 4], True, None, "old_couple"),
    ("11248", "Thôn 5", "Không", CN, CU, sm.CAN_NGHEO_MOI, [2, 3], False, "Thiếu vốn", "kid"),
    ("11248", "Thôn 3", "Không", KN, CU, None, [], False, None, "fam"),
    ("11248", "Thôn 5", "Không", KN, CU, None, [], False, None, "couple"),
    ("11248", "Thôn 3", "Không", TB, CU, None, [3], False, None, "fam"),
    ("11248", "Thôn 5", "Không", KN, CU, None, [], False, None, "old"),
]

# family -> members: (relation, sex, birth year, full date?, ethnicity, health card, malnourished, in school,
# disability, ID problem)
FAMILIES: dict[str, list[tuple[Any, ...]]] = {
    "fam": [("Chủ hộ", "Nam", 1975, True, "Kinh", True, None, False, "Không", None),
            ("Vợ, chồng", "Nữ", 1978, True, "Kinh", True, None, False, "Không", None),
            ("Con", "Nam", 2010, True, "Kinh", True, False, True, "Không", None)],
    "kid": [("Chủ hộ", "Nam", 1985, True, "Kinh", True, None, False, "Không", None),
            ("Vợ, chồng", "Nữ", 1988, False, "Kinh", True, None, False, "Không", None),
            ("Con", "Nữ", 2016, True, "Kinh", False, True, False, "Không", None)],
    "old": [("Chủ hộ", "Nữ", 1942, False, "Kinh", True, None, False, "Không", None)],
    "old_couple": [("Chủ hộ", "Nam", 1945, True, "Kinh", True, None, False, "Không", None),
                   ("Vợ, chồng", "Nữ", 1948, True, "Kinh", True, None, False, "Không", None)],
    "disabled": [("Chủ hộ", "Nam", 1980, True, "Kinh", True, None, False, "Đặc biệt nặng", None),
                 ("Bố, mẹ", "Nữ", 1950, True, "Kinh", True, None, False, "Không", None)],
    "muong": [("Chủ hộ", "Nam", 1982, True, "Mường", True, None, False, "Không", None),
              ("Vợ, chồng", "Nữ", 1984, True, "Mường", True, None, False, "Không", None),
              ("Con", "Nam", 2018, True, "Mường", False, False, True, "Không", None)],
    "tay": [("Chủ hộ", "Nữ", 1979, True, "Tày", True, None, False, "Không", None),
            ("Con", "Nam", 2012, True, "Tày", True, False, False, "Không", None)],
    "couple": [("Chủ hộ", "Nam", 1990, True, "Kinh", True, None, False, "Không", None),
               ("Vợ, chồng", "Nữ", 1992, True, "Kinh", True, None, False, "Không", None)],
    "noid": [("Chủ hộ", "Nam", 1970, True, "Kinh", True, None, False, "Không", None),
             ("Vợ, chồng", "Nữ", 1972, True, "Kinh", True, None, False, "Không", "thieu"),
             ("Con", "Nam", 2005, True, "Kinh", True, None, True, "Không", "sai_nam_sinh")],
}
SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Bùi", "Đặng"]
MIDDLE = {"Nam": "Văn", "Nữ": "Thị"}
GIVEN = ["An", "Bình", "Cường", "Dung", "Giang", "Hà", "Khánh", "Lan", "Minh", "Ngọc", "Oanh", "Phúc", "Quang"]


def person_id(sex: str, year: int, serial: int) -> str:
    """A 12-digit personal ID registered in Hải Dương (030): sex-and-century digit, two-digit year, serial."""
    digit = (0 if year < 2000 else 2) + (1 if sex == "Nữ" else 0)
    return f"030{digit}{year % 100:02d}{serial:06d}"


def build_results() -> Results:
    """Classified households and members following docs/contracts.md §2 (and a meta sheet as §3)."""
    hh_rows, mm_rows = [], []
    serial = 0
    for uid, (xa, thon, start, end, status, dien_bien, deps, merit, causes, fam) in enumerate(HOUSEHOLDS):
        ma_ho = f"{xa}-{uid + 1:03d}"
        flags = {k: (1 if i in deps else 0) for i, k in enumerate(INDICATORS)}
        unknown = 0
        if end == CD:  # an unclassifiable household: two indicators undetermined
            flags["th_viec_lam"] = None
            flags["th_bhyt"] = None if 3 not in deps else 1
            unknown = 2 if 3 not in deps else 1
        members = FAMILIES[fam]
        head_name = ""
        for stt, (rel, sex, year, full_date, eth, card, mal, school, disab, id_err) in enumerate(members, start=1):
            serial += 1
            name = f"{SURNAMES[serial % len(SURNAMES)]} {MIDDLE[sex]} {GIVEN[serial % len(GIVEN)]}"
            if rel == "Chủ hộ":
                head_name = name
            born = dt.date(year, 3, 15) if full_date else None
            age = None
            if born is not None:
                age = REVIEW_DAY.year - born.year - ((REVIEW_DAY.month, REVIEW_DAY.day) < (born.month, born.day))
            mm_rows.append({
                "uid": uid, "file": f"{xa}.xlsx", "sheet": "Thành viên", "row": 2 + serial, "ma_ho": ma_ho,
                "stt": stt, "ho_ten": name, "so_dinh_danh": None if id_err else person_id(sex, year, serial),
                "dinh_danh_loi": id_err, "ngay_sinh": pd.Timestamp(born) if born else pd.NaT, "nam_sinh": year,
                "gioi_tinh": sex, "quan_he": rel, "dan_toc": eth, "viec_lam": "Tự làm", "trinh_do": "THCS",
                "cap_hoc": "THCS" if school else None, "khuyet_tat": disab, "the_bhyt": card,
                "suy_dinh_duong": mal, "dang_di_hoc": school, "ma_xa": xa, "thon": thon, "tuoi": age,
                "phan_loai": end, "dien_bien": dien_bien})
        hh_rows.append({
            "uid": uid, "file": f"{xa}.xlsx", "sheet": "Hộ gia đình", "row": 3 + uid, "layout": "hgn", "ma_ho": ma_ho,
            "ho_ten_chu_ho": head_name, "thon": thon, "ra_soat_vien": "Rà soát viên", "ma_xa": xa,
            "khu_vuc": "Nông thôn", "khu_vuc_nguon": "danh_muc", "so_thanh_vien": len(members),
            "thu_nhap_bq": None, "diem_b1": 120.0 if end in (N, CN) else 200.0, "diem_b2": 10.0 * len(deps),
            "dien_tich_nha": 40.0, "loai_nha": "Bán kiên cố", "nguon_nuoc": "Nước máy", "nha_tieu": "Tự hoại",
            "phan_loai_dau_ky": start, "tinh_trang_ho": status, "su_dung_internet": True,
            "phuong_tien_thong_tin": True, "ho_nlndn": end == TB, "nguoi_co_cong": merit, "bao_tro_xa_hoi": False,
            "nguyen_nhan_ngheo": causes, "ngay_ra_soat": pd.Timestamp(REVIEW_DAY), **flags,
            "loi_chan": "household-no-head" if end == CD else None,
            "so_thieu_hut": sum(1 for v in flags.values() if v == 1), "so_chua_ro": unknown,
            "co_so_thu_nhap": "diem_b1", "duoi_chuan_thu_nhap": end in (N, CN),
            "phan_loai": end, "phan_loai_dia_phuong": None,
            "dau_ky": start if status not in (DEN, TACH) else None, "dien_bien": dien_bien,
            "ly_do": "", "chuan": STANDARD})
    households = pd.DataFrame(hh_rows)
    for k in INDICATORS:
        households[k] = households[k].astype("Int8")
    for k in ("so_thieu_hut", "so_chua_ro", "so_thanh_vien", "uid", "row"):
        households[k] = households[k].astype("Int64")
    for k in ("su_dung_internet", "phuong_tien_thong_tin", "ho_nlndn", "nguoi_co_cong", "bao_tro_xa_hoi",
              "duoi_chuan_thu_nhap"):
        households[k] = households[k].astype("boolean")
    members = pd.DataFrame(mm_rows)
    for k in ("uid", "stt", "nam_sinh", "tuoi", "row"):
        members[k] = members[k].astype("Int64")
    for k in ("the_bhyt", "suy_dinh_duong", "dang_di_hoc"):
        members[k] = members[k].astype("boolean")
    for frame in (households, members):
        for c in frame.columns:
            if frame[c].dtype == object:
                frame[c] = frame[c].astype("string")
    findings = pd.DataFrame({"file": ["11242.xlsx", "11245.xlsx", "11245.xlsx"], "severity": ["error", "warning", "info"],
                             "code": ["member-id-invalid", "x", "y"]})
    meta = {"tool_version": "0.1.0", "standard": STANDARD, "level": "district", "unit": "300",
            "review_date": REVIEW_DAY.isoformat(), "inputs": ["11242.xlsx", "11245.xlsx", "11248.xlsx"]}
    return Results(households, members, findings=findings, meta=meta)


# ------------------------------------------------------------------------------------ independent recount
def present(h: tuple[Any, ...]) -> bool:
    return h[4] not in (DI, GIAI)


def age(member: tuple[Any, ...]) -> int:
    """Completed years on the review day (15/10/2024): every full birth date is a 15 March, so 2024 − year."""
    return REVIEW_DAY.year - member[2]


def recount(rows: list[tuple[Any, ...]]) -> dict[str, float]:
    """Every figure the forms print, for the given households, with plain loops."""
    c: Counter[str] = Counter()
    for h in rows:
        xa, thon, start, end, status, dien_bien, deps, merit, causes, fam = h
        members = FAMILIES[fam]
        start_state = None if status in (DEN, TACH) else start
        if start_state == N:
            c["poor_start"] += 1
        if start_state == CN:
            c["near_start"] += 1
        if not present(h):
            continue
        cls = {N: "poor", CN: "near", TB: "avg", KN: "nonpoor", CD: "unknown"}[end]
        head = members[0]
        minority = head[4] != "Kinh"
        no_labour = not [m for m in members if 15 <= age(m) <= 59 and m[8] not in ("Nặng", "Đặc biệt nặng")]
        children = [m for m in members if age(m) < 16]
        for prefix in ("all", cls):
            c[f"{prefix}_hh"] += 1
            c[f"{prefix}_pp"] += len(members)
            c[f"{prefix}_minority"] += minority
            c[f"{prefix}_kinh"] += not minority
            c[f"{prefix}_merit"] += merit
            c[f"{prefix}_no_labour"] += no_labour
            c[f"{prefix}_female_head"] += head[1] == "Nữ"
            c[f"{prefix}_other_group"] += not (minority or no_labour or merit)
            c[f"{prefix}_eth:{head[4]}"] += minority
            c[f"{prefix}_dep_total"] += len(deps)
            for i in deps:
                c[f"{prefix}_ind{i}"] += 1
            for cause in (causes or "").split(";"):
                if cause:
                    c[f"{prefix}_cause:{cause}"] += 1
            c[f"{prefix}_child"] += len(children)
            c[f"{prefix}_child_no_bhyt"] += sum(1 for m in children if m[5] is False)
            c[f"{prefix}_child_mal"] += sum(1 for m in children if m[6] is True)
            c[f"{prefix}_child_out"] += sum(1 for m in children if m[7] is False and age(m) >= 3)
    return c


def mv_count(c: Counter[str], label: str, start: str | None = None, end: str | None = None) -> int:
    """Households with movement ``label`` (and start / end state when given) in a recount."""
    total = 0
    for key, n in c.items():
        if not key.startswith("mv:"):
            continue
        lab, s, e = key[3:].split("|")
        if lab == label and (start is None or s == start) and (end is None or e == end):
            total += n
    return total


def recount_movements(rows: list[tuple[Any, ...]]) -> Counter[str]:
    c: Counter[str] = Counter()
    for h in rows:
        start = "Mới" if h[4] in (DEN, TACH) else (h[2] or "?")
        end = "Rời" if not present(h) else h[3]
        if h[5]:
            c[f"mv:{h[5]}|{start}|{end}"] += 1
    return c


def rate(a: float, b: float) -> float | None:
    return round(100.0 * a / b, 2) if b else None


CAUSES = ["Thiếu đất sản xuất", "Thiếu vốn", "Thiếu lao động", "Thiếu công cụ, phương tiện", "Thiếu kiến thức sản xuất",
          "Thiếu kỹ năng lao động", "Ốm đau, tai nạn", "Khác"]
GROUPS = ["Mường", "Tày"]  # minorities of the district, most households first


def expected_row(form: int, rows: list[tuple[Any, ...]]) -> list[float | None]:
    """The numeric columns of one form row (after STT and the unit's name), from the households in ``rows``."""
    c = recount(rows)
    m = recount_movements(rows)
    c.update(m)
    g = c.__getitem__
    if form == 1:
        out: list[float | None] = [g("all_hh"), g("all_pp")]
        for cls in ("poor", "near", "avg"):
            out += [g(f"{cls}_hh"), rate(g(f"{cls}_hh"), g("all_hh")), g(f"{cls}_pp"), rate(g(f"{cls}_pp"), g("all_pp"))]
        return out
    if form in (2, 3):
        cls, other = (N, CN) if form == 2 else (CN, N)
        start = g("poor_start") if form == 2 else g("near_start")
        dec = [mv_count(c, sm.THOAT_NGHEO_CAN_NGHEO if form == 2 else sm.CAN_NGHEO_THANH_NGHEO),
               mv_count(c, sm.THOAT_NGHEO if form == 2 else sm.THOAT_CAN_NGHEO),
               mv_count(c, sm.GIAM_KHAC, start=cls), mv_count(c, sm.CHUA_RO_CUOI_KY, start=cls)]
        inc = [mv_count(c, sm.CAN_NGHEO_THANH_NGHEO if form == 2 else sm.THOAT_NGHEO_CAN_NGHEO),
               mv_count(c, sm.NGHEO_MOI if form == 2 else sm.CAN_NGHEO_MOI),
               mv_count(c, sm.TAI_NGHEO if form == 2 else sm.TAI_CAN_NGHEO),
               mv_count(c, sm.TANG_KHAC, end=cls), mv_count(c, sm.CHUA_RO_DAU_KY, end=cls)]
        end = g("poor_hh") if form == 2 else g("near_hh")
        assert end == start - sum(dec) + sum(inc), "the hand-made data must balance"
        return [start, sum(dec), *dec, sum(inc), *inc, end, rate(end, g("all_hh"))]
    if form in (4, 5, 6, 7):
        cls = "poor" if form in (4, 5) else "near"
        if form in (4, 6):
            return [g(f"{cls}_hh"), g(f"{cls}_dep_total"), *[g(f"{cls}_ind{i}") for i in range(12)]]
        return [g(f"{cls}_hh"), round(g(f"{cls}_dep_total") / g(f"{cls}_hh"), 2) if g(f"{cls}_hh") else None,
                *[rate(g(f"{cls}_ind{i}"), g(f"{cls}_hh")) for i in range(12)]]
    if form == 8:
        return [g(k) for cls in ("poor", "near") for k in
                (f"{cls}_hh", f"{cls}_minority", f"{cls}_no_labour", f"{cls}_merit", f"{cls}_other_group")]
    if form == 9:
        out = []
        for cls in ("poor", "near"):
            out += [g(f"{cls}_hh"), g(f"{cls}_kinh"), g(f"{cls}_minority"), *[g(f"{cls}_eth:{e}") for e in GROUPS],
                    g(f"{cls}_hh") - g(f"{cls}_kinh") - g(f"{cls}_minority")]
        return out
    if form == 10:
        return [v for cls in ("poor", "near") for v in (g(f"{cls}_hh"), *[g(f"{cls}_cause:{k}") for k in CAUSES])]
    if form == 11:
        return [g(f"{cls}_{k}") for cls in ("poor", "near") for k in ("child", "child_no_bhyt", "child_mal", "child_out")]
    if form in (12, 13):
        cls = "poor" if form == 12 else "near"
        return [g("all_hh"), g("all_kinh"), g("all_minority"), g("all_hh") - g("all_kinh") - g("all_minority"),
                g("all_pp"), g(f"{cls}_hh"), g(f"{cls}_minority"),
                g(f"{cls}_pp"), rate(g(f"{cls}_hh"), g("all_hh")), rate(g(f"{cls}_minority"), g("all_minority")),
                rate(g(f"{cls}_pp"), g("all_pp")), g(f"{cls}_merit"), g(f"{cls}_no_labour"), g(f"{cls}_female_head")]
    raise AssertionError(form)


# ------------------------------------------------------------------------------------ reading the outputs
ID12 = re.compile(r"(?<!\d)\d{12}(?!\d)")


def scrub(value: Any) -> Any:
    """Dates and versions out of text, so gold files survive a new release or another day."""
    if not isinstance(value, str):
        return value
    value = re.sub(r"ngày \d{1,2} tháng \d{1,2} năm \d{4}", "ngày DD tháng MM năm YYYY", value)
    return re.sub(r"\bhgn \d+\.\d+\S*", "hgn X.Y.Z", value)


def dump(path: Path) -> dict[str, Any]:
    """A normalised dump of a workbook: cell values, merges, bold cells, fonts, number formats, print setup."""
    wb = openpyxl.load_workbook(path)
    out: dict[str, Any] = {}
    for ws in wb.worksheets:
        cells, bold, formats, fonts = {}, [], {}, set()
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or cell.value == "":
                    continue
                cells[cell.coordinate] = scrub(cell.value)
                fonts.add(cell.font.name)
                if cell.font.bold:
                    bold.append(cell.coordinate)
                if cell.number_format != "General":
                    formats[cell.coordinate] = cell.number_format
        ps = ws.page_setup
        out[ws.title] = {
            "cells": cells, "merged": sorted(str(r) for r in ws.merged_cells.ranges), "bold": bold,
            "fonts": sorted(fonts), "formats": formats,
            "print": {"orientation": ps.orientation, "paper": ps.paperSize, "fit_width": 1 if ps.fitToWidth is None else int(ps.fitToWidth),  # absent = 1 (OOXML default)
                      "fit_height": 1 if ps.fitToHeight is None else int(ps.fitToHeight), "fit_to_page": ws.sheet_properties.pageSetUpPr.fitToPage,
                      "title_rows": ws.print_title_rows}}
    return out


def all_rows(path: Path) -> tuple[list[list[Any]], list[Any]]:
    """(unit rows, total row) of a table form: the rows between the key row (A, B, 1 …) and "Tổng cộng"."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    key = next(i for i, r in enumerate(values) if r[0] == "A" and r[1] == "B")
    total = next(i for i in range(key + 1, len(values)) if values[i][1] == "Tổng cộng")
    return values[key + 1:total], values[total]


def data_rows(path: Path) -> tuple[list[list[Any]], list[Any]]:
    """(rows of the communes with figures, total row): the district's other communes have blank rows."""
    rows, total = all_rows(path)
    return [r for r in rows if r[1] in COMMUNES.values()], total


def close(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 1e-9


# ------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def results() -> Results:
    return build_results()


@pytest.fixture(scope="module")
def view(results: Results) -> Any:
    return build_view(results, signer="Nguyễn Văn Hùng", place="Thanh Miện", report_date=REPORT_DAY)


@pytest.fixture(scope="module")
def forms_out(view: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[int, Path]:
    out = tmp_path_factory.mktemp("forms")
    return {int(p.stem.split("_")[1]): p for p in render_forms(view, out)}


@pytest.fixture(scope="module")
def report_out(results: Results, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("report")
    return make_report(results, out, signer="Nguyễn Văn Hùng", place="Thanh Miện", report_date=REPORT_DAY)


# ------------------------------------------------------------------------------------ forms
@pytest.mark.parametrize("number", range(1, 16))
def test_form_matches_gold(forms_out: dict[int, Path], number: int) -> None:
    """Each form's normalised dump equals its gold file (values, merges, bold, fonts, formats, print setup)."""
    got = dump(forms_out[number])
    gold = GOLD / f"bieu_{number:02d}.json"
    if os.environ.get("HGN_UPDATE_GOLD"):
        gold.parent.mkdir(exist_ok=True)
        gold.write_text(json.dumps(got, ensure_ascii=False, indent=1, sort_keys=True) + "\n", "utf-8")
    assert gold.exists(), f"missing gold file {gold.name}: run with HGN_UPDATE_GOLD=1 and check it by hand"
    assert json.loads(json.dumps(got, ensure_ascii=False)) == json.loads(gold.read_text("utf-8"))


@pytest.mark.parametrize("number", range(1, 14))
def test_form_figures_recomputed_from_households(forms_out: dict[int, Path], number: int) -> None:
    """Every figure of a table form equals the count recomputed from the household table; the total row's counts
    are the sums of the rows and its rates come from those totals (never a sum of rates)."""
    every, total = all_rows(forms_out[number])
    # one row per commune of the district, in the unit list's order, numbered; the communes without figures blank
    district = [(u.code, u.name) for u in get_registry().communes_of("300", dt.date(2024, 9, 15))]
    assert [r[1] for r in every] == [name for _c, name in district]
    assert [r[0] for r in every] == list(range(1, len(district) + 1))
    assert all(v is None for r in every if r[1] not in COMMUNES.values() for v in r[2:])
    rows = [r for r in every if r[1] in COMMUNES.values()]
    assert [r[1] for r in rows] == list(COMMUNES.values())
    for code, row in zip(COMMUNES, rows, strict=True):
        want = expected_row(number, [h for h in HOUSEHOLDS if h[0] == code])
        got = row[2:2 + len(want)]
        assert len(row) == 2 + len(want)
        assert all(close(a, b) for a, b in zip(got, want, strict=True)), (code, got, want)
    want_total = expected_row(number, HOUSEHOLDS)
    assert all(close(a, b) for a, b in zip(total[2:], want_total, strict=True)), (total, want_total)
    per_row = [expected_row(number, [h for h in HOUSEHOLDS if h[0] == code]) for code in COMMUNES]
    for j, value in enumerate(want_total):
        if isinstance(value, int):  # a count: the total is the sum of the rows
            assert value == sum(r[j] for r in per_row)


def test_total_rate_is_not_a_sum_of_rates(forms_out: dict[int, Path]) -> None:
    """Form 1's total poverty rate is total poor / total households (10/34), not the sum or mean of row rates."""
    rows, total = data_rows(forms_out[1])
    assert total[5] == round(100 * 10 / 34, 2) == 29.41
    assert total[5] != round(sum(r[5] for r in rows), 2)
    assert total[5] != round(sum(r[5] for r in rows) / 3, 2)


def test_movement_key_row_and_balance(forms_out: dict[int, Path]) -> None:
    """Form 2's key row states the sums and the balance; its end column equals start − decreases + increases."""
    ws = openpyxl.load_workbook(forms_out[2]).worksheets[0]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    key = next(r for r in values if r[0] == "A")
    assert key[3] == "2 = 3 + 4 + 5 + 6"
    assert key[8] == "7 = 8 + 9 + 10 + 11 + 12"
    assert key[14] == "13 = 1 - 2 + 7"
    assert key[15] == "14"  # its denominator (all households) is not printed in form 2: a plain number
    rows, total = data_rows(forms_out[2])
    for r in [*rows, total]:
        assert r[14] == r[2] - r[3] + r[8]


@pytest.mark.parametrize("number", [14, 15])
def test_lists_one_row_per_member_grouped_by_household(forms_out: dict[int, Path], number: int) -> None:
    """Forms 14/15: every member of each end-of-period (near-)poor household, head first; household facts on
    the first row; birth year in the Nam or Nữ column; category marks from the movement."""
    cls = CN if number == 14 else N
    expected = [h for h in HOUSEHOLDS if present(h) and h[3] == cls]
    ws = openpyxl.load_workbook(forms_out[number]).worksheets[0]
    values = [list(r) for r in ws.iter_rows(values_only=True)]
    key = next(i for i, r in enumerate(values) if r[0] == "1" and r[1] == "2")
    body = []
    for r in values[key + 1:]:
        if isinstance(r[0], str) and r[0].startswith("Tổng cộng"):
            assert r[0] == f"Tổng cộng: {len(expected)} hộ, {sum(len(FAMILIES[h[9]]) for h in expected)} nhân khẩu"
            break
        if r[0] in {f"{name} ({code})" for code, name in COMMUNES.items()}:  # a section row: name and code
            continue
        body.append(r)
    assert len(body) == sum(len(FAMILIES[h[9]]) for h in expected)
    firsts = [r for r in body if r[0] is not None]
    assert [r[0] for r in firsts] == list(range(1, len(expected) + 1))
    by_code = {f"{h[0]}-{HOUSEHOLDS.index(h) + 1:03d}": h for h in expected}
    assert {r[1] for r in firsts} == set(by_code)
    category = {sm.TIEP_TUC_NGHEO: 11, sm.TIEP_TUC_CAN_NGHEO: 11, sm.TAI_NGHEO: 10, sm.TAI_CAN_NGHEO: 10}
    for r in firsts:
        h = by_code[r[1]]
        assert r[8] == "Chủ hộ"
        marks = [i for i in (9, 10, 11) if r[i] == "x"]
        assert marks == ([category.get(h[5], 9)] if h[5] != sm.CHUA_RO_DAU_KY else [])
        assert (r[12] == "x") == h[7]
        assert (r[13] == "x") == (FAMILIES[h[9]][0][4] != "Kinh")
    for r in body:
        assert (r[5] is None) != (r[6] is None)  # born year in exactly one of Nam / Nữ
    assert all(r[15] is None for r in body)  # support received: left blank for the officer


def test_every_form_has_the_official_look(forms_out: dict[int, Path]) -> None:
    """Times New Roman, issuing body and motto, "Biểu số NN", bold title with the year, borders, number formats,
    bold total row, place-date line and signatures; A4 landscape fit to width, header rows repeated."""
    for number, path in forms_out.items():
        wb = openpyxl.load_workbook(path)
        ws = wb.worksheets[0]
        d = dump(path)[ws.title]
        assert d["fonts"] == ["Times New Roman"]
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert ws["A1"].value == "UBND HUYỆN THANH MIỆN" and ws["A1"].font.bold
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in texts
        motto = next(c for c in ws[2] if c.value == "Độc lập - Tự do - Hạnh phúc")
        assert motto.font.underline == "single" and motto.font.bold
        assert ws["A2"].value == f"Biểu số {number:02d}"
        title = ws["A4"]
        assert title.font.bold and title.alignment.horizontal == "center" and "NĂM 2024" in title.value
        assert "Thanh Miện, ngày 25 tháng 11 năm 2024" in texts
        for text in ("Người lập biểu", "Thủ trưởng đơn vị", "(ký, đóng dấu)", "Nguyễn Văn Hùng"):
            assert text in texts
        assert d["print"]["orientation"] == "landscape" and d["print"]["paper"] == 9
        assert d["print"]["fit_width"] == 1 and d["print"]["fit_height"] == 0 and d["print"]["fit_to_page"]
        assert re.fullmatch(r"\$\d+:\$\d+", d["print"]["title_rows"] or "")
        merged = [r for r in ws.merged_cells.ranges if r.min_row > 5 and r.max_row > r.min_row]
        if number in (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13):
            assert merged, "multi-row header cells are merged"
            formats = set(d["formats"].values())
            assert "#,##0" in formats
            if number in (1, 2, 3, 5, 7, 12, 13):
                assert "0.00" in formats
            total = next(row for row in ws.iter_rows() if row[1].value == "Tổng cộng")
            assert all(c.font.bold for c in total) and all(c.border.top.style == "thin" for c in total)


def test_forms_dir_overrides_one_form(view: Any, tmp_path: Path) -> None:
    """A province copies a form, changes its title and drops a column: the key row renumbers, other forms stay."""
    import yaml

    src = Path(__file__).parents[1] / "src/hgn_review/reports/forms/bieu_01.yaml"
    data = yaml.safe_load(src.read_text("utf-8"))
    data["title"] = "KẾT QUẢ RÀ SOÁT CỦA TỈNH NĂM {year}"
    data["columns"] = [c for c in data["columns"] if "NLNDN" not in c["header"][0]]
    folder = tmp_path / "forms"
    folder.mkdir()
    (folder / "bieu_01.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    forms = load_forms(folder)
    assert forms[1].title.startswith("KẾT QUẢ RÀ SOÁT CỦA TỈNH") and forms[2] == load_forms()[2]
    [path] = render_forms(view, tmp_path / "out", forms=[1], forms_dir=folder)
    ws = openpyxl.load_workbook(path).worksheets[0]
    assert ws["A4"].value == "KẾT QUẢ RÀ SOÁT CỦA TỈNH NĂM 2024"
    key = next(r for r in ws.iter_rows(values_only=True) if r[0] == "A")
    assert [k for k in key if k is not None][-1] == "10 = 9/2 × 100" and ws.max_column == 12


def test_form_with_an_unknown_count_is_a_config_error(view: Any, tmp_path: Path) -> None:
    """A misspelt count name stops with a ConfigError naming the form and suggesting the right name."""
    (tmp_path / "bieu_01.yaml").write_text(
        "number: 1\ntitle: T {year}\ncolumns:\n  - {header: [STT], value: index}\n  - {header: [X], count: poor_hhh}\n",
        "utf-8")
    with pytest.raises(ConfigError, match="poor_hhh") as info:
        render_forms(view, tmp_path / "out", forms=[1], forms_dir=tmp_path)
    assert "poor_hh" in info.value.hint


def test_parse_forms_option() -> None:
    """--forms takes numbers, ranges and 'all'."""
    assert parse_forms_option("1,2,4") == [1, 2, 4]
    assert parse_forms_option("1-3, 14") == [1, 2, 3, 14]
    assert parse_forms_option("all") is None and parse_forms_option(None) is None


# ------------------------------------------------------------------------------------ the population list
def all_ids() -> set[str]:
    return {m for m in build_results().members["so_dinh_danh"].dropna()}


def listed_persons() -> int:
    return sum(len(FAMILIES[h[9]]) for h in HOUSEHOLDS if present(h) and h[3] in (N, CN))


def test_population_list_ids_as_text_and_missing_ids_sheet(report_out: Any) -> None:
    """One row per person of every poor / near-poor household; IDs written as text keep the leading zero; persons
    without a valid ID stay on the list (blank ID) and are listed again with the reason in Vietnamese."""
    xlsx = next(p for p in report_out.population if p.suffix == ".xlsx")
    wb = openpyxl.load_workbook(xlsx)
    ws = wb["Danh sách"]
    header = [c.value for c in ws[1]]
    assert header[:3] == ["Số định danh cá nhân", "Mã hộ", "Họ và tên"]
    rows = list(ws.iter_rows(min_row=2))
    assert len(rows) == listed_persons() == 49
    ids = [r[0] for r in rows if r[0].value is not None]
    assert ids and all(c.data_type == "s" and re.fullmatch(r"0\d{11}", c.value) for c in ids)
    assert all(c.number_format == "@" for c in ids)
    assert len(ids) == 49 - 4  # two 'noid' families are listed: spouse and son of each lack a valid ID
    missing = wb["Chưa có số định danh"]
    reasons = Counter(r[-1] for r in missing.iter_rows(min_row=2, values_only=True))
    assert reasons == {"Chưa có số định danh": 2, "Chữ số thứ 5–6 không khớp năm sinh": 2}
    cats = Counter(r[11] for r in ws.iter_rows(min_row=2, values_only=True))
    assert cats["Tái nghèo"] == 2 and cats["Tái cận nghèo"] == 2  # families 'disabled' and 'tay'
    notes = [r[0] for r in wb["Ghi chú"].iter_rows(values_only=True)]
    assert any("4 người chưa có số định danh hợp lệ" in n for n in notes)


def test_population_csv_has_bom_and_text_ids(report_out: Any) -> None:
    """The CSV copy is UTF-8 with a BOM and keeps IDs (leading zero) and diacritics."""
    path = next(p for p in report_out.population if p.name == "danh_sach_csdl_dan_cu.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(raw.decode("utf-8-sig").splitlines()))
    assert rows[0][0] == "Số định danh cá nhân" and len(rows) == 1 + 49
    assert {r[0] for r in rows[1:] if r[0]} <= all_ids()
    assert all(r[0].startswith("0") for r in rows[1:] if r[0])
    missing = next(p for p in report_out.population if p.name.endswith("_chua_co_dinh_danh.csv"))
    assert missing.read_bytes().startswith(b"\xef\xbb\xbf")


def test_population_list_split_by_commune(view: Any, tmp_path: Path) -> None:
    """A list longer than a sheet allows is split by commune over several sheets, and the split is stated."""
    from hgn_review.reports.population import write_list

    paths, notes = write_list(view, tmp_path, max_rows=25)
    wb = openpyxl.load_workbook(paths[0])
    parts = [ws for ws in wb.worksheets if ws.title.startswith("Danh sách (")]
    assert len(parts) >= 2 and any("đã chia theo xã" in n for n in notes)
    seen: list[str] = []
    for ws in parts:
        assert ws.max_row <= 25
        communes = {r[7] for r in ws.iter_rows(min_row=2, values_only=True)}
        seen.extend(communes)
    assert sorted(seen) == sorted(COMMUNES)  # each commune whole, in exactly one sheet
    assert sum(ws.max_row - 1 for ws in parts) == 49
    assert any("đã chia theo xã" in (r[0] or "") for r in wb["Ghi chú"].iter_rows(values_only=True))


def output_texts(paths: list[Path]) -> dict[str, str]:
    """The text of every output: the XML parts of workbooks, CSV and HTML as they are."""
    out = {}
    for p in paths:
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                out[p.name] = "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        else:
            out[p.name] = p.read_text("utf-8-sig")
    return out


def test_mask_pii_masks_every_output(results: Results, tmp_path: Path) -> None:
    """With mask_pii no output holds a full 12-digit ID or a full name; IDs keep their last 4 digits, names their
    initials, in the forms' lists too."""
    out = make_report(results, tmp_path, mask_pii=True, report_date=REPORT_DAY)
    texts = output_texts(out.paths)
    assert len(texts) == 19
    names = set(results.members["ho_ten"].dropna())
    for name, text in texts.items():
        assert not ID12.search(text), name
        leaked = [n for n in names if n in text]
        assert not leaked, (name, leaked[:3])
    wb = openpyxl.load_workbook(tmp_path / "danh_sach_csdl_dan_cu.xlsx")
    ids = [r[0] for r in wb["Danh sách"].iter_rows(min_row=2, values_only=True) if r[0]]
    assert ids and all(re.fullmatch(r"\*{8}\d{4}", i) for i in ids)
    first = next(r for r in wb["Danh sách"].iter_rows(min_row=2, values_only=True))
    assert re.fullmatch(r"(\w\. )+\w\.", first[2])
    ws = openpyxl.load_workbook(tmp_path / "bieu_15.xlsx").worksheets[0]
    listed = [r[3] for r in ws.iter_rows(values_only=True) if isinstance(r[2], int)]
    assert listed and all(re.fullmatch(r"(\w\. )+\w\.", n) for n in listed)


def test_unmasked_outputs_do_hold_the_ids(report_out: Any) -> None:
    """The masking test can fail: without mask_pii the list does carry the full IDs and names."""
    texts = output_texts(report_out.paths)
    assert ID12.search(texts["danh_sach_csdl_dan_cu.csv"])
    assert any(n in texts["bieu_15.xlsx"] for n in build_results().members["ho_ten"].dropna())


def test_text_that_looks_like_a_formula_is_written_as_text(results: Results, tmp_path: Path) -> None:
    """Names and villages beginning with =, +, - or @ are stored as text, never as formulas."""
    hh = results.households.copy()
    mm = results.members.copy()
    hh.loc[0, "thon"] = "=1+2"
    mm.loc[0, "ho_ten"] = "@SUM(A1)"
    mm.loc[1, "ho_ten"] = "-Lê Văn An"
    mm.loc[2, "ho_ten"] = "+84 Trần Thị"
    out = make_report(Results(hh, mm, findings=results.findings, meta=results.meta), tmp_path)
    for p in out.paths:
        if p.suffix != ".xlsx":
            continue
        with zipfile.ZipFile(p) as z:
            sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/")]
            assert not any("<f>" in z.read(n).decode() for n in sheets), p.name
    ws = openpyxl.load_workbook(tmp_path / "bieu_15.xlsx").worksheets[0]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert {c.value for c in cells} >= {"=1+2", "@SUM(A1)"} and all(c.data_type == "s" for c in cells)


def test_lists_with_nobody_to_list_still_written(results: Results, tmp_path: Path) -> None:
    """A unit with no poor or near-poor household (a small commune): the list forms are written with no person row
    and a total of zero, not an internal error."""
    from hgn_review.reports.excel import TOTAL_LABEL

    hh = results.households.copy()
    hh["phan_loai"] = "Không nghèo"
    make_report(Results(hh, results.members.copy(), findings=results.findings, meta=results.meta), tmp_path)
    for code in ("14", "15"):
        ws = openpyxl.load_workbook(tmp_path / f"bieu_{code}.xlsx").worksheets[0]
        texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
        assert f"{TOTAL_LABEL}: 0 hộ, 0 nhân khẩu" in texts, code


# ------------------------------------------------------------------------------------ HTML
class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.charts: list[list[float]] = []
        self.refs: list[str] = []
        self.tags: Counter[str] = Counter()
        self._in_svg = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags[tag] += 1
        for k in ("src", "href", "xlink:href", "action"):
            if a.get(k):
                self.refs.append(str(a[k]))
        if tag == "svg":
            self.charts.append([])
        if tag == "rect" and self.charts:
            self.charts[-1].append(float(a.get("width") or 0))


def test_html_is_self_contained_with_charts(report_out: Any) -> None:
    """report.html: two SVG bar charts with non-empty bars, no external reference, headline figures, movements,
    coverage, findings count, print stylesheet."""
    text = report_out.html.read_text("utf-8")
    page = _Page()
    page.feed(text)
    assert len(page.charts) == 2
    for bars in page.charts:
        assert bars and any(w > 0 for w in bars)
    assert len(page.charts[0]) == 2 * 4  # poverty and near-poverty bar for 3 communes and the total
    assert len(page.charts[1]) == 12  # one bar per indicator
    assert not [r for r in page.refs if r.startswith(("http://", "https://", "//"))]
    assert "http://" not in text and "https://" not in text
    assert page.tags["script"] == 0 and page.tags["link"] == 0 and page.tags["img"] == 0
    assert "@media print" in text
    for fragment in ("UBND HUYỆN THANH MIỆN", "29,41 %", "Cân đối: cuối kỳ = đầu kỳ − giảm + tăng.",
                     "Có số liệu của 3/17 xã thuộc Huyện Thanh Miện.", "Tổng số phát hiện: <strong>3</strong>"):
        assert fragment in text, fragment


def test_html_contributions_are_shares_of_the_poor_deprivations(view: Any) -> None:
    """The AF contributions (equal weights) are each indicator's share of the poor's deprivations; they sum to 100."""
    c = recount([h for h in HOUSEHOLDS])
    total = sum(c[f"poor_ind{i}"] for i in range(12))
    assert [round(x.share, 6) for x in view.contributions] == [round(100 * c[f"poor_ind{i}"] / total, 6)
                                                               for i in range(12)]
    assert abs(sum(x.share for x in view.contributions) - 100) < 1e-9


# ------------------------------------------------------------------------------------ scope and levels
def test_single_commune_rows_are_villages(results: Results) -> None:
    """A single-commune input (or --unit CODE) reports villages as rows, in natural order, issued by the commune."""
    v = build_view(results, unit="11242")
    assert v.row_level == "village" and v.scope.issuer == "UBND XÃ THANH TÙNG"
    assert v.rows()["name"].tolist() == ["Thôn 1", "Thôn 2", "Thôn 10"]
    assert int(v.total()["hh"]) == 11 and int(v.total()["poor_hh"]) == 5


def test_province_scope_rows_are_districts(results: Results) -> None:
    """A province report before the reform has one row per district."""
    v = build_view(results, unit="30")
    assert v.row_level == "district" and v.scope.issuer == "UBND TỈNH HẢI DƯƠNG"
    assert v.rows()["name"].tolist() == ["Huyện Thanh Miện"]
    assert v.coverage.expected == 12 and len(v.coverage.missing) == 11


def test_unbalanced_movements_are_reported(results: Results, tmp_path: Path) -> None:
    """A household whose movement label disagrees with its classes makes the table unbalanced: the view notes it
    and form 2 prints a warning under the table."""
    hh = results.households.copy()
    hh.loc[0, "dien_bien"] = sm.NGHEO_MOI  # poor at the start, yet labelled "new poor": one increase too many
    v = build_view(Results(hh, results.members, meta=results.meta))
    assert any("không cân đối tại Xã Thanh Tùng" in n for n in v.notes)
    [path] = render_forms(v, tmp_path, forms=[2])
    texts = [c for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True) for c in r if c]
    assert any(isinstance(t, str) and t.startswith("Lưu ý: tại Xã Thanh Tùng") for t in texts)


def test_report_from_a_results_workbook(results: Results, tmp_path: Path) -> None:
    """make_report reads a results workbook written by io.results and writes every output; workbooks open."""
    path = tmp_path / "ket_qua.xlsx"
    write_results(results, path)
    out = make_report(path, tmp_path / "out", forms="1,2,15", signer="A")
    assert [p.name for p in out.forms] == ["bieu_01.xlsx", "bieu_02.xlsx", "bieu_15.xlsx"]
    assert read_results(path).meta["unit"] == "300"
    for p in out.paths:
        assert p.exists() and not list(p.parent.glob(".*.part"))
        if p.suffix == ".xlsx":
            openpyxl.load_workbook(p)
    rows, total = data_rows(out.forms[0])
    assert total[2:7] == [34, 83, 10, 29.41, 22]


def test_population_list_from_view_api(results: Results, tmp_path: Path) -> None:
    """write_population_list(results, out_dir) writes the workbook and both CSV files."""
    paths = write_population_list(results, tmp_path)
    assert sorted(p.name for p in paths) == ["danh_sach_csdl_dan_cu.csv", "danh_sach_csdl_dan_cu.xlsx",
                                             "danh_sach_csdl_dan_cu_chua_co_dinh_danh.csv"]
    assert write_html(build_view(results), tmp_path).name == "report.html"


def test_form_converts_to_pdf(forms_out: dict[int, Path], tmp_path: Path) -> None:
    """LibreOffice prints form 1 to a one-page PDF (skipped when soffice is not installed)."""
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) is not installed on this machine")
    profile = tmp_path / "profile"
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(forms_out[1])], check=True, capture_output=True, timeout=240)
    pdf = tmp_path / "bieu_01.pdf"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) == 1


def test_results_without_member_rows(results: Results, tmp_path: Path) -> None:
    """Layout-2 results (no member rows): persons come from the declared size, the lists hold the heads only and
    the outputs say so; nothing fails."""
    out = make_report(Results(results.households, results.members.iloc[0:0], meta=results.meta), tmp_path)
    assert any("không có dữ liệu thành viên" in n for n in out.notes)
    rows, total = data_rows(tmp_path / "bieu_01.xlsx")
    assert total[2:5] == [34, 83, 10]  # so_thanh_vien carries the sizes
    wb = openpyxl.load_workbook(tmp_path / "danh_sach_csdl_dan_cu.xlsx")
    assert wb["Danh sách"].max_row - 1 == 20  # one row per poor / near-poor household: its head
    reasons = {r[-1] for r in wb["Chưa có số định danh"].iter_rows(min_row=2, values_only=True)}
    assert reasons == {"Không có danh sách thành viên của hộ (chỉ có dòng chủ hộ)"}


def test_two_level_province_after_the_reform(results: Results) -> None:
    """From 1/7/2025 a province report has communes as rows (no district level), issued by the province."""
    hh = results.households.copy()
    new = {"11242": "10507", "11245": "10525", "11248": "10532"}  # communes of Thành phố Hải Phòng (31)
    hh["ma_xa"] = hh["ma_xa"].map(new).astype("string")
    hh["ngay_ra_soat"] = pd.Timestamp("2025-10-01")  # a review after the reform (a 2024 one is refused in its units)
    v = build_view(Results(hh, results.members, meta={"standard": STANDARD}), as_of=dt.date(2025, 10, 1))
    assert v.scope.level == "province" and v.scope.issuer == "UBND THÀNH PHỐ HẢI PHÒNG"
    assert v.row_level == "commune" and v.row_label == "Xã, phường, đặc khu"
    assert v.rows()["name"].tolist() == ["Phường Thành Đông", "Phường Hải Dương", "Phường Lê Thanh Nghị"]
    assert "và" in v.coverage.status[1] and len(v.coverage.status[1]) < 600  # long lists are cut


def test_coverage_and_reconciliation_sheets_reach_the_html(results: Results, tmp_path: Path) -> None:
    """The merge's coverage (Phạm vi) and reconciliation (Đối chiếu) sheets are shown on the HTML page."""
    extra = {"Phạm vi": pd.DataFrame({"ma_xa": ["11242", "11245"], "trang_thai": ["Đã nộp", "Đã nộp"]}),
             "Đối chiếu": pd.DataFrame({"ma_xa": ["11242"], "chenh_lech": ["0"]})}
    v = build_view(Results(results.households, results.members, meta=results.meta, extra_sheets=extra))
    text = write_html(v, tmp_path).read_text("utf-8")
    for fragment in ("<h3>Phạm vi</h3>", "<h3>Đối chiếu</h3>", "Đã nộp", "Mã xã"):
        assert fragment in text


def test_unknown_or_empty_unit_is_a_usage_error(results: Results) -> None:
    """--unit with a code outside the registry, or with no household in the file, stops with a usage error."""
    from hgn_review.errors import UsageError

    with pytest.raises(UsageError, match="99999"):
        build_view(results, unit="99999")
    with pytest.raises(UsageError, match="11239"):  # Thị trấn Thanh Miện: in the registry, not in the file
        build_view(results, unit="11239")
