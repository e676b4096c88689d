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


def test_an_income_header_in_another_unit_is_refused_and_a_unit_written_otherwise_is_not() -> None:
    """The monthly income per head under a header stating a year, a household or thousands of đồng is another
    quantity (its values are not read); the same unit written otherwise, or no unit at all, is the layout's."""
    from hgn_review.io.read import _unit_differs

    ours = "Thu nhập bình quân (đồng/người/tháng)"
    for other in ("Thu nhập bình quân (đồng/người/năm)", "Thu nhập (đồng/hộ/tháng)",
                  "Thu nhập (nghìn đồng/người/tháng)", "Thu nhập (1000đ/người/tháng)", "Thu nhập (đồng/người/quý)"):
        assert _unit_differs(ours, other) is not None, other
    for same in ("Thu nhập BQ (đ/người/tháng)", "Thu nhập (VNĐ/khẩu/tháng)", "Thu nhập (Đồng / Người / Tháng)",
                 "Thu nhập bình quân", "Thu nhập (đồng/tháng)", "Thu nhập bình quân (ghi số)"):
        assert _unit_differs(ours, same) is None, same
    assert _unit_differs("Diện tích nhà ở (m²)", "Diện tích nhà ở (m2)") is None


def test_an_income_per_year_column_is_an_error_at_its_header_and_no_household_is_classified_by_it(tmp_path: Path) -> None:
    """17,000,000 a year is 1,416,667 a month, under the rural line: read as a month's income the household would be
    Không nghèo. The header's unit is said at its cell, and the household waits (no income basis), never guessed."""
    from hgn_review.pipeline import classify_paths

    folder = tmp_path / "in"
    folder.mkdir()
    hh = sheet_grid("households", [household(thu_nhap_bq=17_000_000, diem_b1=None)])
    mm = sheet_grid("members", [member()])
    letter = col_of("households", "thu_nhap_bq")
    hh[0][openpyxl.utils.column_index_from_string(letter) - 1] = "Thu nhập bình quân (đồng/người/năm)"
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, grid in ((HH_SHEET, hh), (MM_SHEET, mm)):
        ws = wb.create_sheet(name)
        for row in grid:
            ws.append(row)
    wb.save(folder / "11284_2024.xlsx")
    run = classify_paths([folder / "11284_2024.xlsx"])
    found = [f for f in run.report.findings if f.code == "column-unit-different"]
    assert [(f.sheet, f.col, f.row) for f in found] == [(HH_SHEET, letter, 1)], found
    assert run.results.households["phan_loai"].tolist() == ["Chưa đủ thông tin"]


def test_a_standard_file_may_be_the_bundled_one_saved_again_but_not_a_changed_copy_under_its_id(tmp_path: Path) -> None:
    """The national file saved again (other bytes, the same content) loads as that standard; the same file with a
    changed line under the bundled id is refused, with a hint to give it its own id."""
    import pytest
    import yaml

    from hgn_review.errors import InputError
    from hgn_review.scoring.standard import _bundled_dir, load_standard

    data = yaml.safe_load((_bundled_dir() / "vn-2022-2025.yaml").read_text("utf-8"))
    same = tmp_path / "ban-sao.yaml"
    same.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=True), "utf-8")
    assert load_standard(same).id == "vn-2022-2025"
    data["scope"] = "local"
    changed = tmp_path / "tinh.yaml"
    changed.write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(InputError) as exc:
        load_standard(changed)
    assert "vn-2022-2025" in str(exc.value) and "id" in exc.value.hint
