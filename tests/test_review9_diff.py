"""Review 9 (defects in the day's changes themselves): reading hostile files (io/read.py: unreadable_reason,
_text_format), `hgn run`'s level from the communes named by left-out returns (pipeline.py: named_units, reach),
last round's results as --previous (a run's whole output folder, the relapse history), one list of findings.

Each test builds the smallest input that shows the defect (conftest.py's ``make_return``, ``write_xls``) and runs
hgn as an officer would. Tests marked "guard (passes)" pin behaviour of today's changes that holds; every other test
fails on the code as reviewed.
"""

from __future__ import annotations

import csv
import io
import json
import re
import struct
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

import conftest
from conftest import household, make_id, make_return, member, ok, run_hgn, sheet_grid

THANH_MIEN = ("11284", "11287")  # Huyện Thanh Miện (300), Tỉnh Hải Dương (30)
GIA_LOC = "11008"  # Huyện Gia Lộc (297), same province


def _commune(folder: Path, code: str, n: int = 2, *, name: str | None = None, **hh: Any) -> Path:
    """A return of commune ``code`` with ``n`` one-person households (every other one near-poor by income)."""
    hhs, mms = [], []
    for k in range(n):
        ma_ho = f"{code}-{k + 1:04d}"
        hhs.append(household(ma_ho=ma_ho, ma_xa=code, thu_nhap_bq=1_200_000 if k % 2 == 0 else 3_000_000, **hh))
        mms.append(member(ma_ho=ma_ho, ho_ten=f"Người {code} {k}",
                          so_dinh_danh=make_id(serial=f"{int(code) % 1000:03d}{k:03d}")))
    return make_return(folder, hhs, mms, name=name or f"{code}_2024.xlsx")


def _validate_json(*args: object, cwd: Path) -> dict:
    proc = run_hgn("validate", *args, "--json", cwd=cwd, timeout=120)
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def _movements(out: Path) -> dict[str, str]:
    hh = pd.read_parquet(out / "ket_qua" / "households.parquet", columns=["ma_ho", "dien_bien"])
    return {str(k): str(v) for k, v in zip(hh["ma_ho"], hh["dien_bien"], strict=True)}


# ------------------------------------------------------------------ reading: why a return cannot be read
def _write_password_xls(path: Path, sheets: dict[str, list[list[Any]]], monkeypatch: Any) -> Path:
    """An Excel 97-2003 workbook with an open password: conftest's BIFF8 writer with a FILEPASS record (0x002F, RC4
    header) right after the workbook globals' BOF — what Excel writes for File > Info > Encrypt with Password."""
    plain = conftest._biff_record
    filepass = plain(0x002F, struct.pack("<HHH", 1, 1, 1) + b"\x11" * 48)

    def record(rtype: int, data: bytes) -> bytes:
        out = plain(rtype, data)
        if rtype == 0x0809 and struct.unpack("<H", data[2:4])[0] == 0x0005:  # the globals' BOF
            return out + filepass
        return out

    monkeypatch.setattr(conftest, "_biff_record", record)
    try:
        return conftest.write_xls(path, sheets)
    finally:
        monkeypatch.setattr(conftest, "_biff_record", plain)


def test_password_protected_xls_return_is_said_to_have_a_password(tmp_path: Path, monkeypatch: Any) -> None:
    """A commune sends its return as an Excel 97-2003 .xls protected by an open password; the officer runs
    `hgn validate` on it.

    Now: "Không đọc được tệp: tệp Excel 97-2003 bị hỏng hoặc không trọn vẹn (tải hoặc chép dở?)" — the file is
    called damaged and the commune is asked to send it again (it will send the same protected file), though the
    reader itself says "Workbook is password protected".

    Must: say that the workbook is protected by a password and that the commune must remove it (README, validate:
    "a return that cannot be read is said why from what it holds (empty, password-protected, …)"). Cause:
    io/read.py unreadable_reason looks only for the "EncryptedPackage" stream of an encrypted .xlsx, not for the
    FILEPASS record an encrypted .xls holds in its Workbook stream."""
    grid = sheet_grid("households", [household()])
    _write_password_xls(tmp_path / "11284_2024.xls", {"Hộ gia đình": grid}, monkeypatch)
    rep = _validate_json("11284_2024.xls", cwd=tmp_path)
    unread = [f for f in rep["findings"] if f["code"] == "file-unreadable"]
    assert unread, rep["findings"]
    said = unread[0]["message"]
    assert "mật khẩu" in said, said
    assert "hỏng" not in said, said


