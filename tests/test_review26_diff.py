"""Review 26: today's own changes (c6860eb..HEAD) — zero-padded number cells, the cache key by installed code, the
start class of a household last round left undecided, the area of a household's own review date, the new column
and member-answer findings of `hgn validate`, several-value cells.

Tests whose docstring starts with "DEFECT." fail on the code reviewed; the others are guards (behaviour that is
right and must stay right).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import openpyxl

from conftest import HH_SHEET, MM_SHEET, col_of, household, make_id, make_return, member, run_hgn
from hgn_review.pipeline import classify_paths
from hgn_review.validate import validate_paths


def _start_list(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A start-of-period list as a commune keeps it: commune, household code, class."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["Mã xã", "Mã hộ", "Phân loại"], *rows])
    return path


def _as_number(path: Path, sheet: str, role: str, key: str, row: int, value: Any, fmt: str) -> None:
    """One cell rewritten as a number in a given number format (what Excel stores when a code is typed into a
    column formatted "0000")."""
    wb = openpyxl.load_workbook(path)
    cell = wb[sheet][f"{col_of(role, key)}{row}"]
    cell.value = value
    cell.number_format = fmt
    wb.save(path)


# ------------------------------------------------------------------------------------------ defects
def test_previous_start_unknown_names_last_rounds_result_not_nan(tmp_path: Path) -> None:
    """DEFECT. Last round's list has household A as "Chưa đủ thông tin"; this return records it "Nghèo" at the
    start. The new info finding previous-start-unknown says (vi and en) 'kết quả kỳ trước là "nan" (chưa phân loại
    được)' / 'last round's result is "nan" (not classified)' — "nan" is no class an officer ever wrote. Expected:
    the list's class as written ("Chưa đủ thông tin"). Cause: scoring/movements.py:assign_movements passes as
    ``other`` the start state match_status returns (normalised: NA for an undecided class), not the list's text."""
    listed = _start_list(tmp_path / "dau_ky.csv", [("11284", "11284-0001", "Chưa đủ thông tin")])
    path = make_return(tmp_path / "in", [household(phan_loai_dau_ky="Nghèo", thu_nhap_bq=900_000)])
    run = classify_paths([path], previous=listed)
    said = [f for f in run.report.findings if f.code == "previous-start-unknown"]
    assert len(said) == 1 and said[0].row == 2
    for lang in ("vi", "en"):
        text = said[0].message(lang)
        # (fixed by saying it in words — last round did not classify it — rather than quoting the list's text)
        assert "nan" not in text and ("chưa đủ thông tin" in text or "not enough information" in text), text


def test_a_july_household_under_a_code_gone_on_its_date_is_not_left_waiting_for_an_area(tmp_path: Path) -> None:
    """DEFECT. A regular-review return of Phường Quán Toan (11296, urban until 30/06/2025; the code is in no list
    from 1/7/2025) with two households reviewed in June and one on 02/07/2025, all earning 1,800,000 (urban line
    2,000,000). Since today's change the July household takes its area from the 1/7/2025 list, where 11296 is
    not: its area is NA and it waits "Chưa đủ thông tin: thiếu khu vực (thành thị/nông thôn)" — though its row
    lacks nothing (Khu vực is to be left blank, "lấy theo danh mục") — while `hgn validate` exits 0 and nothing
    is said of its commune code (a return of only July households gets commune-unknown at each row, naming the
    commune 11296 went into). Before the change it was classified Cận nghèo under the return's (June) list.
    Expected: classified with the area of the return's list, or a finding at the household's "Mã xã" cell that
    the code is not in the unit list of its review date. Cause: validate.py:_area_of_own_date sets the area NA
    where the code is not in the own-date list, while validate.py:_admin_checks checks the codes only against
    the file's date list."""
    days = {"JUN1": "15/06/2025", "JUN2": "20/06/2025", "JUL": "02/07/2025"}
    hh = [household(ma_ho=code, ma_xa="11296", ngay_ra_soat=day, thu_nhap_bq=1_800_000, ho_nlndn="Không")
          for code, day in days.items()]
    mm = [member(ma_ho=code, so_dinh_danh=make_id(serial=f"00010{i}")) for i, code in enumerate(days)]
    path = make_return(tmp_path, hh, mm, name="11296_2025.xlsx")
    run = classify_paths([path])
    out = run.results.households.set_index("ma_ho")
    assert out.loc["JUN1", "phan_loai"] == "Cận nghèo"  # the June households: urban on their date
    row = int(out.loc["JUL", "row"])
    on_code = [f.code for f in run.report.findings if f.row == row and f.key == "ma_xa"]
    assert out.loc["JUL", "phan_loai"] == "Cận nghèo" or on_code, (out.loc["JUL", "phan_loai"], out.loc["JUL", "ly_do"])


