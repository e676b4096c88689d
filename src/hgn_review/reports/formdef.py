"""Report form definitions as data: reports/forms/bieu_NN.yaml, one file per form.

A province changes a form without code: copy the file into a folder, edit the title or drop a column, and pass
the folder as ``forms_dir`` (``hgn report --forms-dir``): its files replace the bundled forms of the same number.

Schema (every key but ``number``, ``title`` and ``columns`` optional)::

    number: 1                 # the form number, printed "Biểu số 01"
    title: "… NĂM {year}"     # placeholders: {year} {unit_name} {scope} {province} {district} {issuer}
    subtitle: "({scope})"
    unit_note: "Đơn vị tính: hộ, người"
    kind: table               # table (one row per unit, a total row) | list (one row per member)
    group_by: auto            # table: auto (the level below the report's unit) | commune | district | village
    list_class: Nghèo         # list: the end-of-period class listed (Nghèo | Cận nghèo)
    sections: auto            # list: auto (a bold row per commune when the list spans several) | none
    notes: ["…"]              # lines printed under the table
    columns:
      - id: c1                # optional unique name, used by key_formula of other columns
        header: [Hộ nghèo, Số hộ]   # the header cells from the top band row down; equal neighbours merge
        # exactly one of:
        value: index | label  # table: the row number (STT) / the unit's name
        count: poor_hh        # a count of the view (see reports/view.py for the names)
        sum: [a, b]           # a sum of counts
        rate: [a, b]          # a / b × 100, from the row's own counts (the total row too): never summed
        expr: "a - b + c"     # + - * / and parentheses over counts and numbers
        field: ho_ten         # list: a field of the persons table
        each: indicators      # repeat per item of a series (indicators | ethnic_groups | causes);
                              # {key} {name} {short_name} {group} are filled in every string of the column
        per: household        # list: print only on the household's first row
        format: int           # int (#,##0) | rate (0.00) | text | year; default from the formula
        width: 10
        key: "A"              # the column-key row's text; default: A, B … for value columns, 1, 2 … else
        key_formula: "{c1} - {c2}"  # key row "n = 1 - 2", with the numbers of the columns named
"""

from __future__ import annotations

import ast
import operator
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from hgn_review.errors import ConfigError, UsageError, yaml_problem
from hgn_review.io.read import col_letter

FORM_FILE = re.compile(r"^bieu_(\d{1,2})\.ya?ml$")
# the per-household attributes read from member rows (reports/view.py), unknown for a household without them:
# a unit's figure of one of those that counts such a household is blank, not 0
MEMBERS_UNKNOWN = "members_unknown"
FROM_MEMBERS = frozenset({"child", "child_no_bhyt", "child_malnourished", "child_out_of_school", "no_labour"})
# a household without member rows whose size is blank too: its persons are not known — a unit's persons figure
# that counts such a household is blank, not 0
SIZE_UNKNOWN = "size_unknown"
FROM_SIZE = frozenset({"pp", "minority_pp"})
# a household whose merit answer is not known (the application's export has no such column): a unit's figure of
# merit households that counts one is blank, not 0
MERIT_UNKNOWN = "merit_unknown"
FROM_MERIT = frozenset({"merit"})
# a household whose return names no cause of poverty at all (the application's export has no such column): a unit's
# figure of any cause (``cause_…``, an attribute name ending in "_" stands for those it begins) that counts one is
# blank, not 0 — a blank cell of a return that names causes for others names none
CAUSES_UNKNOWN = "causes_unknown"
FROM_CAUSES = frozenset({"cause_"})
# children (form 11) whose health-insurance, nutrition or schooling answer is not known (left blank, or not valid):
# a unit's count of children without a card, malnourished or out of school that counts one is blank, not 0
CHILD_BHYT_UNKNOWN, CHILD_NUTRITION_UNKNOWN, CHILD_SCHOOL_UNKNOWN = (
    "child_bhyt_unknown", "child_nutrition_unknown", "child_school_unknown")
