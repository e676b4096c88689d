"""Review 44: an adversarial read of the session's later changes (dc7021b..HEAD) on clean, real-looking data.

The changes: a date column read as month first when more of its typed dates read only month first
(schemas/coerce.month_first); "d.dd0" number text read two ways (coerce _DOT_ONE_GROUP); b1-unreadable and
b1-implausible (validate, layouts/hgn.yaml max_b1_score); "Ba" asked naming both answers (layout ambiguous
spellings); text.fold's look-alike letters; forms 08, 11, 12, 13 left blank where a head's ethnic group or sex, or a
child's age, is not known (reports/view, formdef.UNKNOWN_OF) and their notes; a 1904-calendar workbook's typed year
(io/read._as_1900_calendar). Looked for: false alarms on clean returns, and wrong readings the changes brought.

Tests whose docstring starts "DEFECT." fail on the code as reviewed; those marked "# guard (passes)" hold behaviour
that is right and must stay right.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import (
    HH_SHEET,
    MM_SHEET,
    app_row,
    form_rows,
    household,
    make_app_return,
    make_id,
    make_return,
    member,
    ok,
    run_hgn,
    sample_returns,
    sheet_grid,
    write_ods,
    write_xls,
)
from hgn_review.pipeline import classify_paths
from hgn_review.validate import validate_paths

REVIEW, BIRTH = "Ngày rà soát", "Ngày sinh"
POOR3 = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}

_serial = [440000]


def pid(year: int, female: bool = False) -> str:
    """A fresh valid ID (a repeated one would block its households)."""
    _serial[0] += 1
    return make_id(birth_year=year, female=female, serial=f"{_serial[0]:06d}")


def _errors(result: Any) -> list[tuple[str, Any, Any, Any]]:
    return [(f.code, f.row, f.column, f.value) for f in result.findings if f.severity != "info"]


def _households(review_dates: list[Any]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One household per review date (household i on Excel row i + 2), each with its head."""
    hhs, mms = [], []
    for i, d in enumerate(review_dates):
        ma = f"11284-{i + 1:04d}"
        hhs.append(household(ma_ho=ma, ngay_ra_soat=d))
        mms.append(member(ma_ho=ma, so_dinh_danh=pid(1980)))
    return hhs, mms


# ============================================================================================ defects
def test_one_slip_in_a_day_first_review_date_column_does_not_void_every_review_date(tmp_path: Path) -> None:
    """DEFECT. A commune typed its review dates day first as text, every one in the first days of September
    ("02/09/2024" … "10/09/2024"), and one officer slipped: "09/13/2024". Before this session that one cell was
    value-not-date. Now the column counts as "typed month first" (one cell reads only month first, none only day
    first), so every other, correct review date is value-date-ambiguous and read as no date at all: no household of
    the commune has a review date, and `classify` refuses the whole return ("không có ngày rà soát hợp lệ nào").
    One typo voids a clean column of any length whose days are all 1–12 (a review done in the first twelve days of
    a month, or on one day). The function's own docstring promises "a single slip '12/13/1980' among day-first
    dates does not turn it". Expected: the slip alone is said; the day-first dates are read.
    Cause: schemas/coerce.py:month_first turns a column on `only_month_first > only_day_first` (1 > 0): a single
    cell against a column whose dates merely do not prove day first."""
    hhs, mms = _households(["02/09/2024", "03/09/2024", "05/09/2024", "09/13/2024", "10/09/2024", "11/09/2024"])
    path = make_return(tmp_path, hhs, mms)
    result = validate_paths([path])
    errors = _errors(result)
    assert [e for e in errors if e[0] != "date-order-doubt"] == [("value-not-date", 5, REVIEW, "09/13/2024")], errors
    # (the slip is also said on the column, a warning asking to look at the dates that read both ways)
    assert [(f.code, f.severity) for f in result.findings if f.code == "date-order-doubt"] == [
        ("date-order-doubt", "warning")]


