"""Review 11: the round over two years and across the 1/7/2025 reform (domain.md §3, README merge/run/--previous).

Province 30, Thành phố Hải Dương (288), four wards whose fate in the reform differs (crosswalk-2025-07-01.csv):

    10507 Cẩm Thượng, 10510 Bình Hàn   → both whole into the new Phường Thành Đông (10507)
    10528 Trần Phú                     → split ("Nhập một phần") between Lê Thanh Nghị (10532) and Tân Hưng (10537)
    10531 Thanh Bình                   → whole into Lê Thanh Nghị (10532)

Year 1 (15/09/2024, old codes): in each ward household -0001 is poor and -0002 near-poor (10531: one poor).
Year 2 each poor household escapes (above near-poor) and each near-poor one becomes poor, written two ways:
  * "old":  returns of 20/06/2025 in the old codes, then re-expressed with `hgn merge --to-2025-units`;
  * "2025": returns of 15/09/2025 already in the 2025 codes (10528-0001, village Khu 1, in 10532; 10528-0002,
    village Khu 2, in 10537).
Both are run with `--previous` last year's results. Smaller scenarios (renumbered codes, an unrecorded move, a
province of two districts run at once and merged from district runs) are built per test.

Tests marked "# guard (passes)" pin behaviour that holds; every other test fails on the code as reviewed.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import household, make_id, make_return, member, ok, run_hgn

pytestmark = pytest.mark.slow

POOR: dict[str, Any] = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
NEAR: dict[str, Any] = {"thu_nhap_bq": 1_000_000}
ABOVE: dict[str, Any] = {"thu_nhap_bq": 5_000_000}
KIND = {"P": POOR, "N": NEAR, "A": ABOVE}
ID = {k: make_id(serial=f"0011{i:02d}") for i, k in enumerate("ABCDEFGHIJKLMNOP", 1)}
LAST, THIS, AFTER = "15/09/2024", "20/06/2025", "15/09/2025"
# ward -> [(kind last year, start class written last year, head)]
YEAR1 = {"10507": [("P", "Nghèo", "A"), ("N", "Cận nghèo", "B")],
         "10510": [("P", "Nghèo", "C"), ("N", "Cận nghèo", "D")],
         "10528": [("P", "Nghèo", "E"), ("N", "Cận nghèo", "F")],
         "10531": [("P", "Nghèo", "G")]}
MOVE_COLS = slice(2, 15)  # form 02/03: start, decreases (5 cols), increases (6 cols), end
OLD_TO_NEW_NAMES = {"Phường Thành Đông": ("Phường Cẩm Thượng", "Phường Bình Hàn")}


def _head(code: str, who: str) -> dict[str, Any]:
    return member(ma_ho=code, so_dinh_danh=ID[who], ho_ten=f"Người {who}")


def _hh(date: str, **kw: Any) -> dict[str, Any]:
    return household(ngay_ra_soat=date, **kw)


def _run(inp: Path, out: Path, *extra: object) -> Any:
    return run_hgn("run", inp, "--out", out, "--jobs", "1", *extra, cwd=inp.parent)


def _households(out: Path) -> pd.DataFrame:
    h = pd.read_parquet(out / "ket_qua" / "households.parquet")
    return h.set_index(h["ma_xa"].astype(str) + "/" + h["ma_ho"].astype(str))


def _moves(out: Path) -> dict[str, tuple[Any, Any]]:
    h = _households(out)
    return {k: (None if pd.isna(a) else a, None if pd.isna(b) else b)
            for k, a, b in zip(h.index, h["dau_ky"], h["dien_bien"], strict=True)}


def _form(path: Path) -> dict[str, list[Any]]:
    """Rows of a form below its A, B, 1 … key row that hold figures, keyed by the unit name (and 'Tổng cộng')."""
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows, body = {}, False
    for r in ws.iter_rows(values_only=True):
        if r and r[0] == "A" and len(r) > 1 and r[1] == "B":
            body = True
            continue
        if body and len(r) > 2 and isinstance(r[1], str) and r[2] is not None:
            rows[r[1]] = list(r)
    return rows


def _form_text(path: Path) -> str:
    ws = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    return "\n".join(str(v) for r in ws.iter_rows(values_only=True) for v in r if v is not None)


def _findings(out: Path) -> pd.DataFrame:
    f = pd.read_excel(out / "phat_hien.xlsx", sheet_name=0)
    return f[~f["Mã lỗi"].astype(str).str.startswith("merge-unit")]


def _merge_json(*args: object, cwd: Path) -> dict[str, Any]:
    proc = run_hgn("merge", *args, "--json", cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return json.loads(proc.stdout)


# ------------------------------------------------------------------------------------------ fixture
@pytest.fixture(scope="module")
def r(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("r11years")
    for c, rows in YEAR1.items():
        codes = [f"{c}-{i:04d}" for i in range(1, len(rows) + 1)]
        make_return(root / "y1", [_hh(LAST, ma_ho=k, ma_xa=c, phan_loai_dau_ky=s, thon=f"Khu {i}", **KIND[kind])
                                  for i, (k, (kind, s, _w)) in enumerate(zip(codes, rows, strict=True), 1)],
                    [_head(k, w) for k, (_kind, _s, w) in zip(codes, rows, strict=True)], name=f"{c}.xlsx")
        # year 2 in the old codes: poor -> above, near-poor -> poor
        make_return(root / "y2", [_hh(THIS, ma_ho=k, ma_xa=c, thon=f"Khu {i}", **(ABOVE if kind == "P" else POOR))
                                  for i, (k, (kind, _s, _w)) in enumerate(zip(codes, rows, strict=True), 1)],
                    [_head(k, w) for k, (_kind, _s, w) in zip(codes, rows, strict=True)], name=f"{c}.xlsx")
    ok(_run(root / "y1", root / "o1"))
    ok(_run(root / "y2", root / "o2", "--previous", root / "o1" / "ket_qua"))

    # year 2 already in the 2025 codes
    def h(c: str, code: str, kind: str, **kw: Any) -> dict[str, Any]:
        return _hh(AFTER, ma_ho=code, ma_xa=c, **KIND[kind], **kw)

    make_return(root / "y25", [h("10507", "10507-0001", "A"), h("10507", "10507-0002", "P"),
                               h("10507", "10510-0001", "A"), h("10507", "10510-0002", "P")],
                [_head("10507-0001", "A"), _head("10507-0002", "B"), _head("10510-0001", "C"),
                 _head("10510-0002", "D")], name="10507.xlsx")
    make_return(root / "y25", [h("10532", "10528-0001", "A", thon="Khu 1"), h("10532", "10531-0001", "A")],
                [_head("10528-0001", "E"), _head("10531-0001", "G")], name="10532.xlsx")
    make_return(root / "y25", [h("10537", "10528-0002", "P", thon="Khu 2")], [_head("10528-0002", "F")],
                name="10537.xlsx")
    ok(_run(root / "y25", root / "o25", "--previous", root / "o1" / "ket_qua"))

    # year 2 (old codes) re-expressed in the 2025 units: without a mapping, and with one for the split ward
    (root / "m25.json").write_text(json.dumps(_merge_json(root / "o2" / "ket_qua", "--to-2025-units", "--out",
                                                          root / "m25.xlsx", cwd=root)))
    ok(run_hgn("report", root / "m25.xlsx", "--out-dir", root / "rep25", cwd=root))
    (root / "map.csv").write_text("ma_xa_cu,thon,ma_xa_moi\n10528,Khu 1,10532\n10528,Khu 2,10537\n", "utf-8")
    (root / "mm25.json").write_text(json.dumps(_merge_json(root / "o2" / "ket_qua", "--to-2025-units", "--mapping",
                                                           root / "map.csv", "--out", root / "mm25.xlsx", cwd=root)))
    ok(run_hgn("report", root / "mm25.xlsx", "--out-dir", root / "repm25", cwd=root))
    return root


EXPECTED_OLD = {
    "10507/10507-0001": ("Nghèo", "Thoát nghèo (trên cận nghèo)"), "10507/10507-0002": ("Cận nghèo", "Cận nghèo thành nghèo"),
    "10510/10510-0001": ("Nghèo", "Thoát nghèo (trên cận nghèo)"), "10510/10510-0002": ("Cận nghèo", "Cận nghèo thành nghèo"),
    "10528/10528-0001": ("Nghèo", "Thoát nghèo (trên cận nghèo)"), "10528/10528-0002": ("Cận nghèo", "Cận nghèo thành nghèo"),
    "10531/10531-0001": ("Nghèo", "Thoát nghèo (trên cận nghèo)"),
}
EXPECTED_2025 = {
    "10507/10507-0001": ("Nghèo", "Thoát nghèo (trên cận nghèo)"), "10507/10507-0002": ("Cận nghèo", "Cận nghèo thành nghèo"),
    "10507/10510-0001": ("Nghèo", "Thoát nghèo (trên cận nghèo)"), "10507/10510-0002": ("Cận nghèo", "Cận nghèo thành nghèo"),
    "10532/10528-0001": ("Nghèo", "Thoát nghèo (trên cận nghèo)"), "10532/10531-0001": ("Nghèo", "Thoát nghèo (trên cận nghèo)"),
    "10537/10528-0002": ("Cận nghèo", "Cận nghèo thành nghèo"),
}


# ------------------------------------------------------------------------------------------ household movements
def test_each_households_movement_in_the_old_units(r: Path) -> None:
    # guard (passes)
    """Every household's start class and movement, worked by hand, in the round written in the old codes."""
    assert _moves(r / "o2") == EXPECTED_OLD
    assert _findings(r / "o2").empty


