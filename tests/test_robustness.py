"""Robustness of the CLI: exit code 2 and a located diagnostic, never a traceback, on any input.

A bad model never yields a traceback; errors print as
`file:line:col: error[FPxxx]: message`, then the source line and a caret.  Exit 2 means the
model or the command line is wrong, 3 inconclusive (docs/architecture.md); an internal error also
exits 3 ("internal error" on stderr), which these tests treat as a failure: it is a bug.

Hypothesis feeds `forkproof check` in-process (click's CliRunner) with:
(a) arbitrary text (unicode, control characters, long lines), and token soup after a
    valid header, which gets past the lexer into the parser;
(b) mutants of the shipped models (a range deleted, a line duplicated, two tokens swapped,
    a name misspelt, a keyword or operator inserted, the file truncated);
(c) models generated from the language's declarations, most of them well-typed, which get
    past the type checker into instantiation, the compiler and the search.
An input that is a valid model must run to 0, 1 or 3 (inconclusive), never crash.  The
empty file and files that are not models have plain tests.

Each property runs in both tiers (tests/conftest.py): FAST_EXAMPLES inputs in the fast tier,
SLOW_EXAMPLES in the slow one (`pytest --slow`).

Bugs found here are pinned by tests at the end of the file: regression tests for the
fixed ones, strict xfail tests (STYLE.md) for those still open.
"""
from __future__ import annotations

import os
import re
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import event as _hypothesis_event
from hypothesis.errors import InvalidArgument
from hypothesis import strategies as st

from forkproof.cli.main import cli
from forkproof.spec.parser import KEYWORDS

ROOT = Path(__file__).resolve().parents[1]
MODELS = {p.stem: p.read_text(encoding="utf-8") for p in sorted((ROOT / "models").glob("*.fork"))}

# Per run: a small state budget and a timeout keep a mutant with a big state space cheap.
LIMITS = ["--max-states", "2000", "--timeout", "10"]
# Examples per property and tier: the fast tier keeps the file near 5 s, the slow one near
# half a minute; FORKPROOF_FUZZ_EXAMPLES=5000 digs deeper in the slow tier.
FAST_EXAMPLES = 50
SLOW_EXAMPLES = int(os.environ.get("FORKPROOF_FUZZ_EXAMPLES", "300"))
FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], print_blob=True)


def fuzz(tier: str, body, **strategies) -> None:
    """Run `body` as a Hypothesis test over `strategies`, with the tier's example count;
    derandomized or not as the profile says (tests/conftest.py)."""
    n = SLOW_EXAMPLES if tier == "slow" else FAST_EXAMPLES
    settings(FUZZ, max_examples=n)(given(**strategies)(body))()


# ---------------------------------------------------------------- running and judging


def run_check(path: Path, *extra: str) -> Result:
    """FORKPROOF_DEBUG makes an internal error print its traceback: the failure says where."""
    return CliRunner(env={"FORKPROOF_DEBUG": "1"}).invoke(cli, ["check", str(path), *LIMITS, *extra])


def write(tmp_path: Path, text: str, name: str = "fuzz.fork") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8", "surrogatepass"))
    return path


def assert_no_crash(r: Result) -> None:
    """No exception escaped the CLI, no traceback printed, no internal error reported."""
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        raise AssertionError("the CLI raised:\n" + "".join(traceback.format_exception(*r.exc_info)))
    both = r.stdout + r.stderr
    assert "Traceback" not in both, both
    assert "internal error" not in r.stderr, r.stderr
    assert r.exit_code in (0, 1, 2, 3), (r.exit_code, both)


def event(label: str) -> None:
    """Hypothesis statistics; a no-op when a plain test uses the same assertions."""
    try:
        _hypothesis_event(label)
    except InvalidArgument:
        pass


