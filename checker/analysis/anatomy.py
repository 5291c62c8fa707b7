"""A threshold's anatomy: what it counts (the support), what that is a share of (the
population), the comparison and the bar, inferred from the rule's structure.

NOTE(anatomy): a rule is split into clauses (the conjuncts of its top-level `and`; an `if`
whose condition reads only params is decided first: `fold`, once per param value).  Each
comparison clause is normalised to `big op small` (op `>` or `>=`; `a < b` is `b > a`), and
its two sides are walked as sums of terms with a sign and, where the factors are constants,
a coefficient.  The terms that depend on the configuration are the **atoms**: a `count` or
`sum` over a process family, or a global variable (`blocks[x]`).  Then:
  - an atom in a divisor (`aye / tally`, `perbill(ayes, ayes + nays)`) is the population:
    the divisor as a whole;
  - else, on the small side, a sum of several atoms scaled by the bar
    (`(yes + no) * 2`, `67% * drep_active`) is the population (a tally), when it holds the
    support;
  - else an atom over a whole family without a filter (`sum(v in V: v.power)`) is the
    population (the total weight);
  - else the population is the family's member count (a count), the total of the same weight
    over the whole family (a sum), or the variable's upper bound (a bounded counter);
  - the support is the filtered atoms whose net coefficient outside the population is
    positive: the rule's truth grows with them.  A guard such as `if tally == 0 then ..`
    is not a term.
Clauses are grouped by body (the family their support ranges over).  In a body, an atom
that is positive in every clause that measures it and negative in none is the support of
the whole body (0L's `yes > no and yes + no >= T`: `yes`); otherwise each clause is its own
measure.  Never the order of terms: `no < yes` and `yes > no` give the same anatomy.  What
cannot be read this way (an equality, a product of two atoms, `mod`, a quantifier) is said,
with the clause, and no support is guessed for it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

from forkproof.analysis.encode import Unsupported, children, preorder
from forkproof.spec import ir as I
from forkproof.spec.ir import expr_str

_FLIP = {I.BinOp.LT: I.BinOp.GT, I.BinOp.LE: I.BinOp.GE, I.BinOp.GT: I.BinOp.LT, I.BinOp.GE: I.BinOp.LE}
_NEGATE = {I.BinOp.LT: I.BinOp.GE, I.BinOp.LE: I.BinOp.GT, I.BinOp.GT: I.BinOp.LE, I.BinOp.GE: I.BinOp.LT}
_OPS = {I.BinOp.GT: ">", I.BinOp.GE: ">="}


# ---------------------------------------------------------------- atoms


def is_config(e: I.Expr) -> bool:
    """Does `e` read the configuration (state variables, counts and sums)?"""
    return any(isinstance(n, (I.VarRef, I.LocalRef)) or (isinstance(n, I.Quant) and isinstance(n.domain, I.ProcType))
               for n in preorder(e))


def atom_kind(e: I.Expr) -> str | None:
    """"count", "sum" or "counter" (a global number: `produced`, `blocks[x]`) for an atom,
    None for anything else."""
    if isinstance(e, I.Quant) and isinstance(e.domain, I.ProcType) and e.kind in (I.QuantKind.COUNT, I.QuantKind.SUM):
        return e.kind.value
    if isinstance(e, I.VarRef) and not e.primed and isinstance(e.ty, (I.IntType, I.RatType)):
        return "counter"
    if isinstance(e, I.Index) and isinstance(e.ty, (I.IntType, I.RatType)) and not any(
            isinstance(n, I.LocalRef) for n in preorder(e)):
        return "counter"
    return None


def is_whole(e: I.Expr) -> bool:
    """A count or sum over every copy of its family (no filter)."""
    return isinstance(e, I.Quant) and (e.cond is None or (isinstance(e.cond, I.Lit) and e.cond.value is True))


def family_of(e: I.Expr) -> str | None:
    return e.domain.family if isinstance(e, I.Quant) and isinstance(e.domain, I.ProcType) else None


def total_of(support: I.Expr) -> I.Expr:
    """The same count or sum over the whole family: the population of a weighted support."""
    assert isinstance(support, I.Quant)
    return I.Quant(support.kind, support.binder, support.domain, None, support.body, support.ty, support.span)


# ---------------------------------------------------------------- folding


def fold(e: I.Expr, value) -> I.Expr:
    """`e` with every `if` whose condition `value` can decide (params and literals only)
    replaced by its branch.  `value(expr)` gives a Python value or raises Unsupported."""
    if isinstance(e, I.Ite) and not is_config(e.cond):
        try:
            c = value(e.cond)
        except Unsupported:
            c = None
        if c is True or c is False:
            return fold(e.then if c else e.else_, value)
    match e:
        case I.Unary():
            return I.Unary(e.op, fold(e.arg, value), e.ty, e.span)
        case I.Binary():
            left, right = fold(e.left, value), fold(e.right, value)
            if e.op in (I.BinOp.ADD, I.BinOp.SUB) and _zero(right):
                return left  # `x + 0` left by a decided `if k == HardFork then 0 else ..`
            if e.op is I.BinOp.ADD and _zero(left):
                return right
            return I.Binary(e.op, left, right, e.ty, e.span)
        case I.Ite():
            return I.Ite(fold(e.cond, value), fold(e.then, value), fold(e.else_, value), e.ty, e.span)
    return e


def _zero(e: I.Expr) -> bool:
    return isinstance(e, I.Lit) and not isinstance(e.value, bool) and e.value == 0


# ---------------------------------------------------------------- walking one side


@dataclass
class _Term:
    atom: I.Expr
    sign: int  # +1: the rule's truth grows with it, -1: shrinks
    mag: Fraction | None  # |coefficient| when known
    groups: tuple[int, ...]  # the population candidates (indices into _Walk.groups) it is inside


@dataclass
class _Walk:
    value: object  # constant evaluator
    terms: list[_Term] = field(default_factory=list)
    divisors: list[I.Expr] = field(default_factory=list)
    groups: list[I.Expr] = field(default_factory=list)  # sums of atoms on the small side
    scaled: list[bool] = field(default_factory=list)  # ... multiplied or divided by a bar
    trouble: list[str] = field(default_factory=list)

    def coef(self, e: I.Expr) -> Fraction | None:
        try:
            v = self.value(e)
        except Unsupported:
            return None
        if isinstance(v, bool) or not isinstance(v, (int, Fraction)):
            return None
        return Fraction(v)

    def side(self, e: I.Expr, sign: int, mag: Fraction | None, groups: tuple[int, ...] = ()) -> None:
        if not is_config(e):
            return
        if atom_kind(e) is not None:
            self.terms.append(_Term(e, sign, mag, groups))
            return
        match e:
            case I.Binary(op=I.BinOp.ADD | I.BinOp.SUB):
                if sign < 0 and _tally_like(e) and not groups:
                    self.groups.append(e)
                    self.scaled.append(False)
                    groups = groups + (len(self.groups) - 1,)
                self.side(e.left, sign, mag, groups)
                self.side(e.right, -sign if e.op is I.BinOp.SUB else sign, mag, groups)
            case I.Unary(op=I.UnOp.NEG):
                self.side(e.arg, -sign, mag, groups)
            case I.Binary(op=I.BinOp.MUL):
                if is_config(e.left) and is_config(e.right):
                    self.trouble.append(f"'{expr_str(e)}' multiplies two measured terms")
                    return
                k, x = (e.left, e.right) if not is_config(e.left) else (e.right, e.left)
                self._scaled(x, k, sign, mag, groups, divide=False)
            case I.Binary(op=I.BinOp.DIV | I.BinOp.FLOORDIV):
                if is_config(e.right):
                    self.divisors.append(e.right)
                    self.side(e.left, sign, None, groups)
                else:
                    self._scaled(e.left, e.right, sign, mag, groups, divide=True)
            case I.Ite():
                # a guard (`if tally == 0 then 1 else aye / tally`) or a choice over params:
                # the value is one of the branches, each read with the same sign
                self.side(e.then, sign, mag, groups)
                self.side(e.else_, sign, mag, groups)
            case _:
                self.trouble.append(f"'{expr_str(e)}' is not a sum of counts, sums and constants")

    def _scaled(self, x: I.Expr, k: I.Expr, sign: int, mag, groups, divide: bool) -> None:
        c = self.coef(k)
        if c is not None and c < 0:
            sign = -sign
        if c == 0:
            return
        if mag is not None and c is not None:
            mag = mag / abs(c) if divide else mag * abs(c)
        else:
            mag = None  # a param factor: taken as positive (bars, sizes and curves are)
        if sign < 0 and isinstance(x, I.Binary) and x.op in (I.BinOp.ADD, I.BinOp.SUB) and not groups and _tally_like(x):
            self.groups.append(x)
            self.scaled.append(True)
            groups = groups + (len(self.groups) - 1,)
            self.side(x.left, sign, mag, groups)
            self.side(x.right, -sign if x.op is I.BinOp.SUB else sign, mag, groups)
            return
        self.side(x, sign, mag, groups)


def _tally_like(e: I.Expr) -> bool:
    """A sum of at least two different atoms, one of them filtered (`yes + no`,
    `power - abstain`), not an expression of one total (`2 * total div 3 + 1`)."""
    atoms = {expr_str(n): n for n in preorder(e) if atom_kind(n) is not None}
    return len(atoms) >= 2 and any(not is_whole(a) for a in atoms.values())


# ---------------------------------------------------------------- clauses


@dataclass
class Clause:
    expr: I.Expr
    kind: str  # "measure" | "condition" (reads no count or sum) | "unknown"
    op: str = ""  # ">" or ">=": support side op bar side
    big: I.Expr | None = None
    small: I.Expr | None = None
    support: list[I.Expr] = field(default_factory=list)  # the atoms the truth grows with
    against: list[I.Expr] = field(default_factory=list)  # the atoms it shrinks with
    population: I.Expr | None = None  # None: the default of the support's kind
    pop_kind: str = ""  # "divisor" | "tally" | "whole" | "" (default)
    why: str = ""  # unknown: why; or an ambiguity
    mixed: list[I.Expr] = field(default_factory=list)


def conjuncts(e: I.Expr) -> list[I.Expr]:
    if isinstance(e, I.Binary) and e.op is I.BinOp.AND:
        return conjuncts(e.left) + conjuncts(e.right)
    return [e]


def _comparison(e: I.Expr) -> tuple[I.Expr, str, I.Expr] | None:
    """`big op small` with op in (">", ">="), or None."""
    negate = False
    while isinstance(e, I.Unary) and e.op is I.UnOp.NOT:
        negate, e = not negate, e.arg
    if not (isinstance(e, I.Binary) and e.op in _FLIP):
        return None
    op = _NEGATE[e.op] if negate else e.op
    if op in (I.BinOp.GT, I.BinOp.GE):
        return e.left, _OPS[op], e.right
    return e.right, _OPS[_FLIP[op]], e.left


def clause(e: I.Expr, value) -> Clause:
    if not is_config(e):
        return Clause(e, "condition")
    cmp = _comparison(e)
    if cmp is None and isinstance(e, I.Ite) and not is_config(e.cond):
        # `if strict then .. else ..` over params: one anatomy per value (each variant folds it)
        return Clause(e, "choice", why=f"an 'if' over params ({expr_str(e.cond)}): read per value")
    if cmp is None:
        if not any(atom_kind(n) is not None for n in preorder(e)):
            return Clause(e, "condition")  # a flag such as `committee`
        return Clause(e, "unknown", why=f"'{expr_str(e)}' is not a comparison of counts or sums (>, >=, <, <=)")
    big, op, small = cmp
    w = _Walk(value)
    w.side(big, +1, Fraction(1))
    w.side(small, -1, Fraction(1))
    if w.trouble:
        return Clause(e, "unknown", op, big, small, why=w.trouble[0])
    if not w.terms:
        return Clause(e, "condition", op, big, small)
    # the population: a divisor, else a tally holding the support, else a whole-family total
    pop, pop_kind, group = None, "", None
    divisors = list(dict.fromkeys(expr_str(d) for d in w.divisors))
    why = ""
    if divisors:
        pop = next(d for d in w.divisors if expr_str(d) == divisors[0])
        pop_kind = "divisor"
        if len(divisors) > 1:
            why = f"several divisors ({', '.join(divisors)}): the population is ambiguous; {divisors[0]} is used"
    net: dict[str, list[_Term]] = {}
    for t in w.terms:
        net.setdefault(expr_str(t.atom), []).append(t)

    def outside(ts: list[_Term], g: int | None) -> list[_Term]:
        return [t for t in ts if g is None or g not in t.groups]

    def direction(ts: list[_Term]) -> int | None:
        if not ts:
            return 0
        if all(t.mag is not None for t in ts):
            total = sum(t.sign * t.mag for t in ts)
            return (total > 0) - (total < 0)
        signs = {t.sign for t in ts}
        return signs.pop() if len(signs) == 1 else None

    if pop is None:
        for gi, g in enumerate(w.groups):
            # a tally: scaled by the bar (`67% * (yes + no + abstain)`), or holding the
            # support, which also counts outside it (`2 * yes > yes + no`)
            if w.scaled[gi] or any(direction(outside(ts, gi)) == 1 and any(gi in t.groups for t in ts)
                                   for ts in net.values()):
                pop, pop_kind, group = g, "tally", gi
                break
    support, against, mixed = [], [], []
    for key, ts in net.items():
        atom = ts[0].atom
        if is_whole(atom):
            continue
        d = direction(outside(ts, group))
        if d == 1:
            support.append(atom)
        elif d == -1:
            against.append(atom)
        elif d is None:
            mixed.append(atom)
    if pop is None:
        wholes = list(dict.fromkeys(expr_str(t.atom) for t in w.terms if is_whole(t.atom)))
        if wholes:
            pop = next(t.atom for t in w.terms if expr_str(t.atom) == wholes[0])
            pop_kind = "whole"
            if len(wholes) > 1:
                why = why or f"several totals ({', '.join(wholes)}): the population is ambiguous; {wholes[0]} is used"
    c = Clause(e, "measure", op, big, small, support, against, pop, pop_kind, why, mixed)
    if not support:
        c.kind = "unknown" if mixed else "condition"
        if mixed:
            c.why = f"{', '.join(expr_str(a) for a in mixed)}: on both sides, neither helps nor hinders the rule for sure"
    return c


# ---------------------------------------------------------------- measures


@dataclass
class Measure:
    """What one table measures: `support` as a share of `population`."""

    support: I.Expr
    kind: str  # "count" | "sum" | "counter" (of the support)
    family: str | None
    population: I.Expr  # an expression over the configuration or a constant (N, BLOCKS)
    pop_kind: str  # "members" | "weight" | "bound" | "tally" | "divisor"
    size: I.Expr | None  # the table's row index: the family's size, or the counter's bound
    clauses: list[int]  # indices of the clauses it measures
    note: str = ""


@dataclass
class Anatomy:
    clauses: list[Clause]
    measures: list[Measure]
    note: str = ""  # why nothing is measured, or an ambiguity


def _plus(a: I.Expr, b: I.Expr) -> I.Expr:
    return I.Binary(I.BinOp.ADD, a, b, a.ty)


def _default_population(model: I.Model, support: I.Expr) -> tuple[I.Expr, str, I.Expr | None]:
    """(population, kind, size) for a support with no population in the rule."""
    atoms = [n for n in preorder(support) if atom_kind(n) is not None]
    first = atoms[0]
    fam = family_of(first)
    if fam is not None:
        size = model.family_named(fam).size
        if all(isinstance(a, I.Quant) and a.kind is I.QuantKind.COUNT for a in atoms):
            return size, "members", size
        if len(atoms) == 1:
            return total_of(first), "weight", size
        raise Unsupported(f"no population for '{expr_str(support)}': it adds weights of different kinds")
    if len(atoms) == 1 and isinstance(first.ty, I.IntType) and first.ty.bounded and isinstance(first.ty.lo, I.Lit) \
            and first.ty.lo.value == 0:
        return first.ty.hi, "bound", first.ty.hi
    raise Unsupported(f"no population for '{expr_str(support)}': it is not a count, a sum or a counter 0..B")


def kind_of(support: I.Expr) -> str:
    kinds = {atom_kind(n) for n in preorder(support) if atom_kind(n) is not None}
    return kinds.pop() if len(kinds) == 1 else "sum"


def _sum(atoms: list[I.Expr]) -> I.Expr:
    out = atoms[0]
    for a in atoms[1:]:
        out = _plus(out, a)
    return out


def infer(model: I.Model, rule: I.Expr, value) -> Anatomy:
    """The anatomy of a rule already folded for one choice of params."""
    clauses = [clause(c, value) for c in conjuncts(rule)]
    bodies: dict[str, list[int]] = {}
    for i, c in enumerate(clauses):
        if c.kind != "measure":
            continue
        fams = [family_of(a) for a in c.support if family_of(a) is not None]
        key = fams[0] if fams else "(globals)"
        bodies.setdefault(key, []).append(i)
    measures: list[Measure] = []
    notes = [f"clause '{expr_str(c.expr)}': {c.why}" for c in clauses if c.why and c.kind != "choice"]
    for fam, idx in bodies.items():
        cand: dict[str, I.Expr] = {}
        for i in idx:
            for a in clauses[i].support:
                cand.setdefault(expr_str(a), a)
        bad = {expr_str(a) for i in idx for a in clauses[i].against + clauses[i].mixed}
        common = [a for k, a in cand.items() if k not in bad and all(
            k in {expr_str(x) for x in clauses[i].support} for i in idx)]
        if len(idx) > 1 and len(common) == 1:
            groups = [(common[0], idx)]
        else:
            groups = [(_sum(clauses[i].support), [i]) for i in idx]
        for support, cls in groups:
            by_pop: dict[str, tuple[I.Expr, str, list[int]]] = {}
            for i in cls:
                c = clauses[i]
                try:
                    if c.population is not None:
                        pop = c.population
                        kind = ("tally" if not is_whole(pop) else "weight" if kind_of(pop) == "sum" else "members")
                    else:
                        pop, kind, _ = _default_population(model, support)
                except Unsupported as e:
                    notes.append(f"clause '{expr_str(c.expr)}': {e}")
                    continue
                by_pop.setdefault(expr_str(pop), (pop, kind, []))[2].append(i)
            for pop, kind, pcls in by_pop.values():
                if kind == "members" and isinstance(pop, I.Quant):
                    pop = model.family_named(family_of(pop)).size  # count over everybody: the member count
                measures.append(Measure(support, kind_of(support), family_of(next(
                    (n for n in preorder(support) if atom_kind(n) is not None), support)), pop, kind,
                    size_of(model, support), pcls))
    note = "; ".join(dict.fromkeys(notes))
    if not measures and not note and any(c.kind == "choice" for c in clauses):
        note = "the rule chooses its bar by an 'if' over params: one table per value"
    elif not measures and not note:
        note = "no clause compares a count(...), sum(...) or bounded counter with a bar: the support cannot be measured"
    return Anatomy(clauses, measures, note)


def stated(model: I.Model, support: I.Expr, population: I.Expr, clauses: list[Clause]) -> Measure:
    """The measure an author states (`measures SUPPORT of POPULATION`), both inlined."""
    size = size_of(model, support)
    if size is None:
        raise Unsupported(f"the stated support '{expr_str(support)}' counts no process family and no bounded counter")
    fam = next((family_of(n) for n in preorder(support) if family_of(n) is not None), None)
    pop_kind = "members" if not is_config(population) else "weight" if is_whole(population) else "tally"
    return Measure(support, kind_of(support), fam, population, pop_kind, size,
                   [i for i, c in enumerate(clauses) if c.kind == "measure"])


def size_of(model: I.Model, support: I.Expr) -> I.Expr | None:
    for n in preorder(support):
        fam = family_of(n)
        if fam is not None:
            return model.family_named(fam).size
        if atom_kind(n) == "counter" and isinstance(n.ty, I.IntType) and n.ty.bounded:
            return n.ty.hi
    return None


def reads_outside_atoms(e: I.Expr) -> tuple[set[str], set[int]]:
    """Params and free binders (threshold params) that `e` reads outside its counts, sums and
    counters: those that set the bar rather than pick what is counted."""
    params: set[str] = set()
    binders: set[int] = set()

    def go(x: I.Expr) -> None:
        if atom_kind(x) is not None:
            return
        if isinstance(x, I.ParamRef):
            params.add(x.name)
        if isinstance(x, I.BoundRef):
            binders.add(x.binder.uid)
        for c in children(x):
            go(c)

    go(e)
    return params, binders
