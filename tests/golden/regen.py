"""Regenerate the golden files: `python tests/golden/regen.py`.

For every `tests/golden/errors/*.fork`, runs `forkproof check` on it (from the repository
root, so paths in messages are relative) and writes what it printed on stderr, with the
exit code, to the `.expect` file beside it.  Review the diff before committing.
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.golden.golden import GOLDEN_DIR, run_case  # noqa: E402


def main() -> None:
    for fork in sorted(GOLDEN_DIR.glob("*.fork")):
        fork.with_suffix(".expect").write_text(run_case(fork), encoding="utf-8")
        print(f"wrote {fork.with_suffix('.expect').relative_to(ROOT)}")


if __name__ == "__main__":
    main()
