"""Review 36 (copies): the workbook the commune fixes from — `hgn validate --report-xlsx FILE` writes the findings
workbook and, beside it (phat_hien_ban_sao/), a copy of each failing return with the offending cells filled and
commented; `hgn run --marked-copies` writes the same.

Small returns with the mess communes send (title rows, a two-row merged header, the table starting at column B, a
repeated header, hidden rows/columns/sheets, a village heading, a footer, renamed sheets, their own notes, .xls,
.ods and CSV returns). Each ERROR/WARNING must be marked at exactly the cell it names, with its Vietnamese message
and hint; the input must stay byte-identical and the copy must hold the commune's data unchanged.
"""

from __future__ import annotations

import csv
import hashlib
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment

from conftest import (
    HEADER,
    HH_SHEET,
    MM_SHEET,
    household,
    make_id,
    make_return,
    member,
    run_hgn,
    sheet_grid,
    write_ods,
    write_xls,
)
from hgn_review.findings import ERROR, WARNING
from hgn_review.io.write import write_findings_xlsx
from hgn_review.validate import validate_paths


def _digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _report(tmp_path: Path, inputs: Path):
    """What `hgn validate INPUTS --report-xlsx out/phat_hien.xlsx` does (cli.validate), in this process."""
    result = validate_paths([inputs], frames=False)
    written = write_findings_xlsx(result.report, tmp_path / "out" / "phat_hien.xlsx", "vi",
                                  copies={r.path: result.sources.get(r.path, Path(r.path)) for r in result.returns})
    return result, written[1:]


