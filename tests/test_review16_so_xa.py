"""Review 16: `hgn run --commune-workbooks` — each commune's classified workbook in so_xa/, to send back to it.

What is checked: one workbook per commune, holding exactly that commune's households, members and findings (the
round's checks across returns included) and equal to ket_qua/ for its rows; nothing of another commune; a re-run
after a return changes or is removed; the findings sheet in English with --lang en.

A failing test states the defect in its docstring. Tests marked `# guard (passes)` hold behaviour that works today.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from conftest import household, make_id, make_return, member
from hgn_review.pipeline import run_round

NEAR: dict[str, Any] = {"thu_nhap_bq": 1_000_000}  # under the rural line, no deprivation: Cận nghèo


def _sheet(path: Path, name: str) -> pd.DataFrame:
    """A results sheet as written: labels on row 1, keys on row 2, data below."""
    wb = openpyxl.load_workbook(path, read_only=True)
    rows = list(wb[name].iter_rows(values_only=True))
    wb.close()
    return pd.DataFrame(rows[2:], columns=list(rows[1]))


def _texts(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    out = [str(v) for ws in wb.worksheets for r in ws.iter_rows(values_only=True) for v in r if v is not None]
    wb.close()
    return "\n".join(out)


def _norm(v: Any) -> Any:
    return None if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)


def _two_communes(folder: Path) -> tuple[Path, str]:
    """11284 records its near-poor household 11284-0001 (head H) as moved away; H now heads 11287-0005, the move
    not written. The start list also has 11287-0099 (poor), which no return holds. 11284-0002 and 11287-0006 hold
    the same personal ID. Returns the start list and H."""
    h, dup = make_id(serial="770001"), make_id(serial="880001")
    make_return(folder / "in", households=[
        household(ma_ho="11284-0001", tinh_trang_ho="Chuyển đi", **NEAR),
        household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Bích")],
        members=[member(ma_ho="11284-0001", so_dinh_danh=h),
                 member(ma_ho="11284-0002", ho_ten="Lê Văn Bích", so_dinh_danh=dup)], name="a.xlsx")
    make_return(folder / "in", households=[
        household(ma_ho="11287-0005", ma_xa="11287", ho_ten_chu_ho="Phạm Văn Cường", **NEAR),
        household(ma_ho="11287-0006", ma_xa="11287", ho_ten_chu_ho="Đỗ Thị Dung")],
        members=[member(ma_ho="11287-0005", ho_ten="Phạm Văn Cường", so_dinh_danh=h),
                 member(ma_ho="11287-0006", ho_ten="Đỗ Thị Dung", so_dinh_danh=dup)], name="b.xlsx")
    start = folder / "dau_ky.xlsx"
    pd.DataFrame({"Mã xã": ["11284", "11287"], "Mã hộ": ["11284-0001", "11287-0099"],
                  "Phân loại": ["Cận nghèo", "Hộ nghèo"],
                  "Số định danh chủ hộ": [h, make_id(serial="990001")]}).to_excel(start, index=False)
    return start, h


# ------------------------------------------------------------------------------------ a sample district
def test_sample_district_one_workbook_per_commune_equal_to_ket_qua(tmp_path: Path) -> None:
    # guard (passes): a sample district of 3 communes with errors: one workbook per commune, named by its code and
    # name (as the sample's returns are: "10507_phuong_cam_thuong");
    # each holds exactly its commune's households and members (class, reasons, movement as in ket_qua/) and the
    # findings ket_qua/ has on its return, nothing of another commune's return
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "hgn_review", "sample", "--out", str(tmp_path / "in"), "--communes", "3",
                    "--households", "12", "--error-rate", "0.1", "--seed", "3"], check=True, capture_output=True)
    run_round(tmp_path / "in", tmp_path / "out", jobs=1, commune_workbooks=True)
    kh = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet")
    km = pd.read_parquet(tmp_path / "out" / "ket_qua" / "members.parquet")
    kf = pd.read_parquet(tmp_path / "out" / "ket_qua" / "findings.parquet")
    books = sorted((tmp_path / "out" / "so_xa").glob("*.xlsx"))
    returns = sorted(p.stem for p in (tmp_path / "in").glob("*.xlsx"))
    assert [b.name for b in books] == [f"{r}_ket_qua.xlsx" for r in returns]
    assert [b.name[:5] for b in books] == sorted(kh["ma_xa"].astype(str).unique())
    for book in books:
        code = book.name[:5]
        hh, mm, ff = _sheet(book, "Hộ gia đình"), _sheet(book, "Thành viên"), _sheet(book, "Phát hiện")
        k_hh = kh[kh["ma_xa"].astype(str) == code]
        k_mm = km[km["ma_xa"].astype(str) == code]
        assert set(hh["ma_xa"].astype(str)) == {code} and set(mm["ma_xa"].astype(str)) == {code}
        assert len(hh["file"].unique()) == 1
        for c in ("ma_ho", "phan_loai", "ly_do", "dau_ky", "dien_bien"):
            assert [_norm(v) for v in hh[c]] == [_norm(v) for v in k_hh[c]], (code, c)
        for c in ("ma_ho", "ho_ten", "so_dinh_danh", "phan_loai"):
            assert [_norm(v) for v in mm[c]] == [_norm(v) for v in k_mm[c]], (code, c)
        mine = kf[kf["file"].astype(str) == str(hh["file"].iloc[0])]
        assert sorted(ff["code"]) == sorted(mine["code"]), code


# ------------------------------------------------------------------------------------ the round's checks
def test_round_level_findings_reach_the_right_commune_only(tmp_path: Path) -> None:
    # guard (passes): the same ID in both communes' returns is said in both workbooks; the start list's household
    # 11287-0099 not reviewed is in 11287's; 11284's workbook holds no name or household code of 11287
    start, _h = _two_communes(tmp_path)
    run_round(tmp_path / "in", tmp_path / "out", previous=start, jobs=1, commune_workbooks=True)
    so_xa = tmp_path / "out" / "so_xa"
    assert sorted(p.name for p in so_xa.iterdir()) == ["11284_xa_chi_lang_nam_ket_qua.xlsx", "11287_xa_thanh_giang_ket_qua.xlsx"]
    a, b = _sheet(so_xa / "11284_xa_chi_lang_nam_ket_qua.xlsx", "Phát hiện"), _sheet(so_xa / "11287_xa_thanh_giang_ket_qua.xlsx", "Phát hiện")
    assert "id-duplicate-batch" in set(a["code"]) and "id-duplicate-batch" in set(b["code"])
    assert ("previous-not-reviewed", "11287-0099") in set(zip(b["code"], b["value"], strict=True))
    assert "11287-0099" not in _texts(so_xa / "11284_xa_chi_lang_nam_ket_qua.xlsx")
    text_a = _texts(so_xa / "11284_xa_chi_lang_nam_ket_qua.xlsx")
    for other in ("Phạm Văn Cường", "Đỗ Thị Dung", "11287-0005", "11287-0006", "in/b.xlsx"):
        assert other not in text_a, other


def test_unrecorded_arrival_has_the_same_movement_in_so_xa_as_in_ket_qua(tmp_path: Path) -> None:
    """DEFECT: after the merge, `hgn run --previous` counts 11287-0005 (its head left 11284, which recorded the
    move) as moved in: ket_qua/ gives it no start and "Tăng khác", and 11287's findings say "hộ được tính là chuyển
    đến (tăng khác), không tính vào số đầu kỳ của xã này". But so_xa/11287_xa_thanh_giang_ket_qua.xlsx — the workbook sent back to
    11287 — still gives it start "Cận nghèo" and "Tiếp tục cận nghèo", and its "Diễn biến" sheet counts it in the
    commune's start (1): the workbook contradicts its own finding and the district's ket_qua/ and forms. Cause:
    pipeline.py:_run_round — the commune workbooks are made from each return's bundle as classified alone
    (read_bundle), not from the merged households that _count_arrivals corrected."""
    start, _h = _two_communes(tmp_path)
    run_round(tmp_path / "in", tmp_path / "out", previous=start, jobs=1, commune_workbooks=True)
    kh = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet").set_index("ma_ho")
    want = (_norm(kh.at["11287-0005", "dau_ky"]), _norm(kh.at["11287-0005", "dien_bien"]))
    assert want == (None, "Tăng khác")  # ket_qua/: the arrival
    book = tmp_path / "out" / "so_xa" / "11287_xa_thanh_giang_ket_qua.xlsx"
    assert "previous-moved-in-unrecorded" in set(_sheet(book, "Phát hiện")["code"])
    hh = _sheet(book, "Hộ gia đình").set_index("ma_ho")
    got = (_norm(hh.at["11287-0005", "dau_ky"]), _norm(hh.at["11287-0005", "dien_bien"]))
    assert got == want, f"so_xa/11287: {got}, ket_qua/: {want}"


# ------------------------------------------------------------------------------------ re-run
def test_rerun_updates_the_changed_commune_and_drops_the_removed_one(tmp_path: Path) -> None:
    # guard (passes): 11287's return changes (a household's income now above the line), 11284's is removed: so_xa/
    # holds 11287's workbook with the new class and no 11284 workbook
    start, _h = _two_communes(tmp_path)
    run_round(tmp_path / "in", tmp_path / "out", jobs=1, commune_workbooks=True)
    (tmp_path / "in" / "a.xlsx").unlink()
    make_return(tmp_path / "in", households=[
        household(ma_ho="11287-0005", ma_xa="11287", ho_ten_chu_ho="Phạm Văn Cường", thu_nhap_bq=9_000_000),
        household(ma_ho="11287-0006", ma_xa="11287", ho_ten_chu_ho="Đỗ Thị Dung")],
        members=[member(ma_ho="11287-0005", ho_ten="Phạm Văn Cường", so_dinh_danh=make_id(serial="770001")),
                 member(ma_ho="11287-0006", ho_ten="Đỗ Thị Dung", so_dinh_danh=make_id(serial="880001"))],
        name="b.xlsx")
    run_round(tmp_path / "in", tmp_path / "out", jobs=1, commune_workbooks=True)
    so_xa = tmp_path / "out" / "so_xa"
    assert sorted(p.name for p in so_xa.iterdir()) == ["11287_xa_thanh_giang_ket_qua.xlsx"]
    hh = _sheet(so_xa / "11287_xa_thanh_giang_ket_qua.xlsx", "Hộ gia đình").set_index("ma_ho")
    kh = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet").set_index("ma_ho")
    assert hh.at["11287-0005", "phan_loai"] == kh.at["11287-0005", "phan_loai"] == "Không nghèo"
    assert "id-duplicate-batch" not in set(_sheet(so_xa / "11287_xa_thanh_giang_ket_qua.xlsx", "Phát hiện")["code"])


# ------------------------------------------------------------------------------------ language
def test_findings_sheet_in_english_with_lang_en(tmp_path: Path) -> None:
    # guard (passes): with --lang en the findings sheet's headers, severities and messages are English
    start, _h = _two_communes(tmp_path)
    run_round(tmp_path / "in", tmp_path / "out", previous=start, jobs=1, commune_workbooks=True, lang="en")
    book = tmp_path / "out" / "so_xa" / "11287_xa_thanh_giang_ket_qua.xlsx"
    wb = openpyxl.load_workbook(book, read_only=True)
    ws = wb[[n for n in wb.sheetnames if n not in ("Hộ gia đình", "Thành viên", "Tổng hợp", "Diễn biến",
                                                  "Thông tin")][0]]
    rows = list(ws.iter_rows(values_only=True))
    wb.close()
    assert rows[0][:3] == ("File", "Sheet", "Row")
    found = pd.DataFrame(rows[2:], columns=list(rows[1]))
    assert set(found["severity"]) <= {"error", "warning", "info"}
    msg = found[found["code"] == "previous-not-reviewed"]["message"].iloc[0]
    assert "not" in msg.lower() and "không" not in msg.lower(), msg


def test_movement_sheet_headers_are_words_for_the_commune(tmp_path: Path) -> None:
    """DEFECT: the "Diễn biến" sheet of the workbook sent back to the commune has, on its label row, only the
    program's column keys — "bang", "dau_ky", "giam_sang_bang_kia", "giam_thoat", "tang_moi", "cuoi_ky",
    "can_doi" — where every other sheet has Vietnamese words ("Phân loại", "Diễn biến"). A commune officer reads
    "giam_sang_bang_kia" as the header of the figure she must check. Cause: io/results.py:_write_table with
    labels() — the movement table's keys have no label."""
    start, _h = _two_communes(tmp_path)
    run_round(tmp_path / "in", tmp_path / "out", previous=start, jobs=1, commune_workbooks=True)
    wb = openpyxl.load_workbook(tmp_path / "out" / "so_xa" / "11284_xa_chi_lang_nam_ket_qua.xlsx", read_only=True)
    rows = list(wb["Diễn biến"].iter_rows(values_only=True))
    wb.close()
    labels, keys = rows[0], rows[1]
    raw = [lab for lab, key in zip(labels, keys, strict=True) if lab == key]
    assert not raw, f"label row shows the keys: {raw}"
