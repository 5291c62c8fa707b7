"""`expect violated [when CONDITION] ["reason"]` on invariants and properties: parsed, typed,
kept in the IR (NOTE(expect) in spec/ir.py).  What checks make of it: tests/test_expect.py."""
from __future__ import annotations

import pytest

from forkproof.spec import ir as I
from forkproof.spec.errors import ModelError
from forkproof.spec.ir import expr_str
from forkproof.spec.load import load_model_text

HEAD = """model M
enum Rule { Code, Intended }
param RULE: Rule
param STRICT: bool = true
param N: int = 2
var x: 0..3 = 0
action inc when x < 3 { x = x + 1 }
"""


def test_every_form_is_kept_in_the_ir():
    m = load_model_text(HEAD + """
invariant a: x < 2 expect violated when RULE == Code and STRICT "x reaches 3 under the code's rule"
invariant b: x < 3 expect violated
invariant c: x' >= x
property p: always x < 3 expect violated "a reason, no condition"
property q: eventually x == 3 expect violated when not STRICT
""")
    a, b, c = m.invariants
    p, q = m.properties
    assert a.expect.verdict == "violated" and a.expect.reason == "x reaches 3 under the code's rule"
    assert expr_str(a.expect.when) == "RULE == Code and STRICT"
    assert (a.expect.span.line, a.expect.span.col) == (9, 20)
    assert b.expect == I.Expect("violated", None, None) and c.expect is None and c.step
    assert p.expect.when is None and p.expect.reason == "a reason, no condition"
    assert expr_str(q.expect.when) == "not STRICT" and q.expect.reason is None


@pytest.mark.parametrize("decl, code, message", [
    ("invariant a: x < 2 expect violated when N == 2", "FP320",
     "the condition of 'expect' may read only bool and enum params, whose every value the report shows apart; "
     "'N' is 'int'"),
    ("invariant a: x < 2 expect violated when x == 2", "FP308",
     "the condition of 'expect' must be a constant (params and literals), but 'x' is a state variable"),
    ("invariant a: x < 2 expect violated when RULE", "FP302", "'expect violated when' expects 'bool', found 'Rule'"),
    ("invariant a: x < 2 expect \"why\"", "FP102", "unexpected '\"why\"'; expected 'violated'"),
    ("invariant a: x < 2 expect violated \"why", "FP101", "a quoted reason must end with '\"' on the same line"),
    ("invariant a: x < 2 expect violated \"one\" \"two\"", "FP102",
     "unexpected '\"two\"'; expected end of file or a new declaration"),
    ("var expect: bool = false", "FP102", "unexpected 'expect'; expected a name"),
    ("action a when x == 3 { } expect violated", "FP102", None),
])
def test_misuses_are_located_diagnostics(decl, code, message):
    with pytest.raises(ModelError) as e:
        load_model_text(HEAD + decl + "\n")
    (d,) = e.value.diagnostics
    assert d.code == code and d.span is not None and d.span.line == 8
    if message is not None:
        assert d.message == message
