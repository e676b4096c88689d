"""Review 23: `hgn classify` — the reason for each household's class (``ly_do``) and its movement since the start of
the period (domain.md §2, §3).

Small hand-built returns (conftest's ``make_return``) and start-of-period lists typed as an officer types them;
the expected class, reason and movement worked out by hand from domain.md. Tests whose docstring starts with
"DEFECT." fail on the code reviewed; the others are guards (behaviour that is right and must stay right).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import household, make_id, make_return, member
from hgn_review.pipeline import classify_paths, run_round

# income under the rural line and deprived in housing quality, water and latrine (exactly 3 indicators): Nghèo
POOR: dict[str, Any] = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
# income under the line, deprived in nothing: Cận nghèo
NEAR: dict[str, Any] = {"thu_nhap_bq": 1_000_000}
# income above the average-living band: Không nghèo
ABOVE: dict[str, Any] = {"thu_nhap_bq": 5_000_000}
ID = {k: make_id(serial=f"0000{i:02d}") for i, k in enumerate("ABCDEFGHIJKLMNZ", 1)}  # heads' IDs


def _list(path: Path, rows: list[list[Any]]) -> Path:
    """A start-of-period (or earlier period's) list as an officer types it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Mã xã", "Mã hộ", "Phân loại", "Số định danh chủ hộ"])
    for r in rows:
        ws.append(r)
    wb.save(path)
    return path


def _heads(rows: list[dict[str, Any]], who: str) -> list[dict[str, Any]]:
    """One head per household, the i-th household headed by person who[i]."""
    return [member(ma_ho=h["ma_ho"], so_dinh_danh=ID[w], ho_ten=f"Người {w}") for h, w in zip(rows, who, strict=True)]


def _by_code(run: Any) -> pd.DataFrame:
    return run.results.households.set_index("ma_ho")


def _table(run: Any, commune: str, table: str) -> pd.Series:
    t = run.classification.movements
    return t[(t["ma_xa"] == commune) & (t["bang"] == table)].iloc[0]


def _codes(run: Any) -> list[tuple[str, str | None]]:
    return [(f.code, f.value) for f in run.report.findings]


def _hgn(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], capture_output=True, text=True,
                          check=False)


# ------------------------------------------------------------------------------------------ reasons (ly_do)
# guard (passes)
def test_reasons_name_the_deciding_facts_at_every_boundary(tmp_path: Path) -> None:
    """Rural commune 11284: line 1.500.000, band 2.250.000, B1 cut-off 140 (inclusive, domain.md §2.1, §2.4)."""
    rows = [
        household(ma_ho="ON_LINE", thu_nhap_bq=1_500_000, loai_nha="Đơn sơ", nguon_nuoc="Khác", nha_tieu="Không có"),
        household(ma_ho="ONE_ABOVE", thu_nhap_bq=1_500_001),
        household(ma_ho="TWO", thu_nhap_bq=1_000_000, loai_nha="Đơn sơ", nguon_nuoc="Khác"),
        household(ma_ho="B1_AT", thu_nhap_bq=None, diem_b1=140),
        household(ma_ho="B1_OVER", thu_nhap_bq=None, diem_b1=140.5),
        household(ma_ho="BAND_TOP", thu_nhap_bq=2_250_000),
        household(ma_ho="BAND_OVER", thu_nhap_bq=2_250_001),
        household(ma_ho="NOT_FARM", thu_nhap_bq=2_000_000, ho_nlndn="Không"),
        household(ma_ho="NO_INCOME", thu_nhap_bq=None),
        household(ma_ho="OPEN_COUNT", thu_nhap_bq=1_000_000, loai_nha="Đơn sơ", nguon_nuoc="Khác", nha_tieu=None),
        household(ma_ho="FARM_UNKNOWN", thu_nhap_bq=2_000_000, ho_nlndn=None),
    ]
    run = classify_paths([make_return(tmp_path, rows, _heads(rows, "ABCDEFGHIJK"))])
    hh = _by_code(run)
    cls, why = hh["phan_loai"], hh["ly_do"]
    assert cls["ON_LINE"] == "Nghèo"
    assert "Thu nhập bình quân 1.500.000 đồng/người/tháng ≤ chuẩn 1.500.000 (Nông thôn)" in why["ON_LINE"]
    assert "3/12 chỉ số thiếu hụt" in why["ON_LINE"]
    assert cls["ONE_ABOVE"] == "Mức sống trung bình"
    assert "1.500.001 đồng/người/tháng > chuẩn 1.500.000 (Nông thôn)" in why["ONE_ABOVE"]
    assert "thu nhập không quá 2.250.000 (Nông thôn): mức sống trung bình" in why["ONE_ABOVE"]
    assert cls["TWO"] == "Cận nghèo" and "2/12 chỉ số thiếu hụt" in why["TWO"]
    assert cls["B1_AT"] == "Cận nghèo" and "Điểm B1 140 ≤ ngưỡng 140 (Nông thôn)" in why["B1_AT"]
    assert hh.at["B1_AT", "co_so_thu_nhap"] == "diem_b1"
    # NLNDN above the line by B1 only: Không nghèo, never placed in the band from B1 (domain.md §2.2)
    assert cls["B1_OVER"] == "Không nghèo" and "Điểm B1 140,5 > ngưỡng 140 (Nông thôn)" in why["B1_OVER"]
    assert ("average-living-needs-income", None) in _codes(run)
    assert cls["BAND_TOP"] == "Mức sống trung bình"
    assert cls["BAND_OVER"] == "Không nghèo"
    assert "thu nhập trên 2.250.000 (Nông thôn): không thuộc mức sống trung bình" in why["BAND_OVER"]
    assert cls["NOT_FARM"] == "Không nghèo" and "không phải hộ làm nông, lâm, ngư, diêm nghiệp" in why["NOT_FARM"]
    assert cls["NO_INCOME"] == "Chưa đủ thông tin"
    assert "Chưa đủ thông tin: thiếu thu nhập bình quân và điểm B1" in why["NO_INCOME"]
    assert cls["OPEN_COUNT"] == "Chưa đủ thông tin"
    assert "chưa rõ 1 chỉ số (Nhà tiêu hợp vệ sinh), đã thiếu hụt 2, cần biết có đạt 3 chỉ số không" \
        in why["OPEN_COUNT"]
    assert cls["FARM_UNKNOWN"] == "Chưa đủ thông tin"
    assert "chưa rõ hộ có làm nông, lâm, ngư, diêm nghiệp không" in why["FARM_UNKNOWN"]


