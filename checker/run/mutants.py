"""`forkproof mutate`, the part without engines: the mutants of a model's text, and the types
of a mutation run's results (solver-free, so that forkproof.output.mutate reads them without
z3).  Running the mutants: forkproof.run.mutate.  docs/mutation.md is the reference.

NOTE(mutation-sites): a mutant is the model's own text with one span replaced, so that what
is checked is what the diff shows.  Only the model's code is mutated: the bodies of the defs
and thresholds that an action or a clock reads (directly or through other defs), and the
actions' guards and bodies (clocks' conditions and bodies too).  Never the invariants,
properties, fairness, assumptions, params, types, initial values or `meant` clauses: those
are the tests and the environment.  A def that an invariant, property or fairness condition
reads as well is mutated for both (one text): `Mutant.read_by` names those readers, and the
report says so, since such a reader cannot tell the mutant apart.  Files the model imports
are not mutated.  The operators (OPERATORS):
  - comparison: `>` <-> `>=`, `<` <-> `<=`;
  - fraction: in `a / b` and `a div b`, an integer literal operand one more or one less (a
    denominator never 0), and a percentage one point more or less (`80%` -> `79%`, `81%`);
  - and-or: `and` <-> `or` (the text's own precedence then applies, as it would to the typo);
  - drop-conjunct: one conjunct of an action's `when` guard deleted (with its `and`); a
    guard of one conjunct becomes `true`;
  - drop-reset: an assignment that sets a variable to the very expression it is initialised
    with (`expired = false`, `blocks[y] = 0`) deleted; a `for` whose body is only resets
    is one reset;
  - integer-division: `/` (exact) replaced by `div` (floor division).
Mutants are numbered M1, M2, ... in the order of their sites in the file; two that give the
same text are one.
"""
from __future__ import annotations

import difflib
import re
from bisect import bisect_right
from dataclasses import dataclass
from fractions import Fraction

from forkproof.semantics.verdict import ExitCode
from forkproof.spec import ast as A
from forkproof.spec.errors import Span
from forkproof.spec.parser import parse

# operator -> what it does (docs/mutation.md), in the order a site's mutants are numbered
OPERATORS = {
    "comparison": "a comparison's strictness flipped: `>` <-> `>=`, `<` <-> `<=`",
    "fraction": "a fraction's numerator or denominator off by one (`2/3`, `N div 3`), a percentage off by one point",
    "and-or": "`and` <-> `or`",
    "integer-division": "exact division `/` replaced by floor division `div`",
    "drop-conjunct": "one conjunct of an action's `when` guard dropped (a guard of one conjunct becomes `true`)",
    "drop-reset": "an assignment that resets a variable to its initial value dropped",
}
_FLIP = {">": ">=", ">=": ">", "<": "<=", "<=": "<"}
_CMP = re.compile(r"==|!=|<=|>=|<|>")
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)


@dataclass(frozen=True)
class Mutant:
    id: str  # "M1", in the order of the sites in the file
    operator: str  # a key of OPERATORS
    description: str  # "`>` -> `>=`", "drop `not expired`"
    decl: str  # where it is: "threshold passes", "action propose"
    span: Span  # the site people are shown: the operator, the literal, the conjunct or statement dropped
    start: int  # the text replaced: source[start:end] -> replacement
    end: int
    replacement: str
    read_by: tuple[str, ...] = ()  # NOTE(mutation-sites): invariants, properties, fairness reading the mutated def

    def apply(self, source: str) -> str:
        return source[:self.start] + self.replacement + source[self.end:]

    def diff(self, source: str, path: str) -> str:
        """A unified diff of the model's text, one line of context."""
        lines = difflib.unified_diff(source.splitlines(), self.apply(source).splitlines(), fromfile=path,
                                     tofile=f"{path} ({self.id})", n=1, lineterm="")
        return "\n".join(lines)


# ---------------------------------------------------------------- results (forkproof.run.mutate)

STATUSES = ("killed", "survived", "equivalent", "unknown", "invalid")


