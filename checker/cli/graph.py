"""`forkproof graph MODEL`: one small instance drawn as a Graphviz DOT graph.

`--kind states` (default): the reachable state graph, every node a state labelled with its
values (a family's locals and a map's entries on one line each), every edge a transition
labelled with its action instance; initial states have a double border.  `--kind actions`:
which action can enable which.  `--trace-of P` colours P's counterexample (red).  What the
graphs are: checker/run/graph.py; how they are drawn: checker/output/dot.py.

NOTE(graph-exit): 0 the graph was written; 2 the model or the command line is wrong (a param
without a single value, an unknown --trace-of property, --format svg|png without -o or without
Graphviz's `dot`: then the DOT file is still written and the message says where); 3 the
instance has more than --max-states reachable states (nothing is written), or an internal error.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import click

from forkproof.api import load_text, read_source
from forkproof.cli.common import internal_error, loading, print_errors
from forkproof.cli.options import limit_options
from forkproof.output.dot import actions_dot, states_dot
from forkproof.run.graph import TooBig, action_graph, counterexample, one_instance, state_graph
from forkproof.semantics.verdict import ExitCode
from forkproof.spec.errors import ModelError


@click.command()
@click.argument("model", metavar="MODEL")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V",
              help="Bind a param (every param must end up with one value). Repeatable.")
@click.option("--kind", type=click.Choice(["states", "actions"]), default="states", show_default=True,
              help="states: the reachable state graph; actions: which action can enable which.")
@click.option("--trace-of", "trace_of", default=None, metavar="PROPERTY",
              help="Colour the counterexample of PROPERTY (the explicit engine's shortest trace).")
@click.option("--max-states", type=click.IntRange(min=1), default=2000, show_default=True,
              help="Refuse instances with more reachable states (exit 3).")
@click.option("--deadlock/--no-deadlock", default=True, show_default=True,
              help="With --trace-of: whether deadlocks count as violations for the engine run.")
@click.option("--format", "fmt", type=click.Choice(["dot", "svg", "png"]), default="dot", show_default=True,
              help="svg and png run Graphviz's `dot` (needs -o); the DOT file is always written.")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="Write here (default: DOT on stdout).")
@limit_options
def graph(model, params, kind, trace_of, max_states, deadlock, fmt, output, limits):
    """Draw one instance of MODEL as a Graphviz graph: its reachable states (no symmetry
    reduction) or which action enables which.

    Exit codes: 0 written; 2 the model or command line is wrong, or Graphviz is missing for
    svg/png (the DOT file is written all the same); 3 more than --max-states states."""
    source = None
    try:
        if fmt != "dot" and output is None:
            raise click.UsageError(f"--format {fmt} needs -o FILE (the DOT file is written beside it)")
        try:
            with loading(model):
                source = read_source(model, limits)
                m = load_text(source, model, limits=limits)
            inst = one_instance(m, list(params))
            try:
                sg = state_graph(inst, max_states)
            except TooBig:
                click.echo(f"forkproof: {inst.scope() or 'the instance'} has more than {max_states:,} reachable "
                           f"states: too many to draw; bind smaller params (--param) or raise --max-states",
                           err=True)
                sys.exit(ExitCode.INCONCLUSIVE)
            trace = None
            if trace_of is not None:
                trace, what = counterexample(inst, trace_of, deadlock, max_states)
                if trace is None:
                    click.echo(f"forkproof: {trace_of}: {what} at {inst.scope() or 'this instance'}, "
                               f"no counterexample to highlight", err=True)
        except ModelError as err:
            print_errors(err, model, source, "text")
            sys.exit(ExitCode.USAGE)
        title = f"forkproof graph --kind {kind}: {m.name}" + (f", {inst.scope()}" if inst.scope() else "")
        text = states_dot(sg, title, trace) if kind == "states" else actions_dot(sg, action_graph(sg), title, trace)
        sys.exit(write(text, fmt, output, f"{sg.graph.number_of_nodes():,} states, "
                                          f"{sg.graph.number_of_edges():,} transitions"))
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")
        sys.exit(ExitCode.INCONCLUSIVE)
    except (click.ClickException, SystemExit):
        raise
    except Exception as exc:  # a bug, not the user's mistake
        sys.exit(internal_error(exc))


def write(text: str, fmt: str, output: str | None, what: str) -> int:
    if output is None:
        click.echo(text, nl=False)
        return ExitCode.OK
    out = Path(output)
    dot_path = out if fmt == "dot" or out.suffix == ".dot" else out.with_suffix(".dot")
    image = None if fmt == "dot" else (out if out != dot_path else out.with_suffix("." + fmt))
    dot_path.write_text(text, encoding="utf-8")
    click.echo(f"wrote {dot_path} ({what})", err=True)
    if image is None:
        return ExitCode.OK
    exe = shutil.which("dot")
    if exe is None:
        click.echo(f"forkproof: --format {fmt} needs Graphviz's `dot`, which is not installed (not on PATH); "
                   f"the DOT file was written to {dot_path}: install Graphviz (e.g. apt-get install graphviz) "
                   f"and run `dot -T{fmt} {dot_path} -o {image}`", err=True)
        return ExitCode.USAGE
    run = subprocess.run([exe, f"-T{fmt}", str(dot_path), "-o", str(image)], capture_output=True, text=True)
    if run.returncode != 0:
        click.echo(f"forkproof: Graphviz failed on {dot_path}: {run.stderr.strip()}", err=True)
        return ExitCode.INCONCLUSIVE
    click.echo(f"wrote {image}", err=True)
    return ExitCode.OK
