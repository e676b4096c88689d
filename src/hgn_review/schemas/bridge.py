"""The one place where pandera failures become findings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandera.pandas as pa

from hgn_review.findings import Finding, finding
from hgn_review.schemas.layout import SheetSpec
from hgn_review.schemas.pandera_schema import YEAR


def plain_number(v: object) -> str:
    """A number as a cell shows it: 15, not 15.0."""
    if isinstance(v, float) and v.is_integer():
        return f"{int(v)}"
    return str(v)


def run_schema(schema: pa.DataFrameSchema, typed: pd.DataFrame, raw: pd.DataFrame, unreadable: pd.DataFrame,
               spec: SheetSpec, *, file: str, sheet: str, headers: dict[str, str],
               letters: dict[str, str]) -> list[Finding]:
    """Validate lazily; translate every failure case. ``unreadable`` marks cells already reported as unreadable."""
    try:
        schema.validate(typed, lazy=True)
        return []
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
    out: list[Finding] = []
    by_key = spec.by_key
    year_of = [c.key for c in spec.columns if c.year_only]
    if year_of:  # the year of a year-only date column stands for that column
        cases = cases.assign(column=cases["column"].replace({YEAR: year_of[0]}))
    cases = cases[cases["index"].notna() & cases["column"].isin(list(by_key))]
    if cases.empty:
        return out
    rows = cases["index"].astype("int64").to_numpy()
    skip = np.zeros(len(cases), dtype=bool)
    not_null = (cases["check"].astype(str) == "not_nullable").to_numpy()
    for key in cases["column"][not_null].unique():  # one lookup per column, not per failing cell
        sel = not_null & (cases["column"] == key).to_numpy()
        pos = unreadable.index.get_indexer(rows[sel])
        # already reported as unreadable, or held a value the type keeps elsewhere (a year alone)
        held = unreadable[key].to_numpy(dtype=bool, na_value=False)[pos]
        if key in raw:
            held |= raw[key].notna().to_numpy()[raw.index.get_indexer(rows[sel])]
        skip[sel] = held
    for key, check, row, val in zip(cases["column"][~skip], cases["check"][~skip], rows[~skip],
                                    cases["failure_case"][~skip], strict=True):
        c = by_key[key]
        row = int(row)
        where = {"file": file, "sheet": sheet, "row": row, "column": headers.get(key, c.header),
                 "col": letters.get(key), "key": key}
        check = str(check)
        if check == "not_nullable":
            out.append(finding("value-required", **where))
        elif check.startswith("multiple_of"):
            out.append(finding("value-out-of-range", value=plain_number(val), detail=f"bội số của {plain_number(c.multiple_of)}",
                               detail_en=f"a multiple of {plain_number(c.multiple_of)}", **where))
        elif check.startswith(("greater_than", "less_than", "in_range", "min", "max")):
            lo = f"≥ {plain_number(c.min)}" if c.min is not None else (f"> {plain_number(c.min_exclusive)}" if c.min_exclusive is not None else "")
            hi = f"≤ {plain_number(c.max)}" if c.max is not None else ""
            out.append(finding("value-out-of-range", value=plain_number(raw.at[row, key]) if key in raw else plain_number(val),
                               detail=", ".join(x for x in (lo, hi) if x), **where))
    return out
