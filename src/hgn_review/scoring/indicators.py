"""The twelve deprivation flags, derived from the members' and the household's answers.

Three-valued throughout: a member's contribution to an indicator is True (known deprived), False (known not) or NA
(an answer or the age is unknown). An indicator is 1 when any member is known deprived, 0 when every member is known
not deprived, NA otherwise; a household without member rows gets NA for the member-based indicators.

Ages are completed years on the household's ``ngay_ra_soat``. When only the birth year is known the age is one of
two values (y−b−1 or y−b): every member rule is evaluated at both, and a contribution is known only when both
agree — so a boundary that falls inside the interval leaves the contribution NA, while an answer that decides the
rule at any age (a member who has a health-insurance card) still counts. Nothing is imputed.

All work is vectorised on numpy arrays: a three-valued mask is a pair of boolean arrays (:class:`Tri`), a text
answer is coded once (each test runs per distinct answer), per-household reductions are ``np.bincount`` over each
member's household position, and reason texts are built in Arrow kernels for the deprived rows only. Loops run over
the 12 indicators and the bands of the standard only.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from hgn_review.scoring._frames import Coded, Tri, column, household_positions
from hgn_review.scoring._text import (
    Rows,
    cat,
    fmt_number,
    fmt_scalar,
    join_groups,
    join_parts,
    lookup_text,
    lower_first,
    repeat,
    scatter,
    to_arrow,
    to_series,
)
from hgn_review.scoring.standard import AgeRange, Indicator, Standard

# ------------------------------------------------------------------ three-valued helpers


@dataclass(frozen=True)
class Age:
    """Completed ages: ``value`` where ``known``."""

    value: np.ndarray
    known: np.ndarray

    def within(self, ages: AgeRange) -> Tri:
        """Kleene :meth:`AgeRange.contains`."""
        inside = self.value >= ages.start
        if ages.end is not None:
            inside &= self.value <= ages.end
        return Tri.test(self.known, inside)

    def below(self, limit: int) -> Tri:
        return Tri.test(self.known, self.value < limit)

    def at_least(self, limit: int) -> Tri:
        return Tri.test(self.known, self.value >= limit)

    def take(self, rows: np.ndarray | slice) -> Age:
        return Age(self.value[rows], self.known[rows])

    def series(self) -> pd.Series:
        return pd.Series(pd.arrays.IntegerArray(np.where(self.known, self.value, 0), ~self.known))


class _Groups:
    """Members grouped by household (``uid``) once, for per-household reductions with ``ufunc.reduceat``.

    (:func:`derive` reduces with ``np.bincount`` over household positions; this and :func:`_kleene_any` serve
    callers that have only ``uid``.)"""

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


def _dates(values: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(year, month × 100 + day, known) of datetimes (wall-clock date for time-zone aware ones); the calendar is
    worked out once per day of the span of the dates (or per distinct day when the span is very long)."""
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    days = values.to_numpy().astype("datetime64[D]").view(np.int64)
    known = days != np.datetime64("NaT").view(np.int64)
    first, last = 0, 0
    if known.any():
        first = int(days.min(initial=np.iinfo(np.int64).max, where=known))
        last = int(days.max(initial=np.iinfo(np.int64).min, where=known))
    span = last - first + 1
    if span <= _DENSE_DAYS:
        days -= first
        days[~known] = 0
        which, calendar = days, np.arange(first, first + span)
    else:
        which, calendar = pd.factorize(days)
    day = np.asarray(calendar, dtype=np.int64).view("datetime64[D]")
    years, months = day.astype("datetime64[Y]"), day.astype("datetime64[M]")
    month_day = (months.astype(np.int64) % 12 + 1) * 100 + (day - months.astype("datetime64[D]")).astype(np.int64) + 1
    return (years.astype(np.int64) + 1970)[which], month_day.astype(np.int16)[which], known


_DENSE_DAYS = 400 * 366  # a calendar table of up to four centuries of days


