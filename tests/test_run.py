"""`hgn run INPUT_DIR --out OUT`: the whole round in one command, as a subprocess — every output, every
household row accounted for, resumable after a re-run, an edit or a kill, plain output off a terminal, --strict,
--jobs, district and province scopes, --mask-pii.

Samples are small (2–4 communes × 60–80 households of province 30) and generated once per module where they are
only read.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from hgn_review.pipeline import CACHE_DIR
from hgn_review.sample import MANIFEST, generate_sample
from hgn_review.text import count_text

pytestmark = pytest.mark.slow

HH_SHEET, MM_SHEET = "Hộ gia đình", "Thành viên"
FORMS = [f"bieu_{i:02d}.xlsx" for i in range(1, 16)]
# merge provenance: in `hgn run` these name the per-file cache bundle under OUT/.hgn-cache and its SHA-256
# (which covers the bundle's meta.json with its run time), so they differ between any two output folders
PROVENANCE = ["source_file", "source_sha256"]
KEY_COLUMNS = ["file", "row", "ma_xa", "ma_ho", "phan_loai"]
ANSI = "\x1b"
TWELVE_DIGITS = re.compile(r"(?<![\d.,])\d{12}(?!\d)")


# ------------------------------------------------------------------------------------------ helpers
def _env(terminal_like: bool = False) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "250", "PYTHONIOENCODING": "utf-8"}
    env.pop("HGN_DEBUG", None)
    if terminal_like:  # a colour-capable TERM and no NO_COLOR: only the missing terminal may turn colour off
        for k in ("NO_COLOR", "FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE"):
            env.pop(k, None)
        env["TERM"] = "xterm-256color"
    else:
        env["NO_COLOR"] = "1"
    return env


def hgn(*args: str | Path, cwd: Path, terminal_like: bool = False) -> subprocess.CompletedProcess[str]:
    """Run `python -m hgn_review …` outside a terminal and capture its output."""
    return subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], cwd=cwd, env=_env(terminal_like),
                          capture_output=True, text=True, encoding="utf-8", timeout=900, check=False)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    for text in (proc.stdout, proc.stderr):
        assert "Traceback" not in text
        assert 'File "' not in text


@dataclass
class Run:
    """One `hgn run`: the process, its output folder and (with --json) its summary."""

    proc: subprocess.CompletedProcess[str]
    out: Path
    summary: dict[str, Any]

    def households(self) -> pd.DataFrame:
        return _sorted(pd.read_parquet(self.out / "ket_qua" / "households.parquet"))

    def members(self) -> pd.DataFrame:
        return _sorted(pd.read_parquet(self.out / "ket_qua" / "members.parquet"))


def run(input_dir: Path, out: Path, *extra: str, as_json: bool = True, terminal_like: bool = False) -> Run:
    """`hgn run INPUT_DIR --out OUT [extra] [--json]`, from the folder above the input."""
    proc = hgn("run", input_dir, "--out", out, *extra, *(["--json"] if as_json else []), cwd=input_dir.parent,
               terminal_like=terminal_like)
    no_traceback(proc)
    summary = json.loads(proc.stdout) if as_json and proc.returncode == 0 else {}
    return Run(proc, out, summary)


def ok(r: Run) -> Run:
    assert r.proc.returncode == 0, r.proc.stderr
    return r


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(["file", "row"], kind="stable").reset_index(drop=True)


def sample_rows(folder: Path, sheet: str) -> Counter[tuple[str, int]]:
    """The data rows of one sheet of every return in ``folder`` by (file name, Excel row), read cell by cell:
    non-blank rows below the header, repeated header rows left out."""
    out: Counter[tuple[str, int]] = Counter()
    for path in sorted(folder.glob("*.xlsx")):
        wb = openpyxl.load_workbook(path, read_only=True)
        try:
            rows = [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
        finally:
            wb.close()
        head = next(i for i, r in enumerate(rows[:30]) if "Mã hộ" in r)
        for i, r in enumerate(rows[head + 1:], start=head + 2):
            if any(v not in (None, "") for v in r) and r != rows[head]:
                out[(path.name, i)] += 1
    return out


def by_file_row(df: pd.DataFrame) -> Counter[tuple[str, int]]:
    return Counter((Path(f).name, int(r)) for f, r in zip(df["file"], df["row"], strict=True))


def bundles(out: Path) -> tuple[list[str], list[str]]:
    """(complete bundles, temporary entries) in OUT/.hgn-cache/files."""
    try:
        names = os.listdir(out / CACHE_DIR / "files")
    except FileNotFoundError:
        return [], []
    complete = [n for n in names if not n.startswith(".") and (out / CACHE_DIR / "files" / n / "meta.json").exists()]
    return complete, [n for n in names if n.startswith(".")]


def leftovers(out: Path) -> list[str]:
    """Temporary files and half-written bundles under OUT: any name starting with '.' (or ending in .part)
    other than the cache folder itself and the marks of folders hgn writes into."""
    from hgn_review.io.write import OUTPUT_MARK

    return sorted(str(p.relative_to(out)) for p in out.rglob("*")
                  if p != out / CACHE_DIR and p.name != OUTPUT_MARK
                  and (p.name.startswith(".") or p.name.endswith(".part")))


def cell_values(path: Path) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {(ws.title, c.coordinate): c.value for ws in wb for row in ws.iter_rows() for c in row
                if getattr(c, "value", None) is not None}
    finally:
        wb.close()


def texts(path: Path) -> list[str]:
    """Every piece of text a person could read in one output file: cell values of a workbook, else the file."""
    if path.suffix == ".xlsx":
        return [str(v) for v in cell_values(path).values()]
    return [path.read_text("utf-8", errors="replace")]


def edit_cell(path: Path, sheet: str, row: int, header: str, value: Any) -> None:
    """Change one cell of a return in place, as an officer would in Excel (openpyxl rewrites the file)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    col = next(c for c in range(1, ws.max_column + 1) if ws.cell(row=1, column=c).value == header)
    ws.cell(row=row, column=col, value=value)
    wb.save(path)


