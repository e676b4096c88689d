"""Review 11: `hgn report` options (--forms, --signer/--place/--date, --forms-dir, --mask-pii, re-runs) and the
figures of report.html against the forms.

One small commune return (Xã Chi Lăng Nam, 11284) of four households is classified once per module:
  0001  village "<script>alert(1)</script>", poor at start, poor at end (4 deprivations)
  0002  "Thôn A & B", not poor at start, near-poor at end (1 deprivation)
  0003  "Thôn A & B", near-poor at start, poor at end (3 deprivations), two members
  0004  "Thôn Đông", poor at start, above near-poor at end
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from conftest import INDICATORS, household, make_id, make_return, member, ok, run_hgn

SRC_FORMS = Path(__file__).parents[1] / "src" / "hgn_review" / "reports" / "forms"
NAMES = ("Nguyễn Văn An", "Trần Thị Hoa", "Lê Văn Cường", "Lê Thị Mai", "Phạm Văn Dũng")


def _dep(n: int) -> dict[str, int]:
    return {k: (1 if i < n else 0) for i, k in enumerate(INDICATORS)}


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("r11report")
    hh = [
        household(ma_ho="11284-0001", thon="<script>alert(1)</script>", thu_nhap_bq=1000000,
                  phan_loai_dau_ky="Nghèo", **_dep(4)),
        household(ma_ho="11284-0002", ho_ten_chu_ho="Trần Thị Hoa", thon="Thôn A & B", thu_nhap_bq=1200000,
                  phan_loai_dau_ky="Không", **_dep(1)),
        household(ma_ho="11284-0003", ho_ten_chu_ho="Lê Văn Cường", thon="Thôn A & B", thu_nhap_bq=1000000,
                  phan_loai_dau_ky="Cận nghèo", **_dep(3)),
        household(ma_ho="11284-0004", ho_ten_chu_ho="Phạm Văn Dũng", thon="Thôn Đông", thu_nhap_bq=5000000,
                  phan_loai_dau_ky="Nghèo", **_dep(0)),
    ]
    mm = [
        member(ma_ho="11284-0001", so_dinh_danh=make_id(serial="000001")),
        member(ma_ho="11284-0002", ho_ten="Trần Thị Hoa", gioi_tinh="Nữ",
               so_dinh_danh=make_id(female=True, serial="000002")),
        member(ma_ho="11284-0003", ho_ten="Lê Văn Cường", so_dinh_danh=make_id(serial="000003")),
        member(ma_ho="11284-0003", stt=2, ho_ten="Lê Thị Mai", gioi_tinh="Nữ", quan_he="Vợ, chồng",
               so_dinh_danh=make_id(female=True, serial="000004")),
        member(ma_ho="11284-0004", ho_ten="Phạm Văn Dũng", so_dinh_danh=make_id(serial="000005")),
    ]
    src = make_return(root, hh, mm)
    out = root / "r.xlsx"
    ok(run_hgn("classify", src, "--out", out, cwd=root))
    return out


def _cells(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return {c.coordinate: c.value for row in ws.iter_rows() for c in row if c.value is not None}


def _all_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path)
    return "\n".join(str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None)


def _row_of(cells: dict[str, object], label: str) -> dict[str, object]:
    """The cells of the form row whose column B is ``label``, by column letter."""
    rows = [re.sub(r"\D", "", k) for k, v in cells.items() if k.startswith("B") and v == label]
    assert len(rows) == 1, (label, rows)
    return {re.sub(r"\d", "", k): v for k, v in cells.items() if re.sub(r"\D", "", k) == rows[0]}


def _report(result: Path, out: Path, *args: object):
    return run_hgn("report", result, "--out-dir", out, *args, cwd=result.parent)


class _Tables(HTMLParser):
    """Every <table> of the page as rows of cell texts, and every text node."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self.cards: list[list[str]] = []
        self._card_depth = 0
        self._card: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        cls = dict(attrs).get("class") or ""
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._row = []
        elif tag in ("td", "th"):
            self._cell = []
        if tag == "div":
            if cls == "card":
                self._card = []
                self._card_depth = 1
            elif self._card is not None:
                self._card_depth += 1

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append("".join(self._cell).replace("\xa0", " ").strip())
            self._cell = None
        elif tag == "tr" and self._row is not None and self.tables:
            self.tables[-1].append(self._row)
            self._row = None
        if tag == "div" and self._card is not None:
            self._card_depth -= 1
            if self._card_depth == 0:
                self.cards.append(self._card)
                self._card = None

    def handle_data(self, data):  # noqa: ANN001
        if self._cell is not None:
            self._cell.append(data)
        if self._card is not None and data.strip():
            self._card.append(data.strip())


