"""`forkproof conform MODEL RULE --impl MODULE:FUNCTION`: a `def` or `threshold` of the model
compared with a Python function on every input of a bounded domain, then on inputs Hypothesis
draws beyond it.

NOTE(conform-inputs): a rule's inputs are its own parameters, the params it depends on (read
in its body or in a def it calls, or sizing what it reads: `V` sizes `blocks: [0..V] ...`), the
global variables it reads and, for each process family it reads, the family's copies with the
locals it reads.  The function is called with keyword arguments named after them, in the shape
NOTE(python-values) in checker/run/values.py gives (`blocks` a dict from version to count,
`Validator` a list of `{"ballot": "Yes"}` dicts); it takes the ones it names, or all of them
with `**kwargs`.  A name with a dot (a record's field) has `_` in its place.

NOTE(conform-domain): the bounded domain is every instance `check` would plan, except that
an int param with no value (no `--param`, default or sweep) takes each value from 0 (or its
range's low end) to `--up-to` that the assumptions allow; params the rule does not depend on
keep one value each.  Within an instance, every combination of the rule's parameters and of
the values of every slot it reads: a finite type's values, an unbounded int 0..up_to, a rat
every p/q with p in 0..up_to and q in 1..up_to.  A domain larger than `max_inputs` is
shrunk by lowering up_to for the open int params (a note says so), or refused (FP533).

NOTE(conform-smallest): inputs are ordered by their instance (the sum of the int params the
rule depends on, then their values in declaration order), then by the sum of the input's
numbers (an enum member counts its position, false 0 and true 1, an id its index, an int
its absolute value), then by its values in input order.  The domain is compared in full;
the smallest disagreeing input is reported with how many disagree.

NOTE(conform-beyond): then `examples` inputs are drawn by Hypothesis over larger params:
every int param not bound by `--param` (defaults too: a default sizes a model for checking,
while a rule should hold at every size), an unbounded int or rat over all its values.  A
param that sizes what the rule reads draws up to three times the domain's largest value (an
input of more than MAX_SLOTS values is not drawn); any other up to 2**64.  Hypothesis shrinks a
disagreement, and the smallest disagreement of that input's instance is reported (when
the instance fits in `max_inputs`).  Derandomized unless a seed is given, so the same
command gives the same report.

NOTE(conform-exit): 0 the rule and the function agree on every input compared; 1 an input
where they disagree; 2 a wrong command line or model, an unknown rule, an --impl that cannot
be loaded or called, a function that raises or returns a value of the wrong type (reported
at its line, in the model's terms); 3 an internal error.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import itertools
import linecache
import math
import os
import random
import sys
import traceback
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterator

from forkproof.run.plan import plan, scope_of
from forkproof.run.values import Variable, leaf_domain, py_leaf, same, shown, size, variable
from forkproof.semantics.compile import Compiler, EvalError, env_size, walk
from forkproof.semantics.explain import spelled
from forkproof.semantics.instance import Instance, instantiate
from forkproof.semantics.verdict import ExitCode
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError, Note, Span, closest

EXAMPLES = 200  # Hypothesis's inputs beyond the domain (--examples)
MAX_INPUTS = 200_000  # the largest domain compared input by input (--max-inputs)
MAX_SLOTS = 64  # NOTE(conform-beyond)
BIG = 2 ** 64


# ---------------------------------------------------------------- what a rule reads


@dataclass(frozen=True)
class Reads:
    """NOTE(conform-inputs): what a rule depends on, in model order."""

    params: tuple[str, ...]
    size_params: frozenset[str]  # those that size what the rule reads (families, map keys, its parameters' domains)
    globals: tuple[I.StateVar, ...]
    locals: tuple[tuple[str, tuple[str, ...]], ...]  # (family, the locals read), for every family read
    constants: tuple[Fraction, ...] = ()  # the rule's number literals (NOTE(conform-beyond): boundaries)

    def names(self, rule: I.Def) -> list[str]:
        return ([p.name for p in rule.params] + list(self.params) + [keyword(v.name) for v in self.globals]
                + [f for f, _ in self.locals])


def keyword(name: str) -> str:
    return name.replace(".", "_")


def reads(model: I.Model, rule: I.Def) -> Reads:
    nodes: list[object] = []
    enumerated: list[object] = [p.ty for p in rule.params]
    todo, seen = [rule], set()
    while todo:
        d = todo.pop()
        if d.name in seen:
            continue
        seen.add(d.name)
        for n in walk((d.body, d.params)):
            nodes.append(n)
            if isinstance(n, I.Call):
                todo.append(model.def_named(n.name))
            elif isinstance(n, I.Quant):
                enumerated.append(n.domain)
    global_names = {n.name for n in nodes if isinstance(n, I.VarRef)}
    local_names = {(n.family, n.name) for n in nodes if isinstance(n, I.LocalRef)}
    families = {n.family for n in nodes if isinstance(n, I.ProcType)} | {f for f, _ in local_names}
    globals_ = tuple(v for v in model.globals if v.name in global_names)
    locals_ = tuple((f.name, tuple(v.name for v in f.locals if (f.name, v.name) in local_names))
                    for f in model.families if f.name in families)
    for v in globals_:
        nodes.extend(walk(v.ty))
        enumerated.extend(_key_types(v.ty))
    for f in model.families:
        if f.name in families:
            nodes.extend(walk(f.size))
            enumerated.append(f.size)
            for v in f.locals:
                if (f.name, v.name) in local_names:
                    nodes.extend(walk(v.ty))
                    enumerated.extend(_key_types(v.ty))
    names = {n.name for n in nodes if isinstance(n, I.ParamRef)}
    sizes = {n.name for n in walk(tuple(enumerated)) if isinstance(n, I.ParamRef)}
    consts = {abs(Fraction(n.value)) for n in nodes if isinstance(n, I.Lit) and isinstance(n.value, (int, Fraction))
              and not isinstance(n.value, bool)} - {0}
    return Reads(tuple(p.name for p in model.params if p.name in names), frozenset(sizes), globals_, locals_,
                 tuple(sorted(consts)))


def _key_types(ty: I.Type) -> list[I.Type]:
    out = []
    while isinstance(ty, I.MapType):
        out.append(ty.key)
        ty = ty.value
    return out


def find_rule(model: I.Model, name: str) -> I.Def:
    """The def or threshold `name`; FP530 (with the nearest name) when the model has none."""
    for d in model.defs:
        if d.name == name:
            return d
    names = [d.name for d in model.defs]
    near = closest(name, names)
    hint = f"; did you mean '{near}'?" if near else f" (it has: {', '.join(names) or 'none'})"
    raise ModelError(Diagnostic("FP530", f"the model has no def or threshold '{name}'{hint}"))


# ---------------------------------------------------------------- the implementation


@dataclass(frozen=True)
class Impl:
    """The Python function under test: `fn`, shown as `name`, given the inputs in `takes`."""

    fn: Callable
    name: str
    takes: tuple[str, ...] | None = None  # None: every input (**kwargs)

    def bind(self, names: list[str], rule: I.Def) -> "Impl":
        """This function given the inputs `names` of `rule`; FP531 when it wants something else."""
        try:
            sig = inspect.signature(self.fn)
        except (TypeError, ValueError):  # a builtin without a signature: give it everything
            return Impl(self.fn, self.name, None)
        params = list(sig.parameters.values())
        if any(p.kind is p.VAR_KEYWORD for p in params):
            return Impl(self.fn, self.name, None)
        offered = ", ".join(names) or "none"
        for p in params:
            if p.kind is p.VAR_POSITIONAL:
                continue
            if p.kind is p.POSITIONAL_ONLY and p.default is p.empty:
                raise ModelError(Diagnostic("FP531", f"--impl {self.name}: its parameter '{p.name}' is positional-only; "
                                            f"conform passes the inputs by name ({offered})"))
            if p.name not in names and p.default is p.empty:
                near = closest(p.name, names)
                raise ModelError(Diagnostic("FP531", f"--impl {self.name}: it takes '{p.name}', which is no input of "
                                            f"{rule.name}" + (f"; did you mean '{near}'?" if near else "")
                                            + f" (the inputs: {offered})"))
        return Impl(self.fn, self.name, tuple(n for n in names if n in sig.parameters))

    def __call__(self, kwargs: dict[str, object]) -> object:
        if self.takes is not None:
            kwargs = {k: kwargs[k] for k in self.takes}
        return self.fn(**kwargs)


def load_impl(spec: str, cwd: str | None = None) -> Impl:
    """`module:function` (a module importable from `cwd`, the working directory by default) or
    `path/to/file.py:function`; FP531 when it cannot be loaded."""
    where, sep, attr = spec.rpartition(":")
    if not sep or not where or not attr:
        raise ModelError(Diagnostic("FP531", f"--impl {spec}: expected MODULE:FUNCTION or FILE.py:FUNCTION"))
    base = cwd or os.getcwd()
    try:
        local = Path(base, *where.split(".")).with_suffix(".py")
        if where.endswith(".py") or "/" in where or os.sep in where:
            local = Path(base, where)
            if not local.is_file():
                raise ModelError(Diagnostic("FP531", f"--impl {spec}: no such file: {where}"))
            module = _exec_file(local, "forkproof_impl_" + "".join(c if c.isalnum() else "_" for c in str(local.resolve())), base)
        elif local.is_file():  # a module of the working directory: read afresh, never an earlier run's copy
            module = _exec_file(local, where, base)
        else:
            added = base not in sys.path
            if added:
                sys.path.insert(0, base)
            try:
                module = importlib.import_module(where)
            finally:
                if added:
                    sys.path.remove(base)
    except ModelError:
        raise
    except ModuleNotFoundError as e:
        raise ModelError(Diagnostic("FP531", f"--impl {spec}: no module named '{e.name}'")) from None
    except Exception as e:  # the module itself fails to import: where, without a traceback
        raise ModelError(_raised(e, f"--impl {spec}: importing it raised", None)) from None
    fn = getattr(module, attr, None)
    if fn is None or not callable(fn):
        names = [n for n in vars(module) if not n.startswith("_") and callable(getattr(module, n))]
        near = closest(attr, names)
        raise ModelError(Diagnostic("FP531", f"--impl {spec}: {where} has no function '{attr}'"
                                    + (f"; did you mean '{near}'?" if near else "")))
    return Impl(fn, spec)


def _exec_file(path: Path, name: str, base: str):
    """The module in `path`, executed now as `name` (with `base` importable, for its siblings)."""
    loaded = importlib.util.spec_from_file_location(name, path)
    assert loaded is not None and loaded.loader is not None
    module = importlib.util.module_from_spec(loaded)
    sys.modules[name] = module  # dataclasses and pickling look their module up by name
    added = base not in sys.path
    if added:
        sys.path.insert(0, base)
    try:
        loaded.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        if added:
            sys.path.remove(base)
    return module


def _raised(e: BaseException, what: str, rule: I.Def | None, code: str = "FP532") -> Diagnostic:
    """An exception of the user's code as a diagnostic at the line that raised it (no traceback)."""
    frames = traceback.extract_tb(e.__traceback__)
    mine = [f for f in frames if "forkproof" not in Path(f.filename).parts and "importlib" not in f.filename]
    span = None
    if mine:
        f = mine[-1]
        line = linecache.getline(f.filename, f.lineno or 0).rstrip("\n")
        rel = os.path.relpath(f.filename)
        file = rel if not rel.startswith("..") else f.filename
        col = len(line) - len(line.lstrip()) + 1 if line.strip() else 1
        span = Span(f.lineno or 1, col, f.lineno or 1, col + max(1, len(line.strip())), file=file)
    notes = (Note(f"the rule: {rule_text(rule)}", rule.span),) if rule is not None and rule.span else ()
    text = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
    return Diagnostic(code, f"{what} {text}", span, notes)


