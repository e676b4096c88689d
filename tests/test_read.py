"""Reading returns: header detection below titles and in bands, lenient header matching, Excel row numbers,
dates in their three forms, and the other file formats (.csv, .xls, .ods). The input is never modified."""

from __future__ import annotations

import csv
import datetime as dt
import io
import os

import pandas as pd
import pytest

from conftest import (
    BLANK,
    HEADER,
    HH_SHEET,
    MM_SHEET,
    household,
    make_app_return,
    make_id,
    make_return,
    member,
    sheet_grid,
    write_ods,
    write_xls,
)
from hgn_review.io.read import find_header, read_return
from hgn_review.schemas.layout import INDICATORS, load_layout
from hgn_review.validate import validate_paths

HGN = load_layout("hgn")
SECOND_HH = {"ma_ho": "11284-0002", "ho_ten_chu_ho": "Lê Văn Cường"}
SECOND_HEAD = {"ma_ho": "11284-0002", "ho_ten": "Lê Văn Cường", "ngay_sinh": "02/02/1975",
               "so_dinh_danh": make_id(birth_year=1975, serial="000003")}


def codes(result) -> list[tuple]:
    """(code, sheet, row, cell) of every finding, in report order."""
    return [(f.code, f.sheet, f.row, f.cell or None) for f in result.report.sorted()]


# ------------------------------------------------------------------------------------------ header row
def test_title_rows_above_header(tmp_path):
    """Four title rows push the header to row 5; data starts on row 6 and findings say so."""
    path = make_return(tmp_path, [household(thon=None)],
                       title_rows=["BIỂU RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO", "Xã Chi Lăng Nam", "Năm 2024", ""])
    ret = read_return(path)
    assert ret.findings == []
    hh = ret.sheets["households"]
    assert (hh.header_row, list(hh.frame.index)) == (5, [6])
    assert codes(validate_paths([path])) == [("value-required", HH_SHEET, 6, "D6")]


def test_two_row_merged_header_band(tmp_path):
    """A "Thiếu hụt" group merged over indicator sub-headers: every indicator is found under its group,
    even when a sub-header alone would name another column ("Chất lượng nhà ở", "Nguồn nước sinh hoạt")."""
    flags = {k: 0 for k in INDICATORS} | {"th_bhyt": 1, "th_chat_luong_nha": 1}
    path = make_return(tmp_path, [household(**flags)], group_band=True)
    ret = read_return(path)
    assert [(f.code, f.column) for f in ret.findings] == []
    hh = ret.sheets["households"]
    assert hh.header_row == 2
    assert list(hh.frame.index) == [3]
    assert set(INDICATORS) <= set(hh.letters)
    assert (hh.letters["loai_nha"], hh.letters["th_chat_luong_nha"]) == ("J", "AD")
    assert hh.headers["th_bhyt"] == "Bảo hiểm y tế"
    result = validate_paths([path])
    assert codes(result) == []
    h = result.households.loc[0]
    assert h["loai_nha"] == "Bán kiên cố" and h["nguon_nuoc"] == "Giếng khoan"
    assert {k: int(h[k]) for k in INDICATORS} == flags


def test_header_band_without_indicators_is_single_row(tmp_path):
    """Headers merged down over two rows are found on the top row; the empty second row is not data."""
    path = make_return(tmp_path, group_band=True)
    mm = read_return(path).sheets["members"]
    assert mm.header_row == 1
    assert list(mm.frame.index) == [3]


def test_numbered_key_row_is_not_data(tmp_path):
    """A row 1, 2, 3 … under the header is part of the header band: data starts below it."""
    path = make_return(tmp_path, [household(thon=None)], key_row=True)
    ret = read_return(path)
    assert ret.findings == []
    assert list(ret.sheets["households"].frame.index) == [3]
    assert list(ret.sheets["members"].frame.index) == [3]
    assert codes(validate_paths([path])) == [("value-required", HH_SHEET, 3, "D3")]


def test_first_data_row_of_small_numbers_is_not_a_key_row(tmp_path):
    """A data row is not mistaken for the numbering row just because some cells hold small numbers."""
    path = make_return(tmp_path)
    assert list(read_return(path).sheets["members"].frame.index) == [2]


