"""Session 18: what an officer meets at the edges of a round.

- Form 11 leaves the children's figures of a unit blank when a member of one of its poor or near-poor households
  has no usable date or year of birth (whether that member is a child is not known), and says so in the notes.
- `hgn run --strict --json` (tests/test_run.py) — covered there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from conftest import household, make_id, make_return, member, ok, run_hgn

POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}


def _grid(path: Path) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _rows(values: list[tuple[Any, ...]]) -> tuple[dict[str, tuple[Any, ...]], tuple[Any, ...]]:
    """(unit rows by name, total row) of a summary form: the rows under its "A", "B", "1" … key row."""
    k = next(i for i, r in enumerate(values) if r[0] == "A" and r[1] == "B")
    units: dict[str, tuple[Any, ...]] = {}
    for r in values[k + 1:]:
        if isinstance(r[1], str) and r[1].lower().startswith("tổng"):
            return units, r
        if r[1] is not None:
            units[str(r[1])] = r
    raise AssertionError("no total row")


def _round(tmp_path: Path, son_birth: str | None) -> Path:
    """One poor household of commune 11284 (three deprivations whatever else): a 1980-born head and a son whose
    "Ngày sinh" is ``son_birth`` (his card, nutrition and schooling answers given); `hgn run`."""
    inp = tmp_path / "in"
    make_return(inp, [household(ma_ho="11284-0001", phan_loai_dau_ky="Nghèo", **POOR)], [
        member(),
        member(stt=2, ho_ten="Nguyễn Văn Bé", so_dinh_danh=make_id(birth_year=2020, serial="000003"),
               ngay_sinh=son_birth, quan_he="Con", viec_lam=None, trinh_do="Chưa đi học", dang_di_hoc="Có",
               cap_hoc="Mầm non", suy_dinh_duong="Không", the_bhyt="Có"),
    ])
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    return tmp_path / "out"


def test_form_11_children_figures_are_blank_when_a_members_birth_date_is_blank(tmp_path: Path) -> None:
    """The son's birth date is blank (reported at its cell by the check): a child or not is not known, so form 11
    leaves the commune's and the total's children figures blank — not "0 children" — and report.html's notes say
    why; the head's row still counts (one poor household)."""
    out = _round(tmp_path, None)
    units, total = _rows(_grid(out / "bao_cao" / "bieu_11.xlsx"))
    row = units["Xã Chi Lăng Nam"]
    assert row[2] is None and total[2] is None, (row, total)  # children in poor households: not known
    assert all(v is None for v in row[2:6]), row  # nor those without a card, malnourished, out of school
    html = (out / "bao_cao" / "report.html").read_text("utf-8")
    assert "không có ngày hoặc năm sinh dùng được" in html
    # said on form 11 itself (a form is filed on its own), and not on a form that reads no children's figure
    said = [v for r in _grid(out / "bao_cao" / "bieu_11.xlsx") for v in r if isinstance(v, str)]
    assert any(v.startswith("Lưu ý: 1 thành viên") and "năm sinh" in v for v in said), said[-6:]
    f01 = [v for r in _grid(out / "bao_cao" / "bieu_01.xlsx") for v in r if isinstance(v, str)]
    assert not any("năm sinh dùng được" in v for v in f01)
    ws = openpyxl.load_workbook(out / "phat_hien.xlsx").worksheets[0]
    assert any(r[2] == 3 and r[3] == "Ngày sinh" for r in ws.iter_rows(min_row=2, values_only=True))


def test_form_11_counts_the_child_when_his_birth_date_is_known(tmp_path: Path) -> None:
    """The same round with his birth date written: one child in the poor household, with a card, not
    malnourished, at school — 1, 0, 0, 0; no note on birth dates."""
    out = _round(tmp_path, "05/06/2020")
    units, total = _rows(_grid(out / "bao_cao" / "bieu_11.xlsx"))
    row = units["Xã Chi Lăng Nam"]
    assert row[2] == 1 and total[2] == 1 and list(row[3:6]) == [0, 0, 0], row
    assert "không có ngày hoặc năm sinh dùng được" not in (out / "bao_cao" / "report.html").read_text("utf-8")


def test_a_standard_title_in_brackets_is_shown_as_written(tmp_path: Path) -> None:
    """`hgn standard show` of a province file titled "Chuẩn tỉnh [dự thảo]": the title is shown whole (rich would
    read "[dự thảo]" as a style tag and drop it)."""
    (tmp_path / "x.yaml").write_text("id: tinh-x\ntitle: Chuẩn tỉnh [dự thảo]\nscope: national\nsource: thử\n"
                                     "status: practice\nextends: vn-2022-2025\n", encoding="utf-8")
    out = ok(run_hgn("standard", "show", "x.yaml", cwd=tmp_path)).stdout
    assert "Chuẩn tỉnh [dự thảo]" in out


