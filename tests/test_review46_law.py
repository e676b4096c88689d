"""Review 46 — the twelve indicators and the income test of the 2022–2025 standard, read again from domain.md §2
and vn-2022-2025.yaml, at the households an officer finds hardest: every age limit met on the review day itself
(the member's birthday), 8 m² per person, 50 % dependents, the income and B1 lines of both areas on and one unit
above, exactly 3 deprivations, and the interactions (a pupil of working age, a severely disabled member of working
age, a disabled child, the area of a commune that changed on 1/7/2025, the open parameters taken from a province's
standard file).

Each test writes the smallest commune return (conftest make_return / household / member), classifies it with
``hgn_review.pipeline.classify_paths`` (what `hgn classify` runs) and compares the flags, the class and the reason
(ly_do) with the spec. Thresholds are read from the bundled YAML, never restated.

Tests marked ``# guard (passes)`` hold behaviour found right; the others fail on the code as reviewed and each
docstring starts with DEFECT.
"""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

import hgn_review.scoring
from conftest import household, make_id, make_return, member
from hgn_review.errors import HgnError
from hgn_review.pipeline import classify_paths

STANDARDS = Path(hgn_review.scoring.__file__).parent / "standards"
Y22 = yaml.safe_load((STANDARDS / "vn-2022-2025.yaml").read_text(encoding="utf-8"))
IND = Y22["indicators"]
RURAL, URBAN = "Nông thôn", "Thành thị"
LINE = {a: Y22["income_line"][a]["value"] for a in (RURAL, URBAN)}
BAND = {a: Y22["average_living_upper"][a]["value"] for a in (RURAL, URBAN)}
B1 = {a: Y22["b1_cutoff"][a]["value"] for a in (RURAL, URBAN)}
K = Y22["deprivation"]["cutoff"]["value"]
WORK = IND["th_viec_lam"]["working_age"]["value"]  # {from: 15, to: 59}
ELDER = IND["th_nguoi_phu_thuoc"]["elderly_age_from"]["value"]
DEP_CHILD = IND["th_nguoi_phu_thuoc"]["child_age_below"]["value"]
MAX_SHARE = IND["th_nguoi_phu_thuoc"]["max_share"]["value"]
NUTRITION_BELOW = IND["th_dinh_duong"]["child_age_below"]["value"]
BHYT_FROM = IND["th_bhyt"]["min_age"]["value"]
ADULT = IND["th_giao_duc_nguoi_lon"]["ages"]["value"]  # {from: 16, to: 30}
SCHOOL = IND["th_di_hoc_tre_em"]["ages"]["value"]  # {from: 3, to: 15}
MIN_AREA = IND["th_dien_tich_nha"]["min_area_per_person"]["value"]

NGHEO, CAN, MSTB, KN, UNDECIDED = "Nghèo", "Cận nghèo", "Mức sống trung bình", "Không nghèo", "Chưa đủ thông tin"
REVIEW_DAY, REVIEW_MONTH, REVIEW_YEAR = 15, 9, 2024  # conftest REVIEW_DATE, 15/09/2024
NAM_SACH = "10606"  # Thị trấn Nam Sách (urban) before 1/7/2025, Xã Nam Sách (rural) from it

_SERIAL = itertools.count(460001)


def turns(age: int) -> str:
    """The birth date of a member whose birthday is the review day and who turns ``age`` on it."""
    return f"{REVIEW_DAY:02d}/{REVIEW_MONTH:02d}/{REVIEW_YEAR - age}"


def day_before_turning(age: int) -> str:
    """The birth date of a member who turns ``age`` the day after the review (still ``age - 1``)."""
    return f"{REVIEW_DAY + 1:02d}/{REVIEW_MONTH:02d}/{REVIEW_YEAR - age}"


def person(code: str, stt: int, born: str, **kw: Any) -> dict[str, Any]:
    """A member row with an ID consistent with the birth year (no ID finding gets in the way)."""
    year = int(born[-4:])
    kw.setdefault("quan_he", "Chủ hộ" if stt == 1 else "Con")
    return member(ma_ho=code, stt=stt, ho_ten=f"Người {code} {stt}", ngay_sinh=born,
                  so_dinh_danh=make_id(birth_year=year, female=kw.get("gioi_tinh") == "Nữ",
                                       serial=f"{next(_SERIAL):06d}"), **kw)


