"""Review 9: hostile files and environment.

Bad input must give a clear finding or error, in Vietnamese, with a hint that helps, and an exit code — never a
traceback, never a silent loss; inputs are never modified; outputs are written whole. Each test builds the
smallest folder of returns that shows the defect (conftest's ``make_return``) and runs hgn as an officer would.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import unicodedata
import zipfile
from pathlib import Path

import pytest

from conftest import (
    COMMUNE,
    COMMUNE_2,
    _write_cfb,
    household,
    make_return,
    member,
    run_hgn,
    sheet_grid,
)

# the words of the reader libraries' own English messages (openpyxl, zipfile, calamine, expat)
READER_INTERNALS = ("openpyxl", "xlrd", "zip file", "calamine", "Content_Types", "partial character", "archive")


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]


def validate_json(*args: object, cwd: Path) -> tuple[int, dict]:
    proc = run_hgn("validate", *args, "--json", cwd=cwd, timeout=120)
    no_traceback(proc)
    return proc.returncode, json.loads(proc.stdout)


def good_return(folder: Path, name: str = "11284_2024.xlsx") -> Path:
    """One valid household of commune 11284 and its head."""
    return make_return(folder, name=name)


def half_broken_return(folder: Path, name: str = "11287_2024.xlsx") -> Path:
    """Commune 11287: four households — one fine, one with a commune code not in the list, one with the code
    left blank, one without members."""
    hh = [household(ma_ho="11287-0001", ma_xa=COMMUNE_2), household(ma_ho="11287-0002", ma_xa="99999"),
          household(ma_ho="11287-0003", ma_xa=None), household(ma_ho="11287-0004", ma_xa=COMMUNE_2)]
    mm = [member(ma_ho="11287-0001", so_dinh_danh="030080001236"),
          member(ma_ho="11287-0002", so_dinh_danh="030080001237"),
          member(ma_ho="11287-0003", so_dinh_danh="030080001238")]
    return make_return(folder, hh, mm, name=name)


def truncated(src: Path, dest: Path) -> Path:
    """The first half of a workbook: an e-mail attachment cut short."""
    data = src.read_bytes()
    dest.write_bytes(data[: len(data) // 2])
    return dest


# ------------------------------------------------------------------------------------------ hostile files
def _html_xls(path: Path) -> None:
    # what Vietnamese web software writes for "Xuất Excel": an HTML table under an .xls name (Excel opens it)
    path.write_text('<html xmlns:x="urn:schemas-microsoft-com:office:excel"><head><meta charset="utf-8"></head>'
                    "<body><table><tr><td>Mã hộ</td><td>Họ tên chủ hộ</td><td>Mã xã</td></tr>"
                    "<tr><td>11287-0001</td><td>Lê Văn Cường</td><td>11287</td></tr></table></body></html>",
                    encoding="utf-8")


def _spreadsheetml_xls(path: Path) -> None:
    # "XML Spreadsheet 2003", the other export of web software, also under an .xls name
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><?mso-application progid="Excel.Sheet"?>'
                    '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
                    'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet ss:Name="Hộ gia đình">'
                    '<Table><Row><Cell><Data ss:Type="String">Mã hộ</Data></Cell></Row></Table></Worksheet>'
                    "</Workbook>", encoding="utf-8")


def _zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _truncated_xlsx(path: Path) -> None:
    truncated(good_return(path.parent / "src"), path)


def _encrypted_xlsx(path: Path) -> None:
    _write_cfb(path, "EncryptedPackage", os.urandom(6000))  # how Excel stores a workbook with an open password


def _damaged_sheet_xlsx(path: Path) -> None:
    # a zip whose members sheet stops half-way (a sync tool cut it): the package opens, the sheet does not parse
    src = make_return(path.parent / "src", [household(ma_ho=f"11284-{i:04d}") for i in range(1, 21)],
                      [member(ma_ho=f"11284-{i:04d}", so_dinh_danh=f"0300800{i:05d}") for i in range(1, 21)])
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]
            zout.writestr(info, data)


HOSTILE = {
    "html-table-named-xls": ("11287_2024.xls", _html_xls),
    "xml-spreadsheet-2003-named-xls": ("11287_2024.xls", _spreadsheetml_xls),
    "zero-byte-xlsx": ("11287_2024.xlsx", _zero_bytes),
    "truncated-xlsx": ("11287_2024.xlsx", _truncated_xlsx),
    "password-protected-xlsx": ("11287_2024.xlsx", _encrypted_xlsx),
    "xlsx-with-a-damaged-sheet": ("11287_2024.xlsx", _damaged_sheet_xlsx),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_unreadable_return_is_explained_without_the_reader_library_message(tmp_path: Path, kind: str) -> None:
    """The officer runs `hgn validate` on a commune's return that cannot be read: an HTML table or an "XML
    Spreadsheet 2003" saved as .xls by web software, an empty (0-byte) or truncated e-mail attachment, a workbook
    with an open password, a workbook whose sheet was cut half-way.
    Now: the finding reads "Không đọc được tệp: " followed by the reader library's English developer text —
    "openpyxl does not support the old .xls file format, please use xlrd to read this file …" (the officer is told
    to use a Python library), "File is not a zip file" (for an empty file, a cut one, a password-protected one),
    "partial character: line 1, column 7261".
    Must: a Vietnamese reason the officer and the commune can act on, with no reader internals (design.md §3:
    messages are Vietnamese; the same was fixed for `hgn merge`/`hgn report`, test_review7_cli
    `test_merge_of_a_file_that_is_not_a_workbook_gives_no_reader_internals`, and for .xlsx named .xls,
    test_review6_inputs "xlrd" not in the report).
    (io/read.py `read_return`: `finding("file-unreadable", detail=_short(exc))` quotes the exception text.)"""
    folder = tmp_path / "in"
    folder.mkdir()
    name, make = HOSTILE[kind]
    make(folder / name)
    rc, rep = validate_json(folder / name, cwd=tmp_path)
    assert rc == 1
    found = [f for f in rep["findings"] if f["code"] == "file-unreadable"]
    assert found, rep["findings"]
    text = found[0]["message"] + " " + (found[0].get("hint") or "")
    assert not [w for w in READER_INTERNALS if w.lower() in text.lower()], text


def test_password_protected_return_is_said_to_be_password_protected(tmp_path: Path) -> None:
    """The officer runs `hgn validate` on a return the commune protected with a password (Excel stores it as an
    OLE2 file holding an "EncryptedPackage" stream).
    Now: "Không đọc được tệp: File is not a zip file", hint "Mở tệp bằng Excel, lưu lại dưới dạng .xlsx rồi gửi
    lại" — Excel asks for a password the district does not have, and "Save as" keeps the password.
    Must: say the file is protected by a password (mật khẩu) so that the commune is asked to send it without one
    (the brief: a clear finding with a hint that helps; README: "tells the commune exactly which cell to fix").
    (io/read.py `_Book` / `read_return`: an OLE2 file is tried as .xls and as a zip; encryption is never
    recognised, though the comment in `read_return` knows "an encrypted .xlsx is an OLE2 file too".)"""
    path = tmp_path / "11284_2024.xlsx"
    _encrypted_xlsx(path)
    rc, rep = validate_json(path, cwd=tmp_path)
    assert rc == 1
    found = [f for f in rep["findings"] if f["file"].endswith("11284_2024.xlsx") and f["severity"] == "error"]
    assert found, rep["findings"]
    assert "mật khẩu" in (found[0]["message"] + " " + (found[0].get("hint") or "")).lower(), found[0]


def test_empty_returns_of_two_communes_are_each_unreadable_not_copies_of_each_other(tmp_path: Path) -> None:
    """Two communes' attachments arrived empty (0 bytes: the mail client failed twice); the officer runs
    `hgn validate` on the folder.
    Now: 11287_2024.xlsx gets the error "Không đọc được tệp", but 11290_2024.xlsx only a warning
    "Tệp trùng nội dung với tệp 11287_2024.xlsx; chỉ xử lý một lần", hint "Xóa bản sao khỏi thư mục" — the officer
    is told to delete commune 11290's return as a copy of another commune's, and 11290 has no error at all.
    Must: each empty file is its own unreadable return (an error naming it); two files with nothing in them are
    not copies of one another (README: hgn "tells the commune exactly which cell to fix"; the brief: never a
    silent loss).
    (validate.py / pipeline.py: duplicate files found by equal SHA-256, also for files that could not be read.)"""
    folder = tmp_path / "in"
    folder.mkdir()
    good_return(folder)
    (folder / "11287_2024.xlsx").write_bytes(b"")
    (folder / "11290_2024.xlsx").write_bytes(b"")
    rc, rep = validate_json(folder, cwd=tmp_path)
    assert rc == 1
    for name in ("11287_2024.xlsx", "11290_2024.xlsx"):
        mine = [f for f in rep["findings"] if Path(f["file"]).name == name]
        assert any(f["severity"] == "error" for f in mine), (name, mine)
        assert not any(f["code"] == "file-duplicate" for f in mine), (name, mine)


def test_zip_of_returns_in_the_folder_is_not_skipped_in_silence(tmp_path: Path) -> None:
    """The officer saves the e-mail attachments into one folder — a commune sent its return zipped
    (11287_2024.zip) — and runs `hgn validate` on the folder.
    Now: "hgn validate — 1 tệp … Không có lỗi.", exit 0: the zip (and the return in it) is passed over without a
    word; the officer believes every commune was checked.
    Must: the file is named somewhere in what hgn says (a finding or a note: not read, unzip it) — README:
    "checks every return in one pass"; the brief: never a silent skip.
    (io/read.py `discover`: files whose suffix is not in READABLE_SUFFIXES are dropped without being reported.)"""
    folder = tmp_path / "in"
    folder.mkdir()
    good_return(folder)
    inner = half_broken_return(tmp_path / "zip_src")
    with zipfile.ZipFile(folder / "11287_2024.zip", "w") as zf:
        zf.write(inner, inner.name)
    proc = run_hgn("validate", folder, cwd=tmp_path, timeout=120)
    no_traceback(proc)
    assert "11287_2024.zip" in proc.stdout + proc.stderr, proc.stdout


def test_run_names_the_unreadable_return_on_the_terminal_and_in_readme(tmp_path: Path) -> None:
    """The officer runs `hgn run` on a folder with a good return (11284, 1 household), a half-broken one (11287:
    4 households, one with an unknown commune code, one with none, one without members) and a return cut short
    in the mail (11290_2024.xlsx).
    Now: exit 0; the terminal says "Lỗi / cảnh báo 6 / 0" and README.txt's "Lưu ý" lists only the missing units:
    neither names 11290_2024.xlsx, so the commune whose return was not read is counted as merely "missing" and
    nobody asks it to send the file again. (The 5 households that were read are all in the results.)
    Must: the terminal and README.txt name the return that could not be read — README: returns the merge cannot
    take are "reported and left out, never silently"; the brief: console/README must name each unreadable file.
    (pipeline.py `run_round`: a `file-not-merged` note is added only for a return with households; an unreadable
    return has none, so it gets no note.)"""
    import pyarrow.parquet as pq

    folder = tmp_path / "Biểu các xã"
    folder.mkdir()
    good_return(folder)
    half_broken_return(folder)
    truncated(good_return(tmp_path / "src", "x.xlsx"), folder / "11290_2024.xlsx")
    out = tmp_path / "Kết quả 2026"
    proc = run_hgn("run", folder, "--out", out, cwd=tmp_path, timeout=300)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    # guard (passes): every household of the returns that were read is in the results
    assert pq.read_table(out / "ket_qua" / "households.parquet").num_rows == 1 + 4
    assert "11290_2024.xlsx" in proc.stdout, proc.stdout
    assert "11290_2024.xlsx" in (out / "README.txt").read_text("utf-8")


def test_classify_names_the_unreadable_return_on_the_terminal(tmp_path: Path) -> None:
    """The officer runs `hgn classify "Biểu các xã" --out ket_qua.xlsx` on a folder with a good return and one cut
    short in the mail.
    Now: exit 0, "Phát hiện: 1 lỗi, 0 cảnh báo / Đã ghi: ket_qua.xlsx" — the terminal does not say that a whole
    return was not read (its households are simply absent from the totals on screen).
    Must: the terminal names the return that could not be read, as `hgn validate` does in its table ("không đọc
    được") — README: households are "never silently absent"; the brief: the console must name each unreadable
    file. (cli.py `classify`: only the counts of findings are printed.)"""
    folder = tmp_path / "in"
    folder.mkdir()
    good_return(folder)
    truncated(good_return(tmp_path / "src", "x.xlsx"), folder / "11290_2024.xlsx")
    proc = run_hgn("classify", folder, "--out", tmp_path / "ket_qua.xlsx", cwd=tmp_path, timeout=120)
    no_traceback(proc)
    assert "11290_2024.xlsx" in proc.stdout + proc.stderr, proc.stdout


# ------------------------------------------------------------------------------------------ names
def test_highlighted_copy_of_a_return_with_a_long_vietnamese_name_is_written(tmp_path: Path) -> None:
    """A commune names its return in full, and it was saved on a Mac (file name in decomposed Unicode, NFD: each
    toned vowel 3–5 bytes) — a legal name of 245 bytes; the officer runs `hgn validate DIR --report-xlsx
    phat_hien.xlsx` and the return has an error.
    Now: exit 3 "Không ghi được …_loi.xlsx: đường dẫn quá dài. Gợi ý: Kiểm tra đường dẫn và quyền ghi" — after
    phat_hien.xlsx is written; no highlighted copy of any return is written (the loop stops at this one), and
    the hint points at a name the officer did not choose.
    Must: the copy is written (under a name that fits), or at least the other copies are and the command
    completes — README: `--report-xlsx` writes "a copy of each failing return with the offending cells
    highlighted"; an output that cannot be written is for a file the officer can do something about.
    (io/write.py `write_findings_xlsx` names the copy "<stem>_loi.xlsx" and `atomic_path` adds ".<stem>." …
    ".xlsx.part" for its temporary file: 24 bytes more than the return's own name.)"""
    folder = tmp_path / "in"
    folder.mkdir()
    stem = unicodedata.normalize("NFD", "Biểu rà soát hộ nghèo, hộ cận nghèo năm 2024 - xã Chi Lăng Nam, "
                                        "huyện Thanh Miện, tỉnh Hải Dương (đã sửa lần 2)")
    stem += "_" * (240 - len(stem.encode()))
    assert len((stem + ".xlsx").encode()) == 245  # below every file system's limit of 255
    make_return(folder, [household(thu_nhap_bq="abc")], name=stem + ".xlsx")
    half_broken_return(folder)
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()}
    proc = run_hgn("validate", folder, "--report-xlsx", tmp_path / "phat_hien.xlsx", cwd=tmp_path, timeout=120)
    no_traceback(proc)
    assert {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.iterdir()} == before
    assert proc.returncode == 1, proc.stderr
    copies = sorted(p.name for p in (tmp_path / "phat_hien_ban_sao").glob("*.xlsx"))
    assert len(copies) == 2, copies


def test_highlighted_copy_of_a_return_whose_name_is_not_utf8_is_written(tmp_path: Path) -> None:
    """A district unzips the communes' returns on Linux from an archive made on Windows: the file name keeps
    its Windows code-page bytes ("X\\xe3 Chi L\\xe3ng.xlsx"). The officer runs `hgn validate DIR --report-xlsx
    phat_hien.xlsx`; the return has an error.
    Now: the finding names the file with escapes (io/read.py `display_name`, as intended), but no highlighted
    copy is written and nothing says so: the folder phat_hien_ban_sao is not even created.
    Must: the copy is written like any other return's (README: `--report-xlsx` writes "a copy of each failing
    return").
    (cli.py `validate`: `copies = {r.path: Path(r.path)}` — r.path is the display name, a path that does not
    exist for such a file; io/write.py `_highlighted_copy` then returns False without a word.)"""
    folder = tmp_path / "in"
    folder.mkdir()
    src = make_return(folder, [household(thu_nhap_bq="abc")], name="tmp.xlsx")
    os.rename(os.fsencode(src), os.fsencode(folder) + b"/X\xe3 Chi L\xe3ng.xlsx")
    proc = run_hgn("validate", folder, "--report-xlsx", tmp_path / "phat_hien.xlsx", cwd=tmp_path, timeout=120)
    no_traceback(proc)
    assert proc.returncode == 1, proc.stderr
    assert len(list((tmp_path / "phat_hien_ban_sao").glob("*.xlsx"))) == 1


# ------------------------------------------------------------------------------------------ other formats
def test_households_csv_saved_under_an_xls_name_is_read_or_told_to_be_renamed(tmp_path: Path) -> None:
    """Web software's "Xuất Excel" writes comma-separated text under an .xls name (or a commune renames its
    .csv); the officer runs `hgn validate` on it.
    Now: "Không đọc được tệp: openpyxl does not support the old .xls file format, please use xlrd …", hint "Mở
    tệp bằng Excel, lưu lại dưới dạng .xlsx" — yet the same bytes named .csv are read (README: ".xls/.ods/.csv"
    returns), and a real .xlsx named .xls is read by its content.
    Must: read it by its content like the .xls/.xlsx swap (file-extension-mismatch), or say it is a CSV text file
    to rename to .csv. (io/read.py `_content_suffix` knows only zip and OLE2 signatures.)"""
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows(sheet_grid("households", [household(ma_xa=COMMUNE)]))
    path = tmp_path / "11284_2024.xls"
    path.write_text(buf.getvalue(), encoding="utf-8-sig")
    _rc, rep = validate_json(path, cwd=tmp_path)
    pf = rep["summary"]["per_file"][0]
    said = " ".join(f["message"] + " " + (f.get("hint") or "") for f in rep["findings"])
    assert (pf["readable"] and pf["layout"] == "hgn") or ".csv" in said, said


# ------------------------------------------------------------------------------------------ inputs untouched
def test_no_command_changes_a_byte_or_a_time_of_any_input(tmp_path: Path) -> None:
    """# guard (passes): README "inputs are never modified". The officer runs, on one folder holding a good
    return, a half-broken one, a truncated one, an HTML table named .xls, Excel's and macOS's lock files,
    Thumbs.db and desktop.ini: `hgn validate --report-xlsx` (highlighted copies), `hgn classify` and `hgn run
    --commune-workbooks`. Every file of the folder keeps its bytes and its modification time, and nothing is
    added to the folder."""
    folder = tmp_path / "Biểu các xã"
    folder.mkdir()
    good_return(folder)
    half_broken_return(folder)
    truncated(good_return(tmp_path / "src", "x.xlsx"), folder / "11290_2024.xlsx")
    _html_xls(folder / "11293_2024.xls")
    (folder / "~$11284_2024.xlsx").write_bytes(b"\x00" * 165)
    (folder / "._11284_2024.xlsx").write_bytes(b"\x00\x05\x16\x07" + b"\x00" * 100)
    (folder / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500)
    (folder / "desktop.ini").write_text("[.ShellClassInfo]\n")

    def state() -> dict[str, tuple[str, int]]:
        return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
                for p in folder.iterdir()}

    before = state()
    out = tmp_path / "Kết quả"
    for args in (("validate", folder, "--report-xlsx", out / "phat_hien.xlsx"),
                 ("classify", folder, "--out", out / "ket_qua.xlsx"),
                 ("run", folder, "--out", out / "vong", "--commune-workbooks")):
        proc = run_hgn(*args, cwd=tmp_path, timeout=300)
        no_traceback(proc)
        assert proc.returncode in (0, 1), proc.stderr
        assert state() == before, args[0]
    assert list((out / "phat_hien_ban_sao").glob("*_loi.xlsx"))  # the copies were written (beside, not over)