def _num(text: str) -> float:
    return float(text.replace("%", "").replace(".", "").replace(",", ".").strip())


# ------------------------------------------------------------------------------------------------ --forms

# guard (passes)
@pytest.mark.parametrize(("spec", "numbers"), [("1,2,4", [1, 2, 4]), ("1-3", [1, 2, 3]), (" 2-2 ,15", [2, 15])])
def test_forms_option_writes_exactly_the_forms_asked(result: Path, tmp_path: Path, spec: str, numbers: list[int]):
    """--forms 1,2,4 / 1-3 write those forms and no other, beside the list and report.html."""
    out = tmp_path / "o"
    ok(_report(result, out, "--forms", spec))
    forms = sorted(p.name for p in out.glob("bieu_*.xlsx"))
    assert forms == [f"bieu_{n:02d}.xlsx" for n in numbers]
    assert (out / "report.html").is_file() and (out / "danh_sach_csdl_dan_cu.xlsx").is_file()


# guard (passes)
@pytest.mark.parametrize("spec", ["0", "16", "3-1", "1,,2", "a", "1-", "-1", "1.5", "1-16"])
def test_bad_forms_value_is_a_usage_error_and_writes_nothing(result: Path, tmp_path: Path, spec: str):
    """A --forms value naming no form (or a reversed range) is exit 2 with a message; no folder is made."""
    out = tmp_path / "o"
    proc = _report(result, out, "--forms", spec)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    assert "--forms" in proc.stderr or "biểu số" in proc.stderr
    assert not out.exists() or not any(out.iterdir())


# ------------------------------------------------------------------------------------------------ signature block

# guard (passes)
def test_signer_place_date_in_forms_and_html(result: Path, tmp_path: Path):
    """--place/--date make the Vietnamese date line ("Thanh Miện, ngày 05 tháng 01 năm 2025") on the right
    above "Thủ trưởng đơn vị", with --signer's name under it; report.html's footer carries the same."""
    out = tmp_path / "o"
    ok(_report(result, out, "--forms", "1,15", "--signer", "Lê Văn Tám", "--place", "Thanh Miện",
               "--date", "5/1/2025"))
    line = "Thanh Miện, ngày 05 tháng 01 năm 2025"
    for n in ("01", "15"):
        cells = _cells(out / f"bieu_{n}.xlsx")
        (date_at,) = [k for k, v in cells.items() if v == line]
        (head_at,) = [k for k, v in cells.items() if v == "Thủ trưởng đơn vị"]
        (name_at,) = [k for k, v in cells.items() if v == "Lê Văn Tám"]
        col = re.sub(r"\d", "", date_at)
        assert re.sub(r"\d", "", head_at) == col == re.sub(r"\d", "", name_at)
        assert int(re.sub(r"\D", "", date_at)) < int(re.sub(r"\D", "", head_at)) < int(re.sub(r"\D", "", name_at))
        assert any(v == "Người lập biểu" for v in cells.values())
    page = (out / "report.html").read_text("utf-8")
    assert line in page and "Lê Văn Tám" in page


# guard (passes)
@pytest.mark.parametrize("bad", ["31/02/2025", "05/01/25", "01/13/2025", "ngày 5"])
def test_bad_date_is_refused(result: Path, tmp_path: Path, bad: str):
    """An impossible --date is exit 2 with the dd/mm/yyyy hint, nothing written."""
    out = tmp_path / "o"
    proc = _report(result, out, "--date", bad)
    assert proc.returncode == 2 and "dd/mm/yyyy" in proc.stderr, proc.stderr
    assert not out.exists() or not any(out.glob("bieu_*"))


# ------------------------------------------------------------------------------------------------ --forms-dir

