"""Review 9 (the second year's round): movements since last year (domain.md §3), end to end with hgn's own outputs.

The officer of province 30 ran `hgn run` on last autumn's returns (the 2024 round, three communes: 11284 and 11287
of Huyện Thanh Miện, 11008 of Huyện Gia Lộc). A year later they run the next round with `--previous` pointing at
last year's outputs. The same households, a year on (each return built cell by cell with conftest.py):

    11284  A1 poor → escapes (above near-poor)        A2 near-poor → poor
           A3 poor → moves to 11287 (Chuyển đi here, Chuyển đến there as B9, same head)
           A4 not poor → poor (new poor)              A5 poor → dissolved (Giải thể)
           A6 poor → stays poor                       A7 split from A6 (Tách hộ), near-poor
    11287  B1 near-poor, its code retyped "B1x" this year (matched by the head's ID) → stays near-poor
           B2 poor at the start of 2024, escaped in 2024 (Không at its end) → poor again (relapse)
           B3 not poor both years                     B9 moved in from 11284 (poor)
    11008  C1 poor → poor                             C2 near-poor → near-poor
           C3 near-poor last year → missing from this year's return (must be reported)

Tests marked "# guard (passes)" pin behaviour that holds today; every other test fails on the code as reviewed.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import household, make_id, make_return, member, ok, run_hgn

pytestmark = pytest.mark.slow

# income under the rural line and deprived in housing quality, water and latrine (3 indicators): Nghèo
POOR: dict[str, Any] = {"thu_nhap_bq": 1_000_000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
NEAR: dict[str, Any] = {"thu_nhap_bq": 1_000_000}  # under the line, no deprivation: Cận nghèo
ABOVE: dict[str, Any] = {"thu_nhap_bq": 5_000_000}  # Không nghèo
ID = {k: make_id(serial=f"0000{i:02d}") for i, k in enumerate("ABCDEFGHIJKL", 1)}  # heads' IDs
SON = make_id(birth_year=2000, serial="000099")  # A6's son, who heads A7 after the split
LAST, THIS, AFTER_REFORM = "15/09/2024", "20/06/2025", "15/09/2025"


def _head(code: str, who: str) -> dict[str, Any]:
    return member(ma_ho=code, so_dinh_danh=ID[who], ho_ten=f"Người {who}")


def _last_year(folder: Path) -> Path:
    def h(**kw: Any) -> dict[str, Any]:
        return household(ngay_ra_soat=LAST, **kw)

    make_return(folder, [h(ma_ho="A1", ma_xa="11284", phan_loai_dau_ky="Nghèo", **POOR),
                         h(ma_ho="A2", ma_xa="11284", phan_loai_dau_ky="Cận nghèo", **NEAR),
                         h(ma_ho="A3", ma_xa="11284", phan_loai_dau_ky="Nghèo", **POOR),
                         h(ma_ho="A4", ma_xa="11284", phan_loai_dau_ky="Không", **ABOVE),
                         h(ma_ho="A5", ma_xa="11284", phan_loai_dau_ky="Nghèo", **POOR),
                         h(ma_ho="A6", ma_xa="11284", phan_loai_dau_ky="Nghèo", **POOR)],
                [_head("A1", "A"), _head("A2", "B"), _head("A3", "C"), _head("A4", "D"), _head("A5", "E"),
                 _head("A6", "F"), member(ma_ho="A6", stt=2, so_dinh_danh=SON, ho_ten="Con F",
                                          ngay_sinh="01/01/2000", quan_he="Con")], name="11284.xlsx")
    make_return(folder, [h(ma_ho="B1", ma_xa="11287", phan_loai_dau_ky="Cận nghèo", **NEAR),
                         h(ma_ho="B2", ma_xa="11287", phan_loai_dau_ky="Nghèo", **ABOVE),
                         h(ma_ho="B3", ma_xa="11287", phan_loai_dau_ky="Không", **ABOVE)],
                [_head("B1", "G"), _head("B2", "H"), _head("B3", "I")], name="11287.xlsx")
    make_return(folder, [h(ma_ho="C1", ma_xa="11008", phan_loai_dau_ky="Nghèo", **POOR),
                         h(ma_ho="C2", ma_xa="11008", phan_loai_dau_ky="Cận nghèo", **NEAR),
                         h(ma_ho="C3", ma_xa="11008", phan_loai_dau_ky="Cận nghèo", **NEAR)],
                [_head("C1", "J"), _head("C2", "K"), _head("C3", "L")], name="11008.xlsx")
    return folder


def _this_year(folder: Path) -> Path:
    def h(**kw: Any) -> dict[str, Any]:
        return household(ngay_ra_soat=THIS, phan_loai_dau_ky=None, **kw)

    make_return(folder, [h(ma_ho="A1", ma_xa="11284", **ABOVE),
                         h(ma_ho="A2", ma_xa="11284", **POOR),
                         h(ma_ho="A3", ma_xa="11284", tinh_trang_ho="Chuyển đi", **POOR),
                         h(ma_ho="A4", ma_xa="11284", **POOR),
                         h(ma_ho="A5", ma_xa="11284", tinh_trang_ho="Giải thể", **POOR),
                         h(ma_ho="A6", ma_xa="11284", **POOR),
                         h(ma_ho="A7", ma_xa="11284", tinh_trang_ho="Tách hộ", **NEAR)],
                [_head("A1", "A"), _head("A2", "B"), _head("A3", "C"), _head("A4", "D"), _head("A5", "E"),
                 _head("A6", "F"), member(ma_ho="A7", so_dinh_danh=SON, ho_ten="Con F", ngay_sinh="01/01/2000")],
                name="11284.xlsx")
    make_return(folder, [h(ma_ho="B1x", ma_xa="11287", **NEAR),
                         h(ma_ho="B2", ma_xa="11287", **POOR),
                         h(ma_ho="B3", ma_xa="11287", **ABOVE),
                         h(ma_ho="B9", ma_xa="11287", tinh_trang_ho="Chuyển đến", **POOR)],
                [_head("B1x", "G"), _head("B2", "H"), _head("B3", "I"), _head("B9", "C")], name="11287.xlsx")
    make_return(folder, [h(ma_ho="C1", ma_xa="11008", **POOR), h(ma_ho="C2", ma_xa="11008", **NEAR)],
                [_head("C1", "J"), _head("C2", "K")], name="11008.xlsx")
    return folder


def _after_reform(folder: Path, *, drop: tuple[str, ...] = ()) -> Path:
    """The round after 1/7/2025: old 11284 and 11287 are the new Xã Nam Thanh Miện (11284) — no move this time."""
    def h(**kw: Any) -> dict[str, Any]:
        return household(ngay_ra_soat=AFTER_REFORM, phan_loai_dau_ky=None, ma_xa="11284", **kw)

    rows = [("A1", ABOVE, "A", None), ("A2", POOR, "B", None), ("A3", POOR, "C", None), ("A4", POOR, "D", None),
            ("A5", POOR, "E", "Giải thể"), ("A6", POOR, "F", None), ("B1x", NEAR, "G", None), ("B2", POOR, "H", None),
            ("B3", ABOVE, "I", None)]
    rows = [r for r in rows if r[0] not in drop]
    make_return(folder, [h(ma_ho=c, tinh_trang_ho=s or "Đang cư trú", **p) for c, p, _w, s in rows],
                [_head(c, w) for c, _p, w, _s in rows], name="11284.xlsx")
    return folder


def _run(inp: Path, out: Path, *extra: object) -> Any:
    return run_hgn("run", inp, "--out", out, "--jobs", "1", *extra, cwd=inp.parent)


@pytest.fixture(scope="module")
def rounds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Both rounds run as the officer does: last year's, then this year's with --previous last year's ket_qua/."""
    root = tmp_path_factory.mktemp("years")
    ok(_run(_last_year(root / "bieu_2024"), root / "ket_qua_2024"))
    ok(_run(_this_year(root / "bieu_2025"), root / "ket_qua_2025", "--previous", root / "ket_qua_2024" / "ket_qua"))
    return root


