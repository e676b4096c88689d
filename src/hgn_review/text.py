"""Text helpers: lenient header matching, diacritics folding, NFC, legacy Vietnamese encodings."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

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
