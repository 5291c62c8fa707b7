"""Solver failures in the model's terms: no Z3 or Spacer text reaches a verdict.

NOTE(solver-text): Z3 explains an `unknown` answer or a failure in its own words
(`reason_unknown()`, a Z3Exception such as "Uninterpreted '/' in bad:", "canceled").  Those
words mean nothing to a model's author, so every engine turns them into one of the messages
below, each with its code (docs/language.md, section 9):

  FP701  the time budget ran out (NOTE(budgets) in checker/engines/symbolic/encode.py), with
         how far the engine got;
  FP702  the solver cannot decide non-linear arithmetic (a product, `/`, `div` or `%` of two
         values that are not constants);
  FP703  PDR cannot handle `/`, `div` or `%` by a value that is not a constant (Spacer
         rejects the clause);
  FP704  the solver gave up for another reason (a resource limit, an incomplete theory);
  FP705  a solver call was stopped before the budget ran out (Ctrl-C, or a time limit of the
         solver's own).

The solver's own text is never shown; `classify` reads it only to choose the message.
"""
from __future__ import annotations

import re

# Spacer names the rule of its Horn clauses (checker/engines/symbolic/pdr.py `_horn`)
_RULES = {"bad": "the condition of {prop}", "step": "a step of the model (a guard, an update, or a fairness condition the liveness check reads)",
          "init": "the initial values"}
_OPS = {"/": "`/`", "div": "`div` or `%`", "mod": "`div` or `%`", "rem": "`div` or `%`", "*": "`*`"}


def out_of_time(budget: str, where: str, reached: str | None = None) -> str:
    """FP701: "timeout (30 s per property) in the step case at k = 3: no violation up to depth 3"."""
    return f"FP701: timeout ({budget}) in {where}" + (f": {reached}" if reached else "")


def gave_up(where: str, solver_text: str = "") -> str:
    """FP702 or FP704, from what the solver said (not shown)."""
    text = solver_text.lower()
    if "nonlinear" in text or "non-linear" in text or re.search(r"\bnla\b", text):
        return (f"FP702: the solver cannot decide {where}: it involves non-linear arithmetic (a product, `/`, "
                f"`div` or `%` of two values that are not constants)")
    if "cancel" in text or "interrupt" in text:
        return f"FP705: the solver was stopped (Ctrl-C, or a solver time limit) in {where}"
    return f"FP704: the solver gave up in {where} (an incomplete theory or a resource limit; no verdict)"


def spacer_failure(solver_text: str, prop: str, every_size: bool = False) -> str:
    """FP703 (or FP702, FP704, FP705) for an exception Spacer raised on obligation `prop`."""
    m = re.search(r"uninterpreted\s+'([^']+)'\s+in\s+(\w+)", solver_text, re.IGNORECASE)
    if m is not None:
        op = _OPS.get(m.group(1), f"the operation `{m.group(1)}`")
        where = _RULES.get(m.group(2), "the model").format(prop=prop)
        if every_size:
            return (f"FP703: the every-size prover cannot handle {op} by a value that depends on a param with no "
                    f"value, in {where}; bind the param (--param) to check fixed sizes")
        return f"FP703: PDR cannot handle {op} by a value that is not a constant, in {where}; --engine kind can"
    return gave_up(f"PDR's search for {prop}", solver_text)


def unknown_answer(solver_text: str, where: str, late: bool, budget: str) -> str:
    """A solver's `unknown` (or a cancelled call) at `where`: FP701 when the budget ran out, else gave_up."""
    if late:
        return out_of_time(budget, where)
    return gave_up(where, solver_text)
