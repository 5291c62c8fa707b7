"""Temporal properties and fairness, as every engine sees them.

NOTE(liveness-semantics) (docs/language.md section 5.10): a behaviour is an infinite
sequence of states from an initial state, each step an enabled action instance whose update
runs cleanly; a state with no enabled action stutters forever (it repeats itself), and a
state whose enabled actions all raise runtime errors ends the behaviour (the runtime error
is reported on its own; such finite runs are not behaviours).  The forms checked:

  P                      P holds in every initial state
  always P               P holds in every state                       (safety: an invariant)
  eventually P           every fair behaviour reaches a P state
  P ~> Q                 after every P state (itself included), a Q state follows
  always eventually P    P holds infinitely often                     (= true ~> P)
  eventually always P    from some point on, P holds forever
  always (P ~> Q)        the same as P ~> Q
P and Q are state predicates (no temporal operator, no primes).  Other combinations are
reported `unknown` with the reason.

NOTE(assume): a liveness property may carry environment assumptions on its left,
`A1 and ... and An implies F`, F one of the lasso forms above (eventually, ~>, always
eventually, eventually always), each Ai one of
  always eventually A     A holds infinitely often: some loop state of a lasso satisfies A
  eventually always A     A holds from some point on: every loop state satisfies A
with A a state predicate (the type checker refuses other shapes, FP326 and FP327 in
spec/typecheck.py).  The property must hold on every fair behaviour that satisfies every
assumption; a counterexample is a fair lasso whose loop satisfies every assumption and on
which F fails.  An assumption reads the loop only, as fairness does, and every engine
checks it there, beside the fairness groups: the explicit fair components
(checker/engines/liveness.py), the lasso search and liveness to safety
(checker/engines/symbolic/lasso.py) and the counters (checker/engines/counters/l2s.py).  A
deadlock's loop is its one state.  As for P and Q, A must evaluate to hold: a state where it
fails to evaluate satisfies no assumption, and the engines that prove say unknown when such
a state is reachable, as they do for the property's own conditions.

Fairness restricts the behaviours considered.  A fairness group is an action, or an action
and values of the parameters listed (`fair action vote(v)`: one group per validator).  A
group is enabled in a state when one of its instances is (its guard holds), and taken on a
step by one of its instances.  Weak: no behaviour in which the group is enabled in every
state from some point on but taken finitely often.  Strong: no behaviour in which it is
enabled infinitely often but taken finitely often.

NOTE(fair-when): `fair action A when C` gives the group its own condition: an instance of A
counts as enabled for fairness where its guard holds and C holds (C read with the instance's
arguments for A's parameters); the group where one of its instances does.  The weak and
strong rules above are unchanged, over this enabledness.  Without `when`, C is true: the
guard alone.  Why "C and the guard" and not C alone: the action can only be taken where its
guard holds, so a demand to take it where the guard fails would rule out runs the model
has, an assumption no run can meet, and a liveness proof under it would prove nothing.  So a
condition only ever weakens the fairness of the guard, never strengthens it, whatever C is.
In threshold-automaton models C implies the guard (`nsnt >= T + 1` implies `nsnt + F >= T +
1`, as F >= 0), and "C and the guard" is their justice condition: a copy that can take the
rule must take it once C holds for good (correct messages alone meet the bar), not merely
once the guard does (correct and faulty ones together).  A condition that fails to evaluate
(a division by zero) does not hold there: fairness then asks nothing of the group.  Every
engine that checks liveness reads enabledness through the group's condition: the explicit
fair components (checker/engines/liveness.py), the lasso search and liveness to safety
(checker/engines/symbolic/lasso.py) and the counters (checker/engines/counters/l2s.py).
"""
from __future__ import annotations

from dataclasses import dataclass

from forkproof.semantics.compile import EvalError, Fn, Program, has_primes, is_temporal, walk
from forkproof.semantics.instance import display_value
from forkproof.spec import ir as I


@dataclass(frozen=True)
class Assumption:
    """NOTE(assume): `kind` is "infinitely" (always eventually A: some loop state satisfies
    A) or "stabilizes" (eventually always A: every loop state does); `text` as written."""

    kind: str
    a: I.Expr
    text: str

    def on_loop(self, holds: list[bool]) -> bool:
        """Whether it holds on a loop whose states satisfy A as `holds` says."""
        return any(holds) if self.kind == "infinitely" else all(holds)