# ------------------------------------------------------------------------------------------ ODS zero-padding formats
def _ods(path: Path, grids: dict[str, list[list[Any]]], padded: dict[tuple[str, int, int], int],
         column_default: dict[tuple[str, int], int] | None = None) -> Path:
    """An ODS package as LibreOffice saves it: a number cell at (sheet, row index, column index) in ``padded`` has
    a cell style whose number format pads to the width given ("0000"); ``column_default`` gives a whole column that
    style instead (its cells name no style of their own)."""
    import zipfile
    from xml.sax.saxutils import escape, quoteattr

    widths = sorted(set(padded.values()) | set((column_default or {}).values()))
    styles = "".join(f'<number:number-style style:name="N{w}"><number:number number:decimal-places="0" '
                     f'number:min-integer-digits="{w}"/></number:number-style>' for w in widths)
    styles += "".join(f'<style:style style:name="ce{w}" style:family="table-cell" style:parent-style-name="Default" '
                      f'style:data-style-name="N{w}"/>' for w in widths)
    body = []
    for name, grid in grids.items():
        width = max(len(r) for r in grid)
        cols = "".join(f'<table:table-column table:default-cell-style-name='
                       f'"{"ce" + str(column_default[(name, c)]) if (name, c) in (column_default or {}) else "Default"}"/>'
                       for c in range(width))
        rows = []
        for r, row in enumerate(grid):
            cells = []
            for c, v in enumerate(row):
                style = f' table:style-name="ce{padded[(name, r, c)]}"' if (name, r, c) in padded else ""
                if v is None:
                    cells.append("<table:table-cell/>")
                elif isinstance(v, int | float) and not isinstance(v, bool):
                    cells.append(f'<table:table-cell{style} office:value-type="float" office:value="{v}">'
                                 f"<text:p>{v}</text:p></table:table-cell>")
                else:
                    cells.append(f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p>'
                                 "</table:table-cell>")
            rows.append("<table:table-row>" + "".join(cells) + "</table:table-row>")
        body.append(f"<table:table table:name={quoteattr(name)}>{cols}" + "".join(rows) + "</table:table>")
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
               'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               f"<office:automatic-styles>{styles}</office:automatic-styles>"
               "<office:body><office:spreadsheet>" + "".join(body) + "</office:spreadsheet></office:body>"
               "</office:document-content>")
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                '<manifest:file-entry manifest:full-path="/" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _return_grids(tmp_path: Path) -> dict[str, list[list[Any]]]:
    """A one-household return (code "0012", its head's ID 030180001234) as the cells of its sheets."""
    src = make_return(tmp_path / "src", [household(ma_ho="0012")], [member(ma_ho="0012")])
    wb = openpyxl.load_workbook(src)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}


def _column(grid: list[list[Any]], header: str) -> int:
    return next(j for j, v in enumerate(grid[0]) if v == header)


def test_ods_number_cells_formatted_to_pad_with_zeros_are_read_as_shown(tmp_path: Path) -> None:
    """An .ods return whose household code is the number 12 in a cell formatted "0000" (LibreOffice shows 0012),
    the members sheet holding "0012" as text, and the head's ID the number 30180001234 in a cell formatted
    "000000000000": read as shown, as an .xlsx's are — the member belongs to household 0012 (no orphan) and the ID
    is 030180001234 with no warning that a leading zero was restored. The same with the format set on the whole
    column instead of the cell."""
    from hgn_review.validate import validate_paths

    grids = _return_grids(tmp_path)
    hh_sheet, mm_sheet = list(grids)[:2]
    code_col = _column(grids[hh_sheet], "Mã hộ")
    id_col = _column(grids[mm_sheet], "Số định danh cá nhân")
    grids[hh_sheet][1][code_col] = 12
    grids[mm_sheet][1][id_col] = 30180001234
    for name, kw in (("cell.ods", {"padded": {(hh_sheet, 1, code_col): 4, (mm_sheet, 1, id_col): 12}}),
                     ("column.ods", {"padded": {}, "column_default": {(hh_sheet, code_col): 4, (mm_sheet, id_col): 12}})):
        path = _ods(tmp_path / name, grids, **kw)
        val = validate_paths([path])
        codes = {f.code for f in val.report.findings}
        assert val.households["ma_ho"].tolist() == ["0012"], name
        assert val.members["so_dinh_danh"].tolist() == ["030180001234"], name
        assert not codes & {"member-orphan", "id-leading-zero-restored", "id-invalid-format"}, (name, codes)
    plain = _ods(tmp_path / "plain.ods", grids, padded={})  # no format: the bare number, its zero restored and said
    found = {f.code for f in validate_paths([plain]).report.findings}
    assert "id-leading-zero-restored" in found


def test_xls_number_cells_formatted_to_pad_with_zeros_are_read_as_shown(tmp_path: Path) -> None:
    """The same return as an Excel 97–2003 .xls (the code 12 formatted "0000", the head's ID 30180001234 formatted
    "000000000000"): read as Excel shows them, as an .xlsx's and an .ods's are; without the formats, the bare number
    and its ID's zero restored and said."""
    from conftest import write_xls
    from hgn_review.validate import validate_paths

    grids = _return_grids(tmp_path)
    hh_sheet, mm_sheet = list(grids)[:2]
    code_col = _column(grids[hh_sheet], "Mã hộ")
    id_col = _column(grids[mm_sheet], "Số định danh cá nhân")
    grids[hh_sheet][1][code_col] = 12
    grids[mm_sheet][1][id_col] = 30180001234
    cells = {name: [[v for v in r] for r in grid] for name, grid in grids.items()}
    path = write_xls(tmp_path / "padded.xls", cells,
                     formats={(hh_sheet, 1, code_col): "0000", (mm_sheet, 1, id_col): "000000000000"})
    val = validate_paths([path])
    codes = {f.code for f in val.report.findings}
    assert val.households["ma_ho"].tolist() == ["0012"]
    assert val.members["so_dinh_danh"].tolist() == ["030180001234"]
    assert not codes & {"member-orphan", "id-leading-zero-restored", "id-invalid-format"}, codes
    plain = write_xls(tmp_path / "plain.xls", cells)
    found = validate_paths([plain])
    assert found.households["ma_ho"].tolist() == ["12"]
    assert "id-leading-zero-restored" in {f.code for f in found.report.findings}