class Return:
    """Households and their members, each household's first member its head."""

    def __init__(self) -> None:
        self.households: list[dict[str, Any]] = []
        self.members: list[dict[str, Any]] = []

    def add(self, code: str, people: list[tuple[str, dict[str, Any]]], **kw: Any) -> None:
        self.households.append(household(ma_ho=code, **kw))
        for i, (born, answers) in enumerate(people, 1):
            self.members.append(person(code, i, born, **answers))

    def classify(self, tmp: Path, name: str = "11284_2024.xlsx", **opts: Any) -> tuple[pd.DataFrame, list[Any]]:
        path = make_return(tmp, self.households, self.members, name=name)
        run = classify_paths([path], **opts)
        return run.results.households.set_index("ma_ho"), run.report.sorted()


HEAD = ("12/03/1980", {})
POOR_INCOME = {"thu_nhap_bq": 1_000_000}
ADULT_OK = {"viec_lam": "Tự làm", "trinh_do": "THPT", "dang_di_hoc": "Không", "cap_hoc": None}
PUPIL = {"viec_lam": None, "suy_dinh_duong": "Không", "trinh_do": "Tiểu học", "dang_di_hoc": "Có",
         "cap_hoc": "Tiểu học"}
TWO = {"loai_nha": "Đơn sơ", "nguon_nuoc": "Khác"}  # two household deprivations


def flag(hh: pd.DataFrame, code: str, key: str) -> Any:
    v = hh.at[code, key]
    return None if pd.isna(v) else int(v)


