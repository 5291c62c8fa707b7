"""Diagnostics: errors in a model are values (code, span, message, notes), never exceptions
that reach the user.  Codes are grouped by phase:

- FP1xx  lexing and parsing
- FP2xx  names (unknown, duplicate, misuse)
- FP3xx  types
- FP4xx  instantiation (params, assumes, domains)
- FP5xx  command line
- FP6xx  imports (files a model imports, cycles, clashes; forkproof.spec.load)

`render` prints `file:line:col: error[FPnnn]: message`, the source line and a caret.

NOTE(span-file): a span in the file being loaded has no file; a span in a library that file
imports names it (`Span.file`: the import's path joined to the directory of the importing
file's path, as messages show it).  So a model merged from several files keeps, in every
diagnostic, note and JSON document, where each declaration was written, and nothing below
the spec layer needs to know that there were several files.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Span:
    """A region of a source file; lines and columns are 1-based, end is exclusive."""

    line: int
    col: int
    end_line: int
    end_col: int
    file: str | None = None  # NOTE(span-file): None in the file being loaded, else the imported file

    def to_json(self) -> dict[str, int]:
        return {"line": self.line, "col": self.col, "end_line": self.end_line, "end_col": self.end_col}

    def where(self) -> str:
        """`line 3`, or `line 3 of lib/bft.fork` for a span in an imported file."""
        return f"line {self.line}" if self.file is None else f"line {self.line} of {self.file}"


@dataclass(frozen=True, slots=True)
class Note:
    message: str
    span: Span | None = None


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    span: Span | None = None
    notes: tuple[Note, ...] = ()
    severity: str = "error"

    def to_json(self, path: str) -> dict[str, object]:
        """`file` is the file the span is in (`path`, the file loaded, or a library it imports:
        NOTE(span-file)); a note's span in another file than that one names its own `file`."""
        file = (self.span.file or path) if self.span else path

        def note_span(span: Span) -> dict[str, object]:
            out: dict[str, object] = dict(span.to_json())
            if (span.file or path) != file:
                out["file"] = span.file or path
            return out

        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "file": file,
            "span": self.span.to_json() if self.span else None,
            "notes": [{"message": n.message, "span": note_span(n.span) if n.span else None} for n in self.notes],
        }


class ModelError(Exception):
    """Carries one or more diagnostics from a phase to the CLI.  Raised only inside
    `spec`/`checker` and always caught by the CLI, which prints them and exits 2."""

    def __init__(self, diagnostics: list[Diagnostic] | Diagnostic):
        if isinstance(diagnostics, Diagnostic):
            diagnostics = [diagnostics]
        self.diagnostics: list[Diagnostic] = list(diagnostics)
        super().__init__("; ".join(d.message for d in self.diagnostics))


def closest(name: str, candidates: Collection[str]) -> str | None:
    """The candidate nearest to a misspelt `name`, if any is near enough."""
    import difflib  # only for a misspelt name: not part of every run's start-up (issue 16)

    found = difflib.get_close_matches(name, sorted(set(candidates)), n=1, cutoff=0.6)
    if found:
        return found[0]
    lowered = {c.lower(): c for c in candidates}
    return lowered.get(name.lower())


def _caret_block(source_lines: list[str], span: Span) -> list[str]:
    if not (1 <= span.line <= len(source_lines)):
        return []
    text = source_lines[span.line - 1].rstrip("\r")
    text = "".join(ch if ch.isprintable() else " " for ch in text)
    width = span.end_col - span.col if span.end_line == span.line else len(text) - span.col + 1
    width = max(1, width)
    gutter = f"{span.line:>4} | "
    return [gutter + text, " " * (len(gutter) + span.col - 1) + "^" * width]


def render(diag: Diagnostic, path: str, source: str | None) -> str:
    """The human form of a diagnostic, as printed by the CLI.  `source` is the text of
    `path`; a span in an imported file (NOTE(span-file)) is shown from that file, read again
    here (without its line when it can no longer be read)."""
    texts: dict[str | None, list[str]] = {None: source.split("\n") if source is not None else []}  # as the lexer counts lines: only \n

    def lines(span: Span) -> list[str]:
        if span.file is not None and span.file not in texts:
            try:
                texts[span.file] = Path(span.file).read_text(encoding="utf-8").split("\n")
            except (OSError, UnicodeDecodeError):
                texts[span.file] = []
        return texts.get(span.file, [])

    def at(span: Span) -> str:
        return f"{span.file or path}:{span.line}:{span.col}"

    out = [f"{at(diag.span) if diag.span else path}: {diag.severity}[{diag.code}]: {diag.message}"]
    if diag.span:
        out.extend(_caret_block(lines(diag.span), diag.span))
    for note in diag.notes:
        if note.span:
            out.append(f"  note: {at(note.span)}: {note.message}")
            out.extend("  " + s for s in _caret_block(lines(note.span), note.span))
        else:
            out.append(f"  note: {note.message}")
    return "\n".join(out)
