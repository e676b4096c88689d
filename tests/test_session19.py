"""Session 19: the marked copy of an .xls or .ods return keeps each cell's type as the return holds it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from conftest import HH_SHEET, MM_SHEET, col_of, household, member, sheet_grid, write_ods, write_xls
from hgn_review.io.write import write_findings_xlsx
from hgn_review.validate import validate_paths


def _copy(tmp_path: Path, folder: Path) -> Path:
    """The marked copy `hgn validate --report-xlsx` writes of the one return in ``folder``."""
    result = validate_paths([folder], frames=False)
    written = write_findings_xlsx(result.report, tmp_path / "out" / "phat_hien.xlsx", "vi",
                                  copies={r.path: result.sources.get(r.path, Path(r.path)) for r in result.returns})
    assert len(written) == 2, written
    return written[1]


def _set(grid: list[list[Any]], role: str, key: str, value: Any, row: int = 1) -> str:
    """Put ``value`` in column ``key`` of data row ``row`` (1 = first under the header); the cell's address."""
    letter = col_of(role, key)
    grid[row][openpyxl.utils.column_index_from_string(letter) - 1] = value
    return f"{letter}{row + 1}"


def test_a_copy_of_an_ods_return_keeps_text_codes_dates_and_true_false(tmp_path: Path) -> None:
    """A code typed as text ("12345") stays text in the copy (it used to become the number 12345, which Excel
    shows without the text format the commune gave it); a date-time stays a date (it became the text
    "2024-09-23 10:30:00"); a TRUE stays a true/false cell (it became the text "True"); a number stays a number."""
    folder = tmp_path / "in"
    folder.mkdir()
    hh = sheet_grid("households", [household(dien_tich_nha="abc")])
    mm = sheet_grid("members", [member()])
    code_at = _set(hh, "households", "thon", "12345")
    income_at = _set(hh, "households", "thu_nhap_bq", 1500000)
    day_at = _set(hh, "households", "ngay_ra_soat", dt.datetime(2024, 9, 23, 10, 30))
    flag_at = _set(hh, "households", "ra_soat_vien", True)
    write_ods(folder / "11284_2024.ods", {HH_SHEET: hh, MM_SHEET: mm})
    ws = openpyxl.load_workbook(_copy(tmp_path, folder))[HH_SHEET]
    assert ws[code_at].value == "12345" and ws[code_at].data_type == "s", repr(ws[code_at].value)
    assert ws[income_at].value == 1500000 and isinstance(ws[income_at].value, int)
    assert ws[day_at].value == dt.datetime(2024, 9, 23, 10, 30), repr(ws[day_at].value)
    assert "dd/mm/yyyy" in ws[day_at].number_format
    assert ws[flag_at].value is True, repr(ws[flag_at].value)


def test_a_copy_of_an_xls_return_keeps_text_codes_and_zero_padded_numbers(tmp_path: Path) -> None:
    """In an .xls, a code typed as text stays text in the copy, and a number formatted "0000" (shown 0012) keeps
    its number and the format that shows it as 0012 — before, the code became a number and 0012 became 12."""
    folder = tmp_path / "in"
    folder.mkdir()
    hh = sheet_grid("households", [household(dien_tich_nha="abc")])
    mm = sheet_grid("members", [member()])
    code_at = _set(hh, "households", "thon", "12345")
    padded_at = _set(hh, "households", "ma_ho", 12)
    income_at = _set(hh, "households", "thu_nhap_bq", 1500000)
    padded_col = openpyxl.utils.column_index_from_string(col_of("households", "ma_ho")) - 1
    write_xls(folder / "11284_2024.xls", {HH_SHEET: hh, MM_SHEET: mm}, formats={(HH_SHEET, 1, padded_col): "0000"})
    ws = openpyxl.load_workbook(_copy(tmp_path, folder))[HH_SHEET]
    assert ws[code_at].value == "12345" and ws[code_at].data_type == "s", repr(ws[code_at].value)
    assert ws[padded_at].value == 12 and ws[padded_at].number_format == "0000", \
        (ws[padded_at].value, ws[padded_at].number_format)
    assert ws[income_at].value == 1500000


def test_a_copy_of_a_csv_return_types_cells_by_their_text(tmp_path: Path) -> None:
    """A CSV keeps no types: numbers are typed by their text and a code with its leading zero stays text (as
    before); a text that starts with "=" stays that text — it used to become a formula of the copy, which Excel
    computes (and would run whatever the cell asked of it)."""
    folder = tmp_path / "in"
    folder.mkdir()
    hh = sheet_grid("households", [household(dien_tich_nha="abc")])
    _set(hh, "households", "ra_soat_vien", "=1+1")
    _set(hh, "households", "thon", "012")
    lines = [",".join("" if v is None else f'"{v}"' for v in row) for row in hh]
    (folder / "11284_2024.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    ws = openpyxl.load_workbook(_copy(tmp_path, folder)).worksheets[0]
    income = ws[f"{col_of('households', 'thu_nhap_bq')}2"]
    assert isinstance(income.value, int | float), repr(income.value)
    note = ws[f"{col_of('households', 'ra_soat_vien')}2"]
    assert note.value == "=1+1" and note.data_type == "s", (note.value, note.data_type)
    assert ws[f"{col_of('households', 'thon')}2"].value == "012"
