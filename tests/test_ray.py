"""Checks through a Ray cluster (NOTE(ray) in checker/run/distribute.py): the same report as
without it, and without Ray installed a usage error that says how to get it."""
from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from forkproof.cli.main import cli
from forkproof.run.check import check_model
from forkproof.run.plan import parse_bindings
from forkproof.run.portfolio import EngineOptions
from forkproof.spec.load import load_model

ROOT = Path(__file__).resolve().parents[1]
LIBRA = ROOT / "models" / "libra_framework_upgrade.fork"


def view(report):
    """What must not change: per property its verdict, scope, states, depth, trace length and
    per-instance statuses; and each instance's state count."""
    props = [(p.verdict.name, p.group, p.verdict.status, p.scope, p.verdict.states, p.verdict.depth,
              len(p.verdict.trace.steps) if p.verdict.trace else None, p.per_instance) for p in report.properties]
    return props, [(r.scope, r.result.states, r.result.depth) for r in report.instances]


@pytest.fixture(scope="module")
def local_cluster():
    ray = pytest.importorskip("ray")
    from forkproof.run.distribute import connect

    connect("local")  # a cluster of this machine's cores on the loopback address
    yield ray
    ray.shutdown()


@pytest.mark.slow
def test_a_sweep_and_an_every_size_check_through_ray_give_the_same_report(local_cluster):
    model = load_model(str(LIBRA))
    sweep = parse_bindings(model, ["N=1..4"])
    base = EngineOptions(timeout=60)
    here = check_model(model, sweep, base)
    there = check_model(model, sweep, replace(base, ray="local"))
    assert view(there) == view(here)
    assert sum(r.result.states for r in there.instances) > 0
    # every N at once: the fixed sizes as Ray tasks while the counters prove, here
    every = parse_bindings(model, ["RULE=Code"])
    here = check_model(model, every, replace(base, up_to=3))
    there = check_model(model, every, replace(base, up_to=3, ray="local"))
    assert view(there) == view(here)
    assert {p.scope for p in there.properties if p.verdict.status.value == "violated"} == {"N = 2, RULE = Code"}


def test_without_ray_check_works_and_ray_says_how_to_get_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # `import ray` fails, as where it is not installed
    runner = CliRunner()
    out = runner.invoke(cli, ["check", str(LIBRA), "--param", "N=2", "--param", "RULE=Intended",
                              "--skip", "resolvable_gets_resolved", "--skip", "voting_closes"])
    assert out.exit_code == 0, out.output
    out = runner.invoke(cli, ["check", str(LIBRA), "--param", "N=2", "--ray", "auto"])
    assert out.exit_code == 2
    assert "--ray needs Ray, an optional extra of forkproof: pip install 'forkproof[ray]'" in out.output
