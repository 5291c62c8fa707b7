"""The parallel explicit search (NOTE(parallel) in checker/engines/parallel.py): with K
worker processes it counts the same states, reaches the same depth and finds violations
with traces as short as the one-process search, with and without symmetry; liveness is
left to one worker, and budgets end in `unknown`, never `holds`."""
from __future__ import annotations

import signal
import time
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import event

from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.engines import parallel
from forkproof.engines.parallel import MIN_SAMPLE, _Coordinator, _sample, check_parallel, owner_part, part_of
from forkproof.semantics.compile import compile_program
from forkproof.semantics.control import Control
from forkproof.semantics.instance import instantiate
from forkproof.semantics.verdict import EngineResult, Status
from forkproof.spec.load import load_model, load_model_text
from tests.checker.test_agreement import (MAX_STATES, assert_trace_shows, explicit, hypothesis_run, instance,
                                          liveness_names, summary, trace_len)
from tests.gen import Generated

ROOT = Path(__file__).resolve().parents[2]
LIBRA = ROOT / "models" / "libra_framework_upgrade.fork"
NEAR = ROOT / "models" / "near_protocol_upgrade.fork"


def by_name(result: EngineResult):
    return {v.name: v for v in result.verdicts}


def assert_same_search(inst, symmetry: bool, workers: int) -> EngineResult:
    """States, depth, transitions and every safety verdict with its trace length as explicit's;
    liveness `unknown`, pointing at one worker."""
    e = check_explicit(inst, ExplicitOptions(symmetry=symmetry))
    p = check_parallel(inst, ExplicitOptions(symmetry=symmetry), workers)
    assert (p.states, p.depth, p.transitions, p.complete) == (e.states, e.depth, e.transitions, e.complete)
    live = liveness_names(inst)
    pv, ev = by_name(p), by_name(e)
    assert list(pv) == list(ev)  # the same verdicts, in the same order
    for name, v in pv.items():
        if name in live:
            assert v.status is Status.UNKNOWN and "--workers 1" in v.reason, name
            continue
        assert (v.status, v.depth, trace_len(v)) == (ev[name].status, ev[name].depth, trace_len(ev[name])), name
        if v.status is Status.VIOLATED:
            assert_trace_shows(inst, v)
    return p


@pytest.mark.parametrize("n,rule", [(3, 0), (3, 1), (4, 0), (4, 1)])
@pytest.mark.parametrize("symmetry", [True, False], ids=["symmetry", "no-symmetry"])
def test_libra_as_one_process_with_two_workers(n, rule, symmetry):
    inst = instantiate(load_model(str(LIBRA)), {"N": n, "RULE": rule})
    p = assert_same_search(inst, symmetry, 2)
    # the Code rule resolves without two thirds yes (issue 2); the Intended rule does not
    assert (by_name(p)["resolved_had_two_thirds_yes"].status is Status.VIOLATED) == (rule == 0)


@pytest.mark.parametrize("symmetry", [True, False], ids=["symmetry", "no-symmetry"])
def test_libra_with_three_workers(symmetry):
    assert_same_search(instantiate(load_model(str(LIBRA)), {"N": 4, "RULE": 0}), symmetry, 3)


@pytest.mark.parametrize("symmetry", [True, False], ids=["symmetry", "no-symmetry"])
@pytest.mark.parametrize("workers", [2, 3])
def test_near_as_one_process(symmetry, workers):
    assert_same_search(instantiate(load_model(str(NEAR)), {"N": 3, "BLOCKS": 6, "V": 2}), symmetry, workers)


def test_near_at_40_percent_breaks_at_the_same_shortest_length():
    text = NEAR.read_text().replace("blocks[x] > 80% * BLOCKS", "blocks[x] > 40% * BLOCKS")
    inst = instantiate(load_model_text(text, "near40.fork"), {"N": 3, "BLOCKS": 6, "V": 2})
    for symmetry in (True, False):
        p = assert_same_search(inst, symmetry, 2)
        assert trace_len(by_name(p)["at_most_one_version_passes"]) == 7


