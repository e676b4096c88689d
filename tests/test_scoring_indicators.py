"""The twelve indicators, table-driven from the standard's own parameters, on each edge."""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd
import pytest

from hgn_review.schemas.layout import INDICATORS
from hgn_review.scoring import derive_indicators, member_ages
from test_scoring_support import REVIEW, STD, deprived, frames, household, member

NA = None
IND = STD.indicators
BHYT_AGE = IND["th_bhyt"]["min_age"]
CHILD_BELOW = IND["th_dinh_duong"]["child_age_below"]
ADULT = IND["th_giao_duc_nguoi_lon"]["ages"]
SCHOOL = IND["th_di_hoc_tre_em"]["ages"]
WORK = IND["th_viec_lam"]["working_age"]
DEP_CHILD = IND["th_nguoi_phu_thuoc"]["child_age_below"]
ELDERLY = IND["th_nguoi_phu_thuoc"]["elderly_age_from"]
MIN_AREA = IND["th_dien_tich_nha"]["min_area_per_person"]


def year_straddling(age: int) -> int:
    """A birth year that leaves the age at REVIEW either ``age - 1`` or ``age``."""
    return REVIEW.year - age


def flag_of(key: str, members: list[dict[str, Any]], **hh: Any) -> Any:
    """The flag of one household (for single cases; tables use ``batch``)."""
    h, m = frames([household(0, **hh)], members)
    flags, _ = derive_indicators(h, m, STD)
    value = flags.at[0, key]
    return None if pd.isna(value) else int(value)


@cache
def _batch(key: str, table: str) -> tuple[Any, ...]:
    """The flags of every case of a table, derived in one call: case i is household i."""
    cases = TABLES[table]
    households, members = [], []
    for uid, case in enumerate(cases):
        people, answers = case[0], (case[1] if len(case) == 3 else {})
        households.append(household(uid, **answers))
        members += [member(uid, stt, **p) for stt, p in enumerate(people, start=1)]
    h, m = frames(households, members)
    flags, _ = derive_indicators(h, m, STD)
    return tuple(None if pd.isna(v) else int(v) for v in flags[key])


def batch(key: str, table: str, i: int) -> Any:
    return _batch(key, table)[i]


def test_the_legal_edges_used_below() -> None:
    """The parameters the tables below are built from (asserted once, from the file)."""
    assert (BHYT_AGE, CHILD_BELOW, DEP_CHILD, MIN_AREA) == (6, 16, 16, 8)
    assert (ADULT.start, ADULT.end, SCHOOL.start, SCHOOL.end) == (16, 30, 3, 15)


def _people(*ages: Any, **extra: Any) -> list[dict[str, Any]]:
    out = []
    for a in ages:
        spec = a if isinstance(a, dict) else {"age": a}
        out.append({**extra, **spec})
    return out


