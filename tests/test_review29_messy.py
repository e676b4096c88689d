"""Review 29: commune returns as they really arrive by email — an `hgn sample` return messed up with openpyxl the way
officers do it (title band, two-row header with merged group cells, a blank column, hidden rows, renamed and
reordered sheets, numbers and dates typed as text, IDs as numbers, NBSP and decomposed Unicode, a total and a
signature block, a header and a column-number row pasted again at a page break, formulas dragged past the data),
then run through `hgn validate` / `hgn classify` / `hgn run`.

Tests marked "# guard (passes)" hold behaviour that works; the others start with "DEFECT." and fail on the code
as reviewed. Scratch files go under /tmp/test_review29_messy/.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import unicodedata
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import run_hgn

SCRATCH = Path("/tmp/test_review29_messy/pytest")
HH = "Hộ gia đình"
MM = "Thành viên"


# ------------------------------------------------------------------------------------------ helpers
@pytest.fixture(scope="module")
def base() -> Path:
    """One clean `hgn sample` return: commune 10507, 8 households, 33 members."""
    root = SCRATCH / "base"
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    proc = run_hgn("sample", "--province", "30", "--communes", "1", "--households", "8", "--seed", "5",
                   "--error-rate", "0", "--out", root / "s", cwd=root)
    assert proc.returncode == 0, proc.stderr
    (path,) = sorted((root / "s").glob("*.xlsx"))
    return path


@pytest.fixture
def work(request: pytest.FixtureRequest) -> Path:
    d = SCRATCH / re.sub(r"[^\w-]+", "_", request.node.name)
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    return d


def rows_of(path: Path) -> tuple[tuple[list[Any], list[list[Any]]], tuple[list[Any], list[list[Any]]], list[list[Any]]]:
    wb = openpyxl.load_workbook(path)
    out = []
    for name in (HH, MM):
        rows = [list(r) for r in wb[name].iter_rows(values_only=True)]
        out.append((rows[0], rows[1:]))
    info = [list(r) for r in wb["Thông tin"].iter_rows(values_only=True)]
    return out[0], out[1], info


def put(ws: Any, top: int, rows: list[Any], gap_after: int | None = None) -> None:
    """Write rows from Excel row ``top`` (None = a blank row); with ``gap_after`` (0-based index), a blank column
    is left after that column."""
    for i, r in enumerate(rows):
        if r is None:
            continue
        for j, v in enumerate(r):
            c = j + 1 + (1 if gap_after is not None and j > gap_after else 0)
            if v is not None:
                ws.cell(top + i, c, v)


def save(dst: Path, hh_rows: list[Any], mm_rows: list[Any], info: list[list[Any]], hook: Any = None) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    put(wb.create_sheet("Thông tin"), 1, info)
    ws = wb.create_sheet(HH)
    put(ws, 1, hh_rows)
    wm = wb.create_sheet(MM)
    put(wm, 1, mm_rows)
    if hook:
        hook(ws, wm)
    wb.save(dst)
    return dst


def header_band(ws: Any, heads: list[str], top: int, groups: dict[tuple[int, int], str],
                gap_after: int | None = None) -> None:
    """A two-row header: group cells merged across their sub-headers, every other header merged down."""
    inside = {j for (a, b) in groups for j in range(a, b + 1)}

    def col(j: int) -> int:
        return j + 1 + (1 if gap_after is not None and j > gap_after else 0)

    for j, h in enumerate(heads):
        if j in inside:
            ws.cell(top + 1, col(j), h)
        else:
            ws.cell(top, col(j), h)
            ws.merge_cells(start_row=top, start_column=col(j), end_row=top + 1, end_column=col(j))
    for (a, b), t in groups.items():
        ws.cell(top, col(a), t)
        ws.merge_cells(start_row=top, start_column=col(a), end_row=top, end_column=col(b))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def validate(path: Path, *extra: object) -> tuple[int, list[dict[str, Any]], dict[str, Any]]:
    proc = run_hgn("validate", path, "--json", *extra, cwd=path.parent)
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    return proc.returncode, data["findings"], data["summary"]


def classify(path: Path) -> dict[str, Any]:
    proc = run_hgn("classify", path, "--out", path.parent / f"{path.stem}_kq.xlsx", "--json", cwd=path.parent)
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def at(findings: list[dict[str, Any]], row: int) -> list[str]:
    return sorted(f["code"] for f in findings if f.get("row") == row)


# ------------------------------------------------------------------------------------------ guards
def test_everything_messy_at_once_every_row_read_and_findings_at_their_cells(base: Path, work: Path) -> None:
    # guard (passes)
    """Members sheet first and renamed "TV", households renamed "DS hộ" under a merged two-line title band, a
    two-row header with merged group cells, a blank (hidden) column after D, a hidden household row, the header
    pasted again at row 9, "Tổng cộng" with a SUM under the list, names in NFD, every third ID stored as a number
    (its zero lost), and four real mistakes: all found in one pass at their cells, every row accounted for, the
    input untouched."""
    (hh_h, hh), (mm_h, mm), info = rows_of(base)
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    wm, ws = wb.create_sheet("TV"), wb.create_sheet("DS hộ")
    put(wb.create_sheet("Thông tin"), 1, info)
    for i, t in enumerate(["UBND PHƯỜNG CẨM THƯỢNG", "DANH SÁCH HỘ GIA ĐÌNH RÀ SOÁT NĂM 2024"], 1):
        ws.cell(i, 1, t)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=len(hh_h) + 1)
    header_band(ws, hh_h, 3, {(9, 12): "Điều kiện sống", (13, 14): "Tiếp cận thông tin"}, gap_after=3)
    put(ws, 5, hh[:4] + [hh_h] + hh[4:], gap_after=3)  # data rows 5–8, header again at 9, rows 10–13
    ws.cell(14, 1, "Tổng cộng")
    ws.cell(14, 7, "=SUM(G5:G13)")
    ws.row_dimensions[6].hidden = True
    ws.column_dimensions["E"].hidden = True
    ws["K7"] = "Nhà tạm"          # Loại nhà ở (J, moved to K by the blank column)
    ws["W11"] = "31/02/2024"      # Ngày rà soát (V → W)
    ws["B12"] = None              # Họ và tên chủ hộ
    wm.cell(1, 1, "DANH SÁCH NHÂN KHẨU")
    wm.merge_cells("A1:O1")
    put(wm, 2, [mm_h] + mm)
    for r in range(3, 3 + len(mm)):
        wm.cell(r, 3, unicodedata.normalize("NFD", wm.cell(r, 3).value))
        if r % 3 == 0:
            wm.cell(r, 4, int(wm.cell(r, 4).value))
    wm["F10"] = "Trai"
    path = work / "10507_messy.xlsx"
    wb.save(path)
    before = sha(path)

    rc, findings, summary = validate(path)
    assert rc == 1
    assert summary["per_file"][0]["rows"] == {"DS hộ": 8, "TV": 33}
    where = {(f["code"], f["sheet"], f.get("cell") or f.get("row")) for f in findings}
    assert {("value-not-in-list", "DS hộ", "K7"), ("value-not-date", "DS hộ", "W11"),
            ("value-required", "DS hộ", "B12"), ("value-not-in-list", "TV", "F10"),
            ("hidden-row-with-data", "DS hộ", 6), ("header-row-repeated", "DS hộ", 9),
            ("footer-rows-skipped", "DS hộ", 14)} <= where
    assert sum(f["code"] == "id-leading-zero-restored" for f in findings) == 11
    assert all(re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹáàãéèíìóòõúùý]", f["message"], re.I)
               and f.get("hint") for f in findings)
    assert sha(path) == before


def test_text_numbers_dates_and_yes_no_as_typed_are_read_as_meant(base: Path, work: Path) -> None:
    # guard (passes)
    """Income "1.500.000", "1,500,000", "1 500 000" (NBSP too), " 1500000 "; review dates "5/9/2024", "05-09-2024",
    "2024-09-05", a serial typed as text, "05.09.2024"; Internet use "x", "có", "CÓ", "1": each read as meant (the
    5th of September, 1,500,000 đồng, Có); a unit written after the number is an error at its cell."""
    (hh_h, hh), (mm_h, mm), info = rows_of(base)
    k = {h: i for i, h in enumerate(hh_h)}
    income = ["1.500.000", "1,500,000", "1 500 000", "1\u00a0500\u00a0000", " 1500000 ", "1.500.000 đ"]
    dates = ["5/9/2024", "05-09-2024", "2024-09-05", "45540", "05.09.2024", " 05/09/2024\u00a0"]
    yes = ["x", "có", "CÓ", "1", "X", "Có\u00a0"]
    for i in range(6):
        hh[i][k["Thu nhập bình quân (đồng/người/tháng)"]] = income[i]
        hh[i][k["Điểm B1"]] = None
        hh[i][k["Ngày rà soát"]] = dates[i]
        hh[i][k["Có thành viên sử dụng Internet"]] = yes[i]
    path = save(work / "10507_text.xlsx", [hh_h] + hh, [mm_h] + mm, info)
    rc, findings, _ = validate(path)
    assert [(f["code"], f["cell"]) for f in findings if f["severity"] == "error"] == [("value-not-number", "G7")]
    classify(path)
    wb = openpyxl.load_workbook(path.parent / f"{path.stem}_kq.xlsx", read_only=True)
    got = list(wb[HH].iter_rows(values_only=True))
    keys = got[1]
    for r in got[2:8]:
        rec = dict(zip(keys, r, strict=False))
        assert rec["ngay_ra_soat"].date().isoformat() == "2024-09-05", rec
        assert rec["su_dung_internet"] == "Có", rec
        assert rec["thu_nhap_bq"] == (None if rec["row"] == 7 else 1500000), rec


def test_messy_round_runs_and_keeps_every_household_and_input(base: Path, work: Path) -> None:
    # guard (passes)
    """`hgn run` over a folder holding the return with a title band, a two-row header and a blank column: exit 0,
    all 8 households and 33 persons counted, names written back in NFC, the input's bytes unchanged."""
    (hh_h, hh), (mm_h, mm), info = rows_of(base)
    for r in mm:
        r[2] = unicodedata.normalize("NFD", r[2])

    def hook(ws: Any, wm: Any) -> None:
        ws.cell(1, 1, "DANH SÁCH HỘ")
        ws.merge_cells("A1:X1")
        header_band(ws, hh_h, 2, {(9, 12): "Điều kiện sống"}, gap_after=3)
        put(ws, 4, hh, gap_after=3)

    src = work / "in"
    src.mkdir()
    path = save(src / "10507_band.xlsx", [], [mm_h] + mm, info, hook=hook)
    before = sha(path)
    proc = run_hgn("run", src, "--out", work / "out", cwd=work)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    readme = (work / "out" / "README.txt").read_text(encoding="utf-8")
    assert "Số hộ: 8; số người: 33." in readme
    text = (work / "out" / "bao_cao" / "danh_sach_csdl_dan_cu.csv").read_text(encoding="utf-8-sig")
    assert unicodedata.is_normalized("NFC", text)
    assert sha(path) == before


