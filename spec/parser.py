"""Parsing: `.fork` text -> AST (`forkproof.spec.ast`), with spans; syntax errors become diagnostics.

The grammar (`grammar.lark`, package data) is loaded once.  Lark's errors are turned into
FP1xx diagnostics that name what was found and what was expected.
"""
from __future__ import annotations

import os
from fractions import Fraction
from functools import lru_cache
from typing import Any, Callable, cast

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError
from lark.tree import Meta

from forkproof.spec import ast as A
from forkproof.spec.errors import Diagnostic, ModelError, Note, Span
from forkproof.spec.limits import DEFAULT, Limits

KEYWORDS = frozenset(
    "model param assume enum type process var any in def threshold action when invariant property "
    "strong fair if then else for forall exists count sum where and or not implies iff always "
    "eventually true false div mod meant measures of expect violated clock urgent library import record".split()
)

# How expected terminals are named in error messages.
_TERMINAL_WORDS = {
    "NAME": "a name",
    "INT": "a number",
    "DECIMAL": "a number",
    "PERCENT": "a percentage",
    "CMP": "a comparison (==, !=, <, <=, >, >=)",
    "STRONG": "'strong'",
    "STRING": 'a "quoted reason"',
    "$END": "end of file",
}


def _cache_file() -> str | bool:
    """Where Lark keeps the built parser tables between runs (NOTE(parser-cache)), or False."""
    if os.environ.get("FORKPROOF_NO_CACHE"):
        return False
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    where = os.path.join(base, "forkproof")
    try:
        os.makedirs(where, mode=0o700, exist_ok=True)
    except OSError:
        return False
    if not os.access(where, os.W_OK):
        return False
    return os.path.join(where, "grammar.lark-cache")


@lru_cache(maxsize=1)
def _parser() -> Lark:
    # NOTE(parser-cache): building the LALR tables from grammar.lark takes about 0.1 s, on
    # every run.  Lark can keep them in a file: it stores the SHA-256 of the grammar text and
    # options with them and rebuilds (and rewrites the file) when they differ, so an edited
    # grammar or a new forkproof never loads stale tables; a file it cannot read or write is
    # skipped silently (lark's logger is at CRITICAL).  The file is a pickle, so it lives in
    # the user's own cache folder (made 0700), not in a shared temporary folder where another
    # user could plant one.  FORKPROOF_NO_CACHE=1 turns it off.
    return Lark.open("grammar.lark", rel_to=__file__, parser="lalr", lexer="basic", propagate_positions=True,
                     maybe_placeholders=True, cache=_cache_file())


def _span_of_token(tok: Token) -> Span:
    assert tok.line is not None and tok.column is not None  # lark types them Optional; its lexer sets them on every token
    return Span(tok.line, tok.column, tok.end_line or tok.line, tok.end_column or tok.column + len(tok))


def _span_of_meta(meta: Meta) -> Span | None:
    if getattr(meta, "empty", True):
        return None
    return Span(meta.line, meta.column, meta.end_line, meta.end_column)


_DECL_WORDS = frozenset(
    ["'action'", "'assume'", "'clock'", "'def'", "'enum'", "'fair'", "'import'", "'invariant'", "'param'", "'record'",
     "'process'", "'urgent'",
     "'property'", "'strong'", "'threshold'", "'type'", "'var'"]
)
_OPERATOR_WORDS = frozenset(
    ["'and'", "'or'", "'implies'", "'iff'", "'+'", "'-'", "'*'", "'/'", "'div'", "'%'", "'mod'", "'..'",
     "'~>'", "'.'", "'['", "'''", _TERMINAL_WORDS["CMP"]]
)


def _describe_expected(expected: set[str]) -> str:
    """Readable list of what the parser would have accepted; long keyword lists collapse
    into "an operator" and "a new declaration"."""
    words: set[str] = set()
    parser = _parser()
    for name in expected:
        if name in _TERMINAL_WORDS:
            words.add(_TERMINAL_WORDS[name])
            continue
        try:
            term = parser.get_terminal(name)
        except KeyError:
            words.add(name.lower())
            continue
        words.add(f"'{term.pattern.value}'" if term.pattern.type == "str" else name.lower())
    groups: list[str] = []
    for group, label in ((_OPERATOR_WORDS, "an operator"), (_DECL_WORDS, "a new declaration")):
        if len(words & group) >= 4:
            words -= group
            groups.append(label)
    ordered = sorted(words, key=lambda w: (not w.startswith("'"), w)) + groups
    if len(ordered) > 10:
        ordered = ordered[:10] + ["..."]
    if len(ordered) > 1:
        return ", ".join(ordered[:-1]) + " or " + ordered[-1]
    return ordered[0] if ordered else "nothing"


