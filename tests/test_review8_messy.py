"""Review 8: `hgn validate` on messy real commune returns.

Each test writes a small return cell by cell (conftest.py) the way returns arrive from communes — a side table
beside the list, sheets renamed, a CSV from a Vietnamese Excel, a return left in .xls, invisible characters —
runs the public commands as an officer would, and states what the officer needs: every row counted once (and
only real rows), every value read as written, every finding at the cell to fix. Every test here fails on the
code as reviewed.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path
from typing import Any

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
    ok,
    run_hgn,
    sheet_grid,
    to_cp1258,
    write_xls,
)


# ------------------------------------------------------------------------------------------ helpers
def validate_json(path: Path, *extra: object, cwd: Path) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    """(exit code, findings, summary) of `hgn validate --json`."""
    proc = run_hgn("validate", path, "--json", *extra, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    return proc.returncode, data["findings"], data["summary"]


def codes(findings: list[dict[str, Any]]) -> list[str]:
    return [f["code"] for f in findings]


def result_households(path: Path) -> list[dict[str, Any]]:
    """The households sheet of a results workbook (`hgn classify --out`) as dicts by column key (row 2)."""
    ws = openpyxl.load_workbook(path, read_only=True, data_only=True)["Hộ gia đình"]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    keys = rows[1]
    return [dict(zip(keys, r, strict=False)) for r in rows[2:] if any(v is not None for v in r)]


def csv_bytes(grid: list[list[Any]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([["" if v is None else v for v in r] for r in grid])
    return buf.getvalue()




# ------------------------------------------------------------------------------------------ values read as written
def test_income_written_with_one_thousands_dot_is_not_read_as_hundreds_of_dong(tmp_path: Path) -> None:
    """Input: household 11284-0001 with "Thu nhập bình quân (đồng/người/tháng)" written as the text "900.000" — how a
    Vietnamese Excel shows 900 000 đồng, and what its CSV export writes (the household beside it, "1.900.000",
    is read as 1 900 000).
    Now: "900.000" matches the plain-decimal pattern first and is read as 900 đồng — an integer, so no finding at
    all; the results carry thu_nhap_bq = 900 and the reason printed for the household says "Thu nhập bình quân
    900 đồng/người/tháng".
    Must: in an integer column of đồng the dot is the Vietnamese thousands separator, as it is in "1.900.000":
    the value is 900 000 — or, if hgn will not decide, the cell is reported; never silently 900.
    Why: the brief's promise — a value is never silently changed; "1.500.000" is read as 1 500 000
    (schemas/coerce.py `parse_number`), the same notation with one group must not lose three zeros."""
    make_return(tmp_path, [household(ma_ho="11284-0001", thu_nhap_bq="900.000"),
                           household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Cường", thu_nhap_bq="1.900.000")],
                [member(ma_ho="11284-0001"),
                 member(ma_ho="11284-0002", ho_ten="Lê Văn Cường", so_dinh_danh=make_id(serial="000777"))])
    rc, findings, _ = validate_json(tmp_path / "11284_2024.xlsx", cwd=tmp_path)
    income_cell = f"{col_of('households', 'thu_nhap_bq')}2"
    flagged = [f for f in findings if f["sheet"] == HH_SHEET and f.get("cell") == income_cell]
    ok(run_hgn("classify", "11284_2024.xlsx", "--out", "res.xlsx", cwd=tmp_path))
    income = {h["ma_ho"]: h["thu_nhap_bq"] for h in result_households(tmp_path / "res.xlsx")}
    assert income["11284-0002"] == 1900000
    assert income["11284-0001"] == 900000 or flagged, \
        f"'900.000' read as {income['11284-0001']} đồng without a finding (exit {rc})"


# ------------------------------------------------------------------------------------------ sheets renamed
def test_members_sheet_is_found_by_its_headers_when_both_sheets_are_renamed(tmp_path: Path) -> None:
    """Input: a return whose two sheets were left with Excel's default names, "Sheet1" (the households, with their
    headers) and "Sheet2" (the members, with theirs); the member's "Giới tính" is "Nữ?".
    Now: the households sheet is found by its headers (sheet-found-by-headers), but the members sheet is not
    looked for: `sheet-missing` "Thiếu sheet Thành viên" — the commune is told to add a sheet it has — and the
    member rows are never read (the "Nữ?" at Sheet2!F2 is not reported; the summary counts no member row).
    Must: find the members sheet by its headers too, as it is found when only that sheet is renamed, and check
    its rows.
    Why: README "sheets by name, else by headers" (io/read.py `detect_layout`: the fallback for a workbook whose
    sheet names match nothing reads the households table only)."""
    path = make_return(tmp_path, [household()], [member(gioi_tinh="Nữ?")],
                       sheet_names={"households": "Sheet1", "members": "Sheet2"})
    _rc, findings, summary = validate_json(path, cwd=tmp_path)
    assert "sheet-missing" not in codes(findings)
    assert summary["per_file"][0]["rows"] == {"Sheet1": 1, "Sheet2": 1}
    at = [(f["sheet"], f.get("cell"), f["code"]) for f in findings if f["code"] == "value-not-in-list"]
    assert at == [("Sheet2", f"{col_of('members', 'gioi_tinh')}2", "value-not-in-list")]


# ------------------------------------------------------------------------------------------ rows that are not households
def test_village_summary_table_beside_the_list_adds_no_households(tmp_path: Path) -> None:
    """Input: two households (rows 2–3) and, two columns right of the list, the commune's own summary by village
    ("Thôn | Số hộ nghèo | Ghi chú", five rows down to row 6: Thôn Đông, Thôn Tây, Thôn Nam, Thôn Bắc, Cộng).
    Now: rows 4–6, where every column of the list is blank and only the side table has values, are read as three
    households: 39 errors (value-required on every required cell, income-basis-missing) on blank cells, and
    `hgn classify` counts 5 households, 3 of them "Chưa đủ thông tin" — which `hgn run` (errors do not stop the
    round) carries into the commune's forms.
    Must: a row with nothing in any column of the list is not a household (what is beside it may be reported,
    once); the commune has 2 households.
    Why: the officer's plain need — the number of households of a commune is the number of households in its list;
    return-format.md: "one row per household"."""
    path = make_return(tmp_path, [household(ma_ho="11284-0001"), household(ma_ho="11284-0002")],
                       [member(ma_ho="11284-0001"), member(ma_ho="11284-0002", so_dinh_danh=make_id(serial="000002"))])
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    c0 = ws.max_column + 2
    side = [["Thôn", "Số hộ nghèo", "Ghi chú"], ["Thôn Đông", 1, None], ["Thôn Tây", 0, None],
            ["Thôn Nam", 0, None], ["Thôn Bắc", 0, None], ["Cộng", 1, None]]
    for r, row in enumerate(side, start=1):
        for c, v in enumerate(row):
            if v is not None:
                ws.cell(r, c0 + c, v)
    wb.save(path)
    _rc, findings, _ = validate_json(path, cwd=tmp_path)
    assert not [f for f in findings if f["code"] == "value-required" and f["row"] in (4, 5, 6)]
    ok(run_hgn("classify", path, "--out", "res.xlsx", cwd=tmp_path))
    assert [h["ma_ho"] for h in result_households(tmp_path / "res.xlsx")] == ["11284-0001", "11284-0002"]


# ------------------------------------------------------------------------------------------ invisible characters
def test_household_code_with_a_zero_width_space_still_finds_its_members(tmp_path: Path) -> None:
    """Input: household 11284-0001 whose code cell on "Hộ gia đình" ends with a zero-width space (U+200B, pasted
    from a web page or Zalo); its head on "Thành viên" carries the code without it. Both cells show 11284-0001.
    Now: `household-no-members` on the household and `member-orphan` on the member ("Thành viên thuộc mã hộ
    "11284-0001" không có trong sheet Hộ gia đình") — the officer sees 11284-0001 on both sheets and cannot
    tell what to fix; the household is blocked from classification.
    Must: an invisible character is not part of a code — as a no-break space already is not (it is trimmed) and
    as zero-width characters are not in an ID (validate.py `_id_checks` strips U+200B–U+200D, U+2060, U+FEFF):
    the member belongs to the household.
    Why: the brief — values never silently changed, findings at the cell to fix with a useful hint; here the
    finding blames the members sheet for a character nobody can see on the other one."""
    path = make_return(tmp_path, [household(ma_ho="11284-0001\u200b")], [member(ma_ho="11284-0001")])
    _rc, findings, _ = validate_json(path, cwd=tmp_path)
    assert "member-orphan" not in codes(findings)
    assert "household-no-members" not in codes(findings)


def test_answer_with_a_zero_width_space_is_read_as_the_answer(tmp_path: Path) -> None:
    """Input: a member whose "Giới tính" is "Nam" followed by a zero-width space (U+200B); Excel shows "Nam".
    Now: `value-not-in-list` error: ""Nam" không có trong danh mục của "Giới tính" (có phải "Nam"?)" — the hint
    proposes the very text the cell shows, so the officer cannot act on it; the member's sex is then unknown and
    the ID's sex digit is not checked.
    Must: read it as "Nam", as "Nam" with a trailing no-break space is read (the invisible character is not part
    of the answer).
    Why: the brief — answers read leniently (case, spaces), a hint the commune can fix from."""
    path = make_return(tmp_path, [household()], [member(gioi_tinh="Nam\u200b")])
    rc, findings, _ = validate_json(path, cwd=tmp_path)
    assert [f for f in findings if f["code"] == "value-not-in-list"] == []
    assert rc == 0


# ------------------------------------------------------------------------------------------ other formats
def test_csv_in_the_vietnamese_windows_code_page_is_not_reported_as_combining_accents(tmp_path: Path) -> None:
    """Input: the households table saved by Excel as CSV on a Vietnamese Windows (code page 1258, which stores the
    tone marks as combining bytes: "Nguyễn" is "Nguyê" + U+0303), two households.
    Now: the file is decoded as cp1258 (io/read.py `_csv_text`) but the text is left decomposed, and validation
    then reports `text-not-nfc` ("Chữ dùng dấu tổ hợp … Gõ lại bằng Unicode dựng sẵn") on every name and
    village with a tone mark — 5 warnings here, thousands in a real commune, none of which the commune can fix
    (that is how the code page writes every accented letter), and `--fail-on warning` fails on them.
    Must: text decoded from the code page is composed (NFC) by the reader; no text-not-nfc warning.
    Why: README — CSV returns are read (cp1258 among the encodings); the brief — a hint the commune can fix from."""
    hh = [household(ma_ho="11284-0001"),
          household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Thị Hướng", thon="Thôn Tiền Phong")]
    path = tmp_path / "11284_ho.csv"
    path.write_bytes(to_cp1258(csv_bytes(sheet_grid("households", hh))))
    _rc, findings, summary = validate_json(path, cwd=tmp_path)
    assert summary["per_file"][0]["rows"] == {"11284_ho": 2}
    assert [f.get("cell") for f in findings if f["code"] == "text-not-nfc"] == []


def test_id_stored_as_a_number_in_an_xls_return_is_restored_as_in_xlsx(tmp_path: Path) -> None:
    """Input: the same return twice, once as .xlsx and once left in Excel 97–2003 .xls; the head's ID 030080001234
    is stored as a number in both (the number 30080001234: the leading zero lost).
    Now: from the .xlsx hgn restores the zero (`id-leading-zero-restored`, a warning: the person keeps the ID);
    from the .xls the same number cell is `id-invalid-format` (an error: "không đủ 12 chữ số"), and the person
    goes to the population list without an ID — the result depends on the file format, not on what was written.
    Must: a number cell in an .xls is known to be a number just as in an .xlsx: the zero is restored with the
    same warning.
    Why: domain.md §4 "Spreadsheets often store it as a number and drop the leading zero"; README — .xls returns
    are read; the brief — a number-stored ID must be handled the same whatever the format."""
    hh = [household()]
    mm = [member(so_dinh_danh=30080001234)]
    xlsx = make_return(tmp_path, hh, mm)
    _rc, found_xlsx, _ = validate_json(xlsx, cwd=tmp_path)
    assert "id-leading-zero-restored" in codes(found_xlsx)  # the .xlsx behaviour, for reference
    xls_dir = tmp_path / "xls"
    xls_dir.mkdir()
    xls = write_xls(xls_dir / "11284_2024.xls", {HH_SHEET: sheet_grid("households", hh),
                                                 MM_SHEET: sheet_grid("members", mm)})
    _rc, found_xls, _ = validate_json(xls, cwd=xls_dir)
    assert "id-invalid-format" not in codes(found_xls)
    assert "id-leading-zero-restored" in codes(found_xls)


# ------------------------------------------------------------------------------------------ the highlighted copy
def test_highlighted_copy_of_a_csv_with_a_long_name_marks_its_cells(tmp_path: Path) -> None:
    """Input: a households CSV named "11284_danh_sach_ho_gia_dinh_ra_soat_2024.csv" (a 40-character stem) with
    "Loại nhà ở" = "Nhà tầng" on row 2; `hgn validate --report-xlsx phat_hien.xlsx`.
    Now: the finding is at sheet "11284_danh_sach_ho_gia_dinh_ra_soat_2024" J2, and a highlighted copy is written,
    but its sheet is named with the first 31 characters (Excel's limit) and the marks are looked up under the
    full name: the copy the commune is sent has no mark and no comment at all.
    Must: the copy marks J2 (red fill and hgn's comment) on its sheet.
    Why: README — `--report-xlsx` writes "a copy of each failing return with the offending cells highlighted and
    commented (an .xls/.ods/.csv return as an .xlsx of its values)"; the brief — a workbook the commune can fix
    from."""
    path = tmp_path / "11284_danh_sach_ho_gia_dinh_ra_soat_2024.csv"
    path.write_text(csv_bytes(sheet_grid("households", [household(loai_nha="Nhà tầng")])), encoding="utf-8-sig")
    _rc, findings, _ = validate_json(path, "--report-xlsx", "phat_hien.xlsx", cwd=tmp_path)
    cell = f"{col_of('households', 'loai_nha')}2"
    assert [f.get("cell") for f in findings if f["code"] == "value-not-in-list"] == [cell]
    copies = list((tmp_path / "phat_hien_ban_sao").glob("*.xlsx"))
    assert len(copies) == 1
    ws = openpyxl.load_workbook(copies[0]).worksheets[0]
    assert ws[cell].value == "Nhà tầng"
    assert ws[cell].comment is not None and "value-not-in-list" in ws[cell].comment.text
    assert ws[cell].fill.fgColor.rgb.endswith("FFC7CE")


# ------------------------------------------------------------------------------------------ columns never dropped silently
@pytest.mark.parametrize("merged_header", [True, False], ids=["header-merged-over-two-columns", "no-header"])
def test_column_of_values_without_its_own_header_is_not_dropped_silently(tmp_path: Path, merged_header: bool) -> None:
    """Input: on "Hộ gia đình" the head's name is split over two columns, "Nguyễn Văn" | "An" in B2:C2 and
    "Lê Thị" | "Hoa" in B3:C3, under the header "Họ và tên chủ hộ" in B1 — merged over B1:C1 as communes lay it
    out, or with C1 simply left blank.
    Now: column C is read by no one and reported by no one: exit 0, not even an info finding; the heads are
    named "Nguyễn Văn" and "Lê Thị" in everything downstream.
    Must: a column holding values is kept and reported (at least as information at the column, like any
    extra column), so that the officer learns that "An" and "Hoa" were not read.
    Why: return-format.md, layout 1 — "Extra columns are kept and reported as information, never dropped
    silently"."""
    path = make_return(tmp_path, [household(ma_ho="11284-0001", ho_ten_chu_ho="Nguyễn Văn"),
                                  household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị")],
                       [member(ma_ho="11284-0001"), member(ma_ho="11284-0002", so_dinh_danh=make_id(serial="000002"))])
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    assert ws["B1"].value == "Họ và tên chủ hộ"
    ws.insert_cols(3)
    ws["C2"], ws["C3"] = "An", "Hoa"
    if merged_header:
        ws.merge_cells("B1:C1")
    wb.save(path)
    _rc, findings, _ = validate_json(path, cwd=tmp_path)
    at_c = [f for f in findings if f["sheet"] == HH_SHEET and re.fullmatch(r"C\d+", f.get("cell") or "")]
    at_header = [f for f in findings if f["sheet"] == HH_SHEET and f.get("cell") == "B1"]
    assert at_c or at_header, f"column C dropped without a word: {codes(findings)}"
