"""Fused expressions (NOTE(fused) in checker/semantics/compile.py) against the closure trees
they replace: every guard, assigned value and safety check compiled both ways must give the
same value, or raise the same error, on every state.

The reference is the program compiled with `compile.FUSE = False`; the states are those a
breadth-first walk of that program reaches (up to MAX_STATES), and each is tried with every
action instance and every check, the step checks on every transition.  A guard or a check
compares only a truth value, which hides most wrong numbers below it, so every closed
subexpression of the model (each of its own, compiled both ways) is compared too, value for
value, on the first SUB_STATES states.
"""
from __future__ import annotations

import itertools
import typing
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, event, given, note, settings

from forkproof.semantics import compile as C
from forkproof.run.plan import parse_bindings, plan
from forkproof.semantics.compile import Compiler, EvalError, ValueLimit, compile_program, has_primes, is_temporal, walk
from forkproof.semantics.instance import Instance, instantiate
from forkproof.semantics.temporal import safety_checks
from forkproof.spec import ir as I
from forkproof.spec.errors import ModelError
from forkproof.spec.load import load_model, load_model_text
from tests.gen import Generated, models
from tests.layout import ROOT

MAX_STATES = 300
SUB_STATES, MAX_SUBS = 40, 400
EXPR_TYPES = typing.get_args(I.Expr)


def outcome(f: Callable, *args) -> tuple:
    try:
        v = f(*args)
    except (EvalError, ValueLimit, ModelError) as e:
        return (type(e).__name__, str(e))
    kinds = tuple(type(x).__name__ for x in v) if type(v) is tuple else type(v).__name__
    return ("value", kinds, v)  # the types too: Fraction(2) == 2 and True == 1, but engines tell them apart


def compiled(inst: Instance, fuse: bool, monkeypatch: pytest.MonkeyPatch):
    with monkeypatch.context() as m:
        m.setattr(C, "FUSE", fuse)
        prog = compile_program(inst)
        checks, _ = safety_checks(prog)
    return prog, checks


def compare(inst: Instance, monkeypatch: pytest.MonkeyPatch, subexpressions: bool = True) -> int:
    """Walk the unfused program's states; at each, every guard, update and check of both
    programs must agree.  Returns how many evaluations were compared."""
    tree, tree_checks = compiled(inst, False, monkeypatch)
    fused, fused_checks = compiled(inst, True, monkeypatch)
    assert len(tree.actions) == len(fused.actions)
    env_t, env_f = tree.new_env(), fused.new_env()
    seen = dict.fromkeys(inst.initial_states())
    queue, compared = list(seen), 0
    while queue and len(seen) < MAX_STATES:
        s = queue.pop(0)
        for a, b in zip(tree_checks, fused_checks):
            if not a.step:
                assert outcome(b.fn, s, None, env_f) == outcome(a.fn, s, None, env_t), a.name
                compared += 1
        for a, b in zip(tree.actions, fused.actions):
            assert (a.action.name, a.args) == (b.action.name, b.args)
            if a.guard is not None:
                g = outcome(a.guard, s, None, env_t)
                assert outcome(b.guard, s, None, env_f) == g, (a.action.name, a.args)
                compared += 1
                if g[0] != "value" or not g[2]:
                    continue
            u = outcome(a.update, s, env_t)
            assert outcome(b.update, s, env_f) == u, (a.action.name, a.args)
            compared += 1
            if u[0] != "value":
                continue
            t = u[2]
            for x, y in zip(tree_checks, fused_checks):
                if x.step:
                    assert outcome(y.fn, s, t, env_f) == outcome(x.fn, s, t, env_t), x.name
                    compared += 1
            if t not in seen:
                seen[t] = None
                queue.append(t)
    if subexpressions:
        compared += compare_subexpressions(inst, list(seen)[:SUB_STATES], monkeypatch)
    return compared


def closed(e: I.Expr, bound: dict[int, object]) -> bool:
    """Whether every name `e` reads is bound inside it or in `bound`."""
    inner = {n.binder.uid for n in walk(e) if isinstance(n, I.Quant)}
    return all(n.binder.uid in inner or n.binder.uid in bound for n in walk(e) if isinstance(n, I.BoundRef))


def subexpressions(inst: Instance) -> list[tuple[I.Expr, dict[int, object]]]:
    """Each closed, non-temporal subexpression of the model's checks, guards and assigned
    values, with the action's first argument tuple bound for those of an action."""
    model, out = inst.model, []
    roots: list[tuple[object, dict[int, object]]] = [(x.expr, {}) for x in (*model.invariants, *model.properties)]
    for a in model.actions:
        args = next(itertools.product(*(inst.domain(p.ty) for p in a.params)), None)
        if args is not None:
            roots.append(((a.guard, a.body), {p.uid: v for p, v in zip(a.params, args)}))
    for root, bound in roots:
        for n in walk(root):
            if isinstance(n, EXPR_TYPES) and not is_temporal(n) and closed(n, bound):
                out.append((n, bound))
    return out[:MAX_SUBS]


