"""Hostile input: grammar-aware malformed and oversized models (the fuzz tier of issue 17).

tests/test_robustness.py feeds the CLI arbitrary text, token soup, mutants of the shipped
models and small generated models.  This file is the hostile tier: Hypothesis builds models
from the language's own declarations (spec/grammar.lark, docs/language.md) and then breaks
them or blows them up, aiming at the limits a run checks before its work (NOTE(limits) in
spec/limits.py: file-size, nesting, digits, domain, work) and at the phase time budget
(NOTE(phase-budget) in checker/semantics/control.py).

What is generated:

- test_malformed_syntax, test_malformed_meaning: a valid skeleton (a header, an import of a
  library, params of each kind, enums, a type alias, a record, a process family with
  locals of each kind, globals, a clock, defs, a threshold with `meant` and `measures`,
  actions with guards, `if`/`else if`/`else` and `for`, invariants with `expect violated`,
  step invariants, properties of each form, weak, strong and per-parameter fairness, an
  urgent action), then one to three edits.  Syntax: tokens dropped, duplicated, swapped or
  glued together, brackets unbalanced, lines duplicated, swapped or dropped, operators
  misspelt, random tokens inserted, the file truncated.  Meaning: a name replaced by one of
  another kind (a type, a family, an action where a value is expected: wrong types), by an
  unknown or misspelt name or by a keyword; a literal replaced by a bad one (1.2.3, 10%%,
  0x1F, a 29-digit or a 1,200-digit number); a stray unicode character (a zero-width
  space, a BOM, a bidi override, an emoji, NUL, an escape sequence, U+2028) put anywhere.
- test_deep_nesting: each nesting construct (parentheses, `not`, unary minus, `and`, `or`,
  `implies` and `+` chains, if-then-else in each branch, calls, `min`/`max`, map indexing,
  primes, field chains, `forall`/`exists`/`count`/`sum` inside each other, `always`, map
  types `[K] [K] V`, `option[option[...]]`, `if` statements, `else if` chains, `for`
  inside `for`) at a depth drawn around the nesting limit (50 to 400), put in one of the
  places that construct can stand (a param default, an initial value, a range bound, a
  family size, an assumption, a def, a threshold, a guard, an assignment, an invariant, a
  property, a variable's type, an action parameter, an action body).
- test_huge_sizes: integer, decimal and percent literals of 900 to 6,000 digits; a
  family sized by a param of up to 1,000 digits; `for` over, action parameters in, `any`
  over, quantifiers over and maps keyed by ranges far past the domain limit; defs and
  params that square each other 20 to 60 times; a product of 1,000-digit literals; an int
  or rat variable squared every step; chains of defs, calls, type aliases, params or
  records each defined by the one before, and hundreds (thousands one time in six) of
  declarations of one kind (a recursion or a quadratic step in a later phase, which the
  parse tree's depth does not see); and, one time in a hundred, a file or an imported
  library just over (or exactly at) 1 MiB: one long comment, many comment lines, a line of
  spaces, a multi-byte character across the limit.
- test_near_and_raised_limits: the limits raised with `--limit` (nesting to 3,000, digits
  to 4,000, domain, work) and inputs just under or just over the raised value; in the slow
  tier, one input in four (about) is a costly one, each taking the time budget or most of
  it: sizes just under the default domain and work limits, 2^depth work (quantifiers and
  `for` loops inside each other over two values, defs that double each other), nested
  `min`/`max`.

What is asserted, for every input, run in-process (click's CliRunner, FORKPROOF_DEBUG=1 so
that an internal error prints its traceback) with `--timeout 2 --max-states 2000`:

- never an internal error: exit 4, "internal error" on stderr, a traceback, or an
  exception out of the CLI;
- exit 2 means a located error: `file:line:col: error[FPnnn]: ...` followed by that source
  line and a caret (assert_located_error from tests/test_robustness.py; a diagnostic in an
  imported library is checked against the library's text);
- exit 3 says "unknown" (in the report or on stderr); 0 and 1 are verdicts;
- the wall time of the run is at most the timeout plus 1.5 s; --timeout is per instance
  (and per property for the every-size proofs), so a run the report says checked several
  gets a timeout more for each other one (a run still going after HARD seconds, more for a
  model that leaves an int param open: hard_seconds, is interrupted as by Ctrl-C, so that a
  runaway input costs the tier seconds, not minutes);
- where the input is otherwise valid and crosses one limit, the sharper expectation the
  limit promises: a literal past `digits` is an error at that literal, a file past
  `file-size` an error on the line that crosses it, a construct nested far past `nesting`
  an error that names the limit, a range, a family or an action's parameters far past
  `domain` an FP4xx error on that declaration, an int squared every step ends `unknown`,
  2^n work an FP4xx error or `unknown`.

How many: FAST_EXAMPLES inputs per test in the fast tier (180 in all, the costly ones left
out, and 15 skeletons checked for validity: about 3 s), SLOW_EXAMPLES in the slow one
(`pytest --slow -k fuzz`: 10,000 in all, 110 to 130 s on two cores, nearly all of it in
forkproof's own runs: about 10 ms for a malformed model, 30 to 50 ms for a deep or big one,
the time budget for each costly one); FORKPROOF_HOSTILE_SCALE scales the slow tier.  The
inputs are cheap to make: Hypothesis draws sizes and choices (and a seed for the skeleton's
expressions), and the big texts are built from them.

The shortest input of each failure the generators found while the limits were being built
is PINNED: run first in the slow tier, whatever the generators draw.

A failure does not stop a test: each test runs all its inputs, keeps for every distinct
failure (an internal error by its innermost frame, an input over budget or an unlocated
error by what was generated) the shortest input, prints `fuzz tier ...: N inputs, I internal
errors, O over budget, U unlocated errors, ...` and fails with the list.  Exceptions that
Python dropped during a run (raised in a finalizer or a gc callback: the watch's
BudgetExceeded landing in Hypothesis's gc callback) are counted on that line, not failed:
the watch raises again at the next tick, and the budget check says whether that was in
time.  The line is printed with output capture disabled, which shows under `-n 0` (xdist
does not forward a worker's output), and kept in the test's user properties (the JUnit
XML); FORKPROOF_FUZZ_LOG=FILE appends it to FILE as well, with where the time went, and
FORKPROOF_FUZZ_KEEP=DIR writes the shortest input of each failure to DIR (with a .txt
beside it: the signature, the arguments, the output).  FORKPROOF_FUZZ_SHRINK=1 raises at
the first failure instead, so that Hypothesis shrinks it (with its reproduction blob).
"""
from __future__ import annotations

import _thread
import os
import random
import re
import sys
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from forkproof.cli.main import cli
from forkproof.spec.parser import KEYWORDS
from tests.test_robustness import assert_located_error

TIMEOUT = 2
RUN = ("--timeout", str(TIMEOUT), "--max-states", "2000")
BUDGET = TIMEOUT + 1.5  # seconds of wall time per input: --timeout covers every phase, within about a second
INTERNAL = 4  # the exit code of an internal error (a bug in forkproof)
HARD = 6.0  # seconds: a run still going is interrupted (_Watchdog), unless hard_seconds allows it more
_OPEN_INT = re.compile(r"^\s*param\s+\w+\s*:\s*int\s*$", re.M)
_OBLIGATION = re.compile(r"^\s*(invariant|property)\b", re.M)


def hard_seconds(case: "Case") -> float:
    """When the watchdog interrupts a run.  A model that leaves an int param open is checked at
    N = 1..6 and proved for every size, each under its budget: the proof's own backstop
    (backstop_seconds in checker/run/portfolio.py) is TIMEOUT per obligation and two more, plus
    a second, and 6 instances of TIMEOUT come beside it (CI ran one for 6.6 s, legitimately)."""
    if not _OPEN_INT.search(case.text):
        return HARD
    return HARD + TIMEOUT * (len(_OBLIGATION.findall(case.text)) + 3 + 6)

# the default limits (NOTE(limits) in spec/limits.py)
FILE_SIZE, NESTING, DIGITS, DOMAIN, WORK = 1 << 20, 100, 1000, 1_000_000, 1_000_000

_SCALE = float(os.environ.get("FORKPROOF_HOSTILE_SCALE", "1"))
# the malformed inputs are the cheapest (about 10 ms each), the costly sizes near the limits
# take the time budget each: 10,000 inputs in all in the slow tier
FAST_EXAMPLES = {"syntax": 50, "meaning": 40, "nesting": 40, "sizes": 40, "limits": 10}
# the costly kinds (about 40 ms an input for nesting and sizes, 250 ms for limits) fewer, the
# cheap malformed ones (15-20 ms) more: CI ran 1,228 s with 1,300 / 720 / 80 of them
SLOW_EXAMPLES = {"syntax": 5400, "meaning": 3600, "nesting": 700, "sizes": 400, "limits": 40}
SHRINK = bool(os.environ.get("FORKPROOF_FUZZ_SHRINK"))

HUNT = settings(deadline=None, database=None, print_blob=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.filter_too_much, HealthCheck.large_base_example])


# ---------------------------------------------------------------- one input, run and judged


@dataclass(frozen=True)
class Case:
    """One input: the model's text, what generated it (failures are grouped by it), extra
    arguments (`--limit`), a sharper expectation (see expectation_problem), and the text of
    lib.fork, written next to the model for its `import "lib.fork"`."""

    text: str
    label: str
    args: tuple[str, ...] = ()
    expect: tuple = ()
    library: str | None = None


LIBRARY = ("library Lib\nparam LIB_K: int = 1\nenum LibE { L1, L2 }\n"
           "def lib_d(k: LibE): int = if k == L1 then LIB_K else 0\n")


class Interrupted:
    """The result of a run the watchdog had to interrupt and whose CLI did not return."""

    exit_code, stdout, stderr, output, exception, exc_info, dropped = -1, "", "", "", None, None, ()


