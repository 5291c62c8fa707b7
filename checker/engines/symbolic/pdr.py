"""PDR (IC3) with Z3 Spacer: unbounded proofs for one instance, each with a certificate.

Every obligation (checker/engines/symbolic/encode.py `Encoding.props`) becomes constrained Horn clauses over
one predicate Inv on the state slots, and the query Err:
    Inv(s) <- init(s) and wf(s)
    Inv(t) <- Inv(s) and wf(s) and trans(s, t) and wf(t)
    Err    <- Inv(s) and wf(s) and not pred(s)                    a state obligation
    Err    <- Inv(s) and wf(s) and trans(s, t) and not pred(s, t) a step obligation
(`trans` with the fixed tag "pdr": its action choice is one more variable of the rule.)

- Err unreachable: Spacer's interpretation I of Inv, conjoined with wf (every slot in its
  type) and the invariants proved before (NOTE(strengthening)), is an inductive invariant.  It is re-checked by fresh solvers before `proved` is
  reported (NOTE(certificate) in checker/engines/symbolic/certificate.py); an invariant that does not
  re-check gives `unknown`, never `proved`.  The invariant is printed in the notes.
- Err reachable: the states are read from Spacer's derivation (the ground Inv facts of its
  answer), and the last step of a step obligation is completed by one solver query.  One
  BMC query over every shorter run confirms that the trace is the shortest (docs/architecture.md: a
  safety violation comes with the shortest trace); if it is not, BMC finds the shortest.
  Should the derivation not name concrete states, BMC finds the trace, no longer than the
  derivation.  The trace is replayed (NOTE(replay)) before it is shown.
- Spacer `unknown`, a clause Spacer rejects, or the time budget (each obligation its own,
  NOTE(budgets)): `unknown` with the reason in the model's terms (NOTE(solver-text)).

z3.Fixedpoint rather than SolverFor("HORN"): one object answers both ways we need, the
invariant of Inv when Err is unreachable (`get_cover_delta`) and a ground derivation when it
is reachable (`get_answer`); the HORN solver's model gives the first only.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import z3

from forkproof.engines.symbolic.bmc import obligations, solve, violation_verdict
from forkproof.engines.symbolic.certificate import Certificate, Slot, certificate, readable, recheck, write_smt2
from forkproof.semantics.compile import compile_program
from forkproof.engines.symbolic import solver as S
from forkproof.engines.symbolic.encode import Encoding, SymbolicOptions, SymProp, out_of_time
from forkproof.semantics.instance import Instance, display_value
from forkproof.semantics.replay import ReplayError
from forkproof.semantics.verdict import EngineResult, Status, Verdict
from forkproof.spec import ir as I

TAG = "pdr"

# NOTE(strengthening): obligations are proved in model order, and each one within the
# invariants proved before it: `wf` in the clauses above is wf and every earlier proved
# invariant.  That is sound because those invariants hold in every reachable state, and
# each certificate carries the whole conjunction, so it re-checks on its own.  A model's
# helper lemma then helps PDR as it helps k-induction: with NEAR's
# blocks_count_what_was_produced proved first, at_most_one_version_passes takes 0.01 s
# instead of 1-10 s.

# NOTE(spacer-options): simplify_pob makes Spacer simplify proof obligations before it
# blocks them.  NEAR's at_most_one_version_passes (N = 3, BLOCKS = 6, V = 2) took 14-41 s
# without it and 0.7-12.5 s with it (median 2 s) over twelve random seeds on a shared
# 2-core machine; no other shipped property got slower.  Spacer's time on that property
# also moves with the order in which Z3 terms were created: expect that spread.
SPACER = {"engine": "spacer", "spacer.simplify_pob": True}


@dataclass
class _Outcome:
    status: Status
    seconds: float
    reason: str | None = None
    notes: tuple[str, ...] = ()
    cert: Certificate | None = None
    states: list[tuple] = field(default_factory=list)
    invariant: z3.BoolRef | None = None  # Spacer's, over Var(i) for slot i, when proved
    verdict: Verdict | None = None  # made once, by `_verdict`


@dataclass
class Known:
    """The invariants proved so far (NOTE(strengthening))."""

    names: list[str] = field(default_factory=list)
    invariants: list[z3.BoolRef] = field(default_factory=list)  # over Var(i) for slot i

    def within(self, enc: Encoding, x: list) -> z3.BoolRef:
        return z3.And(enc.wf(x), *[z3.substitute_vars(i, *x) for i in self.invariants])


def pdr_safety(inst: Instance, options: SymbolicOptions, enc: Encoding, start: float, deadline: float | None
               ) -> tuple[EngineResult, Known]:
    """PDR on each state and step obligation, and the invariants it proved (for liveness to
    safety, lasso.py, which engine.py runs next)."""
    props = obligations(enc, options.deadlock)
    prog = compile_program(inst)
    slots = printing_slots(inst, "inv")
    outcomes = []
    known = Known()
    budget = options.budget_text()
    for p in props:
        # NOTE(budgets): each obligation its own budget (within `until`, auto's cap); `deadline`
        # is the caller's: the earlier of the two applies
        mine = options.deadline()
        if deadline is not None:
            mine = deadline if mine is None else min(mine, deadline)
        if out_of_time(mine):
            outcomes.append(_Outcome(Status.UNKNOWN, 0.0, S.out_of_time(budget, "PDR, before it started on this "
                                                                                 "property")))
        else:
            options.working(f"pdr: {p.name}")
            o = prove_one(enc, p, mine, slots, known, budget)
            if o.invariant is not None and not z3.is_true(z3.simplify(o.invariant)):
                known.names.append(p.name)
                known.invariants.append(o.invariant)
            outcomes.append(o)
        if not any(q.name == p.name for q in props[len(outcomes):]):  # NOTE(streaming): its last obligation
            v = None
            for q, qo in zip(props, outcomes):
                if q.name == p.name:
                    v = _verdict(inst, prog, q, qo) if v is None else _merge(v, _verdict(inst, prog, q, qo))
            if v is not None and (v.kind != "runtime" or v.status in (Status.VIOLATED, Status.UNKNOWN)):
                options.landed(v)
    verdicts: dict[str, Verdict] = {}
    for p, o in zip(props, outcomes):
        v = _verdict(inst, prog, p, o)
        old = verdicts.get(p.name)
        verdicts[p.name] = v if old is None else _merge(old, v)
    notes = []
    scope = inst.scope()
    if options.certificate:
        proved = [o.cert for o in outcomes if o.status is Status.PROVED and o.cert is not None]
        write_smt2(proved, options.certificate, f"model {inst.model.name}" + (f", {scope}" if scope else ""))
        notes.append(f"PDR certificate for {len(proved)} proved obligation{'s' if len(proved) != 1 else ''} "
                     f"written to {options.certificate}")
    # like the other engines, "runtime" is a finding: shown only when it is open or violated
    out = [v for v in verdicts.values() if v.kind != "runtime" or v.status in (Status.VIOLATED, Status.UNKNOWN)]
    return EngineResult(out, 0, 0, 0, time.perf_counter() - start, False, notes), known


def _verdict(inst: Instance, prog, p: SymProp, o: _Outcome) -> Verdict:
    """One obligation's verdict, made once (a violation is replayed: NOTE(replay))."""
    if o.verdict is not None:
        return o.verdict
    if o.status is Status.VIOLATED:
        try:
            v = violation_verdict(inst, p, o.states, len(o.states) - 1, o.seconds, "pdr", prog)
            v = Verdict(v.name, v.kind, v.status, v.scope, v.engine, v.states, v.depth, v.seconds, v.trace,
                        v.reason, o.notes)
        except ReplayError as e:  # a bug in this engine: say so, never show the trace
            v = Verdict(p.name, p.kind, Status.UNKNOWN, inst.scope(), "pdr", None, None, o.seconds,
                        reason=f"PDR's counterexample did not replay: {e}")
    else:
        v = Verdict(p.name, p.kind, o.status, inst.scope(), "pdr", None, None, o.seconds, reason=o.reason,
                    notes=o.notes)
    o.verdict = v
    return v