def small_clean_sample(root: Path, communes: int) -> Path:
    """A clean sample of ``communes`` × 60 households, its manifest moved out of the input folder."""
    folder = root / "in"
    generate_sample(folder, communes=communes, households=60, seed=17)
    (folder / MANIFEST).rename(root / MANIFEST)
    return folder


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """4 communes × 80 households of province 30 with errors injected at a rate of 2 % (read only)."""
    root = tmp_path_factory.mktemp("run_sample")
    generate_sample(root / "in", communes=4, households=80, seed=13, error_rate=0.02)
    return root / "in"


@pytest.fixture(scope="module")
def base_run(sample: Path) -> Run:
    """`hgn run IN --out OUT --jobs 2 --json` on the sample: the uninterrupted reference."""
    return ok(run(sample, sample.parent / "out_jobs2", "--jobs", "2"))


@pytest.fixture(scope="module")
def plain_run(sample: Path) -> Run:
    """`hgn run IN --out OUT --jobs 1` with the plain summary, stdout a pipe under a colour-capable TERM."""
    return ok(run(sample, sample.parent / "out_jobs1", "--jobs", "1", as_json=False, terminal_like=True))


# ------------------------------------------------------------------------------------------ outputs
def test_run_writes_every_output(base_run: Run) -> None:
    """One run writes the findings workbook, the fifteen forms, the population list (.xlsx and .csv), the
    HTML summary, the household results as Parquet and README.txt, and the summary lists them."""
    out = base_run.out
    expected = [out / "phat_hien.xlsx", out / "README.txt", out / "ket_qua" / "households.parquet",
                out / "ket_qua" / "members.parquet", out / "bao_cao" / "report.html",
                out / "bao_cao" / "danh_sach_csdl_dan_cu.xlsx", out / "bao_cao" / "danh_sach_csdl_dan_cu.csv",
                *[out / "bao_cao" / f for f in FORMS]]
    assert [str(p) for p in expected if not p.is_file() or p.stat().st_size == 0] == []
    listed = {Path(p).resolve() for paths in base_run.summary["outputs"].values() for p in paths}
    assert {p.resolve() for p in expected if p.name != "README.txt"} <= listed
    assert all(p.exists() for p in listed)
    readme = (out / "README.txt").read_text("utf-8")
    assert f"Số hộ: {base_run.summary['households']:,}" in readme
    assert leftovers(out) == []


