"""The counter abstraction (checker/engines/counters/abstraction.py, checker/engines/counters/prove.py) against the explicit
engine at fixed sizes (issue 4 item 6, NOTE(counter-semantics)).

`prove_all_sizes` decides each obligation for every family size and every value of the
unbound int params at once; the explicit engine, the reference semantics, decides it at one
size.  On the shipped models and on generated models (tests/gen.py, `models(counters=True)`:
always a family `P[N]`, nothing the abstraction rejects by design, plus some plain
generated models), for every size N = 0..6 that the assumptions allow (fewer when the
explicit state space at a size exceeds MAX_STATES):

- counters PROVED    => explicit violates it at no size ("runtime" and "deadlock" too);
- explicit VIOLATED at some size => counters do not prove it;
- counters VIOLATED at the witness size w, in d steps => explicit violates it at w (run at
  w also when w > 6); explicit's shortest trace at w has at most d steps, and exactly d
  when the verdict came from the k-induction base case ("kind (counters)"): the base case
  looks for a violation of length 0, 1, 2, ... over every size at once, so d is the
  shortest violation over ALL sizes, and explicit's shortest trace at every size is
  >= d.  (It need not be d at the smallest violating size: a larger family may break
  the property sooner, so only the witness size is pinned to d.)
- an ineligible model has a reason; eligible models never fail to encode;
- enough of the eligible generated models have a record (NOTE(records)), and an option
  (NOTE(options)), for the agreement to cover them (tests/checker/test_agreement.py
  `assert_exercises`).

Known disagreements between the explicit engine and the Z3 encoding on runtime errors
(pinned in tests/checker/test_agreement.py) are told apart with BMC on the same instance and
counted with `event`.

Liveness for every size (liveness to safety on the counters, checker/engines/counters/l2s.py)
is compared the same way on generated models with fairness, some of it with a condition of
its own (NOTE(fair-when)), at N = 0..4: `test_generated_liveness_for_every_size_agrees_with_explicit`.

The generated models run in both tiers (tests/conftest.py): 6 at sizes up to 6 in the
fast tier, 80 at sizes up to 8 in the slow one (`pytest --slow`); for liveness, 2 and 15
(about 3 s a model: the fast tier keeps a smoke run, the slow one the comparison).
"""
from __future__ import annotations

import re
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, note, reject, settings
from hypothesis import event as _event
from hypothesis import strategies as st
from hypothesis.control import _current_build_context

from forkproof.engines.counters.abstraction import CounterEncoding
from forkproof.engines.counters.prove import AllSizes, prove_all_sizes
from forkproof.engines.symbolic.engine import check_bmc
from forkproof.engines.symbolic.encode import SymbolicOptions
from forkproof.semantics.compile import is_temporal
from forkproof.engines.explicit import ExplicitOptions, check_explicit
from forkproof.semantics.instance import instantiate
from forkproof.run.sizes import sizes_up_to
from forkproof.semantics.verdict import EngineResult, Status
from forkproof.spec import ir as I
from forkproof.spec.errors import ModelError
from forkproof.spec.load import load_model_text
from tests.checker.test_agreement import (assert_exercises, folding_def_may_drop_an_error, has_options, has_records,
                                          known_runtime_difference)
from tests.gen import Generated, fairness_and_liveness, models

MAX_STATES = 20_000  # an explicit run above this at some size: that size and larger ones are not compared
TOP = 6  # sizes 0..TOP (those the assumptions allow) are checked explicitly
TOP_SLOW = 8
DEPTH = 3  # k-induction's largest k on the counters before PDR
EXPLICIT_TIMEOUT = 10.0  # seconds per explicit run (large families canonicalize slowly); incomplete runs skip
BEYOND = 4  # a witness up to TOP + BEYOND is confirmed explicitly; larger ones are counted, not checked
TIMEOUT = 20.0  # seconds for prove_all_sizes; hitting it gives UNKNOWN, which is not compared
MODELS = Path(__file__).resolve().parents[2] / "models"


# ---------------------------------------------------------------- one comparison


