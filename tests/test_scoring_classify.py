"""Classification: the income test, the deprivation cut-off, the average-living band, unknowns and findings."""

from __future__ import annotations

from functools import cache
from typing import Any

import pandas as pd
import pytest

from hgn_review.errors import UsageError
from hgn_review.schemas.layout import INDICATORS, load_layout
from hgn_review.scoring import AF_OVERALL, classify, load_standard
from test_scoring_support import STD, deprived, frames, household, member

NA = None
K = STD.k
RURAL, URBAN = "Nông thôn", "Thành thị"
LINE = STD.thresholds("income_line")
BAND = STD.thresholds("average_living_upper")
B1 = STD.thresholds("b1_cutoff")


def run(*households: dict[str, Any], members: list[dict[str, Any]] | None = None, **kw: Any):
    """Classify households that each have one default member unless members are given."""
    if members is None:
        members = [member(h["uid"]) for h in households]
    hh, mem = frames(list(households), members)
    return classify(hh, mem, kw.pop("std", STD), **kw)


def one(**values: Any) -> tuple[str, Any]:
    c = run(household(0, **values))
    return c.households.at[0, "phan_loai"], c


def codes(c) -> list[str]:
    return [f.code for f in c.findings]


def test_the_legal_values_used_below() -> None:
    """Lines, band, B1 cut-offs and k as read from the standard file."""
    assert (LINE[RURAL], LINE[URBAN], K) == (1_500_000, 2_000_000, 3)
    assert (BAND[RURAL], BAND[URBAN], B1[RURAL], B1[URBAN]) == (2_250_000, 3_000_000, 140, 175)


# Tables of (household answers, expected class). Each table is classified in one call, case i being household i
# (Excel row i + 3); the tests check one case each.
TABLES: dict[str, list[tuple[dict[str, Any], str]]] = {
    "income": [
        ({"khu_vuc": area, "thu_nhap_bq": LINE[area] + plus, **deprived(count)}, expected)
        for area in (RURAL, URBAN)
        for plus, count, expected in [(0, K, "Nghèo"), (0, K - 1, "Cận nghèo"), (0, 0, "Cận nghèo"),
                                      (1, K, "Không nghèo"), (1, 0, "Không nghèo")]
    ] + [
        # the same income is below the urban line and above the rural one
        ({"khu_vuc": URBAN, "thu_nhap_bq": LINE[RURAL] + 1, **deprived(K)}, "Nghèo"),
        ({"khu_vuc": RURAL, "thu_nhap_bq": LINE[RURAL] + 1, **deprived(K)}, "Không nghèo"),
    ],
    "b1": [
        ({"khu_vuc": area, "diem_b1": B1[area] + plus, **deprived(count)}, expected)
        for area in (RURAL, URBAN)
        for plus, count, expected in [(0, K, "Nghèo"), (0, K - 1, "Cận nghèo"), (1, K, "Không nghèo")]
    ],
    "band": [
        ({"khu_vuc": area, "thu_nhap_bq": value(area), "ho_nlndn": nlndn}, expected)
        for area in (RURAL, URBAN)
        for value, nlndn, expected in [
            (lambda a: BAND[a], True, "Mức sống trung bình"),  # on the band limit
            (lambda a: BAND[a] + 1, True, "Không nghèo"),
            (lambda a: LINE[a] + 1, True, "Mức sống trung bình"),
            (lambda a: BAND[a], False, "Không nghèo"),  # not NLNDN: never average living
            (lambda a: LINE[a], True, "Cận nghèo"),
        ]
    ],
    "unknowns": [
        # unknown indicators that cannot change the class
        ({"thu_nhap_bq": LINE[RURAL], **deprived(K), "su_dung_internet": NA}, "Nghèo"),  # already ≥ k
        ({"thu_nhap_bq": LINE[RURAL] + 1, "loai_nha": NA, "nha_tieu": NA}, "Không nghèo"),  # above the line
        ({"thu_nhap_bq": LINE[RURAL], "loai_nha": NA}, "Cận nghèo"),  # 0 + 1 unknown < k
        ({"thu_nhap_bq": LINE[RURAL], **deprived(K - 2), "loai_nha": NA}, "Cận nghèo"),  # at most k - 1
        # unknown indicators that can
        ({"thu_nhap_bq": LINE[RURAL], **deprived(K - 1), "nha_tieu": NA}, "Chưa đủ thông tin"),
        ({"thu_nhap_bq": LINE[RURAL], **deprived(K - 1), "su_dung_internet": NA}, "Chưa đủ thông tin"),
        ({"diem_b1": B1[RURAL], **deprived(K - 1), "su_dung_internet": NA}, "Chưa đủ thông tin"),
        # unknown income or area
        ({"thu_nhap_bq": NA, "diem_b1": NA}, "Chưa đủ thông tin"),
        ({"khu_vuc": NA, "thu_nhap_bq": LINE[RURAL]}, "Cận nghèo"),  # ≤ both lines
        ({"khu_vuc": NA, "thu_nhap_bq": LINE[URBAN] + 1}, "Không nghèo"),  # above both lines
        ({"khu_vuc": NA, "thu_nhap_bq": LINE[RURAL] + 1}, "Chưa đủ thông tin"),  # between the lines
        ({"khu_vuc": NA, "diem_b1": B1[RURAL] + 1}, "Chưa đủ thông tin"),
        ({"khu_vuc": NA, "diem_b1": B1[URBAN] + 1}, "Không nghèo"),
        # unknown NLNDN matters only where the band could apply
        ({"thu_nhap_bq": BAND[RURAL], "ho_nlndn": NA}, "Chưa đủ thông tin"),
        ({"thu_nhap_bq": BAND[RURAL] + 1, "ho_nlndn": NA}, "Không nghèo"),
        ({"thu_nhap_bq": LINE[RURAL], "ho_nlndn": NA}, "Cận nghèo"),
        ({"khu_vuc": NA, "thu_nhap_bq": BAND[URBAN] + 1, "ho_nlndn": True}, "Không nghèo"),
        ({"khu_vuc": NA, "thu_nhap_bq": BAND[RURAL] + 1, "ho_nlndn": True}, "Chưa đủ thông tin"),
    ],
}


