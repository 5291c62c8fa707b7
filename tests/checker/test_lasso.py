"""Liveness in the symbolic engines (checker/engines/symbolic/lasso.py): pinned verdicts and lasso shapes on
hand-written models for every form, and agreement with the explicit engine on generated
models with fairness (NOTE(lasso-search), NOTE(l2s-monitor)).

The generated-model tests run in both tiers (tests/conftest.py): a few models in the fast
tier, many more in the slow one (`pytest --slow`).
"""
from __future__ import annotations

import dataclasses
import time

import pytest
from hypothesis import HealthCheck, given, note, reject, settings
from hypothesis import strategies as st

from forkproof.engines.symbolic.engine import check_bmc
from forkproof.semantics.compile import compile_program
from forkproof.engines.symbolic.encode import Encoding, SymbolicOptions
from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.semantics.instance import instantiate
from forkproof.engines.symbolic.engine import check_kind
from forkproof.engines.symbolic.lasso import bmc_verdicts, groups_of, lasso_verdict, liveness_forms, prove_verdicts, search
from forkproof.engines.symbolic.engine import check_pdr
from forkproof.run.portfolio import EngineOptions, run_engine
from forkproof.semantics.temporal import Liveness
from forkproof.semantics.verdict import Status
from forkproof.spec.load import load_model_text
from tests.gen import fairness_and_liveness, models

V, B, P, H, U = Status.VIOLATED, Status.BOUNDED, Status.PROVED, Status.HOLDS, Status.UNKNOWN


def inst_of(text: str, params=None):
    return instantiate(load_model_text(text, "t.fork"), params or {})


def engines(text: str, params=None, depth: int = 8) -> dict[str, dict]:
    """name -> verdict, per engine: explicit, and bmc, kind and pdr on the liveness properties."""
    inst = inst_of(text, params)
    out = {"explicit": {v.name: v for v in check_explicit(inst, ExplicitOptions(symmetry=False)).verdicts}}
    out["bmc"] = {v.name: v for v in bmc_verdicts(inst, depth, None)}
    for e in ("kind", "pdr"):
        out[e] = {v.name: v for v in prove_verdicts(inst, e, depth, time.perf_counter() + 60)}
    return out


def statuses(got: dict, name: str) -> tuple:
    return tuple(got[e][name].status for e in ("explicit", "bmc", "kind", "pdr"))


def shape(v) -> tuple:
    """(states, loop start, closing action or None for a deadlock lasso)."""
    t = v.trace
    return len(t.steps), t.loop_start, t.closing.action if t.closing else None


# ---------------------------------------------------------------- hand-written models

WALK = """model Walk
var x: 0..2 = 0
action step when x < 2 { x = x + 1 }
action idle { x = x }
property reaches_two: eventually x == 2
"""


def test_eventually_fails_without_fairness_by_a_one_state_loop():
    got = engines(WALK)
    assert statuses(got, "reaches_two") == (V, V, V, V)
    for e in ("bmc", "kind", "pdr"):
        assert shape(got[e]["reaches_two"]) == (1, 0, "idle")  # idle forever in the initial state
        assert got[e]["reaches_two"].depth == 0


def test_eventually_holds_under_weak_fairness():
    got = engines(WALK + "fair action step\n")
    assert statuses(got, "reaches_two") == (H, B, P, P)
    assert got["bmc"]["reaches_two"].notes == ("no lasso up to depth 8 (not a proof)",)
    assert got["kind"]["reaches_two"].engine.startswith("kind (k=")
    assert got["pdr"]["reaches_two"].engine == "pdr (l2s)"
    assert "re-checked" in got["pdr"]["reaches_two"].notes[0]


TOGGLE = """model Toggle
var on: bool = false
var got: bool = false
action toggle { on = not on }
action grab when on { got = true }
property grabbed: eventually got
fair action toggle
"""


