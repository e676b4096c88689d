"""Review 23: the person-level outputs of `hgn run` / `hgn report` — the population-database list
(danh_sach_csdl_dan_cu.xlsx / .csv and the persons without a valid ID) and forms 14/15 (detailed lists of near-poor /
poor households, one row per member grouped by household).

forms.md: forms 14/15 hold "one row per member grouped by household: household no., member no., full name, village,
year of birth (in a male or female column), ethnicity, relation to head, category (new / relapse / continuing) …";
the list is "one row per person, keyed by the 12-digit personal identification number … Numbers are written as text
so the leading zero survives. A person without a valid number is not silently dropped: the list says who is missing
and why." README: `--mask-pii` masks IDs (all but the last four digits) and names (initials) in everything under
`bao_cao/`; `ket_qua/` is not masked; a household with a blank size and no member rows (the application's export)
has "the persons figures of its unit … left blank in the forms, never 0".

Each failing test's docstring starts "DEFECT."; tests marked `# guard (passes)` hold behaviour that is right today.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from conftest import app_row, household, make_app_return, make_id, make_return, member, run_hgn
from hgn_review.pipeline import classify_paths
from hgn_review.reports import make_report

POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
NEAR = {"thu_nhap_bq": 1400000}  # rural: under the 1.5 million line, fewer than three deprivations
LIST = "danh_sach_csdl_dan_cu"


# ------------------------------------------------------------------------------------------ helpers
def hgn(*args: Any, cwd: Path) -> None:
    proc = run_hgn(*args, cwd=cwd, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def csv_rows(path: Path) -> list[dict[str, str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Excel reads the diacritics"
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def list_form(path: Path) -> tuple[list[tuple[Any, ...]], str]:
    """(member rows, total line) of form 14 or 15: the rows under the column-key row, up to the total."""
    ws = openpyxl.load_workbook(path).worksheets[0]
    values = [tuple(r) for r in ws.iter_rows(values_only=True)]
    key = next(i for i, r in enumerate(values) if r[0] == "1" and r[1] == "2")
    rows, total = [], ""
    for r in values[key + 1:]:
        if isinstance(r[0], str) and r[0].startswith("Tổng cộng"):
            total = r[0]
            break
        if r[2] is not None:  # a member row (a commune's section heading has no member no.)
            rows.append(r)
    return rows, total


def total_row(path: Path) -> tuple[Any, ...]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return next(tuple(r) for r in ws.iter_rows(values_only=True) if r[1] == "Tổng cộng")


def texts(folder: Path) -> dict[str, str]:
    """Every text part of every file under ``folder`` (each XML part of a workbook; CSV and HTML as they are)."""
    out: dict[str, str] = {}
    for p in sorted(folder.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".xlsx":
            with zipfile.ZipFile(p) as z:
                for n in z.namelist():
                    out[f"{p.name}:{n}"] = z.read(n).decode("utf-8", errors="replace")
        elif p.suffix in (".csv", ".html", ".txt"):
            out[p.name] = p.read_text("utf-8", errors="replace")
    return out


def round_of_one_commune(inp: Path) -> dict[str, str]:
    """A commune return with: a poor household of five (a valid head; a wife without an ID; a son with 11 digits;
    a mother whose 4th digit says male; an uncle whose digits 5–6 are not his birth year), a near-poor household of
    two (continuing), a poor household that moved away, a household that cannot be decided (income blank).
    Returns the IDs by name."""
    ids = {
        "Nguyễn Văn An": "030080001234",
        "Nguyễn Văn Ngắn": "03208000123",
        "Nguyễn Thị Giới": make_id(birth_year=1950, female=False, serial="000044"),
        "Nguyễn Văn Năm": make_id(birth_year=1960, serial="000055"),
        "Lê Thị Cúc": make_id(prefix="001", birth_year=1975, female=True, serial="000004"),
        "Lê Văn Đức": make_id(birth_year=1972, serial="000008"),
        "Trần Văn Đi": make_id(birth_year=1970, serial="000066"),
        "Đỗ Văn Chờ": make_id(birth_year=1971, serial="000077"),
    }
    make_return(inp, [
        household(ma_ho="11284-0001", **POOR),
        household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị Cúc", thon="Thôn Tây", phan_loai_dau_ky="Cận nghèo",
                  **NEAR),
        household(ma_ho="11284-0003", ho_ten_chu_ho="Trần Văn Đi", tinh_trang_ho="Chuyển đi",
                  phan_loai_dau_ky="Nghèo", **POOR),
        household(ma_ho="11284-0004", ho_ten_chu_ho="Đỗ Văn Chờ", **{**POOR, "thu_nhap_bq": None}),
    ], [
        member(),
        member(stt=2, ho_ten="Nguyễn Thị Thiếu", so_dinh_danh=None, ngay_sinh="01/02/1982", gioi_tinh="Nữ",
               quan_he="Vợ, chồng"),
        member(stt=3, ho_ten="Nguyễn Văn Ngắn", so_dinh_danh=ids["Nguyễn Văn Ngắn"], ngay_sinh="01/02/2008",
               quan_he="Con", viec_lam=None, dang_di_hoc="Có", cap_hoc="THPT"),
        member(stt=4, ho_ten="Nguyễn Thị Giới", so_dinh_danh=ids["Nguyễn Thị Giới"], ngay_sinh="01/02/1950",
               gioi_tinh="Nữ", quan_he="Bố, mẹ"),
        member(stt=5, ho_ten="Nguyễn Văn Năm", so_dinh_danh=ids["Nguyễn Văn Năm"], ngay_sinh="01/02/1961",
               quan_he="Khác"),
        member(ma_ho="11284-0002", ho_ten="Lê Thị Cúc", so_dinh_danh=ids["Lê Thị Cúc"], ngay_sinh="01/02/1975",
               gioi_tinh="Nữ"),
        member(ma_ho="11284-0002", stt=2, ho_ten="Lê Văn Đức", so_dinh_danh=ids["Lê Văn Đức"],
               ngay_sinh="03/04/1972", quan_he="Vợ, chồng"),
        member(ma_ho="11284-0003", ho_ten="Trần Văn Đi", so_dinh_danh=ids["Trần Văn Đi"], ngay_sinh="01/01/1970"),
        member(ma_ho="11284-0004", ho_ten="Đỗ Văn Chờ", so_dinh_danh=ids["Đỗ Văn Chờ"], ngay_sinh="01/01/1971"),
    ])
    return ids


# ------------------------------------------------------------------------------------------ who is listed
def test_run_lists_every_person_of_the_poor_and_near_poor_households_and_no_one_else(tmp_path: Path) -> None:
    # guard (passes): `hgn run` on one commune: the CSV and the "Danh sách" sheet hold the five persons of the poor
    # household and the two of the near-poor one, each once; not the household that moved away nor the one that
    # waits (Chưa đủ thông tin). Forms 14 and 15 hold the same persons, households numbered 1…, members 1… from
    # the head, the year of birth in the column of the person's sex; their totals and forms 01/12/13 count the same
    # households and persons.
    round_of_one_commune(tmp_path / "in")
    hgn("run", "in", "--out", "out", cwd=tmp_path)
    bao_cao = tmp_path / "out" / "bao_cao"
    rows = csv_rows(bao_cao / f"{LIST}.csv")
    got = sorted((r["Mã hộ"], r["Họ và tên"], r["Phân loại hộ"]) for r in rows)
    assert got == sorted([
        ("11284-0001", n, "Nghèo") for n in ("Nguyễn Văn An", "Nguyễn Thị Thiếu", "Nguyễn Văn Ngắn",
                                             "Nguyễn Thị Giới", "Nguyễn Văn Năm")]
        + [("11284-0002", "Lê Thị Cúc", "Cận nghèo"), ("11284-0002", "Lê Văn Đức", "Cận nghèo")]), got
    sheet = openpyxl.load_workbook(bao_cao / f"{LIST}.xlsx")["Danh sách"]
    assert sorted(r[2] for r in sheet.iter_rows(min_row=2, values_only=True)) == sorted(g[1] for g in got)

    poor, poor_total = list_form(bao_cao / "bieu_15.xlsx")
    near, near_total = list_form(bao_cao / "bieu_14.xlsx")
    assert [(r[0], r[1], r[2], r[3], r[5], r[6]) for r in poor] == [
        (1, "11284-0001", 1, "Nguyễn Văn An", 1980, None), (None, None, 2, "Nguyễn Thị Thiếu", None, 1982),
        (None, None, 3, "Nguyễn Văn Ngắn", 2008, None), (None, None, 4, "Nguyễn Thị Giới", None, 1950),
        (None, None, 5, "Nguyễn Văn Năm", 1961, None)], poor
    assert [(r[0], r[2], r[3], r[5], r[6], r[11]) for r in near] == [
        (1, 1, "Lê Thị Cúc", None, 1975, "x"), (None, 2, "Lê Văn Đức", 1972, None, None)], near
    assert poor_total == "Tổng cộng: 1 hộ, 5 nhân khẩu" and near_total == "Tổng cộng: 1 hộ, 2 nhân khẩu"
    f01 = total_row(bao_cao / "bieu_01.xlsx")
    assert (f01[4], f01[6], f01[8], f01[10]) == (1, 5, 1, 2), f01
    f12, f13 = total_row(bao_cao / "bieu_12.xlsx"), total_row(bao_cao / "bieu_13.xlsx")
    assert (f12[7], f12[9]) == (1, 5) and (f13[7], f13[9]) == (1, 2), (f12, f13)


def test_persons_without_a_valid_id_are_listed_with_their_reason(tmp_path: Path) -> None:
    # guard (passes): the four persons of the poor household whose ID is missing, 11 digits, fails the sex digit or
    # the birth-year digits stay on the list with the ID blank and are listed again, each with its reason, in the
    # "Chưa có số định danh" sheet and its CSV; a valid "001…" ID (born in Hà Nội) keeps both leading zeros as a
    # text cell.
    ids = round_of_one_commune(tmp_path / "in")
    hgn("run", "in", "--out", "out", cwd=tmp_path)
    bao_cao = tmp_path / "out" / "bao_cao"
    listed = {r["Họ và tên"]: r["Số định danh cá nhân"] for r in csv_rows(bao_cao / f"{LIST}.csv")}
    assert listed["Lê Thị Cúc"] == ids["Lê Thị Cúc"] == "001175000004"
    assert [n for n, i in listed.items() if i == ""] == ["Nguyễn Thị Thiếu", "Nguyễn Văn Ngắn", "Nguyễn Thị Giới",
                                                          "Nguyễn Văn Năm"], listed
    missing = {r["Họ và tên"]: r["Lý do chưa có số định danh hợp lệ"]
               for r in csv_rows(bao_cao / f"{LIST}_chua_co_dinh_danh.csv")}
    assert missing == {"Nguyễn Thị Thiếu": "Chưa có số định danh",
                       "Nguyễn Văn Ngắn": "Sai định dạng (không phải 12 chữ số)",
                       "Nguyễn Thị Giới": "Chữ số thứ 4 không khớp giới tính, thế kỷ sinh",
                       "Nguyễn Văn Năm": "Chữ số thứ 5–6 không khớp năm sinh"}, missing
    wb = openpyxl.load_workbook(bao_cao / f"{LIST}.xlsx")
    assert len(list(wb["Chưa có số định danh"].iter_rows(min_row=2))) == 4
    cells = {r[2].value: r[0] for r in wb["Danh sách"].iter_rows(min_row=2)}
    assert cells["Lê Thị Cúc"].value == "001175000004" and cells["Lê Thị Cúc"].data_type == "s"


def test_an_id_written_for_persons_in_two_communes_is_the_key_of_neither(tmp_path: Path) -> None:
    # guard (passes): the same ID for a daughter of a poor household in 11284 and a daughter-in-law of a poor
    # household in 11287 (two returns of one round): both stay on the list without the ID, with the reason "Trùng
    # số định danh với người khác"; and a person who moved from a household recorded as gone (Chuyển đi) into a poor
    # household of the same return keeps her ID: one person, not two.
    inp = tmp_path / "in"
    shared = make_id(birth_year=1990, female=True, serial="000099")
    moved = make_id(birth_year=1991, female=True, serial="000098")
    make_return(inp, [household(**POOR),
                      household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Đi", tinh_trang_ho="Chuyển đi",
                                phan_loai_dau_ky="Nghèo", **POOR)], [
        member(),
        member(stt=2, ho_ten="Nguyễn Thị Trùng", so_dinh_danh=shared, ngay_sinh="01/01/1990", gioi_tinh="Nữ",
               quan_he="Con"),
        member(stt=3, ho_ten="Lê Thị Chuyển", so_dinh_danh=moved, ngay_sinh="01/01/1991", gioi_tinh="Nữ",
               quan_he="Con dâu, con rể"),
        member(ma_ho="11284-0002", ho_ten="Lê Văn Đi", so_dinh_danh=make_id(birth_year=1965, serial="000011"),
               ngay_sinh="01/01/1965"),
        member(ma_ho="11284-0002", stt=2, ho_ten="Lê Thị Chuyển", so_dinh_danh=moved, ngay_sinh="01/01/1991",
               gioi_tinh="Nữ", quan_he="Con"),
    ])
    make_return(inp, [household(ma_ho="11287-0001", ma_xa="11287", ho_ten_chu_ho="Trần Văn Ba", **POOR)], [
        member(ma_ho="11287-0001", ho_ten="Trần Văn Ba", so_dinh_danh=make_id(birth_year=1960, serial="000007"),
               ngay_sinh="01/01/1960"),
        member(ma_ho="11287-0001", stt=2, ho_ten="Trần Thị Trùng", so_dinh_danh=shared, ngay_sinh="01/01/1990",
               gioi_tinh="Nữ", quan_he="Con dâu, con rể"),
    ], name="11287_2024.xlsx")
    hgn("run", "in", "--out", "out", cwd=tmp_path)
    bao_cao = tmp_path / "out" / "bao_cao"
    listed = {r["Họ và tên"]: r["Số định danh cá nhân"] for r in csv_rows(bao_cao / f"{LIST}.csv")}
    assert listed["Nguyễn Thị Trùng"] == "" and listed["Trần Thị Trùng"] == "", listed
    assert listed["Lê Thị Chuyển"] == moved and "Lê Văn Đi" not in listed, listed
    missing = {r["Họ và tên"]: r["Lý do chưa có số định danh hợp lệ"]
               for r in csv_rows(bao_cao / f"{LIST}_chua_co_dinh_danh.csv")}
    assert missing == {"Nguyễn Thị Trùng": "Trùng số định danh với người khác",
                       "Trần Thị Trùng": "Trùng số định danh với người khác"}, missing


# ------------------------------------------------------------------------------------------ --mask-pii
def test_mask_pii_masks_every_id_and_name_under_bao_cao_and_not_ket_qua(tmp_path: Path) -> None:
    # guard (passes): `hgn run --mask-pii` on a round where one household's code is its head's ID and a village
    # cell carries an ID in a note: no ID (nor its first eight digits) and no full name of a member is left in any
    # part of any workbook, CSV or report.html under bao_cao/; the list's IDs read "********" + the last four
    # digits and names are initials; ket_qua/ keeps the IDs and names whole.
    inp = tmp_path / "in"
    ids = round_of_one_commune(inp)
    head = make_id(birth_year=1966, serial="000321")
    note = make_id(birth_year=1967, female=True, serial="000654")
    make_return(inp, [household(ma_ho=head, ma_xa="11287", ho_ten_chu_ho="Phạm Văn Mã",
                                thon=f"Thôn Bắc (CCCD vợ {note})", **POOR)],
                [member(ma_ho=head, ho_ten="Phạm Văn Mã", so_dinh_danh=head, ngay_sinh="01/01/1966"),
                 member(ma_ho=head, stt=2, ho_ten="Vũ Thị Ghi", so_dinh_danh=note, ngay_sinh="01/01/1967",
                        gioi_tinh="Nữ", quan_he="Vợ, chồng")], name="11287_2024.xlsx")
    hgn("run", "in", "--out", "out", "--mask-pii", cwd=tmp_path)
    out = tmp_path / "out"
    secrets = [i for i in [*ids.values(), head, note] if len(i) >= 11]
    names = [*ids, "Nguyễn Thị Thiếu", "Phạm Văn Mã", "Vũ Thị Ghi"]
    leaks = [(part, s) for part, t in texts(out / "bao_cao").items() for s in [*secrets, *[i[:8] for i in secrets],
                                                                               *names] if s in t]
    assert leaks == [], leaks
    rows = csv_rows(out / "bao_cao" / f"{LIST}.csv")
    by_initials = {r["Họ và tên"]: r for r in rows}
    assert by_initials["P. V. M."]["Số định danh cá nhân"] == "********0321"
    assert by_initials["P. V. M."]["Mã hộ"] == "********0321"
    assert by_initials["V. T. G."]["Thôn, tổ dân phố"] == "Thôn Bắc (CCCD vợ ********0654)"
    members = pd.read_parquet(out / "ket_qua" / "members.parquet")
    assert {head, note, ids["Lê Thị Cúc"]} <= set(members["so_dinh_danh"].dropna())
    assert {"Phạm Văn Mã", "Lê Thị Cúc"} <= set(members["ho_ten"].dropna())


# ------------------------------------------------------------------------------------------ persons counted
def test_form_14_total_does_not_count_a_household_of_unknown_size_as_zero_persons(tmp_path: Path) -> None:
    """DEFECT. Input: the application's export (no member rows) with two near-poor households: one of three
    members (family.numberOfMembers 3) and one whose size is blank. Forms 01 and 13 leave the unit's near-poor
    persons blank, as the README says ("the persons figures of its unit are left blank in the forms, never 0"),
    but the total line of form 14 (Danh sách chi tiết hộ cận nghèo) reads "Tổng cộng: 2 hộ, 3 nhân khẩu": the
    household of unknown size counted as 0 persons, a figure that disagrees with forms 01/13 and that an officer
    would copy as the unit's near-poor population. Expected: the total says the persons are not known (or gives no
    number) whenever a listed household's size is unknown, as forms 01/13 do. Cause: reports/excel.py
    `_one_list_sheet` sums `household_persons` with `.fillna(0)` and ignores the view's unknown-size flag
    (reports/view.py `_household_attributes` → `persons_and_unknown` gives such a household 0 persons)."""
    inp = tmp_path / "in"
    inp.mkdir()
    make_app_return(inp, [app_row(),
                          app_row(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Hai", so_thanh_vien=None)])
    hgn("run", "in", "--out", "out", cwd=tmp_path)
    bao_cao = tmp_path / "out" / "bao_cao"
    f13 = total_row(bao_cao / "bieu_13.xlsx")
    f01 = total_row(bao_cao / "bieu_01.xlsx")
    assert f13[7] == 2 and f13[9] is None, f13  # 2 near-poor households, their persons not known
    assert f01[8] == 2 and f01[10] is None, f01
    rows, total = list_form(bao_cao / "bieu_14.xlsx")
    assert len(rows) == 2  # the two heads (no member rows in the export)
    assert total.startswith("Tổng cộng: 2 hộ")
    # the known persons may be said only with the household not counted named beside them (fixed: "chưa kể …")
    assert not re.search(r"\b3 nhân khẩu", total) or "chưa kể 1 hộ không có số thành viên dùng được" in total, (
        f"form 14 says {total!r} while forms 01/13 leave the near-poor persons blank (one household's size unknown)")


def test_form_14_total_counts_the_declared_sizes_of_an_export_without_members(tmp_path: Path) -> None:
    # guard (passes): the application's export, both sizes written (3 and 4): form 14 prints the two heads and its
    # total counts the declared 7 persons, as forms 01 and 13 do; the list holds the two heads without IDs, each
    # with the reason "Không có danh sách thành viên của hộ".
    inp = tmp_path / "in"
    inp.mkdir()
    make_app_return(inp, [app_row(), app_row(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Hai", so_thanh_vien=4)])
    hgn("run", "in", "--out", "out", cwd=tmp_path)
    bao_cao = tmp_path / "out" / "bao_cao"
    rows, total = list_form(bao_cao / "bieu_14.xlsx")
    assert [(r[0], r[2], r[3]) for r in rows] == [(1, 1, "Nguyễn Văn An"), (2, 1, "Lê Văn Hai")]
    assert total == "Tổng cộng: 2 hộ, 7 nhân khẩu"
    assert total_row(bao_cao / "bieu_13.xlsx")[9] == 7 and total_row(bao_cao / "bieu_01.xlsx")[10] == 7
    missing = csv_rows(bao_cao / f"{LIST}_chua_co_dinh_danh.csv")
    assert sorted(r["Họ và tên"] for r in missing) == ["Lê Văn Hai", "Nguyễn Văn An"]
    assert {r["Lý do chưa có số định danh hợp lệ"] for r in missing} == {
        "Không có danh sách thành viên của hộ (chỉ có dòng chủ hộ)"}


def test_report_from_a_results_workbook_gives_the_same_list(tmp_path: Path) -> None:
    # guard (passes): `hgn classify` → results.xlsx → `hgn report`: the list is the one `make_report` writes from
    # the classification in memory (IDs as 12-character text, the same persons and reasons).
    ids = round_of_one_commune(tmp_path / "in")
    hgn("classify", "in/11284_2024.xlsx", "--out", "kq.xlsx", cwd=tmp_path)
    hgn("report", "kq.xlsx", "--out-dir", "rep", cwd=tmp_path)
    make_report(classify_paths([tmp_path / "in" / "11284_2024.xlsx"]).results, tmp_path / "mem")
    for name in (f"{LIST}.csv", f"{LIST}_chua_co_dinh_danh.csv"):
        assert (tmp_path / "rep" / name).read_bytes() == (tmp_path / "mem" / name).read_bytes(), name
    listed = {r["Họ và tên"]: r["Số định danh cá nhân"] for r in csv_rows(tmp_path / "rep" / f"{LIST}.csv")}
    assert listed["Nguyễn Văn An"] == ids["Nguyễn Văn An"] and listed["Lê Thị Cúc"] == ids["Lê Thị Cúc"]
