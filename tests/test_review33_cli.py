"""Review 33: the command line contract as the README documents it — exit codes, `--json` on stdout, messages
on stderr, paths with spaces, brackets and Vietnamese letters, `--help` screens, outputs that cannot be written.

Every command is run as an officer runs it (a subprocess, outside a terminal) on a handful of households."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import household, make_return, member, run_hgn


def no_traceback(proc) -> None:  # type: ignore[no-untyped-def]
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-2000:]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One sample commune (5 households) in a folder named with spaces and Vietnamese letters, and its results."""
    root = tmp_path_factory.mktemp("r33")
    rets = root / "Biểu các xã"
    proc = run_hgn("sample", "--province", "30", "--communes", "1", "--households", "5", "--seed", "3",
                   "--out", rets, cwd=root)
    assert proc.returncode == 0, proc.stderr
    (rets / "manifest.json").unlink()
    res = root / "kết quả xã.xlsx"
    proc = run_hgn("classify", rets, "--out", res, cwd=root)
    assert proc.returncode == 0, proc.stderr
    return {"root": root, "returns": rets, "results": res}


@pytest.fixture
def w(world: dict[str, Path], tmp_path: Path) -> dict[str, Path]:
    rets = tmp_path / "Biểu các xã"
    shutil.copytree(world["returns"], rets)
    res = tmp_path / "kết quả xã.xlsx"
    shutil.copy2(world["results"], res)
    return {"root": tmp_path, "returns": rets, "results": res}


