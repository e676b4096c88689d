"""Review 33: the same commune return in different containers (.xlsx, .xls, .ods, CSV, an .xlsx renamed .xls,
text in TCVN3/VNI) gives the same households, members, classes and findings at the same cells.

Each test writes one return several ways and runs `hgn validate --json` / `hgn classify` on each, as an officer
would. The ODS files are written as LibreOffice and Excel write them (repeated cells and rows compressed, a
date cell's value in ``office:date-value``, a formula error as ``calcext:value-type="error"``)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import shutil
import zipfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import openpyxl
import pytest

from conftest import (
    HH_SHEET,
    MM_SHEET,
    household,
    make_return,
    member,
    run_hgn,
    sheet_grid,
    write_xls,
)

Grids = dict[str, list[list[Any]]]

HH2 = household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Cường", thu_nhap_bq=None, diem_b1=120)
HEAD2 = member(ma_ho="11284-0002", ho_ten="Lê Văn Cường", so_dinh_danh="030075001235", ngay_sinh="02/02/1975")


# ------------------------------------------------------------------------------------------ writers
def _grids(path: Path) -> Grids:
    wb = openpyxl.load_workbook(path)
    return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in wb}


def _map(grids: Grids, fn: Any) -> Grids:
    return {n: [[fn(v) for v in r] for r in rows] for n, rows in grids.items()}


def _serial(v: Any) -> Any:
    return (v - dt.datetime(1899, 12, 30)).days if isinstance(v, dt.datetime) else v


def _ids_as_numbers(grids: Grids) -> Grids:
    """Every 12-digit ID typed as a number (Excel drops the leading 0: 11 digits)."""
    return _map(grids, lambda v: int(v) if isinstance(v, str) and len(v) == 12 and v.isdigit() else v)


def _write_xlsx(path: Path, grids: Grids) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in grids.items():
        ws = wb.create_sheet(name)
        for r, row in enumerate(rows, 1):
            for c, v in enumerate(row, 1):
                if v is not None:
                    ws.cell(r, c, v).number_format = "dd/mm/yyyy" if isinstance(v, dt.datetime) else "General"
    wb.save(path)
    return path


def _ods_cell(v: Any, with_time: bool) -> str:
    if v is None:
        return "<table:table-cell/>"
    if isinstance(v, dt.datetime):
        value = v.strftime("%Y-%m-%dT%H:%M:%S" if with_time else "%Y-%m-%d")
        return (f'<table:table-cell office:value-type="date" office:date-value="{value}">'
                f"<text:p>{v:%d/%m/%Y}</text:p></table:table-cell>")
    if isinstance(v, int | float) and not isinstance(v, bool):
        return (f'<table:table-cell office:value-type="float" office:value="{v}"><text:p>{v}</text:p>'
                "</table:table-cell>")
    return f'<table:table-cell office:value-type="string"><text:p>{escape(str(v))}</text:p></table:table-cell>'


def _repeat(items: list[str], attr: str) -> list[str]:
    """Runs of identical cells/rows written once with a repeat count, as LibreOffice saves them."""
    out: list[str] = []
    i = 0
    while i < len(items):
        j = i
        while j + 1 < len(items) and items[j + 1] == items[i]:
            j += 1
        x = items[i]
        if j > i:
            cut = x.index(" ") if " " in x.split(">", 1)[0] else len(x.split(">", 1)[0].rstrip("/"))
            x = x[:cut] + f' {attr}="{j - i + 1}"' + x[cut:]
        out.append(x)
        i = j + 1
    return out


def _write_ods(path: Path, grids: Grids, *, with_time: bool = False, width: int = 32,
               patch: Any = None) -> Path:
    """An ODS package as LibreOffice/Excel write it. ``with_time``: date cells as date-times ("…T00:00:00", how
    Excel's "Save as ODS" and pandas' odf writer store them); ``patch``: a function over content.xml."""
    body = []
    for name, grid in grids.items():
        rows = []
        for row in grid:
            cells = [_ods_cell(v, with_time) for v in row] + ["<table:table-cell/>"] * max(0, width - len(row))
            rows.append("<table:table-row>" + "".join(_repeat(cells, "table:number-columns-repeated"))
                        + "</table:table-row>")
        rows = _repeat(rows, "table:number-rows-repeated")
        rows.append('<table:table-row table:number-rows-repeated="1048000">'
                    f'<table:table-cell table:number-columns-repeated="{width}"/></table:table-row>')
        body.append(f"<table:table table:name={quoteattr(name)}>" + "".join(rows) + "</table:table>")
    content = ('<?xml version="1.0" encoding="UTF-8"?>'
               '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
               'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
               'xmlns:calcext="urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0" '
               'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
               "<office:body><office:spreadsheet>" + "".join(body) + "</office:spreadsheet></office:body>"
               "</office:document-content>")
    if patch is not None:
        content = patch(content)
    manifest = ('<?xml version="1.0" encoding="UTF-8"?>'
                '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" '
                'manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:version="1.2" '
                'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                "</manifest:manifest>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        zf.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
    return path


def _write_csv(path: Path, grid: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in grid:
        w.writerow(["" if v is None else v.strftime("%d/%m/%Y") if isinstance(v, dt.datetime) else v for v in r])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


# ------------------------------------------------------------------------------------------ running hgn
def _validate(path: Path) -> tuple[set[tuple[Any, ...]], dict[str, Any]]:
    proc = run_hgn("validate", path, "--json", cwd=path.parent)
    assert "Traceback" not in proc.stderr, proc.stderr
    data = json.loads(proc.stdout)
    found = {(f["sheet"], f.get("cell"), f["code"], f.get("value")) for f in data["findings"]
             if f["code"] != "file-extension-mismatch"}
    return found, data["summary"]["per_file"][0]


def _classify(path: Path, out: Path) -> dict[str, list[tuple[Any, ...]]]:
    proc = run_hgn("classify", path, "--out", out, cwd=path.parent)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    wb = openpyxl.load_workbook(out, read_only=True)

    def rows(sheet: str, keys: list[str]) -> list[tuple[Any, ...]]:
        it = wb[sheet].iter_rows(values_only=True)
        next(it)
        head = list(next(it))
        return [tuple(r[head.index(k)] for k in keys) for r in it]

    return {"households": rows("Hộ gia đình", ["row", "ma_ho", "thon", "ngay_ra_soat", "phan_loai", "ly_do",
                                               "so_thieu_hut", "loi_chan"]),
            "members": rows("Thành viên", ["row", "ma_ho", "stt", "ho_ten", "so_dinh_danh", "dinh_danh_loi",
                                          "ngay_sinh", "tuoi"])}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Grids:
    """A realistic return of 15 households (with a few planted errors) from `hgn sample`, as cell grids."""
    from hgn_review.sample import generate_sample

    root = tmp_path_factory.mktemp("sample33")
    generate_sample(root, communes=1, households=15, seed=11, error_rate=0.15)
    return _grids(next(root.glob("*.xlsx")))


# ------------------------------------------------------------------------------------------ guards
def test_sample_in_every_container_reads_classifies_and_locates_the_same(tmp_path: Path, sample: Grids) -> None:
    # guard (passes)
    """The same return as .xlsx (date cells), .xls (dates as serials), .ods (date cells and as text), an .xlsx
    renamed .xls, with IDs typed as numbers in each: the same rows read, the same findings at the same cells,
    the same classes and the same IDs restored."""
    numeric = _ids_as_numbers(sample)
    files = {
        "xlsx": _write_xlsx(tmp_path / "a.xlsx", numeric),
        "xls": write_xls(tmp_path / "b.xls", _map(numeric, _serial)),
        "ods": _write_ods(tmp_path / "c.ods", numeric),
        "ods_text": _write_ods(tmp_path / "d.ods", _map(numeric, lambda v: v.strftime("%d/%m/%Y")
                                                        if isinstance(v, dt.datetime) else v)),
    }
    renamed = tmp_path / "e.xls"
    shutil.copy(files["xlsx"], renamed)
    files["renamed"] = renamed
    base_found, base_file = _validate(files["xlsx"])
    assert base_file["rows"] == {HH_SHEET: 16, MM_SHEET: 58}
    assert {c for _, _, c, _ in base_found} >= {"household-duplicate", "commune-mismatch", "value-not-number",
                                               "member-stt-duplicate", "id-leading-zero-restored"}
    base = _classify(files["xlsx"], tmp_path / "out_a.xlsx")
    for kind, path in files.items():
        if kind == "xlsx":
            continue
        found, per_file = _validate(path)
        assert per_file["rows"] == base_file["rows"], kind
        assert found == base_found, (kind, sorted(found ^ base_found)[:6])
        assert _classify(path, tmp_path / f"out_{kind}.xlsx") == base, kind


def test_legacy_text_in_every_container_is_found_at_the_same_cells(tmp_path: Path, sample: Grids) -> None:
    # guard (passes)
    """The households typed with a TCVN3 (ABC) font: in an .xlsx, an .xls, an .ods, a UTF-8 CSV and an 8-bit CSV
    saved byte for byte, every legacy cell is said at the same cell with the same proposal."""
    from hgn_review.legacy import from_unicode

    hh = [[from_unicode(v, "TCVN3") if isinstance(v, str) and not v.isascii() else v for v in r]
          for r in sample[HH_SHEET]]
    hh[0] = sample[HH_SHEET][0]  # the template's headers stay Unicode
    one = {HH_SHEET: hh}
    files = [_write_xlsx(tmp_path / "a.xlsx", one), write_xls(tmp_path / "b.xls", _map(one, _serial)),
             _write_ods(tmp_path / "c.ods", one), _write_csv(tmp_path / f"{HH_SHEET}.csv", hh)]
    per: list[set[tuple[Any, ...]]] = []
    for path in files:
        found, _ = _validate(path)
        per.append({(cell, code, value) for sheet, cell, code, value in found if sheet == HH_SHEET})
    assert sum(1 for _, code, _ in per[0] if code == "text-legacy-encoding") >= 30
    for path, found in zip(files[1:], per[1:], strict=True):
        assert found == per[0], (path.name, sorted(found ^ per[0])[:6])


# ------------------------------------------------------------------------------------------ defects
def test_ods_date_cells_stored_as_date_times_are_read_as_dates(tmp_path: Path, sample: Grids) -> None:
    """DEFECT. The sample return saved as .ods the way Excel's "Save as → OpenDocument Spreadsheet" (and pandas'
    odf writer) store a date cell — `office:value-type="date" office:date-value="2024-09-23T00:00:00"`, a valid
    ODF dateTime — gives 73 `value-not-date` errors ("Ngày rà soát" không phải ngày hợp lệ:
    "2024-09-23T00:00:00"), one on every review date and birth date, and `hgn classify` stops with "Không xác
    định được chuẩn nghèo: không có ngày rà soát hợp lệ nào" (exit 3): not one household is classified. The same
    cells stored as "2024-09-23" or in an .xlsx are read as dates. An officer expects the .ods read as the .xlsx
    (return-format.md: "real files carry Excel date serials … all three are read").
    Likely cause: schemas/coerce.py:parse_date — its `_ISO` pattern takes calamine's "YYYY-MM-DD HH:MM:SS" of an
    .xlsx date cell but not the "T" separator calamine gives an ODS date-time (io/read.py:_Book.grid passes it
    through as text)."""
    xlsx = _write_xlsx(tmp_path / "a.xlsx", sample)
    ods = _write_ods(tmp_path / "b.ods", sample, with_time=True)
    base_found, _ = _validate(xlsx)
    found, _ = _validate(ods)
    not_dates = sorted(f for f in found if f[2] == "value-not-date")
    assert not not_dates, f"{len(not_dates)} date cells called not dates, e.g. {not_dates[:2]}"
    assert found == base_found
    assert _classify(ods, tmp_path / "out_b.xlsx") == _classify(xlsx, tmp_path / "out_a.xlsx")


def _ods_error_cells(content: str) -> str:
    """Cells holding @ERR:<code>@ become a LibreOffice formula cell whose cached result is that error."""
    import re

    return re.sub(r'<table:table-cell office:value-type="string"><text:p>@ERR:([^@]+)@</text:p></table:table-cell>',
                  lambda m: ('<table:table-cell table:formula="of:=1/0" office:value-type="string" '
                             f'office:string-value="" calcext:value-type="error"><text:p>{m.group(1)}</text:p>'
                             "</table:table-cell>"), content)


def test_ods_formula_error_cell_is_a_formula_error_not_a_blank(tmp_path: Path) -> None:
    """DEFECT. Two households whose formula cells show an error: household 1's income (its B1 score is written,
    so the income is optional) shows #VALUE!, household 2's house area shows #DIV/0!. As .xlsx, `hgn validate`
    says `formula-error` at G2 and K3 (as it does for an .xls, README). The same return saved from LibreOffice as
    .ods (`calcext:value-type="error"`): the #VALUE! income is read as blank and nothing at all is said of G2,
    and K3 is reported `value-required` — "blank" — although the officer sees #DIV/0! in the cell. An officer
    expects the formula error said at its cell whatever the container, never an error read as a blank.
    Likely cause: io/read.py:_read_sheet scans only an .xlsx (io/xlsxscan.py:scan_sheet) and an .xls
    (io/read.py:_xls_scan) for formula errors; calamine gives an ODS error cell as an empty string and no ODS
    scan restores it."""
    hh = [household(thu_nhap_bq=None, diem_b1=120), household(**{**HH2, "diem_b1": 130})]
    mm = [member(), HEAD2]
    xlsx = make_return(tmp_path, hh, mm, name="a.xlsx",
                       errors={"households": {(0, "thu_nhap_bq"): "#VALUE!", (1, "dien_tich_nha"): "#DIV/0!"}})
    grid = sheet_grid("households", [household(thu_nhap_bq="@ERR:#VALUE!@", diem_b1=120),
                                     household(**{**HH2, "diem_b1": 130, "dien_tich_nha": "@ERR:#DIV/0!@"})])
    ods = _write_ods(tmp_path / "b.ods", {HH_SHEET: grid, MM_SHEET: sheet_grid("members", mm)},
                     patch=_ods_error_cells)
    base_found, _ = _validate(xlsx)
    assert {(c, code) for _, c, code, _ in base_found} == {("G2", "formula-error"), ("K3", "formula-error")}
    found, _ = _validate(ods)
    assert {(c, code) for _, c, code, _ in found} == {("G2", "formula-error"), ("K3", "formula-error")}, found


def test_ods_hidden_row_and_merged_cells_are_said_as_in_xlsx(tmp_path: Path) -> None:
    """DEFECT. A return whose second household row is hidden and whose members' "Mã hộ" is merged over the
    first household's two member rows (A2:A3). As .xlsx (and .xls, README) `hgn validate` says
    `hidden-row-with-data` on "Hộ gia đình" row 3 and `merged-cells-in-data` at "Thành viên" A2. The same return
    saved as .ods (`table:visibility="collapse"`, `table:number-rows-spanned="2"`): neither is said — only the
    blank A3 is reported, with no word that it is the lower half of a merge, and the hidden household goes
    unmentioned. An officer expects the same findings at the same cells whatever the container.
    Likely cause: io/read.py:_read_sheet runs io/read.py:_hygiene only on an .xlsx scan (xlsxscan.scan_sheet) or
    an .xls scan (_xls_scan); an ODS sheet's hidden rows and merged ranges are never looked at."""
    hh = [household(), household(**{**HH2, "thu_nhap_bq": 1_500_000, "diem_b1": None})]
    wife = member(stt=2, ho_ten="Nguyễn Thị Bé", quan_he="Vợ, chồng", gioi_tinh="Nữ", so_dinh_danh="030182001236",
                  ngay_sinh="01/01/1982")
    mm = [member(), wife, HEAD2]
    xlsx = make_return(tmp_path, hh, mm, name="a.xlsx", hidden={"households": [1]},
                       merges={"members": [("ma_ho", 0, 1)]})

    def patch(xml: str) -> str:
        at = xml.index("<text:p>11284-0002</text:p>")  # the second household's row (households sheet first)
        start = xml.rindex("<table:table-row>", 0, at)
        xml = xml[:start] + '<table:table-row table:visibility="collapse">' + xml[start + 17:]
        members = xml.index('table:name="Thành viên"')
        at = xml.index("<text:p>11284-0001</text:p>", members)
        cell = xml.rindex("<table:table-cell", 0, at)
        xml = xml[:cell] + '<table:table-cell table:number-rows-spanned="2"' + xml[cell + 17:]
        nxt = xml.index("<table:table-row>", at) + 17
        assert xml.startswith("<table:table-cell/>", nxt)
        return xml[:nxt] + "<table:covered-table-cell/>" + xml[nxt + 19:]

    grids = {HH_SHEET: sheet_grid("households", hh), MM_SHEET: sheet_grid("members", [member(), {**wife, "ma_ho": None},
                                                                                     HEAD2])}
    ods = _write_ods(tmp_path / "b.ods", grids, patch=patch)
    base_found, _ = _validate(xlsx)
    want = {(HH_SHEET, "hidden-row-with-data"), (MM_SHEET, "merged-cells-in-data")}
    assert want <= {(s, code) for s, _, code, _ in base_found}
    found, _ = _validate(ods)
    assert want <= {(s, code) for s, _, code, _ in found}, sorted(found)