def rule_text(rule: I.Def) -> str:
    params = f"({', '.join(f'{p.name}: {p.ty}' for p in rule.params)})" if rule.params else ""
    return f"{'threshold' if rule.is_threshold else 'def'} {rule.name}{params} = {I.expr_str(rule.body)}"


# ---------------------------------------------------------------- instances and inputs


@dataclass
class Space:
    """One instance's inputs: the rule's parameters' domains, then the slots it reads."""

    inst: Instance
    args: list[list[object]]
    slots: list[int]
    domains: list[list[object]]
    variables: list[Variable]  # the globals read, then each family's locals read
    env: int  # env_size of the model, computed once per run
    comp: Compiler = field(init=False)

    def __post_init__(self):
        self.comp = Compiler(self.inst, env=self.env)

    @property
    def size(self) -> int:
        n = 1
        for d in self.args + self.domains:
            n *= size(d)
        return n


def space(inst: Instance, rule: I.Def, r: Reads, up_to: int, env: int) -> Space:
    args = [leaf_domain(inst, p.ty, up_to) for p in rule.params]
    slots, doms, variables = [], [], []
    for v in r.globals:
        vs = inst.globals_at[v.name]
        variables.append(variable(inst, vs))
        for k in range(vs.base, vs.base + vs.width):
            slots.append(k)
            doms.append(_slot_domain(inst, k, up_to))
    for fam, names in r.locals:
        chosen = [inst.locals_at[(fam, n)] for n in names]
        variables.extend(variable(inst, vs) for vs in chosen)
        for p in range(inst.family_sizes[fam]):
            for vs in chosen:
                base = vs.base + p * vs.stride
                for k in range(base, base + vs.width):
                    slots.append(k)
                    doms.append(_slot_domain(inst, k, up_to))
    return Space(inst, args, slots, doms, variables, env)