# members without a usable date or year of birth: whether each is a child is not known — every children's figure of
# form 11 of a unit that counts one is blank, not a count that leaves them out
CHILD_AGE_UNKNOWN = "child_age_unknown"
# a household with an indicator not determined (an answer it needs left blank or not valid): its number of
# deprivations is not known — a unit's total of deprivations that counts one is blank, not a count that takes the
# unknown indicator as not deprived
DEP_UNKNOWN = "dep_unknown"
# a household whose head's sex is not known (blank, or not valid): a unit's count of female-headed households that
# counts one is blank, not a count that leaves it out
HEAD_SEX_UNKNOWN = "head_sex_unknown"
# a household of which it is not known whether it is an "other" household (form 08: in none of the groups minority,
# without labour capacity, merit): in none known, and one of them not known — its head's ethnic group blank or not
# valid with no "dân tộc tại chỗ" answer either (an export's 0 is known), its merit answer, or its members (whether
# without labour capacity). A household known to be in one group is known not to be "other", whatever else is not.
OTHER_UNKNOWN = "other_unknown"
UNKNOWN_OF = ((DEP_UNKNOWN, frozenset({"dep_total"})), (HEAD_SEX_UNKNOWN, frozenset({"female_head"})),
              (OTHER_UNKNOWN, frozenset({"other_group"})), (MEMBERS_UNKNOWN, FROM_MEMBERS), (SIZE_UNKNOWN, FROM_SIZE), (MERIT_UNKNOWN, FROM_MERIT),
              (CAUSES_UNKNOWN, FROM_CAUSES), (CHILD_BHYT_UNKNOWN, frozenset({"child_no_bhyt"})),
              (CHILD_NUTRITION_UNKNOWN, frozenset({"child_malnourished"})),
              (CHILD_SCHOOL_UNKNOWN, frozenset({"child_out_of_school"})),
              (CHILD_AGE_UNKNOWN, frozenset({"child", "child_no_bhyt", "child_malnourished", "child_out_of_school"})))
# a farming (NLNDN) household above the poverty line by its B1 score alone: whether its living standard is average
# needs a measured income (domain.md §2.2; the application's export has none) — a unit's average-living figures
# (``avg_…``) with such a household among its households are blank, not a count that leaves it out
AVG_UNKNOWN = "avg_unknown"
UNKNOWN_OF_CLASS = ((AVG_UNKNOWN, frozenset({"avg"})),)  # (flag over all households, the class groups it blanks)
# an indicator a household's flag is not known for (an answer it needs left blank, or its standard does not hold
# the indicator — results merged across standards): a unit's count of households deprived in it that counts one is
# blank, not 0 (``not_counted_th_…``)
NOT_COUNTED = "not_counted_"
FORMULA_KINDS = ("value", "count", "sum", "rate", "expr", "field")
COLUMN_KEYS = {"id", "header", *FORMULA_KINDS, "each", "per", "format", "width", "key", "key_formula"}
FORM_KEYS = {"number", "title", "subtitle", "unit_note", "kind", "group_by", "list_class", "sections", "notes",
             "columns"}
FORMATS = ("int", "rate", "text", "year")
SERIES = ("indicators", "ethnic_groups", "causes")
GROUP_BY = ("auto", "commune", "district", "village")


@dataclass(frozen=True)
class ColumnDef:
    header: tuple[str, ...]
    kind: str  # value | count | sum | rate | expr | field
    arg: Any
    id: str = ""
    each: str = ""
    per: str = ""
    format: str = ""
    width: float | None = None
    key: str = ""
    key_formula: str = ""


@dataclass(frozen=True)
class FormDef:
    number: int
    title: str
    columns: tuple[ColumnDef, ...]
    subtitle: str = ""
    unit_note: str = ""
    kind: str = "table"
    group_by: str = "auto"
    list_class: str = ""
    sections: str = "auto"
    notes: tuple[str, ...] = ()
    source: str = ""

    @property
    def code(self) -> str:
        return f"{self.number:02d}"


@dataclass(frozen=True)
class Column:
    """A column ready to render: series expanded, number and key assigned."""

    header: tuple[str, ...]
    kind: str
    arg: Any
    format: str
    width: float
    key: str
    per: str
    id: str


