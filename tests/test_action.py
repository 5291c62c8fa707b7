"""action.yml, the GitHub Action (docs/ci.md, "GitHub Action"), checked offline: against the
action metadata schema (check-jsonschema's copy of SchemaStore's, no network), against the
rules the schema leaves out, every forkproof command line in it parsed by the real CLI, and
its shell steps run as the runner runs them (bash -eo pipefail, $GITHUB_OUTPUT, inputs through
`env:`) on a small repository with a pull request that lowers NEAR's threshold.

actionlint is not used: it lints workflows, not action metadata, and its PyPI wrapper fetches
a binary when it is built.  The workflows shown in docs/ci.md are checked against the
workflow schema instead."""
from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest
from ruamel.yaml import YAML

from forkproof.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
CI_MD = ROOT / "docs" / "ci.md"
NEAR = ROOT / "models" / "near_protocol_upgrade.fork"
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(path: Path) -> dict:
    return YAML(typ="safe").load(path.read_text())


def schema_check(schema: str, *files: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "check_jsonschema", "--builtin-schema", schema, *map(str, files)],
                          capture_output=True, text=True)


def steps() -> list[dict]:
    return load(ACTION)["runs"]["steps"]


def step(id_: str) -> dict:
    return next(s for s in steps() if s.get("id") == id_)


# ---------------------------------------------------------------- the metadata


def test_action_yml_validates_against_the_action_metadata_schema(tmp_path):
    r = schema_check("vendor.github-actions", ACTION)
    assert r.returncode == 0, r.stdout + r.stderr
    # the validator does reject a broken action (so the pass above means something)
    broken = tmp_path / "action.yml"
    broken.write_text(ACTION.read_text().replace("using: composite", "using: compost"))
    assert schema_check("vendor.github-actions", broken).returncode != 0


def test_the_rules_the_schema_leaves_out():
    doc = load(ACTION)
    assert doc["name"] == "forkproof" and doc["description"].strip()
    assert doc["runs"]["using"] == "composite"
    inputs = doc["inputs"]
    assert {"models", "args", "python-version", "sarif", "comment-diff", "fail-on"} <= set(inputs)
    for name, spec in inputs.items():
        assert spec.get("description", "").strip(), f"input {name} has no description"
    for name, spec in doc["outputs"].items():
        assert spec.get("description", "").strip() and spec.get("value"), f"output {name}"
    ids: list[str] = []
    text = ACTION.read_text()
    for s in doc["runs"]["steps"]:
        assert s.get("name"), s
        if "run" in s:
            assert s.get("shell") == "bash", f"step {s['name']}: a run step needs `shell` in a composite action"
            # inputs reach scripts through env only: an expression in a script is pasted in as shell code
            assert "${{" not in s["run"], f"step {s['name']}: ${{{{ }}}} inside run"
        else:
            assert re.fullmatch(r"[\w-]+/[\w/-]+@v\d+", s["uses"]), s["uses"]  # a published action, by major tag
        for sid, key in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", str({k: v for k, v in s.items() if k != "run"})):
            assert sid in ids, f"step {s['name']} reads steps.{sid} before it runs"
        if "id" in s:
            ids.append(s["id"])
    for sid, key in re.findall(r"steps\.([\w-]+)\.outputs\.([\w-]+)", text):  # steps and the action's outputs
        assert sid in ids and re.search(rf'echo "{key}=', step(sid)["run"]), f"steps.{sid} never sets {key}"
    for name in re.findall(r"\binputs\.([\w-]+)", text):
        assert name in inputs, f"inputs.{name} is not declared"
    # what runs when: SARIF uploaded only when written; diff and comment only on a pull request
    upload = next(s for s in steps() if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert "inputs.sarif == 'true'" in upload["if"] and upload["with"]["sarif_file"]
    assert "github.event_name == 'pull_request'" in step("diff")["if"]
    assert "inputs.comment-diff == 'true'" in step("diff")["if"]
    comment = next(s for s in steps() if s.get("uses", "").startswith("actions/github-script@"))
    assert "steps.diff.outputs.report" in comment["if"] and comment["with"]["github-token"] == "${{ inputs.github-token }}"
    assert "<!-- forkproof-diff -->" in comment["with"]["script"] and "<!-- forkproof-diff -->" in step("diff")["run"]
    assert steps()[-1]["if"] == "always()" and "FAIL_ON" in steps()[-1]["run"]
    assert step("install")["env"]["ACTION_PATH"] == "${{ github.action_path }}"


def forkproof_lines() -> list[tuple[str, list[str]]]:
    """Every `"$FORKPROOF" <command> ...` in the scripts, its variables given sample values."""
    sample = {'"${models[@]}"': str(NEAR), '"${args[@]}"': "", '"$m"': str(NEAR), '"$BASE_SHA"': "HEAD",
              '"$SARIF_FILE"': "out.sarif"}
    out = []
    for s in steps():
        for line in s.get("run", "").splitlines():
            line = line.strip()
            m = re.search(r'"\$FORKPROOF" (\w+)(.*)', line)
            if not m or m.group(1).startswith("-"):
                continue
            rest = re.split(r" \|\| | > | 2>&1", m.group(2))[0].rstrip(")")
            for var, value in sample.items():
                rest = rest.replace(var, value)
            assert "$" not in rest, f"a variable the test does not know: {rest}"
            out.append((m.group(1), shlex.split(rest)))
    return out


def test_every_forkproof_command_line_parses_with_the_real_cli():
    lines = forkproof_lines()
    assert sorted({c for c, _ in lines}) == ["check", "diff"] and len(lines) == 3
    for command, args in lines:
        # the parent context as the console script makes it: click caches a command's help option
        # the first time it is asked for, so a context without `-h` here would drop `-h` from
        # `check --help` for the rest of the process (the golden help text then differs)
        top = click.Context(cli, info_name="forkproof", **cli.context_settings)
        sub = cli.get_command(top, command)  # diff is loaded on demand (NOTE(lazy-commands))
        ctx = sub.make_context(command, list(args), parent=top)  # click.UsageError on a wrong option
        assert ctx.params


# ---------------------------------------------------------------- the docs


def yaml_blocks(path: Path) -> list[str]:
    return re.findall(r"```yaml\n(.*?)```", path.read_text(), re.S)


def test_the_workflows_in_ci_md_validate_and_one_uses_the_action(tmp_path):
    workflows = [b for b in yaml_blocks(CI_MD) if re.search(r"^jobs:", b, re.M)]
    assert len(workflows) >= 2
    files = []
    for i, block in enumerate(workflows):
        files.append(tmp_path / f"w{i}.yml")
        files[-1].write_text(block)
    r = schema_check("vendor.github-workflows", *files)
    assert r.returncode == 0, r.stdout + r.stderr
    using = [b for b in workflows if "uses: OWNER/forkproof@v0.1" in b]
    assert using, "docs/ci.md shows the action in use"
    job = next(iter(YAML(typ="safe").load(using[0])["jobs"].values()))
    used = next(s for s in job["steps"] if s.get("uses", "").startswith("OWNER/forkproof@"))
    assert set(used.get("with", {})) <= set(load(ACTION)["inputs"])  # only inputs the action declares
    assert "pre-commit install" in CI_MD.read_text()


# ---------------------------------------------------------------- the scripts, run


def sh_git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args],
                          check=True, capture_output=True, text=True).stdout.strip()


