"""The `forkproof` package laid out as it is installed, for tools that read source folders.

pyproject.toml maps the folder checker/ to the package `forkproof` and spec/ to
`forkproof.spec` (docs/architecture.md).  Tools that walk folders instead of importing
(import-linter's graph builder, mypy) need the installed shape, whatever the install mode
(an editable install keeps the source folders).  `stage(dest)` copies the sources into
`dest/forkproof` in that shape; `python -m tests.layout DEST` does the same from a shell.
"""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc")


def stage(dest: Path) -> Path:
    """Copy checker/ to dest/forkproof and spec/ to dest/forkproof/spec; return dest."""
    pkg = dest / "forkproof"
    if pkg.exists():
        shutil.rmtree(pkg)
    shutil.copytree(ROOT / "checker", pkg, ignore=IGNORE)
    shutil.copytree(ROOT / "spec", pkg / "spec", ignore=IGNORE)
    return dest


if __name__ == "__main__":
    print(stage(Path(sys.argv[1]).resolve()))