def _slot_domain(inst: Instance, k: int, up_to: int) -> list[object]:
    b = inst.slot_bounds[k]
    if b is not None:
        return range(b[0], b[1] + 1)  # type: ignore[return-value]
    return leaf_domain(inst, inst.slot_types[k], up_to)


def domain_plan(model: I.Model, r: Reads, bindings: dict[str, list[object]], up_to: int) -> list[dict[str, object]]:
    """NOTE(conform-domain): every instance, one per value of the params the rule depends on.
    A param with no value that the rule does not depend on takes one value, the first (of
    each such param in step) that the assumptions allow."""
    b = dict(bindings)
    spare: list[tuple[str, list[object]]] = []
    for p in model.params:
        if p.name in b or p.default is not None or p.sweep is not None:
            continue
        if isinstance(p.ty, I.IntType):
            lo = max(0, _const(model, p.ty.lo, {})) if p.ty.bounded else 0  # type: ignore[arg-type]
            values: list[object] = list(range(lo, max(lo, up_to) + 1))
        elif isinstance(p.ty, I.EnumType):
            values = list(range(len(p.ty.members)))
        elif isinstance(p.ty, I.BoolType):
            values = [False, True]
        else:
            continue
        if p.name in r.params:
            b[p.name] = values
        else:
            spare.append((p.name, values))
    combos = None
    for i in range(max((len(v) for _, v in spare), default=0)):
        try:
            combos, _ = plan(model, {**b, **{n: [v[min(i, len(v) - 1)]] for n, v in spare}})
            break
        except ModelError:
            continue
    if combos is None:
        combos, _ = plan(model, {**b, **dict(spare)})
    out, seen = [], set()
    for c in combos:
        key = tuple(c[n] for n in r.params)
        if key not in seen:
            seen.add(key)
            out.append(c)
    return sorted(out, key=lambda c: instance_key(model, r, c))


