"""`forkproof mutate` (docs/mutation.md): which mutants are made, how each is classified
against the original, the score, the text / JSON / SARIF output and the exit codes.

The golden text output of `forkproof mutate models/near_protocol_upgrade.fork` is the CLI
golden case tests/golden/cli/mutate_near.expect.  The 0L model's statuses take about 15 s:
slow tier; the fast tier runs a small model and NEAR (about 3 s in all).
"""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from click.testing import CliRunner

from forkproof.api import load_text
from forkproof.cli.main import cli
from forkproof.run import mutate as run_mutate
from forkproof.run.mutants import Mutant, MutationReport, exit_code, mutants
from forkproof.run.mutate import mutate_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.spec.parser import parse

ROOT = Path(__file__).resolve().parents[1]
NEAR = ROOT / "models" / "near_protocol_upgrade.fork"
LIBRA = ROOT / "models" / "libra_framework_upgrade.fork"
SARIF_SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif-2.1.0-rtm.5.json").read_text())

# Every operator once at least, a parenthesised conjunct, a comment inside a guard, a guard of
# one conjunct, a `meant` clause and invariants (never mutated), a def the invariants read.
TINY = """model TinyVote

param N: int = 3
assume N >= 1

enum Ballot { Unvoted, Yes, No }

process Voter[N] {
  var ballot: Ballot = Unvoted
}

var open: bool = true
var passed: bool = false
var rounds: 0..1 = 0

def yes = count(v in Voter where v.ballot == Yes)
threshold quorum = yes > 2/3 * N or yes >= 90% * N meant yes > 2/3 * N
def cap = 3 div 2  // one restart

action vote(v: Voter, y: bool) when open and (v.ballot == Unvoted) {
  v.ballot = if y then Yes else No
}

action decide when open and quorum {
  passed = true
  open = false
}

action restart when not open and rounds < /* at most */ cap {
  open = true
  passed = false
  rounds = rounds + 1
  for v in Voter { v.ballot = Unvoted }
}

action rest when rounds >= cap { }

invariant passed_only_with_quorum: passed implies yes > 2/3 * N
invariant decided_by_the_rule: passed implies quorum
"""

TINY_MUTANTS = [
    ("M1", "comparison", "17:24", "`>` -> `>=`"),
    ("M2", "fraction", "17:26", "`2/3` -> `1/3`"),
    ("M3", "fraction", "17:26", "`2/3` -> `3/3`"),
    ("M4", "integer-division", "17:27", "`2/3` -> `2 div 3`"),
    ("M5", "fraction", "17:28", "`2/3` -> `2/2`"),
    ("M6", "fraction", "17:28", "`2/3` -> `2/4`"),
    ("M7", "and-or", "17:34", "`or` -> `and`"),
    ("M8", "comparison", "17:41", "`>=` -> `>`"),
    ("M9", "fraction", "17:44", "`90%` -> `89%`"),
    ("M10", "fraction", "17:44", "`90%` -> `91%`"),
    ("M11", "fraction", "18:11", "`3 div 2` -> `2 div 2`"),
    ("M12", "fraction", "18:11", "`3 div 2` -> `4 div 2`"),
    ("M13", "fraction", "18:17", "`3 div 2` -> `3 div 1`"),
    ("M14", "fraction", "18:17", "`3 div 2` -> `3 div 3`"),
    ("M15", "drop-conjunct", "20:37", "drop `open`"),
    ("M16", "and-or", "20:42", "`and` -> `or`"),
    ("M17", "drop-conjunct", "20:46", "drop `(v.ballot == Unvoted)`"),
    ("M18", "drop-conjunct", "24:20", "drop `open`"),
    ("M19", "and-or", "24:25", "`and` -> `or`"),
    ("M20", "drop-conjunct", "24:29", "drop `quorum`"),
    ("M21", "drop-conjunct", "29:21", "drop `not open`"),
    ("M22", "and-or", "29:30", "`and` -> `or`"),
    ("M23", "drop-conjunct", "29:34", "drop `rounds < /* at most */ cap`"),
    ("M24", "comparison", "29:41", "`<` -> `<=`"),
    ("M25", "drop-reset", "30:3", "drop `open = true`"),
    ("M26", "drop-reset", "31:3", "drop `passed = false`"),
    ("M27", "drop-reset", "33:3", "drop `for v in Voter { v.ballot = Unvoted }`"),
    ("M28", "drop-conjunct", "36:18", "drop the guard `rounds >= cap`"),
    ("M29", "comparison", "36:25", "`>=` -> `>`"),
]

