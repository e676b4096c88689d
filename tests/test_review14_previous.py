"""Review 14 (helper): the start-of-period list given with `--previous` (pipeline.load_status_list, domain.md §3).

Officers give it in many shapes: last year's hgn results, or a managed list (danh sách quản lý) exported from another
system as .xlsx/.csv — title rows, its own headers (Mã hộ, Họ tên chủ hộ, Số định danh chủ hộ / CCCD, Phân loại
"Hộ nghèo"/"HN"/"HCN"…), commune codes and IDs as numbers, blank rows, a totals row. What is checked here: which shapes
are read and which are refused with a Vietnamese message and hint (exit 3, no traceback); that every list row is
accounted for (matched, reported as not reviewed, or said why ignored); that the start figures of forms 02/03 equal
the list's poor / near-poor counts for the communes reviewed; matching by commune + household code, then by the
head's personal ID (movements.py: "a ``previous`` list matched by commune + household code, then by the head's
personal ID").

A failing test states the defect in its docstring. Tests marked `# guard (passes)` hold behaviour that works today.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import COMMUNE_2, household, make_id, make_return, member, write_xls
from hgn_review.errors import HgnError
from hgn_review.pipeline import classify_paths, load_status_list, run_round

# income under the rural line and deprived in housing quality, water and latrine (3 indicators): Nghèo
POOR: dict[str, Any] = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
# income under the line and deprived in nothing: Cận nghèo
NEAR: dict[str, Any] = {"thu_nhap_bq": 1_000_000}
# income well above the line: Không nghèo
ABOVE: dict[str, Any] = {"thu_nhap_bq": 5_000_000}
ID = {k: make_id(serial=f"0000{i:02d}") for i, k in enumerate("ABCDEFGH", 1)}  # heads' IDs, all "030…"
HEADER = ["Mã xã", "Mã hộ", "Phân loại", "Số định danh chủ hộ"]


# ------------------------------------------------------------------------------------------------ helpers
def _book(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    """A workbook as an officer types it (values written as given: text or numbers), one grid per sheet."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _list(path: Path, rows: list[list[Any]]) -> Path:
    return _book(path, {"Danh sách": rows})


def _head(code: str, who: str) -> dict[str, Any]:
    return member(ma_ho=code, so_dinh_danh=ID[who], ho_ten=f"Người {who}")


def _by_code(run: Any) -> dict[str, tuple[Any, Any]]:
    hh = run.results.households
    return {str(r["ma_ho"]): (r["dau_ky"], r["dien_bien"]) for _, r in hh.iterrows()}


def _found(run: Any, code: str | None = None) -> list[tuple[str, str]]:
    return [(f.code, str(f.value)) for f in run.report.findings if code is None or f.code == code]


def _start(run: Any, commune: str, table: str) -> int:
    t = run.classification.movements
    return int(t[(t["ma_xa"] == commune) & (t["bang"] == table)].iloc[0]["dau_ky"])


def _form_row(path: Path, unit_name: str) -> list[Any]:
    ws = openpyxl.load_workbook(path, data_only=True).active
    for row in ws.iter_rows(values_only=True):
        if len(row) > 1 and row[1] == unit_name:
            return list(row)
    raise AssertionError(f"no row {unit_name} in {path}")


def _hgn_here(capfd: pytest.CaptureFixture[str], *args: object) -> subprocess.CompletedProcess[str]:
    """`hgn …` in this process (cli.main, as the entry point calls it): the exit code and what the officer reads."""
    from hgn_review import cli

    capfd.readouterr()
    argv = sys.argv
    sys.argv = ["hgn", *map(str, args)]
    code: object = 0
    try:
        cli.main()
    except SystemExit as exc:
        code = exc.code
    finally:
        sys.argv = argv
    out, err = capfd.readouterr()
    return subprocess.CompletedProcess(list(args), code if isinstance(code, int) else 1, out, err)


