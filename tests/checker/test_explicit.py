"""The explicit engine on small models built as IR by hand (and a few parsed ones):
pinned state counts, verdicts and shortest traces; symmetry on and off agree."""
from __future__ import annotations

import dataclasses
import itertools
import operator
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forkproof.semantics.compile import Compiler, EvalError, compile_program, has_primes
from forkproof.semantics.control import Control
from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.semantics.instance import instantiate
from forkproof.semantics.verdict import Status, Trace
from forkproof.spec import ir as I
from forkproof.spec.errors import ModelError

# ---------------------------------------------------------------- IR by hand

_uids = itertools.count(1)
_CMP = {"==", "!=", "<", "<=", ">", ">=", "and", "or", "implies"}


def lit(v) -> I.Lit:
    ty = I.BOOL if isinstance(v, bool) else I.RAT if isinstance(v, Fraction) else I.INT
    return I.Lit(v, ty)


def lift(x) -> I.Expr:
    return lit(x) if isinstance(x, (bool, int, Fraction)) else x


def op(sym: str, a, b) -> I.Binary:
    a, b = lift(a), lift(b)
    o = next(o for o in I.BinOp if o.value == sym)
    if sym in _CMP:
        ty = I.BOOL
    elif sym == "/" or I.RAT in (a.ty, b.ty):
        ty = I.RAT
    else:
        ty = I.INT
    return I.Binary(o, a, b, ty)


def rng(lo, hi) -> I.IntType:
    return I.IntType(lift(lo), lift(hi))


def var(name, ty=I.INT, primed=False) -> I.VarRef:
    return I.VarRef(name, ty, primed)


def binder(name, ty) -> I.Binder:
    return I.Binder(name, ty, next(_uids))


def ref(b: I.Binder) -> I.BoundRef:
    return I.BoundRef(b, b.ty)


def local(fam, name, proc, ty=I.INT, primed=False) -> I.LocalRef:
    return I.LocalRef(fam, name, lift(proc), ty, primed)


def count(b: I.Binder, cond) -> I.Quant:
    return I.Quant(I.QuantKind.COUNT, b, b.ty, cond, None, I.INT)


def forall(b: I.Binder, body) -> I.Quant:
    return I.Quant(I.QuantKind.FORALL, b, b.ty, None, body, I.BOOL)


def state(name, ty, init, family=None) -> I.StateVar:
    return I.StateVar(name, ty, lift(init) if not isinstance(init, I.InitAny) else init, family)


def action(name, guard=True, *body, params=()) -> I.Action:
    return I.Action(name, tuple(params), lift(guard), tuple(body))


def assign(target, value) -> I.Assign:
    return I.Assign(target, lift(value))


def model(**kw) -> I.Model:
    fields = dict(name="M", path="<test>", params=(), assumes=(), enums=(), families=(), globals=(), defs=(),
                  actions=(), invariants=(), properties=(), fairness=())
    fields.update({k: tuple(v) if isinstance(v, list) else v for k, v in kw.items()})
    return I.Model(**fields)


def run(m: I.Model, params=None, **opts):
    return check_explicit(instantiate(m, params or {}), ExplicitOptions(**opts))


def verdicts(res) -> dict:
    return {v.name: v for v in res.verdicts}


def summary(res) -> list:
    """What must not depend on symmetry: every verdict and the length of its trace."""
    return [(v.name, v.status, len(v.trace.steps) if v.trace else None) for v in res.verdicts]


BALLOT = I.EnumType("Ballot", ("Unvoted", "Yes", "No"))
V = I.ProcType("Validator")


def counter(hi=5) -> I.Model:
    x = var("x", rng(0, hi))
    return model(globals=[state("x", rng(0, hi), 0)],
                 actions=[action("inc", op("<", x, hi), assign(x, op("+", x, 1)))],
                 invariants=[I.Invariant("small", op("<=", x, hi))])


