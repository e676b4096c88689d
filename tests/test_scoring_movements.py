"""Movements: each household's category, matching the start-of-period list, and tables that balance."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hgn_review.scoring import assign_movements, movement_tables, unbalanced_findings
from hgn_review.scoring.movements import COLUMN_TITLES, DECREASES, INCREASES, TABLES
from test_scoring_support import frames, household, member

NA = None
CLASSES = ("Nghèo", "Cận nghèo", "Mức sống trung bình", "Không nghèo", "Chưa đủ thông tin")
STATUSES = ("Đang cư trú", "Chuyển đến", "Chuyển đi", "Tách hộ", "Giải thể")


def classified(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Households that already carry their class (``phan_loai``)."""
    hh, _ = frames([household(i, **{k: v for k, v in r.items() if k != "phan_loai"}) for i, r in enumerate(rows)], [])
    hh["phan_loai"] = pd.Series([r["phan_loai"] for r in rows], dtype="str")
    return hh


# (start, tinh_trang_ho, end class, poor in history, near-poor in history) -> category
CATEGORY_CASES = [
    ("Nghèo", "Đang cư trú", "Nghèo", False, False, "Tiếp tục nghèo"),
    ("Nghèo", "Đang cư trú", "Cận nghèo", False, False, "Thoát nghèo sang cận nghèo"),
    ("Nghèo", "Đang cư trú", "Không nghèo", False, False, "Thoát nghèo (trên cận nghèo)"),
    ("Nghèo", "Đang cư trú", "Mức sống trung bình", False, False, "Thoát nghèo (trên cận nghèo)"),
    ("Nghèo", "Chuyển đi", "Nghèo", False, False, "Giảm khác"),
    ("Cận nghèo", "Giải thể", "Không nghèo", False, False, "Giảm khác"),
    ("Nghèo", "Đang cư trú", "Chưa đủ thông tin", False, False, "Chưa rõ phân loại cuối kỳ"),
    ("Cận nghèo", "Đang cư trú", "Nghèo", False, False, "Cận nghèo thành nghèo"),
    ("Cận nghèo", "Đang cư trú", "Cận nghèo", False, False, "Tiếp tục cận nghèo"),
    ("Cận nghèo", "Đang cư trú", "Không nghèo", False, False, "Thoát cận nghèo"),
    ("Không", "Đang cư trú", "Nghèo", False, False, "Nghèo mới"),
    ("Không", "Đang cư trú", "Nghèo", True, False, "Tái nghèo"),
    ("Không", "Đang cư trú", "Cận nghèo", False, False, "Cận nghèo mới"),
    ("Không", "Đang cư trú", "Cận nghèo", False, True, "Tái cận nghèo"),
    ("Không", "Đang cư trú", "Cận nghèo", True, False, "Cận nghèo mới"),
    ("Nghèo", "Đang cư trú", "Nghèo", True, False, "Tiếp tục nghèo"),
    ("Không", "Đang cư trú", "Không nghèo", True, False, None),
    ("Nghèo", "Chuyển đến", "Nghèo", False, False, "Tăng khác"),  # was poor elsewhere: an increase here
    (None, "Tách hộ", "Cận nghèo", False, False, "Tăng khác"),
    (None, "Đang cư trú", "Nghèo", False, False, "Chưa rõ phân loại đầu kỳ"),
    (None, "Đang cư trú", "Không nghèo", False, False, None),
    ("Không", "Chuyển đi", "Không nghèo", False, False, None),
]


@pytest.fixture(scope="module")
def categories() -> pd.Series:
    rows = [{"phan_loai_dau_ky": s, "tinh_trang_ho": t, "phan_loai": e} for s, t, e, *_ in CATEGORY_CASES]
    hh = classified(rows)
    history = [pd.DataFrame({"ma_xa": hh["ma_xa"], "ma_ho": hh["ma_ho"],
                             "phan_loai": ["Hộ nghèo" if p else "Hộ cận nghèo" if n else "Không nghèo"
                                           for *_, p, n, _ in CATEGORY_CASES]})]
    return assign_movements(hh, history=history).dien_bien


@pytest.mark.parametrize(("i", "case"), list(enumerate(CATEGORY_CASES)), ids=[str(c) for c in CATEGORY_CASES])
def test_movement_category(categories: pd.Series, i: int, case: tuple) -> None:
    """The category follows the start, the end, the household's status and its history."""
    got = categories.iloc[i]
    assert (None if pd.isna(got) else got) == case[-1]


def _previous(**cols: Any) -> pd.DataFrame:
    return pd.DataFrame(cols)


