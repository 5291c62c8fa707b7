"""`forkproof diff OLD NEW` (or `forkproof diff NEW --git REV`): the command.  What it
decides and its exit codes: NOTE(diff-match) and NOTE(diff-exit) in checker/run/diff.py;
how it is printed: checker/output/diff.py."""
from __future__ import annotations

import json
import os
import sys

import click

from forkproof.api import load_text, read_source
from forkproof.cli.common import internal_error, loading, print_errors
from forkproof.cli.options import limit_options, search_options, selection_options
from forkproof.output.diff import render_text, to_json
from forkproof.run.diff import check_version, exit_code, git_show, match, threshold_changes
from forkproof.run.choices import ENGINES
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.verdict import ExitCode
from forkproof.spec import ir as I
from forkproof.spec.errors import ModelError


@click.command()
@click.argument("files", nargs=-1, required=True, metavar="OLD NEW | NEW --git REV")
@click.option("--git", "rev", default=None, metavar="REV",
              help="Compare NEW with the same path at git revision REV (e.g. origin/main, HEAD~1).")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V",
              help="Bind a param in both versions: N=4, or a range N=1..6. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--engine", type=click.Choice([e for e in ENGINES if e != "simulate"]), default="explicit",
              show_default=True, help="The engine for both versions (as for `check`; random runs compare nothing).")
@search_options
@selection_options
@limit_options
@click.option("--up-to", "up_to", type=click.IntRange(min=0), default=6, show_default=True,
              help="For an int param with no value: besides the proof for every value (as `check`), check "
                   "each instance with the param at most this. The report says which sizes each version covers.")
@click.option("--table-up-to", "table_up_to", type=click.IntRange(min=1, max=500), default=10, show_default=True,
              help="A changed threshold's table covers N = 1..K.")
def diff(files, rev, params, fmt, engine, depth, symmetry, deadlock, max_states, workers, store, memory, timeout, only, skip, liveness,
         up_to, table_up_to, limits):
    """Check two versions of a model and say what the edit changed: properties newly
    violated (with the trace), fixed, weakened, added or removed, and every changed
    threshold's table before and after, with whether its rule got weaker, stronger,
    stayed equal or became incomparable (and a configuration that shows it).

    Exit codes: 0 nothing got worse, 1 a property is violated in NEW that was not violated
    in OLD (and NEW does not mark it `expect violated`), a property NEW marks `expect
    violated` holds, or a threshold rule became weaker (admits a configuration the old rule
    rejected), 2 a model, the revision or the command line is wrong, 3 a verdict got weaker
    (e.g. proved -> unknown) or a rule comparison has no answer, with no regression, or the
    time or memory budget ran out while loading a version, 4 an internal error."""
    options = EngineOptions(engine=engine, symmetry=symmetry, deadlock=deadlock, max_states=max_states,
                            timeout=timeout, depth=depth if depth is not None else 20, certificate=None, require="exhaustive", up_to=up_to,
                            store=store, memory=memory, workers=workers)
    if rev is None and len(files) != 2:
        raise click.UsageError("give two model files, OLD NEW, or one with --git REV")
    if rev is not None and len(files) != 1:
        raise click.UsageError("with --git REV give one model file, NEW (OLD is the same path at REV)")
    new_path = files[-1]
    old_label = f"{new_path}@{rev}" if rev is not None else files[0]
    errors: list[dict] = []
    code = ExitCode.USAGE
    try:
        def read(label: str, path: str, from_git: bool) -> I.Model | None:
            source = None
            try:
                with loading(label, timeout, memory):
                    source = git_show(path, rev) if from_git else read_source(path, limits)
                    if from_git:  # the libraries it imports are read at the same revision
                        return load_text(source, label, lambda p: git_show(p, rev), limits)
                    return load_text(source, label, limits=limits)
            except ModelError as err:
                print_errors(err, label, source, fmt)
                errors.extend(d.to_json(label) for d in err.diagnostics)
                return None

        m_old = read(old_label, files[0], rev is not None)
        m_new = read(new_path, new_path, False)

        def check(label: str, model: I.Model, other: I.Model):
            try:
                return check_version(label, model, other, list(params), options, only, skip, liveness)
            except ModelError as err:
                print_errors(err, label, None, fmt)
                errors.extend(d.to_json(label) for d in err.diagnostics)
                return None, None

        if m_old is not None and m_new is not None:
            b_old, old = check(old_label, m_old, m_new)
            b_new, new = check(new_path, m_new, m_old)
        if errors:
            if fmt == "json":
                click.echo(json.dumps(to_json(None, None, [], [], ExitCode.USAGE, errors), indent=2))
            sys.exit(ExitCode.USAGE)
        tchanges = threshold_changes(m_old, m_new, (b_old, b_new), table_up_to)
        changes = match(old, new)
        code = exit_code(changes, tchanges)
        if fmt == "json":
            click.echo(json.dumps(to_json(old, new, changes, tchanges, code), indent=2))
        else:
            click.echo(render_text(old, new, changes, tchanges, code))
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")
        code = ExitCode.INCONCLUSIVE
    except Exception as exc:  # a bug, not the user's mistake: never exit 0 or 1
        code = internal_error(exc)
    sys.exit(code)
