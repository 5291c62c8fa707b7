"""What the command line offers before anything heavy loads (NOTE(lazy-commands) in
checker/cli/main.py): the engines' names and the simulation's default depth.  Kept apart from
`portfolio.py`, which loads the report types (`results.py`), so that `forkproof parse` and
`--help` do not (about 14 ms of every start-up here)."""
from __future__ import annotations

ENGINES = ("explicit", "bmc", "kind", "pdr", "auto", "simulate")
SIMULATE_DEPTH = 100  # simulate: steps per run when --depth is not given
