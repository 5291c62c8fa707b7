"""forkproof.testing: a model as the reference for a Python implementation, in your own tests.

    from forkproof.testing import model_machine, replay_itf, conform, Refused

- `model_machine(model, params, impl=..., observe=...)`: a Hypothesis `RuleBasedStateMachine`
  whose rules are the model's actions.  Each step calls the same action on the implementation
  (whether the model's guard holds or not), then checks that the implementation accepted
  exactly what the model allows and that `observe(impl)` is a state the model reaches by that
  step.  A failure is a `ConformanceError` with the steps in the model's terms, shrunk by
  Hypothesis to a shortest sequence.
- `replay_itf(trace, model, impl=..., observe=...)`: the same checks along an ITF trace
  (`forkproof check --trace-dir`, Apalache, Quint): each step's action is the model's step
  between the trace's states.
- `conform(model, rule, impl)`: `forkproof conform` from Python.

NOTE(refusal): an implementation refuses an action by raising one of `refuse` (default:
`Refused`) or by returning `False`; any other return accepts it, and any other exception is a
crash, reported with the steps that led to it.  Refusing what the model allows and accepting
what it refuses are both conformance failures.

Values cross in the shape NOTE(python-values) in checker/run/values.py gives: action arguments
as keyword arguments (an id is its copy's index, an enum member its name), states as a dict
of globals by name and families as lists of per-copy dicts; `observe` may leave out variables
(and, in a family's dicts, locals) it does not model.  The machine (Hypothesis) needs
`pip install 'forkproof[testing]'`; `replay_itf` and `conform` over the domain alone do not.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from forkproof.api import ParamValue, bindings, load
from forkproof.output.conform import render_text as conform_text
from forkproof.output.formats import itf_state
from forkproof.run.conform import EXAMPLES, MAX_INPUTS, ConformReport, Impl
from forkproof.run.conform import conform as run_conform
from forkproof.run.plan import plan, scope_of
from forkproof.run.values import differences, py_leaf, runtime_leaf, shown, state_dict, variables
from forkproof.semantics.compile import ActionInstance, Compiler, EvalError, compile_program, walk
from forkproof.semantics.instance import Instance, display_value, instantiate
from forkproof.spec import ir as I

__all__ = ["model_machine", "replay_itf", "conform", "Refused", "ConformanceError", "Reference", "Replay", "Conformance"]


class Refused(Exception):
    """Raise it (or return False) from an implementation's method to refuse an action (NOTE(refusal))."""


@dataclass(frozen=True)
class Step:
    """One step as the model names it: the action, its arguments (Python values), and whether
    the implementation accepted it."""

    action: str
    args: dict[str, object]
    accepted: bool | None = None  # None: the step that failed, before the implementation answered

    def __str__(self) -> str:
        args = ", ".join(f"{k} = {shown(v)}" for k, v in self.args.items())
        return f"{self.action}({args})" if args else self.action


class ConformanceError(AssertionError):
    """The implementation and the model disagree.  `steps`: the steps up to and including the
    failing one (its `accepted` is what the implementation did, or None); `kind`: "initial",
    "accepted" (the model refuses the step), "refused" (the model allows it), "state" (the
    state after the step differs), "crash" (the implementation raised); `differences`:
    (location, implementation's value, model's value) for "initial" and "state"."""

    def __init__(self, message: str, steps: list[Step], kind: str,
                 differences: list[tuple[str, object, object]] | None = None):
        super().__init__(message)
        self.steps = steps
        self.kind = kind
        self.differences = differences or []


# ---------------------------------------------------------------- the model as a reference


