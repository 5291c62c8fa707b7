"""forkproof.testing's state machine drives a Python implementation of 0L's upgrade ceremony
(models/libra_framework_upgrade.fork, the intended rule) with the model's actions.

The correct implementation conforms; one that accepts a vote after the voting period
expired fails, and Hypothesis shrinks the failure to propose, expire, vote (issue 15: at most
5 steps).  The implementation checks script hashes as the chain does, so the model's `s`
(Built or Tampered) is mapped to a script by `call=`.
"""
from __future__ import annotations

import hashlib

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

import forkproof
from forkproof.testing import ConformanceError, Refused, model_machine
from tests.layout import ROOT

MODEL = forkproof.load(ROOT / "models" / "libra_framework_upgrade.fork")
SCRIPTS = {"Built": b"upgrade framework v7.0.1", "Tampered": b"upgrade framework v7.0.1; drain treasury"}


class Ceremony:
    """One proposal at a time: propose (registering the script's hash), vote, expire, resolve
    with a script whose hash must match, then a new epoch.  Resolvable once more than 2/3 of
    the validators voted yes."""

    def __init__(self, validators: int):
        self.n = validators
        self.status = "Idle"
        self.registered: bytes | None = None
        self.expired = False
        self.ballots = ["Unvoted"] * validators
        self.resolutions = 0
        self.ran: list[bytes] = []

    def yes(self) -> int:
        return self.ballots.count("Yes")

    def passed(self) -> bool:
        return 3 * self.yes() > 2 * self.n

    def propose(self, script_hash: bytes) -> None:
        open_proposal = self.status == "Resolved" or (self.status == "Voting" and not (self.expired and not self.passed()))
        if open_proposal:
            raise Refused("a proposal is open")
        self.status, self.registered, self.expired, self.resolutions = "Voting", script_hash, False, 0
        self.ballots = ["Unvoted"] * self.n

    def voting_open(self) -> bool:
        return self.status == "Voting" and not self.expired

    def vote(self, v: int, approve: bool) -> None:
        if not self.voting_open():
            raise Refused("voting is closed")
        if self.ballots[v] != "Unvoted":
            raise Refused("already voted")
        self.ballots[v] = "Yes" if approve else "No"

    def expire(self) -> None:
        if not self.voting_open():
            raise Refused("voting is closed")
        self.expired = True

    def resolve(self, script: bytes) -> None:
        if self.status != "Voting" or not self.passed():
            raise Refused("not approved")
        if hashlib.sha256(script).digest() != self.registered:
            raise Refused("the script's hash is not the registered one")
        self.status, self.resolutions = "Resolved", self.resolutions + 1
        self.ran.append(script)

    def new_epoch(self) -> None:
        if self.status != "Resolved":
            raise Refused("nothing was resolved")
        self.status = "Idle"


class LateVoteCeremony(Ceremony):
    """The bug: a vote is taken after the voting period expired."""

    def vote(self, v: int, approve: bool) -> None:
        if self.status != "Voting":
            raise Refused("no proposal")
        if self.ballots[v] != "Unvoted":
            raise Refused("already voted")
        self.ballots[v] = "Yes" if approve else "No"


def call(impl: Ceremony, action: str, args: dict) -> object:
    """The model's actions on the implementation: a proposal registers the built script's hash,
    `resolve(s)` submits the script `s` names."""
    if action == "propose":
        return impl.propose(hashlib.sha256(SCRIPTS["Built"]).digest())
    if action == "resolve":
        return impl.resolve(SCRIPTS[args["s"]])
    return getattr(impl, action)(**args)


def observe(impl: Ceremony) -> dict:
    return {"status": impl.status, "expired": impl.expired, "resolutions": impl.resolutions,
            "ran": bool(impl.ran), "Validator": [{"ballot": b} for b in impl.ballots]}


def machine(cls: type[Ceremony], n: int = 3):
    return model_machine(MODEL, {"N": n, "RULE": "Intended"}, impl=lambda: cls(n), observe=observe, call=call)


# no explain phase: on a failure it reruns the steps with every line traced, seconds for nothing here
SETTINGS = settings(max_examples=40, stateful_step_count=10, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow],
                    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink])
QUICK = settings(SETTINGS, max_examples=15)  # for bugs two steps deep


