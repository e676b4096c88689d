"""Review 42 — adversarial review of session 20's changes (git diff a0ebe30..HEAD -- src README.md).

(1) validate._same_person (member-possible-duplicate); (2) an Excel table's total row left out as a footer
(xlsxscan._table_totals, read._read_sheet); (3) read._more_tables passing over a sheet with no household code, name
or ID; (4) safety._value_extent (the cells limit up to the farthest cell holding a value); (5) income-not-whole;
(6) movements._arrived "absent" mode (previous-head-elsewhere-absent).

A failing test states the defect in its docstring ("DEFECT."). Tests marked `# guard (passes)` hold behaviour that
works today.
"""

from __future__ import annotations

import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import COMMUNE_2, HH_SHEET, MM_SHEET, household, make_id, make_return, member, sheet_grid
from hgn_review.io.safety import Limits, check_file
from hgn_review.pipeline import classify_paths
from hgn_review.validate import validate_paths

CHILD = {"stt": 2, "ho_ten": "Nguyễn Thị Mai", "ngay_sinh": "05/06/2010", "gioi_tinh": "Nữ", "quan_he": "Con",
         "so_dinh_danh": None, "viec_lam": None, "dang_di_hoc": "Có", "cap_hoc": "THCS"}
POOR: dict[str, Any] = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
ID = {k: make_id(serial=f"0000{i:02d}") for i, k in enumerate("ABCDEFGH", 1)}
LIST_HEADER = ["Mã xã", "Mã hộ", "Phân loại", "Số định danh chủ hộ"]


# ------------------------------------------------------------------------------------------ helpers
def _codes(result: Any, code: str) -> list[Any]:
    return [f for f in result.report.findings if f.code == code]


def _rows(n: int, first: int = 1) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    hh, mm = [], []
    for i in range(first, first + n):
        code = f"11284-{i:04d}"
        hh.append(household(ma_ho=code, ho_ten_chu_ho=f"Nguyễn Văn Hộ {i}", thu_nhap_bq=1_000_000 + i * 400_000,
                            so_thanh_vien=None))
        mm.append(member(ma_ho=code, ho_ten=f"Nguyễn Văn Hộ {i}", so_dinh_danh=make_id(serial=f"{i:06d}")))
    return hh, mm


def _rewrite(path: Path, fn: Callable[[str, bytes], bytes]) -> None:
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, fn(info.filename, zin.read(info.filename)))
    tmp.replace(path)


Table = tuple[int, list[list[Any]], bool, list[Any] | None]  # first row (0-based), grid, total row, typed over it


