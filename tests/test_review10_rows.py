"""Review 10 (every input row accounted for; nothing imputed): commune returns holding, mixed together, blank rows
inside the list, repeated header rows, a "Tổng cộng" footer and signature block, a table beside the list, hidden
rows, members of a household code the households sheet lacks, households without members, the same household
twice (identical and conflicting), the same person twice, a member row with only an ID, a household without its
review date and a household with another commune's code.

Each data row of the input is counted independently (openpyxl, every row under the header with any cell filled)
and must be either in the results (ket_qua/households.parquet, ket_qua/members.parquet, at its Excel row, once)
or named at its Excel row in phat_hien.xlsx; a household the data cannot decide must be "Chưa đủ thông tin"; the
counts of README.txt, the console, the results and form 01 must agree.

Tests marked ``# guard (passes)`` hold on the code as reviewed; every other test fails on it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import (
    HH_SHEET,
    MM_SHEET,
    household,
    make_id,
    make_return,
    member,
    ok,
    read_csv,
    run_hgn,
)
from hgn_review.sample import generate_sample

UNDECIDED = "Chưa đủ thông tin"
POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
RICH = {"thu_nhap_bq": 9000000}


# ------------------------------------------------------------------------------------------ helpers
def grid(ws: Any) -> list[list[Any]]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def rewrite(ws: Any, rows: list[list[Any] | None], hidden: set[int] = frozenset()) -> None:
    """Replace a sheet's cells with ``rows`` (None = a blank row), from row 1; ``hidden``: Excel rows to hide."""
    ws.delete_rows(1, ws.max_row + 5)
    for r, row in enumerate(rows, start=1):
        for c, v in enumerate(row or [], start=1):
            if v is not None:
                ws.cell(r, c, v)
    for r in hidden:
        ws.row_dimensions[r].hidden = True


def data_rows(path: Path, sheet: str, header_row: int = 1) -> list[int]:
    """Excel rows under the header with any cell filled: the rows an officer would count as written."""
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [r for r, row in enumerate(ws.iter_rows(values_only=True), start=1)
            if r > header_row and any(v is not None and str(v).strip() != "" for v in row)]


def findings_of(out: Path) -> pd.DataFrame:
    f = pd.read_excel(out / "phat_hien.xlsx", sheet_name=0)
    return f[f["Sheet"].notna()]


def _rows_in(text: str) -> set[int]:
    """Rows a finding names in its message: "dòng 7–14", "dòng 4–6, 9"."""
    out: set[int] = set()
    m = re.search(r"dòng ([\d–, ]+)", text)
    if not m:
        return out
    for part in m.group(1).split(","):
        part = part.strip()
        if "–" in part:
            a, b = part.split("–")
            out.update(range(int(a), int(b) + 1))
        elif part.isdigit():
            out.add(int(part))
    return out


def named_rows(findings: pd.DataFrame, sheet: str) -> set[int]:
    """Excel rows of ``sheet`` that some finding names: its row, or the rows a range finding lists."""
    f = findings[findings["Sheet"] == sheet]
    rows = {int(r) for r in f["Dòng"].dropna()}
    for code, text in zip(f["Mã lỗi"], f["Nội dung"], strict=True):
        if code in ("footer-rows-skipped", "rows-beside-list"):
            rows |= _rows_in(str(text))
    return rows


def form_total(out: Path, form: str = "01") -> list[Any]:
    ws = openpyxl.load_workbook(out / "bao_cao" / f"bieu_{form}.xlsx", data_only=True).worksheets[0]
    return next(list(r) for r in ws.iter_rows(values_only=True) if len(r) > 1 and r[1] == "Tổng cộng")


def readme_counts(out: Path) -> tuple[int, int]:
    text = (out / "README.txt").read_text(encoding="utf-8")
    m = re.search(r"Số hộ: ([\d.,]+); số người: ([\d.,]+)", text)
    assert m, text
    return int(re.sub(r"\D", "", m.group(1))), int(re.sub(r"\D", "", m.group(2)))


