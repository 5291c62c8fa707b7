"""What every command shares: printing a model's diagnostics, and an internal error.

An internal error is a bug in forkproof, never the user's mistake: the commands say so in one
line and exit with ExitCode.INTERNAL (4), never 0, 1 or 3 (NOTE(exit-codes) in
checker/semantics/verdict.py); the traceback only with `forkproof --debug` or FORKPROOF_DEBUG=1.
"""
from __future__ import annotations

import os
import signal
import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import NoReturn

import click

from forkproof.about import VERSION
from forkproof.semantics.control import Control
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
        import json  # lazily, as in main.py

        click.echo(json.dumps({"forkproof": VERSION, "schema": 1, "exit_code": int(ExitCode.USAGE), "file": path,
                               **empty, "errors": [d.to_json(path) for d in err.diagnostics]}, indent=2))
    else:
        print_errors(err, path, source, "text")
    sys.exit(ExitCode.USAGE)


def internal_error(exc: BaseException) -> ExitCode:
    """One short line (the exception's first line, cut at 200 characters), the traceback only
    when asked for; ExitCode.INTERNAL."""
    text = str(exc).split("\n", 1)[0]
    if len(text) > 200:
        text = text[:200] + "..."
    click.echo(f"forkproof: internal error, this is a bug in forkproof: {type(exc).__name__}: {text}", err=True)
    if debugging():
        traceback.print_exc()
    else:
        click.echo("(run with forkproof --debug, or FORKPROOF_DEBUG=1, to see the traceback)", err=True)
    return ExitCode.INTERNAL


def debugging() -> bool:
    """`forkproof --debug ...` (the group's option, read from the running command's context) or
    FORKPROOF_DEBUG=1."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.find_root().params.get("debug"):
        return True
    return bool(os.environ.get("FORKPROOF_DEBUG"))


# NOTE(phase-budget) in checker/semantics/control.py: where in forkproof's own code a phase is,
# for the message.  The outermost match wins: compiling asks the instance for domains, and
# making an instance compiles its constants, and each is named by the step that called the other.
_WHERE = (("/lark/", "parsing"), ("/spec/parser.py", "parsing"), ("/spec/typecheck.py", "type checking"),
          ("/semantics/instance.py", "instantiating"), ("/semantics/compile.py", "compiling"),
          ("/engines/symbolic/encode.py", "encoding for the solver"))
TICK = 0.2  # seconds between two looks at the budgets: a phase stops within this of its limit


# NOTE(async-raise): Z3's Python API keeps Z3's reference counts by hand, in steps such as
# "store the pointer, then Z3_inc_ref" (AstRef.__init__) or "Z3_mk_solver, then
# Z3_solver_inc_ref" (Solver.__init__).  An exception raised between two such steps (a signal
# handler raises between any two bytecodes) leaves a count one short, and the object's
# finalizer later frees what Z3 still uses: a crash in some later solver call of the same
# process (CI saw a test worker die in the Cardano every-size proof after the fuzz tier had
# run many watched inputs in that process).  So the watch and the Ctrl-C handler never raise
# while a frame of Z3's API, or of the gc fence or the collector pauses that keep the
# collector's state, is on the stack: the watch raises at its next tick outside them, which is at most one Z3 call later
# (a solver call in C is not interrupted by a Python signal handler in any case).
_UNSAFE_MODULES = ("z3", "forkproof.semantics.gcfence", "forkproof.semantics.gcpause")


def in_unsafe_code(frame) -> bool:
    """NOTE(async-raise): whether `frame` or one of its callers is in Z3's API (or the gc fence,
    or the collector pauses' count)."""
    while frame is not None:
        name = frame.f_globals.get("__name__") or ""
        if any(name == m or name.startswith(m + ".") for m in _UNSAFE_MODULES):
            return True
        frame = frame.f_back
    return False


def _where(frame) -> str | None:
    found = None
    while frame is not None:
        name = frame.f_code.co_filename.replace(os.sep, "/")
        found = next((what for part, what in _WHERE if part in name), found)
        frame = frame.f_back
    return found


@contextmanager
def watch(control: Control) -> Iterator[None]:
    """NOTE(phase-budget): while the command runs, look at `control`'s phase every TICK seconds
    (SIGALRM) and raise BudgetExceeded in the main thread when it is past its time or memory
    budget.  Not installed off the main thread (an embedding host keeps its signals)."""
    def on_alarm(signum, frame):
        # raised again at every tick while the phase lasts: Python drops an exception raised
        # in a finalizer (a __del__, a gc callback), and the phase would go on
        if in_unsafe_code(frame):  # NOTE(async-raise): at the next tick
            return
        if control.owed_interrupt:  # a Ctrl-C that arrived inside Z3's API (NOTE(async-raise))
            control.owed_interrupt = False
            raise KeyboardInterrupt
        exc = control.expire(_where(frame))
        if exc is not None:
            raise exc

    try:
        old = signal.signal(signal.SIGALRM, on_alarm)
    except (ValueError, AttributeError):  # not the main thread, or no SIGALRM (Windows)
        yield
        return
    signal.setitimer(signal.ITIMER_REAL, TICK, TICK)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0, 0)
        signal.signal(signal.SIGALRM, old)


@contextmanager
def loading(path: str, timeout: float | None = None, memory: int | None = None) -> Iterator[None]:
    """NOTE(phase-budget): reading and checking `path` under its budgets (Control.front),
    watched; past one, the command says so and exits 3."""
    control = Control()
    try:
        with watch(control), control.front(f"loading {path}", timeout, memory):
            yield
    except Exception as e:
        reason = control.stop_reason(e, "loading it")
        if reason is None:
            raise
        sys.exit(stopped(path, reason))


def stopped(path: str, reason: str) -> ExitCode:
    """A budget crossed before the model could be checked: unknown, exit 3."""
    click.echo(f"forkproof: {path}: unknown: {reason}", err=True)
    return ExitCode.INCONCLUSIVE
