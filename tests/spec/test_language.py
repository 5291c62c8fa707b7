"""Language behaviour: precedence, literals, scoping and typing rules, checked on the IR
(and, for arithmetic, by running the explicit engine so that semantics are pinned end to end)."""
from __future__ import annotations

from fractions import Fraction

import pytest

from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.verdict import Status
from forkproof.spec import ir as I
from forkproof.spec.errors import ModelError
from forkproof.spec.ir import expr_str
from forkproof.spec.load import load_model_text

HEADER = """model T
param N: int = 4
enum E { A, B }
process P[N] { var on: bool = false }
var x: int = 0
var b: bool = false
var m: [E] 0..3 = 0
"""


def inv(expr: str) -> I.Expr:
    return load_model_text(HEADER + f"invariant i: {expr}\n").invariants[0].expr


@pytest.mark.parametrize("src,shown", [
    ("b or b and not b", "b or b and not b"),
    ("(b or b) and b", "(b or b) and b"),
    ("b implies b implies b", "b implies b implies b"),
    ("(b implies b) implies b", "(b implies b) implies b"),
    ("x + 1 * 2 == 3", "x + 1 * 2 == 3"),
    ("(x + 1) * 2 == 3", "(x + 1) * 2 == 3"),
    ("x - (1 - 2) == 0", "x - (1 - 2) == 0"),
    ("-x div 2 % 3 == 0", "-x div 2 % 3 == 0"),
    ("b and forall p in P: p.on and b", "b and forall p in P: p.on and b"),
    ("count(p in P where p.on) > 2/3 * N", "count(p in P where p.on) > 2/3 * N"),
    ("sum(e in E: m[e]) <= 80% * N", "sum(e in E: m[e]) <= 4/5 * N"),
    ("x' >= x", "x' >= x"),
    ("(if b then x else 1) == 1", "(if b then x else 1) == 1"),
    ("if b then b else x == 1", "if b then b else x == 1"),
])
def test_precedence_round_trips_through_the_printer(src, shown):
    e = inv(src)
    assert expr_str(e) == shown
    again = inv(expr_str(e))
    assert expr_str(again) == shown  # printing is stable
    if "%" not in src:  # a percent prints as p/q, which reads back as a division of the same value
        assert again == e  # printing and parsing again gives the same IR


def test_forall_body_extends_right():
    e = inv("b and forall p in P: p.on and b")
    assert isinstance(e, I.Binary) and e.op is I.BinOp.AND
    assert isinstance(e.right, I.Quant) and isinstance(e.right.body, I.Binary)


@pytest.mark.parametrize("lit,value", [("80%", Fraction(4, 5)), ("0.5", Fraction(1, 2)), ("12.5%", Fraction(1, 8)), ("7", 7)])
def test_literals_are_exact(lit, value):
    e = inv(f"x <= {lit}")
    assert e.right.value == value and not isinstance(e.right.value, float)


def test_division_is_rational_and_div_is_integer():
    assert inv("x / 2 == 1").left.ty == I.RAT
    assert inv("x div 2 == 1").left.ty == I.INT


def _holds(body: str, params=()) -> dict[str, Status]:
    model = load_model_text(body, "t.fork")
    rep = check_model(model, parse_bindings(model, list(params)), EngineOptions())
    return {p.verdict.name: p.verdict.status for p in rep.properties}


@pytest.mark.parametrize("a,b", [(7, 2), (-7, 2), (7, -2), (-7, -2), (0, 3), (6, -3)])
def test_div_and_mod_are_pythons(a, b):
    text = f"""model Arith
var x: int = {a}
var y: int = {b}
invariant floor_div: x div y == {a // b}
invariant modulo: x % y == {a % b}
invariant mod_word: x mod y == {a % b}
invariant identity: (x div y) * y + x % y == x
invariant exact: x / y == {Fraction(a, b).numerator} / {Fraction(a, b).denominator}
"""
    got = _holds(text + "action stay { x = x }\n")
    assert {k: v for k, v in got.items() if k != "deadlock"} == {
        "floor_div": Status.HOLDS, "modulo": Status.HOLDS, "mod_word": Status.HOLDS,
        "identity": Status.HOLDS, "exact": Status.HOLDS}


