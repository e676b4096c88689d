"""Stacking the inputs of a merge: every kept household and member in one table, with provenance.

Parquet folders of one form (the usual case: bundles written by `hgn classify` or `hgn merge`) are stacked as
Arrow tables and converted to pandas once, already in output order; anything else goes through pandas input by
input (``merge._stack_frames``). Both give the same frames: the input columns as ``read_bundle`` converts them,
``unit`` / ``source_file`` / ``source_sha256`` ("string"), and internal columns: ``_persons`` (persons counted
for the household), ``_in`` (input of a household), ``_seq`` (position in input order, which findings follow)
and, until the rows are put in output order, ``_pos`` (household position in its input; members: their
household's, -1 for none) and a member's ``_in``.

Text is not copied: the frames' text columns are the Arrow buffers read, as many chunks (``write_bundle`` writes
them as ``to_parquet`` writes one chunk). Columns that repeat a value per input (provenance, units) are carried
as numbers (``Pool``) until the frames are built.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from hgn_review.io.results import table_column, table_frame
from hgn_review.merge.inputs import COMMUNE_KIND, Input, arrow_strings, distinct_text
from hgn_review.scoring._frames import household_persons

if TYPE_CHECKING:
    import pyarrow as pa

PROVENANCE = ("source_file", "source_sha256", "unit", "ma_huyen", "ma_tinh")
INTERNAL = ("_in", "_pos", "_persons", "_old_unit", "_era", "_seq", "_size_unknown")
HH_ORDER = ("unit", "ma_ho", "file", "sheet", "row", "source_file", "ma_xa_cu")
MM_ORDER = ("uid", "unit", "stt", "file", "sheet", "row", "source_file")
COUNTED = ("phan_loai", "phan_loai_dau_ky", "dau_ky", "dien_bien", "tinh_trang_ho")  # what counting reads


@contextmanager
def system_memory() -> Iterator[None]:
    """Arrow allocates from the C library's allocator meanwhile. Its default (mimalloc) keeps the space of the
    many small buffers of reading ~400 files fragmented: about 0.5 GB more at the peak of a province merge, for
    no speed gain. Buffers remember their allocator, so restoring the default afterwards is safe."""
    import pyarrow as pa

    before = pa.default_memory_pool()
    pa.set_memory_pool(pa.system_memory_pool())
    try:
        yield
    finally:
        pa.set_memory_pool(before)


def text(s: pd.Series) -> pd.Series:
    """As text, stripped; blank is NA."""
    out = s.astype("string").str.strip()
    return out.mask(out == "")


def sort_key(s: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(s):
        return s
    return s.astype("string")


def link(hh: pd.DataFrame, mm: pd.DataFrame) -> np.ndarray:
    """Position (0..len(hh)-1) of each member's household in hh; -1 for a member of no household."""
    if mm.empty or hh.empty:
        return np.full(len(mm), -1, dtype="int64")
    if "uid" in hh.columns and "uid" in mm.columns:
        hk, mk = pd.to_numeric(hh["uid"], errors="coerce"), pd.to_numeric(mm["uid"], errors="coerce")
    elif "ma_ho" in hh.columns and "ma_ho" in mm.columns:
        hk, mk = text(hh["ma_ho"]), text(mm["ma_ho"])
    else:
        return np.full(len(mm), -1, dtype="int64")
    ok = hk.notna() & ~hk.duplicated(keep=False)
    lookup = pd.Series(np.arange(len(hh))[ok.to_numpy()], index=hk[ok].to_numpy())
    return mk.map(lookup).fillna(-1).astype("int64").to_numpy()