def _found(tok: Token) -> str:
    if tok.type == "$END":
        return "end of file"
    if tok.type == "NAME":
        return f"name '{tok}'"
    return f"'{tok}'"


def _syntax_error(err: UnexpectedInput, source: str) -> Diagnostic:
    if isinstance(err, UnexpectedCharacters):
        # lark declares `UnexpectedInput.pos_in_stream = None` (so its type is None) and
        # UnexpectedCharacters.__init__ always sets it to the lexer's offset, an int: no
        # isinstance can narrow a declared None, hence the cast.
        pos = cast(int, err.pos_in_stream)
        ch = source[pos] if pos < len(source) else "?"
        span = Span(err.line, err.column, err.line, err.column + 1)
        if ch == '"':
            return Diagnostic("FP101", "a quoted reason must end with '\"' on the same line", span)
        return Diagnostic("FP101", f"unexpected character {ch!r}", span)
    if isinstance(err, UnexpectedToken):
        tok = err.token
        if tok.type == "$END":
            lines = source.splitlines() or [""]
            line = len(lines)
            col = len(lines[-1]) + 1
            span = Span(line, col, line, col + 1)
        else:
            span = _span_of_token(tok)
        expected = _describe_expected(set(err.accepts or err.expected))
        message = f"unexpected {_found(tok)}; expected {expected}"
        if tok.type == "NAME" and str(tok) in KEYWORDS:
            message = f"unexpected keyword '{tok}'; expected {expected}"
        notes: tuple[Note, ...] = ()
        if tok.type == "EQUAL" and {"RBRACE", "COMMA"} <= set(err.accepts or err.expected):
            # inside `{ ... }` read as a set: most often a body after an incomplete guard
            before = source.splitlines()[tok.line - 1][:tok.column - 1] if tok.line else ""
            brace = before.rfind("{")
            where = Span(tok.line, brace + 1, tok.line, brace + 2) if brace >= 0 else None
            notes = (Note("this '{' starts a set here ({a, b}); if it starts the action's body, the expression "
                          "before it is incomplete", where),)
        elif tok.type == "EQUAL" and "CMP" in err.expected:
            notes = (Note("comparison is '==', assignment '=' is only allowed in action bodies"),)
        return Diagnostic("FP102", message, span, notes)
    if isinstance(err, UnexpectedEOF):
        lines = source.splitlines() or [""]
        span = Span(len(lines), len(lines[-1]) + 1, len(lines), len(lines[-1]) + 2)
        return Diagnostic("FP103", f"unexpected end of file; expected {_describe_expected(set(err.expected))}", span)
    return Diagnostic("FP100", f"syntax error: {err}", None)


def _name(tok: Token) -> str:
    """An identifier token; keywords may not be used as names."""
    if str(tok) in KEYWORDS:
        raise ModelError(Diagnostic("FP104", f"'{tok}' is a keyword and cannot be used as a name", _span_of_token(tok)))
    return str(tok)