# guard (passes)
def test_urban_reasons_use_the_urban_line_band_and_cutoff(tmp_path: Path) -> None:
    """Ward 10507 (Thành thị): line 2.000.000, band 3.000.000, B1 cut-off 175."""
    rows = [household(ma_ho=c, ma_xa="10507", **kw) for c, kw in (
        ("U1", {"thu_nhap_bq": 2_000_000}), ("U2", {"thu_nhap_bq": 2_000_001}), ("U3", {"thu_nhap_bq": 3_000_000}),
        ("U4", {"thu_nhap_bq": 3_000_001}), ("U5", {"thu_nhap_bq": None, "diem_b1": 175}))]
    run = classify_paths([make_return(tmp_path, rows, _heads(rows, "ABCDE"), name="10507_2024.xlsx")])
    hh = _by_code(run)
    assert hh["phan_loai"].to_dict() == {"U1": "Cận nghèo", "U2": "Mức sống trung bình", "U3": "Mức sống trung bình",
                                         "U4": "Không nghèo", "U5": "Cận nghèo"}
    assert "2.000.000 đồng/người/tháng ≤ chuẩn 2.000.000 (Thành thị)" in hh.at["U1", "ly_do"]
    assert "thu nhập không quá 3.000.000 (Thành thị)" in hh.at["U3", "ly_do"]
    assert "thu nhập trên 3.000.000 (Thành thị)" in hh.at["U4", "ly_do"]
    assert "Điểm B1 175 ≤ ngưỡng 175 (Thành thị)" in hh.at["U5", "ly_do"]


# ------------------------------------------------------------------------------------------ categories
def _round(tmp_path: Path) -> tuple[Path, Path, Path]:
    rows = [
        household(ma_ho="H1", **NEAR, phan_loai_dau_ky="Không"),  # list says Nghèo: the list wins
        household(ma_ho="H2new", **NEAR),  # list's H2old by head B (code changed)
        household(ma_ho="H3", **POOR, phan_loai_dau_ky="Không"),  # history Nghèo: relapse
        household(ma_ho="H4", **POOR),  # not on the list; history (other code) by head D: relapse
        household(ma_ho="H5", **POOR, tinh_trang_ho="Tách hộ"),
        household(ma_ho="H6", **POOR, tinh_trang_ho="Chuyển đến"),
        household(ma_ho="H7", **NEAR, tinh_trang_ho="Chuyển đi"),
        household(ma_ho="H8", **ABOVE, tinh_trang_ho="Giải thể"),
        household(ma_ho="H9", **POOR),  # list Cận nghèo (history Nghèo does not matter)
        household(ma_ho="H10", **ABOVE),
        household(ma_ho="H11", **NEAR),
    ]
    ret = make_return(tmp_path / "in", rows, _heads(rows, "ABCDEFGHIJK"))
    prev = _list(tmp_path / "dau_ky.xlsx", [
        ["11284", "H1", "Nghèo", ID["A"]], ["11284", "H2old", "Nghèo", ID["B"]], ["11284", "H3", "Không", ID["C"]],
        ["11284", "H7", "Cận nghèo", ID["G"]], ["11284", "H8", "Nghèo", ID["H"]],
        ["11284", "H9", "Cận nghèo", ID["I"]], ["11284", "H10", "Cận nghèo", ID["J"]],
        ["11284", "H11", "Không", ID["K"]]])
    hist = _list(tmp_path / "ky_truoc.xlsx", [
        ["11284", "H3", "Nghèo", ID["C"]], ["11284", "X4", "Nghèo", ID["D"]], ["11284", "H9", "Nghèo", ID["I"]]])
    return ret, prev, hist