def event(what: str) -> None:
    """hypothesis.event inside a generated-model test; nothing on the shipped models."""
    if _current_build_context.value is not None:
        _event(what)


@dataclass
class AtSize:
    params: dict[str, object]
    result: EngineResult | None  # None: instantiating failed
    error: str | None = None

    @property
    def complete(self) -> bool:
        return self.result is not None and self.result.complete

    def decided(self, name: str) -> bool:
        """The explicit engine gave `name` a verdict other than unknown (a budget can end it)."""
        return self.result is not None and any(v.name == name and v.status is not Status.UNKNOWN
                                               for v in self.result.verdicts)

    def violated(self) -> dict[tuple[str, str], int]:
        """(name, kind) -> shortest trace length, of every violation explicit found."""
        out = {}
        if self.result is None:
            return out
        for v in self.result.verdicts:
            if v.status is Status.VIOLATED:
                out[(v.name, v.kind)] = v.depth
        return out


@dataclass
class Comparison:
    proof: AllSizes
    runs: list[AtSize] = field(default_factory=list)


def explicit_at(model: I.Model, params: dict[str, object]) -> AtSize:
    try:
        inst = instantiate(model, params)
    except ModelError as e:
        return AtSize(params, None, e.diagnostics[0].message)
    return AtSize(params, check_explicit(inst, ExplicitOptions(max_states=MAX_STATES, deadlock=True,
                                                                  timeout=EXPLICIT_TIMEOUT)))


def liveness_names(model: I.Model) -> set[str]:
    """Properties other than `always P` (P free of temporal operators): not the counters' business."""
    return {p.name for p in model.properties
            if not (isinstance(p.expr, I.Unary) and p.expr.op is I.UnOp.ALWAYS and not is_temporal(p.expr.arg))}


def _sizes(params: dict[str, object], symbolic: list[str]) -> str:
    return ", ".join(f"{n} = {params[n]}" for n in symbolic)


def _bmc_explains(model: I.Model, at: AtSize, name: str, depth: int) -> str | None:
    """Why explicit's runtime verdict at `at` differs from the counters' (found in `depth`
    steps), when it is a known explicit/Z3 difference: BMC on the same instance agrees with
    the counters and the difference between BMC and explicit is a pinned bug."""
    if name != "runtime":
        return None
    inst = instantiate(model, at.params)
    if folding_def_may_drop_an_error(inst):
        return "a def that folds to a constant"
    b = check_bmc(inst, SymbolicOptions(depth=depth, timeout=TIMEOUT))
    v = next((v for v in b.verdicts if v.name == "runtime" and v.status is Status.VIOLATED), None)
    if v is None:
        return None
    return known_runtime_difference(inst, at.result, v)


def compare(model: I.Model, combo: dict[str, object], symbolic: list[str], top: int) -> Comparison:
    """Run both and assert every agreement rule of the module docstring."""
    proof = prove_all_sizes(model, combo, symbolic, SymbolicOptions(depth=DEPTH, timeout=TIMEOUT, deadlock=True))
    cmp = Comparison(proof)
    if proof.ineligible is not None:
        assert proof.ineligible.strip(), "ineligible without a reason"
        assert not proof.verdicts
        return cmp
    for params in sizes_up_to(model, combo, symbolic, top):
        if any(r.result is not None and not r.complete
               and all(r.params[n] <= params[n] for n in symbolic) for r in cmp.runs):
            event("explicit: a size over MAX_STATES (larger sizes skipped)")
            continue
        try:
            at = explicit_at(model, params)
        except ModelError as e:  # FP408: more initial states than the explicit engine enumerates
            if e.diagnostics[0].code != "FP408":
                raise
            event("explicit: a size past the limit `domain` (it and later sizes skipped)")
            break
        # the counters checked that the family sizes and initial values are valid for every
        # size the assumptions allow
        assert at.result is not None, f"{_sizes(params, symbolic)}: {at.error}, but the counters accepted the model"
        cmp.runs.append(at)
    live = liveness_names(model)  # safety only here (liveness agreement: tests/checker/test_liveness.py)
    verdicts = {(v.name, v.kind): v for v in proof.verdicts if not (v.kind == "property" and v.name in live)}
    checked = {(v.name, v.kind) for r in cmp.runs for v in r.result.verdicts
               if not (v.kind == "property" and v.name in live)}
    # every obligation explicit checks is one the counters decide ("runtime" always is)
    assert checked <= set(verdicts) | {("runtime", "runtime")}, \
        f"explicit checks {checked - set(verdicts)}, the counters do not"
    for key, v in verdicts.items():
        bad = [(r, r.violated()[key]) for r in cmp.runs if key in r.violated()]
        event(f"counters {v.status.value} ({v.engine.split(' (')[0]})")
        if v.status is Status.PROVED:
            assert not bad, (f"{v.name}: the counters prove it for every size ({v.engine}), explicit violates it at "
                             f"{_sizes(bad[0][0].params, symbolic)} in {bad[0][1]} steps")
        elif v.status is Status.VIOLATED:
            _assert_violation_confirmed(model, combo, symbolic, cmp, key, v, bad)
    return cmp


