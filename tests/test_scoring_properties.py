"""Invariants of classification on random communes (hypothesis)."""

from __future__ import annotations

from typing import Any

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hgn_review.schemas.layout import INDICATORS
from hgn_review.scoring import classify
from test_scoring_support import DEPRIVING, REVIEW, STD, frames, household, member

NA = None
LINES = STD.thresholds("income_line")
BANDS = STD.thresholds("average_living_upper")
CUTS = STD.thresholds("b1_cutoff")
RANK = {"Nghèo": 2, "Cận nghèo": 1, "Mức sống trung bình": 0, "Không nghèo": 0}
SETTINGS = settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# values near every edge of the standard, and unknowns
incomes = st.sampled_from([NA, 0, *LINES.values(), *(v + 1 for v in LINES.values()), *BANDS.values(),
                           *(v + 1 for v in BANDS.values()), 5_000_000])
scores = st.sampled_from([NA, 0, *CUTS.values(), *(v + 1 for v in CUTS.values()), 400])


@st.composite
def communes(draw: st.DrawFn) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    n = draw(st.integers(1, 10))
    households, members = [], []
    for uid in range(n):
        households.append(household(
            uid, ma_ho=f"H{uid}", ma_xa=draw(st.sampled_from(["10507", "10510"])),
            khu_vuc=draw(st.sampled_from(["Nông thôn", "Thành thị", NA])),
            thu_nhap_bq=draw(incomes), diem_b1=draw(scores), ho_nlndn=draw(st.sampled_from([True, False, NA])),
            loai_nha=draw(st.sampled_from(["Kiên cố", "Đơn sơ", NA])),
            dien_tich_nha=draw(st.sampled_from([NA, 10.0, 16.0, 40.0])),
            nguon_nuoc=draw(st.sampled_from(["Nước máy", "Khác", NA])),
            nha_tieu=draw(st.sampled_from(["Tự hoại", "Không có", NA])),
            su_dung_internet=draw(st.sampled_from([True, False, NA])),
            phuong_tien_thong_tin=draw(st.sampled_from([True, False, NA])),
            phan_loai_dau_ky=draw(st.sampled_from(["Nghèo", "Cận nghèo", "Không", NA])),
            tinh_trang_ho=draw(st.sampled_from(["Đang cư trú", "Đang cư trú", "Chuyển đến", "Chuyển đi"])),
            th_bhyt=draw(st.sampled_from([NA, NA, 0, 1])),
        ))
        for stt in range(1, draw(st.integers(0, 3)) + 1):
            year_only = draw(st.booleans())
            age = draw(st.sampled_from([NA, 2, 3, 5, 6, 15, 16, 17, 18, 30, 31, 59, 60, 75]))
            members.append(member(
                uid, stt, age=age, year=(REVIEW.year - age if year_only and age is not None else None),
                viec_lam=draw(st.sampled_from(["Có HĐLĐ", "Thất nghiệp", "Tự làm", NA])),
                the_bhyt=draw(st.sampled_from([True, False, NA])),
                suy_dinh_duong=draw(st.sampled_from([True, False, NA])),
                trinh_do=draw(st.sampled_from(["Tiểu học", "THCS", "THPT", NA])),
                dang_di_hoc=draw(st.sampled_from([True, False, NA])),
                cap_hoc=draw(st.sampled_from(["Mầm non", "Tiểu học", "THCS", NA])),
                khuyet_tat=draw(st.sampled_from(["Không", "Nặng", NA])),
            ))
    return households, members


def _classes(households: list[dict[str, Any]], members: list[dict[str, Any]]) -> pd.Series:
    hh, mem = frames(households, members)
    return classify(hh, mem, STD).households.set_index("uid")["phan_loai"]


def _view(c) -> tuple[pd.DataFrame, pd.DataFrame, list[tuple]]:
    cols = ["phan_loai", "so_thieu_hut", "so_chua_ro", "duoi_chuan_thu_nhap", "dien_bien", "ly_do", *INDICATORS]
    h = c.households.set_index("uid").sort_index()[cols]
    m = c.members.sort_values(["uid", "stt"])[["uid", "stt", "tuoi", "phan_loai"]].reset_index(drop=True)
    f = sorted((x.code, x.row or 0, x.key or "", x.message()) for x in c.findings)
    return h, m, f


@SETTINGS
@given(communes(), st.randoms(use_true_random=False))
def test_row_order_does_not_change_results(commune, rnd) -> None:
    """Shuffling the household and member rows changes no class, flag, reason, movement or finding."""
    households, members = commune
    hh, mem = frames(households, members)
    before = _view(classify(hh, mem, STD))
    h_order, m_order = list(range(len(hh))), list(range(len(mem)))
    rnd.shuffle(h_order)
    rnd.shuffle(m_order)
    after = _view(classify(hh.iloc[h_order], mem.iloc[m_order], STD))
    pd.testing.assert_frame_equal(before[0], after[0])
    pd.testing.assert_frame_equal(before[1], after[1])
    assert before[2] == after[2]


@SETTINGS
@given(communes(), st.data())
def test_adding_a_deprivation_never_makes_a_poor_household_non_poor(commune, data) -> None:
    """Moving any answer towards deprivation keeps every poor household poor."""
    households, members = commune
    before = _classes(households, members)
    more_h = []
    for h in households:
        _, answers = data.draw(st.sampled_from(DEPRIVING))
        extra = data.draw(st.sampled_from([{}, {"dien_tich_nha": 1.0}, {"th_bhyt": 1}]))
        more_h.append({**h, **answers, **extra})
    more_m = [{**m, **data.draw(st.sampled_from([{}, {"the_bhyt": False}, {"viec_lam": "Thất nghiệp"},
                                                  {"dang_di_hoc": False}, {"suy_dinh_duong": True}]))}
              for m in members]
    after = _classes(more_h, more_m)
    poor = before[before == "Nghèo"].index
    assert (after[poor] == "Nghèo").all()


@SETTINGS
@given(communes(), st.sampled_from([1, 250_000, 1_000_000]), st.sampled_from([1, 20, 100]))
def test_raising_income_never_makes_a_household_poorer(commune, raise_income, raise_b1) -> None:
    """More income (or a higher B1 score) never moves a decided household to a poorer class."""
    households, members = commune
    before = _classes(households, members)
    richer = [{**h, "thu_nhap_bq": None if h["thu_nhap_bq"] is None else h["thu_nhap_bq"] + raise_income,
               "diem_b1": None if h["diem_b1"] is None else h["diem_b1"] + raise_b1} for h in households]
    after = _classes(richer, members)
    decided = before.map(RANK).notna() & after.map(RANK).notna()
    assert (after[decided].map(RANK) <= before[decided].map(RANK)).all()
