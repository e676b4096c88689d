"""Review 6b: defects left by the session-6 changes (footer detection, start-of-period checks, outputs read back,
personal IDs on the terminal and in --json). Each test fails on the code as reviewed (HEAD 9a2fea9)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from conftest import HH_SHEET, MM_SHEET, fresh_copy, run_hgn, sample_returns
from hgn_review.sample import generate_sample

COMMUNE_A = "10507_phuong_cam_thuong.xlsx"
COMMUNE_B = "10510_phuong_binh_han.xlsx"


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Three clean commune returns of district 288 (8 households each), generated once; tests copy them."""
    return sample_returns(tmp_path_factory, "sample6b", communes=3, households=8, seed=5)


@pytest.fixture
def returns(pristine: Path, tmp_path: Path) -> Path:
    """A fresh copy of the returns in ``tmp_path/in``."""
    return fresh_copy(pristine, tmp_path)


def hgn(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return run_hgn(*args, cwd=cwd, timeout=300)


def _col(ws: openpyxl.worksheet.worksheet.Worksheet, header: str) -> int:
    return next(c.column for c in ws[1] if c.value == header)


# ------------------------------------------------------------------------------------------ footer detection
@pytest.mark.parametrize(("header", "text"), [
    ("Thôn, tổ dân phố", "Thôn Đồng Đậu"),                      # a real village name ("đồng đậu" ~ "đóng dấu")
    ("Rà soát viên", "Lê Thị Hoa - Chủ tịch Hội Phụ nữ"),       # a mass organisation's chair reviewing
])
def test_new_household_without_code_at_the_end_is_not_taken_for_the_footer(returns: Path, header: str,
                                                                            text: str) -> None:
    """A household added at the bottom of the table whose code is not assigned yet (a new household, Mã hộ
    blank) is dropped as "footer" when any of its cells merely contains a footer word after diacritics are
    folded: the village "Thôn Đồng Đậu" folds to "dong dau" (= "đóng dấu"), a reviewer "… Chủ tịch Hội Phụ nữ"
    contains "chu tich". The household vanishes with only an info `footer-rows-skipped` — no `value-required`
    for its missing code, absent from every count. `_footer_start`'s docstring promises "a household whose code
    was left blank is reported, never dropped". (io/read.py `_FOOTER`: substring patterns "dong dau", "chu tich",
    "ky ten", "nguoi lap" matched anywhere in any cell of a row under the last code.)"""
    from hgn_review.validate import validate_one

    path = returns / COMMUNE_A
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    n = ws.max_row
    ws.cell(n, 1).value = None  # the last household: code not assigned yet
    ws.cell(n, _col(ws, header)).value = text
    wb.save(path)
    val = validate_one(path, path.name)
    assert len(val.households) == n - 1
    assert not [f for f in val.findings if f.code == "footer-rows-skipped"]
    assert [f.row for f in val.findings if f.code == "value-required" and f.key == "ma_ho"] == [n]


# ------------------------------------------------------------------------------------------ start-of-period list
def test_previous_results_folder_matches_a_moved_household_by_its_heads_id(returns: Path, tmp_path: Path) -> None:
    """`hgn run --previous` with last round's `ket_qua/` folder (accepted since 18bed88, the form the hint
    recommends): a near-poor household that moved from commune 10507 to 10510 (new code there, same head and
    members) is reported `previous-not-reviewed` (an error on 10507's return) and `previous-unmatched` on 10510,
    although the run-level check was added precisely so that a moved household "is matched by its head's ID".
    The same start list given as a spreadsheet with a "Số định danh chủ hộ" column gives no finding: hgn's own
    results carry the heads' IDs in their members, but `load_status_list` returns the households alone, without
    `so_dinh_danh_chu_ho`, so no match by head is ever possible with hgn's own results. (pipeline.py
    `load_status_list`; scoring/movements.py `not_reviewed`, `match_status`.)"""
    import pandas as pd

    first = hgn("run", returns, "--out", tmp_path / "lan1", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    hh = pd.read_parquet(tmp_path / "lan1" / "ket_qua" / "households.parquet")
    managed = hh[hh["phan_loai"].isin(["Nghèo", "Cận nghèo"]) & (hh["ma_xa"] == "10507")]
    assert len(managed), "the sample has a poor or near-poor household in 10507"
    code, row = str(managed["ma_ho"].iloc[0]), int(managed["row"].iloc[0])

    a, b = returns / COMMUNE_A, returns / COMMUNE_B
    wa, wb = openpyxl.load_workbook(a), openpyxl.load_workbook(b)
    ha, hb = wa[HH_SHEET], wb[HH_SHEET]
    values = [c.value for c in ha[row]]
    assert values[0] == code
    values[0], values[2], values[4] = "10510-0099", "10510", hb.cell(2, 5).value
    hb.append(values)
    ha.delete_rows(row)
    ma, mb = wa[MM_SHEET], wb[MM_SHEET]
    rows = [r for r in range(2, ma.max_row + 1) if ma.cell(r, 1).value == code]
    for r in rows:
        moved = [c.value for c in ma[r]]
        moved[0] = "10510-0099"
        mb.append(moved)
    for r in reversed(rows):
        ma.delete_rows(r)
    wa.save(a)
    wb.save(b)

    proc = hgn("run", returns, "--out", tmp_path / "lan2", "--previous", tmp_path / "lan1" / "ket_qua", "--json",
               cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    found = pd.read_excel(tmp_path / "lan2" / "phat_hien.xlsx")
    codes = set(found["Mã lỗi"]) if len(found) else set()
    assert "previous-unmatched" not in codes  # 10510's household is matched by its head's ID: its start is known
    # the move is recorded by neither commune (10507 deleted the row, 10510 wrote it as resident): the commune it
    # left must still record it as moved away, else its start figure is one short — said on 10507's return
    # (tests/test_review11_years.py: a move between communes not recorded as such is not silent)
    left = found[found["Mã lỗi"] == "previous-not-reviewed"]
    assert [str(v) for v in left["Giá trị"]] == [code]
    assert all(str(COMMUNE_A) in str(f) for f in left["Tệp"])


# ------------------------------------------------------------------------------------------ outputs read back
def test_population_list_csv_hgn_wrote_is_not_read_as_a_return(returns: Path, tmp_path: Path) -> None:
    """51f22dd: "outputs are never taken for returns". A run whose output folder sits in the returns folder
    (`hgn run xa --out xa/ket_qua_lan1`) leaves `bao_cao/danh_sach_csdl_dan_cu.csv` and
    `…_chua_co_dinh_danh.csv` there; the next `hgn validate xa` skips the marked workbooks (info
    file-hgn-output) but reads both CSV lists as returns: two `layout-unknown` errors and exit 1 on clean
    returns (and two failing "returns" in the next `hgn run`). A CSV cannot carry the custom property, so
    `discover` must recognise hgn's output folder or its list files another way. (io/read.py `discover`,
    `is_hgn_output`: only .xlsx/.xlsm are checked.)"""
    first = hgn("run", returns, "--out", returns / "ket_qua_lan1", "--json", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert list((returns / "ket_qua_lan1" / "bao_cao").glob("*.csv"))
    proc = hgn("validate", returns, "--json", cwd=tmp_path)
    rep = json.loads(proc.stdout)
    bad = [(Path(f["file"]).name, f["code"]) for f in rep["findings"] if f["severity"] == "error"]
    assert bad == []
    assert proc.returncode == 0


# ------------------------------------------------------------------------------------------ personal IDs shown
def _bad_ids(path: Path, cells: dict[str, str]) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb[MM_SHEET]
    col = openpyxl.utils.get_column_letter(_col(ws, "Số định danh cá nhân"))
    for row, value in cells.items():
        ws[f"{col}{row}"] = value
    wb.save(path)


def test_terminal_summary_does_not_print_a_mistyped_id_whole(returns: Path, tmp_path: Path) -> None:
    """README: "Terminal output and --json show at most the last four digits of an ID" (and ff8cd9e: "the
    terminal summary already kept it out"). An ID with one stray character — "030154271829X", all twelve digits
    of the person's real number — is printed whole in `hgn validate`'s table of first findings ("Số định danh
    "030154271829X" không đủ 12 chữ số."), on a screen or in a script's log. --json masks it
    (********1829X); the terminal does not. (console.py `render_validation`: the message is rendered as is.)"""
    path = returns / COMMUNE_A
    _bad_ids(path, {2: "030154271829X"})
    proc = hgn("validate", path, cwd=tmp_path)
    assert "id-invalid-format" in proc.stdout
    assert "030154271829" not in proc.stdout + proc.stderr


def test_json_masks_an_id_written_in_groups(returns: Path, tmp_path: Path) -> None:
    """`hgn validate --json` masks an ID in a finding with the pattern "9 or more digits in a row"; an ID written
    in groups with a separator the reader does not remove ("0191/8827/1829", as some print it) is
    `id-invalid-format` and appears whole in the JSON value and message — every digit of the person's number in
    a script's log, against the README's promise. (findings.py `_masked`: `_LONG_DIGITS` only sees runs of ≥ 9
    digits.)"""
    path = returns / COMMUNE_A
    _bad_ids(path, {2: "0191/8827/1829"})
    proc = hgn("validate", path, "--json", cwd=tmp_path)
    rep = json.loads(proc.stdout)
    hits = [f for f in rep["findings"] if f["code"] == "id-invalid-format"]
    assert hits
    text = json.dumps(hits, ensure_ascii=False)
    assert "8827" not in text and "0191" not in text


# ------------------------------------------------------------------------------------------ hgn run admissibility
def test_a_misfiled_return_beside_one_return_does_not_stop_the_run_with_an_option_it_lacks(
        pristine: Path, tmp_path: Path) -> None:
    """18bed88: "a return of another province misfiled in the folder no longer stops the round … (a hint naming
    --prefer/--unit that hgn run does not have)". It still does when the misfiled return is not outnumbered: a
    folder with Cẩm Thượng's return (province 30) and a Hà Nội return misfiled beside it ends `hgn run` with exit
    2 (a usage error, though the command line was right) and "Gợi ý: Ghi rõ đơn vị bằng --unit." — `hgn run
    --unit` is "No such option". Nothing merged, no forms. (pipeline.py `_admissible`: only a strict majority
    province leaves the others out; a tie falls through to the merge's refusal meant for `hgn merge`.)"""
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(pristine / COMMUNE_A, folder / COMMUNE_A)
    other = tmp_path / "hanoi"
    generate_sample(other, province="01", communes=1, households=5, seed=2, error_rate=0.0)
    for f in other.glob("*.xlsx"):
        shutil.copy(f, folder / f.name)
    proc = hgn("run", folder, "--out", tmp_path / "out", cwd=tmp_path)
    assert "Traceback" not in proc.stderr
    assert "--unit" not in proc.stdout + proc.stderr
    assert proc.returncode != 2
