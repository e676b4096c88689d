"""Review 6: messy real-world commune returns in `hgn validate` and `hgn run`.

Each test starts from `hgn sample` returns (province 30, two communes of district 288, 30 households each, no
injected errors), damages them the way returns arrive from communes, and states what an officer needs. Every
test here failed on the code as reviewed.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import (
    HH_SHEET,
    MM_SHEET,
    fresh_copy,
    household,
    member,
    run_hgn,
    sample_returns,
    sheet_grid,
    write_xls,
)
from hgn_review.legacy import from_unicode
from hgn_review.sample import generate_sample

COMMUNE_A = "10507_phuong_cam_thuong.xlsx"
COMMUNE_B = "10510_phuong_binh_han.xlsx"


# ------------------------------------------------------------------------------------------ helpers
@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two clean commune returns (30 households each), generated once; tests copy them."""
    return sample_returns(tmp_path_factory, "sample", communes=2, households=30, seed=7)


@pytest.fixture
def returns(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the returns in ``tmp_path/in``."""
    return fresh_copy(pristine, tmp_path)


def hgn(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_hgn(*args, cwd=cwd, timeout=300)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    for text in (proc.stdout, proc.stderr):
        assert "Traceback" not in text


def validate_json(*paths: Path, cwd: Path) -> tuple[int, dict]:
    proc = hgn("validate", *paths, "--json", cwd=cwd)
    no_traceback(proc)
    return proc.returncode, json.loads(proc.stdout)


def per_file(report: dict, name: str) -> dict:
    return next(pf for pf in report["summary"]["per_file"] if Path(pf["file"]).name == name)


def sheet_rows(path: Path, sheet: str) -> list[list[object]]:
    """A sheet's cells as an officer would export them (dates as dd/mm/yyyy, blanks as "")."""
    wb = openpyxl.load_workbook(path)
    out = []
    for row in wb[sheet].iter_rows(values_only=True):
        out.append(["" if v is None else (v.strftime("%d/%m/%Y") if hasattr(v, "strftime") else v) for v in row])
    return out


def csv_text(rows: list[list[object]], delimiter: str = ",") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter).writerows(rows)
    return buf.getvalue()


# ------------------------------------------------------------------------------------------ CSV returns
@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le"])
def test_utf16_csv_return_is_read(returns: Path, tmp_path: Path, encoding: str) -> None:
    """A households CSV saved as UTF-16 (Excel's "Unicode Text", many Windows tools; the BOM says so) is decoded
    as cp1258/latin-1 garbage and reported as `layout-unknown`: the officer is told the return is not a review
    return at all and its 30 households are not read. It should be decoded as UTF-16 and read like the UTF-8
    file. (io/read.py `_read_csv_grid` tries only utf-8-sig, cp1258, latin-1.)"""
    folder = tmp_path / "csv"
    folder.mkdir()
    text = csv_text(sheet_rows(returns / COMMUNE_A, HH_SHEET))
    data = text.encode(encoding)
    if encoding == "utf-16-le":
        data = "\ufeff".encode("utf-16-le") + data  # what Excel writes: little-endian with a BOM
    (folder / "10507.csv").write_bytes(data)
    _rc, rep = validate_json(folder, cwd=tmp_path)
    pf = per_file(rep, "10507.csv")
    assert pf["layout"] == "hgn"
    assert sum(pf["rows"].values()) == 30


def test_semicolon_csv_return_is_read(returns: Path, tmp_path: Path) -> None:
    """Excel on a Vietnamese-locale Windows (decimal comma) saves "CSV" with ';' between fields. Such a return is
    read as one column and reported as `layout-unknown`, so the commune's households are silently absent from
    the round. The delimiter should be sniffed (or the file reported with a precise hint). (io/read.py
    `_read_csv_grid` always uses ',')."""
    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "10507.csv").write_bytes(csv_text(sheet_rows(returns / COMMUNE_A, HH_SHEET), ";").encode("utf-8-sig"))
    _rc, rep = validate_json(folder, cwd=tmp_path)
    pf = per_file(rep, "10507.csv")
    assert pf["layout"] == "hgn"
    assert sum(pf["rows"].values()) == 30


# ------------------------------------------------------------------------------------------ file formats
def test_xlsx_saved_with_an_xls_name_is_read(returns: Path, tmp_path: Path) -> None:
    """A real .xlsx whose name ends in .xls (a commune renamed it, or a mail client did) is refused as
    `file-unreadable` with openpyxl's developer message "please use xlrd to read this file": the return is not
    read although nothing is wrong with its content. fastexcel reads it when the format is sniffed from the
    bytes (the PK signature). (io/read.py `_Book` trusts the suffix.)"""
    folder = tmp_path / "x"
    folder.mkdir()
    shutil.copy(returns / COMMUNE_A, folder / "10507.xls")
    _rc, rep = validate_json(folder, cwd=tmp_path)
    pf = per_file(rep, "10507.xls")
    assert pf["readable"] and pf["layout"] == "hgn"
    assert pf["rows"] == {HH_SHEET: 30, MM_SHEET: 107}
    assert "xlrd" not in json.dumps(rep, ensure_ascii=False)


