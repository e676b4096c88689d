"""Review 44 (cache): `hgn run` over an officer's week — the outputs reflect the returns folder and the options of
this run, whatever OUT/.hgn-cache holds.

A small round (`hgn sample`: two communes of district 288, one of district 291, a few households each, some
injected errors) sits in district sub-folders. Each test does what happens between two runs — a return corrected
in place (its modification time set back), renamed, moved to the other district's folder, deleted, sent late,
replaced by an older copy, two returns' names swapped; the standard file edited, --previous given, changed and
removed, --local, --mask-pii, --as-of changed; a run stopped half-way — and compares every output (Parquet
results, the cells of every workbook, README.txt, report.html, the CSV lists) with a FRESH run into an empty
folder on the same inputs and options (run times, the run's date and the "read now / taken from the last run"
count aside). The runs are in-process (`pipeline.run_round`, --jobs 1) to stay quick.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import os
import re
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from hgn_review.errors import FindingsStop
from hgn_review.pipeline import run_round

pytestmark = pytest.mark.slow

_VOLATILE = {"run_started", "run_seconds", "run_time"}
A = "huyen_288/10507_phuong_cam_thuong.xlsx"
B = "huyen_288/10510_phuong_binh_han.xlsx"
C = "huyen_291/10606_thi_tran_nam_sach.xlsx"


# ------------------------------------------------------------------------------------------------ helpers
def _workbook(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True) if not (r and r[0] in _VOLATILE)]
                for ws in wb.worksheets}
    finally:
        wb.close()


def _text(path: Path, out: Path) -> str:
    text = path.read_text("utf-8").replace(str(out), "OUT")
    text = re.sub(r"\d{1,2}/\d{1,2}/\d{4} \d{1,2}:\d{2}", "<time>", text)
    text = re.sub(r"\(\d+ tệp đọc mới, \d+ tệp lấy lại từ lần chạy trước\)", "", text)
    return re.sub(r"\(\d+ read now, \d+ taken from the last run\)", "", text)


def _meta(path: Path) -> dict[str, Any]:
    meta = json.loads(path.read_text("utf-8"))
    for k in _VOLATILE:
        meta.pop(k, None)
    for item in meta.get("inputs") or []:
        if isinstance(item, dict):
            for k in _VOLATILE:
                item.pop(k, None)
    return meta


def outputs(out: Path) -> dict[str, Any]:
    """Every output under OUT (not the cache, not hgn's marks) as a comparable value."""
    got: dict[str, Any] = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if not p.is_file() or rel.parts[0].startswith(".hgn"):
            continue
        key = rel.as_posix()
        if p.suffix == ".parquet":
            got[key] = pd.read_parquet(p)
        elif p.suffix == ".xlsx":
            got[key] = _workbook(p)
        elif p.name == "meta.json":
            got[key] = _meta(p)
        elif p.suffix in (".txt", ".html", ".csv", ".json"):
            got[key] = _text(p, out)
        else:
            got[key] = p.read_bytes()
    return got


def differences(a_dir: Path, b_dir: Path) -> list[str]:
    """What differs between the re-run's OUT (a) and the fresh OUT (b)."""
    a, b = outputs(a_dir), outputs(b_dir)
    diff = [f"only in the re-run: {k}" for k in sorted(set(a) - set(b))]
    diff += [f"only in the fresh run: {k}" for k in sorted(set(b) - set(a))]
    for k in sorted(set(a) & set(b)):
        x, y = a[k], b[k]
        if isinstance(x, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(x, y)
            except AssertionError as exc:
                diff.append(f"{k}: {str(exc)[:400]}")
        elif isinstance(x, dict) and k.endswith(".xlsx"):
            for sheet in sorted(set(x) | set(y)):
                xs, ys = x.get(sheet) or [], y.get(sheet) or []
                if xs != ys:
                    rows = [(i, r1, r2) for i, (r1, r2) in enumerate(zip(xs, ys, strict=False)) if r1 != r2][:2]
                    diff.append(f"{k}[{sheet}] ({len(xs)} vs {len(ys)} rows): {rows}")
        elif x != y:
            if isinstance(x, str):
                lines = list(difflib.unified_diff(y.splitlines(), x.splitlines(), lineterm="", n=0))[2:10]
                diff.append(f"{k}: " + " | ".join(lines))
            else:
                diff.append(f"{k} differs")
    return diff


def _run(inp: Path, out: Path, **kw: Any) -> Any:
    return run_round(inp, out, jobs=1, **kw)


def _same_as_fresh(inp: Path, out: Path, what: str, **kw: Any) -> Any:
    """Run into OUT (its cache from earlier runs), then into an empty folder; the outputs must be the same."""
    got = _run(inp, out, **kw)
    fresh = out.parent / f"fresh_{re.sub(r'[^a-z0-9]+', '_', what.lower())}"
    shutil.rmtree(fresh, ignore_errors=True)
    _run(inp, fresh, **kw)
    assert differences(out, fresh) == [], what
    return got


def _bundles(out: Path) -> list[str]:
    return sorted(p.name for p in (out / ".hgn-cache" / "files").iterdir() if not p.name.startswith("."))


def _households(out: Path) -> pd.DataFrame:
    return pd.read_parquet(out / "ket_qua" / "households.parquet")


def _set_income(path: Path, value: int, *, keep_mtime: bool = True) -> None:
    """The officer corrects the first household's income in Excel, saving at the same path; with ``keep_mtime``
    the modification time is set back (a copy tool, a synced folder)."""
    st = path.stat()
    wb = openpyxl.load_workbook(path)
    ws = wb["Hộ gia đình"]
    ws["G2"] = value
    ws["H2"] = None  # no B1 score: the income decides
    wb.save(path)
    if keep_mtime:
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """in/huyen_288/ (10507, 10510) and in/huyen_291/ (10606), eight households each, with injected errors."""
    from hgn_review.sample import generate_sample

    root = tmp_path_factory.mktemp("review44")
    generate_sample(root / "g288", communes=2, households=8, seed=5, error_rate=0.08, district="288")
    generate_sample(root / "g291", communes=1, households=8, seed=6, error_rate=0.08, district="291")
    for district in ("288", "291"):
        dst = root / "in" / f"huyen_{district}"
        dst.mkdir(parents=True)
        for p in (root / f"g{district}").glob("*.xlsx"):
            shutil.copy(p, dst / p.name)
    return root / "in"


@pytest.fixture
def inp(pristine: Path, tmp_path: Path) -> Path:
    dst = tmp_path / "in"
    shutil.copytree(pristine, dst)
    return dst


# ---------------------------------------------------------------------------------- the returns change
def _padded(data: bytes, size: int) -> bytes:
    """A workbook's bytes grown to ``size`` by its zip comment (which Excel and every reader ignore)."""
    import io
    import zipfile

    for n in range(size - len(data), size - len(data) + 64):
        buf = io.BytesIO(data)
        with zipfile.ZipFile(buf, "a") as z:
            z.comment = b" " * n
        if len(buf.getvalue()) == size:
            return buf.getvalue()
    raise AssertionError("could not pad the workbook")


# guard (passes)
def test_a_return_corrected_in_place_with_its_size_and_mtime_kept_is_read_again(inp: Path, tmp_path: Path) -> None:
    """A return rewritten in place (same inode) with new content of exactly the same size, its modification time
    set back: the cache keys on content, so the re-run reads it again and equals a fresh run. The files are first
    left to settle (2 s) so that the run remembers their hashes — the case the fingerprint must see through."""
    a = inp / A
    probe = tmp_path / "probe.xlsx"
    shutil.copy(a, probe)
    _set_income(probe, 1_100_000, keep_mtime=False)
    base, changed = a.read_bytes(), probe.read_bytes()
    size = max(len(base), len(changed)) + 100
    a.write_bytes(_padded(base, size))
    changed = _padded(changed, size)
    time.sleep(2.2)  # hashes are remembered only for files older than two seconds (io/fingerprint.RACY_NS)
    out = tmp_path / "out"
    _run(inp, out)
    st = a.stat()
    with open(a, "r+b") as fh:  # in place: same inode, same size
        fh.write(changed)
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (a.stat().st_size, a.stat().st_mtime_ns, a.stat().st_ino) == (st.st_size, st.st_mtime_ns, st.st_ino)
    got = _same_as_fresh(inp, out, "corrected in place")
    assert got.processed == 1
    assert 1_100_000 in _households(out)["thu_nhap_bq"].tolist()


# guard (passes)
def test_a_return_corrected_then_replaced_by_its_older_copy_then_moved(inp: Path, tmp_path: Path) -> None:
    """Corrected in place (mtime kept), replaced by its older copy (cp -p), moved to the other district's
    folder: each re-run equals a fresh run; the move reads nothing again."""
    out = tmp_path / "out"
    keep = tmp_path / "keep"
    shutil.copytree(inp, keep)
    _run(inp, out)
    _set_income(inp / A, 600_000)
    assert _same_as_fresh(inp, out, "corrected").processed == 1
    shutil.copy2(keep / A, inp / A)  # the older copy from the e-mail, its own modification time
    _same_as_fresh(inp, out, "older copy")
    shutil.move(inp / B, inp / "huyen_291" / Path(B).name)
    assert _same_as_fresh(inp, out, "moved to the other district").processed == 0
    assert len(_bundles(out)) == 3


# guard (passes)
def test_two_returns_names_swapped_then_one_deleted_then_sent_late(inp: Path, tmp_path: Path) -> None:
    """The names of 10507's and 10606's returns swapped (across the district folders), then one deleted, then
    sent again late: each re-run equals a fresh run, and the cache holds one bundle per return of the round."""
    out = tmp_path / "out"
    keep = tmp_path / "keep"
    shutil.copytree(inp, keep)
    _run(inp, out)
    a, c = inp / A, inp / C
    a.rename(tmp_path / "x.xlsx")
    c.rename(a)
    (tmp_path / "x.xlsx").rename(c)
    _same_as_fresh(inp, out, "swapped")
    c.unlink()
    _same_as_fresh(inp, out, "deleted")
    shutil.copy2(keep / A, c)  # the late return
    _same_as_fresh(inp, out, "late")
    assert len(_bundles(out)) == 3


# guard (passes)
def test_a_return_renamed_and_one_added_under_its_old_name(inp: Path, tmp_path: Path) -> None:
    """10510's return renamed "…_cu.xlsx" and a corrected one saved under its old name (a commune in two
    returns: both left out, said), then the old one removed: each re-run equals a fresh run."""
    out = tmp_path / "out"
    _run(inp, out)
    old = inp / B
    renamed = old.with_name(old.stem + "_cu.xlsx")
    shutil.copy2(old, renamed)
    _set_income(old, 650_000)
    _same_as_fresh(inp, out, "two returns of one commune")
    renamed.unlink()
    _same_as_fresh(inp, out, "old one removed")
    assert len(_bundles(out)) == 3


# ------------------------------------------------------------------------------------ the options change
_STD = ("id: tinh-30\ntitle: Chuẩn thử của tỉnh\nscope: national\nextends: vn-2022-2025\nsource: thử\n"
        "status: practice\nb1_cutoff:\n"
        "  Nông thôn: {{value: {r}, status: practice, source: thử}}\n"
        "  Thành thị: {{value: {u}, status: practice, source: thử}}\n")


# guard (passes)
def test_province_standard_file_given_then_edited_in_place(inp: Path, tmp_path: Path) -> None:
    """--standard tinh.yaml, then the province raises its B1 cut-offs in the same file (same size, mtime set back):
    every return is classified again and the re-run equals a fresh run."""
    out = tmp_path / "out"
    std = tmp_path / "tinh.yaml"
    std.write_text(_STD.format(r=140, u=175), "utf-8")
    before = _same_as_fresh(inp, out, "standard file", standard=str(std))
    st = std.stat()
    std.write_text(_STD.format(r=240, u=260), "utf-8")
    os.utime(std, ns=(st.st_atime_ns, st.st_mtime_ns))
    after = _same_as_fresh(inp, out, "standard file edited", standard=str(std))
    assert after.processed == 3
    assert before.by_class() != after.by_class()


def _start_list(out: Path, path: Path, poor_every: int) -> Path:
    """A start-of-period list (Mã xã, Mã hộ, Phân loại) of the round's households, some of them poor."""
    hh = _households(out)[["ma_xa", "ma_ho"]].copy()
    hh["phan_loai"] = ["Nghèo" if i % poor_every == 0 else "Cận nghèo" if i % poor_every == 1 else "Không nghèo"
                       for i in range(len(hh))]
    hh = pd.concat([hh, pd.DataFrame({"ma_xa": ["10507"], "ma_ho": ["10507-9999"], "phan_loai": ["Nghèo"]})])
    hh.columns = ["Mã xã", "Mã hộ", "Phân loại"]
    hh.to_csv(path, index=False, encoding="utf-8-sig")
    return path


# guard (passes)
def test_previous_given_then_changed(inp: Path, tmp_path: Path) -> None:
    """--previous a list, then another list: each re-run equals a fresh run (start classes, movements, form 02,
    findings)."""
    out = tmp_path / "out"
    _run(inp, out)
    one = _start_list(out, tmp_path / "dau_ky_1.csv", 3)
    two = _start_list(out, tmp_path / "dau_ky_2.csv", 2)
    _same_as_fresh(inp, out, "previous one", previous=one)
    _same_as_fresh(inp, out, "previous two", previous=two)


# guard (passes)
def test_previous_edited_in_place_then_removed(inp: Path, tmp_path: Path) -> None:
    """--previous a list, the list edited in place (mtime kept), then no --previous: each re-run equals a
    fresh run."""
    out = tmp_path / "out"
    _run(inp, out)
    two = _start_list(out, tmp_path / "dau_ky_2.csv", 2)
    _run(inp, out, previous=two)
    st = two.stat()
    two.write_text(two.read_text("utf-8-sig").replace("Cận nghèo", "Nghèo", 2), "utf-8-sig")
    os.utime(two, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert _same_as_fresh(inp, out, "previous two edited", previous=two).processed == 3
    _same_as_fresh(inp, out, "previous removed")


# guard (passes)
def test_local_and_mask_pii_toggled(inp: Path, tmp_path: Path) -> None:
    """--local added, then removed with --mask-pii on: each re-run equals a fresh run."""
    out = tmp_path / "out"
    _run(inp, out)
    _same_as_fresh(inp, out, "local", local="example-bac-ninh")
    _same_as_fresh(inp, out, "local removed, masked", mask_pii=True)
    assert len(_bundles(out)) == 3


# guard (passes)
def test_as_of_changed_then_removed(inp: Path, tmp_path: Path) -> None:
    """--as-of given, changed, then removed: each re-run equals a fresh run."""
    out = tmp_path / "out"
    _same_as_fresh(inp, out, "as of", as_of=dt.date(2024, 12, 31))
    _same_as_fresh(inp, out, "as of changed", as_of=dt.date(2025, 3, 1))
    _same_as_fresh(inp, out, "all removed")
    assert len(_bundles(out)) == 3


# ------------------------------------------------------------------------------------- runs stopped midway
def _interrupt(target: Any, name: str, after: int = 0) -> Callable[[], None]:
    """Make ``target.name`` raise KeyboardInterrupt (Ctrl-C) on its call number ``after + 1``; returns undo."""
    orig = getattr(target, name)
    calls = [0]

    def patched(*a: Any, **k: Any) -> Any:
        calls[0] += 1
        if calls[0] > after:
            raise KeyboardInterrupt
        return orig(*a, **k)

    setattr(target, name, patched)
    return lambda: setattr(target, name, orig)


# guard (passes)
@pytest.mark.parametrize("where", ["store", "merge", "report", "put_in_place", "carry_over"])
def test_a_run_stopped_midway_then_run_again_equals_a_fresh_run(inp: Path, tmp_path: Path, where: str) -> None:
    """Ctrl-C while the returns are classified (after one is cached), in the merge, while the report renders,
    while the outputs are put in place, while the officer's files are carried over — after a correction and a
    change of options —: the next run's outputs equal a fresh run's, and no output of the run before stays."""
    import hgn_review.pipeline as pipeline
    import hgn_review.reports as reports

    out = tmp_path / "out"
    _run(inp, out, commune_workbooks=True)
    _set_income(inp / A, 700_000)
    target, name, after = {"store": (pipeline, "_store", 1), "merge": (pipeline, "_merge_up", 0),
                           "report": (reports, "make_report", 0), "put_in_place": (pipeline, "_put_in_place", 0),
                           "carry_over": (pipeline, "_carry_over", 0)}[where]
    undo = _interrupt(target, name, after)
    try:
        with pytest.raises(KeyboardInterrupt):
            _run(inp, out, mask_pii=True, as_of=dt.date(2024, 12, 1))
    finally:
        undo()
    _same_as_fresh(inp, out, f"after {where}", mask_pii=True, as_of=dt.date(2024, 12, 1))
    assert not (out / "so_xa").exists()
    assert len(_bundles(out)) == 3


def test_a_move_undone_after_a_stopped_run_leaves_households_named_by_the_wrong_folder(inp: Path,
                                                                                       tmp_path: Path) -> None:
    """DEFECT. The officer moves 10510's return into huyen_291/ by mistake, runs, presses Ctrl-C, moves it back
    and runs again. ket_qua/households.parquet (and each commune workbook, the results a merge or next year's
    --previous reads) then says its 8 households are in "in/huyen_291/10510_…xlsx" — where no file is — while
    its members and findings say huyen_288, and a fresh run says huyen_288 everywhere.
    Cause: pipeline._run_round (the "renamed since it was cached" branch) rewrites the cached bundle in place,
    file by file (io/results.write_bundle: households.parquet first, meta.json last); stopped half-way, the
    bundle keeps its old meta.json, whose recorded file sizes still match (the two folder names have the same
    length), so pipeline._whole trusts it, and with the file back at the name meta.json records, _renamed does
    nothing. The rename should be written to a new folder and swapped in (as _store does), or meta.json
    invalidated first."""
    import hgn_review.io.results as results

    out = tmp_path / "out"
    _run(inp, out)
    src, wrong = inp / B, inp / "huyen_291" / Path(B).name
    shutil.move(src, wrong)
    undo = _interrupt(results, "_to_parquet", after=1)  # Ctrl-C once households.parquet is rewritten
    try:
        with pytest.raises(KeyboardInterrupt):
            _run(inp, out)
    finally:
        undo()
    shutil.move(wrong, src)
    _run(inp, out)
    named = set(_households(out).loc[lambda d: d["ma_xa"] == "10510", "file"])
    assert named == {"in/" + B}
    fresh = tmp_path / "fresh"
    _run(inp, fresh)
    assert differences(out, fresh) == []


# ------------------------------------------------------------------------------------- what the cache keeps
def test_start_lists_no_longer_given_are_not_kept_in_the_cache(inp: Path, tmp_path: Path) -> None:
    """DEFECT. Every start-of-period list ever given with --previous stays in OUT/.hgn-cache as
    previous-<hash>.parquet (its households' codes, classes and heads' IDs — personal data) after runs with
    another list and without any: the cache grows by one list per list tried, and a list given by mistake (another
    district's, last year's of another province) is never removed, though README says of .hgn-cache/ that it
    holds this round and _prune_cache drops bundles of returns no longer in the folder.
    Cause: pipeline._run_round writes cache/previous-{digest[:16]}.parquet per list and nothing prunes them
    (pipeline._prune_cache looks only at cache/files/)."""
    out = tmp_path / "out"
    _run(inp, out)
    one = _start_list(out, tmp_path / "dau_ky_1.csv", 3)
    two = _start_list(out, tmp_path / "dau_ky_2.csv", 2)
    _run(inp, out, previous=one)
    _run(inp, out, previous=two)
    lists = sorted(p.name for p in (out / ".hgn-cache").glob("previous-*"))
    assert len(lists) <= 1, f"start lists kept after a run with another one: {lists}"
    _run(inp, out)
    lists = sorted(p.name for p in (out / ".hgn-cache").glob("previous-*"))
    assert lists == [], f"start lists kept after a run without --previous: {lists}"


def test_strict_runs_that_stop_keep_every_version_of_a_return_in_the_cache(inp: Path, tmp_path: Path) -> None:
    """DEFECT. With --strict over returns with errors (each run stops before merging, as it should), a commune
    that sends three corrections in a week leaves three bundles of its return in OUT/.hgn-cache, and a return
    deleted from the folder (sent by another province by mistake) keeps its bundle — its households' names and
    IDs — as long as the runs stop: the cache grows with every correction and never holds just this round.
    Cause: pipeline._run_round calls _prune_cache only after the first stop_if_strict(); a run stopped by
    --strict (FindingsStop) never prunes, though it has every bundle of this round in hand."""
    out = tmp_path / "out"
    for i in range(3):
        with pytest.raises(FindingsStop):
            _run(inp, out, strict=True)
        _set_income(inp / A, 800_000 + i * 1000)
    (inp / C).unlink()
    with pytest.raises(FindingsStop):
        _run(inp, out, strict=True)
    assert len(_bundles(out)) == 2, f"bundles for 2 returns: {_bundles(out)}"


def test_an_updated_hgn_reads_the_start_list_again(inp: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """DEFECT. README: the cache is "by the installed hgn — an update classifies every return again". It does,
    but with the start-of-period list as the previous hgn read it: the list is cached as
    .hgn-cache/previous-<hash of the list>.parquet and not made again while that file exists. Simulated here: the
    run before the update read "Hộ nghèo" as no class (the kind of fix session 20 made: "Hộ nghèo" is now read as
    a start class); after the update every return is classified again (processed 3), yet no household is poor at
    the start — form 02's start and decrease stay 0 where a fresh run of the same hgn counts them, and
    ket_qua, findings and report.html disagree with the fresh run.
    Cause: pipeline._run_round: prev_path = cache / f"previous-{digest[:16]}.parquet" is keyed by the list's bytes
    only (not by code_digest()) and written only `if not prev_path.exists()`; the workers classify with it."""
    import hgn_review.pipeline as pipeline

    out = tmp_path / "out"
    _run(inp, out)
    hh = _households(out)[["ma_xa", "ma_ho"]].copy()
    hh["phan_loai"] = ["Hộ nghèo" if i % 2 == 0 else "Không nghèo" for i in range(len(hh))]
    hh.columns = ["Mã xã", "Mã hộ", "Phân loại"]
    start = tmp_path / "dau_ky.csv"
    hh.to_csv(start, index=False, encoding="utf-8-sig")
    real_load = pipeline.load_status_list

    def older_reading(path: Path) -> pd.DataFrame:
        df = real_load(path).copy()
        df["phan_loai"] = df["phan_loai"].where(df["phan_loai"] != "Hộ nghèo", pd.NA)
        return df

    with monkeypatch.context() as m:  # the hgn installed before the update
        m.setattr(pipeline, "load_status_list", older_reading)
        m.setattr(pipeline, "code_digest", lambda: "0123456789abcdef")
        _run(inp, out, previous=start)
    got = _run(inp, out, previous=start)  # the updated hgn
    assert got.processed == 3
    fresh = tmp_path / "fresh"
    _run(inp, fresh, previous=start)
    start_of = {o: _households(o)["dau_ky"].value_counts(dropna=False).to_dict() for o in (out, fresh)}
    assert start_of[out] == start_of[fresh]
    assert differences(out, fresh) == []
