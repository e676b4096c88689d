"""Review 16: `hgn template` — the blank return a commune fills, filled the way an officer does, read back.

The template is written with the CLI, filled with openpyxl using only the drop-down values the template itself
offers (dates typed dd/mm/yyyy, IDs typed as text), then `hgn validate` and `hgn classify` are run on it.
"""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from openpyxl.utils import range_boundaries
from openpyxl.workbook.workbook import Workbook
from openpyxl.worksheet.worksheet import Worksheet

from conftest import make_id, ok, run_hgn
from hgn_review.schemas.layout import load_layout

LAYOUT = load_layout("hgn")
HH, MM = LAYOUT.sheets["households"], LAYOUT.sheets["members"]
CODE = "11284"  # Xã Chi Lăng Nam before 1/7/2025; the code carries on as Xã Nam Thanh Miện (Hải Phòng) after

# The spec's (return-format.md) coded values, copied by hand from the spec so that the layout is checked against it.
SPEC_CHOICES = {
    "khu_vuc": ["Thành thị", "Nông thôn"],
    "loai_nha": ["Kiên cố", "Bán kiên cố", "Thiếu kiên cố", "Đơn sơ"],
    "nguon_nuoc": ["Nước máy", "Giếng khoan", "Giếng đào được bảo vệ", "Khe, mó được bảo vệ", "Nước mưa",
                   "Nước đóng bình", "Khác"],
    "nha_tieu": ["Tự hoại", "Bán tự hoại", "Thấm dội nước", "Hai ngăn", "Chìm có ống thông hơi", "Khác", "Không có"],
    "su_dung_internet": ["Có", "Không"],
    "phuong_tien_thong_tin": ["Có", "Không"],
    "ho_nlndn": ["Có", "Không"],
    "nguoi_co_cong": ["Có", "Không"],
    "bao_tro_xa_hoi": ["Có", "Không"],
    "phan_loai_dau_ky": ["Nghèo", "Cận nghèo", "Không"],
    "tinh_trang_ho": ["Đang cư trú", "Chuyển đến", "Chuyển đi", "Tách hộ", "Giải thể"],
    "gioi_tinh": ["Nam", "Nữ"],
    "quan_he": ["Chủ hộ", "Vợ, chồng", "Con", "Bố, mẹ", "Ông, bà", "Cháu", "Anh, chị, em", "Khác"],
    "viec_lam": ["Có HĐLĐ", "Làm công không HĐLĐ", "Tự làm", "Thất nghiệp", "Không tham gia lao động"],
    "the_bhyt": ["Có", "Không"],
    "suy_dinh_duong": ["Có", "Không"],
    "trinh_do": ["Chưa đi học", "Tiểu học", "THCS", "THPT", "Sơ cấp", "Trung cấp", "Cao đẳng", "Đại học trở lên"],
    "dang_di_hoc": ["Có", "Không"],
    "cap_hoc": ["Mầm non", "Tiểu học", "THCS", "THPT", "Nghề, cao đẳng, đại học"],
    "khuyet_tat": ["Không", "Nhẹ", "Nặng", "Đặc biệt nặng"],
}
SPEC_REQUIRED = {
    "households": {"ma_ho", "ho_ten_chu_ho", "ma_xa", "thon", "loai_nha", "dien_tich_nha", "nguon_nuoc", "nha_tieu",
                   "su_dung_internet", "phuong_tien_thong_tin", "ho_nlndn", "ngay_ra_soat"},
    "members": {"ma_ho", "stt", "ho_ten", "ngay_sinh", "gioi_tinh", "quan_he", "dan_toc", "the_bhyt", "trinh_do",
                "dang_di_hoc"},
}


# ------------------------------------------------------------------------------------------------ helpers
def write_tpl(tmp: Path, *args: str, name: str = "bieu.xlsx") -> Path:
    out = tmp / name
    ok(run_hgn("template", "--commune", CODE, "--year", "2024", "--out", out, *args, cwd=tmp))
    return out


