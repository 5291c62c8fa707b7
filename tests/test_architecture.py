"""The layers hold (docs/architecture.md): import-linter's contracts over every module, no
imports of another module's private names, mypy on the language layer and the public API,
and `pip install .` adds one top-level import name.

The tools read folders, so they run on a copy of the package in its installed shape
(tests/layout.py): checker/ -> forkproof/, spec/ -> forkproof/spec/.
"""
from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.layout import ROOT, stage

BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    exe = BIN / name
    if not exe.exists():
        found = shutil.which(name)
        if found is None:
            pytest.fail(f"{name} is not installed: pip install '.[test]' installs it")
        return found
    return str(exe)


@pytest.fixture(scope="module")
def staged(tmp_path_factory) -> Path:
    dest = stage(tmp_path_factory.mktemp("staged"))
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    return dest


def lint(where: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(where)}
    return subprocess.run([_tool("lint-imports"), "pyproject.toml", "--no-cache"], cwd=where, env=env,
                          capture_output=True, text=True, timeout=300)


def test_import_contracts_hold(staged):
    r = lint(staged)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "0 broken" in r.stdout


def test_a_cycle_added_back_breaks_the_contracts(tmp_path):
    """The contracts are live: an upward import (here the language importing the command
    line, a cycle through everything) is a failure that names the import."""
    dest = stage(tmp_path)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    errors = dest / "forkproof" / "spec" / "errors.py"
    errors.write_text(errors.read_text() + "\n\ndef _late():\n    from forkproof.cli import main  # noqa\n")
    r = lint(dest)
    assert r.returncode == 1
    assert "forkproof.spec.errors -> forkproof.cli.main" in r.stdout


def test_a_module_outside_every_layer_breaks_the_contracts(tmp_path):
    dest = stage(tmp_path)
    shutil.copy(ROOT / "pyproject.toml", dest / "pyproject.toml")
    (dest / "forkproof" / "run" / "stray.py").write_text('"""A module no contract places."""\n')
    r = lint(dest)
    assert r.returncode == 1
    assert "forkproof.run.stray" in r.stdout


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("").parts
    parts = ["forkproof", *rel[1:]] if rel[0] == "checker" else ["forkproof", *rel]
    return ".".join(p for p in parts if p != "__init__")


def _sources() -> list[Path]:
    return sorted([*(ROOT / "checker").rglob("*.py"), *(ROOT / "spec").rglob("*.py")])


def test_no_module_imports_another_modules_private_names():
    found = []
    for path in _sources():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        me = _module_name(path)
        modules: dict[str, str] = {}
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("forkproof"):
                for a in node.names:
                    if a.name.startswith("_") and not a.name.startswith("__") and node.module != me:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno}: from {node.module} import {a.name}")
                    modules[a.asname or a.name] = f"{node.module}.{a.name}"
            elif isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.startswith("forkproof"):
                        modules[a.asname or a.name] = a.name
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in modules
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    assert not found, "private names used across modules:\n" + "\n".join(found)


@pytest.mark.slow  # over 2.5 s; the fast tier keeps under 3 minutes on 2 cores (tests/conftest.py)
def test_the_language_layer_and_the_api_type_check(staged, tmp_path):
    """mypy on forkproof.spec, forkproof.api and the package's __init__ (what users call)."""
    cmd = [_tool("mypy"), "--python-version", "3.11", "--check-untyped-defs", "--warn-unused-ignores",
           "--follow-imports=silent", "--cache-dir", str(tmp_path / "mypy-cache"),
           "-p", "forkproof.spec", "-m", "forkproof.api", "-m", "forkproof"]
    r = subprocess.run(cmd, cwd=staged, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.slow
def test_the_wheel_installs_one_top_level_name(tmp_path):
    """`pip install .` adds `forkproof` and nothing else at top level (the issue: it used to
    add `spec` and `checker`, names other distributions own)."""
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path), str(ROOT)],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    (wheel,) = tmp_path.glob("forkproof-*.whl")
    with zipfile.ZipFile(wheel) as z:
        tops = {n.split("/", 1)[0] for n in z.namelist()}
        top_level = next(n for n in z.namelist() if n.endswith(".dist-info/top_level.txt"))
        assert z.read(top_level).decode().split() == ["forkproof"]
        assert "forkproof/spec/grammar.lark" in z.namelist()
    assert {t for t in tops if not t.endswith(".dist-info")} == {"forkproof"}


def test_the_map_names_every_module():
    """docs/architecture.md has one line per module: a module it does not name is a map that
    went stale."""
    doc = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = []
    for path in _sources():
        if path.name == "__init__.py":
            continue
        rel = path.relative_to(ROOT)
        # named by any tail of its path: `checker/api.py`, `symbolic/bmc.py`, `parser.py`
        tails = ["/".join(rel.parts[i:]) for i in range(len(rel.parts))]
        if not any(f"`{tail}`" in doc or f"({tail})" in doc for tail in tails):
            missing.append(rel.as_posix())
    assert not missing, f"docs/architecture.md does not name: {', '.join(missing)}"
