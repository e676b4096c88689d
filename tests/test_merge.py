"""`merge_results`: roll-up of classified commune (and district) results along the administrative hierarchy.

Classified results are built by hand (docs/contracts.md §2 columns) for real units of the registry: districts of
Hải Dương (province 30) before the 1/7/2025 reform, and communes of Thành phố Hải Phòng (31) after it.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import fastexcel
import pandas as pd
import pytest

from hgn_review.errors import InputError, UsageError
from hgn_review.findings import Report
from hgn_review.io.results import SHEET_COVERAGE, SHEET_RECON, Results, read_results, write_results
from hgn_review.merge import SHEET_PENDING, MergeResult, merge_results, summary_json, write_merge
from hgn_review.merge.codes import MERGE_CODES, note
from hgn_review.registry import get_registry
from hgn_review.scoring.movements import assign_movements

REG = get_registry()
BEFORE_DAY = date(2024, 10, 1)
AFTER_DAY = date(2025, 10, 1)
KIM_THANH = "293"  # Huyện Kim Thành, Tỉnh Hải Dương: 14 communes
GIA_LOC = "297"  # Huyện Gia Lộc: 14 communes
HAI_DUONG = "30"
HAI_PHONG = "31"
STANDARD = "vn-2022-2025"
# one household per class, with its start-of-period class: a spread the tables must carry through
PATTERN: tuple[tuple[str, str, str], ...] = (
    ("Nghèo", "Nghèo", "Đang cư trú"),
    ("Cận nghèo", "Nghèo", "Đang cư trú"),
    ("Cận nghèo", "Không", "Đang cư trú"),
    ("Mức sống trung bình", "Cận nghèo", "Đang cư trú"),
    ("Không nghèo", "Không", "Đang cư trú"),
    ("Nghèo", "Không", "Chuyển đến"),
    ("Cận nghèo", "Cận nghèo", "Chuyển đi"),
)


def communes(parent: str, day: date = BEFORE_DAY) -> list[str]:
    return [u.code for u in REG.communes_of(parent, day)]


def classified(code: str, n: int = 3, *, day: date = BEFORE_DAY, start: int = 0, village: str = "Thôn 1",
               offset: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """n classified households of commune `code` (classes cycling through PATTERN), each with k % 3 + 1 members."""
    rows, mrows = [], []
    for k in range(start, start + n):
        cls, dau_ky, status = PATTERN[(k + offset) % len(PATTERN)]
        size = k % 3 + 1
        ma_ho = f"{code}-{k:04d}"
        rows.append({"uid": k - start, "file": f"{code}.xlsx", "sheet": "Hộ gia đình", "row": k + 2, "layout": "hgn",
                     "ma_ho": ma_ho, "ho_ten_chu_ho": f"Chủ hộ {k}", "ma_xa": code, "thon": village,
                     "khu_vuc": "Nông thôn", "so_thanh_vien": size, "thu_nhap_bq": 1_000_000.0 + k,
                     "phan_loai_dau_ky": dau_ky, "tinh_trang_ho": status, "ngay_ra_soat": pd.Timestamp(day),
                     "ho_nlndn": True, "so_thieu_hut": 3 if cls == "Nghèo" else 1, "phan_loai": cls,
                     "ly_do": "", "chuan": STANDARD})
        for j in range(size):
            mrows.append({"uid": k - start, "file": f"{code}.xlsx", "sheet": "Thành viên", "row": 2 + 10 * k + j,
                          "ma_ho": ma_ho, "stt": j + 1, "ho_ten": f"Người {k}-{j}",
                          "so_dinh_danh": f"{code}{k:05d}{j:02d}", "gioi_tinh": "Nam" if j % 2 == 0 else "Nữ",
                          "quan_he": "Chủ hộ" if j == 0 else "Con", "nam_sinh": 1980 + j, "ma_xa": code,
                          "thon": village, "phan_loai": cls})
    hh = pd.DataFrame(rows)
    hh = hh.astype({"uid": "int64", "row": "int64", "so_thanh_vien": "Int64", "so_thieu_hut": "Int64",
                    "thu_nhap_bq": "Float64", "ho_nlndn": "boolean"})
    hh["dien_bien"] = assign_movements(hh).dien_bien.astype("string")
    mm = pd.DataFrame(mrows).astype({"uid": "Int64", "row": "int64", "stt": "Int64", "nam_sinh": "Int64"})
    mm["dien_bien"] = mm["uid"].map(hh.set_index("uid")["dien_bien"])
    return hh, mm


def write_commune(folder: Path, code: str, n: int = 3, *, day: date = BEFORE_DAY, name: str | None = None,
                  standard: str = STANDARD, tool_version: str = "0.1.0", run_time: str | None = "2024-11-20T10:00:00",
                  frames: tuple[pd.DataFrame, pd.DataFrame] | None = None, meta: dict[str, Any] | None = None,
                  **kw: Any) -> Path:
    """Write a commune's results workbook as `hgn classify` would."""
    hh, mm = frames if frames is not None else classified(code, n, day=day, **kw)
    info: dict[str, Any] = {"tool_version": tool_version, "standard": standard, "standard_sha256": "ab" * 32,
                            "level": "commune", "unit": code, "review_date": day.isoformat()}
    if run_time:
        info["run_time"] = run_time
    info.update(meta or {})
    path = folder / (name or f"{code}.xlsx")
    write_results(Results(hh, mm, meta=info), path)
    return path


def size_of(code: str) -> int:
    """Households written for a commune by `write_all`: 2 to 8, so communes differ."""
    return int(code) % 7 + 2


def write_all(folder: Path, codes: Sequence[str], **kw: Any) -> list[Path]:
    return [write_commune(folder, c, n=size_of(c), **kw) for c in codes]


def codes_of(findings: Sequence[Any]) -> list[str]:
    return [f.code for f in findings]


def rows_as_set(df: pd.DataFrame, drop: Sequence[str] = ()) -> set[tuple[Any, ...]]:
    cols = sorted(c for c in df.columns if c not in drop)
    norm = df[cols].astype("string").fillna("<NA>")
    return set(norm.itertuples(index=False, name=None))


def total_row(m: MergeResult) -> pd.Series:
    return m.results.summary.iloc[-1]


