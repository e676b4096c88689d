"""Review 38: the classification under the 2022–2025 standard at its legal boundaries and with missing data.

Small returns written cell by cell (conftest.py) go through `hgn classify` as an officer runs it, or through the
Python API (`hgn_review.pipeline.classify_paths`); the households are read from the Parquet bundle or the API's
frame. Tests whose docstring starts "DEFECT." fail on the code as reviewed; those marked "# guard (passes)" hold
behaviour that is right and must stay right.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from conftest import household, make_id, make_return, member, ok, run_hgn

TWO = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác"}  # two household deprivations
THREE = {**TWO, "nha_tieu": "Không có"}

_serial = [200000]


def pid(year: int = 1980, female: bool = False) -> str:
    """A fresh valid 12-digit ID (distinct per call: a repeated ID would block its households)."""
    _serial[0] += 1
    return make_id(birth_year=year, female=female, serial=f"{_serial[0]:06d}")


def head(ma: str, **kw: Any) -> dict[str, Any]:
    year = int(str(kw.get("ngay_sinh", "1980"))[-4:])
    return member(ma_ho=ma, **{"so_dinh_danh": pid(year), **kw})


def wife(ma: str, stt: int = 2) -> dict[str, Any]:
    return member(ma_ho=ma, stt=stt, ho_ten="Trần Thị Hoa", quan_he="Vợ, chồng", gioi_tinh="Nữ",
                  ngay_sinh="01/01/1982", so_dinh_danh=pid(1982, True))


def child(ma: str, stt: int, born: str, **kw: Any) -> dict[str, Any]:
    """A child at primary school with a health-insurance card, not malnourished (overridable)."""
    return member(ma_ho=ma, stt=stt, **{"ho_ten": f"Nguyễn Văn Con{stt}", "quan_he": "Con", "ngay_sinh": born,
                                        "so_dinh_danh": pid(int(born[-4:])), "viec_lam": None,
                                        "suy_dinh_duong": "Không", "trinh_do": "Tiểu học", "dang_di_hoc": "Có",
                                        "cap_hoc": "Tiểu học", **kw})


def classify(tmp_path: Path, households: list[dict[str, Any]], members: list[dict[str, Any]], *args: object,
             **opts: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(households indexed by ma_ho, findings) of `hgn classify` on one return."""
    ret = make_return(tmp_path, households, members, **opts)
    ok(run_hgn("classify", ret, "--out", tmp_path / "kq.xlsx", "--parquet", tmp_path / "pq", *args, cwd=tmp_path))
    hh = pd.read_parquet(tmp_path / "pq" / "households.parquet").set_index("ma_ho")
    return hh, pd.read_parquet(tmp_path / "pq" / "findings.parquet")


# ------------------------------------------------------------------------------------------ defects
def test_four_members_known_by_birth_year_leave_a_certainly_poor_household_undecided(tmp_path: Path) -> None:
    """DEFECT. Household S (income 1,000,000, rural; non-durable house and unsafe water: 2 deprivations) has four
    members written by their birth year alone, on the review date 15/09/2024: the head born 1964 (59 or 60),
    unemployed — at 59 deprived in employment, at 60 a dependent making dependents a majority; a son born 2008
    (15 or 16), out of school with primary education only — at 15 deprived in school attendance, at 16 in adult
    education; a child born 2018 (5 or 6) without a health-insurance card; a child born 2021 (2 or 3) not at
    school. The son alone adds a third deprivation at either age, so the household is Nghèo whatever the days
    of birth (domain.md §2.2). With three such members (drop the youngest) hgn does decide it Nghèo.

    With four, hgn lists it "Chưa đủ thông tin", says it needs to know "có đạt 3 chỉ số không", and asks the
    commune for four full birth dates (member-answer-needed) that cannot change anything. classify.py's contract:
    a household is undecided only when some completion of what is unknown could change its class; README: only
    households that "cannot be decided" are Chưa đủ thông tin. An officer expects Nghèo and no date requests.
    Likely cause: indicators.py:age_scenarios (``limit=3``: households with more than three deciding year-only
    members get no scenarios) as called by classify.py:_by_scenarios, with no fallback (e.g. taking each
    member's worst/best part per indicator) for larger households."""
    ma = "S"
    members = [
        head(ma, ngay_sinh="1964", viec_lam="Thất nghiệp"),
        child(ma, 2, "2008", viec_lam="Không tham gia lao động", dang_di_hoc="Không", cap_hoc=None),
        child(ma, 3, "2018", the_bhyt="Không", cap_hoc="Mầm non"),
        child(ma, 4, "2021", dang_di_hoc="Không", cap_hoc=None, trinh_do="Chưa đi học"),
    ]
    hh, found = classify(tmp_path, [household(ma_ho=ma, **TWO)], members)
    assert hh.at[ma, "phan_loai"] == "Nghèo", hh.at[ma, "ly_do"]
    assert not (found["code"] == "household-undecided").any()
    assert not ((found["code"] == "member-answer-needed") & (found["key"] == "ngay_sinh")).any()


