"""Session 15: defects found by the review helpers (tests/test_review22_*.py), fixed, with their boundaries."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from conftest import app_row, make_app_return, ok, run_hgn
from hgn_review.pipeline import classify_paths
from hgn_review.validate import validate_paths

RICH = dict(diem_b1=300, phan_loai_ghi="Không nghèo")


def _form(path: Path) -> dict[str, list[Any]]:
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    out: dict[str, list[Any]] = {}
    for row in ws.iter_rows(values_only=True):
        if len(row) > 1 and isinstance(row[1], str):
            out.setdefault(row[1], list(row))
    return out


def _export(folder: Path, rows: list[dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return make_app_return(folder, rows)


# ---------------------------------------------------------------- the application's export: a blank size
def test_blank_size_of_an_export_household_is_said_at_its_cell(tmp_path: Path) -> None:
    """Layout 2 has no member rows: a blank family.numberOfMembers is a warning at that cell; a written one is not."""
    path = _export(tmp_path, [app_row(so_thanh_vien=None), app_row(ma_ho="11284-0002", so_thanh_vien=4, **RICH)])
    found = [(f.code, f.cell, f.severity) for f in validate_paths([path]).findings if f.code == "household-size-missing"]
    assert found == [("household-size-missing", "D2", "warning")]


def test_blank_size_leaves_the_units_persons_blank_not_zero(tmp_path: Path) -> None:
    """Form 01: the unit with a household of unknown size has its persons figures (and rates) blank, the total
    row too; its households are still counted. With every size written, the persons are counted."""
    _export(tmp_path / "in", [app_row(so_thanh_vien=None), app_row(ma_ho="11284-0002", so_thanh_vien=4, **RICH)])
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    rows = _form(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")
    unit, total = rows["Xã Chi Lăng Nam"], rows["Tổng cộng"]
    assert unit[2] == 2 and total[2] == 2  # households: counted
    assert unit[3] is None and total[3] is None  # persons: not known
    ws = openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx").worksheets[0]
    notes = " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str))
    html = (tmp_path / "out" / "bao_cao" / "report.html").read_text(encoding="utf-8")
    assert "để trống số thành viên" in html or "để trống số thành viên" in notes

    _export(tmp_path / "in2", [app_row(so_thanh_vien=3), app_row(ma_ho="11284-0002", so_thanh_vien=4, **RICH)])
    ok(run_hgn("run", "in2", "--out", "out2", cwd=tmp_path))
    rows = _form(tmp_path / "out2" / "bao_cao" / "bieu_01.xlsx")
    assert rows["Xã Chi Lăng Nam"][3] == 7 and rows["Tổng cộng"][3] == 7


# ---------------------------------------------------------------- average living standard outside NLNDN
def test_average_living_recorded_for_a_non_nlndn_household_is_a_mismatch(tmp_path: Path) -> None:
    """MSTB is a class of NLNDN households alone: recorded for a household known not NLNDN (B1 over the cut-off:
    Không nghèo) it is a class-mismatch at the recorded class; for an NLNDN household, or one whose NLNDN answer
    is blank, B1 cannot tell the band and no mismatch is said."""
    path = _export(tmp_path, [
        app_row(diem_b1=200, ho_nlndn=0, phan_loai_ghi="Mức sống trung bình"),
        app_row(ma_ho="11284-0002", diem_b1=200, ho_nlndn=1, phan_loai_ghi="Mức sống trung bình"),
    ])
    run = classify_paths([path])
    assert list(run.results.households["phan_loai"]) == ["Không nghèo", "Không nghèo"]
    assert [(f.code, f.cell) for f in run.report.findings if f.code == "class-mismatch"] == [("class-mismatch", "M2")]
