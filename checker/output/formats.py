"""CI-native reports: JUnit XML and SARIF 2.1.0 for a whole `check`, ITF JSON per counterexample.

Like checker/output/report.py, nothing here decides: every verdict comes from a CheckReport.
docs/formats.md is the reference for what each format holds; the choices in short:

- JUnit: one <testsuite> per model file, one <testcase> per property result (name and
  scope).  violated -> <failure> with the text report's trace table; unknown, and a verdict
  weaker than --require -> <error> (never <skipped>: every JUnit consumer shows <skipped>
  as not-failed, and both make the exit code 3); otherwise a passing case with the verdict
  in <system-out>.  A model that cannot be read is a suite with one <error> case.
  NOTE(expect-outcome): a violation the model expects -> <skipped type="expected-violation">
  with the trace (as pytest reports an xfail: not failed, not passed); one it expects that
  holds -> <failure type="fixed">; an invariant or property left out by --property/--skip
  -> a case with <skipped type="not-selected">.
- SARIF: one run; one rule per kind of finding (RULES); a result for each violated or
  inconclusive property, at its declaration (deadlock: the `model` line; runtime: the
  action of the failing step), with the trace as a codeFlow whose steps sit at the
  declarations of their actions.  An expected violation keeps its result, at level "note",
  with an inSource suppression whose justification is the reason; a fixed one is a result
  of the rule "fixed-expectation" at the `expect` clause.
- ITF (Apalache ADR-015): one file per counterexample, states as ITF values, `loop` for
  lassos; an expected violation's file says so in `#meta` (`expected`).  NOTE(itf-vars): a global is one variable (a map `m[k]` is one `#map`); a family
  local `F[i].x` is one variable `F.x`, a map from the process id "F[i]" to the value; a
  record variable is one variable whose values are ITF records (NOTE(record-names)).

NOTE(determinism): the same input gives the same bytes.  No clock reading, host name or
absolute path is added; wall-clock times appear only with `timings=True` (`--timings`).
Every list follows declaration, instance or trace order, never set or hash order.
"""
from __future__ import annotations

import json
import re
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import quote

from forkproof.output import report as R
from forkproof.semantics.instance import display_value
from forkproof.about import VERSION
from forkproof.run.results import REQUIRE, STRENGTH, CheckReport, PropertyResult, outcome
from forkproof.semantics.verdict import Status, Step, Trace
from forkproof.spec import ir as I
from forkproof.spec.errors import Span

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

ITF_SPEC = "https://apalache-mc.org/docs/adr/015adr-trace.html"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"

# SARIF rules, one per kind of finding: (id, short description, default level)
RULES = (
    ("invariant", "An invariant is violated in a reachable state", "error"),
    ("step-invariant", "A step invariant is violated by a reachable transition", "error"),
    ("property", "A temporal property is violated (a finite trace or a lasso)", "error"),
    ("deadlock", "A reachable state has no enabled action", "error"),
    ("runtime", "A runtime error: a value out of range, a division by zero, or two assignments to one location",
     "error"),
    ("inconclusive", "No verdict as strong as required: unknown (a limit, a timeout or an unsupported form), "
                     "or weaker than --require", "warning"),
    ("model-error", "The model or the command line is wrong", "error"),
    ("fixed-expectation", "A property the model marks `expect violated` holds: remove the stale expectation",
     "error"),
)
_RULE_INDEX = {r[0]: i for i, r in enumerate(RULES)}


# ---------------------------------------------------------------- shared


def accepted(p: PropertyResult, require: str) -> bool:
    """NOTE(exit-codes): the verdict is neither violated nor below --require."""
    return STRENGTH.get(p.verdict.status, 0) >= REQUIRE[require]


def case_name(p: PropertyResult) -> str:
    return f"{p.verdict.name} [{p.scope}]" if p.scope else p.verdict.name