# guard (passes)
def test_forms_dir_overrides_one_form_only(result: Path, tmp_path: Path):
    """A province's bieu_01.yaml replaces form 1's title; form 2 stays the bundled one."""
    fd = tmp_path / "fd"
    fd.mkdir()
    text = (SRC_FORMS / "bieu_01.yaml").read_text("utf-8").replace("TỔNG HỢP KẾT QUẢ", "TỈNH XX TỔNG HỢP")
    (fd / "bieu_01.yaml").write_text(text, "utf-8")
    out = tmp_path / "o"
    ok(_report(result, out, "--forms", "1,2", "--forms-dir", fd))
    assert str(_cells(out / "bieu_01.xlsx")["A4"]).startswith("TỈNH XX TỔNG HỢP")
    assert str(_cells(out / "bieu_02.xlsx")["A4"]).startswith("TỔNG HỢP DIỄN BIẾN HỘ NGHÈO")


# guard (passes)
@pytest.mark.parametrize("damage", ["yaml", "count"])
def test_broken_forms_dir_leaves_last_report(result: Path, tmp_path: Path, damage: str):
    """A province's form that does not parse, or names a figure that does not exist: exit 3 naming the file,
    and the last report's outputs are left exactly as they were."""
    out = tmp_path / "o"
    ok(_report(result, out))
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    fd = tmp_path / "fd"
    fd.mkdir()
    text = (SRC_FORMS / "bieu_01.yaml").read_text("utf-8")
    text = text.replace("columns:", "columns: [") if damage == "yaml" else text.replace(
        "count: poor_hh}", "count: poor_hhx}")
    (fd / "bieu_01.yaml").write_text(text, "utf-8")
    proc = _report(result, out, "--forms-dir", fd, "--signer", "Người khác")
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "bieu_01.yaml" in proc.stderr
    after = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}
    assert after == before
    assert not [p for p in out.iterdir() if p.is_dir()]


def test_forms_dir_yaml_in_legacy_encoding_is_internal_error(result: Path, tmp_path: Path):
    """DEFECT: a province's bieu_01.yaml saved as Notepad's "Unicode" (UTF-16) — or Windows-1258 "ANSI", the same
    result by hand with iconv — ends in exit 4 "Lỗi nội bộ của hgn (UnicodeDecodeError …)". README: exit 3 is "could not run (with a hint)", 4 is an
    internal error; the broken-YAML case already gets exit 3 naming the file. Cause:
    reports/formdef.py:load_forms reads with path.read_text("utf-8") and does not catch UnicodeDecodeError."""
    fd = tmp_path / "fd"
    fd.mkdir()
    text = (SRC_FORMS / "bieu_01.yaml").read_text("utf-8").replace("TỔNG HỢP KẾT QUẢ", "TỈNH XX TỔNG HỢP")
    (fd / "bieu_01.yaml").write_bytes(text.encode("utf-16"))  # Notepad's "Unicode" (UTF-16 LE with BOM)
    out = tmp_path / "o"
    proc = _report(result, out, "--forms-dir", fd)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "bieu_01.yaml" in proc.stderr


def test_forms_dir_with_unrecognised_file_name_is_silently_ignored(result: Path, tmp_path: Path):
    """DEFECT: a province's folder whose form file is named "Bieu_01.yaml" (capital B, as Windows Explorer lets an
    officer rename it) is accepted without a word and the bundled form 1 is printed instead of the province's
    prescribed one. README: "a province can override one"; a --forms-dir that overrides nothing should be said
    (or the file read). Cause: reports/formdef.py:load_forms matches ^bieu_(\\d{1,2})\\.ya?ml$ case-sensitively and
    says nothing when no file in the folder matches."""
    fd = tmp_path / "fd"
    fd.mkdir()
    text = (SRC_FORMS / "bieu_01.yaml").read_text("utf-8").replace("TỔNG HỢP KẾT QUẢ", "TỈNH XX TỔNG HỢP")
    (fd / "Bieu_01.yaml").write_text(text, "utf-8")
    out = tmp_path / "o"
    proc = _report(result, out, "--forms", "1", "--forms-dir", fd)
    overridden = proc.returncode == 0 and str(_cells(out / "bieu_01.xlsx")["A4"]).startswith("TỈNH XX")
    said = "Bieu_01.yaml" in proc.stdout + proc.stderr
    assert overridden or said, proc.stdout + proc.stderr