def printing_slots(inst: Instance, tag: str) -> dict[str, Slot]:
    """How certificate.Printer names the slot constants `location@tag` of this instance."""
    out = {}
    for name, label, ty in zip(inst.slot_names, inst.slot_labels, inst.slot_types):
        members = None
        if isinstance(ty, I.EnumType):
            members = tuple(ty.members)
        elif isinstance(ty, I.ProcType):
            members = tuple(display_value(i, ty) for i in range(inst.family_sizes[ty.family]))
        out[f"{name}@{tag}"] = Slot(label, members)  # Z3's constant by the engine's name, shown by the label
    return out


# ---------------------------------------------------------------- one obligation


def prove_one(enc: Encoding, p: SymProp, deadline: float | None, slots: dict[str, Slot], known: Known,
              budget: str = "the time budget", every_size: bool = False, seed: int = 0,
              rlimit: int | None = None) -> _Outcome:
    """PDR on one obligation.  A failure is told in the model's terms (NOTE(solver-text)):
    `budget` says what ran out, `every_size` that `enc` is the counter abstraction, `seed`
    is Spacer's random seed and `rlimit` its resource limit, a count of its steps that does
    not depend on the machine's speed (NOTE(restarts) in checker/engines/counters/prove.py)."""
    start = time.perf_counter()
    fp, inv, err = _horn(enc, p, deadline, known, seed)
    if rlimit is not None:
        fp.set("rlimit", rlimit)
    try:
        res = fp.query(err)
    except z3.Z3Exception as e:  # the timeout cancels the query; Spacer rejects some clauses
        if out_of_time(deadline):
            why = S.out_of_time(budget, f"PDR's search for {p.name}", _how_far(fp))
        else:
            why = S.spacer_failure(_msg(e), p.name, every_size)
        return _Outcome(Status.UNKNOWN, time.perf_counter() - start, why)
    if res == z3.unsat:
        return _proved(enc, p, fp.get_cover_delta(-1, inv), deadline, slots, known, start, budget)
    if res == z3.sat:
        return _violated(enc, p, fp.get_answer(), inv, deadline, start)
    late = out_of_time(deadline)
    why = S.unknown_answer(fp.reason_unknown(), f"PDR's search for {p.name}", late, budget)
    far = _how_far(fp) if late else None
    return _Outcome(Status.UNKNOWN, time.perf_counter() - start, why + (f": {far}" if far else ""))


