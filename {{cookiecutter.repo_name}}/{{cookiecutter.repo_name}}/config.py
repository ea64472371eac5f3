"""Paths and settings of the module, in one place (override them with environment variables)."""

from __future__ import annotations

import os
from pathlib import Path

#: The package directory (``<repo>/<repo>``).
PACKAGE_DIR = Path(__file__).resolve().parent
#: The repository root: ``data/``, ``models/`` and ``reports/`` live here.
BASE_DIR = PACKAGE_DIR.parent

DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "data"))
RAW_DATA_DIR = DATA_DIR / "raw"
MODELS_DIR = Path(os.environ.get("MODELS_DIR", BASE_DIR / "models"))
REPORTS_DIR = BASE_DIR / "reports"
FIGURES_DIR = REPORTS_DIR / "figures"

#: Labels of the demo classifier; replace them with your model's classes.
LABELS = ("negative", "neutral", "positive")
