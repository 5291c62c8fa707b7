"""Time budgets, streamed verdicts and solver failures told in the model's terms (issue 13):
NOTE(budgets) in checker/run/portfolio.py, NOTE(streaming) in checker/semantics/control.py,
NOTE(stream-lines) in checker/cli/progress.py, NOTE(solver-text) in
checker/engines/symbolic/solver.py.

The fast tier asserts behaviour only (which budget applies, what a budget that runs out
gives, which lines stream, which words never appear); the slow tier pins issue 13's
done-when, kind and pdr on both shipped models at N = 4 within their default budgets, with
wall-clock asserts.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from forkproof.cli.main import cli
from forkproof.run.portfolio import DEFAULT_BUDGETS
from forkproof.run.sizes import ALL_SIZES_SECONDS

ROOT = Path(__file__).resolve().parents[1]
LIBRA = str(ROOT / "models" / "libra_framework_upgrade.fork")
NEAR = str(ROOT / "models" / "near_protocol_upgrade.fork")

# `/` and `div` by a state variable: Spacer rejects the clause ("Uninterpreted '/' in bad")
BY_A_VARIABLE = """model ByAVariable
var x: 1..5 = 1
var y: 0..5 = 0
action up when x < 5 { x = x + 1 }
action upy when y < 5 { y = y + 1 }
action stop when x == 5 and y == 5 { }
invariant ratio: y / x + y / x <= 2 * y + 10
invariant whole: (y div x) * 2 <= 10
invariant rest: y % x <= 5
"""
# (`y / x <= y + 5` and `y div x <= 5` alone are compared without dividing, and PDR proves
# them: NOTE(div-compare), NOTE(div-param) in checker/engines/symbolic/encode.py)

# `div` and `/` by an open param: the every-size proof's PDR sees N as a variable; `div` by
# it is exact (NOTE(div-param)), `/` inside a sum is not
BY_AN_OPEN_PARAM = """model ByAnOpenParam
param N: int
assume N >= 1
process Validator[N] {
  var voted: bool = false
}
var y: int = 0
action vote(v: Validator) when not v.voted {
  v.voted = true
  y = y + 1
}
action stop when forall v in Validator: v.voted { }
invariant whole: y div N <= 1
invariant share: y / N + y / N <= 2
"""

# what the solvers say, in their words: none of it may reach a report
SOLVER_WORDS = re.compile(r"spacer|uninterpreted|\bz3\b|smt|canceled|cancelled|reason_unknown|z3exception|"
                          r"incomplete \(|\(error", re.IGNORECASE)


def invoke(*args):
    return CliRunner().invoke(cli, list(args))


def flat(text: str) -> str:
    """The report with its wrapped lines joined (the text report wraps at 100 columns)."""
    return " ".join(text.split())


def model_file(tmp_path: Path, text: str) -> str:
    name = text.split()[1]
    path = tmp_path / f"{name}.fork"
    path.write_text(text)
    return str(path)


def assert_no_solver_text(*outputs: str) -> None:
    for out in outputs:
        found = SOLVER_WORDS.search(out)
        assert found is None, f"solver text {found.group(0)!r} in:\n{out}"


# ---------------------------------------------------------------- solver text


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit"])
def test_pdr_on_division_by_a_variable_says_so_in_the_models_terms(tmp_path, fmt):
    path = model_file(tmp_path, BY_A_VARIABLE)
    r = invoke("check", path, "--engine", "pdr", "--format", fmt, "--stream")
    assert r.exit_code == 3, r.output
    assert_no_solver_text(r.stdout, r.stderr)
    out = flat(r.stdout)
    assert "FP703: PDR cannot handle `/` by a value that is not a constant, in the condition of ratio" in out
    assert "FP703: PDR cannot handle `div` or `%` by a value that is not a constant, in the condition of whole" in out
    assert "in the condition of rest" in out  # `%` is encoded with div


def test_the_json_reason_of_each_unknown_is_a_coded_message(tmp_path):
    path = model_file(tmp_path, BY_A_VARIABLE)
    doc = json.loads(invoke("check", path, "--engine", "pdr", "--format", "json").stdout)
    reasons = {p["name"]: p["reason"] for p in doc["models"][0]["properties"] if p["verdict"] == "unknown"}
    assert set(reasons) == {"ratio", "whole", "rest"}
    assert all(r.startswith("FP703: ") for r in reasons.values()), reasons
    # kind decides what PDR cannot, as the message says
    doc = json.loads(invoke("check", path, "--engine", "kind", "--format", "json").stdout)
    assert {p["verdict"] for p in doc["models"][0]["properties"]} == {"proved"}


@pytest.mark.slow  # over 2.5 s; the fast tier keeps under 3 minutes on 2 cores (tests/conftest.py)
def test_the_every_size_proof_on_division_by_an_open_param_says_so(tmp_path):
    path = model_file(tmp_path, BY_AN_OPEN_PARAM)
    for fmt in ("text", "json"):
        r = invoke("check", path, "--format", fmt, "--up-to", "3", "--stream")
        assert r.exit_code == 3, r.output
        assert_no_solver_text(r.stdout, r.stderr)
        out = flat(r.stdout)
        assert ("FP703: the every-size prover cannot handle `/` by a value that depends on a param with "
                "no value, in the condition of share; bind the param (--param) to check fixed sizes") in out
        if fmt == "json":
            verdicts = {p["name"]: p["verdict"] for p in json.loads(r.stdout)["models"][0]["properties"]}
            assert verdicts == {"whole": "proved", "share": "unknown", "deadlock": "proved"}
    # bound, PDR proves both for the instance
    doc = json.loads(invoke("check", path, "-p", "N=3", "--engine", "pdr", "--format", "json").stdout)
    assert {p["verdict"] for p in doc["models"][0]["properties"]} == {"proved"}


def test_solver_messages_are_classified_without_quoting_the_solver():
    from forkproof.engines.symbolic import solver as S
    assert S.spacer_failure("Uninterpreted '/' in bad:", "p").startswith("FP703: PDR cannot handle `/`")
    assert "a step of the model (a guard, an update, or a fairness condition" in S.spacer_failure("Uninterpreted 'div' in step:", "p")
    assert S.gave_up("the base case at k = 2", "(incomplete (theory arithmetic)) nonlinear").startswith("FP702")
    assert S.gave_up("x", "canceled").startswith("FP705")
    assert S.gave_up("x", "smt tactic failed to show goal to be sat/unsat").startswith("FP704")
    for text in (S.gave_up("x", "smt tactic failed"), S.spacer_failure("Z3 weird failure", "p"),
                 S.unknown_answer("canceled", "y", True, "30 s per property")):
        assert_no_solver_text(text)


# ---------------------------------------------------------------- budgets


@pytest.mark.parametrize("engine", ["explicit", "bmc", "kind", pytest.param("pdr", marks=pytest.mark.slow), "auto"])
def test_every_engine_reports_its_default_budget(engine):
    r = invoke("check", NEAR, "--engine", engine, "--format", "json", "--depth", "3", "-p", "N=2",
               "-p", "BLOCKS=3", "--property", "at_most_one_version_passes")
    model = json.loads(r.stdout)["models"][0]
    seconds, per = DEFAULT_BUDGETS[engine]
    assert model["budget"] == {"engine": engine, "seconds": seconds, "per": per, "source": "default",
                               "every_size_seconds": None}
    assert {json.dumps(p["budget"]) for p in model["properties"]} == {json.dumps({"seconds": seconds, "per": per})}
    text = invoke("check", NEAR, "--engine", engine, "--depth", "3", "-p", "N=2", "-p", "BLOCKS=3",
                  "--property", "at_most_one_version_passes").stdout
    assert f"time budget {seconds:g}s per {per} (default)" in text.splitlines()[3]  # under the engines line


def test_timeout_replaces_the_default_in_the_same_unit_and_every_size_has_its_own():
    model = json.loads(invoke("check", LIBRA, "--engine", "kind", "--timeout", "5", "-p", "N=2", "-p", "RULE=Code",
                              "--property", "only_registered_hash_runs", "--format", "json").stdout)["models"][0]
    assert model["budget"] == {"engine": "kind", "seconds": 5.0, "per": "property", "source": "--timeout",
                               "every_size_seconds": None}

def test_the_every_size_proof_has_its_own_budget_per_property(tmp_path):
    path = model_file(tmp_path, BY_AN_OPEN_PARAM.replace("invariant whole: y div N <= 1", "invariant whole: y >= 0"))
    model = json.loads(invoke("check", path, "--up-to", "2", "--format", "json", "--property", "whole",
                              "--no-deadlock").stdout)["models"][0]
    assert model["budget"]["every_size_seconds"] == ALL_SIZES_SECONDS
    (p,) = model["properties"]
    assert p["verdict"] == "proved" and p["budget"] == {"seconds": ALL_SIZES_SECONDS, "per": "property"}


@pytest.mark.parametrize("engine", ["bmc", "kind", "pdr"])
def test_a_budget_that_runs_out_gives_unknown_with_how_far_never_a_proof(engine):
    """1 ns per property: nothing can be decided, and nothing is claimed."""
    r = invoke("check", NEAR, "--engine", engine, "--timeout", "1e-9", "--format", "json")
    assert r.exit_code == 3, r.output
    props = json.loads(r.stdout)["models"][0]["properties"]
    assert props and {p["verdict"] for p in props} == {"unknown"}
    for p in props:
        assert p["reason"].startswith("FP701: timeout (1e-09 s per property"), p
        assert " in " in p["reason"]  # where it stopped


def test_the_time_budget_of_the_explicit_search_is_per_instance_and_says_how_far():
    doc = json.loads(invoke("check", LIBRA, "-p", "N=6", "-p", "RULE=Intended", "--no-symmetry", "--timeout",
                            "1e-9", "--format", "json").stdout)
    props = doc["models"][0]["properties"]
    assert {p["verdict"] for p in props} == {"unknown"}
    assert all(re.match(r"FP701: timeout after 1e-09 s: [\d,]+ states explored, depth \d+ complete", p["reason"])
               for p in props if p["kind"] != "property"), props


# ---------------------------------------------------------------- streaming

STREAM_LINE = re.compile(r"^\[ *\d+\.\ds\] (?P<scope>[^:]*): (?P<name>\w+): (?P<verdict>[a-z ()0-9]+?) "
                         r"\((?P<engine>[a-z, +]+(?: \([^()]*\))?), \d+\.\d\ds\)(?P<reason>: .*)?$")


def streamed(stderr: str) -> list[dict]:
    out = []
    for line in stderr.splitlines():
        m = STREAM_LINE.match(line)
        assert m is not None, f"not a stream line: {line!r}"
        assert len(line) <= 160
        out.append(m.groupdict())
    return out


# kind and pdr take 5-7 s each: the slow tier; the fast tier streams with the other three
@pytest.mark.parametrize("engine", ["explicit", pytest.param("kind", marks=pytest.mark.slow),
                                    pytest.param("pdr", marks=pytest.mark.slow), "bmc", "auto"])
def test_stream_prints_each_property_once_per_instance(engine):
    args = ["-p", "N=1..2", "-p", "RULE=Code", "--depth", "6", "--timeout", "1"]  # two instances
    r = invoke("check", LIBRA, "--engine", engine, "--stream", "--format", "json", *args)
    doc = json.loads(r.stdout)["models"][0]
    lines = streamed(r.stderr)
    got = sorted((x["scope"], x["name"]) for x in lines)
    instances = [i["scope"] for i in doc["instances"]]
    names = {p["name"] for p in doc["properties"]}
    assert got == sorted((s, n) for s in instances for n in names), r.stderr
    # a line is that instance's verdict: the same as the report's where that instance decided it
    for p in doc["properties"]:
        mine = {x["verdict"] for x in lines if x["name"] == p["name"] and x["scope"] == p["scope"]}
        if mine:
            assert mine == {p["verdict_text"].split(" up to")[0]} or p["verdict"] == "holds_bounded", (p, mine)


def test_no_stream_lines_in_a_log_unless_asked_for():
    r = subprocess.run([sys.executable, "-m", "forkproof", "check", LIBRA, "-p", "N=2", "-p", "RULE=Code"],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1 and r.stderr == ""
    r = subprocess.run([sys.executable, "-m", "forkproof", "check", LIBRA, "-p", "N=2", "-p", "RULE=Code",
                        "--no-stream", "--progress"], capture_output=True, text=True, cwd=ROOT)
    assert "resolved_had_two_thirds_yes: violated" not in r.stderr


@pytest.mark.slow  # fast-tier budget: 3 min on 2 cores
def test_verdicts_stream_as_they_land_not_at_the_end():
    """Read the child's stderr while it runs: the safety verdicts of the first instance arrive
    before the report, while the liveness proofs are still running."""
    cmd = [sys.executable, "-m", "forkproof", "check", NEAR, "--engine", "kind", "--stream", "--timeout", "4"]
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    first = p.stderr.readline()
    still_running = p.poll() is None
    out, rest = p.communicate(timeout=120)
    assert STREAM_LINE.match(first.rstrip("\n")), first
    assert still_running  # the report was not yet written when the first verdict landed
    assert "newest_version_adopted: " in rest
    assert out.startswith("forkproof ")


# ---------------------------------------------------------------- the done-when, timed (slow tier)

MODELS = {"libra": LIBRA, "near": NEAR}


@pytest.mark.slow
@pytest.mark.parametrize("engine", ["kind", "pdr"])
@pytest.mark.parametrize("model", ["libra", "near"])
def test_kind_and_pdr_at_n4_finish_within_their_default_budgets_streaming_each_verdict(model, engine):
    """Issue 13's done-when: `check --engine kind|pdr --param N=4` on both shipped models
    ends within the documented budget (seconds per property x properties x instances, plus
    a margin for setup and the re-checks), every property gets a verdict on every instance,
    and each is streamed as it lands (measured times: bench/README.md, "Time budgets")."""
    cmd = [sys.executable, "-m", "forkproof", "check", MODELS[model], "--engine", engine, "-p", "N=4", "--stream",
           "--format", "json"]
    start = time.monotonic()
    p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    arrivals = []
    for line in p.stderr:
        arrivals.append((time.monotonic() - start, line.rstrip("\n")))
    out = p.stdout.read()
    p.wait(timeout=60)
    wall = time.monotonic() - start
    doc = json.loads(out)["models"][0]
    seconds, per = DEFAULT_BUDGETS[engine]
    assert per == "property" and doc["budget"]["seconds"] == seconds
    instances = [i["scope"] for i in doc["instances"]]
    names = {p["name"] for p in doc["properties"]}
    budget = seconds * len(names) * len(instances)
    assert wall < budget + 60, (wall, budget)
    lines = streamed("\n".join(text for _, text in arrivals))
    assert sorted((x["scope"], x["name"]) for x in lines) == sorted((s, n) for s in instances for n in names)
    assert all(p["verdict"] in ("proved", "violated", "unknown") for p in doc["properties"])
    # streamed, not printed at the end: the first verdict landed well before the run ended
    assert arrivals[0][0] < wall - 5 or wall < 10, arrivals
    for p in doc["properties"]:
        if p["verdict"] == "unknown":
            assert_no_solver_text(p["reason"])
