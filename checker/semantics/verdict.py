"""Result types shared by every engine: a Verdict per property, with its Trace.

NOTE(display): values in traces are display values, not runtime values (NOTE(values) in
spec/ir.py): bool -> bool, int -> int, enum -> member name, process id -> "Family[i]"
(0-based), rational -> int when integral else "p/q".  Locations are named `x`, `m[k]`,
`Validator[2].ballot`, `Validator[2].m[k]`, a record's field as the model writes it,
`props[P1].tally.yes` (the slots' labels: NOTE(slot-labels) in `forkproof.semantics.instance`).
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from forkproof.spec.nodes import node


class ExitCode(enum.IntEnum):
    """NOTE(exit-codes), the one definition of the process's exit codes (docs/architecture.md):
    0 nothing violated, and every verdict at least as strong as --require;
    1 a property is violated (or, for `diff`, a regression);
    2 the model or the command line is wrong (diagnostics on stderr);
    3 inconclusive: an unknown verdict, a verdict weaker than --require, a budget or limit
      crossed before any verdict (docs/limits.md);
    4 internal error: a bug in forkproof, never the user's mistake, told apart from 3 so that a
      CI gate that accepts "unknown" does not accept a crash."""

    OK = 0
    VIOLATED = 1
    USAGE = 2
    INCONCLUSIVE = 3
    INTERNAL = 4


class Status(enum.Enum):
    PROVED = "proved"
    HOLDS = "holds (exhaustive)"
    BOUNDED = "holds up to depth"
    SAMPLED = "no violation found"  # random runs found none (NOTE(simulate)): never "holds"
    VIOLATED = "violated"
    UNKNOWN = "unknown"


@node  # a frozen dataclass, cheaper to define (NOTE(node-methods) in spec/nodes.py)
class Step:
    """One state of a trace and the action that led to it (None for the initial state)."""

    action: str | None
    args: tuple[tuple[str, object], ...]
    state: dict[str, object]  # every location -> display value
    changed: tuple[str, ...]  # locations that differ from the previous step (all for step 0)
    thresholds: tuple[str, ...] = ()  # thresholds that changed value on this step, spelled out (checker/semantics/explain.py)


@node
class Trace:
    """A finite run; `loop_start` is the index the last step loops back to (lassos)."""

    steps: tuple[Step, ...]
    loop_start: int | None = None
    # a lasso's closing step: the action from the last state back to steps[loop_start]
    # (its state is that state again); None for a finite trace and for a deadlock lasso,
    # whose last state stutters forever (then loop_start is the last index)
    closing: Step | None = None
    # NOTE(shorten): the length of the random run this trace was shortened from (simulate);
    # None: the engine's trace is a shortest one (explicit, bmc)
    shortened_from: int | None = None


@node
class Verdict:
    name: str
    kind: str  # "invariant" | "step invariant" | "property" | "deadlock" | "runtime"
    status: Status
    scope: str  # "N = 4", or "" when the model has no params
    engine: str
    states: int | None
    depth: int | None
    seconds: float
    trace: Trace | None = None
    reason: str | None = None  # why UNKNOWN, or what a runtime error was
    notes: tuple[str, ...] = ()
    runs: int | None = None  # SAMPLED: how many random runs found no violation


@dataclass
class EngineResult:
    """What every engine returns for one instance: a verdict per property and how far it got
    (`states` and `transitions` are 0 for symbolic engines; `depth` is the BFS depth or the
    unrolling depth reached; `complete` is true when the whole state space was covered)."""

    verdicts: list[Verdict]
    states: int
    depth: int
    transitions: int
    seconds: float
    complete: bool
    notes: list[str] = field(default_factory=list)
