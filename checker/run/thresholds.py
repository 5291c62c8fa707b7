"""`forkproof thresholds`: every threshold rule of a model analysed (forkproof.analysis.thresholds,
Z3 over the rule) and the range of its constant θ that keeps the chosen properties
(forkproof.run.theta: explicit runs per θ cell, then a proof for every size).

NOTE(thresholds-exit): 0 every `meant` equivalence and quorum intersection is proved (or
the model has no threshold); 1 one is refuted; 3 one is unknown (or an internal error);
2 the model or the command line is wrong.  The θ ranges are reported but do not change the
exit code.
"""
from __future__ import annotations

import time

from forkproof.run.theta import constant_values, parse_theta, theta_range
from forkproof.semantics.verdict import ExitCode
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError, closest
from forkproof.analysis.thresholds import analyse
from forkproof.analysis.report import ThetaResult, ThresholdReport, fraction_str, verdicts


# NOTE(theta-budget): each θ analysis has its own budget (forkproof.run.theta.THETA_SECONDS
# for the runs, PROOF_SECONDS per every-size proof); a model with many thresholds (Cardano
# has 20) gets no more than this for all of them: those left say so.
THETA_TOTAL_SECONDS = 180.0


def analyse_thresholds(model: I.Model, bindings: dict[str, list[object]], up_to: int,
                       properties: list[str] | None = None, faulty: str | None = None,
                       theta: str | None = None, rules: list[str] | None = None) -> list[ThresholdReport]:
    """Each threshold's report (those named in `rules`, when given) with its θ range filled in;
    ModelError on a wrong property, rule or param name, or a `--theta` value that no threshold has."""
    props = _properties(model, list(properties or []))
    chosen = _rules(model, list(rules or []))
    wanted = None
    if theta is not None:
        wanted = parse_theta(theta)
        if wanted is None:
            raise ModelError(Diagnostic("FP506", f"--theta {theta}: not a number (write 4/5, 80% or 0.8)"))
        have = sorted({c for d in model.defs if d.is_threshold for c in constant_values(d)})
        if wanted not in have:
            raise ModelError(Diagnostic("FP506", f"--theta {theta}: no threshold has the constant {fraction_str(wanted)}"
                                        + (f" (they have: {', '.join(fraction_str(c) for c in have)})" if have else
                                           " (no threshold has a rational constant)")))
    if faulty is not None and not any(p.name == faulty for p in model.params):
        near = closest(faulty, [p.name for p in model.params])
        raise ModelError(Diagnostic("FP505", f"--faulty {faulty}: the model has no param '{faulty}'"
                                    + (f"; did you mean '{near}'?" if near else "")))
    reports = analyse(model, bindings, up_to, faulty, chosen)
    deadline = time.monotonic() + THETA_TOTAL_SECONDS  # NOTE(theta-budget)
    for r, d in zip(reports, [d for d in model.defs if d.is_threshold and (chosen is None or d.name in chosen)]):
        if time.monotonic() > deadline:
            r.theta = ThetaResult(None, None, unknown=f"not computed: the θ analyses of this run used their "
                                                     f"{THETA_TOTAL_SECONDS:.0f} s; --rule NAME, --theta VALUE or --property NAME "
                                                     f"narrows the run")
            continue
        r.theta = theta_range(model, d, bindings, up_to, props, wanted)
    return reports


def _properties(model: I.Model, names: list[str]) -> list[str]:
    known = [i.name for i in model.invariants] + [p.name for p in model.properties]
    return _named(names, known, "FP504", "--property", "invariant or property") or known


def _rules(model: I.Model, names: list[str]) -> list[str] | None:
    return _named(names, [d.name for d in model.defs if d.is_threshold], "FP507", "--rule", "threshold") or None


def _named(names: list[str], known: list[str], code: str, option: str, what: str) -> list[str]:
    """`names` without repeats, each one of `known`; a ModelError `code` (with the closest
    name) for the first that is not."""
    for n in names:
        if n not in known:
            near = closest(n, known)
            raise ModelError(Diagnostic(code, f"{option} {n}: the model has no {what} '{n}'"
                                        + (f"; did you mean '{near}'?" if near else f" (it has: {', '.join(known) or 'none'})")))
    return list(dict.fromkeys(names))


def exit_code(reports: list[ThresholdReport]) -> ExitCode:
    """NOTE(thresholds-exit)."""
    vs = verdicts(reports)
    if any(v.status == "refuted" for v in vs):
        return ExitCode.VIOLATED
    if any(v.status == "unknown" for v in vs):
        return ExitCode.INCONCLUSIVE
    return ExitCode.OK
