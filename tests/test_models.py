"""The shipped models: verdicts and state counts pinned per instance, with and without
symmetry reduction, and seeded bugs that each property must catch."""
from __future__ import annotations

from pathlib import Path

import pytest

from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.verdict import Status
from forkproof.spec.load import load_model, load_model_text

MODELS = Path(__file__).resolve().parents[1] / "models"
LIBRA = MODELS / "libra_framework_upgrade.fork"
NEAR = MODELS / "near_protocol_upgrade.fork"


def run(path: Path, params=(), symmetry=True, text: str | None = None):
    model = load_model_text(text, str(path)) if text is not None else load_model(str(path))
    return check_model(model, parse_bindings(model, list(params)), EngineOptions(symmetry=symmetry))


def verdicts(report):
    return {p.verdict.name: p.verdict.status for p in report.properties}


# (states with symmetry, states without) per N = 1..6
LIBRA_CODE_STATES = [(17, 17), (45, 67), (67, 173), (135, 709), (237, 2695), (299, 7553)]
LIBRA_INTENDED_STATES = [(17, 17), (29, 41), (45, 113), (103, 523), (139, 1503), (181, 4427)]


@pytest.mark.parametrize("symmetry", [True, False])
def test_libra_code_rule_breaks_two_thirds_at_n2(symmetry):
    rep = run(LIBRA, ["N=1..6", "RULE=Code"], symmetry=symmetry)
    assert [r.scope for r in rep.instances] == [f"N = {n}, RULE = Code" for n in range(1, 7)]
    assert [r.result.states for r in rep.instances] == [s[0 if symmetry else 1] for s in LIBRA_CODE_STATES]
    assert verdicts(rep) == {
        "only_registered_hash_runs": Status.HOLDS,
        "tampered_script_never_runs": Status.HOLDS,
        "resolved_at_most_once": Status.HOLDS,
        "resolved_had_two_thirds_yes": Status.VIOLATED,
        "resolvable_gets_resolved": Status.VIOLATED,
        "voting_closes": Status.HOLDS,
        "deadlock": Status.HOLDS,
    }
    bad = next(p for p in rep.properties if p.verdict.name == "resolved_had_two_thirds_yes")
    assert bad.scope == "N = 2, RULE = Code"  # the smallest validator count that breaks it
    assert [st for _, st in bad.per_instance] == [Status.HOLDS] + [Status.VIOLATED] * 5
    steps = bad.verdict.trace.steps
    assert [s.action for s in steps] == [None, "propose", "vote", "resolve"]
    assert steps[-1].state["ran_yes"] == 1 and steps[-1].state["ran"] is True
    # liveness: at N = 2 a later No vote undoes a pass (yes > no fails again), the vote expires
    # and the proposal is proposed again: resolve is fair, but never continuously enabled
    live = next(p for p in rep.properties if p.verdict.name == "resolvable_gets_resolved")
    assert live.scope == "N = 2, RULE = Code"
    assert [st for _, st in live.per_instance] == [Status.HOLDS, Status.VIOLATED] + [Status.HOLDS] * 4
    lasso = live.verdict.trace
    assert [s.action for s in lasso.steps] == [None, "propose", "vote", "vote", "expire", "propose"]
    assert lasso.loop_start == 2 and lasso.closing.action == "vote"
    assert live.verdict.reason.startswith("the cycle repeats forever without satisfying it")


@pytest.mark.parametrize("symmetry", [True, False])
def test_libra_intended_rule_holds_everywhere(symmetry):
    rep = run(LIBRA, ["N=1..6", "RULE=Intended"], symmetry=symmetry)
    assert [r.result.states for r in rep.instances] == [s[0 if symmetry else 1] for s in LIBRA_INTENDED_STATES]
    assert set(verdicts(rep).values()) == {Status.HOLDS}
    assert all(r.result.complete for r in rep.instances)


@pytest.mark.parametrize("symmetry,states", [(True, 826), (False, 2513)])
def test_near_holds_at_defaults(symmetry, states):
    rep = run(NEAR, symmetry=symmetry)
    assert [r.scope for r in rep.instances] == ["N = 3, BLOCKS = 6, V = 2"]
    assert rep.instances[0].result.states == states
    assert rep.instances[0].result.depth == 19
    assert verdicts(rep) == {
        "blocks_count_what_was_produced": Status.HOLDS,
        "version_never_decreases": Status.HOLDS,
        "adopted_only_above_threshold": Status.HOLDS,
        "adopted_with_more_than_80_percent": Status.HOLDS,
        "at_most_one_version_passes": Status.HOLDS,
        "no_block_from_unsupporting_binary": Status.HOLDS,
        "newest_version_adopted": Status.HOLDS,
        "deadlock": Status.HOLDS,
    }


def _mutant(path: Path, old: str, new: str) -> str:
    text = path.read_text()
    assert old in text, old
    return text.replace(old, new)


SEEDED_BUGS = [
    # (model, edit, params, properties that must now be violated)
    (LIBRA, ("when resolvable and s == registered", "when resolvable"), ["RULE=Intended", "N=3"],
     {"only_registered_hash_runs", "tampered_script_never_runs"}),
    (LIBRA, ("  status = Resolved\n", "  status = Voting\n"), ["RULE=Intended", "N=3"],
     {"resolved_at_most_once", "runtime"}),
    (NEAR, ("blocks[x] > 80% * BLOCKS", "blocks[x] > 40% * BLOCKS"), [],
     {"at_most_one_version_passes", "adopted_with_more_than_80_percent"}),
    (NEAR, ("when produced < BLOCKS and v.supports >= version", "when produced < BLOCKS"), [],
     {"version_never_decreases", "no_block_from_unsupporting_binary"}),
]


