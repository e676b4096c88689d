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
    top = int(whole.max()) if len(whole) else 0
    for power in (4, 3, 2, 1, 0):
        if power and top < 1000 ** power:  # no value has this group: it adds nothing
            continue
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
    text = values if values.dtype == "str" else values.astype("str")
    arr = pa.array(text.array).cast(pa.large_string())
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _pieces(part: pd.Series, index: pd.Index) -> tuple[np.ndarray | None, pa.Array]:
    """(row positions in ``index`` or None for all rows in order, text) of one part, as ``part.reindex(index)``."""
    if part.index is index or (len(part.index) == len(index) and part.index.equals(index)):
        return None, _arrow(part)
    if len(part) * 4 < len(index) and part.index.is_unique and index.is_unique:
        pos = index.get_indexer(part.index)
        keep = np.flatnonzero(pos >= 0)
        keep = keep[np.argsort(pos[keep], kind="stable")]
        return pos[keep], _arrow(part).take(pa.array(keep, pa.int64()))
    return None, _arrow(part.reindex(index))


def join_parts(parts: Iterable[pd.Series], index: pd.Index, sep: str = "; ") -> pd.Series:
    """Join text Series element-wise over ``index``, skipping NA/empty parts; "" where nothing is left.

    Runs in Arrow compute kernels (no per-element Python call): the present pieces of every part are gathered with
    their row positions, ordered by row (then by part) into one list per row, and each list is joined once.
    """
    n = len(index)
    rows: list[np.ndarray] = []
    values: list[pa.Array] = []
    for part in parts:
        pos, p = _pieces(part, index)
        has = pc.fill_null(pc.and_(pc.is_valid(p), pc.not_equal(p, "")), False)
        if not pc.any(has).as_py():
            continue
        where = pos[has.to_numpy(zero_copy_only=False)] if pos is not None else pc.indices_nonzero(has).to_numpy()
        rows.append(np.asarray(where, dtype=np.int64))
        values.append(pc.filter(p, has))
    if not rows:
        return pd.Series(pd.array(np.full(n, "", dtype=object), dtype="str"), index=index)
    r = np.concatenate(rows)
    order = np.argsort(r, kind="stable")  # each part's rows ascend: a merge of sorted runs
    pieces = pa.concat_arrays(values).take(pa.array(order, pa.int64()))
    offsets = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n), out=offsets[1:])
    lists = pa.LargeListArray.from_arrays(pa.array(offsets, pa.int64()), pieces)
    joined = pc.binary_join(lists, pa.scalar(sep, pa.large_string()))
    return pd.Series(pd.array(joined, dtype="str"), index=index)


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
