"""Review 35: the changes of rounds 33–34 (git a07a97d..HEAD -- src), looked at for what they broke or missed.

Each failing test's docstring starts "DEFECT."; tests marked `# guard (passes)` hold behaviour that is right today.
"""

from __future__ import annotations

import json
from pathlib import Path

from conftest import household, make_id, make_return, member, run_hgn

HEAD_A, HEAD_B, HEAD_C = (make_id(serial=f"00{i}{i}{i}{i}") for i in (1, 2, 3))


# ------------------------------------------------------------------------------ moved-within-commune (round 33)
def test_departed_household_without_member_rows_beside_an_arrival_does_not_crash(tmp_path: Path) -> None:
    """DEFECT. A return with a household recorded "Chuyển đi" that has no member rows (its head's ID not known — the
    usual case: officers often drop a departed household's members) and a household recorded "Chuyển đến" with its
    head: `hgn classify` stops with "Lỗi nội bộ của hgn (IndexingError: Unalignable boolean Series …)", exit 4, and
    `hgn run` leaves the whole return out (file-check-failed). An officer expects the return classified (at most a
    moved-within-commune warning when the same head is on both rows).
    Cause: scoring/movements.py:_moved_within — `_unique_lookup(key[away & head.notna()], codes[away])` passes keys
    and values filtered by different masks (a departed household without a known head is in one, not the other)."""
    make_return(tmp_path / "in", [
        household(ma_ho="11284-0001"),
        household(ma_ho="11284-0002", tinh_trang_ho="Chuyển đi", ho_ten_chu_ho="Lê Văn Ba"),
        household(ma_ho="11284-0003", tinh_trang_ho="Chuyển đến", ho_ten_chu_ho="Trần Văn Cư")],
        [member(ma_ho="11284-0001"), member(ma_ho="11284-0003", so_dinh_danh=HEAD_C, ho_ten="Trần Văn Cư")])
    proc = run_hgn("classify", "in/11284_2024.xlsx", "--out", "c.xlsx", "--json", cwd=tmp_path)
    assert "Lỗi nội bộ" not in proc.stderr and proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["households"] == 3


