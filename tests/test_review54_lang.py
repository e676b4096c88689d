"""Review 54: `--lang en` and `--json` across the commands (validate, classify, merge, report, run, sample, codes) and
the usage-error paths (exit 1/2/3), run as an officer or a script would on small inputs.

What English covers (README): messages, help screens, the findings workbook and README.txt; the forms, the list and
report.html stay Vietnamese, and data values (names, communes, coded answers such as "Có", "Chủ hộ") stay as written.
So the checks below look for Vietnamese *sentences* (function words), not for any diacritic.
"""

from __future__ import annotations

import json
import re
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import openpyxl
import pytest

from conftest import ok, run_hgn, sample_returns

# words that only a Vietnamese sentence holds (never a commune's or a person's name, nor a coded answer)
_VI_WORDS = re.compile(r"(?<!\w)(của|được|là|trong|phải|chưa|cần|hoặc|này|với|các|những|đã|sẽ|không đọc|tệp|"
                       r"Lỗi|Gợi ý|Đã ghi|Kiểm tra|xem)(?!\w)")


def _vi_sentence(text: str) -> list[str]:
    """Vietnamese function words left in an English text, leaving out what is quoted (a header, a value)."""
    bare = re.sub(r'"[^"\n]*"|“[^”\n]*”', "", text)
    return _VI_WORDS.findall(bare)


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return sample_returns(tmp_path_factory, "r54clean", communes=2, households=8, seed=5)


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two communes' returns with injected errors (no manifest beside them)."""
    from hgn_review.sample import generate_sample

    root = tmp_path_factory.mktemp("r54messy")
    generate_sample(root, communes=2, households=15, seed=3, error_rate=0.1)
    (root / "manifest.json").unlink()
    return root


def _findings_rows(path: Path, sheet: str | None = None, header_rows: int = 1) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb[sheet] if sheet else wb.worksheets[0]
    rows = [r for r in ws.iter_rows(min_row=header_rows + 1, values_only=True) if any(v is not None for v in r)]
    heads = next(ws.iter_rows(max_row=1, values_only=True))
    wb.close()
    return [heads, *rows]


