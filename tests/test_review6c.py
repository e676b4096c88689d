"""Review of the classification against domain.md (session 6 helper, part c).

Each test builds a commune return cell by cell (conftest's builders), runs validation and classification as
`hgn classify` does (``classify_paths``) and checks one rule of domain.md that the code reviewed does not follow.
Each test failed on the code reviewed.
"""

from __future__ import annotations

from pathlib import Path

from conftest import household, make_id, make_return, member
from hgn_review.pipeline import classify_paths

UNDECIDED = "Chưa đủ thông tin"


def _child(**kw: object) -> dict[str, object]:
    """A five-year-old child of household 11284-0001, in kindergarten, insured, not malnourished."""
    return member(**{"stt": 2, "ho_ten": "Nguyễn Văn Bé", "so_dinh_danh": make_id(birth_year=2019, serial="000111"),
                     "ngay_sinh": "01/01/2019", "quan_he": "Con", "viec_lam": None, "trinh_do": "Chưa đi học",
                     "dang_di_hoc": "Có", "cap_hoc": "Mầm non", "suy_dinh_duong": "Không", **kw})


def test_household_whose_members_are_not_all_listed_is_not_classified_on_the_listed_ones(tmp_path: Path) -> None:
    """domain.md §2.3, indicator 8 (practice): housing area is deprived when the "floor area per member < 8 m²";
    indicators 2–6 look at every member. README / design.md: households that cannot be decided are
    *Chưa đủ thông tin*, "never guessed"; nothing is imputed.

    A rural household declares 4 members (Số thành viên = 4) but the members sheet lists only its head; it has
    20 m² of floor, a makeshift house and no latrine, income 1,000,000 ≤ 1,500,000. With the 4 declared members
    it has 5 m²/person (< 8: a third deprivation, so Nghèo); with the one listed member 20 m². hgn reports
    household-size-mismatch (an error) yet classifies the household on the single listed member: housing area 0,
    3 members' answers (insurance, schooling, …) taken as non-existent, class *Cận nghèo* — a guess between two
    answers that give different classes. Expected: not decided (*Chưa đủ thông tin*, or blocked) until the member
    list and the declared size agree. (classify.classify / indicators.derive: size = member rows only.)"""
    hh = [household(thu_nhap_bq=1_000_000, so_thanh_vien=4, dien_tich_nha=20, loai_nha="Đơn sơ", nha_tieu="Không có")]
    path = make_return(tmp_path, hh, [member()])
    run = classify_paths([path])
    assert "household-size-mismatch" in {f.code for f in run.report.findings}
    row = run.results.households.iloc[0]
    assert row["phan_loai"] == UNDECIDED, (row["phan_loai"], row["ly_do"])


def test_a_member_listed_twice_is_not_counted_as_two_dependents(tmp_path: Path) -> None:
    """domain.md §2.3, indicator 2 (practice): "dependents are **more than 50 %** of the household's members";
    §4: the personal identification number identifies one person. README: never guessed.

    A household of a 44-year-old head and his 5-year-old son (income 1,000,000 rural, makeshift house, no
    latrine: 2 deprivations). The son's row is repeated (same ID, name, birth date; only STT differs). hgn
    reports id-duplicate (an error) but counts the son twice: "2/3 người phụ thuộc (66,7 % > 50 %)", a third
    deprivation, class *Nghèo*. The household's members are 2 and its dependents 1 (50 %, not more than 50 %):
    *Cận nghèo* — or undecided until the duplicate is resolved — never *Nghèo* on a person counted twice.
    (indicators._dependents: size and dependents counted over member rows, duplicates included.)"""
    hh = [household(thu_nhap_bq=1_000_000, loai_nha="Đơn sơ", nha_tieu="Không có")]
    path = make_return(tmp_path, hh, [member(), _child(), _child(stt=3)])
    run = classify_paths([path])
    assert "id-duplicate" in {f.code for f in run.report.findings}
    row = run.results.households.iloc[0]
    assert row["phan_loai"] != "Nghèo", row["ly_do"]
