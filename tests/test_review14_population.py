"""Review 14: the person-level list for the national population database (danh_sach_csdl_dan_cu*.xlsx/.csv).

forms.md: one row per person of every poor and near-poor household, keyed by the 12-digit personal identification
number, with household code, full name, date of birth, sex, relation to head, ethnicity, commune code, village,
household class and category, standard and review year; "Numbers are written as text so the leading zero
survives. A person without a valid number is not silently dropped: the list says who is missing and why."
README: the CSV copy is UTF-8 with BOM; a list longer than a sheet is split by commune; --mask-pii masks IDs (all but
the last four digits) and names (initials) in the shared outputs.

Each failing test names what is wrong; tests marked `# guard (passes)` hold behaviour that is right today.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import openpyxl

from conftest import app_row, household, make_app_return, make_id, make_return, member
from hgn_review.pipeline import classify_paths
from hgn_review.reports import make_report

POOR = {"thu_nhap_bq": 1000000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
NEAR = {"thu_nhap_bq": 1400000}  # rural: under the 1.5 million line, fewer than three deprivations
AVERAGE = {"thu_nhap_bq": 1900000}  # NLNDN household above the near-poor line, under the average-living line
RICH = {"thu_nhap_bq": 5000000, "ho_nlndn": "Không"}

LIST = "danh_sach_csdl_dan_cu"
HEADERS = ["Số định danh cá nhân", "Mã hộ", "Họ và tên", "Ngày sinh", "Giới tính", "Quan hệ với chủ hộ", "Dân tộc",
           "Mã xã", "Tên xã", "Thôn, tổ dân phố", "Phân loại hộ", "Diện hộ", "Chuẩn nghèo áp dụng", "Năm rà soát"]


def report(tmp_path: Path, paths: list[Path], **kw: Any) -> Path:
    run = classify_paths(paths)
    out = tmp_path / "bao_cao"
    make_report(run.results, out, **kw)
    return out


def csv_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, as the README says"
    reader = csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def sheet_rows(path: Path, prefix: str) -> list[list[openpyxl.cell.cell.Cell]]:
    """Data rows (header left out) of every sheet whose name starts with ``prefix``."""
    wb = openpyxl.load_workbook(path)
    out = []
    for ws in wb.worksheets:
        if ws.title.startswith(prefix):
            out.extend(list(r) for r in ws.iter_rows(min_row=2))
    return out


# ------------------------------------------------------------------------------------------ who and which columns
def test_list_holds_exactly_the_poor_and_near_poor_persons_with_the_spec_columns(tmp_path: Path) -> None:
    # guard (passes): a poor household (poor at the start too: "Cũ"), a near-poor one (new: "Mới"), an
    # average-living one and a non-poor one; the CSV and the sheet hold exactly the five persons of the first two,
    # each once, with the columns of forms.md in order and the class, category, standard and year filled.
    inp = tmp_path / "in"
    make_return(inp, [
        household(ma_ho="11284-0001", phan_loai_dau_ky="Nghèo", **POOR),
        household(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị Cúc", thon="Thôn Tây", **NEAR),
        household(ma_ho="11284-0003", ho_ten_chu_ho="Phạm Văn Dũng", **AVERAGE),
        household(ma_ho="11284-0004", ho_ten_chu_ho="Hoàng Văn Em", **RICH),
    ], [
        member(),
        member(stt=2, ho_ten="Nguyễn Thị Hoa", so_dinh_danh=make_id(birth_year=1982, female=True, serial="000002"),
               ngay_sinh="01/02/1982", gioi_tinh="Nữ", quan_he="Vợ, chồng"),
        member(stt=3, ho_ten="Nguyễn Văn Bé", so_dinh_danh=make_id(birth_year=2012, serial="000003"),
               ngay_sinh="05/06/2012", quan_he="Con", viec_lam=None, trinh_do="Tiểu học", dang_di_hoc="Có",
               cap_hoc="Tiểu học"),
        member(ma_ho="11284-0002", ho_ten="Lê Thị Cúc", so_dinh_danh=make_id(birth_year=1975, female=True,
                                                                             serial="000004"),
               ngay_sinh="01/02/1975", gioi_tinh="Nữ", dan_toc="Tày"),
        member(ma_ho="11284-0002", stt=2, ho_ten="Lê Văn Đức", so_dinh_danh=make_id(birth_year=1970, serial="000005"),
               ngay_sinh="03/04/1970", quan_he="Vợ, chồng", dan_toc="Tày"),
        member(ma_ho="11284-0003", ho_ten="Phạm Văn Dũng", so_dinh_danh=make_id(birth_year=1970, serial="000006")),
        member(ma_ho="11284-0004", ho_ten="Hoàng Văn Em", so_dinh_danh=make_id(birth_year=1970, serial="000007")),
    ])
    out = report(tmp_path, [inp / "11284_2024.xlsx"])
    header, rows = csv_rows(out / f"{LIST}.csv")
    assert header == HEADERS
    got = sorted((r["Họ và tên"], r["Mã hộ"], r["Phân loại hộ"], r["Diện hộ"]) for r in rows)
    assert got == sorted([
        ("Nguyễn Văn An", "11284-0001", "Nghèo", "Cũ"), ("Nguyễn Thị Hoa", "11284-0001", "Nghèo", "Cũ"),
        ("Nguyễn Văn Bé", "11284-0001", "Nghèo", "Cũ"),
        ("Lê Thị Cúc", "11284-0002", "Cận nghèo", "Mới"), ("Lê Văn Đức", "11284-0002", "Cận nghèo", "Mới")]), got
    cuc = next(r for r in rows if r["Họ và tên"] == "Lê Thị Cúc")
    assert cuc == {"Số định danh cá nhân": make_id(birth_year=1975, female=True, serial="000004"),
                   "Mã hộ": "11284-0002", "Họ và tên": "Lê Thị Cúc", "Ngày sinh": "01/02/1975", "Giới tính": "Nữ",
                   "Quan hệ với chủ hộ": "Chủ hộ", "Dân tộc": "Tày", "Mã xã": "11284", "Tên xã": "Xã Chi Lăng Nam",
                   "Thôn, tổ dân phố": "Thôn Tây", "Phân loại hộ": "Cận nghèo", "Diện hộ": "Mới",
                   "Chuẩn nghèo áp dụng": "vn-2022-2025", "Năm rà soát": "2024"}, cuc
    wb = openpyxl.load_workbook(out / f"{LIST}.xlsx")
    assert [c.value for c in wb["Danh sách"][1]] == HEADERS
    assert sorted(r[2].value for r in sheet_rows(out / f"{LIST}.xlsx", "Danh sách")) == sorted(g[0] for g in got)
    assert sheet_rows(out / f"{LIST}.xlsx", "Chưa có số định danh") == []


# ------------------------------------------------------------------------------------------ IDs as text
def test_ids_and_codes_with_leading_zeros_stay_text_in_the_xlsx_and_the_csv(tmp_path: Path) -> None:
    # guard (passes): Phường Phúc Xá (Hà Nội, commune 00001); the head's ID 001080001234 typed as text, the wife's
    # 001182000002 stored by Excel as the number 1182000002 (both leading zeros lost, restored on reading): in the
    # CSV both are the 12 characters, the commune "00001"; in the sheet both are text cells formatted "@", never a
    # number nor "1.18E+09".
    inp = tmp_path / "in"
    urban_poor = {"thu_nhap_bq": 1500000, "loai_nha": "Đơn sơ", "nguon_nuoc": "Khác", "nha_tieu": "Không có"}
    wife = make_id(prefix="001", birth_year=1982, female=True, serial="000002")
    make_return(inp, [household(ma_ho="00001-0001", ma_xa="00001", **urban_poor)],
                [member(ma_ho="00001-0001", so_dinh_danh="001080001234"),
                 member(ma_ho="00001-0001", stt=2, ho_ten="Nguyễn Thị Hoa", so_dinh_danh=int(wife),
                        ngay_sinh="01/02/1982", gioi_tinh="Nữ", quan_he="Vợ, chồng")],
                name="00001_2024.xlsx", numbers={"members": ["so_dinh_danh"]})
    out = report(tmp_path, [inp / "00001_2024.xlsx"])
    _, rows = csv_rows(out / f"{LIST}.csv")
    assert sorted((r["Số định danh cá nhân"], r["Mã xã"]) for r in rows) == [("001080001234", "00001"),
                                                                          (wife, "00001")]
    text = (out / f"{LIST}.csv").read_text("utf-8-sig")
    assert "E+" not in text and ",1080001234," not in text
    for row in sheet_rows(out / f"{LIST}.xlsx", "Danh sách"):
        for cell in (row[0], row[7]):
            assert cell.data_type == "s" and cell.number_format == "@", (cell.value, cell.data_type)
    assert sorted(r[0].value for r in sheet_rows(out / f"{LIST}.xlsx", "Danh sách")) == ["001080001234", wife]


def test_an_id_retyped_as_a_number_in_the_results_workbook_is_not_listed_as_an_11_digit_key(tmp_path: Path) -> None:
    """Input: a poor household of two; `hgn classify` writes the results workbook; in its "Thành viên" sheet the
    wife's ID 030190000777 is retyped by an officer in Excel, which stores the number 30190000777 (the leading zero
    dropped, as domain.md warns); `hgn report` on that workbook. Now: danh_sach_csdl_dan_cu.csv (and the sheet)
    carries "30190000777" — eleven digits — as her population-database key, and the "Chưa có số định danh" sheet /
    CSV is empty: no reason, no restoring. Must: forms.md — the list is keyed by the 12-digit ID, numbers as text so
    the leading zero survives, and a person without a valid number is listed as such with the reason; validation of
    a return restores exactly this case (an 11-digit number with a valid province prefix → "030…"). Cause:
    io/results.py `read_results`/`_restore_types` reads so_dinh_danh as any string, and reports/population.py
    `prepare` trusts dinh_danh_loi from the classification instead of checking that the key it prints is 12
    digits."""
    inp = tmp_path / "in"
    mai = make_id(birth_year=1990, female=True, serial="000777")
    path = make_return(inp, [household(**POOR)], [
        member(), member(stt=2, ho_ten="Nguyễn Thị Mai", so_dinh_danh=mai, ngay_sinh="01/01/1990", gioi_tinh="Nữ",
                         quan_he="Con")])
    run = classify_paths([path])
    from hgn_review.io.results import write_results

    results = tmp_path / "ket_qua.xlsx"
    write_results(run.results, results)
    wb = openpyxl.load_workbook(results)
    ws = wb["Thành viên"]
    keys = [c.value for c in ws[2]]
    col = keys.index("so_dinh_danh") + 1
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, col).value == mai)
    ws.cell(row, col).value = int(mai)  # 30190000777, as Excel keeps a retyped 030190000777
    wb.save(results)
    out = tmp_path / "bao_cao"
    make_report(results, out)
    _, rows = csv_rows(out / f"{LIST}.csv")
    keys_written = [r["Số định danh cá nhân"] for r in rows if r["Số định danh cá nhân"]]
    assert all(len(k) == 12 and k.isdigit() for k in keys_written), keys_written
    _, missing = csv_rows(out / f"{LIST}_chua_co_dinh_danh.csv")
    mai_row = next(r for r in rows if r["Họ và tên"] == "Nguyễn Thị Mai")
    assert mai_row["Số định danh cá nhân"] == mai or any(r["Họ và tên"] == "Nguyễn Thị Mai" for r in missing)


# ------------------------------------------------------------------------------------------ persons without a valid ID
def test_missing_invalid_and_shared_ids_are_listed_with_their_reasons_never_dropped(tmp_path: Path) -> None:
    # guard (passes): in one poor household a child without ID, a wife whose ID says male, a son whose ID has an
    # unknown province prefix, a daughter with an 11-digit ID typed as text; and a person whose ID is also written
    # in another commune's return (a household listed in two units). Each stays on the list with the ID column
    # blank and is on the "Chưa có số định danh" sheet and CSV with the reason; the shared ID is printed for
    # neither holder; persons with a good ID keep it.
    inp = tmp_path / "in"
    shared = make_id(birth_year=1995, female=True, serial="000777")
    make_return(inp, [household(**POOR)], [
        member(),
        member(stt=2, ho_ten="Trần Thị Vợ", so_dinh_danh=make_id(birth_year=1982, serial="000002"),
               ngay_sinh="01/02/1982", gioi_tinh="Nữ", quan_he="Vợ, chồng"),
        member(stt=3, ho_ten="Nguyễn Văn Tí", so_dinh_danh=None, ngay_sinh="01/01/2015", quan_he="Con",
               viec_lam=None, trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc="Tiểu học"),
        member(stt=4, ho_ten="Nguyễn Văn Sửu", so_dinh_danh=make_id(prefix="099", birth_year=2005, serial="000004"),
               ngay_sinh="01/01/2005", quan_he="Con"),
        member(stt=5, ho_ten="Nguyễn Thị Dần", so_dinh_danh="03030000005", ngay_sinh="01/01/2003",
               gioi_tinh="Nữ", quan_he="Con"),
        member(stt=6, ho_ten="Nguyễn Thị Mão", so_dinh_danh=shared, ngay_sinh="01/01/1995", gioi_tinh="Nữ",
               quan_he="Con"),
    ])
    make_return(inp, [household(ma_ho="11287-0001", ma_xa="11287", ho_ten_chu_ho="Lê Văn Bảo", **POOR)], [
        member(ma_ho="11287-0001", ho_ten="Lê Văn Bảo", so_dinh_danh=make_id(serial="000010")),
        member(ma_ho="11287-0001", stt=2, ho_ten="Nguyễn Thị Mão", so_dinh_danh=shared, ngay_sinh="01/01/1995",
               gioi_tinh="Nữ", quan_he="Vợ, chồng"),
    ], name="11287_2024.xlsx")
    out = report(tmp_path, [inp / "11284_2024.xlsx", inp / "11287_2024.xlsx"])
    _, rows = csv_rows(out / f"{LIST}.csv")
    listed = sorted((r["Mã hộ"], r["Họ và tên"], r["Số định danh cá nhân"]) for r in rows)
    assert listed == sorted([
        ("11284-0001", "Nguyễn Văn An", "030080001234"), ("11284-0001", "Trần Thị Vợ", ""),
        ("11284-0001", "Nguyễn Văn Tí", ""), ("11284-0001", "Nguyễn Văn Sửu", ""),
        ("11284-0001", "Nguyễn Thị Dần", ""), ("11284-0001", "Nguyễn Thị Mão", ""),
        ("11287-0001", "Lê Văn Bảo", make_id(serial="000010")), ("11287-0001", "Nguyễn Thị Mão", "")]), listed
    _, missing = csv_rows(out / f"{LIST}_chua_co_dinh_danh.csv")
    reasons = sorted((r["Mã hộ"], r["Họ và tên"], r["Lý do chưa có số định danh hợp lệ"]) for r in missing)
    assert reasons == sorted([
        ("11284-0001", "Trần Thị Vợ", "Chữ số thứ 4 không khớp giới tính, thế kỷ sinh"),
        ("11284-0001", "Nguyễn Văn Tí", "Chưa có số định danh"),
        ("11284-0001", "Nguyễn Văn Sửu", "Mã nơi đăng ký khai sinh (3 chữ số đầu) không hợp lệ"),
        ("11284-0001", "Nguyễn Thị Dần", "Sai định dạng (không phải 12 chữ số)"),
        ("11284-0001", "Nguyễn Thị Mão", "Trùng số định danh với người khác"),
        ("11287-0001", "Nguyễn Thị Mão", "Trùng số định danh với người khác")]), reasons
    sheet = sorted((r[0].value, r[1].value, r[8].value) for r in sheet_rows(out / f"{LIST}.xlsx", "Chưa có số"))
    assert sheet == reasons
    assert shared not in (out / f"{LIST}.csv").read_text("utf-8-sig")


def test_head_of_an_application_export_household_keeps_the_sex_the_export_records(tmp_path: Path) -> None:
    """Input: the review application's export (layout 2, one row per household, no member rows) with a near-poor
    household headed by Nguyễn Văn An (family.hostGender "Nam") and a poor one headed by Lê Thị Cúc ("Nữ").
    Now: each head is on danh_sach_csdl_dan_cu.csv (and the sheet) as the household's one person, "Chủ hộ", but
    the "Giới tính" column is blank for both, though the results hold gioi_tinh_chu_ho = Nam / Nữ for them.
    Must: forms.md — the list carries each person's sex; a value the return states is not dropped on the way to
    the list. Cause: reports/view.py `_persons` builds the head's row of a household without member rows with
    gioi_tinh=pd.NA instead of the household's gioi_tinh_chu_ho."""
    inp = tmp_path / "in"
    inp.mkdir()
    path = make_app_return(inp, [
        app_row(),
        app_row(ma_ho="11284-0002", ho_ten_chu_ho="Lê Thị Cúc", gioi_tinh_chu_ho="Nữ", diem_b1=100,
                phan_loai_ghi="Nghèo", th_viec_lam=1, th_nha_tieu=1)])
    run = classify_paths([path])
    hh = run.results.households.set_index("ma_ho")
    assert hh.loc["11284-0001", "gioi_tinh_chu_ho"] == "Nam" and hh.loc["11284-0002", "gioi_tinh_chu_ho"] == "Nữ"
    out = tmp_path / "bao_cao"
    make_report(run.results, out)
    _, rows = csv_rows(out / f"{LIST}.csv")
    got = sorted((r["Họ và tên"], r["Quan hệ với chủ hộ"], r["Giới tính"]) for r in rows)
    assert got == [("Lê Thị Cúc", "Chủ hộ", "Nữ"), ("Nguyễn Văn An", "Chủ hộ", "Nam")], got


