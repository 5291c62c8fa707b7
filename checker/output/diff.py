"""`forkproof diff` as text for people and JSON for machines (docs/diff.md).  Nothing here
decides: the changes come from forkproof.run.diff."""
from __future__ import annotations

from forkproof.about import VERSION
from forkproof.analysis.relation import RELATIONS, RuleComparison, Witness
from forkproof.output import report as R
from forkproof.output.thresholds import threshold_text
from forkproof.output.thresholds import to_json as threshold_json
from forkproof.run.results import CHANGES, Change, Coverage, PropertyResult, ThresholdChange, Version
from forkproof.semantics.verdict import Status
from forkproof.spec import ir as I


def _verdict(p: PropertyResult | None) -> str:
    return "-" if p is None else R.verdict_label(p)


def _scope(c: Change) -> str:
    """The scope both verdicts cover, or "OLD's -> NEW's" when they differ (proved for all N -> violated at N = 7)."""
    a, b = (p.scope or "(no params)" if p is not None else None for p in (c.old, c.new))
    if a is not None and b is not None and a != b:
        return f"{a} -> {b}"
    return b or a or "(no params)"


ORIGIN = {"--param": "bound by --param", "model": "the model's value", "sweep": "the model's sweep"}


def coverage_text(c: Coverage) -> str:
    """NOTE(diff-coverage) in checker/run/diff.py: "all N with N >= 1 (every-size proof: 2 of 3 proved),
    cross-checked at N = 1..6", or "N = 4 only (bound by --param)"."""
    parts = []
    if c.every_size is not None:
        text = f"{c.every_size} (every-size proof: {c.proved} of {c.properties} proved)"
        if c.cross_checked is not None:
            text += f", cross-checked at {c.cross_checked}"
        if c.beyond is not None:
            text += f" ({c.beyond} beyond --up-to {c.up_to}: where the counters found a violation)"
        parts.append(text)
    for origin in ORIGIN:
        here = [f for f in c.fixed if f.origin == origin]
        if here:
            what = ORIGIN[origin] + ("s" if origin == "model" and len(here) > 1 else "")
            parts.append(", ".join(f"{f.name} = {f.values}" for f in here) + f" ({what})")
    if not parts:
        return "every instance (no int params)"
    if c.every_size is None:
        return parts[0].replace(" (", " only (", 1) if len(parts) == 1 else "only " + "; ".join(parts)
    return "; ".join(parts)


def coverage_lines(old: Version, new: Version) -> list[str]:
    """Which sizes each version's verdicts cover, and a plain warning when some int param was
    checked at given values only (the comparison says nothing about other sizes)."""
    if old.coverage is None or new.coverage is None:
        return []
    out = ["sizes checked:", f"  old: {coverage_text(old.coverage)}", f"  new: {coverage_text(new.coverage)}"]
    fixed = list(dict.fromkeys((f.name, f.values) for c in (old.coverage, new.coverage) for f in c.fixed))
    if fixed:
        where = ", ".join(f"{name} = {values}" for name, values in fixed)
        bound = [f.name for c in (old.coverage, new.coverage) for f in c.fixed if f.declared_open]
        if bound:
            hint = f"without --param {bound[0]}, every {bound[0]} is checked"
        else:
            hint = f"a range such as --param {fixed[0][0]}=1..10 checks more sizes"
        names = ", ".join(dict.fromkeys(name for name, _ in fixed))
        out.append(f"  so this comparison covers {where} only: an edit that shows only at other values of {names} "
                   f"is not seen ({hint})")
    return out


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
    out.extend(coverage_lines(old, new))
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
                "coverage": coverage_json(v.coverage) if v.coverage is not None else None,
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


def coverage_json(c: Coverage) -> dict:
    """docs/json-schema.md, "diff": Side's `coverage` (NOTE(diff-coverage))."""
    return {"text": coverage_text(c), "every_size": c.every_size, "open": list(c.open),
            "cross_checked": c.cross_checked, "beyond_up_to": c.beyond, "up_to": c.up_to,
            "proved": c.proved, "properties": c.properties,
            "fixed": [{"param": f.name, "values": f.values, "origin": f.origin} for f in c.fixed]}