def test_an_income_written_in_thousands_is_not_replaced_by_the_b1_score_in_the_basis_and_reason(
        tmp_path: Path) -> None:
    """DEFECT. Household A (rural, not NLNDN) has a measured income per head written "1500" (in thousands:
    1,500,000) and a B1 score of 120. Validation rightly reports income-implausible and does not classify the
    household ("read either way it would be a guess"). But the results then record the income test as decided
    by the B1 score: "Cơ sở xác định thu nhập" = diem_b1, "Thu nhập dưới chuẩn" = True, and the reason says
    "Điểm B1 120 ≤ ngưỡng 140 (Nông thôn)". domain.md §2.4: a measured income, if given, decides the income test,
    "else the B1 total" — here an income was given; what it says is unknown, so the test is unknown, not passed
    on B1. The same household with an unreadable income ("1.500.000đ") rightly gets no basis and no B1 reason
    (fixed after review 8); an income pasted with an ID (300,000,000) is treated like "1500" and goes wrong too.
    An officer reading the results sees a household said to be under the line by its B1 score.
    Likely cause: classify.py:decide — ``unread`` matches only the blocking code "income-unreadable", not
    "income-implausible" (validate.py:_income_plausible sets the income NA), so ``by_b1`` takes over."""
    hh, _ = classify(tmp_path, [household(ma_ho="A", thu_nhap_bq=1500, diem_b1=120, ho_nlndn="Không"),
                                household(ma_ho="B", thu_nhap_bq="1.500.000đ", diem_b1=120, ho_nlndn="Không")],
                     [head("A"), head("B")])
    assert hh.at["B", "co_so_thu_nhap"] != "diem_b1"  # the unreadable income: right already
    assert hh.at["A", "phan_loai"] == "Chưa đủ thông tin"
    assert hh.at["A", "co_so_thu_nhap"] != "diem_b1"
    assert pd.isna(hh.at["A", "duoi_chuan_thu_nhap"])
    assert "Điểm B1" not in hh.at["A", "ly_do"], hh.at["A", "ly_do"]


def test_an_income_column_headed_per_year_is_not_read_silently_as_per_month(tmp_path: Path) -> None:
    """DEFECT. A commune's return heads its income column "Thu nhập bình quân (đồng/người/năm)" — per head per
    YEAR, as some provincial forms do — and writes 17,000,000 for household A (rural, not NLNDN, 3 members, no
    deprivation): 1,416,667 a month, under the rural line of 1,500,000, so the household is Cận nghèo. hgn
    matches the header to "Thu nhập bình quân (đồng/người/tháng)" (the "(…)" suffix is dropped by the lenient
    match), reads 17,000,000 as a monthly income and classifies the household Không nghèo, with no finding at
    all. return-format.md lets "(…)" unit suffixes not matter for recognising a header, but a suffix naming a
    different unit than the layout's changes what every value means (domain.md §2.1: the line is monthly
    income per member); the README promises "nothing is imputed" and each household's reason. An officer
    expects at least a finding at the header saying its unit is not đồng/người/tháng (or the column not taken),
    never a silent misclassification. Likely cause: text.py:header_key drops every "(…)" before matching
    (schemas/layout.py:ColumnSpec.match_keys), with no check that a stated unit agrees with the layout's."""
    members = [head("A"), wife("A"),
               member(ma_ho="A", stt=3, ho_ten="Lê Thị Mai", quan_he="Bố, mẹ", gioi_tinh="Nữ",
                      ngay_sinh="01/01/1970", so_dinh_danh=pid(1970, True))]
    hh, found = classify(tmp_path, [household(ma_ho="A", thu_nhap_bq=17000000, ho_nlndn="Không")], members,
                         headers={"thu_nhap_bq": "Thu nhập bình quân (đồng/người/năm)"})
    on_income = found[found["key"] == "thu_nhap_bq"] if len(found) else found
    assert hh.at["A", "phan_loai"] != "Không nghèo" or len(on_income) > 0, hh.at["A", "ly_do"]


