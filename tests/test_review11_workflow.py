"""Review 11 (helper): the district officer's autumn with `hgn run`, over several days.

Four communes' `hgn sample` returns (5 households each, some injected errors). Day 1 the officer runs
`hgn run INBOX --out OUT`. Day 2: commune A's corrected return overwrites its file (same name); commune B sends a
corrected return under a new name ("…_sua.xlsx") while its first one is still in the folder; a zip arrives; the
officer's notes (.txt/.docx) and Excel's lock file "~$….xlsx" sit in the inbox; the officer leaves a signed scan
beside bieu_01.xlsx in OUT/bao_cao and notes of their own in OUT. Day 3: the old return of B is removed, then the
round is run again, with `--strict`, and with `--fail-on warning`.

Each step is checked against README: what is re-read, that a corrected commune's figures replace its old ones
(never both, never neither — both of a commune's returns are left out, and named, until one is removed), that
nothing the officer added is lost, exit codes, README.txt, and that the terminal summary (plain text) agrees with
form 01 and ket_qua/.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

pytestmark = pytest.mark.slow

HH = "Hộ gia đình"
MM = "Thành viên"
A, B, C, D = ("10507_phuong_cam_thuong.xlsx", "10510_phuong_binh_han.xlsx", "10513_phuong_ngoc_chau.xlsx",
              "10514_phuong_nhi_chau.xlsx")
B_NEW = "10510_phuong_binh_han_sua.xlsx"


# ------------------------------------------------------------------------------------------------ helpers
def _hgn(*args: object, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m hgn_review …` outside a terminal (NO_COLOR not set: the output must be plain by itself)."""
    env = {**os.environ, "COLUMNS": "250", "PYTHONIOENCODING": "utf-8"}
    env.pop("HGN_DEBUG", None)
    env.pop("NO_COLOR", None)
    env.pop("FORCE_COLOR", None)
    proc = subprocess.run([sys.executable, "-m", "hgn_review", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, encoding="utf-8", timeout=600, check=False)
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    return proc


def _run(root: Path, *opts: object) -> subprocess.CompletedProcess[str]:
    return _hgn("run", "inbox", "--out", "out", "--jobs", "1", *opts, cwd=root)


def _drop_last_household(src: Path, dst: Path) -> str:
    """The commune's correction: its last household was listed by mistake (moved away before the review)."""
    wb = openpyxl.load_workbook(src)
    hh, mm = wb[HH], wb[MM]
    last = None
    for r in range(hh.max_row, 1, -1):
        if hh.cell(r, 1).value:
            last = str(hh.cell(r, 1).value)
            hh.delete_rows(r)
            break
    for r in range(mm.max_row, 1, -1):
        if mm.cell(r, 1).value == last:
            mm.delete_rows(r)
    wb.save(dst)
    assert last
    return last


def _summary(stdout: str) -> dict[str, Any]:
    """The figures of the terminal summary."""
    m = re.search(r"Số hộ / số người\W+(\d+) / (\d+)", stdout)
    files = re.search(r"Tệp biểu rà soát\W+(\d+) \((\d+) đọc mới, (\d+) lấy từ lần trước", stdout)
    classes = dict((k.strip(), int(v)) for k, v in
                   re.findall(r"│ (Nghèo|Cận nghèo|Không nghèo|Chưa đủ thông tin) +│ (\d+)", stdout))
    assert m and files, stdout
    return {"households": int(m[1]), "members": int(m[2]), "files": int(files[1]), "read": int(files[2]),
            "cached": int(files[3]), "classes": classes}


def _form01(out: Path) -> dict[str, tuple[Any, ...]]:
    """Form 01's rows by commune name (column B), with 'Tổng cộng'."""
    wb = openpyxl.load_workbook(out / "bao_cao" / "bieu_01.xlsx", read_only=True)
    try:
        return {str(r[1]): tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)
                if len(r) > 8 and isinstance(r[1], str) and (isinstance(r[0], int) or r[1] == "Tổng cộng")}
    finally:
        wb.close()


