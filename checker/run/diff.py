"""`forkproof diff OLD NEW` (or `forkproof diff NEW --git REV`): what an edit did to a model's verdicts.
This module decides; forkproof.output.diff renders, forkproof.cli.diff is the command.

Both versions are checked with the same options (`check_model`), their properties matched,
and each pair classified.  A threshold whose rule, inlined rule or `meant` changed gets its
table before and after (checker/analysis/thresholds.py, over the sizes the run covers) and,
when both versions have it, the comparison of the two rules over the same configurations:
equal, weaker, stronger or incomparable, with witnesses (NOTE(rule-compare) in
checker/analysis/compare.py).

NOTE(diff-match): a property is matched by (name, kind, the values of the finite params,
enum and bool, in its scope).  Int params are left out on purpose: with an open `param N`
a violation's scope is "N = 2, RULE = Code" while a proof's is "all N with N >= 1,
RULE = Code", and a changed default (N = 3 -> N = 4) must not turn a property into
"removed" + "added".

NOTE(diff-exit), the exit codes of `diff`:
  1  a regression: a property violated in NEW that was not violated in OLD (it held, was
     unknown, or is new in NEW), unless NEW marks it `expect violated` (NOTE(expect) in
     spec/ir.py: "violated, as expected", its trace shown); a property NEW marks `expect
     violated` that holds in NEW ("holds, but expected violated": the expectation is stale,
     as for `check`); or a threshold rule became weaker: NEW's rule passes a
     configuration OLD's rule fails (relation "weaker" or "incomparable", or "unknown" with
     such a witness found), even when every property still holds at the sizes checked;
  3  inconclusive: no regression, but a verdict got weaker (proved -> holds (exhaustive),
     holds -> unknown, violated -> unknown ...), or whether a changed threshold rule admits
     more than before is unknown (the solver's budget, nonlinear arithmetic, versions that
     do not describe the same configurations), or an internal error;
  2  a model, the git revision or the command line is wrong;
  0  otherwise: nothing got worse.  Violations that OLD already had, properties that are
     still unknown, removed properties and thresholds that got stronger or stayed equal
     (or are known not to admit more, whichever of the two) are reported but do not change
     the exit code.

NOTE(diff-coverage): both versions are checked exactly as `check` checks them, so an int
param with no value (`param N: int`, no --param) is checked for every size: the every-size
proof on the counter abstraction (forkproof.run.sizes) plus the instances N = 1..--up-to,
and an edit that breaks a property only at N = 7 is "newly violated" at N = 7.  An int param
with a value (--param N=4, the model's `= 3`, a sweep) is checked at those values only,
and the comparison then says nothing about other sizes: each side's Coverage says which
sizes its verdicts cover, and the text and JSON print it, "N = 4 only" included.
"""
from __future__ import annotations

import re
import subprocess
from collections.abc import Sequence
from pathlib import Path

from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings, scope_of, symbolic_params
from forkproof.run.portfolio import EngineOptions
from forkproof.run.results import (STRENGTH, Change, CheckReport, Coverage, FixedParam, PropertyResult,
                                   ThresholdChange, Version, outcome)
from forkproof.semantics.verdict import ExitCode, Status
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError
from forkproof.spec.ir import expr_str, value_str
from forkproof.analysis.thresholds import analyse
from forkproof.analysis.compare import TIMEOUT_MS as COMPARE_TIMEOUT_MS
from forkproof.analysis.compare import compare_rules
from forkproof.analysis.encode import inline
from forkproof.engines.counters.prove import assumption_text


def _finite_values(model: I.Model, scope: str) -> tuple[tuple[str, str], ...]:
    """NOTE(diff-match): the `NAME = VALUE` parts of a scope whose NAME is an enum or bool param."""
    finite = {p.name for p in model.params if isinstance(p.ty, (I.EnumType, I.BoolType))}
    out = []
    for part in scope.split(", "):
        m = re.fullmatch(r"(\w+) = (\S+)", part.strip())
        if m and m.group(1) in finite:
            out.append((m.group(1), m.group(2)))
    return tuple(sorted(out))


def _keyed(model: I.Model, props: tuple[PropertyResult, ...]) -> dict[tuple, PropertyResult]:
    out: dict[tuple, PropertyResult] = {}
    for p in props:
        key = (p.verdict.name, p.verdict.kind, _finite_values(model, p.scope))
        while key in out:  # never expected; keep both rather than lose one
            key = key + ("#",)
        out[key] = p
    return out


