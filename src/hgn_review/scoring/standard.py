"""The poverty standard as data: ``standards/*.yaml`` validated into frozen dataclasses.

Every legal number (income lines, bands, cut-offs, ages, ratios, areas, category lists) lives in a standard file as
a *parameter* ``{value, source, status[, note]}``; ``status`` is ``law``, ``practice`` or ``open`` (domain.md).
A file may ``extends`` another standard (a bundled id or a relative ``.yaml`` path): mappings merge key by key,
and a parameter given in the child replaces the parent's parameter whole (value and provenance together).
A mistake in a file raises :class:`StandardFileError` naming the YAML path, e.g.
``indicators.th_dien_tich_nha.min_area_per_person: phải là số dương``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from types import MappingProxyType
from typing import Any, Generic, NoReturn, TypeVar

import numpy as np
import pandas as pd
import yaml

from hgn_review.errors import ConfigError, InputError, UsageError, yaml_problem
from hgn_review.schemas.layout import INDICATORS, load_layout

T = TypeVar("T")

STATUSES = ("law", "practice", "open")
SCOPES = ("national", "local")
PARAM_KEYS = {"value", "source", "status", "note"}
META_KEYS = ("id", "title", "scope", "source", "status", "note", "extends")  # never inherited from a parent
TOP_KEYS = {*META_KEYS, "valid_from", "valid_to", "income_line", "average_living_upper", "b1_cutoff",
            "deprivation", "indicators", "open_changes"}
INDICATOR_META = {"name", "short_name", "dimension", "rule", "source", "status", "note"}


class StandardFileError(ConfigError):
    """A standard file is wrong; ``yaml_path`` points at the mistake (``income_line.Nông thôn``)."""

    slug = "standard"

    def __init__(self, source: str, yaml_path: str, problem: str, problem_en: str) -> None:
        super().__init__(f"{source}: {yaml_path}: {problem}",
                         hint="Sửa tệp chuẩn nghèo theo đường dẫn trên (xem chú thích đầu tệp vn-2022-2025.yaml).",
                         message_en=f"{source}: {yaml_path}: {problem_en}",
                         hint_en="Fix the standard file at the path shown (see the header of vn-2022-2025.yaml).")
        self.source = source
        self.yaml_path = yaml_path
        self.problem = problem


# ------------------------------------------------------------------ value objects


@dataclass(frozen=True)
class Param(Generic[T]):
    """One value of the standard with its provenance."""

    value: T
    source: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class AgeRange:
    """Completed years, both ends inclusive; ``end`` None means no upper limit."""

    start: int
    end: int | None

    def contains(self, age: pd.Series) -> pd.Series:
        """Kleene mask: NA where the age is NA."""
        a = age.astype("Int64")
        inside = a >= self.start
        if self.end is not None:
            inside = inside & (a <= self.end)
        return inside.astype("boolean")

    def text(self) -> str:
        return f"{self.start}+" if self.end is None else f"{self.start}–{self.end}"


@dataclass(frozen=True)
class RequiredLevel:
    """Adult education: at these ages a member out of school needs at least ``min_level``."""

    ages: AgeRange
    min_level: str


@dataclass(frozen=True)
class LevelBand:
    """School attendance: at these ages the school levels (``cap_hoc``) that fit the age."""

    ages: AgeRange
    levels: tuple[str, ...]


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    short_name: str
    dimension: str
    rule: str
    source: str
    status: str
    note: str
    params: Mapping[str, Param[Any]]

    def __getitem__(self, name: str) -> Any:
        return self.params[name].value


@dataclass(frozen=True)
class OpenChange:
    change: str
    source: str
    status: str


@dataclass(frozen=True)
class Standard:
    id: str
    title: str
    scope: str
    source: str
    status: str
    note: str
    extends: str | None
    valid_from: Param[dt.date]
    valid_to: Param[dt.date]
    income_line: Mapping[str, Param[float | None]]
    average_living_upper: Mapping[str, Param[float | None]]
    b1_cutoff: Mapping[str, Param[float | None]]
    deprivation_cutoff: Param[int]
    b2_points: Param[int]
    weights: Param[tuple[float, ...]]
    indicators: Mapping[str, Indicator]
    open_changes: tuple[OpenChange, ...]
    path: str
    sha256: str

    @property
    def k(self) -> int:
        """Deprivation cut-off as a count: poor when the count is ≥ k."""
        return self.deprivation_cutoff.value

    @property
    def keys(self) -> tuple[str, ...]:
        """The standard's indicator keys, in the layout's order: all twelve, or those a period's list keeps."""
        return tuple(self.indicators)

    @property
    def dropped(self) -> tuple[str, ...]:
        """The layout's indicators this standard does not hold (their flag columns are read, never counted)."""
        return tuple(k for k in INDICATORS if k not in self.indicators)

    @property
    def af_cutoff(self) -> float:
        """The cut-off as a fraction of total weight for Alkire–Foster (k / number of indicators)."""
        return self.k / len(self.indicators)

    def covers(self, day: dt.date) -> bool:
        return self.valid_from.value <= day <= self.valid_to.value

    def covers_dates(self, dates: pd.Series) -> np.ndarray:
        """``covers`` for each date of a datetime column, vectorised (a missing date: False)."""
        values = dates.to_numpy(dtype="datetime64[ns]")
        start = np.datetime64(self.valid_from.value, "ns")
        end = np.datetime64(self.valid_to.value, "ns") + np.timedelta64(1, "D")  # the whole last day
        return (values >= start) & (values < end)

    def thresholds(self, which: str) -> dict[str, float | None]:
        """``income_line``, ``average_living_upper`` or ``b1_cutoff`` as {area: value or None}."""
        table: Mapping[str, Param[float | None]] = getattr(self, which)
        return {area: p.value for area, p in table.items()}

    def parameters(self) -> list[tuple[str, Any, str, str]]:
        """Every parameter as (YAML path, value, status, source), for reports and ``hgn standards``."""
        rows: list[tuple[str, Any, str, str]] = [
            ("valid_from", self.valid_from.value, self.valid_from.status, self.valid_from.source),
            ("valid_to", self.valid_to.value, self.valid_to.status, self.valid_to.source)]
        for section in ("income_line", "average_living_upper", "b1_cutoff"):
            for area, p in getattr(self, section).items():
                rows.append((f"{section}.{area}", p.value, p.status, p.source))
        for name, p in (("cutoff", self.deprivation_cutoff), ("b2_points", self.b2_points), ("weights", self.weights)):
            rows.append((f"deprivation.{name}", p.value, p.status, p.source))
        for ind in self.indicators.values():
            for name, p in ind.params.items():
                rows.append((f"indicators.{ind.key}.{name}", p.value, p.status, p.source))
        return rows