def test_the_same_workers_give_the_same_traces():
    inst = instantiate(load_model(str(LIBRA)), {"N": 4, "RULE": 0})
    a, b = (check_parallel(inst, ExplicitOptions(symmetry=False), 2) for _ in range(2))
    assert [(v.name, v.status, v.trace) for v in a.verdicts] == [(v.name, v.status, v.trace) for v in b.verdicts]


WALK = """model Walk
var x: 0..6 = 0
var y: 0..3 = 0
var r: rat = 0.5
action up when x < 6 { x = x + 1 }
action wander when x < 6 and r < 3 { y = (y + 1) % 4  r = r + 0.25 }
action jump when x == 5 and y == 3 { x = x + 2 }
action stop when x == 4 { y = 0 x = 6 }
invariant small: x < 6
invariant slow: x' <= x + 1
property bounded: always r < 2
invariant fine: y <= 3  // holds: the search goes to the end
"""


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_deadlock_runtime_error_step_invariant_and_rationals(workers):
    """Every kind of finding, on states with a rational (sent pickled, not marshalled)."""
    inst = instantiate(load_model_text(WALK, "walk.fork"), {})
    p = by_name(assert_same_search(inst, True, workers))
    for name in ("small", "slow", "bounded", "deadlock", "runtime"):
        assert p[name].status is Status.VIOLATED, name
    assert p["fine"].status is Status.HOLDS
    assert "outside 0..6 for x" in p["runtime"].reason and "jump" in p["runtime"].reason


def test_budgets_end_in_unknown_never_holds():
    inst = instantiate(load_model(str(LIBRA)), {"N": 4, "RULE": 1})
    e = check_explicit(inst, ExplicitOptions(symmetry=False, max_states=300))
    p = check_parallel(inst, ExplicitOptions(symmetry=False, max_states=300), 2)
    assert p.states == e.states == 300 and not p.complete and p.depth == e.depth
    assert by_name(p)["tampered_script_never_runs"].status is Status.UNKNOWN
    assert by_name(p)["tampered_script_never_runs"].reason == by_name(e)["tampered_script_never_runs"].reason
    assert not any(v.status is Status.HOLDS for v in p.verdicts)
    t = check_parallel(inst, ExplicitOptions(symmetry=False, timeout=0.0), 2)
    assert not t.complete and not any(v.status is Status.HOLDS for v in t.verdicts)
    assert by_name(t)["deadlock"].reason.startswith("FP701: timeout after 0 s")


def test_a_cancelled_control_stops_the_workers():
    inst = instantiate(load_model(str(LIBRA)), {"N": 4, "RULE": 1})
    control = Control()
    control.cancel()
    p = check_parallel(inst, ExplicitOptions(symmetry=False, control=control), 2)
    assert not p.complete
    assert by_name(p)["deadlock"].reason.startswith("interrupted (Ctrl-C)")


