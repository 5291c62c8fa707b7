"""`forkproof graph MODEL`: one small instance drawn as a Graphviz DOT graph.

`--kind states` (default): the reachable state graph, every node a state labelled with its
values (a family's locals and a map's entries on one line each), every edge a transition
labelled with its action instance; initial states have a double border.  `--kind actions`:
which action can enable which.  `--trace-of P` colours P's counterexample (red).

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

NOTE(graph-exit): 0 the graph was written; 2 the model or the command line is wrong (a param
without a single value, an unknown --trace-of property, --format svg|png without -o or without
Graphviz's `dot`: then the DOT file is still written and the message says where); 3 the
instance has more than --max-states reachable states (nothing is written), or an internal error.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import click
import networkx as nx

from forkproof.semantics.compile import EvalError, Program, compile_program
from forkproof.semantics.instance import Instance, instantiate
from forkproof.semantics.replay import action_label, successors
from forkproof.semantics.verdict import Status, Trace
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError, closest

EXIT_OK, EXIT_USAGE, EXIT_TOO_BIG = 0, 2, 3
TRACE_COLOR = "red"


class TooBig(Exception):
    """More reachable states than the limit."""


@dataclass
class StateGraph:
    inst: Instance
    prog: Program
    graph: nx.MultiDiGraph  # nodes 0..n-1 in BFS order: state=tuple, initial=bool; edges: action, label
    states: list[tuple]


# ---------------------------------------------------------------- building


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


# ---------------------------------------------------------------- labels and DOT


def compact_state(display: dict[str, object]) -> list[str]:
    """`Validator[0].ballot = Yes, Validator[1].ballot = No` -> `Validator.ballot = [Yes, No]`."""
    groups: dict[str, list[str]] = {}
    indexed: set[str] = set()
    for loc, v in display.items():
        key = re.sub(r"\[[^\]]*\]", "", loc)
        if key != loc:
            indexed.add(key)
        groups.setdefault(key, []).append(_show(v))
    return [f"{k} = [{', '.join(vs)}]" if k in indexed else f"{k} = {vs[0]}" for k, vs in groups.items()]


def _show(v: object) -> str:
    return ("true" if v else "false") if isinstance(v, bool) else str(v)


def _q(s: str) -> str:
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(d: dict[str, object]) -> str:
    return "[" + ", ".join(f"{k}={v}" for k, v in d.items()) + "]"


def _step_label(action: str, args) -> str:
    return f"{action}({', '.join(f'{k} = {_show(v)}' for k, v in args)})" if args else action


def trace_path(sg: StateGraph, trace: Trace) -> tuple[list[int], list[tuple[int, int, str]]]:
    """The trace's states as nodes and its steps as (u, v, label) edges (a lasso's closing step too)."""
    by_display = {tuple(sg.inst.display_state(x).items()): i for i, x in enumerate(sg.states)}
    nodes = [by_display[tuple(s.state.items())] for s in trace.steps]
    edges = [(u, v, _step_label(s.action, s.args)) for u, v, s in zip(nodes, nodes[1:], trace.steps[1:])]
    if trace.closing is not None and trace.loop_start is not None:
        edges.append((nodes[-1], nodes[trace.loop_start], _step_label(trace.closing.action, trace.closing.args)))
    return nodes, edges


def states_dot(sg: StateGraph, title: str, trace: Trace | None = None) -> str:
    hl_nodes: dict[int, list[int]] = {}
    hl_edges: set[tuple[int, int, str]] = set()
    if trace is not None:
        nodes, edges = trace_path(sg, trace)
        for step, n in enumerate(nodes):
            hl_nodes.setdefault(n, []).append(step)
        hl_edges = set(edges)
    g = sg.graph
    out = [f"digraph {_q(sg.inst.model.name)} {{",
           f"  // {title}: {g.number_of_nodes()} states, {g.number_of_edges()} transitions",
           '  node [shape=box, fontname="monospace", fontsize=10];',
           '  edge [fontname="monospace", fontsize=9];']
    for n in sorted(g.nodes):
        attrs: dict[str, object] = {"label": _q("\n".join(compact_state(sg.inst.display_state(sg.states[n]))))}
        if g.nodes[n]["initial"]:
            attrs["peripheries"] = 2
        if n in hl_nodes:
            attrs.update(color=TRACE_COLOR, fontcolor=TRACE_COLOR, penwidth=2,
                         xlabel=_q("step " + ", ".join(map(str, hl_nodes[n]))))
        out.append(f"  s{n} {_attrs(attrs)};")
    for u, v, d in sorted(g.edges(data=True), key=lambda e: (e[0], e[1], e[2]["label"])):
        attrs = {"label": _q(d["label"])}
        if (u, v, d["label"]) in hl_edges:
            attrs.update(color=TRACE_COLOR, fontcolor=TRACE_COLOR, penwidth=2)
        out.append(f"  s{u} -> s{v} {_attrs(attrs)};")
    out.append("}")
    return "\n".join(out) + "\n"


def actions_dot(sg: StateGraph, g: nx.DiGraph, title: str, trace: Trace | None = None) -> str:
    used: set[str] = set()
    pairs: set[tuple[str, str]] = set()
    if trace is not None:
        acts = [s.action for s in trace.steps[1:]] + ([trace.closing.action] if trace.closing else [])
        used = set(acts)
        pairs = set(zip(acts, acts[1:]))
    out = [f"digraph {_q(sg.inst.model.name + ' actions')} {{",
           f"  // {title}: {g.number_of_nodes()} actions, {g.number_of_edges()} enable edges, computed on "
           f"{sg.graph.number_of_nodes()} reachable states",
           '  node [shape=ellipse, fontname="monospace", fontsize=10];',
           '  edge [fontname="monospace", fontsize=9];']
    for a, d in g.nodes(data=True):  # declaration order
        attrs: dict[str, object] = {"label": _q(a)}
        if d["initial"]:
            attrs["peripheries"] = 2
        if d["never"]:
            attrs.update(style="dashed", label=_q(a + "\n(never enabled)"))
        if a in used:
            attrs.update(color=TRACE_COLOR, fontcolor=TRACE_COLOR, penwidth=2)
        out.append(f"  {_q(a)} {_attrs(attrs)};")
    order = {a: i for i, a in enumerate(g.nodes)}
    for a, b, d in sorted(g.edges(data=True), key=lambda e: (order[e[0]], order[e[1]])):
        attrs = {"label": _q(str(d["transitions"]))}
        if (a, b) in pairs:
            attrs.update(color=TRACE_COLOR, fontcolor=TRACE_COLOR, penwidth=2)
        out.append(f"  {_q(a)} -> {_q(b)} {_attrs(attrs)};")
    out.append("}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- instance and trace


def one_instance(model: I.Model, params: list[str]) -> Instance:
    """The single instance that the --param values (and the model's defaults) pick; FP514 otherwise."""
    from forkproof.run.check import parse_bindings, plan, symbolic_params

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
    from forkproof.engines.explicit import ExplicitOptions, check_explicit

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


# ---------------------------------------------------------------- the command


@click.command()
@click.argument("model", metavar="MODEL")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V",
              help="Bind a param (every param must end up with one value). Repeatable.")
