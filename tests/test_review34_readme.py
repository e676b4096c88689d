"""Review 34: the README is the officers' manual — each concrete claim it makes about a command, checked by running
the command as an officer runs it (a subprocess, outside a terminal) on a handful of households."""

from __future__ import annotations

import json
import re
from pathlib import Path

import openpyxl
import pytest

from conftest import household, make_return, member, run_hgn

# a letter only Vietnamese writes (English text has none of these)
VIETNAMESE = re.compile("[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]", re.IGNORECASE)


def no_traceback(proc) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-2000:]


def _option_help(screen: str, option: str) -> str:
    """The help text of one option on a --help screen (its first line and the lines continuing it)."""
    lines = screen.splitlines()
    out: list[str] = []
    for i, line in enumerate(lines):
        if line.strip().startswith(option + " ") or line.strip() == option:
            out.append(line)
            for nxt in lines[i + 1:]:
                if nxt.strip().startswith("-") or not nxt.strip():
                    break
                out.append(nxt)
            break
    return "\n".join(out)


@pytest.fixture(scope="module")
def round_2024(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two sample communes of province 30 reviewed in autumn 2024 (a few errors), run once."""
    root = tmp_path_factory.mktemp("r34")
    rets = root / "returns"
    proc = run_hgn("sample", "--province", "30", "--communes", "2", "--households", "12", "--seed", "3",
                   "--error-rate", "0.05", "--out", rets, cwd=root)
    assert proc.returncode == 0, proc.stderr
    (rets / "manifest.json").unlink()
    out = root / "out"
    proc = run_hgn("run", rets, "--out", out, cwd=root)
    assert proc.returncode == 0, proc.stderr
    return {"root": root, "returns": rets, "out": out}


# ============================================================================ defects
def test_classify_help_in_english_says_history_in_english(tmp_path: Path) -> None:
    """DEFECT. The README: "Messages, help screens … are in Vietnamese; add `--lang en` for English." Under
    `hgn classify --help --lang en` every option is in English except --history, whose text is still Vietnamese
    ("Danh sách các kỳ trước nữa (xét tái nghèo); mọi tệp ghi sau --history …"). An officer who asked for English
    expects the option that reads earlier periods' lists explained in English, as every other option is. Likely
    cause: cli.py:classify — round 33 rewrote the --history help text (every file after it is a period's list), but
    help_en.HELP_EN still holds the English under the old text ("Danh sách các kỳ trước nữa (xét tái nghèo)."), so
    the lookup finds nothing and the Vietnamese is shown."""
    proc = run_hgn("classify", "--help", "--lang", "en", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    text = _option_help(proc.stdout, "--history")
    assert text, proc.stdout
    assert not VIETNAMESE.search(text), text


def test_classify_as_of_after_july_2025_over_a_2024_return_is_refused(tmp_path: Path) -> None:
    """DEFECT. The README (merge's row, of `--as-of DATE` "also on validate, classify, report, run"): "a date from
    1/7/2025 over returns or results reviewed before it [is refused]: their codes are the old communes', which
    many new communes reuse". hgn merge, report and run refuse it (exit 3); `hgn classify RETURN --as-of
    01/08/2025` over a return reviewed on 15/09/2024 does not: it classifies the old commune 11284 (Chi Lăng Nam)
    as the new commune that reuses its code, with no finding, exit 0, and writes the results workbook. An officer
    expects the refusal the README and the other commands give before anything is written. Likely cause:
    pipeline.py:classify_paths — the era check of merge/__init__.py:_check_eras (review date before 1/7/2025,
    --as-of from it) is not made for classify."""
    ret = make_return(tmp_path)  # 11284, reviewed 15/09/2024
    out = tmp_path / "ket_qua.xlsx"
    proc = run_hgn("classify", ret, "--out", out, "--as-of", "01/08/2025", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode in (2, 3), (proc.returncode, proc.stdout[-1500:])
    assert not out.exists()
    assert "1/7/2025" in proc.stderr, proc.stderr


def test_validate_as_of_after_july_2025_over_a_2024_return_is_refused(tmp_path: Path) -> None:
    """DEFECT. As above for `hgn validate` (the README lists --as-of on validate, and a date from 1/7/2025 over
    returns reviewed before it is refused): `hgn validate RETURN --as-of 01/08/2025` over a return reviewed on
    15/09/2024 checks its old commune code 11284 against the 2025 unit list, finds the new commune that reuses the
    code, and says "Không có lỗi" with exit 0 — the old code is taken for another commune without a word. An
    officer expects it refused (as run, merge and report refuse it), not a clean bill. Likely cause:
    validate.py:validate_paths / _file_as_of — --as-of replaces the review date's unit list with no check of the
    era the returns were reviewed in."""
    ret = make_return(tmp_path)
    proc = run_hgn("validate", ret, "--as-of", "01/08/2025", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode in (2, 3), (proc.returncode, proc.stdout[-1500:])
    assert "1/7/2025" in proc.stderr, proc.stderr


# ============================================================================ guards
def test_run_and_report_refuse_as_of_after_july_2025_over_2024_results(round_2024: dict[str, Path],
                                                                         tmp_path: Path) -> None:
    # guard (passes): the README's refusal where it is kept — hgn run over 2024 returns and hgn report over 2024
    # results, with --as-of 01/08/2025, stop (exit 3) naming 1/7/2025
    proc = run_hgn("run", round_2024["returns"], "--out", tmp_path / "o", "--as-of", "01/08/2025", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 3 and "1/7/2025" in proc.stderr, (proc.returncode, proc.stderr)
    proc = run_hgn("report", round_2024["out"], "--out-dir", tmp_path / "r", "--as-of", "01/08/2025", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 3 and "1/7/2025" in proc.stderr, (proc.returncode, proc.stderr)


@pytest.mark.parametrize("command", ["validate", "classify", "merge", "report", "run"])
def test_as_of_under_no_standard_is_refused_by_every_command(round_2024: dict[str, Path], tmp_path: Path,
                                                             command: str) -> None:
    # guard (passes): "a date no bundled standard covers — 01/01/1900 — is refused" on every command that has it
    args: dict[str, list[object]] = {
        "validate": [round_2024["returns"]],
        "classify": [round_2024["returns"], "--out", tmp_path / "c.xlsx"],
        "merge": [round_2024["out"], "--out", tmp_path / "m.xlsx"],
        "report": [round_2024["out"], "--out-dir", tmp_path / "r"],
        "run": [round_2024["returns"], "--out", tmp_path / "o"],
    }
    proc = run_hgn(command, *args[command], "--as-of", "01/01/1900", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 2, (proc.returncode, proc.stderr)
    assert "01/01/1900" in proc.stderr


def test_report_with_fewer_forms_removes_and_names_the_last_ones_keeps_the_officers_file(
        round_2024: dict[str, Path], tmp_path: Path) -> None:
    # guard (passes): "the last report's forms and lists not made again (fewer --forms) are removed and each is
    # named on the terminal"; a file the officer put there (a signed scan) is not hgn's and stays
    out = tmp_path / "bao_cao"
    proc = run_hgn("report", round_2024["out"], "--out-dir", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (out / "scan ky ten.pdf").write_bytes(b"%PDF-1.4 scan")
    proc = run_hgn("report", round_2024["out"], "--out-dir", out, "--forms", "1,2", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.glob("bieu_*.xlsx")) == ["bieu_01.xlsx", "bieu_02.xlsx"]
    for n in range(3, 16):
        assert f"bieu_{n:02d}.xlsx" in proc.stdout, n
    assert (out / "scan ky ten.pdf").read_bytes() == b"%PDF-1.4 scan"


def test_run_keeps_an_officers_file_beside_a_new_output_of_the_same_name(round_2024: dict[str, Path],
                                                                        tmp_path: Path) -> None:
    # guard (passes): "Files an officer adds to the output folders … are kept across re-runs (beside a new output
    # of the same name, as '… (bản của người dùng)')"
    out = tmp_path / "o"
    proc = run_hgn("run", round_2024["returns"], "--out", out, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (out / "bao_cao" / "scan.pdf").write_bytes(b"scan")
    first = sorted(round_2024["returns"].glob("*.xlsx"))[0]
    mine = out / "so_xa" / f"{first.stem}_ket_qua.xlsx"
    mine.parent.mkdir()
    mine.write_bytes(b"mine")
    proc = run_hgn("run", round_2024["returns"], "--out", out, "--commune-workbooks", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert (out / "bao_cao" / "scan.pdf").read_bytes() == b"scan"
    kept = out / "so_xa" / f"{first.stem}_ket_qua (bản của người dùng).xlsx"
    assert kept.read_bytes() == b"mine"
    assert openpyxl.load_workbook(mine).sheetnames  # hgn's own workbook under the name


def test_run_refuses_an_out_dir_holding_the_returns_or_a_foreign_folder(round_2024: dict[str, Path],
                                                                       tmp_path: Path) -> None:
    # guard (passes): "OUT_DIR may not be, or hold, the returns folder, and a folder hgn did not write that already
    # holds bao_cao/, ket_qua/, README.txt … is refused (exit 2) rather than replaced"
    rets = round_2024["returns"]
    for out in (rets, rets.parent):
        proc = run_hgn("run", rets, "--out", out, cwd=tmp_path)
        assert proc.returncode == 2, (out, proc.stderr)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "README.txt").write_text("của tôi", "utf-8")
    proc = run_hgn("run", rets, "--out", foreign, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert (foreign / "README.txt").read_text("utf-8") == "của tôi"


def test_strict_run_over_a_commune_in_two_returns_stops_with_findings_and_readme(tmp_path: Path) -> None:
    # guard (passes): "--strict stops before merging while any error stands, in a return or of the round (a commune
    # in two returns …) (a run that stops leaves its phat_hien.xlsx and a README.txt saying why in place of the
    # last run's outputs, never beside them)"; exit 1 ("or --strict stopped")
    rets = tmp_path / "returns"
    make_return(rets, name="a.xlsx")
    make_return(rets, [household(ho_ten_chu_ho="Nguyễn Văn Ba")], [member(ho_ten="Nguyễn Văn Ba")], name="b.xlsx")
    out = tmp_path / "o"
    proc = run_hgn("run", rets, "--out", out, "--strict", "--json", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["stopped"] == "strict"
    assert (out / "phat_hien.xlsx").is_file() and (out / "README.txt").is_file()
    assert not (out / "bao_cao").exists() and not (out / "ket_qua").exists()
    assert "--strict" in (out / "README.txt").read_text("utf-8")


def test_mask_pii_leaves_no_whole_id_or_full_name_under_bao_cao(round_2024: dict[str, Path], tmp_path: Path) -> None:
    # guard (passes): "--mask-pii masks IDs (all but the last four digits) and names (initials) in everything under
    # bao_cao/"
    import zipfile

    import pandas as pd

    out = tmp_path / "o"
    proc = run_hgn("run", round_2024["returns"], "--out", out, "--mask-pii", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    mm = pd.read_parquet(out / "ket_qua" / "members.parquet")
    ids = {x for x in mm["so_dinh_danh"].dropna().astype(str) if re.fullmatch(r"\d{12}", x)}
    names = {n for n in mm["ho_ten"].dropna().astype(str) if len(n.split()) >= 2}
    assert ids and names
    for p in (out / "bao_cao").rglob("*"):
        if not p.is_file() or p.name.startswith("."):
            continue
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                text = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        else:
            text = p.read_text("utf-8", "replace")
        assert not [i for i in ids if i in text], p.name
        assert not [n for n in names if n in text], p.name


def test_merge_and_report_of_a_folder_without_results_are_exit_2(round_2024: dict[str, Path], tmp_path: Path) -> None:
    # guard (passes): a folder holding returns, not hgn results, given to merge or report: usage (exit 2), said
    for args in (("merge", round_2024["returns"], "--out", tmp_path / "m.xlsx"),
                 ("report", round_2024["returns"], "--out-dir", tmp_path / "r")):
        proc = run_hgn(*args, cwd=tmp_path)
        no_traceback(proc)
        assert proc.returncode == 2, (args[0], proc.stderr)
        assert "households.parquet" in proc.stderr