def _const(model: I.Model, e: I.Expr, env: dict[str, object]) -> int:
    return int(Instance(model, dict(env)).const(e))  # type: ignore[call-overload]


def instance_key(model: I.Model, r: Reads, params: dict[str, object]) -> tuple:
    vals = [params[n] for n in r.params]
    return (sum(_measure(v) for v in vals), tuple(_measure(v) for v in vals))


def _measure(v: object) -> int | Fraction:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, (int, Fraction)):
        return abs(v)
    return 0


def input_key(args: tuple, vals: tuple) -> tuple:
    """NOTE(conform-smallest) within an instance (runtime values: enum members are indexes)."""
    ms = tuple(_measure(v) for v in args + vals)
    return (sum(ms), ms)


# ---------------------------------------------------------------- one input


@dataclass(frozen=True)
class Case:
    """One input compared: where, the inputs as Python, both values and the rule spelled out."""

    scope: str
    inputs: tuple[tuple[str, object], ...]
    call: str  # "passes(x = 0)"
    model: object
    impl: object
    spelled: str | None
    key: tuple = ()

    def inputs_text(self) -> str:
        return ", ".join(f"{n} = {shown(v)}" for n, v in self.inputs)


class ImplFailed(Exception):
    """The function raised, or returned a value of the wrong type, on `case` (its impl value: the exception)."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class Comparer:
    """Evaluates the rule and the function on the inputs of one instance."""

    def __init__(self, model: I.Model, rule: I.Def, r: Reads, impl: Impl, sp: Space):
        self.model, self.rule, self.r, self.impl, self.sp = model, rule, r, impl, sp
        self.env = [None] * sp.comp.env_size
        self.fns: dict[tuple, Callable] = {}
        self.base = [0] * len(sp.inst.slot_names)
        types = {p.name: p.ty for p in model.params}
        self.params = {n: py_leaf(sp.inst.params[n], types[n]) for n in r.params}
        self.scope = ", ".join(f"{n} = {shown(v)}" for n, v in self.params.items())
        self.globals = [(keyword(v.name), v) for v in sp.variables if v.family is None]
        self.families = [(fam, [v for v in sp.variables if v.family == fam], sp.inst.family_sizes[fam])
                         for fam, _ in r.locals]
        self.key = instance_key(model, r, sp.inst.params)

    def state(self, vals: tuple) -> tuple:
        s = list(self.base)
        for k, v in zip(self.sp.slots, vals):
            s[k] = v
        return tuple(s)

    def model_value(self, args: tuple, state: tuple) -> object:
        """The rule's runtime value; EvalError where the model has none (division by zero)."""
        f = self.fns.get(args)
        if f is None:
            f = self.fns[args] = self.sp.comp.expr(self.rule.body, {p.uid: v for p, v in zip(self.rule.params, args)})
        return f(state, None, self.env)

    def kwargs(self, args: tuple, state: tuple) -> dict[str, object]:
        out: dict[str, object] = {p.name: py_leaf(v, p.ty) for p, v in zip(self.rule.params, args)}
        out.update(self.params)
        for name, v in self.globals:
            out[name] = v.value(state)
        for fam, mine, n in self.families:
            out[fam] = [{v.name: v.value(state, p) for v in mine} for p in range(n)]
        return out

    def values(self, args: tuple, vals: tuple) -> tuple[object, object]:
        """(the rule's value, the function's) on this input, as Python; raises EvalError where
        the model has no value, ImplFailed where the function raises or returns a wrong type."""
        state = self.state(vals)
        mv = py_leaf(self.model_value(args, state), self.rule.ty)
        try:
            iv = self.impl(self.kwargs(args, state))
        except Exception as e:
            raise ImplFailed(_raised(e, f"{self.impl.name} raised", self.rule)) from None
        problem = _wrong_type(iv, self.rule.ty)
        if problem is not None:
            raise ImplFailed(Diagnostic("FP532", f"{self.impl.name} returned {problem}",
                                        notes=(Note(f"the rule: {rule_text(self.rule)}", self.rule.span),)))
        return mv, iv

    def agrees(self, args: tuple, vals: tuple) -> bool:
        mv, iv = self.values(args, vals)
        return same(iv, mv)

    def key_of(self, args: tuple, vals: tuple) -> tuple:
        return self.key + input_key(args, vals)

    def case(self, args: tuple, vals: tuple) -> Case:
        """The input as a Case, both values and the rule spelled out (for a report)."""
        mv, iv = self.values(args, vals)
        state = self.state(vals)
        kw = self.kwargs(args, state)
        own = [p.name for p in self.rule.params]
        names = list(self.r.params) + own + [n for n in kw if n not in self.params and n not in own]
        call = f"{self.rule.name}({', '.join(f'{n} = {shown(kw[n])}' for n in own)})" if own else self.rule.name
        bound = {p.uid: (v, p.ty) for p, v in zip(self.rule.params, args)}
        return Case(self.scope, tuple((n, kw[n]) for n in names), call, mv, iv,
                    spelled(self.sp.inst, self.rule.body, state, bound), self.key_of(args, vals))

    def failure(self, e: ImplFailed, args: tuple, vals: tuple) -> ModelError:
        """The function's failure on this input, the input written in (NOTE(python-values))."""
        kw = self.kwargs(args, self.state(vals))
        own = [p.name for p in self.rule.params]
        names = list(self.r.params) + own + [n for n in kw if n not in self.params and n not in own]
        d = e.diagnostic
        text = ", ".join(f"{n} = {shown(kw[n])}" for n in names)
        return ModelError(Diagnostic(d.code, f"{d.message}, on the input {text}", d.span, d.notes))

    def inputs(self) -> Iterator[tuple[tuple, tuple]]:
        for args in itertools.product(*self.sp.args):
            for vals in itertools.product(*self.sp.domains):
                yield args, vals