@pytest.mark.parametrize(("key", "written"), [
    ("ma_ho", "MÃ HỘ"),
    ("ho_ten_chu_ho", "ho va ten chu ho"),
    ("thon", "Thôn,\ntổ dân phố"),
    ("dien_tich_nha", "Diện tích nhà ở (m2)"),
    ("dien_tich_nha", "Diện tích nhà ở"),
    ("thu_nhap_bq", "Thu nhập BQ"),
    ("thu_nhap_bq", "Thu nhập bình quân\n(đồng/người/tháng)"),
    ("ma_xa", "  Mã   xã "),
    ("so_thanh_vien", "Số nhân khẩu"),
])
def test_lenient_household_headers(tmp_path, key, written):
    """Case, diacritics, spacing, line breaks, "(…)" suffixes and aliases do not matter; the header text is
    reported as written (spaces collapsed)."""
    path = make_return(tmp_path, headers={"households": {key: written}})
    ret = read_return(path)
    assert ret.findings == []
    assert ret.sheets["households"].headers[key] == " ".join(written.split())
    assert codes(validate_paths([path])) == []


@pytest.mark.parametrize(("key", "written"), [
    ("so_dinh_danh", "Số CCCD"),
    ("ngay_sinh", "Năm sinh"),
    ("quan_he", "QUAN HỆ VỚI\nCHỦ HỘ"),
    ("stt", "TT"),
])
def test_lenient_member_headers(tmp_path, key, written):
    """Member headers are matched the same way (aliases such as "Số CCCD", "Năm sinh")."""
    path = make_return(tmp_path, headers={"members": {key: written}})
    ret = read_return(path)
    assert ret.findings == []
    assert ret.sheets["members"].headers[key] == " ".join(written.split())


def test_headers_quoted_as_written_in_findings(tmp_path):
    """A finding's column is the header the officer wrote, not the template's."""
    path = make_return(tmp_path, [household(thon=None)], headers={"households": {"thon": "THÔN"}})
    assert [(f.column, f.code) for f in validate_paths([path]).findings] == [("THÔN", "value-required")]


def test_sheet_name_aliases(tmp_path):
    """Sheets named by an alias ("Ho gia dinh", "Nhân khẩu") are recognised."""
    path = make_return(tmp_path, [household(thon=None)],
                       sheet_names={"households": "Ho gia dinh", "members": "Nhân khẩu"})
    result = validate_paths([path])
    assert codes(result) == [("value-required", "Ho gia dinh", 2, "D2")]
    assert list(result.members["sheet"]) == ["Nhân khẩu"]


def test_columns_starting_at_column_c(tmp_path):
    """A table starting at column C keeps true letters: Mã hộ is C and the blank Thôn is F2."""
    path = make_return(tmp_path, [household(thon=None)], start_col=3)
    ret = read_return(path)
    assert ret.sheets["households"].letters["ma_ho"] == "C"
    assert ret.sheets["members"].letters["so_dinh_danh"] == "F"
    assert codes(validate_paths([path])) == [("value-required", HH_SHEET, 2, "F2")]


def test_table_below_and_right_of_titles(tmp_path):
    """Titles above and an offset table together: header row 4, first column C."""
    path = make_return(tmp_path, [household(dien_tich_nha="bốn mươi")], start_col=3,
                       title_rows=["UBND XÃ CHI LĂNG NAM", "DANH SÁCH HỘ", ""])
    assert codes(validate_paths([path])) == [("value-not-number", HH_SHEET, 5, "M5")]


# ------------------------------------------------------------------------------------------ data band
def test_blank_rows_skipped_and_not_counted(tmp_path):
    """Blank rows inside the data are skipped, not counted, and later rows keep their Excel numbers."""
    path = make_return(tmp_path, [household(), BLANK, BLANK, household(**SECOND_HH, thon=None)],
                       [member(), BLANK, member(**SECOND_HEAD)])
    ret = read_return(path)
    assert ret.rows() == {HH_SHEET: 2, MM_SHEET: 2}
    assert list(ret.sheets["households"].frame.index) == [2, 5]
    result = validate_paths([path])
    assert codes(result) == [("value-required", HH_SHEET, 5, "D5")]
    assert result.report.summary()["rows"] == 4


def test_trailing_blank_rows_are_not_data(tmp_path):
    """Blank rows after the last household are no rows at all."""
    path = make_return(tmp_path, [household(), BLANK, BLANK, BLANK])
    assert read_return(path).rows() == {HH_SHEET: 1, MM_SHEET: 1}


