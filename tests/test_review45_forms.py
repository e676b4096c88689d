"""Review 45 — the fifteen forms and the population-database list agree with each other and with the results.

Two rounds are built: a district round (`hgn sample`, three communes of district 288 with injected errors) and a
province round (two sample communes of district 288 plus two hand-built returns of district 300 whose households
include poor households with an unknown indicator, undecided households that were poor or near-poor at the start,
a household that moved away and a child with a blank insurance answer). Each is run with `hgn run`; the province's
merged results are also reported for district 300 alone (`hgn report --unit 300`). The forms are read with
openpyxl and checked as an inspector would: totals are sums of unit rows (or blank when a unit's figure is blank),
forms that report the same count agree, counts equal what ket_qua/ says household by household, movement tables
balance, and the list holds one row per member of each poor and near-poor household.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import household, make_id, make_return, member, ok, read_csv, run_hgn

POOR, NEAR, UNDECIDED = "Nghèo", "Cận nghèo", "Chưa đủ thông tin"
GONE = ("Chuyển đi", "Giải thể")
IND = ["th_viec_lam", "th_nguoi_phu_thuoc", "th_dinh_duong", "th_bhyt", "th_giao_duc_nguoi_lon",
       "th_di_hoc_tre_em", "th_chat_luong_nha", "th_dien_tich_nha", "th_nuoc_sinh_hoat", "th_nha_tieu",
       "th_vien_thong", "th_phuong_tien_thong_tin"]


# ------------------------------------------------------------------------------------------ reading the forms
class Form:
    """A form's unit rows and total row, each as {column number (the key row's "1", "2" …): value}."""

    def __init__(self, path: Path) -> None:
        rows = list(openpyxl.load_workbook(path, data_only=True).worksheets[0].iter_rows(values_only=True))
        key = next(i for i, r in enumerate(rows) if r[0] == "A" and r[1] == "B")
        self.cols: dict[int, int] = {}
        for j, v in enumerate(rows[key]):
            m = re.match(r"\s*(\d+)", str(v or ""))
            if m and j >= 2:
                self.cols[int(m.group(1))] = j
        self.units: dict[str, dict[int, Any]] = {}
        self.total: dict[int, Any] | None = None
        for r in rows[key + 1:]:
            if r[1] == "Tổng cộng":
                self.total = {c: r[j] for c, j in self.cols.items()}
            elif isinstance(r[0], int) and isinstance(r[1], str):
                self.units[r[1]] = {c: r[j] for c, j in self.cols.items()}
        self.lines = rows

    def filled(self) -> dict[str, dict[int, Any]]:
        """Unit rows that hold any figure."""
        return {u: v for u, v in self.units.items() if any(x is not None for x in v.values())}


def forms(bao_cao: Path) -> dict[int, Form]:
    return {n: Form(bao_cao / f"bieu_{n:02d}.xlsx") for n in range(1, 14)}


def list_form(path: Path) -> tuple[list[tuple[Any, ...]], tuple[int, int]]:
    """Form 14/15: (member rows, (households, persons) of its "Tổng cộng" line)."""
    rows = list(openpyxl.load_workbook(path, data_only=True).worksheets[0].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(rows) if r[0] == "1" and r[1] == "2")
    members, total = [], (-1, -1)
    for r in rows[start + 1:]:
        if isinstance(r[0], str) and r[0].startswith("Tổng cộng"):
            m = re.search(r"(\d+) hộ, (\d+) nhân khẩu", r[0])
            assert m, r[0]
            total = (int(m.group(1)), int(m.group(2)))
            break
        if isinstance(r[2], int):
            members.append(r)
    return members, total


# ------------------------------------------------------------------------------------------ the rounds
def _hand_built(folder: Path) -> None:
    """Two returns of district 300 (Thanh Miện), rural: line 1,500,000."""
    serial = iter(range(100000, 999999, 7919))

    def mem(code: str, stt: int, name: str, born: int, female: bool, rel: str, **kw: Any) -> dict[str, Any]:
        d = member(ma_ho=code, stt=stt, ho_ten=name, ngay_sinh=f"01/06/{born}", gioi_tinh="Nữ" if female else "Nam",
                   quan_he=rel, so_dinh_danh=make_id(birth_year=born, female=female, serial=f"{next(serial):06d}"))
        age = 2024 - born
        if age < 16:
            d.update(viec_lam=None, suy_dinh_duong="Không", trinh_do="Tiểu học", dang_di_hoc="Có",
                     cap_hoc="Tiểu học" if age < 11 else "THCS")
        return {**d, **kw}

    deprived = {"loai_nha": "Đơn sơ", "nha_tieu": "Không có", "nguon_nuoc": "Khác"}
    hh = [
        # poor, 3 known deprivations, start poor
        household(ma_ho="11284-0001", ho_ten_chu_ho="Lê Văn Một", thu_nhap_bq=1000000, phan_loai_dau_ky="Nghèo",
                  nguyen_nhan_ngheo="Thiếu vốn", **deprived),
        # poor, house area not written (its indicator unknown), start near-poor
        household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Hai", thu_nhap_bq=900000, dien_tich_nha=None,
                  phan_loai_dau_ky="Cận nghèo", **deprived),
        # near-poor: one deprivation
        household(ma_ho="11284-0003", ho_ten_chu_ho="Lê Văn Ba", thu_nhap_bq=1200000, loai_nha="Đơn sơ",
                  phan_loai_dau_ky="Cận nghèo"),
        # undecided: neither income nor B1 written; start poor
        household(ma_ho="11284-0004", ho_ten_chu_ho="Lê Văn Bốn", thu_nhap_bq=None, diem_b1=None,
                  phan_loai_dau_ky="Nghèo", **deprived),
        # undecided: two known deprivations, a working-age member's employment blank; start near-poor
        household(ma_ho="11284-0005", ho_ten_chu_ho="Lê Văn Năm", thu_nhap_bq=1100000, nha_tieu="Không có",
                  nguon_nuoc="Khác", phan_loai_dau_ky="Cận nghèo"),
        # not poor
        household(ma_ho="11284-0006", ho_ten_chu_ho="Lê Văn Sáu", thu_nhap_bq=3000000, ho_nlndn="Không"),
        # average living (NLNDN, income between the line and 2,250,000)
        household(ma_ho="11284-0007", ho_ten_chu_ho="Lê Văn Bảy", thu_nhap_bq=2000000, ho_nlndn="Có"),
        # poor with a child whose insurance answer is blank
        household(ma_ho="11284-0008", ho_ten_chu_ho="Lê Thị Tám", thu_nhap_bq=800000, phan_loai_dau_ky="Nghèo",
                  **deprived),
    ]
    mm = [
        mem("11284-0001", 1, "Lê Văn Một", 1980, False, "Chủ hộ"),
        mem("11284-0001", 2, "Trần Thị Một", 1982, True, "Vợ, chồng"),
        mem("11284-0001", 3, "Lê Văn Con", 2015, False, "Con"),
        mem("11284-0002", 1, "Lê Văn Hai", 1975, False, "Chủ hộ"),
        mem("11284-0002", 2, "Phạm Thị Hai", 1978, True, "Vợ, chồng"),
        mem("11284-0003", 1, "Lê Văn Ba", 1960, False, "Chủ hộ"),
        mem("11284-0003", 2, "Đỗ Thị Ba", 1962, True, "Vợ, chồng"),
        mem("11284-0004", 1, "Lê Văn Bốn", 1970, False, "Chủ hộ"),
        mem("11284-0005", 1, "Lê Văn Năm", 1985, False, "Chủ hộ", viec_lam=None),
        mem("11284-0005", 2, "Vũ Thị Năm", 1987, True, "Vợ, chồng"),
        mem("11284-0006", 1, "Lê Văn Sáu", 1979, False, "Chủ hộ"),
        mem("11284-0007", 1, "Lê Văn Bảy", 1977, False, "Chủ hộ"),
        mem("11284-0007", 2, "Hà Thị Bảy", 1979, True, "Vợ, chồng"),
        mem("11284-0008", 1, "Lê Thị Tám", 1983, True, "Chủ hộ"),
        mem("11284-0008", 2, "Lê Văn Bé", 2016, False, "Con", the_bhyt=None),
        mem("11284-0008", 3, "Lê Thị Út", 2012, True, "Con"),
    ]
    make_return(folder, hh, mm, name="11284_2024.xlsx")
    hh2 = [
        household(ma_ho="11287-0001", ma_xa="11287", ho_ten_chu_ho="Ngô Văn Một", thu_nhap_bq=1300000,
                  phan_loai_dau_ky="Nghèo", loai_nha="Thiếu kiên cố", thon="Thôn Bắc"),
        household(ma_ho="11287-0002", ma_xa="11287", ho_ten_chu_ho="Ngô Văn Hai", thu_nhap_bq=5000000,
                  ho_nlndn="Không", thon="Thôn Bắc"),
        # moved away: asked only who it was; start poor
        household(ma_ho="11287-0003", ma_xa="11287", ho_ten_chu_ho="Ngô Văn Ba", thu_nhap_bq=None,
                  phan_loai_dau_ky="Nghèo", tinh_trang_ho="Chuyển đi", thon="Thôn Bắc"),
    ]
    mm2 = [
        mem("11287-0001", 1, "Ngô Văn Một", 1950, False, "Chủ hộ", viec_lam="Không tham gia lao động"),
        mem("11287-0001", 2, "Ngô Thị Một", 1952, True, "Vợ, chồng", viec_lam="Không tham gia lao động"),
        mem("11287-0002", 1, "Ngô Văn Hai", 1981, False, "Chủ hộ"),
    ]
    make_return(folder, hh2, mm2, name="11287_2024.xlsx")


def _sample(dest: Path, work: Path, **kw: Any) -> None:
    args = [f"--{k}={v}" for k, v in kw.items()]
    tmp = work / f"s{len(list(work.iterdir()))}"
    ok(run_hgn("sample", "--province", "30", "--error-rate", "0.05", "--out", tmp, *args, cwd=work))
    for f in tmp.glob("*.xlsx"):
        shutil.copy(f, dest / f.name)


def _load(out: Path) -> dict[str, Any]:
    hh = pd.read_parquet(out / "ket_qua" / "households.parquet")
    mm = pd.read_parquet(out / "ket_qua" / "members.parquet")
    return {"out": out, "hh": hh, "mm": mm, "forms": forms(out / "bao_cao")}


@pytest.fixture(scope="module")
def district_round(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("r45d")
    inp = work / "in"
    inp.mkdir()
    _sample(inp, work, district="288", communes=3, households=40, seed=3)
    ok(run_hgn("run", inp, "--out", work / "out", cwd=work))
    return _load(work / "out")


@pytest.fixture(scope="module")
def province_round(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    work = tmp_path_factory.mktemp("r45p")
    inp = work / "in"
    inp.mkdir()
    _sample(inp, work, district="288", communes=2, households=30, seed=11)
    _hand_built(inp)
    ok(run_hgn("run", inp, "--out", work / "out", cwd=work))
    rnd = _load(work / "out")
    ok(run_hgn("report", work / "out" / "ket_qua", "--out-dir", work / "d300", "--unit", "300", cwd=work))
    rnd["d300"] = forms(work / "d300")
    rnd["d300_dir"] = work / "d300"
    return rnd


ROUNDS = ["district_round", "province_round"]


@pytest.fixture(params=ROUNDS)
def rnd(request: pytest.FixtureRequest) -> dict[str, Any]:
    return request.getfixturevalue(request.param)


# ------------------------------------------------------------------------------------------ helpers
def _unit_of(rnd: dict[str, Any]) -> pd.Series:
    """Each household's row label in the forms (commune name at district level, district name at province)."""
    from hgn_review.registry import get_registry

    reg = get_registry()
    hh = rnd["hh"]
    names = {}
    province = rnd["forms"][1].units and any(n.startswith(("Huyện", "Thành phố", "Thị xã"))
                                             for n in rnd["forms"][1].units)
    for code, date in zip(hh["ma_xa"], hh["ngay_ra_soat"], strict=True):
        if code in names or code is None or pd.isna(code):
            continue
        parents = reg.parents(str(code), (date if not pd.isna(date) else pd.Timestamp("2024-09-15")).date())
        names[code] = parents[1].name if province else parents[0].name
    return hh["ma_xa"].map(names)


