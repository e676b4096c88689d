"""Review 8 (today's changes, 366732b..HEAD): defects in the fixes themselves — a new check that fires on a good
return, two fixes that meet badly, a new rule decided from one cell.

Each test writes small commune returns cell by cell (conftest.py), runs the public commands as an officer would
and asserts on codes, counts and classes. Every test here fails on the code as reviewed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from conftest import household, make_id, make_return, member, ok, run_hgn


def validate_json(path: Path, cwd: Path) -> list[dict[str, Any]]:
    """The findings of `hgn validate --json`."""
    proc = run_hgn("validate", path, "--json", cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)["findings"]


# ------------------------------------------------------------------------------------------ column-no-header
def test_a_notes_column_under_a_two_row_header_is_not_said_to_have_no_header(tmp_path: Path) -> None:
    """Input: a households sheet with the two-row header band communes copy from the official forms ("Thiếu hụt"
    over the twelve indicator sub-headers, every other header merged down over both rows), and a last column
    headed "Ghi chú" — merged down over both rows like its neighbours — holding "Hộ mới tách" on one household.
    Now: `hgn validate` warns `column-no-header` at that column: "Cột AJ có chữ … nhưng không có tiêu đề, nên không
    được đọc" and tells the commune to give the column a header. It has one, "Ghi chú", in the same merged cell
    shape as every other header of the sheet (which hgn reads: Mã hộ, Họ và tên chủ hộ … are all merged down).
    Must: no `column-no-header` there (an extra column with a header is kept and reported as information:
    return-format.md "Extra columns are kept and reported as information, never dropped silently").
    Why: a false warning on a good return is a cost — the commune is told to fix a header it has; the new check
    (commit f9b416d) takes "not matched and not a string in the chosen header row" for "no header", but a header
    merged down over two rows is a string only in the row above."""
    ret = make_return(tmp_path, [household(**{"Ghi chú": "Hộ mới tách"}),
                                 household(ma_ho="11284-0002", **{"Ghi chú": None})],
                      [member(), member(ma_ho="11284-0002", so_dinh_danh=make_id(serial="000002"))],
                      group_band=True)
    found = validate_json(ret, tmp_path)
    assert [f for f in found if f["code"] == "column-no-header"] == []


# ------------------------------------------------------------------------------------------ income-unreadable
def test_an_income_cell_holding_only_a_zero_width_space_does_not_block_the_household(tmp_path: Path) -> None:
    """Input: household 11284-0001 (not NLNDN) assessed by its B1 score 120 (≤ the 140 cut-off), its income
    cell holding nothing visible: a zero-width space (U+200B) pasted with the row, the case commit d05738b reads
    as blank ("invisible characters are dropped when a cell is read").
    Now: `hgn validate` reports nothing at all for the cell (it is blank once read), yet `hgn classify` blocks the
    household: loi_chan "income-unreadable", class "Chưa đủ thông tin", basis none — "thu nhập bình quân ghi nhưng
    không đọc được" with no finding at any cell the commune could fix. The same cell holding a no-break space
    instead is blank and the household is Cận nghèo by its B1 score.
    Must: a cell hgn reads as blank is blank for the income test too: the household is classified from B1
    (Cận nghèo, basis diem_b1), not blocked.
    Why: domain.md §2.4, the income test is decided from "a measured monthly income per head if given …, else the
    B1 total"; none was given. The income-unreadable block (d05738b) tests the raw cell for "written", the
    invisible-character fix (same commit) reads it as blank: a household blocked for a cell that has nothing to
    fix."""
    ret = make_return(tmp_path, [household(thu_nhap_bq="\u200b", diem_b1=120, ho_nlndn="Không")], [member()])
    ok(run_hgn("classify", ret, "--out", tmp_path / "kq.xlsx", "--parquet", tmp_path / "pq", cwd=tmp_path))
    hh = pd.read_parquet(tmp_path / "pq" / "households.parquet").set_index("ma_ho")
    assert pd.isna(hh.at["11284-0001", "loi_chan"])
    assert hh.at["11284-0001", "phan_loai"] == "Cận nghèo"
    assert hh.at["11284-0001", "co_so_thu_nhap"] == "diem_b1"


# ------------------------------------------------------------------------------------------ the round's year
def _three_communes(folder: Path, odd_date: str) -> None:
    """Returns of three communes of Huyện Thanh Miện, all reviewed on 15/09/2024 — but one household of Xã Chi
    Lăng Nam, whose review date is ``odd_date``."""
    folder.mkdir(parents=True, exist_ok=True)
    make_return(folder, [household(ma_ho="11284-0001"), household(ma_ho="11284-0002", ngay_ra_soat=odd_date)],
                [member(ma_ho="11284-0001"), member(ma_ho="11284-0002", so_dinh_danh=make_id(serial="000002"))],
                name="11284_2024.xlsx")
    make_return(folder, [household(ma_ho="11287-0001", ma_xa="11287")],
                [member(ma_ho="11287-0001", so_dinh_danh=make_id(serial="000003"))], name="11287_2024.xlsx")
    make_return(folder, [household(ma_ho="11281-0001", ma_xa="11281")],
                [member(ma_ho="11281-0001", so_dinh_danh=make_id(serial="000004"))], name="11281_2024.xlsx")


def test_one_household_dated_next_year_does_not_set_its_whole_commune_apart_from_the_round(tmp_path: Path) -> None:
    """Input: `hgn run` over the 2024 returns of three communes of one district; in Xã Chi Lăng Nam's return one
    household of two has its review date typed 15/03/2025 (every other household of the folder: 15/09/2024).
    15/03/2025 is under the 2022–2025 standard, so no finding is made on the household.
    Now: the return's year is its *latest* review date, 2025; the round is 2024, so the whole return is set
    apart (file-outside-round) — the forms and lists of the district are produced without Xã Chi Lăng Nam
    ("Thiếu kết quả của 11284"): 2 households in the round instead of 4, because of one cell.
    Must: a return whose households are of this round is in the round; the household with the odd date is the one
    to report, not the commune to drop. At the least the household dated 15/09/2024 is counted: 3 households or
    more, and 11284 is not a missing commune.
    Why: domain.md §1 — the periodic review runs 01/9–15/11 of one year, one round per year; the new rule (commit
    904acf0, "a return of another year's round (an old file left in the folder)") is meant for old files, but it
    judges a file by its one latest cell."""
    _three_communes(tmp_path / "in", "15/03/2025")
    proc = ok(run_hgn("run", "in", "--out", "out", "--json", cwd=tmp_path))
    summary = json.loads(proc.stdout)
    assert summary["households"] >= 3
    hh = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet")
    assert "11284-0001" in set(hh["ma_ho"].astype(str))


def test_merge_does_not_refuse_a_commune_result_for_one_household_dated_next_year(tmp_path: Path) -> None:
    """Input: the commune results (`hgn classify`) of Xã Chi Lăng Nam and Xã Thanh Giang, 2024 round; in Chi Lăng
    Nam one household of two has its review date typed 15/03/2025, the rest 15/09/2024 (no finding: the date is
    under the 2022–2025 standard). `hgn merge` of the two into their district.
    Now: refused (exit 3): "thuộc các đợt rà soát của những năm khác nhau — … rà soát năm 2025: 11284.xlsx", as
    if Chi Lăng Nam's result were of the 2025 round; the hint asks to merge one round's results only, which these
    are. The officer's only way on is --allow-mixed, which also lets real mixtures through.
    Must: the two results of the 2024 round merge (exit 0).
    Why: domain.md §1 (one periodic review per year, 01/9–15/11); the rule added in commit 904acf0 takes a result's
    year from its latest review date (meta review_date), so one mistyped cell decides the year of a commune."""
    _three_communes(tmp_path / "in", "15/03/2025")
    for code in ("11284", "11287"):
        ok(run_hgn("classify", f"in/{code}_2024.xlsx", "--out", f"{code}.xlsx", cwd=tmp_path))
    proc = run_hgn("merge", "11284.xlsx", "11287.xlsx", "--out", "huyen.xlsx", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