# --------------------------------------------------------------------------------------------------- validate
def test_validate_json_en_stdout_only_and_agrees_with_workbook(messy: Path, tmp_path: Path) -> None:
    # guard (passes)
    """`hgn validate --json --lang en --report-xlsx`: stdout is one JSON document (the "Written" note on stderr);
    the summary's counts are the findings' counts; the findings workbook holds the same findings, in English."""
    book = tmp_path / "phat_hien.xlsx"
    proc = run_hgn("validate", messy, "--json", "--lang", "en", "--report-xlsx", book, cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert "Written" in proc.stderr and "Written" not in proc.stdout
    s = data["summary"]
    sev = Counter(f["severity"] for f in data["findings"])
    assert (s["errors"], s["warnings"], s["info"]) == (sev["error"], sev["warning"], sev["info"])
    assert s["by_code"] == dict(Counter(f["code"] for f in data["findings"]))
    assert s["rows"] == sum(sum(pf["rows"].values()) for pf in s["per_file"])
    for f in data["findings"]:
        assert not _vi_sentence(f["message"] + " " + f["hint"]), f
    heads, *rows = _findings_rows(book)
    assert heads[:10] == ("File", "Sheet", "Row", "Column", "Cell", "Code", "Severity", "Message", "What to do",
                          "Value")
    assert Counter(r[6] for r in rows) == +sev
    for r in rows:
        assert not _vi_sentence(f"{r[7]} {r[8]}"), r


def test_validate_json_vi_and_en_same_keys_and_counts(messy: Path, tmp_path: Path) -> None:
    # guard (passes)
    """The JSON's keys and figures do not depend on --lang (a script can read either)."""
    vi = json.loads(run_hgn("validate", messy, "--json", cwd=tmp_path).stdout)
    en = json.loads(run_hgn("validate", messy, "--json", "--lang", "en", cwd=tmp_path).stdout)
    assert vi["summary"] == en["summary"]
    assert [(f["code"], f["file"], f["cell"]) for f in vi["findings"]] == \
        [(f["code"], f["file"], f["cell"]) for f in en["findings"]]
    assert set(vi["findings"][0]) == set(en["findings"][0])


def test_validate_total_row_is_the_sum_of_the_files_listed(clean: Path, tmp_path: Path) -> None:
    """DEFECT. A returns folder holding, beside a return, a zipped return and a Windows shortcut: `hgn validate`
    counts their two warnings (file-archive, file-shortcut) in the totals, but neither file is a row of the
    per-file table nor of `summary.per_file` in --json — the terminal's "Total" row says 2 warnings under a
    column of 0s, and a script summing per_file gets fewer findings than the summary. The officer cannot tell
    which file the warnings belong to from the table. Cause: findings.py:Report.summary builds per_file from
    Report.files (files read), while counts() takes every finding — the archive's and the shortcut's included."""
    d = tmp_path / "in"
    d.mkdir()
    first, second = sorted(clean.glob("*.xlsx"))[:2]
    shutil.copy(first, d / first.name)
    with zipfile.ZipFile(d / "xa_khac.zip", "w") as z:  # another commune's return, sent zipped
        z.write(second, second.name)
    (d / "xa_khac.lnk").write_bytes(b"L\x00\x00\x00")
    proc = run_hgn("validate", d, "--json", "--lang", "en", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    s = json.loads(proc.stdout)["summary"]
    assert s["by_code"].get("file-archive") == 1 and s["by_code"].get("file-shortcut") == 1
    assert sum(pf["warnings"] for pf in s["per_file"]) == s["warnings"], s
    assert sum(pf["errors"] for pf in s["per_file"]) == s["errors"], s


# --------------------------------------------------------------------------------------------------- classify
def test_classify_json_en_agrees_with_results_workbook(messy: Path, tmp_path: Path) -> None:
    # guard (passes)
    """`hgn classify --json --lang en`: JSON on stdout (the "Preferring …" note on stderr); its households by class
    add up to its households; its findings by severity are the rows of the results' findings sheet."""
    out = tmp_path / "kq.xlsx"
    proc = ok(run_hgn("classify", messy, "--out", out, "--json", "--lang", "en", cwd=tmp_path))
    data = json.loads(proc.stdout)
    assert "Preferring" in proc.stderr
    assert sum(data["by_class"].values()) + data["departed"] == data["households"]
    _heads, *rows = _findings_rows(out, "Phát hiện", header_rows=2)
    got = Counter(r[7] for r in rows)
    assert {k: got.get(k, 0) for k in ("error", "warning", "info")} == data["findings"]
    for r in rows:
        assert not _vi_sentence(f"{r[8]} {r[9]}"), r
    terminal = ok(run_hgn("classify", messy, "--out", tmp_path / "kq2.xlsx", "--lang", "en", cwd=tmp_path)).stdout
    assert f"Findings: {data['findings']['error']} errors" in terminal
    assert not _vi_sentence(terminal.replace(str(tmp_path), "")), terminal


def test_history_file_unreadable_is_not_called_the_start_list(clean: Path, tmp_path: Path) -> None:
    """DEFECT. `hgn classify RETURNS --out kq.xlsx --history old.xlsx` with a history file that cannot be read
    stops with "Cannot read the start-of-period list old.xlsx" / "Không đọc được danh sách đầu kỳ old.xlsx" — the
    officer gave no start-of-period list (--previous) at all, and looks for the fault in the wrong file option.
    Cause: pipeline.py:classify_paths reads each --history file with load_status_list (pipeline.py, its
    InputError "start-of-period list"), which names every list it reads the start list."""
    bad = tmp_path / "ky_truoc_2022.xlsx"
    bad.write_bytes(b"not a workbook at all")
    for lang, start in (("en", "start-of-period"), ("vi", "đầu kỳ")):
        proc = run_hgn("classify", clean, "--out", tmp_path / f"kq_{lang}.xlsx", "--history", bad, "--lang", lang,
                       cwd=tmp_path)
        assert "Traceback" not in proc.stderr
        assert proc.returncode == 3, proc.stderr
        assert bad.name in proc.stderr
        assert start not in proc.stderr, proc.stderr


# ------------------------------------------------------------------------------------------------ merge, report
def test_merge_json_en_agrees_with_terminal_and_report_en(clean: Path, tmp_path: Path) -> None:
    # guard (passes)
    """`hgn merge --json --lang en`: stdout only JSON whose households by class add up; the terminal (English)
    shows the same households/persons; `hgn report --lang en` says each output in English."""
    results = []
    for i, f in enumerate(sorted(clean.glob("*.xlsx"))):
        out = tmp_path / f"kq{i}.xlsx"
        ok(run_hgn("classify", f, "--out", out, cwd=tmp_path))
        results.append(out)
    proc = ok(run_hgn("merge", *results, "--out", tmp_path / "m.xlsx", "--json", "--lang", "en", cwd=tmp_path))
    s = json.loads(proc.stdout)
    assert sum(v["households"] for v in s["by_class"].values()) + s["departed"]["households"] == s["households"]
    term = ok(run_hgn("merge", *results, "--out", tmp_path / "m2.xlsx", "--lang", "en", cwd=tmp_path)).stdout
    assert f"{s['households']} / {s['persons']}" in term
    assert not _vi_sentence(term.replace(str(tmp_path), "")), term
    rep = ok(run_hgn("report", tmp_path / "m.xlsx", "--out-dir", tmp_path / "bc", "--lang", "en", cwd=tmp_path))
    assert "Written:" in rep.stdout and not _vi_sentence(rep.stdout.replace(str(tmp_path), "")), rep.stdout


# ------------------------------------------------------------------------------------------------------- run
def test_run_json_en_agrees_with_files_written(messy: Path, tmp_path: Path) -> None:
    # guard (passes)
    """`hgn run --json --lang en`: stdout is JSON; households by class + departed = households counted; its findings
    by severity are the rows of phat_hien.xlsx; README.txt and the notes are English sentences."""
    out = tmp_path / "out"
    proc = ok(run_hgn("run", messy, "--out", out, "--json", "--lang", "en", cwd=tmp_path))
    s = json.loads(proc.stdout)
    assert sum(s["by_class"].values()) + s["departed"] == s["counted"]["households"]
    heads, *rows = _findings_rows(out / "phat_hien.xlsx")
    assert "Message" in heads
    got = Counter(r[heads.index("Severity")] for r in rows)
    assert {k: got.get(k, 0) for k in ("error", "warning", "info")} == s["findings"]
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert not _vi_sentence(readme), readme
    for n in s["notes"]:
        assert not _vi_sentence(n), n
    assert s["files"] == len(list(messy.glob("*.xlsx")))


def test_run_strict_json_en_stops_with_json_on_stdout(messy: Path, tmp_path: Path) -> None:
    # guard (passes)
    """`hgn run --strict --json --lang en` over returns with errors: exit 1, the JSON (with "stopped") on stdout,
    the English message and hint on stderr, README.txt in English."""
    out = tmp_path / "out"
    proc = run_hgn("run", messy, "--out", out, "--strict", "--json", "--lang", "en", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 1
    s = json.loads(proc.stdout)
    assert s["stopped"] == "strict" and s["findings"]["error"] > 0
    assert "Error:" in proc.stderr and "Hint:" in proc.stderr
    assert not _vi_sentence((out / "README.txt").read_text(encoding="utf-8"))


def test_run_terminal_en_one_copy_is_singular(clean: Path, tmp_path: Path) -> None:
    """DEFECT. `hgn run --lang en` over a folder with one byte-for-byte copy of a return says "Returns 3 (2 read,
    0 cached, 1 copies)" — the English count is not made singular, as every other English count of one is
    (findings.singular_en / text.counted). Cause: console.py:render_run writes f"{copies} copies" whatever the
    number."""
    d = tmp_path / "in"
    shutil.copytree(clean, d)
    first = sorted(d.glob("*.xlsx"))[0]
    shutil.copy(first, d / "ban_sao_cua_xa.xlsx")
    proc = ok(run_hgn("run", d, "--out", tmp_path / "out", "--lang", "en", cwd=tmp_path))
    assert "1 copies" not in proc.stdout, proc.stdout


# ---------------------------------------------------------------------------------------------- usage errors
USAGE = [
    ("validate", "KHONG_CO"),
    ("validate", "{clean}", "--fail-on", "bad"),
    ("validate", "{clean}", "--jobs", "0"),
    ("validate", "{clean}", "--jobs", "x"),
    ("validate", "{clean}", "--as-of", "32/13/2024"),
    ("validate", "{clean}", "--report-xlsx", "{tmp}/a.csv"),
    ("validate", "{clean}", "--standard", "khong-co"),
    ("validate", "{clean}", "--max-cells", "0"),
    ("classify", "{clean}", "--out", "{tmp}/kq.csv"),
    ("classify", "{clean}", "--out", "{tmp}/kq.xlsx", "--prefer", "x"),
    ("merge", "{tmp}/khong_co.xlsx", "--out", "{tmp}/m.xlsx"),
    ("run", "{clean}", "--out", "{clean}"),
    ("run", "{clean}", "--out", "{tmp}/o", "--jobs", "0"),
    ("run", "{clean}", "--out", "{tmp}/o", "--as-of", "01/01/1900"),
    ("report", "{tmp}/khong_co.xlsx", "--out-dir", "{tmp}/bc"),
    ("sample", "--out", "{tmp}/s", "--seed", "-1"),
    ("sample", "--out", "{tmp}/s", "--layout", "bad"),
    ("codes", "--lang", "xx"),
]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("args", USAGE, ids=[" ".join(a[:3]) for a in USAGE])
def test_usage_errors_exit_2_without_traceback(args: tuple[str, ...], lang: str, clean: Path, tmp_path: Path) -> None:
    # guard (passes)
    """Usage errors: exit 2, a message (and for hgn's own checks a hint) on stderr, nothing on stdout, in the
    language asked — never a traceback."""
    argv = [a.format(clean=clean, tmp=tmp_path) for a in args]
    if "--lang" not in argv:
        argv += ["--lang", lang]
    elif lang == "en":
        pytest.skip("the --lang value is the error itself")
    proc = run_hgn(*argv, cwd=tmp_path)
    assert "Traceback" not in proc.stderr + proc.stdout
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    if lang == "en":
        assert "Error" in proc.stderr
        assert not _vi_sentence(proc.stderr.replace(str(tmp_path), "").replace(str(clean), "")), proc.stderr
    else:
        assert "Lỗi:" in proc.stderr and "Gợi ý:" in proc.stderr, proc.stderr


HINTLESS = [
    ("sample", "--out", "{tmp}/s", "--error-rate", "2"),
    ("merge", "{tmp}/x.xlsx", "--out", "{tmp}/m.xlsx", "--level", "county"),
    ("sample", "--out", "{tmp}/s", "--district", "001", "--communes", "1", "--households", "2"),
]


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("args", HINTLESS, ids=["sample-error-rate-2", "merge-level-county", "sample-district-001"])
def test_usage_error_bad_option_value_has_a_hint(args: tuple[str, ...], lang: str, tmp_path: Path) -> None:
    """DEFECT. A bad option value that hgn itself checks is said with no hint at all — `hgn sample --error-rate 2`
    ("--error-rate must be within 0–1."), `hgn merge --level county` ("--level must be district or province."),
    `hgn sample --district 001` (a district of another province: "District 001 is not in province 30.") — where
    every other usage error of hgn's says what to write instead ("Hint: …" / "Gợi ý: …"). Cause: the UsageError of
    cli.py:sample (--error-rate), cli.py:merge (--level) and sample/generate.py (district not in the province)
    carries no hint / hint_en."""
    (tmp_path / "x.xlsx").write_bytes(b"")
    argv = [a.format(tmp=tmp_path) for a in args] + ["--lang", lang]
    proc = run_hgn(*argv, cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2, proc.stderr
    assert ("Hint:" if lang == "en" else "Gợi ý:") in proc.stderr, proc.stderr


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("option, value", [("--households", "0"), ("--error-rate", "1")])
def test_sample_edge_value_the_cli_accepts_is_refused_in_the_generators_words(option: str, value: str, lang: str,
                                                                               tmp_path: Path) -> None:
    """DEFECT. `hgn sample` says "--households must be ≥ 0" (hint "Give a whole number, 0 or more") and "--error-rate
    must be within 0–1" (help: "(0–1)"), yet `--households 0` and `--error-rate 1` — values those very messages
    allow — are then refused by the generator in its own words, naming no option and with no hint: "households
    must be ≥ 1." / "error_rate must be in [0, 1)." (in Vietnamese "Số hộ mỗi xã phải ≥ 1." / "Tỷ lệ lỗi phải từ
    0 đến dưới 1."). The officer is told two contradictory limits. Cause: cli.py:sample checks households < 0 and
    0 ≤ error_rate ≤ 1, while sample/generate.py (lines ~281–283) requires households ≥ 1 and error_rate < 1."""
    proc = run_hgn("sample", "--out", tmp_path / "s", "--communes", "1", option, value, "--lang", lang,
                   cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        return  # the value the CLI's own message allows is taken: consistent
    assert proc.returncode == 2
    assert option in proc.stderr, proc.stderr  # said of the option the officer typed
    assert ("Hint:" if lang == "en" else "Gợi ý:") in proc.stderr, proc.stderr


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_sample_year_outside_range_hint_is_not_a_four_digit_year(lang: str, tmp_path: Path) -> None:
    """DEFECT. `hgn sample --year 1990` (and `hgn template --year 1990`) stops with "Review year "1990" is invalid.
    Hint: Give a 4-digit year, e.g. 2025." / "Ghi năm 4 chữ số" — 1990 is a 4-digit year: the hint does not say
    what is wrong (hgn takes 2000–2100, and sample only years a bundled standard covers). Cause:
    template.py:check_review_year's hint."""
    proc = run_hgn("sample", "--out", tmp_path / "s", "--year", "1990", "--lang", lang, cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2
    assert "4-digit" not in proc.stderr and "4 chữ số" not in proc.stderr, proc.stderr


def test_file_where_a_folder_is_expected_is_said_in_english(clean: Path, tmp_path: Path) -> None:
    # guard (passes)
    """--out of `hgn run` / --out-dir of `hgn report` naming a file: exit 3 with the file named and why, in
    English with --lang en (and a hint)."""
    f = tmp_path / "a_file.txt"
    f.write_text("x")
    proc = run_hgn("run", clean, "--out", f, "--lang", "en", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 3
    assert "a_file.txt" in proc.stderr and "not a folder" in proc.stderr and "Hint:" in proc.stderr
    assert f.read_text() == "x"


def test_codes_en_table_is_english(tmp_path: Path) -> None:
    # guard (passes)
    """`hgn codes --lang en`: English headings and messages (coded answers and terms such as "phiếu B" aside)."""
    proc = ok(run_hgn("codes", "--lang", "en", cwd=tmp_path))
    assert "Severity" in proc.stdout and "Message" in proc.stdout
    assert not _vi_sentence(proc.stdout), _vi_sentence(proc.stdout)[:10]