def _held(s: Status) -> bool:
    return s in STRENGTH


def classify(old: PropertyResult | None, new: PropertyResult | None) -> str:
    expected = outcome(new) if new is not None else None  # NOTE(expect-outcome): NEW's expectation decides
    if expected == "expected":
        return "expected_violated"
    if expected == "fixed":
        return "expectation_stale"
    if old is None:
        return "added"
    if new is None:
        return "removed"
    o, n = old.verdict.status, new.verdict.status
    if n is Status.VIOLATED:
        return "still_violated" if o is Status.VIOLATED else "newly_violated"
    if o is Status.VIOLATED:
        return "fixed" if _held(n) else "unknown_was_violated"
    if o is Status.UNKNOWN:
        return "newly_holds" if _held(n) else "still_unknown"
    if n is Status.UNKNOWN or STRENGTH[n] < STRENGTH[o]:
        return "weakened"
    return "still_holds"


def match(old: Version, new: Version) -> list[Change]:
    """Every property of NEW in its order (added ones included), then those only OLD has."""
    a, b = _keyed(old.model, old.report.properties), _keyed(new.model, new.report.properties)
    out = []
    for key, p in b.items():
        q = a.get(key)
        out.append(Change(key[0], key[1], key[2], classify(q, p), q, p))
    for key, q in a.items():
        if key not in b:
            out.append(Change(key[0], key[1], key[2], "removed", q, None))
    return out


def exit_code(changes: list[Change], thresholds: Sequence[ThresholdChange] = ()) -> ExitCode:
    """NOTE(diff-exit)."""
    compared = [t.comparison for t in thresholds if t.comparison is not None]
    if any(c.new is not None and c.new.verdict.status is Status.VIOLATED
           and c.change in ("newly_violated", "added") for c in changes):
        return ExitCode.VIOLATED
    if any(c.change == "expectation_stale" for c in changes):
        return ExitCode.VIOLATED
    if any(r.admits_more is True for r in compared):
        return ExitCode.VIOLATED
    if any(c.change in ("weakened", "unknown_was_violated") for c in changes):
        return ExitCode.INCONCLUSIVE
    if any(r.admits_more is None for r in compared):
        return ExitCode.INCONCLUSIVE
    return ExitCode.OK


# ---------------------------------------------------------------- thresholds


def _threshold_signature(model: I.Model, d: I.Def) -> tuple:
    meant = expr_str(d.meant) if d.meant is not None else None
    return (tuple(str(b.ty) for b in d.params), expr_str(d.body), expr_str(inline(d.body, model)), meant)


def threshold_changes(old: I.Model, new: I.Model, bindings: tuple[dict, dict], up_to: int,
                      timeout_ms: int = COMPARE_TIMEOUT_MS) -> list[ThresholdChange]:
    """Thresholds whose rule (as written or inlined) or `meant` changed, added or removed,
    with their analysis (tables over N's values, else N = 1..up_to) on the side(s) that have
    them, and for those both have, NEW's rule compared with OLD's (NOTE(rule-compare);
    N = 1..up_to when a symbolic answer cannot be had; `timeout_ms` per solver query)."""
    a = {d.name: d for d in old.defs if d.is_threshold}
    b = {d.name: d for d in new.defs if d.is_threshold}
    names = [n for n in b if n not in a or _threshold_signature(old, a[n]) != _threshold_signature(new, b[n])]
    names += [n for n in a if n not in b]
    if not names:
        return []
    ra = {r.name: r for r in analyse(old, bindings[0], up_to, None)} if any(n in a for n in names) else {}
    rb = {r.name: r for r in analyse(new, bindings[1], up_to, None)} if any(n in b for n in names) else {}
    return [ThresholdChange(n, "added" if n not in a else "removed" if n not in b else "changed", ra.get(n), rb.get(n),
                            compare_rules(old, a[n], new, b[n], bindings, up_to, timeout_ms) if n in a and n in b else None)
            for n in names]


# ---------------------------------------------------------------- reading the two versions


