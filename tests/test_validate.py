"""`validate_paths`: every validation finding code, located at the cell the officer sees, and the typed frames.

Each table case is a minimal return (a valid household and its head) with one deliberate defect; the
assertion lists (sheet, Excel row, header as written, code) of every error and warning, frictionless style.
"""

from __future__ import annotations

import io
import os
import random
import re
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from conftest import (
    BLANK,
    COMMUNE,
    COMMUNE_2,
    HEAD_ID,
    HEADER,
    HH_SHEET,
    MM_SHEET,
    app_row,
    household,
    make_app_return,
    make_id,
    make_return,
    member,
)
from hgn_review import legacy
from hgn_review.findings import CATALOGUE
from hgn_review.io.read import read_return
from hgn_review.io.safety import Limits
from hgn_review.schemas.layout import INDICATORS, load_layout
from hgn_review.validate import validate_paths

H, M = HH_SHEET, MM_SHEET
HGN = load_layout("hgn")
APP = load_layout("app")


def hh(key: str) -> str:
    """The template header of a household column."""
    return HGN.sheets["households"].by_key[key].header


def mh(key: str) -> str:
    """The template header of a member column."""
    return HGN.sheets["members"].by_key[key].header


def located(result, *, info: bool = False) -> list[tuple]:
    """(sheet, row, column, code) of the errors and warnings (or of the info findings), in report order."""
    return [(f.sheet, f.row, f.column, f.code) for f in result.report.sorted() if (f.severity == "info") == info]


def only(result, code: str):
    """The single finding with this code."""
    found = [f for f in result.findings if f.code == code]
    assert len(found) == 1, found
    return found[0]


ID = mh("so_dinh_danh")
WIFE = {"stt": 2, "ho_ten": "Phạm Thị Lan", "gioi_tinh": "Nữ", "quan_he": "Vợ, chồng", "ngay_sinh": "20/07/1982",
        "so_dinh_danh": make_id(birth_year=1982, female=True, serial="000002")}
SECOND_HH = {"ma_ho": "11284-0002", "ho_ten_chu_ho": "Lê Văn Cường"}
SECOND_HEAD = {"ma_ho": "11284-0002", "ho_ten": "Lê Văn Cường", "ngay_sinh": "02/02/1975",
               "so_dinh_danh": make_id(birth_year=1975, serial="000003")}

# (id, households, members, make_return options, expected (sheet, row, column, code) list)
CASES = [
    # --- types and domains ---
    ("value-required/household", [household(thon=None)], None, {}, [(H, 2, hh("thon"), "value-required")]),
    ("value-required/member", None, [member(ho_ten=None)], {}, [(M, 2, mh("ho_ten"), "value-required")]),
    ("value-not-number", [household(dien_tich_nha="bốn mươi")], None, {},
     [(H, 2, hh("dien_tich_nha"), "value-not-number")]),
    ("value-not-integer", [household(so_thanh_vien="1.5")], None, {},
     [(H, 2, hh("so_thanh_vien"), "value-not-integer")]),
    ("value-not-date", None, [member(ngay_sinh="31/02/1980")], {}, [(M, 2, mh("ngay_sinh"), "value-not-date")]),
    ("value-not-yes-no", None, [member(the_bhyt="Có lẽ")], {}, [(M, 2, mh("the_bhyt"), "value-not-yes-no")]),
    ("value-not-in-list", None, [member(dan_toc="Kinhh")], {}, [(M, 2, mh("dan_toc"), "value-not-in-list")]),
    ("value-out-of-range/area-0", [household(dien_tich_nha=0)], None, {},
     [(H, 2, hh("dien_tich_nha"), "value-out-of-range")]),
    ("value-out-of-range/income-negative", [household(thu_nhap_bq=-1)], None, {},
     [(H, 2, hh("thu_nhap_bq"), "value-out-of-range")]),
    ("value-out-of-range/age-over-120", None, [member(ngay_sinh="01/01/1890", so_dinh_danh=None)], {},
     [(M, 2, ID, "id-missing"), (M, 2, mh("ngay_sinh"), "value-out-of-range")]),
    ("value-out-of-range/born-after-review", None,
     [member(), member(stt=2, quan_he="Con", ngay_sinh="01/01/2030", so_dinh_danh=make_id(birth_year=2030, serial="000009"))],
     {}, [(M, 3, mh("ngay_sinh"), "value-out-of-range")]),
    ("b2-not-multiple-of-10", [household(diem_b2=15)], None, {}, [(H, 2, hh("diem_b2"), "b2-not-multiple-of-10")]),
    ("income-basis-missing", [household(thu_nhap_bq=None, diem_b1=None)], None, {},
     [(H, 2, hh("thu_nhap_bq"), "income-basis-missing")]),
    # --- identity ---
    ("id-missing", None, [member(so_dinh_danh=None)], {}, [(M, 2, ID, "id-missing")]),
    ("id-invalid-format", None, [member(so_dinh_danh="03008000123")], {}, [(M, 2, ID, "id-invalid-format")]),
    ("id-leading-zero-restored", None,
     [member(ho_ten="Lê Thị Hoa", gioi_tinh="Nữ", ngay_sinh="05/06/1990", so_dinh_danh=30190001235)], {},
     [(M, 2, ID, "id-leading-zero-restored")]),
    ("id-province-unknown", None, [member(so_dinh_danh="099080001234")], {}, [(M, 2, ID, "id-province-unknown")]),
    ("id-sex-mismatch", None, [member(so_dinh_danh="030180001234")], {}, [(M, 2, ID, "id-sex-mismatch")]),
    ("id-birth-year-mismatch", None, [member(so_dinh_danh="030081001234")], {},
     [(M, 2, ID, "id-birth-year-mismatch")]),
    ("id-duplicate", None, [member(), member(stt=2, ho_ten="Nguyễn Văn Bình", quan_he="Anh, chị, em")], {},
     [(M, 3, ID, "id-duplicate")]),
    ("household-duplicate", [household(), household(thon="Thôn 2")], None, {},
     [(H, 3, hh("ma_ho"), "household-duplicate")]),
    ("member-orphan", None,
     [member(), member(ma_ho="11284-0099", quan_he="Con", so_dinh_danh=make_id(serial="000099"))], {},
     [(M, 3, mh("ma_ho"), "member-orphan")]),
    ("household-no-members", [household(), household(**SECOND_HH)], None, {},
     [(H, 3, hh("ma_ho"), "household-no-members")]),
    ("household-no-head", None, [member(quan_he="Con")], {}, [(H, 2, hh("ma_ho"), "household-no-head")]),
    ("household-multiple-heads", None, [member(), member(**{**WIFE, "quan_he": "Chủ hộ"})], {},
     [(M, 3, mh("quan_he"), "household-multiple-heads")]),
    ("household-size-mismatch", [household(so_thanh_vien=3)], [member(), member(**WIFE)], {},
     [(H, 2, hh("so_thanh_vien"), "household-size-mismatch")]),
    ("member-stt-duplicate", None, [member(), member(**{**WIFE, "stt": 1})], {},
     [(M, 3, mh("stt"), "member-stt-duplicate")]),
    # --- plausibility ---
    ("head-too-young", None, [member(ngay_sinh="01/01/2015", so_dinh_danh=make_id(birth_year=2015))], {},
     [(M, 2, mh("ngay_sinh"), "head-too-young")]),
    ("degree-too-young", None,
     [member(), member(stt=2, ho_ten="Nguyễn Minh Khôi", quan_he="Con", ngay_sinh="10/10/2020", viec_lam=None,
                       so_dinh_danh=make_id(birth_year=2020, serial="000004"), trinh_do="Đại học trở lên",
                       suy_dinh_duong="Không")], {},
     [(M, 3, mh("trinh_do"), "degree-too-young")]),
    ("school-level-age", None, [member(dang_di_hoc="Có", cap_hoc="Mầm non")], {},
     [(M, 2, mh("cap_hoc"), "school-level-age")]),
    ("area-per-member-high", [household(dien_tich_nha=250)], None, {},
     [(H, 2, hh("dien_tich_nha"), "area-per-member-high")]),
    # --- administrative ---
    ("commune-unknown", [household(ma_xa="11285")], None, {}, [(H, 2, hh("ma_xa"), "commune-unknown")]),
    ("commune-mismatch", [household(), household(**SECOND_HH, ma_xa=COMMUNE_2)], [member(), member(**SECOND_HEAD)],
     {"info": {"Mã xã": COMMUNE}}, [(H, 3, hh("ma_xa"), "commune-mismatch")]),
    ("area-mismatch", [household(khu_vuc="Thành thị")], None, {}, [(H, 2, hh("khu_vuc"), "area-mismatch")]),
    # --- text ---
    ("text-not-nfc", None, [member(ho_ten=unicodedata.normalize("NFD", "Nguyễn Văn An"))], {},
     [(M, 2, mh("ho_ten"), "text-not-nfc")]),
    # --- workbook hygiene ---
    ("formula-error", None, None, {"errors": {"households": {(0, "dien_tich_nha"): "#DIV/0!"}}},
     [(H, 2, hh("dien_tich_nha"), "formula-error")]),
    ("merged-cells-in-data", [household(), household(**SECOND_HH)], [member(), member(**SECOND_HEAD)],
     {"merges": {"households": [("ra_soat_vien", 0, 1)]}}, [(H, 2, hh("ra_soat_vien"), "merged-cells-in-data")]),
    ("hidden-row-with-data", None, None, {"hidden": {"households": [0]}}, [(H, 2, None, "hidden-row-with-data")]),
    # --- structure ---
    ("header-row-repeated", [household(), HEADER, household(**SECOND_HH)], [member(), member(**SECOND_HEAD)], {},
     [(H, 3, None, "header-row-repeated")]),
    ("column-missing", None, None, {"drop": {"households": ["thon"]}}, [(H, 1, hh("thon"), "column-missing")]),
    ("column-duplicated", [household(**{"Mã HGĐ": "11284-0001"})], None, {},
     [(H, 1, hh("ma_ho"), "column-duplicated")]),
    ("sheet-missing", None, None, {"omit": ["members"]}, [(M, None, None, "sheet-missing")]),
    # a members sheet without a single cell is an error (every member is absent); one with its header but no row
    # is a warning, and each household is then reported without members
    ("sheet-blank", None, None, {"empty": ["members"]}, [(M, None, None, "sheet-blank")]),
    ("sheet-empty", None, [], {}, [(H, 2, hh("ma_ho"), "household-no-members"), (M, None, None, "sheet-empty")]),
    ("header-not-found", None, None,
     {"omit": ["members"], "raw_sheets": {M: [["Cột 1", "Cột 2"], ["a", "b"]]}},
     [(M, None, None, "header-not-found")]),
    ("layout-unknown", None, None,
     {"omit": ["households", "members"], "raw_sheets": {"Sheet1": [["Tên", "Tuổi"], ["An", 30]]}},
     [("", None, None, "layout-unknown")]),
]