@pytest.mark.parametrize("borrowing", [False, True], ids=["owners", "borrowing"])
def test_parallel_agrees_with_explicit(tier, borrowing, monkeypatch):
    """On generated models: the same verdicts and trace lengths (safety), and, when explicit
    searched everything, the same state count, with 2 or 3 workers; `borrowing`: every state
    owned by one worker, the others expanding only what they borrow, a state at a time
    (NOTE(sharing))."""
    if borrowing:
        all_on_one_worker(monkeypatch)

    def body(g: Generated) -> None:
        inst = instance(g)
        e = explicit(inst)
        workers = 2 + len(g.text) % 2  # 2 or 3, as the model falls
        event(f"{workers} workers")
        # nobody borrows under a state limit: the model's states are all counted already, so
        # the borrowing search goes without one
        co = _Coordinator(inst, ExplicitOptions(max_states=None if borrowing and e.complete else MAX_STATES), workers)
        p = co.run()
        counts["borrowed"] += co.borrowed > 0
        live = liveness_names(inst)
        p.verdicts = [v for v in p.verdicts if not (v.kind == "property" and v.name in live)]
        if not e.complete:
            # explicit stopped mid-level, everything decided: the parallel search ends the
            # level, so it may count more states and find a shorter runtime error
            # (test_explicit_stops_early_with_a_runtime_error_that_is_not_the_shortest)
            event("explicit stopped early")
            counts["early"] += 1
            assert p.states >= e.states
            ps, es = summary(p), summary(e)
            assert ps.keys() == es.keys()
            assert all(ps[n] == es[n] for n in ps if n != "runtime")
            assert ps["runtime"].length <= es["runtime"].length
            return
        assert summary(p) == summary(e)
        assert (p.states, p.depth, p.transitions) == (e.states, e.depth, e.transitions)
        counts["violations"] += sum(v.status is Status.VIOLATED for v in p.verdicts)

    counts: Counter[str] = Counter()
    seen = hypothesis_run(tier, 10, 60, body)
    # not a vacuous agreement: most models are searched to the end, and some break something
    assert seen["models"] >= 5 and counts["violations"] >= 1, (seen, counts)
    assert (counts["borrowed"] >= 1) == borrowing, counts


# ---------------------------------------------------------------- NOTE(locality)


def test_the_owner_is_the_part_of_the_state_that_steps_change_least():
    """0L at N = 9: a vote changes one ballot, so the owner is the hash of a few slots (the
    status, the expiry, some ballots), and fewer sampled steps move a state to another worker
    than with the whole state hashed; the workers' shares of the sample stay even."""
    inst = instantiate(load_model(str(LIBRA)), {"N": 9, "RULE": 0})
    prog = compile_program(inst)
    initial = list(inst.initial_states())
    picked = owner_part(prog, None, initial, 2)
    assert picked is not None
    width = len(inst.slot_names)
    assert 0 < len(picked) < width // 2 and inst.slot_names.index("status") in picked
    part = part_of(picked)
    sample, moves = _sample(prog, None, initial)
    away = lambda f: sum(1 for s, c in moves if hash(f(s)) % 2 != hash(f(c)) % 2)  # noqa: E731
    assert away(part) < 0.6 * away(lambda x: x)
    shares = Counter(hash(part(c)) % 2 for c in sample)
    assert max(shares.values()) <= 1.1 * len(sample) / 2


def test_a_small_search_hashes_the_whole_state():
    inst = instantiate(load_model(str(LIBRA)), {"N": 3, "RULE": 0})  # 173 states
    prog = compile_program(inst)
    assert len(_sample(prog, None, list(inst.initial_states()))[0]) < MIN_SAMPLE
    assert owner_part(prog, None, list(inst.initial_states()), 2) is None


@pytest.mark.parametrize("workers", [2, 3])
def test_owners_by_part_give_the_one_process_search(workers):
    """0L at N = 6 (7,553 states): owners picked by part, the same states, transitions,
    depth, verdicts and trace lengths as one process."""
    inst = instantiate(load_model(str(LIBRA)), {"N": 6, "RULE": 0})
    assert owner_part(compile_program(inst), None, list(inst.initial_states()), workers) is not None
    assert_same_search(inst, False, workers)


DIALS = """model Dials
var x: 0..9 = 0
var y: 0..9 = 0
var z: 0..9 = 0
action turn_x { x = if x < 9 then x + 1 else 0 }
action turn_y { y = if y < 9 then y + 1 else 0 }
action turn_z { z = if z < 9 then z + 1 else 0 }
invariant some: x + y + z <= 27
"""


@pytest.mark.parametrize("workers", [2, 3])
def test_states_met_again_have_one_owner(workers):
    """Every state of the dials, the initial one included, is reached again: only if the
    initial states are shared out by the same part as every successor is each one stored once."""
    inst = instantiate(load_model_text(DIALS, "dials.fork"), {})
    assert owner_part(compile_program(inst), None, list(inst.initial_states()), workers) is not None
    assert assert_same_search(inst, False, workers).states == 1000


