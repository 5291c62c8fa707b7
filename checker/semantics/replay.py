"""Concrete traces from state sequences, checked against the explicit step function.

NOTE(replay): every trace a symbolic engine shows is first replayed here: each step must be
produced by some action instance of the compiled program (checker/semantics/compile.py) from the
state before it.  A trace that does not replay is a bug in an engine, never shown as a
counterexample: `ReplayError` says so.
"""
from __future__ import annotations

from forkproof.semantics.compile import ActionInstance, EvalError, Program
from forkproof.semantics.explain import Explainer
from forkproof.semantics.instance import Instance, display_value
from forkproof.semantics.verdict import Step, Trace


class ReplayError(Exception):
    """A symbolic trace that the explicit step function does not reproduce."""


def action_args(a: ActionInstance) -> tuple[tuple[str, object], ...]:
    return tuple((p.name, display_value(v, p.ty)) for p, v in zip(a.action.params, a.args))


def action_label(a: ActionInstance) -> str:
    args = ", ".join(f"{n} = {_show(v)}" for n, v in action_args(a))
    return f"{a.action.name}({args})" if args else a.action.name


def make_trace(inst: Instance, xs: list[tuple], acts: list[ActionInstance | None], loop_start: int | None = None) -> Trace:
    """States and the action instances between them (None before the first) as a Trace."""

    names, steps, prev = inst.slot_labels, [], None
    spelled = Explainer(inst).notes(list(xs))
    for x, a, why in zip(xs, acts, spelled):
        changed = tuple(names) if prev is None else tuple(n for n, u, v in zip(names, prev, x) if u != v)
        steps.append(Step(a.action.name if a else None, action_args(a) if a else (), inst.display_state(x), changed,
                          why))
        prev = x
    return Trace(tuple(steps), loop_start)


def successors(prog: Program, x: tuple, env: list):
    """(action instance, successor) for every instance enabled in x whose update runs cleanly."""
    for a in prog.actions:
        try:
            if a.guard is None or a.guard(x, None, env):
                yield a, a.update(x, env)
        except EvalError:
            continue


def replay(prog: Program, xs: list[tuple], loop_start: int | None = None) -> Trace:
    """The trace through the concrete states xs; ReplayError if some step is no transition."""
    env = prog.new_env()
    initial = set(prog.inst.initial_states())
    if xs[0] not in initial:
        raise ReplayError(f"the first state of the trace is not initial: {prog.inst.display_state(xs[0])}")
    acts: list[ActionInstance | None] = [None]
    for i, (x, y) in enumerate(zip(xs, xs[1:])):
        found = next((a for a, t in successors(prog, x, env) if t == y), None)
        if found is None:
            raise ReplayError(f"step {i + 1} of the trace is not a transition of the model")
        acts.append(found)
    return make_trace(prog.inst, xs, acts, loop_start)


def runtime_error_at(prog: Program, x: tuple, checks=()) -> str | None:
    """The first runtime error raised in state x by an action (guard or update) or by a state
    check (name, kind, fn); None if there is none."""
    env = prog.new_env()
    for a in prog.actions:
        try:
            if a.guard is not None and not a.guard(x, None, env):
                continue
        except EvalError as e:
            return f"guard of action {action_label(a)}: {e}"
        try:
            a.update(x, env)
        except EvalError as e:
            return f"action {action_label(a)}: {e}"
    for name, kind, fn in checks:
        try:
            fn(x, None, env)
        except EvalError as e:
            return f"{kind} {name}: {e}"
    return None


def _show(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)