def _wrong_type(value: object, ty: I.Type) -> str | None:
    """Why a function's result cannot be a value of `ty` (None when it can)."""
    kind = type(value).__name__
    if isinstance(ty, I.BoolType):
        return None if isinstance(value, bool) else f"{shown(value) if not isinstance(value, str) else repr(value)} ({kind}), not a bool"
    if isinstance(ty, I.EnumType):
        v = getattr(value, "name", value)
        return None if isinstance(v, str) else f"{value!r} ({kind}), not a member name of {ty.name}"
    if isinstance(value, bool) or not isinstance(value, (int, float, Fraction)) and not hasattr(value, "__index__"):
        try:
            from decimal import Decimal
            if isinstance(value, Decimal):
                return None
        except ImportError:  # pragma: no cover
            pass
        return f"{value!r} ({kind}), not a number"
    return None


# ---------------------------------------------------------------- the report


@dataclass(frozen=True)
class ConformReport:
    """What `forkproof conform` found (NOTE(conform-exit) for `exit_code`)."""

    model: I.Model
    rule: I.Def
    impl: str
    inputs: tuple[str, ...]  # the keyword arguments offered (NOTE(conform-inputs))
    takes: tuple[str, ...] | None  # those the function takes; None: all
    domain: str  # "V = 2, BLOCKS = 1..10"
    instances: int
    compared: int  # inputs of the domain compared
    undefined: int  # inputs where the model's rule has no value (a runtime error): not compared
    disagreements: int  # in the domain
    smallest: Case | None  # in the domain, or found beyond it
    beyond: int  # inputs Hypothesis drew and compared
    beyond_ranges: tuple[tuple[str, str], ...]  # each drawn param: "1..38"
    beyond_where: str | None  # the found input's instance, when it was found beyond the domain
    beyond_in_instance: tuple[int, int] | None  # (disagreeing, compared) in that instance
    seed: int | None
    notes: tuple[str, ...]

    @property
    def exit_code(self) -> int:
        return int(ExitCode.VIOLATED if self.smallest is not None else ExitCode.OK)


