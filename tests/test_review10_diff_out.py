"""Review 10 (helper, diff a669524..HEAD): how `hgn run` / `hgn report` put their outputs in place, and the command
line around them.

The change under review (5ca8779, 6acfd1d): files an officer adds to OUT/bao_cao/, so_xa/, ket_qua/,
phat_hien_ban_sao/ are carried across re-runs by a manifest (.hgn-cache/published.json) of what each publishing
wrote, else by a pattern of hgn's own names (a folder published before the manifest existed); an interrupted
publishing is completed by the next run (pipeline._remove_leftovers); `hgn report` writes aside and renames;
help screens framed in Vietnamese; `hgn sample` refuses a folder of returns; an unknown standard is exit 2.

README (hgn run): "Files an officer adds to the output folders (a signed scan beside the forms in `bao_cao/`) are
kept across re-runs (beside a new output of the same name, as "… (bản của người dùng)")"; "an output the new run
does not write (so_xa/ without --commune-workbooks) is removed, never left stale beside the new ones"
(pipeline._publish); exit codes: 2 usage, 3 could not run.

A kill is simulated in-process: the step of the publishing named in each test raises a BaseException that nothing
in hgn catches (as SIGKILL stops the process there), then the next run starts from what is on disk.
Tests that fail state a defect; tests marked `# guard (passes)` hold something important that works today.
"""

from __future__ import annotations

import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import sample_returns

USER = "(bản của người dùng)"


class Killed(BaseException):
    """The process stopped here (SIGKILL, a power cut): nothing after this line of hgn ran."""