# ------------------------------------------------------------------------------------------ age limits on the day
def test_every_age_limit_is_met_on_the_birthday_that_falls_on_the_review_day(tmp_path: Path) -> None:
    # guard (passes)
    """Completed age on the review date (YAML header: "tuổi tròn … tại ngày rà soát"): a member whose birthday is the
    review day has reached the new age; born one day later, not yet. Each limit of §2.3 on both sides:
    BHYT from 6; school attendance from 3 and up to 15; nutrition under 16; adult education 16–30 with THCS until 17
    and THPT from 18; working age up to 59 (the 60th birthday ends it). The reason names the completed age."""
    r = Return()
    # BHYT: 6 today, deprived; one day short of 6, not
    r.add("BHYT6", [HEAD, (turns(BHYT_FROM), dict(PUPIL, the_bhyt="Không"))], **POOR_INCOME)
    r.add("BHYT5", [HEAD, (day_before_turning(BHYT_FROM), dict(PUPIL, the_bhyt="Không", cap_hoc="Mầm non"))],
          **POOR_INCOME)
    # school attendance: 3 today and not at school, deprived; a day short of 3, not
    baby = dict(PUPIL, dang_di_hoc="Không", cap_hoc=None, trinh_do="Chưa đi học")
    r.add("SCH3", [HEAD, (turns(SCHOOL["from"]), baby)], **POOR_INCOME)
    r.add("SCH2", [HEAD, (day_before_turning(SCHOOL["from"]), baby)], **POOR_INCOME)
    # nutrition: malnourished, 16 today (no longer a child) / 15 until tomorrow
    teen = dict(PUPIL, suy_dinh_duong="Có", trinh_do="THCS", cap_hoc="THPT", viec_lam="Không tham gia lao động")
    r.add("NUT16", [HEAD, (turns(NUTRITION_BELOW), teen)], **POOR_INCOME)
    r.add("NUT15", [HEAD, (day_before_turning(NUTRITION_BELOW), teen)], **POOR_INCOME)
    # adult education: left school after primary, 16 today -> deprived in adult education, not in school attendance
    dropout = dict(viec_lam="Không tham gia lao động", suy_dinh_duong=None, trinh_do="Tiểu học", dang_di_hoc="Không",
                   cap_hoc=None)
    r.add("EDU16", [HEAD, (turns(ADULT["from"]), dropout)], **POOR_INCOME)
    r.add("EDU15", [HEAD, (day_before_turning(ADULT["from"]), dict(dropout, suy_dinh_duong="Không"))], **POOR_INCOME)
    # THCS only: enough until 17, not from 18 (today)
    thcs = dict(ADULT_OK, trinh_do="THCS")
    r.add("LVL18", [HEAD, (turns(18), thcs)], **POOR_INCOME)
    r.add("LVL17", [HEAD, (day_before_turning(18), thcs)], **POOR_INCOME)
    # 31 today: out of the band; 30 until tomorrow: in it
    r.add("EDU31", [HEAD, (turns(ADULT["to"] + 1), thcs)], **POOR_INCOME)
    r.add("EDU30", [HEAD, (day_before_turning(ADULT["to"] + 1), thcs)], **POOR_INCOME)
    # working age ends at the 60th birthday
    jobless = dict(ADULT_OK, viec_lam="Thất nghiệp")
    r.add("WRK60", [HEAD, (turns(WORK["to"] + 1), dict(jobless, quan_he="Bố, mẹ"))], **POOR_INCOME)
    r.add("WRK59", [HEAD, (day_before_turning(WORK["to"] + 1), dict(jobless, quan_he="Bố, mẹ"))], **POOR_INCOME)
    # working age starts at the 15th birthday (a pupil who also works for wages without a contract)
    worker = dict(PUPIL, trinh_do="THCS", cap_hoc="THPT", viec_lam="Làm công không HĐLĐ")
    r.add("WRK15", [HEAD, (turns(WORK["from"]), worker)], **POOR_INCOME)
    r.add("WRK14", [HEAD, (day_before_turning(WORK["from"]), dict(worker, cap_hoc="THCS"))], **POOR_INCOME)
    hh, found = r.classify(tmp_path)
    expect = {"BHYT6": ("th_bhyt", 1), "BHYT5": ("th_bhyt", 0), "SCH3": ("th_di_hoc_tre_em", 1),
              "SCH2": ("th_di_hoc_tre_em", 0), "NUT16": ("th_dinh_duong", 0), "NUT15": ("th_dinh_duong", 1),
              "EDU16": ("th_giao_duc_nguoi_lon", 1), "EDU15": ("th_giao_duc_nguoi_lon", 0),
              "LVL18": ("th_giao_duc_nguoi_lon", 1), "LVL17": ("th_giao_duc_nguoi_lon", 0),
              "EDU31": ("th_giao_duc_nguoi_lon", 0), "EDU30": ("th_giao_duc_nguoi_lon", 1),
              "WRK60": ("th_viec_lam", 0), "WRK59": ("th_viec_lam", 1), "WRK15": ("th_viec_lam", 1),
              "WRK14": ("th_viec_lam", 0)}
    got = {code: (key, flag(hh, code, key)) for code, (key, _) in expect.items()}
    assert got == expect
    # the 15-year-old dropout is deprived in school attendance instead (3 to under 16)
    assert flag(hh, "EDU15", "th_di_hoc_tre_em") == 1 and flag(hh, "EDU16", "th_di_hoc_tre_em") == 0
    assert f"({BHYT_FROM} tuổi) không có thẻ BHYT" in hh.at["BHYT6", "ly_do"]
    assert f"({ADULT['from']} tuổi) chưa tốt nghiệp THCS, không đi học" in hh.at["EDU16", "ly_do"]
    assert "(18 tuổi) chưa tốt nghiệp THPT, không đi học" in hh.at["LVL18", "ly_do"]
    assert f"({WORK['to']} tuổi) thất nghiệp" in hh.at["WRK59", "ly_do"]
    assert f"({WORK['from']} tuổi) làm công không HĐLĐ" in hh.at["WRK15", "ly_do"]
    assert f"({SCHOOL['from']} tuổi) không đi học" in hh.at["SCH3", "ly_do"]
    assert not [f for f in found if f.code == "household-undecided"]


