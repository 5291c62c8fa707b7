"""Fairness with its own condition, `fair action A when C` (NOTE(fair-when) in
checker/semantics/temporal.py): A counts as enabled for fairness where its guard and C hold.

Pinned in every engine that checks liveness, on models where the condition changes the
verdict against fairness on the guard alone: the explicit engine at fixed sizes
(checker/engines/liveness.py), the lasso search and liveness to safety at fixed sizes
(checker/engines/symbolic/lasso.py: bmc, kind, pdr), and the counters for every size
(checker/engines/counters/l2s.py, through `check_model`).
"""
from __future__ import annotations

import pytest

from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.spec.errors import ModelError
from forkproof.spec.load import load_model_text
from tests.checker.test_lasso import B, H, P, V, engines, shape, statuses

ENGINES = ("explicit", "bmc", "kind", "pdr")  # the order of `statuses`


HOLDS_EVERYWHERE = (H, B, P, P)
BROKEN_EVERYWHERE = (V, V, V, V)


# ---------------------------------------------------------------- a relay rule, one copy

# The threshold-automaton shape: `relay` may fire once correct plus faulty messages (F of
# them) meet the bar, and must fire once correct messages alone do.
RELAY = """model Relay
param F: int = 1
var sent: 0..2 = 0
var relayed: bool = false
action send when sent < 2 { sent = sent + 1 }
action relay when not relayed and sent + F >= 1 { relayed = true }
action idle { }
property relays: eventually relayed
property relays_once_sent: sent >= 1 ~> relayed
"""
ONE = {"F": 1}


def test_fairness_on_the_guard_relays_on_faulty_messages_alone():
    got = engines(RELAY + "fair action relay\n", ONE)
    assert statuses(got, "relays") == HOLDS_EVERYWHERE
    assert statuses(got, "relays_once_sent") == HOLDS_EVERYWHERE


def test_fairness_with_a_condition_asks_for_the_relay_only_once_correct_messages_meet_the_bar():
    got = engines(RELAY + "fair action relay when sent >= 1\n", ONE)
    # nobody sends: the guard holds forever (F = 1), the condition never: idling is fair
    assert statuses(got, "relays") == BROKEN_EVERYWHERE
    for e in ENGINES:
        assert shape(got[e]["relays"]) == (1, 0, "idle"), e
    assert statuses(got, "relays_once_sent") == HOLDS_EVERYWHERE
    # the explanation names fairness on the guard, and says the declared one asks for less
    assert got["explicit"]["relays"].reason == (
        "a fairness problem: the cycle keeps 'send' and 'relay' enabled at every step and never takes them (the "
        "declared `fair action relay when sent >= 1` asks for 'relay' only where its condition holds too); with "
        "`fair action send` and `fair action relay` the property holds")


def test_a_condition_is_never_more_than_the_guard():
    # `sent >= 0` holds everywhere: the same as the guard, whatever F (with F = 0 the guard
    # fails until a send, and the condition does not make relay owed there)
    assert statuses(engines(RELAY + "fair action relay when sent >= 0\n", ONE), "relays") == HOLDS_EVERYWHERE
    got = engines(RELAY + "fair action relay when sent >= 0\n", {"F": 0})
    assert statuses(got, "relays") == BROKEN_EVERYWHERE
    assert statuses(got, "relays_once_sent") == HOLDS_EVERYWHERE
    # a condition that fails to evaluate (a key outside the map's) does not hold: fairness
    # asks nothing, as without it
    got = engines(RELAY + "var m: [3..3] bool = true\nfair action relay when m[sent]\n", ONE)
    assert statuses(got, "relays") == BROKEN_EVERYWHERE
    assert statuses(got, "relays_once_sent") == BROKEN_EVERYWHERE


def test_a_lasso_that_the_declared_conditions_allow_is_no_fairness_problem():
    got = engines(RELAY + "fair action relay when sent >= 2\nfair action send when sent == 0\n", ONE)
    assert statuses(got, "relays") == BROKEN_EVERYWHERE
    assert shape(got["explicit"]["relays"]) == (2, 1, "idle")
    # fairness on the guards would fix it, but the model chose the conditions: not "a fairness problem"
    assert got["explicit"]["relays"].reason == (
        "the cycle repeats forever without satisfying it, even though every fairness requirement is met: it keeps "
        "'send' and 'relay' enabled at every step and never takes them, which the declared `fair action relay when "
        "sent >= 2` and `fair action send when sent == 0` allow; on their guards alone, `fair action send` and "
        "`fair action relay` would exclude this lasso, and the property would then hold")


def test_sending_made_fair_makes_the_condition_come_true():
    got = engines(RELAY + "fair action relay when sent >= 1\nfair action send\n", ONE)
    assert statuses(got, "relays") == HOLDS_EVERYWHERE


# ---------------------------------------------------------------- strong fairness

FLICKER = """model Flicker
var on: bool = false
var got: bool = false
action toggle { on = not on }
action grab when not got { got = true }
fair action toggle
property grabbed: eventually got
"""