@cache
def classified(table: str):
    return run(*[household(i, **values) for i, (values, _) in enumerate(TABLES[table])])


def case(table: str, i: int) -> tuple[pd.Series, list[str]]:
    """(household row, finding codes located on its Excel row) of case i of a table."""
    c = classified(table)
    return c.households.loc[i], [f.code for f in c.findings if f.row == i + 3]


def _cases(table: str) -> list[Any]:
    return [pytest.param(i, expected, id=f"{i}-{expected}") for i, (_, expected) in enumerate(TABLES[table])]


@pytest.mark.parametrize(("i", "expected"), _cases("income"))
def test_income_on_the_line_and_one_dong_above(i: int, expected: str) -> None:
    """Income ≤ line is below it (inclusive); one đồng more is above. Poor needs ≥ k deprivations."""
    h, found = case("income", i)
    values = TABLES["income"][i][0]
    assert h["phan_loai"] == expected, values
    assert h["co_so_thu_nhap"] == "thu_nhap"
    assert bool(h["duoi_chuan_thu_nhap"]) is (values["thu_nhap_bq"] <= LINE[values["khu_vuc"]])
    assert h["so_chua_ro"] == 0
    assert h["chuan"] == STD.id
    assert found == []


@pytest.mark.parametrize(("i", "expected"), _cases("b1"))
def test_b1_on_the_cutoff_and_one_point_above(i: int, expected: str) -> None:
    """Without a measured income, B1 ≤ cut-off stands for income ≤ line."""
    h, _ = case("b1", i)
    assert h["phan_loai"] == expected
    assert h["co_so_thu_nhap"] == "diem_b1"


def test_measured_income_takes_precedence_over_b1() -> None:
    """A measured income decides even when B1 says otherwise."""
    cls, c = one(thu_nhap_bq=LINE[RURAL] + 1, diem_b1=0, **deprived(K))
    assert cls == "Không nghèo"
    assert c.households.at[0, "co_so_thu_nhap"] == "thu_nhap"


@pytest.mark.parametrize(("i", "expected"), _cases("band"))
def test_average_living_band_for_nlndn_households(i: int, expected: str) -> None:
    """NLNDN above the line and up to the band (inclusive) is average living; others are not poor."""
    h, found = case("band", i)
    assert h["phan_loai"] == expected, TABLES["band"][i][0]
    assert found == []


def test_nlndn_above_the_line_by_b1_needs_a_measured_income() -> None:
    """Above the line by B1 only: Không nghèo with an info finding, never placed in the band from B1."""
    c = run(household(0, diem_b1=B1[RURAL] + 1, ho_nlndn=True), household(1, diem_b1=B1[RURAL] + 1, ho_nlndn=False))
    assert c.households["phan_loai"].tolist() == ["Không nghèo", "Không nghèo"]
    assert [(f.code, f.row, f.severity) for f in c.findings] == [("average-living-needs-income", 3, "info")]


