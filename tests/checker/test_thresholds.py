"""`forkproof thresholds`: pinned results on the shipped models, the command line, and the
Z3 analysis cross-checked against brute-force enumeration on generated rules.

Regenerate the golden text output with `FORKPROOF_REGEN=1 pytest tests/checker/test_thresholds.py`.
"""
from __future__ import annotations

import json
import os
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forkproof.cli.main import cli
from forkproof.analysis.thresholds import analyse
from forkproof.run.theta import theta_range
from forkproof.analysis.report import Interval, intersect, merge, set_str
from forkproof.spec.load import load_model, load_model_text

ROOT = Path(__file__).resolve().parents[2]
ZERO_L = "models/libra_framework_upgrade.fork"
NEAR = "models/near_protocol_upgrade.fork"
GOLDEN = Path(__file__).resolve().parent / "thresholds_near.expect"


def run(*args: str):
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        return CliRunner().invoke(cli, ["thresholds", *args])
    finally:
        os.chdir(cwd)


@pytest.fixture(scope="module")
def zero_l():
    m = load_model(str(ROOT / ZERO_L))
    return {r.name: r for r in analyse(m, {}, 20, None)}


@pytest.fixture(scope="module")
def near():
    m = load_model(str(ROOT / NEAR))
    return m, {r.name: r for r in analyse(m, {}, 20, None)}


# ---------------------------------------------------------------- the 0L model


def test_0l_code_rule_smallest_passing_yes(zero_l):
    rows = zero_l["code_rule"].variants[0].rows
    assert [r.n for r in rows] == list(range(1, 21))
    # yes > no and yes + no >= (N div 3) * 2 + 1: the smallest yes is ceil(T / 2) rounded up past no
    assert [r.support for r in rows] == [1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 7]
    # at N = 3 two Yes and one No pass: 2/3 is not more than 2/3
    r3 = rows[2]
    assert (r3.support, r3.pop) == (2, 3) and "2 x (ballot = Yes)" in r3.witness and "1 x (ballot = No)" in r3.witness


def test_0l_code_rule_is_not_more_than_two_thirds_for_n_2_to_20(zero_l):
    v = zero_l["code_rule"].variants[0]
    assert [r.n for r in v.rows if r.passes_not_meant] == list(range(2, 21))
    assert [r.n for r in v.rows if r.meant_not_passes] == []
    assert v.equivalence.status == "refuted" and v.equivalence.smallest == 2
    assert "passes but not meant: N = 2..20" in v.equivalence.detail


