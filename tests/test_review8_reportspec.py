"""Review 8 (report forms and the population list as documents): defects found by checking what `hgn run` and
`hgn report` write against /work/shared/spec/forms.md — the rows a form must have, what a signed form says about
its coverage, the unit names and order of the lists, and what `--lang en` gives.

Each test writes small commune returns cell by cell (conftest.py), runs the public commands as an officer would
(`run_hgn`) and reads the written workbooks with openpyxl. Every test here fails on the code as reviewed.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import household, make_id, make_return, member, ok, run_hgn

# income under the rural line and three deprivations (housing quality, water, latrine): poor whatever the members
POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
VIETNAMESE = re.compile(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹàáèéìíòóùúýĐ]", re.IGNORECASE)


def sheet_rows(path: Path) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def table_parts(path: Path) -> tuple[list[list[Any]], list[Any], list[list[Any]]]:
    """(unit rows, total row, rows under the total up to the date line) of a summary form bieu_01..13."""
    rows = sheet_rows(path)
    k = next(i for i, r in enumerate(rows) if r[0] == "A" and r[1] == "B")
    t = next(i for i in range(k + 1, len(rows)) if rows[i][1] == "Tổng cộng")
    data = [r for r in rows[k + 1:t] if isinstance(r[0], int)]
    below = []
    for r in rows[t + 1:]:
        if any(isinstance(v, str) and "ngày" in v and "tháng" in v for v in r):
            break
        below.append(r)
    return data, rows[t], below


def official_communes(district: str) -> list[tuple[str, str]]:
    """(code, name) of the communes of a district, in the order of the official unit list (before 1/7/2025;
    the registry is that list as package data, tests/test_registry.py)."""
    from datetime import date

    from hgn_review.registry import get_registry

    return [(u.code, u.name) for u in get_registry().communes_of(district, date(2025, 1, 4))]


def one_poor_household(folder: Path, commune: str, serial: str) -> Path:
    return make_return(folder, [household(ma_ho=f"{commune}-0001", ma_xa=commune, **POOR)],
                       [member(ma_ho=f"{commune}-0001", so_dinh_danh=make_id(serial=serial))],
                       name=f"{commune}_2024.xlsx")


# ------------------------------------------------------------------------------------------ rows and coverage
def test_district_form_has_a_row_for_every_commune_of_the_district(tmp_path: Path) -> None:
    """Input: returns of two communes of Huyện Thanh Miện (11284 Chi Lăng Nam, 11287 Thanh Giang; the district has
    17 communes), `hgn run`. Now: bieu_01.xlsx (and every summary form) has two unit rows, one per commune that
    sent a return; the 15 others appear only in a note under the table ("Chưa có số liệu: …"). Must: forms.md —
    "Every form is a table with one row per administrative unit of the level below (communes in a district
    report …), a total row": one row per commune of the district, in the order of the official unit list, so the
    form the district signs has the same rows every year and a commune without figures is visible in its place
    (its figures shown as zeros or marked, never silently absent)."""
    folder = tmp_path / "in"
    folder.mkdir()
    one_poor_household(folder, "11284", "000001")
    one_poor_household(folder, "11287", "000002")
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    data, total, _below = table_parts(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")
    expected = [name for _code, name in official_communes("300")]
    assert len(expected) == 17
    assert [r[1] for r in data] == expected, [r[1] for r in data]
    assert total[4] == 2  # the two poor households are still the total


def test_province_form_says_which_district_rows_are_incomplete(tmp_path: Path) -> None:
    """Input: returns of communes 11284 and 11287 (2 of the 17 communes of Huyện Thanh Miện) and 10663 (1 of the
    27 of Thành phố Hải Dương), `hgn run`: the round is the province's (rows: districts). Now: bieu_01.xlsx shows
    "Huyện Thanh Miện" and "Thành phố Hải Dương" rows as if whole, and its only coverage note names the ten
    districts with no commune at all; nothing on the form says that these two rows count 2/17 and 1/27 communes
    (`hgn run` itself says 204 communes are missing; report.html lists them). Must: the form a provincial
    officer signs says which district rows are incomplete (forms.md: one row per unit of the level below, the
    row is the unit's figure) — a partial district row may not pass for the district's result."""
    folder = tmp_path / "in"
    folder.mkdir()
    one_poor_household(folder, "11284", "000001")
    one_poor_household(folder, "11287", "000002")
    one_poor_household(folder, "10663", "000003")
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    data, _total, below = table_parts(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")
    # every district of the province has its row (forms.md); only the two with communes carry figures
    assert len(data) == 12
    assert [r[1] for r in data if any(isinstance(v, int | float) for v in r[2:])] == \
        ["Thành phố Hải Dương", "Huyện Thanh Miện"]
    notes = " ".join(str(v) for r in below for v in r if v is not None)
    missing_of_thanh_mien = [name for code, name in official_communes("300") if code not in ("11284", "11287")]
    assert "Thanh Miện" in notes or any(name in notes for name in missing_of_thanh_mien), notes


# ------------------------------------------------------------------------------------------ province lists
@pytest.fixture(scope="module", name="province_round")
def province_round_fixture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One poor household in each of five communes of Hải Dương: 10507 and 10663 (Thành phố Hải Dương, 288), 10546
    (Thành phố Chí Linh, 290), 10654 (Xã Hồng Phong, Huyện Nam Sách, 291), 11293 (Xã Hồng Phong, Huyện Thanh
    Miện, 300); `hgn run` over them (a province round)."""
    root = tmp_path_factory.mktemp("province_round")
    folder = root / "in"
    folder.mkdir()
    for i, commune in enumerate(["10507", "10546", "10654", "10663", "11293"]):
        one_poor_household(folder, commune, f"00010{i}")
    ok(run_hgn("run", "in", "--out", "out", cwd=root))
    return root / "out" / "bao_cao"


def _list_sections(path: Path) -> list[tuple[str, str]]:
    """(section heading, household code) for each household of a list form (bieu_14 / bieu_15)."""
    rows = sheet_rows(path)
    k = next(i for i, r in enumerate(rows) if r[0] == "1" and r[1] == "2")  # the key row
    heading, out = "", []
    for r in rows[k + 1:]:
        if isinstance(r[0], str) and r[0].startswith("Tổng cộng"):
            break
        if isinstance(r[0], str) and all(v is None for v in r[1:]):
            heading = r[0]
        elif isinstance(r[0], int):
            out.append((heading, r[1]))
    return out


def test_province_list_tells_communes_of_the_same_name_apart(province_round: Path) -> None:
    """Input: the province round above; Hải Dương has three communes named "Xã Hồng Phong" (10654 in Nam Sách,
    11224 in Ninh Giang, 11293 in Thanh Miện). Now: form 15 (Danh sách chi tiết hộ nghèo) heads the households of
    10654 and of 11293 with the same section "Xã Hồng Phong", and its rows carry neither district nor commune
    code: the provincial officer cannot tell which commune a poor household belongs to. Must: the section headings
    of two different communes differ (e.g. name the district, or the code) — forms.md: one row per member grouped
    by household, units with their official names; within a province a commune's name alone is not its identity."""
    sections = dict((code, heading) for heading, code in _list_sections(province_round / "bieu_15.xlsx"))
    assert set(sections) == {"10507-0001", "10546-0001", "10654-0001", "10663-0001", "11293-0001"}
    assert sections["10654-0001"] != sections["11293-0001"], sections


def test_province_list_keeps_each_districts_communes_together(province_round: Path) -> None:
    """Input: the province round above. Now: form 15 orders its communes by commune code alone: Phường Cẩm Thượng
    (10507, Thành phố Hải Dương), Phường Phả Lại (10546, Chí Linh), Xã Hồng Phong (10654, Nam Sách), Xã An Thượng
    (10663, Thành phố Hải Dương again), Xã Hồng Phong (11293, Thanh Miện) — Thành phố Hải Dương's communes are split
    by other districts' (codes were reassigned between districts over the years, so code order is not the unit
    list's order). Must: the official order of /work/shared/data/admin (province, district, then commune), so that
    each district's households stand together as the districts reported them (brief: units in the official order)."""
    order = [code for _heading, code in _list_sections(province_round / "bieu_15.xlsx")]
    assert order == ["10507-0001", "10663-0001", "10546-0001", "10654-0001", "11293-0001"], order


# ------------------------------------------------------------------------------------------ --lang en
def test_run_in_english_writes_the_findings_workbook_in_english(tmp_path: Path) -> None:
    """Input: one return of commune 11284 whose head has no ID (finding id-missing, a warning), `hgn run in --out
    out --lang en`. Now: the terminal is English ("Findings: out/phat_hien.xlsx"), but phat_hien.xlsx has the
    sheet "Phát hiện", headers "Tệp, Dòng, Mã lỗi, Mức độ, Nội dung, Cách sửa" and the message "Thiếu số định danh
    cá nhân." — while `hgn validate in --report-xlsx f.xlsx --lang en` writes the same finding in English ("File
    … Message … What to do", "Personal identification number missing."). Must: the findings workbook follows
    --lang in `hgn run` as it does in `hgn validate` (README: "Messages are in Vietnamese; add --lang en for
    English"; the findings workbook is the messages)."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household()], [member(so_dinh_danh=None)])
    ok(run_hgn("validate", "in", "--report-xlsx", "v.xlsx", "--lang", "en", cwd=tmp_path))
    ok(run_hgn("run", "in", "--out", "out", "--lang", "en", cwd=tmp_path))
    english = sheet_rows(tmp_path / "v.xlsx")
    written = sheet_rows(tmp_path / "out" / "phat_hien.xlsx")
    assert written[0] == english[0], written[0]  # the header row
    codes = {r[5]: r for r in written[1:]}
    assert "id-missing" in codes
    texts = [v for v in codes["id-missing"] if isinstance(v, str) and v not in ("in/11284_2024.xlsx",)]
    mixed = [v for v in texts if VIETNAMESE.search(v) and v not in ("Thành viên", "Số định danh cá nhân")]
    assert not mixed, mixed


def test_run_in_english_names_the_classes_in_english(tmp_path: Path) -> None:
    """Input: one return of commune 11284 with a poor, a near-poor and a non-poor household, `hgn run in --out out
    --lang en`. Now: the English summary prints the table "Classes" with the rows "Cận nghèo", "Không nghèo",
    "Nghèo" (console.py `render_run` prints the class values as they are stored; `hgn classify`/`hgn merge --lang
    en` do the same). Must: with --lang en the summary is English throughout (README: add --lang en for English;
    an earlier review had the stage names and notes of this very screen translated) — "Poor", "Near-poor",
    "Not poor" or the like."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(ma_ho="11284-0001", **POOR),
                         household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", thu_nhap_bq=1000000),
                         household(ma_ho="11284-0003", ho_ten_chu_ho="Lê Văn Ba", thu_nhap_bq=5000000)],
                [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                 member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000002")),
                 member(ma_ho="11284-0003", ho_ten="Lê Văn Ba", so_dinh_danh=make_id(serial="000003"))])
    proc = ok(run_hgn("run", "in", "--out", "out", "--lang", "en", cwd=tmp_path))
    assert "Classes" in proc.stdout
    assert "nghèo" not in proc.stdout.lower(), proc.stdout