def test_each_households_movement_when_year_two_is_written_in_the_2025_codes(r: Path) -> None:
    # guard (passes)
    """Year 2 written in the 2025 codes while year 1 used the old ones: old 10510's households are found through
    the crosswalk in new 10507, the split ward 10528's households by their code in the new ward that has them."""
    assert _moves(r / "o25") == EXPECTED_2025
    assert _findings(r / "o25").empty


@pytest.mark.parametrize("form, table", [("bieu_02.xlsx", "Nghèo"), ("bieu_03.xlsx", "Cận nghèo")])
def test_movement_forms_balance_and_equal_household_movements(r: Path, form: str, table: str) -> None:
    # guard (passes)
    """Forms 02/03 (old units): each ward's row and the total balance (13 = 1 − 2 + 7, 2 = 3..6, 7 = 8..12) and
    equal the movement table recomputed from ket_qua's households."""
    from hgn_review.scoring.movements import movement_tables

    rows = _form(r / "o2" / "bao_cao" / form)
    hh = pd.read_parquet(r / "o2" / "ket_qua" / "households.parquet")
    t = movement_tables(hh, by="ma_xa")
    t = t[t["bang"] == table].set_index("ma_xa")
    names = {"10507": "Phường Cẩm Thượng", "10510": "Phường Bình Hàn", "10528": "Phường Trần Phú",
             "10531": "Phường Thanh Bình"}
    cols = ["dau_ky", "giam", "giam_sang_bang_kia", "giam_thoat", "giam_khac", "giam_chua_ro", "tang",
            "tang_tu_bang_kia", "tang_moi", "tang_tai", "tang_khac", "tang_chua_ro", "cuoi_ky"]
    for code, name in names.items():
        assert rows[name][MOVE_COLS] == [int(t.at[code, c]) for c in cols], name
    for name, row in rows.items():
        start, dec, inc, end = row[2], row[3], row[8], row[14]
        assert dec == sum(row[4:8]) and inc == sum(row[9:14]) and end == start - dec + inc, name
    assert rows["Tổng cộng"][MOVE_COLS] == [sum(rows[n][i] for n in names.values()) for i in range(2, 15)]