# guard (passes)
def test_every_category_with_a_start_list_and_history(tmp_path: Path) -> None:
    ret, prev, hist = _round(tmp_path)
    run = classify_paths([ret], previous=prev, history=[hist])
    moved = _by_code(run)["dien_bien"].to_dict()
    assert moved == {
        "H1": "Thoát nghèo sang cận nghèo", "H2new": "Thoát nghèo sang cận nghèo", "H3": "Tái nghèo",
        "H4": "Tái nghèo", "H5": "Tăng khác", "H6": "Tăng khác", "H7": "Giảm khác", "H8": "Giảm khác",
        "H9": "Cận nghèo thành nghèo", "H10": "Thoát cận nghèo", "H11": "Cận nghèo mới"}
    poor, near = _table(run, "11284", "Nghèo"), _table(run, "11284", "Cận nghèo")
    assert (poor["dau_ky"], poor["giam"], poor["tang"], poor["cuoi_ky"]) == (3, 3, 5, 5)
    assert (near["dau_ky"], near["giam"], near["tang"], near["cuoi_ky"]) == (3, 3, 3, 3)
    assert poor["tang_tai"] == 2 and poor["tang_khac"] == 2 and poor["giam_khac"] == 1
    assert not [c for c, _ in _codes(run) if c == "movement-unbalanced"]


# guard (passes)
def test_results_workbook_and_forms_02_03_balance(tmp_path: Path) -> None:
    ret, prev, hist = _round(tmp_path)
    out = tmp_path / "kq" / "results.xlsx"
    done = _hgn("classify", ret, "--out", out, "--previous", prev, "--history", hist)
    assert done.returncode in (0, 1), done.stderr
    ws = openpyxl.load_workbook(out)["Diễn biến"]
    rows = list(ws.iter_rows(values_only=True))
    keys = rows[1]
    for r in rows[2:]:
        t = dict(zip(keys, r, strict=True))
        assert t["cuoi_ky"] == t["dau_ky"] - t["giam"] + t["tang"]
    rep = tmp_path / "bao_cao"
    done = _hgn("report", out, "--out-dir", rep, "--forms", "2,3")
    assert done.returncode == 0, done.stderr
    for form, expected in (("bieu_02.xlsx", (3, 3, 5, 5)), ("bieu_03.xlsx", (3, 3, 3, 3))):
        sheet = openpyxl.load_workbook(rep / form).active
        total = next(r for r in sheet.iter_rows(values_only=True) if r[1] == "Tổng cộng")
        start, down, up, end = total[2], total[3], total[8], total[14]
        assert (start, down, up, end) == expected
        assert down == sum(total[4:8]) and up == sum(total[9:14])


# ------------------------------------------------------------------------------------------ defects
@pytest.mark.parametrize("status", ["Chuyển đến", "Tách hộ"])
def test_a_household_that_arrived_does_not_take_the_start_of_the_listed_household_found_by_its_head(
        tmp_path: Path, status: str) -> None:
    """DEFECT. The start list holds one poor household of 11284: code H1, head A. In the review, head A's household
    now has code H5 (still poor), and the code H1 was given to a household that moved in / split off this period
    (head Z, "Chuyển đến" / "Tách hộ"). An officer expects H5 matched by its head's ID (domain.md §3, README:
    "then by the head's ID"): start Nghèo, "Tiếp tục nghèo", the poor table's start 1; H1 a "Tăng khác".
    Actually the arrived household H1 takes the list row by code (its start is then "Mới", so the row counts
    nowhere), H5 is refused the row as already taken and becomes "Nghèo mới" with a previous-unmatched warning,
    and the start figure is 0 — the managed poor household vanishes from the start with no finding.
    Likely cause: scoring/movements.py:match_status (and not_reviewed) match a household recorded as moved in or
    split off by commune + code, though it was not in the commune at the start."""
    rows = [household(ma_ho="H1", **POOR, tinh_trang_ho=status, phan_loai_dau_ky=None),
            household(ma_ho="H5", **POOR, phan_loai_dau_ky=None)]
    ret = make_return(tmp_path, rows, _heads(rows, "ZA"))
    prev = _list(tmp_path / "dau_ky.xlsx", [["11284", "H1", "Nghèo", ID["A"]]])
    run = classify_paths([ret], previous=prev)
    hh = _by_code(run)
    assert hh.at["H1", "dien_bien"] == "Tăng khác"
    assert hh.at["H5", "dau_ky"] == "Nghèo"
    assert hh.at["H5", "dien_bien"] == "Tiếp tục nghèo"
    assert _table(run, "11284", "Nghèo")["dau_ky"] == 1