class Pool:
    """Text values by number: a column that repeats a few values per input is carried as numbers (-1: NA)."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self._index: dict[str, int] = {}

    def code(self, value: str) -> int:
        n = self._index.get(value)
        if n is None:
            n = self._index[value] = len(self.values)
            self.values.append(value)
        return n

    def codes(self, values: pa.ChunkedArray | pd.Series, fill: str | None = None, strip: bool = False) -> np.ndarray:
        """The numbers of a column's values as "string" (with ``strip``: as ``text`` gives them, stripped and blank
        as NA), one per row; NA is ``fill`` when given, else -1. Each distinct value is looked up once."""
        inverse, uniq = distinct_text(values, strip)
        lut = np.array([-1 if v is None else self.code(v) for v in uniq] + [-1 if fill is None else self.code(fill)],
                       dtype="int64")
        return lut[inverse]  # inverse -1 (NA) takes the last entry

    def ranks(self) -> np.ndarray:
        """Sort rank of each number's value (text order, as pandas sorts "string"), NA (-1, the last slot) last."""
        order = sorted(range(len(self.values)), key=self.values.__getitem__)
        out = np.empty(len(self.values) + 1, dtype="int64")
        out[np.asarray(order, dtype="int64")] = np.arange(len(order), dtype="int64")
        out[-1] = len(order)
        return out

    def decode(self, codes: np.ndarray) -> pd.Series:
        """The "string" column of these numbers. Rows come in runs of one value (an input's, in order): each run
        is one Arrow chunk, its text laid out by repeating the value's bytes, in allocations of a run's size
        (that reuse freed memory) rather than one of the whole column."""
        import pyarrow as pa

        n = len(codes)
        if not n:
            return pd.Series(pd.array([], dtype="string"))
        starts = np.flatnonzero(np.diff(codes) != 0) + 1
        if len(starts) > max(256, n // 64):
            dictionary = pa.array([*self.values, None], type=pa.large_string())
            idx = pa.array(np.where(codes < 0, len(self.values), codes).astype("int32"))
            arr: pa.Array | pa.ChunkedArray = dictionary.take(idx)
        else:
            encoded = [v.encode("utf-8") for v in self.values]
            bounds = np.concatenate([[0], starts, [n]]).astype("int64")
            chunks = []
            for a, b in zip(bounds[:-1], bounds[1:], strict=True):
                c, k = int(codes[a]), int(b - a)
                if c < 0:
                    chunks.append(pa.nulls(k, pa.large_string()))
                    continue
                size = len(encoded[c])
                offsets = np.arange(k + 1, dtype="int64") * size
                chunks.append(pa.LargeStringArray.from_buffers(k, pa.py_buffer(offsets), pa.py_buffer(encoded[c] * k)))
            arr = pa.chunked_array(chunks, type=pa.large_string())
        return pd.Series(pd.StringDtype().__from_arrow__(arr))


_OTHER_KEYS = 2 * 10**18  # above every digit key (< 20 * 10**17)


def _digit_keys(arr: pa.ChunkedArray | pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(which values are 1-17 ASCII digits, their key value * 20 + length: the same key for the same text)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    size = pc.utf8_length(arr)
    digits = pc.fill_null(pc.and_(pc.ascii_is_decimal(arr), pc.less_equal(size, 17)), False).to_numpy(
        zero_copy_only=False)
    if digits.all():  # the usual case: every value is a number
        keys = pc.cast(arr, pa.int64()).to_numpy(zero_copy_only=False) * 20
        keys += size.to_numpy(zero_copy_only=False)
        return digits, keys
    keys = np.full(len(arr), -1, dtype="int64")
    if digits.any():
        keep = pa.array(digits)
        value = pc.cast(pc.filter(arr, keep), pa.int64()).to_numpy(zero_copy_only=False)
        keys[digits] = value * 20 + pc.filter(size, keep).to_numpy(zero_copy_only=False)
    return digits, keys


def text_keys(s: pd.Series, strip: bool = False) -> np.ndarray:
    """An int64 key per row of a text column, of its value (with ``strip``: of ``text(s)``): equal values, equal
    keys; -1 for NA (keys are not numbered 0..n-1). Long Arrow-backed columns of digit strings (personal IDs) are
    keyed by value and length — injective for strings of up to 17 ASCII digits, which have nothing to strip —
    instead of hashing the text; the other values are stripped and keyed the same way when they turn out to be
    digits, else by ``pd.factorize``."""
    if len(s) < 100_000 or not arrow_strings() or not isinstance(s.dtype, pd.StringDtype) \
            or s.dtype.storage != "pyarrow":
        return np.asarray(pd.factorize(text(s) if strip else s, use_na_sentinel=True)[0], dtype="int64")
    digits, out = _digit_keys(s.array.__arrow_array__())
    rest = ~digits & s.notna().to_numpy(dtype=bool)
    if rest.any():
        other = text(s[rest]) if strip else s[rest].astype("string")
        o_digits, o_keys = _digit_keys(other.array.__arrow_array__())
        codes = np.asarray(pd.factorize(other, use_na_sentinel=True)[0], dtype="int64")
        out[rest] = np.where(o_digits, o_keys, np.where(codes >= 0, codes + _OTHER_KEYS, -1))
    return out


@dataclass
class Stacked:
    """The stacked rows; ``unit_codes``: (households, members, values) of ``unit`` when the Arrow path numbered
    them (saves looking each member's unit up again)."""

    hh: pd.DataFrame
    mm: pd.DataFrame
    ordered: bool
    unit_codes: tuple[np.ndarray, np.ndarray, list[str]] | None = None


# ------------------------------------------------------------------------------------------------ Arrow path
def _plain_type(t: pa.DataType) -> bool:
    import pyarrow as pa

    if pa.types.is_timestamp(t):
        return t.tz is None
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t)
                or pa.types.is_floating(t) or pa.types.is_boolean(t) or pa.types.is_null(t) or pa.types.is_date(t))