# (status, the properties that kill it) for each mutant of TINY at N = 3.  The original
# deadlocks (every voter says no): `deadlock` can kill no mutant.
TINY_STATUSES = {
    "M1": ("killed", ("passed_only_with_quorum",)), "M2": ("killed", ("passed_only_with_quorum",)),
    "M3": ("equivalent", ()), "M4": ("killed", ("passed_only_with_quorum",)), "M5": ("equivalent", ()),
    "M6": ("killed", ("passed_only_with_quorum",)), "M7": ("equivalent", ()), "M8": ("equivalent", ()),
    "M9": ("equivalent", ()), "M10": ("equivalent", ()), "M11": ("equivalent", ()),
    "M12": ("killed", ("runtime",)), "M13": ("killed", ("runtime",)), "M14": ("equivalent", ()),
    "M15": ("equivalent", ()), "M16": ("survived", ()), "M17": ("survived", ()), "M18": ("survived", ()),
    "M19": ("killed", ("passed_only_with_quorum", "decided_by_the_rule")),
    "M20": ("killed", ("passed_only_with_quorum", "decided_by_the_rule")),
    "M21": ("survived", ()), "M22": ("killed", ("runtime",)), "M23": ("killed", ("runtime",)),
    "M24": ("killed", ("runtime",)), "M25": ("survived", ()),
    "M26": ("killed", ("passed_only_with_quorum", "decided_by_the_rule")),
    "M27": ("survived", ()), "M28": ("survived", ()), "M29": ("survived", ()),
}


def run(text: str, path: str = "tiny.fork", params: tuple[str, ...] = (), **kw) -> MutationReport:
    model = load_text(text, path)
    return mutate_model(model, text, parse_bindings(model, list(params)), EngineOptions(up_to=kw.pop("up_to", 6)),
                        **kw)


def invoke(*args):
    return CliRunner().invoke(cli, ["mutate", *map(str, args)])


@pytest.fixture(scope="module")
def tiny() -> MutationReport:
    return run(TINY)


@pytest.fixture
def tiny_file(tmp_path) -> Path:
    path = tmp_path / "tiny.fork"
    path.write_text(TINY)
    return path


# ---------------------------------------------------------------- the mutants


def test_the_mutants_of_a_small_model_are_exactly_these():
    got = [(m.id, m.operator, f"{m.span.line}:{m.span.col}", m.description) for m in mutants(TINY)]
    assert got == TINY_MUTANTS


def test_each_mutant_replaces_one_span_and_still_parses():
    for m in mutants(TINY):
        text = m.apply(TINY)
        assert text[:m.start] == TINY[:m.start] and text[len(text) - (len(TINY) - m.end):] == TINY[m.end:]
        parse(text)  # raises on a mutant that is no model
        assert m.diff(TINY, "tiny.fork").startswith(f"--- tiny.fork\n+++ tiny.fork ({m.id})\n@@ ")


