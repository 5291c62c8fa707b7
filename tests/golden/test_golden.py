"""Golden error messages: every `errors/*.fork` must print exactly its `.expect`
(file:line:col, code, the line, a caret) and exit 2.  Regenerate with
`python tests/golden/regen.py` after an intended change, and review the diff.  `errors/lib/`
holds the libraries the `import_*` cases import: they are read, never run as cases."""
from __future__ import annotations

import pytest

from tests.golden.golden import GOLDEN_DIR, run_case

CASES = sorted(GOLDEN_DIR.glob("*.fork"))


def test_there_are_golden_cases():
    assert len(CASES) >= 15


@pytest.mark.parametrize("fork", CASES, ids=lambda p: p.stem)
def test_error_output_matches_golden(fork):
    expected = fork.with_suffix(".expect").read_text(encoding="utf-8")
    got = run_case(fork)
    assert got == expected
    assert got.endswith("exit code 2\n")
    assert "Traceback" not in got
