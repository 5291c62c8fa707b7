"""Two versions of a threshold rule compared over the same configurations: is NEW equal to
OLD, weaker, stronger or incomparable (NOTE(rule-relation) in checker/analysis/relation.py)?

NOTE(rule-compare): both rules are encoded (checker/analysis/encode.py) over ONE
configuration (NOTE(configuration)): the same counters per local state, the same global
values, the same threshold arguments (by position), the same params (by name).  Two Z3
queries decide the relation: a configuration with NEW and not OLD (NEW admits more) and one
with OLD and not NEW.  Every answer is exact (Int and Real arithmetic, never floats).
  - Params.  Those with a `--param` value take it.  Those that bound a domain the encoding
    enumerates (a local's range `0..V`, a map's keys, `forall y in 0..V`) take their values
    (`--param`, default or sweep; the population, 1..K).  Every other param, the population
    N among them, stays symbolic, constrained only by both versions' assumptions and types:
    an unsat query then holds "for all N >= 1".  A param only one version has is left free
    (or at its value, when it bounds a domain) and the result says so.
  - When a symbolic query has no answer (the budget per query, or nonlinear arithmetic such
    as `THETA * N` with both open), it is asked again for each N = 1..K: its answer then
    holds for those N only, and the scope says so ("N = 1..10").
  - A witness is the configuration with the smallest N, then the fewest copies in the
    earlier local states (as `forkproof thresholds` chooses), shown in the same text.
  - The versions must describe the same configurations: a family whose size changed, a
    local or global read by a rule whose type changed, a threshold whose parameters changed
    or a param whose kind changed make the relation "unknown", with that reason.  A local
    that only one version declares is part of every copy's local state (free in the other).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import z3

from forkproof.analysis.encode import (Config, Encoder, Unsupported, entry_text, inline, params_used,
                                       preorder, py_value, zv)
from forkproof.analysis.relation import RuleComparison, Witness, relation_of
from forkproof.analysis.report import compress
from forkproof.spec import ir as I
from forkproof.spec.ir import expr_str, value_str

TIMEOUT_MS = 10_000
MAX_COMBINATIONS = 64  # values of the params that bound a domain, tried one combination at a time


class Mismatch(Exception):
    """The two versions do not describe the same configurations; the message says how."""


def compare_rules(old_model: I.Model, old_def: I.Def, new_model: I.Model, new_def: I.Def,
                  bindings: tuple[dict[str, list[object]], dict[str, list[object]]] = ({}, {}),
                  up_to: int = 10, timeout_ms: int = TIMEOUT_MS) -> RuleComparison:
    """NOTE(rule-compare).  `bindings` are each version's `--param` values; `up_to` is K, the
    largest N of a finite check; `timeout_ms` the budget of one solver query."""
    try:
        return _Job(old_model, old_def, new_model, new_def, bindings, up_to, timeout_ms).run()
    except (Mismatch, Unsupported) as e:
        return RuleComparison("unknown", reason=f"not compared: {e}")


# ---------------------------------------------------------------- types across versions


def type_key(ty: I.Type | None) -> tuple:
    """What makes two types (from different versions) the same: bounds as text, enum members."""
    match ty:
        case I.IntType():
            return ("int",) if not ty.bounded else ("int", expr_str(ty.lo), expr_str(ty.hi))
        case I.EnumType():
            return ("enum", ty.name, ty.members)
        case I.MapType():
            return ("map", type_key(ty.key), type_key(ty.value))
        case I.ProcType():
            return ("proc", ty.family)
    return (str(ty),)


def _kind(ty: I.Type) -> tuple:
    """A param's kind: ints of different ranges share one (each version's range applies)."""
    if isinstance(ty, I.IntType):
        return ("int",)
    return type_key(ty)


def _family_names(rule: I.Expr) -> list[str]:
    out: list[str] = []
    for n in preorder(rule):
        if isinstance(n, I.Quant) and isinstance(n.domain, I.ProcType) and n.domain.family not in out:
            out.append(n.domain.family)
    return out


def _globals_read(rule: I.Expr) -> list[str]:
    out: list[str] = []
    for n in preorder(rule):
        if isinstance(n, I.VarRef) and n.name not in out:
            out.append(n.name)
    return out


def _family(model: I.Model, name: str) -> I.Family | None:
    return next((f for f in model.families if f.name == name), None)


def _global(model: I.Model, name: str) -> I.StateVar | None:
    return next((v for v in model.globals if v.name == name), None)


def _param(model: I.Model, name: str) -> I.Param | None:
    return next((p for p in model.params if p.name == name), None)


def _bound_params(ty: I.Type, model: I.Model, leaf: bool) -> set[str]:
    """Params in the bounds of the finite domains the encoder enumerates for a value of type
    `ty`: a map's keys, and (with `leaf`) the value itself."""
    out: set[str] = set()
    while isinstance(ty, I.MapType):
        out |= _bound_params(ty.key, model, True)
        ty = ty.value
    if leaf and isinstance(ty, I.IntType) and ty.lo is not None and ty.hi is not None:
        out |= params_used(inline(ty.lo, model), model) | params_used(inline(ty.hi, model), model)
    return out