def offered(wb: Workbook, ws: Worksheet) -> dict[str, list[Any]]:
    """Header -> the values the column's drop-down offers (inline list or a workbook name of a range)."""
    out: dict[str, list[Any]] = {}
    for dv in ws.data_validations.dataValidation:
        if dv.type != "list":
            continue
        f = dv.formula1
        if f.startswith('"'):
            vals: list[Any] = f.strip('"').split(",")
        else:
            sheet, ref = wb.defined_names[f].attr_text.split("!")
            vals = [r[0].value for r in wb[sheet.strip("'")][ref.replace("$", "")]]
        for rng in dv.sqref.ranges:
            out[ws.cell(1, range_boundaries(rng.coord)[0]).value] = vals
    return out


def header_of(spec: Any, key: str) -> str:
    return next(c.header for c in spec.columns if c.key == key)


class Filler:
    """Types rows into the template's data sheets by header, picking list values from the drop-downs."""

    def __init__(self, path: Path) -> None:
        self.wb = openpyxl.load_workbook(path)
        self.hh, self.mm = self.wb[HH.name], self.wb[MM.name]
        self.cols = {ws.title: {c.value: c.column for c in ws[1]} for ws in (self.hh, self.mm)}
        self.lists = {ws.title: offered(self.wb, ws) for ws in (self.hh, self.mm)}
        self.next_row = {HH.name: 2, MM.name: 2}

    def pick(self, sheet: str, key: str, value: Any) -> Any:
        spec = HH if sheet == HH.name else MM
        head = header_of(spec, key)
        if head in self.lists[sheet]:
            parts = value.split(";") if key == "nguyen_nhan_ngheo" else [value]
            for part in parts:
                assert part in self.lists[sheet][head], (head, value, self.lists[sheet][head])
        return value

    def add(self, sheet: str, row: dict[str, Any]) -> int:
        ws = self.wb[sheet]
        spec = HH if sheet == HH.name else MM
        r = self.next_row[sheet]
        for key, value in row.items():
            if value is None:
                continue
            ws.cell(row=r, column=self.cols[sheet][header_of(spec, key)], value=self.pick(sheet, key, value))
        self.next_row[sheet] = r + 1
        return r

    def save(self, path: Path) -> Path:
        self.wb.save(path)
        return path


def a_household(i: int, **kw: Any) -> dict[str, Any]:
    row = {"ma_ho": f"{CODE}-{i:04d}", "ho_ten_chu_ho": f"Nguyễn Văn Hộ {i}", "ma_xa": CODE, "thon": "Thôn Đông",
           "thu_nhap_bq": 2500000, "loai_nha": "Kiên cố", "dien_tich_nha": 60, "nguon_nuoc": "Nước máy",
           "nha_tieu": "Tự hoại", "su_dung_internet": "Có", "phuong_tien_thong_tin": "Có", "ho_nlndn": "Không",
           "ngay_ra_soat": "15/09/2024", "ra_soat_vien": "Trần Thị Bình"}
    return {**row, **kw}


def a_member(i: int, stt: int, *, year: int = 1980, female: bool = False, **kw: Any) -> dict[str, Any]:
    row = {"ma_ho": f"{CODE}-{i:04d}", "stt": stt, "ho_ten": f"Người {i}-{stt}",
           "so_dinh_danh": make_id(birth_year=year, female=female, serial=f"{i:04d}{stt:02d}"),
           "ngay_sinh": f"12/03/{year}", "gioi_tinh": "Nữ" if female else "Nam",
           "quan_he": "Chủ hộ" if stt == 1 else "Con", "dan_toc": "Kinh", "the_bhyt": "Có",
           "trinh_do": "THPT", "dang_di_hoc": "Không", "khuyet_tat": "Không"}
    if 15 <= 2024 - year <= 60:
        row["viec_lam"] = "Tự làm"
    if 2024 - year < 16:
        row["suy_dinh_duong"] = "Không"
    return {**row, **kw}


