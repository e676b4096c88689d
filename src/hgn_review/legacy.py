"""Legacy Vietnamese 8-bit encodings (TCVN3/ABC and VNI Windows) as they appear in Unicode spreadsheets.

Commune officers who still type with the ABC keyboard and ".VnTime" fonts (TCVN3) or the VNI keyboard and
"VNI-Times" fonts produce bytes that only look like Vietnamese in those fonts. Once the workbook is read as
Unicode, each byte becomes the Windows-1252/Latin-1 character with the same number, which gives the familiar
mojibake: "NguyÔn V¨n An" (TCVN3) or "Nguyeãn Vaên An" (VNI) for "Nguyễn Văn An".

Tables
------
TCVN3 (TCVN 5712:1993, "VN3" subset used by the ABC fonts): one byte per letter. The 60 lower-case toned
vowels, ``ă â ê ô ơ ư đ`` and the seven upper-case ``Ă Â Ê Ô Ơ Ư Đ`` have codes in 0xA1-0xFE; the upper-case
*toned* vowels have none. They are written with the ".VnTimeH" (capitals) font, which draws the lower-case
codes as capitals, so their case is lost in the text and :func:`to_unicode` restores it from context (see
:func:`_restore_tcvn3_case`). The byte values were cross-checked against the TCVN 5712 table of the X11
TCVN converter (``TCVNtoUCS2.c``), the xvnkb keyboard's ``tcvn.h`` and the ABC conversion tables published
with several converters; ``tests/test_legacy.py`` carries an independent transcription as an oracle.

VNI Windows: a base letter followed by a mark character. Tone marks: sắc ``ù``, huyền ``ø``, hỏi ``û``,
ngã ``õ``, nặng ``ï``; ``â`` adds a circumflex, ``ê`` a breve; circumflex+tone and breve+tone each have one
combined mark (``á à å ã ä`` and ``é è ú ü ë``). ``ô``/``ö`` are the letters ơ/ư, ``ñ`` is đ, the toned i's
are single characters (``í ì æ ó ò``) and so is ỵ (``î``). Capitals use the capital mark characters. This
matches the VNI table of the xvnkb keyboard (``vni.h``) letter for letter.

Only the characters 0xA1-0xFF are involved, so legacy text never contains a Vietnamese letter beyond Latin-1
(ă, đ, ơ, ư, ạ, ễ …) nor a combining mark; :func:`detect` uses that to dismiss genuine Unicode text at once.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from hgn_review.text import arrow_mask, arrow_text

__all__ = [
    "ENCODINGS",
    "TCVN3",
    "VIETNAMESE_LETTERS",
    "VNI",
    "detect",
    "detect_series",
    "from_unicode",
    "is_vietnamese_syllable",
    "to_unicode",
]

TCVN3 = "TCVN3"
VNI = "VNI"
ENCODINGS: tuple[str, ...] = (TCVN3, VNI)

# --------------------------------------------------------------------------------------------------------------
# Vietnamese letters
# --------------------------------------------------------------------------------------------------------------

_VOWEL_BASES = "aăâeêioôơuưy"
# Tone order used by every table below: none, sắc (acute), huyền (grave), hỏi (hook), ngã (tilde), nặng (dot).
_TONE_MARKS = ("", "\u0301", "\u0300", "\u0309", "\u0303", "\u0323")


def _toned(base: str, tone: int) -> str:
    return unicodedata.normalize("NFC", base + _TONE_MARKS[tone])


# lower-case letter -> (toneless base letter, tone index); covers ASCII letters, đ and the 66 toned/modified vowels
_LETTER_INFO: dict[str, tuple[str, int]] = {c: (c, 0) for c in "abcdefghijklmnopqrstuvwxyz"}
_LETTER_INFO["đ"] = ("đ", 0)
for _base in _VOWEL_BASES:
    for _tone in range(6):
        _LETTER_INFO[_toned(_base, _tone)] = (_base, _tone)

#: The 134 non-ASCII Vietnamese letters (66 vowels with a tone or a modifier in both cases, plus đ/Đ).
VIETNAMESE_LETTERS: frozenset[str] = frozenset(
    {c for c in _LETTER_INFO if not c.isascii()} | {c.upper() for c in _LETTER_INFO if not c.isascii()}
)

# --------------------------------------------------------------------------------------------------------------
# TCVN3 (ABC) table
# --------------------------------------------------------------------------------------------------------------

# For each toneless vowel: its codes for tones none, sắc, huyền, hỏi, ngã, nặng (TCVN 5712:1993 VN3).
_TCVN3_ROWS: dict[str, str] = {
    "a": "a\xb8\xb5\xb6\xb7\xb9",
    "ă": "\xa8\xbe\xbb\xbc\xbd\xc6",
    "â": "\xa9\xca\xc7\xc8\xc9\xcb",
    "e": "e\xd0\xcc\xce\xcf\xd1",
    "ê": "\xaa\xd5\xd2\xd3\xd4\xd6",
    "i": "i\xdd\xd7\xd8\xdc\xde",
    "o": "o\xe3\xdf\xe1\xe2\xe4",
    "ô": "\xab\xe8\xe5\xe6\xe7\xe9",
    "ơ": "\xac\xed\xea\xeb\xec\xee",
    "u": "u\xf3\xef\xf1\xf2\xf4",
    "ư": "\xad\xf8\xf5\xf6\xf7\xf9",
    "y": "y\xfd\xfa\xfb\xfc\xfe",
}
_TCVN3_LOWER_PLAIN = {"đ": "\xae"}
# The only capitals with a code of their own; every other capital shares the lower-case code (".VnTimeH").
_TCVN3_UPPER = {"Ă": "\xa1", "Â": "\xa2", "Ê": "\xa3", "Ô": "\xa4", "Ơ": "\xa5", "Ư": "\xa6", "Đ": "\xa7"}

_TCVN3_ENCODE: dict[str, str] = dict(_TCVN3_LOWER_PLAIN)
for _base, _codes in _TCVN3_ROWS.items():
    for _tone, _code in enumerate(_codes):
        _TCVN3_ENCODE[_toned(_base, _tone)] = _code
# Capitals without a code of their own take the lower-case code.
for _lower, _code in list(_TCVN3_ENCODE.items()):
    if not _lower.isascii():
        _TCVN3_ENCODE.setdefault(_lower.upper(), _code)
_TCVN3_ENCODE.update(_TCVN3_UPPER)
_TCVN3_ENCODE = {k: v for k, v in _TCVN3_ENCODE.items() if k != v}  # drop the identities a, e, i, o, u, y, ý

# code -> letter, keeping ý (0xFD), the one code equal to its letter: it is caseless like the others.
_TCVN3_DECODE: dict[str, str] = {
    code: _toned(base, tone)
    for base, codes in _TCVN3_ROWS.items()
    for tone, code in enumerate(codes)
    if not code.isascii()
}
_TCVN3_DECODE.update({code: letter for letter, code in _TCVN3_LOWER_PLAIN.items()})
_TCVN3_DECODE.update({code: letter for letter, code in _TCVN3_UPPER.items()})
_TCVN3_DECODE_TABLE = str.maketrans(_TCVN3_DECODE)
_TCVN3_ENCODE_TABLE = str.maketrans(_TCVN3_ENCODE)
# Codes whose capital has no code of its own: the toned vowels and ă â ê ô ơ ư đ.
_TCVN3_CASELESS = frozenset(_TCVN3_DECODE) - frozenset(_TCVN3_UPPER.values())
# …of which the toned vowels: a capital written with them can only be recovered from context.
_TCVN3_TONED = frozenset(c for c in _TCVN3_CASELESS if _LETTER_INFO[_TCVN3_DECODE[c]][1] != 0)
_TCVN3_UPPER_CODES = frozenset(_TCVN3_UPPER.values())

# --------------------------------------------------------------------------------------------------------------
# VNI Windows table
# --------------------------------------------------------------------------------------------------------------

_VNI_TONE = ("", "ù", "ø", "û", "õ", "ï")
_VNI_CIRCUMFLEX_TONE = ("â", "á", "à", "å", "ã", "ä")  # circumflex alone, then with each tone
_VNI_BREVE_TONE = ("ê", "é", "è", "ú", "ü", "ë")  # breve alone, then with each tone
_VNI_I = ("i", "í", "ì", "æ", "ó", "ò")
_VNI_SPECIAL_BASE = {"ơ": "ô", "ư": "ö"}  # single characters that take the ordinary tone marks


def _vni_lower(base: str, tone: int) -> str:
    """Canonical VNI spelling of a lower-case toned vowel (what the VNI keyboard produces)."""
    if base == "i":
        return _VNI_I[tone]
    if base == "y" and tone == 5:
        return "î"
    if base in "âêô":
        return {"â": "a", "ê": "e", "ô": "o"}[base] + _VNI_CIRCUMFLEX_TONE[tone]
    if base == "ă":
        return "a" + _VNI_BREVE_TONE[tone]
    return _VNI_SPECIAL_BASE.get(base, base) + _VNI_TONE[tone]


_VNI_ENCODE: dict[str, str] = {"đ": "ñ", "Đ": "Ñ"}
for _base in _VOWEL_BASES:
    for _tone in range(6):
        _letter = _toned(_base, _tone)
        _VNI_ENCODE[_letter] = _vni_lower(_base, _tone)
        _VNI_ENCODE[_letter.upper()] = _vni_lower(_base, _tone).upper()
_VNI_ENCODE = {k: v for k, v in _VNI_ENCODE.items() if k != v}
_VNI_ENCODE_TABLE = str.maketrans(_VNI_ENCODE)


def _case_variants(seq: str) -> Iterable[str]:
    """Every upper/lower mix of a VNI sequence whose first character is the base letter (kept as given)."""
    variants = [seq[0]]
    for ch in seq[1:]:
        variants = [v + c for v in variants for c in {ch.lower(), ch.upper()}]
    return variants


def _build_vni_decode() -> dict[str, str]:
    decode: dict[str, str] = {}
    for letter, seq in _VNI_ENCODE.items():
        if len(seq) == 1:  # ñ, ô, ö, í, ì, æ, ó, ò, î and capitals: the case is the character's own
            decode[seq] = letter
            continue
        for variant in _case_variants(seq):  # case of the result follows the base letter, not the mark
            decode.setdefault(variant, letter)
    # Non-canonical spellings other VNI tools produce: modifier and tone as two marks, tone marks after i/y.
    for base in _VOWEL_BASES:
        for tone in range(1, 6):
            letter = _toned(base, tone)
            extra: list[str] = []
            if base in "âêô":
                extra.append({"â": "a", "ê": "e", "ô": "o"}[base] + "â" + _VNI_TONE[tone])
            elif base == "ă":
                extra.append("aê" + _VNI_TONE[tone])
            elif base in "iy":
                extra.append(base + _VNI_TONE[tone])
            for seq in extra:
                decode.setdefault(seq, letter)
                decode.setdefault(seq.upper(), letter.upper())
    return {k: v for k, v in decode.items() if k != v}


_VNI_DECODE = _build_vni_decode()
# Sequences whose marks do not share the base letter's case: decoded, but no keyboard types them.
_VNI_MIXED_CASE = frozenset(
    k for k in _VNI_DECODE if len(k) > 1 and any(ch.isupper() != k[0].isupper() for ch in k[1:])
)
_VNI_DECODE_RE = re.compile("|".join(re.escape(k) for k in sorted(_VNI_DECODE, key=len, reverse=True)))
_VNI_CHARS = frozenset(ch for seq in _VNI_DECODE for ch in seq if not ch.isascii())

# --------------------------------------------------------------------------------------------------------------
# Conversion
# --------------------------------------------------------------------------------------------------------------


def _norm_encoding(encoding: str) -> str:
    key = str(encoding).strip().upper()
    if key in ("TCVN3", "ABC", "TCVN"):
        return TCVN3
    if key in ("VNI", "VNI-WIN", "VNI WINDOWS", "VNI-WINDOWS"):
        return VNI
    raise ValueError(f"unknown legacy encoding {encoding!r}; expected one of {', '.join(ENCODINGS)}")


# A "word" for case restoration: letters (any script) and TCVN3 codes, which are mostly symbols in Unicode.
_TCVN3_WORD = re.compile("(?:[^\\W\\d_]|[" + re.escape("".join(sorted(_TCVN3_DECODE))) + "])+")


def _known_case(ch: str) -> str | None:
    """'U'/'L' for a character of TCVN3 text whose case is certain, None for caseless codes and non-letters."""
    if ch in _TCVN3_UPPER_CODES:
        return "U"
    if ch in _TCVN3_CASELESS:
        return None
    if ch.isupper():
        return "U"
    if ch.islower():
        return "L"
    return None


def _restore_tcvn3_case(text: str, converted: str) -> str:
    """Upper-case the letters written with caseless TCVN3 codes where the context says they are capitals.

    ``converted`` is ``text`` decoded character by character (same length). Rules, per word:

    * all-capitals: the word is upper-cased if every case-bearing letter of the *text* is a capital and at
      least one of them is not a word initial ("NGUYÔN V¡N AN" -> "NGUYỄN VĂN AN", "L£ Hµ" -> "LÊ HÀ", but
      "Lª Hµ" -> "Lê Hà"), or if the word alone has at least two case-bearing letters, all capitals
      ("Lª V¨n HåNG" -> "Lê Văn HỒNG");
    * title case: a word that *starts* with a toned vowel code and has no capital otherwise gets a capital
      initial when the text is title-cased, i.e. at least one word starts with a case-bearing letter and all
      such words start with a capital ("NguyÔn ThÞ ¸nh" -> "Nguyễn Thị Ánh").

    A code for ă/â/ê/ô/ơ/ư/đ at the start of a word counts as a lower-case initial (the keyboard has capitals
    for those), while inside an all-capitals word it is read as the ".VnTimeH" capital.
    """
    words = list(_TCVN3_WORD.finditer(text))
    if not words:
        return converted
    cases = [[_known_case(ch) for ch in m.group()] for m in words]
    flat = [c for word in cases for c in word if c]
    # Initials alone cannot tell capitals from title case.
    inner = [c for word in cases for c in word[1:] if c]
    text_upper = bool(inner) and all(c == "U" for c in flat)
    initials = []
    for m in words:
        first = m.group()[0]
        initials.append("L" if first in _TCVN3_CASELESS and first not in _TCVN3_TONED else _known_case(first))
    known_initials = [c for c in initials if c]
    title = bool(known_initials) and all(c == "U" for c in known_initials)
    out = list(converted)
    for m, word_cases in zip(words, cases, strict=True):
        known = [c for c in word_cases if c]
        if text_upper or (len(known) >= 2 and all(c == "U" for c in known)):
            for i in range(m.start(), m.end()):
                out[i] = out[i].upper()
        elif title and m.group()[0] in _TCVN3_TONED and "U" not in known:
            out[m.start()] = out[m.start()].upper()
    return "".join(out)


def _decode_raw(text: str, encoding: str) -> str:
    """Character-table decoding without TCVN3 case restoration (lower-case result for caseless codes)."""
    if encoding == TCVN3:
        return text.translate(_TCVN3_DECODE_TABLE)
    return _VNI_DECODE_RE.sub(lambda m: _VNI_DECODE[m.group()], text)


def to_unicode(text: str, encoding: str) -> str:
    """Decode ``text`` — a legacy TCVN3 or VNI string as read from a Unicode workbook — into Unicode (NFC).

    Only legacy codes change; ASCII and characters outside the tables are kept, so calling this on text that is
    already Unicode Vietnamese corrupts it: check with :func:`detect` first. For TCVN3, capitals written with
    the ".VnTimeH" font are restored from context (:func:`_restore_tcvn3_case`).
    """
    enc = _norm_encoding(encoding)
    converted = _decode_raw(text, enc)
    if enc == TCVN3 and any(ch in _TCVN3_CASELESS for ch in text):
        converted = _restore_tcvn3_case(text, converted)
    return converted


def as_unicode(text: str) -> str:
    """``text`` in Unicode: converted when :func:`detect` finds it typed in a TCVN3 / VNI font, else as it is."""
    encoding = detect(text)
    return text if encoding is None else to_unicode(text, encoding)


def from_unicode(text: str, encoding: str) -> str:
    """Encode Unicode Vietnamese into the legacy form a .VnTime/.VnTimeH or VNI-Times user would produce.

    TCVN3 capitals without a code of their own (toned capital vowels) get the lower-case code, as typed with
    ".VnTimeH". ``to_unicode(from_unicode(s, e), e) == NFC(s)`` for Vietnamese text; for TCVN3 this needs a
    case pattern :func:`to_unicode` can recover (lower case, title case, or all capitals with a case-bearing
    letter after some word's initial — see :func:`_restore_tcvn3_case`). Characters outside the table are kept
    as they are.
    """
    enc = _norm_encoding(encoding)
    nfc = unicodedata.normalize("NFC", text)
    return nfc.translate(_TCVN3_ENCODE_TABLE if enc == TCVN3 else _VNI_ENCODE_TABLE)


# --------------------------------------------------------------------------------------------------------------
# Vietnamese syllable structure (lenient: both tone placements, loan onsets, no dictionary)
# --------------------------------------------------------------------------------------------------------------

_ONSET_TEXT = "b c ch d đ g gh gi h k kh l m n ng ngh nh p ph q r s t th tr v x"
_ONSETS = sorted([*_ONSET_TEXT.split(), ""], key=len, reverse=True)
_RHYME_TEXT = """
    a ac ach ai am an ang anh ao ap at au ay
    ăc ăm ăn ăng ăp ăt
    âc âm ân âng âp ât âu ây
    e ec em en eng eo ep et
    ê êch êm ên ênh êp êt êu
    i ia ich im in inh ip it iu iêc iêm iên iêng iêp iêt iêu
    y yêm yên yêng yêt yêu
    o oc oi om on ong op ot
    ô ôc ôi ôm ôn ông ôp ôt
    ơ ơi ơm ơn ơp ơt
    u uc ui um un ung up ut ua uôc uôi uôm uôn uông uôt
    ư ưc ưi ưm ưn ưng ưt ưu ưa ươc ươi ươm ươn ương ươp ươt ươu
    oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oe oem oen oeo oet
    uân uâng uât uây uê uêch uênh uơ
    uy uych uyn uynh uyp uyt uya uyu uyên uyêt
"""
_RHYMES = frozenset(_RHYME_TEXT.split())
# Rhymes written with u only after q (the medial sound is spelt o elsewhere): qua, quách, quăn, quên, quét…
_Q_RHYME_TEXT = (
    "uac uach uai uam uan uang uanh uao uap uat uay uăc uăm uăn uăng uăt uâc ue uen ueo uet uên uêt uit"
)
_Q_RHYMES = _RHYMES | frozenset(_Q_RHYME_TEXT.split())
_VOWELS = frozenset(_VOWEL_BASES)
_MODIFIED = frozenset("ăâêôơư")
_GLIDES = frozenset("iyou")
_STOPS = ("c", "ch", "p", "t")


def _rhyme_ok(rhyme: str, tone: int, rel: int | None, rhymes: frozenset[str]) -> bool:
    if rhyme not in rhymes:
        return False
    n = 0
    while n < len(rhyme) and rhyme[n] in _VOWELS:
        n += 1
    cluster, coda = rhyme[:n], rhyme[n:]
    if coda in _STOPS and tone not in (0, 1, 5):  # checked syllables take only sắc or nặng
        return False
    if rel is None:
        return True
    if not 0 <= rel < n:
        return False
    if any(v in _MODIFIED for v in cluster):
        return cluster[rel] in _MODIFIED
    return not (not coda and n >= 2 and rel == n - 1 and cluster[rel] in _GLIDES and cluster != "uy")


@lru_cache(maxsize=1 << 16)
def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` (Unicode, any case) is shaped like one Vietnamese syllable.

    Structural, not a dictionary: onset + rhyme from the standard inventories (with the spelling rules for
    c/k, g/gh, ng/ngh and qu), at most one tone, the tone on a vowel of the nucleus (old and new placements
    both accepted, never on a final glide), and only sắc/nặng on a syllable ending in p/t/c/ch.
    """
    w = unicodedata.normalize("NFC", word).lower()
    if not w:
        return False
    infos = [_LETTER_INFO.get(ch) for ch in w]
    if any(info is None for info in infos):
        return False
    bases = "".join(info[0] for info in infos if info)
    toned = [i for i, info in enumerate(infos) if info and info[1]]
    if len(toned) > 1:
        return False
    tone_pos = toned[0] if toned else None
    tone = _LETTER_INFO[w[tone_pos]][1] if tone_pos is not None else 0
    for onset in _ONSETS:
        if not bases.startswith(onset):
            continue
        rhyme = bases[len(onset) :]
        first = rhyme[:1]
        if onset == "q":
            if first != "u":
                continue
        elif onset in ("gh", "ngh"):  # gh/ngh only before i, e, ê; c, g, ng never before them
            if first not in ("i", "e", "ê"):
                continue
        elif onset in ("c", "ng") and first in ("i", "e", "ê", "y") or onset == "g" and first in ("e", "ê"):
            continue
        rhymes = _Q_RHYMES if onset == "q" else _RHYMES
        rel = None if tone_pos is None else tone_pos - len(onset)
        if _rhyme_ok(rhyme, tone, rel, rhymes):
            return True
        if onset == "gi" and _rhyme_ok("i" + rhyme, tone, None if rel is None else rel + 1, rhymes):
            return True  # giếng, giết: the i of iê merges into gi
    return False


# --------------------------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------------------------

_CP1252_EXTRA = "".join(
    ch for ch in bytes(range(0x80, 0xA0)).decode("cp1252", errors="replace") if ch != "\ufffd"
)
#: Characters a legacy 8-bit font cannot have produced: anything beyond Latin-1 except the cp1252 punctuation
#: (so ă, đ, ơ, ư, ạ…, combining marks). One of them means the text was typed in Unicode.
UNICODE_ONLY_PATTERN = "[^\\x00-\\xff" + re.escape(_CP1252_EXTRA) + "]"
_UNICODE_ONLY = re.compile(UNICODE_ONLY_PATTERN)
_MARKER_CHARS = "".join(sorted(frozenset(_TCVN3_DECODE) | _VNI_CHARS))
#: Character class of every legacy code (TCVN3 letters, VNI marks and single-character letters).
MARKER_PATTERN = "[" + re.escape(_MARKER_CHARS) + "]"
_MARKERS = re.compile(MARKER_PATTERN)
_TOKEN = re.compile("[A-Za-z\\xa1-\\xff]+")
_VIETNAMESE_CHARS = frozenset(_LETTER_INFO) | VIETNAMESE_LETTERS | frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")


# Tie-breaker only: frequent syllables of personal names and addresses. When both encodings read a text
# equally well ("Phan Thò Höng" is VNI "Phan Thị Hưng" or TCVN3 "Phan Thũ Hửng"), the reading with more of
# these wins.
_COMMON_TEXT = """
    nguyễn trần lê phạm hoàng huỳnh phan vũ võ đặng bùi đỗ hồ ngô dương lý đào đinh mai trịnh lương cao tô hà
    lò vi triệu nông quách âu ông kiều thái lâm lại la mạc tạ từ chu châu giang hứa khổng lục mã ninh tăng thân
    vương đoàn đàm hầu diệp lưu kha phùng quan tôn ứng sầm ma lù sùng vàng thào giàng mùa hoàng
    văn thị đức minh ngọc thanh hữu quang xuân kim công hồng thu bảo gia đình bá quốc trọng thế mạnh khắc duy
    như diệu mỹ phương trung tiến việt anh ánh bình chi cúc dũng dung đạt điệp đông hạnh hải hiền hiếu hoa hòa
    hoà hùng hưng hương hường huệ huy khánh khoa lan liên linh loan long lộc nam nga nghĩa nhung oanh phong
    phúc phượng quân quế quý quỳnh sơn sáu tâm tấn thảo thắng thủy thúy thuỷ thuý tiến toàn trang trâm tú tuấn
    tùng tư út uyên vân vinh yến ý hằng hậu hiệp hòe huyền khải khang khoa khôi kiên lực luân lụa mận my
    nhàn nhân nhật nhi nhiên nhung phát phước quyên quyết quyền sang sen sinh tài tân thành thảo thi thìn thoa
    thông thơ thư thương tín toàn trà triều trí trinh trúc trường tuyết tuyền tường vượng xinh yên đào
    đông hiển hoài hợp kỳ lệ lịch lợi lũy năm nguyên nhạn sửu tám thuận thủy thức thường tịnh tới tuệ ty vĩnh
    thôn xóm ấp bản buôn làng tổ khu phố đường xã phường trấn huyện quận tỉnh thành số hẻm ngõ ngách khối đội
    hộ nghèo cận chủ con vợ chồng cha mẹ ông bà anh chị em cháu dân tộc kinh tày thái mường khơ me mông dao
"""
_COMMON_SYLLABLES = frozenset(_COMMON_TEXT.split())


def _plausible_case(word: str, encoding: str) -> bool:
    """Lower case, capitals or a capital initial, judged on the letters whose case the encoding fixes."""
    if encoding == TCVN3:
        cases = [c for c in map(_known_case, word) if c]
    else:
        cases = ["U" if ch.isupper() else "L" for ch in word if ch.isalpha()]
    return "U" not in cases[1:] or "L" not in cases


_GOOD, _AMBIGUOUS, _WEAK, _BAD = "good", "ambiguous", "weak", "bad"


@lru_cache(maxsize=1 << 16)
def _word_reading(word: str, encoding: str) -> tuple[str, bool, bool] | None:
    """None if decoding leaves ``word`` unchanged, else (class, decoded is a common syllable, decoded is lower)."""
    decoded = _decode_raw(word, encoding)
    if decoded == word:
        return None
    if not all(ch in _VIETNAMESE_CHARS for ch in decoded):
        return (_BAD, False, False)
    if (
        not is_vietnamese_syllable(decoded)
        or not _plausible_case(word if encoding == TCVN3 else decoded, encoding)
        or (encoding == VNI and any(seq in _VNI_MIXED_CASE for seq in _VNI_DECODE_RE.findall(word)))
    ):
        kind = _WEAK
    elif is_vietnamese_syllable(word) or (len(word) == 1 and not word.isalpha()):
        kind = _AMBIGUOUS  # a lone symbol ("3 × 4", "5 ½") is too thin to call legacy text on
    else:
        kind = _GOOD
    return (kind, decoded.lower() in _COMMON_SYLLABLES, decoded[0].islower())


def _evidence(text: str, encoding: str) -> tuple[int, int]:
    """How well ``text`` reads decoded with ``encoding``: ``(weight, prior)``, ``(0, 0)`` when rejected.

    Each word the decoding changes is classed: *good* when the original is not a Vietnamese syllable and the
    decoded one is; *ambiguous* when both are, or when the word is a lone symbol such as "×"; *weak* when the
    decoded word is made of Vietnamese letters but is no syllable (ethnic-minority names such as "Kdăm" look
    like this), has capitals after a lower-case letter or, for VNI, needed a mark whose case differs from its
    base letter's; *bad* when it still holds non-Vietnamese characters. The reading is accepted with no bad word and more good words than weak ones;
    ``weight`` is good minus weak. ``prior`` only breaks ties: decoded words that are common name/address
    syllables count +1, and (VNI only, as TCVN3 loses the case of toned capitals) a lower-case decoded word in a
    text whose other words are all capitalised counts -1.
    """
    words = _TOKEN.findall(text)
    good = weak = prior = 0
    for i, word in enumerate(words):
        reading = _word_reading(word, encoding)
        if reading is None:
            continue
        kind, common, lower = reading
        if kind == _BAD:
            return (0, 0)
        good += kind == _GOOD
        weak += kind == _WEAK
        prior += common
        if encoding == VNI and lower and len(words) > 1:  # a VNI word's first character carries its case
            prior -= all(w[0].isupper() for j, w in enumerate(words) if j != i)
    return (good - weak, prior) if good > weak else (0, 0)


@lru_cache(maxsize=1 << 16)  # names repeat across the returns a worker reads
def detect(text: str) -> str | None:
    """'TCVN3' or 'VNI' when ``text`` is legacy-encoded Vietnamese, None otherwise (including when unsure).

    ASCII text, text holding any character a legacy font cannot produce (ă, đ, ư, ạ, ễ …) and text without a
    legacy code are None at once. Otherwise each encoding is tried word by word (:func:`_evidence`) and the
    better reading wins; a tie is None. Short strings that read as valid Vietnamese both ways ("Thò" is VNI
    "Thị" but also Unicode "thò"; "Bö" is VNI "Bư" but also TCVN3 "Bử") are None.
    """
    if not isinstance(text, str) or text.isascii() or _UNICODE_ONLY.search(text) or not _MARKERS.search(text):
        return None
    scores = {enc: _evidence(text, enc) for enc in ENCODINGS}
    best = max(scores.values())
    if best[0] == 0:
        return None
    winners = [enc for enc, score in scores.items() if score == best]
    return winners[0] if len(winners) == 1 else None


@lru_cache(maxsize=1 << 16)
def _reads_as(text: str, encoding: str) -> bool:
    """Whether ``text`` reads as Vietnamese decoded with ``encoding``: some word changes and every changed word is
    a Vietnamese syllable, though maybe one in Unicode too ("Thò", VNI "Thị") — what :func:`detect` cannot call on
    its own, judged with the text around it (:func:`detect_series`)."""
    changed = False
    for word in _TOKEN.findall(text):
        reading = _word_reading(word, encoding)
        if reading is None:
            continue
        if reading[0] in (_BAD, _WEAK):
            return False
        changed = True
    return changed


def detect_series(values: pd.Series, groups: pd.Series | None = None, fonts: pd.Series | None = None) -> pd.Series:
    """:func:`detect` over a Series of text (object or string dtype, NA allowed): 'TCVN3', 'VNI' or <NA>.

    A vectorised prefilter keeps only values holding a legacy code and no Unicode-only character; the precise
    check then runs once per distinct candidate. The result has the input's index and name and the nullable
    ``string`` dtype.

    Then the text around a cell decides what the cell cannot: where a return (a ``groups`` value; the whole
    Series when none is given) is typed in one legacy font (:func:`group_fonts`, of this column, or ``fonts``
    worked out over several), a cell that reads as Vietnamese in that font, though also in Unicode ("Phan Thò
    Hoa" beside "Nguyeãn Vaên Huøng"), is of that font too.
    """
    result, candidates = _detect_each(values)
    unsure = candidates & result.isna().to_numpy(dtype=bool)
    if not unsure.any():
        return result
    group = _groups(values, groups)
    if fonts is None:
        if not result.notna().any():
            return result
        fonts = group_fonts([(values, group)], [result])
    if fonts.isna().all():
        return result
    cell_font = group[unsure].map(fonts)
    ask = cell_font.notna().to_numpy(dtype=bool)
    texts, chosen = values[unsure][ask].astype(str), cell_font[ask].astype(str)
    said = [f if _reads_as(t, f) else None for t, f in zip(texts.tolist(), chosen.tolist(), strict=True)]
    result[texts.index] = pd.array(said, dtype="string")
    return result


def detect_in_rows(values: pd.Series, others: Sequence[pd.Series]) -> pd.Series:
    """:func:`detect_series` of ``values`` where each row is its own context: a cell that cannot be told alone is
    of the font the row's other text (``others``, same index: the head's name beside the village) is surely typed
    in — one household's row typed with one font, though the return mixes fonts. Costs nothing when no cell is
    in doubt; otherwise only the rows in doubt are looked at, column by column (no grouping: a row is its group)."""
    result, candidates = _detect_each(values)
    unsure = candidates & result.isna().to_numpy(dtype=bool)
    if not unsure.any():
        return result
    texts = values[unsure]
    # what group_fonts says of a group, said of each row: a font when a cell of the row is surely of it, none
    # of the other, and no cell holds a character only Unicode has
    tcvn3 = np.zeros(len(texts), dtype=bool)
    vni = np.zeros(len(texts), dtype=bool)
    unicode = np.zeros(len(texts), dtype=bool)
    for col in (texts, *(o[unsure] for o in others)):
        enc = _detect_each(col)[0]
        tcvn3 |= (enc == TCVN3).fillna(False).to_numpy(dtype=bool)
        vni |= (enc == VNI).fillna(False).to_numpy(dtype=bool)
        unicode |= arrow_mask(pc.match_substring_regex(arrow_text(col), UNICODE_ONLY_PATTERN))
    font = np.where(tcvn3 & ~vni & ~unicode, TCVN3, np.where(vni & ~tcvn3 & ~unicode, VNI, ""))
    ask = font != ""
    if ask.any():
        asked = texts[ask]
        said = [f if _reads_as(t, f) else None
                for t, f in zip(asked.astype(str).tolist(), font[ask].tolist(), strict=True)]
        result[asked.index] = pd.array(said, dtype="string")
    return result


def _groups(values: pd.Series, groups: pd.Series | None) -> pd.Series:
    return (groups.astype("string").fillna("") if groups is not None
            else pd.Series("", index=values.index, dtype="string"))


def group_fonts(columns: Sequence[tuple[pd.Series, pd.Series | None]],
                found: Sequence[pd.Series] | None = None) -> pd.Series:
    """Per group (a return), the legacy font its text of these columns (values, groups) is typed in: 'TCVN3' or
    'VNI' when at least one cell is surely of it, none of the other, and no cell holds a character only Unicode
    has (a column typed in Unicode almost always does: ư, ơ, đ, ạ …); <NA> otherwise. ``found``: each column's
    :func:`detect_series` without context, when already known."""
    parts = []
    for i, (values, groups) in enumerate(columns):
        if values.empty:
            continue
        enc = found[i] if found is not None else _detect_each(values)[0]
        unicode = arrow_mask(pc.match_substring_regex(arrow_text(values), UNICODE_ONLY_PATTERN))
        parts.append(pd.DataFrame({"g": _groups(values, groups).to_numpy(),
                                   "tcvn3": (enc == TCVN3).fillna(False).to_numpy(dtype=bool),
                                   "vni": (enc == VNI).fillna(False).to_numpy(dtype=bool), "unicode": unicode}))
    if not parts:
        return pd.Series(dtype="string")
    per = pd.concat(parts, ignore_index=True).groupby("g", sort=False)[["tcvn3", "vni", "unicode"]].sum()
    font = pd.Series(pd.NA, index=per.index, dtype="string")
    font[(per["tcvn3"] >= 1) & (per["vni"] == 0) & (per["unicode"] == 0)] = TCVN3
    font[(per["vni"] >= 1) & (per["tcvn3"] == 0) & (per["unicode"] == 0)] = VNI
    return font


def _detect_each(values: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """(:func:`detect` of each cell alone, the cells that may be legacy text: a legacy code, no Unicode-only
    character) — see :func:`detect_series`."""
    if len(values) > 1000:  # a column of few distinct texts (villages, a province's answers): each looked at once
        codes, uniques = pd.factorize(values)
        if 2 * len(uniques) < len(values):
            found, maybe = _detect_each(pd.Series(uniques))
            result = pd.Series(found.array.take(codes, allow_fill=True), index=values.index, dtype="string",
                               name=values.name)
            if not len(maybe):  # every cell empty
                return result, np.zeros(len(values), dtype=bool)
            return result, (codes >= 0) & maybe[np.maximum(codes, 0)]
    result = pd.Series(pd.NA, index=values.index, dtype="string", name=values.name)
    none = np.zeros(len(values), dtype=bool)
    if values.empty:
        return result, none
    arr = arrow_text(values)  # Arrow's regex kernels: no Python call per cell
    marked = arrow_mask(pc.match_substring_regex(arr, MARKER_PATTERN))
    if not marked.any():
        return result, none
    candidates = marked & ~arrow_mask(pc.match_substring_regex(arr, UNICODE_ONLY_PATTERN))
    if not candidates.any():
        return result, none
    subset = values[candidates]
    found = {value: detect(value) for value in subset.unique()}
    result[candidates] = subset.map(found).astype("string").to_numpy()
    return result, np.asarray(candidates, dtype=bool)