def _tables(path: Path, sheets: dict[str, list[Table]]) -> Path:
    """Sheets of Excel table objects (xlsxwriter add_table), each with a "Tổng" total row if asked, and optionally
    a row of values typed over the total row's cells."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False})
    n = 0
    for name, tables in sheets.items():
        ws = wb.add_worksheet(name)
        for r0, grid, total, over in tables:
            head, data = grid[0], grid[1:]
            cols: list[dict[str, Any]] = [{"header": h} for h in head]
            if total:
                cols[0]["total_string"] = "Tổng"
            n += 1
            ws.add_table(r0, 0, r0 + len(data) + (1 if total else 0), len(head) - 1,
                         {"data": data, "columns": cols, "total_row": total, "name": f"Bang{n}"})
            for c, v in enumerate(over or []):
                at = r0 + len(data) + 1
                if isinstance(v, int | float):
                    ws.write_number(at, c, v)
                elif v is not None:
                    ws.write_string(at, c, str(v))
    wb.close()
    _rewrite(path, lambda part, data: data.replace(b' fullCalcOnLoad="1"', b"") if part == "xl/workbook.xml"
             else data)
    return path


def _list(path: Path, rows: list[list[Any]]) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [LIST_HEADER, *rows]:
        ws.append(r)
    wb.save(path)
    return path


def _head(code: str, who: str, **kw: Any) -> dict[str, Any]:
    return member(ma_ho=code, so_dinh_danh=ID[who], ho_ten=f"Người {who}", **kw)


def _corner(tmp_path: Path, cells: str, dim: str = "A1:XFD1048576") -> Path:
    """A one-household return whose households sheet declares ``dim`` and ends with the raw XML ``cells``."""
    p = make_return(tmp_path, engine="openpyxl")

    def fn(part: str, data: bytes) -> bytes:
        if part != "xl/worksheets/sheet1.xml":
            return data
        x = re.sub(r'<dimension ref="[^"]*"', f'<dimension ref="{dim}"', data.decode())
        return x.replace("</sheetData>", cells + "</sheetData>").encode()

    _rewrite(p, fn)
    return p


# ------------------------------------------------------------------------------------------ (1) same person
def test_copy_in_capitals_with_another_relation_and_sex_or_in_decomposed_unicode_is_said(tmp_path: Path) -> None:
    """A copy of the child's row renumbered, its name retyped in capitals with its relation and sex changed, and a
    second copy typed in decomposed Unicode: both said at their rows, naming the first; the household waits."""
    # guard (passes)
    upper = {**CHILD, "stt": 3, "ho_ten": "NGUYỄN  THỊ MAI", "gioi_tinh": "Nam", "quan_he": "Cháu"}
    nfd = {**CHILD, "stt": 4, "ho_ten": unicodedata.normalize("NFD", "Nguyễn Thị Mai")}
    path = make_return(tmp_path, [household(so_thanh_vien=None)], [member(), member(**CHILD), member(**upper),
                                                                    member(**nfd)])
    result = validate_paths([path])
    found = _codes(result, "member-possible-duplicate")
    assert sorted((f.row, dict(f.params)["other"]) for f in found) == [(4, "3"), (5, "3")], found
    assert "member-possible-duplicate" in str(result.households["loi_chan"].iloc[0])


def test_a_departed_household_with_a_copied_member_row_is_still_counted_as_a_decrease(tmp_path: Path) -> None:
    """A household recorded "Chuyển đi" whose member list holds a copied row: its members are not asked (README),
    so the copy neither fails validation nor holds the household — as the same copy with its ID does not."""
    # guard (passes)
    path = make_return(tmp_path, [household(so_thanh_vien=None, tinh_trang_ho="Chuyển đi", phan_loai_dau_ky="Nghèo")],
                       [member(), member(**CHILD), member(**{**CHILD, "stt": 3})])
    result = validate_paths([path])
    assert not _codes(result, "member-possible-duplicate")
    hh = classify_paths([path]).results.households.iloc[0]
    assert hh["dien_bien"] == "Giảm khác" and hh["phan_loai"] != "Chưa đủ thông tin", (hh["dien_bien"],
                                                                                        hh["phan_loai"])


# ------------------------------------------------------------------------------------------ (2) table totals
def test_a_person_typed_into_the_members_table_total_row_is_not_dropped_as_a_footer(tmp_path: Path) -> None:
    """DEFECT. The members sheet is an Excel table with a total row; the officer typed the head's wife — household
    code, STT 2, "Lê Thị Hoa", her 12-digit ID, date of birth, relation "Vợ, chồng", every answer — over the total
    row (the row right under the list, where the next person goes). Until today she was read; now hgn drops the
    whole row as the table's total with only an info line, "Bỏ qua 1 dòng cuối bảng (dòng 5: tổng cộng, ngày tháng,
    chữ ký): không phải hộ hay người" — saying it is not a person while it names one — validate passes, and
    household 0001 is classified with one member instead of two (its size blank: nothing else notices), its income
    per head and dependants' share taken on the wrong count.
    Cause: io/read.py:_read_sheet drops every row of scan.total_rows (xlsxscan._table_totals: the table's
    totalsRowCount) whatever it holds; a row holding a household code, a name and an ID is no total."""
    hh, mm = _rows(3)
    wife = member(ma_ho="11284-0001", stt=2, ho_ten="Lê Thị Hoa", gioi_tinh="Nữ", quan_he="Vợ, chồng",
                  so_dinh_danh=make_id(birth_year=1982, female=True, serial="000222"), ngay_sinh="01/01/1982")
    typed = sheet_grid("members", [*mm, wife])[-1]
    p = _tables(tmp_path / "11284_2024.xlsx", {HH_SHEET: [(0, sheet_grid("households", hh), True, None)],
                                               MM_SHEET: [(0, sheet_grid("members", mm), True, typed)]})
    result = validate_paths([p])
    dropped = [f for f in result.report.findings if f.sheet == MM_SHEET and f.row == 5
               and f.code in ("footer-rows-skipped", "footer-rows-inside")]
    members = classify_paths([p]).results.members
    assert len(members) == 4 or any(f.severity == "error" for f in result.report.findings if f.sheet == MM_SHEET), \
        ("the wife typed over the total row is dropped", [f.message("en") for f in dropped], len(members))


def test_two_tables_on_the_households_sheet_each_with_a_total_row(tmp_path: Path) -> None:
    """Two villages' tables one under the other on the households sheet, each with its total row: both totals left
    out and said, the header of the second table passed over, all five households read once."""
    # guard (passes)
    hh, mm = _rows(5)
    g = sheet_grid("households", hh)
    p = _tables(tmp_path / "11284_2024.xlsx", {HH_SHEET: [(0, [g[0], *g[1:3]], True, None),
                                                          (5, [g[0], *g[3:]], True, None)],
                                               MM_SHEET: [(0, sheet_grid("members", mm), False, None)]})
    result = validate_paths([p])
    codes = {f.code for f in result.report.findings}
    assert codes <= {"header-row-repeated", "footer-rows-inside", "footer-rows-skipped"}, codes
    run = classify_paths([p]).results
    assert sorted(run.households["ma_ho"]) == [f"11284-{i:04d}" for i in range(1, 6)]
    assert len(run.members) == 5


def test_table_relationship_with_an_absolute_target_and_title_rows_above(tmp_path: Path) -> None:
    """The table's relationship written with an absolute target ("/xl/tables/table1.xml", as some writers do) and
    two title rows above the table: the total row is still known and left out; a table without a total row on the
    members sheet changes nothing."""
    # guard (passes)
    hh, mm = _rows(3)
    grid = [["DANH SÁCH HỘ"] + [None] * 5, [None]]
    p = _tables(tmp_path / "11284_2024.xlsx", {HH_SHEET: [(2, sheet_grid("households", hh), True, None)],
                                               MM_SHEET: [(0, sheet_grid("members", mm), False, None)]})
    wb_title = grid[0][0]

    def fn(part: str, data: bytes) -> bytes:
        if part.endswith("sheet1.xml.rels"):
            return data.replace(b'Target="../tables/', b'Target="/xl/tables/')
        if part == "xl/worksheets/sheet1.xml":
            return data.replace(b"<sheetData>", b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>'
                                + wb_title.encode() + b"</t></is></c></row>", 1)
        return data

    _rewrite(p, fn)
    with zipfile.ZipFile(p) as z:
        assert b'Target="/xl/tables/' in z.read("xl/worksheets/_rels/sheet1.xml.rels")
    result = validate_paths([p])
    said = [(f.code, f.row) for f in result.report.findings if f.sheet == HH_SHEET]
    assert ("footer-rows-skipped", 7) in said, said
    assert len(classify_paths([p]).results.households) == 3


# ------------------------------------------------------------------------------------------ (3) more tables
@pytest.mark.parametrize("name_header", ["Họ và tên thành viên", "Họ tên thành viên"])
def test_a_village_second_members_sheet_without_code_and_id_is_still_reported(tmp_path: Path,
                                                                               name_header: str) -> None:
    """DEFECT. Village 2's persons on their own sheet "Thành viên thôn 2": STT, "Họ và tên thành viên" (the form's
    own wording, not the layout's "Họ và tên"/"Họ tên"/"Tên thành viên"), Ngày sinh, Giới tính, Quan hệ với chủ
    hộ, Dân tộc, Việc làm … — six persons grouped under their households, no code column and no ID column (not yet
    collected). Until today it was said (sheet-table-not-read, an error: six rows not checked, classified or
    counted); now the sheet passes in silence and validate exits clean, as if the village had no one. Nothing in the
    workbook says these six persons are missing from the review.
    Cause: io/read.py:_more_tables skips any sheet whose matched headers include none of _IDENTITY (ma_ho,
    ho_ten, ho_ten_chu_ho, so_dinh_danh, so_dinh_danh_chu_ho); a name header written another way is not matched,
    so a real members table is taken for the drop-down lists sheet. (A lists sheet has no dates of birth, no STT
    and one list per column; a table of persons has rows of dates and relations.)"""
    hh, mm = _rows(2)
    _, village = _rows(6, first=3)
    grid = sheet_grid("members", village, headers={"ho_ten": name_header}, drop=("ma_ho", "so_dinh_danh"))
    p = make_return(tmp_path, hh, mm, raw_sheets={"Thành viên thôn 2": grid})
    result = validate_paths([p])
    said = [f for f in result.report.findings if f.sheet == "Thành viên thôn 2"]
    assert said, "a sheet of six persons is passed over in silence"


def test_a_second_members_sheet_with_its_ids_is_reported_though_its_name_header_differs(tmp_path: Path) -> None:
    """The same village sheet with its ID column ("Số định danh cá nhân") and no code: reported as not read."""
    # guard (passes)
    hh, mm = _rows(2)
    _, village = _rows(6, first=3)
    grid = sheet_grid("members", village, headers={"ho_ten": "Họ tên thành viên"}, drop=("ma_ho",))
    p = make_return(tmp_path, hh, mm, raw_sheets={"Thành viên thôn 2": grid})
    assert [f.code for f in validate_paths([p]).report.findings if f.sheet == "Thành viên thôn 2"] == \
        ["sheet-table-not-read"]


# ------------------------------------------------------------------------------------------ (4) value extent
@pytest.mark.parametrize("cell", [
    pytest.param('<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>', id="inline"),
    pytest.param('<row r="1048576"><c r="XFD1048576"><f>1+1</f><v>2</v></c></row>', id="formula-cached"),
    pytest.param('<row r="1048576"><c r="XFD1048576"><f t="shared" si="0"/><v>3</v></c></row>', id="shared-f"),
    pytest.param('<row r="1048576"><c r="XFD1048576" t="s"><v>0</v></c></row>', id="shared-string"),
    pytest.param('<row r="1048576"><c r="XFD1048576"><f>1+1</f><v></v></c></row>', id="formula-empty-v"),
])
def test_a_value_at_the_far_corner_in_any_form_is_refused(tmp_path: Path, cell: str) -> None:
    """An inline string, a formula with its cached value, a shared formula's cell, a shared string or an empty
    cached value at XFD1048576: refused by the cells limit (a reader would lay out 17 billion cells)."""
    # guard (passes)
    reason = check_file(_corner(tmp_path, cell), Limits())
    assert reason is not None and "17.179.869.184" in reason[0], reason


def test_a_formatted_corner_and_a_formula_without_value_read_cleanly(tmp_path: Path) -> None:
    """A style alone, or a formula with no stored value, at XFD1048576: not refused, and validate reads the
    return (one household) without a crash."""
    # guard (passes)
    for k, cell in enumerate(['<row r="1048576"><c r="XFD1048576" s="0"/></row>',
                              '<row r="1048576"><c r="XFD1048576"><f>1+1</f></c></row>']):
        p = _corner(tmp_path / str(k), cell)
        assert check_file(p, Limits()) is None
        result = validate_paths([p])
        assert len(result.households) == 1


@pytest.mark.parametrize("cells", [
    pytest.param('<row r="2"><c r="XFD2"><v>1</v></c></row><row r="1048576"><c><v>1</v></c></row>',
                 id="cell-without-r-in-the-last-row"),
    pytest.param("<row r='1048576'><c r='XFD1048576'><v>1</v></c></row>", id="single-quoted-attributes"),
])
def test_values_placed_without_a_double_quoted_reference_still_count_for_the_cells_limit(tmp_path: Path,
                                                                                         cells: str) -> None:
    """DEFECT. A households sheet declaring A1:XFD1048576 whose far values are placed as XML allows but the new
    scan does not see — a cell without r= in row 1048576 (its place given by its row) beside one at XFD2, or
    attributes in single quotes — passes the cells limit (it counts 16 384 × 2 cells, or none). Until today the
    declared corner refused it; now `hgn validate` hands it to the reader, which lays out XFD × 1048576 cells: for
    the cell without r= the process died under a 6 GB memory limit ("Aborted", a Rust backtrace, no message, no
    other return checked). Checked here by the limit alone, never read. Cause: io/safety.py:_value_extent counts only cells matching _VALUE_CELL (r="…" in double quotes) and
    falls back to the declared corner only when no cell at all gives a reference."""
    reason = check_file(_corner(tmp_path, cells), Limits())
    assert reason is not None, "a sheet laid out as 17 billion cells passes the cells limit"


# ------------------------------------------------------------------------------------------ (5) income fraction
def test_income_with_a_fraction_waits_under_the_local_standard_too(tmp_path: Path) -> None:
    """1500000.25 with a B1 score of 120: the household waits with income-not-whole under --local as nationally;
    the B1 score never stands in."""
    # guard (passes)
    path = make_return(tmp_path, [household(thu_nhap_bq=1500000.25, diem_b1=120)], [member()], engine="openpyxl")
    for kw in ({}, {"local": "example-bac-ninh"}):
        hh = classify_paths([path], **kw).results.households.iloc[0]
        assert hh["loi_chan"] == "income-not-whole" and hh["phan_loai"] == "Chưa đủ thông tin", (kw, hh["loi_chan"])


# ------------------------------------------------------------------------------------------ (6) absent mode
def _round(tmp_path: Path, a: tuple[list[Any], list[Any]] | None, b: tuple[list[Any], list[Any]],
           rows: list[list[Any]]) -> Any:
    paths = []
    if a is not None:
        paths.append(make_return(tmp_path / "a", *a))
    paths.append(make_return(tmp_path / "b", *b, name="11287_2024.xlsx"))
    return classify_paths(paths, previous=_list(tmp_path / "ds.xlsx", rows))


def _start(run: Any, commune: str, table: str = "Nghèo") -> int:
    t = run.classification.movements
    return int(t[(t["ma_xa"] == commune) & (t["bang"] == table)].iloc[0]["dau_ky"])


def test_a_household_matched_by_its_own_code_in_its_own_commune_keeps_its_start(tmp_path: Path) -> None:
    """DEFECT. The start list holds K1 in commune 11287 (Nghèo, head B) and, stale, a row H2 of commune 11284 with
    the same head B (the household left 11284 before the period; the list was not cleaned). 11284's return rightly
    does not have H2; 11287's return has K1 under its own code, living there. K1 is matched to its own row by its
    code — yet hgn turns it into "Tăng khác" (moved in) with no start, warns previous-head-elsewhere-absent on it,
    and 11287's poor start figure is 0 while its own list holds 1 (forms 02/15 disagree with the commune's managed
    list; K1 is counted as an increase that did not happen this period). Until today K1 continued poor here.
    Cause: scoring/movements.py:_arrived absent() → heads_of: a household is taken as the stale row's arrival by
    its head's ID alone, without asking whether it already matched a row of its own commune by its code (the same
    holds for the "gone" mode when 11284 records H2 as moved away)."""
    run = _round(tmp_path, ([household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")]),
                 ([household(ma_ho="K1", ma_xa=COMMUNE_2, phan_loai_dau_ky=None, **POOR)], [_head("K1", "B")]),
                 [["11284", "H1", "Nghèo", ID["A"]], ["11284", "H2", "Nghèo", ID["B"]],
                  ["11287", "K1", "Nghèo", ID["B"]]])
    hh = run.results.households.set_index("ma_ho")
    assert (hh.at["K1", "dau_ky"], hh.at["K1", "dien_bien"]) == ("Nghèo", "Tiếp tục nghèo"), \
        (hh.at["K1", "dau_ky"], hh.at["K1", "dien_bien"])
    assert _start(run, "11287") == 1


def test_a_renumbered_household_at_home_gives_no_arrival_elsewhere(tmp_path: Path) -> None:
    """11284's return holds its listed household H2 renumbered H9 (same head); the row's code H2 is held by none.
    No household elsewhere is taken for its arrival: H9 continues poor, 11287's own household is untouched."""
    # guard (passes)
    run = _round(tmp_path, ([household(ma_ho="H9", phan_loai_dau_ky=None, **POOR)], [_head("H9", "B")]),
                 ([household(ma_ho="K1", ma_xa=COMMUNE_2, phan_loai_dau_ky=None, **POOR)], [_head("K1", "C")]),
                 [["11284", "H2", "Nghèo", ID["B"]], ["11287", "K1", "Nghèo", ID["C"]]])
    assert not _codes(run, "previous-head-elsewhere-absent")
    hh = run.results.households.set_index("ma_ho")
    assert hh.at["H9", "dien_bien"] == "Tiếp tục nghèo" and hh.at["K1", "dien_bien"] == "Tiếp tục nghèo"