class Runner:
    """One job's worth of the runner for this action's bash steps: expressions in `env:` are
    resolved from inputs (defaults, then `with`), the github context, runner.temp and the
    outputs earlier steps wrote to $GITHUB_OUTPUT; each script runs as `bash --noprofile
    --norc -eo pipefail` in the repository."""

    def __init__(self, repo: Path, temp: Path, with_: dict[str, str], github: dict[str, str]):
        self.repo, self.temp = repo, temp
        self.inputs = {k: str(v.get("default", "")) for k, v in load(ACTION)["inputs"].items()}
        self.inputs.update(with_)
        self.github = github
        self.outputs: dict[str, dict[str, str]] = {
            "install": {"bin": str(Path(sys.executable).with_name("forkproof"))}}  # installed by the test setup
        self.summary = temp / "summary.md"

    def value(self, expr: str) -> str:
        if expr.startswith("inputs."):
            return self.inputs[expr[len("inputs."):]]
        if expr == "runner.temp":
            return str(self.temp)
        if expr.startswith("steps."):
            _, sid, _, key = expr.split(".")
            return self.outputs.get(sid, {}).get(key, "")
        return self.github[expr.removeprefix("github.")]  # KeyError: an expression this test does not know

    def run(self, id_: str) -> subprocess.CompletedProcess:
        s = step(id_)
        env = {k: EXPR.sub(lambda m: self.value(m.group(1)), str(v)) for k, v in s.get("env", {}).items()}
        out = self.temp / f"{id_}.out"
        out.write_text("")
        path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
        full = {**os.environ, "PATH": path, "RUNNER_TEMP": str(self.temp), "GITHUB_OUTPUT": str(out),
                "GITHUB_STEP_SUMMARY": str(self.summary), "GIT_CONFIG_NOSYSTEM": "1", **env}
        r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", s["run"]], cwd=self.repo,
                           env=full, capture_output=True, text=True)
        self.outputs[id_] = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
        return r


