"""The officer's chain through the real command line: `hgn sample` → `hgn validate` / `hgn classify`, checked
against the ground truth of the sample's ``manifest.json``; a blank `hgn template` filled in by hand; and a
messy hand-made return.

Every command runs as ``python -m hgn_review`` in a subprocess (``main()``: exit codes, no traceback). Samples
are small (3 communes × 60 households: every injectable kind still appears once) and generated once per module.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import HEAD_ID, HH_SHEET, MM_SHEET, col_of, household, make_id, make_return, member, run_hgn
from hgn_review.findings import CATALOGUE
from hgn_review.sample import KINDS_APP, KINDS_HGN
from hgn_review.schemas.layout import INDICATORS, load_layout

pytestmark = pytest.mark.slow

UNDECIDED = "Chưa đủ thông tin"
SEVERE = ("error", "warning")
APP_SHEET = "Data"
# codes the validator turns into `loi_chan` (the household cannot be classified), located on a household row
BLOCKING_ON_HOUSEHOLD_ROW = {"household-duplicate", "household-no-head", "commune-unknown", "commune-mismatch"}
# … and located on a member row of the household
BLOCKING_ON_MEMBER_ROW = {"household-multiple-heads"}
# noise a layout-2 export always carries (also at error rate 0): it is in the manifest, as warnings
EXPORT_NOISE = {"row-duplicate", "header-row-repeated"}


# ------------------------------------------------------------------------------------------ helpers
def hgn(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_hgn(*args, cwd=cwd)


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    """Neither stream shows a Python traceback."""
    for text in (proc.stdout, proc.stderr):
        assert "Traceback" not in text
        assert 'File "' not in text


@dataclass
class Sample:
    """A folder written by `hgn sample` and its manifest."""

    dir: Path
    layout: str
    manifest: dict[str, Any]

    @property
    def injected(self) -> set[tuple[str, str, int, str | None, str]]:
        return {(e["file"], e["sheet"], e["row"], e["column"], e["code"]) for e in self.manifest["errors"]}


def make_sample(root: Path, *, layout: str, error_rate: float, seed: int) -> Sample:
    """`hgn sample` of 3 communes × 60 households of province 30 into ``root``."""
    proc = hgn("sample", "--out", root, "--province", "30", "--communes", "3", "--households", "60",
               "--seed", str(seed), "--error-rate", str(error_rate), "--layout", layout, cwd=root.parent)
    assert proc.returncode == 0, proc.stderr
    return Sample(root, layout, json.loads((root / "manifest.json").read_text("utf-8")))


def located(findings: list[dict[str, Any]], severities: tuple[str, ...] = SEVERE) -> list[tuple[Any, ...]]:
    """Findings as (file name, sheet, Excel row, column header, code), at the given severities."""
    return [(Path(f["file"]).name, f["sheet"], f["row"], f["column"], f["code"])
            for f in findings if f["severity"] in severities]


def data_rows(path: Path, sheet: str) -> dict[int, tuple[Any, ...]]:
    """Every non-blank row below the header of one sheet (Excel row → values), repeated header rows left out."""
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()
    head = next(i for i, r in enumerate(rows[:30]) if "Mã hộ" in r or "family.code" in r)
    return {i: r for i, r in enumerate(rows[head + 1:], start=head + 2)
            if any(v not in (None, "") for v in r) and r != rows[head]}


def input_household_rows(s: Sample) -> Counter[tuple[str, int]]:
    """The household rows of every return, by (file, Excel row), read cell by cell from the workbooks.

    Exact duplicate rows of an application export count once (the contract keeps one of them); the manifest
    names the second copy."""
    copies = {(e["file"], e["row"]) for e in s.manifest["errors"] if e["code"] == "row-duplicate"}
    sheet = HH_SHEET if s.layout == "hgn" else APP_SHEET
    out: Counter[tuple[str, int]] = Counter()
    for f in s.manifest["files"]:
        for row in data_rows(s.dir / f["file"], sheet):
            if (f["file"], row) not in copies:
                out[(f["file"], row)] += 1
    return out


def classify(s: Sample, work: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], pd.DataFrame]:
    """`hgn classify DIR --out … --parquet … --json`: the process, its JSON summary and households.parquet."""
    proc = hgn("classify", s.dir, "--out", work / "ket_qua.xlsx", "--parquet", work / "pq", "--json", cwd=work)
    no_traceback(proc)
    assert proc.returncode == 0, proc.stderr
    return proc, json.loads(proc.stdout), pd.read_parquet(work / "pq" / "households.parquet")


def deprivations(row: Any) -> set[str]:
    return {k for k in INDICATORS if not pd.isna(row[k]) and int(row[k]) == 1}


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module", params=["hgn", "app"])
def broken(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """3 communes × 60 households with errors injected at a rate of 2 %, in each layout."""
    return make_sample(tmp_path_factory.mktemp(f"broken_{request.param}") / "in", layout=request.param,
                       error_rate=0.02, seed=3)


@pytest.fixture(scope="module", params=["hgn", "app"])
def clean(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Sample:
    """3 communes × 60 households without injected errors, in each layout."""
    return make_sample(tmp_path_factory.mktemp(f"clean_{request.param}") / "in", layout=request.param,
                       error_rate=0.0, seed=4)


@pytest.fixture(scope="module")
def broken_classified(broken: Sample, tmp_path_factory: pytest.TempPathFactory) -> tuple[Sample, pd.DataFrame]:
    _proc, _summary, hh = classify(broken, tmp_path_factory.mktemp(f"classify_broken_{broken.layout}"))
    return broken, hh


# ------------------------------------------------------------------------------------------ validate
def test_validate_finds_every_injected_error_and_nothing_else(broken: Sample) -> None:
    """`hgn validate --json` reports every injected problem at its file, sheet, row, column and code, once, and
    no error or warning anywhere else; findings exit with 1."""
    kinds = KINDS_HGN if broken.layout == "hgn" else KINDS_APP
    assert set(kinds) <= {e["code"] for e in broken.manifest["errors"]}  # every kind is exercised
    proc = hgn("validate", broken.dir, "--json", cwd=broken.dir.parent)
    no_traceback(proc)
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)["findings"]
    everything = set(located(findings, ("error", "warning", "info")))
    assert broken.injected - everything == set(), "injected problems not found"
    severe = located(findings)
    assert len(severe) == len(set(severe)), "a problem is reported twice"
    # an ID copied from another commune's return is reported in both returns (which is right is not known): the
    # person it was copied from is told too, one per injected copy, in another file
    copied = {x for x in broken.injected if x[-1] == "id-duplicate-batch"}
    partners = {x for x in set(severe) - broken.injected if x[-1] == "id-duplicate-batch"}
    assert len(partners) == len(copied)
    assert set(severe) - broken.injected - partners == set(), "errors or warnings on rows nothing was injected into"
    assert set(severe) - partners == broken.injected


def test_findings_only_validation_equals_the_full_one(broken: Sample) -> None:
    """`hgn validate` asks for findings only (no typed frames shipped between processes): the same findings,
    in the same order, and the same per-file summary as the validation classify runs on."""
    from hgn_review.validate import validate_paths

    full = validate_paths([broken.dir], jobs=2)
    lean = validate_paths([broken.dir], jobs=2, frames=False)
    assert [f.to_dict("vi") for f in lean.report.sorted()] == [f.to_dict("vi") for f in full.report.sorted()]
    assert lean.report.summary() == full.report.summary()
    kinds = KINDS_HGN if broken.layout == "hgn" else KINDS_APP  # the batch check has work to do where injected
    assert ("id-duplicate-batch" in {f.code for f in lean.findings}) == ("id-duplicate-batch" in kinds)
    assert lean.households.empty and lean.members.empty and len(full.households) > 0


def test_clean_sample_validates_without_errors(clean: Sample) -> None:
    """A sample without injected errors validates with exit 0: no error or warning at all for the commune
    return; for the application export only its built-in noise (exact duplicate rows, one repeated header per
    file), which the manifest lists, and no error."""
    proc = hgn("validate", clean.dir, "--json", cwd=clean.dir.parent)
    no_traceback(proc)
    assert proc.returncode == 0
    out = json.loads(proc.stdout)
    assert out["summary"]["errors"] == 0
    severe = located(out["findings"])
    if clean.layout == "hgn":
        assert severe == []
        assert clean.manifest["errors"] == []
    else:
        assert {code for *_rest, code in clean.injected} == EXPORT_NOISE
        assert set(severe) == clean.injected and len(severe) == len(clean.injected)
    assert out["summary"]["files"] == len(clean.manifest["files"])


# ------------------------------------------------------------------------------------------ classify
def test_classify_clean_sample_matches_the_manifest(clean: Sample, tmp_path: Path) -> None:
    """`hgn classify` lists every household of a clean sample exactly once, with the manifest's class,
    deprivations and income basis; the JSON summary counts equal the manifest's class counts."""
    _proc, summary, hh = classify(clean, tmp_path)
    truth = clean.manifest["households"]
    keys = hh["ma_xa"].astype(str) + "|" + hh["ma_ho"].astype(str)
    counts = Counter(keys)
    assert [k for k, n in counts.items() if n > 1] == []
    assert set(counts) == set(truth)
    wrong = []
    for key, (_i, row) in zip(keys, hh.iterrows(), strict=True):
        want = truth[key]
        got = (row["phan_loai"], deprivations(row), row["co_so_thu_nhap"])
        if got != (want["class"], set(want["deprivations"]), want["income_basis"]):
            wrong.append((key, got, want))
    assert wrong == []
    expected = Counter(v["class"] for v in truth.values())
    assert summary["households"] == len(truth)
    assert summary["by_class"] == dict(expected)


