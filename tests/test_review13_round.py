"""Review 13 (helper): a district officer's whole autumn round with `hgn run`, over several runs.

Four communes of Huyện Gia Lộc (297) from `hgn sample` (15 households each, some injected errors). Last year's
round is a real `hgn run` over the same returns with the review dates of 2023 and a few households' Phiếu B score
changed, so that this year some households are newly poor and some escaped; its output folder is given to every
run of this year with `--previous`.

Day 1 three communes' returns are in. Day 2 commune A resends its return corrected under the same name, and
commune B sends a corrected return under a new name ("…_sua.xlsx") while its first return is still in the folder.
Day 3 B's first return is removed. Day 4 commune C's return is withdrawn. Day 5 the late commune D arrives.

After each run the whole OUT (forms, lists, ket_qua/, phat_hien.xlsx, README.txt but its date and cache counts)
is compared with a fresh run on the same folder into an empty OUT; the movements since last year are compared
between ket_qua/households.parquet, forms 02/03, the lists 14/15 and report.html; README.txt and the terminal are
read for what they say changed.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

HH = "Hộ gia đình"
MM = "Thành viên"
A, B, C, D = ("10999_thi_tran_gia_loc.xlsx", "11008_xa_thong_nhat.xlsx", "11020_xa_yet_kieu.xlsx",
              "11035_xa_gia_phuc.xlsx")
B_NEW = "11008_xa_thong_nhat_sua.xlsx"
NAMES = {"10999": "Thị trấn Gia Lộc", "11008": "Xã Thống Nhất", "11020": "Xã Yết Kiêu", "11035": "Xã Gia Phúc"}


# ------------------------------------------------------------------------------------------------ helpers
def _hgn(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    env.pop("HGN_DEBUG", None)
    proc = subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=600, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc


def _run(root: Path, out: str, *opts: object) -> subprocess.CompletedProcess[str]:
    proc = _hgn("run", "inbox", "--out", out, "--jobs", "1", "--previous", "ky_truoc", *opts, cwd=root)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    return proc


def _edit(path: Path, dst: Path | None = None, *, cells: dict[tuple[str, str], Any] | None = None,
          dates: dt.datetime | None = None) -> None:
    """Set households-sheet cells {(ma_ho, header): value}; every review date to ``dates``."""
    wb = openpyxl.load_workbook(path)
    ws = wb[HH]
    head = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        code = ws.cell(r, 1).value
        for (ma_ho, header), value in (cells or {}).items():
            if code == ma_ho:
                ws.cell(r, head.index(header) + 1, value=value)
        if dates is not None and code:
            ws.cell(r, head.index("Ngày rà soát") + 1, value=dates)
    wb.save(dst or path)


_VOLATILE_META = {"run_started", "run_seconds", "run_time"}


def _workbook(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)
                           if not (ws.title == "Thông tin" and r and r[0] in _VOLATILE_META)]
                for ws in wb.worksheets}
    finally:
        wb.close()


def _text(path: Path) -> str:
    text = path.read_text("utf-8")
    if path.name == "README.txt":  # the run's date and how many files came from the cache
        text = re.sub(r"Ngày chạy: [^;]*;", "", text)
        text = re.sub(r"\(\d+ tệp đọc mới, \d+ tệp lấy lại từ lần chạy trước\)", "", text)
    return text


def _meta(path: Path) -> dict[str, Any]:
    meta = json.loads(path.read_text("utf-8"))
    for k in _VOLATILE_META:
        meta.pop(k, None)
    for item in meta.get("inputs") or []:
        if isinstance(item, dict):
            item.pop("run_time", None)
    return meta


def outputs(out: Path) -> dict[str, Any]:
    got: dict[str, Any] = {}
    for p in sorted(out.rglob("*")):
        rel = p.relative_to(out)
        if not p.is_file() or rel.parts[0].startswith(".hgn"):
            continue
        key = rel.as_posix()
        if p.suffix == ".parquet":
            got[key] = pd.read_parquet(p)
        elif p.suffix == ".xlsx":
            got[key] = _workbook(p)
        elif p.name == "meta.json":
            got[key] = _meta(p)
        else:
            got[key] = _text(p)
    return got


def differences(out: Path, fresh: Path) -> list[str]:
    a, b = outputs(out), outputs(fresh)
    diff = [f"only in the re-run's OUT: {k}" for k in sorted(set(a) - set(b))]
    diff += [f"only in the fresh OUT: {k}" for k in sorted(set(b) - set(a))]
    for k in sorted(set(a) & set(b)):
        x, y = a[k], b[k]
        if isinstance(x, pd.DataFrame):
            try:
                pd.testing.assert_frame_equal(x, y)
            except AssertionError as exc:
                diff.append(f"{k}: {str(exc)[-400:]}")
        elif x != y:
            diff.append(f"{k} differs")
    return diff


def _html_text(path: Path) -> str:
    t = path.read_text("utf-8")
    t = re.sub(r"<(style|script).*?</\1>", " ", t, flags=re.S)
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", t)))


def _form_rows(out: Path, number: str) -> dict[str, tuple[Any, ...]]:
    """A form's unit rows by name (column B), with 'Tổng cộng'."""
    wb = openpyxl.load_workbook(out / "bao_cao" / f"bieu_{number}.xlsx", read_only=True)
    try:
        return {str(r[1]): tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)
                if len(r) > 8 and isinstance(r[1], str) and (isinstance(r[0], int) or r[1] == "Tổng cộng")}
    finally:
        wb.close()


