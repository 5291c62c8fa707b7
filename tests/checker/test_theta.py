"""The exact θ range of a threshold's constant: per instance by explicit runs per θ cell, for
every size by a proof at the range's end (NOTE(theta-cells), NOTE(theta-monotone) in
checker/run/theta.py).  Pinned on small vote-ratio models whose ranges are known by hand,
and on the NEAR model (safety and liveness)."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from forkproof.analysis.report import Interval, set_str
from forkproof.run.theta import parse_theta, theta_range
from forkproof.run.thresholds import analyse_thresholds
from forkproof.spec.errors import ModelError
from forkproof.spec.load import load_model, load_model_text

ROOT = Path(__file__).resolve().parents[2]

# A yes/no vote on one proposal, decided by the share of the votes cast (a vote ratio).
# Passing needs yes > no exactly when θ >= 1/2 (with `>`), at every N >= 2.
MAJORITY = """\
model MajorityVote
param N: int
assume N >= 1
enum Ballot { Blank, Yes, No }
process Voter[N] {
  var ballot: Ballot = Blank
}
var passed: bool = false
def yes = count(v in Voter where v.ballot == Yes)
def no = count(v in Voter where v.ballot == No)
threshold approves = yes + no > 0 and yes / (yes + no) OP 1/2
action vote(v: Voter, b: Ballot) when v.ballot == Blank and b != Blank and not passed {
  v.ballot = b
}
action pass when approves and not passed { passed = true }
invariant passed_with_majority: passed implies yes > no
EXTRA
"""


def majority(op: str = ">", extra: str = "") -> object:
    return load_model_text(MAJORITY.replace("OP", op).replace("EXTRA", extra), "majority.fork")


def ranges(res):
    return {p.name: p.groups[0] for p in res.properties}


def test_vote_ratio_range_is_proved_for_every_n():
    m = majority(">")
    res = theta_range(m, m.def_named("approves"), {}, 6, ["passed_with_majority"])
    g = ranges(res)["passed_with_majority"]
    # at N = 2 one Yes and one No give the ratio 1/2: any θ below 1/2 lets a tie pass
    assert g.holds == [Interval(Fraction(1, 2), True, None, False)]
    assert g.scope == "all N with N >= 1" and g.why == "proved with θ = 1/2"
    assert res.per_size and "N = 1..6" in res.scope


def test_an_open_end_is_proved_with_the_limit_comparison():
    m = majority(">=")
    res = theta_range(m, m.def_named("approves"), {}, 4, ["passed_with_majority"])
    g = ranges(res)["passed_with_majority"]
    # yes / (yes + no) >= θ lets a tie pass at θ = 1/2 itself, never above it
    assert set_str(g.holds) == "(1/2, +inf)"
    assert g.scope == "all N with N >= 1"
    assert g.why == "proved with 'yes / (yes + no) > 1/2' (the limit as θ tends to 1/2)"


def test_a_range_that_fails_beyond_the_sizes_run_is_not_claimed_for_every_n():
    # true for every θ at N <= 3, broken at N = 4 whatever θ: the sizes run cannot see it
    m = majority(">", "invariant at_most_three_yes: yes <= 3")
    res = theta_range(m, m.def_named("approves"), {}, 3, ["at_most_three_yes", "passed_with_majority"])
    g = ranges(res)["at_most_three_yes"]
    assert set_str(g.holds) == "every θ"
    assert g.scope == "N = 1..3 only"
    assert g.why.startswith("every size not proved with the comparison always true: violated")
    assert ranges(res)["passed_with_majority"].scope == "all N with N >= 1"


def test_a_property_that_reads_the_rule_is_per_size_only():
    m = majority(">", "invariant passed_only_when_approved: passed implies approves")
    res = theta_range(m, m.def_named("approves"), {}, 3, ["passed_only_when_approved"])
    g = ranges(res)["passed_only_when_approved"]
    assert g.scope == "N = 1..3 only" and "reads the rule approves itself" in g.why


def test_a_rule_used_negatively_somewhere_gives_no_every_size_claim():
    text = MAJORITY.replace("OP", ">").replace("EXTRA", "") + \
        "var reopened: bool = false\naction reopen when not approves and not reopened { reopened = true }\n"
    m = load_model_text(text, "majority.fork")
    res = theta_range(m, m.def_named("approves"), {}, 3, ["passed_with_majority"])
    g = ranges(res)["passed_with_majority"]
    assert g.holds == [Interval(Fraction(1, 2), True, None, False)]
    assert g.scope == "N = 1..3 only" and g.why == "not monotone in θ: the rule is used with both polarities in guards"


def test_no_theta_at_the_sizes_run_is_no_theta_for_every_size():
    m = majority(">", "invariant never_passes: not passed")
    res = theta_range(m, m.def_named("approves"), {}, 3, ["never_passes"])
    g = ranges(res)["never_passes"]
    # every θ below 1 lets one Yes pass at N = 1; at θ >= 1 nothing passes... but the
    # comparison is `> θ`: a ratio of 1 passes only for θ < 1, so θ >= 1 keeps it
    assert set_str(g.holds) == "[1, +inf)"


# ---------------------------------------------------------------- choosing the constant

TWO = """\
model TwoBars
param N: int = 3
enum Ballot { Blank, Yes, No }
process Voter[N] {
  var ballot: Ballot = Blank
}
var passed: bool = false
def yes = count(v in Voter where v.ballot == Yes)
def no = count(v in Voter where v.ballot == No)
threshold approves = yes + no > 0 and yes / (yes + no) > 1/2 and yes + no >= 334/1000 * N
  MEANT