def test_weak_fairness_misses_an_action_enabled_only_now_and_then():
    got = engines(TOGGLE + "fair action grab\n")
    assert statuses(got, "grabbed") == (V, V, V, V)
    for e in ("bmc", "kind", "pdr"):
        v = got[e]["grabbed"]
        assert shape(v) == (2, 0, "toggle")
        assert [s.state["on"] for s in v.trace.steps] == [False, True]


def test_every_engine_names_the_strong_fairness_that_would_exclude_the_lasso():
    """NOTE(lasso-fairness): `grab` is weakly fair but enabled only every other step; each
    engine says that only strong fairness on it excludes the lasso, and where it is enabled."""
    got = engines(TOGGLE + "fair action grab\n")
    for e in ("explicit", "bmc", "kind", "pdr"):
        why = " ".join(got[e]["grabbed"].reason.split())
        assert "`strong fair action grab`" in why and "enabled at step 1, not at step 0" in why, (e, why)
        assert "every fairness requirement is met" not in why or "would exclude this lasso" in why, (e, why)
    got = engines(TOGGLE)                 # grab not fair at all: weak fairness would do
    for e in ("bmc", "kind", "pdr"):
        why = " ".join(got[e]["grabbed"].reason.split())
        assert "`strong fair action grab`" in why and "weak" not in why, (e, why)


def test_strong_fairness_takes_it():
    got = engines(TOGGLE + "strong fair action grab\n")
    assert statuses(got, "grabbed") == (H, B, P, P)


VOTES = """model Votes
process Voter[2] { var voted: bool = false }
action vote(v: Voter) { v.voted = true }
property everyone_votes: eventually forall v in Voter: v.voted
"""


def test_one_fairness_group_for_the_action_lets_one_voter_starve():
    got = engines(VOTES + "fair action vote\n")
    assert statuses(got, "everyone_votes") == (V, V, V, V)
    for e in ("bmc", "kind", "pdr"):
        v = got[e]["everyone_votes"]
        assert shape(v) == (2, 1, "vote")  # one voter votes, then votes again forever
        assert v.trace.closing.args == v.trace.steps[1].args


def test_fairness_per_voter():
    got = engines(VOTES + "fair action vote(v)\n")
    assert statuses(got, "everyone_votes") == (H, B, P, P)


STOP = """model Stop
var x: 0..2 = 0
action go when x < 1 { x = x + 1 }
property reaches_two: eventually x == 2
property stays_one: eventually always x == 1
property one_often: always eventually x == 1
fair action go
"""


def test_a_deadlock_stutters_forever():
    got = engines(STOP)
    assert statuses(got, "reaches_two") == (V, V, V, V)
    for e in ("bmc", "kind", "pdr"):
        v = got[e]["reaches_two"]
        assert shape(v) == (2, 1, None) and v.trace.closing is None
        assert "deadlock" in v.reason
    assert statuses(got, "stays_one") == (H, B, P, P)  # the deadlock state satisfies it forever
    assert statuses(got, "one_often") == (H, B, P, P)


REQ = """model Req
var req: bool = false
var ack: bool = false
action ask when not req { req = true }
action answer when req and not ack { ack = true }
action reset when ack { req = false  ack = false }
action idle when req and not ack { req = true }
property answered: req ~> ack
property often_clear: always eventually not req
property settles: eventually always ack
property starts_clear: not req
property starts_asked: req
"""


def test_leadsto_and_infinitely_often_without_fairness():
    got = engines(REQ)
    for name in ("answered", "often_clear"):
        assert statuses(got, name) == (V, V, V, V)
        for e in ("bmc", "kind", "pdr"):
            assert shape(got[e][name]) == (2, 1, "idle")  # asked, then idle forever


def test_leadsto_and_infinitely_often_under_fairness():
    got = engines(REQ + "fair action answer\n")
    assert statuses(got, "answered") == (H, B, P, P)
    assert statuses(got, "often_clear") == (H, B, P, P)
    assert statuses(got, "settles") == (V, V, V, V)
    for e in ("bmc", "kind", "pdr"):
        assert shape(got[e]["settles"]) == (3, 0, "reset")  # ask, answer, reset, round again