# ------------------------------------------------------------------------------------------------ shapes read
def test_a_managed_list_with_titles_numbers_abbreviations_blank_and_totals_rows_is_read(tmp_path: Path) -> None:
    # guard (passes)
    """A managed list as exported: two title rows and a blank one, STT and Họ tên chủ hộ columns hgn does not need,
    commune codes and IDs typed as numbers (the ID's leading zero lost), classes written "Hộ nghèo", "HN", "HCN",
    a blank row inside and a totals row under it. Every household is matched by its code; nothing is reported."""
    ret = make_return(tmp_path / "in", [household(ma_ho="H1", phan_loai_dau_ky=None, **POOR),
                                        household(ma_ho="H2", phan_loai_dau_ky=None, **ABOVE),
                                        household(ma_ho="H3", phan_loai_dau_ky=None, **NEAR)],
                      [_head("H1", "A"), _head("H2", "B"), _head("H3", "C")])
    prev = _list(tmp_path / "ds.xlsx", [
        ["DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2023"], ["Xã Chi Lăng Nam"], [],
        ["STT", "Mã xã", "Mã hộ", "Họ tên chủ hộ", "Số định danh chủ hộ", "Phân loại"],
        [1, 11284, "H1", "Người A", int(ID["A"]), "Hộ nghèo"],
        [2, 11284, "H2", "Người B", int(ID["B"]), "HN"],
        [None] * 6,
        [3, 11284, "H3", "Người C", int(ID["C"]), "HCN"],
        ["Tổng cộng", None, None, None, None, 3]])
    run = classify_paths([ret], previous=prev)
    assert _by_code(run) == {"H1": ("Nghèo", "Tiếp tục nghèo"), "H2": ("Nghèo", "Thoát nghèo (trên cận nghèo)"),
                             "H3": ("Cận nghèo", "Tiếp tục cận nghèo")}
    assert _start(run, "11284", "Nghèo") == 2 and _start(run, "11284", "Cận nghèo") == 1
    assert [c for c, _v in _found(run) if c.startswith("previous")] == []