def _form(t: pa.Table) -> tuple[Any, ...] | None:
    """What decides how a table converts to pandas; None when stacking it as Arrow could differ from pandas."""
    names = t.column_names
    if len(set(names)) != len(names) or set(names) & set(INTERNAL):
        return None
    if b"PANDAS_ATTRS" in (t.schema.metadata or {}) or not all(_plain_type(f.type) for f in t.schema):
        return None
    pm = t.schema.pandas_metadata or {}
    if pm.get("index_columns"):
        return None
    cols = tuple((c.get("name"), c.get("pandas_type"), c.get("numpy_type"), json.dumps(c.get("metadata"), sort_keys=True))
                 for c in pm.get("columns", []))
    return tuple(names), tuple(str(f.type) for f in t.schema), cols, json.dumps(pm.get("column_indexes"), sort_keys=True)


_FORMS: dict[bytes, tuple[Any, ...] | None] = {}


def forms(tables: Sequence[pa.Table]) -> list[tuple[Any, ...] | None]:
    """``_form`` of each table, worked out once per distinct schema (with its metadata)."""
    out = []
    for t in tables:
        key = t.schema.serialize().to_pybytes()
        if key not in _FORMS:
            if len(_FORMS) > 256:
                _FORMS.clear()
            _FORMS[key] = _form(t)
        out.append(_FORMS[key])
    return out


_TEXT_FLAVOURS = {(p, n) for p in ("unicode", "object", "string") for n in ("str", "string")}


def harmonise(tables: Sequence[pa.Table]) -> list[pa.Table] | None:
    """The tables in one form, or None when they cannot be. Tables that differ only in which pandas text dtype a
    text column had when written (``str`` or ``string``: bundles of different hgn or pandas versions) take
    ``string`` if any has it (what ``pd.concat`` of the frames gives), by rewriting the pandas metadata only; any
    other difference is a different form."""
    found = forms(tables)
    if None in found:
        return None
    if len(set(found)) == 1:
        return list(tables)
    shapes = {(f[0], f[1], f[3]) for f in found if f is not None}
    if len(shapes) != 1:
        return None
    names, types = found[0][0], found[0][1]  # type: ignore[index]
    chosen: dict[str, tuple[Any, ...]] = {}
    for i, name in enumerate(names):
        variants = [f[2][i] if i < len(f[2]) else None for f in found]  # type: ignore[index]
        if len(set(variants)) == 1:
            continue
        if not (types[i] in ("string", "large_string") and all(
                v is not None and v[0] == name and (v[1], v[2]) in _TEXT_FLAVOURS for v in variants)):
            return None
        kinds = sorted({v for v in variants if v is not None}, key=str)
        chosen[name] = next((v for v in kinds if v[2] == "string"), kinds[0])
    out = []
    for t in tables:
        pm = json.loads(t.schema.metadata[b"pandas"])
        for c in pm.get("columns", []):
            if c.get("name") in chosen:
                c["pandas_type"], c["numpy_type"] = chosen[c["name"]][1], chosen[c["name"]][2]
        meta = dict(t.schema.metadata)
        meta[b"pandas"] = json.dumps(pm).encode()
        out.append(t.replace_schema_metadata(meta))
    return out if len(set(forms(out))) == 1 else None


