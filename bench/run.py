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
PROVINCE_COMMUNES = int(os.environ.get("HGN_BENCH_COMMUNES", "0"))  # 0 = all 207 communes of province 30
VALIDATE_COMMUNES = 100
JOBS = int(os.environ.get("HGN_BENCH_JOBS", str(os.cpu_count() or 1)))
HOUSEHOLDS = int(os.environ.get("HGN_BENCH_HOUSEHOLDS", "3000"))

STAGE = r"""
import json, resource, sys, time
t0 = time.perf_counter()
out = {}
exec(sys.argv[1])
out["seconds"] = time.perf_counter() - t0
out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
out["peak_worker_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print("BENCH" + json.dumps(out))
"""


def stage(code: str) -> dict:
    proc = subprocess.run([sys.executable, "-c", STAGE, code], capture_output=True, text=True, check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH"):
            return json.loads(line[5:])
    raise SystemExit(f"stage failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def ensure_sample(name: str, communes: int, households: int, **kw: object) -> Path:
    target = CACHE / f"{name}-{communes or 'all'}x{households}"
    if (target / "manifest.json").exists():
        return target
    print(f"generating {communes} communes × {households} households into {target} (cached) …", flush=True)
    args = ", ".join(f"{k}={v!r}" for k, v in kw.items())
    t0 = time.perf_counter()
    stage(f"from hgn_review.sample import generate_sample\n"
          f"generate_sample({str(target)!r}, province='30', communes={communes}, households={households}, "
          f"seed=11, error_rate=0.0, year=2024{', ' + args if args else ''})")
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
        f"res = validate_paths([pathlib.Path({str(folder)!r})], jobs={JOBS}, frames=False, answers=True)\n"  # as `hgn validate`
        "out['rows'] = int(res.report.summary()['rows'])\n"
        "out['findings'] = len(res.report.findings)\n")
    val["what"] = f"hgn validate (read + type + all checks, findings only as the command), --jobs {JOBS}"
    rows.append(val)
    return rows


def bench_classify(folder: Path, frames: Path) -> list[dict]:
    """Classification alone, on validated frames saved once as Parquet (reading excluded)."""
    if not (frames / "households.parquet").exists():
        frames.mkdir(parents=True, exist_ok=True)
        stage("from hgn_review.validate import validate_paths\nimport pathlib\n"
              f"res = validate_paths([pathlib.Path({str(folder)!r})], jobs={JOBS})\n"
              f"res.households.to_parquet({str(frames / 'households.parquet')!r})\n"
              f"res.members.to_parquet({str(frames / 'members.parquet')!r})\n")
    r = stage("import pandas as pd, time\nfrom hgn_review.scoring.classify import classify\n"
              "from hgn_review.pipeline import pick_standard\n"
              f"hh = pd.read_parquet({str(frames / 'households.parquet')!r})\n"
              f"mm = pd.read_parquet({str(frames / 'members.parquet')!r})\n"
              "std = pick_standard(hh, None)\n"
              "t = time.perf_counter()\n"
              "c = classify(hh, mm, std)\n"
              "out['classify_seconds'] = time.perf_counter() - t\n"
              "out['rows'] = len(hh)\nout['members'] = len(mm)\n")
    r["what"] = f"classify {r['rows']:,} households / {r['members']:,} members (excluding reading)"
    r["seconds"] = r.pop("classify_seconds")
    return [r]


def bench_run(folder: Path, out: Path, jobs: int) -> dict:
    import shutil

    if out.exists():
        shutil.rmtree(out)
    r = stage("from hgn_review.pipeline import run_round\nimport pathlib\n"
              f"o = run_round(pathlib.Path({str(folder)!r}), pathlib.Path({str(out)!r}), jobs={jobs})\n"
              "s = o.summary_json()\nout['rows'] = s['households']\nout['members'] = s['members']\n"
              "out['stages'] = s['stages']\n")
    r["what"] = f"hgn run end to end (--jobs {jobs}), peak of the main process"
    return r


def bench_rerun_one(folder: Path, out: Path, jobs: int) -> dict:
    """Change one return (one cell), run again: only that file is read."""
    import openpyxl

    victim = sorted(folder.glob("*.xlsx"))[0]
    backup = victim.read_bytes()
    try:
        wb = openpyxl.load_workbook(victim)
        ws = wb["Hộ gia đình"]
        ws.cell(row=2, column=4).value = str(ws.cell(row=2, column=4).value or "") + " (sửa)"
        wb.save(victim)
        r = stage("from hgn_review.pipeline import run_round\nimport pathlib\n"
                  f"o = run_round(pathlib.Path({str(folder)!r}), pathlib.Path({str(out)!r}), jobs={jobs})\n"
                  "s = o.summary_json()\nout['rows'] = s['households']\nout['processed'] = s['processed']\n")
    finally:
        victim.write_bytes(backup)
    r["what"] = f"hgn run again after one changed return ({r['processed']} file re-read)"
    return r


def bench_merge(out: Path) -> list[dict]:
    cache = out / ".hgn-cache" / "files"
    read = stage("import pathlib\nfrom hgn_review.io.results import read_bundle\n"
                 f"n = 0\nfor d in sorted(pathlib.Path({str(cache)!r}).iterdir()):\n"
                 "    if (d / 'meta.json').exists(): n += len(read_bundle(d).households)\n"
                 "out['rows'] = n\n")
    read["what"] = "floor: read every commune result bundle"
    merge = stage("import pathlib\nfrom hgn_review.merge import merge_results\n"
                  f"dirs = [d for d in sorted(pathlib.Path({str(cache)!r}).iterdir()) if (d / 'meta.json').exists()]\n"
                  "m = merge_results(dirs, level='province')\nout['rows'] = len(m.results.households)\n"
                  "out['reconciled'] = m.reconciled\n")
    merge["what"] = f"hgn merge: all communes into the province (reconciled: {merge.get('reconciled')})"
    return [read, merge]


def bench_report(out: Path) -> dict:
    final = out / "ket_qua"
    r = stage("import pathlib\nfrom hgn_review.io.results import read_bundle\nfrom hgn_review.reports import make_report\n"
              f"res = read_bundle(pathlib.Path({str(final)!r}))\n"
              f"o = make_report(res, pathlib.Path({str(out / 'bench_report')!r}))\n"
              "out['rows'] = len(res.households)\n")
    r["what"] = "hgn report: 15 forms + population list + HTML for the province"
    return r


NAIVE = r"""
import pandas as pd, pathlib, yaml
from importlib import resources
std = yaml.safe_load(resources.files('hgn_review.scoring.standards').joinpath('vn-2022-2025.yaml').read_text('utf-8'))
line = {k: v['value'] for k, v in std['income_line'].items()}
cut = {k: v['value'] for k, v in std['b1_cutoff'].items()}
ind = std['indicators']
order = ind['th_giao_duc_nguoi_lon']['level_order']['value']
need = ind['th_giao_duc_nguoi_lon']['required_level']['value']
school = ind['th_di_hoc_tre_em']['levels_by_age']['value']
safe = set(ind['th_nuoc_sinh_hoat']['safe_sources']['value'])
latrine = set(ind['th_nha_tieu']['hygienic_types']['value'])
files = sorted(pathlib.Path(FOLDER).glob('*.xlsx'))[:FILES]
n = 0
rows = []
for f in files:
    hh = pd.read_excel(f, sheet_name='Hộ gia đình', engine='openpyxl', dtype={'Mã hộ': str, 'Mã xã': str})
    mm = pd.read_excel(f, sheet_name='Thành viên', engine='openpyxl', dtype={'Mã hộ': str, 'Số định danh cá nhân': str})
    review = pd.to_datetime(hh['Ngày rà soát'], errors='coerce').max()

    def member(r):
        born = pd.to_datetime(r['Ngày sinh'], errors='coerce')
        age = (review - born).days // 365 if pd.notna(born) else None
        out = {}
        out['viec_lam'] = age is not None and 16 <= age < 60 and r['Tình trạng việc làm'] in ('Thất nghiệp', 'Làm công không HĐLĐ')
        out['phu_thuoc'] = age is not None and (age < 16 or age >= 60 or r['Mức độ khuyết tật'] in ('Nặng', 'Đặc biệt nặng'))
        out['dinh_duong'] = age is not None and age < 16 and r['Suy dinh dưỡng'] == 'Có'
        out['bhyt'] = age is not None and age >= 6 and r['Có thẻ BHYT'] == 'Không'
        lvl = order.index(r['Trình độ giáo dục cao nhất']) if r['Trình độ giáo dục cao nhất'] in order else 0
        out['giao_duc'] = age is not None and any(b['from'] <= age <= b['to'] and lvl < order.index(b['min_level']) for b in need)
        out['di_hoc'] = age is not None and any(b['from'] <= age <= b['to'] and (r['Đang đi học, đào tạo'] != 'Có' or r['Cấp học đang học'] not in b['levels']) for b in school)
        return pd.Series(out)

    flags = mm.apply(member, axis=1)
    flags['Mã hộ'] = mm['Mã hộ']
    per_hh = flags.groupby('Mã hộ').agg({'viec_lam': 'any', 'phu_thuoc': 'mean', 'dinh_duong': 'any', 'bhyt': 'any',
                                          'giao_duc': 'any', 'di_hoc': 'any'})
    size = mm.groupby('Mã hộ').size()

    def score(r):
        area = r['Khu vực']
        inc = r['Thu nhập bình quân (đồng/người/tháng)']
        below = (inc <= line[area]) if pd.notna(inc) else (r['Điểm B1'] <= cut[area])
        m = per_hh.loc[r['Mã hộ']] if r['Mã hộ'] in per_hh.index else None
        d = 0
        if m is not None:
            d += bool(m['viec_lam']) + (m['phu_thuoc'] > 0.5) + bool(m['dinh_duong']) + bool(m['bhyt'])
            d += bool(m['giao_duc']) + bool(m['di_hoc'])
        d += r['Loại nhà ở'] in ('Thiếu kiên cố', 'Đơn sơ')
        d += (r['Diện tích nhà ở (m²)'] / size.get(r['Mã hộ'], 1)) < 8
        d += r['Nguồn nước sinh hoạt'] not in safe
        d += r['Loại nhà tiêu'] not in latrine
        d += r['Có thành viên sử dụng Internet'] == 'Không'
        d += r['Có ti vi, radio, máy tính hoặc điện thoại thông minh'] == 'Không'
        return 'Nghèo' if below and d >= 3 else ('Cận nghèo' if below else 'Không nghèo')

    hh['cls'] = hh.apply(score, axis=1)
    rows.append(hh.groupby(['Mã xã', 'cls']).size())
    n += len(hh)
out['rows'] = n
"""


def bench_naive(folder: Path, files: int) -> dict:
    """What a statistician would write without hgn (openpyxl reading, the twelve indicators and the class with
    ``DataFrame.apply`` per member and per household, groupby totals), on a subset, scaled linearly to all files."""
    total = len(list(folder.glob("*.xlsx")))
    r = stage(NAIVE.replace("FOLDER", repr(str(folder))).replace("FILES", str(files)))
    scale = total / max(files, 1)
    r["what"] = (f"naive: pandas.read_excel(openpyxl) + DataFrame.apply per member and per household (12 indicators), "
                 f"{files} of {total} files measured, scaled ×{scale:.1f}")
    r["seconds"] *= scale
    r["rows"] = int(r["rows"] * scale)
    return r


def table(rows: list[dict]) -> str:
    lines = ["| what | rows | seconds | rows/s | peak MB (main) | peak MB (largest worker) |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        n = r.get("rows", 0)
        worker = r.get("peak_worker_mb", 0)
        lines.append(f"| {r['what']} | {n:,} | {r['seconds']:.1f} | {n / r['seconds']:,.0f} | {r['peak_mb']:,.0f} | "
                     f"{worker:,.0f} |" if worker else f"| {r['what']} | {n:,} | {r['seconds']:.1f} | "
                     f"{n / r['seconds']:,.0f} | {r['peak_mb']:,.0f} | – |")
    return "\n".join(lines)


def machine() -> str:
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f", {int(fh.readline().split()[1]) / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    return f"{platform.machine()}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def subset(folder: Path, n: int) -> Path:
    """A folder of links to the first n returns (the validate benchmark's stated size)."""
    target = CACHE / f"subset-{n}"
    target.mkdir(parents=True, exist_ok=True)
    for f in sorted(folder.glob("*.xlsx"))[:n]:
        link = target / f.name
        if not link.exists():
            link.symlink_to(f)
    return target


def main() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    sections = [f"# hgn benchmarks\n\nMachine: {machine()}. Date: {time.strftime('%Y-%m-%d')}. "
                f"Samples from `hgn sample` (province 30 before 7/2025, {HOUSEHOLDS:,} households per commune).\n"]
    province = ensure_sample("province", PROVINCE_COMMUNES, HOUSEHOLDS)
    n_files = len(list(province.glob("*.xlsx")))
    part = subset(province, min(VALIDATE_COMMUNES, n_files))
    rows = bench_validate(part)
    ratio = rows[1]["seconds"] / rows[0]["seconds"]
    sections.append(f"## Validate: {min(VALIDATE_COMMUNES, n_files)} communes\n\n{table(rows)}\n\n"
                    f"validate / floor = {ratio:.2f} (target ≤ 1.5); peak {rows[1]['peak_mb']:,.0f} MB (target ≤ 2,048)\n")
    print(sections[-1], flush=True)
    floor_all = bench_validate(province)[0]
    cls = bench_classify(province, CACHE / "frames")
    sections.append(f"## Classify: {n_files} communes\n\n{table([floor_all] + cls)}\n\n"
                    f"classify / read floor = {cls[0]['seconds'] / floor_all['seconds']:.1%} (target ≤ 15 %)\n")
    print(sections[-1], flush=True)
    out = CACHE / "run-out"
    run = bench_run(province, out, JOBS)
    stages = ", ".join(f"{k} {v:.0f} s" for k, v in run.pop("stages").items())
    rerun = bench_rerun_one(province, out, JOBS)
    naive = bench_naive(province, int(os.environ.get("HGN_BENCH_NAIVE_FILES", "4")))
    sections.append(f"## hgn run: {n_files} communes\n\n{table([floor_all, run, rerun, naive])}\n\n"
                    f"Stages: {stages}.\n\nrun / floor = {run['seconds'] / floor_all['seconds']:.2f} (target ≤ 1.5); "
                    f"naive / run = {naive['seconds'] / run['seconds']:.1f}× (target ≥ 10×); "
                    f"re-run after one change = {rerun['seconds'] / run['seconds']:.1%} of the full run (target ≤ 5 %).\n")
    print(sections[-1], flush=True)
    merge = bench_merge(out)
    sections.append(f"## Merge: {n_files} commune results into the province\n\n{table(merge)}\n\n"
                    f"merge / read = {merge[1]['seconds'] / merge[0]['seconds']:.2f} (target ≤ 1.2)\n")
    print(sections[-1], flush=True)
    rep = bench_report(out)
    sections.append(f"## Report: the province\n\n{table([rep])}\n")
    print(sections[-1], flush=True)
    text = "\n".join(sections)
    (HERE / "results.md").write_text(text, encoding="utf-8")
    print(f"written {HERE / 'results.md'}")


if __name__ == "__main__":
    main()
