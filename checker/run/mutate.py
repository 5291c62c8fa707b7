"""`forkproof mutate`: each mutant of a model (forkproof.run.mutants) checked with the same
engine, options and budgets as `check`, and classified against the original.

NOTE(mutant-status): the original is checked first, on the same instances, and each
(invariant or property, instance) it violates or leaves unknown is set aside: it cannot
tell a mutant apart.  Then, for each mutant, on the instances in order (smallest first):
  - invalid: its text does not parse or type-check (or an instance cannot be made): it is
    no program, so it is left out of the score;
  - killed: on some instance, a property (an invariant, `deadlock`, a runtime error) that
    the original satisfies there is violated: the first such instance is reported, with
    every property that kills it there, and the later instances are not checked;
  - unknown: not killed, and on some instance a verdict the original decided is unknown (a
    budget ran out, including the mutant's own, --mutant-timeout): neither killed nor
    survived, and it counts against the score;
  - equivalent: not killed, and on every instance checked the mutant has the same initial
    states and the same steps as the original (NOTE(same-behaviour)): no property can tell
    them apart on those instances, and the report says for which ("for N = 1..4"); it is
    left out of the score;
  - survived: otherwise: every property the original decides holds on the mutant too.
The score is killed / (killed + survived + unknown).

NOTE(mutate-sizes): an int param with no value is checked at the sizes 0..--up-to that the
assumptions allow (as `check` cross-checks its every-size proofs), not for every size: the
counters' proofs take seconds per property, per mutant.  `--every-size` runs each mutant
exactly as `check` does (proofs for every size, then its fixed sizes) and compares the
results property by property (and per value of an enum or bool param).
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

from forkproof.run.check import check_model
from forkproof.run.mutants import Mutant, MutantResult, MutationReport, mutants
from forkproof.run.plan import join_scopes, plan, scope_of, sweep_scope, symbolic_params
from forkproof.run.portfolio import EngineOptions, budget_of, run_engine
from forkproof.run.select import select
from forkproof.run.sizes import sizes_up_to
from forkproof.semantics.compile import EvalError, compile_program
from forkproof.semantics.control import Control
from forkproof.semantics.instance import instantiate
from forkproof.semantics.replay import successors
from forkproof.semantics.verdict import Status
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError
from forkproof.spec.load import load_model_text, read_file

MUTANT_SECONDS = 60.0  # NOTE(mutant-status): a mutant's whole budget when --mutant-timeout is not given
SAME_STATES = 200_000  # NOTE(same-behaviour): the most states compared per instance

OnResult = Callable[[MutantResult, int, int], None]


def mutation_instances(model: I.Model, bindings: dict[str, list[object]], up_to: int
                       ) -> tuple[list[dict[str, object]], list[str]]:
    """NOTE(mutate-sizes): the instances every mutant is checked on, smallest first."""
    symbolic = symbolic_params(model, bindings)
    fixed, notes = plan(model, bindings, skip=tuple(symbolic))
    if not symbolic:
        return fixed, notes
    out = [s for combo in fixed for s in sizes_up_to(model, combo, symbolic, up_to)]
    out.sort(key=lambda s: (max(s[n] for n in symbolic), [s[n] for n in symbolic]))  # stable: combos keep their order
    if not out:
        raise ModelError(Diagnostic("FP402", f"no value of {', '.join(symbolic)} up to {up_to} satisfies the "
                                    "assumptions (raise --up-to)"))
    return out, notes


def instances_scope(model: I.Model, instances: list[dict[str, object]]) -> str:
    """"N = 1..6, RULE in {Code, Intended}": each param's values over the instances, when
    the instances are every combination of those; otherwise each instance's scope."""
    combos = 1
    for p in model.params:
        combos *= max(len({repr(x[p.name]) for x in instances if p.name in x}), 1)
    if combos != len({tuple(sorted((k, repr(v)) for k, v in x.items())) for x in instances}):
        return " | ".join(scope_of(model, x) for x in instances)
    return sweep_scope(model, instances)


