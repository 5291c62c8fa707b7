"""A threshold's anatomy (checker/analysis/anatomy.py, NOTE(anatomy)) and the tables it gives:
the support and population read from the rule's structure, shares of a total weight or a
tally, a table per value of a param that sets the bar, guarded divisions.  Every expected
value below was computed by hand (and re-checked by enumerating weights 1..3)."""
from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from forkproof.analysis.thresholds import analyse
from forkproof.spec.load import load_model, load_model_text

ROOT = Path(__file__).resolve().parents[2]
SUI = "models/sui_protocol_upgrade.fork"

WEIGHTED = """model W
param N: int
assume N >= 1
enum Ballot {{ Unvoted, Yes, No }}
process V[N] {{ var w: 1..3 = any
  var b: Ballot = Unvoted }}
def supply = sum(v in V: v.w)
def yes = sum(v in V where v.b == Yes: v.w)
threshold t = {rule}
"""

COUNTED = """model C
param N: int
assume N >= 1
enum Ballot {{ Unvoted, Yes, No, Abstain }}
process V[N] {{ var b: Ballot = Unvoted }}
def yes = count(v in V where v.b == Yes)
def no = count(v in V where v.b == No)
def ayes = count(v in V where v.b == Yes)
def tally = count(v in V where v.b == Yes or v.b == No)
threshold t = {rule}
"""


def one(text: str, up_to: int, bindings=None):
    [rep] = analyse(load_model_text(text), bindings or {}, up_to, None)
    return rep


def shares(rows) -> list[Fraction | None]:
    return [None if r.support is None else Fraction(r.support, r.pop) for r in rows]


# ---------------------------------------------------------------- weighted supports


def test_stake_weighted_two_thirds_is_a_share_of_the_total_weight():
    rep = one(WEIGHTED.format(rule="yes > 2/3 * supply"), 3)
    assert (rep.support_name, rep.population_name, rep.population_kind) == ("yes", "supply", "weight")
    rows = rep.variants[0].rows
    # N = 2: weights 3 and 1, the 3 alone is 3/4 > 2/3; N = 3: weights 3, 2 | 2: 5/7
    assert shares(rows) == [1, Fraction(3, 4), Fraction(5, 7)]
    assert (rows[2].support, rows[2].pop) == (5, 7)  # the witness's own support and total
    assert all(r.support <= r.pop for r in rows)


def test_the_denominator_is_the_population_not_the_support():
    rep = one(WEIGHTED.format(rule="yes > supply / 2"), 4)
    assert rep.support_name == "yes" and rep.population_name == "supply"
    assert shares(rep.variants[0].rows) == [1, Fraction(3, 5), Fraction(4, 7), Fraction(6, 11)]


# ---------------------------------------------------------------- tallies and term order


def test_a_ratio_over_yes_and_no_leaves_abstain_out():
    rep = one(COUNTED.format(rule="yes * 3 > (yes + no) * 2"), 7)
    t = rep.variants[0].tables[0]
    assert (t.support_name, t.population_name, t.pop_kind) == ("yes", "yes + no", "tally")
    # 2 Yes 1 No is 6 > 6: no; 3 Yes 1 No passes from N = 4; 5 Yes 2 No (5/7) from N = 7
    assert shares(t.rows) == [1, 1, 1, Fraction(3, 4), Fraction(3, 4), Fraction(3, 4), Fraction(5, 7)]
    assert [r.empty for r in t.rows] == [False] * 7  # 0 > 0 fails: nobody voting does not pass


@pytest.mark.parametrize("swapped", [
    "(no + yes) * 2 < 3 * yes",
    "not (3 * yes <= 2 * (no + yes))",
])
def test_the_order_of_terms_does_not_change_the_table(swapped):
    a = one(COUNTED.format(rule="yes * 3 > (yes + no) * 2"), 5)
    b = one(COUNTED.format(rule=swapped), 5)
    assert b.support_name == "yes" and b.variants[0].tables[0].pop_kind == "tally"
    assert [(r.support, r.pop) for r in a.variants[0].rows] == [(r.support, r.pop) for r in b.variants[0].rows]


def test_a_conjunction_in_either_order_measures_the_same_support():
    a = one(COUNTED.format(rule="yes > no and yes + no >= N div 2 + 1"), 6)
    b = one(COUNTED.format(rule="yes + no >= N div 2 + 1 and no < yes"), 6)
    assert a.support_name == b.support_name == "yes" and a.population == b.population == "N"
    assert [r.support for r in a.variants[0].rows] == [r.support for r in b.variants[0].rows] == [1, 2, 2, 2, 2, 3]


def test_a_quorum_and_a_ratio_get_a_table_each():
    rep = one(COUNTED.format(rule="tally >= N div 2 + 1 and (if tally == 0 then 0 else ayes / tally) >= 2/3"), 4)
    tables = rep.variants[0].tables
    assert [(t.support_name, t.population_name or t.population) for t in tables] == [("tally", "N"), ("ayes", "tally")]
    assert [r.support for r in tables[0].rows] == [1, 2, 2, 3]  # N div 2 + 1 voters
    assert shares(tables[1].rows) == [1, 1, Fraction(2, 3), Fraction(2, 3)]


# ---------------------------------------------------------------- params that set the bar


def test_a_threshold_param_gets_a_table_per_value():
    rep = one("model P\nparam N: int\nassume N >= 1\nprocess V[N] { var signal: bool = false }\n"
              "threshold t(c: 1..3) = count(v in V where v.signal) >= c\n", 3)
    assert [v.label for v in rep.variants] == ["c = 1", "c = 2", "c = 3"]
    assert [[r.support for r in v.rows] for v in rep.variants] == [[1, 1, 1], [None, 2, 2], [None, None, 3]]