def test_one_slip_in_a_day_first_birth_column_does_not_flag_the_correct_births(tmp_path: Path) -> None:
    """DEFECT. A household's birth dates typed day first as text: the head "05/03/1980", his wife "07/11/1982", their
    son "03/04/2010" — and the daughter's "05/13/2012", a slip (13 is no month). Now the three correct dates are
    errors (value-date-ambiguous: "this column holds more dates that read only month first"), their day and month
    dropped — the son, 14, becomes a member known by his year alone, and the return fails `validate` on cells that
    are right. Expected: only the slip is said. Cause: schemas/coerce.py:month_first (one cell decides a column
    with no date proving day first)."""
    mms = [member(ma_ho="A", ngay_sinh="05/03/1980", so_dinh_danh=pid(1980)),
           member(ma_ho="A", stt=2, ho_ten="Trần Thị Hoa", quan_he="Vợ, chồng", gioi_tinh="Nữ", ngay_sinh="07/11/1982",
                  so_dinh_danh=pid(1982, True)),
           member(ma_ho="A", stt=3, ho_ten="Nguyễn Văn Bình", quan_he="Con", ngay_sinh="03/04/2010",
                  so_dinh_danh=pid(2010), viec_lam=None, trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc="THCS",
                  suy_dinh_duong="Không"),
           member(ma_ho="A", stt=4, ho_ten="Nguyễn Thị Cúc", quan_he="Con", gioi_tinh="Nữ", ngay_sinh="05/13/2012",
                  so_dinh_danh=pid(2012, True), viec_lam=None, trinh_do="Tiểu học", dang_di_hoc="Có",
                  cap_hoc="Tiểu học", suy_dinh_duong="Không")]
    path = make_return(tmp_path, [household(ma_ho="A")], mms)
    ambiguous = [e for e in _errors(validate_paths([path])) if e[0] == "value-date-ambiguous"]
    assert ambiguous == [], ambiguous


def test_an_application_export_is_not_said_to_have_blank_or_invalid_ethnic_groups(tmp_path: Path) -> None:
    """DEFECT. A clean export of the review application (every cell filled, "dan_toc_tai_cho" 0 or 1 as the
    application writes it): `hgn report` now notes, in form 08 and on the console, "N hộ nghèo, cận nghèo chưa rõ dân
    tộc của chủ hộ (để trống hoặc ghi không hợp lệ)" for every poor household whose local-minority answer is 0. No
    cell is blank or invalid and phat_hien.xlsx has no finding to look up: the export simply records no ethnic group,
    only whether the household is a local minority. (The merit note beside it says the true cause: "tệp xuất từ phần
    mềm rà soát không có cột này".) Seen on `hgn sample --layout app --error-rate 0`. Expected: no note blaming
    blank or invalid cells on an export that has none (say that the export records no ethnic group, or nothing).
    Cause: reports/view.py _BLANK_NOTES, the new ("eth_unknown", …) entry, counts view.py:_household_attributes'
    `eth_unknown = ~kinh & ~minority`, which is every export household with dan_toc_tai_cho 0."""
    rows = [app_row(ma_ho=f"11284-{i:04d}", diem_b1=100, phan_loai_ghi="Nghèo", dan_toc_tai_cho=0,
                    ho_ten_chu_ho=f"Nguyễn Văn Người{i}") for i in (1, 2)]
    path = make_app_return(tmp_path, rows)
    ok(run_hgn("classify", path, "--layout", "app", "--out", tmp_path / "kq.xlsx", cwd=tmp_path))
    proc = ok(run_hgn("report", tmp_path / "kq.xlsx", "--out-dir", tmp_path / "bc", "--forms", "8", cwd=tmp_path))
    ws = openpyxl.load_workbook(tmp_path / "bc" / "bieu_08.xlsx").active
    notes = [str(r[0]) for r in ws.iter_rows(values_only=True) if isinstance(r[0], str) and "dân tộc" in r[0]]
    said = [n for n in [*notes, *proc.stdout.splitlines()] if "chưa rõ dân tộc" in n and "không hợp lệ" in n]
    assert said == [], said


