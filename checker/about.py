"""The package's version: written here and nowhere else (pyproject.toml reads it from this
file when the package is built, `[tool.setuptools.dynamic]`).  A constant, not a lookup in
the installed metadata: importlib.metadata costs about 30 ms on every run, and every run
prints the version (NOTE(lazy-commands) in checker/cli/main.py).  The bottom layer: anything
may import it (docs/architecture.md)."""
from __future__ import annotations

VERSION = "0.1.0"
