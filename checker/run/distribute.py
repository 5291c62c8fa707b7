"""Where a check's instances run: one after another in this process, or as Ray tasks.

NOTE(ray): with `--ray ADDRESS` every instance of a check (each value of a sweep, each fixed
size beside an every-size proof) is a Ray task.  A task gets the model, the params and the
engine options (without the run's Control: progress callbacks stay in this process),
instantiates the model, runs the engine and sends its EngineResult back.  Results are taken
in the order of the plan, so the report is the one the same check gives without Ray: the
same state counts, verdicts and traces.  The fixed sizes of an every-size check are sent
before the proof on the counters starts, so both run at once.  Verdicts reach `--stream`
when their instance comes back, not as they land; Ctrl-C cancels the tasks.

ADDRESS is what `ray.init` takes: `auto` joins the cluster this machine belongs to (a `ray
start` on it, or RAY_ADDRESS) and starts a local one when there is none; `local` always
starts a local one (on the loopback address, with this machine's cores); `HOST:PORT` or
`ray://HOST:PORT` joins that cluster (docs/scale.md).  Ray is an optional extra: without it
`--ray` is a usage error that says how to install it.
"""
from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace

from forkproof.run.plan import scope_of
from forkproof.run.portfolio import EngineOptions, backstop_seconds, run_engine, stopped_result
from forkproof.run.results import InstanceRun
from forkproof.semantics.control import Control, default_memory_budget
from forkproof.semantics.instance import instantiate
from forkproof.semantics.verdict import EngineResult
from forkproof.spec import ir as I

RAY_HINT = "--ray needs Ray, an optional extra of forkproof: pip install 'forkproof[ray]'"


class RayUnavailable(RuntimeError):
    """--ray was given, but Ray cannot be imported or its cluster cannot be reached."""


def _ray():
    try:
        import ray
    except ImportError as e:
        raise RayUnavailable(RAY_HINT) from e
    return ray


def connect(address: str) -> None:
    """Join (or start) the Ray cluster at `address`, once per process (NOTE(ray))."""
    ray = _ray()
    if ray.is_initialized():
        return
    quiet = dict(include_dashboard=False, logging_level=logging.ERROR, log_to_driver=False)
    try:
        if address == "local":
            ray.init(address="local", _node_ip_address="127.0.0.1", **quiet)
        elif address == "auto":
            try:
                ray.init(address="auto", **quiet)
            except ConnectionError:
                ray.init(address="local", _node_ip_address="127.0.0.1", **quiet)
        else:
            ray.init(address=address, **quiet)
    except (ConnectionError, ValueError, RuntimeError) as e:
        raise RayUnavailable(f"--ray {address}: the Ray cluster could not be reached ({type(e).__name__}); "
                             f"start one with `ray start --head` (docs/scale.md)") from None


def _run_one(model: I.Model, params: dict[str, object], options: EngineOptions) -> EngineResult:
    """One instance: made, compiled and searched.  NOTE(phase-budget) in
    checker/semantics/control.py: making and compiling it run under the instance's time budget
    and the memory budget until the engine's search starts (the symbolic engines, which encode
    expressions as they need them, under their budget per property times the properties, plus
    two, to the end); crossing one, running out of memory, or a number past the limit `digits`
    makes every verdict of the instance unknown."""
    from forkproof.semantics.compile import ValueLimit
    control, scope = options.control, scope_of(model, params)
    memory = options.memory if options.memory is not None else default_memory_budget()
    what = f"preparing the instance {scope}" if scope else "preparing the instance"
    seconds = options.budget.seconds
    if options.budget.per == "property":  # the symbolic engines encode as they go: watched to the end
        seconds = backstop_seconds(model, seconds)
    try:
        with nullcontext() if control is None else control.within(what, seconds, memory):
            return run_engine(instantiate(model, params), options)
    except ValueLimit as e:
        return stopped_result(model, scope, options, model.limits.past_digits(e))
    except Exception as e:  # memory, or a budget (BudgetExceeded, or what the code it landed in wrapped it into)
        reason = (control or Control()).stop_reason(e, what)
        if reason is None:
            raise
        return stopped_result(model, scope, options, reason)


@dataclass
class Pending:
    """Instances sent to run (as Ray tasks) or to be run here when their results are asked for."""

    model: I.Model
    jobs: list[tuple[dict[str, object], EngineOptions]]  # (params, options) of each instance
    refs: list | None = None

    def results(self) -> list[InstanceRun]:
        """The runs, in the order of the jobs; here, they stop at a Ctrl-C (NOTE(interrupt))."""
        out = []
        if self.refs is None:
            for combo, options in self.jobs:
                if options.control is not None:
                    if options.control.cancelled:
                        break
                    options.control.scope = scope_of(self.model, combo)
                out.append(InstanceRun(combo, scope_of(self.model, combo), _run_one(self.model, combo, options)))
            return out
        ray = _ray()
        try:
            results = ray.get(self.refs)
        except KeyboardInterrupt:
            for r in self.refs:
                ray.cancel(r)
            raise
        for (combo, options), res in zip(self.jobs, results):
            if options.control is not None:
                options.control.scope = scope_of(self.model, combo)
                for v in res.verdicts:
                    options.control.landed(v)
            out.append(InstanceRun(combo, scope_of(self.model, combo), res))
        return out


def submit(model: I.Model, jobs: Sequence[tuple[dict[str, object], EngineOptions]], ray_address: str | None) -> Pending:
    """Start the instances of `jobs` ((params, options) each): as Ray tasks at `ray_address`
    (NOTE(ray)), or, when it is None, one after another here when their results are asked for."""
    pending = Pending(model, list(jobs))
    if ray_address is None or not jobs:
        return pending
    ray = _ray()
    connect(ray_address)
    task = ray.remote(_run_one)
    shared = ray.put(model)
    pending.refs = [task.remote(shared, combo, replace(options, control=None)) for combo, options in jobs]
    return pending
