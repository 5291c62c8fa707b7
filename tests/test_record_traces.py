"""Reports name a record's fields as the model writes them (NOTE(record-names) in spec/ir.py).

The type checker makes a variable of each field of a record (NOTE(records) in
spec/typecheck.py): `var props: [Proposal] Prop` is `props.tally.yes`, `props.tally.no`,
`props.stage`, each a map over Proposal.  The engines, and Z3, keep those names; everything
a person reads writes the keys where the model has them, after the record variable's name
and before the field path: `props[P1].tally.yes`, `Member[0].ballot[P1].yes`, and a map
field's own keys after the field (`seen.by[P1]`).

Pinned: a violated invariant's trace in text and JSON (a map-of-records entry, a family's
record local, a record with a map field, a threshold spelled out along it), a change to
every copy collapsing to `Member[*].ballot[P2].no` as a plain local's would, ITF records,
the slots of records with map fields at every level, expressions, a runtime error, PDR's
invariant, the counters' counters, `forkproof thresholds`, and options (records of `some`
and `value`: `ballots[P1].some`).
"""
from __future__ import annotations

import json

from click.testing import CliRunner
from itf_py import trace_from_json

from forkproof.cli.main import cli
from forkproof.engines.counters.abstraction import CounterEncoding
from forkproof.semantics.instance import instantiate
from forkproof.spec.ir import expr_str
from forkproof.spec.load import load_model_text

BALLOTS = """model Ballots
enum Proposal { P1, P2 }
enum Stage { Open, Passed }
record Tally { yes: 0..2, no: 0..2 }
record Prop { tally: Tally, stage: Stage }
record Ballot { yes: 0..1, no: 0..1 }
record Seen { by: [Proposal] bool, times: 0..2 }
var props: [Proposal] Prop = {tally: {yes: 0, no: 0}, stage: Open}
var seen: Seen = {by: false, times: 0}
process Member[2] { var ballot: [Proposal] Ballot = {yes: 0, no: 0} }
action vote(m: Member, p: Proposal) when m.ballot[p].yes == 0 and props[p].tally.yes < 2 {
  props[p].tally.yes = props[p].tally.yes + 1  m.ballot[p].yes = 1  seen.by[p] = true
}
action reject(p: Proposal) when props[p].tally.yes == 0 and props[p].tally.no == 0 {
  props[p].tally.no = 2
  for m in Member { m.ballot[p].no = 1 }
}
action pass(p: Proposal) when props[p].tally.yes == 2 and props[p].stage == Open {
  props[p].stage = Passed  seen.times = seen.times + 1
}
threshold passing(p: Proposal) = props[p].tally.yes >= 2
invariant never_passed: props[P1].stage != Passed
invariant never_rejected: props[P2].tally.no == 0
invariant yes_counted: props[P1].tally.yes == count(m in Member where m.ballot[P1].yes == 1)
"""

TRACES = """\
invariant violated: never_passed, the model
  shortest trace, 3 steps:
    0  start: props[P1].tally.yes = 0, props[P2].tally.yes = 0, props[P1].tally.no = 0,
         props[P2].tally.no = 0, props[P1].stage = Open, props[P2].stage = Open,
         seen.by[P1] = false, seen.by[P2] = false, seen.times = 0, Member[*].ballot[P1].yes = 0,
         Member[*].ballot[P2].yes = 0, Member[*].ballot[P1].no = 0, Member[*].ballot[P2].no = 0
    1  vote(m = Member[0], p = P1): props[P1].tally.yes = 1, seen.by[P1] = true,
         Member[0].ballot[P1].yes = 1
    2  vote(m = Member[1], p = P1): props[P1].tally.yes = 2, Member[1].ballot[P1].yes = 1
         passing(p = P1) now holds: props[P1].tally.yes = 2: 2 >= 2
    3  pass(p = P1): props[P1].stage = Passed, seen.times = 1

invariant violated: never_rejected, the model
  shortest trace, 1 step:
    0  start: the same as in the trace above
    1  reject(p = P2): props[P2].tally.no = 2, Member[*].ballot[P2].no = 1
"""

LOCATIONS = ["props[P1].tally.yes", "props[P2].tally.yes", "props[P1].tally.no", "props[P2].tally.no",
             "props[P1].stage", "props[P2].stage", "seen.by[P1]", "seen.by[P2]", "seen.times",
             "Member[0].ballot[P1].yes", "Member[0].ballot[P2].yes", "Member[0].ballot[P1].no",
             "Member[0].ballot[P2].no", "Member[1].ballot[P1].yes", "Member[1].ballot[P2].yes",
             "Member[1].ballot[P1].no", "Member[1].ballot[P2].no"]


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def model_file(tmp_path, text: str = BALLOTS) -> str:
    path = tmp_path / "ballots.fork"
    path.write_text(text)
    return str(path)


