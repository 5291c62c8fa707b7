"""Clocks (NOTE(clocks) in spec/typecheck.py): `clock now: lo..hi [when C] [{ ... }]` and
`urgent action A`.  The built-in `tick` advances the running clocks, waits for urgent
actions, and is strongly fair: a decision period ends by itself, with no hand-made tick or
fairness for it.  Pinned: verdicts in every engine against the hand-written tick (which
needs strong fairness), every-size proofs with a clock, the tick's text in traces, and the
errors.
"""
from __future__ import annotations

import re

import pytest

from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.verdict import Status
from forkproof.spec.errors import ModelError
from forkproof.spec.load import load_model_text
from tests.spec import assert_first_error
from tests.checker.test_lasso import B, H, P, V, engines, statuses

U = Status.UNKNOWN

from pathlib import Path

DOC = (Path(__file__).resolve().parents[2] / "docs" / "language.md").read_text()
# the example of docs/language.md 5.13, as users read it
PERIOD = re.search(r"```fork\n(model DecisionPeriod\n.*?)```", DOC, re.S).group(1)
CLOCK = "clock now: 0..PERIOD when status == Deciding { checked = false }\n"
assert CLOCK in PERIOD
# the same, written by hand: a variable and a tick action, with no urgency (the tick's guard
# waits for the check instead)
HAND = PERIOD.replace(CLOCK, "var now: 0..PERIOD = 0\naction tick when status == Deciding and checked and now < PERIOD {\n"
                      "  now = now + 1\n  checked = false\n}\n").replace("urgent action check\n", "")


def test_the_clock_ends_the_decision_period_in_every_engine():
    got = engines(PERIOD, {"PERIOD": 3})
    # k-induction is not enough here (no k up to 12), PDR proves it
    assert statuses(got, "decided") == (H, B, U, P)
    assert "not k-inductive for k <= 8" in got["kind"]["decided"].reason


def test_by_hand_the_tick_needs_strong_fairness():
    weak = engines(HAND + "fair action tick\n", {"PERIOD": 3})
    assert statuses(weak, "decided") == (V, V, V, V)
    # the lasso: votes keep the referendum unchecked, the tick enabled only now and then
    loop = weak["explicit"]["decided"].trace
    assert {s.action for s in loop.steps[loop.loop_start + 1:]} | {loop.closing.action} <= {"vote", "check"}
    strong = engines(HAND + "strong fair action tick\n", {"PERIOD": 3})
    assert statuses(strong, "decided") == (H, B, U, P)


def test_the_clock_is_the_hand_written_tick_with_strong_fairness():
    # the same states and transitions: the clock adds only the fairness
    clocked = load_model_text(PERIOD, "m.fork")
    tick = next(a for a in clocked.actions if a.name == "tick")
    assert tick.params == () and [f.action for f in clocked.fairness if f.strong] == ["tick"]
    a = check_model(clocked, parse_bindings(clocked, []), EngineOptions())
    b_model = load_model_text(HAND + "strong fair action tick\n", "m.fork")
    b = check_model(b_model, parse_bindings(b_model, []), EngineOptions())
    ra, rb = a.instances[0].result, b.instances[0].result
    assert (ra.states, ra.transitions) == (rb.states, rb.transitions) == (24, 60)


def test_time_waits_for_urgent_actions():
    text = PERIOD + "invariant checked_before_time_moves: now' != now implies checked\n"
    got = {p.verdict.name: p.verdict.status for p in check_model(
        load_model_text(text, "m.fork"), {}, EngineOptions()).properties}
    assert got["checked_before_time_moves"] is H
    relaxed = text.replace("urgent action check\n", "")
    got = {p.verdict.name: p.verdict for p in check_model(load_model_text(relaxed, "m.fork"), {}, EngineOptions()).properties}
    assert got["checked_before_time_moves"].status is V
    # a vote leaves the referendum unchecked, and time moves on before the check
    assert [s.action for s in got["checked_before_time_moves"].trace.steps] == [None, "vote", "tick"]


COUNCIL = """model Council
param N: int
assume N >= 1
enum Status { Deciding, Approved, Rejected }
process Member[N] { var yes: bool = false }
var status: Status = Deciding
clock now: 0..3 when status == Deciding
action vote(m: Member) when status == Deciding and not m.yes { m.yes = true }
action approve when status == Deciding and 2 * count(m in Member where m.yes) > N { status = Approved }
action reject when status == Deciding and now >= 3 { status = Rejected }
action closed when status != Deciding { }
urgent action approve
fair action approve
fair action reject
property decided: eventually status != Deciding
invariant rejected_late: status == Rejected implies now >= 3
"""


def test_a_clocked_model_is_proved_for_every_size():
    model = load_model_text(COUNCIL, "m.fork")
    rep = check_model(model, parse_bindings(model, []), EngineOptions(up_to=3))
    got = {p.verdict.name: (p.verdict.status, p.scope) for p in rep.properties}
    every = "all N with N >= 1"
    assert got == {"rejected_late": (Status.PROVED, every), "decided": (Status.PROVED, every),
                   "deadlock": (Status.PROVED, every)}


@pytest.mark.parametrize("change,code,message", [
    (("clock now: 0..PERIOD when", "clock now: int when"), "FP324", "a clock counts ticks up to a bound"),
    (("action closed", "action tick"), "FP324", "the clocks' built-in action is named 'tick'"),
    (("urgent action check", "urgent action chek"), "FP202", "unknown action 'chek'; did you mean 'check'?"),
])
def test_clock_errors(change, code, message):
    assert_first_error(PERIOD.replace(*change), code, message)


def test_urgent_needs_a_clock():
    with pytest.raises(ModelError) as e:
        load_model_text(HAND + "urgent action check\n", "m.fork")
    d = e.value.diagnostics[0]
    assert d.code == "FP325" and "the model has no clock" in d.message