INDEXED = """model Indexed
type Idx = 0..2
var i: Idx = 0
var a: [Idx] 0..3 = 0
action bump when a[i] < 3 { a[i] = a[i] + 1 }
action step when i < 2 { i = i + 1 }
action both { if i == 0 { i = 1 } else { a[0] = 0 } }
invariant small: a[0] + a[1] + a[2] <= 9
"""
STATES_INDEXED = 84


def test_the_slots_an_action_may_write():
    """Both branches of an `if` count; a slot picked by the state (`a[i]`) is any slot."""
    inst = instantiate(load_model_text(INDEXED, "indexed.fork"), {})
    assert inst.slot_names == ["i", "a[0]", "a[1]", "a[2]"]
    writes = {a.action.name: a.writes for a in compile_program(inst).actions}
    assert writes == {"bump": None, "step": frozenset({0}), "both": frozenset({0, 1})}


def test_a_step_that_leaves_the_part_alone_is_not_hashed():
    """0L at N = 9: a vote writes one ballot, so the votes of validators whose ballots are not
    in the part keep their successor with the state's owner, unhashed; the votes on ballots in
    the part and `propose` (it resets every ballot) are hashed; with symmetry, every step is."""
    inst = instantiate(load_model(str(LIBRA)), {"N": 9, "RULE": 0})
    co = _Coordinator(inst, ExplicitOptions(symmetry=False), 2)
    co._initial()
    slots = owner_part(co.prog, co.canon, co.initial, 2)
    assert slots is not None
    stays = co._stays(slots)
    part = set(slots)
    for a, kept in zip(co.prog.actions, stays):
        if a.action.name == "vote":
            assert kept == (not a.writes & part), a.args
        elif a.action.name == "propose":
            assert not kept
    assert 0 < sum(stays) < len(stays)
    sym = _Coordinator(inst, ExplicitOptions(symmetry=True), 2)
    sym._initial()
    assert not any(sym._stays(owner_part(sym.prog, sym.canon, sym.initial, 2)))


@pytest.mark.parametrize("workers", [2, 3])
def test_steps_on_slots_the_state_picks_give_the_one_process_search(workers, monkeypatch):
    """The owner picked by `a[0]` alone (the sample is too small to pick one here): `a[i] = ...`
    may write it, so it is hashed, where `step` (it writes `i`) stays unhashed; taking `a[i]`
    for a step that stays would store some states twice.  The one-process search's 84 states,
    depth and verdicts."""
    monkeypatch.setattr(parallel, "owner_part", lambda *args: (1,))
    inst = instantiate(load_model_text(INDEXED, "indexed.fork"), {})
    assert assert_same_search(inst, False, workers).states == STATES_INDEXED


@pytest.mark.parametrize("where", ["update", "check"])
def test_a_number_past_the_limit_ends_in_unknown_as_in_one_process(where):
    """A 601-digit number squared (past `digits`) by the first step, or by the invariant on the
    initial state: the sample skips it, the workers stop at the end of the level (a worker
    that raised would leave the other waiting on its pipe), and the search ends in `unknown`
    with the limit named, as one process does."""
    grow, check = ("h * h", "h > 0") if where == "update" else ("h + 1", "h * h > 0")
    text = f"model Big\nvar h: int = 1{'0' * 600}\naction grow {{ h = {grow} }}\ninvariant pos: {check}\n"
    inst = instantiate(load_model_text(text, "big.fork"), {})
    e = check_explicit(inst, ExplicitOptions())
    p = check_parallel(inst, ExplicitOptions(), 2)
    assert [v.status for v in p.verdicts] == [v.status for v in e.verdicts]
    assert Status.UNKNOWN in {v.status for v in p.verdicts}
    assert any("digits" in (v.reason or "") for v in p.verdicts)


