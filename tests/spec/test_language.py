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
from forkproof.spec.typecheck import load_model_text

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
