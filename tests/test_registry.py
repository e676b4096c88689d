"""The administrative-unit registry: dated lists, the 2025 crosswalk, search and vectorised look-ups."""

from __future__ import annotations

import gzip
import hashlib
import importlib.util
import json
from datetime import date, datetime
from importlib import resources
from pathlib import Path

import pandas as pd
import pytest

from hgn_review.errors import ConfigError
from hgn_review.registry import (
    AFTER,
    BEFORE,
    REFORM_DATE,
    RURAL,
    URBAN,
    CrosswalkEntry,
    Registry,
    get_registry,
)
from hgn_review.text import fold

B = date(2024, 9, 1)  # a review date under the three-level list
A = date(2025, 9, 1)  # a review date under the two-level list
REPO = Path(__file__).resolve().parents[1]
SHARED_ADMIN = REPO.parent / "shared" / "data" / "admin"
DATA_FILE = resources.files("hgn_review.registry").joinpath("data/units.json.gz")


@pytest.fixture(scope="module")
def reg() -> Registry:
    return get_registry()


# --- eras ---
def test_era_switches_on_the_reform_date(reg: Registry) -> None:
    """The day before 1/7/2025 uses the three-level list; the reform day and later the two-level one."""
    assert date(2025, 7, 1) == REFORM_DATE
    assert reg.era(date(2025, 6, 30)) == BEFORE
    assert reg.era(date(2025, 7, 1)) == AFTER
    assert reg.era(datetime(2025, 6, 30, 23, 59)) == BEFORE
    assert reg.era(pd.Timestamp("2025-07-01")) == AFTER


def test_data_file_records_the_same_reform_date() -> None:
    """The package data and the code agree on the reform date."""
    data = json.loads(gzip.decompress(DATA_FILE.read_bytes()))
    assert date.fromisoformat(data["reform_date"]) == REFORM_DATE


# --- counts ---
def test_counts_before_the_reform(reg: Registry) -> None:
    """63 provinces, 696 districts and 10,051 communes; the list's 10,056 rows also hold 5 island districts
    that have no commune level."""
    provinces = reg.provinces(B)
    districts = [d for p in provinces for d in reg.districts_of(p.code, B)]
    communes = [c for p in provinces for c in reg.communes_of(p.code, B)]
    assert len(provinces) == 63
    assert len(districts) == 696
    assert len(communes) == 10051
    without = [d.code for d in districts if not reg.communes_of(d.code, B)]
    assert sorted(without) == ["318", "471", "498", "536", "755"]
    assert len(communes) + len(without) == 10056
    assert len({c.code for c in communes}) == len(communes)


def test_counts_from_the_reform(reg: Registry) -> None:
    """34 provinces and 3,321 communes; no district level."""
    provinces = reg.provinces(A)
    communes = [c for p in provinces for c in reg.communes_of(p.code, A)]
    assert len(provinces) == 34
    assert len(communes) == 3321
    assert all(reg.districts_of(p.code, A) == [] for p in provinces)
    assert all(c.district_code is None and c.district_name is None for c in communes)


def test_codes_keep_their_leading_zeros(reg: Registry) -> None:
    """Codes are text of 2 / 3 / 5 digits, e.g. Hà Nội 01, Ba Đình 001, Phúc Xá 00001."""
    assert reg.unit("01", B).name == "Thành phố Hà Nội"
    assert reg.unit("001", B).name == "Quận Ba Đình"
    assert reg.commune("00001", B).name == "Phường Phúc Xá"
    assert reg.commune(4, A).code == "00004"  # an integer code is zero-padded
    assert reg.commune("4", A) is None  # text is taken as written
    assert all(len(u.code) == 5 and u.code.isdigit() for u in reg.communes_of("01", A))


# --- Hải Dương before and after ---
def test_hai_duong_before_the_reform(reg: Registry) -> None:
    """Hải Dương (30) had 12 districts and 207 communes with codes 10507–11293."""
    province = reg.unit("30", B)
    assert province is not None and province.name == "Tỉnh Hải Dương" and province.type == "Tỉnh"
    assert len(reg.districts_of("30", B)) == 12
    communes = reg.communes_of("30", B)
    assert len(communes) == 207
    assert min(c.code for c in communes) == "10507"
    assert max(c.code for c in communes) == "11293"
    assert all(c.province_code == "30" for c in communes)
    assert sum(len(reg.communes_of(d.code, B)) for d in reg.districts_of("30", B)) == 207


def test_commune_10507_chain(reg: Registry) -> None:
    """10507 is Phường Cẩm Thượng of Thành phố Hải Dương (288), Tỉnh Hải Dương (30)."""
    chain = reg.parents("10507", B)
    assert [(u.level, u.code, u.name) for u in chain] == [
        ("commune", "10507", "Phường Cẩm Thượng"),
        ("district", "288", "Thành phố Hải Dương"),
        ("province", "30", "Tỉnh Hải Dương"),
    ]
    commune = chain[0]
    assert (commune.type, commune.area, commune.era) == ("Phường", URBAN, BEFORE)
    assert (commune.district_code, commune.district_name) == ("288", "Thành phố Hải Dương")
    assert chain[1].type == "Thành phố"
    assert reg.parents("288", B) == chain[1:]
    assert reg.parents("99999", B) == []