class Reference:
    """One instance of a model, stepped by action name and Python arguments."""

    def __init__(self, model: I.Model | str | os.PathLike, params: Mapping[str, ParamValue] | None = None):
        self.model = load(model) if not isinstance(model, I.Model) else model
        combos, _ = plan(self.model, bindings(self.model, params))
        if len(combos) != 1:
            raise ValueError(f"{self.model.name}: params must pick one instance, these pick {len(combos)} "
                             f"(bind each param that has no single value: "
                             f"{', '.join(p.name for p in self.model.params if len({str(c[p.name]) for c in combos}) > 1)})")
        self.inst: Instance = instantiate(self.model, combos[0])
        self.prog = compile_program(self.inst)
        self.env = self.prog.new_env()
        self.scope = scope_of(self.model, self.inst.params) or "the model"
        self.actions = {a.name: a for a in self.model.actions}
        self._instances: dict[tuple[str, tuple], ActionInstance] = {
            (ai.action.name, ai.args): ai for ai in self.prog.actions}
        self._comp = Compiler(self.inst)
        self._variables = variables(self.inst)

    def initial(self) -> list[tuple]:
        return list(dict.fromkeys(self.inst.initial_states()))

    def state(self, s: tuple, only: Mapping[str, object] | None = None) -> dict[str, object]:
        """The state as Python (NOTE(python-values)); `only`: just the variables it names."""
        return state_dict(self.inst, s, only, self._variables)

    def domain(self, a: I.Action, param: I.Binder) -> list[object]:
        """The values of an action's parameter, as Python."""
        return [py_leaf(v, param.ty) for v in self.inst.domain(param.ty)]

    def runtime_args(self, a: I.Action, args: Mapping[str, object]) -> tuple:
        try:
            return tuple(runtime_leaf(args[p.name], p.ty) for p in a.params)
        except KeyError as e:
            raise ValueError(f"{a.name}: no value for its parameter {e}") from None

    def successors(self, s: tuple, name: str, args: tuple) -> list[tuple]:
        """The states the action instance leads to from `s` ([] when the model refuses it: its
        guard is false, or its step raises a runtime error; `why_not` says which)."""
        ai = self._instances.get((name, args))
        if ai is None:
            return []
        try:
            if ai.guard is not None and not ai.guard(s, None, self.env):
                return []
            return [ai.update(s, self.env)]
        except EvalError:
            return []

    def why_not(self, s: tuple, name: str, args: tuple) -> str:
        """Why the model refuses the action instance in `s`: the conjuncts of its guard that are
        false, with the values they read, or the runtime error of its step."""
        ai = self._instances.get((name, args))
        if ai is None:
            return "its guard never holds in this instance"
        if ai.guard is None or ai.guard(s, None, self.env):
            try:
                ai.update(s, self.env)
            except EvalError as e:
                return f"the model's step raises a runtime error: {e}"
        bound = {p.uid: v for p, v in zip(ai.action.params, ai.args)}
        parts, todo = [], [ai.action.guard]
        while todo:
            e = todo.pop(0)
            if isinstance(e, I.Binary) and e.op is I.BinOp.AND:
                todo[:0] = [e.left, e.right]
            else:
                parts.append(e)
        false = []
        for e in parts:
            try:
                if not self._comp.expr(e, bound)(s, None, self.env):
                    false.append(self._spell(e, s, bound))
            except EvalError as x:
                false.append(f"{I.expr_str(e)} (a runtime error: {x})")
        return "its guard is false: " + "; ".join(false) if false else "its guard is false"

    def _spell(self, e: I.Expr, s: tuple, bound: dict[int, object]) -> str:
        """`not expired (expired = true)`: a condition with the state it reads."""
        reads: list[I.Expr] = []

        def visit(x: I.Expr) -> I.Expr | None:
            if isinstance(x, (I.VarRef, I.LocalRef, I.Index, I.Call)):
                if x not in reads and not any(isinstance(n, I.BoundRef) and n.binder.uid not in bound
                                              for n in walk(x)):
                    reads.append(x)
                return x
            return None

        I.substitute(e, visit)
        vals = []
        args = {p.uid: I.Lit(v, p.ty) for p in self._binders(e) for v in [bound.get(p.uid)] if v is not None}
        for r in reads:
            try:
                v = self._comp.expr(r, bound)(s, None, self.env)
            except EvalError:
                continue
            text = I.expr_str(I.substitute(r, lambda x: args.get(x.binder.uid) if isinstance(x, I.BoundRef) else None))
            vals.append(f"{text} = {_show(display_value(v, r.ty))}")
        shown_e = I.expr_str(I.substitute(e, lambda x: args.get(x.binder.uid) if isinstance(x, I.BoundRef) else None))
        return f"{shown_e} ({', '.join(vals)})" if vals else shown_e

    @staticmethod
    def _binders(e: I.Expr) -> list[I.Binder]:
        return [n.binder for n in walk(e) if isinstance(n, I.BoundRef)]

    def matching(self, states: Iterable[tuple], observed: Mapping[str, object]) -> list[tuple]:
        return [s for s in states if not any(True for _ in differences(observed, self.state(s, observed)))]


