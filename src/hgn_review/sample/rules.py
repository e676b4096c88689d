"""The sample generator's own, deliberately simple reading of the standard (domain.md §2).

It is independent of ``hgn_review.scoring`` on purpose: the generator designs each household, then computes the
class the household *means* with this reading, so that the scoring engine can be checked against it. Every
number comes from the standard file; nothing legal is a literal here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from hgn_review.schemas.layout import INDICATORS
from hgn_review.scoring.standard import Standard, load_standard

POOR, NEAR_POOR, AVERAGE, NOT_POOR = "Nghèo", "Cận nghèo", "Mức sống trung bình", "Không nghèo"
CLASSES = (POOR, NEAR_POOR, AVERAGE, NOT_POOR)
MEASURED, B1 = "thu_nhap", "diem_b1"


@dataclass(frozen=True)
class Band:
    lo: int
    hi: int  # inclusive; a large number for "no upper limit"
    value: object


@dataclass(frozen=True)
class Rules:
    """The figures the generator needs, read from one standard."""

    standard_id: str
    line: dict[str, float]
    band: dict[str, float | None]
    b1_cutoff: dict[str, float | None]
    k: int
    b2_points: int
    working_age: tuple[int, int]
    job_deprived: tuple[str, ...]
    dep_child_below: int
    dep_elderly_from: int
    dep_disability: tuple[str, ...]
    dep_max_share: float
    nutrition_child_below: int
    bhyt_min_age: int
    adult_ages: tuple[int, int]
    level_order: tuple[str, ...]
    adult_required: tuple[Band, ...]
    school_ages: tuple[int, int]
    school_levels: tuple[Band, ...]
    housing_deprived: tuple[str, ...]
    min_area: float
    safe_water: tuple[str, ...]
    hygienic_latrine: tuple[str, ...]

    @classmethod
    def from_standard(cls, standard: str | Standard = "vn-2022-2025") -> Rules:
        s = load_standard(standard)
        ind = s.indicators

        def span(r: object) -> tuple[int, int]:
            end = getattr(r, "end", None)
            return int(getattr(r, "start", 0)), 999 if end is None else int(end)

        adult = tuple(Band(*span(b.ages), b.min_level) for b in ind["th_giao_duc_nguoi_lon"]["required_level"])
        school = tuple(Band(*span(b.ages), tuple(b.levels)) for b in ind["th_di_hoc_tre_em"]["levels_by_age"])
        return cls(
            standard_id=s.id,
            line={a: float(v) for a, v in s.thresholds("income_line").items() if v is not None},
            band=s.thresholds("average_living_upper"),
            b1_cutoff=s.thresholds("b1_cutoff"),
            k=s.k,
            b2_points=int(s.b2_points.value),
            working_age=span(ind["th_viec_lam"]["working_age"]),
            job_deprived=tuple(ind["th_viec_lam"]["deprived_status"]),
            dep_child_below=int(ind["th_nguoi_phu_thuoc"]["child_age_below"]),
            dep_elderly_from=int(ind["th_nguoi_phu_thuoc"]["elderly_age_from"]),
            dep_disability=tuple(ind["th_nguoi_phu_thuoc"]["disability_levels"]),
            dep_max_share=float(ind["th_nguoi_phu_thuoc"]["max_share"]),
            nutrition_child_below=int(ind["th_dinh_duong"]["child_age_below"]),
            bhyt_min_age=int(ind["th_bhyt"]["min_age"]),
            adult_ages=span(ind["th_giao_duc_nguoi_lon"]["ages"]),
            level_order=tuple(ind["th_giao_duc_nguoi_lon"]["level_order"]),
            adult_required=adult,
            school_ages=span(ind["th_di_hoc_tre_em"]["ages"]),
            school_levels=school,
            housing_deprived=tuple(ind["th_chat_luong_nha"]["deprived_types"]),
            min_area=float(ind["th_dien_tich_nha"]["min_area_per_person"]),
            safe_water=tuple(ind["th_nuoc_sinh_hoat"]["safe_sources"]),
            hygienic_latrine=tuple(ind["th_nha_tieu"]["hygienic_types"]),
        )

    def boundary_ages(self) -> frozenset[int]:
        """Every age t at which some rule changes, read as 'age ≥ t' (so '≤ 30' gives 31)."""
        out = {self.working_age[0], self.working_age[1] + 1, self.dep_child_below, self.dep_elderly_from,
               self.nutrition_child_below, self.bhyt_min_age, self.adult_ages[0], self.adult_ages[1] + 1,
               self.school_ages[0], self.school_ages[1] + 1}
        out |= {b.lo for b in self.adult_required} | {b.hi + 1 for b in self.adult_required}
        out |= {b.lo for b in self.school_levels} | {b.hi + 1 for b in self.school_levels}
        return frozenset(a for a in out if a < 200)

    def level_rank(self, levels: pd.Series | np.ndarray) -> np.ndarray:
        order = {v: i for i, v in enumerate(self.level_order)}
        return np.array([order.get(v, -1) for v in np.asarray(levels, dtype=object)], dtype=np.int64)


def deprivations(hh: pd.DataFrame, mm: pd.DataFrame, rules: Rules) -> pd.DataFrame:
    """The twelve flags (bool) per household, from designed answers.

    ``hh``: one row per household, index 0..H-1, columns loai_nha, dien_tich_nha, nguon_nuoc, nha_tieu,
    su_dung_internet, phuong_tien_thong_tin (Có/Không). ``mm``: members with ``hh`` (household index), ``age``
    (completed years at the household's review date), viec_lam, khuyet_tat, suy_dinh_duong, the_bhyt, trinh_do,
    dang_di_hoc, cap_hoc.
    """
    n = len(hh)
    h = mm["hh"].to_numpy()
    age = mm["age"].to_numpy()

    def any_member(mask: np.ndarray) -> np.ndarray:
        return np.bincount(h[mask], minlength=n) > 0

    out = pd.DataFrame(index=hh.index)
    lo, hi = rules.working_age
    out["th_viec_lam"] = any_member((age >= lo) & (age <= hi) & mm["viec_lam"].isin(rules.job_deprived).to_numpy())
    dependent = ((age < rules.dep_child_below) | (age >= rules.dep_elderly_from)
                 | mm["khuyet_tat"].isin(rules.dep_disability).to_numpy())
    size = np.bincount(h, minlength=n)
    deps = np.bincount(h[dependent], minlength=n)
    out["th_nguoi_phu_thuoc"] = deps > rules.dep_max_share * size
    out["th_dinh_duong"] = any_member((age < rules.nutrition_child_below) & (mm["suy_dinh_duong"] == "Có").to_numpy())
    out["th_bhyt"] = any_member((age >= rules.bhyt_min_age) & (mm["the_bhyt"] == "Không").to_numpy())
    in_school = (mm["dang_di_hoc"] == "Có").to_numpy()
    rank = rules.level_rank(mm["trinh_do"])
    lacking = np.zeros(len(mm), dtype=bool)
    for b in rules.adult_required:
        need = rules.level_order.index(str(b.value))
        lacking |= (age >= b.lo) & (age <= b.hi) & (rank < need)
    a_lo, a_hi = rules.adult_ages
    out["th_giao_duc_nguoi_lon"] = any_member((age >= a_lo) & (age <= a_hi) & ~in_school & lacking)
    fits = np.zeros(len(mm), dtype=bool)
    level = mm["cap_hoc"].to_numpy(dtype=object)
    for b in rules.school_levels:
        fits |= (age >= b.lo) & (age <= b.hi) & np.isin(level, list(b.value))  # type: ignore[call-overload]
    s_lo, s_hi = rules.school_ages
    out["th_di_hoc_tre_em"] = any_member((age >= s_lo) & (age <= s_hi) & ~(in_school & fits))
    out["th_chat_luong_nha"] = hh["loai_nha"].isin(rules.housing_deprived).to_numpy()
    out["th_dien_tich_nha"] = hh["dien_tich_nha"].to_numpy(dtype=float) < rules.min_area * size
    out["th_nuoc_sinh_hoat"] = ~hh["nguon_nuoc"].isin(rules.safe_water).to_numpy()
    out["th_nha_tieu"] = ~hh["nha_tieu"].isin(rules.hygienic_latrine).to_numpy()
    out["th_vien_thong"] = (hh["su_dung_internet"] == "Không").to_numpy()
    out["th_phuong_tien_thong_tin"] = (hh["phuong_tien_thong_tin"] == "Không").to_numpy()
    return out[list(INDICATORS)]


def classify(hh: pd.DataFrame, count: np.ndarray, rules: Rules) -> tuple[np.ndarray, np.ndarray]:
    """(class, income basis) per household.

    ``hh`` columns: khu_vuc, thu_nhap_bq (NaN when not measured), diem_b1, ho_nlndn (Có/Không). Measured income
    decides the income test when present, else the B1 score against the cut-off; both inclusive.
    """
    area = hh["khu_vuc"].to_numpy(dtype=object)
    line = np.array([rules.line[a] for a in area], dtype=float)
    band = np.array([np.nan if rules.band.get(a) is None else rules.band[a] for a in area], dtype=float)
    cut = np.array([np.nan if rules.b1_cutoff.get(a) is None else rules.b1_cutoff[a] for a in area], dtype=float)
    income = hh["thu_nhap_bq"].to_numpy(dtype=float)
    b1 = hh["diem_b1"].to_numpy(dtype=float)
    measured = ~np.isnan(income)
    below = np.where(measured, income <= line, b1 <= cut)
    nlndn = (hh["ho_nlndn"] == "Có").to_numpy()
    average = ~below & nlndn & measured & (income <= band)
    cls = np.where(below, np.where(count >= rules.k, POOR, NEAR_POOR), np.where(average, AVERAGE, NOT_POOR))
    basis = np.where(measured, MEASURED, B1)
    return cls.astype(object), basis.astype(object)