def test_only_the_models_code_is_mutated():
    """Invariants, `meant`, params, assumptions, types and initial values are the tests and
    the environment: no site falls in them (lines 1-15 and 38-39; the `meant` clause is
    17:52 on)."""
    for m in mutants(TINY):
        assert 16 <= m.span.line <= 36, m
        assert not (m.span.line == 17 and m.span.col >= 52), m
    for m in mutants(LIBRA.read_text()):
        assert m.decl.split()[0] in ("def", "threshold", "action"), m
        assert "invariant" not in LIBRA.read_text().splitlines()[m.span.line - 1], m


def test_a_def_the_invariants_read_says_so_and_one_only_properties_read_is_not_mutated():
    ms = mutants(TINY)
    assert {m.read_by for m in ms if m.decl == "threshold quorum"} == {("invariant decided_by_the_rule",)}
    assert all(m.read_by == () for m in ms if m.decl != "threshold quorum")
    only_tests = TINY.replace("invariant decided_by_the_rule: passed implies quorum",
                              "def spare = yes >= 2 and yes < N\ninvariant uses_spare: spare or not spare")
    assert not [m for m in mutants(only_tests) if m.decl == "def spare"]


# ---------------------------------------------------------------- statuses


def test_each_mutant_of_the_small_model_has_its_pinned_status(tiny):
    assert {r.mutant.id: (r.status, r.killed_by) for r in tiny.results} == TINY_STATUSES
    assert tiny.baseline == (("deadlock", "N = 3", "violated"),)
    assert tiny.formula() == "score = killed / (killed + survived + unknown) = 12 / (12 + 8 + 0) = 60.0%"


def test_a_kill_is_the_propertys_doing(tiny):
    """Without the invariant that kills M1 (`>` -> `>=` in the rule), M1 survives: kills
    come from the properties, not from the tool."""
    weaker = TINY.replace("invariant passed_only_with_quorum: passed implies yes > 2/3 * N\n", "")
    got = {r.mutant.id: r.status for r in run(weaker, max_mutants=2).results}
    assert got == {"M1": "survived", "M2": "survived"}


def test_equivalence_is_claimed_only_for_the_instances_checked():
    """`80%` -> `79%` in NEAR's rule changes nothing with 6 blocks an epoch (more than 4.8 or
    4.74 of 6 blocks: 5), so it is equivalent there; with 5 blocks it adopts a version at 4,
    and the invariant that states the spec's 80% kills it."""
    text = NEAR.read_text()
    at_six = run(text, "near.fork", operators=("fraction",))
    assert [(r.mutant.description, r.status, r.scope) for r in at_six.results] == [
        ("`80%` -> `79%`", "equivalent", "N = 3, BLOCKS = 6, V = 2"),
        ("`80%` -> `81%`", "equivalent", "N = 3, BLOCKS = 6, V = 2")]
    at_five = run(text, "near.fork", ("BLOCKS=5",), operators=("fraction",))
    assert [(r.status, r.killed_by, r.scope) for r in at_five.results] == [
        ("killed", ("adopted_with_more_than_80_percent",), "N = 3, BLOCKS = 5, V = 2"),
        ("equivalent", (), "N = 3, BLOCKS = 5, V = 2")]


# NEAR over BLOCKS = 1..6: each mutant's status and the properties that kill it, at the first
# (smallest) instance that does
NEAR_STATUSES = {
    "M1": ("killed", ("adopted_with_more_than_80_percent",), "BLOCKS = 5"),
    "M2": ("killed", ("adopted_with_more_than_80_percent",), "BLOCKS = 5"),
    "M3": ("equivalent", (), "BLOCKS = 1..6"),
    "M4": ("killed", ("newest_version_adopted", "deadlock"), "BLOCKS = 1"),
    "M5": ("killed", ("runtime",), "BLOCKS = 1"),
    "M6": ("killed", ("runtime",), "BLOCKS = 1"),
    "M7": ("killed", ("runtime",), "BLOCKS = 1"),
    "M8": ("killed", ("runtime",), "BLOCKS = 1"),
    "M9": ("killed", ("version_never_decreases", "no_block_from_unsupporting_binary", "runtime"), "BLOCKS = 1"),
    "M10": ("killed", ("version_never_decreases", "no_block_from_unsupporting_binary"), "BLOCKS = 1"),
    "M11": ("killed", ("deadlock",), "BLOCKS = 1"),
    "M12": ("killed", ("newest_version_adopted",), "BLOCKS = 2"),
    "M13": ("killed", ("newest_version_adopted",), "BLOCKS = 1"),
    "M14": ("killed", ("newest_version_adopted",), "BLOCKS = 1"),
    "M15": ("killed", ("blocks_count_what_was_produced", "version_never_decreases", "at_most_one_version_passes",
                       "no_block_from_unsupporting_binary", "runtime"), "BLOCKS = 1"),
    "M16": ("killed", ("blocks_count_what_was_produced", "newest_version_adopted"), "BLOCKS = 1"),
}


