"""`library Name` and `import "PATH"` (NOTE(imports) in spec/load.py): a model that imports a
library is the model with the library's declarations written at its top, for every engine
and command; mistakes are located in the file they are in.  The printed errors are pinned by
tests/golden/errors/import_*.fork; docs/language.md 5.13 runs the documented example."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

import forkproof
from forkproof.cli.main import cli
from forkproof.spec.errors import ModelError, render
from forkproof.spec.load import load_model, load_model_text
from forkproof.spec.parser import KEYWORDS

ROOT = Path(__file__).resolve().parents[2]

QUORUM = """library Quorum
param N: int = 4
param F: int = 1
assume N > 3 * F
enum Vote { Yes, No }
type Id = 0..N - 1
def limit = N - F
threshold quorum(k: int) = k >= limit meant 2 * k > N + F
"""

BODY = """
var ballots: [Id] Vote = No
var decided: bool = false
action vote(i: Id) when ballots[i] == No { ballots[i] = Yes }
action decide when quorum(count(i in Id where ballots[i] == Yes)) and not decided { decided = true }
action wait { }
invariant decided_has_quorum: decided implies count(i in Id where ballots[i] == Yes) >= N - F
"""


def write(tmp: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (tmp / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp / name).write_text(text, encoding="utf-8")


def load_error(path: Path) -> ModelError:
    with pytest.raises(ModelError) as e:
        load_model(str(path))
    return e.value


def where(span) -> tuple[str | None, int, int]:
    return (span.file, span.line, span.col)


# ---------------------------------------------------------------- what an import means


def test_an_imported_model_is_the_model_with_the_library_written_at_its_top(tmp_path):
    write(tmp_path, {"lib/quorum.fork": QUORUM, "ballot.fork": 'model Ballot\nimport "lib/quorum.fork"\n' + BODY})
    imported = load_model(str(tmp_path / "ballot.fork"))
    inline = load_model_text("model Ballot\n" + QUORUM.split("\n", 1)[1] + BODY, str(tmp_path / "ballot.fork"))
    assert imported == inline  # spans are left out of equality: the IR every engine gets is the same
    assert not imported.library
    assert [p.name for p in imported.params] == ["N", "F"]
    # the library's declarations keep their file (NOTE(span-file)); the model's own have none
    lib = os.path.join(str(tmp_path), "lib", "quorum.fork")
    assert where(imported.def_named("quorum").span) == (lib, 8, 1)
    assert imported.actions[0].span.file is None
    report = forkproof.check(imported)
    assert report.exit_code == 0
    assert [(r.name, r.verdict, r.states) for r in report.results] == \
        [(r.name, r.verdict, r.states) for r in forkproof.check(inline).results]


def test_the_path_is_relative_to_the_importing_file_not_the_current_directory(tmp_path, monkeypatch):
    write(tmp_path, {"models/lib/quorum.fork": QUORUM,
                     "models/ballot.fork": 'model Ballot\nimport "lib/quorum.fork"\n' + BODY})
    monkeypatch.chdir(tmp_path)
    m = load_model("models/ballot.fork")
    assert m.def_named("quorum").span.file == "models/lib/quorum.fork"
    monkeypatch.chdir(tmp_path / "models")
    assert load_model("ballot.fork").def_named("quorum").span.file == "lib/quorum.fork"


def test_imports_are_transitive_and_a_library_reached_twice_is_merged_once(tmp_path):
    write(tmp_path, {
        "base.fork": "library Base\nparam N: int = 3\nenum Vote { Yes, No }\n",
        "a.fork": 'library A\nimport "base.fork"\nthreshold most(k: int) = 2 * k > N\n',
        "b.fork": 'library B\nimport "base.fork"\ndef everyone(k: int): bool = k == N\n',
        "m.fork": 'model M\nimport "a.fork"\nimport "b.fork"\nvar v: Vote = No\n'
                  'action flip { v = Yes }\ninvariant i: most(2) and not everyone(2)\n',
    })
    m = load_model(str(tmp_path / "m.fork"))
    assert [p.name for p in m.params] == ["N"]  # base.fork once, though both a and b import it
    assert [e.name for e in m.enums] == ["Vote"]
    assert [d.name for d in m.defs] == ["most", "everyone"]
    assert forkproof.check(m).exit_code == 0


def test_a_library_alone_parses_and_has_nothing_to_check(tmp_path):
    write(tmp_path, {"quorum.fork": QUORUM})
    m = load_model(str(tmp_path / "quorum.fork"))
    assert m.library and m.header == "library Quorum"
    report = forkproof.check(m)
    assert report.exit_code == 0 and report.results == ()
    assert any("nothing to check on its own" in n for n in report.notes)


def test_a_library_may_not_use_the_names_of_the_model_that_imports_it(tmp_path):
    """A library is checked on its own: `q.fork` reads `N`, which only the model declares."""
    write(tmp_path, {"q.fork": "library Q\nthreshold big(k: int) = k > N\n",
                     "m.fork": 'model M\nimport "q.fork"\nparam N: int = 3\nvar x: bool = false\n'})
    (d,) = load_error(tmp_path / "m.fork").diagnostics
    assert d.code == "FP202" and where(d.span) == (str(tmp_path / "q.fork"), 2, 29)
    assert d.notes[-1].message == f"{tmp_path / 'q.fork'} is imported here" and d.notes[-1].span.line == 2


def test_the_shipped_byzantine_library(tmp_path):
    m = load_model(str(ROOT / "models" / "lib" / "byzantine.fork"))
    assert m.header == "library Byzantine" and [p.name for p in m.params] == ["N", "T"]
    assert [(d.name, d.is_threshold) for d in m.defs] == [("some_correct", True), ("quorum", True)]
    write(tmp_path, {"m.fork": f'model M\nimport "{ROOT / "models" / "lib" / "byzantine.fork"}"\n'
                               "process P[N] { var echoed: bool = false }\n"
                               "action echo(p: P) { p.echoed = true }\n"
                               "invariant i: quorum(count(p in P where p.echoed)) implies "
                               "some_correct(count(p in P where p.echoed))\n"})
    report = forkproof.check(load_model(str(tmp_path / "m.fork")), {"N": "4..7", "T": 1})
    assert [(r.name, r.verdict) for r in report.results] == [("i", "holds_exhaustive"), ("deadlock", "holds_exhaustive")]


def test_import_and_library_are_keywords():
    assert {"import", "library"} <= KEYWORDS
    with pytest.raises(ModelError) as e:
        load_model_text("model M\nvar import: bool = false\n")
    assert e.value.diagnostics[0].code == "FP102"


def test_the_api_reads_imports_with_the_reader_it_is_given():
    files = {"lib/quorum.fork": QUORUM}

    def read(path: str) -> str:
        if path not in files:
            raise FileNotFoundError(path)
        return files[path]

    m = forkproof.load_text('model Ballot\nimport "lib/quorum.fork"\n' + BODY, "ballot.fork", read=read)
    assert m.def_named("quorum").span.file == "lib/quorum.fork"
    with pytest.raises(ModelError) as e:
        forkproof.load_text('model Ballot\nimport "lib/other.fork"\n', "ballot.fork", read=read)
    assert [d.code for d in e.value.diagnostics] == ["FP601"]


# ---------------------------------------------------------------- errors, each located


def test_every_import_error_is_located_with_the_chain_of_imports(tmp_path, monkeypatch):
    write(tmp_path, {
        "lib/quorum.fork": QUORUM,
        "lib/outer.fork": 'library Outer\nimport "inner.fork"\n',
        "lib/inner.fork": "library Inner\nparam M: int = true\n",
    })
    cases = {  # the model's lines after the header -> (code, (file, line, col) of the error)
        'import "lib/nope.fork"': ("FP601", (None, 2, 8)),
        'import ""': ("FP601", (None, 2, 8)),
        'import "lib"': ("FP601", (None, 2, 8)),
        'import "m.fork"': ("FP602", (None, 2, 8)),
        'import "lib/outer.fork"': ("FP302", ("lib/inner.fork", 2, 16)),
        'import "lib/quorum.fork"\nenum Choice { Yes, Maybe }': ("FP603", (None, 3, 15)),
        'var x: bool = false\nimport "lib/quorum.fork"': ("FP606", (None, 3, 1)),
    }
    monkeypatch.chdir(tmp_path)
    for lines, (code, at) in cases.items():
        write(tmp_path, {"m.fork": "model M\n" + lines + "\n"})
        (d,) = load_error(Path("m.fork")).diagnostics
        assert (d.code, where(d.span)) == (code, at), lines
        assert render(d, "m.fork", None).startswith(f"{at[0] or 'm.fork'}:{at[1]}:{at[2]}: error[{code}]: ")
    # the nested error has a note for each import that led to it, innermost first
    write(tmp_path, {"m.fork": 'model M\nimport "lib/outer.fork"\n'})
    (d,) = load_error(tmp_path / "m.fork").diagnostics
    assert [(n.message.endswith("is imported here"), n.span.file, n.span.line) for n in d.notes] == \
        [(True, str(tmp_path / "lib" / "outer.fork"), 2), (True, None, 2)]


def test_a_cycle_through_the_model_is_a_cycle_and_not_a_model_imported(tmp_path):
    write(tmp_path, {"lib/a.fork": 'library A\nimport "../m.fork"\n',
                     "m.fork": 'model M\nimport "lib/a.fork"\nvar x: bool = false\n'})
    (d,) = load_error(tmp_path / "m.fork").diagnostics
    assert d.code == "FP602" and d.span.file == str(tmp_path / "lib" / "a.fork")
    assert d.message == f"import cycle: {tmp_path / 'm.fork'} -> {tmp_path / 'lib' / 'a.fork'} -> {tmp_path / 'm.fork'}"


def test_two_libraries_declaring_one_name_clash_at_the_second_import(tmp_path):
    write(tmp_path, {"a.fork": "library A\nenum Vote { Yes, No }\n", "b.fork": "library B\nparam Yes: int = 1\n",
                     "m.fork": 'model M\nimport "a.fork"\nimport "b.fork"\nvar x: bool = false\n'})
    (d,) = load_error(tmp_path / "m.fork").diagnostics
    assert d.code == "FP603" and where(d.span) == (None, 3, 8)
    assert [where(n.span) for n in d.notes] == [(str(tmp_path / "a.fork"), 2, 13), (str(tmp_path / "b.fork"), 2, 7)]


def test_a_library_with_state_is_refused_at_each_such_declaration(tmp_path):
    write(tmp_path, {"s.fork": "library S\nprocess P[2] { var v: bool = false }\nvar x: bool = false\n"
                               "action a { x = true }\ninvariant i: x\nproperty p: eventually x\nfair action a\n"})
    diags = load_error(tmp_path / "s.fork").diagnostics  # the library alone: the same rule
    assert [(d.code, d.span.line) for d in diags] == [("FP605", n) for n in range(2, 8)]


def test_the_file_named_in_json_is_the_one_the_mistake_is_in(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"lib/bad.fork": "library Bad\nthreshold q(k: int) = k > Nope\n",
                     "m.fork": 'model M\nimport "lib/bad.fork"\nvar x: bool = false\n'})
    r = CliRunner().invoke(cli, ["check", "m.fork", "--format", "json"])
    assert r.exit_code == 2
    (e,) = json.loads(r.stdout)["errors"]
    assert (e["code"], e["file"], e["span"]["line"]) == ("FP202", "lib/bad.fork", 2)
    assert e["notes"][-1]["span"] == {"line": 2, "col": 1, "end_line": 2, "end_col": 22, "file": "m.fork"}


# ---------------------------------------------------------------- the commands


def test_parse_check_and_thresholds_take_imports(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"lib/quorum.fork": QUORUM, "ballot.fork": 'model Ballot\nimport "lib/quorum.fork"\n' + BODY})
    runner = CliRunner()
    r = runner.invoke(cli, ["parse", "lib/quorum.fork"])
    assert (r.exit_code, r.stdout) == (0, "lib/quorum.fork: library Quorum is well-formed: 2 params, 1 enums, "
                                          "1 defs, 1 thresholds\n")
    r = runner.invoke(cli, ["check", "lib/quorum.fork"])
    assert r.exit_code == 0 and r.stdout.startswith("forkproof 0.1.0: lib/quorum.fork: library Quorum\n")
    r = runner.invoke(cli, ["check", "ballot.fork", "--param", "N=4..5"])
    assert r.exit_code == 0 and "decided_has_quorum  holds (exhaustive)" in r.stdout
    r = runner.invoke(cli, ["thresholds", "ballot.fork"])
    assert "threshold quorum(k: int)\n  from:     lib/quorum.fork:8\n  rule:     k >= limit\n" in r.stdout
    r = runner.invoke(cli, ["check", "ballot.fork", "--param", "N=3..4", "--param", "F=1"])
    assert "skipped N = 3, F = 1: violates 'assume' at line 4 of lib/quorum.fork" in r.stdout


@pytest.mark.slow  # fast-tier budget: 3 min on 2 cores
@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_diff_git_reads_the_libraries_at_the_revision(tmp_path, monkeypatch):
    """A shared rule changed in the working tree is a change, though the model's text is not."""
    monkeypatch.chdir(tmp_path)
    write(tmp_path, {"lib/quorum.fork": QUORUM, "ballot.fork": 'model Ballot\nimport "lib/quorum.fork"\n' + BODY})
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run(["git", "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "base"], check=True)
    write(tmp_path, {"lib/quorum.fork": QUORUM.replace("def limit = N - F", "def limit = N - 2 * F")})
    r = CliRunner().invoke(cli, ["diff", "ballot.fork", "--git", "HEAD"])
    assert r.exit_code == 1, r.output
    assert "threshold quorum: changed" in r.stdout and "newly violated" in r.stdout