def arrow_ready(inputs: Sequence[Input], keep: Sequence[set[str]]) -> bool:
    """Whether every kept input is a Parquet folder and they all share one form (same columns, same types; the
    text flavours harmonised)."""
    used = [inp for inp, k in zip(inputs, keep, strict=True) if k]
    if not used or any(inp.bundle is None or inp.bundle.members is None for inp in used):
        return False
    same = {attr: harmonise([getattr(inp.bundle, attr) for inp in used]) for attr in ("households", "members")}
    if any(tables is None for tables in same.values()):
        return False  # the inputs stay as read: the pandas path converts each as it is
    for attr, tables in same.items():
        for inp, table in zip(used, tables or [], strict=True):
            setattr(inp.bundle, attr, table)
    hh_cols = set(used[0].bundle.households.column_names)  # type: ignore[union-attr]
    # a commune without a declared unit is placed by its households' codes: they must be there
    return "ma_xa" in hh_cols or all(inp.kind != COMMUNE_KIND or inp.declared_unit for inp in used)


def _column(t: pa.Table, name: str) -> pd.Series:
    return table_column(t, name)


def _text_column(t: pa.Table, name: str) -> pa.ChunkedArray | pd.Series:
    """A column to number: Arrow text as it is (values are the same in pandas), anything else as pandas has it."""
    import pyarrow as pa

    col = t.column(name)
    return col if pa.types.is_string(col.type) or pa.types.is_large_string(col.type) else _column(t, name)


def _link_tables(h: pa.Table, m: pa.Table) -> np.ndarray:
    """``link`` for Arrow tables: the household numbers 0..n-1 of `hgn classify` read directly, else ``link``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    n_h, n_m = h.num_rows, m.num_rows
    if not n_h or not n_m:
        return np.full(n_m, -1, dtype="int64")
    hn, mn = h.column_names, m.column_names
    if "uid" in hn and "uid" in mn:
        hu, mu = h.column("uid"), m.column("uid")
        if (pa.types.is_integer(hu.type) and pa.types.is_integer(mu.type) and hu.null_count == 0
                and np.array_equal(hu.to_numpy(), np.arange(n_h))):
            pos = pc.fill_null(mu.cast(pa.int64()), -1).to_numpy()
            return np.where((pos >= 0) & (pos < n_h), pos, -1).astype("int64")
        return link(pd.DataFrame({"uid": _column(h, "uid")}), pd.DataFrame({"uid": _column(m, "uid")}))
    if "ma_ho" in hn and "ma_ho" in mn:
        return link(pd.DataFrame({"ma_ho": _column(h, "ma_ho")}), pd.DataFrame({"ma_ho": _column(m, "ma_ho")}))
    return np.full(n_m, -1, dtype="int64")


@dataclass
class _Part:
    """One input's kept rows: the tables and, per row, the numbers of unit / source_file / source_sha256."""

    h: pa.Table
    m: pa.Table
    h_unit: np.ndarray
    h_src: np.ndarray
    h_sha: np.ndarray
    h_persons: np.ndarray
    h_pos: np.ndarray  # position in the input
    m_unit: np.ndarray
    m_src: np.ndarray
    m_sha: np.ndarray
    m_pos: np.ndarray  # household position in the input, -1 for none
    keep_h: np.ndarray  # which of the input's households are kept