@dataclass(frozen=True)
class Liveness:
    """A property reduced to one of the forms above: `kind` is "initially" | "always" |
    "eventually" | "leadsto" | "infinitely" | "stabilizes"; `p` and `q` state predicates
    (for "leadsto" p ~> q; for "infinitely" q is the predicate; for the others p);
    `assume` its environment assumptions (NOTE(assume)), none for most properties."""

    name: str
    kind: str
    p: I.Expr | None
    q: I.Expr | None = None
    assume: tuple[Assumption, ...] = ()

    @property
    def is_safety(self) -> bool:
        return self.kind in ("initially", "always")

    def conditions(self) -> list[I.Expr]:
        """Every state predicate the engines evaluate for it: p, q and the assumptions'."""
        return [e for e in (self.p, self.q) if e is not None] + [x.a for x in self.assume]


TRUE = I.Lit(True, I.BOOL)


def _state(x: I.Expr) -> bool:
    return not is_temporal(x) and not has_primes(x)


def assumption(e: I.Expr) -> Assumption | None:
    """`always eventually A` or `eventually always A` with A a state predicate, else None."""
    if isinstance(e, I.Unary) and e.op in (I.UnOp.ALWAYS, I.UnOp.EVENTUALLY):
        inner = e.arg
        if isinstance(inner, I.Unary) and inner.op in (I.UnOp.ALWAYS, I.UnOp.EVENTUALLY) \
                and inner.op is not e.op and _state(inner.arg):
            kind = "infinitely" if e.op is I.UnOp.ALWAYS else "stabilizes"
            return Assumption(kind, inner.arg, I.expr_str(e))
    return None


def conjuncts(e: I.Expr) -> list[I.Expr]:
    if isinstance(e, I.Binary) and e.op is I.BinOp.AND:
        return conjuncts(e.left) + conjuncts(e.right)
    return [e]


def classify(prop: I.Property) -> Liveness | str:
    """The property's form, or the reason it is not one that forkproof checks."""
    e = prop.expr
    if isinstance(e, I.Binary) and e.op is I.BinOp.IMPLIES and is_temporal(e.left):
        # NOTE(assume): the type checker let only these shapes through; anything else here
        # came from elsewhere (a hand-built IR) and is not checked
        assumed = [assumption(x) for x in conjuncts(e.left)]
        form = classify(I.Property(prop.name, e.right))
        if any(x is None for x in assumed) or isinstance(form, str) or form.is_safety or form.assume:
            return ("not a form forkproof checks: assumptions are `always eventually A` or `eventually always A`, "
                    "joined by `and`, on the left of `implies` with a liveness property on the right")
        return Liveness(form.name, form.kind, form.p, form.q, tuple(assumed))  # type: ignore[arg-type]
    state = _state
    if state(e):
        return Liveness(prop.name, "initially", e)
    if isinstance(e, I.Unary) and e.op is I.UnOp.ALWAYS:
        a = e.arg
        if state(a):
            return Liveness(prop.name, "always", a)
        if isinstance(a, I.Unary) and a.op is I.UnOp.EVENTUALLY and state(a.arg):
            return Liveness(prop.name, "infinitely", TRUE, a.arg)
        if isinstance(a, I.Binary) and a.op is I.BinOp.LEADSTO and state(a.left) and state(a.right):
            return Liveness(prop.name, "leadsto", a.left, a.right)
    if isinstance(e, I.Unary) and e.op is I.UnOp.EVENTUALLY:
        a = e.arg
        if state(a):
            return Liveness(prop.name, "eventually", a)
        if isinstance(a, I.Unary) and a.op is I.UnOp.ALWAYS and state(a.arg):
            return Liveness(prop.name, "stabilizes", a.arg)
    if isinstance(e, I.Binary) and e.op is I.BinOp.LEADSTO and state(e.left) and state(e.right):
        return Liveness(prop.name, "leadsto", e.left, e.right)
    return ("not a form forkproof checks: use P, always P, eventually P, P ~> Q, always eventually P "
            "or eventually always P with P, Q state conditions")


