"""The one-page HTML summary (report.html): self-contained, charts drawn as inline SVG by this module.

The template (templates/report.html.j2) is rendered by jinja2 with autoescape and StrictUndefined; this module only
hands it numbers and bar geometry, never markup.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hgn_review import __version__
from hgn_review.io.write import write_text_atomic
from hgn_review.reports import _movements as mv
from hgn_review.reports.excel import date_line, publish
from hgn_review.reports.formdef import round_half_up
from hgn_review.reports.view import ReportView

LABEL_W, BAR_W, BAR_H, GAP, PAD = 210, 430, 13, 9, 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: float
    text: str
    cls: str


@dataclass(frozen=True)
class Row:
    label: str
    y: float  # baseline of the label
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    width: int
    height: int
    rows: tuple[Row, ...]
    ticks: tuple[tuple[float, str], ...]  # (x, label)
    legend: tuple[tuple[str, str], ...]  # (css class, label)
    axis_y: float

    @property
    def bar_count(self) -> int:
        return sum(len(r.bars) for r in self.rows)


def num(value: float | int | None) -> str:
    """1234567 -> "1.234.567" (Vietnamese grouping); None (not known) -> "–", as a form leaves it blank."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{int(round(value)):,}".replace(",", ".")


def pct(value: float | None, digits: int = 2) -> str:
    """12.345 -> "12,35" (Vietnamese decimal comma); None -> "–"."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    value = round_half_up(value, digits)  # as the forms round it (3.125 → 3,13)
    return f"{value:,.{digits}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def rate(a: float | None, b: float | None) -> float | None:
    return 100.0 * a / b if a is not None and b else None


def _nice_step(top: float, max_ticks: int = 6) -> float:
    """A round tick step (1, 2 or 5 × 10^k) giving at most ``max_ticks`` intervals up to ``top``."""
    if top <= 0:
        return 1.0
    exp = 10 ** math.floor(math.log10(top / max_ticks)) if top / max_ticks > 0 else 1
    for m in (1, 2, 5, 10, 20):
        if math.ceil(top / (m * exp)) <= max_ticks:
            return float(m * exp)
    return float(20 * exp)


def bar_chart(chart_id: str, title: str, rows: list[tuple[str, list[tuple[float, str, str]]]],
              legend: list[tuple[str, str]]) -> Chart:
    """Horizontal bars: each row a label and one or more (value, text, css class) bars, scaled to a nice max."""
    top = max((v for _, bars in rows for v, _, _ in bars), default=0.0)
    step = _nice_step(top)
    steps = max(1, math.ceil(top / step))
    vmax = step * steps
    out_rows = []
    y = PAD + 16.0
    for label, bars in rows:
        group = []
        y0 = y
        for value, text, cls in bars:
            w = BAR_W * (value / vmax) if vmax else 0.0
            group.append(Bar(LABEL_W, y, round(w, 2), BAR_H, value, text, cls))
            y += BAR_H + 2
        out_rows.append(Row(label, y0 + BAR_H * len(bars) / 2 + 4, tuple(group)))
        y += GAP
    digits = 0 if step >= 1 else 2
    ticks = tuple((round(LABEL_W + BAR_W * k / steps, 2), pct(step * k, digits)) for k in range(steps + 1))
    height = int(y + 24)
    return Chart(chart_id, title, LABEL_W + BAR_W + 70, height, tuple(out_rows), ticks, tuple(legend), y + 4)


def _movement_tables(view: ReportView) -> list[dict[str, Any]]:
    t = view.total()
    out = []
    for cls, word in (("poor", "Hộ nghèo"), ("near", "Hộ cận nghèo")):
        dec = [(mv.MOVEMENTS[k], int(t[f"mv_{k}"])) for k in mv.DECREASES[cls]]
        inc = [(mv.MOVEMENTS[k], int(t[f"mv_{k}"])) for k in mv.INCREASES[cls]]
        start, end = int(t[f"{cls}_start"]), int(t[f"{cls}_hh"])
        expected = start - sum(v for _, v in dec) + sum(v for _, v in inc)
        bal = view.balance[(view.balance["class"] == cls) & (view.balance["diff"] != 0)]
        out.append({"title": word, "start": start, "end": end, "decreases": dec, "increases": inc,
                    "dec_total": sum(v for _, v in dec), "inc_total": sum(v for _, v in inc),
                    "balanced": expected == end and bal.empty,
                    "off_units": [str(n) for n in bal["name"].tolist()]})
    return out


def context(view: ReportView) -> dict[str, Any]:
    rows = view.rows()
    t = view.total()
    rate_rows = []
    for name, r in [*zip(rows["name"], rows.to_dict("records"), strict=True), ("Tổng cộng", t.to_dict())]:
        pr, nr = rate(r["poor_hh"], r["hh"]), rate(r["near_hh"], r["hh"])
        rate_rows.append((str(name), [(pr or 0.0, pct(pr) + " %", "poor"), (nr or 0.0, pct(nr) + " %", "near")]))
    chart_rates = bar_chart("ty-le", f"Tỷ lệ hộ nghèo, hộ cận nghèo theo {view.row_label.lower()} (%)", rate_rows,
                            [("poor", "Tỷ lệ hộ nghèo"), ("near", "Tỷ lệ hộ cận nghèo")])
    contrib_rows = [(c.name, [(0.0 if math.isnan(c.share) else c.share,
                               f"{pct(c.share)} % ({num(c.count)} hộ)" if c.count is not None else "– (chưa rõ)", "ind")])
                    for c in view.contributions]
    chart_af = bar_chart("dong-gop", "Đóng góp của từng chỉ số vào thiếu hụt của hộ nghèo (%)", contrib_rows,
                         [("ind", "Tỷ trọng trong tổng số lượt thiếu hụt có trọng số")])
    h = view.headline()

    def persons(key: str) -> str:  # a figure the forms leave blank is not known, said so (never 0)
        return f"{num(h[key])} nhân khẩu" if h[key] is not None else "số nhân khẩu chưa rõ (xem ghi chú)"

    def share(key: str) -> str:
        return f"{pct(rate(h[key], h['hh']))} % số hộ" if h[key] is not None else "chưa rõ (xem ghi chú)"

    cards = [
        ("Tổng số hộ", num(h["hh"]), persons("pp")),
        ("Hộ nghèo", num(h["poor_hh"]), f"{share('poor_hh')}; {persons('poor_pp')}"),
        ("Hộ cận nghèo", num(h["near_hh"]), f"{share('near_hh')}; {persons('near_pp')}"),
        ("Hộ NLNDN có mức sống trung bình", num(h["avg_hh"]), share("avg_hh")),
        ("Chưa đủ thông tin phân loại", num(h["unknown_hh"]), "hộ"),
    ]
    findings_total = sum(view.findings.values())
    return {
        "scope_notes": _scope_notes(view),
        "review_day": f"{view.review_day:%d/%m/%Y}" if view.review_day else "",
        "view": view, "year": view.year, "issuer": view.scope.issuer, "scope": view.scope.label or view.scope.code,
        "standard": view.standard_title or view.standard_id, "cards": cards,
        "charts": [chart_rates, chart_af], "movements": _movement_tables(view),
        "coverage": view.coverage, "findings": list(view.findings.items()), "findings_total": findings_total,
        "notes": view.notes, "date_line": date_line(view.place, view.report_date, view.sign_year),
        "signer": view.signer, "version": __version__, "row_label": view.row_label,
        "rate_table": [(name, bars[0][1], bars[1][1]) for name, bars in rate_rows],
        "contributions": [(c.name, num(c.count) if c.count is not None else "–", pct(c.share))
                          for c in view.contributions],
    }


def _scope_notes(view: ReportView) -> list[str]:
    """What the figures do not cover, as the forms' notes say it: units with figures from only some of their
    communes, households waiting for their 2025 commune (counted in no row); and what the round said of the
    returns it did not merge (a commune in two returns, another province's return …)."""
    from hgn_review.reports.view import names_list

    out = []
    if view.coverage.partial:
        word = view.coverage.partial_word
        out.append("Chưa đủ số liệu các xã: " + names_list([f"{name} ({k}/{n} {word})"
                                                           for _c, name, k, n in view.coverage.partial]) + ".")
    households, persons, olds = view.waiting
    if households:
        out.append(f"Chưa tính trong các số liệu: {households} hộ ({persons} người) của {names_list(olds)} đang chờ "
                   "quy đổi sang xã mới.")
    return out + [str(n) for n in view.round_notes]


def render_html(view: ReportView) -> str:
    from jinja2 import Environment, PackageLoader, StrictUndefined

    env = Environment(loader=PackageLoader("hgn_review.reports", "templates"), autoescape=True,
                      undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["num"] = num
    env.filters["pct"] = pct
    return env.get_template("report.html.j2").render(**context(view))


def write_html(view: ReportView, out_dir: Path) -> Path:
    target = Path(out_dir) / "report.html"
    write_text_atomic(target, render_html(view))
    return publish(target)
