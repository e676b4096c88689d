"""Review round 30: today's changes (a24605e..HEAD) — formula rows under the list, a repeated header's numbering
row, standards that drop an indicator and what validation then asks.

Workbooks whose cells are formulas are written with xlsxwriter, each formula holding its result as Excel saves it
(no recalculation asked on opening), so calamine reads what the officer sees."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from conftest import (
    HEADER,
    HH_SHEET,
    MM_SHEET,
    _columns,
    household,
    make_id,
    make_return,
    member,
    run_hgn,
    sheet_grid,
)
from hgn_review.pipeline import classify_paths
from hgn_review.validate import validate_paths

SOURCE = "Danh sách thôn"  # a village's own sheet the commune list pulls rows from: ='Danh sách thôn 1'!B3


def _write(path: Path, sheets: Mapping[str, Sequence[Sequence[Any]]],
           formula_rows: Mapping[str, set[int]] | None = None,
           cached: Mapping[str, Mapping[tuple[int, str], Any]] | None = None) -> Path:
    """Write ``sheets`` (name → grid). On ``formula_rows`` (sheet → 1-based Excel rows) every written cell becomes
    a reference to the same cell of a SOURCE sheet, which holds the value; ``cached`` (sheet → {(row, letter):
    result}) adds a formula ``=COUNTIF(…)`` with that stored result on an otherwise blank cell. Results are stored;
    the workbook does not ask Excel to compute them again."""
    import xlsxwriter

    formula_rows = formula_rows or {}
    cached = cached or {}
    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    for i, (name, grid) in enumerate(sheets.items()):
        ws = wb.add_worksheet(name)
        source = f"{SOURCE} {i + 1}"  # the village's sheet of this list's rows (values only, no header)
        src = wb.add_worksheet(source) if formula_rows.get(name) else None
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if v is None:
                    continue
                if r + 1 in formula_rows.get(name, set()):
                    assert src is not None
                    src.write(r, c, v)
                    ws.write_formula(r, c, f"='{source}'!{get_column_letter(c + 1)}{r + 1}", None, v)
                else:
                    ws.write(r, c, v)
        for (r, letter), value in cached.get(name, {}).items():
            ws.write_formula(f"{letter}{r}", f"=COUNTIF('{MM_SHEET}'!A:A,A{r})", None, value)
    wb.close()
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            zout.writestr(item, data)
    tmp.replace(path)
    return path


NAMES = ["Nguyễn Văn An", "Lê Văn Bình", "Trần Văn Cường", "Phạm Thị Dung"]


def _three() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    hh = [household(ma_ho=f"11284-000{i}", ho_ten_chu_ho=NAMES[i - 1]) for i in (1, 2, 3)]
    mm = [member(ma_ho=f"11284-000{i}", ho_ten=NAMES[i - 1], so_dinh_danh=make_id(serial=f"00123{i}"))
          for i in (1, 2, 3)]
    return hh, mm


# ------------------------------------------------------------------------------------------ formula rows (read.py)
def test_households_pulled_in_by_formulas_under_typed_ones_are_read(tmp_path: Path) -> None:
    """DEFECT. Input: a commune list of three households (rows 2–4 of both sheets). Household 11284-0001 is typed;
    11284-0002 and 11284-0003 (and their members) were pulled in from a village's own sheet by references
    (='Danh sách thôn'!A3 …), each cell showing the household's code, head's name, village, answers — and, on
    "Thành viên", the person's name and 12-digit ID. Observed: both households and both persons are dropped as
    "formula rows dragged below the list, nothing typed" (formula-rows-skipped, info only): the commune counts 1
    household instead of 3, with no error and no warning (hgn a24605e read all three). Expected: a row whose
    formulas show a household's code, a head's name, a person's ID is that household or person — Excel shows it,
    the officer reviewed it — and is read; only rows whose formulas show nothing of a record (a dragged =COUNTIF
    giving 0) are skipped. Likely cause: io/read.py:_formula_tail judges a row by whether its cells are formulas,
    never by what they show (no code, name or ID)."""
    hh, mm = _three()
    path = _write(tmp_path / "11284_2024.xlsx",
                  {HH_SHEET: sheet_grid("households", hh), MM_SHEET: sheet_grid("members", mm)},
                  formula_rows={HH_SHEET: {3, 4}, MM_SHEET: {3, 4}})
    run = classify_paths([path])
    assert sorted(run.results.households["ma_ho"].tolist()) == ["11284-0001", "11284-0002", "11284-0003"], \
        [(f.code, f.sheet, f.row) for f in run.report.findings]
    assert len(run.results.members) == 3


def test_a_typed_correction_in_a_list_built_by_formulas_keeps_the_households_below_it(tmp_path: Path) -> None:
    """DEFECT. Input: a commune list built wholly by references to a village sheet (every cell of rows 2–4 of
    "Hộ gia đình" a formula showing the household), in which the officer then typed over one cell — household
    11284-0002's income, corrected to 1,200,000. Observed: household 11284-0003, the row under the corrected one,
    is dropped (formula-rows-skipped, info) and its member reported an orphan; without the correction all three are
    read (the whole-list case is kept on purpose). A correction typed in one row thus deletes every household
    below it. Expected: the three households are read whatever cell was typed over. Likely cause:
    io/read.py:_formula_tail counts formula-only rows up from the end until the first typed cell, treating them as
    a dragged tail regardless of what they show."""
    hh, mm = _three()
    grid = sheet_grid("households", hh)
    path = _write(tmp_path / "11284_2024.xlsx", {HH_SHEET: grid, MM_SHEET: sheet_grid("members", mm)},
                  formula_rows={HH_SHEET: {2, 4}})  # row 3 (11284-0002) typed over: its cells are values
    run = classify_paths([path])
    assert sorted(run.results.households["ma_ho"].tolist()) == ["11284-0001", "11284-0002", "11284-0003"], \
        [(f.code, f.sheet, f.row) for f in run.report.findings]
    assert not [f for f in run.report.findings if f.code == "member-orphan"]


def test_a_list_wholly_built_by_formulas_is_read(tmp_path: Path) -> None:
    # guard (passes): every row of both sheets a reference to a village sheet: all read, nothing skipped
    hh, mm = _three()
    path = _write(tmp_path / "11284_2024.xlsx",
                  {HH_SHEET: sheet_grid("households", hh), MM_SHEET: sheet_grid("members", mm)},
                  formula_rows={HH_SHEET: {2, 3, 4}, MM_SHEET: {2, 3, 4}})
    run = classify_paths([path])
    assert sorted(run.results.households["ma_ho"].tolist()) == ["11284-0001", "11284-0002", "11284-0003"]
    assert not [f for f in run.report.findings if f.code == "formula-rows-skipped"]


def test_a_countif_dragged_below_the_list_is_skipped_and_said(tmp_path: Path) -> None:
    # guard (passes): =COUNTIF(…) dragged four rows past the last household (result 0, nothing else written)
    hh, mm = _three()
    letter = get_column_letter(_columns("households", "hgn", hh, ()).index("so_thanh_vien") + 1)
    path = _write(tmp_path / "11284_2024.xlsx",
                  {HH_SHEET: sheet_grid("households", hh), MM_SHEET: sheet_grid("members", mm)},
                  cached={HH_SHEET: {(r, letter): 0 for r in range(5, 9)}})
    run = classify_paths([path])
    assert len(run.results.households) == 3
    said = [(f.row, str(f.value)) for f in run.report.findings if f.code == "formula-rows-skipped"]
    assert said == [(5, "4")]
    assert not [f for f in run.report.findings if f.severity == "error"], [f.code for f in run.report.findings]


def test_a_numbering_row_under_a_repeated_header_goes_with_it(tmp_path: Path) -> None:
    # guard (passes): a header and its column-number row (typed as numbers) pasted again between households
    hkeys = _columns("households", "hgn", [household()], ())
    mkeys = _columns("members", "hgn", [member()], ())
    hh = [household(), HEADER, {k: i + 1 for i, k in enumerate(hkeys)},
          household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Bình")]
    mm = [member(), HEADER, {k: i + 1 for i, k in enumerate(mkeys)},
          member(ma_ho="11284-0002", ho_ten="Lê Văn Bình", so_dinh_danh=make_id(serial="001235"))]
    path = make_return(tmp_path, hh, mm)
    run = classify_paths([path])
    assert run.results.households["ma_ho"].tolist() == ["11284-0001", "11284-0002"]
    assert len(run.results.members) == 2
    assert sorted((f.code, f.sheet, f.row) for f in run.report.findings) == [
        ("header-row-repeated", HH_SHEET, 3), ("header-row-repeated", MM_SHEET, 3)]


# ------------------------------------------------------------------------------------------ dropped indicators
_NO_INFO = """\
id: test-no-info
title: Thử bỏ phương tiện thông tin
scope: national
extends: vn-2022-2025
source: "thử"
status: practice
indicators:
  th_phuong_tien_thong_tin: null