@dataclass(frozen=True)
class FairGroup:
    """One fairness requirement over the action instances `members` (indices into the
    program's action instances, or into an encoding's actions: both are in model order
    with arguments in domain order)."""

    label: str  # "vote(v = Validator[1])", or "expire"
    strong: bool
    members: frozenset[int]
    when: I.Expr | None = None  # NOTE(fair-when): the condition besides the guard; None: the guard alone
    binders: tuple[I.Binder, ...] = ()  # the action's parameters, which `when` may read

    def bound(self, args: tuple) -> dict[int, object]:
        """`when`'s bindings for one member, given its arguments (binder uid -> value)."""
        return {b.uid: v for b, v in zip(self.binders, args)}

    def concrete(self, compiler, acts: list, env: list):
        """NOTE(fair-when) on concrete states: `on(state, enabled)` says whether the group is
        enabled for fairness in `state`, given the bitmask of the action instances `acts`
        enabled there; the condition is compiled once.  A condition that fails to evaluate
        does not hold."""
        members = sorted(self.members)
        if self.when is None:
            mask = sum(1 << i for i in members)
            return lambda state, enabled: bool(enabled & mask)
        def holds(fn, state) -> bool:
            try:
                return bool(fn(state, None, env))
            except EvalError:
                return False

        if not self.per_instance:
            mask, fn = sum(1 << i for i in members), compiler.expr(self.when)
            return lambda state, enabled: bool(enabled & mask) and holds(fn, state)
        # an instance the program left out (None: its guard is false in every state) is never enabled
        fns = [(1 << i, compiler.expr(self.when, self.bound(acts[i].args))) for i in members if acts[i] is not None]
        return lambda state, enabled: any(enabled & bit and holds(fn, state) for bit, fn in fns)

    @property
    def per_instance(self) -> bool:
        """`when` reads the action's parameters: it is evaluated for each member apart;
        otherwise "some member enabled, and `when`" is the same and smaller."""
        uids = {b.uid for b in self.binders}
        return self.when is not None and any(isinstance(n, I.BoundRef) and n.binder.uid in uids
                                             for n in walk(self.when))


def fair_groups(model: I.Model, instances: list[tuple[str, tuple]], show) -> list[FairGroup]:
    """The fairness groups of a model, given its action instances as (action name, args)
    in order.  `show(action, args_by_param)` renders a group's label."""
    out: list[FairGroup] = []
    actions = {a.name: a for a in model.actions}
    for f in model.fairness:
        a = actions[f.action]
        pos = [i for i, p in enumerate(a.params) if p.name in f.per]
        groups: dict[tuple, set[int]] = {}
        for idx, (name, args) in enumerate(instances):
            if name != f.action:
                continue
            groups.setdefault(tuple(args[i] for i in pos), set()).add(idx)
        for key, members in groups.items():
            label = show(a, {a.params[i].name: (a.params[i].ty, v) for i, v in zip(pos, key)})
            out.append(FairGroup(label, f.strong, frozenset(members), f.when, a.params))
    return out


def group_label(action: I.Action, per: dict) -> str:
    if not per:
        return action.name
    shown = ", ".join(f"{n} = {_show(display_value(v, ty))}" for n, (ty, v) in per.items())
    return f"{action.name}({shown})"