def mutate_model(model: I.Model, source: str, bindings: dict[str, list[object]], options: EngineOptions,
                 only: Sequence[str] = (), skip: Sequence[str] = (), max_mutants: int | None = None,
                 mutant_seconds: float | None = None, every_size: bool = False,
                 on_result: OnResult | None = None, operators: Sequence[str] = (), liveness: bool = True) -> MutationReport:
    """Every mutant of `model` (whose text is `source`), checked and classified (NOTE(mutant-status)).
    `operators`: only mutants of these (keys of OPERATORS), numbered as among all;
    `max_mutants`: only the first so many of those; `liveness=False`: as --no-liveness."""
    start = time.perf_counter()
    if options.control is None:
        options = replace(options, control=Control())
    mutant_seconds = mutant_seconds or MUTANT_SECONDS
    chosen, _, deadlock = select(model, only, skip, options.deadlock, liveness=liveness)
    options = replace(options, deadlock=deadlock)
    if model.library:  # NOTE(imports) in spec/load.py: no actions, so no code of its own to mutate
        note = (f"library {model.name} has no actions, so nothing to mutate: `forkproof mutate` mutates a model's "
                "own code, with the libraries it imports left as they are")
        return MutationReport(model.path, model.name, options.engine, "", 0, (), (), 0, time.perf_counter() - start,
                              "", (note,))
    instances, notes = mutation_instances(model, bindings, options.up_to)
    every = mutants(source)
    chosen_ops = [m for m in every if not operators or m.operator in operators]
    if len(chosen_ops) < len(every):
        notes.append(f"--operator {', '.join(operators)}: {len(chosen_ops)} of {len(every)} mutants")
    todo = chosen_ops[:max_mutants] if max_mutants is not None else chosen_ops
    if len(todo) < len(chosen_ops):
        notes.append(f"--max-mutants {max_mutants}: {len(chosen_ops) - len(todo)} of {len(chosen_ops)} mutants not "
                     f"checked ({todo[-1].id if todo else 'none'} was the last checked)")
    check = _Check(chosen, bindings, instances, options, only, skip, every_size, liveness)
    base = check.original()
    same = _Behaviour(chosen, instances, options.max_states)
    results: list[MutantResult] = []
    for i, m in enumerate(todo):
        if options.control.cancelled:
            notes.append(f"interrupted (Ctrl-C): {m.id} and later mutants were not checked")
            break
        r = check.mutant(m, source, base, mutant_seconds, same)
        results.append(r)
        if on_result is not None:
            on_result(r, i + 1, len(todo))
    budget = budget_of(options.engine, options.timeout)
    budget_text = (f"{options.engine}, time {budget.text()}; each mutant {mutant_seconds:g}s at most"
                   + (" (default)" if mutant_seconds == MUTANT_SECONDS else " (--mutant-timeout)"))
    if every_size:
        budget_text = f"{options.engine}, time {budget.text()}, and the every-size proof's, as `check`"
    return MutationReport(model.path, model.name, options.engine, instances_scope(model, instances), len(instances),
                          _baseline(chosen, instances, base, every_size), tuple(results), len(every),
                          time.perf_counter() - start, budget_text, tuple(notes),
                          interrupted=options.control.cancelled, every_size=every_size)


# (property, kind, where, group) -> (verdict, the scope people are shown); `where` and `group`
# are "" for one instance's verdicts; with --every-size, `where` is an instance's scope or
# "every size", and `group` the values of the enum and bool params that set the result apart
Results = dict[tuple[str, str, str, str], tuple[Status, str]]