def test_initially_is_a_check_of_the_initial_states():
    got = engines(REQ)
    assert statuses(got, "starts_clear") == (H, P, P, P)
    assert statuses(got, "starts_asked") == (V, V, V, V)
    assert shape(got["bmc"]["starts_asked"]) == (1, None, None)


def test_unbounded_state_is_never_a_proof():
    text = """model Ticks
var n: int = 0
var done: bool = false
action tick { n = n + 1 }
property ends: eventually done
"""
    inst = inst_of(text)
    (b,) = bmc_verdicts(inst, 5, None)
    assert b.status is B
    for e in ("kind", "pdr"):
        (v,) = prove_verdicts(inst, e, 4, time.perf_counter() + 30)
        assert v.status is U, v  # no lasso exists, yet n grows forever: not a proof
    (v,) = prove_verdicts(inst, "pdr", 4, time.perf_counter() + 30)
    assert "unbounded" in v.reason


def test_a_condition_that_fails_to_evaluate_is_no_violation_and_no_proof():
    text = """model Div
var x: 0..1 = 0
action flip { x = 1 - x }
property big: always eventually 6 div x == 6
fair action flip
"""
    inst = inst_of(text)
    assert bmc_verdicts(inst, 6, None)[0].status is B  # 6 div 0 is no "not big"
    v = prove_verdicts(inst, "kind", 4, time.perf_counter() + 30)[0]
    assert v.status is U and "evaluate" in v.reason
    assert prove_verdicts(inst, "pdr", 4, time.perf_counter() + 30)[0].status is U  # Spacer: no div by a variable


def test_a_lasso_that_does_not_replay_is_reported_unknown():
    inst = inst_of(WALK)
    enc = Encoding(inst)
    form = next(f for _, f in liveness_forms(inst.model) if isinstance(f, Liveness))
    o = search(enc, form, groups_of(enc), 3, None)
    bad = dataclasses.replace(o.lasso, closing=0)  # "step" cannot close it
    v = lasso_verdict(inst, compile_program(inst), form, groups_of(enc), bad, "bmc", 0.0)
    assert v.status is U and "did not replay" in v.reason


@pytest.mark.slow  # fast-tier budget: 3 min on 2 cores
def test_every_engine_reports_every_property():
    text = REQ + "fair action answer\nproperty odd: eventually (req ~> ack)\n"
    inst = inst_of(text)
    opt = SymbolicOptions(depth=6, timeout=60)
    names = {p.name for p in inst.model.properties}
    for run in (check_bmc, check_kind, check_pdr):
        got = {v.name: v for v in run(inst, opt).verdicts}
        assert names <= set(got), run.__name__
        assert got["odd"].status is U and "not a form" in got["odd"].reason
        assert got["answered"].status in (B, P)
    auto = {v.name: v for v in run_engine(inst, EngineOptions(engine="auto", timeout=60)).verdicts}
    assert auto["answered"].status is H and auto["answered"].engine == "explicit"
    assert auto["settles"].status is V and auto["settles"].trace.loop_start is not None


@pytest.mark.slow  # over 2.5 s; the fast tier keeps under 3 minutes on 2 cores (tests/conftest.py)
def test_auto_hands_open_liveness_to_the_symbolic_engines():
    """With a state budget the explicit search cannot meet, liveness goes to kind/pdr."""
    text = """model Count
var x: 0..30 = 0
var done: bool = false
action inc when x < 30 { x = x + 1 }
action finish when x == 30 { done = true }
property ends: eventually done
fair action inc
fair action finish
"""
    got = {v.name: v for v in run_engine(inst_of(text), EngineOptions(engine="auto", max_states=5, timeout=60)).verdicts}
    assert got["ends"].status is P and got["ends"].engine.startswith(("kind", "pdr"))


