"""Review 22 — the roll-up from communes to district to province, and its proof that nothing was lost or counted
twice (README: "consolidates communes into districts and provinces while proving that no household was lost or
counted twice").

Small `hgn sample` returns (10 households each) for two districts of Hải Dương (30) before 7/2025 — Nam Sách
(291) and Bình Giang (296), two communes each — laid out in district sub-folders, run as a province and as two
districts, merged, and damaged the ways a province officer's folder gets damaged.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import ok, read_csv, run_hgn

ROOT = Path(__file__).resolve().parents[1]
DISTRICTS = {"291": "Huyện Nam Sách", "296": "Huyện Bình Giang"}
TABLE_FORMS = [f"bieu_{n:02d}.xlsx" for n in range(1, 14)]  # one row per unit and a total row
ALL_FORMS = [f"bieu_{n:02d}.xlsx" for n in range(1, 16)]


# ------------------------------------------------------------------------------------------------ helpers
def _sample(dst: Path, *, district: str | None, seed: int, province: str = "30", year: int = 2024,
            communes: int = 2, households: int = 10) -> None:
    from hgn_review.sample import generate_sample

    generate_sample(dst, province=province, district=district, communes=communes, households=households,
                    seed=seed, error_rate=0.0, year=year)
    (dst / "manifest.json").unlink()


def _json(proc: Any) -> dict[str, Any]:
    ok(proc)
    return json.loads(proc.stdout)


def _run(src: Path, out: Path) -> dict[str, Any]:
    return _json(run_hgn("run", src, "--out", out, "--jobs", "1", "--json", cwd=ROOT))


def _sheets(path: Path) -> dict[str, list[list[Any]]]:
    wb = openpyxl.load_workbook(path, data_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    finally:
        wb.close()


def _labelled(rows: list[list[Any]], label: str) -> list[list[Any]]:
    return [r for r in rows if len(r) > 1 and isinstance(r[1], str) and r[1].strip() == label]


def _findings(path: Path) -> list[dict[str, Any]]:
    rows = _sheets(path)["Phát hiện"]
    head = rows[0]
    return [dict(zip(head, r, strict=False)) for r in rows[1:]]


def _merge_findings(path: Path) -> list[dict[str, Any]]:
    rows = _sheets(path)["Phát hiện"]
    key = rows[1]  # the machine keys under the Vietnamese headers
    return [dict(zip(key, r, strict=False)) for r in rows[2:]]


def _recon_total(path: Path) -> list[Any]:
    rows = _sheets(path)["Đối chiếu"]
    key = rows[1]
    recs = [dict(zip(key, r, strict=False)) for r in rows[2:]]
    tot = [r for r in recs if r["phan_loai"] == "Tổng" and len(str(r["don_vi"])) == 2]
    assert len(tot) == 1, recs
    return [tot[0][k] for k in ("ho_vao", "ho_ra", "nhan_khau_vao", "nhan_khau_ra")]


# ------------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def province(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """P30/291/… and P30/296/…: two communes of 10 households in each district."""
    root = tmp_path_factory.mktemp("rollup") / "P30"
    for d in DISTRICTS:
        _sample(root / d, district=d, seed=3)
    return root


@pytest.fixture(scope="module")
def runs(province: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`hgn run` over the province folder and over each district folder."""
    out = tmp_path_factory.mktemp("runs")
    res: dict[str, Any] = {"out": out, "prov": _run(province, out / "prov")}
    for d in DISTRICTS:
        res[d] = _run(province / d, out / d)
    return res


