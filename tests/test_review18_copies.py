"""Review 18 (copy): the workbook a commune fixes from — the highlighted copies of `hgn validate --report-xlsx`
(phat_hien_ban_sao/) and of `hgn run --marked-copies`.

The district sends each commune the copy of its return; the commune fixes the coloured cells and sends it back.
So the copy must be the return itself (nothing lost or changed but the marks), every ERROR/WARNING must be seen
in it, and the copy, once fixed, must validate clean. Each failing test states what an officer expects.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import openpyxl
import xlsxwriter
from openpyxl.utils import column_index_from_string

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
    write_xls,
)
from hgn_review.io.write import write_findings_xlsx
from hgn_review.schemas.layout import load_layout
from hgn_review.validate import validate_paths

COPIES = "phat_hien_ban_sao"


def _report(tmp_path: Path, inputs: Path, lang: str = "vi"):
    """What `hgn validate INPUTS --report-xlsx out/phat_hien.xlsx` does (cli.validate), in this process."""
    out = tmp_path / "out" / "phat_hien.xlsx"
    result = validate_paths([inputs], frames=False)
    written = write_findings_xlsx(result.report, out, lang,
                                  copies={r.path: result.sources.get(r.path, Path(r.path)) for r in result.returns})
    return result, written[1:]


def _marks(path: Path) -> dict[tuple[str, str], str]:
    """(sheet, cell) -> text of every comment hgn wrote in a copy."""
    wb = openpyxl.load_workbook(path)
    return {(ws.title, c.coordinate): c.comment.text for ws in wb for row in ws.iter_rows() for c in row
            if c.comment is not None and "[" in c.comment.text}


def _cols(path: Path, part: str = "xl/worksheets/sheet1.xml") -> list[dict[str, str]]:
    with zipfile.ZipFile(path) as z:
        xml = z.read(part).decode()
    return [dict(re.findall(r'(\w+)="([^"]*)"', c)) for c in re.findall(r"<col [^>]*/>", xml)]


def _rewrite(path: Path, edit) -> None:  # noqa: ANN001 - edit(name, bytes) -> bytes
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in parts.items():
            zf.writestr(n, edit(n, d))


def _png() -> bytes:
    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = (b"\x00" + b"\xff\x00\x00" * 2) * 2
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ------------------------------------------------------------------------------------------ the copy is the return
def test_marking_a_cell_does_not_change_its_columns_width_nor_break_the_column_list(tmp_path: Path) -> None:
    """The commune's return sets one width for columns I:M (Excel writes <col min="9" max="13">). A finding at J2:
    the copy must keep J at that width. It adds <col min="10" max="10" width="13"> beside the I:M range —
    overlapping <col> ranges, which Excel reports as damaged content ("We found a problem with some content …
    Do you want us to try to recover") — and a marked column that had the default width becomes 13 wide.
    Cause: io/write.py _highlighted_copy reads ws.column_dimensions[col].hidden, and openpyxl creates a new
    ColumnDimension (width 13) for every column it is asked about."""
    path = make_return(tmp_path / "in", households=[household(loai_nha="Nhà tạm", dien_tich_nha="abc")])
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    ws.column_dimensions.group("I", "J")  # I:J one range, width 20; K (Diện tích) keeps Excel's default width
    ws.column_dimensions["I"].width = 20
    wb.save(path)
    assert [(c["min"], c["max"]) for c in _cols(path)] == [("9", "10")]
    _res, copies = _report(tmp_path, tmp_path / "in")
    marked = {c for _s, c in _marks(copies[0])}
    assert {"J2", "K2"} <= marked
    cols = _cols(copies[0])
    spans = sorted((int(c["min"]), int(c["max"])) for c in cols)
    assert all(a[1] < b[0] for a, b in zip(spans, spans[1:], strict=False)), f"overlapping <col> ranges: {cols}"
    # K had no <col> in the return (default width): no width is given to it in the copy
    assert not [c for c in cols if int(c["min"]) <= 11 <= int(c["max"])], cols


def test_a_marked_cell_in_a_range_of_hidden_columns_is_shown(tmp_path: Path) -> None:
    """Columns I:K hidden together (Excel writes one <col min="9" max="11" hidden="1">); the bad house type is at
    J2. The copy shows a marked cell in a hidden row or column "because the commune looks for the coloured cells"
    (io/write.py) — here J stays hidden: ws.column_dimensions["J"] is a new, visible dimension, the I:K range stays
    hidden (and the two <col> overlap)."""
    path = make_return(tmp_path / "in", households=[household(loai_nha="Nhà tạm")])
    _rewrite(path, lambda n, d: d.replace(
        b"<sheetData", b'<cols><col min="9" max="11" width="12" hidden="1" customWidth="1"/></cols><sheetData', 1)
        if n == "xl/worksheets/sheet1.xml" else d)
    _res, copies = _report(tmp_path, tmp_path / "in")
    assert (HH_SHEET, "J2") in _marks(copies[0])
    j = column_index_from_string("J")
    covering = [c for c in _cols(copies[0]) if int(c["min"]) <= j <= int(c["max"])]
    assert covering and not any(c.get("hidden") in ("1", "true") for c in covering), covering


def test_a_marked_cell_on_a_hidden_sheet_is_shown(tmp_path: Path) -> None:
    """The households sheet is hidden in the return (hgn reads it: it is the only one) and J2 has an error. The
    copy marks J2 but keeps the sheet hidden: the commune opens the copy, sees no coloured cell, and sends it back
    unchanged. Rows and columns holding a mark are unhidden (io/write.py _highlighted_copy); a sheet must be too."""
    path = make_return(tmp_path / "in", households=[household(loai_nha="Nhà tạm")])
    wb = openpyxl.load_workbook(path)
    wb.active = 1
    wb[HH_SHEET].sheet_state = "hidden"
    wb.save(path)
    _res, copies = _report(tmp_path, tmp_path / "in")
    assert (HH_SHEET, "J2") in _marks(copies[0])
    assert openpyxl.load_workbook(copies[0])[HH_SHEET].sheet_state == "visible"


def test_the_copy_keeps_the_results_excel_computed(tmp_path: Path) -> None:
    """Diện tích at K2 is the formula =40+5, computed and saved by Excel (result 45 stored): the return has one
    error, at J2. The copy must hold what the return holds — its formula results included (a phone viewer, Zalo's
    preview, shows stored results; hgn reads them). The copy stores <f>40+5</f><v/>: hgn validate on the copy
    reports a new ERROR formula-not-computed at K2, a cell nobody marked. Cause: _highlighted_copy saves through
    openpyxl, which writes no formula result."""
    path = make_return(tmp_path / "in", households=[household(loai_nha="Nhà tạm")])
    cell = f"{col_of('households', 'dien_tich_nha')}2"
    wb = openpyxl.load_workbook(path)
    wb[HH_SHEET][cell] = "=40+5"
    wb.save(path)

    def as_excel_saves(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return re.sub(rb'\s*fullCalcOnLoad="1"', b"", data)
        return data.replace(b"<f>40+5</f><v />", b"<f>40+5</f><v>45</v>") if name.startswith("xl/worksheets/") \
            else data
    _rewrite(path, as_excel_saves)
    res, copies = _report(tmp_path, tmp_path / "in")
    assert [(f.code, f.cell) for f in res.report.findings] == [("value-not-in-list", "J2")]
    again = validate_paths([copies[0]], frames=False)
    assert [(f.code, f.cell) for f in again.report.findings] == [("value-not-in-list", "J2")]


def test_the_copy_keeps_the_pictures_of_the_return(tmp_path: Path) -> None:
    """A commune's return carries a picture (the scanned signature and stamp of the chairman, a logo) under the
    table. The copy the commune fixes and sends back must keep it; it is silently dropped (openpyxl drops every
    image when Pillow is not installed — it is not a dependency of hgn — and keeps no shape or text box at all)."""
    folder = tmp_path / "in"
    folder.mkdir()
    (tmp_path / "dau.png").write_bytes(_png())
    path = folder / "11284_2024.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, grid in ((HH_SHEET, sheet_grid("households", [household(loai_nha="Nhà tạm")])),
                       (MM_SHEET, sheet_grid("members", [member()]))):
        ws = book.add_worksheet(name)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
    book.get_worksheet_by_name(HH_SHEET).insert_image("B6", str(tmp_path / "dau.png"))
    book.close()
    _res, copies = _report(tmp_path, folder)
    with zipfile.ZipFile(copies[0]) as z:
        assert [n for n in z.namelist() if n.startswith("xl/media/")], z.namelist()


# ------------------------------------------------------------------------------------------ every finding is seen
def test_a_missing_sheet_is_said_in_the_copy(tmp_path: Path) -> None:
    """The members sheet is missing (ERROR sheet-missing) and J2 of the households is wrong. The commune fixes J2
    from the copy and sends it back — and it fails again: nothing in the copy says a sheet is missing. Cause:
    write_findings_xlsx keeps for the copies only findings with a row (``if f.row and f.sheet``)."""
    make_return(tmp_path / "in", households=[household(loai_nha="Nhà tạm")], omit=["members"])
    res, copies = _report(tmp_path, tmp_path / "in")
    assert {f.code for f in res.report.findings} == {"sheet-missing", "value-not-in-list"}
    said = "\n".join(_marks(copies[0]).values())
    assert "value-not-in-list" in said
    assert "sheet-missing" in said or MM_SHEET in openpyxl.load_workbook(copies[0]).sheetnames, said


def test_an_error_on_a_whole_sheet_is_said_on_that_sheet(tmp_path: Path) -> None:
    """The members sheet has lost its header row (ERROR header-not-found: none of its members is checked or
    counted). The copy marks J2 of the households and says nothing on the members sheet; the commune does not
    know that sheet needs fixing. A sheet-level finding should be said on the sheet (e.g. a comment at A1)."""
    make_return(tmp_path / "in", households=[household(loai_nha="Nhà tạm")], omit=["members"],
                raw_sheets={MM_SHEET: [["a", "b", "c"], ["1", "2", "3"]]})
    res, copies = _report(tmp_path, tmp_path / "in")
    assert ("header-not-found", MM_SHEET) in {(f.code, f.sheet) for f in res.report.findings}
    on_members = [t for (s, _c), t in _marks(copies[0]).items() if s == MM_SHEET]
    assert any("header-not-found" in t for t in on_members), _marks(copies[0])


# ------------------------------------------------------------------------------------------ copies do not collide
def test_an_xlsx_and_an_xls_of_one_name_get_two_copies(tmp_path: Path) -> None:
    """11284_2024.xlsx and 11284_2024.xls (two communes, or a commune's two saves) both fail. Each must get its
    own copy; both are written to one path (the second replaces the first, "Đã ghi" names it twice). Cause:
    io/write.py _copy_names compares names without their suffix (Path.with_suffix("")), so no folder depth
    separates them, and both end in _loi.xlsx."""
    folder = tmp_path / "in"
    make_return(folder, households=[household(loai_nha="Nhà tạm")])
    code = "11287-0001"
    write_xls(folder / "11284_2024.xls",
              {HH_SHEET: sheet_grid("households", [household(ma_ho=code, ma_xa="11287", dien_tich_nha="abc")]),
               MM_SHEET: sheet_grid("members", [member(ma_ho=code, so_dinh_danh=make_id(serial="005678"))])})
    res, copies = _report(tmp_path, folder)
    assert len({f.file for f in res.report.findings}) == 2
    assert len(set(copies)) == 2, copies
    marked = set()
    for p in set(copies):
        marked |= {c for _s, c in _marks(p)}
    assert {"J2", "K2"} <= marked


# ------------------------------------------------------------------------------------------ other formats
def test_a_copy_of_an_ods_return_keeps_numbers_and_dates(tmp_path: Path) -> None:
    """An .ods return becomes an .xlsx "of its cell values, every cell at its place". Its numbers and dates come
    back as text: the income 1500000 is the text "1500000" (Excel: "number stored as text", a SUM of the column is
    0) and the birth date 12/03/1980 the text "1980-03-12 00:00:00". Cause: _values_copy writes the text grid the
    reader took (fastexcel dtypes="string") and only its str values."""
    folder = tmp_path / "in"
    folder.mkdir()
    write_ods(folder / "11284_2024.ods",
              {HH_SHEET: sheet_grid("households", [household(dien_tich_nha="abc")]),
               MM_SHEET: sheet_grid("members", [member(ngay_sinh=dt.datetime(1980, 3, 12))])})
    _res, copies = _report(tmp_path, folder)
    wb = openpyxl.load_workbook(copies[0])
    income = wb[HH_SHEET][f"{col_of('households', 'thu_nhap_bq')}2"].value
    born = wb[MM_SHEET][f"{col_of('members', 'ngay_sinh')}2"].value
    assert isinstance(income, int | float) and income == 1500000, repr(income)
    assert isinstance(born, dt.datetime) and born.date() == dt.date(1980, 3, 12), repr(born)


# ------------------------------------------------------------------------------------------ guards
def test_copy_is_the_return_but_for_the_marks_and_fixed_validates_clean(tmp_path: Path) -> None:
    # guard (passes): title row, merged title, number and date formats, frozen panes, widths, a drop-down, a
    # hidden list sheet, a defined name, the commune's own comment; the return's bytes and mtime untouched;
    # the copy with its marked cells fixed has no finding
    folder = tmp_path / "in"
    folder.mkdir()
    path = folder / "11284_2024.xlsx"
    hh = sheet_grid("households", [household(loai_nha="Nhà tạm")], title_rows=["BIỂU RÀ SOÁT"])
    mm = sheet_grid("members", [member(ngay_sinh=None)], title_rows=["BIỂU RÀ SOÁT"])
    book = xlsxwriter.Workbook(str(path))
    money, day = book.add_format({"num_format": "#,##0"}), book.add_format({"num_format": "dd/mm/yyyy"})
    for name, grid in ((HH_SHEET, hh), (MM_SHEET, mm)):
        ws = book.add_worksheet(name)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if isinstance(v, int | float):
                    ws.write_number(r, c, v, money)
                elif v is not None:
                    ws.write_string(r, c, str(v))
        ws.freeze_panes(2, 1)
        ws.set_column(0, 1, 24)
        ws.merge_range(0, 0, 0, 4, "BIỂU RÀ SOÁT")
    house = col_of("households", "loai_nha")
    book.get_worksheet_by_name(HH_SHEET).data_validation(
        f"{house}3:{house}500", {"validate": "list", "source": ["Kiên cố", "Bán kiên cố", "Thiếu kiên cố"]})
    book.get_worksheet_by_name(HH_SHEET).write_comment("B3", "Chủ hộ mới đổi tên")
    born = column_index_from_string(col_of("members", "ngay_sinh")) - 1
    book.get_worksheet_by_name(MM_SHEET).write_datetime(2, born, dt.datetime(1980, 3, 12), day)
    lists = book.add_worksheet("DM")
    lists.write_column(0, 0, ["Kiên cố", "Bán kiên cố"])
    lists.hide()
    book.define_name("DanhMuc", "=DM!$A$1:$A$2")
    book.close()
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    res, copies = _report(tmp_path, folder)
    assert before == (path.read_bytes(), os.stat(path).st_mtime_ns)
    assert [(f.sheet, f.cell) for f in res.report.findings] == [(HH_SHEET, f"{house}3")]
    a, b = openpyxl.load_workbook(path), openpyxl.load_workbook(copies[0])
    assert a.sheetnames == b.sheetnames and b["DM"].sheet_state == "hidden"
    assert "DanhMuc" in b.defined_names
    for wa in a:
        wb_ = b[wa.title]
        for row in wa.iter_rows():
            for c in row:
                d = wb_[c.coordinate]
                assert (c.value, c.number_format) == (d.value, d.number_format), (wa.title, c.coordinate)
        assert (wa.freeze_panes, {str(r) for r in wa.merged_cells.ranges}) == \
               (wb_.freeze_panes, {str(r) for r in wb_.merged_cells.ranges})
        assert [str(v.sqref) for v in wa.data_validations.dataValidation] == \
               [str(v.sqref) for v in wb_.data_validations.dataValidation]
        assert wa.column_dimensions["A"].width == wb_.column_dimensions["A"].width
    assert b[HH_SHEET]["B3"].comment.text == "Chủ hộ mới đổi tên"
    b[HH_SHEET][f"{house}3"] = "Bán kiên cố"
    fixed = tmp_path / "tra_lai" / "11284_2024_loi.xlsx"
    fixed.parent.mkdir()
    b.save(fixed)
    assert validate_paths([fixed.parent], frames=False).report.findings == []


def test_filled_template_copy_fixed_validates_clean(tmp_path: Path) -> None:
    # guard (passes): the `hgn template` workbook filled in, one error per sheet; marks in Vietnamese; the copy
    # with the marked cells fixed has no finding (fills and comments create none)
    path = tmp_path / "in" / "11284_2024.xlsx"
    path.parent.mkdir()
    subprocess.run([sys.executable, "-m", "hgn_review", "template", "--commune", "11284", "--year", "2024",
                    "--out", str(path)], check=True, capture_output=True)
    layout = load_layout("hgn")
    wb = openpyxl.load_workbook(path)
    for role, sheet, row in (("households", HH_SHEET, household(loai_nha="Nhà tạm")),
                             ("members", MM_SHEET, member(gioi_tinh="nam giới"))):
        ws = wb[sheet]
        heads = [c.value for c in ws[1]]
        for k, v in row.items():
            if v is not None:
                ws.cell(row=2, column=heads.index(layout.sheets[role].by_key[k].header) + 1, value=v)
    wb.save(path)
    _res, copies = _report(tmp_path, path.parent)
    marks = _marks(copies[0])
    assert set(marks) == {(HH_SHEET, "J2"), (MM_SHEET, "F2")}
    assert all("không có trong danh mục" in t for t in marks.values())
    c = openpyxl.load_workbook(copies[0])
    c[HH_SHEET]["J2"] = "Bán kiên cố"
    c[MM_SHEET]["F2"] = "Nam"
    c.save(tmp_path / "fixed.xlsx")
    assert validate_paths([tmp_path / "fixed.xlsx"], frames=False).report.findings == []


def test_copy_of_an_xlsm_keeps_its_macros(tmp_path: Path) -> None:
    # guard (passes): the macro project of an .xlsm return is in its copy, byte for byte
    path = make_return(tmp_path / "in", households=[household(loai_nha="Nhà tạm")])
    xlsm = path.with_suffix(".xlsm")
    vba = b"\xd0\xcf\x11\xe0" + b"VBAPROJECT" * 40
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(xlsm, "w", zipfile.ZIP_DEFLATED) as dst:
        for n in src.namelist():
            data = src.read(n)
            if n == "[Content_Types].xml":
                data = data.replace(b"spreadsheetml.sheet.main+xml", b"X").replace(
                    b"application/vnd.openxmlformats-officedocument.X",
                    b"application/vnd.ms-excel.sheet.macroEnabled.main+xml").replace(
                    b"</Types>", b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>'
                                 b"</Types>")
            if n == "xl/_rels/workbook.xml.rels":
                data = data.replace(b"</Relationships>", b'<Relationship Id="rId99" Type="http://schemas.microsoft.'
                                    b'com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                                    b"</Relationships>")
            dst.writestr(n, data)
        dst.writestr("xl/vbaProject.bin", vba)
    path.unlink()
    _res, copies = _report(tmp_path, tmp_path / "in")
    assert [p.suffix for p in copies] == [".xlsm"]
    with zipfile.ZipFile(copies[0]) as z:
        assert z.read("xl/vbaProject.bin") == vba
