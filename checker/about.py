"""The package's version, from the installed distribution's metadata (pyproject.toml is the
only place it is written).  The bottom layer: anything may import it (docs/architecture.md)."""
from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("forkproof")
except PackageNotFoundError:  # pragma: no cover - running from a source tree that was never installed
    VERSION = "0+unknown"
