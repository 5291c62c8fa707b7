"""Graphs as Graphviz DOT: a state graph's nodes labelled with their values, edges with their
action instances, a counterexample coloured (NOTE(graph-states) and NOTE(graph-actions) in
checker/run/graph.py say what the graphs are)."""
from __future__ import annotations

import re

import networkx as nx

from forkproof.run.graph import StateGraph
from forkproof.semantics.verdict import Trace

TRACE_COLOR = "red"


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


