"""Regenerate the golden files.  Review the diff before committing.

`python tests/golden/regen.py` (or `python -m tests.golden.regen`): for every
`tests/golden/errors/*.fork`, runs `forkproof check` on it (from the repository root, so paths
in messages are relative) and writes what it printed on stderr, with the exit code, to the
`.expect` file beside it.

`python -m tests.golden.regen --cli [--exe PATH [--cwd DIR]] [NAME ...]`: for every
`tests/golden/cli/NAME.args` (or only the NAMEs given), runs that command line and writes
`NAME.expect` in the format described in tests/golden/test_cli_golden.py (times already
replaced by `<TIME>`, padding as printed).
  - without --exe, in-process with CliRunner on the `forkproof` this interpreter imports,
    exactly as the test runs it (warm-up, then a fresh Z3 context per case);
  - with --exe, as a subprocess of that executable (any version of forkproof: the committed
    files come from the code before the one-package restructuring, e.g.
    `--exe /tmp/base/.venv/bin/forkproof --cwd /tmp/base`), with stdout and stderr on pipes,
    COLUMNS=80 and the FORKPROOF_* variables unset, like the in-process run.  --cwd is the
    working directory (default: this repository's root); it must hold the same `models/`.
`--check` writes nothing: it says which .expect files would change (under the test's
normalization), and exits 1 if any would.  With --exe it is the same comparison as the test
but with each case in its own process, the way people run forkproof: e.g.
`python -m tests.golden.regen --cli --check --exe .venv/bin/forkproof`.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.golden.golden import GOLDEN_DIR, run_case  # noqa: E402
from tests.golden.test_cli_golden import (  # noqa: E402
    CLI_DIR, ENV, Run, case_names, collect_files, compared, placeholders, read_args, render, run_in_process, unplace,
    warm_up)


def regen_errors() -> None:
    for fork in sorted(GOLDEN_DIR.glob("*.fork")):
        fork.with_suffix(".expect").write_text(run_case(fork), encoding="utf-8")
        print(f"wrote {fork.with_suffix('.expect').relative_to(ROOT)}")


def run_exe(exe: str, cwd: Path, args: list[str]) -> Run:
    """`EXE ARGS` as a subprocess in CWD, stdout and stderr on pipes (not a terminal)."""
    env = {k: v for k, v in os.environ.items() if k not in ENV}
    env.update({k: v for k, v in ENV.items() if v is not None})
    with tempfile.TemporaryDirectory(prefix="forkproof-golden-") as tmp:
        trace_dir = Path(tmp).resolve() / "traces"
        p = subprocess.run([exe, *placeholders(args, trace_dir)], cwd=cwd, env=env, capture_output=True,
                           stdin=subprocess.DEVNULL)
        return Run(unplace(p.stdout.decode("utf-8"), trace_dir), unplace(p.stderr.decode("utf-8"), trace_dir),
                   p.returncode, collect_files(trace_dir))


def regen_cli(names: list[str], exe: str | None, cwd: Path, check: bool) -> int:
    unknown = sorted(set(names) - set(case_names()))
    if unknown:
        sys.exit(f"no such case: {', '.join(unknown)} (cases are {CLI_DIR.relative_to(ROOT)}/*.args)")
    stale = 0
    if not exe:
        warm_up()  # as the test does
    for name in names or case_names():
        args = read_args(name)
        run = run_exe(exe, cwd, args) if exe else run_in_process(args)
        text = render(run, args)
        for where in (str(cwd.resolve()), str(ROOT)):  # paths must be repository-relative
            if where in text:
                sys.exit(f"{name}: the output names {where}: use repository-relative paths in {name}.args")
        if "Traceback" in text:
            sys.exit(f"{name}: the output has a traceback:\n{text}")
        path = CLI_DIR / f"{name}.expect"
        old = path.read_bytes().decode("utf-8") if path.exists() else None
        if check:
            same = old is not None and compared(old, args) == compared(text, args)
            stale += not same
            print(f"{'same' if same else 'DIFFERS'}  {name}")
        elif old != text:
            path.write_bytes(text.encode("utf-8"))
            print(f"wrote {path.relative_to(ROOT)}")
    return 1 if stale else 0


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m tests.golden.regen", description=__doc__.split("\n\n")[0])
    ap.add_argument("--cli", action="store_true", help="the CLI cases (tests/golden/cli) instead of errors/")
    ap.add_argument("--exe", help="run this forkproof executable instead of the one imported in-process")
    ap.add_argument("--cwd", type=Path, default=ROOT, help="working directory for --exe (default: the repository)")
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if an .expect would change")
    ap.add_argument("names", nargs="*", metavar="NAME", help="only these CLI cases")
    ns = ap.parse_args()
    if not ns.cli:
        if ns.exe or ns.names or ns.check or ns.cwd != ROOT:
            ap.error("--exe, --cwd, --check and NAMEs go with --cli")
        regen_errors()
        return
    if ns.cwd != ROOT and not ns.exe:
        ap.error("--cwd needs --exe (in-process runs use this repository)")
    sys.exit(regen_cli(ns.names, ns.exe, ns.cwd, ns.check))


if __name__ == "__main__":
    main()