@pytest.mark.parametrize("shape", ["csv_semicolon", "csv_utf16_tab", "xls"])
def test_a_list_as_csv_or_old_excel_is_read(tmp_path: Path, shape: str) -> None:
    # guard (passes)
    """The same one-row list as a semicolon CSV (Excel in a Vietnamese locale), as Excel's "Unicode text" (UTF-16,
    tab-separated) and as an Excel 97–2003 .xls: the household is matched and continues poor."""
    ret = make_return(tmp_path / "in", [household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")])
    row = ["11284", "H1", "Nghèo", ID["A"]]
    if shape == "csv_semicolon":
        prev = tmp_path / "ds.csv"
        prev.write_text(";".join(HEADER) + "\n" + ";".join(row) + "\n", encoding="utf-8")
    elif shape == "csv_utf16_tab":
        prev = tmp_path / "ds.csv"
        prev.write_text("\t".join(HEADER) + "\n" + "\t".join(row) + "\n", encoding="utf-16")
    else:
        prev = write_xls(tmp_path / "ds.xls", {"DS": [HEADER, row]})
    run = classify_paths([ret], previous=prev)
    assert _by_code(run) == {"H1": ("Nghèo", "Tiếp tục nghèo")}


def test_a_household_whose_code_changed_is_matched_by_its_heads_id(tmp_path: Path) -> None:
    # guard (passes)
    """The list knows household H1 (head A, poor); the review renumbered it H1-moi. Matched by the head's ID: still
    poor, and the list row is not reported as not reviewed."""
    ret = make_return(tmp_path / "in", [household(ma_ho="H1-moi", phan_loai_dau_ky=None, **POOR)],
                      [_head("H1-moi", "A")])
    prev = _list(tmp_path / "ds.xlsx", [HEADER, [11284, "H1", "Nghèo", int(ID["A"])]])
    run = classify_paths([ret], previous=prev)
    assert _by_code(run) == {"H1-moi": ("Nghèo", "Tiếp tục nghèo")}
    assert _found(run, "previous-not-reviewed") == []


def test_last_rounds_run_folder_is_read_as_the_start_list_by_classify(tmp_path: Path) -> None:
    # guard (passes)
    """`hgn classify --previous` given last round's whole `hgn run` output folder takes the results in its ket_qua/:
    last round's poor household is poor at the start of this one."""
    make_return(tmp_path / "nam_truoc", [household(ma_ho="H1", **POOR)], [_head("H1", "A")])
    run_round(tmp_path / "nam_truoc", tmp_path / "kq_nam_truoc", jobs=1)
    ret = make_return(tmp_path / "in", [household(ma_ho="H1", phan_loai_dau_ky=None, **NEAR)], [_head("H1", "A")])
    run = classify_paths([ret], previous=tmp_path / "kq_nam_truoc")
    assert _by_code(run) == {"H1": ("Nghèo", "Thoát nghèo sang cận nghèo")}


# ------------------------------------------------------------------------------------------------ shapes refused
def _refusals(tmp_path: Path) -> dict[str, Path]:
    out: dict[str, Path] = {}
    out["thieu_cot"] = _list(tmp_path / "thieu_cot.xlsx", [["Mã xã", "Mã hộ", "Họ tên chủ hộ"], [11284, "H1", "X"]])
    pop = ["STT", "Mã hộ", "Họ và tên", "Số định danh cá nhân", "Phân loại hộ"]
    out["csdl_dan_cu"] = _list(tmp_path / "csdl.xlsx", [pop, [1, "H1", "X", ID["A"], "Nghèo"]])
    (tmp_path / "rong.xlsx").write_bytes(b"")
    out["rong"] = tmp_path / "rong.xlsx"
    (tmp_path / "scan.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    out["pdf"] = tmp_path / "scan.pdf"
    (tmp_path / "thu_muc_rong").mkdir()
    out["thu_muc_rong"] = tmp_path / "thu_muc_rong"
    return out


@pytest.mark.parametrize("shape", ["thieu_cot", "csdl_dan_cu", "rong", "pdf", "thu_muc_rong"])
def test_a_list_that_cannot_be_used_is_refused_in_vietnamese_with_a_hint(tmp_path: Path, shape: str,
                                                                          capfd: pytest.CaptureFixture[str]) -> None:
    # guard (passes)
    """A list without a Phân loại column, last round's population-database list, an empty file, a PDF and an empty
    folder: `hgn classify` stops with exit 3 (could not run), a Vietnamese "Lỗi:" and a "Gợi ý:", no traceback,
    and writes no results file."""
    ret = make_return(tmp_path / "in", [household(ma_ho="H1", **POOR)], [_head("H1", "A")])
    prev = _refusals(tmp_path)[shape]
    out = tmp_path / "kq.xlsx"
    r = _hgn_here(capfd, "classify", ret, "--out", out, "--previous", prev)
    said = r.stdout + r.stderr
    assert r.returncode == 3, said
    assert "Lỗi:" in said and "Gợi ý:" in said and "Traceback" not in said
    assert not out.exists()


# ------------------------------------------------------------------------------------------------ headers
@pytest.mark.parametrize("id_header", ["Số định danh chủ hộ / CCCD", "Số định danh cá nhân chủ hộ"])
def test_the_heads_id_column_under_a_usual_header_is_used_to_match(tmp_path: Path, id_header: str) -> None:
    """DEFECT. The list's head-ID column is headed "Số định danh chủ hộ / CCCD" or "Số định danh cá nhân chủ hộ" (the
    spec's own name for the number, domain.md §4, "of the head"). hgn drops that column without a word: household H1,
    renumbered H1-moi in the review, is not matched by its head's ID — it is "Nghèo mới" with a warning, and the list
    row gets a previous-not-reviewed error, though the head's ID is right there. With the column headed exactly
    "Số định danh chủ hộ" the same household is matched (guard above). Cause: pipeline._status_table matches the
    folded header only against the exact string "so dinh danh chu ho" (header_key keeps "/ CCCD" and "ca nhan"), and
    a table without a recognised ID column is read silently as one without IDs."""
    ret = make_return(tmp_path / "in", [household(ma_ho="H1-moi", phan_loai_dau_ky=None, **POOR)],
                      [_head("H1-moi", "A")])
    prev = _list(tmp_path / "ds.xlsx", [["STT", "Mã xã", "Mã hộ", "Họ tên chủ hộ", id_header, "Phân loại"],
                                         [1, 11284, "H1", "Người A", ID["A"], "Hộ nghèo"]])
    run = classify_paths([ret], previous=prev)
    assert _by_code(run) == {"H1-moi": ("Nghèo", "Tiếp tục nghèo")}
    assert _found(run, "previous-not-reviewed") == []


def test_two_class_columns_national_and_local_do_not_silently_take_the_last(tmp_path: Path) -> None:
    """DEFECT. A province with its own standard keeps two class columns: "Phân loại (chuẩn quốc gia)" and "Phân loại
    (chuẩn tỉnh)". H1 was near-poor nationally (poor only under the province's higher line) and is near-poor now
    under the national standard hgn classifies with. hgn takes the *last* column without a word: H1 starts "Nghèo"
    and is counted as "Thoát nghèo sang cận nghèo" — one poor household too many at the start of form 02, one
    near-poor too few in form 03. It should take the national column or refuse the list as ambiguous.
    Cause: pipeline._status_table builds {key: column} over the header row, so a second column with the same folded
    header (header_key drops "(…)") overwrites the first."""
    ret = make_return(tmp_path / "in", [household(ma_ho="H1", phan_loai_dau_ky=None, **NEAR)], [_head("H1", "A")])
    prev = _list(tmp_path / "ds.xlsx", [["Mã xã", "Mã hộ", "Phân loại (chuẩn quốc gia)", "Phân loại (chuẩn tỉnh)",
                                          "Số định danh chủ hộ"],
                                         ["11284", "H1", "Cận nghèo", "Nghèo", ID["A"]]])
    try:
        run = classify_paths([ret], previous=prev)
    except HgnError as exc:  # refusing the list as ambiguous is right too — if it says why
        assert "Phân loại" in str(exc)
        return
    assert _by_code(run) == {"H1": ("Cận nghèo", "Tiếp tục cận nghèo")}


# ------------------------------------------------------------------------------------------------ every row accounted for
def test_a_list_with_one_sheet_per_commune_is_read_whole(tmp_path: Path) -> None:
    """DEFECT. The managed list keeps one sheet per commune ("Chi Lăng Nam", "Thanh Giang"), as district lists often
    do. Only the first sheet is read, silently: Thanh Giang's poor household K1 starts "Không" (→ "Nghèo mới"), its
    near-poor household K2, not in the review, is never reported, and Thanh Giang's start figures are 0 / 0 instead
    of 1 / 1. (A workbook whose first sheet is a cover page is refused as "thiếu cột: Mã hộ, Mã xã, Phân loại" though
    its second sheet holds them.) Cause: pipeline._status_table reads only book.names[0]."""
    r1 = make_return(tmp_path / "a", [household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")])
    r2 = make_return(tmp_path / "b", [household(ma_ho="K1", ma_xa=COMMUNE_2, phan_loai_dau_ky=None, **POOR)],
                     [_head("K1", "B")], name="11287_2024.xlsx")
    prev = _book(tmp_path / "ds.xlsx", {"Chi Lăng Nam": [HEADER, ["11284", "H1", "Nghèo", ID["A"]]],
                                        "Thanh Giang": [HEADER, ["11287", "K1", "Nghèo", ID["B"]],
                                                        ["11287", "K2", "Cận nghèo", ID["C"]]]})
    run = classify_paths([r1, r2], previous=prev)
    assert _by_code(run)["K1"] == ("Nghèo", "Tiếp tục nghèo")
    assert ("previous-not-reviewed", "K2") in _found(run)
    assert _start(run, "11287", "Nghèo") == 1


def test_a_list_row_whose_class_is_not_understood_is_not_dropped_silently(tmp_path: Path) -> None:
    """DEFECT. Two poor households of 11284 on the list, their class written "Hộ nghèo (HN)" and "Hộ nghèo DTTS"
    (an ethnic-minority poor household). hgn understands neither and says nothing at all: H1 (reviewed) becomes
    "Chưa rõ phân loại đầu kỳ" with no finding saying why, and H2 — a managed household the review does not hold —
    vanishes: no previous-not-reviewed, no word that its row was ignored; the commune's poor start figure is 0 where
    the list has 2. Cause: movements._status_codes maps only a fixed set of folded spellings and gives -1 (unknown)
    for the rest; movements.not_reviewed keeps only rows whose class is Nghèo / Cận nghèo, and nothing reports a list
    row whose class could not be read."""
    ret = make_return(tmp_path / "in", [household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")])
    prev = _list(tmp_path / "ds.xlsx", [HEADER, ["11284", "H1", "Hộ nghèo (HN)", ID["A"]],
                                         ["11284", "H2", "Hộ nghèo DTTS", ID["B"]]])
    run = classify_paths([ret], previous=prev)
    assert any(v == "H2" for _c, v in _found(run)), _found(run)


def test_a_list_row_whose_commune_is_written_with_its_name_is_not_dropped_silently(tmp_path: Path) -> None:
    """DEFECT. The exported list writes the commune as "11284 - Xã Chi Lăng Nam" in its Mã xã column. H1 is still
    matched (by its head's ID), but the near-poor household H2, which the review of that very commune does not hold,
    is dropped without a word: not reported as not reviewed, not said to be ignored. Cause:
    movements.not_reviewed keeps only rows whose commune (movements._commune: strips ".0", pads to 5 digits) is one
    of the review's; a Mã xã that is no commune code at all is neither read for its code nor reported."""
    ret = make_return(tmp_path / "in", [household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")])
    prev = _list(tmp_path / "ds.xlsx", [HEADER, ["11284 - Xã Chi Lăng Nam", "H1", "Nghèo", ID["A"]],
                                         ["11284 - Xã Chi Lăng Nam", "H2", "Cận nghèo", ID["B"]]])
    run = classify_paths([ret], previous=prev)
    assert _by_code(run)["H1"] == ("Nghèo", "Tiếp tục nghèo")
    assert any(v == "H2" for _c, v in _found(run)), _found(run)


@pytest.mark.parametrize("with_ids", [True, False])
def test_a_list_row_pasted_twice_is_read_once(tmp_path: Path, with_ids: bool) -> None:
    """DEFECT. The list holds H1's row twice, identical (pasted twice — the returns' reader reads such a row once).
    hgn matches H1 to neither: H1 is "not found in the start-of-period list" (a false warning; it is there twice),
    starts "Chưa rõ", and the poor start figure is 0. Without an ID column it is worse: two previous-not-reviewed
    errors say H1 is "not in the commune's return" while it is. Cause: movements._unique_lookup treats a key that
    occurs twice as ambiguous (matches nothing) even when both rows say the same; movements.not_reviewed counts
    the row twice against one household of the review."""
    ret = make_return(tmp_path / "in", [household(ma_ho="H1", phan_loai_dau_ky=None, **POOR)], [_head("H1", "A")])
    row = ["11284", "H1", "Nghèo", ID["A"]]
    rows = [HEADER, row, list(row)]
    prev = _list(tmp_path / "ds.xlsx", [r if with_ids else r[:3] for r in rows])
    run = classify_paths([ret], previous=prev)
    assert _by_code(run) == {"H1": ("Nghèo", "Tiếp tục nghèo")}
    assert [c for c, _v in _found(run) if c.startswith("previous")] == []
    assert _start(run, "11284", "Nghèo") == 1


def test_a_csv_household_code_written_as_a_float_matches(tmp_path: Path) -> None:
    """DEFECT. A list exported to CSV by another system writes numeric household codes as floats ("1001.0"); the
    return holds 1001 typed as a number. Commune codes and head IDs written this way are read back ("11284.0" →
    11284, an ID's ".0" dropped), household codes are not: 1001 is unmatched (warning), starts "Chưa rõ", and the
    list row is reported as not reviewed although it is. Cause: pipeline._status_table / movements.match_status
    normalise ".0" for ma_xa (_commune) and the ID (_clean_heads) but not for ma_ho."""
    ret = make_return(tmp_path / "in", [household(ma_ho="1001", phan_loai_dau_ky=None, **POOR)],
                      [member(ma_ho="1001", so_dinh_danh=ID["A"])], numbers=["ma_ho"])
    prev = tmp_path / "ds.csv"
    prev.write_text("Mã xã,Mã hộ,Phân loại\n11284.0,1001.0,Nghèo\n", encoding="utf-8")
    assert len(load_status_list(prev)) == 1
    run = classify_paths([ret], previous=prev)
    assert _by_code(run) == {"1001": ("Nghèo", "Tiếp tục nghèo")}
    assert _found(run, "previous-not-reviewed") == []


# ------------------------------------------------------------------------------------------------ forms 02 / 03
def test_forms_02_03_start_figures_equal_the_list_when_every_household_is_reviewed(tmp_path: Path) -> None:
    # guard (passes)
    """`hgn run --previous` with a managed list (title rows, numeric codes, HN/HCN, a blank row, a totals row, a row
    of a commune not in the round): Chi Lăng Nam's start figures in forms 02 and 03 are the list's 2 poor and 2
    near-poor households (one near-poor household recorded as moved away is a decrease), and each row balances."""
    make_return(tmp_path / "in", [household(ma_ho="H1", **POOR), household(ma_ho="H2", **ABOVE),
                                  household(ma_ho="H3", **NEAR), household(ma_ho="H4", tinh_trang_ho="Chuyển đi",
                                                                           **POOR)],
                [_head("H1", "A"), _head("H2", "B"), _head("H3", "C"), _head("H4", "D")])
    prev = _list(tmp_path / "ds.xlsx", [
        ["DANH SÁCH HỘ NGHÈO, HỘ CẬN NGHÈO ĐẦU KỲ"], [],
        ["STT", "Mã xã", "Mã hộ", "Họ tên chủ hộ", "Số định danh chủ hộ", "Phân loại"],
        [1, 11284, "H1", "A", ID["A"], "Hộ nghèo"], [2, 11284, "H2", "B", ID["B"], "HN"],
        [3, 11284, "H3", "C", ID["C"], "HCN"], [4, 11284, "H4", "D", ID["D"], "Cận nghèo"], [None] * 6,
        [5, 11287, "K1", "E", ID["E"], "Nghèo"], ["Cộng", None, None, None, None, None]])
    run_round(tmp_path / "in", tmp_path / "out", previous=prev, jobs=1)
    for form, start in (("bieu_02.xlsx", 2), ("bieu_03.xlsx", 2)):
        row = _form_row(tmp_path / "out" / "bao_cao" / form, "Xã Chi Lăng Nam")
        assert row[2] == start, (form, row)
        assert row[14] == row[2] - row[3] + row[8], (form, row)


def test_the_start_list_kept_in_the_returns_folder_is_not_called_an_unreadable_return(tmp_path: Path) -> None:
    """DEFECT. The officer keeps the managed list beside the returns (in/ds_dau_ky.xlsx) and gives it with
    `--previous in/ds_dau_ky.xlsx`. The list is used — and the same file is also read as a commune return and
    named on the terminal and in README.txt as "không đọc được hộ nào — Không nhận ra mẫu biểu", a return that could
    not be read. hgn knows it is the start list. Cause: pipeline._returns_in lists every workbook of INPUT_DIR
    without leaving out the --previous file (run_round checks --previous only against OUT_DIR)."""
    make_return(tmp_path / "in", [household(ma_ho="H1", **POOR)], [_head("H1", "A")])
    prev = _list(tmp_path / "in" / "ds_dau_ky.xlsx", [HEADER, [11284, "H1", "Nghèo", ID["A"]]])
    out = run_round(tmp_path / "in", tmp_path / "out", previous=prev, jobs=1)
    assert _by_code(out) == {"H1": ("Nghèo", "Tiếp tục nghèo")}
    readme = (tmp_path / "out" / "README.txt").read_text(encoding="utf-8")
    assert not [line for line in readme.splitlines() if "ds_dau_ky.xlsx" in line and "không đọc được" in line], readme
    assert not [n for n in out.notes if "ds_dau_ky.xlsx" in str(n)], out.notes


def test_form_02_says_the_managed_household_the_review_missed(tmp_path: Path) -> None:
    """The managed list has two poor households of Chi Lăng Nam (H1, H2); the commune's return holds only H1. H2
    is reported (previous-not-reviewed) and is not in the start figure (no return has it: which row, class and
    movement it would have is not known) — and form 02 says so under the table, with how many and what to do, so
    that the start figure is not dropped silently (domain.md §3). Form 03 (near-poor) has no such note."""
    make_return(tmp_path / "in", [household(ma_ho="H1", **POOR)], [_head("H1", "A")])
    prev = _list(tmp_path / "ds.xlsx", [HEADER, [11284, "H1", "Nghèo", ID["A"]], [11284, "H2", "Nghèo", ID["B"]]])
    out = run_round(tmp_path / "in", tmp_path / "out", previous=prev, jobs=1)
    assert ("previous-not-reviewed", "H2") in _found(out)
    texts = {n: " ".join(str(c.value) for row in openpyxl.load_workbook(
        tmp_path / "out" / "bao_cao" / f"bieu_{n}.xlsx").active.iter_rows() for c in row if c.value) for n in ("02", "03")}
    assert "1 hộ nghèo của danh sách đầu kỳ không có trong biểu rà soát" in texts["02"], texts["02"][-600:]
    assert "chưa tính vào số đầu kỳ" in texts["02"]
    assert "danh sách đầu kỳ không có trong biểu rà soát" not in texts["03"]
