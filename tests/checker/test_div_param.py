"""`div` and `%` by an open param (issue 12; NOTE(div-param) in checker/engines/symbolic/encode.py).

A family of N voters and a rule that divides by N: a percentage rounded down compared with
a number, `(yes * 100) div N >= 67` (compared without dividing), a share of the set,
`yes > N - N div 3` (a constant divisor), and a quotient or remainder kept or tested
elsewhere (`pct = (yes * 100) div N`, `(yes * 100) % N == 0`: a fresh quotient defined by
`N*q <= x < N*q + N`).  Each gets a proof for every N or its smallest counterexample from
`check` with N open, never unknown; the counters agree with the explicit engine at N = 1..6
(tests/checker/test_counters.py `compare`), and explicit, bmc, kind and pdr agree at fixed N.
"""
from __future__ import annotations

import pytest
import z3

from forkproof.engines.counters.abstraction import CounterEncoding, Ineligible
from forkproof.engines.counters.prove import AllSizes, SizeVerdict
from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.engines.symbolic.encode import SymbolicOptions
from forkproof.engines.symbolic.engine import check_bmc, check_kind, check_pdr
from forkproof.run import sizes as sizes_mod
from forkproof.semantics.instance import instantiate
from forkproof.semantics.verdict import Status
from forkproof.spec.load import load_model_text
from tests.checker.test_counters import compare
from tests.checker.test_sizes import check, only

VOTERS = """param N: int
assume N >= 1
enum Ballot { Unvoted, Yes, No }
process Voter[N] { var ballot: Ballot = Unvoted }
var passed: bool = false
def yes = count(v in Voter where v.ballot == Yes)
action vote(v: Voter, approve: bool) when not passed and v.ballot == Unvoted {
  v.ballot = if approve then Yes else No
}
"""

# a percentage rounded down: 67 % of N, rounded down, is not quite 2/3 of N, and below 70 %
PERCENT = "model Percent\n" + VOTERS + """def pct = (yes * 100) div N
action pass when not passed and pct >= 67 { passed = true }
invariant passed_has_two_thirds: passed implies 3 * yes >= 2 * N
invariant passed_has_seventy: passed implies 10 * yes >= 7 * N
"""

# a share of the set: more than N minus a third of N, rounded down
SHARE = "model Share\n" + VOTERS + """action pass when not passed and yes > N - N div 3 { passed = true }
invariant passed_has_two_thirds: passed implies 3 * yes > 2 * N
invariant passed_unanimous: passed implies yes == N
"""

# the quotient kept in state: a fresh quotient per state
STORED = "model Stored\n" + VOTERS + """var pct: 0..100 = 0
action tally when not passed { pct = (yes * 100) div N }
action pass when not passed and pct >= 67 { passed = true }
invariant pct_is_a_floor: pct * N <= 100 * yes
invariant passed_has_sixty: passed implies 10 * yes >= 6 * N
invariant pct_below_100: pct <= 99
"""

# the remainder: divisibility by N
REMAINDER = "model Remainder\n" + VOTERS + """action pass when not passed and yes > 0 and (yes * 100) % N == 0 { passed = true }
invariant remainder_in_range: (yes * 7) % N >= 0 and (yes * 7) % N < N
invariant passed_divides: passed implies (100 * yes) % N == 0
invariant passed_not_half: passed implies 2 * yes != N
"""

PROVED, VIOLATED = Status.PROVED, Status.VIOLATED
# name -> (every-size verdict, the smallest N that breaks it)
WANT = {
    "percent": (PERCENT, {"passed_has_two_thirds": (PROVED, None), "passed_has_seventy": (VIOLATED, 13)}),
    "share": (SHARE, {"passed_has_two_thirds": (PROVED, None), "passed_unanimous": (VIOLATED, 6)}),
    "stored": (STORED, {"pct_is_a_floor": (PROVED, None), "passed_has_sixty": (PROVED, None),
                        "pct_below_100": (VIOLATED, 1)}),
    "remainder": (REMAINDER, {"remainder_in_range": (PROVED, None), "passed_divides": (PROVED, None),
                              "passed_not_half": (VIOLATED, 2)}),
}


