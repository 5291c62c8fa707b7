"""Loading: a file's text -> one type-checked model, with the libraries it imports read,
checked on their own and merged in (errors FP6xx).

NOTE(imports): `import "PATH"` at the top of a model or library names a library: a file that
starts `library Name` and declares only params, assumptions, enums, type aliases, defs and
thresholds.  PATH is relative to the directory of the importing file.  Each library is
parsed and type-checked on its own first, with only its own names and those of what it
imports, so a mistake in it is reported in that file, with a note for each import that led
there.  Then its declarations, and those of everything it imports, are put before the
importing file's own, as if written there: one model, one namespace (NOTE(one-namespace) in
spec/typecheck.py), and every engine sees an ordinary model.  A library reached twice (two
imports that both import it) is merged once; a name declared in two different files is an
error (FP603), as is a file that imports itself through others (FP602).  Spans keep their
file (NOTE(span-file)).
"""
from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from forkproof.spec import ast as A
from forkproof.spec import ir as I
from forkproof.spec.errors import Diagnostic, ModelError, Note, Span
from forkproof.spec.limits import DEFAULT, Limits
from forkproof.spec.parser import parse
from forkproof.spec.typecheck import check

# what a library may declare: constants and shared definitions, nothing with state
LIBRARY_DECLS = (A.ParamD, A.AssumeD, A.EnumD, A.TypeD, A.RecordD, A.DefD)

Reader = Callable[[str], str]


def read_file(path: str) -> str:
    """An imported file's text (OSError, UnicodeDecodeError when it cannot be read)."""
    return Path(path).read_text(encoding="utf-8")


def load_model_text(text: str, path: str = "<model>", read: Reader = read_file,
                    limits: Limits = DEFAULT) -> I.Model:
    """Parse `text` (the file `path`), read and check what it imports, and type-check the
    whole; ModelError with diagnostics otherwise.  `read` gives an imported file's text.
    `limits` (NOTE(limits) in spec/limits.py) apply to every file read and travel with the
    model to its instances."""
    key = os.path.realpath(path) if os.path.isfile(path) else None
    merged, _ = _Loader(read, limits).resolve(parse(text, limits), path, ((key, path),))
    _check_type_chains(merged, limits)
    model = check(merged, path)
    check_expansion(model, limits)
    return model if limits == DEFAULT else dataclasses.replace(model, limits=limits)


