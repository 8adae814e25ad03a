"""Where the package's own files live: data tables, samples, schemas, and the checkout around it."""

from __future__ import annotations

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = PACKAGE_DIR / "data"
SAMPLES_DIR = PACKAGE_DIR / "samples"
# In a source checkout the package sits at the repository's top level (schemas/, benchmarks/…).
REPO_ROOT = PACKAGE_DIR.parent
