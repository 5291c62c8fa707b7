"""Compact storage for the explicit search (NOTE(fingerprints), NOTE(memory) in
checker/engines/fingerprints.py): the fingerprint set is a set, the fingerprint store finds
exactly what the exact store finds (state counts, depths, verdicts, shortest trace lengths),
with levels spilled to disk or not, and a memory budget ends in unknown, never a crash."""
from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from forkproof.cli.main import cli
from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.engines.fingerprints import FingerprintSet, Spill, parse_size
from forkproof.semantics.instance import instantiate
from forkproof.semantics.verdict import Status
from forkproof.spec.load import load_model
from tests.checker.test_agreement import explicit, hypothesis_run, instance, liveness_names, summary
from tests.gen import Generated

ROOT = Path(__file__).resolve().parents[2]
LIBRA = ROOT / "models" / "libra_framework_upgrade.fork"
NEAR = ROOT / "models" / "near_protocol_upgrade.fork"

int64 = st.integers(min_value=-(2 ** 63), max_value=2 ** 63 - 1).filter(lambda x: x != 0)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(int64 | st.sampled_from([1, 17, 33, 49, -15, 2 ** 40 + 1]), max_size=120), max_size=8))
def test_the_fingerprint_set_answers_as_a_python_set(batches):
    """Batches of distinct fingerprints, many on the same slots (1, 17, 33 ... mod 16), across growth."""
    fs, ref = FingerprintSet(capacity=16), set()
    for batch in batches:
        batch = list(dict.fromkeys(batch))
        new = fs.add_new(np.array(batch, dtype=np.int64))
        assert list(new) == [x not in ref for x in batch]
        ref.update(batch)
        assert len(fs) == len(ref)
    assert set(fs.table[fs.table != 0].tolist()) == ref


@pytest.mark.parametrize("text", [
    "model M\nvar g: -2..2 = any\naction stay { g = g }\n",
    "model M\nvar g: int = 1\naction down when g > -3 { g = g - 1 }\n",
    "model M\nvar g: rat = 1\naction down when g > -3 { g = g - 1 }\n",
])
def test_minus_one_and_minus_two_are_two_states(text):
    """Python hashes -1 as -2 (NOTE(fingerprints)): found by the generated models below, where
    the fingerprint store counted 4 states of `var g0: -2..2 = any` instead of 5."""
    from forkproof.spec.load import load_model_text

    inst = instantiate(load_model_text(text, "m.fork"), {})
    fp = check_explicit(inst, ExplicitOptions(deadlock=False, store="fingerprint"))
    assert fp.states == check_explicit(inst, ExplicitOptions(deadlock=False)).states == 5


def test_a_spilled_level_comes_back_in_order(tmp_path):
    s = Spill(tmp_path, "level", limit=60)  # bytes: some batches go to disk, the last stay in memory
    for k in range(5):
        s.append_many([(k, i) for i in range(k)])
    assert len(s) == 10 and 0 < s.spilled < 10 and s.chunks
    assert [x for b in s.batches() for x in b] == [(k, i) for k in range(5) for i in range(k)]
    assert not list(tmp_path.iterdir())  # the file is gone once read


@pytest.mark.parametrize("size,value", [("512M", 512 << 20), ("2G", 2 << 30), ("1.5GiB", 3 << 29), ("4096", 4096)])
def test_memory_sizes(size, value):
    assert parse_size(size) == value


def safety_view(r, liveness: set[str]):
    return (r.states, r.depth, r.transitions,
            [(v.name, v.status, len(v.trace.steps) if v.trace else None) for v in r.verdicts if v.name not in liveness])


@pytest.mark.parametrize("path,params", [(LIBRA, {"N": 5, "RULE": 0}), (LIBRA, {"N": 4, "RULE": 1}),
                                         (NEAR, {"N": 3, "BLOCKS": 5, "V": 2})])
@pytest.mark.parametrize("symmetry", [True, False])
@pytest.mark.parametrize("spill", [None, 1])
def test_the_fingerprint_store_finds_what_the_exact_store_finds(path, params, symmetry, spill, tmp_path):
    m = load_model(str(path))
    exact = check_explicit(instantiate(m, params), ExplicitOptions(symmetry=symmetry))
    fp = check_explicit(instantiate(m, params), ExplicitOptions(symmetry=symmetry, store="fingerprint",
                                                                 spill_bytes=spill, spill_dir=str(tmp_path)))
    live = {v.name for v in fp.verdicts if v.kind == "property" and v.status is Status.UNKNOWN}
    assert all("liveness needs the whole state graph in memory: check it with --store exact" in v.reason
               for v in fp.verdicts if v.name in live)
    assert safety_view(fp, live) == safety_view(exact, live)
    assert live == liveness_names(instantiate(m, params))  # exactly the liveness properties, no safety one
    assert any("64-bit fingerprints" in n and "TLC" in n for n in fp.notes)
    assert not list(tmp_path.iterdir())  # the parent log and spilled levels are removed


def test_the_fingerprint_store_agrees_on_generated_models(tier, tmp_path):
    """Every generated model: the same summary (statuses and shortest trace lengths) and the
    same state count, every BFS level spilled to disk."""
    seen: Counter[str] = Counter()

    def body(g: Generated) -> None:
        inst = instance(g)
        e = explicit(inst)
        f = check_explicit(inst, ExplicitOptions(store="fingerprint", spill_bytes=1, spill_dir=str(tmp_path),
                                                 max_states=20_000))
        f.verdicts = [v for v in f.verdicts if v.name in {x.name for x in e.verdicts}]
        assert summary(f) == summary(e)
        assert (f.states, f.depth) == (e.states, e.depth)
        seen["violations"] += sum(v.status is Status.VIOLATED for v in f.verdicts)

    hypothesis_run(tier, 12, 100, body)
    assert seen["violations"] > 0  # traces were rebuilt from the parent log, not only counts compared


def test_a_memory_budget_ends_in_unknown_with_how_far_it_got():
    m = load_model(str(LIBRA))
    for store in ("exact", "fingerprint"):
        r = check_explicit(instantiate(m, {"N": 6, "RULE": 1}),
                           ExplicitOptions(symmetry=False, store=store, memory=1 << 20))
        held = [v for v in r.verdicts if v.kind == "invariant"]
        assert held and all(v.status is Status.UNKNOWN for v in held), store
        assert held[0].reason.startswith("memory budget of 1 MiB reached") and "states explored, depth" in held[0].reason
        assert not r.complete


def test_cli_store_and_memory():
    runner = CliRunner()
    out = runner.invoke(cli, ["check", str(LIBRA), "--param", "N=3", "--param", "RULE=Code", "--store", "fingerprint",
                              "--skip", "resolvable_gets_resolved", "--skip", "voting_closes"])
    assert out.exit_code == 1, out.output
    assert "violated" in out.output and "64-bit fingerprints" in out.output
    out = runner.invoke(cli, ["check", str(LIBRA), "--param", "N=3", "--memory", "1M"])
    assert out.exit_code == 3 and "memory budget of 1 MiB reached" in out.output, out.output
    out = runner.invoke(cli, ["check", str(LIBRA), "--memory", "lots"])
    assert out.exit_code == 2 and "'lots' is not a memory size (say 512M or 2G)" in out.output
