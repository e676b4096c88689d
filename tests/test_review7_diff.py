"""Review of the day's changes (54f9386..d1340ec): defects found in the new code, each shown by a test that fails on it.

Areas: the start-of-period list across the 2025 reform (scoring/movements.py), Ctrl-C during `hgn run`'s worker
pool, click's usage errors in Vietnamese (cli.py), the refusal of a returns folder as the output folder
(pipeline.run_round) and the local standard's SHA-256 in merge's mixed-inputs check.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import COMMUNE_2, household, make_id, make_return, member, run_hgn, sample_returns

# income under the rural line and deprived in housing quality, water and latrine (3 indicators): Nghèo
POOR = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
AFTER_REFORM = "01/10/2025"


def _start_list(path: Path, rows: list[list[str]]) -> Path:
    """A start-of-period list as an officer types it (no heads' IDs: the column is optional)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã xã", "Mã hộ", "Phân loại"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


# ------------------------------------------------------------------------------------------ the 2025 crosswalk
def test_a_household_of_a_partly_merged_commune_that_kept_its_code_is_matched_in_the_commune_it_went_to(
        tmp_path: Path) -> None:
    """Old Phường Cộng Hoà (10570) was split on 1/7/2025: part went to Phường Chu Văn An (10549), the rest became
    Phường Trần Hưng Đạo, which kept the code 10570. The list made before the reform has 10570/Z1 poor and
    10570/Q1 poor; after it, Z1 is in 10549's return and Q1 in 10570's. Z1 is matched by its code in the new
    commune that has it, as for an old commune whose code was abolished (the test of 10528 in
    test_review7_movements.py): it continues poor, and 10570 is not told it left Z1 out of its return.

    list_communes keeps every code that is a unit on the review date, so 10570/Z1 is looked for in 10570 only:
    Z1 gets 'Chưa rõ phân loại đầu kỳ' (previous-unmatched) and 10570's return gets a previous-not-reviewed error
    for a household it lawfully no longer has."""
    from hgn_review.pipeline import classify_paths

    a = make_return(tmp_path, [household(ma_ho="Z1", ma_xa="10549", ngay_ra_soat=AFTER_REFORM, phan_loai_dau_ky=None,
                                         **POOR)],
                    [member(ma_ho="Z1", so_dinh_danh=make_id(serial="000001"))], name="10549.xlsx")
    b = make_return(tmp_path, [household(ma_ho="Q1", ma_xa="10570", ngay_ra_soat=AFTER_REFORM, phan_loai_dau_ky=None,
                                         **POOR)],
                    [member(ma_ho="Q1", so_dinh_danh=make_id(serial="000002"))], name="10570.xlsx")
    prev = _start_list(tmp_path / "dau_ky.xlsx", [["10570", "Z1", "Nghèo"], ["10570", "Q1", "Nghèo"]])
    run = classify_paths([a, b], previous=prev)
    assert run.results.households.set_index("ma_ho")["dien_bien"].to_dict() == {
        "Z1": "Tiếp tục nghèo", "Q1": "Tiếp tục nghèo"}
    assert [f.value for f in run.report.findings if f.code == "previous-not-reviewed"] == []


def test_matching_a_start_list_of_a_split_commune_takes_no_python_step_per_row() -> None:
    """hgn run classifies a few returns per worker call, each time against the whole start list; a province's
    list made before 1/7/2025 has tens of thousands of households of old communes split between new ones
    (22 of province 30's 207). Matching 30,000 such rows costs about what 30,000 rows of a commune merged whole
    cost (a vectorised lookup), not seconds.

    _list_keys places each row of a split commune with a Python loop (an .iloc read and write per row): 0.07 ms
    a row on an idle machine (2.3 s here against 0.2 s), i.e. 5-17 s per worker call for province 30's 66,000
    such rows, repeated in every call and again in not_reviewed."""
    from hgn_review.scoring.movements import match_status

    def frames(old: str, new: str, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
        codes = pd.array([f"{old}-{i:05d}" for i in range(n)], dtype="string")
        households = pd.DataFrame({"ma_xa": pd.array([new] * n, dtype="string"), "ma_ho": codes,
                                   "ngay_ra_soat": pd.to_datetime(["2025-10-01"] * n), "uid": np.arange(n)})
        start = pd.DataFrame({"ma_xa": pd.array([old] * n, dtype="string"), "ma_ho": codes,
                              "phan_loai": pd.array(["Nghèo"] * n, dtype="string")})
        return households, start

    no_heads = pd.Series(dtype="string")
    warm_households, warm_start = frames("10549", "10549", 10)
    match_status(warm_households, no_heads, warm_start)  # the registry loaded before anything is counted

    def python_calls(n: int) -> int:
        """Python function calls made matching ``n`` rows of the split commune (counted, not timed: speed is
        measured by `make bench`; a step per row shows as calls that grow with the rows)."""
        households, start = frames("10528", "10532", n)
        calls = 0

        def count(_frame: object, event: str, _arg: object) -> None:
            nonlocal calls
            calls += event == "call"

        sys.setprofile(count)
        try:
            _state, matched = match_status(households, no_heads, start)
        finally:
            sys.setprofile(None)
        assert bool(matched.all())
        return calls

    few, many = python_calls(1_000), python_calls(30_000)
    assert many < 1.5 * few + 200, (few, many)  # 29,000 more rows: no more steps (a loop per row adds ~29,000+)


# ------------------------------------------------------------------------------------------ Ctrl-C
@pytest.mark.skipif(os.name == "nt", reason="sends SIGINT to a process group (POSIX)")
def test_ctrl_c_during_run_stops_the_workers_instead_of_classifying_every_remaining_return(
        tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the terminal's process group: hgn and its workers) while `hgn run` classifies 24 returns
    with --jobs 2 (batches of 3): hgn stops with exit 130, and no more than the batches under way or queued to a
    worker (3 batches, 9 returns) are finished after the key was pressed.

    The pool is left by `with ProcessPoolExecutor` (shutdown(wait=True), futures not cancelled): the workers shrug
    off the interrupt of their current batch and go on with every remaining one, so hgn keeps reading and
    classifying the whole folder (on a province, tens of seconds) before it says 'Đã dừng theo yêu cầu.' — here
    18 returns were classified after the interrupt (2 cached at the interrupt, 20 at exit)."""
    returns = sample_returns(tmp_path_factory, "ctrl_c", communes=24, households=200, seed=5)
    out = tmp_path / "out"
    files = out / ".hgn-cache" / "files"

    def cached() -> int:
        return len([e for e in os.listdir(files) if not e.startswith(".")]) if files.is_dir() else 0

    env = {**os.environ, "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("HGN_DEBUG", None)
    proc = subprocess.Popen([sys.executable, "-m", "hgn_review", "run", str(returns), "--out", str(out), "--jobs", "2"],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            encoding="utf-8", start_new_session=True)
    try:
        started = time.time()
        while cached() < 1 and proc.poll() is None and time.time() - started < 120:
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        os.killpg(proc.pid, signal.SIGINT)
        at_interrupt = cached()
        _out, err = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    assert cached() - at_interrupt <= 9, (at_interrupt, cached())


# ------------------------------------------------------------------------------------------ usage errors
def test_hgn_without_a_command_shows_its_help_not_an_error(tmp_path: Path) -> None:
    """`hgn` typed alone (or `hgn standard`) shows the list of commands, as before today's change (click's
    no-args-is-help). The Vietnamese usage errors now wrap it as an error: 'Lỗi: Lệnh chưa đúng: Usage: hgn
    [OPTIONS] …' followed by a hint, as if the officer had typed something wrong."""
    for args in ((), ("standard",)):
        done = run_hgn(*args, cwd=tmp_path)
        said = done.stdout + done.stderr
        assert "Lệnh:" in said.splitlines()  # the list of commands, its heading in Vietnamese (session 10)
        assert "Lệnh chưa đúng" not in said and "Lỗi" not in said, said[:300]


# ------------------------------------------------------------------------------------------ output folder
def test_run_refusing_a_folder_of_returns_as_its_output_writes_nothing_into_it(tmp_path: Path) -> None:
    """`hgn run A --out B`, B being another folder of returns: refused (exit 2) and, as the commit says, nothing
    written — B holds what it held. run_round creates B/.hgn-cache/files before mark_folder refuses B."""
    a = tmp_path / "A"
    b = tmp_path / "B"
    make_return(a, name="11284.xlsx")
    make_return(b, [household(ma_xa=COMMUNE_2, ma_ho="11287-0001")],
                [member(ma_ho="11287-0001", so_dinh_danh=make_id(serial="000009"))], name="11287.xlsx")
    done = run_hgn("run", a, "--out", b, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert sorted(p.name for p in b.iterdir()) == ["11287.xlsx"]


# ------------------------------------------------------------------------------------------ merge: local standard
def test_results_of_one_local_standard_merge_whether_or_not_they_record_its_sha256(tmp_path: Path) -> None:
    """Two communes classified with the same local standard (example-bac-ninh) by hgn 0.1.0: one results file
    written before today's change records the local standard's id only, the other (written now) its id and
    SHA-256. Same national standard, same local standard, same version: they merge.

    _check_mixed compares 'example-bac-ninh' with 'example-bac-ninh 5ba1150112be' and refuses them as different
    standards ('dùng chuẩn nghèo … khác nhau'); the version string, unchanged, does not tell the files apart."""
    from hgn_review.io.results import write_results
    from hgn_review.merge import merge_results
    from hgn_review.pipeline import classify_paths

    a = make_return(tmp_path, name="a.xlsx")
    b = make_return(tmp_path, [household(ma_xa=COMMUNE_2, ma_ho="11287-0001")],
                    [member(ma_ho="11287-0001", so_dinh_danh=make_id(serial="000009"))], name="b.xlsx")
    earlier = classify_paths([a], local="example-bac-ninh").results
    now = classify_paths([b], local="example-bac-ninh").results
    assert now.meta["local_standard_sha256"]
    del earlier.meta["local_standard_sha256"]  # as results of the same version were written before the change
    write_results(earlier, tmp_path / "a_ket_qua.xlsx")
    write_results(now, tmp_path / "b_ket_qua.xlsx")
    merged = merge_results([tmp_path / "a_ket_qua.xlsx", tmp_path / "b_ket_qua.xlsx"], level="district")
    assert len(merged.results.households) == 2