def step_text(step: Step) -> str:
    """"vote(v = Validator[0], approve = true)", or "(initial state)"."""
    if step.action is None:
        return "(initial state)"
    args = ", ".join(f"{k} = {R.show(v)}" for k, v in step.args)
    return f"{step.action}({args})" if step.args else step.action


def violation_text(p: PropertyResult) -> str:
    """The text report's paragraph for a violation: heading, expectation, reason, trace table."""
    return "\n".join(R.violation_lines(p))


def _declaration(model: I.Model, p: PropertyResult) -> Span | None:
    """Where a result points: the property's declaration, else the failing action, else `model`."""
    v = p.verdict
    if v.kind in ("invariant", "step invariant"):
        return next((d.span for d in model.invariants if d.name == v.name), None)
    if v.kind == "property":
        return next((d.span for d in model.properties if d.name == v.name), None)
    if v.kind == "runtime":
        span = _runtime_span(model, v.reason or "")
        if span is not None:
            return span
    return _model_span(model.path, model.name)  # deadlock, or a runtime error in an initial state


def _runtime_span(model: I.Model, reason: str) -> Span | None:
    """Where a runtime error happened, from its reason: "action a(...): ...", "guard of action
    a: ...", "invariant p after action a: ..." -> the action; "invariant p: ..." -> p."""
    m = re.search(r"(?:^|\s)action ([A-Za-z_]\w*)", reason)
    if m is not None:
        return _action_span(model, m.group(1))
    m = re.match(r"(?:step )?invariant ([A-Za-z_]\w*)", reason)
    if m is not None:
        return next((d.span for d in model.invariants if d.name == m.group(1)), None)
    return None


def _action_span(model: I.Model, name: str) -> Span | None:
    return next((a.span for a in model.actions if a.name == name), None)