# Each table: cases (members of one household, [household answers,] expected flag). Every case of a table is one
# household of a single derivation; the tests below check one case each.
TABLES: dict[str, list[tuple[Any, ...]]] = {
    "bhyt": [
        ([{"age": BHYT_AGE - 1, "the_bhyt": False}], 0),
        ([{"age": BHYT_AGE, "the_bhyt": False}], 1),
        ([{"age": 40, "the_bhyt": True}], 0),
        ([{"age": 40, "the_bhyt": NA}], NA),
        ([{"age": NA, "the_bhyt": True}], 0),
        ([{"age": NA, "the_bhyt": False}], NA),
        ([{"year": year_straddling(BHYT_AGE), "the_bhyt": False}], NA),  # 5 or 6: the boundary is inside
        ([{"year": year_straddling(BHYT_AGE), "the_bhyt": True}], 0),  # has a card: the age does not matter
        ([{"year": year_straddling(BHYT_AGE + 1), "the_bhyt": False}], 1),  # 6 or 7: deprived either way
        ([{"the_bhyt": NA}, {"the_bhyt": False}], 1),  # one known deprived member decides
        ([{"the_bhyt": NA}, {"the_bhyt": True}], NA),
    ],
    "nutrition": [
        ([{"age": CHILD_BELOW - 1, "suy_dinh_duong": True}], 1),
        ([{"age": CHILD_BELOW, "suy_dinh_duong": True}], 0),
        ([{"age": 2, "suy_dinh_duong": False}], 0),
        ([{"age": CHILD_BELOW - 1, "suy_dinh_duong": NA}], NA),
        ([{"age": CHILD_BELOW, "suy_dinh_duong": NA}], 0),  # an adult's missing answer does not matter
        ([{"year": year_straddling(CHILD_BELOW), "suy_dinh_duong": True}], NA),
    ],
    "adult_education": [
        ([{"age": ADULT.start - 1, "trinh_do": "Tiểu học"}], 0),  # 15: a child, not an adult
        ([{"age": ADULT.start, "trinh_do": "Tiểu học"}], 1),
        ([{"age": ADULT.start, "trinh_do": "THCS"}], 0),
        ([{"age": 17, "trinh_do": "THCS"}], 0),
        ([{"age": 18, "trinh_do": "THCS"}], 1),
        ([{"age": 18, "trinh_do": "Sơ cấp"}], 0),  # vocational counts from 18
        ([{"age": 25, "trinh_do": "Đại học trở lên"}], 0),
        ([{"age": ADULT.end, "trinh_do": "THCS"}], 1),
        ([{"age": ADULT.end + 1, "trinh_do": "THCS"}], 0),
        ([{"age": 20, "trinh_do": "THCS", "dang_di_hoc": True}], 0),
        ([{"age": 20, "trinh_do": NA}], NA),
        ([{"age": 20, "trinh_do": "THCS", "dang_di_hoc": NA}], NA),
        ([{"age": 20, "trinh_do": "THPT", "dang_di_hoc": NA}], 0),
        ([{"year": year_straddling(ADULT.end), "trinh_do": "THCS"}], 1),  # 29 or 30: deprived either way
        ([{"year": year_straddling(ADULT.end + 1), "trinh_do": "THCS"}], NA),  # 30 or 31
        ([{"year": year_straddling(ADULT.start + 1), "trinh_do": "Tiểu học"}], 1),  # 16 or 17
        ([{"year": year_straddling(18), "trinh_do": "THCS"}], NA),  # 17 (enough) or 18 (not)
        ([{"year": year_straddling(18), "trinh_do": "THPT"}], 0),
    ],
    "school": [
        ([{"age": SCHOOL.start - 1, "dang_di_hoc": False}], 0),
        ([{"age": SCHOOL.start, "dang_di_hoc": False}], 1),
        ([{"age": SCHOOL.start, "dang_di_hoc": True, "cap_hoc": "Mầm non"}], 0),
        ([{"age": 6, "dang_di_hoc": True, "cap_hoc": "Mầm non"}], 0),
        ([{"age": 8, "dang_di_hoc": True, "cap_hoc": "Mầm non"}], 1),
        ([{"age": 8, "dang_di_hoc": True, "cap_hoc": "Tiểu học"}], 0),
        ([{"age": 12, "dang_di_hoc": True, "cap_hoc": "THCS"}], 0),
        ([{"age": SCHOOL.end, "dang_di_hoc": False}], 1),
        ([{"age": SCHOOL.end, "dang_di_hoc": True, "cap_hoc": "THPT"}], 0),
        ([{"age": SCHOOL.end + 1, "dang_di_hoc": False}], 0),
        ([{"age": 8, "dang_di_hoc": True, "cap_hoc": NA}], NA),
        ([{"age": 8, "dang_di_hoc": NA}], NA),
        ([{"year": year_straddling(SCHOOL.start), "dang_di_hoc": False}], NA),  # 2 or 3
        ([{"year": year_straddling(SCHOOL.start + 1), "dang_di_hoc": False}], 1),  # 3 or 4
    ],
    "employment": [
        ([{"age": WORK.start - 1, "viec_lam": "Thất nghiệp"}], 0),
        ([{"age": WORK.start, "viec_lam": "Thất nghiệp"}], 1),
        ([{"age": WORK.end, "viec_lam": "Thất nghiệp"}], 1),
        ([{"age": WORK.end + 1, "viec_lam": "Thất nghiệp"}], 0),
        ([{"age": 30, "viec_lam": "Làm công không HĐLĐ"}], 1),
        ([{"age": 30, "viec_lam": "Tự làm"}], 0),
        ([{"age": 30, "viec_lam": NA}], NA),
        ([{"age": 70, "viec_lam": NA}], 0),
        ([{"year": year_straddling(WORK.end + 1), "viec_lam": "Thất nghiệp"}], NA),
    ],
    "dependents": [
        (_people(5, 35), 0),  # exactly 50 %: not more than half
        (_people(5, 4, 35), 1),
        (_people(DEP_CHILD - 1, 35), 0),
        (_people(DEP_CHILD - 1, DEP_CHILD - 1, 35), 1),
        (_people(DEP_CHILD, DEP_CHILD, 35), 0),
        (_people(ELDERLY, ELDERLY - 1), 0),
        (_people(ELDERLY, 5, 35), 1),
        (_people(ELDERLY - 1, ELDERLY - 1, 35), 0),
        (_people({"age": 40, "khuyet_tat": "Nặng"}, {"age": 40, "khuyet_tat": "Đặc biệt nặng"}, 35), 1),
        (_people({"age": 40, "khuyet_tat": "Nhẹ"}, {"age": 40, "khuyet_tat": "Nhẹ"}, 35), 0),
        (_people({"age": 40, "khuyet_tat": NA}, 5, 35), NA),  # 1 or 2 of 3
        (_people(5, {"year": year_straddling(DEP_CHILD)}, 35), NA),  # 15 or 16
        (_people(35, 35, 35, {"year": year_straddling(DEP_CHILD)}), 0),  # at most 1 of 4
        (_people(5, 4, 3, {"age": 40, "khuyet_tat": NA}), 1),  # 3 of 4 already
    ],
    "area": [
        ([{}, {}], {"dien_tich_nha": MIN_AREA * 2}, 0),
        ([{}, {}], {"dien_tich_nha": MIN_AREA * 2 - 0.02}, 1),  # 7.99 m² per person
        ([{}], {"dien_tich_nha": MIN_AREA}, 0),
        ([{}], {"dien_tich_nha": MIN_AREA - 0.01}, 1),
        ([{}, {}], {"dien_tich_nha": NA}, NA),
        ([], {"dien_tich_nha": MIN_AREA * 10}, NA),  # no member rows: no area per person
    ],
}
KEYS = {"bhyt": "th_bhyt", "nutrition": "th_dinh_duong", "adult_education": "th_giao_duc_nguoi_lon",
        "school": "th_di_hoc_tre_em", "employment": "th_viec_lam", "dependents": "th_nguoi_phu_thuoc",
        "area": "th_dien_tich_nha"}
