"""Session 17: a standard may hold fewer indicators than the return's twelve flag columns.

domain.md §2.5: the 2027–2030 indicator list is open (the draft drops "Phương tiện phục vụ tiếp cận thông tin").
Open items are configuration: a province's standard file that lists eleven indicators — or extends a standard and
drops one with ``key: null`` — is accepted, and households are counted on its eleven.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
import yaml

from conftest import household, make_return, member, ok, run_hgn
from hgn_review.errors import HgnError
from hgn_review.pipeline import classify_paths
from hgn_review.schemas.layout import INDICATORS
from hgn_review.scoring.standard import load_standard

DEVICES = "th_phuong_tien_thong_tin"
BUNDLED = Path(__file__).resolve().parents[1] / "src" / "hgn_review" / "scoring" / "standards"

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


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_file_extending_a_standard_drops_an_indicator_with_null(tmp_path: Path) -> None:
    std = load_standard(_write(tmp_path / "tinh11.yaml", ELEVEN))
    assert DEVICES not in std.keys
    assert std.keys == tuple(k for k in INDICATORS if k != DEVICES)
    assert std.dropped == (DEVICES,)
    assert std.af_cutoff == pytest.approx(3 / 11)
    assert sum(std.weights.value) == pytest.approx(1.0) and len(std.weights.value) == 11


def test_a_whole_file_dropping_the_indicator_is_accepted_and_check_says_what_it_lacks(tmp_path: Path) -> None:
    doc = yaml.safe_load((BUNDLED / "vn-2027-2030.yaml").read_text(encoding="utf-8"))
    doc["id"], doc["title"] = "tinh-11b", "Chuẩn tỉnh: 11 chỉ số"
    doc["indicators"][DEVICES] = None
    _write(tmp_path / "tinh-11b.yaml", yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    proc = ok(run_hgn("standard", "check", "tinh-11b.yaml", cwd=tmp_path))
    assert "11 chỉ số" in proc.stdout and DEVICES in proc.stdout
    shown = ok(run_hgn("standard", "show", "tinh-11b.yaml", cwd=tmp_path)).stdout
    assert "không có trong chuẩn này" in shown


def test_an_indicator_left_out_without_null_is_refused_with_how_to_drop_it(tmp_path: Path) -> None:
    """A block deleted by mistake would change who is poor: leaving an indicator out is said, with the way to drop
    one on purpose."""
    doc = yaml.safe_load((BUNDLED / "vn-2027-2030.yaml").read_text(encoding="utf-8"))
    doc["id"] = "tinh-thieu"
    del doc["indicators"][DEVICES]
    _write(tmp_path / "thieu.yaml", yaml.safe_dump(doc, allow_unicode=True, sort_keys=False))
    proc = run_hgn("standard", "check", "thieu.yaml", cwd=tmp_path)
    assert proc.returncode != 0
    assert f"indicators.{DEVICES}" in proc.stderr + proc.stdout
    assert f"{DEVICES}: null" in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr


def test_the_bundled_standards_hold_all_twelve(tmp_path: Path) -> None:
    """# guard (passes): nothing dropped where nothing is said; check prints no "not holding" line."""
    for sid in ("vn-2022-2025", "vn-2027-2030"):
        assert load_standard(sid).keys == INDICATORS
    proc = ok(run_hgn("standard", "check", str(BUNDLED / "vn-2022-2025.yaml"), cwd=tmp_path))
    assert "không có chỉ số" not in proc.stdout


@pytest.mark.parametrize(("text", "where"), [
    (ELEVEN + "  th_xu_ly_rac: {name: Xử lý rác}\n", "indicators.th_xu_ly_rac"),
    (ELEVEN.replace("extends: vn-2022-2025\n", "extends: vn-2022-2025\ndeprivation:\n  cutoff: {value: 12, status: "
                    "practice, source: thử}\n"), "deprivation.cutoff"),
    (ELEVEN.replace("extends: vn-2022-2025\n", "extends: vn-2022-2025\ndeprivation:\n  weights: {value: {"
                    + ", ".join(f"{k}: 1" for k in INDICATORS) + "}, status: practice, source: thử}\n"),
     "deprivation.weights." + DEVICES),
])
def test_what_a_dropping_file_cannot_do_is_said_at_its_place(tmp_path: Path, text: str, where: str) -> None:
    """An indicator hgn has no column for cannot be added by a file (the return needs the column first); the
    cut-off cannot exceed the standard's own number of indicators; weights name the standard's indicators."""
    with pytest.raises(HgnError) as err:
        load_standard(_write(tmp_path / "bad.yaml", text))
    assert where in str(err.value)


def _three_with_devices() -> dict[str, object]:
    """Income exactly on the rural line; deprived in exactly three indicators, one of them information devices:
    housing area (7 m² for one person), latrine (Khác) and devices (none)."""
    return household(ma_ho="11284-0001", thu_nhap_bq=1500000, dien_tich_nha=7, nha_tieu="Khác",
                     phuong_tien_thong_tin="Không")


