"""Administrative units of Viet Nam, dated: the three-level list before 1/7/2025 and the two-level list from then.

Package data (`data/units.json.gz`) built by `tools/build_registry.py` from the statistics office lists; nothing
outside the package is read at run time. Everything is loaded on first use and cached.

Codes are text with their leading zeros: province 2 digits, district 3 (before the reform only), commune 5.
Which list applies is decided by a date (`as_of`): before `REFORM_DATE` the three-level list, from it the
two-level list. Commune codes are reused across the two lists, so the same code can name different units.
"""

from __future__ import annotations

import difflib
import gzip
import json
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, cached_property
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from hgn_review.errors import ConfigError
from hgn_review.text import fold, nfc

__all__ = [
    "AFTER", "BEFORE", "COMMUNE", "DISTRICT", "LEVELS", "PROVINCE", "REFORM_DATE", "RURAL", "URBAN",
    "CrosswalkEntry", "Registry", "Unit", "get_registry",
]

REFORM_DATE = date(2025, 7, 1)  # the two-level list applies from this date (the data file records the same date)
BEFORE = "before-2025-07"
AFTER = "from-2025-07"
PROVINCE, DISTRICT, COMMUNE = "province", "district", "commune"
LEVEL_VI = {PROVINCE: "tỉnh", DISTRICT: "huyện", COMMUNE: "xã"}  # a level as officers say it


def scope(level: str, code: str, name: str | None = None, lang: str = "vi") -> str:
    """A merged unit for people: "huyện 288 Thành phố Hải Dương" (English: "district 288 Thành phố Hải Dương")."""
    said = LEVEL_VI.get(level, level) if lang == "vi" else level
    return " ".join(str(p) for p in (said, code, name) if p)
LEVELS = (PROVINCE, DISTRICT, COMMUNE)
URBAN, RURAL = "Thành thị", "Nông thôn"
_DATA_FORMAT = 1
_LEVEL_RANK = {PROVINCE: 0, DISTRICT: 1, COMMUNE: 2}
# type words as they start a unit's name, folded, longest first (so "thi xa" wins over "xa")
_TYPE_WORDS = ("thanh pho", "thi tran", "dac khu", "thi xa", "phuong", "huyen", "quan", "tinh", "xa")
_NON_DIGIT = re.compile(r"\D")


@dataclass(frozen=True)
class Unit:
    """One administrative unit as listed for one era. A province's `province_code` is its own code, and so is a
    district's `district_code`; communes of the two-level list have no district."""

    code: str
    name: str
    level: str  # 'province' | 'district' | 'commune'
    type: str  # Tỉnh/Thành phố; Quận/Huyện/Thị xã/Thành phố; Xã/Phường/Thị trấn/Đặc khu
    province_code: str
    province_name: str
    district_code: str | None
    district_name: str | None
    area: str | None  # communes: Thành thị / Nông thôn; None when undetermined and for provinces, districts
    era: str  # 'before-2025-07' | 'from-2025-07'

    def label(self) -> str:
        """'10507 Phường Cẩm Thượng (Thành phố Hải Dương, Tỉnh Hải Dương)': for messages and hints."""
        parents = [p for p in (self.district_name, self.province_name) if p and p != self.name]
        return f"{self.code} {self.name}" + (f" ({', '.join(parents)})" if parents else "")


@dataclass(frozen=True)
class CrosswalkEntry:
    """One row of the 1/7/2025 crosswalk: (part of) an old commune went into a new commune."""

    old_code: str  # 5-digit commune code; 3-digit district code for an island district without communes
    old_name: str
    new_code: str
    new_name: str
    new_province_code: str
    whole: bool  # True: the whole old unit went into new_code; False: a part of its area or population
    note: str  # the crosswalk's "Ghi chú", verbatim