# ------------------------------------------------------------------------------------------ 2025 units
def test_poor_household_awaiting_the_2025_mapping_is_on_the_population_list(tmp_path: Path) -> None:
    """Input: commune results of 10507 (Phường Cẩm Thượng, wholly in the new Phường Thành Đông) and 10528 (Phường
    Trần Phú, split between the new Lê Thanh Nghị and Tân Hưng), one poor household each, merged with `hgn merge
    … --to-2025-units` (no --mapping yet) and reported with `hgn report`. The merge puts 10528-0001 in "Chờ quy
    đổi" (README: it waits there, counted in the reconciliation). Now: the population list (danh_sach_csdl_dan_cu
    .xlsx, every sheet, and its CSV) has one person, the one of 10507; its note sheet says "Số người: 1; số hộ: 1";
    the poor person of 10528-0001 is on no list and no sheet says a poor household was left out (bieu_01 shows 1
    poor household, no note either). Must: forms.md — the list for the poverty database holds the poor and
    near-poor persons and "a person without a valid number is not silently dropped"; a poor person whose new
    commune is not decided yet is still poor: listed (with the old commune, or on a sheet of its own), never
    silently absent."""
    folder = tmp_path / "in"
    folder.mkdir()
    one_poor_household(folder, "10507", "000001")
    one_poor_household(folder, "10528", "000002")
    ok(run_hgn("classify", "in/10507_2024.xlsx", "--out", "a.xlsx", cwd=tmp_path))
    ok(run_hgn("classify", "in/10528_2024.xlsx", "--out", "b.xlsx", cwd=tmp_path))
    ok(run_hgn("merge", "a.xlsx", "b.xlsx", "--out", "m.xlsx", "--to-2025-units", cwd=tmp_path))
    merged = openpyxl.load_workbook(tmp_path / "m.xlsx", read_only=True)
    pending = [r for r in merged["Chờ quy đổi"].iter_rows(values_only=True)]
    assert any("10528-0001" in r for r in pending)  # the merge holds it as awaiting the decision
    ok(run_hgn("report", "m.xlsx", "--out-dir", "rep", cwd=tmp_path))
    wb = openpyxl.load_workbook(tmp_path / "rep" / "danh_sach_csdl_dan_cu.xlsx")
    cells = [v for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v is not None]
    assert any(isinstance(v, str) and "10528-0001" in v for v in cells), "the poor person of 10528-0001 is on no list"