# ------------------------------------------------------------------------------------------------ loading
def _fail(source: str, where: str, vi: str, en: str) -> ConfigError:
    return ConfigError(f"Định nghĩa biểu {source}, {where}: {vi}",
                       hint="Sửa tệp YAML của biểu (xem reports/forms/ trong gói hgn để có mẫu).",
                       message_en=f"Form definition {source}, {where}: {en}",
                       hint_en="Fix the form's YAML file (the bundled reports/forms/ files are examples).")


def _column(raw: Any, source: str, i: int) -> ColumnDef:
    where = f"cột {i + 1}"
    if not isinstance(raw, dict):
        raise _fail(source, where, "phải là một bảng khóa: giá trị", "must be a mapping")
    unknown = set(raw) - COLUMN_KEYS
    if unknown:
        raise _fail(source, where, f"khóa không hợp lệ {sorted(unknown)}", f"unknown keys {sorted(unknown)}")
    kinds = [k for k in FORMULA_KINDS if k in raw]
    if len(kinds) != 1:
        raise _fail(source, where, f"cần đúng một trong {', '.join(FORMULA_KINDS)}",
                    f"needs exactly one of {', '.join(FORMULA_KINDS)}")
    kind = kinds[0]
    arg = raw[kind]
    header = raw.get("header")
    if isinstance(header, str):
        header = [header]
    if not isinstance(header, list) or not header or not all(isinstance(h, str | int) for h in header):
        raise _fail(source, where, "header phải là danh sách chữ", "header must be a list of strings")
    if kind == "value" and arg not in ("index", "label"):
        raise _fail(source, where, "value chỉ nhận index hoặc label", "value takes index or label")
    if kind in ("count", "field") and not isinstance(arg, str):
        raise _fail(source, where, f"{kind} phải là một tên", f"{kind} must be a name")
    if kind == "sum" and not (isinstance(arg, list) and arg and all(isinstance(a, str) for a in arg)):
        raise _fail(source, where, "sum phải là danh sách tên", "sum must be a list of names")
    if kind == "rate":
        ok = isinstance(arg, list) and len(arg) == 2 and isinstance(arg[1], str) and (
            isinstance(arg[0], str) or (isinstance(arg[0], list) and all(isinstance(a, str) for a in arg[0])))
        if not ok:
            raise _fail(source, where, "rate phải là [tử số, mẫu số]", "rate must be [numerator, denominator]")
    if kind == "expr":
        if not isinstance(arg, str):
            raise _fail(source, where, "expr phải là một biểu thức", "expr must be an expression string")
        try:
            _parse(arg)
        except ValueError as exc:
            raise _fail(source, where, f"biểu thức không hợp lệ: {exc}", f"invalid expression: {exc}") from exc
    each = str(raw.get("each", "") or "")
    if each and each not in SERIES:
        raise _fail(source, where, f"each chỉ nhận {', '.join(SERIES)}", f"each takes {', '.join(SERIES)}")
    fmt = str(raw.get("format", "") or "")
    if fmt and fmt not in FORMATS:
        raise _fail(source, where, f"format chỉ nhận {', '.join(FORMATS)}", f"format takes {', '.join(FORMATS)}")
    width = raw.get("width")
    if width is not None and not isinstance(width, int | float):
        raise _fail(source, where, "width phải là số", "width must be a number")
    return ColumnDef(header=tuple(str(h) for h in header), kind=kind, arg=arg, id=str(raw.get("id", "") or ""),
                     each=each, per=str(raw.get("per", "") or ""), format=fmt,
                     width=float(width) if width is not None else None, key=str(raw.get("key", "") or ""),
                     key_formula=str(raw.get("key_formula", "") or ""))


