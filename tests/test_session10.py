"""Session 10: checks added with this session's changes."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pytest

from conftest import run_hgn
from hgn_review.schemas.coerce import _INVISIBLE_CHARS, _data_bytes, _invisible_in, strip_text

_FRAME_EN = ("Usage:", "Options:", "Arguments:", "Commands:", "Show this message and exit.", "[required]",
             "[default:", "[OPTIONS]", "<list[Path]>")


@pytest.mark.parametrize("args", [("--help",), ("run", "--help"), ("validate", "--help"), ("standard", "--help"),
                                  ("standard", "show", "--help")])
def test_help_screens_are_framed_in_vietnamese(tmp_path: Path, args: tuple[str, ...]) -> None:
    """An officer's `hgn … --help` said "Usage:", "Options:", "[required]", "Show this message and exit." in
    English around the Vietnamese help; the frame is Vietnamese now, and English under --lang en."""
    vi = run_hgn(*args, cwd=tmp_path)
    assert vi.returncode == 0, vi.stderr
    assert vi.stdout.startswith("Cách dùng: ")
    assert "Hiện trợ giúp này rồi thoát." in vi.stdout
    assert "Tuỳ chọn:" in vi.stdout.splitlines()
    for word in _FRAME_EN:
        assert word not in vi.stdout, (word, vi.stdout)
    assert "{" not in vi.stdout.splitlines()[0]  # typer's braces around an argument's name
    en = run_hgn(*args, "--lang", "en", cwd=tmp_path) if args[-2:-1] not in ((), ("standard",)) else None
    if en is not None:
        assert en.returncode == 0, en.stderr
        assert en.stdout.startswith("Usage: ") and "Options:" in en.stdout
        assert "Show this message and exit." in en.stdout and "<list[Path]>" not in en.stdout


def test_required_and_default_are_said_in_vietnamese(tmp_path: Path) -> None:
    out = run_hgn("run", "--help", cwd=tmp_path).stdout
    assert "[bắt buộc]" in out and "[mặc định: vi]" in out
    assert out.count("Đối số:") == 1 and out.count("Tuỳ chọn:") == 1


def _has_invisible(arr: pa.Array) -> bool:
    """The test strip_text makes on a column's bytes before any regex runs."""
    return _invisible_in(_data_bytes(arr))


@pytest.mark.parametrize("ch", list(_INVISIBLE_CHARS))
def test_each_invisible_character_is_found_and_taken_off(ch: str) -> None:
    """The lead-byte shortcut of the invisible-character test must not miss any of them, wherever it stands."""
    arr = pa.array(["Nguyễn Văn A", None, f"Nam{ch}", f"{ch}01", "Hộ – nghèo"])
    assert _has_invisible(arr)
    assert strip_text(arr).to_pylist() == ["Nguyễn Văn A", None, "Nam", "01", "Hộ – nghèo"]


def test_vietnamese_text_and_lookalike_bytes_are_not_taken_for_invisible() -> None:
    """No Vietnamese letter, dash, no-break space or symbol starting with the same bytes counts (each of these
    shares a lead byte with an invisible character: \u2013 and \u2060 both start e2 80/e2 81, \u00a0 and \u00ad c2)."""
    arr = pa.array(["Đặng Thị Ưng", "1 – 2", "a\u00a0b", "\u20ac", "\ufb01", "\u2026"])
    assert not _has_invisible(arr)
    assert not _has_invisible(pa.array([], pa.string()))
    assert not _has_invisible(pa.array([None, None], pa.string()))