def _households(out: Path) -> pd.DataFrame:
    hh = pd.read_parquet(out / "ket_qua" / "households.parquet")
    return hh.set_index(hh["ma_xa"].astype(str) + "/" + hh["ma_ho"].astype(str))


def _form_rows(form: Path) -> dict[str, list[Any]]:
    """Rows of a form below its A, B, 1, 2 … key row, keyed by the unit name in column B (and 'Tổng cộng')."""
    ws = openpyxl.load_workbook(form, read_only=True).worksheets[0]
    rows, body = {}, False
    for r in ws.iter_rows(values_only=True):
        if r and r[0] == "A" and len(r) > 1 and r[1] == "B":
            body = True
            continue
        if body and len(r) > 2 and isinstance(r[1], str) and r[2] is not None:
            rows[r[1]] = list(r)
    return rows


def _findings(out: Path) -> pd.DataFrame:
    return pd.read_excel(out / "phat_hien.xlsx", sheet_name=0)


# ------------------------------------------------------------------------------------------ categories
def test_each_households_movement_worked_by_hand(rounds: Path) -> None:
    """# guard (passes): every household's start state and category in ket_qua/, worked out by hand from
    domain.md §3 (B2's relapse is the next test's)."""
    hh = _households(rounds / "ket_qua_2025")
    expected = {
        "11284/A1": ("Nghèo", "Thoát nghèo (trên cận nghèo)"), "11284/A2": ("Cận nghèo", "Cận nghèo thành nghèo"),
        "11284/A3": ("Nghèo", "Giảm khác"), "11284/A4": ("Không", "Nghèo mới"), "11284/A5": ("Nghèo", "Giảm khác"),
        "11284/A6": ("Nghèo", "Tiếp tục nghèo"), "11284/A7": (None, "Tăng khác"),
        "11287/B1x": ("Cận nghèo", "Tiếp tục cận nghèo"), "11287/B3": ("Không", None),
        "11287/B9": ("Nghèo", "Tăng khác"), "11008/C1": ("Nghèo", "Tiếp tục nghèo"),
        "11008/C2": ("Cận nghèo", "Tiếp tục cận nghèo"),
    }
    got = {k: (None if pd.isna(hh.at[k, "dau_ky"]) else hh.at[k, "dau_ky"],
               None if pd.isna(hh.at[k, "dien_bien"]) else hh.at[k, "dien_bien"]) for k in expected}
    assert got == expected


