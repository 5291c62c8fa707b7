"""`check` when int params have no value: a verdict for every size, and the smallest that breaks.

For each combination of the params that do have values (an enum param with no value takes
each of its values), two things run:
  1. `prove_all_sizes` (checker/engines/counters/prove.py): k-induction and PDR on the counter abstraction,
     for every value of the open params allowed by the assumptions;
  2. the chosen engine (explicit by default) on every instance whose open params lie in
     0..--up-to (default 6) and satisfy the assumptions, smallest first.
A property's verdict:
  - violated: at the smallest size where an instance breaks it, with that instance's
    shortest trace (a violation the counters found beyond --up-to is confirmed on a
    concrete instance first, and the sizes below it are checked when there are few);
  - proved: "for all N with <assumptions>", when the counters prove it and no instance
    contradicts it (the instances are the cross-check);
  - unknown otherwise, with the reason, and what the fixed sizes showed.
A disagreement between the counters and an instance is a bug in forkproof: the verdict is
then unknown and says so, never proved.
"""
from __future__ import annotations

import itertools
import time
from contextlib import nullcontext
from dataclasses import replace

from forkproof.engines.counters.prove import DEEP_ENGINE, AllSizes, SizeVerdict, assumption_text, prove_all_sizes
from forkproof.engines.symbolic.encode import SymbolicOptions
from forkproof.semantics.instance import instantiate
from forkproof.run.distribute import submit
from forkproof.run.portfolio import EngineOptions, backstop_seconds, run_engine
from forkproof.semantics.control import Control, default_memory_budget
from forkproof.run.aggregate import aggregate_group, with_expectations
from forkproof.run.plan import const_value, join_scopes, plan, scope_of, sweep_scope
from forkproof.run.results import CheckReport, InstanceRun, PropertyResult
from forkproof.semantics.verdict import Status, Verdict
from forkproof.spec import ir as I
from forkproof.spec.ir import value_str
from forkproof.spec.errors import Diagnostic, ModelError

# NOTE(budgets): the counters' budget per property (k-induction decides the safety obligations
# together: one pool of this times their number; PDR and each liveness property: this each),
# when --timeout is not given
ALL_SIZES_SECONDS = 30.0
ALL_SIZES_K = 1  # k-induction's largest k on the counters before PDR takes over
MAX_EXTRA_SIZES = 24  # instances checked beyond --up-to to find the smallest that breaks


def sizes_up_to(model: I.Model, combo: dict[str, object], symbolic: list[str], top: int) -> list[dict[str, object]]:
    """Every assignment of 0..top to the open params that the assumptions allow, smallest first."""
    out = []
    for values in sorted(itertools.product(range(top + 1), repeat=len(symbolic)), key=lambda v: (max(v), v)):
        env = dict(combo)
        env.update(zip(symbolic, values))
        full = {p.name: env[p.name] for p in model.params}
        if _allowed(model, full):
            out.append(full)
    return out


def _allowed(model: I.Model, env: dict[str, object]) -> bool:
    for p in model.params:
        if isinstance(p.ty, I.IntType) and p.ty.bounded:
            try:
                if not const_value(model, p.ty.lo, env) <= env[p.name] <= const_value(model, p.ty.hi, env):
                    return False
            except ModelError:
                return False
    try:
        return all(const_value(model, a.expr, env) for a in model.assumes)
    except ModelError:
        return False


def _prove_watched(model: I.Model, combo: dict[str, object], symbolic: list[str], sym: SymbolicOptions,
                   options: EngineOptions) -> AllSizes:
    """prove_all_sizes under the watch (NOTE(phase-budget)): building the counter abstraction
    and its encodings does not poll (seen: 40 s of it under --timeout 2), so the proof runs
    under backstop_seconds; past it, or out of memory, no verdict for every size, with why."""
    control, start = options.control, time.perf_counter()
    memory = options.memory if options.memory is not None else default_memory_budget()
    seconds = backstop_seconds(model, sym.timeout or ALL_SIZES_SECONDS)
    try:
        with nullcontext() if control is None else control.within("proving every size", seconds, memory):
            return prove_all_sizes(model, combo, symbolic, sym)
    except Exception as e:  # memory, or a budget (BudgetExceeded, or what the code it landed in wrapped it into)
        reason = (control or Control()).stop_reason(e, "proving every size")
        if reason is None:
            raise
        return AllSizes((), None, time.perf_counter() - start, stopped=reason)