def _conjuncts(e: I.Expr) -> list[I.Expr]:
    """`a and b and c` -> [a, b, c]: both versions' assumptions, each conjunct said once."""
    if isinstance(e, I.Binary) and e.op is I.BinOp.AND:
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


def _nonlinear(rule: I.Expr, open_params: set[str]) -> str | None:
    """The first product (or division) of two values that are not constants, as text."""
    def varies(e: I.Expr) -> bool:
        return any(isinstance(n, (I.VarRef, I.LocalRef, I.Quant, I.BoundRef))
                   or (isinstance(n, I.ParamRef) and n.name in open_params) for n in preorder(e))
    for n in preorder(rule):
        if isinstance(n, I.Binary) and n.op in (I.BinOp.MUL, I.BinOp.DIV, I.BinOp.FLOORDIV, I.BinOp.MOD) \
                and varies(n.right) and (n.op is not I.BinOp.MUL or varies(n.left)):
            return expr_str(n)
    return None


# ---------------------------------------------------------------- one encoding of both rules


class JointEncoder(Encoder):
    """An Encoder whose copies' local states are those of both versions of a family: every
    local either version declares is a slot (NOTE(rule-compare)), so that both rules read
    the same counters."""

    def __init__(self, model: I.Model, params: dict[str, object], joint: dict[str, list[tuple[str, I.Type]]]):
        super().__init__(model, params)
        self.joint = joint

    def locals_of(self, family: str) -> list[tuple[str, I.Type]]:
        return self.joint[family]


@dataclass
class _Encoded:
    old: JointEncoder
    new: JointEncoder
    cfg: Config  # OLD's view; NEW's shares its counters, globals and constraints
    cfg_new: Config
    r_old: z3.BoolRef
    r_new: z3.BoolRef
    facts: list[z3.BoolRef]
    params: dict[str, object]


@dataclass
class _Answer:
    """One question (NEW and not OLD, or OLD and not NEW) over part of the scope."""

    status: str  # "yes" | "no" | "unknown"
    witness: Witness | None = None
    reason: str = ""
    finite: bool = False  # a "no" that holds only for the N checked


def _combine(answers: list[_Answer]) -> _Answer:
    """The answer over the union of the parts: yes if any part has a witness."""
    for a in answers:
        if a.status == "yes":
            return a
    unknown = [a for a in answers if a.status == "unknown"]
    if unknown:
        return unknown[0]
    return _Answer("no", finite=any(a.finite for a in answers))


