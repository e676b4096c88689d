"""Review 11 (the figures of report forms 04–15, checked by hand).

One small district (Huyện Thanh Miện, 300) is written cell by cell: three communes (11239 Thị trấn Thanh Miện,
urban, income line 2,000,000; 11284 Chi Lăng Nam and 11287 Thanh Giang, rural, line 1,500,000), thirteen
households whose every deprivation, group, cause of poverty, child and movement against last year's list is
known. ``hgn run --previous`` is run once (module fixture) and every figure of forms 04–15 — each commune row and
the total row — is compared with the figures worked out by hand below from forms.md's definitions
(/work/shared/spec/forms.md) and domain.md §2–3.

The households (review date 15/09/2024; ages are completed years on that day):

11284 Chi Lăng Nam (rural)
  A1 poor (1,000,000). Head Tày, male, 1980, self-employed, no BHYT; child 2014 (10) at school, no BHYT. Merit
     household. Deprived: housing quality, water, latrine, BHYT (4). Causes: Thiếu vốn; Thiếu đất sản xuất.
     Start: Nghèo (continuing).
  A2 poor (900,000). Head Kinh, female, 1950 (74); son 1985 with a very severe disability, not working. No
     labour capacity. Deprived: dependents (2/2), housing quality, telecom, information assets (4). Causes: Ốm
     đau, tai nạn; Thiếu lao động. Start: Cận nghèo (near-poor → poor).
  A3 near-poor (1,200,000). Head Kinh, male, 1975; child 2012 (12) not at school. 10 m² for 2 persons.
     Deprived: housing area, child school attendance (2). Cause: Thiếu kiến thức sản xuất. Start: Cận nghèo.
  A4 NLNDN average living standard (2,000,000), head Kinh. Start: Không.
  A5 UNDECIDED (neither income nor B1 written). Head Mường, female, merit household; child 2017 (7) out of school,
     no BHYT. Cause: Thiếu vốn. Start: Nghèo.
11287 Thanh Giang (rural)
  B1 poor (B1 score 120 ≤ 140). Head Kinh, male, 1990, unemployed; brother 2004 (20) with THCS, not studying;
     child 2020 (4) malnourished, in kindergarten. Deprived: employment, adult education, nutrition (3).
     Cause: Thiếu kỹ năng lao động. Start: Không (new poor).
  B2 near-poor (1,400,000). Head Thái, female, 1985, no BHYT; child 2021 (3) in kindergarten, no BHYT. Merit
     household. Deprived: BHYT (1). Cause: Thiếu vốn. Start: Nghèo (poor → near-poor).
  B3 not poor (5,000,000, not NLNDN). Start: Cận nghèo.
  B4 moved away (Chuyển đi), poor-looking. Start: Nghèo. On no end-of-period form.
11239 Thị trấn Thanh Miện (urban)
  C1 poor (1,900,000: under the urban line). Head Tày, female, 1970; children 2010 (14) at school and 2016 (8)
     not at school. Deprived: dependents (2/3), child school attendance, water, latrine, telecom, information
     assets (6). Causes: Thiếu đất sản xuất; Thiếu công cụ, phương tiện. Start: Nghèo (continuing).
  C2 near-poor (2,000,000 = the urban line). Head Kinh, male, 1959 (65), alone: no labour capacity. Merit
     household. Deprived: dependents (1/1) (1). No cause. Start: Không (new near-poor).
  C3 UNDECIDED (no income, no B1). Head Kinh, male. Start: Cận nghèo.
  C4 NLNDN average living standard (2,500,000 ≤ 3,000,000 urban). Head Kinh, female; 2 persons. Start: Không.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import app_row, household, make_app_return, make_id, make_return, member, ok, run_hgn

DATE = "15/09/2024"
BAO_CAO = ("out", "bao_cao")
TOWN, CLN, TG = "11239", "11284", "11287"
# the form's commune rows (unit list order: 11239 first, then … 11284, 11287)
NAMES = {TOWN: "Thị trấn Thanh Miện", CLN: "Xã Chi Lăng Nam", TG: "Xã Thanh Giang"}
INDICATORS = ["th_viec_lam", "th_nguoi_phu_thuoc", "th_dinh_duong", "th_bhyt", "th_giao_duc_nguoi_lon",
              "th_di_hoc_tre_em", "th_chat_luong_nha", "th_dien_tich_nha", "th_nuoc_sinh_hoat", "th_nha_tieu",
              "th_vien_thong", "th_phuong_tien_thong_tin"]
CAUSES = ["Thiếu đất sản xuất", "Thiếu vốn", "Thiếu lao động", "Thiếu công cụ, phương tiện", "Thiếu kiến thức sản xuất",
          "Thiếu kỹ năng lao động", "Ốm đau, tai nạn", "Khác"]

_serial = iter(range(100, 999))


def _m(code: str, stt: int, name: str, born: str, sex: str, rel: str, eth: str = "Kinh", **kw: Any) -> dict[str, Any]:
    year = int(born[-4:])
    female = sex == "Nữ"
    row = member(ma_ho=code, stt=stt, ho_ten=name, ngay_sinh=born, gioi_tinh=sex, quan_he=rel, dan_toc=eth,
                 so_dinh_danh=make_id(birth_year=year, female=female, serial=f"000{next(_serial)}"))
    age = 2024 - year
    if age < 15:
        row.update(viec_lam="Không tham gia lao động", suy_dinh_duong="Không", trinh_do="Tiểu học",
                   dang_di_hoc="Có", cap_hoc="Tiểu học")
    row.update(kw)
    return row


def _h(code: str, commune: str, head: str, **kw: Any) -> dict[str, Any]:
    return household(ma_ho=code, ma_xa=commune, ho_ten_chu_ho=head, ngay_ra_soat=DATE, **kw)


def district(folder: Path) -> None:
    """The three returns of the district, as described in the module docstring."""
    folder.mkdir(parents=True, exist_ok=True)
    # ---------------------------------------------------------------- 11284 Chi Lăng Nam (rural)
    a_hh = [
        _h("11284-0001", CLN, "Hoàng Văn Một", thu_nhap_bq=1_000_000, loai_nha="Đơn sơ", nguon_nuoc="Khác",
           nha_tieu="Không có", nguoi_co_cong="Có", nguyen_nhan_ngheo="Thiếu vốn; Thiếu đất sản xuất",
           phan_loai_dau_ky="Nghèo"),
        _h("11284-0002", CLN, "Trần Thị Hai", thu_nhap_bq=900_000, loai_nha="Thiếu kiên cố", su_dung_internet="Không",
           phuong_tien_thong_tin="Không", nguyen_nhan_ngheo="Ốm đau, tai nạn;Thiếu lao động",
           phan_loai_dau_ky="Cận nghèo"),
        _h("11284-0003", CLN, "Lê Văn Ba", thu_nhap_bq=1_200_000, dien_tich_nha=10,
           nguyen_nhan_ngheo="Thiếu kiến thức sản xuất", phan_loai_dau_ky="Cận nghèo"),
        _h("11284-0004", CLN, "Phạm Văn Bốn", thu_nhap_bq=2_000_000, ho_nlndn="Có", phan_loai_dau_ky="Không"),
        _h("11284-0005", CLN, "Đinh Thị Năm", thu_nhap_bq=None, diem_b1=None, nguoi_co_cong="Có",
           nguyen_nhan_ngheo="Thiếu vốn", phan_loai_dau_ky="Nghèo"),
    ]
    a_mm = [
        _m("11284-0001", 1, "Hoàng Văn Một", "12/03/1980", "Nam", "Chủ hộ", "Tày", the_bhyt="Không"),
        _m("11284-0001", 2, "Hoàng Văn Con", "01/02/2014", "Nam", "Con", "Tày", the_bhyt="Không"),
        _m("11284-0002", 1, "Trần Thị Hai", "05/05/1950", "Nữ", "Chủ hộ", viec_lam="Không tham gia lao động",
           trinh_do="Tiểu học"),
        _m("11284-0002", 2, "Trần Văn Tật", "07/07/1985", "Nam", "Con", viec_lam="Không tham gia lao động",
           khuyet_tat="Đặc biệt nặng"),
        _m("11284-0003", 1, "Lê Văn Ba", "03/03/1975", "Nam", "Chủ hộ"),
        _m("11284-0003", 2, "Lê Thị Bé", "04/04/2012", "Nữ", "Con", dang_di_hoc="Không", cap_hoc=None),
        _m("11284-0004", 1, "Phạm Văn Bốn", "06/06/1970", "Nam", "Chủ hộ"),
        _m("11284-0005", 1, "Đinh Thị Năm", "08/08/1988", "Nữ", "Chủ hộ", "Mường"),
        _m("11284-0005", 2, "Đinh Văn Nhỏ", "09/01/2017", "Nam", "Con", "Mường", the_bhyt="Không",
           dang_di_hoc="Không", cap_hoc=None),
    ]
    make_return(folder, a_hh, a_mm, name="11284_2024.xlsx")
    # ---------------------------------------------------------------- 11287 Thanh Giang (rural)
    b_hh = [
        _h("11287-0001", TG, "Vũ Văn Sáu", thu_nhap_bq=None, diem_b1=120, nguyen_nhan_ngheo="Thiếu kỹ năng lao động",
           phan_loai_dau_ky="Không"),
        _h("11287-0002", TG, "Lò Thị Bảy", thu_nhap_bq=1_400_000, nguoi_co_cong="Có", nguyen_nhan_ngheo="Thiếu vốn",
           phan_loai_dau_ky="Nghèo"),
        _h("11287-0003", TG, "Đỗ Văn Tám", thu_nhap_bq=5_000_000, ho_nlndn="Không", phan_loai_dau_ky="Cận nghèo"),
        _h("11287-0004", TG, "Ngô Văn Chín", thu_nhap_bq=1_000_000, loai_nha="Đơn sơ", nguon_nuoc="Khác",
           nha_tieu="Không có", tinh_trang_ho="Chuyển đi", phan_loai_dau_ky="Nghèo"),
    ]
    b_mm = [
        _m("11287-0001", 1, "Vũ Văn Sáu", "10/10/1990", "Nam", "Chủ hộ", viec_lam="Thất nghiệp", trinh_do="THPT"),
        _m("11287-0001", 2, "Vũ Văn Em", "11/11/2004", "Nam", "Anh, chị, em", trinh_do="THCS"),
        _m("11287-0001", 3, "Vũ Thị Út", "12/12/2019", "Nữ", "Cháu", suy_dinh_duong="Có", trinh_do="Chưa đi học",
           cap_hoc="Mầm non"),
        _m("11287-0002", 1, "Lò Thị Bảy", "02/02/1985", "Nữ", "Chủ hộ", "Thái", the_bhyt="Không"),
        _m("11287-0002", 2, "Lò Văn Nhí", "03/03/2021", "Nam", "Con", "Thái", the_bhyt="Không",
           trinh_do="Chưa đi học", cap_hoc="Mầm non"),
        _m("11287-0003", 1, "Đỗ Văn Tám", "04/04/1982", "Nam", "Chủ hộ"),
        _m("11287-0004", 1, "Ngô Văn Chín", "05/05/1979", "Nam", "Chủ hộ"),
    ]
    make_return(folder, b_hh, b_mm, name="11287_2024.xlsx")
    # ---------------------------------------------------------------- 11239 Thị trấn Thanh Miện (urban)
    c_hh = [
        _h("11239-0001", TOWN, "Nông Thị Mười", thu_nhap_bq=1_900_000, nguon_nuoc="Khác", nha_tieu="Không có",
           su_dung_internet="Không", phuong_tien_thong_tin="Không",
           nguyen_nhan_ngheo="Thiếu đất sản xuất;Thiếu công cụ, phương tiện", phan_loai_dau_ky="Nghèo"),
        _h("11239-0002", TOWN, "Bùi Văn Mười Một", thu_nhap_bq=2_000_000, nguoi_co_cong="Có", phan_loai_dau_ky="Không"),
        _h("11239-0003", TOWN, "Cao Văn Mười Hai", thu_nhap_bq=None, diem_b1=None, phan_loai_dau_ky="Cận nghèo"),
        _h("11239-0004", TOWN, "Tạ Thị Mười Ba", thu_nhap_bq=2_500_000, ho_nlndn="Có", phan_loai_dau_ky="Không"),
    ]
    c_mm = [
        _m("11239-0001", 1, "Nông Thị Mười", "01/01/1970", "Nữ", "Chủ hộ", "Tày"),
        _m("11239-0001", 2, "Nông Văn Lớn", "05/05/2010", "Nam", "Con", "Tày", trinh_do="Tiểu học", cap_hoc="THCS"),
        _m("11239-0001", 3, "Nông Thị Nhỏ", "06/06/2016", "Nữ", "Con", "Tày", dang_di_hoc="Không", cap_hoc=None),
        _m("11239-0002", 1, "Bùi Văn Mười Một", "01/01/1959", "Nam", "Chủ hộ", viec_lam="Không tham gia lao động"),
        _m("11239-0003", 1, "Cao Văn Mười Hai", "02/02/1972", "Nam", "Chủ hộ"),
        _m("11239-0004", 1, "Tạ Thị Mười Ba", "03/03/1980", "Nữ", "Chủ hộ"),
        _m("11239-0004", 2, "Tạ Văn Chồng", "04/04/1978", "Nam", "Vợ, chồng"),
    ]
    make_return(folder, c_hh, c_mm, name="11239_2024.xlsx")


def previous_list(path: Path) -> Path:
    """Last year's managed list as an officer types it (start of the period)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã xã", "Mã hộ", "Phân loại"])
    for row in ([CLN, "11284-0001", "Nghèo"], [CLN, "11284-0002", "Cận nghèo"], [CLN, "11284-0003", "Cận nghèo"],
                [CLN, "11284-0005", "Nghèo"], [TG, "11287-0002", "Nghèo"], [TG, "11287-0003", "Cận nghèo"],
                [TG, "11287-0004", "Nghèo"], [TOWN, "11239-0001", "Nghèo"], [TOWN, "11239-0003", "Cận nghèo"]):
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture(scope="module")
def round_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("district")
    district(root / "in")
    previous_list(root / "dau_ky.xlsx")
    ok(run_hgn("run", "in", "--out", "out", "--previous", "dau_ky.xlsx", cwd=root))
    return root