def check_all_sizes(model: I.Model, bindings, symbolic: list[str], options: EngineOptions, start: float) -> CheckReport:
    fixed, notes = plan(model, bindings, skip=tuple(symbolic))
    top = options.up_to
    runs: list[InstanceRun] = []
    results: list[PropertyResult] = []
    what = assumption_text(model, symbolic)
    if top == 0:  # NOTE(up-to-0)
        notes.append("--up-to 0: the proofs for every size alone, with no fixed size checked beside them; a "
                     "violation the counters find is still confirmed on its instance, with its trace")
    if options.certificate:
        notes.append("--certificate is not written for proofs over every size (only for fixed instances)")
    for combo in fixed:
        if options.control is not None and options.control.cancelled:  # NOTE(interrupt) in checker/semantics/control.py
            notes.append(f"interrupted (Ctrl-C): {scope_of(model, combo) or 'the model'} and later were not checked")
            break
        budget = options.timeout or ALL_SIZES_SECONDS
        sym = SymbolicOptions(depth=min(options.depth, ALL_SIZES_K), timeout=budget, deadlock=options.deadlock,
                              control=options.control)
        if options.control is not None:
            options.control.scope = what + (f", {scope_of(model, combo)}" if scope_of(model, combo) else "")
        # --up-to 0: the every-size proof alone, no fixed size checked beside it (NOTE(up-to-0))
        sizes = sizes_up_to(model, combo, symbolic, top) if top > 0 else []
        if not sizes and top > 0:
            raise ModelError(Diagnostic("FP402", f"no value of {', '.join(symbolic)} up to {top} satisfies the "
                                        f"assumptions (raise --up-to)"))
        # with --ray the fixed sizes run while the counters prove (NOTE(ray) in checker/run/distribute.py)
        fixed_sizes = submit(model, [(s, replace(options, certificate=None)) for s in sizes], options.ray)
        proof = _prove_watched(model, combo, symbolic, sym, options)
        if top == 0 and proof.ineligible:
            raise ModelError(Diagnostic("FP407", f"--up-to 0 asks for the proof for every size alone, but the counter "
                                        f"abstraction does not apply to this model: {proof.ineligible} (give --up-to "
                                        f"1 or more to check fixed sizes)"))
        mine = fixed_sizes.results()
        partial: list[InstanceRun] = []
        for v in proof.verdicts:  # found by the bounded search on the counters (NOTE(deep-base))
            if v.status is Status.VIOLATED and v.witness and v.engine == DEEP_ENGINE \
                    and not any(_same_sizes(v.witness, r.params, symbolic) for r in mine):
                partial.append(_confirm(model, combo, symbolic, v, options, mine, notes))
        mine.extend(partial)
        # a violation the counters found beyond the sizes checked: check up to it, or it alone
        beyond = [v.witness for v in proof.verdicts if v.status is Status.VIOLATED and v.witness
                  and v.engine != DEEP_ENGINE and not any(_same_sizes(v.witness, r.params, symbolic) for r in mine)]
        for w in beyond:
            extra = [s for s in sizes_up_to(model, combo, symbolic, max(w.values()))
                     if not any(_same_sizes(s, r.params, symbolic) for r in mine)]
            if len(extra) > MAX_EXTRA_SIZES:
                extra = [s for s in extra if _same_sizes(s, w, symbolic)]
                notes.append(f"the counters found a violation at {_sizes(w)}; the sizes between {top + 1} and it "
                             f"were not all checked, so a smaller size may break it too")
            mine.extend(_run(model, s, options) for s in extra)
        mine.extend(_cti_sizes(model, combo, symbolic, top, proof, mine, options, notes))
        mine.sort(key=lambda r: (max(r.params[n] for n in symbolic), [r.params[n] for n in symbolic]))  # smallest first
        runs.extend(mine)
        for n in (n for r in mine for n in r.result.notes):
            if n not in notes:
                notes.append(n)
        fixed_scope = scope_of(model, combo)
        scope = what + (f", {fixed_scope}" if fixed_scope else "")
        group = ", ".join(f"{p.name} = {value_str(combo[p.name], p.ty)}" for p in model.params
                          if len({repr(c.get(p.name)) for c in fixed}) > 1)  # NOTE(report-groups)
        whole = [r for r in mine if not any(r is x for x in partial)]
        results.extend(replace(p, group=group) for p in with_expectations(
            model, _combine(model, proof, aggregate_group(model, mine), scope, mine, whole, symbolic), combo))
    if len(fixed) > 1:
        order: dict[str, int] = {}
        for p in results:
            order.setdefault(p.verdict.name, len(order))
        results.sort(key=lambda p: order[p.verdict.name])
    engine = f"{options.engine} + counters"
    return CheckReport(model, engine, tuple(runs), tuple(results), tuple(notes), time.perf_counter() - start)