def voting(leader=False) -> I.Model:
    """N validators vote once each; `done` is set by a quorum (more than 2/3 of N)."""
    v, q, r = binder("v", V), binder("q", V), binder("r", V)
    yes = binder("yes", I.BOOL)
    ballot = lambda p: local("Validator", "ballot", p, BALLOT)  # noqa: E731
    quorum = op(">", count(q, op("==", ballot(ref(q)), lit_enum("Yes"))),
                op("*", lit(Fraction(2, 3)), I.ParamRef("N", I.INT)))
    globals_ = [state("done", I.BOOL, False)]
    if leader:
        globals_.append(state("leader", V, I.InitAny(V)))
    return model(
        params=[I.Param("N", I.INT, None, None)],
        enums=[BALLOT],
        families=[I.Family("Validator", I.ParamRef("N", I.INT),
                           (state("ballot", BALLOT, lit_enum("Unvoted"), "Validator"),))],
        globals=globals_,
        actions=[action("vote", op("==", ballot(ref(v)), lit_enum("Unvoted")),
                        assign(ballot(ref(v)), I.Ite(ref(yes), lit_enum("Yes"), lit_enum("No"), BALLOT)),
                        params=(v, yes)),
                 action("decide", op("and", quorum, I.Unary(I.UnOp.NOT, var("done", I.BOOL), I.BOOL)),
                        assign(var("done", I.BOOL), True))],
        invariants=[I.Invariant("done_needs_quorum", op("implies", var("done", I.BOOL), quorum)),
                    I.Invariant("not_all_no", I.Unary(I.UnOp.NOT, forall(r, op(
                        "==", ballot(ref(r)), lit_enum("No"))), I.BOOL))],
    )


def lit_enum(member: str) -> I.Lit:
    return I.Lit(BALLOT.members.index(member), BALLOT)


# ---------------------------------------------------------------- helpers for traces


def assert_replays(inst, trace: Trace) -> None:
    """Every step of the trace is a real transition of the concrete (unreduced) system."""
    prog = compile_program(inst)
    env = prog.new_env()
    x = next(s for s in inst.initial_states() if inst.display_state(s) == trace.steps[0].state)
    assert trace.steps[0].action is None and set(trace.steps[0].changed) == set(inst.slot_labels)
    for step in trace.steps[1:]:
        a = next(a for a in prog.actions if a.action.name == step.action and tuple(
            (p.name, inst.display(v, p.ty)) for p, v in zip(a.action.params, a.args)) == step.args)
        assert a.guard is None or a.guard(x, None, env)
        t = a.update(x, env)
        assert inst.display_state(t) == step.state
        assert step.changed == tuple(n for n, u, w in zip(inst.slot_labels, x, t) if u != w)
        x = t


# ---------------------------------------------------------------- behaviour


def test_counter_holds_with_pinned_count():
    res = run(counter(), deadlock=False)
    v = verdicts(res)["small"]
    assert (v.status, v.states, v.depth, v.kind, v.scope) == (Status.HOLDS, 6, 5, "invariant", "")
    assert res.complete and res.states == 6 and res.transitions == 5


def test_deadlock_has_shortest_trace():
    res = run(counter(3))
    d = verdicts(res)["deadlock"]
    assert d.status is Status.VIOLATED and d.kind == "deadlock"
    assert [s.action for s in d.trace.steps] == [None, "inc", "inc", "inc"]
    assert d.trace.steps[-1].state == {"x": 3}


def test_violated_invariant_gives_a_shortest_trace():
    x, y = var("x", rng(0, 3)), var("y", rng(0, 3))
    m = model(globals=[state("x", rng(0, 3), 0), state("y", rng(0, 3), 0)],
              actions=[action("ix", op("<", x, 3), assign(x, op("+", x, 1))),
                       action("iy", op("<", y, 3), assign(y, op("+", y, 1)))],
              invariants=[I.Invariant("sum_small", op("<", op("+", x, y), 3)),
                          I.Invariant("bounded", op("<=", x, 3))])
    res = run(m)
    v = verdicts(res)
    assert v["sum_small"].status is Status.VIOLATED and v["sum_small"].depth == 3
    trace = v["sum_small"].trace
    assert [s.action for s in trace.steps] == [None, "ix", "ix", "ix"]  # BFS tries ix first
    assert trace.steps[-1].state == {"x": 3, "y": 0} and trace.steps[-1].changed == ("x",)
    assert v["bounded"].status is Status.HOLDS and v["bounded"].states == 16
    assert v["deadlock"].status is Status.VIOLATED and v["deadlock"].depth == 6


