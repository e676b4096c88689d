"""Review 12 — the reading and validation changes of session 11 (11c6bb4..HEAD) attacked for regressions.

Tests marked ``# guard (passes)`` hold on the code as reviewed; every other test fails on it and shows a real
person or household lost, or a valid value misread.
"""

from __future__ import annotations

import openpyxl
import pytest

from conftest import (
    HH_SHEET,
    MM_SHEET,
    col_of,
    household,
    make_id,
    make_return,
    member,
    sheet_grid,
    write_ods,
)
from hgn_review.validate import validate_paths


def _codes(result, sheet: str, row: int) -> list[str]:
    return [f.code for f in result.findings if f.sheet == sheet and f.row == row and f.severity != "info"]


# ============================================================================================ defects
@pytest.mark.parametrize("name", ["Y-Moan Ênuôl", "Y-Jut Hwing"])
def test_lone_head_name_with_hyphenated_prefix_is_not_a_village_heading(tmp_path, name):
    """DEFECT. A households row holding only the head's name stays a row (the docstring of
    io/read.py:_section_headings and README: "a lone code, name or ID stays a row"; the row is reported with
    its missing cells). "Nguyễn Văn Bình" alone stays, but an Ê Đê name written with its hyphenated prefix
    ("Y-Moan Ênuôl", as in "Y-Ngông Niê Kdăm") is dropped as a village heading ("section-heading-rows"): the
    household disappears from the results and the officer is told it was a heading.
    Cause: io/read.py:_HEADING — ``[a-zđ]\\s*[.):/\\-]\\s*\\S`` takes "Y-M…" for a numbered heading "a-…", and
    ``worded`` only asks for two words with letters."""
    path = make_return(tmp_path, [household(), {"ho_ten_chu_ho": name}, {"ho_ten_chu_ho": "Nguyễn Văn Bình"}],
                       [member()])
    result = validate_paths([path])
    names = list(result.households["ho_ten_chu_ho"])
    assert "Nguyễn Văn Bình" in names  # the ordinary lone name stays (reported as incomplete)
    heading = [f for f in result.findings if f.code == "section-heading-rows"]
    assert name in names, f"{name!r} (row 3) dropped as a village heading: {[f.message() for f in heading]}"


def test_member_with_code_and_hyphenated_name_only_is_not_a_heading(tmp_path):
    """DEFECT. A member row with only the household code and the name (a child added before the rest is
    filled) is a person of that household, reported for its missing cells. With a short code written as text
    ("12", communes numbering households in a village) and an Ê Đê name "Y-Moan Ênuôl", the row is taken for
    "numbering | heading" and dropped (section-heading-rows): the person is lost from the household (its member
    count, children, labour). An ordinary name in the same row stays.
    Cause: io/read.py:_section_headings — two cells, ``_ENUMERATOR`` matches the code "12" and ``worded`` the
    name (see _HEADING above)."""
    path = make_return(tmp_path, [household(ma_ho="12", so_thanh_vien=3)],
                       [member(ma_ho="12"), {"ma_ho": "12", "ho_ten": "Y-Moan Ênuôl"},
                        {"ma_ho": "12", "ho_ten": "Lò Văn Bản"}])
    result = validate_paths([path])
    names = list(result.members["ho_ten"])
    assert "Lò Văn Bản" in names
    assert "Y-Moan Ênuôl" in names, [f.message() for f in result.findings if f.code == "section-heading-rows"]


def test_year_typed_in_a_date_formatted_birth_cell_is_not_1905(tmp_path):
    """DEFECT. The spec allows a birth "date, or a year alone"; session 11 made "a number of one to four digits
    never a date serial" ('1796' moved to 1904, '80' a birth in 1900). But a commune whose own sheet formats the
    Ngày sinh column as dd/mm/yyyy (very common) and types the year 1980 stores the number 1980 in a date cell;
    hgn reads it as 02/06/1905, uses it (age 119: no labour, elderly) and blames the correct 12-digit ID
    (id-birth-year-mismatch) instead of the birth cell. Expected: the year 1980 read (or the birth cell reported
    and not used), and the ID not blamed.
    Cause: io/read.py:_Book.grid — calamine turns a date-formatted number into a date before
    schemas/coerce.py:parse_date sees the 1–4 digit number."""
    path = make_return(tmp_path, [household()], [member()])
    wb = openpyxl.load_workbook(path)
    ws = wb[MM_SHEET]
    cell = ws[f"{col_of('members', 'ngay_sinh')}2"]
    cell.value, cell.number_format = 1980, "dd/mm/yyyy"
    wb.save(path)
    result = validate_paths([path])
    born = result.members["ngay_sinh"].iloc[0]
    assert not (hasattr(born, "year") and born.year == 1905), f"year 1980 typed, read as {born}"
    assert "id-birth-year-mismatch" not in _codes(result, MM_SHEET, 2), _codes(result, MM_SHEET, 2)


# ============================================================================================ guards
def test_ods_numeric_ids_of_provinces_001_and_030_restored_under_a_title(tmp_path):  # guard (passes)
    """Hà Nội (001, two zeros lost) and Hải Dương (030) IDs stored as numbers in an .ods with a title row and a
    blank first row get their zeros back at the right rows."""
    hid = make_id(prefix="001", birth_year=1980)
    wid = make_id(prefix="030", birth_year=1985, female=True, serial="000555")
    hhs = [household(so_thanh_vien=2)]
    mms = [member(so_dinh_danh=int(hid)), member(stt=2, ho_ten="Trần Thị Hoa", gioi_tinh="Nữ", quan_he="Vợ",
                                                 so_dinh_danh=int(wid), ngay_sinh="01/02/1985")]
    grids = {HH_SHEET: [[]] + sheet_grid("households", hhs, title_rows=["DANH SÁCH"], start_col=2),
             MM_SHEET: [[]] + sheet_grid("members", mms, title_rows=["DANH SÁCH"], start_col=2)}
    path = write_ods(tmp_path / "11284_2024.ods", grids)
    result = validate_paths([path])
    assert list(result.members["so_dinh_danh"]) == [hid, wid]
    assert "id-birth-year-mismatch" not in {f.code for f in result.findings}


def test_income_at_the_floor_and_ceiling_is_taken(tmp_path):  # guard (passes)
    """50 000 and 200 000 000 đồng a head a month are plausible bounds (taken); 49 999 is reported."""
    rows = [household(ma_ho=f"11284-000{i}", thu_nhap_bq=v) for i, v in enumerate([50000, 200000000, 49999], 1)]
    mms = [member(ma_ho=h["ma_ho"], so_dinh_danh=make_id(serial=f"00012{i}")) for i, h in enumerate(rows)]
    result = validate_paths([make_return(tmp_path, rows, mms)])
    income = list(result.households["thu_nhap_bq"])
    assert income[:2] == [50000, 200000000]
    assert "income-implausible" in _codes(result, HH_SHEET, 4)


def test_total_words_inside_village_names_keep_the_household(tmp_path):  # guard (passes)
    """A village named "Cộng Hòa" or a head named "Tống Văn Cộng" is no total: the households stay."""
    rows = [household(), household(ma_ho="11284-0002", thon="Cộng Hòa", ho_ten_chu_ho="Tống Văn Cộng")]
    mms = [member(), member(ma_ho="11284-0002", ho_ten="Tống Văn Cộng", so_dinh_danh=make_id(serial="000777"))]
    result = validate_paths([make_return(tmp_path, rows, mms)])
    assert list(result.households["ma_ho"]) == ["11284-0001", "11284-0002"]
