"""Review 29: a poverty standard that drops one of the twelve indicators (`indicators: {th_…: null}`), probed end to
end as an officer (commits 60c9677, 7fefbd1; domain.md §2.5: the 2027–2030 indicator list is open).

Scratch files of the probes that led here: /tmp/test_review29_standards/.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

from conftest import (
    COMMUNE_2,
    app_row,
    household,
    make_app_return,
    make_return,
    member,
    ok,
    run_hgn,
)
from hgn_review.pipeline import classify_paths
from hgn_review.schemas.layout import INDICATORS

DEVICES = "th_phuong_tien_thong_tin"
DEVICES_ANSWER = "phuong_tien_thong_tin"

ELEVEN = """\
id: tinh-11
title: Chuẩn tỉnh thử, 11 chỉ số
scope: national
source: thử nghiệm
status: practice
extends: vn-2022-2025
indicators:
  th_phuong_tien_thong_tin: null
"""

LOCAL_ELEVEN = """\
id: tinh-dp-11
title: Chuẩn địa phương thử, 11 chỉ số
scope: local
source: thử nghiệm
status: practice
extends: example-bac-ninh
indicators:
  th_phuong_tien_thong_tin: null
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def _three_with_devices(**kw: object) -> dict[str, object]:
    """Income on the rural line; deprived in housing area (7 m² for one person), latrine and information devices."""
    return household(**{"ma_ho": "11284-0001", "thu_nhap_bq": 1500000, "dien_tich_nha": 7, "nha_tieu": "Khác",
                        DEVICES_ANSWER: "Không", **kw})


# ---------------------------------------------------------------------------------------------------- defects


