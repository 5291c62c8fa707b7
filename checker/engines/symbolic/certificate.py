"""Certificates of inductive invariants: their three obligations, re-checked by fresh
solvers, written as SMT-LIB2, and the invariant printed in the forkproof language.

NOTE(certificate): an invariant Inv proves a safety obligation `pred` of an instance when
  initiation   init(s) and not Inv(s)                                      is unsat,
  consecution  Inv(s) and trans(s, t) and not Inv(t)                       is unsat,
  safety       Inv(s) and not pred(s)      (a step obligation:
               Inv(s) and trans(s, t) and not pred(s, t))                  is unsat.
A symbolic engine reports `proved` from an invariant only after `recheck` has found all
three unsat, each with a fresh `z3.Solver()` that never saw the engine's own queries.
`write_smt2` writes the same three queries so that any SMT-LIB2 solver can repeat them.
`trans` is checked with its action choice `action@pdr` free, as in the engine.

Invariants are printed by `Printer`: slots by their location names (`status`, `blocks[1]`,
`Validator[2].ballot`), enum and process-id slots by member names (`status == Voting`), in
the syntax and precedence of docs/language.md section 6.1.  The printed text means the
invariant for states whose slots lie inside their types; `readable` checks this with a
solver and falls back to Z3's own syntax when it cannot print or confirm a simpler form.
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import z3

StatePred = Callable[[list], z3.BoolRef]  # a formula over one state's slot constants


# ---------------------------------------------------------------- obligations


@dataclass(frozen=True)
class Obligation:
    label: str  # "initiation" | "consecution" | "safety"
    meaning: str
    formula: z3.BoolRef  # must be unsat; the invariant expanded
    symbolic: z3.BoolRef  # the same with `Inv` an applied symbol, for SMT-LIB


@dataclass(frozen=True)
class Certificate:
    """An invariant for one obligation and the three queries that check it."""

    name: str
    kind: str
    step: bool  # a step obligation: its safety check takes a transition
    params: list[z3.ExprRef]  # Inv's parameters: one constant per slot, `location@inv`
    body: z3.BoolRef  # Inv over `params`
    consts: list[z3.ExprRef]  # every constant the obligations use
    obligations: tuple[Obligation, ...]


def certificate(enc, prop, inv: StatePred, tag: str = "pdr") -> Certificate:
    """The three obligations (NOTE(certificate)) of `inv` for the obligation `prop` of the
    encoding `enc` (checker/engines/symbolic/encode.py: `Encoding`, `SymProp`)."""
    s, t, params = enc.vars("s"), enc.vars("t"), enc.vars("inv")
    choice = enc.choice_var(tag)
    symbol = z3.Function("Inv", *enc.sorts, z3.BoolSort())
    trans = enc.trans(s, t, tag)

    def both(make: Callable[[StatePred], z3.BoolRef]) -> tuple[z3.BoolRef, z3.BoolRef]:
        return make(inv), make(lambda x: symbol(*x))

    if prop.step:
        bad = lambda i: z3.And(i(s), trans, z3.Not(prop.pred(s, t)))
        safety = "no step from a state of Inv breaks the property"
    else:
        bad = lambda i: z3.And(i(s), z3.Not(prop.pred(s, None)))
        safety = "every state of Inv satisfies the property"
    parts = [("initiation", "every initial state satisfies Inv", lambda i: z3.And(enc.init(s), z3.Not(i(s)))),
             ("consecution", "every step from a state of Inv ends in a state of Inv",
              lambda i: z3.And(i(s), trans, z3.Not(i(t)))),
             ("safety", safety, bad)]
    obligations = tuple(Obligation(label, meaning, *both(make)) for label, meaning, make in parts)
    return Certificate(prop.name, prop.kind, prop.step, params, inv(params), s + t + [choice], obligations)


def recheck(cert: Certificate, timeout_ms: int | None = None, said: list[str] | None = None) -> tuple[str, str] | None:
    """None when every obligation is unsat, each under a fresh solver; else (label, why) of
    the first one that is not.  When the solver gave no answer, its own reason goes to `said`
    (for solver.py, never shown: NOTE(solver-text)) and `why` says only that."""
    for ob in cert.obligations:
        solver = z3.Solver()
        if timeout_ms is not None:
            solver.set("timeout", max(1, timeout_ms))
        solver.add(ob.formula)
        res = solver.check()
        if res == z3.sat:
            return ob.label, _BROKEN[ob.label]
        if res != z3.unsat:
            if said is not None:
                said.append(solver.reason_unknown())
            return ob.label, "the solver gave no answer"
    return None


_BROKEN = {"initiation": "an initial state is outside the invariant",
           "consecution": "a step leaves the invariant",
           "safety": "a state of the invariant breaks the property"}


def write_smt2(certs: list[Certificate], path: str, header: str = "") -> None:
    """Every certificate as SMT-LIB2: per property a (push) ... (pop) block with the
    declarations and `(define-fun Inv ...)`, then one nested block per obligation, each
    ending in a (check-sat) that must answer unsat."""
    out = ["; forkproof PDR certificate: every (check-sat) below must answer unsat.",
           "; Inv is an inductive invariant: initiation, consecution and safety together prove",
           "; that the property holds in every reachable state of the instance."]
    out += [f"; {line}" for line in header.splitlines()]
    out.append("(set-logic ALL)")
    for c in certs:
        out += ["", f"; property {c.name} ({c.kind}{', on steps' if c.step and c.kind == 'runtime' else ''})",
                "(push 1)"]
        out += [f"(declare-fun {x.sexpr()} () {x.sort().sexpr()})" for x in c.consts]
        args = " ".join(f"({p.sexpr()} {p.sort().sexpr()})" for p in c.params)
        out.append(f"(define-fun Inv ({args}) Bool\n  {c.body.sexpr()})")
        for ob in c.obligations:
            out += [f"; {c.name}: {ob.label}: {ob.meaning}; expect unsat", "(push 1)",
                    f"(assert {ob.symbolic.sexpr()})", "(check-sat)", "(pop 1)"]
        out.append("(pop 1)")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


# ---------------------------------------------------------------- printing


@dataclass(frozen=True)
class Slot:
    """How to print one slot constant: its location name and, for enum and process-id slots,
    the display name of each runtime value."""

    label: str
    members: tuple[str, ...] | None = None


class Unprintable(Exception):
    """A term with no counterpart in the forkproof language (quantifiers, to_int, ...)."""


IMPLIES, OR, AND, PREFIX, CMP, ADD, MUL, NEG, ATOM = 2, 3, 4, 5, 6, 8, 9, 10, 12
_CMP = {z3.Z3_OP_LE: "<=", z3.Z3_OP_LT: "<", z3.Z3_OP_GE: ">=", z3.Z3_OP_GT: ">",
        z3.Z3_OP_EQ: "==", z3.Z3_OP_DISTINCT: "!="}
_FLIP = {"<=": ">", "<": ">=", ">=": "<", ">": "<=", "==": "!=", "!=": "=="}
ENUM_CASES = 256  # the most value combinations an atom over enum slots is split into


class Printer:
    """Z3 terms over slot constants -> forkproof text (an `Unprintable` term raises)."""

    def __init__(self, slots: dict[str, Slot]):
        self.slots = slots  # Z3 constant name -> Slot, in slot order
        self.order = {name: i for i, name in enumerate(slots)}
        self.ints: set[str] = set()  # the Int-sorted constants seen

    def show(self, e: z3.ExprRef) -> str:
        return self._p(e)[0]

    # every _p returns (text, level): the level is the precedence of the text's top operator

    def _p(self, e: z3.ExprRef) -> tuple[str, int]:
        if z3.is_true(e):
            return "true", ATOM
        if z3.is_false(e):
            return "false", ATOM
        if z3.is_int_value(e) or z3.is_rational_value(e):
            return _number(_value(e))
        if not z3.is_app(e):
            raise Unprintable(f"a bound variable or quantifier: {e}")
        k, args = e.decl().kind(), e.children()
        if z3.is_const(e) and k == z3.Z3_OP_UNINTERPRETED:
            slot = self._slot(e)
            if slot.members is not None:
                raise Unprintable(f"{slot.label} outside a comparison")
            return slot.label, ATOM
        if k == z3.Z3_OP_AND:
            return self._and(args)
        if k == z3.Z3_OP_OR:
            return self._or(args)
        if k == z3.Z3_OP_NOT:
            return self._literal(args[0], True)
        if k == z3.Z3_OP_IMPLIES:
            return f"{self._at(args[0], OR)} implies {self._at(args[1], IMPLIES)}", IMPLIES
        if k == z3.Z3_OP_ITE:
            c, a, b = self._at(args[0], PREFIX + 1), self._at(args[1], PREFIX + 1), self._at(args[2], IMPLIES)
            return f"if {c} then {a} else {b}", PREFIX
        if k in _CMP:
            return self._literal(e, False)
        return self._arith(e, k, args)

    def _at(self, e: z3.ExprRef, level: int) -> str:
        return _wrap(self._p(e), level)

    def _slot(self, e: z3.ExprRef) -> Slot:
        slot = self.slots.get(e.decl().name())
        if slot is None:
            raise Unprintable(f"an unknown constant {e}")
        return slot

    # ------------------------------------------------------------ logic

    def _and(self, args) -> tuple[str, int]:
        return _all_of(self._joined(args, True))

    def _or(self, args) -> tuple[str, int]:
        # a clause reads best as "A and B implies C or D", or as "not (A and B)"
        neg = [a.arg(0) for a in args if z3.is_not(a)]
        pos = [a for a in args if not z3.is_not(a)]
        if neg and (len(neg) >= 2 or pos):
            lhs = " and ".join(_wrap(p, AND) for p in self._joined(neg, True))
            if not pos:
                return f"not ({lhs})", PREFIX
            rhs = " or ".join(_wrap(p, PREFIX) for p in self._joined(pos, False))
            return f"{lhs} implies {rhs}", IMPLIES
        return _any_of(self._joined(args, False))

    def _joined(self, args, conj: bool) -> list[tuple[str, int]]:
        """The operands of a conjunction (conj) or disjunction, printed, after joining the
        literals over the same enum slots into one condition and, in a conjunction,
        `x <= k and x >= k` into `x == k`."""
        items: list = sorted(args, key=lambda a: sorted(self.order.get(c.decl().name(), -1) for c in constants(a)))
        done: dict[int, tuple[str, int] | None] = {}  # printed here, or None: joined into another
        groups: dict[tuple, list[int]] = {}
        for i, a in enumerate(items):
            cs = constants(a)
            if cs and all(self._slot(c).members is not None for c in cs):
                groups.setdefault(tuple(c.decl().name() for c in cs), []).append(i)
        for idx in groups.values():
            if len(idx) > 1:
                joined = (z3.And if conj else z3.Or)(*[items[i] for i in idx])
                done[idx[0]] = self._cases(joined, constants(joined))
                done.update((i, None) for i in idx[1:])
        if conj:
            bounds: dict[tuple, dict[str, int]] = {}
            for i, a in enumerate(items):
                lin = self._linear_atom(a) if i not in done else None
                if lin is not None and lin[1] in ("<=", ">="):
                    bounds.setdefault((lin[0], lin[2]), {})[lin[1]] = i
            for (terms, k), ops in bounds.items():
                if len(ops) == 2:
                    done[ops["<="]] = self._linear_text(terms, "==", k)
                    done[ops[">="]] = None
        out = []
        for i, a in enumerate(items):
            if i not in done:
                out.append(self._p(a))
            elif done[i] is not None:
                out.append(done[i])
        return out

    def _literal(self, e: z3.ExprRef, negate: bool) -> tuple[str, int]:
        """A comparison or its negation; `not P` for anything else."""
        if not (z3.is_app(e) and e.decl().kind() in _CMP):
            return (f"not {self._at(e, PREFIX)}", PREFIX) if negate else self._p(e)
        k, args = e.decl().kind(), e.children()
        if z3.is_bool(args[0]):
            if len(args) != 2:
                raise Unprintable("a chained boolean comparison")
            iff = f"{self._at(args[0], OR)} iff {self._at(args[1], OR)}"
            return (iff, IMPLIES) if (k == z3.Z3_OP_EQ) != negate else (f"not ({iff})", PREFIX)
        if k == z3.Z3_OP_DISTINCT and len(args) > 2:
            pairs = z3.And(*[a != b for a, b in itertools.combinations(args, 2)])
            return self._p(z3.Not(pairs) if negate else pairs)
        finite = [c for c in constants(e) if self._slot(c).members is not None]
        if finite:
            return self._cases(z3.Not(e) if negate else e, finite)
        lin = self._linear_atom(z3.Not(e) if negate else e)
        if lin is not None:
            return self._linear_text(*lin)
        op = _FLIP[_CMP[k]] if negate else _CMP[k]
        return f"{self._at(args[0], ADD)} {op} {self._at(args[1], ADD)}", CMP

    # ------------------------------------------------------------ enum and process-id slots

    def _cases(self, e: z3.ExprRef, finite: list[z3.ExprRef]) -> tuple[str, int]:
        """A condition over enum or process-id slots: a comparison of two such slots of one
        type, or split by their values ("status == Voting or status == Resolved")."""
        negate = z3.is_not(e)
        atom = e.arg(0) if negate else e
        if (z3.is_eq(atom) or z3.is_distinct(atom)) and atom.num_args() == 2 and all(
                z3.is_const(a) and a.decl().kind() == z3.Z3_OP_UNINTERPRETED for a in atom.children()):
            a, b = atom.children()
            if self._slot(a).members == self._slot(b).members and self._slot(a).members is not None:
                op = "==" if z3.is_eq(atom) != negate else "!="
                return f"{self._slot(a).label} {op} {self._slot(b).label}", CMP
        members = [self._slot(c).members for c in finite]
        combos = list(itertools.product(*(range(len(m)) for m in members)))
        if len(combos) > ENUM_CASES:
            raise Unprintable(f"a condition over {len(combos)} enum value combinations")
        groups: dict[str, tuple[z3.ExprRef, list[tuple]]] = {}
        for combo in combos:
            rest = z3.simplify(z3.substitute(e, *[(c, z3.IntVal(v)) for c, v in zip(finite, combo)]))
            if not z3.is_false(rest):
                groups.setdefault(rest.sexpr(), (rest, []))[1].append(combo)
        if not groups:
            return "false", ATOM
        parts = []
        for rest, here in groups.values():
            where = self._members(finite, members, here)
            if z3.is_true(rest):
                parts.append(where)
            elif where == TRUE:
                parts.append(self._p(rest))
            else:
                parts.append((f"{_wrap(where, AND)} and {self._at(rest, AND)}", AND))
        return parts[0] if len(parts) == 1 else (" or ".join(_wrap(p, PREFIX) for p in parts), OR)

    def _members(self, consts, members, combos: list[tuple]) -> tuple[str, int]:
        """The set `combos` of values of the slots `consts`, as a condition."""
        labels = [self._slot(c).label for c in consts]
        full = [set(range(len(m))) for m in members]
        every = set(itertools.product(*(sorted(f) for f in full)))
        have = set(combos)
        if len(consts) == 2 and members[0] == members[1]:
            same = {(v, v) for v in full[0]}
            if have == same or have == every - same:
                return f"{labels[0]} {'==' if have == same else '!='} {labels[1]}", CMP
        if _is_product(have):  # one condition per slot, all of them
            values = [{c[i] for c in have} for i in range(len(consts))]
            return _all_of([_member(labels[i], members[i], values[i], full[i]) for i in range(len(consts))])
        missing = every - have
        if _is_product(missing):  # one condition per slot, any of them
            values = [full[i] - {c[i] for c in missing} for i in range(len(consts))]
            return _any_of([_member(labels[i], members[i], values[i], full[i]) for i in range(len(consts)) if values[i]])
        by_first: dict[int, list[tuple]] = {}
        for c in sorted(have):
            by_first.setdefault(c[0], []).append(c[1:])
        merged: dict[tuple, set[int]] = {}
        for v, rest in by_first.items():
            merged.setdefault(tuple(rest), set()).add(v)
        return _any_of([_all_of([_member(labels[0], members[0], firsts, full[0]),
                                 self._members(consts[1:], members[1:], list(rest))])
                        for rest, firsts in merged.items()])

    # ------------------------------------------------------------ arithmetic

    def _linear_atom(self, e: z3.ExprRef):
        """A comparison of linear terms without enum slots, as (terms, op, k) meaning
        `sum(c * x for x, c in terms) op k`, the first coefficient positive; else None."""
        negate = False
        while z3.is_not(e):
            negate, e = not negate, e.arg(0)
        if not (z3.is_app(e) and e.decl().kind() in _CMP and e.num_args() == 2) or z3.is_bool(e.arg(0)):
            return None
        left, right = self._linear(e.arg(0)), self._linear(e.arg(1))
        if left is None or right is None:
            return None
        coeffs = dict(left[0])
        for name, c in right[0].items():
            coeffs[name] = coeffs.get(name, 0) - c
        terms = tuple(sorted(((n, c) for n, c in coeffs.items() if c != 0), key=lambda t: self.order[t[0]]))
        if not terms or any(self.slots[n].members is not None for n, _ in terms):
            return None
        op, k = _CMP[e.decl().kind()], right[1] - left[1]
        if negate:
            op = _FLIP[op]
        if terms[0][1] < 0:
            terms, k, op = tuple((n, -c) for n, c in terms), -k, _MIRROR[op]
        if all(_is_int(c) for _, c in terms) and _is_int(k) and all(n in self.ints for n, _ in terms):
            if op == "<":
                op, k = "<=", k - 1
            elif op == ">":
                op, k = ">=", k + 1
        return terms, op, k

    def _linear(self, e: z3.ExprRef):
        """({constant name: coefficient}, constant) of a linear term; None if it is not."""
        if z3.is_int_value(e) or z3.is_rational_value(e):
            return {}, _value(e)
        if not z3.is_app(e):
            return None
        k, args = e.decl().kind(), e.children()
        if z3.is_const(e) and k == z3.Z3_OP_UNINTERPRETED:
            self._slot(e)
            if e.is_int():
                self.ints.add(e.decl().name())
            return {e.decl().name(): 1}, 0
        if k == z3.Z3_OP_TO_REAL:
            return self._linear(args[0])
        if k in (z3.Z3_OP_ADD, z3.Z3_OP_SUB, z3.Z3_OP_UMINUS):
            parts = [self._linear(a) for a in args]
            if any(p is None for p in parts):
                return None
            signs = [1] * len(parts) if k == z3.Z3_OP_ADD else [-1] if k == z3.Z3_OP_UMINUS else [1] + [-1] * (len(parts) - 1)
            coeffs: dict[str, Fraction] = {}
            const = 0
            for sign, (cs, c) in zip(signs, parts):
                for n, v in cs.items():
                    coeffs[n] = coeffs.get(n, 0) + sign * v
                const += sign * c
            return coeffs, const
        if k == z3.Z3_OP_MUL:
            parts = [self._linear(a) for a in args]
            if any(p is None for p in parts) or sum(1 for cs, _ in parts if cs) > 1:
                return None
            factor = 1
            for cs, c in parts:
                if not cs:
                    factor *= c
            var = next(((cs, c) for cs, c in parts if cs), ({}, 1))
            return {n: v * factor for n, v in var[0].items()}, var[1] * factor
        return None

    def _linear_text(self, terms, op: str, k) -> tuple[str, int]:
        left = [(n, c) for n, c in terms if c > 0]
        right = [(n, -c) for n, c in terms if c < 0]
        text = lambda side: " + ".join(_term(self.slots[n].label, c) for n, c in side)
        rhs = text(right)
        if rhs and k != 0:
            rhs += f" + {_number(k)[0]}" if k > 0 else f" - {_number(-k)[0]}"
        elif not rhs:
            rhs = _wrap(_number(k), ADD)
        return f"{text(left)} {op} {rhs}", CMP

    def _arith(self, e: z3.ExprRef, k: int, args) -> tuple[str, int]:
        if k == z3.Z3_OP_TO_REAL:
            return self._p(args[0])
        lin = self._linear(e)
        if k in (z3.Z3_OP_ADD, z3.Z3_OP_SUB, z3.Z3_OP_MUL, z3.Z3_OP_UMINUS) and lin is not None and lin[0]:
            return self._sum(lin)
        if k == z3.Z3_OP_ADD:
            return " + ".join(self._at(a, MUL) for a in args), ADD
        if k == z3.Z3_OP_SUB:
            return self._at(args[0], ADD) + "".join(f" - {self._at(a, MUL)}" for a in args[1:]), ADD
        if k == z3.Z3_OP_UMINUS:
            return f"-{self._at(args[0], NEG)}", NEG
        if k == z3.Z3_OP_MUL:
            return self._at(args[0], MUL) + "".join(f" * {self._at(a, NEG)}" for a in args[1:]), MUL
        if k == z3.Z3_OP_DIV:
            return f"{self._at(args[0], MUL)} / {self._at(args[1], NEG)}", MUL
        if k in (z3.Z3_OP_IDIV, z3.Z3_OP_MOD) and z3.is_int_value(args[1]) and args[1].as_long() > 0:
            # Z3's Euclidean div and mod agree with floor division for a positive divisor
            op = "div" if k == z3.Z3_OP_IDIV else "%"
            return f"{self._at(args[0], MUL)} {op} {self._at(args[1], NEG)}", MUL
        raise Unprintable(f"the operator {e.decl().name()}")

    def _sum(self, lin) -> tuple[str, int]:
        coeffs, const = lin
        terms = sorted(((n, c) for n, c in coeffs.items() if c != 0), key=lambda t: self.order[t[0]])
        if any(self.slots[n].members is not None for n, _ in terms):
            raise Unprintable("arithmetic on an enum slot")
        text = ""
        for n, c in terms:
            piece = _term(self.slots[n].label, abs(c))
            text = (f"-{piece}" if c < 0 else piece) if not text else f"{text} {'-' if c < 0 else '+'} {piece}"
        if const:
            text += f" + {_number(const)[0]}" if const > 0 else f" - {_number(-const)[0]}"
        level = ADD if len(terms) > 1 or const else (MUL if "*" in text else NEG if text.startswith("-") else ATOM)
        return text, level


TRUE = ("true", ATOM)
_MIRROR = {"<=": ">=", "<": ">", ">=": "<=", ">": "<", "==": "==", "!=": "!="}


def _wrap(part: tuple[str, int], level: int) -> str:
    return part[0] if part[1] >= level else f"({part[0]})"


def _all_of(parts: list[tuple[str, int]]) -> tuple[str, int]:
    if any(p == ("false", ATOM) for p in parts):
        return "false", ATOM
    parts = [p for p in parts if p != TRUE]
    if not parts:
        return TRUE
    return parts[0] if len(parts) == 1 else (" and ".join(_wrap(p, AND) for p in parts), AND)


def _any_of(parts: list[tuple[str, int]]) -> tuple[str, int]:
    if any(p == TRUE for p in parts):
        return TRUE
    parts = [p for p in parts if p != ("false", ATOM)]
    if not parts:
        return "false", ATOM
    return parts[0] if len(parts) == 1 else (" or ".join(_wrap(p, PREFIX) for p in parts), OR)


def _member(label: str, members: tuple[str, ...], values, full: set[int]) -> tuple[str, int]:
    values = sorted(values)
    if set(values) == full:
        return TRUE
    if not values:
        return "false", ATOM
    if len(values) == 1:
        return f"{label} == {members[values[0]]}", CMP
    if len(values) == len(full) - 1:
        (missing,) = full - set(values)
        return f"{label} != {members[missing]}", CMP
    return " or ".join(f"{label} == {members[v]}" for v in values), OR


def _is_product(combos: set[tuple]) -> bool:
    if not combos:
        return False
    width = len(next(iter(combos)))
    return len(combos) == _product(len({c[i] for c in combos}) for i in range(width))


def _product(xs) -> int:
    n = 1
    for x in xs:
        n *= x
    return n


def constants(*terms: z3.ExprRef) -> list[z3.ExprRef]:
    """The uninterpreted constants of the terms (slots, quotients), sorted by name."""
    seen, out, todo = set(), [], list(terms)
    while todo:
        x = todo.pop()
        if x.get_id() in seen:
            continue
        seen.add(x.get_id())
        if z3.is_const(x) and x.decl().kind() == z3.Z3_OP_UNINTERPRETED:
            out.append(x)
        elif z3.is_app(x):
            todo.extend(x.children())
    return sorted(out, key=lambda c: c.decl().name())


def _value(e: z3.ExprRef):
    if z3.is_int_value(e):
        return e.as_long()
    q = e.as_fraction()
    return q.numerator if q.denominator == 1 else q


def _is_int(v) -> bool:
    return isinstance(v, int) or (isinstance(v, Fraction) and v.denominator == 1)


def _number(v) -> tuple[str, int]:
    if isinstance(v, Fraction) and v.denominator == 1:
        v = v.numerator
    if isinstance(v, Fraction):
        text = f"{abs(v.numerator)}/{v.denominator}"
        return (f"-({text})", NEG) if v < 0 else (text, MUL)
    return (f"-{-v}", NEG) if v < 0 else (str(v), ATOM)


def _term(label: str, c) -> str:
    return label if c == 1 else f"{_number(c)[0]} * {label}"


# ---------------------------------------------------------------- the readable form


def readable(inv: z3.BoolRef, wf: z3.BoolRef, slots: dict[str, Slot], timeout_ms: int = 2000) -> tuple[str, bool]:
    """(text, in the forkproof language?) for the invariant `inv` over states satisfying
    `wf`: simplified (contextually, under wf), checked equivalent to `inv` under wf by a
    solver, printed by `Printer`; Z3's syntax for what the printer cannot express."""
    form = _simplified(inv, wf, timeout_ms)
    if form is None or not _equivalent(form, inv, wf, timeout_ms):
        form = z3.simplify(inv)
    try:
        return Printer(slots).show(form), True
    except Unprintable:
        return str(form).replace("\n", " "), False


def _simplified(inv: z3.BoolRef, wf: z3.BoolRef, timeout_ms: int) -> z3.BoolRef | None:
    goal = z3.Goal()
    goal.add(wf, inv)
    try:
        tactic = z3.TryFor(z3.Then("simplify", "ctx-solver-simplify", "simplify"), timeout_ms)
        result = tactic(goal)
    except z3.Z3Exception:
        return None
    if len(result) != 1:
        return None
    kept = [f for f in result[0] if not _implied(wf, f, timeout_ms)]  # drop the slot domains again
    return z3.And(*kept) if len(kept) > 1 else kept[0] if kept else z3.BoolVal(True)


def _implied(wf: z3.BoolRef, f: z3.BoolRef, timeout_ms: int) -> bool:
    s = z3.Solver()
    s.set("timeout", timeout_ms)
    s.add(wf, z3.Not(f))
    return s.check() == z3.unsat


def _equivalent(a: z3.BoolRef, b: z3.BoolRef, wf: z3.BoolRef, timeout_ms: int) -> bool:
    return _implied(wf, a == b, timeout_ms)
