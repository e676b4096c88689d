"""Movements between two reviews (diễn biến): each household's category, and per-unit tables that must balance.

A household's *start* state is its class on the managed list at the start of the period (``phan_loai_dau_ky``, or a
``previous`` list matched by commune + household code, then by the head's personal ID); its *end* state is this
review's class. Households that moved in or split off (``Chuyển đến``, ``Tách hộ``) were not in the unit at the start;
households that moved away or dissolved (``Chuyển đi``, ``Giải thể``) are not in it at the end.

The tables count start and end from these states and the decreases/increases from the households' ``dien_bien``
labels, then check end = start − decreases + increases for every unit; a unit that does not balance is reported,
never hidden.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from hgn_review.findings import Finding, finding
from hgn_review.scoring._frames import Coded, Locator, column, group_sums
from hgn_review.scoring._text import labels
from hgn_review.text import fold

# classes (contract values of ``phan_loai``)
NGHEO = "Nghèo"
CAN_NGHEO = "Cận nghèo"
MSTB = "Mức sống trung bình"
KHONG_NGHEO = "Không nghèo"
CHUA_DU = "Chưa đủ thông tin"

# start/end states used for movements
KHONG = "Không"  # not poor nor near-poor (also the value of phan_loai_dau_ky)
MOI = "Mới"  # not in the unit at the start (moved in, split off)
ROI = "Rời"  # not in the unit at the end (moved away, dissolved)
CHUA_RO = "?"  # unknown

# tinh_trang_ho values (layout choices)
STATUS_IN = ("Chuyển đến", "Tách hộ")
STATUS_OUT = ("Chuyển đi", "Giải thể")

# household categories (dien_bien)
TIEP_TUC_NGHEO = "Tiếp tục nghèo"
THOAT_NGHEO_CAN_NGHEO = "Thoát nghèo sang cận nghèo"
THOAT_NGHEO = "Thoát nghèo (trên cận nghèo)"
CAN_NGHEO_THANH_NGHEO = "Cận nghèo thành nghèo"
TIEP_TUC_CAN_NGHEO = "Tiếp tục cận nghèo"
THOAT_CAN_NGHEO = "Thoát cận nghèo"
NGHEO_MOI = "Nghèo mới"
TAI_NGHEO = "Tái nghèo"
CAN_NGHEO_MOI = "Cận nghèo mới"
TAI_CAN_NGHEO = "Tái cận nghèo"
GIAM_KHAC = "Giảm khác"
TANG_KHAC = "Tăng khác"
CHUA_RO_CUOI_KY = "Chưa rõ phân loại cuối kỳ"
CHUA_RO_DAU_KY = "Chưa rõ phân loại đầu kỳ"

# the categories, classes and states as they are said in English (the data and the forms keep the Vietnamese)
WORDS_EN = {
    TIEP_TUC_NGHEO: "Still poor", THOAT_NGHEO_CAN_NGHEO: "Escaped poverty to near-poor",
    THOAT_NGHEO: "Escaped poverty (above near-poor)", CAN_NGHEO_THANH_NGHEO: "Near-poor became poor",
    TIEP_TUC_CAN_NGHEO: "Still near-poor", THOAT_CAN_NGHEO: "Escaped near-poverty", NGHEO_MOI: "Newly poor",
    TAI_NGHEO: "Relapsed into poverty", CAN_NGHEO_MOI: "Newly near-poor", TAI_CAN_NGHEO: "Relapsed into near-poverty",
    GIAM_KHAC: "Other decrease", TANG_KHAC: "Other increase", CHUA_RO_CUOI_KY: "End class not known yet",
    CHUA_RO_DAU_KY: "Start class not known",
    NGHEO: "Poor", CAN_NGHEO: "Near-poor", MSTB: "Average living standard", KHONG_NGHEO: "Not poor",
    CHUA_DU: "Undecided (information missing)", KHONG: "Not poor nor near-poor",
}

# (start, end) -> category; pairs not listed (e.g. Không → Không) have no category
TRANSITIONS: dict[tuple[str, str], str] = {
    (NGHEO, NGHEO): TIEP_TUC_NGHEO, (NGHEO, CAN_NGHEO): THOAT_NGHEO_CAN_NGHEO, (NGHEO, KHONG): THOAT_NGHEO,
    (NGHEO, ROI): GIAM_KHAC, (NGHEO, CHUA_RO): CHUA_RO_CUOI_KY,
    (CAN_NGHEO, NGHEO): CAN_NGHEO_THANH_NGHEO, (CAN_NGHEO, CAN_NGHEO): TIEP_TUC_CAN_NGHEO,
    (CAN_NGHEO, KHONG): THOAT_CAN_NGHEO, (CAN_NGHEO, ROI): GIAM_KHAC, (CAN_NGHEO, CHUA_RO): CHUA_RO_CUOI_KY,
    (KHONG, NGHEO): NGHEO_MOI, (KHONG, CAN_NGHEO): CAN_NGHEO_MOI,
    (MOI, NGHEO): TANG_KHAC, (MOI, CAN_NGHEO): TANG_KHAC,
    (CHUA_RO, NGHEO): CHUA_RO_DAU_KY, (CHUA_RO, CAN_NGHEO): CHUA_RO_DAU_KY,
}
# a "new" household that held the class in an earlier period (history) is a relapse
RELAPSE = {NGHEO_MOI: (TAI_NGHEO, NGHEO), CAN_NGHEO_MOI: (TAI_CAN_NGHEO, CAN_NGHEO)}

TABLES = (NGHEO, CAN_NGHEO)
# column key -> per table: (household categories counted, condition on the household's start/end state or None)
_ANY = None
TABLE_COLUMNS: dict[str, dict[str, tuple[tuple[str, ...], str | None]]] = {
    "giam_sang_bang_kia": {NGHEO: ((THOAT_NGHEO_CAN_NGHEO,), _ANY), CAN_NGHEO: ((CAN_NGHEO_THANH_NGHEO,), _ANY)},
    "giam_thoat": {NGHEO: ((THOAT_NGHEO,), _ANY), CAN_NGHEO: ((THOAT_CAN_NGHEO,), _ANY)},
    "giam_khac": {NGHEO: ((GIAM_KHAC,), "start"), CAN_NGHEO: ((GIAM_KHAC,), "start")},
    "giam_chua_ro": {NGHEO: ((CHUA_RO_CUOI_KY,), "start"), CAN_NGHEO: ((CHUA_RO_CUOI_KY,), "start")},
    "tang_tu_bang_kia": {NGHEO: ((CAN_NGHEO_THANH_NGHEO,), _ANY), CAN_NGHEO: ((THOAT_NGHEO_CAN_NGHEO,), _ANY)},
    "tang_moi": {NGHEO: ((NGHEO_MOI,), _ANY), CAN_NGHEO: ((CAN_NGHEO_MOI,), _ANY)},
    "tang_tai": {NGHEO: ((TAI_NGHEO,), _ANY), CAN_NGHEO: ((TAI_CAN_NGHEO,), _ANY)},
    "tang_khac": {NGHEO: ((TANG_KHAC,), "end"), CAN_NGHEO: ((TANG_KHAC,), "end")},
    "tang_chua_ro": {NGHEO: ((CHUA_RO_DAU_KY,), "end"), CAN_NGHEO: ((CHUA_RO_DAU_KY,), "end")},
}
DECREASES = tuple(c for c in TABLE_COLUMNS if c.startswith("giam_"))
INCREASES = tuple(c for c in TABLE_COLUMNS if c.startswith("tang_"))
# Vietnamese column titles per table, for the report forms
COLUMN_TITLES: dict[str, dict[str, str]] = {
    NGHEO: {
        "dau_ky": "Hộ nghèo đầu kỳ", "giam_sang_bang_kia": "Thoát nghèo sang cận nghèo",
        "giam_thoat": "Thoát nghèo (trên cận nghèo)", "giam_khac": "Giảm khác (chuyển đi, giải thể)",
        "giam_chua_ro": "Chưa rõ phân loại cuối kỳ", "giam": "Tổng số giảm",
        "tang_tu_bang_kia": "Cận nghèo thành nghèo", "tang_moi": "Nghèo mới", "tang_tai": "Tái nghèo",
        "tang_khac": "Tăng khác (chuyển đến, tách hộ)", "tang_chua_ro": "Chưa rõ phân loại đầu kỳ",
        "tang": "Tổng số tăng", "cuoi_ky": "Hộ nghèo cuối kỳ"},
    CAN_NGHEO: {
        "dau_ky": "Hộ cận nghèo đầu kỳ", "giam_sang_bang_kia": "Cận nghèo thành nghèo",
        "giam_thoat": "Thoát cận nghèo", "giam_khac": "Giảm khác (chuyển đi, giải thể)",
        "giam_chua_ro": "Chưa rõ phân loại cuối kỳ", "giam": "Tổng số giảm",
        "tang_tu_bang_kia": "Nghèo thành cận nghèo", "tang_moi": "Cận nghèo mới", "tang_tai": "Tái cận nghèo",
        "tang_khac": "Tăng khác (chuyển đến, tách hộ)", "tang_chua_ro": "Chưa rõ phân loại đầu kỳ",
        "tang": "Tổng số tăng", "cuoi_ky": "Hộ cận nghèo cuối kỳ"},
}

# lenient reading of a class written in a list (folded text -> start state); anything else is unknown
_STATUS_WORDS = {
    "ngheo": NGHEO, "ho ngheo": NGHEO, "hn": NGHEO,
    "can ngheo": CAN_NGHEO, "ho can ngheo": CAN_NGHEO, "hcn": CAN_NGHEO,
    "khong": KHONG, "khong ngheo": KHONG, "ho khong ngheo": KHONG, "muc song trung binh": KHONG,
    "ho co muc song trung binh": KHONG, "mstb": KHONG,
}
_HEAD = "Chủ hộ"


# start/end states and categories as codes (positions in these tuples; -1 for none)
_STATES = (NGHEO, CAN_NGHEO, KHONG, MOI, ROI, CHUA_RO)
_CATEGORIES = tuple(dict.fromkeys([*TRANSITIONS.values(), *(relapse for relapse, _ in RELAPSE.values())]))
_TRANSITION_CODES = np.full((len(_STATES), len(_STATES)), -1)
for (_a, _b), _c in TRANSITIONS.items():
    _TRANSITION_CODES[_STATES.index(_a), _STATES.index(_b)] = _CATEGORIES.index(_c)


def _status_codes(values: pd.Series) -> np.ndarray:
    """The state (code in ``_STATES``: Nghèo / Cận nghèo / Không) of a class as written; -1 otherwise."""
    text = Coded.of(column(pd.DataFrame({"v": values}), "v", "str"))
    words = {value: _status_word(value) for value in text.values}  # per distinct value
    return text.lookup({value: _STATES.index(w) for value, w in words.items() if w is not None}, -1, np.int64)


_NOT_POOR_WORDS = re.compile(r"\b(khong ngheo|thoat ngheo|thoat can ngheo|muc song trung binh|mstb)\b")


def _status_word(value: str) -> str | None:
    """The state a class as written names: the usual spellings, then a class with a remark ("Hộ nghèo (HN)",
    "Hộ nghèo DTTS", "Hộ cận nghèo - mới") by its words; None when it names none."""
    folded = fold(value)
    known = _STATUS_WORDS.get(folded)
    if known is not None:
        return known
    words = " ".join(re.sub(r"\([^)]*\)", " ", folded).replace("-", " ").split())
    known = _STATUS_WORDS.get(words)
    if known is not None:
        return known
    if _NOT_POOR_WORDS.search(words) or re.match(r"khong\b", words):  # "Không thuộc hộ nghèo", "Không phải …"
        return KHONG
    if re.search(r"\bcan ngheo\b", words):
        return CAN_NGHEO
    if re.search(r"\bngheo\b", words):
        return NGHEO
    return None


def normalise_status(values: pd.Series) -> pd.Series:
    """Nghèo / Cận nghèo / Không from a class as written (``Hộ nghèo``, ``Không nghèo``, ``MSTB`` …); NA otherwise."""
    return labels(_status_codes(values), _STATES, values.index)


def _commune(values: pd.Series) -> pd.Series:
    text = column(pd.DataFrame({"v": values}), "v", "str").str.strip()
    text = text.where(~text.str.endswith(".0").fillna(False).astype(bool), text.str[:-2])  # 10507.0 from Excel
    # a code with the commune's name after it ("11284 - Xã Chi Lăng Nam", as lists exported elsewhere write it)
    named = text.str.contains(r"^\d{1,5}\D", regex=True).fillna(False).to_numpy(dtype=bool)  # (an Arrow kernel)
    if named.any():  # only the cells written so: no Python step for a column of codes
        lead = text[named].str.extract(r"^(\d{1,5})(?:\s*[-–:.,)]\s*|\s+)\D", expand=False)
        text = text.copy()
        text[named] = text[named].where(lead.isna(), lead)
    short = (text.str.isdigit() & (text.str.len() < 5)).fillna(False).astype(bool)
    return text.where(~short, text.str.zfill(5))


def median_day(dates: pd.Series) -> dt.date | None:
    """The day that stands for a return's review dates: their median, the lower of the two middle ones (one
    mistyped year does not move it); None without a date. Validation judges commune codes on it, the merge takes
    the unit list of the same day (pipeline._review_date), and a split commune's list rows are placed on it."""
    days = np.sort(dates.dropna().to_numpy(dtype="datetime64[D]"))
    return dt.date.fromisoformat(str(days[(len(days) - 1) // 2])) if len(days) else None


def _review_day(households: pd.DataFrame) -> dt.date | None:
    """The day that stands for this review's units (:func:`median_day`)."""
    if "ngay_ra_soat" not in households.columns:
        return None
    return median_day(pd.to_datetime(households["ngay_ra_soat"], errors="coerce"))


def departed(households: pd.DataFrame, members: pd.DataFrame, keys: tuple[str, ...] = ("uid",)) -> np.ndarray:
    """Members whose household moved away or dissolved (``tinh_trang_ho`` Chuyển đi / Giải thể), matched by
    ``keys``: the same person listed again in the household she joined is not a second holder of her ID."""
    out = np.zeros(len(members), dtype=bool)
    if "tinh_trang_ho" not in households.columns or not len(members) \
            or not set(keys) <= set(members.columns) & set(households.columns):
        return out
    gone = households["tinh_trang_ho"].astype("string").str.strip().isin(STATUS_OUT).fillna(False).to_numpy(bool)
    if not gone.any():
        return out
    if len(keys) == 1:
        return members[keys[0]].isin(households.loc[gone, keys[0]].dropna()).fillna(False).to_numpy(dtype=bool)
    try:  # integer keys (the merge's input and position): one int64 per pair, no MultiIndex over 2 M members
        a = [pd.to_numeric(members[k], errors="raise").to_numpy(dtype=np.int64) for k in keys]
        b = [pd.to_numeric(households.loc[gone, k], errors="raise").to_numpy(dtype=np.int64) for k in keys]
        if len(keys) == 2 and all(int(x.max(initial=0)) < 1 << 31 and int(x.min(initial=0)) >= 0 for x in a + b):
            return np.isin((a[0] << 32) | a[1], (b[0] << 32) | b[1])
    except (ValueError, TypeError):
        pass
    theirs = pd.MultiIndex.from_frame(households.loc[gone, list(keys)])
    return pd.MultiIndex.from_frame(members[list(keys)]).isin(theirs)


def list_communes(codes: pd.Series, households: pd.DataFrame) -> tuple[pd.Series, dict[str, list[str]]]:
    """The start-of-period list's commune codes in this review's units, and the old communes that were split.

    A list made before 1/7/2025 names communes abolished by the reform; a review after it names the new ones.
    A list's code that is neither a commune of the review nor a unit on the review date is taken through the 2025
    crosswalk: to the one new commune that took it (whole or in part); an old commune split among several new
    ones is NA (its households are matched by the head's ID) and listed with its new communes. Codes of the
    review's own units are never changed — also a code the reform gave to another commune."""
    from hgn_review.registry import get_registry

    when = _review_day(households)
    if when is None or codes.dropna().empty:
        return codes, {}
    own = set(_commune(column(households, "ma_xa", "str")).dropna().unique().tolist())  # the review's communes
    reg = get_registry()
    after = reg.era(when) == reg.era(dt.date(2025, 7, 1))
    single: dict[str, str] = {}
    split: dict[str, list[str]] = {}
    for code in codes.dropna().unique().tolist():  # a few hundred distinct codes, not one per household
        if code in own or reg.commune(code, when) is not None:
            # a code the reform kept for a commune that gave part of its area to others (old 10570 → 10570 and
            # 10549): its households are looked for by code in those too (_list_keys), the code staying the default
            targets = sorted({e.new_code for e in reg.crosswalk(code)}) if after else []
            if len(targets) > 1 and code in targets:
                split[code] = targets
            continue
        targets = sorted({e.new_code for e in reg.crosswalk(code)})
        # split in area, but its whole population went to one new commune ("toàn bộ dân số"): its households are
        # there, as the merge places them (merge/crosswalk.py rule_for)
        by_population = reg.population_target(code) if len(targets) > 1 else None
        if len(targets) == 1:
            single[code] = targets[0]
        elif by_population is not None:
            single[code] = by_population.new_code
        elif targets:
            split[code] = targets
    if not single and not split:
        return codes, {}
    out = codes.copy()
    moved = codes.isin(list(single)).fillna(False).to_numpy(dtype=bool)
    out[moved] = codes[moved].map(single)
    gone = [c for c, targets in split.items() if c not in targets]  # abolished and split: no default commune
    out[codes.isin(gone).fillna(False).to_numpy(dtype=bool)] = pd.NA
    return out, split


def head_ids(members: pd.DataFrame | None) -> pd.Series:
    """uid → personal ID of the household head, for households with exactly one head whose ID is known."""
    if members is None or members.empty or "quan_he" not in members.columns:
        return pd.Series(dtype="str")
    uid = column(members, "uid", "Int64")
    # the three columns alone are filtered (a mask over the whole members frame copies every column: ~1 s a province)
    heads = ((column(members, "quan_he", "str") == _HEAD).fillna(False).to_numpy(dtype=bool)
             & uid.notna().to_numpy(dtype=bool))
    uids = uid[heads].astype("int64").to_numpy()
    ids = column(members, "so_dinh_danh", "str")[heads]
    once = pd.Index(uids).value_counts()
    by_uid = pd.Series(ids.to_numpy(), index=uids)
    return by_uid[by_uid.index.isin(once.index[once.to_numpy() == 1])].dropna()


def _objects(values: pd.Series | pd.Index) -> np.ndarray:
    """Text values as a numpy object array (NA as None), converted in one step: iterating an Arrow-backed column
    in Python (``set(series)``, ``Series.isin`` of Arrow text) costs a Python step per row."""
    return np.asarray(values.to_numpy(dtype=object, na_value=None), dtype=object)


def _in(values: pd.Series, pool: pd.Series | pd.Index) -> np.ndarray:
    """Which ``values`` are in ``pool`` (NA never), hashed in one Arrow kernel (pandas' ``isin`` of text goes
    through a Python step per value: seconds for a province)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    as_text = pa.large_string()
    found = pc.is_in(pa.array(_objects(values), type=as_text),
                     value_set=pa.array(_objects(pool), type=as_text).drop_null())
    return found.to_numpy(zero_copy_only=False).astype(bool) & values.notna().to_numpy(bool)


def _unique_lookup(keys: pd.Series, values: pd.Series) -> pd.Series:
    """key → value for keys that occur once (an ambiguous key matches nothing)."""
    ok = keys.notna() & ~keys.duplicated(keep=False)
    return pd.Series(values[ok].to_numpy(), index=keys[ok].to_numpy())


def _own_commune_row(households: pd.DataFrame, heads: pd.Series, other: pd.DataFrame) -> np.ndarray:
    """Per household: a row of the list in its own commune is its own — by commune + code, or by its head's ID
    heading a row of the same commune."""
    sep = "\x1f"
    own_commune = _commune(column(households, "ma_xa", "str"))
    own = own_commune + sep + column(households, "ma_ho", "str").str.strip()
    theirs, commune, _written, _split = _list_keys(households, other, heads)
    mine = _in(own, theirs)
    if "so_dinh_danh_chu_ho" in other.columns and len(heads):
        positions = pd.Series(np.arange(len(other)), index=other.index)
        at = column(households, "uid", "Int64").map(heads).map(_unique_lookup(_list_heads(other), positions))
        found = at.notna().to_numpy(dtype=bool)
        row_commune = np.full(len(households), None, dtype=object)
        row_commune[found] = commune.to_numpy(dtype=object)[at[found].astype("int64").to_numpy()]
        mine |= found & (row_commune == own_commune.to_numpy(dtype=object))
    return mine


def moved_within_pairs(commune: pd.Series, head: pd.Series, status: Coded) -> tuple[np.ndarray, np.ndarray]:
    """(positions of the households recorded "Chuyển đến" whose head — ``head``, one per household, NA when not
    known — heads a household of the same ``commune`` recorded "Chuyển đi", and that household's position): most
    likely one household that moved inside the commune, counted as a decrease and an increase of it."""
    away, came = status.matches(("Chuyển đi",)), status.matches(("Chuyển đến",))
    none = np.zeros(0, dtype=np.int64)
    if not (away.any() and came.any()):
        return none, none
    key = commune.astype("string").fillna("") + "\x1f" + head.astype("string")
    headed = away & head.notna().to_numpy(dtype=bool)  # (a departed household without member rows: no head known)
    position = pd.Series(np.arange(len(key), dtype=np.int64), index=key.index)
    partner = key.map(_unique_lookup(key[headed], position[headed]))
    at = np.flatnonzero(came & partner.notna().to_numpy(dtype=bool))
    return at, partner.to_numpy()[at].astype(np.int64)


def _moved_within(households: pd.DataFrame, members: pd.DataFrame | None, status: Coded) -> list[Finding]:
    """Said on each arrival of :func:`moved_within_pairs` in a return, for the commune to record it once if so."""
    if members is None or members.empty or not (status.matches(("Chuyển đi",)).any()
                                                  and status.matches(("Chuyển đến",)).any()):
        return []
    head = column(households, "uid", "Int64").map(head_ids(members))
    at, partner = moved_within_pairs(_commune(column(households, "ma_xa", "str")), head, status)
    if not len(at):
        return []
    codes = column(households, "ma_ho", "str").to_numpy(dtype=object)
    where = Locator(households, pd.RangeIndex(len(households)))
    return where.findings("moved-within-commune", at, column_key="tinh_trang_ho", key="tinh_trang_ho",
                          value=list(codes[at]), other=list(codes[partner]))


def _head_home(households: pd.DataFrame, heads: pd.Series, other: pd.DataFrame) -> pd.Series:
    """Per row of the list, the commune of this review where its head heads a household (NA: nowhere, or an ID
    heading several)."""
    one = heads[~heads.duplicated(keep=False)].dropna()
    uid_of = pd.Series(one.index.to_numpy(), index=one.to_numpy())
    home = pd.Series(_commune(column(households, "ma_xa", "str")).to_numpy(dtype=object),
                     index=column(households, "uid", "Int64").to_numpy())
    home = home[home.index.notna() & ~home.index.duplicated(keep=False)]
    return _list_heads(other).map(uid_of).map(home)


def _list_keys(households: pd.DataFrame, other: pd.DataFrame,
               heads: pd.Series | None = None) -> tuple[pd.Series, pd.Series, pd.Series, dict[str, list[str]]]:
    """(commune + code key, commune in this review's units, commune as written) of each row of the list, and the
    old communes split among new ones (:func:`list_communes`).

    An old commune split among new ones (see :func:`list_communes`) is placed in the new commune where the row's
    head heads a household (``heads``: uid → the head's ID), else in the one whose household has the row's code,
    when exactly one has it (a code is a commune's own numbering: another new commune's household may have it)."""
    sep = "\x1f"
    written = _commune(column(other, "ma_xa", "str"))
    commune, split = list_communes(written, households)
    code = column(other, "ma_ho", "str").str.strip()
    if split:
        own = _objects((_commune(column(households, "ma_xa", "str")) + sep
                        + column(households, "ma_ho", "str").str.strip()).dropna())
        rows = np.flatnonzero(written.isin(list(split)).fillna(False).to_numpy(dtype=bool))
        old = written.to_numpy(dtype=object)[rows]
        codes = code.to_numpy(dtype=object)[rows]
        width = max(len(v) for v in split.values())
        hits = np.zeros(len(rows), dtype=np.int64)
        chosen = np.full(len(rows), None, dtype=object)
        for k in range(width):  # per candidate position (two or three), not per row
            cand = np.array([split[o][k] if k < len(split[o]) else None for o in pd.unique(old)], dtype=object)
            at = pd.Index(pd.unique(old)).get_indexer(old)
            here = cand[at]
            keys = pd.Series(here, dtype="object").astype("str") + sep + pd.Series(codes, dtype="object").astype("str")
            hit = keys.isin(own).to_numpy(dtype=bool) & pd.notna(here) & pd.notna(codes)
            hits += hit
            chosen = np.where(hit, here, chosen)
        placed = hits == 1
        if heads is not None and len(heads) and "so_dinh_danh_chu_ho" in other.columns:
            # the new commune where the row's head heads a household, one of those the old commune went into
            there = _head_home(households, heads, other).iloc[rows].to_numpy(dtype=object)
            targets = pd.MultiIndex.from_tuples([(o, n) for o, new in split.items() for n in new])
            among = np.asarray(pd.MultiIndex.from_arrays([old, there]).isin(targets), dtype=bool)
            chosen = np.where(among, there, chosen)
            placed |= among
        if placed.any():
            values = commune.to_numpy(dtype=object).copy()
            values[rows[placed]] = chosen[placed]
            commune = pd.Series(values, index=commune.index, dtype=commune.dtype)
    return commune + sep + code, commune, written, split


def _list_heads(other: pd.DataFrame) -> pd.Series:
    return column(other, "so_dinh_danh_chu_ho", "str").str.strip()


def _listed_text(value: object, lang: str) -> str:
    """A start list's class as said in a finding: an undecided one (no class) as such, never "nan"."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return "chưa phân loại được" if lang == "vi" else "not classified"
    return str(value) if lang == "vi" else WORDS_EN.get(str(value), str(value))


def _code_rows(households: pd.DataFrame, heads: pd.Series, other: pd.DataFrame, own: pd.Series,
               theirs: pd.Series) -> np.ndarray:
    """Per household, the list row its commune + code matches (-1: none) — the one row of that key; or, of a key
    several rows share (two old communes merged into one new both had a "0001"), the one left when every other is
    the row of another household of the same return, found by its head's ID (renumbered: "CA-01")."""
    positions = pd.Series(np.arange(len(other), dtype=np.int64), index=other.index)
    out = np.array(own.map(_unique_lookup(theirs, positions)).fillna(-1).astype("int64").to_numpy(), dtype=np.int64)
    if "so_dinh_danh_chu_ho" not in other.columns or not len(heads) or not len(households):
        return out
    shared = (own.map(theirs.value_counts()).fillna(0).to_numpy() > 1) & own.notna().to_numpy(dtype=bool)
    if not shared.any():
        return out
    files = column(households, "file", "str").fillna("").to_numpy(dtype=object) if "file" in households.columns \
        else np.full(len(households), "", dtype=object)
    claim = column(households, "uid", "Int64").map(heads).map(_unique_lookup(_list_heads(other), positions))
    claimed = claim.notna().to_numpy(dtype=bool)
    rows = claim[claimed].astype("int64").to_numpy()
    other_key = theirs.to_numpy(dtype=object)[rows] != own.to_numpy(dtype=object)[claimed]
    claims = pd.MultiIndex.from_arrays([files[claimed][other_key], rows[other_key]])
    at = np.flatnonzero(shared)
    pairs = pd.DataFrame({"h": at, "k": own.to_numpy(dtype=object)[at], "f": files[at]}).merge(
        pd.DataFrame({"r": positions.to_numpy(), "k": theirs.to_numpy(dtype=object)}), on="k")
    pairs = pairs[~pd.MultiIndex.from_arrays([pairs["f"], pairs["r"]]).isin(claims)]
    left = pairs[pairs.groupby("h")["r"].transform("size").to_numpy() == 1]
    out[left["h"].to_numpy(dtype=np.int64)] = left["r"].to_numpy(dtype=np.int64)
    return out


def match_status(households: pd.DataFrame, heads: pd.Series, other: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(start state, matched) of each household in a list ``other`` (ma_xa, ma_ho, phan_loai[, so_dinh_danh_chu_ho]).

    Matched by commune + household code first, then by the head's personal ID — among the list's rows no household
    matched by code (one row never gives its start to two households).
    """
    found, matched, _by_head = _match(households, heads, other)
    return found, matched


def _match(households: pd.DataFrame, heads: pd.Series, other: pd.DataFrame) -> tuple[pd.Series, pd.Series, np.ndarray]:
    """:func:`match_status`, and which households were matched by their head's ID."""
    by_head = np.zeros(len(households), dtype=bool)
    status = normalise_status(column(other, "phan_loai", "str"))
    sep = "\x1f"
    own = _commune(column(households, "ma_xa", "str")) + sep + column(households, "ma_ho", "str").str.strip()
    theirs = _list_keys(households, other, heads)[0]
    by_code = _code_rows(households, heads, other, own, theirs)
    matched = pd.Series(by_code >= 0, index=own.index)
    found = pd.Series(status.to_numpy(dtype=object)[np.maximum(by_code, 0)] if len(other) else None,
                      index=own.index, dtype=object).where(matched)
    if "so_dinh_danh_chu_ho" in other.columns:
        # a code whose list row is another household's — the head's ID leads to another row of the list (codes
        # renumbered after a household left) — is no match: the household is matched by its head's ID instead
        contradicted = _code_contradicted(households, heads, other, own, theirs)
        matched &= ~contradicted
        found = found.where(~contradicted)
        # the list row a household's head leads to, unless a household of the same return matched that row by
        # code (per return: a return's result must not depend on which other returns it was classified with)
        row_of = _unique_lookup(_list_heads(other), pd.Series(np.arange(len(other)), index=other.index))
        own_id = column(households, "uid", "Int64").map(heads)
        at = own_id.map(row_of)
        candidate = (at.notna() & ~matched).to_numpy(dtype=bool)
        if candidate.any():
            files = column(households, "file", "str").fillna("") if "file" in households.columns else \
                pd.Series("", index=households.index, dtype="str")
            # (the row itself: of a key two rows share, the other row is no household's by code)
            taken = pd.MultiIndex.from_arrays([files[matched.to_numpy(dtype=bool)].to_numpy(dtype=object),
                                               by_code[matched.to_numpy(dtype=bool)]])
            rows = at[candidate].astype("int64").to_numpy()
            wanted = pd.MultiIndex.from_arrays([files[candidate].to_numpy(dtype=object), rows])
            free = ~np.asarray(wanted.isin(taken), dtype=bool)
            by_head[np.flatnonzero(candidate)[free]] = True
            start = pd.Series(status.to_numpy(dtype=object)[at.fillna(0).astype("int64").to_numpy()],
                              index=households.index)
            found = found.where(~by_head, start)
            matched = matched | pd.Series(by_head, index=households.index)
    return found.astype("str").where(found.notna()), matched, by_head


def _code_contradicted(households: pd.DataFrame, heads: pd.Series, other: pd.DataFrame, own: pd.Series,
                       theirs: pd.Series) -> pd.Series:
    """Per household: its commune + code names one row of the list, but its head's ID is the head of another row
    of the list — the code now belongs to another household (codes renumbered), so it is not that row's."""
    positions = pd.Series(np.arange(len(other)), index=other.index)
    by_code = own.map(_unique_lookup(theirs, positions))
    # an ID heading two households of one commune (one pasted by mistake) proves nothing; heading households of two
    # communes (one that left, one where it came) it does — counted per commune, so that a return's result does not
    # depend on which other returns it was classified with
    uid = column(households, "uid", "Int64")
    head = uid.map(heads)
    commune = _commune(column(households, "ma_xa", "str")).fillna("")
    twice = pd.DataFrame({"c": commune.to_numpy(), "h": head.to_numpy()}).duplicated(keep=False).to_numpy() \
        & head.notna().to_numpy(dtype=bool)
    by_head = head.where(~twice).map(_unique_lookup(_list_heads(other), positions))
    both = by_code.notna() & by_head.notna()
    elsewhere = (both & (by_code != by_head)).fillna(False).to_numpy(dtype=bool)
    # and, for a household recorded as moved in or split off (not in the commune at the start), the other way:
    # the row its code names is headed by someone who heads another household of the commune in this review (the
    # listed household renumbered, its code given to the newcomer) — that household is the row's, by its head's
    # ID. (A household living there whose head changed keeps its code's row.)
    row_head = _list_heads(other).to_numpy(dtype=object)
    named = by_code.notna().to_numpy(dtype=bool)
    listed_head = pd.Series(pd.NA, index=households.index, dtype="object")
    listed_head[named] = row_head[by_code[named].astype("int64").to_numpy()]
    key = commune + "\x1f" + head.astype("string").fillna("")
    heads_here = key[head.notna().to_numpy(dtype=bool) & ~twice]
    theirs_here = commune + "\x1f" + listed_head.astype("string").fillna("")
    arrived = Coded.of(column(households, "tinh_trang_ho", "str")).matches(STATUS_IN)
    taken = (arrived & listed_head.notna().to_numpy(dtype=bool)
             & (listed_head.astype("string") != head.astype("string")).fillna(True).to_numpy(dtype=bool)
             & _in(theirs_here, heads_here))
    return pd.Series(elsewhere | taken, index=households.index)


def arrived_unrecorded(households: pd.DataFrame, heads: pd.Series, other: pd.DataFrame, *,
                       home_present: bool = False, absent: bool = False) -> np.ndarray:
    """Households of the whole round that took the start of a list row by their head's ID in another commune whose
    own return recorded that row's household as moved away or dissolved (matched by its code): the row's start is
    that commune's, so here the household moved in, unrecorded. Classified one return at a time, each commune
    counted the row at its start; seen together (`hgn run` after the merge), the second count is an increase.

    ``home_present``: instead, the rows whose code a household of their own commune still holds, living there (the
    head changed: a household split, or its head moved away) — the row's start is that household's, so the
    household in another commune that the row's head now heads is an increase there, not a second start.

    ``absent``: instead, the rows of a commune this review covers whose code no household of the review holds — its
    return left the household out (previous-not-reviewed there, its start not counted until it is added): the
    household the row's head heads in another commune is an increase there, never that row's start."""
    return _arrived(households, heads, other, ("absent" if absent else "home" if home_present else "gone",))[0]


def arrived_all(households: pd.DataFrame, heads: pd.Series,
                other: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(:func:`arrived_unrecorded`, the same with ``home_present``, with ``absent``), the list's keys made once."""
    gone, home, absent = _arrived(households, heads, other, ("gone", "home", "absent"))
    return gone, home, absent


def _arrived(households: pd.DataFrame, heads: pd.Series, other: pd.DataFrame,
             modes: tuple[str, ...]) -> list[np.ndarray]:
    """:func:`arrived_unrecorded` for each mode of ``modes``: "gone", "home" (``home_present``), "absent"."""
    n = len(households)
    if other is None or other.empty or "so_dinh_danh_chu_ho" not in other.columns or not len(heads) or not n:
        return [np.zeros(n, dtype=bool) for _ in modes]
    sep = "\x1f"
    own_commune = _commune(column(households, "ma_xa", "str"))
    own = own_commune + sep + column(households, "ma_ho", "str").str.strip()
    theirs, commune, _written, _split = _list_keys(households, other, heads)
    status = Coded.of(column(households, "tinh_trang_ho", "str"))
    left = status.matches(STATUS_OUT)
    head = column(households, "uid", "Int64").map(heads)
    dated = column(households, "dau_ky", "str").notna().to_numpy(dtype=bool) if "dau_ky" in households.columns \
        else np.ones(n, dtype=bool)
    listed = _list_heads(other)
    placed = commune.notna().to_numpy(dtype=bool)
    made: list[np.ndarray] = []

    def contradicted() -> np.ndarray:
        """:func:`_code_contradicted` of the households, made once and only when asked (seconds for a province)."""
        if not made:
            made.append(_code_contradicted(households, heads, other, own, theirs).to_numpy(dtype=bool))
        return made[0]

    def heads_of(rows: np.ndarray) -> np.ndarray:
        """The households, living and not recorded as moved in, headed in another commune by the head of one of
        the list's ``rows`` — but not one the list has a row of its own for, in its own commune by its code (its
        start is that row's: the same head written on two households' rows proves no move)."""
        if not rows.any():
            return np.zeros(n, dtype=bool)
        row_commune = pd.Series(commune.to_numpy()[rows], index=listed.to_numpy()[rows])
        row_commune = row_commune[row_commune.index.notna() & ~row_commune.index.duplicated(keep=False)]
        came_from = head.map(row_commune)
        out = (came_from.notna() & (came_from != own_commune)).fillna(False).to_numpy(dtype=bool) & ~left \
            & ~status.matches(STATUS_IN) & dated
        if out.any():
            out &= ~(_in(own, theirs[placed]) & ~contradicted())
        return out

    def at_home() -> np.ndarray:
        # the rows whose code a household living in its commune holds — not another row's by its head's ID (that
        # test costs seconds for a province: made only when some household is found at all, which is seldom)
        # A key two rows of the list share (an old commune split among new ones, its row placed by code beside
        # another row of the same code) says of neither that it is at home
        living = ~left & ~status.matches(STATUS_IN)
        once = placed & ~theirs.duplicated(keep=False).to_numpy(dtype=bool)
        if not heads_of(_in(theirs, own[living]) & once).any():
            return np.zeros(n, dtype=bool)
        home = living & ~contradicted()
        return heads_of(_in(theirs, own[home]) & once)

    def absent() -> np.ndarray:
        # the rows of a commune this review covers whose commune + code no household of the review holds
        reviewed = commune.isin(set(own_commune.dropna().tolist())).fillna(False).to_numpy(dtype=bool)
        return heads_of(placed & reviewed & ~_in(theirs, own))

    # "gone": the rows whose household is recorded as gone in its own commune, by commune + code
    return [at_home() if mode == "home" else absent() if mode == "absent" else heads_of(_in(theirs, own[left]) & placed)
            for mode in modes]


def not_reviewed(households: pd.DataFrame, heads: pd.Series, other: pd.DataFrame) -> list[Finding]:
    """Poor and near-poor households of the start-of-period list, in a commune this review covers, that no
    household of the review matches (by commune + code, or by the head's ID): each reported on the return of
    its commune — a managed household must be reviewed, even to record that it left; it is never dropped
    from the start-of-period figures silently. A code the list gives to k households and the review to fewer is
    not enough to say which were reviewed: those rows count as seen only by their head's ID."""
    status = normalise_status(column(other, "phan_loai", "str"))
    sep = "\x1f"
    own_commune = _commune(column(households, "ma_xa", "str"))
    own = own_commune + sep + column(households, "ma_ho", "str").str.strip()
    theirs, commune, written, split = _list_keys(households, other, heads)
    code = column(other, "ma_ho", "str").str.strip()
    in_list = theirs.map(theirs.value_counts()).fillna(0).to_numpy()
    in_review = theirs.map(own.value_counts()).fillna(0).to_numpy()
    seen = (in_review > 0) & (in_list <= in_review)
    if "so_dinh_danh_chu_ho" in other.columns and len(heads):
        # a code now held by another household (its head is another row's head) does not see this row
        contradicted = _code_contradicted(households, heads, other, own, theirs).to_numpy(dtype=bool)
        taken = own[contradicted]
        seen &= ~(_in(theirs, taken) & (in_review == 1))
        # of a code two rows share, the row a household matches once the other is found by its head (match_status)
        by_code = _code_rows(households, heads, other, own, theirs)
        seen[by_code[(by_code >= 0) & ~contradicted]] = True
        # found by its head's ID — unless in another commune (recorded as moved in there or not): the commune it
        # left must still record it, as moved away (else its start figure is one short and the move a bare
        # increase)
        listed = _list_heads(other)
        there = _head_home(households, heads, other)
        # another commune of this review than the list row's; a row of a split old commune that no new commune's
        # code places (its commune unknown) is seen wherever among them its head is
        elsewhere = (there.notna() & commune.notna() & (there != commune)).fillna(False).to_numpy(dtype=bool)
        seen |= _in(listed, heads.dropna()) & ~elsewhere
    managed = status.isin([NGHEO, CAN_NGHEO]).fillna(False).to_numpy(dtype=bool)
    reviewed_units = set(own_commune.dropna())
    # an old commune split among new ones is reviewed when all of them are; a household of it that no new
    # commune's return has is reported on the return of the first (which it went to, only its head's ID could tell)
    whole_split = {old: new[0] for old, new in split.items() if set(new) <= reviewed_units}
    if whole_split:
        unplaced = commune.isna() & written.isin(list(whole_split)).fillna(False)
        commune = commune.where(~unplaced, written.map(whole_split))
    reviewed = commune.isin(reviewed_units).fillna(False).to_numpy(dtype=bool)
    at = np.flatnonzero(managed & reviewed & ~seen)
    if not len(at):
        return []
    # the return each commune came in (its first household's file and sheet)
    first = pd.DataFrame({"c": own_commune, "file": column(households, "file", "str").fillna(""),
                          "sheet": column(households, "sheet", "str").fillna("")}).dropna(subset=["c"])
    first = first.drop_duplicates("c")
    where = first.set_index("c")
    out = []
    for c, was, k, st in zip(commune.iloc[at], written.iloc[at], code.iloc[at], status.iloc[at], strict=True):
        named = str(c) if was == c else f"{was} → {c}"  # an old commune: as the list names it, and the new one
        # a list row without a household code (matched by nothing but its head's ID): said so, never "Hộ nan"
        coded = pd.notna(k) and bool(str(k).strip())
        english: dict[str, Any] = {} if coded else {"value_en": "(no household code)"}
        out.append(finding("previous-not-reviewed", file=str(where.at[c, "file"]), sheet=str(where.at[c, "sheet"]),
                           key="ma_ho", value=str(k) if coded else "(không ghi mã hộ)", detail=str(st),
                           detail_en=WORDS_EN.get(str(st), str(st)), other=named, **english))
    return out


def outside_review(households: pd.DataFrame, heads: pd.Series, other: pd.DataFrame) -> tuple[int, int, int]:
    """(rows, communes) of the start-of-period list in no commune this review covers (a province's list given to one
    district's round), and the rows without a commune code: not matched, never a finding on a return — counted,
    so that no row of it goes unsaid. A row whose head's ID is a head of this review is matched (by that ID), not
    counted; an old commune split among new ones counts as reviewed when every one of them is (as
    :func:`not_reviewed` places its households)."""
    _, commune, written, split = _list_keys(households, other, heads)
    reviewed_units = set(_commune(column(households, "ma_xa", "str")).dropna())
    whole_split = {old for old, new in split.items() if set(new) <= reviewed_units}
    inside = commune.isin(reviewed_units).fillna(False) | written.isin(list(whole_split)).fillna(False)
    if "so_dinh_danh_chu_ho" in other.columns and len(heads):
        inside |= _in(_list_heads(other), heads.dropna())
    outside = ~inside.to_numpy(dtype=bool)
    no_code = written.isna().to_numpy(dtype=bool)
    coded = outside & ~no_code
    return int(coded.sum()), int(written[coded].nunique()), int((outside & no_code).sum())


# where a household's start state was found (``dau_ky_theo``): last round's list by its code, by its head's ID, or
# the start class its own return records (no list given, or the list left it undecided)
BY_CODE, BY_HEAD, BY_RETURN = "mã hộ", "số định danh chủ hộ", "biểu rà soát"


@dataclass(frozen=True)
class Movements:
    dau_ky: pd.Series  # start state used: Nghèo / Cận nghèo / Không / NA
    dien_bien: pd.Series  # category or NA
    findings: list[Finding]
    dau_ky_theo: pd.Series | None = None  # where the start was found (BY_CODE, BY_HEAD, BY_RETURN) or NA


def _states(households: pd.DataFrame, start: np.ndarray, status: Coded | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(start, end) state codes of each household. Start: the start class codes given (``?`` when unknown),
    ``Mới`` for households that moved in; end: this review's class (``?`` when undecided), ``Rời`` for households that
    left. ``status``: ``tinh_trang_ho`` coded, when already done."""
    if status is None:
        status = Coded.of(column(households, "tinh_trang_ho", "str"))
    s = np.where(start < 0, _STATES.index(CHUA_RO), start)
    s[status.matches(STATUS_IN)] = _STATES.index(MOI)
    cls = Coded.of(column(households, "phan_loai", "str"))
    states = {NGHEO: NGHEO, CAN_NGHEO: CAN_NGHEO, MSTB: KHONG, KHONG_NGHEO: KHONG}
    e = cls.lookup({label: _STATES.index(state) for label, state in states.items()}, _STATES.index(CHUA_RO), np.int64)
    e[status.matches(STATUS_OUT)] = _STATES.index(ROI)
    return s, e


def assign_movements(households: pd.DataFrame, members: pd.DataFrame | None = None, *,
                     previous: pd.DataFrame | None = None, history: Sequence[pd.DataFrame] | None = None,
                     whole: bool = True) -> Movements:
    """Each household's start state and movement category; ``households`` must carry ``phan_loai``.
    ``whole``: these are all the households reviewed (then the start list's households none of them matches are
    reported, see ``not_reviewed``); False for a part of a round, checked as a whole later (`hgn run`)."""
    recorded = column(households, "phan_loai_dau_ky", "str")
    start = _status_codes(recorded)
    status = Coded.of(column(households, "tinh_trang_ho", "str"))
    found: list[Finding] = []
    heads = head_ids(members) if previous is not None or history else pd.Series(dtype="str")
    basis = np.full(len(households), None, dtype=object)
    basis[start >= 0] = BY_RETURN
    if previous is not None:
        prev, matched, by_head = _match(households, heads, previous)
        matched_np = matched.to_numpy(dtype=bool)
        listed = _status_codes(prev)
        # the list's start, where it has one: a household last round left undecided keeps the start its return
        # records (said), never "not known" while the return knows it
        # (one recorded as moved in or split off takes no start: it is an increase, said below)
        own = matched_np & (listed < 0) & (start >= 0) & ~status.matches(STATUS_IN)
        start = np.where(matched_np & ~own, listed, start)
        from_list = matched_np & ~own & (start >= 0)
        basis[from_list] = np.where(by_head, BY_HEAD, BY_CODE)[from_list]
        unmatched = ~matched_np & ~status.matches(STATUS_IN)
        where = Locator(households, pd.RangeIndex(len(households)))
        codes = column(households, "ma_ho", "str").to_numpy()
        at = np.flatnonzero(own)
        if len(at):
            found += where.findings("previous-start-unknown", at, column_key="phan_loai_dau_ky",
                                    key="phan_loai_dau_ky", value=list(codes[at]),
                                    detail=list(recorded.to_numpy(dtype=object)[at]))
        at = np.flatnonzero(unmatched)
        found += where.findings("previous-unmatched", at, key="ma_ho", value=list(codes[at]))
        # recorded as moved in or split off, yet the list's household (its code and head): counted as new — said,
        # since the list's start figure then loses it
        # (a household recorded as moved in that took, by its head's ID, a row of another commune's list is the move
        # recorded: no warning — only one matched to a row of its own commune is the list's household)
        arrived_mask = matched_np & status.matches(STATUS_IN)
        if arrived_mask.any():  # (the list's keys made again only then: a province's list, once per return)
            arrived_mask &= _own_commune_row(households, heads, previous)
        arrived = np.flatnonzero(arrived_mask)
        found += where.findings("previous-listed-as-new", arrived, column_key="tinh_trang_ho", key="tinh_trang_ho",
                                value=list(codes[arrived]), detail=[str(status.values[c]) for c in status.codes[arrived]],
                                other=[_listed_text(p, "vi") for p in prev.to_numpy(dtype=object)[arrived]],
                                other_en=[_listed_text(p, "en") for p in prev.to_numpy(dtype=object)[arrived]])
        if whole:
            found += not_reviewed(households, heads, previous)
    found += _moved_within(households, members, status)
    category = _TRANSITION_CODES[_states(households, start, status)]
    earlier = list(history or [])
    if previous is not None and "dau_ky" in previous.columns:
        # last round's results as the start list carry that period's start class too: a household poor then, not
        # at this start and poor again now relapsed — `hgn run --previous` has no other history to give
        earlier.append(previous)
    for frame in earlier:
        # poor (near-poor) in an earlier period: at its end, or at its start (last round's results carry both —
        # a household that escaped during that period was poor in it)
        views = [frame] + ([frame.assign(phan_loai=frame["dau_ky"])] if "dau_ky" in frame.columns else [])
        for view in views:
            was, matched = match_status(households, heads, view)
            was_code, matched_np = _status_codes(was), matched.to_numpy(dtype=bool)
            for new, (relapse, cls) in RELAPSE.items():
                again = (category == _CATEGORIES.index(new)) & matched_np & (was_code == _STATES.index(cls))
                category[again] = _CATEGORIES.index(relapse)
    start_labels = labels(start, _STATES, households.index)
    if previous is not None and whole:
        # seen together (all the round's households, `hgn classify` of several returns): a household that took the
        # start of a list row by its head's ID in another commune whose return recorded that household as gone
        # moved in, unrecorded — the row's start is counted once, where it left (as `hgn run` counts it)
        for code, mode in (("previous-moved-in-unrecorded", "gone"), ("previous-head-elsewhere", "home"),
                           ("previous-head-elsewhere-absent", "absent")):
            came = arrived_unrecorded(households.assign(dau_ky=start_labels), heads, previous,
                                      home_present=mode == "home", absent=mode == "absent")
            if came.any():
                category[came] = _CATEGORIES.index(TANG_KHAC)
                start_labels = start_labels.mask(pd.Series(came, index=households.index))
                at = np.flatnonzero(came)
                found += where.findings(code, at, column_key="tinh_trang_ho", key="tinh_trang_ho",
                                        value=list(codes[at]))
    # (no start, no basis: a household the list left undecided, one that moved in or split off — wherever the list
    # found its row —, one counted as moved in unrecorded above)
    basis[~start_labels.notna().to_numpy(dtype=bool)] = None
    return Movements(start_labels, labels(category, _CATEGORIES, households.index), found,
                     pd.Series(pd.array(basis, dtype="string"), index=households.index))


def as_moved_in(hh: pd.DataFrame, rows: pd.Index) -> None:
    """These households counted as moved in: no start, "Tăng khác" (the round's results, a commune's own, a merge's);
    changes ``hh`` in place."""
    for c in ("dau_ky", "dien_bien", "dau_ky_theo"):
        if c in hh.columns:
            hh[c] = hh[c].astype("object")
    hh.loc[rows, "dau_ky"] = None
    if "dien_bien" in hh.columns:
        hh.loc[rows, "dien_bien"] = TANG_KHAC
    if "dau_ky_theo" in hh.columns:
        hh.loc[rows, "dau_ky_theo"] = None


def movement_tables(households: pd.DataFrame, by: str | Sequence[str] | None = "ma_xa") -> pd.DataFrame:
    """Poor and near-poor movement tables per unit (one row per unit and ``bang``).

    Needs ``phan_loai``, ``dien_bien``, ``tinh_trang_ho`` and the start state ``dau_ky`` (else
    ``phan_loai_dau_ky``). Columns: the ``by`` keys, ``bang`` (Nghèo / Cận nghèo), ``dau_ky``, the decrease columns,
    ``giam``, the increase columns, ``tang``, ``cuoi_ky`` and ``can_doi`` (end = start − decreases + increases).
    ``by=None`` gives one overall row per table.
    """
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    start_col = "dau_ky" if "dau_ky" in households.columns else "phan_loai_dau_ky"
    s, e = _states(households, _status_codes(column(households, start_col, "str")))
    category = Coded.of(column(households, "dien_bien", "str"))  # each distinct category tested once
    group = pd.DataFrame({k: column(households, k, "str") for k in keys}, index=households.index)
    if not keys:
        group["_all"] = ""
    # the counts of both tables grouped at once: table i's columns are "i:<name>"
    data: dict[str, np.ndarray] = {}
    for i, table in enumerate(TABLES):
        starts, ends = s == _STATES.index(table), e == _STATES.index(table)
        data[f"{i}:dau_ky"], data[f"{i}:cuoi_ky"] = starts, ends
        for name, per_table in TABLE_COLUMNS.items():
            counted, condition = per_table[table]
            hit = category.matches(counted)
            if condition == "start":
                hit &= starts
            elif condition == "end":
                hit &= ends
            data[f"{i}:{name}"] = hit
    grouped = group_sums([group[c] for c in group.columns], data.items())
    frames = []
    for i, table in enumerate(TABLES):
        agg = grouped[[c for c in grouped.columns if c.startswith(f"{i}:")]]
        agg = agg.set_axis([c.split(":", 1)[1] for c in agg.columns], axis=1)
        agg["giam"] = agg[list(DECREASES)].sum(axis=1)
        agg["tang"] = agg[list(INCREASES)].sum(axis=1)
        agg["can_doi"] = agg["cuoi_ky"] == agg["dau_ky"] - agg["giam"] + agg["tang"]
        agg.insert(0, "bang", table)
        frames.append(agg.reset_index())
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    if not keys:
        out = out.drop(columns="_all")
    order = [*keys, "bang", "dau_ky", *DECREASES, "giam", *INCREASES, "tang", "cuoi_ky", "can_doi"]
    out = out[order]
    if keys:  # stable: within a unit the poor table stays before the near-poor one
        out = out.sort_values(keys, kind="stable", ignore_index=True)
    return out


_UNIT_WORDS = {"ma_xa": ("xã", "commune"), "unit": ("đơn vị", "unit"), "ma_huyen": ("huyện", "district"),
               "ma_tinh": ("tỉnh", "province"), "thon": ("thôn", "village")}


def unbalanced_findings(tables: pd.DataFrame, by: str | Sequence[str] | None = "ma_xa",
                        files: Mapping[str, str] | None = None) -> list[Finding]:
    """A ``movement-unbalanced`` error naming the unit for every table row that does not balance; ``files``: the
    file each unit came in (one key), for the finding to name it."""
    keys = [] if by is None else [by] if isinstance(by, str) else list(by)
    bad = tables[~tables["can_doi"].astype(bool)]
    out = []
    for _, r in bad.iterrows():  # the rows that do not balance (usually none)
        unit = ", ".join(f"{_UNIT_WORDS.get(k, (k, k))[0]} {'(trống)' if pd.isna(r[k]) else r[k]}"
                         for k in keys) or "toàn bộ"
        unit_en = ", ".join(f"{_UNIT_WORDS.get(k, (k, k))[1]} {'(blank)' if pd.isna(r[k]) else r[k]}"
                            for k in keys) or "all"
        file = (files or {}).get(str(r[keys[0]]), "") if len(keys) == 1 and not pd.isna(r[keys[0]]) else ""
        start, down, up, end = int(r["dau_ky"]), int(r["giam"]), int(r["tang"]), int(r["cuoi_ky"])
        expected = start - down + up
        out.append(finding(
            "movement-unbalanced", file=file, key=",".join(keys) or None, value=unit,
            detail=(f"{unit}, bảng hộ {str(r['bang']).lower()}: đầu kỳ {start} − giảm {down} + tăng {up} = {expected} "
                    f"nhưng cuối kỳ {end}"),
            detail_en=(f"{unit_en}, {WORDS_EN.get(str(r['bang']), r['bang'])} households' table: start {start} − "
                       f"decreases {down} + increases {up} = {expected} but end {end}")))
    return out

