"""Review 27 — the open and practice items of domain.md and the other standards the tool must hold (§2.5).

"Open items are configuration or input, never invented constants": each open/practice item must (a) come from the
standard file or an input, (b) be overridable by a province's own file (``hgn standard check FILE``, then
``--standard FILE`` / ``--local FILE``) with the override moving the class at the boundary, and (c) carry its
status and source where it is shown. Then the 2027–2030 standard (NĐ 351/2025) at its lines, what it leaves open,
and a return whose review dates straddle 31/12/2026 → 01/01/2027.

Checked and found right (guards): no legal figure as a number literal in the code; the 2027 rural and urban lines
on the line and one đồng above; the 2027 B1 cut-off and average-living ceiling left open make the households that
need them wait (said); a đặc khu's area (not set by the registry) is taken from the household's answer; a province
file extending vn-2027-2030 that supplies the B1 cut-off and the ceiling is accepted by ``hgn standard check`` and
moves the class at its own boundaries; a 2027 local standard (``--local``) at its line; AF weights from the file; a
2027 household in a 2026 return is not classified under the 2022–2025 line and is said at its date's cell.

Tests marked ``# guard (passes)`` hold behaviour found right; every other test fails on the code as reviewed and
its docstring says what is wrong and where.
"""

from __future__ import annotations

import ast
import itertools
import os
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

import hgn_review
from conftest import household, make_id, make_return, member, ok, run_hgn
from hgn_review.pipeline import classify_paths

