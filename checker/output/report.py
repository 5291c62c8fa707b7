"""Reporters: a CheckReport as text for people or JSON for machines.  Nothing here decides.

Text: a header, one row per property (verdict, scope, engine, time), then every
counterexample as a table of steps (the action with its arguments, the variables that
changed), then a summary line.  JSON: the schema documented in docs/json-schema.md
(`"schema": 2`); fields are only ever added, never renamed.  NOTE(determinism) in
checker/output/formats.py: wall-clock `seconds` appear in JSON only with `timings=True` (`--timings`).
"""
from __future__ import annotations

import json

from forkproof.semantics.instance import display_value
from forkproof.about import VERSION
from forkproof.run.plan import join_scopes
from forkproof.run.results import CheckReport, PropertyResult, outcome
from forkproof.semantics.verdict import Status, Trace, Verdict

SCHEMA = 2  # 2: `seconds` only with --timings, so that the same input gives the same bytes

JSON_STATUS = {
    Status.PROVED: "proved",
    Status.HOLDS: "holds_exhaustive",
    Status.BOUNDED: "holds_bounded",
    Status.VIOLATED: "violated",
    Status.UNKNOWN: "unknown",
}


def show(v: object) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def verdict_text(v: Verdict) -> str:
    if v.status is Status.BOUNDED and v.depth is not None:
        return f"holds up to depth {v.depth}"
    return v.status.value


def verdict_label(p: PropertyResult, require: str = "exhaustive") -> str:
    """The verdict as the report's table shows it, with what became of an expectation
    (NOTE(expect-outcome) in checker/run/results.py): "violated (expected)", "proved, fixed:
    expected violated", "unknown, expected violated"."""
    text = verdict_text(p.verdict)
    o = outcome(p, require)
    if o == "expected":
        return f"{text} (expected)"
    if o == "fixed":
        return f"{text}, fixed: expected violated"
    if o == "inconclusive":
        return f"{text}, expected violated"
    return text


def expectation_text(p: PropertyResult) -> str:
    """"expected violated at line 94 when RULE == Code: <reason>"."""
    e = p.expect
    if e is None:
        return ""
    where = f" at line {e.span.line}" if e.span is not None else ""
    when = f" when {e.condition}" if e.condition else ""
    return f"expected {e.verdict}{where}{when}" + (f": {e.reason}" if e.reason else "")


def violation_heading(p: PropertyResult) -> str:
    """"invariant violated: NAME, SCOPE (...)", or "invariant violated, as expected: ..."."""
    v = p.verdict
    where = f"{p.scope or 'the model'}{other_instances(p)}"
    if v.kind == "deadlock":
        return f"deadlock reached (no action enabled), {where}"
    if v.kind == "runtime":
        return f"runtime error, {where}"
    as_expected = ", as expected" if p.expect is not None else ""
    return f"{v.kind} violated{as_expected}: {v.name}, {where}"


def fixed_lines(p: PropertyResult) -> list[str]:
    """A result the model expects violated that holds: the paragraph that says to update the model."""
    v = p.verdict
    return [f"fixed: {v.kind} {v.name}, {p.scope or 'the model'}: {verdict_text(v)}, but the model expects it "
            f"violated",
            f"  {expectation_text(p)}",
            "  the violation is gone: remove the `expect violated` (or narrow its `when`) so that the gate checks "
            "it again"]


def violation_lines(p: PropertyResult) -> list[str]:
    """A violation's paragraph: heading, the expectation (if any), the reason, the trace table."""
    v = p.verdict
    out = [violation_heading(p)]
    if p.expect is not None:
        out.append(f"  {expectation_text(p)}")
    if v.reason:
        out.append(f"  {v.reason}")
    if v.trace is not None and v.trace.loop_start is not None:
        n = len(v.trace.steps) - 1
        out.append(f"  lasso: {n} step{'s' if n != 1 else ''}, then a cycle from step {v.trace.loop_start} "
                   f"that repeats forever:")
        out.extend(trace_lines(v.trace))
    elif v.trace is not None:
        n = len(v.trace.steps) - 1
        out.append(f"  shortest trace, {n} step{'s' if n != 1 else ''}:")
        out.extend(trace_lines(v.trace))
    return out


