"""`hgn template`: the blank commune return of layout 1, built from the layout data and the unit registry.

The workbook holds, in order: `Hướng dẫn` (how to fill it in, and every column with its key, header, type and
allowed values), `Thông tin` (the commune, prefilled from the registry), the two data sheets (`Hộ gia đình`,
`Thành viên`: header in row 1, data rows left empty) and a hidden `Danh mục` sheet holding the drop-down lists.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from hgn_review.errors import UsageError
from hgn_review.registry import AFTER, REFORM_DATE, Registry, Unit, get_registry
from hgn_review.schemas.layout import ColumnSpec, Layout, SheetSpec, load_layout

LAYOUT_ID = "hgn"
DATA_ROWS = 30000  # drop-downs and checks cover rows 2 … DATA_ROWS of each data sheet (a big commune: 3,000
# households, ~10,000 members; a ward may list more)
LISTS_SHEET = "Danh mục"
INCOME_BASIS = ("thu_nhap_bq", "diem_b1")  # the income test needs one of the two (domain.md §2.4)
INFO_HEADER = ("Mục", "Giá trị")
INFO_LABELS = ("Mã xã", "Tên xã", "Huyện", "Tỉnh", "Khu vực", "Năm rà soát", "Mẫu biểu")
REVIEW_MONTH_DAY = (9, 1)  # the periodic review starts on 1 September (domain.md §1): the default list date
TEXT_TYPES = {"text", "code", "id"}
LIST_TYPES = {"choice", "yesno", "flag", "multichoice"}

_BOLD = Font(bold=True)
_TITLE = Font(bold=True, size=14)
_WRAP_TOP = Alignment(wrap_text=True, vertical="top")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="center", horizontal="center")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_FILL_REQUIRED = PatternFill("solid", fgColor="FCE4D6")
_FILL_OPTIONAL = PatternFill("solid", fgColor="DDEBF7")

_TYPE_LABEL = {
    "vi": {"text": "Văn bản", "code": "Mã số (văn bản)", "id": "Số định danh: 12 chữ số (văn bản)",
           "integer": "Số nguyên", "number": "Số", "date": "Ngày (dd/mm/yyyy)", "yesno": "Có / Không",
           "choice": "Chọn một giá trị", "multichoice": "Chọn một hay nhiều giá trị, cách nhau bằng dấu ;",
           "flag": "1 (có thiếu hụt) / 0 (không)"},
    "en": {"text": "Text", "code": "Code (text)", "id": "Personal ID: 12 digits (text)", "integer": "Whole number",
           "number": "Number", "date": "Date (dd/mm/yyyy)", "yesno": "Có (yes) / Không (no)",
           "choice": "One value from the list", "multichoice": "One or more values from the list, separated by ;",
           "flag": "1 (deprived) / 0 (not)"},
}

_TEXT: dict[str, dict[str, str]] = {
    "vi": {
        "title": "{title} — {commune}, năm rà soát {year}",
        "lines": (
            "Tệp này là biểu rà soát hộ nghèo, hộ cận nghèo của một xã cho một kỳ rà soát (mẫu {form})."
            " Thông tin chung của xã ở sheet \"{info}\".\n"
            "Sheet \"{households}\": mỗi hộ gia đình một dòng. Sheet \"{members}\": mỗi thành viên của hộ một dòng,"
            " nối với hộ bằng cột \"Mã hộ\".\n"
            "Không đổi tên sheet, không sửa, không xóa dòng tiêu đề cột (dòng 1). Có thể thêm dòng tùy ý bên dưới"
            " dòng tiêu đề; thứ tự các dòng không quan trọng.\n"
            "Tiêu đề màu cam: cột phải điền (xem cột \"Bắt buộc\" của bảng dưới). Ghi chú của từng cột hiện khi di chuột lên ô tiêu đề.\n"
            "Ngày ghi dạng dd/mm/yyyy (ví dụ 05/09/{year}). Ngày sinh không rõ thì được ghi riêng năm sinh"
            " (ví dụ 1985).\n"
            "Số định danh cá nhân ghi đủ 12 chữ số như trên thẻ căn cước; cột đã định dạng Văn bản để giữ số 0"
            " ở đầu. Khi dán từ tệp khác, dùng Dán giá trị (Paste Values) để giữ định dạng này.\n"
            "Cột Có/Không: chọn \"Có\" hoặc \"Không\" trong danh sách thả xuống. Cột \"Thiếu hụt: …\": ghi 1 nếu"
            " hộ thiếu hụt chỉ số đó, 0 nếu không.\n"
            "Cột có danh sách: chọn giá trị trong danh sách thả xuống. Cột \"Nguyên nhân nghèo\" được ghi nhiều"
            " giá trị, cách nhau bằng dấu chấm phẩy (;).\n"
            "Mã xã của tệp này: {code} ({commune}). Cột \"Mã xã\" ở sheet \"{households}\" ghi đúng mã này,"
            " đủ 5 chữ số.\n"
            "Danh sách các cột và giá trị cho phép ở bảng dưới đây."
        ),
        "table": "Sheet\tKhóa\tTiêu đề cột\tBắt buộc\tKiểu dữ liệu\tGiá trị cho phép\tGhi chú",
        "required": "Bắt buộc", "soft": "Nên có (thiếu thì cảnh báo)", "optional": "Không bắt buộc",
        "either": "Bắt buộc một trong hai: cột này hoặc \"{other}\"",
        "between": "từ {lo} đến {hi}", "min": "≥ {lo}", "gt": "> {lo}", "max": "≤ {hi}",
        "multiple": "bội số của {m}", "digits": "{n} chữ số", "year_only": "hoặc chỉ năm sinh",
        "default": "để trống là \"{d}\"", "blank_no": "để trống là \"Không\"",
        "list_error": "Chọn một giá trị trong danh sách thả xuống.", "list_error_title": "Giá trị không hợp lệ",
        "multi_prompt": "Chọn trong danh sách, hoặc gõ nhiều giá trị cách nhau bằng dấu ;",
        "range_error": "Giá trị ngoài khoảng cho phép ({rng}).", "id_error": "Số định danh phải có đủ 12 chữ số.",
        "code_prompt": "Mã xã của tệp: {code} ({name}). Ghi đủ 5 chữ số.",
        "code_error": "Tệp này là của xã {code}; mỗi tệp chỉ chứa hộ của một xã.",
    },
    "en": {
        "title": "{title} — {commune}, review year {year}",
        "lines": (
            "This file is one commune's return for the review of poor and near-poor households (form {form})."
            " The commune's details are on sheet \"{info}\".\n"
            "Sheet \"{households}\": one row per household. Sheet \"{members}\": one row per household member,"
            " linked to the household by the \"Mã hộ\" column.\n"
            "Do not rename sheets; do not edit or delete the header row (row 1). Add as many rows as needed below"
            " the header; row order does not matter.\n"
            "Orange headers: columns to fill (see the \"Required\" column of the table below). Each column's note shows when the mouse is over its header.\n"
            "Write dates as dd/mm/yyyy (e.g. 05/09/{year}). When a birth date is not known, the year alone"
            " may be written (e.g. 1985).\n"
            "Personal identification numbers: all 12 digits as on the ID card; the column is formatted as Text to"
            " keep leading zeros. When pasting from another file, use Paste Values to keep that format.\n"
            "Yes/no columns: pick \"Có\" (yes) or \"Không\" (no) from the drop-down. \"Thiếu hụt: …\" columns:"
            " 1 when the household is deprived in that indicator, 0 when not.\n"
            "Columns with a list: pick a value from the drop-down. \"Nguyên nhân nghèo\" takes several values"
            " separated by semicolons (;).\n"
            "This file's commune code: {code} ({commune}). The \"Mã xã\" column of sheet \"{households}\" holds"
            " this code, all 5 digits.\n"
            "The columns and their allowed values are listed below."
        ),
        "table": "Sheet\tKey\tHeader\tRequired\tType\tAllowed values\tNote",
        "required": "Required", "soft": "Expected (warning when missing)", "optional": "Optional",
        "either": "Required: this column or \"{other}\"",
        "between": "from {lo} to {hi}", "min": "≥ {lo}", "gt": "> {lo}", "max": "≤ {hi}",
        "multiple": "multiple of {m}", "digits": "{n} digits", "year_only": "or the birth year alone",
        "default": "blank means \"{d}\"", "blank_no": "blank means \"Không\"",
        "list_error": "Pick a value from the drop-down list.", "list_error_title": "Invalid value",
        "multi_prompt": "Pick from the list, or type several values separated by ;",
        "range_error": "Value out of range ({rng}).", "id_error": "The ID must have all 12 digits.",
        "code_prompt": "This file's commune: {code} ({name}). All 5 digits.",
        "code_error": "This file belongs to commune {code}; one commune per file.",
    },
}


def write_template(out: Path, commune: str, year: int, *, as_of: date | None = None, lang: str = "vi",
                   registry: Registry | None = None) -> Path:
    """Write the blank return of layout 1 for `commune` and review `year`; return the path written.

    `as_of` picks the unit list (default 1 September of `year`). `out` is the file to write, or an existing
    folder (the file is then named `hgn-<code>-<year>.xlsx`). The file is written to a temporary file in the same
    folder and renamed into place. An unknown commune raises `UsageError` with the nearest matches as its hint.
    """
    lang = "en" if lang == "en" else "vi"
    check_review_year(year)
    reg = registry or get_registry()
    as_of = as_of or date(year, *REVIEW_MONTH_DAY)
    unit = resolve_commune(reg, commune, as_of)
    target = _target(Path(out), unit.code, year)
    wb = build_template(load_layout(LAYOUT_ID), unit, year, lang=lang)
    _save_atomic(wb, target)
    return target


def resolve_commune(reg: Registry, commune: str, as_of: date) -> Unit:
    """The commune for a 5-digit code in the list for `as_of`, or a `UsageError` naming the nearest matches."""
    text = " ".join(str(commune).split())
    if re.fullmatch(r"\d{5}", text):
        found = reg.commune(text, as_of)
        if found is not None:
            return found
    day = as_of.strftime("%d/%m/%Y")
    hints_vi: list[str] = []
    hints_en: list[str] = []
    other_day = REFORM_DATE - timedelta(days=1) if reg.era(as_of) == AFTER else REFORM_DATE
    other = reg.commune(text, other_day) if re.fullmatch(r"\d{5}", text) else None
    if other is not None and reg.era(as_of) == AFTER:
        moved = "; ".join(_label(reg, e.new_code, as_of) for e in reg.crosswalk(text))
        hints_vi.append(f"Mã {text} là {other.name} ({other.province_name}) trong danh mục trước 01/07/2025"
                        + (f"; từ 01/07/2025 thuộc: {moved}." if moved else "."))
        hints_en.append(f"Code {text} is {other.name} ({other.province_name}) in the list before 1/7/2025"
                        + (f"; from 1/7/2025 it belongs to: {moved}." if moved else "."))
    elif other is not None:
        hints_vi.append(f"Mã {text} là {other.name} ({other.province_name}) trong danh mục từ 01/07/2025;"
                        f" ngày {day} dùng danh mục trước 01/07/2025.")
        hints_en.append(f"Code {text} is {other.name} ({other.province_name}) in the list from 1/7/2025;"
                        f" {day} uses the list before 1/7/2025.")
    if re.search(r"[^\W\d_]", text):  # letters: probably a name instead of a code
        near = reg.search(text, as_of, level="commune", limit=5)
        if near:
            names = "; ".join(u.label() for u in near)
            hints_vi.append(f"Ghi mã xã 5 chữ số, không ghi tên. Xã có tên gần giống: {names}.")
            hints_en.append(f"Give the 5-digit commune code, not the name. Communes with a similar name: {names}.")
    elif re.search(r"\d", text):
        near = reg.nearest_codes(text, as_of)
        if near:
            codes = "; ".join(u.label() for u in near)
            hints_vi.append(f"Có phải mã: {codes}?")
            hints_en.append(f"Did you mean: {codes}?")
    hints_vi.append("Mã xã gồm 5 chữ số theo danh mục đơn vị hành chính của Cục Thống kê.")
    hints_en.append("Commune codes have 5 digits, as in the statistics office's list of administrative units.")
    raise UsageError(f"Mã xã \"{text}\" không có trong danh mục đơn vị hành chính ngày {day}.",
                     hint=" ".join(hints_vi),
                     message_en=f"Commune code \"{text}\" is not in the list of administrative units of {day}.",
                     hint_en=" ".join(hints_en))


def _label(reg: Registry, code: str, as_of: date) -> str:
    u = reg.commune(code, as_of)
    return u.label() if u is not None else code


def build_template(layout: Layout, unit: Unit, year: int, *, lang: str = "vi") -> Workbook:
    """The template workbook in memory (not saved)."""
    households, members = layout.sheets["households"], layout.sheets["members"]
    wb = Workbook()
    guide = wb.active
    assert guide is not None
    guide.title = layout.instructions_sheet or "Hướng dẫn"
    info = wb.create_sheet(layout.info_sheet or "Thông tin")
    data_sheets = [(spec, wb.create_sheet(spec.name or spec.role)) for spec in (households, members)]
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"

    list_names = _write_lists(wb, lists, [spec for spec, _ws in data_sheets])
    _write_info(info, layout, unit, year)
    for spec, ws in data_sheets:
        _write_data_sheet(ws, spec, unit, list_names, lang)
    _write_guide(guide, layout, unit, year, lang)

    wb.active = 0
    wb.properties.title = f"{layout.title} — {unit.code} {unit.name} — {year}"
    wb.properties.creator = "hgn"
    return wb


def _write_lists(wb: Workbook, ws: Worksheet, specs: Sequence[SheetSpec]) -> dict[str, str]:
    """One column per distinct value list on the hidden sheet, each under a workbook name; column key -> name."""
    by_values: dict[tuple[str, ...], str] = {}
    out: dict[str, str] = {}
    for spec in specs:
        for col in spec.columns:
            if col.type not in LIST_TYPES or not col.choices:
                continue
            if col.choices not in by_values:
                name = f"ds_{col.key}"
                idx = len(by_values) + 1
                letter = get_column_letter(idx)
                ws.cell(row=1, column=idx, value=name).font = _BOLD
                for r, value in enumerate(col.choices, start=2):
                    # digits stay numbers (flag 1/0): Excel compares a typed 1 with the list by type
                    cell = ws.cell(row=r, column=idx, value=int(value) if value.isdigit() else value)
                    if not value.isdigit():
                        cell.number_format = "@"
                ws.column_dimensions[letter].width = max(12, min(40, max(len(v) for v in col.choices) + 2))
                ref = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(col.choices) + 1}"
                wb.defined_names[name] = DefinedName(name, attr_text=ref)
                by_values[col.choices] = name
            out[col.key] = by_values[col.choices]
    return out


def _write_info(ws: Worksheet, layout: Layout, unit: Unit, year: int) -> None:
    values: list[Any] = [unit.code, unit.name, unit.district_name, unit.province_name, unit.area, year,
                         f"{layout.id} v{layout.version}"]
    for c, head in enumerate(INFO_HEADER, start=1):
        cell = ws.cell(row=1, column=c, value=head)
        cell.font, cell.fill, cell.border = _BOLD, _FILL_OPTIONAL, _BORDER
    for r, (label, value) in enumerate(zip(INFO_LABELS, values, strict=True), start=2):
        ws.cell(row=r, column=1, value=label).font = _BOLD
        cell = ws.cell(row=r, column=2, value=value)
        if isinstance(value, str):
            cell.number_format = "@"
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 40
    ws.freeze_panes = "A2"


def _range_text(col: ColumnSpec, t: dict[str, str]) -> str:
    parts: list[str] = []
    lo = col.min_exclusive if col.min_exclusive is not None else col.min
    if lo is not None and col.max is not None:
        parts.append(t["between"].format(lo=_num(lo), hi=_num(col.max)))
    elif col.min_exclusive is not None:
        parts.append(t["gt"].format(lo=_num(col.min_exclusive)))
    elif col.min is not None:
        parts.append(t["min"].format(lo=_num(col.min)))
    elif col.max is not None:
        parts.append(t["max"].format(hi=_num(col.max)))
    if col.multiple_of:
        parts.append(t["multiple"].format(m=_num(col.multiple_of)))
    if col.digits:
        parts.append(t["digits"].format(n=col.digits))
    if col.year_only:
        parts.append(t["year_only"])
    return ", ".join(parts)


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _validation_for_range(col: ColumnSpec, t: dict[str, str]) -> DataValidation | None:
    """A warning-style check of a numeric column's bounds (whole numbers for integer columns)."""
    if col.type not in ("integer", "number"):
        return None
    kind = "whole" if col.type == "integer" else "decimal"
    if col.min_exclusive is not None:
        op, f1, f2 = "greaterThan", col.min_exclusive, None
    elif col.min is not None and col.max is not None:
        op, f1, f2 = "between", col.min, col.max
    elif col.min is not None:
        op, f1, f2 = "greaterThanOrEqual", col.min, None
    elif col.max is not None:
        op, f1, f2 = "lessThanOrEqual", col.max, None
    else:
        return None
    return DataValidation(type=kind, operator=op, formula1=_num(f1), formula2=None if f2 is None else _num(f2),
                          allow_blank=True, showErrorMessage=True, errorStyle="warning",
                          error=t["range_error"].format(rng=_range_text(col, t)))


