"""`node` (NOTE(node-methods) in spec/nodes.py) behaves as `dataclass(frozen=True, slots=True)`:
the same equality, the same hash numbers (so the same set orders), the same repr, frozen,
and `replace`, `fields` and pickling unchanged."""
from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field

import pytest

from forkproof.spec import ir as I
from forkproof.spec.load import load_model
from forkproof.spec.nodes import node
from tests.layout import ROOT


def _pair(body: dict):
    """The same class made by `node` and by `dataclass(frozen=True, slots=True)`."""
    made = []
    for deco in (node, dataclass(frozen=True, slots=True)):
        made.append(deco(type("Thing", (), dict(body))))
    return made


SHAPES = [
    {"__annotations__": {}},
    {"__annotations__": {"a": "int"}},
    {"__annotations__": {"a": "int", "b": "object", "span": "object"}, "span": field(default=None, compare=False)},
    {"__annotations__": {"a": "int", "b": "object"}, "b": field(default=(), repr=False)},
    {"__annotations__": {"a": "int", "b": "object"}, "b": field(default=0, hash=False)},
]


@pytest.mark.parametrize("body", SHAPES)
def test_node_methods_are_the_generated_ones(body):
    mine, theirs = _pair(body)
    names = [f.name for f in dataclasses.fields(theirs)]
    assert [f.name for f in dataclasses.fields(mine)] == names
    values = [(), (1,), (1, "x", 7), (1, ("y", 2)), (3, 4)][SHAPES.index(body)]
    other = [(), (2,), (1, "x", 8), (1, ("z",)), (3, 5)][SHAPES.index(body)]
    for vs in (values, other):
        a, b = mine(*vs), theirs(*vs)
        assert repr(a) == repr(b)
        assert hash(a) == hash(b)
        assert a == mine(*vs) and not (a != mine(*vs))
        assert a != b  # another class: NotImplemented both ways, then identity
        assert (a == mine(*other)) == (b == theirs(*other))
        if names:
            with pytest.raises(dataclasses.FrozenInstanceError):
                setattr(a, names[0], 9)
    if names:
        assert dataclasses.replace(mine(*values), **{names[0]: 42}) == mine(*((42,) + values[1:]))
        with pytest.raises(dataclasses.FrozenInstanceError):
            delattr(mine(*values), names[0])
        with pytest.raises(TypeError):
            mine(*values, 0, 0, 0, 0)
    a = mine(*values)
    for again in (copy.copy(a), copy.deepcopy(a)):  # pickling: test_ir_nodes_pickle_and_keep_their_orders
        assert again == a and again is not a and hash(again) == hash(a)
    assert mine.__match_args__ == theirs.__match_args__


def test_defaults_fill_the_trailing_fields():
    thing = node(type("Thing", (), {"__annotations__": {"a": "int", "b": "int", "c": "object"}, "b": 2,
                                    "c": field(default=None, compare=False)}))
    assert repr(thing(1)) == "Thing(a=1, b=2, c=None)" and thing(1, 2, "x") == thing(1)
    with pytest.raises(TypeError):
        thing()


def test_ir_nodes_pickle_and_keep_their_orders():
    model = load_model(str(ROOT / "models" / "libra_framework_upgrade.fork"))
    again = pickle.loads(pickle.dumps(model))
    assert again == model and hash(again.invariants[0].expr) == hash(model.invariants[0].expr)
    assert repr(I.Lit(3, I.IntType())) == "Lit(value=3, ty=IntType(lo=None, hi=None), span=None)"
