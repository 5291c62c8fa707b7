"""The shipped models: verdicts and state counts pinned per instance, with and without
symmetry reduction, and seeded bugs that each property must catch."""
from __future__ import annotations

from pathlib import Path

import pytest

from checker.run import CheckOptions, check_model, parse_bindings
from checker.verdict import Status
from spec.typecheck import load_model, load_model_text

MODELS = Path(__file__).resolve().parents[1] / "models"
LIBRA = MODELS / "libra_framework_upgrade.fork"
NEAR = MODELS / "near_protocol_upgrade.fork"


def run(path: Path, params=(), symmetry=True, text: str | None = None):
    model = load_model_text(text, str(path)) if text is not None else load_model(str(path))
    return check_model(model, parse_bindings(model, list(params)), CheckOptions(symmetry=symmetry))


def verdicts(report):
    return {p.verdict.name: p.verdict.status for p in report.properties}


# (states with symmetry, states without) per N = 1..6
LIBRA_CODE_STATES = [(17, 17), (45, 67), (67, 173), (135, 709), (237, 2695), (299, 7553)]
LIBRA_INTENDED_STATES = [(17, 17), (29, 41), (45, 113), (103, 523), (139, 1503), (181, 4427)]


@pytest.mark.parametrize("symmetry", [True, False])
def test_libra_code_rule_breaks_two_thirds_at_n2(symmetry):
    rep = run(LIBRA, symmetry=symmetry)
    assert [r.scope for r in rep.instances] == [f"N = {n}, RULE = Code" for n in range(1, 7)]
    assert [r.result.states for r in rep.instances] == [s[0 if symmetry else 1] for s in LIBRA_CODE_STATES]
    assert verdicts(rep) == {
        "only_registered_hash_runs": Status.HOLDS,
        "tampered_script_never_runs": Status.HOLDS,
        "resolved_at_most_once": Status.HOLDS,
        "resolved_had_two_thirds_yes": Status.VIOLATED,
        "deadlock": Status.HOLDS,
    }
    bad = next(p for p in rep.properties if p.verdict.name == "resolved_had_two_thirds_yes")
    assert bad.scope == "N = 2, RULE = Code"  # the smallest validator count that breaks it
    assert [st for _, st in bad.per_instance] == [Status.HOLDS] + [Status.VIOLATED] * 5
    steps = bad.verdict.trace.steps
    assert [s.action for s in steps] == [None, "propose", "vote", "resolve"]
    assert steps[-1].state["ran_yes"] == 1 and steps[-1].state["ran"] is True


@pytest.mark.parametrize("symmetry", [True, False])
def test_libra_intended_rule_holds_everywhere(symmetry):
    rep = run(LIBRA, ["RULE=Intended"], symmetry=symmetry)
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
        "at_most_one_version_passes": Status.HOLDS,
        "no_block_from_unsupporting_binary": Status.HOLDS,
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
    (NEAR, ("blocks[x] > 80% * BLOCKS", "blocks[x] > 40% * BLOCKS"), [], {"at_most_one_version_passes"}),
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
