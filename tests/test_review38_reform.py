"""Review 38 — the 1/7/2025 administrative reform in `hgn merge --to-2025-units`, `hgn report` and `hgn run`.

Inputs are small: `hgn sample` returns of old communes of province 30 (Hải Dương, district 300 Huyện Thanh Miện) and
of old province 31 (Hải Phòng), and returns written cell by cell (conftest.py) for the crosswalk cases:

* 11287 Xã Thanh Giang, 11293 Xã Hồng Phong → 11284 Xã Nam Thanh Miện (whole);
* 10762 Xã Vũ Dũng → 10705 Xã Nam An Phụ and 10756 Xã Lai Khê (split: its households wait for a village mapping);
* 10816 Xã Hồng Lạc → part of its AREA to 10660 Phường Ái Quốc, its whole POPULATION to 10816 Xã Hà Bắc.

Tests marked "# guard (passes)" hold today; every other test fails on the code as reviewed, for the reason in its
docstring.
"""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from conftest import household, make_id, make_return, member, run_hgn

ADMIN = Path("/work/shared/data/admin")


# ------------------------------------------------------------------------------------------ helpers
def _return(folder: Path, code: str, villages: list[tuple[str | None, int]], *, day: str = "15/09/2024",
            serial0: int = 0, name: str | None = None) -> Path:
    """A return of commune ``code``: households of two persons in the given villages; odd households near-poor."""
    hhs, mms = [], []
    k = 0
    for village, n in villages:
        for _ in range(n):
            k += 1
            ma = f"{code}-{k:04d}"
            hhs.append(household(ma_ho=ma, ma_xa=code, thon=village, ho_ten_chu_ho=f"Chủ hộ {code} {k}",
                                 ngay_ra_soat=day, thu_nhap_bq=1_000_000 if k % 2 else 4_000_000))
            for j in range(2):
                mms.append(member(ma_ho=ma, stt=j + 1, ho_ten=f"Người {code} {k} {j}",
                                  quan_he="Chủ hộ" if j == 0 else "Vợ", gioi_tinh="Nam" if j == 0 else "Nữ",
                                  so_dinh_danh=make_id(female=bool(j), serial=f"{serial0 + 10 * k + j:06d}")))
    return make_return(folder, hhs, mms, name=name or f"{code}.xlsx")


def _classify(ret: Path, out: Path) -> Path:
    """What `hgn classify RET --out OUT` writes, done in this process."""
    from hgn_review.io.results import write_results
    from hgn_review.pipeline import classify_paths

    write_results(classify_paths([ret]).results, out)
    return out


def _said(proc: Any) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    return " ".join((proc.stdout + proc.stderr).split())


def _json(proc: Any) -> dict[str, Any]:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout)


def _sheet(path: Path, name: str) -> list[dict[str, Any]]:
    """A sheet of a results workbook as dictionaries: row 1 holds the labels, row 2 the keys."""
    rows = list(openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True))
    return [dict(zip(rows[1], r, strict=False)) for r in rows[2:]]


def _form(path: Path) -> list[list[Any]]:
    ws = openpyxl.load_workbook(path, data_only=True).worksheets[0]
    return [[v for v in r if v is not None] for r in ws.iter_rows(values_only=True)]


def _official_2025_names() -> dict[str, str]:
    units = json.loads((ADMIN / "units-2025-07-01.json").read_text(encoding="utf-8"))
    return {f"{int(u['code']):05d}": unicodedata.normalize("NFC", u["name"].strip()) for u in units}