def test_step_invariant_trace_ends_with_the_offending_step():
    x = var("x", rng(0, 3))
    m = model(globals=[state("x", rng(0, 3), 0)],
              actions=[action("inc", op("<", x, 2), assign(x, op("+", x, 1))),
                       action("reset", op("==", x, 2), assign(x, 0))],
              invariants=[I.Invariant("monotone", op(">=", var("x", rng(0, 3), primed=True), x), step=True)])
    res = run(m)
    v = verdicts(res)["monotone"]
    assert v.kind == "step invariant" and v.status is Status.VIOLATED
    assert [s.action for s in v.trace.steps] == [None, "inc", "inc", "reset"]
    assert verdicts(res)["deadlock"].status is Status.HOLDS


def test_runtime_range_error_names_action_and_keeps_exploring():
    x, y = var("x", rng(0, 2)), var("y", I.BOOL)
    m = model(globals=[state("x", rng(0, 2), 0), state("y", I.BOOL, False)],
              actions=[action("inc", True, assign(x, op("+", x, 1))),
                       action("flip", op("==", y, False), assign(y, True))],
              invariants=[I.Invariant("ok", op("<=", x, 2))])
    res = run(m)
    v = verdicts(res)
    rt = v["runtime"]
    assert rt.status is Status.VIOLATED and rt.kind == "runtime"
    assert rt.reason == "action inc: value 3 is outside 0..2 for x"
    assert [s.action for s in rt.trace.steps] == [None, "inc", "inc"]
    assert res.states == 6  # the other transitions were explored
    assert v["ok"].status is Status.HOLDS and v["ok"].notes  # says that transitions were cut


def test_division_by_zero_in_an_invariant():
    d = var("d", rng(-2, 2))
    m = model(globals=[state("d", rng(-2, 2), 2)],
              actions=[action("dec", op(">", d, -2), assign(d, op("-", d, 1)))],
              invariants=[I.Invariant("ratio", op("!=", op("/", 6, d), 7))])
    rt = verdicts(run(m))["runtime"]
    assert rt.reason.startswith("invariant ratio: division by zero")
    assert rt.trace.steps[-1].state == {"d": 0} and len(rt.trace.steps) == 3


def test_two_assignments_in_one_step_are_a_runtime_error():
    x, k = var("x", rng(0, 5)), binder("k", rng(1, 2))
    m = model(globals=[state("x", rng(0, 5), 0)],
              actions=[action("spread", True, I.For(k, k.ty, (assign(x, ref(k)),)))])
    rt = verdicts(run(m))["runtime"]
    assert rt.reason == "action spread: two assignments to x in one step of action spread"


