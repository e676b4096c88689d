"""Frame helpers shared by the scoring modules: typed column access, three-valued masks and coded text answers as
numpy arrays, per-member lookups, finding locations."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from hgn_review.findings import Finding, finding
from hgn_review.schemas.layout import load_layout

_STR = pd.StringDtype(na_value=np.nan)  # pandas' default text dtype ("str")


def column(df: pd.DataFrame, key: str, kind: str) -> pd.Series:
    """``df[key]`` as ``kind`` (str, boolean, Float64, Int64, Int8, datetime); all-NA when the column is absent."""
    s = df[key] if key in df.columns else pd.Series(pd.NA, index=df.index, dtype="object")
    if kind == "datetime":
        return s if pd.api.types.is_datetime64_any_dtype(s.dtype) else pd.to_datetime(s, errors="coerce")
    if kind == "str":
        if s.dtype == _STR:
            return s
        # other text dtypes keep NA as NA; anything else (object, numbers) may not: mask it again
        return s.astype("str") if isinstance(s.dtype, pd.StringDtype) else s.astype("str").where(s.notna())
    return s if s.dtype == kind else s.astype(kind)


def map_values(values: pd.Series, mapping: Any, dtype: str) -> pd.Series:
    """``values.map(mapping).astype(dtype)`` for a dict mapping, looked up once per distinct value (NA stays NA)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # already coded: look up the categories
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = pd.array([mapping.get(u) for u in uniques], dtype=dtype)
    return pd.Series(mapped.take(codes, allow_fill=True), index=values.index, name=values.name)


@dataclass(frozen=True)
class Tri:
    """A three-valued (Kleene) mask: ``yes`` where known True, ``no`` where known False, neither where NA."""

    yes: np.ndarray
    no: np.ndarray

    @classmethod
    def test(cls, known: np.ndarray, holds: np.ndarray) -> Tri:
        """``holds`` where ``known``, NA elsewhere."""
        return cls(known & holds, known & ~holds)

    @classmethod
    def of(cls, values: pd.Series) -> Tri:
        """From a boolean Series (NA stays NA)."""
        b = values if values.dtype == "boolean" else values.astype("boolean")
        return cls.test(b.notna().to_numpy(), b.to_numpy(dtype=bool, na_value=False))

    def __and__(self, other: Tri) -> Tri:
        return Tri(self.yes & other.yes, self.no | other.no)

    def __or__(self, other: Tri) -> Tri:
        return Tri(self.yes | other.yes, self.no & other.no)

    def __invert__(self) -> Tri:
        return Tri(self.no, self.yes)

    @property
    def unknown(self) -> np.ndarray:
        return ~(self.yes | self.no)

    def agree(self, other: Tri) -> Tri:
        """Known only where both are known and equal (the same rule at the youngest and the oldest age)."""
        return Tri(self.yes & other.yes, self.no & other.no)

    def series(self, index: pd.Index) -> pd.Series:
        return pd.Series(pd.arrays.BooleanArray(self.yes.copy(), self.unknown), index=index)


@dataclass(frozen=True)
class Coded:
    """A text answer coded once: ``codes`` (-1 for NA) into the distinct ``values``."""

    codes: np.ndarray
    values: tuple[str, ...]

    @classmethod
    def of(cls, values: pd.Series) -> Coded:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        # answers have few distinct values: small codes keep the arrays (one per member) small
        small = np.int8 if len(uniques) < 127 else np.int16 if len(uniques) < 32767 else np.intp
        return cls(codes.astype(small), tuple(uniques))

    def lookup(self, table: Mapping[str, object], missing: object, dtype: npt.DTypeLike) -> np.ndarray:
        """Per row: ``table`` of the value (``missing`` for NA, a value not in the table or mapped to None), looked up
        once per distinct value."""
        per_value = [table.get(v) for v in self.values]
        out = np.array([missing if v is None else v for v in per_value] + [missing], dtype=dtype)
        return out[self.codes]  # code -1 takes the last entry: NA

    def matches(self, allowed: Collection[str]) -> np.ndarray:
        """Per row: the value is one of ``allowed`` (False for NA)."""
        return self.lookup({v: True for v in self.values if v in allowed}, False, bool)

    def isin(self, allowed: Collection[str]) -> Tri:
        """Kleene ``isin``: NA where the value is NA."""
        hit = self.matches(allowed)
        return Tri(hit, (self.codes >= 0) & ~hit)

    def take(self, rows: np.ndarray | slice) -> Coded:
        return Coded(self.codes[rows], self.values)


def group_sums(by: Sequence[pd.Series], columns: Iterable[tuple[str, np.ndarray]]) -> pd.DataFrame:
    """``pd.DataFrame(dict(columns)).groupby(by, dropna=False, sort=True).sum()`` for integer (or boolean) columns:
    the groups are found once, each column is summed with ``np.bincount`` (exact for totals below 2**53) as it
    comes (``columns`` may be a generator: one column at a time)."""
    grouped = pd.Series(np.zeros(len(by[0]), dtype=np.int8), index=by[0].index).groupby(list(by), dropna=False,
                                                                                         sort=True)
    ids, index = grouped.ngroup().to_numpy(), grouped.size().index

    def total(values: np.ndarray) -> np.ndarray:
        if values.dtype == bool:  # a count: of the (few) rows where it holds
            return np.bincount(ids[values], minlength=len(index)).astype(np.int64)
        return np.bincount(ids, weights=values, minlength=len(index)).astype(np.int64)

    return pd.DataFrame({name: total(values) for name, values in columns}, index=index)


def household_positions(households: pd.DataFrame, members: pd.DataFrame) -> np.ndarray:
    """Row position of each member's household (by ``uid``); -1 for a member of no household."""
    uid = column(members, "uid", "Int64")
    return pd.Index(households["uid"].astype("int64")).get_indexer(uid.to_numpy(dtype="int64", na_value=-1))


