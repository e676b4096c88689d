"""Review 20: `hgn merge` and `hgn report` — proving that nothing was lost or counted twice, from communes to their
district and from districts to the province, and that the province's forms are the sum of its districts' forms.

Small commune returns are written cell by cell (conftest.py), classified by the real validate → classify chain
(`classify_paths` + `write_results`, what `hgn classify … --out` runs), merged with `merge_results` / `hgn merge`
and reported with `make_report` / `hgn report`.

Communes (Tỉnh Hải Dương, 30, review of 15/09/2024), each household's (class now, class at the start, status):
- Huyện Thanh Miện (300): 11284 Xã Chi Lăng Nam — poor stays poor, poor → near-poor, near-poor → above, a poor
  household moved away, a poor one moved in, a near-poor split-off household, a poor one without an income (waits:
  "Chưa đủ thông tin"), one without member rows; 11287 Xã Thanh Giang — near-poor → poor, a near-poor household
  dissolved, poor → above.
- Huyện Ninh Giang (299): 11161 Xã Ứng Hoè, 11164 Xã Nghĩa An — near-poor, poor, moved in, one waiting.
So every column of forms 02 and 03 (decreases, increases, "Chưa rõ") holds something somewhere.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import household, make_id, make_return, member, run_hgn
from hgn_review.errors import HgnError, InputError
from hgn_review.io.results import write_results
from hgn_review.merge import merge_results, summary_json, write_merge
from hgn_review.pipeline import classify_paths
from hgn_review.reports import make_report

POOR = {"thu_nhap_bq": 900000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
KIND: dict[str, dict[str, Any]] = {
    "poor": POOR,
    "near": {"thu_nhap_bq": 1200000},
    "mid": {"thu_nhap_bq": 1800000},
    "rich": {"thu_nhap_bq": 5000000},
    "unk": {"thu_nhap_bq": None},
}
# (kind, class at the start, status, member rows)
PLAN: dict[str, list[tuple[str, str | None, str, int]]] = {
    "11284": [("poor", "Nghèo", "Đang cư trú", 2), ("near", "Nghèo", "Đang cư trú", 1),
              ("rich", "Cận nghèo", "Đang cư trú", 3), ("poor", "Nghèo", "Chuyển đi", 2),
              ("poor", None, "Chuyển đến", 1), ("near", None, "Tách hộ", 2), ("unk", "Nghèo", "Đang cư trú", 2),
              ("mid", "Không", "Đang cư trú", 0)],
    "11287": [("poor", "Cận nghèo", "Đang cư trú", 1), ("near", "Cận nghèo", "Giải thể", 1),
              ("rich", "Nghèo", "Đang cư trú", 2)],
    "11161": [("near", "Cận nghèo", "Đang cư trú", 2), ("poor", "Cận nghèo", "Đang cư trú", 3),
              ("unk", "Cận nghèo", "Đang cư trú", 1)],
    "11164": [("rich", "Không", "Đang cư trú", 1), ("poor", "Nghèo", "Đang cư trú", 2),
              ("near", "Không", "Chuyển đến", 2)],
}
SERIAL = {"11284": 100, "11287": 200, "11161": 300, "11164": 400}
DISTRICTS = {"300": ("Huyện Thanh Miện", ("11284", "11287")), "299": ("Huyện Ninh Giang", ("11161", "11164"))}
TABLE_FORMS = [f"bieu_{n:02d}.xlsx" for n in range(1, 14)]
LISTS = ("danh_sach_csdl_dan_cu.csv", "danh_sach_csdl_dan_cu_chua_co_dinh_danh.csv")


def write_return(folder: Path, code: str, plan: list[tuple[str, str | None, str, int]] | None = None,
                 day: str = "15/09/2024") -> Path:
    """Commune ``code``'s return after PLAN (or ``plan``); household codes ``<code>-001`` …"""
    hhs, mms = [], []
    for k, (kind, start, status, n) in enumerate(plan or PLAN[code], 1):
        ma_ho = f"{code}-{k:03d}"
        hhs.append(household(ma_ho=ma_ho, ma_xa=code, ho_ten_chu_ho=f"Chủ hộ {code} {k}", ngay_ra_soat=day,
                             so_thanh_vien=n or 2, phan_loai_dau_ky=start, tinh_trang_ho=status, **KIND[kind]))
        serial = SERIAL[code] * 10 + k
        for s in range(n):
            if s == 0:
                mms.append(member(ma_ho=ma_ho, ho_ten=f"Chủ hộ {code} {k}",
                                  so_dinh_danh=make_id(serial=f"{serial:04d}01")))
            else:
                mms.append(member(ma_ho=ma_ho, stt=s + 1, ho_ten=f"Con {code} {k} {s}", quan_he="Con",
                                  ngay_sinh="02/02/2000", gioi_tinh="Nữ",
                                  so_dinh_danh=make_id(birth_year=2000, female=True, serial=f"{serial:04d}{s:02d}")))
    folder.mkdir(parents=True, exist_ok=True)
    return make_return(folder, hhs, mms, name=f"{code}.xlsx")