# ---------------------------------------------------------------- agreement with explicit

MAX_STATES = 40  # reachable states of a generated model whose liveness is cross-checked


@st.composite
def fair_models(draw):
    """A generated model (tests/gen.py) with fairness declarations (some with a condition of
    their own, `when`) and liveness properties over its bool variables appended."""
    g = draw(models())
    return g.text + fairness_and_liveness(draw, g.text), g.params


def check_agreement(text: str, params: dict, unbounded: bool) -> None:
    note(text)
    try:
        inst = instantiate(load_model_text(text, "gen.fork"), params)
    except Exception:
        reject()
    exp = check_explicit(inst, ExplicitOptions(symmetry=False, max_states=MAX_STATES, timeout=20))
    if not exp.complete or exp.states > MAX_STATES:
        reject()
    forms = {n: f for n, f in liveness_forms(inst.model) if isinstance(f, Liveness) and f.kind != "initially"}
    ref = {v.name: v for v in exp.verdicts if v.name in forms and v.status in (V, H)}
    if not ref:
        reject()
    enc = Encoding(inst)
    prog = compile_program(inst)
    groups = groups_of(enc)
    for name, e in ref.items():
        need = max(exp.states, len(e.trace.steps) - 1 if e.trace else 0)
        o = search(enc, forms[name], groups, need, time.perf_counter() + 20)
        note(f"{name}: explicit {e.status.name}, lasso search {o.status.name} at depth {o.depth}")
        if o.status is U:
            reject()  # nonlinear arithmetic the solver gives up on: no verdict to compare
        if e.status is H:
            assert o.status is B, f"{name}: a lasso where explicit finds none"
        else:
            assert o.status is V, f"{name}: no lasso up to depth {need}, but explicit has one"
            assert len(o.lasso.states) <= len(e.trace.steps), "not the shortest lasso"
            v = lasso_verdict(inst, prog, forms[name], groups, o.lasso, "bmc", 0.0)
            assert v.status is V, v.reason
    if unbounded:
        for engine in ("kind", "pdr"):
            got = {v.name: v for v in prove_verdicts(inst, engine, 3, time.perf_counter() + 10)}
            for name, e in ref.items():
                v = got[name]
                note(f"{name}: {engine} {v.status.name} {v.reason}")
                assert v.status in ({V, U} if e.status is V else {P, U}), f"{engine} says {v.status.name}"


def run_hypothesis(tier: str, fast: int, slow: int, body) -> None:
    """`fast` models in the fast tier, `slow` in the slow tier; derandomized or not as the
    Hypothesis profile says (tests/conftest.py)."""
    n = slow if tier == "slow" else fast

    @settings(max_examples=n, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(fair_models())
    def run(g):
        body(*g)

    run()


def test_lasso_search_agrees_with_explicit(tier):
    """Explicit VIOLATED <=> a lasso within max(reachable states, explicit lasso length)
    (the explicit lasso bounds the shortest one), and every lasso replays."""
    run_hypothesis(tier, 4, 100, lambda text, params: check_agreement(text, params, False))


def test_liveness_to_safety_agrees_with_explicit(tier):
    """kind and pdr on the monitor never prove what explicit violates and never violate what
    it proves; their lassos replay."""
    run_hypothesis(tier, 2, 12, lambda text, params: check_agreement(text, params, True))


@pytest.mark.parametrize("text,name,expect", [
    (REQ + "fair action answer\n", "answered", P),
    (TOGGLE + "fair action grab\n", "grabbed", V),
])
def test_check_pdr_certificate_and_lasso(text, name, expect):
    got = {v.name: v for v in check_pdr(inst_of(text), SymbolicOptions(timeout=60)).verdicts}
    assert got[name].status is expect
    if expect is P:
        assert any(n.startswith("inductive invariant") for n in got[name].notes)
