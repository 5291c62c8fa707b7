"""Counter abstraction: one encoding of a model for every size of its process families.

The copies of a symmetric family are interchangeable (NOTE(symmetry) in checker/engines/explicit.py),
so a state is determined, up to a permutation of the copies, by how many copies are in each
local state.  `CounterEncoding` replaces each family by one Int counter per local state (a
local state is a tuple of the copy's local values; the counters are >= 0 and sum to the
family's size) and each unbound int param by an Int slot that never changes and satisfies
the model's assumptions.  It has the interface of `forkproof.engines.symbolic.encode.Encoding` (vars, wf, init,
trans, props, decode), so k-induction and PDR run on it unchanged, and what they prove holds
for every value of those params at once.

NOTE(counter-semantics), why the abstraction is exact (no spurious behaviour, nothing lost):
  - an action with one family parameter p becomes one action per local state L of p's
    family, enabled only when counter[L] >= 1; p's locals read as L's values; writes to p's
    locals move one unit from counter[L] to the counter of the new local state;
  - `for v in F { v.x = ... }` moves every copy at once: counter'[M] = sum of counter[L] over
    the L whose update lands in M;
  - count(v in F where P) = sum of counter[L] over L with P(L); sum(v in F where P: e) =
    sum of e(L) * counter[L] (e(L) must not depend on global state: weights are local
    state, e.g. `var stake: 1..3 = any`); forall / exists range over the L with
    counter[L] >= 1;
  - runtime errors: a copy's evaluation error counts only when a copy is in that local
    state.  forall/exists stop at the first copy that decides, in id order; the order of
    copies is not kept by counters, so a forall/exists over a family whose body can fail is
    outside the abstraction (see `Ineligible`).
  Every reachable counter state is the image of a reachable concrete state and vice versa,
  for the same family sizes; the agreement tests (tests/checker/test_counters.py) check
  verdicts against the explicit engine for N = 1..6.

`Ineligible` says precisely why a model is outside the abstraction: copies compared by
identity or stored in state, actions over two copies, a primed local, map-valued locals,
a per-copy weight that depends on global state, a domain whose size depends on an unbound
param.  The caller then checks fixed sizes only and says so.
"""
from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from typing import Iterable

import z3

from forkproof.semantics.compile import mentions, walk
from forkproof.engines.symbolic.bmc import solve
from forkproof.engines.symbolic.certificate import constants
from forkproof.engines.symbolic.encode import ActionEnc, Encoding, SymProp, Val, conj, disj, implies, ite, neg, zval
from forkproof.semantics.instance import Instance, VarSlots, display_value
from forkproof.spec import ir as I
from forkproof.spec.errors import ModelError
from forkproof.spec.ir import expr_str

MAX_LOCAL_STATES = 256


class Ineligible(Exception):
    """The model is outside what the counter abstraction handles exactly; the message says why."""


@dataclass(frozen=True)
class LocalState:
    """One local state of a family: the values of a copy's locals, in declaration order."""

    family: str
    index: int  # position among the family's local states
    values: tuple


@dataclass(frozen=True)
class Part:
    """One component of a family's local state: a scalar local, or one entry of a per-copy
    map (`ballot[P1]`), NOTE(copy-maps): a map over a finite key is its entries, each a
    scalar of the local state like any other."""

    local: str
    key: object  # the entry's key (runtime value), None for a scalar local
    name: str  # the engine's (`ballot.yes[P1]`), in Z3's names of the counters
    ty: I.Type  # the entry's (or the local's) type
    var: I.StateVar
    label: str  # the model's (`ballot[P1].yes`), for people (NOTE(slot-labels))


def _flat_map(ty: I.MapType) -> bool:
    finite = lambda t: isinstance(t, (I.BoolType, I.EnumType)) or (isinstance(t, I.IntType) and t.bounded)
    return finite(ty.key) and finite(ty.value)


def _parts_of(inst: Instance, fam: I.Family) -> list[Part]:
    out = []
    for v in fam.locals:
        if isinstance(v.ty, I.MapType):
            for k in inst.domain(v.ty.key):
                key = inst.key_str(k, v.ty.key)
                out.append(Part(v.name, k, f"{v.name}[{key}]", v.ty.value, v, v.location([key])))
        else:
            out.append(Part(v.name, None, v.name, v.ty, v, v.location()))
    return out


# ---------------------------------------------------------------- static checks