@pytest.fixture
def pull_request(tmp_path):
    """A repository whose base commit has NEAR's model (and one more, unchanged), and a
    pull request on top that lowers NEAR's 80% threshold to 40% and adds a model."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = tmp_path / "repo"
    (repo / "models" / "deep").mkdir(parents=True)
    sh_git(repo, "init", "-q")
    text = NEAR.read_text()
    (repo / "models" / "near.fork").write_text(text)
    (repo / "models" / "deep" / "same.fork").write_text(text)
    sh_git(repo, "add", "-A")
    sh_git(repo, "commit", "-qm", "base")
    base = sh_git(repo, "rev-parse", "HEAD")
    (repo / "models" / "near.fork").write_text(text.replace("80% * BLOCKS", "40% * BLOCKS"))
    (repo / "models" / "added.fork").write_text(text)
    sh_git(repo, "add", "-A")
    sh_git(repo, "commit", "-qm", "lower the bar")
    temp = tmp_path / "runner"
    temp.mkdir()
    github = {"event.pull_request.base.sha": base, "base_ref": "main", "action_path": str(ROOT),
              "event_name": "pull_request"}
    return repo, temp, github


@pytest.mark.slow  # fast-tier budget: 3 min on 2 cores
def test_the_steps_check_upload_diff_and_gate_a_pull_request(pull_request):
    repo, temp, github = pull_request
    # check's arguments include some diff does not take: the diff step leaves them out
    job = Runner(repo, temp, {"args": "--timeout 300 --require exhaustive --timings"}, github)
    r = job.run("check")
    assert r.returncode == 0, r.stdout + r.stderr  # the exit code is kept for the gate, not acted on
    assert job.outputs["check"]["exit-code"] == "1"  # near.fork's lowered bar is violated
    sarif = json.loads(Path(job.outputs["check"]["sarif-file"]).read_text())
    assert sarif["version"] == "2.1.0"
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"] for res in sarif["runs"][0]["results"]
            for loc in res["locations"]}
    assert uris == {"models/near.fork"}  # relative, as code scanning needs; `**` found the nested model too
    assert "at_most_one_version_passes: violated" in r.stderr  # --stream: verdicts in the log
    assert "forkproof check: exit code 1" in r.stdout
    checked = (temp / "forkproof-models").read_text().split()
    assert sorted(checked) == ["models/added.fork", "models/deep/same.fork", "models/near.fork"]

    d = job.run("diff")
    assert d.returncode == 0, d.stdout + d.stderr
    assert job.outputs["diff"]["exit-code"] == "1"
    report = Path(job.outputs["diff"]["report"]).read_text()
    assert report.startswith("<!-- forkproof-diff -->\n### forkproof diff against `main`")
    assert "<code>models/near.fork</code>: exit code 1, a regression" in report
    assert "newly violated: invariant at_most_one_version_passes" in report
    assert "same.fork" not in report and "added.fork" not in report  # unchanged; new (check covers it)
    assert report in job.summary.read_text()
    assert "::group::forkproof diff models/near.fork --git" in d.stdout

    gate = job.run("gate")
    assert gate.returncode == 1 and "::error title=forkproof::check exit code 1, diff exit code 1" in gate.stdout
    for fail_on, code in (("2 3", 0), ("", 0), ("1,2", 1), ("3", 0)):
        job.inputs["fail-on"] = fail_on
        assert job.run("gate").returncode == code, fail_on


def test_text_report_without_sarif_and_a_clean_diff(pull_request):
    repo, temp, github = pull_request
    job = Runner(repo, temp, {"models": "models/deep/*.fork", "sarif": "false", "args": "--max-states 100000"},
                 github)
    r = job.run("check")
    assert r.returncode == 0 and job.outputs["check"]["exit-code"] == "0", r.stdout + r.stderr
    assert "sarif-file" not in job.outputs["check"]
    assert "NearProtocolUpgrade" in r.stdout and "exit code 0" in r.stdout  # the text report in the log
    assert job.run("diff").returncode == 0 and job.outputs["diff"]["exit-code"] == "0"
    assert "No model the base branch has was changed." in Path(job.outputs["diff"]["report"]).read_text()
    assert job.run("gate").returncode == 0


def test_no_model_matched_is_an_error_the_gate_fails_on(pull_request):
    repo, temp, github = pull_request
    job = Runner(repo, temp, {"models": "nowhere/*.fork"}, github)
    r = job.run("check")
    assert r.returncode == 0 and job.outputs["check"]["exit-code"] == "2"
    assert "::error title=forkproof::no model matches 'nowhere/*.fork'" in r.stdout
    assert job.run("gate").returncode == 2