def test_previous_list_matches_by_code_then_by_head_id() -> None:
    """Commune + household code first; a household whose code changed is found by its head's personal ID."""
    hh, mem = frames([household(0, ma_ho="A"), household(1, ma_ho="B-moi"), household(2, ma_ho="C"),
                      household(3, ma_ho="D", tinh_trang_ho="Chuyển đến")],
                     [member(0, so_dinh_danh="030080000001"), member(1, so_dinh_danh="030080000002"),
                      member(2, so_dinh_danh="030080000003"), member(3, so_dinh_danh="030080000004")])
    hh["phan_loai"] = pd.Series(["Nghèo", "Nghèo", "Cận nghèo", "Nghèo"], dtype="str")
    previous = _previous(ma_xa=[10507, "11111", "10507"], ma_ho=["A", "B-cu", "X"],
                         phan_loai=["Hộ nghèo", "Hộ cận nghèo", "Nghèo"],
                         so_dinh_danh_chu_ho=["999999999999", "030080000002", "888888888888"])
    m = assign_movements(hh, mem, previous=previous)
    assert m.dau_ky.tolist()[:2] == ["Nghèo", "Cận nghèo"]
    assert pd.isna(m.dau_ky.iloc[2])
    assert m.dien_bien.tolist() == ["Tiếp tục nghèo", "Cận nghèo thành nghèo", "Chưa rõ phân loại đầu kỳ", "Tăng khác"]
    # C is not on the list; X (poor, commune 10507) is on the list and in no household of the review
    assert [(f.code, f.row, f.value) for f in m.findings] == [("previous-unmatched", 5, "C"),
                                                               ("previous-not-reviewed", None, "X")]


def test_previous_list_wins_over_the_recorded_start_and_ambiguous_rows_match_nothing() -> None:
    """The list given is the managed list; a code that appears twice in it cannot be matched."""
    hh, _ = frames([household(0, ma_ho="A", phan_loai_dau_ky="Không"), household(1, ma_ho="B", phan_loai_dau_ky="Nghèo")],
                   [])
    hh["phan_loai"] = pd.Series(["Nghèo", "Nghèo"], dtype="str")
    previous = _previous(ma_xa=["10507"] * 3, ma_ho=["A", "B", "B"], phan_loai=["Nghèo", "Không nghèo", "Nghèo"])
    m = assign_movements(hh, previous=previous)
    assert m.dau_ky.tolist() == ["Nghèo", "Nghèo"]  # B falls back to its own phan_loai_dau_ky
    assert m.dien_bien.tolist() == ["Tiếp tục nghèo", "Tiếp tục nghèo"]
    # the list's two B rows cannot be told apart: the poor one is not known to be reviewed (session 7: it was
    # taken as seen, which hid a managed household missing from the return)
    assert [(f.code, f.value) for f in m.findings] == [("previous-unmatched", "B"), ("previous-not-reviewed", "B")]


def _with_movements(rows: list[dict[str, Any]]) -> pd.DataFrame:
    hh = classified(rows)
    m = assign_movements(hh)
    hh["dau_ky"] = m.dau_ky.array
    hh["dien_bien"] = m.dien_bien.array
    return hh


def test_tables_count_each_movement_in_its_column() -> None:
    """A small commune: every column of both tables, and end = start − decreases + increases."""
    rows = [
        {"phan_loai_dau_ky": "Nghèo", "phan_loai": "Nghèo"},
        {"phan_loai_dau_ky": "Nghèo", "phan_loai": "Cận nghèo"},
        {"phan_loai_dau_ky": "Nghèo", "phan_loai": "Không nghèo"},
        {"phan_loai_dau_ky": "Nghèo", "phan_loai": "Nghèo", "tinh_trang_ho": "Chuyển đi"},
        {"phan_loai_dau_ky": "Cận nghèo", "phan_loai": "Nghèo"},
        {"phan_loai_dau_ky": "Không", "phan_loai": "Nghèo"},
        {"phan_loai_dau_ky": NA, "phan_loai": "Cận nghèo", "tinh_trang_ho": "Tách hộ"},
        {"phan_loai_dau_ky": "Cận nghèo", "phan_loai": "Chưa đủ thông tin"},
    ]
    t = movement_tables(_with_movements(rows)).set_index("bang")
    poor, near = t.loc["Nghèo"], t.loc["Cận nghèo"]
    assert poor[["dau_ky", "giam_sang_bang_kia", "giam_thoat", "giam_khac", "giam", "tang_tu_bang_kia", "tang_moi",
                 "tang", "cuoi_ky"]].tolist() == [4, 1, 1, 1, 3, 1, 1, 2, 3]
    assert near[["dau_ky", "giam_sang_bang_kia", "giam_chua_ro", "giam", "tang_tu_bang_kia", "tang_khac", "tang",
                 "cuoi_ky"]].tolist() == [2, 1, 1, 2, 1, 1, 2, 2]
    assert t["can_doi"].all()
    assert unbalanced_findings(movement_tables(_with_movements(rows))) == []