@pytest.mark.parametrize(("i", "expected"), _cases("unknowns"))
def test_unknowns_that_do_and_do_not_matter(i: int, expected: str) -> None:
    """A household is decided only when no completion of its unknowns could change the class."""
    h, found = case("unknowns", i)
    assert h["phan_loai"] == expected, TABLES["unknowns"][i][0]
    assert found == (["household-undecided"] if expected == "Chưa đủ thông tin" else [])


def test_undecided_finding_says_what_is_missing() -> None:
    """The finding names the unknown indicators and the location of the household row."""
    cls, c = one(thu_nhap_bq=LINE[RURAL], **deprived(K - 1), nha_tieu=NA, su_dung_internet=NA, khu_vuc=RURAL)
    f = next(f for f in c.findings if f.code == "household-undecided")
    assert (f.file, f.sheet, f.row) == ("xa-10507.xlsx", "Hộ gia đình", 3)
    assert "chưa rõ 2 chỉ số (Nhà tiêu hợp vệ sinh, Sử dụng dịch vụ viễn thông), đã thiếu hụt 2" in f.message()
    assert "Chưa đủ thông tin:" in c.households.at[0, "ly_do"]

    _, c = one(thu_nhap_bq=NA, diem_b1=NA)
    assert "thiếu thu nhập bình quân và điểm B1" in c.findings[0].message()
    _, c = one(khu_vuc=NA, thu_nhap_bq=LINE[RURAL] + 1)
    assert "thiếu khu vực" in c.findings[0].message()
    _, c = one(thu_nhap_bq=BAND[RURAL], ho_nlndn=NA)
    assert "nông, lâm, ngư, diêm nghiệp" in c.findings[0].message()


def test_blocked_household_is_not_classified() -> None:
    """loi_chan: Chưa đủ thông tin and an error saying why in words, even when everything else is known. The codes
    stay in the results' loi_chan column, not in the finding's "Giá trị", which an officer reads."""
    cls, c = one(thu_nhap_bq=LINE[RURAL], **deprived(K), loi_chan="household-no-head;member-orphan")
    assert cls == "Chưa đủ thông tin"
    assert codes(c) == ["household-not-classified"]
    assert "hộ không có chủ hộ; member-orphan" in c.findings[0].message()
    assert "no head of household" in c.findings[0].message("en")
    assert c.findings[0].value is None
    assert c.households.at[0, "loi_chan"] == "household-no-head;member-orphan"
    assert c.findings[0].severity == "error"
    assert c.households.at[0, "ly_do"].startswith("Không phân loại do lỗi dữ liệu")


def test_recorded_flags_win_and_disagreements_are_findings() -> None:
    """A recorded flag that disagrees with the derived one is reported with the layout's header text."""
    c = run(household(0, thu_nhap_bq=LINE[RURAL], **deprived(K - 1), nha_tieu="Không có", th_bhyt=1, th_nha_tieu=0))
    h = c.households.loc[0]
    mismatches = [f for f in c.findings if f.code == "indicator-mismatch"]
    header = load_layout("hgn").sheets["households"].by_key["th_nha_tieu"].header
    assert [(f.key, f.column, f.value, f.param("detail")) for f in mismatches] == [
        ("th_bhyt", load_layout("hgn").sheets["households"].by_key["th_bhyt"].header, "1", "0"),
        ("th_nha_tieu", header, "0", "1")]
    assert mismatches[0].row == 3 and mismatches[0].sheet == "Hộ gia đình"
    assert (h["th_bhyt"], h["th_nha_tieu"], h["so_thieu_hut"], h["phan_loai"]) == (1, 0, K, "Nghèo")
    assert "BHYT: theo số liệu ghi" in h["ly_do"]


def test_prefer_derived_reverses_the_winner() -> None:
    """prefer='derived' keeps the derived flag; the mismatch is still reported."""
    c = run(household(0, thu_nhap_bq=LINE[RURAL], **deprived(K - 1), th_bhyt=1), prefer="derived")
    assert c.households.at[0, "th_bhyt"] == 0
    assert c.households.at[0, "phan_loai"] == "Cận nghèo"
    assert codes(c) == ["indicator-mismatch"]