def _pinned(name: str):
    text, want = WANT[name]
    rep = check(text)
    for prop, (status, smallest) in want.items():
        p = only(rep, prop)
        assert p.verdict.status is status, (prop, p.verdict.reason)
        if status is PROVED:
            assert p.scope == "all N with N >= 1"
            assert p.verdict.engine.endswith("counters)"), p.verdict.engine
        else:
            assert p.scope == f"N = {smallest}", (prop, p.scope)
            assert any(n.startswith("the smallest size that breaks it") for n in p.verdict.notes)
    return rep


def test_a_share_of_the_set_is_proved_or_broken_at_the_smallest_n():
    _pinned("share")


@pytest.mark.slow  # 5-30 s: Spacer's time on the non-linear definition of a quotient varies from run to run
@pytest.mark.parametrize("name", ["stored", "remainder"])
def test_a_quotient_or_remainder_by_n_kept_or_tested_is_proved_or_broken_at_the_smallest_n(name):
    _pinned(name)


def test_a_percentage_rounded_down_is_proved_or_broken_at_the_smallest_n():
    """Two thirds proved for every N; 70 % broken first at 13 voters: 100 * 9 >= 67 * 13 but 10 * 9 < 7 * 13: the counters find it beyond --up-to, and every
    size below is checked to be sure it is the smallest."""
    rep = _pinned("percent")
    p = only(rep, "passed_has_seventy")
    assert [r.params["N"] for r in rep.instances] == list(range(1, 14))
    assert len(p.verdict.trace.steps) == 11  # nine yes votes and the pass, after the start


@pytest.mark.parametrize("name", ["percent", "share", pytest.param("stored", marks=pytest.mark.slow),
                                  pytest.param("remainder", marks=pytest.mark.slow)])
def test_counters_agree_with_explicit_for_one_to_six_voters(name):
    text, want = WANT[name]
    model = load_model_text(text, "m.fork")
    cmp = compare(model, {}, ["N"], 6)
    assert [r.params["N"] for r in cmp.runs] == [1, 2, 3, 4, 5, 6]
    got = {v.name: v.status for v in cmp.proof.verdicts if v.name in want}
    assert got[next(n for n, (s, _) in want.items() if s is PROVED)] is PROVED


@pytest.mark.parametrize("name", ["percent", pytest.param("share", marks=pytest.mark.slow), pytest.param("stored", marks=pytest.mark.slow),
                                  pytest.param("remainder", marks=pytest.mark.slow)])  # 6-10 s each
def test_fixed_size_engines_agree(name):
    """At N = 1..3 (the divisor a constant there) explicit, bmc, kind and pdr agree."""
    text, want = WANT[name]
    model = load_model_text(text, "m.fork")
    for n in range(1, 4):
        inst = instantiate(model, {"N": n})
        ref = {v.name: v.status for v in check_explicit(inst, ExplicitOptions(deadlock=False)).verdicts}
        for engine in (check_bmc, check_kind, check_pdr):
            got = {v.name: v.status for v in engine(inst, SymbolicOptions(depth=12, timeout=20, deadlock=False)).verdicts}
            for prop in want:
                bad = ref[prop] is VIOLATED
                assert (got[prop] is VIOLATED) == bad, (engine.__name__, n, prop, got[prop], ref[prop])
                if engine is not check_bmc:
                    assert got[prop] in (PROVED, VIOLATED), (engine.__name__, n, prop, got[prop])


# ---------------------------------------------------------------- the encoding


def test_a_comparison_with_a_number_makes_no_quotient():
    """`(yes * 100) div N >= 67` is `100 * yes >= 67 * N` (N > 0): no division, no fresh
    variable, nothing non-linear."""
    enc = CounterEncoding(load_model_text(PERCENT, "m.fork"), {}, ["N"])
    assert enc._templates == []
    s, t = enc.vars("a"), enc.vars("b")
    text = enc.trans(s, t, "a").sexpr()
    assert " div " not in text and "quot!" not in text


