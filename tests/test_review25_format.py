"""Review 25: return-format.md (the commune return, the input contract) swept rule by rule through `hgn validate`.

Each test writes a small return violating exactly one rule of the contract (or writing a value the contract
allows) and checks what `hgn validate --json` says: a finding at the right sheet / Excel row / column, in
Vietnamese with a hint, at the right severity — and, through classify, whether the household waits when the
answer decides its class. Tests whose docstring starts with "DEFECT." fail on the code reviewed; the others are
guards (behaviour that is right and must stay right).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conftest import (
    HH_SHEET,
    MM_SHEET,
    household,
    make_id,
    make_return,
    member,
    run_hgn,
)
from hgn_review.pipeline import classify_paths

# a household under the income line with two deprivations already (no hygienic latrine, nobody on the
# Internet): one more unknown indicator decides between Nghèo and Cận nghèo
TWO: dict[str, Any] = dict(thu_nhap_bq=1_000_000, nha_tieu="Không có", su_dung_internet="Không")
CHILD: dict[str, Any] = dict(stt=2, ho_ten="Nguyễn Minh Khôi", quan_he="Con", ngay_sinh="10/10/2015", viec_lam=None,
                             so_dinh_danh=make_id(birth_year=2015, serial="000004"), trinh_do="Tiểu học",
                             suy_dinh_duong="Không", dang_di_hoc="Có", cap_hoc="Tiểu học")


def validate_json(path: Path, tmp_path: Path) -> tuple[int, list[dict[str, Any]]]:
    """`hgn validate --json` as an officer runs it: (exit code, findings). No traceback allowed."""
    proc = run_hgn("validate", path, "--json", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json.loads(proc.stdout)["findings"]


def at(findings: list[dict[str, Any]], sheet: str) -> list[tuple[Any, ...]]:
    """(row, column, code, severity) of the findings on one sheet."""
    return sorted(((f.get("row"), f.get("column"), f["code"], f["severity"]) for f in findings
                   if f.get("sheet") == sheet), key=str)


# ------------------------------------------------------------------------------------------ defects
def test_a_return_with_no_income_column_and_no_b1_column_is_not_called_clean(tmp_path: Path) -> None:
    """DEFECT. return-format.md, Hộ gia đình: one of `thu_nhap_bq` / `diem_b1` is required (the income test of
    every household). A commune heads its income column "Thu nhập bình quân đầu người (đồng/tháng)" — not the
    template's header nor an alias, so it is not read — and has no "Điểm B1" column. `hgn validate` says only an
    info ("Cột … không có trong mẫu; được giữ lại nhưng không kiểm tra") and exits 0: the return looks clean, yet
    at classification every household waits ("thiếu thu nhập bình quân và điểm B1"). The same return with the two
    cells blank is an income-basis-missing error on each row. Expected: an error on the households sheet that
    neither income column is there (column-missing naming the income column, ideally pointing at the unread
    one), and exit 1. Cause: io/read.py:_read_sheet reports column-missing only for columns with
    ``required: true`` (the income pair is "one of"), and validate.py:_household_checks skips the income-basis
    check when neither column was found (``if "thu_nhap_bq" in t.raw or "diem_b1" in t.raw``)."""
    path = make_return(tmp_path, [household(), household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Cường")],
                       [member(), member(ma_ho="11284-0002", ho_ten="Lê Văn Cường", ngay_sinh="02/02/1975",
                                         so_dinh_danh=make_id(birth_year=1975, serial="000003"))],
                       headers={"households": {"thu_nhap_bq": "Thu nhập bình quân đầu người (đồng/tháng)"}},
                       drop={"households": ["diem_b1"]})
    # the households wait at classification: the rule decides every class
    run = classify_paths([path])
    assert set(run.results.households["phan_loai"]) == {"Chưa đủ thông tin"}
    code, found = validate_json(path, tmp_path)
    errors = [f for f in found if f["severity"] == "error" and f.get("sheet") == HH_SHEET]
    assert errors and code == 1, (code, at(found, HH_SHEET))


def test_a_members_sheet_without_the_id_column_is_said(tmp_path: Path) -> None:
    """DEFECT. return-format.md, Thành viên: `so_dinh_danh` (Số định danh cá nhân) is required — "a missing number
    is a finding, not a rejection". A members sheet with no ID column at all (left out, or headed in a way hgn
    does not read) gets no finding whatsoever: no column-missing, no id-missing on any member, exit 0 — while one
    blank ID cell is an id-missing warning. Every person then reaches the population-database list without a
    number and nobody was told. Expected: a finding on the members sheet that the column is missing (or an
    id-missing per member). Cause: io/read.py:_read_sheet emits column-missing only for ``c.required`` and skips
    ``required_soft`` columns; validate.py:_id_checks returns at once when ``so_dinh_danh`` is not in the
    frame."""
    path = make_return(tmp_path, None, [member(), member(**CHILD)], drop={"members": ["so_dinh_danh"]})
    code, found = validate_json(path, tmp_path)
    # (fixed as a warning of its own, column-missing-soft: a missing number is a finding, not a rejection)
    said = [f for f in found if f.get("sheet") == MM_SHEET
            and f["code"] in ("column-missing", "column-missing-soft", "id-missing")]
    assert said, (code, found)


def test_a_members_sheet_without_the_employment_column_is_said_at_the_column(tmp_path: Path) -> None:
    """DEFECT. return-format.md, Thành viên: `viec_lam` (Tình trạng việc làm) is required "for working age". A
    return whose members sheet has no such column (its head is 44): `hgn validate` says nothing (exit 0); classify
    leaves the household undecided and points the officer at 'Ô "Tình trạng việc làm" của thành viên này để
    trống' on Thành viên row 2 — a cell that does not exist (the finding has no column letter): the officer
    looks for a blank cell and finds no column. Expected: a finding at the members sheet's header that the column
    required for working-age members is missing (validate and classify). Cause: the layout (layouts/hgn.yaml)
    leaves viec_lam without ``required`` (its requirement is conditional), so io/read.py:_read_sheet never says
    the column is missing, and scoring/classify.py:_answers_needed words an absent column as a blank cell."""
    path = make_return(tmp_path, [household(**TWO)], [member(), member(**CHILD)], drop={"members": ["viec_lam"]})
    code, found = validate_json(path, tmp_path)
    on_column = [f for f in found if f.get("sheet") == MM_SHEET and f.get("row") == 1
                 and f.get("column") == "Tình trạng việc làm"]
    assert on_column, (code, found)


def test_validate_reports_a_working_age_member_s_blank_employment(tmp_path: Path) -> None:
    """DEFECT. return-format.md, Thành viên: `viec_lam` is required "for working age" (and `suy_dinh_duong` for
    children under 16, `cap_hoc` when in school). The head (44) leaves "Tình trạng việc làm" blank in a household
    whose class it decides: `hgn validate` — the command a commune runs to learn which cell to fix — says
    nothing and exits 0; only `hgn classify` / `hgn run` later say the household waits (member-answer-needed).
    The same blank in an always-required column (Có thẻ BHYT) is a value-required error from validate. Expected:
    a finding at Thành viên row 2, column "Tình trạng việc làm" from `hgn validate`. Cause: validate.py has no
    conditional-requirement check (ages are computed there for other checks, e.g. head-too-young); the rule lives
    only in scoring/classify.py:_answers_needed, which `hgn validate` never runs."""
    path = make_return(tmp_path, [household(**TWO)], [member(viec_lam=None), member(**CHILD)])
    run = classify_paths([path])
    assert run.results.households["phan_loai"].tolist() == ["Chưa đủ thông tin"]  # the answer decides the class
    code, found = validate_json(path, tmp_path)
    assert [(r, c) for r, c, *_ in at(found, MM_SHEET)] == [(2, "Tình trạng việc làm")], (code, found)


def test_a_multichoice_cell_is_not_told_to_hold_one_value(tmp_path: Path) -> None:
    """DEFECT. return-format.md: `nguyen_nhan_ngheo` takes "codes from a list, several allowed" (the template's
    note: "Một hoặc nhiều nguyên nhân, cách nhau bằng dấu chấm phẩy"). A cell "Thiếu vốn; Lười" (one cause
    unknown) and a cell "Thiếu vốn, Thiếu lao động" (two causes parted by a comma) are each value-not-in-list
    with the hint "Ghi đúng một giá trị của danh mục: …" — write exactly ONE value: the officer is told to drop
    causes the contract allows, and is not told that the parts are separated by ";" nor which part is wrong.
    Expected: a hint for a several-value column that says values are separated by ";" (not "đúng một giá
    trị"). Cause: findings.py CATALOGUE["value-not-in-list"].hint_vi is one text for choice and multichoice
    columns; validate.py:_type_sheet passes no separator for a multichoice column."""
    path = make_return(tmp_path, [household(nguyen_nhan_ngheo="Thiếu vốn; Lười"),
                                  household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Cường",
                                            nguyen_nhan_ngheo="Thiếu vốn, Thiếu lao động")],
                       [member(), member(ma_ho="11284-0002", ho_ten="Lê Văn Cường", ngay_sinh="02/02/1975",
                                         so_dinh_danh=make_id(birth_year=1975, serial="000003"))])
    _, found = validate_json(path, tmp_path)
    # (fixed as a code of its own for a several-value column, naming the parts not in the list)
    said = [f for f in found if f["code"] in ("value-not-in-list", "value-not-in-list-multi")]
    assert [(f["row"], f["column"]) for f in said] == [(2, "Nguyên nhân nghèo"), (3, "Nguyên nhân nghèo")]
    hints = [f.get("hint", "") for f in said]
    assert all("đúng một giá trị" not in h and ";" in h for h in hints), hints


# ------------------------------------------------------------------------------------------ guards
@pytest.mark.parametrize(("key", "value", "column"), [
    ("loai_nha", None, "Loại nhà ở"),
    ("dien_tich_nha", None, "Diện tích nhà ở (m²)"),
    ("nguon_nuoc", None, "Nguồn nước sinh hoạt"),
    ("phuong_tien_thong_tin", None, "Có ti vi, radio, máy tính hoặc điện thoại thông minh"),
    ("loai_nha", "Nhà lá", "Loại nhà ở"),
    ("nguon_nuoc", "Sông suối", "Nguồn nước sinh hoạt"),
])
def test_a_required_housing_answer_blank_or_off_the_list_is_an_error_and_the_household_waits(
        tmp_path: Path, key: str, value: Any, column: str) -> None:
    # guard (passes)
    """A household under the line with two deprivations: its housing, water or information-devices answer
    blank or off the list is an error at its cell (Vietnamese message and hint), and the household waits
    — that indicator decides between Nghèo and Cận nghèo."""
    path = make_return(tmp_path, [household(**TWO, **{key: value})])
    code, found = validate_json(path, tmp_path)
    assert code == 1
    assert [(r, c, s) for r, c, _, s in at(found, HH_SHEET)] == [(2, column, "error")]
    f = found[0]
    assert f["message"] and f.get("hint") and column in f["message"]
    run = classify_paths([path])
    assert run.results.households["phan_loai"].tolist() == ["Chưa đủ thông tin"]


def test_values_the_contract_allows_are_not_flagged(tmp_path: Path) -> None:
    # guard (passes)
    """Income 0, a decimal B1 score beside it, B2 0, a small floor area, blank optional answers (area,
    household status, merit, social protection, start class, reviewer), causes parted by ";" or a line break,
    yes/no written x / 1 / 0 / "có", recorded flags written x and 0, a birth written as the year alone (a number
    and a text), STT 99, a blank disability level: no finding at all."""
    hh = household(thu_nhap_bq=0, diem_b1=87.5, diem_b2=0, dien_tich_nha=12.5, khu_vuc=None, tinh_trang_ho=None,
                   nguoi_co_cong=None, bao_tro_xa_hoi=None, phan_loai_dau_ky=None, ra_soat_vien=None,
                   nguyen_nhan_ngheo="Thiếu vốn;Ốm đau, tai nạn\nKhác", su_dung_internet="x",
                   phuong_tien_thong_tin=1, ho_nlndn="0", th_bhyt="x", th_viec_lam=0)
    wife = dict(stt=99, ho_ten="Phạm Thị Lan", gioi_tinh="nữ", quan_he="Vợ", ngay_sinh="1982", the_bhyt="có",
                so_dinh_danh=make_id(birth_year=1982, female=True, serial="000002"), khuyet_tat=None)
    path = make_return(tmp_path, [hh], [member(ngay_sinh=1980, the_bhyt="Không"), member(**wife)])
    code, found = validate_json(path, tmp_path)
    assert (code, found) == (0, [])


@pytest.mark.parametrize(("key", "header"), [
    ("thu_nhap_bq", "THU NHẬP\nBÌNH QUÂN\n(đồng/người/tháng)"),
    ("dien_tich_nha", "Dien tich nha o (m2)"),
    ("ma_ho", "Mã  hộ (*)"),
    ("th_viec_lam", "Thiếu hụt - việc làm"),
    ("ngay_ra_soat", "Ngày rà soát\n(dd/mm/yyyy)"),
])
def test_header_variants_the_contract_names_are_read(tmp_path: Path, key: str, header: str) -> None:
    # guard (passes)
    """Case, diacritics, spacing, line breaks and a "(…)" suffix do not matter: the column is read (a bad value
    under it is found at its cell, under the header as written, its spaces and line breaks made one space)."""
    bad = {"thu_nhap_bq": -1, "dien_tich_nha": 0, "ma_ho": None, "th_viec_lam": 2, "ngay_ra_soat": "31/02/2024"}
    path = make_return(tmp_path, [household(**{key: bad[key]})], None if key != "ma_ho" else [member(ma_ho=None)],
                       headers={"households": {key: header}})
    _, found = validate_json(path, tmp_path)
    on_hh = at(found, HH_SHEET)
    assert [(r, c) for r, c, _, s in on_hh if s != "info"] == [(2, " ".join(header.split()))], on_hh


def test_title_rows_and_a_two_row_header_give_excel_rows(tmp_path: Path) -> None:
    # guard (passes)
    """Two title rows, a two-row header band ("Thiếu hụt" over the flags) and a 1, 2, 3 … row: the second
    household's bad house type and the second member's bad sex are found on Excel row 7 of each sheet."""
    path = make_return(tmp_path, [household(), household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Cường",
                                                         loai_nha="Nhà lá")],
                       [member(), member(ma_ho="11284-0002", ho_ten="Lê Văn Cường", ngay_sinh="02/02/1975",
                                         gioi_tinh="Nam giới", so_dinh_danh=make_id(birth_year=1975, serial="000003"))],
                       title_rows=["UBND XÃ CHI LĂNG NAM", "BIỂU RÀ SOÁT HỘ NGHÈO NĂM 2024"], group_band=True,
                       key_row=True)
    _, found = validate_json(path, tmp_path)
    assert at(found, HH_SHEET) == [(7, "Loại nhà ở", "value-not-in-list", "error")]
    assert at(found, MM_SHEET) == [(7, "Giới tính", "value-not-in-list", "error")]