def _list_households(out: Path, number: str) -> dict[str, tuple[Any, ...]]:
    """Form 14/15: ma_ho → (new, relapse, continuing) marks of the household's first row."""
    wb = openpyxl.load_workbook(out / "bao_cao" / f"bieu_{number}.xlsx", read_only=True)
    try:
        return {str(r[1]): (r[9], r[10], r[11]) for r in wb.worksheets[0].iter_rows(values_only=True)
                if len(r) > 11 and isinstance(r[0], int) and isinstance(r[1], str)}
    finally:
        wb.close()


def _snapshot(root: Path, out: str, proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    o = root / out
    snap: dict[str, Any] = {"out": o, "stdout": proc.stdout, "stderr": proc.stderr,
                            "readme": (o / "README.txt").read_text("utf-8")}
    snap["hh"] = pd.read_parquet(o / "ket_qua" / "households.parquet")
    snap["findings"] = pd.read_parquet(o / "ket_qua" / "findings.parquet")
    snap["form02"], snap["form03"] = _form_rows(o, "02"), _form_rows(o, "03")
    snap["form01"] = _form_rows(o, "01")
    snap["html"] = _html_text(o / "bao_cao" / "report.html")
    return snap


# ------------------------------------------------------------------------------------------------ the round
@pytest.fixture(scope="module")
def autumn(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("round13")
    proc = _hgn("sample", "--province", "30", "--district", "297", "--communes", "4", "--households", "15",
                "--seed", "5", "--error-rate", "0.03", "--out", "mail", cwd=root)
    assert proc.returncode == 0, proc.stderr
    mail, inbox = root / "mail", root / "inbox"
    (mail / "manifest.json").unlink()
    assert sorted(p.name for p in mail.iterdir()) == [A, B, C, D]
    inbox.mkdir()
    for name in (A, B, C):
        shutil.copy(mail / name, inbox / name)
    # ---- last year: the same communes reviewed in October 2023; 11020-0001 (poor now) was above the line then,
    # 11008-0004 and 10999-0005 (not poor now) were below it
    last = root / "nam_2023"
    last.mkdir()
    changes = {A: {("10999-0005", "Điểm B1"): 60}, B: {("11008-0004", "Điểm B1"): 60},
               C: {("11020-0001", "Điểm B1"): 300}}
    for name in (A, B, C, D):
        _edit(mail / name, last / name, cells=changes.get(name), dates=dt.datetime(2023, 10, 18))
    assert _hgn("run", "nam_2023", "--out", "ky_truoc", "--jobs", "1", cwd=root).returncode == 0
    days: dict[str, Any] = {"root": root,
                            "last": pd.read_parquet(root / "ky_truoc" / "ket_qua" / "households.parquet")}

    def day(name: str) -> None:
        fresh = f"fresh_{name}"
        if name == "day1":  # the first run into OUT is itself a fresh run
            days[name] = _snapshot(root, "out", _run(root, "out"))
            shutil.copytree(root / "out", root / fresh, ignore=shutil.ignore_patterns(".hgn*"))
            days[name]["diff"] = []
            return
        # the re-run into OUT and the fresh run into an empty folder, side by side
        env = {**os.environ, "COLUMNS": "250", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
        env.pop("HGN_DEBUG", None)
        second = subprocess.Popen([sys.executable, "-m", "hgn_review", "run", "inbox", "--out", fresh, "--jobs", "1",
                                   "--previous", "ky_truoc"], cwd=root, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True, encoding="utf-8")
        days[name] = _snapshot(root, "out", _run(root, "out"))
        _, err = second.communicate(timeout=600)
        assert second.returncode == 0 and "Traceback" not in err, err[-2000:]
        days[name]["diff"] = differences(root / "out", root / fresh)

    day("day1")
    # ---- day 2: commune A resends its return under the same name (10999-0003 was written above the line by
    # mistake); commune B sends a corrected return under a new name beside its first (11008-0002 below the line)
    _edit(inbox / A, cells={("10999-0003", "Điểm B1"): 60})
    _edit(inbox / B, inbox / B_NEW, cells={("11008-0002", "Điểm B1"): 60})
    day("day2")
    # ---- day 3: B's first return removed
    (inbox / B).unlink()
    day("day3")
    # ---- day 4: commune C's return withdrawn (the commune will send it again)
    (inbox / C).unlink()
    day("day4")
    # ---- day 5: the late commune D arrives
    shutil.copy(mail / D, inbox / D)
    day("day5")
    return days


DAYS = ("day1", "day2", "day3", "day4", "day5")


@pytest.mark.parametrize("name", DAYS)
def test_every_rerun_equals_a_fresh_run_on_the_same_folder(autumn: dict[str, Any], name: str) -> None:
    # guard (passes)
    assert autumn[name]["diff"] == []


def test_last_year_as_planned(autumn: dict[str, Any]) -> None:
    # guard (passes): the scenario's premise — last year's classes of the edited households
    last = autumn["last"].set_index("ma_ho")["phan_loai"]
    assert last["11020-0001"] in ("Không nghèo", "Mức sống trung bình")
    assert last["11008-0004"] in ("Nghèo", "Cận nghèo")
    assert last["10999-0005"] in ("Nghèo", "Cận nghèo")


def test_the_round_counts_every_return_once_and_says_so(autumn: dict[str, Any]) -> None:
    # guard (passes): day 2 leaves both of B's returns out (named, with their households) and counts nothing twice;
    # day 3 counts B once from its corrected return; day 4 (C withdrawn) and day 5 (D late) say which communes lack
    expected = {"day1": 45, "day2": 30, "day3": 45, "day4": 30, "day5": 45}
    for name, n in expected.items():
        snap = autumn[name]
        hh = snap["hh"]
        assert len(hh) == n == snap["form01"]["Tổng cộng"][2], name
        assert not hh.duplicated(["ma_xa", "ma_ho", "thon"]).any(), name
        assert set(hh.groupby("ma_xa")["file"].nunique()) == {1}, name  # one return per commune
    d3 = autumn["day2"]
    assert "11008" not in set(d3["hh"]["ma_xa"])
    for text in (d3["stdout"], d3["readme"]):
        flat = re.sub(r"\s+", " ", text)
        assert f"inbox/{B}" in flat and f"inbox/{B_NEW}" in flat and "15 hộ" in flat
    assert all(v is None for v in d3["form02"]["Xã Thống Nhất"][2:])
    d4 = autumn["day3"]
    assert set(d4["hh"].loc[d4["hh"]["ma_xa"] == "11008", "file"]) == {f"inbox/{B_NEW}"}
    assert B_NEW not in d4["readme"]
    assert "11020" in autumn["day4"]["readme"] and "11020" not in autumn["day3"]["readme"]
    assert "11035" not in re.sub(r"\(.*", "", autumn["day5"]["readme"].split("thiếu", 1)[-1])


def _movement_counts(hh: pd.DataFrame, commune: str | None) -> dict[str, int]:
    part = hh if commune is None else hh[hh["ma_xa"] == commune]
    return {k: int(v) for k, v in part["dien_bien"].value_counts().items()}


@pytest.mark.parametrize("name", DAYS)
def test_movements_agree_between_results_forms_lists_and_html(autumn: dict[str, Any], name: str) -> None:
    # guard (passes): forms 02/03 per commune and in total, lists 14/15 and report.html say what ket_qua says
    snap = autumn[name]
    hh = snap["hh"]
    for commune, unit in [*NAMES.items(), (None, "Tổng cộng")]:
        row2, row3 = snap["form02"][unit], snap["form03"][unit]
        if commune is not None and commune not in set(hh["ma_xa"]):
            assert all(v is None for v in row2[2:]) and all(v is None for v in row3[2:]), (name, unit)
            continue
        part = hh if commune is None else hh[hh["ma_xa"] == commune]
        mv = _movement_counts(hh, commune)
        assert row2[2] == int((part["dau_ky"] == "Nghèo").sum()), (name, unit)
        assert row3[2] == int((part["dau_ky"] == "Cận nghèo").sum()), (name, unit)
        assert row2[10] == mv.get("Nghèo mới", 0) and row3[10] == mv.get("Cận nghèo mới", 0), (name, unit)
        assert row3[5] == mv.get("Thoát cận nghèo", 0) and row2[5] == mv.get("Thoát nghèo (trên cận nghèo)", 0)
        assert row2[14] == int((part["phan_loai"] == "Nghèo").sum()), (name, unit)
        assert row3[14] == int((part["phan_loai"] == "Cận nghèo").sum()), (name, unit)
    flat = snap["html"]
    i = flat.index("Diễn biến trong kỳ")
    poor, near = flat[i:].split("Hộ cận nghèo Đầu kỳ", 1)
    total2, total3 = snap["form02"]["Tổng cộng"], snap["form03"]["Tổng cộng"]
    assert f"Hộ nghèo Đầu kỳ {total2[2]} " in poor and f"Cuối kỳ {total2[14]} " in poor
    assert near.startswith(f" {total3[2]} ") and f"Cuối kỳ {total3[14]} " in near
    assert f"Cận nghèo mới {total3[10]} " in near and f"Thoát cận nghèo {total3[5]} " in near
    near_list = _list_households(snap["out"].parent / f"fresh_{name}", "14")
    for _, r in hh[hh["phan_loai"] == "Cận nghèo"].iterrows():
        marks = near_list[str(r["ma_ho"])]
        want = {"Cận nghèo mới": 0, "Tiếp tục cận nghèo": 2}.get(str(r["dien_bien"]))
        if want is not None:
            assert marks[want] == "x", (name, r["ma_ho"], marks)


def test_start_list_household_left_out_of_a_corrected_return_is_said(autumn: dict[str, Any]) -> None:
    # guard (passes): no start-list household of a reviewed commune goes unreviewed in silence on any day
    last = autumn["last"]
    managed = last[last["phan_loai"].isin(["Nghèo", "Cận nghèo"])]
    for name in DAYS:
        hh, found = autumn[name]["hh"], autumn[name]["findings"]
        said = set(found.loc[found["code"] == "previous-not-reviewed", "value"].astype(str))
        for _, r in managed.iterrows():
            if r["ma_xa"] in set(hh["ma_xa"]):
                assert r["ma_ho"] in set(hh["ma_ho"]) or r["ma_ho"] in said, (name, r["ma_ho"])


# ------------------------------------------------------------------------ a household that moved, codes renumbered
def _moved_and_renumbered(folder: Path) -> Path:
    """Eight communes of Thanh Miện, one household each. Last year H headed 11242-0001 (near-poor) and K headed
    11239-0001 (not poor). This year 11242 records H's household as moved away; in 11239, where it went, the
    commune renumbered its households and H's household now has the code 11239-0001 (K's household left the
    list), without the move being written. H's household is last year's near-poor household."""
    from conftest import household, make_id, make_return, member

    h, k = make_id(serial="880001"), make_id(serial="880002")
    codes = ["11239", "11242", "11245", "11248", "11251", "11254", "11257", "11260"]
    for i, c in enumerate(codes):
        extra = {"tinh_trang_ho": "Chuyển đi"} if i == 1 else {}
        make_return(folder, households=[household(ma_ho=f"{c}-0001", ma_xa=c, **extra)],
                    members=[member(ma_ho=f"{c}-0001", so_dinh_danh=h if i < 2 else make_id(serial=f"88{i:04d}"))],
                    name=f"{i:02d}_{c}.xlsx")
    start = folder.parent / "dau_ky.xlsx"
    pd.DataFrame({"Mã xã": ["11242", "11239"], "Mã hộ": ["11242-0001", "11239-0001"],
                  "Phân loại": ["Cận nghèo", "Không nghèo"], "Số định danh chủ hộ": [h, k]}).to_excel(start, index=False)
    return start


def _plain_run(folder: Path, out: Path, start: Path) -> None:
    proc = _hgn("run", folder.name, "--out", out.name, "--jobs", "1", "--previous", start.name, cwd=folder.parent)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]


def test_rerun_after_a_correction_gives_the_moved_household_the_start_a_fresh_run_gives(tmp_path: Path) -> None:
    """DEFECT: the officer runs the eight returns (--jobs 1 classifies them two by two), then commune 11239 resends
    its return with only the reviewer's name corrected. The re-run re-reads that return alone and gives 11239-0001
    start "Cận nghèo", "Tiếp tục cận nghèo" (its head H headed 11242-0001 last year: the code is contradicted,
    matched by the head); a fresh run of the same folder gives "Không", "Cận nghèo mới" (H also heads 11242's
    departed household in the same call, so the head "proves nothing" and the code's row, K's, is taken). Form 03
    of the two runs differs (start 2 against 1, new near-poor 0 against 1), and which one
    the officer gets depends on the order the returns arrived. Cause: scoring/movements.py:_code_contradicted
    drops heads duplicated across the whole classify call (``once``) — in `hgn run` a call holds several returns
    (pipeline._classify_together), so a return's result depends on the returns batched with it."""
    folder = tmp_path / "in"
    start = _moved_and_renumbered(folder)
    out, fresh = tmp_path / "out", tmp_path / "fresh"
    _plain_run(folder, out, start)
    path = folder / "00_11239.xlsx"
    wb = openpyxl.load_workbook(path)
    ws = wb["Hộ gia đình"]
    col = [c.value for c in ws[1]].index("Rà soát viên") + 1
    ws.cell(row=2, column=col, value="Lê Văn Cường")
    wb.save(path)
    _plain_run(folder, out, start)
    _plain_run(folder, fresh, start)
    got = pd.read_parquet(out / "ket_qua" / "households.parquet").set_index("ma_ho")
    want = pd.read_parquet(fresh / "ket_qua" / "households.parquet").set_index("ma_ho")
    assert (got.at["11239-0001", "dau_ky"], got.at["11239-0001", "dien_bien"]) == \
        (want.at["11239-0001", "dau_ky"], want.at["11239-0001", "dien_bien"])
    assert differences(out, fresh) == []


def test_one_start_list_row_is_not_the_start_of_two_communes_households(tmp_path: Path) -> None:
    """DEFECT: the same eight returns, each classified alone (--jobs 2). The start list holds ONE near-poor
    household (11242-0001, head H). 11242 records it as moved away (start near-poor, "Giảm khác"), and 11239's
    household headed by H takes the same list row by its head (start near-poor, "Tiếp tục cận nghèo"): form 03's
    district total says 2 near-poor households at the start of the period against the list's 1 — last year's
    near-poor household counted twice, the district's start figure no longer last year's end figure. Cause: the
    rule "one row never gives its start to two households" (scoring/movements.py:match_status, ``taken``) holds
    only within one return, and pipeline.py:_run_round, which sees all returns after the merge, checks only rows
    no household took (movements.not_reviewed), never a row two communes' households took."""
    folder = tmp_path / "in"
    start = _moved_and_renumbered(folder)
    out = tmp_path / "out"
    proc = _hgn("run", folder.name, "--out", out.name, "--jobs", "2", "--previous", start.name, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    hh = pd.read_parquet(out / "ket_qua" / "households.parquet")
    total = _form_rows(out, "03")["Tổng cộng"]
    listed_near = 1  # the start list's near-poor households (11242-0001 only)
    assert int((hh["dau_ky"] == "Cận nghèo").sum()) == total[2]  # form and results agree with each other …
    assert total[2] == listed_near, f"form 03 start of period {total[2]}, start list {listed_near}"  # … not the list