def test_repeated_header_row_inside_data(tmp_path):
    """A header row pasted again between households is reported and skipped."""
    path = make_return(tmp_path, [household(), HEADER, household(**SECOND_HH)], [member(), member(**SECOND_HEAD)])
    ret = read_return(path)
    hh = ret.sheets["households"]
    assert hh.repeated_header_rows == [3]
    assert list(hh.frame.index) == [2, 4]
    assert [(f.code, f.sheet, f.row) for f in ret.findings] == [("header-row-repeated", HH_SHEET, 3)]


def test_app_export_below_a_title_with_repeated_header(tmp_path, app_row):
    """An application export with a title row is recognised as layout 2 and its repeated header is skipped."""
    path = make_app_return(tmp_path, [app_row(), HEADER, app_row(ma_ho="11284-0002")],
                           title_rows=["Danh sách hộ rà soát"])
    ret = read_return(path)
    assert ret.layout == "app"
    sd = ret.sheets["households"]
    assert (sd.header_row, list(sd.frame.index)) == (2, [3, 5])
    assert [(f.code, f.row) for f in ret.findings] == [("header-row-repeated", 4)]


def test_find_header_on_a_plain_grid():
    """find_header picks the row that matches most headers within the first 30 rows."""
    grid = pd.DataFrame([["Danh sách", None, None], ["Mã hộ", "Họ và tên chủ hộ", "Mã xã"],
                         ["11284-0001", "An", "11284"]], columns=list("ABC"), index=[1, 2, 3])
    m = find_header(grid, HGN.sheets["households"])
    assert m is not None
    assert (m.row, m.band_end) == (2, 2)
    assert m.found == {"ma_ho": ("A", "Mã hộ"), "ho_ten_chu_ho": ("B", "Họ và tên chủ hộ"), "ma_xa": ("C", "Mã xã")}


# ------------------------------------------------------------------------------------------ values
def test_dates_serial_text_and_year_only(tmp_path):
    """Excel date cells, bare serials, dd/mm/yyyy text and a year alone (text or number) are all read."""
    people = [dt.datetime(1980, 3, 12), 29292, "12/03/1980", "1980", 1980, "12.03.1980"]
    rows = [member(stt=i + 1, ngay_sinh=v, quan_he="Chủ hộ" if i == 0 else "Anh, chị, em",
                   so_dinh_danh=make_id(serial=f"00000{i}")) for i, v in enumerate(people)]
    path = make_return(tmp_path, [household(ngay_ra_soat=dt.date(2024, 9, 15))], rows)
    result = validate_paths([path])
    assert codes(result) == []
    m = result.members
    day = pd.Timestamp("1980-03-12")
    assert [None if pd.isna(v) else v for v in m["ngay_sinh"]] == [day, day, day, None, None, day]
    assert list(m["nam_sinh"]) == [1980] * 6
    assert result.households.loc[0, "ngay_ra_soat"] == pd.Timestamp("2024-09-15")


def test_impossible_and_out_of_range_dates_are_never_another_date(tmp_path):
    """31/04 and 29/02 of a common year are not dates; a date datetime64[ns] cannot hold (year 1500 or 2300) is
    reported as an impossible age, never turned into another date (it once read as 2084), and not used."""
    people = ["31/04/1980", "1980-02-30", "29/02/1981", "29/02/1980", "01/01/1500", dt.datetime(2300, 1, 1)]
    rows = [member(stt=i + 1, ngay_sinh=v, quan_he="Chủ hộ" if i == 0 else "Anh, chị, em",
                   so_dinh_danh=make_id(serial=f"00000{i}")) for i, v in enumerate(people)]
    path = make_return(tmp_path, [household(so_thanh_vien=6, ngay_ra_soat=dt.date(2024, 9, 15))], rows)
    result = validate_paths([path])
    found = [(f.code, f.row) for f in result.findings if f.key == "ngay_sinh"]
    assert found == [("value-not-date", 2), ("value-not-date", 3), ("value-not-date", 4),
                     ("value-out-of-range", 6), ("value-out-of-range", 7)]
    m = result.members
    assert [None if pd.isna(v) else v for v in m["ngay_sinh"]] == [None, None, None, pd.Timestamp("1980-02-29"),
                                                                    None, None]
    # a birth no one alive has (1500, 2300) is reported at its cell (the age) and not used: the age is unknown —
    # not 524, not -276 — and the ID is not blamed for it (tests/test_review11_cells.py)
    assert [None if pd.isna(v) else int(v) for v in m["nam_sinh"]] == [None, None, None, 1980, None, None]
    id_rows = sorted((f.row, f.code) for f in result.findings if f.code in ("id-sex-mismatch", "id-birth-year-mismatch"))
    assert id_rows == []


