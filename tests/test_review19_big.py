"""Review 19 (big): since the 2025 reform communes are ~3x bigger (10,000-30,000 households, ~100,000 members in
one return) and a province's round holds ~2 million members.

Measured (numbers in the review report, not here): validate / run / classify grow linearly from 3,000 to 30,000
households; no quadratic step was found. What breaks is the xlsx sheet's row limit (1,048,576): two outputs
written with xlsxwriter drop every row past it without a word (xlsxwriter's write_* return -1, unchecked):

- the findings workbook (phat_hien.xlsx of `hgn run`, `hgn validate --report-xlsx`): a province whose returns
  store the ID column as numbers has one warning per member (id-leading-zero-restored), ~2 million findings;
  measured: 1,100,000 findings written, 1,048,575 in the workbook, 51,425 lost;
- the merged results workbook (`hgn merge --out tinh.xlsx`, `hgn classify --out`): measured on the province of
  bench/cache (621,000 households, 2,051,199 members): the workbook's members sheet holds 1,048,574 members,
  read back by `read_results` as 1,048,574 without a finding — 1,002,625 members lost.

The population list (reports/population.py:write_list) already splits at the limit. The tests here make the
limit small (xlsxwriter's and hgn's own constants) so that a few rows show the loss in a second.
"""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter.worksheet

from hgn_review.errors import HgnError, InputError
from hgn_review.findings import Finding, Report
from hgn_review.io.results import read_results, write_results
from hgn_review.io.write import write_findings_xlsx
from hgn_review.sample import generate_sample

HH_SHEET = "Hộ gia đình"
MM_SHEET = "Thành viên"
XLSX_ROWS = 1_048_576


def _small_sheets(monkeypatch: pytest.MonkeyPatch, rows: int) -> None:
    """Make an xlsx sheet hold ``rows`` rows: xlsxwriter's limit and every hgn constant standing for it."""
    init = xlsxwriter.worksheet.Worksheet.__init__

    def small(self, *a, **kw):  # type: ignore[no-untyped-def]
        init(self, *a, **kw)
        self.xls_rowmax = rows

    monkeypatch.setattr(xlsxwriter.worksheet.Worksheet, "__init__", small)
    for name, mod in list(sys.modules.items()):
        if not name.startswith("hgn_review") or mod is None:
            continue
        for attr, value in list(vars(mod).items()):
            if "MAX_ROWS" in attr.upper() and value == XLSX_ROWS:
                monkeypatch.setattr(mod, attr, rows)


def _sample(tmp_path: Path, households: int = 20) -> Path:
    folder = tmp_path / "in"
    generate_sample(folder, province="31", year=2025, communes=1, households=households, seed=7)
    return next(folder.glob("*.xlsx"))


def _split(src: Path, parts: int, out: Path) -> list[Path]:
    """The return sent as ``parts`` files (by village, say): households in order, each with its members."""
    out.mkdir(parents=True, exist_ok=True)
    rb = openpyxl.load_workbook(src, read_only=True)
    sheets = {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in rb.worksheets}
    rb.close()
    hh = sheets[HH_SHEET]
    n = len(hh) - 1
    paths = []
    for p in range(parts):
        lo, hi = 1 + p * n // parts, 1 + (p + 1) * n // parts
        ids = {r[0] for r in hh[lo:hi]}
        wb = openpyxl.Workbook()
        wb.remove(wb.active)
        for title, rows in sheets.items():
            ws = wb.create_sheet(title)
            sel = rows
            if title == HH_SHEET:
                sel = [rows[0]] + rows[lo:hi]
            elif title == MM_SHEET:
                sel = [rows[0]] + [r for r in rows[1:] if r[0] in ids]
            for r in sel:
                ws.append(r)
            if title == MM_SHEET:  # the ID column as text, as in the return
                for (cell,) in ws.iter_rows(min_row=2, min_col=4, max_col=4):
                    cell.number_format = "@"
        path = out / f"{src.stem}_phan{p + 1}.xlsx"
        wb.save(path)
        paths.append(path)
    return paths


