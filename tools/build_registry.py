"""Build the administrative-unit package data of `hgn_review.registry` from the shared admin lists.

Dev tool, not shipped: the package never reads the shared lists at run time. Run it when a list changes:

    .venv/bin/python tools/build_registry.py [--admin ../shared/data/admin] [--out src/hgn_review/registry/data]

Inputs (see the admin folder's README.md):
  units-2025-01-04.csv      three levels before 1/7/2025 (province 2 digits, district 3, commune 5)
  units-2025-07-01.json     communes from 1/7/2025 (codes as integers, no province code)
  crosswalk-2025-07-01.csv  old commune -> new commune, with the new province as "Tỉnh X (nn)"

Output: one gzipped JSON, `units.json.gz`, written deterministically (same inputs, same bytes):
  before.provinces  [code, name, type]
  before.districts  [code, name, type, province_code]
  before.communes   [code, name, type, district_code]
  after.provinces   [code, name, type]
  after.communes    [code, name, type, province_code]
  crosswalk.notes   distinct "Ghi chú" texts
  crosswalk.rows    [old_code, old_name or "" when it equals the registry's name, new_code, whole 0/1, note index]
Island districts that had no communes (Bạch Long Vĩ, Cồn Cỏ, Hoàng Sa, Lý Sơn, Côn Đảo) appear in the crosswalk
under their 3-digit district code.

Repairs made to the source (each printed when the script runs):
  * names: whitespace collapsed, NFC, type word capitalised ("Thị Xã" -> "Thị xã", "xã Bắc Sơn" -> "Xã Bắc Sơn");
  * a commune's type is the type word of its name when the "Cấp" column disagrees (the list has
    "Phường 5, 27046" of Quận Phú Nhuận listed as Xã);
  * a crosswalk row whose old code names another commune than the one written, when the written name is exactly
    one commune of the same old district and the code's own commune stays mapped by other rows (a typo in the
    code: e.g. "Xã Mỹ Hưng, 01615" -> 01651).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import hashlib
import io
import json
import re
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_ADMIN = ROOT.parent / "shared" / "data" / "admin"
DEFAULT_OUT = ROOT / "src" / "hgn_review" / "registry" / "data"
UNITS_BEFORE = "units-2025-01-04.csv"
UNITS_AFTER = "units-2025-07-01.json"
CROSSWALK = "crosswalk-2025-07-01.csv"
REFORM_DATE = "2025-07-01"
FORMAT = 1

PROVINCE_TYPES = ("Thành phố", "Tỉnh")
DISTRICT_TYPES = ("Thành phố", "Thị xã", "Quận", "Huyện")
COMMUNE_TYPES = ("Thị trấn", "Đặc khu", "Phường", "Xã")
EXPECTED = {"before.provinces": 63, "before.districts": 696, "before.communes": 10051,
            "after.provinces": 34, "after.communes": 3321}

_CODE_IN_PARENS = re.compile(r"\((\d+)\)\s*$")


def fold(text: str) -> str:
    s = unicodedata.normalize("NFD", text)
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return " ".join(s.replace("đ", "d").replace("Đ", "D").split()).lower()


def clean(text: str) -> str:
    return unicodedata.normalize("NFC", " ".join(str(text).split()))


def split_type(name: str, types: tuple[str, ...]) -> tuple[str, str]:
    """('Thị xã', 'Thị xã Mường Lay') from 'Thị Xã Mường Lay': the type word matched case-insensitively."""
    for t in types:
        if name.lower().startswith(t.lower() + " "):
            return t, t + name[len(t):]
    raise SystemExit(f"no type word {types} in {name!r}")


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_before(path: Path) -> dict[str, list[list[str]]]:
    provinces: dict[str, list[str]] = {}
    districts: dict[str, list[str]] = {}
    communes: list[list[str]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for row in csv.DictReader(fh):
            pcode, dcode, ccode = row["Mã TP"].strip(), row["Mã QH"].strip(), row["Mã PX"].strip()
            assert re.fullmatch(r"\d{2}", pcode) and re.fullmatch(r"\d{3}", dcode), row
            ptype, pname = split_type(clean(row["Tỉnh Thành Phố"]), PROVINCE_TYPES)
            dtype, dname = split_type(clean(row["Quận Huyện"]), DISTRICT_TYPES)
            assert provinces.setdefault(pcode, [pcode, pname, ptype]) == [pcode, pname, ptype], row
            assert districts.setdefault(dcode, [dcode, dname, dtype, pcode]) == [dcode, dname, dtype, pcode], row
            if not ccode:  # an island district without communes
                print(f"  before: district {dcode} {dname} has no commune level")
                continue
            assert re.fullmatch(r"\d{5}", ccode), row
            ctype = clean(row["Cấp"])
            assert ctype in COMMUNE_TYPES, row
            cname = clean(row["Phường Xã"])
            written_type, fixed = split_type(cname, COMMUNE_TYPES)
            if written_type != ctype:
                print(f"  before: commune {ccode} {cname!r} listed as {ctype}: type taken from the name")
            communes.append([ccode, fixed, written_type, dcode])
    assert len({c[0] for c in communes}) == len(communes), "duplicate commune codes"
    return {"provinces": sorted(provinces.values()), "districts": sorted(districts.values()),
            "communes": sorted(communes)}


def read_crosswalk_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = [clean(c) for c in rows[1]]
    assert header[:8] == ["Tỉnh, thành phố", "Tên Xã mới", "Mã Xã mới", "Tên Xã cũ", "Mã Xã cũ", "Ghi chú",
                          "Quận/huyện", "Tỉnh cũ"], header
    out = []
    for row in rows[2:]:
        cells = [clean(c) for c in row[:8]]
        if not any(cells[1:]):  # a province heading row
            continue
        out.append(cells)
    return out


def read_after(path: Path, cw_rows: list[list[str]]) -> dict[str, list[list[str]]]:
    province_of: dict[str, tuple[str, str]] = {}
    for new_prov, _name, new_code, *_ in cw_rows:
        m = _CODE_IN_PARENS.search(new_prov)
        assert m and re.fullmatch(r"\d{5}", new_code), new_prov
        entry = (m.group(1), clean(new_prov[: m.start()]))
        assert province_of.setdefault(new_code, entry) == entry, (new_code, entry)
    provinces: dict[str, list[str]] = {}
    communes: list[list[str]] = []
    for item in json.loads(path.read_text("utf-8")):
        code = f"{int(item['code']):05d}"
        ptype, pname = split_type(clean(item["province_name"]), PROVINCE_TYPES)
        ctype, cname = split_type(clean(item["name"]), COMMUNE_TYPES)
        if code not in province_of:
            raise SystemExit(f"after: commune {code} {cname} is not in the crosswalk: no province code")
        pcode, cw_pname = province_of[code]
        assert fold(cw_pname) == fold(pname), (code, cw_pname, pname)
        assert provinces.setdefault(pcode, [pcode, pname, ptype]) == [pcode, pname, ptype], (pcode, pname)
        communes.append([code, cname, ctype, pcode])
    assert len({c[0] for c in communes}) == len(communes), "duplicate commune codes"
    return {"provinces": sorted(provinces.values()), "communes": sorted(communes)}


def build_crosswalk(cw_rows: list[list[str]], before: dict[str, list[list[str]]],
                    after: dict[str, list[list[str]]]) -> dict[str, Any]:
    old_name = {c[0]: c[1] for c in before["communes"]}
    old_district = {c[0]: c[3] for c in before["communes"]}
    by_district_name: dict[tuple[str, str], list[str]] = defaultdict(list)
    for code, name, _type, dcode in before["communes"]:
        by_district_name[(dcode, fold(name))].append(code)
    new_codes = {c[0] for c in after["communes"]}
    uses = Counter(r[4] for r in cw_rows if r[4])

    notes: list[str] = []
    note_index: dict[str, int] = {}
    rows: list[list[Any]] = []
    for _prov, _new_name, new_code, written_old_name, old_code, note, old_district_text, _old_prov in cw_rows:
        assert new_code in new_codes, new_code
        m = _CODE_IN_PARENS.search(old_district_text)
        assert m, old_district_text
        dcode = m.group(1)
        if not old_code:
            if fold(note).startswith("sap xep toan bo huyen"):
                old_code, written_old_name = dcode, ""  # a whole island district became a special zone
            else:
                print(f"  crosswalk: row without an old code skipped: {written_old_name!r} -> {new_code}")
                continue
        elif old_code in old_name and fold(old_name[old_code]) != fold(written_old_name):
            cand = by_district_name.get((dcode, fold(written_old_name)), [])
            if len(cand) == 1 and cand[0] != old_code and uses[old_code] > 1:
                print(f"  crosswalk: old code {old_code} ({old_name[old_code]}) written for {written_old_name}"
                      f" -> corrected to {cand[0]}")
                uses[old_code] -= 1
                old_code = cand[0]
        assert re.fullmatch(r"\d{5}|\d{3}", old_code), old_code
        if old_code in old_district and old_district[old_code] != dcode:
            print(f"  crosswalk: old code {old_code} is in district {old_district[old_code]}, row says {dcode}")
        stored_name = "" if fold(old_name.get(old_code, "")) == fold(written_old_name) else written_old_name
        if note not in note_index:
            note_index[note] = len(notes)
            notes.append(note)
        whole = 0 if ("mot phan" in fold(note) or "phan con lai" in fold(note)) else 1
        rows.append([old_code, stored_name, new_code, whole, note_index[note]])
    rows.sort(key=lambda r: (r[0], r[2]))
    unmapped = sorted(set(old_name) - {r[0] for r in rows})
    print(f"  crosswalk: {len(rows)} rows; {len(unmapped)} communes of the old list have no row"
          f" (units changed between the two lists): {', '.join(unmapped)}")
    return {"notes": notes, "rows": rows}


def build(admin: Path) -> dict[str, Any]:
    before = read_before(admin / UNITS_BEFORE)
    cw_rows = read_crosswalk_rows(admin / CROSSWALK)
    after = read_after(admin / UNITS_AFTER, cw_rows)
    data: dict[str, Any] = {
        "format": FORMAT,
        "reform_date": REFORM_DATE,
        "eras": {"before-2025-07": {"source": UNITS_BEFORE}, "from-2025-07": {"source": UNITS_AFTER}},
        # practice (domain.md §2.1): a phường or thị trấn is urban, a xã rural (both eras; a đặc khu is left
        # undetermined); kept as data so it can be corrected; a commune's area is overridable at run time (get_registry(area_overrides=…)).
        "area_by_type": {"Phường": "Thành thị", "Thị trấn": "Thành thị", "Xã": "Nông thôn"},
        "sources": {name: sha256(admin / name) for name in (UNITS_BEFORE, UNITS_AFTER, CROSSWALK)},
        "before": before,
        "after": after,
        "crosswalk": build_crosswalk(cw_rows, before, after),
    }
    for key, expected in EXPECTED.items():
        era, kind = key.split(".")
        got = len(data[era][kind])
        if got != expected:
            raise SystemExit(f"{key}: {got} units, expected {expected}")
    return data


def write(data: dict[str, Any], out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as gz:
        gz.write(raw)
    target = out_dir / "units.json.gz"
    tmp = target.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(target)
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--admin", type=Path, default=DEFAULT_ADMIN, help="folder of the shared admin lists")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT, help="package data folder")
    args = ap.parse_args(argv)
    print(f"reading {args.admin}")
    target = write(build(args.admin), args.out)
    print(f"wrote {target} ({target.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