def check_expansion(model: I.Model, limits: Limits) -> None:
    """NOTE(limits) in spec/limits.py: engines expand every def call in place, so `def d1 = d0 + d0`,
    `def d2 = d1 + d1`, ... is 2^k nodes at d_k, far more than the few lines it takes.  Each
    def, and each expression the engines read, is measured with its calls expanded (an
    argument counted once per use of its parameter) before any engine runs; past the limit
    `work`, FP409 at the def or expression.  The measure is in nodes of the text, without the
    sizes of quantifier domains, which the compiler weighs per instance."""
    defs = {d.name: d for d in model.defs}
    shape: dict[str, tuple[int, int]] = {}  # def -> (nodes, depth), its calls expanded
    uses: dict[str, list[int]] = {}
    deepest = min(int(2.5 * limits.nesting), 250)  # the compiler recurses three frames per call level

    def measure(e: I.Expr) -> tuple[int, int]:
        """(nodes, depth) of `e` with every call expanded in place."""
        if isinstance(e, I.Call):
            n, d = shape[e.name]
            args = [measure(a) for a in e.args]
            return (1 + n + sum(an * max(1, u) for (an, _), u in zip(args, uses[e.name])),
                    1 + max([d, *(ad for _, ad in args)]))
        parts = [measure(c) for c in _children(e)]
        return 1 + sum(n for n, _ in parts), 1 + max((d for _, d in parts), default=0)

    def judge(e: I.Expr, what: str, span: Span | None) -> tuple[int, int]:
        n, d = measure(e)
        if d > deepest:
            raise ModelError(Diagnostic("FP105", f"{what}, with every def it calls expanded in place, is nested {d:,} "
                                                 f"levels deep, more than {deepest}: two and a half times the "
                                                 f"nesting limit ({limits.raise_hint('nesting')})", span))
        if n > limits.work:
            raise ModelError(Diagnostic("FP409", f"{what}, with every def it calls expanded in place, is {n:,} nodes, "
                                                 f"more than the engines take on ({limits.raise_hint('work')})", span))
        return n, d

    order = _callees_first({d.name: {x.name for x in _walk(d.body) if isinstance(x, I.Call)} for d in model.defs})
    if order is None:
        return  # a recursive def: the type checker reported it (FP207)
    for name in order:
        d = defs[name]
        uses[name] = [sum(isinstance(x, I.BoundRef) and x.binder.uid == p.uid for x in _walk(d.body))
                      for p in d.params]
        shape[name] = judge(d.body, f"def {name}", d.span)
    exprs: list[tuple[I.Expr, str, Span | None]] = [(a.expr, "this assumption", a.span) for a in model.assumes]
    exprs += [(i.expr, f"invariant {i.name}", i.span) for i in model.invariants]
    exprs += [(p.expr, f"property {p.name}", p.span) for p in model.properties]
    for a in model.actions:
        exprs.append((a.guard, f"the guard of {a.name}", a.span))
        todo = list(a.body)
        while todo:
            st = todo.pop()
            if isinstance(st, I.Assign):
                exprs.append((st.value, f"this assignment in {a.name}", st.span))
            elif isinstance(st, I.If):
                exprs.append((st.cond, f"this condition in {a.name}", st.span))
                todo.extend(st.then + st.else_)
            elif isinstance(st, I.For):
                todo.extend(st.body)
    for e, what, span in exprs:
        judge(e, what, span or e.span)


def _callees_first(deps: dict[str, set[str]]) -> list[str] | None:
    """The names of `deps` (name -> the names it uses), each after those it uses; None when
    some of them use each other in a cycle.  Without recursion: chains may be thousands long."""
    done: dict[str, None] = {}
    pending = {name: {x for x in uses if x in deps} for name, uses in deps.items()}
    while pending:
        ready = [n for n, rs in pending.items() if rs <= done.keys()]
        if not ready:
            return None
        for name in ready:
            done[name] = None
            del pending[name]
    return list(done)


def _check_type_chains(model: A.ModelD, limits: Limits) -> None:
    """NOTE(limits): a type alias or record defined by another, that one by a third, ..., is
    resolved recursively by the type checker; a chain longer than `nesting` is FP105 at the
    declaration where it passes it, counted here without recursion."""
    decls = {d.name: d for d in model.decls if isinstance(d, (A.TypeD, A.RecordD))}
    refs: dict[str, set[str]] = {}
    for name, d in decls.items():
        todo: list[object] = [d.type] if isinstance(d, A.TypeD) else [t for _, t, _ in d.fields]
        found: set[str] = set()
        while todo:
            x = todo.pop()
            if isinstance(x, A.Name) and x.id in decls:
                found.add(x.id)
            elif isinstance(x, tuple):
                todo.extend(x)
            elif dataclasses.is_dataclass(x) and not isinstance(x, type):
                todo.extend(getattr(x, f.name) for f in dataclasses.fields(x) if f.name != "span")
        refs[name] = found
    order = _callees_first(refs)
    if order is None:
        return  # a cycle: the type checker reports it (FP208)
    depth: dict[str, int] = {}
    for name in order:
        depth[name] = 1 + max((depth[r] for r in refs[name]), default=0)
        if depth[name] > limits.nesting:
            raise ModelError(Diagnostic("FP105", f"{name} is defined through a chain of {depth[name]} types, each "
                                                 f"by the next ({limits.raise_hint('nesting')})", decls[name].span))