def test_no_absent_arrival_from_a_commune_that_sent_no_return(tmp_path: Path) -> None:
    """A district round where 11284 sent no return: its list row's head heads K5 in 11287. 11284 is not reviewed,
    so its row is not "left out by its return": no previous-head-elsewhere-absent; and a household recorded "Chuyển
    đến" is never said to be an unrecorded arrival."""
    # guard (passes)
    run = _round(tmp_path, None,
                 ([household(ma_ho="K5", ma_xa=COMMUNE_2, phan_loai_dau_ky=None, **POOR),
                   household(ma_ho="K6", ma_xa=COMMUNE_2, phan_loai_dau_ky=None, tinh_trang_ho="Chuyển đến", **POOR)],
                  [_head("K5", "B"), _head("K6", "C")]),
                 [["11284", "H2", "Nghèo", ID["B"]]])
    assert not _codes(run, "previous-head-elsewhere-absent")
    with tempfile.TemporaryDirectory() as d:
        run2 = _round(Path(d), ([household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")]),
                      ([household(ma_ho="K6", ma_xa=COMMUNE_2, phan_loai_dau_ky=None, tinh_trang_ho="Chuyển đến",
                                  **POOR)], [_head("K6", "C")]),
                      [["11284", "H1", "Nghèo", ID["A"]], ["11284", "H3", "Nghèo", ID["C"]]])
    assert not _codes(run2, "previous-head-elsewhere-absent")
    assert run2.results.households.set_index("ma_ho").at["K6", "dien_bien"] == "Tăng khác"
