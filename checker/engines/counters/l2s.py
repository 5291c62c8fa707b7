"""Liveness to safety: a liveness property of an encoding as a safety property of a bigger one.

NOTE(l2s): `LassoMonitor(enc, prop, groups)` wraps an encoding (checker/engines/symbolic/encode.py `Encoding`,
or checker/engines/counters/abstraction.py `CounterEncoding` for every size at once) so that k-induction and
PDR, which prove safety, prove liveness: a fair lasso that breaks `prop`
(NOTE(liveness-semantics) in checker/semantics/temporal.py) exists iff the monitor can reach a bad
state.  The monitor's state is the original state `s`, a saved copy `h`, and flags:
  live   the run can still break the property here: eventually P: no P so far; P ~> Q: a P
         state was seen and no Q since (Q false here); always eventually Q: no Q since some
         point; eventually always P: always true;
  saved  a state was saved (the nondeterministic choice to save is part of the action
         choice: `action@t` in [0, 2m), values m.. save the pre-state and take action c - m);
  keep   `live` held in every state since the save;
  seen   (eventually always P) a not-P state since the save;
  en_g, tk_g  per fairness group g, since the save: weak: g enabled in every state; strong:
         g enabled in some state; and g taken on some step.  Enabled is for fairness
         (NOTE(fair-when) in checker/semantics/temporal.py): a member's guard and the
         group's condition.
  as_j   per assumption j (NOTE(assume) in checker/semantics/temporal.py), after the
         groups' flags, since the save: `always eventually A`: A in some state (as a strong
         group's en_g); `eventually always A`: A in every state (as a weak group's).
Bad: saved, s == h, keep (and seen), every group fair on the loop (en_g implies tk_g) and
every assumption met on it (as_j); or a deadlock (no action enabled: the state stutters
forever, every group disabled) while live (and, for eventually always P, P false there)
where every assumption's A holds.  An assumption read on the counters is read on every
concrete state of the loop alike: a state predicate over the counters is symmetric, so the
concrete cycle that goes round the counter loop several times (checker/engines/counters/prove.py
`_liveness`) meets it as the counter loop does.
Sound only when every run of one instance has finitely many states (every slot bounded):
then every infinite run is a lasso, so "no bad state is reachable" proves the property.
Callers give "unknown" for models with unbounded slots (checker/engines/counters/prove.py
`unbounded_slots`).

Used for every size at once (checker/engines/counters/prove.py).  The fixed-instance engines use
checker/engines/symbolic/lasso.py's `Monitor`, built the same way but with the save decided by the next
state's flag; on the counters this monitor's explicit save choice (in the action choice)
and its single `keep` flag made Spacer's runs far steadier: the 0L model's two liveness
properties under RULE = Intended took 5-11 s here, and hit a 120 s timeout with `Monitor`
(two runs each, same machine, same load).
"""
from __future__ import annotations

import z3

from forkproof.engines.symbolic.encode import SymProp, conj, disj, ite, neg, zval
from forkproof.engines.symbolic.lasso import fair_enabled
from forkproof.semantics.temporal import FairGroup, Liveness
from forkproof.spec import ir as I


class Unsupported(Exception):
    """The property cannot be monitored exactly; the message says why."""