# ------------------------------------------------------------------------------------------ defects
@pytest.mark.parametrize("nfd_where", ["copy", "top"])
def test_header_pasted_again_in_decomposed_unicode_is_a_repeated_header_not_a_household(
        base: Path, work: Path, nfd_where: str) -> None:
    """DEFECT. Input: a clean return of 8 households whose header row is pasted again at row 6 (a page break);
    one of the two header rows is in decomposed Unicode (NFD: typed on a Mac, or copied from a web page) — the
    pasted copy, or the header at the top (which is itself matched fine). Observed: the pasted header is not
    recognised: it is read as a household "Mã hộ" with about 20 errors ("Mã xã "Mã xã" không có trong danh mục",
    "Loại nhà ở" không có trong danh mục của "Loại nhà ở" …) and `hgn classify` counts 9 households, one of them
    undecided. Expected (README: header-row-repeated; return-format.md: headers matched leniently): the row is
    said to be a repeated header and left out, as it is when both rows are in NFC (or in capitals with NBSP, which
    works), and the commune counts 8 households. Likely cause: io/read.py:_repeated_header compares the cells with
    the header as written without Unicode normalisation (its length pre-test and match_substring/equal on raw
    text), so NFD and NFC forms of one header never match."""
    (hh_h, hh), (mm_h, mm), info = rows_of(base)
    nfd = [unicodedata.normalize("NFD", h) for h in hh_h]
    top, copy = (hh_h, nfd) if nfd_where == "copy" else (nfd, hh_h)
    path = save(work / "10507_nfd_header.xlsx", [top] + hh[:4] + [copy] + hh[4:], [mm_h] + mm, info)
    rc, findings, summary = validate(path)
    assert "header-row-repeated" in at(findings, 6), at(findings, 6)
    assert not [f for f in findings if f.get("row") == 6 and f["severity"] == "error"], at(findings, 6)
    assert summary["per_file"][0]["rows"][HH] == 8
    assert classify(path)["households"] == 8