# ------------------------------------------------------------------------------------------ the facts, by hand
# Per household present at the end of the period (B4 moved away: on no end-of-period form). cls: poor / near /
# avg / nonpoor / undecided. children: (no BHYT card, malnourished, not at school while of school age) per child
# under 16. cat: the category of forms 14/15 (new "Mới", continuing "Cũ").
H: dict[str, dict[str, Any]] = {
    "11284-0001": dict(c=CLN, cls="poor", eth="Tày", female=False, merit=True, no_labour=False, pp=2,
                       deps={"th_bhyt", "th_chat_luong_nha", "th_nuoc_sinh_hoat", "th_nha_tieu"},
                       causes={"Thiếu vốn", "Thiếu đất sản xuất"}, children=[(True, False, False)], cat="Cũ"),
    "11284-0002": dict(c=CLN, cls="poor", eth="Kinh", female=True, merit=False, no_labour=True, pp=2,
                       deps={"th_nguoi_phu_thuoc", "th_chat_luong_nha", "th_vien_thong", "th_phuong_tien_thong_tin"},
                       causes={"Ốm đau, tai nạn", "Thiếu lao động"}, children=[], cat="Mới"),
    "11284-0003": dict(c=CLN, cls="near", eth="Kinh", female=False, merit=False, no_labour=False, pp=2,
                       deps={"th_dien_tich_nha", "th_di_hoc_tre_em"}, causes={"Thiếu kiến thức sản xuất"},
                       children=[(False, False, True)], cat="Cũ"),
    "11284-0004": dict(c=CLN, cls="avg", eth="Kinh", female=False, merit=False, no_labour=False, pp=1),
    "11284-0005": dict(c=CLN, cls="undecided", eth="Mường", female=True, merit=True, no_labour=False, pp=2,
                       causes={"Thiếu vốn"}, children=[(True, False, True)]),
    "11287-0001": dict(c=TG, cls="poor", eth="Kinh", female=False, merit=False, no_labour=False, pp=3,
                       deps={"th_viec_lam", "th_giao_duc_nguoi_lon", "th_dinh_duong"},
                       causes={"Thiếu kỹ năng lao động"}, children=[(False, True, False)], cat="Mới"),
    "11287-0002": dict(c=TG, cls="near", eth="Thái", female=True, merit=True, no_labour=False, pp=2,
                       deps={"th_bhyt"}, causes={"Thiếu vốn"}, children=[(True, False, False)], cat="Mới"),
    "11287-0003": dict(c=TG, cls="nonpoor", eth="Kinh", female=False, merit=False, no_labour=False, pp=1),
    "11239-0001": dict(c=TOWN, cls="poor", eth="Tày", female=True, merit=False, no_labour=False, pp=3,
                       deps={"th_nguoi_phu_thuoc", "th_di_hoc_tre_em", "th_nuoc_sinh_hoat", "th_nha_tieu",
                             "th_vien_thong", "th_phuong_tien_thong_tin"},
                       causes={"Thiếu đất sản xuất", "Thiếu công cụ, phương tiện"},
                       children=[(False, False, False), (False, False, True)], cat="Cũ"),
    "11239-0002": dict(c=TOWN, cls="near", eth="Kinh", female=False, merit=True, no_labour=True, pp=1,
                       deps={"th_nguoi_phu_thuoc"}, causes=set(), children=[], cat="Mới"),
    "11239-0003": dict(c=TOWN, cls="undecided", eth="Kinh", female=False, merit=False, no_labour=False, pp=1),
    "11239-0004": dict(c=TOWN, cls="avg", eth="Kinh", female=True, merit=False, no_labour=False, pp=2),
}
UNITS = [TOWN, CLN, TG]