@v_args(meta=True)
class _ToAst(Transformer[Token, A.ModelD]):
    """Lark tree -> AST.  Rule names follow grammar.lark."""

    # -- top level
    def start(self, meta: Meta, children: list[Any]) -> A.ModelD:
        (name, span, library), *decls = children
        imports = tuple(d for d in decls if isinstance(d, A.ImportD))
        late = next((d for d in decls[len(imports):] if isinstance(d, A.ImportD)), None)
        if late is not None:
            # the imported names are the first the file has: nothing above an import may need
            # them, and a reader finds every file a model reads at its top (as in Python)
            first = next(d for d in decls if not isinstance(d, A.ImportD))
            raise ModelError(Diagnostic("FP606", "an import must come before every other declaration", late.span,
                                        (Note("the first declaration that is not an import is here", first.span),)))
        return A.ModelD(name, tuple(decls[len(imports):]), span, library, imports)

    def model_header(self, meta: Meta, c: list[Any]) -> tuple[str, Span | None, bool]:
        return (_name(c[0]), _span_of_meta(meta), False)

    def library_header(self, meta: Meta, c: list[Any]) -> tuple[str, Span | None, bool]:
        return (_name(c[0]), _span_of_meta(meta), True)

    def import_decl(self, meta: Meta, c: list[Any]) -> A.ImportD:
        return A.ImportD(str(c[0])[1:-1], _span_of_meta(meta), _span_of_token(c[0]))

    def param_decl(self, meta: Meta, c: list[Any]) -> A.ParamD:
        return A.ParamD(_name(c[0]), c[1], c[2], _span_of_meta(meta), _span_of_token(c[0]))

    def assume_decl(self, meta: Meta, c: list[Any]) -> A.AssumeD:
        return A.AssumeD(c[0], _span_of_meta(meta))

    def enum_decl(self, meta: Meta, c: list[Any]) -> A.EnumD:
        return A.EnumD(_name(c[0]), tuple((_name(t), _span_of_token(t)) for t in c[1:]), _span_of_meta(meta), _span_of_token(c[0]))

    def record_decl(self, meta: Meta, c: list[Any]) -> A.RecordD:
        return A.RecordD(_name(c[0]), tuple(c[1:]), _span_of_meta(meta), _span_of_token(c[0]))

    def record_field(self, meta: Meta, c: list[Any]) -> tuple[str, A.ExprE, Span | None]:
        return (_name(c[0]), c[1], _span_of_token(c[0]))

    def record_lit(self, meta: Meta, c: list[Any]) -> A.RecordE:
        return A.RecordE(tuple((_name(c[i]), c[i + 1], _span_of_token(c[i])) for i in range(0, len(c), 2)),
                         _span_of_meta(meta))

    def type_decl(self, meta: Meta, c: list[Any]) -> A.TypeD:
        return A.TypeD(_name(c[0]), c[1], _span_of_meta(meta), _span_of_token(c[0]))

    def process_decl(self, meta: Meta, c: list[Any]) -> A.ProcessD:
        return A.ProcessD(_name(c[0]), c[1], tuple(c[2:]), _span_of_meta(meta), _span_of_token(c[0]))

    def var_decl(self, meta: Meta, c: list[Any]) -> A.VarD:
        name, ty = c[0], c[1]
        init = c[2] if len(c) > 2 else None
        if init is None:
            kind, expr = "none", None
        else:
            kind, expr = init
        return A.VarD(_name(name), ty, kind, expr, _span_of_meta(meta), _span_of_token(name))

    def init_expr(self, meta: Meta, c: list[Any]) -> tuple[str, A.ExprE]:
        return ("expr", c[0])

    def init_any(self, meta: Meta, c: list[Any]) -> tuple[str, None]:
        return ("any", None)

    def init_in(self, meta: Meta, c: list[Any]) -> tuple[str, A.ExprE]:
        return ("in", c[0])

    def formals(self, meta: Meta, c: list[Any]) -> tuple[A.Formal, ...]:
        return tuple(x for x in c if x is not None)

    def formal(self, meta: Meta, c: list[Any]) -> A.Formal:
        return A.Formal(_name(c[0]), c[1], _span_of_meta(meta))

    def def_decl(self, meta: Meta, c: list[Any]) -> A.DefD:
        name = _name(c[0])
        rest = list(c[1:])
        meant = rest.pop() if rest and isinstance(rest[-1], _Meant) else None
        formals = rest.pop(0) if rest and isinstance(rest[0], tuple) else ()
        ret = rest[0] if len(rest) == 2 else None
        return A.DefD(name, formals or (), ret, rest[-1], False, _span_of_meta(meta), _span_of_token(c[0]),
                      *_meant_fields(meant))

    def threshold_decl(self, meta: Meta, c: list[Any]) -> A.DefD:
        name = _name(c[0])
        rest = [x for x in c[1:] if x is not None]
        measures = rest.pop() if isinstance(rest[-1], _Measures) else None
        meant = rest.pop() if isinstance(rest[-1], _Meant) else None
        formals = rest[0] if len(rest) == 2 else ()
        meant_expr, meant_span = _meant_fields(meant)
        support, population, measures_span = _measures_fields(measures)
        return A.DefD(name, formals or (), None, rest[-1], True, _span_of_meta(meta), _span_of_token(c[0]),
                      meant_expr, meant_span, support, population, measures_span)

    def meant(self, meta: Meta, c: list[Any]) -> _Meant:
        return _Meant(c[0], _span_of_meta(meta))

    def measures(self, meta: Meta, c: list[Any]) -> _Measures:
        return _Measures(c[0], c[1], _span_of_meta(meta))

    def action_decl(self, meta: Meta, c: list[Any]) -> A.ActionD:
        formals: tuple[A.Formal, ...] = ()
        guard: A.ExprE | None = None
        body: tuple[A.StmtS, ...] = ()
        for x in c[1:]:
            if isinstance(x, _Block):
                body = tuple(x)
            elif isinstance(x, _Guard):
                guard = x.expr
            elif isinstance(x, tuple):
                formals = x
        return A.ActionD(_name(c[0]), formals, guard, body, _span_of_meta(meta), _span_of_token(c[0]))

    def guard(self, meta: Meta, c: list[Any]) -> _Guard:
        return _Guard(c[0])

    def block(self, meta: Meta, c: list[Any]) -> _Block:
        return _Block(c)

    def invariant_decl(self, meta: Meta, c: list[Any]) -> A.InvariantD:
        expect = c[2] if len(c) > 2 else None
        return A.InvariantD(_name(c[0]), c[1], _span_of_meta(meta), _span_of_token(c[0]), expect)

    def property_decl(self, meta: Meta, c: list[Any]) -> A.PropertyD:
        expect = c[2] if len(c) > 2 else None
        return A.PropertyD(_name(c[0]), c[1], _span_of_meta(meta), _span_of_token(c[0]), expect)

    def expectation(self, meta: Meta, c: list[Any]) -> A.ExpectD:
        when = next((x.expr for x in c if isinstance(x, _Guard)), None)
        reason = next((str(x)[1:-1] for x in c if isinstance(x, Token) and x.type == "STRING"), None)
        return A.ExpectD("violated", when, reason, _span_of_meta(meta))

    def expect_when(self, meta: Meta, c: list[Any]) -> _Guard:
        return _Guard(c[0])

    def fair_decl(self, meta: Meta, c: list[Any]) -> A.FairD:
        strong = bool(c) and isinstance(c[0], Token) and c[0].type == "STRONG"
        rest = c[1:] if strong else c
        when = next((x.expr for x in rest if isinstance(x, _Guard)), None)
        per = next((x for x in rest[1:] if isinstance(x, tuple)), ())
        return A.FairD(_name(rest[0]), strong, per, _span_of_meta(meta), _span_of_token(rest[0]), when)

    def fair_per(self, meta: Meta, c: list[Any]) -> tuple[str, ...]:
        return tuple(_name(t) for t in c)

    def clock_decl(self, meta: Meta, c: list[Any]) -> A.ClockD:
        name, ty, init = c[0], c[1], c[2]
        when = next((x.expr for x in c[3:] if isinstance(x, _Guard)), None)
        body = next((tuple(x) for x in c[3:] if isinstance(x, _Block)), ())
        zero = A.NumLit(0, "0", _span_of_token(name))
        var = A.VarD(_name(name), ty, "expr", init if init is not None else zero, _span_of_meta(meta), _span_of_token(name))
        return A.ClockD(var, when, _span_of_meta(meta), body)

    def urgent_decl(self, meta: Meta, c: list[Any]) -> A.UrgentD:
        return A.UrgentD(_name(c[0]), _span_of_meta(meta), _span_of_token(c[0]))

    # -- statements
    def assign(self, meta: Meta, c: list[Any]) -> A.AssignS:
        return A.AssignS(c[0], c[1], _span_of_meta(meta))

    def if_stmt(self, meta: Meta, c: list[Any]) -> A.IfS:
        cond, then = c[0], tuple(c[1])
        els = c[2] if len(c) > 2 else None
        else_: tuple[A.StmtS, ...]
        if els is None:
            else_ = ()
        elif isinstance(els, _Block):
            else_ = tuple(els)
        else:
            else_ = (els,)
        return A.IfS(cond, then, else_, _span_of_meta(meta))

    def for_stmt(self, meta: Meta, c: list[Any]) -> A.ForS:
        return A.ForS(_name(c[0]), c[1], tuple(c[2]), _span_of_token(c[0]), _span_of_meta(meta))

    # -- types
    def map_type(self, meta: Meta, c: list[Any]) -> A.MapTypeE:
        return A.MapTypeE(c[0], c[1], _span_of_meta(meta))

    # -- expressions
    @staticmethod
    def _bin(op: str) -> Callable[[_ToAst, Meta, list[Any]], A.BinaryE]:
        def rule(self: _ToAst, meta: Meta, c: list[Any]) -> A.BinaryE:
            return A.BinaryE(op, c[0], c[-1], _span_of_meta(meta))

        return rule

    leadsto = _bin("~>")
    implies = _bin("implies")
    iff = _bin("iff")
    or_ = _bin("or")
    and_ = _bin("and")
    add = _bin("+")
    sub = _bin("-")
    mul = _bin("*")
    div = _bin("/")
    floordiv = _bin("div")
    mod = _bin("%")

    def compare(self, meta: Meta, c: list[Any]) -> A.BinaryE:
        return A.BinaryE(str(c[1]), c[0], c[2], _span_of_meta(meta))

    member = _bin("in")

    def set_lit(self, meta: Meta, c: list[Any]) -> A.SetE:
        return A.SetE(tuple(x for x in c if x is not None), _span_of_meta(meta))

    def set_comp(self, meta: Meta, c: list[Any]) -> A.SetCompE:
        return A.SetCompE(_name(c[0]), c[1], c[2], _span_of_token(c[0]), _span_of_meta(meta))

    @staticmethod
    def _un(op: str) -> Callable[[_ToAst, Meta, list[Any]], A.UnaryE]:
        def rule(self: _ToAst, meta: Meta, c: list[Any]) -> A.UnaryE:
            return A.UnaryE(op, c[0], _span_of_meta(meta))

        return rule

    not_ = _un("not")
    always = _un("always")
    eventually = _un("eventually")
    neg = _un("-")

    def ite(self, meta: Meta, c: list[Any]) -> A.IteE:
        return A.IteE(c[0], c[1], c[2], _span_of_meta(meta))

    def forall(self, meta: Meta, c: list[Any]) -> A.QuantE:
        return A.QuantE("forall", _name(c[0]), c[1], None, c[2], _span_of_token(c[0]), _span_of_meta(meta))

    def exists(self, meta: Meta, c: list[Any]) -> A.QuantE:
        return A.QuantE("exists", _name(c[0]), c[1], None, c[2], _span_of_token(c[0]), _span_of_meta(meta))

    def count(self, meta: Meta, c: list[Any]) -> A.QuantE:
        return A.QuantE("count", _name(c[0]), c[1], c[2], None, _span_of_token(c[0]), _span_of_meta(meta))

    def sum_agg(self, meta: Meta, c: list[Any]) -> A.QuantE:
        return A.QuantE("sum", _name(c[0]), c[1], c[2], c[3], _span_of_token(c[0]), _span_of_meta(meta))

    def range(self, meta: Meta, c: list[Any]) -> A.RangeE:
        return A.RangeE(c[0], c[1], _span_of_meta(meta))

    def field(self, meta: Meta, c: list[Any]) -> A.FieldE:
        return A.FieldE(c[0], _name(c[1]), _span_of_token(c[1]), _span_of_meta(meta))

    def index(self, meta: Meta, c: list[Any]) -> A.IndexE:
        return A.IndexE(c[0], c[1], _span_of_meta(meta))

    def prime(self, meta: Meta, c: list[Any]) -> A.PrimeE:
        return A.PrimeE(c[0], _span_of_meta(meta))

    def call(self, meta: Meta, c: list[Any]) -> A.CallE:
        args = tuple(a for a in c[1:] if a is not None)
        return A.CallE(_name(c[0]), args, _span_of_token(c[0]), _span_of_meta(meta))

    def name(self, meta: Meta, c: list[Any]) -> A.Name:
        return A.Name(_name(c[0]), _span_of_token(c[0]))

    def int_lit(self, meta: Meta, c: list[Any]) -> A.NumLit:
        return A.NumLit(int(c[0]), str(c[0]), _span_of_token(c[0]))

    def decimal_lit(self, meta: Meta, c: list[Any]) -> A.NumLit:
        return A.NumLit(Fraction(str(c[0])), str(c[0]), _span_of_token(c[0]))

    def percent_lit(self, meta: Meta, c: list[Any]) -> A.NumLit:
        return A.NumLit(Fraction(str(c[0])[:-1]) / 100, str(c[0]), _span_of_token(c[0]))

    def true_lit(self, meta: Meta, c: list[Any]) -> A.BoolLit:
        return A.BoolLit(True, _span_of_meta(meta))

    def false_lit(self, meta: Meta, c: list[Any]) -> A.BoolLit:
        return A.BoolLit(False, _span_of_meta(meta))