def household_persons(households: pd.DataFrame, size: np.ndarray, recorded: np.ndarray | None = None) -> np.ndarray:
    """The persons each household row counts for (``size``: its member rows): its member rows, else the size
    written on it ("Số thành viên"). A household code written on two rows of a commune (copies that differ, kept
    and reported) counts its persons once: the member rows under it, else the first row's written size — never
    the written size of a row whose members stand under the other row. A row of the household that moved away
    or dissolved counts for itself (it is counted apart from the present households). ``recorded``: the written sizes, if the
    frame does not hold them."""
    return persons_and_unknown(households, size, recorded)[0]


def persons_and_unknown(households: pd.DataFrame, size: np.ndarray,
                        recorded: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(:func:`household_persons`, the rows whose persons are not known): no member rows, no size written, and no
    other row of the code that counts them — counted 0, which is not what the household holds. With ``recorded``
    given, a blank size is not told apart (none is unknown)."""
    if recorded is None:
        written = (pd.to_numeric(households["so_thanh_vien"], errors="coerce") if "so_thanh_vien" in households.columns
                   else pd.Series(np.nan, index=households.index))
        unknown = (size == 0) & written.isna().to_numpy(dtype=bool)
        recorded = written.fillna(0).astype("int64").to_numpy()
    else:
        unknown = np.zeros(len(households), dtype=bool)  # (the caller's sizes: a blank one is not told apart)
    persons = np.where(size > 0, size, recorded)
    unlisted = size == 0
    if "ma_ho" not in households.columns or not unlisted.any():  # only a row without member rows can change
        return persons, unknown
    keys = [k for k in ("source_file", "file", "ma_xa", "ma_ho") if k in households.columns]  # within one return
    rows = np.ones(len(households), dtype=bool)
    if keys[0] in ("source_file", "file"):  # a province's households: only the returns of such rows are looked at
        rows = households[keys[0]].isin(households[keys[0]][unlisted].dropna().unique()).to_numpy(dtype=bool)
    group = households.loc[rows, keys].groupby(keys, dropna=True, sort=False).ngroup().to_numpy(
        dtype="float64", na_value=np.nan)
    at = np.flatnonzero(rows)[~np.isnan(group)]  # a row without a code (or commune) is a household of its own
    k = group[~np.isnan(group)].astype(np.int64)
    if not len(k) or np.bincount(k).max() <= 1:
        return persons, unknown
    from hgn_review.scoring.movements import STATUS_OUT

    # a row of a household that moved away or dissolved is counted apart (not in the unit's present households):
    # members listed under it do not stand for the household's row that is present
    gone = (households["tinh_trang_ho"].isin(STATUS_OUT).to_numpy(dtype=bool)[at] if "tinh_trang_ho" in households
            else np.zeros(len(at), dtype=bool))
    listed = np.bincount(k, weights=(size[at] > 0) & ~gone, minlength=int(k.max()) + 1) > 0
    first = np.zeros(len(k), dtype=bool)  # the first present row of each code (a departed row: its own count)
    present = np.flatnonzero(~gone)
    first[present[np.unique(k[present], return_index=True)[1]]] = True
    counted_elsewhere = ~gone & (listed[k] | ~first)  # counted by the code's row with members, or its first row
    persons[at] = np.where(size[at] > 0, size[at], np.where(counted_elsewhere, 0, recorded[at]))
    unknown[at] &= ~counted_elsewhere
    return persons, unknown


@cache
def header(layout: str, key: str) -> str:
    """The column header officers see for ``key`` in a layout's households sheet (hgn's when the layout lacks it)."""
    spec = load_layout(layout if layout in ("hgn", "app") else "hgn")
    col = spec.sheets["households"].by_key.get(key)
    if col is None and layout != "hgn":
        return header("hgn", key)
    return col.header if col is not None else key


class Locator:
    """Where each household row sits (file, sheet, Excel row, layout), to make findings officers can act on."""

    def __init__(self, households: pd.DataFrame, index: pd.Index) -> None:
        # the columns are taken now (no copy); they are read only for the rows of the findings (most batches have few)
        self._source = households[[key for key in ("file", "sheet", "row", "layout") if key in households.columns]]
        self._index = index

    def finding(self, code: str, label: Any, *, column_key: str | None = None, **kw: Any) -> Finding:
        """A finding on the household ``label``; ``column_key`` adds the header text of that column."""
        return self.findings(code, [self._index.get_loc(label)], column_key=column_key, **kw)[0]

    def findings(self, code: str, positions: Sequence[int] | np.ndarray, *, column_key: str | None = None,
                 **kw: Any) -> list[Finding]:
        """One finding per household at ``positions`` (row order of the frame). Each keyword is one value for all,
        or a list with one value per position."""
        at = np.asarray(positions, dtype=np.intp)
        if not len(at):
            return []
        src = self._source.iloc[at]
        files = column(src, "file", "str").fillna("").tolist()
        sheets = column(src, "sheet", "str").fillna("").tolist()
        rows = [None if r is None else int(r) for r in column(src, "row", "Int64").to_numpy(dtype=object, na_value=None)]
        layouts = column(src, "layout", "str").fillna("hgn").tolist()
        heads = [header(layout, column_key) for layout in layouts] if column_key else [None] * len(at)
        each = {k: v for k, v in kw.items() if isinstance(v, (list, np.ndarray))}
        same = {k: v for k, v in kw.items() if k not in each}
        return [finding(code, file=files[i], sheet=sheets[i], row=rows[i], column=heads[i], **same,
                        **{k: v[i] for k, v in each.items()}) for i in range(len(at))]
