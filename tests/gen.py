"""Random small, well-typed forkproof models, as text, for the engine agreement tests.

`models()` is a Hypothesis strategy of `Generated(text, params)`: the text goes through the
parser and the type checker like a user's file, and `params` binds every param (runtime
values, NOTE(values) in spec/ir.py).  A generated model covers, at random:

- state variables of every type: bool, ranges (`0..3`, `-2..2`, `0..N`, via a `type`
  alias), an enum, maps (`[Color] 0..2`, `[0..2] bool`, `[bool] [bool] 0..1`, `[P] bool`),
  sets (`set[Color]`, `set[Small]`, `set[P]`: read as entries, `k in s` and `size(s)`, written
  entry by entry or whole with union, difference, intersection or {}), a clock
  (`clock c: 0..2 when C { ... }`, sometimes with `urgent action act0`),
  unbounded `int` and `rat` (fed only from bounded values, so the state space stays
  finite), a process id (`var lead: P`);
- records (NOTE(records)): `record R0 { f0: 0..N, f1: Color }`, sometimes nested (`record R1
  { f0: R0, ... }`) or (not for the counters) with a map field; global record variables, maps
  of records (`[Color] R0`) and record locals of the family (for the counters, only records
  whose sizes do not depend on N); fields read anywhere a variable is (`r.f0`, `m[k].f0.f1`,
  `p.l0.f0`, primed in step invariants), written one at a time (`r.f0 = ...`) or whole (`r =
  {f0: ..., f1: ...}`, `r = s`, swaps, in `for` over a map's keys or the family), compared
  whole with `==` and `!=` to a literal (on either side) or to another record of the type;
- options (NOTE(options)): `option[T]` for T bool, a range (`0..2`, `0..N`, `Small`), the
  enum and (globals only) `int` and `rat`, as global variables, map values (`[Color]
  option[0..2]`), locals of the family (for the counters, of fixed sizes and few local
  states) and record fields; read with `x == none`, `x != none`, `x == some(e)`, `x == y`
  (a literal sometimes on the left) and `value_or(x, d)` wherever a value of T stands;
  written whole only, `x = none`, `x = some(v)` (v kept in range like any write, now and
  then not: a runtime error), `x = y`, swaps; initial values `= none` and `= some(c)`, never
  `= any` or `in D` (nor `= any` for a record with an option field);
- initial values `= c`, `= any`, `in D` and record literals `= {f0: 0, f1: Red}`;
- a process family `process P[N] { var ... }` with N in 1..3;
- params `N: int`, sometimes `Q: rat` and `B: bool`, `assume`;
- defs and thresholds, with and without parameters (`x > 2/3 * N`, `count`, `sum`);
- guarded actions with bool, enum, range and process-id parameters; bodies with
  if/else-if/else, `for` over families, ranges and enums, swaps (`a = b  b = a`);
- arithmetic `+ - *`, unary minus, `div`, `%`, `mod`, `/` with divisors that are
  sometimes zero (and N, open for the counters: `(x * 100) div N >= 67`, `x % N == 0`), `forall`,
  `exists`, `count`, `sum`, `if then else`, `min`, `max`;
- state invariants that sometimes hold and sometimes fail, step invariants with primes (on
  variables and on def calls),
  `property ...: always (...)` and an occasional liveness property;
- for the liveness tests, `fairness_and_liveness`: fairness declarations, weak or strong, for
  whole actions or per parameter, some with a condition of their own (`fair action A when
  C`), and liveness properties of every form.

The state space is kept under `BUDGET` states (before symmetry reduction) and values are
usually kept in range (assignments wrap with `%` or are clamped), so most models run
clean; a few percent of the choices are unsafe on purpose (a divisor that may be zero, a
write that may leave its range, a map key that may miss, two writes to one location), so
that the engines must agree on runtime errors too.  A step writes each variable the type
checker makes (each field of a record, NOTE(records); an option's flag and value, always
together) at most once, so FP206 never fires.

Choices are drawn so that Hypothesis shrinks towards the simplest model: index 0 of every
choice list is the simplest option.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction

from hypothesis import strategies as st

BUDGET = 3000  # states of the full product of the slot domains, before symmetry reduction
COUNTERS_LOCAL = 12  # local states of a record local in a model for the counters (the other locals: 8 at most)
FAMILY = "P"
ENUM = "Color"
MEMBERS = ("Red", "Green", "Blue")


@dataclass(frozen=True)
class Generated:
    text: str
    params: dict[str, object]

    def __str__(self) -> str:
        return f"params {self.params}\n{self.text}"


@dataclass(frozen=True)
class Rec:
    """A declared record type (NOTE(records) in spec/typecheck.py): `record R0 { f0: T, ... }`."""

    name: str
    fields: tuple[tuple[str, "Ty"], ...]

    def field(self, name: str) -> "Ty":
        return dict(self.fields)[name]

    def whole(self) -> bool:
        """Compared and assigned as a whole: no field is a map (a map is never a value)."""
        return all(t.kind != "map" and (t.rec is None or t.rec.whole()) for _, t in self.fields)

    def fixed(self) -> bool:
        """Every part has a size that does not depend on N (a copy's local, for the counters)."""
        return all(t.fixed() for _, t in slots(Ty("record", rec=self)))


@dataclass(frozen=True)
class Ty:
    """A generator-side type: `kind` is bool | range | int | rat | enum | proc | map | record |
    option (NOTE(options): `val` is the type of the value it may hold)."""

    kind: str
    lo: str = ""  # range bounds as text, and their values in this instance
    hi: str = ""
    lov: int = 0
    hiv: int = 0
    key: "Ty | None" = None
    val: "Ty | None" = None
    alias: str | None = None
    set: bool = False  # a map to bool written `set[K]` (NOTE(sets)): the same entries, other syntax
    rec: Rec | None = None  # kind record

    def text(self) -> str:
        if self.alias:
            return self.alias
        match self.kind:
            case "range":
                return f"{self.lo}..{self.hi}"
            case "enum":
                return ENUM
            case "proc":
                return FAMILY
            case "map":
                return f"set[{self.key.text()}]" if self.set else f"[{self.key.text()}] {self.val.text()}"
            case "record":
                return self.rec.name
            case "option":
                return f"option[{self.val.text()}]"
        return self.kind

    @property
    def vk(self) -> str:
        """The kind of value: bool | num | rat | enum | proc (num is any integer)."""
        return {"range": "num", "int": "num"}.get(self.kind, self.kind)

    def leaf(self) -> "Ty":
        t = self
        while t.kind == "map":
            t = t.val
        return t

    def fixed(self) -> bool:
        """A size that does not depend on N (an option's, its value's)."""
        t = self.val if self.kind == "option" else self
        return t.kind != "range" or (t.lo.lstrip("-").isdigit() and t.hi.lstrip("-").isdigit())

    def unbounded(self) -> bool:
        """An int or a rat, or an option of one: written only from bounded values."""
        return self.kind in ("int", "rat") or (self.kind == "option" and self.val.unbounded())


BOOL = Ty("bool")
INT = Ty("int")
RAT = Ty("rat")
PROC = Ty("proc")


def rng(lo: int, hi: int, lo_text: str | None = None, hi_text: str | None = None) -> Ty:
    return Ty("range", lo_text or lit(lo), hi_text or lit(hi), lo, hi)


def mapt(key: Ty, val: Ty) -> Ty:
    return Ty("map", key=key, val=val)


def opt(val: Ty) -> Ty:
    """`option[val]` (NOTE(options))."""
    return Ty("option", val=val)


def lit(v: int) -> str:
    return str(v) if v >= 0 else f"-{-v}"


Path = tuple[str, ...]  # fields, outermost first: ("x", "f0") is `r.x.f0` (or `m[k].x.f0`)


def slots(ty: Ty, path: Path = ()) -> list[tuple[Path, Ty]]:
    """The scalar parts of a location of type `ty`: (field path, type), one per field of a
    record, nested records included (the variables the type checker makes, NOTE(records));
    for any other type just ((), its leaf).  An option is one part: the type checker makes it
    two variables, `x.some` and `x.value` (NOTE(options)), but it is only ever written whole
    (`x = none`, `x = some(v)`, `x = y`), both at once."""
    while ty.kind == "map":
        ty = ty.val
    if ty.kind == "record":
        return [s for f, t in ty.rec.fields for s in slots(t, path + (f,))]
    return [(path, ty)]


def unindexed(ty: Ty, path: Path = ()) -> list[tuple[Path, Ty]]:
    """The scalar parts of `ty` that are read without a key: `x`, `r.f0`, `r.x.f1`."""
    if ty.kind == "map":
        return []
    if ty.kind == "record":
        return [s for f, t in ty.rec.fields for s in unindexed(t, path + (f,))]
    return [(path, ty)]


def records_in(ty: Ty, path: Path = ()) -> list[tuple[Path, Ty]]:
    """(field path, record type) of every record in a location of type `ty`, itself first."""
    while ty.kind == "map":
        ty = ty.val
    if ty.kind != "record":
        return []
    return [(path, ty)] + [r for f, t in ty.rec.fields for r in records_in(t, path + (f,))]


def root(name: str, path: Path) -> str:
    """The name of a variable the type checker makes: `g1.x.f0` (for an option, of the pair
    `g1.x.f0.some` and `.value`, written together); each is written once a step."""
    return name + "".join(f".{f}" for f in path)


@dataclass
class Var:
    name: str
    ty: Ty
    local: bool = False  # a local of the family P
    init: str | None = None  # the initial value of every entry, when it is one constant
    field_inits: dict[Path, str] = field(default_factory=dict)  # the same, of each field of a record

    def init_of(self, path: Path) -> str | None:
        return self.field_inits.get(path) if path else self.init


@dataclass
class Def:
    name: str
    params: list[tuple[str, Ty]]
    vk: str  # the kind of its value
    threshold: bool = False


@dataclass
class _Model:
    n: int  # the family size, also the value of N
    enum_size: int
    family: bool
    has_q: bool
    has_b: bool
    counters: bool = False  # only what the counter abstraction handles (`models(counters=True)`)
    records: list[Rec] = field(default_factory=list)
    globals: list[Var] = field(default_factory=list)
    locals: list[Var] = field(default_factory=list)
    defs: list[Def] = field(default_factory=list)


class _Gen:
    """Draws one model; `self.scope` holds the bound names (name -> Ty) while generating."""

    def __init__(self, draw, m: _Model):
        self.draw, self.m = draw, m
        self.scope: dict[str, Ty] = {}
        self.counter = 0
        self.primes = False  # step invariants: state reads may be primed
        self.bounded_only = False  # right-hand sides of unbounded variables: no int/rat reads
        self.unsafe = True  # whether risky choices are allowed here
        self.keys = 0  # keys being drawn, one inside another (`m[n[k]]`)

    # ------------------------------------------------------------ choices

    def pick(self, options):
        return self.draw(st.sampled_from(list(options)))

    def chance(self, n: int) -> bool:
        """True with probability about 1/n (False is the simpler, shrunk-to value)."""
        return self.draw(st.integers(0, n - 1)) == n - 1

    def risky(self, n: int = 12) -> bool:
        return self.unsafe and self.chance(n)

    def fresh(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    # ------------------------------------------------------------ availability

    def proc_vars(self) -> list[Var]:
        return [v for v in self.m.globals if v.ty.kind == "proc"]

    def can(self, vk: str) -> bool:
        if vk != "proc":
            return True
        return any(t.kind == "proc" for t in self.scope.values()) or bool(self.proc_vars())

    def members(self) -> list[str]:
        return list(MEMBERS[: self.m.enum_size])

    # ------------------------------------------------------------ state reads

    def reads(self, vk: str) -> list:
        """Producers of state reads of value kind vk (each a function of no arguments)."""
        return [f for *_, f in self.var_reads(vk)]

    def var_reads(self, vk: str) -> list:
        """(variable, field path, type, producer of a read of one of its entries) for value
        kind vk: a variable, or a field of a record in it; for vk "option", the places that
        hold an option (NOTE(options)), read only through `==`, `!=` and `value_or`."""
        out = []
        for v in self.m.globals:
            for path, leaf in slots(v.ty):
                if self.bounded_only and leaf.unbounded():
                    continue
                if leaf.vk == vk and self.indexable(v.ty):
                    out.append((v, path, leaf, lambda v=v, path=path: self.location(v.name, v.ty, path=path)))
        if self.can("proc"):
            for v in self.m.locals:
                for path, leaf in slots(v.ty):
                    if leaf.vk == vk and self.indexable(v.ty):
                        out.append((v, path, leaf, lambda v=v, path=path:
                                    self.location(f"{self.proc_atom()}.{v.name}", v.ty, path=path)))
        return out

    def near_start(self) -> str | None:
        """A condition true in the initial states that actions may falsify: an entry (or a
        field) still at, or not far from, its initial value."""
        pairs = [(v, path, leaf, f) for vk in ("num", "bool", "enum", "option") for v, path, leaf, f in self.var_reads(vk)
                 if v.init_of(path) is not None and leaf.kind != "int"]
        if not pairs:
            return None
        v, path, leaf, f = self.pick(pairs)
        x, init = f(), v.init_of(path)  # an option's: `x == none`, `x == some(1)`
        if leaf.kind == "range":
            start = int(init)
            if self.chance(2):
                return f"{x} >= {lit(self.draw(st.integers(leaf.lov, start)))}"
            return f"{x} <= {lit(self.draw(st.integers(start, leaf.hiv)))}"
        return f"{x} == {init}"

    def indexable(self, ty: Ty) -> bool:
        """Every key of the maps in `ty` (in its records' fields too) can be written here."""
        if ty.kind == "map":
            return self.can(ty.key.vk) and self.indexable(ty.val)
        if ty.kind == "record":
            return all(self.indexable(t) for _, t in ty.rec.fields)
        return True

    def location(self, base: str, ty: Ty, read: bool = True, path: Path = ()) -> str:
        """`base[k]...` down to a scalar, through the fields in `path` (`base[k].x.f0`), or
        down to the record at the end of `path`; primed sometimes in step invariants; a read
        of a set's entry is sometimes `k in s` (NOTE(sets))."""
        primed = self.primes and not (self.m.counters and "." in base) and self.chance(2)
        saved, self.primes = self.primes, False  # keys are read in the pre-state
        text = base
        if read and ty.set and self.chance(2):
            key = self.key(ty.key)
            self.primes = saved
            return f"({key} in {base}{chr(39) if primed else ''})"
        fields = list(path)
        while ty.kind == "map" or (ty.kind == "record" and fields):
            if ty.kind == "map":
                text += f"[{self.key(ty.key)}]"
                ty = ty.val
            else:
                text += f".{fields[0]}"
                ty = ty.rec.field(fields.pop(0))
        self.primes = saved
        return text + ("'" if primed else "")

    # ------------------------------------------------------------ records (NOTE(records))

    def record_places(self, rec: Rec) -> list:
        """Producers of readable places that hold a `rec` record: a variable, a map entry, a
        copy's local or a field of any of them of that record type."""
        out = []
        for v in self.m.globals:
            if self.indexable(v.ty):
                out += [lambda v=v, path=path: self.location(v.name, v.ty, path=path)
                        for path, t in records_in(v.ty) if t.rec == rec]
        if self.can("proc"):
            for v in self.m.locals:
                if self.indexable(v.ty):
                    out += [lambda v=v, path=path: self.location(f"{self.proc_atom()}.{v.name}", v.ty, path=path)
                            for path, t in records_in(v.ty) if t.rec == rec]
        return out

    def comparable(self) -> list[Rec]:
        """Record types that have a readable place here and can be compared whole."""
        return [r for r in self.m.records if r.whole() and self.record_places(r)]

    def record_literal(self, rec: Rec, value) -> str:
        """`{f0: ..., f1: ...}`: `value(field type, path)` gives each scalar field; a record
        field is another place of its type or a literal of its own."""
        def build(r: Rec, path: Path) -> str:
            parts = []
            for f, t in r.fields:
                if t.kind == "record":
                    places = self.record_places(t.rec)
                    inner = self.pick(places)() if places and self.chance(3) else build(t.rec, path + (f,))
                    parts.append(f"{f}: {inner}")
                else:
                    parts.append(f"{f}: {value(t, path + (f,))}")
            return "{" + ", ".join(parts) + "}"
        return build(rec, ())

    def record_equal(self, d: int) -> str:
        """`r == s` or `r != {f0: 0, ...}` (a literal sometimes on the left)."""
        rec = self.pick(self.comparable())
        a = self.pick(self.record_places(rec))()
        op = self.pick(["==", "!="])
        if self.chance(2):
            return f"({a} {op} {self.pick(self.record_places(rec))()})"
        b = self.record_literal(rec, lambda t, _: self.option_operand(t, d) if t.kind == "option" else
                                _const(self, t) if not self.chance(3) else self.expr(t.vk, d))
        return f"({b} {op} {a})" if self.chance(3) else f"({a} {op} {b})"

    def record_value(self, rec: Rec, target: str) -> str:
        """A value for the record place `target`: another place of its type (`r = s`) or a
        literal whose fields are written like scalar locations (`{f0: (if r.f0 < 2 then ...)}`)."""
        places = self.record_places(rec)
        if places and self.chance(3):
            return self.pick(places)()
        return self.record_literal(rec, lambda t, path: self.rhs(t, root(target, path), 1))

    # ------------------------------------------------------------ options (NOTE(options))

    def option_places(self, ty: Ty) -> list:
        """Producers of readable places that hold an option of type `ty` (a variable, a map
        entry, a copy's local, a record's field), unbounded ones too: a copy (`x = y`) or a
        comparison never makes a value grow."""
        saved, self.bounded_only = self.bounded_only, False
        try:
            return [f for _, _, t, f in self.var_reads("option") if t == ty]
        finally:
            self.bounded_only = saved

    def option_operand(self, ty: Ty, d: int) -> str:
        """What an option of type `ty` is compared with or set to: `none`, `some(e)` (e of
        the value's kind, in its range or not), or another place of the type."""
        choice = self.draw(st.integers(0, 3))
        if choice == 0:
            return "none"
        if choice == 1 and (places := self.option_places(ty)):
            return self.pick(places)()
        if choice == 2 and ty.val.kind != "int" and ty.val.kind != "rat":
            return f"some({_const(self, ty.val)})"
        return f"some({self.expr(ty.val.vk, d)})"

    def option_test(self, d: int) -> str:
        """`x == none`, `x != some(e)`, `x == y` (the literal sometimes on the left)."""
        ty, f = self.pick([(t, f) for _, _, t, f in self.var_reads("option")])
        a, b = f(), "none" if not self.chance(2) else self.option_operand(ty, d)
        op = self.pick(["==", "!="])
        return f"({b} {op} {a})" if self.chance(4) else f"({a} {op} {b})"

    def option_value(self, ty: Ty, target: str, depth: int) -> str:
        """A value for the option place `target`: `none`, another option of its type (`x =
        y`), or `some(v)` with v written like a scalar location whose present value is
        `value_or(target, first)` (kept in range, now and then not: a runtime error, a
        little more often than for a plain range, which a some(v) of a bool or an enum
        never risks)."""
        choice = self.draw(st.integers(0, 4))
        if choice == 0:
            return "none"
        if choice == 1 and (places := self.option_places(ty)):
            return self.pick(places)()
        current = f"value_or({target}, {_first(ty.val)})"
        if ty.val.kind == "range" and self.risky(10):  # may leave the range: some(v) fails as x = v would
            return f"some({self.pick([f'{current} + 1', f'{current} - 1', self.expr('num', depth)])})"
        return f"some({self.rhs(ty.val, current, depth)})"

    def value_or(self, vk: str) -> list:
        """Producers of `value_or(x, d)` of value kind vk (NOTE(options)): d a constant, a
        bound name or a plain state read (never another value_or, so that reads end)."""
        out = []
        for _, _, t, f in self.var_reads("option"):
            if t.val.vk == vk:
                out.append(lambda f=f: f"value_or({f()}, {self.default(vk)})")
        return out

    def default(self, vk: str) -> str:
        lits = {"bool": ["false", "true"], "num": ["0", "1", "2", "N"], "rat": ["0", "(1/2)", "1"],
                "enum": self.members()}[vk]
        bound = [n for n, t in self.scope.items() if t.vk == vk and not (self.bounded_only and t.kind in ("int", "rat"))]
        choice = self.draw(st.integers(0, 2))
        if choice == 1 and bound:
            return self.pick(bound)
        if choice == 2 and (reads := self.reads(vk)):
            return self.pick(reads)()
        return self.pick(lits)

    def sets(self) -> list[str]:
        """Readable set variables, as text (a local one of some copy)."""
        out = [v.name for v in self.m.globals if v.ty.set and self.can(v.ty.key.vk)]
        if self.can("proc"):
            out += [f"{self.proc_atom()}.{v.name}" for v in self.m.locals if v.ty.set and self.can(v.ty.key.vk)]
        return out

    def proc_atom(self) -> str:
        """A process id that can take `.x` directly: a bound name or the variable lead."""
        names = [n for n, t in self.scope.items() if t.kind == "proc"] + [v.name for v in self.proc_vars()]
        return self.pick(names)

    def key(self, ty: Ty) -> str:
        if ty.kind == "proc" and self.m.counters:  # a set of ids (NOTE(sets)): the copy itself, not one chosen by a condition
            return self.proc_atom()
        if self.keys >= 2:  # a key in a key in a key: a constant or a bound name, so that reads end
            if ty.kind == "proc":
                return self.proc_atom()
            bound = [n for n, t in self.scope.items() if t == ty]
            return self.pick(bound) if bound and self.chance(2) else _const(self, ty)
        self.keys += 1
        try:
            return self._key(ty)
        finally:
            self.keys -= 1

    def _key(self, ty: Ty) -> str:
        if ty.kind != "range":
            return self.expr(ty.vk, 1)
        same = [n for n, t in self.scope.items() if t.kind == "range" and (t.lov, t.hiv) == (ty.lov, ty.hiv)]
        same += [v.name for v in self.m.globals if v.ty.kind == "range" and (v.ty.lov, v.ty.hiv) == (ty.lov, ty.hiv)
                 and not self.primes]
        choice = self.draw(st.integers(0, 3))
        if choice == 0 or (choice == 1 and not same):
            return lit(self.draw(st.integers(ty.lov, ty.hiv)))
        if choice == 1:
            return self.pick(same)
        if self.risky(6):
            return self.expr("num", 1)  # may miss the key range
        return self.wrap(self.expr("num", 1), ty)

    # ------------------------------------------------------------ expressions

    def expr(self, vk: str, depth: int) -> str:
        if depth <= 0 or self.draw(st.integers(0, 2)) == 0:
            return self.leaf(vk)
        return getattr(self, f"_{vk}")(depth - 1)

    def leaf(self, vk: str) -> str:
        opts = self.reads(vk)
        bound = [n for n, t in self.scope.items() if t.vk == vk and not (self.bounded_only and t.kind in ("int", "rat"))]
        lits = {"bool": ["true", "false"], "num": ["0", "1", "2", "3", "N"], "rat": ["1/2", "2/3", "0.5", "75%", "1"],
                "enum": self.members(), "proc": []}[vk]
        if vk == "rat" and self.m.has_q:
            lits.append("Q")
        if vk == "bool" and self.m.has_b:
            lits.append("B")
        options = self.value_or(vk)  # NOTE(options)
        # weighted towards state reads: constant-heavy expressions decide nothing
        kinds = [k for k, ok in (("lit", lits), ("bound", bound), ("bound", bound), ("read", opts), ("read", opts),
                                 ("read", opts), ("option", options)) if ok]
        k = self.pick(kinds)
        if k == "option":
            return self.pick(options)()
        if k == "lit":
            text = self.pick(lits)
            return f"({text})" if "/" in text else text
        if k == "bound":
            return self.pick(bound)
        return self.pick(opts)()

    def calls(self, vk: str) -> list[Def]:
        return [] if self.bounded_only else [d for d in self.m.defs if d.vk == vk and all(self.can(t.vk) for _, t in d.params)]

    def call(self, d: Def, depth: int) -> str:
        # a step invariant sometimes reads the def after the step (NOTE(primed-def)); not for the
        # counters, where a def over a copy's locals read both ways is refused by design
        primed = self.primes and not self.m.counters and self.chance(2)
        saved, self.primes = self.primes, self.primes and not primed  # its arguments are primed with it
        try:
            if not d.params:
                text = d.name + ("()" if self.chance(3) else "")
            else:
                text = f"{d.name}({', '.join(self.arg(t, depth) for _, t in d.params)})"
        finally:
            self.primes = saved
        return text + ("'" if primed else "")

    def arg(self, t: Ty, depth: int) -> str:
        if t.kind == "int":
            return self.expr("num", depth)
        return self.expr(t.vk, depth)

    def _bool(self, d: int) -> str:
        forms = ["cmp", "cmp", "not", "andor", "andor", "eq", "quant", "if", "call", "rat_threshold", "div_threshold"]
        if self.comparable():
            forms += ["record", "record"]
        if self.var_reads("option"):
            forms += ["option", "option"]
        f = self.pick(forms)
        if f == "call" and not self.calls("bool"):
            f = "cmp"
        match f:
            case "option":  # NOTE(options)
                return self.option_test(d)
            case "record":  # NOTE(records)
                return self.record_equal(d)
            case "cmp":
                a, b = self.pick([("num", "num"), ("num", "rat"), ("rat", "num")])
                return f"({self.expr(a, d)} {self.pick(['<', '<=', '>', '>=', '==', '!='])} {self.expr(b, d)})"
            case "not":
                return f"(not {self.expr('bool', d)})"
            case "andor":
                op = self.pick(["and", "or", "implies", "iff"])
                return f"({self.expr('bool', d)} {op} {self.expr('bool', d)})"
            case "eq":
                vk = self.pick([k for k in ("enum", "bool", "proc") if self.can(k)
                                and not (k == "proc" and self.m.counters)])
                return f"({self.expr(vk, d)} {self.pick(['==', '!='])} {self.expr(vk, d)})"
            case "quant":
                name, dom = self.domain()
                q = self.pick(["forall", "exists"])
                with self.bind(name, dom):
                    body = self.expr("bool", d)
                return f"({q} {name} in {dom.text()}: {body})"
            case "if":
                return f"(if {self.expr('bool', d)} then {self.expr('bool', d)} else {self.expr('bool', d)})"
            case "call":
                return self.call(self.pick(self.calls("bool")), d)
            case "rat_threshold":
                what = self.expr("num", d)
                frac = self.pick(["2/3", "1/2", "1/3", "67%", "0.5"] + (["Q"] if self.m.has_q else []))
                return f"({what} {self.pick(['>', '>='])} {frac} * N)"
            case "div_threshold":  # a percentage rounded down, or divisibility, by the open param N
                what = self.expr("num", d)
                if self.chance(3):
                    return f"(({what}) % N {self.pick(['==', '!='])} 0)"
                op = self.pick([">=", ">", "<", "<=", "==", "!="])
                return f"((({what}) * 100) div N {op} {self.pick(['67', '50', '34'])})"
        raise AssertionError(f)

    def _num(self, d: int) -> str:
        f = self.pick(["arith", "neg", "div", "count", "sum", "if", "call", "ratdiv", "minmax", "size"])
        if f == "call" and not self.calls("num"):
            f = "arith"
        if f == "size" and not self.sets():
            f = "count"
        match f:
            case "size":  # NOTE(sets)
                s = self.pick(self.sets())
                return f"size({s}{chr(39) if self.primes and '.' not in s and self.chance(2) else ''})"
            case "arith":
                return f"({self.expr('num', d)} {self.pick(['+', '-', '*'])} {self.expr('num', d)})"
            case "neg":
                return f"(-{self.expr('num', d)})"
            case "div":
                return f"({self.expr('num', d)} {self.pick(['div', '%', 'mod'])} {self.divisor('num')})"
            case "count":
                name, dom = self.domain()
                with self.bind(name, dom):
                    return f"count({name} in {dom.text()} where {self.expr('bool', d)})"
            case "sum":
                name, dom = self.domain()
                with self.bind(name, dom):
                    where = f" where {self.expr('bool', d)}" if self.chance(2) else ""
                    return f"sum({name} in {dom.text()}{where}: {self.expr('num', d)})"
            case "if":
                return f"(if {self.expr('bool', d)} then {self.expr('num', d)} else {self.expr('num', d)})"
            case "call":
                return self.call(self.pick(self.calls("num")), d)
            case "ratdiv":  # a rational floored back to an integer
                return f"({self.expr('rat', d)} div {self.divisor('rat')})"
            case "minmax":
                args = [self.expr("num", d) for _ in range(2 + self.chance(3))]
                return f"{self.pick(['min', 'max'])}({', '.join(args)})"
        raise AssertionError(f)

    def _rat(self, d: int) -> str:
        f = self.pick(["slash", "scale", "add", "mod", "if", "sum", "call", "neg"])
        if f == "call" and not self.calls("rat"):
            f = "slash"
        match f:
            case "slash":
                return f"({self.expr(self.pick(['num', 'rat']), d)} / {self.divisor('num')})"
            case "scale":
                return f"({self.expr('rat', d)} * {self.expr('num', d)})"
            case "add":
                return f"({self.expr('rat', d)} {self.pick(['+', '-'])} {self.expr(self.pick(['num', 'rat']), d)})"
            case "mod":
                return f"({self.expr('rat', d)} % {self.divisor('rat')})"
            case "if":
                return f"(if {self.expr('bool', d)} then {self.expr('rat', d)} else {self.expr('num', d)})"
            case "sum":
                name, dom = self.domain()
                with self.bind(name, dom):
                    return f"sum({name} in {dom.text()}: {self.expr('rat', d)})"
            case "call":
                return self.call(self.pick(self.calls("rat")), d)
            case "neg":
                return f"(-{self.expr('rat', d)})"
        raise AssertionError(f)

    def _enum(self, d: int) -> str:
        return f"(if {self.expr('bool', d)} then {self.expr('enum', d)} else {self.expr('enum', d)})"

    def _proc(self, d: int) -> str:
        return f"(if {self.expr('bool', d)} then {self.expr('proc', d)} else {self.expr('proc', d)})"

    def divisor(self, vk: str) -> str:
        if self.risky(8):
            return self.expr(vk, 1)  # may be zero
        if vk == "rat":
            return self.pick(["(1/2)", "(2/3)", "1", "(3/2)"])
        nonneg = [v.name for v in self.m.globals if v.ty.kind == "range" and v.ty.lov >= 0 and not self.bounded_only]
        opts = ["2", "3", "N", "(-2)", "1"] + [f"({x} + 1)" for x in nonneg]
        return self.pick(opts)

    def domain(self) -> tuple[str, Ty]:
        """A fresh binder and a finite domain to quantify or iterate over."""
        doms = [BOOL, Ty("enum"), rng(0, 2)] + ([] if self.m.counters else [rng(0, self.m.n - 1, hi_text="N - 1")])
        if self.m.family:
            doms.insert(0, PROC)
        return self.fresh("q"), self.pick(doms)

    def bind(self, name: str, ty: Ty):
        gen = self

        class _Bind:
            def __enter__(self):
                gen.scope[name] = ty

            def __exit__(self, *exc):
                del gen.scope[name]

        return _Bind()

    # ------------------------------------------------------------ values stored in state

    def wrap(self, e: str, ty: Ty) -> str:
        """An integer expression folded into the range `ty` with `%`."""
        size = ty.hiv - ty.lov + 1
        width = str(size) if ty.hi.lstrip("-").isdigit() and ty.lo.lstrip("-").isdigit() else f"(({ty.hi}) - ({ty.lo}) + 1)"
        return f"(({e} % {width}) + {ty.lo})" if ty.lov != 0 else f"({e} % {width})"

    def rhs(self, ty: Ty, current: str, depth: int = 2) -> str:
        """A value for a location of type `ty` whose present value reads as `current`."""
        if ty.kind == "range":
            f = self.draw(st.integers(0, 8))
            if f in (0, 2, 3):  # a counter: one step up, kept in range (runs get long)
                return f"(if {current} < {ty.hi} then {current} + 1 else {self.pick([current, ty.lo])})"
            if f == 1:
                return self.wrap(self.expr("num", depth), ty)
            if f == 4:
                return lit(self.draw(st.integers(ty.lov, ty.hiv)))
            if f == 5:
                return f"(if {current} > {ty.lo} then {current} - 1 else {current})"
            if f == 6 and self.risky(3):  # may leave the range
                return self.pick([f"{current} + 1", f"{current} - 1", self.expr("num", depth)])
            if f == 7:
                return f"(if {self.expr('bool', 1)} then {current} else {self.wrap(self.expr('num', 1), ty)})"
            return f"(if {self.expr('bool', 1)} then {lit(ty.hiv)} else {lit(ty.lov)})"
        if ty.kind == "bool" and not self.chance(3):
            return f"(not {current})"
        if ty.kind == "enum" and not self.chance(3):  # the next member, round the circle
            ms = self.members()
            text = ms[0]
            for a, b in reversed(list(zip(ms, ms[1:]))):
                text = f"(if {current} == {a} then {b} else {text})"
            return text
        if ty.kind == "int":
            return self.expr("num", depth)
        if ty.kind == "option":
            return self.option_value(ty, current, depth)
        return self.expr(ty.vk, depth)


# ---------------------------------------------------------------- declarations


def _var_type(g: _Gen, local: bool, budget: int) -> tuple[Ty, int] | None:
    m, n = g.m, g.m.n
    small = rng(0, 2, lo_text="0", hi_text="2")
    if g.chance(4):
        small = Ty("range", "0", "2", 0, 2, alias="Small")
    options = [BOOL, rng(0, 3), rng(-2, 2), Ty("enum"), rng(0, n, hi_text="N"), small,
               mapt(Ty("enum"), rng(0, 2)), mapt(small, BOOL), mapt(BOOL, rng(-1, 1)),
               mapt(BOOL, mapt(BOOL, rng(0, 1))), Ty("map", key=Ty("enum"), val=BOOL, set=True)]
    if local and m.counters:  # a copy's local state: a few scalars of fixed ranges, or a flat map of them
        options = [BOOL, rng(0, 3), rng(-2, 2), Ty("enum"), small, mapt(Ty("enum"), rng(0, 1)), mapt(BOOL, BOOL),
                   Ty("map", key=Ty("enum"), val=BOOL, set=True)]
    if not local:
        options += [INT, RAT]
    ty = g.pick(options)
    # an option (NOTE(options)), or a map of them; a copy's local for the counters holds a
    # value of a fixed size, alone or in a map with two keys (few local states, as below);
    # a record drawn next takes the place of either, as of any other type
    if g.chance(3):
        vals = [BOOL, rng(0, 2), Ty("enum"), rng(0, n, hi_text="N"), small, rng(-2, 2)]
        if not local:
            vals += [INT, RAT]
        if local and m.counters:
            vals = [t for t in vals if t.fixed()]
        o = opt(g.pick(vals))
        ty = g.pick([o, o, o] if o.unbounded() else [o, mapt(Ty("enum"), o), o, mapt(BOOL, o)])
        if local and m.counters and _size(ty, n, m.enum_size) > COUNTERS_LOCAL:
            ty = o
    if not local and m.family and not m.counters and g.chance(10):  # stores ids: no symmetry reduction for P
        ty = g.pick([PROC, mapt(PROC, BOOL)])
    if not local and m.family and m.counters and g.chance(8):  # a set of ids: a flag of each copy (NOTE(sets))
        ty = Ty("map", key=PROC, val=BOOL, set=True)
    if ty.kind == "map" and ty.val == BOOL and g.chance(3):
        ty = Ty("map", key=ty.key, val=BOOL, set=True)
    # a record (NOTE(records)), or a map of them; a copy's local for the counters has fields of
    # fixed sizes, no map field (that would be a map of maps), and few local states, like the
    # other locals there: the explicit runs that check the counters go up to N = 6 or 8
    recs = [Ty("record", rec=r) for r in m.records]
    if local and m.counters:
        recs = [r for r in recs if r.rec.fixed() and _size(r, n, m.enum_size) <= COUNTERS_LOCAL]
    if recs and not g.chance(3):
        rec = g.pick(recs)
        ty = g.pick([rec, mapt(Ty("enum"), rec), rec, mapt(BOOL, rec), rec]
                    + ([] if m.counters else [mapt(small, rec)]))
        if local and m.counters and _size(ty, n, m.enum_size) > COUNTERS_LOCAL:
            ty = rec
    size = _size(ty, n, m.enum_size)
    if size > budget:
        return None
    return ty, size


def _size(ty: Ty, n: int, enum_size: int) -> int:
    match ty.kind:
        case "bool":
            return 2
        case "range":
            return ty.hiv - ty.lov + 1
        case "enum":
            return enum_size
        case "proc":
            return n
        case "int" | "rat":
            return 6  # fed from bounded values only: a handful of values in practice
        case "map":
            return _size(ty.val, n, enum_size) ** _size(ty.key, n, enum_size)
        case "option":  # none is one state (NOTE(options))
            return 1 + _size(ty.val, n, enum_size)
        case "record":
            size = 1
            for _, t in ty.rec.fields:
                size *= _size(t, n, enum_size)
            return size
    raise AssertionError(ty)


def _records(g: _Gen) -> list[Rec]:
    """One or two record types (NOTE(records)): fields of small finite types, sometimes a
    record declared before (nested), sometimes (outside the counters' models) a map, which
    leaves the record to be read and written field by field only."""
    m, out = g.m, []
    for i in range(g.draw(st.integers(1, 2))):
        fields = []
        for j in range(g.draw(st.integers(1, 3))):
            options = [BOOL, rng(0, 2), Ty("enum"), rng(-1, 1), rng(0, m.n, hi_text="N"),
                       Ty("range", "0", "2", 0, 2, alias="Small")]
            options += [Ty("record", rec=r) for r in out] * 3
            ty = g.pick(options)
            if not m.counters and g.chance(10):
                ty = g.pick([mapt(BOOL, rng(0, 1)), mapt(Ty("enum"), BOOL)])
            elif g.chance(5):  # NOTE(options): a field that may hold no value
                ty = opt(g.pick([BOOL, rng(0, 2), Ty("enum"), rng(0, m.n, hi_text="N")]))
            fields.append((f"f{j}", ty))
        out.append(Rec(f"R{i}", tuple(fields)))
    return out


def _first(ty: Ty) -> str:
    """The first value of an option's value type: what a none holds (NOTE(options))."""
    return {"bool": "false", "range": ty.lo, "enum": MEMBERS[0]}.get(ty.kind, "0")


def _const(g: _Gen, ty: Ty) -> str:
    """A constant of a finite scalar type, or an option's (`none`, `some(c)`: of int and
    rat too), valid for every N in the counters' models."""
    match ty.kind:
        case "option":  # mostly none: a value to set
            if not g.chance(3):
                return "none"
            if ty.val.kind in ("int", "rat"):
                return f"some({g.pick(['0', '1', '2'] if ty.val.kind == 'int' else ['0', '(1/2)'])})"
            return f"some({_const(g, ty.val)})"
        case "bool":
            return g.pick(["false", "true"])
        case "range":  # mostly the low end, so counters have a way to go
            if g.m.counters and not ty.hi.lstrip("-").isdigit():
                return ty.lo  # valid for every N
            return lit(ty.lov if g.chance(2) else g.draw(st.integers(ty.lov, ty.hiv)))
        case "enum":
            return g.pick(g.members())
    raise AssertionError(ty)


def _record_init(g: _Gen, v: Var) -> str:
    """`= any`, or `= {f0: c, ...}` (for a map of records, every entry) with constants, which
    `v.field_inits` keeps for `near_start`."""
    if g.chance(4) and not any(t.kind == "option" for _, t in slots(v.ty)):  # an option never starts anywhere
        return "= any"

    def value(t: Ty, path: Path) -> str:
        if t.kind == "map":  # a map field: every entry
            t = t.leaf()
        v.field_inits[path] = _const(g, t)
        return v.field_inits[path]

    rec = v.ty.leaf().rec

    def build(r: Rec, path: Path) -> str:
        return "{" + ", ".join(f"{f}: {build(t.rec, path + (f,)) if t.kind == 'record' else value(t, path + (f,))}"
                               for f, t in r.fields) + "}"
    return "= " + build(rec, ())


def _init(g: _Gen, ty: Ty) -> str:
    if ty.set:
        return g.pick(["= {}", "= any"])
    leaf = ty.leaf()
    if leaf.kind == "option":  # none or some(c), never = any or in D (NOTE(options))
        return "= " + _const(g, leaf)
    finite = leaf.kind in ("bool", "range", "enum", "proc")
    f = g.draw(st.integers(0, 4))
    if f == 1 and finite:
        return "= any"
    if f == 2 and leaf.kind != "proc":
        if leaf.kind == "range":
            if g.m.counters and not leaf.hi.lstrip("-").isdigit():
                return "= any"
            lo = g.draw(st.integers(leaf.lov, leaf.hiv))
            hi = g.draw(st.integers(lo, leaf.hiv))
            return f"in {lit(lo)}..{lit(hi)}"
        if leaf.kind in ("int", "rat"):
            return "in 0..2"
        return f"in {leaf.text()}"
    match leaf.kind:
        case "bool" | "range" | "enum":
            return "= " + _const(g, leaf)
        case "proc":
            return "= any"
        case "int":
            return "= 0"
        case "rat":
            return "= " + g.pick(["0", "1/2"])
    raise AssertionError(leaf)


def _clock(g: _Gen, clock: Var) -> str:
    """`clock c: 0..2 [when C] [{ ... }]` (NOTE(clocks)): what else the tick writes is any
    root but the clock itself."""
    when = f" when {g.expr('bool', 1)}" if g.chance(2) else ""
    roots = _roots(g.m, skip=clock)
    body = _stmts(g, roots, 1) if g.chance(2) else []
    block = f" {{ {'  '.join(body)} }}" if body else ""
    return f"clock {clock.name}: {clock.ty.text()}{when}{block}"


def _action(g: _Gen, index: int) -> str:
    m = g.m
    params: list[tuple[str, Ty]] = []
    for j in range(g.draw(st.integers(0, 2))):
        tys = [BOOL, Ty("enum"), rng(0, 2), rng(0, m.n - 1, hi_text="N - 1")] + ([PROC] if m.family else [])
        if m.counters:  # no domain whose size depends on N, one copy per action
            tys = [BOOL, Ty("enum"), rng(0, 2)] + ([PROC] if not any(t.kind == "proc" for _, t in params) else [])
        params.append((f"a{j}", g.pick(tys)))
    for name, ty in params:
        g.scope[name] = ty
    form = g.draw(st.integers(0, 4))
    guard = ""
    if form in (1, 2):
        guard = f" when {g.expr('bool', 2)}"
    elif form in (3, 4) and (fact := g.near_start()):  # enabled at first, maybe not later
        guard = f" when {fact}" if form == 3 else f" when {fact} and {g.expr('bool', 1)}"
    roots = _roots(m)
    body = _stmts(g, roots, 2)
    g.scope.clear()
    formals = f"({', '.join(f'{n}: {t.text()}' for n, t in params)})" if params else ""
    inner = "".join(f"\n  {line}" for line in body)
    return f"action act{index}{formals}{guard} {{{inner}\n}}"


def _stmts(g: _Gen, roots: set[str], depth: int) -> list[str]:
    """Statements writing each root (a global or a family local) at most once on a path;
    `roots` is updated to what is left."""
    lines: list[str] = []
    for j in range(g.draw(st.integers(0 if depth < 2 else 1, 3))):
        # an action's first statement writes the state: bodies of empty ifs explore nothing
        form = "assign" if depth == 2 and j == 0 else g.pick(["assign", "assign", "if", "for", "swap"])
        if form == "assign":
            lines += _assign(g, roots)
        elif form == "swap":
            lines += _swap(g, roots)
        elif form == "if" and depth > 0:
            cond = g.expr("bool", 2)
            left, right = set(roots), set(roots)
            then = _stmts(g, left, depth - 1)
            tail = ""
            if g.chance(2):
                if g.chance(3):  # else if
                    nested = _stmts(g, right, depth - 1)
                    tail = f" else if {g.expr('bool', 1)} {{ {'  '.join(nested)} }}"
                else:
                    tail = f" else {{ {'  '.join(_stmts(g, right, depth - 1))} }}"
            roots &= left & right
            lines.append(f"if {cond} {{ {'  '.join(then)} }}{tail}")
        elif form == "for" and depth > 0:
            lines += _for(g, roots)
    return lines


def _root(m: _Model, v: Var, name: str, path: Path) -> str:
    """What writing part `path` of `v` (named `name`) uses up: the variable the type checker
    makes for it; in a model for the counters, a copy's local record is one root, written once
    a step (one field or whole), so that writes to it do not move copies in two ways."""
    return name if m.counters and v.local else root(name, path)


def _roots(m: _Model, skip: Var | None = None) -> set[str]:
    """Every root (`_root`) of the model, a family's local named `P.x`: what a step may write
    once."""
    out = {_root(m, v, v.name, p) for v in m.globals if v is not skip for p, _ in slots(v.ty)}
    return out | {_root(m, v, f"P.{v.name}", p) for v in m.locals for p, _ in slots(v.ty)}


def _parts(m: _Model, v: Var, name: str, roots: set[str]) -> list[tuple[Path, bool]]:
    """What of variable `v` (its roots named from `name`) is still writable here: (path,
    False) for a scalar part, (path, True) for a record in it that can be assigned whole
    (`r = {...}`, `r = s`), all of whose fields are still writable."""
    left = [p for p, _ in slots(v.ty) if _root(m, v, name, p) in roots]
    whole = [(p, True) for p, t in records_in(v.ty) if t.rec.whole() and all(q in left for q, _ in slots(t, p))]
    return [(p, False) for p in left] + whole


def _under(m: _Model, v: Var, name: str, path: Path) -> set[str]:
    """The roots a write of `path` in `v` uses up: the field's, or those of every field of a record."""
    return {_root(m, v, name, p) for p, _ in slots(v.ty) if p[: len(path)] == path}


def _targets(g: _Gen, roots: set[str]) -> list[tuple[Var, str]]:
    """(variable, "" or "P.") for the variables with a part still writable here."""
    out = []
    for v in g.m.globals:
        if _parts(g.m, v, v.name, roots) and g.indexable(v.ty) and (v.ty.leaf().kind != "proc" or g.can("proc")):
            out.append((v, ""))
    if g.can("proc"):
        for v in g.m.locals:
            if _parts(g.m, v, f"P.{v.name}", roots) and g.indexable(v.ty):
                out.append((v, "P."))
    return out


def _write(g: _Gen, base: str, ty: Ty, path: Path, whole: bool) -> str:
    """`target = value` for part `path` of the location `base` of type `ty`: a scalar, or a
    whole record (NOTE(records))."""
    if whole:
        target = g.location(base, ty, read=False, path=path)
        return f"{target} = {g.record_value(dict(records_in(ty))[path].rec, target)}"
    leaf = dict(slots(ty))[path]
    saved = g.bounded_only
    g.bounded_only = leaf.unbounded()
    target = g.location(base, ty, read=False, path=path)
    value = g.rhs(leaf, target)
    g.bounded_only = saved
    return f"{target} = {value}"


def _assign(g: _Gen, roots: set[str]) -> list[str]:
    targets = _targets(g, roots)
    if not targets:
        return []
    v, prefix = g.pick(targets)
    name = prefix + v.name
    path, whole = g.pick(_parts(g.m, v, name, roots))
    # a map entry or a copy's local written twice is a runtime error; a variable, FP206
    if not (v.ty.kind == "map" or prefix) or not g.risky(20):
        roots.difference_update(_under(g.m, v, name, path))
    base = f"{g.proc_atom()}.{v.name}" if prefix else v.name
    if v.ty.set and g.chance(2):  # the whole set (NOTE(sets)): every entry is written
        roots.discard(name)
        key = g.key(v.ty.key)
        return [f"{base} = " + g.pick([f"union({base}, {{{key}}})", f"difference({base}, {{{key}}})",
                                       f"intersection({base}, {{{key}}})", "{}"])]
    return [_write(g, base, v.ty, path, whole)]


def _swap(g: _Gen, roots: set[str]) -> list[str]:
    """`a = b  b = a` for two scalar variables of one type, or two records (NOTE(records))."""
    scalars = [v for v in g.m.globals if v.name in roots and v.ty.kind not in ("map", "int", "rat", "record")]
    scalars += [v for v in g.m.globals if v.ty.kind == "record" and v.ty.rec.whole()
                and ((), True) in _parts(g.m, v, v.name, roots)]
    pairs = [(a, b) for a in scalars for b in scalars if a.name < b.name and a.ty == b.ty]
    if not pairs:
        return _assign(g, roots)
    a, b = g.pick(pairs)
    roots.difference_update(_under(g.m, a, a.name, ()) | _under(g.m, b, b.name, ()))
    return [f"{a.name} = {b.name}", f"{b.name} = {a.name}"]


def _for(g: _Gen, roots: set[str]) -> list[str]:
    """A loop whose writes are indexed by the loop variable, so they never collide."""
    m = g.m
    options = []
    locals_left = [v for v in m.locals if _parts(g.m, v, f"P.{v.name}", roots)]
    if m.family and locals_left:
        options.append((PROC, locals_left, "local"))
    for v in m.globals:
        if v.ty.kind == "map" and _parts(g.m, v, v.name, roots):
            options.append((v.ty.key, [v], "map"))
    if not options:
        return _assign(g, roots)
    dom, vs, how = g.pick(options)
    v = g.pick(vs)
    name = f"P.{v.name}" if how == "local" else v.name
    path, whole = g.pick(_parts(g.m, v, name, roots))
    i = g.fresh("i")
    with g.bind(i, dom):
        base = f"{i}.{v.name}" if how == "local" else f"{v.name}[{i}]"
        stmt = _write(g, base, v.ty if how == "local" else v.ty.val, path, whole)
        if g.chance(3):
            stmt = f"if {g.expr('bool', 1)} {{ {stmt} }}"
    roots.difference_update(_under(g.m, v, name, path))
    return [f"for {i} in {dom.text()} {{ {stmt} }}"]


def _def(g: _Gen, index: int) -> tuple[str, Def]:
    m = g.m
    threshold = g.chance(3)
    vk = "bool" if threshold else g.pick(["num", "bool", "rat"])
    params: list[tuple[str, Ty]] = []
    for j in range(g.draw(st.integers(0, 2))):
        params.append((f"p{index}_{j}", g.pick([INT, BOOL, Ty("enum"), RAT] + ([PROC] if m.family else []))))
    for name, ty in params:
        g.scope[name] = ty
    if threshold and m.family and g.chance(2):  # the classic quorum shape
        frac = g.pick(["2/3", "1/2", "67%"] + (["Q"] if m.has_q else []))
        with g.bind("v", PROC):
            body = f"count(v in P where {g.expr('bool', 1)}) {g.pick(['>', '>='])} {frac} * N"
    else:
        body = g.expr(vk, 2)
    g.scope.clear()
    formals = f"({', '.join(f'{n}: {t.text()}' for n, t in params)})" if params else ""
    result = ""
    if not threshold and g.chance(3):
        result = {"num": ": int", "bool": ": bool", "rat": ": rat"}[vk]
    kw = "threshold" if threshold else "def"
    name = f"{'t' if threshold else 'd'}{index}"
    return f"{kw} {name}{formals}{result} = {body}", Def(name, params, vk, threshold)


def _fact(g: _Gen) -> str | None:
    """`near_start`, over every copy of the family or counted, or over the globals."""
    if g.m.family and g.m.locals and g.chance(2):
        name = g.fresh("q")
        with g.bind(name, PROC):
            cond = g.near_start()
        if cond is None:
            return None
        if g.chance(2):
            return f"(forall {name} in P: {cond})"
        return f"count({name} in P where not ({cond})) <= {g.pick(['0', '1', 'N - 1'])}"
    return g.near_start()


def _invariants(g: _Gen) -> list[str]:
    m, out = g.m, []
    g.unsafe = False
    for i in range(g.draw(st.integers(1, 4))):
        form = g.draw(st.integers(0, 10))
        if form >= 6 and (fact := _fact(g)):  # true at the start: violations take steps
            text = fact if form != 7 else f"{fact} {g.pick(['or', 'and'])} {g.expr('bool', 1)}"
        elif form == 0:
            text = g.expr("bool", 2)
        elif form == 1:  # facts about ranges: usually true
            ranged = [(root(v.name, p), t) for v in m.globals for p, t in unindexed(v.ty)
                      if t.kind == "range"]  # a variable or a field of a record
            if ranged:
                x, t = g.pick(ranged)
                text = f"{x} >= {t.lo} and {x} <= {g.pick([t.hi, lit(t.hiv - 1)])}"
            else:
                text = g.expr("bool", 2)
        elif form == 2 and m.family:
            name = g.fresh("q")
            with g.bind(name, PROC):
                text = f"count({name} in P where {g.expr('bool', 1)}) <= {g.pick(['N', 'N - 1', '2/3 * N'])}"
        elif form == 3 or (form == 5 and g.chance(2)):  # a step invariant
            g.primes = True
            monotone = [root(v.name, p) for v in m.globals for p, t in unindexed(v.ty) if t.kind == "range"]
            if not m.counters:  # primed locals are outside the counter abstraction
                monotone += [root(f"q.{v.name}", p) for v in m.locals
                             for p, t in unindexed(v.ty) if t.kind == "range"]  # over every copy
            if monotone and g.chance(2):
                x = g.pick(monotone)
                text = f"{x}' {g.pick(['>=', '<=', '=='])} {x}"
                if g.chance(2):
                    text = f"({text}) or {g.expr('bool', 1)}"
                if x.startswith("q."):
                    text = f"forall q in P: {text}"
            else:
                text = g.expr("bool", 2)
            g.primes = False
        elif form == 4:
            g.unsafe = True  # an invariant whose evaluation may fail
            text = g.expr("bool", 2)
            g.unsafe = False
        else:
            text = f"{g.expr('bool', 1)} implies {g.expr('bool', 2)}"
        out.append(f"invariant inv{i}: {text}")
    if g.chance(4):
        out.append(f"property prop0: always ({g.expr('bool', 2)})")
    if g.chance(8):
        out.append(f"property live0: eventually {g.expr('bool', 1)}")
    return out


@st.composite
def models(draw, budget: int = BUDGET, counters: bool = False) -> Generated:
    """A well-typed model and a binding of its params.

    `counters=True`: a model for the counter abstraction's tests (tests/checker/
    test_counters.py): always a family, `assume N >= 1` (sometimes `N >= 0`), and none of
    what checker/engines/counters/abstraction.py rejects by design (process ids in state or compared, two
    copies in one action, maps of maps as locals, primed locals, domains whose size depends on N)."""
    family = draw(st.integers(0, 2)) > 0 or counters
    n = draw(st.sampled_from([2, 1, 3, 2, 3]))  # mostly two or more copies: symmetry has work
    m = _Model(n=n, enum_size=draw(st.sampled_from([3, 2, 1])), family=family,
               has_q=draw(st.integers(0, 3)) == 3, has_b=draw(st.integers(0, 3)) == 3, counters=counters)
    g = _Gen(draw, m)
    left = budget
    decls = ["param N: int"]
    params: dict[str, object] = {"N": n}
    if m.has_q:
        decls.append("param Q: rat")
        params["Q"] = draw(st.sampled_from([Fraction(2, 3), Fraction(1, 2), Fraction(3, 4)]))
    if m.has_b:
        decls.append("param B: bool")
        params["B"] = draw(st.booleans())
    if counters:  # family sizes must be valid for every N the assumptions allow
        decls.append("assume N >= 0" if draw(st.integers(0, 3)) == 3 else "assume N >= 1")
    elif draw(st.booleans()):
        decls.append("assume N >= 1")
    decls.append(f"enum {ENUM} {{ {', '.join(MEMBERS[: m.enum_size])} }}")
    decls.append("type Small = 0..2")
    if draw(st.integers(0, 2)) > 0:  # NOTE(records): variables of these types come next
        m.records = _records(g)
        decls += [f"record {r.name} {{ {', '.join(f'{f}: {t.text()}' for f, t in r.fields)} }}" for r in m.records]
    if family:  # locals first: their cost is a power of N
        for i in range(0 if g.chance(6) else draw(st.integers(1, 2))):
            got = _var_type(g, True, left)
            if got is None or got[1] ** n > left:
                continue
            left //= got[1] ** n
            m.locals.append(Var(f"l{i}", got[0], local=True))
    for i in range(draw(st.integers(1, 4))):
        got = _var_type(g, False, left)
        if got is None:
            continue
        ty, size = got
        name = f"{'m' if ty.kind == 'map' else 'g'}{i}" if ty.kind != "proc" else "lead"
        if any(v.name == name for v in m.globals):
            continue
        left //= size
        m.globals.append(Var(name, ty))
    clock = None
    if left >= 3 and g.chance(5):  # NOTE(clocks): read and written like any variable
        clock = Var(f"c{len(m.globals)}", rng(0, 2), init="0")
        left //= 3
        m.globals.append(clock)
    inits = {id(v): _record_init(g, v) if records_in(v.ty) else _init(g, v.ty) for v in m.globals + m.locals}
    if clock is not None:
        inits[id(clock)] = "= 0"
    for v in m.globals + m.locals:
        if inits[id(v)].startswith("= ") and inits[id(v)] != "= any" and not records_in(v.ty):
            v.init = "false" if inits[id(v)] == "= {}" else inits[id(v)][2:]
    for i in range(draw(st.integers(0, 3))):
        text, d = _def(g, i)
        decls.append(text)
        m.defs.append(d)
    actions = [_action(g, i) for i in range(draw(st.integers(1, 4)))]
    invariants = _invariants(g)
    var_lines = [f"var {v.name}: {v.ty.text()} {inits[id(v)]}" for v in m.globals if v is not clock]
    if clock is not None:
        var_lines.append(_clock(g, clock))
        if g.chance(3):
            var_lines.append("urgent action act0")
    if family:
        body = "".join(f"\n  var {v.name}: {v.ty.text()} {inits[id(v)]}" for v in m.locals)
        size = g.pick(["N", "N + 0"])
        var_lines.append(f"process P[{size}] {{{body}\n}}")
    parts = decls + var_lines + actions + invariants
    if draw(st.integers(0, 4)) == 4:  # declaration order does not matter (params first)
        head = [p for p in parts if p.startswith("param")]
        parts = head + [p for p in parts if not p.startswith("param")][::-1]
    return Generated("model Gen\n\n" + "\n".join(parts) + "\n", params)


_ACTION = re.compile(r"^action (\w+)(?:\(([^)]*)\))?", re.M)
_BOOL_GLOBAL = re.compile(r"^var (\w+): bool", re.M)
_BOOL_LOCAL = re.compile(r"^  var (\w+): bool", re.M)


def fairness_and_liveness(draw, text: str, counters: bool = False, assume: bool | None = None) -> str:
    """Lines to append to a generated model: fairness declarations for some of its actions and
    one to three liveness properties over its bool variables.  A declaration is weak or
    strong, for the whole action or per some of its parameters, and sometimes has a condition
    of its own (NOTE(fair-when) in checker/semantics/temporal.py) over the state and the
    action's bool parameters.  A liveness property sometimes (`assume` None; every one with
    `assume` True, none with False) has one or two assumptions, `always eventually A` or
    `eventually always A` (NOTE(assume)).  `counters`: no fairness per copy (the counters
    refuse it), and conditions and properties also read the copies' bool locals (of the
    copy the action moves, or over every copy)."""
    local = _BOOL_LOCAL.findall(text) if counters else []
    atoms = ["true", "false", *_BOOL_GLOBAL.findall(text),
             *(f"(exists q in {FAMILY}: q.{x})" for x in local), *(f"(forall q in {FAMILY}: q.{x})" for x in local)]

    def pred(extra=()) -> str:
        a = draw(st.sampled_from(atoms + list(extra)))
        return f"not {a}" if draw(st.booleans()) else a

    lines = []
    for name, params in _ACTION.findall(text):
        if not draw(st.integers(0, 2)):
            continue
        strong = "strong " if draw(st.booleans()) else ""
        formals = [(p.split(":")[0].strip(), p.split(":")[1].strip()) for p in params.split(",") if p.strip()]
        per = [n for n, ty in formals if not (counters and ty == FAMILY) and draw(st.booleans())]
        cond = ""
        if draw(st.integers(0, 2)) == 0:
            extra = [n for n, ty in formals if ty == "bool"]
            extra += [f"{n}.{x}" for n, ty in formals if ty == FAMILY for x in local]
            cond = f" when {pred(extra)}" + (f" {draw(st.sampled_from(['and', 'or']))} {pred(extra)}"
                                             if draw(st.booleans()) else "")
        lines.append(f"{strong}fair action {name}" + (f"({', '.join(per)})" if per else "") + cond)
    forms = [lambda: f"eventually {pred()}", lambda: f"{pred()} ~> {pred()}", lambda: f"always eventually {pred()}",
             lambda: f"eventually always {pred()}", lambda: pred()]
    for i in range(draw(st.integers(1, 3))):
        make = draw(st.sampled_from(forms[:4] if assume else forms))
        form = make()
        if make is not forms[4] and (assume or (assume is None and draw(st.integers(0, 3)) == 3)):
            assumed = [f"{draw(st.sampled_from(['always eventually', 'eventually always']))} {pred()}"
                       for _ in range(draw(st.integers(1, 2)))]
            form = f"{' and '.join(assumed)} implies ({form})"
        lines.append(f"property live_{i}: {form}")
    return "\n" + "\n".join(lines) + "\n"
