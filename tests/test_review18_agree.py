"""Review 18 — every number agrees: the same figure is the same in the terminal/JSON summary, README.txt,
report.html, the 15 forms, the population list, ket_qua/ and phat_hien.xlsx."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from conftest import household, make_id, make_return, member, read_csv
from hgn_review.pipeline import run_round

POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}


def _form_rows(path: Path) -> dict[str, tuple[Any, ...]]:
    """Unit name (column B) -> the figures of its row (columns C…), for the unit rows and the total row."""
    out: dict[str, tuple[Any, ...]] = {}
    for r in openpyxl.load_workbook(path).active.iter_rows(values_only=True):
        if (isinstance(r[0], int) and isinstance(r[1], str)) or (r[0] is None and r[1] == "Tổng cộng"):
            out[r[1]] = tuple(r[2:])
    return out


def _bundle_notes(out: Path) -> list[str]:
    text = (out / "README.txt").read_text(encoding="utf-8")
    return [ln.strip()[2:] for ln in text.splitlines() if ln.strip().startswith("- ")]


# ------------------------------------------------------------------------------------------ defects
def test_note_about_households_without_member_rows_agrees_with_the_forms(tmp_path: Path) -> None:
    """A hgn-layout return with a household whose member rows are missing: the note in README/JSON/report.html
    must not tell the officer the figures of forms 08/11 are left blank when the forms hold numbers, nor call
    the hgn return "the review application's export"."""
    hh = [household(ma_ho="11284-0001", **POOR),
          household(ma_ho="11284-0002", so_thanh_vien=4, thu_nhap_bq=5000000)]  # no member rows at all
    mm = [member(ma_ho="11284-0001"),
          member(ma_ho="11284-0001", stt=2, ho_ten="Lê Thị Hoa", quan_he="Vợ, chồng", gioi_tinh="Nữ",
                 ngay_sinh="01/01/1982", so_dinh_danh=make_id(birth_year=1982, female=True, serial="000002"))]
    make_return(tmp_path / "in", hh, mm)
    o = run_round(tmp_path / "in", tmp_path / "out", jobs=1)
    notes = o.summary_json()["notes"] + _bundle_notes(tmp_path / "out")
    f08 = _form_rows(tmp_path / "out" / "bao_cao" / "bieu_08.xlsx")
    f11 = _form_rows(tmp_path / "out" / "bao_cao" / "bieu_11.xlsx")
    blanks = [v for row in (f08["Tổng cộng"], f11["Tổng cộng"]) for v in row if v in (None, "")]
    for n in notes:
        # the return is an hgn workbook with a member sheet, not the application's export
        assert "tệp xuất từ phần mềm rà soát" not in n, n
        if "để trống, không ghi 0" in n:  # the note promises blank cells: the forms must show them
            assert blanks, (n, f08["Tổng cộng"], f11["Tổng cộng"])


def test_terminal_class_table_agrees_with_form_01_when_a_household_moved_away(tmp_path: Path) -> None:
    """A poor household that moved away (Chuyển đi) is not among the commune's households at the end of the
    period: form 01 counts 1 poor household of 2, and the terminal/--json summary prints "Số hộ / số người 2 / …"
    — but its class table ("Phân loại", by_class) says Nghèo 2 and adds up to 3 households. The officer reads two
    different poor-household counts on one screen (domain.md §3: moved away is a decrease, not an end figure)."""
    hh = [household(ma_ho="11284-0001", phan_loai_dau_ky="Nghèo", **POOR),
          household(ma_ho="11284-0002", phan_loai_dau_ky="Nghèo", tinh_trang_ho="Chuyển đi", **POOR),
          household(ma_ho="11284-0003", thu_nhap_bq=5000000)]
    mm = [member(ma_ho="11284-0001"),
          member(ma_ho="11284-0002", ho_ten="Trần Văn Bình", so_dinh_danh=make_id(serial="000002")),
          member(ma_ho="11284-0003", ho_ten="Lê Văn Cường", so_dinh_danh=make_id(serial="000003"))]
    make_return(tmp_path / "in", hh, mm)
    o = run_round(tmp_path / "in", tmp_path / "out", jobs=1)
    s = o.summary_json()
    f01 = _form_rows(tmp_path / "out" / "bao_cao" / "bieu_01.xlsx")["Tổng cộng"]
    assert s["counted"]["households"] == f01[0] == 2
    assert f01[2] == 1  # form 01: poor households at the end of the period
    assert s["by_class"].get("Nghèo") == f01[2], s["by_class"]
    assert sum(s["by_class"].values()) == s["counted"]["households"], s["by_class"]


# ------------------------------------------------------------------------------------------ guards
def _second_round(first: Path, second: Path) -> None:
    """Round 2 from round 1's returns: dates a year on, recorded start class cleared (the start comes from
    --previous), one poor household moved away, one escaped, one became poor, one near-poor escaped, one became
    near-poor, and one new poor household moved in."""
    import datetime as dt

    changes = {"10507-0022": {"Tình trạng hộ": "Chuyển đi"},
               "10510-0001": {"Thu nhập bình quân (đồng/người/tháng)": 5000000},
               "10507-0008": {"Điểm B1": 100, "Điểm B2": None},
               "10507-0011": {"Thu nhập bình quân (đồng/người/tháng)": 6000000},
               "10510-0025": {"Điểm B1": 100, "Điểm B2": None}}
    second.mkdir(parents=True)
    for f in sorted(first.glob("*.xlsx")):
        wb = openpyxl.load_workbook(f)
        hs, ms = wb["Hộ gia đình"], wb["Thành viên"]
        col = {c.value: i for i, c in enumerate(hs[1])}
        moved: list[Any] | None = None
        for row in hs.iter_rows(min_row=2):
            if row[0].value is None:
                continue
            row[col["Phân loại đầu kỳ"]].value = None
            d = row[col["Ngày rà soát"]].value
            if isinstance(d, dt.datetime):
                row[col["Ngày rà soát"]].value = d.replace(year=d.year + 1)
            for k, v in changes.get(row[0].value, {}).items():
                row[col[k]].value = v
            if row[0].value == "10507-0022":
                moved = [c.value for c in row]
        if moved:
            moved[0], moved[col["Tình trạng hộ"]] = "10507-0031", "Chuyển đến"
            hs.append(moved)
            for r in [[c.value for c in r] for r in ms.iter_rows(min_row=2) if r[0].value == "10507-0022"]:
                r[0], r[2] = "10507-0031", f"{r[2]} Mới"
                r[3] = r[3][:-1] + ("8" if r[3][-1] == "9" else "9")
                ms.append(r)
        wb.save(second / f.name)


@pytest.fixture(scope="module")
def two_rounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    from hgn_review.sample import generate_sample

    root = tmp_path_factory.mktemp("agree")
    generate_sample(root / "a1", communes=2, households=30, seed=11, error_rate=0.0, year=2023)
    (root / "a1" / "manifest.json").unlink()
    run_round(root / "a1", root / "r1", jobs=1)
    _second_round(root / "a1", root / "a2")
    o = run_round(root / "a2", root / "r2", previous=root / "r1", jobs=1)
    return {"out": root / "r2", "outcome": o}


def test_second_round_every_figure_agrees(two_rounds: dict[str, Any]) -> None:  # guard (passes)
    """Round 2 with --previous: form 01 = ket_qua = README = report.html = JSON; the movement forms balance per
    row; the population list holds exactly the persons of the poor/near-poor households still present; the
    findings workbook holds as many errors/warnings as the summary says."""
    out, o = two_rounds["out"], two_rounds["outcome"]
    s = o.summary_json()
    hh = pd.read_parquet(out / "ket_qua" / "households.parquet")
    mm = pd.read_parquet(out / "ket_qua" / "members.parquet")
    present = hh[~hh["tinh_trang_ho"].isin(["Chuyển đi", "Giải thể"])]
    f01 = _form_rows(out / "bao_cao" / "bieu_01.xlsx")
    t = f01["Tổng cộng"]
    assert (t[0], t[1]) == (s["counted"]["households"], s["counted"]["persons"]) == (len(present), 193)
    assert t[2] == (present["phan_loai"] == "Nghèo").sum() == 3
    assert t[6] == (present["phan_loai"] == "Cận nghèo").sum() == 3
    readme = (out / "README.txt").read_text(encoding="utf-8")
    assert f"Số hộ: {t[0]}; số người: {t[1]}" in readme
    html = re.sub(r"<[^>]+>", " ", (out / "bao_cao" / "report.html").read_text(encoding="utf-8"))
    assert re.search(rf"Hộ nghèo\s+{t[2]}\s", html) and re.search(rf"Hộ cận nghèo\s+{t[6]}\s", html)
    for n, cls in (("02", "Nghèo"), ("03", "Cận nghèo")):
        for unit, r in _form_rows(out / "bao_cao" / f"bieu_{n}.xlsx").items():
            if r[0] is None:
                continue
            assert r[1] == sum(r[2:6]) and r[6] == sum(r[7:12]) and r[12] == r[0] - r[1] + r[6], (n, unit, r)
        end = _form_rows(out / "bao_cao" / f"bieu_{n}.xlsx")["Tổng cộng"][12]
        assert end == (present["phan_loai"] == cls).sum()
    listed = read_csv(out / "bao_cao" / "danh_sach_csdl_dan_cu.csv")
    keep = present[present["phan_loai"].isin(["Nghèo", "Cận nghèo"])]["uid"]
    assert len(listed) == mm["uid"].isin(keep).sum() == t[4] + t[8]
    wb = openpyxl.load_workbook(out / "phat_hien.xlsx").active
    sev = [r[6] for r in wb.iter_rows(min_row=2, values_only=True)]
    assert (sev.count("Lỗi"), sev.count("Cảnh báo")) == (s["findings"]["error"], s["findings"]["warning"])


def test_province_run_rows_equal_the_district_runs(tmp_path: Path) -> None:  # guard (passes)
    """One run over a folder with two district sub-folders: each district's row of the province forms equals the
    total row of that district run alone, and the province total is their sum (domain.md §3, every roll-up)."""
    from hgn_review.sample import generate_sample

    for d, seed in (("288", 5), ("291", 6)):
        generate_sample(tmp_path / "p" / d, communes=2, households=15, seed=seed, error_rate=0.03, district=d)
        (tmp_path / "p" / d / "manifest.json").unlink()
        run_round(tmp_path / "p" / d, tmp_path / f"o{d}", jobs=1)
    run_round(tmp_path / "p", tmp_path / "prov", jobs=1)
    for n in (1, 2, 3, 4, 6, 8, 10, 11, 12, 13):  # form 09 aside: its ethnic-group columns differ per run
        prov = _form_rows(tmp_path / "prov" / "bao_cao" / f"bieu_{n:02d}.xlsx")
        totals = [_form_rows(tmp_path / f"o{d}" / "bao_cao" / f"bieu_{n:02d}.xlsx")["Tổng cộng"]
                  for d in ("288", "291")]
        for tot in totals:
            assert tot in prov.values(), (n, tot, prov)
