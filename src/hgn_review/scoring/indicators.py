"""The twelve deprivation flags, derived from the members' and the household's answers.

Three-valued throughout: a member's contribution to an indicator is True (known deprived), False (known not) or NA
(an answer or the age is unknown). An indicator is 1 when any member is known deprived, 0 when every member is known
not deprived, NA otherwise; a household without member rows gets NA for the member-based indicators.

Ages are completed years on the household's ``ngay_ra_soat``. When only the birth year is known the age is one of
two values (y−b−1 or y−b): every member rule is evaluated at both, and a contribution is known only when both
agree — so a boundary that falls inside the interval leaves the contribution NA, while an answer that decides the
rule at any age (a member who has a health-insurance card) still counts. Nothing is imputed.

All work is vectorised: boolean masks per rule, groupby per household; loops run over the 12 indicators only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from hgn_review.schemas.layout import INDICATORS
from hgn_review.scoring._frames import column, household_values, map_values
from hgn_review.scoring._text import fmt_number, fmt_scalar, join_by, join_parts, lower_first
from hgn_review.scoring.standard import Indicator, Standard

# ------------------------------------------------------------------ three-valued helpers


def isin(values: pd.Series, allowed: tuple[str, ...]) -> pd.Series:
    """Kleene ``isin``: NA where the value is NA (pandas' own isin says False)."""
    return values.isin(allowed).astype("boolean").mask(values.isna())


def _agree(a: pd.Series, b: pd.Series) -> pd.Series:
    """a where a and b are the same known value, else NA."""
    same = (a == b).fillna(False).astype(bool)
    return a.astype("boolean").where(same)


class _Groups:
    """Members grouped by household (``uid``) once, for per-household reductions with ``ufunc.reduceat``."""

    def __init__(self, uid: pd.Series, index: pd.Index) -> None:
        u = uid.to_numpy(dtype="int64")
        self.order = None if (u[1:] >= u[:-1]).all() else np.argsort(u, kind="stable")
        if self.order is not None:
            u = u[self.order]
        self.starts = np.flatnonzero(np.r_[True, u[1:] != u[:-1]]) if len(u) else np.array([], dtype=np.intp)
        where = index.get_indexer(u[self.starts]) if len(u) else np.array([], dtype=np.intp)
        self.found = where >= 0
        self.where = where[self.found]
        self.size = len(index)

    def reduce(self, ufunc: np.ufunc, values: np.ndarray, fill: int) -> np.ndarray:
        """``ufunc`` over each household's members; ``fill`` for households without members."""
        out = np.full(self.size, fill, dtype=np.int64)
        if len(self.starts):
            v = values if self.order is None else values[self.order]
            out[self.where] = ufunc.reduceat(np.asarray(v, dtype=np.int64), self.starts)[self.found]
        return out


def _kleene_any(contrib: pd.Series, uid: pd.Series, index: pd.Index, groups: _Groups | None = None) -> pd.Series:
    """Per household: 1 if any True, 0 if all False, NA otherwise or without members."""
    known = contrib.to_numpy(dtype="int8", na_value=-1)
    code = np.where(known < 0, 1, np.where(known == 1, 2, 0))
    best = (groups or _Groups(uid, index)).reduce(np.maximum, code, -1)
    flag = np.where(best == 2, 1, 0).astype(np.int8)
    return pd.Series(pd.arrays.IntegerArray(flag, (best != 2) & (best != 0)), index=index)


# ------------------------------------------------------------------ ages


def member_ages(households: pd.DataFrame, members: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(youngest, oldest) possible completed age of each member at the household's review date (Int64).

    Equal when ``ngay_sinh`` is known; one year apart when only ``nam_sinh`` is (except on 31/12); NA when the
    review date or the birth is unknown, or the birth is after the review.
    """
    review = household_values(households, column(households, "ngay_ra_soat", "datetime"), members)
    born = column(members, "ngay_sinh", "datetime")
    ry = review.dt.year.astype("Int64")
    rmd = (review.dt.month * 100 + review.dt.day).astype("Int64")
    bmd = (born.dt.month * 100 + born.dt.day).astype("Int64")
    exact = ry - born.dt.year.astype("Int64") - (rmd < bmd).astype("Int64")
    year_hi = ry - column(members, "nam_sinh", "Int64")
    year_lo = year_hi.where(rmd == 1231, year_hi - 1)
    hi = exact.where(born.notna(), year_hi)
    lo = exact.where(born.notna(), year_lo)
    valid = (hi >= 0).fillna(False)
    lo = lo.clip(lower=0).where(valid).astype("Int64")
    hi = hi.where(valid).astype("Int64")
    return lo, hi


def exact_age(lo: pd.Series, hi: pd.Series) -> pd.Series:
    """The completed age where it is certain, else NA."""
    return lo.where((lo == hi).fillna(False)).astype("Int64")


# ------------------------------------------------------------------ member rules: (members, age, indicator) -> mask


def _employment(m: pd.DataFrame, age: pd.Series, ind: Indicator) -> pd.Series:
    return ind["working_age"].contains(age) & isin(m["viec_lam"], ind["deprived_status"])


def _nutrition(m: pd.DataFrame, age: pd.Series, ind: Indicator) -> pd.Series:
    return (age < ind["child_age_below"]).astype("boolean") & m["suy_dinh_duong"]


def _health_insurance(m: pd.DataFrame, age: pd.Series, ind: Indicator) -> pd.Series:
    return (age >= ind["min_age"]).astype("boolean") & ~m["the_bhyt"]


def _required_level(m: pd.DataFrame, age: pd.Series, ind: Indicator) -> pd.Series:
    """Position (in level_order) of the level required at ``age``; NA outside the bands."""
    order = {level: i for i, level in enumerate(ind["level_order"])}
    need = pd.Series(pd.NA, index=m.index, dtype="Int64")
    for band in ind["required_level"]:
        need = need.mask(band.ages.contains(age).fillna(False), order[band.min_level])
    return need


def _adult_education(m: pd.DataFrame, age: pd.Series, ind: Indicator) -> pd.Series:
    order = {level: i for i, level in enumerate(ind["level_order"])}
    have = map_values(m["trinh_do"], order, "Int64")
    below = (have < _required_level(m, age, ind)).astype("boolean")
    return ind["ages"].contains(age) & ~m["dang_di_hoc"] & below


def _school_attendance(m: pd.DataFrame, age: pd.Series, ind: Indicator) -> pd.Series:
    fits = pd.Series(False, index=m.index, dtype="boolean")
    for band in ind["levels_by_age"]:
        fits = fits | (band.ages.contains(age) & isin(m["cap_hoc"], band.levels))
    attending = m["dang_di_hoc"]
    return ind["ages"].contains(age) & (~attending | (attending & ~fits))


def _dependent(m: pd.DataFrame, age: pd.Series, ind: Indicator) -> pd.Series:
    young = (age < ind["child_age_below"]).astype("boolean")
    old = (age >= ind["elderly_age_from"]).astype("boolean")
    return young | old | isin(m["khuyet_tat"], ind["disability_levels"])


_MEMBER_MASKS: dict[str, Callable[[pd.DataFrame, pd.Series, Indicator], pd.Series]] = {
    "employment": _employment, "nutrition": _nutrition, "health_insurance": _health_insurance,
    "adult_education": _adult_education, "school_attendance": _school_attendance,
}


# what a deprived member's entry says after "<name> (<age>)": (members subset, youngest age, indicator) -> text
def _say_employment(m: pd.DataFrame, lo: pd.Series, ind: Indicator) -> pd.Series:
    return lower_first(m["viec_lam"])


def _say_adult_education(m: pd.DataFrame, lo: pd.Series, ind: Indicator) -> pd.Series:
    names = pd.Series(ind["level_order"])
    need = _required_level(m, lo, ind)
    return "chưa tốt nghiệp " + need.map(names).astype("str") + ", không đi học"


def _say_school(m: pd.DataFrame, lo: pd.Series, ind: Indicator) -> pd.Series:
    wrong = "đang học " + m["cap_hoc"].fillna("") + ", không đúng cấp học theo tuổi"
    return wrong.mask(~m["dang_di_hoc"].fillna(True).astype(bool), "không đi học")


def _constant(text: str) -> Callable[[pd.DataFrame, pd.Series, Indicator], pd.Series]:
    return lambda m, lo, ind: pd.Series(text, index=m.index, dtype="str")


_MEMBER_SAY: dict[str, Callable[[pd.DataFrame, pd.Series, Indicator], pd.Series]] = {
    "employment": _say_employment, "nutrition": _constant("suy dinh dưỡng"),
    "health_insurance": _constant("không có thẻ BHYT"), "adult_education": _say_adult_education,
    "school_attendance": _say_school,
}


# ------------------------------------------------------------------ derivation


@dataclass(frozen=True)
class Derivation:
    flags: pd.DataFrame  # index uid, 12 Int8 columns
    reasons: pd.DataFrame  # index uid, 12 str columns (NA where not deprived)
    age_lo: pd.Series  # one per member row, in input order (RangeIndex)
    age_hi: pd.Series


def _members_frame(households: pd.DataFrame, members: pd.DataFrame) -> pd.DataFrame:
    """Members of the given households, typed, with an int64 ``uid``."""
    uid = column(members, "uid", "Int64")
    keep = uid.notna() & uid.isin(households["uid"])
    m = pd.DataFrame({"uid": uid[keep].astype("int64")}, index=members.index[keep])
    for key in ("ho_ten", "viec_lam", "trinh_do", "cap_hoc", "khuyet_tat"):
        m[key] = column(members, key, "str")[keep]
    for key in ("the_bhyt", "suy_dinh_duong", "dang_di_hoc"):
        m[key] = column(members, key, "boolean")[keep]
    m["stt"] = column(members, "stt", "Int64")[keep]
    m["nam_sinh"] = column(members, "nam_sinh", "Int64")[keep]
    m["row"] = column(members, "row", "Int64")[keep]
    # reasons list members in household order, whatever the order of the input rows
    return m.sort_values(["uid", "stt", "row"], kind="stable")


def _who(m: pd.DataFrame, lo: pd.Series, hi: pd.Series) -> pd.Series:
    """``Nguyễn Văn B (17 tuổi)``, or ``(sinh năm 2007)`` when only the year is known."""
    name = m["ho_ten"].fillna("thành viên số " + m["stt"].astype("str").fillna("?"))
    exact = exact_age(lo, hi)
    age = (exact.astype("str") + " tuổi").where(exact.notna(), "sinh năm " + m["nam_sinh"].astype("str"))
    return name + " (" + age.fillna("không rõ tuổi") + ")"


def derive(households: pd.DataFrame, members: pd.DataFrame, std: Standard) -> Derivation:
    """Flags, per-indicator reasons and member age bounds (see :func:`derive_indicators`)."""
    index = pd.Index(households["uid"].astype("int64"), name="uid")
    members = members.reset_index(drop=True)  # positions: the input index need not be unique
    m = _members_frame(households, members)
    lo_all, hi_all = member_ages(households, members)
    lo, hi = lo_all.loc[m.index], hi_all.loc[m.index]
    groups = _Groups(m["uid"], index)
    counted = groups.reduce(np.add, np.ones(len(m), dtype=np.int64), 0)
    size = pd.Series(pd.arrays.IntegerArray(counted, counted <= 0), index=index)
    hh = households.set_index(index)

    # every member rule is evaluated once on the members stacked twice: at the youngest, then the oldest age
    # the text answers the rules test are coded once (category) so that each test runs per distinct answer
    coded = m.astype({key: "category" for key in ("viec_lam", "trinh_do", "cap_hoc", "khuyet_tat")})
    stacked = pd.concat([coded, coded], ignore_index=True)
    stacked_age = pd.concat([lo, hi], ignore_index=True)
    n = len(m)

    def at_both_ages(rule: Callable[[pd.DataFrame, pd.Series, Indicator], pd.Series], ind: Indicator) -> pd.Series:
        result = rule(stacked, stacked_age, ind).astype("boolean").array
        return _agree(pd.Series(result[:n], index=m.index), pd.Series(result[n:], index=m.index))

    said = m[["uid", "ho_ten", "stt", "nam_sinh", "viec_lam", "trinh_do", "cap_hoc", "dang_di_hoc"]]
    flags: dict[str, pd.Series] = {}
    reasons: dict[str, pd.Series] = {}
    for key in INDICATORS:
        ind = std.indicators[key]
        label = ind.short_name + ": "
        if ind.rule in _MEMBER_MASKS:
            contrib = at_both_ages(_MEMBER_MASKS[ind.rule], ind)
            flags[key] = _kleene_any(contrib, m["uid"], index, groups)
            hit = contrib.fillna(False).astype(bool)
            sub = said[hit]  # the deprived members only, with the columns the texts use
            text = _who(sub, lo[hit], hi[hit]) + " " + _MEMBER_SAY[ind.rule](sub, lo[hit], ind)
            reasons[key] = label + join_by(text, sub["uid"])
        elif ind.rule == "dependents":
            flags[key], reasons[key] = _dependents(m, at_both_ages(_dependent, ind), ind, index, size, groups)
            reasons[key] = label + reasons[key]
        else:
            flag, say = _household_rule(hh, ind, size)
            flags[key] = flag
            reasons[key] = (label + say).reindex(index).where(flag == 1)
    flag_frame = pd.DataFrame(flags, index=index).astype("Int8")
    reason_frame = pd.DataFrame({k: v if v.index.equals(index) else v.reindex(index) for k, v in reasons.items()},
                                index=index)
    return Derivation(flag_frame, reason_frame, lo_all, hi_all)


def _dependents(m: pd.DataFrame, dep: pd.Series, ind: Indicator, index: pd.Index,
                size: pd.Series, groups: _Groups | None = None) -> tuple[pd.Series, pd.Series]:
    """Deprived when dependents (``dep``: per member, Kleene) are more than ``max_share`` of the members; NA
    when the unknowns could tip it."""
    groups = groups or _Groups(m["uid"], index)
    code = dep.to_numpy(dtype="int8", na_value=-1)
    none = groups.reduce(np.add, np.ones(len(code), dtype=np.int64), 0) == 0  # households without members
    known = pd.Series(pd.arrays.IntegerArray(groups.reduce(np.add, code == 1, 0), none), index=index)
    unknown = pd.Series(pd.arrays.IntegerArray(groups.reduce(np.add, code < 0, 0), none), index=index)
    limit = ind["max_share"] * size.astype("Float64")
    eps = 1e-9
    flag = pd.Series(pd.NA, index=index, dtype="Int8")
    flag = flag.mask((known > limit + eps).fillna(False), 1)
    flag = flag.mask(((known + unknown) <= limit + eps).fillna(False), 0).astype("Int8")
    hit = (flag == 1).fillna(False).to_numpy()
    n, d = size[hit], known[hit]
    pct = fmt_number(d.astype("Float64") / n.astype("Float64") * 100, 1)
    say = (d.astype("str") + "/" + n.astype("str") + " người phụ thuộc (" + pct + " % > "
           + fmt_scalar(ind["max_share"] * 100) + " %)")
    return flag, say


def _household_rule(hh: pd.DataFrame, ind: Indicator, size: pd.Series) -> tuple[pd.Series, pd.Series]:
    """(flag, reason text after the indicator's label) for the rules answered once per household."""
    rule = ind.rule
    if rule == "housing_quality":
        value = column(hh, "loai_nha", "str")
        mask, say = isin(value, ind["deprived_types"]), value
    elif rule == "housing_area":
        area = column(hh, "dien_tich_nha", "Float64")
        minimum = ind["min_area_per_person"]
        mask = (area < minimum * size.astype("Float64")).astype("boolean")
        hit = mask.fillna(False).to_numpy()
        a, n = area[hit], size[hit].astype("Float64")
        per = fmt_number(a / n, min_decimals=1, floor=True)
        say = (fmt_number(a) + " m² cho " + size[hit].astype("str") + " người (" + per + " m²/người < "
               + fmt_scalar(minimum) + ")")
    elif rule == "water":
        value = column(hh, "nguon_nuoc", "str")
        mask, say = ~isin(value, ind["safe_sources"]), value
    elif rule == "latrine":
        value = column(hh, "nha_tieu", "str")
        mask, say = ~isin(value, ind["hygienic_types"]), value
    elif rule == "telecom":
        mask = ~column(hh, "su_dung_internet", "boolean")
        say = pd.Series("không thành viên nào sử dụng Internet", index=hh.index, dtype="str")
    elif rule == "information_assets":
        mask = ~column(hh, "phuong_tien_thong_tin", "boolean")
        say = pd.Series("không có ti vi, radio, máy tính hoặc điện thoại thông minh", index=hh.index, dtype="str")
    else:  # the loader accepts only known rules
        raise AssertionError(f"rule {rule!r} has no household evaluation")
    return mask.astype("Int8"), say


def derive_indicators(households: pd.DataFrame, members: pd.DataFrame, std: Standard) -> tuple[pd.DataFrame, pd.Series]:
    """The 12 flags (index ``uid``, Int8 1/0/NA, columns in ``INDICATORS`` order) and the reasons.

    ``reasons`` maps each uid to short Vietnamese text for every deprived indicator, ``"; "``-joined, e.g.
    ``Diện tích nhà: 14 m² cho 2 người (7,0 m²/người < 8)``; ``""`` when nothing is deprived.
    """
    d = derive(households, members, std)
    return d.flags, join_parts((d.reasons[k] for k in INDICATORS), d.flags.index)
