"""Typing the text grid, column by column, vectorised. A value that cannot be read becomes NA and a finding.

The raw text of every cell is kept by the caller so that findings can quote what the officer wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hgn_review.schemas.layout import ColumnSpec
from hgn_review.text import fold, re_sub

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_DOT_THOUSANDS = r"^-?\d{1,3}(\.\d{3})+$"
_COMMA_THOUSANDS = r"^-?\d{1,3}(,\d{3})+$"
_COMMA_DECIMAL = r"^-?\d+,\d+$"
_YEAR = r"^(1[89]\d\d|2[01]\d\d)$"


@dataclass
class Coerced:
    values: pd.Series  # typed
    bad: pd.Series  # bool: raw present but not readable
    code: str  # finding code for `bad`
    blank: pd.Series  # bool: raw blank
    years: pd.Series | None = None  # for year_only date columns: the year (Int64)
    fraction: pd.Series | None = None  # integer columns: a number with a fraction (value-not-integer)


STR = pd.StringDtype("pyarrow")  # Arrow kernels: vectorised string operations, not a Python loop per cell


def _strip(raw: pd.Series) -> pd.Series:
    s = raw.astype(STR).str.strip()
    return s.mask(s == "")


def map_unique(s: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """Apply ``func`` once per distinct value and broadcast (codes and yes/no repeat a lot)."""
    uniq = s.dropna().unique()
    return s.map({u: func(u) for u in uniq})


def parse_number(s: pd.Series) -> pd.Series:
    """Vietnamese and Excel number text → Float64 (NA where unreadable)."""
    t = s.astype(STR)
    plain = t.str.fullmatch(r"-?\d+(\.\d+)?", na=False)
    out = pd.Series(pd.NA, index=s.index, dtype="Float64")
    if plain.any():
        out[plain] = pd.to_numeric(t[plain], errors="coerce")
    rest = t[~plain & t.notna()]
    if len(rest):  # only text that is not a plain number pays for the Vietnamese forms
        r = rest.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False)
        r = r.mask(r.str.match(_DOT_THOUSANDS, na=False), r.str.replace(".", "", regex=False))
        r = r.mask(r.str.match(_COMMA_THOUSANDS, na=False), r.str.replace(",", "", regex=False))
        r = r.mask(r.str.match(_COMMA_DECIMAL, na=False), r.str.replace(",", ".", regex=False))
        out[rest.index] = pd.to_numeric(r, errors="coerce")
    return out


def parse_date(s: pd.Series, year_only: bool) -> tuple[pd.Series, pd.Series]:
    """Dates from Excel date cells (ISO text), serials, dd/mm/yyyy text and, where allowed, a year alone.

    Returns (dates as datetime64 with NaT, years as Int64). A year alone gives NaT and the year.
    """
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[ns]")
    years = pd.Series(pd.NA, index=s.index, dtype="Int64")
    iso = s.str.match(r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d+)?)?$", na=False)
    if iso.any():
        out[iso] = pd.to_datetime(s[iso].str.slice(0, 10), format="%Y-%m-%d", errors="coerce")
    dmy = s.str.match(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}$", na=False)
    if dmy.any():
        norm = s[dmy].str.replace(r"[.\-]", "/", regex=True)
        out[dmy] = pd.to_datetime(norm, format="%d/%m/%Y", errors="coerce")
    yr = s.str.match(_YEAR, na=False) if year_only else pd.Series(False, index=s.index)
    if yr.any():
        years[yr] = pd.to_numeric(s[yr]).astype("Int64")
    serial = ~iso & ~dmy & ~yr & s.str.match(r"^\d+(\.\d+)?$", na=False)
    if serial.any():
        num = pd.to_numeric(s[serial], errors="coerce")
        ok = (num >= 1) & (num < 2958466)
        days = num[ok].astype(float).to_numpy()
        out[num[ok].index] = EXCEL_EPOCH + pd.to_timedelta(np.floor(days), unit="D")
    has_date = out.notna()
    years[has_date] = out[has_date].dt.year.astype("Int64")
    return out, years


def coerce(raw: pd.Series, spec: ColumnSpec) -> Coerced:
    s = _strip(raw)
    blank = s.isna()
    t = spec.type
    years = None
    if t in ("text", "id"):
        values = s.str.normalize("NFC") if t == "text" else s
        bad = pd.Series(False, index=s.index)
        code = "value-not-in-list"
    elif t == "code":
        digits = re_sub(s, r"\.0+$", "")
        isdig = digits.str.fullmatch(r"\d+", na=False)
        width = spec.digits or 0
        values = digits.mask(isdig & (digits.str.len() < width), digits.str.zfill(width))
        bad = pd.Series(False, index=s.index)
        code = "value-not-in-list"
    elif t in ("number", "integer"):
        values = parse_number(s)
        bad = ~blank & values.isna()
        code = "value-not-number"
        if t == "integer":
            frac = (values.notna() & (values != values.round())).fillna(False).astype(bool)
            values = values.mask(frac).round().astype("Int64")
            return Coerced(values, bad.astype(bool), code, blank, fraction=frac)
    elif t == "date":
        values, years = parse_date(s, spec.year_only)
        ok = values.notna() | (years.notna() if spec.year_only else False)
        bad = ~blank & ~ok
        code = "value-not-date"
    elif t in ("yesno", "flag", "choice"):
        def canon(v: str) -> object:
            v = re.sub(r"^(\d+)\.0+$", r"\1", v)  # 1.0 from a numeric cell is 1
            return spec.choice_map.get(fold(v))

        mapped = map_unique(s, canon)
        bad = ~blank & mapped.isna()
        if t == "yesno":
            values = mapped.map({"Có": True, "Không": False}).astype("boolean")
            if spec.blank_is_no:
                values = values.mask(blank, False)
            code = "value-not-yes-no"
        elif t == "flag":
            values = mapped.map({"1": 1, "0": 0}).astype("Int8")
            code = "value-not-in-list"
        else:
            values = mapped.astype("string")
            if spec.default is not None:
                values = values.mask(blank, spec.default)
            code = "value-not-in-list"
    elif t == "multichoice":
        parts = s.astype(object).str.split(r"\s*[;\n]\s*", regex=True)
        exploded = parts.explode()
        mapped = map_unique(exploded, lambda v: spec.choice_map.get(fold(v)) if v else None)
        bad_part = exploded.notna() & (exploded != "") & mapped.isna()
        bad = bad_part.groupby(level=0).any().reindex(s.index, fill_value=False) & ~blank
        values = mapped.dropna().groupby(level=0).agg(";".join).reindex(s.index).astype("string")
        code = "value-not-in-list"
    else:  # pragma: no cover - the layout loader rejects unknown types
        raise ValueError(t)
    return Coerced(values, bad.astype(bool), code, blank, years=years)