def conform(model: I.Model, rule_name: str, impl: Impl, bindings: dict[str, list[object]], up_to: int = 6,
            examples: int = EXAMPLES, seed: int | None = None, max_inputs: int = MAX_INPUTS) -> ConformReport:
    """NOTE(conform-domain), NOTE(conform-beyond); ModelError for what NOTE(conform-exit) calls exit 2."""
    rule = find_rule(model, rule_name)
    r = reads(model, rule)
    names = r.names(rule)
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ModelError(Diagnostic("FP534", f"{rule.name}: two inputs would be passed as '{dupes[0]}' (a parameter "
                                    f"of the rule named like a param or variable it reads): rename one", rule.span))
    bound = impl.bind(names, rule)
    notes: list[str] = []
    spaces, k = _fit(model, rule, r, bindings, up_to, max_inputs, notes)
    compared = undefined = disagreeing = 0
    smallest: Case | None = None
    for sp in spaces:
        found, wrong, n, u = _sweep(Comparer(model, rule, r, bound, sp))
        compared, undefined, disagreeing = compared + n, undefined + u, disagreeing + wrong
        if found is not None and (smallest is None or found.key < smallest.key):
            smallest = found
    if undefined:
        notes.append(f"the model's {rule.name} has no value (a runtime error) on {undefined:,} inputs: not compared")
    domain = _domain_text(model, r, spaces)
    beyond, ranges, where, in_inst = 0, (), None, None
    if examples > 0 and smallest is None:
        beyond, ranges, found_b, where, in_inst = _beyond(model, rule, r, bound, bindings, spaces, k, examples, seed, max_inputs)
        if found_b is not None:
            smallest = found_b
        elif beyond == 0:
            notes.append("nothing lies beyond the domain: every param the rule depends on is bound and every "
                         "value it reads has a finite type")
    return ConformReport(model, rule, impl.name, tuple(names), bound.takes, domain, len(spaces), compared, undefined,
                         disagreeing, smallest, beyond, ranges, where, in_inst, seed, tuple(notes))


def _fit(model: I.Model, rule: I.Def, r: Reads, bindings: dict[str, list[object]], up_to: int, max_inputs: int,
         notes: list[str]) -> tuple[list[Space], int]:
    """The domain's instances, with up_to lowered until it fits in max_inputs (FP533 otherwise)."""
    env = env_size(model)
    open_ints = [p.name for p in model.params if p.name in r.params and p.name not in bindings
                 and p.default is None and p.sweep is None and isinstance(p.ty, I.IntType)]
    k = up_to
    while True:
        combos = domain_plan(model, r, bindings, k)
        spaces = [space(instantiate(model, c), rule, r, k, env) for c in combos]
        total = sum(sp.size for sp in spaces)
        if total <= max_inputs:
            if k < up_to:
                notes.append(f"--up-to {up_to} lowered to {k}: the domain up to {k + 1} has more than "
                             f"{max_inputs:,} inputs (--max-inputs)")
            return spaces, k
        if k == 0 or (not open_ints and not _unbounded(spaces)):
            biggest = max(spaces, key=lambda sp: sp.size)
            where = scope_of(model, {n: biggest.inst.params[n] for n in r.params}) or "the model"
            raise ModelError(Diagnostic("FP533", f"the domain of {rule.name} has {total:,} inputs ({biggest.size:,} at "
                                        f"{where}), more than --max-inputs {max_inputs:,}: bind smaller values with "
                                        f"--param, or raise --max-inputs", rule.span))
        k -= 1