def test_xls_saved_with_an_xlsx_name_is_read(tmp_path: Path) -> None:
    """An Excel 97–2003 workbook named .xlsx ("Save as" keeping the old format, or a renamed file) is reported
    `file-unreadable: File is not a zip file` (an English library message); the same bytes named .xls are read.
    The format should be taken from the content. (io/read.py `_Book`.)"""
    grids = {HH_SHEET: sheet_grid("households", [household()]), MM_SHEET: sheet_grid("members", [member()])}
    write_xls(tmp_path / "r.xlsx", grids)
    _rc, rep = validate_json(tmp_path / "r.xlsx", cwd=tmp_path)
    pf = per_file(rep, "r.xlsx")
    assert pf["readable"] and pf["layout"] == "hgn"
    assert pf["rows"] == {HH_SHEET: 1, MM_SHEET: 1}


# ------------------------------------------------------------------------------------------ sheets
def test_members_sheet_cleared_of_every_cell_is_an_error(returns: Path, tmp_path: Path) -> None:
    """A members sheet whose cells were all deleted (header included) gives only a `sheet-empty` warning: exit 0,
    "Không có lỗi.", and none of the 30 households is reported `household-no-members` — whereas the same sheet
    keeping its header row gives 30 errors. The commune's 107 persons are silently missing from the population
    list. An empty required sheet must be an error (or every household must get `household-no-members`).
    (io/read.py `_read_sheet` returns None on an empty grid; validate then skips the member checks.)"""
    wb = openpyxl.load_workbook(returns / COMMUNE_A)
    ws = wb[MM_SHEET]
    ws.delete_rows(1, ws.max_row)
    wb.save(returns / COMMUNE_A)
    rc, rep = validate_json(returns / COMMUNE_A, cwd=tmp_path)
    assert rc == 1
    assert rep["summary"]["errors"] >= 1


def test_backup_copy_of_a_sheet_does_not_replace_the_sheet(returns: Path, tmp_path: Path) -> None:
    """Officers keep an old copy of a sheet ("Hộ gia đình (2)", Excel's name for a copied sheet) at the end of
    the workbook. hgn reads the copy instead of "Hộ gia đình" — header_key drops the "(2)" and the later sheet
    wins — so households of the real sheet vanish, and their members are reported as orphans of a sheet that
    does hold them. The sheet with the exact name must be used (and the copy at most reported).
    (io/read.py `detect_layout`: ``names = {header_key(n): n ...}``.)"""
    path = returns / COMMUNE_A
    wb = openpyxl.load_workbook(path)
    copy = wb.copy_worksheet(wb[HH_SHEET])
    copy.title = "Hộ gia đình (2)"
    copy.delete_rows(22, 20)  # last year's copy: 20 households
    wb.save(path)
    _rc, rep = validate_json(path, cwd=tmp_path)
    pf = per_file(rep, COMMUNE_A)
    assert pf["rows"].get(HH_SHEET) == 30
    assert not [f for f in rep["findings"] if f["code"] == "member-orphan"]


# ------------------------------------------------------------------------------------------ header and footer
def test_units_row_under_a_split_header_is_not_a_household(returns: Path, tmp_path: Path) -> None:
    """A header split over two rows — "Thu nhập bình quân" above "(đồng/người/tháng)", "Diện tích nhà ở" above
    "(m²)" — makes the units row a household: 13 errors on row 2 ("phải là số, nhận được (m²)") and in `hgn run`
    a 61st household counted in the district as "Chưa đủ thông tin". The second header row belongs to the
    header band. (io/read.py `find_header`: the band ends at the best row unless the next row is a 1, 2, 3 key
    row.)"""
    path = returns / COMMUNE_A
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    ws.insert_rows(2, 1)
    ws["G1"], ws["G2"] = "Thu nhập bình quân", "(đồng/người/tháng)"
    ws["K1"], ws["K2"] = "Diện tích nhà ở", "(m²)"
    wb.save(path)
    rc, rep = validate_json(path, cwd=tmp_path)
    assert per_file(rep, COMMUNE_A)["rows"][HH_SHEET] == 30
    assert [f for f in rep["findings"] if f["row"] == 2 and f["sheet"] == HH_SHEET] == []
    assert rc == 0