# ------------------------------------------------------------------------------------------ persons counted once
def test_household_persons_counts_a_code_written_twice_once() -> None:
    """The member rows, else the written size; a code on two rows: the members under either, else the first
    row's written size, once. A row without a code is a household of its own."""
    import numpy as np
    import pandas as pd

    from hgn_review.scoring._frames import household_persons

    hh = pd.DataFrame({"ma_xa": ["11284"] * 7,
                       "ma_ho": ["A", "A", "B", "B", None, None, "C"],
                       "so_thanh_vien": [2, 2, 3, 5, 4, 6, 7]})
    size = np.array([2, 0, 0, 0, 0, 0, 0])
    assert household_persons(hh, size).tolist() == [2, 0, 3, 0, 4, 6, 7]
    # members under the second row of a code: the first row adds nothing either
    assert household_persons(hh, np.array([0, 2, 0, 0, 0, 0, 0])).tolist() == [0, 2, 3, 0, 4, 6, 7]
    # the same code in two communes (or two returns) is two households
    other = hh.assign(ma_xa=["11284", "11287", "11284", "11287", "11284", "11284", "11284"])
    assert household_persons(other, size).tolist() == [2, 2, 3, 5, 4, 6, 7]
    assert household_persons(hh.assign(file=["a", "b", "a", "b", "a", "a", "a"]), size).tolist() == [2, 2, 3, 5, 4, 6, 7]
    # no code written twice, or every household with members: the plain rule
    assert household_persons(hh.iloc[[0, 2, 6]], np.array([0, 0, 0])).tolist() == [2, 3, 7]


def _members_rows(path: Path) -> list[int]:
    import pandas as pd

    return sorted(int(r) for r in pd.read_parquet(path / "ket_qua" / "members.parquet")["row"])


def test_member_rows_with_only_a_household_code_are_not_taken_for_copies(tmp_path: Path) -> None:
    """Two member rows holding nothing but the household code (an officer's unfinished lines) are two unknown
    persons, each reported on its blank cells — never read once as a copy; a real copy of
    a named person is read once, named in a row-duplicate warning at its Excel row."""
    import openpyxl

    from conftest import MM_SHEET, household, make_id, make_return, member, ok

    folder = tmp_path / "in"
    son = dict(ma_ho="11284-0001", stt=2, ho_ten="Nguyễn Văn Con", ngay_sinh="01/01/2000", quan_he="Con",
               so_dinh_danh=make_id(birth_year=2000, serial="000011"))
    path = make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=9000000)],
                       [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")), member(**son),
                        member(**son)])
    wb = openpyxl.load_workbook(path)
    ws = wb[MM_SHEET]
    header = [c.value for c in ws[1]]
    for r in (5, 6):
        ws.cell(r, header.index("Mã hộ") + 1).value = "11284-0001"
    wb.save(path)
    out = tmp_path / "out"
    ok(run_hgn("run", folder, "--out", out, cwd=tmp_path))
    assert _members_rows(out) == [2, 3, 5, 6]
    import pandas as pd

    found = pd.read_excel(out / "phat_hien.xlsx", sheet_name=0)
    dup = found[found["Mã lỗi"] == "row-duplicate"]
    assert dup["Dòng"].tolist() == [4] and "3" in str(dup["Nội dung"].iloc[0])


def test_footer_inside_the_table_is_skipped_and_a_blank_coded_household_under_it_kept(tmp_path: Path) -> None:
    """A total row and a signature line with a household added under them: the two footer rows are left out and
    said so (footer-rows-inside, a warning naming rows 4–5), the late household is read; a household row without
    a code but with its answers (more than a few cells) between them is kept and reported, never dropped."""
    import openpyxl
    import pandas as pd

    from conftest import HH_SHEET, household, make_id, make_return, member, ok

    folder = tmp_path / "in"
    path = make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=9000000),
                                household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Văn Hai", thu_nhap_bq=9000000)],
                       [member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
                        member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=make_id(serial="000002")),
                        member(ma_ho="11284-0003", ho_ten="Hoàng Văn Ba", so_dinh_danh=make_id(serial="000003"))])
    wb = openpyxl.load_workbook(path)
    ws = wb[HH_SHEET]
    row2 = [c.value for c in ws[2]]
    ws.cell(4, 1).value, ws.cell(4, 6).value = "Tổng cộng", 2
    ws.cell(5, 2).value, ws.cell(5, 12).value = "NGƯỜI LẬP BIỂU", "CHỦ TỊCH UBND XÃ"
    blank_coded = [None, "Lê Văn Năm", *row2[2:]]
    late = ["11284-0003", "Hoàng Văn Ba", *row2[2:]]
    for r, values in ((6, blank_coded), (7, late)):
        for c, v in enumerate(values, start=1):
            ws.cell(r, c).value = v
    wb.save(path)
    out = tmp_path / "out"
    ok(run_hgn("run", folder, "--out", out, cwd=tmp_path))
    hh = pd.read_parquet(out / "ket_qua" / "households.parquet")
    assert sorted(hh["row"].astype(int)) == [2, 3, 6, 7]
    found = pd.read_excel(out / "phat_hien.xlsx", sheet_name=0)
    inside = found[found["Mã lỗi"] == "footer-rows-inside"]
    assert inside["Dòng"].tolist() == [4] and "4–5" in str(inside["Nội dung"].iloc[0])
    assert set(found.loc[found["Dòng"] == 6, "Mã lỗi"]) >= {"value-required"}
    assert hh.loc[hh["row"] == 6, "phan_loai"].iloc[0] == "Chưa đủ thông tin"