def _show(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


# ---------------------------------------------------------------- driving an implementation


@dataclass
class Driver:
    """An implementation stepped beside the model; `states`: the model states consistent with
    everything observed so far (several when the model's steps are non-deterministic)."""

    ref: Reference
    impl: Any
    observe: Callable[[Any], Mapping[str, object]]
    call: Callable[[Any, str, dict[str, object]], object] | None = None
    refuse: tuple[type[BaseException], ...] = (Refused,)
    hidden: Mapping[str, Iterable[str]] = field(default_factory=dict)
    states: list[tuple] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)

    def start(self, candidates: list[tuple] | None = None) -> None:
        initial = candidates if candidates is not None else self.ref.initial()
        obs = self._observe(None)
        self.states = self.ref.matching(initial, obs)
        if not self.states:
            diffs = self._closest(initial, obs)
            raise ConformanceError(self._header("in its initial state") + "\n" + self._diff_text(diffs, "initial"),
                                   [], "initial", diffs)

    def step(self, name: str, args: Mapping[str, object], keep: Callable[[tuple], bool] | None = None) -> Step:
        """Call `name(**args)` on the implementation and check it against the model; `keep`:
        only successors it accepts count (a trace's next state)."""
        a = self.ref.actions.get(name)
        if a is None:
            raise ValueError(f"{self.ref.model.name} has no action '{name}'")
        hidden = set(self.hidden.get(name, ()))
        shown_args = {p.name: args[p.name] for p in a.params if p.name not in hidden}
        choices = [dict(shown_args)]
        for p in a.params:
            if p.name in hidden:
                choices = [{**c, p.name: v} for c in choices for v in self.ref.domain(a, p)]
        moves: dict[tuple, list[tuple]] = {}
        for s in self.states:
            for c in choices:
                succ = [t for t in self.ref.successors(s, name, self.ref.runtime_args(a, c)) if keep is None or keep(t)]
                if succ:
                    moves.setdefault(s, []).extend(succ)
        here = Step(name, shown_args)
        try:
            result = (self.call or _default_call)(self.impl, name, dict(shown_args))
            accepted = result is not False
            how = "returned False" if not accepted else ""
        except self.refuse as e:
            accepted, how = False, f"raised {type(e).__name__}" + (f": {e}" if str(e) else "")
        except Exception as e:
            self.steps.append(here)
            raise ConformanceError(self._header(f"at step {len(self.steps)}") + "\n" + self._trace()
                                   + f"\n  the implementation raised {type(e).__name__}: {e} (not a refusal: "
                                   f"refuse={tuple(t.__name__ for t in self.refuse)}, NOTE(refusal))",
                                   list(self.steps), "crash") from e
        step = Step(name, shown_args, accepted)
        self.steps.append(step)
        if accepted and not moves:
            why = self.ref.why_not(self.states[0], name, self.ref.runtime_args(a, choices[0]))
            raise ConformanceError(self._header(f"at step {len(self.steps)}") + "\n" + self._trace()
                                   + f"\n  the implementation accepted {step}; the model refuses it here: {why}",
                                   list(self.steps), "accepted")
        if not accepted and len(moves) == len(self.states) and keep is None:
            raise ConformanceError(self._header(f"at step {len(self.steps)}") + "\n" + self._trace()
                                   + f"\n  the implementation refused {step} ({how}); the model allows it here",
                                   list(self.steps), "refused")
        if not accepted and keep is not None:
            raise ConformanceError(self._header(f"at step {len(self.steps)}") + "\n" + self._trace()
                                   + f"\n  the implementation refused {step} ({how}); the trace takes it here",
                                   list(self.steps), "refused")
        after = [t for ts in moves.values() for t in ts] if accepted else [s for s in self.states if s not in moves]
        after = list(dict.fromkeys(after))
        obs = self._observe(step)
        kept = self.ref.matching(after, obs)
        if not kept:
            diffs = self._closest(after, obs)
            raise ConformanceError(self._header(f"after step {len(self.steps)}") + "\n" + self._trace() + "\n"
                                   + self._diff_text(diffs, "state"), list(self.steps), "state", diffs)
        self.states = kept
        return step

    def _observe(self, step: Step | None) -> Mapping[str, object]:
        obs = self.observe(self.impl)
        if not isinstance(obs, Mapping):
            raise TypeError(f"observe returned {type(obs).__name__}, not a dict of the model's variables")
        return obs

    def _closest(self, states: list[tuple], obs: Mapping[str, object]) -> list[tuple[str, object, object]]:
        best: list[tuple[str, object, object]] | None = None
        for s in states:
            d = list(differences(obs, self.ref.state(s, obs)))
            if best is None or len(d) < len(best):
                best = d
        return best or []

    def _header(self, when: str) -> str:
        return f"the implementation disagrees with model {self.ref.model.name} ({self.ref.scope}) {when}:"

    def _trace(self) -> str:
        lines = []
        for i, st in enumerate(self.steps, 1):
            mark = "" if st.accepted is None else ("" if st.accepted else " (refused)")
            lines.append(f"  {i:>2}  {st}{mark}")
        return "\n".join(lines) if lines else "  (no step)"

    def _diff_text(self, diffs: list[tuple[str, object, object]], kind: str) -> str:
        head = "  its state is no initial state of the model:" if kind == "initial" else \
            "  its state is not one the model reaches by this step:"
        rows = [f"    {where}: implementation {shown(o)}, model {'(no such variable)' if e is None else shown(e)}"
                for where, o, e in diffs]
        return "\n".join([head, *rows])