def hgn(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`hgn …` as an officer runs it, output to pipes (no terminal: click wraps help at 80 columns)."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "HGN_DEBUG")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300, check=False)


def files(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too), by its path inside it."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_returns(tmp_path_factory, "r10out", communes=2, households=3, seed=21)


@pytest.fixture
def rets(pristine: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "Biểu các xã"
    shutil.copytree(pristine, dst)
    return dst


def run(rets: Path, out: Path, **kw: object) -> object:
    from hgn_review.pipeline import run_round

    return run_round(rets, out, jobs=1, **kw)  # type: ignore[arg-type]


SCAN = b"%PDF-1.4 bieu 01 da ky, dong dau"


# ============================================================================ an interrupted publishing
KILL_POINTS = ["between the moves into place", "before the manifest is written", "after the manifest is written"]


@pytest.mark.parametrize("point", KILL_POINTS)
def test_a_run_stopped_while_publishing_does_not_turn_hgns_forms_into_officer_copies(
        rets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    """The officer re-runs after correcting a return; the run is stopped (the laptop's battery, Ctrl+Break, a
    SIGKILL) during the last few renames of the publishing. README: "A run stopped during these renames is
    completed by the next call". The next `hgn run` completes it — and from then on bao_cao/ holds every form
    twice: bieu_01.xlsx and "bieu_01 (bản của người dùng).xlsx" … "report (bản của người dùng).html", even a
    ".hgn-output (bản của người dùng)" — hgn's own old forms presented as the officer's copies, carried across
    every later run for ever (the officer cannot tell their real copies from hgn's stale ones, and a stale form
    with last month's figures beside the new one is exactly what the publishing exists to prevent).
    Cause: pipeline._remove_leftovers writes the manifest from `_listing(stage)` — what is *still* in .hgn-next,
    i.e. nothing or only the folders not yet moved — so published.json says hgn wrote nothing in bao_cao/
    ("{}"), and the next _carry_over keeps all of it. Fix: write the manifest of the new outputs before the first
    rename (e.g. .hgn-next/published.json, or the listing saved beside READY) and have _remove_leftovers use
    that saved listing, never the remains of the stage."""
    from hgn_review import pipeline

    out = tmp_path / "Kết quả"
    run(rets, out)
    (out / "bao_cao" / "bieu_01_da_ky.pdf").write_bytes(SCAN)

    if point == "between the moves into place":
        real = pathlib.Path.rename

        def rename(self: Path, target: object) -> object:
            if self.parent.name == pipeline.STAGING and self.name == "ket_qua":  # bao_cao/ moved in, ket_qua/ not
                raise Killed
            return real(self, target)
        monkeypatch.setattr(pathlib.Path, "rename", rename)
    else:
        write = pipeline._write_manifest

        def manifest(o: Path, w: dict[str, list[str]]) -> None:
            if point == "after the manifest is written":
                write(o, w)
            raise Killed
        monkeypatch.setattr(pipeline, "_write_manifest", manifest)
    with pytest.raises(Killed):
        run(rets, out)
    monkeypatch.undo()

    run(rets, out)  # completes the stopped publishing, then publishes again
    run(rets, out)
    got = sorted(files(out / "bao_cao"))
    assert not [n for n in got if USER in n], f"hgn's own outputs kept as the officer's copies: {got}"
    assert (out / "bao_cao" / "bieu_01_da_ky.pdf").read_bytes() == SCAN


def test_a_run_stopped_while_removing_the_last_outputs_does_not_bring_back_stale_commune_workbooks(
        rets: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Last week: `hgn run … --commune-workbooks` (so_xa/10xxx_ket_qua.xlsx). Today `hgn run …` without it, stopped
    in its very last step (deleting .hgn-old, the last run's outputs — the slowest step on a province's ket_qua/).
    The next run finds .hgn-old and "carries" it with the *new* manifest, in which so_xa/ is absent: every stale
    commune workbook of last week is put back in so_xa/ as an officer's file, and stays there across every later
    run. README / pipeline._publish: "an output the new run does not write (so_xa/ without --commune-workbooks)
    is removed, never left stale beside the new ones". The officer sends a commune its last week's figures.
    Cause: pipeline._remove_leftovers, `elif old.is_dir(): _carry_over(old, out_dir)` — right only before
    _publish wrote the new manifest; after it, published.json describes the new outputs, not .hgn-old's. Fix:
    carry from .hgn-old only with the manifest of the publishing that wrote .hgn-old's contents (keep it beside
    them in .hgn-old until the carrying is done), or delete .hgn-old without carrying once the carrying is done
    (e.g. rename it to a 'carried' name before the rmtree)."""
    from hgn_review import pipeline

    out = tmp_path / "Kết quả"
    run(rets, out, commune_workbooks=True)
    stale = sorted(files(out / "so_xa"))
    assert stale
    real = shutil.rmtree

    def rmtree(p: object, *a: object, **k: object) -> None:
        here = Path(str(p))
        if here.name == pipeline.OLD and (here / "so_xa").exists() and not (here.parent / pipeline.STAGING).exists():
            raise Killed  # the last line of _publish, the last run's outputs still in .hgn-old
        real(p, *a, **k)  # type: ignore[arg-type]
    monkeypatch.setattr(shutil, "rmtree", rmtree)
    with pytest.raises(Killed):
        run(rets, out)
    monkeypatch.undo()

    run(rets, out)
    left = sorted(files(out / "so_xa")) if (out / "so_xa").exists() else []
    assert not left, f"the last run's commune workbooks are back in so_xa/ (the run did not write so_xa/): {left}"


# ============================================================================ no manifest
def test_an_output_folder_without_a_manifest_keeps_the_officers_signed_scan(rets: Path, tmp_path: Path) -> None:
    """An output folder published before the manifest was kept (the version before today's, which the officer
    upgraded from), or one whose .hgn-cache/ the officer deleted to make hgn read everything again: the officer
    saved the signed scan of form 01 as bao_cao/bieu_01.pdf (the very example of hgn's own test_session10), a
    copy of the list as "danh_sach_csdl_dan_cu - Copy.xlsx" (Windows Explorer's name for a copy), their own list
    danh_sach_ho_ngheo_thon_1.xlsx and their own so_xa/tong_hop_tay.xlsx. `hgn run` again: exit 0 and all four
    are deleted (README: files an officer adds
    "are kept across re-runs"). hgn has never written a PDF, nor a name with " - Copy". Cause: pipeline._HGN_NAMES
    / _HGN_WORKBOOKS, the fallback when there is no manifest: `bieu_\\d\\d\\.(xlsx|pdf)`, `danh_sach_.*\\.(xlsx|csv)`
    and, in so_xa/, every .xlsx, are taken for hgn's and dropped. Fix: without a manifest, drop only what the new
    run writes again or what is provably hgn's (its workbooks carry the hgn-output property, io/read.is_hgn_output;
    its exact list names), and no PDF; keep anything else."""
    out = tmp_path / "Kết quả"
    run(rets, out, commune_workbooks=True)
    (out / ".hgn-cache" / "published.json").unlink()  # as an older version left the folder
    mine = {"bao_cao/bieu_01.pdf": SCAN, "bao_cao/danh_sach_csdl_dan_cu - Copy.xlsx": b"PK officer's copy",
            "bao_cao/danh_sach_ho_ngheo_thon_1.xlsx": b"PK the officer's own list for hamlet 1",
            "so_xa/tong_hop_tay.xlsx": b"PK officer's own workbook"}
    for rel, data in mine.items():
        (out / rel).write_bytes(data)
    proc = hgn("run", rets, "--out", out, "--commune-workbooks", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lost = [rel for rel, data in mine.items() if not (out / rel).is_file() or (out / rel).read_bytes() != data]
    assert not lost, f"the officer's files deleted by the re-run: {lost}"


def test_a_garbled_manifest_still_keeps_an_officers_file_of_no_hgn_name(rets: Path, tmp_path: Path) -> None:
    # guard (passes): published.json cut short (a full disk) falls back to hgn's names, and the officer's scan
    # "bieu_01_da_ky.pdf" (no name of hgn's) is kept; no hgn form is duplicated as the officer's
    out = tmp_path / "Kết quả"
    run(rets, out)
    (out / ".hgn-cache" / "published.json").write_text('{"bao_cao": ["bieu_0', "utf-8")
    (out / "bao_cao" / "bieu_01_da_ky.pdf").write_bytes(SCAN)
    run(rets, out)
    got = files(out / "bao_cao")
    assert got["bieu_01_da_ky.pdf"] == SCAN
    assert not [n for n in got if USER in n], sorted(got)


# ============================================================================ carrying
def test_two_officer_copies_of_one_output_name_do_not_overwrite_each_other(tmp_path: Path) -> None:
    """A commune sends back its signed results workbook; the officer files it as so_xa/10507_ket_qua.xlsx while
    hgn's so_xa/ is absent (a run without --commune-workbooks). A run with --commune-workbooks keeps it as
    "10507_ket_qua (bản của người dùng).xlsx" (README). Weeks later the same again with the commune's corrected
    copy: now both officer files are in the last so_xa/, and the new run writes 10507_ket_qua.xlsx. The first
    copy is carried to "… (bản của người dùng).xlsx", then the second is renamed onto the same name — on Linux
    and macOS `Path.rename` replaces it silently: the commune's first signed copy is gone. Cause:
    pipeline._carry_over, `target.with_name(f"{stem} (bản của người dùng){suffix}")` is not checked for
    existence. Fix: add a number when that name is taken too ("… (bản của người dùng 2)")."""
    from hgn_review import pipeline

    out = tmp_path / "out"
    (out / pipeline.CACHE_DIR).mkdir(parents=True)
    (out / pipeline.CACHE_DIR / pipeline.MANIFEST).write_text(json.dumps({"bao_cao": ["bieu_01.xlsx"]}), "utf-8")
    (out / "so_xa").mkdir()
    first, second = b"PK commune's signed copy, May", b"PK commune's corrected copy, June"
    (out / "so_xa" / f"10507_ket_qua {USER}.xlsx").write_bytes(first)
    (out / "so_xa" / "10507_ket_qua.xlsx").write_bytes(second)
    stage = out / pipeline.STAGING
    (stage / "so_xa").mkdir(parents=True)
    (stage / "so_xa" / "10507_ket_qua.xlsx").write_bytes(b"PK hgn's new workbook")
    pipeline._publish(stage, out)
    kept = sorted(v for k, v in files(out / "so_xa").items() if k != "10507_ket_qua.xlsx")
    assert kept == sorted([first, second]), f"the officer's files in so_xa/ now: {sorted(files(out / 'so_xa'))}"


def test_an_empty_folder_the_officer_made_in_bao_cao_survives_a_rerun(rets: Path, tmp_path: Path) -> None:
    """The officer makes bao_cao/"Bản ký"/ to collect the signed scans as they come back (empty for now). The next
    `hgn run` deletes it: only files are carried (pipeline._carry_over skips `not p.is_file()`), the old bao_cao/
    is deleted whole. Minor, but it is the officer's and README promises the output folders keep what they add.
    Fix: carry directories not in the manifest too (mkdir them in the new folder)."""
    out = tmp_path / "Kết quả"
    run(rets, out)
    (out / "bao_cao" / "Bản ký").mkdir()
    run(rets, out)
    assert (out / "bao_cao" / "Bản ký").is_dir()


def test_officer_files_across_reruns_with_so_xa_toggled_and_a_strict_stop(pristine: Path, tmp_path: Path) -> None:
    # guard (passes): a scan in bao_cao/, a file in a sub-folder of bao_cao/ and a note in so_xa/ are kept exactly
    # once across five runs: with and without --commune-workbooks, and a --strict run that stops on an error
    rets = tmp_path / "in"
    shutil.copytree(pristine, rets)
    out = tmp_path / "Kết quả"
    run(rets, out, commune_workbooks=True)
    mine = {"bao_cao/bieu_01_da_ky.pdf": SCAN, "bao_cao/Bản ký/xa_10507.pdf": b"%PDF sub",
            "so_xa/ghi_chu.txt": "ghi chú".encode()}
    for rel, data in mine.items():
        (out / rel).parent.mkdir(parents=True, exist_ok=True)
        (out / rel).write_bytes(data)
    run(rets, out)
    # an error in one return: --strict stops before merging (exit 1 from the CLI)
    from hgn_review.errors import FindingsStop

    book = sorted(rets.glob("*.xlsx"))[0]
    saved = book.read_bytes()
    import openpyxl

    wb = openpyxl.load_workbook(book)
    for ws in wb.worksheets:
        for row in ws.iter_rows(min_row=1, max_row=40):
            for c in row:
                if isinstance(c.value, str) and re.fullmatch(r"\d{12}", c.value):
                    c.value = "abc"  # a personal ID that cannot be one
    wb.save(book)
    with pytest.raises(FindingsStop):
        run(rets, out, strict=True)
    book.write_bytes(saved)
    run(rets, out, commune_workbooks=True)
    run(rets, out)
    for folder in ("bao_cao", "so_xa"):
        if (out / folder).exists():
            assert not [n for n in files(out / folder) if USER in n], sorted(files(out / folder))
    for rel, data in mine.items():
        assert (out / rel).read_bytes() == data, rel
    assert not [n for n in files(out / "so_xa") if n.endswith("_ket_qua.xlsx")], "stale commune workbooks"


def test_run_then_report_into_the_same_bao_cao_then_run(rets: Path, tmp_path: Path) -> None:
    # guard (passes): `hgn report kq --out-dir Kết quả/bao_cao --forms 1,2 --signer …` between two runs: the next
    # run's forms replace them, nothing is kept twice, the officer's scan stays
    out = tmp_path / "Kết quả"
    run(rets, out)
    (out / "bao_cao" / "bieu_01_da_ky.pdf").write_bytes(SCAN)
    proc = hgn("report", out / "ket_qua", "--out-dir", out / "bao_cao", "--forms", "1,2", "--signer",
               "Nguyễn Văn A", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    run(rets, out)
    got = files(out / "bao_cao")
    assert not [n for n in got if USER in n or n.startswith(".hgn-report")], sorted(got)
    assert got["bieu_01_da_ky.pdf"] == SCAN


def test_a_killed_reports_staging_folder_is_not_carried_as_the_officers(rets: Path, tmp_path: Path) -> None:
    """`hgn report Kết quả/ket_qua --out-dir Kết quả/bao_cao --signer …` is killed while writing (it leaves its
    hidden staging folder bao_cao/.hgn-report-next with half the forms — reports/__init__.py cleans it only in a
    `finally`, which SIGKILL skips). Every later `hgn run` carries .hgn-report-next/ into the new bao_cao/ as an
    officer's folder (it is not in the manifest), for ever: hgn's own temporary half-written forms kept as the
    officer's. pipeline._remove_leftovers removes only `.*.part` temporaries. Fix: treat reports.STAGE inside an
    output folder as hgn's temporary (remove it in _remove_leftovers, or never carry it)."""
    from hgn_review.reports import STAGE

    out = tmp_path / "Kết quả"
    run(rets, out)
    left = out / "bao_cao" / STAGE  # as the killed report left it
    left.mkdir()
    shutil.copy2(out / "bao_cao" / "bieu_01.xlsx", left / "bieu_01.xlsx")
    run(rets, out)
    run(rets, out)
    assert not (out / "bao_cao" / STAGE).exists(), sorted(files(out / "bao_cao"))


def test_validate_of_the_parent_does_not_read_a_reports_staging_folder(rets: Path, tmp_path: Path) -> None:
    # guard (passes): a report killed mid-way leaves bao_cao/.hgn-report-next/danh_sach_*.csv; `hgn validate` of
    # the folder holding returns and outputs does not read those as returns
    out = rets / "Kết quả"
    proc = hgn("report", sample_results(rets, tmp_path), "--out-dir", out, "--forms", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    from hgn_review.reports import STAGE

    (out / STAGE).mkdir()
    for p in out.glob("danh_sach_*"):
        shutil.copy2(p, out / STAGE / p.name)
    proc = hgn("validate", rets, "--json", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    read = [f["file"] for f in json.loads(proc.stdout)["summary"]["per_file"]]
    assert len(read) == len(list(rets.glob("*.xlsx"))) and not [f for f in read if STAGE in f], read


def sample_results(rets: Path, tmp_path: Path) -> Path:
    res = tmp_path / "kq.xlsx"
    proc = hgn("classify", rets, "--out", res, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return res


# ============================================================================ hgn report into an officer's folder
def test_report_into_a_folder_with_a_signed_scan_named_like_a_form_is_not_refused(rets: Path,
                                                                                   tmp_path: Path) -> None:
    """`hgn report kq.xlsx --out-dir "Báo cáo quý"`, the officer's folder holding last year's signed scan
    bieu_01.pdf: refused, exit 2, "đã có bieu_01.pdf: lập báo cáo sẽ ghi đè các tệp đó" — a falsehood: hgn report
    writes no PDF (its forms are .xlsx), nothing would be written over. Cause: reports/__init__.py OUTPUT_NAMES
    `bieu_\\w+\\.(xlsx|pdf)`. Fix: refuse only for names the report writes. (A workbook or CSV of the officer's
    there is refused anyway as a possible return — refuse_returns_folder — so only non-workbook names matter.)"""
    res = sample_results(rets, tmp_path)
    folder = tmp_path / "Báo cáo quý"
    folder.mkdir()
    (folder / "bieu_01.pdf").write_bytes(SCAN)
    proc = hgn("report", res, "--out-dir", folder, "--forms", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (folder / "bieu_01.pdf").read_bytes() == SCAN


# ============================================================================ sample
def test_sample_refuses_a_returns_folder_kept_in_district_subfolders(rets: Path, tmp_path: Path) -> None:
    """README: returns may be kept in district sub-folders ("có thể chia thư mục con theo huyện"). The officer types
    `hgn sample --out "Biểu các xã"` (the returns folder, by mistake — the slip _not_over_returns exists for):
    exit 0, "Đã ghi 1 tệp vào Biểu các xã", a made-up return of commune 10507 beside "Huyện A/" holding the real
    one. The next `hgn run "Biểu các xã"` finds two returns of commune 10507 and leaves the real one out of the
    round. Cause: cli._not_over_returns looks only at the folder's own files (`out.iterdir()`), not its
    sub-folders. Fix: look for returns anywhere under it (io/read.discover), as refuse_returns_folder does."""
    folder = tmp_path / "Biểu huyện"
    (folder / "Huyện A").mkdir(parents=True)
    for p in rets.glob("*.xlsx"):
        shutil.copy2(p, folder / "Huyện A" / p.name)
    before = files(folder)
    proc = hgn("sample", "--out", folder, "--communes", "1", "--households", "2", cwd=tmp_path)
    assert proc.returncode == 2, f"exit {proc.returncode}: {proc.stdout}{proc.stderr}"
    assert files(folder) == before


# ============================================================================ standards
def test_a_standard_file_that_does_not_exist_is_a_usage_error(rets: Path, tmp_path: Path) -> None:
    """`hgn run … --standard chuan_tinh.yaml` with the file's name mistyped: exit 3 "could not run" ("Không tìm
    thấy tệp chuẩn nghèo"), while a mistyped standard ID is exit 2 since today and every other path typed that
    does not exist is exit 2 (test_review10_cli guard). A script treats 3 as the machine's fault. Cause:
    scoring/standard.py _locate raises ConfigError for a missing .yaml whatever the referrer; load_standard
    passes Path.cwd() as base for a path from the command line. Fix: a UsageError when the path came from the
    command line (as the unknown ID)."""
    out = tmp_path / "Kết quả"
    proc = hgn("run", rets, "--out", out, "--standard", tmp_path / "chuan_tinh.yaml", cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert "chuan_tinh.yaml" in proc.stderr
    assert not out.exists()


# ============================================================================ help screens
@pytest.mark.parametrize("command", ["report", "sample", "run", "validate"])
def test_vietnamese_help_has_no_english_default_when_it_wraps(tmp_path: Path, command: str) -> None:
    """`hgn report --help` (output to a pipe or an 80-column console, Windows' default): "--lang <vi|en>  Ngôn ngữ
    thông báo: vi (mặc định) hoặc en.  [default:" / "vi]" — English in the Vietnamese help screen whenever
    click wraps the line between "[default:" and its value (report, sample). Cause: cli._help_text replaces
    "[default: " (with its space) in the wrapped text. Fix: match "[default:" followed by any whitespace
    (re.sub(r"\\[default:(\\s+)", …)), or set the words before click formats the help. (run, validate: pass
    today — their line does not wrap there.)"""
    proc = hgn(command, "--help", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "[default:" not in proc.stdout and "[required]" not in proc.stdout, proc.stdout


@pytest.mark.parametrize(("command", "first", "other"), [("classify", "--history", "--out"),
                                                          ("merge", "inputs...", None)])
def test_help_columns_stay_aligned_after_list_of_path_is_renamed(tmp_path: Path, command: str, first: str,
                                                                 other: str | None) -> None:
    """`hgn classify --help`: "--history <path>       Danh sách các kỳ trước nữa" starts 6 columns left of every
    other option's text; `hgn merge --help`: the second line of the `inputs` argument's help is indented 6 more
    than its first. Cause: cli._help_text replaces "<list[Path]>" with "<path>" after click has laid out the
    columns. Fix: pad the replacement to the same width, or set the metavar before formatting."""
    proc = hgn(command, "--help", cwd=tmp_path)
    lines = proc.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if line.strip().startswith(first))
    text_col = re.search(r"<path>\s+", lines[at]).end()  # type: ignore[union-attr]
    if other is not None:
        ref = next(line for line in lines if line.strip().startswith(other + " "))
        assert text_col == re.search(r"<\w+>\s+", ref).end(), f"{lines[at]!r} vs {ref!r}"  # type: ignore[union-attr]
    else:
        cont = lines[at + 1]
        assert len(cont) - len(cont.lstrip()) == text_col, f"{lines[at]!r} / {cont!r}"
