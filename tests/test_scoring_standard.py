"""The standard files: their legal values, the loader's checks, extends, dates and hashes."""

from __future__ import annotations

import datetime as dt
import hashlib
from importlib import resources
from pathlib import Path

import pytest
import yaml

from hgn_review.errors import ConfigError, InputError
from hgn_review.schemas.layout import INDICATORS
from hgn_review.scoring import (
    StandardFileError,
    list_standards,
    load_standard,
    standard_for_date,
    standard_sha256,
)

BUNDLED = resources.files("hgn_review.scoring").joinpath("standards")


def _raw(standard_id: str) -> dict:
    return yaml.safe_load(BUNDLED.joinpath(f"{standard_id}.yaml").read_text("utf-8"))


def test_2022_standard_holds_the_legal_values() -> None:
    """NĐ 07/2021 Điều 3 values as law, the practice values marked practice (domain.md §2)."""
    s = load_standard("vn-2022-2025")
    assert s.scope == "national"
    assert (s.valid_from.value, s.valid_to.value) == (dt.date(2022, 1, 1), dt.date(2026, 12, 31))
    assert s.valid_to.status == "law" and "351/2025" in s.valid_to.source
    assert {a: (p.value, p.status) for a, p in s.income_line.items()} == {
        "Nông thôn": (1_500_000, "law"), "Thành thị": (2_000_000, "law")}
    assert {a: (p.value, p.status) for a, p in s.average_living_upper.items()} == {
        "Nông thôn": (2_250_000, "practice"), "Thành thị": (3_000_000, "practice")}
    assert {a: (p.value, p.status) for a, p in s.b1_cutoff.items()} == {
        "Nông thôn": (140, "practice"), "Thành thị": (175, "practice")}
    assert (s.deprivation_cutoff.value, s.deprivation_cutoff.status) == (3, "law")
    assert (s.b2_points.value, s.b2_points.status) == (10, "practice")
    assert s.weights.value == pytest.approx((1 / 12,) * 12)
    assert tuple(s.indicators) == INDICATORS
    ind = s.indicators
    assert ind["th_dien_tich_nha"]["min_area_per_person"] == 8
    assert ind["th_bhyt"]["min_age"] == 6
    assert ind["th_dinh_duong"]["child_age_below"] == 16
    assert ind["th_nguoi_phu_thuoc"]["max_share"] == 0.5
    assert (ind["th_giao_duc_nguoi_lon"]["ages"].start, ind["th_giao_duc_nguoi_lon"]["ages"].end) == (16, 30)
    assert (ind["th_di_hoc_tre_em"]["ages"].start, ind["th_di_hoc_tre_em"]["ages"].end) == (3, 15)
    assert ind["th_viec_lam"].params["working_age"].status == "open"
    assert ind["th_nguoi_phu_thuoc"].params["elderly_age_from"].status == "open"
    assert ind["th_vien_thong"].status == "open" and ind["th_phuong_tien_thong_tin"].status == "open"


def test_2027_standard_holds_the_new_lines_and_leaves_unknowns_open() -> None:
    """NĐ 351/2025: 2.2 / 2.8 million from 2027; unknown thresholds are null and open, indicators open."""
    s = load_standard("vn-2027-2030")
    assert {a: (p.value, p.status) for a, p in s.income_line.items()} == {
        "Nông thôn": (2_200_000, "law"), "Thành thị": (2_800_000, "law")}
    assert (s.k, s.deprivation_cutoff.status) == (3, "law")
    assert all(p.value is None and p.status == "open" for p in s.b1_cutoff.values())
    assert all(p.value is None and p.status == "open" for p in s.average_living_upper.values())
    assert all(i.status == "open" for i in s.indicators.values())
    assert all(p.status == "open" for i in s.indicators.values() for p in i.params.values())
    changes = " ".join(c.change for c in s.open_changes)
    assert "th_phuong_tien_thong_tin" in changes and "rác thải" in changes
    assert all(c.status == "open" for c in s.open_changes)


