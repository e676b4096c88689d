"""Benchmarks: throughput and peak memory at stated sizes. Not a test: run with `make bench`.

Each measured stage runs in its own Python process so that its peak resident memory is its own.
Sizes can be reduced for a quick look: `HGN_BENCH_COMMUNES=10 make bench`.
Writes bench/results.md and prints the table.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / "cache"
COMMUNES = int(os.environ.get("HGN_BENCH_COMMUNES", "100"))
HOUSEHOLDS = int(os.environ.get("HGN_BENCH_HOUSEHOLDS", "3000"))

STAGE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
out = {}
exec(sys.argv[1])
out["seconds"] = time.perf_counter() - t0
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print("BENCH" + json.dumps(out))
"""


def stage(code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", STAGE, code], capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH"):
            return json.loads(line[5:])
    raise SystemExit(f"stage failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def ensure_sample(name: str, communes: int, households: int, **kw: object) -> Path:
    target = CACHE / f"{name}-{communes}x{households}"
    if (target / "manifest.json").exists():
        return target
    print(f"generating {communes} communes × {households} households into {target} (cached) …", flush=True)
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    t0 = time.perf_counter()
    stage(f"from hgn_review.sample import generate_sample\n"
          f"generate_sample({str(target)!r}, province='30', communes={communes}, households={households}, "
          f"seed=11, error_rate=0.0{', ' + args if args else ''})")
    print(f"  generated in {time.perf_counter() - t0:.0f} s", flush=True)
    return target


def bench_validate(folder: Path) -> list[dict]:
    rows = []
    floor = stage(
        "import fastexcel, pathlib\n"
        f"files = sorted(pathlib.Path({str(folder)!r}).glob('*.xlsx'))\n"
        "n = 0\n"
        "for f in files:\n"
        "    r = fastexcel.read_excel(str(f))\n"
        "    for s in r.sheet_names:\n"
        "        n += r.load_sheet(s, header_row=None, dtypes='string').to_pandas().shape[0]\n"
        "out['rows'] = n\n")
    floor["what"] = "floor: fastexcel read of every sheet"
    rows.append(floor)
    val = stage(
        "from hgn_review.validate import validate_paths\nimport pathlib\n"
        f"res = validate_paths([pathlib.Path({str(folder)!r})])\n"
        "out['rows'] = int(res.report.summary()['rows'])\n"
        "out['findings'] = len(res.report.findings)\n")
    val["what"] = "hgn validate (read + type + all checks)"
    rows.append(val)
    return rows


def table(rows: list[dict]) -> str:
    lines = ["| what | rows | seconds | rows/s | peak MB |", "|---|---:|---:|---:|---:|"]
    for r in rows:
        n = r.get("rows", 0)
        lines.append(f"| {r['what']} | {n:,} | {r['seconds']:.1f} | {n / r['seconds']:,.0f} | {r['peak_mb']:,.0f} |")
    return "\n".join(lines)


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f", {int(fh.readline().split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def main() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    sections = [f"# hgn benchmarks\n\nMachine: {machine()}. Date: {time.strftime('%Y-%m-%d')}.\n"]
    folder = ensure_sample("validate", COMMUNES, HOUSEHOLDS)
    rows = bench_validate(folder)
    ratio = rows[1]["seconds"] / rows[0]["seconds"]
    sections.append(f"## Validate: {COMMUNES} communes × {HOUSEHOLDS:,} households\n\n{table(rows)}\n\n"
                    f"validate / floor = {ratio:.2f} (target ≤ 1.5); peak {rows[1]['peak_mb']:,.0f} MB (target ≤ 2,048)\n")
    for extra in EXTRA_BENCHES:
        sections.append(extra())
    text = "\n".join(sections)
    (HERE / "results.md").write_text(text, encoding="utf-8")
    print(text)


EXTRA_BENCHES: list = []

if __name__ == "__main__":
    main()