def _three_without_devices() -> dict[str, object]:
    """Exactly three deprivations none of which is devices: area, latrine and water (Khác)."""
    return household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Bình", thu_nhap_bq=1500000, dien_tich_nha=7,
                     nha_tieu="Khác", nguon_nuoc="Khác")


def _classified(tmp_path: Path, standard: str | None) -> dict[str, dict[str, object]]:
    path = make_return(tmp_path, [_three_with_devices(), _three_without_devices()],
                       [member(), member(ma_ho="11284-0002", ho_ten="Lê Văn Bình", so_dinh_danh="030080005678")])
    run = classify_paths([path], standard=standard)
    hh = run.results.households.set_index("ma_ho")
    return {code: hh.loc[code].to_dict() for code in hh.index}


def test_exactly_three_with_devices_is_poor_on_twelve_and_near_poor_on_eleven(tmp_path: Path) -> None:
    twelve = _classified(tmp_path / "a", None)
    assert twelve["11284-0001"]["phan_loai"] == "Nghèo"
    assert twelve["11284-0001"]["so_thieu_hut"] == 3
    assert "3/12 chỉ số thiếu hụt" in str(twelve["11284-0001"]["ly_do"])
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    eleven = _classified(tmp_path / "b", str(std))
    one = eleven["11284-0001"]
    assert one["phan_loai"] == "Cận nghèo"
    assert one["so_thieu_hut"] == 2
    assert "2/11 chỉ số thiếu hụt" in str(one["ly_do"])
    assert "Phương tiện" not in str(one["ly_do"])  # the dropped indicator is no reason
    assert one[DEVICES] is None or str(one[DEVICES]) == "<NA>"  # blank, not "not deprived"
    # exactly three of the eleven: still poor (the cut-off 3 is on the line)
    assert eleven["11284-0002"]["phan_loai"] == "Nghèo"
    assert eleven["11284-0002"]["so_thieu_hut"] == 3


def test_a_recorded_flag_of_a_dropped_indicator_is_not_compared(tmp_path: Path) -> None:
    """A return that still records the devices flag (1 where hgn derives 0) gets no indicator-mismatch for an
    indicator the standard does not count."""
    path = make_return(tmp_path, [household(**{DEVICES: 1})], [member()])
    std = _write(tmp_path / "tinh11.yaml", ELEVEN)
    with_twelve = classify_paths([path])
    assert any(f.code == "indicator-mismatch" and f.key == DEVICES for f in with_twelve.report.findings)
    with_eleven = classify_paths([path], standard=str(std))
    assert not [f for f in with_eleven.report.findings if f.code == "indicator-mismatch"]


def test_hgn_run_under_eleven_indicators_writes_forms_with_eleven_columns(tmp_path: Path) -> None:
    returns = tmp_path / "returns"
    returns.mkdir()
    make_return(returns, [_three_with_devices(), _three_without_devices()],
                [member(), member(ma_ho="11284-0002", ho_ten="Lê Văn Bình", so_dinh_danh="030080005678")])
    _write(tmp_path / "tinh11.yaml", ELEVEN)
    ok(run_hgn("run", "returns", "--out", "out", "--standard", "tinh11.yaml", cwd=tmp_path))
    ws = openpyxl.load_workbook(tmp_path / "out" / "bao_cao" / "bieu_04.xlsx").worksheets[0]
    texts = [str(v) for row in ws.iter_rows(values_only=True) for v in row if isinstance(v, str)]
    assert any("Nhà tiêu" in t for t in texts)
    assert not any("Phương tiện" in t for t in texts)
    ok(run_hgn("run", "returns", "--out", "out12", cwd=tmp_path))
    ws12 = openpyxl.load_workbook(tmp_path / "out12" / "bao_cao" / "bieu_04.xlsx").worksheets[0]
    assert ws12.max_column == ws.max_column + 1


def test_the_answer_only_a_dropped_indicator_reads_is_not_asked(tmp_path: Path) -> None:
    """A 2027 return without the devices column, or with its cells blank: no error under a standard that does not
    count devices; under the twelve the missing column is still an error."""
    std = str(_write(tmp_path / "tinh11.yaml", ELEVEN))
    no_column = make_return(tmp_path / "a", [household()], [member()],
                            drop={"households": ["phuong_tien_thong_tin", DEVICES]})
    blank = make_return(tmp_path / "b", [household(phuong_tien_thong_tin=None)], [member()])
    for path in (no_column, blank):
        run = classify_paths([path], standard=std)
        assert not [f for f in run.report.findings if f.severity == "error"], [f.code for f in run.report.findings]
        assert run.results.households["so_chua_ro"].tolist() == [0]
    twelve = classify_paths([no_column])
    assert [f.code for f in twelve.report.findings if f.severity == "error"] == ["column-missing"]
    assert twelve.results.households["so_chua_ro"].tolist() == [1]
    proc = run_hgn("validate", str(blank), "--standard", std, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _cached_zero_formulas(path: Path, letter: str, rows: range) -> None:
    """``=COUNTIF(…)`` in column ``letter`` of the households sheet on ``rows``, stored with the result 0 as Excel
    saves it (openpyxl stores no result; the XML is patched to hold <v>0</v>)."""
    import re
    import zipfile

    from conftest import HH_SHEET

    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    for r in rows:
        ws[f"{letter}{r}"] = f'=COUNTIF(\'Thành viên\'!A:A,A{r})'
    wb.save(path)
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb"(<c [^>]*><f>[^<]*</f>)(<v ?/>|<v></v>)?(?=</c>)", rb"\1<v>0</v>", data)
            data = data.replace(b' fullCalcOnLoad="1"', b"")
            dst.writestr(item, data)
    tmp.replace(path)


