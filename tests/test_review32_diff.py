"""Review 32: the changes of 7235066..HEAD read against the specs, by running the tool on small rounds.

Under review: forms 04–07 / 11 leave a count blank where a poor or near-poor household's indicator (a child's
answer) is not known, and say so in the notes (reports/view.py ``_not_counted``, ``_BLANK_NOTES``); ``hgn run
--local`` and ``hgn validate --local``; ``--strict`` stopping on the round's own errors; IDs in a finding's header or
sheet name masked on the terminal and in --json; a member-answer finding not added at a cell validation reported.

design.md, "Things not to do": impute missing data — "our tool reports what is missing"; "Build the report's data
once, render it twice" (Excel forms and HTML from one view). README: `hgn validate … [--standard ID|FILE] [--local
ID|FILE]`; `--local` takes a province's local standard (classify and run refuse a national one).

Each failing test's docstring starts "DEFECT."; tests marked ``# guard (passes)`` hold behaviour that is right today.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import household, make_id, make_return, member, ok, run_hgn, sheet_grid

POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
BAC_NINH = Path(__file__).resolve().parents[1] / "src" / "hgn_review" / "scoring" / "standards" / "example-bac-ninh.yaml"


# ------------------------------------------------------------------------------------------ helpers
def grid(path: Path) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in openpyxl.load_workbook(path).worksheets[0].iter_rows(values_only=True)]


def key_row(values: list[tuple[Any, ...]]) -> int:
    return next(i for i, r in enumerate(values) if r[0] == "A" and r[1] == "B")


def column_of(values: list[tuple[Any, ...]], header: str) -> int:
    """The column whose lowest header cell is ``header`` (the first such column)."""
    k = key_row(values)
    for r in reversed(values[6:k]):
        for j, v in enumerate(r):
            if v == header:
                return j
    raise AssertionError(f"no column {header!r}")


def row_of(values: list[tuple[Any, ...]], label: str) -> tuple[Any, ...]:
    return next(r for r in values[key_row(values) + 1:] if r[1] == label)


def form(out: Path, n: int) -> list[tuple[Any, ...]]:
    return grid(out / "bao_cao" / f"bieu_{n:02d}.xlsx")


def kid(ma_ho: str, serial: str, **kw: Any) -> dict[str, Any]:
    """An 8-year-old pupil (born 2016) of household ``ma_ho``, every answer given unless overridden."""
    return member(**{**dict(ma_ho=ma_ho, stt=2, ho_ten=f"Nguyễn Văn Bé {serial[-1]}",
                            so_dinh_danh=make_id(birth_year=2016, serial=serial), ngay_sinh="05/06/2016",
                            quan_he="Con", viec_lam=None, trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc="Tiểu học",
                            suy_dinh_duong="Không", the_bhyt="Có"), **kw})


def head(ma_ho: str, serial: str, **kw: Any) -> dict[str, Any]:
    return member(**{**dict(ma_ho=ma_ho, ho_ten=f"Chủ Hộ {serial[-1]}", so_dinh_danh=make_id(serial=serial)), **kw})


def unknown_round(folder: Path) -> Path:
    """Commune 11284 (rural line 1,500,000): 0001 poor (three deprivations), its pupil's nutrition, card and
    schooling answers blank; 0002 poor, every answer known, its pupil without a health-insurance card; 0003 poor
    at the start, moved away ("Chuyển đi"), its pupil's answers blank; 0004 undecided (income blank), its pupil's
    answers blank; 0005 near-poor (income 1,400,000, no deprivation known), its pupil's nutrition blank."""
    blank3 = {"suy_dinh_duong": None, "the_bhyt": None, "dang_di_hoc": None}
    make_return(folder, [
        household(ma_ho="11284-0001", ho_ten_chu_ho="Chủ Hộ 1", phan_loai_dau_ky="Nghèo", **POOR),
        household(ma_ho="11284-0002", ho_ten_chu_ho="Chủ Hộ 2", phan_loai_dau_ky="Nghèo", **POOR),
        household(ma_ho="11284-0003", ho_ten_chu_ho="Chủ Hộ 3", phan_loai_dau_ky="Nghèo", tinh_trang_ho="Chuyển đi",
                  **POOR),
        household(ma_ho="11284-0004", ho_ten_chu_ho="Chủ Hộ 4", thu_nhap_bq=None),
        household(ma_ho="11284-0005", ho_ten_chu_ho="Chủ Hộ 5", thu_nhap_bq=1400000),
    ], [
        head("11284-0001", "000001"), kid("11284-0001", "000101", **blank3),
        head("11284-0002", "000002"), kid("11284-0002", "000102", the_bhyt="Không"),
        head("11284-0003", "000003"), kid("11284-0003", "000103", **blank3),
        head("11284-0004", "000004"), kid("11284-0004", "000104", **blank3),
        head("11284-0005", "000005"), kid("11284-0005", "000105", suy_dinh_duong=None),
    ])
    return folder