def test_local_example_extends_the_national_standard() -> None:
    """The Bắc Ninh example overrides the lines, inherits the rest and keeps its own identity."""
    local, national = load_standard("example-bac-ninh"), load_standard("vn-2022-2025")
    assert (local.scope, local.extends) == ("local", "vn-2022-2025")
    assert {a: (p.value, p.status) for a, p in local.income_line.items()} == {
        "Nông thôn": (1_750_000, "practice"), "Thành thị": (2_250_000, "practice")}
    assert local.indicators == national.indicators
    assert local.deprivation_cutoff == national.deprivation_cutoff
    assert local.average_living_upper == national.average_living_upper
    assert all(p.value is None for p in local.b1_cutoff.values())
    assert "ví dụ" in (local.title + local.source).lower()


def test_every_parameter_has_provenance() -> None:
    """Each parameter of each bundled standard names a source and a known status."""
    for s in list_standards():
        for path, _, status, source in s.parameters():
            assert status in ("law", "practice", "open"), (s.id, path)
            assert source.strip(), (s.id, path)


def test_list_standards_orders_national_by_date_then_local() -> None:
    """National standards come first, by start date."""
    assert [s.id for s in list_standards()] == ["vn-2022-2025", "vn-2027-2030", "example-bac-ninh"]


@pytest.mark.parametrize(("day", "expected"), [
    ("2022-01-01", "vn-2022-2025"), ("2025-10-01", "vn-2022-2025"), ("2026-12-31", "vn-2022-2025"),
    ("2027-01-01", "vn-2027-2030"), ("2030-12-31", "vn-2027-2030"),
])
def test_standard_for_date_on_each_edge(day: str, expected: str) -> None:
    """The national standard in force on the first and last day of each period."""
    assert standard_for_date(day).id == expected
    assert standard_for_date(dt.date.fromisoformat(day)).id == expected


@pytest.mark.parametrize("day", ["2021-12-31", "2031-01-01"])
def test_standard_for_date_outside_every_standard(day: str) -> None:
    """Outside every national standard: an input error whose hint lists the periods."""
    with pytest.raises(InputError) as exc:
        standard_for_date(day)
    assert "01/01/2022–31/12/2026" in exc.value.hint
    assert "vn-2027-2030" in exc.value.hint


def test_sha256_of_a_standalone_file_is_the_file_hash() -> None:
    """For a file without extends the hash is sha256sum of the file."""
    raw = BUNDLED.joinpath("vn-2022-2025.yaml").read_bytes()
    assert standard_sha256("vn-2022-2025") == hashlib.sha256(raw).hexdigest()


def test_sha256_of_a_local_standard_covers_its_parent() -> None:
    """The local standard's hash covers parent then child bytes."""
    parent = BUNDLED.joinpath("vn-2022-2025.yaml").read_bytes()
    child = BUNDLED.joinpath("example-bac-ninh.yaml").read_bytes()
    assert standard_sha256("example-bac-ninh") == hashlib.sha256(parent + child).hexdigest()


def test_unknown_standard_id_hints_at_the_bundled_ones() -> None:
    """A wrong id (typed by the user: no file refers to it) is a usage error, exit 2, listing the ids that exist."""
    from hgn_review.errors import UsageError

    with pytest.raises(UsageError) as exc:
        load_standard("vn-1999")
    assert "vn-2022-2025" in exc.value.hint


# ------------------------------------------------------------------ loader errors name the YAML path


