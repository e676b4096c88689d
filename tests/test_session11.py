"""Session 11: defects found in review and fixed (each test fails on the code before its fix)."""

from __future__ import annotations

import io

import pandas as pd
import pytest
from rich.console import Console

from hgn_review.console import render_merge, render_run
from hgn_review.text import count_text


def _run_summary() -> dict:
    return {"files": 207, "processed": 207, "cached": 0, "counted": {"households": 621000, "persons": 2051199},
            "findings": {"error": 1234, "warning": 5}, "level": "province", "unit": "30", "unit_name": "Hải Dương",
            "by_class": {"Nghèo": 12345, "Cận nghèo": 2345}, "stages": {}, "outputs": {}, "notes": []}


def _printed(fn, summary: dict, lang: str, *args) -> str:
    buf = io.StringIO()
    fn(summary, *args, lang=lang, console=Console(file=buf, width=200, highlight=False))
    return buf.getvalue()


def test_counts_group_thousands_the_vietnamese_way():
    """A count for an officer reads 621.000 in Vietnamese (the dot groups thousands; 621,000 reads as 621 with a
    fraction) and 621,000 in English."""
    assert count_text(621000) == "621.000"
    assert count_text(2051199.0) == "2.051.199"
    assert count_text(999) == "999"
    assert count_text(621000, "en") == "621,000"
    vi = _printed(render_run, _run_summary(), "vi")
    assert "621.000 / 2.051.199" in vi and "1.234 / 5" in vi and "12.345" in vi
    assert "621,000" not in vi and "2,051,199" not in vi
    en = _printed(render_run, _run_summary(), "en")
    assert "621,000 / 2,051,199" in en


def test_merge_counts_group_thousands_the_vietnamese_way():
    summary = {"level": "province", "unit": "30", "unit_name": "Hải Dương", "households": 621000, "persons": 2051199,
               "reconciled": True, "missing_units": [], "by_class": {"Nghèo": {"households": 12345, "persons": 45678}},
               "findings": {"error": 1234, "warning": 0}}
    vi = _printed(render_merge, summary, "vi", [])
    assert "621.000 / 2.051.199" in vi and "12.345 hộ, 45.678 người" in vi and "1.234 lỗi" in vi
    assert "621,000" not in vi


def _heading_return(tmp_path):
    import openpyxl

    from hgn_review.sample import generate_sample

    generate_sample(tmp_path / "s", province="30", communes=1, households=4, seed=3, error_rate=0.0, year=2024)
    src = next((tmp_path / "s").glob("*.xlsx"))
    wb = openpyxl.load_workbook(src)
    ws = wb["Hộ gia đình"]
    width = ws.max_column
    ws.insert_rows(2)  # a village heading over the households, merged across the table as communes write it
    ws.cell(row=2, column=1, value="I. Tổ dân phố số 2")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws.insert_rows(5)
    ws.cell(row=5, column=1, value="Thôn Đông")
    m = wb["Thành viên"]
    m.insert_rows(2)
    m.cell(row=2, column=1, value="II. Khu 3")
    out = tmp_path / src.name
    wb.save(out)
    return out


def test_a_village_heading_row_is_no_household(tmp_path):
    """A heading row over a village's households ("I. Tổ dân phố số 2", one cell merged across the table) was read
    as a household with a dozen errors and counted; it is left out and said (section-heading-rows), and the four
    households and their members are read as they are."""
    from hgn_review.validate import validate_paths

    path = _heading_return(tmp_path)
    res = validate_paths([path])
    said = [f for f in res.report.findings if f.code == "section-heading-rows"]
    assert {(f.sheet, f.row) for f in said} == {("Hộ gia đình", 2), ("Thành viên", 2)}
    hh_said = next(f for f in said if f.sheet == "Hộ gia đình")
    assert hh_said.param("detail") == "2, 5" and hh_said.value == "2"
    assert len(res.households) == 4
    assert not [f for f in res.report.findings if f.code in ("household-code-missing", "value-required")]


def test_a_lone_name_row_stays_a_person(tmp_path):
    """guard: a member row holding only a name is a person whose other cells are missing (reported), not a
    heading."""
    import openpyxl

    from hgn_review.validate import validate_paths

    path = _heading_return(tmp_path)
    wb = openpyxl.load_workbook(path)
    m = wb["Thành viên"]
    name_col = next(c.column for c in m[1] if c.value == "Họ và tên")
    m.cell(row=m.max_row + 1, column=name_col, value="Nguyễn Văn Lẻ")
    wb.save(path)
    res = validate_paths([path])
    assert not [f for f in res.report.findings if f.code == "section-heading-rows" and f.row == m.max_row]
    assert any(f.row == m.max_row for f in res.report.findings if f.severity == "error")


def _income_case(tmp_path, income):
    from conftest import household, make_return, member
    from hgn_review.pipeline import classify_paths

    path = make_return(tmp_path, [household(thu_nhap_bq=income, so_thanh_vien=1)], [member()])
    run = classify_paths([path])
    found = [f for f in run.report.findings if f.code == "income-implausible"]
    return found, run.results.households


