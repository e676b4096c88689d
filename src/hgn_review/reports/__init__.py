"""`hgn report`: the fifteen report forms, the population-database list and the HTML summary.

The report's data is built once (`build_view`) and rendered twice: to Excel (`render_forms`, one code path for
every form definition in reports/forms/*.yaml; `write_population_list`) and to HTML (`write_html`).
`make_report` does all of it from a results file.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from hgn_review.io.results import Results, read_results
from hgn_review.io.write import mark_folder, refuse_locked
from hgn_review.reports.excel import EXCEL_MAX_ROWS, render_forms_with_notes, wanted_forms
from hgn_review.reports.formdef import FormDef, load_forms, parse_forms_option
from hgn_review.reports.html import write_html
from hgn_review.reports.population import write_list
from hgn_review.reports.view import ReportView, build_view

__all__ = [
    "FormDef", "ReportOutputs", "ReportView", "build_view", "load_forms", "make_report", "parse_forms_option",
    "render_forms", "write_html", "write_population_list",
]


@dataclass
class ReportOutputs:
    """What `make_report` wrote, and what the officer should know about it."""

    forms: list[Path] = field(default_factory=list)
    population: list[Path] = field(default_factory=list)
    html: Path | None = None
    notes: list[str] = field(default_factory=list)  # list splits, unbalanced movements, persons without IDs …
    view: ReportView | None = None
    removed: list[Path] = field(default_factory=list)  # the last report's outputs this one did not write again

    @property
    def paths(self) -> list[Path]:
        return [*self.forms, *self.population, *([self.html] if self.html else [])]


def render_forms(view: ReportView, out_dir: Path, forms: list[int] | None = None, forms_dir: Path | None = None,
                 mask_pii: bool = False) -> list[Path]:
    """Write `bieu_NN.xlsx` for each form number (all when None); returns the paths."""
    paths, _ = render_forms_with_notes(view, Path(out_dir), forms, forms_dir, mask_pii)
    return paths


def write_population_list(results: Results, out_dir: Path, *, mask_pii: bool = False,
                          columns_file: Path | None = None, view: ReportView | None = None,
                          max_rows: int = EXCEL_MAX_ROWS) -> list[Path]:
    """The population-database list: workbook (list, persons without a valid ID, notes) and CSV copies."""
    view = view or build_view(results)
    paths, _ = write_list(view, Path(out_dir), mask_pii=mask_pii, columns_file=columns_file, max_rows=max_rows)
    return paths


def _masked_for_sharing(results: Results) -> Results:
    """The results as the shared outputs may show them: an ID written in a village's name or as a commune code
    masked (row labels of the forms and the page), and every extra table the page shows (the households awaiting their
    2025 commune, the persons found in two units) with IDs masked and names reduced to initials."""
    import dataclasses

    from hgn_review.reports.pii import mask_ids_in_text, mask_persons

    hh = results.households
    for col in ("thon", "ma_xa"):  # (an ID typed as the commune code labels the row of a unit in no unit list)
        if col in hh.columns and not hh.empty:
            hh = hh.assign(**{col: mask_ids_in_text(hh[col])})
    extra = {title: df if df is None or df.empty else mask_persons(df)
             for title, df in (results.extra_sheets or {}).items()}
    return dataclasses.replace(results, households=hh, extra_sheets=extra)


def make_report(input: Path | Results, out_dir: Path, *, forms: list[int] | str | None = None, unit: str | None = None,
                as_of: date | None = None, signer: str = "", place: str = "", report_date: date | None = None,
                issuer: str | None = None, forms_dir: Path | None = None, mask_pii: bool = False,
                columns_file: Path | None = None, max_rows: int = EXCEL_MAX_ROWS,
                round_notes: Sequence[str] = ()) -> ReportOutputs:
    """Read a results file (or a Results value) and write every output into ``out_dir``. ``round_notes``: what the
    round said of the returns it did not merge (hgn run), shown in report.html with the coverage."""
    results = input if isinstance(input, Results) else read_results(Path(input))
    if mask_pii:
        results = _masked_for_sharing(results)
    if isinstance(forms, str):
        forms = parse_forms_option(forms)
    wanted_forms(forms, forms_dir)  # a form asked for that does not exist, a province's form that does not load
    out_dir = Path(out_dir)
    refuse_locked(p for p in out_dir.glob("*") if p.is_file())  # before any form is replaced
    _refuse_foreign(out_dir)
    view = build_view(results, unit=unit, as_of=as_of, signer=signer, place=place, report_date=report_date,
                      issuer=issuer)
    view.round_notes = list(round_notes)
    out_dir.mkdir(parents=True, exist_ok=True)
    mark_folder(out_dir)
    # written aside, then put in place together: a report that stops (a province's form that does not fit the
    # data) leaves the last report's outputs as they were, never some new and some old
    stage = out_dir / STAGE
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    try:
        out = ReportOutputs(view=view)
        out.forms, form_notes = render_forms_with_notes(view, stage, forms, forms_dir, mask_pii, max_rows)
        out.population, list_notes = write_list(view, stage, mask_pii=mask_pii, columns_file=columns_file,
                                                max_rows=max_rows)
        out.html = write_html(view, stage)
        written = {p.name for p in stage.iterdir()}
        for p in sorted(stage.iterdir()):  # every output, in a few renames
            p.replace(out_dir / p.name)
        # the last report's outputs this one did not write again (fewer --forms, another input) go: a folder
        # holds one report, never forms of two inputs side by side, nor unmasked lists beside a masked report
        for p in sorted(out_dir.iterdir()):
            if p.is_file() and p.name not in written and _stale(p):
                p.unlink()
                out.removed.append(p)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    out.forms = [out_dir / p.name for p in out.forms]
    out.population = [out_dir / p.name for p in out.population]
    out.html = out_dir / out.html.name
    out.notes = [*view.notes, *form_notes, *list_notes]
    return out


STAGE = ".hgn-report-next"  # in the report's folder, while its outputs are written
# what `hgn report` writes into its folder
OUTPUT_NAMES = re.compile(r"^(bieu_\w+\.xlsx|danh_sach_csdl_dan_cu.*\.(xlsx|csv)|report\.html)$")


_LAST_OUTPUT = re.compile(r"^(bieu_\d{2}\.xlsx|danh_sach_csdl_dan_cu(_[a-z_]+)?\.(xlsx|csv)|report\.html)$")


def _stale(path: Path) -> bool:
    """An output of hgn report by its exact name (a workbook also by hgn's mark inside it): an officer's own
    file ("bieu_01_ky.xlsx", a signed scan "bieu_01.pdf", a copy saved without the mark) is never one."""
    from hgn_review.io.read import is_hgn_output

    if not _LAST_OUTPUT.match(path.name):
        return False
    return path.suffix.lower() != ".xlsx" or is_hgn_output(path)


def _refuse_foreign(out_dir: Path) -> None:
    """A folder hgn has not written (no mark) that holds a file of an output's name is refused: an officer's own
    report.html or forms would be replaced."""
    from hgn_review.io.write import refuse_foreign

    if out_dir.is_dir():
        refuse_foreign(out_dir, sorted(p.name for p in out_dir.iterdir() if p.is_file() and OUTPUT_NAMES.match(p.name)),
                       "--out-dir")
