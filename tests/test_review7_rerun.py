"""Review 7 (helper): `hgn run` re-run against a fresh run — the cache, re-runs after edits, options and damage.

README promises that a re-run after some returns changed re-reads only those and gives what a fresh run gives,
that an interrupted run continues on the next call, and that --jobs 1 and --jobs 2 give identical outputs. Each
test here does what an officer does between two runs (rename a return, change an option, fix a return, run twice
at once), then compares OUT with a FRESH run into an empty folder on the same inputs and options (timestamps and
run durations aside). Each fails on the code reviewed.
"""

from __future__ import annotations

import csv
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import fresh_copy, household, make_id, make_return, member, run_hgn, sample_returns, sheet_grid

pytestmark = pytest.mark.slow
LINUX = sys.platform.startswith("linux")


# ------------------------------------------------------------------------------------------------ helpers
def _run(folder: Path, out: Path, *opts: object, ok: bool = True) -> subprocess.CompletedProcess[str]:
    """`hgn run FOLDER --out OUT --jobs 1 OPTS…` from the folder above FOLDER."""
    proc = run_hgn("run", folder, "--out", out, *(opts if "--jobs" in map(str, opts) else ("--jobs", "1", *opts)),
                   cwd=folder.parent)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    if ok:
        assert proc.returncode == 0, proc.stderr[-2000:]
    return proc


def _env() -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("HGN_DEBUG", None)
    return env


def _popen(folder: Path, out: Path, *opts: object) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "hgn_review", "run", str(folder), "--out", str(out),
                             "--jobs", "1", *map(str, opts)], cwd=folder.parent, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8")


_VOLATILE_META = {"run_started", "run_seconds", "run_time"}


def _workbook(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)
                           if not (ws.title == "Thông tin" and r and r[0] in _VOLATILE_META)]
                for ws in wb.worksheets}
    finally:
        wb.close()


def _text(path: Path) -> str:
    text = path.read_text("utf-8")
    if path.name == "README.txt":  # the run's date and how many files came from the cache
        text = re.sub(r"Ngày chạy: [^;]*;", "", text)
        text = re.sub(r"\(\d+ tệp đọc mới, \d+ tệp lấy lại từ lần chạy trước\)", "", text)
    return text


def _meta(path: Path) -> dict[str, Any]:
    meta = json.loads(path.read_text("utf-8"))
    for k in _VOLATILE_META:
        meta.pop(k, None)
    for item in meta.get("inputs") or []:
        if isinstance(item, dict):
            item.pop("run_time", None)
    return meta


def outputs(out: Path) -> dict[str, Any]:
    """Every output under OUT but the cache, as comparable values: Parquet tables, workbook cell values,
    text (README without its date), meta.json without run times."""
    got: dict[str, Any] = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if not p.is_file() or rel.parts[0] == ".hgn-cache":
            continue
        key = rel.as_posix()
        if p.suffix == ".parquet":
            got[key] = pd.read_parquet(p)
        elif p.suffix == ".xlsx":
            got[key] = _workbook(p)
        elif p.name == "meta.json":
            got[key] = _meta(p)
        else:
            got[key] = _text(p)
    return got