def source_lines(text: str) -> list[str]:
    """The file's lines as the lexer counts them: the CLI reads with universal newlines,
    and Lark counts only '\\n' as a line break."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def assert_located_error(r: Result, path: Path, text: str) -> None:
    """Exit 2; at least one `path:line:col: error[FPnnn]: ` line, and every such line is
    followed by that very source line (each unprintable character, tab included, shown as
    one space, so that a model cannot send control codes to a terminal) and a caret under `col`."""
    assert_no_crash(r)
    assert r.exit_code == 2, (r.exit_code, r.stdout, r.stderr)
    head = re.compile(rf"^{re.escape(str(path))}:(\d+):(\d+): error\[FP\d{{3}}\]: ")
    err = r.stderr.split("\n")
    found = [(i, m) for i, line in enumerate(err) if (m := head.match(line))]
    assert found, f"no located diagnostic in:\n{r.stderr}"
    lines = source_lines(text)
    for i, m in found:
        line, col = int(m[1]), int(m[2])
        assert i + 2 < len(err), f"diagnostic without source line and caret:\n{r.stderr}"
        gutter = f"{line:>4} | "
        assert err[i + 1].startswith(gutter), f"no source line {line} after the diagnostic:\n{r.stderr}"
        shown = "".join(ch if ch.isprintable() else " " for ch in lines[line - 1])
        assert err[i + 1] == gutter + shown, (
            f"wrong source line for {line}:{col}: {err[i + 1]!r}, file has {lines[line - 1]!r}")
        caret = err[i + 2]
        assert caret.strip(" ").startswith("^") and set(caret.strip()) == {"^"}, caret
        assert caret.index("^") == len(gutter) + col - 1, f"caret not under column {col}:\n{r.stderr}"


def assert_sane_exit(r: Result, path: Path, text: str) -> None:
    """A bad model exits 2 with a located diagnostic; a good one runs to 0, 1 or 3."""
    assert_no_crash(r)
    event(f"exit {r.exit_code}")
    if r.exit_code == 2:
        event(re.search(r"error\[(FP\d{3})\]", r.stderr)[1])
        assert_located_error(r, path, text)
    elif r.exit_code == 3:
        assert "unknown" in r.stdout or "weaker than --require" in r.stdout, r.stdout


# ---------------------------------------------------------------- known bugs
#
# A bug still open has a strict xfail test at the end of this file; the properties skip the
# inputs that hit it (recognised by the innermost frame of the traceback and the exception,
# printed because run_check sets FORKPROOF_DEBUG) so that they keep checking the rest.

KNOWN_CRASHES: list[tuple[str, str, str, str]] = [  # (file, function, exception line regex, xfail test); none open
]


def skip_known_bugs(r: Result) -> None:
    if "internal error" not in r.stderr:
        return
    frames = re.findall(r'^  File "[^"]*?([^/"]+)", line \d+, in (\w+)$', r.stderr, re.M)
    last = r.stderr.rstrip("\n").split("\n")[-1]
    bug = next((test for file, fn, exc, test in KNOWN_CRASHES
                if frames and frames[-1] == (file, fn) and re.fullmatch(exc, last)), None)
    if bug is not None:
        event(f"skipped, known bug: {bug}")
    assume(bug is None)


# ---------------------------------------------------------------- (a) arbitrary text

_long_line = st.text(min_size=200, max_size=5000).map(lambda s: s.replace("\n", " "))
arbitrary_text = st.one_of(
    st.text(),  # any unicode, control characters included
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.text(alphabet="model{}()[]=:;,.'\"/*%~<>!-+ \t\n\r0123456789abcXYZ_", max_size=300),
    _long_line,
)  # the empty file: test_empty_file and test_empty_file_error_shows_the_empty_line_and_a_caret

_VOCAB = sorted(KEYWORDS) + [
    "+", "-", "*", "/", "%", "==", "!=", "<=", ">=", "<", ">", "~>", "..", ".", ",", ":", "(", ")",
    "[", "]", "{", "}", "=", "'", "N", "x", "y", "Validator", "Ballot", "int", "bool", "rat",
    "0", "1", "2", "-1", "80%", "1.5", "2/3", "99999999999999999999999", "\n", "//c\n", "/* c */",
]
# A valid header then a soup of the language's own tokens: gets past the lexer, often
# past the parser, into name resolution, type checking and instantiation.
token_soup = st.lists(st.sampled_from(_VOCAB), max_size=60).map(lambda ts: "model Soup\n" + " ".join(ts))


def test_arbitrary_text_exits_2_with_located_error(tmp_path_factory, tier):
    def body(text):
        path = write(tmp_path_factory.mktemp("text"), text)
        r = run_check(path)
        skip_known_bugs(r)
        if r.exit_code != 2:  # only a real model can be accepted
            assert re.match(r"\s*(//[^\n]*\n\s*|/\*.*?\*/\s*)*model\s", text, re.S), (r.exit_code, text)
        assert_sane_exit(r, path, text)

    fuzz(tier, body, text=arbitrary_text)


def test_token_soup_never_crashes(tmp_path_factory, tier):
    def body(text):
        path = write(tmp_path_factory.mktemp("soup"), text)
        r = run_check(path)
        skip_known_bugs(r)
        assert_sane_exit(r, path, text)

    fuzz(tier, body, text=token_soup)


# ---------------------------------------------------------------- (b) mutated models

_TOKEN = re.compile(r"//[^\n]*|/\*.*?\*/|\d+(?:\.\d+)?%?|[A-Za-z_]\w*|~>|\.\.|[=!<>]=|\S", re.S)
_INSERTS = sorted(KEYWORDS) + ["+", "-", "*", "/", "%", "==", "!=", "<", "~>", "..", ".", ",", ":",
                                "(", ")", "[", "]", "{", "}", "=", "'", "0", "7", "-1", "1/0", "100%"]


def _tokens(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _TOKEN.finditer(text)]


def _misspell(name: str, how: int, pos: int) -> str:
    i = pos % len(name)
    if how == 0:
        return name[:i] + name[i + 1:] or name + "_"  # drop a letter
    if how == 1:
        return name[:i] + name[i] + name[i:]  # double a letter
    if how == 2 and len(name) > 1:
        j = min(i, len(name) - 2)
        return name[:j] + name[j + 1] + name[j] + name[j + 2:]  # swap two neighbours
    if how == 3:
        return name.swapcase()
    return name + "s"


@st.composite
def mutation(draw, text: str) -> str:
    """One random edit of `text`."""
    toks = _tokens(text)
    kind = draw(st.sampled_from(["delete_chars", "delete_tokens", "duplicate_line", "swap_tokens",
                                 "misspell", "insert", "truncate"]))
    if kind == "delete_chars":
        i = draw(st.integers(0, len(text)))
        return text[:i] + text[i + draw(st.integers(1, 40)):]
    if kind == "delete_tokens" and toks:
        i = draw(st.integers(0, len(toks) - 1))
        j = min(len(toks) - 1, i + draw(st.integers(0, 5)))
        return text[:toks[i][0]] + text[toks[j][1]:]
    if kind == "duplicate_line":
        lines = text.split("\n")
        i = draw(st.integers(0, len(lines) - 1))
        return "\n".join(lines[:i + 1] + [lines[i]] + lines[i + 1:])
    if kind == "swap_tokens" and len(toks) > 1:
        i, j = sorted(draw(st.lists(st.integers(0, len(toks) - 1), min_size=2, max_size=2, unique=True)))
        (a0, a1), (b0, b1) = toks[i], toks[j]
        return text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:]
    if kind == "misspell":
        names = [(s, e) for s, e in toks if re.fullmatch(r"[A-Za-z_]\w*", text[s:e]) and text[s:e] not in KEYWORDS]
        if names:
            s, e = draw(st.sampled_from(names))
            new = _misspell(text[s:e], draw(st.integers(0, 4)), draw(st.integers(0, 100)))
            return text[:s] + new + text[e:]
    if kind == "insert" and toks:
        at = toks[draw(st.integers(0, len(toks) - 1))][draw(st.integers(0, 1))]
        return text[:at] + " " + draw(st.sampled_from(_INSERTS)) + " " + text[at:]
    return text[:draw(st.integers(0, len(text)))]  # truncate


# A mutant tests the front end (lexer, parser, type checker, instantiation) and a small
# instance, not the every-size prover: a param the model leaves open (`param N: int` means
# every N, proved for all sizes at once and checked up to 6; `param RULE: Rule` means both
# rules) is bound to a small value in the text, before mutating and again after, for an int
# param that the mutation left without one.  (Binding in the text, not with --param: a
# mutant may no longer declare the param, and --param of an unknown param is an error
# without a location.)
_OPEN_PARAM = re.compile(r"^([ \t]*param[ \t]+\w+[ \t]*:[ \t]*(\w+))(?=[ \t]*(?://[^\n]*)?$)", re.M)
_OPEN_INT_PARAM = re.compile(r"\bparam\s+\w+\s*:\s*int\b(?!\s*=)")
SMALL_N = "2"


def bind_params(text: str, pick: int = 0) -> str:
    """Each param declared without a value gets one: an int SMALL_N, a bool false, an enum
    its member number `pick` (modulo its size)."""
    def value(m: re.Match) -> str:
        ty = m[2]
        if ty == "int":
            return f"{m[1]} = {SMALL_N}"
        if ty == "bool":
            return f"{m[1]} = false"
        enum = re.search(rf"\benum\s+{re.escape(ty)}\s*\{{\s*([^}}]*)\}}", text)
        members = [x.strip() for x in enum[1].split(",") if x.strip()] if enum else []
        return f"{m[1]} = {members[pick % len(members)]}" if members else m[0]
    return _OPEN_PARAM.sub(value, text)


def bind_open_ints(text: str) -> str:
    """After a mutation: any `param X: int` still without a value gets SMALL_N."""
    return _OPEN_INT_PARAM.sub(lambda m: f"{m[0]} = {SMALL_N}", text)


@st.composite
def mutant(draw) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(MODELS)))
    text = bind_params(MODELS[name], draw(st.integers(0, 1)))
    for _ in range(draw(st.integers(1, 3))):
        text = draw(mutation(text))
    return name, bind_open_ints(text)


def test_mutated_models_exit_cleanly(tmp_path_factory, tier):
    def body(case):
        name, text = case
        path = write(tmp_path_factory.mktemp("mutant"), text, f"{name}.fork")
        r = run_check(path)
        skip_known_bugs(r)
        assert_sane_exit(r, path, text)

    fuzz(tier, body, case=mutant())


# ---------------------------------------------------------------- (c) generated models
#
# Mutants of two models mostly fail to parse.  These are built from the language's
# declarations with expressions that are well-typed more often than not, so that most
# get past the type checker into instantiation, the closure compiler and the search:
# runtime errors (division by zero, a value out of its range, a key outside a map),
# symmetry, step invariants and sweeps all show up.

_INT_LEAVES = ["0", "1", "2", "3", "N", "x", "m[A]", "m[B]", "-1"]
_BOOL_LEAVES = ["true", "false", "flag"]


@st.composite
def int_expr(draw, depth: int = 2, proc: str | None = None, defs: bool = True) -> str:
    """`defs`: may call the def `f` and the threshold `t` (not inside their own bodies)."""
    leaves = _INT_LEAVES + ([f"{proc}.c"] if proc else []) + (["f"] if defs else [])
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(leaves))
    kind = draw(st.integers(0, 5))
    a, b = draw(int_expr(depth - 1, proc, defs)), draw(int_expr(depth - 1, proc, defs))
    if kind == 0:
        return f"({a} {draw(st.sampled_from(['+', '-', '*']))} {b})"
    if kind == 1:
        return f"({a} {draw(st.sampled_from(['div', 'mod', '/', '%']))} {b})"
    if kind == 2:
        return f"(if {draw(bool_expr(depth - 1, proc, defs))} then {a} else {b})"
    if kind == 3:
        return f"count(w in P where {draw(bool_expr(depth - 1, 'w', defs))})"
    if kind == 4:
        return f"sum(w in P: w.c)"
    return f"m[{draw(st.sampled_from(['A', 'B', 'C']))}]"


@st.composite
def bool_expr(draw, depth: int = 2, proc: str | None = None, defs: bool = True) -> str:
    leaves = _BOOL_LEAVES + ([f"{proc}.b"] if proc else []) + (["t"] if defs else [])
    if depth == 0 or draw(st.integers(0, 2)) == 0:
        return draw(st.sampled_from(leaves))
    kind = draw(st.integers(0, 4))
    if kind == 0:
        op = draw(st.sampled_from(["==", "!=", "<", "<=", ">", ">="]))
        return f"({draw(int_expr(depth - 1, proc, defs))} {op} {draw(int_expr(depth - 1, proc, defs))})"
    if kind == 1:
        op = draw(st.sampled_from(["and", "or", "implies", "iff"]))
        return f"({draw(bool_expr(depth - 1, proc, defs))} {op} {draw(bool_expr(depth - 1, proc, defs))})"
    if kind == 2:
        return f"(not {draw(bool_expr(depth - 1, proc, defs))})"
    if kind == 3:
        q = draw(st.sampled_from(["forall", "exists"]))
        return f"({q} w in P: {draw(bool_expr(depth - 1, 'w', defs))})"
    return f"({draw(int_expr(depth - 1, proc, defs))} > 2/3 * N)"


@st.composite
def statements(draw, proc: str | None) -> str:
    """An action body that assigns each location at most once (else FP206, seen often enough)."""
    targets = [("x", int_expr), ("flag", bool_expr), ("m[k]", int_expr)]
    if proc:
        targets += [(f"{proc}.b", bool_expr), (f"{proc}.c", int_expr)]
    chosen = draw(st.lists(st.sampled_from(targets), max_size=3, unique_by=lambda t: t[0]))
    body = [f"{lhs} = {draw(gen(1, proc))}" for lhs, gen in chosen]
    used = {lhs for lhs, _ in chosen}
    if not used & {"x", "flag"} and draw(st.booleans()):
        body.append(f"if {draw(bool_expr(1, proc))} {{ flag = not flag }} else {{ x = {draw(int_expr(1, proc))} }}")
    if proc is None and draw(st.booleans()):
        body.append(f"for u in P {{ u.b = {draw(bool_expr(1, 'u'))} }}")
    return "\n  ".join(body)


@st.composite
def generated_model(draw) -> str:
    n = draw(st.sampled_from(["1", "2", "3", "1..3", "0"]))
    xr = draw(st.sampled_from(["0..3", "0..N", "int", "-2..2"]))
    parts = [
        "model Gen",
        f"param N: int = {n}",
        draw(st.sampled_from(["assume N >= 1", "assume N >= 0", ""])),
        "enum E { A, B, C }",
        f"process P[N] {{\n  var b: bool = {draw(st.sampled_from(['false', 'true', 'any']))}\n"
        f"  var c: {draw(st.sampled_from(['0..2 = 0', '0..2 = 1', '0..N = 0', '0..2 = any', 'E = A']))}\n}}",
        f"var x: {xr} = {draw(st.sampled_from(['0', '1', '3', 'any', 'N']))}",
        f"var flag: bool = {draw(st.sampled_from(['false', 'true', 'any']))}",
        f"var m: [E] 0..2 = {draw(st.sampled_from(['0', '2', 'any']))}",
        f"def f = {draw(int_expr(2, defs=False))}",
        f"threshold t = {draw(bool_expr(2, defs=False))}",
        f"action step(v: P, k: E) when {draw(bool_expr(2, 'v'))} {{\n  {draw(statements('v'))}\n}}",
        f"action global_step(k: E) when {draw(bool_expr(2))} {{\n  {draw(statements(None))}\n}}",
        f"invariant inv: {draw(bool_expr(2))}",
        f"invariant grows: x' >= x or {draw(bool_expr(1))}",
        f"property safe: always {draw(bool_expr(2))}",
        f"property live: {draw(bool_expr(1))} ~> {draw(bool_expr(1))}",
        "fair action step",
    ]
    # drop a declaration now and then (its users then get an unknown-name error)
    keep = draw(st.lists(st.integers(0, 19), min_size=len(parts), max_size=len(parts)))
    return "\n".join(p for p, k in zip(parts, keep) if k or p.startswith(("model", "param", "enum", "process"))) + "\n"


def test_generated_models_never_crash(tmp_path_factory, tier):
    def body(text, symmetry):
        path = write(tmp_path_factory.mktemp("gen"), text)
        r = run_check(path, "--symmetry" if symmetry else "--no-symmetry")
        skip_known_bugs(r)
        assert_sane_exit(r, path, text)

    fuzz(tier, body, text=generated_model(), symmetry=st.booleans())


# ---------------------------------------------------------------- files that are not models


def assert_clean_error(r: Result, needle: str) -> None:
    assert_no_crash(r)
    assert r.exit_code == 2, (r.exit_code, r.stdout, r.stderr)
    assert re.search(r"error\[FP\d{3}\]: ", r.stderr), r.stderr
    assert needle in r.stderr, r.stderr


def test_nonexistent_file(tmp_path):
    assert_clean_error(run_check(tmp_path / "missing.fork"), "no such file")


def test_directory(tmp_path):
    (tmp_path / "dir.fork").mkdir()
    assert_clean_error(run_check(tmp_path / "dir.fork"), "is a directory")


def test_non_utf8_file(tmp_path):
    path = tmp_path / "latin1.fork"
    path.write_bytes("model Caf\xe9\n".encode("latin-1"))
    assert_clean_error(run_check(path), "is not UTF-8 text")


def test_empty_file(tmp_path):
    path = write(tmp_path, "")
    r = run_check(path)
    assert_clean_error(r, "expected 'library' or 'model'")
    assert r.stderr.startswith(f"{path}:1:1: error[FP102]: ")


def test_file_with_only_a_comment(tmp_path):
    text = "// nothing here but a comment\n"
    path = write(tmp_path, text)
    r = run_check(path)
    assert_clean_error(r, "expected 'library' or 'model'")
    assert_located_error(r, path, text)


# ---------------------------------------------------------------- regression tests for bugs found here


def test_empty_file_error_shows_the_empty_line_and_a_caret(tmp_path):
    path = write(tmp_path, "")
    assert_located_error(run_check(path), path, "")


def test_source_line_is_right_after_a_form_feed(tmp_path):
    # the renderer counts lines as the lexer does: only \n ends one
    text = "model M\x0c\nvar x: int = 0\nvar y: int = nope\n"
    path = write(tmp_path, text)
    assert_located_error(run_check(path), path, text)


def test_member_of_a_duplicate_enum_is_no_crash(tmp_path):
    text = "model M\nenum S { A }\nenum S { B }\nvar x: S = B\n"
    path = write(tmp_path, text)
    assert_located_error(run_check(path), path, text)


# Once a crash: the type checker read the IR of a declaration a later phase had not filled
# in yet.  Now a param must be declared before use (FP209) and state variable types are
# resolved before any expression is checked.
@pytest.mark.parametrize("text", [
    pytest.param("model M\nparam A: int = B\nparam B: int = 1\n", id="param-default-reads-later-param"),
    pytest.param("model M\nparam A: int = A\n", id="param-default-reads-itself"),
    pytest.param("model M\nvar x: bool = false\ndef f = x\nassume f\n", id="assume-calls-def-reading-var"),
    pytest.param("model M\nvar y: bool = f\nvar x: bool = false\ndef f = x\n", id="init-calls-def-reading-later-var"),
    pytest.param("model M\nprocess P[f] { var b: bool = false }\ndef f = count(v in P where v.b)\n",
                 id="family-size-calls-def-reading-its-local"),
])
def test_forward_reference_is_an_error_or_fine(tmp_path, text):
    path = write(tmp_path, text)  # whether a forward reference is an error or fine is for the fix to decide
    assert_sane_exit(run_check(path), path, text)


# was a crash (KeyError in param()): a rejected param name was read back
def test_param_named_like_builtin_type_is_an_error(tmp_path):
    text = "model M\nparam bool: int = 1\n"
    path = write(tmp_path, text)
    assert_located_error(run_check(path), path, text)
