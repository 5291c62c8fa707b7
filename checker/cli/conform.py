"""`forkproof conform MODEL RULE --impl MODULE:FUNCTION`: a rule of the model (a `def` or a
`threshold`) against a Python function, on every input of a bounded domain and on inputs
Hypothesis draws beyond it; the smallest disagreeing input in the model's terms.

The method: checker/run/conform.py (NOTE(conform-inputs), NOTE(conform-domain),
NOTE(conform-beyond)); exit codes: NOTE(conform-exit); docs/testing.md.
"""
from __future__ import annotations

import json
import os
import sys

import click

from forkproof.api import load_text, read_source
from forkproof.cli.common import exit_usage, internal_error, loading
from forkproof.cli.options import limit_options
from forkproof.output.conform import render_text, to_json
from forkproof.run.conform import EXAMPLES, MAX_INPUTS, conform as run_conform, find_rule, load_impl
from forkproof.run.plan import parse_bindings
from forkproof.semantics.verdict import ExitCode
from forkproof.spec.errors import ModelError


@click.command()
@click.argument("model", metavar="MODEL")
@click.argument("rule", metavar="RULE")
@click.option("--impl", "impl", required=True, metavar="MODULE:FUNCTION",
              help="The Python function to compare: module:function (importable from the working directory) "
                   "or path/to/file.py:function. It is called with the rule's inputs as keyword arguments.")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V",
              help="Bind a param: N=4, or a range N=1..6 (every value is in the domain). Repeatable. A bound "
                   "param is not varied beyond the domain.")
@click.option("--up-to", "up_to", type=click.IntRange(min=0), default=6, show_default=True,
              help="An int param with no value takes 0..K in the domain (so do unbounded int values).")
@click.option("--examples", type=click.IntRange(min=0), default=EXAMPLES, show_default=True,
              help="Inputs Hypothesis draws beyond the domain (larger params and values); 0: the domain alone.")
@click.option("--seed", type=click.IntRange(min=0), default=None,
              help="Hypothesis's seed (default: derandomized, the same inputs every run).")
@click.option("--max-inputs", "max_inputs", type=click.IntRange(min=1), default=MAX_INPUTS, show_default=True,
              help="The largest domain compared input by input; a larger one lowers --up-to, or is refused.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@limit_options
def conform(model, rule, impl, params, up_to, examples, seed, max_inputs, fmt, limits):
    """Compare RULE, a def or threshold of MODEL, with a Python function on every input of a
    bounded domain and on inputs drawn beyond it; report the smallest input where they disagree.

    Exit codes: 0 they agree, 1 they disagree, 2 the model, the command line or the function
    is wrong (a function that raises is reported at its line), 3 the time or memory budget ran
    out while loading MODEL, 4 an internal error."""
    source = None
    try:
        with loading(model):
            source = read_source(model, limits)
            m = load_text(source, model, limits=limits)
        bindings = parse_bindings(m, list(params))
        find_rule(m, rule)  # an unknown rule is said before the function is imported
        fn = load_impl(impl, os.getcwd())
        rep = run_conform(m, rule, fn, bindings, up_to=up_to, examples=examples, seed=seed, max_inputs=max_inputs)
    except ModelError as err:
        exit_usage(err, model, source, fmt)
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")
        sys.exit(ExitCode.INCONCLUSIVE)
    except Exception as exc:  # a bug: say so, never exit 0 or 1
        sys.exit(internal_error(exc))
    if fmt == "json":
        click.echo(json.dumps(to_json(rep), indent=2))
    else:
        click.echo(render_text(rep))
    sys.exit(rep.exit_code)
