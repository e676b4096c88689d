"""Synthetic commune returns (`hgn_review.sample`): files, manifest, ground truth and injected errors."""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

import fastexcel
import numpy as np
import openpyxl
import pandas as pd
import pytest

from hgn_review import legacy
from hgn_review.errors import UsageError
from hgn_review.registry import get_registry
from hgn_review.sample import (
    BOUNDARY_KINDS,
    KINDS_APP,
    KINDS_HGN,
    MANIFEST,
    Manifest,
    Rules,
    file_name,
    generate_sample,
    plan_sample,
)
from hgn_review.sample.rules import deprivations
from hgn_review.schemas.layout import INDICATORS, load_layout
from hgn_review.scoring.standard import load_standard

HH_SHEET, MEMBER_SHEET, INFO_SHEET = "Hộ gia đình", "Thành viên", "Thông tin"
AS_OF = date(2024, 10, 1)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate_sample(tmp_path_factory.mktemp("clean"), communes=5, households=300, seed=7)


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate_sample(tmp_path_factory.mktemp("broken"), communes=5, households=300, seed=11, error_rate=0.02)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Manifest:
    return generate_sample(tmp_path_factory.mktemp("app"), communes=3, households=200, seed=5, layout="app",
                           error_rate=0.02)


def _dir(m: Manifest) -> Path:
    assert m.path is not None
    return m.path.parent


