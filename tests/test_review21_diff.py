"""Review 21 — the changes of a128676..HEAD (birth-year scenarios, member-answer-missing, hidden-sheet choice,
--as-of refusals, start-list rows outside the round), looked at for regressions and holes.

Tests marked ``# guard (passes)`` hold behaviour found right; the others fail on the code as reviewed and each
docstring (``DEFECT.``) says what an officer sees, what is expected and the cause.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl

from conftest import COMMUNE_2, HH_SHEET, household, make_id, make_return, member
from hgn_review.pipeline import classify_paths, run_round
from hgn_review.validate import validate_paths

RICH = {"thu_nhap_bq": 5_000_000}  # well above every line: the class never turns on a member
TWO = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác"}  # under the line, 2 deprivations
SECOND_ID = make_id(birth_year=1985, female=True, serial="000777")


def kid(code: str, stt: int, born: Any, serial: str, **kw: Any) -> dict[str, Any]:
    row = {"ma_ho": code, "stt": stt, "ho_ten": f"Nguyễn Văn Bé {stt}", "ngay_sinh": born, "quan_he": "Con",
           "viec_lam": None, "so_dinh_danh": make_id(birth_year=int(str(born)[-4:]), serial=serial),
           "the_bhyt": "Có", "suy_dinh_duong": "Không", "trinh_do": "Chưa đi học", "dang_di_hoc": "Có",
           "cap_hoc": "Mầm non", **kw}
    return member(**row)


def answer_findings(paths: list[Path]) -> list[tuple[str, int | None, str, str | None]]:
    run = classify_paths(paths)
    return sorted((Path(f.file).name, f.row, f.code, f.key) for f in run.report.sorted()
                  if f.code.startswith("member-answer"))


# ------------------------------------------------------------------------------------------ member-answer-missing
def test_a_birth_written_as_a_year_is_not_called_a_blank_required_cell(tmp_path: Path) -> None:
    """DEFECT. A decided household (income 5.000.000, Không nghèo whatever its members) has a child whose birth is
    written as the year 2018 alone — allowed (return-format.md, Thành viên: ngay_sinh "date, or a year alone") —
    with no health-insurance card; another member's birth is a full date. On 15/09/2024 the child is 5 or 6, so
    BHYT is unknown. hgn warns member-answer-missing at the child's "Ngày sinh" cell: 'Ô "Ngày sinh" của thành
    viên này để trống (bắt buộc với thành viên ở tuổi này)…' — the cell holds 2018, it is not blank, and writing a
    year alone is not an error. The officer is told a filled cell is empty. Expected: no "để trống / bắt buộc"
    warning at a cell that holds the birth year (at most a note that the day of birth is needed for a form
    count). Cause: scoring/classify.py:classify calls _answers_needed(…, code="member-answer-missing") with the
    blanks of scoring/indicators.py:_blanks, whose ``ngay_sinh`` entry includes ``told_apart`` members (a year
    known, the day deciding); the 'answered' filter reads ``members["ngay_sinh"]`` (full dates), so a mixed
    return passes it."""
    path = make_return(tmp_path, [household(ma_ho="R", **RICH)],
                       [member(ma_ho="R"), kid("R", 2, 2018, "700001", the_bhyt="Không")])
    run = classify_paths([path])
    hh = run.results.households.set_index("ma_ho")
    assert hh.at["R", "phan_loai"] == "Không nghèo"
    wrong = [f.message() for f in run.report.sorted()
             if f.code == "member-answer-missing" and f.key == "ngay_sinh" and "để trống" in f.message()]
    assert wrong == [], wrong


def test_member_answer_missing_is_the_same_in_a_batch_as_alone(tmp_path: Path) -> None:
    # guard (passes)
    """Return A answers Suy dinh dưỡng for one child and leaves another child's blank (a warning there); return B
    (another commune) never writes it (no warning: the commune did not collect it). Classified together, each
    gives exactly what it gives alone."""
    a = make_return(tmp_path / "a", [household(ma_ho="A1", **RICH), household(ma_ho="A2", **RICH)],
                    [member(ma_ho="A1"), kid("A1", 2, "01/01/2020", "700001"),
                     member(ma_ho="A2", so_dinh_danh=make_id(serial="700002")),
                     kid("A2", 2, "01/01/2020", "700003", suy_dinh_duong=None)], name="11284_2024.xlsx")
    b = make_return(tmp_path / "b", [household(ma_ho="B1", ma_xa=COMMUNE_2, **RICH)],
                    [member(ma_ho="B1", so_dinh_danh=make_id(serial="700004")),
                     kid("B1", 2, "01/01/2020", "700005", suy_dinh_duong=None)], name=f"{COMMUNE_2}_2024.xlsx")
    alone = answer_findings([a]) + answer_findings([b])
    assert alone == [("11284_2024.xlsx", 5, "member-answer-missing", "suy_dinh_duong")]
    assert answer_findings([a, b]) == alone


def test_departed_households_are_not_asked_for_member_answers(tmp_path: Path) -> None:
    # guard (passes)
    """Households that moved away or dissolved (also written "chuyển đi" in lower case) are not asked to fill a
    child's Suy dinh dưỡng; the resident household is."""
    hh = [household(ma_ho="A", **RICH), household(ma_ho="B", tinh_trang_ho="chuyển đi", **RICH),
          household(ma_ho="D", tinh_trang_ho="Giải thể", **RICH)]
    mm = [member(ma_ho="A"), kid("A", 2, "01/01/2020", "700001", suy_dinh_duong=None),
          kid("A", 3, "01/01/2019", "700002")]
    for k, code in enumerate("BD"):
        mm += [member(ma_ho=code, so_dinh_danh=make_id(serial=f"80000{k}")),
               kid(code, 2, "01/01/2020", f"80001{k}", suy_dinh_duong=None)]
    path = make_return(tmp_path, hh, mm)
    assert answer_findings([path]) == [("11284_2024.xlsx", 3, "member-answer-missing", "suy_dinh_duong")]


