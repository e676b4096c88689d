"""Input layouts as data: load `layouts/*.yaml` into frozen dataclasses."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from hgn_review.errors import ConfigError
from hgn_review.text import fold, header_key

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

TYPES = {"text", "code", "id", "integer", "number", "date", "yesno", "choice", "multichoice", "flag"}
INDICATORS = (
    "th_viec_lam", "th_nguoi_phu_thuoc", "th_dinh_duong", "th_bhyt", "th_giao_duc_nguoi_lon", "th_di_hoc_tre_em",
    "th_chat_luong_nha", "th_dien_tich_nha", "th_nuoc_sinh_hoat", "th_nha_tieu", "th_vien_thong",
    "th_phuong_tien_thong_tin",
)


@dataclass(frozen=True)
class ColumnSpec:
    key: str
    header: str
    type: str
    required: bool = False
    required_soft: bool = False  # missing is a warning-level finding, not an error
    one_of: str | None = None  # a group of columns of which one at least is required (the income basis)
    # a column required for some members only (working age, children, those at school): its absence is a warning
    # saying so, (vi, en)
    missing_note: tuple[str, str] | None = None
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    choice_map: dict[str, str] = field(default_factory=dict)  # folded alias -> canonical value
    # spellings that fold to an alias but are also another answer's word ("Ba": "Bà" without its tone, and a
    # father in the South): as written (case and spaces aside) never read — asked, naming the answers it may be
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: str = ""
    width: int = 12
    min: float | None = None
    max: float | None = None
    min_exclusive: float | None = None
    multiple_of: float | None = None
    digits: int | None = None
    year_only: bool = False
    blank_is_no: bool = False
    default: str | None = None
    separator: str = ";"
    person_name: bool = False

    def match_keys(self) -> set[str]:
        return {header_key(self.header), header_key(self.key), *(header_key(a) for a in self.aliases)}

    def canonical(self, value: str) -> str | None:
        """The canonical choice for a raw value, or None when it is not in the list (or may be either of two)."""
        if self.ambiguous and as_written(value) in self.ambiguous:
            return None
        return self.choice_map.get(fold(value))


def as_written(value: str) -> str:
    """A cell's text as typed, case and spaces aside (its diacritics kept): how an ambiguous spelling is known."""
    import unicodedata

    return " ".join(unicodedata.normalize("NFC", str(value)).split()).casefold()


@dataclass(frozen=True)
class SheetSpec:
    role: str
    name: str | None
    aliases: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    key_columns: tuple[str, ...] = ()
    dedupe: bool = False

    @property
    def by_key(self) -> dict[str, ColumnSpec]:
        return {c.key: c for c in self.columns}

    def match_names(self) -> set[str]:
        return {header_key(n) for n in (self.name or "", *self.aliases) if n}


@dataclass(frozen=True)
class Layout:
    id: str
    version: int
    title: str
    sheets: dict[str, SheetSpec]
    info_sheet: str | None = None
    info_aliases: tuple[str, ...] = ()
    instructions_sheet: str | None = None
    source: str = ""
    plausibility: dict[str, Any] = field(default_factory=dict)


def _choice_items(raw: list[Any], where: str) -> tuple[tuple[str, ...], dict[str, str]]:
    values: list[str] = []
    mapping: dict[str, str] = {}
    for item in raw:
        if isinstance(item, dict):
            if "value" not in item:
                raise ConfigError(f"{where}: mục danh sách thiếu 'value'", message_en=f"{where}: choice item without 'value'")
            value = str(item["value"])
            raw_aliases = list(item.get("aliases", []))
        else:
            value, raw_aliases = str(item), []
        if isinstance(item, bool) or isinstance(item, dict) and isinstance(item["value"], bool) \
                or any(isinstance(a, bool) for a in raw_aliases):  # yes, no, on, off unquoted: read as true, false
            raise ConfigError(f"{where}: yes, no, on, off, true, false phải đặt trong ngoặc kép (\"yes\") — YAML đọc "
                              "chúng thành giá trị đúng/sai", message_en=f"{where}: quote yes, no, on, off, true, "
                              "false (\"yes\") — YAML reads them as booleans")
        aliases = [str(a) for a in raw_aliases]
        values.append(value)
        for a in (value, *aliases):
            mapping.setdefault(fold(a), value)
    return tuple(values), mapping