def _part(inp: Input, kept: set[str], pool: Pool) -> _Part:
    """What ``merge._frames`` adds to one input, as numbers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    assert inp.bundle is not None and inp.bundle.members is not None
    h, m = inp.bundle.households, inp.bundle.members
    n_h, n_m = h.num_rows, m.num_rows
    hn, mn = set(h.column_names), set(m.column_names)
    pos = _link_tables(h, m)
    if inp.kind == COMMUNE_KIND:
        if inp.declared_unit:
            h_unit = np.full(n_h, pool.code(inp.declared_unit), dtype="int64")
        elif inp.bundle.commune_codes is not None:  # numbered when the input was read
            inverse, found = inp.bundle.commune_codes
            h_unit = np.array([-1 if v is None else pool.code(v) for v in found] + [-1], dtype="int64")[inverse]
        else:
            h_unit = pool.codes(_text_column(h, "ma_xa"), strip=True)
        h_src = np.full(n_h, pool.code(inp.label), dtype="int64")
        h_sha = np.full(n_h, pool.code(inp.sha256), dtype="int64")
    else:
        col = "unit" if "unit" in hn else "ma_xa" if "ma_xa" in hn else None
        h_unit = pool.codes(_text_column(h, col), strip=True) if col else np.full(n_h, -1, dtype="int64")
        h_src = pool.codes(_text_column(h, "source_file"), inp.label) if "source_file" in hn \
            else np.full(n_h, pool.code(inp.label), dtype="int64")
        h_sha = pool.codes(_text_column(h, "source_sha256"), inp.sha256) if "source_sha256" in hn \
            else np.full(n_h, pool.code(inp.sha256), dtype="int64")
    n_members = np.bincount(pos[pos >= 0], minlength=n_h) if n_h else np.zeros(0, dtype="int64")
    if "so_thanh_vien" not in hn:
        declared = np.zeros(n_h, dtype="int64")
    elif pa.types.is_integer(h.schema.field("so_thanh_vien").type):
        declared = pc.fill_null(h.column("so_thanh_vien").cast(pa.int64()), 0).to_numpy()
    else:
        declared = pd.to_numeric(_column(h, "so_thanh_vien"), errors="coerce").fillna(0).astype("int64").to_numpy()
    if "ma_ho" in hn and (n_members == 0).any():  # a household without member rows: its code written twice?
        keys = h.select([c for c in ("source_file", "file", "ma_xa", "ma_ho", "tinh_trang_ho") if c in hn]).to_pandas()
        h_persons = household_persons(keys, n_members, declared).astype("int64")
    else:
        h_persons = np.where(n_members > 0, n_members, declared).astype("int64")
    # members: unit and provenance of their household; orphans keep what the file says
    linked = pos >= 0
    safe = np.where(linked, pos, 0)
    m_unit = np.where(linked, h_unit[safe] if n_h else -1, -1)
    if not linked.all():
        if inp.kind == COMMUNE_KIND and inp.declared_unit:
            own = np.full(n_m, pool.code(inp.declared_unit), dtype="int64")
        elif "unit" in mn:
            own = pool.codes(_text_column(m, "unit"), strip=True)
        elif "ma_xa" in mn:
            own = pool.codes(_text_column(m, "ma_xa"), strip=True)
        else:
            own = np.full(n_m, -1, dtype="int64")
        m_unit = np.where(linked, m_unit, own)
    m_prov = []
    for c, h_vals, fill in (("source_file", h_src, inp.label), ("source_sha256", h_sha, inp.sha256)):
        vals = np.where(linked, h_vals[safe] if n_h else -1, -1)
        if not linked.all():
            own = pool.codes(_text_column(m, c), fill) if c in mn else np.full(n_m, pool.code(fill), dtype="int64")
            vals = np.where(linked, vals, own)
        m_prov.append(vals.astype("int64"))
    kept_codes = np.array(sorted(pool.code(u) for u in kept), dtype="int64")
    keep_h = np.isin(h_unit, kept_codes)
    keep_m = np.isin(m_unit, kept_codes) | ((m_unit < 0) & bool(kept))
    h_pos = np.arange(n_h, dtype="int64")
    if not keep_h.all():
        h, h_unit, h_src, h_sha, h_persons, h_pos = (h.filter(pa.array(keep_h)), h_unit[keep_h], h_src[keep_h],
                                                     h_sha[keep_h], h_persons[keep_h], h_pos[keep_h])
    m_src, m_sha = m_prov
    if not keep_m.all():
        m, m_unit, m_src, m_sha, pos = (m.filter(pa.array(keep_m)), m_unit[keep_m], m_src[keep_m], m_sha[keep_m],
                                        pos[keep_m])
    return _Part(h, m, h_unit, h_src, h_sha, h_persons, h_pos, m_unit, m_src, m_sha, pos, keep_h)


def _arrow_sortable(t: pa.DataType) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_string(t) or pa.types.is_large_string(t) or pa.types.is_integer(t))


def sort_order(t: pa.Table, keys: list[Any], lead: int = 2) -> np.ndarray:
    """Positions that sort the rows of ``t`` as ``merge._order`` does (stable, text as text, NA last) by ``keys``:
    column names of ``t``, or int64 ranks (NA already ranked last; after the first ``lead``, a function giving
    them, called only when rows tie).

    Sorted by the first ``lead`` keys, then only rows tied on them by the rest (later keys only break ties, and
    a stable sort keeps tied rows in input order): sorting ~2 M rows by their file names would cost ~100 MB of
    temporaries to break no tie at all."""
    import pyarrow as pa
    import pyarrow.compute as pc

    keys = [k() if callable(k) and j < lead else k for j, k in enumerate(keys)]
    if not all(isinstance(k, np.ndarray) or _arrow_sortable(t.schema.field(k).type) for k in keys[:lead]):
        return _sort(t, [k() if callable(k) else k for k in keys])[0]  # ties: Arrow equality is exact for text, ints
    order, packed = _sort(t, keys[:lead], keep_packed=True)
    rest = keys[lead:]
    if not rest or len(order) < 2:
        return order
    same = np.ones(len(order) - 1, dtype=bool)
    if packed is not None:  # the lead keys as one number: rows tie when it does
        v = packed[order]
        same &= v[1:] == v[:-1]
    for k in keys[:lead] if packed is None else []:
        if isinstance(k, np.ndarray):
            v = k[order]
            same &= v[1:] == v[:-1]
        else:
            v = pc.take(t.column(k), pa.array(order))
            eq = pc.equal(v.slice(1), v.slice(0, len(order) - 1))
            both_null = pc.and_(pc.is_null(v.slice(1)), pc.is_null(v.slice(0, len(order) - 1)))
            same &= pc.fill_null(pc.or_kleene(eq, both_null), False).to_numpy(zero_copy_only=False)
    if not same.any():
        return order
    tied = np.zeros(len(order), dtype=bool)
    tied[1:] |= same
    tied[:-1] |= same
    at = np.flatnonzero(tied)  # slots in sorted order whose rows tie with a neighbour
    group = np.cumsum(np.concatenate([[True], ~same]))[at]  # the tie group of each such slot
    rows = order[at]
    sub = t.select(sorted({k for k in rest if isinstance(k, str)})).take(pa.array(rows))  # the tied rows only
    sub_keys: list[str | np.ndarray] = [group.astype("int64")]
    sub_keys += [k()[rows] if callable(k) else k[rows] if isinstance(k, np.ndarray) else k for k in rest]
    out = order.copy()
    out[at] = rows[_sort(sub, sub_keys)[0]]
    return out


def _sort(t: pa.Table, keys: list[str | np.ndarray], keep_packed: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
    """The stable sort of ``sort_order`` by all of ``keys``. Arrow sorts text and integers exactly as pandas
    ("string": UTF-8 byte order is code point order; nulls last); columns of other types are sorted by pandas."""
    import pyarrow as pa
    import pyarrow.compute as pc

    packed = _packed(t, keys)
    if packed is not None:  # one int64 per row, in key order: numpy's stable sort is fast on presorted runs
        return np.argsort(packed, kind="stable").astype("int64", copy=False), packed if keep_packed else None
    names = [f"k{j}" for j in range(len(keys))]
    if all(isinstance(k, np.ndarray) or _arrow_sortable(t.schema.field(k).type) for k in keys):
        cols = {n: (pa.array(k) if isinstance(k, np.ndarray) else t.column(k)) for n, k in zip(names, keys, strict=True)}
        order = pc.sort_indices(pa.table(cols), sort_keys=[(n, "ascending") for n in names])
        return np.asarray(order.to_numpy(), dtype="int64"), None
    frame = pd.DataFrame({n: (pd.Series(k) if isinstance(k, np.ndarray) else _column(t, k))
                          for n, k in zip(names, keys, strict=True)})
    return frame.sort_values(names, kind="stable", na_position="last", key=sort_key).index.to_numpy(dtype="int64"), None


def _packed(t: pa.Table, keys: list[str | np.ndarray]) -> np.ndarray | None:
    """Integer keys packed into one int64 per row that sorts as the keys do (NA after every value), or None when
    a key is not an integer or they do not fit in 62 bits. Built in place: each temporary of a 2 M-row column is
    fresh memory to fault in."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not t.num_rows:
        return None
    spans = []
    for k in keys:  # check every key first, before any work
        if isinstance(k, np.ndarray):
            lo, hi = int(k.min()), int(k.max())
        else:
            typ = t.column(k).type
            if not (pa.types.is_signed_integer(typ) or (pa.types.is_unsigned_integer(typ) and typ.bit_width <= 32)):
                return None
            mm = pc.min_max(t.column(k))
            lo, hi = int(mm["min"].as_py() or 0), int(mm["max"].as_py() or 0)
        spans.append((lo, hi - lo + 2))  # the last slot: NA
    if int(np.prod([float(sp) for _lo, sp in spans])) >= 2**62:
        return None
    packed = np.zeros(t.num_rows, dtype="int64")
    for k, (lo, span) in zip(keys, spans, strict=True):
        packed *= span
        if isinstance(k, np.ndarray):
            packed += k
        else:
            col = t.column(k)
            v = pc.fill_null(col.cast(pa.int64()), lo + span - 1).to_numpy(zero_copy_only=False)
            packed += v
        packed -= lo
    return packed


