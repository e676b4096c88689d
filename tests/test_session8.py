"""Session 8: checks added with this session's changes."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from conftest import household, make_return, member, ok, run_hgn
from hgn_review.io.results import read_results


def test_results_workbook_findings_sheet_speaks_vietnamese_and_reads_back(tmp_path: Path) -> None:
    """The findings sheet of a results workbook — the commune's own workbook sent back to it — has Vietnamese
    headers and severities ("Lỗi", not "error"); read back, the findings carry their severity codes."""
    folder = tmp_path / "in"
    folder.mkdir()
    make_return(folder, [household(thon=None)])  # a required cell left blank: an error of the return
    out = tmp_path / "kq.xlsx"
    ok(run_hgn("classify", folder, "--out", out, cwd=tmp_path))
    ws = openpyxl.load_workbook(out, read_only=True)["Phát hiện"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    head, keys = rows[0], rows[1]
    at = keys.index("severity")
    assert head[at] == "Mức độ" and head[keys.index("message")] == "Nội dung"
    assert not {"column", "cell", "key", "code", "severity", "message", "hint", "value"} & set(head)
    severities = {r[at] for r in rows[2:]}
    assert "Lỗi" in severities and not severities & {"error", "warning", "info"}
    back = read_results(out).findings
    assert "error" in set(back["severity"]) and not set(back["severity"]) & {"Lỗi", "Cảnh báo", "Thông tin"}


@pytest.mark.parametrize(("text", "line", "words"), [
    ("id: x\nname: [a, b\nincome_line: {\n", 2, "'['"),  # a list never closed: where it opens
    ("id: x\n\tname: y\n", 2, "Tab"),
    ("id: x\n  name: y\nfoo: bar\n", 2, "':'"),
    ('id: x\nname: "abc\n', 2, "nháy"),
    ("id: x\nid: y\n", 2, "hai lần"),
])
def test_a_standard_file_that_is_not_yaml_is_explained_in_vietnamese_at_its_line(
        tmp_path: Path, text: str, line: int, words: str) -> None:
    """A hand-edited standard file with a YAML slip: the message says, in Vietnamese, the line where to look and
    what is wrong — not PyYAML's English ("while parsing a flow sequence … expected ',' or ']'")."""
    bad = tmp_path / "chuan.yaml"
    bad.write_text(text, "utf-8")
    proc = run_hgn("standard", "check", bad, cwd=tmp_path)
    assert proc.returncode == 3, proc.stderr
    assert f"dòng {line}," in proc.stderr and words in proc.stderr
    assert not re.search(r"\b(while|expected|found|mapping values|scanning)\b", proc.stderr)
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(("args", "words"), [
    (("sample", "--out", "x", "--communes", "abc"), "cần một số nguyên"),
    (("sample", "--out", "x", "--error-rate", "nhiều"), "cần một số"),
    (("validate", ".", "--layout", "mau.yaml"), "“mau.yaml” không phải một trong các giá trị"),
])
def test_a_bad_option_value_is_explained_in_vietnamese(tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    """An option given a value of the wrong kind: click's English ("Input should be a valid integer", "is not one
    of") is said in Vietnamese; exit code 2 (usage)."""
    proc = run_hgn(*args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stderr
    assert words in proc.stderr
    assert not re.search(r"Input should|is not one of|unable to parse", proc.stderr)


def test_rows_with_text_only_beside_the_list_are_reported_once_with_their_range(tmp_path: Path) -> None:
    """Rows whose list columns are blank but which hold text further right (a table by village beside the list)
    are no households, and are not dropped silently: one information finding names their rows."""
    import json

    path = make_return(tmp_path, [household(ma_ho="11284-0001")], [member(ma_ho="11284-0001")])
    wb = openpyxl.load_workbook(path)
    ws = wb["Hộ gia đình"]
    far = ws.max_column + 2
    for r, text in ((1, "Bảng theo thôn"), (2, "Thôn Đông"), (3, "Thôn Tây"), (4, "Thôn Nam"), (6, "Cộng")):
        ws.cell(r, far, text)
    wb.save(path)
    proc = run_hgn("validate", path, "--json", cwd=tmp_path)
    found = json.loads(proc.stdout)["findings"]
    beside = [f for f in found if f["code"] == "rows-beside-list"]
    assert len(beside) == 1 and beside[0]["row"] == 3 and "3–4, 6" in beside[0]["message"]
    assert not [f for f in found if f["code"] == "value-required"]


def test_run_sets_apart_a_return_of_another_years_round(tmp_path: Path) -> None:
    """A folder with two returns of the 2024 round and an old 2023 return of a third commune: the old one is set
    apart (file-outside-round, its households not in the consolidation) and the round goes on with the two."""
    folder = tmp_path / "in"
    folder.mkdir()
    for code, day in (("11284", "15/09/2024"), ("11287", "15/09/2024"), ("11293", "15/09/2023")):
        make_return(folder, [household(ma_ho=f"{code}-1", ma_xa=code, ngay_ra_soat=day)],
                    [member(ma_ho=f"{code}-1")], name=f"{code}.xlsx")
    proc = run_hgn("run", folder, "--out", tmp_path / "out", cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    ws = openpyxl.load_workbook(tmp_path / "out" / "phat_hien.xlsx", read_only=True).worksheets[0]
    rows = [r for r in ws.iter_rows(values_only=True)]
    code_at = rows[0].index("Mã lỗi")
    outside = [r for r in rows[1:] if r[code_at] == "file-outside-round"]
    assert len(outside) == 1 and "11293" in str(outside[0][0]) and "2023" in " ".join(map(str, outside[0]))
    hh = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet")
    assert sorted(hh["ma_xa"].astype(str).unique()) == ["11284", "11287"]


def _classified(tmp_path: Path, son: dict[str, object]) -> pd.Series:
    """Household A (income 1,000,000, rural; non-durable house and unsafe water: 2 deprivations) with a head, his
    wife and a son known only by his birth year 2008 (15 or 16 on the review date 15/09/2024)."""
    from conftest import make_id

    ret = make_return(tmp_path, [household(ma_ho="A", thu_nhap_bq=1000000, loai_nha="Đơn sơ", nguon_nuoc="Khác")], [
        member(ma_ho="A"),
        member(ma_ho="A", stt=2, ho_ten="Trần Thị Hoa", quan_he="Vợ, chồng", gioi_tinh="Nữ", ngay_sinh="01/01/1982",
               so_dinh_danh=make_id(birth_year=1982, female=True, serial="000777")),
        member(ma_ho="A", stt=3, ho_ten="Nguyễn Văn Nam", quan_he="Con", ngay_sinh="2008",
               so_dinh_danh=make_id(birth_year=2008, serial="000778"), viec_lam="Không tham gia lao động",
               suy_dinh_duong="Không", **son)])
    ok(run_hgn("classify", ret, "--out", tmp_path / "kq.xlsx", "--parquet", tmp_path / "pq", cwd=tmp_path))
    return pd.read_parquet(tmp_path / "pq" / "households.parquet").set_index("ma_ho").loc["A"]


def test_a_class_the_same_at_every_age_a_member_can_have_is_given_with_its_bounds(tmp_path: Path) -> None:
    """Out of school with primary education only: at 15 deprived in school attendance, at 16 in adult education —
    3 deprivations either way: Nghèo, with 3 as the count (the fewest of the two ages), the education flags
    themselves still unknown, and the reason saying why."""
    hh = _classified(tmp_path, {"trinh_do": "Tiểu học", "dang_di_hoc": "Không"})
    assert hh["phan_loai"] == "Nghèo"
    assert hh["so_thieu_hut"] == 3 and hh["so_chua_ro"] == 0
    assert pd.isna(hh["th_di_hoc_tre_em"]) and pd.isna(hh["th_giao_duc_nguoi_lon"])
    assert "chỉ biết năm sinh" in hh["ly_do"]


def test_a_class_that_turns_on_a_members_unknown_birthday_stays_undecided(tmp_path: Path) -> None:
    """Out of school with lower secondary education: at 15 deprived in school attendance (3 deprivations: poor),
    at 16 not deprived in adult education (2: near-poor) — the class turns on his birthday: undecided."""
    hh = _classified(tmp_path, {"trinh_do": "THCS", "dang_di_hoc": "Không"})
    assert hh["phan_loai"] == "Chưa đủ thông tin"



def test_a_dot_before_three_digits_ending_in_zero_is_the_vietnamese_thousands_separator() -> None:
    """'900.000' typed as text is 900 000 (a number cell's text never ends its decimals in 0); '0.500' is no
    thousands grouping (a group never starts with 0) and stays 0.5; '1.5', '45.125' (a number cell's text) stay."""
    from hgn_review.schemas.coerce import parse_number

    got = parse_number(pd.Series(["900.000", "-900.000", "0.500", "1.5", "45.125", "1.900.000", None],
                                 dtype="string[pyarrow]")).tolist()
    assert got[:6] == [900000.0, -900000.0, 0.5, 1.5, 45.125, 1900000.0] and pd.isna(got[6])


def test_invisible_characters_pasted_into_a_cell_are_dropped() -> None:
    """Zero-width spaces and joiners, the word joiner, a byte-order mark and a soft hyphen are dropped; a cell of
    nothing else is blank."""
    import pyarrow as pa

    from hgn_review.schemas.coerce import strip_text

    cells = pa.array(["Nam\u200b", "11284\u2060-0001", "\ufeffCó", "Ng\u00aduyễn", "\u200b \u200c", None])
    assert strip_text(cells).to_pylist() == ["Nam", "11284-0001", "Có", "Nguyễn", None, None]


def test_a_column_headed_in_the_upper_row_of_a_two_row_header_is_an_extra_column(tmp_path: Path) -> None:
    """A two-row header band (indicators under "Thiếu hụt", every other header merged down over both rows) with a
    last column "Ghi chú": reported as an extra column (column-unknown), as under a one-row header — not read by
    no one, not said to have no header."""
    import json

    from conftest import make_id

    ret = make_return(tmp_path, [household(**{"Ghi chú": "Hộ mới tách"}), household(ma_ho="11284-0002")],
                      [member(), member(ma_ho="11284-0002", so_dinh_danh=make_id(serial="000002"))],
                      group_band=True)
    found = json.loads(run_hgn("validate", ret, "--json", cwd=tmp_path).stdout)["findings"]
    unknown = [f for f in found if f["code"] == "column-unknown"]
    assert len(unknown) == 1 and "Ghi chú" in unknown[0]["message"]
    assert not [f for f in found if f["code"] == "column-no-header"]


def test_a_title_above_a_one_row_header_is_no_column(tmp_path: Path) -> None:
    """A title row above the header with a cell over a column the header row leaves blank ("Mẫu số 01" in the
    corner) makes no extra column: only the upper half of a header band (holding other headers) does."""
    import json

    ret = make_return(tmp_path, [household()], [member()], title_rows=["DANH SÁCH HỘ GIA ĐÌNH"])
    wb = openpyxl.load_workbook(ret)
    ws = wb["Hộ gia đình"]
    ws.cell(1, ws.max_column + 1, "Mẫu số 01")
    wb.save(ret)
    found = json.loads(run_hgn("validate", ret, "--json", cwd=tmp_path).stdout)["findings"]
    assert not [f for f in found if f["code"] in ("column-unknown", "column-no-header")]