def parse_form(data: Any, source: str) -> FormDef:
    if not isinstance(data, dict):
        raise _fail(source, "gốc", "phải là một bảng khóa: giá trị", "must be a mapping")
    unknown = set(data) - FORM_KEYS
    if unknown:
        raise _fail(source, "gốc", f"khóa không hợp lệ {sorted(unknown)}", f"unknown keys {sorted(unknown)}")
    number = data.get("number")
    if not isinstance(number, int) or not 1 <= number <= 99:
        raise _fail(source, "number", "phải là số nguyên 1–99", "must be an integer 1–99")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise _fail(source, "title", "thiếu tên biểu", "missing")
    cols = data.get("columns")
    if not isinstance(cols, list) or not cols:
        raise _fail(source, "columns", "cần ít nhất một cột", "needs at least one column")
    kind = data.get("kind", "table")
    if kind not in ("table", "list"):
        raise _fail(source, "kind", "chỉ nhận table hoặc list", "takes table or list")
    group_by = data.get("group_by", "auto")
    if group_by not in GROUP_BY:
        raise _fail(source, "group_by", f"chỉ nhận {', '.join(GROUP_BY)}", f"takes {', '.join(GROUP_BY)}")
    columns = tuple(_column(c, source, i) for i, c in enumerate(cols))
    for c in columns:
        if kind == "list" and c.kind not in ("field",):
            raise _fail(source, f"cột {'/'.join(c.header)}", "biểu danh sách chỉ dùng field",
                        "a list form only takes field columns")
        if kind == "table" and c.kind == "field":
            raise _fail(source, f"cột {'/'.join(c.header)}", "biểu tổng hợp không dùng field",
                        "a table form takes no field columns")
    ids = [c.id for c in columns if c.id]
    if len(ids) != len(set(ids)):
        raise _fail(source, "columns", "id của cột bị trùng", "duplicate column id")
    notes = data.get("notes", []) or []
    if isinstance(notes, str):
        notes = [notes]
    list_class = str(data.get("list_class", "") or "")
    if kind == "list" and list_class not in ("Nghèo", "Cận nghèo"):
        raise _fail(source, "list_class", "chỉ nhận Nghèo hoặc Cận nghèo", "takes Nghèo or Cận nghèo")
    return FormDef(number=number, title=title.strip(), columns=columns, subtitle=str(data.get("subtitle", "") or ""),
                   unit_note=str(data.get("unit_note", "") or ""), kind=kind, group_by=group_by,
                   list_class=list_class, sections=str(data.get("sections", "auto") or "auto"),
                   notes=tuple(str(n) for n in notes), source=source)


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when PyYAML has it: the same values, faster


def _read(text: str, source: str) -> FormDef:
    try:
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        vi, en = yaml_problem(exc)
        raise _fail(source, "YAML", f"không đọc được ({vi})", f"cannot be parsed ({en})") from exc
    return parse_form(data, source)


def load_forms(forms_dir: Path | None = None) -> dict[int, FormDef]:
    """The bundled form definitions, each replaced by the file of the same number in ``forms_dir`` if any."""
    forms = {f.number: f for f in _bundled_forms()}
    if forms_dir is not None:
        folder = Path(forms_dir)
        if folder.is_file():  # the province's one form file, not its folder
            raise UsageError(f"--forms-dir {folder} là một tệp, không phải thư mục định nghĩa biểu.",
                             hint=f"Chỉ thư mục chứa tệp đó (--forms-dir {folder.parent}); hgn lấy mọi tệp bieu_NN.yaml "
                                  "trong thư mục, biểu không có tệp thì dùng mẫu có sẵn.",
                             message_en=f"--forms-dir {folder} is a file, not a folder of form definitions.",
                             hint_en=f"Give the folder that holds it (--forms-dir {folder.parent}); hgn takes every "
                                     "bieu_NN.yaml there, and the bundled form for the others.")
        if not folder.is_dir():
            raise ConfigError(f"Không tìm thấy thư mục định nghĩa biểu {folder}.",
                              hint="Chỉ thư mục chứa các tệp bieu_NN.yaml.",
                              message_en=f"Form definition folder {folder} not found.",
                              hint_en="Point to a folder holding bieu_NN.yaml files.")
        found = [p for p in sorted(folder.iterdir()) if FORM_FILE.match(p.name.lower())]  # Bieu_01.YAML too
        if not found:  # a province's folder whose files are not named as forms: never the bundled ones in silence
            raise ConfigError(f"Thư mục {folder} không có tệp định nghĩa biểu nào (tên dạng bieu_01.yaml … bieu_15.yaml).",
                              hint="Đặt tên mỗi tệp theo số biểu nó thay: bieu_NN.yaml.",
                              message_en=f"Folder {folder} holds no form definition (named bieu_01.yaml … bieu_15.yaml).",
                              hint_en="Name each file after the form it replaces: bieu_NN.yaml.")
        for path in found:
            try:
                text = path.read_text("utf-8")
            except UnicodeDecodeError as exc:  # saved as "Unicode" (UTF-16) or a Windows code page by Notepad
                raise _fail(str(path), "UTF-8", "không phải UTF-8 (lưu lại tệp với mã hoá UTF-8)",
                            "not UTF-8 (save the file again as UTF-8)") from exc
            f = _read(text, str(path))
            named = int(FORM_FILE.match(path.name.lower()).group(1))  # type: ignore[union-attr]
            if f.number != named:  # bieu_03.yaml saying number: 1 would replace form 1 and leave form 3 as it was
                raise _fail(str(path), "number", f"ghi biểu số {f.number} nhưng tên tệp là biểu số {named}",
                            f"says form {f.number} but the file is named form {named}")
            forms[f.number] = f
    return dict(sorted(forms.items()))


