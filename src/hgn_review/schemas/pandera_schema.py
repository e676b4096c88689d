"""Pandera schemas generated from the layout data: required cells and numeric domains, checked lazily."""

from __future__ import annotations

from functools import cache

import pandera.pandas as pa

from hgn_review.schemas.layout import SheetSpec, load_layout

NUMERIC = ("number", "integer")


def _checks(c) -> list[pa.Check]:  # type: ignore[no-untyped-def]
    checks: list[pa.Check] = []
    if c.type not in NUMERIC:
        return checks
    if c.min is not None:
        checks.append(pa.Check.ge(c.min, name="min", ignore_na=True))
    if c.min_exclusive is not None:
        checks.append(pa.Check.gt(c.min_exclusive, name="min_exclusive", ignore_na=True))
    if c.max is not None:
        checks.append(pa.Check.le(c.max, name="max", ignore_na=True))
    if c.multiple_of:
        m = float(c.multiple_of)
        checks.append(pa.Check(lambda s, m=m: (s.astype("float64") % m) == 0, name="multiple_of", ignore_na=True))
    return checks


YEAR = "nam_sinh"  # the typed column that holds a year-only date column's year (validate._type_sheet)


def build_schema(spec: SheetSpec, present: frozenset[str]) -> pa.DataFrameSchema:
    cols = {}
    for c in spec.columns:
        if c.key not in present:
            continue
        nullable = not c.required or c.blank_is_no or c.default is not None
        if c.year_only and not nullable and YEAR in present:
            # a date or a year alone fills it: required means the year is known (a year alone is no failure to
            # sift out afterwards); the bridge reports a missing one at this column
            cols[YEAR] = pa.Column(nullable=False, required=False, coerce=False)
            continue
        checks = _checks(c)
        if nullable and not checks:
            continue  # a column that may be blank and has no domain cannot fail: not worth pandera's visit
        cols[c.key] = pa.Column(checks=checks, nullable=nullable, required=False, coerce=False)
    return pa.DataFrameSchema(cols, strict=False, name=spec.role)


@cache
def schema_for(layout_id: str, role: str, present: frozenset[str]) -> pa.DataFrameSchema:
    return build_schema(load_layout(layout_id).sheets[role], present)
