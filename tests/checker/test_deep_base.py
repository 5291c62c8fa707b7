"""The bounded search over every size on the counters (NOTE(deep-base) in
checker/engines/counters/prove.py) and its confirmation on one instance (checker/run/sizes.py).

k-induction on the counters stops at k = 1; a violation deeper than that was left to PDR,
which on the Cardano model did not find one in its budget.  The search finds the run, makes
its sizes small, and the instance at those sizes confirms it by bmc.
"""
from __future__ import annotations

import dataclasses

from forkproof.engines.counters import prove as P
from forkproof.engines.counters.abstraction import CounterEncoding
from forkproof.engines.symbolic.bmc import obligations
from forkproof.engines.symbolic.encode import SymbolicOptions
from forkproof.semantics.verdict import Status
from forkproof.spec.load import load_model_text
from tests.checker.test_sizes import check, only

# three votes of A and one of B break `few`: 4 steps at N >= 3, M >= 1
TWO = """model Two
param N: int
param M: int
assume N >= 1 and M >= 1
process A[N] { var voted: bool = false }
process B[M] { var voted: bool = false }
def yes = count(a in A where a.voted) + count(b in B where b.voted)
action vote_a(a: A) when not a.voted { a.voted = true }
action vote_b(b: B) when not b.voted { b.voted = true }
invariant few: count(a in A where a.voted) < 3 or count(b in B where b.voted) < 1
invariant counted: yes <= N + M
"""


def search(text: str, name: str, symbolic=("N", "M")):
    model = load_model_text(text, "m.fork")
    enc = CounterEncoding(model, {}, list(symbolic))
    props = obligations(enc, False)
    p = next(x for x in props if x.name == name)
    states = [enc.vars(0), enc.vars(1)]
    path = [enc.init(states[0]), enc.wf(states[0]), enc.trans(states[0], states[1], 1), enc.wf(states[1])]
    return P._deep_base(enc, p, states, path, 1, SymbolicOptions(timeout=60), 0.0)


def test_the_search_finds_the_run_at_the_smallest_sizes():
    v = search(TWO, "few")
    assert v is not None and v.status is Status.VIOLATED and v.engine == P.DEEP_ENGINE
    assert v.depth == 4 and v.witness == {"N": 3, "M": 1} and v.smallest


def test_the_search_concludes_nothing_from_a_property_that_holds():
    assert search(TWO, "counted") is None


def test_a_violation_only_the_search_finds_is_confirmed_by_bmc_on_its_instance(monkeypatch):
    """PDR made to give up at once: the search alone finds `few` broken; its instance is
    checked by bmc for that property only, and the other property's cross-check does not
    name the instance."""
    real = P.prove_one

    def gives_up(enc, p, *a, **kw):
        o = real(enc, p, *a, **kw)
        if p.name == "few":
            return dataclasses.replace(o, status=Status.UNKNOWN, invariant=None, states=[], reason="gave up")
        return o

    monkeypatch.setattr(P, "prove_one", gives_up)
    rep = check(TWO, up_to=2)
    few = only(rep, "few")
    assert few.verdict.status is Status.VIOLATED and few.scope == "N = 3, M = 1"
    assert any(n.startswith("the smallest size that breaks it") for n in few.verdict.notes)  # sums 2, 3: all checked
    assert few.verdict.engine == "bmc" and len(few.verdict.trace.steps) == 5
    counted = only(rep, "counted")
    assert counted.verdict.status is Status.PROVED
    assert counted.cross_check is not None and "3" not in counted.cross_check[0]
    assert sorted((r.params["N"], r.params["M"]) for r in rep.instances) == [(1, 1), (1, 2), (2, 1), (2, 2), (3, 1)]


def test_smaller_sizes_left_unchecked_are_named_not_claimed(monkeypatch):
    """Checked up to 1 only: N = 1, M = 2 and N = 2, M = 1 have a smaller sum than the
    witness and were not checked whole, so the witness is the smallest found, not the
    smallest; the search's own finding (no run of 4 steps there) is a note of the report."""
    real = P.prove_one
    monkeypatch.setattr(P, "prove_one", lambda enc, p, *a, **kw: dataclasses.replace(
        real(enc, p, *a, **kw), status=Status.UNKNOWN, invariant=None, states=[], reason="gave up")
        if p.name == "few" else real(enc, p, *a, **kw))
    rep = check(TWO, up_to=1)
    few = only(rep, "few")
    assert few.verdict.status is Status.VIOLATED and few.scope == "N = 3, M = 1"
    assert few.verdict.notes[-1] == "the smallest size found that breaks it; N = 1, M = 2 | N = 2, M = 1 (smaller " \
        "in sum) were not checked whole; holds for N = 1"
    assert "few: a search over every size found no run of up to 4 steps that breaks it at sizes smaller in sum " \
           "than N = 3, M = 1" in rep.notes