@pytest.mark.parametrize("how", ["column-missing", "blank"])
def test_app_export_without_the_dropped_flag_is_not_an_error_under_the_standard(tmp_path: Path, how: str) -> None:
    """DEFECT. The national application's export carries no survey answers, only the twelve flags: under a standard
    that drops information devices (`--standard tinh11.yaml`), an export without the
    `deprivation.informationAccessAssets` column — as an export of an 11-indicator round would be — or with its
    cells blank is still an error (`column-missing` / `value-required`, `hgn validate` exits 1), though the flag is
    never counted (the household is classified 2/11 all the same). An officer expects what 7fefbd1 does for layout 1:
    what only the dropped indicator reads is not asked. Likely cause: validate.py:_unused_not_asked filters only the
    household *answers* (scoring/indicators.py:unused_answers → HOUSEHOLD_ANSWERS), never the dropped indicator's
    own flag key (Standard.dropped), which is the only input the app layout has for it."""
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    row = app_row(th_nha_tieu=1, th_bhyt=1, so_thieu_hut_ghi=2, diem_b2=20, diem_b1=120, phan_loai_ghi="Cận nghèo")
    if how == "blank":
        row[DEVICES] = None
        row["so_thieu_hut_ghi"] = None
    path = make_app_return(tmp_path, [row], drop=[DEVICES] if how == "column-missing" else [])
    run = classify_paths([path], standard=str(std))
    hh = run.results.households
    assert hh["so_thieu_hut"].tolist() == [2] and hh["so_chua_ro"].tolist() == [0]  # counted on eleven
    about_devices = [(f.code, f.severity) for f in run.report.findings if f.key == DEVICES]
    assert not about_devices, about_devices
    proc = run_hgn("validate", str(path), "--standard", str(std), cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_blank_answer_the_local_standard_still_counts_is_asked_at_its_cell(tmp_path: Path) -> None:
    """DEFECT. `hgn classify --standard tinh11.yaml --local example-bac-ninh`: the national (province) standard drops
    information devices but the local one holds all twelve. A household whose devices answer is blank is
    "Chưa đủ thông tin" under the local standard for want of exactly that answer, yet the blank cell (O2) is no
    longer marked: the `value-required` finding at the cell is filtered out, and only a warning on the whole row's
    `phan_loai_dia_phuong` remains (no cell to fix in the marked copy). Without `--standard` the same blank cell is
    an error at O2. An officer expects the cell a standard in use still needs to be asked for. Likely cause:
    validate.py:_unused_not_asked judges "not asked" by the `--standard` alone; the `--local` standard is never
    passed to validation (pipeline.py:classify_paths → validate_paths(standard=…))."""
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    path = make_return(tmp_path, [household(thu_nhap_bq=1600000, dien_tich_nha=7, nha_tieu="Khác",
                                            **{DEVICES_ANSWER: None})], [member()])
    run = classify_paths([path], standard=str(std), local="example-bac-ninh")
    hh = run.results.households
    assert hh["phan_loai_dia_phuong"].tolist() == ["Chưa đủ thông tin"]  # the local class waits for devices
    at_cell = [f for f in run.report.findings if f.key == DEVICES_ANSWER and f.row == 2 and f.col]
    assert at_cell, [(f.code, f.key, f.row, f.col) for f in run.report.findings]


def test_the_reason_of_a_local_class_under_a_local_standard_of_eleven_gives_its_count(tmp_path: Path) -> None:
    """DEFECT. A local standard (`scope: local`, `--local`) drops information devices while the national one keeps
    twelve. A household on the rural line deprived in area, latrine and devices is poor nationally (3/12) and
    near-poor locally (2/11), but its `ly_do` reads "…3/12 chỉ số thiếu hụt; …; Phương tiện thông tin: …; theo chuẩn
    tinh-dp-11: Cận nghèo; Thu nhập … ≤ chuẩn 1.750.000": three deprivations and income under the line, yet
    near-poor — the local count on its eleven indicators is nowhere. An officer expects the reason to account for the
    local class ("2/11 chỉ số thiếu hụt" under the local standard). Likely cause: scoring/classify.py:classify —
    the local pieces (`local_pieces`) take the class label and the income test (dec_local.explanation[0]) only,
    never the local decision's count text."""
    local = _write(tmp_path / "dp11.yaml", LOCAL_ELEVEN)
    path = make_return(tmp_path, [_three_with_devices()], [member()])
    run = classify_paths([path], local=str(local))
    one = run.results.households.iloc[0]
    assert one["phan_loai"] == "Nghèo" and one["phan_loai_dia_phuong"] == "Cận nghèo"
    assert "3/12 chỉ số thiếu hụt" in one["ly_do"]
    assert "2/11" in one["ly_do"], one["ly_do"]


def test_a_mixed_merge_leaves_the_dropped_indicator_blank_for_the_commune_that_did_not_count_it(
        tmp_path: Path) -> None:
    """DEFECT. `hgn merge --allow-mixed` of a commune classified under an 11-indicator province standard and one
    under the national twelve, then `hgn report --forms 4`: form 04's "Phương tiện tiếp cận thông tin" column says 0
    poor households deprived for the commune whose standard does not hold the indicator (its flags are blank, NA,
    throughout). An officer expects a blank cell (not assessed), as the forms leave a figure they cannot count blank,
    never 0. Likely cause: reports/view.py:_household_attributes counts a flag as `== 1` and NA as 0, and
    reports/view.py:_standard falls back to the layout's twelve when the merged standard id is "tinh-11;vn-2022-2025"."""
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    a = make_return(tmp_path / "a", [_three_with_devices(nguon_nuoc="Khác")], [member()])  # 3/11: poor
    b = make_return(tmp_path / "b", [_three_with_devices(ma_ho="11287-0001", ma_xa=COMMUNE_2,
                                                         ho_ten_chu_ho="Lê Văn Bình")],
                    [member(ma_ho="11287-0001", ho_ten="Lê Văn Bình", so_dinh_danh="030080005678")],
                    name="11287_2024.xlsx")
    ok(run_hgn("classify", a, "--out", "a.xlsx", "--standard", std, cwd=tmp_path))
    ok(run_hgn("classify", b, "--out", "b.xlsx", cwd=tmp_path))
    ok(run_hgn("merge", "a.xlsx", "b.xlsx", "--out", "m.xlsx", "--allow-mixed", cwd=tmp_path))
    ok(run_hgn("report", "m.xlsx", "--out-dir", "rep", "--forms", "4", cwd=tmp_path))
    rows = list(openpyxl.load_workbook(tmp_path / "rep" / "bieu_04.xlsx").worksheets[0].iter_rows(values_only=True))
    header = next(r for r in rows if any(isinstance(v, str) and "Phương tiện" in v for v in r))
    col = next(i for i, v in enumerate(header) if isinstance(v, str) and "Phương tiện" in v)
    by_name = {r[1]: r for r in rows if len(r) > 1 and isinstance(r[1], str)}
    chi_lang_nam = next(r for name, r in by_name.items() if "Chi Lăng Nam" in name)
    thanh_giang = next(r for name, r in by_name.items() if "Thanh Giang" in name)
    assert thanh_giang[col] == 1  # counted under the twelve
    assert chi_lang_nam[2] == 1 and thanh_giang[2] == 1  # one poor household each
    assert chi_lang_nam[col] is None, chi_lang_nam


def test_inherited_weights_naming_the_dropped_indicator_are_not_called_an_unsupported_key(tmp_path: Path) -> None:
    """DEFECT. A province file sets its own weights for the twelve; a second file `extends` it and drops information
    devices (writing no weights of its own). `hgn standard check` refuses it with "deprivation.weights.
    th_phuong_tien_thong_tin: khóa không được hỗ trợ" ("unsupported key") — in a file that holds no weights, about
    a key that is one of the layout's twelve indicators. An officer expects to be told that the weights (inherited)
    name an indicator this standard drops, and to restate `deprivation.weights` for the indicators it holds. Likely
    cause: scoring/standard.py:parse_standard → weights() checks the mapping with the generic ck.keys(node, path,
    set(keys), keys), whose message for an extra key is "không được hỗ trợ"."""
    w = ", ".join(f"{k}: {2 if k == 'th_viec_lam' else 1}" for k in INDICATORS)
    _write(tmp_path / "cha.yaml", "id: tinh-cha\ntitle: Cha\nscope: national\nsource: thử\nstatus: practice\n"
           "extends: vn-2022-2025\ndeprivation:\n"
           f"  weights: {{value: {{{w}}}, status: practice, source: thử}}\n")
    ok(run_hgn("standard", "check", "cha.yaml", cwd=tmp_path))
    _write(tmp_path / "con.yaml", "id: tinh-con\ntitle: Con\nscope: national\nsource: thử\nstatus: practice\n"
           "extends: cha.yaml\nindicators:\n  th_phuong_tien_thong_tin: null\n")
    for lang in ([], ["--lang", "en"]):
        proc = run_hgn("standard", "check", "con.yaml", *lang, cwd=tmp_path)
        said = proc.stdout + proc.stderr
        assert "Traceback" not in said and proc.returncode != 0
        assert f"deprivation.weights.{DEVICES}" in said  # said at its place (right)
        assert "không được hỗ trợ" not in said and "unsupported key" not in said, said


# ---------------------------------------------------------------------------------------------------- guards


def test_check_and_show_in_english_say_what_the_standard_does_not_hold(tmp_path: Path) -> None:
    # guard (passes)
    _write(tmp_path / "tinh11.yaml", ELEVEN)
    check = ok(run_hgn("standard", "check", "tinh11.yaml", "--lang", "en", cwd=tmp_path)).stdout
    assert "11 indicators, poor from 3" in check and f"not holding: {DEVICES}" in check
    show = ok(run_hgn("standard", "show", "tinh11.yaml", "--lang", "en", cwd=tmp_path)).stdout
    assert "not in this standard" in show
    refused = run_hgn("standard", "check", _write(tmp_path / "c12.yaml", ELEVEN.replace(
        "indicators:", "deprivation:\n  cutoff: {value: 12, status: practice, source: thử}\nindicators:")),
        "--lang", "en", cwd=tmp_path)
    assert refused.returncode != 0 and "exceeds 11 (the standard's number of indicators)" in refused.stderr


def test_b2_range_is_points_times_eleven_under_the_standard(tmp_path: Path) -> None:
    # guard (passes): 110 is the most B2 can be on eleven indicators; 120 is out of range, said at its cell
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    path = make_return(tmp_path, [household(diem_b2=120),
                                  household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Bình", diem_b2=110)],
                       [member(), member(ma_ho="11284-0002", ho_ten="Lê Văn Bình", so_dinh_danh="030080005678")])
    run = classify_paths([path], standard=str(std))
    out = [(f.code, f.row, f.param("detail")) for f in run.report.findings if f.key == "diem_b2"
           and f.code == "value-out-of-range"]
    assert out == [("value-out-of-range", 2, "0–110")]


def test_a_member_answer_only_a_dropped_indicator_reads_is_not_asked(tmp_path: Path) -> None:
    # guard (passes): a child's blank nutrition answer is asked under twelve, not under a standard without nutrition
    std = _write(tmp_path / "no_nutrition.yaml", ELEVEN.replace(DEVICES, "th_dinh_duong").replace("tinh-11", "tinh-dd"))
    path = make_return(tmp_path, [household(dien_tich_nha=7, nha_tieu="Khác")], [  # 2 deprived: nutrition decides
        member(), member(stt=2, ho_ten="Nguyễn Văn Con", so_dinh_danh="030218001234", ngay_sinh="01/02/2018",
                         quan_he="Con", viec_lam=None, trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc="Tiểu học",
                         suy_dinh_duong=None)])
    twelve = classify_paths([path])
    assert any(f.key == "suy_dinh_duong" for f in twelve.report.findings)
    eleven = classify_paths([path], standard=str(std))
    assert not any(f.key == "suy_dinh_duong" for f in eleven.report.findings)
    assert eleven.results.households["so_chua_ro"].tolist() == [0]
    assert "/11 chỉ số" in eleven.results.households["ly_do"].iloc[0]


def test_alkire_foster_on_eleven_indicators(tmp_path: Path) -> None:
    # guard (passes): a poor household of exactly three of eleven has A = 3/11; the dropped indicator has no
    # contribution column; the contributions of the rest add up to 100
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    path = make_return(tmp_path, [_three_with_devices(nguon_nuoc="Khác")], [member()])
    run = classify_paths([path], standard=str(std))
    summary = run.results.summary
    row = summary.iloc[0]
    assert row["A"] == pytest.approx(3 / 11)
    assert f"dong_gop_{DEVICES}" not in summary.columns
    contrib = [row[f"dong_gop_{k}"] for k in INDICATORS if k != DEVICES]
    assert sum(contrib) == pytest.approx(100.0)


def test_run_with_commune_workbooks_counts_on_eleven_everywhere(tmp_path: Path) -> None:
    # guard (passes): the commune's workbook, the list and form 04 agree on the eleven
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    (tmp_path / "returns").mkdir()
    make_return(tmp_path / "returns", [_three_with_devices(),
                                       _three_with_devices(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Bình",
                                                           nguon_nuoc="Khác")],
                [member(), member(ma_ho="11284-0002", ho_ten="Lê Văn Bình", so_dinh_danh="030080005678")])
    ok(run_hgn("run", "returns", "--out", "out", "--standard", std, "--commune-workbooks", cwd=tmp_path))
    book = next((tmp_path / "out" / "so_xa").glob("*.xlsx"))
    rows = list(openpyxl.load_workbook(book)["Hộ gia đình"].iter_rows(values_only=True))
    hh = [dict(zip(rows[1], r, strict=False)) for r in rows[2:]]
    assert [h["phan_loai"] for h in hh] == ["Cận nghèo", "Nghèo"]
    assert all("/11 chỉ số" in h["ly_do"] and "/12" not in h["ly_do"] for h in hh)
    assert all(h[DEVICES] is None for h in hh)
    form = list(openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "bieu_04.xlsx").worksheets[0]
                .iter_rows(values_only=True))
    total = next(r for r in form if len(r) > 1 and r[1] == "Tổng cộng")
    assert total[2] == 1 and total[3] == 3 and sum(v or 0 for v in total[4:]) == 3