def test_one_quotient_per_state_and_template():
    enc = CounterEncoding(load_model_text(STORED, "m.fork"), {}, ["N"])
    assert len(enc._templates) == 1
    assert [str(v) for v in enc.fresh_vars("s")] == ["quot!0@s"]
    defs = str(enc.defs(enc.vars(3)))
    assert "quot!0@3" in defs and "N@3" in defs and "@s" not in defs
    # assume N >= 1: the definition for a positive divisor (and q = 0 elsewhere, never used)
    assert "N@3 < 0" not in defs and "N@3 > 0" in defs


@pytest.mark.parametrize("x,y", [(7, 2), (-7, 2), (7, -2), (-7, -2), (0, 3), (6, 3), (-6, 3), (5, 0)])
def test_the_definition_has_one_solution_and_it_is_floor_division(x, y):
    model = load_model_text("model D\nparam N: int\nvar x: int = 0\nvar q: int = 0\n"
                            "action a { q = x div N }\ninvariant i: true\n", "m.fork")
    enc = CounterEncoding(model, {}, ["N"])
    s = enc.vars("z")
    q = enc.fresh_vars("z")[0]
    solver = z3.Solver()
    solver.add(enc.defs(s), s[enc.param_at["N"]] == y, s[enc.inst.globals_at["x"].base] == x)
    assert solver.check() == z3.sat
    got = solver.model().eval(q).as_long()
    assert got == (x // y if y else 0)
    solver.add(q != got)
    assert solver.check() == z3.unsat


def test_a_quotient_of_two_states_is_refused_with_its_code():
    text = STORED + "invariant moves: (pct' - pct) % N < N\n"
    with pytest.raises(Ineligible, match=r"FP706: a value that mixes the state before and after a step"):
        CounterEncoding(load_model_text(text, "m.fork"), {}, ["N"])


# ---------------------------------------------------------------- NOTE(cti-size)


def test_a_counterexample_to_induction_beyond_up_to_is_tried_at_its_size(monkeypatch):
    """The counters leave `quiet` unknown with a counterexample to induction at N = 10; that
    instance is checked, breaks it, and the sizes between are checked for a smaller one."""
    text = "model Cti\n" + VOTERS + """var alarm: bool = false
action pass when not passed and yes * 3 >= N * 2 { passed = true }
action ring when passed and yes == 8 and N == 10 { alarm = true }
invariant quiet: not alarm
"""
    cti = SizeVerdict("quiet", "invariant", Status.UNKNOWN, "kind, pdr (counters)", 1.0, reason="not inductive",
                      cti={"N": 10})
    monkeypatch.setattr(sizes_mod, "prove_all_sizes", lambda *a: AllSizes((cti,), None, 1.0))
    rep = check(text)
    p = only(rep, "quiet")
    assert p.verdict.status is VIOLATED and p.scope == "N = 10"
    assert [r.params["N"] for r in rep.instances] == list(range(1, 11))


def test_a_counterexample_to_induction_that_holds_at_its_size_stays_unknown(monkeypatch):
    text = "model Cti\n" + VOTERS + "invariant fine: yes <= N\n"
    cti = SizeVerdict("fine", "invariant", Status.UNKNOWN, "kind, pdr (counters)", 1.0, reason="not inductive",
                      cti={"N": 9})
    monkeypatch.setattr(sizes_mod, "prove_all_sizes", lambda *a: AllSizes((cti,), None, 1.0))
    rep = check(text)
    p = only(rep, "fine")
    assert p.verdict.status is Status.UNKNOWN
    assert [r.params["N"] for r in rep.instances] == [1, 2, 3, 4, 5, 6, 9]


def test_sizes_that_are_not_consecutive_are_listed_in_the_cross_check_line():
    """A counterexample to induction's size beyond --up-to makes the checked sizes N in {...}."""
    from forkproof.output.report import join_ints
    assert join_ints(["N in {1, 2, 3, 12}"]) == "N in {1, 2, 3, 12}"
    assert join_ints(["N = 1", "N = 2", "N = 4"]) == "N = 1, 2, 4"
