"""Alkire–Foster multidimensional poverty figures: headcount H, intensity A, adjusted headcount M0.

A unit (household) is poor when its weighted deprivation score is at least ``k`` (a fraction of the total weight).
Rows with an unknown (NA) indicator are excluded and counted in ``n_excluded``; nothing is imputed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

_TOLERANCE = 1e-9  # 3 × (1/12) is 0.24999999999999997 in binary floating point


@dataclass(frozen=True)
class AFResult:
    H: float  # share of units that are poor
    A: float  # mean score of the poor (NaN when nobody is poor)
    M0: float  # H × A = Σ weight × censored headcount
    uncensored: np.ndarray  # per indicator: share of units deprived
    censored: np.ndarray  # per indicator: share of units poor and deprived
    contrib_abs: np.ndarray  # per indicator: weight × censored headcount (sums to M0)
    contrib_pct: np.ndarray  # per indicator: percentage of M0 (sums to 100; NaN when M0 = 0)
    n: int  # units used
    n_excluded: int  # units left out for an unknown indicator


def _as_matrix(matrix: pd.DataFrame | np.ndarray) -> np.ndarray:
    if isinstance(matrix, pd.DataFrame):
        return matrix.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(matrix, dtype=float)


def _checked(matrix: pd.DataFrame | np.ndarray, weights: np.ndarray | list[float] | tuple[float, ...],
             k: float) -> tuple[np.ndarray, np.ndarray]:
    """(the matrix as floats, the weights normalised to sum 1), after checking their shapes and ``k``."""
    x = _as_matrix(matrix)
    if x.ndim != 2:
        raise ValueError("matrix must be two-dimensional")
    w = np.asarray(weights, dtype=float)
    if w.shape != (x.shape[1],) or (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be d non-negative numbers with a positive sum")
    if not 0 < k <= 1:
        raise ValueError("k must be in (0, 1]")
    return x, w / w.sum()


def _known_rows(x: np.ndarray) -> np.ndarray:
    """The rows without NA (tested column by column: faster than a reduction along each short row)."""
    nan = np.isnan(x)
    known = np.ones(len(x), dtype=bool)
    for j in range(x.shape[1]):
        known &= ~nan[:, j]
    return known


def _measures(used: np.ndarray, w: np.ndarray, k: float, excluded: int) -> AFResult:
    """The figures of the rows ``used`` (no NA); ``excluded`` rows were left out for an unknown indicator."""
    if not ((used == 0.0) | (used == 1.0)).all():
        raise ValueError("matrix values must be 0, 1 or NA")
    n, d = used.shape
    if n == 0:
        nan = np.full(d, np.nan)
        return AFResult(np.nan, np.nan, np.nan, nan, nan, nan, nan, 0, excluded)
    score = used @ w
    poor = score >= k - _TOLERANCE
    q = int(poor.sum())
    # shares of 0/1 entries: the column sums are exact integers whatever the order of summation
    uncensored = (np.ones(n) @ used) / n
    censored = (poor.astype(float) @ used) / n
    H = q / n
    A = float(score[poor].mean()) if q else np.nan
    contrib_abs = w * censored
    M0 = float(contrib_abs.sum())
    contrib_pct = contrib_abs / M0 * 100 if M0 > 0 else np.full(d, np.nan)
    return AFResult(H, A, M0, uncensored, censored, contrib_abs, contrib_pct, n, excluded)


def alkire_foster(matrix: pd.DataFrame | np.ndarray, weights: np.ndarray | list[float] | tuple[float, ...],
                  k: float) -> AFResult:
    """H, A, M0 and the per-indicator headcounts and contributions for an n×d 0/1 matrix.

    ``weights`` (d,) are normalised to sum 1; ``k`` is the poverty cut-off as a fraction of the total weight
    (0 < k ≤ 1). Scores exactly on ``k`` are poor (≥).
    """
    x, w = _checked(matrix, weights, k)
    known = _known_rows(x)
    return _measures(x if known.all() else x[known], w, k, int((~known).sum()))


def alkire_foster_by(matrix: np.ndarray, weights: np.ndarray | list[float] | tuple[float, ...], k: float,
                     units: np.ndarray, n_units: int) -> list[AFResult]:
    """:func:`alkire_foster` of the rows of each unit (``units``: its code 0 … n_units − 1 per row, −1 for none),
    the rows of every unit taken in their order; the NA test and the grouping are done once for the matrix."""
    x, w = _checked(matrix, weights, k)
    known = _known_rows(x)
    excluded = np.bincount(units[(units >= 0) & ~known], minlength=n_units)
    rows = np.flatnonzero(known & (units >= 0))
    rows = rows[np.argsort(units[rows], kind="stable")]
    block = x[rows]  # the known rows, unit after unit
    ends = np.cumsum(np.bincount(units[rows], minlength=n_units))
    starts = ends - np.bincount(units[rows], minlength=n_units)
    return [_measures(block[a:b], w, k, int(e)) for a, b, e in zip(starts, ends, excluded, strict=True)]