def _model_span(path: str, name: str) -> Span | None:
    """Where `model Name` is declared (the IR keeps no span for the model itself)."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    m = re.search(rf"^[ \t]*model[ \t]+{re.escape(name)}\b", text, re.M)
    if m is None:
        return None
    line = text.count("\n", 0, m.start()) + 1
    col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    return Span(line, col, line, col + len(m.group(0).lstrip()))


def _clean(text: str) -> str:
    """Text that XML 1.0 can carry: control characters other than tab and newline dropped."""
    return "".join(c for c in text if c in "\t\n" or (c >= " " and c not in "\ufffe\uffff"))


# ---------------------------------------------------------------- JUnit


def render_junit(reports: list[CheckReport], code: int, errors: list[dict] | None = None,
                 require: str = "exhaustive", timings: bool = False) -> str:
    import xml.etree.ElementTree as ET  # only for --format junit: 5-7 ms of every other run's start-up
    root = ET.Element("testsuites", name="forkproof")
    totals = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for rep in reports:
        suite = _junit_suite(rep, require, timings)
        root.append(suite)
        for k in totals:
            totals[k] += int(suite.get(k))
    for path, diags in _errors_by_file(errors or []):
        suite = ET.SubElement(root, "testsuite", name=path, tests="1", failures="0", errors="1", skipped="0")
        case = ET.SubElement(suite, "testcase", classname=path, name="model", file=path)
        text = "\n".join(_diagnostic_line(d) for d in diags)
        ET.SubElement(case, "error", message=f"the model cannot be checked ({len(diags)} error"
                                                f"{'s' if len(diags) != 1 else ''})", type="model-error").text = _clean(text)
        totals["tests"] += 1
        totals["errors"] += 1
    for k, n in totals.items():
        root.set(k, str(n))
    if timings:
        root.set("time", f"{sum(r.seconds for r in reports):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _junit_suite(rep: CheckReport, require: str, timings: bool) -> ET.Element:
    import xml.etree.ElementTree as ET
    m = rep.model
    suite = ET.Element("testsuite", name=m.name)
    props = ET.SubElement(suite, "properties")
    for k, val in (("file", m.path), ("engine", rep.engine), ("require", require)):
        ET.SubElement(props, "property", name=k, value=val)
    for note in rep.notes:
        ET.SubElement(props, "property", name="note", value=_clean(note))
    counts = dict.fromkeys(("tests", "failures", "errors", "skipped"), 0)
    for p in rep.properties:
        v = p.verdict
        counts["tests"] += 1
        case = ET.SubElement(suite, "testcase", classname=m.name, name=case_name(p), file=m.path)
        span = _declaration(m, p)
        if span is not None:
            case.set("line", str(span.line))
        if timings:
            case.set("time", f"{v.seconds:.3f}")
        verdict = R.verdict_text(v)
        detail = R.scope_detail(p)
        expected = outcome(p, require)
        if expected == "expected":
            counts["skipped"] += 1
            el = ET.SubElement(case, "skipped", message=f"violated, as expected: {p.expect.reason or v.name}",
                               type="expected-violation")
            el.text = _clean(violation_text(p))
        elif expected == "fixed":
            counts["failures"] += 1
            el = ET.SubElement(case, "failure", message=f"fixed: {verdict}, but the model expects it violated "
                                                        f"(remove the expectation)", type="fixed")
            el.text = _clean("\n".join(R.fixed_lines(p)))
        elif v.status is Status.VIOLATED:
            counts["failures"] += 1
            el = ET.SubElement(case, "failure", message=f"{verdict}: {v.kind} {v.name}, {p.scope or 'the model'}",
                               type="violated")
            el.text = _clean(violation_text(p))
        elif v.status is Status.UNKNOWN:
            counts["errors"] += 1
            el = ET.SubElement(case, "error", message=f"unknown: {v.reason or 'no reason given'}", type="unknown")
            el.text = _clean(f"unknown: {v.name}, {detail}\nengine: {v.engine}")
        elif not accepted(p, require):
            counts["errors"] += 1
            el = ET.SubElement(case, "error", message=f"{verdict}, weaker than --require {require}",
                               type="weaker-than-required")
            el.text = _clean(f"{verdict}: {v.name}, {detail}\nengine: {v.engine}\n"
                             f"--require {require} needs a stronger verdict")
        else:
            out = ET.SubElement(case, "system-out")
            out.text = _clean(f"{verdict}: {v.name}, {detail}\nengine: {v.engine}")
    for name in rep.selection.skipped if rep.selection is not None else ():
        counts["tests"] += 1
        counts["skipped"] += 1
        case = ET.SubElement(suite, "testcase", classname=m.name, name=name, file=m.path)
        ET.SubElement(case, "skipped", message="not checked: left out by --property/--skip", type="not-selected")
    for k, n in counts.items():
        suite.set(k, str(n))
    if timings:
        suite.set("time", f"{rep.seconds:.3f}")
    return suite


def _errors_by_file(errors: list[dict]) -> list[tuple[str, list[dict]]]:
    groups: dict[str, list[dict]] = {}
    for d in errors:
        groups.setdefault(d.get("file") or "forkproof", []).append(d)
    return list(groups.items())


def _diagnostic_line(d: dict) -> str:
    span = d.get("span")
    where = f"{d.get('file')}:{span['line']}:{span['col']}" if span else str(d.get("file"))
    return f"{where}: error[{d['code']}]: {d['message']}"


# ---------------------------------------------------------------- SARIF


def render_sarif(reports: list[CheckReport], code: int, errors: list[dict] | None = None,
                 require: str = "exhaustive", timings: bool = False) -> str:
    results = []
    for rep in reports:
        for p in rep.properties:
            if not accepted(p, require) or outcome(p, require) == "fixed":
                results.append(_sarif_result(rep, p, require, timings))
    for d in errors or []:
        results.append(sarif_error(d))
    props: dict = {"require": require, "exitCode": code,
                   "selection": [{"file": r.model.path, **R.selection_json(r)} for r in reports]}
    if timings:
        props["seconds"] = round(sum(r.seconds for r in reports), 6)
    return sarif_document(RULES, results, code, props)


def sarif_document(rules, results: list[dict], code: int, properties: dict) -> str:
    """One SARIF 2.1.0 run of forkproof: its rules ((id, short description, default level)),
    its results, the exit code and the run's `properties`."""
    run = {
        "tool": {"driver": {
            "name": "forkproof",
            "version": VERSION,
            "semanticVersion": VERSION,
            "rules": [{"id": rid, "name": rid, "shortDescription": {"text": text},
                       "defaultConfiguration": {"level": level}} for rid, text, level in rules],
        }},
        "invocations": [{"executionSuccessful": code != 2, "exitCode": code}],
        "columnKind": "unicodeCodePoints",
        "results": results,
        "properties": properties,
    }
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2)