def permute(t: pa.Table, order: np.ndarray) -> pa.Table:
    """``t.take(order)``; when the order is a few runs of consecutive rows (inputs already sorted within, the usual
    case), as zero-copy slices."""
    import pyarrow as pa

    n = len(order)
    if n == 0 or np.array_equal(order, np.arange(n)):
        return t
    breaks = np.flatnonzero(np.diff(order) != 1) + 1
    starts = np.concatenate([[0], breaks])
    ends = np.concatenate([breaks, [n]])
    if len(starts) <= max(256, n // 64):
        return pa.concat_tables([t.slice(int(order[s]), int(e - s)) for s, e in zip(starts, ends, strict=True)])
    return t.take(pa.array(order))


def stack_arrow(inputs: Sequence[Input], keep: Sequence[set[str]], eras: Sequence[str], ordered: bool,
                with_era: bool) -> Stacked:
    """The stacked frames from Parquet folders of one form (see ``arrow_ready``); with ``ordered`` already in
    output order with ``uid`` renumbered (what ``merge._order`` does). The inputs' rows are released: from here
    on the frames hold them (text columns share the Arrow buffers read, without a copy)."""
    import pyarrow as pa

    pool = Pool()
    parts: list[tuple[int, _Part]] = [(i, _part(inp, keep[i], pool)) for i, inp in enumerate(inputs) if keep[i]]
    schema_h, schema_m = parts[0][1].h.schema, parts[0][1].m.schema

    def cat(xs: list[np.ndarray], dtype: str) -> np.ndarray:
        return np.concatenate(xs).astype(dtype, copy=False) if xs else np.zeros(0, dtype=dtype)

    H = pa.concat_tables([p.h.replace_schema_metadata(schema_h.metadata) for _i, p in parts])
    M = pa.concat_tables([p.m.replace_schema_metadata(schema_m.metadata) for _i, p in parts])
    n_h, n_m = H.num_rows, M.num_rows
    # per row: input, numbers of unit / source_file / source_sha256 (int32), persons, household position
    h_in = cat([np.full(p.h.num_rows, i, dtype="int32") for i, p in parts], "int32")
    m_in = cat([np.full(p.m.num_rows, i, dtype="int32") for i, p in parts], "int32")
    h_unit, h_src, h_sha = (cat([getattr(p, f) for _i, p in parts], "int32") for f in ("h_unit", "h_src", "h_sha"))
    m_unit, m_src, m_sha = (cat([getattr(p, f) for _i, p in parts], "int32") for f in ("m_unit", "m_src", "m_sha"))
    h_persons = cat([p.h_persons for _i, p in parts], "int64")
    h_pos = cat([p.h_pos for _i, p in parts], "int64")
    # each member's household by its position among the stacked households (-1: none)
    m_g_parts, at = [], 0
    for _i, p in parts:
        g = np.full(len(p.keep_h) + 1, -1, dtype="int64")  # the last slot: no household
        g[:-1][p.keep_h] = np.arange(at, at + p.h.num_rows, dtype="int64")
        m_g_parts.append(g[p.m_pos])
        at += p.h.num_rows
    m_g = cat(m_g_parts, "int64")
    m_pos = cat([p.m_pos for _i, p in parts], "int64") if not ordered else None
    del parts, m_g_parts
    for inp in inputs:
        inp.release()
    h_seq: np.ndarray = np.arange(n_h, dtype="int64")
    m_seq: np.ndarray = np.arange(n_m, dtype="int64")
    m_uid: np.ndarray | None = None
    if ordered:
        ranks = pool.ranks()
        named: dict[str, Any] = {"unit": ranks[h_unit], "source_file": lambda: ranks[h_src]}
        h_order = sort_order(H, [named.get(c, c) for c in HH_ORDER if c in named or c in H.column_names])
        new_uid = np.empty(n_h + 1, dtype="int64")
        new_uid[h_order] = np.arange(n_h, dtype="int64")
        new_uid[-1] = n_h  # no household: after every household, as NA sorts
        m_uid = new_uid[m_g]
        del new_uid, m_g
        named = {"uid": m_uid, "unit": ranks[m_unit], "source_file": lambda: ranks[m_src]}
        # members of one household tie on uid and unit: stt is what orders them
        m_order = sort_order(M, [named.get(c, c) for c in MM_ORDER if c in named or c in M.column_names], lead=3)
        del named
        H, M = permute(H, h_order), permute(M, m_order)
        h_in, h_unit, h_src, h_sha, h_persons = (a[h_order] for a in (h_in, h_unit, h_src, h_sha, h_persons))
        m_unit, m_src, m_sha, m_uid = (a[m_order] for a in (m_unit, m_src, m_sha, m_uid))
        h_seq, m_seq = h_order, m_order  # stacked position of each row in output order
    era_names = np.array([*eras, ""], dtype=object)

    def frame(t: pa.Table, unit: np.ndarray, src: np.ndarray, sha: np.ndarray) -> pd.DataFrame:
        df = table_frame(t.drop_columns([c for c in PROVENANCE if c in t.column_names]))
        df["unit"] = pool.decode(unit)
        df["source_file"] = pool.decode(src)
        df["source_sha256"] = pool.decode(sha)
        return df

    hh = frame(H, h_unit, h_src, h_sha)
    del H
    hh["_in"] = h_in
    hh["_seq"] = h_seq
    hh["_persons"] = h_persons
    mm = frame(M, m_unit, m_src, m_sha)
    del M
    mm["_seq"] = m_seq
    if ordered:  # households and members in output order: the input positions are not needed any more
        assert m_uid is not None
        hh["uid"] = np.arange(n_h, dtype="int64")
        none = m_uid >= n_h
        m_uid[none] = 0
        mm["uid"] = pd.arrays.IntegerArray(m_uid, none)
    else:  # the crosswalk and _order link members to households by input and position
        hh["_pos"] = h_pos
        mm["_in"] = m_in.astype("int64")
        mm["_pos"] = m_pos
        hh["_in"] = h_in.astype("int64")
        if with_era:  # (the crosswalk reads it)
            hh["_era"] = pd.Series(era_names[h_in], dtype="str")
            mm["_era"] = pd.Series(era_names[m_in], dtype="str")
    return Stacked(hh, mm, ordered, (h_unit, m_unit, list(pool.values)) if ordered else None)


# ------------------------------------------------------------------------------------------------ counting
def distinct(hh: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """The distinct households over ``keys`` and the columns counting reads (``COUNTED``), with ``_n`` (how many)
    and ``_persons`` (their persons): every count of the merge, from a few thousand rows instead of all."""
    cols = [c for c in (*keys, *COUNTED) if c in hh.columns]
    codes, uniques = [], []
    for c in cols:
        code, uniq = pd.factorize(hh[c], use_na_sentinel=True)
        codes.append(code.astype("int64") + 1)  # 0: NA
        uniques.append(uniq)
    combined = np.zeros(len(hh), dtype="int64")
    span = 1
    for code, uniq in zip(codes, uniques, strict=True):
        size = len(uniq) + 1
        if span * size >= 2**62:  # too many combinations for one number: number the pairs so far
            combined, _ = pd.factorize(combined)
            combined = combined.astype("int64")
            span = int(combined.max()) + 1 if len(combined) else 1
        combined = combined * size + code
        span *= size
    inverse, groups = pd.factorize(combined, sort=False)
    n = np.bincount(inverse, minlength=len(groups)).astype("int64")
    persons = np.bincount(inverse, weights=hh["_persons"].to_numpy(dtype="float64"), minlength=len(groups))
    rep = np.zeros(len(groups), dtype="int64")
    rep[inverse[::-1]] = np.arange(len(hh) - 1, -1, -1, dtype="int64")  # a row of each group (its first)
    out = pd.DataFrame({c: pd.Series(pd.api.extensions.take(uniq, code[rep] - 1, allow_fill=True))
                        for c, code, uniq in zip(cols, codes, uniques, strict=True)})
    out["_n"] = n
    out["_persons"] = np.rint(persons).astype("int64")  # exact: sums of counts far below 2**53
    return out