# ------------------------------------------------------------------------------------------ --to-2025-units
@pytest.mark.parametrize("form", ["bieu_01.xlsx", "bieu_02.xlsx", "bieu_03.xlsx"])
def test_a_new_ward_made_of_whole_old_wards_is_their_sum(r: Path, form: str) -> None:
    # guard (passes)
    """The old-code round re-expressed in the 2025 units: Thành Đông's row = Cẩm Thượng's + Bình Hàn's (counts)."""
    old, new = _form(r / "o2" / "bao_cao" / form), _form(r / "rep25" / form)
    counts = (2, 3, 4, 6, 8, 10, 12, 14) if form == "bieu_01.xlsx" else range(2, 15)  # not the rate columns
    for name, parts in OLD_TO_NEW_NAMES.items():
        for i in counts:
            assert new[name][i] == sum(old[p][i] for p in parts), (name, i)


def test_a_split_ward_without_mapping_waits_and_is_reconciled(r: Path) -> None:
    # guard (passes)
    """Trần Phú (10528) is split between two new wards: without --mapping its two households wait (Chờ quy đổi):
    counted in the reconciliation (in = out + waiting), in no new ward's figures, and not lost."""
    summary = json.loads((r / "m25.json").read_text())
    assert summary["reconciled"] is True and summary["movements_balanced"] is True
    assert summary["crosswalk_pending"]["households"] == 2
    assert summary["households"] == 7 - 2
    rec = pd.read_excel(r / "m25.xlsx", sheet_name="Đối chiếu").iloc[1:]
    top = rec[rec["Phân loại"] == "Tổng"].iloc[-1]
    assert (int(top["Số hộ đầu vào"]), int(top["Số hộ đầu ra"]), int(top["Số hộ chờ quy đổi"])) == (7, 5, 2)
    old, new = _form(r / "o2" / "bao_cao" / "bieu_02.xlsx"), _form(r / "rep25" / "bieu_02.xlsx")
    assert new["Tổng cộng"][2] == old["Tổng cộng"][2] - old["Phường Trần Phú"][2]


