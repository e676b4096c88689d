"""Review 48 — the latest changes (3adca01, 37e43ef, 2c79359, d260a66): formula rows of .xls/.ods, the "sep=" line of
a CSV, a members list alone, ID masking of a finding's cell, village rows of a 2025 commune's own report.

Tests marked ``# guard (passes)`` hold today and protect a behaviour worth keeping; every other test fails on the
code as reviewed, for the reason in its docstring (starting "DEFECT.").
"""

from __future__ import annotations

import json
import re
import subprocess
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
)
from hgn_review.findings import finding, hide_ids, masked
from hgn_review.io.read import read_return
from test_review47_legacy import Formula, csv_bytes, write_ods_more, write_xls_more

ID = "030080001234"


def hgn(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    proc = run_hgn(*args, cwd=cwd, timeout=300)
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr
    return proc


def shows_id(text: str, ident: str) -> bool:
    """More than the last four digits of ``ident`` (or of it without its leading zero), separators aside."""
    digits = re.sub(r"[\s.,/\-'*]", "", text)
    return ident[:8] in digits or ident[1:9] in digits


def summary(rf: Any) -> tuple[dict[str, int], list[tuple[str, str | None, int | None, str | None]]]:
    return rf.rows(), sorted((f.code, f.sheet, f.row, dict(f.params).get("detail")) for f in rf.findings)


def _two() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    hh = [household(), household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị Hường")]
    mm = [member(), member(ma_ho="11284-0002", ho_ten="Lê Thị Hường", gioi_tinh="Nữ",
                           so_dinh_danh=make_id(female=True, serial="000999"))]
    return hh, mm


# ------------------------------------------------------------------------------------------ masking (37e43ef)
@pytest.mark.parametrize("typed", ["30.074.957.355", "30,074,957,355"])
def test_an_error_message_quoting_an_id_as_excel_shows_a_number_masks_it(tmp_path: Path, typed: str) -> None:
    """DEFECT. Regression of 37e43ef. An officer types a member's ID into "Năm sinh" of the results workbook as Excel
    shows a number whose leading zero was lost ("30.074.957.355"; "30,074,957,355" on an English Windows).
    `hgn report` rightly refuses the edited file (exit 3), but the message on the terminal now quotes the cell
    whole: 'ô K3 (cột "Năm sinh") ghi "30.074.957.355"' — eleven of the twelve digits. 886b84d made every error
    message mask such a number (README: terminal output shows at most an ID's last four digits); 37e43ef changed
    findings.ID_IN_TEXT to need three digits in the first group (``\\d{3,}``), so findings.hide_ids — which
    console/cli render_error pass every error message through — no longer sees "30.074.957.355" as an
    ID (its new findings._hide_cell covers a finding's value only). Cause: findings.py ID_IN_TEXT / hide_ids."""
    make_return(tmp_path / "in")
    ok(hgn("classify", tmp_path / "in", "--out", tmp_path / "c.xlsx", cwd=tmp_path))
    wb = openpyxl.load_workbook(tmp_path / "c.xlsx")
    ws = wb["Thành viên"]
    keys = [c.value for c in ws[2]]
    ws.cell(row=3, column=keys.index("nam_sinh") + 1, value=typed)
    wb.save(tmp_path / "c.xlsx")
    proc = hgn("report", tmp_path / "c.xlsx", "--out-dir", tmp_path / "r", cwd=tmp_path)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Năm sinh" in proc.stderr
    assert not shows_id(proc.stdout + proc.stderr, "030074957355"), proc.stderr


def test_an_id_after_a_three_digit_number_is_masked() -> None:
    """DEFECT. A village cell "Số nhà 105 030 080 001 234" (a house number, then the head's ID grouped as the card
    prints it) is shared with the ID whole: findings.masked leaves the finding's value as written and hide_ids the
    message. 37e43ef fixed "Tổ 15 030 080 001 234" (a two-digit number), but a three-digit one joins the ID's
    groups into one match of 15 digits, which hide_id then splits on runs of digits ("105", "030", …: none of 11–13)
    and leaves alone. Cause: findings.py hide_id (the ``digits > 13`` branch) with ID_IN_TEXT."""
    text = "Số nhà 105 030 080 001 234"
    f = finding("value-out-of-range", file="a.xlsx", value=text, detail="x")
    assert not shows_id(masked(f).value or "", ID), masked(f).value
    assert not shows_id(hide_ids(text), ID), hide_ids(text)


@pytest.mark.parametrize(("value", "hidden"), [
    ("1.500.000.000", False),  # ten digits: an amount, not an ID
    ("140.000", False),  # a B1 score as Excel shows it
    ("2.000.000-2.500.000", False),  # an amount range
    ("0912.345.678", False),  # ten digits
    ("Tổ 15 030 080 001 234", True),
    ("30.074.957.355", True),  # the ID without its leading zero, grouped
    ("3.0074957355E+10", True),  # … in scientific form
    ("030080001234,030080001235", True),
    ("030.080.001.234", True),
])
def test_a_findings_value_masked_only_when_an_id(value: str, hidden: bool) -> None:
    # guard (passes)
    """findings.masked: a value that is an ID (grouped, scientific, without its leading zero) shows no more than its
    last four digits; an amount, a score, a phone number of ten digits is left as written."""
    got = masked(finding("value-out-of-range", file="a.xlsx", value=value, detail="x")).value or ""
    if hidden:
        assert not shows_id(got, ID) and not shows_id(got, "030074957355"), got
        assert "*" in got
    else:
        assert got == value


# ------------------------------------------------------------------------------------------ formulas (d260a66)
@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_formula_tail_of_each_sheet_is_its_own(tmp_path: Path, fmt: str) -> None:
    # guard (passes)
    """An .xls/.ods with a count formula in "Số thành viên" of every household (kept: the households are typed) and
    dragged two rows below the list (skipped), and a members sheet with typed 0s in the same cells below its list
    (kept: typed, not formulas) — the sheets in either order, an info sheet first. Each sheet's own FORMULA records
    decide (xlrd's stream from that sheet's BOF)."""
    hh, mm = _two()
    g_hh, g_mm = sheet_grid("households", hh), sheet_grid("members", mm)
    ci = ord(col_of("households", "so_thanh_vien")) - 65
    for r in g_hh[1:]:
        r[ci] = Formula("COUNTIF('Thành viên'!A:A,A2)", 1)
    for _ in range(2):
        row: list[Any] = [None] * len(g_hh[0])
        row[ci] = Formula("COUNTIF('Thành viên'!A:A,A9)", 0)
        g_hh.append(row)
        typed: list[Any] = [None] * len(g_mm[0])
        typed[ci] = 0
        g_mm.append(typed)
    write = write_xls_more if fmt == "xls" else write_ods_more
    for order, sheets in (("a", {HH_SHEET: g_hh, MM_SHEET: g_mm}),
                          ("b", {"Thông tin": [["Mã xã", "11284"]], MM_SHEET: g_mm, HH_SHEET: g_hh})):
        rf = read_return(write(tmp_path / f"{order}_11284_2024.{fmt}", sheets))
        rows, found = summary(rf)
        assert rows == {HH_SHEET: 2, MM_SHEET: 4}, (order, rows)
        assert [f for f in found if f[0] == "formula-rows-skipped"] == [
            ("formula-rows-skipped", HH_SHEET, 4, "4–5")], (order, found)


@pytest.mark.parametrize("fmt", ["xls", "ods"])
def test_formula_rows_in_the_middle_are_never_dropped(tmp_path: Path, fmt: str) -> None:
    # guard (passes)
    """Members rows whose "STT" is a formula, in the middle of the list and at its end (each with a name typed): all
    read; a tail of formulas only below them is skipped."""
    hh, mm = _two()
    mm.insert(1, member(stt=2, ho_ten="Phạm Thị Thủy", quan_he="Vợ, chồng", gioi_tinh="Nữ", ngay_sinh="01/01/1982",
                        so_dinh_danh=make_id(birth_year=1982, female=True, serial="000222")))
    g_hh, g_mm = sheet_grid("households", hh), sheet_grid("members", mm)
    si = ord(col_of("members", "stt")) - 65
    for r in g_mm[1:]:
        r[si] = Formula("ROW()-1", 1)
    for _ in range(3):
        row: list[Any] = [None] * len(g_mm[0])
        row[si] = Formula("ROW()-1", 5)
        g_mm.append(row)
    write = write_xls_more if fmt == "xls" else write_ods_more
    rf = read_return(write(tmp_path / f"11284_2024.{fmt}", {HH_SHEET: g_hh, MM_SHEET: g_mm}))
    rows, found = summary(rf)
    assert rows == {HH_SHEET: 2, MM_SHEET: 3}, rows
    assert [f for f in found if f[0] == "formula-rows-skipped"] == [("formula-rows-skipped", MM_SHEET, 5, "5–7")]


# ------------------------------------------------------------------------------------------ CSV (d260a66)
@pytest.mark.parametrize("head", [b"sep=;\r\n", b"\xef\xbb\xbfsep=;\r\n", b"sep=;\n"])
def test_csv_sep_line_is_not_a_row(tmp_path: Path, head: bytes) -> None:
    # guard (passes)
    """A CSV with Excel's "sep=;" first line (with or without a BOM, CRLF or LF): the findings fall on the rows the
    officer sees, as in the same CSV without it."""
    hh = [household(), household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị Hường", thu_nhap_bq="abc")]
    grid = sheet_grid("households", hh)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    plain = tmp_path / "a" / "11284_2024.csv"
    plain.write_bytes(csv_bytes(grid, encoding="utf-8"))
    said = tmp_path / "b" / "11284_2024.csv"
    said.write_bytes(head + csv_bytes(grid, encoding="utf-8"))
    def where(p: Path) -> list[tuple[str, Any, Any]]:
        data = json.loads(hgn("validate", p, "--json", cwd=tmp_path).stdout)
        return sorted((f["code"], f.get("row"), f.get("cell")) for f in data["findings"])

    want = where(plain)
    assert ("value-not-number", 3, "G3") in want
    assert where(said) == want


# ------------------------------------------------------------------------------------------ members only (d260a66)
def test_a_members_list_alone_is_said_to_be_one(tmp_path: Path) -> None:
    # guard (passes)
    """A commune's members sheet saved alone as CSV: layout-members-only, not layout-unknown."""
    p = tmp_path / "11284_thanh_vien.csv"
    p.write_bytes(csv_bytes(sheet_grid("members", [member()])))
    assert [f.code for f in read_return(p).findings] == ["layout-members-only"]


def test_a_households_list_of_other_software_is_not_called_a_members_list(tmp_path: Path) -> None:
    """DEFECT. A households list from other software — one row per household: "Mã hộ", "Họ và tên chủ hộ", the
    head's "Ngày sinh", "Giới tính", "Dân tộc", "Số thành viên", "Phân loại hộ" — is not a return hgn reads
    (layout-unknown is right), but hgn now says "Tệp chỉ có danh sách thành viên (không có danh sách hộ)": the file
    is a households list, and the officer is told the households list is missing. The test is four member headers
    found anywhere (here Mã hộ, Ngày sinh, Giới tính, Dân tộc: a head's details), not a members list (several
    persons per household, a relation to the head, an STT, an ID). Cause: io/read.py read_return (the
    ``len(m.found) >= 4`` test of layout-members-only)."""
    grid = [["Mã hộ", "Họ và tên chủ hộ", "Ngày sinh", "Giới tính", "Dân tộc", "Số thành viên", "Phân loại hộ"],
            ["11284-0001", "Nguyễn Văn An", "12/03/1980", "Nam", "Kinh", 3, "Nghèo"],
            ["11284-0002", "Lê Thị Hường", "05/06/1975", "Nữ", "Tày", 4, "Cận nghèo"]]
    p = tmp_path / "ds_ho_ngheo.csv"
    p.write_bytes(csv_bytes(grid))
    assert [f.code for f in read_return(p).findings] == ["layout-unknown"]


# ------------------------------------------------------------------------------------------ 2025 commune (2c79359)
@pytest.fixture(scope="module")
def ward2025(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Five communes of district 288 (2024), classified, merged --to-2025-units; Phường Thành Đông (10507, 2025)
    holds old 10507 Cẩm Thượng and 10510 Bình Hàn. Cẩm Thượng's first household has no village written; Bình Hàn's
    "Khu 5" is written "Khu 5 (cũ)". `hgn report --unit 10507 --forms 1`."""
    from hgn_review.sample import generate_sample

    root = tmp_path_factory.mktemp("r48_ward")
    ret = root / "returns"
    generate_sample(ret, province="30", district="288", communes=5, households=6, seed=5, error_rate=0.0)
    (ret / "manifest.json").unlink()
    changed = {}
    for f in sorted(ret.glob("*.xlsx")):
        if not f.name.startswith(("10507", "10510")):
            continue
        wb = openpyxl.load_workbook(f)
        ws = wb[HH_SHEET]
        col = [c.value for c in ws[1]].index("Thôn, tổ dân phố") + 1
        if f.name.startswith("10507"):
            ws.cell(row=2, column=col).value = None
            changed["blank"] = ws.cell(row=2, column=1).value
        else:
            for r in range(2, ws.max_row + 1):
                if ws.cell(row=r, column=col).value == "Khu 5":
                    ws.cell(row=r, column=col).value = "Khu 5 (cũ)"
                    changed["paren"] = ws.cell(row=r, column=1).value
        wb.save(f)
    ok(hgn("classify", ret, "--out", root / "kq.xlsx", cwd=root))
    ok(hgn("merge", root / "kq.xlsx", "--out", root / "m.xlsx", "--to-2025-units", cwd=root))
    ok(hgn("report", root / "m.xlsx", "--out-dir", root / "r", "--unit", "10507", "--forms", "1", cwd=root))
    ws = openpyxl.load_workbook(root / "r" / "bieu_01.xlsx", data_only=True).worksheets[0]
    rows = {r[1]: r for r in ws.iter_rows(values_only=True) if isinstance(r[0], int) and isinstance(r[1], str)}
    return {"rows": rows, "changed": changed}


def test_2025_ward_households_without_a_village_are_not_a_row_named_by_the_old_ward(ward2025: dict[str, Any]) -> None:
    """DEFECT. In the 2025 ward's own form 01 (rows by village, results re-expressed with --to-2025-units), the
    households of old Phường Cẩm Thượng that record no village make a row labelled "(Phường Cẩm Thượng)" — which
    reads as the old ward itself (1 household), not as "Chưa rõ thôn" of it, the label every other report gives
    households without a village. _of_old_commune appends " (Phường Cẩm Thượng)" to the empty village and strips
    it, so the key's village part is no longer empty and _unit_names never puts NO_NAME[VILLAGE] on it. Cause:
    reports/view.py _of_old_commune (an empty village named by its old commune alone)."""
    assert "blank" in ward2025["changed"]
    labels = list(ward2025["rows"])
    assert "(Phường Cẩm Thượng)" not in labels, labels
    assert any("Chưa rõ thôn" in v and "Cẩm Thượng" in v for v in labels), labels


def test_2025_ward_village_with_parentheses_keeps_its_name(ward2025: dict[str, Any]) -> None:
    # guard (passes)
    """A village written "Khu 5 (cũ)" in old Phường Bình Hàn is its own row "Khu 5 (cũ) (Phường Bình Hàn)"; the
    other villages of the two old wards are named with their ward; the rows add up to the total."""
    assert "paren" in ward2025["changed"]
    labels = list(ward2025["rows"])
    assert "Khu 5 (cũ) (Phường Bình Hàn)" in labels, labels
    named = [v for v in labels if v.endswith(("(Phường Bình Hàn)", "(Phường Cẩm Thượng)"))]
    assert len(named) == len(labels), labels
    assert len(set(labels)) == len(labels)
