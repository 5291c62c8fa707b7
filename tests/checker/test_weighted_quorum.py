"""Quorum intersection by weight (NOTE(weighted-quorum) in checker/analysis/quorum.py),
pinned on a stake-weighted rule and cross-checked against brute force: every assignment of
weights 1..MAXW to N members and every two votes, at small N."""
from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from forkproof.analysis.thresholds import analyse
from forkproof.spec.load import load_model_text

MODEL = """\
model Weighted
param N: int
param MAXW: int = 2
assume N >= 1
enum Vote { Yes, No, Abstain }
process V[N] {
  var w: 1..MAXW = 1
  var vote: Vote = No
}
def yes = sum(v in V where v.vote == Yes: v.w)
def no = sum(v in V where v.vote == No: v.w)
def total = sum(v in V: v.w)
threshold passes = RULE
action flip(v: V) when v.vote == No { v.vote = Yes }
invariant ok: yes <= total
"""

RULES = {
    # a bar on the total weight: two sets above half of it must meet
    "half_of_total": ("yes > 1/2 * total", lambda y, n, t: 2 * y > t),
    "third_of_total": ("yes > 1/3 * total", lambda y, n, t: 3 * y > t),
    # a bar on the votes cast: abstaining members leave the tally, so two passing sets
    # can be disjoint (the Cardano/Aragon shape)
    "half_of_cast": ("yes + no > 0 and yes / (yes + no) > 1/2", lambda y, n, t: y + n > 0 and 2 * y > y + n),
}


def brute_smallest(passes, max_n: int, maxw: int = 2) -> int | None:
    """The smallest N <= max_n with weights and two votes per member such that both readings
    pass and no member votes Yes in both, or None."""
    for n in range(1, max_n + 1):
        for ws in itertools.product(range(1, maxw + 1), repeat=n):
            for a in itertools.product("YNA", repeat=n):
                ya, na = (sum(w for w, x in zip(ws, a) if x == c) for c in "YN")
                if not passes(ya, na, sum(ws)):
                    continue
                for b in itertools.product("YNA", repeat=n):
                    if any(x == y == "Y" for x, y in zip(a, b)):
                        continue
                    yb, nb = (sum(w for w, x in zip(ws, b) if x == c) for c in "YN")
                    if passes(yb, nb, sum(ws)):
                        return n
    return None


@pytest.mark.parametrize("name", sorted(RULES))
def test_weighted_quorum_agrees_with_brute_force(name):
    text, passes = RULES[name]
    m = load_model_text(MODEL.replace("RULE", text), "weighted.fork")
    [rep] = analyse(m, {}, 3, None)
    q = rep.variants[0].quorum
    smallest = brute_smallest(passes, 3)
    if smallest is None:
        assert q.status == "proved", q
        assert q.scope == "for all N >= 1 (assuming N >= 1)"
        assert q.detail.startswith("any two passing sets of the same members share some of the weight")
    else:
        assert q.status == "refuted", q
        assert q.smallest == smallest
        assert "can share only 0 of the weight" in q.detail
        assert "vote (B) = " in q.witness


def test_pinned_verdicts():
    got = {}
    for name, (text, _) in RULES.items():
        m = load_model_text(MODEL.replace("RULE", text), "weighted.fork")
        got[name] = analyse(m, {}, 3, None)[0].variants[0].quorum
    assert got["half_of_total"].status == "proved"
    assert (got["third_of_total"].status, got["third_of_total"].smallest) == ("refuted", 2)
    assert (got["half_of_cast"].status, got["half_of_cast"].smallest) == ("refuted", 2)


def test_a_local_no_action_assigns_is_the_same_in_both_sets():
    # `active` is fixed at the start (no action assigns it): both sets are of the same
    # active members, so two majorities of the active weight meet.  Read twice, as a vote,
    # it would let each set count a different electorate and look disjoint.
    text = MODEL.replace("  var vote: Vote = No\n", "  var vote: Vote = No\n  var active: bool = any\n").replace(
        "RULE", "yes > 1/2 * sum(v in V where v.active: v.w) and sum(v in V where v.vote == Yes and not v.active: v.w) == 0")
    m = load_model_text(text, "weighted.fork")
    q = analyse(m, {}, 3, None)[0].variants[0].quorum
    assert q.status == "proved", q


def test_the_intersection_query_restarts_with_other_seeds(monkeypatch):
    """NOTE(restarts) in checker/analysis/quorum.py: seeds 0, 1 and 2, cut at a few solver
    steps, decide nothing; seed 3, given the time left, decides, and the verdicts are the
    pinned ones."""
    import z3

    from forkproof.analysis import quorum

    monkeypatch.setattr(quorum, "QUERY_RLIMIT", 1)
    seeds: list[int] = []

    class Counting(z3.Solver):
        def set(self, *args, **keys):
            if args and args[0] == "random_seed":
                seeds.append(args[1])
            return super().set(*args, **keys)
    monkeypatch.setattr(z3, "Solver", Counting)
    got = {}
    for name, (text, _) in RULES.items():
        m = load_model_text(MODEL.replace("RULE", text), "weighted.fork")
        seeds.clear()
        q = analyse(m, {}, 3, None)[0].variants[0].quorum
        got[name] = (q.status, q.smallest)
        assert seeds == [0, 1, 2, 3], (name, seeds)
    assert got == {"half_of_total": ("proved", None), "third_of_total": ("refuted", 2), "half_of_cast": ("refuted", 2)}
