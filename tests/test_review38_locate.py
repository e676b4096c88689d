"""Review 38 (locate): `hgn validate` on messy commune returns — is every finding at the file, sheet, Excel row and
column where the officer finds the cell, and does the marked copy (`--report-xlsx`, phat_hien_ban_sao/) mark that
same cell?

Returns are written cell by cell with openpyxl as communes send them: title rows above the header, a header band of
two rows with merged cells ("Thiếu hụt" over the indicator columns), a column-number row (1, 2, 3 …) under it, blank
rows inside the data, hidden rows and columns, columns in another order, the commune's own columns (STT, Ghi chú),
IDs stored as numbers (leading zero lost), dates as text in several forms, numbers as text with thousand separators
("1.500.000"), a total and signature footer, a second households sheet. Each planted error's Excel row and column are
computed by the builder below, independently of hgn.

Tests marked "# guard (passes)" hold behaviour that works; the others start with "DEFECT." and fail on the code as
reviewed.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.utils import get_column_letter

from conftest import COMMUNE, HH_SHEET, MM_SHEET, household, make_id, member, run_hgn
from hgn_review.schemas.layout import INDICATORS, load_layout

LAYOUT = load_layout("hgn")
HH_KEYS = [c.key for c in LAYOUT.sheets["households"].columns]
MM_KEYS = [c.key for c in LAYOUT.sheets["members"].columns]


# ------------------------------------------------------------------------------------------ builder
def _header(role: str, key: str) -> str:
    return key[2:] if key.startswith("X:") else LAYOUT.sheets[role].by_key[key].header


def write_table(ws: Any, role: str, keys: list[str], rows: list[dict[str, Any]], *, titles: tuple[str, ...] = (),
                band: bool = True, numbers: bool = True, blanks: frozenset[int] = frozenset(),
                start_col: int = 1) -> tuple[dict[int, int], dict[str, str], int]:
    """Write one table as a commune types it: ``titles`` (one per row), the header (``band``: two rows, every
    header merged down over both, "Thiếu hụt" merged over the indicator sub-headers), a row of column numbers
    (``numbers``), then the rows, skipping the Excel rows in ``blanks``. ``keys`` are layout keys in the sheet's
    order; "X:<text>" is a column of the commune's own. Returns (item -> Excel row, key -> column letter, the
    first Excel row under the table)."""
    r = 1
    for t in titles:
        ws.cell(r, start_col, t)
        r += 1
    letters: dict[str, str] = {}
    for i, k in enumerate(keys):
        col = start_col + i
        letters[k] = get_column_letter(col)
        text = _header(role, k)
        if band and k in INDICATORS:
            ws.cell(r + 1, col, text.split(":", 1)[1].strip())
        else:
            ws.cell(r, col, text)
            if band:
                ws.merge_cells(start_row=r, start_column=col, end_row=r + 1, end_column=col)
    if band:
        ths = [start_col + i for i, k in enumerate(keys) if k in INDICATORS]
        if ths:
            ws.cell(r, ths[0], "Thiếu hụt")
            ws.merge_cells(start_row=r, start_column=ths[0], end_row=r, end_column=ths[-1])
        r += 2
    else:
        r += 1
    if numbers:
        for i in range(len(keys)):
            ws.cell(r, start_col + i, i + 1)
        r += 1
    where: dict[int, int] = {}
    for n, item in enumerate(rows):
        while r in blanks:
            r += 1
        where[n] = r
        for i, k in enumerate(keys):
            if item.get(k) is not None:
                ws.cell(r, start_col + i, item[k])
        r += 1
    return where, letters, r


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _validate(path: Path, out: Path) -> tuple[dict[str, Any], Path | None]:
    """`hgn validate PATH --json --report-xlsx OUT/phat_hien.xlsx`: the JSON and the marked copy (if any)."""
    proc = run_hgn("validate", path, "--json", "--report-xlsx", out / "phat_hien.xlsx", cwd=path.parent)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    copies = sorted((out / "phat_hien_ban_sao").glob("*.xlsx")) if (out / "phat_hien_ban_sao").is_dir() else []
    return json.loads(proc.stdout), (copies[0] if copies else None)


def _notes(copy: Path) -> dict[tuple[str, str], str]:
    wb = openpyxl.load_workbook(copy)
    return {(ws.title, c.coordinate): c.comment.text for ws in wb for row in ws.iter_rows() for c in row
            if c.comment is not None}


def _findings_sheet(path: Path) -> list[dict[str, Any]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=False)) for r in rows[1:]]


def _messy_return(folder: Path) -> tuple[Path, dict[str, tuple[str, str, int]]]:
    """A return with every kind of mess at once and six planted errors; returns the path and, per planted error
    code, (sheet, column letter, Excel row) computed here."""
    folder.mkdir(parents=True, exist_ok=True)
    order = ["thon", "ho_ten_chu_ho", "ma_ho", "X:Số điện thoại", "ma_xa"] + [
        k for k in HH_KEYS if k not in ("thon", "ho_ten_chu_ho", "ma_ho", "ma_xa")] + ["X:Ghi chú"]
    dates = ["15/09/2024", "15-09-2024", "15.09.2024", "15/9/2024", "15/09/2024", "15/09/2024"]
    incomes = ["1.500.000", "1.200.000", 1500000, "1,500,000", "2.100.000", "1.500.000"]
    hhs = []
    for i in range(6):
        h = household(ma_ho=f"11284-000{i + 1}", ho_ten_chu_ho=f"Nguyễn Văn {'ABCDEF'[i]}", thu_nhap_bq=incomes[i],
                      ngay_ra_soat=dates[i], ma_xa=int(COMMUNE))
        h["X:Số điện thoại"] = "0912345678"
        h["X:Ghi chú"] = "đã xác minh"
        hhs.append(h)
    hhs[1]["nguon_nuoc"] = "Nước sông"  # in a hidden column
    hhs[2]["loai_nha"] = "Nhà tạm"  # under a blank row
    hhs[4]["dien_tich_nha"] = "abc"  # in a hidden row
    hhs[5]["ngay_ra_soat"] = "31/02/2024"  # no such day
    births = ["12/03/1980", "12-03-1980", "1980", "12.03.1980", "12/3/1980", "12/03/1980"]
    mms = [member(ma_ho=f"11284-000{i + 1}", ho_ten=f"Nguyễn Văn {'ABCDEF'[i]}", ngay_sinh=births[i],
                  so_dinh_danh=int(make_id(serial=f"00000{i + 1}"))) for i in range(6)]  # IDs as numbers
    mms[3]["gioi_tinh"] = "Nữ"  # the ID says a man
    mms[5]["dan_toc"] = "Kinhh"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = HH_SHEET
    titles = ("UBND XÃ CHI LĂNG NAM", "DANH SÁCH HỘ GIA ĐÌNH RÀ SOÁT NĂM 2024", "(Kèm theo Báo cáo số 12/BC-UBND)")
    where, letters, end = write_table(ws, "households", order, hhs, titles=titles, blanks=frozenset({9, 12}))
    ws.row_dimensions[where[4]].hidden = True
    ws.column_dimensions[letters["X:Số điện thoại"]].hidden = True
    ws.column_dimensions[letters["nguon_nuoc"]].hidden = True
    ws[f"{letters['ma_ho']}{end + 1}"] = "Tổng cộng: 6 hộ"
    ws.cell(end + 3, 2, "Người lập biểu")
    ws.cell(end + 3, 12, "CHỦ TỊCH UBND XÃ")
    ws.cell(end + 6, 12, "Trần Văn Chủ")
    wm = wb.create_sheet(MM_SHEET)
    mwhere, mletters, _ = write_table(wm, "members", MM_KEYS, mms, titles=("DANH SÁCH THÀNH VIÊN",),
                                      blanks=frozenset({7, 10}))
    wm.column_dimensions[mletters["gioi_tinh"]].hidden = True
    path = folder / "11284_2024.xlsx"
    wb.save(path)
    planted = {
        "value-not-in-list": (HH_SHEET, letters["loai_nha"], where[2]),
        "value-not-in-list/nguon_nuoc": (HH_SHEET, letters["nguon_nuoc"], where[1]),
        "value-not-number": (HH_SHEET, letters["dien_tich_nha"], where[4]),
        "value-not-date": (HH_SHEET, letters["ngay_ra_soat"], where[5]),
        "id-sex-mismatch": (MM_SHEET, mletters["so_dinh_danh"], mwhere[3]),
        "value-not-in-list/dan_toc": (MM_SHEET, mletters["dan_toc"], mwhere[5]),
    }
    return path, planted


# ------------------------------------------------------------------------------------------ guards
def test_messy_return_every_planted_error_at_its_cell_marked_there_and_nothing_lost(tmp_path: Path) -> None:
    # guard (passes)
    path, planted = _messy_return(tmp_path / "in")
    before = _digest(path)
    data, copy = _validate(path, tmp_path / "out")
    assert _digest(path) == before  # the input is not touched
    # every row accounted for: 6 households (footer, titles, band, numbering and blank rows not), 6 members
    assert data["summary"]["per_file"][0]["rows"] == {HH_SHEET: 6, MM_SHEET: 6}
    errors = [f for f in data["findings"] if f["severity"] == "error"]
    got = sorted((f["sheet"], f["cell"], f["code"]) for f in errors)
    want = sorted((sheet, f"{col}{row}", code.split("/")[0]) for code, (sheet, col, row) in planted.items())
    assert got == want, json.dumps(data["findings"], ensure_ascii=False, indent=1)
    # the numbers-as-IDs are restored at their own cells, the hidden row said on its row; text dates, "1.500.000"
    # and "1,500,000" read without a finding
    assert {f["code"] for f in data["findings"]} - {f["code"] for f in errors} == {
        "id-leading-zero-restored", "hidden-row-with-data", "column-unknown", "footer-rows-skipped"}
    assert {f["row"] for f in data["findings"] if f["code"] == "hidden-row-with-data"} == {
        planted["value-not-number"][2]}
    # the marked copy: each error's note at the very cell, the hidden row and column holding one shown
    assert copy is not None
    notes = _notes(copy)
    for sheet, col, row in planted.values():
        assert (sheet, f"{col}{row}") in notes, (sheet, col, row, sorted(notes))
    wb = openpyxl.load_workbook(copy)
    assert not wb[HH_SHEET].row_dimensions[planted["value-not-number"][2]].hidden
    assert not wb[HH_SHEET].column_dimensions[planted["value-not-in-list/nguon_nuoc"][1]].hidden
    # the findings workbook names the same sheet, row and cell
    listed = {(r["Sheet"], r["Ô"], r["Mã lỗi"]) for r in _findings_sheet(tmp_path / "out" / "phat_hien.xlsx")}
    assert set(got) <= listed


def test_dates_in_forms_not_read_are_errors_at_their_own_cells_under_a_band(tmp_path: Path) -> None:
    # guard (passes)
    order = ["ho_ten_chu_ho", "ma_ho"] + [k for k in HH_KEYS if k not in ("ho_ten_chu_ho", "ma_ho")]
    dates = ["15/09/2024", "09/15/2024", "15/09/2024", "31/09/2024"]
    hhs = [household(ma_ho=f"11284-000{i + 1}", ho_ten_chu_ho=f"Nguyễn Văn {'ABCD'[i]}", ngay_ra_soat=d,
                     thu_nhap_bq="1.500.000") for i, d in enumerate(dates)]
    mms = [member(ma_ho=f"11284-000{i + 1}", ho_ten=f"Nguyễn Văn {'ABCD'[i]}",
                  so_dinh_danh=make_id(serial=f"00000{i + 1}")) for i in range(4)]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = HH_SHEET
    where, letters, _ = write_table(ws, "households", order, hhs, titles=("UBND", "DANH SÁCH", ""),
                                   blanks=frozenset({9}))
    write_table(wb.create_sheet(MM_SHEET), "members", MM_KEYS, mms, band=False, numbers=False)
    path = tmp_path / "in" / "11284_2024.xlsx"
    path.parent.mkdir()
    wb.save(path)
    data, copy = _validate(path, tmp_path / "out")
    got = sorted(f["cell"] for f in data["findings"] if f["code"] == "value-not-date")
    assert got == sorted(f"{letters['ngay_ra_soat']}{where[i]}" for i in (1, 3))
    assert copy is not None and {c for (_, c) in _notes(copy)} >= set(got)


# ------------------------------------------------------------------------------------------ defects
def _stt_return(folder: Path) -> tuple[Path, int]:
    """The commune's usual form: an "STT" column first, then the template's columns; three households of three
    members; under them "Tổng cộng" in the STT column with the total of "Số thành viên" (9), then the signature
    block. Returns the path and the total row's Excel row."""
    order = ["X:STT", *HH_KEYS]
    hhs = [household(ma_ho=f"11284-000{i + 1}", ho_ten_chu_ho=f"Nguyễn Văn {'ABC'[i]}", so_thanh_vien=3,
                     **{"X:STT": i + 1}) for i in range(3)]
    mms = []
    for i in range(3):
        code = f"11284-000{i + 1}"
        mms += [member(ma_ho=code, ho_ten=f"Nguyễn Văn {'ABC'[i]}", so_dinh_danh=make_id(serial=f"00000{i + 1}")),
                member(ma_ho=code, stt=2, ho_ten=f"Lê Thị {'ABC'[i]}", quan_he="Vợ, chồng", gioi_tinh="Nữ",
                       so_dinh_danh=make_id(female=True, serial=f"00010{i + 1}")),
                member(ma_ho=code, stt=3, ho_ten=f"Nguyễn Thị {'ABC'[i]}", quan_he="Con", gioi_tinh="Nữ",
                       ngay_sinh="01/01/2005", so_dinh_danh=make_id(birth_year=2005, female=True,
                                                                   serial=f"00020{i + 1}"))]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = HH_SHEET
    _, letters, end = write_table(ws, "households", order, hhs, titles=("UBND XÃ CHI LĂNG NAM", "DANH SÁCH HỘ"),
                                  band=False)
    ws.cell(end, 1, "Tổng cộng")
    ws[f"{letters['so_thanh_vien']}{end}"] = 9
    ws.cell(end + 2, 3, "Người lập biểu")
    ws.cell(end + 2, 12, "CHỦ TỊCH UBND XÃ")
    write_table(wb.create_sheet(MM_SHEET), "members", MM_KEYS, mms, band=False, numbers=False)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "11284_2024.xlsx"
    wb.save(path)
    return path, end