action vote(v: Voter, b: Ballot) when v.ballot == Blank and b != Blank and not passed {
  v.ballot = b
}
action pass when approves and not passed { passed = true }
invariant passed_with_majority: passed implies yes > no
invariant passed_with_turnout: passed implies 3 * (yes + no) >= N
"""


def test_the_default_constant_is_the_one_the_meant_bound_uses():
    m = load_model_text(TWO.replace("MEANT", "meant yes + no >= 334/1000 * N and yes > no"), "two.fork")
    res = theta_range(m, m.def_named("approves"), {}, 3, ["passed_with_turnout"])
    assert res.value == Fraction(334, 1000)
    assert "the one its meant bound uses" in res.note and "--theta VALUE picks 1/2" in res.note


def test_theta_option_picks_a_constant_by_value():
    m = load_model_text(TWO.replace("MEANT", ""), "two.fork")
    [rep] = analyse_thresholds(m, {}, 3, ["passed_with_majority"], None, "50%")
    assert rep.theta.value == Fraction(1, 2)
    assert rep.theta.note == "chosen by --theta; the rule also has 167/500"
    assert rep.theta.properties[0].groups[0].holds == [Interval(Fraction(1, 2), True, None, False)]
    with pytest.raises(ModelError) as e:
        analyse_thresholds(m, {}, 3, [], None, "2/3")
    assert e.value.diagnostics[0].code == "FP506"
    assert "no threshold has the constant 2/3 (they have: 0, 167/500, 1/2)" in e.value.diagnostics[0].message


def test_parse_theta():
    assert parse_theta("80%") == Fraction(4, 5)
    assert parse_theta("0.8") == Fraction(4, 5)
    assert parse_theta("4/5") == Fraction(4, 5)
    assert parse_theta("x") is None


# ---------------------------------------------------------------- NEAR: safety and liveness


def test_near_range_includes_liveness():
    m = load_model(str(ROOT / "models/near_protocol_upgrade.fork"))
    res = theta_range(m, m.def_named("passes"), {}, 20, ["at_most_one_version_passes", "newest_version_adopted"])
    by = ranges(res)
    assert set_str(by["at_most_one_version_passes"].holds) == "[1/2, +inf)"
    # blocks[x] > θ * BLOCKS: at θ >= 1 no version can ever pass, so none is adopted
    assert set_str(by["newest_version_adopted"].holds) == "(-inf, 1)"
    assert res.scope == "N = 3, BLOCKS = 6, V = 2" and not res.per_size