def test_the_owner_of_a_state_does_not_depend_on_the_process():
    """States are tuples of ints, bools and Fractions (NOTE(values)): their hash, and so the
    worker owning them, is the same in any process, whatever its PYTHONHASHSEED."""
    import os
    import subprocess
    import sys
    from fractions import Fraction

    state = (0, 3, True, False, Fraction(7, 3), -4, Fraction(1, 2), 10**12)
    code = "from fractions import Fraction; print(hash((0, 3, True, False, Fraction(7, 3), -4, Fraction(1, 2), 10**12)))"
    for seed in ("0", "12345"):
        out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONHASHSEED": seed},
                             capture_output=True, text=True, check=True)
        assert int(out.stdout) == hash(state)


def test_progress_is_reported_as_explicit_does():
    seen = []
    control = Control(progress=lambda scope, states, depth, queue, seconds: seen.append((states, depth)), interval=0.0)
    inst = instantiate(load_model(str(LIBRA)), {"N": 4, "RULE": 1})
    p = check_parallel(inst, ExplicitOptions(symmetry=False, control=control), 2)
    assert seen and all(0 <= s <= p.states and 0 <= d <= p.depth for s, d in seen)


def test_a_memory_budget_ends_in_unknown_and_the_fingerprint_store_stays_in_one_process():
    inst = instantiate(load_model(str(LIBRA)), {"N": 6, "RULE": 1})
    p = check_parallel(inst, ExplicitOptions(symmetry=False, memory=1), 2)
    assert not p.complete and not any(v.status is Status.HOLDS for v in p.verdicts)
    assert by_name(p)["deadlock"].reason.startswith("memory budget of ")
    f = check_parallel(inst, ExplicitOptions(symmetry=True, store="fingerprint"), 2)
    e = check_explicit(inst, ExplicitOptions(symmetry=True))
    assert f.states == e.states and "one worker: the fingerprint store runs in one process" in f.notes


# ---------------------------------------------------------------- NOTE(sharing)


def all_on_one_worker(monkeypatch, block: int = 1, lend: int = 2) -> None:
    """Every state owned by one worker (its part is the empty tuple): the others have no
    frontier of their own and expand only what they borrow, `block` states claimed at a time
    from chunks of at least `lend`."""
    monkeypatch.setattr(parallel, "owner_part", lambda *args: (0,))
    monkeypatch.setattr(parallel, "part_of", lambda slots: lambda c: ())
    monkeypatch.setattr(parallel, "BLOCK", block)
    monkeypatch.setattr(parallel, "LEND", lend)


def traced(inst, symmetry: bool, workers: int) -> tuple[list, int]:
    co = _Coordinator(inst, ExplicitOptions(symmetry=symmetry), workers)
    r = co.run()
    return [(v.name, v.status, v.depth, v.trace) for v in r.verdicts], co.borrowed


@pytest.mark.parametrize("workers", [2, 3])
@pytest.mark.parametrize("name", ["walk", "libra"])
def test_borrowed_frontiers_give_the_same_search_and_the_same_traces(name, workers, monkeypatch):
    """All the states on one worker, the others borrowing a state at a time: the one-process
    search's counts and trace lengths, and the very traces of the search where nobody
    borrows (every finding, deadlock and runtime error included, is chosen by the place of its
    state, not by who expanded it or when)."""
    inst = (instantiate(load_model_text(WALK, "walk.fork"), {}) if name == "walk" else
            instantiate(load_model(str(LIBRA)), {"N": 5, "RULE": 0}))
    symmetry = name == "walk"
    all_on_one_worker(monkeypatch)
    assert_same_search(inst, symmetry, workers)
    shared, borrowed = traced(inst, symmetry, workers)
    monkeypatch.setattr(parallel, "LEND", 10**9)
    alone, none = traced(inst, symmetry, workers)
    assert none == 0 and shared == alone
    if name == "libra":  # 1,226 states over 21 levels: the idle workers borrow
        assert borrowed > 0


