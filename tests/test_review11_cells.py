"""Review 11 — how cells are read: dates, numbers, yes/no and choice answers as communes really type them.

Spec (return-format.md): dates are read from Excel date serials, dd/mm/yyyy text and year-only values (birth
date: "date, or a year alone"; review date: "date"); yes/no from "Có", "Không", "x", "1", "0"; numbers as
integer / number. Every other form must be reported at its cell, quoting what was written and saying how to
write it — never read as something else, never silently blank. README: "nothing is imputed".
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from conftest import HH_SHEET, MM_SHEET, household, make_return, member, run_hgn
from hgn_review import legacy
from hgn_review.schemas.layout import load_layout
from hgn_review.validate import validate_paths

H, M = HH_SHEET, MM_SHEET
HGN = load_layout("hgn")


def hh(key: str) -> str:
    return HGN.sheets["households"].by_key[key].header


def mh(key: str) -> str:
    return HGN.sheets["members"].by_key[key].header


def at(result, sheet: str, row: int, column: str) -> list:
    """Errors and warnings at one cell."""
    return [f for f in result.findings if f.severity != "info" and (f.sheet, f.row, f.column) == (sheet, row, column)]


def codes(result) -> list[tuple]:
    return [(f.sheet, f.row, f.column, f.code) for f in result.report.sorted() if f.severity != "info"]


# ============================================================================================ defects
@pytest.mark.parametrize("as_number", [True, False], ids=["number-cell", "text-cell"])
def test_review_date_year_alone_is_not_read_as_an_excel_serial(tmp_path, as_number):
    """DEFECT. A commune that writes only the year "2024" in "Ngày rà soát" (not a year-only column: the spec says
    "date") has it read as Excel serial 2024 = 16/07/1905 — a guess. The finding then quotes "16/07/1905", a value
    the officer never wrote, and, measured from 1905, every member's correct birth date is reported as an error
    ("Ngày sinh = 12/03/1980 out of range", "head -75 years old") — the wrong cell. Expected: the review-date cell
    reported as not a date, quoting "2024", and nothing on the birth dates.
    Cause: schemas/coerce.py:parse_date — any digit string not matching _DMY/_YEAR (year only off) becomes a serial.
    """
    path = make_return(tmp_path, [household(ngay_ra_soat="2024")], None,
                       numbers=["ngay_ra_soat"] if as_number else ())
    result = validate_paths([path])
    typed = result.households["ngay_ra_soat"].iloc[0]
    assert typed != pd.Timestamp("1905-07-16"), "a year alone read as serial 2024 = 16/07/1905"
    here = at(result, H, 2, hh("ngay_ra_soat"))
    assert here and all(str(f.value) == "2024" for f in here), [(f.code, f.value) for f in here]
    assert at(result, M, 2, mh("ngay_sinh")) == [], [(f.code, f.message()) for f in at(result, M, 2, mh("ngay_sinh"))]


def test_review_date_year_alone_cli_json_quotes_what_was_written(tmp_path):
    """DEFECT (same as above, through `hgn validate --json`): the JSON shows value "16/07/1905" for a cell holding
    2024, and errors on the correct birth date E2 of the members sheet."""
    import json

    path = make_return(tmp_path, [household(ngay_ra_soat="2024")], None, numbers=["ngay_ra_soat"])
    proc = run_hgn("validate", "--json", path, cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    found = json.loads(proc.stdout)["findings"]
    assert not any(f["sheet"] == M and f["key"] == "ngay_sinh" for f in found), found
    review = [f for f in found if f.get("key") == "ngay_ra_soat"]
    assert review and all("1905" not in (f["message"] + str(f["value"])) for f in review), review


def test_review_date_year_typo_does_not_blame_correct_birth_dates(tmp_path):
    """DEFECT (wrong cell). "15/09/1924" for "15/09/2024" — a one-key typo in the review date. The review-date cell
    is reported (no standard), but the head's correct birth date 12/03/1980 is also reported as an error
    ("out of range, age 0–120") and as a head of −56 years: the officer is sent to "fix" a right cell. Ages should
    not be checked against a review date that is itself reported unusable."""
    path = make_return(tmp_path, [household(ngay_ra_soat="15/09/1924")], None)
    result = validate_paths([path])
    assert at(result, H, 2, hh("ngay_ra_soat")), codes(result)
    assert at(result, M, 2, mh("ngay_sinh")) == [], [(f.code, f.message()) for f in at(result, M, 2, mh("ngay_sinh"))]


@pytest.mark.parametrize("typed", ["1796", "1750", "1697"])
def test_birth_year_typo_is_not_silently_read_as_a_1904_date(tmp_path, typed):
    """DEFECT (silent guess). A birth year mistyped as "1796" (for 1976) in "Ngày sinh" is outside the years the reader
    takes alone (1800–2199) and so becomes Excel serial 1796 = 30/11/1904: a person aged 119,
    read without a single finding on the cell (with the ID left blank, only id-missing is said). Downstream the guess is
    used: classify_paths counts this one-person household deprived on "Người phụ thuộc" (an 'elderly' member). Spec: a value that cannot be read is reported at its cell.
    Cause: schemas/coerce.py:parse_date (serial branch applies to 4-digit numbers outside _YEAR)."""
    path = make_return(tmp_path, None, [member(ngay_sinh=typed, so_dinh_danh=None)])
    result = validate_paths([path])
    born = result.members["ngay_sinh"].iloc[0]
    here = at(result, M, 2, mh("ngay_sinh"))
    assert here, f"{typed!r} read silently as {born} with no finding on the birth-date cell"
    assert all(str(f.value) == typed for f in here)


def test_two_digit_year_number_does_not_blame_a_correct_id(tmp_path):
    """DEFECT (wrong cell). "80" typed as the birth year (a number cell) is read as serial 80 = 20/03/1900. The
    birth-date cell is reported out of range — but the correct ID 030080001234 (born 1980) is also reported:
    "born 1900 → digits 5–6 must be 00", telling the officer to change a right ID to match a guessed year.
    Cause: validate._id_checks uses the year of a birth date that _member_checks reports as out of range."""
    path = make_return(tmp_path, None, [member(ngay_sinh="80")], numbers=["ngay_sinh"])
    result = validate_paths([path])
    id_cell = [f.code for f in at(result, M, 2, mh("so_dinh_danh"))]
    assert id_cell == [], id_cell
    assert at(result, M, 2, mh("ngay_sinh"))


@pytest.mark.parametrize(("typed", "expected"), [("Yes", True), ("No", False), ("yes", True), ("no", False)])
def test_layout_yes_no_aliases_are_not_lost(tmp_path, typed, expected):
    """DEFECT (silent loss of the layout's data). layouts/hgn.yaml lists `yes` and `no` as aliases of Có / Không
    (`aliases: [x, "1", yes, co, "true", có]`), but the YAML loader reads unquoted yes/no as booleans, so the
    aliases become "true"/"false" and a return answering "Yes"/"No" is rejected as not yes/no. Spec: the layout is
    data ("a province can add an alias ... without code changes") — an alias written there must be honoured.
    Cause: schemas/layout.py:_choice_items str()s YAML 1.1 booleans (SafeLoader), yes → True → "True"."""
    path = make_return(tmp_path, None, [member(the_bhyt=typed)])
    result = validate_paths([path])
    assert at(result, M, 2, mh("the_bhyt")) == []
    assert bool(result.members["the_bhyt"].iloc[0]) is expected


# ============================================================================================ guards
# guard (passes): the accepted date forms are read as the dates they are, with no finding
@pytest.mark.parametrize(("typed", "number", "expected"), [
    ("12/03/1980", False, dt.date(1980, 3, 12)),
    ("12/3/1980", False, dt.date(1980, 3, 12)),
    ("3/12/1980", False, dt.date(1980, 12, 3)),  # dd/mm: day first, never US order
    (" 12/03/1980 ", False, dt.date(1980, 3, 12)),
    ("12/03/1980\u00a0", False, dt.date(1980, 3, 12)),
    ("12-03-1980", False, dt.date(1980, 3, 12)),
    ("12.03.1980", False, dt.date(1980, 3, 12)),
    ("29292", True, dt.date(1980, 3, 12)),  # Excel serial
    (dt.datetime(1980, 3, 12), False, dt.date(1980, 3, 12)),  # a real date cell
])
def test_accepted_birth_dates(tmp_path, typed, number, expected):
    path = make_return(tmp_path, None, [member(ngay_sinh=typed)], numbers=["ngay_sinh"] if number else ())
    result = validate_paths([path])
    assert codes(result) == []
    assert result.members["ngay_sinh"].iloc[0].date() == expected


# guard (passes): a year alone in the birth-date column, as text or as a number
@pytest.mark.parametrize("number", [False, True])
def test_birth_year_alone_is_read(tmp_path, number):
    path = make_return(tmp_path, None, [member(ngay_sinh="1980")], numbers=["ngay_sinh"] if number else ())
    result = validate_paths([path])
    assert codes(result) == []
    assert pd.isna(result.members["ngay_sinh"].iloc[0])
    assert int(result.members["nam_sinh"].iloc[0]) == 1980


# guard (passes): unreadable dates are reported at the cell, quoting what was written, with how to write it
@pytest.mark.parametrize("typed", ["12/3/80", "00/00/1980", "31/02/2000", "12 / 03 / 1980", "03/1980",
                                   "12031980"])  # (a date with a time after it is that day: test_session12)
def test_unreadable_birth_dates_are_reported_at_the_cell(tmp_path, typed):
    path = make_return(tmp_path, None, [member(ngay_sinh=typed)])
    result = validate_paths([path])
    here = at(result, M, 2, mh("ngay_sinh"))
    assert [f.code for f in here] == ["value-not-date"]
    assert here[0].value == typed and typed.strip() in here[0].message()
    assert "dd/mm/yyyy" in here[0].hint()
    assert pd.isna(result.members["ngay_sinh"].iloc[0])


# guard (passes): a two-digit year in the review date is not guessed into a century
def test_review_date_two_digit_year_is_reported(tmp_path):
    path = make_return(tmp_path, [household(ngay_ra_soat="15/9/24")], None)
    result = validate_paths([path])
    assert codes(result) == [(H, 2, hh("ngay_ra_soat"), "value-not-date")]


# guard (passes): a birth date in the future is reported at the birth-date cell
def test_birth_after_review_is_reported(tmp_path):
    path = make_return(tmp_path, None, [member(ngay_sinh="12/03/2030", so_dinh_danh=None)])
    result = validate_paths([path])
    assert "value-out-of-range" in [f.code for f in at(result, M, 2, mh("ngay_sinh"))]


# guard (passes): income written the ways Vietnamese officers write a whole number of đồng
@pytest.mark.parametrize("typed", ["1 500 000", "1\u00a0500\u00a0000", "1.500.000", "1,500,000", " 1500000 ",
                                   "1500000.0", "1.500.000,00"])  # (grouping and decimals: one reading, session 15)
def test_accepted_income_forms(tmp_path, typed):
    path = make_return(tmp_path, [household(thu_nhap_bq=typed)], None)
    result = validate_paths([path])
    assert codes(result) == []
    assert result.households["thu_nhap_bq"].iloc[0] == 1_500_000


# guard (passes): income with units, words or shorthand is reported at the cell, never read as a number
@pytest.mark.parametrize("typed", ["1.500.000 đ", "1,5 triệu", "1tr5", "1500k", "1500000đ", "4,5e3"])
def test_income_with_units_is_reported(tmp_path, typed):
    path = make_return(tmp_path, [household(thu_nhap_bq=typed)], None)
    result = validate_paths([path])
    here = at(result, H, 2, hh("thu_nhap_bq"))
    assert [f.code for f in here] == ["value-not-number"]
    assert here[0].value == typed
    assert pd.isna(result.households["thu_nhap_bq"].iloc[0])


# guard (passes): "-0" is zero, not an error and not a negative
def test_income_minus_zero(tmp_path):
    path = make_return(tmp_path, [household(thu_nhap_bq="-0")], None)
    result = validate_paths([path])
    assert at(result, H, 2, hh("thu_nhap_bq")) == []
    assert result.households["thu_nhap_bq"].iloc[0] == 0


# guard (passes): house area
@pytest.mark.parametrize(("typed", "expected", "code"), [
    (" 45 ", 45.0, None), ("45,5", 45.5, None), ("45.5", 45.5, None),
    ("45m2", None, "value-not-number"), ("45 m2", None, "value-not-number"),
    ("4,5e3", None, "value-not-number"), ("45,000", None, "value-number-ambiguous"),
    ("-0", None, "value-out-of-range"),
])
def test_house_area_forms(tmp_path, typed, expected, code):
    path = make_return(tmp_path, [household(dien_tich_nha=typed)], None)
    result = validate_paths([path])
    here = at(result, H, 2, hh("dien_tich_nha"))
    if code is None:
        assert here == []
        assert result.households["dien_tich_nha"].iloc[0] == expected
    else:
        assert [f.code for f in here] == [code]
        assert here[0].value == typed
        assert pd.isna(result.households["dien_tich_nha"].iloc[0])


# guard (passes): the yes/no answers the spec lists, in any case, as text, numbers and Excel booleans
@pytest.mark.parametrize(("typed", "number", "expected"), [
    ("Có", False, True), ("có", False, True), ("CÓ", False, True), ("x", False, True), ("X", False, True),
    ("1", False, True), ("0", False, False), ("1", True, True), ("0", True, False), ("Không", False, False),
    ("KHÔNG", False, False), (True, False, True), (False, False, False),
])
def test_accepted_yes_no(tmp_path, typed, number, expected):
    path = make_return(tmp_path, None, [member(the_bhyt=typed)], numbers=["the_bhyt"] if number else ())
    result = validate_paths([path])
    assert codes(result) == []
    assert bool(result.members["the_bhyt"].iloc[0]) is expected


# guard (passes): answers that are not yes/no are reported at the cell and left unknown
@pytest.mark.parametrize("typed", ["Có (đã cấp)", "không có", "K", "C", "Ko", "2", "Có.", "-"])
def test_other_yes_no_answers_are_reported(tmp_path, typed):
    path = make_return(tmp_path, None, [member(the_bhyt=typed)])
    result = validate_paths([path])
    here = at(result, M, 2, mh("the_bhyt"))
    assert [f.code for f in here] == ["value-not-yes-no"]
    assert here[0].value == typed and "Có" in here[0].message() and "Không" in here[0].message()
    assert pd.isna(result.members["the_bhyt"].iloc[0])


# guard (passes): recorded deprivation flags
def test_flags(tmp_path):
    path = make_return(tmp_path, [household(th_bhyt="X", th_viec_lam="Có (đã cấp)", th_nha_tieu="2")], None)
    result = validate_paths([path])
    assert result.households["th_bhyt"].iloc[0] == 1
    assert {(f.column, f.code, f.value) for f in result.findings if f.sheet == H and f.severity == "error"
            and f.code == "value-not-in-list"} == {
        (hh("th_viec_lam"), "value-not-in-list", "Có (đã cấp)"), (hh("th_nha_tieu"), "value-not-in-list", "2")}


# guard (passes): choices typed with a legacy keyboard are reported at the cell with the Unicode answer proposed,
# never read as another answer
@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_encoded_choices(tmp_path, encoding):
    enc = lambda v: legacy.from_unicode(v, encoding)  # noqa: E731
    path = make_return(tmp_path, [household(loai_nha=enc("Bán kiên cố"), su_dung_internet=enc("Không"))],
                       [member(dan_toc=enc("Mường"), trinh_do=enc("Tiểu học"))])
    result = validate_paths([path])
    for sheet, column, right in [(H, hh("loai_nha"), "Bán kiên cố"), (H, hh("su_dung_internet"), "Không"),
                                 (M, mh("dan_toc"), "Mường"), (M, mh("trinh_do"), "Tiểu học")]:
        here = at(result, sheet, 2, column)
        assert len(here) == 1 and f'"{right}"' in here[0].message(), (column, [f.message() for f in here])
    assert result.members["dan_toc"].isna().all()


# guard (passes): trailing dots and English answers are reported, not guessed
@pytest.mark.parametrize(("key", "typed", "sheet"), [
    ("loai_nha", "Bán kiên cố.", H), ("nguon_nuoc", "Tap water", H), ("tinh_trang_ho", "Resident", H),
    ("dan_toc", "Kinh.", M), ("quan_he", "Head", M), ("khuyet_tat", "None", M),
])
def test_dotted_and_english_choices_are_reported(tmp_path, key, typed, sheet):
    if sheet == H:
        path = make_return(tmp_path, [household(**{key: typed})], None)
        column = hh(key)
    else:
        path = make_return(tmp_path, None, [member(**{key: typed})])
        column = mh(key)
    result = validate_paths([path])
    here = at(result, sheet, 2, column)
    assert [f.code for f in here] == ["value-not-in-list"] and here[0].value == typed
