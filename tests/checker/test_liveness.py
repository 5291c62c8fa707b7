"""Liveness in the explicit engine (checker/engines/liveness.py): every form, weak and strong
fairness, fairness per parameter value, deadlock lassos, fairness problems and vacuity named,
and the shipped models' liveness properties with the seeded bugs of issue 5."""
from __future__ import annotations

from pathlib import Path

import pytest

from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.semantics.instance import instantiate
from forkproof.semantics.replay import replay
from forkproof.semantics.compile import compile_program
from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.verdict import Status
from forkproof.spec.load import load_model_text

MODELS = Path(__file__).resolve().parents[2] / "models"


def run(text: str, params=None, **kw):
    inst = instantiate(load_model_text(text, "m.fork"), params or {})
    return inst, check_explicit(inst, ExplicitOptions(**kw))


def verdict(res, name):
    return next(v for v in res.verdicts if v.name == name)


def assert_lasso_replays(inst, trace):
    """The lasso is a run of the model, and its closing step leads back to the loop start."""
    prog = compile_program(inst)
    state = lambda step: tuple(_raw(inst, step.state))
    xs = [state(s) for s in trace.steps]
    replay(prog, xs)
    env = prog.new_env()
    last = xs[-1]
    if trace.closing is None:  # a deadlock: nothing is enabled in the last state
        assert trace.loop_start == len(xs) - 1
        assert all(a.guard is not None and not a.guard(last, None, env) for a in prog.actions)
    else:
        succ = [a.update(last, env) for a in prog.actions if a.guard is None or a.guard(last, None, env)]
        assert xs[trace.loop_start] in succ


def _raw(inst, shown):
    from forkproof.spec import ir as I
    out = []
    for name, ty in zip(inst.slot_labels, inst.slot_types):
        v = shown[name]
        if isinstance(ty, I.EnumType):
            v = ty.members.index(v)
        out.append(v)
    return out


COUNTER = """model C
var x: 0..3 = 0
action inc when x < 3 { x = x + 1 }
action reset when x == 3 { x = 0 }
action idle { }
property reaches_three: eventually x == 3
property back_to_zero: x == 3 ~> x == 0
property zero_often: always eventually x == 0
property settles: eventually always x == 3
property starts_at_zero: x == 0
"""


def test_without_fairness_idling_forever_breaks_eventually():
    inst, res = run(COUNTER)
    v = verdict(res, "reaches_three")
    assert v.status is Status.VIOLATED
    assert [s.action for s in v.trace.steps] == [None] and v.trace.loop_start == 0
    assert v.trace.closing.action == "idle"
    assert v.reason == ("a fairness problem: the cycle keeps 'inc' enabled at every step and never takes it; "
                        "with `fair action inc` the property holds")
    assert any("no fairness is declared" in n for n in v.notes)
    assert verdict(res, "starts_at_zero").status is Status.HOLDS
    assert_lasso_replays(inst, v.trace)


def test_weak_fairness_of_inc_is_not_enough_for_reset_but_strong_is():
    inst, res = run(COUNTER + "fair action inc\nfair action reset\n")
    assert verdict(res, "reaches_three").status is Status.HOLDS
    # reset is continuously enabled at x == 3 (idle does not disable it): weak fairness suffices
    assert verdict(res, "back_to_zero").status is Status.HOLDS
    assert verdict(res, "zero_often").status is Status.HOLDS
    settles = verdict(res, "settles")
    assert settles.status is Status.VIOLATED and settles.trace.loop_start == 0
    # idle is not fair: weak fairness on it excludes this lasso, but not every lasso
    assert settles.reason == ("the cycle repeats forever without satisfying it, even though every fairness requirement "
                              "is met; `fair action idle` would exclude this lasso (the cycle keeps 'idle' enabled at "
                              "every step and never takes it), but another lasso still breaks the property")
    assert_lasso_replays(inst, settles.trace)


FLICKER = """model F
var on: bool = false
var done: bool = false
action toggle when not done { on = not on }
action finish when on and not done { done = true }
property finishes: eventually done
fair action toggle
"""


def test_weak_fairness_misses_an_action_enabled_only_every_other_state():
    inst, res = run(FLICKER + "fair action finish\n", deadlock=False)
    v = verdict(res, "finishes")
    assert v.status is Status.VIOLATED  # finish is enabled infinitely often, never continuously
    assert [s.action for s in v.trace.steps] == [None, "toggle"] and v.trace.closing.action == "toggle"
    # issue 13: not "holds if every action is fair" (finish is fair): only strong fairness helps
    assert v.reason == ("a fairness problem that only strong fairness fixes: the cycle never takes 'finish' (it is "
                        "enabled at step 1, not at step 0), so its declared weak fairness does not exclude the "
                        "cycle; with `strong fair action finish` the property holds")
    assert_lasso_replays(inst, v.trace)
    _, res = run(FLICKER + "strong fair action finish\n", deadlock=False)
    assert verdict(res, "finishes").status is Status.HOLDS


VOTES = """model V
param N: int
enum Ballot { Unvoted, Yes }
process P[N] { var b: Ballot = Unvoted }
var idle: bool = false
action vote(p: P) when p.b == Unvoted { p.b = Yes }
action wait { idle = not idle }
property everyone_votes: eventually (forall p in P: p.b == Yes)
"""


