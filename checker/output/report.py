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
from forkproof.run.results import CheckReport, PropertyResult
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


def render_text(report: CheckReport, color: bool = False) -> str:
    m = report.model
    out = [f"forkproof {VERSION}: {m.path}: model {m.name}"]
    n_inst = len(report.instances)
    states = sum(r.result.states for r in report.instances)
    scope = ", ".join(r.scope for r in report.instances[:1]) if n_inst == 1 else f"{n_inst} instances"
    out.append(f"checked {scope or 'the model'} with the {report.engine} engine: {states:,} states in {report.seconds:.2f}s")
    out.append("")
    headers = ["property", "verdict", "scope", "engine", "time"]
    rows = [[p.verdict.name, verdict_text(p.verdict), scope_detail(p), p.verdict.engine, f"{p.verdict.seconds:.2f}s"]
            for p in report.properties]
    lines = table(headers, rows)
    if color:  # paint after padding, so colour codes do not upset the alignment
        lines = [lines[0]] + [line.replace(verdict_text(p.verdict), _paint(verdict_text(p.verdict), p.verdict.status), 1)
                              for line, p in zip(lines[1:], report.properties)]
    out.extend(lines)
    seen_notes = []
    for p in report.properties:
        for n in p.verdict.notes:
            if n not in seen_notes and n not in report.notes:
                seen_notes.append(n)
    out.extend(f"  note: {n}" for n in seen_notes)
    for p in report.properties:
        v = p.verdict
        if v.status is not Status.VIOLATED:
            continue
        out.append("")
        where = f"{p.scope or 'the model'}{other_instances(p)}"
        if v.kind == "deadlock":
            out.append(f"deadlock reached (no action enabled), {where}")
        elif v.kind == "runtime":
            out.append(f"runtime error, {where}")
        else:
            out.append(f"{v.kind} violated: {v.name}, {where}")
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
    if report.notes:
        out.append("")
        out.extend(f"note: {n}" for n in report.notes)
    return "\n".join(out)


def summary_line(reports: list[CheckReport], code: int) -> str:
    counts: dict[str, int] = {}
    for r in reports:
        for p in r.properties:
            key = p.verdict.status.value
            counts[key] = counts.get(key, 0) + 1
    order = [s.value for s in Status]
    parts = [f"{counts[k]} {k}" for k in order if k in counts]
    return f"result: {', '.join(parts) or 'nothing to check'}; exit code {code}"


def _paint(text: str, status: Status) -> str:
    colors = {Status.VIOLATED: "31", Status.UNKNOWN: "33", Status.PROVED: "32", Status.HOLDS: "32", Status.BOUNDED: "36"}
    return f"\x1b[{colors[status]}m{text}\x1b[0m"


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


def property_json(p: PropertyResult, timings: bool = False) -> dict:
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
    }
    return out if timings else _untimed(out)


def _untimed(d: dict) -> dict:
    return {k: v for k, v in d.items() if k != "seconds"}


def report_json(report: CheckReport, timings: bool = False) -> dict:
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
        "properties": [property_json(p, timings) for p in report.properties],
        "notes": list(report.notes),
    }
    if not timings:
        out = _untimed(out)
        out["instances"] = [_untimed(i) for i in out["instances"]]
    return out


def render_json(reports: list[CheckReport], code: int, errors: list[dict] | None = None,
                timings: bool = False) -> str:
    doc = {"forkproof": VERSION, "schema": SCHEMA, "exit_code": code,
           "models": [report_json(r, timings) for r in reports]}
    if errors:
        doc["errors"] = errors
    return json.dumps(doc, indent=2, sort_keys=False)