# defaults that keep the members out of the way of the indicator under test
TABLES["adult_education"] = [([{"dang_di_hoc": False, **p} for p in people], e)
                             for people, e in TABLES["adult_education"]]
TABLES["school"] = [([{"trinh_do": "Chưa đi học", **p} for p in people], e) for people, e in TABLES["school"]]
TABLES["dependents"] = [([{"dang_di_hoc": True, "cap_hoc": "Mầm non", **p} for p in people], e)
                        for people, e in TABLES["dependents"]]


def _cases(table: str) -> list[Any]:
    return [pytest.param(i, case[-1], id=f"{i}-{case[:-1]}") for i, case in enumerate(TABLES[table])]


def _check(table: str, i: int, expected: Any) -> None:
    assert batch(KEYS[table], table, i) == expected, TABLES[table][i]


@pytest.mark.parametrize(("i", "expected"), _cases("bhyt"))
def test_health_insurance(i: int, expected: Any) -> None:
    """BHYT: a member aged min_age or more without a card."""
    _check("bhyt", i, expected)


@pytest.mark.parametrize(("i", "expected"), _cases("nutrition"))
def test_nutrition(i: int, expected: Any) -> None:
    """Dinh dưỡng: a malnourished child under child_age_below."""
    _check("nutrition", i, expected)


@pytest.mark.parametrize(("i", "expected"), _cases("adult_education"))
def test_adult_education(i: int, expected: Any) -> None:
    """Trình độ GD người lớn: 16–30, out of school, below the level required for the age."""
    _check("adult_education", i, expected)


@pytest.mark.parametrize(("i", "expected"), _cases("school"))
def test_child_school_attendance(i: int, expected: Any) -> None:
    """Đi học trẻ em: a child 3 to under 16 not attending a level that fits the age."""
    _check("school", i, expected)


@pytest.mark.parametrize(("i", "expected"), _cases("employment"))
def test_employment(i: int, expected: Any) -> None:
    """Việc làm: a working-age member unemployed or working for wages without a contract."""
    _check("employment", i, expected)


@pytest.mark.parametrize(("i", "expected"), _cases("dependents"))
def test_dependents(i: int, expected: Any) -> None:
    """Người phụ thuộc: more than max_share of the members are children, elderly or severely disabled."""
    _check("dependents", i, expected)