def test_a_formula_dragged_below_the_list_is_no_household_and_is_said(tmp_path: Path) -> None:
    from conftest import col_of

    path = make_return(tmp_path, [household()], [member()])
    _cached_zero_formulas(path, col_of("households", "so_thanh_vien"), range(3, 7))
    before = path.read_bytes()
    run = classify_paths([path])
    assert run.results.households["ma_ho"].tolist() == ["11284-0001"]
    said = [f for f in run.report.findings if f.code == "formula-rows-skipped"]
    assert [(f.row, str(f.value)) for f in said] == [(3, "4")]
    assert not [f for f in run.report.findings if f.severity == "error"], [f.code for f in run.report.findings]
    assert path.read_bytes() == before


def test_a_household_row_with_a_formula_among_typed_cells_is_read(tmp_path: Path) -> None:
    """# guard (passes): only rows with nothing typed are skipped — a household whose member count is a formula
    (result 0 here) is read and its count checked as written."""
    from conftest import col_of

    path = make_return(tmp_path, [household()], [member()])
    _cached_zero_formulas(path, col_of("households", "so_thanh_vien"), range(2, 3))
    run = classify_paths([path])
    assert len(run.results.households) == 1
    assert not [f for f in run.report.findings if f.code == "formula-rows-skipped"]


def test_an_unusable_member_answer_is_one_finding_at_its_cell_in_classify_as_in_validate(tmp_path: Path) -> None:
    """A working-age member whose employment reads "Làm ruộng thuê" (not in the list): validation says so at the
    cell; classify does not add "the answer is wanted" at the same cell (hgn validate shows one finding there)."""
    path = make_return(tmp_path, [household(dien_tich_nha=7, nha_tieu="Khác")], [member(viec_lam="Làm ruộng thuê")])
    run = classify_paths([path])
    at = [(f.code, f.key) for f in run.report.findings if f.sheet == "Thành viên" and f.row == 2 and f.key == "viec_lam"]
    assert at == [("value-not-in-list", "viec_lam")], at
    assert run.results.households["phan_loai"].tolist() == ["Chưa đủ thông tin"]
    assert any(f.code == "household-undecided" for f in run.report.findings)


def test_the_bundled_standards_keep_their_bytes() -> None:
    """A bundled standard's SHA-256 is its identity in every result (meta standard_sha256): a district that merges
    communes classified last week with communes classified today must find the same standard. Editing a bundled
    file — even a comment or a source text — makes the merge refuse them as "different standards". A change of the
    law is a new standard file (a new id), never an edit of one already used."""
    import hashlib

    pinned = {
        "vn-2022-2025.yaml": "7b4f4cd82a433b1e735cc36b45ea530f5228eb4fa19bcb75ff5ee809f5cee8c3",
        "vn-2027-2030.yaml": "0ecf5246586d5f9789c8458912af96516c7842038f4a64ba6775b4ea7f59e3ed",
        "example-bac-ninh.yaml": "d9c094514b2f73f6d04a4ab8b1ef8dc40a1d71347c147177d650caaff3bb194e",
    }
    assert {name: hashlib.sha256((BUNDLED / name).read_bytes()).hexdigest() for name in pinned} == pinned


def test_hgn_run_takes_a_local_standard_and_does_not_reuse_its_results_without_it(tmp_path: Path) -> None:
    import pandas as pd

    returns = tmp_path / "returns"
    returns.mkdir()
    make_return(returns, [household(thu_nhap_bq=1700000, ho_nlndn="Không")], [member()])  # above the national line, under Bắc Ninh's
    refused = run_hgn("run", "returns", "--out", "out", "--local", "vn-2022-2025", cwd=tmp_path)
    assert refused.returncode == 2 and "không phải chuẩn địa phương" in refused.stderr
    assert not (tmp_path / "out").exists()  # refused before anything is written
    ok(run_hgn("run", "returns", "--out", "out", "--local", "example-bac-ninh", cwd=tmp_path))
    hh = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet")
    assert hh["phan_loai"].tolist() == ["Không nghèo"] and hh["phan_loai_dia_phuong"].tolist() == ["Cận nghèo"]
    ok(run_hgn("run", "returns", "--out", "out", cwd=tmp_path))
    hh = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet")
    assert hh["phan_loai_dia_phuong"].isna().all()
