"""Review 23: `hgn run` under the hostile conditions an officer's machine produces — a read-only output folder, an
output held open in Excel (its "~$" lock file beside it), a symlink loop and an unreadable file or folder among the
returns, a return replaced or deleted between two runs, a run killed mid-way, two runs at once into one OUT_DIR,
Vietnamese file names with spaces, an empty folder, odd --jobs values, a write the system refuses. Every case is
checked by its exit code and its message (Vietnamese, with a hint, never a traceback), and every input's bytes are
compared before and after.

Samples are `hgn sample` returns of 3 communes × 8 households (province 30), generated once per module. Permission
cases need the system to refuse: as root (test machines), the child process drops CAP_DAC_OVERRIDE and
CAP_DAC_READ_SEARCH from its bounding set so that root obeys the folder's mode bits as any officer does.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import os
import resource
import shutil
import signal
import stat
import subprocess
import sys
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import read_csv, sample_returns

pytestmark = pytest.mark.slow

FORMS = [f"bieu_{i:02d}.xlsx" for i in range(1, 16)]
PUBLISHED = ("phat_hien.xlsx", "bao_cao", "ket_qua", "README.txt")
DELETED = "10513_phuong_ngoc_chau.xlsx"


# ------------------------------------------------------------------------------------------ helpers
def _drop_overrides() -> None:  # pragma: no cover - runs in the child between fork and exec
    """Root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: the mode bits of files and folders apply to it."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def _env() -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("HGN_DEBUG", None)
    return env


def _preexec(deny: bool) -> Callable[[], None] | None:
    return _drop_overrides if deny and os.geteuid() == 0 else None


