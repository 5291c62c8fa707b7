"""Liveness on the explicit state graph: fair strongly connected components and lassos.

The reachable graph of the instance is built once: reduced by symmetry where that is sound
(NOTE(symmetric-liveness)), else whole (fairness per copy, `fair action vote(v)`, tells the
copies apart).  Each property (NOTE(liveness-semantics) in checker/semantics/temporal.py) fails exactly when the
graph has a fair cycle of the right kind:
  eventually P       a fair cycle reachable from an initial state through not-P states only,
                     itself all not-P;
  P ~> Q             a reachable P-and-not-Q state from which a path through not-Q states
                     reaches a fair cycle of not-Q states;
  always eventually Q  the same with P = true;
  eventually always P  a reachable fair cycle through a not-P state.
A deadlock state is a cycle of its own (it stutters) and is fair (nothing is enabled).
With assumptions (NOTE(assume) in checker/semantics/temporal.py) the cycle must also meet
them: its region is cut to the states where every `eventually always A` holds, and a fair
component counts only when it holds a state of each `always eventually A` (`_loops`).

NOTE(fair-scc): the fair cycles of a region are found in its maximal fair components: split
the region into SCCs; a component with no cycle (one state, no self-loop, not a deadlock) is
dropped; one where a weakly fair group is enabled (NOTE(fair-when): its guard and its
condition hold) in every state but taken on no internal
edge holds no fair cycle (every cycle in it keeps the group enabled and never takes it) and
is dropped; one where a strongly fair group is enabled somewhere but taken on no internal
edge can only have fair cycles that avoid the states enabling it: those states are removed
and the rest is split again.  What remains is fair: a cycle through every state and every
edge of it satisfies every group, and `_cycle` builds a shorter one that still visits a
witness for each group.
"""
from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass

from forkproof.semantics.control import Control
from forkproof.semantics.compile import EvalError, Program
from forkproof.semantics.replay import action_args, action_label, make_trace
from forkproof.semantics.temporal import (FairGroup, Liveness, assumed_on_loop, explain_loop, fair_groups, group_label,
                                         loop_excluders)
from forkproof.semantics.verdict import Status, Step, Trace, Verdict
from forkproof.spec.ir import ProcType


@dataclass
class Graph:
    states: list[tuple]  # canonical states when the graph is reduced (NOTE(symmetric-liveness))
    succ: list[list[tuple[int, int]]]  # per state: (action instance index, successor)
    enabled: list[int]  # per state: bitmask of the action instances whose guard holds
    initial: list[int]
    parent: list[tuple[int, int] | None]  # BFS tree: (predecessor, action instance) for shortest prefixes
    depth: int
    transitions: int
    origin: dict[int, tuple] | None = None  # reduced: an initial state's index -> an initial state it stands for


LASSO_CANDIDATES = 8  # fair components tried besides the nearest, for a shorter lasso (NOTE(short-lasso))


class Stopped(Exception):
    pass


class _NeedFull(Exception):
    """A lasso found on the reduced graph could not be made concrete, or failed its replay:
    the property is decided again on the whole graph (NOTE(symmetric-liveness))."""


MAX_LOOP_TURNS = 1000  # turns of a reduced cycle tried before its concrete run must close


def symmetric_fairness(model) -> str | None:
    """NOTE(symmetric-liveness): None when every fairness requirement is the same for every
    copy of every family (per whole action, or per values of parameters that are not copies),
    else why not."""
    for f in model.fairness:
        action = next(a for a in model.actions if a.name == f.action)
        copies = [p.name for p in action.params if p.name in f.per and isinstance(p.ty, ProcType)]
        if copies:
            return (f"fairness per copy (`fair action {f.action}({', '.join(f.per)})`) tells the copies apart, so "
                    f"liveness is checked on the unreduced state graph")
    return None


def build_graph(prog: Program, max_states: int | None, deadline: float | None, control: Control,
                canon=None) -> Graph:
    """Every reachable state of the instance, breadth-first; with `canon`, one state per
    orbit (NOTE(symmetric-liveness))."""
    try:
        return _build(prog, max_states, deadline, control, canon)
    except KeyboardInterrupt:  # NOTE(interrupt) in checker/semantics/control.py
        control.cancel()
        raise Stopped("interrupted (Ctrl-C) while building the state graph for liveness") from None


