"""`forkproof mutate` as text for people, JSON for machines and SARIF for code-scanning views
(docs/mutation.md).  Nothing here decides: every status comes from forkproof.run.mutate.

NOTE(determinism) in checker/output/formats.py holds here too: JSON and SARIF carry
wall-clock times only with `timings=True`; every list is in mutant order.
"""
from __future__ import annotations

import json

from forkproof.about import VERSION
from forkproof.output.formats import artifact_uri, sarif_document, sarif_error
from forkproof.run.mutants import OPERATORS, STATUSES, MutantResult, MutationReport

SCHEMA = 1  # the JSON document's shape (docs/mutation.md); raised if a field ever changes meaning

# SARIF rules: (id, short description, default level)
RULES = (
    ("mutant-survived", "A mutant of the model survived: every property the original satisfies holds on it too, "
                        "so no property tells it from the original", "warning"),
    ("mutant-unknown", "A mutant was neither killed nor shown to survive: a budget ran out", "note"),
    ("model-error", "The model or the command line is wrong", "error"),
)
_RULE_INDEX = {rid: i for i, (rid, _, _) in enumerate(RULES)}


def site(r: MutantResult, path: str) -> str:
    return f"{path}:{r.mutant.span.line}:{r.mutant.span.col}"


def shorter(scope: str, common: str) -> str:
    """An instance's scope without the params every instance shares ("N = 3, BLOCKS = 5, V = 2"
    -> "BLOCKS = 5" when the run's scope is "N = 3, BLOCKS = 1..6, V = 2")."""
    fixed = {part for part in common.split(", ") if " = " in part and ".." not in part}
    return ", ".join(part for part in scope.split(", ") if part not in fixed) or scope


def detail(r: MutantResult, common: str | None = None) -> str:
    """The table's last column: what decided the status (`common`: the run's scope, when it
    has several instances, for at which one)."""
    at = f" at {shorter(r.scope, common)}" if common is not None and r.scope else ""
    if r.status == "killed":
        return f"by {', '.join(r.killed_by)}{at}"
    if r.status == "equivalent":
        return f"the same states and steps as the original{at}"
    if r.status == "survived":
        return "no property tells it apart (diff below)"
    return r.reason or ""


def original_text(rep: MutationReport) -> list[str]:
    """The original's violated and unknown results: they cannot kill a mutant."""
    if not rep.baseline:
        return ["original: every invariant and property holds on every instance"]
    out = []
    for what in ("violated", "unknown"):
        listed = [f"{name} at {scope}" for name, scope, status in rep.baseline if status == what]
        if listed:
            out.append(f"original: {what}, so these cannot kill a mutant there: {'; '.join(listed)}")
    return out


def counts_text(rep: MutationReport) -> str:
    checked = len(rep.results)
    head = f"{checked} mutants" if checked == rep.generated else f"{checked} of {rep.generated} mutants"
    return head + ": " + ", ".join(f"{rep.count(s)} {s}" for s in STATUSES)


