"""NOTE(limits): what one run may take on, checked before the work that would exceed it.

A hostile or mistaken model must end in a located error or an unknown verdict, never in a
crash, a MemoryError or a run that ignores its time budget.  Each limit is checked where the
size first becomes known, before the work that depends on it:

| limit       | default   | checked                                                      | error |
|-------------|-----------|--------------------------------------------------------------|-------|
| `file-size` | 1 MiB     | a model or library file, before it is parsed                 | FP003 |
| `nesting`   | 100       | the depth of the parse tree, before it becomes the AST       | FP105 |
| `digits`    | 1,000     | an integer literal or param value; a value computed in a run | FP107; unknown |
| `domain`    | 1,000,000 | a range or family enumerated, an action's argument tuples,   | FP408 |
|             |           | the slots of a state, the values of `any` in one variable    |       |
| `work`      | 1,000,000 | a def or expression with every def call expanded (at load,   | FP409 |
|             |           | for every engine); the nodes compiled for one instance, every|       |
|             |           | `for` unrolled, a quantifier's body counted once per value   |       |

The defaults are far above every shipped model (the deepest parse tree among them is 14
levels; compiled at N = 12, the largest is Cardano's at 17,931 nodes) and below what breaks
a run: with Python's default stack the passes failed past 241 nested `if` statements (482
levels of the tree) and 327 nested calls (the compiler's three frames a level), so
`--limit nesting` stops at 250 and a def's expanded depth at 250 (tests/test_limits.py runs
each construct at the limit through the explicit engine and bmc).  `--limit NAME=VALUE` raises one for a run; the error names it.  docs/limits.md
lists them for users.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from forkproof.spec.errors import Diagnostic, ModelError


@dataclass(frozen=True)
class Limits:
    file_size: int = 1 << 20
    nesting: int = 100
    digits: int = 1000
    domain: int = 1_000_000
    work: int = 1_000_000

    def raise_hint(self, name: str) -> str:
        """How to raise the limit `name` ("nesting"), for an error message."""
        return f"the limit `{name}` is {getattr(self, name.replace('-', '_')):,}; raise it with --limit {name}=N"

    def past_digits(self, what: object) -> str:
        """A number past `digits` (`what`: ValueLimit's description of it), for a stop reason."""
        return f"{what}, past the limit ({self.raise_hint('digits')})"

    @property
    def value_bound(self) -> int:
        """Computed integers stay strictly between -bound and bound (`digits`)."""
        return 10 ** self.digits


MAX_NESTING = 250  # the deepest the passes over a model (type checker, compiler, Z3 encoder) stay in Python's stack
MAX_DIGITS = 4000  # below Python's own limit on int <-> str conversion (4300 digits)
NAMES = tuple(f.name.replace("_", "-") for f in dataclasses.fields(Limits))
DEFAULT = Limits()


def parse_limits(items: tuple[str, ...] | list[str], base: Limits = DEFAULT) -> Limits:
    """`--limit NAME=VALUE` items over `base`; ModelError (FP010) for an unknown name or a
    value that is not a positive integer (1M, 2G, 10K and 1e6 are read as such)."""
    values: dict[str, int] = {}
    for item in items:
        name, eq, text = item.partition("=")
        name = name.strip()
        if not eq or name not in NAMES:
            raise ModelError(Diagnostic("FP010", f"--limit {item!r}: expected NAME=VALUE with NAME one of "
                                                 f"{', '.join(NAMES)}"))
        value = _number(text.strip())
        if value is None or value < 1:
            raise ModelError(Diagnostic("FP010", f"--limit {item!r}: the value must be a positive integer "
                                                 "(such as 200, 5M or 2G)"))
        if name == "nesting" and value > MAX_NESTING:
            raise ModelError(Diagnostic("FP010", f"--limit {item!r}: nesting can be at most {MAX_NESTING} (deeper "
                                                 "models would run out of Python's stack in the passes over them)"))
        if name == "digits" and value > MAX_DIGITS:
            raise ModelError(Diagnostic("FP010", f"--limit {item!r}: digits can be at most {MAX_DIGITS} "
                                                 "(Python reads and prints no longer integers)"))
        values[name.replace("-", "_")] = value
    return dataclasses.replace(base, **values)


def _number(text: str) -> int | None:
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:].upper(), 1) if text else 1
    digits = text[:-1] if scale != 1 else text
    if len(digits) > 30:
        return None
    try:
        if "e" in digits.lower():
            f = float(digits)
            return int(f) * scale if f == int(f) else None
        return int(digits.replace("_", "")) * scale
    except ValueError:
        return None