"""


def test_validate_under_a_standard_dropping_an_indicator_does_not_ask_its_answer(tmp_path: Path) -> None:
    # guard (passes): the information-devices answer left blank is no error under a standard without it
    std = tmp_path / "no_info.yaml"
    std.write_text(_NO_INFO, encoding="utf-8")
    path = make_return(tmp_path, [household(phuong_tien_thong_tin=None)], [member()])
    val = validate_paths([path], standard=str(std), frames=False, answers=True)
    assert not [f for f in val.report.findings if f.key == "phuong_tien_thong_tin"]
    run = classify_paths([path], standard=str(std))
    assert run.results.households["th_phuong_tien_thong_tin"].isna().all()
    assert "/11 chỉ số" in run.results.households["ly_do"].iloc[0]


def test_hgn_validate_reports_the_errors_hgn_classify_reports_with_the_same_standards(tmp_path: Path) -> None:
    """DEFECT. Input: a clean one-household return whose "Có ti vi, radio, máy tính hoặc điện thoại thông minh" is
    blank; the province classifies under its national standard file that drops that indicator (`--standard
    no_info.yaml`) and its local standard example-bac-ninh (twelve indicators, which counts it). Observed: `hgn
    validate --standard no_info.yaml` reports 0 errors (exit 0), then `hgn classify --standard no_info.yaml --local
    example-bac-ninh` reports an error at that cell (value-required: "bắt buộc nhưng để trống"). The officer who
    fixed everything validate said is surprised by an error at classification; before a24605e..HEAD both said it.
    Expected: `hgn validate` can be told the local standard (as `hgn classify` is) — or, not told, still asks what
    a standard of the round may count — so its findings are those classification will report. Likely cause:
    cli.py:validate has no --local (validate_paths' new ``local`` is never given there), while
    validate._unused_not_asked drops the finding whenever only --standard is known."""
    std = tmp_path / "no_info.yaml"
    std.write_text(_NO_INFO, encoding="utf-8")
    path = make_return(tmp_path, [household(phuong_tien_thong_tin=None)], [member()])
    cls = run_hgn("classify", path, "--standard", std, "--local", "example-bac-ninh", "--out", tmp_path / "c.xlsx",
                  "--json", cwd=tmp_path)
    assert cls.returncode == 0, cls.stderr
    assert json.loads(cls.stdout)["findings_by_code"] == {"value-required": 1}  # classification asks the answer
    val = run_hgn("validate", path, "--standard", std, "--local", "example-bac-ninh", "--json", cwd=tmp_path)
    if val.returncode == 2:  # no such option: validate cannot be told what classification will count
        val = run_hgn("validate", path, "--standard", std, "--json", cwd=tmp_path)
    codes = [(f["code"], f.get("key")) for f in json.loads(val.stdout)["findings"] if f["severity"] == "error"]
    assert codes == [("value-required", "phuong_tien_thong_tin")], (val.returncode, codes, val.stderr[-300:])


# ------------------------------------------------------------------------------------------ crosswalk (merge)
def test_unused_mapping_lines_name_the_villages_recorded_even_with_a_household_of_no_old_commune() -> None:
    # guard (passes): the vectorised unused_lines gives each unused line the villages its old commune records
    import pandas as pd

    from hgn_review.merge.crosswalk import unused_lines, village_key

    mapping = pd.DataFrame({"ma_xa_cu": ["10507", "10510"], "thon": ["Thôn Tây", "Khu 1"],
                            "ma_xa_moi": ["x", "x"], "line": [2, 3]})
    mapping["thon_key"] = village_key(mapping["thon"]).fillna("")
    old_unit = pd.Series(["10507", None, "10507", "10510", "10507"], dtype="string")
    village = pd.Series([" Thôn Đông ", "Thôn Tây", "Xóm 2", "Khu 1", None], dtype="string")
    assert unused_lines(mapping, old_unit, village) == [(2, "10507", "Thôn Tây", ["Thôn Đông", "Xóm 2"])]