# ------------------------------------------------------------------ reading YAML


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key written twice in one mapping (PyYAML silently keeps the last)."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(None, None, f"khóa '{key}' ghi hai lần", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _bundled_dir() -> Traversable:
    return resources.files("hgn_review.scoring").joinpath("standards")


def _read_yaml(text: str, source: str) -> dict[str, Any]:
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        vi, en = yaml_problem(exc)
        raise ConfigError(f"{source}: không đọc được YAML ({vi}).", message_en=f"{source}: invalid YAML ({en}).",
                          hint="Kiểm tra thụt lề và dấu ngoặc trong tệp.", hint_en="Check indentation and brackets.") from exc
    if not isinstance(data, dict):
        raise StandardFileError(source, "(gốc)", "tệp phải là một bảng khóa: giá trị", "the file must be a mapping")
    return data


_YAML = (".yaml", ".yml")


def _is_yaml(ref: str) -> bool:
    """A .yaml/.yml path, the extension in any case ("TINH.YAML" as Windows tools save it)."""
    return ref.lower().endswith(_YAML)


def _locate(ref: str, base: Path | Traversable | None) -> tuple[str, Path | Traversable]:
    """(label, file) for a standard id or a .yaml path (relative to ``base``, the referring file's folder)."""
    if _is_yaml(ref):
        if isinstance(base, Path) and not Path(ref).is_absolute():
            path: Path | Traversable = base / ref
        elif base is not None and not isinstance(base, Path) and not Path(ref).is_absolute():
            path = base.joinpath(ref)
        else:
            path = Path(ref)
        if not path.is_file():
            raise ConfigError(f"Không tìm thấy tệp chuẩn nghèo '{ref}'", message_en=f"Standard file '{ref}' not found",
                              hint="Kiểm tra đường dẫn tệp.", hint_en="Check the file path.")
        return (str(path) if isinstance(path, Path) else path.name), path
    res = _bundled_dir().joinpath(f"{ref}.yaml")
    if not res.is_file():
        ids = ", ".join(_bundled_ids())
        # given on the command line (no referring file), an unknown name is a wrong argument, exit 2
        error = UsageError if base is None else ConfigError
        if base is None and Path(ref).exists():  # a workbook or a folder picked by mistake: said what it is
            what, what_en = ("một thư mục", "a folder") if Path(ref).is_dir() else ("một tệp", "a file")
            raise error(f"'{ref}' là {what}, không phải tệp chuẩn nghèo (.yaml).",
                        message_en=f"'{ref}' is {what_en}, not a standard file (.yaml).",
                        hint=f"Chỉ đường dẫn tới một tệp chuẩn .yaml, hoặc một chuẩn có sẵn: {ids}.",
                        hint_en=f"Give the path of a standard's .yaml file, or a bundled standard: {ids}.")
        raise error(f"Không có chuẩn nghèo '{ref}'", message_en=f"No standard '{ref}'",
                    hint=f"Các chuẩn có sẵn: {ids}; hoặc chỉ đường dẫn tới một tệp .yaml.",
                    hint_en=f"Bundled standards: {ids}; or give the path of a .yaml file.")
    return f"{ref}.yaml", res