# ------------------------------------------------------------------------------------------ birth-year scenarios
def _grandpa_household(tmp_path: Path) -> Any:
    grandpa = member(ma_ho="G", stt=3, ho_ten="Nguyễn Văn Cụ", ngay_sinh=1964, quan_he="Bố, mẹ",
                     so_dinh_danh=make_id(birth_year=1964, serial="700009"), viec_lam="Không tham gia lao động",
                     trinh_do="Tiểu học")
    path = make_return(tmp_path, [household(ma_ho="G", **TWO)],
                       [member(ma_ho="G", ngay_sinh=1980), kid("G", 2, 2012, "700001", trinh_do="Tiểu học",
                                                               cap_hoc="THCS"), grandpa])
    return classify_paths([path])


def test_a_member_whose_age_matters_only_through_the_dependents_share_keeps_the_class_open(tmp_path: Path) -> None:
    # guard (passes)
    """Head 1980, a child 2012 and the grandfather 1964, all written by year alone (15/09/2024: the grandfather
    59 or 60). His age changes no indicator of his own but the dependents share: 1/3 or 2/3. With two household
    deprivations the household is Nghèo at 60 and Cận nghèo at 59: undecided (never guessed), and the cell asked
    for is his birth (row 4), not the head's or the child's, whose two ages change nothing."""
    run = _grandpa_household(tmp_path)
    hh = run.results.households.set_index("ma_ho")
    assert hh.at["G", "phan_loai"] == "Chưa đủ thông tin", hh.at["G", "ly_do"]
    asked = [(f.row, f.key) for f in run.report.sorted() if f.code == "member-answer-needed"]
    assert asked == [(4, "ngay_sinh")], asked


def test_an_undecided_household_is_not_told_a_birth_year_cell_is_blank(tmp_path: Path) -> None:
    """DEFECT. Same household: the grandfather's "Ngày sinh" cell holds 1964 (a year alone, allowed by
    return-format.md). hgn rightly points at that cell, but says 'Ô "Ngày sinh" của thành viên này để trống mà cần
    để phân loại hộ' — the officer opens the cell, sees 1964 and is told it is empty; what is needed is the day and
    month of birth. Expected: a message that says the full birth date (day, month) is needed, not that the cell
    is blank. Cause: scoring/indicators.py:_blanks now puts year-only members whose day of birth decides
    (``told_apart``, commit db9192f) under the ``ngay_sinh`` answer, and scoring/classify.py:_answers_needed words
    every entry with the member-answer-needed text (findings.py: "… để trống …")."""
    run = _grandpa_household(tmp_path)
    said = [f.message() for f in run.report.sorted() if f.code == "member-answer-needed" and f.key == "ngay_sinh"]
    assert said and not [m for m in said if "để trống" in m], said


