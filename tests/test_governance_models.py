"""The governance models written from public rules (Polkadot OpenGov, Sui, Cardano CIP-1694,
Solana feature gates): pinned verdicts and state counts at small sizes, so that an engine
change that moves them is seen.  Each violation is a finding about the real rule, explained
in the model's header and docs/models/."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.verdict import Status
from forkproof.spec.typecheck import load_model

ROOT = Path(__file__).resolve().parents[1]

H, V = Status.HOLDS, Status.VIOLATED


def check(name: str, *params: str):
    model = load_model(os.path.join(ROOT, "models", name))
    rep = check_model(model, parse_bindings(model, list(params)), EngineOptions())
    return {(p.verdict.name, p.scope): (p.verdict.status, p.verdict.states) for p in rep.properties}


def test_polkadot_a_referendum_passes_with_no_ayes_and_with_no_support_left():
    got = check("polkadot_opengov_referendum.fork", "N=1")
    scope = "N = 1, TICKS = 4, CONFIRM = 1, MAXCONV = 6"
    assert got == {
        ("clock_bounded", scope): (H, 2172), ("confirm_ends_in_time", scope): (H, 2172),
        ("approved_when_passing", scope): (H, 2172), ("approved_after_confirm_period", scope): (H, 2172),
        ("decided_is_final", scope): (H, 2172), ("rejected_only_after_period", scope): (H, 2172),
        ("approved_with_support", scope): (V, 2172), ("approved_with_ayes", scope): (V, 2172),
        ("every_referendum_is_decided", scope): (H, 2172), ("deadlock", scope): (H, 2172),
    }


def test_sui_every_property_holds_at_two_validators():
    got = check("sui_protocol_upgrade.fork", "N=2")
    assert {name: v for (name, _), v in got.items()} == {
        "version_never_decreases": (H, 141), "advance_only_with_quorum_and_buffer": (H, 141),
        "skipped_versions_had_support": (H, 141), "one_step_without_flag": (H, 141),
        "goes_as_far_as_supported": (H, 141), "adopted_version_runnable": (H, 141),
        "threshold_between_quorum_and_all": (H, 141), "newest_version_adopted": (H, 261), "deadlock": (H, 141),
    }


@pytest.mark.slow
@pytest.mark.parametrize("params, broken, states, graph", [
    (("D=1", "S=1", "C=2", "MAXSTAKE=2"), "ratified_with_yes_from_two_thirds_of_the_seats", 92970, 139512),
    (("D=1", "S=2", "C=1", "MAXSTAKE=1"), "ratified_hard_fork_had_51pct_of_all_pool_stake", 65454, 119304),
])
def test_cardano_the_ledger_ratifies_what_the_cip_words_reject(params, broken, states, graph):
    got = check("cardano_cip1694_ratification.fork", *params)
    assert [name for (name, _), (st, _) in got.items() if st is V] == [broken]
    live = "every_action_is_ratified_or_expires"  # liveness: the full graph, no symmetry reduction
    assert {name: n for (name, _), (st, n) in got.items() if name == live} == {live: graph}
    assert all(n == states for (name, _), (st, n) in got.items() if st is H and name != live)


@pytest.mark.slow
def test_solana_a_rollback_activates_a_feature_below_95_percent():
    got = check("solana_feature_gate.fork", "N=2", "R=1")
    bad = sorted((name, scope, n) for (name, scope), (st, n) in got.items() if st is V)
    assert bad == [
        ("activated_with_95pct_supporting_stake", "N = 2, R = 1, RULE = Cli, ROLLBACK = true", 315),
        ("activated_with_95pct_supporting_stake", "N = 2, R = 1, RULE = Simd0072, ROLLBACK = true", 1539),
        ("feature_eventually_active", "N = 2, R = 1, RULE = Cli, ROLLBACK = true", 567),
        ("feature_eventually_active", "N = 2, R = 1, RULE = Simd0072, ROLLBACK = true", 2916),
    ]