def test_moved_within_commune_said_on_the_arrival(tmp_path: Path) -> None:
    # guard (passes)
    """One household recorded away and in under the same head in one commune: said once, on the arrival, naming the
    code it left."""
    make_return(tmp_path / "in", [
        household(ma_ho="11284-0001", tinh_trang_ho="Chuyển đi"),
        household(ma_ho="11284-0009", tinh_trang_ho="Chuyển đến", thon="Thôn Tây"),
        household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Ba")],
        [member(ma_ho="11284-0001"), member(ma_ho="11284-0009"),
         member(ma_ho="11284-0002", so_dinh_danh=HEAD_B, ho_ten="Lê Văn Ba")])
    proc = run_hgn("classify", "in/11284_2024.xlsx", "--out", "c.xlsx", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["findings_by_code"].get("moved-within-commune") == 1


# ---------------------------------------------------------------------- previous-head-elsewhere (round 33)
POOR = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
D25 = "15/09/2025"


def _start_list(path: Path, rows: list[list[str]]) -> Path:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    for r in [["Mã xã", "Mã hộ", "Phân loại", "Số định danh chủ hộ"], *rows]:
        ws.append(r)
    wb.save(path)
    return path


def test_household_of_a_split_old_commune_is_not_taken_for_one_whose_head_moved(tmp_path: Path) -> None:
    """DEFECT. Last year's list (old codes): 11011/0005 (head K) and 10528/0005 (head H), both poor. The reform put
    old 11011 wholly into the new ward 10537 and split old 10528 between 10532 and 10537. This year 10537 keeps
    K's household as "0005"; 10532 renumbered H's household "M12" (status resident, never moved). `hgn run
    --previous` (and `hgn classify` of both returns) now counts M12 as "Tăng khác" with no start and says
    previous-head-elsewhere ("its head heads a household … in another commune, where that household's code is
    still reviewed") — false: 10537's 0005 is K's household (matched by K's ID), not H's. The two poor households
    of the list give a start of 1 instead of 2; before round 33 M12 took its row's start ("Tiếp tục nghèo").
    An officer expects M12 "Tiếp tục nghèo", no previous-head-elsewhere.
    Cause: scoring/movements.py:arrived_unrecorded(home_present=True) takes a list row as "still reviewed at
    home" when its commune + code key is held by any household living there, even when that key is shared by two
    list rows (the split row placed by code, list_keys) and the household holding it is the other row's by its
    head's ID (_code_contradicted only sees unique keys)."""
    from hgn_review.pipeline import run_round

    root = tmp_path
    make_return(root / "in", [household(ma_ho="0005", ma_xa="10537", ngay_ra_soat=D25, thon="Khu 1", **POOR)],
                [member(ma_ho="0005", so_dinh_danh=HEAD_B, ho_ten="Người K")], name="10537.xlsx")
    make_return(root / "in", [household(ma_ho="M12", ma_xa="10532", ngay_ra_soat=D25, thon="Khu 2", **POOR)],
                [member(ma_ho="M12", so_dinh_danh=HEAD_A, ho_ten="Người H")], name="10532.xlsx")
    start = _start_list(root / "list.xlsx", [["11011", "0005", "Nghèo", HEAD_B], ["10528", "0005", "Nghèo", HEAD_A]])
    out = run_round(root / "in", root / "out", previous=start, jobs=1)
    hh = out.results.households
    moves = {str(r["ma_ho"]): (r["dau_ky"], r["dien_bien"]) for _, r in hh.iterrows()}
    said = [f.code for f in out.report.findings if f.code == "previous-head-elsewhere"]
    assert said == [] and moves["M12"] == ("Nghèo", "Tiếp tục nghèo"), (said, moves)


def test_head_moved_to_another_commune_is_an_increase_there(tmp_path: Path) -> None:
    # guard (passes)
    """The intended case: list row 11284/0001 (head A, poor) is still reviewed at home under a new head (A's wife);
    A now heads a household in 11287 (not recorded as moved in). Its start is 11284's: the 11287 household is an
    increase there, said previous-head-elsewhere; the list's one poor household gives one start."""
    from hgn_review.pipeline import run_round

    wife = make_id(female=True, serial="000444")
    make_return(tmp_path / "in", [household(ma_ho="0001", ma_xa="11284", **POOR)],
                [member(ma_ho="0001", so_dinh_danh=wife, ho_ten="Vợ A", gioi_tinh="Nữ", ngay_sinh="01/01/1982")],
                name="11284.xlsx")
    make_return(tmp_path / "in", [household(ma_ho="0007", ma_xa="11287", **POOR)],
                [member(ma_ho="0007", so_dinh_danh=HEAD_A)], name="11287.xlsx")
    start = _start_list(tmp_path / "list.xlsx", [["11284", "0001", "Nghèo", HEAD_A]])
    out = run_round(tmp_path / "in", tmp_path / "out", previous=start, jobs=1)
    hh = out.results.households
    moves = {(str(r["ma_xa"]), str(r["ma_ho"])): r["dien_bien"] for _, r in hh.iterrows()}
    assert moves == {("11284", "0001"): "Tiếp tục nghèo", ("11287", "0007"): "Tăng khác"}
    assert [f.value for f in out.report.findings if f.code == "previous-head-elsewhere"] == ["0007"]


# -------------------------------------------------------- population list: households without member rows (round 34)
def _list_notes(root: Path) -> list[str]:
    import openpyxl

    wb = openpyxl.load_workbook(root / "o" / "bao_cao" / "danh_sach_csdl_dan_cu.xlsx", read_only=True)
    return [str(r[0]) for r in wb["Ghi chú"].iter_rows(values_only=True) if r and r[0]]


def _app_beside_return(root: Path, second_size: int | None) -> list[str]:
    from conftest import app_row, make_app_return, ok

    make_return(root / "in", [household(**POOR)], [member()])
    make_app_return(root / "in", [app_row(ma_xa="11287", ma_ho="11287-0001", so_thanh_vien=4),
                                  app_row(ma_xa="11287", ma_ho="11287-0002", ho_ten_chu_ho="Lê Thị Cúc",
                                          so_thanh_vien=second_size)], name="11287_app.xlsx")
    ok(run_hgn("run", "in", "--out", "o", cwd=root))
    return [n for n in _list_notes(root) if "không có dòng thành viên" in n]


def test_population_list_note_counts_the_persons_it_lacks(tmp_path: Path) -> None:
    # guard (passes)
    """Two near-poor households of the application's export (sizes 4 and 2) beside a commune's return: the list's
    notes say their 2 heads are listed without IDs and 4 other persons are not on the list."""
    notes = _app_beside_return(tmp_path, 2)
    assert len(notes) == 1 and notes[0].startswith("2 hộ") and "4 người khác" in notes[0], notes


def test_population_list_note_does_not_subtract_a_head_for_a_household_of_unknown_size(tmp_path: Path) -> None:
    """DEFECT. The same, the second household's size left blank: the note says "2 người khác của các hộ đó … chưa có
    trong danh sách" — but the first household alone has 3 persons besides its head missing from the list (and the
    second an unknown number). The count subtracts one head for the household whose persons are not known (counted
    0 persons), so it falls short (with a first household of 2 it would vanish: "0 others"). An officer expects at
    least 3 (and a word that one household's size is not known).
    Cause: reports/population.py:write_list — `others = Σ {g}_pp_no_members − bare` takes one head off for every
    household without member rows, including those whose pp is 0 because their size is unknown
    (reports/view.py:_household_attributes sets pp_no_members from pp, 0 when the size is blank)."""
    import re

    notes = _app_beside_return(tmp_path, None)
    assert len(notes) == 1, notes
    said = re.search(r"(\d+) người khác", notes[0])
    assert said is not None and int(said.group(1)) >= 3, notes[0]


# -------------------------------------------------------------- hgn run --strict --json; --as-of refusal (rounds 33–34)
def test_strict_run_that_stops_prints_its_json_summary(tmp_path: Path) -> None:
    # guard (passes)
    """`hgn run --strict --json` over a return with an error: exit 1, stdout is one JSON object saying it stopped,
    the error counted and where phat_hien.xlsx is; the message goes to stderr."""
    make_return(tmp_path / "in", [household(thu_nhap_bq="abc")], [member()])
    proc = run_hgn("run", "in", "--out", "o", "--strict", "--json", cwd=tmp_path)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["stopped"] == "strict" and data["findings"]["error"] >= 1
    assert Path(tmp_path / data["outputs"]["phat_hien"][0]).exists()


def test_as_of_after_the_reform_over_a_return_reviewed_after_it_is_not_refused(tmp_path: Path) -> None:
    # guard (passes)
    """--as-of 01/10/2025 over a return reviewed on 15/09/2025 (new codes): validated, not refused."""
    make_return(tmp_path / "in", [household(ngay_ra_soat=D25)], [member()], name="11284_2025.xlsx")
    proc = run_hgn("validate", "in", "--as-of", "01/10/2025", "--json", cwd=tmp_path)
    assert proc.returncode in (0, 1) and "trước 1/7/2025" not in proc.stderr, proc.stderr
