"""Review 22: numbers and dates as officers really type them, at the legal boundaries of the 2022–2025 standard.

Each test builds a small commune return cell by cell (tests/conftest.py) whose income, B1 score, floor area,
STT or dates are written the ways real files carry them ("1.500.000", "1,500,000", "1 500 000", "8,0", "8 m2",
"19-10-2024", a serial, a year alone, a formula …) and checks, against domain.md §2 and return-format.md, that
`hgn validate` / `hgn classify` read the value or report it at its cell, that a household exactly at a line is on
the right side of it (≤ line is under it), and that an unreadable or two-way value leaves the household undecided
instead of guessed. Tests marked "# guard (passes)" hold behaviour that works; the others start with "DEFECT." and
fail on the code as reviewed.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from conftest import (
    HH_SHEET,
    MM_SHEET,
    _build_sheet,
    col_of,
    household,
    make_id,
    make_return,
    member,
    run_hgn,
)
from hgn_review.pipeline import classify_paths
from hgn_review.schemas.layout import load_layout

UNDECIDED = "Chưa đủ thông tin"
INCOME_COL = col_of("households", "thu_nhap_bq")
B1_COL = col_of("households", "diem_b1")
AREA_COL = col_of("households", "dien_tich_nha")
DATE_COL = col_of("households", "ngay_ra_soat")


# ------------------------------------------------------------------------------------------ helpers
def _one_per_value(values: list[Any], **common: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One household (with its head) per value; ``common`` are overrides of every household row except the
    column that varies, which the caller passes as a key of ``common`` mapped to the sentinel ``...``."""
    key = next(k for k, v in common.items() if v is ...)
    hhs, mms = [], []
    for i, v in enumerate(values):
        code = f"11284-{i + 1:04d}"
        hhs.append(household(**{**common, "ma_ho": code, key: v}))
        mms.append(member(ma_ho=code, so_dinh_danh=make_id(serial=f"{i + 1:06d}")))
    return hhs, mms


def _classify(path: Path) -> tuple[Any, dict[tuple[str, int], list[Any]]]:
    """(households by ma_ho, findings by (sheet, Excel row)) of the library call behind `hgn classify`."""
    run = classify_paths([path])
    by_cell: dict[tuple[str, int], list[Any]] = {}
    for f in run.report.findings:
        by_cell.setdefault((f.sheet or "", f.row or 0), []).append(f)
    return run.classification.households.set_index("ma_ho"), by_cell


