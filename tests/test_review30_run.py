"""Review 30 (run): `hgn run INPUT_DIR --out OUT_DIR` as a district officer uses it over several days.

The returns sit in sub-folders by district (`hgn sample --district …`). Each test does what an officer does
between two runs — runs again, removes or fixes a return, edits the province's standard file, adds a second
return of a commune, runs with --strict — and compares OUT with what the README promises or with a FRESH run
into an empty folder on the same inputs and options (creation timestamps, run times and the "read now / taken
from the last run" count aside).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest

from conftest import run_hgn

pytestmark = pytest.mark.slow


# ------------------------------------------------------------------------------------------------ helpers
def _run(folder: Path, out: Path, *opts: object, code: int | None = 0) -> subprocess.CompletedProcess[str]:
    """`hgn run FOLDER --out OUT --jobs 1 OPTS…` from the folder above FOLDER, as an officer types it."""
    args = opts if "--jobs" in map(str, opts) else ("--jobs", "1", *opts)
    proc = run_hgn("run", folder.name, "--out", out, *args, cwd=folder.parent)
    assert "Traceback" not in proc.stderr, proc.stderr[-2000:]
    if code is not None:
        assert proc.returncode == code, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc


def _summary(proc: subprocess.CompletedProcess[str]) -> dict:
    return json.loads(proc.stdout)


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*")
                  if p.is_file() and ".hgn-cache" not in p.parts and p.name != ".hgn-output")


def _volatile_readme(line: str) -> bool:
    """README.txt lines that legitimately change from run to run: the run date, and how many returns were read."""
    return line.startswith(("Ngày chạy:", "Run on:")) or "lấy lại từ lần chạy trước" in line


def _scrub_times(xml: bytes) -> bytes:
    """A so_xa/ book's provenance sheet without its run times (when each return was classified, how long)."""
    xml = re.sub(rb'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?', b"T", xml)
    return re.sub(rb'(run_seconds</t></is></c><c r="B\d+"[^>]*>).*?</c>', rb"\1</c>", xml)


def differences(a: Path, b: Path) -> list[str]:
    """What differs between two OUT folders, apart from what must: an .xlsx's docProps/core.xml (its creation
    time), meta.json's run times, README.txt's run date and read/cached counts."""
    out: list[str] = []
    fa, fb = _files(a), _files(b)
    if fa != fb:
        out.append(f"file sets differ: {sorted(set(fa) ^ set(fb))}")
    for rel in sorted(set(fa) & set(fb)):
        x, y = (a / rel).read_bytes(), (b / rel).read_bytes()
        if x == y:
            continue
        if rel.endswith(".xlsx"):
            za, zb = zipfile.ZipFile(a / rel), zipfile.ZipFile(b / rel)
            if sorted(za.namelist()) != sorted(zb.namelist()):
                out.append(f"{rel}: parts differ")
                continue
            out += [f"{rel}:{n}" for n in za.namelist()
                    if n != "docProps/core.xml" and _scrub_times(za.read(n)) != _scrub_times(zb.read(n))]
        elif rel.endswith(".parquet"):
            import pandas as pd

            if not pd.read_parquet(a / rel).equals(pd.read_parquet(b / rel)):
                out.append(rel)
        elif rel.endswith("meta.json"):
            def scrub(v: object) -> object:
                if isinstance(v, dict):
                    return {k: scrub(w) for k, w in v.items() if k not in ("run_time", "run_seconds", "run_started")}
                if isinstance(v, list):
                    return [scrub(w) for w in v]
                return v
            if scrub(json.loads(x)) != scrub(json.loads(y)):
                out.append(rel)
        elif rel == "README.txt":
            la = [ln for ln in x.decode().splitlines() if not _volatile_readme(ln)]
            lb = [ln for ln in y.decode().splitlines() if not _volatile_readme(ln)]
            if la != lb:
                out.append(f"README.txt: {sorted(set(la) ^ set(lb))}")
        else:
            out.append(rel)
    return out


