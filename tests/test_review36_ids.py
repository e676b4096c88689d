"""Review 36: the 12-digit personal ID (số định danh cá nhân) — its digit checks, its repair, duplicates, and where
it is masked or whole. Small hand-built returns; every test here is a guard (no defect was confirmed)."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import openpyxl

from conftest import (
    COMMUNE_2,
    HEAD_ID,
    MM_SHEET,
    household,
    make_id,
    make_return,
    member,
    run_hgn,
)

ID_COL = "Số định danh cá nhân"
LONG_DIGITS = re.compile(r"\d(?:[ .]?\d){9,}")


def _validate(path: Path, tmp_path: Path) -> list[dict[str, Any]]:
    proc = run_hgn("validate", path, "--json", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)["findings"]


def _id_findings(found: list[dict[str, Any]]) -> dict[int, str]:
    return {f["row"]: f["code"] for f in found if f["code"].startswith("id-")}


def _person(stt: int, birth_year: int, born: Any, *, female: bool = False, digit4: int | None = None,
            **kw: Any) -> dict[str, Any]:
    pid = make_id(birth_year=birth_year, female=female, serial=f"{stt:06d}")
    if digit4 is not None:
        pid = pid[:3] + str(digit4) + pid[4:]
    extra = {"trinh_do": "THPT"} if birth_year >= 2000 else {}
    return member(**{"stt": stt, "ho_ten": f"Người {stt}", "so_dinh_danh": pid, "ngay_sinh": born,
                     "gioi_tinh": "Nữ" if female else "Nam", "quan_he": "Anh, chị, em", **extra, **kw})


# guard (passes)
def test_century_and_sex_digit_boundaries(tmp_path: Path) -> None:
    """1999 vs 2000, male/female, full date vs year alone vs an Excel date: right IDs pass, wrong digit 4 is
    said at the ID cell with the digit it must be, in Vietnamese."""
    ms = [member(),
          _person(2, 1999, dt.datetime(1999, 12, 31), female=True),
          _person(3, 2000, dt.datetime(2000, 1, 1), female=True),
          _person(4, 1999, "1999", female=True),
          _person(5, 2000, 2000),
          _person(6, 2000, "01/01/2000", digit4=0),            # 20th-century digit for a 2000 birth
          _person(7, 1999, "31/12/1999", female=True, digit4=3),  # 21st-century digit for a 1999 birth
          _person(8, 1999, "1999", female=True, digit4=0),     # male digit for a woman, year alone
          ]
    found = _validate(make_return(tmp_path, members=ms), tmp_path)
    assert _id_findings(found) == {7: "id-sex-mismatch", 8: "id-sex-mismatch", 9: "id-sex-mismatch"}
    by_row = {f["row"]: f for f in found if f["code"] == "id-sex-mismatch"}
    assert by_row[7]["column"] == ID_COL and by_row[7]["sheet"] == MM_SHEET
    assert "chữ số 4 phải là 2" in by_row[7]["message"]
    assert "chữ số 4 phải là 1" in by_row[8]["message"] and "chữ số 4 phải là 1" in by_row[9]["message"]
    assert by_row[7]["value"] == "********0006"  # masked on the terminal/--json


# guard (passes)
def test_birth_year_digits_for_a_member_known_only_by_year(tmp_path: Path) -> None:
    ms = [member(), member(stt=2, ho_ten="Ông Dũng", so_dinh_danh="030051000013", ngay_sinh=1950,
                           quan_he="Bố, mẹ")]
    found = _validate(make_return(tmp_path, members=ms), tmp_path)
    f = [x for x in found if x["code"] == "id-birth-year-mismatch"]
    assert len(f) == 1 and f[0]["row"] == 3 and f[0]["column"] == ID_COL
    assert "năm sinh 1950 → chữ số 5–6 phải là 50" in f[0]["message"]


# guard (passes)
def test_separators_cleaned_and_wrong_length_reported(tmp_path: Path) -> None:
    ms = [member(),
          _person(2, 1980, "01/01/1980", so_dinh_danh="030 080 000 002"),
          _person(3, 1980, "01/01/1980", so_dinh_danh="0 3 0 0 8 0 0 0 0 0 0 3"),
          _person(4, 1980, "01/01/1980", so_dinh_danh="030.080.000.004"),
          _person(5, 1980, "01/01/1980", so_dinh_danh="03008000005"),     # 11 digits typed as text
          _person(6, 1980, "01/01/1980", so_dinh_danh="0300800000066"),   # 13 digits
          ]
    found = _validate(make_return(tmp_path, members=ms), tmp_path)
    assert _id_findings(found) == {6: "id-invalid-format", 7: "id-invalid-format"}
    msg = next(f["message"] for f in found if f["row"] == 6)
    assert "không phải đúng 12 chữ số" in msg and "03008000005" not in msg


# guard (passes)
def test_id_stored_as_number_restored_everywhere(tmp_path: Path) -> None:
    """11 digits (030…) and 10 digits (001…) in number cells are restored, warned, and the restored ID is the
    one a duplicate check compares (a text copy of the same ID in another household is a duplicate)."""
    hh = [household(), household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Ba")]
    ms = [member(so_dinh_danh=30080001234),
          member(stt=2, ho_ten="Cháu Nam", so_dinh_danh=1210000012, ngay_sinh="01/01/2010", quan_he="Con",
                 viec_lam=None, trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc="THCS", suy_dinh_duong="Không"),
          member(ma_ho="11284-0002", ho_ten="Lê Văn Ba", so_dinh_danh=HEAD_ID)]
    found = _validate(make_return(tmp_path, households=hh, members=ms), tmp_path)
    codes = sorted((f["row"], f["code"]) for f in found if f["code"].startswith("id-"))
    assert codes == [(2, "id-leading-zero-restored"), (3, "id-leading-zero-restored"), (4, "id-duplicate")]
    dup = next(f for f in found if f["code"] == "id-duplicate")
    assert "trùng với dòng 2" in dup["message"]


# guard (passes)
def test_number_cell_padded_by_its_format_is_read_as_shown(tmp_path: Path) -> None:
    p = make_return(tmp_path, members=[member(so_dinh_danh=30080001234)])
    wb = openpyxl.load_workbook(p)
    wb[MM_SHEET]["D2"].number_format = "000000000000"
    wb.save(p)
    assert _id_findings(_validate(p, tmp_path)) == {}


# guard (passes)
def test_moved_away_member_listed_again_is_no_duplicate(tmp_path: Path) -> None:
    wife = make_id(birth_year=1982, female=True, serial="000011")
    hh = [household(tinh_trang_ho="chuyển đi", thu_nhap_bq=None),
          household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Ba", thu_nhap_bq=900000)]
    ms = [member(),
          member(stt=2, ho_ten="Nguyễn Thị Bình", so_dinh_danh=wife, ngay_sinh="31/12/1982", gioi_tinh="Nữ",
                 quan_he="Vợ, chồng"),
          member(ma_ho="11284-0002", ho_ten="Lê Văn Ba", so_dinh_danh=make_id(birth_year=1970, serial="000099"),
                 ngay_sinh="01/01/1970"),
          member(ma_ho="11284-0002", stt=2, ho_ten="Nguyễn Thị Bình", so_dinh_danh=wife, ngay_sinh="31/12/1982",
                 gioi_tinh="Nữ", quan_he="Vợ, chồng")]
    found = _validate(make_return(tmp_path, households=hh, members=ms), tmp_path)
    assert not [f for f in found if "duplicate" in f["code"]]


def _two_communes(base: Path) -> Path:
    """Commune A: household 1 moved away; its wife joined household 2 of commune B. Lê Văn Ba is listed in both
    communes (a real cross-commune duplicate). Commune A's head's ID is stored as a number."""
    src = base / "in"
    wife = make_id(birth_year=1982, female=True, serial="000011")
    ba = make_id(birth_year=1970, serial="000099")
    make_return(src, name="11284_2024.xlsx",
                households=[household(tinh_trang_ho="Chuyển đi", thu_nhap_bq=None),
                            household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Văn Ba", thu_nhap_bq=900000)],
                members=[member(so_dinh_danh=30080001234),
                         member(stt=2, ho_ten="Nguyễn Thị Bình", so_dinh_danh=wife, ngay_sinh="31/12/1982",
                                gioi_tinh="Nữ", quan_he="Vợ, chồng"),
                         member(ma_ho="11284-0002", ho_ten="Lê Văn Ba", so_dinh_danh=ba, ngay_sinh="01/01/1970")])
    make_return(src, name="11287_2024.xlsx",
                households=[household(ma_ho="11287-0001", ma_xa=COMMUNE_2, ho_ten_chu_ho="Phạm Văn Cường",
                                      thu_nhap_bq=800000)],
                members=[member(ma_ho="11287-0001", ho_ten="Phạm Văn Cường",
                                so_dinh_danh=make_id(birth_year=1975, serial="000555"), ngay_sinh="02/02/1975"),
                         member(ma_ho="11287-0001", stt=2, ho_ten="Nguyễn Thị Bình", so_dinh_danh=int(wife),
                                ngay_sinh="31/12/1982", gioi_tinh="Nữ", quan_he="Vợ, chồng"),
                         member(ma_ho="11287-0001", stt=3, ho_ten="Lê Văn Ba", so_dinh_danh=ba[:3] + " " + ba[3:],
                                ngay_sinh="01/01/1970", quan_he="Anh, chị, em")])
    return src


def _xlsx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        data = " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return re.sub(r"<[^>]+>", " ", data)


# guard (passes)
def test_run_duplicates_list_and_masking(tmp_path: Path) -> None:
    """Across two communes: the moved-away wife is no duplicate; Lê Văn Ba is reported in both communes at his
    ID cell with the whole ID in phat_hien.xlsx; the list shows neither copy of his ID (reason: Trùng) and the
    restored and spaced IDs as 12-digit text; under --mask-pii nothing in bao_cao/, the terminal or --json
    shows more than four digits of an ID."""
    src = _two_communes(tmp_path)
    out = tmp_path / "out"
    proc = run_hgn("run", src, "--out", out, "--mask-pii", "--json", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert not LONG_DIGITS.findall(proc.stdout + proc.stderr)

    wb = openpyxl.load_workbook(out / "phat_hien.xlsx", read_only=True)
    rows = [r for r in wb.worksheets[0].iter_rows(values_only=True)]
    head = list(rows[0])
    dups = [dict(zip(head, r, strict=False)) for r in rows[1:] if "id-duplicate-batch" in r]
    assert sorted((Path(d["Tệp"]).name, d["Dòng"], d["Ô"]) for d in dups) == [
        ("11284_2024.xlsx", 4, "D4"), ("11287_2024.xlsx", 4, "D4")]
    assert {d["Giá trị"] for d in dups} == {"030070000099"}  # whole in the findings workbook
    assert all("Số định danh trùng với" in d["Nội dung"] for d in dups)
    assert not [r for r in rows[1:] if "id-duplicate" in r]  # the moved-away wife is one person

    for f in (out / "bao_cao").rglob("*"):
        if f.suffix in (".xlsx", ".csv", ".html"):
            text = _xlsx_text(f) if f.suffix == ".xlsx" else f.read_text("utf-8")
            assert not [h for h in LONG_DIGITS.findall(text) if len(re.sub(r"\D", "", h)) >= 10], f.name
    with (out / "bao_cao" / "danh_sach_csdl_dan_cu_chua_co_dinh_danh.csv").open(encoding="utf-8-sig") as fh:
        waiting = list(csv.DictReader(fh))
    assert len(waiting) == 2 and {w["Lý do chưa có số định danh hợp lệ"] for w in waiting} == {
        "Trùng số định danh với người khác"}

    import pandas as pd

    members = pd.read_parquet(out / "ket_qua" / "members.parquet")
    kept = set(members["so_dinh_danh"].dropna())
    assert {"030080001234", "030182000011", "030070000099"} <= kept  # whole (restored, cleaned) in ket_qua/
