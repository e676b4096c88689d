"""Review 7 (helper): the command line as an officer uses it, and merging across the 1/7/2025 reform.

Each test states a defect found by running `hgn` on sample and hand-built returns; each fails on the code
reviewed. Commune results are made in-process (classify_paths + write_results, what `hgn classify` does) to keep
the tests fast; the command under test is run as an officer would, through `run_hgn` or a subprocess.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import zipfile
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from conftest import HEAD_ID, household, make_id, make_return, member, run_hgn, sample_returns

LINUX = sys.platform.startswith("linux")


# ------------------------------------------------------------------------------------------------ helpers
def _classify(ret: Path, out: Path, **kw: Any) -> Path:
    """What `hgn classify RET --out OUT [--local …]` writes."""
    from hgn_review.io.results import write_results
    from hgn_review.pipeline import classify_paths

    run = classify_paths([ret], **kw)
    write_results(run.results, out)
    return out


def _commune_return(folder: Path, commune: str, *, head_id: str = HEAD_ID, start: str | None = "Không") -> Path:
    """One household of ``commune`` (its 1980-born male head), near-poor under the national standard."""
    code = f"{commune}-0001"
    hh = {**household(), "ma_ho": code, "ma_xa": commune, "phan_loai_dau_ky": start}
    return make_return(folder, households=[hh], members=[{**member(), "ma_ho": code, "so_dinh_danh": head_id}],
                       name=f"{commune}.xlsx")


def _hgn_plain(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`hgn …` with its output going to a file or a pipe, as in `hgn … > log.txt`: no COLUMNS set."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "HGN_DEBUG")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=300, check=False)


def _no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stderr + proc.stdout


@pytest.fixture(scope="module")
def thanh_mien(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Results of two communes of Huyện Thanh Miện (300) before the reform, 11284 and 11287, whose heads share one
    personal ID (the same person recorded in two communes), and a results file of 11287 classified under the
    2027–2030 standard."""
    root = tmp_path_factory.mktemp("thanh_mien")
    rets = root / "returns"
    a = _commune_return(rets, "11284")
    b = _commune_return(rets, "11287")
    res = root / "results"
    res.mkdir()
    return {"returns": rets, "a": _classify(a, res / "11284.xlsx"), "b": _classify(b, res / "11287.xlsx"),
            "b_2027": _classify(b, root / "11287_2027.xlsx", standard="vn-2027-2030")}