@cache  # the package's own definitions: read once a process (a report asks for them twice)
def _bundled_forms() -> tuple[FormDef, ...]:
    bundled = resources.files("hgn_review.reports").joinpath("forms")
    return tuple(_read(entry.read_text("utf-8"), f"reports/forms/{entry.name}")
                 for entry in sorted(bundled.iterdir(), key=lambda e: e.name) if FORM_FILE.match(entry.name))


def parse_forms_option(text: str | None) -> list[int] | None:
    """``"1,2,4"`` or ``"1-5,9"`` -> numbers; ``"all"``, ``""`` or None -> None (every form)."""
    if text is None or not str(text).strip() or str(text).strip().lower() == "all":
        return None
    out: list[int] = []
    for part in str(text).split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d{1,2})(?:\s*-\s*(\d{1,2}))?", part)
        if not m:
            from hgn_review.errors import UsageError

            raise UsageError(f"--forms: \"{part}\" không phải số biểu.", hint="Ví dụ: --forms 1,2,4 hoặc --forms all.",
                             message_en=f"--forms: \"{part}\" is not a form number.",
                             hint_en="For example --forms 1,2,4 or --forms all.")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:  # "3-1" would select nothing: said so rather than writing no form
            from hgn_review.errors import UsageError

            raise UsageError(f"--forms: khoảng \"{part}\" ngược (số đầu lớn hơn số cuối).",
                             hint=f"Ví dụ: --forms {hi}-{lo}.", message_en=f"--forms: the range \"{part}\" is reversed.",
                             hint_en=f"For example --forms {hi}-{lo}.")
        out.extend(range(lo, hi + 1))
    return sorted(set(out))


# ------------------------------------------------------------------------------------------------ expressions
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv}


def _parse(text: str) -> ast.expr:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as exc:
        raise ValueError(str(exc.msg)) from exc
    for node in ast.walk(tree):
        if isinstance(node, ast.Expression | ast.BinOp | ast.UnaryOp | ast.Name | ast.Load | ast.USub | ast.UAdd):
            continue
        if isinstance(node, ast.operator) and type(node) in _OPS:
            continue
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
            continue
        raise ValueError(f"không hỗ trợ {type(node).__name__}")
    return tree.body


def names_in(col: Column) -> list[str]:
    """The counts a column reads."""
    if col.kind == "count":
        return [col.arg]
    if col.kind == "sum":
        return list(col.arg)
    if col.kind == "rate":
        num = col.arg[0] if isinstance(col.arg[0], list) else [col.arg[0]]
        return [*num, col.arg[1]]
    if col.kind == "expr":
        return sorted({n.id for n in ast.walk(_parse(col.arg)) if isinstance(n, ast.Name)})
    return []