def _default_call(impl: Any, name: str, args: dict[str, object]) -> object:
    method = getattr(impl, name, None)
    if method is None:
        raise AttributeError(f"the implementation ({type(impl).__name__}) has no method '{name}' for the model's "
                             f"action {name}: add it, or pass call=")
    return method(**args)


# ---------------------------------------------------------------- the state machine


def model_machine(model: I.Model | str | os.PathLike, params: Mapping[str, ParamValue] | None = None, *,
                  impl: Callable[[], Any], observe: Callable[[Any], Mapping[str, object]],
                  call: Callable[[Any, str, dict[str, object]], object] | None = None,
                  refuse: type[BaseException] | tuple[type[BaseException], ...] = Refused,
                  hidden: Mapping[str, Iterable[str]] | None = None, enabled_only: bool = False,
                  name: str | None = None) -> type:
    """A `hypothesis.stateful.RuleBasedStateMachine` subclass: one rule per action of the model
    instance that `params` picks (every param must have one value), drawing the action's
    arguments from their domains.  `impl()` makes a fresh implementation per run; `observe(impl)`
    its state as a (partial) dict of the model's variables; `call(impl, action, args)` performs an
    action (default: the method of the same name with keyword arguments); `refuse`: the
    exceptions that mean "refused" (NOTE(refusal)); `hidden`: per action, parameters the
    implementation chooses itself (not passed; the step matches any value the model allows);
    `enabled_only`: only draw steps the model allows (for an implementation that does not check
    guards).  Use `TestX = model_machine(...).TestCase` in a test module, or
    `hypothesis.stateful.run_state_machine_as_test`."""
    try:
        from hypothesis import strategies as st
        from hypothesis.stateful import RuleBasedStateMachine, precondition, rule
    except ImportError:
        raise ImportError("forkproof.testing.model_machine needs Hypothesis: pip install 'forkproof[testing]'") from None
    ref = Reference(model, params)
    refusals = refuse if isinstance(refuse, tuple) else (refuse,)
    hide = {k: tuple(v) for k, v in (hidden or {}).items()}
    for action, names in hide.items():
        a = ref.actions.get(action)
        if a is None or any(n not in {p.name for p in a.params} for n in names):
            raise ValueError(f"hidden={{{action!r}: {names!r}}}: {ref.model.name} has no such action parameter")

    def init(self) -> None:
        RuleBasedStateMachine.__init__(self)
        self.driver = Driver(ref, impl(), observe, call, refusals, hide)
        self.driver.start()

    attrs: dict[str, object] = {"__init__": init, "reference": ref}
    taken = set(dir(RuleBasedStateMachine))
    for a in ref.model.actions:
        shown_params = [p for p in a.params if p.name not in hide.get(a.name, ())]
        method = a.name if a.name not in taken and not a.name.startswith("_") else f"action_{a.name}"
        if not enabled_only:
            strategies = {p.name: st.sampled_from(ref.domain(a, p)) for p in shown_params}
            attrs[method] = rule(**strategies)(_free_step(a.name))
        else:
            attrs[method] = precondition(_any_enabled(a.name))(rule(data=st.data())(_enabled_step(a.name, shown_params)))
    return type(name or f"{ref.model.name}Machine", (RuleBasedStateMachine,), attrs)


