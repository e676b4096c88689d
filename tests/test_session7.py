"""Session 7: checks added with this session's changes."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hgn_review.errors import OutputError
from hgn_review.io import write as write_mod
from hgn_review.pipeline import _rows_of


def test_rows_of_takes_a_contiguous_block_and_any_other_pattern_alike() -> None:
    """A return's rows are taken from a stacked frame whether they stand together or not, renumbered from 0."""
    frame = pd.DataFrame({"file": pd.array(["a", "a", "b", "b", "a"], dtype="string[pyarrow]"),
                          "uid": np.arange(5)})
    block = _rows_of(frame, np.array([False, False, True, True, False]))
    assert block["uid"].tolist() == [2, 3] and block.index.tolist() == [0, 1]
    scattered = _rows_of(frame, frame["file"].eq("a").to_numpy())
    assert scattered["uid"].tolist() == [0, 1, 4] and scattered.index.tolist() == [0, 1, 2]
    assert _rows_of(frame, np.zeros(5, dtype=bool)).empty


# ---------------------------------------------------------------- outputs that cannot be written


def _refuse_replace(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """os.replace onto a file called ``name`` fails as Windows fails it when the workbook is open in Excel."""
    real = os.replace

    def replace(src: object, dst: object) -> None:
        if Path(str(dst)).name == name:
            raise PermissionError(13, "The process cannot access the file because it is being used by another "
                                      "process", str(dst))
        real(src, dst)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", replace)


def test_an_output_open_in_another_program_is_a_clear_error_and_stays_as_it_was(tmp_path: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A file that cannot be replaced is an OutputError naming it and saying to close it; nothing is left behind."""
    target = tmp_path / "bieu_01.xlsx"
    target.write_bytes(b"old")
    _refuse_replace(monkeypatch, "bieu_01.xlsx")
    with pytest.raises(OutputError) as caught, write_mod.atomic_path(target) as tmp:
        tmp.write_bytes(b"new")
    message, hint = caught.value.render("vi")
    assert "bieu_01.xlsx" in message and "Excel" in message and "Đóng tệp" in hint
    assert "Excel" in caught.value.render("en")[1]
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bieu_01.xlsx"]  # no .part left


def test_a_full_disk_while_writing_is_a_clear_error(tmp_path: Path) -> None:
    """ENOSPC raised while the temporary file is written becomes an OutputError saying the disk is full."""
    import errno

    target = tmp_path / "danh_sach.csv"
    with pytest.raises(OutputError) as caught, write_mod.atomic_path(target):
        raise OSError(errno.ENOSPC, "No space left on device")
    assert "ổ đĩa đã đầy" in caught.value.render("vi")[0]
    assert not target.exists() and not list(tmp_path.iterdir())


def test_other_errors_inside_the_write_are_not_disguised(tmp_path: Path) -> None:
    """Only the system's refusal is an OutputError: a fault while building the file keeps its own type."""
    with pytest.raises(FileNotFoundError), write_mod.atomic_path(tmp_path / "x.xlsx"):
        raise FileNotFoundError(2, "No such file", "template.xlsx")


def test_the_command_line_turns_a_refused_write_into_exit_3_without_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """`hgn template --out` onto a file the system will not replace: exit 3, the file named, no traceback."""
    from hgn_review import cli, exitcodes

    _refuse_replace(monkeypatch, "tra_ve.xlsx")
    monkeypatch.delenv("HGN_DEBUG", raising=False)
    monkeypatch.setattr(sys, "argv", ["hgn", "template", "--commune", "10507", "--year", "2024",
                                      "--out", str(tmp_path / "tra_ve.xlsx")])
    with pytest.raises(SystemExit) as code:
        cli.main()
    err = capsys.readouterr().err
    assert code.value.code == exitcodes.COULD_NOT_RUN
    assert "tra_ve.xlsx" in err and "Traceback" not in err and "nội bộ" not in err


@pytest.fixture(scope="module")
def small_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from conftest import sample_returns

    return sample_returns(tmp_path_factory, "s7round", communes=2, households=12, seed=71)


def test_a_run_whose_last_form_is_open_in_excel_stops_before_writing_anything(
        small_round: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On Windows a form open in Excel cannot be replaced: the run stops at once and every output stays as the
    last run left it (never some outputs new and some old)."""
    from hgn_review.pipeline import run_round

    out = tmp_path / "out"
    run_round(small_round, out, jobs=1)
    files = [p for p in out.rglob("*") if p.is_file() and ".hgn-cache" not in p.parts]
    before = {p: p.stat().st_mtime_ns for p in files}
    locked = out / "bao_cao" / "bieu_01.xlsx"
    assert locked in before
    real_open = open

    def fake_open(file: object, mode: str = "r", *a: object, **k: object) -> object:
        if Path(str(file)) == locked and mode != "rb":
            raise PermissionError(13, "used by another process", str(file))
        return real_open(file, mode, *a, **k)  # type: ignore[call-overload]

    monkeypatch.setattr(write_mod, "_WINDOWS", True)
    monkeypatch.setattr(write_mod, "open", fake_open, raising=False)
    with pytest.raises(OutputError) as caught:
        run_round(small_round, out, jobs=1)
    assert "bieu_01.xlsx" in caught.value.render("vi")[0]
    assert {p: p.stat().st_mtime_ns for p in files} == before
    monkeypatch.setattr(write_mod, "_WINDOWS", False)  # POSIX replaces an open file: nothing to refuse
    run_round(small_round, out, jobs=1)


@pytest.mark.parametrize("encoding", ["cp1252", "cp1258", "ascii"])
def test_output_redirected_in_a_windows_code_page_is_written_in_utf8(tmp_path: Path, encoding: str) -> None:
    """A Windows command redirected to a file writes in the ANSI code page, which cannot hold "ệ": hgn writes its
    Vietnamese as UTF-8 instead of stopping on the first message (it was an internal error, exit 4)."""
    import subprocess

    env = {**os.environ, "PYTHONIOENCODING": encoding, "NO_COLOR": "1", "COLUMNS": "200"}
    env.pop("HGN_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "hgn_review", "codes"], cwd=tmp_path, env=env,
                          capture_output=True, check=False, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    text = proc.stdout.decode("utf-8")
    assert "Thiếu" in text or "thiếu" in text


def test_worker_processes_never_exceed_the_work_nor_the_windows_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """--jobs is capped by the pieces of work, and on Windows by the 61 processes its pool can wait on."""
    from hgn_review.validate import workers

    assert workers(8, 3) == 3 and workers(2, 207) == 2 and workers(0, 5) == 1
    assert workers(64, 207) == 64
    monkeypatch.setattr(os, "name", "nt")
    assert workers(64, 207) == 61


# ---------------------------------------------------------------- a start list made before the 2025 reform
def _post_reform_round() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Three poor households of the new (from 1/7/2025) ward 10507, reviewed on 1/10/2025. The new 10507 was
    formed from the old 10507, 10510, 10519 and 10663; the old 10528 was split between 10532 and 10537."""
    from test_scoring_support import frames, household

    hh, mem = frames([household(i, ma_ho=f"H{i}", ma_xa="10507", ngay_ra_soat="2025-10-01") for i in range(3)], [])
    hh["phan_loai"] = pd.Series(["Nghèo", "Cận nghèo", "Nghèo"], dtype="str")
    hh["file"] = "10507.xlsx"
    hh["sheet"] = "Hộ gia đình"
    return hh, mem


def test_a_start_list_in_pre_reform_codes_matches_the_new_communes_households() -> None:
    """Households listed under an abolished commune (10510, 10519 → the new 10507) are matched by code in the
    new commune: their start state is the list's, not "unknown" with a previous-unmatched error each."""
    from hgn_review.scoring import assign_movements

    hh, mem = _post_reform_round()
    previous = pd.DataFrame({"ma_xa": ["10510", "10510", "10519"], "ma_ho": ["H0", "H1", "H2"],
                             "phan_loai": ["Nghèo", "Nghèo", "Cận nghèo"]})
    m = assign_movements(hh, mem, previous=previous)
    assert m.dau_ky.tolist() == ["Nghèo", "Nghèo", "Cận nghèo"]
    assert m.dien_bien.tolist() == ["Tiếp tục nghèo", "Thoát nghèo sang cận nghèo", "Cận nghèo thành nghèo"]
    assert [f.code for f in m.findings] == []


def test_a_managed_household_of_an_abolished_commune_missing_from_the_new_return_is_reported() -> None:
    """A poor household on the list under old 10663 (now part of 10507) that the return lacks is
    previous-not-reviewed on 10507's return, naming both codes — it was silent (its commune was "not reviewed")."""
    from hgn_review.scoring.movements import head_ids, not_reviewed

    hh, mem = _post_reform_round()
    previous = pd.DataFrame({"ma_xa": ["10510", "10663", "10663"], "ma_ho": ["H0", "X9", "X8"],
                             "phan_loai": ["Nghèo", "Nghèo", "Không nghèo"]})
    found = not_reviewed(hh, head_ids(mem), previous)
    assert [(f.code, f.file, f.value, f.param("other")) for f in found] == [
        ("previous-not-reviewed", "10507.xlsx", "X9", "10663 → 10507")]


def test_an_old_commune_split_in_two_is_matched_by_the_heads_id_and_reported_only_when_both_are_reviewed() -> None:
    """The old 10528 went partly to 10532 and partly to 10537: which one a household went to is not known from
    the code, so it is matched by its head's ID; a missing one is reported only when both new communes are in the
    review (else it may be in the one not reviewed)."""
    from hgn_review.scoring.movements import list_communes, not_reviewed

    hh, mem = _post_reform_round()
    codes, split = list_communes(pd.Series(["10528", "10510", "10507"], dtype="str"), hh)
    assert codes.isna().tolist() == [True, False, False] and codes.iloc[1:].tolist() == ["10507", "10507"]
    assert split == {"10528": ["10532", "10537"]}
    previous = pd.DataFrame({"ma_xa": ["10528"], "ma_ho": ["Z1"], "phan_loai": ["Nghèo"]})
    assert not_reviewed(hh, pd.Series(dtype="str"), previous) == []
    both = pd.concat([hh.assign(ma_xa="10532", file="10532.xlsx"), hh.assign(ma_xa="10537", file="10537.xlsx")],
                     ignore_index=True)
    found = not_reviewed(both, pd.Series(dtype="str"), previous)
    assert [(f.file, f.value, f.param("other")) for f in found] == [("10532.xlsx", "Z1", "10528 → 10532")]


def test_a_pre_reform_round_keeps_its_own_communes() -> None:
    """In a review before 1/7/2025 the old codes are the units: nothing is taken through the crosswalk."""
    from hgn_review.scoring.movements import list_communes

    hh, _ = _post_reform_round()
    hh["ngay_ra_soat"] = pd.Timestamp("2024-10-01")
    codes = pd.Series(["10510", "10528", "10507"], dtype="str")
    got, split = list_communes(codes, hh)
    assert got.tolist() == codes.tolist() and split == {}


def test_an_internal_error_quoting_a_cell_does_not_print_a_personal_id(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """The last line of defence prints the exception's text: an ID in it shows its last four digits only."""
    from hgn_review import cli, exitcodes

    def boom(*_a: object, **_k: object) -> None:
        raise ValueError("Duplicates in right: uid 030089359062")

    monkeypatch.delenv("HGN_DEBUG", raising=False)
    monkeypatch.setattr(cli, "app", boom)
    monkeypatch.setattr(sys, "argv", ["hgn", "codes"])
    with pytest.raises(SystemExit) as code:
        cli.main()
    err = capsys.readouterr().err
    assert code.value.code == exitcodes.INTERNAL
    assert "030089359062" not in err and "9062" in err


# ---------------------------------------------------------------- rates rounded as Excel rounds them
@pytest.mark.parametrize(("value", "expected"), [(3.125, 3.13), (1.005, 1.01), (2.675, 2.68), (-3.125, -3.13),
                                                 (33.333333, 33.33), (3.124999, 3.12), (100.0, 100.0)])
def test_rates_round_half_away_from_zero_like_excel(value: float, expected: float) -> None:
    """ROUND(x; 2) of Excel and of the officers checking a form: a half goes up (Python's round gives 3.12)."""
    from hgn_review.reports.formdef import round_half_up

    assert round_half_up(value) == expected
    assert round_half_up(np.array([value]))[0] == expected
    assert round_half_up(pd.Series([value, None], dtype="Float64")).iloc[0] == expected


def test_one_near_poor_household_of_32_is_3_13_percent_in_the_form_and_the_page(tmp_path: Path) -> None:
    """1 of 32 households is 3.125 %: form 01 and report.html say 3.13 / 3,13 (they said 3.12)."""
    import openpyxl

    from conftest import household, make_return, member, run_hgn

    folder = tmp_path / "in"
    folder.mkdir()
    hhs = [household(ma_ho=f"11284-{i:04d}", thu_nhap_bq=1000000 if i == 0 else 9000000) for i in range(32)]
    mms = [member(ma_ho=f"11284-{i:04d}", so_dinh_danh=f"0300800{i:05d}") for i in range(32)]
    make_return(folder, hhs, mms, name="11284.xlsx")
    assert run_hgn("classify", "in/11284.xlsx", "--out", "r.xlsx", cwd=tmp_path).returncode in (0, 1)
    proc = run_hgn("report", "r.xlsx", "--out-dir", "rep", "--forms", "1", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    cells = [c.value for row in openpyxl.load_workbook(tmp_path / "rep" / "bieu_01.xlsx").active.iter_rows()
             for c in row]
    assert 3.13 in cells and 3.12 not in cells
    assert "3,13" in (tmp_path / "rep" / "report.html").read_text("utf-8")


def test_every_data_file_of_the_package_is_installed_with_it() -> None:
    """`pip install .` (not editable, as on an officer's computer) copies only the data files pyproject.toml lists:
    every non-Python file under src/hgn_review must match one pattern (reports/columns/population.yaml did not,
    and an installed hgn stopped at the population list)."""
    import fnmatch
    import tomllib

    root = Path(__file__).resolve().parents[1]
    patterns = tomllib.loads((root / "pyproject.toml").read_text("utf-8"))["tool"]["setuptools"]["package-data"][
        "hgn_review"]
    package = root / "src" / "hgn_review"
    data = [p.relative_to(package).as_posix() for p in package.rglob("*")
            if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts]
    assert data
    unlisted = [d for d in data if not any(fnmatch.fnmatchcase(d, pat) for pat in patterns)]
    assert unlisted == []


def test_outputs_whose_publishing_was_cut_short_are_completed_by_the_next_run(tmp_path: Path) -> None:
    """A run stopped between the renames that put its outputs in place (a complete set, marked ready) is
    completed by the next call: the new set in place, nothing of the old left, no staging folder."""
    from hgn_review.pipeline import READY, STAGING, _remove_leftovers

    out = tmp_path / "out"
    stage = out / STAGING
    (stage / "bao_cao").mkdir(parents=True)
    (stage / "bao_cao" / "bieu_01.xlsx").write_text("new")
    (stage / "README.txt").write_text("new")
    (stage / READY).touch()
    (out / "bao_cao").mkdir()
    (out / "bao_cao" / "bieu_01.xlsx").write_text("old")
    (out / "ket_qua").mkdir()  # the new run wrote no ket_qua here: it is not the new set's, it stays as it was
    (out / "README.txt").write_text("old")
    _remove_leftovers(out)
    assert (out / "bao_cao" / "bieu_01.xlsx").read_text() == "new" and (out / "README.txt").read_text() == "new"
    assert not stage.exists()
    # a staging folder not marked ready is an unfinished run: dropped, the last outputs untouched
    (stage / "bao_cao").mkdir(parents=True)
    (stage / "bao_cao" / "bieu_01.xlsx").write_text("half")
    _remove_leftovers(out)
    assert (out / "bao_cao" / "bieu_01.xlsx").read_text() == "new" and not stage.exists()


def test_a_note_keeps_both_wordings_when_copied_or_pickled() -> None:
    """Notes travel between processes and get copied: both wordings survive."""
    import copy
    import pickle

    from hgn_review.errors import Note, say

    n = Note("Tổng hợp chưa đủ.", "The merge is partial.")
    for again in (copy.copy(n), copy.deepcopy(n), pickle.loads(pickle.dumps(n))):
        assert str(again) == "Tổng hợp chưa đủ." and say(again, "en") == "The merge is partial."


@pytest.mark.parametrize(("text", "shown"), [
    ("030080001234", "********1234"), ("30080001234", "*******1234"), ("030 080 001 234", "*** *** **1 234"),
    ("0300.8000.1234", "****.****.1234"), ("11284-01-0001", "11284-01-0001"), ("10507-0001", "10507-0001"),
    ("1500000", "1500000")])
def test_ids_are_hidden_in_text_but_household_codes_and_amounts_are_not(text: str, shown: str) -> None:
    """An ID in a message shows its last four digits, written whole or in groups of three or four; a household
    code of 9 or 11 digits in other groups (the only locator of some findings) and an amount stay as written."""
    from hgn_review.findings import hide_ids

    assert hide_ids(f"Hộ {text} không có") == f"Hộ {shown} không có"