def test_total_row_and_signature_block_are_not_households(returns: Path, tmp_path: Path) -> None:
    """Vietnamese administrative forms end with a "Tổng cộng" row and a signature block ("…, ngày … tháng …",
    "NGƯỜI LẬP BIỂU", "CHỦ TỊCH UBND XÃ", names). hgn reads each of those rows as a household: 5 phantom
    households with 62 errors ("Có ti vi … phải là Có hoặc Không, nhận được 'CHỦ TỊCH UBND XÃ'"), and `hgn run`
    counts 65 households in the district instead of 60, in every form. Rows below the table that hold no
    household (no code, only footer text) must not be counted. (io/read.py `_read_sheet`: every non-blank row
    after the header is data.)"""
    path = returns / COMMUNE_A
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    n = ws.max_row
    ws.cell(n + 1, 1).value = "Tổng cộng"
    ws.cell(n + 1, 6).value = 107
    ws.cell(n + 3, 15).value = "Cẩm Thượng, ngày 20 tháng 11 năm 2024"
    ws.cell(n + 4, 2).value, ws.cell(n + 4, 15).value = "NGƯỜI LẬP BIỂU", "CHỦ TỊCH UBND XÃ"
    ws.cell(n + 5, 2).value, ws.cell(n + 5, 15).value = "(Ký, ghi rõ họ tên)", "(Ký tên, đóng dấu)"
    ws.cell(n + 9, 2).value, ws.cell(n + 9, 15).value = "Nguyễn Văn Khải", "Trần Văn Hùng"
    wb.save(path)
    proc = hgn("run", returns, "--out", tmp_path / "out", "--json", cwd=tmp_path)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["households"] == 60


# ------------------------------------------------------------------------------------------ values
def test_legacy_encoded_ethnic_group_is_not_suggested_as_another_group(returns: Path, tmp_path: Path) -> None:
    """"Mường" typed with the TCVN3 (ABC) or VNI keyboard is reported `value-not-in-list` with the suggestion
    "(có phải "Mông"?)" — another ethnic group; VNI "Lự" suggests "Lào" and VNI "Ê Đê" "Ba Na". An officer who
    follows the hint records the wrong ethnicity, which decides ethnic-minority support. The suggestion should
    come from the legacy decoding ("Mường"), as `text-legacy-encoding` does for names. (validate.py
    `_suggest`: difflib on the folded legacy text.)"""
    path = returns / COMMUNE_A
    wb = openpyxl.load_workbook(path)
    ws = wb[MM_SHEET]
    col = next(c.column_letter for c in ws[1] if c.value == "Dân tộc")
    ws[f"{col}2"] = from_unicode("Mường", "TCVN3")
    ws[f"{col}3"] = from_unicode("Mường", "VNI")
    ws[f"{col}4"] = from_unicode("Lự", "VNI")
    wb.save(path)
    _rc, rep = validate_json(path, cwd=tmp_path)
    msgs = {f["row"]: f["message"] for f in rep["findings"] if f["sheet"] == MM_SHEET and f["row"] in (2, 3, 4)}
    assert set(msgs) == {2, 3, 4}
    for row, wrong in ((2, "Mông"), (3, "Mông"), (4, "Lào")):
        assert f'"{wrong}"' not in msgs[row], msgs[row]


def test_id_with_invisible_separator_is_read_and_not_printed(returns: Path, tmp_path: Path) -> None:
    """An ID pasted from a web page or PDF carries a no-break space ("030 051 271829") or a zero-width space
    before it. ASCII spaces are removed, these are not: the valid 12-digit ID is rejected as "không đủ 12 chữ
    số" (wrong: it has 12 digits), the person leaves the population-database list, and the full personal ID is
    printed in the terminal summary. (validate.py `_id_checks`: ``[\\s'.\\-]`` in RE2 covers ASCII whitespace
    only.)"""
    path = returns / COMMUNE_A
    wb = openpyxl.load_workbook(path)
    ws = wb[MM_SHEET]
    ids = [ws["D2"].value, ws["D3"].value]
    ws["D2"] = f"{ids[0][:3]}\u00a0{ids[0][3:6]}\u00a0{ids[0][6:]}"
    ws["D3"] = "\u200b" + ids[1]
    wb.save(path)
    proc = hgn("validate", path, cwd=tmp_path)
    no_traceback(proc)
    out = (proc.stdout + proc.stderr).replace("\u00a0", "").replace("\u200b", "")
    for pid in ids:
        assert pid not in out
    _rc, rep = validate_json(path, cwd=tmp_path)
    assert [f for f in rep["findings"] if f["code"] == "id-invalid-format"] == []