def _how_far(fp: z3.Fixedpoint) -> str | None:
    """"PDR reached frame 7" (every run of at most 7 steps is safe), from Spacer's statistics."""
    try:
        stats = fp.statistics()
        depth = next((int(stats.get_key_value(k)) for k in stats.keys() if k.lower() == "spacer max depth"), None)
    except (z3.Z3Exception, ValueError, TypeError):
        return None
    return f"PDR reached frame {depth}" if depth is not None else None


def _horn(enc: Encoding, p: SymProp, deadline: float | None, known: Known, seed: int = 0):
    s, t = enc.vars("s"), enc.vars("t")
    inv = z3.Function("Inv", *enc.sorts, z3.BoolSort())
    err = z3.Function("Err", z3.BoolSort())
    fp = z3.Fixedpoint()
    for k, v in SPACER.items():
        fp.set(k, v)
    if seed:
        fp.set("spacer.random_seed", seed)
    if deadline is not None:
        fp.set("timeout", _ms(deadline))
    fp.register_relation(inv, err)
    trans = enc.trans(s, t, TAG)
    wf_s, wf_t = known.within(enc, s), known.within(enc, t)
    init = enc.init(s)
    bad = z3.Not(p.pred(s, t)) if p.step else z3.Not(p.pred(s, None))
    # the quotients of NOTE(div-param) (checker/engines/symbolic/encode.py): variables of the clauses'
    # bodies, never arguments of Inv
    fresh = getattr(enc, "fresh_vars", None)
    fp.declare_var(*s, *t, enc.choice_var(TAG), *(fresh("s") + fresh("t") if fresh else []))
    fp.rule(inv(*s), [init, wf_s], "init")
    fp.rule(inv(*t), [inv(*s), wf_s, trans, wf_t], "step")
    if p.step:
        fp.rule(err(), [inv(*s), wf_s, trans, bad], "bad")
    else:
        fp.rule(err(), [inv(*s), wf_s, bad], "bad")
    return fp, inv, err()


