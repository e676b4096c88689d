"""Review 8 (`hgn merge` and the merge stage of `hgn run`): defects in proving that nothing was lost or counted
twice when communes are consolidated into a district and districts into a province.

Each test writes small commune returns cell by cell (conftest.py), classifies them with `hgn classify` as an
officer would, merges the results with `hgn merge` (or runs `hgn run`) and states what the merge must say. Every
test here fails on the code as reviewed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import household, make_id, make_return, member, ok, run_hgn

FINDINGS_SHEET = "Phát hiện"


def _commune(folder: Path, code: str, n: int, *, serial0: int, day: str = "15/09/2024",
             declared: bool = False) -> Path:
    """A return of commune ``code`` with ``n`` one-person households (distinct IDs from ``serial0``)."""
    hhs, mms = [], []
    for k in range(1, n + 1):
        ma_ho = f"{code}-{k:04d}"
        name = f"Người {code} {k}"
        hhs.append(household(ma_ho=ma_ho, ma_xa=code, ho_ten_chu_ho=name, ngay_ra_soat=day,
                             so_thanh_vien=1 if declared else None))
        mms.append(member(ma_ho=ma_ho, ho_ten=name, so_dinh_danh=make_id(serial=f"{serial0 + k:06d}")))
    return make_return(folder, hhs, mms, name=f"{code}_{day[-4:]}.xlsx")


def _classify(tmp_path: Path, ret: Path, out: str, parquet: str | None = None) -> None:
    args: list[Any] = ["classify", ret, "--out", out]
    if parquet:
        args += ["--parquet", parquet]
    ok(run_hgn(*args, cwd=tmp_path))


def _findings(path: Path) -> list[dict[str, Any]]:
    """The findings sheet of a results workbook as dictionaries by key (row 2 holds the keys)."""
    rows = list(openpyxl.load_workbook(path, read_only=True)[FINDINGS_SHEET].iter_rows(values_only=True))
    keys = rows[1]
    return [dict(zip(keys, r, strict=False)) for r in rows[2:]]


def _no_traceback(proc: Any) -> None:
    assert "Traceback" not in proc.stderr, proc.stderr


# ------------------------------------------------------------------------------------------ partial bundles
@pytest.mark.parametrize("form", ["parquet", "xlsx"])
def test_a_results_bundle_without_its_members_is_not_merged_as_if_complete(tmp_path: Path, form: str) -> None:
    """Input: communes 11284 and 11287 (one household of one person each, "Số thành viên" written as 1) are
    classified; the 11287 result has lost its members — the Parquet folder lacks members.parquet (a partial
    copy), or the workbook lacks its "Thành viên" sheet. `hgn merge` of the two now exits 0, "Đối chiếu: khớp",
    no error, and writes a district whose members list holds only 11284's person: 11287's person is silently gone
    from the merged bundle (and so from forms 14/15 and the population-database list built from it), while the
    persons count still says 2 because it falls back on the declared household size.
    It must refuse (exit 3, naming the file) or at least report the loss (exit ≠ 0): the merge's purpose is
    "proving that nothing was lost or counted twice" (`hgn merge --help`; README: "Nothing is dropped … silently";
    the brief's partial-bundle case)."""
    folder = tmp_path / "in"
    a = _commune(folder, "11284", 1, serial0=100, declared=True)
    b = _commune(folder, "11287", 1, serial0=200, declared=True)
    if form == "parquet":
        _classify(tmp_path, a, "a.xlsx", "pa")
        _classify(tmp_path, b, "b.xlsx", "pb")
        (tmp_path / "pb" / "members.parquet").unlink()
        inputs = ["pa", "pb"]
    else:
        _classify(tmp_path, a, "a.xlsx")
        _classify(tmp_path, b, "b.xlsx")
        wb = openpyxl.load_workbook(tmp_path / "b.xlsx")
        del wb["Thành viên"]
        wb.save(tmp_path / "b_thieu.xlsx")
        inputs = ["a.xlsx", "b_thieu.xlsx"]
    proc = run_hgn("merge", *inputs, "--out", "m.xlsx", "--parquet", "mp", cwd=tmp_path)
    _no_traceback(proc)
    if proc.returncode == 0:
        import pandas as pd

        members = pd.read_parquet(tmp_path / "mp" / "members.parquet")
        assert len(members) == 2, (
            f"merge exited 0 (reconciled) but the merged bundle lists {len(members)} of the 2 persons")
    assert proc.returncode != 0, proc.stdout


def test_a_truncated_parquet_file_is_an_input_error_not_an_internal_error(tmp_path: Path) -> None:
    """Input: commune 11287's Parquet results folder whose households.parquet was cut short (a copy interrupted,
    a full USB stick). `hgn merge pa pb` now stops with exit 4 "Lỗi nội bộ của hgn (ArrowInvalid: Parquet magic
    bytes not found …)" and tells the officer to report a bug to the developers. It must be exit 3 (could not
    run) naming the damaged file with a hint to write it again with `hgn classify --parquet` — README: exit 3
    "could not run (with a hint)", 4 "internal error"; a damaged input is not a bug of hgn (the same damage to a
    .xlsx result already gives exit 3)."""
    folder = tmp_path / "in"
    _classify(tmp_path, _commune(folder, "11284", 1, serial0=100), "a.xlsx", "pa")
    _classify(tmp_path, _commune(folder, "11287", 1, serial0=200), "b.xlsx", "pb")
    f = tmp_path / "pb" / "households.parquet"
    data = f.read_bytes()
    f.write_bytes(data[: len(data) // 2])
    proc = run_hgn("merge", "pa", "pb", "--out", "m.xlsx", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 3, proc.returncode
    assert "pb" in proc.stderr  # the damaged input is named


# ------------------------------------------------------------------------------------------ merge of merges
def test_province_merge_does_not_say_a_present_commune_is_missing(tmp_path: Path) -> None:
    """Input: district Thanh Miện (300) was merged while only commune 11284 had reported (its bundle carries the
    warning merge-unit-missing for 11287, Xã Thanh Giang); 11287 reported late and the province merges the district
    bundle with 11287's own result — the documented way to add a late commune. The province workbook counts
    11287's household and its coverage says 11287 is present, yet its findings sheet still carries "Thiếu kết quả
    của 11287 (Xã Thanh Giang): gộp chưa đủ đơn vị": the district's stale coverage warning is copied into the
    province. Merging the two communes directly gives no such warning. The findings must not say a commune is
    missing when it is in the merge (merge/__init__.py docstring: "merging district results into a province gives
    the same rows and totals as merging the communes directly"; the officer reads the findings sheet to chase
    missing communes)."""
    folder = tmp_path / "in"
    _classify(tmp_path, _commune(folder, "11284", 1, serial0=100), "a.xlsx")
    _classify(tmp_path, _commune(folder, "11287", 1, serial0=200), "b.xlsx")
    ok(run_hgn("merge", "a.xlsx", "--level", "district", "--out", "huyen.xlsx", cwd=tmp_path))
    proc = run_hgn("merge", "huyen.xlsx", "b.xlsx", "--level", "province", "--out", "tinh.xlsx", "--json",
                   cwd=tmp_path)
    ok(proc)
    summary = json.loads(proc.stdout)
    assert "11287" not in summary["missing_units"]  # the merge itself knows 11287 is there
    stale = [f for f in _findings(tmp_path / "tinh.xlsx")
             if f.get("code") == "merge-unit-missing" and str(f.get("value")) == "11287"]
    assert not stale, stale


def test_province_via_districts_lists_each_missing_commune_once(tmp_path: Path) -> None:
    """Input: communes 11284, 11287 (Thanh Miện, 300) and 10999, 11008 (Gia Lộc, 297). Merging the two district
    bundles into Hải Dương gives a findings sheet of 230 merge-unit-missing warnings; merging the four communes
    directly gives 203 (207 communes − 4). The 27 communes of Thanh Miện and Gia Lộc without results are listed
    twice — once copied from each district bundle, once by the province. The merge of merges must give exactly
    what merging the communes directly gives, every list included (merge/__init__.py docstring; the brief), and
    an officer counting the warnings must get the number of missing communes."""
    folder = tmp_path / "in"
    for i, code in enumerate(("11284", "11287", "10999", "11008")):
        _classify(tmp_path, _commune(folder, code, 1, serial0=100 * (i + 1)), f"r_{code}.xlsx")
    ok(run_hgn("merge", "r_11284.xlsx", "r_11287.xlsx", "--out", "d300.xlsx", cwd=tmp_path))
    ok(run_hgn("merge", "r_10999.xlsx", "r_11008.xlsx", "--out", "d297.xlsx", cwd=tmp_path))
    ok(run_hgn("merge", "d300.xlsx", "d297.xlsx", "--level", "province", "--out", "via.xlsx", cwd=tmp_path))
    ok(run_hgn("merge", "r_11284.xlsx", "r_11287.xlsx", "r_10999.xlsx", "r_11008.xlsx", "--level", "province",
               "--out", "direct.xlsx", cwd=tmp_path))

    def missing(p: str) -> list[str]:
        return sorted(str(f["value"]) for f in _findings(tmp_path / p) if f.get("code") == "merge-unit-missing")

    direct, via = missing("direct.xlsx"), missing("via.xlsx")
    assert len(direct) == 203 and len(set(direct)) == 203
    assert via == direct, f"{len(via)} warnings for {len(set(via))} missing communes"


# ------------------------------------------------------------------------------------------ mixed rounds
def test_results_of_two_review_rounds_are_not_merged_silently(tmp_path: Path) -> None:
    """Input: commune 11284's 2024 result (review date 15/09/2024) and commune 11287's result of the 2023 round
    (15/09/2023), merged into district Thanh Miện. `hgn merge` now exits 0 with no finding at all: the district's
    figures for "2024" (meta review_date 2024-09-15) silently include 11287's households as they were a year
    earlier. Mixing rounds must be refused like mixing standards or versions (exit 3 with a hint, unless
    --allow-mixed), or at least be a finding naming the file of the other round. The periodic review is annual
    (domain.md §1: the district consolidates the round's results by 10/12); a district total that adds two
    years' lists is wrong and nothing tells the officer."""
    folder = tmp_path / "in"
    _classify(tmp_path, _commune(folder, "11284", 1, serial0=100), "a.xlsx")
    _classify(tmp_path, _commune(folder, "11287", 1, serial0=200, day="15/09/2023"), "b_2023.xlsx")
    proc = run_hgn("merge", "a.xlsx", "b_2023.xlsx", "--out", "m.xlsx", cwd=tmp_path)
    _no_traceback(proc)
    if proc.returncode == 3:
        return  # refused, as mixed standards are
    flagged = [f for f in _findings(tmp_path / "m.xlsx")
               if f.get("code") != "merge-unit-missing" and ("b_2023" in str(f.get("file") or "")
                                                              or "2023" in str(f.get("message") or ""))]
    assert flagged, "two review rounds merged into one district without a word"


# ------------------------------------------------------------------------------------------ the 2025 reform
def test_households_of_two_old_communes_do_not_share_one_code_in_the_new_commune(tmp_path: Path) -> None:
    """Input: old communes 10771 Xã Kim Xuyên and 10780 Xã Kim Anh (Kim Thành, Hải Dương), both merged whole into
    the new 10750 Xã Phú Thái on 1/7/2025. Each numbered its households from HO-001 (the return format only asks
    "unique in the commune", return-format.md). `hgn merge … --to-2025-units` re-codes both households to
    ma_xa 10750 and keeps ma_ho HO-001 for both, with no finding; `hgn report` then prints two different poor
    households as (Mã xã 10750, Mã hộ HO-001) on the population-database list. The new commune now holds one
    household code twice — what validation refuses in a commune return — and the list, whose rows are grouped
    into households by that code (forms.md: "household code … commune code"), makes them one household. The
    merge must either keep the codes distinct in the new commune (e.g. qualified by the old commune) or report
    the clash as a finding."""
    folder = tmp_path / "in"
    poor = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
    for i, code in enumerate(("10771", "10780")):
        ret = make_return(folder, [household(ma_ho="HO-001", ma_xa=code, ho_ten_chu_ho=f"Chủ hộ {code}", **poor)],
                          [member(ma_ho="HO-001", ho_ten=f"Chủ hộ {code}", so_dinh_danh=make_id(serial=f"00010{i}"))],
                          name=f"{code}_2024.xlsx")
        _classify(tmp_path, ret, f"x{code}.xlsx")
    proc = run_hgn("merge", "x10771.xlsx", "x10780.xlsx", "--to-2025-units", "--out", "tinh.xlsx", "--json",
                   cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode in (0, 1)
    flagged = [f for f in _findings(tmp_path / "tinh.xlsx")
               if f.get("code") not in ("merge-unit-missing",) and "HO-001" in str(f.get("value") or "")
               + str(f.get("message") or "")]
    if flagged:
        return
    ok(run_hgn("report", "tinh.xlsx", "--out-dir", "bc", cwd=tmp_path))
    from conftest import read_csv

    listed = read_csv(tmp_path / "bc" / "danh_sach_csdl_dan_cu.csv")
    assert len(listed) == 2
    keys = {(r["Mã xã"], r["Mã hộ"]) for r in listed}
    assert len(keys) == 2, f"two households of the new commune listed under one code: {keys}"