class _Meant:
    """A `meant EXPR` clause: the expression and the span of the whole clause."""

    __slots__ = ("expr", "span")

    def __init__(self, expr: A.ExprE, span: Span | None):
        self.expr, self.span = expr, span


def _meant_fields(m: _Meant | None) -> tuple[A.ExprE | None, Span | None]:
    return (None, None) if m is None else (m.expr, m.span)


class _Measures:
    """A `measures SUPPORT of POPULATION` clause and the span of the whole clause."""

    __slots__ = ("support", "population", "span")

    def __init__(self, support: A.ExprE, population: A.ExprE, span: Span | None):
        self.support, self.population, self.span = support, population, span


def _measures_fields(m: _Measures | None) -> tuple[A.ExprE | None, A.ExprE | None, Span | None]:
    return (None, None, None) if m is None else (m.support, m.population, m.span)


class _Guard:
    __slots__ = ("expr",)

    def __init__(self, expr: A.ExprE):
        self.expr = expr


class _Block(list[A.StmtS]):
    """The statements of a `{ ... }` block (a list, told apart from formals)."""


def parse(source: str, limits: Limits = DEFAULT) -> A.ModelD:
    """Parse a whole model; raises ModelError with FP1xx diagnostics, and FP003, FP105, FP107
    for a file past the limits (NOTE(limits) in spec/limits.py)."""
    _check_size(source, limits)
    try:
        tree = _parser().parse(source)
    except UnexpectedInput as err:
        raise ModelError(_syntax_error(err, source)) from None
    _check_tree(tree, limits)
    try:
        return _ToAst().transform(tree)
    except VisitError as err:  # Lark wraps what a callback raised: a diagnostic, a budget crossed, a bug
        raise err.orig_exc from None