@dataclass(frozen=True)
class MutantResult:
    mutant: Mutant
    status: str  # one of STATUSES
    killed_by: tuple[str, ...] = ()  # killed: the properties newly violated, at `scope`
    scope: str = ""  # killed: the instance that kills it; otherwise the instances checked (equivalent: shown for)
    reason: str | None = None  # invalid: the diagnostic; unknown: what ran out; survived: why not equivalent
    diff: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class MutationReport:
    path: str
    model: str
    engine: str
    scope: str  # the instances every mutant is checked on: "N = 1..4, RULE = Code, Intended"
    instances: int
    baseline: tuple[tuple[str, str, str], ...]  # (property, scope, "violated"|"unknown") on the original: cannot kill
    results: tuple[MutantResult, ...]
    generated: int  # mutants generated, before --max-mutants
    seconds: float
    budget: str  # "explicit 600s per instance (default), 60s per mutant"
    notes: tuple[str, ...] = ()
    interrupted: bool = False  # Ctrl-C: some mutants, or instances of the original, were not checked
    every_size: bool = False  # --every-size: each mutant checked as `check` does (NOTE(mutate-sizes))

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    def score(self) -> Fraction | None:
        """killed / (killed + survived + unknown); None when that is 0 / 0."""
        k, s, u = self.count("killed"), self.count("survived"), self.count("unknown")
        return Fraction(k, k + s + u) if k + s + u else None

    def formula(self) -> str:
        k, s, u = self.count("killed"), self.count("survived"), self.count("unknown")
        value = self.score()
        shown = "undefined (no mutant counts)" if value is None else f"{float(value) * 100:.1f}%"
        return f"score = killed / (killed + survived + unknown) = {k} / ({k} + {s} + {u}) = {shown}"


def exit_code(report: MutationReport, min_score: float | None = None) -> ExitCode:
    """NOTE(mutate-exit): 0 every mutant was checked (and, with --min-score, the score is at
    least that many percent); 1 the score is below --min-score; 3 the run was interrupted, or
    --min-score was given and no mutant counts (every one equivalent or invalid).  A score,
    however low, is not a failure without --min-score: survivors are findings, not errors.
    2 (a bad model or command line) is decided by the command before any mutant runs."""
    if report.interrupted:
        return ExitCode.INCONCLUSIVE
    if min_score is None:
        return ExitCode.OK
    value = report.score()
    if value is None:
        return ExitCode.INCONCLUSIVE
    return ExitCode.OK if value * 100 >= Fraction(str(min_score)) else ExitCode.VIOLATED


# ---------------------------------------------------------------- generation


class _Text:
    """The source with line offsets, spans <-> offsets."""

    def __init__(self, source: str):
        self.src = source
        self.starts = [0]
        for i, ch in enumerate(source):
            if ch == "\n":
                self.starts.append(i + 1)

    def off(self, line: int, col: int) -> int:
        return self.starts[line - 1] + col - 1

    def span(self, start: int, end: int) -> Span:
        def pos(o: int) -> tuple[int, int]:
            line = bisect_right(self.starts, o) - 1
            return line + 1, o - self.starts[line] + 1
        (l1, c1), (l2, c2) = pos(start), pos(end)
        return Span(l1, c1, l2, c2)

    def extent(self, e: object) -> tuple[int, int]:
        """An expression's offsets, widened over the parentheses around it."""
        sp = getattr(e, "span")
        s, t = self.off(sp.line, sp.col), self.off(sp.end_line, sp.end_col)
        while True:
            i, j = s - 1, t
            while i >= 0 and self.src[i].isspace():
                i -= 1
            while j < len(self.src) and self.src[j].isspace():
                j += 1
            if i >= 0 and j < len(self.src) and self.src[i] == "(" and self.src[j] == ")":
                s, t = i, j + 1
            else:
                return s, t

    def plain(self, e: object) -> str:
        s, t = self.extent(e)
        return _short(self.src[s:t])

    def token(self, left: object, right: object, pattern: re.Pattern[str]) -> tuple[int, int, str] | None:
        """The operator between two operands: its offsets and text (comments blanked out)."""
        s, t = self.extent(left)[1], self.extent(right)[0]
        gap = _COMMENT.sub(lambda m: " " * len(m.group()), self.src[s:t])
        m = pattern.search(gap)
        return (s + m.start(), s + m.end(), m.group()) if m else None