# ------------------------------------------------------------------------------------------ fixtures
@pytest.fixture(scope="module")
def w(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Classified results: `hgn sample` communes of old 30 (district 300) and old 31, and hand-written returns."""
    from hgn_review.sample import generate_sample

    root = tmp_path_factory.mktemp("r38")
    out: dict[str, Path] = {"root": root}
    for prov, district, n, seed in (("30", "300", 4, 3), ("31", None, 1, 4)):
        folder = root / f"s{prov}"
        generate_sample(folder, province=prov, district=district, communes=n, households=4, seed=seed,
                        error_rate=0.0)
        for ret in sorted(folder.glob("*.xlsx")):
            out[f"s{ret.name[:5]}"] = _classify(ret, root / f"c_s{ret.name[:5]}.xlsx")
    hand = root / "in"
    out["11287"] = _classify(_return(hand, "11287", [("Thôn 1", 3)], serial0=1000), root / "c_11287.xlsx")
    out["11293"] = _classify(_return(hand, "11293", [("Thôn 1", 2)], serial0=2000), root / "c_11293.xlsx")
    out["10762"] = _classify(_return(hand, "10762", [("Thôn Đông", 2), ("Thôn Tây", 2), (None, 1)], serial0=3000),
                             root / "c_10762.xlsx")
    out["00004"] = _classify(_return(hand, "00004", [("Tổ 1", 2)], serial0=4000), root / "c_00004.xlsx")
    # a 2025 round straddling the reform: old communes reviewed in June, new communes in September
    out["11287_jun25"] = _classify(_return(hand, "11287", [("Thôn 1", 3)], day="15/06/2025", serial0=1000,
                                           name="11287_jun25.xlsx"), root / "c_11287_jun25.xlsx")
    out["11284_sep25"] = _classify(_return(hand, "11284", [("Thôn 1", 4)], day="15/09/2025", serial0=5000,
                                           name="11284_sep25.xlsx"), root / "c_11284_sep25.xlsx")
    out["10816_jun25"] = _classify(_return(hand, "10816", [("Thôn 3", 2)], day="15/06/2025", serial0=6000,
                                           name="10816_jun25.xlsx"), root / "c_10816_jun25.xlsx")
    out["10660_sep25"] = _classify(_return(hand, "10660", [("Khu 1", 3)], day="15/09/2025", serial0=7000,
                                           name="10660_sep25.xlsx"), root / "c_10660_sep25.xlsx")
    return out


@pytest.fixture(scope="module")
def merged(w: dict[str, Path]) -> dict[str, Any]:
    """The sample communes of old 30 and old 31 merged with --to-2025-units (CLI), and its report."""
    root = w["root"]
    inputs = [w[k] for k in sorted(w) if k.startswith("s")]
    summary = _json(run_hgn("merge", *inputs, "--to-2025-units", "--out", root / "m_all.xlsx", "--json", cwd=root))
    proc = run_hgn("report", root / "m_all.xlsx", "--out-dir", root / "rep_all", cwd=root)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr, proc.stderr
    return {"summary": summary, "inputs": inputs, "path": root / "m_all.xlsx", "report": root / "rep_all"}


# ------------------------------------------------------------------------------------------ guards
def test_old_communes_of_two_old_provinces_land_once_in_the_new_province(merged: dict[str, Any]) -> None:
    """# guard (passes): four sample communes of old Hải Dương (30) and one of old Hải Phòng (31), merged with
    --to-2025-units, make Thành phố Hải Phòng (31): households and persons in = out per old commune and in total,
    no household waits (all whole merges or whole-population merges), each new commune carries its official
    code and name, and the province's figures are the sum of its communes'."""
    s = merged["summary"]
    assert (s["unit"], s["unit_name"], s["level"]) == ("31", "Thành phố Hải Phòng", "province")
    assert s["reconciled"] and s["crosswalk_pending"]["households"] == 0
    assert s["households"] == 5 * 4
    recon = next(r for r in _sheet(merged["path"], "Đối chiếu") if r["don_vi"] == "31" and r["phan_loai"] == "Tổng")
    assert (recon["ho_vao"], recon["ho_ra"], recon["chenh_lech_ho"]) == (20, 20, 0)
    assert recon["nhan_khau_vao"] == recon["nhan_khau_ra"] == s["persons"]
    hh = _sheet(merged["path"], "Hộ gia đình")
    assert len(hh) == 20 and len({(r["ma_xa_cu"], r["ma_ho"]) for r in hh}) == 20
    official = _official_2025_names()
    summ = _sheet(merged["path"], "Tổng hợp")
    rows = [r for r in summ if r["don_vi"] != "31"]
    assert {r["don_vi"] for r in rows} == {c for c in official if c in {r["don_vi"] for r in rows}}
    assert all(r["ten_don_vi"] == official[r["don_vi"]] for r in rows)
    assert sum(r["so_ho"] or 0 for r in rows) == 20 and sum(r["so_nhan_khau"] or 0 for r in rows) == s["persons"]
    lines = _form(merged["report"] / "bieu_01.xlsx")
    body = [r for r in lines if r and isinstance(r[0], int)]
    assert len(body) == sum(1 for u in json.loads((ADMIN / "units-2025-07-01.json").read_text(encoding="utf-8"))
                            if u["province_name"] == "Thành phố Hải Phòng")
    assert all(r[1] in official.values() for r in body)
    total = next(r for r in lines if r and r[0] == "Tổng cộng")
    assert total[1] == sum(r[2] for r in body if len(r) > 2) == 20


def test_district_result_and_one_of_its_communes_again_count_it_once(w: dict[str, Path]) -> None:
    """# guard (passes): the district 300 merge (old units) and one of its communes' results again, merged with
    --to-2025-units, count that commune's households once."""
    root = w["root"]
    communes = [w[k] for k in sorted(w) if k.startswith("s11")][:4]
    district = root / "d300.xlsx"
    d = _json(run_hgn("merge", *communes, "--out", district, "--json", cwd=root))
    assert (d["level"], d["unit"], d["households"]) == ("district", "300", 16)
    s = _json(run_hgn("merge", district, communes[0], "--to-2025-units", "--out", root / "m_dc.xlsx", "--json",
                      cwd=root))
    assert s["households"] == 16 and s["reconciled"]


def test_mixing_pre_and_post_reform_results_is_refused_with_a_hint(w: dict[str, Path]) -> None:
    """# guard (passes): old 11287 (reviewed June 2025) with new 11284 (September 2025): without --to-2025-units
    refused (two unit lists, hint names --to-2025-units); with it, refused as old 11287 went into 11284 which has
    its own results (counting both would count households twice). Exit 3, no traceback."""
    root = w["root"]
    plain = run_hgn("merge", w["11287_jun25"], w["11284_sep25"], "--out", root / "mx1.xlsx", cwd=root)
    assert plain.returncode == 3 and "--to-2025-units" in _said(plain)
    both = run_hgn("merge", w["11287_jun25"], w["11284_sep25"], "--to-2025-units", "--out", root / "mx2.xlsx",
                   cwd=root)
    said = _said(both)
    assert both.returncode == 3 and "11284" in said and "trùng" in said
    assert not (root / "mx2.xlsx").exists()


def test_a_commune_of_another_province_is_refused(w: dict[str, Path]) -> None:
    """# guard (passes): old 00004 Phường Trúc Bạch (Hà Nội) among Hải Dương's communes with --unit 31: refused,
    exit 3, naming the commune and the province, with a hint."""
    root = w["root"]
    proc = run_hgn("merge", w["11287"], w["00004"], "--to-2025-units", "--unit", "31", "--out", root / "mp.xlsx",
                   cwd=root)
    said = _said(proc)
    assert proc.returncode == 3
    assert "00004" in said and "không thuộc" in said and "Gợi ý" in said


def test_a_village_mapping_and_a_whole_commune_line_place_every_household(w: dict[str, Path]) -> None:
    """# guard (passes): split 10762 with a mapping "Thôn Đông → 10705" and a blank-village line "→ 10756":
    Thôn Đông's households go to 10705, the others (Thôn Tây and the household with no village) to 10756; none
    waits; members follow their household; the whole old commune 11287 goes to 11284."""
    root = w["root"]
    mapping = root / "map_ok.csv"
    mapping.write_text("ma_xa_cu,thon,ma_xa_moi\n10762,Thôn Đông,10705\n10762,,10756\n", encoding="utf-8")
    out = root / "m_map.xlsx"
    s = _json(run_hgn("merge", w["10762"], w["11287"], "--to-2025-units", "--mapping", mapping, "--out", out,
                      "--json", cwd=root))
    assert s["crosswalk_pending"]["households"] == 0 and s["households"] == 8 and s["reconciled"]
    where = {r["ma_ho"]: r["ma_xa"] for r in _sheet(out, "Hộ gia đình")}
    assert where == {"10762-0001": "10705", "10762-0002": "10705", "10762-0003": "10756", "10762-0004": "10756",
                     "10762-0005": "10756", "11287-0001": "11284", "11287-0002": "11284", "11287-0003": "11284"}
    per = {}
    for m in _sheet(out, "Thành viên"):
        per[m["ma_ho"]] = m["ma_xa"]
    assert per == where


def test_split_commune_without_mapping_waits_and_the_forms_say_so(w: dict[str, Path]) -> None:
    """# guard (passes): split 10762 without a mapping: its 5 households wait (counted in the reconciliation,
    not on any new commune) and form 01 says, under its total, that they are not counted and why."""
    root = w["root"]
    out = root / "m_wait.xlsx"
    s = _json(run_hgn("merge", w["10762"], w["11287"], "--to-2025-units", "--out", out, "--json", cwd=root))
    assert (s["households"], s["crosswalk_pending"]["households"], s["reconciled"]) == (3, 5, True)
    proc = run_hgn("report", out, "--out-dir", root / "rep_wait", "--forms", "1", cwd=root)
    assert proc.returncode == 0, proc.stderr
    footer = " ".join(str(v) for r in _form(root / "rep_wait" / "bieu_01.xlsx") for v in r)
    assert "5 hộ" in footer and "chờ quy đổi" in footer


# ------------------------------------------------------------------------------------------ defects
def test_report_with_a_pre_reform_as_of_over_results_in_the_2025_units_is_not_misread(
        merged: dict[str, Any]) -> None:
    """DEFECT. The province merged with --to-2025-units (new communes of Thành phố Hải Phòng) is reported with
    `hgn report … --as-of 15/09/2024` — the round's review date, which an officer may well pass. hgn reads the new
    commune codes in the OLD list: form 01 of "Thành phố Hải Phòng" gets district rows, one of them "Huyện Thanh
    Miện" (a district of Hải Dương, never of Hải Phòng) with every Hải Dương household, "Quận Hồng Bàng" with the
    Hải Phòng ones, and notes "Huyện Thanh Miện (x/17 xã)" — figures filed under units they do not belong to.
    The officer expects a refusal saying the results are in the units of 1/7/2025 (as the opposite case, a date
    from 1/7/2025 over old results, is refused), or the --as-of ignored for the unit list. Likely cause:
    reports/view.py:build_view refuses only an AFTER --as-of over BEFORE results; an --as-of before the reform
    over results whose meta records units_as_of 1/7/2025 is taken as the unit list (``on = as_of``)."""
    root = merged["path"].parent
    proc = run_hgn("report", merged["path"], "--out-dir", root / "rep_asof", "--as-of", "15/09/2024", "--forms", "1",
                   cwd=root)
    said = _said(proc)
    if proc.returncode != 0:
        assert proc.returncode in (2, 3) and "1/7/2025" in said, said
        return
    lines = _form(root / "rep_asof" / "bieu_01.xlsx")
    names = {r[1] for r in lines if r and isinstance(r[0], int)}
    assert "Huyện Thanh Miện" not in names and "Xã Nam Thanh Miện" in names, sorted(names)[:5]


def test_an_old_commune_whose_whole_population_went_elsewhere_is_not_refused_as_a_double_count(
        w: dict[str, Path]) -> None:
    """DEFECT. A 2025 round straddling the reform: old 10816 Xã Hồng Lạc reviewed 15/06/2025 (old units) and new
    10660 Phường Ái Quốc reviewed 15/09/2025, merged with --to-2025-units. The crosswalk sends only part of Hồng
    Lạc's AREA to Ái Quốc — its whole POPULATION went to 10816 Xã Hà Bắc ("Nhập một phần diện tích, toàn bộ dân
    số"), where the merge itself puts every one of its households. Yet the merge is refused (exit 3): "xã cũ 10816
    đã nhập (một phần) vào xã mới 10660, mà xã mới này đã có kết quả riêng …; gộp cả hai sẽ tính trùng hộ" — no
    household can be counted twice, and the hint "Chỉ giữ một trong hai tệp" asks the officer to drop real data.
    Expected: merged (Hồng Lạc's 2 households in Hà Bắc, Ái Quốc's 3 in Ái Quốc). Likely cause:
    merge/__init__.py:_check_crosswalk_overlap tests every crosswalk candidate (OldUnitRule.candidates) instead of
    where the households can go (the population target, as _coverage's ``peopled`` does)."""
    root = w["root"]
    out = root / "m_overlap.xlsx"
    proc = run_hgn("merge", w["10816_jun25"], w["10660_sep25"], "--to-2025-units", "--out", out, "--json", cwd=root)
    said = _said(proc)
    assert proc.returncode == 0, said
    where = {r["ma_ho"]: r["ma_xa"] for r in _sheet(out, "Hộ gia đình")}
    assert where == {"10816-0001": "10816", "10816-0002": "10816", "10660-0001": "10660", "10660-0002": "10660",
                     "10660-0003": "10660"}


def test_population_list_names_the_return_a_waiting_households_source_row_is_in(w: dict[str, Path]) -> None:
    """DEFECT. The population-database list's sheet "Chờ quy đổi" (poor and near-poor households waiting for
    their 2025 commune) locates each household as "Tệp kết quả nguồn" = the classified results file
    (c_10762.xlsx), "Sheet nguồn" = "Hộ gia đình", "Dòng nguồn" = 4 — but row 4 is the row in the commune's
    RETURN (in/10762.xlsx), not in the results file, whose "Hộ gia đình" row 4 holds another household
    (10762-0002, not poor). The return itself is not named. An officer following the pointer opens the wrong
    household. The merge's own "Chờ quy đổi" sheet has both "Tệp kết quả nguồn" and "Tệp nguồn"; the list drops
    the latter. Likely cause: reports/population.py:_PENDING_COLUMNS lists "source_file", "sheet", "row" and not
    "file"."""
    root = w["root"]
    out = root / "m_pend.xlsx"
    _json(run_hgn("merge", w["10762"], "--to-2025-units", "--out", out, "--json", cwd=root))
    proc = run_hgn("report", out, "--out-dir", root / "rep_pend", "--forms", "1", cwd=root)
    assert proc.returncode == 0, proc.stderr
    ws = openpyxl.load_workbook(root / "rep_pend" / "danh_sach_csdl_dan_cu.xlsx", read_only=True)["Chờ quy đổi"]
    rows = list(ws.iter_rows(values_only=True))
    head = list(rows[0])
    third = next(dict(zip(head, r, strict=False)) for r in rows[1:] if r and "10762-0003" in r)
    sheet, row = third["Sheet nguồn"], third["Dòng nguồn"]
    named = [v for k, v in third.items() if k and "Tệp" in str(k) and v]
    # the row the list points at must hold the household, in the file it names
    hits = []
    for f in named:
        path = Path(str(f)) if Path(str(f)).is_absolute() else root / str(f)
        if path.exists():
            cells = [c.value for c in openpyxl.load_workbook(path, read_only=True)[sheet][int(row)]]
            hits.append((f, "10762-0003" in cells))
    assert any(ok for _f, ok in hits), (third, hits)


def test_a_mapping_line_for_an_old_commune_code_in_no_list_is_not_ignored_in_silence(w: dict[str, Path]) -> None:
    """DEFECT. The officer decides split 10762 Xã Vũ Dũng with one blank-village line but types the old code
    10763 (no commune of either unit list): "10763,,10705". hgn accepts the file, exits 0, leaves Vũ Dũng's 5
    households waiting with the generic "danh mục sắp xếp 1/7/2025 không cho biết hộ thuộc xã mới nào", and no
    finding names the mapping line or 10763 — the officer believes his decision was applied. (A village line for
    the same code is at least said, as "crosswalk-mapping-elsewhere".) Expected: the line refused with its number
    (as a line naming a new commune the old one did not go into is), or a finding naming it. Likely cause:
    merge/crosswalk.py:read_mapping checks a line only when its old code is among the merged communes (``rules``),
    and crosswalk.unused_lines skips lines whose village is blank."""
    root = w["root"]
    mapping = root / "map_typo.csv"
    mapping.write_text("ma_xa_cu,thon,ma_xa_moi\n10763,,10705\n", encoding="utf-8")
    out = root / "m_typo.xlsx"
    proc = run_hgn("merge", w["10762"], "--to-2025-units", "--mapping", mapping, "--out", out, "--json", cwd=root)
    said = _said(proc)
    if proc.returncode != 0:
        assert "dòng 2" in said and "10763" in said, said
        return
    findings = _sheet(out, "Phát hiện")
    named = [f for f in findings if "10763" in str(f.get("message")) or "map_typo" in str(f.get("message"))]
    assert named, [(f["code"], f["message"]) for f in findings if f["code"] != "merge-unit-missing"]


def test_an_old_province_code_with_to_2025_units_says_where_it_went(w: dict[str, Path]) -> None:
    """DEFECT. An officer of old Hải Dương merges his communes with `--to-2025-units --unit 30`. hgn refuses
    (exit 2) with "--unit 30: không có huyện hay tỉnh nào mang mã này trong danh mục ngày 01/07/2025" and the hint
    "Dùng mã huyện 3 chữ số (trước 1/7/2025) hoặc mã tỉnh 2 chữ số" — it does not say that province 30 became part
    of 31 Thành phố Hải Phòng, and it offers a district code, which --to-2025-units refuses ("Không gộp cấp huyện
    khi quy đổi…"). Validation says of an old commune code where it went ("nay thuộc 11284 …"); the merge should
    say it of the old province. Likely cause: merge/__init__.py:_target builds the --unit message from the target
    list only, without the old province's successor (Registry.other_era / the crosswalk)."""
    root = w["root"]
    proc = run_hgn("merge", w["11287"], w["11293"], "--to-2025-units", "--unit", "30", "--out", root / "m30.xlsx",
                   cwd=root)
    said = _said(proc)
    assert proc.returncode in (2, 3), said
    assert "31" in said and "Hải Phòng" in said, said
    assert "mã huyện" not in said, said


def test_forms_in_the_2025_units_are_not_dated_for_signing_in_2024(merged: dict[str, Any]) -> None:
    """DEFECT. Form 01 of the 2024 round re-expressed in the units of 1/7/2025 (rows Xã Thanh Miện, Xã Nguyễn
    Lương Bằng … — communes that exist only from 1/7/2025) ends "……………, ngày …… tháng …… năm 2024": the
    signature line pre-fills a year in which those units did not exist, so the document cannot be signed as
    printed (forms.md prescribes the footer "…, ngày … tháng … năm …"). Expected: the year left blank, or one
    from 2025 on, when the rows are the 2025 units and no --date is given. Likely cause:
    reports/excel.py:date_line fills the year with the review year (view.year) whatever unit list the rows are."""
    lines = _form(merged["report"] / "bieu_01.xlsx")
    assert any(r and r[1] == "Xã Thanh Miện" for r in lines if len(r) > 1)  # the rows are the 2025 units
    line = next(str(r[0]) for r in lines if r and "tháng" in str(r[0]) and "ngày" in str(r[0]))
    assert not line.rstrip().endswith("năm 2024"), line
