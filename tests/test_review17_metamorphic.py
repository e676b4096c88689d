"""Review 17 (metamorphic): one small valid return, transformed in ways that must not change the result
(row order, sheet order, rows/columns above and left of the table, an extra sheet, .xls instead of .xlsx, dates
and codes as text or as Excel values, the file renamed or moved into a district folder), or that must change it
in exactly one way (one household's income one đồng over the line). Classes per ``ma_ho`` and findings by code
(their cells moved as the table moved) are compared.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import column_index_from_string, get_column_letter

from conftest import col_of, household, make_id, make_return, member, ok, run_hgn, sheet_grid, write_xls
from hgn_review.pipeline import classify_paths

HH = "Hộ gia đình"
MM = "Thành viên"


def rows() -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Five households of a rural commune: poor, near-poor (on the line), average living, not poor, and one with
    two errors (floor area 'abc', ethnic group 'Kinhh')."""
    hh = [
        household(ma_ho="11284-0001", thu_nhap_bq=1_200_000, loai_nha="Đơn sơ", nguon_nuoc="Khác", nha_tieu="Không có"),
        household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Bảy", thu_nhap_bq=1_500_000),
        household(ma_ho="11284-0003", ho_ten_chu_ho="Trần Văn Cường", thu_nhap_bq=2_000_000),
        household(ma_ho="11284-0004", ho_ten_chu_ho="Phạm Văn Dũng", thu_nhap_bq=5_000_000, ho_nlndn="Không"),
        household(ma_ho="11284-0005", ho_ten_chu_ho="Vũ Văn Em", dien_tich_nha="abc"),
    ]
    mm = [
        member(),
        member(ma_ho="11284-0002", ho_ten="Lê Văn Bảy", so_dinh_danh=make_id(serial="000002")),
        member(ma_ho="11284-0002", stt=2, ho_ten="Lê Thị Hoa", quan_he="Vợ, chồng", gioi_tinh="Nữ",
               so_dinh_danh=make_id(female=True, birth_year=1982, serial="000003"), ngay_sinh="05/06/1982"),
        member(ma_ho="11284-0003", ho_ten="Trần Văn Cường", so_dinh_danh=make_id(serial="000004")),
        member(ma_ho="11284-0004", ho_ten="Phạm Văn Dũng", so_dinh_danh=make_id(serial="000005")),
        member(ma_ho="11284-0005", ho_ten="Vũ Văn Em", dan_toc="Kinhh", so_dinh_danh=make_id(serial="000006")),
    ]
    return hh, mm


EXPECTED = {"11284-0001": "Nghèo", "11284-0002": "Cận nghèo", "11284-0003": "Mức sống trung bình",
            "11284-0004": "Không nghèo", "11284-0005": "Cận nghèo"}


def outcome(path: Path) -> tuple[dict[str, tuple[str, str]], Counter[str], list[tuple[str, str, int, str]]]:
    run = classify_paths([path])
    hh = run.results.households
    classes = {str(m): (str(c), str(r)) for m, c, r in zip(hh["ma_ho"], hh["phan_loai"], hh["ly_do"], strict=True)}
    codes = Counter(f.code for f in run.report.findings)
    cells = sorted((f.code, f.sheet, f.row or 0, f.col or "") for f in run.report.findings)
    return classes, codes, cells


def _dates_as_excel(r: dict[str, Any]) -> dict[str, Any]:
    r = dict(r)
    for k in ("ngay_ra_soat", "ngay_sinh"):
        if isinstance(r.get(k), str):
            r[k] = dt.datetime.strptime(r[k], "%d/%m/%Y")
    return r