@pytest.mark.parametrize("n,expected", [(2, Status.VIOLATED), (3, Status.HOLDS), (4, Status.HOLDS), (5, Status.VIOLATED), (7, Status.HOLDS), (8, Status.VIOLATED)])
def test_threshold_comparison_is_exact(n, expected):
    # the 0L code's threshold T = (n div 3) * 2 + 1 is more than 2/3 of n unless n % 3 == 2
    text = """model Thresh
param N: int = 3
var t: int = (N div 3) * 2 + 1
action stay { t = t }
invariant more_than_two_thirds: t > 2/3 * N
"""
    assert _holds(text, [f"N={n}"])["more_than_two_thirds"] is expected


def test_simultaneous_assignment_swaps():
    text = """model Swap
var a: 0..1 = 0
var b: 0..1 = 1
var swapped: bool = false
action swap when not swapped { a = b  b = a  swapped = true }
action idle when swapped { }
invariant swap_happened: swapped implies (a == 1 and b == 0)
"""
    assert _holds(text)["swap_happened"] is Status.HOLDS


def test_errors_in_independent_declarations_are_all_reported():
    with pytest.raises(ModelError) as err:
        load_model_text(HEADER + "invariant i1: y > 0\ninvariant i2: x == A\naction a { x = true }\n")
    codes = [d.code for d in err.value.diagnostics]
    assert codes == ["FP202", "FP302", "FP302"]


def test_defs_may_be_used_before_they_are_written():
    m = load_model_text(HEADER + "invariant i: later\ndef later = x >= 0\n")
    assert m.invariants[0].expr == I.Call("later", (), I.BOOL)


def test_prime_on_a_local_reads_the_copy_in_the_pre_state():
    m = load_model_text(HEADER + "var leader: P = any\ninvariant stays_on: leader.on implies leader.on'\n")
    e = m.invariants[0].expr.right
    assert isinstance(e, I.LocalRef) and e.primed
    assert isinstance(e.proc, I.VarRef) and not e.proc.primed


@pytest.mark.parametrize("a,b,c", [(1, 2, 3), (3, 2, 1), (-2, 5, -2), (0, 0, 0), (4, -7, 2)])
def test_min_and_max_pick_a_value(a, b, c):
    """NOTE(min-max): `min`/`max` of two or more numbers, an `if` in the IR."""
    text = f"""model MinMax
var x: int = {a}
var y: int = {b}
var z: int = {c}
action stay {{ x = x }}
invariant lo: min(x, y, z) == {min(a, b, c)}
invariant hi: max(x, y) == {max(a, b)}
invariant mixed: max(x, y / 2) == {max(Fraction(a), Fraction(b, 2))}
"""
    got = _holds(text)
    assert {k: v for k, v in got.items() if k != "deadlock"} == {"lo": Status.HOLDS, "hi": Status.HOLDS,
                                                                  "mixed": Status.HOLDS}
    e = inv("min(x, 2) >= 0").left
    assert isinstance(e, I.Ite) and e.ty == I.INT
    assert inv("max(x, 1/2) >= 0").left.ty == I.RAT


def test_a_model_may_define_its_own_min():
    text = """model OwnMin
var x: int = 5
def min(a: int) = a - 1
action stay { x = x }
invariant mine: min(x) == 4
"""
    assert _holds(text)["mine"] is Status.HOLDS