# ------------------------------------------------------------------------------------------------ --mask-pii

# guard (passes)
def test_mask_pii_masks_names_and_ids_in_every_output(result: Path, tmp_path: Path):
    """--mask-pii: no full name and no full 12-digit ID in the forms, the list (xlsx, csv) or report.html; IDs keep
    their last four digits."""
    out = tmp_path / "o"
    ok(_report(result, out, "--mask-pii"))
    texts = [_all_text(p) for p in out.glob("*.xlsx")]
    texts += [p.read_text("utf-8-sig") for p in out.glob("*.csv")] + [(out / "report.html").read_text("utf-8")]
    blob = "\n".join(texts)
    for name in NAMES:
        assert name not in blob, name
    for serial in range(1, 6):
        full_id = make_id(female=serial in (2, 4), serial=f"{serial:06d}")
        assert full_id not in blob, full_id
    assert "********0003" in blob


# ------------------------------------------------------------------------------------------------ re-runs

# guard (passes)
def test_rerun_keeps_officers_file(result: Path, tmp_path: Path):
    """A signed scan the officer put beside the forms survives a re-run; the forms are rewritten with the new
    signer."""
    out = tmp_path / "o"
    ok(_report(result, out, "--forms", "1"))
    (out / "bieu_01_da_ky.pdf").write_bytes(b"%PDF-1.4 scan")
    ok(_report(result, out, "--forms", "1", "--signer", "Lê Văn Tám"))
    assert (out / "bieu_01_da_ky.pdf").read_bytes() == b"%PDF-1.4 scan"
    assert "Lê Văn Tám" in _cells(out / "bieu_01.xlsx").values()
    assert not [p for p in out.iterdir() if p.is_dir()]


def test_rerun_with_mask_pii_leaves_last_runs_unmasked_lists(result: Path, tmp_path: Path):
    """DEFECT: an officer writes the full report, then re-runs into the same folder with --mask-pii --forms 1,2 to
    make the copy for sharing. The folder then still holds last run's bieu_14.xlsx / bieu_15.xlsx with every
    member's full name, beside the masked list and page, with nothing saying so. README: the outputs "are put in
    place together" and --mask-pii is for "the outputs meant for sharing". Cause: reports/__init__.py:make_report
    only moves the new outputs in; the last run's outputs not rewritten are never removed."""
    out = tmp_path / "o"
    ok(_report(result, out))
    ok(_report(result, out, "--mask-pii", "--forms", "1,2"))
    leaked = [p.name for p in out.glob("*.xlsx") if any(n in _all_text(p) for n in NAMES)]
    assert leaked == [], f"full names left in the masked report's folder: {leaked}"


def test_rerun_with_fewer_forms_mixes_two_reports(result: Path, tmp_path: Path):
    """DEFECT: re-running `hgn report` into a folder with --forms 1 leaves forms 2–15 of the previous report (here
    of another result, with other figures) beside the new form 1 and report.html, so the folder presents two
    rounds' figures as one report. README: "The outputs are written aside and put in place together (a form that
    cannot be made leaves the last report as it was)" — a report replaces the last one, not part of it. Cause:
    reports/__init__.py:make_report moves new outputs over old ones but leaves the rest of the last report."""
    other = tmp_path / "other"
    other.mkdir()
    ok(run_hgn("classify", make_return(other), "--out", other / "r1.xlsx", cwd=other))  # one non-poor household
    out = tmp_path / "o"
    ok(_report(other / "r1.xlsx", out))
    ok(_report(result, out, "--forms", "1"))
    total_1 = _row_of(_cells(out / "bieu_01.xlsx"), "Tổng cộng")["C"]
    stale = []
    for p in sorted(out.glob("bieu_*.xlsx")):
        cells = _cells(p)
        if p.name != "bieu_01.xlsx" and any(v == "Tổng cộng" for v in cells.values()):
            stale.append(p.name)
    assert total_1 == 4
    assert stale == [], f"forms of the previous report left beside the new one: {stale}"


# ------------------------------------------------------------------------------------------------ report.html

