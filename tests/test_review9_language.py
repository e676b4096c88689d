"""Review 9 — what officers read: Vietnamese text quality and ``--lang en`` completeness.

README: "Messages are in Vietnamese; add `--lang en` for English." The brief for this review adds: every finding
is explained with a hint; an English run has no untranslated Vietnamese apart from proper names, sheet names of
the official forms and data values; a Vietnamese run has no English.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest

from conftest import HEAD_ID, household, make_id, make_return, member, run_hgn

# letters only Vietnamese has (lower case; the texts checked are lower-cased first)
_VI_LETTERS = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]")


def _findings_rows(path: Path) -> list[dict[str, object]]:
    """The rows of a findings workbook (phat_hien.xlsx) as dictionaries by its header row."""
    wb = openpyxl.load_workbook(path, read_only=True)
    ws = wb.worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    head = [str(h) for h in rows[0]]
    return [dict(zip(head, r, strict=False)) for r in rows[1:]]


# ------------------------------------------------------------------------------------------ one English round
@pytest.fixture(scope="module")
def english_round(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`hgn run --lang en --previous` on one commune return: household 1 records B2 = 50 with no deprivation,
    household 2 has neither income nor B1 (undecided), and the start list names a near-poor household 0099 the
    return does not have."""
    root = tmp_path_factory.mktemp("en_round")
    second = make_id(serial="005678")
    make_return(root, [household(ma_ho="11284-0001", diem_b2=50),
                       household(ma_ho="11284-0002", thu_nhap_bq=None, diem_b1=None)],
                [member(ma_ho="11284-0001"), member(ma_ho="11284-0002", so_dinh_danh=second)],
                name="in/11284_2024.xlsx")
    (root / "dau_ky.csv").write_text("Mã xã,Mã hộ,Phân loại\n11284,11284-0001,Không\n11284,11284-0002,Không\n"
                                     "11284,11284-0099,Cận nghèo\n", encoding="utf-8")
    proc = run_hgn("run", "in", "--out", "out", "--lang", "en", "--previous", "dau_ky.csv", cwd=root)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return root / "out" / "phat_hien.xlsx"


def _message(rows: list[dict[str, object]], code: str) -> str:
    found = [str(r["Message"]) for r in rows if r["Code"] == code]
    assert found, f"no {code} finding in {[r['Code'] for r in rows]}"
    return found[0]


def test_b2_count_mismatch_is_english_in_an_english_run(english_round: Path) -> None:
    """An officer runs `hgn run --lang en` on a return whose household records B2 = 50 with no deprivation.

    What happens: phat_hien.xlsx says 'B2 = 50 differs from 10 × the deprivation count (0 chỉ số → 0 điểm).' —
    the part in brackets, hgn's own words, is Vietnamese.
    What should happen: the whole message in English ("--lang en for English", README), e.g. "1 indicator →
    10 points". Cause: scoring/classify.py:classify passes b2-count-mismatch a Vietnamese ``detail`` without
    ``detail_en``.
    """
    msg = _message(_findings_rows(english_round), "b2-count-mismatch")
    assert not _VI_LETTERS.search(msg.lower()), msg


def test_undecided_household_reason_is_english_in_an_english_run(english_round: Path) -> None:
    """An officer runs `hgn run --lang en`; a household has neither income per head nor a B1 score.

    What happens: the warning reads 'Not enough information to classify: thiếu thu nhập bình quân và điểm B1.' —
    what is missing, the one thing the officer must act on, is Vietnamese.
    What should happen: the reason in English ("Messages are in Vietnamese; add --lang en for English", README).
    Cause: scoring/classify.py:decide builds ``missing`` in Vietnamese only, and classify passes it as ``detail``
    of household-undecided with no ``detail_en``.
    """
    msg = _message(_findings_rows(english_round), "household-undecided")
    assert not _VI_LETTERS.search(msg.lower()), msg


def test_previous_not_reviewed_names_the_class_in_english(english_round: Path) -> None:
    """An officer runs `hgn run --lang en --previous dau_ky.csv`; the start list has a near-poor household the
    commune's return lacks.

    What happens: 'Household 11284-0099 (Cận nghèo on the start-of-period list, commune 11284) is not in the
    commune's return.' — the class is left in Vietnamese, though the same run's terminal says "Near-poor".
    What should happen: the class in English, as console.class_name says it elsewhere. Cause:
    scoring/movements.py:not_reviewed passes ``detail=str(st)`` (the Vietnamese class) with no ``detail_en``.
    """
    msg = _message(_findings_rows(english_round), "previous-not-reviewed")
    assert not _VI_LETTERS.search(msg.lower()), msg