def artifact_uri(path: str) -> str:
    """A relative path stays relative (posix, percent-encoded); an absolute one is a file: URI."""
    p = Path(path)
    if p.is_absolute():
        return p.as_uri()
    return quote(str(PurePosixPath(*p.parts)))


def _physical(path: str, span: Span | None) -> dict:
    loc: dict = {"artifactLocation": {"uri": artifact_uri(path)}}
    if span is not None:
        loc["region"] = {"startLine": span.line, "startColumn": span.col, "endLine": span.end_line,
                         "endColumn": span.end_col}
    return loc


def _sarif_result(rep: CheckReport, p: PropertyResult, require: str, timings: bool) -> dict:
    m, v = rep.model, p.verdict
    expected = outcome(p, require)
    if expected == "fixed":
        rule = "fixed-expectation"
        text = R.fixed_lines(p)[0] + f" ({R.expectation_text(p)}): remove the expectation"
    elif v.status is Status.VIOLATED:
        rule = v.kind.replace(" ", "-")
        text = violation_text(p).split("\n", 1)[0]
        if v.reason:
            text += f": {v.reason}"
        if expected == "expected":
            text += f" ({R.expectation_text(p)})"
    else:
        rule = "inconclusive"
        why = v.reason if v.status is Status.UNKNOWN else f"weaker than --require {require}"
        text = f"{R.verdict_text(v)}: {v.kind} {v.name}, {p.scope or 'the model'} ({why})"
    span = p.expect.span if expected == "fixed" and p.expect is not None and p.expect.span else _declaration(m, p)
    result: dict = {
        "ruleId": rule,
        "ruleIndex": _RULE_INDEX[rule],
        "level": "note" if expected == "expected" else RULES[_RULE_INDEX[rule]][2],
        "message": {"text": text},
        "locations": [{"physicalLocation": _physical(m.path, span),
                       "logicalLocations": [{"name": v.name, "fullyQualifiedName": f"{m.name}.{v.name}",
                                             "kind": "member"}]}],
        "partialFingerprints": {"forkproofProperty/v1": f"{m.name}/{v.kind}/{v.name}/{p.scope}"},
        "properties": {"verdict": R.JSON_STATUS[v.status], "verdictText": R.verdict_text(v),
                       "kind": v.kind, "scope": p.scope, "engine": v.engine},
    }
    if p.expect is not None:
        result["properties"]["expected"] = R.expect_json(p, require)
    if expected == "expected":  # NOTE(expect-outcome): shown, with its trace, but acknowledged in the model
        result["suppressions"] = [{"kind": "inSource", "status": "accepted",
                                   "justification": p.expect.reason or f"expect violated ({R.expectation_text(p)})"}]
    if timings:
        result["properties"]["seconds"] = round(v.seconds, 6)
    if v.trace is not None:
        result["codeFlows"] = [_code_flow(m, v.trace)]
        if v.kind == "runtime" and v.reason:  # the step that fails is not in the trace: point at it
            flow = result["codeFlows"][0]["threadFlows"][0]["locations"]
            flow.append(_flow_location(m.path, span, f"step {len(v.trace.steps)}: {v.reason}", {}, len(flow)))
    return result