# ------------------------------------------------------------------------------------------ --mask-pii
def test_mask_pii_masks_ids_and_names_and_nothing_else(tmp_path: Path) -> None:
    # guard (passes): with --mask-pii the list (sheet and both CSVs) shows IDs as ********1234 and names as
    # initials; the household code, date of birth, sex, relation, ethnicity, commune, village, class, category,
    # standard and year are exactly those of the unmasked list, and no whole ID or full name is left anywhere.
    inp = tmp_path / "in"
    make_return(inp, [household(**POOR)], [
        member(),
        member(stt=2, ho_ten="Đặng Thị Hoà", so_dinh_danh=make_id(birth_year=1982, female=True, serial="000002"),
               ngay_sinh="01/02/1982", gioi_tinh="Nữ", quan_he="Vợ, chồng"),
        member(stt=3, ho_ten="Nguyễn Văn Tí", so_dinh_danh=None, ngay_sinh="01/01/2015", quan_he="Con",
               viec_lam=None, trinh_do="Tiểu học", dang_di_hoc="Có", cap_hoc="Tiểu học"),
    ])
    run = classify_paths([inp / "11284_2024.xlsx"])
    plain, masked = tmp_path / "plain", tmp_path / "masked"
    make_report(run.results, plain)
    make_report(run.results, masked, mask_pii=True)
    _, p_rows = csv_rows(plain / f"{LIST}.csv")
    _, m_rows = csv_rows(masked / f"{LIST}.csv")
    assert [r["Số định danh cá nhân"] for r in m_rows] == ["********1234", "********0002", ""]
    assert [r["Họ và tên"] for r in m_rows] == ["N. V. A.", "Đ. T. H.", "N. V. T."]
    kept = [h for h in HEADERS if h not in ("Số định danh cá nhân", "Họ và tên")]
    assert [[r[h] for h in kept] for r in m_rows] == [[r[h] for h in kept] for r in p_rows]
    _, m_missing = csv_rows(masked / f"{LIST}_chua_co_dinh_danh.csv")
    assert [(r["Họ và tên"], r["Ngày sinh"]) for r in m_missing] == [("N. V. T.", "01/01/2015")]
    blob = (masked / f"{LIST}.csv").read_text("utf-8-sig") + (masked / f"{LIST}_chua_co_dinh_danh.csv").read_text(
        "utf-8-sig")
    blob += " ".join(str(c.value) for ws in openpyxl.load_workbook(masked / f"{LIST}.xlsx").worksheets
                     for r in ws.iter_rows() for c in r if c.value is not None)
    for secret in ("030080001234", make_id(birth_year=1982, female=True, serial="000002"), "Nguyễn Văn An",
                   "Đặng Thị Hoà", "Nguyễn Văn Tí"):
        assert secret not in blob, secret


