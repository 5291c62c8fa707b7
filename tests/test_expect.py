"""Expected verdicts (`expect violated`, NOTE(expect) in spec/ir.py, NOTE(expect-outcome) in
checker/run/results.py) and property selection (`--property` / `--skip`, checker/run/select.py),
through every command and output format; issue 13's "done when" on the 0L model."""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

import forkproof
from forkproof.cli.main import cli
from tests.expect_copy import COPY, MODEL, ROOT, expected_copy
from tests.test_formats import SARIF_SCHEMA

LIBRA_N = pytest.mark.parametrize("n", [
    pytest.param(("-p", "N=1..6"), id="N=1..6"),
    pytest.param((), id="every-N", marks=pytest.mark.slow),
])

SMALL = """model Small
enum Mode { Loose, Strict }
param MODE: Mode
var x: 0..3 = 0
action inc when x < 3 and (MODE == Loose or x < 1) { x = x + 1 }
action stay when x == 3 or (MODE == Strict and x == 1) { }
invariant below_two: x < 2 EXPECT_TWO
invariant below_four: x < 4 EXPECT_FOUR
property reaches_one: eventually x >= 1
fair action inc
"""


def small(tmp_path: Path, two: str = 'expect violated when MODE == Loose "Loose lets x reach 3"',
          four: str = "") -> str:
    path = tmp_path / "small.fork"
    path.write_text(SMALL.replace("EXPECT_TWO", two).replace("EXPECT_FOUR", four), encoding="utf-8")
    return str(path)