class _Watchdog:
    """One daemon thread per process: while a run is armed and past its deadline (HARD
    seconds, far over budget already), it interrupts the main thread as Ctrl-C would, and
    again every second (an interrupt raised while Python runs a finalizer is dropped), so that
    one runaway input costs the tier seconds, not minutes."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.deadline: float | None = None
        self.fired = False
        self.thread: threading.Thread | None = None

    def arm(self, seconds: float = HARD) -> None:
        with self.lock:
            self.deadline, self.fired = time.monotonic() + seconds, False
        if self.thread is None:
            self.thread = threading.Thread(target=self._loop, name="fuzz-watchdog", daemon=True)
            self.thread.start()

    def disarm(self) -> None:
        """Stop interrupting; an interrupt sent just before lands here, not in the caller."""
        while True:
            try:
                with self.lock:
                    self.deadline = None
                    fired = self.fired
                if fired:  # let a pending interrupt arrive (the interpreter looks on loop jumps)
                    for _ in range(200_000):
                        pass
                return
            except KeyboardInterrupt:
                continue

    def _loop(self) -> None:
        while True:
            time.sleep(0.25)
            with self.lock:
                if self.deadline is not None and time.monotonic() > self.deadline:
                    self.fired = True
                    self.deadline = time.monotonic() + 1.0
                    _thread.interrupt_main()


WATCHDOG = _Watchdog()
_LIBRARIES: dict[Path, str] = {}  # what each lib.fork holds now


def invoke(where: Path, case: Case) -> tuple[Result | Interrupted, float, dict[Path, str]]:
    """Run `forkproof check` on the case in-process (under the WATCHDOG); its wall time.
    Exceptions that Python drops (raised in a finalizer or a gc callback) are kept in the
    result's `dropped`."""
    model, lib = where / "fuzz.fork", where / "lib.fork"
    library = LIBRARY if case.library is None else case.library
    model.write_bytes(case.text.encode("utf-8", "surrogatepass"))
    if _LIBRARIES.get(lib) != library:  # most inputs share LIBRARY: written once per directory
        lib.write_bytes(library.encode("utf-8", "surrogatepass"))
        _LIBRARIES[lib] = library
    runner = CliRunner(env={"FORKPROOF_DEBUG": "1"})
    dropped: list[str] = []

    def unraisable(u) -> None:
        where = re.sub(r" at 0x[0-9a-f]+", "", repr(u.object))[:80]
        dropped.append(f"{u.exc_type.__name__} dropped, raised in {where}")

    result: Result | Interrupted = Interrupted()
    hook, sys.unraisablehook = sys.unraisablehook, unraisable
    start = time.monotonic()
    try:
        WATCHDOG.arm(hard_seconds(case))
        result = runner.invoke(cli, ["check", str(model), *RUN, *case.args])
    except KeyboardInterrupt:  # it landed outside the CLI's own handler
        pass
    finally:
        elapsed = time.monotonic() - start
        WATCHDOG.disarm()
        sys.unraisablehook = hook
    if dropped and not isinstance(result, Interrupted):
        result.dropped = dropped
    return result, elapsed, {model: case.text, lib: library}


_FRAME = re.compile(r'^  File "([^"]*)", line \d+, in (\S+)$', re.M)
_HEAD = re.compile(r"^(.+?):(\d+):(\d+): error\[(FP\d{3})\]: (.*)$", re.M)


def _shape(message: str) -> str:
    """A message with its numbers and quoted names blurred: one signature per kind of error."""
    return re.sub(r"'[^']*'", "'_'", re.sub(r"\d[\d,]*", "#", message))[:90]


def internal_signature(r: Result) -> tuple[str, str]:
    if r.exception is not None and not isinstance(r.exception, SystemExit):
        tb = traceback.extract_tb(r.exc_info[2])
        where = f"{Path(tb[-1].filename).name}:{tb[-1].name}" if tb else "?"
        return (f"{type(r.exception).__name__} raised out of the CLI, in {where}",
                "".join(traceback.format_exception(*r.exc_info))[-2500:])
    frames = _FRAME.findall(r.stderr)
    where = f"{Path(frames[-1][0]).name}:{frames[-1][1]}" if frames else "no traceback"
    line = next((ln for ln in r.stderr.split("\n") if "internal error" in ln), "")
    exc = re.search(r"internal error[^:]*: (\w+)", line)
    return f"{exc[1] if exc else '?'} in {where}", r.stderr[-2500:]


def located_problem(r: Result, files: dict[Path, str]) -> str | None:
    """None when exit 2 came with located diagnostics, each followed by its source line and a
    caret (in whichever of the files it points)."""
    paths = {m[1] for m in _HEAD.finditer(r.stderr)}
    known = [p for p in files if str(p) in paths]
    if not known:
        return "no located diagnostic"
    for p in known:
        try:
            assert_located_error(r, p, files[p])
        except AssertionError as e:
            return f"badly located: {str(e)[:300]}"
    return None


def expectation_problem(r: Result, model: Path, expect: tuple) -> str | None:
    """The sharper expectations, for an input that is valid but for the one limit it crosses:
    ("at", line, col)      exit 2, a diagnostic in the model at line:col
    ("line", line, text)   exit 2, a diagnostic in the model on that line, `text` on stderr
    ("code", prefix, line) exit 2, a diagnostic FPxxx starting with prefix (on that line unless None)
    ("code or unknown", prefix, line)  the same, or exit 3 (the time budget ran out first)
    ("error", text)        exit 2, `text` on stderr
    ("exit", codes)        the exit code is one of codes
    ("not", text)          `text` is not on stderr."""
    if not expect:
        return None
    kind, *a = expect
    heads = [(m[1], int(m[2]), int(m[3]), m[4]) for m in _HEAD.finditer(r.stderr)]
    mine = [(line, col, code) for p, line, col, code in heads if p == str(model)]
    if kind == "exit":
        return None if r.exit_code in a[0] else f"exit {r.exit_code}, expected one of {sorted(a[0])}"
    if kind == "not":
        return None if a[0] not in r.stderr else f"{a[0]!r} on stderr"
    if kind == "code or unknown":
        if r.exit_code == 3:
            return None
        kind = "code"
    if r.exit_code != 2:
        return f"exit {r.exit_code}, expected an error"
    if kind == "at" and not any((line, col) == (a[0], a[1]) for line, col, _ in mine):
        return f"no diagnostic at {a[0]}:{a[1]} (got {[(l, c) for l, c, _ in mine]})"
    if kind == "line" and (not any(line == a[0] for line, _, _ in mine) or a[1] not in r.stderr):
        return f"no diagnostic on line {a[0]} naming {a[1]!r} (got {[(l, c) for l, c, _ in mine]})"
    if kind == "code" and not any(code.startswith(a[0]) and (a[1] is None or line == a[1]) for line, _, code in mine):
        return f"no {a[0]}xx diagnostic{'' if a[1] is None else f' on line {a[1]}'} (got {mine})"
    if kind == "error" and a[0] not in r.stderr:
        return f"{a[0]!r} not on stderr"
    return None


def allowed_seconds(r: Result | Interrupted) -> float:
    """BUDGET for one instance, and one more TIMEOUT for loading the file, which has a budget
    of its own (docs/limits.md, "Budgets": seen, 2,679 families took 1.3 s to load, then 2.1 s
    to prepare their instance under a 2 s budget).  --timeout is a budget per instance, and per
    property for the every-size proofs (the report's header says so): a run that checks several
    instances (a sweep, an open param checked at N = 1..6) may take that many budgets."""
    instances = re.search(r" in ([\d,]+) instances", r.stdout)
    n = int(instances[1].replace(",", "")) if instances else 1
    if "every size" in r.stdout:
        table = re.search(r"\n  property +verdict[^\n]*\n(.*?)\n\n", r.stdout, re.S)
        n += len(re.findall(r"^  \S", table[1], re.M)) if table else 1
    return BUDGET + TIMEOUT * n


def judge(r: Result, elapsed: float, files: dict[Path, str], case: Case) -> list[tuple[str, str, str]]:
    """The failures of one run: (kind, signature, detail); the signature groups them."""
    out = []
    crashed = ((r.exception is not None and not isinstance(r.exception, SystemExit))
               or r.exit_code == INTERNAL or "internal error" in r.stderr or "Traceback" in r.output)
    if crashed:
        sig, detail = internal_signature(r)
        out.append(("internal error", f"internal error: {sig}", detail))
    if elapsed > allowed_seconds(r):
        what = "interrupted by the watchdog" if isinstance(r, Interrupted) else f"exit {r.exit_code}"
        out.append(("over budget", f"over budget: {case.label.split(',')[0]}",
                    f"{elapsed:.2f} s, {what}\n{r.stdout[-400:]}\n{r.stderr[-600:]}"))
    if crashed or isinstance(r, Interrupted):
        return out
    model = next(iter(files))
    if r.exit_code == 2:
        problem = located_problem(r, files)
        if problem is not None:
            first = _HEAD.search(r.stderr) or re.search(r"error\[(FP\d{3})\]: (.*)", r.stderr)
            what = f"{first[first.re.groups - 1]} {_shape(first[first.re.groups])}" if first else _shape(r.stderr[:90])
            out.append(("unlocated error", f"unlocated error: {what}", f"{problem}\n{r.stderr[-1500:]}"))
    elif r.exit_code == 3:
        if "unknown" not in r.stdout + r.stderr and "weaker than --require" not in r.stdout:
            out.append(("other", f"exit 3 without 'unknown': {case.label}", r.stdout[-800:] + r.stderr[-800:]))
    elif r.exit_code not in (0, 1):
        out.append(("other", f"exit {r.exit_code}: {case.label}", r.stdout[-800:] + r.stderr[-800:]))
    problem = expectation_problem(r, model, case.expect)
    if problem is not None:
        out.append(("expectation", f"expectation {case.expect[0]} not met: {case.label.split(':')[0]}",
                    f"{problem}\n{r.stdout[-800:]}\n{r.stderr[-1500:]}"))
    return out