def _cti_sizes(model: I.Model, combo: dict[str, object], symbolic: list[str], top: int, proof: AllSizes,
               mine: list[InstanceRun], options: EngineOptions, notes: list[str]) -> list[InstanceRun]:
    """NOTE(cti-size): a property the counters left unknown, with a counterexample to induction
    at sizes beyond those checked (at most MAX_EXTRA_SIZES beyond --up-to): that instance is
    checked too, since the state may be reachable there.  Where it breaks the property, the
    sizes between are checked for a smaller one (as for a violation the counters found).
    That instance runs for the counters' budget (ALL_SIZES_SECONDS unless --timeout)."""
    extra: list[InstanceRun] = []
    for v in proof.verdicts:
        w = v.cti
        if v.status is not Status.UNKNOWN or not w or max(w.values()) > top + MAX_EXTRA_SIZES:
            continue
        if any(_same_sizes(w, r.params, symbolic) for r in mine + extra):
            continue
        here = [s for s in sizes_up_to(model, combo, symbolic, max(w.values())) if _same_sizes(s, w, symbolic)]
        if not here:
            continue
        # its own budget, the counters' per property: a CTI's size can be far beyond --up-to
        # (N = 25 on the broadcast model, where an instance's liveness search ran 600 s)
        run = _run(model, here[0], replace(options, timeout=options.timeout or ALL_SIZES_SECONDS))
        extra.append(run)
        if not any(x.name == v.name and x.status is Status.VIOLATED for x in run.result.verdicts):
            continue
        between = [s for s in sizes_up_to(model, combo, symbolic, max(w.values()))
                   if not any(_same_sizes(s, r.params, symbolic) for r in mine + extra)]
        if len(between) > MAX_EXTRA_SIZES:
            notes.append(f"the counterexample to induction at {_sizes(w)} is reachable; the sizes between "
                         f"{top + 1} and it were not all checked, so a smaller size may break it too")
            continue
        extra.extend(_run(model, s, options) for s in between)
    return extra


def _confirm(model: I.Model, combo: dict[str, object], symbolic: list[str], v: SizeVerdict, options: EngineOptions,
             mine: list[InstanceRun], notes: list[str]) -> InstanceRun:
    """NOTE(deep-base) in checker/engines/counters/prove.py: a run of `v.depth` steps the
    bounded search on the counters found at the sizes `v.witness`, confirmed on that instance
    by bmc to that depth; the instance's other verdicts (bounded) are left out, so it speaks
    for this property only.  Where smaller sizes were not checked and the search showed none
    of them breaks it in as many steps (`v.smallest`), a note says so."""
    w = v.witness or {}
    params = next(s for s in sizes_up_to(model, combo, symbolic, max(w.values())) if _same_sizes(s, w, symbolic))
    run = _run(model, params, replace(options, engine="bmc", depth=v.depth or 0,
                                      timeout=options.timeout or ALL_SIZES_SECONDS))
    mine_only = [x for x in run.result.verdicts if (x.name, x.kind) == (v.name, v.kind)]
    run = replace(run, result=replace(run.result, verdicts=mine_only, notes=[]))
    if v.smallest and _smaller_unchecked(model, symbolic, params, mine):
        notes.append(f"{v.name}: a search over every size found no run of up to {v.depth} steps that breaks it at "
                     f"sizes smaller in sum than {_sizes(w)}")
    return run


def _smaller_unchecked(model: I.Model, symbolic: list[str], params: dict[str, object],
                       runs: list[InstanceRun]) -> list[dict[str, object]]:
    """The sizes the assumptions allow whose sum of open params is below that of `params`
    (the others as in `params`) and that no run of `runs` checked."""
    combo = {k: x for k, x in params.items() if k not in symbolic}
    total = sum(int(params[n]) for n in symbolic)
    top = max(int(params[n]) for n in symbolic)
    return [s for s in sizes_up_to(model, combo, symbolic, top)
            if sum(int(s[n]) for n in symbolic) < total
            and not any(_same_sizes(s, r.params, symbolic) for r in runs)]


def _run(model: I.Model, params: dict[str, object], options: EngineOptions) -> InstanceRun:
    if options.control is not None:
        options.control.scope = scope_of(model, params)
    inst = instantiate(model, params)
    return InstanceRun(params, scope_of(model, params), run_engine(inst, replace(options, certificate=None)))


def _same_sizes(a: dict, b: dict, symbolic: list[str]) -> bool:
    return all(a[n] == b[n] for n in symbolic)


def _sizes(w: dict) -> str:
    return ", ".join(f"{k} = {v}" for k, v in w.items())


