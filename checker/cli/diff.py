"""`forkproof diff OLD NEW` (or `forkproof diff NEW --git REV`): what an edit did to a model's verdicts.

Both versions are checked with the same options (`check_model`), their properties matched,
and each pair classified.  A threshold whose rule, inlined rule or `meant` changed gets its
table before and after (checker/thresholds/analysis.py, N = 1..K).

NOTE(diff-match): a property is matched by (name, kind, the values of the finite params,
enum and bool, in its scope).  Int params are left out on purpose: with an open `param N`
a violation's scope is "N = 2, RULE = Code" while a proof's is "all N with N >= 1,
RULE = Code", and a changed default (N = 3 -> N = 4) must not turn a property into
"removed" + "added".

NOTE(diff-exit), the exit codes of `diff`:
  1  a regression: a property violated in NEW that was not violated in OLD (it held, was
     unknown, or is new in NEW);
  3  inconclusive: no regression, but a verdict got weaker (proved -> holds (exhaustive),
     holds -> unknown, violated -> unknown ...) or an internal error;
  2  a model, the git revision or the command line is wrong;
  0  otherwise: nothing got worse.  Violations that OLD already had, properties that are
     still unknown and removed properties are reported but do not change the exit code.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import click

from forkproof.output import report as R
from forkproof.cli.options import search_options
from forkproof.run.portfolio import ENGINES, EngineOptions
from forkproof.run.check import STRENGTH, CheckReport, PropertyResult, check_model, parse_bindings
from forkproof.semantics.verdict import Status
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError

EXIT_OK, EXIT_REGRESSION, EXIT_USAGE, EXIT_INCONCLUSIVE = 0, 1, 2, 3

# change id -> text; the order is the order of the summary line
CHANGES = {
    "newly_violated": "newly violated",
    "weakened": "weakened",
    "unknown_was_violated": "unknown (was violated)",
    "still_violated": "still violated",
    "still_unknown": "still unknown",
    "added": "added",
    "removed": "removed",
    "fixed": "fixed",
    "newly_holds": "newly holds",
    "still_holds": "still holds",
}


@dataclass(frozen=True)
class Version:
    """One side of the diff: where it came from, its model and its check report."""

    label: str  # "models/x.fork" or "models/x.fork@origin/main"
    model: I.Model
    report: CheckReport


@dataclass(frozen=True)
class Change:
    name: str
    kind: str
    params: tuple[tuple[str, str], ...]  # the finite params in its scope (NOTE(diff-match))
    change: str  # a key of CHANGES
    old: PropertyResult | None
    new: PropertyResult | None


@dataclass(frozen=True)
class ThresholdChange:
    name: str
    change: str  # "changed" | "added" | "removed"
    old: object  # ThresholdReport | None
    new: object


# ---------------------------------------------------------------- matching and classifying


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


def exit_code(changes: list[Change]) -> int:
    """NOTE(diff-exit)."""
    if any(c.new is not None and c.new.verdict.status is Status.VIOLATED
           and c.change in ("newly_violated", "added") for c in changes):
        return EXIT_REGRESSION
    if any(c.change in ("weakened", "unknown_was_violated") for c in changes):
        return EXIT_INCONCLUSIVE
    return EXIT_OK


# ---------------------------------------------------------------- thresholds


def _threshold_signature(model: I.Model, d: I.Def) -> tuple:
    from forkproof.thresholds.encode import inline
    from forkproof.spec.pretty import expr_str

    meant = expr_str(d.meant) if d.meant is not None else None
    return (tuple(str(b.ty) for b in d.params), expr_str(d.body), expr_str(inline(d.body, model)), meant)


def threshold_changes(old: I.Model, new: I.Model, bindings: tuple[dict, dict], up_to: int) -> list[ThresholdChange]:
    """Thresholds whose rule (as written or inlined) or `meant` changed, added or removed,
    with their analysis (tables N = 1..up_to) on the side(s) that have them."""
    a = {d.name: d for d in old.defs if d.is_threshold}
    b = {d.name: d for d in new.defs if d.is_threshold}
    names = [n for n in b if n not in a or _threshold_signature(old, a[n]) != _threshold_signature(new, b[n])]
    names += [n for n in a if n not in b]
    if not names:
        return []
    from forkproof.thresholds.analysis import analyse

    ra = {r.name: r for r in analyse(old, bindings[0], up_to, None)} if any(n in a for n in names) else {}
    rb = {r.name: r for r in analyse(new, bindings[1], up_to, None)} if any(n in b for n in names) else {}
    return [ThresholdChange(n, "added" if n not in a else "removed" if n not in b else "changed", ra.get(n), rb.get(n))
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


# ---------------------------------------------------------------- text


def _verdict(p: PropertyResult | None) -> str:
    return "-" if p is None else R.verdict_text(p.verdict)


def _scope(c: Change) -> str:
    return (c.new or c.old).scope or "(no params)"


def _trace_block(p: PropertyResult, head: str) -> list[str]:
    v = p.verdict
    out = ["", head]
    if v.reason:
        out.append(f"  {v.reason}")
    if v.trace is not None:
        n = len(v.trace.steps) - 1
        if v.trace.loop_start is not None:
            out.append(f"  lasso: {n} step{'s' if n != 1 else ''}, then a cycle from step {v.trace.loop_start} "
                       f"that repeats forever:")
        else:
            out.append(f"  shortest trace, {n} step{'s' if n != 1 else ''}:")
        out.extend(R.trace_lines(v.trace))
    return out


def _what(p: PropertyResult) -> str:
    v = p.verdict
    if v.kind == "deadlock":
        return "deadlock reached (no action enabled)"
    if v.kind == "runtime":
        return "runtime error"
    return f"{v.kind} {v.name}"


def render_text(old: Version, new: Version, changes: list[Change], thresholds: list[ThresholdChange], code: int) -> str:
    out = [f"forkproof {R.VERSION}: diff {old.label} -> {new.label} (model {new.model.name})"]
    so, sn = (sum(r.result.states for r in v.report.instances) for v in (old, new))
    out.append(f"checked both with the {new.report.engine} engine: old {so:,} states in {old.report.seconds:.2f}s, "
               f"new {sn:,} states in {new.report.seconds:.2f}s")
    out.append("")
    rows = [[c.name, _scope(c), _verdict(c.old), _verdict(c.new), CHANGES[c.change]] for c in changes]
    out.extend(R._table(["property", "scope", "old", "new", "change"], rows))
    for c in changes:
        if c.new is not None and c.new.verdict.status is Status.VIOLATED and c.change in ("newly_violated", "added"):
            if c.change == "added":
                was = "a property NEW adds"
            else:
                was = f"was {_verdict(c.old)}" + (f" for {c.old.scope}" if c.old.scope != c.new.scope else "")
            out += _trace_block(c.new, f"newly violated: {_what(c.new)}, {c.new.scope or 'the model'} ({was})")
        elif c.change in ("weakened", "unknown_was_violated"):
            out += ["", f"{CHANGES[c.change]}: {_what(c.new)}, {_verdict(c.old)} ({c.old.scope or 'the model'}) -> "
                        f"{_verdict(c.new)} ({c.new.scope or 'the model'})"]
            if c.new.verdict.reason:
                out.append(f"  {c.new.verdict.reason}")
    from forkproof.cli.thresholds import threshold_text

    for t in thresholds:
        out += ["", f"threshold {t.name}: {t.change}"]
        for side, label, r in (("before", old.label, t.old), ("after", new.label, t.new)):
            if r is not None:
                lines = threshold_text(r)
                while lines and not lines[-1].strip():
                    lines.pop()
                out += [f"  {side} ({label}):"] + ["  " + x if x else x for x in lines]
    counts = {k: sum(c.change == k for c in changes) for k in CHANGES}
    parts = [f"{n} {CHANGES[k]}" for k, n in counts.items() if n]
    if thresholds:
        parts.append(f"{len(thresholds)} threshold{'s' if len(thresholds) != 1 else ''} changed")
    out += ["", f"result: {', '.join(parts) or 'nothing to compare'}; exit code {code}"]
    return "\n".join(out)


# ---------------------------------------------------------------- JSON


def to_json(old: Version | None, new: Version | None, changes: list[Change], thresholds: list[ThresholdChange],
            code: int, errors: list[dict] | None = None) -> dict:
    from forkproof.cli.thresholds import to_json as threshold_json

    def side(v: Version | None) -> dict | None:
        if v is None:
            return None
        return {"file": v.label, "model": v.model.name, "engine": v.report.engine,
                "states": sum(r.result.states for r in v.report.instances),
                "instances": [r.scope for r in v.report.instances], "notes": list(v.report.notes)}

    def one(model: I.Model | None, r) -> dict | None:
        return None if r is None else threshold_json(model, [r], 0)["thresholds"][0]

    return {
        "forkproof": R.VERSION, "schema": R.SCHEMA, "command": "diff", "exit_code": code,
        "old": side(old), "new": side(new),
        "properties": [{"name": c.name, "kind": c.kind, "params": dict(c.params), "change": c.change,
                        "old": R.property_json(c.old) if c.old else None,
                        "new": R.property_json(c.new) if c.new else None} for c in changes],
        "thresholds": [{"name": t.name, "change": t.change, "old": one(old and old.model, t.old),
                        "new": one(new and new.model, t.new)} for t in thresholds],
        "summary": {k: n for k in CHANGES if (n := sum(c.change == k for c in changes))},
        "errors": errors or [],
    }


# ---------------------------------------------------------------- the command


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="OLD NEW | NEW --git REV")
@click.option("--git", "rev", default=None, metavar="REV",
              help="Compare NEW with the same path at git revision REV (e.g. origin/main, HEAD~1).")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V",
              help="Bind a param in both versions: N=4, or a range N=1..6. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--engine", type=click.Choice(list(ENGINES)), default="explicit", show_default=True,
              help="The engine for both versions (as for `check`).")
@search_options
@click.option("--up-to", "up_to", type=click.IntRange(min=0), default=6, show_default=True,
              help="For an int param with no value: check each instance with the param at most this.")
@click.option("--table-up-to", "table_up_to", type=click.IntRange(min=1, max=500), default=10, show_default=True,
              help="A changed threshold's table covers N = 1..K.")
def diff(files, rev, params, fmt, engine, depth, symmetry, deadlock, max_states, timeout, up_to, table_up_to):
    """Check two versions of a model and say what the edit changed: properties newly
    violated (with the trace), fixed, weakened, added or removed, and every changed
    threshold's table before and after.

    Exit codes: 0 nothing got worse, 1 a property is violated in NEW that was not violated
    in OLD, 2 a model, the revision or the command line is wrong, 3 a verdict got weaker
    (e.g. proved -> unknown) with no new violation."""
    from forkproof.cli import main as C  # late: forkproof.cli.main registers this command at its end

    options = EngineOptions(engine=engine, symmetry=symmetry, deadlock=deadlock, max_states=max_states,
                            timeout=timeout, depth=depth, certificate=None, require="exhaustive", up_to=up_to)
    if rev is None and len(files) != 2:
        raise click.UsageError("give two model files, OLD NEW, or one with --git REV")
    if rev is not None and len(files) != 1:
        raise click.UsageError("with --git REV give one model file, NEW (OLD is the same path at REV)")
    new_path = files[-1]
    old_label = f"{new_path}@{rev}" if rev is not None else files[0]
    errors: list[dict] = []
    code = EXIT_USAGE
    try:
        def read(label: str, path: str, from_git: bool) -> I.Model | None:
            source = None
            try:
                source = git_show(path, rev) if from_git else C._read(path)
                return C.load(label, source)
            except ModelError as err:
                C._print_errors(err, label, source, fmt)
                errors.extend(d.to_json(label) for d in err.diagnostics)
                return None

        m_old = read(old_label, files[0], rev is not None)
        m_new = read(new_path, new_path, False)

        def check(label: str, model: I.Model, other: I.Model):
            try:
                bindings = bindings_for(model, list(params), other)
                return bindings, Version(label, model, check_model(model, bindings, options))
            except ModelError as err:
                C._print_errors(err, label, None, fmt)
                errors.extend(d.to_json(label) for d in err.diagnostics)
                return None, None

        if m_old is not None and m_new is not None:
            b_old, old = check(old_label, m_old, m_new)
            b_new, new = check(new_path, m_new, m_old)
        if errors:
            if fmt == "json":
                click.echo(json.dumps(to_json(None, None, [], [], EXIT_USAGE, errors), indent=2))
            sys.exit(EXIT_USAGE)
        tchanges = threshold_changes(m_old, m_new, (b_old, b_new), table_up_to)
        changes = match(old, new)
        code = exit_code(changes)
        if fmt == "json":
            click.echo(json.dumps(to_json(old, new, changes, tchanges, code), indent=2))
        else:
            click.echo(render_text(old, new, changes, tchanges, code))
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")
        code = EXIT_INCONCLUSIVE
    except Exception as exc:  # a bug, not the user's mistake: never exit 0 or 1
        code = C._internal_error(exc)
    sys.exit(code)
