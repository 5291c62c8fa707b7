"""The Python API (docs/api.md): `forkproof.load`, `check`, `thresholds`, `diff`, as a
notebook or a script uses them, and the same answers as the command line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

import forkproof
from forkproof.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
LIBRA = ROOT / "models" / "libra_framework_upgrade.fork"

TINY = """model Tiny
param N: int = 2
enum Ballot { Unvoted, Yes }
process V[N] { var ballot: Ballot = Unvoted }
var done: bool = false
action vote(v: V) when v.ballot == Unvoted { v.ballot = Yes }
action finish when count(v in V where v.ballot == Yes) > 1/2 * N and not done { done = true }
invariant only_after_majority: done implies count(v in V where v.ballot == Yes) > 1/2 * N
invariant never_done: not done
"""


def test_public_names_are_exactly_all():
    assert sorted(forkproof.__all__) == sorted(
        ["__version__", "load", "load_text", "read_source", "check", "thresholds", "diff", "Report", "Result",
         "ThresholdsReport", "DiffReport", "ExitCode", "ModelError", "Diagnostic"])
    for name in forkproof.__all__:
        assert getattr(forkproof, name) is not None
    assert forkproof.__version__ == "0.1.0"
    with pytest.raises(AttributeError):
        forkproof.check_model  # noqa: B018 - internal names are not part of the API


def test_the_issue_example_exits_1():
    r = forkproof.check(forkproof.load(str(LIBRA)), params={"N": 2, "RULE": "Code"})
    assert r.exit_code == 1 == forkproof.ExitCode.VIOLATED
    bad = {x.name: x for x in r.violated()}
    assert set(bad) == {"resolved_had_two_thirds_yes", "resolvable_gets_resolved"}
    t = bad["resolved_had_two_thirds_yes"].trace
    assert [s["action"] for s in t["steps"]] == [None, "propose", "vote", "resolve"]
    assert t["steps"][2]["args"] == {"v": "Validator[0]", "approve": True}
    assert bad["resolved_had_two_thirds_yes"].scope == "N = 2, RULE = Code"


def test_load_takes_a_path_a_string_path_or_text():
    by_path = forkproof.load(LIBRA)
    by_str = forkproof.load(str(LIBRA))
    assert by_path.name == by_str.name == "LibraFrameworkUpgrade"
    m = forkproof.load(TINY)
    assert m.name == "Tiny" and m.path == "<text>"


def test_bad_input_raises_model_error_with_diagnostics():
    with pytest.raises(forkproof.ModelError) as e:
        forkproof.load("model Broken\nvar x: int = \n")
    d = e.value.diagnostics[0]
    assert d.code == "FP102" and d.span.line == 2 and "expected" in d.message
    with pytest.raises(forkproof.ModelError) as e:
        forkproof.load("models/no_such_model.fork")
    assert e.value.diagnostics[0].code == "FP001"
    with pytest.raises(forkproof.ModelError) as e:
        forkproof.check(forkproof.load(LIBRA), params={"N": 2, "RULE": "Sloppy"})
    assert e.value.diagnostics[0].code == "FP501" and "Code, Intended" in e.value.diagnostics[0].message


def test_params_take_python_values_ranges_and_strings():
    m = forkproof.load(TINY)
    a = forkproof.check(m, params={"N": range(1, 4)})
    b = forkproof.check(m, params={"N": "1..3"})
    c = forkproof.check(m, params={"N": [1, 2, 3]})
    assert [(x.name, x.verdict, x.scope) for x in a.results] == [(x.name, x.verdict, x.scope) for x in b.results] \
        == [(x.name, x.verdict, x.scope) for x in c.results]
    never = next(x for x in a.results if x.name == "never_done")
    assert never.verdict == "violated" and never.scope == "N = 1"


def test_same_report_as_the_command_line():
    r = forkproof.check(forkproof.load(str(LIBRA.relative_to(ROOT))), params={"N": 3, "RULE": "Intended"})
    import os
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        out = CliRunner().invoke(cli, ["check", "models/libra_framework_upgrade.fork", "-p", "N=3",
                                       "-p", "RULE=Intended", "--format", "json"])
    finally:
        os.chdir(cwd)
    doc = json.loads(out.stdout)
    assert out.exit_code == r.exit_code == 0
    assert json.loads(r.to_json()) == {**doc, "exit_code": r.exit_code}
    assert [(p["name"], p["verdict"], p["states"]) for p in doc["models"][0]["properties"]] == \
        [(x.name, x.verdict, x.states) for x in r.results]


def test_a_ctrl_c_in_one_check_never_reaches_the_next():
    """NOTE(interrupt): the flag belongs to one check (issue: after one Ctrl-C in a notebook
    every later check returned an empty report and exit code 0)."""
    m = forkproof.load(LIBRA)

    def interrupt(*_):
        raise KeyboardInterrupt

    cut = forkproof.check(m, params={"N": "1..3", "RULE": "Code"}, symmetry=False,
                          progress=interrupt)
    assert cut.exit_code == 3
    assert any("interrupted (Ctrl-C)" in n for n in cut.notes)
    assert all(x.verdict == "unknown" for x in cut.results)
    full = forkproof.check(m, params={"N": "1..3", "RULE": "Code"}, symmetry=False)
    fresh = forkproof.check(forkproof.load(LIBRA), params={"N": "1..3", "RULE": "Code"}, symmetry=False)
    assert full.exit_code == 1
    assert len(full.raw.instances) == 3 and not any("interrupted" in n for n in full.notes)
    assert [(x.name, x.verdict, x.scope, x.states) for x in full.results] == \
        [(x.name, x.verdict, x.scope, x.states) for x in fresh.results]


def test_thresholds_and_diff():
    m = forkproof.load(LIBRA)
    t = forkproof.thresholds(m, params={"N": 4}, up_to=6)
    assert t.exit_code == 1
    assert [r.name for r in t.thresholds] == ["code_rule", "intended_rule"]
    assert "threshold code_rule" in t.text() and t.to_json()["exit_code"] == 1
    d = forkproof.diff(m, m, params={"N": 2})
    assert d.exit_code == 0 and {c.change for c in d.changes} <= {"still_holds", "still_violated"}
    assert d.to_json()["command"] == "diff"


def test_unknown_engine_is_a_value_error():
    with pytest.raises(ValueError, match="engine must be one of"):
        forkproof.check(forkproof.load(TINY), engine="tlc")


def _doc_example(name: str) -> tuple[str, list[str]]:
    """The first python block of a doc, and the output it says its prints give: the `# ...`
    lines right after a print, or a print line's own trailing `# ...`."""
    text = (ROOT / name).read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    expected, after_print = [], False
    for line in code.splitlines():
        if after_print and line.startswith("# "):
            expected.append(line[2:])
            continue
        after_print = line.lstrip().startswith("print(") or "    print(" in line
        if after_print and "  # " in line:
            expected.append(line.split("  # ", 1)[1].strip())
            after_print = False
    return code, expected


@pytest.mark.parametrize("name", [pytest.param("docs/api.md", marks=pytest.mark.slow), "README.md"])
def test_the_documented_example_runs_and_prints_what_it_says(name, capsys, monkeypatch):
    code, expected = _doc_example(name)
    assert len(expected) >= 2
    monkeypatch.chdir(ROOT)
    exec(compile(code, name, "exec"), {})
    assert capsys.readouterr().out.splitlines() == expected