def _assert_violation_confirmed(model, combo, symbolic, cmp: Comparison, key, v, bad) -> None:
    assert v.witness is not None and set(v.witness) == set(symbolic) and v.depth is not None, v
    w = {**combo, **v.witness}
    w = {p.name: w[p.name] for p in model.params}
    at = next((r for r in cmp.runs if all(r.params[n] == w[n] for n in symbolic)), None)
    if at is None:  # beyond the sizes checked, or above a size over MAX_STATES
        if any(w[n] > TOP_SLOW + BEYOND for n in symbolic):
            event("counters: witness too large to confirm")
            return
        at = explicit_at(model, w)
        assert at.result is not None, f"{v.name}: the counters break it at {_sizes(w, symbolic)}, " \
                                      f"an instance that does not exist ({at.error})"
        event("counters: witness beyond the sizes checked")
    if not at.complete and key not in at.violated():
        event("explicit: witness size over MAX_STATES")
        return
    base_case = v.engine == "kind (counters)"
    got = at.violated().get(key)
    if got is None or got > v.depth or (base_case and got != v.depth):
        if bug := _bmc_explains(model, at, v.name, v.depth):
            event(f"known bug: {bug}")
            return
    where = f"{_sizes(w, symbolic)}"
    assert got is not None, (f"{v.name}: the counters ({v.engine}) break it at {where} in {v.depth} steps, "
                             f"explicit does not at {where}")
    assert got <= v.depth, f"{v.name}: the counters' run at {where} has {v.depth} steps, explicit's shortest {got}"
    if base_case:
        assert got == v.depth, (f"{v.name}: the counter base case says the shortest violation over every size has "
                                f"{v.depth} steps (at {where}), explicit's at {where} has {got}")
        shorter = [(r, n) for r, n in bad if n < v.depth]
        if shorter and not _bmc_explains(model, shorter[0][0], v.name, v.depth):
            r, n = shorter[0]
            raise AssertionError(f"{v.name}: the counter base case says no violation is shorter than {v.depth} "
                                 f"steps at any size, explicit has one of {n} at {_sizes(r.params, symbolic)}")
        event("counters: kind base case depth pinned")


# ---------------------------------------------------------------- the shipped models


def _load(text: str) -> I.Model:
    """The model without its liveness properties: safety only here (liveness for every size
    is tests/checker/test_liveness.py's), and explicit's liveness pass is slow at 20,000 states."""
    model = load_model_text(text, "model.fork")
    live = liveness_names(model)
    return replace(model, properties=tuple(p for p in model.properties if p.name not in live))


LIBRA = (MODELS / "libra_framework_upgrade.fork").read_text()
NEAR = ((MODELS / "near_protocol_upgrade.fork").read_text()
        .replace("param N: int = 3 ", "param N: int     ").replace("param BLOCKS: int = 6", "param BLOCKS: int"))
NEAR_40 = NEAR.replace("blocks[x] > 80% * BLOCKS", "blocks[x] > 40% * BLOCKS")