def _code_flow(m: I.Model, trace: Trace) -> dict:
    start = _model_span(m.path, m.name)
    locations = []
    for i, step in enumerate(trace.steps):
        changes = ", ".join(f"{loc} = {R.show(step.state[loc])}" for loc in step.changed) or "(nothing changes)"
        mark = " (the cycle starts here)" if trace.loop_start == i else ""
        span = start if step.action is None else _action_span(m, step.action)
        locations.append(_flow_location(m.path, span, f"step {i}: {step_text(step)}: {changes}{mark}",
                                        {loc: R.show(step.state[loc]) for loc in step.changed}, i))
    if trace.loop_start is not None:
        last = len(trace.steps)
        closing = trace.closing
        if closing is not None:
            text = f"step {last}: {step_text(closing)}: back to step {trace.loop_start}: the cycle repeats forever"
            locations.append(_flow_location(m.path, _action_span(m, closing.action), text, {}, last))
        else:
            text = f"no action enabled: step {last - 1} stutters forever"
            locations.append(_flow_location(m.path, start, text, {}, last))
    n = len(trace.steps) - 1
    what = f"a lasso: {n} steps, then a cycle from step {trace.loop_start}" if trace.loop_start is not None \
        else f"the {R.trace_title(trace)}"
    return {"message": {"text": what}, "threadFlows": [{"locations": locations}]}


def _flow_location(path: str, span: Span | None, text: str, state: dict[str, str], order: int) -> dict:
    out: dict = {"location": {"physicalLocation": _physical(path, span), "message": {"text": text}},
                 "executionOrder": order}
    if state:
        out["state"] = {k: {"text": val} for k, val in state.items()}
    return out


def sarif_error(d: dict, rule_index: int = _RULE_INDEX["model-error"]) -> dict:
    """A diagnostic (`Diagnostic.to_json`) as a result of the rule "model-error", which is
    rule `rule_index` of the run's driver."""
    span = d.get("span")
    loc: dict = {"artifactLocation": {"uri": artifact_uri(d.get("file") or ".")}}
    if span:
        loc["region"] = {"startLine": span["line"], "startColumn": span["col"], "endLine": span["end_line"],
                         "endColumn": span["end_col"]}
    return {"ruleId": "model-error", "ruleIndex": rule_index, "level": "error",
            "message": {"text": f"error[{d['code']}]: {d['message']}"}, "locations": [{"physicalLocation": loc}],
            "properties": {"code": d["code"]}}


# ---------------------------------------------------------------- ITF


def itf_name(model: str, prop: str, scope: str) -> str:
    """`<model>_<property>_<scope slug>.itf.json`; "N = 2, RULE = Code" -> "N2_RULECode"."""
    slug = "_".join(part.replace(" = ", "").replace(" ", "") for part in scope.split(", ")) if scope else ""
    stem = "_".join(x for x in (model, prop, slug) if x)
    return re.sub(r"[^A-Za-z0-9_.-]", "-", stem) + ".itf.json"


def write_itf(reports: list[CheckReport], directory: str) -> list[str]:
    """One ITF file per counterexample (a violated result with a trace); the paths written."""
    out_dir = Path(directory)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[str] = []
    taken: set[str] = set()
    for rep in reports:
        for p in rep.properties:
            if p.verdict.status is not Status.VIOLATED or p.verdict.trace is None:
                continue
            name = itf_name(rep.model.name, p.verdict.name, p.scope)
            stem, k = name[: -len(".itf.json")], 2
            while name in taken:  # two models of one name in one run: keep both, deterministically
                name, k = f"{stem}-{k}.itf.json", k + 1
            taken.add(name)
            path = out_dir / name
            path.write_text(json.dumps(itf_trace(rep, p), indent=2) + "\n", encoding="utf-8")
            written.append(str(path))
    return written