def test_ods_workbook_named_xls_is_read_as_the_ods_it_is(tmp_path: Path, sample: Grids) -> None:
    """DEFECT. The sample return with IDs typed as numbers (11 digits, the leading 0 lost), saved as .ods and
    renamed "….xls" (an officer renaming a LibreOffice file to the format the district asks for). Named .ods,
    all 58 IDs are `id-leading-zero-restored` (the cells are numbers). Named .xls, the file is read, but the 58
    IDs are `id-invalid-format` errors — every member blocked — and the `file-extension-mismatch` warning says
    "nội dung là .xlsx", which it is not (it is an ODS workbook). An officer expects the IDs handled as in the
    .ods, and the warning to name the real format.
    Likely cause: io/read.py:_content_suffix calls every zip not named .ods/.xlsm ".xlsx", so
    io/read.py:_Book.__init__ takes the ODS for an .xlsx: `_read_sheet` asks xlsxscan.scan_sheet for its cell
    types (none found) instead of io/read.py:_ods_numeric_rows."""
    ods = _write_ods(tmp_path / "a.ods", _ids_as_numbers(sample))
    renamed = tmp_path / "b.xls"
    shutil.copy(ods, renamed)
    base_found, _ = _validate(ods)
    assert sum(1 for f in base_found if f[2] == "id-leading-zero-restored") == 58
    found, _ = _validate(renamed)
    assert found == base_found, sorted(found ^ base_found)[:4]
    proc = run_hgn("validate", renamed, "--json", cwd=tmp_path)
    mismatch = [f for f in json.loads(proc.stdout)["findings"] if f["code"] == "file-extension-mismatch"]
    assert mismatch and ".xlsx" not in mismatch[0]["message"], mismatch


