"""Review 39: classification under a province's local standard (`--local`) and with the review application's
export (`--layout app`), probed with small inputs as an officer would run them.

Tests whose docstring starts with "DEFECT." fail on the code as reviewed; the others are guards (marked
"# guard (passes)"). Scratch files of the probes: /tmp/test_review39_local/.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import app_row, form_rows, household, make_app_return, make_id, make_return, member, ok, run_hgn
from hgn_review.pipeline import classify_paths, run_round

UNIT = "Thôn Đông"  # the village row of a commune report made from one commune's results

# a local standard that keeps the Bắc Ninh lines and counts the floor area per person below 10 m² (not 8)
AREA10 = """\
id: dp-dien-tich-10
title: Chuẩn địa phương thử, diện tích 10 m²/người
scope: local
extends: example-bac-ninh
source: thử nghiệm
status: practice
indicators:
  th_dien_tich_nha:
    name: Diện tích nhà ở bình quân đầu người
    short_name: Diện tích nhà
    dimension: Nhà ở
    rule: housing_area
    status: practice
    source: thử nghiệm
    min_area_per_person: {value: 10, status: practice, source: thử nghiệm}
"""

LOCAL_HEAD = """\
id: dp-thu
title: Chuẩn địa phương thử
scope: local
extends: vn-2022-2025
source: thử nghiệm
status: practice
"""

LINES = """\
income_line:
  Nông thôn: {value: 1750000, status: practice, source: thử}
  Thành thị: {value: 2250000, status: practice, source: thử}
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _households(spec: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """One household per item (overrides of ``household``), each with its head as only member."""
    rows, heads = [], []
    for i, kw in enumerate(spec, 1):
        code = f"11284-{i:04d}"
        rows.append(household(ma_ho=code, **kw))
        heads.append(member(ma_ho=code, so_dinh_danh=make_id(serial=f"{i:06d}")))
    return rows, heads


# ---------------------------------------------------------------------------------------------------- defects


def test_local_class_is_decided_over_the_possible_ages_of_a_member_known_by_birth_year(tmp_path: Path) -> None:
    """DEFECT. README (`hgn classify`): "a household whose members are known only by a birth year is decided when
    every age they can have gives one class". A rural household on 1,500,000 đồng, deprived in floor area and
    latrine, with a son written "2008" (15 or 16 at the review of 15/09/2024, not in school, primary level): at 15
    he is deprived in school attendance, at 16 in adult education — 3 deprivations either way. The national class
    is Nghèo (said: "như nhau với mọi tuổi có thể"), but under `--local example-bac-ninh` (same twelve indicators,
    higher line, income under it too) the local class is "Chưa đủ thông tin" ("chưa rõ 2 chỉ số … cần biết có đạt
    3 chỉ số không"), with a warning asking the officer for an answer that changes nothing. An officer expects the
    local class Nghèo, decided over the ages as the national one is. Likely cause: scoring/classify.py:classify —
    the local decision is `decide(hh, _combine(recorded, d_local.flags, prefer), local_std)`, never passed through
    `_by_scenarios` as the national decision is."""
    son = member(stt=2, ho_ten="Nguyễn Văn Bé", so_dinh_danh=make_id(birth_year=2008, serial="000777"),
                 ngay_sinh=2008, quan_he="Con", viec_lam="Không tham gia lao động", suy_dinh_duong="Không",
                 trinh_do="Tiểu học", dang_di_hoc="Không", cap_hoc=None)
    path = make_return(tmp_path, [household(thu_nhap_bq=1500000, dien_tich_nha=7, nha_tieu="Khác")],
                       [member(), son])
    run = classify_paths([path], local="example-bac-ninh")
    one = run.results.households.iloc[0]
    assert one["phan_loai"] == "Nghèo"  # decided over the two ages
    assert one["phan_loai_dia_phuong"] == "Nghèo", one["ly_do"]


def test_recorded_national_flag_does_not_override_the_local_standards_own_indicator_rule(tmp_path: Path) -> None:
    """DEFECT. A local standard counts the floor area per person below 10 m² (the national one below 8 m²). A
    return records the twelve flags (the optional "Thiếu hụt: …" columns) as the national review set them: 9 m² for
    one person → th_dien_tich_nha = 0, which agrees with the national derivation (no indicator-mismatch). Under the
    local rule 9 m² < 10 is deprived, so with water and latrine the household has 3 local deprivations and an income
    under the local line: local class Nghèo. hgn gives "Cận nghèo" — the recorded national 0 silently replaces the
    local rule's 1 (with `--prefer derived` the same household is Nghèo locally). An officer expects the local
    standard's own indicator to be applied at its own boundary (or at least a finding that the recorded flag
    contradicts it). Likely cause: scoring/classify.py:classify — `_combine(recorded, d_local.flags, prefer)` lets
    the return's recorded flags, set under the national rules, win over the local standard's derived flags."""
    local = _write(tmp_path / "dt10.yaml", AREA10)
    flags = {k: 0 for k in ("th_viec_lam", "th_nguoi_phu_thuoc", "th_dinh_duong", "th_bhyt", "th_giao_duc_nguoi_lon",
                            "th_di_hoc_tre_em", "th_chat_luong_nha", "th_dien_tich_nha", "th_vien_thong",
                            "th_phuong_tien_thong_tin")}
    path = make_return(tmp_path, [household(thu_nhap_bq=1500000, dien_tich_nha=9, nha_tieu="Khác", nguon_nuoc="Khác",
                                            th_nuoc_sinh_hoat=1, th_nha_tieu=1, **flags)], [member()])
    run = classify_paths([path], local=str(local))
    one = run.results.households.iloc[0]
    assert one["phan_loai"] == "Cận nghèo"  # nationally 2/12: the recorded flags are right for the national rule
    assert not [f for f in run.report.findings if f.code == "indicator-mismatch"]
    assert one["phan_loai_dia_phuong"] == "Nghèo", one["ly_do"]


def test_reason_of_a_local_class_counted_by_its_own_indicator_rule_gives_the_local_count(tmp_path: Path) -> None:
    """DEFECT. Same local standard (area per person below 10 m²), no recorded flags. A household on the rural line
    with 9,99 m² for one person, unsafe water and no hygienic latrine is Cận nghèo nationally (2/12) and Nghèo
    locally (3/12 under the 10 m² rule). Its reason reads "…; 2/12 chỉ số thiếu hụt; Nguồn nước: Khác; Nhà tiêu:
    Khác; theo chuẩn dp-dien-tich-10: Nghèo; Thu nhập … ≤ chuẩn 1.750.000" — two deprivations and "Nghèo", which
    needs three: the local count and the area deprivation it rests on are nowhere. An officer expects the reason to
    account for the local class ("3/12" under the local standard). Likely cause: scoring/classify.py:classify adds
    the local count to `local_pieces` only `if local_std.keys != std.keys`; a local standard holding the same
    indicators with another parameter counts differently too."""
    local = _write(tmp_path / "dt10.yaml", AREA10)
    rows, heads = _households([dict(thu_nhap_bq=1500000, dien_tich_nha=9.99, nha_tieu="Khác", nguon_nuoc="Khác")])
    run = classify_paths([make_return(tmp_path, rows, heads)], local=str(local))
    one = run.results.households.iloc[0]
    assert (one["phan_loai"], one["phan_loai_dia_phuong"]) == ("Cận nghèo", "Nghèo")  # the class is right
    assert "2/12 chỉ số thiếu hụt" in one["ly_do"]
    assert "3/12" in one["ly_do"], one["ly_do"]


def test_form_01_does_not_write_0_average_living_households_an_export_cannot_tell(tmp_path: Path) -> None:
    """DEFECT. The application's export has no measured income: an NLNDN household above the B1 cut-off cannot be
    placed in the average-living band (domain.md §2.2; hgn says so: `average-living-needs-income`, "cần thu nhập đo
    được để xét mức sống trung bình"). Here the export itself records two such households as "Mức sống trung bình"
    (accepted as compatible, no class-mismatch). Form 01 then prints 0 in "Hộ làm NLNDN có mức sống trung bình —
    Số hộ" (and 0 persons) for the village and the total, with no note — a figure that cannot be known written as 0,
    where README's rule for an export's unknown figures (children, labour capacity, merit, persons of a blank size)
    is: left blank, not 0, said in the notes. An officer filing the form reports no average-living household while
    the application lists two. Likely cause: reports/view.py counts `avg_hh`/`avg_pp` from the class alone; no
    "unknown" attribute (as MERIT_UNKNOWN/SIZE_UNKNOWN in `_BLANK_NOTES`) marks households whose average-living
    status needs a measured income."""
    above = dict(diem_b1=160, th_bhyt=0, so_thieu_hut_ghi=0, diem_b2=0, ho_nlndn=1, phan_loai_ghi="Mức sống trung bình")
    rows = [app_row(ma_ho="11284-0001"), app_row(ma_ho="11284-0002", **above),
            app_row(ma_ho="11284-0003", **{**above, "diem_b1": 170})]
    (tmp_path / "in").mkdir()
    export = make_app_return(tmp_path / "in", rows)
    ok(run_hgn("classify", export, "--out", tmp_path / "res.xlsx", cwd=tmp_path))
    ok(run_hgn("report", tmp_path / "res.xlsx", "--out-dir", tmp_path / "rep", "--forms", "1", cwd=tmp_path))
    ws = openpyxl.load_workbook(tmp_path / "rep" / "bieu_01.xlsx").worksheets[0]
    col = next(c.column for r in ws.iter_rows() for c in r
               if c.value == "Hộ làm NLNDN có mức sống trung bình")  # its first sub-column: Số hộ
    rows_by_label = form_rows(tmp_path / "rep" / "bieu_01.xlsx")
    village = rows_by_label[UNIT]
    assert village[2] == 3 and village[8] == 1  # 3 households, 1 near-poor: the form is of this export
    assert village[col - 1] is None, village
    assert rows_by_label["Tổng cộng"][col - 1] is None


def test_a_local_file_claiming_the_national_standards_id_is_not_reported_as_the_national_class(tmp_path: Path) -> None:
    """DEFECT. A province copies the bundled national file, sets `scope: local` and its own lines, but keeps
    `id: vn-2022-2025` (the way a file is most easily made). `hgn standard check` says "Hợp lệ: vn-2022-2025", and
    `hgn classify --local` writes for a rural household on 1,750,000 đồng "… mức sống trung bình …; theo chuẩn
    vn-2022-2025: Cận nghèo" — the national class of vn-2022-2025 is Mức sống trung bình, and the reason says the
    same standard gives Cận nghèo. An officer reading the results cannot tell which is the law's class. Expected:
    a file that takes the id of a bundled (national) standard is refused with a hint to give it its own id.
    Likely cause: scoring/standard.py:parse_standard / load_local_standard — no check of the id against
    `_bundled_ids()`."""
    clash = _write(tmp_path / "tinh.yaml", LOCAL_HEAD.replace("id: dp-thu", "id: vn-2022-2025") + LINES)
    path = make_return(tmp_path, [household(thu_nhap_bq=1750000)], [member()])
    proc = run_hgn("classify", path, "--out", tmp_path / "res.xlsx", "--local", clash, cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode in (2, 3), proc.stdout[-600:]
    assert "vn-2022-2025" in proc.stdout + proc.stderr


# ----------------------------------------------------------------------------------------------------- guards


def test_local_lines_on_the_line_and_one_dong_above_with_the_national_class_beside(tmp_path: Path) -> None:
    # guard (passes)
    """example-bac-ninh: rural 1,750,000, urban 2,250,000, inclusive; the national class stays in `phan_loai`."""
    spec = [dict(thu_nhap_bq=1750000, khu_vuc="Nông thôn"), dict(thu_nhap_bq=1750001, khu_vuc="Nông thôn"),
            dict(thu_nhap_bq=2250000, khu_vuc="Thành thị"), dict(thu_nhap_bq=2250001, khu_vuc="Thành thị"),
            dict(thu_nhap_bq=1500000, khu_vuc="Nông thôn")]
    rows, heads = _households(spec)
    hh = classify_paths([make_return(tmp_path, rows, heads)], local="example-bac-ninh").results.households
    assert hh["phan_loai_dia_phuong"].tolist() == ["Cận nghèo", "Mức sống trung bình", "Cận nghèo",
                                                   "Mức sống trung bình", "Cận nghèo"]
    assert hh["phan_loai"].tolist() == ["Mức sống trung bình"] * 4 + ["Cận nghèo"]
    assert "theo chuẩn example-bac-ninh: Cận nghèo" in hh["ly_do"].iloc[0]
    assert "≤ chuẩn 1.750.000 (Nông thôn)" in hh["ly_do"].iloc[0]
    assert "≤ chuẩn 2.250.000 (Thành thị)" in hh["ly_do"].iloc[2]


def test_local_indicator_rule_at_its_own_boundary(tmp_path: Path) -> None:
    # guard (passes)
    """10 m² per person is not deprived under a `< 10` rule, 9,99 m² is; nationally both are above 8 m²."""
    local = _write(tmp_path / "dt10.yaml", AREA10)
    rows, heads = _households([dict(thu_nhap_bq=1500000, dien_tich_nha=a, nha_tieu="Khác", nguon_nuoc="Khác")
                               for a in (10, 9.99)])
    hh = classify_paths([make_return(tmp_path, rows, heads)], local=str(local)).results.households
    assert hh["phan_loai"].tolist() == ["Cận nghèo", "Cận nghèo"]
    assert hh["phan_loai_dia_phuong"].tolist() == ["Cận nghèo", "Nghèo"]


def test_open_local_b1_cut_off_leaves_the_household_waiting_with_the_reason(tmp_path: Path) -> None:
    # guard (passes)
    """example-bac-ninh leaves the B1 cut-off null (open): a household known by B1 alone waits locally, saying so,
    while its national class is decided; national undecided while the local class is decided is kept too."""
    rows, heads = _households([dict(thu_nhap_bq=None, diem_b1=140), dict(thu_nhap_bq=1600000, ho_nlndn=None)])
    run = classify_paths([make_return(tmp_path, rows, heads)], local="example-bac-ninh")
    hh = run.results.households
    assert hh["phan_loai"].tolist() == ["Cận nghèo", "Chưa đủ thông tin"]
    assert hh["phan_loai_dia_phuong"].tolist() == ["Chưa đủ thông tin", "Cận nghèo"]
    assert "chưa có ngưỡng điểm B1" in hh["ly_do"].iloc[0]
    waits = [f for f in run.report.findings if f.code == "household-undecided" and f.key == "phan_loai_dia_phuong"]
    assert [f.row for f in waits] == [2]


def test_open_local_average_living_ceiling_leaves_an_nlndn_household_above_the_line_waiting(tmp_path: Path) -> None:
    # guard (passes)
    band_open = ("average_living_upper:\n  Nông thôn: {value: null, status: open, source: x}\n"
                 "  Thành thị: {value: null, status: open, source: x}\n")
    local = _write(tmp_path / "dp.yaml", LOCAL_HEAD + LINES + band_open)
    rows, heads = _households([dict(thu_nhap_bq=1750001, ho_nlndn="Có"), dict(thu_nhap_bq=1750001, ho_nlndn="Không"),
                               dict(thu_nhap_bq=1750000, ho_nlndn="Có")])
    hh = classify_paths([make_return(tmp_path, rows, heads)], local=str(local)).results.households
    assert hh["phan_loai_dia_phuong"].tolist() == ["Chưa đủ thông tin", "Không nghèo", "Cận nghèo"]
    assert "chưa có mức thu nhập tối đa" in hh["ly_do"].iloc[0]


@pytest.mark.parametrize(("body", "said"), [
    (LOCAL_HEAD + "income_line:\n  Nông thôn: {value: 1750000, status: practice, source: x}\n"
                  "  Thành thị: {value: null, status: open, source: x}\n", "income_line.Thành thị"),
    (LOCAL_HEAD + "income_line:\n  Nông thôn: {value: 2500000, status: practice, source: x}\n"
                  "  Thành thị: {value: 2250000, status: practice, source: x}\n", "average_living_upper.Nông thôn"),
    (LOCAL_HEAD + "b1_cutoff:\n  Nông thôn: {value: null, status: practice, source: x}\n"
                  "  Thành thị: {value: 175, status: practice, source: x}\n", "b1_cutoff.Nông thôn"),
    (LOCAL_HEAD + "deprivation:\n  cutoff: {value: 13, status: law, source: x}\n", "deprivation.cutoff"),
    (LOCAL_HEAD + "income_line:\n  Nông thôn: {value: \"1.750.000\", status: practice, source: x}\n"
                  "  Thành thị: {value: 2250000, status: practice, source: x}\n", "income_line.Nông thôn"),
    (LOCAL_HEAD.replace("vn-2022-2025", "khong-co"), "extends"),
])
def test_a_malformed_or_contradictory_local_file_is_refused_with_its_yaml_path(tmp_path: Path, body: str,
                                                                                said: str) -> None:
    # guard (passes)
    local = _write(tmp_path / "dp.yaml", body)
    path = make_return(tmp_path, [household()], [member()])
    proc = run_hgn("classify", path, "--out", tmp_path / "res.xlsx", "--local", local, cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 3, proc.stdout + proc.stderr
    text = proc.stdout + proc.stderr
    assert said in text and "Gợi ý" in text
    assert not (tmp_path / "res.xlsx").exists()


def test_a_national_standard_given_to_local_is_a_usage_error(tmp_path: Path) -> None:
    # guard (passes)
    path = make_return(tmp_path, [household()], [member()])
    proc = run_hgn("classify", path, "--out", tmp_path / "res.xlsx", "--local", "vn-2022-2025", cwd=tmp_path)
    assert "Traceback" not in proc.stderr and proc.returncode == 2
    assert "--standard" in proc.stdout + proc.stderr


def test_editing_the_local_file_between_runs_reclassifies(tmp_path: Path) -> None:
    # guard (passes)
    import pandas as pd

    local = _write(tmp_path / "dp.yaml", LOCAL_HEAD + LINES)
    folder = tmp_path / "in"
    rows, heads = _households([dict(thu_nhap_bq=1700000)])
    make_return(folder, rows, heads)
    run_round(folder, tmp_path / "out", jobs=1, local=str(local))
    first = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet")["phan_loai_dia_phuong"].tolist()
    _write(local, LOCAL_HEAD + LINES.replace("1750000", "1600000"))
    run_round(folder, tmp_path / "out", jobs=1, local=str(local))
    second = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet")["phan_loai_dia_phuong"].tolist()
    assert (first, second) == (["Cận nghèo"], ["Mức sống trung bình"])


def test_local_b1_cut_off_on_an_export_at_its_boundary(tmp_path: Path) -> None:
    # guard (passes)
    local = _write(tmp_path / "b1.yaml", AREA10.replace("dp-dien-tich-10", "dp-b1").split("indicators:")[0]
                   + "b1_cutoff:\n  Nông thôn: {value: 150, status: practice, source: x}\n"
                     "  Thành thị: {value: 185, status: practice, source: x}\n")
    rows = [app_row(ma_ho=f"11284-000{i}", diem_b1=b, phan_loai_ghi=None) for i, b in enumerate((150, 151), 1)]
    hh = classify_paths([make_app_return(tmp_path, rows)], local=str(local)).results.households
    assert hh["phan_loai"].tolist() == ["Không nghèo", "Không nghèo"]
    assert hh["phan_loai_dia_phuong"].tolist() == ["Cận nghèo", "Không nghèo"]
    assert "Điểm B1 150 ≤ ngưỡng 150 (Nông thôn)" in hh["ly_do"].iloc[0]


def test_export_total_b2_and_class_are_checked_against_the_flags_at_their_cells(tmp_path: Path) -> None:
    # guard (passes)
    rows = [app_row(ma_ho="T1", th_nha_tieu=None, so_thieu_hut_ghi=3, diem_b2=None),
            app_row(ma_ho="T2", th_nha_tieu=None, so_thieu_hut_ghi=2, diem_b2=20),
            app_row(ma_ho="T3", so_thieu_hut_ghi=0, diem_b2=0),
            app_row(ma_ho="T4", so_thieu_hut_ghi=3, diem_b2=30, phan_loai_ghi="Nghèo")]
    run = classify_paths([make_app_return(tmp_path, rows, title_rows=["DANH SÁCH XUẤT TỪ PHẦN MỀM"])])
    got = sorted((f.code, f.row, f.col) for f in run.report.findings
                 if f.code in ("deprivation-count-mismatch", "b2-count-mismatch", "class-mismatch"))
    assert got == [("b2-count-mismatch", 5, "L"), ("b2-count-mismatch", 6, "L"), ("class-mismatch", 6, "M"),
                   ("deprivation-count-mismatch", 3, "Z"), ("deprivation-count-mismatch", 5, "Z"),
                   ("deprivation-count-mismatch", 6, "Z")]
    said = next(f.message() for f in run.report.findings if f.code == "deprivation-count-mismatch" and f.row == 3)
    assert "1–2" in said  # one flag blank: the count may be 1 or 2


def test_export_forms_count_persons_from_the_size_written_and_leave_unknowns_blank(tmp_path: Path) -> None:
    # guard (passes)
    poor = dict(th_nha_tieu=1, th_nuoc_sinh_hoat=1, so_thieu_hut_ghi=3, diem_b2=30, phan_loai_ghi="Nghèo")
    rows = [app_row(ma_ho="11284-0001", so_thanh_vien=4, **poor), app_row(ma_ho="11284-0002", so_thanh_vien=2, **poor),
            app_row(ma_ho="11284-0003", so_thanh_vien=None)]
    (tmp_path / "in").mkdir()
    export = make_app_return(tmp_path / "in", rows)
    ok(run_hgn("classify", export, "--out", tmp_path / "res.xlsx", cwd=tmp_path))
    ok(run_hgn("report", tmp_path / "res.xlsx", "--out-dir", tmp_path / "rep", "--forms", "1,11", cwd=tmp_path))
    f01 = form_rows(tmp_path / "rep" / "bieu_01.xlsx")[UNIT]
    assert (f01[2], f01[3], f01[4], f01[6], f01[8], f01[10]) == (3, None, 2, 6, 1, None)
    f11 = form_rows(tmp_path / "rep" / "bieu_11.xlsx")[UNIT]
    assert f11[2:10] == [None] * 8
