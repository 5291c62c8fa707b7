"""`forkproof thresholds MODEL`: what each threshold rule really demands, for an auditor.

For every `threshold`: the exact condition (defs inlined), what it counts and out of what
(its support and population, read from the rule's structure), the smallest passing support
or share per N, rule <=> `meant` proved for all N or refuted with the N where
they differ, quorum intersection proved or refuted with the smallest N, and the exact range
of its rational constant for which the chosen properties hold.  The method and the meaning
of every column: docs/thresholds.md; the analyses: checker/analysis/thresholds.py (Z3) and
checker/run/theta.py (explicit runs per cell, then a proof for every size).

Exit codes: NOTE(thresholds-exit) in checker/run/thresholds.py.
"""
from __future__ import annotations

import json
import os
import sys

import click

from forkproof.api import load_text, read_source
from forkproof.cli.common import exit_usage, internal_error, loading
from forkproof.cli.options import limit_options
from forkproof.output.thresholds import render_text, to_json
from forkproof.run.plan import parse_bindings
from forkproof.run.thresholds import analyse_thresholds, exit_code
from forkproof.semantics.verdict import ExitCode
from forkproof.spec.errors import ModelError


@click.command()
@click.argument("model", metavar="MODEL")
@click.option("--param", "-p", "params", multiple=True, metavar="K=V",
              help="Bind a param: N=4, or a range N=1..6 (the table's values of N). Repeatable.")
@click.option("--up-to", "up_to", type=click.IntRange(min=1, max=500), default=20, show_default=True,
              help="Without a value for N, the table covers N = 1..K (and theta ranges N = 1..min(K, 6)).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--property", "properties", multiple=True, metavar="NAME",
              help="The property whose theta range is computed (default: every invariant and property). Repeatable.")
@click.option("--rule", "rules", multiple=True, metavar="NAME",
              help="Analyse only this threshold (default: every one). Repeatable.")
@click.option("--theta", default=None, metavar="VALUE",
              help="The rule constant whose range is computed, by value: 4/5, 80% or 0.8 (default: the one the "
                   "meant bound uses, else the first).")
@click.option("--faulty", default=None, metavar="PARAM",
              help="Quorums must share PARAM + 1 members (default: the param F if there is one, else 1).")
@limit_options
def thresholds(model, params, up_to, fmt, properties, rules, faulty, theta, limits):
    """Analyse every threshold rule of MODEL: exact condition, smallest passing support per N,
    rule vs meant, quorum intersection, and the range of its constant that keeps the properties."""
    source = None
    try:
        with loading(model):
            source = read_source(model, limits)
            m = load_text(source, model, limits=limits)
        bindings = parse_bindings(m, list(params))
        reports = analyse_thresholds(m, bindings, up_to, list(properties), faulty, theta, list(rules))
    except ModelError as err:
        exit_usage(err, model, source, fmt, thresholds=[])
    except BrokenPipeError:
        sys.stdout = open(os.devnull, "w")
        sys.exit(ExitCode.INCONCLUSIVE)
    except Exception as exc:  # a bug: say so, never exit 0 or 1
        sys.exit(internal_error(exc))
    code = exit_code(reports)
    if fmt == "json":
        click.echo(json.dumps(to_json(m, reports, code), indent=2))
    else:
        click.echo(render_text(m, reports, code))
    sys.exit(code)