# ------------------------------------------------------------------------------------------ hgn run
def test_run_goes_on_when_a_commune_sent_its_return_twice(returns: Path, tmp_path: Path) -> None:
    """A commune re-sends a corrected return ("10507 (1).xlsx" beside the first one). `hgn run` stops the whole
    round with exit 3 before writing anything — not even phat_hien.xlsx — and its hint says to use
    "--prefer newest" or "--prefer <tệp>", options `hgn run` rejects ("No such option: --prefer"). One
    duplicate must not stop the district: the round should complete (the duplicate reported as a finding), or
    at least write the findings and give a hint that works with `hgn run`. (pipeline.py `_merge_up` →
    merge.merge_results raising; phat_hien.xlsx is written only after the merge.)"""
    wb = openpyxl.load_workbook(returns / COMMUNE_A)
    wb[HH_SHEET]["W2"] = "Nguyễn Văn Khải (sửa)"
    wb.save(returns / "10507 (1).xlsx")
    out = tmp_path / "out"
    proc = hgn("run", returns, "--out", out, cwd=tmp_path)
    no_traceback(proc)
    assert (out / "phat_hien.xlsx").exists()
    assert proc.returncode in (0, 1), proc.stderr


def test_run_goes_on_past_a_return_of_another_province(returns: Path, tmp_path: Path) -> None:
    """One misfiled return (a Hà Nội ward, 00001) in Hải Dương's district folder stops `hgn run` with exit 3 and
    no output at all; the hint says "chọn đúng đơn vị bằng --unit", an option `hgn run` does not have. The
    foreign return should be a finding and the round should go on for the district's communes. (pipeline.py
    `_merge_up`.)"""
    generate_sample(tmp_path / "hn", province="01", communes=1, households=10, seed=7)
    shutil.copy(next((tmp_path / "hn").glob("*.xlsx")), returns)
    out = tmp_path / "out"
    proc = hgn("run", returns, "--out", out, cwd=tmp_path)
    no_traceback(proc)
    assert (out / "phat_hien.xlsx").exists()
    assert proc.returncode in (0, 1), proc.stderr


def test_run_with_no_readable_return_writes_the_findings_its_hint_names(returns: Path, tmp_path: Path) -> None:
    """When no return can be classified (here: two files that are not returns) `hgn run` exits with "Xem
    phat_hien.xlsx: các tệp đều không đọc được…", but phat_hien.xlsx is never written (the findings are
    written after the merge), so the officer cannot learn why. (pipeline.py `run_round` / `_merge_up`.)"""
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "10507.csv").write_bytes(b"\x00\x01 not a return")  # (the review used a ';' CSV, now read)
    (folder / "10510.xlsx").write_bytes(b"not a workbook")
    out = tmp_path / "out"
    proc = hgn("run", folder, "--out", out, cwd=tmp_path)
    no_traceback(proc)
    assert "phat_hien.xlsx" in proc.stderr
    assert (out / "phat_hien.xlsx").exists()


def test_highlighted_copies_are_not_read_back_as_returns(returns: Path, tmp_path: Path) -> None:
    """`hgn validate . --report-xlsx phat_hien.xlsx` run in the returns folder writes the findings workbook and a
    highlighted copy of each failing return (phat_hien_ban_sao/…_loi.xlsx) there. The next `hgn validate .`
    reads them as returns (layout-unknown, 107 id-duplicate-batch errors) and `hgn run .` stops with exit 3:
    "10507 … có trong nhiều tệp". hgn must not take its own outputs for communes' returns. (io/read.py
    `discover`.)"""
    wb = openpyxl.load_workbook(returns / COMMUNE_A)
    wb[HH_SHEET]["D2"] = None  # one error, so a highlighted copy is written
    wb.save(returns / COMMUNE_A)
    first = hgn("validate", ".", "--report-xlsx", "phat_hien.xlsx", cwd=returns)
    assert first.returncode == 1
    rc, rep = validate_json(Path("."), cwd=returns)
    assert sorted(Path(pf["file"]).name for pf in rep["summary"]["per_file"]) == [COMMUNE_A, COMMUNE_B]
    proc = hgn("run", ".", "--out", tmp_path / "out", cwd=returns)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr


def test_report_xlsx_never_overwrites_a_return(returns: Path, tmp_path: Path) -> None:
    """`hgn validate 10507.xlsx --report-xlsx 10507.xlsx` (a slip when completing the command line) replaces the
    commune's return with the findings workbook: the commune's data is gone. "Inputs are never modified" must
    hold: refuse (exit 2 with a hint) when the report path is one of the inputs. (cli.py validate /
    io/write.py.)"""
    path = returns / COMMUNE_A
    before = path.read_bytes()
    proc = hgn("validate", path, "--report-xlsx", path, cwd=tmp_path)
    no_traceback(proc)
    assert path.read_bytes() == before
    assert proc.returncode == 2
