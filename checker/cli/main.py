"""The `forkproof` command line: the group, `check` and `parse`; `thresholds`, `diff`,
`graph` and `conform` live beside it (checker/cli/).  Commands read options, call the layers below and
print what they return; the exit codes are NOTE(exit-codes) in checker/semantics/verdict.py.
"""
from __future__ import annotations

import importlib
import os
import signal
import sys
from typing import TYPE_CHECKING

import click

from forkproof.about import VERSION
from forkproof.cli import progress
from forkproof.cli.common import in_unsafe_code, internal_error, loading, print_errors, stopped, watch
from forkproof.cli.options import limit_options, search_options, selection_options
from forkproof.run.choices import ENGINES, SIMULATE_DEPTH
from forkproof.semantics.verdict import ExitCode
from forkproof.semantics.control import FRONT_SECONDS, Control
from forkproof.spec.errors import ModelError
from forkproof.spec.limits import DEFAULT as DEFAULT_LIMITS, Limits
from forkproof.spec.load import load_text, read_source

if TYPE_CHECKING:
    from forkproof.run.portfolio import EngineOptions

# NOTE(lazy-commands) (below): what only `check` needs is imported in `check`, so that `parse`
# and `--help` load the language and the command line, nothing more.


class _Commands(click.Group):
    """NOTE(lazy-commands): the commands beside `check` and `parse` are imported when run (or
    listed by --help), not at start-up: `thresholds`, `diff` and `mutate` load z3, `graph` networkx,
    and every run would pay for them (tests/test_startup.py pins that `check` and `parse`
    load neither)."""

    LAZY = {"thresholds": "forkproof.cli.thresholds", "diff": "forkproof.cli.diff", "graph": "forkproof.cli.graph",
            "conform": "forkproof.cli.conform", "mutate": "forkproof.cli.mutate"}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.LAZY})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.LAZY and name not in self.commands:
            module = importlib.import_module(self.LAZY[name])
            self.add_command(getattr(module, name))
        return super().get_command(ctx, name)


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(VERSION, prog_name="forkproof")
@click.option("--debug", is_flag=True, help="On an internal error (exit 4), print the traceback.")
def cli(debug: bool) -> None:
    """forkproof: prove that protocol upgrades are safe before they ship.

    Exit codes: 0 nothing violated (and every verdict as strong as --require),
    1 a property is violated, 2 the model or command line is wrong, 3 inconclusive
    (an unknown verdict, a budget or limit crossed), 4 an internal error (a bug in forkproof).
    """


@cli.command()
@click.argument("models", nargs=-1, required=True, metavar="MODEL...")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V",
              help="Bind a param: N=4, or a range N=1..6 (one run per value). Repeatable.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "junit", "sarif"]), default="text",
              show_default=True, help="text for people; json (docs/json-schema.md), junit XML or sarif 2.1.0 "
                                      "for CI (docs/formats.md).")
@click.option("--trace-dir", type=click.Path(file_okay=False), default=None,
              help="Write every counterexample as an ITF trace (Apalache/Quint's JSON trace format) into this "
                   "directory: <model>_<property>_<scope>.itf.json.")
@click.option("--timings", is_flag=True,
              help="Put wall-clock times into json, junit and sarif output (left out by default so that the "
                   "same input gives the same bytes).")
@click.option("--engine", type=click.Choice(list(ENGINES)), default="explicit", show_default=True,
              help="explicit: search every reachable state; bmc: bounded search with Z3 (--depth); "
                   "kind: k-induction proofs; pdr: PDR proofs with a checked invariant; auto: a portfolio; "
                   "simulate: random runs (--runs, --depth, --seed), for models too big to explore: finds "
                   "violations, never proves.")
@click.option("--ray", "ray_address", default=None, metavar="ADDRESS",
              help="Run the instances (sweep values, fixed sizes) as tasks on a Ray cluster: auto (the cluster "
                   "this machine is in, else a local one), local, or HOST:PORT. Needs pip install "
                   "'forkproof[ray]'. docs/scale.md.")