def test_after_the_reform_hai_duong_is_part_of_hai_phong(reg: Registry) -> None:
    """From 1/7/2025 code 30 is no province; 31 (Hải Phòng) is, and every Hải Dương commune the crosswalk
    lists went into a commune of province 31."""
    assert reg.unit("30", A) is None
    hai_phong = reg.unit("31", A)
    assert hai_phong is not None and hai_phong.name == "Thành phố Hải Phòng" and hai_phong.type == "Thành phố"
    new_codes_of_31 = {c.code for c in reg.communes_of("31", A)}
    mapped = 0
    for old in reg.communes_of("30", B):
        entries = reg.crosswalk(old.code)
        for e in entries:
            assert e.new_province_code == "31"
            assert e.new_code in new_codes_of_31
        mapped += bool(entries)
    assert mapped == 207
    new = reg.commune("10507", A)  # codes are reused: 10507 now names another unit
    assert new is not None and new.name == "Phường Thành Đông" and new.province_code == "31"
    assert reg.parents("10507", A) == [new, hai_phong]


# --- crosswalk ---
def test_crosswalk_whole_merge(reg: Registry) -> None:
    """Phường Cẩm Thượng went whole into Phường Thành Đông."""
    assert reg.crosswalk("10507") == [CrosswalkEntry(
        old_code="10507", old_name="Phường Cẩm Thượng", new_code="10507", new_name="Phường Thành Đông",
        new_province_code="31", whole=True, note="Nhập toàn bộ")]


def test_crosswalk_partial_merge(reg: Registry) -> None:
    """Phường Trần Phú (10528) was split between Lê Thanh Nghị (10532) and Tân Hưng (10537)."""
    entries = reg.crosswalk("10528")
    assert [(e.new_code, e.new_name, e.whole) for e in entries] == [
        ("10532", "Phường Lê Thanh Nghị", False), ("10537", "Phường Tân Hưng", False)]
    assert all(e.note.startswith("Nhập một phần") for e in entries)


def test_crosswalk_predecessors_of_a_new_commune(reg: Registry) -> None:
    """Phường Thành Đông was formed from four whole old units."""
    olds = reg.predecessors("10507")
    assert sorted(e.old_code for e in olds) == ["10507", "10510", "10519", "10663"]
    assert all(e.whole for e in olds)


def test_crosswalk_island_district_and_repaired_code(reg: Registry) -> None:
    """An island district without communes is keyed by its district code; a code typo of the source is
    repaired (Xã Mỹ Hưng is 01651, written 01615)."""
    [island] = reg.crosswalk("318")
    assert (island.old_name, island.new_code, island.new_name) == (
        "Huyện Bạch Long Vĩ", "11948", "Đặc khu Bạch Long Vĩ")
    [my_hung] = reg.crosswalk("01651")
    assert my_hung.old_name == "Xã Mỹ Hưng" and my_hung.new_name == "Xã Phục Hòa"
    assert [e.new_name for e in reg.crosswalk("01615")] == ["Xã Bế Văn Đàn"]
    assert reg.crosswalk("99999") == []


# --- area ---
def test_area_follows_the_commune_type(reg: Registry) -> None:
    """Phường and Thị trấn are urban, Xã rural, a Đặc khu undetermined; in both lists."""
    expected = {"Phường": URBAN, "Thị trấn": URBAN, "Xã": RURAL, "Đặc khu": None}
    for as_of in (B, A):
        for p in reg.provinces(as_of):
            for c in reg.communes_of(p.code, as_of):
                assert c.area == expected[c.type], c
    assert reg.commune("10999", B).type == "Thị trấn"  # Thị trấn Gia Lộc
    assert reg.commune("10999", B).area == URBAN
    assert reg.commune("11948", A).type == "Đặc khu"
    assert reg.commune("11948", A).area is None
    assert reg.commune("27046", B).type == "Phường"  # listed as "Xã" in the source; its name says Phường


def test_area_overrides(reg: Registry) -> None:
    """An override replaces the area of one commune, accepts unaccented spellings, and rejects other values."""
    custom = get_registry({"10999": "nong thon", "11948": "Thành thị"})
    assert custom.commune("10999", B).area == RURAL
    assert custom.commune("11948", A).area == URBAN
    assert custom.commune("10507", B).area == URBAN
    assert reg.commune("10999", B).area == URBAN  # the default registry is untouched
    assert get_registry({"10999": "Nông thôn"}) is get_registry({"10999": "Nông thôn"})
    with pytest.raises(ConfigError):
        get_registry({"10999": "ngoại thành"})
    with pytest.raises(ConfigError):
        get_registry({"1099": "Nông thôn"})


