"""The results bundle: what classify and merge write, and what merge and report read.

Workbook sheets (see docs/contracts.md §3): data sheets carry the Vietnamese header in row 1 and the stable key
in row 2, data from row 3. Parquet files carry the same columns under the same keys, losslessly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hgn_review.errors import InputError, UsageError
from hgn_review.findings import SEVERITY_VI, Finding, Report
from hgn_review.io.write import atomic_path, mark_output
from hgn_review.schemas.layout import INDICATORS, load_layout
from hgn_review.text import nfc_columns

if TYPE_CHECKING:
    import pyarrow as pa

SHEET_HOUSEHOLDS = "Hộ gia đình"
SHEET_MEMBERS = "Thành viên"
SHEET_SUMMARY = "Tổng hợp"
SHEET_FINDINGS = "Phát hiện"
SHEET_META = "Thông tin"
SHEET_COVERAGE = "Phạm vi"
SHEET_RECON = "Đối chiếu"
SHEET_PENDING = "Chờ quy đổi"  # households of an old commune not yet placed in a 2025 unit (merge --to-2025-units)

EXTRA_LABELS = {
    "uid": "Số hiệu", "file": "Tệp nguồn", "sheet": "Sheet nguồn", "row": "Dòng nguồn", "layout": "Mẫu biểu",
    "khu_vuc_nguon": "Nguồn khu vực", "loi_chan": "Lỗi chặn phân loại", "phan_loai_ghi": "Phân loại ghi nhận",
    "so_thieu_hut_ghi": "Số thiếu hụt ghi nhận", "ket_qua_phieu_a": "Kết quả phiếu A",
    "dan_toc_tai_cho": "Hộ DTTS tại chỗ", "gioi_tinh_chu_ho": "Giới tính chủ hộ", "so_thieu_hut": "Số chỉ số thiếu hụt",
    "so_chua_ro": "Số chỉ số chưa rõ", "co_so_thu_nhap": "Cơ sở xác định thu nhập",
    "duoi_chuan_thu_nhap": "Thu nhập dưới chuẩn", "phan_loai": "Phân loại", "phan_loai_dia_phuong": "Phân loại (chuẩn địa phương)",
    "dau_ky_theo": "Đầu kỳ xác định theo", "dien_bien": "Diễn biến", "ly_do": "Lý do", "chuan": "Chuẩn áp dụng", "dinh_danh_loi": "Lỗi số định danh",
    "nam_sinh": "Năm sinh", "tuoi": "Tuổi", "source_file": "Tệp kết quả nguồn", "source_sha256": "SHA-256 tệp nguồn",
    "unit": "Mã đơn vị", "ma_huyen": "Mã huyện", "ma_tinh": "Mã tỉnh",
    # the movement table ("Diễn biến", both classes' rows) and the Alkire–Foster figures of the summary
    "bang": "Bảng", "dau_ky": "Đầu kỳ", "giam_sang_bang_kia": "Giảm: sang bảng kia (nghèo ↔ cận nghèo)",
    "giam_thoat": "Giảm: thoát", "giam_khac": "Giảm khác (chuyển đi, giải thể)",
    "giam_chua_ro": "Giảm: chưa rõ phân loại cuối kỳ", "giam": "Tổng số giảm",
    "tang_tu_bang_kia": "Tăng: từ bảng kia (nghèo ↔ cận nghèo)", "tang_moi": "Tăng: mới", "tang_tai": "Tăng: tái",
    "tang_khac": "Tăng khác (chuyển đến, tách hộ)", "tang_chua_ro": "Tăng: chưa rõ phân loại đầu kỳ",
    "tang": "Tổng số tăng", "cuoi_ky": "Cuối kỳ", "can_doi": "Cân đối (cuối kỳ = đầu kỳ − giảm + tăng)",
    "H": "H — tỷ lệ nghèo đa chiều", "A": "A — mức thiếu hụt bình quân", "M0": "M0 — chỉ số nghèo đa chiều",
}
# the findings sheet of a results workbook (the commune's own workbook among them): Vietnamese headers over the
# keys row, which is what the sheet is read back by
FINDING_LABELS = {
    "file": "Tệp", "sheet": "Sheet", "row": "Dòng", "column": "Cột", "cell": "Ô", "key": "Mã cột",
    "code": "Mã lỗi", "severity": "Mức độ", "message": "Nội dung", "hint": "Cách sửa", "value": "Giá trị",
    "col": "Cột (chữ)", "params": "Tham số (để hgn đọc lại)",
}
BOOL_TRUE, BOOL_FALSE = "Có", "Không"
TEXT_KEYS = {"ma_xa", "ma_ho", "so_dinh_danh", "ma_huyen", "ma_tinh", "unit", "source_sha256"}


def labels() -> dict[str, str]:
    from hgn_review.merge.tables import MERGE_LABELS

    out = {**MERGE_LABELS, **EXTRA_LABELS}
    for lay in ("hgn", "app"):
        for sheet in load_layout(lay).sheets.values():
            for c in sheet.columns:
                out.setdefault(c.key, c.header)
    for key in [k for k in out if k.startswith("th_")]:  # an indicator's share of the poor's deprivations
        out.setdefault(f"dong_gop_{key}", f"Đóng góp (%): {out[key].replace('Thiếu hụt: ', '')}")
    return out


@dataclass
class Results:
    households: pd.DataFrame
    members: pd.DataFrame
    summary: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)
    meta: dict[str, Any] = field(default_factory=dict)
    extra_sheets: dict[str, pd.DataFrame] = field(default_factory=dict)
    path: str = ""


def findings_frame(findings: list[Finding], lang: str = "vi") -> pd.DataFrame:
    r = Report(findings=list(findings))
    df = r.to_frame(lang, lossless=True)
    df["row"] = df["row"].astype("Int64")
    return df


# ----------------------------------------------------------------------------------------------- write
def _cell_values(s: pd.Series) -> list[Any]:
    """Column values ready for xlsxwriter.write_row: None for NA, Có/Không for booleans, datetimes, numbers."""
    if s.dtype == "boolean" or s.dtype == bool:
        s = s.astype("object").map({True: BOOL_TRUE, False: BOOL_FALSE})
    elif pd.api.types.is_datetime64_any_dtype(s):
        s = pd.Series(s.dt.to_pydatetime(), index=s.index, dtype="object")
    elif pd.api.types.is_numeric_dtype(s):
        f = s.astype("Float64")
        s = f.astype("object").where(f.notna(), None)
        return [None if v is None else (int(v) if float(v).is_integer() else float(v)) for v in s]
    s = s.astype("object")
    return s.where(s.notna(), None).tolist()


SHEET_MAX_ROWS = 1_048_576  # the rows of an xlsx sheet: a longer table goes on to "<name> (2)", "<name> (3)" …


def _write_table(wb: Any, name: str, df: pd.DataFrame, fmt: dict[str, Any], keys_row: bool = True,
                 lab: dict[str, str] | None = None) -> None:
    """One table on its sheet — and, past a sheet's rows (a province's 2 million members), on sheets "<name> (2)"
    … with the same header rows, read back as one (:func:`_read_split`): never a row dropped at the limit."""
    room = SHEET_MAX_ROWS - (2 if keys_row else 1)
    for k in range(max(1, -(-len(df) // room))):
        _write_sheet(wb, name if k == 0 else f"{name} ({k + 1})", df.iloc[k * room:(k + 1) * room], fmt, keys_row,
                     lab)


def _write_sheet(wb: Any, name: str, df: pd.DataFrame, fmt: dict[str, Any], keys_row: bool,
                 lab: dict[str, str] | None) -> None:
    ws = wb.add_worksheet(name)
    lab = lab if lab is not None else labels()
    cols = list(df.columns)
    ws.write_row(0, 0, [lab.get(c, c) for c in cols], fmt["head"])
    start = 1
    if keys_row:
        ws.write_row(1, 0, cols, fmt["key"])
        start = 2
    data = [_cell_values(df[c]) for c in cols]
    for i, row in enumerate(zip(*data, strict=True)) if cols else ():
        ws.write_row(start + i, 0, row)
    ws.freeze_panes(start, 0)
    if len(cols):
        ws.autofilter(0 if not keys_row else 1, 0, max(start - 1 + len(df), start - 1), len(cols) - 1)


FINDING_LABELS_EN = {
    "file": "File", "sheet": "Sheet", "row": "Row", "column": "Column", "cell": "Cell", "key": "Column key",
    "code": "Code", "severity": "Severity", "message": "Message", "hint": "How to fix", "value": "Value",
    "col": "Column (letter)", "params": "Parameters (for hgn to read back)",
}


def write_results(res: Results, out: Path, parquet_dir: Path | None = None, lang: str = "vi") -> list[Path]:
    """Write the results workbook (and Parquet files) atomically; its findings sheet in ``lang`` (the other sheets
    are data: their column keys and values are the same whatever the language)."""
    import xlsxwriter

    if parquet_dir is not None:  # a bundle folder that cannot be made (a file of its name) stops before the workbook
        Path(parquet_dir).mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    with atomic_path(out) as tmp:
        wb = xlsxwriter.Workbook(str(tmp), {"constant_memory": True, "strings_to_formulas": False,
                                            "strings_to_urls": False, "strings_to_numbers": False,
                                            "default_date_format": "dd/mm/yyyy"})
        mark_output(wb, "results")
        fmt = {"head": wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7", "border": 1}),
               "key": wb.add_format({"font_color": "#808080", "italic": True, "font_size": 8}),
               "date": wb.add_format({"num_format": "dd/mm/yyyy"})}
        _write_table(wb, SHEET_HOUSEHOLDS, nfc_columns(res.households, ["sheet"]), fmt)
        _write_table(wb, SHEET_MEMBERS, nfc_columns(res.members, ["sheet"]), fmt)
        if not res.summary.empty:
            _write_table(wb, SHEET_SUMMARY, res.summary, fmt)
        for name, df in res.extra_sheets.items():
            _write_table(wb, name, df, fmt)
        found = nfc_columns(res.findings, ["sheet", "column"])
        if lang == "en":  # each message and hint said again in English from the finding's code and parameters
            if len(found) and "code" in found.columns:
                found = findings_frame([Finding.from_record(r) for r in found.to_dict("records")], "en")
            _write_table(wb, SHEET_FINDINGS, found, fmt, lab=FINDING_LABELS_EN)
        else:
            if "severity" in found.columns:  # "Lỗi", "Cảnh báo" as the findings workbook says them; read back as codes
                found = found.assign(severity=found["severity"].map(lambda v: SEVERITY_VI.get(v, v)))
            _write_table(wb, SHEET_FINDINGS, found, fmt, lab=FINDING_LABELS)
        meta = pd.DataFrame({"Khoá": list(res.meta), "Giá trị": [  # every value as JSON: "10507" stays text
            json.dumps(v, ensure_ascii=False, default=str) for v in res.meta.values()]})
        _write_table(wb, SHEET_META, meta, fmt, keys_row=False)
        wb.close()
    written.append(out)
    if parquet_dir is not None:
        written.extend(write_bundle(res, parquet_dir))
    return written


_THREADED_ROWS = 200_000  # a file longer than this is decoded on Arrow's threads (a commune has ~10,000 members)
_ROW_GROUP = 256 * 1024  # rows per row group: what is held in Arrow at once while a bundle is written


def _to_parquet(df: pd.DataFrame, path: Path) -> None:
    """``df.to_parquet(path, index=False)`` in row groups of at most ``_ROW_GROUP`` rows, converted one at a time.

    A province's 2 million members are never held twice (a row group in Arrow at most: ~0.15 GB), which lets
    `hgn run` write the province's bundle while it renders the report. The bytes do not depend on how the
    frame's Arrow-backed columns are chunked (merge stacks its inputs' text without copying it, and the Parquet
    writer pages a column of many chunks differently): each row group is made of single chunks before it is
    written, so a bundle hashed when merged again has one SHA-256 for one content. A commune's tables are one row
    group: the bytes ``to_parquet`` writes.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    whole = len(df) <= _ROW_GROUP  # one row group (every commune table): converted once, its schema inferred once
    first = pa.Table.from_pandas(df, preserve_index=False) if whole else None
    schema = first.schema if first is not None else pa.Schema.from_pandas(df, preserve_index=False)
    if df.attrs:  # as pandas records them
        schema = schema.with_metadata({**(schema.metadata or {}), b"PANDAS_ATTRS": json.dumps(df.attrs).encode()})
    with pq.ParquetWriter(str(path), schema, compression="snappy") as writer:
        for start in range(0, max(len(df), 1), _ROW_GROUP):
            part = first if first is not None else pa.Table.from_pandas(df.iloc[start:start + _ROW_GROUP],
                                                                         schema=schema, preserve_index=False)
            writer.write_table(part.replace_schema_metadata(schema.metadata).combine_chunks(),
                               row_group_size=_ROW_GROUP)