# ------------------------------------------------------------------------------------------ longer than a sheet
def test_a_list_longer_than_a_sheet_is_split_with_every_person_once(tmp_path: Path) -> None:
    # guard (passes): 7 poor persons in 11284 (three households) and 1 in 11287, sheets of 3 data rows
    # (max_rows=4, standing for Excel's 1,048,576): the list is split over sheets "Danh sách (1)" …, each with the
    # header row and at most 3 persons, 11287's person never on a sheet of 11284's; every person exactly once over
    # the sheets, and the CSV (no row limit) holds all 8 in one file.
    inp = tmp_path / "in"
    hhs, mms = [], []
    for i, size in enumerate((3, 2, 2), start=1):
        code = f"11284-{i:04d}"
        hhs.append(household(ma_ho=code, ho_ten_chu_ho=f"Chủ Hộ {i}", **POOR))
        for s in range(1, size + 1):
            mms.append(member(ma_ho=code, stt=s, ho_ten=f"Người {i} {s}", quan_he="Chủ hộ" if s == 1 else "Con",
                              so_dinh_danh=make_id(birth_year=1980, serial=f"{i:03d}{s:03d}")))
    make_return(inp, hhs, mms)
    make_return(inp, [household(ma_ho="11287-0001", ma_xa="11287", ho_ten_chu_ho="Người 9 1", **POOR)],
                [member(ma_ho="11287-0001", ho_ten="Người 9 1", so_dinh_danh=make_id(serial="009001"))],
                name="11287_2024.xlsx")
    out = report(tmp_path, [inp / "11284_2024.xlsx", inp / "11287_2024.xlsx"], max_rows=4)
    wb = openpyxl.load_workbook(out / f"{LIST}.xlsx")
    parts = [ws for ws in wb.worksheets if ws.title.startswith("Danh sách (")]
    assert len(parts) >= 3
    seen: list[str] = []
    for ws in parts:
        rows = list(ws.iter_rows(values_only=True))
        assert list(rows[0]) == HEADERS
        assert 1 <= len(rows) - 1 <= 3
        communes = {r[7] for r in rows[1:]}
        assert len(communes) == 1, (ws.title, communes)
        seen.extend(r[2] for r in rows[1:])
    expected = sorted([f"Người {i} {s}" for i, n in ((1, 3), (2, 2), (3, 2)) for s in range(1, n + 1)] + ["Người 9 1"])
    assert sorted(seen) == expected
    _, rows_csv = csv_rows(out / f"{LIST}.csv")
    assert sorted(r["Họ và tên"] for r in rows_csv) == expected
