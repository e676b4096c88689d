"""One commune's synthetic households and members, designed vectorised with numpy.

The generator first draws who lives together (ages consistent with relations), then decides for every household
which indicators it is deprived in and on which side of the income test it falls, then writes answers that
realise exactly that design. The class each household *means* is then recomputed from the answers with the
generator's own reading of the rules (:mod:`hgn_review.sample.rules`) and must agree with the design.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from hgn_review.registry import Unit
from hgn_review.sample import names
from hgn_review.sample.rules import (
    AVERAGE,
    B1,
    MEASURED,
    NEAR_POOR,
    NOT_POOR,
    POOR,
    Rules,
    classify,
    deprivations,
)
from hgn_review.schemas.layout import INDICATORS, load_layout

HEAD, SPOUSE, CHILD, PARENT, GRANDCHILD = "Chủ hộ", "Vợ, chồng", "Con", "Bố, mẹ", "Cháu"
YES, NO = "Có", "Không"
IN_SCHOOL_HIGHER = "Nghề, cao đẳng, đại học"
RESERVED_EVERY = 20  # households with index % 20 == 19 are never touched by injections (sources for other files)
_MONTH_DAYS = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
_DOY_MONTH = np.repeat(np.arange(1, 13), _MONTH_DAYS)
_DOY_DAY = np.concatenate([np.arange(1, d + 1) for d in _MONTH_DAYS])
_BEFORE_SEPTEMBER = int(_MONTH_DAYS[:8].sum())  # day-of-year index of 1 September (non-leap)

# Boundary households: (kind, composition, basis, income/B1 setting, NLNDN, designed deprivations, area rule)
# income setting: 'line', 'line+1', 'band', 'band+1', 'cut', 'cut+1', 'below' (B1 well under the cut-off)
BOUNDARY_KINDS: tuple[tuple[str, str, str, str, bool, tuple[str, ...], str | None], ...] = (
    ("thu-nhap-bang-chuan", "base4", MEASURED, "line", False,
     ("th_chat_luong_nha", "th_nuoc_sinh_hoat", "th_vien_thong"), None),
    ("thu-nhap-tren-chuan-1-dong", "base4", MEASURED, "line+1", False,
     ("th_chat_luong_nha", "th_nuoc_sinh_hoat", "th_vien_thong"), None),
    ("b1-bang-nguong", "base4", B1, "cut", False, ("th_nha_tieu",), None),
    ("b1-tren-nguong-1-diem", "base4", B1, "cut+1", False, ("th_nha_tieu",), None),
    ("dung-3-thieu-hut", "base4", B1, "below", False, ("th_bhyt", "th_nha_tieu", "th_phuong_tien_thong_tin"), None),
    ("dung-2-thieu-hut", "base4", B1, "below", False, ("th_bhyt", "th_nha_tieu"), None),
    ("phu-thuoc-bang-50", "dep50", B1, "below", False, ("th_nha_tieu", "th_vien_thong"), None),
    ("phu-thuoc-tren-50", "dep60", B1, "below", False,
     ("th_nguoi_phu_thuoc", "th_nha_tieu", "th_vien_thong"), None),
    ("dien-tich-bang-8m2", "base4", B1, "below", False, ("th_nha_tieu", "th_vien_thong"), "equal"),
    ("dien-tich-duoi-8m2", "base4", B1, "below", False,
     ("th_dien_tich_nha", "th_nha_tieu", "th_vien_thong"), "under"),
    ("nlndn-tren-chuan-1-dong", "base4", MEASURED, "line+1", True, (), None),
    ("nlndn-bang-tran-muc-song", "base4", MEASURED, "band", True, (), None),
    ("nlndn-tren-tran-1-dong", "base4", MEASURED, "band+1", True, (), None),
)
BOUNDARY_MIN_HOUSEHOLDS = 50
# (head age, head male, spouse age or None, [(child age, male)])
_COMPOSITIONS = {
    "base4": (45, True, 42, [(19, True), (13, False)]),
    "dep50": (40, True, 37, [(12, True), (9, False)]),
    "dep60": (40, True, 37, [(12, True), (9, False), (7, True)]),
}
# How often each choosable indicator is the one a household lacks (relative weights).
_WEIGHTS = {
    "th_viec_lam": 1.0, "th_dinh_duong": 0.5, "th_bhyt": 1.0, "th_giao_duc_nguoi_lon": 1.0,
    "th_di_hoc_tre_em": 0.4, "th_chat_luong_nha": 0.6, "th_dien_tich_nha": 0.6, "th_nuoc_sinh_hoat": 0.7,
    "th_nha_tieu": 1.2, "th_vien_thong": 1.3, "th_phuong_tien_thong_tin": 0.6,
}
_K_BELOW = [0.14, 0.20, 0.22, 0.20, 0.13, 0.07, 0.04]
_K_ABOVE = [0.55, 0.28, 0.12, 0.04, 0.01]
P_BELOW_LINE = 0.075


@dataclass
class Commune:
    """Clean, designed data of one commune (no injected errors)."""

    unit: Unit
    area: str
    households: pd.DataFrame
    members: pd.DataFrame
    boundary: dict[int, str] = field(default_factory=dict)  # household index -> boundary kind

    @property
    def code(self) -> str:
        return self.unit.code


def _choice(rng: np.random.Generator, values: list[str], p: list[float], n: int) -> np.ndarray:
    w = np.asarray(p, dtype=float)
    return np.array(values, dtype=object)[rng.choice(len(values), size=n, p=w / w.sum())]


def _layout_choices(key: str) -> tuple[str, ...]:
    lay = load_layout("hgn")
    for sheet in lay.sheets.values():
        if key in sheet.by_key:
            return sheet.by_key[key].choices
    raise KeyError(key)


# ------------------------------------------------------------------------------------------ composition
def _composition(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Household-level arrays describing who lives together."""
    brackets = np.array([[22, 29], [30, 39], [40, 49], [50, 59], [60, 69], [70, 79], [80, 92]])
    which = rng.choice(len(brackets), size=n, p=[0.07, 0.19, 0.23, 0.22, 0.16, 0.09, 0.04])
    head_age = rng.integers(brackets[which, 0], brackets[which, 1] + 1)
    head_male = rng.random(n) < 0.72
    p_sp = np.select([head_age < 60, head_age < 70, head_age < 80], [0.92, 0.8, 0.62], 0.42)
    p_sp = np.where(head_male, p_sp, p_sp * 0.4)
    has_spouse = rng.random(n) < p_sp
    gap = rng.integers(0, 7, n)
    spouse_age = np.clip(np.where(head_male, head_age - gap, head_age + gap), 18, 95)
    mother = np.where(has_spouse, np.minimum(head_age, spouse_age), head_age)
    # children
    probs = {0: [0.5, 0.4, 0.1, 0, 0], 1: [0.15, 0.35, 0.4, 0.1, 0], 2: [0.08, 0.25, 0.45, 0.17, 0.05],
             3: [0.35, 0.4, 0.2, 0.05, 0], 4: [0.6, 0.3, 0.1, 0, 0]}
    group = np.select([head_age < 25, head_age < 35, head_age < 50, head_age < 65], [0, 1, 2, 3], 4)
    n_child = np.zeros(n, dtype=np.int64)
    for g, p in probs.items():
        m = group == g
        n_child[m] = rng.choice(5, size=int(m.sum()), p=p)
    n_child = np.where(mother - 19 < 0, 0, n_child)
    lo = np.maximum(0, mother - 42)
    hi = mother - 19
    child_age = rng.integers(lo[:, None], np.maximum(hi, lo)[:, None] + 1, size=(n, 4)).astype(float)
    child_age[np.arange(4)[None, :] >= n_child[:, None]] = np.nan
    child_age = -np.sort(-np.nan_to_num(child_age, nan=-1.0), axis=1)
    child_age[child_age < 0] = np.nan
    child_male = rng.random((n, 4)) < 0.51
    # parents of the head
    p_par = np.select([head_age < 40, head_age < 55], [0.4, 0.2], 0.0)
    two = rng.random(n) < 0.4
    n_par = np.where(rng.random(n) < p_par, np.where(two, 2, 1), 0)
    par_age = np.clip(head_age[:, None] + rng.integers(20, 36, size=(n, 2)), 0, 96).astype(float)
    par_age[np.arange(2)[None, :] >= n_par[:, None]] = np.nan
    par_male = np.column_stack([np.where(n_par == 2, True, rng.random(n) < 0.35), np.zeros(n, dtype=bool)])
    # grandchildren
    oldest = np.nan_to_num(child_age[:, 0], nan=0)
    can_grand = (head_age >= 50) & (oldest >= 21)
    n_grand = np.where(can_grand, rng.choice(3, size=n, p=[0.55, 0.28, 0.17]), 0)
    g_hi = np.clip(oldest - 20, 0, 15).astype(np.int64)
    grand_age = rng.integers(0, g_hi[:, None] + 1, size=(n, 2)).astype(float)
    grand_age[np.arange(2)[None, :] >= n_grand[:, None]] = np.nan
    grand_male = rng.random((n, 2)) < 0.51
    # at most 8 members: drop grandchildren, then the youngest children, then parents
    total = 1 + has_spouse + n_child + n_par + n_grand
    excess = np.maximum(total - 8, 0)
    cut = np.minimum(n_grand, excess)
    n_grand, excess = n_grand - cut, excess - cut
    cut = np.minimum(n_child, excess)
    n_child, excess = n_child - cut, excess - cut
    n_par = n_par - np.minimum(n_par, excess)
    child_age[np.arange(4)[None, :] >= n_child[:, None]] = np.nan
    par_age[np.arange(2)[None, :] >= n_par[:, None]] = np.nan
    grand_age[np.arange(2)[None, :] >= n_grand[:, None]] = np.nan
    return {"head_age": head_age.astype(float), "head_male": head_male, "spouse_age":
            np.where(has_spouse, spouse_age, np.nan).astype(float), "child_age": child_age,
            "child_male": child_male, "par_age": par_age, "par_male": par_male, "grand_age": grand_age,
            "grand_male": grand_male}


