"""Review 8 (accounting invariants of `hgn run`): defects found by running `hgn sample` batches with injected errors
(error rates 0.05–0.3, several seeds, both layouts, communes of two or three districts of province 30) and checking
that every input row is accounted for, that the forms' figures add up and agree with the results, that the
population list holds each poor or near-poor person once, and that `hgn run` and the documented step-by-step path
(`hgn classify` per commune, `hgn merge` per district and for the province, `hgn report`) give the same outputs.

Each defect is shrunk to the smallest hand-made returns (conftest.py) that show it. Every test here fails on the
code as reviewed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from conftest import household, make_id, make_return, member, ok, read_csv, run_hgn

LIST_CSV = "danh_sach_csdl_dan_cu.csv"
MISSING_CSV = "danh_sach_csdl_dan_cu_chua_co_dinh_danh.csv"
ID = "Số định danh cá nhân"
# income under the rural line and three deprivations (housing quality, water, latrine): poor whatever the members
POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
RICH = {"thu_nhap_bq": 9000000}


def sheet_rows(path: Path) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def form_table(path: Path) -> tuple[list[list[Any]], list[list[Any]], list[Any]]:
    """(header rows above the key row, unit rows, total row) of a summary form bieu_01..13."""
    rows = sheet_rows(path)
    k = next(i for i, r in enumerate(rows) if r[0] == "A" and r[1] == "B")
    top = next(i for i, r in enumerate(rows) if r[0] == "STT")
    data = [r for r in rows[k + 1:] if isinstance(r[0], int)]
    total = next(r for r in rows[k + 1:] if r[1] == "Tổng cộng")
    return rows[top:k], data, total


def population_list(out: Path) -> list[tuple[str, str, str]]:
    """(household code, name, ID as printed) of every row of the population list CSV, sorted."""
    return sorted((r["Mã hộ"], r["Họ và tên"], r[ID]) for r in read_csv(out / LIST_CSV))


# ------------------------------------------------------------------------------------------ persons counted twice
def test_exact_copy_of_a_household_row_does_not_count_its_persons_twice(tmp_path: Path) -> None:
    """Input: commune 11284's return with two households — 11284-0001 (poor, 2 members, "Số thành viên" 2), its row
    pasted twice (an exact copy, as `hgn sample --error-rate` injects `household-duplicate`), and 11284-0002 (1
    member) — and 3 member rows. Now: `hgn run` keeps the copy as a third household ("Chưa đủ thông tin",
    household-duplicate) and, since the two members are attached to the first row, counts the copy's declared size
    as 2 more persons: form 01 says 5 persons ("Tổng số nhân khẩu") for a return that lists 3, and every persons
    rate of the commune is computed on 5. Must: the 2 persons of 11284-0001 are counted once — the commune has 3
    persons (README: the consolidation proves "that no household was lost or counted twice"; forms.md form 1: "total
    households and persons of the unit")."""
    folder = tmp_path / "in"
    folder.mkdir()
    first = household(ma_ho="11284-0001", so_thanh_vien=2, **POOR)
    make_return(folder, [first, dict(first),
                         household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", so_thanh_vien=1, **RICH)],
                [member(ma_ho="11284-0001"),
                 member(ma_ho="11284-0001", stt=2, ho_ten="Nguyễn Thị Lan", gioi_tinh="Nữ", quan_he="Vợ, chồng",
                        so_dinh_danh=make_id(female=True, serial="000002")),
                 member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000003"))])
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    _head, _rows, total = form_table(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")
    assert total[4] == 1 and total[6] == 2  # one poor household, its 2 persons
    assert total[3] == 3, f"Tổng số nhân khẩu {total[3]} for 3 member rows"


# ------------------------------------------------------------------------------------------ population list
def _two_holders(folder: Path, poor_commune: str, other_commune: str) -> None:
    """A poor household in ``poor_commune`` whose head carries ID X, and a non-poor household in ``other_commune``
    whose head — another man, another birth date — carries the same X."""
    x = make_id(serial="000555")
    make_return(folder, [household(ma_ho=f"{poor_commune}-0001", ma_xa=poor_commune, **POOR)],
                [member(ma_ho=f"{poor_commune}-0001", so_dinh_danh=x)], name=f"{poor_commune}_2024.xlsx")
    make_return(folder, [household(ma_ho=f"{other_commune}-0001", ma_xa=other_commune, ho_ten_chu_ho="Lê Văn Bình",
                                   **RICH)],
                [member(ma_ho=f"{other_commune}-0001", ho_ten="Lê Văn Bình", ngay_sinh="01/07/1980", so_dinh_danh=x)],
                name=f"{other_commune}_2024.xlsx")


def test_population_list_does_not_depend_on_which_return_sorts_first(tmp_path: Path) -> None:
    """Input: two rounds of two returns of Huyện Thanh Miện. In each, a poor household's head (Nguyễn Văn An, born
    12/03/1980) and a non-poor household's head in the other commune (Lê Văn Bình, born 01/07/1980) carry the same
    12-digit ID; round A has the poor household in 11284 (the file that sorts first), round B in 11287. `hgn run`
    reports the shared ID (id-duplicate-batch, an error) on both returns in both rounds. Now: the population list
    keys An by the ID in round A and lists him without it ("Trùng số định danh với người khác") in round B — the
    same facts give a different list according to the communes' codes. Must: the same row in both rounds. File
    order is no evidence of who holds an ID; an ID two different persons claim is not a key for the population
    database until a correction says whose it is (forms.md: the list is "keyed by the 12-digit personal
    identification number"; "a person without a valid number … the list says who is missing and why")."""
    lists = []
    for name, poor, other in (("a", "11284", "11287"), ("b", "11287", "11284")):
        root = tmp_path / name
        (root / "in").mkdir(parents=True)
        _two_holders(root / "in", poor, other)
        ok(run_hgn("run", "in", "--out", "out", cwd=root))
        listed = read_csv(root / "out" / "bao_cao" / LIST_CSV)
        assert [r["Họ và tên"] for r in listed] == ["Nguyễn Văn An"]
        lists.append(listed[0][ID])
    assert lists[0] == lists[1], f"round A lists the ID {lists[0]!r}, round B {lists[1]!r}"


def test_run_and_the_step_by_step_path_give_the_same_population_list(tmp_path: Path) -> None:
    """Input: the returns of round B above (poor household in 11287 whose head's ID is also the ID of a non-poor
    head in 11284). Now: `hgn run` lists the poor head without the ID, "Trùng số định danh với người khác"; the
    documented path for the same returns — `hgn classify` each commune, `hgn merge` them into the district (which
    reports id-duplicate-batch, an error, on both rows), `hgn report` — keys him by the ID on the list and its
    "Chưa có số định danh" list is empty. Must: the two paths give the same population list (README: `hgn run` is
    "the whole round"; merging is associative, so the step-by-step path and the one-pass run describe the same
    round)."""
    folder = tmp_path / "in"
    folder.mkdir()
    _two_holders(folder, "11287", "11284")
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    for commune in ("11284", "11287"):
        ok(run_hgn("classify", f"in/{commune}_2024.xlsx", "--out", f"c{commune}.xlsx", cwd=tmp_path))
    merged = run_hgn("merge", "c11284.xlsx", "c11287.xlsx", "--out", "m.xlsx", cwd=tmp_path)
    assert merged.returncode in (0, 1) and (tmp_path / "m.xlsx").exists(), merged.stdout + merged.stderr
    ok(run_hgn("report", "m.xlsx", "--out-dir", "rep", cwd=tmp_path))
    assert population_list(tmp_path / "out" / "bao_cao") == population_list(tmp_path / "rep")
    assert len(read_csv(tmp_path / "out" / "bao_cao" / MISSING_CSV)) == len(read_csv(tmp_path / "rep" / MISSING_CSV))


# ------------------------------------------------------------------------------------------ breakdowns that add up
def test_form_12_households_by_ethnicity_add_up_to_the_total(tmp_path: Path) -> None:
    """Input: commune 11284 with two households: 11284-0001 (head Kinh) and 11284-0002 whose head's "Dân tộc" cell
    was left blank (value-required). Now: form 12 (and 13) says "Tổng số hộ dân cư: Tổng số" 2, "Hộ dân tộc Kinh"
    1, "Hộ dân tộc thiểu số" 0 — the breakdown adds up to 1, and nothing on the form says where the second
    household went (form 09 has a "Chưa rõ dân tộc" column for exactly this). Must: the columns under "Tổng số hộ
    dân cư" add up to its "Tổng số" on every row, e.g. with a "Chưa rõ dân tộc" column as form 09 has (forms.md
    form 12: "households (Kinh, minorities)" — a breakdown of the unit's households; a signed form whose parts do not
    make its whole cannot be reconciled by the district)."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(ma_ho="11284-0001"),
                         household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai")],
                [member(ma_ho="11284-0001"),
                 member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", dan_toc=None, so_dinh_danh=make_id(serial="000222"))])
    ok(run_hgn("run", "in", "--out", "out", cwd=tmp_path))
    for form in ("bieu_12.xlsx", "bieu_13.xlsx"):
        head, data, total = form_table(tmp_path / "out" / "bao_cao" / form)
        band = head[0]
        start = band.index("Tổng số hộ dân cư")
        end = next(j for j in range(start + 1, len(band)) if band[j] is not None)  # the band's last column + 1
        assert end - start >= 2
        filled = [r for r in data if r[start] is not None]  # a commune without a return has an empty row
        assert len(filled) == 1
        for row in [*filled, total]:
            assert row[start] == 2
            assert sum(v or 0 for v in row[start + 1:end]) == row[start], (form, head[1][start:end], row[start:end])