def _write(tmp_path: Path, data: dict, name: str = "chuan.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def _broken(tmp_path: Path, change) -> StandardFileError:
    data = _raw("vn-2022-2025")
    change(data)
    with pytest.raises(StandardFileError) as exc:
        load_standard(_write(tmp_path, data))
    return exc.value


def _set(path: str, value):
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for p in parents:
            node = node[p]
        node[last] = value
    return change


def _drop(path: str):
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        node = data
        for p in parents:
            node = node[p]
        del node[last]
    return change


@pytest.mark.parametrize(("change", "yaml_path", "problem"), [
    (_set("indicators.th_dien_tich_nha.min_area_per_person.value", -8), "indicators.th_dien_tich_nha.min_area_per_person",
     "phải là số dương"),
    (_set("indicators.th_dien_tich_nha.min_area_per_person.value", "tám"),
     "indicators.th_dien_tich_nha.min_area_per_person", "phải là số dương"),
    (_set("income_line.Nông thôn.status", "luật"), "income_line.Nông thôn.status", "law, practice hoặc open"),
    (_drop("income_line.Nông thôn.source"), "income_line.Nông thôn.source", "thiếu"),
    (_set("income_line.Nông thôn.value", None), "income_line.Nông thôn", "phải có giá trị"),
    (_set("b1_cutoff.Thành thị.value", None), "b1_cutoff.Thành thị", "chỉ được để trống (null) khi status là open"),
    (_drop("income_line.Thành thị"), "income_line.Thành thị", "thiếu"),
    (_set("income_line.Miền núi", {"value": 1, "source": "x", "status": "law"}), "income_line.Miền núi",
     "khóa không được hỗ trợ"),
    (_set("average_living_upper.Nông thôn.value", 1_500_000), "average_living_upper.Nông thôn",
     "phải lớn hơn chuẩn thu nhập"),
    (_set("deprivation.cutoff.value", 0), "deprivation.cutoff", "phải là số nguyên dương"),
    (_set("deprivation.cutoff.value", 13), "deprivation.cutoff", "không được lớn hơn 12"),
    (_set("indicators.th_nguoi_phu_thuoc.max_share.value", 50), "indicators.th_nguoi_phu_thuoc.max_share",
     "tỷ lệ lớn hơn 0 và nhỏ hơn 1"),
    (_set("indicators.th_bhyt.min_age.value", 6.5), "indicators.th_bhyt.min_age", "số tuổi nguyên"),
    (_set("indicators.th_viec_lam.deprived_status.value", ["Thất nghiệp", "That nghiep"]),
     "indicators.th_viec_lam.deprived_status[1]", "không có trong danh mục cột viec_lam"),
    (_set("indicators.th_dien_tich_nha.max_area_per_person", {"value": 8, "source": "x", "status": "law"}),
     "indicators.th_dien_tich_nha.max_area_per_person", "khóa không được hỗ trợ"),
    (_drop("indicators.th_bhyt.min_age"), "indicators.th_bhyt.min_age", "thiếu"),
    (_set("indicators.th_bhyt.rule", "bảo hiểm"), "indicators.th_bhyt.rule", "không được hỗ trợ"),
    (_drop("indicators.th_nha_tieu"), "indicators.th_nha_tieu", "thiếu"),
    (_set("indicators.th_giao_duc_nguoi_lon.ages.value", {"from": 30, "to": 16}),
     "indicators.th_giao_duc_nguoi_lon.ages.to", "phải lớn hơn hoặc bằng from"),
    (_set("indicators.th_giao_duc_nguoi_lon.level_order.value", ["Tiểu học", "THCS", "THPT"]),
     "indicators.th_giao_duc_nguoi_lon.level_order", "thiếu trình độ"),
    (_set("indicators.th_giao_duc_nguoi_lon.required_level.value",
          [{"from": 16, "to": 17, "min_level": "Tú tài"}, {"from": 18, "to": 30, "min_level": "THPT"}]),
     "indicators.th_giao_duc_nguoi_lon.required_level[0].min_level", "không có trong level_order"),
    (_set("indicators.th_di_hoc_tre_em.levels_by_age.value",
          [{"from": 3, "to": 5, "levels": ["Mầm non"]}, {"from": 7, "to": 15, "levels": ["Tiểu học"]}]),
     "indicators.th_di_hoc_tre_em.levels_by_age[1].from", "phải là 6"),
    (_set("indicators.th_di_hoc_tre_em.levels_by_age.value", [{"from": 3, "to": 14, "levels": ["Mầm non"]}]),
     "indicators.th_di_hoc_tre_em.levels_by_age", "phải phủ đúng 3–15"),
    (_set("valid_to.value", "31/12/2026"), "valid_to", "YYYY-MM-DD"),
    (_set("valid_to.value", "2021-01-01"), "valid_to", "phải sau valid_from"),
    (_set("scope", "tỉnh"), "scope", "national hoặc local"),
    (_set("chuan_ngheo", 1), "chuan_ngheo", "khóa không được hỗ trợ"),
    (_set("deprivation.weights.value", {"th_viec_lam": 1}), "deprivation.weights.th_nguoi_phu_thuoc", "thiếu"),
])
def test_loader_names_the_yaml_path_of_the_mistake(tmp_path: Path, change, yaml_path: str, problem: str) -> None:
    """A wrong value raises StandardFileError naming the file, the YAML path and the problem in Vietnamese."""
    err = _broken(tmp_path, change)
    assert err.yaml_path == yaml_path
    assert problem in err.problem
    assert err.message.startswith(f"{tmp_path / 'chuan.yaml'}: {yaml_path}: ")
    assert isinstance(err, ConfigError)


def test_loader_refuses_a_key_written_twice(tmp_path: Path) -> None:
    """PyYAML would silently keep the last of two equal keys; the loader refuses."""
    text = BUNDLED.joinpath("vn-2022-2025.yaml").read_text("utf-8")
    text = text.replace("income_line:\n", "income_line:\n  Nông thôn: {value: 1, status: law, source: x}\n", 1)
    path = tmp_path / "dup.yaml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError, match="ghi hai lần"):
        load_standard(path)


def test_weights_table_is_normalised(tmp_path: Path) -> None:
    """A weights table is read per indicator and normalised to sum 1."""
    data = _raw("vn-2022-2025")
    data["id"] = "tinh-trong-so"  # (a changed copy of a bundled standard takes its own id: test_session19)
    data["deprivation"]["weights"]["value"] = {key: (2 if i == 0 else 1) for i, key in enumerate(INDICATORS)}
    s = load_standard(_write(tmp_path, data))
    assert s.weights.value[0] == pytest.approx(2 / 13)
    assert sum(s.weights.value) == pytest.approx(1)


def test_extends_a_file_beside_it_and_replaces_whole_parameters(tmp_path: Path) -> None:
    """A local file extending a sibling file: a given parameter replaces value and provenance together."""
    _write(tmp_path, _raw("vn-2022-2025"), "quoc-gia.yaml")
    child = {"id": "tinh-x", "title": "Chuẩn tỉnh X", "scope": "local", "extends": "quoc-gia.yaml",
             "source": "Quyết định của UBND tỉnh X", "status": "practice",
             "indicators": {"th_dien_tich_nha": {"min_area_per_person": {"value": 10, "source": "QĐ tỉnh X",
                                                                          "status": "practice"}}}}
    s = load_standard(_write(tmp_path, child, "tinh-x.yaml"))
    assert (s.id, s.scope) == ("tinh-x", "local")
    p = s.indicators["th_dien_tich_nha"].params["min_area_per_person"]
    assert (p.value, p.source, p.note) == (10, "QĐ tỉnh X", "")
    assert s.indicators["th_dien_tich_nha"].name == "Diện tích nhà ở bình quân đầu người"
    assert s.income_line == load_standard("vn-2022-2025").income_line


def test_a_child_must_state_its_own_identity(tmp_path: Path) -> None:
    """id, title, scope, source and status are never inherited from the parent."""
    child = {"id": "tinh-y", "extends": "vn-2022-2025", "source": "x", "status": "practice", "scope": "local"}
    with pytest.raises(StandardFileError) as exc:
        load_standard(_write(tmp_path, child))
    assert exc.value.yaml_path == "title"


def test_circular_extends_is_refused(tmp_path: Path) -> None:
    """Two files extending each other."""
    _write(tmp_path, {"id": "a", "extends": "b.yaml"}, "a.yaml")
    _write(tmp_path, {"id": "b", "extends": "a.yaml"}, "b.yaml")
    with pytest.raises(StandardFileError) as exc:
        load_standard(tmp_path / "a.yaml")
    assert exc.value.yaml_path == "extends"


def test_a_standard_is_immutable() -> None:
    """The loaded standard is frozen: its values cannot be changed by accident."""
    s = load_standard("vn-2022-2025")
    with pytest.raises(AttributeError):
        s.id = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        s.income_line["Nông thôn"] = None  # type: ignore[index]