def test_a_flag_known_on_one_side_only_is_used() -> None:
    """A recorded flag fills a derived NA (and the other way round) without a finding."""
    c = run(household(0, thu_nhap_bq=LINE[RURAL], **deprived(K - 1), nha_tieu=NA, th_nha_tieu=1),
            prefer="derived")
    assert c.households.at[0, "th_nha_tieu"] == 1
    assert c.households.at[0, "phan_loai"] == "Nghèo"
    assert codes(c) == []


def test_prefer_must_be_known() -> None:
    """A wrong prefer value is a usage error."""
    with pytest.raises(UsageError):
        run(household(0), prefer="ghi")


def _app(uid: int, flags: list[int | None], **values: Any) -> dict[str, Any]:
    rec = dict(zip(INDICATORS, flags, strict=True))
    base = {"layout": "app", "sheet": "Sheet1", "loai_nha": NA, "dien_tich_nha": NA, "nguon_nuoc": NA, "nha_tieu": NA,
            "su_dung_internet": NA, "phuong_tien_thong_tin": NA, "ho_nlndn": False}
    return household(uid, **{**base, **rec, **values})


def test_app_layout_uses_recorded_flags_and_checks_b2_and_class() -> None:
    """Layout app: flags as recorded, B2 = points × count and the recorded class are checked."""
    three = [1, 1, 1] + [0] * 9
    c = run(_app(0, three, diem_b1=B1[RURAL], diem_b2=30, phan_loai_ghi="Nghèo"),
            _app(1, three, diem_b1=B1[RURAL], diem_b2=20, phan_loai_ghi="Cận nghèo"),
            _app(2, [0] * 12, diem_b1=B1[RURAL] + 1, diem_b2=0, phan_loai_ghi="Mức sống trung bình", ho_nlndn=True),
            _app(3, [1] + [None] * 11, diem_b1=B1[RURAL], diem_b2=10, phan_loai_ghi="Cận nghèo"),
            members=[])
    h = c.households.set_index("uid")
    assert h["phan_loai"].tolist() == ["Nghèo", "Nghèo", "Không nghèo", "Chưa đủ thông tin"]
    got = [(f.code, f.row, f.column, f.value) for f in c.findings if f.code in ("b2-count-mismatch", "class-mismatch")]
    assert got == [("b2-count-mismatch", 4, "b2Point", "20"), ("class-mismatch", 4, "classify", "Cận nghèo")]
    class_finding = next(f for f in c.findings if f.code == "class-mismatch")
    assert class_finding.param("detail") == "Nghèo"
    assert "indicator-mismatch" not in codes(c)


def test_summary_counts_households_and_persons_per_commune() -> None:
    """Per commune: households and persons per class and rates; moved-away households counted apart."""
    households = [
        household(0, thu_nhap_bq=LINE[RURAL], **deprived(K)),
        household(1, thu_nhap_bq=LINE[RURAL]),
        household(2, thu_nhap_bq=LINE[RURAL] + 1),
        household(3, thu_nhap_bq=LINE[RURAL] + 1, tinh_trang_ho="Chuyển đi", phan_loai_dau_ky="Nghèo"),
        household(4, ma_xa="10510", thu_nhap_bq=BAND[RURAL], ho_nlndn=True),
    ]
    members = [member(0, 1), member(0, 2), member(1), member(2), member(3), member(4)]
    c = run(*households, members=members)
    s = c.summary.set_index("ma_xa")
    assert s.loc["10507", ["so_ho", "so_nhan_khau", "ho_ngheo", "nhan_khau_ngheo", "ho_can_ngheo", "ho_khong_ngheo",
                           "ho_roi_di"]].tolist() == [3, 4, 1, 2, 1, 1, 1]
    assert s.at["10507", "ty_le_ho_ngheo"] == pytest.approx(100 / 3)
    assert s.at["10507", "ty_le_nhan_khau_ngheo"] == pytest.approx(50)
    assert s.loc["10510", ["so_ho", "ho_mstb"]].tolist() == [1, 1]
    assert c.households.set_index("uid").at[3, "dien_bien"] == "Giảm khác"