def _sample(root: Path, district: str, communes: int, households: int, seed: int, error_rate: float = 0.0) -> None:
    from hgn_review.sample import generate_sample

    generate_sample(root / district, communes=communes, households=households, seed=seed, error_rate=error_rate,
                    district=district)
    (root / district / "manifest.json").unlink()


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two districts of province 30, three communes each, a few errors injected (a realistic round)."""
    root = tmp_path_factory.mktemp("r30") / "bieu"
    _sample(root, "288", 3, 12, seed=3, error_rate=0.03)
    _sample(root, "290", 3, 12, seed=4, error_rate=0.03)
    return root


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """District 288, three communes without injected errors (a round --strict lets through)."""
    root = tmp_path_factory.mktemp("r30c") / "sach"
    _sample(root, "288", 3, 8, seed=5)
    return root


def _copy(src: Path, tmp_path: Path, name: str | None = None) -> Path:
    dst = tmp_path / (name or src.name)
    shutil.copytree(src, dst)
    return dst


def _second_return_of(folder: Path, source: str, code: str, name: str, target: str) -> Path:
    """Commune ``code``'s return saved under commune ``target``'s code, and ``code``'s own return taken out of the
    folder (not arrived yet): ``target`` now has a second return with its own households and IDs (a village's
    file sent apart)."""
    src = next(folder.rglob(f"{code}_*.xlsx"))
    wb = openpyxl.load_workbook(src)
    wb["Thông tin"]["B2"] = target
    for ws in (wb["Hộ gia đình"], wb["Thành viên"]):
        for row in ws.iter_rows(min_row=2):
            for c in row:
                if c.value == code:
                    c.value = target
                elif isinstance(c.value, str) and c.value.startswith(f"{code}-"):
                    c.value = c.value.replace(f"{code}-", f"{target}-9")
    dst = folder / source / name
    wb.save(dst)
    src.unlink()
    return dst


# ------------------------------------------------------------------------------------------------ guards
# guard (passes)
def test_second_run_reads_nothing_and_writes_the_same_outputs(pristine: Path, tmp_path: Path) -> None:
    """A second run on an unchanged folder reads no return and writes what the first wrote, byte for byte apart
    from each workbook's creation time, README.txt's run date and read/cached counts and meta.json's run times."""
    folder = _copy(pristine, tmp_path)
    out = tmp_path / "out"
    first = _summary(_run(folder, out, "--json"))
    keep = tmp_path / "first"
    shutil.copytree(out, keep)
    again = _summary(_run(folder, out, "--json"))
    assert (first["processed"], again["processed"], again["cached"]) == (6, 0, 6)
    assert differences(keep, out) == []
    assert (keep / "bao_cao" / "report.html").read_bytes() == (out / "bao_cao" / "report.html").read_bytes()


# guard (passes)
def test_removed_return_leaves_every_output_as_a_fresh_run_gives(pristine: Path, tmp_path: Path) -> None:
    """A return taken out of the folder: no output keeps its commune (its so_xa/ book, its marked copy, its
    findings, its households); OUT is what a fresh run into an empty folder gives."""
    folder = _copy(pristine, tmp_path)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    opts = ("--commune-workbooks", "--marked-copies")
    _run(folder, out, *opts)
    gone = next((folder / "290").glob("10549_*.xlsx"))
    gone.unlink()
    again = _summary(_run(folder, out, "--json", *opts))
    _run(folder, fresh, *opts)
    assert again["processed"] == 0
    assert differences(out, fresh) == []
    assert not any("10549" in f for f in _files(out))


# guard (passes)
def test_return_moved_to_another_district_folder_is_named_where_it_is_now(pristine: Path, tmp_path: Path) -> None:
    """A return moved from 290/ into 288/ under the same name: its bundle is reused, and every output names it
    at its new place, as a fresh run does."""
    folder = _copy(pristine, tmp_path)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _run(folder, out)
    moved = next((folder / "290").glob("10552_*.xlsx"))
    moved.rename(folder / "288" / moved.name)
    again = _summary(_run(folder, out, "--json"))
    _run(folder, fresh)
    assert again["processed"] == 0
    assert differences(out, fresh) == []


# guard (passes)
def test_parent_of_the_province_standard_edited_between_runs_reclassifies(clean: Path, tmp_path: Path) -> None:
    """`--standard tinh.yaml` where tinh.yaml extends base.yaml: the officer raises the income line in base.yaml
    and runs again; every return is classified again under the new line, as a fresh run classifies it."""
    folder = _copy(clean, tmp_path)
    std = tmp_path / "std"
    std.mkdir()
    (std / "tinh.yaml").write_text("id: tinh-30\ntitle: Chuẩn của tỉnh\nscope: national\nextends: base.yaml\n"
                                   "source: thử\nstatus: practice\n", "utf-8")
    base = ("id: base-30\ntitle: base\nscope: national\nextends: vn-2022-2025\nsource: thử\nstatus: practice\n"
            "income_line:\n  Nông thôn: {{value: {r}, status: practice, source: thử}}\n"
            "  Thành thị: {{value: {u}, status: practice, source: thử}}\n")
    (std / "base.yaml").write_text(base.format(r=1500000, u=2000000), "utf-8")
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    before = _summary(_run(folder, out, "--standard", std / "tinh.yaml", "--json"))
    (std / "base.yaml").write_text(base.format(r=2200000, u=2900000), "utf-8")
    after = _summary(_run(folder, out, "--standard", std / "tinh.yaml", "--json"))
    _run(folder, fresh, "--standard", std / "tinh.yaml")
    assert after["processed"] == 3
    assert after["by_class"] != before["by_class"]
    assert differences(out, fresh) == []


