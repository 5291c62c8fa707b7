"""Docs that cannot drift: every command output shown in README.md and docs/ is the tool's.

The convention (docs/architecture.md, "Examples in the docs"):

- A ```` ```console ```` block is an example that this module runs.  A line starting with
  `$ ` is a command; the lines after it, up to the next command, are what it prints
  (stdout and stderr as a terminal shows them, but as on a pipe: no progress or streaming
  lines unless the command asks for them).  `forkproof ...` runs in-process (click's
  CliRunner on `forkproof.cli.main:cli`); any other command (a `sed` that makes a variant of
  a model) runs in bash.  Blank lines at the end of an output, and spaces at the end of a
  line, are not compared.
- Commands run in a scratch directory that holds the repository's `models/` (as
  `models/`) and every ```` ```fork file=NAME.fork ```` block of the same Markdown file,
  written as NAME.fork; so `forkproof check quorum.fork` checks the model shown above it.
- A line `...` (alone, indentation allowed) in an output stands for any number of lines
  left out; the lines shown must appear in that order, each run of them contiguous.
- ```` ```console slow ```` marks an example that takes more than about 2.5 s: it runs in the
  slow tier (`--slow`).
- ```` ```console json ```` shows an excerpt of a JSON document a command prints: each
  command's output is parsed and must contain the one shown, where an object's key `"..."`
  stands for the keys left out, a string `"..."` for any value, and an element `"..."` of a
  list for any number of elements (the others in that order, each run of them contiguous).
  Every other key, value and element must be what the tool prints.  An output shown as `...`
  alone is compared as text (anything).
- Compared after one normalization, the golden tests' (tests/golden/test_cli_golden.py):
  wall-clock times (`0.24s`) become `<TIME>` (with the spaces around them collapsed), and
  the stamps of streamed lines (`[   0.4s]`) become `[<TIME>]`.  Nothing else varies.
- ```` ```sh ```` blocks are commands to type with no output shown; ```` ```usage ```` blocks
  are synopses.  Any other block that looks like output (a `$ ` line, a line starting with
  `forkproof`, a report's `result: ... exit code` line, a violation heading, an FPnnn error)
  fails `test_no_unchecked_output`.

`FORKPROOF_REGEN=1 python -m pytest tests/test_docs.py --slow` rewrites every block without
`...` whose output differs with what the tool prints now (review the diff: prose around a
block may need the same change); a block with `...` is reported, with the full output, to
be edited by hand.
"""
from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import subprocess
import tempfile
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from forkproof.cli.main import cli
from tests.golden.test_cli_golden import ENV, HELP_WIDTH, PROG, canonical, fresh_process_state, warm_up

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
ELIDED = "..."
REGEN = os.environ.get("FORKPROOF_REGEN") == "1"
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})\s*(.*)$")
# Languages whose blocks are data or code, not a terminal: not checked for stray output.
_STRUCTURED = {"fork", "yaml", "yml", "json", "python", "xml", "toml", "lark"}
_LOOKS_LIKE_OUTPUT = [re.compile(p) for p in (
    r"^\$ ",                                    # a shell prompt
    r"^\s*forkproof\b",                         # a command line, or a report's header
    r"^result: .*exit code \d",                 # a report's last line
    r"^(newly )?(invariant|property) violated: ",
    r"^runtime error, ",
    r"error\[FP\d{3}\]",
    r"shortest trace, \d+ steps?",
    r"lasso: \d+ steps?",
    r"^\[\s*\d+\.\ds\] ",                       # a streamed verdict
    r"^threshold \w+: changed",
    r"^threshold \w+$",                          # a thresholds report's section
    r"^\s+(rule|exact|support):\s",              # ... and its lines
    r"^\s+constant θ = ",
    r"^\s+property\s+(verdict|holds for)",       # a report's table header
    r"quorum intersection .*: (proved|refuted|unknown)",
    r"^scope: ",                                 # a check report's header
    r"^engines?: ",
)]


@dataclass
class Block:
    path: Path
    line: int                     # 1-based line of the opening fence
    lang: str
    words: list[str]              # the info string's other words
    body: list[str]
    text: str                     # the whole block, fences included (for regen)

    @property
    def where(self) -> str:
        return f"{self.path.relative_to(ROOT).as_posix()}:{self.line}"


def blocks(path: Path) -> list[Block]:
    lines = path.read_text(encoding="utf-8").split("\n")
    found, i = [], 0
    while i < len(lines):
        m = _FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, info = m.group(1), m.group(2).split()
        j = i + 1
        while j < len(lines) and not (lines[j].strip().startswith(fence[0] * len(fence))
                                      and not lines[j].strip().strip(fence[0])):
            j += 1
        found.append(Block(path, i + 1, info[0] if info else "", info[1:], lines[i + 1:j],
                           "\n".join(lines[i:j + 1])))
        i = j + 1
    return found