def test_ods_workbook_named_xlsx_is_read_not_called_damaged(tmp_path: Path, sample: Grids) -> None:
    """DEFECT. The sample return saved as .ods and renamed "….xlsx". `hgn validate` says `file-unreadable`:
    "tệp bị hỏng hoặc không trọn vẹn (tải hoặc chép dở?)" — damaged or cut short — and asks the commune to send
    it again; nothing of its 15 households is checked. The file is whole: named .ods it is read in full, and hgn
    reads an .xls named .xlsx (or the reverse) by its content with a `file-extension-mismatch` warning. An officer
    expects the same here (or at least the true reason: an ODS workbook under an .xlsx name).
    Likely cause: io/read.py:_content_suffix returns the name's ".xlsx" for any zip, so io/read.py:_Book.__init__
    hands calamine the path (opened as .xlsx by its name) instead of the bytes, and io/read.py:unreadable_reason
    then calls the zip damaged."""
    ods = _write_ods(tmp_path / "a.ods", sample)
    renamed = tmp_path / "b.xlsx"
    shutil.copy(ods, renamed)
    base_found, base_file = _validate(ods)
    found, per_file = _validate(renamed)
    assert "file-unreadable" not in {f[2] for f in found}, sorted(found)
    assert per_file["rows"] == base_file["rows"]
    assert found == base_found