def classify_to(ret: Path, out: Path) -> Path:
    """`hgn classify RETURN --out OUT`."""
    write_results(classify_paths([ret]).results, out)
    return out


def form_rows(path: Path) -> dict[str, list[Any]]:
    """A table form's data rows by their name cell (column B): the numbers of columns C… (the total: "Tổng cộng")."""
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    out: dict[str, list[Any]] = {}
    for row in ws.iter_rows(values_only=True):
        if len(row) > 2 and isinstance(row[1], str) and any(isinstance(v, int | float) for v in row[2:]):
            out[row[1]] = list(row[2:])
    return out


def all_cells(path: Path) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def csv_rows(path: Path) -> list[tuple[tuple[str, str], ...]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return sorted(tuple(sorted(r.items())) for r in csv.DictReader(fh))


def sheet(path: Path, name: str) -> list[dict[str, Any]]:
    """A sheet of a results workbook as dictionaries by key (row 2 holds the keys)."""
    rows = list(openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    return [dict(zip(rows[1], r, strict=False)) for r in rows[2:]]


@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Returns, commune results, the two district merges, the province merge of the districts, and the reports of
    each (every report made separately, from its own results file)."""
    root = tmp_path_factory.mktemp("r20merge")
    p: dict[str, Path] = {"root": root}
    for code in PLAN:
        p[f"kq_{code}"] = classify_to(write_return(root / "tra_ve", code), root / f"kq_{code}.xlsx")
    for d, (_name, communes) in DISTRICTS.items():
        m = merge_results([p[f"kq_{c}"] for c in communes], level="district")
        write_merge(m, root / f"d{d}.xlsx")
        p[f"d{d}"] = root / f"d{d}.xlsx"
    m = merge_results([p["d300"], p["d299"]])
    write_merge(m, root / "p30.xlsx")
    p["p30"] = root / "p30.xlsx"
    for name in ("d300", "d299", "p30"):
        make_report(p[name], root / f"bc_{name}")
        p[f"bc_{name}"] = root / f"bc_{name}"
    # 11284 corrected after the district merge (one near-poor household added) and classified again: a commune
    # result newer than the district result holding the old version
    time.sleep(1.1)  # run times are recorded to the second
    newer = [*PLAN["11284"], ("near", "Không", "Đang cư trú", 1)]
    p["kq_11284_moi"] = classify_to(write_return(root / "sua", "11284", plan=newer), root / "kq_11284_moi.xlsx")
    return p


# ------------------------------------------------------------------------------------- province = Σ districts
def test_province_forms_rows_are_the_districts_forms_totals(w: dict[str, Path]) -> None:  # guard (passes)
    """Forms 01–13 of the province (reported from the merge of the two district results) have one row per district
    equal, cell by cell, to the total row of that district's own forms (reported separately); the province total's
    count columns are the sum of the districts' totals (domain.md §3: every roll-up)."""
    for form in TABLE_FORMS:
        prov = form_rows(w["bc_p30"] / form)
        totals = []
        for d, (name, _c) in DISTRICTS.items():
            total = form_rows(w[f"bc_d{d}"] / form)["Tổng cộng"]
            assert prov[name] == total, (form, name, prov[name], total)
            totals.append(total)
        if form in ("bieu_01.xlsx",):  # counts in columns 1, 2, 3, 5, 7, 9, 11, 13 (rates between them)
            for i in (0, 1, 2, 4, 6, 8, 10, 12):
                assert prov["Tổng cộng"][i] == sum(t[i] for t in totals), (form, i)


def test_province_form_01_rates_are_its_counts_divided(w: dict[str, Path]) -> None:  # guard (passes)
    """Form 01 of the province, every row: rate = count / total × 100 (rounded to 2 places), households over
    households and persons over persons, as the column heads say ("4 = 3/1 × 100", "6 = 5/2 × 100", …)."""
    for name, r in form_rows(w["bc_p30"] / "bieu_01.xlsx").items():
        hh, persons = r[0], r[1]
        for count, rate, base in ((r[2], r[3], hh), (r[4], r[5], persons), (r[6], r[7], hh), (r[8], r[9], persons),
                                  (r[10], r[11], hh), (r[12], r[13], persons)):
            assert rate == pytest.approx(round(100 * count / base, 2), abs=0.006), (name, count, rate, base)


@pytest.mark.parametrize("form", ["bieu_02.xlsx", "bieu_03.xlsx"])
def test_province_movement_forms_balance_on_every_row(w: dict[str, Path], form: str) -> None:  # guard (passes)
    """Forms 02 (poor) and 03 (near-poor) of the province and of each district: on every row 2 = 3+4+5+6,
    7 = 8+…+12 and end 13 = start 1 − decreases 2 + increases 7 (domain.md §3) — with households moved away,
    moved in, split off, dissolved and undecided all present."""
    for rep in ("bc_p30", "bc_d300", "bc_d299"):
        rows = form_rows(w[rep] / form)
        assert rows
        for name, r in rows.items():
            start, down, d1, d2, d3, d4, up, u1, u2, u3, u4, u5, end = r[:13]
            assert down == d1 + d2 + d3 + d4, (rep, name, r)
            assert up == u1 + u2 + u3 + u4 + u5, (rep, name, r)
            assert end == start - down + up, (rep, name, r)
    prov = form_rows(w["bc_p30"] / form)["Tổng cộng"]
    assert prov[2] > 0 and prov[6] > 0  # the case has decreases and increases to check


def test_province_population_list_is_the_districts_lists(w: dict[str, Path]) -> None:  # guard (passes)
    """The province's population-database list (and its list of persons without an ID) holds exactly the rows of the
    two districts' lists: nobody lost, nobody twice."""
    for name in LISTS:
        prov = csv_rows(w["bc_p30"] / name)
        parts = sorted(csv_rows(w["bc_d300"] / name) + csv_rows(w["bc_d299"] / name))
        assert prov == parts, name
    assert len(csv_rows(w["bc_p30"] / LISTS[0])) == 16  # poor and near-poor households' persons


def test_province_reconciliation_sheet_is_the_districts_sheets(w: dict[str, Path]) -> None:  # guard (passes)
    """The province's "Đối chiếu" holds, per commune and class, the figures of its district's own "Đối chiếu"
    (in = out, difference 0), and its total row is the sum of the districts' totals, households and persons."""
    prov = [r for r in sheet(w["p30"], "Đối chiếu")]
    key = ("don_vi", "phan_loai", "ho_vao", "ho_ra", "nhan_khau_vao", "nhan_khau_ra")
    dist_rows = []
    for d in DISTRICTS:
        rows = sheet(w[f"d{d}"], "Đối chiếu")
        dist_rows += [tuple(r[k] for k in key) for r in rows if r["don_vi"] != d]
    assert sorted(tuple(r[k] for k in key) for r in prov if r["don_vi"] != "30") == sorted(dist_rows)
    assert all(r["chenh_lech_ho"] == 0 and r["chenh_lech_nhan_khau"] == 0 for r in prov)
    total = next(r for r in prov if r["don_vi"] == "30")
    d_totals = [next(r for r in sheet(w[f"d{d}"], "Đối chiếu") if r["don_vi"] == d) for d in DISTRICTS]
    assert total["ho_vao"] == sum(t["ho_vao"] for t in d_totals) == 17  # departed households included
    assert total["nhan_khau_vao"] == sum(t["nhan_khau_vao"] for t in d_totals)


def test_province_report_of_one_district_is_that_districts_report(w: dict[str, Path], tmp_path: Path) -> None:
    # guard (passes)
    """`hgn report p30.xlsx --unit 300` gives, cell for cell, the forms and list of `hgn report d300.xlsx`."""
    make_report(w["p30"], tmp_path / "u300", unit="300")
    for form in [f"bieu_{n:02d}.xlsx" for n in range(1, 16)]:
        assert all_cells(tmp_path / "u300" / form) == all_cells(w["bc_d300"] / form), form
    assert csv_rows(tmp_path / "u300" / LISTS[0]) == csv_rows(w["bc_d300"] / LISTS[0])


# ------------------------------------------------------------------- a district older than a commune result
def test_district_older_than_a_commune_result_without_prefer_is_refused(w: dict[str, Path]) -> None:
    # guard (passes)
    """`hgn merge d300.xlsx kq_11284_moi.xlsx` (11284 in both, different content): exit 3, Vietnamese, naming the
    commune and both files, with a hint to choose by --prefer; no output written."""
    out = w["root"] / "tu_choi.xlsx"
    proc = run_hgn("merge", w["d300"].name, w["kq_11284_moi"].name, "--out", out.name, cwd=w["root"])
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    err = proc.stderr
    assert "11284 Xã Chi Lăng Nam" in err and "d300.xlsx" in err and "kq_11284_moi.xlsx" in err
    assert "Gợi ý" in err and "--prefer" in err
    assert not out.exists()


def test_district_older_than_a_commune_result_prefer_newest_takes_the_commune(w: dict[str, Path],
                                                                              tmp_path: Path) -> None:
    # guard (passes)
    """With --prefer newest the corrected commune result (newer than the district's copy) is taken whole, the
    district's old 11284 left out, its other commune kept: the reconciliation names the file each unit came from,
    in = out; the district's forms row is the new 11284 plus 11287."""
    m = merge_results([w["d300"], w["kq_11284_moi"], w["d299"]], prefer="newest")
    write_merge(m, tmp_path / "p.xlsx")
    assert m.reconciled and m.balanced
    hh = m.results.households
    assert len(hh[hh["unit"] == "11284"]) == len(PLAN["11284"]) + 1
    assert set(hh.loc[hh["unit"] == "11284", "source_file"]) == {str(w["kq_11284_moi"])}
    assert set(hh.loc[hh["unit"] == "11287", "source_file"]) == {str(w["kq_11287"])}  # provenance kept
    recon = sheet(tmp_path / "p.xlsx", "Đối chiếu")
    assert {r["tep"] for r in recon if r["don_vi"] == "11284"} == {str(w["kq_11284_moi"])}
    assert {r["tep"] for r in recon if r["don_vi"] == "11287"} == {str(w["d300"])}
    tot = next(r for r in recon if r["don_vi"] == "30")
    assert tot["ho_vao"] == tot["ho_ra"] == 17 + 1
    make_report(tmp_path / "p.xlsx", tmp_path / "bc")
    row = form_rows(tmp_path / "bc" / "bieu_01.xlsx")["Huyện Thanh Miện"]
    old = form_rows(w["bc_p30"] / "bieu_01.xlsx")["Huyện Thanh Miện"]
    assert row[0] == old[0] + 1 and row[6] == old[6] + 1  # one more household, near-poor


# --------------------------------------------------------------------------------- a movement table that fails
def _edited_movement(src: Path, out: Path) -> Path:
    """11287-001 (near-poor → poor, "Cận nghèo thành nghèo") given the movement "Thoát nghèo" by hand."""
    wb = openpyxl.load_workbook(src)
    ws = wb["Hộ gia đình"]
    keys = [c.value for c in ws[2]]
    for r in range(3, ws.max_row + 1):
        if ws.cell(r, keys.index("ma_ho") + 1).value == "11287-001":
            ws.cell(r, keys.index("dien_bien") + 1).value = "Thoát nghèo (trên cận nghèo)"
    wb.save(out)
    return out


def test_merge_terminal_says_when_the_movements_do_not_balance(w: dict[str, Path], tmp_path: Path) -> None:
    """DEFECT. Input: the commune result of 11287 with one household's movement changed by hand (near-poor → poor
    relabelled "Thoát nghèo"), merged with 11284 into Huyện Thanh Miện by `hgn merge`. The merge finds it
    (``movements_balanced: false`` in --json, "movement-unbalanced" errors on the findings sheet), but the terminal
    table an officer reads says only "Đối chiếu: khớp" and "N lỗi" — not a word that end ≠ start − decreases +
    increases (domain.md §3: "Movement tables must balance … in every roll-up"), and it exits 0 as a clean merge.
    Expected: the summary says the movements do not balance (e.g. a "Diễn biến: KHÔNG CÂN ĐỐI" row, as
    "Đối chiếu: KHÔNG KHỚP" for a reconciliation that fails). Cause: console.py:render_merge never reads
    summary["movements_balanced"] (and cli.py:merge exits by m.reconciled alone)."""
    edited = _edited_movement(w["kq_11287"], tmp_path / "kq_11287_sua.xlsx")
    shutil.copy(w["kq_11284"], tmp_path / "kq_11284.xlsx")
    js = run_hgn("merge", "kq_11284.xlsx", edited.name, "--out", "d.xlsx", "--json", cwd=tmp_path)
    assert '"movements_balanced": false' in js.stdout, js.stdout[-500:] + js.stderr
    proc = run_hgn("merge", "kq_11284.xlsx", edited.name, "--out", "d.xlsx", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    said = " ".join((proc.stdout + proc.stderr).split())  # the table may wrap a long cell
    assert "KHÔNG: cuối kỳ ≠ đầu kỳ − giảm + tăng" in said, proc.stdout
    clean = run_hgn("merge", "kq_11284.xlsx", "--out", "d1.xlsx", cwd=tmp_path)  # the same merge without the edit
    assert "KHÔNG: cuối kỳ" not in " ".join(clean.stdout.split()), clean.stdout


# ------------------------------------------------------------------- the unit list after 1/7/2025 (--as-of)
def test_merge_as_of_after_the_reform_does_not_pass_an_old_commune_off_as_its_new_namesake(
        w: dict[str, Path]) -> None:
    """DEFECT. Input: the 2024 result of 11284 Xã Chi Lăng Nam (review date 15/09/2024) merged with
    `--as-of 01/08/2025`. Since 1/7/2025 the code 11284 is Xã Nam Thanh Miện, made of four old communes (Chi Lăng
    Bắc, Chi Lăng Nam, Thanh Giang, Hồng Phong — domain.md §4: "New communes often reuse an old code"). The merge
    takes the old commune for the whole new one: "31 Thành phố Hải Phòng", Xã Nam Thanh Miện with Chi Lăng Nam's
    households, no finding that three of its four old communes sent nothing, and the forms' row reads as complete.
    The same call with 11287 (Thanh Giang, whose code was not reused) is refused: "mã xã 11287 … đó là mã của Xã
    Thanh Giang trước 1/7/2025, nay thuộc 11284 Xã Nam Thanh Miện". Expected: the same refusal for 11284 (a
    pre-reform result: use --to-2025-units), or the new commune said to be partial ("merge-unit-partial"), as
    --to-2025-units does. Cause: merge/inputs.py:read_input replaces each input's review date by --as-of, so
    merge/__init__.py:_check_eras and _check_known_units see a 2025 result and the reused code passes."""
    with pytest.raises(InputError) as refused:
        merge_results([w["kq_11287"]], as_of=dt.date(2025, 8, 1))
    assert "Thanh Giang" in refused.value.message  # the code that was not reused: refused, with where it went
    try:
        m = merge_results([w["kq_11284"]], as_of=dt.date(2025, 8, 1))
    except InputError as err:
        assert "Chi Lăng Nam" in err.message or "--to-2025-units" in (err.hint or "")
        return
    partial = [f for f in m.findings if f.code == "merge-unit-partial" and "11284" in f.message()]
    assert partial, (m.unit, m.unit_name, sorted({f.code for f in m.findings}))


def test_report_as_of_after_the_reform_of_a_2024_district_result_names_every_row(w: dict[str, Path],
                                                                                  tmp_path: Path) -> None:
    """DEFECT. Input: `hgn report d300.xlsx --as-of 01/08/2025` — the 2024 result of Huyện Thanh Miện (11284
    Chi Lăng Nam, 11287 Thanh Giang) reported in the unit list after the reform. Form 01 comes out with a blank
    issuing-authority cell (A1 empty, no "UBND …"), titled "(Thành phố Hải Phòng)", with a row "Xã Nam Thanh Miện"
    holding only Chi Lăng Nam's households and a row named by the bare code "11287" — though Thanh Giang went whole
    into Nam Thanh Miện — and no word that the list is not the results' own. Expected: refused (results of the old
    unit list: `hgn merge --to-2025-units` first), or each row a named unit of the list used and a header naming
    the issuing authority. Cause: reports/view.py:build_view takes --as-of's list for the results' codes without
    checking the results' era (a code missing from it is shown as its bare code)."""
    with pytest.raises(HgnError) as refused:  # refused, with the way to report in the new units
        make_report(w["d300"], tmp_path / "bc", as_of=dt.date(2025, 8, 1))
    assert "trước 1/7/2025" in refused.value.message and "--to-2025-units" in (refused.value.hint or "")
    assert not (tmp_path / "bc" / "bieu_01.xlsx").exists()
    make_report(w["d300"], tmp_path / "bc2")  # without --as-of: its own unit list, every row named
    names = list(form_rows(tmp_path / "bc2" / "bieu_01.xlsx"))
    assert not [n for n in names if n.strip().isdigit()], names


# ---------------------------------------------------------------------------- two years, 2025 units
def test_two_review_years_are_refused_in_vietnamese_with_exit_3(w: dict[str, Path], tmp_path: Path) -> None:
    # guard (passes)
    """A 2023 result of 11287 with the 2024 result of 11284: `hgn merge` exits 3, naming both years and files in
    Vietnamese, with a hint (one round, or --allow-mixed); nothing written."""
    old = classify_to(write_return(tmp_path / "2023", "11287", day="15/09/2023"), tmp_path / "kq_11287_2023.xlsx")
    shutil.copy(w["kq_11284"], tmp_path / "kq_11284.xlsx")
    proc = run_hgn("merge", "kq_11284.xlsx", old.name, "--out", "d.xlsx", cwd=tmp_path)
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    assert "rà soát năm 2023" in proc.stderr and "rà soát năm 2024" in proc.stderr
    assert "kq_11287_2023.xlsx" in proc.stderr and "Gợi ý" in proc.stderr and "--allow-mixed" in proc.stderr
    assert not (tmp_path / "d.xlsx").exists()


def test_commune_results_in_the_2025_units_keep_every_figure_of_the_province(w: dict[str, Path],
                                                                             tmp_path: Path) -> None:
    # guard (passes)
    """The four 2024 commune results re-expressed in the 2025 units (`--to-2025-units`: all go whole into Xã Nam
    Thanh Miện and Xã Vĩnh Lại of Thành phố Hải Phòng): reconciled per old commune, and the total row of every
    form 01–13 equals the total row of the 2024 province's forms."""
    m = merge_results([w[f"kq_{c}"] for c in PLAN], to_2025_units=True)
    assert (m.unit, m.reconciled, m.balanced) == ("31", True, True)
    assert summary_json(m)["households"] == summary_json(merge_results([w["p30"].parent / "d300.xlsx",
                                                                        w["d299"]]))["households"]
    write_merge(m, tmp_path / "moi.xlsx")
    recon = sheet(tmp_path / "moi.xlsx", "Đối chiếu")
    assert {r["don_vi"] for r in recon if r["phan_loai"] == "Tổng"} >= set(PLAN)
    assert all(r["chenh_lech_ho"] == 0 and r["chenh_lech_nhan_khau"] == 0 for r in recon)
    make_report(tmp_path / "moi.xlsx", tmp_path / "bc")
    for form in TABLE_FORMS:
        assert form_rows(tmp_path / "bc" / form)["Tổng cộng"] == form_rows(w["bc_p30"] / form)["Tổng cộng"], form
    for name in LISTS:  # the same persons with the same class (their commune is the new one)
        def persons(folder: Path, name: str = name) -> list[tuple[str, str]]:
            return sorted((dict(r)["Số định danh cá nhân"], dict(r)["Phân loại hộ"]) for r in csv_rows(folder / name))

        assert persons(tmp_path / "bc") == persons(w["bc_p30"])