def _domain_text(model: I.Model, r: Reads, spaces: list[Space]) -> str:
    """"BLOCKS = 1..10, V = 2": each param the rule depends on, over the domain's instances."""
    parts = []
    for p in model.params:
        if p.name not in r.params:
            continue
        vals = list(dict.fromkeys(sp.inst.params[p.name] for sp in spaces))
        ints = all(isinstance(v, int) and not isinstance(v, bool) for v in vals)
        if len(vals) > 2 and ints and sorted(vals) == list(range(min(vals), max(vals) + 1)):  # type: ignore[type-var, arg-type]
            parts.append(f"{p.name} = {min(vals)}..{max(vals)}")  # type: ignore[type-var]
        else:
            parts.append(f"{p.name} = {', '.join(I.value_str(v, p.ty) for v in sorted(vals))}")  # type: ignore[type-var]
    return ", ".join(parts) or "the model"


def _unbounded(spaces: list[Space]) -> bool:
    """Whether some input's domain depends on up_to (an unbounded int or rat)."""
    return any(not (isinstance(t, (I.BoolType, I.EnumType, I.ProcType)) or (b is not None))
               for sp in spaces for t, b in ((sp.inst.slot_types[k], sp.inst.slot_bounds[k]) for k in sp.slots))


def _sweep(cmp: Comparer) -> tuple[Case | None, int, int, int]:
    """Every input of one instance: (the smallest disagreement, how many disagree, inputs
    compared, inputs without a model value)."""
    best: tuple | None = None
    n = undefined = wrong = 0
    agrees = cmp.agrees
    for args, vals in cmp.inputs():
        try:
            ok = agrees(args, vals)
        except EvalError:
            undefined += 1
            continue
        except ImplFailed as e:
            raise cmp.failure(e, args, vals) from None
        n += 1
        if not ok:
            wrong += 1
            key = cmp.key_of(args, vals)
            if best is None or key < best[0]:
                best = (key, args, vals)
    return (cmp.case(best[1], best[2]) if best is not None else None), wrong, n, undefined


# ---------------------------------------------------------------- beyond the domain