def _combine(model: I.Model, proof: AllSizes, small: list[PropertyResult], scope: str, every: list[InstanceRun],
             runs: list[InstanceRun], symbolic: list[str]) -> list[PropertyResult]:
    """One result per property from the counters' verdicts and the instances' (`every`; `runs`
    are those checked whole, for every property)."""
    by_name: dict[tuple[str, str], SizeVerdict] = {(v.name, v.kind): v for v in proof.verdicts}
    fixed = {(p.verdict.name, p.verdict.kind): p for p in small}
    # NOTE(up-to-0): with no fixed size checked, a proof stands uncross-checked (it was re-checked
    # on its own, NOTE(deep-base)), a violation the counters found is still confirmed on its
    # instance (those runs are in `every`), and whatever the counters leave open stays unknown
    checked = sweep_scope(model, [r.params for r in runs]) if runs else "no fixed size (--up-to 0)"
    out = []
    keys = list(fixed) + [k for k in by_name if k not in fixed]
    for key in keys:
        p, a = fixed.get(key), by_name.get(key)
        per = p.per_instance if p else ()
        if p is not None and p.verdict.status is Status.VIOLATED:
            if a is not None and a.status is Status.PROVED:
                out.append(_unknown(p.verdict, scope, per, f"the engines disagree: proved for {scope} on the counter "
                                    f"abstraction, but violated at {p.scope} (a bug in forkproof; please report it)"))
                continue
            held = [s for s, st in per if st in (Status.HOLDS, Status.PROVED)]
            at = next((r.params for r in every if r.scope == p.scope), None)
            unchecked = _smaller_unchecked(model, symbolic, at, runs) if at is not None else []
            note = ("the smallest size that breaks it" if not unchecked else
                    f"the smallest size found that breaks it; {_join([scope_of(model, x) for x in unchecked])} "
                    f"(smaller in sum) were not checked whole") + (f"; holds for {_join(held)}" if held else "")
            out.append(PropertyResult(replace(p.verdict, notes=p.verdict.notes + (note,)), p.scope, per))
            continue
        if a is None:
            if p is not None:  # counters not applicable: what the fixed sizes showed, and why no more
                if proof.stopped:
                    why = proof.stopped
                elif proof.ineligible:
                    why = f"the counter abstraction does not apply: {proof.ineligible}"
                else:
                    why = "the counters prove safety properties only (invariants, always P, deadlock, runtime errors)"
                if p.verdict.status in (Status.HOLDS, Status.PROVED, Status.BOUNDED, Status.SAMPLED):
                    out.append(_unknown(p.verdict, scope, per,
                                        f"{p.verdict.status.value} for {checked} only; no proof for every size: {why}"))
                else:
                    out.append(p)
            continue
        if a.status is Status.PROVED:
            if key[1] == "runtime" and p is None:
                continue  # like every engine: "runtime" is shown only when open or violated
            if not runs:  # NOTE(up-to-0): the report's notes say once that nothing was cross-checked
                v = Verdict(a.name, a.kind, Status.PROVED, scope, a.engine, None, None, a.seconds, notes=a.notes)
                out.append(PropertyResult(v, scope, per))
                continue
            cross = f"cross-checked for {checked}: {_fixed_word(p)}"
            v = Verdict(a.name, a.kind, Status.PROVED, scope, a.engine, None, None, a.seconds,
                        notes=a.notes + (cross,))
            out.append(PropertyResult(v, scope, per, cross_check=(checked, _fixed_word(p))))
            continue
        base = p.verdict if p is not None else Verdict(a.name, a.kind, Status.UNKNOWN, scope, a.engine, None, None,
                                                       a.seconds)
        if a.status is Status.VIOLATED and (p is None or p.verdict.status in (Status.UNKNOWN, Status.SAMPLED)):
            # the instances' engine left it open (simulate does not check liveness): nothing disagrees
            why = (f"the counter abstraction breaks it at {_sizes(a.witness or {})} in {a.depth} steps; "
                   f"the instances checked did not decide it ({p.verdict.status.value if p else 'not checked'}"
                   f"{': ' + p.verdict.reason if p and p.verdict.reason else ''})")
        elif a.status is Status.VIOLATED:
            why = (f"the counter abstraction breaks it at {_sizes(a.witness or {})} in {a.depth} steps, "
                   f"but no checked instance confirmed it (a bug in forkproof; please report it)")
        else:
            why = f"no proof for {scope}: {a.reason}"
            if p is not None and p.verdict.status in (Status.HOLDS, Status.PROVED):
                why += f"; {p.verdict.status.value} for {checked}"
        out.append(_unknown(base, scope, per, why, a.notes))
    return out


def _join(scopes: list[str]) -> str:
    return join_scopes(scopes)


def _fixed_word(p: PropertyResult | None) -> str:
    if p is None:
        return "nothing found"
    return p.verdict.status.value


def _unknown(v: Verdict, scope: str, per, reason: str, notes: tuple[str, ...] = ()) -> PropertyResult:
    u = Verdict(v.name, v.kind, Status.UNKNOWN, scope, v.engine, None, v.depth, v.seconds, None, reason,
                v.notes + notes)
    return PropertyResult(u, scope, per)
