"""The Python API: load a model, check it, analyse its thresholds, compare two versions.

    import forkproof
    model = forkproof.load("models/libra_framework_upgrade.fork")
    report = forkproof.check(model, params={"N": 2, "RULE": "Code"})
    report.exit_code                      # 1: a property is violated
    [r.name for r in report.results if r.verdict == "violated"]

Every function returns data (frozen dataclasses, plain dicts and lists in traces) and
prints nothing; the same run gives the same report as `forkproof check` with the same
options (the command line is built on these functions).  Bad input raises `ModelError`,
whose `diagnostics` carry a code, a message and a span.  There is no module-level state:
each call gets its own cancellation flag (NOTE(interrupt) in checker/semantics/control.py),
so a Ctrl-C in one check never changes the next.  docs/api.md is the reference.
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from forkproof.output import diff as diff_output
from forkproof.output import report as report_output
from forkproof.output import thresholds as thresholds_output
from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.choices import ENGINES, SIMULATE_DEPTH
from forkproof.run.portfolio import EngineOptions, new_seed
from forkproof.run.results import Change, CheckReport, ThresholdChange, Version, exit_code
from forkproof.semantics.control import Control
from forkproof.spec import ir as I
from forkproof.spec.limits import DEFAULT as DEFAULT_LIMITS, Limits
from forkproof.spec.load import load_text, read_source
from forkproof.analysis.report import ThresholdReport

# `params` values: an int, bool, rational or enum member name, a `range` or a list of them,
# or a string as --param takes it ("4", "1..6", "Code", "4/5", "80%")
ParamValue = int | bool | str | Fraction | range | Iterable[int | bool | str | Fraction]


# ---------------------------------------------------------------- loading


def load(source: str | os.PathLike[str], limits: Limits = DEFAULT_LIMITS) -> I.Model:
    """A model from a file path (a `Path`, or a one-line string naming a file) or from its text.
    `limits`: what a run may take on (docs/limits.md); the model keeps them for its checks.

    Raises ModelError with every diagnostic found (docs/api.md: catching and printing them)."""
    if isinstance(source, os.PathLike):
        return load_text(read_source(source, limits), os.fspath(source), limits=limits)
    if "\n" not in source and (source.endswith(".fork") or Path(source).is_file()):
        return load_text(read_source(source, limits), source, limits=limits)
    return load_text(source, limits=limits)


def bindings(model: I.Model, params: Mapping[str, ParamValue] | None) -> dict[str, list[object]]:
    """`params` as the planner's bindings: each value checked against its param's type, exactly
    as `--param K=V` is (ModelError FP501/FP503 otherwise)."""
    out: dict[str, list[object]] = {}
    for name, value in (params or {}).items():
        values: list[object] = []
        for item in _items(value):
            values.extend(parse_bindings(model, [f"{name}={item}"])[name])
        out[name] = values
    return out


def _items(value: ParamValue) -> list[str]:
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, (int, str, Fraction)):
        return [str(value)]
    if isinstance(value, range) and value.step == 1 and len(value) > 0:
        return [f"{value.start}..{value.stop - 1}"]
    return [x for v in value for x in _items(v)]


# ---------------------------------------------------------------- check


@dataclass(frozen=True)
class Result:
    """One property's verdict over one scope, as `--format json` reports it (docs/json-schema.md)."""

    name: str
    kind: str  # "invariant" | "step invariant" | "property" | "deadlock" | "runtime"
    verdict: str  # "proved" | "holds_exhaustive" | "holds_bounded" | "violated" | "unknown"
    verdict_text: str  # "holds up to depth 8", as the text report says it
    scope: str  # "N = 2, RULE = Code" or "all N with N >= 1, RULE = Intended"
    engine: str
    states: int | None
    depth: int | None
    seconds: float
    reason: str | None
    notes: tuple[str, ...]
    trace: dict | None  # {"loop_start", "closing", "steps": [{"index", "action", "args", "changed", "state", ...}]}
    expected: dict | None = None  # `expect violated` in the model: {"verdict", "reason", "when", "line", "outcome"}


@dataclass(frozen=True)
class Report:
    """What `check` returns: every property's result, the exit code the CLI would give, and
    the underlying report (`raw`) for the text, JSON, JUnit and SARIF writers."""

    model: str
    file: str
    exit_code: int
    results: tuple[Result, ...]
    notes: tuple[str, ...]
    raw: CheckReport
    require: str = "exhaustive"

    def text(self, color: bool = False) -> str:
        """The text report, as `forkproof check` prints it (without the final summary line)."""
        return report_output.render_text(self.raw, color=color, require=self.require)

    def to_json(self, timings: bool = False) -> str:
        """The `--format json` document for this model alone."""
        return report_output.render_json([self.raw], self.exit_code, timings=timings, require=self.require)

    def violated(self) -> list[Result]:
        return [r for r in self.results if r.verdict == "violated"]