def _children(e: I.Expr) -> list[I.Expr]:
    """The sub-expressions of `e` (not those inside types)."""
    out = []
    for f in dataclasses.fields(e):
        v = getattr(e, f.name)
        if isinstance(v, I.EXPR_NODES):
            out.append(v)
        elif isinstance(v, tuple):
            out.extend(x for x in v if isinstance(x, I.EXPR_NODES))
    return out


def _walk(e: I.Expr) -> Iterator[I.Expr]:
    """`e` and every sub-expression, without recursion."""
    todo = [e]
    while todo:
        x = todo.pop()
        yield x
        todo.extend(_children(x))


def load_model(path: str) -> I.Model:
    return load_model_text(read_file(path), path)


def read_source(path: str | os.PathLike[str], limits: Limits = DEFAULT) -> str:
    """The text of a model file; ModelError (FP001, FP002) when it cannot be read as UTF-8.
    At most the limit `file-size` and one byte more is read (a device or a pipe may never
    end): the parser reports FP003 on a text past the limit (NOTE(limits))."""
    p = Path(path)
    if not p.exists():
        raise ModelError(Diagnostic("FP001", f"no such file: {path}"))
    if p.is_dir():
        raise ModelError(Diagnostic("FP001", f"{path} is a directory, not a model file"))
    try:
        with open(p, "rb") as f:
            data = f.read(limits.file_size + 1)
            if len(data) > limits.file_size:
                data += f.readline(limits.file_size)  # the rest of the line where the limit is passed, to show it
        if len(data) > limits.file_size:  # cut: a character split at the end is dropped
            data[:-4].decode("utf-8")
            text = data.decode("utf-8", "ignore")
        else:
            text = data.decode("utf-8")
        return text.replace("\r\n", "\n").replace("\r", "\n")  # universal newlines, as text mode reads
    except UnicodeDecodeError as e:
        raise ModelError(Diagnostic("FP002", f"{path} is not UTF-8 text (byte {e.start})")) from None
    except OSError as e:
        raise ModelError(Diagnostic("FP001", f"cannot read {path}: {e.strerror}")) from None


def load_text(text: str, path: str = "<text>", read: Reader = read_file, limits: Limits = DEFAULT) -> I.Model:
    """Parse and type-check a model's text; `path` is the name its diagnostics use, and its
    directory is where the files it imports are (`read` gives one's text: a file on disk).
    `limits`: NOTE(limits) in spec/limits.py (`--limit`)."""
    try:
        return load_model_text(text, path, read, limits)
    except RecursionError:  # the nesting limit keeps this away; a last guard, without a location
        raise ModelError(Diagnostic("FP105", "the model is nested too deeply to read (lower than the limit "
                                             f"`nesting`, {limits.nesting}, allows: write it flatter)")) from None


@dataclass(frozen=True)
class _File:
    """One file's own declarations, spans in that file."""

    key: str  # its real path: the same file reached by two paths is one file
    path: str  # as shown in messages
    decls: tuple[A.DeclD, ...]


@dataclass(frozen=True)
class _Library:
    files: tuple[_File, ...]  # every file the library brings, itself last, each after what it imports