# guard (passes)
def test_strict_with_errors_in_returns_stops_and_keeps_the_officers_files(pristine: Path, tmp_path: Path) -> None:
    """--strict over returns with errors: exit 1 saying so, only phat_hien.xlsx (and the marked copies) and a
    README.txt saying why in place of last run's forms; files the officer put in OUT are kept."""
    folder = _copy(pristine, tmp_path)
    out = tmp_path / "out"
    _run(folder, out)
    (out / "bao_cao" / "ban_ky.pdf").write_bytes(b"%PDF-1.4 signed scan")
    (out / "ghi_chu_cua_toi.txt").write_text("gọi xã Ngọc Châu", "utf-8")
    proc = _run(folder, out, "--strict", code=1)
    assert "--strict" in proc.stderr
    assert not (out / "bao_cao" / "bieu_01.xlsx").exists()
    assert (out / "bao_cao" / "ban_ky.pdf").read_bytes() == b"%PDF-1.4 signed scan"
    assert (out / "ghi_chu_cua_toi.txt").exists()
    assert "--strict" in (out / "README.txt").read_text("utf-8")


# guard (passes)
def test_out_inside_the_returns_folder_is_not_read_as_returns(clean: Path, tmp_path: Path) -> None:
    """OUT_DIR inside INPUT_DIR: the second run reads no return and does not take its own outputs for returns;
    OUT_DIR holding INPUT_DIR is refused (exit 2)."""
    folder = _copy(clean, tmp_path)
    _run(folder, folder / "ket_qua_run")
    again = _summary(_run(folder, folder / "ket_qua_run", "--json"))
    assert (again["files"], again["processed"], again["findings"]["error"]) == (3, 0, 0)
    refused = run_hgn("run", folder / "288", "--out", folder, cwd=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr


# ------------------------------------------------------------------------------------------------ defects
@pytest.mark.parametrize("second", ["commune-in-two-returns", "file-outside-round"])
def test_strict_stops_when_the_round_itself_has_an_error(clean: Path, tmp_path: Path, second: str) -> None:
    """DEFECT. `hgn run --strict` goes on to merge, writes the forms and exits 0 although the round holds errors:
    a commune sent in two returns (both left out: error commune-in-two-returns) or a return of another province
    (left out: error file-outside-round) — the --json summary itself counts them as errors. README and `hgn run
    --help` say --strict stops before merging when errors remain ("Dừng trước khi tổng hợp nếu còn lỗi"); the
    officer who runs with --strict to never file forms that leave households out gets them, exit 0 (while
    `--fail-on error` on the same folder exits 1). Expected: exit 1, no forms, README.txt saying why.
    Likely cause: pipeline.py:_run_round — the `if strict and errors` check runs before `_admissible` (and
    `_known_units`) add the round's own errors, which are never counted for --strict."""
    folder = _copy(clean, tmp_path)
    if second == "commune-in-two-returns":
        _second_return_of(folder, "288", "10510", "10507_thon_2.xlsx", "10507")
    else:
        from hgn_review.sample import generate_sample

        generate_sample(folder / "khac", province="31", communes=1, households=5, seed=2)
        (folder / "khac" / "manifest.json").unlink()
    out = tmp_path / "out"
    proc = _run(folder, out, "--strict", "--json", code=None)
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:  # what it said it had found
        found = _summary(proc)["findings"]["error"]
        assert found == 0, f"--strict merged and exited 0 with {found} error(s) in the round ({second})"
    assert proc.returncode == 1
    assert not (out / "bao_cao").exists()


def test_local_standard_given_to_run_is_not_told_to_use_an_option_run_lacks(clean: Path, tmp_path: Path) -> None:
    """DEFECT. `hgn run DIR --standard example-bac-ninh` (or a province's own local .yaml) is refused with the
    hint "Chuẩn địa phương dùng với --local …" — but `hgn run` has no --local option (README's `hgn run` line has
    none, and `hgn run --local …` is refused as an unknown option, exit 2). The officer follows the hint and hits
    a second error. Expected: a hint that fits hgn run (e.g. that hgn run classifies under the national standard
    only, and a local standard is applied with `hgn classify --local`). Likely cause: pipeline.py:pick_standard —
    the hint written for hgn classify is raised unchanged from run_round."""
    folder = _copy(clean, tmp_path)
    out = tmp_path / "out"
    proc = _run(folder, out, "--standard", "example-bac-ninh", code=2)
    # (fixed by giving hgn run the --local the hint names: following the hint now works)
    assert "--local" in proc.stderr, proc.stderr
    follow = _run(folder, out, "--local", "example-bac-ninh", code=None)
    assert follow.returncode == 0, follow.stderr
    import pandas as pd

    local = pd.read_parquet(out / "ket_qua" / "households.parquet")["phan_loai_dia_phuong"]
    assert local.notna().any()