@pytest.fixture(scope="module")
def unknowns(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("unknowns")
    unknown_round(root / "in")
    proc = ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=root))
    return root / "out", proc.stdout


# ------------------------------------------------------------------------------------------ defects
def test_validate_local_given_a_national_standard_does_not_silently_drop_the_member_answers(tmp_path: Path) -> None:
    """DEFECT. Two poor households of 11284, each with an 8-year-old; one child's "Suy dinh dưỡng" cell is blank. `hgn validate in` warns at the cell
    (member-answer-missing). An officer who types the national standard where the local one goes — `hgn validate
    in --local vn-2022-2025` — gets "Không có lỗi", no finding and exit 0 (also with --json and --report-xlsx):
    every member answer hgn asks for is silently dropped, although `hgn classify` and `hgn run` refuse the same
    option ("Chuẩn vn-2022-2025 là chuẩn quốc gia, không phải chuẩn địa phương", exit 2; README: --local takes a
    province's local standard). Expected: the same refusal (or at least the same findings as without --local).
    Likely cause: validate.py:_answers_wanted swallows the HgnError that classify_validated raises
    (load_local_standard) and returns no finding; cli.py:validate never checks --local up front as
    pipeline.py:run_round does (the same happens for an unknown --local or --standard id)."""
    make_return(tmp_path / "in", [household(**POOR), household(ma_ho="11284-0002", ho_ten_chu_ho="Chủ Hộ 2", **POOR)],
                [member(), kid("11284-0001", "000003", suy_dinh_duong=None), head("11284-0002", "000002"),
                 kid("11284-0002", "000004")])
    plain = run_hgn("validate", "in", cwd=tmp_path)
    assert "member-answer-missing" in plain.stdout  # said without --local
    proc = run_hgn("validate", "in", "--local", "vn-2022-2025", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2 or "member-answer-missing" in proc.stdout, (
        f"exit {proc.returncode}: {proc.stdout[-300:]}")


def test_report_html_does_not_count_0_households_deprived_in_an_indicator_the_forms_leave_blank(
        unknowns: tuple[Path, str]) -> None:
    """DEFECT. In the round of ``unknown_round`` the poor household 0001's nutrition, health-insurance and schooling
    indicators are not known: form 04 rightly leaves "Dinh dưỡng", "Bảo hiểm y tế", "Tình trạng đi học của trẻ
    em" blank (and the notes say so). report.html — the same figures, built from the same view — charts "Đóng góp
    của từng chỉ số vào thiếu hụt của hộ nghèo" with "Dinh dưỡng: 0,00 % (0 hộ)" and "Bảo hiểm y tế: … (1 hộ)": a
    count nobody knows printed as known (design.md: never impute; build the report once, render it twice). An
    officer reading the printed summary sees "no poor household deprived in nutrition". Expected: the chart's
    count of such an indicator not given as a number (blank / "–"), as in form 04. Likely cause:
    reports/view.py:_contributions reads ``total["poor_<indicator>"]`` and never the ``poor_not_counted_<indicator>``
    attribute that formdef.evaluate blanks the form's cell with."""
    out, _ = unknowns
    f04 = form(out, 4)
    total = row_of(f04, "Tổng cộng")
    assert total[column_of(f04, "Dinh dưỡng")] is None  # the form leaves it blank
    html = (out / "bao_cao" / "report.html").read_text("utf-8")
    titles = re.findall(r"<title>(Dinh dưỡng: [^<]*)</title>", html)
    assert titles, "no nutrition bar in report.html"
    assert not any(re.search(r"\(\d+ hộ\)", t) for t in titles), titles


# ------------------------------------------------------------------------------------------ guards: forms
def test_unknown_indicators_blank_counts_and_rates_of_forms_04_to_07_and_11(unknowns: tuple[Path, str]) -> None:
    # guard (passes): form 04/05 (poor): nutrition, health insurance and schooling blank (count and rate), the known
    # indicators as counted; form 06/07 (near-poor): nutrition blank, the rest 0; form 11: the poor half's three
    # "of whom" blank, the near-poor half's nutrition blank, its card and schooling 0. The commune row and the total.
    out, _ = unknowns
    blank04 = {"Dinh dưỡng", "Bảo hiểm y tế", "Tình trạng đi học của trẻ em"}
    for n in (4, 5):
        values = form(out, n)
        for label in ("Xã Chi Lăng Nam", "Tổng cộng"):
            r = row_of(values, label)
            assert r[2] == 2  # two poor households (0003 moved away, 0004 undecided: neither)
            for h in blank04:
                assert r[column_of(values, h)] is None, (n, label, h)
            assert r[column_of(values, "Nhà tiêu hợp vệ sinh")] == (2 if n == 4 else 100)
            assert r[column_of(values, "Việc làm")] == 0
    for n in (6, 7):
        values = form(out, n)
        r = row_of(values, "Tổng cộng")
        assert r[2] == 1 and r[column_of(values, "Dinh dưỡng")] is None
        assert r[column_of(values, "Bảo hiểm y tế")] == 0 and r[column_of(values, "Việc làm")] == 0
    f11 = form(out, 11)
    for label in ("Xã Chi Lăng Nam", "Tổng cộng"):
        assert list(row_of(f11, label)[2:]) == [2, None, None, None, 1, 0, None, 0]


def test_notes_count_the_unknowns_of_poor_and_near_poor_only(unknowns: tuple[Path, str]) -> None:
    # guard (passes): the terminal and report.html say 2 households with an indicator not determined (0001, 0005 —
    # not 0003 moved away nor 0004 undecided), 1 child without a card answer, 2 without a nutrition answer, 1
    # school-age child without a schooling answer.
    out, stdout = unknowns
    html = (out / "bao_cao" / "report.html").read_text("utf-8")
    flat = " ".join(stdout.split())
    for text in ("2 hộ nghèo, cận nghèo có chỉ số thiếu hụt chưa rõ",
                 "1 trẻ em thuộc hộ nghèo, cận nghèo chưa rõ có thẻ BHYT",
                 "2 trẻ em thuộc hộ nghèo, cận nghèo chưa rõ có suy dinh dưỡng",
                 "1 trẻ em trong tuổi đi học thuộc hộ nghèo, cận nghèo chưa rõ có đang đi học"):
        assert text in flat and text in html, text


def test_departed_and_undecided_households_blank_nothing(tmp_path: Path) -> None:
    # guard (passes): the round without 0001 and 0005 (their unknowns): the moved-away and the undecided household's
    # blank answers leave every count of forms 04 and 11 a number, and no note about unknown indicators.
    unknown_round(tmp_path / "all")
    wb = openpyxl.load_workbook(tmp_path / "all" / "11284_2024.xlsx")
    for ws in wb.worksheets:  # drop 0001 and 0005 (households and members)
        for i in range(ws.max_row, 1, -1):
            if ws.cell(i, 1).value in ("11284-0001", "11284-0005"):
                ws.delete_rows(i)
    (tmp_path / "in").mkdir()
    wb.save(tmp_path / "in" / "11284_2024.xlsx")
    proc = ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    assert "chưa rõ" not in proc.stdout
    for n in (4, 5, 11):
        total = row_of(form(tmp_path / "out", n), "Tổng cộng")
        assert all(v is not None for v in total[2:]), (n, total)


def test_a_district_row_of_the_province_forms_equals_the_district_total_also_when_blank(tmp_path: Path) -> None:
    # guard (passes): communes 11284 (Huyện Thanh Miện, with the unknowns) and 10507 (Thành phố Hải Dương, all
    # known): the province's forms 04–07 and 11 show on Huyện Thanh Miện's row what `hgn report --unit 300` shows on
    # its total row, blanks included.
    unknown_round(tmp_path / "in")
    make_return(tmp_path / "in", [household(ma_ho="10507-0001", ma_xa="10507", thon="Tổ dân phố 1", **POOR)],
                [head("10507-0001", "000201")], name="10507_2024.xlsx")
    ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    ok(run_hgn("report", "out/ket_qua", "--unit", "300", "--out-dir", "d300", "--forms", "4-7,11", cwd=tmp_path))
    for n in (4, 5, 6, 7, 11):
        province = row_of(form(tmp_path / "out", n), "Huyện Thanh Miện")
        district = row_of(grid(tmp_path / "d300" / f"bieu_{n:02d}.xlsx"), "Tổng cộng")
        assert list(province[2:]) == list(district[2:]), n
        assert None in province[2:]


# ------------------------------------------------------------------------------------------ guards: run --local
def _local_classes(out: Path) -> dict[str, Any]:
    hh = pd.read_parquet(out / "ket_qua" / "households.parquet")
    return dict(zip(hh["ma_ho"], hh["phan_loai_dia_phuong"], strict=True))


def test_run_local_classifies_again_when_its_file_is_edited_or_the_option_dropped(tmp_path: Path) -> None:
    # guard (passes): a household of commune 11284 with 1,600,000 a head, one deprivation: average living standard
    # nationally (line 1,500,000), near-poor under the Bắc Ninh example (rural line 1,750,000). The local file edited
    # to 1,550,000: average living standard locally too; --local dropped: no local class at all; the national class
    # never changes.
    make_return(tmp_path / "in", [household(thu_nhap_bq=1600000, nha_tieu="Không có")])
    local = tmp_path / "local.yaml"
    shutil.copy(BAC_NINH, local)
    ok(run_hgn("run", "in", "--out", "out", "--local", local, "--jobs", "1", cwd=tmp_path))
    assert _local_classes(tmp_path / "out") == {"11284-0001": "Cận nghèo"}
    # (an edited copy takes its own id: one that keeps the bundled example's is refused, test_session19)
    local.write_text(local.read_text("utf-8").replace("value: 1750000", "value: 1550000")
                     .replace("id: example-bac-ninh", "id: bac-ninh-sua"), "utf-8")
    ok(run_hgn("run", "in", "--out", "out", "--local", local, "--jobs", "1", cwd=tmp_path))
    assert _local_classes(tmp_path / "out") == {"11284-0001": "Mức sống trung bình"}
    ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    assert all(pd.isna(v) for v in _local_classes(tmp_path / "out").values())
    hh = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet")
    assert list(hh["phan_loai"]) == ["Mức sống trung bình"]


def test_run_local_given_a_national_standard_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    # guard (passes): `hgn run in --out out --local vn-2022-2025`: exit 2, the refusal, no OUT_DIR.
    make_return(tmp_path / "in")
    proc = run_hgn("run", "in", "--out", "out", "--local", "vn-2022-2025", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "chuẩn quốc gia, không phải chuẩn địa phương" in proc.stdout + proc.stderr
    assert not (tmp_path / "out").exists()


# ------------------------------------------------------------------------------------------ guards: --strict
def test_strict_stops_on_a_commune_in_two_returns(tmp_path: Path) -> None:
    # guard (passes): two clean returns of 11284 and one of 11287: without --strict the round completes (both 11284
    # returns left out); with --strict it exits 1, says the errors and leaves only phat_hien.xlsx (with the two
    # commune-in-two-returns errors) and README.txt saying why, in place of the outputs of the run before.
    inp = tmp_path / "in"
    make_return(inp, name="11284_a.xlsx")
    make_return(inp, [household(ma_ho="11284-0009", ho_ten_chu_ho="Chủ Hộ 9")], [head("11284-0009", "000009")],
                name="11284_b.xlsx")
    make_return(inp, [household(ma_ho="11287-0001", ma_xa="11287", ho_ten_chu_ho="Chủ Hộ 3")],
                [head("11287-0001", "000003")], name="11287.xlsx")
    ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    assert (tmp_path / "out" / "bao_cao").is_dir()
    proc = run_hgn("run", "in", "--out", "out", "--strict", "--jobs", "1", cwd=tmp_path)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "--strict dừng trước khi tổng hợp" in proc.stdout + proc.stderr
    shown = {p.name for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")}
    assert {"phat_hien.xlsx", "README.txt"} <= shown and not shown & {"bao_cao", "ket_qua"}
    ws = openpyxl.load_workbook(tmp_path / "out" / "phat_hien.xlsx").worksheets[0]
    codes = [r[5] for r in ws.iter_rows(min_row=2, values_only=True)]
    assert codes.count("commune-in-two-returns") == 2
    assert "--strict" in (tmp_path / "out" / "README.txt").read_text("utf-8")


# ------------------------------------------------------------------------------------------ guards: masking, dedup
def test_a_normal_sheet_name_shows_unchanged_and_an_id_sheet_name_masked(tmp_path: Path) -> None:
    # guard (passes): an extra members table on a sheet "Thôn 2 (2024)" is located as "› Thôn 2 (2024)" on the
    # terminal and as "sheet": "Thôn 2 (2024)" in --json; on a sheet named by an ID, no more than its last four
    # digits show in either.
    other = make_id(birth_year=1975, serial="007777")
    rows = sheet_grid("members", [member(ma_ho="11284-0002", so_dinh_danh=other, ngay_sinh="01/01/1975",
                                         ho_ten="Trần Văn Bảy")])
    make_return(tmp_path / "a", raw_sheets={"Thôn 2 (2024)": rows})
    make_return(tmp_path / "b", raw_sheets={other: rows})
    term = run_hgn("validate", "a", cwd=tmp_path)
    assert "sheet-table-not-read" in term.stdout and "› Thôn 2 (2024)" in term.stdout
    js = json.loads(run_hgn("validate", "a", "--json", cwd=tmp_path).stdout)
    assert "Thôn 2 (2024)" in {f["sheet"] for f in js["findings"]}
    for args in (("validate", "b"), ("validate", "b", "--json"), ("run", "b", "--out", "ob", "--json")):
        proc = run_hgn(*args, cwd=tmp_path)
        assert other[:8] not in proc.stdout + proc.stderr, args


def test_an_answer_validation_reported_is_not_asked_again_at_its_cell(tmp_path: Path) -> None:
    # guard (passes): a poor household's child whose "Suy dinh dưỡng" is "Hơi gầy" (not Có/Không): validate,
    # classify and run each give one finding at K3 (value-not-yes-no), never a second member-answer-missing there.
    make_return(tmp_path / "in", [household(**POOR)], [
        member(), kid("11284-0001", "000003", suy_dinh_duong="Hơi gầy")])
    js = json.loads(run_hgn("validate", "in", "--json", cwd=tmp_path).stdout)
    at = [f["code"] for f in js["findings"] if f.get("row") == 3 and f.get("sheet") == "Thành viên"]
    assert at == ["value-not-yes-no"]
    ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    ws = openpyxl.load_workbook(tmp_path / "out" / "phat_hien.xlsx").worksheets[0]
    at_run = [r[5] for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "Thành viên" and r[2] == 3]
    assert at_run == ["value-not-yes-no"]
    cls = run_hgn("classify", "in/11284_2024.xlsx", "--out", "c.xlsx", "--json", cwd=tmp_path)
    assert json.loads(cls.stdout)["findings_by_code"] == {"value-not-yes-no": 1}