def test_web_page_named_xls_that_starts_with_a_style_block_is_said_to_be_a_web_page(tmp_path: Path) -> None:
    """Web software's "Xuất Excel" writes an HTML table under an .xls name, opening with the usual
    `<style> td { mso-number-format:"\\@"; } </style>` line (the idiom that keeps the IDs' leading zeros); the
    officer runs `hgn validate` on it.

    Now: the new text sniff sees a ';' on the first line and reads the page as CSV: "Tệp mang đuôi .xls nhưng nội
    dung là .csv; đã đọc theo nội dung" and "Không nhận ra mẫu biểu" — the officer is told the file is a CSV text
    in an unknown layout.

    Must: say it is a web page (HTML) named .xls, as for the same page without the style line (README, validate:
    "a return that cannot be read is said why from what it holds (… a web page or XML 2003 named .xls …)").
    Cause: io/read.py _text_format only recognises a page that starts with <html>/<table>/<meta>/<head>/<body>
    (or has "<html" in its first 512 bytes); any other first line with a ',', ';' or tab is taken for CSV."""
    (tmp_path / "11284_2024.xls").write_text(
        '<style> td { mso-number-format:"\\@"; } </style>\n'
        "<table><tr><td>Mã hộ</td><td>Họ tên chủ hộ</td><td>Mã xã</td></tr>"
        "<tr><td>11284-0001</td><td>Nguyễn Văn An</td><td>11284</td></tr></table>\n", encoding="utf-8")
    rep = _validate_json("11284_2024.xls", cwd=tmp_path)
    said = " ".join(f["message"] for f in rep["findings"])
    assert "trang web" in said or "HTML" in said, said
    assert "nội dung là .csv" not in said, said