@pytest.mark.parametrize("path,edit,params,broken", SEEDED_BUGS, ids=["no-hash-check", "resolve-twice", "near-40pc", "stale-producer"])
def test_seeded_bug_is_caught(path, edit, params, broken):
    rep = run(path, params, text=_mutant(path, *edit))
    got = {name for name, st in verdicts(rep).items() if st is Status.VIOLATED}
    assert got == broken
    for p in rep.properties:
        if p.verdict.status is Status.VIOLATED:
            assert p.verdict.trace is not None and len(p.verdict.trace.steps) >= 2


# ---------------------------------------------------------------- every size at once (issue 4)


def by_rule(report):
    return {(p.verdict.name, p.scope.rsplit("RULE = ", 1)[-1]): p for p in report.properties}


# The proofs for every size take 10-15 s each: slow tier.  The fast tier pins the counter
# engine on the same models (tests/checker/test_counters.py) and the every-size driver on
# small models (tests/checker/test_sizes.py).


@pytest.mark.slow
def test_libra_without_params_proves_every_n_and_finds_the_smallest_breaking_n():
    rep = run(LIBRA)  # N and RULE have no value: every N >= 1, both rules
    got = by_rule(rep)
    for name in ("only_registered_hash_runs", "tampered_script_never_runs", "resolved_at_most_once", "deadlock"):
        for rule in ("Code", "Intended"):
            assert got[(name, rule)].verdict.status is Status.PROVED
            assert got[(name, rule)].scope == f"all N with N >= 1, RULE = {rule}"
    intended = got[("resolved_had_two_thirds_yes", "Intended")]
    assert intended.verdict.status is Status.PROVED
    assert "cross-checked for N = 1..6, RULE = Intended: holds (exhaustive)" in intended.verdict.notes
    code = got[("resolved_had_two_thirds_yes", "Code")]
    assert code.verdict.status is Status.VIOLATED and code.scope == "N = 2, RULE = Code"
    assert [s.action for s in code.verdict.trace.steps] == [None, "propose", "vote", "resolve"]
    # liveness for every N: liveness to safety on the counters
    for rule in ("Code", "Intended"):
        closes = got[("voting_closes", rule)].verdict
        assert closes.status is Status.PROVED and closes.engine == "pdr (counters, l2s)"
    assert got[("resolvable_gets_resolved", "Intended")].verdict.status is Status.PROVED
    undone = got[("resolvable_gets_resolved", "Code")]
    assert undone.verdict.status is Status.VIOLATED and undone.scope == "N = 2, RULE = Code"
    assert undone.verdict.trace.loop_start == 2
    assert len(rep.properties) == 14  # 7 obligations x 2 rules; runtime proved, so not listed


@pytest.mark.slow
def test_near_with_open_validator_and_block_counts_is_proved_for_all():
    text = NEAR.read_text().replace("param N: int = 3 ", "param N: int     ").replace("param BLOCKS: int = 6", "param BLOCKS: int")
    rep = run(NEAR, text=text)
    got = {p.verdict.name: (p.verdict.status, p.scope) for p in rep.properties}
    live = got.pop("newest_version_adopted")
    assert got == {
        name: (Status.PROVED, "all N, BLOCKS with N >= 1 and BLOCKS >= 1 and V >= 1, V = 2")
        for name in ("blocks_count_what_was_produced", "version_never_decreases", "adopted_only_above_threshold",
                     "adopted_with_more_than_80_percent", "at_most_one_version_passes",
                     "no_block_from_unsupporting_binary", "deadlock")}
    # fairness per validator tells copies apart: no proof for every size, but every fixed size holds
    assert live[0] is Status.UNKNOWN
    reason = next(p for p in rep.properties if p.verdict.name == "newest_version_adopted").verdict.reason
    assert reason.startswith("no proof for all N, BLOCKS with N >= 1 and BLOCKS >= 1 and V >= 1, V = 2: fairness per copy "
                             "(upgrade_binary(v)) tells copies apart, which counters do not; holds (exhaustive) for N = 1..6")


@pytest.mark.slow
def test_near_40_percent_breaks_at_the_smallest_sizes():
    text = NEAR.read_text().replace("param N: int = 3 ", "param N: int     ").replace("param BLOCKS: int = 6", "param BLOCKS: int")
    text = text.replace("blocks[x] > 80% * BLOCKS", "blocks[x] > 40% * BLOCKS")
    rep = run(NEAR, text=text)
    bad = next(p for p in rep.properties if p.verdict.name == "at_most_one_version_passes")
    assert bad.verdict.status is Status.VIOLATED
    assert bad.scope == "N = 1, BLOCKS = 2, V = 2"  # smallest max(N, BLOCKS) first, then N, BLOCKS
    assert len(bad.verdict.trace.steps) == 4  # upgrade, produce, produce


def test_model_outside_the_counter_abstraction_says_why_and_is_unknown():
    text = """model Ids
param N: int
assume N >= 1
process P[N] { var on: bool = false }
var last: P = any
action go(p: P) when not p.on { p.on = true last = p }
invariant fine: forall p in P: p.on or not p.on
"""
    rep = run(Path("ids.fork"), text=text)
    v = next(p for p in rep.properties if p.verdict.name == "fine").verdict
    assert v.status is Status.UNKNOWN
    assert "holds (exhaustive) for N = 1..6 only" in v.reason
    assert "the state variable 'last' holds copies of a process family" in v.reason