def slow_home(monkeypatch, who: int = 1) -> None:
    """Worker `who` slowed down on its own frontier (0.2 ms a block), so that the others
    borrow from it at every level."""
    claim = parallel._Worker._claim

    def slowed(self, close=False):
        if self.me == who and self.current[0] is self.states:
            time.sleep(0.0002)
        return claim(self, close)
    monkeypatch.setattr(parallel._Worker, "_claim", slowed)


def parents(inst, symmetry: bool, workers: int) -> tuple[dict[tuple, tuple | None], int]:
    """Every state's parent (None for an initial state) as the workers keep it, asked of them
    at the end of the search; and how many frontier states were borrowed."""
    class Asking(_Coordinator):
        def _finish(self, level: int):
            held = {}
            for w, conn in enumerate(self.conns):
                for i in range(self.counts[w]):
                    conn.send(("path", i))
                    held[i * self.K + w] = self._recv(conn)
            self.tree = {c: None if ref < 0 else held[ref][0] for c, ref in held.values()}
            return super()._finish(level)
    co = Asking(inst, ExplicitOptions(symmetry=symmetry), workers)
    co.run()
    return co.tree, co.borrowed


@pytest.mark.parametrize("workers", [2, 3])
def test_the_parents_kept_do_not_depend_on_who_expanded_a_state(workers, monkeypatch):
    """States owned by every worker, worker 1 slow, so the others expand part of its frontier
    at every level: every state keeps the parent it keeps when nobody borrows (its owner
    stores its own frontier's successors first, then worker 0's, 1's, ..., each in frontier
    order, whoever expanded them)."""
    inst = instantiate(load_model(str(LIBRA)), {"N": 5, "RULE": 0})
    monkeypatch.setattr(parallel, "owner_part", lambda *args: None)
    monkeypatch.setattr(parallel, "BLOCK", 1)
    monkeypatch.setattr(parallel, "LEND", 2)
    slow_home(monkeypatch)
    shared, borrowed = parents(inst, False, workers)
    monkeypatch.setattr(parallel, "LEND", 10**9)
    alone, none = parents(inst, False, workers)
    assert borrowed > 0 and none == 0
    assert len(shared) == check_explicit(inst, ExplicitOptions(symmetry=False)).states
    assert shared == alone


@pytest.mark.parametrize("workers", [2, 3])
def test_the_parents_kept_do_not_depend_on_how_the_batches_are_cut(workers, monkeypatch):
    """NOTE(exchange): successors packed two at a time, with worker 1 slow so that the others
    borrow (a batch then holds several chunks, its own and those borrowed, each in many
    pieces): every state keeps the parent it keeps when each chunk travels in one piece."""
    inst = instantiate(load_model(str(LIBRA)), {"N": 5, "RULE": 0})
    monkeypatch.setattr(parallel, "owner_part", lambda *args: None)
    monkeypatch.setattr(parallel, "BLOCK", 1)
    monkeypatch.setattr(parallel, "LEND", 2)
    slow_home(monkeypatch)
    monkeypatch.setattr(parallel, "PIECE", 2)
    cut, borrowed = parents(inst, False, workers)
    monkeypatch.setattr(parallel, "PIECE", 10**9)
    whole, _ = parents(inst, False, workers)
    assert borrowed > 0
    assert len(cut) == check_explicit(inst, ExplicitOptions(symmetry=False)).states
    assert cut == whole


SPILL = """model Spill
var x: 0..20 = 0
var y: 0..20 = 0
action right when x < 20 { x = x + 1 }
action up when y < 20 { y = y + 1 }
action spill when x + y == 12 { x = x + 30 }
invariant low: x + y < 15
"""