def test_fairness_per_copy_versus_for_the_action_as_a_whole():
    inst, res = run(VOTES + "fair action vote\n", {"N": 2})
    assert verdict(res, "everyone_votes").status is Status.HOLDS  # vote stays enabled until all voted
    inst, res = run(VOTES + "fair action wait\n", {"N": 2})
    v = verdict(res, "everyone_votes")
    assert v.status is Status.VIOLATED and v.reason.startswith("a fairness problem: the cycle keeps 'vote' enabled")
    assert_lasso_replays(inst, v.trace)
    inst, res = run(VOTES + "fair action vote(p)\n", {"N": 3})
    assert verdict(res, "everyone_votes").status is Status.HOLDS


def test_a_deadlock_stutters_forever_and_is_named():
    text = """model D
var x: 0..2 = 0
action step when x < 1 { x = x + 1 }
fair action step
property reaches_two: eventually x == 2
"""
    inst, res = run(text, deadlock=False)
    v = verdict(res, "reaches_two")
    assert v.status is Status.VIOLATED and v.trace.closing is None and v.trace.loop_start == 1
    assert v.reason.startswith("the run reaches a deadlock (no action is enabled) and stutters there forever")
    assert_lasso_replays(inst, v.trace)


def test_vacuous_leads_to_and_never_enabled_action_are_reported():
    text = """model W
var x: 0..2 = 0
action step when x < 2 { x = x + 1 }
action never when x > 5 { x = 0 }
action stay when x == 2 { }
fair action step
property unreachable_premise: x == 5 ~> x == 0
"""
    inst, res = run(text)
    v = verdict(res, "unreachable_premise")
    assert v.status is Status.HOLDS
    assert "vacuous: the left side of ~> never holds in a reachable state" in v.notes
    assert "vacuity: action 'never' is never enabled in any reachable state (the model)" in res.notes


def test_unsupported_form_is_unknown_with_the_reason():
    inst, res = run("model U\nvar x: 0..1 = 0\naction a { x = 1 - x }\nproperty p: eventually (always x == 0 or always x == 1)\n")
    v = verdict(res, "p")
    assert v.status is Status.UNKNOWN and v.reason.startswith("not a form forkproof checks")


def test_state_limit_makes_liveness_unknown():
    inst, res = run(COUNTER, max_states=2)
    v = verdict(res, "reaches_three")
    assert v.status is Status.UNKNOWN and "liveness needs the whole state graph" in v.reason


# ---------------------------------------------------------------- the shipped models (issue 5, Done when)


def check_text(text: str, params: list[str]):
    model = load_model_text(text, "m.fork")
    return check_model(model, parse_bindings(model, params), EngineOptions())


def prop(report, name, scope=None):
    return next(p for p in report.properties if p.verdict.name == name and (scope is None or scope in p.scope))


def test_near_newest_version_is_adopted_and_without_upgrade_fairness_it_is_a_fairness_problem():
    text = (MODELS / "near_protocol_upgrade.fork").read_text()
    rep = check_text(text, [])
    assert prop(rep, "newest_version_adopted").verdict.status is Status.HOLDS
    rep = check_text(text.replace("fair action upgrade_binary(v)\n", ""), [])
    v = prop(rep, "newest_version_adopted").verdict
    assert v.status is Status.VIOLATED
    assert v.reason == ("a fairness problem: the cycle keeps 'upgrade_binary' enabled at every step and never "
                        "takes it; with `fair action upgrade_binary` the property holds")
    assert v.trace.loop_start == 0 and v.trace.closing.action == "end_epoch"


def test_near_too_few_validators_upgrade_and_the_upgrade_never_happens():
    text = (MODELS / "near_protocol_upgrade.fork").read_text()
    text = text.replace("  var supports: Version = 0          // latest version this validator's binary supports\n",
                        "  var supports: Version = 0\n  var upgrades: bool = any\n")
    text = text.replace("action upgrade_binary(v: Validator) when v.supports < V {",
                        "action upgrade_binary(v: Validator) when v.upgrades and v.supports < V {")
    rep = check_text(text, [])
    v = prop(rep, "newest_version_adopted").verdict
    assert v.status is Status.VIOLATED
    # a validator that never upgrades keeps producing old blocks: the new version never passes 80%
    # the validators that do upgrade are weakly fair to produce, and the cycle disables them
    assert v.reason.startswith("the cycle repeats forever without satisfying it, even though every fairness "
                               "requirement is met; only `strong fair action produce(v)` would exclude this lasso")
    assert v.reason.endswith("and another lasso would still break the property")
    assert v.trace.loop_start is not None and v.trace.closing is not None
    start = v.trace.steps[0].state
    assert [start[f"Validator[{i}].upgrades"] for i in range(3)].count(False) >= 1


def test_libra_resolve_never_enabled_gives_a_lasso_and_a_vacuity_warning():
    text = (MODELS / "libra_framework_upgrade.fork").read_text()
    text = text.replace("action resolve(s: Script) when resolvable and s == registered {",
                        "action resolve(s: Script) when resolvable and s == registered and status == Resolved {")
    rep = check_text(text, ["N=3", "RULE=Intended"])
    v = prop(rep, "resolvable_gets_resolved").verdict
    assert v.status is Status.VIOLATED
    assert v.trace.loop_start is not None
    assert "vacuity: action 'resolve' is never enabled in any reachable state (N = 3, RULE = Intended)" in rep.notes


def test_libra_liveness_needs_no_fairness_because_runs_only_stutter_at_deadlocks():
    text = "".join(line for line in (MODELS / "libra_framework_upgrade.fork").read_text().splitlines(True)
                   if not line.startswith("fair action"))
    rep = check_text(text, ["N=1..4", "RULE=Intended"])
    for name in ("voting_closes", "resolvable_gets_resolved"):
        v = prop(rep, name).verdict
        assert v.status is Status.HOLDS and "no fairness is declared" in " ".join(v.notes)