def _build(prog: Program, max_states: int | None, deadline: float | None, control: Control, canon=None) -> Graph:
    env = prog.new_env()
    index: dict[tuple, int] = {}
    states: list[tuple] = []
    succ: list[list[tuple[int, int]]] = []
    enabled: list[int] = []
    parent: list[tuple[int, int] | None] = []
    acts = [(i, a.guard, a.update) for i, a in enumerate(prog.actions)]
    limit = max_states if max_states is not None else float("inf")
    origin: dict[int, tuple] = {}
    for s in prog.inst.initial_states():
        c = s if canon is None else canon(s)
        if c not in index:
            index[c] = len(states)
            origin[index[c]] = s
            states.append(c)
            parent.append(None)
    initial = list(range(len(states)))
    frontier = list(initial)
    depth, transitions = 0, 0
    while frontier:
        nxt = []
        for n, v in enumerate(frontier):
            if n & 255 == 0 and control.cancelled:
                raise Stopped("interrupted (Ctrl-C) while building the state graph for liveness")
            if n & 255 == 0 and deadline is not None and time.monotonic() > deadline:
                raise Stopped(f"timeout while building the state graph for liveness: {len(states):,} states, "
                              f"depth {depth} complete")
            s = states[v]
            mask, out = 0, []
            for i, g, update in acts:
                try:
                    if g is not None and not g(s, None, env):
                        continue
                except EvalError:
                    mask |= 1 << i  # a guard that fails to evaluate counts as enabled (a runtime error)
                    continue
                mask |= 1 << i
                try:
                    t = update(s, env)
                except EvalError:
                    continue
                transitions += 1
                if canon is not None:
                    t = canon(t)
                w = index.get(t)
                if w is None:
                    if len(states) >= limit:
                        raise Stopped(f"state limit reached while building the state graph for liveness: "
                                      f"{len(states):,} states")
                    w = index[t] = len(states)
                    states.append(t)
                    parent.append((v, i))
                    nxt.append(w)
                out.append((i, w))
            succ.append(out)
            enabled.append(mask)
        frontier = nxt
        if nxt:
            depth += 1
    return Graph(states, succ, enabled, initial, parent, depth, transitions, origin if canon is not None else None)


# ---------------------------------------------------------------- components


def sccs(g: Graph, region: set[int]) -> list[list[int]]:
    """Tarjan's algorithm, iterative, on the subgraph induced by `region`."""
    index: dict[int, int] = {}
    low: dict[int, int] = {}
    on: set[int] = set()
    stack: list[int] = []
    out: list[list[int]] = []
    counter = 0
    for root in sorted(region):
        if root in index:
            continue
        work = [(root, 0)]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            v, k = work[-1]
            edges = g.succ[v]
            if k < len(edges):
                work[-1] = (v, k + 1)
                w = edges[k][1]
                if w not in region:
                    continue
                if w not in index:
                    index[w] = low[w] = counter
                    counter += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, 0))
                elif w in on and index[w] < low[v]:
                    low[v] = index[w]
                continue
            work.pop()
            if work:
                u = work[-1][0]
                if low[v] < low[u]:
                    low[u] = low[v]
            if low[v] == index[v]:
                comp = []
                while True:
                    w = stack.pop()
                    on.discard(w)
                    comp.append(w)
                    if w == v:
                        break
                out.append(comp)
    return out


@dataclass(frozen=True)
class _Group:
    label: str
    strong: bool
    mask: int  # bitmask of its action instances
    on: list[bool]  # per state: enabled for fairness (NOTE(fair-when): some member's guard and the condition)


def fair_components(g: Graph, region: set[int], groups: list[_Group]) -> list[set[int]]:
    """The maximal fair components of `region` (NOTE(fair-scc))."""
    out: list[set[int]] = []
    work = [region]
    while work:
        part = work.pop()
        for comp in sccs(g, part):
            cs = set(comp)
            if len(comp) == 1:
                v = comp[0]
                if g.enabled[v] == 0 and not g.succ[v]:
                    out.append(cs)  # a deadlock: stutters forever, and nothing is enabled
                    continue
                if not any(w == v for _, w in g.succ[v]):
                    continue
            taken = 0
            for v in comp:
                for i, w in g.succ[v]:
                    if w in cs:
                        taken |= 1 << i
            if any(not gr.strong and not (taken & gr.mask) and all(gr.on[v] for v in comp)
                   for gr in groups):
                continue
            starved = [gr for gr in groups if gr.strong and not (taken & gr.mask)
                       and any(gr.on[v] for v in comp)]
            if starved:
                rest = {v for v in comp if not any(gr.on[v] for gr in starved)}
                if rest:
                    work.append(rest)
                continue
            out.append(cs)
    return out