def _xls(folder: Path, hh: list[Any], mm: list[Any]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_xls(folder / "11284_2024.xls", {MM: sheet_grid("members", mm), HH: sheet_grid("households", hh)})


def _members_sheet_first(folder: Path, hh: list[Any], mm: list[Any]) -> Path:
    p = make_return(folder, hh, mm)
    wb = openpyxl.load_workbook(p)
    wb.move_sheet(MM, offset=-1)
    wb.save(p)
    return p


# (name, builder, row shift, column shift) of the findings' cells
TRANSFORMS = [
    ("households and members in reverse row order", None, 0, 0),
    ("members sheet before households sheet", lambda d, h, m: _members_sheet_first(d, h, m), 0, 0),
    ("a title and a blank row above the header, table from column C",
     lambda d, h, m: make_return(d, h, m, title_rows=["UBND XÃ CHI LĂNG NAM", None], start_col=3), 2, 2),
    ("two-row header band and a key row", lambda d, h, m: make_return(d, h, m, group_band=True, key_row=True), 2, 0),
    ("an unrelated extra sheet", lambda d, h, m: make_return(d, h, m, raw_sheets={"Ghi chú": [["Người lập", "A"]]}),
     0, 0),
    ("saved as .xls, members sheet first", _xls, 0, 0),
    ("dates as Excel dates",
     lambda d, h, m: make_return(d, [_dates_as_excel(r) for r in h], [_dates_as_excel(r) for r in m]), 0, 0),
    ("codes as numbers (Mã xã, STT)", lambda d, h, m: make_return(d, h, m, numbers=["ma_xa", "stt"]), 0, 0),
    ("renamed, in a district folder",
     lambda d, h, m: make_return(d, h, m, name="Huyện Thanh Miện/Biểu rà soát xã Chi Lăng Nam (bản 2).xlsx"), 0, 0),
]


@pytest.mark.parametrize(("name", "build", "dr", "dc"), TRANSFORMS, ids=[t[0] for t in TRANSFORMS])
def test_layout_transforms_keep_classes_reasons_and_findings(tmp_path: Path, name: str, build: Any, dr: int,
                                                            dc: int) -> None:
    """The same return laid out otherwise gives the same class and reason per household and the same findings,
    at the cells the table moved to. # guard (passes)"""
    hh, mm = rows()
    base = outcome(make_return(tmp_path / "base", hh, mm))
    assert {k: v[0] for k, v in base[0].items()} == EXPECTED
    assert base[1] == Counter({"value-not-number": 1, "value-not-in-list": 1})
    if build is None:  # reversed rows: findings follow their rows
        got = outcome(make_return(tmp_path / "t", hh[::-1], mm[::-1]))
        assert got[0] == base[0] and got[1] == base[1]
        return
    got = outcome(build(tmp_path / "t", hh, mm))
    assert got[0] == base[0], name
    assert got[1] == base[1], name
    moved = sorted((c, s, r + dr if r else 0, get_column_letter(column_index_from_string(col) + dc) if col else "")
                   for c, s, r, col in base[2])
    assert got[2] == moved, name


@pytest.mark.parametrize(("idx", "changes", "new_class"), [
    (1, {"thu_nhap_bq": 1_500_001}, "Mức sống trung bình"),  # near-poor on the rural line, NLNDN: one đồng over
    (0, {"thu_nhap_bq": 1_500_001}, "Mức sống trung bình"),  # poor (3 deprivations): income over the line
    (2, {"thu_nhap_bq": 2_250_001}, "Không nghèo"),  # above the average-living band
    (3, {"thu_nhap_bq": 1_500_000}, "Cận nghèo"),  # down onto the line
    (1, {"thu_nhap_bq": 1_500_001, "ho_nlndn": "Không"}, "Không nghèo"),  # not NLNDN: no average-living class
])
def test_income_over_the_line_changes_that_household_only(tmp_path: Path, idx: int, changes: dict[str, Any],
                                                          new_class: str) -> None:
    """domain.md §2.1–2.2: boundaries inclusive; one household's income moved across a line changes that
    household's class and nothing else (other classes, reasons, findings). # guard (passes)"""
    hh, mm = rows()
    base = outcome(make_return(tmp_path / "a", hh, mm))
    hh2 = [dict(r) for r in hh]
    hh2[idx].update(changes)
    got = outcome(make_return(tmp_path / "b", hh2, mm))
    target = hh[idx]["ma_ho"]
    assert got[0][target][0] == new_class
    assert {k: v for k, v in got[0].items() if k != target} == {k: v for k, v in base[0].items() if k != target}
    assert got[1] == base[1] and got[2] == base[2]


def _run_result(inp: Path, out: Path) -> dict[str, Any]:
    proc = ok(run_hgn("run", inp, "--out", out, "--json", cwd=inp.parent))
    summary = json.loads(proc.stdout)
    hh = pd.read_parquet(out / "ket_qua" / "households.parquet")
    found = pd.read_parquet(out / "ket_qua" / "findings.parquet")
    forms = {}
    for b in sorted((out / "bao_cao").glob("bieu_*.xlsx")):
        ws = openpyxl.load_workbook(b, data_only=True).worksheets[0]
        forms[b.name] = [list(r) for r in ws.iter_rows(values_only=True)]
    return {"classes": dict(zip(hh["ma_ho"], hh["phan_loai"], strict=True)),
            "movements": dict(zip(hh["ma_ho"], hh["dien_bien"], strict=True)),
            "codes": Counter(found["code"]), "forms": forms,
            **{k: summary[k] for k in ("households", "members", "by_class", "findings", "counted", "level", "unit")}}


def test_run_flat_folder_and_district_folders_renamed_give_the_same_round(tmp_path: Path) -> None:
    """Two communes' returns in one folder, or each renamed inside a district folder: `hgn run` classifies,
    counts and fills the forms alike. # guard (passes)"""
    hh, mm = rows()
    other = [household(**{**r, "ma_ho": r["ma_ho"].replace("11284", "11287"), "ma_xa": "11287"}) for r in hh[:4]]
    other_m = [member(**{**r, "ma_ho": r["ma_ho"].replace("11284", "11287"),
                         "so_dinh_danh": make_id(serial=f"1{i:05d}") if r["gioi_tinh"] == "Nam"
                         else make_id(female=True, birth_year=1982, serial=f"1{i:05d}")})
               for i, r in enumerate(mm[:5])]
    flat = tmp_path / "flat"
    a = make_return(flat, hh, mm, name="11284.xlsx")
    b = make_return(flat, other, other_m, name="11287.xlsx")
    nested = tmp_path / "nested" / "Huyện Thanh Miện"
    nested.mkdir(parents=True)
    shutil.copy(a, nested / "Xã Chi Lăng Nam.xlsx")
    shutil.copy(b, nested / "xa thanh giang (sua).xlsx")
    r1 = _run_result(flat, tmp_path / "o1")
    r2 = _run_result(tmp_path / "nested", tmp_path / "o2")
    assert r1 == r2


def test_formula_without_saved_value_is_not_reported_blank(tmp_path: Path) -> None:
    """A cell holding a formula whose result the file does not store (written by an export tool or a script,
    which Excel computes on opening: the officer sees 45 there) is not 'blank'. The same return with the value
    typed in is valid; with the formula, hgn says "Ô … bắt buộc nhưng để trống" at a cell the officer sees
    filled — a misleading message and a value silently lost (the floor-area indicator becomes unknown).
    Expected: a finding that names the formula (its result was not saved: open and save the file in Excel, or
    type the value), not value-required."""
    typed = make_return(tmp_path / "typed", [household(so_thanh_vien=1, dien_tich_nha=45)], [member()])
    assert outcome(typed)[1] == Counter()
    p = make_return(tmp_path / "formula", [household(so_thanh_vien=1)], [member()])
    wb = openpyxl.load_workbook(p)
    cell = f"{col_of('households', 'dien_tich_nha')}2"
    wb[HH][cell] = "=40+5"  # openpyxl stores the formula without a cached value
    wb.save(p)
    run = classify_paths([p])
    at_cell = [f for f in run.report.findings if f.sheet == HH and f.row == 2 and f.col == cell[:-1]]
    assert at_cell, "the formula cell gets a finding"
    assert all(f.code != "value-required" for f in at_cell), [(f.code, f.message()) for f in at_cell]
