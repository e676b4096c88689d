"""`write_template`: the blank commune return of layout 1."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from hgn_review import template
from hgn_review.errors import UsageError
from hgn_review.registry import get_registry
from hgn_review.schemas.layout import load_layout
from hgn_review.template import write_template

LAYOUT = load_layout("hgn")
HOUSEHOLDS = LAYOUT.sheets["households"]
MEMBERS = LAYOUT.sheets["members"]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    path = write_template(tmp_path_factory.mktemp("tpl") / "xa.xlsx", "10507", 2024)
    return openpyxl.load_workbook(path)


def info(wb: Workbook) -> dict[str, object]:
    rows = list(wb[LAYOUT.info_sheet or ""].iter_rows(values_only=True))
    assert rows[0] == ("Mục", "Giá trị")
    return {label: value for label, value in rows[1:]}


def validations_of(ws: Worksheet, letter: str) -> list[DataValidation]:
    col = openpyxl.utils.column_index_from_string(letter)
    out = []
    for dv in ws.data_validations.dataValidation:
        for rng in dv.sqref.ranges:
            min_col, min_row, max_col, max_row = range_boundaries(rng.coord)
            if min_col <= col <= max_col:
                assert (min_row, max_row) == (2, template.DATA_ROWS)
                out.append(dv)
    return out


def list_values(wb: Workbook, formula: str) -> list[str]:
    """The values a list validation offers: an inline "a,b" list or a workbook name of a range."""
    if formula.startswith('"'):
        return formula.strip('"').split(",")
    sheet, ref = wb.defined_names[formula].attr_text.split("!")
    ws = wb[sheet.strip("'")]
    return [str(row[0].value) for row in ws[ref.replace("$", "")]]


def test_sheets_in_order(book: Workbook) -> None:
    """Instructions, commune details, the two data sheets, and the hidden lists sheet."""
    assert book.sheetnames == ["Hướng dẫn", "Thông tin", "Hộ gia đình", "Thành viên", "Danh mục"]
    assert book["Danh mục"].sheet_state == "hidden"
    assert all(book[name].sheet_state == "visible" for name in book.sheetnames[:4])


@pytest.mark.parametrize("spec", [HOUSEHOLDS, MEMBERS], ids=lambda s: s.role)
def test_headers_equal_the_layout(book: Workbook, spec) -> None:
    """Row 1 holds exactly the layout's headers, in order, bold and wrapped, frozen; no data rows."""
    ws = book[spec.name]
    headers = [c.value for c in ws[1]]
    assert headers == [c.header for c in spec.columns]
    assert all(c.font.bold and c.alignment.wrap_text for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.max_row == 1
    for idx, col in enumerate(spec.columns, start=1):
        assert ws.column_dimensions[get_column_letter(idx)].width == col.width


@pytest.mark.parametrize("spec", [HOUSEHOLDS, MEMBERS], ids=lambda s: s.role)
def test_list_columns_have_drop_downs_with_the_layout_values(book: Workbook, spec) -> None:
    """Every choice, yes/no and flag column offers exactly its layout values over rows 2..DATA_ROWS."""
    ws = book[spec.name]
    checked = 0
    for idx, col in enumerate(spec.columns, start=1):
        if col.type not in ("choice", "yesno", "flag", "multichoice"):
            continue
        [dv] = validations_of(ws, get_column_letter(idx))
        assert dv.type == "list"
        assert list_values(book, dv.formula1) == list(col.choices), col.key
        assert dv.showErrorMessage == (col.type != "multichoice")
        checked += 1
    assert checked >= 8


def test_ethnic_groups_come_from_the_hidden_sheet(book: Workbook) -> None:
    """The 54 ethnic groups are a range on the hidden sheet, not an inline list."""
    idx = [c.key for c in MEMBERS.columns].index("dan_toc") + 1
    [dv] = validations_of(book["Thành viên"], get_column_letter(idx))
    assert not dv.formula1.startswith('"')
    values = list_values(book, dv.formula1)
    assert len(values) == 54 and values[0] == "Kinh"


def test_text_columns_are_formatted_as_text(book: Workbook) -> None:
    """Text, code and ID columns carry the '@' format, so IDs keep their leading zeros; numbers do not."""
    for spec in (HOUSEHOLDS, MEMBERS):
        ws = book[spec.name]
        for idx, col in enumerate(spec.columns, start=1):
            fmt = ws.column_dimensions[get_column_letter(idx)].number_format
            assert (fmt == "@") == (col.type in ("text", "code", "id")), col.key


def test_header_comments_carry_the_notes(book: Workbook) -> None:
    """A column with a note has it as the header's comment; others have none."""
    ws = book["Thành viên"]
    for idx, col in enumerate(MEMBERS.columns, start=1):
        comment = ws.cell(row=1, column=idx).comment
        assert (comment.text if comment else "") == col.note


def test_commune_code_column_prompts_the_code(book: Workbook) -> None:
    """Mã xã is left blank but its input message names the commune code."""
    idx = [c.key for c in HOUSEHOLDS.columns].index("ma_xa") + 1
    letter = get_column_letter(idx)
    ws = book["Hộ gia đình"]
    assert ws[f"{letter}2"].value is None
    [dv] = validations_of(ws, letter)
    assert dv.showInputMessage and "10507" in dv.prompt


def test_info_sheet_prefilled_before_the_reform(book: Workbook) -> None:
    """The commune's details come from the three-level list; codes are text."""
    reg = get_registry()
    assert info(book) == {
        "Mã xã": "10507", "Tên xã": "Phường Cẩm Thượng", "Huyện": "Thành phố Hải Dương",
        "Tỉnh": "Tỉnh Hải Dương", "Khu vực": reg.commune("10507", date(2024, 9, 1)).area,
        "Năm rà soát": 2024, "Mẫu biểu": f"hgn v{LAYOUT.version}"}
    assert info(book)["Khu vực"] == "Thành thị"
    assert book["Thông tin"]["B2"].number_format == "@"


def test_info_sheet_in_the_two_level_era(tmp_path: Path) -> None:
    """For 2026 the two-level list applies: no district, the new province."""
    wb = openpyxl.load_workbook(write_template(tmp_path / "ba-dinh.xlsx", "00004", 2026))
    values = info(wb)
    assert values["Huyện"] is None
    assert (values["Mã xã"], values["Tên xã"], values["Tỉnh"]) == ("00004", "Phường Ba Đình", "Thành phố Hà Nội")


def test_as_of_overrides_the_year(tmp_path: Path) -> None:
    """An explicit list date picks the list: 10507 is Thành Đông of Hải Phòng from 1/7/2025."""
    wb = openpyxl.load_workbook(write_template(tmp_path / "x.xlsx", "10507", 2025, as_of=date(2025, 7, 1)))
    assert (info(wb)["Tên xã"], info(wb)["Tỉnh"], info(wb)["Huyện"]) == (
        "Phường Thành Đông", "Thành phố Hải Phòng", None)


def test_instructions_list_every_column(book: Workbook) -> None:
    """The instructions sheet names every column key with its header, and says how to write dates and IDs."""
    rows = list(book["Hướng dẫn"].iter_rows(values_only=True))
    keyed = {(r[0], r[1]): r for r in rows if r[1]}
    for spec in (HOUSEHOLDS, MEMBERS):
        for col in spec.columns:
            row = keyed[(spec.name, col.key)]
            assert row[2] == col.header
            if col.key in ("thu_nhap_bq", "diem_b1"):  # one of the two is required (income-basis-missing)
                assert row[3].startswith("Bắt buộc một trong hai")
                continue
            assert row[3] == ("Bắt buộc" if col.required else
                              "Nên có (thiếu thì cảnh báo)" if col.required_soft else "Không bắt buộc")
    text = "\n".join(str(r[0]) for r in rows if r[0])
    assert "dd/mm/yyyy" in text and "12 chữ số" in text and "10507" in text
    dan_toc = keyed[("Thành viên", "dan_toc")]
    assert "Kinh" in dan_toc[5] and "Ơ Đu" in dan_toc[5]


def test_english_instructions(tmp_path: Path) -> None:
    """lang='en' writes the instructions in English; sheet names, headers and info labels stay Vietnamese."""
    wb = openpyxl.load_workbook(write_template(tmp_path / "en.xlsx", "10507", 2024, lang="en"))
    assert wb["Hướng dẫn"]["A3"].value.startswith("• This file")
    assert "Mã xã" in info(wb)


def test_unknown_code_names_nearby_communes(tmp_path: Path) -> None:
    """An unknown code raises UsageError whose hint names the nearest communes; nothing is written."""
    with pytest.raises(UsageError) as exc:
        write_template(tmp_path / "x.xlsx", "10508", 2024)
    assert "10508" in exc.value.message
    assert "10507 Phường Cẩm Thượng" in exc.value.hint
    assert "10507" in exc.value.hint_en and exc.value.message_en != exc.value.message
    assert list(tmp_path.iterdir()) == []


def test_name_instead_of_code_suggests_communes(tmp_path: Path) -> None:
    """A name (without accents) instead of a code gets communes of that name in the hint."""
    with pytest.raises(UsageError) as exc:
        write_template(tmp_path / "x.xlsx", "Cam Thuong", 2024)
    assert "10507" in exc.value.hint


def test_old_code_after_the_reform_points_to_the_crosswalk(tmp_path: Path) -> None:
    """A code only in the old list, used for a two-level year, is explained with its successor."""
    reg = get_registry()
    old = "10528"  # Phường Trần Phú, split on 1/7/2025
    assert reg.commune(old, date(2026, 9, 1)) is None
    with pytest.raises(UsageError) as exc:
        write_template(tmp_path / "x.xlsx", old, 2026)
    assert "Phường Trần Phú" in exc.value.hint and "10532" in exc.value.hint


def test_folder_output_and_bad_suffix(tmp_path: Path) -> None:
    """A folder gets a file named after the code and year; a name not ending in .xlsx is refused."""
    path = write_template(tmp_path, "10507", 2024)
    assert path == tmp_path / "hgn-10507-2024.xlsx" and path.is_file()
    with pytest.raises(UsageError):
        write_template(tmp_path / "x.xls", "10507", 2024)
    with pytest.raises(UsageError):
        write_template(tmp_path / "y.xlsx", "10507", 1850)


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failed save leaves the previous file untouched and no temporary file behind."""
    target = tmp_path / "xa.xlsx"
    target.write_bytes(b"previous")

    def broken_save(self: Workbook, filename: str) -> None:
        Path(filename).write_bytes(b"half")
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", broken_save)
    with pytest.raises(OSError):
        write_template(target, "10507", 2024)
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xa.xlsx"]
    monkeypatch.undo()
    write_template(target, "10507", 2024)
    assert openpyxl.load_workbook(target).sheetnames[2] == "Hộ gia đình"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xa.xlsx"]
