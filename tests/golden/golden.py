"""Shared by the golden tests and `regen.py`: how a golden case is run and recorded."""
from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from forkproof.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
GOLDEN_DIR = Path(__file__).resolve().parent / "errors"


def run_case(fork: Path) -> str:
    """stderr of `forkproof check <fork>` run from the repository root, then the exit code."""
    rel = fork.relative_to(ROOT).as_posix()
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        result = CliRunner().invoke(cli, ["check", rel])
    finally:
        os.chdir(cwd)
    return f"{result.stderr}exit code {result.exit_code}\n"