@pytest.mark.parametrize(("households", "members", "opts", "expected"), [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_defect_is_one_located_finding(tmp_path, households, members, opts, expected):
    """A valid return with one deliberate defect yields exactly the expected located findings."""
    path = make_return(tmp_path, households, members, **opts)
    result = validate_paths([path])
    assert located(result) == expected
    assert all(f.file == str(path) for f in result.findings)


def test_table_covers_every_validation_code():
    """Every catalogue code outside the classify and merge groups is exercised by this module."""
    tested = {code for c in CASES for *_, code in c[4]}
    tested |= {"text-legacy-encoding", "column-unknown", "file-unreadable", "file-too-large", "file-duplicate",
               "file-check-failed", "footer-rows-skipped", "sheet-copy-ignored", "file-hgn-output",
               "file-extension-mismatch", "sheet-found-by-headers", "sheet-not-read",
               "id-duplicate-batch", "row-duplicate", "deprivation-count-mismatch", "rows-beside-list", "column-no-header",
               "file-archive",  # (a zipped return in the folder: tests/test_session9.py, test_review9_hostile.py)
               "footer-rows-inside",  # (tests/test_session10.py, test_review10_rows.py, test_review_session6.py)
               "sheet-table-not-read",  # (tests/test_review11_locate.py)
               "section-heading-rows", "income-implausible", "value-number-ambiguous",  # (tests/test_session11.py)
               "formula-not-computed",  # (tests/test_session13.py)
               "household-size-missing", "column-header-near",  # (tests/test_session15.py)
               "column-missing-one-of", "column-missing-soft", "value-not-in-list-multi",  # (test_review25_format.py)
               "sheet-members-beside-export",  # (test_review27_app.py)
               "formula-rows-skipped",  # (test_review29_messy.py)
               "column-unit-different",  # (test_session19.py, test_review38_boundaries.py)
               "member-possible-duplicate", "b1-implausible", "value-date-ambiguous",
               "date-order-doubt",  # (test_session20.py)
               "file-shortcut", "layout-members-only"}  # (test_session21.py)
    wanted = {c.code for c in CATALOGUE.values() if c.group not in ("classify", "merge")}
    assert wanted - tested == set()


def test_valid_two_household_return_is_clean(tmp_path):
    """A complete two-household return has no error and no warning, and both households are typed."""
    path = make_return(tmp_path, [household(), household(**SECOND_HH, so_thanh_vien=2)],
                       [member(), member(**SECOND_HEAD), member(**{**WIFE, "ma_ho": "11284-0002"})])
    result = validate_paths([path])
    assert located(result) == []
    assert list(result.households["ma_ho"]) == ["11284-0001", "11284-0002"]
    assert len(result.members) == 3
    assert result.report.summary()["rows"] == 5


# ------------------------------------------------------------------------------------------ details
def test_not_in_list_suggests_the_near_value(tmp_path):
    """A near miss like "Kinhh" names the allowed value it resembles."""
    result = validate_paths([make_return(tmp_path, members=[member(dan_toc="Kinhh")])])
    f = only(result, "value-not-in-list")
    assert f.value == "Kinhh"
    assert f.param("suggestion") == ' (có phải "Kinh"?)'
    assert f.message() == '"Kinhh" không có trong danh mục của "Dân tộc" (có phải "Kinh"?).'
    assert result.members.loc[0, "dan_toc"] is pd.NA


def test_not_in_list_far_value_has_no_suggestion(tmp_path):
    """A value resembling nothing in the list gets no suggestion."""
    result = validate_paths([make_return(tmp_path, members=[member(dan_toc="Zzzzqq")])])
    assert only(result, "value-not-in-list").param("suggestion") == ""


def test_out_of_range_quotes_what_was_written(tmp_path):
    """The range finding quotes the written figure and the allowed range."""
    result = validate_paths([make_return(tmp_path, [household(thu_nhap_bq=-1)])])
    f = only(result, "value-out-of-range")
    assert (f.value, f.param("detail")) == ("-1", "≥ 0")


def test_out_of_range_value_is_na_in_frame(tmp_path):
    """An out-of-range figure is invalid, so the typed frame holds NA for it (contract §1: never kept)."""
    path = make_return(tmp_path, [household(thu_nhap_bq=-1, dien_tich_nha=0)])
    h = validate_paths([path]).households.loc[0]
    assert pd.isna(h["thu_nhap_bq"]) and pd.isna(h["dien_tich_nha"])


@pytest.mark.parametrize(("key", "value", "detail"), [
    ("so_thanh_vien", 0, "≥ 1, ≤ 50"), ("so_thanh_vien", 51, "≥ 1, ≤ 50"), ("diem_b2", 130, "0–120"),  # (B2: 12 indicators × the standard's points)
    ("diem_b1", -5, "≥ 0"), ("dien_tich_nha", -3, "> 0")])
def test_layout_bounds_are_checked(tmp_path, key, value, detail):
    """Every min / max / exclusive min of the layout yields value-out-of-range with the range as detail."""
    result = validate_paths([make_return(tmp_path, [household(**{key: value})], [member()])])
    found = [(f.key, f.value, f.param("detail")) for f in result.findings if f.code == "value-out-of-range"]
    assert found == [(key, str(value), detail)]


def test_commune_unknown_suggests_near_codes(tmp_path):
    """An unknown commune code comes with the nearest registry codes."""
    result = validate_paths([make_return(tmp_path, [household(ma_xa="11285")])])
    f = only(result, "commune-unknown")
    assert f.value == "11285"
    assert f.param("detail") == "15/09/2024"
    assert "11284 Xã Chi Lăng Nam" in f.param("suggestion")
    assert result.households.loc[0, "khu_vuc"] is pd.NA


def test_commune_mismatch_names_the_file_commune(tmp_path):
    """A household of another commune is reported against the commune declared for the file."""
    path = make_return(tmp_path, [household(), household(**SECOND_HH, ma_xa=COMMUNE_2)],
                       [member(), member(**SECOND_HEAD)], info={"Mã xã": COMMUNE})
    f = only(validate_paths([path]), "commune-mismatch")
    assert (f.value, f.param("detail")) == (COMMUNE_2, "11284 Xã Chi Lăng Nam")


def test_area_mismatch_keeps_the_row_value(tmp_path):
    """khu_vuc written on the row wins over the registry and is reported when they differ."""
    result = validate_paths([make_return(tmp_path, [household(khu_vuc="Thành thị")])])
    f = only(result, "area-mismatch")
    assert f.value == "Thành thị"
    row = result.households.loc[0]
    assert (row["khu_vuc"], row["khu_vuc_nguon"]) == ("Thành thị", "ho")


def test_leading_zero_restored_in_typed_frame(tmp_path):
    """An ID stored as the number 30190001235 is restored to "030190001235" in the finding and the frame."""
    path = make_return(tmp_path, members=[member(ho_ten="Lê Thị Hoa", gioi_tinh="Nữ", ngay_sinh="05/06/1990",
                                                 so_dinh_danh=30190001235)])
    result = validate_paths([path])
    f = only(result, "id-leading-zero-restored")
    assert f.param("detail") == "030190001235"
    assert result.members.loc[0, "so_dinh_danh"] == "030190001235"
    assert result.members.loc[0, "dinh_danh_loi"] is pd.NA


def test_id_written_as_text_with_eleven_digits_is_not_restored(tmp_path):
    """Only a number cell can have lost its zero: 11 digits written as text are a format error."""
    path = make_return(tmp_path, members=[member(ho_ten="Lê Thị Hoa", gioi_tinh="Nữ", ngay_sinh="05/06/1990",
                                                 so_dinh_danh="30190001235")])
    result = validate_paths([path])
    assert [f.code for f in result.findings] == ["id-invalid-format"]
    assert result.members.loc[0, "so_dinh_danh"] is pd.NA


def test_id_with_spaces_is_normalised(tmp_path):
    """Spaces typed inside an ID are ignored: the frame holds the 12 digits and nothing is reported."""
    result = validate_paths([make_return(tmp_path, members=[member(so_dinh_danh="030 080 001 234")])])
    assert result.findings == []
    assert result.members.loc[0, "so_dinh_danh"] == HEAD_ID


def test_id_duplicate_points_at_first_row(tmp_path):
    """The later row of a repeated ID is reported, with the first row as `other`."""
    path = make_return(tmp_path, members=[member(), member(stt=2, ho_ten="Nguyễn Văn Bình", quan_he="Anh, chị, em")])
    result = validate_paths([path])
    f = only(result, "id-duplicate")
    assert (f.row, f.param("other"), f.value) == (3, "2", HEAD_ID)
    assert list(result.members["dinh_danh_loi"].astype(object).fillna("-")) == ["-", "trung"]


def test_household_duplicate_points_at_first_row(tmp_path):
    """A repeated household code is reported on the later row with the first row as `other`."""
    result = validate_paths([make_return(tmp_path, [household(), household(thon="Thôn 2")])])
    f = only(result, "household-duplicate")
    assert (f.value, f.param("other")) == ("11284-0001", "2")


def test_id_duplicate_across_files_reported_in_every_file(tmp_path):
    """The same person in two communes' files is reported in both, each naming the other: which commune is right
    is not known (the files' order is no evidence), so both are told to check — as `hgn merge` reports it."""
    a = make_return(tmp_path, name="a_11284.xlsx")
    b = make_return(tmp_path, [household(**SECOND_HH)],
                    [member(ma_ho="11284-0002", stt=1, ho_ten="Nguyễn Văn An")], name="b_11284.xlsx")
    result = validate_paths([tmp_path])
    assert [(f.file, f.sheet, f.row, f.column, f.code) for f in result.findings] == [
        (str(a), M, 2, ID, "id-duplicate-batch"), (str(b), M, 2, ID, "id-duplicate-batch")]
    assert [f.param("other") for f in result.findings] == ["b_11284.xlsx, dòng 2", "a_11284.xlsx, dòng 2"]
    assert {f.col for f in result.findings} == {"D"}
    loi = result.members.set_index("file")["dinh_danh_loi"]
    assert loi[str(a)] == loi[str(b)] == "trung"
    assert loi[str(b)] == "trung"


@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
def test_legacy_encoded_name(tmp_path, encoding):
    """A name typed in a legacy Vietnamese encoding is flagged with the encoding and the Unicode proposal."""
    name = "Nguyễn Thị Hương"
    garbled = legacy.from_unicode(name, encoding)
    assert garbled != name
    path = make_return(tmp_path, members=[member(ho_ten=garbled, gioi_tinh="Nữ",
                                                 so_dinh_danh=make_id(female=True))])
    result = validate_paths([path])
    assert located(result) == [(M, 2, mh("ho_ten"), "text-legacy-encoding")]
    f = result.findings[0]
    assert (f.value, f.param("detail"), f.param("proposal")) == (garbled, encoding, name)


def test_legacy_encoding_series_detection_leaves_unicode_alone():
    """detect_series names the encoding of legacy text and leaves proper Unicode (and NFD) unflagged."""
    s = pd.Series([legacy.from_unicode("Trần Văn Đức", "TCVN3"), legacy.from_unicode("Trần Văn Đức", "VNI"),
                   "Trần Văn Đức", unicodedata.normalize("NFD", "Trần Văn Đức"), "Nguyen Van A"], dtype="string")
    got = legacy.detect_series(s)
    assert list(got.astype(object).where(got.notna(), None)) == ["TCVN3", "VNI", None, None, None]


def test_formula_error_cell_reported_once(tmp_path):
    """A cached #DIV/0! in a number column is one formula-error with the error text as value."""
    path = make_return(tmp_path, errors={"households": {(0, "dien_tich_nha"): "#DIV/0!"}})
    result = validate_paths([path])
    f = only(result, "formula-error")
    assert (f.value, f.col, f.cell) == ("#DIV/0!", "K", "K2")
    assert [x.code for x in result.findings if x.row == 2 and x.key == "dien_tich_nha"] == ["formula-error"]


def test_merged_cells_detail_names_range(tmp_path):
    """A merge across two data rows is reported once, with its range."""
    path = make_return(tmp_path, [household(), household(**SECOND_HH)], [member(), member(**SECOND_HEAD)],
                       merges={"households": [("ra_soat_vien", 0, 1)]})
    f = only(validate_paths([path]), "merged-cells-in-data")
    assert f.param("detail") == "W2:W3"


def test_hidden_row_still_checked(tmp_path):
    """A hidden data row is reported and its values are still validated."""
    path = make_return(tmp_path, [household(thon=None)], hidden={"households": [0]})
    assert located(validate_paths([path])) == [(H, 2, None, "hidden-row-with-data"),
                                               (H, 2, hh("thon"), "value-required")]


def test_column_unknown_is_info_and_values_kept(tmp_path):
    """An extra column is an info finding at the header, and its values stay with the read sheet."""
    path = make_return(tmp_path, [household(**{"Ghi chú": "hộ mới tách"})])
    result = validate_paths([path])
    assert located(result) == []
    assert located(result, info=True) == [(H, 1, "Ghi chú", "column-unknown")]
    assert only(result, "column-unknown").col == "AJ"
    extra = read_return(path).sheets["households"].extra
    assert extra["Ghi chú"].tolist() == ["hộ mới tách"]
    assert list(extra.index) == [2]


def test_column_duplicated_uses_first(tmp_path):
    """A header given twice (here through an alias) is reported and the first column is the one read."""
    path = make_return(tmp_path, [household(**{"Mã HGĐ": "KHÁC"})])
    result = validate_paths([path])
    f = only(result, "column-duplicated")
    assert f.param("detail") == "A, AJ"
    assert result.households.loc[0, "ma_ho"] == "11284-0001"


def test_column_missing_still_reads_the_rest(tmp_path):
    """A missing required column is reported at the header row; other columns are still typed."""
    path = make_return(tmp_path, drop={"households": ["thon"]})
    result = validate_paths([path])
    assert only(result, "column-missing").key == "thon"
    assert result.households.loc[0, "thon"] is pd.NA
    assert result.households.loc[0, "ma_ho"] == "11284-0001"


# ------------------------------------------------------------------------------------------ files
def test_shared_ids_flags_only_ids_met_in_another_file():
    """The batch test's core: an ID repeated inside one file is not a batch duplicate (the per-file check
    reports it); an ID in two files flags its rows in both; missing IDs never match. IDs that are not all
    12 digits get no integer key (the caller compares their text instead)."""
    import pyarrow as pa

    from hgn_review.validate import id_keys, shared_ids

    ids = pa.array(["030080001234", "030080001234", "001099000001", None, "001099000001", None, "000000000000"])
    keys = id_keys(ids)
    assert keys is not None and keys.tolist() == [30080001234, 30080001234, 1099000001, 0, 1099000001, 0, 0]
    files = np.array([0, 0, 0, 0, 1, 1, 1])
    has = np.asarray(ids.is_valid())
    assert shared_ids(keys, files, has).tolist() == [False, False, True, False, True, False, False]
    assert id_keys(pa.array(["030080001234", "03008000123X"])) is None
    assert id_keys(pa.array(["3008000123"])) is None


def test_members_without_any_household_row_are_reported_not_a_crash(tmp_path):
    """A households sheet with its header but no rows, and a members sheet with rows: every member is reported
    as belonging to no household (it used to raise IndexError in the age checks, failing the whole file)."""
    result = validate_paths([make_return(tmp_path, households=[], members=[member(), member(stt=2)])])
    assert len(result.members) == 2 and result.households.empty
    codes = {f.code for f in result.findings}
    assert "file-unreadable" not in codes
    assert [f.row for f in result.findings if f.code == "member-orphan"] == [2, 3]


def test_a_fault_of_hgn_on_one_file_is_a_finding_and_the_others_are_checked(tmp_path, monkeypatch):
    """If checking one return raises (a bug in hgn), that return gets one file-check-failed error naming the kind
    of fault and where in hgn — not its message, which may quote a personal ID — and the other returns are
    checked as usual. With HGN_DEBUG set the exception is raised for the developer."""
    import hgn_review.validate as v

    good = make_return(tmp_path, name="a_11284.xlsx")
    bad = make_return(tmp_path, [household(**SECOND_HH)], [member(ma_ho="11284-0002")], name="b_11284.xlsx")
    real = v.validate_file

    def flaky(ret, as_of=None, standard=None):
        if ret.path.endswith("b_11284.xlsx"):
            raise ValueError(f"cannot parse {HEAD_ID}")
        return real(ret, as_of, standard)

    monkeypatch.setattr(v, "validate_file", flaky)
    monkeypatch.delenv("HGN_DEBUG", raising=False)
    result = validate_paths([tmp_path])
    failed = [f for f in result.findings if f.code == "file-check-failed"]
    assert [(f.file, f.severity) for f in failed] == [(str(bad), "error")]
    assert failed[0].param("detail").startswith("ValueError (validate.py:")
    assert all(HEAD_ID not in f.message() and HEAD_ID not in f.message("en") for f in result.findings)
    assert list(result.households["file"]) == [str(good)]
    assert [s.readable for s in result.report.files] == [True, False]
    monkeypatch.setenv("HGN_DEBUG", "1")
    with pytest.raises(ValueError):
        validate_paths([bad])


def test_id_duplicate_batch_ignores_argument_order(tmp_path):
    """Files given in reverse order report the cross-file duplicate the same way: in both files."""
    a = make_return(tmp_path, name="a_11284.xlsx")
    b = make_return(tmp_path, [household(**SECOND_HH)], [member(ma_ho="11284-0002")], name="b_11284.xlsx")
    result = validate_paths([b, a])
    assert sorted((f.file, f.code, f.param("other")) for f in result.findings) == [
        (str(a), "id-duplicate-batch", "b_11284.xlsx, dòng 2"), (str(b), "id-duplicate-batch", "a_11284.xlsx, dòng 2")]


def test_optional_columns_may_be_absent(tmp_path):
    """Leaving out optional columns (khu_vuc, the indicator flags, B1/B2 …) is no finding at all; leaving out one
    required of some members only (employment for working age, nutrition for children, the level at school) is
    a warning naming it."""
    optional = ["khu_vuc", "so_thanh_vien", "diem_b1", "diem_b2", "nguoi_co_cong", "bao_tro_xa_hoi",
                "nguyen_nhan_ngheo", "phan_loai_dau_ky", "tinh_trang_ho", "ra_soat_vien", *INDICATORS]
    path = make_return(tmp_path, drop={"households": optional, "members": ["khuyet_tat"]})
    result = validate_paths([path])
    assert [(f.code, f.column) for f in result.findings] == []
    h = result.households.loc[0]
    assert h["khu_vuc"] == "Nông thôn"
    assert pd.isna(h["th_bhyt"]) and pd.isna(h["so_thanh_vien"]) and pd.isna(h["diem_b1"])
    some = make_return(tmp_path / "some", drop={"members": ["viec_lam", "suy_dinh_duong", "cap_hoc"]})
    assert [(f.code, f.severity, f.column) for f in validate_paths([some]).findings] == [
        ("column-missing-soft", "warning", c) for c in ("Tình trạng việc làm", "Suy dinh dưỡng", "Cấp học đang học")]


def test_layout_defaults_apply_when_column_absent(tmp_path):
    """tinh_trang_ho defaults to "Đang cư trú" and khuyet_tat to "Không" (contract §1), also when the
    optional column is not in the file at all."""
    path = make_return(tmp_path, drop={"households": ["tinh_trang_ho"], "members": ["khuyet_tat"]})
    result = validate_paths([path])
    assert result.findings == []
    assert result.households.loc[0, "tinh_trang_ho"] == "Đang cư trú"
    assert result.members.loc[0, "khuyet_tat"] == "Không"


def test_unreadable_file_beside_a_good_one(tmp_path):
    """An unreadable file in a batch is one finding; the good file is still validated and typed."""
    make_return(tmp_path, [household(thon=None)], name="a.xlsx")
    (tmp_path / "b.xlsx").write_bytes(b"PK\x03\x04" + bytes(100))
    result = validate_paths([tmp_path])
    assert [(Path(f.file).name, f.code) for f in result.report.sorted()] == [
        ("a.xlsx", "value-required"), ("b.xlsx", "file-unreadable")]
    assert list(result.households["ma_ho"]) == ["11284-0001"]
    assert [fs.readable for fs in result.report.files] == [True, False]


def test_random_bytes_named_xlsx_is_unreadable(tmp_path):
    """Random bytes with an .xlsx name are one file-unreadable error, no frames, no exception."""
    path = tmp_path / "11284.xlsx"
    path.write_bytes(random.Random(7).randbytes(5000))
    result = validate_paths([path])
    assert [(f.file, f.code) for f in result.findings] == [(str(path), "file-unreadable")]
    assert result.households.empty and result.members.empty
    assert result.report.files[0].readable is False


def test_text_file_renamed_xlsx_is_read_as_the_text_it_is(tmp_path):
    """A text file renamed to .xlsx is read by its content, as a CSV, and said so (file-extension-mismatch); this
    one holds no known list (layout-unknown) — never the reader library's "File is not a zip file"."""
    path = tmp_path / "11284.xlsx"
    path.write_text("Mã hộ;Họ và tên chủ hộ\n11284-0001;Nguyễn Văn An\n", encoding="utf-8")
    result = validate_paths([path])
    f = only(result, "file-extension-mismatch")
    assert (f.value, f.param("detail")) == (".xlsx", ".csv")
    assert located(result) == [("", None, None, "file-extension-mismatch"), ("", None, None, "layout-unknown")]


def _declare_dimension(path: Path, ref: str) -> None:
    """Rewrite each sheet XML's <dimension ref> in place (the rest of the package unchanged)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), data)
            dst.writestr(item, data)
    path.write_bytes(buf.getvalue())


def test_zip_bomb_dimension_is_too_large(tmp_path):
    """A small .xlsx holding a value at the far corner of the grid is refused before parsing. One that only
    declares the whole grid (<dimension>, which a formatted empty cell there also makes) is read: the cells holding
    a value are what a reader lays out (session 20)."""
    path = make_return(tmp_path)
    _declare_dimension(path, "A1:XFD1048576")
    assert path.stat().st_size < 20_000
    assert located(validate_paths([path])) == []
    wb = openpyxl.load_workbook(path)
    wb[HH_SHEET]["XFD1048576"] = 0
    wb.save(path)
    assert path.stat().st_size < 20_000
    result = validate_paths([path])
    assert [f.code for f in result.findings] == ["file-too-large"]
    assert "17.179.869.184" in only(result, "file-too-large").param("detail")  # thousands grouped as in Vietnamese


def test_sheet_part_longer_than_declared_is_never_inflated_whole(tmp_path, monkeypatch):
    """The hygiene scan inflates a sheet part only up to the size the package declares: a part whose data is
    longer (a zip bomb that lies about its size) is refused, not read through."""
    from hgn_review.io.xlsxscan import _member_bytes

    path = tmp_path / "bomb.xlsx"
    body = b"<worksheet>" + b"<row/>" * 2_000_000 + b"</worksheet>"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet1.xml", body)
    raw = bytearray(path.read_bytes())
    for sig, at in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):  # local header and central directory: size 1000
        i = raw.index(sig)
        raw[i + at:i + at + 4] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(raw))

    def read_through(*_a, **_k):
        raise AssertionError("inflated through ZipFile.read, which inflates ~2 GB before cutting to the size")

    monkeypatch.setattr(zipfile.ZipFile, "read", read_through)
    with zipfile.ZipFile(path) as z:
        assert z.getinfo("xl/worksheets/sheet1.xml").file_size == 1000
        with pytest.raises(zipfile.BadZipFile):
            _member_bytes(path, z, "xl/worksheets/sheet1.xml")


def test_id_with_full_width_digits_is_read_as_its_ascii_digits(tmp_path):
    """Full-width digits (an East Asian input method, text pasted from a PDF) are the same number: read by NFKC as
    the ASCII digits the population database matches (they were an invalid format, which left the person out of
    the population list); other non-ASCII digits are not an ID."""
    ident = make_id()
    wide = "".join(chr(0xFF10 + int(d)) for d in ident)
    arabic = "".join(chr(0x0660 + int(d)) for d in make_id(serial="000009"))
    path = make_return(tmp_path, [household(so_thanh_vien=2)],
                       [member(so_dinh_danh=wide), member(stt=2, quan_he="Anh, chị, em", so_dinh_danh=arabic)])
    result = validate_paths([path])
    assert [(f.code, f.row) for f in result.findings if f.key == "so_dinh_danh"] == [("id-invalid-format", 3)]
    assert result.members.loc[0, "so_dinh_danh"] == ident
    assert pd.isna(result.members.loc[1, "so_dinh_danh"])
    assert result.members.loc[1, "dinh_danh_loi"] == "sai_dinh_dang"


def test_text_not_nfc_in_trimmed_spaces_is_reported(tmp_path):
    """A name ending in U+2000 (a space that is not NFC: it normalises to U+2002) is reported although the space
    itself is trimmed from the value kept."""
    path = make_return(tmp_path, [household()], [member(ho_ten="Nguyễn Văn An\u2000")])
    result = validate_paths([path])
    assert [(f.code, f.row) for f in result.findings if f.key == "ho_ten"] == [("text-not-nfc", 2)]
    assert result.members.loc[0, "ho_ten"] == "Nguyễn Văn An"


def test_max_cells_limit(tmp_path):
    """Cells up to a value at AI1000 above a small Limits(max_cells) are file-too-large; the default limit reads
    the file."""
    path = make_return(tmp_path)
    wb = openpyxl.load_workbook(path)
    wb[HH_SHEET]["AI1000"] = "x"
    wb.save(path)
    result = validate_paths([path], limits=Limits(max_cells=10_000))
    assert located(result) == [("", None, None, "file-too-large")]
    assert "35.000 ô > 10.000" in only(result, "file-too-large").param("detail")
    assert "file-too-large" not in {f.code for f in validate_paths([path]).findings}


def test_same_file_twice_is_processed_once(tmp_path):
    """Two names for the same bytes: file-duplicate on the later name, its rows not counted twice."""
    a = make_return(tmp_path, name="a.xlsx")
    b = tmp_path / "b.xlsx"
    b.write_bytes(a.read_bytes())
    result = validate_paths([tmp_path])
    assert [(f.file, f.code, f.param("other")) for f in result.findings] == [(str(b), "file-duplicate", str(a))]
    assert len(result.households) == 1 and len(result.members) == 1


# ------------------------------------------------------------------------------------------ layout 2
def test_app_row_duplicate_counted_once(tmp_path):
    """An exact duplicate row of the application export is a warning and the household is kept once."""
    path = make_app_return(tmp_path, [app_row(), app_row(), app_row(ma_ho="11284-0002")])
    result = validate_paths([path])
    assert located(result) == [("Export", 3, None, "row-duplicate")]
    assert only(result, "row-duplicate").param("other") == "2"
    assert list(result.households["ma_ho"]) == ["11284-0001", "11284-0002"]
    assert list(result.households["row"]) == [2, 4]
    assert set(result.households["layout"]) == {"app"}
    assert result.members.empty


def test_app_deprivation_count_mismatch(tmp_path):
    """A recorded total that differs from the flags set is reported at the total's cell."""
    path = make_app_return(tmp_path, [app_row(so_thieu_hut_ghi=2)])
    result = validate_paths([path])
    assert located(result) == [("Export", 2, "deprivation.totalCount", "deprivation-count-mismatch")]
    f = result.findings[0]
    assert (f.value, f.param("detail")) == ("2", "1")


def test_app_repeated_header_and_typed_columns(tmp_path):
    """An export with a repeated header row: the row is skipped, app-only columns are typed."""
    path = make_app_return(tmp_path, [app_row(), HEADER, app_row(ma_ho="11284-0002", dan_toc_tai_cho=1)])
    result = validate_paths([path])
    assert located(result) == [("Export", 3, None, "header-row-repeated")]
    h = result.households
    assert list(h["phan_loai_ghi"]) == ["Cận nghèo", "Cận nghèo"]
    assert list(h["so_thieu_hut_ghi"]) == [1, 1]
    assert list(h["dan_toc_tai_cho"]) == [False, True]
    assert list(h["gioi_tinh_chu_ho"]) == ["Nam", "Nam"]
    assert list(h["th_bhyt"]) == [1, 1]
    assert str(h["so_thieu_hut_ghi"].dtype) == "Int64"


# ------------------------------------------------------------------------------------------ frames
HOUSEHOLD_DTYPES = {
    "uid": "int64", "row": "int64", "so_thanh_vien": "Int64", "thu_nhap_bq": "Float64", "diem_b1": "Float64",
    "diem_b2": "Float64", "dien_tich_nha": "Float64", "ngay_ra_soat": "datetime64[ns]",
    "su_dung_internet": "boolean", "phuong_tien_thong_tin": "boolean", "ho_nlndn": "boolean",
    "nguoi_co_cong": "boolean", "bao_tro_xa_hoi": "boolean", "dan_toc_tai_cho": "boolean",
    "so_thieu_hut_ghi": "Int64", **{k: "Int8" for k in INDICATORS},
}
HOUSEHOLD_TEXT = ["file", "sheet", "layout", "ma_ho", "ho_ten_chu_ho", "ma_xa", "thon", "khu_vuc", "khu_vuc_nguon",
                  "loai_nha", "nguon_nuoc", "nha_tieu", "phan_loai_dau_ky", "tinh_trang_ho", "nguyen_nhan_ngheo",
                  "ra_soat_vien", "phan_loai_ghi", "ket_qua_phieu_a", "gioi_tinh_chu_ho", "loi_chan"]
MEMBER_DTYPES = {
    "uid": "Int64", "row": "int64", "stt": "Int64", "ngay_sinh": "datetime64[ns]", "nam_sinh": "Int64",
    "the_bhyt": "boolean", "suy_dinh_duong": "boolean", "dang_di_hoc": "boolean",
}
MEMBER_TEXT = ["file", "sheet", "ma_ho", "ho_ten", "so_dinh_danh", "dinh_danh_loi", "gioi_tinh", "quan_he",
               "dan_toc", "viec_lam", "trinh_do", "cap_hoc", "khuyet_tat"]


def _is_text(s: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(s.dtype) or s.dropna().map(type).eq(str).all()


@pytest.fixture(scope="module")
def typical(tmp_path_factory):
    """A two-household return validated once: the frames of the contract tests."""
    tmp = tmp_path_factory.mktemp("typical")
    path = make_return(tmp, [household(), household(**SECOND_HH, so_thanh_vien=2, nguyen_nhan_ngheo="Thiếu vốn; Khác")],
                       [member(), member(**SECOND_HEAD), member(**{**WIFE, "ma_ho": "11284-0002", "ngay_sinh": "1982"})])
    return validate_paths([path])


def test_household_frame_dtypes(typical):
    """Household columns carry the dtypes of docs/contracts.md §1."""
    h = typical.households
    got = {c: str(h[c].dtype) for c in HOUSEHOLD_DTYPES}
    assert got == HOUSEHOLD_DTYPES
    assert [c for c in HOUSEHOLD_TEXT if not _is_text(h[c])] == []


def test_member_frame_dtypes(typical):
    """Member columns carry the dtypes of docs/contracts.md §1."""
    m = typical.members
    got = {c: str(m[c].dtype) for c in MEMBER_DTYPES}
    assert got == MEMBER_DTYPES
    assert [c for c in MEMBER_TEXT if not _is_text(m[c])] == []
    assert "_hh_row" not in m.columns and "_row" not in typical.households.columns


def test_uid_links_members_to_households(typical):
    """uid is 0..n-1 on households and each member carries its household's uid."""
    h, m = typical.households, typical.members
    assert list(h["uid"]) == [0, 1]
    by_uid = h.set_index("uid")["ma_ho"]
    assert [by_uid[u] for u in m["uid"]] == list(m["ma_ho"])
    assert list(m["uid"]) == [0, 1, 1]


def test_location_columns(typical):
    """file, sheet and Excel row locate every frame row."""
    h, m = typical.households, typical.members
    assert list(zip(h["sheet"], h["row"], strict=True)) == [(H, 2), (H, 3)]
    assert list(zip(m["sheet"], m["row"], strict=True)) == [(M, 2), (M, 3), (M, 4)]
    assert set(h["file"]) == set(m["file"]) == {typical.report.files[0].file}


def test_khu_vuc_from_registry(typical):
    """A blank khu_vuc is filled from the registry (Xã → Nông thôn) with source danh_muc."""
    h = typical.households
    assert list(h["khu_vuc"]) == ["Nông thôn", "Nông thôn"]
    assert list(h["khu_vuc_nguon"]) == ["danh_muc", "danh_muc"]


def test_year_only_birth_date(typical):
    """A birth year alone gives NaT in ngay_sinh and the year in nam_sinh; a full date fills both."""
    m = typical.members
    assert pd.isna(m.loc[2, "ngay_sinh"]) and m.loc[2, "nam_sinh"] == 1982
    assert m.loc[0, "ngay_sinh"] == pd.Timestamp("1980-03-12") and m.loc[0, "nam_sinh"] == 1980


def test_canonical_values(typical):
    """Choices are canonical, yes/no are booleans, defaults applied, multichoice joined with ';'."""
    h, m = typical.households, typical.members
    assert list(h["nguyen_nhan_ngheo"].astype(object).fillna("-")) == ["-", "Thiếu vốn;Khác"]
    assert list(h["tinh_trang_ho"]) == ["Đang cư trú", "Đang cư trú"]
    assert list(h["ngay_ra_soat"]) == [pd.Timestamp("2024-09-15")] * 2
    assert list(h["ma_xa"]) == [COMMUNE, COMMUNE]
    assert list(m["the_bhyt"]) == [True, True, True]
    assert list(m["khuyet_tat"]) == ["Không"] * 3


def test_multichoice_keeps_known_answers_and_reports_an_unknown_part(tmp_path):
    """Each part of a multi-answer cell is read; one unknown part is a finding, the known parts are kept."""
    path = make_return(tmp_path, [household(nguyen_nhan_ngheo="thiếu vốn;\nKhác"),
                                  household(**SECOND_HH, so_thanh_vien=2, nguyen_nhan_ngheo="Thiếu vốn; Trời mưa")],
                       [member(), member(**SECOND_HEAD), member(ma_ho="11284-0002", stt=2, quan_he="Con",
                                                               so_dinh_danh=make_id(birth_year=2005, serial="000004"),
                                                               ngay_sinh="03/03/2005")])
    result = validate_paths([path])
    assert [(f.code, f.row, f.value) for f in result.findings if f.key == "nguyen_nhan_ngheo"] == [
        ("value-not-in-list-multi", 3, "Thiếu vốn; Trời mưa")]
    assert '"Trời mưa"' in result.findings[0].message() and "(;)" in result.findings[0].hint()
    assert list(result.households["nguyen_nhan_ngheo"]) == ["Thiếu vốn;Khác", "Thiếu vốn"]


def test_plausibility_without_birth_date_columns(tmp_path):
    """A members sheet without the birth date and year columns is reported, not a crash; no age is guessed."""
    path = make_return(tmp_path, [household()], [member()], drop={"members": ["ngay_sinh"]})
    result = validate_paths([path])
    assert [f.code for f in result.findings if f.code != "id-birth-year-mismatch"] == ["column-missing"]
    assert result.members["nam_sinh"].isna().all()


def test_invalid_value_is_na_never_imputed(tmp_path):
    """A value that failed its check is NA in the typed frame."""
    path = make_return(tmp_path, [household(dien_tich_nha="bốn mươi", su_dung_internet="hình như có")],
                       [member(ngay_sinh="31/02/1980", gioi_tinh="Nam giới")])
    result = validate_paths([path])
    h, m = result.households.loc[0], result.members.loc[0]
    assert pd.isna(h["dien_tich_nha"]) and pd.isna(h["su_dung_internet"])
    assert pd.isna(m["ngay_sinh"]) and pd.isna(m["nam_sinh"]) and pd.isna(m["gioi_tinh"])


def test_loi_chan_marks_blocked_households(tmp_path):
    """Households that cannot be classified carry their blocking codes; the others carry NA. (Rows 2 and 6 share a
    household code and say different things: which is right is not known, both are blocked.)"""
    path = make_return(
        tmp_path,
        [household(), household(**SECOND_HH), household(ma_ho="11284-0003"), household(ma_ho="11284-0004"),
         household(thon="Thôn 2")],
        [member(), member(**SECOND_HEAD, quan_he="Con"),
         member(ma_ho="11284-0004", ho_ten="Đỗ Văn Hải", so_dinh_danh=make_id(serial="000005")),
         member(ma_ho="11284-0004", stt=2, ho_ten="Đỗ Văn Hà", so_dinh_danh=make_id(serial="000006"))])
    result = validate_paths([path])
    loi = result.households.set_index("row")["loi_chan"]
    assert loi.astype(object).where(loi.notna(), None).to_dict() == {
        2: "household-duplicate", 3: "household-no-head", 4: "household-no-members", 5: "household-multiple-heads",
        6: "household-duplicate"}


def test_dinh_danh_loi_reasons(tmp_path):
    """Each unusable ID carries the reason code of the contract, and its so_dinh_danh is NA when malformed."""
    people = [
        ("030080001234", 1980, "Nam", None),
        (None, 1980, "Nam", "thieu"),
        ("12345", 1980, "Nam", "sai_dinh_dang"),
        ("030180000002", 1980, "Nam", "sai_gioi_tinh"),
        ("030081000003", 1980, "Nam", "sai_nam_sinh"),
        ("099080000004", 1980, "Nam", "sai_tinh"),
        ("030080001234", 1980, "Nam", "trung"),
    ]
    rows = [member(stt=i + 1, so_dinh_danh=pid, ngay_sinh=f"01/01/{year}", gioi_tinh=sex,
                   quan_he="Chủ hộ" if i == 0 else "Anh, chị, em")
            for i, (pid, year, sex, _) in enumerate(people)]
    result = validate_paths([make_return(tmp_path, members=rows)])
    m = result.members
    assert list(m["dinh_danh_loi"].astype(object).where(m["dinh_danh_loi"].notna(), None)) == [p[3] for p in people]
    assert list(m["so_dinh_danh"].astype(object).where(m["so_dinh_danh"].notna(), None)) == [
        "030080001234", None, None, "030180000002", "030081000003", "099080000004", "030080001234"]


def test_orphan_member_has_no_uid(tmp_path):
    """A member whose household is not listed has uid NA."""
    path = make_return(tmp_path, members=[member(), member(ma_ho="11284-0099", so_dinh_danh=make_id(serial="000099"))])
    m = validate_paths([path]).members
    assert m.loc[0, "uid"] == 0 and m.loc[1, "uid"] is pd.NA


def test_blank_rows_and_repeated_header_are_not_frame_rows(tmp_path):
    """Blank and repeated header rows are left out of the frames; Excel rows stay true."""
    path = make_return(tmp_path, [household(), BLANK, HEADER, household(**SECOND_HH)],
                       [member(), BLANK, member(**SECOND_HEAD)])
    result = validate_paths([path])
    assert list(result.households["row"]) == [2, 5]
    assert list(result.members["row"]) == [2, 4]
    assert result.report.files[0].rows == {H: 2, M: 2}


def test_uid_unique_across_files(tmp_path):
    """uid numbers households across the whole batch and members follow their own file's household."""
    make_return(tmp_path, name="a_11284.xlsx")
    make_return(tmp_path, [household(**SECOND_HH)], [member(**SECOND_HEAD)], name="b_11284.xlsx")
    result = validate_paths([tmp_path])
    h, m = result.households, result.members
    assert list(h["uid"]) == [0, 1]
    assert list(zip(m["uid"], m["ma_ho"], strict=True)) == [(0, "11284-0001"), (1, "11284-0002")]


def test_review_date_chooses_registry_era(tmp_path):
    """The registry list is chosen by the review date, or by as_of: codes and areas follow the 1/7/2025 reform. An
    as_of from 1/7/2025 over a return reviewed before it is refused (its old codes would be read as the new
    communes that reuse them), as hgn merge, report and run refuse it."""
    from datetime import date

    from hgn_review.errors import InputError

    path = make_return(tmp_path, [household(ma_xa="10606"), household(**SECOND_HH, ma_xa="10510")],
                       [member(), member(**SECOND_HEAD)], name="mixed.xlsx")
    before = validate_paths([path])  # reviewed 15/09/2024: Thị trấn Nam Sách (urban), Phường Bình Hàn
    assert list(before.households["khu_vuc"]) == ["Thành thị", "Thành thị"]
    with pytest.raises(InputError, match="1/7/2025"):
        validate_paths([path], as_of=date(2025, 9, 1))
    later = make_return(tmp_path / "2025", [household(ma_xa="10606", ngay_ra_soat="01/09/2025"),
                                            household(**SECOND_HH, ma_xa="10510", ngay_ra_soat="01/09/2025")],
                        [member(), member(**SECOND_HEAD)], name="mixed.xlsx")
    for after in (validate_paths([later]), validate_paths([later], as_of=date(2025, 9, 1))):
        # reviewed 01/09/2025: Xã Nam Sách (rural); 10510 no longer exists
        assert list(after.households["khu_vuc"].astype(object).fillna("-")) == ["Nông thôn", "-"]
        assert [(f.row, f.code) for f in after.findings if f.code == "commune-unknown"] == [(3, "commune-unknown")]


def test_no_numpy_nan_in_text_columns(typical):
    """Text columns use NA, never float NaN (downstream joins on them)."""
    for c in ["ma_ho", "ma_xa", "loi_chan", "khu_vuc"]:
        assert not any(isinstance(v, float) and np.isnan(v) for v in typical.households[c].tolist())


def test_file_mtime_unchanged(tmp_path):
    """Validation only reads: the input keeps its bytes and modification time."""
    path = make_return(tmp_path, [household(thon=None)])
    os.utime(path, (1_600_000_000, 1_600_000_000))
    before = path.read_bytes()
    validate_paths([path])
    assert path.read_bytes() == before
    assert path.stat().st_mtime == 1_600_000_000
    assert openpyxl.load_workbook(path)[H]["D2"].value is None
