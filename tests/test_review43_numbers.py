"""Review 43: numbers as commune officers really type them in a layout-1 return (.xlsx, .xls, .ods, CSV text).

Income per head a month ("1.500.000", "1,500,000", "1 500 000", "1500000đ", "1,5 triệu", "1tr5", "1500 nghìn",
"1.500.000,50", "-", "không có", a formula, a "#,##0" cell holding 1499999.6 …), floor area ("45", "45m2", "45,5",
"45.50", "4,550", "8", "8,0"), B1/B2 scores ("140", "140 điểm", "30,0") and household size ("4", "4 người", "04").
Each must be read as meant, or said at its cell in Vietnamese — never silently misread — and the class must come
out right at the legal boundaries (domain.md §2.2, §2.3: income ≤ line; area per member < 8 m² deprived).
Tests marked "# guard (passes)" hold behaviour that works; the others start with "DEFECT." and fail on the code
as reviewed.
"""

from __future__ import annotations

import csv
import re
import shutil
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import (
    HH_SHEET,
    MM_SHEET,
    col_of,
    household,
    make_id,
    make_return,
    member,
    run_hgn,
    sheet_grid,
    write_ods,
    write_xls,
)
from hgn_review.pipeline import classify_paths

UNDECIDED = "Chưa đủ thông tin"
INCOME_COL = col_of("households", "thu_nhap_bq")
B1_COL = col_of("households", "diem_b1")
B2_COL = col_of("households", "diem_b2")
AREA_COL = col_of("households", "dien_tich_nha")
SIZE_COL = col_of("households", "so_thanh_vien")
FORMATS = ["xlsx", "xls", "ods", "csv"]


# ------------------------------------------------------------------------------------------ helpers
def _code(i: int) -> str:
    return f"11284-{i + 1:04d}"


def _rows(key: str, values: list[Any], members: int = 1, **common: Any) -> tuple[list[dict], list[dict]]:
    """One household per value (household i on Excel row i + 2), each with ``members`` members."""
    hhs, mms = [], []
    for i, v in enumerate(values):
        hhs.append(household(**{**common, "ma_ho": _code(i), key: v}))
        for k in range(members):
            mms.append(member(ma_ho=_code(i), stt=k + 1, quan_he="Chủ hộ" if k == 0 else "Con",
                              ho_ten=f"Nguyễn Văn Người {k}",
                              so_dinh_danh=make_id(serial=f"{i + 1:04d}{k:02d}")))
    return hhs, mms


def _write(fmt: str, tmp_path: Path, hhs: list[dict], mms: list[dict]) -> Path:
    """The same cells as an .xlsx, .xls, .ods return, or as a ;-separated UTF-8 CSV of the households (Excel on a
    Vietnamese computer: the comma is the decimal sign there, the list separator ";")."""
    if fmt == "xlsx":
        return make_return(tmp_path, hhs, mms)
    grids = {HH_SHEET: sheet_grid("households", hhs), MM_SHEET: sheet_grid("members", mms)}
    if fmt == "xls":
        return write_xls(tmp_path / "11284_2024.xls", grids)
    if fmt == "ods":
        return write_ods(tmp_path / "11284_2024.ods", grids)
    path = tmp_path / "11284_2024.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows([["" if v is None else v for v in r] for r in grids[HH_SHEET]])
    return path


def _classify(path: Path) -> tuple[pd.DataFrame, list[Any]]:
    run = classify_paths([path])
    return run.classification.households.set_index("ma_ho"), run.report.findings


def _at(findings: list[Any], row: int, col: str) -> list[Any]:
    return [f for f in findings if f.row == row and f.col == col]


