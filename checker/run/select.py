"""`--property` / `--skip` / `--no-liveness` (on `check` and `diff`): which invariants and properties a check covers.

Each item is a name or a glob (`resolved_*`, `*_once`), matched against the model's
invariants and properties and the built-in `deadlock`.  `--property` keeps only what its
items match; `--skip` then leaves out what its items match.  An item that matches nothing
is FP520 (with the nearest name); a selection that leaves nothing to check is FP521.  The
model handed on keeps only the selected invariants and properties, so that no engine spends
time on the others; a deadlock left out is `--no-deadlock`.  `--no-liveness` leaves out every
property that is not `always P` (those that need the state graph, or a lasso search), as if
each were given to `--skip`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from fnmatch import fnmatchcase

from forkproof.run.results import Selection
from forkproof.semantics.temporal import is_safety
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError, closest

DEADLOCK = "deadlock"


def _matches(item: str, names: Sequence[str]) -> list[str]:
    if any(c in item for c in "*?["):
        return [n for n in names if fnmatchcase(n, item)]
    return [n for n in names if n == item]


def _unknown(option: str, item: str, names: Sequence[str]) -> ModelError:
    if any(c in item for c in "*?["):
        return ModelError(Diagnostic("FP520", f"{option} {item}: the pattern matches no invariant or property "
                                     f"(the model has: {', '.join(names) or 'none'})"))
    near = closest(item, list(names))
    hint = f"; did you mean '{near}'?" if near else f" (it has: {', '.join(names) or 'none'})"
    return ModelError(Diagnostic("FP520", f"{option} {item}: the model has no invariant or property '{item}'{hint}"))


def select(model: I.Model, only: Sequence[str] = (), skip: Sequence[str] = (), deadlock: bool = True,
           also_known: Iterable[str] = (), liveness: bool = True) -> tuple[I.Model, Selection, bool]:
    """The model with only the selected invariants and properties, what was selected, and
    whether the deadlock check stays on.  `also_known`: names that may be given although this
    model lacks them (`diff`: a property only the other version has)."""
    names = [d.name for d in (*model.invariants, *model.properties)] + ([DEADLOCK] if deadlock else [])
    others = [n for n in also_known if n not in names]
    for option, items in (("--property", only), ("--skip", skip)):
        for item in items:
            if not _matches(item, names) and not _matches(item, others):
                raise _unknown(option, item, names)
    chosen = [n for n in names if not only or any(_matches(i, [n]) for i in only)]
    chosen = [n for n in chosen if not any(_matches(i, [n]) for i in skip)]
    if not liveness:
        live = {p.name for p in model.properties if not is_safety(p)}
        chosen = [n for n in chosen if n not in live]
    if not chosen and (only or skip or not liveness) and not any(_matches(i, others) for i in only):  # diff: the other has it
        raise ModelError(Diagnostic("FP521", f"{' '.join(_options(only, skip, liveness))}: nothing is left to check"))
    selection = Selection(tuple(chosen), tuple(n for n in names if n not in chosen),
                          "--property, --skip" if liveness else "--property, --skip, --no-liveness")
    if not selection.skipped:
        return model, selection, deadlock
    keep = set(chosen)
    model = replace(model, invariants=tuple(d for d in model.invariants if d.name in keep),
                    properties=tuple(d for d in model.properties if d.name in keep))
    return model, selection, deadlock and DEADLOCK in keep


def _options(only: Sequence[str], skip: Sequence[str], liveness: bool = True) -> list[str]:
    return [f"--property {i}" for i in only] + [f"--skip {i}" for i in skip] + ([] if liveness else ["--no-liveness"])