def test_total_row_labelled_in_the_stt_column_is_the_footer_not_a_household(tmp_path: Path) -> None:
    """DEFECT. A return on the commune's usual form — an "STT" column first (a column of the commune's own), then
    the template's columns — with three households and, under them, the total row: "Tổng cộng" in the STT column
    (A8) and the total of "Số thành viên" (9) in G8; then "Người lập biểu" / "CHỦ TỊCH UBND XÃ". `hgn validate`
    reads the total row as a fourth household ("rows": 4 households) and reports 13 errors on row 8 ("Mã hộ",
    "Họ và tên chủ hộ", "Mã xã" … bắt buộc nhưng để trống, no income basis), each marked in the copy the commune is
    asked to fix; only the signature rows are "footer-rows-skipped". README: a total and signature block is left
    out and said; an officer expects 3 households and the total row skipped with the footer. Likely cause:
    io/read.py `_is_footer` (called by `_footer_start` and `_footer_inside`) takes the row's first text cell in
    the frame's column order — the layout's keys first, the commune's own columns after — so the sum "9" under
    "Số thành viên" comes before "Tổng cộng" in column A, and the row is not taken for a total."""
    path, total = _stt_return(tmp_path / "in")
    data, _ = _validate(path, tmp_path / "out")
    assert data["summary"]["per_file"][0]["rows"][HH_SHEET] == 3, data["summary"]
    on_total = [(f["cell"], f["code"]) for f in data["findings"]
                if f["sheet"] == HH_SHEET and f["row"] == total and f["severity"] == "error"]
    assert on_total == [], on_total


