"""Golden command lines: the CLI prints the same bytes on the shipped models as the code it
replaced did (same verdicts, same state counts, same traces, same help text).

A case is two files in `tests/golden/cli/`:

  NAME.args    the command line after `forkproof`, one argument per line (UTF-8, `\\n`);
               no quoting, no comments.  Model paths are repository-relative (`models/...`):
               every case runs with the repository root as its working directory.  The
               argument `<TRACE_DIR>` stands for a fresh directory that does not exist yet,
               inside a temporary directory (the `--trace-dir` case).
  NAME.expect  what that command printed, in this format:

                 === stdout ===
                 <stdout, byte for byte>
                 === stderr ===
                 <stderr, byte for byte>
                 === exit code N ===
                 === file <TRACE_DIR>/NAME ===        (one per file the command wrote
                 <the file's contents, byte for byte>  into <TRACE_DIR>, sorted by name)

               A section that does not end with a newline is followed by a newline and
               the line `=== (no newline at the end of the section above) ===`.  The
               temporary directory's path is written as `<TRACE_DIR>` in stdout and stderr
               (file contents are compared exactly).

Normalization, the only one: in the *text* report of `check`, `diff` and `mutate` (no `--format`, or
`--format text`), a wall-clock time (`0.24s`, `in 6.79s`: digits, a point, exactly two
digits, `s`, not inside a longer word or number) changes from run to run.  Each is replaced
by the token `<TIME>`, and a run of spaces right before or right after a token is collapsed
to one space, so that a time with more digits widening its column cannot break the
comparison.  Nothing else is touched: a table's header line has no time in it and keeps its
exact padding, and json, junit, sarif, DOT, IR dumps, thresholds and help text, and the ITF
files, are compared byte for byte (they have no times without `--timings`, by design).

The `.expect` files store the output with each time already replaced by `<TIME>` but with
the padding as printed (so a table still reads as a table, and regenerating an unchanged
output gives an unchanged file); the comparison applies the same normalization to both
sides.  They were made from the code before the one-package restructuring (see regen.py):
`python -m tests.golden.regen --cli --exe /path/to/old/forkproof --cwd /path/to/old/clone`.

Each case runs in-process with click's CliRunner on `forkproof.cli.main.cli`, as the
installed command would run it on a pipe (program name `forkproof`, help wrapped to 78
columns).  Cases that take more than about 3 s are marked `slow` (`pytest -m "not slow"`
leaves them out).

Process history.  The inductive invariants that PDR prints (`note: inductive invariant of
...` in check_libra, check_libra_intended, pdr_libra) are not a function of the command line
alone: they depend on Z3's term ids, so on the terms earlier runs left in Z3's main context
and on when Python's cyclic garbage collector freed Z3 terms (their ids are reused).  With
the collector off, the old and the new code print the same bytes on every case, in any
order; with it on, the same command can print different invariants in different processes.
So that a case's outcome does not depend on which cases or test modules ran before it, the
module imports all of forkproof and parses the models once before the first case
(`warm_up`), and every case starts with a new Z3 main context and a full collection
(`fresh_process_state`).  This does not make the in-process output equal to what a separate
`forkproof` process prints: `python -m tests.golden.regen --cli --check --exe PATH` compares
that, one process per case.
"""
from __future__ import annotations

import difflib
import gc
import importlib
import os
import pkgutil
import re
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import z3
from click.testing import CliRunner

from forkproof.cli.main import cli

ROOT = Path(__file__).resolve().parents[2]
CLI_DIR = Path(__file__).resolve().parent / "cli"
TRACE_DIR = "<TRACE_DIR>"
TIME_TOKEN = "<TIME>"
NO_NEWLINE = "=== (no newline at the end of the section above) ===\n"

# The terminal is not part of a case: click wraps help text to the terminal's width (COLUMNS
# decides it, 80 is what a pipe gets), and the debug/progress knobs change what is printed.
ENV = {"COLUMNS": "80", "LINES": "24", "NO_COLOR": None, "FORKPROOF_DEBUG": None,
       "FORKPROOF_PROGRESS_INTERVAL": None}
