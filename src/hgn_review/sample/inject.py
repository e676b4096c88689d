"""Error injection: break chosen cells and rows of a commune's sheets and record exactly where.

Each injection lands on its own household (one per household, never a boundary household, never a household
reserved as a source for another file), so injected problems do not interact. Locations follow the validator's
rules: the cell of the changed value; for row-level problems the row and no column.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np

from hgn_review import legacy
from hgn_review.sample import names
from hgn_review.sample.population import CHILD, HEAD, RESERVED_EVERY, Commune, fresh_id
from hgn_review.sample.sheets import Extra, Formula, Sheet

# Every code the generator can inject, per layout.
KINDS_HGN: tuple[str, ...] = (
    "value-required", "value-not-number", "value-not-date", "value-not-yes-no", "value-not-in-list",
    "value-out-of-range", "b2-not-multiple-of-10", "income-basis-missing", "id-invalid-format",
    "id-leading-zero-restored", "id-province-unknown", "id-sex-mismatch", "id-birth-year-mismatch", "id-duplicate",
    "id-duplicate-batch", "household-duplicate", "member-orphan", "household-no-head", "household-multiple-heads",
    "household-size-mismatch", "member-stt-duplicate", "commune-unknown", "commune-mismatch", "area-mismatch",
    "text-legacy-encoding", "text-not-nfc", "formula-error", "hidden-row-with-data", "header-row-repeated",
)
KINDS_APP: tuple[str, ...] = (
    "value-required", "value-not-number", "value-not-yes-no", "value-not-in-list", "value-out-of-range",
    "b2-not-multiple-of-10", "household-duplicate", "commune-unknown", "commune-mismatch", "area-mismatch",
    "text-legacy-encoding", "text-not-nfc", "formula-error", "hidden-row-with-data",
)
ONCE_PER_FILE = frozenset({"header-row-repeated"})
NEEDS_PREVIOUS_FILE = frozenset({"id-duplicate-batch"})
HH_REQUIRED = ("ho_ten_chu_ho", "thon", "loai_nha", "dien_tich_nha", "nguon_nuoc", "nha_tieu", "su_dung_internet",
               "phuong_tien_thong_tin", "ho_nlndn")
MEMBER_REQUIRED = ("ho_ten", "gioi_tinh", "dan_toc", "the_bhyt", "trinh_do", "dang_di_hoc")
APP_REQUIRED = ("ho_ten_chu_ho", "diem_b1", "ngay_ra_soat")
DUPLICATE_SHARE = 0.03  # layout 2: share of exact duplicate rows, as in real exports


@dataclass
class Ref:
    """Where one injected problem is: a source row or an inserted row of a sheet, and a column key or None."""

    code: str
    sheet: Sheet
    src: int | None = None
    extra: Extra | None = None
    key: str | None = None

    def location(self) -> tuple[str, int, str | None]:
        row = self.extra.row if self.extra is not None else self.sheet.excel_row(int(self.src))  # type: ignore[arg-type]
        return self.sheet.name, row, None if self.key is None else self.sheet.header(self.key)


@dataclass
class Context:
    """What an injection may need from outside the commune."""

    slot: int
    n_slots: int
    same_area_codes: list[str]
    home_prefix: str
    year: int
    previous: Commune | None = None  # the previous file's commune (sources of id-duplicate-batch)
    previous_ids: np.ndarray | None = None


@dataclass
class Injector:
    commune: Commune
    sheets: dict[str, Sheet]  # role -> sheet ('households', 'members')
    rng: np.random.Generator
    ctx: Context
    layout: str = "hgn"
    used: set[int] = field(default_factory=set)
    refs: list[Ref] = field(default_factory=list)
    _fresh: int = 0
    _ids: set[str] | None = None
    _batch_sources: set[int] = field(default_factory=set)

    def __post_init__(self) -> None:
        n = len(self.commune.households)
        self.used |= set(self.commune.boundary)
        self.used |= set(range(RESERVED_EVERY - 1, n, RESERVED_EVERY))
        mm = self.commune.members
        hidx = mm["hh"].to_numpy()
        self._start = np.searchsorted(hidx, np.arange(n))
        self._end = np.searchsorted(hidx, np.arange(n), side="right")

    # -------------------------------------------------------------------------------------------- helpers
    @property
    def hs(self) -> Sheet:
        return self.sheets["households"]

    @property
    def ms(self) -> Sheet:
        return self.sheets["members"]

    def members_of(self, h: int) -> range:
        return range(int(self._start[h]), int(self._end[h]))

    def free(self, ok: Callable[[int], bool] | None = None, tries: int = 400) -> int | None:
        n = len(self.commune.households)
        for _ in range(tries):
            h = int(self.rng.integers(0, n))
            if h not in self.used and (ok is None or ok(h)):
                return h
        for h in self.rng.permutation(n):
            h = int(h)
            if h not in self.used and (ok is None or ok(h)):
                return h
        return None

    def take(self, h: int) -> int:
        self.used.add(h)
        return h

    def note(self, code: str, sheet: Sheet, src: int | None = None, key: str | None = None,
             extra: Extra | None = None) -> bool:
        self.refs.append(Ref(code, sheet, src, extra, key))
        return True

    def pick_member(self, h: int, ok: Callable[[int], bool] | None = None) -> int | None:
        cand = [i for i in self.members_of(h) if ok is None or ok(i)]
        return int(self.rng.choice(cand)) if cand else None

    def member_in_free_household(self, ok: Callable[[int], bool] | None = None) -> tuple[int, int] | None:
        h = self.free(lambda h: any(ok is None or ok(i) for i in self.members_of(h)))
        if h is None:
            return None
        i = self.pick_member(h, ok)
        assert i is not None
        self.take(h)
        return h, i

    # -------------------------------------------------------------------------------------------- driver
    def run(self, kinds: list[str]) -> list[Ref]:
        table = self._table()
        for kind in kinds:
            table[kind]()
        return self.refs

    def _table(self) -> dict[str, Callable[[], bool]]:
        if self.layout == "app":
            return {
                "value-required": self.app_required, "value-not-number": self.app_not_number,
                "value-not-yes-no": self.app_not_yes_no, "value-not-in-list": self.app_not_in_list,
                "value-out-of-range": self.app_out_of_range, "b2-not-multiple-of-10": self.b2_not_multiple,
                "household-duplicate": self.household_duplicate, "commune-unknown": self.commune_unknown,
                "commune-mismatch": self.commune_mismatch, "area-mismatch": self.area_mismatch,
                "text-legacy-encoding": self.legacy_name, "text-not-nfc": self.nfd_name,
                "formula-error": self.formula_error, "hidden-row-with-data": self.hidden_row,
            }
        return {
            "value-required": self.value_required, "value-not-number": self.not_number,
            "value-not-date": self.not_date, "value-not-yes-no": self.not_yes_no,
            "value-not-in-list": self.not_in_list, "value-out-of-range": self.out_of_range,
            "b2-not-multiple-of-10": self.b2_not_multiple, "income-basis-missing": self.income_basis_missing,
            "id-invalid-format": self.id_invalid, "id-leading-zero-restored": self.id_as_number,
            "id-province-unknown": self.id_province, "id-sex-mismatch": self.id_sex,
            "id-birth-year-mismatch": self.id_year, "id-duplicate": self.id_duplicate,
            "id-duplicate-batch": self.id_duplicate_batch, "household-duplicate": self.household_duplicate,
            "member-orphan": self.member_orphan, "household-no-head": self.no_head,
            "household-multiple-heads": self.multiple_heads, "household-size-mismatch": self.size_mismatch,
            "member-stt-duplicate": self.stt_duplicate, "commune-unknown": self.commune_unknown,
            "commune-mismatch": self.commune_mismatch, "area-mismatch": self.area_mismatch,
            "text-legacy-encoding": self.legacy_name, "text-not-nfc": self.nfd_name,
            "formula-error": self.formula_error, "hidden-row-with-data": self.hidden_row,
            "header-row-repeated": self.header_repeated,
        }

    # -------------------------------------------------------------------------------------------- values
    def value_required(self) -> bool:
        if self.rng.random() < 0.5:
            h = self.free()
            if h is None:
                return False
            key = str(self.rng.choice(HH_REQUIRED))
            self.hs.set(self.take(h), key, None)
            return self.note("value-required", self.hs, h, key)
        got = self.member_in_free_household()
        if got is None:
            return False
        key = str(self.rng.choice(MEMBER_REQUIRED))
        self.ms.set(got[1], key, None)
        return self.note("value-required", self.ms, got[1], key)

    def not_number(self) -> bool:
        h = self.free()
        if h is None:
            return False
        area = self.hs.value(h, "dien_tich_nha")
        self.hs.set(self.take(h), "dien_tich_nha", f"khoảng {round(float(area))}")
        return self.note("value-not-number", self.hs, h, "dien_tich_nha")

    def not_date(self) -> bool:
        mm = self.commune.members
        year_only = mm["year_only"].to_numpy()
        got = self.member_in_free_household(lambda i: not year_only[i])
        if got is None:
            return False
        by = int(mm["birth_year"].iat[got[1]])
        self.ms.set(got[1], "ngay_sinh", f"31/02/{by}")
        return self.note("value-not-date", self.ms, got[1], "ngay_sinh")

    def not_yes_no(self) -> bool:
        got = self.member_in_free_household()
        if got is None:
            return False
        self.ms.set(got[1], "the_bhyt", "Chưa rõ")
        return self.note("value-not-yes-no", self.ms, got[1], "the_bhyt")

    def not_in_list(self) -> bool:
        eth = self.commune.members["dan_toc"].to_numpy()
        if self.rng.random() < 0.5:
            got = self.member_in_free_household(lambda i: eth[i] == "Kinh")
            if got is not None:
                self.ms.set(got[1], "dan_toc", "Kinhh")
                return self.note("value-not-in-list", self.ms, got[1], "dan_toc")
        return self._household_cell("value-not-in-list", "loai_nha", lambda h: "Nhà tạm")

    def out_of_range(self) -> bool:
        income = self.commune.households["thu_nhap_bq"].to_numpy(dtype=float)
        if self.rng.random() < 0.4:
            h = self.free(lambda h: not np.isnan(income[h]))
            if h is not None:
                self.hs.set(self.take(h), "thu_nhap_bq", -100000)
                return self.note("value-out-of-range", self.hs, h, "thu_nhap_bq")
        h = self.free()
        if h is None:
            return False
        self.hs.set(self.take(h), "dien_tich_nha", int(self.rng.choice([-5, 0])))
        return self.note("value-out-of-range", self.hs, h, "dien_tich_nha")

    def b2_not_multiple(self) -> bool:
        h = self.free()
        if h is None:
            return False
        self.hs.set(self.take(h), "diem_b2", 35)
        return self.note("b2-not-multiple-of-10", self.hs, h, "diem_b2")

    def income_basis_missing(self) -> bool:
        h = self.free()
        if h is None:
            return False
        self.hs.set(self.take(h), "thu_nhap_bq", None)
        self.hs.set(h, "diem_b1", None)
        return self.note("income-basis-missing", self.hs, h, "thu_nhap_bq")

    # -------------------------------------------------------------------------------------------- identity
    def _id_edit(self, code: str, change: Callable[[str], Any]) -> bool:
        """Change one member's ID; a changed number must not be another member's number (an accidental
        id-duplicate). Numbers of other files cannot collide: their last six digits come from another range."""
        if self._ids is None:
            self._ids = {str(v) for v in self.ms.columns[self.ms.col("so_dinh_danh")]}
        for _ in range(20):
            got = self.member_in_free_household()
            if got is None:
                return False
            old = str(self.ms.value(got[1], "so_dinh_danh"))
            new = change(old)
            if str(new) != old and str(new) in self._ids:
                continue  # the household stays used: harmless
            self._ids.add(str(new))
            self.ms.set(got[1], "so_dinh_danh", new)
            return self.note(code, self.ms, got[1], "so_dinh_danh")
        return False

    def id_invalid(self) -> bool:
        if self.rng.random() < 0.5:
            digits = "".join(str(d) for d in self.rng.integers(0, 10, 11))
            return self._id_edit("id-invalid-format", lambda _old: digits)
        pos = int(self.rng.integers(6, 12))
        letter = str(self.rng.choice(list("AOBSIL")))
        return self._id_edit("id-invalid-format", lambda old: old[:pos] + letter + old[pos + 1:])

    def id_as_number(self) -> bool:
        return self._id_edit("id-leading-zero-restored", lambda old: int(old))

    def id_province(self) -> bool:
        return self._id_edit("id-province-unknown", lambda old: "099" + old[3:])

    def id_sex(self) -> bool:
        return self._id_edit("id-sex-mismatch", lambda old: old[:3] + str(int(old[3]) ^ 1) + old[4:])

    def id_year(self) -> bool:
        shift = int(self.rng.integers(1, 10))
        return self._id_edit("id-birth-year-mismatch",
                             lambda old: old[:4] + f"{(int(old[4:6]) + shift) % 100:02d}" + old[6:])

    def _same_person_key(self, members: Any) -> np.ndarray:
        return members["birth_year"].to_numpy() * 2 + members["male"].to_numpy().astype(np.int64)

    def id_duplicate(self) -> bool:
        mm = self.commune.members
        key = self._same_person_key(mm)
        hidx = mm["hh"].to_numpy()
        for _ in range(60):
            h = self.free()
            if h is None:
                return False
            t = self.pick_member(h)
            assert t is not None
            cand = np.flatnonzero((key == key[t]) & (hidx < h))
            cand = np.array([i for i in cand if int(hidx[i]) not in self.used], dtype=np.int64)
            if len(cand) == 0:
                continue
            s = int(self.rng.choice(cand))
            self.take(h)
            self.take(int(hidx[s]))
            self.ms.set(t, "so_dinh_danh", self.ms.value(s, "so_dinh_danh"))
            return self.note("id-duplicate", self.ms, t, "so_dinh_danh")
        return False

    def id_duplicate_batch(self) -> bool:
        prev, prev_ids = self.ctx.previous, self.ctx.previous_ids
        if prev is None or prev_ids is None:
            return False
        pm = prev.members
        ph = pm["hh"].to_numpy()
        pool = (ph % RESERVED_EVERY == RESERVED_EVERY - 1) & ~np.isin(ph, list(prev.boundary))
        pkey = self._same_person_key(pm)
        pool &= ~np.isin(np.arange(len(pm)), list(self._batch_sources))  # each source person is copied once
        available = {int(k) for k in pkey[pool]}
        key = self._same_person_key(self.commune.members)
        got = self.member_in_free_household(lambda i: int(key[i]) in available)
        if got is None:
            return False
        src = np.flatnonzero(pool & (pkey == key[got[1]]))
        s = int(src[(self.ctx.slot * 7919) % len(src)])
        self._batch_sources.add(s)
        self.ms.set(got[1], "so_dinh_danh", str(prev_ids[s]))
        return self.note("id-duplicate-batch", self.ms, got[1], "so_dinh_danh")

    # -------------------------------------------------------------------------------------------- structure
    def household_duplicate(self) -> bool:
        h = self.free()
        if h is None:
            return False
        values = self.hs.row_values(self.take(h))
        # not an exact copy (that one is read once: row-duplicate): a second record of the same household
        c = self.hs.col("ra_soat_vien")
        other = names.full_names(self.rng, np.array(["Trần"], dtype=object), np.array([True]))[0]
        values[c] = other if other != values[c] else values[c] + " (2)"
        ex = self.hs.insert_after(h, Extra("copy", values))
        return self.note("household-duplicate", self.hs, extra=ex, key="ma_ho")

    def member_orphan(self) -> bool:
        year = self.ctx.year
        male = bool(self.rng.random() < 0.5)
        age = int(self.rng.integers(7, 10))
        by = year - age
        number = fresh_id(self.ctx.home_prefix, by, male, self.ctx.slot, self.ctx.n_slots, self._fresh)
        h = self.free()
        if h is None or number is None:
            return False
        self.take(h)
        code = self.commune.code
        values = {
            "ma_ho": f"{code}-X{self._fresh + 1:03d}", "stt": 1,
            "ho_ten": names.full_names(self.rng, np.array(["Nguyễn"], dtype=object), np.array([male]))[0],
            "so_dinh_danh": number,
            "ngay_sinh": datetime(by, int(self.rng.integers(1, 9)), int(self.rng.integers(1, 29))),
            "gioi_tinh": "Nam" if male else "Nữ", "quan_he": CHILD, "dan_toc": "Kinh", "viec_lam": None,
            "the_bhyt": "Có", "suy_dinh_duong": "Không", "trinh_do": "Chưa đi học", "dang_di_hoc": "Có",
            "cap_hoc": "Tiểu học", "khuyet_tat": "Không",
        }
        self._fresh += 1
        row = [values.get(k) for k in self.ms.keys]
        ex = self.ms.insert_after(self.members_of(h)[-1], Extra("values", row))
        return self.note("member-orphan", self.ms, extra=ex, key="ma_ho")

    def no_head(self) -> bool:
        rel = self.commune.members["quan_he"].to_numpy()
        h = self.free()
        if h is None:
            return False
        head = next(i for i in self.members_of(self.take(h)) if rel[i] == HEAD)
        self.ms.set(head, "quan_he", "Khác")
        return self.note("household-no-head", self.hs, h, "ma_ho")

    def multiple_heads(self) -> bool:
        age = self.commune.members["age"].to_numpy()
        rel = self.commune.members["quan_he"].to_numpy()
        got = self.member_in_free_household(lambda i: rel[i] != HEAD and age[i] >= 18)
        if got is None:
            return False
        self.ms.set(got[1], "quan_he", HEAD)
        return self.note("household-multiple-heads", self.ms, got[1], "quan_he")

    def size_mismatch(self) -> bool:
        h = self.free()
        if h is None:
            return False
        self.hs.set(self.take(h), "so_thanh_vien", int(self.hs.value(h, "so_thanh_vien")) + 1)
        return self.note("household-size-mismatch", self.hs, h, "so_thanh_vien")

    def stt_duplicate(self) -> bool:
        h = self.free(lambda h: len(self.members_of(h)) >= 2)
        if h is None:
            return False
        span = self.members_of(self.take(h))
        i = int(self.rng.integers(span.start + 1, span.stop))
        self.ms.set(i, "stt", self.ms.value(i - 1, "stt"))
        return self.note("member-stt-duplicate", self.ms, i, "stt")

    def header_repeated(self) -> bool:
        n = len(self.commune.households)
        h = n // 2
        ex = self.ms.insert_after(self.members_of(h)[-1], Extra("header"))
        return self.note("header-row-repeated", self.ms, extra=ex)

    # -------------------------------------------------------------------------------------------- admin
    def commune_unknown(self) -> bool:
        return self._household_cell("commune-unknown", "ma_xa", lambda h: "99999")

    def commune_mismatch(self) -> bool:
        if not self.ctx.same_area_codes:
            return self.commune_unknown()
        h = self.free()
        if h is None:
            return False
        self.hs.set(self.take(h), "ma_xa", str(self.rng.choice(self.ctx.same_area_codes)))
        return self.note("commune-mismatch", self.hs, h, "ma_xa")

    def area_mismatch(self) -> bool:
        h = self.free()
        if h is None:
            return False
        flipped = "Nông thôn" if self.hs.value(h, "khu_vuc") == "Thành thị" else "Thành thị"
        self.hs.set(self.take(h), "khu_vuc", flipped)
        return self.note("area-mismatch", self.hs, h, "khu_vuc")

    # -------------------------------------------------------------------------------------------- text
    def _name_cell(self) -> tuple[Sheet, int, str] | None:
        if self.layout == "app" or self.rng.random() < 0.5:
            h = self.free()
            return None if h is None else (self.hs, self.take(h), "ho_ten_chu_ho")
        got = self.member_in_free_household()
        return None if got is None else (self.ms, got[1], "ho_ten")

    def _garble_name(self, code: str, garble: Callable[[str], str | None]) -> bool:
        """Replace one person's name by ``garble(name)`` (None: try another name) and note ``code`` there."""
        for _ in range(40):
            where = self._name_cell()
            if where is None:
                return False
            sheet, src, key = where
            garbled = garble(str(sheet.value(src, key)))
            if garbled is not None:
                sheet.set(src, key, garbled)
                return self.note(code, sheet, src, key)
        return False

    def legacy_name(self) -> bool:
        def to_legacy(name: str) -> str | None:
            converted = legacy.from_unicode(name, str(self.rng.choice(legacy.ENCODINGS)))
            return converted if converted != name and legacy.detect(converted) is not None else None

        return self._garble_name("text-legacy-encoding", to_legacy)

    def nfd_name(self) -> bool:
        def to_nfd(name: str) -> str | None:
            nfd = unicodedata.normalize("NFD", name)
            return nfd if nfd != name and legacy.detect(nfd) is None else None

        return self._garble_name("text-not-nfc", to_nfd)

    # -------------------------------------------------------------------------------------------- hygiene
    def _household_cell(self, code: str, key: str, value: Callable[[int], object]) -> bool:
        """Write ``value(h)`` into one free household's ``key`` cell and note ``code`` there."""
        h = self.free()
        if h is None:
            return False
        self.hs.set(self.take(h), key, value(h))
        return self.note(code, self.hs, h, key)

    def formula_error(self) -> bool:
        key = "diem_b1" if self.layout == "app" else "dien_tich_nha"
        return self._household_cell("formula-error", key, lambda h: Formula("=1/0", "#DIV/0!"))

    def hidden_row(self) -> bool:
        h = self.free()
        if h is None:
            return False
        self.hs.hidden.add(self.take(h))
        return self.note("hidden-row-with-data", self.hs, h)

    # -------------------------------------------------------------------------------------------- layout 2
    def app_required(self) -> bool:
        return self._household_cell("value-required", str(self.rng.choice(APP_REQUIRED)), lambda h: None)

    def app_not_number(self) -> bool:
        return self._household_cell("value-not-number", "diem_b1",
                                    lambda h: f"khoảng {self.hs.value(h, 'diem_b1')}")

    def app_not_yes_no(self) -> bool:
        return self._household_cell("value-not-yes-no", "ho_nlndn", lambda h: "Chưa rõ")

    def app_not_in_list(self) -> bool:
        return self._household_cell("value-not-in-list", "gioi_tinh_chu_ho", lambda h: "Không rõ")

    def app_out_of_range(self) -> bool:
        return self._household_cell("value-out-of-range", "diem_b1", lambda h: -5)

    def app_duplicates(self) -> None:
        """Realistic noise of layout 2 (always, also without error injection): about 3 % exact duplicate rows
        and one repeated header row."""
        n = len(self.commune.households)
        for _ in range(max(1, round(DUPLICATE_SHARE * n))):
            h = self.free()
            if h is None:
                break
            self.take(h)
            after = min(n - 1, h + int(self.rng.integers(0, 12)))
            ex = self.hs.insert_after(after, Extra("copy", self.hs.row_values(h)))
            self.note("row-duplicate", self.hs, extra=ex)
        ex = self.hs.insert_after(n // 2, Extra("header"))
        self.note("header-row-repeated", self.hs, extra=ex)
