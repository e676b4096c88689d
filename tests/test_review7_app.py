"""Review 7 (helper): the national review application's flat export (layout 'app'), read end to end.

Each test builds a small export cell by cell (dotted headers, as `hgn sample --layout app` writes them), runs the
library calls behind `hgn validate` / `hgn classify`, and states what return-format.md and domain.md require. Every
test here fails on the code as reviewed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import app_row, make_app_return
from hgn_review.pipeline import classify_paths
from hgn_review.schemas.layout import load_layout
from hgn_review.validate import validate_paths

APP = load_layout("app").sheets["households"]
HEADER = {c.key: c.header for c in APP.columns}


def write_export(path: Path, sheets: Mapping[str, Sequence[Mapping[str, Any]]],
                 keys: Sequence[str] | None = None) -> Path:
    """An application export with one sheet per item of ``sheets``; the columns are ``keys`` in that order (default:
    the layout's order, then any extra key of the rows), each headed by its dotted key (an extra key by itself)."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        cols = list(keys) if keys is not None else [c.key for c in APP.columns]
        for r in rows:
            cols += [k for k in r if k not in cols]
        ws = wb.create_sheet(name)
        ws.append([HEADER.get(k, k) for k in cols])
        for r in rows:
            ws.append([r.get(k) for k in cols])
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _row(households: Any, excel_row: int) -> Any:
    return households.loc[households["row"] == excel_row].iloc[0]


# ------------------------------------------------------------------------------------------ reading
@pytest.mark.parametrize("sheet", ["Danh sách hộ", "Hộ gia đình"])
def test_export_on_a_sheet_named_like_the_household_list_is_read_as_the_app_layout(tmp_path: Path, sheet: str) -> None:
    """An export whose only sheet is named "Danh sách hộ" or "Hộ gia đình" (the natural name of a household list)
    has the application's dotted headers: it is read as layout 'app' and its household is there."""
    path = make_app_return(tmp_path, [app_row()], sheet=sheet)
    result = validate_paths([path])
    assert [r.layout for r in result.returns] == ["app"]
    assert list(result.households["ma_ho"]) == ["11284-0001"]


def test_every_data_sheet_of_an_export_is_read_or_reported(tmp_path: Path) -> None:
    """An export split over two sheets with the application's headers (one per village): the households of the
    second sheet are read, or at least a finding names that sheet — they never disappear without a word."""
    path = write_export(tmp_path / "11284_app.xlsx", {
        "Thôn Đông": [app_row()],
        "Thôn Tây": [app_row(ma_ho="11284-0002", thon="Thôn Tây")],
    })
    result = validate_paths([path])
    read = set(result.households["ma_ho"])
    named = {f.sheet for f in result.findings}
    assert "11284-0002" in read or "Thôn Tây" in named, (read, named)


# ------------------------------------------------------------------------------------------ households
@pytest.mark.parametrize("variant", ["running number", "trailing space", "date typed as text"])
def test_rows_repeating_one_household_count_it_once(tmp_path: Path, variant: str) -> None:
    """Two rows of one household that agree in every value the layout reads — they differ only in a running-number
    column outside the layout, in a trailing space the reader trims, or in the review date written once as an
    Excel date and once as dd/mm/yyyy text — are one household: counted once, with no error."""
    first, second = app_row(), app_row()
    if variant == "running number":
        first, second = {"STT": 1, **first}, {"STT": 2, **second}
    elif variant == "trailing space":
        second["ho_ten_chu_ho"] = "Nguyễn Văn An "
    else:
        first["ngay_ra_soat"] = dt.datetime(2024, 9, 15)
    path = write_export(tmp_path / "11284_app.xlsx", {"Export": [first, second]})
    run = classify_paths([path])
    assert [f.code for f in run.report.findings if f.severity == "error"] == []
    assert run.results.summary["so_ho"].tolist() == [1]


def test_rows_of_one_household_that_disagree_leave_it_unclassified(tmp_path: Path) -> None:
    """Two rows with the same family.code whose B1 scores disagree (200, above the rural cut-off, and 120, below
    it): which record is right is not known, so the household is not classified from the first row as if the
    second did not exist — the first row carries the blocking code too."""
    path = make_app_return(tmp_path, [
        app_row(diem_b1=200, phan_loai_ghi="Không nghèo"),
        app_row(ma_ho="11284-0002"),
        app_row(diem_b1=120),
    ])
    hh = classify_paths([path]).results.households
    first = _row(hh, 2)
    assert first["phan_loai"] == "Chưa đủ thông tin" and "household-duplicate" in str(first["loi_chan"])


# ------------------------------------------------------------------------------------------ recorded figures
def test_recorded_total_and_b2_are_checked_when_a_flag_is_blank(tmp_path: Path) -> None:
    """Three flags set and one left blank, with deprivation.totalCount = 1 and b2Point = 10: whatever the blank
    flag is, at least 3 deprivations are recorded, so both recorded figures contradict the flags and are reported
    on the household's row."""
    row = app_row(th_viec_lam=1, th_nha_tieu=1, th_dinh_duong=None, so_thieu_hut_ghi=1, diem_b2=10,
                  phan_loai_ghi=None)
    run = classify_paths([make_app_return(tmp_path, [row])])
    got = sorted((f.code, f.row) for f in run.report.findings
                 if f.code in ("deprivation-count-mismatch", "b2-count-mismatch"))
    assert got == [("b2-count-mismatch", 2), ("deprivation-count-mismatch", 2)]


# ------------------------------------------------------------------------------------------ locations
def test_classification_findings_point_at_the_cell_the_officer_sees(tmp_path: Path) -> None:
    """The export's columns in its own order (classify in C, b2Point in D): a recorded class and a recorded B2
    that differ from the recomputation are reported at those cells, C2 and D2, like every validation finding."""
    keys = ["ma_ho", "diem_b1", "phan_loai_ghi", "diem_b2",
            *[c.key for c in APP.columns if c.key not in ("ma_ho", "diem_b1", "phan_loai_ghi", "diem_b2")]]
    row = app_row(phan_loai_ghi="Nghèo", diem_b2=30)  # one deprivation, B1 120: near-poor, B2 10
    run = classify_paths([write_export(tmp_path / "11284_app.xlsx", {"Export": [row]}, keys)])
    got = sorted((f.code, f.cell) for f in run.report.findings if f.code in ("class-mismatch", "b2-count-mismatch"))
    assert got == [("b2-count-mismatch", "D2"), ("class-mismatch", "C2")]