def _free_step(action: str):
    def step(self, **args):
        self.driver.step(action, args)
    step.__name__ = action
    return step


def _enabled_choices(driver: Driver, action: str, shown_params: list[I.Binder]) -> list[dict[str, object]]:
    ref = driver.ref
    a = ref.actions[action]
    out: list[dict[str, object]] = []
    combos: list[dict[str, object]] = [{}]
    for p in a.params:
        combos = [{**c, p.name: v} for c in combos for v in ref.domain(a, p)]
    for c in combos:
        rt = ref.runtime_args(a, c)
        if any(ref.successors(s, action, rt) for s in driver.states):
            key = {p.name: c[p.name] for p in shown_params}
            if key not in out:
                out.append(key)
    return out


def _any_enabled(action: str):
    def enabled(self) -> bool:
        a = self.driver.ref.actions[action]
        hidden = self.driver.hidden.get(action, ())
        return bool(_enabled_choices(self.driver, action, [p for p in a.params if p.name not in hidden]))
    return enabled


def _enabled_step(action: str, shown_params: list[I.Binder]):
    def step(self, data):
        from hypothesis import strategies as st
        choices = _enabled_choices(self.driver, action, shown_params)
        self.driver.step(action, data.draw(st.sampled_from(choices), label=action))
    step.__name__ = action
    return step


# ---------------------------------------------------------------- ITF traces


@dataclass(frozen=True)
class Replay:
    """A trace replayed: its steps, each accepted by the implementation with a matching state."""

    model: str
    scope: str
    steps: tuple[Step, ...]