@pytest.mark.slow  # 3 s; tests/golden/cli/mutate_near.expect pins NEAR's statuses at its defaults in the fast tier
def test_near_statuses_over_one_to_six_blocks():
    rep = run(NEAR.read_text(), "near.fork", ("BLOCKS=1..6",))
    got = {r.mutant.id: (r.status, r.killed_by, r.scope.replace("N = 3, ", "").replace(", V = 2", ""))
           for r in rep.results}
    assert got == NEAR_STATUSES
    assert rep.score() == 1 and rep.baseline == ()


def test_near_before_the_spec_invariant_two_threshold_mutants_survive():
    """The survivors that led to adopted_with_more_than_80_percent (docs/mutation.md)."""
    text = NEAR.read_text()
    start = text.index("// The spec's rule in its own numbers")
    end = text.index("\n", text.index("invariant adopted_with_more_than_80_percent")) + 1
    before = run(text[:start] + text[end:], "near.fork", ("BLOCKS=5",), max_mutants=3)
    assert [(r.mutant.description, r.status) for r in before.results] == [
        ("`>` -> `>=`", "survived"), ("`80%` -> `79%`", "survived"), ("`80%` -> `81%`", "equivalent")]
    assert before.results[0].reason == "its reachable states or steps differ from the original's at N = 3, BLOCKS = 5, V = 2"
    after = run(text, "near.fork", ("BLOCKS=5",), max_mutants=3)
    assert [r.status for r in after.results] == ["killed", "killed", "equivalent"]
    assert before.results[0].mutant.read_by == ("invariant adopted_only_above_threshold",
                                                "invariant at_most_one_version_passes")


# 0L over N = 1..6 and both rules: 22 killed, 14 survived, 2 equivalent (docs/mutation.md)
LIBRA_SURVIVORS = ["M1", "M4", "M5", "M7", "M9", "M12", "M14", "M23", "M25", "M26", "M31", "M32", "M33", "M38"]


@pytest.mark.slow  # about 15 s
def test_libra_statuses():
    rep = run(LIBRA.read_text(), "libra.fork")
    by = {r.mutant.id: r for r in rep.results}
    assert [i for i, r in by.items() if r.status == "survived"] == LIBRA_SURVIVORS
    assert [i for i, r in by.items() if r.status == "equivalent"] == ["M6", "M22"]
    assert (by["M10"].killed_by, by["M10"].scope) == (("resolved_had_two_thirds_yes",), "N = 3, RULE = Intended")
    assert (by["M36"].killed_by, by["M36"].scope) == (("only_registered_hash_runs", "tampered_script_never_runs"),
                                                      "N = 1, RULE = Code")
    assert rep.formula() == "score = killed / (killed + survived + unknown) = 22 / (22 + 14 + 0) = 61.1%"


