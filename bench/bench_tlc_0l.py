"""forkproof next to TLC on the shipped 0L upgrade model; not part of the test run.

    .venv/bin/python bench/bench_tlc_0l.py --jar /tmp/tlc/tla2tools.jar              # N = 7..12
    .venv/bin/python bench/bench_tlc_0l.py --jar /tmp/tlc/tla2tools.jar --n 3,4,5 --rule Code

Checks models/libra_framework_upgrade.fork with `forkproof check` (explicit engine, no
symmetry, deadlock checking on, liveness left out) and bench/tla/LibraUpgrade.tla with TLC
(`-workers 1 -continue`: every state is checked, and each violated invariant is reported once,
as forkproof does), one process at a time, each under `/usr/bin/time -v`, and prints a
markdown table: both distinct-state counts, each tool's wall time, CPU time, peak resident
memory and states per CPU second, and forkproof's CPU time over TLC's.  Exit 1 if the counts
differ, a search was incomplete, or the tools disagree on what is violated.  tla2tools.jar is
not in the repository: pass its path with --jar (or $TLA2TOOLS).  The TLC configuration for
each N and RULE is written to a temporary directory, TLC's state files too.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

from bench_tlc import Run, _n, _timed, parse_with_tlc, tlc_version

ROOT = Path(__file__).resolve().parents[1]
MODEL = ROOT / "models" / "libra_framework_upgrade.fork"
SPEC = ROOT / "bench" / "tla" / "LibraUpgrade.tla"

CFG = """\\* written by bench/bench_tlc_0l.py: N = {n}, RULE = {rule}
CONSTANTS N = {n}
          RULE = "{rule}"
SPECIFICATION Spec
INVARIANT TypeOK OnlyRegisteredHashRuns TamperedScriptNeverRuns ResolvedAtMostOnce ResolvedHadTwoThirdsYes
"""


def _tla_name(name: str) -> str:
    """forkproof's property name as the TLA+ module spells it: resolved_at_most_once -> ResolvedAtMostOnce."""
    return "".join(w.capitalize() for w in name.split("_"))


def forkproof(n: int, rule: str, timeout: float) -> tuple[Run, set[str]]:
    cmd = [str(ROOT / ".venv" / "bin" / "forkproof"), "check", str(MODEL), "--param", f"N={n}", "--param",
           f"RULE={rule}", "--no-symmetry", "--no-liveness", "--format", "json", "--timeout", str(timeout)]
    proc, wall, cpu, mib = _timed(cmd, ROOT)
    report = json.loads(proc.stdout)
    (model,) = report["models"]
    (inst,) = model["instances"]
    violated = {_tla_name(p["name"]) for p in model["properties"] if p["verdict"] == "violated"}
    ok = report["exit_code"] in (0, 1) and all(p["verdict"] in ("holds_exhaustive", "violated")
                                               for p in model["properties"])
    return Run(inst["states"], inst["complete"], ok, wall, cpu, mib), violated


def tlc(jar: Path, n: int, rule: str, java_opts: list[str]) -> tuple[Run, set[str]]:
    with tempfile.TemporaryDirectory(prefix="bench_tlc_0l_") as tmp:
        work = Path(tmp)
        shutil.copy(SPEC, work / SPEC.name)
        (work / "MC.cfg").write_text(CFG.format(n=n, rule=rule))
        cmd = ["java", *java_opts, "-cp", str(jar), "tlc2.TLC", "-workers", "1", "-continue", "-cleanup",
               "-metadir", str(work / "states"), "-config", "MC.cfg", SPEC.name]
        proc, wall, cpu, mib = _timed(cmd, work)
    out = proc.stdout
    found = re.search(r"([\d,]+) distinct states found, 0 states left on queue", out)
    violated = set(re.findall(r"Error: Invariant (\w+) is violated\.", out))
    if "Deadlock reached" in out:
        violated.add("Deadlock")
    if "Assert evaluated to FALSE" in out:  # InRange: forkproof's `runtime` finding
        violated.add("Runtime")
    # with -continue TLC ends with "No error has been found." and exit code 0 even after violations
    ok = proc.returncode == 0 and "Model checking completed." in out
    if not ok:
        print(out[-3000:], file=sys.stderr)
    return Run(int(found.group(1).replace(",", "")) if found else None, found is not None, ok, wall, cpu, mib), violated


def _rate(r: Run) -> str:
    return f"{r.states / r.cpu_s:,.0f}" if r.states and r.cpu_s > 0 else "-"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", default="7,8,9,10,11,12", help="validator counts, comma-separated (default 7..12)")
    ap.add_argument("--rule", default="Code,Intended", help="RULE values, comma-separated (default Code,Intended)")
    ap.add_argument("--timeout", type=float, default=3600, help="forkproof's time budget per instance, s (default 3600)")
    args = parse_with_tlc(ap, argv)
    if args.tlc:
        print(f"TLC {tlc_version(args.jar)}, -workers 1 -continue\n")
    print("| N | RULE | forkproof states | TLC states | violated | forkproof wall s | forkproof CPU s "
          "| forkproof peak MiB | TLC wall s | TLC CPU s | TLC peak MiB | forkproof states/CPU s "
          "| TLC states/CPU s | CPU forkproof / TLC |")
    print("|---:|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    failed = False
    for n in (int(x) for x in args.n.split(",")):
        for rule in args.rule.split(","):
            fp, fp_violated = forkproof(n, rule, args.timeout)
            tl, tl_violated = tlc(args.jar, n, rule, args.java_opt or ["-XX:+UseParallelGC"]) if args.tlc \
                else (None, fp_violated)
            match = fp.complete and fp.ok and fp_violated == tl_violated and \
                (tl is None or (tl.complete and tl.ok and tl.states == fp.states))
            failed |= not match
            violated = ", ".join(sorted(fp_violated)) or "none"
            if fp_violated != tl_violated:
                violated = f"forkproof: {violated}; TLC: {', '.join(sorted(tl_violated)) or 'none'}"
            tcols = (f"{tl.wall_s:.2f} | {tl.cpu_s:.2f} | {tl.peak_mib:.0f}", _rate(tl), f"{fp.cpu_s / tl.cpu_s:.2f}") \
                if tl else ("- | - | -", "-", "-")
            print(f"| {n} | {rule} | {_n(fp.states, fp.complete)} | {_n(tl.states, tl.complete) if tl else '-'} "
                  f"| {violated} | {fp.wall_s:.2f} | {fp.cpu_s:.2f} | {fp.peak_mib:.0f} | {tcols[0]} "
                  f"| {_rate(fp)} | {tcols[1]} | {tcols[2]}{'' if match else ' MISMATCH'} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
