"""Review 9 (`hgn run` on degenerate and lopsided rounds): the whole round must still produce every output, at the
right level, with every household accounted for.

Each test writes a few small commune returns cell by cell (conftest.py) — communes of Huyện Thanh Miện (300) and
Huyện Gia Lộc (297) of Tỉnh Hải Dương (30), before 1/7/2025 — runs `hgn run` as an officer would and reads the
outputs (README.txt, the forms with openpyxl, ket_qua/*.parquet, phat_hien.xlsx). Tests marked "guard (passes)"
pin behaviour that holds today; every other test fails on the code as reviewed.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd

from conftest import household, make_id, make_return, member, ok, run_hgn

THANH_MIEN = ("11284", "11287")  # Huyện Thanh Miện (300)
GIA_LOC = ("11008", "11020")  # Huyện Gia Lộc (297)


def _commune(folder: Path, code: str, n: int = 2, *, name: str | None = None, income: int = 1_200_000,
             **hh: Any) -> Path:
    """A return of commune ``code`` with ``n`` one-person households (every other one near-poor by income)."""
    hhs, mms = [], []
    for k in range(n):
        ma_ho = f"{code}-{k + 1:04d}"
        hhs.append(household(ma_ho=ma_ho, ma_xa=code, thu_nhap_bq=income if k % 2 == 0 else 3_000_000, **hh))
        mms.append(member(ma_ho=ma_ho, ho_ten=f"Người {code} {k}",
                          so_dinh_danh=make_id(serial=f"{int(code) % 1000:03d}{k:03d}")))
    return make_return(folder, hhs, mms, name=name or f"{code}_2024.xlsx")


def _readme(out: Path) -> str:
    return (out / "README.txt").read_text("utf-8")


def _unit_rows(form: Path) -> dict[str, tuple[Any, ...]]:
    """The rows of a form keyed by the unit name in column B (and 'Tổng cộng')."""
    ws = openpyxl.load_workbook(form, read_only=True).worksheets[0]
    return {r[1]: r for r in ws.iter_rows(values_only=True) if len(r) > 1 and isinstance(r[1], str)}


def _rate_columns(form: Path) -> set[int]:
    """The 0-based columns whose header (above the A, B, 1, 2 … key row) speaks of a rate."""
    ws = openpyxl.load_workbook(form, read_only=True).worksheets[0]
    out: set[int] = set()
    for r in ws.iter_rows(values_only=True):
        if r and r[0] == "A":  # the key row: "9 = 6/1 × 100" is a rate
            return out | {i for i, v in enumerate(r) if isinstance(v, str) and ("×" in v or "/" in v)}
        out |= {i for i, v in enumerate(r) if isinstance(v, str) and ("Tỷ lệ" in v or "(%)" in v)}
    return out


def _findings(out: Path) -> pd.DataFrame:
    return pd.read_excel(out / "phat_hien.xlsx", sheet_name=0)


# ------------------------------------------------------------------ a district whose returns all fail
def test_province_round_stays_province_when_one_district_return_has_no_review_date(tmp_path):
    """The officer of province 30 runs a round with returns of two districts: Thanh Miện (two communes) and Gia
    Lộc (one commune, whose return has a valid commune code 11008 but no review date, so it cannot be classified).

    Today the round silently becomes a *district* round of Thanh Miện: README.txt says "Cấp tổng hợp: huyện 300",
    the forms have one row per commune of Thanh Miện and Gia Lộc has no row at all; the only gap stated is "thiếu
    15 đơn vị" — Thanh Miện's communes — as if the round had been of one district.

    It should stay a province round (README: `hgn run` merges "up to the highest level present"; forms.md: a
    province report has one row per district, "a unit without figures keeps its row, blank"): README.txt at the
    province level, Biểu 01 with a (blank) row for Huyện Gia Lộc beside Huyện Thanh Miện."""
    inp = tmp_path / "in"
    for code in THANH_MIEN:
        _commune(inp / "thanh_mien", code)
    _commune(inp / "gia_loc", GIA_LOC[0], ngay_ra_soat=None)
    ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    out = tmp_path / "out"
    assert "Cấp tổng hợp: tỉnh 30" in _readme(out), _readme(out)
    rows = _unit_rows(out / "bao_cao" / "bieu_01.xlsx")
    assert "Huyện Gia Lộc" in rows and "Huyện Thanh Miện" in rows, sorted(rows)
    assert rows["Huyện Thanh Miện"][2] == 4  # its four households


def test_province_round_stays_province_when_one_district_commune_was_resent(tmp_path):
    """Gia Lộc's only commune sent its return twice (the corrected copy "…_sua.xlsx" next to the old one); as the
    README promises, both are left out until one is removed. Thanh Miện's two communes are fine.

    Today that also turns the round into a district round of Thanh Miện ("Cấp tổng hợp: huyện 300"): the
    province's forms are not written at all and Gia Lộc vanishes from them, where it should keep its (blank)
    row in the province's forms (README `hgn run`: "merged up to the highest level present"; `hgn report`: "a unit
    without figures keeps its row, blank")."""
    inp = tmp_path / "in"
    for code in THANH_MIEN:
        _commune(inp / "thanh_mien", code)
    _commune(inp / "gia_loc", GIA_LOC[0])
    _commune(inp / "gia_loc", GIA_LOC[0], name=f"{GIA_LOC[0]}_2024_sua.xlsx", income=1_100_000)
    ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    out = tmp_path / "out"
    assert "Cấp tổng hợp: tỉnh 30" in _readme(out), _readme(out)
    rows = _unit_rows(out / "bao_cao" / "bieu_01.xlsx")
    assert "Huyện Gia Lộc" in rows, sorted(rows)


