"""Session 14: checks of what an officer meets (see the commit messages for each defect)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from hgn_review.sample import generate_sample


def hgn(*args: object) -> subprocess.CompletedProcess[str]:
    """`hgn …` as an officer runs it (its own error handling, exit codes), output to pipes."""
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES", "HGN_DEBUG")}
    env["PYTHONIOENCODING"] = "utf-8"
    return subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], env=env, capture_output=True,
                          text=True, encoding="utf-8", timeout=300, check=False)


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("s14") / "returns"
    generate_sample(str(out), province="30", communes=1, households=12, seed=3, error_rate=0.0, year=2024)
    return out


@pytest.mark.parametrize("day", ["01/01/1900", "31/12/2021", "01/01/2031"])
def test_as_of_outside_every_standard_is_refused(sample: Path, day: str) -> None:
    """--as-of 1900 (a year mistyped) took the old unit list without a word: refused, with the periods known."""
    proc = hgn("validate", sample, "--as-of", day)
    assert proc.returncode == 2
    assert proc.stderr.startswith("Lỗi: --as-of") and "không thuộc giai đoạn của chuẩn nghèo nào" in proc.stderr
    assert "01/01/2022–31/12/2026" in proc.stderr and "Gợi ý:" in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("day", ["01/01/2022", "31/12/2026", "01/10/2024"])
def test_as_of_inside_a_standard_is_taken(sample: Path, day: str) -> None:
    """The first and the last day a standard covers are taken (the boundary days). The sample was reviewed in 2024:
    an --as-of from 1/7/2025 over it is refused for that (its codes are the old communes'), never for being outside
    a standard's period."""
    proc = hgn("validate", sample, "--as-of", day)
    if day.endswith("2026"):
        assert proc.returncode == 3 and "1/7/2025" in proc.stderr, proc.stderr
        assert "không thuộc giai đoạn của chuẩn nghèo nào" not in proc.stderr
        return
    assert proc.returncode == 0, proc.stderr


def test_start_list_rows_outside_the_round_are_counted(tmp_path: Path) -> None:
    """A province's start list given to one commune's round: its rows of another commune (11287) and one without a
    commune code were ignored without a word; now the run says how many rows of how many communes were not
    matched, and says nothing when every row is of the round."""
    import openpyxl

    from conftest import household, make_id, make_return, member
    from hgn_review.pipeline import run_round

    make_return(tmp_path / "in", [household(ma_ho="H1", thu_nhap_bq=1_000_000)],
                [member(ma_ho="H1", so_dinh_danh=make_id(serial="000001"), ho_ten="Người A")])

    def start_list(name: str, rows: list[list[object]]) -> Path:
        wb = openpyxl.Workbook()
        wb.active.append(["Mã xã", "Mã hộ", "Phân loại"])
        for r in rows:
            wb.active.append(r)
        wb.save(tmp_path / name)
        return tmp_path / name

    wide = start_list("ds_tinh.xlsx", [[11284, "H1", "Cận nghèo"], [11287, "K1", "Nghèo"], [11287, "K2", "Cận nghèo"],
                                       [11290, "M1", "Nghèo"], [None, "Z9", "Nghèo"]])
    out = run_round(tmp_path / "in", tmp_path / "out", previous=wide, jobs=1)
    said = [n for n in out.notes if "Danh sách đầu kỳ" in str(n)]
    assert len(said) == 2 and "3 dòng thuộc 2 xã ngoài đợt rà soát" in str(said[0]), out.notes
    assert "3 rows of 2 communes outside this round" in said[0].en
    assert "1 dòng không ghi mã xã và không khớp chủ hộ nào" in str(said[1])
    assert "1 row without a commune code" in said[1].en
    assert "Danh sách đầu kỳ: 3 dòng" in (tmp_path / "out" / "README.txt").read_text(encoding="utf-8")

    own = start_list("ds_xa.xlsx", [[11284, "H1", "Cận nghèo"]])
    out = run_round(tmp_path / "in", tmp_path / "out2", previous=own, jobs=1)
    assert not [n for n in out.notes if "Danh sách đầu kỳ" in str(n)], out.notes


def test_a_member_whose_household_code_lost_its_leading_zeros_is_told_which_code(tmp_path: Path) -> None:
    """Household codes "0012" on the households sheet, the members sheet storing them as the number 12: each such
    member is member-orphan (not read into a household: the codes differ) with a suggestion naming "0012" and
    why; an orphan code of no household ("77") gets no suggestion."""
    from conftest import household, make_id, make_return, member
    from hgn_review.validate import validate_paths

    path = make_return(tmp_path, [household(ma_ho="0012"), household(ma_ho="0345", ho_ten_chu_ho="Lê Thị Hoa")],
                       [member(ma_ho=12, so_dinh_danh=make_id(serial="000001")),
                        member(ma_ho="0345", ho_ten="Lê Thị Hoa", so_dinh_danh=make_id(serial="000002")),
                        member(ma_ho=77, ho_ten="Trần Văn Ba", so_dinh_danh=make_id(serial="000003"))])
    found = {f.value: f for f in validate_paths([path]).findings if f.code == "member-orphan"}
    assert sorted(found) == ["12", "77"]
    assert 'có phải "0012"? số 0 ở đầu bị mất' in found["12"].message()
    assert 'did you mean "0012"?' in found["12"].message("en")
    assert "có phải" not in found["77"].message()


def test_a_value_outside_the_list_is_answered_with_the_values_allowed(tmp_path: Path) -> None:
    """The hint of value-not-in-list said to pick from the template's drop-down list — which an application export
    or a commune's own workbook does not have. It now names the values (a long list, the 54 ethnic groups, cut
    with its count), in the language asked."""
    from conftest import household, make_return, member
    from hgn_review.validate import validate_paths

    path = make_return(tmp_path, [household(loai_nha="Nhà tầng")], [member(dan_toc="Người Sao Hỏa")])
    found = {f.key: f for f in validate_paths([path]).findings if f.code == "value-not-in-list"}
    assert found["loai_nha"].hint() == ("Ghi đúng một giá trị của danh mục: Kiên cố / Bán kiên cố / Thiếu kiên cố / "
                                        "Đơn sơ (mẫu của hgn có danh sách thả xuống).")
    vi, en = found["dan_toc"].hint(), found["dan_toc"].hint("en")
    assert vi.startswith("Ghi đúng một giá trị của danh mục: Kinh / ") and " giá trị) (mẫu của hgn" in vi, vi
    assert en.startswith("Write one of the column's values: Kinh / ") and " values) (hgn's template" in en, en
    assert "giá trị" not in en


def test_a_hidden_sheet_of_the_tables_name_is_said_hidden_not_absent(tmp_path: Path) -> None:
    """Last year's "Hộ gia đình" hidden, this year's in "Hộ gia đình 2024": this year's is read, and the officer is
    told the hidden one is not read — not that "there is no sheet named Hộ gia đình" (sheet-found-by-headers),
    which is there."""
    import openpyxl

    from conftest import household, make_return, member
    from hgn_review.validate import validate_paths

    path = make_return(tmp_path, [household()], [member()], sheet_names={"households": "Hộ gia đình 2024"})
    wb = openpyxl.load_workbook(path)
    old = wb.create_sheet("Hộ gia đình")
    for row in wb["Hộ gia đình 2024"].iter_rows(min_row=1, max_row=2, values_only=True):
        old.append(list(row))
    old.cell(row=2, column=1).value = "CU-0001"
    old.sheet_state = "hidden"
    wb.save(path)
    res = validate_paths([path])
    assert list(res.households["ma_ho"]) == [household()["ma_ho"]]
    codes = {(f.code, f.sheet) for f in res.findings}
    assert ("sheet-copy-ignored", "Hộ gia đình") in codes
    assert not [c for c in codes if c[0] == "sheet-found-by-headers"], codes
    said = next(f for f in res.findings if f.code == "sheet-copy-ignored")
    assert "(đang ẩn)" in said.message() and '"Hộ gia đình 2024"' in said.message()


def test_hgn_run_with_as_of_after_the_reform_over_2024_returns_says_to_leave_it_out(sample: Path,
                                                                                     tmp_path: Path) -> None:
    """`hgn run --as-of 01/08/2025` over returns reviewed in 2024: refused (exit 3, no traceback) — their codes are
    old communes', which new communes reuse — with the hint to leave out --as-of (not the two-folders hint of a
    round mixing both unit lists)."""
    proc = hgn("run", sample, "--out", tmp_path / "out", "--as-of", "01/08/2025")
    assert proc.returncode == 3 and "Traceback" not in proc.stderr, proc.stderr
    said = " ".join(proc.stderr.split())
    assert "trước 1/7/2025, nên mã xã của nó là mã cũ" in said
    assert "Gợi ý: Bỏ --as-of" in said and "hgn merge --to-2025-units" in said
