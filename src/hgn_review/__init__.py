"""hgn — toolkit for Vietnam's annual review of poor and near-poor households."""

__version__ = "0.1.0"
