"""The command line: exit codes exactly as docs/architecture.md defines them, text and JSON output."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from forkproof.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
LIBRA = str(ROOT / "models" / "libra_framework_upgrade.fork")
NEAR = str(ROOT / "models" / "near_protocol_upgrade.fork")


# The 0L model leaves N open: every N, proved for all sizes at once (10-20 s).  The fast tier
# checks N = 1..6 instead, which prints the same lines; the slow tier the open N.
LIBRA_N = pytest.mark.parametrize("n", [
    pytest.param(("-p", "N=1..6"), id="N=1..6"),
    pytest.param((), id="every-N", marks=pytest.mark.slow),
])


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


@LIBRA_N
def test_violation_exits_1_and_prints_trace(n):
    r = invoke("check", LIBRA, *n)
    assert r.exit_code == 1
    assert "invariant violated: resolved_had_two_thirds_yes, N = 2, RULE = Code" in r.stdout
    assert "violated for N = 2..6; holds for N = 1" in r.stdout
    assert "vote(v = Validator[0], approve = true)" in r.stdout
    assert r.stdout.rstrip().endswith("exit code 1")


@LIBRA_N
def test_intended_rule_exits_0(n):
    r = invoke("check", LIBRA, "--param", "RULE=Intended", *n)
    assert r.exit_code == 0, r.output
    assert "violated" not in r.stdout


def test_near_states_its_parameters():
    r = invoke("check", NEAR)
    assert r.exit_code == 0
    assert "scope: N = 3, BLOCKS = 6, V = 2\n" in r.stdout
    assert "engines: explicit 826 states, depth 19 (+2,513 for liveness);" in r.stdout


def test_param_range_and_override():
    r = invoke("check", LIBRA, "-p", "N=4..5", "-p", "RULE=Intended", "--format", "json")
    doc = json.loads(r.stdout)
    assert r.exit_code == 0
    assert [i["scope"] for i in doc["models"][0]["instances"]] == ["N = 4, RULE = Intended", "N = 5, RULE = Intended"]
    assert [i["params"] for i in doc["models"][0]["instances"]] == [{"N": 4, "RULE": "Intended"}, {"N": 5, "RULE": "Intended"}]


def test_json_report_shape():
    r = invoke("check", LIBRA, "-p", "N=1..6", "-p", "RULE=Code", "--format", "json")
    doc = json.loads(r.stdout)
    assert doc["schema"] == 2 and doc["exit_code"] == 1 == r.exit_code
    props = {p["name"]: p for p in doc["models"][0]["properties"]}
    bad = props["resolved_had_two_thirds_yes"]
    assert bad["verdict"] == "violated" and bad["scope"] == "N = 2, RULE = Code"
    assert [s["action"] for s in bad["trace"]["steps"]] == [None, "propose", "vote", "resolve"]
    assert bad["trace"]["steps"][2]["args"] == {"v": "Validator[0]", "approve": True}
    assert props["resolved_at_most_once"]["verdict"] == "holds_exhaustive"
    assert props["resolved_at_most_once"]["states"] == sum(s for s in (17, 45, 67, 135, 237, 299))


def test_state_limit_gives_unknown_and_exit_3():
    r = invoke("check", NEAR, "--max-states", "50")
    assert r.exit_code == 3
    assert "unknown" in r.stdout and "holds" not in r.stdout.split("\n\n")[1]


def test_require_proof_makes_exhaustive_inconclusive():
    r = invoke("check", NEAR, "--require", "proof")
    assert r.exit_code == 3
    assert "weaker than --require proof" in r.stdout


@pytest.mark.parametrize("args,needle", [
    (["check", LIBRA, "-p", "M=3"], "the model has no param 'M'"),
    (["check", LIBRA, "-p", "N=x"], "--param N=x: expected a value of type int"),
    (["check", LIBRA, "-p", "RULE=Maybe"], "expected one of Code, Intended"),
    (["check", LIBRA, "-p", "N=0"], "violate the assumption 'N >= 1'"),
    (["check", LIBRA, "-p", "N"], "--param expects NAME=VALUE"),
    (["check", "/nonexistent/model.fork"], "no such file"),
    (["check", LIBRA, "--format", "xml"], "Invalid value for '--format'"),
    (["check"], "Missing argument"),
])
def test_bad_command_lines_exit_2(args, needle):
    r = invoke(*args)
    assert r.exit_code == 2
    assert needle in r.stderr + r.stdout
    assert "Traceback" not in r.stderr + r.stdout


def test_bad_model_in_json_mode_reports_errors(tmp_path):
    bad = tmp_path / "bad.fork"
    bad.write_text("model Bad\nvar x: int = y\n")
    r = invoke("check", str(bad), "--format", "json")
    doc = json.loads(r.stdout)
    assert r.exit_code == 2 == doc["exit_code"]
    assert doc["errors"][0]["code"] == "FP202"
    assert doc["errors"][0]["span"] == {"line": 2, "col": 14, "end_line": 2, "end_col": 15}


def test_parse_and_dump_ir():
    r = invoke("parse", NEAR)
    assert r.exit_code == 0 and "is well-formed" in r.stdout
    r = invoke("parse", NEAR, "--dump-ir")
    ir = json.loads(r.stdout)
    assert ir["node"] == "Model" and ir["name"] == "NearProtocolUpgrade"
    assert [i["name"] for i in ir["invariants"]][:2] == ["blocks_count_what_was_produced", "version_never_decreases"]
    assert [i["step"] for i in ir["invariants"]][:2] == [False, True]


def test_version_and_help():
    assert invoke("--version").stdout.startswith("forkproof, version 0.1.0")
    h = invoke("--help")
    assert h.exit_code == 0 and "Exit codes" in h.stdout


def test_several_models_worst_exit_code_wins():
    # --param applies to both models: N = 3 is NEAR's default and breaks 0L's code rule.  (The
    # open N would add only the every-size proof, run through the CLI by
    # test_violation_exits_1_and_prints_trace[every-N].)
    r = invoke("check", NEAR, LIBRA, "-p", "N=3")
    assert r.exit_code == 1
    assert r.stdout.count("forkproof 0.1.0:") == 2


def test_a_sweep_may_depend_on_an_earlier_param(tmp_path):
    model = tmp_path / "dep.fork"
    model.write_text("model Dep\nparam N: int = 1..3\nparam M: int = 1..N\nvar x: int = 0\n"
                     "action a when x < M { x = x + 1 }\naction idle when x == M { }\ninvariant bounded: x <= N\n")
    r = invoke("check", str(model), "--format", "json")
    scopes = [i["scope"] for i in json.loads(r.stdout)["models"][0]["instances"]]
    assert scopes == ["N = 1, M = 1", "N = 2, M = 1", "N = 2, M = 2", "N = 3, M = 1", "N = 3, M = 2", "N = 3, M = 3"]
    assert r.exit_code == 0


def test_initial_values_outside_the_range_are_a_runtime_error(tmp_path):
    model = tmp_path / "init.fork"
    model.write_text("model Init\nvar x: 0..3 in 0..10\naction a { x = x }\n")
    r = invoke("check", str(model))
    assert r.exit_code == 1
    assert "initial state: initial value 4 is outside 0..3 for x" in r.stdout


@pytest.mark.parametrize("engine", ["explicit", "bmc", "kind", "pdr", "auto"])
def test_invalid_initial_state_is_a_runtime_error_for_every_engine(tmp_path, engine):
    # the symbolic encodings assume valid initial states: they must not "prove" anything here
    f = tmp_path / "init.fork"
    f.write_text("model M\nparam N: int = 1\nvar g: 0..N in 1..2\nvar x: bool = false\naction go { x = not x }\n"
                 "invariant i: true\n")
    r = invoke("check", str(f), "--engine", engine)
    assert r.exit_code == 1, r.output
    assert "runtime error, N = 1\n  initial state: initial value 2 is outside 0..1 for g" in r.stdout
    assert "proved" not in r.stdout.split("result:")[-1]