@cache
def ethnic_groups() -> tuple[dict[str, Any], ...]:
    data = yaml.load(resources.files("hgn_review.layouts").joinpath("ethnic.yaml").read_text("utf-8"), Loader=_Loader)
    return tuple(data["groups"])


def _ethnic_choices() -> list[Any]:
    return [{"value": g["name"], "aliases": g.get("aliases", [])} for g in ethnic_groups()]


def parse_layout(data: dict[str, Any], source: str = "") -> Layout:
    try:
        lists: dict[str, list[Any]] = dict(data.get("choice_lists") or {})
        lists["ethnic"] = _ethnic_choices()
        sheets: dict[str, SheetSpec] = {}
        for role, s in data["sheets"].items():
            cols: list[ColumnSpec] = []
            seen: set[str] = set()
            for i, c in enumerate(s["columns"]):
                where = f"{source}: sheets.{role}.columns[{i}]"
                ctype = c.get("type", "text")
                if ctype not in TYPES:
                    raise ConfigError(f"{where}.type: kiểu '{ctype}' không hợp lệ", message_en=f"{where}.type: bad type '{ctype}'")
                if c["key"] in seen:
                    raise ConfigError(f"{where}.key: khóa '{c['key']}' trùng", message_en=f"{where}.key: duplicate key")
                seen.add(c["key"])
                raw_choices = c.get("choices")
                if raw_choices is None and c.get("choice_list"):
                    raw_choices = lists[c["choice_list"]]
                if raw_choices is None and ctype in ("yesno", "flag"):
                    raw_choices = lists[ctype]
                choices, cmap = _choice_items(raw_choices or [], where)
                if ctype in ("choice", "multichoice") and not choices:
                    raise ConfigError(f"{where}: cột kiểu {ctype} cần danh sách giá trị", message_en=f"{where}: needs choices")
                cols.append(ColumnSpec(
                    key=c["key"], header=str(c["header"]), type=ctype, required=bool(c.get("required", False)),
                    required_soft=bool(c.get("required_soft", False)), one_of=c.get("one_of"),
                    missing_note=tuple(c["missing_note"]) if c.get("missing_note") else None,  # type: ignore[arg-type]
                    aliases=tuple(str(a) for a in c.get("aliases", [])), choices=choices, choice_map=cmap,
                    note=c.get("note", ""), width=int(c.get("width", 12)), min=c.get("min"), max=c.get("max"),
                    min_exclusive=c.get("min_exclusive"), multiple_of=c.get("multiple_of"), digits=c.get("digits"),
                    year_only=bool(c.get("year_only", False)), blank_is_no=bool(c.get("blank_is_no", False)),
                    default=c.get("default"), separator=c.get("separator", ";"),
                    person_name=bool(c.get("person_name", False)),
                    ambiguous={as_written(str(k)): tuple(str(x) for x in v)
                               for k, v in (c.get("ambiguous") or {}).items()}))
            sheets[role] = SheetSpec(role=role, name=s.get("name"), aliases=tuple(s.get("aliases", [])),
                                     columns=tuple(cols), key_columns=tuple(s.get("key_columns", [])),
                                     dedupe=bool(s.get("dedupe", False)))
        info = data.get("info_sheet") or {}
        return Layout(id=data["id"], version=int(data.get("version", 1)), title=data.get("title", data["id"]),
                      sheets=sheets, info_sheet=info.get("name"), info_aliases=tuple(info.get("aliases", [])),
                      instructions_sheet=(data.get("instructions_sheet") or {}).get("name"), source=source,
                      plausibility=dict(data.get("plausibility") or {}))
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"Tệp mẫu biểu {source} sai cấu trúc: {exc!r}",
                          message_en=f"Layout file {source} is malformed: {exc!r}") from exc


@cache
def load_layout(layout_id: str) -> Layout:
    """A bundled layout by id ('hgn', 'app') or a YAML file path."""
    path = Path(layout_id)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return parse_layout(yaml.load(path.read_text("utf-8"), Loader=_Loader), str(path))
    res = resources.files("hgn_review.layouts").joinpath(f"{layout_id}.yaml")
    if not res.is_file():
        raise ConfigError(f"Không có mẫu biểu '{layout_id}'", hint="Dùng 'hgn' hoặc 'app'.",
                          message_en=f"No layout '{layout_id}'", hint_en="Use 'hgn' or 'app'.")
    return parse_layout(yaml.load(res.read_text("utf-8"), Loader=_Loader), f"{layout_id}.yaml")


LAYOUT_IDS = ("hgn", "app")
