"""Text helpers: lenient header matching, diacritics folding, NFC, legacy Vietnamese encodings."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pandas as pd

_PAREN = re.compile(r"\([^)]*\)")
_SPACE = re.compile(r"[\s_]+")
_PUNCT = re.compile(r"[^\w\s.]")


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (đ → d), collapse spaces. For lenient comparisons."""
    s = unicodedata.normalize("NFD", str(text))
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    s = s.replace("đ", "d").replace("Đ", "D")
    return _SPACE.sub(" ", s).strip().lower()


@lru_cache(maxsize=65536)
def header_key(text: str) -> str:
    """Normalise a header for matching: diacritics, case, spacing, line breaks and "(…)" suffixes ignored."""
    s = _PAREN.sub(" ", str(text))
    s = fold(s)
    s = _PUNCT.sub(" ", s)
    return _SPACE.sub(" ", s).strip()


def is_nfc(text: str) -> bool:
    return unicodedata.is_normalized("NFC", text)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def re_sub(values: pd.Series, pattern: str, replacement: str) -> pd.Series:
    """Regex replace over a text Series with Arrow's kernel (RE2 syntax; no Python call per cell).

    ``replacement`` uses RE2 group syntax (``\\1``). NA stays NA.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pa.array(values.astype("string[pyarrow]").array)
    out = pc.replace_substring_regex(arr, pattern=pattern, replacement=replacement)
    return pd.Series(pd.arrays.ArrowStringArray(out), index=values.index)