def _short(text: str, width: int = 48) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


class _Sites:
    def __init__(self, source: str):
        self.t = _Text(source)
        self.found: list[tuple[int, int, str, str, str, Span, int, int, str, tuple[str, ...]]] = []
        self.decl = ""
        self.read_by: tuple[str, ...] = ()

    def add(self, operator: str, description: str, site: tuple[int, int], start: int, end: int, replacement: str):
        order = list(OPERATORS).index(operator)
        self.found.append((site[0], order, operator, description, self.decl, self.t.span(*site), start, end,
                           replacement, self.read_by))

    # -- expressions
    def expr(self, e: object) -> None:
        if isinstance(e, A.BinaryE):
            self.binary(e)
        elif isinstance(e, A.NumLit) and e.text.endswith("%") and e.span is not None:
            self.percent(e)
        for child in _children(e):
            self.expr(child)

    def binary(self, e: A.BinaryE) -> None:
        t = self.t
        if e.op in _FLIP:
            tok = t.token(e.left, e.right, _CMP)
            if tok and tok[2] == e.op:
                self.add("comparison", f"`{e.op}` -> `{_FLIP[e.op]}`", tok[:2], tok[0], tok[1], _FLIP[e.op])
        elif e.op in ("and", "or"):
            tok = t.token(e.left, e.right, re.compile(rf"\b{e.op}\b"))
            other = "or" if e.op == "and" else "and"
            if tok:
                self.add("and-or", f"`{e.op}` -> `{other}`", tok[:2], tok[0], tok[1], other)
        elif e.op in ("/", "div"):
            tok = t.token(e.left, e.right, re.compile(r"/" if e.op == "/" else r"\bdiv\b"))
            if tok is None:
                return
            whole = (t.extent(e.left)[0], t.extent(e.right)[1])
            for side, operand in (("numerator", e.left), ("denominator", e.right)):
                if not (isinstance(operand, A.NumLit) and isinstance(operand.value, int) and operand.text.isdigit()
                        and operand.span is not None):
                    continue
                s, u = t.off(operand.span.line, operand.span.col), t.off(operand.span.end_line, operand.span.end_col)
                for delta in (-1, 1):
                    new = operand.value + delta
                    if new < 0 or (side == "denominator" and new == 0):
                        continue
                    before = t.src[whole[0]:whole[1]]
                    after = t.src[whole[0]:s] + str(new) + t.src[u:whole[1]]
                    self.add("fraction", f"`{_short(before)}` -> `{_short(after)}`", (s, u), s, u, str(new))
            if e.op == "/":
                s, u = tok[0], tok[1]
                pad_l = "" if t.src[s - 1].isspace() else " "
                pad_r = "" if u < len(t.src) and t.src[u].isspace() else " "
                new = pad_l + "div" + pad_r
                before = t.src[whole[0]:whole[1]]
                after = t.src[whole[0]:s] + new + t.src[u:whole[1]]
                self.add("integer-division", f"`{_short(before)}` -> `{_short(after)}`", (s, u), s, u, new)

    def percent(self, e: A.NumLit) -> None:
        m = re.fullmatch(r"(\d+)(\.\d+)?%", e.text)
        if m is None or e.span is None:
            return
        s, u = self.t.off(e.span.line, e.span.col), self.t.off(e.span.end_line, e.span.end_col)
        for delta in (-1, 1):
            whole = int(m.group(1)) + delta
            if whole < 0:
                continue
            new = f"{whole}{m.group(2) or ''}%"
            self.add("fraction", f"`{e.text}` -> `{new}`", (s, u), s, u, new)

    # -- guards and statements
    def guard(self, g: A.ExprE) -> None:
        t = self.t
        parts = list(_conjuncts(g, None))
        if len(parts) == 1:
            s, u = t.extent(g)
            self.add("drop-conjunct", f"drop the guard `{t.plain(g)}`", (s, u), s, u, "true")
            return
        for c, parent in parts:
            assert parent is not None
            site = t.extent(c)
            if c is parent.left:
                s, u = site[0], t.extent(parent.right)[0]
            else:
                s, u = t.extent(parent.left)[1], site[1]
            self.add("drop-conjunct", f"drop `{t.plain(c)}`", site, s, u, "")

    def stmts(self, body: tuple[A.StmtS, ...], inits: _Inits) -> None:
        for st in body:
            if _is_reset(st, inits) and st.span is not None:
                self.drop_statement(st)
            if isinstance(st, A.AssignS):
                for e in _target_keys(st.target):
                    self.expr(e)
                self.expr(st.value)
            elif isinstance(st, A.IfS):
                self.expr(st.cond)
                self.stmts(st.then, inits)
                self.stmts(st.else_, inits)
            elif isinstance(st, A.ForS) and not _is_reset(st, inits):
                self.stmts(st.body, inits)

    def drop_statement(self, st: A.StmtS) -> None:
        t, sp = self.t, st.span
        assert sp is not None
        s, u = t.off(sp.line, sp.col), t.off(sp.end_line, sp.end_col)
        line_start = t.src.rfind("\n", 0, s) + 1
        line_end = t.src.find("\n", u)
        line_end = len(t.src) if line_end < 0 else line_end
        rest = t.src[u:line_end].strip()
        if t.src[line_start:s].strip() == "" and (rest == "" or rest.startswith("//")):
            a, b = line_start, min(line_end + 1, len(t.src))  # the whole line
        else:
            a, b = s, u
        self.add("drop-reset", f"drop `{_short(t.src[s:u])}`", (s, u), a, b, "")


