"""Scoring: the standard as data, the twelve indicators, classification, movements and Alkire–Foster figures."""

from hgn_review.scoring.af import AFResult, alkire_foster
from hgn_review.scoring.classify import AF_OVERALL, CLASSES, Classification, classify
from hgn_review.scoring.indicators import derive_indicators, member_ages
from hgn_review.scoring.movements import assign_movements, movement_tables, unbalanced_findings
from hgn_review.scoring.standard import (
    Standard,
    StandardFileError,
    list_standards,
    load_standard,
    standard_for_date,
    standard_sha256,
)

__all__ = [
    "AF_OVERALL", "AFResult", "CLASSES", "Classification", "Standard", "StandardFileError", "alkire_foster",
    "assign_movements", "classify", "derive_indicators", "list_standards", "load_standard", "member_ages",
    "movement_tables", "standard_for_date", "standard_sha256", "unbalanced_findings",
]