def git_show(path: str, rev: str) -> str:
    """The text of `path` at git revision `rev`, from the repository that holds the file."""
    p = Path(path).absolute()
    where = str(p.parent)

    def git(*args: str) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(["git", "-C", where, *args], capture_output=True)
        except FileNotFoundError:
            raise ModelError(Diagnostic("FP511", "--git needs the git program, and it is not installed")) from None

    if git("rev-parse", "--is-inside-work-tree").returncode != 0:
        raise ModelError(Diagnostic("FP511", f"--git {rev}: {path} is not inside a git repository"))
    if git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").returncode != 0:
        raise ModelError(Diagnostic("FP512", f"--git {rev}: no such revision in the repository of {path}"))
    shown = git("show", f"{rev}:./{p.name}")
    if shown.returncode != 0:
        raise ModelError(Diagnostic("FP513", f"--git {rev}: {path} does not exist at revision {rev}"))
    try:
        return shown.stdout.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ModelError(Diagnostic("FP002", f"{path}@{rev} is not UTF-8 text (byte {e.start})")) from None


def bindings_for(model: I.Model, params: list[str], other: I.Model) -> dict[str, list[object]]:
    """--param items for one side: an item naming a param only the other version has is
    skipped there (a param added by the edit); one that neither has is an error."""
    mine = {p.name for p in model.params}
    theirs = {p.name for p in other.params}
    items = [x for x in params if x.partition("=")[0].strip() in mine or x.partition("=")[0].strip() not in theirs]
    return parse_bindings(model, items)




def check_version(label: str, model: I.Model, other: I.Model, params: list[str], options: EngineOptions,
                  only: Sequence[str] = (), skip: Sequence[str] = (), liveness: bool = True
                  ) -> tuple[dict[str, list[object]], Version]:
    """One side checked as `check` checks it (NOTE(diff-coverage)): its bindings (NOTE(diff-match):
    params only `other` has are skipped) and result, with the sizes it covers; `only` / `skip`
    (--property / --skip) may name what only `other` has."""
    bindings = bindings_for(model, params, other)
    names = [d.name for d in (*other.invariants, *other.properties)]
    report = check_model(model, bindings, options, only, skip, also_known=names, liveness=liveness)
    return bindings, Version(label, model, report, coverage(model, bindings, report, options.up_to))


def coverage(model: I.Model, bindings: dict[str, list[object]], report: CheckReport, up_to: int) -> Coverage:
    """NOTE(diff-coverage): which sizes the verdicts of `report` cover: the open int params (every
    size, and the instances checked one by one) and the int params checked at given values only."""
    ints = [p for p in model.params if isinstance(p.ty, I.IntType)]
    symbolic = symbolic_params(model, bindings)
    runs = [r.params for r in report.instances]
    fixed = []
    for p in ints:
        if p.name in symbolic:
            continue
        seen = list(dict.fromkeys(r[p.name] for r in runs if p.name in r)) or list(bindings.get(p.name, []))
        origin = "--param" if p.name in bindings else "model" if p.default is not None else "sweep"
        fixed.append(FixedParam(p.name, _values_text(seen, p.ty), origin, p.default is None and p.sweep is None))
    every = cross = beyond = None
    if symbolic:
        every = assumption_text(model, symbolic)
        sizes = list(dict.fromkeys(tuple(r[n] for n in symbolic) for r in runs if all(n in r for n in symbolic)))
        far = [s for s in sizes if max(s) > up_to]
        if len(symbolic) == 1:
            n = symbolic[0]
            cross = f"{n} = {_values_text([s[0] for s in sizes], I.IntType())}" if sizes else None
            beyond = f"{n} = {_values_text([s[0] for s in far], I.IntType())}" if far else None
        else:
            near = [s for s in sizes if max(s) <= up_to]
            cross = (f"every {', '.join(symbolic)} up to {up_to} that the assumptions allow "
                     f"({len(near)} instance{'s' if len(near) != 1 else ''})") if near else None
            beyond = " | ".join(scope_of(model, dict(zip(symbolic, s))) for s in far) or None
    proved = sum(p.verdict.status is Status.PROVED for p in report.properties)
    return Coverage(every, tuple(symbolic), cross, beyond, up_to, proved, len(report.properties), tuple(fixed))


def _values_text(values: list[object], ty: I.Type) -> str:
    """[1, 2, 3, 4, 6] -> "1..4, 6"."""
    if not values:
        return "-"
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return ", ".join(value_str(v, ty) for v in values)
    vals = sorted(set(values))  # type: ignore[type-var]
    parts, start = [], vals[0]
    for a, b in zip(vals, vals[1:] + [None]):
        if b is None or b != a + 1:
            parts.append(str(start) if start == a else f"{start}..{a}" if a > start + 1 else f"{start}, {a}")
            start = b
    return ", ".join(parts)