def invoke(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def rows(stdout: str) -> dict[tuple[str, str], str]:
    """(property, column) -> the verdict in the text report's table (docs/language.md 8.7):
    the column is a group of finite params ("RULE = Code") or "verdict" when there is one;
    the cell without where it applies ("at N = 2") and its engine."""
    out: dict[tuple[str, str], str] = {}
    lines = stdout.splitlines()
    head = next((i for i, line in enumerate(lines) if line.startswith("  property  ")), None)
    if head is None:
        return out
    columns = re.split(r"\s{2,}", lines[head].strip())[1:]
    width = lines[head].index(columns[0])  # where the first column after the name starts
    name = None
    for line in lines[head + 1:]:
        if not line.strip():
            break
        if line[:width].strip():
            name = line[:width].strip()
        elif columns[0] != "params":
            continue  # a note or a reason under a property
        cells = re.split(r"\s{2,}", line[width:].strip())
        if columns[0] == "params":  # a row per group (too many groups side by side)
            cells, columns_here = cells[1:], [cells[0]]
        else:
            columns_here = columns
        for col, cell in zip(columns_here, cells):
            if col in ("engine", "time"):
                continue
            cell = re.sub(r" \((?:kind|pdr|bmc|explicit)[^)]*\)$", "", cell)
            out[(name, col)] = re.sub(r" (?:at|for) (?:N|MODE|all N).*$", "", cell)
    return out


# ---------------------------------------------------------------- the 0L copy (issue 13, done when)


def test_the_shipped_copy_is_the_model_with_the_code_rules_expectations():
    assert COPY.read_text(encoding="utf-8") == expected_copy(MODEL.read_text(encoding="utf-8")), \
        "regenerate it: python -m tests.expect_copy"


def _hook() -> dict[str, str]:
    """The forkproof-check hook of .pre-commit-hooks.yaml (flat `key: value` lines; no YAML library needed)."""
    hooks, cur = [], None
    for line in (ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8").splitlines():
        if line.startswith("- "):
            cur = {}
            hooks.append(cur)
            line = "  " + line[2:]
        m = re.match(r"  (\w+): (.*)$", line)
        if m and cur is not None:
            cur[m.group(1)] = m.group(2)
    (hook,) = [h for h in hooks if h.get("id") == "forkproof-check"]
    return hook


@LIBRA_N
def test_the_pre_commit_hook_passes_on_the_copy_and_shows_the_violations_as_expected(n):
    """Done when: the copy exits 0 with the code rule's violations shown as expected, and the
    hook from .pre-commit-hooks.yaml passes on it.  The hook is run as pre-commit runs it:
    its `entry`, the `args` of a config (here the fast tier's N = 1..6), then the file."""
    hook = _hook()
    assert re.fullmatch(hook["files"], "").__class__ is type(None) and re.search(hook["files"], COPY.name)
    entry = shlex.split(hook["entry"])
    assert entry[0] == "forkproof"
    exe = [sys.executable, "-m", "forkproof"] + entry[1:]  # the `forkproof` of this interpreter
    args = shlex.split(hook.get("args", "[]").strip("[]").replace(",", " ")) + list(n)
    p = subprocess.run(exe + args + [str(COPY.relative_to(ROOT))], cwd=ROOT, capture_output=True, text=True,
                       stdin=subprocess.DEVNULL, timeout=600)
    assert p.returncode == 0, p.stdout + p.stderr
    table = rows(p.stdout)
    assert table[("resolved_had_two_thirds_yes", "RULE = Code")] == "violated (expected)"
    assert table[("resolvable_gets_resolved", "RULE = Code")] == "violated (expected)"
    assert "violated" not in "".join(v for (name, scope), v in table.items() if "Intended" in scope)
    assert "invariant violated, as expected: resolved_had_two_thirds_yes, N = 2, RULE = Code" in p.stdout
    assert "property violated, as expected: resolvable_gets_resolved, N = 2, RULE = Code" in p.stdout
    assert "  expected violated at line 108 when RULE == Code: T = (N div 3) * 2 + 1 counts votes cast" in p.stdout
    assert "3  resolve(s = Built): status = Resolved" in p.stdout  # still with its trace
    assert re.search(r"result: 12 (proved|holds \(exhaustive\)), 2 expected violations; exit code 0$", p.stdout.strip())


@LIBRA_N
def test_removing_one_expectation_makes_the_copy_exit_1(tmp_path, n):
    path = tmp_path / "libra_one_less.fork"
    path.write_text(expected_copy(MODEL.read_text(encoding="utf-8"), drop=("resolvable_gets_resolved",)))
    r = invoke("check", path, *n)
    assert r.exit_code == 1, r.stdout
    assert rows(r.stdout)[("resolvable_gets_resolved", "RULE = Code")] == "violated"
    assert "property violated: resolvable_gets_resolved, N = 2, RULE = Code" in r.stdout
    assert "invariant violated, as expected: resolved_had_two_thirds_yes" in r.stdout
    assert re.search(r"1 violated, 1 expected violation; exit code 1$", r.stdout.strip())


@LIBRA_N
def test_a_property_that_holds_marked_expected_violated_is_reported_fixed(tmp_path, n):
    text = COPY.read_text(encoding="utf-8").replace(
        "invariant only_registered_hash_runs: ran implies ran_script == ran_registered",
        'invariant only_registered_hash_runs: ran implies ran_script == ran_registered expect violated "stale"')
    path = tmp_path / "libra_stale.fork"
    path.write_text(text, encoding="utf-8")
    r = invoke("check", path, *n)
    assert r.exit_code == 1, r.stdout
    for rule in ("Code", "Intended"):
        verdict = rows(r.stdout)[("only_registered_hash_runs", f"RULE = {rule}")]
        assert verdict.endswith(", fixed: expected violated")
        assert f"fixed: invariant only_registered_hash_runs, " in r.stdout
    assert "the violation is gone: remove the `expect violated`" in r.stdout
    assert re.search(r", 2 expected violations, 2 fixed \(hold though expected violated\); exit code 1$",
                     r.stdout.strip())


# ---------------------------------------------------------------- outcomes and exit codes


def test_expectation_applies_only_where_its_condition_holds(tmp_path):
    r = invoke("check", small(tmp_path))
    assert r.exit_code == 0, r.stdout
    table = rows(r.stdout)
    assert table[("below_two", "MODE = Loose")] == "violated (expected)"
    assert table[("below_two", "MODE = Strict")] == "holds (exhaustive)"
    assert r.stdout.strip().endswith("result: 7 holds (exhaustive), 1 expected violation; exit code 0")


def test_an_expectation_without_condition_that_holds_somewhere_is_fixed_there(tmp_path):
    r = invoke("check", small(tmp_path, two="expect violated"))
    assert r.exit_code == 1
    assert rows(r.stdout)[("below_two", "MODE = Strict")] == "holds (exhaustive), fixed: expected violated"
    assert "fixed: invariant below_two, MODE = Strict: holds (exhaustive), but the model expects it violated" in r.stdout
    assert "  expected violated at line 7" in r.stdout


def test_an_expected_violation_left_unknown_stays_inconclusive(tmp_path):
    r = invoke("check", small(tmp_path, four="expect violated"), "--max-states", "1")
    assert r.exit_code == 3
    assert rows(r.stdout)[("below_four", "MODE = Loose")] == "unknown, expected violated"
    assert "expected violations not confirmed" in r.stdout


def test_a_bounded_search_that_finds_nothing_is_fixed_only_when_bounded_is_enough(tmp_path):
    path = small(tmp_path, two="", four='expect violated "never"')
    r = invoke("check", path, "--engine", "bmc", "--depth", "4", "--require", "bounded", "--property", "below_four")
    assert r.exit_code == 1 and "holds up to depth 4, fixed: expected violated" in r.stdout
    r = invoke("check", path, "--engine", "bmc", "--depth", "4", "--property", "below_four")
    assert r.exit_code == 3 and "holds up to depth 4, expected violated" in r.stdout


def test_json_says_what_became_of_each_expectation(tmp_path):
    r = invoke("check", small(tmp_path, four='expect violated "never"'), "--format", "json")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    props = {(p["name"], p["scope"]): p for p in doc["models"][0]["properties"]}
    assert props[("below_two", "MODE = Loose")]["expected"] == {
        "verdict": "violated", "reason": "Loose lets x reach 3", "when": "MODE == Loose", "line": 7,
        "outcome": "expected"}
    assert props[("below_two", "MODE = Loose")]["verdict"] == "violated"
    assert props[("below_two", "MODE = Loose")]["trace"] is not None
    assert props[("below_two", "MODE = Strict")]["expected"] is None  # the condition does not hold there
    assert props[("below_four", "MODE = Loose")]["expected"]["outcome"] == "fixed"
    assert props[("deadlock", "MODE = Loose")]["expected"] is None


def test_junit_skips_an_expected_violation_and_fails_a_fixed_one(tmp_path):
    r = invoke("check", small(tmp_path, four='expect violated "never"'), "--format", "junit", "--skip", "reaches_one")
    suite = ET.fromstring(r.stdout).find("testsuite")
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    skipped = cases["below_two [MODE = Loose]"].find("skipped")
    assert skipped.get("type") == "expected-violation" and skipped.get("message") == \
        "violated, as expected: Loose lets x reach 3"
    assert "shortest trace, 2 steps" in skipped.text
    failure = cases["below_four [MODE = Loose]"].find("failure")
    assert failure.get("type") == "fixed"
    assert cases["reaches_one"].find("skipped").get("type") == "not-selected"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors"), suite.get("skipped")) == \
        ("7", "2", "0", "2")


def test_sarif_keeps_an_expected_violation_suppressed_and_reports_a_fixed_one(tmp_path):
    r = invoke("check", small(tmp_path, four='expect violated "never"'), "--format", "sarif", "--skip", "reaches_*")
    doc = json.loads(r.stdout)
    jsonschema.Draft4Validator(SARIF_SCHEMA).validate(doc)
    run = doc["runs"][0]
    assert run["properties"]["selection"][0]["skipped"] == ["reaches_one"]
    by = {(x["ruleId"], x["properties"]["scope"], x["locations"][0]["logicalLocations"][0]["name"]): x
          for x in run["results"]}
    expected = by[("invariant", "MODE = Loose", "below_two")]
    assert expected["level"] == "note" and "codeFlows" in expected
    assert expected["suppressions"] == [{"kind": "inSource", "status": "accepted",
                                         "justification": "Loose lets x reach 3"}]
    fixed = by[("fixed-expectation", "MODE = Loose", "below_four")]
    assert fixed["level"] == "error" and fixed["locations"][0]["physicalLocation"]["region"]["startLine"] == 8
    assert run["invocations"][0]["exitCode"] == 1


def test_itf_traces_say_the_violation_was_expected(tmp_path):
    r = invoke("check", small(tmp_path), "--trace-dir", tmp_path / "traces")
    assert r.exit_code == 0
    doc = json.loads((tmp_path / "traces" / "Small_below_two_MODELoose.itf.json").read_text())
    assert doc["#meta"]["expected"] == "expected violated at line 7 when MODE == Loose: Loose lets x reach 3"


def test_the_api_reports_expectations_and_selects(tmp_path):
    model = forkproof.load(Path(small(tmp_path)))
    report = forkproof.check(model, skip=["reaches_*"])
    assert report.exit_code == 0
    assert [(r.name, r.scope, (r.expected or {}).get("outcome")) for r in report.results if r.name == "below_two"] == \
        [("below_two", "MODE = Loose", "expected"), ("below_two", "MODE = Strict", None)]
    assert "reaches_one" not in {r.name for r in report.results}


# ---------------------------------------------------------------- --property / --skip


def test_property_and_skip_select_by_name_and_glob(tmp_path):
    path = small(tmp_path)
    r = invoke("check", path, "--property", "below_*", "--skip", "below_four", "--format", "json")
    assert r.exit_code == 0
    model = json.loads(r.stdout)["models"][0]
    assert {p["name"] for p in model["properties"]} == {"below_two"}
    assert model["selection"] == {"checked": ["below_two"], "skipped": ["below_four", "reaches_one", "deadlock"]}
    r = invoke("check", path, "--skip", "deadlock", "--skip", "reaches_one")
    assert "checked 2 of 4 (--property, --skip); not checked: reaches_one, deadlock" in r.stdout
    assert "deadlock" not in {name for name, _ in rows(r.stdout)}
    full = json.loads(invoke("check", path, "--format", "json").stdout)["models"][0]["selection"]
    assert full == {"checked": ["below_two", "below_four", "reaches_one", "deadlock"], "skipped": []}


def test_no_liveness_leaves_out_every_property_but_always(tmp_path):
    path = small(tmp_path)
    r = invoke("check", path, "--no-liveness", "--format", "json")
    assert r.exit_code == 0, r.stdout
    model = json.loads(r.stdout)["models"][0]
    assert model["selection"] == {"checked": ["below_two", "below_four", "deadlock"], "skipped": ["reaches_one"]}
    r = invoke("check", path, "--no-liveness", "--skip", "deadlock")
    assert "checked 2 of 4 (--property, --skip, --no-liveness); not checked: reaches_one, deadlock" in r.stdout
    assert "for liveness" not in r.stdout  # no state graph was built
    # `always P` is safety, kept; the API says the same
    text = SMALL.replace("EXPECT_TWO", "").replace("EXPECT_FOUR", "") + "property stays_below: always x < 4\n"
    report = forkproof.check(forkproof.load(text), {"MODE": "Strict"}, liveness=False)
    assert [r.name for r in report.results] == ["below_two", "below_four", "stays_below", "deadlock"]
    r = CliRunner().invoke(cli, ["check", path, "--property", "reaches_one", "--no-liveness"])
    assert r.exit_code == 2 and r.stdout == ""
    assert "error[FP521]: --property reaches_one --no-liveness: nothing is left to check" in r.stderr


@pytest.mark.parametrize("args, message", [
    (("--property", "below_tow"), "--property below_tow: the model has no invariant or property 'below_tow'; "
                                  "did you mean 'below_two'?"),
    (("--skip", "zzz*"), "--skip zzz*: the pattern matches no invariant or property (the model has: below_two, "
                         "below_four, reaches_one, deadlock)"),
    (("--property", "below_two", "--skip", "below_*"), None),
])
def test_unknown_or_empty_selections_are_usage_errors(tmp_path, args, message):
    r = CliRunner().invoke(cli, ["check", small(tmp_path), *args])
    assert r.exit_code == 2 and r.stdout == ""
    if message is None:
        assert "error[FP521]: --property below_two --skip below_*: nothing is left to check" in r.stderr
    else:
        assert f"error[FP520]: {message}" in r.stderr


# ---------------------------------------------------------------- diff


def test_diff_honours_the_new_versions_expectations(tmp_path):
    old = tmp_path / "old.fork"
    old.write_text(SMALL.replace("EXPECT_TWO", "").replace("EXPECT_FOUR", "").replace("x < 3 and", "x < 1 and"))
    new = small(tmp_path)
    r = invoke("diff", old, new)
    assert r.exit_code == 0, r.stdout
    assert "below_two    MODE = Loose   holds (exhaustive)  violated (expected)  violated as expected" in r.stdout
    assert "newly violated, as expected: invariant below_two, MODE = Loose (was holds (exhaustive))" in r.stdout
    assert "result: 1 violated as expected, 1 fixed, 6 still holds; exit code 0" in r.stdout  # OLD's deadlock
    stale = small(tmp_path, four='expect violated "never"')
    r = invoke("diff", old, stale, "--format", "json", "--skip", "reaches_one")
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert doc["summary"] == {"expectation_stale": 2, "expected_violated": 1, "fixed": 1, "still_holds": 2}
    assert doc["new"]["selection"]["skipped"] == ["reaches_one"]


def test_diff_accepts_a_property_only_one_version_has(tmp_path):
    old = tmp_path / "old.fork"
    old.write_text(SMALL.replace("EXPECT_TWO", "").replace("EXPECT_FOUR", "").replace(
        "invariant below_four: x < 4", ""))
    r = invoke("diff", old, small(tmp_path), "--property", "below_four")
    assert r.exit_code == 0, r.stdout
    assert "result: 2 added; exit code 0" in r.stdout