def static_reasons(model: I.Model) -> list[str]:
    """Why the model is outside the abstraction, from its text alone ([] when it is not)."""
    reasons: list[str] = []

    def add(msg: str, node=None) -> None:
        line = getattr(getattr(node, "span", None), "line", None)
        text = f"line {line}: {msg}" if line else msg
        if text not in reasons:
            reasons.append(text)

    def proc(t) -> bool:
        while isinstance(t, I.MapType):
            if isinstance(t.key, I.ProcType):
                return True
            t = t.value
        return isinstance(t, I.ProcType)

    for v in list(model.globals) + [x for f in model.families for x in f.locals]:
        if proc(v.ty):
            add(f"the state variable '{v.shown}' holds copies of a process family", v)
    for f in model.families:
        for v in f.locals:
            if isinstance(v.ty, I.MapType) and not _flat_map(v.ty):
                add(f"the local '{v.shown}' of {f.name} is a map of maps or of an unbounded type (a per-copy map "
                    f"must map a finite key to a bool, an enum or a bounded int)", v)
            elif isinstance(v.ty, I.IntType) and not v.ty.bounded:
                add(f"the local '{v.shown}' of {f.name} is an unbounded int", v)
            elif isinstance(v.ty, I.RatType):
                add(f"the local '{v.shown}' of {f.name} is a rational", v)
    for d in model.defs:
        if isinstance(d.ty, I.ProcType):
            add(f"'{d.name}' returns a copy of {d.ty.family}", d)
    for a in model.actions:
        procs = [p for p in a.params if isinstance(p.ty, I.ProcType)]
        if len(procs) > 1:
            add(f"the action '{a.name}' takes two copies ({', '.join(p.name for p in procs)})", a)
    after = post_state_binders(model)
    for n in walk(model):
        if isinstance(n, I.Binary) and n.op in (I.BinOp.EQ, I.BinOp.NE) and isinstance(n.left.ty, I.ProcType):
            add(f"copies of {n.left.ty.family} are compared by identity ({expr_str(n)})", n)
        elif isinstance(n, I.Ite) and isinstance(n.ty, I.ProcType):
            add(f"a copy of {n.ty.family} is chosen by a condition ({expr_str(n)})", n)
        elif isinstance(n, I.Lit) and isinstance(n.ty, I.ProcType):
            add(f"a fixed copy of {n.ty.family} is named", n)
        elif isinstance(n, I.LocalRef) and n.primed and not (isinstance(n.proc, I.BoundRef)
                                                             and n.proc.binder.uid in after):
            add(f"the step invariant reads a copy's local both before and after the step, or the next local "
                f"state of a copy it does not count ({expr_str(n)})", n)
    return reasons


def post_state_binders(model: I.Model) -> set[int]:
    """NOTE(primed-count): the binders of `count`/`sum`/`forall`/`exists` over a family whose
    body reads that copy's locals only primed (`count(v in V where v.ballot' == Yes)`, a
    primed def): such a quantifier is the same one over the post-state's counters."""
    fams = {n.binder.uid for n in walk(model) if isinstance(n, I.Quant) and isinstance(n.domain, I.ProcType)}
    seen: dict[int, set[bool]] = {}
    for n in walk(model):
        if isinstance(n, I.LocalRef) and isinstance(n.proc, I.BoundRef) and n.proc.binder.uid in fams:
            seen.setdefault(n.proc.binder.uid, set()).add(n.primed)
    return {uid for uid, primes in seen.items() if primes == {True}}


# ---------------------------------------------------------------- the instance

class CounterInstance(Instance):
    """An Instance without copies: bound params have values, symbolic ones do not, and any
    attempt to use a symbolic param where a number is needed raises Ineligible."""

    symbolic: tuple[str, ...] = ()

    def const(self, expr: I.Expr, what: str = "a constant") -> object:
        sym = mentions(expr, self.symbolic)
        if sym:
            raise Ineligible(f"{what} ({expr_str(expr)}) depends on {', '.join(sym)}, which has no value")
        return super().const(expr, what)

    def domain(self, ty: I.Type) -> list:
        if isinstance(ty, I.ProcType):
            raise Ineligible(f"the copies of {ty.family} are enumerated where counters cannot stand for them")
        return super().domain(ty)


# ---------------------------------------------------------------- the encoding


