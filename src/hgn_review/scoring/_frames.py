"""Frame helpers shared by the scoring modules: typed column access, per-member lookups, finding locations."""

from __future__ import annotations

from functools import cache
from typing import Any

import numpy as np
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
        return s if s.dtype == _STR else s.astype("str").where(s.notna())
    return s if s.dtype == kind else s.astype(kind)


def map_values(values: pd.Series, mapping: Any, dtype: str) -> pd.Series:
    """``values.map(mapping).astype(dtype)`` for a dict mapping, looked up once per distinct value (NA stays NA)."""
    if isinstance(values.dtype, pd.CategoricalDtype):  # already coded: look up the categories
        codes, uniques = values.cat.codes.to_numpy(), values.cat.categories
    else:
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = pd.array([mapping.get(u) for u in uniques], dtype=dtype)
    return pd.Series(mapped.take(codes, allow_fill=True), index=values.index, name=values.name)


def household_positions(households: pd.DataFrame, members: pd.DataFrame) -> np.ndarray:
    """Row position of each member's household (by ``uid``); -1 for a member of no household."""
    uid = column(members, "uid", "Int64")
    return pd.Index(households["uid"].astype("int64")).get_indexer(uid.fillna(-1).astype("int64"))


def household_values(households: pd.DataFrame, values: pd.Series, members: pd.DataFrame,
                     positions: np.ndarray | None = None) -> pd.Series:
    """``values`` (one per household row) looked up for each member by ``uid``; NA for a member of no household.

    ``positions``: :func:`household_positions` of the same frames, when already known."""
    pos = household_positions(households, members) if positions is None else positions
    found = pos >= 0
    out = values.iloc[np.where(found, pos, 0)] if len(values) else values.reindex(range(len(pos)))
    return pd.Series(out.array, index=members.index).where(found)


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
        # the columns are taken now (no copy); the lookup frame is built on the first finding (most batches have few)
        self._source = households[[key for key in ("file", "sheet", "row", "layout") if key in households.columns]]
        self._index = index
        self._frame: pd.DataFrame | None = None

    @property
    def frame(self) -> pd.DataFrame:
        if self._frame is None:
            src = self._source
            self._frame = pd.DataFrame({
                "file": column(src, "file", "str").fillna("").to_numpy(),
                "sheet": column(src, "sheet", "str").fillna("").to_numpy(),
                "row": column(src, "row", "Int64").to_numpy(dtype=object, na_value=None),
                "layout": column(src, "layout", "str").fillna("hgn").to_numpy()}, index=self._index)
        return self._frame

    def finding(self, code: str, label: Any, *, column_key: str | None = None, **kw: Any) -> Finding:
        """A finding on the household ``label``; ``column_key`` adds the header text of that column."""
        where = self.frame.loc[label]
        row = None if where["row"] is None else int(where["row"])
        head = header(where["layout"], column_key) if column_key else None
        return finding(code, file=where["file"], sheet=where["sheet"], row=row, column=head, **kw)