def test_a_moved_in_household_is_not_told_its_start_class_is_the_returns(tmp_path: Path) -> None:
    """DEFECT. Household B is on last round's list as "Chưa đủ thông tin" and this return records it "Chuyển đến"
    with start "Cận nghèo". It is counted as an increase (Tăng khác), not in the start figure, and the warning
    previous-listed-as-new says so — but the new info previous-start-unknown at the same row says "its start
    class is the one the return records: Cận nghèo" (and the results' Đầu kỳ column shows Cận nghèo). Two
    findings on one household say opposite things of its start. Expected: no previous-start-unknown for a
    household counted as moved in (its start is not taken from anywhere). Cause:
    scoring/movements.py:assign_movements — ``own`` does not leave out households whose status is STATUS_IN."""
    listed = _start_list(tmp_path / "dau_ky.csv", [("11284", "B", "Chưa đủ thông tin")])
    path = make_return(tmp_path / "in", [household(ma_ho="B", phan_loai_dau_ky="Cận nghèo", tinh_trang_ho="Chuyển đến",
                                                   thu_nhap_bq=900_000)], [member(ma_ho="B")])
    run = classify_paths([path], previous=listed)
    hh = run.results.households
    assert hh["dien_bien"].tolist() == ["Tăng khác"]
    codes = sorted(f.code for f in run.report.findings if f.row == 2 and f.code.startswith("previous-"))
    assert codes == ["previous-listed-as-new"], codes


# ------------------------------------------------------------------------------------------ guards
def test_padded_code_and_text_code_link_in_an_xlsm(tmp_path: Path) -> None:
    """# guard (passes): an .xlsm return, the household code typed as text "0001" on the households sheet and as the
    number 1 in a "0000" cell on the members sheet: one household, code "0001"."""
    path = make_return(tmp_path, [household(ma_ho="0001")], [member(ma_ho="0001")])
    _as_number(path, MM_SHEET, "members", "ma_ho", 2, 1, "0000")
    xlsm = path.with_suffix(".xlsm")
    path.rename(xlsm)
    res = validate_paths([xlsm])
    assert not [f for f in res.findings if f.severity == "error"], [f.code for f in res.findings]
    assert res.members["ma_ho"].tolist() == ["0001"]


def test_a_decimal_or_a_date_in_a_padded_cell_is_read_as_before(tmp_path: Path) -> None:
    """# guard (passes): "000" on a B1 score with decimals (not a whole number: not padded) leaves the value as it
    was read."""
    path = make_return(tmp_path, [household(thu_nhap_bq=None, diem_b1=120.5)])
    _as_number(path, HH_SHEET, "households", "diem_b1", 2, 120.5, "000")
    res = validate_paths([path])
    assert res.households["diem_b1"].tolist() == [120.5]
    assert not [f for f in res.findings if f.severity == "error"], [f.code for f in res.findings]


def test_validate_says_an_unusable_member_answer_once_per_cell(tmp_path: Path) -> None:
    """# guard (passes): "Chưa rõ" in a member's BHYT cell is one finding at that cell in `hgn validate` (the
    yes/no error), not also member-answer-missing."""
    path = make_return(tmp_path, members=[member(the_bhyt="Chưa rõ")])
    proc = run_hgn("validate", path, "--json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    found = [f for f in json.loads(proc.stdout)["findings"] if f.get("sheet") == MM_SHEET and f.get("row") == 2]
    assert [f["code"] for f in found] == ["value-not-yes-no"], found


def test_missing_income_columns_is_an_error_in_english_too(tmp_path: Path) -> None:
    """# guard (passes): neither income nor B1 column: column-missing-one-of, exit 1, worded in English."""
    path = make_return(tmp_path, [household(thu_nhap_bq=None)], drop={"households": ["thu_nhap_bq", "diem_b1"]})
    proc = run_hgn("validate", path, "--json", "--lang", "en", cwd=tmp_path)
    found = json.loads(proc.stdout)["findings"]
    assert proc.returncode == 1
    said = [f for f in found if f["code"] == "column-missing-one-of"]
    assert len(said) == 1 and "Điểm B1" in said[0]["message"] and "is needed" in said[0]["message"], found


def test_several_values_name_only_the_wrong_part(tmp_path: Path) -> None:
    """# guard (passes): "Thiếu vốn; xyz" is said to hold "xyz" not in the list, not the whole cell."""
    path = make_return(tmp_path, [household(nguyen_nhan_ngheo="Thiếu vốn; xyz")])
    said = [f for f in validate_paths([path]).findings if f.code == "value-not-in-list-multi"]
    assert len(said) == 1 and '"xyz" is not' in said[0].message("en"), [f.message("en") for f in said]
