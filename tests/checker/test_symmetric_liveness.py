"""Liveness on the symmetry-reduced state graph (NOTE(symmetric-liveness) in
checker/engines/liveness.py): the same verdicts as on the whole graph when fairness is the
same for every copy, lassos made concrete and replayed, and the whole graph, with a note,
when fairness is per copy.

Generated models (tests/gen.py `models(counters=True)`: process families, no fairness per
copy) run in both tiers through the `tier` fixture (tests/conftest.py).
"""
from __future__ import annotations

import collections
from pathlib import Path

from hypothesis import HealthCheck, given, note, reject, settings

from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.semantics.instance import instantiate
from forkproof.semantics.verdict import Status
from forkproof.spec.load import load_model, load_model_text
from tests.gen import Generated, fairness_and_liveness, models
from hypothesis import strategies as st

ROOT = Path(__file__).resolve().parents[2]
LIBRA = ROOT / "models" / "libra_framework_upgrade.fork"
MAX_STATES = 3000
REDUCED_NOTE = "decided on the unreduced graph"  # what a reduced lasso that failed its replay leaves behind


def _live(result) -> dict:
    return {v.name: v for v in result.verdicts if v.kind == "property" and v.status in (Status.HOLDS, Status.VIOLATED)}


def _steps(trace) -> list:
    return [(s.action, s.args, s.state) for s in trace.steps] + [trace.loop_start,
                                                               trace.closing and (trace.closing.action, trace.closing.args)]


def test_the_0l_model_checks_liveness_on_the_reduced_graph_with_the_same_lassos():
    model = load_model(str(LIBRA))
    for n in (2, 3, 4):
        inst = instantiate(model, {"N": n, "RULE": 0})
        reduced = check_explicit(inst, ExplicitOptions(symmetry=True))
        whole = check_explicit(inst, ExplicitOptions(symmetry=False))
        r, w = _live(reduced), _live(whole)
        assert {k: v.status for k, v in r.items()} == {k: v.status for k, v in w.items()}
        assert set(r) == {"resolvable_gets_resolved", "voting_closes"}
        # the liveness graph is the reduced one: as many states as the safety search
        assert {v.states for v in r.values()} == {reduced.states} and reduced.states < whole.states
        for name, v in r.items():
            if v.status is Status.VIOLATED:
                assert _steps(v.trace) == _steps(w[name].trace)
                assert not any(REDUCED_NOTE in x for x in v.notes)
    assert r["resolvable_gets_resolved"].status is Status.HOLDS  # N = 4: only N = 2 breaks it


PER_COPY = """model PerCopy
process P[3] { var done: bool = false }
action finish(p: P) when not p.done { p.done = true }
action idle { }
fair action finish(p)
property all_done: eventually forall p in P: p.done
"""


def test_fairness_per_copy_falls_back_to_the_whole_graph_with_a_note():
    inst = instantiate(load_model_text(PER_COPY, "m.fork"), {})
    res = check_explicit(inst, ExplicitOptions(symmetry=True))
    assert "fairness per copy (`fair action finish(p)`) tells the copies apart, so liveness is checked on the " \
           "unreduced state graph" in res.notes
    (v,) = _live(res).values()
    assert v.status is Status.HOLDS and v.states == 8 and res.states == 4  # the whole graph: 2^3 states
    # fairness on the whole action lets one copy starve: checked on the reduced graph, violated
    whole_action = PER_COPY.replace("fair action finish(p)", "fair action finish\nfair action idle")
    res = check_explicit(instantiate(load_model_text(whole_action, "m.fork"), {}), ExplicitOptions(symmetry=True))
    (v,) = _live(res).values()
    assert not any("tells the copies apart" in n for n in res.notes)
    assert v.status is Status.HOLDS and v.states == 4  # weak fairness on finish: some copy always finishes
    starve = whole_action.replace("fair action finish\n", "")
    res = check_explicit(instantiate(load_model_text(starve, "m.fork"), {}), ExplicitOptions(symmetry=True))
    (v,) = _live(res).values()
    assert v.status is Status.VIOLATED and v.trace.closing.action == "idle"


@st.composite
def symmetric_fair_models(draw) -> Generated:
    g = draw(models(counters=True))
    return Generated(g.text + fairness_and_liveness(draw, g.text, counters=True), g.params)


def test_reduced_liveness_agrees_with_the_whole_graph_on_generated_models(tier):
    """Same status for every liveness property with and without symmetry; every lasso from
    the reduced graph passed its concrete replay (none fell back); the reduced graph is
    never larger."""
    seen: collections.Counter = collections.Counter()

    @settings(max_examples=60 if tier == "slow" else 12, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(symmetric_fair_models())
    def run(g: Generated) -> None:
        note(str(g))
        try:
            model = load_model_text(g.text, "gen.fork")
            inst = instantiate(model, {**g.params, "N": g.params.get("N", 3) or 3})
        except Exception:
            reject()
        whole = check_explicit(inst, ExplicitOptions(symmetry=False, max_states=MAX_STATES, timeout=20))
        if not whole.complete:
            reject()
        reduced = check_explicit(inst, ExplicitOptions(symmetry=True, max_states=MAX_STATES, timeout=20))
        w, r = _live(whole), _live(reduced)
        assert {k: v.status for k, v in r.items()} == {k: v.status for k, v in w.items()}
        for name, v in r.items():
            seen[v.status.name] += 1
            assert not any(REDUCED_NOTE in x for x in v.notes), v.notes
            assert (v.states or 0) <= (w[name].states or 0)
            if v.status is Status.VIOLATED and v.trace is not None and v.trace.loop_start is not None:
                seen["lasso"] += 1  # a lasso (not an initial state): a cycle back, or a deadlock's stutter at the end
                assert v.trace.closing is not None or v.trace.loop_start == len(v.trace.steps) - 1
        if reduced.states < whole.states:
            seen["reduced"] += 1

    run()
    print(dict(seen))
    assert seen["HOLDS"] and seen["VIOLATED"] and seen["reduced"], seen
