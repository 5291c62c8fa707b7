"""`forkproof graph`: one instance's reachable state graph, and which action enables which.
This module builds the graphs; forkproof.output.dot draws them, forkproof.cli.graph is the command.

NOTE(graph-states): the graph is the explicit state graph of the instance WITHOUT symmetry
reduction: every state is a concrete state, so a node reads as it is and a trace from the
explicit engine (run with symmetry off) maps onto nodes one to one.  The 0L model at N = 2,
RULE = Code has 67 states here (45 with symmetry in `check`).  Transitions whose update
raises a runtime error are left out (`check` reports them).

NOTE(graph-actions): an edge a -> b when some reachable transition by (an instance of) a goes
from a state where no instance of b is enabled to one where some instance is: computed
exactly on the explicit state graph of the instance, never over-approximated.  The edge label
counts those transitions.  Actions enabled in an initial state have a double border; actions
never enabled in a reachable state are dashed.

"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import networkx as nx

from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.run.plan import parse_bindings, plan, symbolic_params
from forkproof.semantics.compile import EvalError, Program, compile_program
from forkproof.semantics.instance import Instance, instantiate
from forkproof.semantics.replay import action_label, successors
from forkproof.semantics.verdict import Status, Trace
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError, closest


class TooBig(Exception):
    """More reachable states than the limit."""


@dataclass
class StateGraph:
    inst: Instance
    prog: Program
    graph: nx.MultiDiGraph  # nodes 0..n-1 in BFS order: state=tuple, initial=bool; edges: action, label
    states: list[tuple]


def state_graph(inst: Instance, max_states: int) -> StateGraph:
    """NOTE(graph-states): breadth-first, no symmetry; TooBig past max_states."""
    prog = compile_program(inst)
    env = prog.new_env()
    g = nx.MultiDiGraph()
    index: dict[tuple, int] = {}
    states: list[tuple] = []

    def add(x: tuple, initial: bool) -> int:
        if x in index:
            return index[x]
        if len(states) >= max_states:
            raise TooBig()
        index[x] = len(states)
        states.append(x)
        g.add_node(index[x], initial=initial)
        return index[x]

    try:
        for x in inst.initial_states():
            add(x, True)
    except EvalError as e:
        raise ModelError(Diagnostic("FP404", f"the initial state could not be computed: {e}")) from None
    i = 0
    while i < len(states):
        x = states[i]
        for a, y in successors(prog, x, env):
            j = add(y, False)
            g.add_edge(i, j, action=a.action.name, label=action_label(a))
        i += 1
    return StateGraph(inst, prog, g, states)


def enabled_actions(prog: Program, x: tuple, env: list) -> frozenset[str]:
    out = set()
    for a in prog.actions:
        if a.action.name in out:
            continue
        try:
            if a.guard is None or a.guard(x, None, env):
                out.add(a.action.name)
        except EvalError:
            continue
    return frozenset(out)


def action_graph(sg: StateGraph) -> nx.DiGraph:
    """NOTE(graph-actions)."""
    env = sg.prog.new_env()
    enabled = [enabled_actions(sg.prog, x, env) for x in sg.states]
    g = nx.DiGraph()
    ever = set().union(*enabled) if enabled else set()
    initially = set().union(*(enabled[n] for n, d in sg.graph.nodes(data=True) if d["initial"])) if enabled else set()
    for a in sg.inst.model.actions:
        g.add_node(a.name, initial=a.name in initially, never=a.name not in ever)
    counts: Counter = Counter()
    for u, v, d in sg.graph.edges(data=True):
        for b in enabled[v] - enabled[u]:
            counts[(d["action"], b)] += 1
    for (a, b), n in counts.items():
        g.add_edge(a, b, transitions=n)
    return g


# ---------------------------------------------------------------- instance and trace


def one_instance(model: I.Model, params: list[str]) -> Instance:
    """The single instance that the --param values (and the model's defaults) pick; FP514 otherwise."""
    bindings = parse_bindings(model, params)
    open_ints = symbolic_params(model, bindings)
    if open_ints:
        raise ModelError(Diagnostic("FP514", "graph draws one instance: give "
                                    + ", ".join(f"--param {n}=VALUE" for n in open_ints)
                                    + f" ({', '.join(open_ints)} {'has' if len(open_ints) == 1 else 'have'} no value)"))
    combos, _ = plan(model, bindings)
    if len(combos) > 1:
        many = [p.name for p in model.params if len({repr(c[p.name]) for c in combos}) > 1]
        raise ModelError(Diagnostic("FP514", f"graph draws one instance, but {', '.join(many)} "
                                    f"{'takes' if len(many) == 1 else 'take'} several values: "
                                    + ", ".join(f"--param {n}=VALUE" for n in many) + " picks one"))
    return instantiate(model, combos[0])


def counterexample(inst: Instance, name: str, deadlock: bool, max_states: int) -> tuple[Trace | None, str]:
    """The explicit engine's trace for property `name` (symmetry off, so its states are graph
    nodes), or None and what the verdict was."""
    m = inst.model
    known = [i.name for i in m.invariants] + [p.name for p in m.properties] + ["deadlock", "runtime"]
    if name not in known:
        near = closest(name, known)
        raise ModelError(Diagnostic("FP515", f"--trace-of {name}: the model has no property '{name}'"
                                    + (f"; did you mean '{near}'?" if near else f" (it has: {', '.join(known)})")))
    res = check_explicit(inst, ExplicitOptions(symmetry=False, deadlock=deadlock or name == "deadlock",
                                               max_states=max_states))
    v = next((v for v in res.verdicts if v.name == name), None)
    if v is None:
        return None, "not checked"
    if v.status is not Status.VIOLATED or v.trace is None:
        return None, v.status.value
    return v.trace, "violated"