def itf_trace(rep: CheckReport, p: PropertyResult) -> dict:
    """A counterexample as an ITF trace (ADR-015).  NOTE(itf-vars) for the variables; the
    instance's params are set in the first state (`params`); each state's `#meta` names the
    action that led to it."""
    m, v = rep.model, p.verdict
    trace = v.trace
    assert trace is not None
    run = next((r for r in rep.instances if r.scope == p.scope), None)
    params = [q for q in m.params if run is not None and q.name in run.params]
    layout = _itf_layout(m)
    meta = {
        "format": "ITF",
        "format-description": ITF_SPEC,
        "source": m.path,
        "description": f"forkproof {VERSION}: {violation_text(p).splitlines()[0]}",
        "model": m.name,
        "property": v.name,
        "kind": v.kind,
        "scope": p.scope,
        "engine": v.engine,
    }
    if v.reason:
        meta["reason"] = v.reason
    if p.expect is not None:
        meta["expected"] = R.expectation_text(p)
    doc: dict = {"#meta": meta, "params": [q.name for q in params], "vars": [name for name, _ in layout]}
    if trace.loop_start is not None:
        doc["#meta"]["loop_action"] = _itf_action(trace.closing) if trace.closing is not None else None
    states = []
    for i, step in enumerate(trace.steps):
        st: dict = {"#meta": {"index": i, **_itf_action(step)}}
        if i == 0:
            for q in params:
                st[q.name] = _itf_leaf(display_value(run.params[q.name], q.ty), q.ty)
        for name, value in _itf_values(step.state, m, layout).items():
            st[name] = value
        states.append(st)
    doc["states"] = states
    if trace.loop_start is not None:
        doc["loop"] = trace.loop_start
    return doc


def itf_state(m: I.Model, state: dict[str, object]) -> dict[str, object]:
    """One state (locations to display values, `Instance.display_state`) as ITF variables and
    values, as `itf_trace` writes each state (forkproof.testing reads traces back with it)."""
    return _itf_values(state, m, _itf_layout(m))


def _itf_action(step: Step | None) -> dict:
    if step is None or step.action is None:
        return {"action": None}
    return {"action": step.action, "args": {k: _itf_plain(a) for k, a in step.args}}


def _itf_layout(m: I.Model) -> list[tuple[str, I.Type]]:
    """The ITF variables, in declaration order: globals, then `Family.local` (NOTE(itf-vars));
    a record variable is one variable, whatever the type checker made of it."""
    out = _itf_records(list(m.globals))
    for fam in m.families:
        out.extend((f"{fam.name}.{name}", I.MapType(I.ProcType(fam.name), ty)) for name, ty in _itf_records(list(fam.locals)))
    return out


def _itf_records(variables: list[I.StateVar]) -> list[tuple[str, I.Type]]:
    """(name, type) of each variable as the model declares it: the variables the type checker
    made of a record's fields (NOTE(record-names)) put back together into one whose type is
    the record (an `I.RecordType` named after the variable, fields in their order), with the
    maps where the model has them: `props.tally.yes`, `props.tally.no: [Proposal] 0..N` and
    `props.stage: [Proposal] Stage` are `props: [Proposal] {tally: {yes, no}, stage}`."""
    tries: dict[str, dict] = {}
    out: list[tuple[str, I.Type | dict]] = []  # a dict: the trie of a record variable's keys and fields
    for v in variables:
        parts, per = v.name.split("."), v.record_keys
        if per is None or len(per) != len(parts) - 1:
            out.append((v.name, v.ty))
            continue
        if parts[0] not in tries:
            tries[parts[0]] = {}
            out.append((parts[0], tries[parts[0]]))
        node, ty = tries[parts[0]], v.ty
        for i, part in enumerate(parts[1:]):  # the keys after the part before it, then the field
            for _ in range(per[i]):
                assert isinstance(ty, I.MapType)  # the keys come from the variable's map type
                node = node.setdefault(("key", ty.key), {})
                ty = ty.value
            node = node.setdefault(("field", part), {} if i < len(parts) - 2 else ty)
    return [(name, _trie_type(name, t) if isinstance(t, dict) else t) for name, t in out]