class _Loader:
    def __init__(self, read: Reader, limits: Limits = DEFAULT):
        self.read, self.limits = read, limits
        self.loaded: dict[str, _Library] = {}  # by real path: a library reached twice is read once

    def resolve(self, model: A.ModelD, path: str,
                stack: tuple[tuple[str | None, str], ...]) -> tuple[A.ModelD, tuple[_File, ...]]:
        """`model` (spans already in its file) with its imports' declarations merged in before
        its own, and the files merged, each once.  `stack`: the files being loaded, outermost
        first, for cycles."""
        diags: list[Diagnostic] = []
        if model.library:
            diags.extend(_not_in_library(d) for d in model.decls if not isinstance(d, LIBRARY_DECLS))
        files: dict[str, _File] = {}
        owner: dict[str, tuple[str, Span | None, A.ImportD]] = {}  # name -> (file key, declared at, import)
        for imp in model.imports:
            lib = self.library(imp, path, stack)
            for f in lib.files:
                for name, span in _names(f.decls):
                    first = owner.get(name)
                    if first is None:
                        owner[name] = (f.key, span, imp)
                    elif first[0] != f.key:
                        diags.append(_clash_of_imports(name, first, span, imp))
                files.setdefault(f.key, f)
        for name, span in _names(model.decls):
            if name in owner:
                diags.append(_clash_with_import(name, span, owner[name]))
        if diags:
            raise ModelError(diags)
        decls = tuple(d for f in files.values() for d in f.decls) + model.decls
        return dataclasses.replace(model, decls=decls, imports=()), tuple(files.values())

    def library(self, imp: A.ImportD, importer: str, stack: tuple[tuple[str | None, str], ...]) -> _Library:
        """The library `imp` names, read, checked on its own and with its own imports merged."""
        path = os.path.normpath(os.path.join(os.path.dirname(importer), imp.path))
        key = os.path.realpath(path)
        keys = [k for k, _ in stack]
        if key in keys:
            chain = [p for _, p in stack[keys.index(key):]] + [path]
            if len(chain) == 2:
                raise ModelError(Diagnostic("FP602", f"{importer} imports itself", imp.path_span))
            raise ModelError(Diagnostic("FP602", "import cycle: " + " -> ".join(chain), imp.path_span,
                                        (Note("a library cannot need, through its imports, the file that imports it; "
                                              "move what both need into a library of its own"),)))
        if key in self.loaded:
            return self.loaded[key]
        text = self.text(imp, path, importer)
        try:
            ast = _in_file(parse(text, self.limits), path)
        except ModelError as err:  # the parser's spans have no file: they are in this one
            raise ModelError([_imported_from(_in_file(d, path), path, imp) for d in err.diagnostics]) from None
        if not ast.library:
            raise ModelError(Diagnostic(
                "FP604", f"{path} is a model, and only a library can be imported", imp.path_span,
                (Note(f"a file of shared declarations starts with 'library {ast.name}' instead", ast.span),)))
        try:
            merged, files = self.resolve(ast, path, stack + ((key, path),))
            check(merged, path)  # a library is checked on its own: its mistakes are its own
        except ModelError as err:
            raise ModelError([_imported_from(d, path, imp) for d in err.diagnostics]) from None
        lib = _Library(files + (_File(key, path, ast.decls),))
        self.loaded[key] = lib
        return lib

    def text(self, imp: A.ImportD, path: str, importer: str) -> str:
        where = os.path.dirname(importer) or "the current directory"
        relative = Note(f"an import's path is relative to the directory of the file that imports it ({where})")
        if not imp.path:
            raise ModelError(Diagnostic("FP601", "an import needs the path of a library file", imp.path_span))
        if self.read is read_file and os.path.exists(path) and not os.path.isdir(path):
            if not os.path.isfile(path):  # a device or a pipe (/dev/zero) may never end
                raise ModelError(Diagnostic("FP601", f"cannot import '{imp.path}': {path} is not a regular file",
                                            imp.path_span))
            if os.path.getsize(path) > self.limits.file_size:  # NOTE(limits) in spec/limits.py
                raise ModelError(Diagnostic("FP003", f"cannot import '{imp.path}': {path} is longer than "
                                                     f"{self.limits.file_size:,} bytes ({self.limits.raise_hint('file-size')})",
                                            imp.path_span))
        try:
            return self.read(path)
        except FileNotFoundError:
            raise ModelError(Diagnostic("FP601", f"cannot import '{imp.path}': no such file {path}", imp.path_span,
                                        (relative,))) from None
        except IsADirectoryError:
            raise ModelError(Diagnostic("FP601", f"cannot import '{imp.path}': {path} is a directory, not a library file",
                                        imp.path_span, (relative,))) from None
        except UnicodeDecodeError as e:
            raise ModelError(Diagnostic("FP601", f"cannot import '{imp.path}': {path} is not UTF-8 text (byte {e.start})",
                                        imp.path_span)) from None
        except OSError as e:
            raise ModelError(Diagnostic("FP601", f"cannot import '{imp.path}': cannot read {path}: {e.strerror or e}",
                                        imp.path_span)) from None
        except ModelError as e:  # a reader of another source (diff --git: the file at a revision)
            raise ModelError(Diagnostic("FP601", f"cannot import '{imp.path}': " + "; ".join(
                d.message for d in e.diagnostics), imp.path_span)) from None