def test_text_trace_names_fields_as_the_model_writes_them(tmp_path):
    r = invoke("check", "--no-deadlock", model_file(tmp_path))
    assert r.exit_code == 1, r.output
    assert TRACES in r.output
    assert ".tally.yes[" not in r.output and ".ballot.yes[" not in r.output  # no engine name shows


def test_json_trace_names_fields_as_the_model_writes_them(tmp_path):
    r = invoke("check", "--no-deadlock", "--format", "json", model_file(tmp_path))
    props = {p["name"]: p for p in json.loads(r.stdout)["models"][0]["properties"]}
    steps = props["never_passed"]["trace"]["steps"]
    assert list(steps[0]["state"]) == LOCATIONS and list(steps[0]["changed"]) == LOCATIONS
    assert [s["changed"] for s in steps[1:]] == [
        ["props[P1].tally.yes", "seen.by[P1]", "Member[0].ballot[P1].yes"],
        ["props[P1].tally.yes", "Member[1].ballot[P1].yes"],
        ["props[P1].stage", "seen.times"]]
    last = steps[-1]["state"]
    assert last["props[P1].tally.yes"] == 2 and last["props[P1].stage"] == "Passed"
    assert last["Member[0].ballot[P1].yes"] == last["Member[1].ballot[P1].yes"] == 1
    assert steps[2]["thresholds"] == ["passing(p = P1) now holds: props[P1].tally.yes = 2: 2 >= 2"]
    # JSON keeps every location, one per copy: only the text report collapses copies to [*]
    rejected = props["never_rejected"]["trace"]["steps"][1]
    assert rejected["changed"] == ["props[P2].tally.no", "Member[0].ballot[P2].no", "Member[1].ballot[P2].no"]


def test_itf_writes_a_record_variable_as_one_record(tmp_path):
    out = tmp_path / "traces"
    r = invoke("check", "--no-deadlock", "--trace-dir", str(out), model_file(tmp_path))
    assert r.exit_code == 1, r.output
    raw = json.loads((out / "Ballots_never_passed.itf.json").read_text())
    assert raw["vars"] == ["props", "seen", "Member.ballot"]
    assert raw["states"][3]["props"]["#map"][0] == \
        ["P1", {"tally": {"yes": {"#bigint": "2"}, "no": {"#bigint": "0"}}, "stage": "Passed"}]
    last = trace_from_json(raw).states[-1].values
    assert last["props"]["P1"].tally.yes == 2 and last["props"]["P2"].stage == "Open"
    assert last["seen"].by == {"P1": True, "P2": False} and last["seen"].times == 1
    assert last["Member.ballot"]["Member[1]"]["P1"].yes == 1


# A field that is a map keeps its keys after it, at every level of nesting.
SHAPES = """model Shapes
enum K { A, B }
enum P { X, Y }
record V { votes: [P] bool, n: 0..2 }
record W { inner: [P] V }
var r: [K] V = {votes: false, n: 0}
var s: V = {votes: false, n: 0}
var w: W = {inner: {votes: false, n: 0}}
process Node[1] { var own: [K] V = {votes: false, n: 0} }
action go(k: K, p: P) when not r[k].votes[p] { r[k].votes[p] = true  s.votes[p] = true  w.inner[p].votes[p] = true }
invariant quiet: not r[A].votes[X]
invariant steady: r'[A].n == r[A].n
"""


def test_every_key_goes_where_the_model_writes_it():
    model = load_model_text(SHAPES, "shapes.fork")
    inst = instantiate(model, {})
    assert inst.slot_labels[:4] == ["r[A].votes[X]", "r[A].votes[Y]", "r[B].votes[X]", "r[B].votes[Y]"]
    assert "s.votes[Y]" in inst.slot_labels and "s.n" in inst.slot_labels
    assert "w.inner[X].votes[Y]" in inst.slot_labels and "w.inner[Y].n" in inst.slot_labels
    assert "Node[0].own[B].votes[X]" in inst.slot_labels
    # the engines', and Z3's, names are the type checker's variables with their keys
    assert inst.slot_names[:4] == ["r.votes[A][X]", "r.votes[A][Y]", "r.votes[B][X]", "r.votes[B][Y]"]
    assert "w.inner.votes[X][Y]" in inst.slot_names
    texts = {i.name: expr_str(i.expr) for i in model.invariants}
    assert texts == {"quiet": "not r[A].votes[X]", "steady": "r'[A].n == r[A].n"}
    assert [v.shown for v in model.globals] == ["r[*].votes", "r[*].n", "s.votes", "s.n", "w.inner[*].votes",
                                                "w.inner[*].n"]


