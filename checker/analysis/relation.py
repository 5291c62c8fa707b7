"""What comparing two versions of a threshold rule found (forkproof.analysis.compare):
plain data, no solver, so that the output layer can show it.

NOTE(rule-relation): over the same configurations (NOTE(configuration) in
checker/analysis/encode.py), NEW is
  - "equal" when it passes exactly the configurations OLD passes;
  - "weaker" when it passes every configuration OLD passes and more;
  - "stronger" when OLD passes every configuration NEW passes and more;
  - "incomparable" when each passes a configuration the other fails;
  - "unknown" when one of the two questions below has no answer.
Two questions decide it: does NEW pass a configuration OLD fails (`admits_more`), and does
OLD pass one NEW fails (`rejects_more`).  A "yes" comes with a witness and holds wherever it
was found; a "no" holds for the `scope` (every population size, or only N = 1..K).
"""
from __future__ import annotations

from dataclasses import dataclass, field

RELATIONS = ("equal", "weaker", "stronger", "incomparable", "unknown")


@dataclass(frozen=True)
class Witness:
    """One configuration that passes one version of the rule and fails the other."""

    passes: str  # "NEW" or "OLD": the version it passes (it fails the other)
    params: tuple[tuple[str, object], ...]  # the params the rules read, population first, as display values
    # (NOTE(display) in checker/semantics/verdict.py: int, bool, enum member name, "p/q"): (("N", 2),)
    config: str  # "1 x (ballot = Yes), 1 x (ballot = No)", the configuration text of `forkproof thresholds`

    @property
    def fails(self) -> str:
        return "OLD" if self.passes == "NEW" else "NEW"

    def text(self) -> str:
        """"N = 2: 1 x (ballot = Yes), 1 x (ballot = No)"."""
        head = ", ".join(f"{n} = {str(v).lower() if isinstance(v, bool) else v}" for n, v in self.params)
        return f"{head}: {self.config}" if head else self.config


@dataclass(frozen=True)
class RuleComparison:
    relation: str  # one of RELATIONS (NOTE(rule-relation))
    scope: str = ""  # "for all N >= 1 (assuming N >= 1)", or "N = 1..10 (assuming N >= 1)"
    checked: str = ""  # "symbolic": a proof over the scope's open params; "finite": each N of the scope; "" when nothing was
    admits_more: bool | None = None  # NEW passes a configuration OLD fails (None: unknown)
    rejects_more: bool | None = None  # OLD passes a configuration NEW fails (None: unknown)
    witnesses: tuple[Witness, ...] = ()  # passes NEW first, then passes OLD
    reason: str = ""  # why (part of) the answer is unknown, in the model's terms
    notes: tuple[str, ...] = field(default=())  # "Q is a param of NEW only: left free"


def relation_of(admits_more: bool | None, rejects_more: bool | None) -> str:
    """NOTE(rule-relation): the relation from its two questions."""
    if admits_more is None or rejects_more is None:
        return "unknown"
    return {(False, False): "equal", (True, False): "weaker", (False, True): "stronger",
            (True, True): "incomparable"}[(admits_more, rejects_more)]