def _trie_type(name: str, node: dict) -> I.Type:
    (kind, what), sub = next(iter(node.items()))
    if kind == "key":
        return I.MapType(what, _trie_type(name, sub))
    return I.RecordType(name, tuple((f, _trie_type(name, t) if isinstance(t, dict) else t)
                                    for (_, f), t in node.items()))


def _itf_values(state: dict[str, object], m: I.Model, layout: list[tuple[str, I.Type]]) -> dict[str, object]:
    """Locations (`x`, `m[k]`, `r.f`, `m[k].f`, `F[i].x`, `F[i].m[k].f`) regrouped into ITF variables."""
    tree: dict[str, dict] = {name: {} for name, _ in layout}
    scalars: dict[str, object] = {}
    families = {f.name for f in m.families}
    for loc, value in state.items():
        head, keys = _split_location(loc, families)
        if not keys and head in tree:
            scalars[head] = value
            continue
        node = tree.setdefault(head, {})
        for k in keys[:-1]:
            node = node.setdefault(k, {})
        node[keys[-1]] = value
    out = {}
    for name, ty in layout:
        out[name] = _itf_leaf(scalars[name], ty) if name in scalars else _itf_map(tree[name], ty)
    return out


def _split_location(loc: str, families: set[str]) -> tuple[str, list[str]]:
    """The ITF variable of a location and the keys and fields under it, outermost first:
    "Validator[2].m[Yes]" -> ("Validator.m", ["Validator[2]", "Yes"]); "blocks[0]" -> ("blocks",
    ["0"]); "props[P1].tally.yes" -> ("props", ["P1", "tally", "yes"]) (a record's fields by
    name, NOTE(record-names))."""
    end = min((i for i in (loc.find("["), loc.find(".")) if i >= 0), default=len(loc))
    head, rest, steps = loc[:end], loc[end:], []
    i = 0
    while i < len(rest):
        if rest[i] == "[":
            close = _close(rest, i)
            steps.append(rest[i + 1: close])
            i = close + 1
        else:  # ".field"
            j = min((x for x in (rest.find("[", i + 1), rest.find(".", i + 1)) if x >= 0), default=len(rest))
            steps.append(rest[i + 1: j])
            i = j
    if head in families:  # F[i].x...: the variable F.x, keyed by the process id first
        return f"{head}.{steps[1]}", [f"{head}[{steps[0]}]"] + steps[2:]
    return head, steps


def _close(text: str, start: int) -> int:
    """The index of the `]` that closes the `[` at `start` (keys may hold brackets: `F[0]`)."""
    depth = 0
    for j in range(start, len(text)):
        if text[j] == "[":
            depth += 1
        elif text[j] == "]":
            depth -= 1
            if depth == 0:
                return j
    raise ValueError(f"unbalanced location {text!r}")


def _itf_map(node: dict, ty: I.Type) -> object:
    """A map (`#map`) or a record (an object of its fields, ADR-015), from the tree of its entries."""
    if isinstance(ty, I.RecordType):
        return {f: _itf_map(node[f], t) for f, t in ty.fields}
    if not isinstance(ty, I.MapType):
        return _itf_leaf(node, ty)
    return {"#map": [[_itf_key(k, ty.key), _itf_map(sub, ty.value)] for k, sub in node.items()]}


def _itf_key(text: str, ty: I.Type) -> object:
    if isinstance(ty, I.BoolType):
        return text == "true"
    if isinstance(ty, I.IntType):
        return {"#bigint": text}
    return text  # enum member, process id "F[i]"


def _itf_leaf(value: object, ty: I.Type) -> object:
    if isinstance(ty, I.BoolType):
        return bool(value)
    if isinstance(ty, I.IntType):
        return {"#bigint": str(value)}
    if isinstance(ty, I.RatType):
        return str(value)  # one JSON type per variable: "3", "7/2"
    return _itf_plain(value)


def _itf_plain(value: object) -> object:
    """A display value whose type is not at hand (action arguments)."""
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, int):
        return {"#bigint": str(value)}
    return str(value)