def validate_json(path: Path, *extra: str) -> dict[str, Any]:
    proc = run_hgn("validate", path, "--json", *extra, cwd=path.parent)
    assert "Traceback" not in proc.stderr, proc.stderr
    return json.loads(proc.stdout)


def classes(results: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(results, read_only=True)
    rows = list(wb[HH.name].iter_rows(values_only=True))
    keys = list(rows[1])
    ci = keys.index("phan_loai")
    hi = keys.index("ma_ho")
    return {r[hi]: r[ci] for r in rows[2:]}


# --------------------------------------------------------------------------------------------------- tests
def test_every_drop_down_value_offered_reads_back_without_a_finding(tmp_path: Path) -> None:
    """Households and members using every value of every drop-down (54 ethnic groups included), dates typed
    dd/mm/yyyy (and as Excel dates, and a birth year alone), IDs typed as text: validate finds nothing."""
    # guard (passes)
    f = Filler(write_tpl(tmp_path))
    hl, ml = f.lists[HH.name], f.lists[MM.name]
    n = 8
    causes = hl[header_of(HH, "nguyen_nhan_ngheo")]
    for i in range(1, n + 1):
        def cyc(key: str, i: int = i) -> Any:
            vals = hl[header_of(HH, key)]
            return vals[i % len(vals)]
        f.add(HH.name, a_household(
            i, khu_vuc="Nông thôn", loai_nha=cyc("loai_nha"), nguon_nuoc=cyc("nguon_nuoc"), nha_tieu=cyc("nha_tieu"),
            su_dung_internet=cyc("su_dung_internet"), phuong_tien_thong_tin=cyc("phuong_tien_thong_tin"),
            ho_nlndn=cyc("ho_nlndn"), nguoi_co_cong=cyc("nguoi_co_cong"), bao_tro_xa_hoi=cyc("bao_tro_xa_hoi"),
            phan_loai_dau_ky=cyc("phan_loai_dau_ky"), tinh_trang_ho="Đang cư trú",
            nguyen_nhan_ngheo=";".join(causes[(i - 1) % len(causes):(i - 1) % len(causes) + 2]),
            ngay_ra_soat=dt.datetime(2024, 9, 15) if i % 2 else "16/09/2024"))
    ethnic = ml[header_of(MM, "dan_toc")]
    assert len(ethnic) == 54
    relations = [r for r in ml[header_of(MM, "quan_he")] if r != "Chủ hộ"]
    jobs = ml[header_of(MM, "viec_lam")]
    levels = ml[header_of(MM, "trinh_do")]
    disab = ml[header_of(MM, "khuyet_tat")]
    school = {"Mầm non": 2020, "Tiểu học": 2016, "THCS": 2011, "THPT": 2008, "Nghề, cao đẳng, đại học": 2004}
    k = 0
    for i in range(1, n + 1):
        stt = 1
        f.add(MM.name, a_member(i, 1, dan_toc=ethnic[k % 54], trinh_do=levels[i % len(levels)],
                                viec_lam=jobs[i % len(jobs)], khuyet_tat=disab[i % len(disab)],
                                ngay_sinh=dt.datetime(1980, 3, 12) if i % 3 == 0 else "12/03/1980"))
        k += 1
        for j in range(7):
            stt += 1
            year = 1950 + 10 * j if j < 5 else 2019
            female = (i + j) % 2 == 1
            extra: dict[str, Any] = {"quan_he": relations[(i + j) % len(relations)], "dan_toc": ethnic[k % 54],
                                     "the_bhyt": "Có" if j else "Không"}
            if j == 6:  # a birth year alone, typed as Excel keeps it: a number
                extra["ngay_sinh"] = 1990
                year = 1990
            m = a_member(i, stt, year=year, female=female, **extra)
            if j == 6:
                m["viec_lam"] = "Tự làm"
            k += 1
            f.add(MM.name, m)
        lvl = list(school)[i % len(school)]
        stt += 1
        kid = a_member(i, stt, year=school[lvl], dang_di_hoc="Có", cap_hoc=lvl, trinh_do="Chưa đi học"
                       if lvl in ("Mầm non", "Tiểu học") else "Tiểu học" if lvl == "THCS" else "THCS",
                       suy_dinh_duong="Có" if i % 2 else "Không", dan_toc=ethnic[k % 54])
        k += 1
        if lvl == "Nghề, cao đẳng, đại học":
            kid["trinh_do"] = "THPT"
        f.add(MM.name, kid)
    filled = f.save(tmp_path / "da_dien.xlsx")
    res = validate_json(filled)
    assert res["summary"]["per_file"][0]["rows"] == {HH.name: n, MM.name: n * 9}
    assert res["findings"] == [], json.dumps(res["findings"], ensure_ascii=False, indent=1)[:3000]


def test_filled_template_classifies_as_the_standard_says(tmp_path: Path) -> None:
    """Five households typed into the template: the classes follow NĐ 07/2021 (rural line 1,500,000, inclusive;
    ≥ 3 deprivations poor; NLNDN above the line up to 2,250,000 average living standard)."""
    # guard (passes)
    f = Filler(write_tpl(tmp_path))
    poor_home = {"loai_nha": "Đơn sơ", "nha_tieu": "Không có", "su_dung_internet": "Không",
                 "phuong_tien_thong_tin": "Không"}
    f.add(HH.name, a_household(1, thu_nhap_bq=1200000))
    f.add(HH.name, a_household(2, thu_nhap_bq=1500000, **poor_home))
    f.add(HH.name, a_household(3, thu_nhap_bq=2000000, ho_nlndn="Có"))
    f.add(HH.name, a_household(4, thu_nhap_bq=2000000, ho_nlndn="Không"))
    f.add(HH.name, a_household(5, thu_nhap_bq=1500001, **poor_home))
    for i in range(1, 6):
        f.add(MM.name, a_member(i, 1))
        f.add(MM.name, a_member(i, 2, year=1982, female=True, quan_he="Vợ, chồng"))
    filled = f.save(tmp_path / "da_dien.xlsx")
    assert validate_json(filled)["findings"] == []
    out = tmp_path / "ket_qua.xlsx"
    proc = ok(run_hgn("classify", filled, "--out", out, "--json", cwd=tmp_path))
    summary = json.loads(proc.stdout)
    assert summary["households"] == 5 and summary["members"] == 10
    got = classes(out)
    assert got == {f"{CODE}-0001": "Cận nghèo", f"{CODE}-0002": "Nghèo", f"{CODE}-0003": "Mức sống trung bình",
                   f"{CODE}-0004": "Không nghèo", f"{CODE}-0005": "Không nghèo"}, got


def test_recorded_flags_picked_from_the_drop_down_agree_with_the_derived_ones(tmp_path: Path) -> None:
    """The "Thiếu hụt: …" drop-downs offer 1/0; flags picked from them that match the household's answers raise
    no cross-check finding, and the class is the same as without them."""
    # guard (passes)
    f = Filler(write_tpl(tmp_path))
    flag_keys = [c.key for c in HH.columns if c.type == "flag"]
    for key in flag_keys:
        assert f.lists[HH.name][header_of(HH, key)] == [1, 0]
    zero = dict.fromkeys(flag_keys, 0)
    poor = {**zero, "th_chat_luong_nha": 1, "th_nha_tieu": 1, "th_vien_thong": 1, "th_phuong_tien_thong_tin": 1}
    f.add(HH.name, a_household(1, thu_nhap_bq=1200000, **zero))
    f.add(HH.name, a_household(2, thu_nhap_bq=1500000, loai_nha="Đơn sơ", nha_tieu="Không có",
                               su_dung_internet="Không", phuong_tien_thong_tin="Không", **poor))
    for i in (1, 2):
        f.add(MM.name, a_member(i, 1))
    filled = f.save(tmp_path / "da_dien.xlsx")
    assert validate_json(filled)["findings"] == []
    out = tmp_path / "ket_qua.xlsx"
    ok(run_hgn("classify", filled, "--out", out, cwd=tmp_path))
    assert classes(out) == {f"{CODE}-0001": "Cận nghèo", f"{CODE}-0002": "Nghèo"}


@pytest.fixture(scope="module")
def tpl(tmp_path_factory: pytest.TempPathFactory) -> Workbook:
    return openpyxl.load_workbook(write_tpl(tmp_path_factory.mktemp("tpl16")))


def test_headers_keys_and_drop_downs_agree_with_layout_and_spec(tpl: Workbook) -> None:
    """Row 1 of each data sheet is the layout's headers in order; every coded column of return-format.md has a
    drop-down offering exactly the spec's values (in the spec's order); the ethnic list has the 54 groups."""
    # guard (passes)
    for spec in (HH, MM):
        ws = tpl[spec.name]
        assert [c.value for c in ws[1]] == [c.header for c in spec.columns]
        lists = offered(tpl, ws)
        for col in spec.columns:
            if col.key in SPEC_CHOICES:
                assert lists[col.header] == SPEC_CHOICES[col.key], col.key
        assert set(SPEC_REQUIRED[spec.role]) <= {c.key for c in spec.columns}
    assert offered(tpl, tpl[HH.name])[header_of(HH, "ma_xa")] == [CODE]
    assert len(offered(tpl, tpl[MM.name])[header_of(MM, "dan_toc")]) == 54


def test_spec_required_columns_are_orange_and_said_required_in_the_guide(tpl: Workbook) -> None:
    """Every column return-format.md calls required has the orange "required" header and the guide's
    "Bắt buộc"; the income pair is "one of the two"."""
    # guard (passes)
    guide = list(tpl["Hướng dẫn"].iter_rows(values_only=True))
    start = next(i for i, r in enumerate(guide) if r[:2] == ("Sheet", "Khóa"))
    table = {(r[0], r[1]): r for r in guide[start + 1:] if r[1]}
    assert len(table) == len(HH.columns) + len(MM.columns)
    for spec in (HH, MM):
        ws = tpl[spec.name]
        fills = {c.value: c.fill.fgColor.rgb[-6:] for c in ws[1]}
        for key in SPEC_REQUIRED[spec.role]:
            assert fills[header_of(spec, key)] == "FCE4D6", key
            row = table[(spec.name, key)]
            assert row[2] == header_of(spec, key) and row[3] == "Bắt buộc", row
        for col in spec.columns:
            if col.choices and col.type not in ("yesno", "flag"):
                assert " / ".join(col.choices) in (table[(spec.name, col.key)][5] or ""), col.key
    assert table[(HH.name, "thu_nhap_bq")][3] == 'Bắt buộc một trong hai: cột này hoặc "Điểm B1"'


def test_personal_id_column_is_marked_required_as_the_spec_says(tpl: Workbook) -> None:
    """return-format.md: `so_dinh_danh` is required ("yes; a missing number is a finding, not a rejection"), and
    the guide tells the officer "orange header: required column". The ID column — the link of every person to
    the national population database — is painted blue (optional), so an officer reads it as optional.
    Cause: template._write_data_sheet colours by `col.required` only, ignoring `required_soft`."""
    ws = tpl[MM.name]
    fills = {c.value: c.fill.fgColor.rgb[-6:] for c in ws[1]}
    assert fills[header_of(MM, "so_dinh_danh")] == "FCE4D6"


def test_every_text_of_the_template_is_nfc_vietnamese(tpl: Workbook) -> None:
    """Sheet names, headers, lists, guide and info are precomposed (NFC) Vietnamese with full diacritics."""
    # guard (passes)
    texts = list(tpl.sheetnames)
    for ws in tpl:
        for row in ws.iter_rows(values_only=True):
            texts += [v for v in row if isinstance(v, str)]
    assert all(unicodedata.normalize("NFC", t) == t for t in texts)
    assert tpl.sheetnames == ["Hướng dẫn", "Thông tin", "Hộ gia đình", "Thành viên", "Danh mục"]
    info = dict(list(tpl["Thông tin"].iter_rows(values_only=True))[1:])
    assert info == {"Mã xã": CODE, "Tên xã": "Xã Chi Lăng Nam", "Huyện": "Huyện Thanh Miện",
                    "Tỉnh": "Tỉnh Hải Dương", "Khu vực": "Nông thôn", "Năm rà soát": 2024, "Mẫu biểu": "hgn v1"}
    guide = [r[0] for r in tpl["Hướng dẫn"].iter_rows(max_row=14, values_only=True) if r[0]]
    assert any("Số định danh cá nhân ghi đủ 12 chữ số" in g for g in guide)


def test_cli_lang_en_writes_the_english_instructions(tmp_path: Path) -> None:
    """`hgn template --lang en` answers in English ("Written: …") but writes the instruction sheet and the
    drop-down messages in Vietnamese: the library can write them in English (write_template(lang="en")), the
    command does not ask it to. Cause: cli.template calls write_template(out, commune, year, as_of=…) without
    lang=lang."""
    path = tmp_path / "return.xlsx"
    proc = ok(run_hgn("template", "--commune", CODE, "--year", "2024", "--out", path, "--lang", "en", cwd=tmp_path))
    assert "Written" in proc.stdout
    wb = openpyxl.load_workbook(path)
    guide = [r[0] for r in wb["Hướng dẫn"].iter_rows(max_row=14, values_only=True) if r[0]]
    assert any("This file is one commune's return" in g for g in guide), guide[:3]


def test_cli_folder_output_is_named_by_the_code_not_the_typed_text(tmp_path: Path) -> None:
    """A commune code pasted with a trailing space is accepted (the code is read as 11284), but with a folder as
    --out the file is named "hgn-11284 -2024.xlsx", not the documented "hgn-<code>-<year>.xlsx" the library
    uses. Cause: cli.template names the file from the raw --commune text before write_template resolves it."""
    folder = tmp_path / "mau"
    folder.mkdir()
    ok(run_hgn("template", "--commune", f"{CODE} ", "--year", "2024", "--out", folder, cwd=tmp_path))
    assert [p.name for p in folder.iterdir()] == [f"hgn-{CODE}-2024.xlsx"]


def test_cli_unknown_code_is_refused_clearly_and_writes_nothing(tmp_path: Path) -> None:
    # guard (passes)
    out = tmp_path / "x.xlsx"
    proc = run_hgn("template", "--commune", "99999", "--year", "2024", "--out", out, cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert 'Mã xã "99999" không có trong danh mục đơn vị hành chính ngày 01/09/2024' in proc.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []
    proc = run_hgn("template", "--commune", "99999", "--year", "2024", "--out", out, "--lang", "en", cwd=tmp_path)
    assert proc.returncode == 2 and 'Commune code "99999" is not in the list' in proc.stderr


def test_cli_old_code_after_the_reform_is_refused_with_its_successor(tmp_path: Path) -> None:
    """11287 (Xã Thanh Giang) went into 11284 Xã Nam Thanh Miện on 1/7/2025: a 2025 round (list of 1/9/2025) or
    a list date of 1/7/2025 refuses it naming the successor; the day before, it is still a commune."""
    # guard (passes)
    out = tmp_path / "x.xlsx"
    for extra in ((), ("--as-of", "01/07/2025")):
        proc = run_hgn("template", "--commune", "11287", "--year", "2025", "--out", out, *extra, cwd=tmp_path)
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert "Xã Thanh Giang" in proc.stderr and "11284 Xã Nam Thanh Miện" in proc.stderr
        assert not out.exists()
    ok(run_hgn("template", "--commune", "11287", "--year", "2025", "--out", out, "--as-of", "30/06/2025",
               cwd=tmp_path))
    info = dict(list(openpyxl.load_workbook(out)["Thông tin"].iter_rows(values_only=True))[1:])
    assert info["Tên xã"] == "Xã Thanh Giang"
