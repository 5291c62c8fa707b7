"""Finite sets (NOTE(sets) in spec/typecheck.py): `set[K]` over a finite domain, `x in s`,
`size`, `subset`, `==`, `union`/`intersection`/`difference`, literals and comprehensions,
quantifiers and `for` over a set.  Engines never see a set, so the tests pin what users see:
verdicts in every engine, the same state counts as the model written by hand with bool maps,
every-size proofs (a global set of a family's ids is a flag of each copy), and the errors.
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
from tests.checker.test_counters import compare

H, V, P, B = Status.HOLDS, Status.VIOLATED, Status.PROVED, Status.BOUNDED

# A multisig-style council: each member backs some of the proposals; a proposal is approved
# once more than half the council backs it.  `backers` is a set of member ids per proposal
# (a def), `approved` a global set of proposals, `signed` a global set of member ids.
COUNCIL = """model Council
param N: int
assume N >= 1
enum Proposal { P1, P2 }
process Member[N] { var backs: set[Proposal] = {} }
var approved: set[Proposal] = {}
var signed: set[Member] = {}
def backers(p: Proposal) = {m in Member where p in m.backs}
action back(m: Member, p: Proposal) when not (p in m.backs) and not (p in approved) {
  m.backs = union(m.backs, {p})
  signed = union(signed, {m})
}
action approve(p: Proposal) when 2 * size(backers(p)) > N and not (p in approved) {
  approved = union(approved, {p})
}
invariant approved_had_a_majority: forall p in approved: 2 * size(backers(p)) > N
invariant signers_backed_something: forall m in Member: m in signed iff size(m.backs) > 0
invariant approved_ones_are_proposals: subset(approved, {P1, P2})
invariant never_both: approved != {P1, P2}
"""

# The same model with the sets written by hand as bool maps and counts.
BY_HAND = """model CouncilByHand
param N: int
assume N >= 1
enum Proposal { P1, P2 }
process Member[N] { var backs: [Proposal] bool = false }
var approved: [Proposal] bool = false
def backers(p: Proposal) = count(m in Member where m.backs[p])
action back(m: Member, p: Proposal) when not m.backs[p] and not approved[p] {
  m.backs[p] = true
}
action approve(p: Proposal) when 2 * backers(p) > N and not approved[p] {
  approved[p] = true
}
"""


def explicit(text: str, n: int):
    inst = instantiate(load_model_text(text, "m.fork"), {"N": n})
    return check_explicit(inst, ExplicitOptions(symmetry=False))


@pytest.mark.parametrize("n", [1, 2, 3])
def test_sets_make_the_states_bool_maps_make(n):
    # `signed` follows from `backs` (signers_backed_something), so it adds no state
    assert explicit(COUNCIL, n).states == explicit(BY_HAND, n).states


def test_every_engine_agrees_on_the_council():
    inst = instantiate(load_model_text(COUNCIL, "m.fork"), {"N": 2})
    got = {
        "explicit": check_explicit(inst, ExplicitOptions()),
        "bmc": check_bmc(inst, SymbolicOptions(depth=6, timeout=60)),
        "kind": check_kind(inst, SymbolicOptions(depth=6, timeout=60)),
        "pdr": check_pdr(inst, SymbolicOptions(depth=6, timeout=60)),
    }
    want = {"explicit": H, "bmc": B, "kind": P, "pdr": P}
    for engine, result in got.items():
        by_name = {v.name: v.status for v in result.verdicts if v.kind == "invariant"}
        assert by_name == {"approved_had_a_majority": want[engine], "signers_backed_something": want[engine],
                           "approved_ones_are_proposals": want[engine], "never_both": V}, engine
    # both proposals approved: a majority backs each (both members)
    trace = next(v for v in got["explicit"].verdicts if v.name == "never_both").trace
    actions = [s.action for s in trace.steps]
    assert len(actions) == 7 and actions.count("back") == 4 and actions[-1] == "approve"


def test_the_council_is_proved_for_every_size_and_its_break_found_at_the_smallest():
    model = load_model_text(COUNCIL, "m.fork")
    rep = check_model(model, parse_bindings(model, []), EngineOptions(deadlock=False, up_to=3))
    got = {p.verdict.name: (p.verdict.status, p.scope) for p in rep.properties}
    every = "all N with N >= 1"
    assert got == {"approved_had_a_majority": (P, every), "signers_backed_something": (P, every),
                   "approved_ones_are_proposals": (P, every), "never_both": (V, "N = 1")}
    # the counters decide it, and agree with the explicit engine instance by instance
    compare(model, {}, ["N"], 3)


def test_a_set_of_member_ids_is_a_flag_of_each_member():
    model = load_model_text(COUNCIL, "m.fork")
    assert [v.name for v in model.globals] == ["approved"]
    assert [v.name for v in model.families[0].locals] == ["backs", "signed"]
    trace = next(v for v in explicit(COUNCIL, 1).verdicts if v.name == "never_both").trace
    assert trace.steps[1].changed == ("Member[0].backs[P1]", "Member[0].signed")
    assert trace.steps[1].state["Member[0].signed"] is True


SMALL = """model Small
enum C { R, G, B }
var s: set[C] = {}
var t: set[C] = any
action add(c: C) when not (c in s) { s = union(s, {c}) }
action drop(c: C) when c in s { s = difference(s, {c}) }
action keep_red { t = intersection(t, {R}) }
action mirror { s = {c in C where not (c in s)} }
"""


@pytest.mark.parametrize("prop,status", [
    ("size(s) <= 3", H),
    ("size(s) <= 2", V),
    ("s == {} or exists c in s: true", H),
    ("{} == s implies size(s) == 0", H),
    ("size(t') <= size(t)", H),
    ("(forall c in C: c in s) implies s == {R, G, B}", H),
    ("count(c in s where c != R) == size(difference(s, {R}))", H),
    ("sum(c in union(s, t): 1) >= size(s)", H),
    ("size(s') == 3 - size(s) or size(s') - size(s) <= 1", H),
])
def test_set_operations_mean_what_they_say(prop, status):
    text = SMALL + f"invariant p: {prop}\n"
    inst = instantiate(load_model_text(text, "m.fork"), {})
    result = check_explicit(inst, ExplicitOptions())
    assert result.states == 64  # 8 values of s times 8 of t
    assert {v.name: v.status for v in result.verdicts}["p"] is status


def test_for_over_a_set_visits_its_members_only():
    text = """model Loop