def hgn(*args: object, cwd: Path, deny: bool = False,
        preexec: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m hgn_review …` outside a terminal, as an officer would run it; ``deny``: mode bits apply (root
    loses its overrides)."""
    return subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], cwd=cwd, env=_env(),
                          capture_output=True, text=True, encoding="utf-8", timeout=300, check=False,
                          preexec_fn=preexec or _preexec(deny))


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    for text in (proc.stdout, proc.stderr):
        assert "Traceback" not in text, text
        assert 'File "' not in text, text
        assert "Lỗi nội bộ" not in text, text


def said(proc: subprocess.CompletedProcess[str]) -> str:
    return proc.stdout + proc.stderr


def summary(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    no_traceback(proc)
    assert proc.returncode == 0, said(proc)
    return json.loads(proc.stdout)


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder`` (symlinks not followed)."""
    out = {}
    paths = [Path(d) / f for d, _dirs, files in os.walk(folder) for f in files]  # links to folders not followed
    for p in sorted(paths):
        if p.is_symlink() or not p.is_file():
            continue
        try:
            out[str(p.relative_to(folder))] = hashlib.sha256(p.read_bytes()).hexdigest()
        except PermissionError:
            out[str(p.relative_to(folder))] = "unreadable"
    return out


def households(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "ket_qua" / "households.parquet")


def per_file(out: Path) -> dict[str, int]:
    return {Path(f).name: int(n) for f, n in households(out).groupby("file").size().items()}


def cell_values(path: Path) -> dict[tuple[str, str], Any]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {(ws.title, c.coordinate): c.value for ws in wb for row in ws.iter_rows() for c in row
                if getattr(c, "value", None) is not None}
    finally:
        wb.close()


def listing(out: Path) -> list[str]:
    """Every path under OUT but the cache: outputs, and any half-written or hidden leftover."""
    return sorted(str(p.relative_to(out)) for p in out.rglob("*") if ".hgn-cache" not in p.relative_to(out).parts)


def leftovers(out: Path) -> list[str]:
    return [p for p in listing(out) if ".hgn-next" in p or ".hgn-old" in p or p.endswith(".part")
            or ".hgn-report-next" in p]


def row_of(form: Path, name: str) -> tuple[Any, ...]:
    wb = openpyxl.load_workbook(form, read_only=True)
    try:
        return next(r for r in wb.worksheets[0].iter_rows(values_only=True) if name in r)
    finally:
        wb.close()


def system_refuses(tmp_path: Path) -> bool:
    """Whether a child process is refused a write into a folder of mode 0o555 (False: run the test as root with
    capabilities that cannot be dropped — skip)."""
    probe = tmp_path / "probe"
    probe.mkdir()
    probe.chmod(0o555)
    try:
        r = subprocess.run([sys.executable, "-c", f"open({str(probe / 'x')!r}, 'w')"], capture_output=True,
                           preexec_fn=_preexec(True), check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    finally:
        probe.chmod(0o755)
    return r.returncode != 0


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """3 clean communes × 8 households of district 288 (read only: copy before damaging)."""
    return sample_returns(tmp_path_factory, "r23_pristine", communes=3, households=8, seed=23)


@pytest.fixture(scope="module")
def other(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same 3 communes, other households (5 each): a corrected return sent again under the same name."""
    return sample_returns(tmp_path_factory, "r23_other", communes=3, households=5, seed=24)


@pytest.fixture(scope="module")
def reference(pristine: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run of the pristine returns (copied to <root>/in, so files are named "in/…")."""
    root = tmp_path_factory.mktemp("r23_ref")
    shutil.copytree(pristine, root / "in")
    proc = hgn("run", "in", "--out", "out", "--jobs", "1", cwd=root)
    no_traceback(proc)
    assert proc.returncode == 0, said(proc)
    return root / "out"


@pytest.fixture(scope="module")
def with_errors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """2 communes × 12 households with errors injected (5 %): returns that get marked copies."""
    from hgn_review.sample import MANIFEST, generate_sample

    root = tmp_path_factory.mktemp("r23_errors")
    generate_sample(root / "in", communes=2, households=12, seed=9, error_rate=0.05)
    (root / "in" / MANIFEST).unlink()
    return root / "in"


@pytest.fixture()
def work(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the returns at tmp_path/in."""
    shutil.copytree(pristine, tmp_path / "in")
    return tmp_path / "in"


# ================================================================================== DEFECTS (fail today)
def test_a_marked_copy_open_in_excel_stops_the_run_before_anything_is_replaced(with_errors: Path,
                                                                               tmp_path: Path) -> None:
    """DEFECT. A copy of a return in phat_hien_ban_sao/ (written by --marked-copies) that the officer has open in
    Excel — its lock file "~$<name>.xlsx" beside it — does not stop the next run: the run exits 0 and replaces the
    whole folder (on Windows the folder cannot be renamed while a file in it is open, so the run would stop halfway,
    and the officer's Excel saves the old copy back). The README promises that an output open in Excel stops the run
    with exit 3 before anything is replaced, as it does for bao_cao/, ket_qua/ and so_xa/. Likely cause:
    pipeline.py:_run_round — refuse_locked() is given OUT, bao_cao, ket_qua and so_xa but not phat_hien_ban_sao
    (one of PUBLISHED)."""
    work = tmp_path / "in"
    shutil.copytree(with_errors, work)
    out = work.parent / "out"
    first = hgn("run", "in", "--out", "out", "--marked-copies", cwd=work.parent)
    no_traceback(first)
    assert first.returncode == 0, said(first)
    copies = sorted((out / "phat_hien_ban_sao").glob("*.xlsx"))
    assert copies, "the injected errors give marked copies"
    (copies[0].parent / f"~${copies[0].name}").write_bytes(b"\x00" * 165)  # Excel's owner file
    before = digests(out)
    again = hgn("run", "in", "--out", "out", "--marked-copies", cwd=work.parent)
    no_traceback(again)
    assert again.returncode == 3, said(again)
    assert copies[0].name in again.stderr
    assert {k: v for k, v in digests(out).items() if k in before} == before


def test_a_run_that_cannot_put_its_outputs_in_place_leaves_the_last_ones_where_they_were(work: Path,
                                                                                          tmp_path: Path) -> None:
    """DEFECT. When the system refuses to move one of last run's outputs aside (here ket_qua/ is read-only; on
    Windows a file in it held by another program), the run exits 3 naming ket_qua — but it has already moved
    phat_hien.xlsx and bao_cao/ into the hidden OUT/.hgn-old: the officer is left with no findings workbook and no
    forms, only README.txt and ket_qua/. (A second attempt puts the NEW phat_hien.xlsx and bao_cao/ beside the OLD
    ket_qua/ and README.txt: some outputs new and some old.) The README says outputs are put in place together and a
    run that cannot write never stops halfway; an officer expects the last run's outputs to stay whole. Likely cause:
    pipeline.py:_publish (and _put_in_place) — the renames are not checked beforehand nor rolled back when one
    fails."""
    if not system_refuses(tmp_path):
        pytest.skip("the system does not refuse writes into a read-only folder here")
    out = work.parent / "out"
    first = hgn("run", "in", "--out", "out", cwd=work.parent)
    assert first.returncode == 0, said(first)
    before = digests(out)
    (work / DELETED).unlink()  # the next round differs: its outputs are not the last ones
    inputs = digests(work)
    (out / "ket_qua").chmod(0o555)
    try:
        proc = hgn("run", "in", "--out", "out", cwd=work.parent, deny=True)
    finally:
        (out / "ket_qua").chmod(0o755)
    no_traceback(proc)
    assert proc.returncode == 3, said(proc)
    assert "ket_qua" in proc.stderr and "Gợi ý" in proc.stderr
    assert digests(work) == inputs
    missing = [name for name in PUBLISHED if not (out / name).exists()]
    assert missing == [], f"last run's outputs gone from {out}: {missing}"
    assert {k: v for k, v in digests(out).items() if not k.startswith(".")} == \
        {k: v for k, v in before.items() if not k.startswith(".")}


def test_a_subfolder_of_returns_that_cannot_be_opened_is_said(pristine: Path, tmp_path: Path) -> None:
    """DEFECT. Returns sorted into one folder per district, one of which the officer's account may not open (a
    folder copied from another user's profile, a network share): the run exits 0 and its returns are left out in
    silence — neither the terminal nor README.txt names the folder, only the usual "thiếu N đơn vị" line lists the
    commune among the units without figures. The README promises that returns are never left out silently and each
    return not read is named; an officer expects "không mở được thư mục huyen_b" with a hint to check its
    permissions. Likely cause: io/read.py:discover — Path.rglob skips a folder it may not list without a word
    (Python swallows PermissionError), and nothing else looks."""
    if not system_refuses(tmp_path):
        pytest.skip("the system does not refuse reading a closed folder here")
    root = tmp_path / "Biểu các xã"
    (root / "huyen_a").mkdir(parents=True)
    (root / "huyen_b").mkdir()
    names = sorted(p.name for p in pristine.glob("*.xlsx"))
    for name in names[:2]:
        shutil.copy2(pristine / name, root / "huyen_a" / name)
    shutil.copy2(pristine / names[2], root / "huyen_b" / names[2])
    (root / "huyen_b").chmod(0)
    try:
        proc = hgn("run", root.name, "--out", "out", cwd=tmp_path, deny=True)
    finally:
        (root / "huyen_b").chmod(0o755)
    no_traceback(proc)
    readme = (tmp_path / "out" / "README.txt").read_text("utf-8") if (tmp_path / "out" / "README.txt").exists() \
        else ""
    assert "huyen_b" in said(proc) or proc.returncode == 3, said(proc)
    assert "huyen_b" in readme or proc.returncode == 3, readme


def test_an_input_folder_that_cannot_be_read_is_said_in_vietnamese_with_a_hint_about_permissions(
        work: Path, tmp_path: Path) -> None:
    """DEFECT. `hgn run` on a returns folder the officer's account may not read answers, half in English,
    "Lỗi: Giá trị không hợp lệ cho input_dir: path 'in' is not readable." with the hint "Xem hgn --help" — as if the
    command were mistyped. Messages must be Vietnamese, and the hint should say to check the folder's permissions
    (as the same refusal on an output folder does: "Kiểm tra … quyền đọc/ghi"). Likely cause: cli.py:_usage_vi /
    _bad_value_vi — click.Path's "… is not readable." has no Vietnamese wording and falls through unchanged."""
    if not system_refuses(tmp_path):
        pytest.skip("the system does not refuse reading a closed folder here")
    work.chmod(0)
    try:
        proc = hgn("run", "in", "--out", "out", cwd=work.parent, deny=True)
    finally:
        work.chmod(0o755)
    no_traceback(proc)
    assert proc.returncode in (2, 3), said(proc)
    assert "is not readable" not in proc.stderr and "path '" not in proc.stderr, proc.stderr
    assert "quyền" in proc.stderr, proc.stderr
    assert not (work.parent / "out").exists()


def test_a_write_the_system_refuses_names_the_file_in_vietnamese(work: Path) -> None:
    """DEFECT. A write the system refuses part-way (here a file-size limit, EFBIG — as a FAT32 USB stick refuses a
    file over 4 GB; a full disk fails at the same place) stops the run with exit 3 but says, half in English and
    naming no file, "Lỗi: Không truy cập được: Error writing bytes to file. Detail:  File too large." The README:
    an output that cannot be written (… a full disk) is exit 3 naming the file. Likely cause: cli.py:_os_refused
    names exc.filename, which pyarrow's OSError (the per-file Parquet bundle, pipeline.py:_store →
    io/results.write_bundle) does not carry, and errors.os_reason has no wording for EFBIG, so pyarrow's English
    text is shown."""
    if not hasattr(resource, "RLIMIT_FSIZE"):
        pytest.skip("no file-size limit on this system")

    def small_files() -> None:  # pragma: no cover - in the child
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))

    inputs = digests(work)
    proc = hgn("run", "in", "--out", "out", cwd=work.parent, preexec=small_files)
    no_traceback(proc)
    assert proc.returncode == 3, said(proc)
    assert digests(work) == inputs
    assert "Error writing" not in proc.stderr and "Detail" not in proc.stderr, proc.stderr
    assert "out" + os.sep in proc.stderr or "out:" in proc.stderr or "out " in proc.stderr, proc.stderr


# ================================================================================== guards (pass)
# guard (passes)
def test_a_read_only_output_folder_is_refused_with_exit_3_and_a_hint(work: Path, tmp_path: Path) -> None:
    """A fresh OUT_DIR the officer may not write into: exit 3, the folder named, a Vietnamese hint; nothing
    written there, no input touched."""
    if not system_refuses(tmp_path):
        pytest.skip("the system does not refuse writes into a read-only folder here")
    out = work.parent / "Kết quả"
    out.mkdir()
    out.chmod(0o555)
    inputs = digests(work)
    try:
        proc = hgn("run", "in", "--out", out.name, cwd=work.parent, deny=True)
    finally:
        out.chmod(0o755)
    no_traceback(proc)
    assert proc.returncode == 3, said(proc)
    assert proc.stderr.startswith("Lỗi: ") and "Kết quả" in proc.stderr and "quyền" in proc.stderr
    assert "Gợi ý:" in proc.stderr
    assert list(out.iterdir()) == []
    assert digests(work) == inputs


# guard (passes)
@pytest.mark.parametrize("lock", ["~$bieu_01.xlsx", ".~lock.bieu_01.xlsx#"])
def test_a_form_open_in_excel_stops_the_run_before_anything_is_replaced(work: Path, lock: str) -> None:
    """bieu_01.xlsx open in Excel (its "~$" owner file beside it) or LibreOffice: exit 3 naming the form and the
    lock file to delete if Excel closed unexpectedly; not one byte of the last outputs changes."""
    out = work.parent / "out"
    assert hgn("run", "in", "--out", "out", cwd=work.parent).returncode == 0
    (out / "bao_cao" / lock).write_bytes(b"")
    before = digests(out)
    (work / DELETED).unlink()
    proc = hgn("run", "in", "--out", "out", cwd=work.parent)
    no_traceback(proc)
    assert proc.returncode == 3, said(proc)
    assert "bieu_01.xlsx" in proc.stderr and lock in proc.stderr and "Gợi ý:" in proc.stderr
    assert "Chưa ghi kết quả nào" in proc.stderr
    assert {k: v for k, v in digests(out).items() if not k.startswith(".hgn-cache")} == \
        {k: v for k, v in before.items() if not k.startswith(".hgn-cache")}


# guard (passes)
def test_a_symlink_loop_and_an_unreadable_return_do_not_stop_the_round(work: Path, tmp_path: Path) -> None:
    """A folder linking to itself and to its parent, two .xlsx links pointing at each other, and one return the
    account may not read: the run ends (exit 0), each return read once, the unreadable one named on the terminal
    and in README.txt with the reason, its households not counted; inputs unchanged."""
    if not system_refuses(tmp_path):
        pytest.skip("the system does not refuse reading a closed file here")
    (work / "vong").symlink_to(".")
    (work / "len").symlink_to("..")
    (work / "a.xlsx").symlink_to("b.xlsx")
    (work / "b.xlsx").symlink_to("a.xlsx")
    closed = work / "10510_phuong_binh_han.xlsx"
    closed.chmod(0)
    try:
        inputs = digests(work)
        proc = hgn("run", "in", "--out", "out", "--json", cwd=work.parent, deny=True)
        assert digests(work) == inputs
    finally:
        closed.chmod(0o644)
    s = summary(proc)
    # the two looped links named like returns are returns that cannot be read (session 22: said, not left out)
    assert s["files"] == 5 and s["households"] == 16
    assert "10510_phuong_binh_han.xlsx" in said(proc) and "quyền đọc" in said(proc)  # the notes of --json
    assert "10510_phuong_binh_han.xlsx" in (work.parent / "out" / "README.txt").read_text("utf-8")
    assert "10510_phuong_binh_han.xlsx" not in per_file(work.parent / "out")
    # readable again: read now, not remembered as failed
    again = summary(hgn("run", "in", "--out", "out", "--json", cwd=work.parent))
    # (the two looped links, unreadable, are tried again as any unreadable return is: 1 + 2)
    assert again["households"] == 24 and again["processed"] == 3


# guard (passes)
def test_a_return_replaced_under_the_same_name_is_read_again(work: Path, other: Path) -> None:
    """A commune sends a corrected return under the same name, laid over the old one with the old file's
    modification time: the next run reads it (not the cached bundle) and counts its households."""
    name = "10510_phuong_binh_han.xlsx"
    assert (other / name).is_file()
    out = work.parent / "out"
    assert summary(hgn("run", "in", "--out", "out", "--json", cwd=work.parent))["households"] == 24
    old = (work / name).stat()
    shutil.copyfile(other / name, work / name)
    os.utime(work / name, ns=(old.st_atime_ns, old.st_mtime_ns))
    s = summary(hgn("run", "in", "--out", "out", "--json", cwd=work.parent))
    assert s["processed"] == 1 and s["cached"] == 2
    assert per_file(out)[name] == 5 and s["households"] == 21
    want = set(pd.read_excel(other / name, sheet_name="Hộ gia đình", dtype=str)["Mã hộ"].dropna())
    got = set(households(out).loc[households(out)["file"].str.endswith(name), "ma_ho"])
    assert got == want


# guard (passes)
def test_a_return_deleted_between_runs_leaves_every_output_and_is_not_brought_back(work: Path) -> None:
    """A return removed from the folder: its commune is gone from the results, its form row blank (kept, as the
    unit list has it), its persons out of the population list; its cached bundle is dropped, and a third run does
    not bring it back."""
    out = work.parent / "out"
    first = summary(hgn("run", "in", "--out", "out", "--json", cwd=work.parent))
    assert DELETED in per_file(out)
    (work / DELETED).unlink()
    for _ in range(2):
        s = summary(hgn("run", "in", "--out", "out", "--json", cwd=work.parent))
        assert s["files"] == 2 and s["households"] == first["households"] - 8
        assert DELETED not in per_file(out)
        assert set(households(out)["ma_xa"]) == {"10507", "10510"}
        assert len(list((out / ".hgn-cache" / "files").iterdir())) == 2
        row = row_of(out / "bao_cao" / "bieu_01.xlsx", "Phường Ngọc Châu")
        assert all(v is None for v in row[2:]), row
        persons = read_csv(out / "bao_cao" / "danh_sach_csdl_dan_cu.csv")
        assert not any("Ngọc Châu" in " ".join(map(str, r.values())) for r in persons)


# guard (passes)
def test_a_run_killed_midway_resumes_to_the_outputs_of_an_uninterrupted_run(work: Path, reference: Path) -> None:
    """SIGKILL as soon as the cache folder appears, then a plain run: exit 0, the same households and classes, the
    same cells in every form, the same files as an uninterrupted run, nothing half-written left in OUT."""
    out = work.parent / "out"
    proc = subprocess.Popen([sys.executable, "-m", "hgn_review", "run", "in", "--out", "out", "--jobs", "1"],
                            cwd=work.parent, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while proc.poll() is None and not (out / ".hgn-cache" / "files").is_dir():
            pass
        proc.send_signal(signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (out / "bao_cao").exists()
    again = hgn("run", "in", "--out", "out", "--jobs", "1", cwd=work.parent)
    no_traceback(again)
    assert again.returncode == 0, said(again)
    assert leftovers(out) == []
    assert listing(out) == listing(reference)
    key = ["file", "row", "ma_xa", "ma_ho", "phan_loai"]
    got = households(out).sort_values(["file", "row"]).reset_index(drop=True)[key]
    want = households(reference).sort_values(["file", "row"]).reset_index(drop=True)[key]
    pd.testing.assert_frame_equal(got, want)
    for form in FORMS:
        assert cell_values(out / "bao_cao" / form) == cell_values(reference / "bao_cao" / form), form


# guard (passes)
def test_a_second_run_into_the_same_out_dir_is_refused_while_the_first_runs(work: Path) -> None:
    """Two runs at once into one OUT_DIR: the second (started while the first holds the folder — the first is
    paused there) exits 3 with "Một lần chạy hgn khác đang ghi vào …" and a hint, and writes nothing; the first then
    completes."""
    out = work.parent / "out"
    first = subprocess.Popen([sys.executable, "-m", "hgn_review", "run", "in", "--out", "out", "--jobs", "1"],
                             cwd=work.parent, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
    try:
        while first.poll() is None and not (out / ".hgn-cache" / "files").is_dir():
            pass
        first.send_signal(signal.SIGSTOP)
        second = hgn("run", "in", "--out", "out", "--jobs", "1", cwd=work.parent)
    finally:
        first.send_signal(signal.SIGCONT)
        _, err = first.communicate(timeout=300)
    no_traceback(second)
    assert second.returncode == 3, said(second)
    assert "Một lần chạy hgn khác đang ghi vào" in second.stderr and "Gợi ý:" in second.stderr
    assert first.returncode == 0, err
    assert all((out / name).exists() for name in PUBLISHED)


# guard (passes)
def test_returns_named_with_diacritics_and_spaces_in_folders_named_so(pristine: Path, tmp_path: Path) -> None:
    """"Biểu các xã/Biểu rà soát Cẩm Thượng (bản cuối).xlsx", a name in decomposed Unicode (as a Mac or a phone
    writes it) with two spaces, and a sub-folder "Huyện Đông" into "Kết quả 2026": all three read and counted,
    every output written, a second run reads nothing again, inputs unchanged."""
    root = tmp_path / "Biểu các xã"
    (root / "Huyện Đông").mkdir(parents=True)
    names = sorted(p.name for p in pristine.glob("*.xlsx"))
    shutil.copy2(pristine / names[0], root / "Biểu rà soát Cẩm Thượng (bản cuối).xlsx")
    shutil.copy2(pristine / names[1], root / unicodedata.normalize("NFD", "Biểu Bình Hàn  sửa lần 2.xlsx"))
    shutil.copy2(pristine / names[2], root / "Huyện Đông" / "Ngọc Châu – đã ký.xlsx")
    inputs = digests(root)
    s = summary(hgn("run", root.name, "--out", "Kết quả 2026", "--json", "--commune-workbooks", cwd=tmp_path))
    assert s["files"] == 3 and s["households"] == 24
    out = tmp_path / "Kết quả 2026"
    assert all((out / "bao_cao" / f).is_file() for f in FORMS)
    assert len(list((out / "so_xa").glob("*.xlsx"))) == 3
    assert sum(per_file(out).values()) == 24
    again = summary(hgn("run", root.name, "--out", "Kết quả 2026", "--json", "--commune-workbooks", cwd=tmp_path))
    assert again["processed"] == 0 and again["cached"] == 3
    assert digests(root) == inputs


# guard (passes)
@pytest.mark.parametrize("content", ["empty", "no returns"])
def test_a_folder_without_returns_is_said_and_nothing_is_written(tmp_path: Path, content: str) -> None:
    """An empty folder, or one holding only a letter, a scan, a picture and Office lock files: exit 2, "Không có
    biểu rà soát nào trong …" with a hint, no output folder made."""
    folder = tmp_path / "in"
    folder.mkdir()
    if content == "no returns":
        (folder / "ghi chú.txt").write_text("gửi kèm biểu", "utf-8")
        (folder / "công văn.pdf").write_bytes(b"%PDF-1.4\n")
        (folder / "ảnh.jpg").write_bytes(b"\xff\xd8\xff")
        (folder / "~$10507.xlsx").write_bytes(b"\x00" * 165)
        (folder / ".~lock.10507.xlsx#").write_text("x", "utf-8")
    proc = hgn("run", "in", "--out", "out", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 2, said(proc)
    assert "Không có biểu rà soát nào trong in" in proc.stderr and "Gợi ý:" in proc.stderr
    assert not (tmp_path / "out").exists()


# guard (passes)
@pytest.mark.parametrize("jobs", ["0", "-1"])
def test_jobs_below_one_is_a_usage_error(work: Path, jobs: str) -> None:
    proc = hgn("run", "in", "--out", "out", "--jobs", jobs, cwd=work.parent)
    no_traceback(proc)
    assert proc.returncode == 2, said(proc)
    assert "--jobs phải ≥ 1" in proc.stderr and "Gợi ý:" in proc.stderr
    assert not (work.parent / "out").exists()


# guard (passes)
def test_jobs_1000_runs_as_many_workers_as_there_is_work(work: Path, reference: Path) -> None:
    """--jobs 1000 on three returns: exit 0 and the same households as --jobs 1."""
    s = summary(hgn("run", "in", "--out", "out", "--jobs", "1000", "--json", cwd=work.parent))
    assert s["files"] == 3 and s["households"] == 24
    key = ["file", "row", "ma_ho", "phan_loai"]
    got = households(work.parent / "out").sort_values(["file", "row"]).reset_index(drop=True)[key]
    want = households(reference).sort_values(["file", "row"]).reset_index(drop=True)[key]
    pd.testing.assert_frame_equal(got, want)


# guard (passes)
def test_no_hostile_run_changes_an_input(work: Path) -> None:
    """A run with every output option (marked copies, commune workbooks, masked reports), a --strict one that
    stops and a --fail-on one: the returns keep their bytes and their modes."""
    before = digests(work)
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in work.iterdir()}
    for extra in (["--marked-copies", "--commune-workbooks", "--mask-pii"], ["--strict"], ["--fail-on", "warning"]):
        proc = hgn("run", "in", "--out", "out", *extra, cwd=work.parent)
        no_traceback(proc)
    assert digests(work) == before
    assert {p.name: stat.S_IMODE(p.stat().st_mode) for p in work.iterdir()} == modes
