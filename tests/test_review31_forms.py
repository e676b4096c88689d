"""Review 31: the outputs of `hgn report` / `hgn run` read line by line against /work/shared/spec/forms.md.

forms.md: every form is "a table with one row per administrative unit of the level below (communes in a district
report, districts — or communes where there is no district level — in a province report), a total row, a title
block and a signature block"; the look: Times New Roman, the issuing body top left ("UBND HUYỆN …"), the national
motto top right, "Biểu số 01", a bold centred title with the year, a merged header with a numbered column-key row
("3 = 1/2 × 100"), the footer "…, ngày … tháng … năm …", "Người lập biểu", "Thủ trưởng đơn vị (ký, đóng dấu)",
A4 landscape. Form 4: "poor households; total deprivations; count of poor households deprived in each of the 12
indicators"; form 5 the same as rates; form 11: "children in poor / near-poor households; of whom without health
insurance, malnourished, not attending school". The population-database list: one row per person keyed by the
12-digit ID written as text, with household code, name, date of birth, sex, relation, ethnicity, commune code,
village, class and category, standard and review year. README: the official documents stay in Vietnamese whatever
`--lang` says; the CSV is UTF-8, comma-separated.

design.md, "Things not to do": impute missing data — "our tool reports what is missing". The forms follow it for
other unknowns (README: the children and labour figures of a unit with a household without member rows "are left
blank, not 0"; form 10 leaves the causes blank for a return that names none, and says so on the terminal).

Each failing test's docstring starts "DEFECT."; tests marked ``# guard (passes)`` hold behaviour that is right today.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import household, make_id, make_return, member, ok, run_hgn

POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}


# ------------------------------------------------------------------------------------------ helpers
def grid(path: Path) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def key_row_index(values: list[tuple[Any, ...]]) -> int:
    """The column-key row of a summary form: "A", "B", "1", "2" …"""
    return next(i for i, r in enumerate(values) if r[0] == "A" and r[1] == "B")


def header_texts(values: list[tuple[Any, ...]]) -> list[str]:
    """Every text of the header band (between the unit note and the key row)."""
    k = key_row_index(values)
    return [str(v) for r in values[6:k] for v in r if v is not None]


def unit_rows(values: list[tuple[Any, ...]]) -> tuple[list[tuple[Any, ...]], tuple[Any, ...]]:
    """(unit rows, total row) of a summary form."""
    k = key_row_index(values)
    rows = []
    for r in values[k + 1:]:
        if r[1] == "Tổng cộng":
            return rows, r
        rows.append(r)
    raise AssertionError("no total row")


def column_of(values: list[tuple[Any, ...]], header: str) -> int:
    """The column whose lowest header cell is ``header`` (the last header row that names it)."""
    k = key_row_index(values)
    for r in reversed(values[6:k]):
        for j, v in enumerate(r):
            if v == header:
                return j
    raise AssertionError(f"no column {header!r}")


@pytest.fixture(scope="module")
def district(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`hgn sample --district 288 --communes 3 --households 40` (Thành phố Hải Dương, 2024), then `hgn run`."""
    root = tmp_path_factory.mktemp("district")
    ok(run_hgn("sample", "--district", "288", "--communes", "3", "--households", "40", "--out", "in", cwd=root))
    (root / "in" / "manifest.json").unlink()
    ok(run_hgn("run", "in", "--out", "out", cwd=root))
    return root / "out"


# ------------------------------------------------------------------------------------------ defects
def _blank_nutrition_round(tmp_path: Path) -> Path:
    """One poor household of commune 11284: income 1,000,000 (rural line 1,500,000), a "Đơn sơ" house, water
    "Khác", no toilet (three deprivations: poor whatever else), a 1980-born head and a 4-year-old son whose
    "Suy dinh dưỡng" cell is blank (the commune did not fill the column: the household's nutrition indicator is
    not known — its reason says "3/12 chỉ số thiếu hụt, 1 chưa rõ")."""
    inp = tmp_path / "in"
    make_return(inp, [household(ma_ho="11284-0001", phan_loai_dau_ky="Nghèo", **POOR)], [
        member(),
        member(stt=2, ho_ten="Nguyễn Văn Bé", so_dinh_danh=make_id(birth_year=2020, serial="000003"),
               ngay_sinh="05/06/2020", quan_he="Con", viec_lam=None, trinh_do="Chưa đi học", dang_di_hoc="Có",
               cap_hoc="Mầm non", suy_dinh_duong=None),
    ])
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    return tmp_path / "out"