def statuses(model: I.Model, cmp: Comparison) -> dict[str, Status]:
    live = liveness_names(model)
    return {v.name: v.status for v in cmp.proof.verdicts if v.kind != "runtime" and v.name not in live}


@pytest.mark.parametrize("rule", ["Code", "Intended"])
def test_libra_counters_agree_with_explicit(rule):
    model = _load(LIBRA)
    rules = next(p.ty for p in model.params if p.name == "RULE").members
    cmp = compare(model, {"RULE": rules.index(rule)}, ["N"], TOP)  # runtime values: an enum's index
    assert [r.params["N"] for r in cmp.runs] == [1, 2, 3, 4, 5, 6]
    assert all(r.complete for r in cmp.runs)
    want = {n: Status.PROVED for n in ("only_registered_hash_runs", "tampered_script_never_runs",
                                       "resolved_at_most_once", "resolved_had_two_thirds_yes", "deadlock")}
    if rule == "Code":
        want["resolved_had_two_thirds_yes"] = Status.VIOLATED
    assert {n: s for n, s in statuses(model, cmp).items() if n in want} == want


def test_near_counters_agree_with_explicit():
    model = _load(NEAR)
    cmp = compare(model, {"V": 2}, ["N", "BLOCKS"], TOP)
    assert len(cmp.runs) == 36  # N, BLOCKS = 1..6
    assert set(statuses(model, cmp).values()) == {Status.PROVED}
    assert all(r.complete for r in cmp.runs)


def test_near_40_percent_counters_agree_with_explicit():
    cmp = compare(_load(NEAR_40), {"V": 2}, ["N", "BLOCKS"], TOP)
    bad = next(v for v in cmp.proof.verdicts if v.name == "at_most_one_version_passes")
    assert bad.status is Status.VIOLATED and bad.depth == 3  # upgrade, produce, produce


# ---------------------------------------------------------------- generated models


def generated() -> st.SearchStrategy[Generated]:
    """Mostly models made for the counters, sometimes any model (which may have no family or
    be outside the abstraction: it must then say why)."""
    return st.one_of(models(counters=True), models(counters=True), models(counters=True), models(counters=True),
                     models())