def test_invalid_mutants_are_reported_and_left_out_of_the_score(monkeypatch):
    real = mutants(TINY)
    broken = Mutant("M0", "comparison", "`>` -> `=>`", "threshold quorum", real[0].span, real[0].start, real[0].end,
                    "=>")
    monkeypatch.setattr(run_mutate, "mutants", lambda source: [broken, real[0]])
    rep = run(TINY)
    assert [(r.mutant.id, r.status) for r in rep.results] == [("M0", "invalid"), ("M1", "killed")]
    assert rep.results[0].reason.startswith("17:24: error[FP10")
    assert rep.formula() == "score = killed / (killed + survived + unknown) = 1 / (1 + 0 + 0) = 100.0%"


def test_a_mutant_whose_budget_runs_out_is_unknown_and_counts_against_the_score():
    rep = run(TINY, mutant_seconds=1e-9, max_mutants=1)
    (r,) = rep.results
    assert r.status == "unknown" and "budget of 1e-09s ran out" in r.reason
    assert rep.score() == 0


def test_exit_codes():
    rep = run(TINY, max_mutants=2)  # both killed
    assert exit_code(rep) == 0 and exit_code(rep, 100) == 0
    rep = run(TINY, operators=("drop-reset",))  # M25, M27 survive, M26 is killed: 1/3
    assert exit_code(rep, 33.3) == 0 and exit_code(rep, 34) == 1
    none = run(TINY, operators=("and-or",), max_mutants=1)  # M7, equivalent: nothing to score
    assert none.score() is None and exit_code(none) == 0 and exit_code(none, 50) == 3


# ---------------------------------------------------------------- the command line and the formats


def test_text_lists_every_mutant_and_shows_survivors_as_diffs(tiny_file):
    r = invoke(tiny_file)
    assert r.exit_code == 0, r.output
    out = r.stdout
    assert f"  M16     {tiny_file}:20:42  and-or" in out
    assert "survived: M16, action vote: `and` -> `or`" in out
    assert "-action vote(v: Voter, y: bool) when open and (v.ballot == Unvoted) {" in out
    assert "+action vote(v: Voter, y: bool) when open or (v.ballot == Unvoted) {" in out
    assert "quorum is also read by invariant decided_by_the_rule" not in out  # its mutants are killed or equivalent
    assert out.rstrip().endswith("result: 29 mutants: 12 killed, 8 survived, 9 equivalent, 0 unknown, 0 invalid; "
                                 "exit code 0")


def test_min_score_fails_ci_below_it(tiny_file):
    only = ("--operator", "drop-reset")  # 1 killed, 2 survived
    assert invoke(tiny_file, *only, "--min-score", "33").exit_code == 0
    r = invoke(tiny_file, *only, "--min-score", "34")
    assert r.exit_code == 1 and r.stdout.rstrip().endswith("--min-score 34%; exit code 1")


def test_json_shape(tiny_file):
    r = invoke(tiny_file, "--format", "json", "--operator", "drop-reset")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    assert {k: doc[k] for k in ("schema", "exit_code", "model", "engine", "scope", "instances")} == {
        "schema": 1, "exit_code": 0, "model": "TinyVote", "engine": "explicit", "scope": "N = 3", "instances": 1}
    assert doc["counts"] == {"generated": 29, "checked": 3, "killed": 1, "survived": 2, "equivalent": 0,
                             "unknown": 0, "invalid": 0}
    assert doc["score"]["value"] == 0.3333 and doc["score"]["min_score"] is None
    assert doc["original"] == [{"property": "deadlock", "scope": "N = 3", "verdict": "violated"}]
    m = doc["mutants"][1]
    assert set(m) == {"id", "operator", "description", "declaration", "location", "status", "killed_by", "scope",
                      "reason", "read_by", "diff"}
    assert (m["id"], m["status"], m["killed_by"]) == ("M26", "killed", ["passed_only_with_quorum",
                                                                        "decided_by_the_rule"])
    assert m["location"] == {"file": str(tiny_file), "line": 31, "col": 3, "end_line": 31, "end_col": 17}
    assert "-  passed = false" in m["diff"].splitlines()
    assert "seconds" not in doc and "seconds" not in m
    timed = json.loads(invoke(tiny_file, "--format", "json", "--operator", "drop-reset", "--timings").stdout)
    assert timed["seconds"] > 0 and all(x["seconds"] >= 0 for x in timed["mutants"])


