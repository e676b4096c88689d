"""Text helpers: lenient header matching, diacritics folding, NFC, legacy Vietnamese encodings."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

_PAREN = re.compile(r"\([^)]*\)")
_SPACE = re.compile(r"[\s_]+")
_PUNCT = re.compile(r"[^\w\s.]")


# letters that look like others: the eth Ð/ð (U+00D0, U+00F0) typed for Đ/đ ("Ðơn sơ"), typographic apostrophes
# (’ ‘ ʼ, what phones and Word type) for the ASCII one ("K’Ho")
_LOOKALIKES = str.maketrans({"Ð": "D", "ð": "d", "\u2019": "'", "\u2018": "'", "\u02bc": "'"})


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d), collapse spaces. For lenient comparisons."""
    s = unicodedata.normalize("NFD", str(text))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    s = s.replace("đ", "d").replace("Đ", "D").translate(_LOOKALIKES)
    return _SPACE.sub(" ", s).strip().lower()


@lru_cache(maxsize=65536)
def count_text(value: float, lang: str = "vi") -> str:
    """A whole number for people: 1.234.567 the Vietnamese way (the dot groups thousands), 1,234,567 in English."""
    text = f"{int(value):,}"
    return text if lang == "en" else text.replace(",", ".")


def counted(value: float, noun: str, lang: str = "en") -> str:
    """A count and its English noun, singular for one ("1 household", "2 households"); Vietnamese nouns do not
    change ("1 hộ", "2 hộ")."""
    n = count_text(value, lang)
    return f"{n} {noun}" if lang != "en" or int(value) == 1 else f"{n} {noun}s"


def slug(name: str) -> str:
    """A name for a file: 'Phường Cẩm Thượng' -> 'phuong_cam_thuong' (ASCII letters and digits joined by "_");
    "" when nothing is left."""
    return re.sub(r"[^a-z0-9]+", "_", fold(name)).strip("_")


@lru_cache(maxsize=65536)
def header_key(text: str) -> str:
    """Normalise a header for matching: diacritics, case, spacing, line breaks and "(…)" suffixes ignored."""
    s = _PAREN.sub(" ", str(text))
    s = fold(s)
    s = _PUNCT.sub(" ", s)
    return _SPACE.sub(" ", s).strip()


# the old and the new placement of a tone mark in "oa", "oe", "uy" ("Hoà" / "Hòa", "Thuỷ" / "Thủy"): one
# spelling, two conventions (the unit lists themselves use both: "Phường Việt Hoà" in 2024, "Việt Hòa" in 2025)
_TONE_MOVES = {f"{o}{v}": f"{b}{t}" for b, vowel, marks in (("o", "a", "àáảãạ"), ("o", "e", "èéẻẽẹ"), ("u", "y", "ỳýỷỹỵ"))
               for o, t, v in zip(("òóỏõọ" if b == "o" else "ùúủũụ"), marks, (vowel,) * 5, strict=True)}
_TONE_RE = re.compile("|".join(sorted(_TONE_MOVES, key=len, reverse=True)))


def same_tone_place(values: pd.Series) -> pd.Series:
    """Lower-case NFC text with the tone of "oa", "oe", "uy" on the second vowel, the new convention's
    ("hòa" → "hoà" stays one key with "hoà"; "hóa" stays another word): for matching names, never for showing them."""
    return values.str.replace(_TONE_RE, lambda m: _TONE_MOVES[m.group(0)], regex=True)


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


# Text columns go through Arrow's kernels (RE2 regexes, NFC, trimming): no Python call per cell, and none of the
# pandas overhead per operation that dominates on a commune's few thousand rows.
ARROW_TEXT = pd.StringDtype("pyarrow")


def arrow_text(values: pd.Series) -> pa.Array:
    """A text Series as an Arrow ``string`` array (NA → null)."""
    arr = pa.array(values.array if isinstance(values.dtype, pd.StringDtype) else values.astype(ARROW_TEXT).array)
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    return arr.cast(pa.string()) if arr.type != pa.string() else arr


def text_series(arr: pa.Array, index: pd.Index | None = None) -> pd.Series:
    """An Arrow string array back as a pandas ``string[pyarrow]`` Series."""
    return pd.Series(pd.arrays.ArrowStringArray(arr), index=index)


def nfc_columns(df: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """``df`` with the text of ``columns`` in NFC, for what hgn writes: a sheet name or header read from a return
    saved on a Mac (NFD) is shown as the same text as everyone else's (a filter lists "Hộ gia đình" once). The
    locations hgn itself uses (a highlighted copy finds its sheet by the name as written) keep the text as read."""
    changed = {}
    for c in columns:
        if c in df.columns and len(df):
            arr = arrow_text(df[c])
            nfc = pc.utf8_normalize(arr, "NFC")
            if not pc.all(pc.fill_null(pc.equal(arr, nfc), True)).as_py():
                changed[c] = text_series(nfc, df.index)
    return df.assign(**changed) if changed else df


def arrow_mask(arr: Any) -> np.ndarray:
    """An Arrow boolean result as a numpy mask; null (a blank cell) counts as False."""
    return np.asarray(pc.fill_null(arr, False).to_numpy(zero_copy_only=False), dtype=bool)


def from_codes(values: Sequence[str | None], codes: np.ndarray) -> pa.Array:
    """``values[code]`` for every code; -1 (``pd.factorize``'s NA) or ``len(values)`` gives null. Text built once per
    distinct value and broadcast without a Python call per row."""
    table = pa.array(list(values) + [None], type=pa.string())
    return table.take(pa.array(np.where(codes < 0, len(values), codes)))


def re_sub(values: pd.Series, pattern: str, replacement: str) -> pd.Series:
    """Regex replace over a text Series with Arrow's kernel (RE2 syntax; no Python call per cell).

    ``replacement`` uses RE2 group syntax (``\\1``). NA stays NA.
    """
    out = pc.replace_substring_regex(arrow_text(values), pattern=pattern, replacement=replacement)
    return text_series(out, values.index)


def short_names(files: Iterable[str]) -> dict[str, str]:
    """Each file path as briefly as it can be told apart from the others: its name, and the folders above it only
    where two returns share a name ("xa_a/bieu.xlsx", "xa_b/bieu.xlsx" — communes often send the same file name)."""
    paths = sorted({str(f) for f in files})
    parts = {f: f.replace("\\", "/").split("/") for f in paths}
    out: dict[str, str] = {}
    for f in paths:
        k = 1
        while True:
            tail = parts[f][-k:]
            same = [g for g in paths if g != f and parts[g][-k:] == tail]
            if not same or k >= len(parts[f]):
                break
            k += 1
        out[f] = "/".join(parts[f][-k:])
    return out