def _said_at_nutrition_cell(out: Path) -> bool:
    """Whether phat_hien.xlsx holds a finding at the son's "Suy dinh dưỡng" cell."""
    ws = openpyxl.load_workbook(out / "phat_hien.xlsx").worksheets[0]
    return any(r[3] == "Suy dinh dưỡng" and r[2] == 3 for r in ws.iter_rows(min_row=2, values_only=True))


def test_form_04_does_not_print_0_poor_households_deprived_in_nutrition_no_child_was_asked(tmp_path: Path) -> None:
    """DEFECT. The round above: the only poor household's nutrition indicator is not known (its child's answer is
    blank; the results say "1 chưa rõ"). Now form 04 prints 0 under "Dinh dưỡng" (poor households deprived in
    nutrition) on Xã Chi Lăng Nam's row and the total, form 05 prints 0.00 %, and nothing says an answer is missing:
    no finding in phat_hien.xlsx (member-answer-missing is raised only when another member of the return answered
    the column), no note on the form or the terminal. An officer reports "no poor household is deprived in
    nutrition" for a figure nobody knows. Expected, as for the other unknowns of the forms (a household without
    member rows, a return without causes of poverty): the cell left blank, or at least the blank answer said at
    its cell. Likely cause: reports/view.py:_attributes counts an indicator as ``(th_… == 1).fillna(False)`` (an
    undetermined indicator as not deprived) and computes ``dep_unknown`` but no form reads it —
    reports/formdef.py:UNKNOWN_OF has no entry for undetermined indicators."""
    out = _blank_nutrition_round(tmp_path)
    f04 = grid(out / "bao_cao" / "bieu_04.xlsx")
    col = column_of(f04, "Dinh dưỡng")
    rows, total = unit_rows(f04)
    row = next(r for r in rows if r[1] == "Xã Chi Lăng Nam")
    # one poor household; three deprivations known and one not: its total of deprivations is blank, not 3 (as the
    # nutrition figure, since session 19: a total that took the unknown indicator as not deprived is imputed)
    assert row[2] == 1 and row[3] is None
    f05 = grid(out / "bao_cao" / "bieu_05.xlsx")
    row05 = next(r for r in unit_rows(f05)[0] if r[1] == "Xã Chi Lăng Nam")
    said = _said_at_nutrition_cell(out)
    assert said or (row[col] is None and total[col] is None), (
        f"form 04 'Dinh dưỡng': commune {row[col]!r}, total {total[col]!r}; form 05: {row05[col]!r} %; "
        "no finding at the blank answer")


def test_form_11_does_not_print_0_malnourished_children_when_their_answers_are_blank(tmp_path: Path) -> None:
    """DEFECT. Same round: one child (4) in the poor household, his "Suy dinh dưỡng" cell blank and no other member
    of the return answered the column. Now form 11 prints "Trẻ em thuộc hộ nghèo: 1, of whom Suy dinh dưỡng: 0" on
    the commune's row and the total, and no finding or note says the answer is missing. Expected: the malnourished
    figure left blank (not known), as README says the children figures of a unit are when its member answers are
    not known, or the blank answer said at its cell. Likely cause: reports/view.py:_attributes computes
    ``child_malnourished`` from ``(suy_dinh_duong == True).fillna(False)`` (a blank answer as "not
    malnourished"), with no unknown flag for reports/formdef.py:evaluate to blank the figure."""
    out = _blank_nutrition_round(tmp_path)
    f11 = grid(out / "bao_cao" / "bieu_11.xlsx")
    rows, total = unit_rows(f11)
    row = next(r for r in rows if r[1] == "Xã Chi Lăng Nam")
    assert row[2] == 1  # one child in the poor households
    mal = column_of(f11, "Suy dinh dưỡng")  # the poor half's column comes first
    said = _said_at_nutrition_cell(out)
    assert said or (row[mal] is None and total[mal] is None), (
        f"form 11 'Suy dinh dưỡng' (poor): commune {row[mal]!r}, total {total[mal]!r}; no finding at the blank answer")


