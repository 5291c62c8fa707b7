"""`forkproof diff`: matching, classification, exit codes (NOTE(diff-exit)), git revisions,
threshold tables before and after, and the JSON shape."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from forkproof.analysis.compare import compare_rules
from forkproof.api import load_text
from forkproof.cli.main import cli
from forkproof.output.diff import comparison_lines
from forkproof.run.diff import classify
from forkproof.output.report import SCHEMA
from forkproof.run.results import PropertyResult
from forkproof.semantics.verdict import Status, Verdict

ROOT = Path(__file__).resolve().parents[1]
NEAR = ROOT / "models" / "near_protocol_upgrade.fork"

TINY = """model TinyVote

param N: int = 3
assume N >= 1

enum Ballot { Unvoted, Yes, No }

process Validator[N] {
  var ballot: Ballot = Unvoted
}

var done: bool = false

threshold passed = count(v in Validator where v.ballot == Yes) > THETA * N

action vote(v: Validator, yes: bool) when not done and v.ballot == Unvoted {
  v.ballot = if yes then Yes else No
}

action finish when passed and not done { done = true }

invariant only_after_quorum: done implies passed
invariant majority_when_done: done implies count(v in Validator where v.ballot == Yes) * 2 > N
"""


def tiny(tmp_path: Path, name: str, theta: str = "2/3", extra: str = "", text: str = TINY) -> str:
    p = tmp_path / name
    p.write_text(text.replace("THETA", theta) + extra)
    return str(p)


def invoke(*args):
    return CliRunner().invoke(cli, ["diff", *map(str, args)])


def near40(tmp_path: Path) -> str:
    text = NEAR.read_text()
    assert "80% * BLOCKS" in text
    p = tmp_path / "near40.fork"
    p.write_text(text.replace("80% * BLOCKS", "40% * BLOCKS"))
    return str(p)


def test_lowered_near_threshold_is_a_regression_with_its_trace(tmp_path):
    r = invoke(NEAR, near40(tmp_path))
    assert r.exit_code == 1, r.output
    row = next(line for line in r.stdout.splitlines() if line.strip().startswith("at_most_one_version_passes"))
    assert row.split()[-2:] == ["newly", "violated"]
    assert "newly violated: invariant at_most_one_version_passes, N = 3, BLOCKS = 6, V = 2 (was holds (exhaustive))" in r.stdout
    assert "shortest trace, 7 steps:" in r.stdout and "produce(v = Validator[0])" in r.stdout
    # the threshold's table before and after, at the model's BLOCKS = 6 (the sizes the run covers)
    assert "threshold passes: changed" in r.stdout
    before, after = r.stdout.split("  after (")
    assert "rule:     blocks[x] > 4/5 * BLOCKS" in before and "rule:     blocks[x] > 2/5 * BLOCKS" in after
    assert "      6       5 " in before and "      6       3 " in after and "      7 " not in after
    assert "quorum intersection (two passing sets share >= 1): refuted" in after
    assert r.stdout.rstrip().endswith("exit code 1")


def test_the_other_way_is_a_fix_and_exits_0(tmp_path):
    r = invoke(near40(tmp_path), NEAR)
    assert r.exit_code == 0, r.output
    assert "fixed" in next(line for line in r.stdout.splitlines() if "at_most_one_version_passes" in line)


def test_same_model_exits_0_and_still_holds(tmp_path):
    a, b = tiny(tmp_path, "a.fork"), tiny(tmp_path, "b.fork")
    r = invoke(a, b, "--no-deadlock")
    assert r.exit_code == 0, r.output
    assert "result: 2 still holds; exit code 0" in r.stdout
    assert "threshold" not in r.stdout  # no threshold changed: no tables


def test_added_and_removed_properties(tmp_path):
    a = tiny(tmp_path, "a.fork", extra="invariant gone: true\n")
    b = tiny(tmp_path, "b.fork", extra="invariant fresh: not done or N >= 1\ninvariant fresh_bad: not done\n")
    r = invoke(a, b, "--no-deadlock", "--format", "json")
    doc = json.loads(r.stdout)
    changes = {p["name"]: p["change"] for p in doc["properties"]}
    assert changes == {"only_after_quorum": "still_holds", "majority_when_done": "still_holds",
                       "fresh": "added", "fresh_bad": "added", "gone": "removed"}
    # a property NEW adds that NEW violates is a new violation: exit 1
    assert r.exit_code == doc["exit_code"] == 1
    removed_only = invoke(a, tiny(tmp_path, "c.fork"), "--no-deadlock")
    assert removed_only.exit_code == 0, removed_only.output
    assert "1 removed" in removed_only.stdout


def test_weaker_verdict_is_inconclusive(tmp_path):
    small = tiny(tmp_path, "a.fork", text=TINY.replace("param N: int = 3", "param N: int = 2"))
    big = tiny(tmp_path, "b.fork", text=TINY.replace("param N: int = 3", "param N: int = 4"))
    r = invoke(small, big, "--no-deadlock", "--max-states", "10")
    assert r.exit_code == 3, r.output
    assert "weakened: invariant only_after_quorum, holds (exhaustive) (N = 2) -> unknown (N = 4)" in r.stdout


@pytest.mark.slow  # over 2.5 s; the fast tier keeps under 3 minutes on 2 cores (tests/conftest.py)
def test_open_int_params_match_by_finite_params(tmp_path):
    """NOTE(diff-match): a proof "all N with N >= 1, RULE = A" matches a violation "N = 2, RULE = A"."""
    text = TINY.replace("param N: int = 3", "enum Rule { A, B }\nparam N: int\nparam RULE: Rule")
    old = tiny(tmp_path, "old.fork", text=text)
    new = tiny(tmp_path, "new.fork", text=text.replace("> THETA * N", "> (if RULE == A then 1/3 else 2/3) * N"))
    r = invoke(old, new, "--no-deadlock", "--up-to", "3", "--format", "json")
    doc = json.loads(r.stdout)
    rows = {(p["name"], p["params"]["RULE"]): p for p in doc["properties"]}
    assert len(rows) == 4 and not any(p["change"] in ("added", "removed") for p in rows.values())
    bad = rows[("majority_when_done", "A")]
    assert bad["change"] == "newly_violated" and bad["old"]["verdict"] == "proved"
    assert bad["old"]["scope"].startswith("all N with N >= 1") and bad["new"]["scope"] == "N = 2, RULE = A"
    assert rows[("majority_when_done", "B")]["change"] == "still_holds"
    assert r.exit_code == 1


def test_json_shape(tmp_path):
    r = invoke(NEAR, near40(tmp_path), "--format", "json")
    doc = json.loads(r.stdout)
    assert r.exit_code == doc["exit_code"] == 1
    assert doc["command"] == "diff" and doc["schema"] == SCHEMA and doc["errors"] == []
    assert doc["old"]["file"] == str(NEAR) and doc["new"]["model"] == "NearProtocolUpgrade"
    p = next(p for p in doc["properties"] if p["name"] == "at_most_one_version_passes")
    assert p["change"] == "newly_violated" and p["kind"] == "invariant" and p["params"] == {}
    assert p["old"]["verdict"] == "holds_exhaustive" and p["new"]["verdict"] == "violated"
    assert [s["action"] for s in p["new"]["trace"]["steps"]][:2] == [None, "upgrade_binary"]
    assert doc["summary"]["newly_violated"] == 1
    (t,) = doc["thresholds"]
    assert t["name"] == "passes" and t["change"] == "changed"
    assert t["old"]["rule"] == "blocks[x] > 4/5 * BLOCKS" and t["new"]["rule"] == "blocks[x] > 2/5 * BLOCKS"
    assert [(row["n"], row["min_support"]) for row in t["new"]["variants"][0]["rows"]] == [(6, 3)]  # the model's BLOCKS


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                   check=True, capture_output=True)


def test_git_revision(tmp_path):
    repo = tmp_path / "repo"
    (repo / "models").mkdir(parents=True)
    git(repo, "init", "-q")
    model = repo / "models" / "vote.fork"
    model.write_text(TINY.replace("THETA", "2/3"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one")
    model.write_text(TINY.replace("THETA", "1/4"))
    git(repo, "commit", "-q", "-am", "two")
    r = invoke(model, "--git", "HEAD~1", "--no-deadlock")
    assert r.exit_code == 1, r.output
    assert f"diff {model}@HEAD~1 -> {model}" in r.stdout
    assert "newly violated: invariant majority_when_done" in r.stdout
    assert "threshold passed: changed" in r.stdout
    same = invoke(model, "--git", "HEAD", "--no-deadlock")
    assert same.exit_code == 0, same.output


def test_git_errors_exit_2(tmp_path):
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.fork").write_text(TINY.replace("THETA", "2/3"))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "one")
    fresh = repo / "b.fork"
    fresh.write_text(TINY.replace("THETA", "2/3"))
    r = invoke(fresh, "--git", "HEAD")
    assert r.exit_code == 2 and "error[FP513]" in r.stderr and "does not exist at revision HEAD" in r.stderr
    r = invoke(repo / "a.fork", "--git", "no-such-rev")
    assert r.exit_code == 2 and "error[FP512]" in r.stderr
    outside = tmp_path / "outside.fork"
    outside.write_text(TINY.replace("THETA", "2/3"))
    r = invoke(outside, "--git", "HEAD", "--format", "json")
    assert r.exit_code == 2 and json.loads(r.stdout)["errors"][0]["code"] == "FP511"


@pytest.mark.parametrize("args", [["one.fork"], ["a.fork", "b.fork", "--git", "HEAD"], ["a", "b", "c"]])
def test_wrong_arguments_exit_2(args):
    assert invoke(*args).exit_code == 2


def test_model_error_exits_2(tmp_path):
    bad = tmp_path / "bad.fork"
    bad.write_text("model Bad\nvar x: int = \n")
    r = invoke(NEAR, bad)
    assert r.exit_code == 2 and "bad.fork:" in r.stderr


def _p(status: Status) -> PropertyResult:
    return PropertyResult(Verdict("p", "invariant", status, "", "explicit", None, None, 0.0), "", ())


@pytest.mark.parametrize("old,new,change", [
    (Status.HOLDS, Status.PROVED, "still_holds"),
    (Status.PROVED, Status.HOLDS, "weakened"),
    (Status.PROVED, Status.UNKNOWN, "weakened"),
    (Status.BOUNDED, Status.VIOLATED, "newly_violated"),
    (Status.UNKNOWN, Status.VIOLATED, "newly_violated"),
    (Status.VIOLATED, Status.VIOLATED, "still_violated"),
    (Status.VIOLATED, Status.PROVED, "fixed"),
    (Status.VIOLATED, Status.UNKNOWN, "unknown_was_violated"),
    (Status.UNKNOWN, Status.HOLDS, "newly_holds"),
    (Status.UNKNOWN, Status.UNKNOWN, "still_unknown"),
])
def test_classify(old, new, change):
    assert classify(_p(old), _p(new)) == change
    assert classify(None, _p(new)) == "added" and classify(_p(old), None) == "removed"


# ---------------------------------------------------------------- threshold rules compared (NOTE(rule-compare))

# The properties do not read the bar, so they hold in both versions whatever it is: only the
# rule comparison can tell the edits apart.
BAR = """model Approval