def test_csv_saved_under_an_xlsx_name_gets_its_highlighted_copy(tmp_path: Path) -> None:
    """A commune's return is comma-separated text saved under an .xlsx name (a renamed .csv, a web export); hgn
    now reads it by its content. Its income cell holds "abc". The officer runs
    `hgn validate 11284_2024.xlsx --report-xlsx phat_hien.xlsx` to send the commune its marked copy.

    Now: the error is found at its cell (G2), but no copy is written beside phat_hien.xlsx — the copy is made with
    openpyxl for any name ending .xlsx, which fails on text, and the failure is swallowed; the same bytes named .xls
    or .csv get their copy.

    Must: a copy of each failing return with the offending cells highlighted, "an .xls/.ods/.csv return as an
    .xlsx of its values" (README, validate --report-xlsx). Cause: io/write.py _highlighted_copy chooses openpyxl by
    the name's suffix, not by the content the reader found (io/read.py _Book reads it as CSV since today)."""
    buf = io.StringIO()
    csv.writer(buf).writerows(sheet_grid("households", [household(thu_nhap_bq="abc")]))
    (tmp_path / "11284_2024.xlsx").write_text(buf.getvalue(), encoding="utf-8-sig")
    proc = run_hgn("validate", "11284_2024.xlsx", "--report-xlsx", "phat_hien.xlsx", cwd=tmp_path, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 1, proc.stdout + proc.stderr
    found = pd.read_excel(tmp_path / "phat_hien.xlsx", sheet_name=0, dtype=str)
    assert "value-not-number" in set(found["Mã lỗi"]), found  # found at its cell
    copies = list((tmp_path / "phat_hien_ban_sao").glob("*.xlsx")) if (tmp_path / "phat_hien_ban_sao").is_dir() else []
    assert len(copies) == 1, sorted(p.name for p in tmp_path.rglob("*"))
    ws = openpyxl.load_workbook(copies[0]).worksheets[0]
    marked = [c for row in ws.iter_rows() for c in row if c.comment is not None]
    assert any(c.value == "abc" for c in marked), [(c.coordinate, c.value) for c in marked]


# ------------------------------------------------------------------ `hgn run`: the round's level
def test_stale_2021_return_of_another_district_does_not_turn_a_district_round_into_a_province(tmp_path: Path) -> None:
    """The officer of Huyện Thanh Miện runs the 2024 round of its two communes; an old return of a Gia Lộc commune
    reviewed on 15/09/2021 (a file of an earlier round, left in the mail folder) lies beside them.

    Now: that return cannot be classified (no standard for 2021), so today's "named" communes make its Gia Lộc
    commune count for the round's level: README.txt says "Cấp tổng hợp: tỉnh 30", the forms are the province's
    with Gia Lộc's blank rows, and "thiếu 205 đơn vị" — although a Gia Lộc return of 2023 in its place is set
    apart as another year's round (file-outside-round) and the round stays "huyện 300".

    Must: a return of another year's round does not decide the round's level (README, run: "a return … of another
    year's round … reported with the number of households left out"; the round merges "up to the highest level
    present" — of this round's returns). Cause: pipeline.py _run_round — ``reach`` takes the ``named_units`` of an
    unclassified return (pipeline._unclassified) whatever its review year; only classified returns pass through
    _admissible's year test, so ``elsewhere`` never holds it."""
    inp = tmp_path / "in"
    for code in THANH_MIEN:
        _commune(inp, code)
    _commune(inp, GIA_LOC, name=f"{GIA_LOC}_2021.xlsx", ngay_ra_soat="15/09/2021")
    ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    readme = (tmp_path / "out" / "README.txt").read_text("utf-8")
    assert "Cấp tổng hợp: huyện 300" in readme, readme
    ws = openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx", read_only=True).worksheets[0]
    names = {r[1] for r in ws.iter_rows(values_only=True) if len(r) > 1 and isinstance(r[1], str)}
    assert not any("Gia Lộc" in n for n in names), names


# ------------------------------------------------------------------ --previous: last round's results
def _two_rounds(tmp_path: Path) -> None:
    """Commune 11284 reviewed in 2023 (folder y1) and 2024 (folder y2), one household each line:
    0001 near-poor at the 2023 start, escaped in 2023, near-poor again in 2024 (relapse);
    0002 near-poor throughout (continuing); 0003 not poor until 2024 (new near-poor)."""
    rows = {"y1": ("15/09/2023", [("Cận nghèo", 3_000_000), ("Cận nghèo", 1_200_000), ("Không", 3_000_000)]),
            "y2": ("15/09/2024", [("Không", 1_200_000), ("Cận nghèo", 1_200_000), ("Không", 1_200_000)])}
    for folder, (date, spec) in rows.items():
        hh = [household(ma_ho=f"11284-{i + 1:04d}", phan_loai_dau_ky=start, thu_nhap_bq=income, ngay_ra_soat=date)
              for i, (start, income) in enumerate(spec)]
        mm = [member(ma_ho=f"11284-{i + 1:04d}", ho_ten=f"Người {i}", so_dinh_danh=make_id(serial=f"00{i:04d}"))
              for i in range(len(spec))]
        make_return(tmp_path / folder, hh, mm, name="11284.xlsx")


EXPECTED_2024 = {"11284-0001": "Tái cận nghèo", "11284-0002": "Tiếp tục cận nghèo", "11284-0003": "Cận nghèo mới"}


def test_previous_as_last_rounds_run_folder_gives_relapse_and_continuing(tmp_path: Path) -> None:
    """# guard (passes): the officer gives last year's `hgn run` output folder as --previous. A household near-poor
    at last year's start that escaped and is near-poor again relapsed (domain.md §3: "was poor in an earlier
    period, not at start"); one that stayed near-poor continues; one not near-poor before is new."""
    _two_rounds(tmp_path)
    ok(run_hgn("run", "y1", "--out", "kq2023", "--jobs", "1", cwd=tmp_path))
    ok(run_hgn("run", "y2", "--out", "kq2024", "--jobs", "1", "--previous", "kq2023", cwd=tmp_path))
    assert _movements(tmp_path / "kq2024") == EXPECTED_2024


def test_rerun_with_previous_being_the_output_folder_does_not_take_this_rounds_results_as_the_start(
        tmp_path: Path) -> None:
    """The officer keeps one results folder, "kq": last year's round was run into it. This year he runs
    `hgn run y2 --out kq --previous kq` (today's change: --previous takes a run's whole output folder), fixes a
    return and runs the same command again, as README says to ("a re-run reads only what changed").

    Now: the first run is right (relapse, continuing, new), but it replaced kq/ket_qua with this year's results,
    which the second run silently takes as the start of the period: every household becomes "Tiếp tục cận nghèo" —
    the relapse and the new near-poor household are gone from forms 2/3, with no warning, exit 0.

    Must: refuse --previous that is (or lies in) OUT_DIR, or otherwise never read this round's own results as last
    round's — the second run gives the same movements as the first (README, run: `--previous` is last round's
    results; outputs replace the last run's). Cause: pipeline.py _run_round / status_source accept OUT_DIR (its
    ket_qua/) as the start list without checking it against the output folder (or the start list's review year
    against the round's)."""
    _two_rounds(tmp_path)
    ok(run_hgn("run", "y1", "--out", "kq", "--jobs", "1", cwd=tmp_path))
    first = run_hgn("run", "y2", "--out", "kq", "--jobs", "1", "--previous", "kq", cwd=tmp_path)
    if first.returncode in (2, 3):  # refused: never mixes the two rounds
        return
    ok(first)
    assert _movements(tmp_path / "kq") == EXPECTED_2024
    again = run_hgn("run", "y2", "--out", "kq", "--jobs", "1", "--previous", "kq", cwd=tmp_path)
    assert "Traceback" not in again.stderr, again.stderr
    if again.returncode in (2, 3):
        return
    assert _movements(tmp_path / "kq") == EXPECTED_2024, again.stdout[-1500:]


# ------------------------------------------------------------------ one list of findings
def test_one_list_of_findings_across_phat_hien_ket_qua_and_report_html_on_a_rerun_with_two_jobs(
        tmp_path: Path) -> None:
    """# guard (passes): a round with an ID in two communes' returns, a commune's two returns, a return whose
    code is in no unit list, a return without review date, an empty file and a copy: phat_hien.xlsx,
    ket_qua/findings.parquet and report.html's counts hold the same findings, also on a re-run from the cache with
    --jobs 2 (commit 00fa8a2: "one list of the round's findings")."""
    inp = tmp_path / "in"
    shared = make_id(serial="111111")
    for code, other in zip(THANH_MIEN, ("222222", "333333"), strict=True):
        hh = [household(ma_ho=f"{code}-0001", ma_xa=code), household(ma_ho=f"{code}-0002", ma_xa=code)]
        mm = [member(ma_ho=f"{code}-0001", so_dinh_danh=shared),
              member(ma_ho=f"{code}-0002", ho_ten="B", so_dinh_danh=make_id(serial=other))]
        make_return(inp, hh, mm, name=f"{code}_2024.xlsx")
    _commune(inp, GIA_LOC, name="gia_loc_a.xlsx")
    _commune(inp, GIA_LOC, name="gia_loc_b.xlsx", ra_soat_vien="Người khác")
    _commune(inp, "11020", ngay_ra_soat=None)
    make_return(inp, [household(ma_ho="z-1", ma_xa="99999")], [member(ma_ho="z-1", so_dinh_danh=make_id(serial="9"))],
                name="typo.xlsx")
    (inp / "empty.xlsx").write_bytes(b"")
    (inp / "copy.xlsx").write_bytes((inp / "11284_2024.xlsx").read_bytes())
    for jobs in ("1", "2"):
        ok(run_hgn("run", "in", "--out", "out", "--jobs", jobs, cwd=tmp_path))
        out = tmp_path / "out"
        sheet = pd.read_excel(out / "phat_hien.xlsx", sheet_name=0, dtype=str)
        parquet = pd.read_parquet(out / "ket_qua" / "findings.parquet")
        a = Counter(zip(sheet["Tệp"].fillna(""), sheet["Mã lỗi"], strict=True))
        b = Counter(zip(parquet["file"].fillna("").astype(str), parquet["code"], strict=True))
        assert a == b, (a - b, b - a)
        html = (out / "bao_cao" / "report.html").read_text("utf-8")
        m = re.search(r"Lỗi: (\d+); Cảnh báo: (\d+)", html)
        assert m, html[:2000]
        sev = Counter(sheet["Mức độ"])
        assert (int(m.group(1)), int(m.group(2))) == (sev.get("Lỗi", 0), sev.get("Cảnh báo", 0))
        assert a[("in/11287_2024.xlsx", "id-duplicate-batch")] == 1, a