class CounterEncoding(Encoding):
    """`Encoding` of a model for every value of the params in `symbolic` (unbound ints) and
    every family size, with `bound` giving the other params' runtime values."""

    def __init__(self, model: I.Model, bound: dict[str, object], symbolic: Iterable[str]):
        reasons = static_reasons(model)
        if reasons:
            raise Ineligible("; ".join(reasons))
        self.symbolic = tuple(symbolic)
        inst = CounterInstance(model, dict(bound))
        inst.symbolic = self.symbolic
        self.inst = inst
        self.param_at: dict[str, int] = {}
        self.sym_bounds: dict[int, tuple[I.Expr, I.Expr]] = {}
        self.counters: dict[str, list[int]] = {}  # family -> counter slot per local state
        self.local_states: dict[str, list[LocalState]] = {}
        self._pending: list | None = None
        # NOTE(div-param) in checker/engines/symbolic/encode.py: the quotients by values that are not
        # constants, as templates (x, y) over the constants of one state with its tag taken out
        self._templates: list[tuple[z3.ExprRef, z3.ExprRef, list[z3.ExprRef]]] = []
        self._template_at: dict[tuple[int, int], int] = {}
        self._defs_at: dict[str, tuple[int, object]] = {}
        self._signs: dict[int, bool] = {}  # template -> its divisor is > 0 in every well-formed state
        self._in_loop: list[int] = []  # binders of the loops over a family being encoded
        # the binders of every loop over a family: writes through them move all copies at once
        self.loop_binders = {n.binder.uid for n in walk(model.actions) if isinstance(n, I.For)
                             and isinstance(n.domain, I.ProcType)}
        self._after = post_state_binders(model)
        self.parts: dict[str, list[Part]] = {}  # per family: the components of a local state
        self.unreached: list[int] = []  # NOTE(local-reach): counters of local states no copy reaches
        self._lay_out()
        self.n = len(inst.slot_names)
        self.sorts = [z3.IntSort() if t is None else self._sort(t) for t in inst.slot_types]
        try:
            self.actions = self._actions()
            self.props = self._props()
            self._check_ranges()
            # build every formula once, so that anything outside the abstraction shows now
            s, t = self.vars("check"), self.vars("check'")
            self.init(s)
            by_name = {a.name: a for a in model.actions}
            for act in self.actions:  # one by one, to say which action and where
                try:
                    act.fires(s, t)
                except Ineligible as e:
                    line = getattr(by_name[act.action].span, "line", None)
                    raise Ineligible(f"{f'line {line}: ' if line else ''}the action '{act.action}': {e}") from None
            self.trans(s, t, "check")
            for p in self.props:
                p.pred(s, t if p.step else None)
            self.unreached = self._unreached_local_states()
        except ModelError as e:
            raise Ineligible(f"evaluating the model without a value for {', '.join(self.symbolic)} failed: "
                             f"{e.diagnostics[0].message}") from None

    # ------------------------------------------------------------ layout

    def _slot(self, name: str, ty: I.Type | None, bounds, label: str | None = None) -> int:
        inst = self.inst
        inst.slot_names.append(name)
        inst.slot_labels.append(name if label is None else label)  # NOTE(slot-labels)
        inst.slot_types.append(ty)
        inst.slot_bounds.append(bounds)
        return len(inst.slot_names) - 1

    def _lay_out(self) -> None:
        inst, model = self.inst, self.inst.model
        by_name = {p.name: p for p in model.params}
        for name in self.symbolic:
            p = by_name[name]
            self.param_at[name] = self._slot(name, p.ty, None)
        for v in model.globals:
            base = len(inst.slot_names)
            keys, ty = inst.key_texts(v.ty), v.ty
            while isinstance(ty, I.MapType):
                ty = ty.value
            bounds = None
            sym = isinstance(ty, I.IntType) and ty.bounded and mentions((ty.lo, ty.hi), self.symbolic)
            if isinstance(ty, I.IntType) and ty.bounded and not sym:
                bounds = inst.bounds(ty)
            for ks in keys:
                k = self._slot(v.name + "".join(f"[{x}]" for x in ks), ty, bounds, v.location(ks))
                if sym:
                    self.sym_bounds[k] = (ty.lo, ty.hi)
            inst.globals_at[v.name] = VarSlots(v, base, len(keys), 0, 1)
        for fam in model.families:
            self.parts[fam.name] = parts = _parts_of(inst, fam)
            doms = [inst.domain(pt.ty) for pt in parts]
            total = 1
            for d in doms:
                total *= len(d)
            if total > MAX_LOCAL_STATES:
                raise Ineligible(f"{fam.name} has {total:,} local states (at most {MAX_LOCAL_STATES} are counted)")
            states = [LocalState(fam.name, i, vals) for i, vals in enumerate(itertools.product(*doms))]
            self.local_states[fam.name] = states
            self.counters[fam.name] = [self._slot(f"#{fam.name}({self.local_text(fam, ls, engine=True)})", None, None,
                                                  f"#{fam.name}({self.local_text(fam, ls)})") for ls in states]
            inst.family_sizes[fam.name] = 0

    def local_text(self, fam: I.Family, ls: LocalState, engine: bool = False) -> str:
        """"ballot[0] = Yes, ballot[1] = No, staked = true": one local state, for people; with
        `engine`, by the engine's names, for Z3's (NOTE(slot-labels))."""
        return ", ".join(f"{pt.name if engine else pt.label} = {_show(display_value(x, pt.ty))}"
                         for pt, x in zip(self.parts[fam.name], ls.values))

    def part_at(self, family: str, local: str, key: object = None) -> int:
        """The position in a local state of `local` (of the entry `key` of a map local)."""
        return next(i for i, pt in enumerate(self.parts[family]) if pt.local == local and pt.key == key)

    def _check_ranges(self) -> None:
        """Initial values and family sizes must be valid for every value of the symbolic
        params allowed by the assumptions (a fixed instance raises FP403/FP404 otherwise)."""
        s = self.vars("check")
        assumed = self._assumed(s)
        bad = []
        for fam in self.inst.model.families:
            size, ok = self.expr(fam.size, s, None, {})
            bad.append((f"the size of {fam.name}", disj(neg(ok), _lt(size, 0))))
        for vs in self.inst.globals_at.values():
            v = vs.var
            if isinstance(v.init, I.InitAny):
                # `in D`: every value of D must lie in the variable's range (a fixed instance
                # raises a runtime error in its initial state otherwise)
                dom = _leaf(v.init.domain)
                if isinstance(dom, I.IntType) and dom.bounded:
                    x = z3.Int(f"init@{v.name}")
                    lo, _ = self.expr(dom.lo, s, None, {})
                    hi, _ = self.expr(dom.hi, s, None, {})
                    for j in range(vs.width):
                        rng = self._in_range(vs.base + j, x, s)
                        if rng is not True:
                            bad.append((f"an initial value of {v.shown} (in {expr_str(dom.lo)}..{expr_str(dom.hi)})",
                                        z3.And(x >= zval(lo), x <= zval(hi), z3.Not(rng))))
                continue
            value, ok = self.expr(v.init, s, None, {})
            bad.append((f"the initial value of {v.shown}", neg(ok)))
            for j in range(vs.width):
                rng = self._in_range(vs.base + j, value, s)
                bad.append((f"the initial value of {v.shown}", neg(rng)))
        for fam in self.inst.model.families:
            for v in fam.locals:
                if isinstance(v.init, I.InitAny):
                    values = self.inst.domain(_leaf(v.init.domain))
                else:
                    values = [self.inst.const(v.init, f"the initial value of {fam.name}.{v.shown}")]
                own = self.inst.domain(_leaf(v.ty))
                if any(x not in own for x in values):
                    raise Ineligible(f"an initial value of {fam.name}.{v.shown} lies outside {v.ty} (a runtime error "
                                     f"in the initial state of every instance with a copy)")
        for what, cond in bad:
            if cond is False:
                continue
            solver = z3.Solver()
            solver.add(assumed, z3.BoolVal(cond) if isinstance(cond, bool) else cond)
            if self.defs(s) is not True:
                solver.add(self.defs(s))
            if solver.check() != z3.unsat:
                raise Ineligible(f"{what} is not valid for every value of {', '.join(self.symbolic)} "
                                 f"allowed by the assumptions")

    # ------------------------------------------------------------ states

    def _assumed(self, s: list) -> z3.BoolRef:
        parts = []
        by_name = {p.name: p for p in self.inst.model.params}
        for name, k in self.param_at.items():
            ty = by_name[name].ty
            if isinstance(ty, I.IntType) and ty.bounded:
                lo, _ = self.expr(ty.lo, s, None, {})
                hi, _ = self.expr(ty.hi, s, None, {})
                parts += [s[k] >= zval(lo), s[k] <= zval(hi)]
        for a in self.inst.model.assumes:
            v, ok = self.expr(a.expr, s, None, {})
            parts.append(z3.And(z3.BoolVal(ok) if isinstance(ok, bool) else ok, zval(v)))
        return z3.And(*parts) if parts else z3.BoolVal(True)

    def _in_range(self, k: int, value: Val, s: list):
        if k in self.sym_bounds:
            lo, _ = self.expr(self.sym_bounds[k][0], s, None, {})
            hi, _ = self.expr(self.sym_bounds[k][1], s, None, {})
        elif self.inst.slot_bounds[k] is not None:
            lo, hi = self.inst.slot_bounds[k]
        else:
            return True
        if not isinstance(value, z3.ExprRef) and not isinstance(lo, z3.ExprRef) and not isinstance(hi, z3.ExprRef):
            return lo <= value <= hi
        return z3.And(zval(value) >= zval(lo), zval(value) <= zval(hi))

    def wf(self, s: list) -> z3.BoolRef:
        parts = [self._assumed(s)] + [s[k] == 0 for k in self.unreached]
        for k, ty in enumerate(self.inst.slot_types):
            if ty is None:
                parts.append(s[k] >= 0)  # a counter
                continue
            if isinstance(ty, I.EnumType):
                parts.append(z3.And(s[k] >= 0, s[k] < len(ty.members)))
            elif k not in self.param_at.values():
                rng = self._in_range(k, s[k], s)
                if rng is not True:
                    parts.append(rng)
        for fam in self.inst.model.families:
            size, _ = self.expr(fam.size, s, None, {})
            parts.append(z3.Sum(*[s[k] for k in self.counters[fam.name]]) == zval(size))
        return z3.And(*parts)

    def init(self, s: list) -> z3.BoolRef:
        parts = []
        for vs in self.inst.globals_at.values():
            v = vs.var
            for j in range(vs.width):
                k = vs.base + j
                if isinstance(v.init, I.InitAny):
                    dom_ty = v.init.domain
                    if isinstance(dom_ty, I.IntType) and mentions((dom_ty.lo, dom_ty.hi), self.symbolic):
                        lo, _ = self.expr(dom_ty.lo, s, None, {})
                        hi, _ = self.expr(dom_ty.hi, s, None, {})
                        parts += [s[k] >= zval(lo), s[k] <= zval(hi)]  # the range itself is in wf
                    else:
                        dom = self.inst.domain(dom_ty)
                        parts.append(z3.Or(*[s[k] == zval(x) for x in dom]) if dom else z3.BoolVal(False))
                else:
                    value, _ = self.expr(v.init, s, None, {})
                    parts.append(s[k] == zval(value))
        for fam in self.inst.model.families:
            allowed = []
            for pt in self.parts[fam.name]:  # a map local: every entry (independently, for `any`)
                v = pt.var
                if isinstance(v.init, I.InitAny):
                    allowed.append(set(self.inst.domain(_leaf(v.init.domain))))
                else:
                    allowed.append({self.inst.const(v.init, f"the initial value of {fam.name}.{v.shown}")})
            for ls, k in zip(self.local_states[fam.name], self.counters[fam.name]):
                if not all(x in a for x, a in zip(ls.values, allowed)):
                    parts.append(s[k] == 0)
        parts.append(self.wf(s))
        d = self.defs(s)
        if d is not True:
            parts.append(d)
        return z3.And(*parts)

    # ------------------------------------------------------------ reachable local states

    # NOTE(local-reach): a family's local states are every combination of its locals' values,
    # most of which no copy ever reaches when a local remembers history (a flag "sent" beside
    # a location).  The local states reached are the least set R that holds the initial ones
    # and every local state a transition can put a copy in from a state whose copies are all
    # in R ("can a step raise the counter of a local state outside R?": one query per
    # discovery, plus one).  By induction on the length of a run, every reachable state has
    # its copies in R, so `counter == 0` for the others holds in every reachable state and is
    # added to wf.  Any query the solver leaves undecided, or the time limit (2 s), stops the
    # search and nothing is pruned; so does a family of 8 local states or fewer (little to
    # gain).  A fresh encoding (the certificate re-check) computes R again with fresh solvers.
    REACH_SECONDS = 2.0  # per encoding: a proof's re-check builds a fresh one and pays it again

    def _unreached_local_states(self) -> list[int]:
        if sum(len(v) for v in self.local_states.values()) <= 8:  # little to gain
            return []
        deadline = time.perf_counter() + self.REACH_SECONDS
        s, t = self.vars("reach"), self.vars("reach'")
        every = [k for fam in self.inst.model.families for k in self.counters[fam.name]]
        reached: set[int] = set()
        # each query asks for a state with a copy outside R; a model adds every such local
        # state it shows, so there are as many queries as discoveries, plus one
        for path, x in (([self.init(s)], s), ([self.wf(s), self.wf(t), self.trans(s, t, "reach")], t)):
            d = conj(self.defs(s), self.defs(t)) if x is t else True
            if d is not True:
                path.append(d)
            while True:
                outside = [k for k in every if k not in reached]
                if not outside:
                    return []
                inside = [s[k] == 0 for k in outside] if x is t else []
                res, m = solve(path + inside, z3.Or(*[x[k] > 0 for k in outside]), deadline)
                if res == z3.unknown or time.perf_counter() > deadline:
                    return []
                if res == z3.unsat:
                    break
                reached |= {k for k in outside if z3.is_true(m.eval(x[k] > 0, model_completion=True))}
        return [k for k in every if k not in reached]

    # ------------------------------------------------------------ quotients (NOTE(div-param))

    def _quotient(self, x: z3.ExprRef, y: z3.ExprRef) -> z3.ExprRef:
        """`x div y` for y not a constant: the fresh Int `quot!i@tag` of the state `tag`,
        defined in `defs` (NOTE(div-param) in checker/engines/symbolic/encode.py)."""
        consts = [c for c in constants(x, y) if _tag(c) is not None]
        tags = sorted({_tag(c) for c in consts})
        if len(tags) > 1:
            raise Ineligible("FP706: a value that mixes the state before and after a step is divided by a value "
                             "that is not a constant (`div` or `%` in a step invariant, as in (x' - x) div N): "
                             "the every-size prover cannot define that quotient")
        pairs = [(c, z3.Const(f"{_untagged(c)}@{_CANON}", c.sort())) for c in consts]
        # simplified, so that `yes * 100` and `100 * yes` are one template (one quotient per state)
        cx, cy = z3.simplify(z3.substitute(x, *pairs)), z3.simplify(z3.substitute(y, *pairs))
        key = (cx.get_id(), cy.get_id())
        i = self._template_at.get(key)
        if i is None:
            i = self._template_at[key] = len(self._templates)
            self._templates.append((cx, cy, [c for _, c in pairs]))
        return _quotient_const(i, tags[0] if tags else None)

    def defs(self, s: list):
        """The definitions of the quotients of state s (NOTE(div-param)): True when there are none."""
        if not self._templates:
            return True
        tag = _tag(s[0]) if s else None
        got = self._defs_at.get(tag)
        if got is not None and got[0] == len(self._templates):
            return got[1]
        parts = []
        for i, (cx, cy, canon) in enumerate(self._templates):
            if canon and tag is None:
                continue
            x, y = self._instance(i, s) if canon else (cx, cy)
            q = _quotient_const(i, tag if canon else None)
            yq = y * q
            if self._positive(i):  # the one case the assumptions allow: simpler for the solvers
                parts.append(z3.And(z3.Implies(y > 0, z3.And(yq <= x, x < yq + y)), z3.Implies(y <= 0, q == 0)))
            else:
                parts.append(z3.And(z3.Implies(y > 0, z3.And(yq <= x, x < yq + y)),
                                    z3.Implies(y < 0, z3.And(yq >= x, x > yq + y)),
                                    z3.Implies(y == 0, q == 0)))
        out = z3.And(*parts) if len(parts) > 1 else parts[0] if parts else True
        self._defs_at[tag] = (len(self._templates), out)
        return out

    def _positive(self, i: int) -> bool:
        """Whether the divisor of template i is > 0 in every well-formed state (the
        assumptions say so, as `assume N >= 1` does for `x div N`)."""
        if i not in self._signs:
            cx, cy, canon = self._templates[i]
            solver = z3.Solver()
            solver.set("timeout", 2000)
            solver.add(self._assumed(self.vars(_CANON)), cy <= 0)
            self._signs[i] = solver.check() == z3.unsat
        return self._signs[i]

    def fresh_vars(self, tag: str) -> list[z3.ExprRef]:
        """The quotients of the state `tag`: variables of a Horn clause's body (checker/engines/symbolic/pdr.py)."""
        return [_quotient_const(i, tag if canon else None) for i, (_, _, canon) in enumerate(self._templates)]

    def trans(self, s: list, t: list, tag: object = None) -> z3.BoolRef:
        step = super().trans(s, t, tag)
        d = conj(self.defs(s), self.defs(t), self.same_quotients(s, t))
        return step if d is True else z3.And(step, d)

    def same_quotients(self, s: list, t: list):
        """Equal operands, equal quotients, for each template in s and t: implied by the
        definitions, but only through non-linear reasoning that solvers find hard (a step
        that keeps x keeps x div N)."""
        parts = []
        for i, (cx, cy, canon) in enumerate(self._templates):
            if not canon:
                continue
            (xs, ys), (xt, yt) = self._instance(i, s), self._instance(i, t)
            parts.append(z3.Implies(z3.And(xs == xt, ys == yt), _quotient_const(i, _tag(s[0])) ==
                                    _quotient_const(i, _tag(t[0]))))
        return conj(*parts)

    def _instance(self, i: int, s: list) -> tuple[z3.ExprRef, z3.ExprRef]:
        cx, cy, canon = self._templates[i]
        tag = _tag(s[0])
        pairs = [(c, z3.Const(f"{_untagged(c)}@{tag}", c.sort())) for c in canon]
        return (z3.substitute(cx, *pairs), z3.substitute(cy, *pairs)) if pairs else (cx, cy)

    def _props(self) -> list[SymProp]:
        out = []
        for p in super()._props():
            def pred(s, t, p=p):
                v = p.pred(s, t)
                d = conj(self.defs(s), True if t is None else self.defs(t))
                return v if d is True else z3.Implies(d, v)
            out.append(SymProp(p.name, p.kind, p.step, pred))
        return out

    def counter_of(self, s: list, ls: LocalState) -> z3.ArithRef:
        return s[self.counters[ls.family][ls.index]]

    # ------------------------------------------------------------ expressions

    def expr(self, e: I.Expr, s: list, t: list | None, b: dict[int, Val]):
        match e:
            case I.ParamRef() if e.name in self.param_at:
                return s[self.param_at[e.name]], True
            case I.LocalRef():
                who = self._copy(e, b, f"{expr_str(e)} reads a copy that counters cannot name")
                if isinstance(e.ty, I.MapType):
                    raise Ineligible(f"{expr_str(e)}: a per-copy map is read whole (read one entry, {e.name}[k])")
                return who.values[self.part_at(e.family, e.name)], True
            case I.Index(base=I.LocalRef() as loc):
                who = self._copy(loc, b, f"{expr_str(e)} reads a copy that counters cannot name")
                keys = self.inst.domain(loc.ty.key)
                k, kok = self.expr(e.key, s, t, b)
                values = [who.values[self.part_at(loc.family, loc.name, key)] for key in keys]
                if not isinstance(k, z3.ExprRef):
                    if k not in keys:  # a key outside the range: a runtime error
                        return (values[0] if values else 0), False
                    return values[keys.index(k)], kok
                out = values[-1] if values else 0
                for key, x in zip(reversed(keys[:-1]), reversed(values[:-1])):
                    out = ite(k == key, x, out)
                inside = disj(*[k == key for key in keys]) if keys else False
                return out, conj(kok, inside)
            case I.Quant() if isinstance(e.domain, I.ProcType):
                return self._family_quant(e, s, t, b)
        return super().expr(e, s, t, b)

    def _copy(self, loc: I.LocalRef, b: dict, why: str) -> "LocalState":
        who = b.get(loc.proc.binder.uid) if isinstance(loc.proc, I.BoundRef) else None
        if not isinstance(who, LocalState):
            raise Ineligible(why)
        return who

    def _family_quant(self, q: I.Quant, s, t, b):
        fam = q.domain.family
        u = q.binder.uid
        terms, oks = [], []
        after = u in self._after  # NOTE(primed-count): the copies as they are after the step
        if after and t is None:
            raise Ineligible(f"'{q.kind.value} {q.binder.name} in {fam}' reads the next local state outside a step")
        for ls in self.local_states[fam]:
            c = self.counter_of(t if after else s, ls)
            here = c >= 1
            bv = {**b, u: ls}
            if q.kind in (I.QuantKind.FORALL, I.QuantKind.EXISTS):
                v, ok = self.expr(q.body, s, t, bv)
                if ok is not True:
                    raise Ineligible(f"the body of '{q.kind.value} {q.binder.name} in {fam}' can fail to evaluate, "
                                     f"and counters do not keep the order in which copies are evaluated")
                terms.append(conj(here, v) if q.kind is I.QuantKind.EXISTS else disj(c == 0, v))
            elif q.kind is I.QuantKind.COUNT:
                v, ok = self.expr(q.cond, s, t, bv)
                terms.append(ite(v, c, 0))
                oks.append(implies(here, ok))
            else:
                cond, cok = (True, True) if q.cond is None else self.expr(q.cond, s, t, bv)
                x, xok = self.expr(q.body, s, t, bv)
                if isinstance(x, z3.ExprRef):
                    sym = mentions(q.body, self.symbolic)
                    on = f"{', '.join(sym)}, which has no value" if sym else "global state"
                    raise Ineligible(f"a summand of 'sum({q.binder.name} in {fam} ...)' depends on {on} "
                                     f"({expr_str(q.body)}); only per-copy weights kept in local state are counted")
                terms.append(ite(cond, c * zval(x) if x != 1 else c, 0))
                oks.append(implies(here, conj(cok, implies(cond, xok))))
        if q.kind is I.QuantKind.FORALL:
            return conj(*terms), True
        if q.kind is I.QuantKind.EXISTS:
            return disj(*terms), True
        total = z3.Sum(*[zval(x) for x in terms]) if terms else 0
        return total, conj(*oks)

    # ------------------------------------------------------------ actions

    def _actions(self):
        out = []
        for a in self.inst.model.actions:
            doms = []
            for p in a.params:
                doms.append(self.local_states[p.ty.family] if isinstance(p.ty, I.ProcType) else self.inst.domain(p.ty))
            for args in itertools.product(*doms):
                b = {p.uid: v for p, v in zip(a.params, args)}
                shown = []
                for p, v in zip(a.params, args):
                    if isinstance(v, LocalState):
                        shown.append(f"a copy with {self.local_text(self.inst.model.family_named(v.family), v)}")
                    else:
                        shown.append(_show(display_value(v, p.ty)))
                label = a.name + (f"({', '.join(shown)})" if args else "")
                enc = self._action(a, args, b, label)
                movers = [v for v in args if isinstance(v, LocalState)]
                if movers:
                    enc = self._needs_copy(enc, movers[0])
                out.append(enc)
        return out

    def _needs_copy(self, a, ls: LocalState):
        """The action of a copy in local state `ls`: possible only while one is there."""
        here = lambda s: self.counter_of(s, ls) >= 1

        def step(s):
            ok, writes = a.step(s)
            return conj(here(s), ok), writes

        return ActionEnc(a.label, a.action, a.args,
                         lambda s: conj(here(s), a.enabled(s)),
                         lambda s, t: conj(here(s), a.fires(s, t)),
                         lambda s: conj(here(s), a.error(s)),
                         step)

    def _stmts(self, stmts, s, b, pc, writes: list, oks: list) -> None:
        top = self._pending is None
        if top:
            self._pending = []
        try:
            for st in stmts:
                if isinstance(st, I.Assign) and (isinstance(st.target, I.LocalRef) or (
                        isinstance(st.target, I.Index) and isinstance(st.target.base, I.LocalRef))):
                    self._local_write(st, s, b, pc, oks)
                elif isinstance(st, I.For) and isinstance(st.domain, I.ProcType):
                    self._for_copies(st, s, b, pc, writes, oks)
                else:
                    super()._stmts((st,), s, b, pc, writes, oks)
            if top:
                self._settle(s, writes, oks)
                for k, c, v in writes:  # writes to globals whose range depends on a symbolic param
                    if k in self.sym_bounds:
                        oks.append(implies(c, self._in_range(k, v, s)))
        finally:
            if top:
                self._pending = None

    def _local_write(self, st: I.Assign, s, b, pc, oks) -> None:
        tgt, entry = st.target, None
        if isinstance(tgt, I.Index):  # `p.m[k] = v`: the entry k of a per-copy map
            tgt, entry = tgt.base, tgt.key
        who = b.get(tgt.proc.binder.uid) if isinstance(tgt.proc, I.BoundRef) else None
        if not isinstance(who, LocalState):
            raise Ineligible(f"'{expr_str(tgt)} = ...' writes a copy that counters cannot name")
        if self._in_loop and self._in_loop[-1] != tgt.proc.binder.uid:
            # once per copy of the loop: a second write to that location, a runtime error
            # that depends on how many copies share a local state
            raise Ineligible(f"'{expr_str(tgt)} = ...' inside a loop over a family writes a copy other than "
                             f"the loop's")
        v, vok = self.expr(st.value, s, None, b)
        oks.append(implies(pc, vok))
        key = (tgt.proc.binder.uid, who.family, who.index)
        if entry is None:
            self._pending.append((key, self.part_at(tgt.family, tgt.name), pc, v))
            return
        keys = self.inst.domain(tgt.ty.key)
        k, kok = self.expr(entry, s, None, b)
        oks.append(implies(pc, conj(kok, disj(*[k == x for x in keys]) if isinstance(k, z3.ExprRef) else k in keys)))
        for x in keys:
            hit = (k == x) if isinstance(k, z3.ExprRef) else (k == x)
            if hit is not False:
                self._pending.append((key, self.part_at(tgt.family, tgt.name, x), conj(pc, hit), v))

    def _for_copies(self, st: I.For, s, b, pc, writes, oks) -> None:
        fam = st.domain.family
        self._in_loop.append(st.binder.uid)
        try:
            for ls in self.local_states[fam]:
                inner: list = []
                self._stmts_in_copy(st.body, s, {**b, st.binder.uid: ls}, conj(pc, self.counter_of(s, ls) >= 1),
                                    inner, oks)
                if inner:
                    raise Ineligible(f"the loop 'for {st.binder.name} in {fam}' writes global state")
        finally:
            self._in_loop.pop()

    def _stmts_in_copy(self, body, s, b, pc, inner, oks) -> None:
        for st in body:
            if isinstance(st, I.For) and isinstance(st.domain, I.ProcType):
                raise Ineligible("a loop over a family inside a loop over a family")
            self._stmts((st,), s, b, pc, inner, oks)

    def _settle(self, s, writes: list, oks: list) -> None:
        """Turn the local writes of one action into counter updates (NOTE(counter-semantics))."""
        if not self._pending:
            return
        by_copy: dict[tuple, list] = {}
        for key, j, c, v in self._pending:
            by_copy.setdefault(key, []).append((j, c, v))
        # the families in the order the action first writes them, not a set of names: a set's
        # order follows PYTHONHASHSEED, and so would the order in which the counter updates
        # below create their Z3 terms (NOTE(z3-determinism) in checker/semantics/gcfence.py)
        fams = list(dict.fromkeys(key[1] for key in by_copy))
        # each family's counters move on their own: a loop over one family beside a loop
        # over (or a named copy of) another is two independent moves
        for fam_name in fams:
            uids = {key[0] for key in by_copy if key[1] == fam_name}
            if len(uids) > 1 and any(uid in self.loop_binders for uid in uids):
                raise Ineligible(f"it moves copies of {fam_name} in two ways in one step (a copy it names "
                                 f"and a loop over the copies, or two loops over {fam_name})")
        for fam_name in fams:
            states = self.local_states[fam_name]
            slots = self.counters[fam_name]
            moved: dict[int, Val] = {}  # counter index -> delta or new total
            errs = []
            news: list[tuple[LocalState, list[Val]]] = []
            for key, ws in by_copy.items():
                if key[1] != fam_name:
                    continue
                ls = states[key[2]]
                new = list(ls.values)
                per_local: dict[int, list] = {}
                for j, c, v in ws:
                    per_local.setdefault(j, []).append((c, v))
                for j, lst in per_local.items():
                    val: Val = ls.values[j]
                    for c, v in lst:
                        val = ite(c, v, val)
                        errs.append(conj(c, neg(self._local_in_range(self.parts[fam_name][j].ty, v))))
                    for (c1, _), (c2, _) in itertools.combinations(lst, 2):
                        errs.append(conj(c1, c2))
                    new[j] = val
                news.append((ls, new))
            # the write conditions already require a copy in that local state (NOTE(counter-semantics))
            oks.extend(neg(e) for e in errs if e is not False)
            loop = any(key[0] in self.loop_binders for key in by_copy if key[1] == fam_name)
            if loop:
                written = {ls.index for ls, _ in news}
                untouched = [ls.index for ls in states if ls.index not in written]  # in local-state order
                totals: dict[int, list] = {m.index: [] for m in states}
                for ls, new in news:
                    for m in states:
                        totals[m.index].append(ite(_same(new, m.values), self.counter_of(s, ls), 0))
                for idx in untouched:
                    totals[idx].append(self.counter_of(s, states[idx]))
                for m in states:
                    parts = [x for x in totals[m.index] if not (isinstance(x, int) and x == 0)]
                    moved[m.index] = z3.Sum(*[zval(x) for x in parts]) if parts else 0
            else:
                (ls, new), = news
                for m in states:
                    delta = ite(_same(new, m.values), 1, 0)
                    if m.index == ls.index:
                        delta = _sub(delta, 1)
                    if not (isinstance(delta, int) and delta == 0):
                        moved[m.index] = _plus(self.counter_of(s, m), delta)
            for idx, value in moved.items():
                writes.append((slots[idx], True, value))

    def _local_in_range(self, ty: I.Type, value: Val):
        if isinstance(ty, I.IntType) and ty.bounded:
            lo, hi = self.inst.bounds(ty)
        elif isinstance(ty, I.EnumType):
            lo, hi = 0, len(ty.members) - 1
        else:
            return True
        if not isinstance(value, z3.ExprRef):
            return lo <= value <= hi
        return z3.And(value >= lo, value <= hi)

    # ------------------------------------------------------------ reading results

    def describe(self, state: tuple) -> dict[str, object]:
        """A decoded counter state for people: params, globals, and the non-zero counters."""
        out: dict[str, object] = {}
        for k, (name, ty) in enumerate(zip(self.inst.slot_labels, self.inst.slot_types)):
            v = state[k]
            if ty is None:
                if v:
                    out[name] = v
            else:
                out[name] = display_value(v, ty)
        return out

    def param_values(self, state: tuple) -> dict[str, int]:
        return {name: state[k] for name, k in self.param_at.items()}