# What the installed command gets and CliRunner does not give by itself: its name in usage
# lines comes from argv[0] (CliRunner would say `cli`), and help text is wrapped to
# min(COLUMNS, 80) - 2 = 78 columns (CliRunner forces 80).
PROG, HELP_WIDTH = "forkproof", 78

# Measured in-process on the new code, CPU seconds per case (wall clock was 1.3-2x that on a
# shared 2-core machine): at or above ~3 s is slow.  The fast ones take about 10 s in all:
# check_libra_intended 2.5, kind_libra 2.3, thr_near 1.6, bmc_libra 0.9, the rest <= 0.35 each.
SLOW = {
    "diff_same",       # 14.4 s: two open-N checks
    "thr_libra_json",  # 12.5 s
    "thr_libra",       # 11.3 s
    "check_libra",     # 7.3 s: open N (counters, k-induction, PDR, cross-checks)
    "json_libra",      # 7.1 s: the same, as json
    "pdr_libra",       # 6.7 s: PDR with liveness to safety
}


# --- running and recording a case -------------------------------------------------------

@dataclass
class Run:
    stdout: str
    stderr: str
    exit_code: int
    files: dict[str, str] = field(default_factory=dict)  # name under <TRACE_DIR> -> contents


def read_args(name: str) -> list[str]:
    text = (CLI_DIR / f"{name}.args").read_bytes().decode("utf-8")
    assert text.endswith("\n") and "\r" not in text, f"{name}.args: one argument per line, ending in \\n"
    return text[:-1].split("\n")


def case_names() -> list[str]:
    return sorted(p.stem for p in CLI_DIR.glob("*.args"))


def collect_files(trace_dir: Path) -> dict[str, str]:
    if not trace_dir.exists():
        return {}
    return {p.relative_to(trace_dir).as_posix(): p.read_bytes().decode("utf-8")
            for p in sorted(trace_dir.rglob("*")) if p.is_file()}


def placeholders(args: list[str], trace_dir: Path) -> list[str]:
    return [str(trace_dir) if a == TRACE_DIR else a for a in args]


def unplace(text: str, trace_dir: Path) -> str:
    return text.replace(str(trace_dir), TRACE_DIR)


def fresh_process_state() -> None:
    """Nothing left from earlier runs: a new Z3 main context, an empty cyclic collector
    (see "Process history" above)."""
    z3.z3._main_ctx = None  # z3.main_ctx() makes a new one on next use (no public reset)
    gc.collect()


def warm_up() -> None:
    """What only the first run in a process does (importing the engines, building the
    parser), done once before any case, so that no case's allocations depend on which case
    happened to run first."""
    import forkproof

    for m in pkgutil.walk_packages(forkproof.__path__, "forkproof."):
        if m.name != "forkproof.__main__":  # `python -m forkproof`: running it is the command line
            importlib.import_module(m.name)
    for model in sorted((ROOT / "models").glob("*.fork")):
        run_in_process(["parse", model.relative_to(ROOT).as_posix()])


def run_in_process(args: list[str]) -> Run:
    """`forkproof ARGS` through CliRunner, from the repository root."""
    with tempfile.TemporaryDirectory(prefix="forkproof-golden-") as tmp:
        trace_dir = Path(tmp).resolve() / "traces"
        cwd = os.getcwd()
        os.chdir(ROOT)
        fresh_process_state()
        try:
            result = CliRunner(env=ENV).invoke(cli, placeholders(args, trace_dir), prog_name=PROG,
                                               terminal_width=HELP_WIDTH)
        finally:
            os.chdir(cwd)
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            raise AssertionError("forkproof raised instead of exiting:\n"
                                 + "".join(traceback.format_exception(*result.exc_info)))
        return Run(unplace(result.stdout_bytes.decode("utf-8"), trace_dir),
                   unplace(result.stderr_bytes.decode("utf-8"), trace_dir),
                   result.exit_code, collect_files(trace_dir))


# --- the .expect format and the one normalization ---------------------------------------

_TIME = re.compile(r"(?<![\w.])\d+\.\d\ds(?![\w.])")


