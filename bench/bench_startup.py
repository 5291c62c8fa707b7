"""What a run costs before it works (issue 16); not part of the test run.

    .venv/bin/python bench/bench_startup.py            # about 30 s
    .venv/bin/python bench/bench_startup.py --repeat 21

Each command runs as its own process, as a user or a pre-commit hook runs it, with the
`forkproof` of this virtual environment; the median wall time of --repeat runs is printed
(after two warm-up runs that write Python's bytecode cache and forkproof's parser-table
cache, NOTE(parser-cache) in spec/parser.py, as the second run of any installation finds
them).  PYTHONDONTWRITEBYTECODE is removed from the children's environment: an installed
package has its bytecode compiled at install time, so a run without it measures compiling
forkproof, not starting it.

- `python -c pass`: the interpreter alone, the floor;
- `import forkproof.cli.main`: the console script's module (NOTE(lazy-commands));
- `forkproof parse` of the 0L model: issue 16 asks for under 0.25 s;
- `forkproof check` of the 0L model at N = 1 with the explicit engine: its whole wall time
  and, subtracting the check's own time from its JSON report (`--timings`), the start-up
  (imports, reading, parsing, type checking); issue 16 asks for under 0.15 s of start-up.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
LIBRA = str(ROOT / "models" / "libra_framework_upgrade.fork")
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run(cmd: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    out = subprocess.run(cmd, capture_output=True, text=True, env=ENV, cwd=ROOT)
    wall = time.perf_counter() - t
    if out.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({out.returncode}):\n{out.stderr}")
    return wall, out.stdout


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=11)
    args = ap.parse_args()
    py, fp = str(BIN / "python"), str(BIN / "forkproof")
    check = [fp, "check", LIBRA, "-p", "N=1", "-p", "RULE=Code", "--format", "json", "--timings", "--no-progress"]
    cases = [("python -c pass", [py, "-c", "pass"]),
             ("import forkproof.cli.main", [py, "-c", "import forkproof.cli.main"]),
             ("forkproof parse (0L model)", [fp, "parse", LIBRA]),
             ("forkproof check (0L, N = 1, explicit)", check)]
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.2f}, "
          f"median of {args.repeat} runs\n")
    print("| command | median wall s | lowest | highest |")
    print("|---|---:|---:|---:|")
    inside: list[float] = []
    for name, cmd in cases:
        for _ in range(2):
            run(cmd)
        walls = []
        for _ in range(args.repeat):
            wall, out = run(cmd)
            walls.append(wall)
            if cmd is check:
                inside.append(json.loads(out)["models"][0]["seconds"])
        print(f"| {name} | {statistics.median(walls):.3f} | {min(walls):.3f} | {max(walls):.3f} |", flush=True)
        if cmd is check:
            startup = [w - s for w, s in zip(walls, inside)]
            print(f"| start-up of that check (wall less the check's own seconds) | {statistics.median(startup):.3f} "
                  f"| {min(startup):.3f} | {max(startup):.3f} |")


if __name__ == "__main__":
    main()
