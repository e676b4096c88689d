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

EXCEL_EPOCH = np.datetime64("1899-12-30", "D")
_DOT_THOUSANDS = r"^-?\d{1,3}(\.\d{3})+$"
_COMMA_THOUSANDS = r"^-?\d{1,3}(,\d{3})+$"
_COMMA_DECIMAL = r"^-?\d+,\d+$"
# grouping and a decimal part, each the one way it can be read: "1.500.000,00" (Vietnamese), "1,500,000.00"
_DOT_THOUSANDS_COMMA_DECIMAL = r"^-?\d{1,3}(\.\d{3})+,\d+$"
_COMMA_THOUSANDS_DOT_DECIMAL = r"^-?\d{1,3}(,\d{3})+\.\d+$"
_COMMA_ONE_GROUP = r"^\s*-?\d{1,3},\d{3}\s*$"  # "7,500": 7.5 (Vietnamese decimal comma) or 7 500 (English grouping)
# "7.500" typed (a number cell's text never ends in 0 after its point): 7 500 (Vietnamese grouping) or 7.5 (an
# English decimal point) — of a measure (area, scores); an amount of đồng is a whole number, so "900.000" is 900 000
_DOT_ONE_GROUP = r"^\s*-?[1-9]\d{0,2}\.\d\d0\s*$"
_ISO = r"^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}:\d{2}(\.\d+)?)?$"  # (an ODS date-time cell: "2024-09-23T00:00:00")


@dataclass
class Coerced:
    values: pd.Series  # typed
    bad: pd.Series  # bool: raw present but not readable
    code: str  # finding code for `bad`
    blank: pd.Series  # bool: raw blank
    years: pd.Series | None = None  # for year_only date columns: the year (Int64)
    fraction: pd.Series | None = None  # integer columns: a number with a fraction (value-not-integer)
    not_nfc: np.ndarray | None = None  # text columns: cells whose text is not in Unicode NFC
    ambiguous: pd.Series | None = None  # number columns: "7,500" — 7.5 the Vietnamese way, 7500 the English way
    # date columns read day first though some dates read only month first (too few to say the column is): how
    # many, and the first of them — said on the column, the two-way dates kept day first
    month_first_doubt: tuple[int, str] | None = None