# ------------------------------------------------------------------------------------------ dependents
def test_dependents_share_with_disabled_members_of_working_age_and_disabled_children(tmp_path: Path) -> None:
    # guard (passes)
    """Dependents (§2.3 #2: children under 16, the elderly, members with severe disability) must be *more* than 50 %.
    A wife of working age with "Đặc biệt nặng" disability is a dependent: 1/2 is not more than 50 % (not deprived);
    with a child 2/3 is (66,7 %). A disabled child is one dependent, not two (1/2). A grandmother who turns 60 on the
    review day is elderly: with a child, 2/4 is exactly 50 %, not deprived; with two children 3/5 is."""
    r = Return()
    wife = dict(quan_he="Vợ, chồng", gioi_tinh="Nữ", khuyet_tat="Đặc biệt nặng", viec_lam="Không tham gia lao động")
    kid = dict(PUPIL)
    granny = dict(quan_he="Bố, mẹ", gioi_tinh="Nữ", viec_lam="Không tham gia lao động")
    r.add("DIS2", [HEAD, ("01/01/1985", wife)], **POOR_INCOME)
    r.add("DIS3", [HEAD, ("01/01/1985", wife), ("01/01/2015", kid)], **POOR_INCOME)
    r.add("DISKID", [HEAD, ("01/01/2015", dict(kid, khuyet_tat="Nặng"))], **POOR_INCOME)
    r.add("OLD4", [HEAD, ("01/01/1982", dict(quan_he="Vợ, chồng", gioi_tinh="Nữ")), (turns(ELDER), granny),
                   ("01/01/2015", kid)], **POOR_INCOME)
    r.add("OLD5", [HEAD, ("01/01/1982", dict(quan_he="Vợ, chồng", gioi_tinh="Nữ")), (turns(ELDER), granny),
                   ("01/01/2015", kid), ("01/01/2016", kid)], **POOR_INCOME)
    hh, _ = r.classify(tmp_path)
    got = {c: flag(hh, c, "th_nguoi_phu_thuoc") for c in ("DIS2", "DIS3", "DISKID", "OLD4", "OLD5")}
    assert got == {"DIS2": 0, "DIS3": 1, "DISKID": 0, "OLD4": 0, "OLD5": 1}
    assert f"2/3 người phụ thuộc (66,7 % > {int(MAX_SHARE * 100)} %)" in hh.at["DIS3", "ly_do"]
    assert f"3/5 người phụ thuộc (60 % > {int(MAX_SHARE * 100)} %)" in hh.at["OLD5", "ly_do"]


# ------------------------------------------------------------------------------------------ floor area
def test_floor_area_exactly_8_m2_per_person_and_a_hundredth_under(tmp_path: Path) -> None:
    # guard (passes)
    """§2.3 #8: deprived when the floor area per member is *under* 8 m². Five members in 40 m² have exactly 8: not
    deprived; in 39,99 m² they are, and the reason never rounds the share up to 8 ("7,99 m²/người < 8")."""
    r = Return()
    five = [HEAD] + [("01/01/1990", dict(quan_he="Khác"))] * 4
    r.add("A40", five, **POOR_INCOME, dien_tich_nha=MIN_AREA * 5)
    r.add("A3999", five, **POOR_INCOME, dien_tich_nha=MIN_AREA * 5 - 0.01)
    hh, _ = r.classify(tmp_path)
    assert flag(hh, "A40", "th_dien_tich_nha") == 0
    assert flag(hh, "A3999", "th_dien_tich_nha") == 1
    assert "39,99 m² cho 5 người (7,99 m²/người < 8)" in hh.at["A3999", "ly_do"]


