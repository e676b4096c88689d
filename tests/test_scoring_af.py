"""Alkire–Foster figures: the textbook examples, unknown rows, the cut-off on its edge."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hgn_review.scoring import alkire_foster
from test_scoring_support import STD

AF4 = [[0, 0, 0, 0], [1, 0, 0, 1], [1, 1, 1, 1], [0, 1, 0, 0]]
AF5 = [[1, 0, 1, 0], [0, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 0], [1, 0, 1, 0]]


def test_af4() -> None:
    """Four people, four equally weighted indicators, k = ½: H 0.5, A 0.75, M0 0.375."""
    r = alkire_foster(np.array(AF4), [0.25] * 4, 0.5)
    assert pytest.approx((0.5, 0.75, 0.375)) == (r.H, r.A, r.M0)
    assert r.uncensored == pytest.approx([0.5, 0.5, 0.25, 0.5])
    assert r.censored == pytest.approx([0.5, 0.25, 0.25, 0.5])
    assert (r.n, r.n_excluded) == (4, 0)


def test_af5() -> None:
    """Five people: H 0.6, A 0.58333…, M0 0.35; censored headcounts 0.4, 0.2, 0.6, 0.2."""
    r = alkire_foster(pd.DataFrame(AF5), np.full(4, 0.25), 0.5)
    assert pytest.approx(0.6) == r.H
    assert pytest.approx(7 / 12) == r.A
    assert pytest.approx(0.35) == r.M0
    assert r.censored == pytest.approx([0.4, 0.2, 0.6, 0.2])
    assert r.uncensored == pytest.approx([0.6, 0.4, 0.6, 0.2])
    assert r.contrib_abs.sum() == pytest.approx(r.M0)
    assert r.contrib_pct == pytest.approx(np.array([0.1, 0.05, 0.15, 0.05]) / 0.35 * 100)
    assert r.contrib_pct.sum() == pytest.approx(100)
    assert pytest.approx(r.H * r.A) == r.M0


def test_weights_are_normalised() -> None:
    """Weights 1, 1, 1, 1 give the same figures as ¼ each."""
    assert pytest.approx(0.35) == alkire_foster(np.array(AF5), [1, 1, 1, 1], 0.5).M0


def test_unknown_rows_are_excluded_and_counted() -> None:
    """A row with an NA indicator is left out of n and counted in n_excluded."""
    frame = pd.DataFrame(AF4 + [[1, pd.NA, 1, 1]], dtype="Int8")
    r = alkire_foster(frame, [0.25] * 4, 0.5)
    assert (r.n, r.n_excluded) == (4, 1)
    assert pytest.approx((0.5, 0.75, 0.375)) == (r.H, r.A, r.M0)


def test_the_standard_cutoff_on_its_edge() -> None:
    """With 12 equal weights, exactly k deprivations is poor (k / 12 in floating point included)."""
    k = STD.af_cutoff
    rows = np.zeros((2, 12))
    rows[0, :STD.k] = 1
    rows[1, :STD.k - 1] = 1
    r = alkire_foster(rows, STD.weights.value, k)
    assert pytest.approx(0.5) == r.H
    assert pytest.approx(STD.k / 12) == r.A


def test_nobody_poor() -> None:
    """No one poor: H and M0 are 0, A and the shares of M0 are undefined (NaN)."""
    r = alkire_foster(np.zeros((3, 4)), [0.25] * 4, 0.5)
    assert (r.H, r.M0) == (0, 0)
    assert np.isnan(r.A) and np.isnan(r.contrib_pct).all()


def test_all_rows_unknown() -> None:
    """Nothing known: every figure is NaN and every row is counted as excluded."""
    r = alkire_foster(np.full((2, 4), np.nan), [0.25] * 4, 0.5)
    assert (r.n, r.n_excluded) == (0, 2)
    assert np.isnan(r.H) and np.isnan(r.M0)


@pytest.mark.parametrize(("weights", "k", "matrix"), [
    ([0.25] * 3, 0.5, AF4),  # wrong length
    ([0.25] * 4, 0, AF4),
    ([0.25] * 4, 1.5, AF4),
    ([-1, 1, 1, 1], 0.5, AF4),
    ([0.25] * 4, 0.5, [[2, 0, 0, 0]]),
])
def test_bad_arguments(weights, k, matrix) -> None:
    """Wrong weights, a cut-off outside (0, 1] or values other than 0/1 are programming errors."""
    with pytest.raises(ValueError):
        alkire_foster(np.array(matrix), weights, k)