def test_the_partial_note_does_not_count_an_old_ward_whose_households_all_wait(r: Path) -> None:
    """Without --mapping every household of the split ward Trần Phú (10528) waits in "Chờ quy đổi": none is in
    the figures of Lê Thanh Nghị (10532, made of 10528 part, 10531, 10532, 10534). Its row counts only Thanh Bình
    (10531) — 1 of its 4 old wards. Form 02's note says "Phường Lê Thanh Nghị (2/4 xã cũ)": README, report:
    "a 2025 commune row counting only some of the old communes it was made of — says how many" — it says one
    too many, so the officer believes Trần Phú's households are in that row. (The merge's "Phạm vi" sheet lists
    10528 as present for 10532 and for 10537 — merge/__init__ coverage — though none of its households is in
    either; reports/view._coverage counts from that.)"""
    note = _form_text(r / "rep25" / "bieu_02.xlsx")
    assert "Phường Lê Thanh Nghị (2/4 xã cũ)" not in note, note[-600:]
    rows = _form(r / "rep25" / "bieu_01.xlsx")
    assert rows["Phường Lê Thanh Nghị"][2] == 1  # Thanh Bình's one household only


@pytest.mark.parametrize("form", ["bieu_01.xlsx", "bieu_02.xlsx", "bieu_03.xlsx"])
def test_old_units_with_a_mapping_equal_the_round_written_in_2025_codes(r: Path, form: str) -> None:
    # guard (passes)
    """With a --mapping placing Khu 1 of 10528 in 10532 and Khu 2 in 10537, the old-code round re-expressed in
    the 2025 units gives the same rows as the round whose returns were written in the 2025 codes."""
    mapped = _form(r / "repm25" / form)
    direct = _form(r / "o25" / "bao_cao" / form)
    assert mapped == direct
    summary = json.loads((r / "mm25.json").read_text())
    assert summary["crosswalk_pending"]["households"] == 0 and summary["households"] == 7


