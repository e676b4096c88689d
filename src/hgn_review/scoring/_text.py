"""Vietnamese text for reasons, built with vectorised string operations on Series."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), pa.large_string())


def fmt_number(values: pd.Series, decimals: int = 2, *, min_decimals: int = 0, floor: bool = False) -> pd.Series:
    """Numbers the Vietnamese way: ``1.500.000``, ``7,99``; ``floor`` truncates instead of rounding. NA stays NA.

    For non-negative values below 10**15; runs in numpy and Arrow kernels (no per-element Python call).
    """
    x = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    valid = ~np.isnan(x)
    scale = 10 ** decimals
    scaled = np.floor(x * scale + 1e-9) if floor else np.round(x * scale)
    n = np.where(valid, scaled, 0).astype(np.int64)
    whole, frac = n // scale, n % scale
    empty, dot = pa.scalar("", pa.large_string()), pa.scalar(".", pa.large_string())
    text = _text(np.full(len(n), ""))
    for power in (4, 3, 2, 1, 0):
        group = _text((whole // 1000 ** power) % 1000)
        present = (whole >= 1000 ** power) | (power == 0)
        leading = present & (whole < 1000 ** (power + 1))
        inner = pc.binary_join_element_wise(dot, pc.utf8_lpad(group, 3, "0"), empty)
        piece = pc.if_else(pa.array(leading), group, pc.if_else(pa.array(present), inner, empty))
        text = pc.binary_join_element_wise(text, piece, empty)
    if decimals:
        digits = pc.utf8_rtrim(pc.utf8_lpad(_text(frac), decimals, "0"), "0")
        digits = pc.utf8_rpad(digits, min_decimals, "0")
        with_frac = pc.binary_join_element_wise(text, digits, pa.scalar(",", pa.large_string()))
        text = pc.if_else(pc.equal(digits, ""), text, with_frac)
    out = pd.Series(pd.array(text, dtype="str"), index=values.index)
    return out.where(valid)


def fmt_scalar(value: float, decimals: int = 2) -> str:
    """One number the Vietnamese way (for thresholds in messages)."""
    text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:,.0f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def lower_first(values: pd.Series) -> pd.Series:
    """``Thất nghiệp`` → ``thất nghiệp`` (only the first letter, so ``HĐLĐ`` keeps its capitals)."""
    return values.str[:1].str.lower() + values.str[1:]


def _arrow(values: pd.Series) -> pa.Array:
    return pa.array(values.astype("str").array).cast(pa.large_string())


def join_parts(parts: Iterable[pd.Series], index: pd.Index, sep: str = "; ") -> pd.Series:
    """Join text Series element-wise over ``index``, skipping NA/empty parts; "" where nothing is left.

    Runs in Arrow compute kernels (no per-element Python call).
    """
    acc = _arrow(pd.Series("", index=range(len(index))))
    for part in parts:
        p = _arrow(part.reindex(index))
        has = pc.fill_null(pc.and_(pc.is_valid(p), pc.not_equal(p, "")), False)
        joined = pc.if_else(pc.equal(acc, ""), p, pc.binary_join_element_wise(acc, p, pa.scalar(sep, pa.large_string())))
        acc = pc.if_else(has, joined, acc)
    return pd.Series(pd.array(acc, dtype="str"), index=index)


def join_by(texts: pd.Series, keys: pd.Series, sep: str = ", ") -> pd.Series:
    """Join the texts of each key, in their current order: one string per key (index = key)."""
    if texts.empty:
        return pd.Series(dtype="str")
    k = np.asarray(keys)
    order = np.argsort(k, kind="stable")
    k = k[order]
    t = texts.to_numpy(dtype=object, na_value="")[order]
    first = np.r_[True, k[1:] != k[:-1]]
    t[~first] = sep + t[~first]
    starts = np.flatnonzero(first)
    return pd.Series(np.add.reduceat(t, starts), index=k[starts], dtype="str")