# --- search and suggestions ---
def test_search_without_diacritics_and_with_a_typo(reg: Registry) -> None:
    """Names match whatever the accents, case or type word; a one-letter typo still finds the unit."""
    assert reg.search("hai duong", B, level="province")[0].code == "30"
    assert reg.search("Hai Duonh", B)[0].code == "30"
    assert reg.search("Cẩm Thượg", B)[0].code == "10507"
    assert "10507" in [u.code for u in reg.search("cam thuong", B, level="commune")[:2]]
    assert reg.search("thanh pho hai phong", A)[0].code == "31"
    assert reg.search("", B) == []


def test_search_puts_exact_matches_first(reg: Registry) -> None:
    """Every exact (folded) match comes before any fuzzy one, and a typed type word ranks that type first."""
    found = reg.search("gia loc", B, limit=10)
    exact = [u for u in found if fold(u.name).endswith(" gia loc")]
    assert found[: len(exact)] == exact and len(exact) >= 3
    assert reg.search("Huyện Gia Lộc", B)[0].code == "297"
    assert reg.search("Thị trấn Gia Lộc", B)[0].code == "10999"
    assert all(u.level == "district" for u in reg.search("gia loc", B, level="district"))
    assert len(reg.search("tân", B, limit=4)) == 4
    with pytest.raises(ValueError):
        reg.search("x", B, level="hamlet")


def test_nearest_codes(reg: Registry) -> None:
    """An unknown code suggests the nearest: one digit off with the longest shared prefix first, a swapped pair,
    lost leading zeros, a missing or an extra digit."""
    assert reg.commune("10508", B) is None
    assert [u.code for u in reg.nearest_codes("10508", B)] == ["10507", "10504", "10501"]
    assert reg.nearest_codes("10570", B)[0].code == "10570"  # known codes come back first
    assert reg.commune("80789", B) is None
    assert reg.nearest_codes("80789", B)[0].code == "08789"  # first two digits swapped
    assert reg.nearest_codes("4", A)[0].code == "00004"
    assert reg.nearest_codes("1057", B)[0].code == "01057"
    assert "10507" in [u.code for u in reg.nearest_codes("105077", B)]
    assert all(u.era == AFTER for u in reg.nearest_codes("10508", A))
    assert len(reg.nearest_codes("10508", B, limit=5)) == 5
    assert reg.nearest_codes("abc", B) == []


# --- vectorised ---
def test_area_frame_aligns_with_the_series(reg: Registry) -> None:
    """One row per code, same index; unknown and missing codes are NA with known=False; integers are padded."""
    codes = pd.Series(["10507", None, 10999, 10510.0, "99999", " 11293 ", float("nan"), "00004"],
                      index=[10, 11, 12, 13, 14, 15, 16, 17])
    frame = reg.area_frame(codes, B)
    assert list(frame.index) == list(codes.index)
    assert list(frame.columns) == ["known", "area", "name", "type", "province_code", "district_code"]
    assert frame["known"].tolist() == [True, False, True, True, False, True, False, True]
    assert frame["known"].dtype == bool
    assert frame.loc[10, "area"] == URBAN and frame.loc[10, "district_code"] == "288"
    assert frame.loc[12, "name"] == "Thị trấn Gia Lộc"
    assert frame.loc[13, "name"] == "Phường Bình Hàn"
    assert frame.loc[15, "province_code"] == "30"
    assert pd.isna(frame.loc[14, "area"]) and pd.isna(frame.loc[11, "name"])
    after = reg.area_frame(codes, A)
    assert after.loc[17, "name"] == "Phường Ba Đình" and pd.isna(after.loc[17, "district_code"])
    assert after.loc[10, "province_code"] == "31"


def test_area_frame_of_an_empty_series(reg: Registry) -> None:
    """An empty input gives an empty frame with the columns."""
    frame = reg.area_frame(pd.Series([], dtype=object), B)
    assert len(frame) == 0 and "area" in frame.columns


# --- identity numbers ---
def test_id_province_prefixes(reg: Registry) -> None:
    """Three-digit prefixes: '0' + each of the 63 pre-2025 province codes."""
    prefixes = reg.id_province_prefixes()
    assert len(prefixes) == 63
    assert {"001", "030", "096"} <= prefixes
    assert "003" not in prefixes and "031" in prefixes


# --- the package data ---
def test_package_data_is_compact() -> None:
    """The shipped data is one small gzipped file, not the raw lists."""
    size = len(DATA_FILE.read_bytes())
    assert size < 300_000


@pytest.mark.skipif(not SHARED_ADMIN.is_dir(), reason="shared admin lists not available")
def test_package_data_is_built_from_the_current_lists(tmp_path: Path) -> None:
    """Rebuilding from the shared lists gives the shipped bytes (run tools/build_registry.py after a change)."""
    data = json.loads(gzip.decompress(DATA_FILE.read_bytes()))
    for name, digest in data["sources"].items():
        assert hashlib.sha256((SHARED_ADMIN / name).read_bytes()).hexdigest() == digest, name
    spec = importlib.util.spec_from_file_location("build_registry", REPO / "tools" / "build_registry.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    target = module.write(module.build(SHARED_ADMIN), tmp_path)
    assert target.read_bytes() == DATA_FILE.read_bytes()
