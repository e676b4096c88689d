"""Review 7 (helper): the blank return of `hgn template`, and the findings workbook with its highlighted copies.

A commune officer fills the template as it is offered; a district officer runs `hgn validate DIR --report-xlsx
out/phat_hien.xlsx` and sends each commune the highlighted copy of its return. Each test states what README.md and
return-format.md promise and fails on the code as reviewed.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.utils.cell import range_boundaries

from conftest import (
    HH_SHEET,
    MM_SHEET,
    household,
    make_id,
    make_return,
    member,
    run_hgn,
    sheet_grid,
    write_xls,
)
from hgn_review.io.write import write_findings_xlsx
from hgn_review.template import write_template
from hgn_review.validate import validate_paths

COPIES = "phat_hien_ban_sao"


def _validate_report(tmp_path: Path, inputs: Path, *extra: object):
    """`hgn validate INPUTS --report-xlsx out/phat_hien.xlsx`, run as an officer would."""
    out = tmp_path / "out" / "phat_hien.xlsx"
    proc = run_hgn("validate", inputs, "--report-xlsx", out, *extra, cwd=tmp_path)
    return proc, out, out.parent / COPIES


def _report(tmp_path: Path, inputs: Path) -> tuple[int, Path, Path]:
    """What `hgn validate INPUTS --report-xlsx out/phat_hien.xlsx` does (cli.validate), in this process: the
    number of errors, the findings workbook and the folder of highlighted copies."""
    out = tmp_path / "out" / "phat_hien.xlsx"
    result = validate_paths([inputs], frames=False)
    write_findings_xlsx(result.report, out, "vi", copies={r.path: Path(r.path) for r in result.returns})
    return result.report.at_or_above("error"), out, out.parent / COPIES


def _hgn_comments(ws) -> dict[str, str]:
    """Cell -> text of every comment hgn wrote on a sheet of a highlighted copy."""
    return {c.coordinate: c.comment.text for row in ws.iter_rows() for c in row
            if c.comment is not None and "[" in c.comment.text}


def _covers(sqref: str, cell_col: int, cell_row: int) -> bool:
    for rng in sqref.split():
        min_col, min_row, max_col, max_row = range_boundaries(rng)
        if min_col <= cell_col <= max_col and min_row <= cell_row <= max_row:
            return True
    return False


# ------------------------------------------------------------------------------------------ the template
def test_template_drop_downs_and_checks_cover_ten_thousand_members(tmp_path: Path) -> None:
    """A commune of 3,000 households has about 10,000 members (3.3 a household: the bench's 621,000 households
    hold 2.05 million members). Every drop-down and check of the "Thành viên" sheet covers the rows of 10,000
    members (rows 2 … 10,001), and those of "Hộ gia đình" the rows of 3,000 households; today they stop at row
    5,000, so from member 4,999 on the officer gets no list for Giới tính, Quan hệ, Dân tộc …"""
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", "11284", 2024))
    for sheet, last in ((MM_SHEET, 10_001), (HH_SHEET, 3_001)):
        ws = book[sheet]
        dvs = ws.data_validations.dataValidation
        assert dvs
        short = []
        for dv in dvs:
            first_col = range_boundaries(str(dv.sqref).split()[0])[0]
            if not _covers(str(dv.sqref), first_col, last):
                short.append(f"{ws.cell(1, first_col).value}: {dv.sqref}")
        assert short == [], f"{sheet}: drop-downs/checks that stop before row {last}: {short}"


def test_template_guide_does_not_call_income_and_b1_both_optional(tmp_path: Path) -> None:
    """return-format.md: `thu_nhap_bq` and `diem_b1` are required as "one of thu_nhap_bq, diem_b1", and a household
    with neither is an error (income-basis-missing). The instruction sheet's "Bắt buộc" column says "Không bắt buộc"
    for both (and both headers are blue, "optional"), so an officer following it may leave both blank."""
    book = openpyxl.load_workbook(write_template(tmp_path / "t.xlsx", "11284", 2024))
    guide = book["Hướng dẫn"]
    rows = {r[1]: r for r in guide.iter_rows(values_only=True) if r[0] == HH_SHEET}
    for key in ("thu_nhap_bq", "diem_b1"):
        assert rows[key][3] != "Không bắt buộc", rows[key]


# ------------------------------------------------------------------------------------------ the copies
def test_a_finding_inside_merged_cells_does_not_stop_validate(tmp_path: Path) -> None:
    """Officers often merge the "Thôn" cells of households of one village (here D2:D3). The second household's
    village is then blank as read (value-required at D3) and the merge is a warning. `hgn validate --report-xlsx`
    reports both and writes the highlighted copy; it stopped with an internal error (exit 4, "'MergedCell' object
    attribute 'comment' is read-only") after writing only the findings workbook."""
    code = "11284-0002"
    make_return(tmp_path / "in",
                households=[household(thon="Thôn Đông"), household(ma_ho=code, thon="Thôn Đông")],
                members=[member(), member(ma_ho=code, so_dinh_danh=make_id(serial="005678"))],
                merges={"households": [("thon", 0, 1)]})
    proc, out, copies = _validate_report(tmp_path, tmp_path / "in")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Lỗi nội bộ" not in proc.stderr
    copy = copies / "11284_2024_loi.xlsx"
    assert copy.exists()
    ws = openpyxl.load_workbook(copy)[HH_SHEET]
    assert [str(r) for r in ws.merged_cells.ranges] == ["D2:D3"]  # the copy keeps the merge
    text = "\n".join(_hgn_comments(ws).values())
    assert "merged-cells-in-data" in text and "value-required" in text


def test_a_row_finding_is_marked_inside_the_table_not_in_column_a(tmp_path: Path) -> None:
    """A table that starts in column C (columns A–B left empty) with a hidden household row (row 3): the
    hidden-row-with-data warning is marked on a cell of row 3 inside the table (C3 … ), where the officer looks;
    it was put on A3, an empty cell outside the table, which the copy now fills yellow and comments."""
    code = "11284-0002"
    make_return(tmp_path / "in",
                households=[household(), household(ma_ho=code)],
                members=[member(), member(ma_ho=code, so_dinh_danh=make_id(serial="005678"))],
                start_col=3, hidden={"households": [1]})
    errors, out, copies = _report(tmp_path, tmp_path / "in")
    assert errors == 0  # a warning only
    ws = openpyxl.load_workbook(copies / "11284_2024_loi.xlsx")[HH_SHEET]
    marked = _hgn_comments(ws)
    assert "A3" not in marked and ws["A3"].fill.fill_type is None
    assert [c for c in marked if re.fullmatch(r"[C-Z]3|A[A-Z]3", c)], marked


def test_two_returns_with_the_same_file_name_get_two_copies(tmp_path: Path) -> None:
    """Communes mail a file of the same name ("bieu_ra_soat.xlsx"); the district keeps them in one folder per
    commune. Both returns fail: each gets its own highlighted copy. Today both are written to
    phat_hien_ban_sao/bieu_ra_soat_loi.xlsx, the second over the first ("Đã ghi" names the same path twice)."""
    make_return(tmp_path / "in" / "xa_a", households=[household(loai_nha="Nhà tạm")], name="bieu_ra_soat.xlsx")
    code = "11287-0001"
    make_return(tmp_path / "in" / "xa_b", households=[household(ma_ho=code, ma_xa="11287", dien_tich_nha="abc")],
                members=[member(ma_ho=code, so_dinh_danh=make_id(serial="005678"))], name="bieu_ra_soat.xlsx")
    errors, out, copies = _report(tmp_path, tmp_path / "in")
    assert errors
    written = sorted(copies.rglob("*.xlsx"))
    assert len(written) == 2, written
    marked = set()
    for p in written:
        marked |= set(_hgn_comments(openpyxl.load_workbook(p)[HH_SHEET]))
    assert {"J2", "K2"} <= marked  # Loại nhà ở of xa_a, Diện tích of xa_b


def test_copy_keeps_the_officers_own_comment_on_a_flagged_cell(tmp_path: Path) -> None:
    """The copy equals the return except for the highlights. A commune officer's note on a cell ("đo lại ngày
    20/9") that also has a finding is kept beside hgn's comment; it was replaced by it."""
    path = make_return(tmp_path / "in", households=[household(dien_tich_nha="khoảng 45")])
    wb = openpyxl.load_workbook(path)
    wb[HH_SHEET]["K2"].comment = Comment("Hộ đo lại ngày 20/9, chờ xác nhận", "Cán bộ xã")
    wb.save(path)
    errors, out, copies = _report(tmp_path, tmp_path / "in")
    assert errors
    comment = openpyxl.load_workbook(copies / "11284_2024_loi.xlsx")[HH_SHEET]["K2"].comment
    assert "value-not-number" in comment.text
    assert "Hộ đo lại ngày 20/9, chờ xác nhận" in comment.text


_X14_LIST = (
    '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
    'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
    '<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
    '<x14:dataValidation type="list" allowBlank="1" showErrorMessage="1">'
    "<x14:formula1><xm:f>DM!$A$1:$A$4</xm:f></x14:formula1><xm:sqref>J2:J3000</xm:sqref>"
    "</x14:dataValidation></x14:dataValidations></ext></extLst>")


def test_copy_keeps_a_drop_down_that_excel_stores_as_an_extension(tmp_path: Path) -> None:
    """Excel 2010 and later store a drop-down whose list is on another sheet (=DM!$A$1:$A$4, as a province's own
    form has) in the sheet's extension list (x14:dataValidation). The highlighted copy keeps it, like every other
    drop-down; it was dropped (openpyxl: "Data Validation extension is not supported and will be removed", a
    warning printed to the officer's terminal)."""
    path = make_return(tmp_path / "in", households=[household(loai_nha="Nhà tạm")],
                       raw_sheets={"DM": [["Kiên cố"], ["Bán kiên cố"], ["Thiếu kiên cố"], ["Đơn sơ"]]})
    src = zipfile.ZipFile(path)
    parts = {n: src.read(n) for n in src.namelist()}
    src.close()
    sheet_xml = "xl/worksheets/sheet1.xml"  # the first sheet: Hộ gia đình
    assert HH_SHEET.encode() in parts["xl/workbook.xml"]
    parts[sheet_xml] = parts[sheet_xml].replace(b"</worksheet>", _X14_LIST.encode() + b"</worksheet>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)
    proc, out, copies = _validate_report(tmp_path, tmp_path / "in")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    with zipfile.ZipFile(copies / "11284_2024_loi.xlsx") as z:
        sheets = b"".join(z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/sheet"))
    assert b"DM!$A$1:$A$4" in sheets
    assert "UserWarning" not in proc.stderr


def test_copy_of_a_macro_enabled_return_opens_in_excel(tmp_path: Path) -> None:
    """A province's form may be macro-enabled (.xlsm). Its highlighted copy keeps the macro-enabled content type
    (keep_vba) and so must be named .xlsm: Excel refuses to open an .xlsx whose workbook part is macro-enabled
    ("the file format or file extension is not valid"). It was written as 11284_2024_loi.xlsx."""
    path = make_return(tmp_path / "in", households=[household(loai_nha="Nhà tạm")])
    xlsm = path.with_suffix(".xlsm")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in src.namelist():
            data = src.read(n)
            if n == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"NOPE").replace(
                    b"application/vnd.openxmlformats-officedocument.NOPE",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml")
            dst.writestr(n, data)
    path.unlink()
    errors, out, copies = _report(tmp_path, tmp_path / "in")
    assert errors
    written = list(copies.iterdir())
    assert len(written) == 1
    with zipfile.ZipFile(written[0]) as z:
        macro = b"macroEnabled.main+xml" in z.read("[Content_Types].xml")
    assert macro and written[0].suffix == ".xlsm", written[0].name


def test_a_copy_of_a_return_fixed_since_is_not_left_beside_the_findings(tmp_path: Path) -> None:
    """`hgn validate DIR --report-xlsx out/phat_hien.xlsx` writes out/phat_hien_ban_sao/11284_2024_loi.xlsx for a
    failing return. The commune sends it back corrected; the same command now says "Không có lỗi" — and the old
    copy, red cell and comment included, is still in phat_hien_ban_sao/, telling the commune to fix what is fixed."""
    folder = tmp_path / "in"
    make_return(folder, households=[household(loai_nha="Nhà tạm")])
    errors, out, copies = _report(tmp_path, folder)
    assert errors and (copies / "11284_2024_loi.xlsx").exists()
    make_return(folder)  # the corrected return
    errors, out, copies = _report(tmp_path, folder)
    assert errors == 0
    assert not (copies / "11284_2024_loi.xlsx").exists()


def test_failing_xls_return_gets_a_highlighted_copy_too(tmp_path: Path) -> None:
    """README: --report-xlsx writes "a copy of each failing return with the offending cells highlighted". A commune
    that still saves Excel 97–2003 (.xls), which hgn reads, gets no copy at all, and nothing says so."""
    folder = tmp_path / "in"
    folder.mkdir()
    write_xls(folder / "11284_2024.xls", {HH_SHEET: sheet_grid("households", [household(loai_nha="Nhà tạm")]),
                                          MM_SHEET: sheet_grid("members", [member()])})
    errors, out, copies = _report(tmp_path, folder)
    assert errors
    assert copies.is_dir() and [p.name for p in copies.iterdir() if p.name.startswith("11284_2024")]


# ------------------------------------------------------------------------------------------ the findings workbook
def test_what_to_do_column_names_the_sheet_instead_of_a_placeholder(tmp_path: Path) -> None:
    """The households are on a sheet named "Sheet1" (found by its headers) and "Hộ gia đình (2)" is a copy of the
    household sheet. The "Cách sửa" column tells the officer the name to give the sheet: "Đổi tên sheet thành
    "Hộ gia đình" …"; it read "Đổi tên sheet thành "{other}" như mẫu." (hints are never formatted)."""
    make_return(tmp_path / "in" / "a", sheet_names={"households": "Sheet1"})
    make_return(tmp_path / "in" / "b", name="11287_2024.xlsx",
                households=[household(ma_ho="11287-0001", ma_xa="11287")],
                members=[member(ma_ho="11287-0001", so_dinh_danh=make_id(serial="005678"))],
                raw_sheets={"Hộ gia đình (2)": sheet_grid("households", [household(ma_ho="11287-0001",
                                                                                    ma_xa="11287")])})
    errors, out, copies = _report(tmp_path, tmp_path / "in")
    ws = openpyxl.load_workbook(out).active
    head = [c.value for c in ws[1]]
    rows = [dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)]
    hints = {r["Mã lỗi"]: r["Cách sửa"] for r in rows}
    assert {"sheet-found-by-headers", "sheet-copy-ignored"} <= set(hints), hints
    for code in ("sheet-found-by-headers", "sheet-copy-ignored"):
        assert "{" not in hints[code] and HH_SHEET in hints[code], hints[code]


# ------------------------------------------------------------------------------------------ the cell a finding names
def test_column_number_row_under_a_two_row_merged_header_is_not_a_member(tmp_path: Path) -> None:
    """Vietnamese forms often head each column with one title merged over two rows, then a row numbering the
    columns 1, 2, 3 … 15. On "Thành viên" (no sub-headers in the second row) that numbering row (row 3) was read as
    a member: member-orphan at A3 ("1"), id-invalid-format at D3 ("4"), value-not-in-list at F3 ("6") … twelve
    errors on cells that hold column numbers. The same band on "Hộ gia đình" is read correctly."""
    path = make_return(tmp_path, group_band=True, key_row=True)
    result = validate_paths([path])
    assert [(f.code, f.sheet, f.cell) for f in result.report.findings] == []
    assert len(result.members) == 1

