"""Review 19 (diff13): today's changes attacked (git diff 4990aca..HEAD -- src/).

Each failing test is a defect the day's commits introduced: a false ERROR on files real officers save, a copy
that is not valid OOXML, a wrong number read. Guards are marked ``# guard (passes)``.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import xlsxwriter

from conftest import HH_SHEET, MM_SHEET, col_of, household, make_return, member, sheet_grid
from hgn_review.io.write import _typed, write_findings_xlsx
from hgn_review.schemas.coerce import parse_number
from hgn_review.validate import validate_paths


def _rewrite(path: Path, edit) -> None:  # noqa: ANN001 - edit(name, bytes) -> bytes
    with zipfile.ZipFile(path) as zf:
        parts = {i.filename: zf.read(i.filename) for i in zf.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, d in parts.items():
            zf.writestr(n, edit(n, d))


def _report(tmp_path: Path, inputs: Path):
    """What `hgn validate INPUTS --report-xlsx out/phat_hien.xlsx` does (cli.validate), in this process."""
    out = tmp_path / "out" / "phat_hien.xlsx"
    result = validate_paths([inputs], frames=False)
    written = write_findings_xlsx(result.report, out, "vi",
                                  copies={r.path: result.sources.get(r.path, Path(r.path)) for r in result.returns})
    return result, written[1:]


def _png() -> bytes:
    import struct
    import zlib

    def chunk(t: bytes, d: bytes) -> bytes:
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
    raw = (b"\x00" + b"\xff\x00\x00" * 2) * 2
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ------------------------------------------------------------------------------------------ formula-not-computed
def _saved_with_empty_text_formula(tmp_path: Path) -> tuple[Path, str]:
    """A return as LibreOffice Calc (and Excel) save it when a cell holds a formula whose result is the empty text,
    e.g. the commune's own =IF(<poor>, "reason", "") in "Nguyên nhân nghèo" for a household that is not poor.
    LibreOffice 7 writes exactly ``<c r="S2" s="0" t="str"><f aca="false">IF(…)</f><v></v></c>`` (checked with
    soffice --convert-to xlsx) and no fullCalcOnLoad: the result IS stored — it is ""."""
    path = make_return(tmp_path / "in")
    cell = f"{col_of('households', 'nguyen_nhan_ngheo')}2"
    wb = openpyxl.load_workbook(path)
    wb[HH_SHEET][cell] = '=IF(1>2,"x","")'
    wb.save(path)

    def edit(name: str, data: bytes) -> bytes:
        if name == "xl/workbook.xml":
            return re.sub(rb'\s*fullCalcOnLoad="1"', b"", data)
        if name.startswith("xl/worksheets/"):
            return re.sub(rb'<c r="' + cell.encode() + rb'"[^>]*>(<f>[^<]*</f>)<v\s*/>',
                          rb'<c r="' + cell.encode() + rb'" s="0" t="str">\1<v></v>', data)
        return data

    _rewrite(path, edit)
    return path, cell


def test_a_formula_whose_stored_result_is_empty_text_is_not_formula_not_computed(tmp_path: Path) -> None:
    """A return saved by LibreOffice (or Excel) with a formula returning "" in a data cell gets an ERROR
    formula-not-computed ("the file does not hold the result … never opened in Excel") — false: the file was
    computed and saved by a spreadsheet, its stored result is the empty text, and the officer can do nothing to make
    the error go away (saving again writes the same <v></v>). Such formulas are everywhere in commune templates
    (=IF(…;"Nghèo";"") in a written class column, a reason column blank for the non-poor).
    Cause: io/xlsxscan.py _FORMULA_CELL takes a result only as ``<v>[^<]+</v>`` (non-empty), so ``<v></v>`` counts
    as no result in scan_sheet. Fix: ``(<v>[^<]*</v>|<v/>)?`` — a present <v> element (t="str" with empty text) is a
    stored result; only a formula without any <v> (or with fullCalcOnLoad) is uncomputed."""
    path, cell = _saved_with_empty_text_formula(tmp_path)
    res = validate_paths([path], jobs=1)
    at = [(f.code, f.cell) for f in res.report.findings if f.cell == cell]
    assert ("formula-not-computed", cell) not in at, at


# ------------------------------------------------------------------------------------------ pictures in copies
def test_copy_with_pictures_on_two_sheets_has_one_content_type_per_extension(tmp_path: Path) -> None:
    """A return with the chairman's stamp on both sheets (or two pictures): the highlighted copy's
    [Content_Types].xml declares <Default Extension="png" …/> twice. OPC (ECMA-376 Part 2 §10.1.2.2.2) forbids more
    than one Default per extension; Excel's package reader rejects / repairs such a file ("We found a problem with
    some content"), so the commune cannot open the copy it must fix. Cause: io/write.py _keep_pictures tests
    ``b'Extension="' + ext + b'"' not in ours_types.lower()`` — the haystack is lower-cased but the needle keeps its
    capital E, so the test is always true and a Default is added for every picture. Fix: compare
    ``b'extension="' + ext + b'"'`` against the lower-cased text."""
    folder = tmp_path / "in"
    folder.mkdir()
    (tmp_path / "dau.png").write_bytes(_png())
    path = folder / "11284_2024.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, grid in ((HH_SHEET, sheet_grid("households", [household(loai_nha="Nhà tạm")])),
                       (MM_SHEET, sheet_grid("members", [member(gioi_tinh="X")]))):
        ws = book.add_worksheet(name)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
        ws.insert_image("B6", str(tmp_path / "dau.png"))
    book.close()
    _res, copies = _report(tmp_path, folder)
    assert copies
    with zipfile.ZipFile(copies[0]) as z:
        types = z.read("[Content_Types].xml").decode()
        assert len([n for n in z.namelist() if n.startswith("xl/media/")]) == 2  # both stamps kept
    exts = [e.lower() for e in re.findall(r'<Default\b[^>]*\bExtension="([^"]*)"', types)]
    assert len(exts) == len(set(exts)), exts


def test_copy_with_pictures_keeps_unique_relationship_ids(tmp_path: Path) -> None:  # guard (passes)
    """Each sheet's relationships of the copy have unique Ids and every drawing part has a content type."""
    folder = tmp_path / "in"
    folder.mkdir()
    (tmp_path / "dau.png").write_bytes(_png())
    path = folder / "11284_2024.xlsx"
    book = xlsxwriter.Workbook(str(path))
    for name, grid in ((HH_SHEET, sheet_grid("households", [household(loai_nha="Nhà tạm")])),
                       (MM_SHEET, sheet_grid("members", [member()]))):
        ws = book.add_worksheet(name)
        for r, row in enumerate(grid):
            for c, v in enumerate(row):
                if v is not None:
                    ws.write(r, c, v)
        ws.insert_image("B6", str(tmp_path / "dau.png"))
        ws.write_comment("A1", "ghi chú của xã")
    book.close()
    _res, copies = _report(tmp_path, folder)
    with zipfile.ZipFile(copies[0]) as z:
        types = z.read("[Content_Types].xml").decode()
        for n in z.namelist():
            if n.startswith("xl/worksheets/_rels/"):
                ids = re.findall(r'\bId="([^"]*)"', z.read(n).decode())
                assert len(ids) == len(set(ids)), (n, ids)
            if n.startswith("xl/drawings/") and n.endswith(".xml"):
                assert f'PartName="/{n}"' in types, n
    openpyxl.load_workbook(copies[0])


