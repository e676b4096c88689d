"""The list of poor and near-poor persons for the poverty database linked to the national population database.

One row per person of every household poor or near-poor at the end of the period, keyed by the 12-digit personal
identification number written as text. A person without a valid number stays on the list (number blank) and is
listed again on a second sheet with the reason. The column map is data (reports/columns/population.yaml).
A list longer than a sheet allows is split by commune over several sheets, and the split is written in the note
sheet and returned. A CSV copy (UTF-8 with BOM, so Excel reads the diacritics) goes beside the workbook.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from hgn_review.errors import ConfigError, Note, yaml_problem
from hgn_review.io.results import SHEET_PENDING
from hgn_review.io.write import atomic_path, mark_output
from hgn_review.reports import _movements as mv
from hgn_review.reports import fastxlsx as fx
from hgn_review.reports import pii
from hgn_review.reports.excel import EXCEL_MAX_ROWS, FONT, WORKBOOK_OPTIONS, pack, publish, vn_int
from hgn_review.reports.view import ReportView

TYPES = ("text", "id", "name", "int")


@dataclass(frozen=True)
class ListColumn:
    header: str
    field: str
    type: str = "text"
    width: float = 12.0


@dataclass(frozen=True)
class ColumnMap:
    file: str
    sheet: str
    missing_sheet: str
    note_sheet: str
    columns: tuple[ListColumn, ...]
    missing_columns: tuple[ListColumn, ...]
    reasons: dict[str, str]


def _bad(source: str, vi: str, en: str) -> ConfigError:
    return ConfigError(f"Danh mục cột {source}: {vi}", hint="Xem reports/columns/population.yaml trong gói hgn.",
                       message_en=f"Column map {source}: {en}",
                       hint_en="See reports/columns/population.yaml in the hgn package.")


def _columns(raw: Any, source: str, key: str) -> tuple[ListColumn, ...]:
    if not isinstance(raw, list) or not raw:
        raise _bad(source, f"{key} phải là danh sách cột", f"{key} must be a list of columns")
    out = []
    for c in raw:
        if not isinstance(c, dict) or not isinstance(c.get("header"), str) or not isinstance(c.get("field"), str):
            raise _bad(source, f"mỗi cột của {key} cần header và field", f"each {key} column needs header and field")
        unknown = set(c) - {"header", "field", "type", "width"}
        if unknown:
            raise _bad(source, f"cột \"{c['header']}\" có khóa không hợp lệ {sorted(map(str, unknown))} (thiếu dấu "
                       "ngoặc kép quanh tên có dấu phẩy?)", f"column \"{c['header']}\" has unknown keys")
        t = c.get("type", "text")
        if t not in TYPES:
            raise _bad(source, f"type \"{t}\" không hợp lệ ({', '.join(TYPES)})", f"invalid type \"{t}\"")
        out.append(ListColumn(c["header"], c["field"], t, float(c.get("width", 12))))
    return tuple(out)


def load_column_map(path: Path | None = None) -> ColumnMap:
    if path is None:
        text = resources.files("hgn_review.reports").joinpath("columns/population.yaml").read_text("utf-8")
        source = "reports/columns/population.yaml"
    else:
        source = str(path)
        try:
            text = Path(path).read_text("utf-8")
        except UnicodeDecodeError as exc:  # saved as "Unicode" (UTF-16) or a Windows code page
            raise _bad(source, "không phải UTF-8 (lưu lại tệp với mã hoá UTF-8)",
                       "not UTF-8 (save the file again as UTF-8)") from exc
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        vi, en = yaml_problem(exc)
        raise _bad(source, f"không đọc được YAML ({vi})", f"cannot parse YAML ({en})") from exc
    if not isinstance(data, dict):
        raise _bad(source, "phải là một bảng khóa: giá trị", "must be a mapping")
    reasons = data.get("reasons", {}) or {}
    return ColumnMap(file=str(data.get("file", "danh_sach_csdl_dan_cu")), sheet=str(data.get("sheet", "Danh sách")),
                     missing_sheet=str(data.get("missing_sheet", "Chưa có số định danh")),
                     note_sheet=str(data.get("note_sheet", "Ghi chú")),
                     columns=_columns(data.get("columns"), source, "columns"),
                     missing_columns=_columns(data.get("missing_columns"), source, "missing_columns"),
                     reasons={str(k): str(v) for k, v in reasons.items()})


def prepare(view: ReportView, cmap: ColumnMap, mask_pii: bool) -> pd.DataFrame:
    """The persons of the view with the fields the list prints (date text, category text, reason)."""
    p = view.persons.copy(deep=False)  # copy-on-write: the view's frame is never changed
    dob = pd.to_datetime(p["ngay_sinh"], errors="coerce")
    year = pd.to_numeric(p["nam_sinh"], errors="coerce").astype("Int64").astype("string")
    p["ngay_sinh_text"] = dob.dt.strftime("%d/%m/%Y").astype("string").fillna(year)
    cls_word = p["class"].astype("string").str.lower()
    cat = p["category"].astype("string")
    p["category_text"] = cat.where(cat != mv.CATEGORY_RELAPSE, cat + " " + cls_word)
    codes = p["dinh_danh_loi"].astype("string")
    missing_id = p["so_dinh_danh"].isna() | (p["so_dinh_danh"].astype("string").str.strip() == "").fillna(False)
    codes = codes.mask(missing_id & codes.isna(), "thieu")
    # the key must be 12 digits whatever the results file holds (an ID retyped as a number in a results workbook
    # lost its leading zero after classification checked it)
    shape = ~missing_id & ~p["so_dinh_danh"].astype("string").str.strip().str.fullmatch(r"\d{12}").fillna(False)
    codes = codes.mask(shape.to_numpy(dtype=bool) & codes.isna().to_numpy(dtype=bool), "sai_dinh_dang")
    # one row per person keyed by the ID: an ID that two listed persons carry (two units' results merged, each
    # checked alone) is the key of neither — which of them holds it, only a correction can say
    written = p["so_dinh_danh"].astype("string").str.strip()
    twice = (~missing_id & (written.duplicated(keep=False) | written.isin(view.shared_ids))).fillna(False)
    twice = twice.to_numpy(dtype=bool)
    codes = codes.mask(twice & codes.isna().to_numpy(dtype=bool), "trung")
    texts = {u: "; ".join(cmap.reasons.get(c.strip(), c.strip()) for c in str(u).split(";") if c.strip())
             for u in codes.dropna().unique()}
    p["reason"] = codes.map(texts).astype("string")
    # an ID that failed a check (another sex, birth year or province than the person's; the same ID as another
    # person) is not a key for the population database: the person is listed without it and, with the reason,
    # among those without a valid ID
    unusable = (missing_id | codes.notna()).to_numpy(dtype=bool)
    p["so_dinh_danh"] = p["so_dinh_danh"].mask(unusable)
    p["missing_id"] = unusable
    # by commune, a district's communes together (the unit list's order), poor and near-poor together in each
    p = p.sort_values([c for c in ("ma_huyen", "ma_xa") if c in p.columns], kind="stable").reset_index(drop=True)
    if mask_pii:
        p = pii.mask_persons(p)
    return p


def _arrow(values: pd.Series, ctype: str) -> pa.Array:
    """A list column as written: whole numbers (``int``, decimals cut) or text (``str`` of the value); null = empty."""
    if ctype == "int":
        num = pd.to_numeric(values, errors="coerce")
        if num.dtype.kind == "f" or str(num.dtype) in ("Float64", "Float32"):
            num = num.astype("Float64")
            num = num.mask(num.notna(), np.trunc(num.astype("float64").fillna(0)))
        return pa.array(num.astype("Int64"), type=pa.int64(), from_pandas=True)
    return pa.array(values.astype("string"), type=pa.large_string(), from_pandas=True)


def _text(values: pa.Array) -> pa.Array:
    """The CSV text of a list column: whole numbers as digits ("1970", never "1970.0"), text as written; null = empty."""
    if pa.types.is_large_string(values.type):
        return values
    return values.cast(pa.large_string())


def _write_sheet(fw: fx.Workbook, name: str, cols: tuple[ListColumn, ...], data: list[pa.Array],
                 fmt: dict[str, Any]) -> None:
    ws = fw.book.add_worksheet(name[:31])
    for j, c in enumerate(cols):
        ws.set_column(j, j, c.width, fmt["text"] if c.type in ("id", "text", "name") else fmt["int"])
    ws.write_row(0, 0, [c.header for c in cols], fmt["head"])
    n = len(data[0]) if data else 0
    cells = []
    for j, values in enumerate(data):
        if pa.types.is_integer(values.type):
            cells.append(fx.Cells(j, number=values, style=fmt["int"]))
        else:
            cells.append(fx.Cells(j, text=values, style=fmt["text"]))
    fw.add_rows(ws, range(1, n + 1), cells)
    ws.freeze_panes(1, 0)
    ws.autofilter(0, 0, max(n, 1), len(cols) - 1)
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.repeat_rows(0)


def _check_fields(cmap: ColumnMap, frame: pd.DataFrame, source: str) -> None:
    for c in (*cmap.columns, *cmap.missing_columns):
        if c.field not in frame.columns:
            raise _bad(source, f"không có trường \"{c.field}\" (có: {', '.join(sorted(map(str, frame.columns)))})",
                       f"no field \"{c.field}\"")


# where each is: the results file merged and, in the return it was read from ("file"), its sheet and row
_PENDING_COLUMNS = ("ma_xa_cu", "thon", "ma_ho", "ho_ten_chu_ho", "phan_loai", "so_nhan_khau", "xa_moi_co_the",
                    "source_file", "file", "sheet", "row")


def _pending_sheet(wb: Any, pending: pd.DataFrame, fmt: dict[str, Any], mask_pii: bool) -> None:
    """The poor and near-poor households waiting for their new commune (a few: written cell by cell)."""
    from hgn_review.io.results import labels

    lab = labels()
    cols = [c for c in _PENDING_COLUMNS if c in pending.columns]
    frame = pending[cols].copy()
    for c in ("so_nhan_khau", "row"):  # counts, whatever type a results workbook read back gave them (text '2')
        if c in frame.columns:
            frame[c] = pd.to_numeric(frame[c], errors="coerce").astype("Int64").astype(object)
    if mask_pii:  # the head's name to initials, and an ID written in the household code or the village masked
        frame = pii.mask_persons(frame)
    ws = wb.add_worksheet(SHEET_PENDING)
    ws.write_row(0, 0, [lab.get(c, c) for c in cols], fmt["head"])
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=1):
        for j, v in enumerate(row):
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                continue
            if isinstance(v, int | float | np.integer | np.floating) and not isinstance(v, bool):
                ws.write_number(i, j, float(v), fmt["int"])
            else:
                ws.write_string(i, j, str(v), fmt["text"])
    ws.set_column(0, len(cols) - 1, 18)


def write_list(view: ReportView, out_dir: Path, *, mask_pii: bool = False, columns_file: Path | None = None,
               max_rows: int = EXCEL_MAX_ROWS) -> tuple[list[Path], list[str]]:
    """Write the workbook and its CSV copies; return the paths and the notes (splits, persons without IDs)."""
    cmap = load_column_map(columns_file)
    p = prepare(view, cmap, mask_pii)
    _check_fields(cmap, p, str(columns_file or "reports/columns/population.yaml"))
    out_dir = Path(out_dir)
    xlsx = out_dir / f"{cmap.file}.xlsx"
    csv = out_dir / f"{cmap.file}.csv"
    csv_missing = out_dir / f"{cmap.file}_chua_co_dinh_danh.csv"
    notes: list[str] = []
    missing = np.flatnonzero(p["missing_id"].to_numpy(dtype=bool))
    capacity = max(1, max_rows - 1)  # one header row
    communes = p["ma_xa"].astype(str)
    sizes = communes.value_counts(sort=False).reindex(pd.unique(communes)).fillna(0).astype(int)
    groups = pack(sizes, capacity) if len(p) else [[]]
    chunks: list[np.ndarray] = []
    for g in groups:
        part = np.flatnonzero(communes.isin(g).to_numpy(dtype=bool))
        for start in range(0, max(len(part), 1), capacity):  # a single commune larger than a sheet
            chunks.append(part[start:start + capacity])
    if len(chunks) > 1:
        notes.append(Note(f"Danh sách có {vn_int(len(p))} người, quá {vn_int(capacity)} dòng của một sheet: đã chia "
                          f"theo xã thành {len(chunks)} sheet ({cmap.sheet} (1) … ({len(chunks)})).",
                          f"The list has {len(p):,} persons, more than the {capacity:,} rows of a sheet: split by "
                          f"commune into {len(chunks)} sheets ({cmap.sheet} (1) … ({len(chunks)}))."))
    if len(missing):
        notes.append(Note(f"{len(missing)} người chưa có số định danh hợp lệ: xem sheet \"{cmap.missing_sheet}\".",
                          f"{len(missing)} {'person has' if len(missing) == 1 else 'persons have'} no valid ID: see sheet "
                          f"\"{cmap.missing_sheet}\"."))
    pending = view.pending
    if len(pending):
        persons = int(pd.to_numeric(pending.get("so_nhan_khau"), errors="coerce").fillna(0).sum()) \
            if "so_nhan_khau" in pending.columns else 0
        notes.append(Note(f"{len(pending)} hộ nghèo, cận nghèo ({persons} người) của xã cũ chưa quy đổi được sang xã "
                          f"mới nên chưa có trong danh sách: xem sheet \"{SHEET_PENDING}\"; quyết định xã mới theo thôn "
                          "(hgn merge --mapping) rồi lập lại danh sách.",
                          f"{len(pending)} poor and near-poor households ({persons} persons) of old communes not yet "
                          f"placed in a new commune are not on the list: see sheet \"{SHEET_PENDING}\"; decide their "
                          "new commune by village (hgn merge --mapping) and make the list again."))
    if not view.has_members:
        notes.append(Note("Tệp kết quả không có danh sách thành viên: danh sách chỉ có chủ hộ, chưa có số định danh.",
                          "The results have no member rows: the list holds the heads only, without IDs."))
    else:  # some households without member rows (an export of the review application beside communes' returns)
        t = view.total()
        bare = sum(int(t.get(f"{g}_members_unknown", 0)) for g in ("poor", "near"))
        if bare:  # the persons beyond the head of those whose size is written; those without one: not known
            unsized = sum(int(t.get(f"{g}_size_unknown", 0)) for g in ("poor", "near"))
            others = sum(int(t.get(f"{g}_pp_no_members", 0)) for g in ("poor", "near")) - (bare - unsized)
            rest = (f"; {vn_int(others)} người khác của các hộ đó (theo số thành viên khai báo) chưa có trong danh sách"
                    if others > 0 else "")
            rest_en = (f"; {others:,} other persons of those households (by the size written) are not on the list"
                       if others > 0 else "")
            if unsized:
                rest += f"; {vn_int(unsized)} hộ không ghi số thành viên: chưa rõ còn bao nhiêu người chưa có"
                rest_en += f"; {unsized:,} of them have no size written: how many persons are missing is not known"
            notes.append(Note(f"{vn_int(bare)} hộ nghèo, cận nghèo không có dòng thành viên (tệp xuất từ phần mềm rà soát "
                              "không có danh sách thành viên, hoặc thiếu dòng thành viên của hộ): danh sách chỉ có chủ hộ "
                              f"của các hộ đó, chưa có số định danh{rest}.",
                              f"{bare:,} poor and near-poor households have no member rows (an export of the review "
                              "application without its member list, or the household's member rows missing): the list "
                              f"holds only their heads, without IDs{rest_en}."))

    data: dict[tuple[str, bool], pa.Array] = {}  # every printed field converted once

    def values(c: ListColumn, rows: np.ndarray | None) -> pa.Array:
        """Column ``c`` of the rows ``rows`` (all when None), as written."""
        if c.field not in p.columns:
            return pa.nulls(len(p) if rows is None else len(rows), pa.large_string())
        s = p[c.field]
        if c.type != "int" and s.dtype.kind in "mM":  # pandas words dates after the whole array: convert these rows
            return _arrow(s if rows is None else s.iloc[rows], c.type)
        key = (c.field, c.type == "int")
        if key not in data:
            data[key] = _arrow(s, c.type)
        return data[key] if rows is None else data[key].take(pa.array(rows, type=pa.int64()))

    with atomic_path(xlsx) as tmp:
        fw = fx.Workbook(tmp, {**WORKBOOK_OPTIONS, "constant_memory": True})
        wb = fw.book
        mark_output(wb, "list")
        fmt = {"head": wb.add_format({"bold": True, "font_name": FONT, "text_wrap": True, "valign": "vcenter",
                                      "align": "center", "border": 1, "bg_color": "#DDEBF7"}),
               "text": wb.add_format({"font_name": FONT, "num_format": "@"}),
               "int": wb.add_format({"font_name": FONT, "num_format": "0"})}
        for k, chunk in enumerate(chunks, start=1):
            name = cmap.sheet if len(chunks) == 1 else f"{cmap.sheet} ({k})"
            _write_sheet(fw, name, cmap.columns, [values(c, chunk) for c in cmap.columns], fmt)
        _write_sheet(fw, cmap.missing_sheet, cmap.missing_columns, [values(c, missing) for c in cmap.missing_columns],
                     fmt)
        if len(pending):
            _pending_sheet(wb, pending, fmt, mask_pii)
        ws = wb.add_worksheet(cmap.note_sheet[:31])
        ws.set_column(0, 0, 110, fmt["text"])
        lines = [f"Danh sách hộ nghèo, hộ cận nghèo năm {view.year} — {view.scope.label or view.scope.code}",
                 f"Số người: {len(p)}; số hộ: {p[['class', 'uid']].drop_duplicates().shape[0]}; "
                 f"chưa có số định danh hợp lệ: {len(missing)}.",
                 f"Chuẩn nghèo áp dụng: {view.standard_title or view.standard_id}."]
        if mask_pii:
            lines.append("Đã che thông tin cá nhân: số định danh chỉ giữ 4 chữ số cuối, họ tên chỉ giữ chữ cái đầu.")
        lines.extend(notes or ["Danh sách nằm trọn trong một sheet."])
        for i, text in enumerate(lines):
            ws.write_string(i, 0, text, fmt["text"])
        fw.close()

    def write_csv(target: Path, cols: tuple[ListColumn, ...], rows: np.ndarray | None) -> None:
        columns: dict[str, pa.Array] = {}  # as a DataFrame built from {header: values}: a repeated header keeps
        for c in cols:                      # its first place and its last column
            columns[c.header] = _text(values(c, rows))
        with atomic_path(target) as tmp:
            fx.write_csv(tmp, list(columns), list(columns.values()))

    write_csv(csv, cmap.columns, None)
    write_csv(csv_missing, cmap.missing_columns, missing)
    return [publish(xlsx), publish(csv), publish(csv_missing)], notes
