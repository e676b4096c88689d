"""Review 49: `hgn merge` — proof that nothing was lost or counted twice.

Small `hgn sample` returns of Thành phố Hải Dương (288, province 30): 10507 Cẩm Thượng, 10510 Bình Hàn, 10513
Ngọc Châu, review of 2024, 10 households each with a few injected errors (seed 5, error rate 0.05), classified
as `hgn classify` does (``classify_paths`` + ``write_results``, with its Parquet folder); 10507 also as a result
of the 2023 round; and a batch result of 10507 and 10513 classified together (`hgn classify A B --out …`).
10507 and 10510 both went whole into new 10507 Phường Thành Đông on 1/7/2025.

Attacks: the same result twice (path, copy), a commune in two district results, a household typed in two
communes, a commune taken from a batch result and from its own result, a Parquet folder half copied, a result
edited by hand, two years' rounds with and without `--to-2025-units`.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import run_hgn
from hgn_review.errors import HgnError
from hgn_review.io.results import read_results, write_results
from hgn_review.merge import merge_results, summary_json
from hgn_review.pipeline import classify_paths
from hgn_review.sample import generate_sample

ROOT = Path(__file__).resolve().parents[1]
HH = "Hộ gia đình"
MM = "Thành viên"


def _classify(returns: list[Path], out: Path, parquet: Path | None = None) -> Path:
    write_results(classify_paths(returns).results, out, parquet)
    return out


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("r49")
    src = root / "src"
    generate_sample(src, communes=3, households=10, seed=5, district="288", error_rate=0.05)
    src23 = root / "src23"
    generate_sample(src23, communes=1, households=6, seed=5, district="288", year=2023, error_rate=0.0)
    ret = {p.name[:5]: p for p in src.glob("*.xlsx")}
    out: dict[str, Path] = {"root": root, "src": src}
    res = root / "res"
    res.mkdir()
    for code in ("10507", "10510", "10513"):
        out[code] = _classify([ret[code]], res / f"kq_{code}.xlsx", res / f"pq_{code}")
        out[f"pq_{code}"] = res / f"pq_{code}"
        out[f"ret_{code}"] = ret[code]
    out["23_10507"] = _classify(list(src23.glob("10507*.xlsx")), res / "kq_2023_10507.xlsx")
    batch = root / "batch"
    batch.mkdir()
    out["batch"] = _classify([ret["10507"], ret["10513"]], batch / "kq_10507_10513.xlsx")
    return out


def _json(proc: Any) -> dict[str, Any]:
    assert proc.returncode in (0, 1), proc.stdout[-1500:] + proc.stderr[-1500:]
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def _said(proc: Any) -> str:
    return " ".join((proc.stdout + proc.stderr).split())  # rich may wrap a long cell


def _figures(m: Any) -> tuple[int, int, dict[str, Any]]:
    s = summary_json(m)
    return s["households"], s["persons"], s["by_class"]


def _recon(path: Path) -> list[dict[str, Any]]:
    rows = list(openpyxl.load_workbook(path, read_only=True)["Đối chiếu"].iter_rows(values_only=True))
    keys = rows[1]
    return [dict(zip(keys, r, strict=False)) for r in rows[2:]]


def _findings(path: Path) -> list[dict[str, Any]]:
    rows = list(openpyxl.load_workbook(path, read_only=True)["Phát hiện"].iter_rows(values_only=True))
    keys = rows[1]
    return [dict(zip(keys, r, strict=False)) for r in rows[2:]]


# ------------------------------------------------------------------------------------------------ defects
def test_two_years_rounds_are_not_merged_silently_into_a_2025_commune(w: dict[str, Path]) -> None:
    """DEFECT. Old 10507 Cẩm Thượng's result of the 2023 round and old 10510 Bình Hàn's of the 2024 round (both
    now new 10507 Phường Thành Đông). Without `--to-2025-units` the merge refuses them (exit 3, "thuộc các đợt rà
    soát của những năm khác nhau", naming both). With `--to-2025-units` it adds the two years' households into
    one 2025 commune with no word: exit 0, "Đối chiếu: khớp", no merge-mixed-inputs finding, and the output
    records review_year 2024 — a 2023 poor household is counted in 2024's figures of Phường Thành Đông. Neither
    result straddles the reform: both are old-unit rounds of different years. Cause:
    merge/__init__.py:_check_mixed (``years = … if not crosswalk else set()``: no year compared at all once
    `--to-2025-units` is given)."""
    d = w["root"] / "t_years"
    d.mkdir()
    a, b = shutil.copy(w["23_10507"], d), shutil.copy(w["10510"], d)
    plain = run_hgn("merge", a, b, "--out", d / "m.xlsx", "--level", "district", cwd=d)
    assert plain.returncode == 3, _said(plain)  # (without the crosswalk: refused)
    proc = run_hgn("merge", a, b, "--out", d / "m25.xlsx", "--to-2025-units", cwd=d)
    said = _said(proc)
    assert "Traceback" not in said
    assert proc.returncode == 3 and "kq_2023_10507.xlsx" in said and "kq_10510.xlsx" in said, said[-800:]


def test_a_commune_taken_from_its_own_result_is_not_told_its_findings_twice(w: dict[str, Path]) -> None:
    """DEFECT. A batch result of 10507 and 10513 (`hgn classify 10507.xlsx 10513.xlsx --out kq_10507_10513.xlsx`)
    and 10513's own result, merged with `--prefer kq_10513.xlsx` (the merge rightly refuses the pair without it):
    10513's households are taken once, from its own result, but every finding of 10513's return is listed twice
    on "Phát hiện" (once carried from the batch result, whose 10513 was left out, once from kq_10513.xlsx), and
    the terminal's and --json's error count is inflated by them (17 errors where the batch alone has 11). Had
    kq_10513.xlsx been a corrected version, the errors it fixed would still be reported from the replaced one.
    Cause: merge/__init__.py:_without_dropped returns an input's findings unfiltered when it has no
    ``unit_sources`` — only a district merge records them, so a commune batch result's dropped unit keeps its
    findings."""
    d = w["root"] / "t_batch"
    d.mkdir()
    own = Path(shutil.copy(w["10513"], d))
    m = merge_results([w["batch"], own], level="district", prefer=str(own))
    assert m.reconciled
    batch_only = merge_results([w["batch"]], level="district")
    found = m.results.findings
    ret = str(w["ret_10513"])
    mine = found[found["file"].astype("string").str.endswith(w["ret_10513"].name).fillna(False)]
    keys = mine[["file", "sheet", "row", "code"]].astype("string")
    assert not keys.duplicated().any(), mine[["file", "row", "code"]].to_string()
    assert summary_json(m)["findings"]["error"] == summary_json(batch_only)["findings"]["error"], ret


def test_a_parquet_result_copied_without_its_findings_is_not_merged_as_whole(w: dict[str, Path]) -> None:
    """DEFECT. 10507's Parquet result folder (`hgn classify --parquet`) copied to the district without its
    findings.parquet (a copy cut short; meta.json records ``file_sizes`` of every file, findings.parquet too)
    is merged with 10510 as if whole: exit 0, "Đối chiếu: khớp", and 10507's five errors (household-not-classified,
    commune-mismatch …) vanish from the district's "Phát hiện" with no word that a file was missing. The README
    promises that a result that lost part of itself (a file not copied, a damaged file) is not merged as whole.
    Cause: merge/inputs.py:read_input checks only the households/members counts (io/results.py:whole_problem),
    never meta.json's ``file_sizes`` (pipeline.py:_whole checks them for `hgn run`'s own cache)."""
    d = w["root"] / "t_nofind"
    half = d / "pq_10507"
    shutil.copytree(w["pq_10507"], half)
    (half / "findings.parquet").unlink()
    whole = merge_results([w["pq_10507"], w["pq_10510"]], level="district")
    errors = summary_json(whole)["findings"]["error"]
    assert errors > 0
    try:
        m = merge_results([half, w["pq_10510"]], level="district")
    except HgnError as exc:  # refused as incomplete, naming the folder: fine
        assert "pq_10507" in exc.message and "không trọn vẹn" in exc.message, exc.message
        return
    assert summary_json(m)["findings"]["error"] == errors, "the 10507 return's errors were dropped in silence"


def test_a_parquet_result_without_its_meta_json_is_said_incomplete_not_undated(w: dict[str, Path]) -> None:
    """DEFECT. 10510's Parquet folder copied without meta.json (written last, so the one a cut-short copy lacks)
    and without members.parquet. `hgn merge kq_10507.xlsx pq_10510` says "pq_10510: không ghi ngày rà soát
    (review_date) …" with the hint "Ghi rõ ngày bằng --as-of" — the officer is sent to add a date, and after
    --as-of (and the --allow-mixed the next refusal asks for, "chuẩn (không ghi), phiên bản (không ghi)") the
    folder is merged as a commune result with its member rows gone and "Đối chiếu: khớp". Expected:
    the folder is said incomplete (its meta.json missing), as a folder without members.parquet is ("không trọn
    vẹn"). Cause: merge/inputs.py:_read_bundle takes a missing meta.json as empty metadata (``meta = {}``), so
    read_input finds no level (taken as a commune), no counts to check and no review date."""
    d = w["root"] / "t_nometa"
    half = d / "pq_10510"
    shutil.copytree(w["pq_10510"], half)
    (half / "meta.json").unlink()
    (half / "members.parquet").unlink()
    shutil.copy(w["10507"], d)
    proc = run_hgn("merge", "kq_10507.xlsx", "pq_10510", "--out", "m.xlsx", "--level", "district", cwd=d)
    said = _said(proc)
    assert "Traceback" not in said
    assert proc.returncode == 3 and "pq_10510" in said, said
    assert "không trọn vẹn" in said or "meta.json" in said, said


def test_the_terminal_names_the_result_that_does_not_reconcile(w: dict[str, Path]) -> None:
    """DEFECT. 10510's result with one household's class changed by hand ("Không nghèo" → "Cận nghèo"), merged
    with 10507: the merge finds it (exit 1, merge-reconciliation-mismatch on "Phát hiện" naming the file), but
    the terminal an officer reads says only "Đối chiếu │ KHÔNG KHỚP" — not which commune or file, nor even where
    to look (the movements row, failing too, says "xem movement-unbalanced trong sheet Phát hiện"). Cause:
    console.py:render_merge prints the reconciliation as a yes/no; summary_json carries no unit or file of a
    mismatch."""
    d = w["root"] / "t_term"
    d.mkdir()
    wb = openpyxl.load_workbook(w["10510"])
    ws = wb[HH]
    keys = [c.value for c in ws[2]]
    col = keys.index("phan_loai") + 1
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, col).value == "Không nghèo")
    ws.cell(row, col).value = "Cận nghèo"
    wb.save(d / "kq_10510_sua.xlsx")
    shutil.copy(w["10507"], d)
    proc = run_hgn("merge", "kq_10507.xlsx", "kq_10510_sua.xlsx", "--out", "m.xlsx", "--level", "district", cwd=d)
    said = _said(proc)
    assert proc.returncode == 1 and "KHÔNG KHỚP" in said, said
    found = [f for f in _findings(d / "m.xlsx") if f["code"] == "merge-reconciliation-mismatch"]
    assert found and "kq_10510_sua.xlsx" in str(found[0]["file"])  # (the workbook names it)
    assert "kq_10510_sua.xlsx" in said or "10510" in said, said


# ------------------------------------------------------------------------------------------------ guards
def test_the_same_result_by_two_paths_and_a_copy_is_counted_once(w: dict[str, Path]) -> None:  # guard (passes)
    d = w["root"] / "g_twice"
    d.mkdir()
    copy = Path(shutil.copy(w["10507"], d / "kq_10507_ban_sao.xlsx"))
    once = merge_results([w["10507"], w["10510"]], level="district")
    again = merge_results([w["10507"], w["10510"], w["10507"].parent / ".." / "res" / "kq_10507.xlsx", copy],
                          level="district")
    assert _figures(again) == _figures(once) and again.reconciled
    dup = [f for f in again.findings if f.code == "file-duplicate"]
    assert len(dup) == 1
    named = {Path(dup[0].file).name, *(Path(p.split("tệp ", 1)[1].split(";")[0]).name for p in [dup[0].message()])}
    assert named == {"kq_10507_ban_sao.xlsx", "kq_10507.xlsx"}, dup[0].message()


def test_the_reconciliation_in_figures_are_the_inputs_own_by_class(w: dict[str, Path]) -> None:  # guard (passes)
    d = w["root"] / "g_recon"
    d.mkdir()
    m = merge_results([w["10507"], w["10510"], w["10513"]], level="district")
    write_results(m.results, d / "m.xlsx")
    recon = _recon(d / "m.xlsx")
    for code in ("10507", "10510", "10513"):
        summ = read_results(w[code]).summary
        row = summ[summ["ma_xa"].astype("string") == code].iloc[0]
        mine = {r["phan_loai"]: r for r in recon if r["don_vi"] == code}
        assert int(mine["Tổng"]["ho_vao"]) == int(mine["Tổng"]["ho_ra"]) == int(row["so_ho"])
        for cls, slug in (("Nghèo", "ngheo"), ("Cận nghèo", "can_ngheo"), ("Không nghèo", "khong_ngheo"),
                          ("Chưa đủ thông tin", "chua_du")):
            n = int(row[f"ho_{slug}"] or 0)
            got = mine.get(cls)
            assert (int(got["ho_vao"]) if got else 0) == n, (code, cls)
            assert (int(got["nhan_khau_vao"]) if got else 0) == int(row[f"nhan_khau_{slug}"] or 0), (code, cls)
    total = [r for r in recon if r["don_vi"] == "288" and r["phan_loai"] == "Tổng"][0]
    assert total["chenh_lech_ho"] == 0 and total["chenh_lech_nhan_khau"] == 0
    assert total["ho_ra"] == summary_json(m)["households"] + summary_json(m)["departed"]["households"]


def test_a_commune_in_two_district_results_is_counted_once(w: dict[str, Path]) -> None:  # guard (passes)
    d = w["root"] / "g_districts"
    d.mkdir()
    for name, codes in (("a", ("10507", "10510")), ("b", ("10510", "10513"))):
        write_results(merge_results([w[c] for c in codes], level="district").results, d / f"huyen_{name}.xlsx")
    via = merge_results([d / "huyen_a.xlsx", d / "huyen_b.xlsx"], level="province")
    direct = merge_results([w["10507"], w["10510"], w["10513"]], level="province")
    assert via.reconciled and _figures(via) == _figures(direct)
    hh = via.results.households
    assert not hh[["ma_xa", "ma_ho", "row"]].astype("string").duplicated().any()


def test_two_years_rounds_without_the_crosswalk_are_refused_naming_both(w: dict[str, Path]) -> None:  # guard (passes)
    d = w["root"] / "g_years"
    d.mkdir()
    a, b = shutil.copy(w["23_10507"], d), shutil.copy(w["10510"], d)
    proc = run_hgn("merge", a, b, "--out", d / "m.xlsx", "--level", "district", cwd=d)
    said = _said(proc)
    assert proc.returncode == 3 and "Traceback" not in said
    assert "năm 2023: " in said and "kq_2023_10507.xlsx" in said and "kq_10510.xlsx" in said, said


def test_a_household_typed_in_two_communes_is_found_naming_both_files(w: dict[str, Path]) -> None:  # guard (passes)
    d = w["root"] / "g_twohh"
    d.mkdir()
    a = openpyxl.load_workbook(w["ret_10507"])
    first = [c.value for c in a[HH][2]]
    code = first[0]
    members = [[c.value for c in r] for r in a[MM].iter_rows(min_row=2) if r[0].value == code]
    b = openpyxl.load_workbook(w["ret_10510"])
    first[0], first[2] = "10510-0099", "10510"
    b[HH].append(first)
    for m in members:
        b[MM].append(["10510-0099", *m[1:]])
    b.save(d / w["ret_10510"].name)
    res = _classify([d / w["ret_10510"].name], d / "kq_10510_them.xlsx")
    m = merge_results([w["10507"], res], level="district")
    dup = [f for f in m.findings if f.code == "id-duplicate-batch"]
    assert len(dup) == 2 * len(members)
    names = {w["ret_10507"].name, w["ret_10510"].name}
    assert {Path(f.file).name for f in dup} == names
    for f in dup:  # each names the other place
        other = (names - {Path(f.file).name}).pop()
        assert other in f.message(), f.message()
