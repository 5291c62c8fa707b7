"""`meant`: a threshold's declared intended bound (parsed, typed, kept in the IR, ignored by engines)."""
from __future__ import annotations

import pytest

from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.verdict import Status
from forkproof.spec import ir as I
from forkproof.spec.errors import ModelError
from forkproof.spec.ir import expr_str
from forkproof.spec.load import load_model_text

HEAD = """model M
param N: int = 3
process V[N] { var yes: bool = false }
def votes = count(v in V where v.yes)
action vote(v: V) when not v.yes { v.yes = true }
"""


def test_meant_is_kept_in_the_ir_with_the_threshold_params_in_scope():
    m = load_model_text(HEAD + "threshold q(k: 0..3) = votes >= k meant votes > 2/3 * N and k >= 0\n")
    d = m.def_named("q")
    assert d.is_threshold
    assert expr_str(d.meant) == "votes > 2/3 * N and k >= 0"
    # the parameter in `meant` is the threshold's own binder
    k_ref = d.meant.right.left
    assert isinstance(k_ref, I.BoundRef) and k_ref.binder == d.params[0]


def test_a_threshold_without_meant_has_none_and_old_positional_defs_still_build():
    m = load_model_text(HEAD + "threshold q = votes >= 2\n")
    assert m.def_named("q").meant is None
    d = I.Def("x", (), I.Lit(True, I.BOOL), I.BOOL, True)
    assert d.meant is None and d.span is None


@pytest.mark.parametrize("decl, code", [
    ("def q = votes >= 2 meant votes > 2\n", "FP319"),
    ("def q: bool = votes >= 2 meant votes > 2\n", "FP319"),
    ("threshold q = votes >= 2 meant votes\n", "FP302"),
    ("threshold q = votes >= 2 meant nobody > 2\n", "FP202"),
    ("threshold q = votes >= 2 meant votes' > 2\n", "FP311"),
    ("threshold q = votes >= 2 meant\n", "FP102"),
    ("def meant = 1\n", "FP102"),
])
def test_misuses_are_diagnostics(decl, code):
    with pytest.raises(ModelError) as e:
        load_model_text(HEAD + decl)
    assert [d.code for d in e.value.diagnostics] == [code]


def test_engines_ignore_meant():
    """A false `meant` changes no verdict: it is a claim for `forkproof thresholds` to test."""
    verdicts = []
    for meant in ("votes >= 2", "false"):
        m = load_model_text(HEAD + f"threshold q = votes >= 2 meant {meant}\ninvariant i: q implies votes >= 2\n")
        rep = check_model(m, parse_bindings(m, []), EngineOptions())
        verdicts.append([(p.verdict.name, p.verdict.status, p.verdict.states) for p in rep.properties])
    assert verdicts[0] == verdicts[1]
    assert [s for n, s, _ in verdicts[0] if n == "i"] == [Status.HOLDS]