# ============================================================================ defects
def test_validate_names_a_bracketed_file_name_and_cell_value_as_written(tmp_path: Path) -> None:
    """DEFECT. A return saved as "11284 [bản cũ].xlsx" whose house area reads "[x] 45": `hgn validate` prints the
    file as "11284 .xlsx" and the finding as … nhận được " 45" — rich takes "[bản cũ]" and "[x]" for style tags and
    drops them, so the officer is sent to a file that does not exist and shown a value the cell does not hold.
    Expected: the file name and the value exactly as written. Cause: console.py:table (rows added as rich markup
    strings; the findings table of render_validation) — user text is not escaped."""
    folder = tmp_path / "Biểu"
    make_return(folder, [household(dien_tich_nha="[x] 45")], [member()], name="11284 [bản cũ].xlsx")
    proc = run_hgn("validate", folder, cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    assert "11284 [bản cũ].xlsx" in proc.stdout, proc.stdout
    assert '"[x] 45"' in proc.stdout, proc.stdout


def test_validate_does_not_crash_on_a_cell_value_that_reads_as_a_closing_tag(tmp_path: Path) -> None:
    """DEFECT. A commune writes the house area as "45 [/m2]": `hgn validate` prints the summary table, then stops
    with a Python traceback (rich.errors.MarkupError: closing tag '[/m2]' … doesn't match any open tag) and exit 1 —
    the error handler prints the same text through the same markup and fails again. Expected: the finding
    value-not-number at the cell, the value quoted as written, exit 1, no traceback. Cause: console.py:table (cell
    text rendered as markup) and console.py:render_error (the message rendered as markup)."""
    folder = tmp_path / "Biểu"
    make_return(folder, [household(dien_tich_nha="45 [/m2]")], [member()])
    proc = run_hgn("validate", folder, cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    assert "value-not-number" in proc.stdout
    assert '"45 [/m2]"' in proc.stdout, proc.stdout


@pytest.mark.parametrize("folder", ["Biểu [/]", "Biểu [bản cũ]"])
def test_a_missing_path_with_brackets_is_named_as_typed_with_exit_2(tmp_path: Path, folder: str) -> None:
    """DEFECT. `hgn validate "Biểu [bản cũ]/xa.xlsx"` (a path that does not exist) says "Không tìm thấy: Biểu
    /xa.xlsx" — not the path typed; with "Biểu [/]/xa.xlsx" it ends in a traceback (MarkupError) and exit 1
    instead of the usage error, exit 2. Expected: exit 2, "Không tìm thấy: <the path as typed>", no traceback.
    Cause: console.py:render_error prints the message as rich markup (the path is not escaped)."""
    path = f"{folder}/xa.xlsx"
    proc = run_hgn("validate", path, cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    assert path in proc.stderr, proc.stderr


def test_classify_names_the_workbook_it_wrote(w: dict[str, Path]) -> None:
    """DEFECT. `hgn classify … --out "kết quả [bản cũ].xlsx"` writes that file and says "Đã ghi: kết quả .xlsx":
    the officer looks for a file that is not there. Expected: "Đã ghi: kết quả [bản cũ].xlsx". Cause:
    console.py:render_classification prints the written paths as rich markup."""
    out = w["root"] / "kết quả [bản cũ].xlsx"
    proc = run_hgn("classify", w["returns"], "--out", out.name, cwd=w["root"])
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert out.is_file()
    assert "kết quả [bản cũ].xlsx" in proc.stdout, proc.stdout


def _relapse_case(root: Path) -> Path:
    """A household near-poor now, not at the start of the period, and near-poor in an earlier period (ky_2022.csv):
    a relapse ("Tái cận nghèo") once that period's list is given as --history; ky_2021.csv lists another one."""
    make_return(root / "ret", [household(thu_nhap_bq=900000, phan_loai_dau_ky="Không")], [member()])
    (root / "ky_2022.csv").write_text("Mã xã,Mã hộ,Phân loại\n11284,11284-0001,Cận nghèo\n", encoding="utf-8")
    (root / "ky_2021.csv").write_text("Mã xã,Mã hộ,Phân loại\n11284,11284-0099,Cận nghèo\n", encoding="utf-8")
    return root / "ret"


def test_history_files_written_as_the_readme_writes_them_are_all_history(tmp_path: Path) -> None:
    """DEFECT. The README documents `hgn classify PATHS... --out … [--history FILE...]`. Written so —
    `--history ky_2021.csv ky_2022.csv` — only ky_2021.csv is history: ky_2022.csv silently becomes one more
    commune return (a layout-unknown error on it), the household near-poor in 2022 is counted "Cận nghèo mới"
    instead of "Tái cận nghèo", and the exit is 0. Expected: every file after --history taken as history (or the
    call refused as a usage error, exit 2, saying to repeat --history). Cause: cli.py:classify — `history` is a
    typer list option, one value per --history, so the later files fall to the PATHS argument."""
    rets = _relapse_case(tmp_path)
    proc = run_hgn("classify", rets, "--out", "kq.xlsx", "--history", "ky_2021.csv", "ky_2022.csv", "--json",
                   cwd=tmp_path)
    no_traceback(proc)
    if proc.returncode == 2:  # refused, saying how to give several: acceptable
        return
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert "layout-unknown" not in data["findings_by_code"], "a --history file was read as a commune return"
    assert data["by_movement"] == {"Tái cận nghèo": 1}, data["by_movement"]


def test_history_repeated_option_reads_every_period(tmp_path: Path) -> None:
    # guard (passes): `--history A --history B` reads both periods: the relapse is found, nothing else is read
    rets = _relapse_case(tmp_path)
    proc = run_hgn("classify", rets, "--out", "kq.xlsx", "--history", "ky_2021.csv", "--history", "ky_2022.csv",
                   "--json", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["by_movement"] == {"Tái cận nghèo": 1}
    assert data["findings"]["error"] == 0


def test_run_json_notes_are_in_english_under_lang_en(w: dict[str, Path]) -> None:
    """DEFECT. `hgn run … --json --lang en`: the terminal form says "The merge is partial: … units missing", but
    the JSON's "notes" stay Vietnamese ("Tổng hợp chưa đủ: thiếu … đơn vị") — while `hgn validate --json --lang
    en` gives English messages. README: messages are Vietnamese, English with --lang en. Expected: the notes in
    the language asked (each is a Note carrying its English). Cause: pipeline.py:RunOutcome.summary_json (and
    cli.py:run, which dumps it) writes the notes as str, ignoring the language."""
    proc = run_hgn("run", w["returns"], "--out", w["root"] / "Kết quả", "--jobs", "1", "--json", "--lang", "en",
                   cwd=w["root"])
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    notes = json.loads(proc.stdout)["notes"]
    assert notes, "a one-commune round says its merge is partial"
    assert not any("Tổng hợp chưa đủ" in n for n in notes), notes
    assert any("partial" in n for n in notes), notes


def test_run_json_that_stops_with_no_mergeable_return_still_prints_its_json(w: dict[str, Path]) -> None:
    """DEFECT. `hgn run "Biểu" --out "Kết quả" --json` on a round whose only return cannot be read (an empty
    attachment): hgn reads it, writes phat_hien.xlsx and a README.txt saying the run stopped before merging, exits
    3 — and prints nothing on stdout, so a script gets no JSON for a run that did read, find and write. This is
    not the --strict stop (noted already: that one now carries a summary for --json); this stop carries none.
    Expected: one JSON document on stdout (what was read and found, where phat_hien.xlsx is), as in every other
    outcome of --json. Cause: pipeline.py:run_round (its `except HgnError` branch publishes the stopped outputs
    but attaches no summary) with cli.py:main (no JSON printed for an HgnError)."""
    rets = w["root"] / "Biểu hỏng"
    rets.mkdir()
    (rets / "11284_xa.xlsx").write_bytes(b"")
    out = w["root"] / "Kết quả"
    proc = run_hgn("run", rets, "--out", out, "--jobs", "1", "--json", cwd=w["root"])
    no_traceback(proc)
    assert proc.returncode == 3, proc.stderr
    assert (out / "phat_hien.xlsx").is_file()  # the run read and wrote its findings
    data = json.loads(proc.stdout)
    assert isinstance(data, dict) and data


def test_an_empty_folder_gets_the_same_exit_code_from_every_command(tmp_path: Path) -> None:
    """DEFECT. The same slip — the officer names a folder that holds nothing yet — is exit 2 (usage) from
    validate, classify and run but exit 3 (could not run) from merge and report; a script that tells "fix the
    call" from "fix the inputs" by exit code gets two answers. README: 2 usage, 3 could not run, one meaning across
    commands. Expected: one exit code for an empty input folder whatever the command. Cause:
    io/results.py:read_results raises InputError ("không chứa kết quả của hgn") where io/read.py:discover's
    caller raises UsageError ("Không có biểu rà soát nào")."""
    empty = tmp_path / "Thư mục trống"
    empty.mkdir()
    calls = {"validate": ("validate", empty), "classify": ("classify", empty, "--out", tmp_path / "kq.xlsx"),
             "run": ("run", empty, "--out", tmp_path / "ra"),
             "merge": ("merge", empty, "--out", tmp_path / "m.xlsx"),
             "report": ("report", empty, "--out-dir", tmp_path / "bc")}
    codes = {}
    for name, call in calls.items():
        proc = run_hgn(*call, cwd=tmp_path)
        no_traceback(proc)
        assert proc.stdout.strip() == "", (name, proc.stdout)
        codes[name] = proc.returncode
    assert len(set(codes.values())) == 1, codes


# ============================================================================ guards
def test_json_is_one_document_on_stdout_for_every_command_that_has_it(w: dict[str, Path]) -> None:
    # guard (passes): validate (errors found, exit 1), classify, merge and run (exit 0; --fail-on warning: 1)
    # print one JSON document and nothing else on stdout; notes go to stderr; paths with spaces and Vietnamese
    root = w["root"]
    make_return(root / "Biểu lỗi", [household(dien_tich_nha="khoảng 45")], [member()])
    calls = [(("validate", root / "Biểu lỗi", "--report-xlsx", root / "phát hiện.xlsx"), 1),
             (("classify", w["returns"], "--out", root / "kq 2.xlsx", "--parquet", root / "pq xã"), 0),
             (("merge", w["results"], "--out", root / "tổng hợp.xlsx"), 0),
             (("run", w["returns"], "--out", root / "Kết quả 2026", "--jobs", "1"), 0),
             (("run", w["returns"], "--out", root / "Kết quả 2026", "--jobs", "1", "--fail-on", "warning"), 1)]
    for call, rc in calls:
        proc = run_hgn(*call, "--json", cwd=root)
        no_traceback(proc)
        assert proc.returncode == rc, (call[0], proc.returncode, proc.stderr)
        assert isinstance(json.loads(proc.stdout), dict), call[0]


def test_an_output_open_in_excel_stops_run_and_report_with_exit_3_and_a_clean_stdout(w: dict[str, Path]) -> None:
    # guard (passes): a lock file beside a form of last run's bao_cao/ (or of a report folder): exit 3 naming the
    # form, nothing on stdout even with --json, the form left as it was
    out = w["root"] / "Kết quả 2026"
    assert run_hgn("run", w["returns"], "--out", out, "--jobs", "1", cwd=w["root"]).returncode == 0
    form = out / "bao_cao" / "bieu_01.xlsx"
    before = form.read_bytes()
    (form.parent / "~$bieu_01.xlsx").write_bytes(b"x")
    proc = run_hgn("run", w["returns"], "--out", out, "--jobs", "1", "--json", cwd=w["root"])
    no_traceback(proc)
    assert proc.returncode == 3
    assert proc.stdout == ""
    assert "bieu_01.xlsx" in proc.stderr
    assert form.read_bytes() == before
    proc = run_hgn("report", w["results"], "--out-dir", form.parent, cwd=w["root"])
    assert proc.returncode in (2, 3) and "Traceback" not in proc.stderr


def test_an_output_under_a_file_is_exit_3_naming_it(w: dict[str, Path]) -> None:
    # guard (passes): an output path whose folder is a file — exit 3, said in Vietnamese, no traceback, no stdout
    root = w["root"]
    (root / "tệp").write_text("x", encoding="utf-8")
    calls = [("classify", w["returns"], "--out", "tệp/kq.xlsx"), ("merge", w["results"], "--out", "tệp/m.xlsx"),
             ("report", w["results"], "--out-dir", "tệp/bc"), ("run", w["returns"], "--out", "tệp/ra", "--json"),
             ("sample", "--communes", "1", "--households", "2", "--out", "tệp/s"),
             ("template", "--commune", "10507", "--year", "2024", "--out", "tệp/t.xlsx")]
    for call in calls:
        proc = run_hgn(*call, cwd=root)
        no_traceback(proc)
        assert proc.returncode == 3, (call[0], proc.stderr)
        assert "tệp" in proc.stderr and "Lỗi" in proc.stderr, proc.stderr
        assert proc.stdout == "", call[0]


README_OPTIONS = {
    "validate": ["--json", "--report-xlsx", "--fail-on", "--layout", "--standard", "--local", "--jobs", "--max-cells",
                 "--lang", "--as-of"],
    "classify": ["--out", "--standard", "--local", "--previous", "--history", "--prefer", "--layout", "--parquet",
                 "--json", "--max-cells", "--as-of"],
    "merge": ["--out", "--level", "--unit", "--prefer", "--allow-mixed", "--to-2025-units", "--mapping", "--as-of",
              "--parquet", "--json"],
    "report": ["--out-dir", "--unit", "--forms", "--signer", "--place", "--date", "--forms-dir", "--mask-pii",
               "--as-of"],
    "run": ["--out", "--jobs", "--strict", "--fail-on", "--standard", "--local", "--previous", "--mask-pii",
            "--commune-workbooks", "--marked-copies", "--json", "--max-cells", "--as-of"],
    "sample": ["--province", "--communes", "--households", "--seed", "--error-rate", "--layout", "--year",
               "--district", "--out"],
    "template": ["--commune", "--year", "--out", "--as-of"],
}


@pytest.mark.parametrize("command", sorted(README_OPTIONS))
def test_help_is_vietnamese_and_lists_the_readme_options(tmp_path: Path, command: str) -> None:
    # guard (passes): each command's help, exit 0 on stdout, framed and worded in Vietnamese with diacritics,
    # lists every option the README gives the command
    proc = run_hgn(command, "--help", cwd=tmp_path)
    assert proc.returncode == 0
    first = proc.stdout.splitlines()[0]
    assert first.startswith("Cách dùng:") and f" {command} [TUỲ_CHỌN]" in first, first
    assert "Tuỳ chọn:" in proc.stdout and "Hiện trợ giúp này rồi thoát." in proc.stdout
    for option in README_OPTIONS[command]:
        assert option in proc.stdout, (command, option)