def test_local_standard_gives_a_second_class() -> None:
    """Under the Bắc Ninh example a measured income between the lines is poor locally, not nationally."""
    local = load_standard("example-bac-ninh")
    income = LINE[RURAL] + 1
    assert income <= local.thresholds("income_line")[RURAL]
    c = run(household(0, thu_nhap_bq=income, **deprived(K)), household(1, diem_b1=B1[RURAL], **deprived(K)),
            local=local)
    h = c.households.set_index("uid")
    assert h.at[0, "phan_loai"] == "Không nghèo" and h.at[0, "phan_loai_dia_phuong"] == "Nghèo"
    # the local example has no B1 cut-off: a household known only by B1 is undecided locally, and said so
    assert h.at[1, "phan_loai"] == "Nghèo" and h.at[1, "phan_loai_dia_phuong"] == "Chưa đủ thông tin"
    f = [f for f in c.findings if f.code == "household-undecided"]
    assert len(f) == 1 and f[0].key == "phan_loai_dia_phuong" and "example-bac-ninh" in f[0].message()
    assert c.summary.at[0, "ho_ngheo_dia_phuong"] == 1


def test_2027_standard_classifies_by_income_and_leaves_b1_undecided() -> None:
    """Under NĐ 351/2025 the new lines apply; B1 has no cut-off yet, so B1-only households are undecided."""
    new = load_standard("vn-2027-2030")
    line = new.thresholds("income_line")[RURAL]
    c = run(household(0, thu_nhap_bq=line, **deprived(K)), household(1, thu_nhap_bq=line + 1),
            household(2, diem_b1=B1[RURAL]), std=new)
    assert c.households["phan_loai"].tolist() == ["Nghèo", "Không nghèo", "Chưa đủ thông tin"]
    assert "chưa có ngưỡng điểm B1" in next(f for f in c.findings if f.code == "household-undecided").message()
    assert (c.households["chuan"] == "vn-2027-2030").all()


def test_members_get_age_commune_village_class_and_movement() -> None:
    """Members carry tuoi (NA when only the year is known) and their household's unit, class and movement."""
    c = run(household(0, thu_nhap_bq=LINE[RURAL], **deprived(K), phan_loai_dau_ky="Nghèo", thon="Thôn 2"),
            members=[member(0, 1, age=40), member(0, 2, year=2010)])
    m = c.members
    assert m["tuoi"].tolist()[0] == 40 and pd.isna(m["tuoi"].tolist()[1])
    assert str(m["tuoi"].dtype) == "Int64"
    assert set(m["ma_xa"]) == {"10507"} and set(m["thon"]) == {"Thôn 2"}
    assert set(m["phan_loai"]) == {"Nghèo"} and set(m["dien_bien"]) == {"Tiếp tục nghèo"}


def test_output_columns_follow_the_contract() -> None:
    """Every added column exists with the contract's dtype; input columns and row order are kept."""
    c = run(household(5, thu_nhap_bq=LINE[RURAL]), household(2, thu_nhap_bq=LINE[RURAL] + 1))
    h = c.households
    assert h["uid"].tolist() == [5, 2]
    dtypes = {k: str(h[k].dtype) for k in ("so_thieu_hut", "so_chua_ro", "duoi_chuan_thu_nhap",
                                           *INDICATORS[:1])}
    assert dtypes == {"so_thieu_hut": "Int64", "so_chua_ro": "Int64", "duoi_chuan_thu_nhap": "boolean",
                      "th_viec_lam": "Int8"}
    for key in ("co_so_thu_nhap", "phan_loai", "phan_loai_dia_phuong", "dien_bien", "ly_do", "chuan"):
        assert key in h.columns
    assert h["ly_do"].tolist()[0].startswith("Thu nhập bình quân 1.500.000 đồng/người/tháng ≤ chuẩn 1.500.000")


def test_af_figures_per_commune_and_overall() -> None:
    """Alkire–Foster with the standard's k and weights; unknown rows are excluded and counted."""
    c = run(household(0, thu_nhap_bq=LINE[RURAL], **deprived(K)), household(1, thu_nhap_bq=LINE[RURAL]),
            household(2, ma_xa="10510", loai_nha=NA))
    overall = c.af[AF_OVERALL]
    assert (overall.n, overall.n_excluded) == (2, 1)
    assert pytest.approx(0.5) == overall.H
    assert pytest.approx(K / len(INDICATORS)) == overall.A
    assert set(c.af) == {AF_OVERALL, "10507", "10510"}
    assert c.af["10510"].n == 0


def test_registry_areas_fill_a_missing_area() -> None:
    """A missing khu_vuc is taken from the registry mapping for the commune."""
    c = run(household(0, khu_vuc=NA, thu_nhap_bq=LINE[RURAL] + 1), registry_areas={"10507": URBAN})
    h = c.households.loc[0]
    assert (h["khu_vuc"], h["khu_vuc_nguon"], h["phan_loai"]) == (URBAN, "danh_muc", "Cận nghèo")