def _apply_template(comp: dict[str, np.ndarray], h: int, name: str) -> None:
    head_age, head_male, spouse_age, children = _COMPOSITIONS[name]
    comp["head_age"][h] = head_age
    comp["head_male"][h] = head_male
    comp["spouse_age"][h] = np.nan if spouse_age is None else spouse_age
    comp["child_age"][h] = np.nan
    for j, (age, male) in enumerate(children):
        comp["child_age"][h, j] = age
        comp["child_male"][h, j] = male
    comp["par_age"][h] = np.nan
    comp["grand_age"][h] = np.nan


def _flatten(comp: dict[str, np.ndarray]) -> pd.DataFrame:
    """Member rows (hh, quan_he, order, age, male), household by household in listing order."""
    n = len(comp["head_age"])
    parts: list[tuple[np.ndarray, ...]] = []
    hh = np.arange(n)
    parts.append((hh, np.full(n, HEAD, dtype=object), np.zeros(n), comp["head_age"], comp["head_male"]))
    sp = ~np.isnan(comp["spouse_age"])
    parts.append((hh[sp], np.full(int(sp.sum()), SPOUSE, dtype=object), np.ones(int(sp.sum())),
                  comp["spouse_age"][sp], ~comp["head_male"][sp]))
    for key, male_key, rel, base in (("child_age", "child_male", CHILD, 10), ("par_age", "par_male", PARENT, 20),
                                     ("grand_age", "grand_male", GRANDCHILD, 30)):
        ages = comp[key]
        rows, slots = np.nonzero(~np.isnan(ages))
        parts.append((rows, np.full(len(rows), rel, dtype=object), base + slots, ages[rows, slots],
                      comp[male_key][rows, slots]))
    df = pd.DataFrame({
        "hh": np.concatenate([p[0] for p in parts]),
        "quan_he": np.concatenate([p[1] for p in parts]),
        "order": np.concatenate([p[2] for p in parts]),
        "age": np.concatenate([p[3] for p in parts]).astype(np.int64),
        "male": np.concatenate([p[4] for p in parts]).astype(bool),
    })
    df = df.sort_values(["hh", "order"], kind="stable").reset_index(drop=True)
    df["stt"] = df.groupby("hh").cumcount() + 1
    return df.drop(columns="order")