# ------------------------------------------------------------------------------------------ guards
def test_district_forms_have_the_prescribed_title_block_header_key_row_total_and_signature(district: Path) -> None:
    # guard (passes): forms 01–13 of the district 288 round: the issuing body "UBND THÀNH PHỐ HẢI DƯƠNG" top left,
    # the motto top right, "Biểu số NN", the title with the year, one row per commune of the district in the unit
    # list's order (24; the three with figures, the others blank), a total row, the footer and signature blocks,
    # Times New Roman, A4 landscape.
    for n in range(1, 14):
        path = district / "bao_cao" / f"bieu_{n:02d}.xlsx"
        values = grid(path)
        assert values[0][0] == "UBND THÀNH PHỐ HẢI DƯƠNG", path.name
        assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in values[0] and "Độc lập - Tự do - Hạnh phúc" in values[1]
        assert values[1][0] == f"Biểu số {n:02d}"
        assert str(values[3][0]).endswith("NĂM 2024")
        assert "Xã, phường, thị trấn" in header_texts(values)
        rows, total = unit_rows(values)
        assert len(rows) == 24 and [r[0] for r in rows] == list(range(1, 25))
        assert [r[1] for r in rows[:3]] == ["Phường Cẩm Thượng", "Phường Bình Hàn", "Phường Ngọc Châu"]
        assert all(v is None for r in rows[3:] for v in r[2:])  # no figures: blank, not 0
        assert total[0] is None and total[2] is not None
        flat = [v for r in values for v in r if v is not None]
        assert "……………, ngày …… tháng …… năm 2024" in flat
        assert {"Người lập biểu", "Thủ trưởng đơn vị", "(ký, đóng dấu)"} <= set(flat)
        ws = openpyxl.load_workbook(path).worksheets[0]
        assert ws.page_setup.orientation == "landscape" and str(ws.page_setup.paperSize) == "9"
        assert ws["A4"].font.name == "Times New Roman" and ws["A4"].font.b


def test_form_01_rates_are_over_all_households_and_persons_and_the_total_rate_is_recomputed(district: Path) -> None:
    # guard (passes): form 01's key row says "4 = 3/1 × 100" and "6 = 5/2 × 100"; each rate is the row's count over
    # its households / persons, rounded to 2 decimals; the total row's rate is total over total, never a sum or mean.
    values = grid(district / "bao_cao" / "bieu_01.xlsx")
    key = values[key_row_index(values)]
    assert key[5] == "4 = 3/1 × 100" and key[7] == "6 = 5/2 × 100" and key[9] == "8 = 7/1 × 100"
    rows, total = unit_rows(values)
    for r in [*rows[:3], total]:
        hh, pp, poor_hh, poor_pp, near_hh = r[2], r[3], r[4], r[6], r[8]
        assert r[5] == pytest.approx(round(100 * poor_hh / hh, 2), abs=0.006)
        assert r[7] == pytest.approx(round(100 * poor_pp / pp, 2), abs=0.006)
        assert r[9] == pytest.approx(round(100 * near_hh / hh, 2), abs=0.006)
    assert total[2] == sum(r[2] for r in rows[:3]) and total[4] == sum(r[4] for r in rows[:3])