def test_column_number_row_pasted_again_under_a_repeated_header_is_not_a_household(base: Path, work: Path) -> None:
    """DEFECT. Input: a return whose header has the usual row of column numbers under it (1, 2, 3 … 23); at a page
    break the officer pasted both again (rows 7 and 8) — the way a printed list repeats its heading on each page.
    Observed: the first number row (row 2) is skipped silently as it should be, and the repeated header (row 7) is
    said and skipped, but the repeated number row (row 8) is read as a household with code "1": "Mã xã "00003" không
    có trong danh mục", "Khu vực" "5" not in list, income "7" implausible, B2 = 9 not a multiple of 10 … (about 18
    errors) and `hgn classify` counts 9 households instead of 8. Expected: a column-number row inside the table is
    treated like the repeated header it belongs to (left out and said, or said as a repeated header band), never a
    household. Likely cause: io/read.py:find_header recognises the numbered column-key row only directly under the
    header band (band_end); io/read.py:_read_sheet / _repeated_header look for header text only, so the same
    numbered row inside the data is kept as a record."""
    (hh_h, hh), (mm_h, mm), info = rows_of(base)
    numbers = list(range(1, len(hh_h) + 1))
    path = save(work / "10507_key_rows.xlsx", [hh_h, numbers] + hh[:4] + [hh_h, numbers] + hh[4:],
                [mm_h] + mm, info)
    rc, findings, summary = validate(path)
    assert at(findings, 2) == []  # the number row under the header: skipped (as today)
    assert at(findings, 7) == ["header-row-repeated"]
    assert not [f for f in findings if f.get("row") == 8 and f["severity"] == "error"], at(findings, 8)
    assert summary["per_file"][0]["rows"][HH] == 8
    assert classify(path)["households"] == 8