def _show(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


# ---------------------------------------------------------------- why a lasso is fair

@dataclass(frozen=True)
class Excluder:
    """NOTE(lasso-fairness): a fairness requirement the model does not make that would
    exclude one lasso.  `action` is an action name; `label` the group ("expire", or one
    action instance "vote(v = Validator[1], approve = true)" when the action as a whole is
    taken on the loop but this instance never is).  Weak: the group is enabled at every
    state of the loop and taken on no loop step, so weak fairness on it excludes the lasso.
    Strong: enabled at some loop states (`on`, a trace step) but not at all (`off`) and
    never taken, so weak fairness on it does not exclude the lasso and strong fairness does."""

    action: str
    label: str
    strong: bool
    per: tuple[str, ...] = ()  # the action's parameters, when the group is one instance
    on: int | None = None
    off: int | None = None

    def declaration(self) -> str:
        per = f"({', '.join(self.per)})" if self.per else ""
        return f"{'strong ' if self.strong else ''}fair action {self.action}{per}"


def loop_excluders(model: I.Model, instances: list[tuple[str, str]], loop_enabled: list[int], taken: set[int],
                   loop_start: int) -> list[Excluder]:
    """NOTE(lasso-fairness): the fairness requirements that would exclude a lasso whose loop
    visits states with the enabled-instance bitmasks `loop_enabled` (in order, the first at
    trace step `loop_start`) and takes the action instances `taken`.  `instances` are the
    program's action instances as (action name, label), in order.  An action taken on the
    loop is looked at instance by instance."""
    params = {a.name: tuple(p.name for p in a.params) for a in model.actions}
    by_action: dict[str, list[int]] = {}
    for i, (name, _) in enumerate(instances):
        by_action.setdefault(name, []).append(i)
    out: list[Excluder] = []

    def consider(action: str, label: str, members: list[int], per: tuple[str, ...]) -> None:
        mask = 0
        for i in members:
            mask |= 1 << i
        en = [bool(m & mask) for m in loop_enabled]
        if all(en):
            out.append(Excluder(action, label, False, per))
        elif any(en):
            out.append(Excluder(action, label, True, per, loop_start + en.index(True), loop_start + en.index(False)))

    for name, members in by_action.items():
        if not any(i in taken for i in members):
            consider(name, name, members, ())
        elif len(members) > 1:
            for i in members:
                if i not in taken:
                    consider(name, instances[i][1], [i], params.get(name, ()))
    return sorted(out, key=lambda e: (e.strong, bool(e.per)))


def weakly_fair(model: I.Model, action: str) -> bool:
    """The model declares the whole action weakly fair (`fair action NAME`)."""
    return any(f.action == action and not f.strong and not f.per for f in model.fairness)


def _declared_when(model: I.Model, chosen: list[Excluder]) -> list[I.Fairness]:
    """The model's fairness declarations with a condition on the actions of `chosen`."""
    return [f for f in model.fairness if f.when is not None and any(e.action == f.action for e in chosen)]


def _declaration(f: I.Fairness) -> str:
    per = f"({', '.join(f.per)})" if f.per else ""
    return f"{'strong ' if f.strong else ''}fair action {f.action}{per} when {I.expr_str(f.when)}"


def _conditioned(model: I.Model, chosen: list[Excluder]) -> str:
    """NOTE(fair-when): an excluder is fairness on the guard alone; where the model declares
    fairness with a condition on that action, say that the declared one also asks for the
    condition, so that the suggestion is not read as one the model already makes."""
    return "; ".join(dict.fromkeys(f"the declared `{_declaration(f)}` asks for '{f.action}' only where its "
                                   f"condition holds too" for f in _declared_when(model, chosen)))


def _quoted(names: list[str]) -> str:
    q = [f"'{n}'" for n in names]
    return q[0] if len(q) == 1 else ", ".join(q[:-1]) + " and " + q[-1]


def assumed_on_loop(assume: tuple[Assumption, ...], holds: list[list[bool]], loop_start: int) -> str:
    """NOTE(assume): that a lasso's loop meets the property's assumptions, and where, for the
    lasso's explanation; `holds[i]` says where the i-th assumption's A holds on the loop, the
    first loop state being trace step `loop_start`.  Empty without assumptions."""
    parts = []
    for x, h in zip(assume, holds):
        if x.kind == "infinitely" and len(h) > 1:
            where = f"{I.expr_str(x.a)} at step {loop_start + h.index(True)}"
        elif len(h) > 1:
            where = f"{I.expr_str(x.a)} at every step of it"
        else:
            where = f"{I.expr_str(x.a)} at step {loop_start}"
        parts.append(f"`{x.text}` ({where})")
    if not parts:
        return ""
    return (f"the assumption{'s' if len(parts) > 1 else ''} {' and '.join(parts)} "
            f"hold{'' if len(parts) > 1 else 's'} on the cycle")


def explain_loop(model: I.Model, excluders: list[Excluder], holds_then: bool | None, assumed: str = "") -> str:
    """NOTE(lasso-fairness): why a fair lasso breaks a property, and which fairness (weak or
    strong, on which action) would exclude it, only when one would: weak ones when there are
    any (weak fairness is the smaller promise), else strong ones; whole actions before single
    action instances.  `holds_then`: whether the property holds once that fairness is
    declared (None: not known).  "a fairness problem" only when it then holds, and not when
    the model declares those actions fair with a condition (NOTE(fair-when)): fairness on the
    guard is then what the author chose not to assume (faulty messages delivered).
    `assumed` (NOTE(assume), `assumed_on_loop`) closes the explanation when not empty."""
    why = _explain_loop(model, excluders, holds_then)
    return f"{why}; {assumed}" if assumed else why


def _explain_loop(model: I.Model, excluders: list[Excluder], holds_then: bool | None) -> str:
    head = "the cycle repeats forever without satisfying it, even though every fairness requirement is met"
    tier = min(((e.strong, bool(e.per)) for e in excluders), default=None)
    chosen = [e for e in excluders if (e.strong, bool(e.per)) == tier]
    if not chosen:
        return f"{head}; no fairness on any action would exclude it: every action enabled on the cycle is taken on it"
    one = len(chosen) == 1
    them = "it" if one else "them"
    decl = " and ".join(dict.fromkeys(f"`{e.declaration()}`" for e in chosen))
    names = _quoted([e.label for e in chosen])
    if not chosen[0].strong:
        why = f"the cycle keeps {names} enabled at every step and never takes {them}"
        declared = _declared_when(model, chosen)
        if declared and all(any(f.action == e.action for f in declared) for e in chosen):
            # NOTE(fair-when): the model meant the conditions; fairness on the guards is not a fix
            allow = " and ".join(f"`{_declaration(f)}`" for f in declared) + (" allows" if len(declared) == 1 else " allow")
            return (f"{head}: it keeps {names} enabled at every step and never takes {them}, which the declared "
                    f"{allow}; on {'its guard' if one else 'their guards'} alone, {decl} would exclude this lasso"
                    + {True: ", and the property would then hold",
                       False: ", but another lasso would still break the property", None: ""}[holds_then])
        if cond := _conditioned(model, chosen):
            why += f" ({cond})"
        if holds_then:
            return f"a fairness problem: {why}; with {decl} the property holds"
        return (f"{head}; {decl} would exclude this lasso ({why})"
                + (", but another lasso still breaks the property" if holds_then is False else ""))
    spots = "; ".join([f"{'it' if one else repr(e.label)} is enabled at step {e.on}, not at step {e.off}"
                       for e in chosen] + ([cond] if (cond := _conditioned(model, chosen)) else []))
    declared = all(weakly_fair(model, e.action) and not e.per for e in chosen)
    weak = f"{'its' if one else 'their'} declared weak fairness" if declared else "weak fairness"
    if holds_then:
        return (f"a fairness problem that only strong fairness fixes: the cycle never takes {names} ({spots}), "
                f"so {weak} does not exclude the cycle; with {decl} the property holds")
    return (f"{head}; only {decl} would exclude this lasso ({names} never taken; {spots})"
            + (", and another lasso would still break the property" if holds_then is False else ""))


@dataclass(frozen=True)
class SafetyCheck:
    """An invariant or `always P`, compiled: checked on a state (`step` false) or on a
    transition (a step invariant, or one that reads primed variables)."""

    name: str
    kind: str  # "invariant" | "step invariant" | "property"
    fn: Fn
    step: bool


def is_safety(p: I.Property) -> bool:
    """`always P` with P a state or step formula: checked state by state, with no state graph."""
    return isinstance(p.expr, I.Unary) and p.expr.op is I.UnOp.ALWAYS and not is_temporal(p.expr.arg)


def safety_checks(prog: Program) -> tuple[list[SafetyCheck], list[Liveness | tuple[str, str]]]:
    """The safety checks (invariants and `always P`) and the other properties: their form,
    or (name, why it is not checked).  What the explicit search and the simulation check."""
    comp, out, live = prog.compiler, [], []
    for inv in prog.inst.model.invariants:
        step = inv.step or has_primes(inv.expr)
        out.append(SafetyCheck(inv.name, "step invariant" if step else "invariant", comp.expr(inv.expr), step))
    for p in prog.inst.model.properties:
        e = p.expr
        if is_safety(p):
            assert isinstance(e, I.Unary)
            out.append(SafetyCheck(p.name, "property", comp.expr(e.arg), has_primes(e.arg)))
        else:
            form = classify(p)
            live.append(form if isinstance(form, Liveness) else (p.name, form))
    return out, live