@pytest.mark.parametrize("a,b", [(-7, 2), (7, -2), (-7, -2), (7, 2), (0, -3)])
def test_floor_division_and_modulo_match_python(a, b):
    x, y = var("x", I.INT), var("y", I.INT)
    m = model(globals=[state("x", I.INT, a), state("y", I.INT, b)])
    inst = instantiate(m, {})
    comp = Compiler(inst)
    s = next(inst.initial_states())
    for sym, want in (("div", a // b), ("%", a % b)):
        assert comp.expr(op(sym, x, y))(s, None, []) == want  # from the state
        assert comp.expr(op(sym, a, b))(s, None, []) == want  # folded at compile time
    with pytest.raises(EvalError):
        comp.expr(op("%", x, 0))(s, None, [])


def test_rational_arithmetic_is_exact():
    inst = instantiate(model(globals=[state("x", I.INT, 3)]), {})
    comp, s = Compiler(inst), (3,)
    x = var("x", I.INT)
    assert comp.expr(op(">", x, op("*", op("/", 2, 3), 4)))(s, None, []) is True  # 3 > 8/3
    assert comp.expr(op(">", x, op("*", op("/", 3, 4), 4)))(s, None, []) is False  # 3 > 3
    half = comp.expr(op("/", x, 2))(s, None, [])
    assert half == Fraction(3, 2) and type(comp.expr(op("/", op("*", x, 2), 3))(s, None, [])) is int
    assert inst.display(Fraction(6, 4), I.RAT) == "3/2" and inst.display(Fraction(4, 2), I.RAT) == 2


def test_symmetry_reduces_states_and_keeps_verdicts():
    m = voting()
    on, off = run(m, {"N": 3}), run(m, {"N": 3}, symmetry=False)
    assert (on.states, off.states) == (11, 28)  # multisets of 3 ballots (10) or 3^3, + done
    assert summary(on) == summary(off)
    inst = instantiate(m, {"N": 3})
    for v in on.verdicts:
        if v.trace:
            assert_replays(inst, v.trace)
    assert verdicts(on)["not_all_no"].status is Status.VIOLATED
    assert verdicts(on)["done_needs_quorum"].status is Status.HOLDS
    assert verdicts(on)["done_needs_quorum"].scope == "N = 3"


def test_a_variable_holding_ids_turns_symmetry_off():
    m = voting(leader=True)
    on, off = run(m, {"N": 2}), run(m, {"N": 2}, symmetry=False)
    assert on.notes == ["symmetry off for Validator: variable leader holds a Validator id"]
    assert on.states == off.states == 2 * (9 + 1)  # leader x (3^2 ballots + done)
    assert summary(on) == summary(off)


def test_state_limit_gives_unknown_never_holds():
    res = run(counter(50), deadlock=False, max_states=10)
    v = verdicts(res)["small"]
    assert v.status is Status.UNKNOWN and not res.complete
    assert v.reason == "state limit reached: 10 states explored, depth 9 complete"
    exact = run(counter(9), deadlock=False, max_states=10)  # exactly 10 states: still complete
    assert verdicts(exact)["small"].status is Status.HOLDS


def test_timeout_gives_unknown():
    v = verdicts(run(counter(50), timeout=0.0))["small"]
    assert v.status is Status.UNKNOWN and v.reason.startswith("FP701: timeout after 0 s")


def test_violations_found_before_the_limit_stay_violated():
    x = var("x", rng(0, 100))
    m = model(globals=[state("x", rng(0, 100), 0)],
              actions=[action("inc", op("<", x, 100), assign(x, op("+", x, 1)))],
              invariants=[I.Invariant("tiny", op("<", x, 2)), I.Invariant("fine", op("<=", x, 100))])
    v = verdicts(run(m, max_states=20))
    assert v["tiny"].status is Status.VIOLATED and v["fine"].status is Status.UNKNOWN


def test_always_property_is_checked_and_liveness_gets_a_verdict():
    x = var("x", rng(0, 3))
    m = counter(3)
    m = model(globals=m.globals, actions=m.actions,
              properties=[I.Property("always_small", I.Unary(I.UnOp.ALWAYS, op("<", x, 3), I.BOOL)),
                          I.Property("reaches", I.Unary(I.UnOp.EVENTUALLY, op("==", x, 3), I.BOOL))])
    v = verdicts(run(m, deadlock=False))
    assert v["always_small"].status is Status.VIOLATED and v["always_small"].kind == "property"
    assert v["reaches"].status is Status.HOLDS  # x counts up to 3 and stops there (no fairness needed)


def test_layout_names_and_initial_states():
    key = binder("k", BALLOT)
    m = model(enums=[BALLOT], params=[I.Param("N", I.INT, None, None)],
              families=[I.Family("P", I.ParamRef("N", I.INT), (
                  state("b", I.BOOL, I.InitAny(I.BOOL), "P"),
                  state("m", I.MapType(I.BOOL, rng(0, 1)), 1, "P")))],
              globals=[state("g", I.MapType(BALLOT, rng(0, 3)), 0)])
    inst = instantiate(m, {"N": 2})
    assert inst.slot_names == ["g[Unvoted]", "g[Yes]", "g[No]",
                               "P[0].b", "P[0].m[false]", "P[0].m[true]", "P[1].b", "P[1].m[false]", "P[1].m[true]"]
    assert inst.slot_bounds[0] == (0, 3) and inst.slot_bounds[3] is None
    assert list(inst.initial_states()) == [(0, 0, 0, b0, 1, 1, b1, 1, 1)
                                           for b0 in (False, True) for b1 in (False, True)]
    assert key.uid > 0


def test_instantiation_errors():
    n = I.ParamRef("N", I.INT)
    m = model(params=[I.Param("N", I.INT, None, None)], assumes=[I.Assume(op(">=", n, 1))],
              families=[I.Family("P", op("-", n, 2), ())])
    found = []
    for params in ({}, {"N": 0}, {"N": 1}):
        with pytest.raises(ModelError) as e:
            instantiate(m, params)
        found.append((e.value.diagnostics[0].code, e.value.diagnostics[0].message))
    assert [c for c, _ in found] == ["FP401", "FP402", "FP403"]
    assert found[1][1] == "the parameters N = 0 violate this assumption"
    empty = model(params=[I.Param("N", I.INT, None, None)], globals=[state("x", rng(3, n), 3)])
    with pytest.raises(ModelError) as e:
        instantiate(empty, {"N": 1})
    assert e.value.diagnostics[0].code == "FP403"
    zero = model(params=[I.Param("N", I.INT, None, None)], assumes=[I.Assume(op(">", op("/", 1, n), 0))])
    with pytest.raises(ModelError) as e:
        instantiate(zero, {"N": 0})
    assert e.value.diagnostics[0].code == "FP404"


@pytest.mark.parametrize("sym", ["<", "<=", ">", ">=", "==", "!="])
@pytest.mark.parametrize("q", [Fraction(5, 2), Fraction(-5, 2), Fraction(7, 3), Fraction(4, 3), Fraction(2)])
def test_int_against_rational_thresholds_are_exact(sym, q):
    inst = instantiate(model(globals=[state("x", I.INT, 0)]), {})
    comp, x = Compiler(inst), var("x", I.INT)
    right, left = comp.expr(op(sym, x, q)), comp.expr(op(sym, q, x))
    cmp = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge, "==": operator.eq,
           "!=": operator.ne}[sym]
    for v in range(-4, 5):
        assert right((v,), None, []) == cmp(Fraction(v), q)
        assert left((v,), None, []) == cmp(q, Fraction(v))
    for sym, f in (("+", operator.add), ("-", operator.sub), ("*", operator.mul), ("/", operator.truediv)):
        for v in range(-2, 3):  # arithmetic with a rational constant stays exact
            assert comp.expr(op(sym, x, q))((v,), None, []) == f(Fraction(v), q)
            if v != 0 or sym != "/":
                assert comp.expr(op(sym, q, x))((v,), None, []) == f(q, Fraction(v))


def test_quantifier_loops_agree_with_unrolling(monkeypatch):
    """Domains above UNROLL run as loops over env with computed offsets; force that path."""
    import forkproof.semantics.compile as C
    unrolled = [summary(run(voting(), {"N": n})) + [run(voting(), {"N": n}).states] for n in (1, 3)]
    monkeypatch.setattr(C, "UNROLL", 0)
    looped = [summary(run(voting(), {"N": n})) + [run(voting(), {"N": n}).states] for n in (1, 3)]
    assert looped == unrolled


def test_large_domains_dynamic_keys_and_calls():
    i, j = binder("i", rng(0, 20)), binder("j", rng(0, 20))
    a = binder("a", I.INT)
    x = var("x", rng(0, 3))
    twice = I.Def("twice", (a,), op("*", ref(a), 2), I.INT)
    m = model(globals=[state("x", rng(0, 3), 1), state("m", I.MapType(rng(0, 2), I.INT), 0)], defs=[twice])
    inst = instantiate(m, {})
    comp, s = Compiler(inst), next(inst.initial_states())
    env = [None] * next(_uids)  # these binders are not in the model, so size env by hand
    three = comp.expr(count(i, op("==", op("%", ref(i), 3), x)))  # i in 0..20 with i % 3 == 1
    assert three(s, None, env) == 7
    total = I.Quant(I.QuantKind.SUM, j, j.ty, op("<", ref(j), 4), I.Call("twice", (ref(j),), I.INT), I.INT)
    assert comp.expr(total)(s, None, env) == 2 * (0 + 1 + 2 + 3)
    assert comp.expr(I.Call("twice", (op("+", x, 1),), I.INT))(s, None, env) == 4
    key = I.Index(var("m", I.MapType(rng(0, 2), I.INT)), x, I.INT)
    assert comp.expr(key)((1, 0, 5, 0), None, env) == 5
    with pytest.raises(EvalError, match="key 3 is outside 0..2 for m"):
        comp.expr(key)((3, 0, 0, 0), None, env)


def test_runtime_error_in_an_initial_value():
    res = run(model(globals=[state("x", rng(0, 2), 5)], invariants=[I.Invariant("ok", lit(True))]))
    v = verdicts(res)
    assert v["runtime"].reason == "initial state: initial value 5 is outside 0..2 for x"
    assert v["ok"].status is Status.UNKNOWN and not res.complete


def test_progress_is_reported():
    calls = []
    run(counter(3), control=Control(progress=lambda *a: calls.append(a)))
    assert calls and calls[0][1] >= 1 and len(calls[0]) == 5  # (scope, states, depth, queue, seconds)


def _reference(e: I.Expr, env: dict):
    """A naive evaluator of NOTE(arith), to check the compiler's folding and rewrites against."""
    match e:
        case I.Lit(value=v):
            return v
        case I.VarRef(name=name):
            return env[name]
        case I.Ite(cond=c, then=a, else_=b):
            return _reference(a, env) if _reference(c, env) else _reference(b, env)
        case I.Binary(op=o, left=a, right=b) if o.value in ("and", "or", "implies"):
            left = _reference(a, env)
            if o.value == "and":
                return left and _reference(b, env)
            if o.value == "or":
                return left or _reference(b, env)
            return (not left) or _reference(b, env)
        case I.Binary(op=o, left=a, right=b):
            x, y = _reference(a, env), _reference(b, env)
            if o.value in ("/", "div", "%") and y == 0:
                raise EvalError("zero")
            return {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": lambda p, q: Fraction(p) / q,
                    "div": operator.floordiv, "%": operator.mod, "==": operator.eq, "!=": operator.ne,
                    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}[o.value](x, y)
    raise AssertionError(e)


_leaves = st.one_of(st.integers(-3, 3).map(lit), st.sampled_from([var("x"), var("y")]),
                    st.fractions(Fraction(-3), Fraction(3), max_denominator=4).map(lambda q: lit(Fraction(q))))
_numbers = st.recursive(_leaves, lambda kids: st.one_of(
    st.builds(op, st.sampled_from(["+", "-", "*", "/", "div", "%"]), kids, kids),
    st.builds(lambda c, a, b: I.Ite(op("<", c, 0), a, b, I.RAT if I.RAT in (a.ty, b.ty) else I.INT), kids, kids, kids),
), max_leaves=6)
_conditions = st.recursive(
    st.builds(op, st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), _numbers, _numbers),
    lambda kids: st.builds(op, st.sampled_from(["and", "or", "implies"]), kids, kids), max_leaves=3)