class _Job:
    def __init__(self, old_model, old_def, new_model, new_def, bindings, up_to, timeout_ms):
        self.models = (old_model, new_model)
        self.defs = (old_def, new_def)
        self.rules = (inline(old_def.body, old_model), inline(new_def.body, new_model))
        self.up_to = max(1, up_to)
        self.timeout_ms = timeout_ms
        self.notes: list[str] = []
        self._encoded: dict[tuple, _Encoded] = {}
        self._check_same_configurations()
        self._plan_params(bindings)

    # ---------------------------------------------------------- what the versions share

    def _check_same_configurations(self) -> None:
        (mo, mn), (do, dn) = self.models, self.defs
        if [type_key(b.ty) for b in do.params] != [type_key(b.ty) for b in dn.params]:
            show = lambda d: "(" + ", ".join(f"{b.name}: {b.ty}" for b in d.params) + ")"  # noqa: E731
            raise Mismatch(f"the parameters of {dn.name} changed: {show(do)} -> {show(dn)}")
        self.families = list(dict.fromkeys(_family_names(self.rules[0]) + _family_names(self.rules[1])))
        self.joint: dict[str, list[tuple[str, I.Type]]] = {}
        for name in self.families:
            fo, fn = _family(mo, name), _family(mn, name)
            if fo is not None and fn is not None and expr_str(fo.size) != expr_str(fn.size):
                raise Mismatch(f"the size of {name} changed ({expr_str(fo.size)} -> {expr_str(fn.size)}): "
                               f"the rules do not count over the same copies")
            slots: dict[str, I.Type] = {}
            for fam in (fo, fn):
                for v in (fam.locals if fam is not None else ()):
                    if v.name in slots and type_key(slots[v.name]) != type_key(v.ty):
                        raise Mismatch(f"the type of {name}.{v.shown} changed ({slots[v.name]} -> {v.ty})")
                    slots.setdefault(v.name, v.ty)
            self.joint[name] = list(slots.items())
        self.global_types: dict[str, I.Type] = {}
        for name in dict.fromkeys(_globals_read(self.rules[0]) + _globals_read(self.rules[1])):
            go, gn = _global(mo, name), _global(mn, name)
            if go is not None and gn is not None and type_key(go.ty) != type_key(gn.ty):
                raise Mismatch(f"the type of {name} changed ({go.ty} -> {gn.ty})")
            self.global_types[name] = (go or gn).ty  # type: ignore[union-attr]

    def _plan_params(self, bindings) -> None:
        (mo, mn) = self.models
        self.ptypes: dict[str, I.Type] = {}
        for p in [*mo.params, *mn.params]:
            if p.name in self.ptypes and _kind(self.ptypes[p.name]) != _kind(p.ty):
                raise Mismatch(f"param {p.name} changed its type ({self.ptypes[p.name]} -> {p.ty})")
            self.ptypes.setdefault(p.name, p.ty)
        used = [params_used(r, m) for r, m in zip(self.rules, self.models)]
        self.used = [n for n in self.ptypes if n in used[0] | used[1]]
        # the population: the size of a family a rule counts over, else a counter's bound
        self.pop: str | None = None
        for r, m in zip(self.rules, self.models):
            for n in preorder(r):
                e = None
                if isinstance(n, I.Quant) and isinstance(n.domain, I.ProcType):
                    e = m.family_named(n.domain.family).size
                elif isinstance(n, (I.VarRef, I.Index)) and isinstance(n.ty, I.IntType) and n.ty.bounded \
                        and isinstance(n.ty.lo, I.Lit) and n.ty.lo.value == 0:
                    e = n.ty.hi
                if self.pop is None and isinstance(e, I.ParamRef) and isinstance(self.ptypes.get(e.name), I.IntType):
                    self.pop = e.name
        # params that bound a domain the encoding enumerates need values
        shape: set[str] = set()
        for r, m in zip(self.rules, self.models):
            for name in self.families:
                fam = _family(m, name)
                for v in (fam.locals if fam is not None else ()):
                    shape |= _bound_params(v.ty, m, True)
            for name in self.global_types:
                g = _global(m, name)
                if g is not None:
                    shape |= _bound_params(g.ty, m, False)
            for n in preorder(r):
                if isinstance(n, I.Quant) and not isinstance(n.domain, I.ProcType):
                    shape |= _bound_params(n.domain, m, True)
        given = {**bindings[0], **bindings[1]}
        self.bound = {n: list(vs) for n, vs in given.items() if n in self.ptypes}
        self.shape: dict[str, list[object]] = {}
        for name in [n for n in self.ptypes if n in shape]:
            if name in self.bound:
                values = self.bound[name]
            elif name == self.pop:
                values = list(range(1, self.up_to + 1))
            else:
                values = self._values(name)
            if not values:
                raise Unsupported(f"param {name} has no value, and the rules range over a type it bounds")
            self.shape[name] = values
        for label, (m, other), reads in (("OLD", (mo, mn), used[0]), ("NEW", (mn, mo), used[1])):
            for p in m.params:
                if _param(other, p.name) is None and (p.name in reads or p.name in self.shape):
                    how = f"taken at its value ({self._values_text(p.name, self.shape[p.name])})" \
                        if p.name in self.shape else "left free"
                    self.notes.append(f"{p.name} is a param of {label} only: {how}")

    def _values(self, name: str) -> list[object]:
        """A param's values from its default or sweep, in either version (both, if they differ)."""
        out: list[object] = []
        for m in self.models:
            p = _param(m, name)
            if p is None:
                continue
            fixed = {q: vs[0] for q, vs in {**self.bound, **self.shape}.items() if len(vs) == 1}
            enc = Encoder(m, fixed)
            try:
                if p.default is not None:
                    got = [py_value(enc.const(p.default))]
                elif p.sweep is not None:
                    lo, hi = (py_value(enc.const(b)) for b in p.sweep)
                    got = list(range(lo, hi + 1))
                else:
                    got = []
            except Unsupported:
                got = []
            out += [v for v in got if v not in out]
        return out

    # ---------------------------------------------------------- encoding

    def encode(self, fixed: dict[str, object]) -> _Encoded:
        key = tuple(sorted(fixed.items()))
        got = self._encoded.get(key)
        if got is None:
            got = self._encoded[key] = self._encode(fixed)
        return got

    def _encode(self, fixed: dict[str, object]) -> _Encoded:
        params: dict[str, object] = {}
        for name, ty in self.ptypes.items():
            if name in fixed:
                params[name] = fixed[name]
            elif name in self.bound and len(self.bound[name]) == 1:
                params[name] = self.bound[name][0]
            elif isinstance(ty, I.RatType):
                params[name] = z3.Real(name)
            elif isinstance(ty, I.BoolType):
                params[name] = z3.Bool(name)
            else:
                params[name] = z3.Int(name)
        enc_old, enc_new = (JointEncoder(m, params, self.joint) for m in self.models)
        # one configuration: the same counters, globals and constraints; each version's own
        # threshold parameters (uids are per model) bound to the same values, by position
        cfg = Config("c")
        cfg_new = Config("c", cfg.counters, cfg.globals, {}, cfg.wf)
        for i, (bo, bn) in enumerate(zip(*(d.params for d in self.defs))):
            if isinstance(bn.ty, (I.ProcType, I.MapType)):
                raise Unsupported(f"a threshold parameter of type '{bn.ty}'")
            cfg.tparams[bo.uid] = cfg_new.tparams[bn.uid] = enc_new.free_value(f"{bn.name}#{i}@c", bn.ty, cfg)
        r_old = enc_old.expr(self.rules[0], cfg, {})
        r_new = enc_new.expr(self.rules[1], cfg_new, {})
        facts: list[z3.BoolRef] = []
        for m, enc in zip(self.models, (enc_old, enc_new)):
            facts += [enc.const(a.expr) for a in m.assumes]
            for p in m.params:
                x = params[p.name]
                if not isinstance(x, z3.ExprRef):
                    continue
                if isinstance(p.ty, I.IntType) and p.ty.lo is not None and p.ty.hi is not None:
                    facts += [x >= enc.const(p.ty.lo), x <= enc.const(p.ty.hi)]
                if isinstance(p.ty, I.EnumType):
                    facts += [x >= 0, x < len(p.ty.members)]
        for name, values in self.bound.items():
            x = params[name]
            if isinstance(x, z3.ExprRef):
                facts.append(z3.Or([x == zv(v) for v in values]))
        facts += cfg.wf
        for label, enc in (("OLD", enc_old), ("NEW", enc_new)):
            if enc.guards:
                res = self._check(facts + [z3.Not(z3.And(enc.guards))])
                if res[0] != "unsat":
                    raise Unsupported(f"a division by zero is possible in the {label} rule")
        return _Encoded(enc_old, enc_new, cfg, cfg_new, r_old, r_new, facts, params)

    # ---------------------------------------------------------- queries

    def _check(self, facts: list) -> tuple[str, z3.ModelRef | None, str]:
        s = z3.Solver()
        s.set("timeout", self.timeout_ms)
        s.add(*facts)
        res = s.check()
        if res == z3.sat:
            return "sat", s.model(), ""
        if res == z3.unsat:
            return "unsat", None, ""
        return "unknown", None, s.reason_unknown()

    def _why(self, solver_reason: str, where: str = "") -> str:
        """Why a query has no answer, in the model's terms (never the solver's text)."""
        open_params = {n for n in self.ptypes if n not in self.shape and not (n in self.bound and len(self.bound[n]) == 1)}
        product = next((x for x in (_nonlinear(r, open_params) for r in self.rules) if x), None)
        if "timeout" in solver_reason or "canceled" in solver_reason:
            why = f"no answer within {self.timeout_ms / 1000:g} s"
        else:
            why = "the solver cannot decide it"
        if product:
            why += f" (the rule multiplies or divides values that are not constants: '{product}')"
        return f"{where}: {why}" if where else why

    def ask(self, e: _Encoded, new_passes: bool, finite: bool, where: str = "") -> _Answer:
        goal = [e.r_new, z3.Not(e.r_old)] if new_passes else [e.r_old, z3.Not(e.r_new)]
        status, mdl, reason = self._check(e.facts + goal)
        if status == "unsat":
            return _Answer("no", finite=finite)
        if status == "unknown":
            return _Answer("unknown", reason=self._why(reason, where))
        return _Answer("yes", witness=self.witness(e, e.facts + goal, "NEW" if new_passes else "OLD"))

    # ---------------------------------------------------------- witnesses

    def witness(self, e: _Encoded, facts: list, passes: str) -> Witness:
        """The configuration with the smallest population, then the fewest copies in the
        earlier local states, then the smallest values (false before true)."""
        facts = list(facts)
        s = z3.Solver()
        s.set("timeout", self.timeout_ms)
        s.add(*facts)
        s.check()
        mdl = s.model()
        order = [e.params[n] for n in ([self.pop] if self.pop else []) + [n for n in self.used if n != self.pop]]
        order = [t for t in order if isinstance(t, z3.ExprRef)]
        order += [c for counters in e.cfg.counters.values() for c in counters.values()]
        order += list(e.cfg_new.tparams.values())
        order += [t for _, t in sorted(e.cfg.globals.items(), key=lambda kv: kv[0])]
        for t in order:
            cur = mdl.eval(t, model_completion=True)
            if z3.is_bool(t):
                if z3.is_true(cur):
                    s.push()
                    s.add(z3.Not(t))
                    if s.check() == z3.sat:
                        cur, mdl = z3.BoolVal(False), s.model()
                    s.pop()
            elif z3.is_int(t) and z3.is_int_value(cur) and cur.as_long() > 0:
                lo, hi = 0, cur.as_long()  # the smallest m >= 0 with a model of t <= m (or t <= 0)
                while lo < hi:
                    mid = (lo + hi) // 2
                    s.push()
                    s.add(t <= mid)
                    if s.check() == z3.sat:
                        hi, mdl = mid, s.model()
                    else:
                        lo = mid + 1
                    s.pop()
                cur = mdl.eval(t, model_completion=True)
            s.add(t == cur)
            if s.check() != z3.sat:  # a timeout while shrinking: keep what was found
                break
            mdl = s.model()
        return Witness(passes, self.shown_params(e, mdl), self.config_text(e, mdl))

    def shown_params(self, e: _Encoded, mdl: z3.ModelRef) -> tuple[tuple[str, object], ...]:
        """The params the rules read, population first, as display values (NOTE(display))."""
        names = ([self.pop] if self.pop else []) + [n for n in self.used if n != self.pop]
        out: list[tuple[str, object]] = []
        for n in names:
            v = e.params[n]
            v = py_value(mdl.eval(v, model_completion=True)) if isinstance(v, z3.ExprRef) else v
            shown: object = v
            if isinstance(self.ptypes[n], I.EnumType) or isinstance(v, Fraction):
                shown = value_str(v, self.ptypes[n])
            out.append((n, shown))
        return tuple(out)

    def config_text(self, e: _Encoded, mdl: z3.ModelRef) -> str:
        """As `forkproof thresholds` shows one: non-empty local states, then the globals and
        the threshold's arguments the rules read."""
        parts = []
        for fam, counters in e.cfg.counters.items():
            values = {st: py_value(mdl.eval(c, model_completion=True)) for st, c in counters.items()}
            parts += [f"{v} x ({st.label})" for st, v in values.items() if v]
            if not any(values.values()):
                parts.append(f"no {fam}")
        for (name, path), t in sorted(e.cfg.globals.items(), key=lambda kv: kv[0]):
            ty = self.global_types[name]
            where = entry_text(_global(self.models[1], name) or _global(self.models[0], name), name, ty, path)
            for _ in path:
                ty = ty.value  # type: ignore[union-attr]
            parts.append(f"{where} = {value_str(py_value(mdl.eval(t, model_completion=True)), ty)}")
        for b in self.defs[1].params:
            t = e.cfg_new.tparams[b.uid]
            parts.append(f"{b.name} = {value_str(py_value(mdl.eval(t, model_completion=True)), b.ty)}")
        return ", ".join(parts) or "any configuration"

    # ---------------------------------------------------------- the comparison

    def run(self) -> RuleComparison:
        shape = {n: vs for n, vs in self.shape.items() if n != self.pop}
        names = list(shape)
        combos = list(itertools.product(*(shape[n] for n in names)))
        if len(combos) > MAX_COMBINATIONS:
            raise Unsupported(f"{len(combos)} combinations of {', '.join(names)} (more than {MAX_COMBINATIONS})")
        # the population takes each of its values (a domain it bounds, or several --param values), or stays open
        pop_each = self.pop is not None and self.pop in self.shape
        pop_finite = pop_each or (self.pop is not None and len(self.bound.get(self.pop, [])) > 1)
        answers: dict[bool, list[_Answer]] = {True: [], False: []}
        first: _Encoded | None = None
        finite_used = pop_finite
        for combo in combos:
            fixed = dict(zip(names, combo))
            parts = [fixed | {self.pop: n} for n in self.shape[self.pop]] if pop_each else [fixed]  # type: ignore[index]
            got: dict[bool, list[_Answer]] = {True: [], False: []}
            for f in parts:
                e = self.encode(f)
                if self._check(e.facts)[0] == "unsat":
                    continue  # no configuration here: the assumptions exclude these values
                first = first or e
                where = f"at {self.pop} = {f[self.pop]}" if self.pop in f else ""
                for new_passes in (True, False):
                    if not any(a.status == "yes" for a in got[new_passes]):
                        got[new_passes].append(self.ask(e, new_passes, pop_finite, where))
            for new_passes in (True, False):
                if not got[new_passes]:
                    continue
                a = _combine(got[new_passes])
                if a.status == "unknown" and self.pop is not None and not pop_finite:
                    a = self.ask_each_n(fixed, new_passes, a)
                    finite_used = True
                answers[new_passes].append(a)
        if first is None:
            return RuleComparison("unknown", self.scope(None, pop_finite), reason="no configuration satisfies the "
                                  "assumptions of both versions", notes=tuple(self.notes))
        admits, rejects = _combine(answers[True]), _combine(answers[False])
        status = {"yes": True, "no": False, "unknown": None}
        a_more, r_more = status[admits.status], status[rejects.status]
        relation = relation_of(a_more, r_more)
        finite = admits.finite or rejects.finite or (finite_used and relation in ("incomparable", "unknown"))
        witnesses = tuple(x.witness for x in (admits, rejects) if x.witness is not None)
        reason = next((x.reason for x in (admits, rejects) if x.status == "unknown"), "")
        return RuleComparison(relation, self.scope(first, finite), "finite" if finite else "symbolic", a_more, r_more,
                              witnesses, reason, tuple(self.notes))

    def ask_each_n(self, fixed: dict[str, object], new_passes: bool, symbolic: _Answer) -> _Answer:
        """NOTE(rule-compare): the symbolic query had no answer; ask it at N = 1..K."""
        assert self.pop is not None
        got = []
        for n in range(1, self.up_to + 1):
            e = self.encode(fixed | {self.pop: n})
            if self._check(e.facts)[0] == "unsat":
                continue  # no configuration at this N (the assumptions exclude it)
            a = self.ask(e, new_passes, True, f"at {self.pop} = {n}")
            if a.status == "yes":
                return a
            got.append(a)
        a = _combine(got)
        if a.status == "unknown":
            return _Answer("unknown", reason=f"for all {self.pop}: {symbolic.reason}; {a.reason}")
        return a

    def scope(self, e: _Encoded | None, finite: bool) -> str:
        """"for all N >= 1 (assuming N >= 1)", "N = 1..10, at V = 2 (assuming ...)"."""
        parts: list[str] = []
        open_: list[str] = []
        fixed: list[str] = []
        for n in ([self.pop] if self.pop else []) + [x for x in self.used if x != self.pop]:
            values = self.shape.get(n) or self.bound.get(n)
            if n == self.pop and finite:
                parts.append(self._values_text(n, values or list(range(1, self.up_to + 1))))
            elif values:
                fixed.append(self._values_text(n, values))
            elif e is not None and z3.is_int(e.params[n]) and not isinstance(self.ptypes[n], I.EnumType):
                opt = z3.Optimize()
                opt.set("timeout", self.timeout_ms)
                opt.add(*e.facts)
                h = opt.minimize(e.params[n])
                low = opt.lower(h) if opt.check() == z3.sat else None
                open_.append(f"{n} >= {low.as_long()}" if low is not None and z3.is_int_value(low) else f"every {n}")
            else:
                open_.append(f"every {n}")
        fixed += [self._values_text(n, vs) for n, vs in self.shape.items() if n not in self.used and n != self.pop]
        if open_:
            parts.append("for all " + ", ".join(open_))
        if fixed:
            parts.append("at " + ", ".join(fixed))
        if not parts:
            parts.append("for every configuration")
        assumes = list(dict.fromkeys(expr_str(c) for m in self.models for a in m.assumes for c in _conjuncts(a.expr)))
        return ", ".join(parts) + (f" (assuming {' and '.join(assumes)})" if assumes else "")

    def _values_text(self, name: str, values: list[object]) -> str:
        """"N = 1..10", "RULE = A, B"."""
        if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return f"{name} = {compress(sorted(set(values)))}"  # type: ignore[arg-type]
        return f"{name} = {' or '.join(value_str(v, self.ptypes[name]) for v in values)}"