class LassoMonitor:
    def __init__(self, enc, prop: Liveness, groups: list[FairGroup]):
        self.base, self.prop, self.groups = enc, prop, groups
        self.inst = enc.inst
        n = self.n0 = enc.n
        self.m = len(enc.actions)
        self.flag_names = (["saved", "live", "keep", "seen"] + [f"{x}{i}" for i in range(len(groups)) for x in ("en", "tk")]
                           + [f"as{j}" for j in range(len(prop.assume))])
        self.n = 2 * n + len(self.flag_names)
        self.sorts = list(enc.sorts) * 2 + [z3.BoolSort()] * len(self.flag_names)
        self.names = (list(enc.inst.slot_names) + [f"saved.{x}" for x in enc.inst.slot_names]
                      + [f"#{f}" for f in self.flag_names])
        self.labels = (list(enc.inst.slot_labels) + [f"saved.{x}" for x in enc.inst.slot_labels]  # NOTE(slot-labels)
                       + [f"#{f}" for f in self.flag_names])
        self.types = list(enc.inst.slot_types) * 2 + [I.BOOL] * len(self.flag_names)
        self.props = [SymProp(prop.name, "property", False, lambda x, t=None: z3.Not(self.bad(x)))]
        self.actions = enc.actions
        # anything outside what can be evaluated exactly shows now
        x = self.vars("check")
        self.bad(x)
        self.trans(x, self.vars("check'"), "check")

    # ------------------------------------------------------------ layout

    def vars(self, tag) -> list[z3.ExprRef]:
        return [z3.Const(f"{name}@{tag}", sort) for name, sort in zip(self.names, self.sorts)]

    def parts(self, x: list):
        n = self.n0
        s, h, f = x[:n], x[n:2 * n], x[2 * n:]
        flags = dict(zip(self.flag_names, f))
        return s, h, flags

    def choice_var(self, tag) -> z3.ArithRef:
        return self.base.choice_var(tag)

    def decode(self, model, x: list) -> tuple:
        return tuple(self.base.decode(model, x[:self.n0]))

    def decode_all(self, model, x: list) -> tuple:
        return self.base.decode(model, x[:self.n0]) + self.base.decode(model, x[self.n0:2 * self.n0])

    # ------------------------------------------------------------ predicates

    def _pred(self, e: I.Expr, s: list) -> z3.BoolRef:
        v, ok = self.base.expr(e, s, None, {})
        if ok is not True:
            raise Unsupported(f"a condition of '{self.prop.name}' can fail to evaluate")
        return z3.BoolVal(v) if isinstance(v, bool) else v

    def _live0(self, s):
        p = self.prop
        if p.kind == "eventually":
            return z3.Not(self._pred(p.p, s))
        if p.kind in ("leadsto", "infinitely"):
            return z3.And(self._pred(p.p, s), z3.Not(self._pred(p.q, s)))
        if p.kind == "stabilizes":
            return z3.BoolVal(True)
        raise Unsupported(f"'{p.kind}' is not a liveness form")

    def _live_next(self, live, t):
        p = self.prop
        if p.kind == "eventually":
            return z3.And(live, z3.Not(self._pred(p.p, t)))
        if p.kind in ("leadsto", "infinitely"):
            return z3.And(z3.Or(live, self._pred(p.p, t)), z3.Not(self._pred(p.q, t)))
        return z3.BoolVal(True)

    def _enabled(self, s, g: FairGroup):
        """NOTE(fair-when): a member's guard and the group's condition, read with the member's
        arguments (a copy in one local state for a family parameter: exact, as the guard is)."""
        return fair_enabled(self.base, g, s)

    def _deadlocked(self, s):
        return _b(neg(disj(*[a.enabled(s) for a in self.base.actions])))

    # ------------------------------------------------------------ the monitor

    def wf(self, x: list) -> z3.BoolRef:
        s, h, _ = self.parts(x)
        return z3.And(self.base.wf(s), self.base.wf(h))

    def init(self, x: list) -> z3.BoolRef:
        s, h, f = self.parts(x)
        parts = [self.base.init(s), self.base.same(s, h), z3.Not(f["saved"]), f["live"] == self._live0(s),
                 z3.Not(f["keep"]), z3.Not(f["seen"])]
        for i in range(len(self.groups)):
            parts += [z3.Not(f[f"en{i}"]), z3.Not(f[f"tk{i}"])]
        parts += [z3.Not(f[f"as{j}"]) for j in range(len(self.prop.assume))]
        return z3.And(*parts)

    def same(self, x: list, y: list) -> z3.BoolRef:
        return z3.And(*[a == b for a, b in zip(x, y)])

    def trans(self, x: list, y: list, tag=None) -> z3.BoolRef:
        s, h, f = self.parts(x)
        t, h2, g = self.parts(y)
        c = self.choice_var(t if tag is None else tag)
        m = self.m
        if not m:
            return z3.BoolVal(False)
        valid, nxt = [], list(s)
        for i, a in reversed(list(enumerate(self.base.actions))):
            ok, writes = a.step(s)
            picked = z3.Or(c == i, c == i + m)
            valid.append(conj(picked, ok))
            for k, v in writes.items():
                nxt[k] = ite(picked, v, nxt[k])
        moves = [t[k] == zval(nxt[k]) for k in range(self.n0)]
        saving = z3.And(z3.Not(f["saved"]), c >= m, f["live"])
        active = z3.Or(f["saved"], saving)
        live_t = self._live_next(f["live"], t)
        parts = [c >= 0, c < 2 * m, _b(disj(*valid)), *moves,
                 g["saved"] == active,
                 *[b == z3.If(saving, a, hb) for a, b, hb in zip(s, h2, h)],
                 g["live"] == live_t,
                 g["keep"] == z3.If(saving, live_t, z3.And(f["keep"], live_t)),
                 ]
        if self.prop.kind == "stabilizes":
            not_p = lambda st: z3.Not(self._pred(self.prop.p, st))
            parts.append(g["seen"] == z3.If(saving, z3.Or(not_p(s), not_p(t)), z3.And(f["saved"], z3.Or(f["seen"], not_p(t)))))
        else:
            parts.append(z3.Not(g["seen"]))
        for i, gr in enumerate(self.groups):
            en_s = self._enabled(s, gr)
            taken = z3.Or(*[z3.Or(c == j, c == j + m) for j in sorted(gr.members)]) if gr.members else z3.BoolVal(False)
            en, tk = f[f"en{i}"], f[f"tk{i}"]
            grown = z3.Or(en, en_s) if gr.strong else z3.And(en, en_s)
            parts.append(g[f"en{i}"] == z3.If(saving, en_s, z3.If(f["saved"], grown, z3.BoolVal(False))))
            parts.append(g[f"tk{i}"] == z3.If(saving, taken, z3.If(f["saved"], z3.Or(tk, taken), z3.BoolVal(False))))
        for j, x in enumerate(self.prop.assume):
            a_s, was = self._pred(x.a, s), f[f"as{j}"]
            grown = z3.Or(was, a_s) if x.kind == "infinitely" else z3.And(was, a_s)
            parts.append(g[f"as{j}"] == z3.If(saving, a_s, z3.If(f["saved"], grown, z3.BoolVal(False))))
        return z3.And(*parts)

    def bad(self, x: list) -> z3.BoolRef:
        s, h, f = self.parts(x)
        fair = [z3.Implies(f[f"en{i}"], f[f"tk{i}"]) for i in range(len(self.groups))]
        assumed = [f[f"as{j}"] for j in range(len(self.prop.assume))]
        loop = [f["saved"], self.base.same(s, h), f["keep"], *fair, *assumed]
        assumed_dead = [self._pred(x.a, s) for x in self.prop.assume]
        if self.prop.kind == "stabilizes":
            loop.append(f["seen"])
            dead = z3.And(self._deadlocked(s), z3.Not(self._pred(self.prop.p, s)), *assumed_dead)
        else:
            dead = z3.And(self._deadlocked(s), f["live"], *assumed_dead)
        return z3.Or(z3.And(*loop), dead)


def _b(x) -> z3.BoolRef:
    return z3.BoolVal(x) if isinstance(x, bool) else x