def test_classify_keeps_every_row_and_blocks_broken_households(
        broken_classified: tuple[Sample, pd.DataFrame]) -> None:
    """With errors, every household row of the input appears exactly once in the classification (by file and
    row); a household with a blocking error is `Chưa đủ thông tin` with its reason in `ly_do`."""
    s, hh = broken_classified
    got = Counter((Path(f).name, int(r)) for f, r in zip(hh["file"], hh["row"], strict=True))
    expected = input_household_rows(s)
    assert [k for k, n in got.items() if n > 1] == []
    assert set(got) == set(expected)

    blocked = hh[hh["loi_chan"].notna()]
    assert len(blocked) > 0
    assert (blocked["phan_loai"] == UNDECIDED).all()
    assert (blocked["ly_do"].fillna("").str.strip() != "").all()

    by_row = {(Path(f).name, int(r)): i for i, (f, r) in enumerate(zip(hh["file"], hh["row"], strict=True))}
    by_code = {(Path(f).name, str(m)): i for i, (f, m) in enumerate(zip(hh["file"], hh["ma_ho"], strict=True))}
    member_rows: dict[str, dict[int, tuple[Any, ...]]] = {}
    checked: set[str] = set()
    for e in s.manifest["errors"]:
        if e["code"] in BLOCKING_ON_HOUSEHOLD_ROW:
            i = by_row[(e["file"], e["row"])]
        elif e["code"] in BLOCKING_ON_MEMBER_ROW:
            if e["file"] not in member_rows:
                member_rows[e["file"]] = data_rows(s.dir / e["file"], MM_SHEET)
            i = by_code[(e["file"], str(member_rows[e["file"]][e["row"]][0]))]  # column A: Mã hộ
        else:
            continue
        row = hh.iloc[i]
        assert e["code"] in str(row["loi_chan"]).split(";"), e
        assert row["phan_loai"] == UNDECIDED, e
        assert str(row["ly_do"]).strip(), e
        checked.add(e["code"])
    kinds = KINDS_HGN if s.layout == "hgn" else KINDS_APP
    assert checked == (BLOCKING_ON_HOUSEHOLD_ROW | BLOCKING_ON_MEMBER_ROW) & set(kinds)