def test_chairmans_name_under_the_signature_block_is_footer_not_a_village_heading(base: Path, work: Path) -> None:
    """DEFECT. Input: a clean return of 8 households ending as Vietnamese forms end — "Tổng cộng" merged over A:E
    (row 10), then on the right, merged over P:W, the date line "Cẩm Thượng, ngày 15 tháng 11 năm 2024" (row 12),
    "CHỦ TỊCH" (row 13), three blank rows for the signature and seal, and the chairman's name "Nguyễn Văn Hùng"
    (row 17). Observed: the footer is said to be rows 10–13 only, and the chairman's name gets a warning
    (section-heading-rows) calling it "dòng tiêu đề của một nhóm (thôn, tổ)" — a village heading; a clean return
    thus has a warning (exit 1 under --fail-on warning) whose message is wrong. The same block signed on the left,
    under "Họ và tên chủ hộ" (column B), is taken whole as the footer (rows 10–16). Expected: the signer's name
    under the signature block is part of the footer (one footer-rows-skipped covering rows 10–17), no heading
    warning. Likely cause: io/read.py:_read_sheet runs _section_headings before _footer_start, and
    _section_headings takes any single text cell in a column that is not a person's column (P: "Hộ làm nông…")
    for a heading, so the name is removed as a heading before the footer is looked for."""
    (hh_h, hh), (mm_h, mm), info = rows_of(base)
    total = [None] * len(hh_h)
    total[0], total[5] = "Tổng cộng", 33

    def hook(ws: Any, wm: Any) -> None:
        ws.merge_cells("A10:E10")
        for r, text in ((12, "Cẩm Thượng, ngày 15 tháng 11 năm 2024"), (13, "CHỦ TỊCH"), (17, "Nguyễn Văn Hùng")):
            ws[f"P{r}"] = text
            ws.merge_cells(f"P{r}:W{r}")

    path = save(work / "10507_signed.xlsx", [hh_h] + hh + [total], [mm_h] + mm, info, hook=hook)
    rc, findings, summary = validate(path, "--fail-on", "warning")
    codes = sorted(f["code"] for f in findings)
    assert codes == ["footer-rows-skipped"], [(f["code"], f.get("row"), f["message"]) for f in findings]
    (foot,) = findings
    assert "10–17" in foot["message"], foot["message"]
    assert rc == 0
    assert summary["per_file"][0]["rows"][HH] == 8


