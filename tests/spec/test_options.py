"""Options (NOTE(options) in spec/typecheck.py): `option[T]` for T a bool, a number type or an
enum; the values `none` and `some(v)`, compared with `==`/`!=`, assigned with `=`, read with
`value_or(x, default)`.  Engines never see an option: it is the record `{some: bool, value:
T}`, and `none` always holds the type's first value, so that a none is one state.  Pinned:
the same states as the model written by hand with a flag beside the value, verdicts in every
engine, a proof for every size, and the errors.
"""
from __future__ import annotations

import pytest

from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.engines.symbolic.encode import SymbolicOptions
from forkproof.engines.symbolic.engine import check_bmc, check_kind, check_pdr
from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.instance import instantiate
from forkproof.semantics.verdict import Status
from forkproof.spec.load import load_model_text
from tests.spec import assert_first_error

H, V, P, B = Status.HOLDS, Status.VIOLATED, Status.PROVED, Status.BOUNDED

# A version upgrade: at most one proposed version at a time, each node's vote an option,
# adopted once every node voted for it; a slot per side records a count, once.
UPGRADE = """model Upgrade
param N: int
assume N >= 1
enum Version { V1, V2, V3 }
process Node[N] { var vote: option[Version] = none }
var pending: option[Version] = none
var adopted: Version = V1
var mark: [bool] option[0..N] = none
action propose(v: Version) when pending == none and v != adopted { pending = some(v) }
action vote(n: Node) when pending != none and n.vote == none { n.vote = pending }
action adopt when pending != none and count(n in Node where n.vote == pending) == N {
  adopted = value_or(pending, V1)
  pending = none
  for n in Node { n.vote = none }
}
action note(b: bool) when mark[b] == none { mark[b] = some(count(n in Node where n.vote != none)) }
invariant votes_match: forall n in Node: n.vote == none or n.vote == pending
invariant pending_is_new: pending != some(adopted)
invariant mark_small: value_or(mark[true], 0) <= N
invariant never_v3: adopted != V3
"""

# The same by hand: a flag beside each value, the value kept at the type's first when unset.
BY_HAND = """model UpgradeByHand
param N: int
assume N >= 1
enum Version { V1, V2, V3 }
process Node[N] { var voted: bool = false  var vote: Version = V1 }
var has_pending: bool = false
var pending: Version = V1
var adopted: Version = V1
var has_mark: [bool] bool = false
var mark: [bool] 0..N = 0
action propose(v: Version) when not has_pending and v != adopted { has_pending = true  pending = v }
action vote(n: Node) when has_pending and not n.voted { n.voted = true  n.vote = pending }
action adopt when has_pending and count(n in Node where n.voted and n.vote == pending) == N {
  adopted = pending
  has_pending = false  pending = V1
  for n in Node { n.voted = false  n.vote = V1 }
}
action note(b: bool) when not has_mark[b] { has_mark[b] = true  mark[b] = count(n in Node where n.voted) }
"""


def explicit(text: str, n: int):
    return check_explicit(instantiate(load_model_text(text, "m.fork"), {"N": n}), ExplicitOptions(symmetry=False))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_options_make_the_states_a_flag_beside_the_value_makes(n):
    a, b = explicit(UPGRADE, n), explicit(BY_HAND, n)
    assert (a.states, a.transitions) == (b.states, b.transitions)


def test_an_option_is_a_flag_and_a_value():
    model = load_model_text(UPGRADE, "m.fork")
    assert [v.name for v in model.globals] == ["pending.some", "pending.value", "adopted", "mark.some", "mark.value"]
    assert [v.name for v in model.families[0].locals] == ["vote.some", "vote.value"]
    assert str(model.globals[3].ty) == "[bool] bool" and str(model.globals[4].ty) == "[bool] 0..N"


def test_every_engine_agrees_on_the_upgrade():
    inst = instantiate(load_model_text(UPGRADE, "m.fork"), {"N": 2})
    opts = SymbolicOptions(depth=6, timeout=60)
    got = {"explicit": check_explicit(inst, ExplicitOptions()), "bmc": check_bmc(inst, opts),
           "kind": check_kind(inst, opts), "pdr": check_pdr(inst, opts)}
    want = {"explicit": H, "bmc": B, "kind": P, "pdr": P}
    for engine, result in got.items():
        by_name = {v.name: v.status for v in result.verdicts if v.kind.endswith("invariant")}
        ok = want[engine]
        assert by_name == {"votes_match": ok, "pending_is_new": ok, "mark_small": ok, "never_v3": V}, engine
    trace = next(v for v in got["explicit"].verdicts if v.name == "never_v3").trace
    assert [s.action for s in trace.steps][1:] == ["propose", "vote", "vote", "adopt"]