# ---------------------------------------------------------------- paths


def _bfs(g: Graph, sources: list[int], allowed: set[int] | None, goal) -> list[tuple[int, int | None]] | None:
    """The shortest path [(state, action that led to it)] from a source to a goal state,
    through `allowed` states only (None: any)."""
    prev: dict[int, tuple[int, int] | None] = {}
    q = deque()
    for s in sources:
        if s not in prev and (allowed is None or s in allowed):
            prev[s] = None
            q.append(s)
    while q:
        v = q.popleft()
        if goal(v):
            path = [(v, None)]
            while prev[path[-1][0]] is not None:
                u, a = prev[path[-1][0]]
                path[-1] = (path[-1][0], a)
                path.append((u, None))
            return path[::-1]
        for a, w in g.succ[v]:
            if w not in prev and (allowed is None or w in allowed):
                prev[w] = (v, a)
                q.append(w)
    return None


def _cycle(g: Graph, comp: set[int], entry: int, groups: list[_Group], must_visit: list[set[int]]
           ) -> list[tuple[int, int | None]]:
    """A cycle in `comp` from `entry` back to it (the closing step last, its target `entry`)
    that is fair: for each group enabled in every state of the cycle, a step that takes it;
    and it passes through a state of each set of `must_visit` (each meets `comp`).

    NOTE(short-lasso): greedy and short: from where the walk is, the nearest state that meets
    a requirement still open (a group to take: the source of one of its steps; a weak group
    not enabled everywhere in `comp`: a state that disables it, or a step that takes it; a
    state of a set of `must_visit` not visited yet), one breadth-first search at a time,
    then the shortest way back."""
    if g.enabled[entry] == 0 and not g.succ[entry]:
        return []  # a deadlock: the stutter is the cycle
    walk: list[tuple[int, int | None]] = [(entry, None)]
    take: dict[int, _Group] = {}  # index -> group that needs a step taking it
    off: dict[int, _Group] = {}  # index -> weak group that needs a disabled state (or a step taking it)
    for n, gr in enumerate(groups):
        edges = any((1 << i) & gr.mask and w in comp for v in comp for i, w in g.succ[v])
        if gr.strong or all(gr.on[v] for v in comp):
            if edges:
                take[n] = gr
        else:
            off[n] = gr
    to_visit = [vs for vs in must_visit if vs]

    def settle(v: int, a: int | None) -> None:
        to_visit[:] = [vs for vs in to_visit if v not in vs]
        for n, gr in list(off.items()):
            if not gr.on[v] or (a is not None and (1 << a) & gr.mask):
                del off[n]
        if a is not None:
            for n, gr in list(take.items()):
                if (1 << a) & gr.mask:
                    del take[n]

    settle(entry, None)
    while take or off or to_visit:
        here = walk[-1][0]
        best = _nearest_need(g, comp, here, take, off, set().union(*to_visit))
        if best is None:  # cannot happen in a fair component; close the cycle with what there is
            break
        path, step = best
        for v, a in path[1:]:
            walk.append((v, a))
            settle(v, a)
        if step is not None:
            walk.append(step)
            settle(*step)
    # close the cycle: at least one step, ending in entry
    if len(walk) == 1:
        i, w = min(((i, w) for i, w in g.succ[entry] if w in comp), key=lambda e: e[1] != entry)
        walk.append((w, i))
    if walk[-1][0] != entry:
        path = _bfs(g, [walk[-1][0]], comp, lambda v: v == entry)
        walk.extend(path[1:])
    return walk[1:]


def _nearest_need(g: Graph, comp: set[int], here: int, take: dict, off: dict, visit: set[int]):
    """The shortest path in `comp` from `here` to a state that meets an open requirement of
    `_cycle`, and the step to take there (None when being there is enough)."""
    def step_at(v: int):
        for i, w in g.succ[v]:
            if w in comp and any((1 << i) & gr.mask for gr in (*take.values(), *off.values())):
                return (w, i)
        return None

    def meets(v: int) -> bool:
        return (v in visit or any(not gr.on[v] for gr in off.values())
                or step_at(v) is not None)

    path = _bfs(g, [here], comp, meets)
    if path is None:
        return None
    v = path[-1][0]
    if v in visit or any(not gr.on[v] for gr in off.values()):
        return path, None
    return path, step_at(v)