# --------------------------------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def kim_thanh(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """Results files of all 14 communes of Huyện Kim Thành (review of 1/10/2024)."""
    return write_all(tmp_path_factory.mktemp("kt"), communes(KIM_THANH))


@pytest.fixture(scope="module")
def gia_loc(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return write_all(tmp_path_factory.mktemp("gl"), communes(GIA_LOC))


@pytest.fixture(scope="module")
def kim_thanh_merge(kim_thanh: list[Path]) -> MergeResult:
    return merge_results(kim_thanh)


# --------------------------------------------------------------------------------------------- district level
def test_district_merge_infers_the_district_and_keeps_every_row(kim_thanh: list[Path], kim_thanh_merge: MergeResult) -> None:
    """Fourteen communes of one district merge into that district; every household and member is kept once,
    with its provenance and the registry's district and province codes."""
    m = kim_thanh_merge
    assert (m.level, m.unit, m.unit_name) == ("district", KIM_THANH, "Huyện Kim Thành")
    expected_hh = sum(size_of(c) for c in communes(KIM_THANH))
    hh, mm = m.results.households, m.results.members
    assert len(hh) == expected_hh
    assert hh["uid"].tolist() == list(range(expected_hh))
    for frame in (hh, mm):
        assert set(frame["ma_huyen"]) == {KIM_THANH} and set(frame["ma_tinh"]) == {HAI_DUONG}
    assert (hh["unit"] == hh["ma_xa"]).all()
    assert set(hh["source_file"]) == {str(p) for p in kim_thanh}
    assert hh["source_sha256"].str.fullmatch(r"[0-9a-f]{64}").all()
    # members point at their household's new uid and carry its unit
    joined = mm.merge(hh[["uid", "ma_ho", "unit"]], on="uid", suffixes=("", "_hh"))
    assert len(joined) == len(mm)
    assert (joined["ma_ho"] == joined["ma_ho_hh"]).all() and (joined["unit"] == joined["unit_hh"]).all()
    assert m.missing_units == [] and m.reconciled and m.balanced
    assert m.results.meta["partial"] is False and m.results.meta["level"] == "district"
    assert [e["units"] for e in m.results.meta["inputs"]] == [[p.stem] for p in sorted(kim_thanh, key=str)]


def test_district_summary_has_one_row_per_commune_and_a_total(kim_thanh_merge: MergeResult) -> None:
    """The summary lists the district's communes in code order and a total equal to the rows' sums; households
    that moved away are counted apart from those present at the end."""
    s = kim_thanh_merge.results.summary
    assert s["don_vi"].tolist() == [*communes(KIM_THANH), KIM_THANH]
    body, total = s.iloc[:-1], s.iloc[-1]
    hh, mm = kim_thanh_merge.results.households, kim_thanh_merge.results.members
    gone = hh["tinh_trang_ho"] == "Chuyển đi"
    assert gone.any()
    assert int(total["so_ho"]) == int((~gone).sum()) == int(body["so_ho"].sum())
    assert int(total["ho_roi_di"]) == int(gone.sum())
    assert int(total["so_nhan_khau"]) + int(total["nhan_khau_roi_di"]) == len(mm)
    assert int(total["so_nhan_khau"]) == int(mm["uid"].isin(hh.loc[~gone, "uid"]).sum())
    assert int(total["ho_ngheo"]) == int((hh["phan_loai"] == "Nghèo").sum())
    assert int(total["ho_can_ngheo"]) == int(((hh["phan_loai"] == "Cận nghèo") & ~gone).sum())
    for t in ("ngheo", "can_ngheo"):
        assert (body[f"{t}_cuoi_ky"] == body[f"{t}_dau_ky"] - body[f"{t}_giam"] + body[f"{t}_tang"]).all()


def test_reconciliation_is_zero_per_unit_and_class(kim_thanh_merge: MergeResult) -> None:
    """In = out for every commune and class, and in total; the table is part of the output."""
    r = kim_thanh_merge.results.extra_sheets[SHEET_RECON]
    assert (r["chenh_lech_ho"] == 0).all() and (r["chenh_lech_nhan_khau"] == 0).all()
    assert set(r["don_vi"]) == {*communes(KIM_THANH), KIM_THANH}
    per_class = r[r["phan_loai"] != "Tổng"]
    assert {"Nghèo", "Cận nghèo", "Không nghèo"} <= set(per_class["phan_loai"])
    grand = r.iloc[-1]
    assert (grand["don_vi"], grand["phan_loai"]) == (KIM_THANH, "Tổng")
    assert int(grand["ho_ra"]) == len(kim_thanh_merge.results.households)
    assert int(grand["nhan_khau_ra"]) == len(kim_thanh_merge.results.members)


def test_summary_json_reports_the_totals(kim_thanh_merge: MergeResult) -> None:
    """The JSON summary carries unit, level, totals, classes, coverage and reconciliation."""
    j = summary_json(kim_thanh_merge)
    hh = kim_thanh_merge.results.households
    assert j["unit"] == KIM_THANH and j["level"] == "district"
    assert j["households"] + j["departed"]["households"] == len(hh)
    assert j["persons"] + j["departed"]["persons"] == len(kim_thanh_merge.results.members)
    assert j["by_class"]["Nghèo"]["households"] == int((hh["phan_loai"] == "Nghèo").sum())
    assert sum(v["households"] for v in j["by_class"].values()) == j["households"]
    assert j["missing_units"] == [] and j["partial"] is False and j["reconciled"] is True


def test_coverage_gap_is_listed_by_code_and_name(kim_thanh: list[Path]) -> None:
    """Two communes left out: the merge runs, flagged partial, and names the missing communes everywhere."""
    left_out = {p.stem for p in kim_thanh[:2]}
    m = merge_results(kim_thanh[2:])
    assert m.unit == KIM_THANH and sorted(m.missing_units) == sorted(left_out)
    names = {c: REG.commune(c, BEFORE_DAY).name for c in left_out}
    assert m.results.meta["partial"] is True
    assert m.results.meta["missing_units"] == [{"code": c, "name": names[c]} for c in sorted(left_out)]
    j = summary_json(m)
    assert j["partial"] is True and j["missing_units"] == sorted(left_out)
    assert [u["code"] for u in j["missing_units_named"]] == sorted(left_out)
    cov = m.results.extra_sheets[SHEET_COVERAGE]
    absent = cov[~cov["co_du_lieu"].astype(bool)]
    assert sorted(absent["ma_xa"]) == sorted(left_out) and set(absent["ten_xa"]) == set(names.values())
    assert absent["so_ho_da_doc"].isna().all() and absent["tep"].isna().all()
    miss = [f for f in m.findings if f.code == "merge-unit-missing"]
    assert sorted((f.value, f.param("detail")) for f in miss) == sorted(names.items())
    # counts of a commune without data are blank, never 0
    s = m.results.summary.set_index("don_vi")
    assert s.loc[sorted(left_out), "so_ho"].isna().all()
    assert (s.loc[sorted(left_out), "du_lieu"] == "Không").all()


# --------------------------------------------------------------------------------------------- duplicates
def test_same_unit_in_two_files_is_refused(tmp_path: Path, kim_thanh: list[Path]) -> None:
    """A commune in two different files stops the merge and names the unit and both files."""
    code = kim_thanh[0].stem
    other = write_commune(tmp_path, code, n=5, name="lai.xlsx")
    with pytest.raises(InputError) as err:
        merge_results([*kim_thanh, other])
    assert code in err.value.message and str(other) in err.value.message and str(kim_thanh[0]) in err.value.message
    assert "--prefer" in err.value.hint


def test_prefer_newest_and_prefer_file_pick_one_version(tmp_path: Path, kim_thanh: list[Path]) -> None:
    """--prefer newest takes the later run; --prefer FILE takes that file; the other version is dropped and said so."""
    code = kim_thanh[0].stem
    newer = write_commune(tmp_path, code, n=5, name="moi.xlsx", run_time="2024-12-01T08:00:00")
    m = merge_results([*kim_thanh, newer], prefer="newest")
    hh = m.results.households
    assert (hh["unit"] == code).sum() == 5 and set(hh.loc[hh["unit"] == code, "source_file"]) == {str(newer)}
    dropped = [f for f in m.findings if f.code == "merge-unit-duplicate-resolved"]
    assert [(f.file, f.param("other")) for f in dropped] == [(str(kim_thanh[0]), str(newer))]
    assert m.reconciled and m.missing_units == []
    entry = next(e for e in m.results.meta["inputs"] if e["file"] == str(kim_thanh[0]))
    assert entry["units"] == [] and entry["dropped_units"] == [code]

    m2 = merge_results([*kim_thanh, newer], prefer=str(kim_thanh[0]))
    hh2 = m2.results.households
    assert (hh2["unit"] == code).sum() == size_of(code)
    assert set(hh2.loc[hh2["unit"] == code, "source_file"]) == {str(kim_thanh[0])}


def test_prefer_newest_needs_run_times(tmp_path: Path, kim_thanh: list[Path]) -> None:
    """Without a run time on both versions, --prefer newest cannot choose and says to name the file."""
    code = kim_thanh[0].stem
    undated = write_commune(tmp_path, code, n=5, name="khong_gio.xlsx", run_time=None)
    with pytest.raises(UsageError) as err:
        merge_results([*kim_thanh, undated], prefer="newest")
    assert "--prefer" in err.value.hint


def test_same_file_twice_is_counted_once(tmp_path: Path, kim_thanh: list[Path]) -> None:
    """A byte-identical copy of an input (same SHA-256) is reported once and counted once; the same path given
    again (a glob and the path typed too) is that one input, not a copy of itself."""
    copy = tmp_path / "ban_sao.xlsx"
    shutil.copyfile(kim_thanh[3], copy)
    m = merge_results([*kim_thanh, copy, kim_thanh[3]])
    dup = [f for f in m.findings if f.code == "file-duplicate"]
    first, second = sorted([str(kim_thanh[3]), str(copy)])
    assert [(f.file, f.param("other")) for f in dup] == [(second, first)]
    base = merge_results(kim_thanh)
    assert len(m.results.households) == len(base.results.households)
    assert len(m.results.meta["inputs"]) == len(kim_thanh)
    assert m.reconciled


def test_person_and_household_in_two_units_are_findings(tmp_path: Path) -> None:
    """The same personal ID, and the same (commune, household code), in two communes: each occurrence is a
    finding that names the other place (file, unit, row)."""
    a, b = communes(KIM_THANH)[:2]
    hh_a, mm_a = classified(a, 2)
    hh_b, mm_b = classified(b, 2)
    mm_b.loc[0, "so_dinh_danh"] = mm_a.loc[0, "so_dinh_danh"]  # a person listed in both communes
    # commune b's file also lists household a-0001 of commune a
    extra = hh_a.iloc[[1]].assign(uid=2, row=40, file=f"{b}.xlsx")
    hh_b = pd.concat([hh_b, extra], ignore_index=True)
    pa = write_commune(tmp_path, a, frames=(hh_a, mm_a))
    pb = write_commune(tmp_path, b, frames=(hh_b, mm_b))
    m = merge_results([pa, pb], level="district")
    people = [f for f in m.findings if f.code == "id-duplicate-batch"]
    assert sorted((f.file, f.row) for f in people) == [(f"{a}.xlsx", 2), (f"{b}.xlsx", 2)]
    at_a = next(f for f in people if f.file == f"{a}.xlsx")
    assert at_a.param("other") == f"{b}.xlsx, đơn vị {b}, dòng 2"
    assert at_a.value is None  # the ID itself is personal data: the location is enough
    homes = [f for f in m.findings if f.code == "merge-household-duplicate-units"]
    assert sorted((f.file, f.row, f.value) for f in homes) == [
        (f"{a}.xlsx", 3, f"{a}-0001"), (f"{b}.xlsx", 40, f"{a}-0001")]
    assert next(f for f in homes if f.row == 40).param("other") == f"{a}.xlsx, đơn vị {a}, dòng 3"
    # both are still counted, each under the file that reported it
    assert len(m.results.households) == 5 and m.reconciled


# --------------------------------------------------------------------------------------------- standards
def test_mixed_standards_are_refused_unless_allowed(tmp_path: Path, kim_thanh: list[Path]) -> None:
    """Inputs classified under another standard or tool version stop the merge; --allow-mixed merges with a warning."""
    odd = write_commune(tmp_path, kim_thanh[0].stem, name="khac.xlsx", standard="bac-ninh-2024")
    rest = kim_thanh[1:]
    with pytest.raises(InputError) as err:
        merge_results([odd, *rest])
    assert "bac-ninh-2024" in err.value.message and str(odd) in err.value.message
    assert "--allow-mixed" in err.value.hint
    newer_tool = write_commune(tmp_path, kim_thanh[0].stem, name="v2.xlsx", tool_version="0.2.0")
    with pytest.raises(InputError):
        merge_results([newer_tool, *rest])
    m = merge_results([odd, *rest], allow_mixed=True)
    assert "merge-mixed-inputs" in codes_of(m.findings)
    assert m.results.meta["standard"] == f"bac-ninh-2024;{STANDARD}"


# --------------------------------------------------------------------------------------------- movements
def test_unbalanced_movements_are_an_error_naming_the_unit(tmp_path: Path, kim_thanh: list[Path]) -> None:
    """A household whose movement label contradicts its classes breaks end = start − decreases + increases."""
    code = kim_thanh[0].stem
    hh, mm = classified(code, 3)
    hh.loc[0, "dien_bien"] = "Thoát nghèo (trên cận nghèo)"  # still poor at the end, yet counted as a decrease
    bad = write_commune(tmp_path, code, frames=(hh, mm))
    m = merge_results([bad, *kim_thanh[1:]])
    unbalanced = [f for f in m.findings if f.code == "movement-unbalanced"]
    assert unbalanced and not m.balanced
    assert any(code in f.param("detail") for f in unbalanced)
    assert any("toàn bộ" in f.param("detail") for f in unbalanced)  # and the total
    assert m.reconciled  # counting is still exact
    assert m.results.meta["movements_balanced"] is False


# --------------------------------------------------------------------------------------------- hierarchy
def test_commune_of_another_district_is_refused(tmp_path: Path, kim_thanh: list[Path], gia_loc: list[Path]) -> None:
    """A commune of another district in a district merge stops it, naming the file and the commune."""
    with pytest.raises(InputError) as err:
        merge_results([*kim_thanh, gia_loc[0]], level="district")
    assert str(gia_loc[0]) in err.value.message and gia_loc[0].stem in err.value.message
    assert "Huyện Kim Thành" in err.value.message
    with pytest.raises(InputError):
        merge_results([gia_loc[0]], unit=KIM_THANH)
    # without a level the two districts go up to their province, partially covered
    m = merge_results([*kim_thanh, gia_loc[0]])
    assert (m.level, m.unit) == ("province", HAI_DUONG) and m.results.meta["partial"] is True


def test_commune_of_another_province_is_refused(tmp_path: Path, kim_thanh: list[Path]) -> None:
    """A commune of Bắc Ninh (27) given with Hải Dương's districts is refused by name."""
    foreign = REG.communes_of("27", BEFORE_DAY)[0].code
    path = write_commune(tmp_path, foreign)
    with pytest.raises(InputError) as err:
        merge_results([*kim_thanh, path], unit=HAI_DUONG)
    assert foreign in err.value.message and str(path) in err.value.message


@pytest.fixture(scope="module")
def district_merges(tmp_path_factory: pytest.TempPathFactory, kim_thanh: list[Path], gia_loc: list[Path]) -> list[Path]:
    folder = tmp_path_factory.mktemp("districts")
    out = []
    for name, files in (("kim_thanh.xlsx", kim_thanh), ("gia_loc.xlsx", gia_loc)):
        path = folder / name
        write_merge(merge_results(files), path)
        out.append(path)
    return out


def test_three_levels_give_the_same_rows_and_totals_as_communes_directly(
        kim_thanh: list[Path], gia_loc: list[Path], district_merges: list[Path]) -> None:
    """Associativity: communes → districts → province equals communes → province."""
    via = merge_results(district_merges)
    direct = merge_results([*kim_thanh, *gia_loc], level="province")
    assert (via.level, via.unit) == (direct.level, direct.unit) == ("province", HAI_DUONG)
    for frame in ("households", "members"):
        a, b = getattr(via.results, frame), getattr(direct.results, frame)
        assert len(a) == len(b)
        assert rows_as_set(a) == rows_as_set(b)
    pd.testing.assert_frame_equal(via.results.summary, direct.results.summary)
    assert via.missing_units == direct.missing_units and len(via.missing_units) == 207 - 28
    assert via.reconciled and direct.reconciled
    # the province summary has one row per district; Kim Thành and Gia Lộc complete, the others without data
    s = via.results.summary.set_index("don_vi")
    assert len(s) == 13 and s.loc[KIM_THANH, "du_lieu"] == "Đủ" and s.loc["288", "du_lieu"] == "Không"


@pytest.mark.parametrize("split", [1, 7, 13])
def test_a_mix_of_district_and_commune_results_is_associative(
        split: int, kim_thanh: list[Path], gia_loc: list[Path], district_merges: list[Path], tmp_path: Path) -> None:
    """A district result (of part of its communes) plus the rest of the communes, and a whole district result,
    give the province the same rows as all the communes directly."""
    part = tmp_path / "kt_part.xlsx"
    write_merge(merge_results(kim_thanh[:split]), part)
    mixed = merge_results([part, *kim_thanh[split:], district_merges[1]])
    direct = merge_results([*kim_thanh, *gia_loc], unit=HAI_DUONG)
    assert rows_as_set(mixed.results.households) == rows_as_set(direct.results.households)
    assert rows_as_set(mixed.results.members) == rows_as_set(direct.results.members)
    pd.testing.assert_frame_equal(mixed.results.summary, direct.results.summary)
    assert mixed.reconciled


def test_a_commune_inside_a_district_result_and_alone_is_one_unit(kim_thanh: list[Path], district_merges: list[Path]) -> None:
    """The same commune file given alone and inside a district result is the same data: kept once."""
    m = merge_results([district_merges[0], kim_thanh[0]], unit=HAI_DUONG)
    assert len(m.results.households) == len(merge_results(kim_thanh).results.households)
    assert "merge-unit-duplicate-resolved" in codes_of(m.findings)


def test_district_level_input_into_a_district_and_province_merges_are_refused(
        district_merges: list[Path], tmp_path: Path) -> None:
    """A district result cannot be merged into a district, and a province result cannot be merged at all."""
    with pytest.raises(InputError) as err:
        merge_results([district_merges[0]], level="district")
    assert str(district_merges[0]) in err.value.message
    province = tmp_path / "tinh.xlsx"
    write_merge(merge_results(district_merges), province)
    with pytest.raises(InputError) as err2:
        merge_results([province])
    assert str(province) in err2.value.message and "tỉnh" in err2.value.message


def test_a_raw_commune_return_is_refused(tmp_path: Path, make_return: Any) -> None:
    """A commune return that was never classified is refused with a hint to classify it first."""
    raw = make_return(tmp_path)
    with pytest.raises(InputError) as err:
        merge_results([raw])
    assert str(raw) in err.value.message and "hgn classify" in err.value.hint


def test_tampered_district_result_fails_reconciliation(district_merges: list[Path], tmp_path: Path) -> None:
    """A district result whose rows no longer match its own counts: the difference is an error naming the unit."""
    res = read_results(district_merges[0])
    first_unit = res.households["unit"].iloc[0]
    res.households = res.households.iloc[1:].reset_index(drop=True)
    res.members = res.members[res.members["uid"] != 0].reset_index(drop=True)
    # (a member or household count left as it was refuses the file: test_review14_merge, test_review40_edited)
    res.meta["members"], res.meta["households"] = len(res.members), len(res.households)
    edited = tmp_path / "sua_tay.xlsx"
    write_results(res, edited)
    m = merge_results([edited, district_merges[1]])
    assert not m.reconciled
    bad = [f for f in m.findings if f.code == "merge-reconciliation-mismatch"]
    assert [f.value.split()[0] for f in bad] == [first_unit]
    r = m.results.extra_sheets[SHEET_RECON]
    assert int(r.iloc[-1]["chenh_lech_ho"]) == 1


# --------------------------------------------------------------------------------------------- two levels
@pytest.fixture(scope="module")
def hai_phong(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    folder = tmp_path_factory.mktemp("hp")
    return [write_commune(folder, c, n=2, day=AFTER_DAY) for c in communes(HAI_PHONG, AFTER_DAY)[:6]]


def test_after_the_reform_communes_merge_into_the_province(hai_phong: list[Path]) -> None:
    """From 1/7/2025 communes roll up straight into the province; there is no district code."""
    m = merge_results(hai_phong)
    assert (m.level, m.unit) == ("province", HAI_PHONG)
    hh = m.results.households
    assert hh["ma_huyen"].isna().all() and set(hh["ma_tinh"]) == {HAI_PHONG}
    assert m.results.summary["don_vi"].iloc[:-1].tolist() == communes(HAI_PHONG, AFTER_DAY)
    assert len(m.missing_units) == len(communes(HAI_PHONG, AFTER_DAY)) - 6
    assert "ma_huyen" not in m.results.extra_sheets[SHEET_COVERAGE].columns
    assert m.reconciled


def test_district_level_after_the_reform_is_a_usage_error(hai_phong: list[Path]) -> None:
    """--level district for a review after 1/7/2025 is refused with a hint to merge into the province."""
    with pytest.raises(UsageError) as err:
        merge_results(hai_phong, level="district")
    assert "--level province" in err.value.hint


def test_results_of_both_lists_need_the_crosswalk(hai_phong: list[Path], kim_thanh: list[Path]) -> None:
    """Results of the three-level and the two-level list do not mix without --to-2025-units."""
    with pytest.raises(InputError) as err:
        merge_results([*kim_thanh, hai_phong[0]])
    assert "--to-2025-units" in err.value.hint


# --------------------------------------------------------------------------------------------- crosswalk
WHOLE = "10771"  # Xã Kim Xuyên → 10750 Xã Phú Thái, "Nhập toàn bộ"
SPLIT = "10762"  # Xã Vũ Dũng → 10705 Xã Nam An Phụ and 10756 Xã Lai Khê, "Nhập một phần"
BY_POPULATION = "10798"  # Xã Hòa Bình → 10804 Kim Thành (part of the area, all of the population) and 10843


def test_crosswalk_facts_used_by_these_tests() -> None:
    """The registry's crosswalk says what the tests below assume."""
    assert [(e.new_code, e.whole) for e in REG.crosswalk(WHOLE)] == [("10750", True)]
    assert sorted((e.new_code, e.whole) for e in REG.crosswalk(SPLIT)) == [("10705", False), ("10756", False)]
    assert sorted(e.new_code for e in REG.crosswalk(BY_POPULATION)) == ["10804", "10843"]


def test_crosswalk_maps_whole_merges_and_lists_split_communes(tmp_path: Path) -> None:
    """Whole merges get the new commune code (the old one kept in ma_xa_cu); households of a split commune are
    not assigned: listed for a decision, left out of the new units' totals, and counted in the reconciliation."""
    whole = write_commune(tmp_path, WHOLE, n=3)
    split = write_commune(tmp_path, SPLIT, n=4, village="Thôn Đông")
    m = merge_results([whole, split], to_2025_units=True)
    assert (m.level, m.unit) == ("province", HAI_PHONG)
    hh, mm = m.results.households, m.results.members
    assert len(hh) == 3 and set(hh["ma_xa"]) == {"10750"} and set(hh["ma_xa_cu"]) == {WHOLE}
    assert set(hh["unit"]) == {"10750"} and set(hh["co_so_quy_doi"]) == {"toan_bo"}
    assert set(hh["ma_tinh"]) == {HAI_PHONG} and hh["ma_huyen"].isna().all()
    assert set(mm["ma_xa"]) == {"10750"} and set(mm["ma_xa_cu"]) == {WHOLE} and set(mm["ma_tinh"]) == {HAI_PHONG}
    assert len(mm) == sum(k % 3 + 1 for k in range(3))
    wait = m.results.extra_sheets[SHEET_PENDING]
    assert len(wait) == 4 and set(wait["ma_xa_cu"]) == {SPLIT}
    assert set(wait["xa_moi_co_the"]) == {"10705 Xã Nam An Phụ; 10756 Xã Lai Khê"}
    pend = [f for f in m.findings if f.code == "crosswalk-pending"]
    assert len(pend) == 1 and pend[0].value == "4" and SPLIT in pend[0].param("detail")
    assert m.results.meta["crosswalk_pending"]["households"] == 4
    j = summary_json(m)
    assert j["households"] == 3 and j["crosswalk_pending"]["by_old_commune"][0]["ma_xa_cu"] == SPLIT
    r = m.results.extra_sheets[SHEET_RECON]
    assert (r["chenh_lech_ho"] == 0).all() and (r["chenh_lech_nhan_khau"] == 0).all()
    row = r[(r["don_vi"] == SPLIT) & (r["phan_loai"] == "Tổng")].iloc[0]
    assert (row["ho_vao"], row["ho_ra"], row["ho_cho_quy_doi"]) == (4, 0, 4)
    assert m.reconciled
    cov = m.results.extra_sheets[SHEET_COVERAGE].set_index("ma_xa")
    assert cov.loc["10756", "du_lieu"] == "Một phần" and cov.loc["10756", "ho_cho_co_the_vao"] == 4
    # Phú Thái's other old communes have no results: it has figures, so it is not missing, but partial (session 10)
    assert "10750" not in m.missing_units and m.results.meta["partial"]
    part = [f for f in m.findings if f.code == "merge-unit-partial"]
    assert [f.value for f in part] == ["10750"] and part[0].param("other")
    assert WHOLE not in part[0].param("other").split(", ")
    out = tmp_path / "tinh.xlsx"
    write_merge(m, out)
    assert SHEET_PENDING in fastexcel.read_excel(str(out)).sheet_names


def test_crosswalk_mapping_file_decides_split_communes(tmp_path: Path) -> None:
    """A mapping by village assigns the split commune's households; a village it does not name stays pending."""
    hh1, mm1 = classified(SPLIT, 2, village="Thôn Đông")
    hh2, mm2 = classified(SPLIT, 3, village="Thôn Tây", start=2)
    hh2["uid"] += 2
    mm2["uid"] += 2
    hh3, mm3 = classified(SPLIT, 1, village="Thôn Nam", start=5)
    hh3["uid"] += 5
    mm3["uid"] += 5
    frames = (pd.concat([hh1, hh2, hh3], ignore_index=True), pd.concat([mm1, mm2, mm3], ignore_index=True))
    split = write_commune(tmp_path, SPLIT, frames=frames)
    csv = tmp_path / "quy_doi.csv"
    csv.write_text(f"ma_xa_cu,thon,ma_xa_moi\n{SPLIT},thôn đông,10705\n{SPLIT},Thôn  Tây,10756\n", encoding="utf-8")
    m = merge_results([split], to_2025_units=True, mapping=csv)
    hh = m.results.households
    assert sorted(zip(hh["thon"], hh["ma_xa"], strict=True)) == [("Thôn Tây", "10756")] * 3 + [("Thôn Đông", "10705")] * 2
    assert set(hh["co_so_quy_doi"]) == {"bang_quy_doi"}
    assert list(m.results.extra_sheets[SHEET_PENDING]["thon"]) == ["Thôn Nam"]
    assert m.reconciled
    # a blank village covers the rest of the old commune
    csv.write_text(f"ma_xa_cu,thon,ma_xa_moi\n{SPLIT},Thôn Đông,10705\n{SPLIT},,10756\n", encoding="utf-8")
    m2 = merge_results([split], to_2025_units=True, mapping=csv)
    assert m2.results.extra_sheets[SHEET_PENDING].empty and len(m2.results.households) == 6


def test_crosswalk_mapping_line_that_matches_no_household_is_said(tmp_path: Path) -> None:
    """A mapping line for a village no household of its old commune records (spelled another way) is a warning
    naming its line and the villages the households do record; a line that matches (case and spaces aside) is
    not."""
    hh1, mm1 = classified(SPLIT, 2, village="Thôn Đông")
    hh2, mm2 = classified(SPLIT, 1, village="Thôn Tây", start=2)
    hh2["uid"] += 2
    mm2["uid"] += 2
    frames = (pd.concat([hh1, hh2], ignore_index=True), pd.concat([mm1, mm2], ignore_index=True))
    split = write_commune(tmp_path, SPLIT, frames=frames)
    csv = tmp_path / "quy_doi.csv"
    csv.write_text(f"ma_xa_cu,thon,ma_xa_moi\n{SPLIT},thôn đông,10705\n{SPLIT},Thon Tay,10756\n", encoding="utf-8")
    m = merge_results([split], to_2025_units=True, mapping=csv)
    unused = [f for f in m.findings if f.code == "crosswalk-mapping-unused"]
    assert [(f.value, f.param("detail"), f.param("other")) for f in unused] == [("3", SPLIT, "Thon Tay")]
    assert unused[0].severity == "warning" and "Thôn Tây / Thôn Đông" in unused[0].hint()
    assert list(m.results.extra_sheets[SHEET_PENDING]["thon"]) == ["Thôn Tây"]  # still pending, now said why
    csv.write_text(f"ma_xa_cu,thon,ma_xa_moi\n{SPLIT},Thôn Đông,10705\n{SPLIT},THÔN  TÂY,10756\n", encoding="utf-8")
    assert not [f for f in merge_results([split], to_2025_units=True, mapping=csv).findings
                if f.code == "crosswalk-mapping-unused"]


def test_crosswalk_mapping_to_a_commune_the_old_one_did_not_join_is_refused(tmp_path: Path) -> None:
    """The mapping may only choose among the new communes the crosswalk names for the old one."""
    split = write_commune(tmp_path, SPLIT, n=2)
    csv = tmp_path / "sai.csv"
    csv.write_text(f"ma_xa_cu,thon,ma_xa_moi\n{SPLIT},Thôn 1,10750\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        merge_results([split], to_2025_units=True, mapping=csv)
    assert "dòng 2" in err.value.message and "10750" in err.value.message
    with pytest.raises(UsageError):
        merge_results([split], mapping=csv)


def test_crosswalk_whole_population_goes_with_it(tmp_path: Path) -> None:
    """An old commune split by area but whose whole population went into one new commune is mapped there,
    with its basis recorded and an information finding."""
    pop = write_commune(tmp_path, BY_POPULATION, n=2)
    m = merge_results([pop], to_2025_units=True)
    hh = m.results.households
    assert set(hh["ma_xa"]) == {"10804"} and set(hh["co_so_quy_doi"]) == {"toan_bo_dan_so"}
    assert "crosswalk-by-population" in codes_of(m.findings)
    assert m.results.extra_sheets[SHEET_PENDING].empty


def test_crosswalk_of_a_whole_district_is_associative(kim_thanh: list[Path], district_merges: list[Path]) -> None:
    """Re-expressing a district result in the new units gives the same rows as re-expressing its communes."""
    via = merge_results([district_merges[0]], to_2025_units=True)
    direct = merge_results(kim_thanh, to_2025_units=True)
    assert rows_as_set(via.results.households) == rows_as_set(direct.results.households)
    assert rows_as_set(via.pending) == rows_as_set(direct.pending)
    pd.testing.assert_frame_equal(via.results.summary, direct.results.summary)
    # Kim Thành's split communes (Vũ Dũng, Tuấn Việt) wait for a decision; the others are mapped
    assert set(direct.pending["ma_xa_cu"]) == {"10762", "10768"}
    assert set(direct.results.households["ma_xa_cu"]) == set(communes(KIM_THANH)) - {"10762", "10768"}


def test_crosswalk_with_results_already_in_the_new_units(tmp_path: Path) -> None:
    """Old results re-expressed in the new units merge with results of new communes, unless they overlap. (Two
    years' rounds, 2024 and 2025: merged on purpose with allow_mixed — since session 22 re-expressing them is no
    longer a silent exception to the rule that one district's figures are of one round, review 49.)"""
    old = write_commune(tmp_path, WHOLE, n=2)  # → 10750 Xã Phú Thái
    new = write_commune(tmp_path, "10507", n=3, day=AFTER_DAY)  # Phường Thành Đông, reviewed after the reform
    with pytest.raises(InputError) as mixed:
        merge_results([old, new], to_2025_units=True)
    assert "rà soát năm 2024" in mixed.value.message and "rà soát năm 2025" in mixed.value.message
    m = merge_results([old, new], to_2025_units=True, allow_mixed=True)
    hh = m.results.households
    assert sorted(set(hh["ma_xa"])) == ["10507", "10750"] and (hh["ma_xa"] == "10507").sum() == 3
    assert hh.loc[hh["ma_xa"] == "10507", "ma_xa_cu"].isna().all()
    assert hh.loc[hh["ma_xa"] == "10750", "ma_xa_cu"].eq(WHOLE).all()
    assert m.reconciled
    overlap = write_commune(tmp_path, "10750", n=1, day=AFTER_DAY)
    with pytest.raises(InputError) as err:
        merge_results([old, overlap], to_2025_units=True, allow_mixed=True)
    assert str(old) in err.value.message and "10750" in err.value.message


def test_a_commune_without_households_counts_as_present(tmp_path: Path, kim_thanh: list[Path]) -> None:
    """A commune whose results hold no household is covered (zero households), not missing."""
    code = kim_thanh[0].stem
    hh, mm = classified(code, 1)
    empty = write_commune(tmp_path, code, frames=(hh.iloc[0:0], mm.iloc[0:0]))
    m = merge_results([empty, *kim_thanh[1:]])
    assert m.missing_units == [] and m.reconciled
    s = m.results.summary.set_index("don_vi")
    assert s.loc[code, "so_ho"] == 0 and s.loc[code, "du_lieu"] == "Đủ"


def test_household_coded_to_a_commune_outside_the_parent_is_a_finding(tmp_path: Path, kim_thanh: list[Path]) -> None:
    """A household whose own commune code lies outside the district is counted under its file's commune, with an
    error naming the code, the district and the row."""
    code = kim_thanh[0].stem
    hh, mm = classified(code, 3)
    hh.loc[1, "ma_xa"] = communes(GIA_LOC)[0]
    odd = write_commune(tmp_path, code, frames=(hh, mm))
    m = merge_results([odd, *kim_thanh[1:]])
    out = [f for f in m.findings if f.code == "merge-household-outside-parent"]
    assert [(f.row, f.value, f.param("other")) for f in out] == [(3, communes(GIA_LOC)[0], code)]
    assert "Huyện Kim Thành" in out[0].param("detail")
    assert (m.results.households["unit"] == code).sum() == 3


# --------------------------------------------------------------------------------------------- with classify
@pytest.fixture(scope="module")
def classified_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Results of two communes of Huyện Thanh Miện written by the real validate → classify chain."""
    from conftest import COMMUNE, COMMUNE_2, household, make_id, make_return, member
    from hgn_review.pipeline import classify_paths

    folder = tmp_path_factory.mktemp("classified")
    poor = {"phan_loai_dau_ky": "Nghèo", "thu_nhap_bq": 900000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác",
            "nha_tieu": "Không có"}
    a = make_return(folder, [household(), household(ma_ho="11284-0002", **poor)],
                    [member(), member(ma_ho="11284-0002", so_dinh_danh=make_id(serial="000777"), ho_ten="Lê Văn Bình")],
                    name="a.xlsx")
    b = make_return(folder, [household(ma_xa=COMMUNE_2, ma_ho="11287-0001")],
                    [member(ma_ho="11287-0001", so_dinh_danh=make_id(serial="000555"))], name="b.xlsx")
    out = []
    for src, name in ((a, f"{COMMUNE}_kq.xlsx"), (b, f"{COMMUNE_2}_kq.xlsx")):
        target = folder / name
        write_results(classify_paths([src]).results, target)
        out.append(target)
    return out[0], out[1]


def test_results_of_the_classify_stage_merge(classified_pair: tuple[Path, Path]) -> None:
    """Results written by `hgn classify` merge into their district; in = out against their own summaries."""
    m = merge_results(list(classified_pair))
    assert (m.level, m.unit) == ("district", "300")
    assert m.reconciled and m.balanced
    j = summary_json(m)
    assert j["households"] == 3 and j["persons"] == 3
    assert j["by_class"]["Nghèo"]["households"] == 1
    assert sorted(m.results.households["unit"]) == ["11284", "11284", "11287"]


def test_a_classify_result_edited_by_hand_fails_reconciliation(classified_pair: tuple[Path, Path],
                                                               tmp_path: Path) -> None:
    """A household deleted from a classify result after the run no longer matches the count the result records:
    the file is refused (since session 19; it was merged with a reconciliation mismatch). With the count edited
    too, it no longer matches the result's own summary: the reconciliation names the commune."""
    res = read_results(classified_pair[0])
    res.households = res.households.iloc[1:].reset_index(drop=True)
    edited = tmp_path / "sua.xlsx"
    write_results(res, edited)
    with pytest.raises(InputError, match="không trọn vẹn"):
        merge_results([edited, classified_pair[1]])
    res.meta["households"] = len(res.households)
    write_results(res, edited)
    m = merge_results([edited, classified_pair[1]])
    assert not m.reconciled
    bad = [f for f in m.findings if f.code == "merge-reconciliation-mismatch"]
    assert [f.value.split()[0] for f in bad] == ["11284"] and bad[0].file == str(edited)


# --------------------------------------------------------------------------------------------- properties
@pytest.mark.parametrize("order", [[3, 1, 0, 2], [2, 3, 1, 0], [1, 0, 3, 2]])
def test_input_order_does_not_matter(order: list[int], kim_thanh: list[Path], gia_loc: list[Path]) -> None:
    """Commutativity: the same inputs in another order give identical frames."""
    files = [kim_thanh[0], kim_thanh[5], gia_loc[2], gia_loc[9]]
    a = merge_results(files)
    b = merge_results([files[i] for i in order])
    for frame in ("households", "members", "summary"):
        pd.testing.assert_frame_equal(getattr(a.results, frame), getattr(b.results, frame))
    for sheet in (SHEET_COVERAGE, SHEET_RECON):
        pd.testing.assert_frame_equal(a.results.extra_sheets[sheet], b.results.extra_sheets[sheet])
    assert [f.to_dict() for f in a.findings] == [f.to_dict() for f in b.findings]


def test_rerunning_gives_the_same_values(kim_thanh: list[Path]) -> None:
    """Two runs over the same inputs give the same frames and metadata apart from the run time."""
    a, b = merge_results(kim_thanh[:5]), merge_results(kim_thanh[:5])
    pd.testing.assert_frame_equal(a.results.households, b.results.households)
    pd.testing.assert_frame_equal(a.results.members, b.results.members)
    pd.testing.assert_frame_equal(a.results.findings, b.results.findings)
    strip = {k: v for k, v in a.results.meta.items() if k != "run_time"}
    assert strip == {k: v for k, v in b.results.meta.items() if k != "run_time"}


# --------------------------------------------------------------------------------------------- output
def test_written_merge_round_trips_and_parquet_folder_merges_again(kim_thanh: list[Path], tmp_path: Path) -> None:
    """The workbook carries the coverage and reconciliation sheets; the Parquet folder, with its meta.json,
    is itself a valid input of a province merge."""
    m = merge_results(kim_thanh)
    out, folder = tmp_path / "huyen.xlsx", tmp_path / "huyen_parquet"
    written = write_merge(m, out, folder)
    assert out in written and folder / "meta.json" in written
    back = read_results(out)
    assert set(back.extra_sheets) == {SHEET_COVERAGE, SHEET_RECON}
    assert back.meta["level"] == "district" and back.meta["unit"] == KIM_THANH
    assert back.households["ma_huyen"].eq(KIM_THANH).all()
    assert len(back.findings) == len(m.results.findings)
    again = merge_results([folder])
    assert (again.level, again.unit) == ("province", HAI_DUONG)
    assert rows_as_set(again.results.households) == rows_as_set(merge_results(kim_thanh, unit=HAI_DUONG).results.households)


def test_merge_codes_render_in_both_languages() -> None:
    """Every merge code has Vietnamese and English text that formats with its parameters, and its findings
    count in a Report like any other."""
    made = []
    for code, severity, _vi, _en, _hv, _he in MERGE_CODES:
        f = note(code, value="10750", detail="Xã Đồng Cẩm", other="tệp khác")
        made.append(f)
        assert f.severity == severity
        for lang in ("vi", "en"):
            text = f.message(lang)
            assert "{" not in text and ("10750" in text or "Xã Đồng Cẩm" in text)
        assert f.message("vi") != f.message("en")
        assert f.to_dict("en")["message"] == f.message("en")
    report = Report(findings=made)
    assert sum(report.counts().values()) == len(MERGE_CODES)
    assert len(report.to_frame()) == len(MERGE_CODES)


def test_bad_options_are_usage_errors(kim_thanh: list[Path], tmp_path: Path) -> None:
    """Unknown levels and units, an empty input list and a --prefer file that is not an input are usage errors."""
    with pytest.raises(UsageError):
        merge_results(kim_thanh, level="commune")
    with pytest.raises(UsageError):
        merge_results(kim_thanh, unit="1")
    with pytest.raises(UsageError):
        merge_results([])
    with pytest.raises(UsageError):
        merge_results(kim_thanh, unit="999")
    with pytest.raises(UsageError):
        merge_results(kim_thanh, level="province", unit=KIM_THANH)
    stranger = write_commune(tmp_path, communes(GIA_LOC)[0])
    with pytest.raises(UsageError):
        merge_results(kim_thanh, prefer=str(stranger))


def test_bundles_differing_only_in_text_flavour_stack_as_arrow(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Parquet folders whose text columns were written as pandas "str" by one hgn version and "string" by another
    are one form: they take the Arrow path (not the slow per-input pandas path) and give the same frames, dtypes
    included, as the pandas path (where "string" wins, as in pd.concat, even when only one input has it)."""
    import hgn_review.merge as merge_module
    from hgn_review.io.results import write_bundle

    codes = communes(KIM_THANH)[:4]
    folders = []
    for i, code in enumerate(codes):
        hh, mm = classified(code, n=size_of(code))
        meta = {"tool_version": "0.1.0", "standard": STANDARD, "standard_sha256": "ab" * 32, "level": "commune",
                "unit": code, "review_date": BEFORE_DAY.isoformat(), "run_time": "2024-11-20T10:00:00"}
        flavour = "string" if i == 2 else "str"
        write_bundle(Results(hh.astype({"file": flavour}), mm.astype({"file": flavour}), meta=meta), tmp_path / code)
        folders.append(tmp_path / code)
    stacked: list[int] = []
    real = merge_module.stack_arrow
    monkeypatch.setattr(merge_module, "stack_arrow", lambda *a, **k: (stacked.append(1), real(*a, **k))[1])
    fast = merge_results(folders, level="district")
    assert stacked == [1]
    monkeypatch.setattr(merge_module, "arrow_ready", lambda *a, **k: False)
    slow = merge_results(folders, level="district")
    assert stacked == [1]
    pd.testing.assert_frame_equal(fast.results.households, slow.results.households)
    pd.testing.assert_frame_equal(fast.results.members, slow.results.members)
    assert fast.results.households["file"].dtype == "string"
    assert fast.reconciled and len(fast.results.households) == sum(size_of(c) for c in codes)