@pytest.mark.parametrize(("income", "odd"), [
    (0, False),            # no income: possible, classified on it
    (49_999, True),        # one đồng under the floor: written in thousands?
    (50_000, False),       # exactly on the floor
    ("1.500", True),       # 1 500 000 written in thousands, the Vietnamese way
    (1_500_000, False),
    (200_000_000, False),  # exactly on the ceiling
    (200_000_001, True),   # one đồng above
    ("030185003333", True),  # an ID pasted into the income
])
def test_an_income_no_household_lives_on_is_reported_and_not_classified_on(tmp_path, income, odd):
    """An income per head of 1 500 đồng a month ("1.500", written in thousands) made the household poor on a
    figure nobody lives on, with no word; outside the layout's plausible range (0 allowed) it is an error at its
    cell and the household waits (Chưa đủ thông tin), never classified on a guess either way."""
    found, hh = _income_case(tmp_path, income)
    assert bool(found) == odd
    if odd:
        f = found[0]
        assert (f.sheet, f.key, f.row) == ("Hộ gia đình", "thu_nhap_bq", 2)
        assert hh.loc[0, "phan_loai"] == "Chưa đủ thông tin"
        assert "income-implausible" in str(hh.loc[0, "loi_chan"])
    else:
        assert hh.loc[0, "phan_loai"] != "Chưa đủ thông tin"


@pytest.mark.parametrize(("area", "ambiguous", "read"), [
    ("7,500", True, None),     # 7.5 m² the Vietnamese way, 7 500 m² the English way: neither taken
    ("45,5", False, 45.5),     # a decimal comma: one reading
    ("1,234,5", False, None),  # not a number either way (reported as such)
    ("7.500", True, None),     # 7 500 the Vietnamese way, 7.5 the English way: neither taken (since session 20)
    ("7500", False, 7500.0),
])
def test_a_number_that_reads_two_ways_is_not_guessed(tmp_path, area, ambiguous, read):
    """A floor area written "7,500" was read as 7 500 m² (the English thousands comma) though in Vietnamese
    writing it is 7,5 m²: the two readings are 1 000 times apart and decide the housing-area deprivation. It is
    reported at its cell (value-number-ambiguous) and not used; one-way readings are unchanged."""
    from conftest import household, make_return, member
    from hgn_review.validate import validate_paths

    path = make_return(tmp_path, [household(dien_tich_nha=area, so_thanh_vien=1)], [member()])
    res = validate_paths([path])
    said = [f for f in res.report.findings if f.code == "value-number-ambiguous"]
    assert bool(said) == ambiguous
    if ambiguous:
        assert (said[0].key, said[0].row, said[0].value) == ("dien_tich_nha", 2, area)
    got = res.households.loc[0, "dien_tich_nha"]
    assert (pd.isna(got) if read is None else float(got) == read)


def test_an_old_code_in_a_2025_return_is_said_to_be_the_old_commune(tmp_path):
    """10510 (Phường Bình Hàn) in a return of a 2025 round was offered look-alike codes of other communes (one in
    another province); it is said to be the old code and where that commune went. A typo keeps its look-alikes."""
    from datetime import date

    from hgn_review.registry import get_registry
    from hgn_review.validate import _code_hint

    reg = get_registry()
    vi, en = _code_hint(reg, "10510", date(2025, 10, 12))
    assert "trước 1/7/2025" in vi and "10507" in vi and "mã gần giống" not in vi
    assert "before 1/7/2025" in en and "10507" in en
    typo_vi, typo_en = _code_hint(reg, "99999", date(2025, 10, 12))
    assert "trước 1/7/2025" not in typo_vi and "before 1/7/2025" not in typo_en


def test_both_rows_of_a_household_code_written_twice_are_marked_in_the_copy(tmp_path):
    """The commune fixes from the highlighted copy: a household code written on rows 2 and 3 was marked on row 3
    only ("trùng với dòng 2"), so the copy did not show which other row to compare. Row 2 is marked too, saying
    where the code is written again; the input is untouched."""
    import hashlib

    import openpyxl

    from conftest import household, make_return, member
    from hgn_review.io.write import write_findings_xlsx
    from hgn_review.validate import validate_paths

    path = make_return(tmp_path, [household(), household(thu_nhap_bq=1_400_000)], [member()])
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    res = validate_paths([path])
    dup = next(f for f in res.report.findings if f.code == "household-duplicate")
    assert (dup.row, dup.param("other")) == (3, "2")
    target = tmp_path / "out" / "phat_hien.xlsx"
    write_findings_xlsx(res.report, target, copies={f.file: path for f in res.report.findings})
    copy = next((tmp_path / "out").rglob("*_loi.xlsx"))
    ws = openpyxl.load_workbook(copy)["Hộ gia đình"]
    first, second = ws[f"{dup.col}2"], ws[f"{dup.col}3"]
    assert second.comment is not None and "household-duplicate" in second.comment.text
    assert first.comment is not None and "dòng 3" in first.comment.text
    assert first.fill.fill_type == "solid"
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before


def test_a_province_form_file_whose_number_is_not_its_name_is_refused(tmp_path):
    """--forms-dir holding bieu_03.yaml that says `number: 1` replaced form 1 and left form 3 bundled, silently; it
    is a ConfigError naming the file (one number per file, the one its name says)."""
    from importlib import resources

    from hgn_review.errors import ConfigError
    from hgn_review.reports.formdef import load_forms

    text = resources.files("hgn_review.reports").joinpath("forms/bieu_01.yaml").read_text("utf-8")
    (tmp_path / "bieu_03.yaml").write_text(text, "utf-8")
    with pytest.raises(ConfigError) as exc:
        load_forms(tmp_path)
    assert "bieu_03.yaml" in str(exc.value) and "1" in str(exc.value)
    (tmp_path / "bieu_03.yaml").unlink()
    (tmp_path / "bieu_01.yaml").write_text(text, "utf-8")  # guard: the same file under its own name is taken
    assert load_forms(tmp_path)[1].source.endswith("bieu_01.yaml")
