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

Fairness restricts the behaviours considered.  A fairness group is an action, or an action
and values of the parameters listed (`fair action vote(v)`: one group per validator).  A
group is enabled in a state when one of its instances is (its guard holds), and taken on a
step by one of its instances.  Weak: no behaviour in which the group is enabled in every
state from some point on but taken finitely often.  Strong: no behaviour in which it is
enabled infinitely often but taken finitely often.
"""
from __future__ import annotations

from dataclasses import dataclass

from forkproof.semantics.compile import has_primes, is_temporal
from forkproof.semantics.instance import display_value
from forkproof.spec import ir as I


@dataclass(frozen=True)
class Liveness:
    """A property reduced to one of the forms above: `kind` is "initially" | "always" |
    "eventually" | "leadsto" | "infinitely" | "stabilizes"; `p` and `q` state predicates
    (for "leadsto" p ~> q; for "infinitely" q is the predicate; for the others p)."""

    name: str
    kind: str
    p: I.Expr | None
    q: I.Expr | None = None

    @property
    def is_safety(self) -> bool:
        return self.kind in ("initially", "always")


TRUE = I.Lit(True, I.BOOL)


def classify(prop: I.Property) -> Liveness | str:
    """The property's form, or the reason it is not one that forkproof checks."""
    e = prop.expr
    state = lambda x: not is_temporal(x) and not has_primes(x)
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
            out.append(FairGroup(label, f.strong, frozenset(members)))
    return out


def group_label(action: I.Action, per: dict) -> str:
    if not per:
        return action.name
    shown = ", ".join(f"{n} = {_show(display_value(v, ty))}" for n, (ty, v) in per.items())
    return f"{action.name}({shown})"


def _show(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)