def test_a_listed_household_marked_split_is_not_dropped_from_the_start_silently(tmp_path: Path) -> None:
    """DEFECT. The start list holds one poor household, code H1, head A. The return has H1 (same code, same head,
    still poor) marked "Tách hộ" by mistake, and H2 split off from it (head B, "Tách hộ"). The list's poor
    household is in the review, yet the poor table's start is 0 (both households are "Tăng khác") and no finding
    says that a household of the start list was recorded as newly split — the list's start figure (1) is lost
    without a word, which the tool promises never to do (movements.not_reviewed: "never dropped from the
    start-of-period figures silently"). An officer expects either H1 counted at the start ("Tiếp tục nghèo") or a
    finding on H1 saying its status contradicts the start list.
    Likely cause: scoring/movements.py:assign_movements/_states override the matched start with "Mới" for
    Tách hộ / Chuyển đến without a finding, and not_reviewed counts the row as seen."""
    rows = [household(ma_ho="H1", **POOR, tinh_trang_ho="Tách hộ", phan_loai_dau_ky=None),
            household(ma_ho="H2", **POOR, tinh_trang_ho="Tách hộ", phan_loai_dau_ky=None)]
    ret = make_return(tmp_path, rows, _heads(rows, "AB"))
    prev = _list(tmp_path / "dau_ky.xlsx", [["11284", "H1", "Nghèo", ID["A"]]])
    run = classify_paths([ret], previous=prev)
    counted = _table(run, "11284", "Nghèo")["dau_ky"] == 1
    said = any(f.value == "H1" and f.code.startswith("previous") for f in run.report.findings)
    assert counted or said, _codes(run)


def test_classify_of_two_returns_does_not_count_one_list_row_at_the_start_of_both(tmp_path: Path) -> None:
    """DEFECT. The start list holds two poor households of 11284: A1 (head A) and A2 (head C). 11284's return
    records A1 as "Chuyển đi"; 11287's return has B1 headed by A, status left "Đang cư trú". `hgn classify` of both
    returns with that list counts A1's row at the start of both communes (11284: start 2, A1 "Giảm khác"; 11287:
    start 1, B1 "Tiếp tục nghèo") — 3 poor households at the start of a list holding 2, without a finding. `hgn run`
    on the same returns and list counts B1 as moved in ("Tăng khác", previous-moved-in-unrecorded), as the README
    says ("so that no row's start is counted twice"). An officer expects the same from `hgn classify`.
    Likely cause: pipeline.py:classify_paths → scoring/movements.py:assign_movements never applies
    movements.arrived_unrecorded (only pipeline._run_round does, after the merge)."""
    a = make_return(tmp_path / "in", [household(ma_ho="A1", **POOR, tinh_trang_ho="Chuyển đi"),
                                      household(ma_ho="A2", **POOR)],
                    [member(ma_ho="A1", so_dinh_danh=ID["A"]), member(ma_ho="A2", so_dinh_danh=ID["C"])])
    b = make_return(tmp_path / "in", [household(ma_ho="B1", ma_xa="11287", **POOR, phan_loai_dau_ky=None)],
                    [member(ma_ho="B1", so_dinh_danh=ID["A"])], name="11287_2024.xlsx")
    prev = _list(tmp_path / "dau_ky.xlsx", [["11284", "A1", "Nghèo", ID["A"]], ["11284", "A2", "Nghèo", ID["C"]]])
    # what `hgn run` says of the same round (guard of the comparison)
    run_round(tmp_path / "in", tmp_path / "out", previous=prev)
    ran = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet").set_index("ma_ho")
    assert ran.at["B1", "dien_bien"] == "Tăng khác"
    run = classify_paths([a, b], previous=prev)
    t = run.classification.movements
    assert int(t.loc[t["bang"] == "Nghèo", "dau_ky"].sum()) == 2
    assert _by_code(run).at["B1", "dien_bien"] == "Tăng khác"