def _ages(households: pd.DataFrame, members: pd.DataFrame, positions: np.ndarray) -> tuple[Age, Age, np.ndarray]:
    """(youngest, oldest) possible completed age of each member row (see :func:`member_ages`), and which
    households have a review date."""
    found = positions >= 0
    at = positions if found.all() else np.where(found, positions, 0)
    ry, rmd, review_known = _dates(column(households, "ngay_ra_soat", "datetime"))
    dated = review_known.copy()
    if len(ry):
        ry, rmd, review_known = ry[at], rmd[at], review_known[at] & found
    else:
        ry, rmd = np.zeros(len(positions), dtype=np.int64), np.zeros(len(positions), dtype=np.int16)
        review_known = np.zeros(len(positions), dtype=bool)
    by, bmd, born_known = _dates(column(members, "ngay_sinh", "datetime"))
    year = column(members, "nam_sinh", "Int64")
    year_known = year.notna().to_numpy()
    only_year = np.flatnonzero(~born_known)
    review_year, review_day = ry[only_year], rmd[only_year]
    hi = ry  # (a fresh array) the exact age where the birth date is known
    hi -= by
    hi -= rmd < bmd
    lo = hi
    if len(only_year):  # one of two ages where only the birth year is known (the older one on 31/12)
        year_hi = review_year - year.to_numpy(dtype="int64", na_value=0)[only_year]
        lo = hi.copy()
        hi[only_year] = year_hi
        lo[only_year] = year_hi - (review_day != 1231)
    known = review_known & (born_known | year_known)
    valid = known & (hi >= 0)
    return Age(np.maximum(lo, 0), valid), Age(hi, valid), dated