def replay_itf(trace: str | os.PathLike | Mapping, model: I.Model | str | os.PathLike | None = None, *,
               impl: Callable[[], Any], observe: Callable[[Any], Mapping[str, object]],
               params: Mapping[str, ParamValue] | None = None,
               call: Callable[[Any, str, dict[str, object]], object] | None = None,
               refuse: type[BaseException] | tuple[type[BaseException], ...] = Refused,
               translate: Callable[[dict], dict] | None = None) -> Replay:
    """Drive a fresh `impl()` through an ITF trace: for each pair of consecutive states, the
    model's step between them (its action and arguments; the trace's `#meta.action` or Quint's
    `mbt::actionTaken` picks among several), called on the implementation and checked as
    `model_machine` checks a step.  `model` defaults to the trace's `#meta.source` (forkproof's
    own traces); the instance's params are the trace's (`params` in the first state), updated by
    `params`.  `translate(state)` may rename an ITF state's variables or values to the model's
    first (Apalache and Quint traces of another spec).  Raises ConformanceError where the
    implementation disagrees, ValueError where the trace is not a run of the model."""
    doc = json.loads(Path(trace).read_text(encoding="utf-8")) if not isinstance(trace, Mapping) else trace
    states = [dict(s) for s in doc.get("states", [])]
    if translate is not None:
        states = [translate(s) for s in states]
    if not states:
        raise ValueError("the trace has no states")
    if model is None:
        model = doc.get("#meta", {}).get("source")
        if model is None:
            raise ValueError("the trace does not say its model (#meta.source): pass model=")
    m = load(model) if not isinstance(model, I.Model) else model
    given = {}
    for name in doc.get("params", []):
        if name in states[0]:
            given[name] = _itf_plain(states[0][name])
    ref = Reference(m, {**given, **(params or {})})
    skip = set(doc.get("params", [])) | {"#meta"}
    layout = {name for name in itf_state(m, ref.inst.display_state(ref.initial()[0]))}
    wanted = [k for k in states[0] if k not in skip and not k.startswith("mbt::")]
    unknown = [k for k in wanted if k not in layout]
    if unknown:
        raise ValueError(f"the trace's variables {', '.join(unknown)} are no variables of model {m.name} "
                         f"(its variables: {', '.join(sorted(layout))}); pass translate= to rename them")

    def fits(s: tuple, i: int) -> bool:
        mine = itf_state(m, ref.inst.display_state(s))
        return all(_same_itf(states[i][k], mine[k]) for k in states[i] if k in layout)

    driver = Driver(ref, impl(), observe, call, refuse if isinstance(refuse, tuple) else (refuse,))
    initial = [s for s in ref.initial() if fits(s, 0)]
    if not initial:
        raise ValueError(f"the trace's first state is no initial state of model {m.name} ({ref.scope})")
    driver.start(initial)
    driver.states = [s for s in driver.states if fits(s, 0)]
    for i in range(1, len(states)):
        options = []  # (action, args) of the model's steps from the current states to trace state i
        for s in driver.states:
            for ai in ref.prog.actions:
                if any(fits(t, i) for t in ref.successors(s, ai.action.name, ai.args)):
                    label = (ai.action.name, tuple((p.name, py_leaf(v, p.ty)) for p, v in zip(ai.action.params, ai.args)))
                    if label not in options:
                        options.append(label)
        hint = _action_hint(states[i])
        if hint is not None:
            named = [o for o in options if o[0] == hint[0] and (hint[1] is None or _same_args(o[1], hint[1]))]
            options = named or options
        if not options:
            raise ValueError(f"step {i} of the trace is no step of model {m.name} ({ref.scope}) from the state before it")
        name, args = options[0]
        driver.step(name, dict(args), keep=lambda t, i=i: fits(t, i))
    return Replay(m.name, ref.scope, tuple(driver.steps))


def _action_hint(state: Mapping) -> tuple[str, dict | None] | None:
    meta = state.get("#meta") or {}
    if isinstance(meta, Mapping) and isinstance(meta.get("action"), str):
        args = meta.get("args")
        return meta["action"], ({k: _itf_plain(v) for k, v in args.items()} if isinstance(args, Mapping) else None)
    taken = state.get("mbt::actionTaken")
    if isinstance(taken, str):
        return taken, None
    return None


def _same_args(mine: tuple, hint: dict) -> bool:
    """Whether the model's arguments (Python values) are the trace's (`Validator[0]` or 0 for an id)."""
    for name, value in mine:
        if name not in hint:
            continue
        h = hint[name]
        if isinstance(h, str) and h.endswith("]") and "[" in h and isinstance(value, int) and not isinstance(value, bool):
            h = int(h[h.index("[") + 1:-1])
        if not (h == value and isinstance(h, bool) == isinstance(value, bool)):
            return False
    return True