# ---------------------------------------------------------------- small helpers

_CANON = "\u00b7"  # the tag of a quotient template's constants (NOTE(div-param))


def _tag(c: z3.ExprRef) -> str | None:
    name = c.decl().name()
    return name.rsplit("@", 1)[1] if "@" in name else None


def _untagged(c: z3.ExprRef) -> str:
    return c.decl().name().rsplit("@", 1)[0]


def _quotient_const(i: int, tag: str | None) -> z3.ArithRef:
    return z3.Int(f"quot!{i}" + (f"@{tag}" if tag is not None else ""))


def _leaf(ty: I.Type) -> I.Type:
    while isinstance(ty, I.MapType):
        ty = ty.value
    return ty


def _same(values: list, target: tuple):
    return conj(*[(v == x) if isinstance(v, z3.ExprRef) else (v == x) for v, x in zip(values, target)])


def _lt(a: Val, b: int):
    return (a < b) if not isinstance(a, z3.ExprRef) else a < b


def _sub(a: Val, b: int) -> Val:
    return a - b if not isinstance(a, z3.ExprRef) else a - b


def _plus(a: Val, b: Val) -> Val:
    if isinstance(b, int) and not isinstance(b, bool) and b == 0:
        return a
    return zval(a) + zval(b)


def _show(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)