def compare_subexpressions(inst: Instance, states: list[tuple], monkeypatch: pytest.MonkeyPatch) -> int:
    compared, size = 0, C.env_size(inst.model)
    for e, bound in subexpressions(inst):
        fns = []
        for fuse in (False, True):
            with monkeypatch.context() as m:
                m.setattr(C, "FUSE", fuse)
                fns.append(outcome(Compiler(inst, env=size).expr, e, bound))
        assert fns[1][0] == fns[0][0], I.expr_str(e)
        if fns[0][0] != "value":
            continue
        tree, fused = fns[0][2], fns[1][2]
        env_t, env_f = [None] * size, [None] * size
        primed = has_primes(e)
        for s in states:
            t = s if primed else None
            assert outcome(fused, s, t, env_f) == outcome(tree, s, t, env_t), I.expr_str(e)
            compared += 1
    return compared


def test_fused_expressions_agree_with_the_closure_trees(tier, monkeypatch):
    n = 40 if tier == "fast" else 400

    @settings(max_examples=n, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                     HealthCheck.function_scoped_fixture])
    @given(models())
    def run(g: Generated) -> None:
        note(str(g))
        try:
            inst = instantiate(load_model_text(g.text, "gen.fork"), g.params)
        except EvalError:
            return
        compared = compare(inst, monkeypatch)
        totals.append(compared)
        event(f"evaluations compared: {'0' if compared == 0 else '1-99' if compared < 100 else '100+'}")

    totals: list[int] = []
    run()
    assert sum(1 for c in totals if c >= 100) >= min(5, len(totals) // 8), totals  # some models are compared at length


FORMS = """\
model Forms
param N: int
process P[N] { var w: 0..3 = 0 }
var x: 0..4 = 0
var d: -2..2 = 1
var big: int = 3
var r: rat = 1/3
var ok: bool = true
var huge: int = 1000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000
def half(k: 0..4): rat = k / 2
def pick(k: int, j: int): int = if k > j then k - j else j - k
action step(p: P, j: 0..1) when (x < 4 or true) and (p.w < 3 and false or x >= 0) and (x == 1 implies d != j - 2) {
  x = if x < 4 then x + 1 else 0
  d = if d < 2 then d + 1 else -2
  big = if big < 1000000 then big * big else 3
  r = if r < 5 then r * 2 / 3 + half(x) else 1/3
  p.w = (p.w + 1) % 4
  ok = not ok
}
invariant divides: (x div d) >= -5 and (x % d) < 3 and -(x mod 3) <= 0
invariant sums: sum(k in 0..19 where k < x * 4: k) + count(k in 0..19 where k * d > x) >= 0
invariant rats: sum(p in P: p.w / 3) <= N and r * 3 >= 0 and half(x) <= 2 and pick(x, d) >= 0
invariant products: (x != 3 or huge * huge > 0) and big * big > 0 and (ok or not ok) and (false and ok or true) and (ok implies true)
invariant loops: forall k in 0..19: exists j in 0..19: k + j + x >= pick(k, j)
"""


def test_every_form_agrees_on_a_model_that_has_each(monkeypatch):
    """The forms generated models rarely have: `p or true`, `p and false`, `implies`, division
    and modulo by zero (a runtime error at `d = 0`), rats, unbounded products, def calls with
        state arguments, quantifiers over more than UNROLL values (a loop, not unrolled), a product
    past the limit `digits` (at x = 3)."""
    inst = instantiate(load_model_text(FORMS, "forms.fork"), {"N": 2})
    assert compare(inst, monkeypatch) > 5000


def test_the_0l_guards_are_one_function_each(monkeypatch):
    """What makes the engine fast: a vote's guard, `status == Voting and not expired and
    v.ballot == Unvoted`, is one compiled function reading the state, calling nothing."""
    model = load_model(ROOT / "models" / "libra_framework_upgrade.fork")
    (combo,), _ = plan(model, parse_bindings(model, ["N=4", "RULE=Intended"]))
    inst = instantiate(model, combo)
    prog = compile_program(inst)
    votes = [a for a in prog.actions if a.action.name == "vote"]
    assert len(votes) == 8
    for a in votes:
        code = a.guard.__code__
        assert code.co_filename == "<forkproof expression>"
        assert code.co_names == ()  # no closure called, no constant looked up: slots and literals only
    assert compare(inst, monkeypatch) > 1000


def test_an_expression_deeper_than_one_function_is_split_and_agrees(monkeypatch):
    """90 nested additions and 90 nested negations (the language's default nesting limit is
    100): the text is cut into functions of at most _SRC_DEPTH levels, far below the nesting
    Python's parser allows (about 200 parentheses)."""
    plus = "x" + " + 1" * 90
    nots = "not " * 90 + "(x < 3 or b)"
    text = f"""model Deep
var x: 0..3 = 0
var b: bool = false
var y: int = 0
action step when ({plus}) >= 90 and ({nots}) {{
  x = if x < 3 then x + 1 else 0
  b = not b
  y = ({plus}) - 90
}}
invariant small: ({plus}) < 94
"""
    inst = instantiate(load_model_text(text, "deep.fork"), {})
    prog = compile_program(inst)
    guard = prog.actions[0].guard
    assert guard.__code__.co_filename == "<forkproof expression>"
    assert any(n.startswith("_r") for n in guard.__code__.co_names)  # split: it calls the deeper parts
    assert guard((0, False, 0), None, prog.new_env()) is True
    assert guard((3, False, 0), None, prog.new_env()) is False
    assert compare(inst, monkeypatch, subexpressions=False) > 10  # each of its 90 levels: quadratic, and slow