def _beyond(model: I.Model, rule: I.Def, r: Reads, impl: Impl, bindings: dict[str, list[object]],
            spaces: list[Space], up_to: int, examples: int, seed: int | None, max_inputs: int):
    """NOTE(conform-beyond): (inputs compared, the range drawn per param, the smallest case found
    or None, its instance's scope, (disagreeing, compared) in it)."""
    try:
        import hypothesis
        from hypothesis import strategies as st
    except ImportError:
        raise ModelError(Diagnostic("FP535", "conform draws inputs beyond the domain with Hypothesis, which is not "
                                    "installed: pip install 'forkproof[testing]', or --examples 0 for the domain alone")) from None
    free = [p for p in model.params if p.name not in bindings and p.name in r.params and isinstance(p.ty, I.IntType)]
    unbounded = _unbounded(spaces) or any(not I.is_finite_domain(p.ty) for p in rule.params)
    if not free and not unbounded:
        return 0, (), None, None, None
    tops = {p.name: max(int(sp.inst.params[p.name]) for sp in spaces) for p in free}  # type: ignore[call-overload]
    cache: dict[tuple, Space | None] = {}
    drawn: dict[str, list[int]] = {p.name: [] for p in free}
    count = [0]
    failures: dict[tuple, ImplFailed] = {}

    def instance(params: dict[str, object]) -> Space | None:
        key = tuple(sorted(params.items()))
        if key not in cache:
            try:
                inst = instantiate(model, params)
                sp = space(inst, rule, r, up_to, spaces[0].env)
                cache[key] = sp if len(sp.slots) <= MAX_SLOTS else None
            except (ModelError, EvalError, TypeError, KeyError):
                cache[key] = None
        return cache[key]

    den = 1
    for c in r.constants:
        den = den * c.denominator // math.gcd(den, c.denominator)

    def param_strategy(p: I.Param):
        lo = _const(model, p.ty.lo, {}) if isinstance(p.ty, I.IntType) and p.ty.bounded else 0  # type: ignore[arg-type]
        hi = _const(model, p.ty.hi, {}) if isinstance(p.ty, I.IntType) and p.ty.bounded else BIG  # type: ignore[arg-type]
        top = tops[p.name]
        if p.name in r.size_params:
            return st.integers(lo, min(hi, max(12, 3 * top)))
        small = min(hi, max(100, 10 * top))
        options = [st.integers(lo, small), st.integers(lo, hi)]
        if 1 < den <= 10 ** 6:  # multiples of the rule's denominators: where a rational bound is whole
            options.append(st.integers(max(1, lo // den), max(1, small // den)).map(lambda k: k * den)
                           .filter(lambda v: lo <= v <= hi))
        return st.one_of(*options)

    def edges(sp: Space) -> list[int]:
        """Numbers at the rule's boundaries in this instance: q * P rounded either way, +-1,
        for each constant q of the rule (and 1) and each int param P it depends on."""
        got = set()
        for q in (*r.constants, Fraction(1)):
            for n in r.params:
                v = sp.inst.params[n]
                if isinstance(v, int) and not isinstance(v, bool):
                    x = q * v
                    for c in (math.floor(x), math.ceil(x)):
                        got.update((c - 1, c, c + 1))
        return sorted(got)

    def leaf_strategy(sp: Space, ty: I.Type, bounds: tuple[int, int] | None):
        if bounds is not None:
            near = [v for v in edges(sp) if bounds[0] <= v <= bounds[1]]
            plain = st.integers(bounds[0], bounds[1])
            return st.one_of(plain, st.sampled_from(near)) if near else plain
        if I.is_finite_domain(ty):
            return st.sampled_from(sp.inst.domain(ty))
        if isinstance(ty, I.RatType):
            return st.fractions().map(lambda f: int(f) if f.denominator == 1 else f)
        return st.integers()

    strategies = {p.name: param_strategy(p) for p in free}

    @st.composite
    def inputs(draw):
        params: dict[str, object] = {}
        for p in model.params:
            if p.name in strategies:
                params[p.name] = draw(strategies[p.name])
            elif p.name in bindings:
                params[p.name] = draw(st.sampled_from(bindings[p.name]))
            elif p.name in r.params and isinstance(p.ty, (I.EnumType, I.BoolType)):
                params[p.name] = draw(st.sampled_from(range(len(p.ty.members)) if isinstance(p.ty, I.EnumType) else [False, True]))
            else:
                params[p.name] = spaces[0].inst.params[p.name]
        sp = instance(params)
        hypothesis.assume(sp is not None)
        assert sp is not None
        args = tuple(draw(leaf_strategy(sp, p.ty, None)) for p in rule.params)
        vals = tuple(draw(leaf_strategy(sp, sp.inst.slot_types[k], sp.inst.slot_bounds[k])) for k in sp.slots)
        return params, args, vals

    def disagrees(x) -> bool:
        params, args, vals = x
        sp = instance(params)
        assert sp is not None
        try:
            ok = Comparer(model, rule, r, impl, sp).agrees(args, vals)
        except EvalError:
            return False
        except ImplFailed as e:
            failures[_freeze(x)] = e
            return True
        count[0] += 1
        for name in drawn:
            drawn[name].append(int(params[name]))  # type: ignore[call-overload]
        return not ok

    settings = hypothesis.settings(max_examples=examples, database=None, deadline=None, derandomize=seed is None,
                                   suppress_health_check=list(hypothesis.HealthCheck),
                                   phases=(hypothesis.Phase.generate, hypothesis.Phase.shrink))  # no explain: it traces every line
    try:
        found = hypothesis.find(inputs(), disagrees, settings=settings,
                                random=random.Random(seed) if seed is not None else None)
    except hypothesis.errors.NoSuchExample:
        found = None
    except hypothesis.errors.Unsatisfiable:
        found = None
    ranges = tuple((n, f"{min(v):,}..{max(v):,}" if min(v) != max(v) else f"{v[0]:,}") for n, v in drawn.items() if v)
    if found is None:
        return count[0], ranges, None, None, None
    params, args, vals = found
    sp = instance(params)
    assert sp is not None
    cmp = Comparer(model, rule, r, impl, sp)
    if _freeze(found) in failures:
        raise cmp.failure(failures[_freeze(found)], args, vals)
    where = cmp.scope or "the model"
    if sp.size <= max_inputs:
        best, wrong, n, _ = _sweep(cmp)
        return count[0], ranges, best, where, (wrong, n)
    return count[0], ranges, cmp.case(args, vals), where, None


def _freeze(x) -> tuple:
    params, args, vals = x
    return tuple(sorted(params.items())), args, vals
