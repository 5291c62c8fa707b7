"""`node`: the frozen dataclass every AST and IR class is, made cheaper to define.

NOTE(node-methods): `dataclass` writes each method it adds as source text and compiles it
(exec), about 0.15-0.2 ms a method on the machines here; six methods for each of the 73
frozen, slotted classes of `forkproof.spec.ast` and `forkproof.spec.ir` were about 65 ms of
every run's start-up (issue 16: `forkproof parse` should start in under 0.25 s).  `node`
lets `dataclass` process the fields (`fields()`, `replace()`, `__match_args__`, the slots)
and compiles one method itself, `__init__` (which stores each field with
`object.__setattr__`, as a frozen dataclass's does); every other method is one shared
definition, built from the class's fields with no compiling, and behaves exactly as the
generated one:
  - `__eq__`: equal when of the same class with equal compared fields, else NotImplemented;
  - `__hash__`: the hash of the tuple of hashed fields (the same numbers, so the same set
    and dict orders);
  - `__repr__`: `Name(field=value, ...)` over the shown fields;
  - `__setattr__`, `__delattr__`: FrozenInstanceError; `__getstate__`, `__setstate__`: the
    field values as a list, as for a frozen slotted dataclass (pickling, copying).
A class that defines `__eq__`, `__hash__` or `__repr__` itself keeps its own, as with
`dataclass`.  Fields take plain defaults only (no default_factory, no init=False).
"""
from __future__ import annotations

import dataclasses
import types
from dataclasses import MISSING, FrozenInstanceError
from operator import attrgetter
from typing import Any, Callable, TypeVar, dataclass_transform

T = TypeVar("T")
_GLOBALS = {"_set": object.__setattr__}
_INIT: dict[tuple[str, ...], types.CodeType] = {}  # the code of __init__ by field names


def _init(cls: type, fields: tuple[dataclasses.Field, ...]) -> Callable[..., None]:
    """`__init__(self, a, b, span=None)`: each field stored with object.__setattr__."""
    names = tuple(f.name for f in fields)
    for f in fields:
        if not f.init or f.default_factory is not MISSING:
            raise TypeError(f"node {cls.__qualname__}: field {f.name} needs dataclass (init=False or a default_factory)")
    defaults = tuple(f.default for f in fields if f.default is not MISSING)
    if any(f.default is MISSING for f in fields[len(fields) - len(defaults):]):
        raise TypeError(f"node {cls.__qualname__}: a field without a default follows one with a default")
    code = _INIT.get(names)
    if code is None:
        body = "".join(f"    _set(self, {n!r}, {n})\n" for n in names) or "    pass\n"
        space: dict[str, Any] = {}
        exec(f"def __init__(self{''.join(', ' + n for n in names)}):\n{body}", _GLOBALS, space)
        code = _INIT[names] = space["__init__"].__code__
    init = types.FunctionType(code, _GLOBALS, "__init__", defaults or None)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def __setattr__(self, name, value):
    raise FrozenInstanceError(f"cannot assign to field {name!r}")


def __delattr__(self, name):
    raise FrozenInstanceError(f"cannot delete field {name!r}")


def __getstate__(self):
    return [getattr(self, f.name) for f in dataclasses.fields(self)]


def __setstate__(self, state):
    for f, value in zip(dataclasses.fields(self), state):
        object.__setattr__(self, f.name, value)


def _key(names: tuple[str, ...]) -> Callable[[Any], tuple]:
    """The tuple of the attributes `names` of an object (a 1-tuple for one name, as the
    generated methods build)."""
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda obj: (one(obj),)
    return attrgetter(*names)


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field, dataclasses.Field))
def node(cls: type[T]) -> type[T]:
    """`@dataclass(frozen=True, slots=True)`, with one compiled method (NOTE(node-methods))."""
    own = {name for name in ("__eq__", "__hash__", "__repr__") if name in cls.__dict__}
    undocumented = not cls.__doc__
    if undocumented:  # dataclass would write one from inspect.signature: 0.1 ms a class
        cls.__doc__ = "-"
    cls = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True)(cls)
    if undocumented:
        cls.__doc__ = None
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    setattr(cls, "__init__", _init(cls, fields))
    for shared in (__setattr__, __delattr__, __getstate__, __setstate__):
        setattr(cls, shared.__name__, shared)
    compared = _key(tuple(f.name for f in fields if f.compare))
    hashed = _key(tuple(f.name for f in fields if (f.compare if f.hash is None else f.hash)))
    shown = tuple(f.name for f in fields if f.repr)

    def __eq__(self, other):
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self):
        return hash(hashed(self))

    def __repr__(self):
        return f"{self.__class__.__qualname__}({', '.join(f'{n}={getattr(self, n)!r}' for n in shown)})"

    for method in (__eq__, __hash__, __repr__):
        if method.__name__ not in own:
            method.__qualname__ = f"{cls.__qualname__}.{method.__name__}"
            setattr(cls, method.__name__, method)
    return cls
