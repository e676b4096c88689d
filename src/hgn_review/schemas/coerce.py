"""Typing the text grid, column by column, vectorised. A value that cannot be read becomes NA and a finding.

The raw text of every cell is kept by the caller so that findings can quote what the officer wrote.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hgn_review.schemas.layout import ColumnSpec
from hgn_review.text import arrow_mask, arrow_text, fold, from_codes, re_sub, text_series

EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_DOT_THOUSANDS = r"^-?\d{1,3}(\.\d{3})+$"
_COMMA_THOUSANDS = r"^-?\d{1,3}(,\d{3})+$"
_COMMA_DECIMAL = r"^-?\d+,\d+$"
_YEAR = r"^(1[89]\d\d|2[01]\d\d)$"
_ISO = r"^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d+)?)?$"


@dataclass
class Coerced:
    values: pd.Series  # typed
    bad: pd.Series  # bool: raw present but not readable
    code: str  # finding code for `bad`
    blank: pd.Series  # bool: raw blank
    years: pd.Series | None = None  # for year_only date columns: the year (Int64)
    fraction: pd.Series | None = None  # integer columns: a number with a fraction (value-not-integer)


def _objects(values: Sequence[object]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _strip(raw: pd.Series) -> pd.Series:
    """Trim spaces; a cell of spaces only is blank (Arrow kernels: no pandas overhead per column)."""
    t = pc.utf8_trim_whitespace(arrow_text(raw))
    t = pc.if_else(pc.equal(t, ""), pa.scalar(None, pa.string()), t)
    return text_series(t, raw.index)


def _distinct(s: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(slot of each value, the distinct values): NA takes the extra slot after the last distinct value."""
    codes, uniques = pd.factorize(s)
    return np.where(codes < 0, len(uniques), codes), uniques


def map_unique(s: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """Apply ``func`` once per distinct value and broadcast (codes and yes/no repeat a lot). NA → None."""
    slots, uniques = _distinct(s)
    return pd.Series(_objects([func(u) for u in uniques] + [None])[slots], index=s.index, dtype=object)


def parse_number(s: pd.Series) -> pd.Series:
    """Vietnamese and Excel number text → Float64 (NA where unreadable)."""
    arr = arrow_text(s)
    matched = pc.match_substring_regex(arr, r"^-?\d+(\.\d+)?$")
    if pc.all(pc.fill_null(matched, True)).as_py():  # the usual column: every cell blank or a plain number
        return pd.Series(pd.array(pc.cast(arr, pa.float64()), dtype="Float64"), index=s.index)
    plain = arrow_mask(matched)
    t = text_series(arr, s.index)
    out = pd.Series(pd.NA, index=s.index, dtype="Float64")
    if plain.any():
        out[plain] = pd.array(pc.cast(pc.filter(arr, pa.array(plain)), pa.float64()), dtype="Float64")
    rest = t[~plain & t.notna().to_numpy()]
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
    Which form each cell has is decided with Arrow kernels; each form is then converted in one call.
    """
    arr = arrow_text(s)

    def mask(pattern: str) -> np.ndarray:
        return arrow_mask(pc.match_substring_regex(arr, pattern))

    def part(m: np.ndarray) -> pd.Series:
        return text_series(pc.filter(arr, pa.array(m)))

    out = np.full(len(s), np.datetime64("NaT"), dtype="datetime64[ns]")
    year_values = np.zeros(len(s), dtype=np.int64)
    year_known = np.zeros(len(s), dtype=bool)
    iso = mask(_ISO)
    if iso.any():
        out[iso] = pd.to_datetime(part(iso).str.slice(0, 10), format="%Y-%m-%d", errors="coerce").to_numpy("datetime64[ns]")
    rest = ~iso & ~pd.isna(arr.to_numpy(zero_copy_only=False))
    if rest.any():
        dmy = mask(r"^\d{1,2}[/.\-]\d{1,2}[/.\-]\d{4}$")
        if dmy.any():
            norm = part(dmy).str.replace(r"[.\-]", "/", regex=True)
            out[dmy] = pd.to_datetime(norm, format="%d/%m/%Y", errors="coerce").to_numpy("datetime64[ns]")
        yr = mask(_YEAR) if year_only else np.zeros(len(s), dtype=bool)
        if yr.any():
            year_values[yr] = pd.to_numeric(part(yr)).to_numpy(np.int64)
            year_known |= yr
        serial = ~iso & ~dmy & ~yr & mask(r"^\d+(\.\d+)?$")
        if serial.any():
            num = pd.to_numeric(part(serial), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
            ok = (num >= 1) & (num < 2958466)
            where = np.flatnonzero(serial)[ok]
            out[where] = (EXCEL_EPOCH + pd.to_timedelta(np.floor(num[ok]), unit="D")).to_numpy("datetime64[ns]")
    dates = pd.Series(out, index=s.index)
    has_date = ~np.isnat(out)
    year_values[has_date] = dates.dt.year.to_numpy()[has_date]
    year_known |= has_date
    years = pd.Series(pd.arrays.IntegerArray(year_values, ~year_known), index=s.index)
    return dates, years


def coerce(raw: pd.Series, spec: ColumnSpec) -> Coerced:
    s = _strip(raw)
    blank = s.isna()
    t = spec.type
    years = None
    if t in ("text", "id"):
        values = text_series(pc.utf8_normalize(arrow_text(s), form="NFC"), s.index) if t == "text" else s
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

        slots, uniques = _distinct(s)  # each distinct answer is read once, then broadcast
        canons = [canon(u) for u in uniques]
        known = np.array([c is not None for c in canons] + [False])[slots]
        bad = pd.Series(~blank.to_numpy() & ~known, index=s.index)
        if t == "yesno":
            yes: dict[object, bool] = {"Có": True, "Không": False}
            values = pd.Series(pd.array(_objects([yes.get(c) for c in canons] + [None])[slots],
                                        dtype="boolean"), index=s.index)
            if spec.blank_is_no:
                values = values.mask(blank, False)
            code = "value-not-yes-no"
        elif t == "flag":
            flag: dict[object, int] = {"1": 1, "0": 0}
            values = pd.Series(pd.array(_objects([flag.get(c) for c in canons] + [None])[slots],
                                        dtype="Int8"), index=s.index)
            code = "value-not-in-list"
        else:
            values = text_series(from_codes([c if c is None else str(c) for c in canons], slots), s.index)
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