@settings(max_examples=300, deadline=None)
@given(st.one_of(_numbers, _conditions), st.integers(-3, 3), st.integers(-3, 3))
def test_compiled_expressions_match_a_reference_evaluator(e, x, y):
    inst = instantiate(model(globals=[state("x", I.INT, 0), state("y", I.INT, 0)]), {})
    try:
        want = _reference(e, {"x": x, "y": y})
    except EvalError:
        want = EvalError
    try:
        got = Compiler(inst).expr(e)((x, y), None, [])
    except EvalError:
        got = EvalError
    assert got == want
    assert type(got) is not Fraction or got.denominator != 1  # normalised


# ---------------------------------------------------------------- random models

P = I.ProcType("P")
X_TY = rng(0, 2)


@st.composite
def random_models(draw) -> tuple[I.Model, int]:
    """A counter `c`, a family P[n] with locals x: 0..2 and f: bool, random guarded actions
    built from templates and random invariants.  Some actions can overflow x (runtime)."""
    n, k = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    small = st.integers(0, 2)
    c = var("c", rng(0, k))
    x = lambda p: local("P", "x", p, X_TY)  # noqa: E731
    f = lambda p: local("P", "f", p, I.BOOL)  # noqa: E731
    nt = lambda e: I.Unary(I.UnOp.NOT, e, I.BOOL)  # noqa: E731

    def step():
        p = binder("p", P)
        return action("step", op("and", op("<", x(ref(p)), draw(st.integers(1, 3))), op(">=", c, draw(small))),
                      assign(x(ref(p)), op("+", x(ref(p)), 1)), params=(p,))

    def reset():
        p = binder("p", P)
        return action("reset", op("==", x(ref(p)), draw(small)), assign(x(ref(p)), 0),
                      assign(c, op("%", op("+", c, 1), k + 1)), params=(p,))

    def tick():
        q = binder("q", P)
        return action("tick", op(">=", count(q, op("==", x(ref(q)), draw(small))), draw(st.integers(0, n))),
                      assign(c, I.Ite(op("<", c, k), op("+", c, 1), lit(0), I.INT)))

    def mark():
        p = binder("p", P)
        return action("mark", op("and", nt(f(ref(p))), op("==", c, draw(small))), assign(f(ref(p)), True),
                      params=(p,))

    def clear():
        q, r = binder("q", P), binder("r", P)
        return action("clear", forall(q, f(ref(q))), I.For(r, P, (assign(f(ref(r)), False),)), assign(c, 0))

    def choose():
        p, y = binder("p", P), binder("y", I.BOOL)
        return action("choose", op(">", c, draw(small)), assign(f(ref(p)), ref(y)), params=(p, y))

    def invariant(i: int):
        q = binder("q", P)
        a, b = draw(small), draw(st.integers(0, n))
        e = draw(st.sampled_from([
            op("<=", c, a),
            op("<=", count(q, op("==", x(ref(q)), a)), b),
            forall(q, op("or", op("<=", x(ref(q)), a), f(ref(q)))),
            I.Quant(I.QuantKind.EXISTS, q, P, None, op("==", x(ref(q)), 0), I.BOOL),
            I.Quant(I.QuantKind.SUM, q, P, None, x(ref(q)), I.INT),
            op("or", op(">=", var("c", rng(0, k), primed=True), c), op("==", var("c", rng(0, k), primed=True), 0)),
            op(">=", var("c", rng(0, k), primed=True), c),
            forall(q, op(">=", local("P", "x", ref(q), X_TY, primed=True), x(ref(q)))),
        ]))
        if e.ty != I.BOOL:
            e = op("<=", e, a + b)
        return I.Invariant(f"inv{i}", e, step=has_primes(e))

    templates = draw(st.lists(st.sampled_from([step, reset, tick, mark, clear, choose]), min_size=1, max_size=4))
    init_x = draw(st.sampled_from([lit(0), I.InitAny(X_TY)]))
    m = model(families=[I.Family("P", lit(n), (I.StateVar("x", X_TY, init_x, "P"),
                                                state("f", I.BOOL, False, "P")))],
              globals=[state("c", rng(0, k), 0)],
              actions=[dataclasses.replace(t(), name=f"{t.__name__}{i}") for i, t in enumerate(templates)],
              invariants=[invariant(i) for i in range(draw(st.integers(1, 3)))])
    return m, n


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_models())
def test_symmetry_never_changes_verdicts_or_trace_lengths(case):
    m, _ = case
    inst = instantiate(m, {})
    on = check_explicit(inst, ExplicitOptions(symmetry=True))
    off = check_explicit(inst, ExplicitOptions(symmetry=False))
    assert summary(on) == summary(off)
    assert on.states <= off.states and on.depth == off.depth
    for v in on.verdicts:
        if v.trace is not None:
            assert_replays(inst, v.trace)