def test_a_household_poor_two_years_ago_is_a_relapse_in_the_second_round(rounds: Path) -> None:
    """B2 was poor at the start of the 2024 round and escaped during it; last year's ket_qua/ says so (dau_ky =
    Nghèo, phan_loai = Không nghèo, dien_bien = Thoát nghèo). This year it is poor again. domain.md §3: "relapse
    (tái nghèo: was poor in an earlier period, not at start)"; form 2 has a column "Hộ tái nghèo". With
    `hgn run --previous <last year's ket_qua>` B2 is "Nghèo mới" and the relapse column is 0: `hgn run` has no
    --history and does not read the start class that last year's results record, so no household can ever be a
    relapse in a round run the way README tells officers to run it. It should be "Tái nghèo", counted in form 2's
    "Hộ tái nghèo" column (and not in "Hộ nghèo mới")."""
    last = _households(rounds / "ket_qua_2024")
    assert (last.at["11287/B2", "dau_ky"], last.at["11287/B2", "phan_loai"]) == ("Nghèo", "Không nghèo")
    hh = _households(rounds / "ket_qua_2025")
    assert hh.at["11287/B2", "dien_bien"] == "Tái nghèo"
    thanh_mien = _form_rows(rounds / "ket_qua_2025" / "bao_cao" / "bieu_02.xlsx")["Huyện Thanh Miện"]
    assert (thanh_mien[10], thanh_mien[11]) == (1, 1)  # Hộ nghèo mới (A4), Hộ tái nghèo (B2)