@cache
def _data() -> dict[str, Any]:
    res = resources.files(__name__).joinpath("data/units.json.gz")
    try:
        with res.open("rb") as fh:
            data: dict[str, Any] = json.loads(gzip.decompress(fh.read()).decode("utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Không đọc được danh mục đơn vị hành chính đóng gói: {exc}",
                          hint="Cài lại gói hgn-review.",
                          message_en=f"The bundled administrative unit list cannot be read: {exc}",
                          hint_en="Reinstall the hgn-review package.") from exc
    if data.get("format") != _DATA_FORMAT or date.fromisoformat(data["reform_date"]) != REFORM_DATE:
        raise ConfigError("Danh mục đơn vị hành chính đóng gói không đúng phiên bản.",
                          hint="Chạy lại tools/build_registry.py hoặc cài lại gói.",
                          message_en="The bundled administrative unit list has the wrong format version.",
                          hint_en="Run tools/build_registry.py again or reinstall the package.")
    return data


@cache
def _crosswalk_index() -> tuple[dict[str, list[CrosswalkEntry]], dict[str, list[CrosswalkEntry]]]:
    """(old code -> entries, new code -> entries)."""
    data = _data()
    cw = data["crosswalk"]
    old_names = {c[0]: c[1] for c in data["before"]["communes"]}
    old_names.update({d[0]: d[1] for d in data["before"]["districts"]})
    new_units = {c[0]: (c[1], c[3]) for c in data["after"]["communes"]}
    by_old: dict[str, list[CrosswalkEntry]] = defaultdict(list)
    by_new: dict[str, list[CrosswalkEntry]] = defaultdict(list)
    for old_code, old_name, new_code, whole, note_idx in cw["rows"]:
        new_name, new_pcode = new_units[new_code]
        entry = CrosswalkEntry(old_code, old_name or old_names.get(old_code, ""), new_code, new_name, new_pcode,
                               bool(whole), cw["notes"][note_idx])
        by_old[old_code].append(entry)
        by_new[new_code].append(entry)
    return dict(by_old), dict(by_new)


def _as_date(as_of: date | datetime | str) -> date:
    if isinstance(as_of, datetime):  # also pandas.Timestamp
        return as_of.date()
    if isinstance(as_of, date):
        return as_of
    if isinstance(as_of, str):
        return date.fromisoformat(as_of)
    raise TypeError(f"as_of must be a date, got {type(as_of).__name__}")


def _bare(folded: str) -> str:
    """A folded name without its type word: 'phuong cam thuong' -> 'cam thuong'."""
    for word in _TYPE_WORDS:
        if folded.startswith(word + " ") and len(folded) > len(word) + 1:
            return folded[len(word) + 1:]
    return folded


def _type_word(folded: str) -> str | None:
    for word in _TYPE_WORDS:
        if folded.startswith(word + " "):
            return word
    return None


def _common_prefix(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _normalise_area(value: str, code: str) -> str:
    folded = fold(value)
    for canonical in (URBAN, RURAL):
        if folded == fold(canonical):
            return canonical
    raise ConfigError(f"Khu vực \"{value}\" của xã {code} không hợp lệ: chỉ nhận \"{URBAN}\" hoặc \"{RURAL}\".",
                      message_en=f"Area \"{value}\" for commune {code} is invalid: use \"{URBAN}\" or \"{RURAL}\".")


def _check_overrides(overrides: Mapping[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for code, value in (overrides or {}).items():
        key = str(code).strip()
        if not re.fullmatch(r"\d{5}", key):
            raise ConfigError(f"Mã xã \"{code}\" trong danh sách khu vực điều chỉnh phải có 5 chữ số.",
                              message_en=f"Commune code \"{code}\" in the area overrides must have 5 digits.")
        out[key] = _normalise_area(str(value), key)
    return out


class _Era:
    """The units of one list, indexed."""

    def __init__(self, era_id: str, units: list[Unit]) -> None:
        self.id = era_id
        self.by_code: dict[str, Unit] = {u.code: u for u in units}
        self.provinces = sorted((u for u in units if u.level == PROVINCE), key=lambda u: u.code)
        self.districts_of: dict[str, list[Unit]] = defaultdict(list)
        self.communes_of: dict[str, list[Unit]] = defaultdict(list)
        for u in sorted(units, key=lambda u: u.code):
            if u.level == DISTRICT:
                self.districts_of[u.province_code].append(u)
            elif u.level == COMMUNE:
                self.communes_of[u.province_code].append(u)
                if u.district_code:
                    self.communes_of[u.district_code].append(u)
        self.communes = [u for u in sorted(units, key=lambda u: u.code) if u.level == COMMUNE]

    @cached_property
    def frame(self) -> pd.DataFrame:
        """Communes indexed by code: name, type, area, province_code, district_code."""
        df = pd.DataFrame({
            "name": [u.name for u in self.communes], "type": [u.type for u in self.communes],
            "area": [u.area for u in self.communes], "province_code": [u.province_code for u in self.communes],
            "district_code": [u.district_code for u in self.communes]},
            index=pd.Index([u.code for u in self.communes], name="code"))
        return df.astype("string")

    @cached_property
    def code_matrix(self) -> tuple[np.ndarray, list[str]]:
        """Commune codes as an (n, 5) digit matrix, and the codes themselves."""
        codes = [u.code for u in self.communes]
        mat = np.array([[int(ch) for ch in c] for c in codes], dtype=np.int8).reshape(len(codes), 5)
        return mat, codes

    @cached_property
    def search_entries(self) -> list[tuple[str, str, Unit]]:
        out = []
        for u in sorted(self.by_code.values(), key=lambda u: (_LEVEL_RANK[u.level], u.code)):
            full = fold(u.name)
            out.append((full, _bare(full), u))
        return out

    @cached_property
    def bare_names(self) -> dict[str | None, dict[str, list[Unit]]]:
        """level (None = any) -> folded bare name -> units."""
        out: dict[str | None, dict[str, list[Unit]]] = {None: defaultdict(list)}
        for level in LEVELS:
            out[level] = defaultdict(list)
        for _full, bare, u in self.search_entries:
            out[None][bare].append(u)
            out[u.level][bare].append(u)
        return out


class Registry:
    """Dated lists of administrative units, the 2025 crosswalk and code helpers. Get one with `get_registry`."""

    def __init__(self, area_overrides: Mapping[str, str] | None = None) -> None:
        self._overrides = _check_overrides(area_overrides)
        self._eras: dict[str, _Era] = {}

    # --- eras ---
    def era(self, as_of: date) -> str:
        """'before-2025-07' before the reform date, 'from-2025-07' from it."""
        return BEFORE if _as_date(as_of) < REFORM_DATE else AFTER

    def _era(self, as_of: date) -> _Era:
        era_id = self.era(as_of)
        if era_id not in self._eras:
            self._eras[era_id] = _Era(era_id, self._build_units(era_id))
        return self._eras[era_id]

    def _area(self, code: str, unit_type: str) -> str | None:
        if code in self._overrides:
            return self._overrides[code]
        area: str | None = _data()["area_by_type"].get(unit_type)
        return area

    def _build_units(self, era_id: str) -> list[Unit]:
        data = _data()["before" if era_id == BEFORE else "after"]
        units: list[Unit] = []
        provinces: dict[str, str] = {}
        for code, name, utype in data["provinces"]:
            provinces[code] = name
            units.append(Unit(code, name, PROVINCE, utype, code, name, None, None, None, era_id))
        if era_id == BEFORE:
            districts: dict[str, tuple[str, str]] = {}
            for code, name, utype, pcode in data["districts"]:
                districts[code] = (name, pcode)
                units.append(Unit(code, name, DISTRICT, utype, pcode, provinces[pcode], code, name, None, era_id))
            for code, name, utype, dcode in data["communes"]:
                dname, pcode = districts[dcode]
                units.append(Unit(code, name, COMMUNE, utype, pcode, provinces[pcode], dcode, dname,
                                  self._area(code, utype), era_id))
        else:
            for code, name, utype, pcode in data["communes"]:
                units.append(Unit(code, name, COMMUNE, utype, pcode, provinces[pcode], None, None,
                                  self._area(code, utype), era_id))
        return units

    # --- look-ups ---
    def unit(self, code: str, as_of: date) -> Unit | None:
        """A province (2 digits), district (3, before the reform) or commune (5) by code; None when unknown."""
        return self._era(as_of).by_code.get(str(code).strip())

    def commune(self, code: str | int, as_of: date) -> Unit | None:
        """The commune with this 5-digit code in the list for `as_of` (an int is zero-padded), or None."""
        key = f"{code:05d}" if isinstance(code, int) else str(code).strip()
        u = self._era(as_of).by_code.get(key)
        return u if u is not None and u.level == COMMUNE else None

    def parents(self, code: str, as_of: date) -> list[Unit]:
        """The unit and its parents, smallest first: [commune, district (before the reform), province]."""
        u = self.unit(code, as_of)
        if u is None:
            return []
        era = self._era(as_of)
        chain = [u]
        if u.level == COMMUNE and u.district_code:
            chain.append(era.by_code[u.district_code])
        if u.level != PROVINCE:
            chain.append(era.by_code[u.province_code])
        return chain

    def communes_of(self, parent_code: str, as_of: date) -> list[Unit]:
        """Communes of a province (2 digits) or district (3 digits), by code; [] when the parent is unknown."""
        return list(self._era(as_of).communes_of.get(str(parent_code).strip(), []))

    def districts_of(self, province_code: str, as_of: date) -> list[Unit]:
        """Districts of a province by code; always [] from the reform date (no district level)."""
        return list(self._era(as_of).districts_of.get(str(province_code).strip(), []))

    def provinces(self, as_of: date) -> list[Unit]:
        return list(self._era(as_of).provinces)

    # --- suggestions ---
    def search(self, name: str, as_of: date, level: str | None = None, limit: int = 5) -> list[Unit]:
        """Units whose name matches `name`, best first: diacritics, case and spacing ignored; the type word
        (Xã, Phường, Huyện, Tỉnh …) optional; exact matches first, then prefixes and substrings, then close
        spellings (difflib)."""
        if level is not None and level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS} or None, got {level!r}")
        q = fold(name)
        if not q or limit <= 0:
            return []
        qb, q_word = _bare(q), _type_word(q)
        era = self._era(as_of)
        scored: dict[str, tuple[int, float, Unit]] = {}

        def offer(u: Unit, rank: int, ratio: float = 1.0) -> None:
            best = scored.get(u.code + u.level)
            if best is None or (rank, -ratio) < (best[0], -best[1]):
                scored[u.code + u.level] = (rank, ratio, u)

        for full, bare, u in era.search_entries:
            if level is not None and u.level != level:
                continue
            if full == q:
                offer(u, 0)
            elif bare == qb:
                offer(u, 1 if q_word is None or _type_word(full) == q_word else 2)
            elif len(qb) >= 3 and bare.startswith(qb):
                offer(u, 3)
            elif len(qb) >= 3 and qb in bare:
                offer(u, 4)
        names = era.bare_names[level]
        for close in difflib.get_close_matches(qb, list(names), n=max(limit * 3, 10), cutoff=0.7):
            ratio = difflib.SequenceMatcher(None, qb, close).ratio()
            for u in names[close]:
                offer(u, 5, ratio)
        # ties (same folded spelling) go to the unit spelt closest to the query with its diacritics
        q_lower = nfc(" ".join(name.split())).lower()

        def accent_ratio(u: Unit) -> float:
            lower = u.name.lower()
            bare = lower[len(lower) - len(_bare(fold(u.name))):]
            return max(difflib.SequenceMatcher(None, q_lower, lower).ratio(),
                       difflib.SequenceMatcher(None, q_lower, bare).ratio())

        ranked = sorted(scored.values(),
                        key=lambda t: (t[0], -t[1], -accent_ratio(t[2]), _LEVEL_RANK[t[2].level], t[2].code))
        return [u for _rank, _ratio, u in ranked[:limit]]

    def nearest_codes(self, code: str, as_of: date, limit: int = 3) -> list[Unit]:
        """Communes whose codes are nearest to `code`, for "did you mean": lost leading zeros first, then one
        digit changed, two digits swapped, a digit missing or extra, then two digits off; ties by the longer
        common prefix and the closer number."""
        digits = _NON_DIGIT.sub("", str(code))
        if not digits or limit <= 0:
            return []
        era = self._era(as_of)
        mat, codes = era.code_matrix
        known = era.by_code
        scores: dict[str, int] = {}
        if len(digits) < 5 and digits.zfill(5) in known and known[digits.zfill(5)].level == COMMUNE:
            scores[digits.zfill(5)] = 0
        if len(digits) == 5:
            q = np.array([int(ch) for ch in digits], dtype=np.int8)
            diff = mat != q
            dist = diff.sum(axis=1)
            for i in range(4):  # two adjacent digits swapped counts as one edit
                swapped = ((dist == 2) & diff[:, i] & diff[:, i + 1]
                           & (mat[:, i] == q[i + 1]) & (mat[:, i + 1] == q[i]))
                dist = np.where(swapped, 1, dist)
            for idx in np.flatnonzero(dist <= 2):
                scores.setdefault(codes[idx], int(dist[idx]))
        elif len(digits) == 4:  # one digit missing
            for pos in range(5):
                for d in "0123456789":
                    cand = digits[:pos] + d + digits[pos:]
                    if cand in known and known[cand].level == COMMUNE:
                        scores.setdefault(cand, 1)
        elif len(digits) == 6:  # one digit too many
            for pos in range(6):
                cand = digits[:pos] + digits[pos + 1:]
                if cand in known and known[cand].level == COMMUNE:
                    scores.setdefault(cand, 1)
        if not scores:  # far off: the communes sharing the longest prefix
            best = max((_common_prefix(digits, c) for c in codes), default=0)
            if best > 0:
                scores = {c: 3 for c in codes if _common_prefix(digits, c) == best}
        target = int(digits[:5].ljust(5, "0")) if len(digits) > 5 else int(digits)
        ranked = sorted(scores, key=lambda c: (scores[c], -_common_prefix(digits, c), abs(int(c) - target), c))
        return [known[c] for c in ranked[:limit]]

    # --- the 2025 crosswalk ---
    def crosswalk(self, old_code: str) -> list[CrosswalkEntry]:
        """Where an old commune went on 1/7/2025: one entry per new commune that took (part of) it; [] when the
        crosswalk has no row for the code (a few units changed between the two lists)."""
        return list(_crosswalk_index()[0].get(str(old_code).strip(), []))

    def population_target(self, old_code: str) -> CrosswalkEntry | None:
        """The crosswalk row of the one new commune an old commune's whole population went to ("toàn bộ dân số",
        while its area may have been split), None when the crosswalk does not say so of exactly one, or also
        splits the population ("một phần dân số")."""
        entries = self.crosswalk(old_code)
        by_population = [e for e in entries if "toan bo dan so" in fold(e.note)]
        if len(by_population) == 1 and not any("mot phan dan so" in fold(e.note) for e in entries):
            return by_population[0]
        return None

    def other_era(self, code: str, as_of: date) -> tuple[str, str] | None:
        """(Vietnamese, English) words for a commune code that is no commune on ``as_of`` but is one of the other
        unit list: a code from before 1/7/2025 and the new commune(s) it went into, or a code from 1/7/2025. None
        when the code is no commune of either list (a typo)."""
        if self.commune(code, as_of) is not None:
            return None
        if self.era(as_of) == AFTER:
            old = self.commune(code, REFORM_DATE - timedelta(days=1))
            if old is None:
                return None
            went = "; ".join(f"{e.new_code} {e.new_name}" for e in self.crosswalk(code))
            return (f"mã của {old.name} trước 1/7/2025" + (f", nay thuộc {went}" if went else ""),
                    f"the code of {old.name} before 1/7/2025" + (f", now part of {went}" if went else ""))
        new = self.commune(code, REFORM_DATE)
        if new is None:
            return None
        return f"mã của {new.name} từ 1/7/2025", f"the code of {new.name} from 1/7/2025"

    def predecessors(self, new_code: str) -> list[CrosswalkEntry]:
        """The crosswalk rows of a new (from 1/7/2025) commune: the old units it was formed from."""
        return list(_crosswalk_index()[1].get(str(new_code).strip(), []))

    # --- vectorised ---
    def area_frame(self, codes: pd.Series, as_of: date) -> pd.DataFrame:
        """For a Series of commune codes: one row per element, same index, columns known (bool), area, name,
        type, province_code, district_code (strings, NA when unknown). Text codes are only stripped; integer
        codes (and floats holding whole numbers) are zero-padded to 5 digits."""
        era = self._era(as_of)
        inverse, uniques = pd.factorize(codes.to_numpy(dtype=object, na_value=None))  # NA -> -1
        keys = [_code_key(v) for v in uniques]
        table = era.frame.reindex([*keys, None])  # the last row (all NA) stands for missing codes
        out = table.iloc[np.where(inverse < 0, len(keys), inverse)]
        out.index = codes.index
        out.insert(0, "known", out["name"].notna().to_numpy(dtype=bool))
        return out[["known", "area", "name", "type", "province_code", "district_code"]]

    # --- identity numbers ---
    def id_province_prefixes(self) -> frozenset[str]:
        """First three digits of a personal ID: '0' + a pre-2025 province code ('001' … '096'). They never change
        with the 2025 merges (domain.md §4)."""
        return frozenset("0" + p[0] for p in _data()["before"]["provinces"])


def _code_key(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (bool, np.bool_)):
        return None
    if isinstance(value, (int, np.integer)):
        return f"{int(value):05d}" if value >= 0 else None
    if isinstance(value, (float, np.floating)):
        return f"{int(value):05d}" if float(value).is_integer() and value >= 0 else None
    return str(value).strip()


@cache
def _registry(overrides: tuple[tuple[str, str], ...]) -> Registry:
    return Registry(dict(overrides))


def get_registry(area_overrides: Mapping[str, str] | None = None) -> Registry:
    """The registry (cached). `area_overrides` maps a commune code to 'Thành thị' or 'Nông thôn' and replaces
    the area derived from the commune's type, in both lists."""
    items = tuple(sorted((str(k).strip(), str(v)) for k, v in (area_overrides or {}).items()))
    return _registry(items)

