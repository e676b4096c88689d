"""Review 20 — the classification rules of domain.md against the law, on their boundaries, through a commune return.

Each test writes the smallest return (conftest make_return / household / member) that sits on one rule's edge,
classifies it with ``hgn_review.pipeline.classify_paths`` and checks the class, the reason (ly_do), the flags and the
findings. The standard's figures are read from ``vn-2022-2025.yaml`` itself, never typed here. Existing tests
(test_scoring_*, test_review11_legal, test_review13_standard, test_review8_classify) already hold the income and B1
lines, the 8 m² and 50 % edges and the ages on the review date; these tests cover what they leave out: members known
only by their birth year, a household whose only member is a child, a unit type whose area the law leaves open
(đặc khu), the B2 score and the answers required only for some ages.

Tests marked ``# guard (passes)`` hold behaviour found right; the others fail on the code as reviewed and each
docstring says what is wrong.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

import hgn_review.scoring
from conftest import household, make_id, make_return, member
from hgn_review.pipeline import classify_paths

STD_FILE = Path(hgn_review.scoring.__file__).parent / "standards" / "vn-2022-2025.yaml"
Y = yaml.safe_load(STD_FILE.read_text(encoding="utf-8"))
RURAL, URBAN = "Nông thôn", "Thành thị"
LINE = {a: Y["income_line"][a]["value"] for a in (RURAL, URBAN)}
BAND = {a: Y["average_living_upper"][a]["value"] for a in (RURAL, URBAN)}
B1 = {a: Y["b1_cutoff"][a]["value"] for a in (RURAL, URBAN)}
K = Y["deprivation"]["cutoff"]["value"]
B2_POINTS = Y["deprivation"]["b2_points"]["value"]
IND = Y["indicators"]
BHYT_AGE = IND["th_bhyt"]["min_age"]["value"]
DEP_CHILD = IND["th_nguoi_phu_thuoc"]["child_age_below"]["value"]
MAX_SHARE = IND["th_nguoi_phu_thuoc"]["max_share"]["value"]
SCHOOL = IND["th_di_hoc_tre_em"]["ages"]["value"]
ADULT = IND["th_giao_duc_nguoi_lon"]["ages"]["value"]
CHILD_NUTRITION = IND["th_dinh_duong"]["child_age_below"]["value"]
WORK = IND["th_viec_lam"]["working_age"]["value"]

REVIEW_YEAR = 2024  # conftest REVIEW_DATE 15/09/2024
UNDECIDED = "Chưa đủ thông tin"
MSTB = "Mức sống trung bình"

# income well under the rural line and two household deprivations (house quality, water)
TWO = {"thu_nhap_bq": LINE[RURAL] - 500_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác"}
THREE = {**TWO, "nha_tieu": "Không có"}


def vnd(x: float) -> str:
    """1500000 -> '1.500.000' (the way the reasons write money)."""
    return f"{int(x):,}".replace(",", ".")


def year_straddling(age: int) -> int:
    """A birth year (written alone) that leaves the age on 15/09/REVIEW_YEAR at ``age - 1`` or ``age``."""
    return REVIEW_YEAR - age


_SERIAL = itertools.count(700001)


def person(code: str, stt: int, name: str, born: Any, **kw: Any) -> dict[str, Any]:
    """A member row with an ID consistent with the birth year and sex (no ID finding gets in the way)."""
    year = int(str(born)[-4:])
    female = kw.get("gioi_tinh") == "Nữ"
    return member(ma_ho=code, stt=stt, ho_ten=name, ngay_sinh=born,
                  so_dinh_danh=make_id(birth_year=year, female=female, serial=f"{next(_SERIAL):06d}"),
                  **kw)


def head(code: str, **kw: Any) -> dict[str, Any]:
    return person(code, 1, "Nguyễn Văn An", kw.pop("ngay_sinh", "12/03/1980"), **kw)


def wife(code: str, stt: int = 2, **kw: Any) -> dict[str, Any]:
    return person(code, stt, "Trần Thị Hoa", kw.pop("ngay_sinh", "01/01/1982"), gioi_tinh="Nữ", quan_he="Vợ, chồng",
                  **kw)


def child(code: str, stt: int, born: Any, **kw: Any) -> dict[str, Any]:
    row = {"quan_he": "Con", "viec_lam": None, "suy_dinh_duong": "Không", "trinh_do": "Tiểu học", "dang_di_hoc": "Có",
           "cap_hoc": "Tiểu học", **kw}
    return person(code, stt, f"Nguyễn Văn Con{stt}", born, **row)


def classify(tmp: Path, households: list[dict[str, Any]], members: list[dict[str, Any]],
             name: str = "11284_2024.xlsx") -> tuple[pd.DataFrame, list[Any]]:
    """(households indexed by ma_ho, findings) of one return classified as `hgn classify` does."""
    path = make_return(tmp, households, members, name=name)
    run = classify_paths([path])
    hh = run.results.households.set_index("ma_ho")
    return hh, run.report.sorted()


def on_row(found: list[Any], sheet: str, row: int) -> list[tuple[str, str | None]]:
    return [(f.code, f.key) for f in found if f.sheet == sheet and f.row == row]


# ------------------------------------------------------------------------------------------ a household of one child
def test_a_household_whose_only_member_is_a_child_is_all_dependents(tmp_path: Path) -> None:
    """A household whose only member is a child (head aged 15, at school at a level that fits): 1 of 1 members is
    a dependent (child under 16), more than 50 %, so Người phụ thuộc is deprived — at 15 exactly, and also when
    only the birth year is written and he is 14 or 15. A head who turns 16 on the review date is no dependent."""
    # guard (passes)
    teen = {"quan_he": "Chủ hộ", "viec_lam": "Không tham gia lao động", "suy_dinh_duong": "Không", "trinh_do": "THCS",
            "dang_di_hoc": "Có", "cap_hoc": "THPT"}
    hh, found = classify(tmp_path, [household(ma_ho="C15", **TWO), household(ma_ho="CY", **TWO),
                                    household(ma_ho="C16", **TWO)],
                         [person("C15", 1, "Lê Văn Út", f"16/09/{REVIEW_YEAR - DEP_CHILD}", **teen),
                          person("CY", 1, "Lê Văn Út", year_straddling(DEP_CHILD - 1), **teen),
                          person("C16", 1, "Lê Văn Út", f"15/09/{REVIEW_YEAR - DEP_CHILD}", **teen)])
    assert int(hh.at["C15", "th_nguoi_phu_thuoc"]) == 1
    assert int(hh.at["CY", "th_nguoi_phu_thuoc"]) == 1
    assert int(hh.at["C16", "th_nguoi_phu_thuoc"]) == 0
    # two household deprivations + dependents: exactly k
    assert hh.at["C15", "phan_loai"] == "Nghèo" and hh.at["CY", "phan_loai"] == "Nghèo"
    assert hh.at["C16", "phan_loai"] == "Cận nghèo"
    assert f"1/1 người phụ thuộc (100 % > {int(MAX_SHARE * 100)} %)" in hh.at["C15", "ly_do"]
    assert f"{K}/12 chỉ số thiếu hụt" in hh.at["CY", "ly_do"]
    assert not [f for f in found if f.code == "household-undecided"]


def test_a_birth_year_alone_gives_the_exact_age_on_a_review_of_31_december(tmp_path: Path) -> None:
    """Reviewed on 31/12, a member born in year Y (day unknown) has had the birthday: the age is exact. A child
    written as born REVIEW_YEAR − 6 without a health-insurance card is then 6 and deprived (BHYT from 6)."""
    # guard (passes)
    hh, _ = classify(tmp_path, [household(ma_ho="D", ngay_ra_soat=f"31/12/{REVIEW_YEAR}", **TWO)],
                     [head("D"), wife("D"), child("D", 3, REVIEW_YEAR - BHYT_AGE, the_bhyt="Không")])
    assert int(hh.at["D", "th_bhyt"]) == 1
    assert hh.at["D", "phan_loai"] == "Nghèo"
    assert f"({BHYT_AGE} tuổi) không có thẻ BHYT" in hh.at["D", "ly_do"]


# ------------------------------------------------------------------------------------------ members known by year only
def test_a_household_undecided_by_a_birth_year_alone_is_told_to_write_the_birth_date(tmp_path: Path) -> None:
    """DEFECT. Household A (income under the line, 2 household deprivations) has the head, his wife and a child
    whose birth is written as the year REVIEW_YEAR − 6 alone; on 15/09 the child is 5 or 6. The child has no
    health-insurance card: at 6 the household has 3 deprivations (Nghèo), at 5 only 2 (Cận nghèo). It is rightly
    "Chưa đủ thông tin".

    But the officer is not told what to fill in: the only finding is household-undecided, "chưa rõ 1 chỉ số (Bảo
    hiểm y tế)", on the household row; every answer of the child is filled ("Có thẻ BHYT" = Không), and nothing
    points at the child's "Ngày sinh" cell, the one thing that decides the class (README: hgn tells the commune
    "exactly which cell to fix"; domain.md §2.2/§2.3: undecided, never guessed — and then say what is missing).
    Cause: scoring/indicators.py:_blanks asks for the birth only where no age at all is known (``~m.lo.known``);
    a birth year alone counts as known."""
    kid = child("A", 3, year_straddling(BHYT_AGE), the_bhyt="Không", cap_hoc="Mầm non", trinh_do="Chưa đi học")
    hh, found = classify(tmp_path, [household(ma_ho="A", **TWO)], [head("A"), wife("A"), kid])
    assert hh.at["A", "phan_loai"] == UNDECIDED
    kid_row = 4  # third member row under the header
    asked = on_row(found, "Thành viên", kid_row)
    assert any(key == "ngay_sinh" for _code, key in asked), (asked, [(f.code, f.sheet, f.row, f.key) for f in found])


def test_a_child_not_at_school_is_not_asked_for_the_school_level(tmp_path: Path) -> None:
    """DEFECT. Household B (income under the line, 2 household deprivations): head, wife and a child written as
    born in REVIEW_YEAR − 3 alone (2 or 3 on 15/09), who does not go to school ("Đang đi học" = Không, "Cấp học
    đang học" rightly blank). At 3 she is deprived in school attendance (3 deprivations), at 2 not: the household
    is rightly "Chưa đủ thông tin".

    phat_hien then tells the commune, at the child's row: 'Ô "Cấp học đang học" của thành viên này để trống mà cần
    để phân loại hộ' — a school level for a child who does not attend school. Filling it cannot settle anything
    (and would contradict "Đang đi học" = Không); the missing fact is her birth date. The cell asked for is wrong.
    Cause: scoring/indicators.py:_blanks asks for every blank answer the rule reads (dang_di_hoc, cap_hoc) of a
    member whose contribution is unknown, without checking that the answer could decide it (cap_hoc matters only
    when the member attends school); the unknown here is the age."""
    kid = child("B", 3, year_straddling(SCHOOL["from"]), dang_di_hoc="Không", cap_hoc=None, trinh_do="Chưa đi học")
    hh, found = classify(tmp_path, [household(ma_ho="B", **TWO)], [head("B"), wife("B"), kid])
    assert hh.at["B", "phan_loai"] == UNDECIDED
    asked = [(f.code, f.key) for f in found if f.code == "member-answer-needed"]
    assert ("member-answer-needed", "cap_hoc") not in asked, asked


def test_four_members_known_by_year_only_do_not_leave_a_certain_class_undecided(tmp_path: Path) -> None:
    """DEFECT. A rural household as returns often write it, every birth as a year alone: head 1980, wife 1982, the
    grandfather 1950 and a son 2008 who left school after primary (Tiểu học). Income under the line; 2 household
    deprivations. On 15/09/2024 the son is 15 or 16: at 15 he is a child of 3–15 not at school (indicator 6), at 16
    a member of 16–30 without lower secondary (indicator 5); the dependents are 2/4 or 1/4, never more than 50 %.
    Exactly 3 deprivations either way: Nghèo (domain.md §2.2), as hgn itself finds when the head's full birth date
    is written (3 year-only members; same household otherwise, checked below).

    With the fourth year-only member (whose age changes nothing) hgn gives "Chưa đủ thông tin", asks for 2
    indicators and for the school level of the son who is not at school. A household is undecided only when some
    completion of what is unknown could change its class (scoring/classify.py module contract). Cause:
    scoring/indicators.py:age_scenarios counts every member known by year only against ``limit=3`` (called from
    scoring/classify.py:_by_scenarios), not only those whose age can change a flag — the adults 41/42, 43/44 and
    73/74 are counted though no rule turns on their ages."""
    son = dict(viec_lam="Không tham gia lao động", trinh_do="Tiểu học", dang_di_hoc="Không", cap_hoc=None)
    grandpa = dict(quan_he="Bố, mẹ", viec_lam="Không tham gia lao động", trinh_do="Tiểu học")
    members = [head("Y3"), wife("Y3", ngay_sinh=1982), child("Y3", 3, 2008, **son),
               person("Y3", 4, "Nguyễn Văn Cụ", 1950, **grandpa),
               head("Y4", ngay_sinh=1980), wife("Y4", ngay_sinh=1982), child("Y4", 3, 2008, **son),
               person("Y4", 4, "Nguyễn Văn Cụ", 1950, **grandpa)]
    hh, _ = classify(tmp_path, [household(ma_ho="Y3", **TWO), household(ma_ho="Y4", **TWO)], members)
    assert hh.at["Y3", "phan_loai"] == "Nghèo", hh.at["Y3", "ly_do"]  # the head's birth date written in full
    assert hh.at["Y4", "phan_loai"] == "Nghèo", hh.at["Y4", "ly_do"]


# ------------------------------------------------------------------------------------------ answers required by age
def test_a_blank_answer_required_for_a_child_or_a_worker_is_reported_even_when_the_class_is_decided(
        tmp_path: Path) -> None:
    """DEFECT. return-format.md makes "Suy dinh dưỡng" required "for children under 16" and "Tình trạng việc làm"
    "yes for working age". Household N (no other deprivation, income under the line) has a child of 8 whose
    "Suy dinh dưỡng" is blank; household W has a head of 44 whose "Tình trạng việc làm" is blank. Both are Cận
    nghèo whatever the answers (0 + 1 unknown < 3), and the Dinh dưỡng / Việc làm flags stay unknown in the results
    ("1 chưa rõ").

    hgn reports nothing at either cell — no value-required, no member-answer-needed, nothing in phat_hien. The same
    blank in an always-required column ("Có thẻ BHYT") is a value-required error. The commune never learns the
    answer is missing, and the deprivation counts of the forms and the Alkire–Foster figures are made without it
    (design.md: "our tool reports what is missing"). Cause: no conditional requirement is checked anywhere
    (validate.py has no rule for ``suy_dinh_duong`` under 16 or ``viec_lam`` at working age); the classifier asks
    for a member's answer only for undecided households (scoring/classify.py:_answers_needed)."""
    kid = child("N", 2, f"01/01/{REVIEW_YEAR - 8}", suy_dinh_duong=None)
    answered = child("W", 2, f"01/01/{REVIEW_YEAR - 9}")  # the commune collects the answer: another child has it
    hh, found = classify(tmp_path, [household(ma_ho="N", thu_nhap_bq=TWO["thu_nhap_bq"]),
                                    household(ma_ho="W", thu_nhap_bq=TWO["thu_nhap_bq"])],
                         [head("N"), kid, head("W", viec_lam=None), answered])
    assert hh.at["N", "phan_loai"] == "Cận nghèo" and hh.at["W", "phan_loai"] == "Cận nghèo"
    assert pd.isna(hh.at["N", "th_dinh_duong"]) and pd.isna(hh.at["W", "th_viec_lam"])
    member_keys = {(f.row, f.key) for f in found if f.sheet == "Thành viên"}
    missing = [cell for cell in ((3, "suy_dinh_duong"), (4, "viec_lam")) if cell not in member_keys]
    assert not missing, (missing, [(f.code, f.sheet, f.row, f.key) for f in found])
    said = [f for f in found if f.code == "member-answer-missing"]
    assert sorted((f.row, f.key) for f in said) == [(3, "suy_dinh_duong"), (4, "viec_lam")]
    assert all(f.severity == "warning" and "Hộ vẫn phân loại được" in f.message() for f in said)


def test_an_answer_no_member_of_the_return_has_is_not_asked_member_by_member(tmp_path: Path) -> None:
    """A commune that does not collect "Suy dinh dưỡng" (blank for every member, or no such column): its decided
    households' children are not each given a warning (classify.py:_answers_needed, member-answer-missing)."""
    kids = [child("N", 2, f"01/01/{REVIEW_YEAR - 8}", suy_dinh_duong=None),
            child("N", 3, f"01/01/{REVIEW_YEAR - 10}", suy_dinh_duong=None)]
    hh, found = classify(tmp_path, [household(ma_ho="N", thu_nhap_bq=TWO["thu_nhap_bq"])], [head("N"), *kids])
    assert hh.at["N", "phan_loai"] == "Cận nghèo" and pd.isna(hh.at["N", "th_dinh_duong"])
    assert not [f for f in found if f.code == "member-answer-missing"]


def test_a_blank_required_answer_that_decides_the_class_leaves_it_undecided(tmp_path: Path) -> None:
    """A working-age head (59 on the review date) with a blank employment status, 2 other deprivations: the
    household is undecided and the blank cell is named. At 60 (out of working age, the standard's own edge) the
    same blank does not matter, and he is a dependent (1 of 1)."""
    # guard (passes)
    at_end = f"16/09/{REVIEW_YEAR - WORK['to'] - 1}"  # the day after: still WORK['to']
    over = f"15/09/{REVIEW_YEAR - WORK['to'] - 1}"  # the birthday: WORK['to'] + 1
    hh, found = classify(tmp_path, [household(ma_ho="W59", **TWO), household(ma_ho="W60", **TWO)],
                         [head("W59", ngay_sinh=at_end, viec_lam=None), head("W60", ngay_sinh=over, viec_lam=None)])
    assert hh.at["W59", "phan_loai"] == UNDECIDED
    assert "chưa rõ 1 chỉ số (Việc làm)" in hh.at["W59", "ly_do"]
    assert ("member-answer-needed", "viec_lam") in on_row(found, "Thành viên", 2)
    assert hh.at["W60", "phan_loai"] == "Nghèo"  # 2 + dependents 1/1
    assert ("member-answer-needed", "viec_lam") not in on_row(found, "Thành viên", 3)


# ------------------------------------------------------------------------------------------ area the law leaves open
def _dac_khu(tmp: Path, incomes: dict[str, tuple[int, str]]) -> tuple[pd.DataFrame, list[Any]]:
    """Đặc khu Vân Đồn (06994), a unit type of the two-level list whose urban/rural area no rule gives (the
    registry leaves it blank; domain.md §2.1 names only xã, phường, thị trấn), reviewed 15/09/2025, Khu vực blank."""
    hhs = [household(ma_ho=c, ma_xa="06994", ngay_ra_soat="15/09/2025", thu_nhap_bq=inc, ho_nlndn=farm)
           for c, (inc, farm) in incomes.items()]
    mms = [head(c) for c in incomes]
    return classify(tmp, hhs, mms, name="06994_2025.xlsx")


def test_an_area_the_registry_does_not_give_is_never_guessed(tmp_path: Path) -> None:
    """With no area, an income between the rural and the urban line cannot be tested: undecided, saying the area
    is missing. Under both lines or above both (not NLNDN) the class is the same either way and is given."""
    # guard (passes)
    hh, found = _dac_khu(tmp_path, {"MID": (LINE[RURAL] + 1, "Không"), "LOW": (LINE[RURAL], "Có"),
                                    "HIGH": (LINE[URBAN] + 1, "Không")})
    assert hh.at["MID", "phan_loai"] == UNDECIDED
    assert "thiếu khu vực (thành thị/nông thôn)" in hh.at["MID", "ly_do"]
    assert hh.at["LOW", "phan_loai"] == "Cận nghèo"
    assert hh.at["HIGH", "phan_loai"] == "Không nghèo"
    assert [f.row for f in found if f.code == "household-undecided"] == [2]


def test_the_average_living_reason_names_its_ceiling_when_the_area_is_unknown(tmp_path: Path) -> None:
    """DEFECT. Two NLNDN households of Đặc khu Vân Đồn (area unknown, see _dac_khu): F1 earns more than both
    income lines and less than both average-living ceilings — Mức sống trung bình whatever the area, rightly;
    F2 earns more than both ceilings — Không nghèo.

    Their reasons read "thu nhập không quá của mọi khu vực: mức sống trung bình" and "thu nhập trên của mọi khu
    vực: không thuộc mức sống trung bình" — "not above *of every area*": the ceiling is missing from the sentence
    (elsewhere it says "không quá 2.250.000 (Nông thôn)"). The officer cannot read what the household was tested
    against. Cause: scoring/classify.py:decide builds band_texts / over_texts from _limit_texts, whose fallback
    "của mọi khu vực" was worded to follow a noun ("chuẩn … của mọi khu vực"), not a bare "không quá"/"trên"."""
    hh, _ = _dac_khu(tmp_path, {"F1": (LINE[URBAN] + 100_000, "Có"), "F2": (BAND[URBAN] + 100_000, "Có")})
    assert hh.at["F1", "phan_loai"] == MSTB and hh.at["F2", "phan_loai"] == "Không nghèo"
    garbled = [r for r in (hh.at["F1", "ly_do"], hh.at["F2", "ly_do"]) if "quá của" in r or "trên của" in r]
    assert not garbled, garbled


# ------------------------------------------------------------------------------------------ B1 and B2 scores
def test_b2_score_is_checked_against_the_count_and_never_replaces_it(tmp_path: Path) -> None:
    """B2 = B2_POINTS × deprivations (practice). A household with k deprivations and B2 = k × points: no finding;
    with B2 = (k − 1) × points: b2-count-mismatch at its B2 cell, and the class still follows the k deprivations
    derived from the answers (the score is checked, not obeyed)."""
    # guard (passes)
    hh, found = classify(tmp_path, [household(ma_ho="OK", diem_b2=K * B2_POINTS, **THREE),
                                    household(ma_ho="LOW", diem_b2=(K - 1) * B2_POINTS, **THREE)],
                         [head("OK"), head("LOW")])
    assert hh.at["OK", "phan_loai"] == "Nghèo" and hh.at["LOW", "phan_loai"] == "Nghèo"
    assert ("b2-count-mismatch", "diem_b2") not in on_row(found, "Hộ gia đình", 2)
    assert ("b2-count-mismatch", "diem_b2") in on_row(found, "Hộ gia đình", 3)


def test_an_nlndn_household_above_the_line_by_b1_only_is_not_poor_and_is_told_to_measure_income(
        tmp_path: Path) -> None:
    """domain.md §2.2: an NLNDN household above the line known only by B1 cannot be placed in the band: Không
    nghèo, with a finding that its average-living status needs a measured income. Not for a household that is not
    NLNDN (no band for it), nor for one on the cut-off (≤ line)."""
    # guard (passes)
    hh, found = classify(tmp_path, [household(ma_ho="F", thu_nhap_bq=None, diem_b1=B1[RURAL] + 1, ho_nlndn="Có"),
                                    household(ma_ho="NF", thu_nhap_bq=None, diem_b1=B1[RURAL] + 1, ho_nlndn="Không"),
                                    household(ma_ho="ON", thu_nhap_bq=None, diem_b1=B1[RURAL], ho_nlndn="Có")],
                         [head("F"), head("NF"), head("ON")])
    assert [hh.at[c, "phan_loai"] for c in ("F", "NF", "ON")] == ["Không nghèo", "Không nghèo", "Cận nghèo"]
    assert set(hh["co_so_thu_nhap"]) == {"diem_b1"}
    info = [(f.row, f.key) for f in found if f.code == "average-living-needs-income"]
    assert info == [(2, "diem_b1")]
    assert f"Điểm B1 {B1[RURAL] + 1} > ngưỡng {B1[RURAL]} (Nông thôn)" in hh.at["F", "ly_do"]
    assert f"Điểm B1 {B1[RURAL]} ≤ ngưỡng {B1[RURAL]} (Nông thôn)" in hh.at["ON", "ly_do"]
    assert vnd(LINE[RURAL]) not in hh.at["F", "ly_do"]  # the B1 basis is said, not an income it does not have