enum C { R, G, B }
var s: set[C] = {}
var painted: [C] bool = false
action add(c: C) when not (c in s) { s = union(s, {c}) }
action paint { for c in s { painted[c] = true } }
invariant only_members: forall c in C: painted[c] implies c in s
"""
    inst = instantiate(load_model_text(text, "m.fork"), {})
    assert {v.name: v.status for v in check_explicit(inst, ExplicitOptions()).verdicts}["only_members"] is H


@pytest.mark.parametrize("body,code,message", [
    ("invariant p: s + 1 > 0", "FP302", "'+' expects a number ('int' or 'rat'), found 'set[C]'"),
    ("def d = {R}\ninvariant p: d > 0", "FP321", "'d' is a set, and a set is not a value here"),
    ("invariant p: size({}) == 0", "FP323", "cannot tell what '{}' would hold here"),
    ("invariant p: R in 3", "FP302", "expected a set"),
    ("invariant p: size(s, s) == 0", "FP303", "'size' takes one set, 2 given"),
    ("invariant p: 1 in s", "FP302", "'in' asks whether 'int' is in a set of C"),
    ("invariant p: size({R, 1}) > 0", "FP302", "a set of C cannot hold 'int'"),
    ("action q { s = {1} }", "FP302", "cannot assign a set[int] to"),
])
def test_set_errors_say_what_to_write(body, code, message):
    assert_first_error(SMALL.replace("var t: set[C] = any\n", "").replace(
        "action keep_red { t = intersection(t, {R}) }\n", "") + body + "\n", code, message)