# ------------------------------------------------------------------------------------------- sheet row limit
def test_findings_workbook_keeps_every_finding_past_the_sheet_row_limit(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """phat_hien.xlsx is where the district reads every finding (README; `hgn validate --report-xlsx`). A province
    whose returns keep the ID column as numbers has a warning per member: ~2 million, more than a sheet's
    1,048,576 rows. Measured at full size: 1,100,000 findings in, 1,048,575 in the workbook, the rest dropped
    without a word. Expected: every finding is in the workbook (split across sheets as the population list is),
    or the call says it cannot hold them — never a silent loss.
    Cause: io/write.py:write_findings_xlsx writes all rows on one sheet; xlsxwriter returns -1 past the last
    row and the return value is not checked."""
    _small_sheets(monkeypatch, 40)
    n = 100
    findings = [Finding(code="id-leading-zero-restored", file="10507_phuong_thanh_dong.xlsx", sheet=MM_SHEET,
                        row=i + 2, column="Số định danh cá nhân", col="D", key="so_dinh_danh", value="*******1829")
                for i in range(n)]
    out = tmp_path / "phat_hien.xlsx"
    try:
        write_findings_xlsx(Report(findings=findings), out)
    except HgnError as exc:  # refusing, with a reason, is no silent loss
        assert exc.message
        return
    wb = openpyxl.load_workbook(out, read_only=True)
    rows = [r for ws in wb.worksheets for r in ws.iter_rows(values_only=True) if "id-leading-zero-restored" in r]
    assert len(rows) == n, f"{n - len(rows)} of {n} findings are not in the findings workbook"


def test_merged_results_workbook_keeps_every_member_past_the_sheet_row_limit(tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`hgn merge --out tinh.xlsx` (and `hgn classify --out` over many communes) writes the members on one sheet.
    A province has ~2 million members. Measured at full size (bench/cache province, 2,051,199 members): the
    workbook holds 1,048,574 and `read_results` reads it back as 1,048,574 members with no finding — half the
    province's persons gone from a workbook that is merged and reported from again. Expected: every member is in
    the workbook (split across sheets and read back whole), or the write says it cannot hold them.
    Cause: io/results.py:write_results/_write_table: one sheet per table, xlsxwriter's -1 past the last row not
    checked; _read_workbook reads one sheet per table."""
    from hgn_review.pipeline import classify_paths

    src = _sample(tmp_path, households=20)
    run = classify_paths([src])
    members = len(run.results.members)
    households = len(run.results.households)
    assert members > 40 >= households + 2  # the members' sheet, not the households', passes the limit
    _small_sheets(monkeypatch, 40)
    out = tmp_path / "tinh.xlsx"
    try:
        write_results(run.results, out)
    except HgnError as exc:
        assert exc.message
        return
    back = read_results(out)
    assert len(back.households) == households
    assert len(back.members) == members, f"{members - len(back.members)} of {members} members lost"


# --------------------------------------------------------------------- highlighted copy: a quadratic step
def _copy_scans(tmp_path: Path, n: int, monkeypatch: pytest.MonkeyPatch) -> tuple[int, list[str]]:
    """(how many times openpyxl went through every cell of a sheet for its width, the cells marked) while writing
    the findings workbook and the highlighted copy of a households sheet of ``n`` rows x 23 columns (a return's
    width) with a whole-row finding on every row (as household-not-classified is: row, no column)."""
    from openpyxl.worksheet.worksheet import Worksheet

    folder = tmp_path / str(n)
    folder.mkdir()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = HH_SHEET
    ws.append([f"Cột {j}" for j in range(23)])
    for i in range(n):
        ws.append([None, f"10507-{i:05d}", *(i * j for j in range(1, 22))])
    src = folder / "10507.xlsx"
    wb.save(src)
    findings = [Finding(code="hidden-row-with-data", file=str(src), sheet=HH_SHEET, row=r)
                for r in range(2, n + 2)]
    scans = 0
    width = Worksheet.max_column

    def counted(self):  # type: ignore[no-untyped-def]
        nonlocal scans
        scans += 1
        return width.fget(self)

    with monkeypatch.context() as m:
        m.setattr(Worksheet, "max_column", property(counted))
        written = write_findings_xlsx(Report(findings=findings), folder / "phat_hien.xlsx", copies={str(src): src})
    copy = openpyxl.load_workbook(written[1])
    marked = [c.coordinate for row in copy[HH_SHEET].iter_rows() for c in row if c.comment is not None]
    return scans, marked


def test_marking_whole_row_findings_in_the_copy_is_not_quadratic(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """`hgn run --marked-copies` on a merged ward where every household is blocked (household-not-classified:
    a finding on the row, no column — e.g. every member's ID written twice) or `hgn validate --report-xlsx` with
    a hidden-row finding per row. Each whole-row finding was put on the row's first filled cell found by
    `ws[row]`, and openpyxl's `ws[row]` computes the sheet's max_column by scanning every cell: rows x cells.
    Measured: `hgn run --marked-copies` of a 10,000-household return with 30 % errors: 66 s, 69 s of it in
    io/write.py:_first_filled -> openpyxl Worksheet.max_column (1,460 whole-row findings x 230,000 cells); the
    same return without copies 4.6 s. Here the sheet-wide scans are counted (not timed): 150 and 1,200 rows
    must need the same number, and each row is marked at its first filled cell (column B: A is blank)."""
    small, small_marked = _copy_scans(tmp_path, 150, monkeypatch)
    big, big_marked = _copy_scans(tmp_path, 1200, monkeypatch)
    assert big == small, f"sheet-wide scans: {small} for 150 whole-row findings, {big} for 1,200"
    assert small_marked == [f"B{r}" for r in range(2, 152)]
    assert big_marked == [f"B{r}" for r in range(2, 1202)]


# ----------------------------------------------------------------------------- a big commune sent in parts
def test_a_commune_sent_in_parts_is_not_said_unreadable(tmp_path: Path) -> None:
    """A merged ward of 30,000 households is typed by village; its officer puts the village files in the
    folder. `hgn validate` on that folder: no error, exit 0. `hgn run`: exit 3, "Không có hộ nào được phân loại"
    with the hint "các tệp đều không đọc được hoặc không có dữ liệu" (the files are all unreadable or hold no
    data) — untrue: every file was read and holds households; they were left out because the commune is in
    several files (commune-in-two-returns, whose hint says to join the village files into one). Expected: the
    stop says why (the commune is in several files), not that the files are unreadable.
    Cause: pipeline.py:_merge_up raises one fixed InputError for "no commune bundle" whatever left them out."""
    from hgn_review.pipeline import run_round

    src = _sample(tmp_path, households=12)
    folder = tmp_path / "parts"
    _split(src, 2, folder)
    with pytest.raises(InputError) as err:
        run_round(folder, tmp_path / "out", jobs=1)
    said = f"{err.value.message} {err.value.hint}"
    assert "không đọc được hoặc không có dữ liệu" not in said, said
    assert "nhiều tệp" in said or "gộp" in said, said


def test_a_commune_classified_in_parts_gets_the_classes_of_the_whole(tmp_path: Path) -> None:
    """# guard (passes): measured at 10,000 households in 3 parts: every household's class, indicators and
    movement equal to the whole return's. Here in small."""
    from hgn_review.pipeline import classify_paths

    src = _sample(tmp_path, households=30)
    whole = classify_paths(_split(src, 1, tmp_path / "one")).results.households
    parts = classify_paths(_split(src, 3, tmp_path / "three")).results.households
    cols = ["ma_ho", "phan_loai", "so_thieu_hut", "duoi_chuan_thu_nhap", "dien_bien"]
    a = whole[cols].astype(str).sort_values("ma_ho").reset_index(drop=True)
    b = parts[cols].astype(str).sort_values("ma_ho").reset_index(drop=True)
    assert len(a) == 30
    assert a.equals(b)