# ------------------------------------------------------------------------------------------ parse_number
def test_two_numbers_on_two_lines_of_a_number_cell_are_not_read_as_one(tmp_path: Path) -> None:
    """A floor area cell holds "45" and, on a second line (Alt+Enter), "50" — a correction, two figures. hgn now
    reads it as 4 550 m² (the income "1500000⏎1800000" as 15 000 001 800 000 đồng) and says nothing; before today it
    was "value-not-number". A line break is no thousands separator. Cause: schemas/coerce.py parse_number removes
    every ``\\s+`` (line breaks and tabs with the spaces) before it matches the digit groups. Fix: remove only the
    space characters (``[^\\S\\r\\n\\t\\v\\f]`` / Zs) between digit groups, as the no-break and plain spaces were."""
    got = parse_number(pd.Series(["45\n50", "1500000\n1800000"], dtype="string")).tolist()
    assert all(pd.isna(v) for v in got), got
    path = make_return(tmp_path / "in", [household(dien_tich_nha="45\n50")])
    res = validate_paths([path], jobs=1)
    cell = f"{col_of('households', 'dien_tich_nha')}2"
    assert ("value-not-number", cell) in {(f.code, f.cell) for f in res.report.findings}
    assert pd.isna(res.households["dien_tich_nha"].iloc[0])


def test_values_copy_keeps_codes_and_ids_as_text() -> None:  # guard (passes)
    """A values copy (.xls/.ods/.csv) writes numbers as numbers but an ID or code with its leading zero stays text,
    a 16-digit figure is not rounded by Excel, "1e5" is not a number."""
    assert _typed("012345678901") == "012345678901"
    assert _typed("00123") == "00123"
    assert _typed("1234567890123456") == "1234567890123456"
    assert _typed("1e5") == "1e5"
    assert _typed("1500000") == 1500000 and isinstance(_typed("1500000"), int)