def _write_data_sheet(ws: Worksheet, spec: SheetSpec, unit: Unit, list_names: dict[str, str], lang: str) -> None:
    t = _TEXT[lang]
    for idx, col in enumerate(spec.columns, start=1):
        letter = get_column_letter(idx)
        cell = ws.cell(row=1, column=idx, value=col.header)
        cell.font, cell.alignment, cell.border = _BOLD, _HEADER_ALIGN, _BORDER
        # the spec's required columns: those a blank refuses and those a blank is a finding of (the person's ID)
        cell.fill = _FILL_REQUIRED if col.required or col.required_soft or col.key in INCOME_BASIS else _FILL_OPTIONAL
        if col.note:
            comment = Comment(col.note, "hgn")
            comment.width, comment.height = 240, 40 + 15 * math.ceil(len(col.note) / 40)
            cell.comment = comment
        dim = ws.column_dimensions[letter]
        dim.width = col.width
        if col.type in TEXT_TYPES:
            dim.number_format = "@"
        elif col.type == "date" and not col.year_only:
            dim.number_format = "dd/mm/yyyy"
        cells = f"{letter}2:{letter}{DATA_ROWS}"
        dv: DataValidation | None = None
        if col.key == "ma_xa":
            dv = DataValidation(type="list", formula1=f'"{unit.code}"', allow_blank=True, showErrorMessage=True,
                                errorStyle="warning", error=t["code_error"].format(code=unit.code),
                                showInputMessage=True, promptTitle=col.header[:32],
                                prompt=t["code_prompt"].format(code=unit.code, name=unit.name)[:255])
        elif col.type == "multichoice" and col.key in list_names:
            dv = DataValidation(type="list", formula1=list_names[col.key], allow_blank=True,
                                showErrorMessage=False, showInputMessage=True, promptTitle=col.header[:32],
                                prompt=t["multi_prompt"])
        elif col.type in LIST_TYPES and col.key in list_names:
            dv = DataValidation(type="list", formula1=list_names[col.key], allow_blank=True, showErrorMessage=True,
                                errorStyle="stop", errorTitle=t["list_error_title"], error=t["list_error"])
        elif col.type == "id":
            dv = DataValidation(type="textLength", operator="equal", formula1="12", allow_blank=True,
                                showErrorMessage=True, errorStyle="warning", error=t["id_error"])
        else:
            dv = _validation_for_range(col, t)
        if dv is not None:
            ws.add_data_validation(dv)
            dv.add(cells)
    lines = max(math.ceil(len(c.header) / max(c.width - 1, 4)) for c in spec.columns)
    ws.row_dimensions[1].height = 15 * min(max(lines, 2), 6) + 4
    ws.freeze_panes = "A2"