# ------------------------------------------------------------------------------------------ the officer's files
def test_an_interrupted_publish_still_carries_the_officers_files(tmp_path: Path) -> None:
    """A run stopped after it moved the last outputs aside (.hgn-old) and put the new ones in place, before it
    carried the officer's own files over: the next run's clean-up carries them (the manifest of the last
    publishing says which files were hgn's), then removes the rest of the old outputs."""
    import json

    from hgn_review import pipeline

    out = tmp_path / "out"
    (out / pipeline.CACHE_DIR).mkdir(parents=True)
    (out / pipeline.CACHE_DIR / pipeline.MANIFEST).write_text(json.dumps({"bao_cao": ["bieu_01.xlsx"]}), "utf-8")
    old = out / pipeline.OLD / "bao_cao"
    old.mkdir(parents=True)
    (old / "bieu_01.xlsx").write_bytes(b"last run's form")
    (old / "bieu_01_da_ky.pdf").write_bytes(b"%PDF signed")
    (out / "bao_cao").mkdir()
    (out / "bao_cao" / "bieu_01.xlsx").write_bytes(b"this run's form")
    pipeline._remove_leftovers(out)
    assert (out / "bao_cao" / "bieu_01_da_ky.pdf").read_bytes() == b"%PDF signed"
    assert (out / "bao_cao" / "bieu_01.xlsx").read_bytes() == b"this run's form"
    assert not (out / pipeline.OLD).exists()


def test_an_officers_file_of_an_output_name_is_kept_beside_the_new_output(tmp_path: Path) -> None:
    """An officer's scan saved as bao_cao/bieu_01.pdf (hgn wrote no PDF last time: not in the manifest) when the
    new run writes bieu_01.pdf itself: the officer's is kept as "bieu_01 (bản của người dùng).pdf"; hgn's own
    files of the last run not written again are removed."""
    import json

    from hgn_review import pipeline

    out = tmp_path / "out"
    (out / pipeline.CACHE_DIR).mkdir(parents=True)
    (out / pipeline.CACHE_DIR / pipeline.MANIFEST).write_text(json.dumps({"bao_cao": ["bieu_01.xlsx", "old.csv"]}),
                                                               "utf-8")
    (out / "bao_cao").mkdir()
    for name, data in (("bieu_01.xlsx", b"old form"), ("old.csv", b"old list"), ("bieu_01.pdf", b"scan")):
        (out / "bao_cao" / name).write_bytes(data)
    stage = out / pipeline.STAGING
    (stage / "bao_cao").mkdir(parents=True)
    (stage / "bao_cao" / "bieu_01.xlsx").write_bytes(b"new form")
    (stage / "bao_cao" / "bieu_01.pdf").write_bytes(b"new pdf")
    pipeline._publish(stage, out)
    got = {p.name: p.read_bytes() for p in (out / "bao_cao").iterdir()}
    assert got == {"bieu_01.xlsx": b"new form", "bieu_01.pdf": b"new pdf", "bieu_01 (bản của người dùng).pdf": b"scan"}
    manifest = json.loads((out / pipeline.CACHE_DIR / pipeline.MANIFEST).read_text("utf-8"))
    assert manifest == {"bao_cao": ["bieu_01.pdf", "bieu_01.xlsx"]}


