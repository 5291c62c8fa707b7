"""Environment assumptions in liveness properties, `A1 and ... implies F` (NOTE(assume) in
checker/semantics/temporal.py): F must hold on every fair run that meets the assumptions,
`always eventually A` (A at some state of a lasso's loop) and `eventually always A` (A at
every state of it).

Pinned in every engine that checks liveness, on a model whose property fails without the
assumption and holds with it: the explicit engine (checker/engines/liveness.py), bmc, kind
and pdr at a fixed size (checker/engines/symbolic/lasso.py), and the counters for every size
(checker/engines/counters/l2s.py, through `check_model`).  The shapes the language refuses
(spec/assume.py, FP326 and FP327) are pinned here by message and in tests/golden/errors/
by their printed form.  Generated models with assumptions are cross-checked against the
explicit engine at the end (tests/gen.py `fairness_and_liveness(assume=True)`).
"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.temporal import Liveness, classify
from forkproof.spec.errors import ModelError
from forkproof.spec.load import load_model_text
from tests.checker.test_lasso import B, H, P, U, V, check_agreement, engines, shape, statuses
from tests.gen import fairness_and_liveness, models

ENGINES = ("explicit", "bmc", "kind", "pdr")  # the order of `statuses`
HOLDS_EVERYWHERE = (H, B, P, P)
BROKEN_EVERYWHERE = (V, V, V, V)

# The environment may signal or fall quiet at any time; a node can wake only while the
# signal is up.  Nothing forces a signal, so "every node wakes" fails: the run that stays
# quiet.  It holds once the environment is assumed to keep signalling, with fairness strong
# enough for a signal that comes and goes, or weak fairness and a signal that stays up.
WAKE = """model Wake
param N: int
assume N >= 1
process Node[N] { var awake: bool = false }
var sig: bool = false
action signal { sig = true }
action quiet { sig = false }
action wake(n: Node) when sig and not n.awake { n.awake = true }
property all_awake: eventually forall n in Node: n.awake
property if_signalled: always eventually sig implies eventually forall n in Node: n.awake
property if_signal_stays: eventually always sig implies eventually forall n in Node: n.awake
property if_quiet: eventually always not sig implies eventually forall n in Node: n.awake
property woken_if_both: always eventually sig and eventually always not sig implies (sig ~> forall n in Node: n.awake)
"""
TWO = {"N": 2}


def loop_states(v) -> list[dict]:
    t = v.trace
    return [s.state for s in t.steps[t.loop_start:]]


def test_the_assumption_is_read_from_the_property():
    model = load_model_text(WAKE, "wake.fork")
    forms = {p.name: classify(p) for p in model.properties}
    assert isinstance(forms["if_signalled"], Liveness)
    assert forms["if_signalled"].kind == "eventually"
    assert [(a.kind, a.text) for a in forms["if_signalled"].assume] == [("infinitely", "always eventually sig")]
    assert [(a.kind, a.text) for a in forms["woken_if_both"].assume] == [
        ("infinitely", "always eventually sig"), ("stabilizes", "eventually always not sig")]
    assert forms["woken_if_both"].kind == "leadsto"
    assert forms["all_awake"].assume == ()


def test_weak_fairness_a_signal_that_comes_and_goes_is_not_enough():
    got = engines(WAKE + "fair action wake\n", TWO)
    assert statuses(got, "all_awake") == BROKEN_EVERYWHERE
    assert statuses(got, "if_signalled") == BROKEN_EVERYWHERE
    assert statuses(got, "if_signal_stays") == HOLDS_EVERYWHERE
    # no fair run stays quiet and wakes everyone: broken, by a loop that stays quiet
    assert statuses(got, "if_quiet") == BROKEN_EVERYWHERE
    for e in ENGINES:
        # the lasso meets the assumption: its loop has a state with the signal up
        v = got[e]["if_signalled"]
        assert any(s["sig"] is True for s in loop_states(v)), e
        assert shape(v) == (2, 0, "quiet"), e
        assert "the assumption `always eventually sig` (sig at step 1) holds on the cycle" in v.reason, e
        assert all(s["sig"] is False for s in loop_states(got[e]["if_quiet"])), e
    # without the assumption, the lasso stays quiet in the first state
    assert shape(got["explicit"]["all_awake"]) == (1, 0, "quiet")
    assert got["explicit"]["if_signalled"].reason == (
        "a fairness problem that only strong fairness fixes: the cycle never takes 'wake' (it is enabled at step 1, "
        "not at step 0), so its declared weak fairness does not exclude the cycle; with `strong fair action wake` the "
        "property holds; the assumption `always eventually sig` (sig at step 1) holds on the cycle")
    assert got["bmc"]["if_quiet"].reason.endswith(
        "the assumption `eventually always not sig` (not sig at step 0) holds on the cycle")


def test_strong_fairness_and_a_signal_infinitely_often():
    got = engines(WAKE + "strong fair action wake\n", TWO)
    assert statuses(got, "all_awake") == BROKEN_EVERYWHERE
    assert statuses(got, "if_signalled") == HOLDS_EVERYWHERE
    assert statuses(got, "if_signal_stays") == HOLDS_EVERYWHERE
    # both assumptions at once: no run meets them (the signal comes back, and also stays down)
    assert statuses(got, "woken_if_both") == HOLDS_EVERYWHERE
    assert got["explicit"]["woken_if_both"].notes == ("vacuous: no fair run satisfies the assumptions",)


def every_size(text: str) -> dict:
    model = load_model_text(text, "wake.fork")
    rep = check_model(model, parse_bindings(model, []), EngineOptions())
    return {p.verdict.name: p for p in rep.properties}


@pytest.mark.parametrize("fair,signalled", [("fair action wake", V), ("strong fair action wake", P)])
def test_every_size(fair, signalled):
    got = every_size(WAKE + fair + "\n")
    assert (got["all_awake"].verdict.status, got["all_awake"].scope) == (V, "N = 1")
    assert got["if_signal_stays"].verdict.status is P
    assert got["if_signal_stays"].verdict.engine.endswith("(counters, l2s)")
    assert got["if_signal_stays"].scope == "all N with N >= 1"
    v = got["if_signalled"].verdict
    assert v.status is signalled
    if signalled is P:
        assert v.engine.endswith("(counters, l2s)")
    else:
        assert got["if_signalled"].scope == "N = 1"
        assert any(s["sig"] is True for s in loop_states(v))


# ---------------------------------------------------------------- a deadlock's loop is its one state

HALT = """model Halt
var x: 0..2 = 0
var rang: bool = false
action step when x < 2 { x = x + 1 }
fair action step
property rings: always eventually x == 2 implies eventually rang
property rings_if_one: always eventually x == 1 implies eventually rang
"""


def test_a_deadlock_meets_an_assumption_that_holds_there():
    got = engines(HALT)
    assert statuses(got, "rings") == BROKEN_EVERYWHERE
    for e in ENGINES:
        assert shape(got[e]["rings"]) == (3, 2, None), e  # stutters at x = 2
    assert got["explicit"]["rings"].reason == (
        "the run reaches a deadlock (no action is enabled) and stutters there forever: a deadlock makes this property "
        "fail; the assumption `always eventually x == 2` (x == 2 at step 2) holds on the cycle")
    # every fair run ends at x = 2: none visits x == 1 infinitely often
    assert statuses(got, "rings_if_one") == HOLDS_EVERYWHERE
    assert "vacuous: no fair run satisfies the assumptions" in got["explicit"]["rings_if_one"].notes


def test_an_assumption_that_fails_to_evaluate_is_unknown_where_it_would_decide():
    text = HALT.replace("property rings_if_one", "var m: [0..1] bool = true\nproperty bad") \
        .replace("x == 1 implies", "m[x] implies")
    got = engines(text)
    assert got["explicit"]["bad"].status is U
    assert "could not be evaluated" in got["explicit"]["bad"].reason
    assert got["kind"]["bad"].status is U and got["pdr"]["bad"].status is U


# ---------------------------------------------------------------- the language

@pytest.mark.parametrize("prop,code,message", [
    ("eventually sig implies eventually x == 1", "FP326",
     "`eventually sig` holds once and leaves the cycle free: assume `always eventually sig`"),
    ("always sig implies eventually x == 1", "FP326",
     "`always sig` would also constrain the run before its cycle: assume `eventually always sig`, or keep the "
     "model's runs in sig with its guards"),
    ("sig implies eventually x == 1", "FP326",
     "'sig' alone is read in the first state only: assume `always eventually sig` or `eventually always sig`, or "
     "write `sig ~> x == 1` for 'every state where sig is followed by one where x == 1'"),
    ("(always eventually sig or eventually always sig) implies eventually x == 1", "FP326",
     "alternatives joined by `or` are not one assumption: write one property for each"),
    ("always eventually (eventually sig) implies eventually x == 1", "FP326",
     "'eventually sig' is not a state condition (it has always, eventually or ~> inside)"),
    ("always eventually sig implies always x < 3", "FP327",
     "assumptions qualify a liveness property (`eventually P`, `P ~> Q`, `always eventually P`, `eventually always "
     "P`), but 'always x < 3' holds or fails on every run alike, so it is checked without them: state it on its own"),
    ("always eventually sig implies x < 3", "FP327", "but 'x < 3' holds or fails on every run alike"),
    ("always eventually sig implies (eventually always sig implies eventually x == 1)", "FP327",
     "assumptions go on one left side of `implies`, joined by `and`: write `A and B implies F`, not `A implies (B "
     "implies F)`"),
    ("always eventually sig implies x == 0 ~> x == 1", "FP327",
     "`~>` binds more loosely than `implies`, so the assumptions became part of the left side of `~>`: write "
     "`always eventually sig implies (x == 0 ~> x == 1)`"),
    ("always (x == 0 implies eventually x == 1)", "FP327",
     "`always (x == 0 implies eventually x == 1)` is a leads-to: write `x == 0 ~> x == 1`"),
    ("eventually (always eventually sig implies eventually x == 1)", "FP327",
     "an `implies` between temporal formulas is read as assumptions, which go at the top of a property"),
    ("always eventually sig' implies eventually x == 1", "FP311",
     "primed variables (x') are only allowed in invariants, not in property 'p'"),
])
def test_refused_shapes(prop, code, message):
    text = "model A\nvar x: 0..2 = 0\nvar sig: bool = false\naction tick { sig = not sig }\n"
    with pytest.raises(ModelError) as e:
        load_model_text(text + f"property p: {prop}\n", "a.fork")
    (d,) = e.value.diagnostics
    assert d.code == code
    assert message in d.message
    assert d.span is not None and d.span.line == 5


def test_accepted_shapes():
    text = "model A\nvar x: 0..2 = 0\nvar sig: bool = false\naction tick { sig = not sig }\n"
    for prop in ["(always eventually sig) implies eventually x == 1",
                 "always eventually sig and eventually always x >= 0 implies (x == 0 ~> x == 1)",
                 "eventually always (sig and x < 2) implies always eventually x == 1",
                 "always eventually sig implies eventually always x == 1",
                 "always (x == 0 implies x < 2)"]:  # no temporal side: a plain condition, as before
        load_model_text(text + f"property p: {prop}\n", "a.fork")


# ---------------------------------------------------------------- generated models

@st.composite
def assumed_models(draw):
    """A generated model whose every liveness property has one or two assumptions."""
    g = draw(models())
    return g.text + fairness_and_liveness(draw, g.text, assume=True), g.params


def test_generated_assumptions_agree_with_explicit():
    """The lasso search, kind and pdr against the explicit engine (tests/checker/test_lasso.py
    `check_agreement`) on models that all carry assumptions; the generator adds them only
    sometimes to the agreement runs of test_lasso.py and test_counters.py."""

    @settings(max_examples=4, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(assumed_models())
    def run(g):
        check_agreement(*g, True)

    run()