def test_an_int_param_without_a_value_gets_a_table_per_value():
    rep = one("model P\nparam N: int\nparam C: int\nassume N >= 1 and C >= 1 and C <= N\n"
              "process V[N] { var signal: bool = false }\nthreshold t = count(v in V where v.signal) >= C\n", 3)
    assert [v.label for v in rep.variants] == ["C = 1", "C = 2", "C = 3"]
    # rows only where the assumptions allow C at that N
    assert [[(r.n, r.support) for r in v.rows] for v in rep.variants] == [
        [(1, 1), (2, 1), (3, 1)], [(2, 2), (3, 2)], [(3, 3)]]


def test_an_if_over_a_threshold_param_is_read_per_value():
    rep = one(COUNTED.format(rule="yes > 0").replace("threshold t = yes > 0",
              "threshold t(strict: bool) = if strict then yes > 2/3 * N else yes >= 1"), 3)
    by = {v.label: [r.support for r in v.rows] for v in rep.variants}
    assert by == {"strict = false": [1, 1, 1], "strict = true": [1, 2, 3]}
    assert {v.label: v.quorum.status for v in rep.variants} == {"strict = false": "refuted", "strict = true": "proved"}


# ---------------------------------------------------------------- divisions


def test_a_guarded_division_is_not_a_division_by_zero():
    rep = one(COUNTED.format(rule="(if tally == 0 then 1 else ayes / tally) > 1/2"), 4)
    v = rep.variants[0]
    assert v.quorum.status != "unknown" or "division" not in v.quorum.detail
    assert shares(v.rows) == [1, 1, Fraction(2, 3), Fraction(2, 3)]
    assert [r.empty for r in v.rows] == [True] * 4  # nobody voted: 1 > 1/2 passes


def test_an_unguarded_division_is_still_flagged():
    rep = one(COUNTED.format(rule="ayes / tally > 1/2"), 2)
    assert rep.variants[0].quorum.status == "unknown" and "division by zero" in rep.variants[0].quorum.detail


# ---------------------------------------------------------------- sizes covered


def test_a_bound_size_gives_its_rows_only():
    rep = one(WEIGHTED.format(rule="yes > supply / 2"), 20, {"N": [3]})
    assert [r.n for r in rep.variants[0].rows] == [3]


# ---------------------------------------------------------------- Sui


@pytest.fixture(scope="module")
def sui():
    m = load_model(str(ROOT / SUI))
    [rep] = analyse(m, {}, 8, None)
    return m, rep


def test_sui_shares_of_the_total_power(sui):
    _, rep = sui
    assert (rep.support_name, rep.population_name, rep.population_kind) == ("signalled(u)", "total", "weight")
    rows = rep.variants[0].rows
    assert [r.n for r in rows] == list(range(1, 9))
    # buffer 5000 bps: powers 3, 3 | 1 pass at 6/7; 11/13 and 16/19 further on
    assert shares(rows) == [1, 1, Fraction(6, 7), Fraction(6, 7), Fraction(11, 13), Fraction(11, 13),
                            Fraction(16, 19), Fraction(16, 19)]
    assert (rows[2].support, rows[2].pop) == (6, 7)
    assert rep.variants[0].equivalence.status == "proved"


def test_sui_without_buffer(sui):
    m, _ = sui
    [rep] = analyse(m, {"BPS": [0]}, 4, None)
    # 2T div 3 + 1: powers 3, 2 | 2 pass at 5/7 (the old table said 5/6 with a witness of total 7)
    assert shares(rep.variants[0].rows) == [1, Fraction(3, 4), Fraction(5, 7), Fraction(7, 10)]


# ---------------------------------------------------------------- stated: measures S of P


def test_a_stated_population_replaces_the_inferred_one():
    inferred = one(COUNTED.format(rule="yes > no"), 5)
    assert (inferred.population, inferred.source) == ("N", "rule")
    rep = one(COUNTED.format(rule="yes > no measures yes of yes + no"), 5)
    assert (rep.support_name, rep.population_name, rep.population_kind, rep.source) == ("yes", "yes + no", "tally", "stated")
    # more yes than no, as a share of the votes cast: 2 of 3 from N = 3, 3 of 5 at N = 5
    assert shares(rep.variants[0].rows) == [1, 1, Fraction(2, 3), Fraction(2, 3), Fraction(3, 5)]


def test_measures_is_checked_and_only_for_thresholds():
    from forkproof.spec.errors import ModelError
    with pytest.raises(ModelError) as err:
        load_model_text(COUNTED.format(rule="yes > no measures yes > 0 of N"))
    assert err.value.diagnostics[0].code == "FP302"
    with pytest.raises(ModelError) as err:
        load_model_text(COUNTED.format(rule="yes > no") + "def d = yes measures yes of N\n")
    assert err.value.diagnostics[0].code == "FP102"


@pytest.mark.parametrize("rule, why", [
    ("yes * no > 1", "multiplies two measured terms"),
    ("yes == 2", "is not a comparison"),
])
def test_what_cannot_be_read_is_unknown_with_the_clause_and_no_number(rule, why):
    rep = one(COUNTED.format(rule=rule), 3)
    assert why in rep.note and rule.split()[0] in rep.note
    v = rep.variants[0]
    assert v.rows == [] and v.quorum.status == "unknown"