def all_blocks() -> list[Block]:
    return [b for p in DOCS for b in blocks(p)]


@dataclass
class Step:
    command: str
    expected: list[str] = field(default_factory=list)


def steps(block: Block) -> list[Step]:
    out: list[Step] = []
    for line in block.body:
        if line.startswith("$ "):
            out.append(Step(line[2:]))
        else:
            assert out, f"{block.where}: a console block starts with a `$ ` command line"
            out[-1].expected.append(line)
    for s in out:
        while s.expected and not s.expected[-1].strip():
            s.expected.pop()
    return out


def files_of(path: Path) -> dict[str, str]:
    """The `fork file=NAME` blocks of a Markdown file, by name."""
    files: dict[str, str] = {}
    for b in blocks(path):
        for w in b.words:
            if w.startswith("file="):
                name = w[len("file="):]
                assert name not in files, f"{b.where}: a second block for {name}"
                files[name] = "\n".join(b.body) + "\n"
    return files


def run(command: str, cwd: Path) -> str:
    """What `command` prints, stdout and stderr interleaved, as on a pipe."""
    argv = shlex.split(command)
    if argv[0] != "forkproof":
        r = subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True)
        return r.stdout + r.stderr
    here = os.getcwd()
    os.chdir(cwd)
    fresh_process_state()
    try:
        result = CliRunner(env=ENV).invoke(cli, argv[1:], prog_name=PROG, terminal_width=HELP_WIDTH)
    finally:
        os.chdir(here)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"`{command}` raised instead of exiting:\n"
                             + "".join(traceback.format_exception(*result.exc_info)))
    return result.output


_STAMP = re.compile(r"^\[\s*\d+\.\ds\]", re.M)


def normal(line: str) -> str:
    return canonical(_STAMP.sub("[<TIME>]", line)).rstrip()


def mismatch(expected: list[str], actual: list[str]) -> str | None:
    """None when `actual` shows `expected` (with `...` for omitted lines), else why not."""
    want, have = [normal(x) for x in expected], [normal(x) for x in actual]
    if ELIDED not in (w.strip() for w in want):
        if want == have:
            return None
        return "".join(difflib.unified_diff([w + "\n" for w in want], [h + "\n" for h in have],
                                            "in the docs", "printed now"))
    chunks: list[list[str]] = [[]]
    for w in want:
        if w.strip() == ELIDED:
            chunks.append([])
        else:
            chunks[-1].append(w)
    first, *middle, last = chunks
    if have[:len(first)] != first:
        return "the lines before the first `...` are not how the output starts"
    if len(have) - len(first) < len(last) or (last and have[len(have) - len(last):] != last):
        return "the lines after the last `...` are not how the output ends"
    pos, end = len(first), len(have) - len(last)
    for chunk in middle:
        at = next((i for i in range(pos, end - len(chunk) + 1) if have[i:i + len(chunk)] == chunk), None)
        if at is None:
            return "these lines do not appear (in this order, together) in the output:\n  " + "\n  ".join(chunk)
        pos = at + len(chunk)
    return None


def json_mismatch(want, have, where: str = "$") -> str | None:
    """None when the JSON value `have` contains the excerpt `want` (`"..."` wildcards), else where not."""
    if want == ELIDED:
        return None
    if isinstance(want, dict):
        if not isinstance(have, dict):
            return f"{where}: an object in the docs, {type(have).__name__} printed"
        for k, w in want.items():
            if k == ELIDED:
                continue
            if k not in have:
                return f"{where}: no key {k!r} printed (it has {', '.join(map(repr, have)) or 'none'})"
            if (why := json_mismatch(w, have[k], f"{where}.{k}")) is not None:
                return why
        if ELIDED not in want and set(have) - set(want):
            return f"{where}: keys printed that the docs leave out without a \"...\": {sorted(set(have) - set(want))}"
        return None
    if isinstance(want, list):
        if not isinstance(have, list):
            return f"{where}: a list in the docs, {type(have).__name__} printed"
        chunks: list[list] = [[]]
        for w in want:
            if w == ELIDED:
                chunks.append([])
            else:
                chunks[-1].append(w)

        def why_not(chunk: list, at: int) -> str | None:
            return next((why for i, w in enumerate(chunk)
                         if (why := json_mismatch(w, have[at + i], f"{where}[{at + i}]")) is not None), None)

        def fits(chunk: list, at: int) -> bool:
            return why_not(chunk, at) is None

        if len(chunks) == 1:
            if len(want) != len(have):
                return f"{where}: {len(want)} elements in the docs, {len(have)} printed"
            return why_not(want, 0)
        first, *middle, last = chunks
        if len(have) < len(first) + len(last):
            return f"{where}: {len(first) + len(last)} elements or more in the docs, {len(have)} printed"
        if (why := why_not(first, 0) or why_not(last, len(have) - len(last))) is not None:
            return why
        pos, end = len(first), len(have) - len(last)
        for chunk in middle:
            at = next((i for i in range(pos, end - len(chunk) + 1) if fits(chunk, i)), None)
            if at is None:
                return f"{where}: elements {chunk!r} are not printed (in this order, together)"
            pos = at + len(chunk)
        return None
    if want != have or type(want) is not type(have):
        return f"{where}: {want!r} in the docs, {have!r} printed"
    return None