def _notes(copy: Path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(copy)
    return {(ws.title, c.coordinate): c.comment.text for ws in wb for row in ws.iter_rows() for c in row
            if c.comment is not None}


def _cell_findings(result):
    return [f for f in result.report.findings if f.severity in (ERROR, WARNING) and f.row and f.col]


def _expected(f) -> str:  # noqa: ANN001
    return f"[{f.code}] {f.message('vi')} — {f.hint('vi')}"


def _messy_return(folder: Path) -> Path:
    """Two title rows, the table from column B, a repeated header, a hidden row and column, a village heading, a
    footer, the members sheet renamed and hidden, and the commune's own note on a cell hgn marks."""
    hh = [household(loai_nha="Nhà tạm"), HEADER,
          household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn C", dien_tich_nha="abc"),
          household(ma_ho="11284-0003", ho_ten_chu_ho="Lê Văn D")]
    mm = [member(), member(ma_ho="11284-0002", ho_ten="Lê Văn C", so_dinh_danh=make_id(serial="000002"),
                           gioi_tinh="Nữ"),
          member(ma_ho="11284-0003", ho_ten="Lê Văn D", so_dinh_danh=make_id(serial="000003"))]
    path = make_return(folder, households=hh, members=mm, title_rows=["UBND XÃ CHI LĂNG NAM", "DANH SÁCH HỘ"],
                       start_col=2, sheet_names={"members": "DS thanh vien"})
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    ws["K4"].comment = Comment("Xã: hộ nói nhà tạm", "Xa")  # "Loại nhà ở" of the first household
    ws.row_dimensions[6].hidden = True  # the household 11284-0002 (dien_tich "abc" at L6)
    ws.column_dimensions["L"].hidden = True
    n = ws.max_row
    ws.cell(n + 2, 2, "Tổng cộng: 3 hộ")
    ws.cell(n + 4, 6, "Người lập biểu")
    wb["DS thanh vien"].sheet_state = "hidden"
    wb.save(path)
    return path


# ------------------------------------------------------------------------------------------ guards
def test_messy_xlsx_every_finding_marked_at_its_cell_data_and_input_unchanged(tmp_path: Path) -> None:
    # guard (passes)
    src = _messy_return(tmp_path / "in")
    before = _digests(tmp_path / "in")
    result, copies = _report(tmp_path, tmp_path / "in")
    assert _digests(tmp_path / "in") == before
    assert len(copies) == 1
    notes = _notes(copies[0])
    cell_findings = _cell_findings(result)
    assert {f.code for f in cell_findings} >= {"value-not-in-list", "value-not-number", "id-sex-mismatch"}
    for f in cell_findings:
        text = notes.get((f.sheet, f"{f.col}{f.row}"))
        assert text is not None and _expected(f) in text, (f.code, f.sheet, f.col, f.row, text)
    # the commune's own note kept above hgn's
    assert notes[(HH_SHEET, "K4")].startswith("Xã: hộ nói nhà tạm\n---\n[value-not-in-list]")
    # hidden row, column and sheet holding marks are shown
    copy = openpyxl.load_workbook(copies[0])
    assert not copy[HH_SHEET].row_dimensions[6].hidden
    assert not copy[HH_SHEET].column_dimensions["L"].hidden
    assert copy["DS thanh vien"].sheet_state == "visible"
    # the renamed sheet's whole-sheet finding said at its top
    assert "[sheet-found-by-headers]" in notes[("DS thanh vien", "A1")]
    # every value of the return is in the copy at its place
    orig = openpyxl.load_workbook(src)
    for ws in orig:
        for row in ws.iter_rows():
            for c in row:
                assert copy[ws.title][c.coordinate].value == c.value, (ws.title, c.coordinate)


def test_xls_ods_csv_copies_mark_the_named_cells_and_keep_values(tmp_path: Path) -> None:
    # guard (passes)
    hh = [household(loai_nha="Nhà tạm"), household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn C", dien_tich_nha="abc")]
    mm = [member(), member(ma_ho="11284-0002", ho_ten="Lê Văn C", so_dinh_danh=make_id(serial="000002"))]
    gh = sheet_grid("households", hh, title_rows=["UBND XÃ", ""], start_col=2)
    gh.insert(3, [None, "I. Thôn Đông"])
    gm = sheet_grid("members", mm, title_rows=["UBND XÃ"])
    for kind in ("xls", "ods", "csv"):
        folder = tmp_path / kind / "in"
        folder.mkdir(parents=True)
        if kind == "xls":
            write_xls(folder / "11284_2024.xls", {HH_SHEET: gh, MM_SHEET: gm})
        elif kind == "ods":
            write_ods(folder / "11284_2024.ods", {HH_SHEET: gh, MM_SHEET: gm})
        else:
            with (folder / "11284_2024.csv").open("w", newline="", encoding="utf-8-sig") as fh:
                csv.writer(fh).writerows([["" if v is None else v for v in r] for r in gh])
        before = _digests(folder)
        result, copies = _report(tmp_path / kind, folder)
        assert _digests(folder) == before
        assert len(copies) == 1 and copies[0].suffix == ".xlsx"
        notes = _notes(copies[0])
        wb = openpyxl.load_workbook(copies[0])
        hh_title = HH_SHEET if kind != "csv" else "11284_2024"
        found = _cell_findings(result)
        assert {(f.code, f"{f.col}{f.row}") for f in found} >= {("value-not-in-list", "K5"),
                                                                 ("value-not-number", "L6")}, kind
        for f in found:
            assert _expected(f) in notes.get((f.sheet, f"{f.col}{f.row}"), ""), (kind, f.code)
        assert "[section-heading-rows]" in notes[(hh_title, "B4")]
        for r, row in enumerate(gh, start=1):
            for c, v in enumerate(row, start=1):
                got = wb[hh_title].cell(r, c).value
                assert (got in (None, "") if v in (None, "") else str(got) == str(v)), (kind, r, c, v, got)


def test_cli_validate_report_xlsx_leaves_input_byte_identical(tmp_path: Path) -> None:
    # guard (passes)
    _messy_return(tmp_path / "in")
    before = _digests(tmp_path / "in")
    proc = run_hgn("validate", tmp_path / "in", "--report-xlsx", tmp_path / "out" / "phat_hien.xlsx", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    assert _digests(tmp_path / "in") == before
    assert (tmp_path / "out" / "phat_hien_ban_sao" / "11284_2024_loi.xlsx").is_file()


# ------------------------------------------------------------------------------------------ defects
def test_missing_column_under_two_row_header_not_marked_on_an_unrelated_header(tmp_path: Path) -> None:
    """DEFECT. A return with the common two-row header (every column header merged over rows 3–4, "Thiếu hụt"
    over the indicator sub-headers on row 4) lacks the "Diện tích nhà ở" column. The error column-missing (row 4,
    no column) is marked in the copy on W4 — an indicator sub-header of the "Thiếu hụt" band, a column that is
    right — with "Thiếu cột bắt buộc "Diện tích nhà ở"". The commune looks at that column for what
    is wrong. An officer expects a header finding said at the top of the table (README: "a header not found —
    said at the top of the sheet"), i.e. the header row's first cell A3 (the merged A3:A4), not a valid column's
    header. Cause: io/write.py:_highlighted_copy → _FirstFilled takes the first cell of row 4 holding a value,
    skipping the merged cells A4:W4 (value None) whose anchors A3…W3 hold the headers."""
    make_return(tmp_path / "in", group_band=True, title_rows=["UBND XÃ", "DANH SÁCH HỘ"],
                drop={"households": ["dien_tich_nha"]})
    result, copies = _report(tmp_path, tmp_path / "in")
    missing = [f for f in result.report.findings if f.code == "column-missing"]
    assert missing and missing[0].sheet == HH_SHEET
    notes = _notes(copies[0])
    where = [cell for (sheet, cell), text in notes.items() if sheet == HH_SHEET and "[column-missing]" in text]
    assert len(where) == 1
    assert where[0] in ("A1", "A2", "A3", "A4"), f"column-missing marked on {where[0]}, an unrelated header"


def test_mistyped_household_code_header_is_checked_not_a_crash(tmp_path: Path) -> None:
    """DEFECT. The households sheet's "Mã hộ" header is mistyped ("Ma hoo": hgn itself says it is close to "Mã
    hộ") while the members sheet lists members by code. hgn validate does not check the file: it reports
    file-check-failed "hgn gặp lỗi khi xử lý tệp này (KeyError (validate.py:…))", and the copy sent to the commune
    carries that internal error at A1 instead of the return's findings. An officer expects the column-missing
    error (and the members' other findings), not a crash. Cause: validate.py:_member_checks — with no "ma_ho"
    column ok_hh is hh.iloc[0:0] (no column "ma_ho"), and when members are orphans ok_hh["ma_ho"] raises
    KeyError."""
    make_return(tmp_path / "in", headers={"households": {"ma_ho": "Ma hoo"}})
    result, copies = _report(tmp_path, tmp_path / "in")
    codes = {f.code for f in result.report.findings}
    assert "column-missing" in codes
    assert "file-check-failed" not in codes, [f.message("vi") for f in result.report.findings
                                              if f.code == "file-check-failed"]
    assert not any("file-check-failed" in t for t in _notes(copies[0]).values())