STANDARDS = Path(hgn_review.__file__).parent / "scoring" / "standards"
Y22 = yaml.safe_load((STANDARDS / "vn-2022-2025.yaml").read_text(encoding="utf-8"))
Y27 = yaml.safe_load((STANDARDS / "vn-2027-2030.yaml").read_text(encoding="utf-8"))
RURAL, URBAN = "Nông thôn", "Thành thị"
LINE27 = {a: Y27["income_line"][a]["value"] for a in (RURAL, URBAN)}
NGHEO, CAN, MSTB, KN, WAIT = "Nghèo", "Cận nghèo", "Mức sống trung bình", "Không nghèo", "Chưa đủ thông tin"
THREE = {"loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}  # three household deprivations
RURAL_2025 = "11284"  # Xã Nam Thanh Miện (Hải Phòng) from 1/7/2025: rural
DAC_KHU = "11914"  # Đặc khu Cát Hải (Hải Phòng): the registry gives no area to a đặc khu

_SERIAL = itertools.count(270001)


def _return(folder: Path, rows: list[tuple[str, dict[str, Any]]], *, commune: str = RURAL_2025,
            day: str = "15/09/2027", name: str | None = None) -> Path:
    """One return: a household per row, each with its head (born 1980, an ID consistent with it)."""
    hh, mm = [], []
    for code, kw in rows:
        kw = {"ngay_ra_soat": day, "ma_xa": commune, **kw}
        hh.append(household(ma_ho=code, **kw))
        mm.append(member(ma_ho=code, so_dinh_danh=make_id(serial=f"{next(_SERIAL):06d}")))
    return make_return(folder, hh, mm, name=name or f"{commune}_{day[-4:]}.xlsx")


def _classify(ret: Path, cwd: Path, **opts: Any) -> tuple[pd.DataFrame, list[Any]]:
    """What `hgn classify RET [--standard S] [--local L]` computes, run from ``cwd`` (relative .yaml paths)."""
    here = os.getcwd()
    os.chdir(cwd)
    try:
        run = classify_paths([ret], **opts)
    finally:
        os.chdir(here)
    return run.results.households.set_index("ma_ho"), list(run.report.sorted())


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# a province's 2027 standard: the national lines, and the two thresholds NĐ 351/2025 leaves open supplied
PROVINCE_27 = """\
id: tinh-27
title: Chuẩn nghèo tỉnh (2027–2030, có ngưỡng B1)
scope: national
extends: vn-2027-2030
source: "Quyết định của UBND tỉnh"
status: practice
average_living_upper:
  Nông thôn: {value: 3300000, status: practice, source: "QĐ tỉnh"}
  Thành thị: {value: 4200000, status: practice, source: "QĐ tỉnh"}
b1_cutoff:
  Nông thôn: {value: 160, status: practice, source: "QĐ tỉnh: bảng điểm B1 2027"}
  Thành thị: {value: 200, status: practice, source: "QĐ tỉnh: bảng điểm B1 2027"}
"""

LOCAL_27 = """\
id: dia-phuong-27
title: Chuẩn nghèo địa phương 2027–2030
scope: local
extends: vn-2027-2030
source: "Nghị quyết HĐND tỉnh"
status: practice
income_line:
  Nông thôn: {value: 2500000, status: practice, source: "NQ HĐND tỉnh"}
  Thành thị: {value: 3100000, status: practice, source: "NQ HĐND tỉnh"}
"""


# ------------------------------------------------------------------------------------------ (a) no literals
def test_no_legal_figure_of_a_bundled_standard_is_a_number_literal_in_the_code() -> None:
    # guard (passes)
    """Every income line, average-living ceiling and B1 cut-off of the bundled standards lives in YAML only: no
    int/float constant of that value in the modules that classify, validate, merge and report (docstrings and
    comments are not constants)."""
    figures = set()
    for doc in (Y22, Y27):
        for section in ("income_line", "average_living_upper", "b1_cutoff"):
            figures |= {p["value"] for p in doc[section].values() if p["value"] is not None}
    root = Path(hgn_review.__file__).parent
    # the modules that classify, validate, merge and report (a byte table such as 0xAF elsewhere is not a figure)
    modules = [*(root / "scoring").rglob("*.py"), *(root / "merge").rglob("*.py"), root / "pipeline.py",
               root / "validate.py", root / "cli.py", root / "reports" / "view.py", root / "reports" / "population.py"]
    hits = []
    for path in modules:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and type(node.value) in (int, float) and node.value in figures:
                hits.append((path.name, node.lineno, node.value))
    assert not hits, hits


# ------------------------------------------------------------------------------------------ 2027–2030 at its lines
@pytest.fixture(scope="module")
def y2027(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, list[Any]]:
    """A 2027 return of a rural commune, classified by its review date (no --standard)."""
    tmp = tmp_path_factory.mktemp("y2027")
    line = LINE27[RURAL]
    ret = _return(tmp / "in", [
        ("ON", dict(thu_nhap_bq=line)),
        ("ON_3", dict(thu_nhap_bq=line, **THREE)),
        ("P1_NOT", dict(thu_nhap_bq=line + 1, ho_nlndn="Không")),
        ("P1_NOT_3", dict(thu_nhap_bq=line + 1, ho_nlndn="Không", **THREE)),
        ("P1_FARM", dict(thu_nhap_bq=line + 1)),  # NLNDN above the line: the 2027 ceiling is open
        ("B1_ONLY", dict(thu_nhap_bq=None, diem_b1=100)),  # the 2027 B1 cut-off is open
        ("OLD_LINE_P1", dict(thu_nhap_bq=1500001, ho_nlndn="Không")),  # above 2022's line, under 2027's
    ])
    return _classify(ret, tmp)


def test_2027_rural_line_on_and_one_dong_above(y2027: tuple[pd.DataFrame, list[Any]]) -> None:
    # guard (passes)
    hh, _ = y2027
    assert set(hh["chuan"]) == {"vn-2027-2030"}
    got = hh["phan_loai"].to_dict()
    assert got == {"ON": CAN, "ON_3": NGHEO, "P1_NOT": KN, "P1_NOT_3": KN, "P1_FARM": WAIT, "B1_ONLY": WAIT,
                   "OLD_LINE_P1": CAN}
    assert "Thu nhập bình quân 2.200.000 đồng/người/tháng ≤ chuẩn 2.200.000 (Nông thôn)" in hh.at["ON", "ly_do"]
    assert "2.200.001 đồng/người/tháng > chuẩn 2.200.000 (Nông thôn)" in hh.at["P1_NOT_3", "ly_do"]
    assert "≤ chuẩn 2.200.000 (Nông thôn)" in hh.at["OLD_LINE_P1", "ly_do"]


def test_2027_open_thresholds_make_the_households_that_need_them_wait_saying_why(
        y2027: tuple[pd.DataFrame, list[Any]]) -> None:
    # guard (passes)
    hh, found = y2027
    assert "chuẩn vn-2027-2030 chưa có ngưỡng điểm B1" in hh.at["B1_ONLY", "ly_do"]
    assert "chuẩn vn-2027-2030 chưa có mức thu nhập tối đa của hộ có mức sống trung bình" in hh.at["P1_FARM", "ly_do"]
    rows = {int(hh.at[k, "row"]) for k in ("B1_ONLY", "P1_FARM")}
    assert rows <= {f.row for f in found if f.code == "household-undecided"}


def test_2027_urban_line_and_the_area_of_a_dac_khu_taken_from_the_household(tmp_path: Path) -> None:
    # guard (passes)
    """Đặc khu Cát Hải: the registry sets no area (open, input); the household's own "Khu vực" decides it; without
    it, an income between the two 2027 lines waits for the area, one under both is decided."""
    line = LINE27[URBAN]
    ret = _return(tmp_path / "in", [
        ("U_ON", dict(khu_vuc=URBAN, thu_nhap_bq=line)),
        ("U_P1", dict(khu_vuc=URBAN, thu_nhap_bq=line + 1, ho_nlndn="Không")),
        ("R_MID", dict(khu_vuc=RURAL, thu_nhap_bq=2500000, ho_nlndn="Không")),
        ("NO_AREA_LOW", dict(thu_nhap_bq=LINE27[RURAL])),
        ("NO_AREA_MID", dict(thu_nhap_bq=2500000, ho_nlndn="Không")),
    ], commune=DAC_KHU)
    hh, _ = _classify(ret, tmp_path)
    assert hh["phan_loai"].to_dict() == {"U_ON": CAN, "U_P1": KN, "R_MID": KN, "NO_AREA_LOW": CAN,
                                         "NO_AREA_MID": WAIT}
    assert "≤ chuẩn 2.800.000 (Thành thị)" in hh.at["U_ON", "ly_do"]
    assert "thiếu khu vực" in hh.at["NO_AREA_MID", "ly_do"]


# ------------------------------------------------------------------------------------------ (b) a province's files
def test_a_province_2027_file_supplying_b1_and_the_ceiling_moves_the_class_at_its_boundaries(tmp_path: Path) -> None:
    # guard (passes)
    std = _write(tmp_path / "tinh-27.yaml", PROVINCE_27)
    checked = ok(run_hgn("standard", "check", std.name, cwd=tmp_path))
    assert "tinh-27" in checked.stdout
    ret = _return(tmp_path / "in", [
        ("FARM_P1", dict(thu_nhap_bq=LINE27[RURAL] + 1)),
        ("FARM_CEIL", dict(thu_nhap_bq=3300000)),
        ("FARM_CEIL_P1", dict(thu_nhap_bq=3300001)),
        ("B1_ON", dict(thu_nhap_bq=None, diem_b1=160)),
        ("B1_ON_3", dict(thu_nhap_bq=None, diem_b1=160, **THREE)),
        ("B1_P1", dict(thu_nhap_bq=None, diem_b1=161, ho_nlndn="Không")),
    ])
    hh, _ = _classify(ret, tmp_path, standard=std.name)
    assert set(hh["chuan"]) == {"tinh-27"}
    assert hh["phan_loai"].to_dict() == {"FARM_P1": MSTB, "FARM_CEIL": MSTB, "FARM_CEIL_P1": KN, "B1_ON": CAN,
                                         "B1_ON_3": NGHEO, "B1_P1": KN}
    assert "Điểm B1 160 ≤ ngưỡng 160 (Nông thôn)" in hh.at["B1_ON", "ly_do"]
    assert "thu nhập trên 3.300.000 (Nông thôn)" in hh.at["FARM_CEIL_P1", "ly_do"]


def test_a_2027_local_standard_gives_the_local_class_at_its_own_line(tmp_path: Path) -> None:
    # guard (passes)
    local = _write(tmp_path / "dp-27.yaml", LOCAL_27)
    ok(run_hgn("standard", "check", local.name, cwd=tmp_path))
    ret = _return(tmp_path / "in", [
        ("L_ON", dict(thu_nhap_bq=2500000, ho_nlndn="Không")),
        ("L_ON_3", dict(thu_nhap_bq=2500000, ho_nlndn="Không", **THREE)),
        ("L_P1", dict(thu_nhap_bq=2500001, ho_nlndn="Không")),
    ])
    hh, _ = _classify(ret, tmp_path, local=local.name)
    assert hh["phan_loai"].to_dict() == {"L_ON": KN, "L_ON_3": KN, "L_P1": KN}
    assert hh["phan_loai_dia_phuong"].to_dict() == {"L_ON": CAN, "L_ON_3": NGHEO, "L_P1": KN}
    assert "theo chuẩn dia-phuong-27: Nghèo" in hh.at["L_ON_3", "ly_do"]
    assert "≤ chuẩn 2.500.000 (Nông thôn)" in hh.at["L_ON_3", "ly_do"]


def test_alkire_foster_weights_come_from_the_province_file(tmp_path: Path) -> None:
    # guard (passes)
    keys = list(Y27["indicators"])
    table = "\n".join(f"      {k}: {2 if k == 'th_chat_luong_nha' else 1}" for k in keys)
    std = _write(tmp_path / "w.yaml", "id: tinh-w\ntitle: Tỉnh W\nscope: national\nextends: vn-2027-2030\n"
                 "source: \"QĐ tỉnh\"\nstatus: practice\ndeprivation:\n  weights:\n    value:\n" + table
                 + "\n    status: practice\n    source: \"QĐ tỉnh\"\n")
    ret = _return(tmp_path / "in", [("P", dict(thu_nhap_bq=1000000, **THREE))])
    here = os.getcwd()
    os.chdir(tmp_path)
    try:
        run = classify_paths([ret], standard=std.name)
    finally:
        os.chdir(here)
    row = run.results.summary.iloc[0]
    assert row["dong_gop_th_chat_luong_nha"] == pytest.approx(50.0)
    assert row["dong_gop_th_nha_tieu"] == pytest.approx(25.0)


def test_a_b2_score_right_under_the_province_b2_points_is_not_reported_as_an_error(tmp_path: Path) -> None:
    """DEFECT. The points per deprived indicator on Phiếu B (``deprivation.b2_points``) are *practice* in
    vn-2022-2025 and *open* in vn-2027-2030: a province sets them in its standard file. With a file saying 5
    points, a household with 3 deprivations and B2 = 15 is exactly right — classify's own B2 check (b2-count-mismatch,
    which reads the standard) agrees — yet every such cell is an error "Điểm B2 = 15 không phải bội số của 10" with
    the hint "Mỗi chỉ số thiếu hụt tính 10 điểm", and a B2 above 120 (12 × 10) would be out of range. An officer
    expects the B2 checks to follow the standard in use, as b2-count-mismatch does. Likely cause: the literal
    ``multiple_of: 10, max: 120`` of diem_b2 in layouts/hgn.yaml (and app.yaml), turned into a pandera check in
    schemas/pandera_schema.py and reported by schemas/bridge.py (code b2-not-multiple-of-10, message in
    findings.py) — the standard's b2_points is never consulted."""
    std = _write(tmp_path / "tinh-b2.yaml", """\
id: tinh-b2
title: Tỉnh B2
scope: national
extends: vn-2022-2025
source: "QĐ tỉnh"
status: practice
deprivation:
  b2_points: {value: 5, status: practice, source: "QĐ tỉnh: 5 điểm mỗi chỉ số"}
""")
    ok(run_hgn("standard", "check", std.name, cwd=tmp_path))
    ret = _return(tmp_path / "in", [("B2_15", dict(thu_nhap_bq=1000000, diem_b2=15, **THREE))],
                  commune="11284", day="15/09/2024")
    hh, found = _classify(ret, tmp_path, standard=std.name)
    assert hh.at["B2_15", "phan_loai"] == NGHEO and int(hh.at["B2_15", "so_thieu_hut"]) == 3
    assert not [f for f in found if f.code == "b2-count-mismatch"]
    on_b2 = [(f.code, f.message()) for f in found if f.key == "diem_b2" and f.severity == "error"]
    assert not on_b2, on_b2


def test_standard_show_marks_the_open_2027_thresholds(tmp_path: Path) -> None:
    # guard (passes)
    proc = ok(run_hgn("standard", "show", "vn-2027-2030", cwd=tmp_path))
    lines = [ln for ln in proc.stdout.splitlines() if "b1_cutoff.Nông thôn" in ln or "average_living_upper.Nông" in ln]
    assert len(lines) == 2 and all("chưa xác định" in ln and "open" in ln for ln in lines), lines
    assert "2.200.000" in proc.stdout and "2.800.000" in proc.stdout


def test_standard_show_2027_says_its_indicator_list_is_open(tmp_path: Path) -> None:
    """DEFECT. vn-2027-2030.yaml records, under open_changes, that the 2027–2030 indicator list is not
    established (the draft drops "Phương tiện phục vụ tiếp cận thông tin" and adds "Xử lý rác thải sinh hoạt";
    the twelve 2022–2025 definitions are kept meanwhile) — domain.md §2.5 marks it open. ``hgn standard show
    vn-2027-2030`` ("Xem mọi tham số của một chuẩn, kèm căn cứ và mức độ xác lập") prints none of it: an officer
    reading the standard sees twelve indicators and no word that the list itself is open. Likely cause:
    cli.py:standard_show prints ``Standard.parameters()`` only, which leaves out ``open_changes``."""
    proc = ok(run_hgn("standard", "show", "vn-2027-2030", cwd=tmp_path))
    assert "rác thải" in proc.stdout, proc.stdout[-2000:]


def test_standard_show_lists_the_indicators_whose_wording_is_open(tmp_path: Path) -> None:
    """DEFECT. domain.md §2.3 marks indicators 11 (Sử dụng dịch vụ viễn thông) and 12 (Phương tiện tiếp cận thông
    tin) "open (wording)"; vn-2022-2025.yaml gives both ``status: open`` with a source. ``hgn standard show
    vn-2022-2025`` has no row for either (nor for any indicator's own status): an officer cannot see from the tool
    that these two definitions are not established. Likely cause: cli.py:standard_show prints
    ``Standard.parameters()`` (scoring/standard.py), which lists indicator *parameters* only — the two rules
    without parameters (telecom, information_assets) and each indicator's status/source are never shown."""
    proc = ok(run_hgn("standard", "show", "vn-2022-2025", cwd=tmp_path))
    shown = [ln for ln in proc.stdout.splitlines() if "th_vien_thong" in ln or "th_phuong_tien_thong_tin" in ln]
    assert len(shown) >= 2 and all("open" in ln for ln in shown), shown


# ------------------------------------------------------------------------------------------ 2026 → 2027 in one return
def test_a_2027_household_in_a_2026_return_is_not_classified_under_the_2022_line(tmp_path: Path) -> None:
    # guard (passes)
    """NĐ 351/2025 keeps the 2022–2025 standard to 31/12/2026. In a return reviewed in November 2026, a household
    reviewed on 01/01/2027 (income 2.000.000: over 2022's rural line, under 2027's) is not given the 2022–2025
    class (Không nghèo): it waits, said at its review date's cell; the others — 31/12/2026 included — are
    classified under vn-2022-2025."""
    ret = _return(tmp_path / "in", [
        ("A26", dict(thu_nhap_bq=2000000, ho_nlndn="Không", ngay_ra_soat="15/11/2026")),
        ("B26", dict(thu_nhap_bq=1500000, ngay_ra_soat="31/12/2026")),
        ("C27", dict(thu_nhap_bq=2000000, ho_nlndn="Không", ngay_ra_soat="01/01/2027")),
    ], day="15/11/2026")
    hh, found = _classify(ret, tmp_path)
    assert hh["phan_loai"].to_dict() == {"A26": KN, "B26": CAN, "C27": WAIT}
    assert "chuẩn 1.500.000" not in hh.at["C27", "ly_do"]
    row = int(hh.at["C27", "row"])
    said = [f for f in found if f.code == "review-date-other-standard"]
    assert [(f.row, f.key, f.value) for f in said] == [(row, "ngay_ra_soat", "01/01/2027")]