def _damaged(province: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "P30"
    shutil.copytree(province, dst)
    return dst


# ------------------------------------------------------------------------------------------------ guards
# guard (passes)
def test_province_run_is_the_sum_of_its_district_runs(runs: dict[str, Any]) -> None:
    """Each district's row of the province forms is that district's own total row, the province total is their
    sum (households, persons), and the population list holds as many rows as the districts' lists together."""
    out = runs["out"]
    assert runs["prov"]["level"] == "province"
    assert runs["prov"]["counted"] == {
        k: sum(runs[d]["counted"][k] for d in DISTRICTS) for k in ("households", "persons")}
    for form in TABLE_FORMS:
        prov = _sheets(out / "prov" / "bao_cao" / form)
        for title, rows in prov.items():
            for d, name in DISTRICTS.items():
                mine = _labelled(rows, name)
                theirs = _labelled(_sheets(out / d / "bao_cao" / form)[title], "Tổng cộng")
                assert len(mine) == 1 and len(theirs) == 1, (form, d)
                if len(mine[0]) == len(theirs[0]):  # Biểu 09's minority columns follow the groups present
                    assert mine[0][2:] == theirs[0][2:], (form, d)
                else:
                    assert mine[0][2] == theirs[0][2], (form, d)
    b01 = _labelled(_sheets(out / "prov" / "bao_cao" / "bieu_01.xlsx")["Biểu 01"], "Tổng cộng")[0]
    assert b01[2:4] == [runs["prov"]["counted"]["households"], runs["prov"]["counted"]["persons"]]
    n_prov = len(read_csv(out / "prov" / "bao_cao" / "danh_sach_csdl_dan_cu.csv"))
    n_dist = sum(len(read_csv(out / d / "bao_cao" / "danh_sach_csdl_dan_cu.csv")) for d in DISTRICTS)
    assert n_prov == n_dist > 0


# guard (passes)
def test_merge_of_district_results_equals_the_province_run(runs: dict[str, Any], tmp_path: Path) -> None:
    """`hgn merge` of the two districts' ket_qua, then `hgn report`: the same fifteen forms and the same list as
    `hgn run` over the whole province, with the reconciliation rows in = rows out."""
    out = runs["out"]
    merged = tmp_path / "tinh.xlsx"
    m = _json(run_hgn("merge", out / "291" / "ket_qua", out / "296" / "ket_qua", "--out", merged,
                      "--parquet", tmp_path / "pq", "--json", cwd=ROOT))
    assert m["level"] == "province" and m["reconciled"] is True
    assert m["households"] == runs["prov"]["households"]
    ok(run_hgn("report", tmp_path / "pq", "--out-dir", tmp_path / "rep", cwd=ROOT))
    for form in ALL_FORMS:
        assert _sheets(tmp_path / "rep" / form) == _sheets(out / "prov" / "bao_cao" / form), form
    for name in ("danh_sach_csdl_dan_cu.csv", "danh_sach_csdl_dan_cu_chua_co_dinh_danh.csv"):
        assert read_csv(tmp_path / "rep" / name) == read_csv(out / "prov" / "bao_cao" / name)
    ho_vao, ho_ra, nk_vao, nk_ra = _recon_total(merged)
    assert (ho_vao, nk_vao) == (ho_ra, nk_ra) == (m["households"], m["persons"])


# guard (passes)
def test_same_return_in_two_district_folders_is_counted_once(province: Path, runs: dict[str, Any],
                                                             tmp_path: Path) -> None:
    src = _damaged(province, tmp_path)
    ret = next((src / "291").glob("10606_*.xlsx"))
    shutil.copy(ret, src / "296" / ret.name)
    res = _run(src, tmp_path / "out")
    assert res["copies"] == 1
    assert res["counted"] == runs["prov"]["counted"]
    dup = [f for f in _findings(tmp_path / "out" / "phat_hien.xlsx") if f["Mã lỗi"] == "file-duplicate"]
    assert len(dup) == 1 and ret.name in dup[0]["Nội dung"]


# guard (passes)
def test_renamed_return_is_read_by_its_content(province: Path, runs: dict[str, Any], tmp_path: Path) -> None:
    src = _damaged(province, tmp_path)
    ret = next((src / "291").glob("10609_*.xlsx"))
    ret.rename(ret.with_name("bieu ra soat gui lai.xlsx"))
    res = _run(src, tmp_path / "out")
    assert res["counted"] == runs["prov"]["counted"]
    assert res["by_class"] == runs["prov"]["by_class"]


# guard (passes)
def test_two_different_returns_of_one_commune_are_set_apart_and_said(province: Path, runs: dict[str, Any],
                                                                    tmp_path: Path) -> None:
    """Both are left out, each said with its 10 households; the households counted plus those set apart are the
    households read."""
    src = _damaged(province, tmp_path)
    ret = next((src / "291").glob("10609_*.xlsx"))
    wb = openpyxl.load_workbook(ret)
    wb["Hộ gia đình"]["W2"] = "Người rà soát khác"
    wb.save(src / "296" / "10609_ban_sua.xlsx")
    res = _run(src, tmp_path / "out")
    two = [f for f in _findings(tmp_path / "out" / "phat_hien.xlsx") if f["Mã lỗi"] == "commune-in-two-returns"]
    assert len(two) == 2 and all(str(f["Giá trị"]) == "10" for f in two)
    assert res["counted"]["households"] + 2 * 10 == runs["prov"]["counted"]["households"] + 10
    assert sum("10 hộ" in n for n in res["notes"]) == 2


# guard (passes)
def test_return_of_another_province_is_set_apart(province: Path, runs: dict[str, Any], tmp_path: Path) -> None:
    src = _damaged(province, tmp_path)
    other = tmp_path / "hn"
    _sample(other, district="001", province="01", seed=4, communes=1, households=5)
    for f in other.glob("*.xlsx"):
        shutil.copy(f, src / "296" / f.name)
    res = _run(src, tmp_path / "out")
    assert res["counted"] == runs["prov"]["counted"] and res["unit"] == "30"
    out = [f for f in _findings(tmp_path / "out" / "phat_hien.xlsx") if f["Mã lỗi"] == "file-outside-round"]
    assert len(out) == 1 and str(out[0]["Giá trị"]) == "5"


# guard (passes)
def test_return_mixing_two_communes_counts_each_household_once(province: Path, runs: dict[str, Any],
                                                               tmp_path: Path) -> None:
    """Three households of 10609's return typed 10606 (a commune with its own return): each is an error at its
    cell and waits undecided in 10609's return — none is counted in 10606 as well."""
    src = _damaged(province, tmp_path)
    ret = next((src / "291").glob("10609_*.xlsx"))
    wb = openpyxl.load_workbook(ret)
    for row in (2, 3, 4):
        wb["Hộ gia đình"].cell(row, 3).value = "10606"
    wb.save(ret)
    res = _run(src, tmp_path / "out")
    assert res["counted"] == runs["prov"]["counted"]
    assert res["by_class"].get("Chưa đủ thông tin") == 3
    cells = sorted(f["Ô"] for f in _findings(tmp_path / "out" / "phat_hien.xlsx") if f["Mã lỗi"] == "commune-mismatch")
    assert cells == ["C2", "C3", "C4"]


# guard (passes)
def test_post_reform_province_run(tmp_path: Path) -> None:
    """A 2025 round (new commune codes, no district): the province run works at the two-level units."""
    src = tmp_path / "P31"
    _sample(src, district=None, province="31", year=2025, communes=3, households=6, seed=5)
    res = _run(src, tmp_path / "out")
    assert (res["level"], res["unit"]) == ("province", "31")
    rows = _sheets(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")["Biểu 01"]
    assert any(r[1] == "Xã, phường, đặc khu" for r in rows)  # communes, not districts
    assert _labelled(rows, "Tổng cộng")[0][2] == res["counted"]["households"] == 18


# guard (passes)
def test_to_2025_units_maps_old_results_without_loss(province: Path, runs: dict[str, Any], tmp_path: Path) -> None:
    """Old results re-expressed in the 2025 units: whole merges go to their new commune; 10960 Vĩnh Hồng, split
    between 10945 Kẻ Sặt and 10966 Bình Giang, waits in "Chờ quy đổi" (counted in the reconciliation) until a
    mapping by village places every household."""
    src = _damaged(province, tmp_path)
    extra = tmp_path / "all296"
    _sample(extra, district="296", seed=11, communes=0, households=4)
    shutil.copy(next(extra.glob("10960_*.xlsx")), src / "296")
    for d in DISTRICTS:
        _run(src / d, tmp_path / d)
    ins = [tmp_path / d / "ket_qua" for d in DISTRICTS]
    m = _json(run_hgn("merge", *ins, "--to-2025-units", "--out", tmp_path / "m.xlsx", "--json", cwd=ROOT))
    assert m["unit"] == "31" and m["reconciled"] is True
    base = runs["prov"]["counted"]["households"]
    assert m["households"] == base and m["crosswalk_pending"]["households"] == 4
    ho_vao, ho_ra, _nk_vao, _nk_ra = _recon_total(tmp_path / "m.xlsx")
    assert (ho_vao, ho_ra) == (base + 4, base)
    villages = {r[2] for r in _sheets(tmp_path / "m.xlsx")["Chờ quy đổi"][2:]}
    mapping = tmp_path / "map.csv"
    mapping.write_text("ma_xa_cu,thon,ma_xa_moi\n10960,,10966\n"
                       + "".join(f"10960,{v},10945\n" for v in sorted(villages)[:1]), encoding="utf-8")
    m2 = _json(run_hgn("merge", *ins, "--to-2025-units", "--mapping", mapping, "--out", tmp_path / "m2.xlsx",
                       "--json", cwd=ROOT))
    assert m2["households"] == base + 4 and m2["crosswalk_pending"]["households"] == 0
    assert _recon_total(tmp_path / "m2.xlsx")[:2] == [base + 4, base + 4]


# ------------------------------------------------------------------------------------------------ defects
def test_merge_given_one_result_twice_does_not_call_it_a_copy_of_itself(runs: dict[str, Any],
                                                                        tmp_path: Path) -> None:
    """DEFECT. `hgn merge out/291/ket_qua out/291/ket_qua out/296/ket_qua` (the same path twice — a shell glob
    plus the path typed again) reports a warning on out/291/ket_qua: "Tệp trùng nội dung với tệp out/291/ket_qua;
    chỉ xử lý một lần." with the hint "Xóa bản sao khỏi thư mục." — the file is called a copy of itself and the
    officer is told to delete "the copy", which is the district's only result; meta's duplicate_files lists it as
    the same as itself. `hgn validate` and `hgn classify` read a path given twice once, silently. An officer
    expects the same: one input, no duplicate-file warning (or at most "given twice", never "delete the copy").
    Likely cause: merge/__init__.py:_plan (via _read_inputs) keeps both entries of one path and
    merge/__init__.py:_dedupe_files then reports the second as a byte-identical copy of the first."""
    one = runs["out"] / "291" / "ket_qua"
    m = _json(run_hgn("merge", one, one, runs["out"] / "296" / "ket_qua", "--out", tmp_path / "t.xlsx", "--json",
                      cwd=ROOT))
    assert m["households"] == runs["prov"]["counted"]["households"]  # counted once: right
    self_dup = [f for f in _merge_findings(tmp_path / "t.xlsx")
                if f["code"] == "file-duplicate" and f["file"] == str(one) and str(one) in str(f["message"])]
    assert self_dup == [], self_dup[0]["message"] + " / " + self_dup[0]["hint"]