# ======================================================================================== (b) merging
def test_merge_terminal_says_it_found_the_same_person_in_two_communes(thanh_mien: dict[str, Path],
                                                                      tmp_path: Path) -> None:
    """The same personal ID in 11284 and 11287 is found by the merge (two id-duplicate-batch errors, in the
    workbook's "Phát hiện" sheet and in --json), but the terminal summary of `hgn merge` says nothing of it:
    "Đối chiếu: khớp", exit 0, no count of errors — unlike `hgn classify` ("Phát hiện: x lỗi, y cảnh báo") and
    `hgn run` ("Lỗi / cảnh báo"). An officer never learns a person is counted in two communes.
    (console.py `render_merge` prints no findings.)"""
    proc = run_hgn("merge", thanh_mien["a"], thanh_mien["b"], "--out", tmp_path / "huyen.xlsx", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode in (0, 1)
    js = run_hgn("merge", thanh_mien["a"], thanh_mien["b"], "--out", tmp_path / "h2.xlsx", "--json", cwd=tmp_path)
    assert '"error": 2' in js.stdout  # the merge does find them
    assert "lỗi" in proc.stdout.lower(), proc.stdout


def test_merge_summary_in_vietnamese_has_no_english_level_word(thanh_mien: dict[str, Path], tmp_path: Path) -> None:
    """`hgn merge` in Vietnamese prints "Đơn vị │ 300 Huyện Thanh Miện (district)": the level is the internal
    English word. `hgn run` says "huyện 300 …" (registry.scope); the merge summary does not use it.
    (console.py `render_merge`.)"""
    proc = run_hgn("merge", thanh_mien["a"], thanh_mien["b"], "--out", tmp_path / "ket_qua_huyen.xlsx",
                   cwd=tmp_path)
    _no_traceback(proc)
    assert "Huyện Thanh Miện" in proc.stdout
    assert "(district)" not in proc.stdout and "district" not in proc.stdout


def test_merge_refusal_for_mixed_standards_is_english_in_english_mode(thanh_mien: dict[str, Path],
                                                                      tmp_path: Path) -> None:
    """`hgn merge … --lang en` refusing results of two standards prints "The files use different standards or
    tool versions — chuẩn vn-2022-2025 (…), phiên bản 0.1.0: …": the detail is built in Vietnamese and put in
    the English message. (merge/__init__.py `_check_mixed`.)"""
    proc = run_hgn("merge", thanh_mien["a"], thanh_mien["b_2027"], "--out", tmp_path / "m.xlsx", "--lang", "en",
                   cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 3
    assert "different standards" in proc.stderr
    assert "chuẩn" not in proc.stderr and "phiên bản" not in proc.stderr, proc.stderr


def test_merge_refuses_results_of_two_different_local_standards(tmp_path: Path) -> None:
    """Commune 11284 classified with --local example-bac-ninh (line 1,750,000) and 11287 with a province's own
    local standard (1,900,000): `hgn merge` takes both silently (exit 0, no merge-mixed-inputs, the merged
    "Thông tin" does not even name a local standard) and the district's "Phân loại (chuẩn địa phương)" column
    mixes two standards. README: merge checks "mixed standards"; --allow-mixed "accepts inputs of different
    standards". (merge/__init__.py `_check_mixed` keys on the national standard only; inputs.py `Input` does not
    read local_standard.)"""
    src = resources.files("hgn_review.scoring").joinpath("standards/example-bac-ninh.yaml").read_text("utf-8")
    own = src.replace("id: example-bac-ninh", "id: dia-phuong-hai-duong").replace("1750000", "1900000")
    own_path = tmp_path / "dia-phuong-hai-duong.yaml"
    own_path.write_text(own, encoding="utf-8")
    a = _classify(_commune_return(tmp_path / "in", "11284"), tmp_path / "11284.xlsx", local="example-bac-ninh")
    b = _classify(_commune_return(tmp_path / "in", "11287"), tmp_path / "11287.xlsx", local=str(own_path))
    proc = run_hgn("merge", a, b, "--out", tmp_path / "huyen.xlsx", "--json", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 3, proc.stdout[-400:]


@pytest.fixture(scope="module")
def tran_phu(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The results of 10528 Phường Trần Phú (Thành phố Hải Dương, before the reform): on 1/7/2025 it was split
    ("Nhập một phần") between 10532 Phường Lê Thanh Nghị and 10537 Phường Tân Hưng, so its households wait for a
    decision under --to-2025-units."""
    root = tmp_path_factory.mktemp("tran_phu")
    return _classify(_commune_return(root, "10528"), root / "10528_kq.xlsx")


def test_merge_to_2025_units_says_on_the_terminal_that_households_await_a_decision(tran_phu: Path,
                                                                                   tmp_path: Path) -> None:
    """`hgn merge 10528_kq.xlsx --to-2025-units` leaves the household of the split commune pending ("Chờ quy
    đổi" sheet, crosswalk_pending in --json), but the terminal shows "Số hộ / số người 0 / 0", "Đối chiếu khớp"
    and not a word about the household waiting for a decision (README: "lists partial merges for a decision").
    An officer reading the summary takes the figures as final. (console.py `render_merge` ignores
    crosswalk_pending.)"""
    js = run_hgn("merge", tran_phu, "--to-2025-units", "--out", tmp_path / "tp.xlsx", "--json", cwd=tmp_path)
    assert '"crosswalk_pending"' in js.stdout and '"households": 1' in js.stdout
    proc = run_hgn("merge", tran_phu, "--to-2025-units", "--out", tmp_path / "tp2.xlsx", cwd=tmp_path)
    _no_traceback(proc)
    assert "quy đổi" in proc.stdout.lower(), proc.stdout


def test_readme_documents_the_options_the_merge_and_its_hints_send_officers_to() -> None:
    """README "documents every command, option and exit code", but says nothing of `--mapping` — the only way to
    decide the households a --to-2025-units merge leaves pending; the crosswalk-pending finding's hint says
    "quyết định xã mới theo thôn rồi gộp lại với --mapping" and the CSV (ma_xa_cu, thon, ma_xa_moi) is described
    only in `hgn merge --help` / crosswalk.py — nor of `--as-of`, which eleven messages tell the officer to use
    ("Ghi rõ ngày bằng --as-of …", "Check the commune code or the review date (--as-of)"). (README.md, the
    `hgn merge` and other command rows.)"""
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert "--mapping" in readme
    assert "ma_xa_moi" in readme
    assert "--as-of" in readme


def test_run_over_both_unit_lists_does_not_point_to_an_option_it_refuses(tmp_path: Path) -> None:
    """A district folder holding last year's return of old commune 11284 (reviewed 15/09/2024) and this year's
    return of new commune 10507 Phường Thành Đông (15/09/2025): `hgn run` stops (exit 3, no forms) with "Gợi ý:
    Gộp riêng từng đợt, hoặc dùng --to-2025-units để quy đổi kết quả cũ sang đơn vị mới." — and `hgn run …
    --to-2025-units` answers "No such option: --to-2025-units". The merge's hint is passed through unchanged.
    (pipeline.py `_merge_up` → merge/__init__.py `_check_eras`.)"""
    folder = tmp_path / "in"
    _commune_return(folder, "11284")
    new = {**household(), "ma_ho": "10507-0001", "ma_xa": "10507", "ngay_ra_soat": "15/09/2025"}
    make_return(folder, households=[new], members=[{**member(), "ma_ho": "10507-0001",
                                                    "so_dinh_danh": make_id(serial="004321")}], name="10507.xlsx")
    proc = run_hgn("run", folder, "--out", tmp_path / "out", cwd=tmp_path)
    _no_traceback(proc)
    if "--to-2025-units" in proc.stderr:
        again = run_hgn("run", folder, "--out", tmp_path / "out2", "--to-2025-units", cwd=tmp_path)
        assert "No such option" not in again.stderr, again.stderr


# ================================================================================== (a) command line
def test_report_refuses_a_commune_return_that_is_not_a_results_file(tmp_path_factory: pytest.TempPathFactory,
                                                                    tmp_path: Path) -> None:
    """`hgn report 10507_phuong_cam_thuong.xlsx --out-dir bao_cao` given a commune's return (as `hgn sample` and
    the communes send it, with its "Thông tin" sheet) instead of its results writes all 15 forms and exits 0:
    form 01 reads "Chưa rõ xã", persons 0, poor 0, for the current year, the population list is empty, and the
    notes claim the file has no member data. `hgn merge` refuses the same file ("không có cột Phân loại … đây
    không phải kết quả phân loại", exit 3). (reports/__init__.py `make_report` → io/results.py `read_results`
    accepts any workbook with a "Thông tin" sheet.)"""
    ret = next(sample_returns(tmp_path_factory, "one_return", communes=1, households=5, seed=3).glob("*.xlsx"))
    out = tmp_path / "bao_cao"
    proc = run_hgn("report", ret, "--out-dir", out, cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 3, proc.stdout[-300:]
    assert not list(out.glob("bieu_*.xlsx"))


def test_validate_of_a_folder_without_returns_is_not_clean(tmp_path: Path) -> None:
    """`hgn validate thu_muc_sai` on a folder holding no return (the officer named the wrong folder, or the
    returns are still in a .zip) prints "hgn validate — 0 tệp … Không có lỗi." and exits 0 — a clean result.
    `hgn run` on the same folder says "Không có biểu rà soát nào trong …" (exit 2). (cli.py `validate` /
    validate.py `validate_paths`: nothing checks that a return was found.)"""
    folder = tmp_path / "thu_muc_sai"
    folder.mkdir()
    (folder / "ghi_chu.txt").write_text("returns are in returns.zip", encoding="utf-8")
    proc = run_hgn("validate", folder, cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode in (2, 3), proc.stdout
    assert "Không có lỗi" not in proc.stdout


@pytest.mark.parametrize("what", ["empty folder", "not a workbook"])
def test_classify_without_a_readable_return_names_the_input_not_the_review_date(tmp_path: Path, what: str) -> None:
    """`hgn classify thu_muc_trong --out kq.xlsx` (no return in the folder) and `hgn classify hong.xlsx --out
    kq.xlsx` (a file that is not a workbook) both say "Không xác định được chuẩn nghèo: không có ngày rà soát
    hợp lệ nào. Gợi ý: Ghi "Ngày rà soát" cho các hộ…": the officer is sent to fill in review dates of
    households that do not exist; the folder or file at fault is not named. (pipeline.py `classify_paths`
    chooses the standard before noticing nothing was read.)"""
    if what == "empty folder":
        target = tmp_path / "thu_muc_trong"
        target.mkdir()
    else:
        target = tmp_path / "hong.xlsx"
        target.write_bytes(b"this is not a workbook")
    proc = run_hgn("classify", target, "--out", tmp_path / "kq.xlsx", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode in (2, 3)
    assert "Ngày rà soát" not in proc.stderr, proc.stderr
    assert target.name in proc.stderr, proc.stderr


def test_run_with_its_output_in_the_returns_folder_does_not_hide_the_returns(tmp_path: Path) -> None:
    """`hgn run ho_so --out ho_so` (the officer keeps everything in one folder) marks ho_so as hgn's output folder
    (.hgn-output) before looking for returns, then skips every file under its own output folder and stops with
    "Lỗi: Không có biểu rà soát nào trong ho_so." — false: the return is there. Worse, the hidden mark stays:
    from then on `hgn validate ho_so` reports "hgn validate — 0 tệp … Không có lỗi." (exit 0) and `hgn run ho_so
    --out elsewhere` says there is no return, until someone finds and deletes a hidden file. (pipeline.py
    `run_round`: mark_folder(out_dir) before discover, files under out_dir dropped; io/read.py `discover` skips
    every file of a marked folder.)"""
    folder = tmp_path / "ho_so"
    _commune_return(folder, "11284")
    proc = run_hgn("run", folder, "--out", folder, cwd=tmp_path)
    _no_traceback(proc)
    assert "Không có biểu rà soát nào" not in proc.stderr, proc.stderr
    after = run_hgn("validate", folder, "--json", cwd=tmp_path)
    assert '"files": 1' in after.stdout, after.stdout[:300]


def test_report_written_into_the_returns_folder_does_not_hide_the_returns(tmp_path: Path) -> None:
    """`hgn report ket_qua.xlsx --out-dir .` run in the returns folder (forms beside the returns) leaves the
    folder marked .hgn-output; every later `hgn validate .` says "0 tệp … Không có lỗi." (exit 0) and `hgn run .
    --out ../kq` "Không có biểu rà soát nào trong ." — the commune's return is silently out of the round. The
    forms and lists are marked files already (README: "workbooks hgn wrote are marked"); the folder mark hides
    the officer's returns too. (io/write.py `mark_folder` via reports/__init__.py `make_report`; io/read.py
    `discover`.)"""
    folder = tmp_path / "ho_so"
    ret = _commune_return(folder, "11284")
    res = _classify(ret, tmp_path / "ket_qua.xlsx")
    before = run_hgn("validate", ".", "--json", cwd=folder)
    assert '"files": 1' in before.stdout
    rep = run_hgn("report", res, "--out-dir", ".", cwd=folder)
    # refused, saying why (the CSV lists it would write there could not be told from returns): nothing written
    assert rep.returncode == 2 and "biểu rà soát" in rep.stderr and "Traceback" not in rep.stderr
    assert not list(folder.glob("bieu_*.xlsx"))
    after = run_hgn("validate", ".", "--json", cwd=folder)
    assert '"files": 1' in after.stdout, after.stdout[:300]
    assert after.returncode == before.returncode


def test_sample_with_a_negative_seed_is_a_usage_error(tmp_path: Path) -> None:
    """`hgn sample --seed -1 --out mau` ends "Lỗi nội bộ của hgn (ValueError: expected non-negative integer)",
    exit 4 — README: 4 is "internal error" (a bug in hgn), 2 is a wrong argument. (cli.py `sample` passes the
    seed to numpy unchecked.)"""
    proc = run_hgn("sample", "--seed", "-1", "--communes", "1", "--households", "2", "--out", tmp_path / "mau",
                   cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 2, proc.stderr
    assert "Lỗi nội bộ" not in proc.stderr


def test_report_with_a_reversed_form_range_does_not_silently_write_no_form(tmp_path: Path,
                                                                           thanh_mien: dict[str, Path]) -> None:
    """`hgn report kq.xlsx --out-dir bc --forms 3-1` writes no form at all, only the lists and report.html, and
    exits 0 without a word. A range written backwards is either forms 1–3 or a usage error (like --forms 0 or
    --forms abc). (reports/formdef.py `parse_forms_option`: range(3, 2) is empty.)"""
    out = tmp_path / "bc"
    proc = run_hgn("report", thanh_mien["a"], "--out-dir", out, "--forms", "3-1", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 2 or sorted(p.name for p in out.glob("bieu_*.xlsx")) == [
        "bieu_01.xlsx", "bieu_02.xlsx", "bieu_03.xlsx"], proc.stdout


def test_an_output_in_a_path_through_a_file_gets_a_vietnamese_reason(tmp_path: Path,
                                                                     thanh_mien: dict[str, Path]) -> None:
    """`hgn classify 11284.xlsx --out bao_cao.xlsx/kq.xlsx` (bao_cao.xlsx is a file, not a folder) says "Lỗi:
    Không ghi được …: File exists." and `hgn report … --out-dir bao_cao.xlsx/bc` "Không truy cập được …: Not a
    directory." — the operating system's English text inside the Vietnamese message, and for classify a wrong
    reason (nothing is in the way of the file: a folder on its path is a file). (io/write.py `output_error`,
    cli.py `main`'s OSError branch: `exc.strerror` is shown as is.)"""
    blocker = tmp_path / "bao_cao.xlsx"
    blocker.write_bytes(b"x")
    ret = thanh_mien["returns"] / "11284.xlsx"
    one = run_hgn("classify", ret, "--out", blocker / "kq.xlsx", cwd=tmp_path)
    two = run_hgn("report", thanh_mien["a"], "--out-dir", blocker / "bc", cwd=tmp_path)
    for proc in (one, two):
        _no_traceback(proc)
        assert proc.returncode == 3
        assert not re.search(r"File exists|Not a directory|No such file", proc.stderr), proc.stderr


def test_merge_of_a_file_that_is_not_a_workbook_gives_no_reader_internals(tmp_path: Path) -> None:
    """`hgn merge hong.xlsx --out m.xlsx` (a damaged or renamed file) prints "Lỗi: Không đọc được tệp kết quả
    hong.xlsx: calamine error: Xlsx error: Zip error: invalid Zip archive: Could not find EOCD / Context: / 0:
    Could not open workbook at … / 1: could n" — the reader library's English trace, cut mid-word, in the
    Vietnamese message (`hgn report` says the same). (io/results.py `read_results` quotes str(exc).)"""
    bad = tmp_path / "hong.xlsx"
    bad.write_bytes(b"this is not a workbook")
    for args in (("merge", bad, "--out", tmp_path / "m.xlsx"), ("report", bad, "--out-dir", tmp_path / "bc")):
        proc = run_hgn(*args, cwd=tmp_path)
        _no_traceback(proc)
        assert proc.returncode == 3
        assert "calamine" not in proc.stderr and "Context:" not in proc.stderr, proc.stderr


def test_results_are_not_written_as_xlsx_under_a_csv_name(tmp_path: Path, thanh_mien: dict[str, Path]) -> None:
    """`hgn classify 11284.xlsx --out ket_qua.csv` and `hgn merge … --out tong_hop.csv` write an Excel workbook
    named .csv ("Đã ghi: ket_qua.csv", exit 0); Excel then warns that format and extension differ, and hgn itself
    reports such files as file-extension-mismatch. `hgn template --out x.csv` refuses ("Tệp mẫu phải có đuôi
    .xlsx"). (cli.py `classify` / `merge`: --out is not checked.)"""
    ret = thanh_mien["returns"] / "11284.xlsx"
    for args, out in ((("classify", ret), tmp_path / "ket_qua.csv"),
                      (("merge", thanh_mien["a"], thanh_mien["b"]), tmp_path / "tong_hop.csv")):
        proc = run_hgn(*args, "--out", out, cwd=tmp_path)
        _no_traceback(proc)
        assert proc.returncode == 2 or not zipfile.is_zipfile(out), proc.stdout[-200:]


def test_template_does_not_replace_a_filled_return(tmp_path: Path) -> None:
    """`hgn template --commune 11284 --year 2024 --out 11284.xlsx` in the returns folder replaces the commune's
    filled return (its households and members) with a blank form, exit 0, "Đã ghi 11284.xlsx". README: inputs
    are never modified, and workbooks hgn wrote are marked — so hgn can tell its own output from an officer's
    workbook, but writes over either. (template.py `_save_atomic`; io/write.py `atomic_path` has the same gap
    for classify/merge --out.)"""
    ret = _commune_return(tmp_path, "11284")
    before = ret.read_bytes()
    proc = run_hgn("template", "--commune", "11284", "--year", "2024", "--out", ret, cwd=tmp_path)
    _no_traceback(proc)
    assert ret.read_bytes() == before, proc.stdout
    assert proc.returncode != 0


# ----------------------------------------------------------------------------------------- --lang en
def test_every_command_takes_lang_en(tmp_path: Path) -> None:
    """README: "Messages are in Vietnamese; add --lang en for English." `hgn template … --lang en`, `hgn sample
    … --lang en` and `hgn standard show … --lang en` stop with "No such option: --lang" (exit 2): an officer (or
    a script) using English everywhere cannot run them. (cli.py: `template`, `sample`, `standard_*` have no
    LangOpt.)"""
    calls = [("template", "--commune", "11284", "--year", "2024", "--out", tmp_path / "t.xlsx"),
             ("sample", "--communes", "1", "--households", "2", "--out", tmp_path / "mau"),
             ("standard", "show", "vn-2022-2025")]
    for call in calls:
        proc = run_hgn(*call, "--lang", "en", cwd=tmp_path)
        assert "No such option" not in proc.stderr, (call[0], proc.stderr)
        assert proc.returncode == 0, (call[0], proc.stderr)


def test_a_missing_or_wrong_option_is_explained_in_vietnamese(tmp_path: Path) -> None:
    """The commonest slips — `hgn classify 11284.xlsx` without --out, `hgn merge` without inputs, `hgn validate .
    --fail-on loi` — are answered by click in English only: "Error: Missing option '--out'.", "Error: Missing
    argument 'inputs'.", "Invalid value for '--fail-on': Value error, 'loi' is not one of 'error', 'warning'."
    Every other message is Vietnamese by default (README: "Messages are in Vietnamese"). (cli.py `main`: typer's
    usage errors are shown with their own `show()`.)"""
    calls = [("classify", "11284.xlsx"), ("merge", "--out", "m.xlsx"), ("validate", ".", "--fail-on", "loi")]
    for call in calls:
        proc = run_hgn(*call, cwd=tmp_path)
        _no_traceback(proc)
        assert proc.returncode == 2
        assert "Lỗi" in proc.stderr and not re.search(r"Missing (option|argument)|Invalid value", proc.stderr), \
            proc.stderr


def test_run_in_english_has_no_vietnamese_stage_names_or_notes(tmp_path: Path) -> None:
    """`hgn run in --out out --lang en` prints the stages "đọc, kiểm tra, phân loại", "kiểm tra toàn bộ", "tổng
    hợp", "biểu mẫu, danh sách" and the note "• Tổng hợp chưa đủ: thiếu 16 đơn vị (…)" in Vietnamese.
    (pipeline.py `run_round` names stages and notes in Vietnamese only; console.py `render_run` prints them.)"""
    _commune_return(tmp_path / "in", "11284")
    proc = run_hgn("run", tmp_path / "in", "--out", tmp_path / "out", "--lang", "en", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 0
    assert "Where the outputs are" in proc.stdout
    for vi in ("kiểm tra", "tổng hợp", "biểu mẫu", "Tổng hợp chưa đủ", "thiếu"):
        assert vi not in proc.stdout, vi


def test_report_in_english_has_no_vietnamese_notes(tmp_path: Path) -> None:
    """`hgn report kq.xlsx --out-dir bc --lang en` on a commune whose near-poor household has no start-of-period
    class prints "Written: …" and then "• 1 hộ cận nghèo cuối kỳ chưa rõ phân loại đầu kỳ." in Vietnamese.
    (reports/view.py notes are Vietnamese only; cli.py `report` echoes them.)"""
    res = _classify(_commune_return(tmp_path / "in", "11284", start=None), tmp_path / "kq.xlsx")
    proc = run_hgn("report", res, "--out-dir", tmp_path / "bc", "--lang", "en", cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 0
    assert "Written:" in proc.stdout
    notes = [line for line in proc.stdout.splitlines() if line.startswith("•")]
    assert notes, proc.stdout  # the note is there …
    assert not [n for n in notes if re.search(r"[ạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹđ]", n)], notes


# ---------------------------------------------------------------------------------- not a terminal
def test_output_to_a_file_keeps_ids_and_file_names_whole(tmp_path: Path) -> None:
    """`hgn standard list > chuan.txt` prints the local standard's ID as "example-bac-ni…", the ID an officer
    must copy into --local; `hgn validate … > log.txt` names the file of each finding
    "11284_xa_chi_lang_nam_b…" — two returns of one commune are then indistinguishable. README: console.py
    renders "plain text when not a terminal"; it renders 80-column rich tables that cut cells instead.
    (console.py `out = Console(...)`, `table`.)"""
    listed = _hgn_plain("standard", "list", cwd=tmp_path)
    assert listed.returncode == 0
    assert "example-bac-ninh" in listed.stdout, listed.stdout
    bad_id = make_id(serial="001234")[:11]  # 11 digits: one error in the findings table
    name = "11284_xa_chi_lang_nam_ban_sua_lan_2.xlsx"
    make_return(tmp_path, members=[{**member(), "so_dinh_danh": bad_id}], name=name)
    proc = _hgn_plain("validate", tmp_path / name, cwd=tmp_path)
    _no_traceback(proc)
    assert proc.returncode == 1
    findings_part = proc.stdout.split("Các phát hiện đầu tiên", 1)[-1]  # below the per-file table
    assert name in findings_part, proc.stdout


# ---------------------------------------------------------------------------------------- Ctrl-C
def _wait(pid: int, ready: Any, limit: float = 60.0) -> bool:
    t0 = time.time()
    while time.time() - t0 < limit:
        try:
            if ready(pid):
                return True
        except (FileNotFoundError, ProcessLookupError):
            return False
        time.sleep(0.002)
    return False


def _interrupt(args: list[str], ready: Any, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", "COLUMNS": "250"}
    env.pop("HGN_DEBUG", None)
    p = subprocess.Popen([sys.executable, "-m", "hgn_review", *args], cwd=cwd, env=env, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, encoding="utf-8")
    try:
        assert _wait(p.pid, ready), "the command never reached the state to interrupt"
        p.send_signal(signal.SIGINT)
        out, err = p.communicate(timeout=60)
    finally:
        if p.poll() is None:
            p.kill()
            p.communicate()
    return subprocess.CompletedProcess(args, p.returncode, out, err)


@pytest.mark.skipif(not LINUX, reason="reads /proc to interrupt at a known point")
def test_ctrl_c_while_reading_says_that_it_stopped(tmp_path: Path) -> None:
    """Ctrl-C while `hgn validate` reads a return (here a named pipe no one writes, so the read waits where a
    large return on a slow share would) ends with exit 130 and nothing at all on the terminal: cli.py `main` has
    "Đã dừng theo yêu cầu." for KeyboardInterrupt, but typer turns the interrupt into Exit(130) first, so that
    branch never runs. (Exit 130 is not among README's exit codes either.)"""
    fifo = tmp_path / "10507.xlsx"
    os.mkfifo(fifo)
    proc = _interrupt(["validate", str(fifo)],
                      lambda pid: Path(f"/proc/{pid}/wchan").read_text() == "wait_for_partner", tmp_path)
    _no_traceback(proc)
    assert "Đã dừng" in proc.stderr, (proc.returncode, proc.stderr)


@pytest.mark.skipif(not LINUX, reason="reads /proc to interrupt at a known point")
def test_ctrl_c_right_after_enter_prints_no_traceback(tmp_path: Path) -> None:
    """Ctrl-C in the first tenth of a second (the officer sees the wrong folder name just after pressing Enter)
    prints a 30-line Python traceback ending in "KeyboardInterrupt", from numpy's import: cli.py `main` imports
    the console (rich, pandas) before its try, and the interrupt is not handled there. README: no traceback."""
    def loading_numpy(pid: int) -> bool:
        return "_multiarray_umath" in Path(f"/proc/{pid}/maps").read_text()

    proc = _interrupt(["validate", str(tmp_path)], loading_numpy, tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr[-600:]


@pytest.mark.skipif(not LINUX, reason="interrupts at a known point by watching the output files")
def test_ctrl_c_during_a_rerun_does_not_leave_new_forms_beside_the_old_summary(tmp_path: Path) -> None:
    """A round re-run after commune 11287's return was withdrawn and stopped with Ctrl-C once the forms are
    written: exit 130, no message, and bao_cao/ now holds the new forms (form 01 has Xã Thanh Giang among the
    communes without data) beside the previous run's report.html and README.txt, which still count 11287. Each
    file was written whole, but the folder is half new, half old, and nothing says so. (pipeline.py `run_round`
    replaces the outputs one by one in place; io/write.py `refuse_locked` avoids exactly this state, for a locked
    file only.)"""
    folder = tmp_path / "in"
    _commune_return(folder, "11284")
    _commune_return(folder, "11287", head_id=make_id(serial="005678"))
    out = tmp_path / "out"
    first = run_hgn("run", folder, "--out", out, cwd=tmp_path)
    assert first.returncode == 0
    html = out / "bao_cao" / "report.html"
    old_html = html.stat().st_mtime_ns
    (folder / "11287.xlsx").unlink()
    time.sleep(0.05)

    def forms_rewritten(_pid: int) -> bool:
        try:  # bao_cao/ is absent for an instant while the staged outputs are put in place: not yet, look again
            return (out / "bao_cao" / "bieu_15.xlsx").stat().st_mtime_ns > old_html
        except FileNotFoundError:
            return False

    proc = _interrupt(["run", str(folder), "--out", str(out)], forms_rewritten, tmp_path)
    _no_traceback(proc)
    forms_new = (out / "bao_cao" / "bieu_01.xlsx").stat().st_mtime_ns > old_html
    html_new = html.stat().st_mtime_ns > old_html
    assert forms_new == html_new, (proc.returncode, forms_new, html_new)
