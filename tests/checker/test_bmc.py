"""BMC against the explicit engine: same verdicts, same shortest trace lengths, and the Z3
encoding means exactly Python's arithmetic (NOTE(same-semantics) in checker/engines/symbolic/encode.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from forkproof.engines.symbolic.engine import check_bmc
from forkproof.engines.symbolic.encode import SymbolicOptions
from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.semantics.instance import instantiate
from forkproof.semantics.verdict import Status
from forkproof.spec.load import load_model, load_model_text

MODELS = Path(__file__).resolve().parents[2] / "models"


def both(model, params, depth):
    inst = instantiate(model, params)
    e = {v.name: v for v in check_explicit(inst, ExplicitOptions(symmetry=False)).verdicts}
    b = {v.name: v for v in check_bmc(inst, SymbolicOptions(depth=depth)).verdicts}
    return e, b


def trace_len(v):
    return len(v.trace.steps) - 1 if v.trace else None


def test_bmc_finds_the_0l_code_rule_violation_at_the_explicit_length():
    model = load_model(str(MODELS / "libra_framework_upgrade.fork"))
    e, b = both(model, {"N": 2, "RULE": 0}, depth=8)
    assert b["resolved_had_two_thirds_yes"].status is Status.VIOLATED
    assert trace_len(b["resolved_had_two_thirds_yes"]) == trace_len(e["resolved_had_two_thirds_yes"]) == 3
    assert b["resolved_at_most_once"].status is Status.BOUNDED and b["resolved_at_most_once"].depth == 8
    assert [s.action for s in b["resolved_had_two_thirds_yes"].trace.steps] == [None, "propose", "vote", "resolve"]


# At the defaults (N = 3, BLOCKS = 6) BMC needs depth 7: 6-15 s, slow tier.  The smallest
# breaking size (tests/test_models.py) needs depth 3: under a second.
# The spec's 80% stated without `passes` (adopted_with_more_than_80_percent) breaks too, where
# the depth reaches its shortest run: 3 steps at N = 1, BLOCKS = 2; 8 at the defaults, past 7.
BOTH = {"at_most_one_version_passes", "adopted_with_more_than_80_percent"}


@pytest.mark.parametrize("params,depth,length,broken", [
    pytest.param({"N": 1, "BLOCKS": 2, "V": 2}, 4, 3, BOTH, id="N=1,BLOCKS=2"),
    pytest.param({"N": 3, "BLOCKS": 6, "V": 2}, 7, 7, {"at_most_one_version_passes"}, id="defaults",
                 marks=pytest.mark.slow),
])
def test_bmc_on_near_at_40_percent(params, depth, length, broken):
    text = (MODELS / "near_protocol_upgrade.fork").read_text().replace("blocks[x] > 80% * BLOCKS", "blocks[x] > 40% * BLOCKS")
    e, b = both(load_model_text(text, "near40.fork"), params, depth=depth)
    assert b["at_most_one_version_passes"].status is Status.VIOLATED is e["at_most_one_version_passes"].status
    assert trace_len(b["at_most_one_version_passes"]) == trace_len(e["at_most_one_version_passes"]) == length
    assert {n for n, v in b.items() if v.status is Status.VIOLATED} == broken


ARITH = """model Arith
var x: -8..8 = any
var y: -3..3 = any
action stay { x = x }
invariant floor_identity: y != 0 implies (x div y) * y + x % y == x
invariant mod_sign: y > 0 implies (x % y >= 0 and x % y < y)
invariant mod_sign_negative: y < 0 implies (x % y <= 0 and x % y > y)
invariant cases: (x == -7 and y == 2 implies x div y == -4 and x % y == 1)
             and (x == 7 and y == -2 implies x div y == -4 and x % y == -1)
             and (x == -7 and y == -2 implies x div y == 3 and x % y == -1)
invariant exact: y != 0 implies x / y * y == x
invariant rational_threshold: x > 2/3 * 6 iff x >= 5
invariant wrong_on_purpose: y == 0 or x div y != -3
"""


def test_arithmetic_means_the_same_in_z3_and_python():
    e, b = both(load_model_text(ARITH, "arith.fork"), {}, depth=1)
    for name in ("floor_identity", "mod_sign", "mod_sign_negative", "cases", "exact", "rational_threshold"):
        assert e[name].status is Status.HOLDS, name
        assert b[name].status is Status.BOUNDED, name
    assert e["wrong_on_purpose"].status is Status.VIOLATED is b["wrong_on_purpose"].status
    final = b["wrong_on_purpose"].trace.steps[-1].state
    assert final["x"] // final["y"] == -3  # the model Z3 found really violates it in Python


def test_runtime_errors_agree():
    text = """model Div
var y: -1..1 = any
var z: 0..2 = 0
action inc when 6 / y > 0 { z = z + 2 }
"""
    e, b = both(load_model_text(text, "div.fork"), {}, depth=4)
    assert e["runtime"].status is Status.VIOLATED is b["runtime"].status
    assert trace_len(e["runtime"]) == trace_len(b["runtime"]) == 0
    assert "division by zero" in b["runtime"].reason
