"""`forkproof diff`: matching, classification, exit codes (NOTE(diff-exit)), git revisions,
threshold tables before and after, and the JSON shape."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from forkproof.cli.main import cli
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