def test_an_application_export_b1_of_140_thousand_points_is_not_classified_not_poor(tmp_path: Path) -> None:
    """DEFECT. The application's CSV export opened in Excel on a Vietnamese computer turns b1Point "140.000" into the
    number 140000 (the dot groups thousands there) — the very misreading this session's b1-implausible check was
    written for. In a layout-1 return a B1 of 140 000 points is b1-implausible and the household waits; in an
    application export (`--layout app`) the same household is classified "Không nghèo", reason "Điểm B1 140.000 >
    ngưỡng 140" (which an officer reads as 140 points), with no finding at all. No phiếu B gives 140 000 points,
    whichever layout carried it. Expected: a finding at the cell and the household not classified on it.
    Cause: validate._b1_plausible reads `layout.plausibility["max_b1_score"]`; layouts/app.yaml has no
    plausibility section, so the check is skipped for the export."""
    path = make_app_return(tmp_path, [app_row(diem_b1=140000, phan_loai_ghi=None)])
    run = classify_paths([path], layout="app")
    hh = run.classification.households.iloc[0]
    codes = {f.code for f in run.validation.findings}
    assert hh["phan_loai"] != "Không nghèo" or "b1-implausible" in codes, (hh["phan_loai"], hh["ly_do"])


# ============================================================================================ guards
def test_a_day_first_column_with_one_slip_and_a_day_past_12_is_read_day_first(tmp_path: Path) -> None:
    # guard (passes): one date that proves day first ("25/09/2024") outweighs a slip; nothing else is said
    hhs, mms = _households(["02/09/2024", "25/09/2024", "09/13/2024", "10/09/2024"])
    errors = _errors(validate_paths([make_return(tmp_path, hhs, mms)]))
    assert errors == [("value-not-date", 4, REVIEW, "09/13/2024")], errors


def test_excel_date_cells_with_typed_day_first_text_are_not_ambiguous(tmp_path: Path) -> None:
    # guard (passes): a column of Excel date cells with a few typed day-first dates (days ≤ 12) reads cleanly
    hhs, mms = _households([dt.datetime(2024, 9, 5), dt.datetime(2024, 9, 6), "07/09/2024", "08/09/2024",
                            dt.datetime(2024, 9, 20)])
    path = make_return(tmp_path, hhs, mms)
    assert _errors(validate_paths([path])) == []
    run = classify_paths([path])
    got = sorted(run.classification.households["ngay_ra_soat"].dt.day.tolist())
    assert got == [5, 6, 7, 8, 20], got