@pytest.mark.parametrize(("i", "expected"), _cases("area"))
def test_housing_area_per_person(i: int, expected: Any) -> None:
    """Diện tích nhà: floor area per member below min_area_per_person (8 m² is enough, 7.99 is not)."""
    _check("area", i, expected)


HOUSEHOLD_CASES = [
    ("th_chat_luong_nha", {"loai_nha": "Kiên cố"}, 0),
    ("th_chat_luong_nha", {"loai_nha": "Bán kiên cố"}, 0),
    ("th_chat_luong_nha", {"loai_nha": "Thiếu kiên cố"}, 1),
    ("th_chat_luong_nha", {"loai_nha": "Đơn sơ"}, 1),
    ("th_chat_luong_nha", {"loai_nha": NA}, NA),
    *[("th_nuoc_sinh_hoat", {"nguon_nuoc": v}, 0) for v in IND["th_nuoc_sinh_hoat"]["safe_sources"]],
    ("th_nuoc_sinh_hoat", {"nguon_nuoc": "Khác"}, 1),
    ("th_nuoc_sinh_hoat", {"nguon_nuoc": NA}, NA),
    *[("th_nha_tieu", {"nha_tieu": v}, 0) for v in IND["th_nha_tieu"]["hygienic_types"]],
    ("th_nha_tieu", {"nha_tieu": "Khác"}, 1),
    ("th_nha_tieu", {"nha_tieu": "Không có"}, 1),
    ("th_nha_tieu", {"nha_tieu": NA}, NA),
    ("th_vien_thong", {"su_dung_internet": True}, 0),
    ("th_vien_thong", {"su_dung_internet": False}, 1),
    ("th_vien_thong", {"su_dung_internet": NA}, NA),
    ("th_phuong_tien_thong_tin", {"phuong_tien_thong_tin": True}, 0),
    ("th_phuong_tien_thong_tin", {"phuong_tien_thong_tin": False}, 1),
    ("th_phuong_tien_thong_tin", {"phuong_tien_thong_tin": NA}, NA),
]


@cache
def _household_flags() -> pd.DataFrame:
    h, m = frames([household(i, **answers) for i, (_, answers, _) in enumerate(HOUSEHOLD_CASES)],
                  [member(i) for i in range(len(HOUSEHOLD_CASES))])
    return derive_indicators(h, m, STD)[0]


@pytest.mark.parametrize(("i", "key", "answers", "expected"),
                         [(i, *case) for i, case in enumerate(HOUSEHOLD_CASES)])
def test_household_level_indicators(i: int, key: str, answers: dict[str, Any], expected: Any) -> None:
    """Housing, water, latrine and information indicators from the household's own answers."""
    value = _household_flags().at[i, key]
    assert (None if pd.isna(value) else int(value)) == expected


def test_household_without_members_has_unknown_member_indicators() -> None:
    """No member rows: member-based indicators and the area per person are NA, never 0."""
    h, m = frames([household(0, **deprived(1))], [])
    flags, _ = derive_indicators(h, m, STD)
    member_based = ["th_viec_lam", "th_nguoi_phu_thuoc", "th_dinh_duong", "th_bhyt", "th_giao_duc_nguoi_lon",
                    "th_di_hoc_tre_em", "th_dien_tich_nha"]
    assert flags.loc[0, member_based].isna().all()
    assert flags.at[0, "th_chat_luong_nha"] == 1 and flags.at[0, "th_nha_tieu"] == 0


def test_unknown_review_date_leaves_age_rules_unknown() -> None:
    """Without ngay_ra_soat no age is known; answers that decide at any age still count."""
    h, m = frames([household(0, ngay_ra_soat=None)], [member(0, 1, the_bhyt=False), member(0, 2, viec_lam="Tự làm")])
    flags, _ = derive_indicators(h, m, STD)
    assert pd.isna(flags.at[0, "th_bhyt"])
    assert flags.at[0, "th_viec_lam"] == 0


def test_flags_are_int8_indexed_by_uid_in_indicator_order() -> None:
    """The contract: one Int8 column per indicator, index uid."""
    h, m = frames([household(7), household(3)], [member(7), member(3)])
    flags, reasons = derive_indicators(h, m, STD)
    assert list(flags.columns) == list(INDICATORS)
    assert list(flags.index) == [7, 3] and flags.index.name == "uid"
    assert all(str(t) == "Int8" for t in flags.dtypes)
    assert list(reasons.index) == [7, 3]