def table(headers: list[str], rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    fmt = lambda cells: indent + "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return [fmt(headers)] + [fmt(r) for r in rows]


def scope_detail(p: PropertyResult) -> str:
    v = p.verdict
    prefix = f"{p.scope}: " if p.scope else ""
    if v.status is Status.HOLDS and v.states is not None:
        return f"{prefix}{v.states:,} states, depth {v.depth}"
    if v.status is Status.UNKNOWN and v.reason:
        return f"{prefix}{v.reason}"
    return p.scope or "(no params)"


def other_instances(p: PropertyResult) -> str:
    if len(p.per_instance) <= 1:
        return ""
    bad = [s for s, st in p.per_instance if st is Status.VIOLATED]
    good = [s for s, st in p.per_instance if st in (Status.HOLDS, Status.PROVED, Status.BOUNDED)]
    unknown = [s for s, st in p.per_instance if st is Status.UNKNOWN]
    parts = [f"{word} for {join_scopes(group)}" for word, group in
             (("violated", bad), ("holds", good), ("unknown", unknown)) if group]
    return " (" + "; ".join(parts) + ")"


def trace_lines(trace: Trace) -> list[str]:
    rows = []
    for i, step in enumerate(trace.steps):
        if step.action is None:
            action = "(initial state)"
        else:
            args = ", ".join(f"{k} = {show(v)}" for k, v in step.args)
            action = f"{step.action}({args})" if step.args else step.action
        changes = [f"{loc} = {show(step.state[loc])}" for loc in step.changed]
        mark = ""
        if trace.loop_start is not None and i == trace.loop_start:
            mark = " <- cycle starts"
        rows.append([str(i), action, (", ".join(changes) if changes else "(nothing changes)") + mark])
        rows.extend(["", "", f"  {line}"] for line in step.thresholds)
    if trace.loop_start is not None:  # a lasso: how the cycle closes
        last = len(trace.steps)
        if trace.closing is not None:
            c = trace.closing
            args = ", ".join(f"{k} = {show(v)}" for k, v in c.args)
            rows.append([str(last), f"{c.action}({args})" if c.args else c.action,
                         f"back to step {trace.loop_start}: the cycle repeats forever"])
        else:
            rows.append(["", "(no action enabled)", f"step {last - 1} stutters forever"])
    return table(["step", "action", "changed"], rows, indent="    ")


def selection_line(report: CheckReport) -> str | None:
    """"checked 2 of 7 (--property, --skip); not checked: a, b, deadlock", or None for everything."""
    sel = report.selection
    if sel is None or not sel.skipped:
        return None
    total = len(sel.checked) + len(sel.skipped)
    return f"checked {len(sel.checked)} of {total} (--property, --skip); not checked: {', '.join(sel.skipped)}"


def render_text(report: CheckReport, color: bool = False, require: str = "exhaustive") -> str:
    m = report.model
    out = [f"forkproof {VERSION}: {m.path}: model {m.name}"]
    n_inst = len(report.instances)
    states = sum(r.result.states for r in report.instances)
    scope = ", ".join(r.scope for r in report.instances[:1]) if n_inst == 1 else f"{n_inst} instances"
    out.append(f"checked {scope or 'the model'} with the {report.engine} engine: {states:,} states in {report.seconds:.2f}s")
    if report.budget is not None:  # NOTE(budgets) in checker/run/portfolio.py: one header line
        out.append(f"time {report.budget.text()}")
    selected = selection_line(report)
    if selected:
        out.append(selected)
    out.append("")
    headers = ["property", "verdict", "scope", "engine", "time"]
    labels = [verdict_label(p, require) for p in report.properties]
    rows = [[p.verdict.name, label, scope_detail(p), p.verdict.engine, f"{p.verdict.seconds:.2f}s"]
            for p, label in zip(report.properties, labels)]
    lines = table(headers, rows)
    if color:  # paint after padding, so colour codes do not upset the alignment
        lines = [lines[0]] + [line.replace(label, _paint(label, p.verdict.status, outcome(p, require)), 1)
                              for line, p, label in zip(lines[1:], report.properties, labels)]
    out.extend(lines)
    seen_notes = []
    for p in report.properties:
        for n in p.verdict.notes:
            if n not in seen_notes and n not in report.notes:
                seen_notes.append(n)
    out.extend(f"  note: {n}" for n in seen_notes)
    for p in report.properties:
        v = p.verdict
        if outcome(p, require) == "fixed":
            out.append("")
            out.extend(fixed_lines(p))
            continue
        if v.status is not Status.VIOLATED:
            continue
        out.append("")
        out.extend(violation_lines(p))
    if report.notes:
        out.append("")
        out.extend(f"note: {n}" for n in report.notes)
    return "\n".join(out)


# what became of expectations, counted apart from the verdicts (NOTE(expect-outcome)):
# an expected violation is neither a pass nor a failure, and is never counted as holding
OUTCOME_WORDS = {"expected": ("expected violation", "expected violations"),
                 "fixed": ("fixed (holds though expected violated)", "fixed (hold though expected violated)"),
                 "inconclusive": ("expected violation not confirmed", "expected violations not confirmed")}


def summary_counts(reports: list[CheckReport], require: str = "exhaustive") -> list[str]:
    """"12 proved", "2 expected violations": verdicts, then expectations' outcomes apart."""
    counts: dict[str, int] = {}
    for r in reports:
        for p in r.properties:
            o = outcome(p, require)
            key = p.verdict.status.value if o is None else o
            counts[key] = counts.get(key, 0) + 1
    parts = [f"{counts[k]} {k}" for k in (s.value for s in Status) if k in counts]
    for o, (one, many) in OUTCOME_WORDS.items():
        if o in counts:
            parts.append(f"{counts[o]} {one if counts[o] == 1 else many}")
    return parts


def summary_line(reports: list[CheckReport], code: int, require: str = "exhaustive") -> str:
    parts = summary_counts(reports, require)
    return f"result: {', '.join(parts) or 'nothing to check'}; exit code {code}"


def _paint(text: str, status: Status, expected: str | None = None) -> str:
    colors = {Status.VIOLATED: "31", Status.UNKNOWN: "33", Status.PROVED: "32", Status.HOLDS: "32", Status.BOUNDED: "36"}
    color = {"expected": "35", "fixed": "31", "inconclusive": "33"}.get(expected or "", colors[status])
    return f"\x1b[{color}m{text}\x1b[0m"


# ---------------------------------------------------------------- JSON


def trace_json(trace: Trace | None) -> dict | None:
    if trace is None:
        return None
    closing = None
    if trace.closing is not None:
        closing = {"action": trace.closing.action, "args": {k: v for k, v in trace.closing.args}}
    return {
        "loop_start": trace.loop_start,
        "closing": closing,
        "steps": [
            {"index": i, "action": s.action, "args": {k: v for k, v in s.args}, "changed": list(s.changed), "state": s.state,
             "thresholds": list(s.thresholds)}
            for i, s in enumerate(trace.steps)
        ],
    }


def expect_json(p: PropertyResult, require: str = "exhaustive") -> dict | None:
    """docs/json-schema.md, `expected`: the expectation that applies to this result and its outcome."""
    e = p.expect
    if e is None:
        return None
    return {"verdict": e.verdict, "reason": e.reason, "when": e.condition, "line": e.span.line if e.span else None,
            "outcome": outcome(p, require)}


def property_json(p: PropertyResult, timings: bool = False, require: str = "exhaustive") -> dict:
    v = p.verdict
    out = {
        "name": v.name,
        "kind": v.kind,
        "verdict": JSON_STATUS[v.status],
        "verdict_text": verdict_text(v),
        "scope": p.scope,
        "engine": v.engine,
        "states": v.states,
        "depth": v.depth,
        "seconds": round(v.seconds, 6),
        "reason": v.reason,
        "instances": [{"scope": s, "verdict": JSON_STATUS[st]} for s, st in p.per_instance],
        "trace": trace_json(v.trace),
        "expected": expect_json(p, require),
    }
    return out if timings else _untimed(out)


def _untimed(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "seconds"}


def selection_json(report: CheckReport) -> dict:
    """docs/json-schema.md, `selection`: the invariants and properties checked and those left out."""
    if report.selection is not None:
        return {"checked": list(report.selection.checked), "skipped": list(report.selection.skipped)}
    names = [d.name for d in (*report.model.invariants, *report.model.properties)]
    return {"checked": names + (["deadlock"] if any(p.verdict.kind == "deadlock" for p in report.properties) else []),
            "skipped": []}


def report_json(report: CheckReport, timings: bool = False, require: str = "exhaustive") -> dict:
    out = {
        "file": report.model.path,
        "model": report.model.name,
        "engine": report.engine,
        "seconds": round(report.seconds, 6),
        "instances": [
            {
                "scope": r.scope,
                "params": {p.name: display_value(r.params[p.name], p.ty) for p in report.model.params},
                "states": r.result.states,
                "depth": r.result.depth,
                "transitions": r.result.transitions,
                "complete": r.result.complete,
                "seconds": round(r.result.seconds, 6),
            }
            for r in report.instances
        ],
        "properties": [property_json(p, timings, require) for p in report.properties],
        "selection": selection_json(report),
        "notes": list(report.notes),
    }
    if report.budget is not None:  # NOTE(budgets) in checker/run/portfolio.py (docs/json-schema.md)
        out["budget"] = report.budget.to_json()
        for d, p in zip(out["properties"], report.properties):
            d["budget"] = report.budget.for_result(p.verdict.engine)
    if not timings:
        out = _untimed(out)
        out["instances"] = [_untimed(i) for i in out["instances"]]
    return out


def render_json(reports: list[CheckReport], code: int, errors: list[dict] | None = None,
                timings: bool = False, require: str = "exhaustive") -> str:
    doc = {"forkproof": VERSION, "schema": SCHEMA, "exit_code": code,
           "models": [report_json(r, timings, require) for r in reports]}
    if errors:
        doc["errors"] = errors
    return json.dumps(doc, indent=2, sort_keys=False)
