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


def alkire_foster(matrix: pd.DataFrame | np.ndarray, weights: np.ndarray | list[float] | tuple[float, ...],
                  k: float) -> AFResult:
    """H, A, M0 and the per-indicator headcounts and contributions for an n×d 0/1 matrix.

    ``weights`` (d,) are normalised to sum 1; ``k`` is the poverty cut-off as a fraction of the total weight
    (0 < k ≤ 1). Scores exactly on ``k`` are poor (≥).
    """
    x = _as_matrix(matrix)
    if x.ndim != 2:
        raise ValueError("matrix must be two-dimensional")
    w = np.asarray(weights, dtype=float)
    if w.shape != (x.shape[1],) or (w < 0).any() or w.sum() <= 0:
        raise ValueError("weights must be d non-negative numbers with a positive sum")
    if not 0 < k <= 1:
        raise ValueError("k must be in (0, 1]")
    w = w / w.sum()
    known = ~np.isnan(x).any(axis=1)
    used = x[known]
    if not np.isin(used, (0.0, 1.0)).all():
        raise ValueError("matrix values must be 0, 1 or NA")
    n = used.shape[0]
    d = x.shape[1]
    if n == 0:
        nan = np.full(d, np.nan)
        return AFResult(np.nan, np.nan, np.nan, nan, nan, nan, nan, 0, int((~known).sum()))
    score = used @ w
    poor = score >= k - _TOLERANCE
    q = int(poor.sum())
    censored_matrix = used * poor[:, None]
    uncensored = used.mean(axis=0)
    censored = censored_matrix.mean(axis=0)
    H = q / n
    A = float(score[poor].mean()) if q else np.nan
    contrib_abs = w * censored
    M0 = float(contrib_abs.sum())
    contrib_pct = contrib_abs / M0 * 100 if M0 > 0 else np.full(d, np.nan)
    return AFResult(H, A, M0, uncensored, censored, contrib_abs, contrib_pct, n, int((~known).sum()))