@cache  # the package's own files: listed once a process (a return's every review date asks)
def _bundled_ids() -> tuple[str, ...]:
    return tuple(sorted(p.name.rsplit(".", 1)[0] for p in _bundled_dir().iterdir() if p.name.endswith(".yaml")))


def _merge(parent: dict[str, Any], child: dict[str, Any]) -> dict[str, Any]:
    """Deep merge; a parameter node (a mapping with ``value``) and any list replace the parent's whole."""
    out = dict(parent)
    for key, value in child.items():
        old = out.get(key)
        if (isinstance(value, dict) and "value" not in value and isinstance(old, dict) and "value" not in old):
            out[key] = _merge(old, value)
        else:
            out[key] = value
    return out


def _resolve(ref: str, base: Path | Traversable | None, chain: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[bytes], str]:
    label, file = _locate(ref, base)
    key = str(file.resolve()) if isinstance(file, Path) else str(file)  # "../tinh/a.yaml" is a.yaml
    if key in chain:
        raise StandardFileError(label, "extends", "chuẩn kế thừa vòng tròn", "circular extends")
    raw = file.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{label}: tệp chuẩn nghèo không phải văn bản UTF-8 (lưu bằng bảng mã khác, ví dụ "
                          "\"Unicode\" hoặc \"ANSI\" của Notepad).",
                          message_en=f"{label}: the standard file is not UTF-8 text (saved in another encoding, e.g. "
                                     "Notepad's \"Unicode\" or \"ANSI\").",
                          hint="Mở tệp bằng trình soạn thảo rồi lưu lại với bảng mã UTF-8.",
                          hint_en="Open the file in an editor and save it again as UTF-8.") from None
    data = _read_yaml(text, label)
    parent_ref = data.get("extends")
    if parent_ref is None:
        return data, [raw], label
    if not isinstance(parent_ref, str) or not parent_ref:
        raise StandardFileError(label, "extends", "phải là mã chuẩn hoặc đường dẫn tệp .yaml",
                                "must be a standard id or a .yaml path")
    folder = file.parent if isinstance(file, Path) else _bundled_dir()
    try:
        _locate(parent_ref, folder)
    except StandardFileError:
        raise
    except ConfigError as exc:  # the parent named by extends is not there: said at this file's extends key
        raise StandardFileError(label, "extends", f"{exc.message}. {exc.hint}", f"{exc.message_en}. {exc.hint_en}") \
            from None
    parent, parent_bytes, _ = _resolve(parent_ref, folder, (*chain, key))
    inherited = {k: v for k, v in parent.items() if k not in META_KEYS}
    return _merge(inherited, data), [*parent_bytes, raw], label


# ------------------------------------------------------------------ validation


