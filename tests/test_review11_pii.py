"""Review 11: personal data and the population-database list.

README: "--mask-pii masks IDs (all but the last four digits) and names (initials) in everything under bao_cao/ …
Terminal output and --json show at most the last four digits of an ID — also an ID mistyped in its own column or
typed into another one; with --mask-pii an ID written in any other text cell of a shared output (a household code, a
village note) is masked too." forms.md: the list for the poverty database has one row per person of every poor and
near-poor household, IDs as text (leading zero kept), and "a person without a valid number is not silently dropped:
the list says who is missing and why".

Each failing test names what is wrong; tests marked `# guard (passes)` hold behaviour that is right today.
"""

from __future__ import annotations

import csv
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import household, make_id, make_return, member, ok, run_hgn

POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}


def hgn(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_hgn(*args, cwd=cwd, timeout=300)


def texts(folder: Path) -> dict[str, str]:
    """Every text part of every file under ``folder`` (each XML part of a workbook; CSV and HTML as they are)."""
    out: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                for n in z.namelist():
                    out[f"{p.name}::{n}"] = z.read(n).decode("utf-8", "replace")
        else:
            out[p.name] = p.read_bytes().decode("utf-8", "replace")
    return out


def leaks(folder: Path, *needles: str) -> list[str]:
    return sorted(f"{name}: {n}" for name, t in texts(folder).items() for n in needles if n in t)


def csv_rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, as documented"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def sheet_values(path: Path, sheet: str) -> list[list[Any]]:
    wb = openpyxl.load_workbook(path)
    return [list(r) for r in wb[sheet].iter_rows(values_only=True)]


# ------------------------------------------------------------------------------------------ terminal and --json
# Forms of a 12-digit ID that hgn's own ID column reads as the person's ID (validate.py `_id_checks` strips every
# space, dot, dash and quote before checking 12 digits), but that the masking pattern does not see as an ID.
ODD_GROUPINGS = ["030185 004444", "030 185004444", "030-185004444", "030.185.004444"]


@pytest.mark.parametrize("typed", ODD_GROUPINGS, ids=["6-6", "3-9-space", "3-9-dash", "3-3-6-dots"])
@pytest.mark.parametrize("as_json", [False, True], ids=["terminal", "json"])
def test_an_id_typed_into_another_column_in_a_grouping_hgn_accepts_is_not_shown_whole(tmp_path: Path, typed: str,
                                                                                      as_json: bool) -> None:
    """A person's ID typed into the "Ngày sinh" cell as "030185 004444" (or "030 185004444", "030-185004444",
    "030.185.004444") is value-not-date, and `hgn validate` prints all twelve digits on the terminal and in --json
    ("Ngày sinh" không phải ngày hợp lệ: "030185 004444"). hgn itself reads each of these as a valid 12-digit ID in
    the ID column (validate.py `_id_checks` removes spaces, dots, dashes anywhere). README: "Terminal output and
    --json show at most the last four digits of an ID — also an ID … typed into another one". Cause:
    findings.py `ID_IN_TEXT` only knows 11–13 digits in a row or the uniform 3-3-3-3 / 4-4-4 groupings, so
    `masked` leaves these as typed."""
    inp = tmp_path / "in"
    make_return(inp, members=[member(), member(stt=2, ho_ten="Nguyễn Thị Hoa", so_dinh_danh=None, gioi_tinh="Nữ",
                                             quan_he="Vợ, chồng", ngay_sinh=typed)])
    proc = hgn("validate", inp, *(["--json"] if as_json else []), cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    out = proc.stdout + proc.stderr
    assert "value-not-date" in out
    digits = re.sub(r"\D", "", typed)
    assert digits == "030185004444"
    shown = re.sub(r"[ .\-]", "", out)  # the digits as a reader sees them, separators aside
    assert "03018500" not in shown, [line for line in out.splitlines() if "4444" in line]


def test_the_id_column_accepts_those_groupings(tmp_path: Path) -> None:
    # guard (passes): the premise of the test above — hgn reads "030185 004444" in the ID column as a valid ID
    # (no id-invalid-format) and lists the person under it.
    inp = tmp_path / "in"
    make_return(inp, [household(**POOR)], [member(), member(stt=2, ho_ten="Nguyễn Thị Hoa", gioi_tinh="Nữ",
                                                          quan_he="Vợ, chồng", ngay_sinh="01/01/1985",
                                                          so_dinh_danh="030185 004444")])
    proc = hgn("validate", inp, "--json", cwd=tmp_path)
    codes = [f["code"] for f in json.loads(proc.stdout)["findings"]]
    assert not any(c.startswith("id-") for c in codes), codes
    ok(hgn("run", inp, "--out", tmp_path / "out", cwd=tmp_path))
    rows = csv_rows(tmp_path / "out" / "bao_cao" / "danh_sach_csdl_dan_cu.csv")
    assert "030185004444" in [r["Số định danh cá nhân"] for r in rows]


# ------------------------------------------------------------------------------------------ bao_cao/ with --mask-pii
def test_mask_pii_masks_an_id_noted_in_a_village_cell_in_a_grouping_hgn_accepts(tmp_path: Path) -> None:
    """The head's own ID noted in the village cell as "Khu 2 - CCCD chủ hộ 030185 004444" (the grouping hgn
    accepts in the ID column: validate.py `_id_checks`) is printed whole with --mask-pii in the population list
    (xlsx, csv) and form 14/15, while the same ID's own column reads "********4444". README: "with --mask-pii an
    ID written in any other text cell of a shared output (a household code, a village note) is masked too".
    Cause: reports/pii.py `mask_ids_in_text` uses findings.py `ID_IN_TEXT`, which misses a 6-6 grouping."""
    inp = tmp_path / "in"
    hid = "030185004444"
    make_return(inp, [household(thon="Khu 2 - CCCD chủ hộ 030185 004444", ho_ten_chu_ho="Nguyễn Thị Hoa", **POOR)],
                [member(ho_ten="Nguyễn Thị Hoa", gioi_tinh="Nữ", ngay_sinh="01/01/1985", so_dinh_danh=hid)])
    ok(hgn("run", inp, "--out", tmp_path / "out", "--mask-pii", cwd=tmp_path))
    bao_cao = tmp_path / "out" / "bao_cao"
    rows = csv_rows(bao_cao / "danh_sach_csdl_dan_cu.csv")
    assert [r["Số định danh cá nhân"] for r in rows] == ["********4444"]
    assert leaks(bao_cao, "030185 004444", "030185004444") == []


# ------------------------------------------------------------------------------------------ households awaiting 2025
@pytest.fixture(name="pending_report")
def pending_report_fixture(tmp_path: Path) -> tuple[Path, str]:
    """A poor household of 10528 (Phường Trần Phú, split between two 2025 communes) keyed by its head's ID, with
    the ID noted in its village cell, and one of 10507 (merged whole); `hgn classify` each, `hgn merge
    --to-2025-units` (no mapping yet: 10528's household waits in "Chờ quy đổi"), `hgn report --mask-pii`."""
    hid = make_id(serial="000002")
    inp = tmp_path / "in"
    make_return(inp, [household(ma_ho=hid, ma_xa="10528", ho_ten_chu_ho="Nguyễn Văn An",
                                thon=f"Khu 3 (CCCD chủ hộ {hid})", **POOR)],
                [member(ma_ho=hid, so_dinh_danh=hid)], name="10528_2024.xlsx")
    make_return(inp, [household(ma_ho="10507-0001", ma_xa="10507", ho_ten_chu_ho="Trần Văn Bảo", **POOR)],
                [member(ma_ho="10507-0001", ho_ten="Trần Văn Bảo", so_dinh_danh=make_id(serial="000001"))],
                name="10507_2024.xlsx")
    ok(hgn("classify", "in/10507_2024.xlsx", "--out", "a.xlsx", cwd=tmp_path))
    ok(hgn("classify", "in/10528_2024.xlsx", "--out", "b.xlsx", cwd=tmp_path))
    ok(hgn("merge", "a.xlsx", "b.xlsx", "--out", "m.xlsx", "--to-2025-units", cwd=tmp_path))
    ok(hgn("report", "m.xlsx", "--out-dir", "rep", "--mask-pii", cwd=tmp_path))
    return tmp_path / "rep", hid


def test_mask_pii_masks_ids_of_households_awaiting_their_2025_commune_in_the_list(
        pending_report: tuple[Path, str]) -> None:
    """With --mask-pii, the population list's sheet "Chờ quy đổi" (poor households waiting for their new commune)
    prints the household code and the village cell as read: the head's twelve digits in full (only the name is
    reduced to initials). README: "with --mask-pii an ID written in any other text cell of a shared output (a
    household code, a village note) is masked too". Cause: reports/population.py `_pending_sheet` masks only
    `ho_ten_chu_ho`; make_report's `_villages_masked` masks results.households, not the pending sheet."""
    rep, hid = pending_report
    rows = sheet_values(rep / "danh_sach_csdl_dan_cu.xlsx", "Chờ quy đổi")
    assert len(rows) == 2  # header + the waiting household: it is listed
    assert [name for name, t in texts(rep).items() if name.startswith("danh_sach") and hid in t] == []


def test_mask_pii_masks_households_awaiting_their_2025_commune_in_report_html(
        pending_report: tuple[Path, str]) -> None:
    """With --mask-pii, report.html (under bao_cao/, a shared output) prints the "Chờ quy đổi" table of the merged
    results as it is: the household code and village note with the head's whole ID and the head's full name
    ("Nguyễn Văn An"). README: --mask-pii masks IDs and names (initials) "in everything under bao_cao/". Cause:
    reports/view.py `_coverage` copies every extra sheet of the results (`results.extra_sheets`) into
    `cov.tables` for the HTML, and neither it nor reports/html.py applies the masking."""
    rep, hid = pending_report
    page = (rep / "report.html").read_text("utf-8")
    assert "Chờ quy đổi" in page
    assert hid not in page
    assert "Nguyễn Văn An" not in page


# ------------------------------------------------------------------------------------------ the list: IDs as text
def _listed_ids(out: Path) -> dict[str, str]:
    """Name -> ID as the population list (csv) prints it; the persons without a valid ID -> their reason."""
    bao_cao = out / "bao_cao"
    listed = {r["Họ và tên"]: r["Số định danh cá nhân"] for r in csv_rows(bao_cao / "danh_sach_csdl_dan_cu.csv")}
    missing = {r["Họ và tên"]: r["Lý do chưa có số định danh hợp lệ"]
               for r in csv_rows(bao_cao / "danh_sach_csdl_dan_cu_chua_co_dinh_danh.csv")}
    return {**listed, **{f"missing: {k}": v for k, v in missing.items()}}


def test_an_id_born_in_ha_noi_stored_as_a_number_keeps_both_leading_zeros(tmp_path: Path) -> None:
    """A member of a Hải Dương household born in Hà Nội has an ID starting "001" (domain.md §4: digits 1–3 are the
    province of birth registration; it does not follow where the person lives). Stored as a number in the ID
    column, the cell holds 1080004321 — two zeros lost — and hgn reports id-invalid-format and puts her on the
    list without an ID ("Sai định dạng (không đủ 12 chữ số)"), while a "030…" ID stored the same way is restored
    (id-leading-zero-restored) and listed. forms.md: numbers are written as text "so the leading zero survives";
    design.md: spreadsheets "store it as a number and drop the leading zero". The provinces 001, 002, 004, 006,
    008 (Hà Nội, Hà Giang, Cao Bằng, Bắc Kạn, Tuyên Quang) all start with two zeros. Cause: validate.py
    `_id_checks` restores only an 11-digit number (`cand11`), never a 10-digit one with a "00x" prefix."""
    inp = tmp_path / "in"
    hanoi = make_id(prefix="001", serial="004321")
    local = make_id(prefix="030", birth_year=1985, female=True, serial="000123")
    make_return(inp, [household(**POOR)],
                [member(so_dinh_danh=hanoi),
                 member(stt=2, ho_ten="Nguyễn Thị Hoa", so_dinh_danh=local, ngay_sinh="01/01/1985", gioi_tinh="Nữ",
                        quan_he="Vợ, chồng")], numbers=["so_dinh_danh"])
    ok(hgn("run", inp, "--out", tmp_path / "out", cwd=tmp_path))
    ids = _listed_ids(tmp_path / "out")
    assert ids["Nguyễn Thị Hoa"] == local  # the one-zero case is restored
    assert ids["Nguyễn Văn An"] == hanoi, ids


def test_an_id_stored_as_a_number_in_an_ods_return_keeps_its_leading_zero(tmp_path: Path) -> None:
    """The same return as an OpenDocument spreadsheet (README: .ods returns are read), the head's ID stored as a
    number (office:value-type="float", 30080001234): hgn reports id-invalid-format ("không đủ 12 chữ số") and lists
    him among the persons without a valid ID, where the .xlsx and .xls returns with the same cell get
    id-leading-zero-restored and the ID "030080001234" on the list. forms.md: the list is keyed by the 12-digit
    ID "written as text so the leading zero survives". Cause: io/read.py `SheetData.numeric_rows` knows cell types
    of .xlsx (xlsxscan) and .xls (xlrd) only; for .ods it returns an empty set, so validate.py `_id_checks` never
    treats the 11 digits as a number that lost its zero."""
    from conftest import HH_SHEET, MM_SHEET, sheet_grid, write_ods

    inp = tmp_path / "in"
    inp.mkdir()
    write_ods(inp / "11284_2024.ods", {HH_SHEET: sheet_grid("households", [household(**POOR)]),
                                       MM_SHEET: sheet_grid("members", [member(so_dinh_danh=30080001234)])})
    proc = hgn("validate", inp, "--json", cwd=tmp_path)
    codes = [f["code"] for f in json.loads(proc.stdout)["findings"]]
    assert "id-invalid-format" not in codes, codes
    ok(hgn("run", inp, "--out", tmp_path / "out", cwd=tmp_path))
    assert _listed_ids(tmp_path / "out") == {"Nguyễn Văn An": "030080001234"}


def test_population_list_holds_each_person_once_with_ids_as_text_and_reasons(tmp_path: Path) -> None:
    # guard (passes): a poor household that moved away is not listed; a person listed in the household she left
    # and in the one she joined is listed once, with her ID; a member row pasted twice is listed once; an ID
    # stored as a number keeps its zero; a missing, a wrong-sex and an 11-digit typed ID are listed with their
    # reasons; the CSV (UTF-8 with BOM) quotes a name holding a comma, a quote and a line break; the totals agree
    # with form 01 and the list's note sheet.
    inp = tmp_path / "in"
    mai = make_id(birth_year=1990, female=True, serial="000777")
    make_return(inp, [
        household(ma_ho="11284-0001", phan_loai_dau_ky="Nghèo", tinh_trang_ho="Chuyển đi", **POOR),
        household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Bảo", tinh_trang_ho="Tách hộ", **POOR),
        household(ma_ho="11284-0003", ho_ten_chu_ho='Lê "Cúc"\nThị', thon="Thôn Đông, xóm 2", **POOR),
    ], [
        member(),
        member(stt=2, ho_ten="Nguyễn Thị Mai", so_dinh_danh=mai, ngay_sinh="01/01/1990", gioi_tinh="Nữ", quan_he="Con"),
        member(ma_ho="11284-0002", ho_ten="Trần Văn Bảo", so_dinh_danh=30080000002),
        member(ma_ho="11284-0002", stt=2, ho_ten="Nguyễn Thị Mai", so_dinh_danh=mai, ngay_sinh="01/01/1990",
               gioi_tinh="Nữ", quan_he="Vợ, chồng"),
        member(ma_ho="11284-0002", stt=3, ho_ten="Trần Văn Tí", so_dinh_danh=None, ngay_sinh="01/01/2015",
               quan_he="Con", trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc="Tiểu học", viec_lam=None),
        member(ma_ho="11284-0003", ho_ten='Lê "Cúc"\nThị', so_dinh_danh=make_id(birth_year=1970, serial="000003"),
               ngay_sinh="01/01/1970", gioi_tinh="Nữ"),
        member(ma_ho="11284-0003", stt=2, ho_ten="Con, Út", so_dinh_danh=make_id(birth_year=2000, serial="000004"),
               ngay_sinh="01/01/2000", quan_he="Con"),
        member(ma_ho="11284-0003", stt=2, ho_ten="Con, Út", so_dinh_danh=make_id(birth_year=2000, serial="000004"),
               ngay_sinh="01/01/2000", quan_he="Con"),
        member(ma_ho="11284-0003", stt=3, ho_ten="Lê Văn Ba", so_dinh_danh="03020000005", ngay_sinh="01/01/2002",
               quan_he="Con"),
    ])
    ok(hgn("run", inp, "--out", tmp_path / "out", cwd=tmp_path))
    ids = _listed_ids(tmp_path / "out")
    assert ids == {
        "Trần Văn Bảo": "030080000002", "Nguyễn Thị Mai": mai, "Trần Văn Tí": "",
        'Lê "Cúc"\nThị': "", "Con, Út": make_id(birth_year=2000, serial="000004"), "Lê Văn Ba": "",
        "missing: Trần Văn Tí": "Chưa có số định danh",
        'missing: Lê "Cúc"\nThị': "Chữ số thứ 4 không khớp giới tính, thế kỷ sinh",
        "missing: Lê Văn Ba": "Sai định dạng (không phải 12 chữ số)",
    }, ids
    wb = openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "danh_sach_csdl_dan_cu.xlsx")
    cells = [r[0] for r in wb["Danh sách"].iter_rows(min_row=2)]
    assert all(c.value is None or (c.data_type == "s" and c.number_format == "@") for c in cells)
    note = " ".join(str(r[0]) for r in wb["Ghi chú"].iter_rows(values_only=True))
    assert "Số người: 6; số hộ: 2; chưa có số định danh hợp lệ: 3." in note
    form = openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx").active
    total = next(r for r in form.iter_rows(values_only=True) if r[1] == "Tổng cộng")
    assert (total[4], total[6], total[8], total[10]) == (2, 6, 0, 0)