def test_tables_have_stable_columns_and_titles() -> None:
    """Each table column has a Vietnamese title for both tables; the order is fixed."""
    t = movement_tables(_with_movements([{"phan_loai_dau_ky": "Nghèo", "phan_loai": "Nghèo"}]))
    assert list(t.columns) == ["ma_xa", "bang", "dau_ky", *DECREASES, "giam", *INCREASES, "tang", "cuoi_ky", "can_doi"]
    assert t["bang"].tolist() == list(TABLES)
    for table in TABLES:
        assert set(COLUMN_TITLES[table]) == {"dau_ky", *DECREASES, "giam", *INCREASES, "tang", "cuoi_ky"}
    assert COLUMN_TITLES["Cận nghèo"]["tang_tu_bang_kia"] == "Nghèo thành cận nghèo"


def test_tables_by_several_keys_and_overall() -> None:
    """Roll-ups: by commune and village, or one overall row per table."""
    rows = [{"phan_loai_dau_ky": "Nghèo", "phan_loai": "Nghèo", "thon": "Thôn 1"},
            {"phan_loai_dau_ky": "Không", "phan_loai": "Nghèo", "thon": "Thôn 2", "ma_xa": "10510"}]
    hh = _with_movements(rows)
    by_two = movement_tables(hh, by=["ma_xa", "thon"])
    assert by_two[["ma_xa", "thon", "bang"]].values.tolist() == [
        ["10507", "Thôn 1", "Nghèo"], ["10507", "Thôn 1", "Cận nghèo"],
        ["10510", "Thôn 2", "Nghèo"], ["10510", "Thôn 2", "Cận nghèo"]]
    overall = movement_tables(hh, by=None).set_index("bang")
    assert overall.loc["Nghèo", ["dau_ky", "tang_moi", "cuoi_ky"]].tolist() == [1, 1, 2]


def test_an_unbalanced_table_is_reported_with_its_unit() -> None:
    """Categories that disagree with the start and end states make the unit's table fail, loudly."""
    hh = _with_movements([{"phan_loai_dau_ky": "Nghèo", "phan_loai": "Không nghèo"}])
    hh["dien_bien"] = pd.Series(["Tiếp tục nghèo"], dtype="str")  # tampered: the household did escape
    t = movement_tables(hh)
    assert t["can_doi"].tolist() == [False, True]
    found = unbalanced_findings(t)
    assert [(f.code, f.severity) for f in found] == [("movement-unbalanced", "error")]
    assert "xã 10507, bảng hộ nghèo: đầu kỳ 1 − giảm 0 + tăng 0 = 1 nhưng cuối kỳ 0" in found[0].message()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(("Nghèo", "Cận nghèo", "Không", None)), st.sampled_from(STATUSES),
                          st.sampled_from(CLASSES), st.sampled_from(("Nghèo", "Cận nghèo", "Không nghèo", None)),
                          st.sampled_from(("10507", "10510")), st.sampled_from(("Thôn 1", "Thôn 2"))),
                min_size=1, max_size=40))
def test_tables_balance_on_random_data(rows: list[tuple]) -> None:
    """Whatever the starts, ends, statuses and history, every unit's tables balance, at every roll-up."""
    hh = classified([{"phan_loai_dau_ky": s, "tinh_trang_ho": t, "phan_loai": e, "ma_xa": x, "thon": v}
                     for s, t, e, _, x, v in rows])
    history = [pd.DataFrame({"ma_xa": hh["ma_xa"], "ma_ho": hh["ma_ho"], "phan_loai": [r[3] for r in rows]})]
    m = assign_movements(hh, history=history)
    hh["dau_ky"], hh["dien_bien"] = m.dau_ky.array, m.dien_bien.array
    for by in ("ma_xa", ["ma_xa", "thon"], None):
        t = movement_tables(hh, by=by)
        assert t["can_doi"].all()
        assert (t["cuoi_ky"] == t["dau_ky"] - t["giam"] + t["tang"]).all()
    overall = movement_tables(hh, by=None).set_index("bang")
    in_unit = ~hh["tinh_trang_ho"].isin(("Chuyển đi", "Giải thể"))
    assert overall.at["Nghèo", "cuoi_ky"] == ((hh["phan_loai"] == "Nghèo") & in_unit).sum()
