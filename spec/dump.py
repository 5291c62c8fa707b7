"""Any stage's value as JSON, for debugging (`forkproof parse --dump-ir`).

Dataclass nodes become {"node": ClassName, field: value, ...}; spans become
"line:col" ("file:line:col" in an imported library); enums their value; Fractions "p/q".
"""
from __future__ import annotations

import dataclasses
import enum
from fractions import Fraction

from forkproof.spec.errors import Span


def to_json(x: object) -> object:
    if isinstance(x, Span):  # NOTE(span-file): a span in an imported library names it
        return f"{x.line}:{x.col}" if x.file is None else f"{x.file}:{x.line}:{x.col}"
    if dataclasses.is_dataclass(x) and not isinstance(x, type):
        out: dict[str, object] = {"node": type(x).__name__}
        for f in dataclasses.fields(x):
            if f.metadata.get("dump") is False:
                continue
            value = getattr(x, f.name)
            if value is None or (f.name == "span" and value is None):
                continue
            out[f.name] = to_json(value)
        return out
    if isinstance(x, enum.Enum):
        return x.value
    if isinstance(x, Fraction):
        return str(x)
    if isinstance(x, (list, tuple)):
        return [to_json(v) for v in x]
    if isinstance(x, dict):
        return {str(k): to_json(v) for k, v in x.items()}
    return x