@pytest.fixture(scope="module")
def full(result: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("full") / "o"
    ok(_report(result, out, "--date", "05/01/2025"))
    return out


# guard (passes)
def test_html_cards_equal_form_1_total_row(full: Path):
    """The key-figure cards (households, persons, poor / near-poor households, rates and persons) equal form 1's
    total row."""
    total = _row_of(_cells(full / "bieu_01.xlsx"), "Tổng cộng")
    p = _Tables()
    p.feed((full / "report.html").read_text("utf-8"))
    cards = {c[0]: c[1:] for c in p.cards}
    assert _num(cards["Tổng số hộ"][0]) == total["C"]
    assert cards["Tổng số hộ"][1].startswith(f"{total['D']} nhân khẩu")
    poor, near = cards["Hộ nghèo"], cards["Hộ cận nghèo"]
    assert _num(poor[0]) == total["E"] and _num(near[0]) == total["I"]
    assert re.match(r"([\d,]+) % số hộ; (\d+) nhân khẩu", poor[1]).groups() == (
        f"{total['F']:.2f}".replace(".", ","), str(total["G"]))
    assert re.match(r"([\d,]+) % số hộ; (\d+) nhân khẩu", near[1]).groups() == (
        f"{total['J']:.2f}".replace(".", ","), str(total["K"]))


# guard (passes)
def test_html_tables_equal_forms(full: Path):
    """The per-village rate table equals form 1's rate columns row by row (village names read back escaped
    correctly); the indicator table equals form 4's total row; the movement tables equal forms 2 and 3."""
    f1, f2, f3, f4 = (_cells(full / f"bieu_0{n}.xlsx") for n in (1, 2, 3, 4))
    p = _Tables()
    p.feed((full / "report.html").read_text("utf-8"))
    rates = next(t for t in p.tables if t[0][1:] == ["Tỷ lệ hộ nghèo", "Tỷ lệ hộ cận nghèo"])
    labels = [r[0] for r in rates[1:]]
    assert labels == ["<script>alert(1)</script>", "Thôn A & B", "Thôn Đông", "Tổng cộng"]
    for r in rates[1:]:
        row = _row_of(f1, r[0])
        assert (_num(r[1]), _num(r[2])) == (row["F"], row["J"])
    ind = next(t for t in p.tables if t[0][:2] == ["Chỉ số", "Số hộ nghèo thiếu hụt"])
    t4 = _row_of(f4, "Tổng cộng")
    assert [int(_num(r[1])) for r in ind[1:]] == [t4[c] for c in "EFGHIJKLMNOP"]
    mov = [t for t in p.tables if t and t[0] and t[0][0] in ("Hộ nghèo", "Hộ cận nghèo")]
    assert [t[0][0] for t in mov] == ["Hộ nghèo", "Hộ cận nghèo"]
    for t, form in zip(mov, (f2, f3), strict=True):
        vals = {r[0].lstrip("–+ ").strip(): r[1] for r in t[1:] if len(r) == 2}
        tot = _row_of(form, "Tổng cộng")
        assert _num(vals["Đầu kỳ"]) == tot["C"]
        assert _num(vals["Giảm trong kỳ"]) == tot["D"]
        assert _num(vals["Tăng trong kỳ"]) == tot["I"]
        assert _num(vals["Cuối kỳ"]) == tot["O"]
    assert _num(next(r[1] for r in mov[0][1:] if "Cận nghèo thành nghèo" in r[0])) == _row_of(f2, "Tổng cộng")["J"]
    assert _num(next(r[1] for r in mov[1][1:] if "Cận nghèo mới" in r[0])) == _row_of(f3, "Tổng cộng")["K"]


# guard (passes)
def test_html_self_contained_escaped_and_says_standard(full: Path):
    """report.html loads nothing from outside, escapes the data's text (a village named <script>…, an &), and
    names the standard, the year and the report date."""
    page = (full / "report.html").read_text("utf-8")
    assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page, re.I)
    assert "@import" not in page and not re.search(r"url\(\s*[\"']?(https?:)?//", page, re.I)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Thôn A &amp; B" in page and "Thôn A & B" not in page
    assert "Chuẩn nghèo đa chiều giai đoạn 2022–2025" in page
    assert "năm 2024" in page and "ngày 05 tháng 01 năm 2025" in page
