"""What a check returns: per instance the engine's result, per property one verdict over
every instance checked, and the exit code that follows (NOTE(exit-codes)); what `diff`
returns: both versions and each property's change (forkproof.run.diff).

Plain data, no engine imported: the output layer (forkproof.output) reads these types.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from forkproof.semantics.verdict import EngineResult, ExitCode, Status, Verdict
from forkproof.spec import ir as I
from forkproof.spec.errors import Span

if TYPE_CHECKING:  # types of diff results only: `check` does not load the threshold analysis
    from forkproof.analysis.relation import RuleComparison
    from forkproof.analysis.report import ThresholdReport


@dataclass(frozen=True)
class InstanceRun:
    params: dict[str, object]  # runtime values, declaration order
    scope: str
    result: EngineResult


@dataclass(frozen=True)
class Expectation:
    """NOTE(expect) in spec/ir.py: the `expect violated` that applies to one result's scope."""

    verdict: str  # "violated"
    reason: str | None
    condition: str | None  # the `when` condition as written, None when it applies to every scope
    span: Span | None = None  # the `expect ...` clause


@dataclass(frozen=True)
class PropertyResult:
    """The verdict of one property over every instance checked."""

    verdict: Verdict  # the deciding instance's verdict (first violation, first unknown, or last holds)
    scope: str  # what the verdict covers, e.g. "N = 2" or "N = 1..6"
    per_instance: tuple[tuple[str, Status], ...]
    expect: Expectation | None = None  # the model expects this result to be violated
    # NOTE(report-groups): the values of the finite params that set this result apart from the
    # property's other results ("RULE = Code"), "" when it has no others: the text report's column
    group: str = ""
    # a proof for every size, beside what the fixed sizes showed: (the sizes checked, their
    # verdict), e.g. ("N = 1..6, RULE = Code", "holds (exhaustive)"); also a note of the verdict
    cross_check: tuple[str, str] | None = None


def note_kind(text: str) -> str:
    """NOTE(note-kinds): what one of a verdict's notes says, for the text report (JSON keeps
    them all): "invariant", a proof's inductive invariant, and "proof", how it was proved
    and re-checked (both shown with --verbose only); "cross-check", the fixed sizes beside a
    proof for every size (PropertyResult.cross_check); "sizes", the smallest size that breaks
    it (said in the violation's heading); "" anything else, always shown under its property."""
    if text.startswith("inductive invariant of "):
        return "invariant"
    if text.startswith(("proved by ", "liveness to safety", "every initial state satisfies it")):
        return "proof"
    if text.startswith("cross-checked for "):
        return "cross-check"
    if text.startswith("the smallest size that breaks it"):
        return "sizes"
    return ""


@dataclass(frozen=True)
class Selection:
    """`--property` / `--skip` (forkproof.run.select): the invariants and properties checked
    and those left out, in declaration order, the built-in `deadlock` last."""

    checked: tuple[str, ...]
    skipped: tuple[str, ...] = ()
    by: str = "--property, --skip"  # the options that chose: "--no-liveness" added when it was given


@dataclass(frozen=True)
class Budget:
    """NOTE(budgets) in checker/run/portfolio.py: the time budget a check ran under."""

    engine: str
    seconds: float
    per: str  # "property" or "instance"
    default: bool  # the engine's default (True) or --timeout (False)
    every_size: float | None = None  # seconds per property of the every-size proof (forkproof.run.sizes), if it ran

    def text(self) -> str:
        """"budget 30s per property (default)"; with the every-size proof, its budget too."""
        out = f"budget {self.seconds:g}s per {self.per}"
        if self.every_size is not None:
            out += f", every size {self.every_size:g}s per property"
        return out + (" (default)" if self.default else " (--timeout)")

    def to_json(self) -> dict:
        return {"engine": self.engine, "seconds": self.seconds, "per": self.per,
                "source": "default" if self.default else "--timeout", "every_size_seconds": self.every_size}

    def for_result(self, engine: str) -> dict:
        """The budget the engine that gave a result ran under: {"seconds": 30.0, "per": "property"}."""
        if self.every_size is not None and "counters" in engine:
            return {"seconds": self.every_size, "per": "property"}
        return {"seconds": self.seconds, "per": self.per}


@dataclass(frozen=True)
class CheckReport:
    model: I.Model
    engine: str
    instances: tuple[InstanceRun, ...]
    properties: tuple[PropertyResult, ...]
    notes: tuple[str, ...]
    seconds: float
    selection: Selection | None = None  # None: every invariant and property (not made by check_model)
    budget: Budget | None = None  # the time budget (NOTE(budgets)); None: not made by check_model


