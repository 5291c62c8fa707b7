"""forkproof.testing.replay_itf: ITF traces (forkproof's own `--trace-dir` files, and the
Apalache/Quint shape) driven through a Python implementation of 0L's ceremony.

The code's rule lets one yes vote of two resolve a proposal (N = 2): `forkproof check
--trace-dir` writes that run as an ITF trace; an implementation of the code's rule replays it,
one of the intended rule refuses the resolve the trace takes.
"""
from __future__ import annotations

import json

import pytest

import forkproof
from forkproof.output.formats import write_itf
from forkproof.testing import ConformanceError, replay_itf
from tests.test_testing_0l import MODEL, Ceremony, call, observe


class CodeCeremony(Ceremony):
    """libra-framework's voting.move: T = ((n / 3) * 2) + 1; a proposal closes once yes or no
    reaches T or the period expires, and succeeded iff yes > no and yes + no >= T."""

    def passed(self) -> bool:
        yes, no = self.ballots.count("Yes"), self.ballots.count("No")
        t = (self.n // 3) * 2 + 1
        closed = self.expired or yes >= t or no >= t
        return closed and yes > no and yes + no >= t


@pytest.fixture(scope="module")
def traces(tmp_path_factory) -> dict[str, str]:
    report = forkproof.check(MODEL, params={"N": 2, "RULE": "Code"})
    written = write_itf([report.raw], str(tmp_path_factory.mktemp("itf")))
    return {json.loads(open(p).read())["#meta"]["property"]: p for p in written}


def test_the_codes_rule_replays_the_counterexample(traces):
    path = traces["resolved_had_two_thirds_yes"]
    got = replay_itf(path, impl=lambda: CodeCeremony(2), observe=observe, call=call)  # the model from #meta.source
    assert (got.model, got.scope) == ("LibraFrameworkUpgrade", "N = 2, RULE = Code")
    assert [str(s) for s in got.steps] == ["propose", "vote(v = 0, approve = true)", "resolve(s = Built)"]
    assert all(s.accepted for s in got.steps)


def test_the_intended_rule_refuses_the_resolve_the_trace_takes(traces):
    with pytest.raises(ConformanceError) as caught:
        replay_itf(traces["resolved_had_two_thirds_yes"], MODEL, impl=lambda: Ceremony(2), observe=observe, call=call)
    err = caught.value
    assert err.kind == "refused"
    assert str(err) == (
        "the implementation disagrees with model LibraFrameworkUpgrade (N = 2, RULE = Code) at step 3:\n"
        "   1  propose\n"
        "   2  vote(v = 0, approve = true)\n"
        "   3  resolve(s = Built) (refused)\n"
        "  the implementation refused resolve(s = Built) (raised Refused: not approved); the trace takes it here")


def test_a_lasso_trace_replays_its_stem_and_cycle(traces):
    got = replay_itf(traces["resolvable_gets_resolved"], MODEL, impl=lambda: CodeCeremony(2), observe=observe, call=call)
    assert [s.action for s in got.steps] == ["propose", "vote", "vote", "expire", "propose"]


def quint_trace() -> dict:
    """The run propose, vote yes, vote yes, resolve at N = 2 as a Quint spec of the ceremony
    would write it: ints as #bigint, enums as variants, the ballots a map from an int, the
    action in mbt::actionTaken."""
    def variant(tag: str) -> dict:
        return {"tag": tag, "value": {"#tup": []}}

    def state(status: str, ballots: list[str], resolutions: int, action: str) -> dict:
        return {"#meta": {"index": 0}, "mbt::actionTaken": action, "status": variant(status),
                "expired": False, "resolutions": {"#bigint": str(resolutions)},
                "ballots": {"#map": [[{"#bigint": str(i)}, variant(b)] for i, b in enumerate(ballots)]}}

    return {"#meta": {"format": "ITF", "source": "ceremony.qnt"},
            "vars": ["status", "expired", "resolutions", "ballots", "mbt::actionTaken"],
            "states": [state("Idle", ["Unvoted", "Unvoted"], 0, "init"),
                       state("Voting", ["Unvoted", "Unvoted"], 0, "propose"),
                       state("Voting", ["Yes", "Unvoted"], 0, "vote"),
                       state("Voting", ["Yes", "Yes"], 0, "vote"),
                       state("Resolved", ["Yes", "Yes"], 1, "resolve")]}


def to_model(state: dict) -> dict:
    """The Quint spec's names for the model's: its `ballots` by index are Validator.ballot."""
    out = {k: v for k, v in state.items() if k != "ballots"}
    out["Validator.ballot"] = {"#map": [[f"Validator[{k['#bigint']}]", v] for k, v in state["ballots"]["#map"]]}
    return out


def test_an_apalache_or_quint_trace_replays_with_its_names_translated():
    got = replay_itf(quint_trace(), MODEL, params={"N": 2, "RULE": "Intended"}, impl=lambda: Ceremony(2),
                     observe=observe, call=call, translate=to_model)
    assert [str(s) for s in got.steps] == ["propose", "vote(v = 0, approve = true)", "vote(v = 1, approve = true)",
                                           "resolve(s = Built)"]


def test_a_trace_in_other_names_is_refused_with_the_models_names():
    with pytest.raises(ValueError, match=r"the trace's variables ballots are no variables of model "
                                         r"LibraFrameworkUpgrade \(its variables: .*Validator.ballot.*\); "
                                         r"pass translate= to rename them"):
        replay_itf(quint_trace(), MODEL, params={"N": 2, "RULE": "Intended"}, impl=lambda: Ceremony(2), observe=observe)


def test_a_trace_that_is_no_run_of_the_model_is_refused():
    doc = quint_trace()
    doc["states"][3], doc["states"][4] = doc["states"][4], doc["states"][3]  # resolved before the second vote
    with pytest.raises(ValueError, match=r"step 3 of the trace is no step of model LibraFrameworkUpgrade "
                                         r"\(N = 2, RULE = Intended\) from the state before it"):
        replay_itf(doc, MODEL, params={"N": 2, "RULE": "Intended"}, impl=lambda: Ceremony(2), observe=observe,
                   call=call, translate=to_model)
