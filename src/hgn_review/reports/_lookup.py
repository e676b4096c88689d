"""Hash look-ups of string columns in arrow: pandas' Index.get_indexer and Series.map(dict) first turn an arrow
string column into Python objects, which costs more than the look-up itself on a province's households."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def arrow_str(values: pd.Series | pd.Index) -> pa.Array:
    return pa.array(values.astype("string").array, type=pa.large_string())


def positions(values: pd.Series | pd.Index, index: pd.Index) -> np.ndarray:
    """``index.get_indexer(values)`` for strings and an index without repeats: the position of each value, -1 when
    it is not in the index."""
    at = pc.index_in(arrow_str(values), value_set=arrow_str(index))
    return np.asarray(at.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


def map_str(values: pd.Series, mapping: dict[str, str | None]) -> pd.Series:
    """``values.map(mapping)`` for strings mapped to strings, as a "string" column (NA where nothing maps)."""
    keys = pa.array(list(mapping), type=pa.large_string())
    targets = pa.array(list(mapping.values()), type=pa.large_string())
    at = pc.index_in(arrow_str(values), value_set=keys)
    out: Any = targets.take(at)
    return pd.Series(pd.arrays.ArrowStringArray(out), index=values.index)