def _per_unit(rnd: dict[str, Any]) -> pd.DataFrame:
    """Per unit row: households, persons, poor / near-poor households and persons, undecided households."""
    hh = rnd["hh"].copy()
    mm = rnd["mm"]
    hh["label"] = _unit_of(rnd)
    hh = hh[~hh.tinh_trang_ho.isin(GONE)]  # a household that moved away or dissolved is no longer counted
    n_mem = mm.groupby("uid").size()
    hh["persons"] = hh["uid"].map(n_mem).fillna(0).astype(int)
    g = hh.groupby("label")
    return pd.DataFrame({
        "hh": g.size(),
        "persons": g["persons"].sum(),
        "poor": g.apply(lambda d: int((d.phan_loai == POOR).sum())),
        "poor_p": g.apply(lambda d: int(d.persons[d.phan_loai == POOR].sum())),
        "near": g.apply(lambda d: int((d.phan_loai == NEAR).sum())),
        "near_p": g.apply(lambda d: int(d.persons[d.phan_loai == NEAR].sum())),
        "undecided": g.apply(lambda d: int((d.phan_loai == UNDECIDED).sum())),
    })


def _num(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


# ------------------------------------------------------------------------------------------ tests
@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_total_rows_are_the_sums_of_unit_rows_or_blank(rnd: dict[str, Any]) -> None:  # guard (passes)
    """Every count column's total equals the sum of the unit rows that hold figures; a unit's blank figure makes
    the total blank, never a partial sum shown as the whole."""
    rate_cols = {1: {4, 6, 8, 10, 12, 14}, 2: {14}, 3: {14}, 5: set(range(2, 15)), 7: set(range(2, 15)),
                 12: {9, 10, 11}, 13: {9, 10, 11}}
    bad = []
    for n, f in rnd["forms"].items():
        assert f.total is not None, n
        filled = f.filled()
        for c in f.cols:
            if c in rate_cols.get(n, set()):
                continue
            vals = [u[c] for u in filled.values()]
            if any(v is None for v in vals):
                if f.total[c] is not None:
                    bad.append((n, c, "partial sum shown", f.total[c]))
            elif f.total[c] != sum(vals):
                bad.append((n, c, f.total[c], sum(vals)))
    assert not bad


@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_form_01_equals_the_results_unit_by_unit(rnd: dict[str, Any]) -> None:  # guard (passes)
    """Households (all rows of the results, undecided included), persons (members of those households), poor
    and near-poor households and persons per unit row and in the total."""
    f1 = rnd["forms"][1]
    exp = _per_unit(rnd)
    for label, e in exp.iterrows():
        u = f1.units[label]
        assert (u[1], u[2], u[3], u[5], u[7], u[9]) == (e.hh, e.persons, e.poor, e.poor_p, e.near, e.near_p), label
    t = exp.sum()
    assert (f1.total[1], f1.total[2], f1.total[3], f1.total[5], f1.total[7], f1.total[9]) == \
        (t.hh, t.persons, t.poor, t.poor_p, t.near, t.near_p)


@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_poor_and_near_poor_counts_agree_across_forms(rnd: dict[str, Any]) -> None:  # guard (passes)
    fs = rnd["forms"]
    for label, u in list(fs[1].filled().items()) + [("Tổng cộng", fs[1].total)]:
        def row(n: int, label: str = label) -> dict[int, Any]:
            return fs[n].total if label == "Tổng cộng" else fs[n].units[label]
        poor, near = u[3], u[7]
        got = {
            "02 end": row(2)[13], "04": row(4)[1], "05": row(5)[1], "08": row(8)[1], "09": row(9)[1],
            "10": row(10)[1], "12": row(12)[6],
        }
        assert set(got.values()) == {poor}, (label, poor, got)
        got_n = {"03 end": row(3)[13], "06": row(6)[1], "07": row(7)[1], "08": row(8)[6], "09": row(9)[9],
                 "10": row(10)[10], "13": row(13)[6]}
        assert set(got_n.values()) == {near}, (label, near, got_n)
        assert row(12)[1] == row(13)[1] == u[1], label
        assert row(12)[5] == row(13)[5] == u[2], label
        assert row(12)[8] == u[5] and row(13)[8] == u[9], label


@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_movement_tables_balance_and_mirror_each_other(rnd: dict[str, Any]) -> None:  # guard (passes)
    fs = rnd["forms"]
    for n in (2, 3):
        for label, u in list(fs[n].filled().items()) + [("Tổng cộng", fs[n].total)]:
            assert u[2] == u[3] + u[4] + u[5] + u[6], (n, label)
            assert u[7] == u[8] + u[9] + u[10] + u[11] + u[12], (n, label)
            assert u[13] == u[1] - u[2] + u[7], (n, label)
    for label in fs[2].filled():
        p, q = fs[2].units[label], fs[3].units[label]
        assert p[8] == q[3], label  # near-poor who became poor
        assert p[3] == q[8], label  # poor who became near-poor


@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_movement_start_counts_equal_the_start_class_of_the_results(rnd: dict[str, Any]) -> None:  # guard (passes)
    """Form 02/03 column 1 = households whose start class is poor / near-poor, and column 6 (unknown end) = those
    of them left undecided: an undecided household that was poor is accounted for there."""
    hh = rnd["hh"].copy()
    hh["label"] = _unit_of(rnd)
    fs = rnd["forms"]
    for n, cls in ((2, POOR), (3, NEAR)):
        for label, d in hh.groupby("label"):
            u = fs[n].units[label]
            start = d[d.dau_ky == cls]
            assert u[1] == len(start), (n, label)
            gone = start.tinh_trang_ho.isin(GONE)
            assert u[5] == int(gone.sum()), (n, label)
            assert u[6] == int(((start.phan_loai == UNDECIDED) & ~gone).sum()), (n, label)


@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_deprivation_counts_equal_the_flags_of_the_results(rnd: dict[str, Any]) -> None:  # guard (passes)
    """Forms 04/06: per unit, each indicator's count = poor (near-poor) households flagged, blank when one of
    them has the indicator unknown; column 2 = the sum of their deprivations, blank when any is unknown."""
    hh = rnd["hh"].copy()
    hh["label"] = _unit_of(rnd)
    fs = rnd["forms"]
    for n, cls in ((4, POOR), (6, NEAR)):
        for label, d in hh.groupby("label"):
            u = fs[n].units[label]
            g = d[d.phan_loai == cls]
            for k, ind in enumerate(IND, start=3):
                col = g[ind]
                want = None if col.isna().any() else int(col.sum())
                assert u[k] == want, (n, label, ind, u[k], want)
            unknown = bool(g[IND].isna().any().any())
            assert u[2] == (None if unknown else int(g["so_thieu_hut"].sum())), (n, label)
            if not unknown:
                assert u[2] == sum(u[k] for k in range(3, 15)), (n, label)


@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_rate_forms_are_the_count_forms_divided(rnd: dict[str, Any]) -> None:  # guard (passes)
    fs = rnd["forms"]
    for cnt, rate in ((4, 5), (6, 7)):
        for label, u in list(fs[cnt].filled().items()) + [("Tổng cộng", fs[cnt].total)]:
            r = fs[rate].total if label == "Tổng cộng" else fs[rate].units[label]
            for k in range(3, 15):
                if u[k] is None or not u[1]:
                    assert r[k] is None, (rate, label, k)
                else:
                    assert r[k] == pytest.approx(u[k] / u[1] * 100, abs=0.006), (rate, label, k)


@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_list_forms_and_population_list_hold_every_member_of_poor_and_near_poor_households(
        rnd: dict[str, Any]) -> None:  # guard (passes)
    hh, mm, out = rnd["hh"], rnd["mm"], rnd["out"]
    f1 = rnd["forms"][1].total
    for n, cls, hcol, pcol in ((14, NEAR, 7, 9), (15, POOR, 3, 5)):
        members, (nh, npers) = list_form(out / "bao_cao" / f"bieu_{n}.xlsx")
        uids = set(hh.uid[hh.phan_loai == cls])
        want = mm[mm.uid.isin(uids)]
        assert (nh, npers) == (f1[hcol], f1[pcol]) == (len(uids), len(want)), n
        assert len(members) == len(want), n
        assert Counter(r[3] for r in members) == Counter(want.ho_ten), n
    rows = read_csv(out / "bao_cao" / "danh_sach_csdl_dan_cu.csv")
    pn = mm[mm.uid.isin(set(hh.uid[hh.phan_loai.isin([POOR, NEAR])]))]
    assert len(rows) == len(pn)
    assert Counter((r["Mã hộ"], r["Họ và tên"], r["Phân loại hộ"]) for r in rows) == \
        Counter(zip(pn.ma_ho, pn.ho_ten, pn.phan_loai, strict=True))
    ids = [r["Số định danh cá nhân"] for r in rows if r["Số định danh cá nhân"]]
    assert len(ids) == len(set(ids))
    wb = openpyxl.load_workbook(out / "bao_cao" / "danh_sach_csdl_dan_cu.xlsx", read_only=True)
    assert wb["Danh sách"].max_row - 1 == len(rows)


@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_undecided_households_are_in_no_class_count_but_in_the_total(rnd: dict[str, Any]) -> None:  # guard (passes)
    exp = _per_unit(rnd)
    f1 = rnd["forms"][1]
    hh = rnd["hh"]
    assert (hh.phan_loai == UNDECIDED).sum() > 0
    for label, e in exp.iterrows():
        u = f1.units[label]
        assert u[3] + u[7] + e.undecided <= u[1], label
    assert f1.total[1] == int((~hh.tinh_trang_ho.isin(GONE)).sum())
    und_p = hh.uid[hh.phan_loai == UNDECIDED]
    assert not rnd["mm"][rnd["mm"].uid.isin(und_p)].phan_loai.isin([POOR, NEAR]).any()


def test_children_figures_of_form_11_equal_the_members(province_round: dict[str, Any]) -> None:  # guard (passes)
    """Children under 16 of poor / near-poor households, by unit; the district with a child whose insurance is
    blank shows that column blank (and so does the total)."""
    rnd = province_round
    hh, mm = rnd["hh"].copy(), rnd["mm"]
    hh["label"] = _unit_of(rnd)
    f11 = rnd["forms"][11]
    lab = hh.set_index("uid")["label"]
    for cls, c_tot, c_ins in ((POOR, 1, 2), (NEAR, 5, 6)):
        kids = mm[mm.uid.isin(set(hh.uid[hh.phan_loai == cls])) & (mm.tuoi < 16)].copy()
        kids["label"] = kids.uid.map(lab)
        for label, u in f11.filled().items():
            k = kids[kids.label == label]
            assert u[c_tot] == len(k), (cls, label)
            want = None if k.the_bhyt.isna().any() else int((k.the_bhyt == False).sum())  # noqa: E712
            assert u[c_ins] == want, (cls, label)
    assert f11.units["Huyện Thanh Miện"][2] is None and f11.total[2] is None


def test_district_report_totals_equal_its_row_in_the_province_forms(province_round: dict[str, Any]) -> None:
    # guard (passes)
    """`hgn report --unit 300` of the province results: its commune rows sum to its total, and its total equals
    district 300's row in the province forms, in every count column."""
    prov_dir, dist = province_round["out"] / "bao_cao", province_round["d300"]
    bad = []
    for n in range(1, 14):
        p = _by_header(prov_dir / f"bieu_{n:02d}.xlsx")["Huyện Thanh Miện"]
        d = _by_header(province_round["d300_dir"] / f"bieu_{n:02d}.xlsx")["Tổng cộng"]
        for h, v in d.items():
            w = p.get(h, 0 if v == 0 else "missing")
            if v != w and not (_num(v) and _num(w) and abs(v - w) < 0.006):
                bad.append((n, h, v, w))
    assert not bad
    assert set(dist[1].filled()) == {"Xã Chi Lăng Nam", "Xã Thanh Giang"}


def _by_header(path: Path) -> dict[str, dict[str, Any]]:
    """A form's rows (unit label or "Tổng cộng") as {joined header band of the column: value}: for forms whose
    columns differ by scope (form 09's locally present groups)."""
    rows = list(openpyxl.load_workbook(path, data_only=True).worksheets[0].iter_rows(values_only=True))
    key = next(i for i, r in enumerate(rows) if r[0] == "A" and r[1] == "B")
    band = rows[key - 3:key]
    heads = []
    last = [None, None, None]
    for j in range(len(rows[key])):
        parts = []
        for b in range(3):
            v = band[b][j] if j < len(band[b]) else None
            if v is not None:
                last[b] = v
                last[b + 1:] = [None] * (2 - b)
            parts.append(last[b] if v is None and b < 2 else v)
        heads.append(" / ".join(str(x) for x in parts if x is not None))
    out = {}
    for r in rows[key + 1:]:
        if r[1] == "Tổng cộng" or (isinstance(r[0], int) and isinstance(r[1], str)):
            out[r[1]] = {heads[j]: r[j] for j in range(2, len(heads))}
    return out


def test_commune_report_total_equals_its_row_in_the_district_report(province_round: dict[str, Any],
                                                                    tmp_path: Path) -> None:  # guard (passes)
    """`hgn report --unit 11284` (rows by village) totals equal commune 11284's row in the district 300 report,
    every form, columns matched by their header."""
    out = province_round["out"]
    ok(run_hgn("report", out / "ket_qua", "--out-dir", tmp_path / "c", "--unit", "11284", cwd=tmp_path))
    bad = []
    for n in range(1, 14):
        c = _by_header(tmp_path / "c" / f"bieu_{n:02d}.xlsx")["Tổng cộng"]
        d = _by_header(province_round["d300_dir"] / f"bieu_{n:02d}.xlsx")["Xã Chi Lăng Nam"]
        for h, v in c.items():
            w = d.get(h, 0 if v == 0 else "missing")
            if v != w and not (_num(v) and _num(w) and abs(v - w) < 0.006):
                bad.append((n, h, v, w))
    assert not bad


@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_form_09_groups_add_up_to_the_total(rnd: dict[str, Any]) -> None:  # guard (passes)
    """Form 09: total = Kinh + minorities + unknown ethnicity; minorities = the sum of the listed groups (and
    "other" when there is one), per row and in the total."""
    rows = _by_header(rnd["out"] / "bao_cao" / "bieu_09.xlsx")
    for label, r in rows.items():
        if all(v is None for v in r.values()):
            continue
        for cls in ("Hộ nghèo", "Hộ cận nghèo"):
            mine = {h[len(cls) + 3:]: v for h, v in r.items() if h.startswith(cls + " / ")}
            total = mine["Tổng số"]
            kinh = mine["Dân tộc Kinh"]
            dtts = mine["Dân tộc thiểu số / Tổng số"]
            unknown = mine.get("Chưa rõ dân tộc", 0)
            groups = [v for h, v in mine.items() if h.startswith("Dân tộc thiểu số / ") and h != "Dân tộc thiểu số / Tổng số"]
            assert total == kinh + dtts + unknown, (label, cls, mine)
            assert dtts == sum(groups) or "Khác" not in " ".join(mine), (label, cls, mine)


@pytest.mark.parametrize("rnd", ROUNDS, indirect=True)
def test_forms_08_10_12_13_subgroups_equal_the_results(rnd: dict[str, Any]) -> None:  # guard (passes)
    """Merit households (08 col 4/9, 12/13 col 12), female-headed (12/13 col 14) and poverty causes (form 10)
    counted from the results, per unit."""
    hh, mm = rnd["hh"].copy(), rnd["mm"]
    hh["label"] = _unit_of(rnd)
    heads = mm[mm.quan_he == "Chủ hộ"].drop_duplicates("uid").set_index("uid")["gioi_tinh"]
    hh["head_sex"] = hh.uid.map(heads)
    fs = rnd["forms"]
    causes = ["Thiếu đất sản xuất", "Thiếu vốn", "Thiếu lao động", "Thiếu công cụ, phương tiện",
              "Thiếu kiến thức sản xuất", "Thiếu kỹ năng lao động", "Ốm đau, tai nạn", "Khác"]
    for label, d in hh.groupby("label"):
        for cls, c8, f in ((POOR, 4, 12), (NEAR, 9, 13)):
            g = d[d.phan_loai == cls]
            merit = None if g.nguoi_co_cong.isna().any() else int(g.nguoi_co_cong.sum())
            assert fs[8].units[label][c8] == merit, (label, cls)
            assert fs[f].units[label][12] == merit, (label, cls)
            female = None if g.head_sex.isna().any() else int((g.head_sex == "Nữ").sum())
            assert fs[f].units[label][14] == female, (label, cls)
        for cls, first in ((POOR, 2), (NEAR, 11)):
            g = d[d.phan_loai == cls]
            parts = [{p.strip() for p in str(x).split(";") if p.strip()} if isinstance(x, str) else set()
                     for x in g.nguyen_nhan_ngheo]
            for k, cause in enumerate(causes):
                got = fs[10].units[label][first + k]
                if got is None:  # unknown: a return that left the whole column blank (said in the note)
                    assert any(not p for p in parts), (label, cls, cause)
                else:
                    assert got == sum(cause in p for p in parts), (label, cls, cause)