def _with_cached_zero(src: Path, dst: Path, cells: list[str]) -> Path:
    """``src`` (written by openpyxl) as Excel saves it: each formula in ``cells`` holding its result 0, no
    recalculation asked on opening."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename == "xl/workbook.xml":
                data = data.replace(b' fullCalcOnLoad="1"', b"")
            if item.filename.startswith("xl/worksheets/"):
                for c in cells:
                    data = re.sub(rb'(<c r="' + c.encode() + rb'"[^>]*><f>[^<]*</f>)<v ?/>', rb"\1<v>0</v>", data)
            zout.writestr(item, data)
    return dst


def test_member_count_formula_dragged_below_the_list_adds_no_household(base: Path, work: Path) -> None:
    """DEFECT. Input: a clean return of 8 households (rows 2–9) where the officer counts each household's members
    with =COUNTIF('Thành viên'!A$2:A$200,A10) in "Số thành viên" and dragged it six rows too far (rows 10–15):
    Excel shows 0 there and stores 0 as the result; nothing else is written on those rows (no code, no name, no
    village). Observed: each of rows 10–15 is read as a household without a code: 13 errors a row (Mã hộ, Họ và
    tên chủ hộ, Mã xã … bắt buộc; "Số thành viên" = 0 out of range; no income), rows 11–15 said to be "trùng hoàn
    toàn với dòng 10; chỉ tính một lần", and `hgn classify` counts 9 households — a phantom "Chưa đủ thông tin"
    household in the commune's figures. Expected: rows holding only a formula's result (no household code, no
    name, nothing the officer typed) are not households: left out of the count and said once (as rows beside the
    list, a footer or a heading are), so the commune counts 8. Likely cause: io/read.py:_read_sheet keeps every
    row with any cell in the list's columns (nonblank = in_list > 0); the formula cells known to xlsxscan are not
    used to tell a dragged formula from a household's answer."""
    (hh_h, hh), (mm_h, mm), info = rows_of(base)

    def hook(ws: Any, wm: Any) -> None:
        for r in range(10, 16):
            ws[f"F{r}"] = f"=COUNTIF('Thành viên'!A$2:A$200,A{r})"

    raw = save(work / "raw.xlsx", [hh_h] + hh, [mm_h] + mm, info, hook=hook)
    path = _with_cached_zero(raw, work / "10507_countif.xlsx", [f"F{r}" for r in range(10, 16)])
    rc, findings, summary = validate(path)
    assert not [f for f in findings if f.get("row") in range(10, 16) and f["severity"] == "error"], \
        sorted({(f["code"], f.get("row")) for f in findings})
    assert summary["per_file"][0]["rows"][HH] == 8
    assert classify(path)["households"] == 8