def test_birth_date_required_a_year_alone_fills_it(tmp_path):
    """A blank birth date is value-required; a year alone fills it (no finding); an unreadable one is reported
    once, as not a date, not also as missing."""
    people = [None, "1980", "ngày rằm"]
    rows = [member(stt=i + 1, ngay_sinh=v, quan_he="Chủ hộ" if i == 0 else "Anh, chị, em",
                   so_dinh_danh=make_id(serial=f"00000{i}")) for i, v in enumerate(people)]
    path = make_return(tmp_path, [household(so_thanh_vien=3, ngay_ra_soat=dt.date(2024, 9, 15))], rows)
    result = validate_paths([path])
    assert sorted((f.row, f.code, f.column) for f in result.findings if f.key == "ngay_sinh") == [
        (2, "value-required", "Ngày sinh"), (4, "value-not-date", "Ngày sinh")]


def test_year_zero_is_no_date(tmp_path):
    """There is no year 0: 01/01/0000 is not a date (and not a year to keep)."""
    path = make_return(tmp_path, [household(ngay_ra_soat=dt.date(2024, 9, 15))], [member(ngay_sinh="01/01/0000")])
    result = validate_paths([path])
    assert [f.code for f in result.findings if f.key == "ngay_sinh"] == ["value-not-date"]
    assert pd.isna(result.members.loc[0, "nam_sinh"])


def test_date_cells_written_by_xlsxwriter(tmp_path):
    """A date cell with a dd/mm/yyyy display format reads as the same date."""
    path = make_return(tmp_path, [household(ngay_ra_soat=dt.date(2024, 9, 15))],
                       [member(ngay_sinh=dt.datetime(1980, 3, 12))], engine="xlsxwriter")
    result = validate_paths([path])
    assert codes(result) == []
    assert result.members.loc[0, "ngay_sinh"] == pd.Timestamp("1980-03-12")


def test_numbers_instead_of_text(tmp_path):
    """Codes written as numbers keep their width (ma_xa 4 → "00004"); text digits work as numbers."""
    path = make_return(tmp_path, [household(ma_xa="00004", ma_ho="00004-0001", thu_nhap_bq="1.500.000",
                                            dien_tich_nha="45,5")],
                       [member(ma_ho="00004-0001", stt="1")], numbers={"households": ["ma_xa"]})
    result = validate_paths([path])
    assert codes(result) == []
    h = result.households.loc[0]
    assert (h["ma_xa"], h["khu_vuc"]) == ("00004", "Thành thị")
    assert (float(h["thu_nhap_bq"]), float(h["dien_tich_nha"])) == (1_500_000.0, 45.5)
    assert result.members.loc[0, "stt"] == 1


def test_integer_written_as_float_cell(tmp_path):
    """A whole number stored as 3.0 is the integer 3, not a fraction."""
    path = make_return(tmp_path, [household(so_thanh_vien=1.0)])
    result = validate_paths([path])
    assert codes(result) == []
    assert result.households.loc[0, "so_thanh_vien"] == 1


# ------------------------------------------------------------------------------------------ formats
def test_csv_utf8_with_bom(tmp_path):
    """A UTF-8 CSV with a byte-order mark is the households sheet; the BOM does not spoil "Mã hộ"."""
    grid = sheet_grid("households", [household(), household(**{**SECOND_HH, "ho_ten_chu_ho": "Đặng Thị Ánh"})])
    buf = io.StringIO()
    writer = csv.writer(buf)
    for row in grid:
        writer.writerow(["" if v is None else v for v in row])
    path = tmp_path / "11284.csv"
    path.write_bytes(buf.getvalue().encode("utf-8-sig"))
    ret = read_return(path)
    assert ret.layout == "hgn"
    hh = ret.sheets["households"]
    assert hh.headers["ma_ho"] == "Mã hộ" and hh.letters["ma_ho"] == "A"
    assert list(hh.frame.index) == [2, 3]
    result = validate_paths([path])
    # a CSV holds one table: the members sheet is reported missing, the households are read and typed
    assert codes(result) == [("sheet-missing", MM_SHEET, None, None)]
    assert list(result.households["ho_ten_chu_ho"]) == ["Nguyễn Văn An", "Đặng Thị Ánh"]
    assert list(result.households["ma_xa"]) == ["11284", "11284"]