def check(model: I.Model, params: Mapping[str, ParamValue] | None = None, *, engine: str = "explicit",
          require: str = "exhaustive", symmetry: bool = True, deadlock: bool = True, max_states: int | None = None,
          timeout: float | None = None, depth: int | None = None, up_to: int = 6, certificate: str | None = None,
          progress: Callable[[str, int, int, int, float], None] | None = None, properties: Iterable[str] = (),
          skip: Iterable[str] = (), runs: int = 1000, seed: int | None = None, store: str = "exact",
          memory: int | None = None, ray: str | None = None, workers: int = 1, liveness: bool = True) -> Report:
    """Check every invariant and property of `model`, as `forkproof check` does with the same
    options (README, "Command line").  Params left out take their default or sweep; an int
    param with no value at all is checked for every size.  `progress(scope, states, depth,
    queue, seconds)` is called about twice a second during an explicit search.  A
    KeyboardInterrupt during the search ends it: what was found stands, the rest is unknown.
    `properties` / `skip`: names or globs, as --property / --skip (ModelError FP520, FP521);
    `liveness=False`: the properties other than `always P` left out, as --no-liveness.
    `depth`: bmc's unrolling and kind's largest k (default 20), or the steps per run of
    `engine="simulate"` (default 100); `runs` and `seed`: simulate's runs per instance and
    its seed (None: a fresh one, in the report's notes).  `store`, `memory`: the explicit
    engine's state store ("exact" or "fingerprint") and memory budget in bytes, as --store
    and --memory; `workers`: processes for one explicit search, as --workers; `ray`: a Ray cluster's address, as --ray (docs/scale.md; RuntimeError
    when Ray is not installed or the cluster cannot be reached)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    if require not in ("proof", "exhaustive", "bounded"):
        raise ValueError(f"require must be proof, exhaustive or bounded, not {require!r}")
    if engine == "simulate" and seed is None:
        seed = new_seed()  # one per check, as the CLI draws it
    options = EngineOptions(engine=engine, symmetry=symmetry, deadlock=deadlock, max_states=max_states,
                            timeout=timeout, depth=depth if depth is not None else 20, certificate=certificate,
                            require=require, up_to=up_to, control=Control(progress=progress), runs=runs, seed=seed,
                            sim_depth=depth if depth is not None else SIMULATE_DEPTH, store=store, memory=memory, ray=ray,
                            workers=workers)
    raw = check_model(model, bindings(model, params), options, list(properties), list(skip), liveness=liveness)
    doc = report_output.report_json(raw, timings=True, require=require)
    results = tuple(Result(p["name"], p["kind"], p["verdict"], p["verdict_text"], p["scope"], p["engine"], p["states"],
                           p["depth"], p["seconds"], p["reason"], tuple(v.verdict.notes), p["trace"], p["expected"])
                    for p, v in zip(doc["properties"], raw.properties))
    return Report(model.name, model.path, int(exit_code([raw], require)), results, raw.notes, raw, require)


# ---------------------------------------------------------------- thresholds


@dataclass(frozen=True)
class ThresholdsReport:
    """What `thresholds` returns: one analysis per `threshold` of the model (docs/thresholds.md)."""

    model: I.Model
    exit_code: int  # NOTE(thresholds-exit) in checker/run/thresholds.py
    thresholds: tuple[ThresholdReport, ...]

    def text(self) -> str:
        return thresholds_output.render_text(self.model, list(self.thresholds), self.exit_code)

    def to_json(self) -> dict:
        return thresholds_output.to_json(self.model, list(self.thresholds), self.exit_code)


def thresholds(model: I.Model, params: Mapping[str, ParamValue] | None = None, *, up_to: int = 20,
               properties: Iterable[str] = (), faulty: str | None = None, theta: str | None = None,
               rules: Iterable[str] = ()) -> ThresholdsReport:
    """What each threshold rule of `model` (those named in `rules`, when given) demands, as
    `forkproof thresholds` reports it."""
    from forkproof.run.thresholds import analyse_thresholds  # z3 (NOTE(lazy-engines) in checker/run/portfolio.py)
    from forkproof.run.thresholds import exit_code as thresholds_exit_code
    reports = analyse_thresholds(model, bindings(model, params), up_to, list(properties), faulty, theta, list(rules))
    return ThresholdsReport(model, int(thresholds_exit_code(reports)), tuple(reports))


# ---------------------------------------------------------------- diff


@dataclass(frozen=True)
class DiffReport:
    """What `diff` returns: each property's change between the versions, and changed thresholds."""

    old: Version
    new: Version
    exit_code: int  # NOTE(diff-exit) in checker/run/diff.py
    changes: tuple[Change, ...]
    thresholds: tuple[ThresholdChange, ...]

    def text(self) -> str:
        return diff_output.render_text(self.old, self.new, list(self.changes), list(self.thresholds), self.exit_code)

    def to_json(self) -> dict:
        return diff_output.to_json(self.old, self.new, list(self.changes), list(self.thresholds), self.exit_code)


def diff(old: I.Model, new: I.Model, params: Mapping[str, ParamValue] | None = None, *, engine: str = "explicit",
         symmetry: bool = True, deadlock: bool = True, max_states: int | None = None, timeout: float | None = None,
         depth: int = 20, up_to: int = 6, table_up_to: int = 10, properties: Iterable[str] = (),
         skip: Iterable[str] = (), liveness: bool = True) -> DiffReport:
    """Check two versions of a model alike and classify what changed, as `forkproof diff` does.
    A param only one version has is bound on that side only; `properties` / `skip` / `liveness` as for `check`."""
    from forkproof.run.diff import check_version, match, threshold_changes  # z3, as thresholds
    from forkproof.run.diff import exit_code as diff_exit_code
    options = EngineOptions(engine=engine, symmetry=symmetry, deadlock=deadlock, max_states=max_states,
                            timeout=timeout, depth=depth, up_to=up_to)  # control None: each check its own
    items = [f"{k}={x}" for k, v in (params or {}).items() for x in _items(v)]
    only, skipped = list(properties), list(skip)
    b_old, v_old = check_version(old.path, old, new, items, options, only, skipped, liveness)
    b_new, v_new = check_version(new.path, new, old, items, options, only, skipped, liveness)
    changes = match(v_old, v_new)
    tchanges = threshold_changes(old, new, (b_old, b_new), table_up_to)
    return DiffReport(v_old, v_new, int(diff_exit_code(changes, tchanges)), tuple(changes), tuple(tchanges))