# ---------------------------------------------------------------- checking


@dataclass
class LiveOutcome:
    status: Status
    trace: Trace | None = None
    reason: str | None = None
    notes: tuple[str, ...] = ()
    depth: int | None = None


class LivenessChecker:
    def __init__(self, prog: Program, graph: Graph, canon=None):
        self.prog, self.g, self.canon = prog, graph, canon  # canon: the graph is reduced (NOTE(symmetric-liveness))
        inst = prog.inst
        instances = [(a.action.name, a.args) for a in prog.actions]
        self.env = prog.new_env()
        self._cache: dict[int, list[bool]] = {}
        self._fns: dict[int, object] = {}
        self.fair = fair_groups(inst.model, instances, group_label)
        self.groups = [self._group(fg) for fg in self.fair]

    def _group(self, fg: FairGroup) -> _Group:
        """The group with its enabledness in every state (NOTE(fair-when)): some member's guard
        holds (a guard that fails to evaluate counts, as everywhere) and the group's condition
        holds for that member; a condition that fails to evaluate does not hold."""
        g, mask = self.g, _mask(fg.members)
        fair_on = fg.concrete(self.prog.compiler, self.prog.actions, self.env)
        on = [fair_on(x, m) for x, m in zip(g.states, g.enabled)]
        return _Group(fg.label, fg.strong, mask, on)

    def values(self, expr) -> list[bool]:
        """The predicate in every state (EvalError propagates: the caller says unknown)."""
        key = id(expr)
        got = self._cache.get(key)
        if got is None:
            fn = self.prog.compiler.expr(expr)
            got = [bool(fn(s, None, self.env)) for s in self.g.states]
            self._cache[key] = got
        return got

    def check(self, prop: Liveness) -> LiveOutcome:
        try:
            return self._check(prop)
        except EvalError as e:
            return LiveOutcome(Status.UNKNOWN, reason=f"the property could not be evaluated in a reachable state: {e}")

    def _check(self, prop: Liveness) -> LiveOutcome:
        g = self.g
        everything = set(range(len(g.states)))
        notes: list[str] = []
        if not self.prog.inst.model.fairness and prop.kind not in ("initially", "always"):
            notes.append("no fairness is declared: every infinite run counts, including those that ignore an "
                         "enabled action forever")
        if prop.kind == "initially":
            p = self.values(prop.p)
            bad = next((v for v in g.initial if not p[v]), None)
            if bad is None:
                return LiveOutcome(Status.HOLDS, notes=tuple(notes))
            return LiveOutcome(Status.VIOLATED, make_trace(self.prog.inst, [g.states[bad]], [None]), depth=0)
        if prop.kind == "eventually":
            p = self.values(prop.p)
            region = _reach(g, [v for v in g.initial if not p[v]], {v for v in everything if not p[v]})
            lasso = self._find(region, lambda comps: self._prefix(g.initial, region, comps), set(), prop)
        elif prop.kind in ("leadsto", "infinitely"):
            p, q = self.values(prop.p), self.values(prop.q)
            if prop.kind == "leadsto" and not any(p):
                notes.append("vacuous: the left side of ~> never holds in a reachable state")
            not_q = {v for v in everything if not q[v]}
            lasso = self._find(not_q, lambda comps: self._leads(not_q, comps, p), set(), prop)
        elif prop.kind == "stabilizes":
            p = self.values(prop.p)
            bad = {v for v in everything if not p[v]}
            lasso = self._find(everything, lambda comps: self._prefix(g.initial, None, [c for c in comps if c & bad]),
                               bad, prop)
        else:
            raise ValueError(prop.kind)
        if lasso is None:
            if prop.assume and not self._loops(everything, prop, everything, self.groups)[0]:
                notes.append("vacuous: no fair run satisfies the assumptions")
            return LiveOutcome(Status.HOLDS, notes=tuple(notes))
        trace, loop, reason = lasso
        if self.canon is not None and not self._replays(prop, *loop):
            raise _NeedFull(f"the lasso rebuilt for {prop.name} from the reduced graph failed its replay")
        return LiveOutcome(Status.VIOLATED, trace, reason, tuple(notes), depth=len(trace.steps) - 1)

    # ------------------------------------------------------------ searches

    def _assumed(self, prop: Liveness) -> tuple[set[int] | None, list[set[int]]]:
        """NOTE(assume): the states a loop must stay in (those where every `eventually always`
        assumption holds; None: anywhere), and the sets a loop must visit (one per `always
        eventually` assumption)."""
        within, visit = None, []
        for x in prop.assume:
            holds = {v for v, h in enumerate(self.values(x.a)) if h}
            if x.kind == "stabilizes":
                within = holds if within is None else within & holds
            else:
                visit.append(holds)
        return within, visit

    def _loops(self, region: set[int], prop: Liveness, must_visit: set[int], groups):
        """The fair components of `region` that hold a loop meeting the assumptions (and, for
        eventually always P, visiting `must_visit`), and the sets such a loop visits.  A
        component qualifies when it meets each set: a cycle through all its states is fair
        and visits them all (NOTE(fair-scc)); staying in `within` is the region's part."""
        within, visit = self._assumed(prop)
        visits = visit + ([must_visit] if prop.kind == "stabilizes" else [])
        comps = fair_components(self.g, region if within is None else region & within, groups)
        return [c for c in comps if all(c & vs for vs in visits)], visits

    def _find(self, region: set[int], prefix_of, must_visit: set[int], prop: Liveness, groups=None, explain=True):
        groups = self.groups if groups is None else groups
        comps, visits = self._loops(region, prop, must_visit, groups)
        if not comps:
            return None
        got = prefix_of(comps)
        if got is None:
            return None
        if not explain:  # only whether a lasso exists
            return got
        # NOTE(short-lasso): the nearest fair component gives the shortest stem; a few others,
        # smallest first, may give a shorter stem and cycle together
        best = self._stem_and_cycle(got, groups, visits)
        others = sorted((c for c in comps if c is not got[1]), key=len)[:LASSO_CANDIDATES]
        for c in others:
            alt = prefix_of([c])
            if alt is not None:
                cand = self._stem_and_cycle(alt, groups, visits)
                if len(cand[0]) + len(cand[1]) < len(best[0]) + len(best[1]):
                    best = cand
        path, cycle, comp = best
        if self.canon is not None:  # NOTE(symmetric-liveness): the lasso made concrete, then replayed by _check
            xs, ai, loop_start = self._concretize(path, cycle)
            loop = xs[loop_start:-1] if cycle else xs[loop_start:]
            why = self._explain_from([self._enabled(x) for x in loop], set(ai[loop_start + 1:]), bool(cycle),
                                     [[self._holds(x.a, s) for s in loop] for x in prop.assume], loop_start,
                                     region, prefix_of, must_visit, prop, groups)
            return self._concrete_trace(xs, ai, loop_start, bool(cycle)), (xs, ai, loop_start, bool(cycle)), why
        entry = path[-1][0]
        trace = self._lasso(path, cycle)
        return trace, cycle, self._explain(cycle, entry, len(path) - 1, region, prefix_of, must_visit, prop, groups)

    def _stem_and_cycle(self, got, groups, visits: list[set[int]]):
        path, comp = got
        return path, _cycle(self.g, comp, path[-1][0], groups, [vs & comp for vs in visits]), comp

    def _prefix(self, sources, allowed, comps):
        inside = {}
        for c in comps:
            for v in c:
                inside[v] = c
        path = _bfs(self.g, sources, allowed, lambda v: v in inside)
        return None if path is None else (path, inside[path[-1][0]])

    def _leads(self, not_q: set[int], comps, p):
        inside = {}
        for c in comps:
            for v in c:
                inside[v] = c
        doomed = _back(self.g, set(inside), not_q)  # not-Q states that can stay not-Q into a fair cycle
        start = _bfs(self.g, self.g.initial, None, lambda v: p[v] and v in doomed)
        if start is None:
            return None
        rest = _bfs(self.g, [start[-1][0]], doomed, lambda v: v in inside)
        return start + rest[1:], inside[rest[-1][0]]

    def _lasso(self, path, cycle) -> Trace:
        g, inst = self.g, self.prog.inst
        acts = self.prog.actions
        xs = [g.states[v] for v, _ in path]
        ai = [None] + [acts[a] for _, a in path[1:]]
        loop_start = len(xs) - 1
        closing = None
        if cycle:
            for v, a in cycle[:-1]:
                xs.append(g.states[v])
                ai.append(acts[a])
            v, a = cycle[-1]
            act = acts[a]
            closing = Step(act.action.name, action_args(act), inst.display_state(g.states[v]), ())
        trace = make_trace(inst, xs, ai, loop_start)
        return Trace(trace.steps, loop_start, closing)

    def _explain(self, cycle, entry, loop_start, region, prefix_of, must_visit, prop, groups) -> str:
        """NOTE(lasso-fairness) in checker/semantics/temporal.py: which fairness, weak or strong
        and on which action, would exclude this lasso, only when one would, and whether the
        property holds once it is added."""
        g = self.g
        loop = [entry] + [v for v, _ in cycle[:-1]]
        return self._explain_from([g.enabled[v] for v in loop], {a for _, a in cycle}, bool(cycle),
                                  [[self.values(x.a)[v] for v in loop] for x in prop.assume], loop_start,
                                  region, prefix_of, must_visit, prop, groups)

    def _explain_from(self, loop_enabled: list[int], taken: set[int], has_cycle: bool, assumed_values, loop_start,
                      region, prefix_of, must_visit, prop, groups) -> str:
        # NOTE(assume): the assumptions hold on the loop; say where
        assumed = assumed_on_loop(prop.assume, assumed_values, loop_start)
        if not has_cycle:
            return ("the run reaches a deadlock (no action is enabled) and stutters there forever: "
                    "a deadlock makes this property fail" + (f"; {assumed}" if assumed else ""))
        instances = [(a.action.name, action_label(a)) for a in self.prog.actions]
        found = loop_excluders(self.prog.inst.model, instances, loop_enabled, taken, loop_start)
        tier = min(((e.strong, bool(e.per)) for e in found), default=None)
        chosen = [e for e in found if (e.strong, bool(e.per)) == tier]  # those explain_loop names
        holds_then = None
        # on a reduced graph only fairness on whole actions is the same for every copy: whether the
        # property holds with fairness on one instance is not asked there (NOTE(symmetric-liveness))
        if chosen and (self.canon is None or not any(e.per for e in chosen)):
            extra = []
            for e in chosen:
                members = [i for i, (name, label) in enumerate(instances)
                           if name == e.action and (not e.per or label == e.label)]
                extra.append(self._group(FairGroup(e.label, e.strong, frozenset(members))))
            holds_then = self._find(region, prefix_of, must_visit, prop, groups + extra, explain=False) is None
        return explain_loop(self.prog.inst.model, found, holds_then, assumed)

    # ------------------------------------------------------------ NOTE(symmetric-liveness): concrete lassos

    def _enabled(self, x: tuple) -> int:
        """The bitmask of the action instances enabled in the concrete state x (a guard that
        fails to evaluate counts, as in the graph)."""
        mask = 0
        for i, a in enumerate(self.prog.actions):
            try:
                if a.guard is None or a.guard(x, None, self.env):
                    mask |= 1 << i
            except EvalError:
                mask |= 1 << i
        return mask

    def _holds(self, expr, x: tuple) -> bool:
        fn = self._fns.get(id(expr))
        if fn is None:
            fn = self._fns[id(expr)] = self.prog.compiler.expr(expr)
        return bool(fn(x, None, self.env))

    def _concretize(self, path, cycle) -> tuple[list[tuple], list[int | None], int]:
        """The reduced lasso as concrete states and action instances: each reduced step is
        taken from the concrete state by an instance of the same action whose successor has
        the step's canonical form (one exists: the concrete state is a permutation of the
        canonical one, and so is the instance); the cycle is walked again until the concrete
        run is back where the cycle began (the accumulated permutation has a finite order).
        The last state repeats the loop's first when there is a cycle."""
        g, acts, canon, env = self.g, self.prog.actions, self.canon, self.env
        # an instance may stand for another only with the same action and the same arguments
        # that are not copies (fairness groups tell those apart: `fair action vote(approve)`)
        kind = [(act.action.name, tuple(v for v, p in zip(act.args, act.action.params)
                                        if not isinstance(p.ty, ProcType))) for act in acts]

        def step(x: tuple, a: int, target: int) -> tuple[int, tuple]:
            name, want = acts[a].action.name, g.states[target]
            for b, act in enumerate(acts):
                if kind[b] != kind[a]:
                    continue
                try:
                    if act.guard is not None and not act.guard(x, None, env):
                        continue
                    t = act.update(x, env)
                except EvalError:
                    continue
                if canon(t) == want:
                    return b, t
            raise _NeedFull(f"no concrete step of {name} matches the reduced graph")

        x = g.origin[path[0][0]] if g.origin else g.states[path[0][0]]
        xs, ai = [x], [None]
        for v, a in path[1:]:
            b, x = step(x, a, v)
            xs.append(x)
            ai.append(b)
        loop_start = len(xs) - 1
        if not cycle:
            return xs, ai, loop_start
        entry = x
        for _ in range(MAX_LOOP_TURNS):
            for v, a in cycle:
                b, x = step(x, a, v)
                xs.append(x)
                ai.append(b)
            if x == entry:
                return xs, ai, loop_start
        raise _NeedFull(f"the reduced cycle did not close concretely within {MAX_LOOP_TURNS} turns")

    def _concrete_trace(self, xs: list[tuple], ai: list[int | None], loop_start: int, has_cycle: bool) -> Trace:
        inst, acts = self.prog.inst, self.prog.actions
        shown = [None if b is None else acts[b] for b in ai]
        if not has_cycle:
            trace = make_trace(inst, xs, shown, loop_start)
            return Trace(trace.steps, loop_start, None)
        last = acts[ai[-1]]
        closing = Step(last.action.name, action_args(last), inst.display_state(xs[-1]), ())
        trace = make_trace(inst, xs[:-1], shown[:-1], loop_start)
        return Trace(trace.steps, loop_start, closing)

    def _replays(self, prop: Liveness, xs: list[tuple], ai: list[int | None], loop_start: int, has_cycle: bool) -> bool:
        """The concrete lasso, checked on its own terms: every step a transition of the
        program, the loop closed, every fairness group and assumption met on the loop, and
        the property false on the run (NOTE(liveness-semantics))."""
        acts, env = self.prog.actions, self.env
        for x, b, y in zip(xs, ai[1:], xs[1:]):
            act = acts[b]
            try:
                if (act.guard is not None and not act.guard(x, None, env)) or act.update(x, env) != y:
                    return False
            except EvalError:
                return False
        loop = xs[loop_start:-1] if has_cycle else xs[loop_start:]
        if has_cycle and xs[-1] != xs[loop_start]:
            return False
        if not has_cycle and self._enabled(xs[-1]):
            return False  # a stutter is a run's end only in a deadlock
        taken = set(ai[loop_start + 1:]) if has_cycle else set()
        masks = [self._enabled(x) for x in loop]
        for fg in self.fair:
            on = fg.concrete(self.prog.compiler, acts, env)
            if any(b in fg.members for b in taken):
                continue
            ons = [on(x, m) for x, m in zip(loop, masks)]
            if (fg.strong and any(ons)) or (not fg.strong and all(ons)):
                return False
        for a in prop.assume:
            vals = [self._holds(a.a, x) for x in loop]
            if not (all(vals) if a.kind == "stabilizes" else any(vals)):
                return False
        run = xs if not has_cycle else xs[:-1]
        if prop.kind == "eventually":
            return not any(self._holds(prop.p, x) for x in run)
        if prop.kind == "infinitely":
            return not any(self._holds(prop.q, x) for x in loop)
        if prop.kind == "stabilizes":
            return not all(self._holds(prop.p, x) for x in loop)
        if prop.kind == "leadsto":
            qs = [self._holds(prop.q, x) for x in run]
            return any(self._holds(prop.p, x) and not any(qs[i:]) and not any(qs[loop_start:])
                       for i, x in enumerate(run))
        return False