def _write_with_formulas(path: Path, households: list[dict[str, Any]], members: list[dict[str, Any]],
                         formulas: dict[tuple[int, str], tuple[str, Any]]) -> Path:
    """A return written by a program (xlsxwriter, as a provincial tool would): ``formulas`` maps (household item,
    key) to (formula, stored result or None). xlsxwriter stores 0 for a formula given no result and asks Excel to
    compute every formula again on opening (fullCalcOnLoad), as such files really are."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path), {"strings_to_numbers": False, "strings_to_formulas": False})
    for role, name, rows in (("households", HH_SHEET, households), ("members", MM_SHEET, members)):
        sh = _build_sheet(name, role, "hgn", rows)
        ws = wb.add_worksheet(name)
        for r, row in enumerate(sh.rows):
            for c, v in enumerate(row):
                if isinstance(v, int | float) and not isinstance(v, bool):
                    ws.write_number(r, c, v)
                elif v is not None:
                    ws.write_string(r, c, str(v))
        if role == "households":
            keys = [c.key for c in load_layout("hgn").sheets[role].columns]
            for (item, key), (formula, result) in formulas.items():
                if result is None:
                    ws.write_formula(item + 1, keys.index(key), formula)
                else:
                    ws.write_formula(item + 1, keys.index(key), formula, None, result)
    wb.close()
    return path


# ------------------------------------------------------------------------------------------ income line
INCOME_AT_LINE = ["1.500.000", "1,500,000", "1 500 000", "1\u00a0500\u00a0000", "1500000.0", "1500000,0",
                  1500000, 1500000.0, "\uff11\uff15\uff10\uff10\uff10\uff10\uff10"]
INCOME_ONE_ABOVE = ["1.500.001", "1,500,001", "1 500 001", 1500001]


def test_income_exactly_on_the_rural_line_is_under_it_however_written(tmp_path):
    # guard (passes)
    """1 500 000 đồng written the Vietnamese way, the English way, with spaces, as a number or as a full-width
    digit string is "≤ line" (domain.md §2.2: inclusive); one đồng more is above it (an NLNDN household:
    average living standard)."""
    values = INCOME_AT_LINE + INCOME_ONE_ABOVE
    hhs, mms = _one_per_value(values, thu_nhap_bq=...)
    hh, by_cell = _classify(make_return(tmp_path, hhs, mms))
    for i, v in enumerate(values):
        row = hh.loc[f"11284-{i + 1:04d}"]
        at_line = i < len(INCOME_AT_LINE)
        assert float(row["thu_nhap_bq"]) == (1500000 if at_line else 1500001), v
        assert row["phan_loai"] == ("Cận nghèo" if at_line else "Mức sống trung bình"), v
        assert not [f for f in by_cell.get((HH_SHEET, i + 2), []) if f.severity == "error"], v


@pytest.mark.parametrize(("written", "code"), [
    ("1.500.000 đ", "value-not-number"),   # a unit typed in the cell
    ("1,5 triệu", "value-not-number"),
    ("(1.500.000)", "value-not-number"),   # an accountant's negative
    ("-1.500.000", "value-out-of-range"),
    ("1,500", "income-implausible"),       # thousands: 1 500 đồng, or 1,5 — neither is an income
    ("1.500", "income-implausible"),
    ("1500", "income-implausible"),
    ("1,5", "value-not-integer"),          # 1,5 (million?) — not taken
])
def test_an_income_that_cannot_be_read_leaves_the_household_waiting_with_a_finding_at_its_cell(tmp_path, written,
                                                                                               code):
    # guard (passes)
    """An income per head with a unit, in thousands, negative or a fraction is an error at its cell (Hộ gia đình,
    column of the income, the household's row) and the household is Chưa đủ thông tin — never classified on the B1
    score or on a guess."""
    path = make_return(tmp_path, [household(thu_nhap_bq=written, diem_b1=100)], [member()])
    hh, by_cell = _classify(path)
    row = hh.loc["11284-0001"]
    assert row["phan_loai"] == UNDECIDED
    at_cell = [f for f in by_cell.get((HH_SHEET, 2), []) if f.col == INCOME_COL]
    assert [f.code for f in at_cell] == [code]
    assert at_cell[0].value == written


@pytest.mark.parametrize("written", ["1.500.000,00", "1.500.000,0"])
def test_a_vietnamese_number_with_grouping_and_a_decimal_comma_is_read(tmp_path, written):
    """DEFECT. "1.500.000,00" — dots grouping the thousands and a decimal comma, the full Vietnamese way of
    writing a number (as in a bank statement or a decision pasted from Word) — is refused as "phải là số, nhận được
    "1.500.000,00"" with the hint "Chỉ ghi số, không ghi chữ hay đơn vị", though it holds no word or unit; the
    household exactly on the line is left Chưa đủ thông tin. hgn reads "1.500.000" and "1500000,0", each half of
    the form, but not the two together. An officer expects 1 500 000, Cận nghèo (≤ line, domain.md §2.2).
    Likely cause: schemas/coerce.py:parse_number — the dot-thousands pattern (_DOT_THOUSANDS) admits no decimal
    part and the comma-decimal pattern (_COMMA_DECIMAL) admits no grouping dots, so the text falls to
    pd.to_numeric and becomes NA."""
    path = make_return(tmp_path, [household(thu_nhap_bq=written)], [member()])
    hh, by_cell = _classify(path)
    row = hh.loc["11284-0001"]
    said = [(f.code, f.cell) for f in by_cell.get((HH_SHEET, 2), [])]
    assert not pd.isna(row["thu_nhap_bq"]) and float(row["thu_nhap_bq"]) == 1500000, said
    assert row["phan_loai"] == "Cận nghèo", said


# ------------------------------------------------------------------------------------------ urban line
@pytest.mark.parametrize(("income", "b1", "expected"), [
    ("2.000.000", None, "Cận nghèo"),
    ("2 000 000", None, "Cận nghèo"),
    ("2.000.001", None, "Mức sống trung bình"),
    ("3.000.000", None, "Mức sống trung bình"),   # top of the urban average-living band, inclusive
    ("3.000.001", None, "Không nghèo"),
    (None, "175", "Cận nghèo"),                  # B1 cut-off of the urban area, inclusive (domain.md §2.4)
    (None, "175,0", "Cận nghèo"),
    (None, "175.5", "Không nghèo"),
])
def test_urban_household_on_either_side_of_the_urban_line(tmp_path, income, b1, expected):
    # guard (passes)
    """In Phường Cẩm Thượng (10507, urban before 7/2025) the line is 2 000 000 đồng and the B1 cut-off 175."""
    path = make_return(tmp_path, [household(ma_ho="10507-0001", ma_xa="10507", thu_nhap_bq=income, diem_b1=b1)],
                       [member(ma_ho="10507-0001")], name="10507_2024.xlsx")
    hh, _ = _classify(path)
    assert hh.loc["10507-0001", "phan_loai"] == expected


# ------------------------------------------------------------------------------------------ B1 score
@pytest.mark.parametrize(("written", "expected"), [
    ("140", "Cận nghèo"), ("140,0", "Cận nghèo"), ("140.0", "Cận nghèo"), ("140,00", "Cận nghèo"),
    ("139,99", "Cận nghèo"), ("140,5", "Không nghèo"), ("141", "Không nghèo"),
])
def test_b1_score_exactly_on_the_rural_cut_off_counts_as_under_the_line(tmp_path, written, expected):
    # guard (passes)
    """B1 ≤ 140 (rural) counts as income ≤ line (domain.md §2.4, inclusive), written with or without a decimal
    comma or point."""
    path = make_return(tmp_path, [household(thu_nhap_bq=None, diem_b1=written)], [member()])
    hh, _ = _classify(path)
    assert hh.loc["11284-0001", "phan_loai"] == expected


@pytest.mark.parametrize("written", ["140,000", "140 điểm", "-140"])
def test_an_unreadable_or_two_way_b1_score_leaves_the_household_waiting(tmp_path, written):
    # guard (passes)
    """"140,000" (140 the Vietnamese way, 140 000 the English way), a score with a word, a negative score: an
    error at the B1 cell and the household Chưa đủ thông tin."""
    path = make_return(tmp_path, [household(thu_nhap_bq=None, diem_b1=written)], [member()])
    hh, by_cell = _classify(path)
    assert hh.loc["11284-0001", "phan_loai"] == UNDECIDED
    assert [f.severity for f in by_cell.get((HH_SHEET, 2), []) if f.col == B1_COL] == ["error"]


# ------------------------------------------------------------------------------------------ formulas
@pytest.mark.parametrize(("key", "formula", "truth"), [
    ("thu_nhap_bq", "=9000000/3", "Không nghèo"),   # 3 000 000 a head: above the band, not poor
    ("diem_b1", "=100+100", "Không nghèo"),         # 200 points: above the cut-off
])
def test_a_formula_hgn_says_it_does_not_know_is_not_classified_as_its_stored_zero(tmp_path, key, formula, truth):
    """DEFECT. A return written by a program (xlsxwriter: every formula stored with result 0 and the workbook
    asking Excel to compute again on opening) whose income per head is "=9000000/3" (3 000 000 đồng) or whose B1
    is "=100+100": hgn reports formula-not-computed at the cell — "hgn không biết giá trị của ô" — and then
    classifies the household on the stored 0 anyway: Cận nghèo, with its income or score of 0 in the reason,
    though it is in truth not poor. The README says such a formula "is an error at its cell, never read as blank
    or as a stored 0"; an officer expects the household Chưa đủ thông tin until the file is opened and saved in
    Excel. Likely cause: validate.py:_type_sheet marks the uncomputed cell unreadable but keeps its typed value, and
    validate.py:validate_file blocks the household (income-unreadable) only where the typed income is NA — the
    stored 0 is not NA, and the B1 score has no such block at all."""
    over = {"thu_nhap_bq": None, "diem_b1": None, "ho_nlndn": "Không"}
    hhs = [household(**over)]
    path = _write_with_formulas(tmp_path / "11284_2024.xlsx", hhs, [member()], {(0, key): (formula, None)})
    proc = run_hgn("classify", path, "--out", tmp_path / "ket_qua.xlsx", "--json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    summary = json.loads(proc.stdout)
    assert summary["findings_by_code"].get("formula-not-computed") == 1  # said at the cell …
    assert summary["by_class"] in ({UNDECIDED: 1}, {truth: 1}), summary["by_class"]  # … and not classified on 0


# ------------------------------------------------------------------------------------------ housing area
@pytest.mark.parametrize(("area", "members", "deprived"), [
    ("8", 1, 0), ("8,0", 1, 0), ("8.0", 1, 0), ("8,00", 1, 0), ("24", 3, 0), ("24,0", 3, 0),
    ("7,9", 1, 1), ("7.99", 1, 1), ("23,9", 3, 1), ("8,01", 1, 0),
])
def test_floor_area_exactly_eight_square_metres_a_head_is_not_deprived(tmp_path, area, members, deprived):
    # guard (passes)
    """Deprived when the area per member is < 8 m² (domain.md §2.3): exactly 8 is not. With two other
    deprivations (a non-durable house, no internet) the area decides Nghèo against Cận nghèo."""
    kids = [member(stt=k + 2, ho_ten=f"Nguyễn Thị Con {k}", so_dinh_danh=make_id(birth_year=1985, female=True,
                                                                                 serial=f"00000{k}"),
                   ngay_sinh="01/01/1985", gioi_tinh="Nữ", quan_he="Khác") for k in range(members - 1)]
    path = make_return(tmp_path, [household(dien_tich_nha=area, loai_nha="Thiếu kiên cố", su_dung_internet="Không")],
                       [member(), *kids])
    hh, _ = _classify(path)
    row = hh.loc["11284-0001"]
    assert int(row["th_dien_tich_nha"]) == deprived
    assert row["phan_loai"] == ("Nghèo" if deprived else "Cận nghèo")


@pytest.mark.parametrize(("area", "code"), [
    ("8 m2", "value-not-number"), ("8m²", "value-not-number"), ("7,500", "value-number-ambiguous"),
    ("7,999", "value-number-ambiguous"), ("0", "value-out-of-range"), ("-8", "value-out-of-range"),
    (None, "value-required"),
])
def test_an_area_that_cannot_be_read_leaves_a_deciding_household_undecided(tmp_path, area, code):
    # guard (passes)
    """With two deprivations the area decides the class: an area with its unit, a two-way "7,500", zero, negative
    or blank is an error at its cell and the household is Chưa đủ thông tin, not guessed either way."""
    path = make_return(tmp_path, [household(dien_tich_nha=area, loai_nha="Thiếu kiên cố", su_dung_internet="Không")],
                       [member()])
    hh, by_cell = _classify(path)
    assert hh.loc["11284-0001", "phan_loai"] == UNDECIDED
    assert [f.code for f in by_cell.get((HH_SHEET, 2), []) if f.col == AREA_COL] == [code]


# ------------------------------------------------------------------------------------------ dates
@pytest.mark.parametrize("written", ["19/10/2024", "19-10-2024", "19.10.2024", "2024-10-19", "19/10/2024 08:30",
                                     45584, "45584", dt.date(2024, 10, 19), dt.datetime(2024, 10, 19)])
def test_review_date_written_the_ways_real_files_carry_it(tmp_path, written):
    # guard (passes)
    """dd/mm/yyyy with /, - or ., ISO text, a date-time, a serial (as a number or as text), a date cell: all
    19/10/2024."""
    path = make_return(tmp_path, [household(ngay_ra_soat=written)], [member()])
    hh, by_cell = _classify(path)
    row = hh.loc["11284-0001"]
    assert row["ngay_ra_soat"] == dt.datetime(2024, 10, 19)
    assert row["phan_loai"] == "Cận nghèo"
    assert not [f for f in by_cell.get((HH_SHEET, 2), []) if f.col == DATE_COL]


@pytest.mark.parametrize("written", ["2024", 2024, "10/19/2024", "19/10/24", "31/09/2024", "10/2024"])
def test_a_review_date_that_is_not_a_day_is_an_error_at_its_cell_and_the_household_waits(tmp_path, written):
    # guard (passes)
    """A year alone (allowed for a birth date only), a month-first date, a two-digit year, a day that does not
    exist: value-not-date at the review date's cell; the standard cannot be chosen, the household waits (a
    second household with a good date lets the run choose its standard)."""
    path = make_return(tmp_path, [household(ngay_ra_soat=written), household(ma_ho="11284-0002")],
                       [member(), member(ma_ho="11284-0002", so_dinh_danh=make_id(serial="000002"))])
    hh, by_cell = _classify(path)
    assert hh.loc["11284-0001", "phan_loai"] == UNDECIDED
    assert [f.code for f in by_cell.get((HH_SHEET, 2), []) if f.col == DATE_COL] == ["value-not-date"]


@pytest.mark.parametrize(("birth", "dependent"), [
    ("19/10/2008", 0), ("20/10/2008", 1), ("19-10-2008", 0), ("2008-10-20", 1),
    (dt.date(2008, 10, 19), 0), (dt.date(2008, 10, 20), 1), (39740, 0), (39741, 1),
    ("2008", None), (2008, None), (dt.date(1905, 6, 30), None),  # a year alone; 2008 typed into a date cell
])
def test_a_child_on_the_day_of_16_at_the_review_date_tips_the_dependents_share(tmp_path, birth, dependent):
    # guard (passes)
    """Review 19/10/2024; the head (44), a child of 9 and a child born around 19/10/2008. Under 16 is a child
    (dependent): 2 of 3 members is more than 50 % (deprived); at 16 exactly, 1 of 3 is not. With two other
    deprivations the flag decides Nghèo/Cận nghèo; a birth year alone leaves it open and the household waits."""
    hh_row = household(ngay_ra_soat="19/10/2024", loai_nha="Thiếu kiên cố", su_dung_internet="Không")
    common = {"quan_he": "Con", "viec_lam": "Không tham gia lao động", "dang_di_hoc": "Có", "suy_dinh_duong": "Không"}
    mms = [member(),
           member(stt=2, ho_ten="Nguyễn Văn Bé", so_dinh_danh=make_id(birth_year=2008, serial="000002"),
                  ngay_sinh=birth, trinh_do="THCS", cap_hoc="THPT", **common),
           member(stt=3, ho_ten="Nguyễn Văn Út", so_dinh_danh=make_id(birth_year=2015, serial="000003"),
                  ngay_sinh="01/01/2015", trinh_do="Tiểu học", cap_hoc="Tiểu học", **common)]
    hh, _ = _classify(make_return(tmp_path, [hh_row], mms))
    row = hh.loc["11284-0001"]
    if dependent is None:
        assert pd.isna(row["th_nguoi_phu_thuoc"])
        assert row["phan_loai"] == UNDECIDED
    else:
        assert int(row["th_nguoi_phu_thuoc"]) == dependent
        assert row["phan_loai"] == ("Nghèo" if dependent else "Cận nghèo")


# ------------------------------------------------------------------------------------------ STT
@pytest.mark.parametrize(("written", "read"), [
    ("1", 1), ("1.0", 1), ("01", 1), ("1,0", 1), ("\uff11", 1), (1.0, 1),
    ("0", None), ("1.5", None), ("'1", None),
])
def test_member_serial_number_forms(tmp_path, written, read):
    # guard (passes)
    """STT 1 written as text, with a decimal zero, a leading zero or full-width is 1; 0, 1.5 or a literal
    apostrophe is an error at the STT cell of the member's row."""
    path = make_return(tmp_path, [household()], [member(stt=written)])
    run = classify_paths([path])
    got = run.classification.members["stt"].iloc[0]
    said = [f for f in run.report.findings if f.sheet == MM_SHEET and f.row == 2 and f.col == col_of("members", "stt")]
    if read is None:
        assert pd.isna(got) and len(said) == 1
    else:
        assert int(got) == read and not said