def _children(e: object) -> list[object]:
    """The subexpressions a mutation may touch (a quantifier's domain, a type, is not one)."""
    if isinstance(e, A.BinaryE):
        return [e.left, e.right]
    if isinstance(e, A.UnaryE):
        return [e.arg]
    if isinstance(e, A.IteE):
        return [e.cond, e.then, e.else_]
    if isinstance(e, A.QuantE):
        return [x for x in (e.cond, e.body) if x is not None]
    if isinstance(e, A.SetCompE):
        return [e.cond]
    if isinstance(e, (A.FieldE, A.PrimeE)):
        return [e.base]
    if isinstance(e, A.IndexE):
        return [e.base, e.key]
    if isinstance(e, A.CallE):
        return list(e.args)
    if isinstance(e, A.SetE):
        return list(e.elems)
    if isinstance(e, A.RecordE):
        return [x for _, x, _ in e.fields]
    return []


def _names(e: object) -> set[str]:
    """Every name an expression (or statement) reads, calls included."""
    out: set[str] = set()
    stack = [e]
    while stack:
        x = stack.pop()
        if isinstance(x, A.Name):
            out.add(x.id)
        elif isinstance(x, A.CallE):
            out.add(x.name)
        if isinstance(x, A.AssignS):
            stack += [x.target, x.value]
        elif isinstance(x, A.IfS):
            stack += [x.cond, *x.then, *x.else_]
        elif isinstance(x, A.ForS):
            stack += [x.domain, *x.body]
        elif isinstance(x, A.QuantE):
            stack += [x.domain, *_children(x)]
        else:
            stack += _children(x)
    return out


def _conjuncts(e: A.ExprE, parent: A.BinaryE | None):
    if isinstance(e, A.BinaryE) and e.op == "and":
        yield from _conjuncts(e.left, e)
        yield from _conjuncts(e.right, e)
    else:
        yield e, parent


def _target_keys(target: A.ExprE) -> list[A.ExprE]:
    out = []
    while isinstance(target, (A.IndexE, A.FieldE)):
        if isinstance(target, A.IndexE):
            out.append(target.key)
        target = target.base
    return out[::-1]