class Tally:
    """One test's inputs and failures; a failure is recorded and the run goes on (unless
    FORKPROOF_FUZZ_SHRINK), keeping the shortest input of each signature."""

    def __init__(self, name: str, tier: str, where: Path):
        self.name, self.tier, self.where = name, tier, where
        self.inputs, self.slowest, self.seconds = 0, 0.0, 0.0
        self.kinds: Counter[str] = Counter()
        self.cost: Counter[str] = Counter()  # seconds per kind of input (its label without numbers)
        self.dropped: Counter[str] = Counter()  # exceptions Python dropped, by kind and where
        self.failures: dict[str, list] = {}  # signature -> [count, shortest case, its detail, its elapsed]

    def __call__(self, case: Case) -> None:
        r, elapsed, files = invoke(self.where, case)
        self.inputs += 1
        self.seconds += elapsed
        self.slowest = max(self.slowest, elapsed)
        self.cost[re.sub(r"[\d,]+", "#", case.label.split(":")[0])] += elapsed
        problems = judge(r, elapsed, files, case)
        # an exception Python dropped, raised in a finalizer or a gc callback (the watch's
        # BudgetExceeded landing in Hypothesis's gc callback, mostly): not a failure while the
        # watch raises again at the next tick (the budget check above says whether it did),
        # but each is a traceback on a user's terminal ("Exception ignored in: ..."): counted
        self.dropped.update(set(getattr(r, "dropped", ())))
        for kind, sig, detail in problems:
            self.kinds[kind] += 1
            entry = self.failures.setdefault(sig, [0, case, detail, elapsed])
            entry[0] += 1
            if len(case.text) < len(entry[1].text):
                entry[1:] = [case, detail, elapsed]
        if problems and SHRINK:
            raise AssertionError("\n".join(f"{sig}\n{detail}" for _, sig, detail in problems))

    def summary(self) -> str:
        k = self.kinds
        return (f"fuzz tier {self.name}[{self.tier}]: {self.inputs} inputs, {k['internal error']} internal errors, "
                f"{k['over budget']} over budget, {k['unlocated error']} unlocated errors, "
                f"{k['expectation'] + k['other']} other failures; {self.seconds:.1f} s in runs, "
                f"slowest {self.slowest:.2f} s; {sum(self.dropped.values())} exceptions dropped")

    def finish(self, request, capsys) -> None:
        line = self.summary()
        with capsys.disabled():
            print("\n" + line)
        request.node.user_properties.append(("fuzz", line))
        if os.environ.get("FORKPROOF_FUZZ_LOG"):
            with open(os.environ["FORKPROOF_FUZZ_LOG"], "a", encoding="utf-8") as f:
                f.write(line + "\n" + "".join(f"  [{n}] {sig}\n" for sig, (n, *_) in self.failures.items())
                        + "".join(f"  [{n}] (not a failure) {what}\n" for what, n in self.dropped.items())
                        + "  where the time went: " + "; ".join(f"{k} {v:.1f} s" for k, v in self.cost.most_common(6))
                        + "\n")
        keep = os.environ.get("FORKPROOF_FUZZ_KEEP")
        if keep and self.failures:
            Path(keep).mkdir(parents=True, exist_ok=True)
            stem = re.sub(r"\W+", "_", f"{self.name}_{self.tier}")
            for i, (sig, (n, case, detail, elapsed)) in enumerate(self.failures.items()):
                (Path(keep) / f"{stem}_{i}.fork").write_bytes(case.text.encode("utf-8", "surrogatepass"))
                (Path(keep) / f"{stem}_{i}.txt").write_text(
                    f"{sig}\n{case.label}\nargs: {' '.join(case.args)}\n{elapsed:.2f} s\n{detail}\n", encoding="utf-8")
        if self.failures:
            raise AssertionError(line + "\n\n" + "\n\n".join(
                f"[{n} inputs] {sig}\n  shortest input ({len(case.text):,} chars, {case.label}"
                f"{', ' + ' '.join(case.args) if case.args else ''}; {elapsed:.2f} s):\n"
                f"  {case.text[:600]!r}{' ...' if len(case.text) > 600 else ''}\n  {detail[-1500:]}"
                for sig, (n, case, detail, elapsed) in sorted(self.failures.items(), key=lambda kv: -kv[1][0])))


def hunt(tier: str, name: str, run: Tally, strategy) -> None:
    """Run `strategy`'s cases through `run`, as many as the tier says; in the slow tier, the
    test's PINNED cases first."""
    n = FAST_EXAMPLES[name] if tier == "fast" else max(1, int(SLOW_EXAMPLES[name] * _SCALE))

    def body(case: Case) -> None:
        run(case)

    test = given(strategy)(body)
    for case in PINNED.get(name, ()) if tier == "slow" else ():
        test = example(case)(test)
    settings(HUNT, max_examples=n)(test)()


def position(text: str, index: int) -> tuple[int, int]:
    """The 1-based line and column of text[index]."""
    line = text.count("\n", 0, index) + 1
    return line, index - (text.rfind("\n", 0, index) + 1) + 1


# ---------------------------------------------------------------- (1) the valid skeleton
#
# A model with one of each kind of declaration, well-typed by construction: expressions are
# generated by type, over the names in scope (bound variables by their domain).  Optional
# parts (a record, sets, options, a clock, an import) come and go with the World, which
# Hypothesis draws; the expressions and statements come from a random.Random seeded by a
# Hypothesis draw (derandomized with the profile): a few microseconds per model, where
# drawing every choice through Hypothesis cost 20 ms and would have halved the tier's inputs.


@dataclass(frozen=True)
class World:
    record: bool
    sets: bool
    option: bool
    clock: bool
    lib: bool
    rule: bool


Scope = tuple[tuple[str, str], ...]  # bound names and their domain: "P" (an id), "E" (a member), "int"


def _int_leaves(w: World, sc: Scope, defs: bool) -> list[str]:
    out = ["x", "N", "0", "1", "2", "m[A]"]
    for name, dom in sc:
        out += {"P": [f"{name}.c"], "E": [f"m[{name}]"], "int": [name]}[dom]
    if defs:
        out += ["f", "g(B)"]
    if w.record:
        out += ["tally.yes"]
    if w.sets:
        out += ["size(s)"]
    if w.clock:
        out += ["now"]
    if w.lib:
        out += ["LIB_K", "lib_d(L1)"]
    return out


def _bool_leaves(w: World, sc: Scope, defs: bool) -> list[str]:
    out = ["flag", "true", "false", "STRICT"]
    for name, dom in sc:
        out += {"P": [f"{name}.b"], "E": [f"{name} == A", f"{name} != C"], "int": [f"{name} > 0"]}[dom]
        if dom == "P" and w.option:
            out += [f"{name}.vote == pend", f"{name}.vote == none"]
        if dom == "P" and w.sets:
            out += [f"A in {name}.backs"]
        if dom == "E" and w.sets:
            out += [f"{name} in s"]
    if defs:
        out += ["t", "q(A)"]
    if w.rule:
        out += ["RULE == Code"]
    if w.option:
        out += ["pend == none", "pend == some(B)"]
    if w.sets:
        out += ["A in s", "subset(s, {A, B})", "s == {}"]
    if w.record:
        out += ["tally == {yes: 0, no: 0}"]
    return out


_BINDERS = ["w", "u", "e", "i", "j"]


def _fresh(sc: Scope) -> str:
    return _BINDERS[len(sc) % len(_BINDERS)] + str(len(sc))


def int_expr(rnd: random.Random, w: World, sc: Scope = (), depth: int = 2, defs: bool = True) -> str:
    if depth <= 0 or rnd.randrange(3) == 0:
        return rnd.choice(_int_leaves(w, sc, defs))
    sub = lambda s=sc: int_expr(rnd, w, s, depth - 1, defs)  # noqa: E731
    cond = lambda s=sc: bool_expr(rnd, w, s, depth - 1, defs)  # noqa: E731
    v = _fresh(sc)
    kind = rnd.randrange(9)
    if kind == 0:
        return f"({sub()} {rnd.choice(['+', '-', '*'])} {sub()})"
    if kind == 1:
        return f"({sub()} {rnd.choice(['div', 'mod', '%'])} {rnd.choice(['2', '3', 'N'])})"
    if kind == 2:
        return f"(if {cond()} then {sub()} else {sub()})"
    if kind == 3:
        return f"count({v} in P where {cond(sc + ((v, 'P'),))})"
    if kind == 4:
        return f"sum({v} in P: {v}.c)"
    if kind == 5:
        return f"sum({v} in E where {cond(sc + ((v, 'E'),))}: m[{v}])"
    if kind == 6:
        return f"{rnd.choice(['min', 'max'])}({sub()}, {sub()})"
    if kind == 7:
        return f"(-{sub()})"
    return f"sum({v} in 0..2: {v})"


def bool_expr(rnd: random.Random, w: World, sc: Scope = (), depth: int = 2, defs: bool = True) -> str:
    if depth <= 0 or rnd.randrange(3) == 0:
        return rnd.choice(_bool_leaves(w, sc, defs))
    sub = lambda s=sc: bool_expr(rnd, w, s, depth - 1, defs)  # noqa: E731
    num = lambda: int_expr(rnd, w, sc, depth - 1, defs)  # noqa: E731
    v = _fresh(sc)
    kind = rnd.randrange(7)
    if kind == 0:
        return f"({num()} {rnd.choice(['==', '!=', '<', '<=', '>', '>='])} {num()})"
    if kind == 1:
        return f"({sub()} {rnd.choice(['and', 'or', 'implies', 'iff'])} {sub()})"
    if kind == 2:
        return f"(not {sub()})"
    if kind == 3:
        dom, ty = rnd.choice([("P", "P"), ("E", "E"), ("0..2", "int")] + ([("s", "E")] if w.sets else []))
        return f"({rnd.choice(['forall', 'exists'])} {v} in {dom}: {sub(sc + ((v, ty),))})"
    if kind == 4:
        return f"({num()} > {rnd.choice(['2/3', '67%', '0.5', 'Q'])} * N)"
    if kind == 5:
        return f"(if {sub()} then {sub()} else {sub()})"
    return f"({num()} == {num()})"


