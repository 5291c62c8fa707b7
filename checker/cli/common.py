"""What every command shares: printing a model's diagnostics, and an internal error.

An internal error is a bug in forkproof, never the user's mistake: the commands say so and
exit with ExitCode.INCONCLUSIVE, never 0 or 1 (NOTE(exit-codes) in checker/semantics/verdict.py).
"""
from __future__ import annotations

import json
import os
import sys
import traceback
from typing import NoReturn

import click

from forkproof.about import VERSION
from forkproof.semantics.verdict import ExitCode
from forkproof.spec.errors import ModelError, render


def print_errors(err: ModelError, path: str, source: str | None, fmt: str) -> None:
    """Each diagnostic as `file:line:col: error[FPnnn]: message`, the line and a caret, on
    stderr; nothing for JSON output (the diagnostics go into the document)."""
    if fmt == "json":
        return
    for d in err.diagnostics:
        click.echo(render(d, path, source), err=True)
    n = len(err.diagnostics)
    click.echo(f"{n} error{'s' if n != 1 else ''} in {path}", err=True)


def exit_usage(err: ModelError, path: str, source: str | None, fmt: str, **empty: object) -> NoReturn:
    """A wrong model or command line, then exit 2: the diagnostics as text on stderr, or for
    JSON output a document with them (`empty`: the command's result fields, left empty)."""
    if fmt == "json":
        click.echo(json.dumps({"forkproof": VERSION, "schema": 1, "exit_code": int(ExitCode.USAGE), "file": path,
                               **empty, "errors": [d.to_json(path) for d in err.diagnostics]}, indent=2))
    else:
        print_errors(err, path, source, "text")
    sys.exit(ExitCode.USAGE)


def internal_error(exc: BaseException) -> ExitCode:
    click.echo(f"forkproof: internal error, this is a bug in forkproof: {type(exc).__name__}: {exc}", err=True)
    if os.environ.get("FORKPROOF_DEBUG"):
        traceback.print_exc()
    else:
        click.echo("(set FORKPROOF_DEBUG=1 to see the traceback)", err=True)
    return ExitCode.INCONCLUSIVE