param N: int = 3
assume N >= 1

enum Ballot { Unvoted, Yes, No }

process Validator[N] {
  var ballot: Ballot = Unvoted
  EXTRA
}

var done: bool = false

threshold passed = RULE

action vote(v: Validator, yes: bool) when not done and v.ballot == Unvoted {
  v.ballot = if yes then Yes else No
}

action finish when passed and not done { done = true }

invariant votes_counted: count(v in Validator where v.ballot != Unvoted) <= N
invariant done_is_final: done implies done'
"""

YES = "count(v in Validator where v.ballot == Yes)"
STAKE = "sum(v in Validator where v.ballot == Yes: v.stake)"


def bar(tmp_path: Path, name: str, rule: str, extra: str = "") -> str:
    p = tmp_path / name
    p.write_text(BAR.replace("RULE", rule).replace("EXTRA", extra))
    return str(p)


def compared(tmp_path: Path, old_rule: str, new_rule: str, extra: str = "", *args: str):
    """(exit code, the threshold's JSON comparison, the text output)."""
    old, new = bar(tmp_path, "old.fork", old_rule, extra), bar(tmp_path, "new.fork", new_rule, extra)
    args = ("--table-up-to", "4", *args)  # the tables are not what these tests are about
    r = invoke(old, new, "--no-deadlock", "--format", "json", *args)
    doc = json.loads(r.stdout)
    assert r.exit_code == doc["exit_code"], r.output
    (t,) = doc["thresholds"]
    # every property still holds in both versions: nothing but the rule can fail the diff
    assert {p["change"] for p in doc["properties"]} == {"still_holds"}, doc["properties"]
    text = invoke(old, new, "--no-deadlock", *args)
    assert text.exit_code == r.exit_code
    return r.exit_code, t["comparison"], text.stdout


def test_a_lowered_approval_bar_is_weaker_and_fails_while_every_property_holds(tmp_path):
    """The issue: 50% -> 40% said "still holds", exit 0; the sizes checked (N = 3) hid it."""
    code, c, text = compared(tmp_path, f"{YES} * 100 > 50 * N", f"{YES} * 100 > 40 * N")
    assert code == 1
    assert c["relation"] == "weaker" and c["admits_more"] is True and c["rejects_more"] is False
    assert c["checked"] == "symbolic" and c["scope"] == "for all N >= 1 (assuming N >= 1)"
    (w,) = c["witnesses"]
    assert w["passes"] == "NEW" and w["fails"] == "OLD" and w["params"] == {"N": 2}
    assert w["configuration"] == "1 x (ballot = Yes), 1 x (ballot = No)"
    assert ("comparison: weaker (admits configurations the old rule rejects), for all N >= 1 (assuming N >= 1)\n"
            "    e.g. N = 2: 1 x (ballot = Yes), 1 x (ballot = No) passes NEW, fails OLD") in text
    assert text.rstrip().endswith("2 still holds, 1 threshold changed (weaker); exit code 1")


def test_the_witness_really_passes_new_and_fails_old(tmp_path):
    """Re-evaluate the witness by hand: 1 Yes of N = 2 is 50%: not > 50%, but > 40%."""
    _, c, _ = compared(tmp_path, f"{YES} * 100 > 50 * N", f"{YES} * 100 > 40 * N")
    n, yes = c["witnesses"][0]["params"]["N"], c["witnesses"][0]["configuration"].count("ballot = Yes")
    assert yes * 100 > 40 * n and not yes * 100 > 50 * n


def test_a_raised_bar_is_stronger_and_passes(tmp_path):
    code, c, text = compared(tmp_path, f"{YES} * 100 > 40 * N", f"{YES} * 100 > 50 * N")
    assert code == 0
    assert c["relation"] == "stronger" and c["admits_more"] is False and c["rejects_more"] is True
    (w,) = c["witnesses"]
    assert w["passes"] == "OLD" and w["fails"] == "NEW"
    assert "comparison: stronger (rejects configurations the old rule admits), for all N >= 1" in text
    assert "passes OLD, fails NEW" in text


def test_strict_to_non_strict_is_weaker(tmp_path):
    code, c, _ = compared(tmp_path, f"{YES} * 2 > N", f"{YES} * 2 >= N")
    assert code == 1 and c["relation"] == "weaker"
    assert c["witnesses"][0]["params"] == {"N": 2}  # 1 of 2 is exactly half: >= passes, > does not


def test_an_equal_rewrite_passes(tmp_path):
    code, c, text = compared(tmp_path, f"2 * {YES} > N", f"{YES} * 2 > N")
    assert code == 0
    assert c["relation"] == "equal" and c["witnesses"] == [] and c["scope"] == "for all N >= 1 (assuming N >= 1)"
    assert "comparison: equal (passes exactly the configurations the old rule passes), for all N >= 1" in text
    assert "1 threshold changed (equal); exit code 0" in text


def test_incomparable_rules_fail_with_a_witness_each_way(tmp_path):
    # OLD: a Yes majority; NEW: fewer than a third said No (an abstaining set passes NEW only,
    # a Yes majority with a third No passes OLD only)
    code, c, text = compared(tmp_path, f"{YES} * 2 > N", "count(v in Validator where v.ballot == No) * 3 < N")
    assert code == 1
    assert c["relation"] == "incomparable" and c["admits_more"] is True and c["rejects_more"] is True
    new_only, old_only = c["witnesses"]
    assert (new_only["passes"], old_only["passes"]) == ("NEW", "OLD")
    assert new_only["text"] == "N = 1: 1 x (ballot = Unvoted)"
    assert old_only["text"] == "N = 3: 2 x (ballot = Yes), 1 x (ballot = No)"
    assert "passes NEW, fails OLD" in text and "passes OLD, fails NEW" in text


def test_a_stake_weighted_bar_lowered_from_two_thirds_to_half_is_weaker(tmp_path):
    total = "sum(v in Validator: v.stake)"
    code, c, _ = compared(tmp_path, f"{STAKE} * 3 > 2 * {total}", f"{STAKE} * 2 > {total}",
                          "var stake: 1..3 = any")
    assert code == 1 and c["relation"] == "weaker" and c["scope"].startswith("for all N >= 1")
    (w,) = c["witnesses"]
    # the witness's Yes stake is more than half of the total and at most two thirds of it
    stakes = {"Yes": 0, "No": 0, "Unvoted": 0}
    for part in w["configuration"].split("), "):
        copies, _, state = part.partition(" x (")
        ballot, stake = (x.split(" = ")[1] for x in state.rstrip(")").split(", "))
        stakes[ballot] += int(copies) * int(stake)
    yes, all_ = stakes["Yes"], sum(stakes.values())
    assert yes * 2 > all_ and not yes * 3 > 2 * all_


def test_a_comparison_without_a_symbolic_answer_says_it_checked_each_n(tmp_path):
    """No proof for all N (sums of cubes: the solver cannot settle it), so each N = 1..K is
    asked instead, and the result says that this is all it covers."""
    def votes(b: str) -> str:
        return f"count(v in Validator where v.ballot == {b})"

    def cube(b: str) -> str:
        return " * ".join([votes(b)] * 3)

    old_rule = f"{cube('Yes')} + {cube('No')} == {cube('Unvoted')} and {votes('Yes')} > 0 and {votes('No')} > 0"
    old = load_text(BAR.replace("RULE", old_rule).replace("EXTRA", ""))
    new = load_text(BAR.replace("RULE", f"{YES} > N").replace("EXTRA", ""))
    c = compare_rules(old, old.def_named("passed"), new, new.def_named("passed"), up_to=4, timeout_ms=1000)
    assert c.checked == "finite" and c.scope == "N = 1..4 (assuming N >= 1)"
    assert c.relation == "equal" and c.admits_more is False
    assert comparison_lines(c)[0] == ("comparison: equal (passes exactly the configurations the old rule passes), "
                                      "N = 1..4 (assuming N >= 1), checked for each of these N (not proved beyond them)")
    # an edit that admits more at some N is still caught, with its witness, when the proof is out of reach
    wider = load_text(BAR.replace("RULE", f"{YES} > N or N == 7").replace("EXTRA", ""))
    c = compare_rules(old, old.def_named("passed"), wider, wider.def_named("passed"), up_to=4, timeout_ms=1000)
    assert c.admits_more is True and c.witnesses[0].params == (("N", 7),)


def test_versions_over_different_configurations_are_unknown_and_inconclusive(tmp_path):
    """A family whose size changed: the rules do not count over the same copies; the diff
    says why and exits 3 (nothing else got worse)."""
    old = bar(tmp_path, "old.fork", f"{YES} * 2 > N")
    new = tmp_path / "new.fork"
    new.write_text(Path(old).read_text().replace("* 2 > N", "* 2 >= N").replace("process Validator[N]", "process Validator[N + 1]")
                   .replace("!= Unvoted) <= N", "!= Unvoted) <= N + 1"))
    r = invoke(old, new, "--no-deadlock", "--table-up-to", "3")
    assert r.exit_code == 3, r.output
    assert "comparison: unknown: not compared: the size of Validator changed (N -> N + 1)" in r.stdout


def test_a_param_only_one_version_has_is_left_free_and_said(tmp_path):
    """NEW adds a minimum turnout Q: free (any Q >= 0 NEW's assumption allows), so NEW is
    stronger for all N and Q, and the note says Q was left free."""
    old = load_text(BAR.replace("RULE", f"{YES} * 2 > N").replace("EXTRA", ""))
    new = load_text(BAR.replace("RULE", f"{YES} * 2 > N and {YES} >= Q").replace("EXTRA", "")
                    .replace("assume N >= 1", "param Q: int\nassume N >= 1 and Q >= 0"))
    c = compare_rules(old, old.def_named("passed"), new, new.def_named("passed"))
    assert c.relation == "stronger" and c.scope == "for all N >= 1, Q >= 0 (assuming N >= 1 and Q >= 0)"
    assert c.notes == ("Q is a param of NEW only: left free",)
    assert c.witnesses[0].params == (("N", 1), ("Q", 2)) and c.witnesses[0].passes == "OLD"
    assert "  note: Q is a param of NEW only: left free" in comparison_lines(c)


def test_the_api_carries_the_comparison(tmp_path):
    import forkproof
    old = forkproof.load(Path(bar(tmp_path, "old.fork", f"{YES} * 100 > 50 * N")))
    new = forkproof.load(Path(bar(tmp_path, "new.fork", f"{YES} * 100 > 40 * N")))
    d = forkproof.diff(old, new, deadlock=False)
    assert d.exit_code == 1 and {c.change for c in d.changes} == {"still_holds"}
    (t,) = d.thresholds
    assert t.comparison.relation == "weaker"
    assert t.comparison.witnesses[0].text() == "N = 2: 1 x (ballot = Yes), 1 x (ballot = No)"
    assert d.to_json()["thresholds"][0]["comparison"]["relation"] == "weaker"
    assert forkproof.diff(new, old, deadlock=False).exit_code == 0


@pytest.mark.slow  # fast-tier budget: 3 min on 2 cores
def test_git_head_catches_a_lowered_bar(tmp_path):
    """`forkproof diff NEW --git HEAD`, as the installed command, on an uncommitted 50% -> 40%."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    model = repo / "approval.fork"
    model.write_text(BAR.replace("RULE", f"{YES} * 100 > 50 * N").replace("EXTRA", ""))
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "50%")
    model.write_text(model.read_text().replace("> 50 * N", "> 40 * N"))
    exe = Path(sys.executable).parent / "forkproof"
    r = subprocess.run([str(exe), "diff", str(model), "--git", "HEAD", "--no-deadlock"], capture_output=True, text=True)
    assert r.returncode == 1, r.stdout + r.stderr
    assert "still holds" in r.stdout and "newly violated" not in r.stdout
    assert "comparison: weaker (admits configurations the old rule rejects)" in r.stdout
    assert "e.g. N = 2: 1 x (ballot = Yes), 1 x (ballot = No) passes NEW, fails OLD" in r.stdout
    model.write_text(model.read_text().replace("> 40 * N", "> 50 * N"))
    same = subprocess.run([str(exe), "diff", str(model), "--git", "HEAD", "--no-deadlock"], capture_output=True, text=True)
    assert same.returncode == 0, same.stdout + same.stderr


# ---------------------------------------------------------------- sizes (NOTE(diff-coverage))

OPEN = """model Bar

param N: int
assume N >= 1

enum Ballot { Unvoted, Yes, No }

process Validator[N] {
  var ballot: Ballot = Unvoted
}

var done: bool = false

action vote(v: Validator, yes: bool) when not done and v.ballot == Unvoted {
  v.ballot = if yes then Yes else No
}

action finish when not done and count(v in Validator where v.ballot == Yes) * 100 > BAR * N { done = true }

invariant majority_when_done: done implies count(v in Validator where v.ballot == Yes) * 2 > N
"""
SEVEN = "(if N >= 7 then 40 else 50)"  # 50% below N = 7, 40% from N = 7 on: 3 of 7 pass, a minority


def bar_pair(tmp_path: Path) -> tuple[str, str]:
    return (tiny(tmp_path, "old.fork", text=OPEN.replace("BAR", "50")),
            tiny(tmp_path, "new.fork", text=OPEN.replace("BAR", SEVEN)))


def test_a_bar_lowered_only_from_n_7_is_a_regression_with_n_open(tmp_path):
    """Issue 13: a weakening the old sizes (N = 1..6, or one bound N) cannot see is found:
    both versions are checked for every N, and the coverage of each says so."""
    old, new = bar_pair(tmp_path)
    r = invoke(old, new, "--no-deadlock")
    assert r.exit_code == 1, r.output
    lines = r.stdout.splitlines()
    assert lines[2:5] == [
        "sizes checked:",
        "  old: all N with N >= 1 (every-size proof: 1 of 1 proved), cross-checked at N = 1..6",
        "  new: all N with N >= 1 (every-size proof: 0 of 1 proved), cross-checked at N = 1..7 "
        "(N = 7 beyond --up-to 6: where the counters found a violation)",
    ]
    row = next(x for x in lines if x.strip().startswith("majority_when_done"))
    assert row.split() == ["majority_when_done", "all", "N", "with", "N", ">=", "1", "->", "N", "=", "7",
                           "proved", "violated", "newly", "violated"]
    assert "newly violated: invariant majority_when_done, N = 7 (was proved for all N with N >= 1)" in r.stdout
    assert "comparison covers" not in r.stdout  # nothing was bound: no warning
    doc = json.loads(invoke(old, new, "--no-deadlock", "--format", "json").stdout)
    assert doc["exit_code"] == 1 and doc["properties"][0]["change"] == "newly_violated"
    assert doc["old"]["coverage"] == {
        "text": "all N with N >= 1 (every-size proof: 1 of 1 proved), cross-checked at N = 1..6",
        "every_size": "all N with N >= 1", "open": ["N"], "cross_checked": "N = 1..6", "beyond_up_to": None,
        "up_to": 6, "proved": 1, "properties": 1, "fixed": []}
    assert doc["new"]["coverage"]["cross_checked"] == "N = 1..7" and doc["new"]["coverage"]["beyond_up_to"] == "N = 7"


def test_bound_params_say_the_comparison_covers_those_sizes_only(tmp_path):
    """--param N=4 is what diff checked before: the same pair then still holds, and the report
    says plainly that N = 4 is all it compared."""
    old, new = bar_pair(tmp_path)
    r = invoke(old, new, "--no-deadlock", "--param", "N=4")
    assert r.exit_code == 0, r.output
    assert r.stdout.splitlines()[2:6] == [
        "sizes checked:",
        "  old: N = 4 only (bound by --param)",
        "  new: N = 4 only (bound by --param)",
        "  so this comparison covers N = 4 only: an edit that shows only at other values of N is not seen "
        "(without --param N, every N is checked)",
    ]
    assert "result: 1 still holds; exit code 0" in r.stdout
    doc = json.loads(invoke(old, new, "--no-deadlock", "--param", "N=4", "--format", "json").stdout)
    for side in ("old", "new"):
        c = doc[side]["coverage"]
        assert c["text"] == "N = 4 only (bound by --param)" and c["every_size"] is None and c["open"] == []
        assert c["fixed"] == [{"param": "N", "values": "4", "origin": "--param"}]
    ranged = invoke(old, new, "--no-deadlock", "--param", "N=2..5")
    assert "  old: N = 2..5 only (bound by --param)" in ranged.stdout
    assert "so this comparison covers N = 2..5 only" in ranged.stdout


def test_the_models_values_are_named_as_such(tmp_path):
    r = invoke(NEAR, NEAR)
    assert r.exit_code == 0, r.output
    assert "  old: N = 3, BLOCKS = 6, V = 2 only (the model's values)" in r.stdout
    assert ("  so this comparison covers N = 3, BLOCKS = 6, V = 2 only: an edit that shows only at other values of "
            "N, BLOCKS, V is not seen (a range such as --param N=1..10 checks more sizes)") in r.stdout


@pytest.mark.slow  # over 2.5 s; the fast tier keeps under 3 minutes on 2 cores (tests/conftest.py)
def test_a_threshold_lowered_only_from_n_7_is_weaker_for_all_n_but_equal_at_a_bound_n(tmp_path):
    """The same bar as a `threshold`: its rule comparison over every N finds the N = 7 witness;
    bound to N = 4 it is `equal` there, and the coverage lines say that is all it covers."""
    text = OPEN.replace("action finish when not done and count(v in Validator where v.ballot == Yes) * 100 > BAR * N",
                        "threshold approved = count(v in Validator where v.ballot == Yes) * 100 > BAR * N\n"
                        "action finish when not done and approved")
    old = tiny(tmp_path, "told.fork", text=text.replace("BAR", "50"))
    new = tiny(tmp_path, "tnew.fork", text=text.replace("BAR", SEVEN))
    doc = json.loads(invoke(old, new, "--no-deadlock", "--table-up-to", "3", "--format", "json").stdout)
    c = doc["thresholds"][0]["comparison"]
    assert doc["exit_code"] == 1 and c["relation"] == "weaker" and c["witnesses"][0]["params"] == {"N": 7}
    bound = invoke(old, new, "--no-deadlock", "--table-up-to", "3", "--param", "N=4")
    assert bound.exit_code == 0, bound.output
    assert "comparison: equal (passes exactly the configurations the old rule passes), at N = 4" in bound.stdout
    assert "so this comparison covers N = 4 only" in bound.stdout


def test_each_side_is_checked_as_check_checks_it(tmp_path):
    """diff's verdicts for a version are `check`'s verdicts for it, scope for scope."""
    old, new = bar_pair(tmp_path)
    doc = json.loads(invoke(old, new, "--no-deadlock", "--format", "json").stdout)
    for side, path in (("old", old), ("new", new)):
        r = CliRunner().invoke(cli, ["check", path, "--no-deadlock", "--format", "json"])
        checked = [(p["name"], p["verdict"], p["scope"]) for p in json.loads(r.stdout)["models"][0]["properties"]]
        assert [(c[side]["name"], c[side]["verdict"], c[side]["scope"]) for c in doc["properties"]] == checked
