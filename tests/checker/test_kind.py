"""k-induction: proofs for a fixed instance, shortest violations from its base case, and a
counterexample to induction for an invariant that is true but not inductive."""
from __future__ import annotations

from pathlib import Path

import pytest

from forkproof.engines.symbolic.encode import SymbolicOptions
from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.semantics.instance import instantiate
from forkproof.engines.symbolic.engine import check_kind
from forkproof.semantics.verdict import Status
from forkproof.spec.load import load_model, load_model_text

MODELS = Path(__file__).resolve().parents[2] / "models"


def kind(model, params, depth=6):
    return {v.name: v for v in check_kind(instantiate(model, params), SymbolicOptions(depth=depth, timeout=60)).verdicts}


@pytest.mark.slow  # over 2.5 s; the fast tier keeps under 3 minutes on 2 cores (tests/conftest.py)
def test_kind_proves_0l_invariants_and_finds_the_code_rule_violation():
    v = kind(load_model(str(MODELS / "libra_framework_upgrade.fork")), {"N": 2, "RULE": 0})
    assert v["only_registered_hash_runs"].status is Status.PROVED
    assert v["only_registered_hash_runs"].engine == "kind (k=0)"
    assert v["deadlock"].status is Status.PROVED
    assert v["resolved_had_two_thirds_yes"].status is Status.VIOLATED
    assert len(v["resolved_had_two_thirds_yes"].trace.steps) - 1 == 3  # the explicit engine's shortest
    # true, not 0-inductive (registered = Tampered is unreachable), but k-inductive on this small instance
    assert v["tampered_script_never_runs"].status is Status.PROVED
    assert v["tampered_script_never_runs"].depth >= 1


def test_kind_proves_near_invariants():
    v = kind(load_model(str(MODELS / "near_protocol_upgrade.fork")), {"N": 3, "BLOCKS": 6, "V": 2}, depth=2)
    for name in ("version_never_decreases", "adopted_only_above_threshold", "no_block_from_unsupporting_binary"):
        assert v[name].status is Status.PROVED, name


NOT_INDUCTIVE = """model Counter
var x: 0..20 = 0
var y: 0..20 = 0
action step when x < 10 { x = x + 1  y = y + 1 }
action reset when x == 10 { x = 0  y = 0 }
invariant y_small: y <= 10
"""


def test_true_but_not_inductive_invariant_gets_a_counterexample_to_induction():
    model = load_model_text(NOT_INDUCTIVE, "counter.fork")
    inst = instantiate(model, {})
    assert {v.name: v.status for v in check_explicit(inst, ExplicitOptions()).verdicts}["y_small"] is Status.HOLDS
    v = kind(model, {}, depth=3)["y_small"]
    assert v.status is Status.UNKNOWN
    assert "not k-inductive for k <= 3" in v.reason
    (cti,) = v.notes
    # the hint: a state where y has run ahead of x, which the lemma `x == y` would exclude
    assert cti.startswith("counterexample to induction (k = 3): in the state [x = ")
    assert "step leads to [" in cti and "y = 11" in cti


def test_adding_the_lemma_makes_it_inductive():
    model = load_model_text(NOT_INDUCTIVE + "invariant in_step: x == y\n", "counter.fork")
    v = kind(model, {}, depth=1)
    assert v["y_small"].status is Status.PROVED and v["in_step"].status is Status.PROVED
    assert v["y_small"].engine == "kind (k=0)"


def test_a_violated_invariant_is_never_proved_by_leaning_on_another():
    # `late` fails only after 5 steps; `lean` is inductive only together with `late`
    text = """model Lean
var x: 0..9 = 0
action inc when x < 9 { x = x + 1 }
invariant late: x <= 4
invariant lean: x <= 5
"""
    v = kind(load_model_text(text, "lean.fork"), {}, depth=7)
    assert v["late"].status is Status.VIOLATED and len(v["late"].trace.steps) - 1 == 5
    assert v["lean"].status is Status.VIOLATED and len(v["lean"].trace.steps) - 1 == 6