# ------------------------------------------------------------------------------------------ --previous forms
@pytest.mark.parametrize("kind", ["ket_qua", "out_folder", "merged_xlsx", "merged_parquet", "classify_xlsx"])
def test_every_accepted_previous_form_gives_the_same_round(r: Path, tmp_path: Path, kind: str) -> None:
    # guard (passes)
    """--previous as last year's ket_qua/, its whole output folder, `hgn merge --out x.xlsx`, `hgn merge
    --parquet DIR` and `hgn classify --out x.xlsx`: the same start classes and movements."""
    src = {"ket_qua": r / "o1" / "ket_qua", "out_folder": r / "o1"}.get(kind)
    if kind in ("merged_xlsx", "merged_parquet"):
        _merge_json(r / "o1" / "ket_qua", "--out", tmp_path / "m.xlsx", "--parquet", tmp_path / "pq", cwd=tmp_path)
        src = tmp_path / ("m.xlsx" if kind == "merged_xlsx" else "pq")
    if kind == "classify_xlsx":
        ok(run_hgn("classify", *sorted((r / "y1").glob("*.xlsx")), "--out", tmp_path / "c.xlsx", cwd=tmp_path))
        src = tmp_path / "c.xlsx"
    assert src is not None and src.exists()
    inp = tmp_path / "y2"
    shutil.copytree(r / "y2", inp)
    ok(_run(inp, tmp_path / "out", "--previous", src))
    assert _moves(tmp_path / "out") == EXPECTED_OLD
    assert _findings(tmp_path / "out").empty


def test_last_years_results_in_the_2025_units_as_previous_keep_the_split_wards_households(r: Path,
                                                                                          tmp_path: Path) -> None:
    """To start the first round after the reform in the new units, the officer re-expresses last year's results
    with `hgn merge o1/ket_qua --to-2025-units --out ket_qua_2024_moi.xlsx` (README) and gives that results file
    as --previous (the refusal hint itself says "tệp kết quả của hgn classify / hgn merge"). The split ward
    Trần Phú's two households wait in that file's "Chờ quy đổi" sheet — with their code, old ward and class —
    and are then missing from the start list: 10528-0001 (poor last year, escaped) gets start "Không" and no
    movement, 10528-0002 (near-poor, now poor) becomes "Nghèo mới" instead of "Cận nghèo thành nghèo"; each only
    warned "previous-unmatched" (not on the start list — it is, in the same file). The province's poor start is
    one short. With last year's ket_qua/ itself the same returns give the right movements (guard above).
    Cause: pipeline.load_status_list reads only res.households, not the waiting households."""
    prev = tmp_path / "ket_qua_2024_moi.xlsx"
    _merge_json(r / "o1" / "ket_qua", "--to-2025-units", "--out", prev, cwd=tmp_path)
    inp = tmp_path / "y25"
    shutil.copytree(r / "y25", inp)
    ok(_run(inp, tmp_path / "out", "--previous", prev))
    got = _moves(tmp_path / "out")
    assert got["10532/10528-0001"] == EXPECTED_2025["10532/10528-0001"]
    assert got["10537/10528-0002"] == EXPECTED_2025["10537/10528-0002"]