class _Check:
    """The original and each mutant, checked alike: per instance (NOTE(mutate-sizes)), or
    with --every-size as `check` does, one column of results."""

    def __init__(self, model: I.Model, bindings, instances: list[dict[str, object]], options: EngineOptions,
                 only: Sequence[str], skip: Sequence[str], every_size: bool, liveness: bool = True):
        self.model, self.bindings, self.instances, self.options = model, bindings, instances, options
        self.only, self.skip, self.every_size, self.liveness = only, skip, every_size, liveness

    def original(self) -> list[Results]:
        if self.every_size:
            return [self.every(self.model)]
        return [self.one(self.model, p, self.options) for p in self.instances]

    def one(self, model: I.Model, params: dict[str, object], options: EngineOptions) -> Results:
        sc = scope_of(model, params)
        return {(v.name, v.kind, "", ""): (v.status, sc)
                for v in run_engine(instantiate(model, params), options).verdicts}

    def every(self, model: I.Model) -> Results:
        """Each result of `check`: per instance checked, and its verdict for every size."""
        rep = check_model(model, self.bindings, self.options, self.only, self.skip, liveness=self.liveness)
        out: Results = {}
        for p in rep.properties:
            g = p.group
            for sc, st in p.per_instance:
                out[(p.verdict.name, p.verdict.kind, sc, g)] = (st, f"{sc}, {g}" if g else sc)
            out[(p.verdict.name, p.verdict.kind, "every size", g)] = (p.verdict.status, p.scope)
        return out

    def mutant(self, m: Mutant, source: str, base: list[Results], seconds: float, same: _Behaviour) -> MutantResult:
        t0 = time.perf_counter()
        diff = m.diff(source, self.model.path)

        def result(status: str, **kw) -> MutantResult:
            return MutantResult(m, status, diff=diff, seconds=time.perf_counter() - t0, **kw)

        unknown: list[str] = []
        checked: list[dict[str, object]] = []
        try:
            mm = load_model_text(m.apply(source), self.model.path, read_file, self.model.limits)
            mm, _, _ = select(mm, self.only, self.skip, self.options.deadlock, liveness=self.liveness)
            if self.every_size:
                kills, unknown = _compare(base[0], self.every(mm))
                if kills:
                    return result("killed", killed_by=_names(kills), scope=kills[0][1])
            for params, before in ([] if self.every_size else zip(self.instances, base)):
                left = seconds - (time.perf_counter() - t0)
                if left <= 0 or self.options.control.cancelled:
                    unknown.append(f"not checked at {scope_of(mm, params)}: the mutant's "
                                   + ("check was interrupted" if self.options.control.cancelled else
                                      f"budget of {seconds:g}s ran out"))
                    break
                limit = min(budget_of(self.options.engine, self.options.timeout).seconds, left)
                kills, open_ = _compare(before, self.one(mm, params, replace(self.options, timeout=limit)))
                if kills:
                    return result("killed", killed_by=_names(kills), scope=kills[0][1])
                unknown += open_
                checked.append(params)
        except ModelError as e:
            return result("invalid", reason=_diagnostic(e))
        except RecursionError:
            return result("invalid", reason="the mutant is nested too deeply to read")
        if unknown:
            return result("unknown", reason="; ".join(unknown[:3]) + (" ..." if len(unknown) > 3 else ""),
                          scope=instances_scope(self.model, checked))
        where = instances_scope(self.model, self.instances)
        differs = same.differs(mm)
        if differs is None:
            return result("equivalent", scope=where)
        return result("survived", scope=where, reason=differs)


def _compare(before: Results, after: Results) -> tuple[list[tuple[str, str]], list[str]]:
    """What the mutant's results (`after`) show against the original's: the properties it
    kills, (name, where), those it violates where the original neither violates them nor left
    them unknown; and the verdicts it left unknown where the original decided them.  A key
    the original lacks is a runtime error it did not have (`runtime` is reported only when
    violated), or (--every-size) an instance it did not check, which counts as the
    original's verdict for every size says."""
    kills, unknown = [], []
    for key, (st, shown) in after.items():
        overall = before.get((key[0], key[1], "every size", key[3]))
        if key in before:
            was = before[key][0]
        elif not key[2] or (key[1] == "runtime" and overall is None):
            was = Status.HOLDS  # shown only when violated or open
        else:
            was = Status.HOLDS if overall is not None and overall[0] is Status.PROVED else Status.UNKNOWN
        if st is Status.VIOLATED and was not in (Status.VIOLATED, Status.UNKNOWN):
            kills.append((key[0], shown))
        elif st is Status.UNKNOWN and was is not Status.UNKNOWN:
            unknown.append(f"{key[0]} unknown at {shown}" if shown else f"{key[0]} unknown")
    return kills, unknown


def _names(kills: list[tuple[str, str]]) -> tuple[str, ...]:
    """The properties that kill, each once, those at the first instance that kills."""
    return tuple(dict.fromkeys(name for name, where in kills if where == kills[0][1]))