def _snapshot(root: Path, proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    out = root / "out"
    snap: dict[str, Any] = {"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr,
                            "readme": (out / "README.txt").read_text("utf-8") if (out / "README.txt").exists() else "",
                            "listing": sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                                              if ".hgn-cache" not in p.parts)}
    if (out / "ket_qua" / "households.parquet").exists() and proc.returncode in (0, 1) and "--strict" not in proc.args:
        hh = pd.read_parquet(out / "ket_qua" / "households.parquet")
        snap["hh"] = hh[["ma_xa", "ma_ho", "file", "phan_loai"]].copy()
        snap["form01"] = _form01(out)
    return snap


@pytest.fixture(scope="module")
def autumn(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("autumn")
    proc = _hgn("sample", "--province", "30", "--communes", "4", "--households", "5", "--seed", "11",
                "--error-rate", "0.1", "--out", "inbox", cwd=root)
    assert proc.returncode == 0, proc.stderr
    inbox, out = root / "inbox", root / "out"
    (inbox / "manifest.json").rename(root / "manifest.json")
    assert sorted(p.name for p in inbox.iterdir()) == [A, B, C, D]
    days: dict[str, Any] = {"root": root}
    # ---- day 1
    days["day1"] = _snapshot(root, _run(root))
    # the officer's own things in OUT between the runs
    (out / "bao_cao" / "bieu_01_da_ky.pdf").write_bytes(b"%PDF-1.4 scan with signature and stamp")
    (out / "bao_cao" / "da_gui_xa").mkdir()
    (out / "bao_cao" / "da_gui_xa" / "cong_van_gui_xa.docx").write_bytes(b"PK\x03\x04 officer's letter")
    (out / "ghi_chu_can_bo.txt").write_text("Xã Bình Hàn gửi lại ngày 14/10", "utf-8")
    # ---- day 2: corrections arrive
    days["dropped_A"] = _drop_last_household(inbox / A, inbox / A)  # same name: overwrites
    days["dropped_B"] = _drop_last_household(inbox / B, inbox / B_NEW)  # new name: the old one stays
    stash = root / "mail"
    stash.mkdir()
    shutil.copy(inbox / D, stash / "10514_phuong_nhi_chau_v2.xlsx")
    with zipfile.ZipFile(inbox / "bieu_xa_nhi_chau.zip", "w") as zf:  # zipped, under another name than D's
        zf.write(stash / "10514_phuong_nhi_chau_v2.xlsx", "10514_phuong_nhi_chau_v2.xlsx")
    (inbox / "ghi_chu.txt").write_text("gọi lại xã Cẩm Thượng", "utf-8")
    (inbox / "ghi_chu.docx").write_bytes(b"PK\x03\x04 not a return")
    (inbox / ("~$" + C[2:])).write_bytes(b"\x0bNguyen Van A" + b" " * 40 + b"\x00" * 112)  # Excel's lock file
    days["day2"] = _snapshot(root, _run(root))
    # ---- day 3: the old return of B removed (and the zip dealt with: extracted elsewhere, removed)
    (inbox / B).unlink()
    (inbox / "bieu_xa_nhi_chau.zip").unlink()
    days["day3"] = _snapshot(root, _run(root))
    days["strict"] = _snapshot(root, _run(root, "--strict", "--marked-copies"))  # (copies only when asked)
    days["fail_warning"] = _snapshot(root, _run(root, "--fail-on", "warning"))
    return days


# ------------------------------------------------------------------------------------------------ day 1
def test_day1_terminal_summary_agrees_with_form01_and_ket_qua(autumn: dict[str, Any]) -> None:
    # guard (passes)
    d1 = autumn["day1"]
    assert d1["rc"] == 0, d1["stderr"]
    assert "\x1b[" not in d1["stdout"]  # plain text outside a terminal
    s = _summary(d1["stdout"])
    assert (s["files"], s["read"], s["cached"]) == (4, 4, 0)
    assert s["households"] == 20 == len(d1["hh"])
    total = d1["form01"]["Tổng cộng"]
    assert (total[2], total[3]) == (s["households"], s["members"])
    assert total[4] == s["classes"].get("Nghèo", 0) == int((d1["hh"]["phan_loai"] == "Nghèo").sum())
    assert total[8] == s["classes"].get("Cận nghèo", 0) == int((d1["hh"]["phan_loai"] == "Cận nghèo").sum())
    assert sum(s["classes"].values()) == s["households"]
    for what in ("phat_hien.xlsx", "bao_cao/", "ket_qua/", "report.html"):
        assert what in d1["readme"]


# ------------------------------------------------------------------------------------------------ day 2
def test_day2_only_changed_returns_reread_and_corrected_A_replaces_old(autumn: dict[str, Any]) -> None:
    # guard (passes)
    d2 = autumn["day2"]
    assert d2["rc"] == 0, d2["stderr"]
    s = _summary(d2["stdout"])
    # A (overwritten) and B's new return are read; B's old, C, D come from the cache; no note or lock file is a return
    assert (s["files"], s["read"], s["cached"]) == (5, 2, 3)
    hh = d2["hh"]
    a = hh[hh["ma_xa"] == "10507"]
    assert len(a) == 4 and autumn["dropped_A"] not in set(a["ma_ho"])  # never both, never the old one
    assert "(2 tệp đọc mới, 3 tệp lấy lại từ lần chạy trước)" in d2["readme"]


def test_day2_commune_in_two_returns_left_out_and_both_files_named(autumn: dict[str, Any]) -> None:
    # guard (passes)
    d2 = autumn["day2"]
    hh = d2["hh"]
    assert "10510" not in set(hh["ma_xa"].astype(str))  # both left out until one is removed
    for text in (d2["stdout"], d2["readme"]):
        flat = re.sub(r"\s+", " ", text)
        assert f"inbox/{B}" in flat and f"inbox/{B_NEW}" in flat
        assert "5 hộ" in flat and "4 hộ" in flat  # how many households each leaves out
    row = d2["form01"]["Phường Bình Hàn"]
    assert all(v is None for v in row[2:])  # blank row, not zero, not old figures
    s = _summary(d2["stdout"])
    assert s["households"] == 14 == len(hh) == d2["form01"]["Tổng cộng"][2]


def test_day2_zip_named_and_officer_files_kept(autumn: dict[str, Any]) -> None:
    # guard (passes)
    d2 = autumn["day2"]
    for text in (d2["stdout"], d2["readme"]):
        assert "bieu_xa_nhi_chau.zip" in text
    for f in ("bao_cao/bieu_01_da_ky.pdf", "bao_cao/da_gui_xa/cong_van_gui_xa.docx", "ghi_chu_can_bo.txt"):
        assert f in d2["listing"], f
    assert "ghi_chu" not in d2["stdout"] and "~$" not in d2["stdout"]


# ------------------------------------------------------------------------------------------------ day 3
def test_day3_corrected_B_counted_once_from_cache(autumn: dict[str, Any]) -> None:
    # guard (passes)
    d3 = autumn["day3"]
    assert d3["rc"] == 0, d3["stderr"]
    s = _summary(d3["stdout"])
    assert (s["files"], s["read"], s["cached"]) == (4, 0, 4)
    hh = d3["hh"]
    b = hh[hh["ma_xa"] == "10510"]
    assert len(b) == 4 and set(b["file"]) == {f"inbox/{B_NEW}"} and autumn["dropped_B"] not in set(b["ma_ho"])
    assert s["households"] == 18 == len(hh) == d3["form01"]["Tổng cộng"][2]
    assert d3["form01"]["Phường Bình Hàn"][2] == 4
    assert B_NEW not in d3["readme"]  # nothing left out any more
    for f in ("bao_cao/bieu_01_da_ky.pdf", "bao_cao/da_gui_xa/cong_van_gui_xa.docx", "ghi_chu_can_bo.txt"):
        assert f in d3["listing"], f


def test_day3_strict_stops_exit1_and_keeps_officer_files(autumn: dict[str, Any]) -> None:
    # guard (passes)
    st = autumn["strict"]
    assert st["rc"] == 1
    assert "--strict" in st["readme"]
    assert "phat_hien.xlsx" in st["listing"] and "bao_cao/bieu_01.xlsx" not in st["listing"]
    assert "ket_qua/households.parquet" not in st["listing"]
    for f in ("bao_cao/bieu_01_da_ky.pdf", "bao_cao/da_gui_xa/cong_van_gui_xa.docx", "ghi_chu_can_bo.txt"):
        assert f in st["listing"], f


def test_day3_strict_readme_says_what_is_in_the_folder(autumn: dict[str, Any]) -> None:
    """DEFECT: the README.txt of a run stopped by --strict says "Chỉ có phat_hien.xlsx" (there is only the
    findings workbook), but the run also wrote phat_hien_ban_sao/ — a highlighted copy of every failing return,
    the very files the officer sends back to the communes — and README.txt never mentions that folder. README
    promises `hgn run` writes "a README.txt saying what is where" (and, for a stopped run, "a README.txt saying
    why"). Cause: pipeline.py:_publish_stopped writes the copies (``_write_findings(report, stage, copies)``) but
    its fixed text claims phat_hien.xlsx is all there is."""
    st = autumn["strict"]
    copies = [f for f in st["listing"] if f.startswith("phat_hien_ban_sao/") and f.endswith(".xlsx")]
    assert copies  # written
    assert "phat_hien_ban_sao" in st["readme"], st["readme"]


def test_day3_fail_on_warning_writes_everything_then_exit1(autumn: dict[str, Any]) -> None:
    # guard (passes)
    fw, d3 = autumn["fail_warning"], autumn["day3"]
    assert fw["rc"] == 1, fw["stderr"]
    for f in ("bao_cao/bieu_01.xlsx", "bao_cao/report.html", "ket_qua/households.parquet", "phat_hien.xlsx",
              "README.txt", "bao_cao/bieu_01_da_ky.pdf", "bao_cao/da_gui_xa/cong_van_gui_xa.docx",
              "ghi_chu_can_bo.txt"):
        assert f in fw["listing"], f
    assert not any("bản của người dùng" in f for f in fw["listing"])  # nothing of hgn's taken for the officer's
    assert fw["form01"] == d3["form01"]
    assert _summary(fw["stdout"])["households"] == 18


# ------------------------------------------------------------------------------------------------ the zip
def test_corrected_return_sent_zipped_under_its_old_name_is_not_passed_over(tmp_path: Path) -> None:
    """DEFECT: commune B sends its corrected return zipped ("…_sua.zip") holding a workbook of the SAME file name
    as its first return, which is still in the inbox. `hgn run` reads only the old return, says nothing about the
    zip (not on the terminal, not in README.txt, not in phat_hien.xlsx), and the old figures go into the forms:
    the correction is silently passed over. README: "a zipped return is named, not passed over"; the run says
    "each return not read is named on the terminal and in README.txt". Cause: io/read.py:_extracted takes a zip
    as already extracted when the *names* of its workbooks are in the folder, without comparing their contents
    (a zip's member CRC-32 and size are in its directory, so no member need be opened to tell)."""
    proc = _hgn("sample", "--province", "30", "--communes", "3", "--households", "5", "--seed", "11",
                "--out", "inbox", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    (tmp_path / "inbox" / "manifest.json").unlink()
    assert _run(tmp_path).returncode == 0
    fixed = tmp_path / "mail" / B
    fixed.parent.mkdir()
    dropped = _drop_last_household(tmp_path / "inbox" / B, fixed)
    with zipfile.ZipFile(tmp_path / "inbox" / "10510_phuong_binh_han_sua.zip", "w") as zf:
        zf.write(fixed, B)
    proc = _run(tmp_path)
    assert proc.returncode == 0, proc.stderr
    hh = pd.read_parquet(tmp_path / "out" / "ket_qua" / "households.parquet")
    readme = (tmp_path / "out" / "README.txt").read_text("utf-8")
    named = "10510_phuong_binh_han_sua.zip" in proc.stdout and "10510_phuong_binh_han_sua.zip" in readme
    old_used = dropped in set(hh["ma_ho"])
    assert named or not old_used, (
        "the corrected return in the zip was passed over silently; the old return's household "
        f"{dropped} is still in the forms")