def test_province_2025_rows_are_communes_under_the_city_committee(tmp_path: Path) -> None:
    # guard (passes): a 2025 round of Thành phố Hải Phòng (no district level): form 01's rows are its communes
    # ("Xã, phường, đặc khu"), issued by "UBND THÀNH PHỐ HẢI PHÒNG", the title says 2025.
    ok(run_hgn("sample", "--province", "31", "--year", "2025", "--communes", "2", "--households", "15", "--out", "in",
               cwd=tmp_path))
    (tmp_path / "in" / "manifest.json").unlink()
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    values = grid(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")
    assert values[0][0] == "UBND THÀNH PHỐ HẢI PHÒNG" and str(values[3][0]).endswith("NĂM 2025")
    assert "Xã, phường, đặc khu" in header_texts(values)
    rows, _total = unit_rows(values)
    assert [r[1] for r in rows[:2]] == ["Phường Thành Đông", "Phường Hải Dương"] and len(rows) > 100


def test_commune_report_rows_are_villages_with_place_date_and_signer(district: Path, tmp_path: Path) -> None:
    # guard (passes): `hgn report --unit 10510 --place "Bình Hàn" --date 05/11/2024 --signer …`: issued by "UBND
    # PHƯỜNG BÌNH HÀN", rows "Thôn, tổ dân phố" whose total is Phường Bình Hàn's row of the district's form; the
    # date line filled in and the signer's name under "Thủ trưởng đơn vị".
    ok(run_hgn("report", district / "ket_qua", "--unit", "10510", "--out-dir", "c", "--forms", "1",
               "--place", "Bình Hàn", "--date", "05/11/2024", "--signer", "Nguyễn Văn A", cwd=tmp_path))
    values = grid(tmp_path / "c" / "bieu_01.xlsx")
    assert values[0][0] == "UBND PHƯỜNG BÌNH HÀN" and "Thôn, tổ dân phố" in header_texts(values)
    rows, total = unit_rows(values)
    assert all(str(r[1]).startswith("Tổ dân phố") for r in rows)
    district_row = next(r for r in unit_rows(grid(district / "bao_cao" / "bieu_01.xlsx"))[0] if r[1] == "Phường Bình Hàn")
    assert list(total[2:]) == list(district_row[2:])
    flat = [v for r in values for v in r if v is not None]
    assert "Bình Hàn, ngày 05 tháng 11 năm 2024" in flat and "Nguyễn Văn A" in flat


def test_population_list_columns_ids_dates_and_household_grouping(tmp_path: Path) -> None:
    # guard (passes): a poor household (head 1980; wife written by her birth year alone, "1982", listed first in the
    # return) and a near-poor one: the CSV is UTF-8 with BOM and comma-separated; the columns are forms.md's, in
    # order; the IDs are 12-digit text in the workbook; dates dd/mm/yyyy (a year alone as the year); the head first
    # in his household and a household's rows together.
    inp = tmp_path / "in"
    wife = make_id(birth_year=1982, female=True, serial="000002")
    cuc = make_id(birth_year=1975, female=True, serial="000004")
    make_return(inp, [
        household(ma_ho="11284-0001", **POOR),
        household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị Cúc", thon="Thôn Tây", thu_nhap_bq=1400000),
    ], [
        member(stt=1, ho_ten="Nguyễn Thị Vợ", so_dinh_danh=wife, ngay_sinh="1982", gioi_tinh="Nữ", quan_he="Vợ, chồng"),
        member(stt=2),
        member(ma_ho="11284-0002", ho_ten="Lê Thị Cúc", so_dinh_danh=cuc, ngay_sinh="01/02/1975", gioi_tinh="Nữ"),
    ])
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    raw = (tmp_path / "out" / "bao_cao" / "danh_sach_csdl_dan_cu.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["Số định danh cá nhân", "Mã hộ", "Họ và tên", "Ngày sinh", "Giới tính", "Quan hệ với chủ hộ",
                       "Dân tộc", "Mã xã", "Tên xã", "Thôn, tổ dân phố", "Phân loại hộ", "Diện hộ",
                       "Chuẩn nghèo áp dụng", "Năm rà soát"]
    body = {r[2]: r for r in rows[1:]}
    assert len(rows) == 4
    assert body["Nguyễn Văn An"][:4] == ["030080001234", "11284-0001", "Nguyễn Văn An", "12/03/1980"]
    assert body["Nguyễn Thị Vợ"][3] == "1982" and body["Nguyễn Thị Vợ"][0] == wife
    assert body["Lê Thị Cúc"][10] == "Cận nghèo" and body["Nguyễn Văn An"][10] == "Nghèo"
    assert all(r[7] == "11284" and r[13] == "2024" for r in rows[1:])
    codes = [r[1] for r in rows[1:]]
    assert len(set(codes)) == 2 and all(codes.count(c) == len(codes[codes.index(c):][:codes.count(c)]) and
                                        set(codes[codes.index(c):codes.index(c) + codes.count(c)]) == {c}
                                        for c in set(codes))  # each household's rows together
    assert codes.index("11284-0001") == [r[2] for r in rows[1:]].index("Nguyễn Văn An")  # head first
    ws = openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "danh_sach_csdl_dan_cu.xlsx")["Danh sách"]
    ids = [ws.cell(r, 1) for r in range(2, 5)]
    assert all(c.data_type == "s" and len(c.value) == 12 for c in ids)


def test_run_in_english_keeps_the_forms_and_the_list_in_vietnamese(district: Path, tmp_path: Path) -> None:
    # guard (passes): README: "The official documents — the fifteen forms, the population-database list and
    # report.html — stay in Vietnamese whatever --lang says".
    ok(run_hgn("report", district / "ket_qua", "--out-dir", "en", "--forms", "1,15", "--lang", "en", cwd=tmp_path))
    f01 = grid(tmp_path / "en" / "bieu_01.xlsx")
    assert f01[1][0] == "Biểu số 01" and str(f01[3][0]).startswith("TỔNG HỢP KẾT QUẢ RÀ SOÁT")
    assert grid(tmp_path / "en" / "bieu_15.xlsx")[3][0] == "DANH SÁCH CHI TIẾT HỘ NGHÈO NĂM 2024"
    head = (tmp_path / "en" / "danh_sach_csdl_dan_cu.csv").read_text("utf-8-sig").splitlines()[0]
    assert head.startswith("Số định danh cá nhân,Mã hộ,Họ và tên")
