"""Review 8 (classification under the 2022–2025 standard): defects found by checking `hgn classify` line by line
against domain.md §2 and src/hgn_review/scoring/standards/vn-2022-2025.yaml.

Each test writes a small commune return cell by cell (conftest.py), runs `hgn classify` as an officer would and
reads the households of the Parquet bundle it writes. Every test here fails on the code as reviewed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from conftest import household, make_id, make_return, member, ok, run_hgn

# two household-level deprivations (housing quality, water): a third one makes the household poor
TWO = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác"}


def classify(tmp_path: Path, households: list[dict[str, Any]], members: list[dict[str, Any]],
             *args: object) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(households indexed by ma_ho, findings) of `hgn classify` on one return."""
    ret = make_return(tmp_path, households, members)
    ok(run_hgn("classify", ret, "--out", tmp_path / "kq.xlsx", "--parquet", tmp_path / "pq", *args, cwd=tmp_path))
    hh = pd.read_parquet(tmp_path / "pq" / "households.parquet").set_index("ma_ho")
    found = pd.read_parquet(tmp_path / "pq" / "findings.parquet")
    return hh, found


# ------------------------------------------------------------------------------------------ undecided only when it matters
def test_a_teenager_known_only_by_birth_year_is_deprived_in_one_education_indicator_either_way(tmp_path: Path) -> None:
    """Household A (income 1,000,000, rural; non-durable house and unsafe water: 2 deprivations) has the head,
    his wife and a son whose birth is written as the year 2008 alone; on the review date 15/09/2024 he is 15 or
    16. The son does not go to school and finished only primary school (Tiểu học). At 15 he is a child of 3 to
    under 16 not attending school (indicator 6); at 16 he is a member of 16–30 not in education without lower
    secondary (indicator 5). Either way the household has exactly 3 deprivations (the dependents share is 1/3 or
    0/3, not above 50 %), so it is poor (domain.md §2.2: income ≤ line and ≥ 3 deprivations).

    hgn treats the two indicators as independently unknown (2 known + 2 unknown) and lists the household as
    "Chưa đủ thông tin" with a household-undecided warning asking for 3 indicators it already has. A household is
    undecided only when some completion of what is unknown could change its class (classify.py's contract; never
    guessed, but never left undecided when certain): here none can. It must be Nghèo, without household-undecided.
    """
    hh, found = classify(tmp_path, [household(ma_ho="A", **TWO)], [
        member(ma_ho="A"),
        member(ma_ho="A", stt=2, ho_ten="Trần Thị Hoa", quan_he="Vợ, chồng", gioi_tinh="Nữ", ngay_sinh="01/01/1982",
               so_dinh_danh=make_id(birth_year=1982, female=True, serial="000777")),
        member(ma_ho="A", stt=3, ho_ten="Nguyễn Văn Nam", quan_he="Con", ngay_sinh="2008",
               so_dinh_danh=make_id(birth_year=2008, serial="000778"), viec_lam="Không tham gia lao động",
               suy_dinh_duong="Không", trinh_do="Tiểu học", dang_di_hoc="Không"),
    ])
    assert hh.at["A", "phan_loai"] == "Nghèo"
    assert (found["code"] == "household-undecided").sum() == 0


def test_a_head_aged_59_or_60_is_deprived_in_employment_or_makes_dependents_a_majority(tmp_path: Path) -> None:
    """Household A (income 1,000,000, rural; 2 household deprivations) has two members: the head, born in 1964
    (year only: 59 or 60 on 15/09/2024), unemployed (Thất nghiệp), and his son of 10 at primary school. At 59 the
    head is of working age and unemployed (indicator 1 deprived) and the dependents are 1/2, not above 50 %; at 60
    he is past working age (employment not deprived) and a dependent (elderly from 60), so dependents are 2/2 >
    50 % (indicator 2 deprived). Either way: exactly 3 deprivations, so the household is Nghèo (domain.md §2.2,
    §2.3 rows 1–2; vn-2022-2025.yaml working_age 15–59, elderly_age_from 60).

    hgn counts both indicators as unknown and leaves the household "Chưa đủ thông tin" with household-undecided.
    A class that is certain must not be reported as undecided."""
    hh, found = classify(tmp_path, [household(ma_ho="A", **TWO)], [
        member(ma_ho="A", ngay_sinh="1964", so_dinh_danh=make_id(birth_year=1964), viec_lam="Thất nghiệp"),
        member(ma_ho="A", stt=2, ho_ten="Nguyễn Văn Nam", quan_he="Con", ngay_sinh="01/01/2014",
               so_dinh_danh=make_id(birth_year=2014, serial="000778"), viec_lam=None, suy_dinh_duong="Không",
               trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc="Tiểu học"),
    ])
    assert hh.at["A", "phan_loai"] == "Nghèo"
    assert (found["code"] == "household-undecided").sum() == 0


