"""Shared pytest options.

`--slow` runs the generated-model tests (tests/checker/test_agreement.py) with many more
examples: thousands of models instead of the few hundred that fit in CI's budget.
"""
from __future__ import annotations


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", default=False,
                     help="run the randomized engine-agreement tests with thousands of examples")
