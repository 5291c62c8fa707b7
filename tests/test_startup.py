"""Start-up (issue 16): what a run loads before it works, and the parser tables' cache.

NOTE(lazy-commands) in checker/cli/main.py and NOTE(lazy-engines) in checker/run/portfolio.py:
the console script's module loads neither z3 nor networkx nor numpy; `check` with the explicit
engine on fixed sizes loads none of them either; `parse` loads no engine, report or planner.
Each case runs in a fresh interpreter, since this one has loaded everything already.  How long
start-up takes is measured in bench/bench_startup.py, not here.
"""
from __future__ import annotations

import importlib.metadata
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import forkproof.about

ROOT = Path(__file__).resolve().parents[1]
LIBRA = str(ROOT / "models" / "libra_framework_upgrade.fork")
HEAVY = ("z3", "networkx", "numpy", "hypothesis", "ray")


def _loaded(code: str, env: dict | None = None) -> dict:
    """Run `code` in a fresh interpreter; the top-level packages and forkproof modules loaded."""
    probe = (code + "\nimport json, sys\n"
             "print('@@' + json.dumps(sorted({m.split('.')[0] for m in sys.modules} | "
             "{m for m in sys.modules if m.startswith('forkproof.')})))\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, **(env or {})}, timeout=120)
    line = next(ln for ln in out.stdout.splitlines() if ln.startswith("@@"))
    return {"modules": set(json.loads(line[2:])), "stdout": out.stdout, "stderr": out.stderr}


def _cli(args: list[str]) -> str:
    return ("from forkproof.cli.main import cli\n"
            f"try:\n    cli({args!r}, standalone_mode=False)\nexcept SystemExit:\n    pass\n")


def test_the_console_script_loads_no_solver_graph_library_or_numpy():
    mods = _loaded("import forkproof.cli.main")["modules"]
    assert not mods & set(HEAVY)
    assert "forkproof.run.check" not in mods and "forkproof.output.report" not in mods


def test_parse_loads_the_language_only():
    got = _loaded(_cli(["parse", LIBRA]))
    assert "is well-formed" in got["stdout"]
    mods = got["modules"]
    assert not mods & set(HEAVY)
    # check's options name the engines and the simulation's depth (run/choices.py), nothing else of run/
    assert {m for m in mods if m.startswith(("forkproof.run.", "forkproof.engines.", "forkproof.output.",
                                             "forkproof.analysis."))} == {"forkproof.run.choices"}


def test_an_explicit_check_of_fixed_sizes_loads_no_solver():
    got = _loaded(_cli(["check", LIBRA, "-p", "N=2", "-p", "RULE=Code", "--no-progress"]))
    assert "violated" in got["stdout"]  # the check ran: RULE = Code breaks resolved_had_two_thirds_yes at N = 2
    mods = got["modules"]
    assert "forkproof.engines.explicit" in mods
    assert not mods & {"z3", "networkx", "numpy"}


def test_the_symbolic_engines_and_the_thresholds_command_still_load_z3():
    assert "z3" in _loaded(_cli(["check", LIBRA, "-p", "N=2", "-p", "RULE=Code", "--engine", "bmc", "--depth", "2",
                                "--no-progress"]))["modules"]
    assert "z3" in _loaded(_cli(["thresholds", "--help"]))["modules"]  # the command, loaded when asked for


def test_help_lists_the_lazy_commands():
    out = _loaded(_cli(["--help"]))["stdout"]
    for name in ("check", "parse", "thresholds", "diff", "graph", "conform"):
        assert f"  {name} " in out


def test_the_version_is_written_once():
    assert importlib.metadata.version("forkproof") == forkproof.about.VERSION


# ---------------------------------------------------------------- NOTE(parser-cache)


def test_the_parser_tables_are_cached_per_user(tmp_path):
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    first = _loaded(_cli(["parse", LIBRA]), env)
    cache = tmp_path / "forkproof" / "grammar.lark-cache"
    assert "is well-formed" in first["stdout"] and cache.is_file()
    assert oct((tmp_path / "forkproof").stat().st_mode & 0o777) == "0o700"
    mtime = cache.stat().st_mtime_ns
    assert "is well-formed" in _loaded(_cli(["parse", LIBRA]), env)["stdout"]
    assert cache.stat().st_mtime_ns == mtime  # read, not rebuilt


@pytest.mark.parametrize("damage", [b"", b"not a cache\n", b"0" * 64 + b"\ngarbage"])
def test_a_damaged_cache_is_rebuilt_silently(tmp_path, damage):
    cache = tmp_path / "forkproof" / "grammar.lark-cache"
    cache.parent.mkdir(mode=0o700)
    cache.write_bytes(damage)
    got = _loaded(_cli(["parse", LIBRA]), {"XDG_CACHE_HOME": str(tmp_path)})
    assert "is well-formed" in got["stdout"] and got["stderr"] == ""
    assert cache.stat().st_size > 10_000  # rewritten with the real tables


def test_no_cache_when_asked_or_when_the_folder_cannot_be_made(tmp_path):
    got = _loaded(_cli(["parse", LIBRA]), {"XDG_CACHE_HOME": str(tmp_path), "FORKPROOF_NO_CACHE": "1"})
    assert "is well-formed" in got["stdout"] and not (tmp_path / "forkproof").exists()
    blocker = tmp_path / "file"
    blocker.write_text("")
    got = _loaded(_cli(["parse", LIBRA]), {"XDG_CACHE_HOME": str(blocker)})  # a file where a folder should be
    assert "is well-formed" in got["stdout"] and got["stderr"] == ""