# ------------------------------------------------------------------------------------------ template
def _fill(ws: Any, rows: list[dict[str, Any]], role: str) -> None:
    """Write rows (layout key → value) under the template's own header, cell by cell."""
    spec = load_layout("hgn").sheets[role]
    head_row = next(r for r in range(1, 11) if ws.cell(row=r, column=1).value == spec.by_key["ma_ho"].header)
    col = {ws.cell(row=head_row, column=c).value: c for c in range(1, ws.max_column + 1)}
    for i, values in enumerate(rows, start=head_row + 1):
        for key, v in values.items():
            ws.cell(row=i, column=col[spec.by_key[key].header], value=v)


def test_filled_template_validates_clean(tmp_path: Path) -> None:
    """A blank `hgn template` filled in with two valid households and their members validates with no error
    or warning (exit 0) and every written row is read."""
    path = tmp_path / "10507_2024.xlsx"
    proc = hgn("template", "--commune", "10507", "--year", "2024", "--out", path, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    common = {"ma_xa": "10507", "loai_nha": "Kiên cố", "nguon_nuoc": "Nước máy", "nha_tieu": "Tự hoại",
              "su_dung_internet": "Có", "phuong_tien_thong_tin": "Có", "ho_nlndn": "Không",
              "ngay_ra_soat": dt.datetime(2024, 9, 16), "ra_soat_vien": "Trần Thị Bình"}
    households = [
        {**common, "ma_ho": "10507-0001", "ho_ten_chu_ho": "Nguyễn Văn An", "thon": "Khu 1", "so_thanh_vien": 2,
         "thu_nhap_bq": 1_800_000, "loai_nha": "Bán kiên cố", "dien_tich_nha": 40},
        {**common, "ma_ho": "10507-0002", "ho_ten_chu_ho": "Lê Thị Hoa", "thon": "Khu 2", "so_thanh_vien": 1,
         "thu_nhap_bq": 5_000_000, "dien_tich_nha": 60},
    ]
    adult = {"dan_toc": "Kinh", "the_bhyt": "Có", "trinh_do": "THPT", "dang_di_hoc": "Không"}
    members = [
        {**adult, "ma_ho": "10507-0001", "stt": 1, "ho_ten": "Nguyễn Văn An", "so_dinh_danh": make_id(birth_year=1980),
         "ngay_sinh": dt.datetime(1980, 3, 12), "gioi_tinh": "Nam", "quan_he": "Chủ hộ", "viec_lam": "Tự làm"},
        {**adult, "ma_ho": "10507-0001", "stt": 2, "ho_ten": "Phạm Thị Lan",
         "so_dinh_danh": make_id(birth_year=1982, female=True, serial="005678"), "ngay_sinh": dt.datetime(1982, 7, 1),
         "gioi_tinh": "Nữ", "quan_he": "Vợ, chồng", "viec_lam": "Có HĐLĐ"},
        {**adult, "ma_ho": "10507-0002", "stt": 1, "ho_ten": "Lê Thị Hoa",
         "so_dinh_danh": make_id(birth_year=1975, female=True, serial="009999"), "ngay_sinh": dt.datetime(1975, 1, 20),
         "gioi_tinh": "Nữ", "quan_he": "Chủ hộ", "viec_lam": "Có HĐLĐ", "trinh_do": "Đại học trở lên"},
    ]
    wb = openpyxl.load_workbook(path)
    _fill(wb[HH_SHEET], households, "households")
    _fill(wb[MM_SHEET], members, "members")
    wb.save(path)

    proc = hgn("validate", path, "--json", cwd=tmp_path)
    no_traceback(proc)
    out = json.loads(proc.stdout)
    assert located(out["findings"]) == []
    assert proc.returncode == 0
    assert out["summary"]["per_file"][0]["rows"] == {HH_SHEET: 2, MM_SHEET: 3}


# ------------------------------------------------------------------------------------------ messy return
TITLES = ["ỦY BAN NHÂN DÂN XÃ CHI LĂNG NAM", "BIỂU RÀ SOÁT HỘ NGHÈO, HỘ CẬN NGHÈO NĂM 2024"]
SECOND_ID = make_id(birth_year=1975, serial="004321")


@pytest.fixture(scope="module")
def messy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A hand-made return: two title rows above the header, personal IDs and the commune code stored as
    numbers, the second household's "Loại nhà ở" left blank."""
    root = tmp_path_factory.mktemp("messy")
    return make_return(
        root,
        [household(), household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Bình", loai_nha=None)],
        [member(), member(ma_ho="11284-0002", ho_ten="Lê Văn Bình", so_dinh_danh=SECOND_ID, ngay_sinh="02/02/1975")],
        title_rows=TITLES, numbers={"households": ["ma_xa"], "members": ["so_dinh_danh"]}, name="chi_lang_nam.xlsx")


@pytest.fixture(scope="module")
def messy_plain(messy: Path) -> subprocess.CompletedProcess[str]:
    """`hgn validate` of the messy return with the plain (non-JSON) summary."""
    return hgn("validate", messy.name, cwd=messy.parent)


def test_messy_return_gets_located_vietnamese_messages(messy: Path,
                                                       messy_plain: subprocess.CompletedProcess[str]) -> None:
    """A messy hand-made return gives exactly its three problems, each at its cell with a Vietnamese message
    naming the column — the blank required cell an error, the IDs that lost their leading zero warnings — in
    JSON and in the plain summary, with exit 1 and no traceback."""
    first = len(TITLES) + 2  # header under the titles, data below it
    blank = f"{col_of('households', 'loai_nha')}{first + 1}"
    ids = [f"{col_of('members', 'so_dinh_danh')}{first + i}" for i in (0, 1)]

    proc = hgn("validate", messy.name, "--json", cwd=messy.parent)
    no_traceback(proc)
    assert proc.returncode == 1
    findings = json.loads(proc.stdout)["findings"]
    got = sorted((f["sheet"], f["cell"], f["code"], f["severity"]) for f in findings)
    assert got == sorted([(HH_SHEET, blank, "value-required", "error"),
                          (MM_SHEET, ids[0], "id-leading-zero-restored", "warning"),
                          (MM_SHEET, ids[1], "id-leading-zero-restored", "warning")])
    for f in findings:
        assert f["file"].endswith(messy.name)
        assert f["column"] in f["message"] or f["code"] == "id-leading-zero-restored"
        assert f["message"] and f["hint"]
        assert f["message"] != CATALOGUE[f["code"]].en
    required = next(f for f in findings if f["code"] == "value-required")
    assert required["message"] == 'Ô "Loại nhà ở" bắt buộc nhưng để trống.'
    assert all("mất số 0 đầu" in f["message"] for f in findings if f["code"] == "id-leading-zero-restored")

    plain = messy_plain
    no_traceback(plain)
    assert plain.returncode == 1
    assert f"{messy.name} › {HH_SHEET} › {blank}" in plain.stdout
    assert f"{messy.name} › {MM_SHEET} › {ids[0]}" in plain.stdout
    assert 'Ô "Loại nhà ở" bắt buộc nhưng để trống.' in plain.stdout


def test_messy_return_summary_keeps_restored_ids_off_the_terminal(
        messy_plain: subprocess.CompletedProcess[str]) -> None:
    """Personal ID numbers never appear in the terminal summary: an ID stored as a number is valid once its
    leading zero is restored, so the summary locates the cell without printing the number."""
    proc = messy_plain
    assert proc.returncode == 1
    out = proc.stdout + proc.stderr
    assert "id-leading-zero-restored" in out
    for pid in (HEAD_ID, SECOND_ID):
        assert pid not in out