# ---------------------------------------------------------------- parsed models

LIBRA = """
model LibraFrameworkUpgrade
param N: int
assume N >= 1
enum Ballot { Unvoted, Yes, No }
enum Status { Absent, Voting, Resolved }
enum Script { Approved, Tampered }
process Validator[N] {
  var ballot: Ballot = Unvoted
}
var status: Status = Absent
var framework: int = 0
threshold passed = count(v in Validator where v.ballot == Yes) > 2/3 * N
action propose when status == Absent { status = Voting }
action vote(v: Validator, yes: bool) when status == Voting and v.ballot == Unvoted {
  v.ballot = if yes then Yes else No
}
action resolve(s: Script) when status == Voting and passed and s == Approved {
  status = Resolved
  framework = framework + 1
}
invariant only_passed_upgrades_run: status == Resolved implies passed
invariant at_most_one_upgrade: framework <= 1
fair action resolve
property passed_upgrades_resolve: (status == Voting and passed) ~> status == Resolved
"""


@pytest.mark.parametrize("n,reduced,full", [(1, 5, 5), (2, 8, 11), (4, 19, 91)])
def test_design_example_pinned(n, reduced, full):
    from forkproof.spec.load import load_model_text
    inst = instantiate(load_model_text(LIBRA, "libra.fork"), {"N": n})
    on, off = check_explicit(inst, ExplicitOptions()), check_explicit(inst, ExplicitOptions(symmetry=False))
    assert (on.states, off.states) == (reduced, full)
    assert summary(on) == summary(off)
    v = verdicts(on)
    assert v["only_passed_upgrades_run"].status is Status.HOLDS and v["at_most_one_upgrade"].status is Status.HOLDS
    assert v["passed_upgrades_resolve"].status is Status.HOLDS  # resolve is fair and a pass cannot be undone
    dead = v["deadlock"]  # everyone voted and the vote did not pass: nothing is enabled
    assert dead.status is Status.VIOLATED and len(dead.trace.steps) == n + 2
    assert [s.action for s in dead.trace.steps[1:]] == ["propose"] + ["vote"] * n
    assert_replays(inst, dead.trace)