def assignment(rnd: random.Random, w: World, sc: Scope, target: str) -> str:
    """`target` is a location kind; the statement assigns it (a loop for a family's local
    outside an action with a P parameter)."""
    proc = next((n for n, d in sc if d == "P"), None)
    key = next((n for n, d in sc if d == "E"), None)
    if target == "x":
        return f"x = {int_expr(rnd, w, sc, 1)} mod 4"
    if target == "flag":
        return f"flag = {bool_expr(rnd, w, sc, 1)}"
    if target == "m":
        if key is not None and rnd.random() < 0.5:
            return f"m[{key}] = {int_expr(rnd, w, sc, 1)} mod 3"
        return f"for e9 in E {{ m[e9] = {int_expr(rnd, w, sc + (('e9', 'E'),), 1)} mod 3 }}"
    if target in ("P.b", "P.c", "P.vote", "P.backs"):
        local = target[2:]
        p = proc if proc is not None and rnd.random() < 0.5 else "u9"
        inner = sc + (("u9", "P"),) if p == "u9" else sc
        if local == "b":
            value = bool_expr(rnd, w, inner, 1)
        elif local == "c":
            value = f"{int_expr(rnd, w, inner, 1)} mod 3"
        elif local == "vote":
            value = rnd.choice(["none", "pend", "some(A)"] + ([f"some({key})"] if key else []))
        else:
            value = f"union({p}.backs, {{{rnd.choice(['A', 'B'] + ([key] if key else []))}}})"
        stmt = f"{p}.{local} = {value}"
        return stmt if p != "u9" else f"for u9 in P {{ {stmt} }}"
    if target == "tally":
        return f"tally.{rnd.choice(['yes', 'no'])} = {int_expr(rnd, w, sc, 1)} mod 2"
    if target == "s":
        return f"s = {rnd.choice(['{}', 'union(s, {A})', 'difference(s, {B})', '{A, C}', '{e8 in E where e8 != A}'])}"
    if target == "pend":
        return f"pend = {rnd.choice(['none', 'some(A)', 'some(C)'] + ([f'some({key})'] if key else []))}"
    raise AssertionError(target)


def statement(rnd: random.Random, w: World, sc: Scope, target: str, depth: int = 2) -> str:
    """An assignment of `target`, perhaps inside `if`/`else if`/`else` (each branch assigns it)
    or a `for` over a range."""
    kind = rnd.randrange(4) if depth > 0 else 0
    if kind == 1:
        s = f"if {bool_expr(rnd, w, sc, 1)} {{ {statement(rnd, w, sc, target, depth - 1)} }}"
        if rnd.random() < 0.5:
            s += f" else if {bool_expr(rnd, w, sc, 1)} {{ {statement(rnd, w, sc, target, depth - 1)} }}"
        if rnd.random() < 0.5:
            s += f" else {{ {statement(rnd, w, sc, target, depth - 1)} }}"
        return s
    if kind == 2 and target == "flag":
        return f"for i7 in 0..1 {{ if i7 == 1 {{ {assignment(rnd, w, sc + (('i7', 'int'),), target)} }} }}"
    return assignment(rnd, w, sc, target)


def block(rnd: random.Random, w: World, sc: Scope) -> str:
    targets = ["x", "flag", "m", "P.b", "P.c"] + (["tally"] if w.record else []) \
        + (["s", "P.backs"] if w.sets else []) + (["pend", "P.vote"] if w.option else [])
    chosen = rnd.sample(targets, rnd.randint(0, 3))
    return "\n  ".join(statement(rnd, w, sc, t) for t in chosen)


def skeleton_text(rnd: random.Random, w: World) -> str:
    """A whole model: the header, the import, the params (in dependency order), then every
    other declaration in a random order."""
    c = rnd.choice
    head = [f"model {c(['M', 'Upgrade', 'Gov_2'])}"]
    if w.lib:
        head.append('import "lib.fork"')
    head += [f"param N: int = {c(['1', '2', '2', '2', '1..2'])}", f"param STRICT: bool = {c(['true', 'false'])}",
             f"param Q: rat = {c(['2/3', '0.75', '80%', '1'])}"]
    if w.rule:
        head += ["enum Rule { Code, Intended }", f"param RULE: Rule = {c(['Code', 'Intended'])}"]
    locals_ = [f"var b: bool = {c(['false', 'true', 'any'])}", f"var c: 0..2 = {c(['0', '1', 'any'])}"]
    if w.option:
        locals_.append("var vote: option[E] = none")
    if w.sets:
        locals_.append("var backs: set[E] = {}")
    vk, k = (("v", "P"), ("k", "E")), (("k", "E"),)
    rest = [
        "assume N >= 1",
        "enum E { A, B, C, }",
        "type Id = 0..N",
        "process P[N] {\n  " + "\n  ".join(locals_) + "\n}",
        f"var x: 0..3 = {c(['0', '1', 'any'])}",
        f"var who: Id {c(['= 0', 'in 0..N', '= any'])}",
        f"var flag: bool = {c(['false', 'true', 'any'])}",
        f"var m: [E] 0..2 = {c(['0', '2', 'any'])}",
        f"def f = {int_expr(rnd, w, (), 2, defs=False)}",
        f"def g(k: E): int = {int_expr(rnd, w, k, 1, defs=False)}",
        f"threshold q(k: E) = {bool_expr(rnd, w, k, 1, defs=False)}",
        f"threshold t = count(w in P where w.b) > {c(['2/3', '1/2'])} * N"
        + c(["", " meant count(w in P where w.b) >= 2", " measures count(w in P where w.b) of N",
             " meant true measures count(w in P where w.b) of N"]),
        f"action step(v: P, k: E) when {bool_expr(rnd, w, vk, 2)} {{\n  {block(rnd, w, vk)}\n}}",
        f"action glob(k: E) when {bool_expr(rnd, w, k, 2)} {{\n  {block(rnd, w, k)}\n}}",
        f"action idle when {bool_expr(rnd, w, (), 1)} {{ }}",
        f"invariant inv: {bool_expr(rnd, w, (), 2)}"
        + c(["", ' expect violated', ' expect violated "known"', ' expect violated when STRICT']
            + ([' expect violated when RULE == Code "the code\'s rule"'] if w.rule else [])),
        f"invariant grows: x' >= x or {bool_expr(rnd, w, (), 1)}",
        f"property safe: always {bool_expr(rnd, w, (), 1)}",
        # one liveness property, of either form (each costs the search a second pass)
        c([f"property live: {bool_expr(rnd, w, (), 1)} ~> {bool_expr(rnd, w, (), 1)}",
           f"property env: always eventually flag implies eventually {bool_expr(rnd, w, (), 1)}"]),
        c(["fair action step", "fair action step(v)", "strong fair action glob(k) when flag",
           "fair action glob when not flag"]),
    ]
    if w.record:
        rest += ["record Tally { yes: 0..1, no: 0..1, }", "var tally: Tally = {yes: 0, no: 0}"]
    if w.sets:
        rest.append(f"var s: set[E] = {c(['{}', 'any'])}")
    if w.option:
        rest.append(f"var pend: option[E] = {c(['none', 'some(A)'])}")
    if w.clock:
        rest += [f"clock now: 0..2{c(['', ' = 1', ' when not flag', ' when flag { x = 0 }'])}", "urgent action idle"]
    rnd.shuffle(rest)
    return "\n".join(head + rest) + "\n"


@st.composite
def skeleton(draw) -> tuple[str, World]:
    bits = draw(st.integers(0, 63))  # one draw for the World's six parts (six draws cost as much as the text)
    w = World(*(bool(bits >> i & 1) for i in range(6)))
    return skeleton_text(random.Random(draw(st.integers(0, 2 ** 32 - 1))), w), w


# ---------------------------------------------------------------- (1) breaking it

_TOKEN = re.compile(r'"[^"\n]*"|//[^\n]*|/\*.*?\*/|\d+(?:\.\d+)?%?|[A-Za-z_]\w*|~>|\.\.|[=!<>]=|\S', re.S)
_NAME = re.compile(r"[A-Za-z_]\w*")
_NUMBER = re.compile(r"\d+(?:\.\d+)?%?")
_OPENERS, _CLOSERS = "([{", ")]}"
DECLARED = ["x", "flag", "m", "who", "P", "E", "A", "B", "C", "N", "Q", "STRICT", "RULE", "Rule", "Code", "f", "g",
            "q", "t", "step", "glob", "idle", "inv", "grows", "safe", "live", "Tally", "tally", "yes", "s", "pend",
            "now", "Id", "b", "c", "vote", "backs", "LIB_K", "lib_d", "L1", "LibE", "bool", "int", "rat", "tick"]
BUILTINS = ["some", "none", "size", "union", "difference", "subset", "value_or", "min", "max", "set", "option",
            "intersection"]
BAD_LITERALS = ["1.2.3", "10%%", "1e5", "0x1F", ".5", "5.", "1_000", "1..", "...", "1...2", "0.", "1%%%", "007.",
                "99999999999999999999999999999", "1/0", "0 div 0", "2/3", "-0", "١٢٣", "１２", "½", "1" * 1200]
RETYPED = ["true", "0", "-1", "2/3", "0.5", "A", "L1", "Code", "{}", "{A}", "none", "some(A)", "some(true)",
           "{yes: 0, no: 0}", "{yes: true}", "P", "E", "x'", "m", "tally", "s", "1..2", "(1 == 1)",
           "count(w in P where w)"]
STRAYS = ["é", "\u200b", "\u00a0", "→", "∀", "\ufeff", "😀", "\x00", "\x1b[31m", "\u202e", "ǅ", "ﬁ", "\t", "\r",
          "\x0c", "\u2028", "\u0085", "𝑥", "İ", "\x7f", "\ufffd", "\\", "$", "@", "#", "`", "\"", "\"unclosed", "'",
          "&&",
          "||", "!", "?", "^", "|", "&", ";"]
