"""The shapes a property's environment assumptions may take (NOTE(assume) in
checker/semantics/temporal.py), checked when the property is type checked.

`A1 and ... and An implies F` is accepted at the top of a property only, each Ai `always
eventually A` or `eventually always A` with A a state condition, F a liveness form.  Why so
narrow: these are the assumptions a lasso can be checked against on its loop alone, the
way fairness is, so every engine decides them exactly.  Any other `implies` with a temporal
side is refused here, with what to write instead, rather than reported `unknown` after a
run: FP326 for a left side that is not assumptions, FP327 for assumptions that qualify
something other than a liveness property or that sit below the top.  (Primes were refused
before this runs, FP311, as everywhere in a property.)
"""
from __future__ import annotations

from typing import Iterator, TypeGuard

from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic

WANTED = ("an assumption must be `always eventually A` (A infinitely often) or `eventually always A` "
          "(A from some point on), with A a state condition")


def check(e: I.Expr) -> Diagnostic | None:
    """The first misplaced or misshapen assumption in the property `e`, or None."""
    body = e
    if _assuming(e):
        for item in _conjuncts(e.left):
            bad = _assumption_error(item, e.right)
            if bad is not None:
                return bad
        body = e.right
        if _assuming(body):
            return Diagnostic("FP327", "assumptions go on one left side of `implies`, joined by `and`: write "
                              "`A and B implies F`, not `A implies (B implies F)`", body.span)
        if not _temporal(body) or (isinstance(body, I.Unary) and body.op is I.UnOp.ALWAYS and not _temporal(body.arg)):
            return Diagnostic("FP327", f"assumptions qualify a liveness property (`eventually P`, `P ~> Q`, "
                              f"`always eventually P`, `eventually always P`), but '{I.expr_str(body)}' holds or "
                              f"fails on every run alike, so it is checked without them: state it on its own",
                              body.span)
    for parent, node in _below(body):
        if _assuming(node):
            return Diagnostic("FP327", _nested_hint(parent, node), node.span)
    return None


def _assuming(e: I.Expr) -> TypeGuard[I.Binary]:
    """An `implies` with a temporal side: assumptions, wherever it stands."""
    return isinstance(e, I.Binary) and e.op is I.BinOp.IMPLIES and (_temporal(e.left) or _temporal(e.right))


def _assumption_error(item: I.Expr, right: I.Expr) -> Diagnostic | None:
    temporal_op = (I.UnOp.ALWAYS, I.UnOp.EVENTUALLY)
    if isinstance(item, I.Unary) and item.op in temporal_op:
        inner = item.arg
        if isinstance(inner, I.Unary) and inner.op in temporal_op and inner.op is not item.op:
            if not _temporal(inner.arg):
                return None
            return Diagnostic("FP326", f"{WANTED}; '{I.expr_str(inner.arg)}' is not a state condition (it has "
                              f"always, eventually or ~> inside)", inner.arg.span)
    if not _temporal(item):
        p = _operand(item)
        hint = (f"'{I.expr_str(item)}' alone is read in the first state only: assume `always eventually {p}` or "
                f"`eventually always {p}`")
        if isinstance(right, I.Unary) and right.op is I.UnOp.EVENTUALLY and not _temporal(right.arg):
            hint += (f", or write `{I.expr_str(item)} ~> {I.expr_str(right.arg)}` for 'every state where {I.expr_str(item)} is "
                     f"followed by one where {I.expr_str(right.arg)}'")
    elif isinstance(item, I.Unary) and item.op in temporal_op and not _temporal(item.arg):
        a = _operand(item.arg)
        if item.op is I.UnOp.EVENTUALLY:
            hint = f"`eventually {a}` holds once and leaves the cycle free: assume `always eventually {a}`"
        else:
            hint = (f"`always {a}` would also constrain the run before its cycle: assume `eventually always {a}`, "
                    f"or keep the model's runs in {a} with its guards")
    elif isinstance(item, I.Binary) and item.op is I.BinOp.OR:
        hint = "alternatives joined by `or` are not one assumption: write one property for each"
    else:
        hint = f"'{I.expr_str(item)}' is not one"
    return Diagnostic("FP326", f"{WANTED}; {hint}", item.span)


def _nested_hint(parent: I.Expr | None, node: I.Binary) -> str:
    if isinstance(parent, I.Binary) and parent.op is I.BinOp.LEADSTO and parent.left is node:
        return (f"`~>` binds more loosely than `implies`, so the assumptions became part of the left side of `~>`: "
                f"write `{I.expr_str(node.left)} implies ({I.expr_str(node.right)} ~> {I.expr_str(parent.right)})`")
    if (isinstance(parent, I.Unary) and parent.op is I.UnOp.ALWAYS and not _temporal(node.left)
            and isinstance(node.right, I.Unary) and node.right.op is I.UnOp.EVENTUALLY and not _temporal(node.right.arg)):
        return (f"`always ({I.expr_str(node)})` is a leads-to: write `{I.expr_str(node.left)} ~> "
                f"{I.expr_str(node.right.arg)}`")
    return ("an `implies` between temporal formulas is read as assumptions, which go at the top of a property: "
            "`A1 and A2 implies F`, each Ai `always eventually A` or `eventually always A`, F a liveness property")


def _operand(e: I.Expr) -> str:
    """`e` as text that can follow `always eventually`: `and`, `or` and `implies` bind more
    loosely than `always`, so they need parentheses."""
    text = I.expr_str(e)
    loose = isinstance(e, I.Binary) and e.op in (I.BinOp.AND, I.BinOp.OR, I.BinOp.IMPLIES, I.BinOp.LEADSTO)
    return f"({text})" if loose else text


def _conjuncts(e: I.Expr) -> list[I.Expr]:
    if isinstance(e, I.Binary) and e.op is I.BinOp.AND:
        return _conjuncts(e.left) + _conjuncts(e.right)
    return [e]


def _children(e: object) -> Iterator[I.Expr]:
    for name in getattr(e, "__slots__", ()):
        child = getattr(e, name)
        for c in child if isinstance(child, tuple) else (child,):
            if isinstance(c, I.EXPR_NODES):
                yield c


def _below(e: I.Expr, parent: I.Expr | None = None) -> Iterator[tuple[I.Expr | None, I.Expr]]:
    """Every node of `e` with its parent, `e` itself first."""
    yield parent, e
    for c in _children(e):
        yield from _below(c, e)


def _temporal(e: I.Expr) -> bool:
    if (isinstance(e, I.Unary) and e.op in (I.UnOp.ALWAYS, I.UnOp.EVENTUALLY)) or \
            (isinstance(e, I.Binary) and e.op is I.BinOp.LEADSTO):
        return True
    return any(_temporal(c) for c in _children(e))
