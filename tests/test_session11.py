"""Session 11: defects found in review and fixed (each test fails on the code before its fix)."""

from __future__ import annotations

import io

from rich.console import Console

from hgn_review.console import render_merge, render_run
from hgn_review.text import count_text


def _run_summary() -> dict:
    return {"files": 207, "processed": 207, "cached": 0, "counted": {"households": 621000, "persons": 2051199},
            "findings": {"error": 1234, "warning": 5}, "level": "province", "unit": "30", "unit_name": "Hải Dương",
            "by_class": {"Nghèo": 12345, "Cận nghèo": 2345}, "stages": {}, "outputs": {}, "notes": []}


def _printed(fn, summary: dict, lang: str, *args) -> str:
    buf = io.StringIO()
    fn(summary, *args, lang=lang, console=Console(file=buf, width=200, highlight=False))
    return buf.getvalue()


def test_counts_group_thousands_the_vietnamese_way():
    """A count for an officer reads 621.000 in Vietnamese (the dot groups thousands; 621,000 reads as 621 with a
    fraction) and 621,000 in English."""
    assert count_text(621000) == "621.000"
    assert count_text(2051199.0) == "2.051.199"
    assert count_text(999) == "999"
    assert count_text(621000, "en") == "621,000"
    vi = _printed(render_run, _run_summary(), "vi")
    assert "621.000 / 2.051.199" in vi and "1.234 / 5" in vi and "12.345" in vi
    assert "621,000" not in vi and "2,051,199" not in vi
    en = _printed(render_run, _run_summary(), "en")
    assert "621,000 / 2,051,199" in en


def test_merge_counts_group_thousands_the_vietnamese_way():
    summary = {"level": "province", "unit": "30", "unit_name": "Hải Dương", "households": 621000, "persons": 2051199,
               "reconciled": True, "missing_units": [], "by_class": {"Nghèo": {"households": 12345, "persons": 45678}},
               "findings": {"error": 1234, "warning": 0}}
    vi = _printed(render_merge, summary, "vi", [])
    assert "621.000 / 2.051.199" in vi and "12.345 hộ, 45.678 người" in vi and "1.234 lỗi" in vi
    assert "621,000" not in vi