def _write_guide(ws: Worksheet, layout: Layout, unit: Unit, year: int, lang: str) -> None:
    t = _TEXT[lang]
    households, members = layout.sheets["households"], layout.sheets["members"]
    commune = unit.name + (f", {unit.district_name}" if unit.district_name else "") + f", {unit.province_name}"
    fmt = {"title": layout.title, "commune": commune, "year": year, "code": unit.code,
           "form": f"{layout.id} v{layout.version}", "info": layout.info_sheet or "Thông tin",
           "households": households.name, "members": members.name}
    ws.cell(row=1, column=1, value=t["title"].format(**fmt)).font = _TITLE
    row = 3
    for line in t["lines"].format(**fmt).split("\n"):
        ws.cell(row=row, column=1, value=f"• {line}")
        row += 1
    row += 1
    for c, head in enumerate(t["table"].split("\t"), start=1):
        cell = ws.cell(row=row, column=c, value=head)
        cell.font, cell.fill, cell.border, cell.alignment = _BOLD, _FILL_OPTIONAL, _BORDER, _HEADER_ALIGN
    header_row = row
    types = _TYPE_LABEL[lang]
    for spec in (households, members):
        for col in spec.columns:
            row += 1
            required = t["required"] if col.required else t["soft"] if col.required_soft else t["optional"]
            if col.key in INCOME_BASIS:  # income-basis-missing when both are blank (validate.py)
                other = next(c.header for c in spec.columns if c.key in INCOME_BASIS and c.key != col.key)
                required = t["either"].format(other=other)
            allowed = [" / ".join(col.choices)] if col.choices and col.type not in ("yesno", "flag") else []
            rng = _range_text(col, t)
            if rng:
                allowed.append(rng)
            if col.default:
                allowed.append(t["default"].format(d=col.default))
            if col.blank_is_no:
                allowed.append(t["blank_no"])
            values = [spec.name, col.key, col.header, required, types[col.type], "; ".join(allowed), col.note]
            for c, value in enumerate(values, start=1):
                cell = ws.cell(row=row, column=c, value=value or None)
                cell.alignment, cell.border = _WRAP_TOP, _BORDER
                if c == 2:
                    cell.number_format = "@"
    for letter, width in zip("ABCDEFG", (13, 24, 34, 16, 24, 50, 60), strict=True):
        ws.column_dimensions[letter].width = width
    ws.auto_filter.ref = f"A{header_row}:G{row}"


def check_review_year(year: object) -> None:
    """A UsageError unless ``year`` is a review year hgn writes returns for (2000–2100)."""
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise UsageError(f"Năm rà soát \"{year}\" không hợp lệ.", hint="Ghi năm rà soát từ 2000 đến 2100, ví dụ 2025.",
                         message_en=f"Review year \"{year}\" is invalid.",
                         hint_en="Give a review year from 2000 to 2100, e.g. 2025.")


def _target(out: Path, code: str, year: int) -> Path:
    target = out / f"hgn-{code}-{year}.xlsx" if out.is_dir() else out
    if target.suffix.lower() != ".xlsx":
        raise UsageError(f"Tệp mẫu phải có đuôi .xlsx: {target}", hint="Ví dụ: bieu-ra-soat.xlsx.",
                         message_en=f"The template file must end in .xlsx: {target}", hint_en="E.g. return.xlsx.")
    target.parent.mkdir(parents=True, exist_ok=True)
    return target


def _save_atomic(wb: Workbook, target: Path) -> None:
    """Save to a temporary file next to `target`, then rename it into place: never a half-written file."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        wb.save(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