# ------------------------------------------------------------------------------------------ balance
@pytest.mark.parametrize("form, table", [("bieu_02.xlsx", "Nghèo"), ("bieu_03.xlsx", "Cận nghèo")])
def test_movement_forms_balance_and_agree_with_ket_qua(rounds: Path, form: str, table: str) -> None:
    """# guard (passes): forms 2 and 3 balance on every district row and the total (13 = 1 − 2 + 7, 2 = 3+…+6,
    7 = 8+…+12), and each district row equals the movement table recomputed from ket_qua's households."""
    from hgn_review.scoring.movements import movement_tables

    out = rounds / "ket_qua_2025"
    rows = _form_rows(out / "bao_cao" / form)
    hh = pd.read_parquet(out / "ket_qua" / "households.parquet")
    district = hh["ma_xa"].astype(str).map({"11284": "Huyện Thanh Miện", "11287": "Huyện Thanh Miện",
                                            "11008": "Huyện Gia Lộc"})
    t = movement_tables(hh.assign(huyen=district), by="huyen")
    t = t[t["bang"] == table].set_index("huyen")
    cols = ["dau_ky", "giam", "giam_sang_bang_kia", "giam_thoat", "giam_khac", "giam_chua_ro", "tang",
            "tang_tu_bang_kia", "tang_moi", "tang_tai", "tang_khac", "tang_chua_ro", "cuoi_ky"]
    for name in ("Huyện Thanh Miện", "Huyện Gia Lộc"):
        assert rows[name][2:15] == [int(t.at[name, c]) for c in cols], name
    for name, r in rows.items():
        start, dec, inc, end = r[2], r[3], r[8], r[14]
        assert dec == sum(r[4:8]) and inc == sum(r[9:14]) and end == start - dec + inc, name
    assert rows["Tổng cộng"][2:15] == [a + b for a, b in zip(rows["Huyện Thanh Miện"][2:15],
                                                             rows["Huyện Gia Lộc"][2:15], strict=True)]


def test_this_years_start_is_last_years_end_where_every_household_was_reviewed(rounds: Path) -> None:
    """# guard (passes): poor households at the start of this round = poor at the end of last round (all five
    were reviewed: A1, A3, A5, A6, C1); the province poor table balances in ket_qua's summary."""
    last = _form_rows(rounds / "ket_qua_2024" / "bao_cao" / "bieu_02.xlsx")["Tổng cộng"]
    this = _form_rows(rounds / "ket_qua_2025" / "bao_cao" / "bieu_02.xlsx")["Tổng cộng"]
    assert this[2] == last[14] == 5
    meta = pd.read_json(rounds / "ket_qua_2025" / "ket_qua" / "meta.json", typ="series")
    assert bool(meta["movements_balanced"]) is True


def test_a_household_missing_from_this_years_return_is_reported(rounds: Path) -> None:
    """# guard (passes): C3 (near-poor on last year's list) is in no return this year: previous-not-reviewed on
    11008's return in phat_hien.xlsx."""
    f = _findings(rounds / "ket_qua_2025")
    hit = f[f["Mã lỗi"] == "previous-not-reviewed"]
    assert [(Path(str(t)).name, str(v)) for t, v in zip(hit["Tệp"], hit["Giá trị"], strict=True)] == [
        ("11008.xlsx", "C3")]


# ------------------------------------------------------------------------------------------ a household that moved
def test_a_household_that_moved_between_two_communes_is_not_a_duplicate_id_in_ket_qua(rounds: Path) -> None:
    """A3 moved from 11284 to 11287: 11284's return records it as "Chuyển đi" (with its head), 11287's as B9
    "Chuyển đến" (the same head). That is one person listed where she left and where she went — validate.departed:
    "the same person listed again in the household she joined is not a second holder of her ID"; phat_hien.xlsx
    rightly has no id-duplicate-batch. But ket_qua/findings.parquet (the merged results) carries two
    id-duplicate-batch ERRORS for that person, and report.html counts them: "Lỗi: 2", while phat_hien.xlsx and the
    terminal say 1 error (C3 not reviewed). The round's outputs must not report the move as a duplicate ID."""
    out = rounds / "ket_qua_2025"
    assert "id-duplicate-batch" not in set(_findings(out)["Mã lỗi"])
    merged = pd.read_parquet(out / "ket_qua" / "findings.parquet")
    assert "id-duplicate-batch" not in set(merged["code"]), merged[merged["code"] == "id-duplicate-batch"]
    html = re.sub(r"<[^>]+>", " ", (out / "bao_cao" / "report.html").read_text("utf-8"))
    assert "Lỗi: 2" not in re.sub(r"\s+", " ", html)