def test_village_pair_on_sheets_excel_named_as_copies_is_an_error_with_its_rows(tmp_path: Path) -> None:
    """DEFECT. A commune keeps one pair of sheets per village and made the second pair with Excel's "Move or
    Copy…", which names them "Hộ gia đình (2)" and "Thành viên (2)"; they hold two other households (11284-0101,
    11284-0102, Thôn Tây) and their two members, none of them in "Hộ gia đình" / "Thành viên". `hgn validate
    --fail-on error` exits 0 with 0 errors: two warnings `sheet-copy-ignored` ("trùng tên … (bản sao?) nên không
    được đọc"), saying neither that the sheets hold rows the read sheets do not nor how many; the summary counts 2
    households and 2 members, and the two households vanish from the round. The same sheets named "Hộ gia đình
    Thôn Tây" / "Thành viên Thôn Tây" give the README's `sheet-table-not-read` error "2 dòng ở đây chưa được kiểm
    tra…". README: "a second households or members sheet (a village's own pair: an error saying how many rows it
    holds, never passed over)". Likely cause: io/read.py `_read_layout` takes every sheet whose name folds to the
    read sheet's name ("(2)" dropped) for a copy without comparing its rows, and `_more_tables` skips copies."""
    hhs = [household(ma_ho=f"11284-000{i + 1}", ho_ten_chu_ho=f"Nguyễn Văn {'AB'[i]}") for i in range(2)]
    hh2 = [household(ma_ho=f"11284-010{i + 1}", thon="Thôn Tây", ho_ten_chu_ho=f"Lê Văn {'AB'[i]}") for i in range(2)]
    mms = [member(ma_ho=f"11284-000{i + 1}", ho_ten=f"Nguyễn Văn {'AB'[i]}",
                  so_dinh_danh=make_id(serial=f"00000{i + 1}")) for i in range(2)]
    mm2 = [member(ma_ho=f"11284-010{i + 1}", ho_ten=f"Lê Văn {'AB'[i]}",
                  so_dinh_danh=make_id(serial=f"00010{i + 1}")) for i in range(2)]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = HH_SHEET
    write_table(ws, "households", HH_KEYS, hhs, titles=("Thôn Đông",), band=False, numbers=False)
    write_table(wb.create_sheet(MM_SHEET), "members", MM_KEYS, mms, band=False, numbers=False)
    write_table(wb.create_sheet("Hộ gia đình (2)"), "households", HH_KEYS, hh2, titles=("Thôn Tây",), band=False,
                numbers=False)
    write_table(wb.create_sheet("Thành viên (2)"), "members", MM_KEYS, mm2, band=False, numbers=False)
    path = tmp_path / "in" / "11284_2024.xlsx"
    path.parent.mkdir()
    wb.save(path)
    proc = run_hgn("validate", path, "--json", "--fail-on", "error", cwd=tmp_path)
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    said = {f["sheet"]: f for f in data["findings"] if f["sheet"] in ("Hộ gia đình (2)", "Thành viên (2)")}
    assert proc.returncode == 1, json.dumps(data["findings"], ensure_ascii=False, indent=1)
    assert set(said) == {"Hộ gia đình (2)", "Thành viên (2)"}
    for f in said.values():
        assert f["severity"] == "error" and "2" in f["message"], f