def round_half_up(values: Any, digits: int = 2) -> Any:
    """Round as Excel's ROUND and the forms' readers do: a half away from zero (3.125 → 3.13, not the 3.12 of
    round-half-to-even), on the number as written to 15 significant figures (1.005 → 1.01, though its binary
    value is 1.00499…). Works on a number, a numpy array or a pandas Series (NA stays NA)."""
    scale = 10.0 ** digits
    if isinstance(values, pd.Series):
        x = values.astype("Float64")
        return x.mask(x.notna(), _half_up(x.astype("float64").to_numpy(na_value=np.nan), scale))
    if isinstance(values, np.ndarray):
        return _half_up(values.astype("float64"), scale)
    return float(_half_up(np.array([values], dtype="float64"), scale)[0])


def _half_up(x: np.ndarray, scale: float) -> np.ndarray:
    scaled = np.round(x * scale, 9)  # the binary noise of 1.005 × 100 = 100.49999999999999 gone
    return np.sign(scaled) * np.floor(np.abs(scaled) + 0.5) / scale


def among(attr: str, attrs: frozenset[str]) -> bool:
    """Whether the attribute ``attr`` is one of ``attrs`` (a name ending in "_" stands for those it begins)."""
    return attr in attrs or any(a.endswith("_") and attr.startswith(a) for a in attrs)


def known_count(counts: pd.DataFrame, name: str) -> pd.Series:
    """The count ``name`` ("poor_hh", "pp" …) of every row of ``counts``, NA where it is not known: a household
    counted whose answer it needs is not known (UNKNOWN_OF), one that may be of the class and is not known to be
    (UNKNOWN_OF_CLASS), or a part of it not counted — the figure a form leaves blank, never 0."""
    values = counts[name].astype("float64")
    group, _, attr = ("all", "", name) if name in ("hh", "pp") else name.partition("_")
    for flag, attrs in UNKNOWN_OF:
        unknown = f"{group}_{flag}"
        counted = among(attr, attrs)
        if counted and unknown in counts.columns:  # a household counted whose answer is not known
            values = values.where(counts[unknown].astype("float64") == 0)
    for flag, groups in UNKNOWN_OF_CLASS:  # a household that may be of the class, not known to be
        if group in groups and f"all_{flag}" in counts.columns:
            values = values.where(counts[f"all_{flag}"].astype("float64") == 0)
    uncounted = f"{group}_{NOT_COUNTED}{attr}"
    if uncounted in counts.columns:
        values = values.where(counts[uncounted].astype("float64") == 0)
    return values


def evaluate(col: Column, counts: pd.DataFrame) -> pd.Series:
    """The column's values for every row of ``counts`` (one row per unit, the total row included).

    Each row is computed from its own counts: a rate of the total row is total numerator / total denominator.
    A division by zero gives NA (an empty cell).
    """
    def get(name: str) -> pd.Series:
        return known_count(counts, name)

    def safe_div(a: pd.Series, b: pd.Series) -> pd.Series:
        return a / b.where(b != 0)

    if col.kind == "count":
        return get(col.arg)
    if col.kind == "sum":
        return sum((get(n) for n in col.arg[1:]), get(col.arg[0]))
    if col.kind == "rate":
        num_names = col.arg[0] if isinstance(col.arg[0], list) else [col.arg[0]]
        num = sum((get(n) for n in num_names[1:]), get(num_names[0]))
        return safe_div(num, get(col.arg[1])) * 100.0

    def ev(node: ast.expr) -> Any:
        if isinstance(node, ast.Name):
            return get(node.id)
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            a, b = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.Div):
                if isinstance(b, pd.Series):
                    return safe_div(a if isinstance(a, pd.Series) else pd.Series(a, index=counts.index), b)
                return a / b if b else a * float("nan")
            return _OPS[type(node.op)](a, b)
        raise ValueError(type(node).__name__)

    value = ev(_parse(col.arg))
    if not isinstance(value, pd.Series):
        value = pd.Series(float(value), index=counts.index)
    return value


# ------------------------------------------------------------------------------------------------ expansion
def _fill(text: str, item: Any) -> str:
    return (text.replace("{key}", item.key).replace("{name}", item.name)
            .replace("{short_name}", item.short_name or item.name).replace("{group}", item.group))