def test_every_input_row_is_accounted_for(sample: Path, base_run: Run) -> None:
    """Every household row and every member row of every return is in ket_qua exactly once (by file and Excel
    row): nothing is lost or counted twice on the way through validate, classify, merge."""
    hh, mm = base_run.households(), base_run.members()
    got_hh, want_hh = by_file_row(hh), sample_rows(sample, HH_SHEET)
    assert [k for k, n in got_hh.items() if n > 1] == []
    assert set(got_hh) == set(want_hh)
    got_mm, want_mm = by_file_row(mm), sample_rows(sample, MM_SHEET)
    assert [k for k, n in got_mm.items() if n > 1] == []
    assert set(got_mm) == set(want_mm)
    assert base_run.summary["households"] == len(want_hh)
    assert base_run.summary["members"] == len(want_mm)
    assert sum(base_run.summary["by_class"].values()) == len(want_hh)
    assert base_run.summary["files"] == base_run.summary["processed"] == len(list(sample.glob("*.xlsx")))


# ------------------------------------------------------------------------------------------ resumability
def test_rerun_reads_nothing_and_an_edited_file_only(tmp_path: Path) -> None:
    """A second run takes every file from the cache and gives the same household table; after one cell of
    one return is edited, the next run re-reads that return only and shows the edit."""
    folder = small_clean_sample(tmp_path, communes=3)
    out = tmp_path / "out"
    first = ok(run(folder, out))
    assert (first.summary["files"], first.summary["processed"], first.summary["cached"]) == (3, 3, 0)
    second = ok(run(folder, out))
    assert (second.summary["files"], second.summary["processed"], second.summary["cached"]) == (3, 0, 3)
    before = second.households()
    pd.testing.assert_frame_equal(first.households(), before)
    pd.testing.assert_frame_equal(first.members(), second.members())

    edited = sorted(folder.glob("*.xlsx"))[1]
    edit_cell(edited, HH_SHEET, 2, "Thôn, tổ dân phố", "Thôn Mới Sửa")
    third = ok(run(folder, out))
    assert (third.summary["files"], third.summary["processed"], third.summary["cached"]) == (3, 1, 2)
    after = third.households()
    names = after["file"].map(lambda f: Path(f).name)
    hit = (names == edited.name) & (after["row"] == 2)
    assert after.loc[hit, "thon"].tolist() == ["Thôn Mới Sửa"]
    same = (names != edited.name).to_numpy()
    pd.testing.assert_frame_equal(after[same].drop(columns=PROVENANCE).reset_index(drop=True),
                                  before[same].drop(columns=PROVENANCE).reset_index(drop=True))
    assert after[KEY_COLUMNS].equals(before[KEY_COLUMNS])


def test_an_id_in_two_returns_is_found_as_hgn_validate_finds_it(tmp_path: Path) -> None:
    """Two persons of one return whose ID (with birth date and sex, so the ID itself is valid) is copied onto
    two persons of another: `hgn run` reports each in both files, each naming the other's row (which return is
    right is not known), exactly the findings `hgn validate` gives for the same folder, and marks them "trung" on
    its results (so the population list says why these IDs are not usable); nobody else is marked."""
    from hgn_review.pipeline import run_round
    from hgn_review.validate import validate_paths

    folder = small_clean_sample(tmp_path, communes=3)
    first, _, last = sorted(folder.glob("*.xlsx"))
    wb = openpyxl.load_workbook(first, read_only=True)
    rows = [tuple(c for c in r) for r in wb[MM_SHEET].iter_rows(min_row=2, max_row=4, values_only=True)]
    wb.close()
    for row, src in ((3, rows[0]), (5, rows[2])):  # persons at rows 2 and 4 of the first file
        for col, header in ((3, "Số định danh cá nhân"), (4, "Ngày sinh"), (5, "Giới tính")):
            edit_cell(last, MM_SHEET, row, header, src[col])

    outcome = run_round(folder, tmp_path / "out", jobs=1)
    found = [(Path(f.file).name, f.sheet, f.row, f.column, f.value, f.param("other"))
             for f in outcome.report.findings if f.code == "id-duplicate-batch"]
    assert sorted(found) == sorted([
        (first.name, MM_SHEET, 2, "Số định danh cá nhân", rows[0][3], f"{last.name}, dòng 3"),
        (first.name, MM_SHEET, 4, "Số định danh cá nhân", rows[2][3], f"{last.name}, dòng 5"),
        (last.name, MM_SHEET, 3, "Số định danh cá nhân", rows[0][3], f"{first.name}, dòng 2"),
        (last.name, MM_SHEET, 5, "Số định danh cá nhân", rows[2][3], f"{first.name}, dòng 4")])
    reference = validate_paths([folder])
    assert [(Path(f.file).name, f.sheet, f.row, f.column, f.value, f.param("other"))
            for f in reference.findings if f.code == "id-duplicate-batch"] == found
    mm = outcome.results.members
    marked = mm[(mm["dinh_danh_loi"] == "trung").fillna(False).to_numpy()]
    assert sorted(zip(marked["file"].map(lambda f: Path(f).name), marked["row"], strict=True)) == [
        (first.name, 2), (first.name, 4), (last.name, 3), (last.name, 5)]


