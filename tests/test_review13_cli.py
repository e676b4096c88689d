"""Review 13 (helper): the command line as an officer meets it — wrong, missing and odd arguments, `--lang en`.

Every command runs as a subprocess (`python -m hgn_review …`), its output going to pipes, as in `hgn … > log.txt`.
README's contract: exit 0 clean, 1 findings at or above --fail-on, 2 usage, 3 could not run (with a hint), 4 internal
error; "Messages, help screens, the findings workbook and README.txt are in Vietnamese; add --lang en for English";
"no output is left half-written"; "workbooks hgn wrote are marked so that a returns folder holding them does not
take them for returns".

A test that fails states a defect in its docstring (what the officer sees, why it is wrong, the likely cause).
Tests marked `# guard (passes)` hold behaviour that works today and matters.

Read-only folders: the tests run as root here, and root writes into a chmod 555 folder regardless; those cases run
hgn under `setpriv --bounding-set -dac_override,…` (root without the capability that bypasses file permissions).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import sample_returns

VI_LETTERS = re.compile(r"[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđơưăâêôàáèéìíòóùúýõã]", re.IGNORECASE)


# ------------------------------------------------------------------------------------------------ helpers
def hgn(*args: object, cwd: Path, pre: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("LINES", "HGN_DEBUG")}
    env.update(COLUMNS="250", NO_COLOR="1", PYTHONIOENCODING="utf-8")
    return subprocess.run([*pre, sys.executable, "-m", "hgn_review", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300, check=False)


def hgn_here(capfd: pytest.CaptureFixture[str], *args: object) -> subprocess.CompletedProcess[str]:
    """`hgn …` in this process (cli.main, as the entry point calls it), for refusals that stop before any work:
    the same exit code and messages as the subprocess, without a second of start-up per call."""
    from hgn_review import cli

    capfd.readouterr()
    argv = sys.argv
    sys.argv = ["hgn", *map(str, args)]
    code: object = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    out, err = capfd.readouterr()
    return subprocess.CompletedProcess(list(args), code if isinstance(code, int) else 1, out, err)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    for text in (proc.stdout, proc.stderr):
        assert "Traceback" not in text and 'File "' not in text, text[-2000:]


def tree(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): "<dir>" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*"))}


def _can_drop_dac() -> bool:
    if shutil.which("setpriv") is None:
        return False
    probe = subprocess.run(["setpriv", "--bounding-set", "-dac_override", "--", "true"], capture_output=True,
                           check=False)
    return probe.returncode == 0


if os.geteuid() != 0:
    AS_OFFICER: tuple[str, ...] = ()
elif _can_drop_dac():
    AS_OFFICER = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search,-fowner", "--")
else:  # pragma: no cover - our machines have setpriv; without it a chmod cannot stop root
    AS_OFFICER = ()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """"Biểu các xã" (2 clean sample communes, 5 households each), and its `hgn classify` results workbook."""
    root = tmp_path_factory.mktemp("r13")
    rets = root / "Biểu các xã"
    shutil.copytree(sample_returns(tmp_path_factory, "r13_src", communes=2, households=5, seed=3), rets)
    res = root / "kết quả xã.xlsx"
    proc = hgn("classify", rets, "--out", res, cwd=root)
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
@pytest.mark.parametrize("command", ["validate", "classify", "run"])
def test_hgns_own_results_workbook_named_on_the_command_line_is_not_read_as_a_return(w: dict[str, Path],
                                                                                     command: str) -> None:
    """The officer picks the wrong file: `hgn classify "kết quả xã.xlsx" --out kq2.xlsx` (last step's results
    workbook instead of a return). hgn reads its own results as a commune return: its key row (ma_ho,
    ho_ten_chu_ho, …) becomes a household "ma_ho" headed by "ho_ten_chu_ho"; classify exits 0 with 11 households
    for 10 (6 of them now "Chưa đủ thông tin"); `hgn validate` lists 52 nonsense errors ("phan_loai_dau_ky" không có
    trong danh mục …); `hgn run` writes forms from it. Put in a folder, the same workbook is refused ("1 tệp là kết
    quả của hgn, không phải biểu rà soát"). README: "workbooks hgn wrote are marked so that … does not take them
    for returns". Cause: io/read.py `discover` checks `is_hgn_output` only for files found inside a folder; a file
    named directly is taken as it is."""
    res = w["results"]
    out = w["root"] / ("kq2.xlsx" if command == "classify" else "Kết quả")
    tail: tuple[object, ...] = {"validate": (), "classify": ("--out", out), "run": ("--out", out)}[command]
    proc = hgn(command, res, *tail, cwd=w["root"])
    no_traceback(proc)
    assert proc.returncode in (2, 3), f"exit {proc.returncode}: hgn's results workbook was read as a return"
    assert "kết quả của hgn" in proc.stderr, proc.stderr
    assert not out.exists() or command == "run"


def test_run_on_an_empty_returns_folder_leaves_no_output_folder(tmp_path: Path,
                                                               capfd: pytest.CaptureFixture[str]) -> None:
    """`hgn run "Biểu tháng 10" --out "Kết quả"` on a folder the officer has not filled yet: exit 2, "Không có biểu
    rà soát nào trong …" — and a new folder "Kết quả" holding .hgn-output, .hgn-cache/lock and .hgn-cache/files,
    i.e. marked as hgn's: from now on its files are never read as returns, and it looks like an empty result. A
    refused call should leave nothing behind (as `hgn run --standard <typo>` now does). Cause: pipeline.py
    `run_round` creates, marks and locks OUT_DIR before it finds that there are no returns."""
    empty = tmp_path / "Biểu tháng 10"
    empty.mkdir()
    out = tmp_path / "Kết quả"
    for lang in ("vi", "en"):
        proc = hgn_here(capfd, "run", empty, "--out", out, "--lang", lang)
        no_traceback(proc)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("Lỗi:" if lang == "vi" else "Error:"), proc.stderr
        assert not out.exists(), f"refused (exit 2) but left {sorted(tree(out))}"


@pytest.mark.parametrize("command", ["validate", "run", "report"])
def test_help_screen_with_lang_en_is_english(capfd: pytest.CaptureFixture[str], command: str) -> None:
    """README: "Messages, help screens, the findings workbook and README.txt are in Vietnamese; add --lang en for
    English." `hgn validate --help --lang en` gives an English frame ("Usage:", "Options:") around Vietnamese text:
    "Kiểm tra biểu rà soát của các xã…", "--json  In kết quả JSON ra stdout.", "--lang <vi|en>  Ngôn ngữ thông
    báo…" — the one screen an English-reading user needs to find --lang is in a language they asked not to get.
    Cause: cli.py declares every help text in Vietnamese only; `_help_text` translates the frame, not the texts."""
    proc = hgn_here(capfd, command, "--help", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("Usage:")  # guard (passes): the frame
    vi = [line.strip() for line in proc.stdout.splitlines() if VI_LETTERS.search(line)]
    assert not vi, vi[:6]


def test_merge_summary_in_english_has_no_vietnamese_class(w: dict[str, Path]) -> None:
    """`hgn merge "kết quả xã.xlsx" --out huyen.xlsx --lang en`: the summary table's rows are English ("Poor",
    "Near-poor", "Not poor", "Undecided (information missing)") but one row reads "Không có phân loại  0 households,
    0 persons" — on every merge, as the row is always shown. Cause: console.py `render_merge` → `class_name` looks
    the class up in scoring/movements.py WORDS_EN, which has no entry for merge/tables.py NO_CLASS ("Không có phân
    loại") nor DEPARTED ("Đã rời (chuyển đi, giải thể)")."""
    proc = hgn("merge", w["results"], "--out", w["root"] / "huyen.xlsx", "--lang", "en", cwd=w["root"])
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert "Households / persons" in proc.stdout  # guard (passes): the summary is English
    assert "Không có phân loại" not in proc.stdout, proc.stdout


def test_findings_workbook_name_hint_names_the_option_validate_has(world: dict[str, Path], tmp_path: Path,
                                                                   capfd: pytest.CaptureFixture[str]) -> None:
    """`hgn validate "Biểu các xã" --report-xlsx phat_hien.txt` is refused (good) with "Gợi ý: Ví dụ: --out
    phat_hien.xlsx". validate has no --out: the officer who follows the hint gets "Không có tuỳ chọn --out". The
    same for an existing folder given as --report-xlsx. Cause: cli.py `_xlsx_name` writes "--out" into every hint,
    whatever option the name came from."""
    for target in (tmp_path / "phat_hien.txt", tmp_path / "Kết quả"):
        if target.suffix == "":
            target.mkdir()
        proc = hgn_here(capfd, "validate", world["returns"], "--report-xlsx", target)
        no_traceback(proc)
        assert proc.returncode == 2, proc.stderr
        assert "--out " not in proc.stderr and "--report-xlsx" in proc.stderr, proc.stderr


def test_validate_that_cannot_write_its_highlighted_copies_keeps_the_last_findings_workbook(tmp_path: Path) -> None:
    """An officer re-runs `hgn validate "Biểu các xã" --report-xlsx phat_hien.xlsx` after one commune's return was
    taken out; a copy in phat_hien_ban_sao/ cannot be written (the folder read-only; on Windows: a copy open in
    Excel). hgn says "Lỗi: Không ghi được phat_hien_ban_sao/…_loi.xlsx … Đóng tệp trong Excel … rồi chạy lại",
    exit 3 — yet phat_hien.xlsx has already been replaced by the new findings, beside last time's highlighted copies
    (one of them of the return no longer in the folder). README: "no output is left half-written"; an output that
    cannot be written is exit 3 — the officer takes exit 3 to mean nothing was written. Cause: io/write.py
    `write_findings_xlsx` puts the findings workbook in place before it writes the copies, one by one."""
    from hgn_review.sample import generate_sample

    rets = tmp_path / "Biểu các xã"
    generate_sample(rets, communes=3, households=12, seed=5, error_rate=0.1)
    (rets / "manifest.json").unlink()
    book = tmp_path / "phat_hien.xlsx"
    first = hgn("validate", rets, "--report-xlsx", book, cwd=tmp_path)
    assert first.returncode == 1, first.stderr
    copies = tmp_path / "phat_hien_ban_sao"
    assert len(list(copies.glob("*_loi.xlsx"))) == 3  # guard (passes): one highlighted copy per failing return
    before = hashlib.sha256(book.read_bytes()).hexdigest()
    next(rets.glob("10513_*.xlsx")).unlink()
    copies.chmod(0o555)
    try:
        proc = hgn("validate", rets, "--report-xlsx", book, cwd=tmp_path, pre=AS_OFFICER)
    finally:
        copies.chmod(0o755)
    no_traceback(proc)
    assert proc.returncode == 3, proc.stderr
    assert "phat_hien_ban_sao" in proc.stderr  # guard (passes): the file it could not write is named
    assert hashlib.sha256(book.read_bytes()).hexdigest() == before, \
        "exit 3, yet phat_hien.xlsx was replaced while the highlighted copies beside it are last time's"


def test_forms_dir_that_is_a_file_is_not_said_to_be_missing(world: dict[str, Path], tmp_path: Path,
                                                            capfd: pytest.CaptureFixture[str]) -> None:
    """`hgn report kq.xlsx --out-dir bc --forms-dir bieu_01.yaml` (the province's one form file, not its folder):
    "Lỗi: Không tìm thấy thư mục định nghĩa biểu bieu_01.yaml" (English: "… not found"), exit 3. The file is
    there; the officer is told it is not and looks for a typo. A --forms-dir that really does not exist is exit 2
    ("Không tìm thấy: …") — the two cases are swapped in wording and code. Cause: reports/ forms loading tests
    `is_dir()` and words every failure as "not found"; cli.py `report` checks only existence."""
    one = tmp_path / "bieu_01.yaml"
    one.write_text("number: 1\n", encoding="utf-8")
    for lang, word in (("vi", "Không tìm thấy"), ("en", "not found")):
        proc = hgn_here(capfd, "report", world["results"], "--out-dir", tmp_path / "bc", "--forms-dir", one,
                        "--lang", lang)
        no_traceback(proc)
        assert proc.returncode in (2, 3), proc.stderr
        assert word not in proc.stderr, proc.stderr
        assert not (tmp_path / "bc").exists()


def test_standard_list_gives_dates_as_the_officer_writes_them(capfd: pytest.CaptureFixture[str]) -> None:
    """`hgn standard list`: "Từ ngày 2022-01-01, Đến ngày 2026-12-31" — ISO dates in a Vietnamese table, while
    `hgn standard show` of the same standard says "01/01/2022", "31/12/2026" and every --as-of/--date takes
    dd/mm/yyyy. Cause: cli.py `standard_list` prints `valid_from.value` as is (not `_shown_value`)."""
    proc = hgn_here(capfd, "standard", "list")
    assert proc.returncode == 0, proc.stderr
    assert "01/01/2022" in proc.stdout and "2022-01-01" not in proc.stdout, proc.stdout


# ============================================================================ guards
def test_every_command_without_its_required_argument_is_exit_2_in_the_language(
        tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # guard (passes): each command called bare — exit 2, "Lỗi:" with "Gợi ý:" (Vietnamese), English under --lang en,
    # never a traceback, nothing written
    for call in (("validate",), ("classify",), ("merge",), ("report",), ("run",), ("template",), ("sample",),
                 ("standard", "show"), ("standard", "check"), ("classify", "x.xlsx"), ("report", "x.xlsx")):
        monkeypatch.chdir(tmp_path)
        vi = hgn_here(capfd, *call)
        no_traceback(vi)
        assert vi.returncode == 2, (call, vi.stderr)
        assert vi.stderr.startswith("Lỗi: Thiếu") and "Gợi ý:" in vi.stderr, (call, vi.stderr)
        en = hgn_here(capfd, *call, "--lang", "en")
        no_traceback(en)
        assert en.returncode == 2, (call, en.stderr)
        assert "Error: Missing" in en.stderr and not VI_LETTERS.search(en.stderr), (call, en.stderr)
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize(("option", "value"), [("--fail-on", "fatal"), ("--layout", "xyz"), ("--jobs", "1.5"),
                                               ("--max-cells", "nhiều"), ("--lang", "EN")])
def test_a_bad_option_value_is_exit_2_in_vietnamese(world: dict[str, Path], capfd: pytest.CaptureFixture[str],
                                                    option: str, value: str) -> None:
    # guard (passes): click's English turned into Vietnamese, the value quoted or the kind asked for said
    proc = hgn_here(capfd, "validate", world["returns"], option, value)
    no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith(f"Lỗi: Giá trị không hợp lệ cho {option}:"), proc.stderr
    assert "Invalid value" not in proc.stderr and "Input should" not in proc.stderr


def test_exit_codes_of_validate_follow_fail_on(tmp_path: Path) -> None:
    # guard (passes): clean returns exit 0 even with --fail-on warning; a warning only is exit 0 by default, 1 with
    # --fail-on warning; the inputs are byte-identical after all of it
    from hgn_review.sample import generate_sample

    rets = tmp_path / "Biểu các xã"
    generate_sample(rets, communes=1, households=4, seed=11, error_rate=0.0)
    (rets / "manifest.json").unlink()
    assert hgn("validate", rets, "--fail-on", "warning", cwd=tmp_path).returncode == 0
    ret = next(rets.glob("*.xlsx"))
    wb = openpyxl.load_workbook(ret)
    ws = wb["Hộ gia đình"]
    col = next(c.column for c in ws[1] if c.value and str(c.value).startswith("Họ và tên chủ hộ"))
    ws.cell(row=2, column=col).value = "Nguyê\u0303n Văn An"  # decomposed accents: a warning (text-not-nfc)
    wb.save(ret)
    before = tree(rets)
    warn = hgn("validate", rets, "--json", cwd=tmp_path)
    assert json.loads(warn.stdout)["summary"]["warnings"] >= 1, warn.stdout[:800]
    assert json.loads(warn.stdout)["summary"]["errors"] == 0
    assert warn.returncode == 0
    assert hgn("validate", rets, "--fail-on", "warning", cwd=tmp_path).returncode == 1
    assert tree(rets) == before


def test_json_output_is_json_only_and_english_under_lang_en(w: dict[str, Path]) -> None:
    # guard (passes): stdout of --json parses as JSON for validate, classify and merge (notes go to stderr);
    # its messages are English under --lang en
    root = w["root"]
    calls = [("validate", w["returns"], "--report-xlsx", root / "ph.xlsx"),
             ("classify", w["returns"], "--out", root / "kq.xlsx"),
             ("merge", w["results"], "--out", root / "huyen.xlsx")]
    for call in calls:
        proc = hgn(*call, "--json", "--lang", "en", cwd=root)
        no_traceback(proc)
        assert proc.returncode == 0, (call[0], proc.stderr)
        data = json.loads(proc.stdout)
        assert isinstance(data, dict) and data, call[0]


@pytest.mark.skipif(not AS_OFFICER and os.geteuid() == 0, reason="root without setpriv ignores chmod")
def test_rerun_into_a_read_only_output_folder_keeps_last_runs_outputs(w: dict[str, Path]) -> None:
    # guard (passes): `hgn run` again into its own folder, made read-only: exit 3 naming a path in it, in the
    # language asked, and every file of the last run byte-identical
    out = w["root"] / "Kết quả đợt 1"
    first = hgn("run", w["returns"], "--out", out, cwd=w["root"])
    assert first.returncode == 0, first.stderr
    def outputs() -> dict[str, str]:  # the cache (.hgn-cache) is hgn's working memory, not an output
        return {k: v for k, v in tree(out).items() if not k.startswith(".hgn-cache")}

    before = outputs()
    dirs = [out, out / "bao_cao", out / "ket_qua"]
    for d in dirs:
        d.chmod(0o555)
    try:
        for lang, head in (("vi", "Lỗi:"), ("en", "Error:")):
            proc = hgn("run", w["returns"], "--out", out, "--lang", lang, cwd=w["root"], pre=AS_OFFICER)
            no_traceback(proc)
            assert proc.returncode == 3, proc.stderr
            assert proc.stderr.startswith(head) and "Kết quả đợt 1" in proc.stderr, proc.stderr
    finally:
        for d in dirs:
            d.chmod(0o755)
    assert outputs() == before


def test_refusals_in_english_carry_an_english_hint(w: dict[str, Path], capfd: pytest.CaptureFixture[str]) -> None:
    # guard (passes): a handful of "could not run"/usage refusals — exit 2 or 3, "Error:" and "Hint:", no
    # Vietnamese outside the paths the officer typed, nothing written
    root = w["root"]
    afile = root / "ghi chú.txt"
    afile.write_text("x", encoding="utf-8")
    calls = [("classify", afile, "--out", root / "kq.xlsx"),
             ("merge", w["returns"], "--out", root / "m.xlsx"),
             ("report", w["results"], "--out-dir", root / "bc", "--unit", "99999"),
             ("template", "--commune", "99999", "--year", "2024", "--out", root / "t.xlsx"),
             ("run", w["returns"], "--out", w["returns"])]
    before = tree(root)
    for call in calls:
        proc = hgn_here(capfd, *call, "--lang", "en")
        no_traceback(proc)
        assert proc.returncode in (2, 3), (call[0], proc.stderr)
        text = proc.stderr
        for typed in sorted((str(a) for a in call[1:]), key=len, reverse=True):
            text = text.replace(typed, "").replace(Path(typed).name, "")
        text = re.sub(r"\d{5} [^\n;(]*\([^)]*\)", "", text)  # communes suggested by name ("31999 Phường 9 (…)")
        assert text.startswith("Error:") and "Hint:" in text, (call[0], proc.stderr)
        assert not VI_LETTERS.search(text), (call[0], proc.stderr)
    assert tree(root) == before