def test_return_with_unknown_commune_code_does_not_stop_the_round(tmp_path):
    """Two returns: a good one of commune 11284, and one whose every household carries the commune code 99999
    (a code in no unit list). validate reports the code as an error.

    Today the whole round stops with exit 3 ("in/b.xlsx: mã xã 99999 không có trong danh mục …") and no forms,
    list or results are written for the good commune.

    README (`hgn run`): "Returns with errors do not stop the round (exit 0 when it completes) … each reported with
    the number of households left out"; pipeline.py promises the same for "a return with households the merge
    cannot take (no commune code …)". The round should complete, with b.xlsx's household stated as left out."""
    inp = tmp_path / "in"
    _commune(inp, THANH_MIEN[0], n=1, name="a.xlsx")
    make_return(inp, [household(ma_ho="X-0001", ma_xa="99999")],
                [member(ma_ho="X-0001", so_dinh_danh=make_id(serial="999001"))], name="b.xlsx")
    proc = run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path)
    ok(proc)
    out = tmp_path / "out"
    assert (out / "bao_cao" / "bieu_01.xlsx").exists()
    assert len(pd.read_parquet(out / "ket_qua" / "households.parquet")) == 1
    found = _findings(out)
    assert (found["Tệp"].astype(str).str.endswith("b.xlsx")).any()
    assert "b.xlsx" in _readme(out)


# ------------------------------------------------------------------ what README.txt says about the round
def test_first_run_does_not_claim_a_duplicate_copy_came_from_the_last_run(tmp_path):
    """The same return is in two sub-folders (byte-identical copies) on the very first run into a fresh OUT_DIR.
    hgn rightly reads it once (finding file-duplicate).

    Today README.txt and the console say "2 tệp biểu rà soát (1 tệp đọc mới, 1 tệp lấy lại từ lần chạy trước)":
    there was no earlier run; the copy was skipped as a duplicate, not taken from a cache. The officer is told
    something false about where a figure came from (README: "cached per file by content so a re-run reads only
    what changed")."""
    inp = tmp_path / "in"
    first = _commune(inp / "a", THANH_MIEN[0], n=1)
    (inp / "b").mkdir()
    (inp / "b" / first.name).write_bytes(first.read_bytes())
    proc = ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    text = _readme(tmp_path / "out")
    assert "0 tệp lấy lại từ lần chạy trước" in text, text
    assert "0 lấy từ lần trước" in proc.stdout, proc.stdout
    assert "file-duplicate" in set(_findings(tmp_path / "out")["Mã lỗi"])


# ------------------------------------------------------------------ undecided households: the cell to fix
def test_missing_review_date_is_not_blamed_on_a_filled_birth_date(tmp_path):
    """A commune's return where one household's review date ("Ngày rà soát") is blank; its only member's birth
    date (12/03/1980) is filled. The household is rightly undecided.

    Today phat_hien.xlsx also tells the commune, at that member's row, 'Ô "Ngày sinh" của thành viên này để trống
    mà cần để phân loại hộ' — the cell is not blank — and asks for "Suy dinh dưỡng" and "Cấp học đang học" of a
    44-year-old man. The commune is sent to fix cells that are right (README: hgn "tells the commune exactly
    which cell to fix"); the missing cell is the household's review date, already reported (value-required)."""
    inp = tmp_path / "in"
    make_return(inp, [household(), household(ma_ho="11284-0002", ngay_ra_soat=None)],
                [member(), member(ma_ho="11284-0002", so_dinh_danh=make_id(serial="999001"))], name="a.xlsx")
    ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    found = _findings(tmp_path / "out")
    assert "value-required" in set(found["Mã lỗi"])  # the review date: the real gap
    asked = found[found["Mã lỗi"] == "member-answer-needed"]
    assert asked.empty, asked[["Dòng", "Nội dung"]].to_string()


