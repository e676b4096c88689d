"""`hgn validate` end to end, as an officer runs it: exit codes, JSON on stdout, English messages, the findings
workbook with highlighted copies, no traceback, and personal ID numbers kept out of the summary."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from conftest import HEAD_ID, HH_SHEET, MM_SHEET, household, make_id, make_return, member

CHILD_ID = make_id(birth_year=2010, serial="777777")


def hgn(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m hgn_review …` in a wide, non-interactive terminal and capture its output."""
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("HGN_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "hgn_review", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300, check=False)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    """Neither stream shows a Python traceback."""
    for text in (proc.stdout, proc.stderr):
        assert "Traceback" not in text
        assert 'File "' not in text


@pytest.fixture
def returns(tmp_path):
    """Three returns: clean, with two errors, with one warning only."""
    make_return(tmp_path, name="clean.xlsx")
    make_return(tmp_path, [household(thon=None)],
                [member(so_dinh_danh="030180001234"),
                 member(stt=2, quan_he="Con", ho_ten="Nguyễn Văn Bé", ngay_sinh="2010", so_dinh_danh=CHILD_ID)],
                name="bad.xlsx")
    make_return(tmp_path, members=[member(so_dinh_danh=None)], name="warn.xlsx")
    return tmp_path


def test_clean_file_exits_0(returns):
    """A clean return exits 0 and says there is no error."""
    proc = hgn("validate", "clean.xlsx", cwd=returns)
    assert proc.returncode == 0, proc.stderr
    assert "Không có lỗi." in proc.stdout
    no_traceback(proc)


def test_errors_exit_1(returns):
    """A return with errors exits 1 and lists each finding with its cell."""
    proc = hgn("validate", "bad.xlsx", cwd=returns)
    assert proc.returncode == 1
    assert "bad.xlsx › Hộ gia đình › D2" in proc.stdout
    assert "value-required" in proc.stdout and "id-sex-mismatch" in proc.stdout
    assert 'Ô "Thôn, tổ dân phố" bắt buộc nhưng để trống.' in proc.stdout
    no_traceback(proc)


def test_fail_on_warning(returns):
    """Warnings alone exit 0 by default and 1 with --fail-on warning."""
    assert hgn("validate", "warn.xlsx", cwd=returns).returncode == 0
    proc = hgn("validate", "warn.xlsx", "--fail-on", "warning", cwd=returns)
    assert proc.returncode == 1
    assert "id-missing" in proc.stdout


def test_nonexistent_path_exits_2(returns):
    """A path that does not exist is a usage error: exit 2, a message and a hint, no traceback."""
    proc = hgn("validate", "khong_co.xlsx", cwd=returns)
    assert proc.returncode == 2
    assert "Không tìm thấy: khong_co.xlsx" in proc.stderr
    no_traceback(proc)


def test_unknown_option_exits_2(returns):
    """An unknown option is a usage error: exit 2 without a traceback."""
    proc = hgn("validate", "clean.xlsx", "--khong-co", cwd=returns)
    assert proc.returncode == 2
    no_traceback(proc)


def test_json_stdout_is_only_json(returns):
    """--json prints one JSON document and nothing else on stdout; findings carry cell and message."""
    proc = hgn("validate", "bad.xlsx", "warn.xlsx", "--json", cwd=returns)
    assert proc.returncode == 1
    doc = json.loads(proc.stdout)
    assert set(doc) == {"summary", "findings"}
    assert doc["summary"]["errors"] == 2 and doc["summary"]["warnings"] == 1
    assert doc["summary"]["by_code"] == {"id-missing": 1, "id-sex-mismatch": 1, "value-required": 1}
    got = [(f["file"], f["sheet"], f["cell"], f["code"], f["severity"]) for f in doc["findings"]]
    assert got == [("bad.xlsx", HH_SHEET, "D2", "value-required", "error"),
                   ("bad.xlsx", MM_SHEET, "D2", "id-sex-mismatch", "error"),
                   ("warn.xlsx", MM_SHEET, "D2", "id-missing", "warning")]
    no_traceback(proc)


def test_json_with_report_keeps_stdout_clean(returns, tmp_path):
    """--json with --report-xlsx: the note about written files goes to stderr, stdout stays JSON."""
    proc = hgn("validate", "clean.xlsx", "--json", "--report-xlsx", "out/phat_hien.xlsx", cwd=returns)
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["summary"]["errors"] == 0
    assert "phat_hien.xlsx" in proc.stderr


def test_lang_en_messages(returns):
    """--lang en gives English headings and messages."""
    proc = hgn("validate", "bad.xlsx", "--lang", "en", cwd=returns)
    assert proc.returncode == 1
    assert '"Thôn, tổ dân phố" is required but blank.' in proc.stdout
    assert "First findings" in proc.stdout and "error: value-required" in proc.stdout
    assert "bắt buộc" not in proc.stdout


def test_lang_en_json_messages_have_no_vietnamese_detail(tmp_path):
    """In English every part of a message is English, including the computed detail and suggestions."""
    make_return(tmp_path, [household(ma_xa="11285")],
                [member(so_dinh_danh="030180001234", dan_toc="Kinhh")], name="r.xlsx")
    proc = hgn("validate", "r.xlsx", "--json", "--lang", "en", cwd=tmp_path)
    messages = {f["code"]: f["message"] for f in json.loads(proc.stdout)["findings"]}
    assert set(messages) == {"commune-unknown", "id-sex-mismatch", "value-not-in-list"}
    for code, text in messages.items():
        for vietnamese in ("sinh năm", "phải là", "có phải", "mã gần giống"):
            assert vietnamese not in text, (code, text)


def test_report_xlsx_and_highlighted_copy(returns):
    """--report-xlsx writes a filterable findings sheet and a highlighted, commented copy of the failing
    return in <stem>_ban_sao/, leaving the input untouched."""
    src = returns / "bad.xlsx"
    before, mtime = src.read_bytes(), src.stat().st_mtime_ns
    proc = hgn("validate", "bad.xlsx", "clean.xlsx", "--report-xlsx", "out/phat_hien.xlsx", cwd=returns)
    assert proc.returncode == 1
    report = returns / "out" / "phat_hien.xlsx"
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames == ["Phát hiện"]
    ws = wb["Phát hiện"]
    assert ws.auto_filter.ref == "A1:J3"
    assert [c.value for c in ws[1]] == ["Tệp", "Sheet", "Dòng", "Cột", "Ô", "Mã lỗi", "Mức độ", "Nội dung",
                                        "Cách sửa", "Giá trị"]
    rows = [tuple(c.value for c in r[:7]) for r in ws.iter_rows(min_row=2)]
    assert rows == [("bad.xlsx", HH_SHEET, 2, "Thôn, tổ dân phố", "D2", "value-required", "Lỗi"),
                    ("bad.xlsx", MM_SHEET, 2, "Số định danh cá nhân", "D2", "id-sex-mismatch", "Lỗi")]
    copies = sorted(p.name for p in (returns / "out" / "phat_hien_ban_sao").iterdir())
    assert copies == ["bad_loi.xlsx"]
    copy = openpyxl.load_workbook(returns / "out" / "phat_hien_ban_sao" / "bad_loi.xlsx")
    cell = copy[HH_SHEET]["D2"]
    assert cell.fill.fill_type == "solid" and cell.fill.fgColor.rgb.endswith("FFC7CE")
    assert cell.comment is not None and "[value-required]" in cell.comment.text
    assert copy[MM_SHEET]["D2"].comment is not None
    assert copy[HH_SHEET]["E2"].comment is None and copy[HH_SHEET]["E2"].fill.fill_type is None
    assert copy[HH_SHEET]["A2"].value == "11284-0001"  # the data are copied, not only the marks
    assert src.read_bytes() == before and src.stat().st_mtime_ns == mtime
    assert openpyxl.load_workbook(src)[HH_SHEET]["D2"].comment is None


def test_report_xlsx_in_english(returns):
    """The findings workbook follows --lang."""
    hgn("validate", "bad.xlsx", "--report-xlsx", "r.xlsx", "--lang", "en", cwd=returns)
    ws = openpyxl.load_workbook(returns / "r.xlsx")["Findings"]
    assert ws["A1"].value == "File" and ws["G2"].value == "error"


@pytest.mark.parametrize("content", ["random", "text", "truncated-zip"])
def test_corrupt_file_no_traceback(tmp_path, content):
    """A corrupt .xlsx is reported as unreadable (exit 1) with no traceback in any output."""
    path = tmp_path / "11284.xlsx"
    if content == "random":
        path.write_bytes(random.Random(3).randbytes(4000))
    elif content == "text":
        path.write_text("đây không phải tệp Excel\n", encoding="utf-8")
    else:
        good = make_return(tmp_path, name="good.xlsx").read_bytes()
        good_path = tmp_path / "good.xlsx"
        good_path.unlink()
        path.write_bytes(good[: len(good) // 2])
    for extra in ([], ["--json"], ["--lang", "en"]):
        proc = hgn("validate", "11284.xlsx", *extra, cwd=tmp_path)
        no_traceback(proc)
        assert proc.returncode == 1, (extra, proc.stderr)
        assert "file-unreadable" in proc.stdout


def test_corrupt_file_beside_a_good_one(tmp_path):
    """One unreadable file in a folder does not stop the others from being checked."""
    make_return(tmp_path, [household(thon=None)], name="a.xlsx")
    (tmp_path / "b.xlsx").write_bytes(b"PK\x03\x04" + bytes(200))
    proc = hgn("validate", ".", "--json", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 1
    found = [(Path(f["file"]).name, f["code"]) for f in json.loads(proc.stdout)["findings"]]
    assert found == [("a.xlsx", "value-required"), ("b.xlsx", "file-unreadable")]


def test_ids_not_printed_in_summary(tmp_path):
    """Personal ID numbers never appear whole in the terminal summary, valid or not: an invalid one shows its
    last four characters in its own finding (the findings workbook has it whole, for the officer)."""
    bad_id = "12345678"
    make_return(tmp_path, [household(thon=None)],
                [member(), member(stt=2, quan_he="Con", ho_ten="Nguyễn Văn Bé", ngay_sinh="2010",
                                  so_dinh_danh=CHILD_ID),
                 member(stt=3, quan_he="Con", ho_ten="Nguyễn Thị Bông", gioi_tinh="Nữ", ngay_sinh="2012",
                        so_dinh_danh=bad_id),
                 member(stt=4, quan_he="Con", ho_ten="Nguyễn Văn Cả", ngay_sinh="2014", so_dinh_danh=CHILD_ID)],
                name="r.xlsx")
    for lang in ("vi", "en"):
        proc = hgn("validate", "r.xlsx", "--lang", lang, cwd=tmp_path)
        assert proc.returncode == 1
        out = proc.stdout + proc.stderr
        assert "id-duplicate" in out and "id-birth-year-mismatch" in out
        for pid in (HEAD_ID, CHILD_ID):
            assert pid not in out
        assert bad_id not in out
        lines = [ln for ln in out.splitlines() if "****5678" in ln]
        assert len(lines) == 1 and "id-invalid-format" in lines[0]


def test_max_cells_option(tmp_path):
    """--max-cells lowers the cell limit: a normal return above it is file-too-large (exit 1)."""
    make_return(tmp_path, name="r.xlsx")
    proc = hgn("validate", "r.xlsx", "--max-cells", "10", "--json", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 1
    assert [f["code"] for f in json.loads(proc.stdout)["findings"]] == ["file-too-large"]


def test_bad_as_of_is_usage_error(returns):
    """An unreadable --as-of date is a usage error (exit 2) with a hint."""
    proc = hgn("validate", "clean.xlsx", "--as-of", "31/13/2024", cwd=returns)
    assert proc.returncode == 2
    assert "--as-of" in proc.stderr and "dd/mm/yyyy" in proc.stderr
    no_traceback(proc)