def test_parsed_maps_loops_and_arithmetic():
    from forkproof.spec.load import load_model_text
    text = """
model Arith
enum Coin { Heads, Tails }
var m: [Coin] -3..3 = 0
var r: rat = 0
var k: -3..3 = -3
action spin when k < 3 {
  k = k + 1
  for c in Coin { m[c] = if c == Heads then k div 2 else k % 2 }
  r = k / 2
}
invariant python_div: k == -3 or m[Heads] == (k - 1) div 2
invariant python_mod: k == -3 or m[Tails] == (k - 1) % 2
invariant halves: r * 2 == k - 1 or k == -3
invariant never_half: r != 1/2
"""
    res = check_explicit(instantiate(load_model_text(text, "arith.fork"), {}), ExplicitOptions(deadlock=False))
    v = verdicts(res)
    assert res.states == 7
    assert [v[n].status for n in ("python_div", "python_mod", "halves")] == [Status.HOLDS] * 3
    half = v["never_half"]
    assert half.status is Status.VIOLATED and half.trace.steps[-1].state["r"] == "1/2"
    assert half.trace.steps[-1].state["m[Heads]"] == 0 and half.trace.steps[-1].state["m[Tails]"] == 1


def test_scope_lists_params_in_declaration_order_with_display_values():
    rule = I.EnumType("Rule", ("Intended", "Code"))
    m = model(enums=[rule], params=[I.Param("N", I.INT, None, None), I.Param("RULE", rule, None, None),
                                    I.Param("Q", I.RAT, None, None), I.Param("B", I.BOOL, None, None)])
    inst = instantiate(m, {"B": True, "Q": Fraction(2, 3), "RULE": 1, "N": 4})
    assert inst.scope() == "N = 4, RULE = Code, Q = 2/3, B = true"