# ------------------------------------------------------------------ guards
def test_province_figures_equal_the_sum_of_each_district_run_alone(tmp_path):
    """# guard (passes): each district run alone, then the province: the province's district rows equal each
    district's total row, and its total row equals their sum, in every count column of forms 1–4, 6, 8, 10–13."""
    inp = tmp_path / "in"
    for code in THANH_MIEN:
        _commune(inp / "tm", code, n=3)
    for code in GIA_LOC:
        _commune(inp / "gl", code, n=2, income=900_000)
    ok(run_hgn("run", "in", "--out", "out_p", "--jobs", "1", cwd=tmp_path))
    ok(run_hgn("run", "in/tm", "--out", "out_tm", "--jobs", "1", cwd=tmp_path))
    ok(run_hgn("run", "in/gl", "--out", "out_gl", "--jobs", "1", cwd=tmp_path))
    hh = {k: len(pd.read_parquet(tmp_path / k / "ket_qua" / "households.parquet")) for k in ("out_p", "out_tm", "out_gl")}
    assert hh == {"out_p": 10, "out_tm": 6, "out_gl": 4}
    for n in (1, 2, 3, 4, 6, 8, 10, 11, 12, 13):
        f = f"bieu_{n:02d}.xlsx"
        prov = _unit_rows(tmp_path / "out_p" / "bao_cao" / f)
        tm = _unit_rows(tmp_path / "out_tm" / "bao_cao" / f)["Tổng cộng"]
        gl = _unit_rows(tmp_path / "out_gl" / "bao_cao" / f)["Tổng cộng"]
        assert prov["Huyện Thanh Miện"][2:] == tm[2:], f
        assert prov["Huyện Gia Lộc"][2:] == gl[2:], f
        rates = _rate_columns(tmp_path / "out_p" / "bao_cao" / f)  # rates are not summed
        ints = [i for i, v in enumerate(prov["Tổng cộng"][2:], start=2) if isinstance(v, int) and i not in rates]
        assert [prov["Tổng cộng"][i] for i in ints] == [(tm[i] or 0) + (gl[i] or 0) for i in ints], f


def test_strict_with_only_warnings_completes(tmp_path):
    """# guard (passes): `--strict` stops only on errors; a round whose only finding is a warning (a member
    without an ID) is merged and reported, exit 0."""
    inp = tmp_path / "in"
    make_return(inp, [household()], [member(so_dinh_danh=None)], name="a.xlsx")
    proc = ok(run_hgn("run", "in", "--out", "out", "--strict", "--jobs", "1", cwd=tmp_path))
    assert (tmp_path / "out" / "bao_cao" / "bieu_15.xlsx").exists(), proc.stdout


def test_commune_without_poor_or_near_poor_still_writes_lists(tmp_path):
    """# guard (passes): a commune where no household is poor or near-poor still gets forms 14 and 15 and the
    population list, each saying it holds 0 households."""
    inp = tmp_path / "in"
    make_return(inp, [household(thu_nhap_bq=5_000_000)], name="a.xlsx")
    ok(run_hgn("run", "in", "--out", "out", "--jobs", "1", cwd=tmp_path))
    rep = tmp_path / "out" / "bao_cao"
    for form in ("bieu_14.xlsx", "bieu_15.xlsx"):
        ws = openpyxl.load_workbook(rep / form, read_only=True).worksheets[0]
        cells = [v for r in ws.iter_rows(values_only=True) for v in r if isinstance(v, str)]
        assert any("Tổng cộng: 0 hộ, 0 nhân khẩu" in c for c in cells), form
    notes = openpyxl.load_workbook(rep / "danh_sach_csdl_dan_cu.xlsx", read_only=True)["Ghi chú"]
    assert any("số hộ: 0" in str(r[0]) for r in notes.iter_rows(values_only=True))
    assert (rep / "danh_sach_csdl_dan_cu.csv").exists()