def test_min_and_max_agree_across_engines_and_for_every_size():
    """A committee bar `min(N, 7)` (at most 7 seats) and `max(1, N div 3)`: every engine agrees
    at N = 4, and the counters prove the safe bar for every N."""
    text = """model Capped
param N: int
assume N >= 1
process Member[N] { var yes: bool = false }
action vote(m: Member) when not m.yes { m.yes = true }
def yes = count(m in Member where m.yes)
invariant never_more_than_the_seats: yes <= max(N, 1)
invariant capped_bar_reached_only_with_votes: yes >= min(N, 7) implies yes >= 1
invariant floor_bar: yes < max(2, N div 3)
"""
    model = load_model_text(text, "t.fork")
    got = {}
    for engine in ("explicit", "bmc", "kind", "pdr"):
        rep = check_model(model, parse_bindings(model, ["N=4"]), EngineOptions(engine=engine, depth=6))
        got[engine] = {p.verdict.name: p.verdict.status for p in rep.properties if p.verdict.name != "deadlock"}
    assert got["explicit"] == {"never_more_than_the_seats": Status.HOLDS,
                               "capped_bar_reached_only_with_votes": Status.HOLDS, "floor_bar": Status.VIOLATED}
    assert got["bmc"]["floor_bar"] is got["kind"]["floor_bar"] is got["pdr"]["floor_bar"] is Status.VIOLATED
    assert got["kind"]["never_more_than_the_seats"] is got["pdr"]["never_more_than_the_seats"] is Status.PROVED
    rep = check_model(model, parse_bindings(model, []), EngineOptions(up_to=3))
    every = {p.verdict.name: (p.verdict.status, p.verdict.scope) for p in rep.properties}
    assert every["never_more_than_the_seats"] == (Status.PROVED, "all N with N >= 1")
    assert every["capped_bar_reached_only_with_votes"] == (Status.PROVED, "all N with N >= 1")
    assert every["floor_bar"][0] is Status.VIOLATED and every["floor_bar"][1] == "N = 2"


PRIMED_DEFS = """model PrimedDefs
enum Ballot { Unvoted, Yes, No }
process Validator[2] { var ballot: Ballot = Unvoted }
var round: 0..3 = 0
var tally: [0..3] 0..2 = 0
def yes = count(v in Validator where v.ballot == Yes)
def votes(b: Ballot) = count(v in Validator where v.ballot == b)
def current = tally[round]
def twice = current + current
action vote(v: Validator, y: bool) when v.ballot == Unvoted { v.ballot = if y then Yes else No }
action next when round < 3 { round = round + 1 }
action bump when tally[round] < 2 { tally[round] = tally[round] + 1 }
invariant yes_grows_by_at_most_one: yes' <= yes + 1
invariant votes_never_shrink: votes(No)' >= votes(No)
invariant current_is_read_at_the_new_round: round' != round implies current' == tally'[round']
invariant nested_defs_are_primed_too: twice' == 2 * tally'[round']
invariant yes_never_moves: yes' == yes
"""


def test_a_primed_def_is_the_def_in_the_post_state():
    """NOTE(primed-def): `d'` is d's body with every state read primed (keys included)."""
    model = load_model_text(PRIMED_DEFS, "t.fork")
    want = {"yes_grows_by_at_most_one": Status.HOLDS, "votes_never_shrink": Status.HOLDS,
            "current_is_read_at_the_new_round": Status.HOLDS, "nested_defs_are_primed_too": Status.HOLDS,
            "yes_never_moves": Status.VIOLATED}
    assert {k: v for k, v in _holds(PRIMED_DEFS).items() if k != "deadlock"} == want
    proved = {k: (Status.PROVED if v is Status.HOLDS else v) for k, v in want.items()}
    for engine in ("kind", "pdr"):
        rep = check_model(model, parse_bindings(model, []), EngineOptions(engine=engine, deadlock=False))
        assert {p.verdict.name: p.verdict.status for p in rep.properties} == proved, engine
    body = next(i for i in model.invariants if i.name == "current_is_read_at_the_new_round").expr
    assert "tally'[round']" in I.expr_str(body)


def test_only_state_and_defs_are_primed():
    with pytest.raises(ModelError) as e:
        load_model_text("model M\nvar x: int = 0\naction a { x = x }\ninvariant i: (x + 1)' == x\n", "t.fork")
    assert [d.code for d in e.value.diagnostics] == ["FP311"]
    assert "only state variables and defs can be primed" in e.value.diagnostics[0].message