def compare(block: Block, expected: list[str], actual: list[str]) -> str | None:
    """How the output of one command differs from the docs (None: it does not)."""
    if "json" not in block.words or all(x.strip() in ("", ELIDED) for x in expected):
        return mismatch(expected, actual)
    try:
        want = json.loads("\n".join(expected))
    except json.JSONDecodeError as e:
        return f"the excerpt in the docs is not JSON: {e}"
    try:
        have = json.loads("\n".join(actual))
    except json.JSONDecodeError as e:
        return f"the command did not print JSON ({e}):\n" + "\n".join(actual[:20])
    return json_mismatch(want, have)


def scratch(doc: Path, tmp: Path) -> Path:
    (tmp / "models").symlink_to(ROOT / "models", target_is_directory=True)
    for name, text in files_of(doc).items():
        (tmp / name).write_text(text, encoding="utf-8")
    return tmp


def regenerate(block: Block, outputs: list[tuple[Step, list[str]]]) -> None:
    body: list[str] = []
    for k, (step, actual) in enumerate(outputs):
        if k:
            body.append("")
        body += [f"$ {step.command}", *[a.rstrip() for a in actual]]
    lines = block.text.split("\n")
    new = "\n".join([lines[0], *body, lines[-1]])
    text = block.path.read_text(encoding="utf-8")
    assert text.count(block.text) == 1, f"{block.where}: the block is not unique in its file, edit it by hand"
    block.path.write_text(text.replace(block.text, new), encoding="utf-8")


def console_blocks() -> list[Block]:
    return [b for b in all_blocks() if b.lang == "console"]


def _param(b: Block):
    return pytest.param(b, id=b.where, marks=[pytest.mark.slow] if "slow" in b.words else [])


@pytest.fixture(scope="module")
def warm():
    warm_up()


@pytest.mark.parametrize("block", [_param(b) for b in console_blocks()])
def test_example_output_is_what_the_tool_prints(block, warm):
    with tempfile.TemporaryDirectory(prefix="forkproof-docs-") as tmp:
        cwd = scratch(block.path, Path(tmp).resolve())
        outputs = []
        for step in steps(block):
            printed = run(step.command, cwd).replace(str(cwd) + "/", "")
            outputs.append((step, printed.rstrip("\n").split("\n") if printed.strip() else []))
    problems = [(s, a, why) for s, a in outputs if (why := compare(block, s.expected, a)) is not None]
    if not problems:
        return
    elided = "json" in block.words or any(x.strip() == ELIDED for s in steps(block) for x in s.expected)
    if REGEN and not elided:
        regenerate(block, outputs)
        return
    report = []
    for step, actual, why in problems:
        report.append(f"$ {step.command}\n{why}")
        if elided:
            report.append("the full output now:\n" + "\n".join(actual))
    pytest.fail(f"{block.where}: the example's output is not what the tool prints now (times normalized)"
                + ("" if elided else "; FORKPROOF_REGEN=1 rewrites it") + ":\n" + "\n".join(report),
                pytrace=False)


def test_no_unchecked_output():
    """A block that looks like a command's output is a `console` block (so it is run)."""
    stray = []
    for b in all_blocks():
        if b.lang in _STRUCTURED or b.lang == "console":
            continue
        for line in b.body:
            if b.lang in ("sh", "usage") and not line.startswith("$ "):
                if b.lang == "usage" or not any(p.search(line) for p in _LOOKS_LIKE_OUTPUT[2:]):
                    continue
            if any(p.search(line) for p in _LOOKS_LIKE_OUTPUT):
                stray.append(f"{b.where}: {line.strip()[:80]}")
                break
    assert not stray, ("blocks that look like command output but are not ```console blocks "
                       "(docs/architecture.md, 'Examples in the docs'):\n" + "\n".join(stray))