# ------------------------------------------------------------------------------------------ what --previous takes
def test_a_results_workbook_as_previous_gives_the_same_round(rounds: Path, tmp_path: Path) -> None:
    """# guard (passes): last year's returns classified into one results workbook (`hgn classify … --out`) give
    this year's round the same start states, categories and findings as last year's ket_qua/."""
    wb = tmp_path / "ket_qua_2024.xlsx"
    ok(run_hgn("classify", *sorted((rounds / "bieu_2024").glob("*.xlsx")), "--out", wb, cwd=tmp_path))
    inp = tmp_path / "bieu_2025"
    shutil.copytree(rounds / "bieu_2025", inp)
    ok(_run(inp, tmp_path / "out", "--previous", wb))
    a, b = _households(rounds / "ket_qua_2025"), _households(tmp_path / "out")
    cols = ["dau_ky", "dien_bien"]
    pd.testing.assert_frame_equal(a[cols].sort_index(), b[cols].sort_index())
    assert list(_findings(tmp_path / "out")["Mã lỗi"]) == list(_findings(rounds / "ket_qua_2025")["Mã lỗi"])


def test_last_years_whole_output_folder_as_previous(rounds: Path, tmp_path: Path) -> None:
    """The officer gives --previous the folder last year's `hgn run` wrote ("Kết quả 2024", README: `hgn run … --out
    "Kết quả 2026"`, and `--previous FILE|DIR`). hgn stops: "Không đọc được danh sách đầu kỳ …" with the hint "Dùng
    tệp kết quả hgn của kỳ trước, hoặc bảng …" — the folder IS last round's hgn results, and the hint never says
    that the results are in its ket_qua/ sub-folder. It should either take the folder (its ket_qua/ is right there:
    the same round as with …/ket_qua) or say to give <folder>/ket_qua."""
    inp = tmp_path / "bieu_2025"
    shutil.copytree(rounds / "bieu_2025", inp)
    proc = _run(inp, tmp_path / "out", "--previous", rounds / "ket_qua_2024")
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        a, b = _households(rounds / "ket_qua_2025"), _households(tmp_path / "out")
        pd.testing.assert_frame_equal(a[["dau_ky", "dien_bien"]].sort_index(), b[["dau_ky", "dien_bien"]].sort_index())
    else:
        assert "ket_qua" in (proc.stdout + proc.stderr).split("Gợi ý", 1)[-1], proc.stdout + proc.stderr


@pytest.mark.parametrize("name", ["danh_sach_csdl_dan_cu.xlsx", "danh_sach_csdl_dan_cu.csv"])
def test_last_years_population_list_as_previous_is_not_said_to_lack_columns_it_has(rounds: Path, tmp_path: Path,
                                                                                    name: str) -> None:
    """The officer gives --previous last year's list of poor and near-poor persons (bao_cao/danh_sach_csdl_dan_cu,
    hgn's own output: columns "Mã hộ", "Mã xã", "Phân loại hộ", "Số định danh cá nhân", "Quan hệ với chủ hộ" —
    the managed list itself). hgn stops (exit 3): "Danh sách đầu kỳ … thiếu cột: Mã hộ, Mã xã, Phân loại." — but
    "Mã hộ" and "Mã xã" are there, in the header row. A message must tell the officer what is really wrong
    (README: messages tell exactly what to fix). Either the list is taken (same start states as ket_qua/), or the
    refusal names only what is really missing."""
    inp = tmp_path / "bieu_2025"
    shutil.copytree(rounds / "bieu_2025", inp)
    proc = _run(inp, tmp_path / "out", "--previous", rounds / "ket_qua_2024" / "bao_cao" / name)
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        a, b = _households(rounds / "ket_qua_2025"), _households(tmp_path / "out")
        pd.testing.assert_series_equal(a["dau_ky"].sort_index(), b["dau_ky"].sort_index())
    else:
        said = (proc.stdout + proc.stderr).split("thiếu cột", 1)[-1].split("\n", 1)[0]
        assert "Mã hộ" not in said and "Mã xã" not in said, proc.stdout + proc.stderr