class _Inits:
    """Each variable's initial expression, to tell a reset: globals (clocks too) by name,
    family locals by name (when every family that has one agrees)."""

    def __init__(self, decls: tuple[A.DeclD, ...]):
        self.globals: dict[str, A.ExprE | None] = {}
        self.locals: dict[str, list[A.ExprE | None]] = {}
        for d in decls:
            if isinstance(d, A.VarD):
                self.globals[d.name] = d.init if d.init_kind == "expr" else None
            elif isinstance(d, A.ClockD):
                self.globals[d.var.name] = d.var.init
            elif isinstance(d, A.ProcessD):
                for v in d.vars:
                    self.locals.setdefault(v.name, []).append(v.init if v.init_kind == "expr" else None)

    def of(self, target: A.ExprE) -> A.ExprE | None:
        if isinstance(target, A.Name):
            return self.globals.get(target.id)
        if isinstance(target, A.IndexE):
            return self.of(target.base)  # a map's initial value is every key's
        if isinstance(target, A.FieldE):
            base = self.of(target.base) if not (isinstance(target.base, A.Name)
                                                and target.base.id not in self.globals) else None
            if isinstance(base, A.RecordE):
                return next((x for n, x, _ in base.fields if n == target.name), None)
            if isinstance(target.base, A.Name) and target.base.id not in self.globals:
                inits = self.locals.get(target.name, [])
                if inits and all(i is not None and i == inits[0] for i in inits):
                    return inits[0]
        return None


def _is_reset(st: A.StmtS, inits: _Inits) -> bool:
    if isinstance(st, A.AssignS):
        init = inits.of(st.target)
        return init is not None and st.value == init
    if isinstance(st, A.ForS):
        return bool(st.body) and all(_is_reset(x, inits) for x in st.body)
    return False


def _reached_defs(defs: dict[str, A.DefD], roots: list[object]) -> set[str]:
    seen: set[str] = set()
    todo = [n for r in roots for n in _names(r) if n in defs]
    while todo:
        n = todo.pop()
        if n in seen:
            continue
        seen.add(n)
        todo += [m for m in _names(defs[n].body) if m in defs and m not in seen]
    return seen


def mutants(source: str) -> list[Mutant]:
    """Every mutant of the model `source` (NOTE(mutation-sites)); ModelError if it does not parse."""
    tree = parse(source)
    sites = _Sites(source)
    inits = _Inits(tree.decls)
    defs = {d.name: d for d in tree.decls if isinstance(d, A.DefD)}
    code: list[object] = []
    for d in tree.decls:
        if isinstance(d, A.ActionD):
            code += [x for x in (d.guard, *d.body) if x is not None]
        elif isinstance(d, A.ClockD):
            code += [x for x in (d.when, *d.body) if x is not None]
    reached = _reached_defs(defs, code)
    readers: dict[str, list[str]] = {}
    for d in tree.decls:
        if isinstance(d, (A.InvariantD, A.PropertyD)) or (isinstance(d, A.FairD) and d.when is not None):
            what = (f"invariant {d.name}" if isinstance(d, A.InvariantD) else f"property {d.name}"
                    if isinstance(d, A.PropertyD) else f"fair action {d.action}")
            for n in _reached_defs(defs, [d.expr if not isinstance(d, A.FairD) else d.when]):
                readers.setdefault(n, []).append(what)
    for d in tree.decls:
        if isinstance(d, A.DefD) and d.name in reached:
            sites.decl = f"{'threshold' if d.is_threshold else 'def'} {d.name}"
            sites.read_by = tuple(readers.get(d.name, ()))
            sites.expr(d.body)
        elif isinstance(d, A.ActionD):
            sites.decl, sites.read_by = f"action {d.name}", ()
            if d.guard is not None:
                sites.expr(d.guard)
                sites.guard(d.guard)
            sites.stmts(d.body, inits)
        elif isinstance(d, A.ClockD):
            sites.decl, sites.read_by = f"clock {d.var.name}", ()
            if d.when is not None:
                sites.expr(d.when)
            sites.stmts(d.body, inits)
    out: list[Mutant] = []
    texts: set[str] = set()
    for site, _, op, description, decl, span, s, u, rep, read_by in sorted(sites.found, key=lambda f: f[:2]):
        m = Mutant("", op, description, decl, span, s, u, rep, read_by)
        text = m.apply(source)
        if text in texts or text == source:
            continue
        texts.add(text)
        out.append(Mutant(f"M{len(out) + 1}", op, description, decl, span, s, u, rep, read_by))
    return out