def test_sh_blocks_only_run_commands():
    """A `sh` block shows commands without output: each line is a command or a comment."""
    for b in all_blocks():
        if b.lang != "sh":
            continue
        for line in b.body:
            if line.strip() and not line.lstrip().startswith("#"):
                first = shlex.split(line, comments=True)[0]
                assert Path(first).name in ("forkproof", "python3", "python", "pip"), f"{b.where}: {line}"


def test_file_blocks_are_used():
    """Every `fork file=NAME` block is run by a console block of its file (or it would not need a name)."""
    for doc in DOCS:
        commands = " ".join(s.command for b in blocks(doc) if b.lang == "console" for s in steps(b))
        for name in files_of(doc):
            assert name in commands, f"{doc.relative_to(ROOT)}: no console block runs {name}"


def test_the_examples_are_found():
    found = console_blocks()
    assert len(found) >= 15, [b.where for b in found]
    assert any(b.path.name == "README.md" for b in found)


def test_elision_matches_in_order():
    out = ["a", "b", "c", "d", "e"]
    assert mismatch(["a", "...", "e"], out) is None
    assert mismatch(["a", "...", "c", "...", "e"], out) is None
    assert mismatch(["...", "c", "d", "..."], out) is None
    assert mismatch(["a", "b", "c", "d", "e"], out) is None
    assert mismatch(["a", "...", "d", "c", "..."], out) is not None   # order
    assert mismatch(["a", "...", "b", "d", "..."], out) is not None   # contiguous
    assert mismatch(["b", "..."], out) is not None                    # anchored at the start
    assert mismatch(["...", "d"], out) is not None                    # anchored at the end
    assert mismatch(["a", "b"], out) is not None                      # no `...`: all of it
    assert mismatch(["x 0.12s", "...", "[   0.4s] y"], ["x 13.50s", "[  12.1s] y"]) is None


def test_section_10_is_the_whole_0l_model():
    """docs/language.md section 10 says its model blocks, put together, are the whole model
    (without its opening source comment): blank lines aside, they are."""
    doc = ROOT / "docs" / "language.md"
    text = doc.read_text(encoding="utf-8")
    start, end = text.index("\n## 10. "), text.index("\n## 11. ")
    first = text[:start].count("\n") + 1
    last = text[:end].count("\n") + 1
    shown = [line for b in blocks(doc) if first < b.line < last and b.lang == "" for line in b.body]
    model = (ROOT / "models" / "libra_framework_upgrade.fork").read_text(encoding="utf-8")
    model = model[model.index("model LibraFrameworkUpgrade"):]
    want = [x for x in model.split("\n") if x.strip()]
    have = [x for x in shown if x.strip()]
    assert have == want, "".join(difflib.unified_diff([h + "\n" for h in have], [w + "\n" for w in want],
                                                      "docs/language.md section 10", "models/libra_framework_upgrade.fork"))


def test_no_machine_specific_paths():
    """Docs name paths a reader has: no one machine's home, venv or checkout."""
    for doc in [*DOCS, ROOT / "bench" / "README.md"]:
        for n, line in enumerate(doc.read_text(encoding="utf-8").split("\n"), 1):
            assert not re.search(r"(?<![\w.])/(home|Users|work|root)/", line), f"{doc.relative_to(ROOT)}:{n}: {line}"


def test_json_and_xml_output_is_run():
    """JSON and XML in the docs are what a command prints, so they are ```console (json) blocks."""
    plain = [b.where for b in all_blocks() if b.lang in ("json", "xml")]
    assert not plain, f"show a command's JSON as ```console json, its XML as ```console: {plain}"


def test_json_excerpts_match_with_wildcards():
    doc = {"a": 1, "b": [1, 2, 3, 4], "c": {"d": "x", "e": None}}
    assert json_mismatch({"a": 1, "...": "..."}, doc) is None
    assert json_mismatch({"a": 1, "b": ["...", 3, 4], "c": {"d": "...", "e": None}}, doc) is None
    assert json_mismatch({"a": 1, "b": [1, "...", 4], "c": "..."}, doc) is None
    assert json_mismatch({"a": 1, "b": ["...", 2, 3, "..."], "c": "..."}, doc) is None
    assert json_mismatch({"a": 1, "b": [1, 2, 3, 4]}, doc) is not None             # "c" left out without "..."
    assert json_mismatch({"a": 2, "...": "..."}, doc) is not None                  # a value
    assert json_mismatch({"a": True, "...": "..."}, {"a": 1}) is not None          # a type
    assert json_mismatch({"b": [1, 2], "...": "..."}, doc) is not None             # a list's length
    assert json_mismatch({"b": ["...", 3, 2, "..."], "...": "..."}, doc) is not None  # order
    assert json_mismatch({"b": [2, "..."], "...": "..."}, doc) is not None         # anchored at the start
    assert json_mismatch({"z": "...", "...": "..."}, doc) is not None              # a key