def of(unit: str | None, cls: str | None = None) -> list[dict[str, Any]]:
    """The households of a commune (None: the district) and class (None: every household present)."""
    return [h for h in H.values() if (unit is None or h["c"] == unit) and (cls is None or h["cls"] == cls)]


def half_up(num: float, den: float) -> float | None:
    """num / den × 100 rounded half up to 2 decimals, as a form prints it; None (blank) when den is 0."""
    from decimal import ROUND_HALF_UP, Decimal

    if den == 0:
        return None
    return float((Decimal(num) * 100 / Decimal(den)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def avg2(num: float, den: float) -> float | None:
    from decimal import ROUND_HALF_UP, Decimal

    return None if den == 0 else float((Decimal(num) / Decimal(den)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _minority(h: dict[str, Any]) -> bool:
    return h["eth"] != "Kinh"


def _other(h: dict[str, Any]) -> bool:
    return not (_minority(h) or h["no_labour"] or h["merit"])


# ------------------------------------------------------------------------------------------ reading the forms
def sheet_rows(path: Path) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def summary(path: Path) -> tuple[list[list[Any]], dict[str, list[Any]], list[Any], list[list[Any]]]:
    """(header band rows, {commune name: values after STT and name}, total values, every unit row) of a form 01–13."""
    rows = sheet_rows(path)
    k = next(i for i, r in enumerate(rows) if r[0] == "A" and r[1] == "B")
    top = next(i for i, r in enumerate(rows) if r[0] == "STT")
    t = next(i for i in range(k + 1, len(rows)) if rows[i][1] == "Tổng cộng")
    units = [r for r in rows[k + 1:t] if isinstance(r[0], int)]
    by_name = {r[1]: r[2:] for r in units}
    return rows[top:k], by_name, rows[t][2:], units


def form(root: Path, n: int) -> Path:
    return root.joinpath(*BAO_CAO, f"bieu_{n:02d}.xlsx")


def leaf_headers(band: list[list[Any]]) -> list[str]:
    """The lowest header text of each column (the band's last non-blank cell of the column), from column C on."""
    width = len(band[0])
    out = []
    for j in range(2, width):
        texts = [r[j] for r in band if r[j] is not None]
        out.append(texts[-1] if texts else "")
    return out


def check_rows(root: Path, n: int, expected: dict[str | None, list[Any]]) -> None:
    """Every commune row of the three communes and the total row equal the hand figures; the 14 other communes of
    the district keep blank rows; the total row is the sum of the rows for count columns."""
    _band, by_name, total, units = summary(form(root, n))
    got = {u: by_name[NAMES[u]] for u in UNITS}
    got[None] = total
    diffs = {NAMES.get(u, "Tổng cộng"): (got[u], expected[u]) for u in expected if got[u] != expected[u]}
    assert not diffs, f"form {n:02d}: rows differing from the hand figures (got, expected): {diffs}"
    blank = [r[1] for r in units if r[1] not in NAMES.values() and any(v is not None for v in r[2:])]
    assert not blank, f"form {n:02d}: communes without a return carry figures: {blank}"


# ------------------------------------------------------------------------------------------ expected figures
def deprivation_counts(unit: str | None, cls: str) -> list[Any]:
    hs = of(unit, cls)
    return [len(hs), sum(len(h["deps"]) for h in hs), *[sum(k in h["deps"] for h in hs) for k in INDICATORS]]


def deprivation_rates(unit: str | None, cls: str) -> list[Any]:
    hs = of(unit, cls)
    n = len(hs)
    return [n, avg2(sum(len(h["deps"]) for h in hs), n),
            *[half_up(sum(k in h["deps"] for h in hs), n) for k in INDICATORS]]


def groups(unit: str | None) -> list[Any]:
    out: list[Any] = []
    for cls in ("poor", "near"):
        hs = of(unit, cls)
        out += [len(hs), sum(map(_minority, hs)), sum(h["no_labour"] for h in hs), sum(h["merit"] for h in hs),
                sum(map(_other, hs))]
    return out


def ethnic(unit: str | None, columns: list[str]) -> list[Any]:
    out: list[Any] = []
    for cls in ("poor", "near"):
        hs = of(unit, cls)
        out += [len(hs), sum(h["eth"] == "Kinh" for h in hs), sum(map(_minority, hs)),
                *[sum(h["eth"] == g for h in hs) for g in columns], 0]
    return out


def causes(unit: str | None) -> list[Any]:
    out: list[Any] = []
    for cls in ("poor", "near"):
        hs = of(unit, cls)
        out += [len(hs), *[sum(c in h["causes"] for h in hs) for c in CAUSES]]
    return out


def children(unit: str | None) -> list[Any]:
    out: list[Any] = []
    for cls in ("poor", "near"):
        kids = [k for h in of(unit, cls) for k in h["children"]]
        out += [len(kids), sum(k[0] for k in kids), sum(k[1] for k in kids), sum(k[2] for k in kids)]
    return out


def results(unit: str | None, cls: str) -> list[Any]:
    every = of(unit)
    hs = of(unit, cls)
    hh, pp = len(every), sum(h["pp"] for h in every)
    minority = sum(map(_minority, every))
    n, n_min, n_pp = len(hs), sum(map(_minority, hs)), sum(h["pp"] for h in hs)
    return [hh, sum(h["eth"] == "Kinh" for h in every), minority, 0, pp, n, n_min, n_pp,
            half_up(n, hh), half_up(n_min, minority), half_up(n_pp, pp),
            sum(h["merit"] for h in hs), sum(h["no_labour"] for h in hs), sum(h["female"] for h in hs)]


def expected(fn: Any, *args: Any) -> dict[str | None, list[Any]]:
    return {u: fn(u, *args) for u in [*UNITS, None]}


# ------------------------------------------------------------------------------------------ forms 04–13, every cell
# guard (passes)
def test_hand_figures_are_what_the_tests_compare_against() -> None:
    """The district's totals as an officer would tally them on paper (a check of the hand table itself)."""
    assert len(of(None)) == 12 and sum(h["pp"] for h in of(None)) == 22
    assert [len(of(None, c)) for c in ("poor", "near", "avg", "nonpoor", "undecided")] == [4, 3, 2, 1, 2]
    assert deprivation_counts(None, "poor") == [4, 17, 1, 2, 1, 1, 1, 1, 2, 0, 2, 2, 2, 2]
    assert deprivation_counts(None, "near") == [3, 4, 0, 1, 0, 1, 0, 1, 0, 1, 0, 0, 0, 0]
    assert groups(None) == [4, 2, 1, 1, 1, 3, 1, 1, 2, 1]
    assert children(None) == [4, 1, 1, 1, 2, 1, 0, 1]
    assert results(None, "poor") == [12, 8, 4, 0, 22, 4, 2, 10, 33.33, 50.0, 45.45, 1, 1, 2]
    assert results(None, "near") == [12, 8, 4, 0, 22, 3, 1, 5, 25.0, 25.0, 22.73, 2, 1, 1]


# guard (passes)
def test_form_04_poor_households_deprived_in_each_indicator(round_dir: Path) -> None:
    band, _rows, _total, _units = summary(form(round_dir, 4))
    assert leaf_headers(band)[:2] == ["Số hộ nghèo", "Tổng số lượt thiếu hụt"]
    check_rows(round_dir, 4, expected(deprivation_counts, "poor"))


# guard (passes)
def test_form_05_rates_of_poor_households_deprived(round_dir: Path) -> None:
    check_rows(round_dir, 5, expected(deprivation_rates, "poor"))


# guard (passes)
def test_form_06_near_poor_households_deprived_in_each_indicator(round_dir: Path) -> None:
    check_rows(round_dir, 6, expected(deprivation_counts, "near"))


# guard (passes)
def test_form_07_rates_of_near_poor_households_deprived(round_dir: Path) -> None:
    check_rows(round_dir, 7, expected(deprivation_rates, "near"))


# guard (passes)
def test_form_08_groups_of_poor_and_near_poor_households(round_dir: Path) -> None:
    band, _rows, _total, _units = summary(form(round_dir, 8))
    assert leaf_headers(band) == ["Tổng số", "Hộ dân tộc thiểu số", "Hộ không có khả năng lao động",
                                  "Hộ có người có công với cách mạng", "Hộ khác"] * 2
    check_rows(round_dir, 8, expected(groups))


# guard (passes)
def test_form_09_by_ethnic_group_of_the_head(round_dir: Path) -> None:
    band, _rows, _total, _units = summary(form(round_dir, 9))
    heads = leaf_headers(band)
    k = heads.index("Chưa rõ dân tộc")
    columns = heads[3:k]  # after Tổng số, Dân tộc Kinh, DTTS Tổng số
    assert sorted(columns) == sorted(["Tày", "Mường", "Thái"]) and columns[0] == "Tày"  # two Tày heads first
    check_rows(round_dir, 9, expected(ethnic, columns))


# guard (passes)
def test_form_10_by_cause_of_poverty(round_dir: Path) -> None:
    band, _rows, _total, _units = summary(form(round_dir, 10))
    assert leaf_headers(band) == ["Tổng số", *CAUSES] * 2
    check_rows(round_dir, 10, expected(causes))


# guard (passes)
def test_form_11_children_of_poor_and_near_poor_households(round_dir: Path) -> None:
    """The undecided household 11284-0005's child (7, no BHYT, out of school) is counted nowhere."""
    check_rows(round_dir, 11, expected(children))


# guard (passes)
def test_form_12_poor_households_against_the_population(round_dir: Path) -> None:
    """Total households and persons count the two undecided households (they live in the commune), the moved-away
    one is not counted; the rates are each row's own counts (total row: total / total)."""
    check_rows(round_dir, 12, expected(results, "poor"))


# guard (passes)
def test_form_13_near_poor_households_against_the_population(round_dir: Path) -> None:
    check_rows(round_dir, 13, expected(results, "near"))


# guard (passes)
def test_count_forms_total_row_is_the_sum_of_the_rows(round_dir: Path) -> None:
    """In every count column of forms 04, 06, 08–11 and the count columns of 12–13, the total row is the sum of
    the unit rows (blank rows of communes without a return count nothing)."""
    count_columns = {4: range(14), 6: range(14), 8: range(10), 9: range(14), 10: range(18), 11: range(8),
                     12: [0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13], 13: [0, 1, 2, 3, 4, 5, 6, 7, 11, 12, 13]}
    for n, cols in count_columns.items():
        _band, _rows, total, units = summary(form(round_dir, n))
        for j in cols:
            assert total[j] == sum(r[2 + j] or 0 for r in units), (n, j)


# ------------------------------------------------------------------------------------------ forms 14–15, every row
def list_body(path: Path) -> list[list[Any]]:
    """The rows of a list form between its numbered key row and the "Tổng cộng" line (section rows included)."""
    rows = sheet_rows(path)
    k = next(i for i, r in enumerate(rows) if r[0] == "1" and r[1] == "2")
    t = next(i for i in range(k + 1, len(rows)) if isinstance(rows[i][0], str) and rows[i][0].startswith("Tổng cộng"))
    return [r for r in rows[k + 1:t] if any(v is not None for v in r)] + [[rows[t][0]]]


X = "x"
_ = None


# guard (passes)
def test_form_15_poor_list_member_by_member(round_dir: Path) -> None:
    """Poor at the end: 11239-0001 (continuing), 11284-0001 (continuing), 11284-0002 (near-poor → poor: new to the
    poor list), 11287-0001 (new). Heads first, then members by STT; household facts on the first row only."""
    got = list_body(form(round_dir, 15))
    want = [
        ["Thị trấn Thanh Miện (11239)"],
        [1, "11239-0001", 1, "Nông Thị Mười", "Thôn Đông", _, 1970, "Tày", "Chủ hộ", _, _, X, _, X, _, _],
        [_, _, 2, "Nông Văn Lớn", "Thôn Đông", 2010, _, "Tày", "Con", _, _, _, _, _, _, _],
        [_, _, 3, "Nông Thị Nhỏ", "Thôn Đông", _, 2016, "Tày", "Con", _, _, _, _, _, _, _],
        ["Xã Chi Lăng Nam (11284)"],
        [2, "11284-0001", 1, "Hoàng Văn Một", "Thôn Đông", 1980, _, "Tày", "Chủ hộ", _, _, X, X, X, _, _],
        [_, _, 2, "Hoàng Văn Con", "Thôn Đông", 2014, _, "Tày", "Con", _, _, _, _, _, _, _],
        [3, "11284-0002", 1, "Trần Thị Hai", "Thôn Đông", _, 1950, "Kinh", "Chủ hộ", X, _, _, _, _, X, _],
        [_, _, 2, "Trần Văn Tật", "Thôn Đông", 1985, _, "Kinh", "Con", _, _, _, _, _, _, _],
        ["Xã Thanh Giang (11287)"],
        [4, "11287-0001", 1, "Vũ Văn Sáu", "Thôn Đông", 1990, _, "Kinh", "Chủ hộ", X, _, _, _, _, _, _],
        [_, _, 2, "Vũ Văn Em", "Thôn Đông", 2004, _, "Kinh", "Anh, chị, em", _, _, _, _, _, _, _],
        [_, _, 3, "Vũ Thị Út", "Thôn Đông", _, 2019, "Kinh", "Cháu", _, _, _, _, _, _, _],
        ["Tổng cộng: 4 hộ, 10 nhân khẩu"],
    ]
    got = [r[:1] if len(want[i]) == 1 and i < len(want) else r for i, r in enumerate(got)]
    assert got == want


# guard (passes)
def test_form_14_near_poor_list_member_by_member(round_dir: Path) -> None:
    """Near-poor at the end: 11239-0002 (new), 11284-0003 (continuing), 11287-0002 (poor → near-poor: new to the
    near-poor list). Neither undecided household (11284-0005 was poor, 11239-0003 near-poor at the start) is listed."""
    got = list_body(form(round_dir, 14))
    want = [
        ["Thị trấn Thanh Miện (11239)"],
        [1, "11239-0002", 1, "Bùi Văn Mười Một", "Thôn Đông", 1959, _, "Kinh", "Chủ hộ", X, _, _, X, _, X, _],
        ["Xã Chi Lăng Nam (11284)"],
        [2, "11284-0003", 1, "Lê Văn Ba", "Thôn Đông", 1975, _, "Kinh", "Chủ hộ", _, _, X, _, _, _, _],
        [_, _, 2, "Lê Thị Bé", "Thôn Đông", _, 2012, "Kinh", "Con", _, _, _, _, _, _, _],
        ["Xã Thanh Giang (11287)"],
        [3, "11287-0002", 1, "Lò Thị Bảy", "Thôn Đông", _, 1985, "Thái", "Chủ hộ", X, _, _, X, X, _, _],
        [_, _, 2, "Lò Văn Nhí", "Thôn Đông", 2021, _, "Thái", "Con", _, _, _, _, _, _, _],
        ["Tổng cộng: 3 hộ, 5 nhân khẩu"],
    ]
    got = [r[:1] if i < len(want) and len(want[i]) == 1 else r for i, r in enumerate(got)]
    assert got == want


# ------------------------------------------------------------------------------------------ defects
POOR = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}


def test_one_village_spelt_three_ways_is_one_row_of_the_communes_forms(tmp_path: Path) -> None:
    """Commune 11284's return writes its village as "Thôn Đông" (H1), "thôn Đông" (H2, lower-case t) and
    "Thôn  Đông" (H3, two spaces) — the way three reviewers type it — and "Thôn 2" (H4). Validation says nothing
    about it. `hgn classify` + `hgn report` (the commune's own forms, one row per village): forms 04–13 print four
    village rows, "Thôn Đông", "thôn Đông" and "Thôn  Đông" each with one poor household. forms.md: "one row per
    administrative unit of the level below" — Thôn Đông is one unit with 3 poor households; the same village must
    not be split over rows that differ only by case and spacing (reports/view.py ``_unit_keys``: the village key is
    the text as typed, stripped only at its ends)."""
    folder = tmp_path / "in"
    folder.mkdir()
    villages = ["Thôn Đông", "thôn Đông", "Thôn  Đông", "Thôn 2"]
    make_return(folder, [household(ma_ho=f"H{i}", thon=v, **POOR) for i, v in enumerate(villages, 1)],
                [member(ma_ho=f"H{i}", so_dinh_danh=make_id(serial=f"00010{i}")) for i in range(1, 5)])
    ok(run_hgn("classify", "in", "--out", "res.xlsx", cwd=tmp_path))
    ok(run_hgn("report", "res.xlsx", "--out-dir", "rep", cwd=tmp_path))
    _band, by_name, total, units = summary(tmp_path / "rep" / "bieu_04.xlsx")
    assert total[0] == 4
    assert len(units) == 2, f"village rows: {[r[1] for r in units]}"
    assert [r[2] for r in units] == [1, 3] or [r[2] for r in units] == [3, 1]


def _mixed_district(root: Path) -> None:
    """11284: a layout-1 return (one poor household, head alone). 11287: the national application's export (no
    member rows), one poor household of 3 persons deprived in nutrition (a child under 16 is malnourished),
    child school attendance (a child of 3–15 is not at school) and housing quality."""
    folder = root / "in"
    folder.mkdir(parents=True)
    make_return(folder, [household(ma_ho="11284-0001", **POOR)], [member(ma_ho="11284-0001")], name="11284_2024.xlsx")
    flags = {k: 0 for k in INDICATORS} | {"th_dinh_duong": 1, "th_di_hoc_tre_em": 1, "th_chat_luong_nha": 1}
    make_app_return(folder, [app_row(ma_ho="11287-0001", ma_xa=TG, diem_b1=100, diem_b2=30, phan_loai_ghi="Nghèo",
                                     so_thieu_hut_ghi=3, so_thanh_vien=3, **flags)], name="11287_app.xlsx")
    ok(run_hgn("run", "in", "--out", "out", cwd=root))


def test_form_11_does_not_print_zero_children_for_households_without_member_rows(tmp_path: Path) -> None:
    """A district where commune 11287 sent the application's export (no member rows; README: a supported input)
    and 11284 a layout-1 return. 11287's poor household is deprived in nutrition and child school attendance:
    form 04 (row Xã Thanh Giang) rightly counts it in both. Form 11 on the same row says 0 children in poor
    households, 0 malnourished, 0 not at school — figures the data contradict (a malnourished child under 16 is
    what the nutrition flag records) and cannot give (the children are not listed). The report's own note says
    such figures are "để trống" (left blank), and README: "nothing is imputed". Cause: reports/view.py
    ``_household_attributes`` gives a household without member rows 0 children (``np.zeros``), never unknown."""
    _mixed_district(tmp_path)
    _b, rows4, _t, _u = summary(form(tmp_path, 4))
    tg4 = rows4[NAMES[TG]]
    assert tg4[0] == 1 and tg4[2 + INDICATORS.index("th_dinh_duong")] == 1
    assert tg4[2 + INDICATORS.index("th_di_hoc_tre_em")] == 1
    _b, rows11, _t, _u = summary(form(tmp_path, 11))
    tg11 = rows11[NAMES[TG]]
    # poor children: total, without BHYT, malnourished, out of school — unknown here, not 0
    assert tg11[0] != 0 and tg11[2] != 0 and tg11[3] != 0, f"form 11, Xã Thanh Giang: {tg11[:4]}"


def test_form_08_does_not_count_a_household_without_member_rows_as_able_to_work_and_other(tmp_path: Path) -> None:
    """Same district: 11287's poor household has no member rows (the application's export) and no merit column,
    so whether it has a member able to work, or a person with merit, is not known. Form 08 (row Xã Thanh Giang)
    says 0 "Hộ không có khả năng lao động" and counts it under "Hộ khác" ("a household in none of the groups" —
    the form's own note), as forms 12's "Hộ không có khả năng lao động" says 0. An unknown is printed as a known
    negative; the report's note says labour-capacity figures without member rows are left blank. Cause:
    reports/view.py ``_household_attributes`` (``no_labour = (n_members > 0) & …``, ``other_group`` from it)."""
    _mixed_district(tmp_path)
    band, rows8, _t, _u = summary(form(tmp_path, 8))
    heads = leaf_headers(band)
    tg = rows8[NAMES[TG]]
    assert tg[0] == 1  # the poor household
    no_labour, other = heads.index("Hộ không có khả năng lao động"), heads.index("Hộ khác")
    assert tg[no_labour] is None and tg[other] is None, \
        f"form 08, Xã Thanh Giang: no labour capacity {tg[no_labour]}, other {tg[other]}"