@pytest.mark.parametrize("workers", [2, 3])
def test_of_findings_equally_short_the_first_in_worker_and_frontier_order_is_kept(workers, monkeypatch):
    """`spill` fails in each of the 13 states with x + y = 12, and `low` in each of the 16 with
    x + y = 15: whoever expands or checks which, the same state is reported, the one first in
    worker and then frontier order, as when nobody borrows."""
    inst = instantiate(load_model_text(SPILL, "spill.fork"), {})
    monkeypatch.setattr(parallel, "owner_part", lambda *args: None)
    monkeypatch.setattr(parallel, "BLOCK", 1)
    monkeypatch.setattr(parallel, "LEND", 2)
    slow_home(monkeypatch, who=0)
    shared, _ = traced(inst, False, workers)
    monkeypatch.setattr(parallel, "LEND", 10**9)
    alone, _ = traced(inst, False, workers)
    assert shared == alone
    assert [(name, depth) for name, _, depth, _ in shared if name in ("runtime", "low")] == [("low", 15), ("runtime", 12)]
    w = object.__new__(parallel._Worker)
    w.runtime = None
    for worker, index in ((1, 5), (0, 9), (0, 12), (1, 0)):
        w._runtime(parallel._Failure((), 12, worker, index))
    assert (w.runtime.worker, w.runtime.index) == (0, 9)


def test_a_lender_stopped_with_a_borrower_waiting_answers_it(monkeypatch):
    """Worker 1 is cancelled just after a borrower took the end of its chunk, before it claims
    another block: it still sends that part (else the borrower would wait on the pipe for
    ever), and the search ends in `unknown`."""
    all_on_one_worker(monkeypatch)
    monkeypatch.setattr(parallel, "owner_part", lambda *args: None)
    claim = parallel._Worker._claim

    def claimed(self, close=False):
        a, b = claim(self, close)
        K, me = self.co.K, self.me
        if me == 1 and self.current[0] is self.states and self.shared[K + me] - b >= parallel.LEND:
            end = time.monotonic() + 5
            while not self.shared[2 * K + me] and time.monotonic() < end:
                time.sleep(0.0001)  # until a borrower waits on this worker
            self.co.stop.value = 1
        return a, b
    monkeypatch.setattr(parallel._Worker, "_claim", claimed)

    def too_long(*args):
        raise TimeoutError("the search hung")
    old = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(60)
    try:
        p = check_parallel(instantiate(load_model(str(LIBRA)), {"N": 6, "RULE": 1}), ExplicitOptions(symmetry=False), 2)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)
    assert not p.complete and by_name(p)["deadlock"].reason.startswith("interrupted (Ctrl-C)")


@pytest.mark.parametrize("stop", ["timeout", "cancel", "memory"])
def test_a_level_stopped_while_a_worker_borrows_ends_in_unknown(stop, monkeypatch):
    """The clock, Ctrl-C or the memory budget stops a level in which the others borrow from
    the one worker owning every state: the search ends, in `unknown` with the reason.  (That a
    lender answers a borrower already waiting on it is pinned by
    test_a_lender_stopped_with_a_borrower_waiting_answers_it.)"""
    all_on_one_worker(monkeypatch)
    inst = instantiate(load_model(str(LIBRA)), {"N": 7, "RULE": 1})  # 17,893 states
    control = Control()
    if stop == "cancel":
        count = {"n": 0}
        orig = parallel._Worker._claim

        def claim(self, close=False):  # the lender is cancelled after 500 blocks, mid-level
            count["n"] += 1
            if count["n"] == 500:
                self.co.stop.value = 1
            return orig(self, close)
        monkeypatch.setattr(parallel._Worker, "_claim", claim)
    options = ExplicitOptions(symmetry=False, control=control, timeout=0.1 if stop == "timeout" else None,
                              memory=1 if stop == "memory" else None)
    p = check_parallel(inst, options, 3)
    assert not p.complete and not any(v.status is Status.HOLDS for v in p.verdicts)
    reason = by_name(p)["deadlock"].reason
    assert reason.startswith({"timeout": "FP701: timeout after 0.1 s", "cancel": "interrupted (Ctrl-C)",
                              "memory": "memory budget of "}[stop]), reason