# ---------------------------------------------------------------- NOTE(gc)


def test_the_collector_is_paused_for_the_loop_and_restored_after():
    import gc

    from forkproof.semantics.gcpause import collector_paused
    assert gc.isenabled()
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(KeyError), collector_paused():  # restored on the way out of an error too
        raise KeyError("x")
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()  # left off when it was off
    finally:
        gc.enable()


def test_pauses_and_gc_fences_share_one_count(monkeypatch):
    """A gc fence ending inside a search's pause, or a pause inside a fence, leaves the
    collector off until the outer one ends; the count is never raised into by the budget watch
    (NOTE(async-raise)): a frame of collector_paused counts as unsafe."""
    import gc
    import sys

    from forkproof.cli.common import in_unsafe_code
    from forkproof.semantics.gcpause import collector_paused
    from forkproof.semantics.gcfence import gc_fence
    with collector_paused():
        with gc_fence():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    with gc_fence():
        with collector_paused():
            pass
        assert not gc.isenabled()
    assert gc.isenabled()
    pause, fence = collector_paused(), gc_fence()  # as two threads would: the pause ends first
    pause.__enter__()
    fence.__enter__()
    pause.__exit__(None, None, None)
    assert not gc.isenabled()  # the fence is still open
    fence.__exit__(None, None, None)
    assert gc.isenabled()
    unsafe = []
    disable = gc.disable

    def spy():
        unsafe.append(in_unsafe_code(sys._getframe(1)))
        disable()
    monkeypatch.setattr(gc, "disable", spy)
    with collector_paused():
        pass
    assert unsafe == [True] and gc.isenabled() and not in_unsafe_code(sys._getframe())


def test_a_search_pauses_the_collector_and_turns_it_back_on(monkeypatch):
    """Each level is expanded with the collector off; it is on again after the search, also
    when the search stops on a runtime error (x = 2 divides by zero)."""
    import gc

    from forkproof.engines import explicit as E
    from forkproof.spec.load import load_model_text
    seen = []
    expand = E.Search._expand

    def spy(self, *args):
        seen.append(gc.isenabled())
        return expand(self, *args)

    monkeypatch.setattr(E.Search, "_expand", spy)
    text = "model G\nvar x: 0..3 = 0\naction up when x < 3 { x = x + 1 }\ninvariant fine: 10 / (2 - x) >= 0\n"
    res = check_explicit(instantiate(load_model_text(text, "g.fork"), {}), ExplicitOptions())
    assert seen and not any(seen)
    assert gc.isenabled()
    runtime = next(v for v in res.verdicts if v.name == "runtime")
    assert runtime.status is Status.VIOLATED and "division by zero" in runtime.reason