def test_renamed_return_is_reported_under_its_new_name(tmp_path: Path) -> None:
    """After a return is renamed (same content), the next run reports its households and findings under the
    name the file has now, not the name it had when it was first read."""
    folder = small_clean_sample(tmp_path, communes=2)
    out = tmp_path / "out"
    ok(run(folder, out))
    old = sorted(folder.glob("*.xlsx"))[0]
    new = old.with_name("xa_doi_ten.xlsx")
    old.rename(new)
    again = ok(run(folder, out))
    current = {p.name for p in folder.glob("*.xlsx")}
    assert set(again.households()["file"].map(lambda f: Path(f).name)) == current
    assert set(again.members()["file"].map(lambda f: Path(f).name)) == current
    # the renamed file's cached bundle keeps the column types of a freshly read one, so the merge can stack all
    # bundles as one Arrow form (a mixed form falls back to the slow pandas path)
    import pyarrow.parquet as pq

    from hgn_review.merge.stack import forms
    cached = [d for d in (out / ".hgn-cache" / "files").iterdir() if (d / "meta.json").exists()]
    for part in ("households", "members"):
        assert len(set(forms([pq.read_table(d / f"{part}.parquet") for d in cached]))) == 1, part


def test_same_folder_by_another_path_rewrites_nothing(tmp_path: Path) -> None:
    """The input folder given as a relative path, then as an absolute one (or from another working folder): the
    returns keep their names ("in/…xlsx"), so no cached bundle is renamed and rewritten (that cost a province
    14 s) and the outputs name the same files."""
    folder = small_clean_sample(tmp_path, communes=2)
    out = tmp_path / "out"
    first = hgn("run", "in", "--out", "out", "--json", cwd=tmp_path)
    no_traceback(first)
    assert first.returncode == 0, first.stderr
    bundles = out / ".hgn-cache" / "files"
    written = {f: f.stat().st_mtime_ns for f in bundles.rglob("*.parquet")}
    again = ok(run(folder.resolve(), out.resolve()))  # absolute paths, from the folder above
    assert again.summary["processed"] == 0
    assert {f: f.stat().st_mtime_ns for f in bundles.rglob("*.parquet")} == written
    names = set(again.households()["file"])
    assert names == {f"in/{p.name}" for p in folder.glob("*.xlsx")}


def test_killed_run_resumes_to_the_same_result(sample: Path, base_run: Run, tmp_path: Path) -> None:
    """A run killed (SIGKILL) while it is writing per-file results, after at least one file is complete,
    resumes on the next run: complete files come from the cache, the outputs equal an uninterrupted run's,
    and no temporary file or half-written bundle is left in OUT."""
    out = tmp_path / "out"
    n_files = len(list(sample.glob("*.xlsx")))
    proc = subprocess.Popen([sys.executable, "-m", "hgn_review", "run", str(sample), "--out", str(out),
                             "--jobs", "1", "--json"], cwd=sample.parent, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None:
            complete, temporary = bundles(out)
            # kill while the next file's bundle is being written, or at the latest while the last file is read
            if complete and (temporary or len(complete) >= n_files - 1):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.001)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be interrupted"
    complete, _temporary = bundles(out)
    assert 1 <= len(complete) < n_files
    assert not (out / "ket_qua").exists()

    resumed = ok(run(sample, out, "--jobs", "1"))
    assert resumed.summary["files"] == n_files
    assert resumed.summary["cached"] == len(complete)
    assert resumed.summary["processed"] == n_files - len(complete)
    got, want = resumed.households(), base_run.households()
    pd.testing.assert_frame_equal(got[KEY_COLUMNS], want[KEY_COLUMNS])
    assert len(resumed.members()) == len(base_run.members())
    assert resumed.summary["by_class"] == base_run.summary["by_class"]
    assert leftovers(out) == []