def test_lang_is_read_in_both_spellings() -> None:
    from hgn_review.cli import _lang_of

    assert _lang_of(["run", "x", "--lang", "en"]) == _lang_of(["run", "--lang=en", "x"]) == "en"
    assert _lang_of(["run", "--lang", "vi"]) == _lang_of(["run", "en"]) == _lang_of([]) == "vi"


def test_a_household_that_moved_between_villages_written_twice_keeps_its_persons(tmp_path: Path) -> None:
    """(review helper, session 10) One household code on two rows: "Chuyển đi" from Thôn 1 — the member rows link
    to it — and the row of the village it moved to. Form 01 counts the present household with its persons (3,
    as written), not 0 because its members stand under the departed row."""
    import openpyxl

    from conftest import household, make_id, make_return, member, ok

    folder = tmp_path / "in"
    code = "11284-0001"
    make_return(folder, [household(ma_ho=code, tinh_trang_ho="Chuyển đi", so_thanh_vien=3, thu_nhap_bq=9000000),
                         household(ma_ho=code, thon="Thôn 2", so_thanh_vien=3, thu_nhap_bq=9000000)],
                [member(ma_ho=code, so_dinh_danh=make_id(serial="000001")),
                 member(ma_ho=code, stt=2, ho_ten="Nguyễn Thị Lan", gioi_tinh="Nữ", quan_he="Vợ, chồng",
                        so_dinh_danh=make_id(female=True, serial="000002")),
                 member(ma_ho=code, stt=3, ho_ten="Nguyễn Văn Út", ngay_sinh="01/01/2010", quan_he="Con",
                        so_dinh_danh=make_id(birth_year=2010, serial="000003"))])
    out = tmp_path / "out"
    ok(run_hgn("run", folder, "--out", out, cwd=tmp_path))
    ws = openpyxl.load_workbook(out / "bao_cao" / "bieu_01.xlsx", data_only=True).worksheets[0]
    total = next(list(r) for r in ws.iter_rows(values_only=True) if len(r) > 1 and r[1] == "Tổng cộng")
    assert (total[2], total[3]) == (1, 3)


def test_merge_keeps_an_id_shared_by_two_files_of_one_commune(tmp_path: Path) -> None:
    """(review helper, session 10) A commune sends one file per village and a person is in both: hgn classify
    reports id-duplicate-batch on both rows; hgn merge of that result must keep them (its own check looks across
    units, and the two files are one unit) — it said "0 lỗi"."""
    import pandas as pd

    from conftest import household, make_id, make_return, member

    folder = tmp_path / "in"
    shared = make_id(serial="000009")
    make_return(folder, [household(ma_ho="11284-0001", thu_nhap_bq=9000000)],
                [member(ma_ho="11284-0001", so_dinh_danh=shared)], name="11284_thon_1.xlsx")
    make_return(folder, [household(ma_ho="11284-0002", thon="Thôn 2", ho_ten_chu_ho="Trần Văn Hai",
                                   thu_nhap_bq=9000000)],
                [member(ma_ho="11284-0002", ho_ten="Trần Văn Hai", so_dinh_danh=shared)], name="11284_thon_2.xlsx")
    res = tmp_path / "xa.xlsx"
    proc = run_hgn("classify", folder, "--out", res, cwd=tmp_path)  # exit 1: findings (the shared ID is an error)
    assert proc.returncode in (0, 1) and res.exists(), proc.stderr
    merged = tmp_path / "huyen.xlsx"
    proc = run_hgn("merge", res, "--out", merged, cwd=tmp_path)
    assert proc.returncode in (0, 1), proc.stderr
    found = pd.read_excel(merged, sheet_name="Phát hiện", header=1)
    dup = found[found["code"] == "id-duplicate-batch"]
    assert sorted(str(f).rsplit("/", 1)[-1] for f in dup["file"]) == ["11284_thon_1.xlsx", "11284_thon_2.xlsx"]
