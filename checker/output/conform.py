"""`forkproof conform` reports: text for people, JSON for machines (docs/testing.md).

The text names the rule as the model writes it, the domain compared and what Hypothesis drew
beyond it, then either the agreement or the smallest disagreeing input (NOTE(conform-smallest)
in checker/run/conform.py) with the model's value spelled out and the function's.
"""
from __future__ import annotations

from fractions import Fraction

from forkproof.about import VERSION
from forkproof.run.conform import ConformReport, rule_text
from forkproof.run.values import shown


def render_text(rep: ConformReport) -> str:
    rule = rep.rule
    where = f" (line {rule.span.line})" if rule.span is not None else ""
    given = ", ".join(rep.takes if rep.takes is not None else rep.inputs) or "nothing"
    lines = [f"forkproof {VERSION}: {rep.model.path}: {rep.model.header}",
             f"rule: {rule_text(rule)}{where}",
             f"implementation: {rep.impl}, given {given}",
             f"domain: {rep.domain}: {_count(rep.instances, 'instance')}, {_count(rep.compared, 'input')} compared"]
    if rep.beyond:
        drawn = ", ".join(f"{n} = {r}" for n, r in rep.beyond_ranges)
        seed = f"seed {rep.seed}" if rep.seed is not None else "derandomized"
        lines.append(f"beyond: {_count(rep.beyond, 'input')} drawn by Hypothesis ({seed})" + (f", {drawn}" if drawn else ""))
    lines.append("")
    for note in rep.notes:
        lines.append(f"note: {note}")
    if rep.notes:
        lines.append("")
    case = rep.smallest
    if case is None:
        beyond = f" and {rep.beyond:,} beyond it" if rep.beyond else ""
        lines += [f"agree on every input compared: {rep.compared:,} in the domain{beyond}", "",
                  f"result: agree; exit code {rep.exit_code}"]
        return "\n".join(lines)
    if rep.beyond_where is None:
        lines.append(f"disagree on {rep.disagreements:,} of {rep.compared:,} inputs in the domain; the smallest:")
    else:
        lines.append(f"disagree beyond the domain, at {rep.beyond_where} (found by Hypothesis after "
                     f"{_count(rep.beyond, 'input')}); "
                     + (f"{rep.beyond_in_instance[0]:,} of its {rep.beyond_in_instance[1]:,} inputs disagree; the smallest:"
                        if rep.beyond_in_instance is not None else "as Hypothesis shrank it:"))
    lines.append(f"  input: {case.inputs_text()}")
    spelled = f"  ({case.spelled})" if case.spelled else ""
    lines.append(f"  model: {case.call} = {shown(case.model)}{spelled}")
    lines.append(f"  implementation: {shown(case.impl)}")
    lines += ["", f"result: disagreement; exit code {rep.exit_code}"]
    return "\n".join(lines)


def _count(n: int, what: str) -> str:
    return f"{n:,} {what}{'s' if n != 1 else ''}"


def to_json(rep: ConformReport) -> dict:
    case = rep.smallest
    return {
        "forkproof": VERSION, "schema": 1, "exit_code": rep.exit_code,
        "file": rep.model.path, "model": rep.model.name,
        "rule": {"name": rep.rule.name, "kind": "threshold" if rep.rule.is_threshold else "def",
                 "line": rep.rule.span.line if rep.rule.span else None, "text": rule_text(rep.rule)},
        "implementation": rep.impl,
        "inputs": list(rep.inputs), "given": list(rep.takes) if rep.takes is not None else list(rep.inputs),
        "domain": {"scope": rep.domain, "instances": rep.instances, "compared": rep.compared,
                   "undefined": rep.undefined, "disagreements": rep.disagreements},
        "beyond": {"compared": rep.beyond, "seed": rep.seed, "params": dict(rep.beyond_ranges)},
        "agree": case is None,
        "smallest": None if case is None else {
            "found": "domain" if rep.beyond_where is None else "beyond",
            "input": {n: _plain(v) for n, v in case.inputs},
            "call": case.call, "model": _plain(case.model), "implementation": _plain(case.impl),
            "spelled": case.spelled},
        "notes": list(rep.notes),
    }


def _plain(v: object) -> object:
    """A Python value as JSON: map keys as text, rationals as "p/q", anything else as its text."""
    if isinstance(v, (bool, int, str)) or v is None:
        return v
    if isinstance(v, float):
        return v
    if isinstance(v, Fraction):
        return shown(v)
    if isinstance(v, dict):
        return {shown(k): _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_plain(x) for x in v]
    return shown(v)