# ------------------------------------------------------------------------------------------ output streams
def test_plain_output_off_a_terminal_has_no_colour_codes(plain_run: Run, base_run: Run) -> None:
    """Off a terminal the summary is plain text — no ANSI escape codes on either stream, even with a colour
    TERM — and carries the figures: households / persons, and each class with its count."""
    stdout, stderr = plain_run.proc.stdout, plain_run.proc.stderr
    assert ANSI not in stdout and ANSI not in stderr
    s = base_run.summary
    assert "hgn run" in stdout
    # as form 01 counts them, thousands grouped the Vietnamese way (1.234)
    assert f"{count_text(s['counted']['households'])} / {count_text(s['counted']['persons'])}" in stdout
    lines = stdout.splitlines()
    for name, count in s["by_class"].items():
        assert any(re.search(rf"\b{re.escape(name)}\s*\W\s*{re.escape(count_text(count))}\b", ln) for ln in lines), (name, count)
    # the merged unit as officers say it, in Vietnamese, with its name (not the JSON's "district")
    assert "huyện 288 Thành phố Hải Dương" in stdout and "district" not in stdout
    readme = (base_run.out / "README.txt").read_text("utf-8")
    assert "Cấp tổng hợp: huyện 288 Thành phố Hải Dương;" in readme


def test_json_summary_is_the_whole_stdout(base_run: Run) -> None:
    """With --json, stdout is one JSON document: files read and cached, households, classes, findings,
    level and unit, outputs."""
    doc = json.loads(base_run.proc.stdout)
    assert {"files", "processed", "cached", "households", "members", "by_class", "findings", "level", "unit",
            "outputs"} <= set(doc)
    assert doc["processed"] + doc["cached"] == doc["files"]
    assert doc["level"] == "district" and doc["unit"] == "288" and doc["unit_name"] == "Thành phố Hải Dương"
    assert ANSI not in base_run.proc.stdout


# ------------------------------------------------------------------------------------------ --strict
def test_strict_stops_before_merging(sample: Path, tmp_path: Path) -> None:
    """--strict on returns with errors exits 1 (findings at or above the error level, as `hgn validate` does)
    and writes only the findings workbook: no forms, no results. Under --json, stdout is still one JSON document
    (what was read and found, where the findings are); the message is on stderr. README.txt says why it stopped and
    that .hgn-cache/ holds the returns' personal data, as a finished run's README.txt does."""
    out = tmp_path / "out"
    r = run(sample, out, "--strict")
    assert r.proc.returncode == 1
    doc = json.loads(r.proc.stdout)
    assert doc["stopped"] == "strict" and doc["files"] == len(list(sample.glob("*.xlsx")))
    assert doc["findings"]["error"] == int(pd.read_excel(out / "phat_hien.xlsx", sheet_name=0)["Mức độ"].eq("Lỗi").sum())
    assert doc["outputs"]["phat_hien"] == [str(out / "phat_hien.xlsx")]
    assert "--strict" in r.proc.stderr and "phat_hien.xlsx" in r.proc.stderr and "{" not in r.proc.stderr
    assert (out / "phat_hien.xlsx").is_file()
    assert not (out / "bao_cao").exists()
    assert not (out / "ket_qua").exists()
    readme = (out / "README.txt").read_text("utf-8")
    assert "--strict" in readme and ".hgn-cache/" in readme and "dữ liệu cá nhân" in readme
    plain = run(sample, tmp_path / "plain", "--strict", as_json=False)
    assert plain.proc.returncode == 1 and plain.proc.stdout == ""  # without --json: the message only, on stderr
    # marked copies only when asked (README: minutes at province scale), listed in the JSON when made
    assert not (out / "phat_hien_ban_sao").exists() and "ban_sao" not in doc["outputs"]
    marked = run(sample, tmp_path / "marked", "--strict", "--marked-copies")
    copies = json.loads(marked.proc.stdout)["outputs"]["ban_sao"]
    assert copies and all(Path(c).parent == tmp_path / "marked" / "phat_hien_ban_sao" and Path(c).is_file()
                          for c in copies)