# ---------------------------------------------------------------- names and messages


def _names(decls: tuple[A.DeclD, ...]) -> list[tuple[str, Span | None]]:
    """The global names `decls` declare (NOTE(one-namespace)), with where."""
    out: list[tuple[str, Span | None]] = []
    for d in decls:
        match d:
            case A.EnumD():
                out.append((d.name, d.name_span))
                out.extend(d.members)
            case A.ParamD() | A.TypeD() | A.RecordD() | A.DefD() | A.ProcessD() | A.VarD() | A.ActionD() \
                    | A.InvariantD() | A.PropertyD():
                out.append((d.name, d.name_span))
            case A.ClockD():
                out.append((d.var.name, d.var.name_span))
    return out


def _not_in_library(d: A.DeclD) -> Diagnostic:
    match d:
        case A.ProcessD() | A.VarD() | A.ActionD() | A.InvariantD() | A.PropertyD():
            kind = {A.ProcessD: "a process family", A.VarD: "a state variable", A.ActionD: "an action",
                    A.InvariantD: "an invariant", A.PropertyD: "a property"}[type(d)]
            what, span = f"'{d.name}' is {kind}", d.name_span
        case A.FairD():
            what, span = f"'fair action {d.action}' is a fairness declaration", d.name_span
        case A.ClockD():
            what, span = f"'{d.var.name}' is a clock", d.var.name_span
        case A.UrgentD():
            what, span = f"'urgent action {d.action}' is about an action", d.name_span
        case _:
            raise AssertionError(f"{type(d).__name__} is allowed in a library (LIBRARY_DECLS)")
    return Diagnostic(
        "FP605", f"a library declares only params, assumptions, enums, types, records, defs and thresholds; {what}",
        span,
        (Note("declare it in the model that imports this library, or make this file a model "
              "('model NAME' in place of 'library NAME')"),))


def _clash_with_import(name: str, span: Span | None, first: tuple[str, Span | None, A.ImportD]) -> Diagnostic:
    _, declared, imp = first
    where = declared.file if declared is not None and declared.file else imp.path
    return Diagnostic("FP603", f"'{name}' is already declared in {where}, which this file imports; "
                               "rename one of them", span,
                      (Note(f"'{name}' is declared here", declared), Note("imported here", imp.span)))


def _clash_of_imports(name: str, first: tuple[str, Span | None, A.ImportD], span: Span | None,
                      imp: A.ImportD) -> Diagnostic:
    _, declared, first_imp = first
    a = declared.file if declared is not None else first_imp.path
    b = span.file if span is not None else imp.path
    return Diagnostic("FP603", f"'{name}' is declared both in {a} and in {b}, and this file imports both; "
                               "rename one of them", imp.path_span,
                      (Note(f"'{name}' is declared here", declared), Note("and here", span)))


def _imported_from(d: Diagnostic, path: str, imp: A.ImportD) -> Diagnostic:
    """A diagnostic in an imported file, with a note of the import that read it."""
    return dataclasses.replace(d, notes=d.notes + (Note(f"{path} is imported here", imp.span),))


N = TypeVar("N")


def _in_file(node: N, path: str) -> N:
    """`node` with every span that has no file put in `path` (NOTE(span-file))."""
    if isinstance(node, Span):
        return node if node.file is not None else dataclasses.replace(node, file=path)
    if isinstance(node, tuple):
        return tuple(_in_file(x, path) for x in node)  # type: ignore[return-value]
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        return dataclasses.replace(node, **{f.name: _in_file(getattr(node, f.name), path)
                                            for f in dataclasses.fields(node)})
    return node