# ------------------------------------------------------------------------------------------ guards
# guard (passes)
def test_income_lines_are_inclusive_to_the_dong_rural_and_urban(tmp_path: Path) -> None:
    """domain.md §2.1/§2.2: 1,500,000 rural and 2,000,000 urban are still ≤ the line; one đồng more is above.
    Text incomes with thousands separators read as the number they show."""
    rows = {"R-": 1499999, "R0": 1500000, "R+": 1500001, "RT": "1.500.000", "RT+": "1,500,001"}
    hhs = [household(ma_ho=k, thu_nhap_bq=v, ho_nlndn="Không") for k, v in rows.items()]
    (tmp_path / "xa").mkdir()
    (tmp_path / "phuong").mkdir()
    hh, _ = classify(tmp_path / "xa", hhs, [head(h["ma_ho"]) for h in hhs])
    assert hh["phan_loai"].to_dict() == {"R-": "Cận nghèo", "R0": "Cận nghèo", "R+": "Không nghèo",
                                         "RT": "Cận nghèo", "RT+": "Không nghèo"}
    assert "≤ chuẩn 1.500.000 (Nông thôn)" in hh.at["R0", "ly_do"]
    # 10507 Phường Thành Đông: urban from the registry (khu_vuc left blank)
    urban = [household(ma_ho=k, ma_xa="10507", thu_nhap_bq=v, ho_nlndn="Không")
             for k, v in {"U0": 2000000, "U+": 2000001}.items()]
    hh, _ = classify(tmp_path / "phuong", urban, [head(h["ma_ho"]) for h in urban])
    assert hh["phan_loai"].to_dict() == {"U0": "Cận nghèo", "U+": "Không nghèo"}
    assert "≤ chuẩn 2.000.000 (Thành thị)" in hh.at["U0", "ly_do"]


# guard (passes)
def test_b1_cutoff_and_average_living_band_are_inclusive(tmp_path: Path) -> None:
    """B1 ≤ 140 counts as ≤ the line (§2.4); an NLNDN household up to 2,250,000 is Mức sống trung bình, one đồng
    more is Không nghèo (§2.2)."""
    cases = {"B140": dict(thu_nhap_bq=None, diem_b1=140), "B141": dict(thu_nhap_bq=None, diem_b1=141),
             "M0": dict(thu_nhap_bq=2250000, ho_nlndn="Có"), "M+": dict(thu_nhap_bq=2250001, ho_nlndn="Có")}
    hhs = [household(ma_ho=k, **{"ho_nlndn": "Không", **v}) for k, v in cases.items()]
    hh, _ = classify(tmp_path, hhs, [head(k) for k in cases])
    assert hh["phan_loai"].to_dict() == {"B140": "Cận nghèo", "B141": "Không nghèo", "M0": "Mức sống trung bình",
                                         "M+": "Không nghèo"}