class _Checker:
    """Validates the merged mapping; every failure names its YAML path."""

    def __init__(self, source: str) -> None:
        self.source = source
        layout = load_layout("hgn")
        self.choices = {f"{role}.{c.key}": c.choices for role, s in layout.sheets.items() for c in s.columns}
        self.areas = self.choices["households.khu_vuc"]

    def fail(self, path: str, vi: str, en: str) -> NoReturn:
        raise StandardFileError(self.source, path, vi, en)

    def mapping(self, node: Any, path: str) -> dict[str, Any]:
        if not isinstance(node, dict):
            self.fail(path, "phải là một bảng khóa: giá trị", "must be a mapping")
        return node

    def keys(self, node: dict[str, Any], path: str, allowed: set[str], required: set[str] | tuple[str, ...]) -> None:
        """Unknown keys first, then the first missing one (in the given order, or alphabetical for a set)."""
        for key in node:
            if key not in allowed:
                self.fail(f"{path}.{key}" if path else str(key), "khóa không được hỗ trợ", "unsupported key")
        for key in required if isinstance(required, tuple) else sorted(required):
            if key not in node:
                self.fail(f"{path}.{key}" if path else key, "thiếu", "missing")

    def text(self, node: dict[str, Any], key: str, path: str, *, required: bool = True) -> str:
        value = node.get(key)
        where = f"{path}.{key}" if path else key
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(where, "phải là một đoạn chữ không rỗng", "must be non-empty text")
        return value.strip()

    def status(self, node: dict[str, Any], path: str) -> str:
        value = node.get("status")
        if value not in STATUSES:
            self.fail(f"{path}.status" if path else "status", "phải là law, practice hoặc open",
                      "must be law, practice or open")
        return str(value)

    def param(self, node: Any, path: str, parse: Callable[[Any, str], T], *, nullable: bool = False) -> Param[T]:
        if not isinstance(node, dict) or "value" not in node:
            self.fail(path, "phải là một mục {value, source, status}", "must be a {value, source, status} item")
        self.keys(node, path, PARAM_KEYS, {"value", "source", "status"})
        source = self.text(node, "source", path)
        status = self.status(node, path)
        note = self.text(node, "note", path, required=False)
        if node["value"] is None:
            if not nullable:
                self.fail(path, "phải có giá trị", "needs a value")
            if status != "open":
                self.fail(path, "chỉ được để trống (null) khi status là open", "may be null only when status is open")
            return Param(None, source, status, note)  # type: ignore[arg-type]
        return Param(parse(node["value"], path), source, status, note)

    # value parsers: (raw value, path) -> value
    def positive_number(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            self.fail(path, "phải là số dương", "must be a positive number")
        return float(value)

    def positive_int(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            self.fail(path, "phải là số nguyên dương", "must be a positive whole number")
        return int(value)

    def age(self, value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 150:
            self.fail(path, "phải là số tuổi nguyên từ 0 đến 150", "must be a whole age from 0 to 150")
        return int(value)

    def share(self, value: Any, path: str) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            self.fail(path, "phải là tỷ lệ lớn hơn 0 và nhỏ hơn 1", "must be a ratio strictly between 0 and 1")
        return float(value)

    def date(self, value: Any, path: str) -> dt.date:
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        try:
            return dt.date.fromisoformat(str(value))
        except ValueError:
            self.fail(path, "phải là ngày dạng YYYY-MM-DD", "must be a date YYYY-MM-DD")

    def age_range(self, value: Any, path: str) -> AgeRange:
        node = self.mapping(value, path)
        self.keys(node, path, {"from", "to"}, {"from", "to"})
        start = self.age(node["from"], f"{path}.from")
        end = None if node["to"] is None else self.age(node["to"], f"{path}.to")
        if end is not None and end < start:
            self.fail(f"{path}.to", "phải lớn hơn hoặc bằng from", "must be at least from")
        return AgeRange(start, end)

    def choice_list(self, column: str) -> Callable[[Any, str], tuple[str, ...]]:
        allowed = self.choices[column]

        def parse(value: Any, path: str) -> tuple[str, ...]:
            if not isinstance(value, list) or not value:
                self.fail(path, "phải là một danh sách không rỗng", "must be a non-empty list")
            for i, item in enumerate(value):
                if str(item) not in allowed:
                    self.fail(f"{path}[{i}]", f"\"{item}\" không có trong danh mục cột {column.split('.')[1]} "
                              f"({', '.join(allowed)})", f"\"{item}\" is not a value of column {column}")
            if len(set(value)) != len(value):
                self.fail(path, "có giá trị lặp lại", "has a repeated value")
            return tuple(str(v) for v in value)
        return parse

    def bands(self, value: Any, path: str, ages: AgeRange, extra: str,
              parse_extra: Callable[[Any, str], Any]) -> tuple[tuple[AgeRange, Any], ...]:
        """Age bands {from, to, <extra>} that must tile ``ages`` in order, without gap or overlap."""
        if not isinstance(value, list) or not value:
            self.fail(path, "phải là một danh sách không rỗng", "must be a non-empty list")
        out = []
        expected = ages.start
        for i, item in enumerate(value):
            where = f"{path}[{i}]"
            node = self.mapping(item, where)
            self.keys(node, where, {"from", "to", extra}, {"from", "to", extra})
            band = self.age_range({"from": node["from"], "to": node["to"]}, where)
            if band.start != expected:
                self.fail(f"{where}.from", f"phải là {expected} (các khoảng tuổi nối tiếp, không hở, không chồng)",
                          f"must be {expected} (bands follow each other without gap or overlap)")
            out.append((band, parse_extra(node[extra], f"{where}.{extra}")))
            if band.end is None:
                expected = -1
                break
            expected = band.end + 1
        last = out[-1][0].end
        if last != ages.end or len(out) != len(value):
            self.fail(path, f"các khoảng tuổi phải phủ đúng {ages.text()} tuổi", f"bands must cover ages {ages.text()}")
        return tuple(out)


def _rule_params(ck: _Checker, rule: str, node: dict[str, Any], path: str) -> dict[str, Param[Any]]:
    """Parse the parameters of one indicator according to its rule; unknown rules and keys are errors."""
    if rule not in RULE_PARAMS:
        ck.fail(f"{path}.rule", f"quy tắc '{rule}' không được hỗ trợ ({', '.join(RULE_PARAMS)})",
                f"unsupported rule '{rule}'")
    ck.keys(node, path, INDICATOR_META | set(RULE_PARAMS[rule]), INDICATOR_META - {"note"})
    p: dict[str, Param[Any]] = {}

    def take(name: str, parse: Callable[[Any, str], Any]) -> Param[Any]:
        if name not in node:
            ck.fail(f"{path}.{name}", "thiếu", "missing")
        p[name] = ck.param(node[name], f"{path}.{name}", parse)
        return p[name]

    if rule == "employment":
        take("working_age", ck.age_range)
        take("deprived_status", ck.choice_list("members.viec_lam"))
    elif rule == "dependents":
        take("child_age_below", ck.age)
        take("elderly_age_from", ck.age)
        take("disability_levels", ck.choice_list("members.khuyet_tat"))
        take("max_share", ck.share)
    elif rule == "nutrition":
        take("child_age_below", ck.age)
    elif rule == "health_insurance":
        take("min_age", ck.age)
    elif rule == "adult_education":
        ages = take("ages", ck.age_range).value
        order = take("level_order", ck.choice_list("members.trinh_do")).value
        missing = [c for c in ck.choices["members.trinh_do"] if c not in order]
        if missing:
            ck.fail(f"{path}.level_order", f"thiếu trình độ {', '.join(missing)}", f"misses levels {missing}")

        def level(value: Any, where: str) -> str:
            if value not in order:
                ck.fail(where, f"\"{value}\" không có trong level_order", f"\"{value}\" is not in level_order")
            return str(value)

        def required(value: Any, where: str) -> tuple[RequiredLevel, ...]:
            return tuple(RequiredLevel(a, lv) for a, lv in ck.bands(value, where, ages, "min_level", level))
        take("required_level", required)
    elif rule == "school_attendance":
        ages = take("ages", ck.age_range).value
        levels = ck.choice_list("members.cap_hoc")

        def table(value: Any, where: str) -> tuple[LevelBand, ...]:
            return tuple(LevelBand(a, lv) for a, lv in ck.bands(value, where, ages, "levels", levels))
        take("levels_by_age", table)
    elif rule == "housing_quality":
        take("deprived_types", ck.choice_list("households.loai_nha"))
    elif rule == "housing_area":
        take("min_area_per_person", ck.positive_number)
    elif rule == "water":
        take("safe_sources", ck.choice_list("households.nguon_nuoc"))
    elif rule == "latrine":
        take("hygienic_types", ck.choice_list("households.nha_tieu"))
    return p


# Each rule and the parameters it takes (the engine is in indicators.py).
RULE_PARAMS: dict[str, tuple[str, ...]] = {
    "employment": ("working_age", "deprived_status"),
    "dependents": ("child_age_below", "elderly_age_from", "disability_levels", "max_share"),
    "nutrition": ("child_age_below",),
    "health_insurance": ("min_age",),
    "adult_education": ("ages", "level_order", "required_level"),
    "school_attendance": ("ages", "levels_by_age"),
    "housing_quality": ("deprived_types",),
    "housing_area": ("min_area_per_person",),
    "water": ("safe_sources",),
    "latrine": ("hygienic_types",),
    "telecom": (),
    "information_assets": (),
}


def parse_standard(data: dict[str, Any], source: str = "", *, raw: list[bytes] | None = None) -> Standard:
    """Validate a merged standard mapping into a :class:`Standard`."""
    ck = _Checker(source)
    ck.keys(data, "", TOP_KEYS, TOP_KEYS - {"note", "extends", "open_changes"})
    sid = ck.text(data, "id", "")
    scope = data.get("scope")
    if scope not in SCOPES:
        ck.fail("scope", "phải là national hoặc local", "must be national or local")
    valid_from = ck.param(data["valid_from"], "valid_from", ck.date)
    valid_to = ck.param(data["valid_to"], "valid_to", ck.date)
    if valid_to.value < valid_from.value:
        ck.fail("valid_to", "phải sau valid_from", "must not be before valid_from")

    def by_area(section: str, nullable: bool) -> Mapping[str, Param[float | None]]:
        node = ck.mapping(data[section], section)
        ck.keys(node, section, set(ck.areas), set(ck.areas))
        return MappingProxyType({a: ck.param(node[a], f"{section}.{a}", ck.positive_number, nullable=nullable)
                                 for a in ck.areas})

    lines = by_area("income_line", False)
    bands = by_area("average_living_upper", True)
    b1 = by_area("b1_cutoff", True)
    for area in ck.areas:
        band, line = bands[area].value, lines[area].value
        if band is not None and line is not None and band <= line:
            ck.fail(f"average_living_upper.{area}", "phải lớn hơn chuẩn thu nhập (income_line) cùng khu vực",
                    "must be above the income line of the same area")

    dep = ck.mapping(data["deprivation"], "deprivation")
    ck.keys(dep, "deprivation", {"cutoff", "b2_points", "weights"}, {"cutoff", "b2_points", "weights"})
    # the indicators: those of the layout's flag columns the standard holds (a period's list may drop one — the
    # 2027–2030 draft drops the information devices — by `key: null`, also in a file extending another). An
    # indicator hgn has no column for cannot be added by a file: the return would need its column first.
    inds = ck.mapping(data["indicators"], "indicators")
    for key in inds:
        if key not in INDICATORS:
            ck.fail(f"indicators.{key}", "không phải chỉ số có cột trong biểu rà soát (" + ", ".join(INDICATORS)
                    + "); chỉ số mới cần có cột trong biểu trước", "is not an indicator the return has a column for ("
                    + ", ".join(INDICATORS) + "); a new indicator needs its column in the return first")
    for key in INDICATORS:  # left out on purpose only: a block deleted by mistake would change who is poor
        if key not in inds:
            ck.fail(f"indicators.{key}", f"thiếu (muốn bỏ chỉ số này khỏi chuẩn thì ghi `{key}: null`)",
                    f"missing (to drop this indicator from the standard, write `{key}: null`)")
    keys = tuple(k for k in INDICATORS if inds[k] is not None)
    if not keys:
        ck.fail("indicators", "phải có ít nhất một chỉ số", "must hold at least one indicator")

    cutoff = ck.param(dep["cutoff"], "deprivation.cutoff", ck.positive_int)
    if cutoff.value > len(keys):
        ck.fail("deprivation.cutoff", f"không được lớn hơn {len(keys)} (số chỉ số của chuẩn)",
                f"exceeds {len(keys)} (the standard's number of indicators)")
    b2 = ck.param(dep["b2_points"], "deprivation.b2_points", ck.positive_int)

    def weights(value: Any, path: str) -> tuple[float, ...]:
        if value == "equal":
            return tuple(1.0 / len(keys) for _ in keys)
        node = ck.mapping(value, path)
        for key in node:  # weights (perhaps inherited) for an indicator the standard drops: restated, not "unsupported"
            if key in INDICATORS and key not in keys:
                ck.fail(f"{path}.{key}", "là trọng số của chỉ số đã bỏ (null trong indicators): ghi lại trọng số "
                        "chỉ cho các chỉ số còn lại, hoặc `equal`", "weighs an indicator the standard drops (null in "
                        "indicators): restate the weights of the remaining indicators only, or `equal`")
        ck.keys(node, path, set(keys), keys)
        raw_w = [ck.positive_number(node[key], f"{path}.{key}") for key in keys]
        return tuple(w / sum(raw_w) for w in raw_w)
    w = ck.param(dep["weights"], "deprivation.weights", weights)
    if isinstance(dep["weights"], dict) and dep["weights"].get("value") == "equal":
        # equal weights over this standard's own indicators: a source inherited from a standard of twelve ("… cho 12
        # chỉ số") is said for the number this one holds (the bundled file's text cannot change: its bytes are its id)
        w = dataclasses.replace(w, source=re.sub(r"\b\d+ chỉ số\b", f"{len(keys)} chỉ số", w.source))

    indicators: dict[str, Indicator] = {}
    for key in keys:
        path = f"indicators.{key}"
        node = ck.mapping(inds[key], path)
        rule = ck.text(node, "rule", path)
        params = _rule_params(ck, rule, node, path)
        indicators[key] = Indicator(
            key=key, name=ck.text(node, "name", path), short_name=ck.text(node, "short_name", path),
            dimension=ck.text(node, "dimension", path), rule=rule, source=ck.text(node, "source", path),
            status=ck.status(node, path), note=ck.text(node, "note", path, required=False),
            params=MappingProxyType(params))

    changes = data.get("open_changes") or []
    if not isinstance(changes, list):
        ck.fail("open_changes", "phải là một danh sách", "must be a list")
    open_changes = []
    for i, item in enumerate(changes):
        where = f"open_changes[{i}]"
        node = ck.mapping(item, where)
        ck.keys(node, where, {"change", "source", "status"}, {"change", "source", "status"})
        open_changes.append(OpenChange(ck.text(node, "change", where), ck.text(node, "source", where),
                                       ck.status(node, where)))

    digest = hashlib.sha256()
    for chunk in raw or []:
        digest.update(chunk)
    return Standard(
        id=sid, title=ck.text(data, "title", ""), scope=str(scope), source=ck.text(data, "source", ""),
        status=ck.status(data, ""), note=ck.text(data, "note", "", required=False),
        extends=data.get("extends"), valid_from=valid_from, valid_to=valid_to, income_line=lines,
        average_living_upper=bands, b1_cutoff=b1, deprivation_cutoff=cutoff, b2_points=b2, weights=w,
        indicators=MappingProxyType(indicators), open_changes=tuple(open_changes), path=source,
        sha256=digest.hexdigest())


# ------------------------------------------------------------------ public API


@cache
def _load_bundled(standard_id: str) -> Standard:
    data, raw, label = _resolve(standard_id, None)
    return parse_standard(data, label, raw=raw)


def load_local_standard(id_or_path: str | Path | Standard) -> Standard:
    """A local standard (``--local``): a national one is refused — its lines are not a province's."""
    std = load_standard(id_or_path)
    if std.scope != "local":
        raise UsageError(f"Chuẩn {std.id} là chuẩn quốc gia, không phải chuẩn địa phương.",
                         hint="--local nhận chuẩn địa phương của tỉnh (scope: local); chuẩn quốc gia chọn bằng "
                              "--standard.",
                         message_en=f"{std.id} is a national standard, not a local one.",
                         hint_en="--local takes a province's local standard (scope: local); choose the national one "
                                 "with --standard.")
    return std


def load_standard(id_or_path: str | Path | Standard) -> Standard:
    """A bundled standard by id (``vn-2022-2025``) or a standard file by path; a Standard is returned as is.

    The SHA-256 of a standard covers the bytes of its file and of every file it extends, parent first; for a file
    without ``extends`` it equals ``sha256sum`` of the file.
    """
    if isinstance(id_or_path, Standard):
        return id_or_path
    ref = str(id_or_path)
    if _is_yaml(ref) or isinstance(id_or_path, Path):
        if _is_yaml(ref) and not (Path.cwd() / ref).is_file():  # a path the user typed
            raise UsageError(f"Không tìm thấy tệp chuẩn nghèo '{ref}'", message_en=f"Standard file '{ref}' not found",
                             hint="Kiểm tra đường dẫn tệp.", hint_en="Check the file path.")
        if not _is_yaml(ref):
            _locate(ref, None)  # a path given on the command line that is no standard: a usage error saying what it is
        data, raw, label = _resolve(ref, Path.cwd())
        std = parse_standard(data, label, raw=raw)
        if std.id in _bundled_ids() and std.sha256 != _load_bundled(std.id).sha256 and \
                data != _resolve(std.id, None)[0]:  # (the bundled file saved again, its bytes other: the same)
            # a copy of the national file edited into a province's keeps its id: results would name the law's
            # standard for classes it does not give
            raise InputError(f"Tệp chuẩn nghèo {label} mang mã \"{std.id}\" của chuẩn có sẵn trong hgn nhưng nội dung "
                             "khác: kết quả sẽ ghi tên chuẩn đó cho các phân loại không theo chuẩn đó.",
                             hint="Đặt cho tệp một mã riêng (id), ví dụ mã tỉnh và năm: \"bac-ninh-2024\".",
                             message_en=f"The standard file {label} has the id \"{std.id}\" of a standard bundled with "
                                        "hgn but other content: results would name that standard for classes it does "
                                        "not give.",
                             hint_en="Give the file its own id, e.g. the province and year: \"bac-ninh-2024\".")
        return std
    return _load_bundled(ref)


def list_standards() -> list[Standard]:
    """The bundled standards: national ones by start date, then local ones."""
    return list(_bundled_standards())


@cache
def _bundled_standards() -> tuple[Standard, ...]:
    loaded = [_load_bundled(i) for i in _bundled_ids()]
    return tuple(sorted(loaded, key=lambda s: (s.scope != "national", s.valid_from.value, s.id)))


def report_params(std: Standard) -> dict[str, Any]:
    """What the report forms take from a standard — its title, indicator names and weights, and the ages and levels
    its indicators use — as JSON, kept in a result's metadata: where the results are reported, a province's own
    standard file is not at hand, and the forms must count with its parameters, not the national ones."""
    by_rule = {i.rule: i for i in std.indicators.values()}

    def ages(r: AgeRange) -> list[int | None]:
        return [r.start, r.end]

    out: dict[str, Any] = {
        "id": std.id, "title": std.title, "sha256": std.sha256,
        "indicators": {k: [i.name, i.short_name, i.dimension] for k, i in std.indicators.items()},
        "weights": {k: float(w) for k, w in zip(std.indicators, std.weights.value, strict=False)},
    }
    if "employment" in by_rule:
        out["working_age"] = ages(by_rule["employment"]["working_age"])
    if "dependents" in by_rule:
        out["disability_levels"] = list(by_rule["dependents"]["disability_levels"])
    if "nutrition" in by_rule:
        out["child_age_below"] = int(by_rule["nutrition"]["child_age_below"])
    if "school_attendance" in by_rule:
        out["school_ages"] = ages(by_rule["school_attendance"]["ages"])
    return out


def national_spans() -> str:
    """The bundled national standards and the dates they cover, for messages."""
    national = [s for s in list_standards() if s.scope == "national"]
    return "; ".join(f"{s.id}: {s.valid_from.value:%d/%m/%Y}–{s.valid_to.value:%d/%m/%Y}" for s in national)


def nationally_covered(dates: pd.Series) -> np.ndarray:
    """Per date: whether a bundled national standard is in force on it (a missing date counts as covered: it is
    reported as missing, not as outside every standard)."""
    covered = dates.isna().to_numpy(dtype=bool, copy=True)
    for std in list_standards():
        if std.scope == "national":
            covered |= std.covers_dates(dates)
    return covered


def standard_for_date(day: dt.date | dt.datetime | pd.Timestamp | str) -> Standard:
    """The national standard in force on ``day``; an :class:`InputError` with a hint when none is."""
    when = pd.Timestamp(day).date()
    national = [s for s in list_standards() if s.scope == "national"]
    matches = [s for s in national if s.covers(when)]
    if matches:
        return max(matches, key=lambda s: s.valid_from.value)
    spans = national_spans()
    raise InputError(f"Không có chuẩn nghèo quốc gia nào áp dụng cho ngày {when:%d/%m/%Y}.",
                     hint=f"Các chuẩn có sẵn: {spans}. Kiểm tra ngày rà soát, hoặc chỉ định chuẩn bằng mã hay tệp .yaml.",
                     message_en=f"No national poverty standard applies on {when:%Y-%m-%d}.",
                     hint_en=f"Bundled standards: {spans}. Check the review date or name a standard id or .yaml file.")


def standard_sha256(id_or_path: str | Path | Standard) -> str:
    """SHA-256 of the standard's file(s): see :func:`load_standard`."""
    return load_standard(id_or_path).sha256
