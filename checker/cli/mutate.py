"""`forkproof mutate MODEL`: the command.  What a mutant is: NOTE(mutation-sites) in
checker/run/mutants.py; how each is classified: NOTE(mutant-status) in checker/run/mutate.py;
the exit codes: NOTE(mutate-exit); how it is printed: checker/output/mutate.py."""
from __future__ import annotations

import os
import sys

import click

from forkproof.api import load_text, read_source
from forkproof.cli.common import internal_error, loading, print_errors
from forkproof.cli.options import limit_options, search_options, selection_options
from forkproof.output import mutate as out
from forkproof.run.mutants import OPERATORS, MutantResult, exit_code
from forkproof.run.mutate import MUTANT_SECONDS, mutate_model
from forkproof.run.plan import parse_bindings
from forkproof.run.choices import ENGINES
from forkproof.run.portfolio import EngineOptions
from forkproof.semantics.control import Control
from forkproof.semantics.verdict import ExitCode
from forkproof.spec.errors import ModelError


@click.command()
@click.argument("model", metavar="MODEL")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V",
              help="Bind a param, as for `check`: N=4, or a range N=1..6. Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "sarif"]), default="text", show_default=True,
              help="text for people; json (docs/mutation.md); sarif 2.1.0, each surviving mutant a warning at its "
                   "site.")
@click.option("--engine", type=click.Choice([e for e in ENGINES if e != "simulate"]), default="explicit",
              show_default=True, help="The engine for the original and every mutant, as for `check` (random runs "
                                      "cannot show that a mutant survives).")
@search_options
@selection_options
@limit_options
@click.option("--up-to", "up_to", type=click.IntRange(min=0), default=6, show_default=True,
              help="For an int param with no value: check the original and each mutant at every value up to this "
                   "that the assumptions allow (no every-size proof unless --every-size).")
@click.option("--every-size", is_flag=True,
              help="Check each mutant exactly as `check` does: for an int param with no value, the proof for every "
                   "size as well as the fixed sizes (seconds per mutant).")
@click.option("--operator", "operators", multiple=True, type=click.Choice(list(OPERATORS)),
              help="Only the mutants of this operator (repeatable); they keep the numbers they have among all.")
@click.option("--max-mutants", type=click.IntRange(min=1), default=None,
              help="Check only the first K mutants, in the order of their sites in the file.")
@click.option("--mutant-timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help=f"Seconds for each mutant over all its instances (default {MUTANT_SECONDS:g}); when they run "
                   "out it is unknown. --timeout is the engine's budget, as for `check`.")
@click.option("--min-score", type=click.FloatRange(min=0, max=100), default=None, metavar="PERCENT",
              help="Exit 1 when the mutation score is below PERCENT (for CI).")
@click.option("--timings", is_flag=True, help="Put wall-clock times into json and sarif output.")
@click.option("--stream/--no-stream", "stream", default=None,
              help="A line on stderr for each mutant as it is classified. Default: when stderr is a terminal.")
def mutate(model, params, fmt, engine, depth, symmetry, deadlock, max_states, workers, store, memory, timeout, only,
           skip, liveness, up_to, every_size, operators, max_mutants, mutant_timeout, min_score, timings, stream, limits):
    """Check the mutants of MODEL: small edits of the kind protocol bugs are made of
    (`>` for `>=`, a fraction off by one, `and` for `or`, a guard conjunct or a reset
    dropped, `div` for `/`), each with the same engine and budgets as `check`, and report
    which the invariants and properties kill, which survive (with the diff), which are
    equivalent on the instances checked, and the mutation score.

    Exit codes: 0 every mutant was checked (and the score is at least --min-score), 1 the
    score is below --min-score, 2 the model or the command line is wrong, 3 interrupted, the
    time or memory budget ran out while loading MODEL, or --min-score with no mutant to score,
    4 an internal error."""
    options = EngineOptions(engine=engine, symmetry=symmetry, deadlock=deadlock, max_states=max_states,
                            timeout=timeout, depth=depth if depth is not None else 20, up_to=up_to, store=store,
                            memory=memory, workers=workers, control=Control())
    show = sys.stderr.isatty() if stream is None else stream

    def on_result(r: MutantResult, i: int, n: int) -> None:
        if show:
            click.echo(f"[{i}/{n}] {r.mutant.id} {r.status}: {r.mutant.description} ({out.detail(r, '')})", err=True)

    source = None
    try:
        try:
            with loading(model, timeout, memory):
                source = read_source(model, limits)
                m = load_text(source, model, limits=limits)
            bindings = parse_bindings(m, list(params))
            rep = mutate_model(m, source, bindings, options, only, skip, max_mutants, mutant_timeout, every_size,
                               on_result, operators, liveness)
        except ModelError as err:
            print_errors(err, model, source, fmt)
            errors = [d.to_json(model) for d in err.diagnostics]
            if fmt == "json":
                click.echo(out.render_json(None, ExitCode.USAGE, errors))
            elif fmt == "sarif":
                click.echo(out.render_sarif(None, ExitCode.USAGE, errors))
            sys.exit(ExitCode.USAGE)
        code = exit_code(rep, min_score)
        if fmt == "json":
            click.echo(out.render_json(rep, code, timings=timings, min_score=min_score))
        elif fmt == "sarif":
            click.echo(out.render_sarif(rep, code, timings=timings, min_score=min_score))
        else:
            click.echo(out.render_text(rep, code, min_score))
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")
        code = ExitCode.INCONCLUSIVE
    except KeyboardInterrupt:
        click.echo("forkproof: interrupted (Ctrl-C) before a report could be made", err=True)
        code = ExitCode.INCONCLUSIVE
    except Exception as exc:  # a bug, not the user's mistake: never exit 0 or 1
        code = internal_error(exc)
    sys.exit(code)