# guard (passes)
def test_three_deprivations_make_poor_two_near_poor_and_indicator_boundaries(tmp_path: Path) -> None:
    """Exactly 3 deprivations: Nghèo; 2: Cận nghèo. 24 m² for 3 persons is 8.0 m²/person (not < 8); 23.99 is.
    Dependents 2 of 4 (50 %) are not "more than 50 %"; 3 of 5 are."""
    grandma = {"ho_ten": "Lê Thị Bà", "quan_he": "Bố, mẹ", "gioi_tinh": "Nữ", "ngay_sinh": "01/01/1954",
               "viec_lam": "Không tham gia lao động"}
    hhs = [household(ma_ho="K3", **THREE), household(ma_ho="K2", **TWO),
           household(ma_ho="A24", thu_nhap_bq=1000000, dien_tich_nha=24),
           household(ma_ho="A2399", thu_nhap_bq=1000000, dien_tich_nha=23.99),
           household(ma_ho="D4", thu_nhap_bq=1000000), household(ma_ho="D5", thu_nhap_bq=1000000)]
    members = [head("K3"), head("K2")]
    for ma in ("A24", "A2399"):
        members += [head(ma), wife(ma), child(ma, 3, "01/01/2014")]
    members += [head("D4"), wife("D4"), child("D4", 3, "01/01/2014"), child("D4", 4, "01/01/2015")]
    members += [head("D5"), wife("D5"), child("D5", 3, "01/01/2014"), child("D5", 4, "01/01/2015"),
                member(ma_ho="D5", stt=5, so_dinh_danh=pid(1954, True), **grandma)]
    hh, _ = classify(tmp_path, hhs, members)
    assert hh.at["K3", "phan_loai"] == "Nghèo" and hh.at["K2", "phan_loai"] == "Cận nghèo"
    assert (hh.at["A24", "th_dien_tich_nha"], hh.at["A2399", "th_dien_tich_nha"]) == (0, 1)
    assert "7,99 m²/người < 8" in hh.at["A2399", "ly_do"]
    assert (hh.at["D4", "th_nguoi_phu_thuoc"], hh.at["D5", "th_nguoi_phu_thuoc"]) == (0, 1)
    assert "3/5 người phụ thuộc (60 % > 50 %)" in hh.at["D5", "ly_do"]


# guard (passes)
def test_a_birthday_on_the_review_date_counts_the_new_age(tmp_path: Path) -> None:
    """Review 15/09/2024. A child born 15/09/2018 is 6 that day (no card: BHYT deprived), one born 16/09/2018 is
    5 (not); a son born 15/09/2008 is 16 (out of school with primary education only: adult education, not
    school attendance); a head born 15/09/1964 is 60 (unemployed: not of working age, a dependent)."""
    hhs = [household(ma_ho=k, thu_nhap_bq=1000000) for k in ("BH6", "BH5", "GD16", "E60")]
    members = [head("BH6"), wife("BH6"), child("BH6", 3, "15/09/2018", the_bhyt="Không"),
               head("BH5"), wife("BH5"), child("BH5", 3, "16/09/2018", the_bhyt="Không", cap_hoc="Mầm non"),
               head("GD16"), wife("GD16"),
               child("GD16", 3, "15/09/2008", viec_lam="Tự làm", dang_di_hoc="Không", cap_hoc=None),
               head("E60", ngay_sinh="15/09/1964", viec_lam="Thất nghiệp"), wife("E60"),
               child("E60", 3, "01/01/2014")]
    hh, _ = classify(tmp_path, hhs, members)
    assert (hh.at["BH6", "th_bhyt"], hh.at["BH5", "th_bhyt"]) == (1, 0)
    assert (hh.at["GD16", "th_giao_duc_nguoi_lon"], hh.at["GD16", "th_di_hoc_tre_em"]) == (1, 0)
    assert "(16 tuổi) chưa tốt nghiệp THCS" in hh.at["GD16", "ly_do"]
    assert (hh.at["E60", "th_viec_lam"], hh.at["E60", "th_nguoi_phu_thuoc"]) == (0, 1)


