"""Model values as plain Python values: what an implementation under test is given and gives back.

NOTE(python-values): `forkproof conform` and `forkproof.testing` hand values to a user's
Python code and read values back, always in this one shape:

- bool -> `bool`; int and ranges -> `int`; rat -> `int` when whole, else `fractions.Fraction`;
- an enum member -> its name (`"Yes"`); an `enum.Enum` member or any object with a `name`
  is read back by that name;
- a process id -> its copy's index, an `int` from 0 (`Validator[2]` is `2`);
- a map -> a `dict` from each key (as above) to its value, keys in domain order (nested maps
  nested); read back, a list or tuple stands for a map whose keys are the ints from its
  domain's first key on;
- a state -> a `dict` with one entry per global variable, by name, and one per process family,
  by the family's name: a `list` with one `dict` per copy, of its locals by name.  A variable
  the type checker made of a record's field keeps its dotted name (`props.tally.yes`).

Comparisons are exact: an int equals a Fraction of the same value, a float only if it is
that value exactly (0.1 is not 1/10).
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Iterator, Mapping

from forkproof.semantics.instance import Instance, VarSlots
from forkproof.spec import ir as I


def py_leaf(value: object, ty: I.Type) -> object:
    """A runtime value (NOTE(values) in spec/ir.py) of a non-map type as Python."""
    if isinstance(ty, I.EnumType):
        return ty.members[value]  # type: ignore[index]
    if isinstance(ty, I.BoolType):
        return bool(value)
    if isinstance(value, Fraction) and value.denominator == 1:
        return int(value)
    return value


def name_of(value: object) -> object:
    """An enum member given as an `enum.Enum` (or anything with a string `name`) as its name."""
    name = getattr(value, "name", None)
    return name if isinstance(name, str) and not isinstance(value, (str, bool, int)) else value


def runtime_leaf(value: object, ty: I.Type) -> object:
    """A Python value as the runtime value of `ty`; ValueError when it is none of them."""
    value = name_of(value)
    if isinstance(ty, I.EnumType):
        if isinstance(value, str) and value in ty.members:
            return ty.members.index(value)
        raise ValueError(f"{value!r} is no member of {ty.name} ({', '.join(ty.members)})")
    if isinstance(ty, I.BoolType):
        if isinstance(value, bool):
            return value
        raise ValueError(f"{value!r} is not a bool")
    if isinstance(value, bool) or not isinstance(value, (int, Fraction)):
        raise ValueError(f"{value!r} is not {'an id' if isinstance(ty, I.ProcType) else 'a number'}")
    return value


def shown(value: object) -> str:
    """A Python value as messages write it: `true`, `Yes`, `{0: 4, 1: 0}`, `[{ballot: Yes}]`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Fraction):
        return str(value.numerator) if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{shown(k)}: {shown(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(shown(v) for v in value) + "]"
    if isinstance(value, str):
        return value
    return repr(value) if isinstance(value, float) else str(value)


def same(a: object, b: object) -> bool:
    """Exact equality of two Python values (NOTE(python-values)): bools only equal bools."""
    a, b = name_of(a), name_of(b)
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b) and type(a == b) is bool
    except Exception:
        return False


# ---------------------------------------------------------------- variables of an instance


@dataclass(frozen=True)
class Variable:
    """A state variable of an instance as Python sees it: `name` in the state dict (a global's
    name, or a local's within its family's copies), its slots and the keys of its map levels."""

    name: str
    family: str | None
    slots: VarSlots
    keys: tuple[tuple[object, ...], ...]  # the Python keys of each map level, outermost first
    leaf: I.Type

    def value(self, state: tuple, copy: int = 0) -> object:
        base = self.slots.base + copy * self.slots.stride
        if not self.keys:
            return py_leaf(state[base], self.leaf)
        if len(self.keys) == 1:
            leaf = self.leaf
            return {k: py_leaf(state[base + i], leaf) for i, k in enumerate(self.keys[0])}
        return self._nest(state, base, 0)

    def _nest(self, state: tuple, at: int, level: int) -> object:
        if level == len(self.keys):
            return py_leaf(state[at], self.leaf)
        inner = _width(self.keys[level + 1:])
        return {k: self._nest(state, at + i * inner, level + 1) for i, k in enumerate(self.keys[level])}

    def label(self, path: tuple[object, ...], copy: int | None = None) -> str:
        """`blocks[2]`, `Validator[1].ballot`: a location as the model writes it."""
        owner = f"{self.family}[{copy}]." if self.family is not None and copy is not None else ""
        return owner + self.name + "".join(f"[{shown(k)}]" for k in path)


def _width(levels: tuple[tuple[object, ...], ...]) -> int:
    n = 1
    for keys in levels:
        n *= len(keys)
    return n


def variables(inst: Instance) -> list[Variable]:
    """Every state variable of `inst`, globals first, then each family's locals (NOTE(layout))."""
    return [variable(inst, vs) for vs in inst.all_slots()]


def variable(inst: Instance, vs: VarSlots) -> Variable:
    keys, ty = [], vs.var.ty
    while isinstance(ty, I.MapType):
        keys.append(tuple(py_leaf(k, ty.key) for k in inst.domain(ty.key)))
        ty = ty.value
    return Variable(vs.var.name, vs.var.family, vs, tuple(keys), ty)


def state_dict(inst: Instance, state: tuple, only: Mapping[str, object] | None = None,
               known: list[Variable] | None = None) -> dict[str, object]:
    """A state as Python (NOTE(python-values)); `only`: just the globals and families it names;
    `known`: `variables(inst)`, when the caller keeps it."""
    out: dict[str, object] = {}
    for v in known if known is not None else variables(inst):
        if v.family is None:
            if only is None or v.name in only:
                out[v.name] = v.value(state)
        elif only is None or v.family in only:
            copies = out.setdefault(v.family, [{} for _ in range(inst.family_sizes[v.family])])
            for p, d in enumerate(copies):  # type: ignore[arg-type]
                d[v.name] = v.value(state, p)
    for fam in inst.model.families:  # a family without locals is still a list of its copies
        if fam.name not in out and (only is None or fam.name in only):
            out[fam.name] = [{} for _ in range(inst.family_sizes[fam.name])]
    return out


def differences(observed: Mapping[str, object], model: Mapping[str, object]) -> Iterator[tuple[str, object, object]]:
    """(location, observed value, model value) for every place where `observed`, a partial state
    (NOTE(python-values)), differs from the model's state `model`; an unknown name is a
    difference with the model's value `None`."""
    for name, value in observed.items():
        if name not in model:
            yield name, value, None
            continue
        yield from _diff(name, value, model[name])


def _diff(where: str, obs: object, exp: object) -> Iterator[tuple[str, object, object]]:
    if isinstance(exp, list):  # a family: one dict per copy, each compared on the locals it gives
        if not isinstance(obs, (list, tuple)) or len(obs) != len(exp):
            yield where, obs, exp
            return
        for p, (o, e) in enumerate(zip(obs, exp)):
            if not isinstance(o, Mapping):
                yield f"{where}[{p}]", o, e
                continue
            for local, value in o.items():
                if local not in e:
                    yield f"{where}[{p}].{local}", value, None
                else:
                    yield from _diff(f"{where}[{p}].{local}", value, e[local])
        return
    if isinstance(exp, dict):
        if isinstance(obs, (list, tuple)) and all(isinstance(k, int) and not isinstance(k, bool) for k in exp):
            first = next(iter(exp), 0)
            obs = {first + i: v for i, v in enumerate(obs)}
        if not isinstance(obs, Mapping) or set(obs) != set(exp):
            yield where, obs, exp
            return
        for k, e in exp.items():
            yield from _diff(f"{where}[{shown(k)}]", obs[k], e)
        return
    if not same(obs, exp):
        yield where, obs, exp


# ---------------------------------------------------------------- domains


def leaf_domain(inst: Instance, ty: I.Type, up_to: int) -> list[object]:
    """The runtime values a slot of type `ty` takes in a bounded domain: a finite type's own
    values; an unbounded int 0..up_to; a rat every p/q with 0 <= p <= up_to and 1 <= q <= up_to
    (NOTE(conform-domain) in checker/run/conform.py)."""
    if isinstance(ty, I.IntType) and ty.bounded:
        lo, hi = inst.bounds(ty)
        return range(lo, hi + 1)  # type: ignore[return-value]  (lazy: a range may be huge beyond the domain)
    if I.is_finite_domain(ty):
        return list(inst.domain(ty))
    if isinstance(ty, I.IntType):
        return range(0, up_to + 1)  # type: ignore[return-value]
    if isinstance(ty, I.RatType):
        rats = {Fraction(p, q) for p in range(up_to + 1) for q in range(1, max(up_to, 1) + 1)}
        return [int(r) if r.denominator == 1 else r for r in sorted(rats)]
    raise TypeError(f"no domain for {ty}")


def size(domain: list[object] | range) -> int:
    """The number of values of a domain (a range's, however large: len() stops at sys.maxsize)."""
    return max(0, domain.stop - domain.start) if isinstance(domain, range) else len(domain)