def _cache_formula_results(path: Path, results: dict[str, str]) -> Path:
    """Give the formulas of the households sheet the results Excel stores when it saves (openpyxl writes none and
    asks for a full computation on opening, which hgn rightly distrusts): the file as Excel leaves it."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as zi, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zo:
        for name in zi.namelist():
            data = zi.read(name)
            if name == "xl/worksheets/sheet1.xml":
                xml = data.decode()
                for ref, value in results.items():
                    xml = re.sub(rf'(<c r="{ref}"[^>]*><f>[^<]*</f>)<v ?/>', rf"\g<1><v>{value}</v>", xml)
                data = xml.encode()
            if name == "xl/workbook.xml":
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            zo.writestr(name, data)
    shutil.move(tmp, path)
    return path


# ------------------------------------------------------------------------------------------ income per head
AT_LINE = ["1.500.000", "1,500,000", "1 500 000", "1500000,00", "1.500.000,00", "1,500,000.00", "1500000", 1500000]
ONE_ABOVE = ["1.500.001", "1,500,001", "1 500 001", 1500001]


@pytest.mark.parametrize("fmt", FORMATS)
def test_income_at_the_line_and_one_dong_above_however_grouped(tmp_path, fmt):
    # guard (passes)
    """1 500 000 đồng grouped by dots, commas or spaces, with a decimal ",00" or ".00", as text or a number cell is
    read as 1 500 000 — never 1.5 or 1500 — and is ≤ the rural line (Cận nghèo with no deprivation); one đồng more
    is above it (an NLNDN household: Mức sống trung bình). The same in .xls, .ods and a ;-separated CSV (no member
    list: the household at the line waits for its indicators, the one above is decided by the income alone)."""
    values = AT_LINE + ONE_ABOVE
    hh, findings = _classify(_write(fmt, tmp_path, *_rows("thu_nhap_bq", values)))
    for i, v in enumerate(values):
        row = hh.loc[_code(i)]
        at_line = i < len(AT_LINE)
        assert float(row["thu_nhap_bq"]) == (1500000 if at_line else 1500001), (fmt, v)
        assert not _at(findings, i + 2, INCOME_COL), (fmt, v)
        if at_line:
            assert row["phan_loai"] == ("Cận nghèo" if fmt != "csv" else UNDECIDED), (fmt, v)
        else:
            assert row["phan_loai"] == "Mức sống trung bình", (fmt, v)


def test_zero_income_is_read_as_zero_not_as_missing(tmp_path):
    # guard (passes)
    """"0" (a household with no income) is 0 đồng: ≤ the line, classified, no finding at the cell."""
    hh, findings = _classify(make_return(tmp_path, *_rows("thu_nhap_bq", ["0", 0])))
    for i in range(2):
        assert float(hh.loc[_code(i), "thu_nhap_bq"]) == 0
        assert hh.loc[_code(i), "phan_loai"] == "Cận nghèo"
        assert not _at(findings, i + 2, INCOME_COL)


UNREADABLE_INCOME = [
    ("1500000đ", "value-not-number"), ("1.500.000 đồng", "value-not-number"), ("1,5 triệu", "value-not-number"),
    ("1tr5", "value-not-number"), ("1.5tr", "value-not-number"), ("1500 nghìn", "value-not-number"),
    ("-", "value-not-number"), ("không có", "value-not-number"), ("1.500.000,50", "value-not-integer"),
    ("-1500000", "value-out-of-range"), ("1,500", "income-implausible"), ("1.500", "income-implausible"),
]


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_income_that_is_not_a_whole_number_of_dong_waits_with_its_cell_named(tmp_path, fmt):
    # guard (passes)
    """A unit or a word in the cell ("1500000đ", "1,5 triệu", "1tr5", "1500 nghìn"), a dash, "không có", half a
    đồng ("1.500.000,50" — never read as 150 000 050 or 1.5), a negative or an income in thousands: one error at
    the income cell of the household's row, quoting what was written, in Vietnamese naming the column; the
    household waits (Chưa đủ thông tin), never classified on a guess. In every format."""
    values = [v for v, _ in UNREADABLE_INCOME]
    hh, findings = _classify(_write(fmt, tmp_path, *_rows("thu_nhap_bq", values, diem_b1=100)))
    for i, (written, code) in enumerate(UNREADABLE_INCOME):
        assert hh.loc[_code(i), "phan_loai"] == UNDECIDED, (fmt, written)
        assert pd.isna(hh.loc[_code(i), "thu_nhap_bq"]), (fmt, written)
        said = _at(findings, i + 2, INCOME_COL)
        assert [f.code for f in said] == [code], (fmt, written, [f.code for f in said])
        assert said[0].value == written
        if code.startswith("value-"):
            assert "Thu nhập bình quân" in said[0].message() and written in said[0].message()


def test_a_thousands_formatted_cell_holding_a_fraction_of_a_dong_is_said_with_what_it_holds(tmp_path):
    # guard (passes)
    """A number cell formatted "#,##0" shows 1.500.000 but holds 1499999,6 (an income worked out by a formula
    and pasted as a value): hgn does not round it either way; the household waits with value-not-integer quoting
    the value held, and its reason says the income has a fraction of a đồng."""
    path = make_return(tmp_path, *_rows("thu_nhap_bq", [1499999.6, 1500000.4]))
    wb = openpyxl.load_workbook(path)
    for r in (2, 3):
        wb[HH_SHEET][f"{INCOME_COL}{r}"].number_format = "#,##0"
    wb.save(path)
    hh, findings = _classify(path)
    for i, held in enumerate(["1499999.6", "1500000.4"]):
        assert hh.loc[_code(i), "phan_loai"] == UNDECIDED
        said = _at(findings, i + 2, INCOME_COL)
        assert [(f.code, f.value) for f in said] == [("value-not-integer", held)]
        assert "phần lẻ" in hh.loc[_code(i), "ly_do"]


def test_formulas_excel_saved_are_read_at_the_fifteen_digits_excel_shows(tmp_path):
    # guard (passes)
    """Formulas with the results Excel stores: the rooms' areas 2,3 + 2,4 + 3,3 (stored 7.9999999999999991, shown
    8) for one person are 8 m² a head — not deprived; a B1 total 0,3 + 127,9 + 11,8 (stored 140.00000000000003,
    shown 140) is at the cut-off — Cận nghèo; an income =54000000/12/3 is 1 500 000. None is misread across the
    boundary by a last binary digit."""
    hhs = [household(dien_tich_nha="=2.3+2.4+3.3", loai_nha="Thiếu kiên cố", su_dung_internet="Không"),
           household(ma_ho=_code(1), thu_nhap_bq=None, diem_b1="=0.3+127.9+11.8"),
           household(ma_ho=_code(2), thu_nhap_bq="=54000000/12/3")]
    mms = [member(ma_ho=_code(i), so_dinh_danh=make_id(serial=f"{i + 1:06d}")) for i in range(3)]
    path = _cache_formula_results(make_return(tmp_path, hhs, mms), {
        f"{AREA_COL}2": "7.9999999999999991", f"{B1_COL}3": "140.00000000000003", f"{INCOME_COL}4": "1500000"})
    hh, findings = _classify(path)
    assert not [f for f in findings if f.severity == "error"], [(f.code, f.cell) for f in findings]
    assert int(hh.loc[_code(0), "th_dien_tich_nha"]) == 0
    assert hh.loc[_code(0), "phan_loai"] == "Cận nghèo"
    assert hh.loc[_code(1), "phan_loai"] == "Cận nghèo"
    assert float(hh.loc[_code(2), "thu_nhap_bq"]) == 1500000 and hh.loc[_code(2), "phan_loai"] == "Cận nghèo"


def test_a_formula_without_its_result_waits_and_is_said_at_its_cell(tmp_path):
    # guard (passes)
    """A formula whose result the file does not hold (written by a program): formula-not-computed at the income,
    B1 or area cell, and the household waits — never read as blank or 0."""
    hhs = [household(thu_nhap_bq="=4500000/3"), household(ma_ho=_code(1), thu_nhap_bq=None, diem_b1="=100+40"),
           household(ma_ho=_code(2), dien_tich_nha="=2.3+2.4+3.3", loai_nha="Thiếu kiên cố",
                     su_dung_internet="Không")]
    mms = [member(ma_ho=_code(i), so_dinh_danh=make_id(serial=f"{i + 1:06d}")) for i in range(3)]
    hh, findings = _classify(make_return(tmp_path, hhs, mms))
    for i, col in enumerate([INCOME_COL, B1_COL, AREA_COL]):
        assert hh.loc[_code(i), "phan_loai"] == UNDECIDED
        assert [f.code for f in _at(findings, i + 2, col)] == ["formula-not-computed"]


def test_an_income_in_millions_or_thousands_gets_a_hint_that_keeps_its_amount(tmp_path):
    """DEFECT. "1,5 triệu", "1tr5", "1.5tr", "1500 nghìn", "1500k" — an income per head written in millions or
    thousands with the word — are refused (rightly) with the hint "Chỉ ghi số, không ghi chữ hay đơn vị." ("write
    digits only, no words or units"). Followed to the letter, the officer deletes the word and writes "1,5", "15"
    or "1500": an amount a million or a thousand times too small (refused again, as not whole or in thousands —
    a second round trip for every such household of the commune). The hint for the income column should say to
    write it in đồng with every digit (as income-implausible's does: "Ghi thu nhập bằng đồng, đủ chữ số (ví dụ
    1.500.000)"). Cause: findings.py CATALOGUE "value-not-number" has one hint for every number column;
    validate.py:_type_sheet gives it no column- or word-specific detail."""
    written = ["1,5 triệu", "1tr5", "1.5tr", "1500 nghìn", "1500k"]
    hh, findings = _classify(make_return(tmp_path, *_rows("thu_nhap_bq", written)))
    for i, v in enumerate(written):
        said = _at(findings, i + 2, INCOME_COL)
        assert [f.code for f in said] == ["value-not-number"], v
        text = said[0].message() + " " + said[0].hint()
        assert "đồng" in said[0].hint() or "1.500.000" in said[0].hint(), (v, text)


# ------------------------------------------------------------------------------------------ floor area
AREA_READ = [("45", 45.0), ("45,5", 45.5), ("45.5", 45.5), ("45.50", 45.5), ("45,50", 45.5), (45.5, 45.5)]


@pytest.mark.parametrize("fmt", FORMATS)
def test_floor_area_written_with_a_decimal_comma_or_point_is_read_as_meant(tmp_path, fmt):
    # guard (passes)
    """"45,5", "45.5", "45.50", "45,50" are 45,5 m² — never 4550 — in every format; no finding at the cell."""
    hh, findings = _classify(_write(fmt, tmp_path, *_rows("dien_tich_nha", [v for v, _ in AREA_READ])))
    for i, (written, read) in enumerate(AREA_READ):
        assert float(hh.loc[_code(i), "dien_tich_nha"]) == read, (fmt, written)
        assert not _at(findings, i + 2, AREA_COL), (fmt, written)


AREA_BOUNDARY = [("8", 0), ("8,0", 0), ("8.0", 0), (8.0, 0), ("8,00", 0), (7.999999999999999, 0),
                 ("7,9", 1), (7.9, 1)]


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_eight_square_metres_for_one_person_is_not_deprived_in_every_format(tmp_path, fmt):
    # guard (passes)
    """Area per member < 8 m² is deprived (domain.md §2.3): exactly 8 — however written — is not, 7,9 is. With
    two other deprivations the area decides Nghèo against Cận nghèo."""
    values = [v for v, _ in AREA_BOUNDARY]
    hhs, mms = _rows("dien_tich_nha", values, loai_nha="Thiếu kiên cố", su_dung_internet="Không")
    hh, _ = _classify(_write(fmt, tmp_path, hhs, mms))
    for i, (written, deprived) in enumerate(AREA_BOUNDARY):
        row = hh.loc[_code(i)]
        assert int(row["th_dien_tich_nha"]) == deprived, (fmt, written)
        assert row["phan_loai"] == ("Nghèo" if deprived else "Cận nghèo"), (fmt, written)


def test_twenty_four_square_metres_for_three_people_is_not_deprived(tmp_path):
    # guard (passes)
    """"24" and "24,0" m² for three members: 8 m² a head exactly — not deprived; "23,9": deprived."""
    values = ["24", "24,0", "23,9"]
    hhs, mms = _rows("dien_tich_nha", values, members=3, loai_nha="Thiếu kiên cố", su_dung_internet="Không")
    for m in mms:
        if m["stt"] > 1:
            m.update(ngay_sinh="01/01/1985", viec_lam="Tự làm")
    hh, _ = _classify(make_return(tmp_path, hhs, mms))
    assert [int(hh.loc[_code(i), "th_dien_tich_nha"]) for i in range(3)] == [0, 0, 1]
    assert [hh.loc[_code(i), "phan_loai"] for i in range(3)] == ["Cận nghèo", "Cận nghèo", "Nghèo"]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize(("written", "code"), [("45m2", "value-not-number"), ("45 m²", "value-not-number"),
                                               ("4,550", "value-number-ambiguous"),
                                               ("8,000", "value-number-ambiguous")])
def test_an_area_with_its_unit_or_read_two_ways_is_said_at_its_cell(tmp_path, fmt, written, code):
    # guard (passes)
    """An area with its unit, or "4,550" / "8,000" (4,55 the Vietnamese way, 4 550 the English way): one error at
    the area cell quoting it; where the area decides the class the household waits."""
    hhs, mms = _rows("dien_tich_nha", [written], loai_nha="Thiếu kiên cố", su_dung_internet="Không")
    hh, findings = _classify(_write(fmt, tmp_path, hhs, mms))
    said = _at(findings, 2, AREA_COL)
    assert [(f.code, f.value) for f in said] == [(code, written)]
    assert "Diện tích" in said[0].message() or written in said[0].message()
    if fmt != "csv":
        assert hh.loc[_code(0), "phan_loai"] == UNDECIDED


@pytest.mark.parametrize("written", ["7.500", "15.000"])
def test_an_area_with_a_dot_and_three_decimals_is_not_used_as_thousands_of_square_metres(tmp_path, written):
    """DEFECT. A one-member household (or two members for "15.000") with two other deprivations whose floor area
    is written "7.500": hgn reads 7 500 m² (the dot as the Vietnamese thousands separator), warns only
    "Diện tích bình quân 7500 m²/người (trên 200)", and classifies the household Cận nghèo on it — not deprived in
    area. "7.500" reads two ways 1 000 apart exactly as "7,500" does (7,5 m² the English way — deprived, so Nghèo —
    or 7 500 m² the Vietnamese way), and the README says such a number is "neither taken"; "7,500" is refused at
    its cell, its mirror "7.500" is used. It is also the B1 case the README names ("140.000" read as 140 thousand:
    never used, the household waits) applied to the area: a reading hgn itself calls implausible decides the class.
    An officer expects an error at the area cell and the household Chưa đủ thông tin. Cause:
    schemas/coerce.py:parse_number reads "d.dd0" as thousands (the "900.000" rule meant for incomes) and
    coerce() flags only the comma form (_COMMA_ONE_GROUP) as ambiguous for number columns; validate.py's
    area-per-member-high is a warning that does not block."""
    members = 2 if written == "15.000" else 1
    hhs, mms = _rows("dien_tich_nha", [written], members=members, loai_nha="Thiếu kiên cố",
                     su_dung_internet="Không")
    for m in mms:
        if m["stt"] > 1:
            m.update(ngay_sinh="01/01/1985", viec_lam="Tự làm")
    hh, findings = _classify(make_return(tmp_path, hhs, mms))
    said = [(f.code, f.severity) for f in _at(findings, 2, AREA_COL)]
    assert hh.loc[_code(0), "phan_loai"] != "Cận nghèo", (hh.loc[_code(0), "dien_tich_nha"], said)
    assert any(sev == "error" for _, sev in said), said


# ------------------------------------------------------------------------------------------ B1, B2, size
@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_b1_at_the_cut_off_and_b2_with_a_decimal_comma(tmp_path, fmt):
    # guard (passes)
    """B1 "140" and "140,0" are at the rural cut-off (≤: Cận nghèo); "140 điểm" is an error at the B1 cell and
    the household waits; B2 "30,0" is 30 with no finding (three deprivations recorded: Nghèo)."""
    hhs, mms = _rows("diem_b1", ["140", "140,0", "140 điểm"], thu_nhap_bq=None)
    hhs.append(household(ma_ho=_code(3), thu_nhap_bq=None, diem_b1="100", diem_b2="30,0", loai_nha="Thiếu kiên cố",
                         su_dung_internet="Không", nha_tieu="Không có"))
    mms.append(member(ma_ho=_code(3), so_dinh_danh=make_id(serial="000099")))
    hh, findings = _classify(_write(fmt, tmp_path, hhs, mms))
    assert [hh.loc[_code(i), "phan_loai"] for i in range(3)] == ["Cận nghèo", "Cận nghèo", UNDECIDED]
    assert [(f.code, f.value) for f in _at(findings, 4, B1_COL)] == [("value-not-number", "140 điểm")]
    assert float(hh.loc[_code(3), "diem_b2"]) == 30 and not _at(findings, 5, B2_COL)
    assert hh.loc[_code(3), "phan_loai"] == "Nghèo"


def test_a_b1_score_written_but_unreadable_is_not_said_to_be_missing(tmp_path):
    """DEFECT. A household with no measured income whose B1 cell holds "140 điểm" waits (rightly), but its reason
    in the classified workbook ("Lý do") and the household-undecided finding say "Chưa đủ thông tin: thiếu thu nhập
    bình quân và điểm B1" — that the B1 score is missing, though the officer wrote it; an officer looking at the
    household's row sees a score there and is told it is absent. An income written but unreadable is said as such
    ("thu nhập bình quân ghi nhưng không đọc được"); the B1 score gets no such reason. Cause: validate.py:
    validate_file blocks an unreadable income (income-unreadable) but has no counterpart for an unreadable B1, so
    scoring/classify.py:classify falls to its "thiếu thu nhập bình quân và điểm B1" text."""
    hh, findings = _classify(make_return(tmp_path, *_rows("diem_b1", ["140 điểm"], thu_nhap_bq=None)))
    assert hh.loc[_code(0), "phan_loai"] == UNDECIDED
    reason = str(hh.loc[_code(0), "ly_do"])
    assert "thiếu thu nhập bình quân và điểm B1" not in reason, reason


@pytest.mark.parametrize("fmt", ["xlsx", "xls", "ods"])
def test_household_size_as_typed(tmp_path, fmt):
    # guard (passes)
    """Size "4" and "04" are 4 (four member rows: no mismatch); "4 người" is an error at the size cell, the
    household still classified from its four members."""
    hhs, mms = _rows("so_thanh_vien", ["4", "04", "4 người"], members=4)
    for m in mms:
        if m["stt"] > 1:
            m.update(ngay_sinh="01/01/1985")
    hh, findings = _classify(_write(fmt, tmp_path, hhs, mms))
    assert [int(hh.loc[_code(i), "so_thanh_vien"]) for i in range(2)] == [4, 4]
    assert not _at(findings, 2, SIZE_COL) and not _at(findings, 3, SIZE_COL)
    assert [(f.code, f.value) for f in _at(findings, 4, SIZE_COL)] == [("value-not-number", "4 người")]
    assert all(hh.loc[_code(i), "phan_loai"] != UNDECIDED for i in range(3))


# ------------------------------------------------------------------------------------------ marked copy of a CSV
def test_the_marked_copy_of_a_csv_return_keeps_the_numbers_hgn_read(tmp_path):
    """DEFECT. `hgn validate --report-xlsx` writes a CSV return's copy (phat_hien_ban_sao/…_loi.xlsx) "typed by
    its text". A ;-separated CSV (Excel on a Vietnamese computer) holding the income "900.000", the area "7.500"
    and the B1 "140.000": hgn reads 900 000 đồng, 7 500 m² and 140 000 points (the dot groups thousands — its
    b1-implausible comment on the copy says so: "140.000" được đọc là 140 nghìn), but the copy holds the numbers
    900, 7.5 and 140 — a thousandth of what was read, contradicting the comment beside it. An officer who corrects
    the copy and sends it back sends 900 đồng and 7,5 m² (the household's area flips from not deprived to
    deprived without anyone typing it). "1.500.000" and "45,50" stay text in the same copy. Cause:
    io/write.py:_typed — _FLOAT_TEXT takes "d.ddd" as a decimal, unlike schemas/coerce.py:parse_number, which reads
    three decimals ending in 0 as thousands."""
    hhs = [household(thu_nhap_bq="900.000"), household(ma_ho=_code(1), dien_tich_nha="7.500"),
           household(ma_ho=_code(2), thu_nhap_bq=None, diem_b1="140.000")]
    src = tmp_path / "in"
    src.mkdir()
    path = _write("csv", src, hhs, [])
    proc = run_hgn("validate", path, "--report-xlsx", tmp_path / "phat_hien.xlsx", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    copies = list((tmp_path / "phat_hien_ban_sao").glob("*.xlsx"))
    assert len(copies) == 1, proc.stdout
    ws = openpyxl.load_workbook(copies[0]).worksheets[0]
    got = {ref: ws[ref].value for ref in (f"{INCOME_COL}2", f"{AREA_COL}3", f"{B1_COL}4")}
    # the text as written, or the number hgn read — never a thousandth of it
    assert got[f"{INCOME_COL}2"] in ("900.000", 900000), got
    assert got[f"{AREA_COL}3"] in ("7.500", 7500), got
    assert got[f"{B1_COL}4"] in ("140.000", 140000), got