def _named(exc: OSError, target: Path) -> OSError:
    """``exc`` naming ``target``, with the system's error number when Arrow gives it only in its text
    ("… Detail: [errno 27] File too large")."""
    if exc.filename:
        return exc
    import re

    m = re.search(r"\[errno (\d+)\]\s*([^\n]*)", str(exc))
    return OSError(int(m.group(1)), m.group(2).strip(), str(target)) if m else \
        OSError(exc.errno, exc.strerror or str(exc), str(target))


def write_bundle(res: Results, folder: Path) -> list[Path]:
    """The same results as Parquet files plus meta.json: lossless, fast, and readable by read_results(folder)."""
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    tables = {"households": res.households, "members": res.members, "summary": res.summary,
              "findings": res.findings, **{f"extra_{i}": df for i, df in enumerate(res.extra_sheets.values())}}
    for name, df in tables.items():
        target = folder / f"{name}.parquet"
        with atomic_path(target) as tmp:
            try:
                _to_parquet(df, tmp)
            except OSError as exc:  # Arrow's refusal names no file: the officer is told which one, and why
                raise _named(exc, target) from exc
        written.append(target)
    meta = dict(res.meta)
    meta["extra_sheets"] = list(res.extra_sheets)
    meta["file_sizes"] = {p.name: p.stat().st_size for p in written}  # what a reader can check the files against
    target = folder / "meta.json"
    with atomic_path(target) as tmp:
        tmp.write_text(json.dumps(meta, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    written.append(target)
    return written


def read_parquet_table(source: Any, columns: list[str] | None = None) -> pa.Table:
    """One bundle file as an Arrow table (a path, or the file's bytes): the table ``pd.read_parquet`` reads.
    Without the dataset layer of ``pq.read_table``. A commune's file is decoded on the calling thread — the merge
    reads many at once on its own threads, and a pool per small file costs more than the file —, a district's or
    a province's on Arrow's threads (the province's members: 2.6 → 0.5 s)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    if isinstance(source, bytes | bytearray | memoryview):
        source = pa.BufferReader(source)
    pf = pq.ParquetFile(source)
    return pf.read(columns=columns, use_threads=pf.metadata.num_rows > _THREADED_ROWS, use_pandas_metadata=True)


def table_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table read by :func:`read_parquet_table` as pandas, exactly as ``pd.read_parquet`` converts it
    (the dtypes recorded in the file's pandas metadata; text as Arrow-backed strings, not copied)."""
    try:  # the conversion pd.read_parquet applies to the table it read (pandas >= 3)
        from pandas.io._util import arrow_table_to_pandas
    except ImportError:  # pragma: no cover - older pandas: read_parquet calls Table.to_pandas
        return table.to_pandas(use_threads=False)
    return arrow_table_to_pandas(table, to_pandas_kwargs={"use_threads": False})


def table_column(table: pa.Table, name: str) -> pd.Series:
    """One column as ``table_frame(table)`` has it. The pandas metadata is trimmed to that column first:
    converting reads the metadata of every column listed, which costs more than the column itself."""
    one = table.select([name])
    meta = table.schema.pandas_metadata
    if meta is not None and not meta.get("index_columns") and table.column_names.count(name) == 1:
        cols = [c for c in meta.get("columns", []) if c.get("field_name", c.get("name")) == name]
        one = one.replace_schema_metadata({b"pandas": json.dumps({**meta, "columns": cols}).encode()})
        return table_frame(one)[name]
    return table_frame(table)[name]


def read_parquet_frame(source: Any) -> pd.DataFrame:
    """``pd.read_parquet(source)``, without the per-file thread pool."""
    return table_frame(read_parquet_table(source))


def read_bundle(folder: Path) -> Results:
    meta = json.loads((folder / "meta.json").read_text("utf-8")) if (folder / "meta.json").exists() else {}

    def opt(name: str) -> pd.DataFrame:
        f = folder / f"{name}.parquet"
        return read_parquet_frame(f) if f.exists() else pd.DataFrame()

    names = meta.pop("extra_sheets", [])
    extra = {n: opt(f"extra_{i}") for i, n in enumerate(names)}
    return Results(opt("households"), opt("members"), summary=opt("summary"), findings=opt("findings"), meta=meta,
                   extra_sheets=extra, path=str(folder))


# ----------------------------------------------------------------------------------------------- read
_BOOL_KEYS = {"su_dung_internet", "phuong_tien_thong_tin", "ho_nlndn", "nguoi_co_cong", "bao_tro_xa_hoi",
              "dan_toc_tai_cho", "the_bhyt", "suy_dinh_duong", "dang_di_hoc", "duoi_chuan_thu_nhap"}
_INT_KEYS = {"uid", "row", "so_thanh_vien", "so_thieu_hut_ghi", "stt", "nam_sinh", "so_thieu_hut", "so_chua_ro", "tuoi"}
_FLOAT_KEYS = {"thu_nhap_bq", "diem_b1", "diem_b2", "dien_tich_nha"}
_DATE_KEYS = {"ngay_ra_soat", "ngay_sinh"}


class _EditedCell(Exception):
    """A cell of a results workbook's households or members sheet that holds what hgn never wrote there (a number
    or a flag typed over as text): (sheet, cell, column, value)."""


def whole_problem(meta: dict[str, Any], households: int, members: int) -> tuple[str, str] | None:
    """(Vietnamese, English) of how a result's rows differ from the counts it records (rows deleted or pasted by
    hand, a sheet not copied whole); None when they agree or it records none."""
    for key, now, vi, en in (("households", households, "hộ", "households"), ("members", members, "thành viên",
                                                                             "members")):
        said = meta.get(key)
        if isinstance(said, int) and not isinstance(said, bool) and said != now:
            return (f"ghi {said} {vi} nhưng có {now} (mất hoặc thêm dòng khi chép, sửa tay?)",
                    f"records {said} {en} but holds {now} (rows lost or added in copying, or edited by hand?)")
    return None


def _restore_types(df: pd.DataFrame, sheet: str | None = None, first_row: int = 3) -> pd.DataFrame:
    """The columns of a results table as hgn wrote them. ``sheet``: a households or members sheet, whose numbers,
    flags and yes/no cells are checked — one typed over as text ("hai", "có") is :class:`_EditedCell`, never read as
    blank (a count of 0, an indicator taken as not held); ``first_row``: the Excel row of its first data row."""
    from hgn_review.schemas.coerce import parse_date

    before = df.copy(deep=False) if sheet else None
    for c in df.columns:
        s = df[c]
        if c in _BOOL_KEYS:
            df[c] = s.map({BOOL_TRUE: True, BOOL_FALSE: False, True: True, False: False}).astype("boolean")
        elif c in INDICATORS:
            df[c] = pd.to_numeric(s, errors="coerce").astype("Int8")
        elif c in _INT_KEYS:
            df[c] = pd.to_numeric(s, errors="coerce").round().astype("Int64")
        elif c in _FLOAT_KEYS:
            df[c] = pd.to_numeric(s, errors="coerce").astype("Float64")
        elif c in _DATE_KEYS:  # a date cell, or a date an officer typed as text: day first ("12/03/1980"), as
            df[c] = parse_date(s.astype("string"), year_only=False)[0]  # in a return — never month first
        else:
            df[c] = s.astype("string")
    if before is not None:
        from hgn_review.io.read import col_letter

        for j, c in enumerate(df.columns):
            if c not in _BOOL_KEYS and c not in INDICATORS and c not in _INT_KEYS and c not in _FLOAT_KEYS:
                continue
            written = before[c].astype("string").str.strip()
            bad = np.flatnonzero((written.notna() & (written != "") & df[c].isna()).to_numpy(dtype=bool))
            if len(bad):
                i = int(bad[0])
                raise _EditedCell(sheet, f"{col_letter(j)}{first_row + i}", labels().get(c, c), str(written.iloc[i]))
    return df


def _read_table(reader: Any, name: str, keys_row: bool = True) -> pd.DataFrame:
    if name not in reader.sheet_names:
        return pd.DataFrame()
    sheet = reader.load_sheet(name, header_row=1 if keys_row else 0, dtypes="string")
    df = sheet.to_pandas()
    checked = name if name.split(" (")[0] in (SHEET_HOUSEHOLDS, SHEET_MEMBERS) else None
    return _restore_types(df, checked) if keys_row else df


def results_source(path: Path) -> Path:
    """Where the results given as ``path`` are: the output folder of `hgn run` stands for its ket_qua/, anything
    else for itself."""
    if path.is_dir() and not (path / "households.parquet").exists() \
            and (path / "ket_qua" / "households.parquet").exists():
        return path / "ket_qua"
    return path


def read_results(path: Path) -> Results:
    """Read a results workbook (or a folder holding households.parquet / members.parquet / meta.json)."""
    import fastexcel

    from hgn_review.io.read import reader_fault

    path = results_source(Path(path))
    if path.is_dir():
        if not (path / "households.parquet").exists():  # a folder named that holds none: the call names the wrong
            # folder (exit 2, as for a folder without returns given to validate, classify, run)
            raise UsageError(f"Thư mục {path} không chứa kết quả của hgn (households.parquet).",
                             hint="Dùng thư mục kết quả của `hgn run` (hoặc thư mục ket_qua/ trong đó), hay thư mục do "
                                  "`hgn classify --parquet` ghi ra.",
                             message_en=f"{path} holds no hgn results (households.parquet).",
                             hint_en="Use the output folder of `hgn run` (or its ket_qua/), or a folder written by "
                                     "`hgn classify --parquet`.")
        return read_bundle(path)
    try:
        reader = fastexcel.read_excel(str(path))
    except BaseException as exc:
        if not reader_fault(exc):
            raise
        raise InputError(f"Không đọc được tệp kết quả {path}: không phải sổ Excel, hoặc tệp bị hỏng.",
                         hint="Dùng tệp do `hgn classify` hoặc `hgn merge` ghi ra.",
                         message_en=f"Cannot read results file {path}: not an Excel workbook, or damaged.",
                         hint_en="Use a file written by `hgn classify` or `hgn merge`.") from exc
    if SHEET_HOUSEHOLDS not in reader.sheet_names or SHEET_META not in reader.sheet_names:
        raise InputError(f"{path} không phải tệp kết quả của hgn (thiếu sheet \"{SHEET_HOUSEHOLDS}\" hoặc \"{SHEET_META}\").",
                         hint="Dùng tệp do `hgn classify` hoặc `hgn merge` ghi ra.",
                         message_en=f"{path} is not an hgn results file.",
                         hint_en="Use a file written by `hgn classify` or `hgn merge`.")
    try:
        res = _read_workbook(reader, path)
    except _EditedCell as exc:
        sheet, cell, column, value = exc.args
        raise InputError(f"Tệp kết quả {path} đã bị sửa tay: sheet \"{sheet}\", ô {cell} (cột \"{column}\") ghi "
                         f"\"{value}\", không phải giá trị hgn ghi ra.",
                         hint="hgn không đoán giá trị của ô đã sửa: dùng lại tệp do hgn ghi ra; cần sửa số liệu thì sửa "
                              "ở biểu của xã rồi phân loại lại.",
                         message_en=f"The results file {path} was edited by hand: sheet \"{sheet}\", cell {cell} "
                                    f"(column \"{column}\") holds \"{value}\", not a value hgn writes.",
                         hint_en="hgn does not guess an edited cell: use the file as hgn wrote it; to change the data, "
                                 "correct the commune's return and classify again.") from None
    except BaseException as exc:
        if not reader_fault(exc):
            raise
        raise InputError(f"Không đọc được tệp kết quả {path}: có ô không đọc được.",
                         hint="Có ô không đọc được (ví dụ ngày nằm ngoài lịch); dùng tệp do `hgn classify` hoặc "
                              "`hgn merge` ghi ra, không sửa tay.",
                         message_en=f"Cannot read results file {path}: a cell cannot be read.",
                         hint_en="Use a file written by `hgn classify` or `hgn merge`, not edited by hand.") from exc
    if not (res.meta.get("tool_version") or res.meta.get("tool") == "hgn"):  # a commune return has these sheets too
        raise InputError(f"{path} không phải tệp kết quả của hgn (có thể là biểu rà soát của xã).",
                         hint="Phân loại biểu rà soát trước: hgn classify BIỂU --out ket_qua.xlsx, rồi dùng "
                              "ket_qua.xlsx (hoặc chạy cả đợt bằng hgn run).",
                         message_en=f"{path} is not an hgn results file (a commune return?).",
                         hint_en="Classify the return first (hgn classify RETURN --out results.xlsx) and use the "
                                 "results, or run the whole round with hgn run.")
    problem = whole_problem(res.meta, len(res.households), len(res.members))
    if problem is not None:  # a row deleted or pasted twice by hand: its figures would be reported as whole
        raise InputError(f"Tệp kết quả {path} không trọn vẹn: {problem[0]}.",
                         hint="Dùng lại tệp do hgn ghi ra (không xoá, chép thêm dòng); cần sửa thì sửa ở biểu của xã "
                              "rồi phân loại lại.",
                         message_en=f"The results file {path} is not whole: it {problem[1]}.",
                         hint_en="Use the file as hgn wrote it (no rows deleted or pasted); to change the data, correct "
                                 "the commune's return and classify again.")
    return res


def _severity_codes(found: pd.DataFrame) -> pd.DataFrame:
    """A findings sheet's severities ("Lỗi", "Cảnh báo", "Thông tin") as the codes findings carry."""
    if "severity" not in found.columns:
        return found
    back = {v: k for k, v in SEVERITY_VI.items()}
    return found.assign(severity=found["severity"].map(lambda v: back.get(v, v)).astype(found["severity"].dtype))


def _read_workbook(reader: Any, path: Path) -> Results:
    meta_df = _read_table(reader, SHEET_META, keys_row=False)
    meta: dict[str, Any] = {}
    for k, v in zip(meta_df.iloc[:, 0], meta_df.iloc[:, 1], strict=True):
        if not isinstance(k, str):
            continue
        try:  # values were written as JSON unless they were plain strings
            meta[k] = json.loads(v) if isinstance(v, str) else v
        except json.JSONDecodeError:
            meta[k] = v
    extra = {n: _read_split(reader, n) for n in (SHEET_COVERAGE, SHEET_RECON, SHEET_PENDING) if n in reader.sheet_names}
    return Results(households=_read_split(reader, SHEET_HOUSEHOLDS), members=_read_split(reader, SHEET_MEMBERS),
                   summary=_read_split(reader, SHEET_SUMMARY), findings=_severity_codes(_read_split(reader, SHEET_FINDINGS)),
                   meta=meta, extra_sheets=extra, path=str(path))


def _read_split(reader: Any, name: str) -> pd.DataFrame:
    """A table written over several sheets ("<name>", "<name> (2)" …: :func:`_write_table`), as one."""
    first = _read_table(reader, name)
    more, k = [], 2
    while f"{name} ({k})" in reader.sheet_names:
        more.append(_read_table(reader, f"{name} ({k})"))
        k += 1
    return pd.concat([first, *more], ignore_index=True) if more else first
