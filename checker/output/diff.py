"""`forkproof diff` as text for people and JSON for machines (docs/diff.md).  Nothing here
decides: the changes come from forkproof.run.diff."""
from __future__ import annotations

from forkproof.about import VERSION
from forkproof.analysis.relation import RELATIONS, RuleComparison, Witness
from forkproof.output import report as R
from forkproof.output.thresholds import threshold_text
from forkproof.output.thresholds import to_json as threshold_json
from forkproof.run.results import CHANGES, Change, PropertyResult, ThresholdChange, Version
from forkproof.semantics.verdict import Status
from forkproof.spec import ir as I


def _verdict(p: PropertyResult | None) -> str:
    return "-" if p is None else R.verdict_label(p)


def _scope(c: Change) -> str:
    return (c.new or c.old).scope or "(no params)"


def _trace_block(p: PropertyResult, head: str) -> list[str]:
    v = p.verdict
    out = ["", head]
    if p.expect is not None:
        out.append(f"  {R.expectation_text(p)}")
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


RELATION_TEXT = {
    "equal": "equal (passes exactly the configurations the old rule passes)",
    "weaker": "weaker (admits configurations the old rule rejects)",
    "stronger": "stronger (rejects configurations the old rule admits)",
    "incomparable": "incomparable (each rule admits configurations the other rejects)",
}


def comparison_lines(c: RuleComparison) -> list[str]:
    """"comparison: weaker (...), for all N >= 1 (...)" and "  e.g. N = 2: ... passes NEW, fails OLD"."""
    if c.relation != "unknown":
        head = f"{RELATION_TEXT[c.relation]}, {c.scope}"
        if c.checked == "finite":
            head += ", checked for each of these N (not proved beyond them)"
    elif c.admits_more is True:
        head = f"unknown, but weaker or incomparable (admits configurations the old rule rejects): {c.reason}"
    elif c.admits_more is False:
        head = f"unknown, but not weaker (admits nothing the old rule rejects, {c.scope}): {c.reason}"
    else:
        head = f"unknown: {c.reason}"
    out = [f"comparison: {head}"]
    out += [f"  e.g. {w.text()} passes {w.passes}, fails {w.fails}" for w in c.witnesses]
    out += [f"  note: {n}" for n in c.notes]
    return out


def render_text(old: Version, new: Version, changes: list[Change], thresholds: list[ThresholdChange], code: int) -> str:
    out = [f"forkproof {VERSION}: diff {old.label} -> {new.label} (model {new.model.name})"]
    so, sn = (sum(r.result.states for r in v.report.instances) for v in (old, new))
    out.append(f"checked both with the {new.report.engine} engine: old {so:,} states in {old.report.seconds:.2f}s, "
               f"new {sn:,} states in {new.report.seconds:.2f}s")
    out.append("")
    rows = [[c.name, _scope(c), _verdict(c.old), _verdict(c.new), CHANGES[c.change]] for c in changes]
    out.extend(R.table(["property", "scope", "old", "new", "change"], rows))
    for c in changes:
        if c.new is not None and c.new.verdict.status is Status.VIOLATED and c.change in ("newly_violated", "added"):
            if c.change == "added":
                was = "a property NEW adds"
            else:
                was = f"was {_verdict(c.old)}" + (f" for {c.old.scope}" if c.old.scope != c.new.scope else "")
            out += _trace_block(c.new, f"newly violated: {_what(c.new)}, {c.new.scope or 'the model'} ({was})")
        elif c.change == "expected_violated" and (c.old is None or c.old.verdict.status is not Status.VIOLATED):
            was = "a property NEW adds" if c.old is None else f"was {_verdict(c.old)}"
            out += _trace_block(c.new, f"newly violated, as expected: {_what(c.new)}, {c.new.scope or 'the model'} "
                                       f"({was})")
        elif c.change == "expectation_stale":
            out += [""] + R.fixed_lines(c.new)
        elif c.change in ("weakened", "unknown_was_violated"):
            out += ["", f"{CHANGES[c.change]}: {_what(c.new)}, {_verdict(c.old)} ({c.old.scope or 'the model'}) -> "
                        f"{_verdict(c.new)} ({c.new.scope or 'the model'})"]
            if c.new.verdict.reason:
                out.append(f"  {c.new.verdict.reason}")
    for t in thresholds:
        out += ["", f"threshold {t.name}: {t.change}"]
        if t.comparison is not None:
            out += ["  " + x for x in comparison_lines(t.comparison)]
        for side, label, r in (("before", old.label, t.old), ("after", new.label, t.new)):
            if r is not None:
                lines = threshold_text(r)
                while lines and not lines[-1].strip():
                    lines.pop()
                out += [f"  {side} ({label}):"] + ["  " + x if x else x for x in lines]
    counts = {k: sum(c.change == k for c in changes) for k in CHANGES}
    parts = [f"{n} {CHANGES[k]}" for k, n in counts.items() if n]
    if thresholds:
        rel = [t.comparison.relation for t in thresholds if t.comparison is not None]
        how = ", ".join(f"{rel.count(r)} {r}" if len(thresholds) > 1 else r for r in RELATIONS if r in rel)
        parts.append(f"{len(thresholds)} threshold{'s' if len(thresholds) != 1 else ''} changed"
                     + (f" ({how})" if how else ""))
    out += ["", f"result: {', '.join(parts) or 'nothing to compare'}; exit code {code}"]
    return "\n".join(out)


# ---------------------------------------------------------------- JSON


def to_json(old: Version | None, new: Version | None, changes: list[Change], thresholds: list[ThresholdChange],
            code: int, errors: list[dict] | None = None) -> dict:
    def side(v: Version | None) -> dict | None:
        if v is None:
            return None
        return {"file": v.label, "model": v.model.name, "engine": v.report.engine,
                "states": sum(r.result.states for r in v.report.instances),
                "instances": [r.scope for r in v.report.instances], "selection": R.selection_json(v.report),
                "notes": list(v.report.notes)}

    def one(model: I.Model | None, r) -> dict | None:
        return None if r is None else threshold_json(model, [r], 0)["thresholds"][0]

    return {
        "forkproof": VERSION, "schema": R.SCHEMA, "command": "diff", "exit_code": code,
        "old": side(old), "new": side(new),
        "properties": [{"name": c.name, "kind": c.kind, "params": dict(c.params), "change": c.change,
                        "old": R.property_json(c.old) if c.old else None,
                        "new": R.property_json(c.new) if c.new else None} for c in changes],
        "thresholds": [{"name": t.name, "change": t.change, "old": one(old and old.model, t.old),
                        "new": one(new and new.model, t.new),
                        "comparison": comparison_json(t.comparison) if t.comparison is not None else None}
                       for t in thresholds],
        "summary": {k: n for k in CHANGES if (n := sum(c.change == k for c in changes))},
        "errors": errors or [],
    }


def witness_json(w: Witness) -> dict:
    return {"passes": w.passes, "fails": w.fails, "params": dict(w.params), "configuration": w.config,
            "text": w.text()}


def comparison_json(c: RuleComparison) -> dict:
    """docs/json-schema.md, "diff": ThresholdChange's `comparison`."""
    return {"relation": c.relation, "scope": c.scope, "checked": c.checked or None,
            "admits_more": c.admits_more, "rejects_more": c.rejects_more,
            "witnesses": [witness_json(w) for w in c.witnesses], "reason": c.reason or None,
            "notes": list(c.notes)}