def _fill_any(value: Any, item: Any) -> Any:
    if isinstance(value, str):
        return _fill(value, item)
    if isinstance(value, list):
        return [_fill_any(v, item) for v in value]
    return value


def expand(form: FormDef, series: dict[str, list[Any]]) -> list[Column]:
    """The form's columns with every ``each`` repeated per item, formats, widths and key-row texts."""
    raw: list[tuple[ColumnDef, tuple[str, ...], Any, str]] = []
    for c in form.columns:
        if c.each:
            for item in series.get(c.each, []):
                raw.append((c, tuple(_fill(h, item) for h in c.header), _fill_any(c.arg, item),
                            _fill(c.id, item) if c.id else ""))
        else:
            raw.append((c, c.header, c.arg, c.id))
    cols: list[Column] = []
    letter, number = 0, 0
    for c, header, arg, cid in raw:
        if c.kind == "value":
            fmt = c.format or ("text" if arg == "label" else "int")
            width = c.width or (28.0 if arg == "label" else 5.0)
            key = c.key or col_letter(letter)
            letter += 1
        else:
            number += 1
            default = {"rate": "rate", "field": "text"}.get(c.kind, "int")
            fmt = c.format or default
            width = c.width or (10.0 if c.kind != "field" else 12.0)
            key = c.key or str(number)
        cols.append(Column(header=header, kind=c.kind, arg=arg, format=fmt, width=width, key=key, per=c.per,
                           id=cid))
    return _key_formulas(cols, [c for c, *_ in raw])


def _key_formulas(cols: list[Column], defs: list[ColumnDef]) -> list[Column]:
    """Key-row texts such as "3 = 2/1 × 100" for rates and "2 = 3 + 4 + 5" for sums of printed counts."""
    by_count = {c.arg: c.key for c in cols if c.kind == "count" and isinstance(c.arg, str)}
    by_id = {c.id: c.key for c in cols if c.id}
    out: list[Column] = []
    for c, d in zip(cols, defs, strict=True):
        key = c.key
        if d.key:
            pass
        elif d.key_formula:
            refs = re.findall(r"\{(\w+)\}", d.key_formula)
            if refs and all(r in by_id for r in refs):
                key = f"{c.key} = " + re.sub(r"\{(\w+)\}", lambda m: by_id[m.group(1)], d.key_formula)
        elif c.kind == "rate":
            num = c.arg[0] if isinstance(c.arg[0], list) else [c.arg[0]]
            if all(n in by_count for n in num) and c.arg[1] in by_count:
                top = " + ".join(by_count[n] for n in num)
                top = f"({top})" if len(num) > 1 else top
                key = f"{c.key} = {top}/{by_count[c.arg[1]]} × 100"
        elif c.kind == "sum" and all(n in by_count for n in c.arg):
            key = f"{c.key} = " + " + ".join(by_count[n] for n in c.arg)
        out.append(Column(c.header, c.kind, c.arg, c.format, c.width, key, c.per, c.id))
    return out


@dataclass
class HeaderCell:
    row: int
    col: int
    last_row: int
    last_col: int
    text: str


@dataclass
class HeaderBand:
    depth: int
    cells: list[HeaderCell] = field(default_factory=list)


def header_band(cols: list[Column]) -> HeaderBand:
    """Merged header cells from the columns' header paths.

    At band row r, neighbouring columns whose paths agree up to r (and go deeper) share one merged cell; the last
    element of a path spans down to the bottom of the band.
    """
    depth = max(len(c.header) for c in cols)
    band = HeaderBand(depth)
    for r in range(depth):
        j = 0
        while j < len(cols):
            path = cols[j].header
            if len(path) <= r:
                j += 1
                continue
            if len(path) == r + 1:  # a leaf: one column, down to the bottom
                band.cells.append(HeaderCell(r, j, depth - 1, j, path[r]))
                j += 1
                continue
            k = j
            while (k + 1 < len(cols) and len(cols[k + 1].header) > r + 1
                   and cols[k + 1].header[:r + 1] == path[:r + 1]):
                k += 1
            band.cells.append(HeaderCell(r, j, r, k, path[r]))
            j = k + 1
    return band