def differences(out: Path, fresh: Path) -> list[str]:
    """What differs between two output folders: files only in one, then files whose content differs."""
    a, b = outputs(out), outputs(fresh)
    diff = [f"only in the re-run's OUT: {k}" for k in sorted(set(a) - set(b))]
    diff += [f"only in the fresh OUT: {k}" for k in sorted(set(b) - set(a))]
    for k in sorted(set(a) & set(b)):
        x, y = a[k], b[k]
        if isinstance(x, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(x, y)
            except AssertionError as exc:
                diff.append(f"{k}: {str(exc).splitlines()[0]} {str(exc)[-300:]}")
        elif x != y:
            diff.append(f"{k} differs")
    return diff


def _households(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "ket_qua" / "households.parquet")


def _findings(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "ket_qua" / "findings.parquet")


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four clean communes of province 30 (Thành phố Hải Dương), 30 households each."""
    return sample_returns(tmp_path_factory, "rerun_sample", communes=4, households=30, seed=9)


@pytest.fixture(scope="module")
def with_errors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same four communes with injected errors (findings on every return)."""
    from hgn_review.sample import generate_sample

    root = tmp_path_factory.mktemp("rerun_errors")
    generate_sample(root, communes=4, households=30, seed=9, error_rate=0.03)
    (root / "manifest.json").unlink()
    return root


# ------------------------------------------------------------------------ a renamed return (same content)
def test_renamed_return_without_commune_codes_is_counted_in_the_commune_its_new_name_gives(tmp_path: Path) -> None:
    """A return whose "Mã xã" column is blank takes its commune from its file name (validate._admin_checks).
    Filed as 11287_2024.xlsx by mistake, renamed 11284_2024.xlsx by the officer: the re-run takes the cached
    bundle (same SHA-256) and still counts the household in Xã Thanh Giang (11287) — forms, list, ket_qua — while
    a fresh run counts it in Xã Chi Lăng Nam (11284)."""
    folder = tmp_path / "in"
    make_return(folder, households=[household(ma_xa=None)], name="11287_2024.xlsx")
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _run(folder, out)
    (folder / "11287_2024.xlsx").rename(folder / "11284_2024.xlsx")
    _run(folder, out)
    _run(folder, fresh)
    assert _households(fresh)["ma_xa"].tolist() == ["11284"]
    assert _households(out)["ma_xa"].tolist() == ["11284"]
    assert differences(out, fresh) == []


def test_return_renamed_to_its_right_extension_loses_the_extension_finding(tmp_path: Path) -> None:
    """An .xlsx workbook saved as 11284_2024.xls is reported file-extension-mismatch; the officer renames it to
    .xlsx as told. The re-run still reports the mismatch (cached findings of the same content), a fresh run does
    not: phat_hien.xlsx keeps asking for a fix already made."""
    folder = tmp_path / "in"
    make_return(folder, name="11284_2024.xls")
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _run(folder, out)
    assert "file-extension-mismatch" in set(_findings(out)["code"])
    (folder / "11284_2024.xls").rename(folder / "11284_2024.xlsx")
    _run(folder, out)
    _run(folder, fresh)
    assert "file-extension-mismatch" not in set(_findings(fresh)["code"])
    assert "file-extension-mismatch" not in set(_findings(out)["code"])
    assert differences(out, fresh) == []


def test_renamed_csv_return_is_reported_under_the_sheet_name_it_has_now(tmp_path: Path) -> None:
    """A CSV return's one table is named after the file (io/read.py: the sheet is the file's stem). After
    11284_ho.csv is renamed 11284_hgd.csv, the re-run's findings and ket_qua rows still point to sheet
    "11284_ho" (only the file column is renamed in the cached bundle); a fresh run says "11284_hgd"."""
    folder = tmp_path / "in"
    folder.mkdir()
    grid = sheet_grid("households", [household(), household(ma_ho="11284-0002", thu_nhap_bq=None)])
    with open(folder / "11284_ho.csv", "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([["" if v is None else v for v in row] for row in grid])
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _run(folder, out)
    (folder / "11284_ho.csv").rename(folder / "11284_hgd.csv")
    _run(folder, out)
    _run(folder, fresh)
    assert set(_households(fresh)["sheet"]) == {"11284_hgd"}
    assert set(_households(out)["sheet"]) == {"11284_hgd"}
    assert differences(out, fresh) == []


def test_commune_workbook_of_a_renamed_return_names_the_file_it_was_made_from(pristine: Path, tmp_path: Path) -> None:
    """With --commune-workbooks, so_xa/<commune>_ket_qua.xlsx records in its "Thông tin" sheet the return it was
    made from ("inputs"). After the return is renamed, the re-run's workbook still names the old file, which no
    longer exists; a fresh run names the file as it is now."""
    folder = fresh_copy(pristine, tmp_path)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _run(folder, out, "--commune-workbooks")
    first = sorted(folder.glob("*.xlsx"))[0]
    first.rename(first.with_name("x_" + first.name))
    _run(folder, out, "--commune-workbooks")
    _run(folder, fresh, "--commune-workbooks")
    assert differences(out, fresh) == []


# ------------------------------------------------------------------------ options changed between runs
def test_standard_file_edited_at_the_same_path_is_applied_on_the_next_run(pristine: Path, tmp_path: Path) -> None:
    """`--standard tinh.yaml` (a province's standard file): the province raises its income line and runs again
    with the same path. The cache key holds the option's text, not the file's content, so no return is re-read
    (processed 0) and every household keeps the class of the old line; a fresh run classifies under the new one."""
    folder = fresh_copy(pristine, tmp_path)
    std = tmp_path / "tinh.yaml"
    text = ("id: tinh-30\ntitle: Chuẩn thử của tỉnh\nscope: national\nextends: vn-2022-2025\nsource: thử\n"
            "status: practice\nincome_line:\n"
            "  Nông thôn: {{value: {r}, status: practice, source: thử}}\n"
            "  Thành thị: {{value: {u}, status: practice, source: thử}}\n")
    std.write_text(text.format(r=1500000, u=2000000), "utf-8")
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _run(folder, out, "--standard", std)
    std.write_text(text.format(r=2000000, u=2500000), "utf-8")
    again = _run(folder, out, "--standard", std, "--json")
    _run(folder, fresh, "--standard", std)
    assert json.loads(again.stdout)["processed"] == 4, "the edited standard must re-classify every return"
    assert _households(out)["phan_loai"].tolist() == _households(fresh)["phan_loai"].tolist()
    assert differences(out, fresh) == []


def test_a_rerun_that_cannot_run_does_not_leave_last_rounds_outputs_beside_its_findings(
        pristine: Path, tmp_path: Path) -> None:
    """A re-run with --as-of 01/08/2025 (after the reform abolished these communes) stops with exit 3 and writes
    phat_hien.xlsx — and OUT still holds the previous round's forms, list, ket_qua/ and README.txt ("4 tệp … Số
    hộ: 120"), undated and unmarked, beside the findings of the run that failed. A fresh run with the same options
    leaves only phat_hien.xlsx."""
    folder = fresh_copy(pristine, tmp_path)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _run(folder, out)
    again = _run(folder, out, "--as-of", "01/08/2025", ok=False)
    alone = _run(folder, fresh, "--as-of", "01/08/2025", ok=False)
    assert again.returncode == alone.returncode == 3
    assert differences(out, fresh) == []


# ------------------------------------------------------------------------ --jobs and batches of returns
def _eight_communes(folder: Path) -> Path:
    """Eight communes of Thanh Miện, one household each. The head of 11239-0001 (resident, not on the start
    list by its code) has the ID the start list gives to 11242-0001, which 11242's return records as moved away
    under the same head: the start list's row belongs to 11242-0001 (matched by its code)."""
    shared = make_id(serial="770001")
    codes = ["11239", "11242", "11245", "11248", "11251", "11254", "11257", "11260"]
    for i, c in enumerate(codes):
        extra = {"tinh_trang_ho": "Chuyển đi"} if i == 1 else {}
        make_return(folder, households=[household(ma_ho=f"{c}-0001", ma_xa=c, **extra)],
                    members=[member(ma_ho=f"{c}-0001", so_dinh_danh=shared if i < 2 else make_id(serial=f"77{i:04d}"))],
                    name=f"{i:02d}_{c}.xlsx")
    start = folder.parent / "dau_ky.xlsx"
    pd.DataFrame({"Mã xã": ["11242"], "Mã hộ": ["11242-0001"], "Phân loại": ["Nghèo"],
                  "Số định danh chủ hộ": [shared]}).to_excel(start, index=False)
    return start


def test_jobs_1_and_2_give_a_household_the_same_start_of_period_state(tmp_path: Path) -> None:
    """README: --jobs 1 and --jobs 2 give identical outputs. With eight returns, --jobs 1 classifies them two by
    two (pipeline.process_files, _classify_together) and --jobs 2 one by one. Matching the start list by the
    head's ID skips list rows another household of the SAME CALL matched by its code (movements.match_status),
    so 11239-0001 is "Nghèo" at the start with --jobs 2 (alone) and "Không" with --jobs 1 (batched with 11242):
    form 02/03 start figures, the movements and previous-unmatched findings differ with the number of jobs."""
    folder = tmp_path / "in"
    start = _eight_communes(folder)
    one, two = tmp_path / "jobs1", tmp_path / "jobs2"
    _run(folder, one, "--previous", start, "--jobs", "1")
    _run(folder, two, "--previous", start, "--jobs", "2")
    assert _households(one)["dau_ky"].tolist() == _households(two)["dau_ky"].tolist()
    assert differences(one, two) == []


def test_rerun_after_one_return_changed_matches_the_start_list_as_a_fresh_run(tmp_path: Path) -> None:
    """The same eight returns run with --jobs 1 (classified two by two). The officer corrects the reviewer's
    name in 00_11239.xlsx and runs again: that return alone is re-read, classified alone, and its household
    now takes the start state "Nghèo" from a list row 11242-0001 already has; a fresh run of the same inputs
    gives "Không" (and a previous-unmatched finding). The re-run's start figures are not the fresh run's."""
    folder = tmp_path / "in"
    start = _eight_communes(folder)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _run(folder, out, "--previous", start)
    path = folder / "00_11239.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Hộ gia đình"]
    col = [c.value for c in ws[1]].index("Rà soát viên") + 1
    ws.cell(row=2, column=col, value="Lê Văn Cường")
    wb.save(path)
    _run(folder, out, "--previous", start)
    _run(folder, fresh, "--previous", start)
    assert _households(out)["dau_ky"].tolist() == _households(fresh)["dau_ky"].tolist()
    assert differences(out, fresh) == []


# ------------------------------------------------------------------------ a damaged cache
def _bundle_with_most_findings(out: Path) -> Path:
    files = out / ".hgn-cache" / "files"
    bundles = [d for d in files.iterdir() if d.is_dir() and (d / "meta.json").exists()]
    return max(bundles, key=lambda d: len(pd.read_parquet(d / "findings.parquet")))


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[:len(data) // 2])


DAMAGE = {
    "members-removed": lambda b: (b / "members.parquet").unlink(),
    "findings-removed": lambda b: (b / "findings.parquet").unlink(),
    "households-truncated": lambda b: _truncate(b / "households.parquet"),
    "meta-garbled": lambda b: (b / "meta.json").write_text("{not json", "utf-8"),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_cache_bundle_is_read_again_not_trusted_or_fatal(with_errors: Path, tmp_path: Path,
                                                                   damage: str) -> None:
    """A bundle under OUT/.hgn-cache damaged by hand, a sync tool or a crash (README: the cache "có thể xóa",
    it is a cache). A bundle is trusted when its meta.json exists: without members.parquet the round silently
    loses that commune's persons from forms 09–15 and the population list with exit 0;
    without findings.parquet its errors vanish from phat_hien.xlsx; a truncated Parquet file or a garbled
    meta.json stops every later run with "Lỗi nội bộ" (exit 4) until someone deletes the cache. The re-run must
    read that return again and give the fresh run's outputs."""
    folder = fresh_copy(with_errors, tmp_path)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _run(folder, out)
    DAMAGE[damage](_bundle_with_most_findings(out))
    _run(folder, out)
    _run(folder, fresh)
    assert differences(out, fresh) == []


# ------------------------------------------------------------------------ two runs into one OUT at once
def _temporary(out: Path) -> list[Path]:
    """A run's work in progress: temporary bundle folders and .part files."""
    files = out / ".hgn-cache" / "files"
    found = [d for d in files.iterdir() if d.name.startswith(".")] if files.is_dir() else []
    if out.is_dir():
        found += list(out.rglob("*.part"))
    return found


@pytest.mark.skipif(not LINUX, reason="freezes the run with SIGSTOP while it writes")
def test_a_second_run_into_the_same_out_does_not_break_the_first(pristine: Path, tmp_path: Path) -> None:
    """A run is writing (a temporary bundle, hashes.json, an output in OUT/.hgn-next: a folder or a .part file)
    when a second `hgn run` into the same OUT starts — here one that stops at once, its folder has no return
    (exit 2). The second run's start-up (_remove_leftovers) deletes the first run's files in progress and its
    whole .hgn-next; the first then stops with exit 3 "Không ghi được …: không có tệp hoặc thư mục này. Kiểm tra
    đường dẫn và quyền ghi" or exit 4 "Lỗi nội bộ (FileCreateError …)". Nothing locks OUT. The first run must
    complete and give the fresh run's outputs."""
    folder = fresh_copy(pristine, tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    first = _popen(folder, out)
    caught = False
    try:
        while first.poll() is None and not caught:
            if _temporary(out):
                first.send_signal(signal.SIGSTOP)
                if _temporary(out):
                    caught = True
                else:
                    first.send_signal(signal.SIGCONT)
            else:
                time.sleep(0.0005)
        if caught:
            # (a folder without returns is now refused before OUT is touched, exit 2: the second run is given the
            # same returns, so that it reaches OUT and its lock)
            second = run_hgn("run", folder, "--out", out, cwd=tmp_path)
            # refused while the first holds OUT (session 7: OUT/.hgn-cache/lock), touching nothing of it
            assert second.returncode == 3 and "đang ghi vào" in second.stderr, second.stderr
            first.send_signal(signal.SIGCONT)
        _stdout, stderr = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGCONT)
            first.kill()
    assert caught, "the run finished before it could be caught writing"
    assert first.returncode == 0, stderr[-1500:]
    _run(folder, fresh)
    assert differences(out, fresh) == []


@pytest.mark.skipif(not LINUX, reason="freezes the run with SIGSTOP while it classifies")
def test_a_run_with_another_start_list_at_the_same_time_does_not_poison_the_cache(pristine: Path,
                                                                                   tmp_path: Path) -> None:
    """Two officers run the round into one OUT, one with last year's list A, the other with list B. Every run
    copies its list to the one path OUT/.hgn-cache/previous.parquet, which the workers read for each batch, but
    keys its bundles by its own list's digest: the first run's remaining returns are classified with list B and
    cached as if made with list A. From then on every `hgn run --previous A` (no one else running) takes those
    bundles — start-of-period states from list B, forms 02/03 wrong — while a fresh run uses list A."""
    folder = fresh_copy(pristine, tmp_path)
    res = _run(folder, tmp_path / "probe", "--json")
    assert json.loads(res.stdout)["households"] == 120
    hh = _households(tmp_path / "probe")
    lists = {}
    for name, cls in (("A", "Nghèo"), ("B", "Cận nghèo")):
        lists[name] = tmp_path / f"dau_ky_{name}.xlsx"
        pd.DataFrame({"Mã xã": hh["ma_xa"], "Mã hộ": hh["ma_ho"], "Phân loại": [cls] * len(hh)}).to_excel(
            lists[name], index=False)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    files = out / ".hgn-cache" / "files"

    def complete() -> int:
        return sum(1 for d in files.iterdir() if (d / "meta.json").exists()) if files.is_dir() else 0

    first = _popen(folder, out, "--previous", lists["A"])
    try:
        while first.poll() is None and complete() < 1:
            time.sleep(0.001)
        assert first.poll() is None, "the run finished before it could be caught classifying"
        first.send_signal(signal.SIGSTOP)
        other = _run(folder, out, "--previous", lists["B"], ok=False)  # refused while the first holds OUT
        assert other.returncode == 3 and "đang ghi vào" in other.stderr, other.stderr
        first.send_signal(signal.SIGCONT)
        first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGCONT)
            first.kill()
    _run(folder, out, "--previous", lists["A"])  # later, alone
    _run(folder, fresh, "--previous", lists["A"])
    assert _households(out)["dau_ky"].tolist() == _households(fresh)["dau_ky"].tolist()
    assert differences(out, fresh) == []


def test_helpers_see_no_difference_between_two_fresh_runs(pristine: Path, tmp_path: Path) -> None:
    """The comparison itself: two fresh runs of the same returns (one re-run from the cache, with
    --commune-workbooks) are equal once timestamps are set aside, so a difference above is the re-run's."""
    folder = fresh_copy(pristine, tmp_path)
    a, b = tmp_path / "a", tmp_path / "b"
    _run(folder, a, "--commune-workbooks")
    _run(folder, a, "--commune-workbooks")
    _run(folder, b, "--commune-workbooks")
    assert differences(a, b) == []