def test_fail_on_writes_everything_then_exits_1(sample: Path, base_run: Run, tmp_path: Path) -> None:
    """Without --fail-on a round that completes exits 0 even when returns have errors (the reference run);
    with --fail-on error it writes every output the same and exits 1; --fail-on on clean returns exits 0."""
    assert base_run.summary["findings"].get("error", 0) > 0 and base_run.proc.returncode == 0
    failed = run(sample, tmp_path / "out", "--fail-on", "error")
    assert failed.proc.returncode == 1
    assert json.loads(failed.proc.stdout)["households"] == base_run.summary["households"]
    assert (tmp_path / "out" / "ket_qua" / "households.parquet").is_file()
    assert all((tmp_path / "out" / "bao_cao" / f).is_file() for f in FORMS)
    clean = small_clean_sample(tmp_path / "clean", communes=2)
    assert ok(run(clean, tmp_path / "clean_out", "--fail-on", "error")).summary["findings"].get("error", 0) == 0


# ------------------------------------------------------------------------------------------ --jobs
def test_jobs_1_and_2_give_identical_results(base_run: Run, plain_run: Run) -> None:
    """--jobs 1 and --jobs 2 give the same households and members (after sorting by file and row; merge
    provenance names each run's own cache bundle) and the same values in every cell of every form."""
    for one, two in ((plain_run.households(), base_run.households()), (plain_run.members(), base_run.members())):
        pd.testing.assert_frame_equal(one.drop(columns=PROVENANCE), two.drop(columns=PROVENANCE))
    for form in FORMS:
        a, b = cell_values(plain_run.out / "bao_cao" / form), cell_values(base_run.out / "bao_cao" / form)
        assert a == b, form
    assert len(cell_values(base_run.out / "bao_cao" / "bieu_01.xlsx")) > 0


# ------------------------------------------------------------------------------------------ scopes
def test_province_figures_are_the_sum_of_its_districts(tmp_path: Path) -> None:
    """A folder holding two districts of province 30 (one sub-folder each) is merged to the province, and the
    province's households, persons and households by class equal the sums of the two district runs."""
    root = tmp_path / "tinh_30"
    for seed, district in ((21, "288"), (22, "300")):
        generate_sample(root / district, communes=2, households=60, seed=seed, district=district, error_rate=0.02)
    province = ok(run(root, tmp_path / "out_tinh", "--jobs", "2"))
    districts = [ok(run(root / d, tmp_path / f"out_{d}", "--jobs", "2")) for d in ("288", "300")]
    assert (province.summary["level"], province.summary["unit"]) == ("province", "30")
    assert [(d.summary["level"], d.summary["unit"]) for d in districts] == [("district", "288"), ("district", "300")]
    assert province.summary["files"] == 4
    total: Counter[str] = Counter()
    for d in districts:
        total.update(d.summary["by_class"])
    assert province.summary["by_class"] == dict(total)
    assert province.summary["households"] == sum(d.summary["households"] for d in districts)
    assert province.summary["members"] == sum(d.summary["members"] for d in districts)


# ------------------------------------------------------------------------------------------ --mask-pii
def test_mask_pii_keeps_every_id_out_of_the_reports(sample: Path, base_run: Run, tmp_path: Path) -> None:
    """With --mask-pii no personal ID number — none of the sample's, nor any 12-digit number — appears in any
    file under bao_cao/, while the unmasked reports of the same returns do hold them."""
    ids = set(base_run.members()["so_dinh_danh"].dropna().astype(str))
    assert len(ids) > 100
    unmasked = "\n".join(t for p in sorted((base_run.out / "bao_cao").iterdir()) for t in texts(p))
    assert any(i in unmasked for i in ids)  # the check can see an ID where there is one

    masked = ok(run(sample, tmp_path / "out", "--mask-pii"))
    files = sorted(p for p in (masked.out / "bao_cao").rglob("*") if p.is_file())
    assert {p.name for p in files} >= {*FORMS, "danh_sach_csdl_dan_cu.xlsx", "danh_sach_csdl_dan_cu.csv",
                                       "report.html"}
    found = []
    for p in files:
        blob = "\n".join(texts(p))
        found += [(p.name, m) for m in TWELVE_DIGITS.findall(blob)]
        found += [(p.name, i) for i in ids if i in blob]
    assert found == []
