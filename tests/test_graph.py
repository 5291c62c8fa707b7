"""`forkproof graph`: the DOT it writes (parsed back by a small parser here), node and edge
counts pinned on the 0L model at N = 2, RULE = Code, trace highlighting, exit codes."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from forkproof.api import load_text
from forkproof.cli.main import cli
from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.semantics.instance import instantiate

ROOT = Path(__file__).resolve().parents[1]
LIBRA = str(ROOT / "models" / "libra_framework_upgrade.fork")
CODE2 = ["-p", "N=2", "-p", "RULE=Code"]

_ID = r'(s\d+|"(?:[^"\\]|\\.)*")'
_ATTR = re.compile(r'(\w+)=("(?:[^"\\]|\\.)*"|[^,\]]+)')


def parse_dot(text: str) -> tuple[dict[str, dict], list[tuple[str, str, dict]]]:
    """Nodes {id: attrs} and edges [(u, v, attrs)] of the DOT that graph.py writes; fails on
    any line it does not understand."""
    lines = text.splitlines()
    assert re.fullmatch(r'digraph "[^"]*" \{', lines[0]) and lines[-1] == "}"
    nodes, edges = {}, []
    for line in lines[1:-1]:
        line = line.strip()
        if line.startswith("//") or line.startswith("node [") or line.startswith("edge ["):
            continue
        m = re.fullmatch(_ID + r" -> " + _ID + r" \[(.*)\];", line)
        if m:
            edges.append((m.group(1), m.group(2), _attrs(m.group(3))))
            continue
        m = re.fullmatch(_ID + r" \[(.*)\];", line)
        assert m, f"not a DOT statement graph.py writes: {line}"
        assert m.group(1) not in nodes
        nodes[m.group(1)] = _attrs(m.group(2))
    for u, v, _ in edges:
        assert u in nodes and v in nodes
    return nodes, edges


def _attrs(text: str) -> dict:
    out = {}
    for k, v in _ATTR.findall(text):
        out[k] = v[1:-1].replace('\\"', '"').replace("\\n", "\n") if v.startswith('"') else v
    return out


def invoke(*args):
    return CliRunner().invoke(cli, ["graph", *map(str, args)])


def red(attrs: dict) -> bool:
    return attrs.get("color") == "red"


def test_state_graph_of_0l_at_n2_code():
    r = invoke(LIBRA, *CODE2)
    assert r.exit_code == 0, r.output
    nodes, edges = parse_dot(r.stdout)
    assert (len(nodes), len(edges)) == (67, 112)
    # no symmetry reduction (NOTE(graph-states)): as many nodes as the explicit engine's states without it
    inst = instantiate(load_text(Path(LIBRA).read_text(), LIBRA), {"N": 2, "RULE": 0})
    assert check_explicit(inst, ExplicitOptions(symmetry=False, deadlock=False)).states == 67
    initial = [n for n, a in nodes.items() if a.get("peripheries") == "2"]
    assert initial == ["s0"]
    assert nodes["s0"]["label"].splitlines()[0] == "status = Idle"
    assert "Validator.ballot = [Unvoted, Unvoted]" in nodes["s0"]["label"]
    labels = {a["label"] for _, _, a in edges}
    assert {"propose", "vote(v = Validator[1], approve = false)", "resolve(s = Built)", "new_epoch"} <= labels
    assert not any(red(a) for a in nodes.values())
    assert invoke(LIBRA, *CODE2).stdout == r.stdout  # deterministic


def test_trace_of_a_safety_violation_is_coloured():
    r = invoke(LIBRA, *CODE2, "--trace-of", "resolved_had_two_thirds_yes")
    assert r.exit_code == 0, r.output
    nodes, edges = parse_dot(r.stdout)
    hot = [(u, v, a["label"]) for u, v, a in edges if red(a)]
    assert [label for _, _, label in hot] == ["propose", "vote(v = Validator[0], approve = true)", "resolve(s = Built)"]
    assert hot[0][0] == "s0" and all(hot[i][1] == hot[i + 1][0] for i in range(len(hot) - 1))  # one path
    assert sorted(a["xlabel"] for a in nodes.values() if red(a)) == ["step 0", "step 1", "step 2", "step 3"]
    assert "ran = true" in nodes[hot[-1][1]]["label"] and "ran_yes = 1" in nodes[hot[-1][1]]["label"]


def test_trace_of_a_lasso_colours_its_cycle():
    r = invoke(LIBRA, *CODE2, "--trace-of", "resolvable_gets_resolved")
    assert r.exit_code == 0, r.output
    nodes, edges = parse_dot(r.stdout)
    hot = [(u, v) for u, v, a in edges if red(a)]
    assert len(hot) == 5 and hot[-1][1] in {u for u, _ in hot}  # the cycle closes on a coloured state
    assert any("," in a.get("xlabel", "") for a in nodes.values() if red(a))  # a state visited twice


def test_holding_property_highlights_nothing():
    r = invoke(LIBRA, "-p", "N=2", "-p", "RULE=Intended", "--trace-of", "resolved_had_two_thirds_yes")
    assert r.exit_code == 0
    assert "no counterexample to highlight" in r.stderr
    nodes, edges = parse_dot(r.stdout)
    assert not any(red(a) for a in nodes.values()) and not any(red(a) for _, _, a in edges)


def test_action_graph():
    r = invoke(LIBRA, *CODE2, "--kind", "actions", "--trace-of", "resolved_had_two_thirds_yes")
    assert r.exit_code == 0, r.output
    nodes, edges = parse_dot(r.stdout)
    assert list(nodes) == ['"propose"', '"vote"', '"expire"', '"resolve"', '"new_epoch"']
    pairs = {(u.strip('"'), v.strip('"')) for u, v, _ in edges}
    assert pairs == {("propose", "vote"), ("propose", "expire"), ("vote", "resolve"), ("expire", "propose"),
                     ("resolve", "new_epoch"), ("new_epoch", "propose")}
    assert [n for n, a in nodes.items() if a.get("peripheries") == "2"] == ['"propose"']
    assert {n.strip('"') for n, a in nodes.items() if red(a)} == {"propose", "vote", "resolve"}
    assert {(u.strip('"'), v.strip('"')) for u, v, a in edges if red(a)} == {("propose", "vote"), ("vote", "resolve")}


def test_never_enabled_action_is_dashed(tmp_path):
    m = tmp_path / "m.fork"
    m.write_text("model M\nvar x: 0..2 = 0\naction inc when x < 2 { x = x + 1 }\n"
                 "action stuck when x > 5 { x = 0 }\naction reset when x == 2 { x = 0 }\n")
    r = invoke(m, "--kind", "actions")
    assert r.exit_code == 0, r.output
    nodes, edges = parse_dot(r.stdout)
    assert nodes['"stuck"']["style"] == "dashed"
    assert {(u, v): a["label"] for u, v, a in edges} == {('"inc"', '"reset"'): "1", ('"reset"', '"inc"'): "1"}
    states = parse_dot(invoke(m).stdout)
    assert (len(states[0]), len(states[1])) == (3, 3)


def test_output_file(tmp_path):
    out = tmp_path / "g.dot"
    r = invoke(LIBRA, *CODE2, "-o", out)
    assert r.exit_code == 0 and r.stdout == ""
    assert "67 states, 112 transitions" in r.stderr
    assert len(parse_dot(out.read_text())[0]) == 67


def test_svg_without_graphviz_writes_dot_and_exits_2(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    r = invoke(LIBRA, *CODE2, "--format", "svg", "-o", tmp_path / "g.svg")
    assert r.exit_code == 2
    assert "Graphviz" in r.stderr and "the DOT file was written to" in r.stderr
    assert (tmp_path / "g.dot").exists() and not (tmp_path / "g.svg").exists()


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz is not installed")
def test_svg_with_graphviz(tmp_path):
    r = invoke(LIBRA, *CODE2, "--format", "svg", "-o", tmp_path / "g.svg")
    assert r.exit_code == 0, r.output
    assert (tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")


@pytest.mark.parametrize("args,code,message", [
    (["-p", "RULE=Code"], 2, "give --param N=VALUE"),
    (["-p", "N=2"], 2, "RULE takes several values"),
    (CODE2 + ["--trace-of", "resolved_two_thirds"], 2, "did you mean 'resolved_had_two_thirds_yes'"),
    (CODE2 + ["--format", "png"], 2, "needs -o"),
    (["-p", "N=5", "-p", "RULE=Code", "--max-states", "100"], 3, "more than 100 reachable states"),
])
def test_errors(args, code, message):
    r = invoke(LIBRA, *args)
    assert r.exit_code == code, r.output
    assert message in r.output + r.stderr
    assert r.stdout == "" or code == 2 and "Usage" in r.output
