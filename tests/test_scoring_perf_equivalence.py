"""The vectorised helpers of the scoring code give what the plain pandas formulation gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hgn_review.scoring import AF_OVERALL, alkire_foster, classify
from hgn_review.scoring._frames import map_values
from hgn_review.scoring._text import fmt_number, join_parts
from hgn_review.scoring.indicators import _Groups, _kleene_any
from test_scoring_support import STD, deprived, frames, household, member

RNG = np.random.default_rng(20261128)
WORDS = np.array(["", "a", "bé", "Cận nghèo", "x; y", None], dtype=object)


def _text(n: int, index: pd.Index | None = None) -> pd.Series:
    return pd.Series(RNG.choice(WORDS, n), index=index, dtype="str")


def _reference_join(parts: list[pd.Series], index: pd.Index, sep: str) -> list[str]:
    columns = [p.reindex(index).tolist() for p in parts]
    return [sep.join(v for v in row if isinstance(v, str) and v) for row in zip(*columns, strict=True)] if columns else [""] * len(index)


@pytest.mark.parametrize("n", [0, 1, 7, 500])
def test_join_parts_matches_a_row_by_row_join(n: int) -> None:
    index = pd.Index(RNG.permutation(np.arange(10 * n + 1))[:n].astype("int64"), name="uid")
    dense = _text(n, index)
    sparse = _text(n, index).where(RNG.random(n) < 0.1)
    subset = _text(n // 5, index[RNG.permutation(n)[: n // 5]])  # another order, fewer rows
    shuffled = dense.sample(frac=1.0, random_state=1)
    foreign = pd.Series(["z"] * 3, index=pd.Index([-1, -2, -3]), dtype="str")  # labels outside the index
    parts = [sparse, dense, subset, shuffled, foreign, sparse]
    got = join_parts(parts, index, "; ")
    assert got.index.equals(index) and got.dtype == "str"
    assert got.tolist() == _reference_join(parts, index, "; ")


def test_map_values_matches_series_map() -> None:
    values = pd.Series(RNG.choice(np.array(["Nông thôn", "Thành thị", "Khác", None], dtype=object), 300), dtype="str")
    mapping = {"Nông thôn": 1.5, "Thành thị": None}
    expected = values.map(mapping).astype("Float64")
    pd.testing.assert_series_equal(map_values(values, mapping, "Float64"), expected)
    texts = {"Nông thôn": "NT", "Thành thị": "TT"}
    pd.testing.assert_series_equal(map_values(values, texts, "str"), values.map(texts).astype("str"))


def test_kleene_any_matches_groupby() -> None:
    index = pd.Index(np.array([5, 1, 9, 3], dtype="int64"), name="uid")
    uid = pd.Series(RNG.choice(np.array([1, 3, 5, 7]), 200).astype("int64"))  # 9 has no members, 7 is no household
    contrib = pd.Series(pd.array(RNG.choice(np.array([True, False, None], dtype=object), 200), dtype="boolean"))
    code = np.where(contrib.isna(), 1, np.where(contrib.fillna(False).astype(bool), 2, 0))
    best = pd.Series(code).groupby(uid.to_numpy()).max().reindex(index)
    expected = pd.Series(pd.NA, index=index, dtype="Int8").mask(best == 2, 1).mask(best == 0, 0).astype("Int8")
    pd.testing.assert_series_equal(_kleene_any(contrib, uid, index), expected, check_names=False)
    counted = _Groups(uid, index).reduce(np.add, np.ones(200, dtype=np.int64), 0)
    assert counted.tolist() == uid.value_counts().reindex(index, fill_value=0).tolist()


def test_fmt_number_large_and_small() -> None:
    values = pd.Series([0.0, 7.994, 1_500_000.0, 1_234_567_891_234.5, None], dtype="Float64")
    assert fmt_number(values).tolist()[:4] == ["0", "7,99", "1.500.000", "1.234.567.891.234,5"]
    assert fmt_number(values[:2]).tolist() == ["0", "7,99"]


def test_af_per_commune_matches_the_commune_subsets() -> None:
    rows = []
    for uid in range(40):
        rows.append(household(uid, ma_xa=["10507", "00001", None][uid % 3], **deprived(uid % 6)))
    hh, mem = frames(rows, [member(uid) for uid in range(40)])
    c = classify(hh, mem, STD)
    used = c.households.set_index("uid")
    keys = list(STD.indicators)
    assert list(c.af) == [AF_OVERALL, "00001", "10507"]
    for unit in ("00001", "10507"):
        subset = used.loc[used["ma_xa"] == unit, keys]
        expected = alkire_foster(subset, STD.weights.value, STD.af_cutoff)
        got = c.af[unit]
        assert (got.H, got.n, got.n_excluded) == (expected.H, expected.n, expected.n_excluded)
        np.testing.assert_array_equal(got.censored, expected.censored)