@click.option("--kind", type=click.Choice(["states", "actions"]), default="states", show_default=True,
              help="states: the reachable state graph; actions: which action can enable which.")
@click.option("--trace-of", "trace_of", default=None, metavar="PROPERTY",
              help="Colour the counterexample of PROPERTY (the explicit engine's shortest trace).")
@click.option("--max-states", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Refuse instances with more reachable states (exit 3).")
@click.option("--deadlock/--no-deadlock", default=True, show_default=True,
              help="With --trace-of: whether deadlocks count as violations for the engine run.")
@click.option("--format", "fmt", type=click.Choice(["dot", "svg", "png"]), default="dot", show_default=True,
              help="svg and png run Graphviz's `dot` (needs -o); the DOT file is always written.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Write here (default: DOT on stdout).")
def graph(model, params, kind, trace_of, max_states, deadlock, fmt, output):
    """Draw one instance of MODEL as a Graphviz graph: its reachable states (no symmetry
    reduction) or which action enables which.

    Exit codes: 0 written; 2 the model or command line is wrong, or Graphviz is missing for
    svg/png (the DOT file is written all the same); 3 more than --max-states states."""
    from forkproof.cli import main as C  # late: forkproof.cli.main registers this command at its end

    source = None
    try:
        if fmt != "dot" and output is None:
            raise click.UsageError(f"--format {fmt} needs -o FILE (the DOT file is written beside it)")
        try:
            source = C._read(model)
            m = C.load(model, source)
            inst = one_instance(m, list(params))
            try:
                sg = state_graph(inst, max_states)
            except TooBig:
                click.echo(f"forkproof: {inst.scope() or 'the instance'} has more than {max_states:,} reachable "
                           f"states: too many to draw; bind smaller params (--param) or raise --max-states",
                           err=True)
                sys.exit(EXIT_TOO_BIG)
            trace = None
            if trace_of is not None:
                trace, what = counterexample(inst, trace_of, deadlock, max_states)
                if trace is None:
                    click.echo(f"forkproof: {trace_of}: {what} at {inst.scope() or 'this instance'}, "
                               f"no counterexample to highlight", err=True)
        except ModelError as err:
            C._print_errors(err, model, source, "text")
            sys.exit(EXIT_USAGE)
        title = f"forkproof graph --kind {kind}: {m.name}" + (f", {inst.scope()}" if inst.scope() else "")
        text = states_dot(sg, title, trace) if kind == "states" else actions_dot(sg, action_graph(sg), title, trace)
        sys.exit(write(text, fmt, output, f"{sg.graph.number_of_nodes():,} states, "
                                          f"{sg.graph.number_of_edges():,} transitions"))
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")
        sys.exit(EXIT_TOO_BIG)
    except (click.ClickException, SystemExit):
        raise
    except Exception as exc:  # a bug, not the user's mistake
        sys.exit(C._internal_error(exc))


def write(text: str, fmt: str, output: str | None, what: str) -> int:
    if output is None:
        click.echo(text, nl=False)
        return EXIT_OK
    out = Path(output)
    dot_path = out if fmt == "dot" or out.suffix == ".dot" else out.with_suffix(".dot")
    image = None if fmt == "dot" else (out if out != dot_path else out.with_suffix("." + fmt))
    dot_path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {dot_path} ({what})", err=True)
    if image is None:
        return EXIT_OK
    exe = shutil.which("dot")
    if exe is None:
        click.echo(f"forkproof: --format {fmt} needs Graphviz's `dot`, which is not installed (not on PATH); "
                   f"the DOT file was written to {dot_path}: install Graphviz (e.g. apt-get install graphviz) "
                   f"and run `dot -T{fmt} {dot_path} -o {image}`", err=True)
        return EXIT_USAGE
    run = subprocess.run([exe, f"-T{fmt}", str(dot_path), "-o", str(image)], capture_output=True, text=True)
    if run.returncode != 0:
        click.echo(f"forkproof: Graphviz failed on {dot_path}: {run.stderr.strip()}", err=True)
        return EXIT_TOO_BIG
    click.echo(f"wrote {image}", err=True)
    return EXIT_OK