def _objects(values: Sequence[object]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


# zero-width spaces and joiners, word joiner, byte-order mark, soft hyphen
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
_INVISIBLE = f"[{_INVISIBLE_CHARS}]"
_INVISIBLE_NOT_SHY = f"[{_INVISIBLE_CHARS.replace(chr(0xAD), '')}]"
_INVISIBLE_BYTES = tuple(ch.encode("utf-8") for ch in _INVISIBLE_CHARS)
# the bytes every one of them starts with, none of which Vietnamese letters use (they start with c3–c6, e1)
_INVISIBLE_LEADS = tuple(sorted({b[:1] if b[:1] != b"\xc2" else b for b in _INVISIBLE_BYTES}))


def _data_bytes(arr: pa.Array) -> bytes:
    """The text column's data buffer (searched for a few byte sequences before any regex runs over every cell;
    bytes outside a sliced array's cells only cost a needless replace)."""
    buffers = arr.buffers()
    data = buffers[2] if len(buffers) > 2 else None
    return b"" if data is None else data.to_pybytes()


def _invisible_in(raw: bytes) -> bool:
    """Whether the text's bytes hold an invisible character. The few lead bytes are looked for first: a column
    without them (nearly every one) is searched three times, not six."""
    return any(b in raw for b in _INVISIBLE_LEADS) and any(b in raw for b in _INVISIBLE_BYTES)


# the UTF-8 of the spaces other than " " (no-break U+00A0, U+2000–U+200A, narrow no-break U+202F, U+205F,
# ideographic U+3000): looked for as bytes before any regex runs, as the invisible characters are
_SPACE_BYTES = (b"\xc2\xa0", b"\xe2\x80", b"\xe2\x81\x9f", b"\xe3\x80\x80")
# the lead bytes of every invisible character and odd space, none of which a Vietnamese letter starts with (they
# start with c3–c6, e1): a column without any (nearly every one) is searched four times, no more
_ODD_LEADS = (b"\xc2", b"\xe2", b"\xe3", b"\xef")


def strip_text(written: pa.Array) -> pa.Array:
    """Trim spaces; a cell of spaces only is blank; invisible characters pasted with the text (a zero-width space
    after "Nam", inside a household code) are dropped, and a space of another kind (no-break, pasted from a web page:
    "11284\u00a00001" on one sheet, "11284 0001" on the other) is a space (Arrow kernels: no pandas overhead per
    column)."""
    raw = _data_bytes(written)
    if not any(b in raw for b in _ODD_LEADS):
        raw = b""
    if any(b in raw for b in _SPACE_BYTES):
        written = pc.replace_substring_regex(written, r"[^\P{Zs} ]", " ")
    if _invisible_in(raw):
        cleaned = pc.replace_substring_regex(written, _INVISIBLE, "")
        shy = pc.fill_null(pc.match_substring(written, "\u00ad"), False)
        if pc.any(shy).as_py():
            # TCVN3's "ư" is the byte 0xAD, read as the soft hyphen: kept where the cell is TCVN3 text (converted
            # to Unicode where it is used), dropped elsewhere (a stray one after a code, an ID, "Có"). Each distinct
            # such text is asked once (a return typed in TCVN3 has them in every name; Unicode ones hardly any).
            from hgn_review import legacy

            with_shy = pc.unique(pc.filter(written, shy)).to_pylist()
            tcvn3 = [v for v in with_shy if legacy.detect(v) == "TCVN3"]
            if tcvn3:
                keep = pc.is_in(written, value_set=pa.array(tcvn3, type=written.type))
                cleaned = pc.if_else(keep, pc.replace_substring_regex(written, _INVISIBLE_NOT_SHY, ""), cleaned)
        written = cleaned
    t = pc.utf8_trim_whitespace(written)
    return pc.if_else(pc.equal(t, ""), pa.scalar(None, pa.string()), t)


def clean_id(written: pa.Array) -> pa.Array:
    """A personal ID as its digits: full-width digits (NFKC), a ".0" of a number cell, and the separators pasted
    from web pages or PDFs — spaces of any kind (no-break …), zero-width characters, the soft hyphen and the
    byte-order mark, quotes, dots, dashes — taken away (Arrow kernels)."""
    trimmed = pc.utf8_trim_whitespace(written)
    return pc.replace_substring_regex(pc.replace_substring_regex(pc.utf8_normalize(trimmed, "NFKC"), r"\.0$", ""),
                                      r"[\s\p{Z}\x{00AD}\x{200B}-\x{200D}\x{2060}\x{FEFF}'.\-]", "")


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
    # "900.000" is 900 000 written the Vietnamese way, never 900: a number cell's text has no trailing zero after
    # its point, so three decimals ending in 0 were typed, with the dot as the thousands separator
    matched = pc.and_(pc.match_substring_regex(arr, r"^-?\d+(\.\d+)?$"),
                      pc.invert(pc.match_substring_regex(arr, r"^-?[1-9]\d{0,2}\.\d\d0$")))
    if pc.all(pc.fill_null(matched, True)).as_py():  # the usual column: every cell blank or a plain number
        return pd.Series(pd.array(pc.cast(arr, pa.float64()), dtype="Float64"), index=s.index)
    plain = arrow_mask(matched)
    t = text_series(arr, s.index)
    out = pd.Series(pd.NA, index=s.index, dtype="Float64")
    if plain.any():
        out[plain] = pd.array(pc.cast(pc.filter(arr, pa.array(plain)), pa.float64()), dtype="Float64")
    rest = t[~plain & t.notna().to_numpy()]
    if len(rest):  # only text that is not a plain number pays for the Vietnamese forms
        # full-width digits and separators (NFKC), spaces of any kind (no-break, narrow, thin) between the groups —
        # not a line break: "45⏎50" is two numbers in one cell, never 4550
        r = rest.str.normalize("NFKC").str.replace("[ \u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]+", "", regex=True)
        both = r.str.match(_DOT_THOUSANDS_COMMA_DECIMAL, na=False)
        r = r.mask(both, r.str.replace(".", "", regex=False).str.replace(",", ".", regex=False))
        r = r.mask(r.str.match(_COMMA_THOUSANDS_DOT_DECIMAL, na=False), r.str.replace(",", "", regex=False))
        r = r.mask(r.str.match(_DOT_THOUSANDS, na=False), r.str.replace(".", "", regex=False))
        r = r.mask(r.str.match(_COMMA_THOUSANDS, na=False), r.str.replace(",", "", regex=False))
        r = r.mask(r.str.match(_COMMA_DECIMAL, na=False), r.str.replace(",", ".", regex=False))
        out[rest.index] = pd.to_numeric(r, errors="coerce")
    return out


_NS_MIN = np.datetime64("1677-09-22", "D")  # the range datetime64[ns] can hold
_NS_MAX = np.datetime64("2262-04-11", "D")
# a time after the date ("15/09/2024 08:30:00", a date-time typed or pasted as text) is the same day
_DMY = (r"^(?P<d>\d{1,2})[/.\-](?P<m>\d{1,2})[/.\-](?P<y>\d{4})"
        r"(?:\s+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:[AaPp][Mm]|SA|CH|sa|ch))?)?$")


_NAT = np.iinfo(np.int64).min
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def _days(y: np.ndarray, m: np.ndarray, d: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of calendar dates (integer arithmetic, proleptic Gregorian); NaT where the day does not
    exist (31/4, 29/2/2023)."""
    ok = (m >= 1) & (m <= 12) & (y >= 1)  # there is no year 0
    mi = np.where(ok, m, 1)
    leap = (y % 4 == 0) & ((y % 100 != 0) | (y % 400 == 0))
    ok &= (d >= 1) & (d <= _MONTH_DAYS[mi - 1] + (leap & (mi == 2)))
    yy = y - (mi <= 2)
    era = yy // 400
    yoe = yy - era * 400
    doe = yoe * 365 + yoe // 4 - yoe // 100 + (153 * ((mi + 9) % 12) + 2) // 5 + d - 1
    return np.where(ok, era * 146097 + doe - 719468, _NAT).view("datetime64[D]")


def _ints(arr: pa.Array) -> np.ndarray:
    return np.asarray(pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False), dtype=np.int64)


def parse_date(s: pd.Series, year_only: bool) -> tuple[pd.Series, pd.Series]:
    """Dates from Excel date cells (ISO text), serials, dd/mm/yyyy text and, where allowed, a year alone.

    Returns (dates as datetime64[ns] with NaT, years as Int64). A year alone gives NaT and the year; so does a
    real date outside what datetime64[ns] holds (before 1677 or after 2262), so that it is reported as out of
    range rather than turned into another date. Which form each cell has is decided with Arrow kernels (the
    forms other than ISO are tested only on the cells that are not ISO); days are computed with numpy.
    """
    arr = arrow_text(s)
    n = len(s)
    days = np.full(n, np.datetime64("NaT"), dtype="datetime64[D]")
    year_values = np.zeros(n, dtype=np.int64)
    year_known = np.zeros(n, dtype=bool)
    iso = arrow_mask(pc.match_substring_regex(arr, _ISO))
    if iso.any():
        sub = pc.filter(arr, pa.array(iso))
        y, m, d = (_ints(pc.utf8_slice_codeunits(sub, a, b)) for a, b in ((0, 4), (5, 7), (8, 10)))
        days[iso], year_values[iso] = _days(y, m, d), y
        # a year typed into a cell formatted as a date (1980 → 02/06/1905, 2024 → 16/07/1905): the day is serial
        # 1800–2199 of Excel's calendar, December 1904 to January 1906, when no one alive was born; the year it
        # was typed as is taken where a year alone is (else the cell is not a date), never that day
        serial = (days - EXCEL_EPOCH).astype(np.int64)
        typed_year = iso & (serial >= 1800) & (serial <= 2199)
        if typed_year.any():
            days[typed_year] = np.datetime64("NaT")
            year_values[typed_year] = serial[typed_year] if year_only else 0
            year_known[typed_year] = year_only
            iso = iso & ~typed_year
    rest = np.flatnonzero(~iso & arr.is_valid().to_numpy(zero_copy_only=False))
    if len(rest):
        sub = arr.take(pa.array(rest))
        dmy = arrow_mask(pc.match_substring_regex(sub, _DMY))
        if dmy.any():
            parts = pc.extract_regex(pc.filter(sub, pa.array(dmy)), _DMY)
            y = _ints(parts.field("y"))
            days[rest[dmy]], year_values[rest[dmy]] = _days(y, _ints(parts.field("m")), _ints(parts.field("d"))), y
        # a number of one to four digits is no date serial (1905 for "2024", 1900 for "80"): a year alone where the
        # column takes one (any four digits: a year out of range is reported as such, never moved to 1904), else
        # not a date — never read as a day of 1900–1927
        short = arrow_mask(pc.match_substring_regex(sub, r"^\d{1,4}(\.0+)?$"))
        yr = (arrow_mask(pc.match_substring_regex(sub, r"^\d{4}(\.0+)?$")) if year_only
              else np.zeros(len(rest), dtype=bool))
        if yr.any():
            year_values[rest[yr]] = _ints(pc.cast(pc.cast(pc.filter(sub, pa.array(yr)), pa.float64()), pa.int64()))
            year_known[rest[yr]] = True
        serial = ~dmy & ~short & arrow_mask(pc.match_substring_regex(sub, r"^\d+(\.\d+)?$"))
        if serial.any():
            num = np.asarray(pc.cast(pc.filter(sub, pa.array(serial)), pa.float64()).to_numpy(zero_copy_only=False))
            ok = (num >= 1) & (num < 2958466)  # Excel's serials: 1/1/1900 to 31/12/9999
            where = rest[serial][ok]
            days[where] = EXCEL_EPOCH + np.floor(num[ok]).astype(np.int64)
            year_values[where] = days[where].astype("datetime64[Y]").astype(np.int64) + 1970
    has_date = ~np.isnat(days)
    year_known |= has_date
    in_range = has_date & (days >= _NS_MIN) & (days <= _NS_MAX)
    out = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    out[in_range] = days[in_range].astype("datetime64[ns]")
    dates = pd.Series(out, index=s.index)
    years = pd.Series(pd.arrays.IntegerArray(year_values, ~year_known), index=s.index)
    return dates, years


def month_first(written: pa.Array) -> tuple[np.ndarray | None, tuple[int, str] | None, np.ndarray | None]:
    """(the cells that read both ways of a date column typed month first, or None; else, when the column is read
    day first though some of its typed dates read only month first, how many and the first — or None; and in
    either case the year of each date that reads only month first, 0 elsewhere — a date not taken, of a year sure).

    A column is typed month first (a date from an English-locale source: "03/25/1980", "09/10/2008" for 10
    September) when at least two of its typed dates can be read only month first, and more than can be read only day
    first ("25/03/1980"): its dates that read both ways ("09/10/2008") are taken neither way. A single such date (a
    slip, "09/13/2024", among dates of days 1–12) does not turn the column: it is said on the column, with the count,
    so that the officer looks at the others. A column of Excel date cells, or typed day first, is read as it is."""
    dmy = arrow_mask(pc.match_substring_regex(written, _DMY))
    if not dmy.any():
        return None, None, None
    typed = pc.filter(written, pa.array(dmy))
    parts = pc.extract_regex(typed, _DMY)
    d, m = _ints(parts.field("d")), _ints(parts.field("m"))
    month_only = (d >= 1) & (d <= 12) & (m > 12) & (m <= 31)
    only_month_first = int(month_only.sum())
    only_day_first = int(((d > 12) & (d <= 31) & (m >= 1) & (m <= 12)).sum())
    if only_month_first <= only_day_first:
        return None, None, None
    years = np.zeros(len(written), dtype=np.int64)
    years[np.flatnonzero(dmy)[month_only]] = _ints(parts.field("y"))[month_only]
    two_way = (d >= 1) & (d <= 12) & (m >= 1) & (m <= 12) & (d != m)
    if not two_way.any():
        return None, None, years
    if only_month_first < 2:
        return None, (only_month_first, str(typed[int(np.flatnonzero(month_only)[0])].as_py())), years
    out = np.zeros(len(written), dtype=bool)
    out[np.flatnonzero(dmy)[two_way]] = True
    return out, None, years


def split_choices(cell: str) -> list[str]:
    """The answers of a several-value cell: parted by ";" or a line break (never by a comma: "Thiếu công cụ,
    phương tiện" is one answer)."""
    return [v for v in re.split(r"\s*[;\n]\s*", cell.strip()) if v]


def coerce(raw: pd.Series, spec: ColumnSpec) -> Coerced:
    written = arrow_text(raw)
    stripped = strip_text(written)
    s = text_series(stripped, raw.index)
    blank = pd.Series(~np.asarray(stripped.is_valid().to_numpy(zero_copy_only=False), dtype=bool), index=raw.index)
    t = spec.type
    years = None
    not_nfc = None
    if t in ("text", "id"):
        values = s
        if t == "text":
            nfc = pc.utf8_normalize(stripped, form="NFC")
            values = text_series(nfc, s.index)
            not_nfc = arrow_mask(pc.not_equal(nfc, stripped))
            # the cell as written: spaces trimmed off may themselves not be NFC (U+2000 → U+2002)
            trimmed = np.flatnonzero(arrow_mask(pc.is_valid(written)) & ~arrow_mask(pc.equal(written, stripped)))
            if len(trimmed):
                cells = written.take(pa.array(trimmed))
                not_nfc[trimmed] |= arrow_mask(pc.not_equal(pc.utf8_normalize(cells, form="NFC"), cells))
        bad = pd.Series(False, index=s.index)
        code = "value-not-in-list"
    elif t == "code":  # (full-width digits read as digits)
        digits = re_sub(text_series(pc.utf8_normalize(stripped, "NFKC"), raw.index), r"\.0+$", "")
        isdig = digits.str.fullmatch(r"\d+", na=False)
        width = spec.digits or 0
        values = digits.mask(isdig & (digits.str.len() < width), digits.str.zfill(width))
        bad = pd.Series(False, index=s.index)
        code = "value-not-in-list"
    elif t in ("number", "integer"):
        values = parse_number(s)
        bad = ~blank & values.isna()
        code = "value-not-number"
        if t == "number":  # one group of three after a comma or a dot reads two ways 1 000 apart: neither is taken
            text = arrow_text(s)
            twice = pd.Series(arrow_mask(pc.match_substring_regex(text, _COMMA_ONE_GROUP))
                              | arrow_mask(pc.match_substring_regex(text, _DOT_ONE_GROUP)), index=s.index)
            if twice.any():
                values = values.mask(twice)
                return Coerced(values, bad.astype(bool), code, blank, ambiguous=twice)
        if t == "integer":
            frac = (values.notna() & (values != values.round())).fillna(False).astype(bool)
            values = values.mask(frac).round().astype("Int64")
            return Coerced(values, bad.astype(bool), code, blank, fraction=frac)
    elif t == "date":
        values, years = parse_date(s, spec.year_only)
        swapped, doubt, sure_years = month_first(stripped)  # (as parse_date reads them: "03/25/1980 " too)
        if swapped is not None:  # a column typed month first: a date that reads both ways is taken neither way
            swapped = pd.Series(swapped, index=s.index)
            values = values.mask(swapped)
            if not spec.year_only:
                years = years.mask(swapped)
        ok = values.notna() | (years.notna() if spec.year_only else False)
        bad = ~blank & ~ok
        if sure_years is not None and spec.year_only:
            # a date read only month first ("03/25/1980") is reported, not taken: its year is sure, and taken as a
            # two-way date's is (the household is decided on the ages that year allows, or waits)
            years = years.mask(pd.Series(sure_years > 0, index=s.index) & years.isna(),
                               pd.Series(sure_years, index=s.index).astype("Int64"))
        code = "value-not-date"
        if swapped is not None:
            return Coerced(values, (bad & ~swapped).astype(bool), code, blank, years=years, ambiguous=swapped)
        if doubt is not None:
            return Coerced(values, bad.astype(bool), code, blank, years=years, month_first_doubt=doubt)
    elif t in ("yesno", "flag", "choice"):
        def canon(v: str) -> object:
            v = re.sub(r"^(\d+)\.0+$", r"\1", v)  # 1.0 from a numeric cell is 1
            return spec.canonical(v)

        # each distinct answer is read once, then broadcast (Arrow's dictionary encoding: no pandas per column)
        enc = stripped.dictionary_encode()
        uniques = enc.dictionary.to_pylist()
        slots = np.asarray(pc.fill_null(enc.indices, len(uniques)).to_numpy(zero_copy_only=False), dtype=np.int64)
        canons = [canon(u) for u in uniques]
        empty = blank.to_numpy()
        known = np.array([c is not None for c in canons] + [False])[slots]
        bad = pd.Series(~empty & ~known, index=s.index)
        if t == "yesno":
            truth = np.array([c == "Có" for c in canons] + [False])[slots]
            missing = ~np.array([c in ("Có", "Không") for c in canons] + [False])[slots]
            if spec.blank_is_no:
                missing &= ~empty
            values = pd.Series(pd.arrays.BooleanArray(truth, missing), index=s.index)
            code = "value-not-yes-no"
        elif t == "flag":
            number = np.array([1 if c == "1" else 0 for c in canons] + [0], dtype=np.int8)[slots]
            missing = ~np.array([c in ("1", "0") for c in canons] + [False])[slots]
            values = pd.Series(pd.arrays.IntegerArray(number, missing), index=s.index)
            code = "value-not-in-list"
        else:
            values = text_series(from_codes([c if c is None else str(c) for c in canons], slots), s.index)
            if spec.default is not None:
                values = values.mask(blank, spec.default)
            code = "value-not-in-list"
    elif t == "multichoice":
        def parts(cell: str) -> tuple[str | None, bool]:  # (the known answers joined, any part unknown)
            got = [(v, spec.choice_map.get(fold(v))) for v in split_choices(cell)]
            known = [str(c) for _, c in got if c is not None]
            return (";".join(known) if known else None), len(known) < len(got)

        slots, uniques = _distinct(s)  # each distinct cell is split and read once, then broadcast
        read = [parts(u) for u in uniques]
        bad = pd.Series(np.array([r[1] for r in read] + [False])[slots] & ~blank.to_numpy(), index=s.index)
        values = text_series(from_codes([r[0] for r in read], slots), s.index)
        code = "value-not-in-list"
    else:  # pragma: no cover - the layout loader rejects unknown types
        raise ValueError(t)
    return Coerced(values, bad.astype(bool), code, blank, years=years, not_nfc=not_nfc)