# ------------------------------------------------------------------------------------------ renumbered, moved
def test_household_codes_shifted_by_renumbering_do_not_take_anothers_start_class(tmp_path: Path) -> None:
    """Last year 11284 managed 0001 (poor, head A), 0002 (near-poor, head B), 0003 (near-poor, head C). This year
    A's household is gone from the return (dissolved, not listed) and the commune renumbered the rest: B's
    household is now 0001, C's 0002 (the heads' IDs say so). hgn matches by code first: B's household takes A's
    "Nghèo" and is counted "Thoát nghèo sang cận nghèo" (it was near-poor both years: "Tiếp tục cận nghèo"), and
    A's poor household vanishes from the round without a word — no previous-not-reviewed, no finding at all
    (list row 0001 counts as seen through its code). domain.md §3: movements from each household's class at the
    start; movements.not_reviewed: "a managed household must be reviewed … never dropped from the start-of-period
    figures silently". The code/head contradiction must at least be reported, and A's household not be silently
    lost. Cause: scoring/movements.match_status / not_reviewed (a code match wins over a contradicting head ID)."""
    make_return(tmp_path / "y1", [_hh(LAST, ma_ho="0001", phan_loai_dau_ky="Nghèo", **POOR),
                                  _hh(LAST, ma_ho="0002", phan_loai_dau_ky="Cận nghèo", **NEAR),
                                  _hh(LAST, ma_ho="0003", phan_loai_dau_ky="Cận nghèo", **NEAR)],
                [_head("0001", "A"), _head("0002", "B"), _head("0003", "C")], name="11284.xlsx")
    ok(_run(tmp_path / "y1", tmp_path / "o1"))
    make_return(tmp_path / "y2", [_hh(THIS, ma_ho="0001", **NEAR), _hh(THIS, ma_ho="0002", **ABOVE)],
                [_head("0001", "B"), _head("0002", "C")], name="11284.xlsx")
    ok(_run(tmp_path / "y2", tmp_path / "o2", "--previous", tmp_path / "o1" / "ket_qua"))
    got = _moves(tmp_path / "o2")
    found = _findings(tmp_path / "o2")
    said = set(found["Mã lỗi"].astype(str))
    assert got["11284/0001"] == ("Cận nghèo", "Tiếp tục cận nghèo") or said - {"merge-unit-missing"}, (got, said)
    assert "previous-not-reviewed" in said or any(c.startswith("previous") for c in said), (got, said)


def test_a_move_between_communes_not_recorded_as_such_is_not_silent(tmp_path: Path) -> None:
    """Last year 11284 managed two poor households (A1 head A, A2 head B); 11287 one near-poor (B1). This year A2
    lives in 11287 as B2, but neither commune wrote the move (11284 simply left it out; 11287 wrote it
    "Đang cư trú", not "Chuyển đến"). hgn matches B2 to A2's row by its head's ID across communes: 11284's poor
    start becomes 1 and 11287's 1 (last year's ends: 2 and 0) and the round says nothing — no finding at all.
    domain.md §3: a move is an "other decrease" where it left and an "other increase" where it came; per-commune
    tables must start from the managed list. movements.not_reviewed itself says the commune a household left
    "must still record it, as moved away (else its start figure is one short and the move a bare increase)" —
    that is only enforced when the other commune wrote "Chuyển đến". The unrecorded move must be reported (A2 not
    reviewed in 11284, or B2 matched to another commune's household)."""
    make_return(tmp_path / "y1", [_hh(LAST, ma_ho="A1", ma_xa="11284", phan_loai_dau_ky="Nghèo", **POOR),
                                  _hh(LAST, ma_ho="A2", ma_xa="11284", phan_loai_dau_ky="Nghèo", **POOR)],
                [_head("A1", "A"), _head("A2", "B")], name="11284.xlsx")
    make_return(tmp_path / "y1", [_hh(LAST, ma_ho="B1", ma_xa="11287", phan_loai_dau_ky="Cận nghèo", **NEAR)],
                [_head("B1", "C")], name="11287.xlsx")
    ok(_run(tmp_path / "y1", tmp_path / "o1"))
    make_return(tmp_path / "y2", [_hh(THIS, ma_ho="A1", ma_xa="11284", **POOR)], [_head("A1", "A")],
                name="11284.xlsx")
    make_return(tmp_path / "y2", [_hh(THIS, ma_ho="B1", ma_xa="11287", **NEAR),
                                  _hh(THIS, ma_ho="B2", ma_xa="11287", **POOR)],
                [_head("B1", "C"), _head("B2", "B")], name="11287.xlsx")
    ok(_run(tmp_path / "y2", tmp_path / "o2", "--previous", tmp_path / "o1" / "ket_qua"))
    found = _findings(tmp_path / "o2")
    values = set(found["Giá trị"].astype(str))
    assert values & {"A2", "B2"}, found[["Mã lỗi", "Giá trị"]].to_string()