def test_sarif_marks_each_survivor_as_a_warning_at_its_site(tiny_file):
    r = invoke(tiny_file, "--format", "sarif")
    assert r.exit_code == 0
    doc = json.loads(r.stdout)
    jsonschema.validate(doc, SARIF_SCHEMA)
    results = doc["runs"][0]["results"]
    assert [(x["properties"]["mutant"], x["ruleId"], x["level"]) for x in results] == [
        (i, "mutant-survived", "warning") for i, (st, _) in TINY_STATUSES.items() if st == "survived"]
    first = results[0]
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 20, "startColumn": 42,
                                                                  "endLine": 20, "endColumn": 45}
    assert first["message"]["text"].startswith("M16 survived: `and` -> `or` in action vote")
    assert doc["runs"][0]["properties"]["score"] == 0.6


@pytest.mark.parametrize("fmt", ["text", "json", "sarif"])
def test_a_missing_file_is_exit_2_with_its_error(fmt, tmp_path):
    r = invoke(tmp_path / "nope.fork", "--format", fmt)
    assert r.exit_code == 2
    assert "Traceback" not in r.output and r.exception is None or isinstance(r.exception, SystemExit)
    if fmt == "text":
        assert f"{tmp_path / 'nope.fork'}: error[FP001]: no such file" in r.stderr
    else:
        doc = json.loads(r.stdout)
        errors = doc["errors"] if fmt == "json" else doc["runs"][0]["results"]
        assert len(errors) == 1


def test_a_syntax_error_is_exit_2_located_without_a_traceback(tmp_path):
    bad = tmp_path / "bad.fork"
    bad.write_text("model Bad\nvar x: bool = false\naction a when x and { x = true }\n")
    r = invoke(bad)
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.startswith(f"{bad}:3:25: error[FP102]: unexpected '='")
    assert "Traceback" not in r.stderr
    doc = json.loads(invoke(bad, "--format", "json").stdout)
    assert doc["exit_code"] == 2 and doc["errors"][0]["span"]["line"] == 3 and "mutants" not in doc


def test_bad_options_are_exit_2(tiny_file):
    assert invoke(tiny_file, "--param", "Q=1").exit_code == 2
    assert invoke(tiny_file, "--property", "nope").exit_code == 2
    assert invoke(tiny_file, "--operator", "nope").exit_code == 2


def test_a_library_has_nothing_to_mutate():
    r = invoke(ROOT / "models" / "lib" / "byzantine.fork")
    assert r.exit_code == 0
    assert "note: library Byzantine has no actions, so nothing to mutate" in r.stdout
    assert "0 mutants: 0 killed" in r.stdout and "score = " in r.stdout


@pytest.mark.slow  # over 2.5 s; the fast tier keeps under 3 minutes on 2 cores (tests/conftest.py)
def test_every_size_compares_the_results_of_check():
    """--every-size: the original and each mutant as `check` checks them (N open: the counters'
    proof and N = 1..2); the kill is reported at the smallest size that shows it."""
    text = TINY.replace("param N: int = 3", "param N: int")
    rep = run(text, operators=("drop-reset",), every_size=True, up_to=2)
    assert [(r.mutant.id, r.status, r.killed_by, r.scope) for r in rep.results] == [
        ("M25", "survived", (), "N = 1..2"),
        ("M26", "killed", ("passed_only_with_quorum", "decided_by_the_rule"), "N = 1"),
        ("M27", "survived", (), "N = 1..2")]
    assert rep.every_size and rep.baseline == (("deadlock", "N = 1, 2", "violated"),)
