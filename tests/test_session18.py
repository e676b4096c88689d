"""Session 18: what an officer meets at the edges of a round.

- Form 11 leaves the children's figures of a unit blank when a member of one of its poor or near-poor households
  has no usable date or year of birth (whether that member is a child is not known), and says so in the notes.
- `hgn run --strict --json` (tests/test_run.py) — covered there.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from conftest import household, make_id, make_return, member, ok, run_hgn

POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}


def _grid(path: Path) -> list[tuple[Any, ...]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return [tuple(r) for r in ws.iter_rows(values_only=True)]


def _rows(values: list[tuple[Any, ...]]) -> tuple[dict[str, tuple[Any, ...]], tuple[Any, ...]]:
    """(unit rows by name, total row) of a summary form: the rows under its "A", "B", "1" … key row."""
    k = next(i for i, r in enumerate(values) if r[0] == "A" and r[1] == "B")
    units: dict[str, tuple[Any, ...]] = {}
    for r in values[k + 1:]:
        if isinstance(r[1], str) and r[1].lower().startswith("tổng"):
            return units, r
        if r[1] is not None:
            units[str(r[1])] = r
    raise AssertionError("no total row")


def _round(tmp_path: Path, son_birth: str | None) -> Path:
    """One poor household of commune 11284 (three deprivations whatever else): a 1980-born head and a son whose
    "Ngày sinh" is ``son_birth`` (his card, nutrition and schooling answers given); `hgn run`."""
    inp = tmp_path / "in"
    make_return(inp, [household(ma_ho="11284-0001", phan_loai_dau_ky="Nghèo", **POOR)], [
        member(),
        member(stt=2, ho_ten="Nguyễn Văn Bé", so_dinh_danh=make_id(birth_year=2020, serial="000003"),
               ngay_sinh=son_birth, quan_he="Con", viec_lam=None, trinh_do="Chưa đi học", dang_di_hoc="Có",
               cap_hoc="Mầm non", suy_dinh_duong="Không", the_bhyt="Có"),
    ])
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    return tmp_path / "out"


def test_form_11_children_figures_are_blank_when_a_members_birth_date_is_blank(tmp_path: Path) -> None:
    """The son's birth date is blank (reported at its cell by the check): a child or not is not known, so form 11
    leaves the commune's and the total's children figures blank — not "0 children" — and report.html's notes say
    why; the head's row still counts (one poor household)."""
    out = _round(tmp_path, None)
    units, total = _rows(_grid(out / "bao_cao" / "bieu_11.xlsx"))
    row = units["Xã Chi Lăng Nam"]
    assert row[2] is None and total[2] is None, (row, total)  # children in poor households: not known
    assert all(v is None for v in row[2:6]), row  # nor those without a card, malnourished, out of school
    html = (out / "bao_cao" / "report.html").read_text("utf-8")
    assert "không có ngày hoặc năm sinh dùng được" in html
    # said on form 11 itself (a form is filed on its own), and not on a form that reads no children's figure
    said = [v for r in _grid(out / "bao_cao" / "bieu_11.xlsx") for v in r if isinstance(v, str)]
    assert any(v.startswith("Lưu ý: 1 thành viên") and "năm sinh" in v for v in said), said[-6:]
    f01 = [v for r in _grid(out / "bao_cao" / "bieu_01.xlsx") for v in r if isinstance(v, str)]
    assert not any("năm sinh dùng được" in v for v in f01)
    ws = openpyxl.load_workbook(out / "phat_hien.xlsx").worksheets[0]
    assert any(r[2] == 3 and r[3] == "Ngày sinh" for r in ws.iter_rows(min_row=2, values_only=True))


def test_form_11_counts_the_child_when_his_birth_date_is_known(tmp_path: Path) -> None:
    """The same round with his birth date written: one child in the poor household, with a card, not
    malnourished, at school — 1, 0, 0, 0; no note on birth dates."""
    out = _round(tmp_path, "05/06/2020")
    units, total = _rows(_grid(out / "bao_cao" / "bieu_11.xlsx"))
    row = units["Xã Chi Lăng Nam"]
    assert row[2] == 1 and total[2] == 1 and list(row[3:6]) == [0, 0, 0], row
    assert "không có ngày hoặc năm sinh dùng được" not in (out / "bao_cao" / "report.html").read_text("utf-8")


def test_a_standard_title_in_brackets_is_shown_as_written(tmp_path: Path) -> None:
    """`hgn standard show` of a province file titled "Chuẩn tỉnh [dự thảo]": the title is shown whole (rich would
    read "[dự thảo]" as a style tag and drop it)."""
    (tmp_path / "x.yaml").write_text("id: tinh-x\ntitle: Chuẩn tỉnh [dự thảo]\nscope: national\nsource: thử\n"
                                     "status: practice\nextends: vn-2022-2025\n", encoding="utf-8")
    out = ok(run_hgn("standard", "show", "x.yaml", cwd=tmp_path)).stdout
    assert "Chuẩn tỉnh [dự thảo]" in out