# ------------------------------------------------------------------------------------------ hidden sheets
def test_a_hidden_households_sheet_is_not_replaced_by_the_instructions_example(tmp_path: Path) -> None:
    """DEFECT. A return whose only households sheet "Hộ gia đình" (two households) was hidden by mistake, with the
    province's "Hướng dẫn" sheet showing a worked example (a header row Mã hộ | Họ và tên chủ hộ | Mã xã | Thôn, tổ
    dân phố and one example line 11284-0099 Nguyễn Văn Mẫu). Before this change the hidden sheet was read. Now
    `hgn validate` reads the instructions' example as the commune's households: "Không có sheet tên 'Hộ gia
    đình': đọc sheet này…" on "Hướng dẫn", the real sheet is said to be a hidden copy of "Hướng dẫn" and not read,
    8 column-missing errors, both heads member-orphan, the fictitious 11284-0099 the only household. Expected: the
    instructions sheet is never a table of households (it is skipped as such since 1c35b57); the hidden sheet,
    the only one of its name, is read (and may be said hidden). Cause: io/read.py:detect_layout (the new
    ``out_of_sight`` step) asks io/read.py:_by_headers for a visible replacement, and _by_headers does not skip
    the layout's instructions_sheet (only _more_tables does); io/read.py:_read_layout then calls the real sheet
    a copy."""
    hh = [household(), household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị Hoa")]
    mm = [member(), member(ma_ho="11284-0002", ho_ten="Lê Thị Hoa", so_dinh_danh=SECOND_ID, gioi_tinh="Nữ",
                           ngay_sinh="01/01/1985")]
    guide = [["HƯỚNG DẪN GHI BIỂU RÀ SOÁT"], ["2. Ví dụ cách ghi:"],
             ["Mã hộ", "Họ và tên chủ hộ", "Mã xã", "Thôn, tổ dân phố"],
             ["11284-0099", "Nguyễn Văn Mẫu", "11284", "Thôn Mẫu"]]
    path = make_return(tmp_path, hh, mm, raw_sheets={"Hướng dẫn": guide})
    wb = openpyxl.load_workbook(path)
    wb[HH_SHEET].sheet_state = "hidden"
    wb.save(path)
    result = validate_paths([path])
    assert sorted(result.households["ma_ho"]) == ["11284-0001", "11284-0002"], \
        [(f.code, f.sheet, f.row) for f in result.findings]
    assert not [f for f in result.findings if f.sheet == "Hướng dẫn"]


def test_a_hidden_households_sheet_alone_is_still_read(tmp_path: Path) -> None:
    # guard (passes)
    """The only households sheet hidden, no other sheet with its headers: it is read, nothing lost."""
    hh = [household(), household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị Hoa")]
    mm = [member(), member(ma_ho="11284-0002", ho_ten="Lê Thị Hoa", so_dinh_danh=SECOND_ID, gioi_tinh="Nữ",
                           ngay_sinh="01/01/1985")]
    path = make_return(tmp_path, hh, mm)
    wb = openpyxl.load_workbook(path)
    wb[HH_SHEET].sheet_state = "hidden"
    wb.save(path)
    result = validate_paths([path])
    assert sorted(result.households["ma_ho"]) == ["11284-0001", "11284-0002"]
    assert not [f for f in result.findings if f.severity == "error"]


# ------------------------------------------------------------------------------------------ start list outside the round
def _start_list(path: Path, rows: list[list[object]]) -> Path:
    wb = openpyxl.Workbook()
    wb.active.append(["Mã xã", "Mã hộ", "Phân loại", "Số định danh chủ hộ"])
    for r in rows:
        wb.active.append(r)
    wb.save(path)
    return path


def test_a_start_list_row_matched_by_the_heads_id_is_not_said_unmatched(tmp_path: Path) -> None:
    """DEFECT. The start-of-period list has one row, without a commune code, for household H1 with its head's ID;
    the round's return has H1 with that head. hgn matches it (H1's start class, dau_ky, is the list's "Nghèo"),
    yet the terminal and README.txt say "Danh sách đầu kỳ: 1 dòng thuộc 0 xã ngoài đợt rà soát này (hoặc không
    ghi mã xã) không được đối chiếu" — a row it did reconcile is said not reconciled (and "thuộc 0 xã"). Expected:
    no such note when every row was matched. Cause: scoring/movements.py:outside_review counts every row whose
    commune code is blank as outside, without the head-ID match scoring/movements.py:not_reviewed/match_status
    make."""
    head_id = make_id(serial="000001")
    make_return(tmp_path / "in", [household(ma_ho="H1", thu_nhap_bq=1_000_000, phan_loai_dau_ky="Cận nghèo")],
                [member(ma_ho="H1", so_dinh_danh=head_id, ho_ten="Người A")])
    start = _start_list(tmp_path / "ds.xlsx", [[None, "H1", "Nghèo", head_id]])
    out = run_round(tmp_path / "in", tmp_path / "out", previous=start, jobs=1)
    h = out.results.households.set_index("ma_ho")
    assert h.at["H1", "dau_ky"] == "Nghèo"  # matched: the list's start class is the one used
    said = [str(n) for n in out.notes if "Danh sách đầu kỳ" in str(n)]
    assert said == [], said


# ------------------------------------------------------------------------------------------ --as-of after the reform
def test_a_report_of_results_re_expressed_in_the_2025_units_takes_as_of_after_the_reform(tmp_path: Path) -> None:
    # guard (passes)
    """Two 2024 commune results re-expressed with hgn merge --to-2025-units: `hgn report --as-of 01/10/2025` of
    that file is not refused (its codes are the new units')."""
    from hgn_review.io.results import write_results
    from hgn_review.merge import merge_results, write_merge
    from hgn_review.reports import make_report

    kq = []
    for code, serial in (("11284", "100001"), (COMMUNE_2, "200001")):
        ret = make_return(tmp_path / "tv" / code, [household(ma_ho=f"{code}-1", ma_xa=code, thu_nhap_bq=1_000_000)],
                          [member(ma_ho=f"{code}-1", so_dinh_danh=make_id(serial=serial))], name=f"{code}.xlsx")
        write_results(classify_paths([ret]).results, tmp_path / f"kq_{code}.xlsx")
        kq.append(tmp_path / f"kq_{code}.xlsx")
    write_merge(merge_results(kq, to_2025_units=True), tmp_path / "moi.xlsx")
    make_report(tmp_path / "moi.xlsx", tmp_path / "bc", as_of=dt.date(2025, 10, 1))
    assert (tmp_path / "bc" / "bieu_01.xlsx").exists()