@pytest.mark.parametrize("decl,expect", [
    ("fair action grab", HOLDS_EVERYWHERE),  # the guard holds forever
    ("fair action grab when on", BROKEN_EVERYWHERE),  # on only every other state: weak is not enough
    ("strong fair action grab when on", HOLDS_EVERYWHERE),  # on infinitely often
    ("strong fair action grab when on and not on", BROKEN_EVERYWHERE),  # never owed
])
def test_strong_fairness_with_a_condition(decl, expect):
    got = engines(FLICKER + decl + "\n")
    assert statuses(got, "grabbed") == expect


def test_strong_fairness_named_beside_a_declared_condition():
    # grab's guard flickers with on: weak fairness, whatever its condition, lets the cycle skip it
    got = engines(FLICKER.replace("grab when not got", "grab when on and not got") + "fair action grab when true\n")
    assert statuses(got, "grabbed") == BROKEN_EVERYWHERE
    assert got["explicit"]["grabbed"].reason == (
        "a fairness problem that only strong fairness fixes: the cycle never takes 'grab' (it is enabled at step 1, "
        "not at step 0; the declared `fair action grab when true` asks for 'grab' only where its condition holds too), "
        "so its declared weak fairness does not exclude the cycle; with `strong fair action grab` the property holds")


# ---------------------------------------------------------------- a condition over the action's parameters

SET = """model Set
var a: bool = false
var b: bool = false
action set(k: bool) when (k and not a) or (not k and not b) { if k { a = true } else { b = true } }
action idle { }
property first: eventually a
property both: eventually (a and b)
"""


@pytest.mark.parametrize("decl", ["fair action set when k", "fair action set(k) when k"])
def test_a_condition_is_read_for_each_instance(decl):
    # set(true) is owed while it is enabled; set(false) never is
    got = engines(SET + decl + "\n")
    assert statuses(got, "first") == HOLDS_EVERYWHERE
    assert statuses(got, "both") == BROKEN_EVERYWHERE
    assert shape(got["explicit"]["both"]) == (2, 1, "idle")


def test_on_the_guard_both_are_set():
    got = engines(SET + "fair action set\n")
    assert statuses(got, "both") == HOLDS_EVERYWHERE


# ---------------------------------------------------------------- every size: the counters

FAMILY = """model RelayN
param N: int
param F: int
assume N >= 1 and F >= 1
enum Loc { V0, SE }
process P[N] { var loc: Loc = V0 }
def nsnt = count(p in P where p.loc == SE)
action relay(p: P) when p.loc == V0 and nsnt + F >= 1 { p.loc = SE }
action idle { }
property all_relay: eventually forall p in P: p.loc == SE
property then_all: nsnt >= 1 ~> forall p in P: p.loc == SE
"""


def every_size(text: str) -> dict:
    model = load_model_text(text, "relay.fork")
    rep = check_model(model, parse_bindings(model, []), EngineOptions())
    return {p.verdict.name: p for p in rep.properties}


def test_every_size_on_the_guard():
    got = every_size(FAMILY + "fair action relay\n")
    for name in ("all_relay", "then_all"):
        assert (got[name].verdict.status, got[name].verdict.engine) == (P, "pdr (counters, l2s)")
        assert got[name].scope == "all N, F with N >= 1 and F >= 1"


def test_every_size_with_a_condition():
    got = every_size(FAMILY + "fair action relay when nsnt >= 1\n")
    assert (got["then_all"].verdict.status, got["then_all"].verdict.engine) == (P, "pdr (counters, l2s)")
    bad = got["all_relay"]
    assert (bad.verdict.status, bad.scope) == (V, "N = 1, F = 1")
    assert [s.action for s in bad.verdict.trace.steps] == [None] and bad.verdict.trace.closing.action == "idle"


# ---------------------------------------------------------------- the language


def test_the_condition_is_checked_in_the_actions_scope():
    text = RELAY + "fair action relay when sent >= 1\n"
    model = load_model_text(text, "t.fork")
    (f,) = model.fairness
    assert (f.action, f.strong, f.per) == ("relay", False, ())
    assert model.fairness[0].when is not None
    for bad, code, message in [
        ("fair action relay when sent", "FP302", "'fair action relay when' expects 'bool', found '0..2'"),
        ("fair action relay when sent' > 0", "FP311",
         "primed variables (x') are only allowed in invariants, not in the fairness condition of 'relay'"),
        ("fair action relay when eventually relayed", "FP312",
         "'eventually' is a temporal operator, allowed only in a property"),
        ("fair action relay when k", "FP202", "unknown name 'k'"),
    ]:
        with pytest.raises(ModelError) as e:
            load_model_text(RELAY + bad + "\n", "t.fork")
        (d,) = e.value.diagnostics
        assert (d.code, d.message) == (code, message)


def test_a_condition_on_instances_whose_guard_never_holds_replays():
    # the program leaves out act0's instances (their guard is false in every state); the
    # lasso replay compiled the condition for them too and crashed (found by the slow tier's
    # generated models)
    text = """model Dropped
param N: int = 2
process P[N] { var l0: 0..1 = 0 }
action act0(a0: bool, a1: 0..N - 1) when (exists q in 0..N - 1: false) and a0 { }
action act1 { }
fair action act0(a1) when not a0
property never: eventually always false
"""
    got = engines(text, {"N": 2})
    assert statuses(got, "never") == BROKEN_EVERYWHERE