def test_0l_quorum_intersection(zero_l):
    code = zero_l["code_rule"].variants[0]
    assert code.quorum.status == "refuted" and code.quorum.smallest == 2
    assert [r.n for r in code.rows if r.overlap < r.k] == [2] + list(range(4, 21))  # N = 3: 2 + 2 - 3 = 1 is enough
    intended = zero_l["intended_rule"].variants[0]
    assert intended.quorum.status == "proved"
    assert intended.quorum.scope == "for all N >= 1 (assuming N >= 1)"
    assert intended.equivalence is None  # no meant declared
    # more than 2/3: the smallest passing yes is floor(2N/3) + 1
    assert [r.support for r in intended.rows] == [2 * n // 3 + 1 for n in range(1, 21)]


# Checking the 0L model at every N up to 6 takes 20 s, up to 3 under 2 s: the fast tier
# stops at 3, the slow tier goes on to 6 (or 5).
@pytest.mark.parametrize("up_to", [3, pytest.param(6, marks=pytest.mark.slow)])
def test_0l_intended_rule_constant_range(up_to):
    m = load_model(str(ROOT / ZERO_L))
    res = theta_range(m, m.def_named("intended_rule"), {}, up_to, ["resolved_had_two_thirds_yes"])
    assert res.value == Fraction(2, 3)
    groups = {g.label: g.holds for g in res.properties[0].groups}
    assert set_str(groups["RULE = Intended"]) == "[2/3, +inf)"
    assert groups["RULE = Code"] == []  # the code rule breaks it whatever the constant
    assert f"N = 1..{up_to}" in res.scope


# ---------------------------------------------------------------- the NEAR model


def test_near_80_percent_range():
    m = load_model(str(ROOT / NEAR))
    res = theta_range(m, m.def_named("passes"), {}, 20, ["at_most_one_version_passes", "version_never_decreases"])
    assert res.value == Fraction(4, 5)
    by = {p.name: p.groups[0].holds for p in res.properties}
    assert by["at_most_one_version_passes"] == [Interval(Fraction(1, 2), True, None, False)]
    assert set_str(by["version_never_decreases"]) == "every θ"
    assert res.scope == "N = 3, BLOCKS = 6, V = 2"


def test_near_support_and_quorum(near):
    m, reps = near
    v = reps["passes"].variants[0]
    assert reps["passes"].population == "BLOCKS"
    # the table covers the sizes the run covers: the model's BLOCKS = 6, as the verdicts do
    assert [(r.n, r.support) for r in v.rows] == [(6, 5)]
    # BLOCKS's value is only the model's default and the rule reads it only as a number (the
    # bar, the counter's bound): the proof keeps it symbolic; V sizes Version, so it stays
    assert v.quorum.status == "proved"
    assert v.quorum.scope == "for all BLOCKS >= 1, V = 2 (assuming N >= 1 and BLOCKS >= 1 and V >= 1)"
    assert v.quorum.detail == "any two passing configurations share at least 1 supporter(s)"
    [wide] = analyse(m, {"BLOCKS": list(range(1, 21))}, 20, None)
    assert [r.support for r in wide.variants[0].rows] == [4 * b // 5 + 1 for b in range(1, 21)]
    # a value the user gives is used as given
    assert wide.variants[0].quorum.scope == "at BLOCKS = 1..20, V = 2"
    [six] = analyse(m, {"BLOCKS": [6]}, 20, None)
    assert (six.variants[0].quorum.status, six.variants[0].quorum.scope) == ("proved", "at BLOCKS = 6, V = 2")


def test_near_golden_text_output():
    result = run(NEAR)
    assert result.exit_code == 0, result.output
    if os.environ.get("FORKPROOF_REGEN"):
        GOLDEN.write_text(result.output, encoding="utf-8")
    assert result.output == GOLDEN.read_text(encoding="utf-8")


# ---------------------------------------------------------------- command line


@pytest.mark.parametrize("up_to", [3, pytest.param(6, marks=pytest.mark.slow)])  # as above
def test_exit_codes_of_the_shipped_models(up_to):
    assert run(ZERO_L, "--up-to", str(up_to)).exit_code == 1  # refuted
    assert run(NEAR, "--up-to", "3").exit_code == 0


@pytest.mark.parametrize("up_to", [3, pytest.param(5, marks=pytest.mark.slow)])  # as above
def test_json_shape(up_to):
    result = run(ZERO_L, "--format", "json", "--up-to", str(up_to), "--property", "resolved_had_two_thirds_yes")
    doc = json.loads(result.output)
    assert doc["exit_code"] == result.exit_code == 1
    assert doc["schema"] == 1 and doc["model"] == "LibraFrameworkUpgrade" and doc["errors"] == []
    code, intended = doc["thresholds"]
    assert code["name"] == "code_rule" and code["meant"] == "yes > 2/3 * N" and code["support_name"] == "yes"
    assert code["where"]["T"] == "N div 3 * 2 + 1"
    var = code["variants"][0]
    assert var["passes_not_meant"] == list(range(2, up_to + 1))
    assert var["rows"][2] == {"n": 3, "params": None, "min_support": 2, "population": 3, "fraction": "2/3",
                              "percent": "66.7%", "passes_not_meant": True, "meant_not_passes": False,
                              "fewest_shared": 1, "need_shared": 1, "witness": var["rows"][2]["witness"]}
    assert var["meant_equivalence"]["status"] == "refuted" and var["meant_equivalence"]["smallest_n"] == 2
    assert var["quorum_intersection"]["smallest_n"] == 2
    assert code["theta"]["constant"] is None
    ranges = {r["params"]: r for r in intended["theta"]["properties"][0]["ranges"]}
    assert ranges["RULE = Intended"]["holds_for"] == "[2/3, +inf)"
    assert ranges["RULE = Intended"]["intervals"] == [{"lo": "2/3", "lo_closed": True, "hi": None, "hi_closed": False}]
    assert intended["variants"][0]["quorum_intersection"]["status"] == "proved"


def test_unknown_property_is_a_usage_error():
    result = run(NEAR, "--property", "at_most_one_version_pases")
    assert result.exit_code == 2
    assert "FP504" in result.stderr and "did you mean 'at_most_one_version_passes'" in result.stderr
    assert "Traceback" not in result.output + result.stderr


def test_rule_analyses_only_the_named_thresholds():
    """`--rule` narrows the run (Cardano has 20 thresholds); an unknown name is FP507 with a hint."""
    result = run("models/libra_framework_upgrade.fork", "--rule", "intended_rule", "--up-to", "3", "--format", "json")
    assert [t["name"] for t in json.loads(result.stdout)["thresholds"]] == ["intended_rule"]
    assert result.exit_code == 0        # the intended rule's meant equivalence and quorum are proved
    result = run("models/libra_framework_upgrade.fork", "--rule", "code_rul")
    assert result.exit_code == 2
    assert "FP507" in result.stderr and "--rule code_rul: the model has no threshold 'code_rul'; did you mean 'code_rule'?" in result.stderr


@pytest.mark.parametrize("args, code", [
    (["--param", "BLOKS=3"], "FP503"),
    (["--param", "BLOCKS=x"], "FP501"),
    (["--faulty", "G"], "FP505"),
])
def test_bad_options_are_usage_errors(args, code):
    result = run(NEAR, *args)
    assert result.exit_code == 2 and code in result.stderr


def test_bad_up_to_and_missing_file():
    assert run(NEAR, "--up-to", "0").exit_code == 2
    result = run("models/no_such.fork")
    assert result.exit_code == 2 and "FP001" in result.stderr


def test_a_model_with_errors_gives_its_diagnostics(tmp_path):
    bad = tmp_path / "bad.fork"
    bad.write_text("model Bad\nthreshold t = nobody > 1\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["thresholds", str(bad)])
    assert result.exit_code == 2 and "FP202" in result.stderr


def test_a_model_without_thresholds_says_so_and_exits_0(tmp_path):
    f = tmp_path / "none.fork"
    f.write_text("model None\nvar x: bool = false\naction a { x = true }\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["thresholds", str(f)])
    assert result.exit_code == 0 and "no thresholds" in result.output


def test_faulty_param_raises_the_required_overlap(tmp_path):
    f = tmp_path / "bft.fork"
    f.write_text("""model Bft
param N: int
param F: int
assume F >= 0 and N >= 3 * F + 1
process P[N] { var yes: bool = false }
threshold q = count(p in P where p.yes) >= 2 * F + 1
threshold third = count(p in P where p.yes) > 2/3 * N
""", encoding="utf-8")
    result = CliRunner().invoke(cli, ["thresholds", str(f), "--format", "json", "--up-to", "6"])
    doc = json.loads(result.output)
    q, third = (t["variants"][0]["quorum_intersection"] for t in doc["thresholds"])
    # 2F+1 out of N = 3F+1: two quorums share 2(2F+1) - (3F+1) = F+1, but a larger N breaks it
    assert q["status"] == "refuted"
    assert third["status"] == "proved"
    assert result.exit_code == 1


# ---------------------------------------------------------------- defaults in proofs


# votes >= B - 2, meant votes > B / 2: the same at B = 6 (4 of 6 either way), not at B = 3
# (1 of 3 passes the rule, the meant bound needs 2; two sets of 1 out of 3 can be disjoint)
DEFAULTED = """model D
param B: int = 6
assume B >= 3
var votes: 0..B = 0
threshold q = votes >= B - 2 meant votes > 1/2 * B
action vote when votes < B { votes = votes + 1 }
"""


def test_a_default_that_fails_elsewhere_is_proved_at_its_value_and_says_where_it_fails():
    [rep] = analyse(load_model_text(DEFAULTED), {}, 8, None)
    v = rep.variants[0]
    assert [(r.n, r.support) for r in v.rows] == [(6, 4)]  # the table stays at the default
    assert (v.equivalence.status, v.equivalence.scope) == ("proved", "at B = 6")
    assert v.equivalence.detail == ("the rule passes exactly when its meant bound holds; "
                                    "fails at B = 3 (passes but not meant): votes = 1")
    assert (v.quorum.status, v.quorum.scope) == ("proved", "at B = 6")
    assert v.quorum.detail == ("any two passing configurations share at least 1 supporter(s); "
                               "fails at B = 3 (they can share 0): votes = 1; and votes = 1")
    # given with --param, B is the user's: the proofs are at that value, with nothing on others
    [given] = analyse(load_model_text(DEFAULTED), {"B": [6]}, 8, None)
    g = given.variants[0]
    assert (g.quorum.scope, g.quorum.detail) == ("at B = 6", "any two passing configurations share at least 1 supporter(s)")
    assert g.equivalence.detail == "the rule passes exactly when its meant bound holds"


def test_a_defaulted_bar_is_proved_for_every_allowed_value():
    m = load_model_text("""model T
param N: int
param T: int = 0
assume N >= 1 and T >= 0
enum Ballot { Unvoted, Yes }
process P[N] { var b: Ballot = Unvoted }
threshold t = count(p in P where p.b == Yes) > N / 2 + T
action vote(p: P) when p.b == Unvoted { p.b = Yes }
""")
    [rep] = analyse(m, {}, 3, None)
    v = rep.variants[0]
    assert (v.quorum.status, v.quorum.scope) == ("proved", "for all N >= 1, all T >= 0 (assuming N >= 1 and T >= 0)")
    [rep] = analyse(m, {"T": [0]}, 3, None)
    assert rep.variants[0].quorum.scope == "for all N >= 1, T = 0 (assuming N >= 1 and T >= 0)"
    [rep] = analyse(m, {"N": [4]}, 3, None)  # N given, T still its default
    assert rep.variants[0].quorum.scope == "for all T >= 0, at N = 4 (assuming N >= 1 and T >= 0)"


def test_a_defaulted_domain_bound_stays_at_its_value():
    # K bounds the map's keys, which a configuration enumerates: the proof is at K = 2
    m = load_model_text("""model K
param K: int = 2
param B: int = 4
assume K >= 1 and B >= 1
type Key = 0..K
var votes: [Key] 0..B = 0
threshold q(x: Key) = votes[x] > 1/2 * B
action vote(x: Key) when votes[x] < B { votes[x] = votes[x] + 1 }
""")
    [rep] = analyse(m, {}, 3, None)
    assert rep.variants[0].quorum.scope == "for all B >= 1, K = 2 (assuming K >= 1 and B >= 1)"


# ---------------------------------------------------------------- intervals


def test_interval_merge_and_intersection():
    half, one = Fraction(1, 2), Fraction(1)
    cells = [Interval(None, False, half, False), Interval(half, True, half, True), Interval(half, False, one, False)]
    assert set_str(merge(cells)) == "(-inf, 1)"
    assert set_str(intersect(merge(cells), [Interval(half, False, None, False)])) == "(1/2, 1)"
    assert set_str(intersect([Interval(one, True, one, True)], [Interval(half, False, one, False)])) == "no θ"


# ---------------------------------------------------------------- against brute force


RULE_MODEL = """model R
param N: int
assume N >= 1
enum Ballot {{ Unvoted, Yes, No }}
process V[N] {{ var b: Ballot = Unvoted }}
def yes = count(v in V where v.b == Yes)
threshold t = {rule} meant {meant}
"""


def _passes(op: str, s: int, theta: Fraction, n: int, c: int) -> bool:
    rhs = theta * n + c
    return s > rhs if op == ">" else s >= rhs


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(p=st.integers(0, 5), q=st.integers(1, 5), c=st.integers(-2, 2), op=st.sampled_from([">", ">="]),
       mp=st.integers(0, 3), mq=st.integers(1, 4))
@pytest.mark.slow  # fast-tier budget: 3 min on 2 cores
def test_support_quorum_and_meant_match_brute_force(p, q, c, op, mp, mq):
    theta, mtheta = Fraction(p, q), Fraction(mp, mq)
    rule = f"yes {op} {p}/{q} * N + {c}" if c >= 0 else f"yes {op} {p}/{q} * N - {-c}"
    m = load_model_text(RULE_MODEL.format(rule=rule, meant=f"yes > {mp}/{mq} * N"))
    [rep] = analyse(m, {}, 8, None)
    v = rep.variants[0]
    first_bad = None
    for row, n in zip(v.rows, range(1, 9)):
        assert row.n == n
        passing = [s for s in range(n + 1) if _passes(op, s, theta, n, c)]
        assert row.support == (passing[0] if passing else None)
        meant = [s for s in range(n + 1) if s > mtheta * n]
        assert row.passes_not_meant == any(s not in meant for s in passing)
        assert row.meant_not_passes == any(s not in passing for s in meant)
        # two configurations over the same N copies: supporters overlap in at least s + s' - N
        ok = all(a + b - n >= 1 for a in passing for b in passing)
        if not ok and first_bad is None:
            first_bad = n
        if passing:
            assert (row.overlap >= row.k) == ok
    if first_bad is not None:
        assert v.quorum.status == "refuted" and v.quorum.smallest == first_bad
    elif v.quorum.status == "refuted":
        assert v.quorum.smallest is None or v.quorum.smallest > 8
    else:
        assert v.quorum.status == "proved"
    if v.equivalence.status == "proved":
        assert not any(r.passes_not_meant or r.meant_not_passes for r in v.rows)


def test_a_bound_population_is_judged_at_its_value_only(tmp_path):
    # regression: with N = 3 bound, the quorum proof is at N = 3, and the table's other rows
    # (N = 2 fails: two passing sets of 1 out of 2 can be disjoint) must not contradict it
    f = tmp_path / "q.fork"
    f.write_text("model Q\nparam N: int = 3\nenum Ballot { Unvoted, Yes }\n"
                 "process Validator[N] { var ballot: Ballot = Unvoted }\n"
                 "threshold weak = count(v in Validator where v.ballot == Yes) > 1/3 * N\n"
                 "action vote(v: Validator) when v.ballot == Unvoted { v.ballot = Yes }\n")
    r = run(str(f), "--up-to", "4")
    assert "quorum intersection (two passing sets share >= 1): proved, at N = 3" in r.output
    r = run(str(f), "--up-to", "4", "-p", "N=4")
    assert "quorum intersection (two passing sets share >= 1): refuted, at N = 4" in r.output
