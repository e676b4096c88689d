"""Review of movements (domain.md §3): the start-of-period list matched against the review, categories, tables.

Each test builds small returns by hand (conftest's ``make_return``), writes the start-of-period list an officer
would give to ``--previous`` and checks the start states, categories and findings against domain.md §3 worked out
by hand. Every test here failed on the code reviewed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from conftest import household, make_id, make_return, member
from hgn_review.errors import HgnError
from hgn_review.io.results import write_results
from hgn_review.pipeline import classify_paths

# income under the rural line and deprived in housing quality, water and latrine (3 indicators): Nghèo
POOR: dict[str, Any] = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
# income under the line and deprived in nothing: Cận nghèo
NEAR: dict[str, Any] = {"thu_nhap_bq": 1_000_000}
# income well above the line: Không nghèo
ABOVE: dict[str, Any] = {"thu_nhap_bq": 5_000_000}
AFTER_REFORM = "01/10/2025"  # a review after 1/7/2025: the new communes (10507, 10532, 10537 …)
ID = {k: make_id(serial=f"0000{i:02d}") for i, k in enumerate("ABCDEFG", 1)}  # heads' IDs, all "030…"


def _list(path: Path, rows: list[list[Any]], header: list[str] | None = None,
          title: list[list[Any]] | None = None) -> Path:
    """A start-of-period list as an officer types it in Excel (values written as given: text or numbers)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for r in title or []:
        ws.append(r)
    ws.append(header or ["Mã xã", "Mã hộ", "Phân loại", "Số định danh chủ hộ"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _head(code: str, who: str) -> dict[str, Any]:
    return member(ma_ho=code, so_dinh_danh=ID[who], ho_ten=f"Người {who}")


def _table(run: Any, commune: str, table: str) -> pd.Series:
    t = run.classification.movements
    return t[(t["ma_xa"] == commune) & (t["bang"] == table)].iloc[0]


def _found(run: Any, code: str) -> list[tuple[str, str]]:
    return [(Path(f.file).name, str(f.value)) for f in run.report.findings if f.code == code]


# ------------------------------------------------------------------------------------------ one list row, one household
def test_a_list_household_matched_by_its_code_is_not_matched_again_by_its_heads_id(tmp_path: Path) -> None:
    """The list holds one managed poor household of 11284: code H1, head A. The review has H1 (now headed by B)
    and H9 (headed by A). H1 is matched by commune + code; the list row is then used and cannot also be H9's
    start (matched "by code first, then by the head's ID"). The poor table's start is 1, the list's one
    household — it was 2: the row was matched by code to H1 and again by head ID to H9."""
    ret = make_return(tmp_path, [household(ma_ho="H1", **POOR), household(ma_ho="H9", **POOR)],
                      [_head("H1", "B"), _head("H9", "A")])
    prev = _list(tmp_path / "dau_ky.xlsx", [["11284", "H1", "Nghèo", ID["A"]]])
    run = classify_paths([ret], previous=prev)
    assert _table(run, "11284", "Nghèo")["dau_ky"] == 1
    assert run.results.households.set_index("ma_ho").at["H1", "dien_bien"] == "Tiếp tục nghèo"


# ------------------------------------------------------------------------------------------ ambiguous keys
def test_two_old_communes_households_with_one_code_are_not_lost_when_the_review_has_one(tmp_path: Path) -> None:
    """The start list was made before 1/7/2025: 10510/H0 (poor, head A) and 10519/H0 (near-poor, head C). Both
    old wards are now ward 10507, so the key 10507/H0 is ambiguous and matches nothing; H0 of the review (head A)
    is matched by its head's ID to the first. The near-poor household of 10519 is in no household of the
    review: it must be reported previous-not-reviewed (a managed household is never dropped from the start
    figures silently). It was silent: not_reviewed counts every list row whose key equals a review key as seen,
    also a key that matched nothing because it is ambiguous."""
    ret = make_return(tmp_path, [household(ma_ho="H0", ma_xa="10507", ngay_ra_soat=AFTER_REFORM, **POOR)],
                      [_head("H0", "A")], name="10507.xlsx")
    prev = _list(tmp_path / "dau_ky.xlsx", [["10510", "H0", "Nghèo", ID["A"]], ["10519", "H0", "Cận nghèo", ID["C"]]])
    run = classify_paths([ret], previous=prev)
    assert run.results.households.at[0, "dien_bien"] == "Tiếp tục nghèo"
    assert ("10507.xlsx", "H0") in _found(run, "previous-not-reviewed")


def test_a_duplicated_code_in_the_list_does_not_hide_the_missing_household(tmp_path: Path) -> None:
    """Two managed poor households of 11284 share code H1 on the list (heads A and C); the review has one, headed
    by A. The other one (head C) was not reviewed: previous-not-reviewed — it was silent."""
    ret = make_return(tmp_path, [household(ma_ho="H1", **POOR)], [_head("H1", "A")])
    prev = _list(tmp_path / "dau_ky.xlsx", [["11284", "H1", "Nghèo", ID["A"]], ["11284", "H1", "Nghèo", ID["C"]]])
    run = classify_paths([ret], previous=prev)
    assert _found(run, "previous-not-reviewed") == [("11284_2024.xlsx", "H1")]


# ------------------------------------------------------------------------------------------ values typed as numbers
def test_a_heads_id_typed_as_a_number_in_the_list_still_matches(tmp_path: Path) -> None:
    """The list's ID column was typed as numbers, so Excel dropped the leading zero (30080000001 for
    030080000001; every ID starts with 0, domain.md §4). The household changed its code (H-cu → H-moi): it is
    matched by its head's ID and continues poor. It was 'Nghèo mới', with a previous-not-reviewed error for
    H-cu."""
    ret = make_return(tmp_path, [household(ma_ho="H-moi", phan_loai_dau_ky=None, **POOR)], [_head("H-moi", "A")])
    prev = _list(tmp_path / "dau_ky.xlsx", [[11284, "H-cu", "Nghèo", int(ID["A"])]])
    run = classify_paths([ret], previous=prev)
    assert run.results.households.at[0, "dien_bien"] == "Tiếp tục nghèo"
    assert _found(run, "previous-not-reviewed") == []


# ------------------------------------------------------------------------------------------ last round's results
def _round(tmp_path: Path, name: str, households: list[dict[str, Any]], members: list[dict[str, Any]],
           **kw: Any) -> Path:
    """One commune's round classified and written as an hgn results workbook."""
    ret = make_return(tmp_path / name, households, members)
    out = tmp_path / f"{name}.xlsx"
    write_results(classify_paths([ret], **kw).results, out)
    return out


def test_last_rounds_results_do_not_put_a_household_that_left_on_the_start_list(tmp_path: Path) -> None:
    """Last round (results of 2024): H1 poor and staying, H2 poor and moved away (Chuyển đi: counted in
    'Giảm khác', not in last round's end). This round's start is last round's end: H1 only. The return of this
    round rightly lists only H1; it was an error 'H2 … not in the commune's return' (previous-not-reviewed)."""
    last = _round(tmp_path, "2024", [household(ma_ho="H1", phan_loai_dau_ky="Nghèo", **POOR),
                                     household(ma_ho="H2", phan_loai_dau_ky="Nghèo", tinh_trang_ho="Chuyển đi",
                                               **POOR)],
                  [_head("H1", "A"), _head("H2", "B")])
    ret = make_return(tmp_path / "2025", [household(ma_ho="H1", ngay_ra_soat="20/06/2025", **POOR)], [_head("H1", "A")])
    run = classify_paths([ret], previous=last)
    assert run.results.households.at[0, "dien_bien"] == "Tiếp tục nghèo"
    assert _found(run, "previous-not-reviewed") == []


def test_a_household_that_escaped_last_period_and_is_poor_again_is_a_relapse(tmp_path: Path) -> None:
    """Last round's results say H1 was poor at the start of 2023 and escaped (Thoát nghèo). In 2024 it is poor
    again: it was poor in an earlier period and not at the start of this one — 'Tái nghèo' (domain.md §3), with
    that results file given as --previous and as --history. It was 'Nghèo mới': the history is read only for
    its end class, never for the start class the same file records."""
    last = _round(tmp_path, "2023", [household(ma_ho="H1", phan_loai_dau_ky="Nghèo", ngay_ra_soat="15/09/2023",
                                               **ABOVE)], [_head("H1", "A")])
    ret = make_return(tmp_path / "2024", [household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")])
    run = classify_paths([ret], previous=last, history=[last])
    assert run.results.households.at[0, "dau_ky"] == "Không"
    assert run.results.households.at[0, "dien_bien"] == "Tái nghèo"
    assert _table(run, "11284", "Nghèo")["tang_tai"] == 1


# ------------------------------------------------------------------------------------------ moved between communes
def test_a_managed_household_recorded_only_where_it_moved_to_is_reported_on_its_old_commune(tmp_path: Path) -> None:
    """The list: 11284/A1 poor (head A), 11284/A2 near-poor. A1 moved to 11287, whose return lists it as
    'Chuyển đến' (an other increase there). 11284's return leaves A1 out instead of recording 'Chuyển đi', so
    11284's poor table starts at 0 although the managed list has 1 — the district's start is one short and the
    move shows as an increase only. A managed household must be reviewed 'even to record that it left': A1 is
    reported on 11284's return. It was silent (matched by its head's ID in another commune, it counted as
    reviewed)."""
    a = make_return(tmp_path, [household(ma_ho="A2", **NEAR)], [_head("A2", "C")], name="11284.xlsx")
    b = make_return(tmp_path, [household(ma_ho="B7", ma_xa="11287", tinh_trang_ho="Chuyển đến", **POOR)],
                    [_head("B7", "A")], name="11287.xlsx")
    prev = _list(tmp_path / "dau_ky.xlsx", [["11284", "A1", "Nghèo", ID["A"]], ["11284", "A2", "Cận nghèo", ID["C"]]])
    run = classify_paths([a, b], previous=prev)
    assert _table(run, "11287", "Nghèo")["tang_khac"] == 1
    assert ("11284.xlsx", "A1") in [(Path(f.file).name, str(f.value)) for f in run.report.findings]


# ------------------------------------------------------------------------------------------ the 2025 reform
def test_an_old_commune_split_in_two_matches_its_households_by_code_in_the_new_commune_that_has_them(
        tmp_path: Path) -> None:
    """A list made before 1/7/2025 without the heads' IDs (the column is optional): 10528/Z1 poor, 10528/Q1
    near-poor. Old 10528 was split between 10532 and 10537; the review has Z1 in 10532 and Q1 in 10537, each
    code in one of the two only. Each is matched by its code (Z1 continues poor, Q1 near-poor → poor) and no
    household is reported missing. It was: both 'Chưa rõ phân loại đầu kỳ', both previous-unmatched, and two
    previous-not-reviewed errors on 10532's return — Q1 among them, though it is in 10537's return."""
    a = make_return(tmp_path, [household(ma_ho="Z1", ma_xa="10532", ngay_ra_soat=AFTER_REFORM, phan_loai_dau_ky=None,
                                         **POOR)], [_head("Z1", "A")], name="10532.xlsx")
    b = make_return(tmp_path, [household(ma_ho="Q1", ma_xa="10537", ngay_ra_soat=AFTER_REFORM, phan_loai_dau_ky=None,
                                         **POOR)], [_head("Q1", "B")], name="10537.xlsx")
    prev = _list(tmp_path / "dau_ky.xlsx", [["10528", "Z1", "Nghèo"], ["10528", "Q1", "Cận nghèo"]],
                 header=["Mã xã", "Mã hộ", "Phân loại"])
    run = classify_paths([a, b], previous=prev)
    assert run.results.households.set_index("ma_ho")["dien_bien"].to_dict() == {
        "Z1": "Tiếp tục nghèo", "Q1": "Cận nghèo thành nghèo"}
    assert _found(run, "previous-not-reviewed") == []


# ------------------------------------------------------------------------------------------ reading the list
def test_a_start_list_saved_as_csv_is_read(tmp_path: Path) -> None:
    """'any table with Mã xã / Mã hộ / Phân loại columns': the same list saved as .csv (UTF-8) is read like
    the .xlsx. It stopped with 'Không đọc được danh sách đầu kỳ … Cannot detect file format' (exit 3)."""
    ret = make_return(tmp_path, [household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")])
    prev = tmp_path / "dau_ky.csv"
    prev.write_text("Mã xã,Mã hộ,Phân loại\n11284,H1,Cận nghèo\n", encoding="utf-8")
    run = classify_paths([ret], previous=prev)
    assert run.results.households.at[0, "dien_bien"] == "Cận nghèo thành nghèo"


def test_a_start_list_with_a_title_above_its_header_is_read(tmp_path: Path) -> None:
    """A list as districts send it: a title row and a blank row above the header (returns with title rows are
    read). Its households are matched; it stopped with 'thiếu cột: ma_ho, phan_loai' (the title taken for the
    header)."""
    ret = make_return(tmp_path, [household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")])
    prev = _list(tmp_path / "dau_ky.xlsx", [["11284", "H1", "Cận nghèo"]], header=["Mã xã", "Mã hộ", "Phân loại"],
                 title=[["DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO ĐẦU KỲ NĂM 2024"], []])
    run = classify_paths([ret], previous=prev)
    assert run.results.households.at[0, "dien_bien"] == "Cận nghèo thành nghèo"


def test_a_start_list_without_the_commune_column_is_refused_or_matched(tmp_path: Path) -> None:
    """A list without 'Mã xã' can never be matched by commune + code. Either it is refused naming the column
    (the hint already says 'Cần các cột Mã xã, Mã hộ, Phân loại') or its households are matched by code. It was
    accepted and matched nothing: H1 became 'Chưa rõ phân loại đầu kỳ' and the managed poor household H9, in no
    return, was not reported."""
    ret = make_return(tmp_path, [household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")])
    prev = _list(tmp_path / "dau_ky.xlsx", [["H1", "Nghèo"], ["H9", "Nghèo"]], header=["Mã hộ", "Phân loại"])
    try:
        run = classify_paths([ret], previous=prev)
    except HgnError as exc:
        assert "Mã xã" in str(exc) or "ma_xa" in str(exc)
        return
    assert run.results.households.at[0, "dien_bien"] == "Tiếp tục nghèo"