OPERATOR_SLIPS = {"==": ["=", "===", "= ="], "=": ["==", ":=", "<-"], "and": ["&&", "&", "AND"], "or": ["||", "OR"],
                  "~>": ["->", "=>", "~"], "..": ["...", ".", ":"], ":": ["::", "=", ";"], "not": ["!", "~"],
                  "!=": ["<>", "!==", "=!"], "implies": ["=>", "->"], "'": ["''", "`"], ",": [";", ",,"],
                  "in": ["of", "from"], "when": ["if", "where"], "div": ["//", "\\"], "<=": ["=<"], ">=": ["=>"]}
SOUP = sorted(KEYWORDS) + ["+", "-", "*", "/", "%", "==", "<", "~>", "..", ".", ",", ":", "=", "'", "(", ")", "[",
                           "]", "{", "}", "0", "1", '"lib.fork"', "//", "/*", "*/"]


def _spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in _TOKEN.finditer(text)]


@st.composite
def break_syntax(draw, text: str) -> tuple[str, str]:
    """One edit of the token stream or the lines: (the new text, what was done)."""
    toks = _spans(text)
    if len(toks) < 2 or "\n" not in text.strip():  # what an earlier edit left is too short to edit so
        return text + " " + draw(st.sampled_from(SOUP)), "append"
    kind = draw(st.sampled_from(["drop", "duplicate", "swap", "swap_near", "glue", "unbalance", "insert", "slip",
                                 "drop_line", "duplicate_line", "swap_lines", "truncate", "truncate_line"]))
    pick = lambda: toks[draw(st.integers(0, len(toks) - 1))]  # noqa: E731
    if kind == "drop":
        i = draw(st.integers(0, len(toks) - 1))
        j = min(len(toks) - 1, i + draw(st.integers(0, 3)))
        return text[:toks[i][0]] + text[toks[j][1]:], kind
    if kind == "duplicate":
        a, b = pick()
        return text[:b] + " " + text[a:b] + text[b:], kind
    if kind in ("swap", "swap_near"):
        i = draw(st.integers(0, len(toks) - 2))
        j = i + 1 if kind == "swap_near" else draw(st.integers(i + 1, len(toks) - 1))
        (a0, a1), (b0, b1) = toks[i], toks[j]
        return text[:a0] + text[b0:b1] + text[a1:b0] + text[a0:a1] + text[b1:], kind
    if kind == "glue":  # two neighbours without the space between them: `notflag`, `1.2`, `x'y`
        i = draw(st.integers(0, len(toks) - 2))
        return text[:toks[i][1]] + text[toks[i + 1][0]:], kind
    if kind == "unbalance":
        brackets = [(a, b) for a, b in toks if text[a:b] in _OPENERS + _CLOSERS]
        if brackets and draw(st.booleans()):
            a, b = draw(st.sampled_from(brackets))
            return text[:a] + text[b:], "drop_bracket"
        at = pick()[draw(st.integers(0, 1))]
        return text[:at] + draw(st.sampled_from(list(_OPENERS + _CLOSERS))) + text[at:], "extra_bracket"
    if kind == "insert":
        at = pick()[draw(st.integers(0, 1))]
        return text[:at] + " " + draw(st.sampled_from(SOUP)) + " " + text[at:], kind
    if kind == "slip":
        slips = [(a, b) for a, b in toks if text[a:b] in OPERATOR_SLIPS]
        if slips:
            a, b = draw(st.sampled_from(slips))
            return text[:a] + draw(st.sampled_from(OPERATOR_SLIPS[text[a:b]])) + text[b:], kind
    lines = text.split("\n")
    if kind == "drop_line":
        i = draw(st.integers(0, len(lines) - 1))
        return "\n".join(lines[:i] + lines[i + 1:]), kind
    if kind == "duplicate_line":  # a name declared twice, a statement assigning twice
        i = draw(st.integers(0, len(lines) - 1))
        return "\n".join(lines[:i + 1] + lines[i:]), kind
    if kind == "swap_lines":
        i = draw(st.integers(0, len(lines) - 2))
        j = draw(st.integers(i + 1, len(lines) - 1))
        lines[i], lines[j] = lines[j], lines[i]
        return "\n".join(lines), kind
    if kind == "truncate_line":
        i = draw(st.integers(0, len(lines) - 1))
        return "\n".join(lines[:i] + [lines[i][:draw(st.integers(0, len(lines[i])))]]), kind
    return text[:draw(st.integers(0, len(text)))], "truncate"


@st.composite
def break_meaning(draw, text: str) -> tuple[str, str]:
    """One edit that keeps the token structure but not the meaning."""
    toks = _spans(text)
    names = [(a, b) for a, b in toks if _NAME.fullmatch(text[a:b]) and text[a:b] not in KEYWORDS]
    numbers = [(a, b) for a, b in toks if _NUMBER.fullmatch(text[a:b])]
    kind = draw(st.sampled_from(["other_name", "retype", "builtin", "unknown", "misspell", "keyword",
                                 "bad_literal", "stray", "stray_token", "long_name"]))
    values = [(a, b) for a, b in toks
              if _NUMBER.fullmatch(text[a:b]) or text[a:b] in ("true", "false", "none", "A", "B")]
    if kind == "retype" and values:  # a value of another type where one stands: FP302 and kin
        a, b = draw(st.sampled_from(values))
        return text[:a] + draw(st.sampled_from(RETYPED)) + text[b:], kind
    if kind in ("other_name", "builtin", "unknown", "misspell", "keyword", "long_name") and names:
        a, b = draw(st.sampled_from(names))
        old = text[a:b]
        if kind == "other_name":  # a type, a family, an action... where something else stands: wrong kinds and types
            new = draw(st.sampled_from(DECLARED))
        elif kind == "builtin":
            new = draw(st.sampled_from(BUILTINS))
        elif kind == "unknown":
            new = draw(st.sampled_from(["zz", "_", "undefined_thing", "X1", "p0"]))
        elif kind == "misspell":
            i = draw(st.integers(0, len(old) - 1))
            new = draw(st.sampled_from([old[:i] + old[i + 1:] or "_", old[:i] + old[i] + old[i:], old.swapcase(),
                                        old + "s", old + "'"]))
        elif kind == "keyword":
            new = draw(st.sampled_from(sorted(KEYWORDS)))
        else:
            new = old + "_" * draw(st.integers(200, 3000))
        return text[:a] + new + text[b:], kind
    if kind == "bad_literal" and numbers:
        a, b = draw(st.sampled_from(numbers))
        return text[:a] + draw(st.sampled_from(BAD_LITERALS)) + text[b:], kind
    if kind == "stray_token" and toks:
        a, b = toks[draw(st.integers(0, len(toks) - 1))]
        return text[:a] + draw(st.sampled_from(STRAYS)) + text[b:], kind
    at = draw(st.integers(0, len(text)))  # anywhere, inside a token or a comment too
    return text[:at] + draw(st.sampled_from(STRAYS)) + text[at:], "stray"


@st.composite
def malformed(draw, breaker) -> Case:
    text, w = draw(skeleton())
    done = []
    for _ in range(draw(st.integers(1, 3))):
        text, what = draw(breaker(text))
        done.append(what)
        if not text.strip():
            break
    return Case(text, "+".join(done))


# ---------------------------------------------------------------- (2) oversized: deep nesting
#
# A construct at a depth, in a place where it can stand, in a small model that is valid
# without it.  `steps` is how many levels of the parse tree each step of the construct adds
# (0 for parentheses, which the parser drops; 2 for an `if` statement, its block being a
# level); a construct whose steps * depth is far past the limit must be the nesting error.
# Quantifiers and loops here range over one value: nesting, not work (2^depth), is tested
# here; the work limit is test_near_and_raised_limits's.

BASE = """model Big
param N: int = 2
enum K { K1, K2 }
enum One { O1 }
process P[N] { var b: bool = false  var c: 0..3 = 0 }
process Solo[1] { var s: bool = false }
var x: int = 0
var flag: bool = false
var m: [0..3] 0..3 = 0
var o: option[K] = none
action stop when not flag { flag = true }
action idle when flag { }
def inc(a: int): int = a + 1
def both(a: bool, c: bool) = a and c
"""


@dataclass(frozen=True)
class Construct:
    name: str
    kind: str  # "int", "bool", "type", "stmt"
    constant: bool  # may stand where a constant is needed
    steps: float  # levels of the parse tree per step (measured); 0 for a chain that does not parse (`a iff b iff c`)
    build: object  # depth -> text


def _nest(open_: str, leaf: str, close: str, d: int) -> str:
    return open_ * d + leaf + close * d


def _counts(d: int) -> str:
    """count(a0 in P where count(a1 in P where ... true) > 0)"""
    where, expr = "true", "0"
    for i in reversed(range(d)):
        expr = f"count(a{i} in Solo where {where})"
        where = f"{expr} > 0"
    return expr