def _check_size(source: str, limits: Limits) -> None:
    """FP003 at the line where the text passes `file-size` bytes (counted as UTF-8)."""
    if len(source) <= limits.file_size // 4 or len(source.encode("utf-8", "surrogatepass")) <= limits.file_size:
        return
    cut = source.encode("utf-8", "surrogatepass")[:limits.file_size].decode("utf-8", "ignore")
    line = cut.count("\n") + 1
    col = len(cut) - (cut.rfind("\n") + 1) + 1
    raise ModelError(Diagnostic("FP003", f"the file is longer than {limits.file_size:,} bytes; it passes the "
                                         f"size limit here ({limits.raise_hint('file-size')})",
                                Span(line, col, line, col + 1)))


def _check_tree(tree: Tree, limits: Limits) -> None:
    """FP105 at the first construct nested deeper than `nesting` levels of the parse tree, and
    FP107 at an integer literal longer than `digits`: checked on Lark's tree, without
    recursion, before the recursive passes (the AST, the type checker, the compiler) run."""
    stack: list[tuple[Tree, int, Span | None]] = [(tree, 1, None)]
    while stack:
        node, depth, outer = stack.pop()
        meta = node.meta
        here = outer if getattr(meta, "empty", True) else Span(meta.line, meta.column, meta.line, meta.column + 1)
        if depth > limits.nesting:
            raise ModelError(Diagnostic("FP105", f"this is nested more than {limits.nesting} levels deep "
                                                 f"({limits.raise_hint('nesting')})", here))
        for child in node.children:
            if isinstance(child, Tree):
                stack.append((child, depth + 1, here))
            elif isinstance(child, Token) and child.type in ("INT", "DECIMAL", "PERCENT") \
                    and len(child) > limits.digits:
                raise ModelError(Diagnostic("FP107", f"this number has {len(child):,} digits "
                                                     f"({limits.raise_hint('digits')})", _span_of_token(child)))