def _proved(enc, p, cover: z3.BoolRef, deadline, slots, known: Known, start, budget: str = "the time budget"
            ) -> _Outcome:
    """Spacer's invariant (over Var(i) for slot i) within wf and the invariants proved
    before, re-checked as a whole (NOTE(certificate))."""
    invariant = lambda x: z3.And(known.within(enc, x), z3.substitute_vars(cover, *x))
    cert = certificate(enc, p, invariant, TAG)
    said: list[str] = []
    failed = recheck(cert, _ms(deadline) if deadline is not None else None, said)
    if failed is not None:
        label, why = failed
        if said:  # no answer on the re-check: no proof (NOTE(solver-text))
            where = f"the re-check of PDR's invariant for {p.name} ({label})"
            return _Outcome(Status.UNKNOWN, time.perf_counter() - start,
                            S.unknown_answer(" ".join(said), where, out_of_time(deadline), budget))
        return _Outcome(Status.UNKNOWN, time.perf_counter() - start, f"PDR's invariant did not re-check: {label}: {why}")
    params = enc.vars("inv")
    text, ours = readable(z3.substitute_vars(cover, *params), known.within(enc, params), slots)
    given = f" (given the invariants of {', '.join(known.names)})" if known.names else ""
    note = f"inductive invariant of {p.name}{given}{'' if ours else ' (Z3 syntax)'}: {text}"
    return _Outcome(Status.PROVED, time.perf_counter() - start, notes=(note,), cert=cert, invariant=cover)


# ---------------------------------------------------------------- counterexamples


def _violated(enc, p, answer, inv, deadline, start) -> _Outcome:
    facts = _derivation(answer, inv)
    length = len(facts) - (0 if p.step else 1)  # steps in Spacer's counterexample
    states = _states(enc, facts)
    if states is not None and p.step:
        states = _last_step(enc, p, states, deadline)
    if states is None:
        # Spacer's derivation did not name every state concretely: BMC finds the trace, no
        # longer than the derivation (its length is all that is needed from it)
        states, _ = _bmc(enc, p, length if facts else None, deadline)
        if states is None:
            return _Outcome(Status.UNKNOWN, time.perf_counter() - start,
                            "Spacer found a violation, but its derivation named no concrete states and BMC "
                            "did not find the trace within the time budget")
        return _Outcome(Status.VIOLATED, time.perf_counter() - start, states=states,
                        notes=("trace found by BMC: Spacer's derivation did not name every state",))
    # Spacer explores deeper levels only after shallower ones, so its trace is normally the
    # shortest; BMC below its length makes sure (docs/architecture.md: the shortest trace for safety)
    notes: tuple[str, ...] = ()
    none_shorter = _none_within(enc, p, len(states) - 2, deadline)
    shorter, finished = (None, True) if none_shorter else _bmc(enc, p, len(states) - 2, deadline)
    if shorter is not None:
        states = shorter
        notes = (f"trace found by BMC, shorter than Spacer's derivation ({length} steps)",)
    elif not finished:
        notes = ("the trace is Spacer's; time ran out before BMC confirmed that none is shorter",)
    return _Outcome(Status.VIOLATED, time.perf_counter() - start, notes=notes, states=states)


def _derivation(answer: z3.ExprRef, inv) -> list[z3.ExprRef]:
    """The conclusions Inv(...) of the hyper-resolution steps of Spacer's refutation, first
    state first (the clauses are linear: each step has one Inv premise)."""
    facts, todo = [], [answer]
    while todo:
        node = todo.pop()
        if not z3.is_app(node) or node.num_args() == 0 or node.sort().name() != "Proof":
            continue
        concl = node.arg(node.num_args() - 1)
        if node.decl().name() == "hyper-res" and z3.is_app(concl) and concl.decl().eq(inv):
            facts.append(concl)
        todo.extend(reversed(node.children()[:-1]))
    return facts[::-1]