def test_xls_biff8(tmp_path):
    """An Excel 97–2003 .xls return is read like an .xlsx: sheets, Vietnamese text, numbers, rows."""
    path = write_xls(tmp_path / "11284.xls", {
        HH_SHEET: sheet_grid("households", [household(), household(**SECOND_HH, thon=None)]),
        MM_SHEET: sheet_grid("members", [member(), member(**SECOND_HEAD)]),
    })
    result = validate_paths([path])
    assert codes(result) == [("value-required", HH_SHEET, 3, "D3")]
    assert list(result.households["ho_ten_chu_ho"]) == ["Nguyễn Văn An", "Lê Văn Cường"]
    assert list(result.households["thu_nhap_bq"].astype(float)) == [1_500_000.0, 1_500_000.0]
    assert list(result.members["so_dinh_danh"]) == ["030080001234", SECOND_HEAD["so_dinh_danh"]]
    assert list(result.members["uid"]) == [0, 1]


def test_ods(tmp_path):
    """An OpenDocument spreadsheet return is read with its sheet names and rows."""
    path = write_ods(tmp_path / "11284.ods", {
        HH_SHEET: sheet_grid("households", [household(), household(**SECOND_HH, thon=None)]),
        MM_SHEET: sheet_grid("members", [member(), member(**SECOND_HEAD)]),
    })
    result = validate_paths([path])
    assert codes(result) == [("value-required", HH_SHEET, 3, "D3")]
    assert list(result.households["ho_ten_chu_ho"]) == ["Nguyễn Văn An", "Lê Văn Cường"]
    assert list(result.members["ngay_sinh"]) == [pd.Timestamp("1980-03-12"), pd.Timestamp("1975-02-02")]


def test_folder_discovery_skips_lock_files_and_other_suffixes(tmp_path):
    """A folder yields its returns sorted; Office lock files and unrelated files are skipped."""
    make_return(tmp_path, name="b.xlsx")
    make_return(tmp_path, [household(**SECOND_HH)], [member(**SECOND_HEAD)], name="a.xlsx")
    (tmp_path / "~$a.xlsx").write_bytes(b"lock")
    (tmp_path / "ghi chu.txt").write_text("không phải biểu", encoding="utf-8")
    result = validate_paths([tmp_path])
    assert [os.path.basename(f.file) for f in result.report.files] == ["a.xlsx", "b.xlsx"]
    assert codes(result) == []


# ------------------------------------------------------------------------------------------ read only
@pytest.mark.parametrize("kind", ["xlsx", "xlsx-errors", "xls", "ods", "csv"])
def test_input_bytes_and_mtime_unchanged(tmp_path, kind):
    """Reading and validating never writes to the input: same bytes, same modification time."""
    grids = {HH_SHEET: sheet_grid("households", [household(thon=None)]), MM_SHEET: sheet_grid("members", [member()])}
    if kind == "xlsx":
        path = make_return(tmp_path, [household(thon=None)], hidden={"households": [0]})
    elif kind == "xlsx-errors":
        path = make_return(tmp_path, errors={"households": {(0, "dien_tich_nha"): "#REF!"}})
    elif kind == "xls":
        path = write_xls(tmp_path / "r.xls", grids)
    elif kind == "ods":
        path = write_ods(tmp_path / "r.ods", grids)
    else:
        path = tmp_path / "r.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as fh:
            csv.writer(fh).writerows([["" if v is None else v for v in r] for r in grids[HH_SHEET]])
    os.utime(path, ns=(1_600_000_000_000_000_000, 1_600_000_000_000_000_000))
    before = path.read_bytes()
    siblings = sorted(p.name for p in tmp_path.iterdir())
    result = validate_paths([path])
    assert result.findings  # something was found, so the run did real work
    assert path.read_bytes() == before
    assert path.stat().st_mtime_ns == 1_600_000_000_000_000_000
    assert sorted(p.name for p in tmp_path.iterdir()) == siblings