def test_generated_counters_agree_with_explicit(tier):
    slow = tier == "slow"

    @settings(max_examples=80 if slow else 6, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(generated())
    def run(g: Generated) -> None:
        note(str(g))
        model = _load(g.text)
        combo = {k: v for k, v in g.params.items() if k != "N"}
        cmp = compare(model, combo, ["N"], TOP_SLOW if slow else TOP)
        what = ("eligible" if cmp.proof.ineligible is None else "ineligible") + ("" if model.families else " (no family)")
        event(what)
        if cmp.proof.ineligible is None and not cmp.runs:
            reject()
        seen[what] += 1
        if what == "eligible":  # the counters met records (NOTE(records)) and options (NOTE(options))
            seen["records (eligible)"] += has_records(model)
            seen["options (eligible)"] += has_options(model)
        seen["sizes compared"] += len(cmp.runs)
        for v in cmp.proof.verdicts:
            seen[f"counters {v.status.value}"] += 1

    seen: Counter[str] = Counter()
    start = time.perf_counter()
    run()
    print(f"\n{dict(seen)} in {time.perf_counter() - start:.1f} s")
    # the test means something only if most models are inside the abstraction
    assert seen["eligible"] >= 0.4 * sum(n for k, n in seen.items() if k.startswith(("eligible", "ineligible"))), seen
    assert_exercises("a record", seen["eligible"], seen["records (eligible)"])
    assert_exercises("an option", seen["eligible"], seen["options (eligible)"])


def test_unreachable_local_states_are_pruned_and_the_proofs_get_simpler():
    """NOTE(local-reach): history flags beside a location make 24 local states of which 4 are
    reachable; their counters are 0 in wf, and the three invariants become 0-inductive (they
    needed PDR with all 24)."""
    from pathlib import Path
    text = (Path(__file__).resolve().parents[1] / "data" / "history_flags.fork").read_text(encoding="utf-8")
    model = load_model_text(text, "history_flags.fork")
    enc = CounterEncoding(model, {}, ["N"])
    assert sum(len(v) for v in enc.local_states.values()) == 24 and len(enc.unreached) == 20
    kept = [ls.values for ls in enc.local_states["P"] if enc.counters["P"][ls.index] not in enc.unreached]
    assert len(kept) == 4 and all(acc is False or loc == 2 for loc, sent, echoed, acc in kept)
    res = prove_all_sizes(model, {}, ["N"], SymbolicOptions(depth=2, timeout=60, deadlock=False))
    assert {(v.name, v.status, v.engine) for v in res.verdicts if v.name != "runtime"} == {
        (n, Status.PROVED, "kind (k=0, counters)") for n in ("acc_means_sent", "acc_is_loc", "echo_after_send")}


# ---------------------------------------------------------------- generated models: liveness for every size

LIVE_TOP = 4  # sizes compared for liveness (kept small from when the explicit liveness graph was never reduced)
LIVE_BEYOND = 8  # a violation's witness up to this size is confirmed explicitly
LIVE_FAST_TIMEOUT = 4.0  # seconds per property for the counters in the fast tier


@st.composite
def live_counter_models(draw) -> Generated:
    """`models(counters=True)` with fairness and liveness properties (tests/gen.py
    `fairness_and_liveness`: no fairness per copy; conditions that read the moved copy's
    locals, which the counters read for a copy in one local state; sometimes assumptions)."""
    g = draw(models(counters=True))
    return Generated(g.text + fairness_and_liveness(draw, g.text, counters=True), g.params)


def test_generated_liveness_for_every_size_agrees_with_explicit(tier):
    """Liveness to safety on the counters (checker/engines/counters/l2s.py) against the explicit
    engine's fair components at N = 0..LIVE_TOP: a proof for every size is violated at no
    size; a violation's witness size is violated explicitly."""
    slow = tier == "slow"

    @settings(max_examples=15 if slow else 2, deadline=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
    @given(live_counter_models())
    def run(g: Generated) -> None:
        note(str(g))
        model = load_model_text(g.text, "gen.fork")
        combo = {k: v for k, v in g.params.items() if k != "N"}
        # a proof that takes longer is unknown, which is not compared: a short budget in the fast tier
        budget = TIMEOUT if slow else LIVE_FAST_TIMEOUT
        proof = prove_all_sizes(model, combo, ["N"], SymbolicOptions(depth=DEPTH, timeout=budget, deadlock=True))
        if proof.ineligible is not None:
            reject()
        live = liveness_names(model)
        verdicts = {v.name: v for v in proof.verdicts if v.kind == "property" and v.name in live}
        runs = []
        for params in sizes_up_to(model, combo, ["N"], LIVE_TOP):
            at = explicit_at(model, params)
            if not at.complete:
                break  # larger sizes are larger still
            runs.append(at)
        if not runs:
            reject()
        for name, v in verdicts.items():
            seen[f"counters {v.status.value}"] += 1
            bad = [r.params["N"] for r in runs if (name, "property") in r.violated()]
            if v.status is Status.PROVED:
                assert not bad, f"{name}: proved for every size ({v.engine}), explicit violates it at N = {bad[0]}"
            elif v.status is Status.VIOLATED:
                # compared only where the explicit engine decided it: its liveness search has a
                # time budget (EXPLICIT_TIMEOUT), and on a loaded machine it can end unknown
                n = v.witness["N"]
                at = next((r for r in runs if r.params["N"] == n), None)
                if at is None and n <= LIVE_BEYOND:
                    at = explicit_at(model, {**combo, **v.witness})
                if at is not None and at.complete and at.decided(name):
                    assert (name, "property") in at.violated(), f"{name}: the counters break it at N = {n}, explicit does not"
        if re.search(r"^(strong )?fair action .* when ", g.text, re.M):
            seen["models with a fairness condition"] += 1
        if re.search(r"^property \w+: .* implies \(", g.text, re.M):
            seen["models with an assumption"] += 1  # NOTE(assume)

    seen: Counter[str] = Counter()
    run()
    print(f"\n{dict(seen)}")