# ------------------------------------------------------------------------------------------ income and count
def test_income_lines_of_both_areas_and_exactly_three_deprivations(tmp_path: Path) -> None:
    # guard (passes)
    """§2.1/§2.2: ≤ line of the household's area; poor with ≥ 3 deprivations ("and"), near-poor with fewer. A rural
    xã at 1.500.000 with exactly 3 is poor, at 1.500.001 not poor (not NLNDN) even with 3; a household of the same
    xã written "Thành thị" is tested on the urban line (overridable per household, with a warning); B1 141 is above
    the rural cut-off, below the urban one."""
    r = Return()
    three = {**TWO, "nha_tieu": "Không có"}
    r.add("ON3", [HEAD], thu_nhap_bq=LINE[RURAL], **three)
    r.add("ON2", [HEAD], thu_nhap_bq=LINE[RURAL], **TWO)
    r.add("P1_3", [HEAD], thu_nhap_bq=LINE[RURAL] + 1, ho_nlndn="Không", **three)
    r.add("P1_FARM", [HEAD], thu_nhap_bq=LINE[RURAL] + 1)
    r.add("URB_ON", [HEAD], thu_nhap_bq=LINE[URBAN], khu_vuc=URBAN)
    r.add("URB_P1", [HEAD], thu_nhap_bq=LINE[URBAN] + 1, khu_vuc=URBAN, ho_nlndn="Không")
    r.add("B1_R", [HEAD], thu_nhap_bq=None, diem_b1=B1[RURAL] + 1, ho_nlndn="Không")
    r.add("B1_U", [HEAD], thu_nhap_bq=None, diem_b1=B1[RURAL] + 1, khu_vuc=URBAN)
    hh, _ = r.classify(tmp_path)
    assert hh["phan_loai"].to_dict() == {"ON3": NGHEO, "ON2": CAN, "P1_3": KN, "P1_FARM": MSTB, "URB_ON": CAN,
                                         "URB_P1": KN, "B1_R": KN, "B1_U": CAN}
    assert f"{K}/12 chỉ số thiếu hụt" in hh.at["ON3", "ly_do"]
    assert "≤ chuẩn 1.500.000 (Nông thôn)" in hh.at["ON3", "ly_do"]
    assert "> chuẩn 1.500.000 (Nông thôn)" in hh.at["P1_3", "ly_do"]
    assert "≤ chuẩn 2.000.000 (Thành thị)" in hh.at["URB_ON", "ly_do"]
    assert f"Điểm B1 {B1[RURAL] + 1} ≤ ngưỡng {B1[URBAN]} (Thành thị)" in hh.at["B1_U", "ly_do"]


def test_a_b1_score_above_the_cut_off_is_never_said_to_equal_it(tmp_path: Path) -> None:
    """DEFECT. B1 is a number (return-format.md: "number ≥ 0"; hgn accepts "175,5"). A rural household with B1
    140,004 is above the cut-off 140 and rightly Không nghèo — but the reason an officer reads says
    "Điểm B1 140 > ngưỡng 140 (Nông thôn)": a score equal to the cut-off said to be above it, which under the rule
    (B1 ≤ cut-off counts as income ≤ line, domain.md §2.4) would make the household poor or near-poor. The officer
    cannot tell from the reason why the household was left off the list. Likewise 139,996 reads "140 ≤ 140".
    Expected: the score as written (or rounded so that it stays on its side of the cut-off).
    Cause: scoring/classify.py:decide formats the compared value with ``fmt_number(pd.Series(value))`` (rounded to
    two decimals) beside a strict comparison made on the unrounded value."""
    r = Return()
    r.add("OVER", [HEAD], thu_nhap_bq=None, diem_b1=B1[RURAL] + 0.004, ho_nlndn="Không")
    hh, _ = r.classify(tmp_path)
    assert hh.at["OVER", "phan_loai"] == KN  # the class is right
    said = hh.at["OVER", "ly_do"]
    assert f"Điểm B1 {B1[RURAL]} > ngưỡng {B1[RURAL]}" not in said, said