def test_reasons_name_the_member_and_the_rule() -> None:
    """Reasons are short Vietnamese text, one per deprived indicator, in indicator order."""
    people = [member(0, 1, ho_ten="Nguyễn Văn A", age=40, viec_lam="Thất nghiệp", the_bhyt=False),
              member(0, 2, ho_ten="Nguyễn Văn B", age=17, trinh_do="Tiểu học", dang_di_hoc=False),
              member(0, 3, ho_ten="Lê Thị C", year=2012, dang_di_hoc=False, trinh_do="Tiểu học")]
    h, m = frames([household(0, dien_tich_nha=14.0, loai_nha="Đơn sơ")], people)
    flags, reasons = derive_indicators(h, m, STD)
    parts = reasons.loc[0].split("; ")
    assert parts == [
        "Việc làm: Nguyễn Văn A (40 tuổi) thất nghiệp",
        "BHYT: Nguyễn Văn A (40 tuổi) không có thẻ BHYT",
        "Trình độ GD người lớn: Nguyễn Văn B (17 tuổi) chưa tốt nghiệp THCS, không đi học",
        "Đi học trẻ em: Lê Thị C (sinh năm 2012) không đi học",
        "Chất lượng nhà ở: Đơn sơ",
        "Diện tích nhà: 14 m² cho 3 người (4,66 m²/người < 8)",
    ]
    assert flags.loc[0].sum() == len(parts)


def test_area_reason_matches_the_brief_example() -> None:
    """``Diện tích nhà: 14 m² cho 2 người (7,0 m²/người < 8)``."""
    h, m = frames([household(0, dien_tich_nha=14.0)], [member(0, 1), member(0, 2)])
    _, reasons = derive_indicators(h, m, STD)
    assert reasons.loc[0] == "Diện tích nhà: 14 m² cho 2 người (7,0 m²/người < 8)"


def test_dependents_reason_gives_the_share() -> None:
    """The dependents reason gives the count and the share against the limit."""
    in_school = {"dang_di_hoc": True, "cap_hoc": "Mầm non"}
    people = _people({"age": 5, **in_school}, {"age": 4, **in_school}, 35)
    h, m = frames([household(0)], [member(0, stt, **p) for stt, p in enumerate(people, start=1)])
    _, reasons = derive_indicators(h, m, STD)
    assert reasons.loc[0] == "Người phụ thuộc: 2/3 người phụ thuộc (66,7 % > 50 %)"


def test_several_deprived_members_are_listed_together() -> None:
    """Two members without a card appear in one BHYT entry."""
    h, m = frames([household(0)], [member(0, 1, ho_ten="A", the_bhyt=False), member(0, 2, ho_ten="B", the_bhyt=False)])
    _, reasons = derive_indicators(h, m, STD)
    assert reasons.loc[0] == "BHYT: A (35 tuổi) không có thẻ BHYT, B (35 tuổi) không có thẻ BHYT"


@pytest.mark.parametrize(("born", "year", "review", "lo", "hi"), [
    ("2000-10-01", None, "2024-10-01", 24, 24),  # birthday on the review day
    ("2000-10-02", None, "2024-10-01", 23, 23),
    ("2000-02-29", None, "2025-02-28", 24, 24),
    ("2000-02-29", None, "2025-03-01", 25, 25),
    (None, 2000, "2024-10-01", 23, 24),
    (None, 2000, "2024-12-31", 24, 24),  # on 31/12 everyone born in 2000 is 24
    (None, 2024, "2024-10-01", 0, 0),
    ("2025-01-01", None, "2024-10-01", None, None),  # born after the review
    (None, None, "2024-10-01", None, None),
])
def test_member_ages(born: Any, year: Any, review: str, lo: Any, hi: Any) -> None:
    """Completed years at the review date; a year alone gives a one-year interval."""
    birth_year = year if year is not None else (pd.Timestamp(born).year if born else None)
    h, m = frames([household(0, ngay_ra_soat=pd.Timestamp(review))], [member(0, age=None)])
    m["ngay_sinh"] = pd.to_datetime(pd.Series([born]))
    m["nam_sinh"] = pd.array([birth_year], dtype="Int64")
    got_lo, got_hi = member_ages(h, m)
    as_py = [None if pd.isna(v) else int(v) for v in (got_lo.iloc[0], got_hi.iloc[0])]
    assert as_py == [lo, hi]