def _states(enc: Encoding, facts: list[z3.ExprRef]) -> list[tuple] | None:
    """The facts as concrete states; None if one of them is not ground."""
    out = []
    for f in facts:
        x = []
        for a, sort in zip(f.children(), enc.sorts):
            if sort == z3.BoolSort() and (z3.is_true(a) or z3.is_false(a)):
                x.append(z3.is_true(a))
            elif z3.is_int_value(a):
                x.append(a.as_long())
            elif z3.is_rational_value(a):
                q = a.as_fraction()
                x.append(q.numerator if q.denominator == 1 else q)
            else:
                return None
        out.append(tuple(x))
    return out or None


def _last_step(enc, p, states: list[tuple], deadline) -> list[tuple] | None:
    """A step obligation's derivation ends in the state before the bad step: find the step."""
    s, t = enc.vars("s"), enc.vars("t")
    here = z3.And(*[x == _z3(v) for x, v in zip(s, states[-1])])
    res, model = solve([here, enc.trans(s, t, TAG), enc.wf(t)], z3.Not(p.pred(s, t)), deadline)
    return states + [enc.decode(model, t)] if res == z3.sat else None


def _none_within(enc: Encoding, p: SymProp, depth: int, deadline) -> bool:
    """Whether one query shows that no run of at most `depth` steps breaks p."""
    if depth < 0:
        return True
    states = [enc.vars(k) for k in range(depth + 1)]
    path = [enc.init(states[0])] + [enc.wf(x) for x in states]
    path += [enc.trans(a, b, k + 1) for k, (a, b) in enumerate(zip(states, states[1:]))]
    bad = [z3.Not(p.pred(a, b)) for a, b in zip(states, states[1:])] if p.step else \
        [z3.Not(p.pred(x, None)) for x in states]
    res, _ = solve(path, z3.Or(*bad) if bad else z3.BoolVal(False), deadline)
    return res == z3.unsat


def _bmc(enc: Encoding, p: SymProp, depth: int | None, deadline) -> tuple[list[tuple] | None, bool]:
    """(the shortest run of at most `depth` steps that breaks p, or None; whether the search
    finished), as in checker/engines/symbolic/bmc.py.  depth None: no bound but the deadline."""
    states = [enc.vars(0)]
    path = [enc.init(states[0]), enc.wf(states[0])]
    k = 0
    while depth is None or k <= depth:
        if k > 0:
            states.append(enc.vars(k))
            path += [enc.trans(states[k - 1], states[k], k), enc.wf(states[k])]
        if not (p.step and k == 0):
            bad = z3.Not(p.pred(states[k - 1], states[k]) if p.step else p.pred(states[k], None))
            res, model = solve(path, bad, deadline)
            if res == z3.sat:
                return [enc.decode(model, x) for x in states], True
            if res != z3.unsat:
                return None, False
        k += 1
    return None, True


# ---------------------------------------------------------------- helpers


def _merge(a: Verdict, b: Verdict) -> Verdict:
    """Two obligations of one name (the state and step runtime checks): the worse verdict."""
    rank = {Status.VIOLATED: 0, Status.UNKNOWN: 1, Status.BOUNDED: 2, Status.HOLDS: 3, Status.PROVED: 4}
    worse = a if rank[a.status] <= rank[b.status] else b
    return Verdict(worse.name, worse.kind, worse.status, worse.scope, worse.engine, worse.states, worse.depth,
                   a.seconds + b.seconds, worse.trace, worse.reason, a.notes + b.notes if worse.status is Status.PROVED
                   else worse.notes)


def _z3(v) -> z3.ExprRef:
    if isinstance(v, bool):
        return z3.BoolVal(v)
    if isinstance(v, int):
        return z3.IntVal(v)
    return z3.RealVal(v)


def _ms(deadline: float) -> int:
    return max(1, int((deadline - time.perf_counter()) * 1000))


def _msg(e: z3.Z3Exception) -> str:
    v = e.value
    text = v.decode() if isinstance(v, bytes) else str(v)
    return text.strip().splitlines()[0] if text.strip() else "no reason given"