def _values(path: Path, sheet: str) -> list[list[Any]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [list(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def _frame(path: Path, sheet: str) -> pd.DataFrame:
    rows = _values(path, sheet)
    return pd.DataFrame(rows[1:], columns=rows[0], index=range(2, len(rows) + 1), dtype=object)


def _headers(layout: str, role: str, *, flags: bool = False) -> list[str]:
    cols = load_layout(layout).sheets[role].columns
    return [c.header for c in cols if flags or c.key not in INDICATORS]


# ------------------------------------------------------------------------------------------ files
def test_files_and_manifest_are_written(clean: Manifest) -> None:
    """One workbook per commune, named <ma_xa>_<ascii name>.xlsx, with the layout's sheets and headers."""
    out = _dir(clean)
    units = plan_sample("30", 5, year=2024)
    assert [f["file"] for f in clean.files] == [file_name(u) for u in units]
    assert sorted(p.name for p in out.glob("*.xlsx")) == [f["file"] for f in clean.files]
    assert all(re.fullmatch(r"\d{5}_[a-z0-9_]+\.xlsx", f["file"]) for f in clean.files)
    on_disk = json.loads((out / MANIFEST).read_text("utf-8"))
    assert on_disk == clean.to_dict()
    assert {k: on_disk[k] for k in ("province", "year", "layout", "seed")} == \
        {"province": "30", "year": 2024, "layout": "hgn", "seed": 7}
    assert len(clean.households) == sum(f["households"] for f in clean.files) == 1500
    assert clean.errors == []
    first = out / clean.files[0]["file"]
    assert fastexcel.read_excel(str(first)).sheet_names == [INFO_SHEET, HH_SHEET, MEMBER_SHEET]
    info = dict((r[0], r[1]) for r in _values(first, INFO_SHEET))
    unit = units[0]
    assert info == {"Mục": "Giá trị", "Mã xã": unit.code, "Tên xã": unit.name, "Huyện": unit.district_name,
                    "Tỉnh": unit.province_name, "Khu vực": unit.area, "Năm rà soát": 2024, "Mẫu biểu": "hgn v1"}
    hh = _values(first, HH_SHEET)
    mm = _values(first, MEMBER_SHEET)
    assert hh[0] == _headers("hgn", "households")  # no "Thiếu hụt:" columns: flags are derived, not recorded
    assert mm[0] == _headers("hgn", "members")
    assert len(hh) - 1 == clean.files[0]["households"]
    assert len(mm) - 1 == clean.files[0]["members"]


def test_households_are_plausible(clean: Manifest) -> None:
    """Heads first, ages consistent with relations, sizes 1–8, declared sizes true, names with diacritics."""
    path = _dir(clean) / clean.files[1]["file"]
    hh, mm = _frame(path, HH_SHEET), _frame(path, MEMBER_SHEET)
    first = mm.groupby("Mã hộ").head(1)
    assert (first["Quan hệ với chủ hộ"] == "Chủ hộ").all()
    assert (mm["Quan hệ với chủ hộ"] == "Chủ hộ").sum() == len(hh)
    sizes = mm.groupby("Mã hộ").size()
    assert sizes.between(1, 8).all()
    assert (hh.set_index("Mã hộ")["Số thành viên"] == sizes.reindex(hh["Mã hộ"]).to_numpy()).all()
    assert (mm.groupby("Mã hộ")["STT"].apply(lambda s: list(s) == list(range(1, len(s) + 1)))).all()
    heads = mm[mm["Quan hệ với chủ hộ"] == "Chủ hộ"]
    assert (hh["Họ và tên chủ hộ"].to_numpy() == heads["Họ và tên"].to_numpy()).all()
    assert all(unicodedata.is_normalized("NFC", n) for n in mm["Họ và tên"])
    assert mm["Họ và tên"].str.contains(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", case=False).mean() > 0.8
    assert (mm["Dân tộc"] == "Kinh").mean() > 0.85
    dates = mm["Ngày sinh"]
    year_only = dates.map(lambda v: isinstance(v, str))
    assert 0.005 < year_only.mean() < 0.06
    assert dates[year_only].str.fullmatch(r"(19|20)\d\d").all()
    assert dates[~year_only].map(lambda v: isinstance(v, datetime)).all()
    review = hh.set_index("Mã hộ")["Ngày rà soát"]
    assert review.map(lambda d: d.year == 2024 and 9 <= d.month <= 11).all()
    born = dates.map(lambda v: int(v) if isinstance(v, str) else v.year)
    head_year = born[mm["Quan hệ với chủ hộ"] == "Chủ hộ"].groupby(mm["Mã hộ"]).first()
    child = mm["Quan hệ với chủ hộ"] == "Con"
    assert (born[child] - head_year.reindex(mm.loc[child, "Mã hộ"]).to_numpy() >= 18).all()
    assert hh["Thôn, tổ dân phố"].str.match(r"^(Thôn|Tổ dân phố|Khu) ").all()


# ------------------------------------------------------------------------------------------ determinism
def test_same_seed_gives_same_data(clean: Manifest, tmp_path: Path) -> None:
    """The same arguments give the same manifest, the same cell values and the same bytes."""
    again = generate_sample(tmp_path / "again", communes=5, households=300, seed=7, workers=2)
    assert again.to_dict() == clean.to_dict()
    for f in clean.files:
        a, b = _dir(clean) / f["file"], _dir(again) / f["file"]
        for sheet in (INFO_SHEET, HH_SHEET, MEMBER_SHEET):
            assert _values(a, sheet) == _values(b, sheet)
        assert a.read_bytes() == b.read_bytes()
    other = generate_sample(tmp_path / "other", communes=1, households=300, seed=8)
    first = clean.files[0]["file"]
    assert _values(_dir(other) / first, MEMBER_SHEET) != _values(_dir(clean) / first, MEMBER_SHEET)


# ------------------------------------------------------------------------------------------ identity
def test_ids_agree_with_sex_and_birth_year(clean: Manifest) -> None:
    """Clean IDs: 12-digit text, a known province prefix, digit 4 = century/sex, digits 5–6 = birth year,
    unique across the whole sample."""
    prefixes = get_registry().id_province_prefixes()
    seen: list[str] = []
    for f in clean.files:
        mm = _frame(_dir(clean) / f["file"], MEMBER_SHEET)
        ids = mm["Số định danh cá nhân"]
        assert ids.map(lambda v: isinstance(v, str) and re.fullmatch(r"\d{12}", v) is not None).all()
        year = mm["Ngày sinh"].map(lambda v: int(v) if isinstance(v, str) else v.year)
        female = (mm["Giới tính"] == "Nữ").astype(int)
        assert (ids.str[3].astype(int) == (year // 100 - 19) * 2 + female).all()
        assert (ids.str[4:6].astype(int) == year % 100).all()
        assert ids.str[:3].isin(prefixes).all()
        assert (ids.str[:3] == "030").mean() > 0.8
        seen.extend(ids)
    assert len(seen) == len(set(seen))


# ------------------------------------------------------------------------------------------ truth
def test_class_shares_are_in_target_ranges(clean: Manifest) -> None:
    """Over 5 communes × 300 households: 2–6 % poor, 3–8 % near-poor; about 70 % judged by B1."""
    counts = Counter(h["class"] for h in clean.households.values())
    n = len(clean.households)
    assert 0.02 <= counts["Nghèo"] / n <= 0.06
    assert 0.03 <= counts["Cận nghèo"] / n <= 0.08
    basis = Counter(h["income_basis"] for h in clean.households.values())
    assert 0.55 <= basis["diem_b1"] / n <= 0.85
    for h in clean.households.values():
        assert set(h["deprivations"]) <= set(INDICATORS)
        if h["class"] == "Nghèo":
            assert len(h["deprivations"]) >= 3
        if h["class"] == "Cận nghèo":
            assert len(h["deprivations"]) < 3


def _ages(mm: pd.DataFrame, review: pd.Series) -> np.ndarray:
    r = list(pd.to_datetime(review.reindex(mm["Mã hộ"])))
    out = []
    for v, d in zip(mm["Ngày sinh"], r, strict=True):
        if isinstance(v, str):  # year alone: the generator guarantees no rule changes across the two ages
            out.append(d.year - int(v) - 1)
        else:
            out.append(d.year - v.year - ((d.month, d.day) < (v.month, v.day)))
    return np.array(out)


def test_written_answers_mean_the_manifest_truth(clean: Manifest) -> None:
    """Reading the written workbooks back and applying the generator's rules gives the manifest's flags."""
    rules = Rules.from_standard()
    for f in clean.files[:2]:
        path = _dir(clean) / f["file"]
        hh, mm = _frame(path, HH_SHEET), _frame(path, MEMBER_SHEET)
        key = {c.header: c.key for s in load_layout("hgn").sheets.values() for c in s.columns}
        hh = hh.rename(columns=key).reset_index(drop=True)
        review = hh.set_index("ma_ho")["ngay_ra_soat"]
        pos = pd.Series(np.arange(len(hh)), index=hh["ma_ho"])
        members = mm.rename(columns=key)
        members = members.assign(hh=pos.reindex(members["ma_ho"]).to_numpy(), age=_ages(mm, review))
        flags = deprivations(hh, members.reset_index(drop=True), rules)
        for i, ma_ho in enumerate(hh["ma_ho"]):
            truth = clean.households[f"{f['ma_xa']}|{ma_ho}"]["deprivations"]
            assert [k for k in INDICATORS if flags.iat[i, INDICATORS.index(k)]] == truth, ma_ho


def test_boundary_households_sit_exactly_on_the_limits(clean: Manifest) -> None:
    """Every file of ≥ 50 households holds each boundary case, with the figures of the standard."""
    std = load_standard("vn-2022-2025")
    line, band, cut = (std.thresholds(t) for t in ("income_line", "average_living_upper", "b1_cutoff"))
    min_area = std.indicators["th_dien_tich_nha"]["min_area_per_person"]
    expected_class = {
        "thu-nhap-bang-chuan": "Nghèo", "thu-nhap-tren-chuan-1-dong": "Không nghèo", "b1-bang-nguong": "Cận nghèo",
        "b1-tren-nguong-1-diem": "Không nghèo", "dung-3-thieu-hut": "Nghèo", "dung-2-thieu-hut": "Cận nghèo",
        "phu-thuoc-bang-50": "Cận nghèo", "phu-thuoc-tren-50": "Nghèo", "dien-tich-bang-8m2": "Cận nghèo",
        "dien-tich-duoi-8m2": "Nghèo", "nlndn-tren-chuan-1-dong": "Mức sống trung bình",
        "nlndn-bang-tran-muc-song": "Mức sống trung bình", "nlndn-tren-tran-1-dong": "Không nghèo",
    }
    assert set(expected_class) == {k[0] for k in BOUNDARY_KINDS}
    for f in clean.files:
        path = _dir(clean) / f["file"]
        hh = _frame(path, HH_SHEET).set_index("Mã hộ")
        mm = _frame(path, MEMBER_SHEET)
        kinds = {k.split("|")[1]: v for k, v in clean.boundary.items() if k.startswith(f["ma_xa"] + "|")}
        assert sorted(kinds.values()) == sorted(expected_class)
        for ma_ho, kind in kinds.items():
            row = hh.loc[ma_ho]
            area = row["Khu vực"]
            truth = clean.households[f"{f['ma_xa']}|{ma_ho}"]
            assert truth["class"] == expected_class[kind], kind
            income, b1 = row["Thu nhập bình quân (đồng/người/tháng)"], row["Điểm B1"]
            n = int(row["Số thành viên"])
            wanted = {"thu-nhap-bang-chuan": (line[area], None), "thu-nhap-tren-chuan-1-dong": (line[area] + 1, None),
                      "b1-bang-nguong": (None, cut[area]), "b1-tren-nguong-1-diem": (None, cut[area] + 1),
                      "nlndn-tren-chuan-1-dong": (line[area] + 1, None), "nlndn-bang-tran-muc-song": (band[area], None),
                      "nlndn-tren-tran-1-dong": (band[area] + 1, None)}
            if kind in wanted:
                assert (income, b1) == wanted[kind], kind
            if kind.startswith("nlndn"):
                assert row["Hộ làm nông, lâm, ngư, diêm nghiệp"] == "Có"
            if kind == "dien-tich-bang-8m2":
                assert row["Diện tích nhà ở (m²)"] == min_area * n
            if kind == "dien-tich-duoi-8m2":
                assert min_area * n - 1 < row["Diện tích nhà ở (m²)"] < min_area * n
            if kind == "dung-3-thieu-hut":
                assert len(truth["deprivations"]) == 3
            if kind == "dung-2-thieu-hut":
                assert len(truth["deprivations"]) == 2
            if kind.startswith("phu-thuoc"):
                ages = _ages(mm[mm["Mã hộ"] == ma_ho], hh["Ngày rà soát"])
                share = ((ages < 16) | (ages >= 60)).mean()
                assert share == (0.5 if kind == "phu-thuoc-bang-50" else 0.6)
                assert ("th_nguoi_phu_thuoc" in truth["deprivations"]) == (kind == "phu-thuoc-tren-50")


def test_small_files_have_no_boundary_households(tmp_path: Path) -> None:
    """Returns under 50 households are plain samples."""
    m = generate_sample(tmp_path, communes=1, households=20)
    assert m.boundary == {}
    assert len(m.households) == 20


def test_recorded_flags_are_written_on_request(tmp_path: Path) -> None:
    """With recorded_flags the twelve 'Thiếu hụt:' columns hold the designed 0/1 flags."""
    m = generate_sample(tmp_path, communes=1, households=60, recorded_flags=True)
    hh = _frame(tmp_path / m.files[0]["file"], HH_SHEET)
    assert list(hh.columns) == _headers("hgn", "households", flags=True)
    by_key = {c.key: c.header for c in load_layout("hgn").sheets["households"].columns}
    for ma_ho, row in hh.set_index("Mã hộ").iterrows():
        truth = m.households[f"{m.files[0]['ma_xa']}|{ma_ho}"]["deprivations"]
        assert [k for k in INDICATORS if row[by_key[k]] == 1] == truth
        if row["Điểm B2"] is not None:
            assert row["Điểm B2"] == 10 * len(truth)


# ------------------------------------------------------------------------------------------ errors
def _id_sex_year(row: pd.Series) -> tuple[int, int]:
    v = row["Ngày sinh"]
    year = int(v) if isinstance(v, str) else v.year
    return (year // 100 - 19) * 2 + (row["Giới tính"] == "Nữ"), year % 100


def test_every_error_kind_is_injected_where_the_manifest_says(broken: Manifest) -> None:
    """With error_rate 0.02 every code appears, one per household, and each location holds the injected value."""
    codes = Counter(e["code"] for e in broken.errors)
    assert set(codes) == set(KINDS_HGN)
    rows = sum(f["households"] + f["members"] for f in broken.files)
    assert 0.5 * 0.02 * rows <= len(broken.errors) <= 2 * 0.02 * rows
    reg = get_registry()
    out = _dir(broken)
    ids_by_file: dict[str, set[str]] = {}
    for f in broken.files:
        path = out / f["file"]
        wb = openpyxl.load_workbook(path)  # formulas and hidden rows need the full reader
        hws, mws = wb[HH_SHEET], wb[MEMBER_SHEET]
        hh, mm = _frame(path, HH_SHEET), _frame(path, MEMBER_SHEET)
        hcol = {h: i + 1 for i, h in enumerate(hh.columns)}
        mcol = {h: i + 1 for i, h in enumerate(mm.columns)}
        ids_by_file[f["file"]] = {str(v) for v in mm["Số định danh cá nhân"]}
        mine = [e for e in broken.errors if e["file"] == f["file"]]
        assert len({(e["sheet"], e["row"]) for e in mine}) == len(mine)  # one problem per row
        for e in mine:
            code, r, col = e["code"], e["row"], e["column"]
            frame, ws, cols = (hh, hws, hcol) if e["sheet"] == HH_SHEET else (mm, mws, mcol)
            v = frame.at[r, col] if col else None
            row = frame.loc[r]
            if code == "value-required":
                assert v is None
            elif code == "value-not-number":
                assert isinstance(v, str) and v.startswith("khoảng ")
            elif code == "value-not-date":
                assert isinstance(v, str) and v.startswith("31/02/")
            elif code == "value-not-yes-no":
                assert v == "Chưa rõ"
            elif code == "value-not-in-list":
                assert v in ("Nhà tạm", "Kinhh")
            elif code == "value-out-of-range":
                assert isinstance(v, int) and v <= 0
            elif code == "b2-not-multiple-of-10":
                assert v == 35
            elif code == "income-basis-missing":
                assert v is None and row["Điểm B1"] is None
            elif code == "id-invalid-format":
                assert isinstance(v, str) and not re.fullmatch(r"\d{12}", v)
            elif code == "id-leading-zero-restored":
                assert ws.cell(r, cols[col]).data_type == "n" and len(str(v)) == 11
            elif code == "id-province-unknown":
                assert v.startswith("099") and len(v) == 12
            elif code == "id-sex-mismatch":
                d4, yy = _id_sex_year(row)
                assert int(v[3]) != d4 and int(v[4:6]) == yy
            elif code == "id-birth-year-mismatch":
                d4, yy = _id_sex_year(row)
                assert int(v[3]) == d4 and int(v[4:6]) != yy
            elif code == "id-duplicate":
                earlier = mm.loc[:r - 1]
                twin = earlier[earlier["Số định danh cá nhân"] == v]
                assert len(twin) == 1
                assert _id_sex_year(twin.iloc[0]) == _id_sex_year(row)
            elif code == "id-duplicate-batch":
                assert any(v in ids for name, ids in ids_by_file.items() if name < f["file"])
                assert (mm["Số định danh cá nhân"] == v).sum() == 1
            elif code == "household-duplicate":  # a second record of the household: another reviewer's name
                differ = [c for c in hh.columns if hh.at[r, c] != hh.at[r - 1, c]]
                assert v == hh.at[r - 1, col] and differ == ["Rà soát viên"]
            elif code == "member-orphan":
                assert "-X" in v and v not in set(hh["Mã hộ"])
            elif code == "household-no-head":
                rel = mm.loc[mm["Mã hộ"] == v, "Quan hệ với chủ hộ"]
                assert len(rel) and (rel != "Chủ hộ").all() and (rel == "Khác").sum() == 1
            elif code == "household-multiple-heads":
                same = mm[mm["Mã hộ"] == row["Mã hộ"]]
                assert v == "Chủ hộ" and same.index[0] < r and (same["Quan hệ với chủ hộ"] == "Chủ hộ").sum() == 2
            elif code == "household-size-mismatch":
                assert v == (mm["Mã hộ"] == row["Mã hộ"]).sum() + 1
            elif code == "member-stt-duplicate":
                same = mm[(mm["Mã hộ"] == row["Mã hộ"]) & (mm.index < r)]
                assert v in set(same["STT"])
            elif code == "commune-unknown":
                assert v == "99999"
            elif code == "commune-mismatch":
                other = reg.commune(v, AS_OF)
                assert other is not None and v != f["ma_xa"] and other.area == row["Khu vực"]
            elif code == "area-mismatch":
                assert v != reg.commune(f["ma_xa"], AS_OF).area
            elif code == "text-legacy-encoding":
                assert legacy.detect(v) is not None
            elif code == "text-not-nfc":
                assert not unicodedata.is_normalized("NFC", v)
            elif code == "formula-error":
                assert ws.cell(r, cols[col]).value == "=1/0"
            elif code == "hidden-row-with-data":
                assert col is None and ws.row_dimensions[r].hidden
            elif code == "header-row-repeated":
                assert col is None and list(row) == list(mm.columns)
            else:  # pragma: no cover
                raise AssertionError(code)
        wb.close()


def test_injected_households_keep_their_truth_and_spare_boundaries(broken: Manifest) -> None:
    """Broken households keep a ground-truth class; boundary households are never touched."""
    out = _dir(broken)
    for f in broken.files:
        hh = _frame(out / f["file"], HH_SHEET)
        mm = _frame(out / f["file"], MEMBER_SHEET)
        touched = set()
        for e in broken.errors:
            if e["file"] == f["file"] and e["code"] not in ("header-row-repeated", "member-orphan"):
                frame = hh if e["sheet"] == HH_SHEET else mm
                touched.add(frame.at[e["row"], "Mã hộ"])
        boundary = {k.split("|")[1] for k in broken.boundary if k.startswith(f["ma_xa"] + "|")}
        assert len(boundary) == len(BOUNDARY_KINDS)
        assert not touched & boundary
        assert all(f"{f['ma_xa']}|{ma_ho}" in broken.households for ma_ho in hh["Mã hộ"])


# ------------------------------------------------------------------------------------------ layout 2
def test_app_layout_has_duplicates_and_a_repeated_header(app: Manifest) -> None:
    """Layout 2: one 'Data' sheet with the export's dotted headers, one row per household, ~3 % exact
    duplicates and one repeated header row per file, all listed in the manifest."""
    headers = _headers("app", "households", flags=True)
    codes = Counter(e["code"] for e in app.errors)
    assert set(KINDS_APP) <= set(codes)
    assert codes["header-row-repeated"] == len(app.files)
    for f in app.files:
        path = _dir(app) / f["file"]
        assert fastexcel.read_excel(str(path)).sheet_names == ["Data"]
        rows = _values(path, "Data")
        assert rows[0] == headers
        assert f["members"] == 0
        mine = [e for e in app.errors if e["file"] == f["file"]]
        dups = [e for e in mine if e["code"] == "row-duplicate"]
        assert 0.02 * f["households"] <= len(dups) <= 0.04 * f["households"]
        for e in dups:
            assert e["column"] is None and e["sheet"] == "Data"
            assert rows[e["row"] - 1] in rows[1:e["row"] - 1]
        rep = [e for e in mine if e["code"] == "header-row-repeated"]
        assert len(rep) == 1 and rows[rep[0]["row"] - 1] == headers
        data = pd.DataFrame(rows[1:], columns=headers)
        data = data[data["family.code"] != "family.code"]
        assert data["family.code"].nunique() == f["households"]
        assert set(data["family.communeCode"].dropna()) >= {f["ma_xa"]}
    for h in app.households.values():
        assert h["income_basis"] == "diem_b1"


def test_app_layout_records_flags_class_and_b2(tmp_path: Path) -> None:
    """Clean layout-2 rows carry the designed flags, their count, B2 = 10 × count and the class."""
    m = generate_sample(tmp_path, communes=1, households=80, layout="app")
    rows = _values(tmp_path / m.files[0]["file"], "Data")
    data = pd.DataFrame(rows[1:], columns=rows[0])
    data = data[data["family.code"] != "family.code"].drop_duplicates()
    spec = {c.key: c.header for c in load_layout("app").sheets["households"].columns}
    for _, row in data.iterrows():
        truth = m.households[f"{m.files[0]['ma_xa']}|{row['family.code']}"]
        flags = [k for k in INDICATORS if row[spec[k]] == 1]
        assert flags == truth["deprivations"]
        assert row["deprivation.totalCount"] == len(flags)
        assert row["b2Point"] == 10 * len(flags)
        assert row["classify"] == truth["class"]
        assert re.fullmatch(r"\d\d/\d\d/2024", row["date"])


# ------------------------------------------------------------------------------------------ planning
def test_a_whole_province_can_be_planned_without_writing() -> None:
    """All 207 communes of Hải Dương (30) for a 2024 review, in code order; a district; the first N."""
    units = plan_sample("30", 0, year=2024)
    assert len(units) == 207
    codes = [u.code for u in units]
    assert codes == sorted(codes) and codes[0] == "10507" and codes[-1] == "11293"
    assert plan_sample("30", "all", year=2024) == units
    assert plan_sample("30", 3, year=2024) == units[:3]
    district = plan_sample("30", 0, year=2024, district="290")
    assert district and all(u.district_code == "290" for u in district)
    assert all(u.area in ("Thành thị", "Nông thôn") for u in units)
    assert len({file_name(u) for u in units}) == 207


def test_bad_requests_are_usage_errors(tmp_path: Path) -> None:
    """Unknown provinces, a district of another province, a province gone after the reform, bad layouts."""
    with pytest.raises(UsageError):
        plan_sample("99", 1)
    with pytest.raises(UsageError):
        plan_sample("01", 1, district="290")
    with pytest.raises(UsageError):
        plan_sample("30", 1, year=2025)  # from 1/7/2025 Hải Dương belongs to Hải Phòng (31)
    with pytest.raises(UsageError):
        generate_sample(tmp_path, communes=1, households=10, layout="xyz")
    with pytest.raises(UsageError):
        generate_sample(tmp_path, communes=1, households=10, error_rate=1.5)
    with pytest.raises(UsageError):  # the unit list of June 2025 does not hold for a September 2025 review
        generate_sample(tmp_path, communes=1, households=10, year=2025, as_of=date(2025, 6, 30))


def test_two_level_communes_after_the_reform(tmp_path: Path) -> None:
    """A 2025 review uses the two-level list: province 31, no district in the info sheet."""
    m = generate_sample(tmp_path, province="31", communes=1, households=30, year=2025)
    unit = plan_sample("31", 1, year=2025)[0]
    info = dict((r[0], r[1]) for r in _values(tmp_path / m.files[0]["file"], INFO_SHEET))
    assert info["Mã xã"] == unit.code and info["Huyện"] is None and info["Năm rà soát"] == 2025
