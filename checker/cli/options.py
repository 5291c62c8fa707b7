"""Command-line options shared by the commands that run engines (`check`, `diff`)."""
from __future__ import annotations

import click


class _Size(click.ParamType):
    """A memory size: 512M, 2G, 1.5GiB, or bytes."""

    name = "size"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        from forkproof.engines.fingerprints import parse_size  # NOTE(lazy-commands) in checker/cli/main.py
        try:
            return parse_size(str(value))
        except ValueError:
            self.fail(f"{value!r} is not a memory size (say 512M or 2G)", param, ctx)


SIZE = _Size()


def _limits(ctx, param, value):
    from forkproof.spec.errors import ModelError
    from forkproof.spec.limits import parse_limits
    try:
        return parse_limits(value)
    except ModelError as e:
        raise click.BadParameter(e.diagnostics[0].message, ctx, param) from None


def limit_options(f):
    """--limit NAME=VALUE: raise one of the limits a run checks before its work (NOTE(limits)
    in spec/limits.py); the command gets a `limits` (forkproof.spec.limits.Limits)."""
    return click.option(
        "--limit", "limits", multiple=True, metavar="NAME=N", callback=_limits,
        help="Raise a limit checked before the work (docs/limits.md): file-size (default 1M bytes), nesting "
             "(100), digits (1000), domain (1000000), work (1000000). Repeatable.")(f)


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
        click.option("--store", type=click.Choice(["exact", "fingerprint"]), default="exact", show_default=True,
                     help="explicit: keep every state whole (exact), or as a 64-bit fingerprint with the parent log "
                          "and large BFS levels on disk (about 20 bytes a state in memory; the report gives the "
                          "probability of a collision). docs/scale.md."),
        click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
                     help="explicit: worker processes for one search, states shared out by fingerprint: the same "
                          "counts and shortest traces; liveness needs one worker. docs/scale.md."),
        click.option("--memory", type=SIZE, default=None, metavar="SIZE",
                     help="explicit: the memory budget (512M, 2G); past it the search ends in unknown with how far "
                          "it got. Default: half of the machine's memory."),
        click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
                     help="The time budget (verdict: unknown when it runs out): seconds per property for "
                          "bmc, kind, pdr and the every-size proof (default 30), per instance for explicit "
                          "(default 600) and auto (default 120). docs/language.md 8.7."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f


def selection_options(f):
    """--property, --skip, --no-liveness: which invariants and properties to check (forkproof.run.select)."""
    options = [
        click.option("--property", "only", multiple=True, metavar="NAME",
                     help="Check only this invariant or property (a name or a glob such as 'resolved_*'; "
                          "`deadlock` is the built-in check). Repeatable."),
        click.option("--skip", "skip", multiple=True, metavar="NAME",
                     help="Leave out this invariant or property (a name or a glob). Repeatable."),
        click.option("--liveness/--no-liveness", default=True, show_default=True,
                     help="Check the properties other than `always P` (eventually, leads-to: they need the whole "
                          "state graph or a lasso search). --no-liveness leaves them out."),
    ]
    for opt in reversed(options):
        f = opt(f)
    return f