def console_counts(stdout: str) -> tuple[int, int]:
    m = re.search(r"Số hộ / số người\s*│\s*([\d.,]+) / ([\d.,]+)", stdout)
    assert m, stdout
    return int(re.sub(r"\D", "", m.group(1))), int(re.sub(r"\D", "", m.group(2)))


def results(out: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return (pd.read_parquet(out / "ket_qua" / "households.parquet"),
            pd.read_parquet(out / "ket_qua" / "members.parquet"))


def run_round(folder: Path, cwd: Path) -> tuple[Path, str]:
    out = cwd / "out"
    proc = ok(run_hgn("run", folder, "--out", out, cwd=cwd, timeout=300))
    return out, proc.stdout


# ------------------------------------------------------------------------------------------ the messy sample return
SIDE = [["Khu", "Số hộ nghèo", "Ghi chú"], ["Khu 1", 1, None], ["Khu 2", 0, None], ["Khu 3", 2, None],
        ["Khu 4", 0, None], ["Khu 5", 1, "mới"], ["Cộng", 4, None]]


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One `hgn sample` return (Phường Cẩm Thượng 10507, 8 households, no injected error), edited as communes send
    them, and one `hgn run` over it. Returns the paths, the run's stdout and the Excel row of each planted row."""
    root = tmp_path_factory.mktemp("messy")
    src = root / "sample"
    generate_sample(src, communes=1, households=8, seed=3, error_rate=0.0, district="288")
    path = next(src.glob("*.xlsx"))
    folder = root / "in"
    folder.mkdir()
    dst = folder / path.name
    wb = openpyxl.load_workbook(path)
    hws, mws = wb[HH_SHEET], wb[MM_SHEET]
    hg, mg = grid(hws), grid(mws)
    hhead, H = hg[0], hg[1:]
    mhead, M = mg[0], mg[1:]
    col = {h: i for i, h in enumerate(hhead)}
    mcol = {h: i for i, h in enumerate(mhead)}
    assert len(H) == 8

    def hh(i: int, **kw: Any) -> list[Any]:
        row = list(H[i])
        for k, v in kw.items():
            row[col[k]] = v
        return row

    rows: list[list[Any] | None] = [hhead]
    at: dict[str, int] = {}

    def put(name: str, row: list[Any] | None) -> None:
        rows.append(row)
        at[name] = len(rows)

    put("h0", hh(0))
    put("h1_hidden", hh(1))
    put("blank", None)
    put("h2_other_commune", hh(2, **{"Mã xã": "10510"}))
    put("header_again", list(hhead))
    put("h3", hh(3))
    put("h3_copy", hh(3))
    put("h4", hh(4))
    put("h4_conflict", hh(4, **{"Loại nhà ở": "Đơn sơ" if H[4][col["Loại nhà ở"]] != "Đơn sơ" else "Kiên cố"}))
    put("h5_no_date", hh(5, **{"Ngày rà soát": None}))
    put("h_no_members", hh(0, **{"Mã hộ": "10507-0091", "Họ và tên chủ hộ": "Đặng Văn Chín"}))
    put("h6", hh(6))
    put("h7", hh(7))
    last_household = len(rows)
    rewrite(hws, rows, hidden={at["h1_hidden"]})
    # the commune's own table by ward block, two columns right of the list: its header on the header row, its
    # entries on the rows under the last household, where the list is blank
    side_col = len(hhead) + 2
    for k, srow in enumerate(SIDE):
        r = 1 if k == 0 else last_household + k
        for c, v in enumerate(srow):
            if v is not None:
                hws.cell(r, side_col + c, v)
    # the form's footer under everything
    base = last_household + len(SIDE) + 1
    footer = [["Tổng cộng", None, None, None, None, 9],
              [None] * 14 + ["Cẩm Thượng, ngày 20 tháng 11 năm 2024"],
              [None, "NGƯỜI LẬP BIỂU"] + [None] * 12 + ["CHỦ TỊCH UBND PHƯỜNG"],
              [None, "(Ký, ghi rõ họ tên)"] + [None] * 12 + ["(Ký tên, đóng dấu)"],
              None,
              [None, "Nguyễn Văn Khải"] + [None] * 12 + ["Trần Văn Hùng"]]
    for k, frow in enumerate(footer):
        for c, v in enumerate(frow or [], start=1):
            if v is not None:
                hws.cell(base + k, c, v)

    # members: the sample's rows with a blank row, a repeated header, a hidden row, an orphan, a row with only an
    # ID, and a footer
    mrows: list[list[Any] | None] = [mhead]
    mat: dict[str, int] = {}

    def mput(name: str, row: list[Any] | None) -> None:
        mrows.append(row)
        mat[name] = len(mrows)

    for i, m in enumerate(M):
        mput(f"m{i}", list(m))
        if i == 2:
            mput("m_blank", None)
        if i == 4:
            mput("m_header_again", list(mhead))
    orphan = list(M[0])
    orphan[mcol["Mã hộ"]] = "10507-0099"
    orphan[mcol["Họ và tên"]] = "Lý Thị Mồ"
    orphan[mcol["Số định danh cá nhân"]] = "030185000099"
    orphan[mcol["Ngày sinh"]] = pd.Timestamp("1985-01-01").to_pydatetime()
    orphan[mcol["Giới tính"]] = "Nữ"
    mput("m_orphan", orphan)
    only_id = [None] * len(mhead)
    only_id[mcol["Số định danh cá nhân"]] = "030190000123"
    mput("m_only_id", only_id)
    mput("m_total", [f"Tổng cộng: {len(M)} người"])
    mput("m_sign", [None, "NGƯỜI LẬP BIỂU", None, None, None, None, None, None, "CHỦ TỊCH UBND PHƯỜNG"])
    rewrite(mws, mrows, hidden={mat["m3"]})
    mat.pop("m_total")
    mat.pop("m_sign")
    wb.save(dst)

    work = root / "work"
    work.mkdir()
    out, stdout = run_round(folder, work)
    return {"path": dst, "out": out, "stdout": stdout, "at": at, "mat": mat}


def test_every_household_row_is_in_the_results_once_or_named_at_its_row(messy: dict[str, Any]) -> None:  # guard (passes)
    """Every filled row of the households sheet (blank rows excluded; the hidden row, the other commune's row, both
    copies and both conflicting rows, the repeated header, the side table, the footer included) is either a
    household of ket_qua/ at that Excel row — once — or named at that row in phat_hien.xlsx; no household of the
    results comes from a row that holds nothing. (README: "every household is accounted for".)"""
    out, path = messy["out"], messy["path"]
    hh, _ = results(out)
    ours = hh[hh["sheet"] == HH_SHEET]
    counted = Counter(int(r) for r in ours["row"])
    assert [r for r, n in counted.items() if n > 1] == [], "a row of the return is a household twice"
    written = data_rows(path, HH_SHEET)
    assert set(counted) <= set(written), f"households from rows that hold nothing: {set(counted) - set(written)}"
    named = named_rows(findings_of(out), HH_SHEET)
    lost = [r for r in written if r not in counted and r not in named]
    assert lost == [], f"rows neither in the results nor named in phat_hien.xlsx: {lost}"


def test_every_member_row_is_in_the_results_once_or_named_at_its_row(messy: dict[str, Any]) -> None:  # guard (passes)
    """The same for the members sheet: the hidden member, the orphan (member-orphan), the row with only an ID
    (value-required on its blank cells), the repeated header and the footer are each in the results or named at
    their row; no member row is in the results twice."""
    out, path = messy["out"], messy["path"]
    _, mm = results(out)
    ours = mm[mm["sheet"] == MM_SHEET]
    counted = Counter(int(r) for r in ours["row"])
    assert [r for r, n in counted.items() if n > 1] == []
    written = data_rows(path, MM_SHEET)
    assert set(counted) <= set(written)
    named = named_rows(findings_of(out), MM_SHEET)
    lost = [r for r in written if r not in counted and r not in named]
    assert lost == [], f"member rows neither in the results nor named: {lost}"


def test_planted_rows_are_where_they_belong(messy: dict[str, Any]) -> None:  # guard (passes)
    """Row by row: the hidden household and member are read and warned about; the blank row, the repeated header,
    the identical copy, the side table and the footer are not households; both conflicting rows, the household
    without members, the other commune's household and the household without its review date are."""
    out, at, mat = messy["out"], messy["at"], messy["mat"]
    hh, mm = results(out)
    f = findings_of(out)
    hrows = set(hh["row"].astype(int))
    for name in ("h0", "h1_hidden", "h2_other_commune", "h3", "h4", "h4_conflict", "h5_no_date", "h_no_members",
                 "h6", "h7"):
        assert at[name] in hrows, name
    for name in ("blank", "header_again", "h3_copy"):
        assert at[name] not in hrows, name
    assert len(hh) == 10
    codes = {(s, int(r)): c for s, r, c in zip(f["Sheet"], f["Dòng"].fillna(0), f["Mã lỗi"], strict=True)}
    assert codes.get((HH_SHEET, at["h1_hidden"])) == "hidden-row-with-data"
    assert codes.get((MM_SHEET, mat["m3"])) == "hidden-row-with-data"
    assert (HH_SHEET, at["header_again"]) in codes and (HH_SHEET, at["h3_copy"]) in codes
    assert mat["m3"] in set(mm["row"].astype(int))
    assert mat["m_orphan"] in set(mm["row"].astype(int)) or codes.get((MM_SHEET, mat["m_orphan"]))


def test_households_the_data_cannot_decide_are_undecided(messy: dict[str, Any]) -> None:  # guard (passes)
    """A household with no members, both rows of a household code whose rows disagree, and a household whose
    commune code is another commune's are "Chưa đủ thông tin", never given a class (design.md: "classifies nothing
    it cannot justify")."""
    out, at = messy["out"], messy["at"]
    hh, _ = results(out)
    by_row = dict(zip(hh["row"].astype(int), hh["phan_loai"], strict=True))
    for name in ("h_no_members", "h4", "h4_conflict", "h2_other_commune"):
        assert by_row[at[name]] == UNDECIDED, (name, by_row[at[name]])


def test_readme_console_results_and_form_01_count_the_same_households(messy: dict[str, Any]) -> None:  # guard (passes)
    """The number of households is the same in README.txt, on the terminal, in ket_qua/ and in form 01's total:
    the 8 of the sample and the household without members, the identical copy read once — 9 household codes, 10
    with the conflicting second row of 10507-0005 (kept and reported; whether it is another household is unknown)."""
    out = messy["out"]
    hh, _ = results(out)
    n = readme_counts(out)[0]
    assert n == console_counts(messy["stdout"])[0] == len(hh) == form_total(out)[2]
    assert n in (9, 10)


def test_readme_and_console_persons_agree_with_form_01(messy: dict[str, Any]) -> None:
    """Input: the messy return (34 member rows in its households, one member row of a household code the households
    sheet lacks, one row holding only an ID; a household without member rows declaring 4 members, and a second,
    conflicting row of 10507-0005 declaring 7).
    Now: README.txt says "Số hộ: 10; số người: 36" and the terminal "10 / 36" (every member row read, the two that
    belong to no listed household included), while form 01's "Tổng số nhân khẩu" of the same round is 45 (the
    declared sizes of households without member rows added): the officer finds two numbers of persons for one
    round, and nothing says which is right.
    Must: README.txt and the console give the number of persons the forms count (pipeline.py `_readme` and the
    console count `len(results.members)`; the forms count classify.py `_summary`'s persons)."""
    out = messy["out"]
    total = form_total(out)
    assert readme_counts(out)[1] == total[3], f"README says {readme_counts(out)[1]} persons, form 01 says {total[3]}"
    assert console_counts(messy["stdout"])[1] == total[3]


def test_conflicting_second_row_of_a_household_does_not_count_its_persons_twice(tmp_path: Path) -> None:
    """Input: commune 11284, household 11284-0001 written twice with different cells (row 3 says the dwelling is
    "Đơn sơ", row 2 "Bán kiên cố"), both declaring "Số thành viên" 2, with its 2 member rows; household 11284-0002
    with 1 member. Three persons.
    Now: both rows are kept and blocked (right: which row is true is unknown), the 2 members attach to row 2, and
    row 3, having no member row of its own, is counted with its declared size: form 01 says 5 persons ("Tổng số
    nhân khẩu") for a return listing 3, and every persons rate of the commune is computed on 5 — the defect review 8
    fixed for an exact copy, still there when the copy differs in one cell.
    Must: the 2 persons of 11284-0001 are counted once: 3 persons (forms.md form 1: total households and persons
    of the unit; README: no household "counted twice"). (classify.py `_summary` and merge `_persons`: "the member
    rows, else the recorded size" — a household code whose members sit under its other row has no size of its own.)"""
    folder = tmp_path / "in"
    make_return(folder, [household(ma_ho="11284-0001", so_thanh_vien=2, **RICH),
                         household(ma_ho="11284-0001", so_thanh_vien=2, loai_nha="Đơn sơ", **RICH),
                         household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", so_thanh_vien=1, **RICH)],
                [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                 member(ma_ho="11284-0001", stt=2, ho_ten="Nguyễn Thị Lan", gioi_tinh="Nữ", quan_he="Vợ, chồng",
                        so_dinh_danh=make_id(female=True, serial="000002")),
                 member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000003"))])
    out, _ = run_round(folder, tmp_path)
    hh, _ = results(out)
    assert list(hh.sort_values("row")["phan_loai"])[:2] == [UNDECIDED, UNDECIDED]
    assert form_total(out)[3] == 3, f"form 01: {form_total(out)[3]} persons for 3 member rows"


# ------------------------------------------------------------------------------------------ the same person twice
def test_member_row_pasted_twice_counts_the_person_once(tmp_path: Path) -> None:
    """Input: commune 11284, household 11284-0001 (rich) with its head and a son (row 3), the son's row pasted
    again, every cell the same (row 4), and household 11284-0002 with its head. Three persons.
    Now: the households sheet reads an exact copy once (row-duplicate), but the members sheet keeps both copies:
    form 01 says 4 persons ("Tổng số nhân khẩu"), README 4, and 11284-0001 is left "Chưa đủ thông tin" ("một
    người được ghi hai lần") though its members are fully known.
    Must: a member row identical in every cell to another is the same person read once (and reported), as for
    households (README, validate: "a row pasted twice (read once)"): 3 persons; the household is classified."""
    folder = tmp_path / "in"
    son = dict(ma_ho="11284-0001", stt=2, ho_ten="Nguyễn Văn Con", ngay_sinh="01/01/2000", quan_he="Con",
               so_dinh_danh=make_id(birth_year=2000, serial="000011"), trinh_do="THPT")
    make_return(folder, [household(ma_ho="11284-0001", **RICH),
                         household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", **RICH)],
                [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")), member(**son), member(**son),
                 member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000002"))])
    out, stdout = run_round(folder, tmp_path)
    total = form_total(out)
    assert total[2] == 2
    assert total[3] == 3, f"form 01: {total[3]} persons for 3 distinct persons"
    assert readme_counts(out) == (2, 3)
    hh, _ = results(out)
    assert set(hh["phan_loai"]) == {"Không nghèo"}


def test_person_listed_in_two_households_leaves_neither_household_classified(tmp_path: Path) -> None:
    """Input: household 11284-0001 (income 1,000,000, rural; dwelling "Đơn sơ", water "Khác": 2 deprivations) lists
    its head, a daughter of 11 and Nguyễn Văn Út (9, same name, birth date and ID 030215000777 in both); household
    11284-0002 (rich) lists its head and the same Nguyễn Văn Út. Both "Đang cư trú".
    Now: 11284-0002 (the later rows) is "Chưa đủ thông tin — một người được ghi hai lần", but 11284-0001 is "Nghèo"
    — its third deprivation is "Người phụ thuộc: 2/3", which holds only if Út lives there; without him (1/2) it
    is near-poor. Which household he belongs to is exactly what the data does not say, so 11284-0001's class is a
    guess, and it is the one that enters the population list. Row order decides which household is blocked.
    Must: like two conflicting rows of one household code (both blocked: "which row is right is not known"),
    every household listing the person is left undecided; and the person is counted once in form 01.
    (validate.py `validate_file`: only the rows after the first of an ID get member-id-duplicate.)"""
    folder = tmp_path / "in"
    ut = dict(ho_ten="Nguyễn Văn Út", ngay_sinh="05/06/2015", gioi_tinh="Nam", quan_he="Con", viec_lam=None,
              trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc="Tiểu học",
              so_dinh_danh=make_id(birth_year=2015, serial="000777"))
    make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=1000000, loai_nha="Đơn sơ", nguon_nuoc="Khác"),
                         household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", **RICH)],
                [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                 member(ma_ho="11284-0001", stt=2, ho_ten="Nguyễn Thị Bé", ngay_sinh="01/02/2013", gioi_tinh="Nữ",
                        quan_he="Con", viec_lam=None, trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc="THCS",
                        so_dinh_danh=make_id(birth_year=2013, female=True, serial="000002")),
                 member(ma_ho="11284-0001", stt=3, **ut),
                 member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000003")),
                 member(ma_ho="11284-0002", stt=2, **ut)])
    out, _ = run_round(folder, tmp_path)
    hh, _ = results(out)
    cls = dict(zip(hh["ma_ho"], hh["phan_loai"], strict=True))
    assert cls["11284-0002"] == UNDECIDED
    assert cls["11284-0001"] == UNDECIDED, f"11284-0001 is '{cls['11284-0001']}' with a member of another household"
    assert not [r for r in read_csv(out / "bao_cao" / "danh_sach_csdl_dan_cu.csv") if r["Mã hộ"] == "11284-0001"]


# ------------------------------------------------------------------------------------------ a household without a code
def test_household_without_a_code_and_without_members_is_not_classified(tmp_path: Path) -> None:
    """Input: commune 11284, household 11284-0001 (poor, with its head) and, row 3, a household whose "Mã hộ" was
    left blank (Phạm Văn Bốn: income 1,000,000, "Đơn sơ", water "Khác", no latrine); his member row (row 3 of
    "Thành viên") also has no code, so nothing links them.
    Now: row 3 is classified "Nghèo" with no member at all — counted as a poor household with 0 persons in form
    01, and put on the population list as a person "Phạm Văn Bốn" without birth date or ID, reason "Tệp kết quả
    không có danh sách thành viên của hộ" (the return has a members sheet). A household with a code and no members
    is "Chưa đủ thông tin" (household-no-members); the blank code must not exempt it.
    Must: row 3 is not classified (undecided / not classified, with a finding at row 3), and is not on the list."""
    folder = tmp_path / "in"
    make_return(folder, [household(ma_ho="11284-0001", **POOR),
                         household(ma_ho=None, ho_ten_chu_ho="Phạm Văn Bốn", **POOR)],
                [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                 member(ma_ho=None, ho_ten="Phạm Văn Bốn", so_dinh_danh=make_id(serial="000004"))])
    out, _ = run_round(folder, tmp_path)
    hh, _ = results(out)
    row3 = hh[hh["row"] == 3]
    assert len(row3) == 1
    assert row3["phan_loai"].iloc[0] == UNDECIDED, f"row 3 is '{row3['phan_loai'].iloc[0]}' with no member"
    total = form_total(out)
    assert total[4] == 1  # one poor household: 11284-0001
    names = [r["Họ và tên"] for r in read_csv(out / "bao_cao" / "danh_sach_csdl_dan_cu.csv")]
    assert "Phạm Văn Bốn" not in names


# ------------------------------------------------------------------------------------------ footer above a late row
def test_total_and_signature_rows_above_a_late_household_are_not_households(tmp_path: Path) -> None:
    """Input: commune 11284, households 11284-0001 and -0002 (rows 2–3), then the form's footer — "Tổng cộng" (row
    4), "Chi Lăng Nam, ngày 20 tháng 11 năm 2024" (row 6), "NGƯỜI LẬP BIỂU" / "CHỦ TỊCH UBND XÃ" (row 7), the
    signers' names (row 11) — and under it, row 13, household 11284-0003 added late; each household has its head.
    Now: because a household code stands below it, no row is taken for the footer: "Tổng cộng" becomes a household
    with code "Tổng cộng", and rows 6, 7 and 11 three households without a code — 7 households in form 01, the
    console and README for a return of 3, with dozens of value-required errors on the signature block.
    Must: the footer rows are reported as not households (footer-rows-skipped, as when no household follows) and
    the late household is read: 3 households. (io/read.py `_footer_start`: "a row is never taken for a footer
    above a household code"; a row whose code cell is a total, and short signature rows, are never a household.)"""
    folder = tmp_path / "in"
    path = make_return(folder, [household(ma_ho="11284-0001", **RICH),
                                household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", **RICH)],
                       [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                        member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000002")),
                        member(ma_ho="11284-0003", ho_ten="Hoàng Văn Ba", so_dinh_danh=make_id(serial="000003"))])
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    late = [c.value for c in ws[2]]
    ws.cell(4, 1).value, ws.cell(4, 6).value = "Tổng cộng", 2
    ws.cell(6, 15).value = "Chi Lăng Nam, ngày 20 tháng 11 năm 2024"
    ws.cell(7, 2).value, ws.cell(7, 15).value = "NGƯỜI LẬP BIỂU", "CHỦ TỊCH UBND XÃ"
    ws.cell(11, 2).value, ws.cell(11, 15).value = "Nguyễn Văn Khải", "Trần Văn Hùng"
    late[0], late[1] = "11284-0003", "Hoàng Văn Ba"
    for c, v in enumerate(late, start=1):
        ws.cell(13, c).value = v
    wb.save(path)
    out, stdout = run_round(folder, tmp_path)
    hh, _ = results(out)
    assert sorted(hh["row"].astype(int)) == [2, 3, 13], f"households read from rows {sorted(hh['row'].astype(int))}"
    assert form_total(out)[2] == 3
    assert readme_counts(out)[0] == console_counts(stdout)[0] == 3


# ------------------------------------------------------------------------------------------ the other commands agree
def test_classify_holds_the_same_household_rows_as_run(messy: dict[str, Any], tmp_path: Path) -> None:  # guard (passes)
    """`hgn classify` on the messy return lists the same households (Excel rows) with the same classes as `hgn run`,
    and `hgn validate --json` reads the same number of household rows (the identical copy included, reported)."""
    out, path = messy["out"], messy["path"]
    ok(run_hgn("classify", path, "--out", tmp_path / "res.xlsx", cwd=tmp_path, timeout=300))
    res = pd.read_excel(tmp_path / "res.xlsx", sheet_name=HH_SHEET, header=1)
    hh, _ = results(out)
    assert sorted(zip(res["row"].astype(int), res["phan_loai"], strict=True)) == \
        sorted(zip(hh["row"].astype(int), hh["phan_loai"], strict=True))
    proc = run_hgn("validate", path, "--json", cwd=tmp_path, timeout=300)
    rows = json.loads(proc.stdout)["summary"]["per_file"][0]["rows"]
    assert rows[HH_SHEET] == len(hh) + 1  # + the identical copy, read once


def test_population_list_holds_exactly_the_members_of_poor_and_near_poor_households(messy: dict[str, Any]) -> None:  # guard (passes)
    """Counted from the return itself: the member rows whose household code is a household classified "Nghèo" or
    "Cận nghèo" are the population list's rows (main list and the list of persons without a valid ID together),
    each once; the orphan and the ID-only row are on neither."""
    out, path = messy["out"], messy["path"]
    hh, _ = results(out)
    poor = set(hh.loc[hh["phan_loai"].isin(["Nghèo", "Cận nghèo"]), "ma_ho"])
    ws = openpyxl.load_workbook(path, data_only=True)[MM_SHEET]
    head = [c.value for c in ws[1]]
    expected = sorted((r[head.index("Mã hộ")], r[head.index("Họ và tên")])
                      for r in ws.iter_rows(min_row=2, values_only=True) if r[head.index("Mã hộ")] in poor)
    listed = [(r["Mã hộ"], r["Họ và tên"]) for r in read_csv(out / "bao_cao" / "danh_sach_csdl_dan_cu.csv")]
    assert expected, "the sample has poor or near-poor households"
    assert sorted(listed) == expected
    missing = [(r["Mã hộ"], r["Họ và tên"])
               for r in read_csv(out / "bao_cao" / "danh_sach_csdl_dan_cu_chua_co_dinh_danh.csv")]
    assert set(missing) <= set(expected)


# ------------------------------------------------------------------------------------------ never impute
MISSING = [  # (what is blank, household overrides, head-of-household overrides): each decides poor vs near-poor
    ("internet", {"su_dung_internet": None}, {}),
    ("information devices", {"phuong_tien_thong_tin": None}, {}),
    ("floor area", {"dien_tich_nha": None}, {}),
    ("health insurance", {}, {"the_bhyt": None}),
    ("employment", {}, {"viec_lam": None}),
    ("birth date", {}, {"ngay_sinh": None}),
    ("agriculture, above the line", {"thu_nhap_bq": 1600000, "loai_nha": "Bán kiên cố", "nguon_nuoc": "Giếng khoan",
                                     "ho_nlndn": None}, {}),
]


def test_a_missing_answer_that_decides_the_class_leaves_the_household_undecided(tmp_path: Path) -> None:  # guard (passes)
    """Households with income 1,000,000 (rural line 1,500,000) and 2 known deprivations ("Đơn sơ", water "Khác"):
    a blank answer that could make the third (internet, information devices, floor area, the head's health
    insurance, employment or birth date) leaves the household "Chưa đủ thông tin", never poor or near-poor; an
    income in the average-living band with "Hộ làm nông…" blank is not "Mức sống trung bình" nor "Không nghèo"."""
    folder = tmp_path / "in"
    hhs, mms = [], []
    for i, (_what, h, m) in enumerate(MISSING, start=1):
        code = f"11284-{i:04d}"
        hhs.append(household(ma_ho=code, ho_ten_chu_ho=f"Chủ Hộ {i}",
                             **{"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", **h}))
        mms.append(member(**{"ma_ho": code, "ho_ten": f"Chủ Hộ {i}", "so_dinh_danh": make_id(serial=f"{i:06d}"), **m}))
    make_return(folder, hhs, mms)
    out, _ = run_round(folder, tmp_path)
    hh, _ = results(out)
    got = dict(zip(hh["ma_ho"], hh["phan_loai"], strict=True))
    wrong = {MISSING[i - 1][0]: got[f"11284-{i:04d}"] for i in range(1, len(MISSING) + 1)
             if got[f"11284-{i:04d}"] != UNDECIDED}
    assert wrong == {}
