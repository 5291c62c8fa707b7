"""Reporters: a CheckReport as text for people or JSON for machines.  Nothing here decides.

Text: a header, one row per property (verdict, scope, engine, time), then every
counterexample as a table of steps (the action with its arguments, the variables that
changed), then a summary line.  JSON: the schema documented in docs/json-schema.md
(`"schema": 2`); fields are only ever added, never renamed.  NOTE(determinism) in
checker/output/formats.py: wall-clock `seconds` appear in JSON only with `timings=True` (`--timings`).
"""
from __future__ import annotations

import json
import re
import textwrap

from forkproof.semantics.instance import display_value
from forkproof.about import VERSION
from forkproof.run.plan import join_scopes
from forkproof.run.results import CheckReport, PropertyResult, note_kind, outcome
from forkproof.semantics.verdict import Status, Trace, Verdict

SCHEMA = 2  # 2: `seconds` only with --timings, so that the same input gives the same bytes

JSON_STATUS = {
    Status.PROVED: "proved",
    Status.HOLDS: "holds_exhaustive",
    Status.BOUNDED: "holds_bounded",
    Status.SAMPLED: "no_violation_sampled",
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
    if v.status is Status.SAMPLED and v.runs is not None:  # NOTE(simulate): never "holds"
        return f"no violation in {v.runs:,} runs of up to {v.depth} steps"
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
    """"invariant violated: NAME, SCOPE", or "invariant violated, as expected: ..."."""
    v = p.verdict
    where = p.scope or "the model"
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


def violation_lines(p: PropertyResult, start: dict | None = None) -> list[str]:
    """A violation's paragraph: heading, the expectation (if any), the reason, the trace,
    introduced by the other sizes' verdicts ("violated for N = 2..6; holds for N = 1").
    `start`: the first state of the trace printed just before, if any (said "as above")."""
    v = p.verdict
    out = wrap(violation_heading(p), "")
    if p.expect is not None:
        out.extend(wrap(expectation_text(p), "  "))
    if v.reason:
        out.extend(wrap(v.reason, "  "))
    others = other_instances(p)[2:-1]
    lead = f"{others}; " if others else ""
    if v.trace is not None and v.trace.loop_start is not None:
        n = len(v.trace.steps) - 1
        out.extend(wrap(f"{lead}lasso: {n} step{'s' if n != 1 else ''}, the cycle from step {v.trace.loop_start} "
                        f"repeats forever:", "  "))
        out.extend(trace_lines(v.trace, start))
    elif v.trace is not None:
        n = len(v.trace.steps) - 1
        out.extend(wrap(f"{lead}{trace_title(v.trace)}:", "  "))
        out.extend(trace_lines(v.trace, start))
    elif others:
        out.extend(wrap(others, "  "))
    return out


WIDTH = 100  # the text report wraps reasons, notes and traces' changes at this many columns


def wrap(text: str, indent: str, more: str | None = None, width: int = WIDTH) -> list[str]:
    """`text` as lines of at most `width` columns where its words allow: the first starts
    with `indent`, the others with `more` (`indent` and two spaces by default)."""
    more = indent + "  " if more is None else more
    for op in KEEP_TOGETHER:  # "x = 1", "a == b" stay on one line
        text = text.replace(f" {op} ", f"\u00a0{op}\u00a0")
    text = re.sub(r"`[^`]*`", lambda m: m.group(0).replace(" ", "\u00a0"), text)  # and `fair action x`
    lines = textwrap.wrap(text, width=width, initial_indent=indent, subsequent_indent=more,
                          break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]
    return [line.replace("\u00a0", " ") for line in lines]


KEEP_TOGETHER = ("=", "==", "!=", ">=", "<=")


def table(headers: list[str], rows: list[list[str]], indent: str = "  ") -> list[str]:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    fmt = lambda cells: indent + "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()
    return [fmt(headers)] + [fmt(r) for r in rows]


def scope_detail(p: PropertyResult) -> str:
    v = p.verdict
    prefix = f"{p.scope}: " if p.scope else ""
    if v.status is Status.HOLDS and v.states is not None:
        return f"{prefix}{v.states:,} states, depth {v.depth}"
    if v.status in (Status.UNKNOWN, Status.SAMPLED) and v.reason:
        return f"{prefix}{v.reason}"
    return p.scope or "(no params)"


def other_instances(p: PropertyResult) -> str:
    if len(p.per_instance) <= 1:
        return ""
    bad = [s for s, st in p.per_instance if st is Status.VIOLATED]
    good = [s for s, st in p.per_instance if st in (Status.HOLDS, Status.PROVED, Status.BOUNDED)]
    sampled = [s for s, st in p.per_instance if st is Status.SAMPLED]
    unknown = [s for s, st in p.per_instance if st is Status.UNKNOWN]
    parts = [f"{word} for {join_ints(group)}" for word, group in
             (("violated", bad), ("holds", good), ("no violation found", sampled), ("unknown", unknown)) if group]
    return " (" + "; ".join(parts) + ")"


def trace_title(trace: Trace) -> str:
    """"shortest trace, 3 steps", or for a random run's (NOTE(shorten)) what it is."""
    n = len(trace.steps) - 1
    steps = f"{n} step{'s' if n != 1 else ''}"
    if trace.shortened_from is not None:
        how = f"shortened from a random run of {trace.shortened_from}" if trace.shortened_from > n else "a random run"
        return f"trace, {steps}, {how} (not necessarily the shortest)"
    return f"shortest trace, {steps}"


def trace_lines(trace: Trace, start: dict | None = None) -> list[str]:
    """A trace, one step a line: its number, the action with its arguments, what changed
    (wrapped, continuation lines under the changes), the thresholds it moved below it.
    A first state equal to `start` (the first state of the trace printed just before) is
    said to be the same rather than spelled out again."""
    n = len(trace.steps) + (1 if trace.loop_start is not None else 0)
    pad = len(str(n - 1))
    out = []
    for i, step in enumerate(trace.steps):
        if step.action is None:
            action = "start"
        else:
            args = ", ".join(f"{k} = {show(v)}" for k, v in step.args)
            action = f"{step.action}({args})" if step.args else step.action
        changes = ", ".join(_changes(step)) or "nothing changes"
        mark = " <- cycle starts" if trace.loop_start is not None and i == trace.loop_start else ""
        if i == 0 and start is not None and step.state == start:
            changes = "the same as in the trace above"
        head = f"    {str(i).rjust(pad)}  "
        out.extend(wrap(f"{action}: {changes}{mark}", head, " " * (len(head) + 2)))
        out.extend(wrap(line, " " * (len(head) + 2)) for line in step.thresholds)
    if trace.loop_start is not None:  # a lasso: how the cycle closes
        last = len(trace.steps)
        head = f"    {str(last).rjust(pad)}  "
        if trace.closing is not None:
            c = trace.closing
            args = ", ".join(f"{k} = {show(v)}" for k, v in c.args)
            action = f"{c.action}({args})" if c.args else c.action
            out.extend(wrap(f"{action}: back to step {trace.loop_start}, the cycle repeats forever", head))
        else:
            out.append(f"{' ' * len(head)}(no action enabled): step {last - 1} stutters forever")
    return [line for chunk in out for line in (chunk if isinstance(chunk, list) else [chunk])]


def _changes(step) -> list[str]:
    """"loc = value" for each location the step changed; a process variable that changed
    to the same value in every copy of its family is one "Family[*].var = value"."""
    copies: dict[tuple[str, str], list[str]] = {}
    for loc in step.state:
        fam, sep, rest = loc.partition("[")
        idx, sep2, var = rest.partition("]")
        if sep and sep2 and idx.isdigit():
            copies.setdefault((fam, var), []).append(loc)
    out, done = [], set()
    for loc in step.changed:
        if loc in done:
            continue
        fam, _, rest = loc.partition("[")
        key = (fam, rest.partition("]")[2])
        same = copies.get(key, [])
        if len(same) > 1 and all(x in step.changed and step.state[x] == step.state[loc] for x in same):
            out.append(f"{fam}[*]{key[1]} = {show(step.state[loc])}")
            done.update(same)
            continue
        out.append(f"{loc} = {show(step.state[loc])}")
    return out


def selection_line(report: CheckReport) -> str | None:
    """"checked 2 of 7 (--property, --skip); not checked: a, b, deadlock", or None for everything."""
    sel = report.selection
    if sel is None or not sel.skipped:
        return None
    total = len(sel.checked) + len(sel.skipped)
    return f"checked {len(sel.checked)} of {total} ({sel.by}); not checked: {', '.join(sel.skipped)}"


# ---------------------------------------------------------------- the short text report


def _where(p: PropertyResult) -> str:
    """A result's scope without its group ("all N with N >= 1", "N = 2"; "" for no params)."""
    scope = p.scope or ""
    if p.group:
        if scope == p.group:
            return ""
        if scope.endswith(", " + p.group):
            return scope[: -len(p.group) - 2]
    return scope


def _engine_short(v: Verdict) -> str:
    """"kind (k=0, counters)" -> "kind k=0", "pdr (counters, l2s)" -> "pdr, l2s": the
    header says which results are on the counter abstraction."""
    e = v.engine
    if "(" not in e:
        return e
    name, rest = e.split(" (", 1)
    parts = [x for x in rest.rstrip(")").split(", ") if x != "counters"]
    return f"{name} {', '.join(parts)}" if parts else name


def _cell(p: PropertyResult, label: str, common: str, engine: bool) -> str:
    where = _where(p)
    text = label
    if where and where != common:
        text += f" at {where}" if p.verdict.status is Status.VIOLATED else f" for {where}"
    if engine and p.verdict.status is not Status.VIOLATED:
        text += f" ({_engine_short(p.verdict)})"
    return text


def engines_line(report: CheckReport) -> str:
    """NOTE(honest-counts): what each engine did, in its own measure: the explicit engine's
    states, and the states of the liveness graphs it built besides (a second search, reduced by
    symmetry only where that is sound: NOTE(symmetric-liveness) in checker/engines/liveness.py),
    the symbolic engines' depth or k, proofs for every size on the counter abstraction."""
    explicit_states, explicit_runs, live_states, depth = 0, [], 0, 0
    bmc, kind, pdr, runs = None, None, False, 0
    for r in report.instances:
        vs = r.result.verdicts
        if any(v.engine.startswith("explicit") for v in vs):
            explicit_states += r.result.states
            explicit_runs.append(r)
            depth = max(depth, r.result.depth)
            live = [v.states or 0 for v in vs if v.kind == "property" and v.engine.startswith("explicit")]
            live_states += max(live, default=0)
        for v in vs:
            if v.engine.startswith("bmc") and v.depth is not None:
                bmc = max(bmc or 0, v.depth)
            if v.engine.startswith("kind"):
                kind = max(kind or 0, *(int(x[2:]) for x in v.engine.replace("(", " ").replace(")", " ")
                                        .replace(",", " ").split() if x.startswith("k=") and x[2:].isdigit()), 0)
            if v.engine.startswith("pdr"):
                pdr = True
        runs += max((v.runs or 0 for v in vs if v.engine == "simulate"), default=0)
    parts = []
    if explicit_runs:
        n = len(explicit_runs)
        text = f"explicit {explicit_states:,} states" + (f" in {n} instances" if n > 1 else f", depth {depth}")
        if live_states:
            text += f" (+{live_states:,} for liveness)"
        parts.append(text)
    if bmc is not None:
        parts.append(f"bmc to depth {bmc}")
    if kind is not None:
        parts.append(f"kind up to k = {kind}")
    if pdr:
        parts.append("pdr (unbounded)")
    if runs:
        parts.append(f"simulate {runs:,} runs")
    if any("counters" in p.verdict.engine for p in report.properties):
        parts.append("counters: all sizes")
    return "engines: " + ("; ".join(parts) or "none ran") + f"; {report.seconds:.2f}s"


def _shown_notes(p: PropertyResult, verbose: bool) -> list[str]:
    """NOTE(note-kinds) in checker/run/results.py: the notes printed under a property."""
    out = []
    for n in p.verdict.notes:
        kind = note_kind(n)
        if kind in ("cross-check", "sizes") or (kind in ("invariant", "proof") and not verbose):
            continue
        if kind == "invariant" and " (Z3 syntax): " in n:  # never solver text: JSON has it
            n = n.split(" (Z3 syntax): ", 1)[0] + ": not expressible in the model's syntax (see --format json)"
        elif kind == "invariant":
            n = _shortened(n)
        out.append(n)
    return out


# An inductive invariant in the text report: at most about five lines of 100 columns; the
# whole one is in the JSON report and the certificate (--certificate).
INVARIANT_CHARS = 480


def _shortened(note: str) -> str:
    """`note` cut after the last whole conjunct that fits in INVARIANT_CHARS, saying how many
    are left out and where the whole invariant is."""
    if len(note) <= INVARIANT_CHARS:
        return note
    head, sep, body = note.partition(": ")
    parts = body.split(" and ")
    kept: list[str] = []
    size = len(head) + len(sep)
    for part in parts:
        if kept and size + len(part) + 5 > INVARIANT_CHARS:
            break
        kept.append(part)
        size += len(part) + 5
    left = len(parts) - len(kept)
    shown = " and ".join(kept)
    if not left:  # one conjunct too long on its own
        shown, left_text = shown[:INVARIANT_CHARS - len(head) - 2].rstrip() + " ...", "cut"
    else:
        left_text = f"and {left} more conjunct{'s' if left > 1 else ''}"
    return f"{head}{sep}{shown} ... ({left_text}; the whole invariant: --format json or --certificate)"


def render_text(report: CheckReport, color: bool = False, require: str = "exhaustive", verbose: bool = False) -> str:
    """The short report: a header (the scope, named once; what each engine did), one line
    per property with its verdict for each group of finite params, the notes and unknown
    reasons under it, then each violation with its trace.  Nothing about a violation, an
    unknown or an expectation is left out; invariants, proof methods and times only with
    `verbose`."""
    m = report.model
    props = report.properties
    out = [f"forkproof {VERSION}: {m.path}: {m.header}"]
    if m.library and not props:  # NOTE(imports) in spec/load.py: nothing was explored, so no table
        return "\n".join(out + [line for n in report.notes for line in wrap(f"note: {n}", "")])
    groups = list(dict.fromkeys(p.group for p in props)) or [""]
    wheres = [_where(p) for p in props if p.verdict.status is not Status.VIOLATED] or [_where(p) for p in props]
    common = max(dict.fromkeys(wheres), key=wheres.count) if wheres else ""
    scope = common or "the model"
    if groups != [""]:
        names = list(dict.fromkeys(part.split(" = ", 1)[0] for g in groups for part in g.split(", ")))
        if len(names) == 1:
            scope += f", each {names[0]}: " + ", ".join(g.split(" = ", 1)[1] for g in groups)
        else:
            scope += f", each combination of {' and '.join(names)} ({len(groups)})"
    out.extend(wrap(f"scope: {scope}", ""))
    out.extend(wrap(engines_line(report), ""))
    if report.budget is not None:  # NOTE(budgets) in checker/run/portfolio.py: one header line
        out.append(f"time {report.budget.text()}")
    crosses = [(p, _strip(*p.cross_check, p.group)) for p in props if p.cross_check is not None]
    cross_words = {c[1][1] for c in crosses}
    # the same for every proof: said once (not when some proof had no fixed size beside it: --up-to 0)
    once = len(cross_words) == 1 and all(p.cross_check is not None for p in props if p.verdict.status is Status.PROVED)
    if once:
        checked = join_ints(list(dict.fromkeys(c[1][0] for c in crosses)))
        out.extend(wrap(f"proofs for every size cross-checked by the {report.engine.split(' ')[0]} engine on "
                        f"{checked}: {cross_words.pop()}", ""))
    selected = selection_line(report)
    if selected:
        out.extend(wrap(selected, ""))
    out.append("")
    multi = groups != [""]
    by_name: dict[str, dict[str, PropertyResult]] = {}
    for p in props:
        by_name.setdefault(p.verdict.name, {})[p.group] = p
    engines = {_engine_short(p.verdict) for p in props if p.verdict.status is not Status.VIOLATED}
    show_engine = len(engines) > 1 or verbose
    headers = ["property"] + (groups if multi else ["verdict"] + (["engine"] if show_engine else []))
    if verbose:
        headers.append("time")
    rows, painted = [], []
    for name, results in by_name.items():
        cells, paint = [], []
        for g in groups:
            p = results.get(g)
            if p is None:
                cells.append("-")
                continue
            label = verdict_label(p, require)
            cell = _cell(p, label, common, engine=multi and show_engine)
            cells.append(cell)
            paint.append((label, p))
        if not multi and show_engine:
            cells.append(results[""].verdict.engine)
        if verbose:
            cells.append(f"{sum(p.verdict.seconds for p in results.values()):.2f}s")
        rows.append([name] + cells)
        painted.append(paint)
    lines = table(headers, rows)
    per_property = [[line] for line in lines[1:]]
    if multi and max(map(len, lines)) > WIDTH:  # too many groups side by side: a row per group
        long_rows, per_property, n = [], [], 0
        for (name, results), paint in zip(by_name.items(), painted):
            rows_here = [[name if k == 0 else "", g, _cell(p, verdict_label(p, require), common, engine=show_engine)]
                         + ([f"{p.verdict.seconds:.2f}s"] if verbose else [])
                         for k, (g, p) in enumerate(results.items())]
            long_rows.extend(rows_here)
            per_property.append(list(range(n, n + len(rows_here))))
            n += len(rows_here)
        lines = table(["property", "params", "verdict"] + (["time"] if verbose else []), long_rows)
        per_property = [[lines[1 + i] for i in idx] for idx in per_property]
    out.append(lines[0])
    for rows_of, (name, results), paint in zip(per_property, by_name.items(), painted):
        for line in rows_of:
            if color:  # paint after padding, so colour codes do not upset the alignment
                for label, p in paint:
                    line = line.replace(label, _paint(label, p.verdict.status, outcome(p, require)), 1)
            out.append(line)
        for g, p in results.items():
            tag = f"{g}: " if multi else ""
            v = p.verdict
            if v.status is Status.UNKNOWN and v.reason:
                out.extend(wrap(f"{tag}unknown: {v.reason}", "      "))
            if p.cross_check is not None and not once:
                where, word = _strip(*p.cross_check, g)
                out.extend(wrap(f"{tag}cross-checked for {where}: {word}", "      "))
            for n in _shown_notes(p, verbose):
                out.extend(wrap(f"{tag}{n}", "      "))
    start = None  # the first state of the last trace printed
    for p in props:
        if outcome(p, require) == "fixed":
            out.append("")
            out.extend(line for raw in fixed_lines(p) for line in wrap(raw.strip(), "  " if raw.startswith(" ") else ""))
            continue
        if p.verdict.status is not Status.VIOLATED:
            continue
        out.append("")
        out.extend(violation_lines(p, start))
        if p.verdict.trace is not None:
            start = p.verdict.trace.steps[0].state
    if report.notes:
        out.append("")
        out.extend(line for n in report.notes for line in wrap(f"note: {n}", ""))
    return "\n".join(out)


def _strip(scope: str, word: str, group: str) -> tuple[str, str]:
    if group and scope.endswith(", " + group):
        scope = scope[: -len(group) - 2]
    return scope, word


def join_ints(scopes: list[str]) -> str:
    """["N = 2", "N = 3", "N = 4", "N = 6"] -> "N = 2..4, 6"; anything else as join_scopes."""
    if not all(" = " in s for s in scopes):  # "N in {1, 2, 3, 9}": sizes that are not consecutive
        return join_scopes(scopes)
    heads = {s.split(" = ", 1)[0] for s in scopes}
    vals = [s.split(" = ", 1)[1] for s in scopes]
    if len(heads) != 1 or not all(s.count(" = ") == 1 and v.isdigit() for s, v in zip(scopes, vals)):
        return join_scopes(scopes)
    nums, runs = [int(v) for v in vals], []
    for n in nums:
        if runs and n == runs[-1][1] + 1:
            runs[-1][1] = n
        else:
            runs.append([n, n])
    text = ", ".join(str(a) if a == b else f"{a}, {b}" if b == a + 1 else f"{a}..{b}" for a, b in runs)
    return f"{heads.pop()} = {text}"


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
    colors = {Status.VIOLATED: "31", Status.UNKNOWN: "33", Status.PROVED: "32", Status.HOLDS: "32", Status.BOUNDED: "36",
              Status.SAMPLED: "36"}
    color = {"expected": "35", "fixed": "31", "inconclusive": "33"}.get(expected or "", colors[status])
    return f"\x1b[{color}m{text}\x1b[0m"


# ---------------------------------------------------------------- JSON


def trace_json(trace: Trace | None) -> dict | None:
    if trace is None:
        return None
    closing = None
    if trace.closing is not None:
        closing = {"action": trace.closing.action, "args": {k: v for k, v in trace.closing.args}}
    out = {
        "loop_start": trace.loop_start,
        "closing": closing,
        "steps": [
            {"index": i, "action": s.action, "args": {k: v for k, v in s.args}, "changed": list(s.changed), "state": s.state,
             "thresholds": list(s.thresholds)}
            for i, s in enumerate(trace.steps)
        ],
    }
    if trace.shortened_from is not None:  # NOTE(shorten): not necessarily a shortest trace
        out["shortened_from"] = trace.shortened_from
    return out


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
        "group": p.group,
        "notes": list(v.notes),
        "cross_check": ({"scope": p.cross_check[0], "verdict": p.cross_check[1]}
                        if p.cross_check is not None else None),
    }
    if v.runs is not None:  # simulate (NOTE(simulate)): how many random runs found nothing
        out["runs"] = v.runs
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