def _baseline(model: I.Model, instances, base: list[Results], every_size: bool) -> tuple[tuple[str, str, str], ...]:
    """(property, where, "violated" | "unknown") for each result of the original that cannot
    kill a mutant, the instances of each summarised."""
    where: dict[tuple[str, str], dict[str, list]] = {}
    for params, results in zip([None] if every_size else instances, base):
        for (name, _, sc, group), (st, shown) in results.items():
            if st is Status.UNKNOWN or (st is Status.VIOLATED and sc != "every size"):
                what = "violated" if st is Status.VIOLATED else "unknown"
                at = where.setdefault((name, what), {}).setdefault(group, [])
                at.append(params if not every_size else shown if sc == "every size" else sc)
    out = []
    for (name, what), groups in where.items():
        if every_size:
            text = "; ".join(join_scopes(scopes) + (f", {g}" if g and not scopes[0].startswith("all ") else "")
                             for g, scopes in groups.items())
        else:
            text = instances_scope(model, [p for ps in groups.values() for p in ps])
        out.append((name, text, what))
    return tuple(out)


def _diagnostic(e: ModelError) -> str:
    d = e.diagnostics[0]
    where = f"{d.span.line}:{d.span.col}: " if d.span is not None and d.span.file is None else ""
    more = f" (and {len(e.diagnostics) - 1} more)" if len(e.diagnostics) > 1 else ""
    return f"{where}error[{d.code}]: {d.message}{more}"


class _Behaviour:
    """NOTE(same-behaviour): an instance's reachable initial states and steps, without
    symmetry reduction, a step being (state, action, the arguments fairness can see, next
    state): the action's arguments named in a `fair action a(p)`, all of them if a fairness
    of the action has a `when`, none otherwise.  Every invariant, property and fairness
    reads no more of a run than that, so two models with the same of these on an instance
    give the same verdicts there.  A step whose update is a runtime error is no step (the
    `runtime` check reports it).  The mutant is explored against the original's steps and
    stops at the first state whose steps differ; an instance with more than SAME_STATES
    states is not compared."""

    def __init__(self, model: I.Model, instances: list[dict[str, object]], max_states: int | None):
        self.model, self.instances = model, instances
        self.limit = min(max_states or SAME_STATES, SAME_STATES)
        self.cache: dict[int, tuple | str] = {}

    def differs(self, mutant: I.Model) -> str | None:
        """None when the mutant behaves as the original on every instance; else where not."""
        for i, params in enumerate(self.instances):
            if i not in self.cache:
                self.cache[i] = self.explore(self.model, params, None)
            mine = self.cache[i]
            sc = scope_of(self.model, params)
            theirs = mine if isinstance(mine, str) else self.explore(mutant, params, mine)
            if theirs == "too big":
                return f"not compared with the original: more than {self.limit:,} states at {sc}"
            if theirs == "no initial state":
                return f"not compared with the original: its initial states could not be computed at {sc}"
            if theirs == "differs":
                return f"its reachable states or steps differ from the original's at {sc}"
        return None

    def explore(self, model: I.Model, params: dict[str, object], against: tuple | None) -> tuple | str:
        """(initial states, state -> its steps), or "differs" (from `against`), "too big",
        or "no initial state" (the original's initial states raise a runtime error)."""
        inst = instantiate(model, params)
        prog = compile_program(inst)
        env = prog.new_env()
        seen_args: dict[str, tuple[int, ...]] = {}
        for a in model.actions:
            fair = [f for f in model.fairness if f.action == a.name]
            per = {n for f in fair for n in f.per}
            seen_args[a.name] = tuple(i for i, p in enumerate(a.params)
                                      if p.name in per or any(f.when is not None for f in fair))
        try:
            init = frozenset(inst.initial_states())
        except EvalError:
            return "no initial state" if against is None else "differs"
        if against is not None and init != against[0]:
            return "differs"
        steps_of: dict[tuple, frozenset] = {}
        seen = set(init)
        todo = list(init)
        while todo:
            x = todo.pop()
            steps = frozenset((a.action.name, tuple(a.args[i] for i in seen_args[a.action.name]), y)
                              for a, y in successors(prog, x, env))
            if against is not None and against[1].get(x) != steps:
                return "differs"
            if against is None:
                steps_of[x] = steps
            for _, _, y in steps:
                if y not in seen:
                    if len(seen) >= self.limit:
                        return "too big"
                    seen.add(y)
                    todo.append(y)
        return init, steps_of