def _itf_plain(v: object) -> object:
    """An ITF value as a plain Python value: `{"#bigint": "5"}` -> 5, a one-tag variant (Quint's
    enums) -> its tag, `#tup`, `#set` and `#map` -> tuple, frozenset, dict; records stay dicts."""
    if isinstance(v, Mapping):
        if "#bigint" in v:
            return int(v["#bigint"])
        if "#tup" in v:
            return tuple(_itf_plain(x) for x in v["#tup"])
        if "#set" in v:
            return frozenset(_freeze(_itf_plain(x)) for x in v["#set"])
        if "#map" in v:
            return {_freeze(_itf_plain(k)): _itf_plain(x) for k, x in v["#map"]}
        if "#unserializable" in v:
            return str(v["#unserializable"])
        if set(v) == {"tag", "value"} and _itf_plain(v["value"]) in ((), {}):
            return v["tag"]
        return {k: _itf_plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return tuple(_itf_plain(x) for x in v)
    if isinstance(v, str) and "/" in v:
        try:
            return Fraction(v)
        except ValueError:
            return v
    return v


def _freeze(v: object) -> object:
    if isinstance(v, dict):
        return tuple(sorted((k, _freeze(x)) for k, x in v.items()))
    return v


def _same_itf(theirs: object, mine: object) -> bool:
    """A trace's value equals the model's (both ITF): numbers exactly, maps whatever their
    entries' order, a `#set` against the model's map to bool (a set variable) by its members."""
    a, b = _itf_plain(theirs), _itf_plain(mine)
    if isinstance(a, frozenset) and isinstance(b, dict):
        return a == frozenset(k for k, x in b.items() if x is True)
    if isinstance(b, str) and not isinstance(a, str):  # a rat written as text: "3"
        try:
            b = Fraction(b)
        except ValueError:
            return False
    return _equal(a, b)


def _equal(a: object, b: object) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    return a == b


# ---------------------------------------------------------------- conform


@dataclass(frozen=True)
class Conformance:
    """What `conform` found: `agree`, the counts, and the smallest disagreeing input."""

    report: ConformReport

    @property
    def exit_code(self) -> int:
        return self.report.exit_code

    @property
    def agree(self) -> bool:
        return self.report.smallest is None

    @property
    def compared(self) -> int:
        return self.report.compared

    @property
    def beyond(self) -> int:
        return self.report.beyond

    @property
    def disagreements(self) -> int:
        return self.report.disagreements

    @property
    def smallest(self) -> dict[str, object] | None:
        """The smallest disagreeing input (NOTE(conform-smallest)) as the function was given it,
        with the params it depends on."""
        return None if self.report.smallest is None else dict(self.report.smallest.inputs)

    @property
    def model_value(self) -> object:
        return None if self.report.smallest is None else self.report.smallest.model

    @property
    def impl_value(self) -> object:
        return None if self.report.smallest is None else self.report.smallest.impl

    def text(self) -> str:
        return conform_text(self.report)


def conform(model: I.Model | str | os.PathLike, rule: str, impl: Callable[..., object],
            params: Mapping[str, ParamValue] | None = None, *, up_to: int = 6, examples: int = EXAMPLES,
            seed: int | None = None, max_inputs: int = MAX_INPUTS) -> Conformance:
    """`forkproof conform` from Python: `rule` (a def or threshold of `model`) against the function
    `impl`, with the same options; ModelError where the command would exit 2."""
    m = load(model) if not isinstance(model, I.Model) else model
    name = getattr(impl, "__qualname__", None) or getattr(impl, "__name__", None) or repr(impl)
    module = getattr(impl, "__module__", None)
    fn = Impl(impl, f"{module}:{name}" if module else name)
    return Conformance(run_conform(m, rule, fn, bindings(m, params), up_to=up_to, examples=examples, seed=seed,
                                   max_inputs=max_inputs))