# ------------------------------------------------------------------------------------------ classify / validate
def test_classify_in_english_names_movements_in_english(tmp_path: Path) -> None:
    """An officer runs `hgn classify --lang en` on a return with a household that was poor at the start.

    What happens: the class table is English ("Near-poor"), but the movement table under it lists "Thoát nghèo
    sang cận nghèo" etc. in Vietnamese.
    What should happen: movements in English like the classes beside them. Cause: console.py:render_classification
    translates ``by_class`` with class_name() but prints ``by_movement`` keys as they are.
    """
    make_return(tmp_path, [household(phan_loai_dau_ky="Nghèo", th_bhyt=1)], name="in/11284_2024.xlsx")
    proc = run_hgn("classify", "in", "--out", "kq.xlsx", "--lang", "en", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Movement" in proc.stdout
    shown = [line for line in proc.stdout.splitlines() if _VI_LETTERS.search(line.lower())]
    assert not shown, "\n".join(shown)


def test_classify_in_english_writes_its_findings_in_english(tmp_path: Path) -> None:
    """An officer runs `hgn classify --lang en`; the terminal only counts the findings ("Findings: 1 errors"), so
    the results workbook's findings sheet is where they are read (so is `hgn merge --lang en`'s, "see the
    findings sheet").

    What happens: the sheet's messages are Vietnamese ('"Thu nhập bình quân …" phải là số, nhận được …', 'Hộ không
    phân loại được do lỗi dữ liệu: …') whatever --lang.
    What should happen: an English run's findings in English (README: "add --lang en for English"). Cause:
    io/results.py:write_results writes ``Report.to_frame`` in Vietnamese and is not given the language.
    """
    make_return(tmp_path, [household(thu_nhap_bq="khoảng 2 triệu")], name="in/11284_2024.xlsx")
    proc = run_hgn("classify", "in", "--out", "kq.xlsx", "--lang", "en", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    wb = openpyxl.load_workbook(tmp_path / "kq.xlsx", read_only=True)
    ws = next(s for s in wb.worksheets if s.title in ("Phát hiện", "Findings"))
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    col = next(i for i, h in enumerate(rows[1]) if h == "message")  # row 2 holds the column keys
    messages = [str(r[col]) for r in rows[2:] if r[col]]
    assert messages
    vietnamese = [m for m in messages if "phải là số" in m or "không phân loại" in m]  # hgn's own words, not data
    assert not vietnamese, vietnamese


def test_validate_report_xlsx_says_written_in_english(tmp_path: Path) -> None:
    """An officer runs `hgn validate in --report-xlsx phat_hien.xlsx --lang en`.

    What happens: the first line printed is 'Đã ghi phat_hien.xlsx, …' in Vietnamese.
    What should happen: "Written: …" as `hgn classify`, `report` and `template` say under --lang en. Cause:
    cli.py:validate calls _note(f"Đã ghi …") without looking at --lang.
    """
    make_return(tmp_path, [household(thu_nhap_bq="khoảng 2 triệu")], name="in/11284_2024.xlsx")
    proc = run_hgn("validate", "in", "--report-xlsx", "phat_hien.xlsx", "--lang", "en", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert "Đã ghi" not in proc.stdout + proc.stderr, proc.stdout


def test_validate_in_vietnamese_has_no_english_column_header(tmp_path: Path) -> None:
    """An officer runs `hgn validate in` (Vietnamese, the default).

    What happens: the summary table's columns are "Tệp | Layout | Số dòng | Lỗi | Cảnh báo": "Layout" is English.
    What should happen: a Vietnamese header (e.g. "Mẫu biểu") — Vietnamese runs have no English. Cause:
    console.py:render_validation hard-codes "Layout" instead of taking it from the T table.
    """
    make_return(tmp_path, name="in/11284_2024.xlsx")
    proc = run_hgn("validate", "in", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Layout" not in proc.stdout, proc.stdout


def test_codes_in_vietnamese_give_severity_in_vietnamese(tmp_path: Path) -> None:
    """An officer runs `hgn codes` (Vietnamese) to look up a code.

    What happens: the column "Mức độ" says "error" / "warning" / "info" (and "Nhóm" says "structure", "value").
    What should happen: "Lỗi" / "Cảnh báo" / "Thông tin", as the validate table and phat_hien.xlsx say them
    (findings.SEVERITY_VI). Cause: findings.py:codes_table returns ``c.severity`` whatever the language.
    """
    proc = run_hgn("codes", cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(ln for ln in proc.stdout.splitlines() if "file-unreadable" in ln)
    cells = [c.strip() for c in re.split(r"[│┃|]", line) if c.strip()]
    assert cells[1] == "Lỗi", line


# ------------------------------------------------------------------------------------------ could-not-run messages
def test_report_on_a_folder_without_results_hints_in_english(tmp_path: Path) -> None:
    """An officer runs `hgn report <folder> --out-dir bc --lang en` on a folder that holds no results.

    What happens: 'Error: … holds no hgn results (households.parquet).' followed by 'Hint: Dùng thư mục do `hgn
    classify --parquet` ghi ra.' — the hint is Vietnamese.
    What should happen: the hint in English. Cause: io/results.py:read_results raises InputError with ``hint``
    but no ``hint_en`` (HgnError then falls back to the Vietnamese hint).
    """
    (tmp_path / "trong").mkdir()
    proc = run_hgn("report", "trong", "--out-dir", "bc", "--lang", "en", cwd=tmp_path)
    # exit 2 (usage), as validate, classify and run give for a folder without returns (round 33: one exit code for
    # "the folder named holds nothing to read", whatever the command)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Hint:" in proc.stderr
    assert not _VI_LETTERS.search(proc.stderr.lower()), proc.stderr


def test_extra_argument_is_explained_in_vietnamese(tmp_path: Path) -> None:
    """An officer types `hgn run "Biểu các xã" "Kết quả" --out kq` (the output folder given twice, as one more
    argument).

    What happens: 'Lỗi: Lệnh chưa đúng: Got unexpected extra argument(s) (ket_qua)' — click's English sentence
    inside the Vietnamese message.
    What should happen: the reason in Vietnamese (e.g. "thừa đối số ket_qua"). Cause: cli.py:_usage_vi has no
    wording for click's extra-argument UsageError and falls back to its English message.
    """
    (tmp_path / "bieu").mkdir()
    proc = run_hgn("run", "bieu", "ket_qua", "--out", "kq", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "unexpected" not in proc.stderr.lower(), proc.stderr


def test_mistyped_command_is_explained_in_vietnamese(tmp_path: Path) -> None:
    """An officer mistypes a command: `hgn valdate bieu`.

    What happens: 'Lỗi: Lệnh chưa đúng: No such command 'valdate'. Did you mean 'validate'?' — English.
    What should happen: Vietnamese, as for a mistyped option ("Không có tuỳ chọn … Có phải là: …?"). Cause:
    cli.py:_usage_vi handles NoSuchOption but not click's NoSuchCommand.
    """
    (tmp_path / "bieu").mkdir()
    proc = run_hgn("valdate", "bieu", cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "no such command" not in proc.stderr.lower(), proc.stderr
    assert "did you mean" not in proc.stderr.lower(), proc.stderr


# ------------------------------------------------------------------------------------------ help and catalogue
def test_every_option_has_a_help_text() -> None:
    """An officer reads `hgn sample --help` / `hgn classify --help`.

    What happens: --seed, --layout and --year of `sample` and --layout of `classify` are listed with no words at
    all ("--seed <int>   [default: 7]").
    What should happen: every option says what it does, in Vietnamese. Cause: cli.py:sample and cli.py:classify
    declare these typer.Option()s without ``help``.
    """
    import typer

    from hgn_review.cli import app

    silent: list[str] = []

    def walk(cmd: object, path: list[str]) -> None:
        subs = getattr(cmd, "commands", None)
        if subs:
            for name, sub in subs.items():
                walk(sub, [*path, name])
            return
        for p in getattr(cmd, "params", []):
            if "--help" not in getattr(p, "opts", []) and not getattr(p, "help", None):
                silent.append(f"{' '.join(path)} {'/'.join(p.opts)}")

    walk(typer.main.get_command(app), ["hgn"])
    assert not silent, silent


def test_every_error_and_warning_has_a_hint() -> None:
    """An officer filters phat_hien.xlsx on errors and warnings and reads the "Cách sửa" column.

    What happens: for sheet-empty (warning), previous-unmatched (warning) and movement-unbalanced (error) the
    column is blank, in both languages.
    What should happen: every finding explained with a hint (this review's brief; design.md §5 "message + hint").
    Cause: findings.py CATALOGUE entries with hint_vi/hint_en left "".
    """
    from hgn_review.findings import CATALOGUE, INFO

    blank = [c.code for c in CATALOGUE.values() if c.severity != INFO and not (c.hint_vi.strip() and c.hint_en.strip())]
    assert not blank, blank


# guard (passes): a finding's English message never names a {placeholder} or "None" for the params the call sites
# pass, and an ID typed in the member sheet still reads as its last four digits in the English JSON.
def test_guard_english_json_messages_are_filled(tmp_path: Path) -> None:
    make_return(tmp_path, [household(so_thanh_vien=3, ma_xa="99999")],
                [member(so_dinh_danh=HEAD_ID[:-1], gioi_tinh="Nữ")], name="in/11284_2024.xlsx")
    proc = run_hgn("validate", "in", "--json", "--lang", "en", cwd=tmp_path)
    import json

    data = json.loads(proc.stdout)
    assert data["findings"]
    for f in data["findings"]:
        assert "{" not in f["message"] and "None" not in f["message"], f
        assert f["hint"], f
