"""Command-line options shared by the commands that run engines (`check`, `diff`)."""
from __future__ import annotations

import click


def search_options(f):
    """--depth, --symmetry, --deadlock, --max-states, --timeout: how each instance is explored."""
    options = [
        click.option("--depth", type=click.IntRange(min=0), default=None,
                     help="bmc: how many steps to unroll (default 20); kind: the largest k (default 20); "
                          "simulate: steps per run (default 100)."),
        click.option("--symmetry/--no-symmetry", default=True, show_default=True,
                     help="Explore one representative per permutation of a process family's copies."),
        click.option("--deadlock/--no-deadlock", default=True, show_default=True,
                     help="Report reachable states in which no action is enabled."),
        click.option("--max-states", type=click.IntRange(min=1), default=None,
                     help="Stop after this many distinct states per instance (verdict: unknown)."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="The time budget (verdict: unknown when it runs out): seconds per property for "
                          "bmc, kind, pdr and the every-size proof (default 30), per instance for explicit "
                          "(default 600) and auto (default 120). docs/language.md 8.7."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def selection_options(f):
    """--property, --skip: which invariants and properties to check (forkproof.run.select)."""
    options = [
        click.option("--property", "only", multiple=True, metavar="NAME",
                     help="Check only this invariant or property (a name or a glob such as 'resolved_*'; "
                          "`deadlock` is the built-in check). Repeatable."),
        click.option("--skip", "skip", multiple=True, metavar="NAME",
                     help="Leave out this invariant or property (a name or a glob). Repeatable."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f
