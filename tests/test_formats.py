"""CI-native output (checker/output/formats.py): JUnit read back with junitparser, SARIF validated
against the SARIF 2.1.0 JSON schema, ITF traces read back with itf-py, and the same input
giving the same bytes (NOTE(determinism))."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import junitparser
import pytest
from click.testing import CliRunner
from itf_py import trace_from_json

from forkproof.cli.main import cli
from forkproof.output.formats import artifact_uri, itf_name

ROOT = Path(__file__).resolve().parents[1]
LIBRA = str(ROOT / "models" / "libra_framework_upgrade.fork")
NEAR = str(ROOT / "models" / "near_protocol_upgrade.fork")
FAST = {LIBRA: ["-p", "N=1..4", "-p", "RULE=Code"], NEAR: []}  # both shipped models, kept fast
# The SARIF 2.1.0 schema (SchemaStore's sarif-2.1.0-rtm.5.json, as shipped in the npm package
# @microsoft/jest-sarif): vendored so that the tests need no network.
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-2.1.0-rtm.5.json").read_text())

# A model with every shape of location: a range-keyed map, a nested map with bool and enum
# keys, a process-id-valued global, a family local that is a map, a rational.
SHAPES = """\
model Shapes
param N: int = 2
enum Ballot { Unvoted, Yes, No }
process Validator[N] {
  var ballot: Ballot = Unvoted
  var seen: [Ballot] bool = false
}
var leader: Validator = any
var blocks: [0..2] 0..3 = 0
var grid: [bool] [Ballot] bool = false
var share: rat = 0
action vote(v: Validator) when v.ballot == Unvoted {
  v.ballot = Yes
  v.seen[Yes] = true
  blocks[1] = blocks[1] + 1
  grid[true][No] = true
  share = share + 1/2
}
invariant few_votes: blocks[1] < 2
"""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def run_check(model: str, fmt: str, *extra: str):
    return invoke("check", model, *FAST[model], "--format", fmt, *extra)


def decl_line(path: str, pattern: str) -> int:
    text = Path(path).read_text()
    m = re.search(pattern, text, re.M)
    assert m, pattern
    return text.count("\n", 0, m.start()) + 1


# ---------------------------------------------------------------- JUnit


def test_junit_reads_back_one_case_per_property_with_traces():
    text = run_check(LIBRA, "text")
    r = run_check(LIBRA, "junit")
    assert r.exit_code == 1
    xml = junitparser.JUnitXml.fromstring(r.stdout)
    suites = list(xml)
    assert [s.name for s in suites] == ["LibraFrameworkUpgrade"]
    cases = {c.name: c for c in suites[0]}
    assert suites[0].tests == len(cases) == 7 and suites[0].failures == 2 and suites[0].errors == 0
    bad = cases["resolved_had_two_thirds_yes [N = 2, RULE = Code]"]
    (failure,) = bad.result
    assert isinstance(failure, junitparser.Failure) and failure.type == "violated"
    # the failure carries the text report's paragraph: heading, trace table
    assert failure.text in text.stdout
    assert "vote(v = Validator[0], approve = true): Validator[0].ballot = Yes" in failure.text
    lasso = cases["resolvable_gets_resolved [N = 2, RULE = Code]"].result[0]
    assert "back to step 2, the cycle repeats forever" in lasso.text
    assert bad._elem.get("line") == str(decl_line(LIBRA, r"^invariant resolved_had_two_thirds_yes"))
    good = cases["resolved_at_most_once [N = 1..4, RULE = Code]"]
    assert good.is_passed and good.system_out.startswith("holds (exhaustive): resolved_at_most_once")
    assert all(c._elem.get("time") is None for c in suites[0])  # no timings by default


def test_junit_unknown_is_an_error_not_a_pass_or_skip():
    r = run_check(NEAR, "junit", "--max-states", "50")
    assert r.exit_code == 3
    cases = list(next(iter(junitparser.JUnitXml.fromstring(r.stdout))))
    assert cases and all(not c.is_passed and not c.is_skipped for c in cases)
    err = cases[0].result[0]
    assert isinstance(err, junitparser.Error) and err.type == "unknown" and "50" in err.message


def test_junit_verdict_weaker_than_require_is_an_error():
    r = run_check(NEAR, "junit", "--require", "proof")
    assert r.exit_code == 3
    cases = list(next(iter(junitparser.JUnitXml.fromstring(r.stdout))))
    assert {c.result[0].type for c in cases} == {"weaker-than-required"}


def test_junit_and_sarif_report_a_bad_model(tmp_path):
    bad = tmp_path / "bad.fork"
    bad.write_text("model Bad\nvar x: bool = flase\n")
    r = invoke("check", str(bad), "--format", "junit")
    assert r.exit_code == 2
    (suite,) = junitparser.JUnitXml.fromstring(r.stdout)
    (case,) = suite
    assert case.result[0].type == "model-error" and "bad.fork:2:" in case.result[0].text
    r = invoke("check", str(bad), "--format", "sarif")
    assert r.exit_code == 2
    doc = json.loads(r.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    (res,) = doc["runs"][0]["results"]
    assert res["ruleId"] == "model-error" and res["locations"][0]["physicalLocation"]["region"]["startLine"] == 2


# ---------------------------------------------------------------- SARIF


@pytest.mark.parametrize("model, extra", [(LIBRA, ()), (NEAR, ()), (NEAR, ("--max-states", "50")),
                                          (LIBRA, ("--timings",))])
def test_sarif_validates_against_the_2_1_0_schema(model, extra):
    r = run_check(model, "sarif", *extra)
    doc = json.loads(r.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA, format_checker=jsonschema.FormatChecker()).validate(doc)
    (run,) = doc["runs"]
    assert run["tool"]["driver"]["name"] == "forkproof"
    assert run["invocations"][0]["exitCode"] == r.exit_code
    rule_ids = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
    for res in run["results"]:
        assert rule_ids[res["ruleIndex"]] == res["ruleId"]


def test_sarif_results_sit_at_declarations_and_traces_at_actions():
    r = run_check(LIBRA, "sarif")
    results = json.loads(r.stdout)["runs"][0]["results"]
    assert len(results) == 2 and {res["level"] for res in results} == {"error"}
    inv = next(res for res in results if res["ruleId"] == "invariant")
    region = inv["locations"][0]["physicalLocation"]["region"]
    assert region["startLine"] == decl_line(LIBRA, r"^invariant resolved_had_two_thirds_yes")
    (flow,) = inv["codeFlows"][0]["threadFlows"]
    steps = flow["locations"]
    assert [s["location"]["message"]["text"].split(":")[0] for s in steps] == \
        ["step 0", "step 1", "step 2", "step 3"]
    assert steps[2]["location"]["message"]["text"] == \
        "step 2: vote(v = Validator[0], approve = true): Validator[0].ballot = Yes"
    assert steps[2]["location"]["physicalLocation"]["region"]["startLine"] == decl_line(LIBRA, r"^action vote\b")
    assert steps[0]["location"]["physicalLocation"]["region"]["startLine"] == decl_line(LIBRA, r"^model ")
    lasso = next(res for res in results if res["ruleId"] == "property")
    locs = lasso["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(locs) == 7 and "back to step 2" in locs[-1]["location"]["message"]["text"]


def test_sarif_unknown_is_a_warning():
    r = run_check(NEAR, "sarif", "--max-states", "50")
    results = json.loads(r.stdout)["runs"][0]["results"]
    assert results and {(x["ruleId"], x["level"]) for x in results} == {("inconclusive", "warning")}


# ---------------------------------------------------------------- ITF


def test_itf_traces_load_with_itf_py(tmp_path):
    r = invoke("check", LIBRA, *FAST[LIBRA], "--format", "json", "--trace-dir", str(tmp_path))
    report = json.loads(r.stdout)["models"][0]
    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["LibraFrameworkUpgrade_resolvable_gets_resolved_N2_RULECode.itf.json",
                     "LibraFrameworkUpgrade_resolved_had_two_thirds_yes_N2_RULECode.itf.json"]
    for prop in (p for p in report["properties"] if p["verdict"] == "violated"):
        name = itf_name("LibraFrameworkUpgrade", prop["name"], prop["scope"])
        trace = trace_from_json(json.loads((tmp_path / name).read_text()))
        steps = prop["trace"]["steps"]
        assert trace.params == ["N", "RULE"] and trace.states[0].values["N"] == 2
        assert trace.states[0].values["RULE"] == "Code"
        assert trace.vars[-1] == "Validator.ballot" and len(trace.states) == len(steps)
        assert trace.loop == prop["trace"]["loop_start"]
        for state, step in zip(trace.states, steps):
            assert state.meta["action"] == step["action"]
            for var in trace.vars:
                assert var in state.values
            flat = {k: v for k, v in state.values.items() if k not in ("N", "RULE", "Validator.ballot")}
            flat.update({f"{pid}.ballot": b for pid, b in state.values["Validator.ballot"].items()})
            assert flat == step["state"]


def test_itf_every_location_shape(tmp_path):
    model = tmp_path / "shapes.fork"
    model.write_text(SHAPES)
    out = tmp_path / "traces"
    r = invoke("check", str(model), "--trace-dir", str(out))
    assert r.exit_code == 1, r.output
    assert f"ITF trace written: {out / 'Shapes_few_votes_N2.itf.json'}" in r.stdout
    raw = json.loads((out / "Shapes_few_votes_N2.itf.json").read_text())
    trace = trace_from_json(raw)
    assert trace.vars == ["leader", "blocks", "grid", "share", "Validator.ballot", "Validator.seen"]
    last = trace.states[-1].values
    assert last["blocks"] == {0: 0, 1: 2, 2: 0}
    assert last["grid"][True]["No"] is True and last["grid"][False]["No"] is False
    assert last["share"] == "1" and trace.states[1].values["share"] == "1/2"
    assert last["leader"] in ("Validator[0]", "Validator[1]")
    assert last["Validator.ballot"] == {"Validator[0]": "Yes", "Validator[1]": "Yes"}
    assert last["Validator.seen"]["Validator[1]"] == {"Unvoted": False, "Yes": True, "No": False}
    assert raw["states"][1]["#meta"]["action"] == "vote" and "loop" not in raw


def test_itf_name_is_a_slug():
    assert itf_name("M", "p", "N = 2, RULE = Code") == "M_p_N2_RULECode.itf.json"
    assert itf_name("M", "deadlock", "") == "M_deadlock.itf.json"
    assert itf_name("M", "p", "all N with N >= 1") == "M_p_allNwithN--1.itf.json"


# ---------------------------------------------------------------- determinism


@pytest.mark.parametrize("model", [LIBRA, NEAR])
@pytest.mark.parametrize("fmt", ["json",  # junit and sarif: 2 s each (a fresh process), slow tier
                                 pytest.param("junit", marks=pytest.mark.slow),
                                 pytest.param("sarif", marks=pytest.mark.slow)])
def test_same_input_same_bytes(model, fmt, tmp_path):
    args = ["check", model, *FAST[model], "--format", fmt]
    first = CliRunner().invoke(cli, args + ["--trace-dir", str(tmp_path / "a")])
    second = CliRunner().invoke(cli, args + ["--trace-dir", str(tmp_path / "b")])
    third = subprocess.run([sys.executable, "-m", "forkproof.cli.main", *args, "--trace-dir", str(tmp_path / "c")],
                           cwd=ROOT, capture_output=True)
    assert first.exit_code == second.exit_code == third.returncode
    assert first.stdout_bytes == second.stdout_bytes == third.stdout
    itf = [{p.name: p.read_bytes() for p in (tmp_path / d).glob("*")} if (tmp_path / d).exists() else {}
           for d in "abc"]
    assert itf[0] == itf[1] == itf[2]


def test_timings_only_on_request():
    plain = json.loads(run_check(NEAR, "json").stdout)
    timed = json.loads(run_check(NEAR, "json", "--timings").stdout)
    assert plain["schema"] == timed["schema"] == 2
    m0, m1 = plain["models"][0], timed["models"][0]
    assert "seconds" not in m0 and "seconds" in m1
    assert all("seconds" not in x for x in m0["instances"] + m0["properties"])
    assert all("seconds" in x for x in m1["instances"] + m1["properties"])
    strip = lambda d: {k: v for k, v in d.items() if k != "seconds"}  # noqa: E731
    assert strip(m1) | {"instances": [], "properties": []} == m0 | {"instances": [], "properties": []}
    assert [strip(p) for p in m1["properties"]] == m0["properties"]
    junit = run_check(NEAR, "junit", "--timings").stdout
    assert re.search(r'<testcase [^>]*time="\d+\.\d{3}"', junit)


# deadlock (at the `model` line) and a runtime error (at the action that fails)
STUCK = """\
// a counter that overflows on one path and gets stuck on the other
model Stuck
var x: 0..2 = 0
var halted: bool = false
action step when not halted and x < 2 { x = x + 1 }
action overflow when x == 2 and not halted { x = x + 1 }
action halt when x == 1 and not halted { halted = true }
invariant small: x <= 2
"""


def test_deadlock_and_runtime_locations(tmp_path):
    model = tmp_path / "stuck.fork"
    model.write_text(STUCK)
    r = invoke("check", str(model), "--format", "sarif")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    results = {res["ruleId"]: res for res in doc["runs"][0]["results"]}
    assert set(results) == {"deadlock", "runtime"}
    line = lambda res: res["locations"][0]["physicalLocation"]["region"]["startLine"]  # noqa: E731
    assert line(results["deadlock"]) == 2 and line(results["runtime"]) == 6
    last = results["runtime"]["codeFlows"][0]["threadFlows"][0]["locations"][-1]["location"]
    assert last["message"]["text"].endswith("action overflow: value 3 is outside 0..2 for x")
    assert artifact_uri(str(model)) == model.as_uri() == results["runtime"]["locations"][0][
        "physicalLocation"]["artifactLocation"]["uri"]
    junit = invoke("check", str(model), "--format", "junit")
    cases = {c.name: c for c in next(iter(junitparser.JUnitXml.fromstring(junit.stdout)))}
    assert cases["deadlock"].result[0].type == "violated" and cases["deadlock"]._elem.get("line") == "2"
    assert "deadlock reached (no action enabled), the model" in cases["deadlock"].result[0].text
    assert cases["runtime"]._elem.get("line") == "6" and cases["small"].is_passed