def test_a_runtime_error_names_the_entry_as_written(tmp_path):
    text = BALLOTS.replace("m.ballot[p].yes = 1", "m.ballot[p].yes = m.ballot[p].yes + 1").replace(
        "m.ballot[p].yes == 0 and props[p].tally.yes < 2", "props[p].tally.yes < 2")
    r = invoke("check", "--no-deadlock", model_file(tmp_path, text))
    assert "action vote(m = Member[0], p = P1): value 2 is outside 0..1 for Member[0].ballot[P1].yes" in r.output, \
        r.output


def test_pdr_invariants_name_fields_as_written(tmp_path):
    r = invoke("check", "--no-deadlock", "--engine", "pdr", "-v", "--property", "yes_counted",
               "--format", "json", model_file(tmp_path))
    notes = " ".join(json.loads(r.stdout)["models"][0]["properties"][0]["notes"])
    assert "props[P1].tally.yes" in notes and "Member[0].ballot[P1].yes" in notes, notes
    assert "tally.yes[" not in notes and "ballot.yes[" not in notes


GOVERNOR = """model Governor
param N: int
assume N >= 1
enum Proposal { P1, P2 }
record Tally { yes: 0..N, no: 0..N }
record Ballot { yes: 0..1, no: 0..1 }
var props: [Proposal] Tally = {yes: 0, no: 0}
process Member[N] { var ballot: [Proposal] Ballot = {yes: 0, no: 0} }
action vote(m: Member, p: Proposal) when m.ballot[p].yes == 0 and props[p].yes < N {
  props[p].yes = props[p].yes + 1  m.ballot[p].yes = 1
}
threshold passing(p: Proposal) = 3 * count(m in Member where m.ballot[p].yes == 1) > 2 * N
threshold tally_pass(p: Proposal) = 3 * props[p].yes > 2 * N
invariant counted: forall p in Proposal: props[p].yes == count(m in Member where m.ballot[p].yes == 1)
"""


def test_the_counters_name_local_states_as_written():
    enc = CounterEncoding(load_model_text(GOVERNOR, "g.fork"), {}, ["N"])
    labels = enc.inst.slot_labels
    assert labels[:5] == ["N", "props[P1].yes", "props[P2].yes", "props[P1].no", "props[P2].no"]
    assert labels[5] == "#Member(ballot[P1].yes = 0, ballot[P2].yes = 0, ballot[P1].no = 0, ballot[P2].no = 0)"
    assert enc.inst.slot_names[1] == "props.yes[P1]"  # Z3's names stay the engine's
    assert enc.inst.slot_names[5].startswith("#Member(ballot.yes[P1] = 0")
    described = enc.describe(tuple([3, 1, 0, 0, 0] + [0] * (len(labels) - 5)))
    assert described == {"N": 3, "props[P1].yes": 1, "props[P2].yes": 0, "props[P1].no": 0, "props[P2].no": 0}


def test_thresholds_show_rules_and_configurations_as_written(tmp_path):
    path = tmp_path / "g.fork"
    path.write_text(GOVERNOR)
    r = invoke("thresholds", "--param", "N=4", str(path))
    assert "rule:     3 * count(m in Member where m.ballot[p].yes == 1) > 2 * N" in r.output, r.output
    assert "rule:     3 * props[p].yes > 2 * N" in r.output
    flat = " ".join(r.output.split())
    assert "(ballot[P1].yes = 1, ballot[P2].yes = " in flat
    assert "props[P1].yes = " in flat and "props.yes[" not in flat and "ballot.yes[" not in flat


# An option is the record of `some` and `value` (NOTE(options) in spec/typecheck.py): its
# keys go before them as a record's do.
OPTIONS = """model Opt
enum Version { V1, V2 }
enum Proposal { P1, P2 }
record Slot { vote: option[Version], n: 0..2 }
process Node[1] { var vote: option[Version] = none }
var pending: option[Version] = none
var ballots: [Proposal] option[bool] = none
var slots: [Proposal] Slot = {vote: none, n: 0}
action cast(p: Proposal, b: bool) when ballots[p] == none { ballots[p] = some(b)  slots[p].vote = some(V2) }
invariant never: ballots[P2] == none
"""


def test_options_are_named_as_the_records_they_are(tmp_path):
    r = invoke("check", "--no-deadlock", model_file(tmp_path, OPTIONS))
    flat = " ".join(r.output.split())
    assert "start: pending.some = false, pending.value = V1, ballots[P1].some = false," in flat, r.output
    assert "cast(p = P2, b = false): ballots[P2].some = true, slots[P2].vote.some = true, " \
           "slots[P2].vote.value = V2" in flat
    assert "Node[0].vote.some = false" in flat
    model = load_model_text(OPTIONS, "opt.fork")
    assert expr_str(model.invariants[0].expr) == "not ballots[P2].some"