@click.option("--runs", type=click.IntRange(min=1), default=1000, show_default=True,
              help="simulate: how many random runs per instance.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="simulate: the random seed (default: a fresh one, printed in the report, so that the run can be "
                   "repeated).")
@search_options
@selection_options
@limit_options
@click.option("--certificate", type=click.Path(dir_okay=False), default=None,
              help="pdr: write the proof obligations of every proved property as SMT-LIB2 to this file.")
@click.option("--require", type=click.Choice(["proof", "exhaustive", "bounded"]), default="exhaustive",
              show_default=True, help="The weakest verdict that still counts as success (exit 0).")
@click.option("--up-to", "up_to", type=click.IntRange(min=0), default=6, show_default=True,
              help="For an int param with no value: besides the proof for every value, check each instance "
                   "with the param at most this (to find the smallest that breaks a property).")
@click.option("--verbose", "-v", is_flag=True,
              help="text: also each proof's inductive invariant (in the model's syntax), how each verdict "
                   "was proved, and each property's time.")
@click.option("--progress/--no-progress", "show_progress", default=None,
              help="A live progress line on stderr (states, depth, states/s, queue, time; what a symbolic engine "
                   "works on). Default: only when stderr is a terminal, never in a CI log.")
@click.option("--stream/--no-stream", "stream", default=None,
              help="A line on stderr for each property's verdict on each instance as it lands. Default: on a "
                   "terminal, once a run has taken 2 s; never in a CI log unless given.")
def check(models, params, fmt, trace_dir, timings, engine, ray_address, runs, seed, depth, certificate, symmetry, deadlock, max_states,
          workers, store, memory, timeout, only, skip, liveness, limits, require, up_to, verbose, show_progress, stream):
    """Check every invariant and property of each MODEL.

    An int param with no value (`param N: int`) means every value the assumptions allow:
    forkproof proves each property for all of them at once where it can, and reports the
    smallest value that breaks it otherwise.

    A property the model marks `expect violated` passes when it is violated (shown as
    expected, with its trace) and fails (exit 1) when it holds: the expectation is stale."""
    from forkproof.run.distribute import RayUnavailable, connect
    tty = sys.stderr.isatty()
    if show_progress is None:
        show_progress = tty
    line = progress.Line() if show_progress else None
    control = Control(progress=line, interval=progress.interval())
    if line is not None:
        control.on_work = line.work
    if stream or (stream is None and tty):  # NOTE(stream-lines)
        control.on_verdict = progress.Stream(line, after=0.0 if stream else progress.STREAM_AFTER)
    if ray_address is not None:
        try:
            connect(ray_address)
        except RayUnavailable as e:
            raise click.UsageError(str(e))
    from forkproof.run.portfolio import EngineOptions, new_seed  # NOTE(lazy-commands)

    if engine == "simulate" and seed is None:
        seed = new_seed()  # one per check, printed: every instance draws from it (NOTE(simulate))
    options = EngineOptions(engine=engine, symmetry=symmetry, deadlock=deadlock, max_states=max_states,
                            timeout=timeout, depth=depth if depth is not None else 20, certificate=certificate,
                            require=require, up_to=up_to, control=control, runs=runs, seed=seed, store=store, memory=memory, ray=ray_address,
                            workers=workers,
                            sim_depth=depth if depth is not None else SIMULATE_DEPTH)
    restore = _on_ctrl_c(control)
    try:
        with watch(control):  # NOTE(phase-budget)
            code = _check(models, params, fmt, options, line, trace_dir, timings, only, skip, verbose, liveness,
                          limits)
    except BrokenPipeError:  # the reader went away (| head): nothing more to say, no traceback
        sys.stdout = open(os.devnull, "w")
        code = ExitCode.INCONCLUSIVE
    except KeyboardInterrupt:  # NOTE(interrupt): a solver call was cut, before any report
        if line is not None:
            line.clear()
        click.echo("forkproof: interrupted (Ctrl-C) before a report could be made: every verdict is unknown",
                   err=True)
        code = ExitCode.INCONCLUSIVE
    except Exception as exc:  # a bug, not the user's mistake: say so, never exit 1 ("violated")
        code = internal_error(exc)
    finally:
        restore()
    sys.exit(code)


def _on_ctrl_c(control: Control):
    """NOTE(interrupt): Ctrl-C marks this run's Control cancelled, then raises
    KeyboardInterrupt as Python's own handler does (that cuts a solver call).  The flag makes
    the stop certain: an interrupt raised while Python runs a finalizer is discarded, but the
    explicit engine polls the flag every 256 states.  Returns what restores the old handler."""
    def on_sigint(signum, frame):
        control.cancel()
        if in_unsafe_code(frame):  # NOTE(async-raise) in checker/cli/common.py: the watch raises it
            control.owed_interrupt = True
            return
        raise KeyboardInterrupt

    try:
        old = signal.signal(signal.SIGINT, on_sigint)
    except ValueError:  # not the main thread (an embedding host): leave signals alone
        return lambda: None
    return lambda: signal.signal(signal.SIGINT, old)


def _check(models, params, fmt, options: EngineOptions, line: progress.Line | None, trace_dir: str | None = None,
           timings: bool = False, only: tuple[str, ...] = (), skip: tuple[str, ...] = (),
           verbose: bool = False, liveness: bool = True, limits: Limits = DEFAULT_LIMITS) -> int:
    from forkproof.output import formats
    from forkproof.output import report as R
    from forkproof.run.check import check_model
    from forkproof.run.plan import parse_bindings
    from forkproof.run.results import exit_code, outcome
    require = options.require
    reports, errors, unknown = [], [], False
    color = fmt == "text" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    for path in models:
        source = None
        try:
            with options.control.front(f"loading {path}", options.timeout, options.memory):
                source = read_source(path, limits)
                model = load_text(source, path, limits=limits)
            bindings = parse_bindings(model, list(params))
            rep = check_model(model, bindings, options, only, skip, liveness=liveness)
        except ModelError as err:
            if line is not None:
                line.clear()
            print_errors(err, path, source, fmt)
            errors.extend(d.to_json(path) for d in err.diagnostics)
            continue
        except Exception as e:  # NOTE(phase-budget): a budget crossed before any verdict
            reason = options.control.stop_reason(e, "loading it")
            if reason is None:
                raise
            if line is not None:
                line.clear()
            stopped(path, reason)
            unknown = True
            continue
        reports.append(rep)
        if line is not None:
            line.clear()
        if fmt == "text":
            click.echo(R.render_text(rep, color=color, require=require, verbose=verbose))
            click.echo("")
    code = ExitCode.USAGE if errors else exit_code(reports, require)
    if unknown and code == ExitCode.OK:
        code = ExitCode.INCONCLUSIVE
    written = []
    if trace_dir is not None:
        try:
            written = formats.write_itf(reports, trace_dir)
        except OSError as e:
            click.echo(f"forkproof: cannot write ITF traces to {trace_dir}: {e.strerror or e}", err=True)
            code = ExitCode.USAGE
    if fmt == "json":
        click.echo(R.render_json(reports, code, errors, timings=timings, require=require))
    elif fmt == "junit":
        click.echo(formats.render_junit(reports, code, errors, require=require, timings=timings), nl=False)
    elif fmt == "sarif":
        click.echo(formats.render_sarif(reports, code, errors, require=require, timings=timings))
    else:
        for path in written:
            click.echo(f"ITF trace written: {path}")
        if reports:
            line = R.summary_line(reports, code, require)
            if code == ExitCode.INCONCLUSIVE and not any(
                    p.verdict.status.name == "UNKNOWN" for r in reports for p in r.properties
                    if outcome(p, require) != "expected"):
                line += f" (some verdicts are weaker than --require {require})"
            click.echo(line)
    return code


@cli.command()
@click.argument("model", metavar="MODEL")
@click.option("--dump-ir", is_flag=True, help="Print the typed IR as JSON.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help=f"The time budget for reading and checking the model (default {FRONT_SECONDS:g} s).")
@limit_options
def parse(model, dump_ir, timeout, limits):
    """Read and check MODEL without exploring it."""
    source = None
    try:
        with loading(model, timeout):
            source = read_source(model, limits)
            m = load_text(source, model, limits=limits)
    except ModelError as err:
        print_errors(err, model, source, "text")
        sys.exit(ExitCode.USAGE)
    except Exception as exc:
        sys.exit(internal_error(exc))
    if dump_ir:
        from forkproof.spec.dump import to_json
        import json  # lazily: a run without --format json does not load it (issue 16)

        click.echo(json.dumps(to_json(m), indent=2))
    elif m.library:
        defs = sum(not d.is_threshold for d in m.defs)
        click.echo(f"{model}: library {m.name} is well-formed: {len(m.params)} params, {len(m.enums)} enums, "
                   f"{defs} defs, {len(m.defs) - defs} thresholds")
    else:
        click.echo(
            f"{model}: model {m.name} is well-formed: {len(m.params)} params, {len(m.families)} process families, "
            f"{len(m.globals)} global variables, {len(m.actions)} actions, {len(m.invariants)} invariants, "
            f"{len(m.properties)} properties")
    sys.exit(ExitCode.OK)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