def test_the_correct_ceremony_conforms(tier):
    """Random steps seldom get a proposal through: expire is drawn as often as a vote, so at
    N = 3 (three yes votes before the period ends) 400 runs of 30 steps never resolve one
    (measured).  The slow tier adds runs at N = 2 and runs of allowed steps only, which do
    resolve (and check refusals only where the model refuses too)."""
    run_state_machine_as_test(machine(Ceremony), settings=SETTINGS)
    if tier == "slow":
        many = settings(SETTINGS, max_examples=400, stateful_step_count=30)
        run_state_machine_as_test(machine(Ceremony, n=2), settings=many)
        allowed = model_machine(MODEL, {"N": 3, "RULE": "Intended"}, impl=lambda: Ceremony(3), observe=observe,
                                call=call, enabled_only=True)
        run_state_machine_as_test(allowed, settings=settings(many, max_examples=150))


def test_a_vote_after_expiry_is_caught_and_shrunk_to_three_steps():
    with pytest.raises(ConformanceError) as caught:
        run_state_machine_as_test(machine(LateVoteCeremony), settings=SETTINGS)
    err = caught.value
    assert err.kind == "accepted"
    assert len(err.steps) <= 5
    assert [s.action for s in err.steps] == ["propose", "expire", "vote"]
    assert err.steps[-1].accepted is True
    text = str(err)
    assert text.startswith("the implementation disagrees with model LibraFrameworkUpgrade (N = 3, RULE = Intended) "
                           "at step 3:\n   1  propose\n   2  expire\n   3  vote(v = 0, approve = ")
    assert "the model refuses it here: its guard is false: not expired (expired = true)" in text


def test_a_wrong_state_names_the_location_and_both_values():
    class Inverted(Ceremony):
        """Records the opposite of each ballot."""

        def vote(self, v: int, approve: bool) -> None:
            super().vote(v, not approve)

    with pytest.raises(ConformanceError) as caught:
        run_state_machine_as_test(machine(Inverted, n=1), settings=QUICK)
    err = caught.value
    assert err.kind == "state"
    assert [str(s) for s in err.steps] == ["propose", "vote(v = 0, approve = false)"]
    assert err.differences == [("Validator[0].ballot", "Yes", "No")]
    assert str(err).endswith("  its state is not one the model reaches by this step:\n"
                             "    Validator[0].ballot: implementation Yes, model No")


@pytest.mark.parametrize("raised, kind, steps, says", [
    (Refused("the period never ends"), "refused", ["propose", "expire"],
     "the implementation refused expire (raised Refused: the period never ends); the model allows it here"),
    # a crash fails wherever it happens, also where the model refuses the step: at once
    (KeyError("oops"), "crash", ["expire"], "the implementation raised KeyError: 'oops' (not a refusal: refuse=('Refused',)"),
])
def test_refusing_what_the_model_allows_fails_and_a_crash_is_no_refusal(raised, kind, steps, says):
    class NoExpiry(Ceremony):
        def expire(self) -> None:
            raise raised

    with pytest.raises(ConformanceError) as caught:
        run_state_machine_as_test(machine(NoExpiry, n=1), settings=QUICK)
    assert caught.value.kind == kind
    assert [s.action for s in caught.value.steps] == steps
    assert says in str(caught.value)


def test_params_must_pick_one_instance():
    with pytest.raises(ValueError, match="bind each param that has no single value: RULE"):
        model_machine(MODEL, {"N": 2}, impl=lambda: Ceremony(2), observe=observe)


class Transitions:
    """The ceremony's state changes alone, no checks: a caller (a node's transaction
    validation, say) is trusted to call only what is allowed."""

    def __init__(self, validators: int):
        self.status, self.expired, self.resolutions = "Idle", False, 0
        self.ballots = ["Unvoted"] * validators
        self.ran: list[bytes] = []

    def propose(self) -> None:
        self.status, self.expired, self.resolutions = "Voting", False, 0
        self.ballots = ["Unvoted"] * len(self.ballots)

    def vote(self, v: int, approve: bool) -> None:
        self.ballots[v] = "Yes" if approve else "No"

    def expire(self) -> None:
        self.expired = True

    def resolve(self, s: str) -> None:
        self.status, self.resolutions = "Resolved", self.resolutions + 1
        self.ran.append(SCRIPTS[s])

    def new_epoch(self) -> None:
        self.status = "Idle"


def test_enabled_only_draws_only_what_the_model_allows():
    quick = QUICK
    run_state_machine_as_test(model_machine(MODEL, {"N": 2, "RULE": "Intended"}, impl=lambda: Transitions(2),
                                            observe=observe, enabled_only=True), settings=quick)
    with pytest.raises(ConformanceError) as caught:
        run_state_machine_as_test(model_machine(MODEL, {"N": 2, "RULE": "Intended"}, impl=lambda: Transitions(2),
                                                observe=observe), settings=quick)
    assert caught.value.kind == "accepted"