def _mask(members) -> int:
    m = 0
    for i in members:
        m |= 1 << i
    return m


def _reach(g: Graph, sources: list[int], allowed: set[int]) -> set[int]:
    seen = {s for s in sources if s in allowed}
    q = deque(seen)
    while q:
        v = q.popleft()
        for _, w in g.succ[v]:
            if w in allowed and w not in seen:
                seen.add(w)
                q.append(w)
    return seen


def _back(g: Graph, targets: set[int], allowed: set[int]) -> set[int]:
    """The states of `allowed` with a path inside `allowed` to a target."""
    pred: dict[int, list[int]] = {}
    for v in allowed:
        for _, w in g.succ[v]:
            if w in allowed:
                pred.setdefault(w, []).append(v)
    seen = set(targets)
    q = deque(seen)
    while q:
        w = q.popleft()
        for v in pred.get(w, ()):
            if v not in seen:
                seen.add(v)
                q.append(v)
    return seen


def liveness_verdicts(prog: Program, props: list[Liveness], unknown_forms: list[tuple[str, str]], scope: str,
                      max_states: int | None, deadline: float | None,
                      control: Control | None = None, canon=None) -> tuple[list[Verdict], list[str], int]:
    """Verdicts for the liveness properties of an instance, notes, and the graph's size.
    `canon`: the symmetry reduction's canonical form (None: none), used when sound.

    NOTE(symmetric-liveness): why one state per orbit decides liveness.  The reduction
    permutes the copies of a family (NOTE(symmetry) in checker/engines/explicit.py), and
    nothing in a model can name one copy, so every guard, update, property predicate and
    assumption treats permuted states alike; the reduced graph has an edge c --a--> d when
    the canonical state c steps by instance a to a state whose canonical form is d.  When
    every fairness group is closed under the permutations (fairness per whole action, or per
    values that are not copies: `symmetric_fairness`), whether a group is enabled in a state
    and whether a step takes it is the same for every state and step of an orbit.  Then:
    a fair lasso of the whole graph maps, state by state, onto a walk of the reduced graph
    with the same predicates, the same groups enabled and the same groups taken: a fair lasso
    there.  Conversely, a reduced lasso is walked concretely (`_concretize`): each step from a
    permutation of its canonical state by the permuted instance; one turn of the cycle ends in
    a permutation p of where it began, and after as many turns as p's order the concrete run
    is back: a cycle whose states and steps are those of the reduced one, permuted, so just as
    fair and just as violating.  So a property has a fair counterexample on the reduced graph
    exactly when it has one on the whole graph: `holds` there is `holds`.  A reduced lasso is
    shown only after it is made concrete and replayed on its own terms (`_replays`: steps,
    closure, every fairness group, the assumptions, the property); if that fails (it should
    not), the property is decided again on the whole graph.  With fairness per copy the
    groups are not closed under the permutations, and the whole graph is built, with a note."""
    control = control if control is not None else Control()
    start = time.monotonic()
    out: list[Verdict] = []
    notes: list[str] = []
    if not props:
        return [Verdict(n, "property", Status.UNKNOWN, scope, "explicit", None, None, 0.0, reason=r)
                for n, r in unknown_forms], notes, 0
    why_not = symmetric_fairness(prog.inst.model) if canon is not None else None
    if why_not is not None:
        notes.append(why_not)
        canon = None
    try:
        g = build_graph(prog, max_states, deadline, control, canon)
    except Stopped as e:
        secs = time.monotonic() - start
        out = [Verdict(p.name, "property", Status.UNKNOWN, scope, "explicit", None, None, secs, reason=str(e))
               for p in props]
        out += [Verdict(n, "property", Status.UNKNOWN, scope, "explicit", None, None, secs, reason=r)
                for n, r in unknown_forms]
        return out, notes, 0
    checker = LivenessChecker(prog, g, canon)
    whole: LivenessChecker | None = None  # the unreduced graph, built only if a reduced lasso fails its replay
    for p in props:
        graph = g
        try:
            o = checker.check(p)
        except _NeedFull as e:
            try:
                if whole is None:
                    whole = LivenessChecker(prog, build_graph(prog, max_states, deadline, control))
                o = whole.check(p)
                o = LiveOutcome(o.status, o.trace, o.reason, o.notes + (f"{e}; decided on the unreduced graph",), o.depth)
                graph = whole.g
            except Stopped as stop:
                o = LiveOutcome(Status.UNKNOWN, reason=f"{e}, and the unreduced graph could not be built: {stop}")
        secs = time.monotonic() - start
        out.append(Verdict(p.name, "property", o.status, scope, "explicit", len(graph.states),
                           o.depth if o.depth is not None else graph.depth, secs, o.trace, o.reason, o.notes))
    out += [Verdict(n, "property", Status.UNKNOWN, scope, "explicit", None, None, 0.0, reason=r)
            for n, r in unknown_forms]
    return out, notes, len(g.states)