def render_text(rep: MutationReport, code: int, min_score: float | None = None) -> str:
    many = rep.instances > 1
    how = (f"{rep.instances} instances; each mutant on them, smallest first, until one kills it" if many else
           "1 instance: the original and each mutant are checked on it")
    if rep.every_size:
        how = "the original and each mutant checked as `check` checks them, every size included"
    lines = [
        f"forkproof {VERSION}: mutate {rep.path}: model {rep.model}",
        *([f"scope: {rep.scope or 'the model'} ({how})", f"engine: {rep.budget}", *original_text(rep)]
          if rep.instances else []),
        f"{counts_text(rep)}; {rep.seconds:.2f}s",
    ]
    rows = [("mutant", "site", "operator", "mutation", "status", "killed by, or why")]
    for r in rep.results:
        rows.append((r.mutant.id, site(r, rep.path), r.mutant.operator, r.mutant.description, r.status,
                     detail(r, rep.scope if many else None)))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines += [""] if rep.results else []
    for row in rows if rep.results else ():
        lines.append(("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths)) + "  " + row[5]).rstrip())
    for r in rep.results:
        if r.status not in ("survived", "unknown"):
            continue
        m = r.mutant
        lines += ["", f"{r.status}: {m.id}, {m.decl}: {m.description} ({site(r, rep.path)})"]
        if r.status == "survived":
            lines.append(f"  every invariant and property the original satisfies holds on it at {r.scope or 'the model'}; "
                         f"{r.reason}")
        else:
            lines.append(f"  {r.reason}")
        if m.read_by:
            lines.append(f"  {m.decl.split()[-1]} is also read by {', '.join(m.read_by)}: "
                         f"{'it checks' if len(m.read_by) == 1 else 'they check'} the mutated rule, not the original")
        lines += ["  " + x for x in r.diff.splitlines()]
    for n in rep.notes:
        lines += ["", f"note: {n}"]
    lines += ["", rep.formula() + " (equivalent and invalid mutants are left out)"]
    tail = f"result: {counts_text(rep)}"
    if min_score is not None:
        tail += f"; --min-score {min_score:g}%"
    lines.append(f"{tail}; exit code {code}")
    return "\n".join(lines)


# ---------------------------------------------------------------- JSON


def mutant_json(r: MutantResult, path: str, timings: bool = False) -> dict:
    m = r.mutant
    out = {
        "id": m.id,
        "operator": m.operator,
        "description": m.description,
        "declaration": m.decl,
        "location": {"file": path, **m.span.to_json()},
        "status": r.status,
        "killed_by": list(r.killed_by),
        "scope": r.scope,
        "reason": r.reason,
        "read_by": list(m.read_by),
        "diff": r.diff,
    }
    if timings:
        out["seconds"] = round(r.seconds, 6)
    return out


def to_json(rep: MutationReport | None, code: int, errors: list[dict] | None = None, timings: bool = False,
            min_score: float | None = None) -> dict:
    doc: dict = {"forkproof": VERSION, "schema": SCHEMA, "exit_code": code}
    if rep is not None:
        value = rep.score()
        doc.update({
            "file": rep.path,
            "model": rep.model,
            "engine": rep.engine,
            "budget": rep.budget,
            "scope": rep.scope,
            "instances": rep.instances,
            "original": [{"property": n, "scope": s, "verdict": v} for n, s, v in rep.baseline],
            "counts": {"generated": rep.generated, "checked": len(rep.results),
                       **{s: rep.count(s) for s in STATUSES}},
            "score": {"value": None if value is None else round(float(value), 4),
                      "killed": rep.count("killed"), "survived": rep.count("survived"),
                      "unknown": rep.count("unknown"), "formula": rep.formula(), "min_score": min_score},
            "operators": OPERATORS,
            "mutants": [mutant_json(r, rep.path, timings) for r in rep.results],
            "notes": list(rep.notes),
        })
        if timings:
            doc["seconds"] = round(rep.seconds, 6)
    if errors:
        doc["errors"] = errors
    return doc


def render_json(rep: MutationReport | None, code: int, errors: list[dict] | None = None, timings: bool = False,
                min_score: float | None = None) -> str:
    return json.dumps(to_json(rep, code, errors, timings, min_score), indent=2)


# ---------------------------------------------------------------- SARIF


def render_sarif(rep: MutationReport | None, code: int, errors: list[dict] | None = None, timings: bool = False,
                 min_score: float | None = None) -> str:
    """Survivors as warnings at their sites, unknowns as notes; model errors as errors."""
    results = []
    path, name = (rep.path, rep.model) if rep is not None else (".", "")
    seen: dict[str, int] = {}
    for r in (rep.results if rep is not None else ()):
        if r.status not in ("survived", "unknown"):
            continue
        m = r.mutant
        rid = "mutant-survived" if r.status == "survived" else "mutant-unknown"
        # stable across edits elsewhere in the file: what and where by name, not by line
        fingerprint = f"{name}/{m.decl}/{m.operator}/{m.description}"
        seen[fingerprint] = seen.get(fingerprint, 0) + 1
        text = (f"{m.id} survived: {m.description} in {m.decl}; no invariant or property tells it from the original "
                f"at {r.scope or 'the model'}" if r.status == "survived" else
                f"{m.id} unknown: {m.description} in {m.decl}: {r.reason}")
        result = {
            "ruleId": rid,
            "ruleIndex": _RULE_INDEX[rid],
            "level": RULES[_RULE_INDEX[rid]][2],
            "message": {"text": text},
            "locations": [{"physicalLocation": {
                "artifactLocation": {"uri": artifact_uri(path)},
                "region": {"startLine": m.span.line, "startColumn": m.span.col, "endLine": m.span.end_line,
                           "endColumn": m.span.end_col}}}],
            "partialFingerprints": {"forkproofMutant/v1": f"{fingerprint}/{seen[fingerprint]}"},
            "properties": {"mutant": m.id, "operator": m.operator, "status": r.status, "scope": r.scope,
                           "readBy": list(m.read_by), "diff": r.diff},
        }
        if timings:
            result["properties"]["seconds"] = round(r.seconds, 6)
        results.append(result)
    results += [sarif_error(d, _RULE_INDEX["model-error"]) for d in errors or []]
    props: dict = {"exitCode": code}
    if rep is not None:
        value = rep.score()
        props.update({"score": None if value is None else round(float(value), 4), "formula": rep.formula(),
                      "minScore": min_score, "counts": {s: rep.count(s) for s in STATUSES}})
        if timings:
            props["seconds"] = round(rep.seconds, 6)
    return sarif_document(RULES, results, code, props)