# ------------------------------------------------------------------------------------------ province = sum of districts
def test_year_two_province_run_equals_district_runs_merged(tmp_path: Path) -> None:
    # guard (passes)
    """Year 2 with --previous, two districts (Thanh Miện 300: 11284, 11287; Gia Lộc 297: 11008), one household
    moving from 11284 (Chuyển đi) to 11008 (Chuyển đến): `hgn run` on the province folder and `hgn run` per
    district + `hgn merge` + `hgn report` give the same forms 01–03; the total is the sum of the districts."""
    y1, y2 = tmp_path / "y1", tmp_path / "y2"
    make_return(y1 / "300", [_hh(LAST, ma_ho="A1", ma_xa="11284", phan_loai_dau_ky="Nghèo", **POOR),
                             _hh(LAST, ma_ho="A2", ma_xa="11284", phan_loai_dau_ky="Cận nghèo", **NEAR),
                             _hh(LAST, ma_ho="A3", ma_xa="11284", phan_loai_dau_ky="Nghèo", **POOR)],
                [_head("A1", "A"), _head("A2", "B"), _head("A3", "C")], name="11284.xlsx")
    make_return(y1 / "300", [_hh(LAST, ma_ho="B1", ma_xa="11287", phan_loai_dau_ky="Nghèo", **POOR)],
                [_head("B1", "D")], name="11287.xlsx")
    make_return(y1 / "297", [_hh(LAST, ma_ho="C1", ma_xa="11008", phan_loai_dau_ky="Cận nghèo", **NEAR)],
                [_head("C1", "E")], name="11008.xlsx")
    make_return(y2 / "300", [_hh(THIS, ma_ho="A1", ma_xa="11284", **ABOVE), _hh(THIS, ma_ho="A2", ma_xa="11284", **POOR),
                             _hh(THIS, ma_ho="A3", ma_xa="11284", tinh_trang_ho="Chuyển đi", **POOR)],
                [_head("A1", "A"), _head("A2", "B"), _head("A3", "C")], name="11284.xlsx")
    make_return(y2 / "300", [_hh(THIS, ma_ho="B1", ma_xa="11287", **POOR)], [_head("B1", "D")], name="11287.xlsx")
    make_return(y2 / "297", [_hh(THIS, ma_ho="C1", ma_xa="11008", **NEAR),
                             _hh(THIS, ma_ho="C9", ma_xa="11008", tinh_trang_ho="Chuyển đến", **POOR)],
                [_head("C1", "E"), _head("C9", "C")], name="11008.xlsx")
    ok(_run(y1, tmp_path / "o1"))
    prev = tmp_path / "o1" / "ket_qua"
    ok(_run(y2, tmp_path / "o2", "--previous", prev))
    for d in ("300", "297"):
        ok(run_hgn("run", y2 / d, "--out", tmp_path / f"o2_{d}", "--jobs", "1", "--previous", prev, cwd=tmp_path))
    summary = _merge_json(tmp_path / "o2_300" / "ket_qua", tmp_path / "o2_297" / "ket_qua", "--out",
                          tmp_path / "m.xlsx", cwd=tmp_path)
    assert summary["reconciled"] is True and summary["movements_balanced"] is True
    ok(run_hgn("report", tmp_path / "m.xlsx", "--out-dir", tmp_path / "rep", cwd=tmp_path))
    for form in ("bieu_01.xlsx", "bieu_02.xlsx", "bieu_03.xlsx"):
        a, b = _form(tmp_path / "o2" / "bao_cao" / form), _form(tmp_path / "rep" / form)
        assert a == b, form
        counts = range(2, 15) if form != "bieu_01.xlsx" else (2, 3, 4, 6, 8, 10, 12, 14)
        for i in counts:
            assert a["Tổng cộng"][i] == a["Huyện Thanh Miện"][i] + a["Huyện Gia Lộc"][i], (form, i)
    poor = _form(tmp_path / "o2" / "bao_cao" / "bieu_02.xlsx")
    assert poor["Huyện Thanh Miện"][MOVE_COLS] == [3, 2, 0, 1, 1, 0, 1, 1, 0, 0, 0, 0, 2]
    assert poor["Huyện Gia Lộc"][MOVE_COLS] == [0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1]