def times_vary(args: list[str]) -> bool:
    """True for the text report of `check`, `diff` and `mutate`, the only output with wall-clock times."""
    if not args or args[0] not in ("check", "diff", "mutate") or "--help" in args or "-h" in args:
        return False
    fmt = "text"
    for i, a in enumerate(args):
        if a == "--format" and i + 1 < len(args):
            fmt = args[i + 1]
        elif a.startswith("--format="):
            fmt = a.split("=", 1)[1]
    return fmt == "text"


def tokenize_times(text: str) -> str:
    """Each wall-clock time becomes `<TIME>`; padding is kept (this is what .expect stores)."""
    return _TIME.sub(TIME_TOKEN, text)


def canonical(text: str) -> str:
    """What is compared: times tokenized, and the spaces right around each token collapsed."""
    text = tokenize_times(text)
    return re.sub(r" +(?=" + re.escape(TIME_TOKEN) + r")", " ",
                  re.sub(r"(?<=" + re.escape(TIME_TOKEN) + r") +", " ", text))


def _section(header: str, body: str) -> str:
    if body and not body.endswith("\n"):
        body += "\n" + NO_NEWLINE
    return f"=== {header} ===\n{body}"


def render(run: Run, args: list[str]) -> str:
    """The .expect text of a run (times tokenized when the command prints times)."""
    out, err = run.stdout, run.stderr
    if times_vary(args):
        out, err = tokenize_times(out), tokenize_times(err)
    parts = [_section("stdout", out), _section("stderr", err), f"=== exit code {run.exit_code} ===\n"]
    parts += [_section(f"file {TRACE_DIR}/{name}", body) for name, body in sorted(run.files.items())]
    return "".join(parts)


def compared(expect: str, args: list[str]) -> str:
    return canonical(expect) if times_vary(args) else expect


# --- the tests --------------------------------------------------------------------------

def _param(name: str):
    return pytest.param(name, id=name, marks=[pytest.mark.slow] if name in SLOW else [])


@pytest.fixture(scope="module")
def warm():
    warm_up()


@pytest.mark.parametrize("name", [_param(n) for n in case_names()])
def test_cli_output_matches_golden(name, warm):
    args = read_args(name)
    expected = (CLI_DIR / f"{name}.expect").read_bytes().decode("utf-8")
    got = render(run_in_process(args), args)
    want, have = compared(expected, args), compared(got, args)
    if have != want:
        diff = "".join(difflib.unified_diff(want.splitlines(keepends=True), have.splitlines(keepends=True),
                                            f"{name}.expect (old code)", f"forkproof {' '.join(args)} (now)"))
        pytest.fail(f"output of `forkproof {' '.join(args)}` differs from {name}.expect"
                    f"{' (times normalized)' if times_vary(args) else ' (compared byte for byte)'}:\n{diff}",
                    pytrace=False)


def test_the_cases_are_all_there():
    names = case_names()
    assert len(names) >= 23
    for n in names:
        assert (CLI_DIR / f"{n}.expect").is_file(), f"{n}.args has no {n}.expect"
    assert sorted(p.stem for p in CLI_DIR.glob("*.expect")) == names, "an .expect without its .args"
    assert SLOW <= set(names), f"SLOW names a case that does not exist: {sorted(SLOW - set(names))}"


def test_version():
    r = run_in_process(["--version"])
    assert (r.stdout, r.stderr, r.exit_code) == ("forkproof, version 0.1.0\n", "", 0)


def test_normalization_touches_times_only():
    line = "  voting_closes  proved  all N  pdr (counters, l2s)   3.82s"
    assert canonical(line) == "  voting_closes  proved  all N  pdr (counters, l2s) <TIME>"
    assert canonical(line.replace("3.82s", "13.82s")) == canonical(line)
    assert canonical("in 6.79s, new 1,314 states in 10.54s") == "in <TIME>, new 1,314 states in <TIME>"
    for same in ("66.7%", "0.24", "x0.24s", "0.24sec", "1.5s", "0.245s", "v1.00s", "1.00s.2", "N = 2, k=0"):
        assert canonical(same) == same, same
    assert canonical("a  b   c") == "a  b   c"  # padding away from a time is kept exactly