# ------------------------------------------------------------------------------------------ dates
def _review_dates(rng: np.random.Generator, village: np.ndarray, n_villages: int, year: int) -> np.ndarray:
    """Each village is reviewed over a few days between early September and mid November."""
    start = np.datetime64(f"{year}-09-03")
    span = (np.datetime64(f"{year}-11-08") - start).astype(int)
    first = rng.integers(0, span, n_villages)
    days = first[village] + rng.integers(0, 6, len(village))
    return start + days.astype("timedelta64[D]")


def _birth_dates(rng: np.random.Generator, age: np.ndarray, review: np.ndarray, restricted: np.ndarray,
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Birth dates giving exactly ``age`` completed years at ``review``. Restricted members are born between
    1 January and 31 August, so their age is the same on any day of September–December."""
    n = len(age)
    doy = np.where(restricted, rng.integers(0, _BEFORE_SEPTEMBER, n), rng.integers(0, 365, n))
    month, day = _DOY_MONTH[doy], _DOY_DAY[doy]
    r = pd.DatetimeIndex(review)
    passed = (month < r.month.to_numpy()) | ((month == r.month.to_numpy()) & (day <= r.day.to_numpy()))
    year = r.year.to_numpy() - age - np.where(passed, 0, 1)
    births = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": day}))
    return births.to_numpy(), year


# ------------------------------------------------------------------------------------------ commune
def make_commune(rng: np.random.Generator, unit: Unit, n: int, rules: Rules, year: int,
                 *, boundary: bool = True, b1_only: bool = False) -> Commune:
    """Design ``n`` households of ``unit`` for the review of ``year``.

    ``b1_only`` (layout 2, which has no income column): every household's income is known by its B1 score, and
    only the boundary cases that can be written in that layout are made.
    """
    area = unit.area or "Nông thôn"
    urban = area == "Thành thị"
    # boundary households (every return of at least BOUNDARY_MIN_HOUSEHOLDS households)
    kinds: tuple[tuple[str, str, str, str, bool, tuple[str, ...], str | None], ...] = ()
    if boundary and n >= BOUNDARY_MIN_HOUSEHOLDS:
        kinds = tuple(k for k in BOUNDARY_KINDS if k[2] == B1 and k[6] is None and k[1] == "base4") \
            if b1_only else BOUNDARY_KINDS
    positions = np.sort(rng.choice(np.flatnonzero(np.arange(n) % RESERVED_EVERY != RESERVED_EVERY - 1),
                                   size=len(kinds), replace=False)) if kinds else np.array([], dtype=np.int64)
    slots = rng.permutation(len(kinds))
    template = {int(positions[i]): kinds[slots[i]] for i in range(len(kinds))}

    # villages, review dates and reviewers
    n_villages = int(np.clip(n // 120 + rng.integers(3, 7), 3, 25))
    village_names = names.villages(rng, urban, n_villages)
    village = np.sort(rng.integers(0, n_villages, n))
    review = _review_dates(rng, village, n_villages, year)
    rev_sur = names.surnames(rng, np.full(n_villages, "Kinh", dtype=object))
    reviewers = names.full_names(rng, rev_sur, rng.random(n_villages) < 0.5)

    # who lives together
    comp = _composition(rng, n)
    for h, spec in template.items():
        _apply_template(comp, h, spec[1])
    mm = _flatten(comp)
    hidx = mm["hh"].to_numpy()
    age = mm["age"].to_numpy()
    male = mm["male"].to_numpy()
    m = len(mm)
    boundary_ages = np.array(sorted(rules.boundary_ages()))
    near = (np.abs(age[:, None] - boundary_ages[None, :]) <= 1).any(axis=1) | (age < 19)
    births, birth_year = _birth_dates(rng, age, review[hidx], near)
    t = year - birth_year  # age in the calendar year ("tuổi theo năm"): school grades follow it
    in_template = np.isin(hidx, list(template))

    # disability
    old = age >= rules.dep_elderly_from
    dis = np.where(old, _choice(rng, ["Không", "Nhẹ", "Nặng", "Đặc biệt nặng"], [0.93, 0.04, 0.02, 0.01], m),
                   _choice(rng, ["Không", "Nhẹ", "Nặng", "Đặc biệt nặng"], [0.985, 0.01, 0.004, 0.001], m))
    dis[in_template] = "Không"
    severe = np.isin(dis, rules.dep_disability)

    # schooling and education (defaults: nobody is deprived)
    in_school = np.zeros(m, dtype=bool)
    level = np.full(m, None, dtype=object)
    trinh_do = np.full(m, None, dtype=object)
    for lo, hi, lev in ((3, 5, "Mầm non"), (6, 10, "Tiểu học"), (11, 14, "THCS"), (15, 17, "THPT")):
        sel = (t >= lo) & (t <= hi)
        in_school[sel] = True
        level[sel] = lev
    trinh_do[t <= 10] = "Chưa đi học"
    trinh_do[(t >= 11) & (t <= 14)] = "Tiểu học"
    trinh_do[(t >= 15) & (t <= 17)] = "THCS"
    # 16–17-year-olds: a few have left school after lower secondary (not deprived: they hold THCS)
    left = (age >= rules.adult_ages[0]) & (t <= 17) & (rng.random(m) < 0.1) & ~in_template
    in_school[left] = False
    level[left] = None
    young = (t >= 18) & (t <= 24)
    offspring = np.isin(mm["quan_he"].to_numpy(), [CHILD, GRANDCHILD])
    uni = young & offspring & (rng.random(m) < 0.3)
    in_school[uni] = True
    level[uni] = IN_SCHOOL_HIGHER
    trinh_do[uni] = "THPT"
    rest = young & ~uni
    trinh_do[rest] = _choice(rng, ["THPT", "Trung cấp", "Cao đẳng", "Đại học trở lên"], [0.6, 0.15, 0.1, 0.15],
                             int(rest.sum()))
    trinh_do[rest & (t < 22) & (trinh_do == "Đại học trở lên")] = "THPT"
    trinh_do[rest & (t < 21) & (trinh_do == "Cao đẳng")] = "THPT"
    for lo, hi, vals, p in (
        (25, 33, ["THPT", "Sơ cấp", "Trung cấp", "Cao đẳng", "Đại học trở lên"], [0.5, 0.05, 0.15, 0.1, 0.2]),
        (34, 49, ["Tiểu học", "THCS", "THPT", "Sơ cấp", "Trung cấp", "Cao đẳng", "Đại học trở lên"],
         [0.1, 0.35, 0.35, 0.04, 0.08, 0.03, 0.05]),
        (50, 64, ["Chưa đi học", "Tiểu học", "THCS", "THPT", "Trung cấp", "Đại học trở lên"],
         [0.03, 0.25, 0.4, 0.22, 0.05, 0.05]),
        (65, 200, ["Chưa đi học", "Tiểu học", "THCS", "THPT"], [0.15, 0.45, 0.3, 0.1]),
    ):
        sel = (t >= lo) & (t <= hi)
        trinh_do[sel] = _choice(rng, vals, p, int(sel.sum()))

    # work
    w_lo, w_hi = rules.working_age
    viec_lam = np.full(m, None, dtype=object)
    adult = age >= w_lo
    working = adult & (age <= w_hi)
    viec_lam[working] = np.where(rng.random(int(working.sum())) < (0.5 if urban else 0.3), "Có HĐLĐ", "Tự làm")
    homemaker = working & (rng.random(m) < 0.04) & ~in_template
    viec_lam[homemaker] = "Không tham gia lao động"
    older = adult & (age > w_hi)
    viec_lam[older] = np.where(rng.random(int(older.sum())) < 0.35, "Tự làm", "Không tham gia lao động")
    viec_lam[adult & (in_school | severe)] = "Không tham gia lao động"

    bhyt = np.full(m, YES, dtype=object)
    nutrition = np.full(m, None, dtype=object)
    nutrition[age < rules.nutrition_child_below] = NO

    # structural dependents and the member indicators each household can carry
    dependent = (age < rules.dep_child_below) | (age >= rules.dep_elderly_from) | severe
    size = np.bincount(hidx, minlength=n)
    dep_forced = np.bincount(hidx[dependent], minlength=n) > rules.dep_max_share * size
    a_lo, a_hi = rules.adult_ages
    s_lo, s_hi = rules.school_ages
    realisers = {
        "th_viec_lam": (age >= max(w_lo + 5, 20)) & (age <= min(w_hi - 5, 50)) & ~in_school & ~severe,
        "th_dinh_duong": age < rules.nutrition_child_below - 1,
        "th_bhyt": age >= rules.bhyt_min_age + 1,
        "th_giao_duc_nguoi_lon": (age >= max(a_lo, 18) + 1) & (age <= a_hi - 1),
        "th_di_hoc_tre_em": (age >= s_lo + 1) & (age <= s_hi - 1),
    }
    elig = np.ones((n, len(INDICATORS)), dtype=bool)
    for j, key in enumerate(INDICATORS):
        if key in realisers:
            elig[:, j] = np.bincount(hidx[realisers[key]], minlength=n) > 0
    dep_j = INDICATORS.index("th_nguoi_phu_thuoc")
    elig[:, dep_j] = False

    # design: income side, NLNDN, income basis, deprivation count
    below = rng.random(n) < P_BELOW_LINE
    nlndn = rng.random(n) < (0.06 if urban else 0.3)
    measured = np.where(nlndn, np.where(below, rng.random(n) < 0.5, True), rng.random(n) < (0.2 if urban else 0.05))
    k_target = np.where(below, rng.choice(len(_K_BELOW), size=n, p=_K_BELOW),
                        rng.choice(len(_K_ABOVE), size=n, p=_K_ABOVE))
    k_choose = np.minimum(np.maximum(k_target - dep_forced, 0), elig.sum(axis=1))
    weights = np.array([_WEIGHTS.get(k, 1.0) for k in INDICATORS])
    keys = -np.log(rng.random((n, len(INDICATORS)))) / weights
    keys[~elig] = np.inf
    ranks = np.argsort(np.argsort(keys, axis=1), axis=1)
    design = ranks < k_choose[:, None]
    design[:, dep_j] = dep_forced
    income_rule = np.full(n, None, dtype=object)
    for h, (_kind, _comp, basis, rule, nl, deps, _area) in template.items():
        design[h] = [k in deps for k in INDICATORS]
        nlndn[h] = nl
        measured[h] = basis == MEASURED
        income_rule[h] = rule
        below[h] = rule in ("line", "cut", "below")
    if template and not (design[:, dep_j] == dep_forced).all():
        raise AssertionError("boundary compositions disagree with their designed dependents flag")

    # realise the member indicators: one chosen member per household gets the deprived answer
    for key, mask in realisers.items():
        j = INDICATORS.index(key)
        want = design[hidx, j] & mask
        if not want.any():
            continue
        cand = np.flatnonzero(want)
        order = np.lexsort((rng.random(len(cand)), hidx[cand]))
        cand = cand[order]
        _, first = np.unique(hidx[cand], return_index=True)
        pick = cand[first]
        if key == "th_viec_lam":
            viec_lam[pick] = _choice(rng, list(rules.job_deprived), [1.0] * len(rules.job_deprived), len(pick))
        elif key == "th_dinh_duong":
            nutrition[pick] = YES
        elif key == "th_bhyt":
            bhyt[pick] = NO
        elif key == "th_giao_duc_nguoi_lon":
            in_school[pick] = False
            level[pick] = None
            need = np.array([_required_rank(rules, int(a)) for a in age[pick]])
            low = np.maximum(need - 1 - (rng.random(len(pick)) < 0.3), 0)
            trinh_do[pick] = np.array(rules.level_order, dtype=object)[low]
            viec_lam[pick] = np.where(np.isin(viec_lam[pick], rules.job_deprived), viec_lam[pick], "Tự làm")
        elif key == "th_di_hoc_tre_em":
            in_school[pick] = False
            level[pick] = None

    # household answers
    def hh_choice(key: str, deprived_values: list[str], good_values: list[str], good_p: list[float],
                  bad_p: list[float] | None = None) -> np.ndarray:
        j = INDICATORS.index(key)
        good = _choice(rng, good_values, good_p, n)
        bad = _choice(rng, deprived_values, bad_p or [1.0] * len(deprived_values), n)
        return np.where(design[:, j], bad, good)

    loai_choices = _layout_choices("loai_nha")
    good_housing = [c for c in loai_choices if c not in rules.housing_deprived]
    loai_nha = hh_choice("th_chat_luong_nha", list(rules.housing_deprived), good_housing,
                         [0.6, 0.4] if len(good_housing) == 2 else [1.0] * len(good_housing),
                         [0.7, 0.3] if len(rules.housing_deprived) == 2 else None)
    water = [c for c in _layout_choices("nguon_nuoc") if c not in rules.safe_water]
    safe_p = {"Nước máy": 0.85 if urban else 0.4, "Giếng khoan": 0.05 if urban else 0.3,
              "Giếng đào được bảo vệ": 0.02 if urban else 0.1, "Khe, mó được bảo vệ": 0.0 if urban else 0.03,
              "Nước mưa": 0.03 if urban else 0.1, "Nước đóng bình": 0.05 if urban else 0.07}
    nguon_nuoc = hh_choice("th_nuoc_sinh_hoat", water, list(rules.safe_water),
                           [safe_p.get(v, 0.02) for v in rules.safe_water])
    latrine_bad = [c for c in _layout_choices("nha_tieu") if c not in rules.hygienic_latrine]
    lat_p = {"Tự hoại": 0.6, "Bán tự hoại": 0.25, "Thấm dội nước": 0.08, "Hai ngăn": 0.05,
             "Chìm có ống thông hơi": 0.02}
    nha_tieu = hh_choice("th_nha_tieu", latrine_bad, list(rules.hygienic_latrine),
                         [lat_p.get(v, 0.02) for v in rules.hygienic_latrine])
    internet = np.where(design[:, INDICATORS.index("th_vien_thong")], NO, YES).astype(object)
    devices = np.where(design[:, INDICATORS.index("th_phuong_tien_thong_tin")], NO, YES).astype(object)
    # floor area
    min_area = rules.min_area
    per_good = rng.uniform(min_area + 2, 45 if urban else 60, n)
    per_bad = rng.uniform(max(min_area * 0.35, 1.0), min_area - 1, n)
    area_ok = np.ceil(size * per_good)
    area_bad = np.floor(size * per_bad)
    dien_tich = np.where(design[:, INDICATORS.index("th_dien_tich_nha")], area_bad, area_ok).astype(object)
    for h, spec in template.items():
        if spec[6] == "equal":
            dien_tich[h] = min_area * size[h]
        elif spec[6] == "under":
            dien_tich[h] = min_area * size[h] - 0.5
    dien_tich = np.array([_num(v) for v in dien_tich], dtype=object)

    # income
    line = rules.line[area]
    band = rules.band.get(area)
    cut = rules.b1_cutoff.get(area)
    if b1_only:
        measured[:] = False
    if cut is None:  # a standard without a B1 cut-off: every household gets a measured income
        measured[:] = True
    thu_nhap = np.full(n, np.nan)
    b1 = np.full(n, np.nan)
    low_inc = np.floor(rng.uniform(0.55, 1.0, n) * line / 1000) * 1000
    avg = rng.random(n) < 0.35
    if band is not None:
        steps = max(int((band - line) // 1000), 1)
        mid_inc = line + 1000 * rng.integers(1, steps + 1, n)
        mid_inc = np.minimum(mid_inc, band)
        high_nl = np.ceil(band * rng.uniform(1.05, 3.0, n) / 1000) * 1000
        above_nl = np.where(avg, mid_inc, high_nl)
    else:
        above_nl = np.ceil(line * rng.uniform(1.05, 4.0, n) / 1000) * 1000
    above_other = np.ceil(line * rng.uniform(1.05, 4.0, n) / 1000) * 1000
    inc = np.where(below, low_inc, np.where(nlndn, above_nl, above_other))
    thu_nhap[measured] = inc[measured]
    if cut is not None:
        b1_low = rng.integers(max(int(cut) - 60, 0), int(cut) + 1, n)
        b1_high = rng.integers(int(cut) + 1, int(cut) + 131, n)
        side = np.where(measured, np.where(rng.random(n) < 0.8, below, ~below), below)
        b1_all = np.where(side, b1_low, b1_high).astype(float)
        has_b1 = ~measured | (rng.random(n) < 0.35)
        b1[has_b1] = b1_all[has_b1]
    for h, spec in template.items():
        rule = spec[3]
        thu_nhap[h] = np.nan
        b1[h] = np.nan
        if spec[2] == MEASURED:
            value = {"line": line, "line+1": line + 1, "band": band, "band+1": (band or 0) + 1}[rule]
            thu_nhap[h] = value
        elif cut is not None:
            b1[h] = {"cut": cut, "cut+1": cut + 1, "below": cut - 20}[rule]
    # the NLNDN boundary households and all NLNDN households above the line have a measured income
    # (an average-living-standard test needs one)

    hh = pd.DataFrame({
        "khu_vuc": np.full(n, area, dtype=object), "thu_nhap_bq": thu_nhap, "diem_b1": b1,
        "ho_nlndn": np.where(nlndn, YES, NO).astype(object),
        "loai_nha": loai_nha, "dien_tich_nha": dien_tich, "nguon_nuoc": nguon_nuoc, "nha_tieu": nha_tieu,
        "su_dung_internet": internet, "phuong_tien_thong_tin": devices,
    })
    mm["viec_lam"], mm["khuyet_tat"], mm["suy_dinh_duong"], mm["the_bhyt"] = viec_lam, dis, nutrition, bhyt
    mm["trinh_do"] = trinh_do
    mm["dang_di_hoc"] = np.where(in_school, YES, NO).astype(object)
    mm["cap_hoc"] = level
    truth = deprivations(hh, mm, rules)
    if not (truth.to_numpy() == design).all():
        bad = np.flatnonzero((truth.to_numpy() != design).any(axis=1))
        raise AssertionError(f"generator bug: designed and derived deprivations differ for households {bad[:5]}")
    count = truth.sum(axis=1).to_numpy()
    cls, basis = classify(hh, count, rules)
    expected_below = np.where(~np.isnan(thu_nhap), thu_nhap <= line, b1 <= (cut if cut is not None else -1))
    if not (expected_below == below).all():
        raise AssertionError("generator bug: designed and derived income side differ")

    # names
    ethnic = names.ethnicities(rng, n)
    for h in template:
        ethnic[h] = "Kinh"
    surname = names.surnames(rng, ethnic)
    sp_sur = names.surnames(rng, ethnic)
    is_head, is_spouse = (mm["quan_he"] == HEAD).to_numpy(), (mm["quan_he"] == SPOUSE).to_numpy()
    head_male = comp["head_male"]
    has_spouse = ~np.isnan(comp["spouse_age"])
    family = np.where(head_male | ~has_spouse, surname, sp_sur)  # children take the father's surname
    own = names.surnames(rng, ethnic[hidx])
    m_sur = np.where(is_head, surname[hidx], np.where(is_spouse, sp_sur[hidx], family[hidx]))
    rel = mm["quan_he"].to_numpy()
    m_sur = np.where((rel == PARENT) & male, surname[hidx], np.where((rel == PARENT) & ~male, own, m_sur))
    mm["ho_ten"] = names.full_names(rng, m_sur.astype(object), male)
    m_eth = ethnic[hidx].copy()
    mixed = is_spouse & (rng.random(m) < 0.03)
    m_eth[mixed] = np.where(m_eth[mixed] == "Kinh", "Tày", "Kinh")
    mm["dan_toc"] = m_eth
    mm["gioi_tinh"] = np.where(male, "Nam", "Nữ").astype(object)

    # birth dates as written: mostly full dates, about 3 % the year alone (only where no rule can straddle)
    bset = set(rules.boundary_ages())
    safe_year = ~np.isin(t, list(bset)) & ~np.isin(t - 1, list(bset)) & ~np.isin(t + 1, list(bset)) & (age >= 19)
    year_only = safe_year & (rng.random(m) < 0.045) & ~in_template
    written = pd.DatetimeIndex(births).to_pydatetime().astype(object)
    written[year_only] = birth_year[year_only].astype(str).astype(object)
    mm["ngay_sinh"] = written
    mm["birth_year"] = birth_year
    mm["year_only"] = year_only

    # the rest of the household sheet
    code = unit.code
    width = max(4, len(str(n)))
    ma_ho = np.char.add(f"{code}-", np.char.zfill(np.arange(1, n + 1).astype(str), width)).astype(object)
    mm["ma_ho"] = ma_ho[hidx]
    head_name = mm["ho_ten"].to_numpy()[is_head]
    status = _choice(rng, ["Đang cư trú", "Chuyển đến", "Tách hộ"], [0.97, 0.015, 0.015], n)
    for h in template:
        status[h] = "Đang cư trú"
    prev = _previous_class(rng, cls, n)
    prev[status != "Đang cư trú"] = None
    causes = _layout_choices("nguyen_nhan_ngheo")
    c1 = np.array(causes, dtype=object)[rng.integers(0, len(causes), n)]
    c2 = np.array(causes, dtype=object)[rng.integers(0, len(causes), n)]
    two = (rng.random(n) < 0.4) & (c1 != c2)
    cause = np.where(two, c1 + "; " + c2, c1)
    poorish = np.isin(cls, [POOR, NEAR_POOR])
    cause = cause.astype(object)
    cause[~poorish] = None
    has_b2 = rng.random(n) < 0.5
    b2 = np.where(has_b2, count * rules.b2_points, np.nan)
    elderly_or_severe = np.bincount(hidx[(age >= 80) | severe], minlength=n) > 0
    merit = rng.random(n) < 0.04
    social = rng.random(n) < np.where(elderly_or_severe, 0.3, 0.04)
    ngay = pd.DatetimeIndex(review).to_pydatetime()
    out = pd.DataFrame({
        "ma_ho": ma_ho, "ho_ten_chu_ho": head_name, "ma_xa": np.full(n, code, dtype=object),
        "thon": np.array(village_names, dtype=object)[village], "khu_vuc": hh["khu_vuc"],
        "so_thanh_vien": size, "thu_nhap_bq": thu_nhap, "diem_b1": b1, "diem_b2": b2,
        "loai_nha": loai_nha, "dien_tich_nha": dien_tich, "nguon_nuoc": nguon_nuoc, "nha_tieu": nha_tieu,
        "su_dung_internet": internet, "phuong_tien_thong_tin": devices, "ho_nlndn": hh["ho_nlndn"],
        "nguoi_co_cong": np.where(merit, YES, NO).astype(object),
        "bao_tro_xa_hoi": np.where(social, YES, NO).astype(object),
        "nguyen_nhan_ngheo": cause, "phan_loai_dau_ky": prev, "tinh_trang_ho": status,
        "ngay_ra_soat": np.array(list(ngay), dtype=object), "ra_soat_vien": reviewers[village],
    })
    for key in INDICATORS:
        out[key] = truth[key].to_numpy()
    out["class"] = cls
    out["income_basis"] = basis
    out["deprivation_count"] = count
    out["ethnic"] = ethnic
    out["head_male"] = head_male
    mm = mm[["hh", "ma_ho", "stt", "ho_ten", "ngay_sinh", "gioi_tinh", "quan_he", "dan_toc", "viec_lam",
             "the_bhyt", "suy_dinh_duong", "trinh_do", "dang_di_hoc", "cap_hoc", "khuyet_tat", "age", "male",
             "birth_year", "year_only"]]
    return Commune(unit=unit, area=area, households=out, members=mm.reset_index(drop=True),
                   boundary={h: spec[0] for h, spec in template.items()})


def _required_rank(rules: Rules, age: int) -> int:
    for b in rules.adult_required:
        if b.lo <= age <= b.hi:
            return rules.level_order.index(str(b.value))
    return 0


def _num(v: object) -> int | float:
    f = float(v)  # type: ignore[arg-type]
    return int(f) if f.is_integer() else f


def _previous_class(rng: np.random.Generator, cls: np.ndarray, n: int) -> np.ndarray:
    """The start-of-period class, so that movements look plausible."""
    prev = np.full(n, None, dtype=object)
    opts = ["Nghèo", "Cận nghèo", "Không"]
    for c, p in ((POOR, [0.6, 0.2, 0.2]), (NEAR_POOR, [0.2, 0.5, 0.3]), (AVERAGE, [0.03, 0.07, 0.9]),
                 (NOT_POOR, [0.015, 0.025, 0.96])):
        sel = cls == c
        prev[sel] = _choice(rng, opts, p, int(sel.sum()))
    prev[rng.random(n) < 0.05] = None
    return prev


# ------------------------------------------------------------------------------------------ identity numbers
_SCRAMBLE_A, _SCRAMBLE_C, _SPACE = 738_301, 271_829, 1_000_000


def _share(n_slots: int) -> tuple[int, int]:
    """(numbers per file and bucket, how many of them at the top are kept for added people)."""
    per = _SPACE // max(n_slots, 1)
    return per, min(1024, per // 2)


def id_numbers(members: pd.DataFrame, prefixes: np.ndarray, slot: int, n_slots: int) -> np.ndarray:
    """12-digit personal IDs, unique across every file of the run.

    Digits: ``prefix`` (3) + century/sex digit + 2-digit birth year + 6 digits. Within one (prefix, century/sex,
    year) bucket the six digits are an affine scramble of ``slot * (10**6 // n_slots) + rank``, a bijection of
    0..999999, so two files never produce the same number (whatever the bucket: an ID whose sex or year digits
    are changed by an injection still cannot meet another file's numbers).
    """
    by = members["birth_year"].to_numpy()
    female = ~members["male"].to_numpy()
    d4 = (by // 100 - 19) * 2 + female
    yy = by % 100
    key = pd.DataFrame({"p": prefixes, "d": d4, "y": yy})
    rank = key.groupby(["p", "d", "y"], sort=False).cumcount().to_numpy()
    per, reserve = _share(n_slots)
    if len(rank) and rank.max() >= per - reserve:
        raise ValueError("too many people per birth year in one file for unique identity numbers")
    tail = ((slot * per + rank) * _SCRAMBLE_A + _SCRAMBLE_C) % _SPACE
    number = prefixes.astype(np.int64) * 10**9 + d4 * 10**8 + yy * 10**6 + tail
    return np.char.zfill(number.astype(str), 12).astype(object)


def fresh_id(prefix: str, birth_year: int, male: bool, slot: int, n_slots: int, offset: int) -> str | None:
    """An unused ID for an added person (the ``offset``-th of the file), from the ranks :func:`id_numbers`
    keeps free; None when they are used up."""
    per, reserve = _share(n_slots)
    if offset >= reserve:
        return None
    d4 = (birth_year // 100 - 19) * 2 + (0 if male else 1)
    tail = ((slot * per + per - 1 - offset) * _SCRAMBLE_A + _SCRAMBLE_C) % _SPACE
    return f"{prefix}{d4}{birth_year % 100:02d}{tail:06d}"


def id_prefixes(rng: np.random.Generator, n: int, home: str, known: frozenset[str]) -> np.ndarray:
    """Province-of-birth prefixes: mostly the home province, some elsewhere."""
    pool = np.array(sorted(known), dtype=object)
    out = pool[rng.integers(0, len(pool), n)]
    if home in known:
        out[rng.random(n) < 0.9] = home
    return out


def review_date_default(year: int) -> date:
    return date(year, 10, 1)