# ------------------------------------------------------------------------------------------ open parameters
def test_open_and_practice_parameters_come_from_a_province_standard_file(tmp_path: Path) -> None:
    # guard (passes)
    """domain.md: an "open" rule (working age, who is elderly) and every "practice" number must be configuration,
    never a constant. A province file that extends vn-2022-2025 with working age 15–60, elderly from 62, dependents
    above 40 %, 10 m² per person, nutrition under 12 and BHYT from 13 changes the flags and the reasons accordingly
    (and a 60-year-old's blank employment answer is then asked for)."""
    r = Return()
    r.add("W60", [HEAD, (turns(60), dict(quan_he="Bố, mẹ", viec_lam="Thất nghiệp"))], **POOR_INCOME)
    r.add("W60BLANK", [HEAD, (turns(60), dict(quan_he="Bố, mẹ", viec_lam=None))], **POOR_INCOME, **TWO)
    r.add("ELD61", [HEAD, (turns(61), dict(quan_he="Bố, mẹ", viec_lam="Không tham gia lao động")),
                    ("01/01/2015", PUPIL)], **POOR_INCOME)
    r.add("HALF", [HEAD, ("01/01/2015", PUPIL)], **POOR_INCOME)
    r.add("AREA", [HEAD, ("01/01/1982", dict(quan_he="Vợ, chồng", gioi_tinh="Nữ"))], **POOR_INCOME, dien_tich_nha=19)
    r.add("KID12", [HEAD, (turns(12), dict(PUPIL, suy_dinh_duong="Có", the_bhyt="Không", cap_hoc="THCS"))],
          **POOR_INCOME)
    std = tmp_path / "tinh.yaml"
    std.write_text(
        "id: tinh-thu\ntitle: Chuẩn thử của tỉnh\nscope: national\nextends: vn-2022-2025\nsource: thử\n"
        "status: practice\nindicators:\n"
        "  th_viec_lam:\n    working_age: {value: {from: 15, to: 60}, status: practice, source: thử}\n"
        "  th_nguoi_phu_thuoc:\n    elderly_age_from: {value: 62, status: practice, source: thử}\n"
        "    max_share: {value: 0.4, status: practice, source: thử}\n"
        "  th_dien_tich_nha:\n    min_area_per_person: {value: 10, status: practice, source: thử}\n"
        "  th_dinh_duong:\n    child_age_below: {value: 12, status: practice, source: thử}\n"
        "  th_bhyt:\n    min_age: {value: 13, status: practice, source: thử}\n", encoding="utf-8")
    national, _ = r.classify(tmp_path / "n")
    under_national = [flag(national, c, k) for c, k in (("W60", "th_viec_lam"), ("ELD61", "th_nguoi_phu_thuoc"),
                                                         ("AREA", "th_dien_tich_nha"), ("KID12", "th_dinh_duong"),
                                                         ("KID12", "th_bhyt"), ("HALF", "th_nguoi_phu_thuoc"))]
    assert under_national == [0, 1, 0, 1, 1, 0]
    assert national.at["W60BLANK", "phan_loai"] == CAN
    hh, found = r.classify(tmp_path / "p", standard=str(std))
    assert set(hh["chuan"]) == {"tinh-thu"}
    assert flag(hh, "W60", "th_viec_lam") == 1
    assert "(60 tuổi) thất nghiệp" in hh.at["W60", "ly_do"]
    assert hh.at["W60BLANK", "phan_loai"] == UNDECIDED
    assert any(f.code == "member-answer-needed" and f.key == "viec_lam" for f in found)
    assert flag(hh, "ELD61", "th_nguoi_phu_thuoc") == 0  # 61 is no longer elderly: 1/3
    assert flag(hh, "HALF", "th_nguoi_phu_thuoc") == 1 and "(50 % > 40 %)" in hh.at["HALF", "ly_do"]
    assert flag(hh, "AREA", "th_dien_tich_nha") == 1 and "(9,5 m²/người < 10)" in hh.at["AREA", "ly_do"]
    assert flag(hh, "KID12", "th_dinh_duong") == 0 and flag(hh, "KID12", "th_bhyt") == 0


