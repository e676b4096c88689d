"""Vietnamese text for reasons, built with Arrow string kernels on whole arrays (no per-row Python call): texts are
made once per distinct value where they can be, then spread by position."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_LARGE = pa.large_string()


def _text(values: np.ndarray) -> pa.Array:
    return pc.cast(pa.array(values), _LARGE)


def _format(x: np.ndarray, decimals: int, min_decimals: int, floor: bool) -> pa.Array:
    """The text of each (non-NaN) number of ``x``, in numpy and Arrow kernels."""
    scale = 10 ** decimals
    scaled = np.floor(x * scale + 1e-9) if floor else np.round(x * scale)
    n = scaled.astype(np.int64)
    whole, frac = n // scale, n % scale
    empty, dot = pa.scalar("", _LARGE), pa.scalar(".", _LARGE)
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
        with_frac = pc.binary_join_element_wise(text, digits, pa.scalar(",", _LARGE))
        text = pc.if_else(pc.equal(digits, ""), text, with_frac)
    return text


def fmt_number(values: pd.Series, decimals: int = 2, *, min_decimals: int = 0, floor: bool = False) -> pd.Series:
    """Numbers the Vietnamese way: ``1.500.000``, ``7,99``; ``floor`` truncates instead of rounding. NA stays NA.

    For non-negative values below 10**15; each distinct value is formatted once, in numpy and Arrow kernels (no
    per-element Python call).
    """
    x = values.astype("Float64").to_numpy(dtype=float, na_value=np.nan)
    codes, distinct = pd.factorize(x, use_na_sentinel=True)
    text = lookup_text(_format(np.asarray(distinct, dtype=float), decimals, min_decimals, floor), codes)
    return to_series(text, values.index)


def fmt_scalar(value: float, decimals: int = 2) -> str:
    """One number the Vietnamese way (for thresholds in messages)."""
    text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".") if decimals else f"{value:,.0f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def lower_first(values: pd.Series) -> pd.Series:
    """``Thất nghiệp`` → ``thất nghiệp`` (only the first letter, so ``HĐLĐ`` keeps its capitals)."""
    return values.str[:1].str.lower() + values.str[1:]


def to_arrow(values: pd.Series) -> pa.Array:
    """The text of a Series as one Arrow ``large_string`` array (NA as null)."""
    text = values if values.dtype == "str" else values.astype("str")
    arr = pa.array(text.array).cast(_LARGE)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def to_series(values: pa.Array, index: pd.Index) -> pd.Series:
    """An Arrow text array as a ``str`` Series on ``index``."""
    return pd.Series(pd.array(values, dtype="str"), index=index)


def cat(*parts: pa.Array | str) -> pa.Array:
    """Element-wise concatenation of text arrays and constants; null where any array is null (as pandas ``+``)."""
    return pc.binary_join_element_wise(*(p if isinstance(p, pa.Array) else pa.scalar(p, _LARGE) for p in parts),
                                       pa.scalar("", _LARGE))


def repeat(text: str, n: int) -> pa.Array:
    """``text`` ``n`` times."""
    return pa.repeat(pa.scalar(text, _LARGE), n)


def lookup_text(texts: pa.Array, which: np.ndarray) -> pa.Array:
    """``texts[which]`` per row; null where ``which`` is negative."""
    which = np.asarray(which, dtype=np.int64)
    return texts.cast(_LARGE).take(pa.array(which, mask=which < 0))


def labels(codes: np.ndarray, names: Sequence[str], index: pd.Index) -> pd.Series:
    """``names[code]`` per row as a ``str`` Series on ``index``; NA where the code is negative."""
    return to_series(lookup_text(pa.array(list(names), _LARGE), codes), index)


def scatter(values: pa.Array, rows: np.ndarray, n: int) -> pa.Array:
    """``values`` placed at positions ``rows`` of an array of ``n`` texts; null elsewhere."""
    which = np.full(n, -1, dtype=np.int64)
    which[rows] = np.arange(len(rows))
    return lookup_text(values, which)


def join_groups(texts: pa.Array, counts: np.ndarray, sep: str) -> pa.Array:
    """One text per group: the ``counts[i]`` consecutive ``texts`` of group i joined by ``sep`` (null text as
    ""); null for a group without texts."""
    offsets = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=offsets[1:])
    lists = pa.LargeListArray.from_arrays(pa.array(offsets), pc.fill_null(texts.cast(_LARGE), ""),
                                          mask=pa.array(counts == 0))
    return pc.binary_join(lists, pa.scalar(sep, _LARGE))


Rows = tuple[np.ndarray, pa.Array]  # (row positions, ascending; one text for each)
Piece = tuple[np.ndarray | None, pa.Array]  # Rows, or (None, one text for every row)


def join_pieces(n: int, parts: Iterable[Piece], sep: str = "; ") -> pa.Array:
    """Join texts given by row position element-wise over ``n`` rows, skipping null/empty ones; "" where nothing is
    left. A part gives at most one text per row, its positions ascending.

    Runs in Arrow compute kernels (no per-element Python call): the present pieces of every part are gathered with
    their row positions, ordered by row (then by part) into one list per row, and each list is joined once.
    """
    rows: list[np.ndarray] = []
    values: list[pa.Array] = []
    for pos, p in parts:
        has = pc.fill_null(pc.not_equal(p, pa.scalar("", _LARGE)), False)
        count = pc.sum(has).as_py() or 0
        if not count:
            continue
        if count < len(p):
            where = pos[has.to_numpy(zero_copy_only=False)] if pos is not None else pc.indices_nonzero(has).to_numpy()
            p = pc.filter(p, has)
        else:
            where = pos if pos is not None else np.arange(n)
        rows.append(np.asarray(where, dtype=np.int64))
        values.append(p.cast(_LARGE))
    if not rows:
        return repeat("", n)
    r = np.concatenate(rows)
    order = np.argsort(r, kind="stable")  # each part's rows ascend: a merge of sorted runs
    pieces = pa.concat_arrays(values).take(pa.array(order, pa.int64()))
    return join_groups(pieces, np.bincount(r, minlength=n), sep).fill_null("")


def _pieces(part: pd.Series, index: pd.Index) -> Piece:
    """(row positions in ``index`` or None for all rows in order, text) of one part, as ``part.reindex(index)``."""
    if part.index is index or (len(part.index) == len(index) and part.index.equals(index)):
        return None, to_arrow(part)
    if len(part) * 4 < len(index) and part.index.is_unique and index.is_unique:
        pos = index.get_indexer(part.index)
        keep = np.flatnonzero(pos >= 0)
        keep = keep[np.argsort(pos[keep], kind="stable")]
        return pos[keep], to_arrow(part).take(pa.array(keep, pa.int64()))
    return None, to_arrow(part.reindex(index))


def join_parts(parts: Iterable[pd.Series], index: pd.Index, sep: str = "; ") -> pd.Series:
    """Join text Series element-wise over ``index``, skipping NA/empty parts; "" where nothing is left."""
    return to_series(join_pieces(len(index), (_pieces(part, index) for part in parts), sep), index)
