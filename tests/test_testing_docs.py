"""The Python examples of docs/testing.md run: each ```` ```python example=NAME ```` block is a
test module a reader could save and run with pytest.

Every `file=` and `example=` block of the page is written into one scratch directory beside
the repository's `models/` (as tests/test_docs.py does for the console examples), the
example is imported from there by its own name (so one example can import another), and its
`test_*` functions and `Test*` test cases (a state machine's `.TestCase`) are run.  A block
whose info string also says `slow` runs in the slow tier.
"""
from __future__ import annotations

import importlib
import inspect
import sys
import unittest
from pathlib import Path

import pytest

from tests.test_docs import blocks

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "testing.md"


def named(word: str) -> list:
    return [(w.split("=", 1)[1], b) for b in blocks(DOC) for w in b.words if w.startswith(word + "=")]


def examples():
    return [pytest.param(name, id=name, marks=[pytest.mark.slow] if "slow" in b.words else [])
            for name, b in named("example")]


def test_the_page_has_its_examples():
    assert {n for n, _ in named("example")} == {"test_ceremony.py", "test_near_chain.py", "test_replay.py"}


@pytest.mark.parametrize("name", examples())
def test_the_example_runs(name, tmp_path, monkeypatch):
    (tmp_path / "models").symlink_to(ROOT / "models", target_is_directory=True)
    for n, b in named("file") + named("example"):
        (tmp_path / n).write_text("\n".join(b.body) + "\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    stems = [Path(n).stem for n, _ in named("example")]
    for stem in stems:
        sys.modules.pop(stem, None)
    try:
        module = importlib.import_module(Path(name).stem)
        ran = 0
        for attr, value in vars(module).items():
            if attr.startswith("test_") and inspect.isfunction(value) and value.__module__ == module.__name__:
                kwargs = {"tmp_path": tmp_path / attr} if "tmp_path" in inspect.signature(value).parameters else {}
                for path in kwargs.values():
                    path.mkdir()
                value(**kwargs)
                ran += 1
            elif attr.startswith("Test") and isinstance(value, type) and issubclass(value, unittest.TestCase):
                result = unittest.TestResult()
                unittest.defaultTestLoader.loadTestsFromTestCase(value).run(result)
                assert result.wasSuccessful(), result.failures + result.errors
                ran += 1
        assert ran, f"{name} has no test"
    finally:
        for stem in stems:
            sys.modules.pop(stem, None)
