"""Synthetic commune returns of a real province, with their ground truth (``hgn sample``).

:func:`generate_sample` writes one workbook per commune of the registry (the first N in code order of a province
or district, for the review date) and ``manifest.json``::

    generate_sample(out_dir, *, province="30", communes=5, households=300, seed=7, error_rate=0.0,
                    layout="hgn", year=2024, as_of=None, district=None, recorded_flags=False,
                    standard="vn-2022-2025", workers=None, progress=None) -> Manifest

Files are ``<ma_xa>_<ascii name>.xlsx``: layout 1 (sheets ``Thông tin``, ``Hộ gia đình``, ``Thành viên``; the
twelve ``Thiếu hụt:`` columns only with ``recorded_flags``) or layout 2 (one sheet ``Data``, the export's dotted
headers, one row per household, always with ~3 % exact duplicate rows and one repeated header row).

The manifest (:class:`Manifest`)::

    {"province", "year", "layout", "seed", "standard", "as_of", "error_rate",
     "files": [{"file", "ma_xa", "households", "members"}],
     "households": {"<ma_xa>|<ma_ho>": {"class", "deprivations": [th_…], "income_basis": "thu_nhap"|"diem_b1"}},
     "errors": [{"file", "sheet", "row", "column", "code"}],      # Excel row; header text, or null for a row
     "boundary": {"<ma_xa>|<ma_ho>": "<boundary kind>"}}

``class`` is what the generator *designed*, recomputed from the written answers with its own reading of the
standard (:mod:`hgn_review.sample.rules`); a household whose data an injection broke keeps it. Every injected
problem is listed at the exact place the validator must report it (:mod:`hgn_review.sample.inject`). The same
arguments give the same bytes, whatever ``workers`` is. :func:`plan_sample` lists the communes without writing.
"""

from hgn_review.sample.generate import LAYOUTS, MANIFEST, Manifest, file_name, generate_sample, plan_sample
from hgn_review.sample.inject import KINDS_APP, KINDS_HGN
from hgn_review.sample.population import BOUNDARY_KINDS
from hgn_review.sample.rules import CLASSES, Rules

__all__ = [
    "BOUNDARY_KINDS", "CLASSES", "KINDS_APP", "KINDS_HGN", "LAYOUTS", "MANIFEST", "Manifest", "Rules", "file_name",
    "generate_sample", "plan_sample",
]