def member_ages(households: pd.DataFrame, members: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(youngest, oldest) possible completed age of each member at the household's review date (Int64).

    Equal when ``ngay_sinh`` is known; one year apart when only ``nam_sinh`` is (except on 31/12); NA when the
    review date or the birth is unknown, or the birth is after the review.
    """
    lo, hi, _dated = _ages(households, members, household_positions(households, members))
    return lo.series().set_axis(members.index), hi.series().set_axis(members.index)


def exact_age(lo: pd.Series, hi: pd.Series) -> pd.Series:
    """The completed age where it is certain, else NA."""
    return lo.where((lo == hi).fillna(False)).astype("Int64")


# ------------------------------------------------------------------ the members, coded


@dataclass(frozen=True)
class Members:
    """The members of the households, in household order then ``stt`` then ``row``, as numpy arrays."""

    rows: np.ndarray  # position of each in the members input
    home: np.ndarray  # position of its household
    lo: Age
    hi: Age
    answers: dict[str, Coded]  # viec_lam, trinh_do, cap_hoc, khuyet_tat
    yes_no: dict[str, Tri]  # the_bhyt, suy_dinh_duong, dang_di_hoc
    source: pd.DataFrame  # the members input (positional index), for the texts of the deprived
    _tests: dict[tuple[str, tuple[str, ...]], Tri] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.rows)

    def isin(self, key: str, allowed: tuple[str, ...]) -> Tri:
        """Kleene: the answer ``key`` is one of ``allowed`` (worked out once per answer and list)."""
        if (key, allowed) not in self._tests:
            self._tests[key, allowed] = self.answers[key].isin(allowed)
        return self._tests[key, allowed]


def _members(households: pd.DataFrame, members: pd.DataFrame, positions: np.ndarray, lo: Age, hi: Age) -> Members:
    """Members of the given households (by ``uid``), ordered as the reasons list them."""
    keep = np.flatnonzero(column(members, "uid", "Int64").notna().to_numpy() & (positions >= 0))
    # every member row, in order (the common case): views instead of copies
    at: np.ndarray | slice = slice(None) if len(keep) == len(members) else keep
    home = positions[at]
    stt = column(members, "stt", "Int64")
    stt_na, stt_v = stt.isna().to_numpy()[at], stt.to_numpy(dtype="int64", na_value=0)[at]
    # sorted already when households ascend and stt ascends strictly within each: no sort
    same = home[1:] == home[:-1]
    ordered = not stt_na.any() and bool(np.all((home[1:] > home[:-1]) | (same & (stt_v[1:] > stt_v[:-1]))))
    if not ordered:  # stable, NA last within each key (as sort_values)
        row = column(members, "row", "Int64")
        row_na, row_v = row.isna().to_numpy()[at], row.to_numpy(dtype="int64", na_value=0)[at]
        keep = keep[np.lexsort((row_v, row_na, stt_v, stt_na, home))]
        at, home = keep, positions[keep]
    answers = {key: Coded.of(column(members, key, "str")).take(at)
               for key in ("viec_lam", "trinh_do", "cap_hoc", "khuyet_tat")}
    yes_no = {key: Tri.of(column(members, key, "boolean")) for key in ("the_bhyt", "suy_dinh_duong", "dang_di_hoc")}
    yes_no = {key: Tri(t.yes[at], t.no[at]) for key, t in yes_no.items()}
    return Members(keep, home, lo.take(at), hi.take(at), answers, yes_no, members)


# ------------------------------------------------------------------ member rules: (members, age, indicator) -> Tri


def _employment(m: Members, age: Age, ind: Indicator) -> Tri:
    return age.within(ind["working_age"]) & m.isin("viec_lam", ind["deprived_status"])


def _nutrition(m: Members, age: Age, ind: Indicator) -> Tri:
    return age.below(ind["child_age_below"]) & m.yes_no["suy_dinh_duong"]


def _health_insurance(m: Members, age: Age, ind: Indicator) -> Tri:
    return age.at_least(ind["min_age"]) & ~m.yes_no["the_bhyt"]


def _required_level(age: Age, ind: Indicator) -> np.ndarray:
    """Position (in level_order) of the level required at ``age``; -1 outside the bands (a later band wins)."""
    order = {level: i for i, level in enumerate(ind["level_order"])}
    need = np.full(len(age.value), -1, dtype=np.int64)
    for band in ind["required_level"]:
        need[age.within(band.ages).yes] = order[band.min_level]
    return need


def _adult_education(m: Members, age: Age, ind: Indicator) -> Tri:
    order = {level: i for i, level in enumerate(ind["level_order"])}
    have = m.answers["trinh_do"].lookup(order, -1, np.int64)
    need = _required_level(age, ind)
    below = Tri.test((have >= 0) & (need >= 0), have < need)
    return age.within(ind["ages"]) & ~m.yes_no["dang_di_hoc"] & below


def _school_attendance(m: Members, age: Age, ind: Indicator) -> Tri:
    fits = Tri.test(np.ones(len(m), dtype=bool), np.zeros(len(m), dtype=bool))
    for band in ind["levels_by_age"]:
        fits = fits | (age.within(band.ages) & m.isin("cap_hoc", band.levels))
    attending = m.yes_no["dang_di_hoc"]
    return age.within(ind["ages"]) & (~attending | (attending & ~fits))


def _dependent(m: Members, age: Age, ind: Indicator) -> Tri:
    young = age.below(ind["child_age_below"])
    old = age.at_least(ind["elderly_age_from"])
    return young | old | m.isin("khuyet_tat", ind["disability_levels"])


_MEMBER_MASKS: dict[str, Callable[[Members, Age, Indicator], Tri]] = {
    "employment": _employment, "nutrition": _nutrition, "health_insurance": _health_insurance,
    "adult_education": _adult_education, "school_attendance": _school_attendance,
}
_MEMBER_RULES = {**_MEMBER_MASKS, "dependents": _dependent}  # every rule evaluated per member


# what a deprived member's entry says after "<name> (<age>)": (members, the deprived among them, indicator) -> text
def _say_employment(m: Members, rows: np.ndarray, ind: Indicator) -> pa.Array:
    status = m.answers["viec_lam"]
    said = lower_first(pd.Series(status.values, dtype="str"))
    return lookup_text(to_arrow(said), status.codes[rows])


def _say_adult_education(m: Members, rows: np.ndarray, ind: Indicator) -> pa.Array:
    texts = pa.array([f"chưa tốt nghiệp {level}, không đi học" for level in ind["level_order"]], pa.large_string())
    return lookup_text(texts, _required_level(m.lo.take(rows), ind))


def _say_school(m: Members, rows: np.ndarray, ind: Indicator) -> pa.Array:
    levels = m.answers["cap_hoc"]
    texts = [f"đang học {level}, không đúng cấp học theo tuổi" for level in (*levels.values, "")]
    not_attending = len(texts)
    which = np.where(m.yes_no["dang_di_hoc"].no[rows], not_attending, levels.codes[rows] % (len(texts)))
    return lookup_text(pa.array([*texts, "không đi học"], pa.large_string()), which)


def _constant(text: str) -> Callable[[Members, np.ndarray, Indicator], pa.Array]:
    return lambda m, rows, ind: repeat(text, len(rows))


_MEMBER_SAY: dict[str, Callable[[Members, np.ndarray, Indicator], pa.Array]] = {
    "employment": _say_employment, "nutrition": _constant("suy dinh dưỡng"),
    "health_insurance": _constant("không có thẻ BHYT"), "adult_education": _say_adult_education,
    "school_attendance": _say_school,
}


def _who(m: Members, rows: np.ndarray) -> pa.Array:
    """``Nguyễn Văn B (17 tuổi)``, or ``(sinh năm 2007)`` when only the year is known, of the members ``rows``."""
    src = m.source
    at = m.rows[rows]
    stt = to_arrow(column(src, "stt", "Int64").iloc[at].astype("str"))
    name = to_arrow(column(src, "ho_ten", "str").iloc[at])
    name = pa.compute.coalesce(name, cat("thành viên số ", pa.compute.coalesce(stt, "?")))
    lo, hi = m.lo.take(rows), m.hi.take(rows)
    exact = lo.known & (lo.value == hi.value)
    year = to_arrow(column(src, "nam_sinh", "Int64").iloc[at].astype("str"))
    age = pa.compute.if_else(pa.array(exact), cat(to_arrow(pd.Series(lo.value).astype("str")), " tuổi"),
                             cat("sinh năm ", year))
    return cat(name, " (", pa.compute.coalesce(age, "không rõ tuổi"), ")")


# ------------------------------------------------------------------ derivation


@dataclass(frozen=True)
class Derivation:
    flags: pd.DataFrame  # index uid, 12 Int8 columns
    said: dict[str, Rows]  # per indicator: (positions of the households where the flag is 1, their reason text)
    lo: Age  # youngest and oldest possible age of each member row, in input order
    hi: Age
    positions: np.ndarray  # per member row: position of its household (household_positions)
    # members whose part in an indicator is unknown, and the answer they left blank: (indicator, answer key,
    # member rows, their households' positions)
    blanks: list[tuple[str, str, np.ndarray, np.ndarray]] = field(default_factory=list)
    # per member (Prepared.members order): whether its part in some member rule differs between the youngest and
    # the oldest age it can have (a woman born in 1982 is 41 or 42: nothing turns on it; a son born in 2008 may)
    age_matters: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def age_lo(self) -> pd.Series:
        return self.lo.series()

    @property
    def age_hi(self) -> pd.Series:
        return self.hi.series()

    def exact_age(self) -> pd.arrays.IntegerArray:
        """Per member row: the completed age where it is certain, else NA (:func:`exact_age`)."""
        exact = self.lo.known & (self.lo.value == self.hi.value)
        return pd.arrays.IntegerArray(np.where(exact, self.lo.value, 0).astype(np.int64), ~exact)

    @property
    def reasons(self) -> pd.DataFrame:
        """Index uid, 12 str columns (NA where not deprived)."""
        index, n = self.flags.index, len(self.flags)
        return pd.DataFrame({key: to_series(scatter(texts, rows, n), index) for key, (rows, texts) in self.said.items()},
                            index=index)


def _member_flag(contrib: Tri, home: np.ndarray, size: np.ndarray) -> pd.arrays.IntegerArray:
    """1 where any member is known deprived, 0 where every member is known not, NA otherwise or without members."""
    n = len(size)
    deprived = np.bincount(home[contrib.yes], minlength=n) > 0
    unknown = np.bincount(home[contrib.unknown], minlength=n) > 0
    return pd.arrays.IntegerArray(deprived.astype(np.int8), ~deprived & (unknown | (size == 0)))


def _member_reasons(m: Members, contrib: Tri, ind: Indicator, n: int, who: Callable[[np.ndarray], pa.Array]) -> Rows:
    """(households with a deprived member, those members ``", "``-joined in household order); ``who`` gives the
    ``name (age)`` of members."""
    rows = np.flatnonzero(contrib.yes)
    texts = cat(who(rows), " ", _MEMBER_SAY[ind.rule](m, rows, ind))
    counts = np.bincount(m.home[rows], minlength=n)
    homes = np.flatnonzero(counts)
    return homes, join_groups(texts, counts[homes], ", ")


@dataclass(frozen=True)
class Prepared:
    """What the derivation under any standard reads, worked out once for a batch."""

    households: pd.DataFrame  # index uid
    members: Members
    lo: Age  # per member row (input order)
    hi: Age
    positions: np.ndarray  # per member row: position of its household
    size: np.ndarray  # per household: member rows
    dated: np.ndarray  # per household: its review date is known (else no member's age is)


def prepare(households: pd.DataFrame, members: pd.DataFrame) -> Prepared:
    """Household positions, age bounds and the coded members of a batch (the same under every standard)."""
    index = pd.Index(households["uid"].astype("int64"), name="uid")
    members = members.reset_index(drop=True)  # positions: the input index need not be unique
    positions = household_positions(households, members)
    lo, hi, dated = _ages(households, members, positions)
    m = _members(households, members, positions, lo, hi)
    return Prepared(households.set_index(index), m, lo, hi, positions, np.bincount(m.home, minlength=len(index)),
                    dated)


def derive(households: pd.DataFrame, members: pd.DataFrame, std: Standard,
           prepared: Prepared | None = None) -> Derivation:
    """Flags, per-indicator reasons and member age bounds (see :func:`derive_indicators`); ``prepared``: what
    :func:`prepare` gives for the same frames, when already done (for a second standard)."""
    p = prepared or prepare(households, members)
    hh, m, size = p.households, p.members, p.size
    index, n = hh.index, len(hh)

    # each member rule once at the youngest and once at the oldest possible age: known where both agree
    at_ages = {key: (_MEMBER_RULES[ind.rule](m, m.lo, ind), _MEMBER_RULES[ind.rule](m, m.hi, ind))
               for key, ind in std.indicators.items() if ind.rule in _MEMBER_RULES}
    contribs = {key: young.agree(old) for key, (young, old) in at_ages.items()}
    # the name and age of every member named in some reason, built once
    named = np.zeros(len(m), dtype=bool)
    for key, contrib in contribs.items():
        if std.indicators[key].rule in _MEMBER_SAY:
            named |= contrib.yes
    named = np.flatnonzero(named)
    who = _who(m, named)

    flags: dict[str, pd.arrays.IntegerArray] = {}
    said: dict[str, Rows] = {}
    for key in std.keys:
        ind = std.indicators[key]
        if key in contribs:
            contrib = contribs[key]
            if ind.rule == "dependents":
                flags[key], say = _dependents(contrib, m.home, size, ind)
            else:
                flags[key] = _member_flag(contrib, m.home, size)
                say = _member_reasons(m, contrib, ind, n, lambda rows: who.take(np.searchsorted(named, rows)))
        else:
            flags[key], say = _household_rule(hh, ind, size)
        said[key] = say[0], cat(ind.short_name + ": ", say[1])
    flag_frame = pd.DataFrame({key: pd.Series(flags[key], index=index) for key in std.keys}, index=index)
    # a household without a review date has no member's age: what its members wrote is not what is missing (the
    # review date is reported at its own cell), so none of them is asked for an answer
    undated = ~p.dated[m.home] if len(p.dated) else np.ones(len(m), dtype=bool)
    age_matters = np.zeros(len(m), dtype=bool)
    for young, old in at_ages.values():
        age_matters |= (young.yes != old.yes) | (young.no != old.no)
    return Derivation(flag_frame, said, p.lo, p.hi, p.positions, _blanks(m, at_ages, std, undated), age_matters)


def age_bounds(std: Standard) -> np.ndarray:
    """One age in each span of ages the member rules of ``std`` tell apart (0, and each age a rule's range starts
    or ends after: 3, 6, 15, 16, 31, 60 …): a member of unknown age is at one of them, as far as any rule can say."""
    bounds = {0}

    def walk(value: Any) -> None:
        if isinstance(value, AgeRange):
            bounds.add(value.start)
            if value.end is not None:
                bounds.add(value.end + 1)
        elif isinstance(value, bool):
            return
        elif isinstance(value, int):
            bounds.add(value)
        elif isinstance(value, (tuple, list)):
            for v in value:
                walk(v)
        elif hasattr(value, "ages"):  # a band of levels by age
            walk(value.ages)

    for ind in std.indicators.values():
        if ind.rule in _MEMBER_RULES:
            for name in ind.params:
                walk(ind[name])
    return np.array(sorted(b for b in bounds if 0 <= b <= 130), dtype=np.int64)


def age_scenarios(p: Prepared, std: Standard, at: np.ndarray, age_matters: np.ndarray, limit: int = 3,
                  least: int = 1, unknown: int = 0
                  ) -> tuple[np.ndarray, list[pd.DataFrame], np.ndarray, np.ndarray, np.ndarray]:
    """The member-rule flags of the households at positions ``at`` that have ``least`` to ``limit`` members whose age is
    known only to a year (born in a year, on an unknown day) and changes something, once per *scenario*: each such
    member at one of the two ages it can have. Taken alone, each indicator of such a member is unknown; together
    they may not be (at 15 a son not at school is deprived in school attendance, at 16 in adult education: one of
    the two either way). A member whose two ages give the same part in every rule (the mother, 41 or 42) is no
    scenario (``age_matters``: :attr:`Derivation.age_matters`): four members written by birth year alone, of whom
    one is a teenager, are two scenarios, not sixteen. With ``unknown`` (1 or 2): instead, the households with one
    to ``unknown`` members whose age is not known at all (no usable date or year of birth, the review date known) and
    up to ``limit`` known by a year, each unknown one at each age of :func:`age_bounds` — every age a member can
    have, as the rules tell ages apart. Returns (the households, one flags frame per scenario with the member-rule
    indicators as columns, the rows in the members input of the members whose age made them, and for each of those
    its step in the scenario number and its number of ages: its age in scenario s is choice (s // step) % ages)."""
    m = p.members
    year_only = m.lo.known & m.hi.known & (m.lo.value != m.hi.value) & age_matters
    n = len(p.size)
    empty = np.array([], dtype=np.int64)
    if unknown:
        no_age = ~m.lo.known & p.dated[m.home]
        deciding = year_only | no_age
        lacking = np.bincount(m.home[no_age], minlength=n)
        per_household = np.bincount(m.home[year_only], minlength=n)
        # (scenarios: the spans of age_bounds to the power of those of no age, times 2 to that of those of a year —
        # kept to two such members' worth, a batch's every household tried as many times as its largest needs)
        spans_n = len(age_bounds(std))
        most = spans_n ** min(unknown, 2)
        scenarios = spans_n ** np.minimum(lacking[at], 8).astype(np.float64) * 2.0 ** np.minimum(per_household[at], 30)
        pick = at[(lacking[at] >= 1) & (lacking[at] <= unknown) & (per_household[at] <= limit) & (scenarios <= most)]
    else:
        no_age = np.zeros(len(m.home), dtype=bool)
        deciding = year_only
        per_household = np.bincount(m.home[deciding], minlength=n)
        pick = at[(per_household[at] >= max(least, 1)) & (per_household[at] <= limit)]
    if not len(pick):
        return pick, [], empty, empty, empty
    new_home = np.full(n, -1, dtype=np.int64)
    new_home[pick] = np.arange(len(pick))
    sel = np.flatnonzero(new_home[m.home] >= 0)  # the members of those households, in household order
    home = new_home[m.home[sel]]
    sub = Members(m.rows[sel], home, m.lo.take(sel), m.hi.take(sel), {k: v.take(sel) for k, v in m.answers.items()},
                  {k: Tri(t.yes[sel], t.no[sel]) for k, t in m.yes_no.items()}, m.source)
    u = deciding[sel]
    size = np.bincount(home, minlength=len(pick))
    # each uncertain member's digit of the scenario number: its number of ages (two for a year of birth, every span
    # of :func:`age_bounds` for an unknown age), and its step — the product of the numbers of ages of its household's
    # uncertain members before it (a year-only member alone is a bit, as before)
    spans = age_bounds(std)
    blind = no_age[sel]
    ages_n = np.where(blind, len(spans), 2).astype(np.int64)
    ages_n[~u] = 1
    upto = pd.Series(ages_n).groupby(home).cumprod().to_numpy(dtype=np.int64)
    step = upto // ages_n
    frames = []
    for scenario in range(int(upto.max())):  # (the largest household's number of scenarios; a smaller one repeats)
        choice = (scenario // step) % ages_n
        value = np.where(blind, spans[np.minimum(choice, len(spans) - 1)],
                         np.where(choice == 1, sub.hi.value, sub.lo.value))
        age = Age(np.where(u, value, sub.lo.value), sub.lo.known | (u & blind))
        flags: dict[str, pd.arrays.IntegerArray] = {}
        for key, ind in std.indicators.items():
            if ind.rule not in _MEMBER_RULES:
                continue
            contrib = _MEMBER_RULES[ind.rule](sub, age, ind)
            flags[key] = (_dependents(contrib, home, size, ind)[0] if ind.rule == "dependents"
                          else _member_flag(contrib, home, size))
        frames.append(pd.DataFrame(flags))
    return pick, frames, sub.rows[u], step[u], ages_n[u]


# the answers each member rule reads (besides the age)
_RULE_ANSWERS = {"employment": ("viec_lam",), "nutrition": ("suy_dinh_duong",), "health_insurance": ("the_bhyt",),
                 "adult_education": ("dang_di_hoc", "trinh_do"), "school_attendance": ("dang_di_hoc", "cap_hoc"),
                 "dependents": ("khuyet_tat",)}


def _blanks(m: Members, at_ages: dict[str, tuple[Tri, Tri]], std: Standard,
            undated: np.ndarray) -> list[tuple[str, str, np.ndarray, np.ndarray]]:
    """Per indicator, the members whose part in it is unknown and what to write to know it (``at_ages``: each
    member's part at the youngest and at the oldest age it can have): the birth date when no age is known, or when
    both ages give a part and not the same one (a child born in 2018, 5 or 6, without a health-insurance card:
    the day of birth decides, no answer would); each answer of the rule left blank where the rule cannot be
    told at an age the member can have (never the school level of a child who does not go to school). Never the
    members of a household without a review date (``undated``)."""
    out: list[tuple[str, str, np.ndarray, np.ndarray]] = []
    for key, (young, old) in at_ages.items():
        unknown = young.agree(old).unknown & ~undated
        if not unknown.any():
            continue
        told_apart = ~young.unknown & ~old.unknown & (young.yes != old.yes)  # the age alone decides
        for answer in ("ngay_sinh", "ngay_sinh#day", *_RULE_ANSWERS.get(std.indicators[key].rule, ())):
            if answer == "ngay_sinh":  # no birth at all
                blank = ~m.lo.known
            elif answer == "ngay_sinh#day":  # a birth year, and the day of birth decides
                blank = m.lo.known & told_apart
            elif answer in m.answers:
                # a member of no usable birth date is asked for it alone: whether an answer tied to an age
                # (employment, nutrition) is wanted depends on it — an adult is not asked about malnutrition
                blank = (m.answers[answer].codes < 0) & (young.unknown | old.unknown) & m.lo.known
                if answer == "cap_hoc":  # the level of a school a member is known not to attend decides nothing
                    blank &= ~m.yes_no["dang_di_hoc"].no
            else:
                blank = m.yes_no[answer].unknown & (young.unknown | old.unknown) & m.lo.known
            hit = np.flatnonzero(unknown & blank)
            if len(hit):
                out.append((key, answer, m.rows[hit], m.home[hit]))
    return out


def _dependents(dep: Tri, home: np.ndarray, size: np.ndarray,
                ind: Indicator) -> tuple[pd.arrays.IntegerArray, Rows]:
    """Deprived when dependents (``dep``: per member, Kleene) are more than ``max_share`` of the members; NA
    when the unknowns could tip it."""
    n = len(size)
    known = np.bincount(home[dep.yes], minlength=n)
    unknown = np.bincount(home[dep.unknown], minlength=n)
    some = size > 0
    limit = ind["max_share"] * size.astype(float)
    eps = 1e-9
    deprived = some & (known > limit + eps)
    not_deprived = some & ((known + unknown) <= limit + eps)
    flag = pd.arrays.IntegerArray(deprived.astype(np.int8), ~deprived & ~not_deprived)
    # one text per distinct (dependents, members) pair
    hit = np.flatnonzero(deprived)
    pairs, codes = np.unique(known[hit] * (int(size.max(initial=0)) + 1) + size[hit], return_inverse=True)
    d, s = np.divmod(pairs, int(size.max(initial=0)) + 1)
    pct = fmt_number(pd.Series(d / s * 100), 1)
    texts = (pd.Series(d).astype("str") + "/" + pd.Series(s).astype("str") + " người phụ thuộc (" + pct + " % > "
             + fmt_scalar(ind["max_share"] * 100) + " %)")
    return flag, (hit, lookup_text(to_arrow(texts), codes.reshape(-1)))


# the household answer each household rule reads (the members' answers: _RULE_ANSWERS)
HOUSEHOLD_ANSWERS = {"housing_quality": "loai_nha", "housing_area": "dien_tich_nha", "water": "nguon_nuoc",
                     "latrine": "nha_tieu", "telecom": "su_dung_internet", "information_assets": "phuong_tien_thong_tin"}


def unused_answers(std: Standard) -> frozenset[str]:
    """The household answers only indicators the standard does not hold read (none for a standard of all twelve):
    a return need not have them."""
    kept = {ind.rule for ind in std.indicators.values()}
    return frozenset(answer for rule, answer in HOUSEHOLD_ANSWERS.items() if rule not in kept)


def _household_rule(hh: pd.DataFrame, ind: Indicator, size: np.ndarray) -> tuple[pd.arrays.IntegerArray, Rows]:
    """(flag, (deprived households, reason text after the indicator's label)) for the rules answered once per
    household."""
    rule = ind.rule
    if rule in ("housing_quality", "water", "latrine"):
        listed, deprived_if_listed = {"housing_quality": ("deprived_types", True), "water": ("safe_sources", False),
                                      "latrine": ("hygienic_types", False)}[rule]
        value = Coded.of(column(hh, HOUSEHOLD_ANSWERS[rule], "str"))
        mask = value.isin(ind[listed])
        mask = mask if deprived_if_listed else ~mask
        hit = np.flatnonzero(mask.yes)
        say = lookup_text(pa.array(value.values, pa.large_string()), value.codes[hit])
    elif rule == "housing_area":
        area = column(hh, HOUSEHOLD_ANSWERS[rule], "Float64")
        minimum = ind["min_area_per_person"]
        a = area.to_numpy(dtype=float, na_value=np.nan)
        mask = Tri.test(area.notna().to_numpy() & (size > 0), a < minimum * size.astype(float))
        hit = np.flatnonzero(mask.yes)
        a_hit, n_hit = pd.Series(a[hit]), pd.Series(size[hit])
        per = fmt_number(a_hit / n_hit.astype(float), min_decimals=1, floor=True)
        # the area cut (not rounded) like the share: 15,996 m² reads 15,99, never 16 (which is not under 2 × 8)
        text = (fmt_number(a_hit, floor=True) + " m² cho " + n_hit.astype("str") + " người (" + per + " m²/người < "
                + fmt_scalar(minimum) + ")")
        say = to_arrow(text)
    elif rule in ("telecom", "information_assets"):
        text = {"telecom": "không thành viên nào sử dụng Internet",
                "information_assets": "không có ti vi, radio, máy tính hoặc điện thoại thông minh"}[rule]
        mask = ~Tri.of(column(hh, HOUSEHOLD_ANSWERS[rule], "boolean"))
        hit = np.flatnonzero(mask.yes)
        say = repeat(text, len(hit))
    else:  # the loader accepts only known rules
        raise AssertionError(f"rule {rule!r} has no household evaluation")
    return pd.arrays.IntegerArray(mask.yes.astype(np.int8), mask.unknown), (hit, say)


def derive_indicators(households: pd.DataFrame, members: pd.DataFrame, std: Standard) -> tuple[pd.DataFrame, pd.Series]:
    """The standard's flags (index ``uid``, Int8 1/0/NA, columns in ``INDICATORS`` order: the twelve, or those the
    standard holds) and the reasons.

    ``reasons`` maps each uid to short Vietnamese text for every deprived indicator, ``"; "``-joined, e.g.
    ``Diện tích nhà: 14 m² cho 2 người (7,0 m²/người < 8)``; ``""`` when nothing is deprived.
    """
    d = derive(households, members, std)
    return d.flags, join_parts((d.reasons[k] for k in std.keys), d.flags.index)
