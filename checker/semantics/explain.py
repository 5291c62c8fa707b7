"""Threshold rules spelled out along a trace (issue 6: readable traces).

At each step of a trace where a `threshold` changes its truth value, the step carries one
line per change, with the rule's inputs and the rule evaluated on them:

    intended_rule now holds: yes = 3, N = 4: 3 > 2/3 * 4

The inputs ("atoms") are the numeric parts of the rule that are not plain numbers: params,
calls of numeric defs (`yes`), state variables and map entries (`blocks[2]`), counts and
sums; each is replaced by its value and the rule is printed again.  A threshold with
parameters is spelled out for each value of them (at most 8 combinations; larger domains
are skipped).
"""
from __future__ import annotations

import dataclasses
import itertools

from forkproof.semantics.compile import Compiler, EvalError, env_size, walk
from forkproof.semantics.instance import Instance, display_value
from forkproof.spec import ir as I
from forkproof.spec.ir import expr_str

MAX_INSTANCES = 8


def _numeric(ty: I.Type) -> bool:
    return isinstance(ty, (I.IntType, I.RatType))




def _atoms(e) -> list[I.Expr]:
    """The numeric inputs of a rule, in the order they appear."""
    out: list[I.Expr] = []

    def visit(x) -> I.Expr | None:
        if isinstance(x, I.Quant) and not _numeric(x.ty):
            return x  # forall / exists: shown whole, not taken apart (its body has a bound name)
        if isinstance(x, (I.ParamRef, I.VarRef, I.Index, I.LocalRef, I.Quant, I.Call)) and _numeric(x.ty):
            if x not in out and not _mentions_binder(x):
                out.append(x)
            return x
        return None

    I.substitute(e, visit)
    return out


def _mentions_binder(e) -> bool:
    """Whether e reads a name bound outside it (a quantifier's or def's variable)."""
    inner = {n.binder.uid for n in walk(e) if isinstance(n, I.Quant)}
    return any(isinstance(n, I.BoundRef) and n.binder.uid not in inner for n in walk(e))


@dataclasses.dataclass(frozen=True)
class _Rule:
    label: str
    body: I.Expr
    atoms: tuple[I.Expr, ...]


class Explainer:
    def __init__(self, inst: Instance):
        self.inst = inst
        self.comp = Compiler(inst)
        self.env = [None] * self.comp.env_size
        self.rules: list[_Rule] = []
        for d in inst.model.defs:
            if not d.is_threshold:
                continue
            try:
                doms = [inst.domain(p.ty) for p in d.params]
            except (TypeError, KeyError):
                continue
            combos = list(itertools.islice(itertools.product(*doms), MAX_INSTANCES + 1))
            if len(combos) > MAX_INSTANCES:
                continue
            for args in combos:
                vals = {p.uid: I.Lit(v, p.ty) for p, v in zip(d.params, args)}
                body = I.substitute(d.body, lambda x: vals.get(x.binder.uid) if isinstance(x, I.BoundRef) else None)
                shown = ", ".join(f"{p.name} = {_show(display_value(v, p.ty))}" for p, v in zip(d.params, args))
                label = f"{d.name}({shown})" if d.params else d.name
                self.rules.append(_Rule(label, body, tuple(_atoms(body))))
        self._fns = {}

    def _eval(self, e: I.Expr, state: tuple):
        fn = self._fns.get(e)
        if fn is None:
            fn = self._fns[e] = self.comp.expr(e)
        return fn(state, None, self.env)

    def spell(self, rule: _Rule, state: tuple) -> tuple[bool, str] | None:
        """(the rule's value, "yes = 3, N = 4: 3 > 2/3 * 4") in `state`, None on an error."""
        try:
            value = bool(self._eval(rule.body, state))
            vals = {a: self._eval(a, state) for a in rule.atoms}
        except EvalError:
            return None
        except Exception:  # an explanation is a courtesy: it must never cost the trace
            return None
        inputs = ", ".join(f"{expr_str(a)} = {_show(display_value(v, a.ty))}" for a, v in vals.items())
        lits = {a: I.Lit(v, a.ty) for a, v in vals.items()}
        filled = expr_str(I.substitute(rule.body, lambda x: lits.get(x) if x in lits else None))
        return value, (f"{inputs}: {filled}" if inputs else filled)

    def notes(self, xs: list[tuple]) -> list[tuple[str, ...]]:
        """Per state of a trace, the thresholds that changed value since the state before."""
        out: list[tuple[str, ...]] = [()]
        if not self.rules:
            return [()] * len(xs)
        before = [self.spell(r, xs[0]) for r in self.rules]
        for x in xs[1:]:
            now = [self.spell(r, x) for r in self.rules]
            lines = []
            for r, b, n in zip(self.rules, before, now):
                if n is not None and b is not None and n[0] != b[0]:
                    lines.append(f"{r.label} now {'holds' if n[0] else 'fails'}: {n[1]}")
            out.append(tuple(lines))
            before = now
        return out


def spelled(inst: Instance, body: I.Expr, state: tuple, args: dict[int, tuple[object, I.Type]] | None = None) -> str | None:
    """A rule's inputs and the rule with their values in `state` ("blocks[0] = 4, BLOCKS = 5: 4 > 4/5 * 5"),
    its def parameters `args` (binder uid -> (value, type)) written in first; None when it cannot be evaluated."""
    vals = {uid: I.Lit(v, ty) for uid, (v, ty) in (args or {}).items()}
    body = I.substitute(body, lambda x: vals.get(x.binder.uid) if isinstance(x, I.BoundRef) else None)
    comp, env = Compiler(inst), [None] * env_size(inst.model)
    try:
        got = {a: comp.expr(a)(state, None, env) for a in _atoms(body)}
    except Exception:  # an explanation is a courtesy (as in Explainer.spell)
        return None
    inputs = ", ".join(f"{expr_str(a)} = {_show(display_value(v, a.ty))}" for a, v in got.items())
    lits = {a: I.Lit(v, a.ty) for a, v in got.items()}
    filled = expr_str(I.substitute(body, lambda x: lits.get(x) if x in lits else None))
    return f"{inputs}: {filled}" if inputs else filled


def _show(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)