def test_a_month_first_column_still_takes_a_births_year(tmp_path: Path) -> None:
    # guard (passes): a month-first birth column (two dates read only month first): the two-way date is said, its
    # year still taken (README)
    mms = [member(ma_ho="A", ngay_sinh="03/25/1980", so_dinh_danh=None),
           member(ma_ho="A", stt=2, ho_ten="Trần Thị Hoa", quan_he="Vợ, chồng", gioi_tinh="Nữ",
                  ngay_sinh="04/05/1982", so_dinh_danh=None),
           member(ma_ho="A", stt=3, ho_ten="Trần Văn Tú", quan_he="Con", ngay_sinh="06/14/2010", so_dinh_danh=None)]
    path = make_return(tmp_path, [household(ma_ho="A")], mms)
    result = validate_paths([path])
    amb = [f for f in result.findings if f.code == "value-date-ambiguous"]
    assert [(f.row, f.column) for f in amb] == [(3, BIRTH)]
    assert "năm sinh" in amb[0].message()
    wife = result.members.set_index("stt").loc[2]
    assert int(wife["nam_sinh"]) == 1982


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_number_cells_with_decimals_are_never_read_two_ways(tmp_path: Path, fmt: str) -> None:
    # guard (passes): area, B1 and B2 typed as number cells (7.5, 45.25, 140.12, 100.5 …) read as they are
    values = [7.5, 45.25, 140.12, 100.5, 7.05, 30.0]
    hhs, mms = [], []
    for i, v in enumerate(values):
        ma = f"11284-{i + 1:04d}"
        hhs.append(household(ma_ho=ma, dien_tich_nha=v, diem_b1=v, diem_b2=30, thu_nhap_bq=900000))
        mms.append(member(ma_ho=ma, so_dinh_danh=pid(1980)))
    if fmt == "xlsx":
        path = make_return(tmp_path, hhs, mms)
    else:
        grids = {HH_SHEET: sheet_grid("households", hhs), MM_SHEET: sheet_grid("members", mms)}
        path = (write_xls if fmt == "xls" else write_ods)(tmp_path / f"11284_2024.{fmt}", grids)
    result = validate_paths([path])
    assert _errors(result) == []
    got = result.households.set_index("ma_ho")
    assert got["dien_tich_nha"].astype(float).tolist() == values
    assert got["diem_b1"].astype(float).tolist() == values


def test_a_number_cell_stored_with_trailing_zeros_is_its_number(tmp_path: Path) -> None:
    # guard (passes): a program that writes <v>7.500</v> into a number cell (Excel shows 7.5) is not "typed text"
    path = make_return(tmp_path, [household(dien_tich_nha=7.5, diem_b1=140.5)], [member()])
    out = tmp_path / "b.xlsx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<v>7.5</v>", b"<v>7.500</v>").replace(b"<v>140.5</v>", b"<v>140.500</v>")
            zout.writestr(item, data)
    result = validate_paths([out])
    assert _errors(result) == []
    row = result.households.iloc[0]
    assert (float(row["dien_tich_nha"]), float(row["diem_b1"])) == (7.5, 140.5)


def test_an_income_typed_with_dots_is_still_thousands(tmp_path: Path) -> None:
    # guard (passes): the income (an integer of đồng) "900.000" is 900 000; B2 "30" is 30; nothing is said
    path = make_return(tmp_path, [household(thu_nhap_bq="900.000", diem_b2="30")], [member()])
    result = validate_paths([path])
    assert _errors(result) == []
    row = result.households.iloc[0]
    assert (int(row["thu_nhap_bq"]), float(row["diem_b2"])) == (900000, 30.0)


def test_a_b1_written_wrong_beside_a_measured_income_does_not_block(tmp_path: Path) -> None:
    # guard (passes): B1 "140.000" or "140 điểm" beside a measured income: said at the cell, classified on the income
    hhs = [household(ma_ho="A", diem_b1="140.000", thu_nhap_bq=1000000),
           household(ma_ho="B", diem_b1="140 điểm", thu_nhap_bq=3000000)]
    mms = [member(ma_ho="A", so_dinh_danh=pid(1980)), member(ma_ho="B", so_dinh_danh=pid(1980))]
    run = classify_paths([make_return(tmp_path, hhs, mms)])
    got = run.classification.households.set_index("ma_ho")["phan_loai"].to_dict()
    assert got["A"] != "Chưa đủ thông tin" and got["B"] == "Không nghèo", got