# guard (passes)
def test_a_missing_answer_waits_only_when_it_could_change_the_class(tmp_path: Path) -> None:
    """Internet answer blank: with 3 deprivations already the household is Nghèo; with 2 it is Chưa đủ thông tin
    (the blank one decides); above the line and not NLNDN it is Không nghèo whatever the answer. A blank NLNDN
    answer matters only between the line and the band."""
    hhs = [household(ma_ho="N3", su_dung_internet=None, **THREE), household(ma_ho="N2", su_dung_internet=None, **TWO),
           household(ma_ho="HI", thu_nhap_bq=1600000, ho_nlndn="Không", su_dung_internet=None),
           household(ma_ho="NL", thu_nhap_bq=1600000, ho_nlndn=None),
           household(ma_ho="NL+", thu_nhap_bq=2300000, ho_nlndn=None)]
    hh, found = classify(tmp_path, hhs, [head(h["ma_ho"]) for h in hhs])
    assert hh["phan_loai"].to_dict() == {"N3": "Nghèo", "N2": "Chưa đủ thông tin", "HI": "Không nghèo",
                                         "NL": "Chưa đủ thông tin", "NL+": "Không nghèo"}
    assert "3/12 chỉ số thiếu hụt, 1 chưa rõ" in hh.at["N3", "ly_do"]
    assert "Sử dụng dịch vụ viễn thông" in hh.at["N2", "ly_do"]
    undecided_rows = set(found.loc[found["code"] == "household-undecided", "row"].astype(int))
    assert undecided_rows == {3, 5}


# guard (passes)
def test_movements_since_last_year_with_previous(tmp_path: Path) -> None:
    """Last year's results as --previous: poor → 2 deprivations is "Thoát nghèo sang cận nghèo", near-poor → 3
    deprivations "Cận nghèo thành nghèo", near-poor → NLNDN above the line "Thoát cận nghèo", poor → undecided
    "Chưa rõ phân loại cuối kỳ"."""
    ids = {k: pid() for k in "ABCD"}
    last = {"A": THREE, "B": TWO, "C": TWO, "D": THREE}
    now = {"A": TWO, "B": THREE, "C": {"thu_nhap_bq": 1500001, "ho_nlndn": "Có"},
           "D": {**TWO, "su_dung_internet": None}}
    (tmp_path / "y1").mkdir()
    (tmp_path / "y2").mkdir()
    classify(tmp_path / "y1", [household(ma_ho=k, ngay_ra_soat="15/09/2023", phan_loai_dau_ky=None, **v)
                               for k, v in last.items()], [member(ma_ho=k, so_dinh_danh=ids[k]) for k in last])
    hh, _ = classify(tmp_path / "y2", [household(ma_ho=k, phan_loai_dau_ky=None, **v) for k, v in now.items()],
                     [member(ma_ho=k, so_dinh_danh=ids[k]) for k in now], "--previous", tmp_path / "y1" / "kq.xlsx")
    assert hh["dau_ky"].to_dict() == {"A": "Nghèo", "B": "Cận nghèo", "C": "Cận nghèo", "D": "Nghèo"}
    assert hh["dien_bien"].to_dict() == {"A": "Thoát nghèo sang cận nghèo", "B": "Cận nghèo thành nghèo",
                                         "C": "Thoát cận nghèo", "D": "Chưa rõ phân loại cuối kỳ"}


# guard (passes)
def test_python_api_year_only_birth_decides_when_every_age_gives_one_class(tmp_path: Path) -> None:
    """Through the API: a son known only as born 2008 (15 or 16 on 15/09/2024), out of school with primary
    education, adds school attendance or adult education — one either way — to 2 deprivations: Nghèo, and the
    reason says the age does not matter."""
    from hgn_review.pipeline import classify_paths

    ret = make_return(tmp_path, [household(ma_ho="A", **TWO)],
                      [head("A"), wife("A"),
                       child("A", 3, "2008", viec_lam="Không tham gia lao động", dang_di_hoc="Không", cap_hoc=None)])
    run = classify_paths([ret])
    hh = run.classification.households.set_index("ma_ho")
    assert hh.at["A", "phan_loai"] == "Nghèo"
    assert "như nhau với mọi tuổi có thể" in hh.at["A", "ly_do"]
    assert not any(f.code == "household-undecided" for f in run.classification.findings)
