"""`forkproof thresholds` reports as text for auditors and JSON for machines.  Nothing here
decides: the reports come from forkproof.run.thresholds; docs/thresholds.md explains
every column.
"""
from __future__ import annotations

import textwrap

from forkproof.about import VERSION
from forkproof.analysis.report import (ThetaResult, ThresholdReport, Verdict, contains, fraction_text, intersect, set_str,
                                         verdicts)
from forkproof.spec import ir as I


def _table(headers: list[str], rows: list[list[str]], indent: str = "    ") -> list[str]:
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    return [indent + "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip() for cells in [headers] + rows]


def support_name(r: ThresholdReport) -> str:
    """The support by the def it came from ("yes") when there is one, else its text."""
    if r.support_name:
        return r.support_name
    for name, text in r.where:
        if text == r.support:
            return name
    return r.support or "?"


def _verdict_line(what: str, v: Verdict, size: str = "N") -> list[str]:
    head = f"  {what}: {v.status}" + (f", {v.scope}" if v.scope else "")
    out = [head]
    if v.status == "refuted" and v.smallest is not None:
        out[0] += f"; smallest {size} = {v.smallest}"
    if v.detail:
        out.append(f"    {v.detail}")
    if v.witness:
        out.append(f"    e.g. {v.witness}")
    return out


def render_text(model: I.Model, reports: list[ThresholdReport], code: int) -> str:
    lines = [f"forkproof {VERSION}: {model.path}: {model.header}"]
    if not reports:
        lines.append("no thresholds: the model declares no 'threshold' (nothing to analyse)")
        lines.append(f"exit code {code}")
        return "\n".join(lines)
    for r in reports:
        text = threshold_text(r)
        span = next((d.span for d in model.defs if d.name == r.name), None)
        if span is not None and span.file is not None:  # NOTE(span-file): a rule an imported library declares
            text.insert(1, f"  from:     {span.file}:{span.line}")
        lines += [""] + text
    vs = verdicts(reports)
    counts = {s: sum(v.status == s for v in vs) for s in ("proved", "refuted", "unknown")}
    lines += ["", f"result: {counts['proved']} proved, {counts['refuted']} refuted, {counts['unknown']} unknown; exit code {code}"]
    return "\n".join(wrapped for line in lines for wrapped in _wrap(line))


def threshold_text(r: ThresholdReport) -> list[str]:
    lines = [f"threshold {r.name}{r.params}"]
    lines.append(f"  rule:     {r.rule}")
    for i, (name, text) in enumerate(r.where):
        lines.append(f"  {'where:' if i == 0 else '':9} {name} = {text}")
    if r.exact != r.rule:
        lines.append(f"  exact:    {r.exact}")
    if r.meant is not None:
        lines.append(f"  meant:    {r.meant}")
    sup = support_name(r)
    first = r.variants[0] if r.variants else None
    if r.support is not None and (first is None or len(first.tables) <= 1):  # several: one line per table below
        lines.append(f"  support:  {sup}" + (f" = {r.support}" if sup != r.support else "")
                     + f", out of {_pop_text(r.population, r.population_name, r.population_kind, r.support_kind)}"
                     + {"meant": " (read from the meant bound)", "stated": " (stated)"}.get(r.source, ""))
    if r.note:
        lines.append(f"  note:     {r.note}")
    if r.clauses and (len(r.clauses) > 1 and (first is None or len(first.tables) != 1)
                      or any(c.kind == "unknown" for c in r.clauses)):
        for i, c in enumerate(r.clauses):
            lines.append(f"  {'clauses:' if i == 0 else '':9} {i + 1}. {c.text}: {_clause_words(c)}")
    for v in r.variants:
        lines.append("")
        if v.label:
            lines.append(f"  with {v.label}:")
        if v.note:
            lines.append(f"  note:     {v.note}")
        many = len(v.tables) > 1
        for t in v.tables:
            if many or (t.support, t.population) != (r.support, r.population):
                lines.append(f"  support:  {_named(t.support_name, t.support)}, out of "
                             f"{_pop_text(t.population, t.population_name, t.pop_kind, t.kind)}")
            if t.rows:
                lines += _rows_text(r, t)
        size = next((t.size for t in v.tables if t.size), "") or "N"  # what the rows are indexed by
        if v.equivalence is not None:
            lines += _verdict_line("rule <=> meant", v.equivalence, size)
        if v.quorum is not None:
            share = (f"weight > {r.k_text.removesuffix(' + 1')}" if r.k_text != "1" else "weight > 0") \
                if r.support_kind == "sum" else f">= {r.k_text}"
            lines += _verdict_line(f"quorum intersection (two passing sets share {share})", v.quorum, size)
    lines += [""] + theta_text(r.theta)
    return lines


def _named(name: str | None, text: str | None) -> str:
    if text is None:
        return "?"
    return f"{name} = {text}" if name and name != text else text


def _pop_text(pop: str | None, name: str | None, kind: str, support_kind: str) -> str:
    text = _named(name, pop)
    if kind == "weight":
        return f"{text} (the total weight)"
    if kind == "tally":
        return f"{text} (a tally)"
    return text


def _clause_words(c) -> str:
    if c.kind == "condition":
        return "a condition (measures no support)"
    if c.kind == "unknown":
        return f"unknown ({c.why})"
    if c.kind == "choice":
        return c.why
    words = f"support {' + '.join(c.support)}"
    if c.population:
        words += f", out of {c.population}" + (" (a tally)" if c.pop_kind == "tally" else "")
    if c.against:
        words += f"; against it: {', '.join(c.against)}"
    return words + (f"; {c.why}" if c.why else "")


def _paren(t: str) -> str:
    """`t` as an operand of `/`: a call or a name as it is, anything else in parentheses."""
    depth, top = 0, False
    for ch in t:
        depth += ch == "("
        depth -= ch == ")"
        top = top or (depth == 0 and ch == " ")
    return f"({t})" if top else t


def _rows_text(r: ThresholdReport, t) -> list[str]:
    var_pop = t.pop_kind in ("weight", "tally")
    sup = t.support_name or t.support or "?"
    pop_name = t.population_name or t.population or "N"
    if var_pop:
        headers = [t.size or "N", f"smallest passing {_paren(sup)} / {_paren(pop_name)}", "%"]
    else:
        headers = [t.population or "N", f"smallest passing {sup}", "share", "%"]
    has_meant = r.meant is not None
    if has_meant:
        headers.append("rule vs meant")
    empty = var_pop and any(row.empty for row in t.rows)
    if empty:
        headers.append(f"with {pop_name} = 0")
    if not var_pop:
        headers.append("fewest shared")
    headers.append("smallest passing configuration")
    rows = []
    for row in t.rows:
        n = str(row.n) + (f" ({row.params})" if row.params else "")
        if row.unknown:
            cells = [n, "unknown", "-"] + ([] if var_pop else ["-"])
        elif row.support is None:
            cells = [n, "never passes", "-"] + ([] if var_pop else ["-"])
        elif var_pop:
            frac, pct = fraction_text(row.support, row.pop)
            cells = [n, frac, pct]
        else:
            frac, pct = fraction_text(row.support, row.pop) if row.pop is not None else ("-", "-")
            cells = [n, str(row.support), frac, pct]
        if has_meant:
            diff = []
            if row.passes_not_meant:
                diff.append("passes, not meant")
            if row.meant_not_passes:
                diff.append("meant, does not pass")
            cells.append(", ".join(diff) or "same")
        if empty:
            cells.append("passes" if row.empty else "unknown" if row.unknown else "-")
        if not var_pop:
            if row.overlap is None:
                cells.append("-")
            else:
                cells.append(f"{row.overlap}" + (" < " if row.overlap < row.k else " >= ") + str(row.k))
        cells.append(row.witness or "-")
        rows.append(cells)
    out = _table(headers, rows)
    for row in t.rows:
        if row.unknown:
            out.append(f"    unknown at {t.size or 'N'} = {row.n}: {row.unknown}")
    return out


def theta_text(t: ThetaResult | None) -> list[str]:
    if t is None:
        return []
    if t.constant is None:
        return [f"  constant: {t.unknown}"]
    how = f"explicit engine, {t.runs} exhaustive runs" + (f"; {t.scope}" if t.scope else "")
    if t.per_size:
        how += "; then a proof for every size where the property is monotone in θ"
    out = [f"  constant θ = {t.constant}: where each property holds, exactly ({how})"]
    if t.note:
        out.append(f"    note: {t.note}")
    if t.unknown:
        out.append(f"    unknown: {t.unknown}")
        return out
    if not t.properties:
        return out + ["    (the model has no invariant or property to check)"]
    labelled = any(g.label for p in t.properties for g in p.groups)
    rows: list[list[str]] = []
    whys: dict[str, list[tuple[str, str]]] = {}  # how each every-size scope was reached -> (property, params)
    for p in t.properties:
        for g in p.groups:
            rows.append(_theta_row(p.name, g.label, g.holds, g.reason, g.scope, t, labelled))
            if g.why:
                whys.setdefault(g.why, []).append((p.name, g.label))
    if len(t.properties) > 1:  # every property at once, per label
        for label in dict.fromkeys(g.label for p in t.properties for g in p.groups):
            gs = [g for p in t.properties for g in p.groups if g.label == label]
            if any(g.holds is None for g in gs):
                continue
            both = gs[0].holds
            for g in gs[1:]:
                both = intersect(both, g.holds)
            scope = next((g.scope for g in gs if g.scope and g.scope.endswith("only")), gs[0].scope)
            if both == []:  # one property with no θ at any size makes the whole empty at every size
                scope = next((g.scope for g in gs if g.holds == [] and not g.scope.endswith("only")), scope)
            rows.append(_theta_row("(all of them)", label, both, "", scope, t, labelled))
    headers = ["property"] + (["params"] if labelled else []) + ["holds for θ in"] + (["for"] if t.per_size else []) \
        + [f"at θ = {t.constant.split()[0]}"]
    labels = {p.name: {g.label for g in p.groups} for p in t.properties}
    notes = []
    for why, pairs in whys.items():
        names = []
        for name in dict.fromkeys(n for n, _ in pairs):  # a property named alone when the reason is for all its params
            mine = [label for n, label in pairs if n == name]
            names += [name] if set(mine) == labels[name] else [f"{name} ({label})" for label in mine]
        notes.append(f"    {', '.join(names)}: {why}")
    return out + _table(headers, rows) + notes


def _theta_row(name, label, holds, reason, scope, t: ThetaResult, labelled: bool) -> list[str]:
    if holds is None:
        rng, now = f"unknown ({reason})", "?"
    else:
        rng, now = set_str(holds), ("yes" if contains(holds, t.value) else "no")
    return [name] + ([label] if labelled else []) + [rng] + ([scope or "-"] if t.per_size else []) + [now]


# ---------------------------------------------------------------- JSON


def _verdict_json(v: Verdict | None) -> dict | None:
    if v is None:
        return None
    return {"status": v.status, "scope": v.scope, "detail": v.detail, "smallest_n": v.smallest, "witness": v.witness or None}


def to_json(model: I.Model, reports: list[ThresholdReport], code: int) -> dict:
    out = []
    for r in reports:
        variants = []
        for v in r.variants:
            rows = _rows_json(v.rows)
            tables = [{"support": t.support, "support_name": t.support_name, "population": t.population,
                       "population_name": t.population_name, "population_kind": t.pop_kind or None, "rows_by": t.size or None,
                       "source": _SOURCES[t.source],
                       "rows": _rows_json(t.rows)} for t in v.tables]
            variants.append({"params": v.label or None, "note": v.note or None, "rows": rows, "tables": tables,
                             "meant_equivalence": _verdict_json(v.equivalence),
                             "quorum_intersection": _verdict_json(v.quorum),
                             "passes_not_meant": [x.n for x in v.rows if x.passes_not_meant],
                             "meant_not_passes": [x.n for x in v.rows if x.meant_not_passes]})
        t = r.theta
        theta = None
        if t is not None:
            theta = {"constant": None if t.value is None else f"{t.value.numerator}/{t.value.denominator}",
                     "scope": t.scope or None, "runs": t.runs, "unknown": t.unknown or None, "note": t.note or None,
                     "properties": [{"name": p.name, "ranges": [
                         {"params": g.label or None, "holds_for": None if g.holds is None else set_str(g.holds),
                          "intervals": None if g.holds is None else [_interval_json(i) for i in g.holds],
                          "holds_at_current_value": None if g.holds is None else contains(g.holds, t.value),
                          "unknown": g.reason or None, "for": g.scope or t.scope or None,
                          "every_size": None if not t.per_size else (bool(g.scope) and not g.scope.endswith("only")),
                          "how": g.why or None} for g in p.groups]} for p in t.properties]}
        out.append({"name": r.name, "params": r.params or None, "rule": r.rule, "where": dict(r.where), "exact": r.exact,
                    "meant": r.meant, "support": r.support, "support_name": support_name(r) if r.support else None,
                    "population": r.population, "need_shared": r.k_text, "note": r.note or None,
                    "population_name": r.population_name, "population_kind": r.population_kind or None,
                    "anatomy_source": _SOURCES[r.source],
                    "clauses": [{"clause": c.text, "kind": c.kind, "support": c.support, "against": c.against,
                                 "population": c.population or None, "population_kind": c.pop_kind or None,
                                 "op": c.op or None, "bar": c.bar or None, "note": c.why or None} for c in r.clauses],
                    "variants": variants, "theta": theta})
    return {"forkproof": VERSION, "schema": 1, "exit_code": code, "file": model.path, "model": model.name,
            "thresholds": out, "errors": []}


_SOURCES = {"rule": "inferred from the rule", "meant": "inferred from the meant bound", "stated": "stated"}


def _rows_json(rows) -> list[dict]:
    out = []
    for row in rows:
        frac = fraction_text(row.support, row.pop) if row.support is not None and row.pop else (None, None)
        item = {"n": row.n, "params": row.params or None, "min_support": row.support, "population": row.pop,
                "fraction": frac[0], "percent": frac[1], "passes_not_meant": row.passes_not_meant,
                "meant_not_passes": row.meant_not_passes, "fewest_shared": row.overlap, "need_shared": row.k,
                "witness": row.witness or None}
        if row.unknown:
            item["unknown"] = row.unknown
        if row.empty is not None:  # a population that varies (a total weight, a tally)
            item["passes_with_empty_population"] = row.empty
        out.append(item)
    return out


def _interval_json(i) -> dict:
    def q(f):
        return None if f is None else (str(f.numerator) if f.denominator == 1 else f"{f.numerator}/{f.denominator}")

    return {"lo": q(i.lo), "lo_closed": i.lo_closed, "hi": q(i.hi), "hi_closed": i.hi_closed}


WIDTH, MAX_WIDTH = 100, 160  # a line over MAX_WIDTH columns wraps at WIDTH (tables stay whole below it)


def _wrap(line: str) -> list[str]:
    """A line as it is up to MAX_WIDTH columns, else wrapped at word boundaries, the
    continuation lines indented four more than the line (issue 13: no text report line
    exceeds 160 columns)."""
    if len(line) <= MAX_WIDTH:
        return [line]
    lead = line[: len(line) - len(line.lstrip(" "))]
    return textwrap.wrap(line.lstrip(" "), width=WIDTH, initial_indent=lead, subsequent_indent=lead + "    ",
                         break_long_words=False, break_on_hyphens=False) or [line]