def test_the_upgrade_is_proved_for_every_size_and_its_break_found_at_the_smallest():
    model = load_model_text(UPGRADE, "m.fork")
    rep = check_model(model, parse_bindings(model, []), EngineOptions(deadlock=False, up_to=3))
    got = {p.verdict.name: (p.verdict.status, p.scope) for p in rep.properties}
    every = "all N with N >= 1"
    assert got == {"votes_match": (P, every), "pending_is_new": (P, every), "mark_small": (P, every),
                   "never_v3": (V, "N = 1")}


SMALL = """model Small
enum C { Red, Green }
var x: option[C] = none
var y: option[1..3] = some(2)
var b: option[bool] = some(true)
action set_x(c: C) when x == none { x = some(c) }
action clear { x = none  y = none }
action copy when y != none { y = some(value_or(y, 1) + 1 - 1) }
action flip when b != none { if value_or(b, false) { b = none } }
"""


@pytest.mark.parametrize("prop,status", [
    ("x == none or x == some(Red) or x == some(Green)", H),
    ("x != none implies value_or(x, Red) == Red", V),
    ("y == none or value_or(y, 0) == 2", H),
    ("value_or(y, 0) >= 0 and value_or(y, 5) != 1", H),
    ("x == none implies value_or(x, Green) == Green", H),
    ("(y != none and y' == none) implies x' == none", H),
    ("b == some(true) or b == none", H),
    ("some(Red) != x", V),
])
def test_option_operations_mean_what_they_say(prop, status):
    inst = instantiate(load_model_text(SMALL + f"invariant r: {prop}\n", "m.fork"), {})
    got = {v.name: v.status for v in check_explicit(inst, ExplicitOptions()).verdicts}
    assert got["r"] is status


def test_a_none_is_one_state_whatever_the_value_was():
    """(x, y): (none, 2), (Red, 2), (Green, 2), then clear: (none, none), (Red, none),
    (Green, none).  A none that kept Green as its value would be a seventh state."""
    text = """model One
enum C { Red, Green }
var x: option[C] = none
var y: option[1..3] = some(2)
action set_x(c: C) when x == none { x = some(c) }
action clear { x = none  y = none }
"""
    res = check_explicit(instantiate(load_model_text(text, "m.fork"), {}), ExplicitOptions(symmetry=False))
    assert res.states == 6


@pytest.mark.parametrize("body,code,message", [
    ("var z: option[C] = any", "FP330", "an option variable starts at none or some(v), not '= any'"),
    ("process F[2] { var k: bool = false }\nvar z: option[F] = none", "FP330",
     "an option holds a bool, a number or an enum value, not 'F'; for at most one copy, use a set[F]"),
    ("invariant r: x.value == Red", "FP331", "an option has no fields: compare it with none or some(v), or read "
     "its value with value_or(x, default)"),
    ("invariant r: none == x or some(Red) == none", "FP331", "compare none or some(v) with an option variable"),
    ("invariant r: value_or(x, 1) == Red", "FP302", "the default of value_or is 'int', but the option holds 'C'"),
    ("invariant r: x == some(true)", "FP302", "cannot compare an option[C] with some(v) where v is 'bool'"),
    ("action a { y = some(Red) }", "FP302", "cannot assign some(v) where v is 'C' to an option[1..3]"),
    ("action a { x = if true then some(Red) else none }", "FP331", "an 'if' cannot give an option"),
    ("def d = x\ninvariant r: true", "FP331", "a def neither takes nor gives an option ('d')"),
    ("invariant r: some(Red)", "FP331", "'some(v)' is an option's value"),
    ("var z: C = none", "FP331", "'none' is an option's value"),
    ("var z: option[C] = Red", "FP302", "'z' holds option[C] values: its initial value is none or some(v)"),
    ("action a { x = some(Red, Green) }", "FP303", "'some' takes one value, 2 given"),
])
def test_option_errors_say_what_to_write(body, code, message):
    assert_first_error(SMALL + body + "\n", code, message)


def test_names_none_some_and_option_stay_free_for_models():
    text = ("model Free\nenum Opt { none, other }\nvar option: bool = false\nvar x: Opt = none\n"
            "def some(k: Opt) = k == other\naction a when not some(x) { x = other  option = true }\n"
            "invariant r: option implies x == other\n")
    inst = instantiate(load_model_text(text, "m.fork"), {})
    assert {v.name: v.status for v in check_explicit(inst, ExplicitOptions()).verdicts}["r"] is H