# ------------------------------------------------------------------------------------------ re-run
def _outputs(out: Path) -> dict[str, Any]:
    got: dict[str, Any] = {p.name: p.read_bytes() for p in (out / "bao_cao").glob("*.csv")}
    for p in sorted((out / "bao_cao").glob("bieu_*.xlsx")) + [out / "phat_hien.xlsx"]:
        got[p.name] = [list(r) for r in openpyxl.load_workbook(p, read_only=True).worksheets[0].iter_rows(values_only=True)]
    got["households"] = pd.read_parquet(out / "ket_qua" / "households.parquet").to_dict("list")
    return got


def test_rerunning_the_second_year_from_the_cache_gives_identical_outputs(rounds: Path) -> None:
    """# guard (passes): this year's round run again as before into the same folder reads no return again and
    gives the same households, findings, forms and lists."""
    out = rounds / "ket_qua_2025"
    before = _outputs(out)
    proc = ok(_run(rounds / "bieu_2025", out, "--previous", rounds / "ket_qua_2024" / "ket_qua"))
    assert "3 (0 đọc mới, 3 lấy từ lần trước)" in proc.stdout
    assert _outputs(out) == before


def test_rerun_with_previous_from_another_working_folder_reads_nothing_again(rounds: Path, tmp_path: Path) -> None:
    """The officer ran this year's round from the district folder with relative paths (`hgn run bieu_2025 --out
    ket_qua_2025 --previous ket_qua_2024/ket_qua`), then runs it again unchanged from another window that starts
    elsewhere, giving the same folders as full paths. Every return is read again ("3 đọc mới") and the bundles
    of the first run are pruned — because the cache key holds the path of the copy of the start list inside
    OUT/.hgn-cache as typed (pipeline._run_round: opts["previous"] = str(prev_path)), though its content is keyed
    already (previous_sha256). Without --previous the same two runs read nothing again. README: "cached per file
    by content so a re-run reads only what changed"; pipeline: a return's bundle is "the same whether the folder
    was given as a relative or an absolute path, or from another working folder"."""
    root = tmp_path / "huyen"
    for d in ("bieu_2025", "ket_qua_2024"):
        shutil.copytree(rounds / d, root / d)
    ok(run_hgn("run", "bieu_2025", "--out", "ket_qua_2025", "--jobs", "1", "--previous", "ket_qua_2024/ket_qua",
               cwd=root))
    again = ok(run_hgn("run", root / "bieu_2025", "--out", root / "ket_qua_2025", "--jobs", "1",
                       "--previous", root / "ket_qua_2024" / "ket_qua", cwd=tmp_path))
    assert "3 (0 đọc mới, 3 lấy từ lần trước)" in again.stdout, again.stdout


# ------------------------------------------------------------------------------------------ after 1/7/2025
def test_a_round_in_the_new_units_with_last_years_old_unit_results(rounds: Path, tmp_path: Path) -> None:
    """# guard (passes): the round after 1/7/2025 (old 11284 and 11287 are the new 11284) with last year's
    ket_qua/ (old units) as --previous: old 11287's households are matched through the crosswalk, the
    categories are those worked by hand, and B1 (near-poor of old 11287) missing from the new commune's return is
    reported as "11287 → 11284"."""
    inp = _after_reform(tmp_path / "bieu_2025", drop=("B1x",))
    ok(_run(inp, tmp_path / "out", "--previous", rounds / "ket_qua_2024" / "ket_qua"))
    hh = _households(tmp_path / "out").drop(index="11284/B2")  # B2: the relapse test above
    assert hh["dien_bien"].fillna("").to_dict() == {
        "11284/A1": "Thoát nghèo (trên cận nghèo)", "11284/A2": "Cận nghèo thành nghèo", "11284/A3": "Tiếp tục nghèo",
        "11284/A4": "Nghèo mới", "11284/A5": "Giảm khác", "11284/A6": "Tiếp tục nghèo", "11284/B3": ""}
    row = _form_rows(tmp_path / "out" / "bao_cao" / "bieu_02.xlsx")["Xã Nam Thanh Miện"]
    assert (row[2], row[3], row[8], row[14]) == (4, 2, 3, 5)
    f = _findings(tmp_path / "out")
    hit = f[f["Mã lỗi"] == "previous-not-reviewed"]
    assert list(hit["Giá trị"].astype(str)) == ["B1"] and "11287 → 11284" in str(hit["Nội dung"].iloc[0])