# ------------------------------------------------------------------------------------------ the 1/7/2025 reform
def test_the_area_of_the_review_date_decides_the_line_the_band_and_the_b1_cut_off(tmp_path: Path) -> None:
    # guard (passes)
    """10606 is Thị trấn Nam Sách (urban) until 30/6/2025 and Xã Nam Sách (rural) from 1/7/2025. Households of one
    return reviewed on 30/6 are tested on the urban line, cut-off and band; those reviewed on 1/7 on the rural ones:
    1.600.000 is near-poor on 30/6, average living (farming) on 1/7; B1 150 near-poor on 30/6, above 140 on 1/7."""
    r = Return()
    for day, tag in (("30/06/2025", "JUN"), ("01/07/2025", "JUL")):
        r.add(f"{tag}_INC", [HEAD], ma_xa=NAM_SACH, ngay_ra_soat=day, thu_nhap_bq=1_600_000)
        r.add(f"{tag}_B1", [HEAD], ma_xa=NAM_SACH, ngay_ra_soat=day, thu_nhap_bq=None, diem_b1=150, ho_nlndn="Không")
    hh, _ = r.classify(tmp_path, name=f"{NAM_SACH}_2025.xlsx")
    assert hh["khu_vuc"].to_dict() == {"JUN_INC": URBAN, "JUN_B1": URBAN, "JUL_INC": RURAL, "JUL_B1": RURAL}
    assert hh["phan_loai"].to_dict() == {"JUN_INC": CAN, "JUN_B1": CAN, "JUL_INC": MSTB, "JUL_B1": KN}
    assert f"thu nhập không quá {BAND[RURAL]:,} (Nông thôn)".replace(",", ".") in hh.at["JUL_INC", "ly_do"]


def test_an_as_of_before_the_reform_does_not_move_a_july_2025_household_to_the_old_area(tmp_path: Path) -> None:
    """DEFECT. A return of Xã Nam Sách (10606, rural from 1/7/2025) whose households were reviewed on 15/07/2025,
    classified with ``--as-of 30/06/2025`` (the date of the unit list to check codes against, README). On that list
    10606 is the old Thị trấn Nam Sách (urban), and hgn takes that area for every household: 1.800.000 (not
    farming) becomes "≤ chuẩn 2.000.000 (Thành thị)", Cận nghèo; B1 150 "≤ ngưỡng 175 (Thành thị)", Cận nghèo —
    while where they live on their review date (a rural xã) both are above the line and Không nghèo (as hgn itself
    finds without --as-of). Not one finding says so. README: "the area (urban/rural) is the commune's on the
    household's own review date"; domain.md §2.1: the line follows where the household lives. The opposite case
    (an --as-of from 1/7/2025 over returns reviewed before it) is refused with a clear message; this one passes
    silently and puts two households on the near-poor list (`hgn classify … --as-of 30/06/2025` prints "Phát hiện:
    0 lỗi, 0 cảnh báo" and Cận nghèo).
    Cause: validate.py:validate_file calls _admin_checks with ``own_dates=as_of is None``, so under --as-of the area
    is the --as-of list's for every household (validate.py:_area_of_own_date is skipped), and
    validate.py:validate_paths refuses only an --as-of after the reform over a review before it."""
    r = Return()
    r.add("JUL_INC", [HEAD], ma_xa=NAM_SACH, ngay_ra_soat="15/07/2025", thu_nhap_bq=1_800_000, ho_nlndn="Không")
    r.add("JUL_B1", [HEAD], ma_xa=NAM_SACH, ngay_ra_soat="15/07/2025", thu_nhap_bq=None, diem_b1=150,
          ho_nlndn="Không")
    plain, _ = r.classify(tmp_path / "plain", name=f"{NAM_SACH}_2025.xlsx")
    assert plain["phan_loai"].to_dict() == {"JUL_INC": KN, "JUL_B1": KN}  # the area of the review date: rural
    try:
        hh, found = r.classify(tmp_path / "asof", name=f"{NAM_SACH}_2025.xlsx", as_of=dt.date(2025, 6, 30))
    except HgnError:  # refused with a message, as the opposite direction is: acceptable
        return
    said = [(f.code, f.row) for f in found if f.severity in ("error", "warning")]
    assert hh["phan_loai"].to_dict() == {"JUL_INC": KN, "JUL_B1": KN} or said, (
        hh[["khu_vuc", "phan_loai", "ly_do"]].to_dict("index"), said)