STRENGTH = {Status.PROVED: 3, Status.HOLDS: 2, Status.BOUNDED: 1}
REQUIRE = {"proof": 3, "exhaustive": 2, "bounded": 1}


def outcome(p: PropertyResult, require: str = "exhaustive") -> str | None:
    """NOTE(expect-outcome): what became of a result's expectation.  None: it has none;
    "expected": violated, as the model expects (not a failure, and not a pass either);
    "fixed": it holds, as strongly as `require` asks, though the model expects a violation
    (the bug was fixed, or the expectation is wrong: a failure until the `expect` is removed);
    "inconclusive": unknown, or a verdict weaker than `require` (exit 3, as without it)."""
    if p.expect is None:
        return None
    if p.verdict.status is Status.VIOLATED:
        return "expected"
    if STRENGTH.get(p.verdict.status, 0) >= REQUIRE[require]:
        return "fixed"
    return "inconclusive"


def exit_code(reports: list[CheckReport], require: str = "exhaustive") -> int:
    """NOTE(exit-codes): 0 nothing violated and every verdict at least as strong as
    `require`; 1 a property is violated; 3 inconclusive (unknown, or weaker than required).
    2 (bad model or command line) is decided by the CLI before any check runs.
    NOTE(expect-outcome): a violation the model expects is not a failure; a result the
    model expects violated that holds ("fixed") is exit 1."""
    results = [p for r in reports for p in r.properties]
    if any(p.verdict.status is Status.VIOLATED and p.expect is None for p in results):
        return ExitCode.VIOLATED
    if any(outcome(p, require) == "fixed" for p in results):
        return ExitCode.VIOLATED
    need = REQUIRE[require]
    if any(STRENGTH.get(p.verdict.status, 0) < need for p in results if outcome(p, require) != "expected"):
        return ExitCode.INCONCLUSIVE
    return ExitCode.OK


# ---------------------------------------------------------------- diff

# change id -> text; the order is the order of the summary line
CHANGES = {
    "newly_violated": "newly violated",
    "expectation_stale": "holds though expected violated",
    "weakened": "weakened",
    "unknown_was_violated": "unknown (was violated)",
    "still_violated": "still violated",
    "expected_violated": "violated as expected",
    "still_unknown": "still unknown",
    "added": "added",
    "removed": "removed",
    "fixed": "fixed",
    "newly_holds": "newly holds",
    "still_holds": "still holds",
}


@dataclass(frozen=True)
class FixedParam:
    """An int param that one side of a diff checked at given values only."""

    name: str
    values: str  # "4", "1..6", "2, 5"
    origin: str  # "--param", "model" (the model's `= value`) or "sweep" (the model's `in lo..hi`)
    declared_open: bool = False  # the model gives it no value: without --param it is checked for every size


@dataclass(frozen=True)
class Coverage:
    """NOTE(diff-coverage) in checker/run/diff.py: the sizes one side's verdicts cover."""

    every_size: str | None  # "all N with N >= 1": the open int params, for the every-size proof; None: none open
    open: tuple[str, ...]  # the open int params ("N",)
    cross_checked: str | None  # "N = 1..6": the sizes the engine checked instance by instance (open params)
    beyond: str | None  # "N = 7": those beyond --up-to (the counters found a violation there)
    up_to: int  # --up-to
    proved: int  # properties proved for every size
    properties: int  # properties checked
    fixed: tuple[FixedParam, ...]  # int params checked at given values only


@dataclass(frozen=True)
class Version:
    """One side of the diff: where it came from, its model and its check report."""

    label: str  # "models/x.fork" or "models/x.fork@origin/main"
    model: I.Model
    report: CheckReport
    coverage: Coverage | None = None  # NOTE(diff-coverage); None: not made by check_version


@dataclass(frozen=True)
class Change:
    name: str
    kind: str
    params: tuple[tuple[str, str], ...]  # the finite params in its scope (NOTE(diff-match))
    change: str  # a key of CHANGES
    old: PropertyResult | None
    new: PropertyResult | None


@dataclass(frozen=True)
class ThresholdChange:
    name: str
    change: str  # "changed" | "added" | "removed"
    old: ThresholdReport | None
    new: ThresholdReport | None
    comparison: RuleComparison | None = None  # "changed": NEW's rule against OLD's (NOTE(rule-relation))