# ------------------------------------------------------------------------------------------ the income test
def test_an_unreadable_measured_income_is_not_replaced_by_the_b1_score(tmp_path: Path) -> None:
    """Household A (rural commune 11284, not NLNDN, no deprivation) has both a measured income per head, typed
    "2.000.000đ" (2 million đồng: above the rural line of 1,500,000), and a B1 score of 120 (≤ the 140 cut-off).
    hgn cannot read the income (value-not-number, rightly), then decides the income test from the B1 score
    alone: the household comes out Cận nghèo, income basis "diem_b1", with no household-undecided finding.

    domain.md §2.4: the income test is decided "in order: a measured monthly income per head if given …, else
    the B1 total". Here a measured income was given; what it says is unknown, and it is the basis that takes
    precedence, so the test is unknown: falling back to B1 guesses (and here contradicts what the officer wrote).
    The household must not be classified from B1: Chưa đủ thông tin (or Không nghèo, should a fix read the
    amount) — never Cận nghèo on the B1 basis."""
    hh, _ = classify(tmp_path, [household(ma_ho="A", thu_nhap_bq="2.000.000đ", diem_b1=120, ho_nlndn="Không")],
                     [member(ma_ho="A")])
    assert hh.at["A", "co_so_thu_nhap"] != "diem_b1"
    assert hh.at["A", "phan_loai"] in ("Chưa đủ thông tin", "Không nghèo")


# ------------------------------------------------------------------------------------------ which cell is missing
def test_a_blank_member_answer_that_leaves_the_household_undecided_is_reported_at_its_cell(tmp_path: Path) -> None:
    """Household A (income 1,000,000; 2 household deprivations) has the head, 44, whose employment status
    (Tình trạng việc làm) is blank, and a child of 9 at school whose malnutrition answer (Suy dinh dưỡng) and
    school level (Cấp học đang học) are blank. return-format.md makes these answers required exactly here:
    `viec_lam` "yes for working age", `suy_dinh_duong` "for children under 16", `cap_hoc` "when in school" (the
    template's own note: "Bắt buộc với trẻ dưới 16 tuổi"). Each blank leaves one indicator unknown (employment,
    nutrition, school attendance) and the household — 2 deprivations known — is "Chưa đủ thông tin".

    hgn reports nothing at any of the three member cells: the only finding is household-undecided on the
    household row, naming indicators, not members. The commune is told its household cannot be classified but
    not which cell to fill (README: hgn "tells the commune exactly which cell to fix"). Each blank must be a
    finding on the "Thành viên" sheet at the member's row and column."""
    _, found = classify(tmp_path, [household(ma_ho="A", **TWO)], [
        member(ma_ho="A", viec_lam=None),
        member(ma_ho="A", stt=2, ho_ten="Nguyễn Văn Nam", quan_he="Con", ngay_sinh="01/01/2015",
               so_dinh_danh=make_id(birth_year=2015, serial="000778"), viec_lam=None, suy_dinh_duong=None,
               trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc=None),
    ])
    on_members = found[found["sheet"] == "Thành viên"]
    at = {(int(r), k) for r, k in zip(on_members["row"], on_members["key"], strict=True)}
    assert (2, "viec_lam") in at  # the head, 44: working age
    assert (3, "suy_dinh_duong") in at  # the child, 9: under 16
    assert (3, "cap_hoc") in at  # the child is in school