def test_typographic_apostrophes_and_eth_read_as_written_and_ba_is_asked(tmp_path: Path) -> None:
    # guard (passes): "K’Ho", "H’Mông" (phone apostrophes) read as Cơ Ho, Mông; "Bà" is Ông, bà; "Ba" is asked
    mms = [member(ma_ho="A", dan_toc="K’Ho", so_dinh_danh=pid(1980)),
           member(ma_ho="A", stt=2, ho_ten="Ðinh Thị Hoa", quan_he="Bà", gioi_tinh="Nữ", dan_toc="H’Mông",
                  ngay_sinh="01/01/1940", so_dinh_danh=pid(1940, True), viec_lam="Không tham gia lao động"),
           member(ma_ho="A", stt=3, ho_ten="Ðinh Văn Ba", quan_he="Ba", ngay_sinh="01/01/1950",
                  so_dinh_danh=pid(1950), viec_lam="Không tham gia lao động")]
    result = validate_paths([make_return(tmp_path, [household(ma_ho="A")], mms)])
    m = result.members.set_index("stt")
    assert (m.at[1, "dan_toc"], m.at[2, "dan_toc"], m.at[2, "quan_he"]) == ("Cơ Ho", "Mông", "Ông, bà")
    asked = [f for f in result.findings if f.code == "value-not-in-list" and f.row == 4]
    assert len(asked) == 1 and "Bố, mẹ" in asked[0].message() and "Ông, bà" in asked[0].message()


def test_a_1904_workbook_reads_real_dates_and_a_typed_year(tmp_path: Path) -> None:
    # guard (passes): old Mac Excel's calendar: a date cell is its date, a year typed into a date cell the year
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wife = member(ma_ho="A", stt=2, ho_ten="Trần Thị Hoa", quan_he="Vợ, chồng", gioi_tinh="Nữ", ngay_sinh=1982,
                  so_dinh_danh=pid(1982, True))
    path = make_return(tmp_path, [household(ma_ho="A", ngay_ra_soat=dt.datetime(2024, 9, 15))],
                       [member(ma_ho="A", ngay_sinh=dt.datetime(1980, 3, 12), so_dinh_danh=pid(1980)), wife])
    wb = openpyxl.load_workbook(path)
    wb.epoch = CALENDAR_MAC_1904
    ws = wb[MM_SHEET]
    ws.cell(3, [c.value for c in ws[1]].index(BIRTH) + 1).number_format = "dd/mm/yyyy"
    wb.save(path)
    result = validate_paths([path])
    assert _errors(result) == []
    m = result.members.set_index("stt")
    assert str(m.at[1, "ngay_sinh"])[:10] == "1980-03-12" and int(m.at[2, "nam_sinh"]) == 1982
    assert str(result.households.iloc[0]["ngay_ra_soat"])[:10] == "2024-09-15"


@pytest.fixture(scope="module")
def clean_sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    root = sample_returns(tmp_path_factory, "r44_clean", communes=2, households=40, seed=11)
    out = root.parent / "r44_out"
    proc = ok(run_hgn("classify", *sorted(root.glob("*.xlsx")), "--out", out / "kq.xlsx", cwd=root.parent))
    rep = ok(run_hgn("report", out / "kq.xlsx", "--out-dir", out / "bc", cwd=root.parent))
    return out, (proc, rep)


def test_a_clean_sample_leaves_no_new_blanks_or_notes(clean_sample: tuple[Path, Any]) -> None:
    # guard (passes): clean returns (error rate 0): forms 08, 11, 12, 13 filled for every commune with figures, and
    # none of the session's new notes (head's sex or ethnic group unknown, year alone across 16, list sex unknown)
    out, (_proc, rep) = clean_sample
    # form 08's "Hộ khác" (columns 5 and 10), form 11's children figures, forms 12/13's female-headed households
    for form, columns in (("08", (6, 11)), ("11", range(2, 10)), ("12", (15,)), ("13", (15,))):
        rows = form_rows(out / "bc" / f"bieu_{form}.xlsx")
        filled = [r for label, r in rows.items() if label == "Tổng cộng" or (isinstance(r[0], int) and r[2] is not None)]
        assert len(filled) == 3, (form, filled)  # two communes and the total
        for r in filled:
            assert all(r[c] is not None for c in columns), (form, r)
    for text in ("chưa rõ giới tính", "chưa rõ dân tộc", "tuổi có thể dưới hay đủ 16"):
        assert text not in rep.stdout, text