CONSTRUCTS = [
    Construct("parentheses", "int", True, 0, lambda d: _nest("(", "1", ")", d)),
    Construct("parenthesised sums", "int", True, 1, lambda d: _nest("(1 + ", "1", ")", d)),
    Construct("unary minus", "int", True, 1, lambda d: "- " * d + "1"),
    Construct("plus chain", "int", True, 1, lambda d: " + ".join(["1"] * (d + 1))),
    Construct("mixed chain", "int", True, 0.66, lambda d: " ".join(f"{i % 7} {'+-*'[i % 3]}" for i in range(d)) + " 1"),
    Construct("if-then-else in else", "int", True, 1, lambda d: "if true then 1 else " * d + "0"),
    Construct("if-then-else in then", "int", True, 1, lambda d: _nest("(if true then ", "1", " else 0)", d)),
    Construct("if-then-else in condition", "int", True, 1,
              lambda d: "(if " + _nest("(if ", "true", " then true else false)", d) + " then 1 else 0)"),
    Construct("calls", "int", False, 1, lambda d: _nest("inc(", "1", ")", d)),
    Construct("min max", "int", True, 1, lambda d: _nest("max(0, min(9, ", "1", "))", d // 2)),
    Construct("map index", "int", False, 1, lambda d: _nest("m[", "0", "]", d)),
    Construct("nested sum", "int", False, 1, lambda d: "".join(f"sum(a{i} in One: " for i in range(d)) + "1" + ")" * d),
    Construct("nested count", "int", False, 2, lambda d: _counts(d)),
    Construct("not", "bool", True, 1, lambda d: "not " * d + "true"),
    Construct("parenthesised not", "bool", True, 1, lambda d: _nest("(not ", "true", ")", d)),
    Construct("and chain", "bool", True, 1, lambda d: " and ".join(["true"] * (d + 1))),
    Construct("or chain", "bool", True, 1, lambda d: " or ".join(["false"] * d + ["true"])),
    Construct("implies chain", "bool", True, 1, lambda d: " implies ".join(["true"] * (d + 1))),
    Construct("iff chain", "bool", True, 0, lambda d: " iff ".join(["true"] * (d + 1))),
    Construct("comparison chain", "bool", True, 0, lambda d: " < ".join(["1"] * (d + 1))),
    Construct("leads-to chain", "bool", False, 0, lambda d: " ~> ".join(["flag"] * (d + 1))),
    Construct("and or parentheses", "bool", True, 2, lambda d: _nest("(true and (false or ", "true", "))", d)),
    Construct("forall over a range of one", "bool", False, 1,
              lambda d: "".join(f"forall a{i} in 0..0: " for i in range(d)) + "true"),
    Construct("forall one member", "bool", False, 1,
              lambda d: "".join(f"forall a{i} in One: " for i in range(d)) + "true"),
    Construct("exists over a family of one", "bool", False, 2,
              lambda d: "".join(f"exists a{i} in Solo: a{i}.s or " for i in range(d)) + "true"),
    Construct("bool calls", "bool", False, 1, lambda d: _nest("both(true, ", "true", ")", d)),
    Construct("always", "bool", False, 1, lambda d: "always " * d + "flag"),
    Construct("eventually always", "bool", False, 1, lambda d: "eventually always " * (d // 2) + "flag"),
    Construct("primes", "bool", False, 1, lambda d: "flag" + "'" * d + " or true"),
    Construct("field chain", "bool", False, 1, lambda d: "x" + ".b" * d + " == 0"),
    Construct("map type", "type", True, 1, lambda d: "[K] " * d + "bool"),
    Construct("map type one key", "type", True, 1, lambda d: "[One] " * d + "bool"),
    Construct("option type", "type", True, 1, lambda d: _nest("option[", "bool", "]", d)),
    Construct("set type", "type", True, 1, lambda d: _nest("set[", "K", "]", d)),
    Construct("if statements", "stmt", False, 2, lambda d: _nest("if not flag { ", "x = 1", " }", d)),
    Construct("if-else statements", "stmt", False, 2, lambda d: _nest("if flag { x = 1 } else { ", "x = 2", " }", d)),
    Construct("else-if chain", "stmt", False, 1,
              lambda d: " else ".join(f"if x == {i} {{ x = {i + 1} }}" for i in range(d)) + " else { x = 0 }"),
    Construct("for in for", "stmt", False, 2,
              lambda d: "".join(f"for a{i} in 0..0 {{ " for i in range(d)) + "flag = true" + " }" * d),
    Construct("for over one value", "stmt", False, 2,
              lambda d: "".join(f"for a{i} in One {{ " for i in range(d)) + "flag = true" + " }" * d),
    Construct("blocks of ifs", "stmt", False, 2,
              lambda d: _nest("if true { if false { x = 2 } ", "flag = true", " }", d)),
]

# where each kind can stand: (place, constant only?, template)
PLACES = {
    "int": [("param default", True, "param DEEP: int = {e}"), ("initial value", True, "var deep: int = {e}"),
            ("assumption", True, "assume {e} != -1"), ("range bound", True, "var deep: 0..({e}) = 0"),
            ("family size", True, "process Deep[{e}] {{ var z: bool = false }}"),
            ("def", False, "def deep = {e}\ninvariant uses_deep: deep == deep"),
            ("guard", False, "action deep when ({e}) > 0 {{ x = 1 }}"),
            ("assignment", False, "action deep when not flag {{ x = {e} }}"),
            ("invariant", False, "invariant deep: ({e}) != -1"),
            ("threshold", False, "threshold deep = ({e}) > 2/3 * N meant true")],
    "bool": [("param default", True, "param DEEP: bool = {e}"), ("initial value", True, "var deep: bool = {e}"),
             ("assumption", True, "assume {e}"), ("def", False, "def deep = {e}\ninvariant uses_deep: deep or true"),
             ("threshold", False, "threshold deep = {e}"), ("guard", False, "action deep when {e} {{ x = 1 }}"),
             ("assignment", False, "action deep when not flag {{ flag = ({e}) }}"),
             ("invariant", False, "invariant deep: {e}"), ("property", False, "property deep: always ({e})"),
             ("leads-to", False, "property deep: ({e}) ~> flag"),
             ("fairness", False, "fair action stop when {e}")],
    "type": [("variable", True, "var deep: {e} = any"), ("variable with value", True, "var deep: {e} = false"),
             ("local", True, "process Deep[1] {{ var z: {e} = any }}"), ("alias", True, "type Deep = {e}"),
             ("action parameter", True, "action deep(z: {e}) {{ }}"), ("def parameter", True, "def deep(z: {e}) = 1"),
             ("param", True, "param DEEP: {e}")],
    "stmt": [("action body", False, "action deep when not flag {{\n  {e}\n}}"),
             ("action with parameters", False, "action deep(v: P, k: K) when not v.b {{ {e} }}"),
             ("clock body", False, "clock deep: 0..1 {{ {e} }}")],
}


def _depth(c: Construct) -> st.SearchStrategy[int]:
    """Around the depth at which the construct crosses the nesting limit, and up to four times
    the limit."""
    at = round(NESTING / c.steps) if c.steps else NESTING
    return st.one_of(st.integers(at - 12, at + 12), st.integers(50, 400))


@st.composite
def deep_case(draw) -> Case:
    c = draw(st.sampled_from(CONSTRUCTS))
    place, constant, template = draw(st.sampled_from([p for p in PLACES[c.kind] if c.constant or not p[1]]))
    depth = draw(_depth(c))
    text = BASE + template.format(e=c.build(depth)) + "\n"
    expect: tuple = ()
    if c.steps * depth >= NESTING + 50:  # far past the limit, however the place adds to it
        expect = ("error", "`nesting`")
    return Case(text, f"{c.name} in {place}, depth {depth}", expect=expect)


# ---------------------------------------------------------------- (2) oversized: sizes and numbers

SMALL = """model Sized
param N: int = 2
enum K { K1, K2 }
process P[N] { var b: bool = false }
var x: int = 0
var flag: bool = false
action stop when not flag { flag = true }
action idle when flag { }
"""


def _digits(n: int, lead: str = "9") -> str:
    return lead + "7" * (n - 1)


@st.composite
def huge_literal(draw) -> Case:
    n = draw(st.one_of(st.integers(DIGITS - 5, DIGITS + 5), st.integers(900, 6000)))
    form = draw(st.sampled_from(["int", "int", "int", "decimal", "fraction digits", "percent", "negative", "param"]))
    lit = {"int": _digits(n), "negative": _digits(n), "param": _digits(n), "decimal": _digits(n) + ".5",
           "fraction digits": "0." + "0" * (n - 1) + "1", "percent": _digits(n) + "%"}[form]
    place = draw(st.sampled_from(["var x2: int = {}", "var r: rat = {}", "invariant big: x < {}",
                                  "action big when x < {} {{ x = 1 }}", "def big = {} * 2\ninvariant uses: big > 0",
                                  "param BIG: int = {}", "param BIG: rat = {}", "assume N < {}"]))
    if form == "negative":
        lit = "-" + lit
    decl = place.format(lit)
    text = SMALL + decl + "\n"
    at = text.index(lit.lstrip("-"))
    expect: tuple = ()
    if form in ("int", "negative", "param") and n > DIGITS:
        expect = ("at", *position(text, at))  # FP107 at the literal
    return Case(text, f"{form} literal of {n} digits in {place.split(':')[0].split(' ')[0]}", expect=expect)


@st.composite
def huge_domain(draw) -> Case:
    """A range, a family, an action's parameter tuples or a state's slots far past `domain`:
    an FP4xx error at that declaration."""
    big = draw(st.one_of(st.integers(7, 30).map(lambda k: 10 ** k), st.integers(7, 999).map(lambda k: 10 ** k - 1),
                         st.integers(DOMAIN * 2, DOMAIN * 50)))
    kind = draw(st.sampled_from(["family", "family expr", "for", "action parameter", "action parameters", "any",
                                 "map key", "nested map keys", "quantifier", "in domain", "count", "set"]))
    third = 10 ** (len(str(big)) // 3 + 1)  # three ranges of this many values: more than big
    decl = {
        "family": f"param M: int = {big}\nprocess Q[M] {{ var z: bool = false }}",
        "family expr": f"param M: int = {min(big, 10 ** 20)}\nprocess Q[M * M + 1] {{ var z: bool = false }}",
        "for": f"action wide when not flag {{ for i in 0..{big} {{ x = i }} }}",
        "action parameter": f"action wide(i: 0..{big}) when not flag {{ x = i }}",
        "action parameters": f"action wide(i: 0..{third}, j: 0..{third}, k: 0..{third}) when not flag {{ x = i }}",
        "any": f"var wide: 0..{big} = any",
        "map key": f"var wide: [0..{big}] bool = false",
        "nested map keys": f"var wide: [0..{third}] [0..{third}] [0..{third}] bool = false",
        "quantifier": f"invariant wide: forall i in 0..{big}: i >= 0",
        "in domain": f"var wide: int in 0..{big}",
        "count": f"invariant wide: count(i in 0..{big} where i > 0) >= 0",
        "set": f"var wide: set[0..{big}] = {{}}",
    }[kind]
    text = SMALL + decl + "\n"
    line = text.count("\n", 0, len(SMALL) + decl.rfind("\n") + 1) + 1
    # the quantifier and count cases may be counted as work (any FP4xx), anywhere on their line
    return Case(text, f"{kind} over {len(str(big))} digits", expect=("code", "FP4", line))


@st.composite
def blowup(draw) -> Case:
    """Computed values that grow past `digits` (definitions that expand past `work` are
    test_near_and_raised_limits's: they take the whole time budget)."""
    n = draw(st.integers(20, 60))
    kind = draw(st.sampled_from(["squaring defs", "squaring params", "squaring var", "fourth power var",
                                 "rat squaring var", "squaring local", "squaring in guard", "power in bound",
                                 "product of literals"]))
    if kind == "squaring defs":
        defs = "def d0 = 2\n" + "".join(f"def d{i} = d{i - 1} * d{i - 1}\n" for i in range(1, n + 1))
        use = draw(st.sampled_from([f"invariant big: d{n} > 0", f"action big when d{n} > x {{ x = 1 }}",
                                    f"action big when not flag {{ x = d{n} }}"]))
        return Case(SMALL + defs + use + "\n", f"{kind}, {n}")
    if kind == "squaring params":
        ps = "param D0: int = 2\n" + "".join(f"param D{i}: int = D{i - 1} * D{i - 1}\n" for i in range(1, n + 1))
        return Case(SMALL + ps + draw(st.sampled_from([f"var y: int = D{n}", f"assume D{n} > 0", "",
                                                       f"process R[D{n}] {{ }}"])) + "\n", f"{kind}, {n}")
    if kind in ("squaring var", "fourth power var", "squaring local", "squaring in guard"):
        update = {"squaring var": "y = y * y", "fourth power var": "y = y * y * y * y",
                  "squaring local": "y = y * y", "squaring in guard": "y = y + 1"}[kind]
        guard = "y * y * y > 0" if kind == "squaring in guard" else "true"
        if kind == "squaring local":
            text = SMALL + f"process R[1] {{ var y: int = {draw(st.sampled_from([2, 3, 10]))} }}\n" \
                           "action sq(r: R) { r.y = r.y * r.y }\n"
        else:
            start = draw(st.sampled_from([2, 3, 10, 99]))
            text = SMALL + f"var y: int = {start}\naction sq when {guard} {{ {update} }}\n"
        return Case(text, kind, expect=("exit", {3}) if kind != "squaring in guard" else ())
    if kind == "rat squaring var":
        return Case(SMALL + "var r: rat = 1/3\naction sq { r = r * r + 1/7 }\n", kind, expect=("exit", {3}))
    if kind == "power in bound":
        return Case(SMALL + f"var y: 0..({' * '.join(['1000'] * n)}) = 0\n", f"{kind}, {n}")
    lit = _digits(draw(st.integers(600, DIGITS)))
    return Case(SMALL + f"param BIG: int = {' * '.join([lit] * draw(st.integers(2, 8)))}\n"
                        + draw(st.sampled_from(["process R[BIG] { }", "var y: int = BIG", "assume BIG > 0",
                                                "var y: 0..BIG = 0"])) + "\n",
                kind)


@st.composite
def many(draw, most: int = 3000) -> Case:
    """Hundreds to thousands of declarations of one kind, or a chain of them each defined by
    the one before (a recursion in a later phase that the parse tree's depth does not see)."""
    kind = draw(st.sampled_from(["vars", "actions", "invariants", "defs", "members", "params", "families", "assumes",
                                 "statements", "def chain", "alias chain", "param chain", "record chain",
                                 "call chain", "locals", "enums", "fairness", "thresholds"]))
    # mostly hundreds; thousands one time in six (about): they take the time budget while the
    # planning and the type checker are quadratic in them
    n = draw(st.integers(0, 5).flatmap(lambda k: st.integers(600, most) if k == 3 and most > 600
                                       else st.integers(1, min(600, most))))
    r = range(n)
    body = {
        "vars": lambda: "".join(f"var v{i}: bool = false\n" for i in r),
        "actions": lambda: "".join(f"action a{i} when not flag {{ flag = true }}\n" for i in r),
        "invariants": lambda: "".join(f"invariant i{i}: x >= {-i}\n" for i in r),
        "defs": lambda: "".join(f"def d{i} = x + {i}\n" for i in r) + f"invariant uses: d{n - 1} >= 0\n",
        "members": lambda: "enum Big { " + ", ".join(f"M{i}" for i in r) + " }\nvar e: Big = M0\n"
                           "action pick(z: Big) when not flag { e = z  flag = true }\n",
        "params": lambda: "".join(f"param P{i}: int = {i}\n" for i in r),
        "families": lambda: "".join(f"process F{i}[1] {{ var z: bool = false }}\n" for i in r),
        "assumes": lambda: "".join(f"assume N >= {-i}\n" for i in r),
        "statements": lambda: "".join(f"var v{i}: bool = false\n" for i in r)
                              + "action all when not flag {\n" + "".join(f"  v{i} = true\n" for i in r) + "}\n",
        "def chain": lambda: "def c0 = x\n" + "".join(f"def c{i} = c{i - 1} + 1\n" for i in range(1, n))
                             + f"invariant uses: c{n - 1} >= 0\n",
        "alias chain": lambda: "type T0 = 0..1\n" + "".join(f"type T{i} = T{i - 1}\n" for i in range(1, n))
                               + f"var y: T{n - 1} = 0\n",
        "param chain": lambda: "param C0: int = 1\n" + "".join(f"param C{i}: int = C{i - 1} + 1\n" for i in range(1, n))
                               + f"var y: 0..C{n - 1} = 0\n",
        "record chain": lambda: "record R0 { v: bool }\n"
                                + "".join(f"record R{i} {{ f: R{i - 1} }}\n" for i in range(1, n))
                                + f"var y: R{n - 1} = any\n",
        "call chain": lambda: "def c0(a: int) = a + x\n"
                              + "".join(f"def c{i}(a: int) = c{i - 1}(a)\n" for i in range(1, n))
                              + f"invariant uses: c{n - 1}(1) >= 0\n",
        "locals": lambda: "process L[1] {\n" + "".join(f"  var z{i}: bool = false\n" for i in r) + "}\n",
        "enums": lambda: "".join(f"enum En{i} {{ En{i}a, En{i}b }}\n" for i in r),
        "fairness": lambda: "".join("fair action stop\n" for _ in r),
        "thresholds": lambda: "".join(f"threshold t{i} = count(p in P where p.b) > {i} * N / 100 meant true\n"
                                      for i in r),
    }[kind]()
    return Case(SMALL + body, f"{n} {kind}")


def _crossing_line(data: bytes, limit: int) -> int:
    """The line of the first byte past `limit`."""
    return data[:limit].count(b"\n") + 1


@st.composite
def big_file(draw) -> Case:
    """Just over (or exactly at) 1 MiB, built cheaply: a long comment, many comment lines, a
    multi-byte character across the limit, a long line of spaces, an imported library."""
    kind = draw(st.sampled_from(["comment", "comment lines", "straddle", "spaces", "at the limit", "library",
                                 "declarations"]))
    extra = draw(st.sampled_from([1, 2, 3, 100, 5000]))
    if kind == "library":
        lib = "library Lib\n/*" + "x" * (FILE_SIZE + extra) + "*/\nparam LIB_K: int = 1\n"
        return Case('model M\nimport "lib.fork"\nvar x: int = LIB_K\n', "library over the size limit",
                    expect=("error", "`file-size`"), library=lib)
    if kind == "straddle":  # the limit falls inside a multi-byte character
        ch = draw(st.sampled_from(["é", "→", "😀"]))
        head = "model M\nvar x: bool = false\n/* "
        pad = FILE_SIZE - len(head.encode()) - draw(st.integers(0, len(ch.encode()) - 1)) - 1
        text = head + "x" * pad + ch * draw(st.integers(1, 3)) + " */\naction a { x = true }\n"
    elif kind == "at the limit":
        head = "model M\nvar x: bool = false\naction a { x = true }\n//"
        text = head + "x" * (FILE_SIZE - len(head) - 1 + draw(st.sampled_from([0, 1]))) + "\n"
    elif kind == "comment":
        text = "model M\nvar x: bool = false\n/*" + "x" * (FILE_SIZE + extra) + "*/\n"
    elif kind == "comment lines":
        line = "// " + "y" * 60 + "\n"
        text = "model M\n" + line * (FILE_SIZE // len(line) + 1) + "var x: bool = false\n" + "\n" * extra
    elif kind == "spaces":
        text = "model M\nvar x: bool = " + " " * (FILE_SIZE + extra) + "false\n"
    else:
        decl = "invariant i: true\n"
        text = "model M\nvar x: bool = false\n" + decl * ((FILE_SIZE + extra) // len(decl) + 1)
    data = text.encode("utf-8")
    if len(data) > FILE_SIZE:
        expect: tuple = ("line", _crossing_line(data, FILE_SIZE), "`file-size`")
    else:
        expect = ("not", "`file-size`")
    return Case(text, f"file of {len(data):,} bytes ({kind})", expect=expect)


def doubling_defs(n: int, with_parameters: bool) -> Case:
    """Each def twice the one before: 2^n nodes once expanded (the limit `work`)."""
    if with_parameters:
        defs = "def d0(a: int) = a + x\n" + "".join(f"def d{i}(a: int) = d{i - 1}(a) + d{i - 1}(a + 1)\n"
                                                   for i in range(1, n + 1))
        use = f"d{n}(1)"
    else:
        defs = "def d0 = x\n" + "".join(f"def d{i} = d{i - 1} + d{i - 1}\n" for i in range(1, n + 1))
        use = f"d{n}"
    return Case(SMALL + defs + f"invariant big: {use} >= 0\n",
                f"doubling defs{' with parameters' if with_parameters else ''}, {n}",
                expect=("code or unknown", "FP4", None) if n >= 21 else ())


def sizes_case(cheap: bool) -> st.SearchStrategy[Case]:
    """Big files are costly to write and read (50 to 100 ms each): about one input in a hundred.
    `cheap` (the fast tier): at most 200 declarations of a kind (thousands take the time budget)."""
    common = st.one_of(huge_literal(), huge_domain(), blowup(), many(200 if cheap else 3000))
    return st.integers(0, 99).flatmap(lambda k: big_file() if k == 57 else common)


# ---------------------------------------------------------------- limits raised, and sizes near them


def near_limits(heavy: bool) -> st.SearchStrategy[Case]:
    """With `--limit` raised, inputs around the new value; in the slow tier, one input in
    four (about) is one of the costly ones: sizes just under the default domain and work
    limits, or 2^depth work, each taking the time budget or most of it."""
    if not heavy:
        return raised_limits(cheap=True)
    return st.integers(0, 3).flatmap(lambda k: costly_sizes() if k == 2 else raised_limits())


@st.composite
def raised_limits(draw, cheap: bool = False) -> Case:
    kind = draw(st.sampled_from(["nesting", "digits", "domain", "work"]))
    if kind == "nesting":
        limit = draw(st.sampled_from([50, 150, 250]))  # 250: the most --limit nesting allows (MAX_NESTING)
        c = draw(st.sampled_from([c for c in CONSTRUCTS if c.steps]))
        place, _, template = draw(st.sampled_from([p for p in PLACES[c.kind] if c.constant or not p[1]]))
        at = round(limit / c.steps)
        depth = draw(st.integers(max(1, at - 15), at + 15))
        return Case(BASE + template.format(e=c.build(depth)) + "\n", f"{c.name} in {place}, depth {depth}",
                    args=("--limit", f"nesting={limit}"))
    if kind == "digits":
        limit = draw(st.sampled_from([10, 2000, 4000]))
        n = draw(st.integers(max(1, limit - 5), limit + 5))
        lit = _digits(n)
        form = draw(st.sampled_from(["var y: int = {}", "param BIG: int = {}\nvar y: int = BIG * BIG",
                                     "var y: int = {} * {}", "var r: rat = {}.5", "invariant i: x < {}",
                                     "param BIG: int = {}\nprocess R[BIG] {{ }}"]))
        text = SMALL + form.replace("{}", lit).replace("{{", "{").replace("}}", "}") + "\n"
        return Case(text, f"{n}-digit literal, digits={limit}: {form.split(chr(10))[-1][:20]}",
                    args=("--limit", f"digits={limit}"))
    limit = draw(st.sampled_from([10, 1000] if cheap else [10, 1000, 100_000]))
    size = draw(st.integers(max(1, limit - 3), limit + 3))
    decl = draw(st.sampled_from([f"var y: 0..{size - 1} = any", f"action a(i: 0..{size - 1}) when not flag {{ x = i }}",
                                 f"param M: int = {size}\nprocess R[M] {{ }}",
                                 f"invariant big: forall i in 0..{size - 1}: i >= 0",
                                 f"action a when not flag {{ for i in 0..{size - 1} {{ x = i }} }}"]))
    return Case(SMALL + decl + "\n", f"{kind}={limit}, size {size}: {decl.split(chr(10))[-1][:25]}",
                args=("--limit", f"{kind}={limit}"))


EXPONENTIAL = [  # 2^depth work: the limit `work` (FP409), or the time budget first
    ("nested sum", lambda d: "invariant big: " + "".join(f"sum(a{i} in K: " for i in range(d)) + "1" + ")" * d
                             + " > 0"),
    ("nested forall", lambda d: "invariant big: " + "".join(f"forall a{i} in K: " for i in range(d)) + "true"),
    ("nested exists", lambda d: "invariant big: " + "".join(f"exists a{i} in P: a{i}.b or " for i in range(d))
                                + "true"),
    ("nested count", lambda d: f"invariant big: {_counts(d).replace('Solo', 'P')} >= 0"),
    ("nested for", lambda d: "action big when not flag { " + "".join(f"for a{i} in 0..1 {{ " for i in range(d))
                             + "x = 1" + " }" * d + " }"),
    ("min max", lambda d: "var y: int = " + _nest("max(0, ", "1", ")", d)),
    ("min max in a param", lambda d: "param Y: int = " + _nest("min(9, ", "1", ")", d)),
]


@st.composite
def costly_sizes(draw) -> Case:
    kind = draw(st.sampled_from(["domain near", "work near", "slots near", "exponential", "doubling defs"]))
    if kind == "exponential":
        depth = draw(st.integers(10, 40))
        name, build = draw(st.sampled_from(EXPONENTIAL))
        return Case(SMALL + build(depth) + "\n", f"{name}, depth {depth}",
                    expect=("code or unknown", "FP4", None) if depth >= 21 and "min" not in name else ())
    if kind == "doubling defs":
        return doubling_defs(draw(st.integers(15, 60)), draw(st.booleans()))
    size = draw(st.integers(DOMAIN - 1000, DOMAIN))
    half = int(size ** 0.5)
    decl = {"domain near": draw(st.sampled_from([f"action a(i: 0..{size - 1}) when not flag {{ x = i }}",
                                                 f"action a(i: 0..{half - 1}, j: 0..{half - 1}) when x == 0 "
                                                 "{ x = 1 }",
                                                 f"var y: 0..{size - 1} = any"])),
            "work near": draw(st.sampled_from([f"invariant big: forall i in 0..{size // 8}: i >= 0 and i + 1 > 0",
                                               f"action a when not flag {{ for i in 0..{size // 8} {{ x = i }} }}"])),
            "slots near": f"var y: [0..{half - 1}] [0..{half - 1}] bool = false"}[kind]
    return Case(SMALL + decl + "\n", f"{kind} ({size:,}): {decl[:30]}")


# ---------------------------------------------------------------- pinned: what this tier found
#
# The shortest input of each failure the generators found (while the limits were being built),
# run first in the slow tier of the test whose generator found it, so that a fix stays checked
# whatever the generators draw next.


def _chain(n: int, first: str, link: str, use: str) -> str:
    return "model M\nvar x: int = 0\naction a { x = x }\n" + first + "".join(link.format(i=i, j=i - 1)
                                                                            for i in range(1, n)) + use.format(n - 1)


PINNED: dict[str, list[Case]] = {
    "syntax": [  # the initial states under symmetry are enumerated without looking at the time: 20 s and more
        Case("model M\nprocess P[12] { var c: 0..5 = any }\naction a { }\n", "pinned: 12 copies, any local")],
    "meaning": [
        # a param's default that reads a state variable: no error, the param and all that uses it dropped,
        # here the action that breaks the invariant (it holds), there a fair action (KeyError in fair_groups)
        Case("model M\nvar m: 0..2 = 0\nparam N: int = m\nvar x: 0..2 = 0\naction b { x = N + 1 }\n"
             "invariant i: x == 0\n", "pinned: param default reads state", expect=("error", "error[FP")),
        Case("model M\nparam N: int = m\nvar m: 0..2 = 0\nprocess P[N] { }\naction step(v: P) { }\n"
             "fair action step\nproperty p: eventually m == 1\n", "pinned: fair action of a dropped action")],
    "sizes": [
        Case(_chain(300, "def c0 = x\n", "def c{i} = c{j} + 1\n", "invariant uses: c{} >= 0\n"),
             "pinned: 300 defs each calling the one before"),  # RecursionError in the compiler
        Case(_chain(600, "record R0 { v: bool }\n", "record R{i} {{ f: R{j} }}\n", "var y: R{} = any\n"),
             "pinned: 600 records each a field of the next"),  # FP105 without a location
        Case("model M\nvar x: bool = " + " " * (FILE_SIZE + 5000) + "false\n",
             "pinned: a line longer than the size limit"),  # FP003 shows the line cut at the limit
    ],
    "limits": [
        Case("model M\nvar x: int = 0\ndef inc(a: int): int = a + 1\naction deep when ("
             + _nest("inc(", "1", ")", 245) + ") > 0 { x = 1 }\n", "pinned: calls 245 deep",
             args=("--limit", "nesting=250")),  # was calls 985 deep at nesting=1000: a RecursionError
    ],
}


# ---------------------------------------------------------------- the tests


# In this order so that pytest-xdist's first round (items 0 and 2 to one worker, 1 and 3 to the
# other) does not give one worker both malformed tests, the longest two of the slow tier.


def test_malformed_syntax(tmp_path_factory, tier, request, capsys):
    run = Tally("malformed syntax", tier, tmp_path_factory.mktemp("syntax"))
    hunt(tier, "syntax", run, malformed(break_syntax))
    run.finish(request, capsys)


def test_huge_sizes(tmp_path_factory, tier, request, capsys):
    run = Tally("huge sizes", tier, tmp_path_factory.mktemp("sizes"))
    hunt(tier, "sizes", run, sizes_case(cheap=tier == "fast"))
    run.finish(request, capsys)


def test_malformed_meaning(tmp_path_factory, tier, request, capsys):
    run = Tally("malformed meaning", tier, tmp_path_factory.mktemp("meaning"))
    hunt(tier, "meaning", run, malformed(break_meaning))
    run.finish(request, capsys)


def test_deep_nesting(tmp_path_factory, tier, request, capsys):
    run = Tally("deep nesting", tier, tmp_path_factory.mktemp("nesting"))
    hunt(tier, "nesting", run, deep_case())
    run.finish(request, capsys)


def test_near_and_raised_limits(tmp_path_factory, tier, request, capsys):
    run = Tally("near and raised limits", tier, tmp_path_factory.mktemp("limits"))
    hunt(tier, "limits", run, near_limits(heavy=tier == "slow"))
    run.finish(request, capsys)


def test_skeleton_is_mostly_valid(tmp_path_factory):
    """The skeleton the malformed tests break is itself a model: most of them run to a verdict
    (else the breaking would test little but the first error).  A plain check of the generator,
    on 15 skeletons."""
    where = tmp_path_factory.mktemp("skeleton")
    codes: Counter[int] = Counter()
    errors: list[str] = []

    @settings(HUNT, max_examples=15)
    @given(skeleton())
    def body(sk):
        r, _, _ = invoke(where, Case(sk[0], "skeleton"))
        codes[r.exit_code] += 1
        if r.exit_code == 2:
            errors.append(r.stderr.split("\n")[0] + "\n" + sk[0])

    body()
    assert codes[0] + codes[1] + codes[3] >= 0.8 * sum(codes.values()), (codes, errors[:3])
