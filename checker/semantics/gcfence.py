"""Z3 work with the cyclic garbage collector at fixed points only.

NOTE(z3-determinism): the same input must give the same output bytes, and what Z3 answers
(Spacer's invariants, the models that become counterexamples) depends on more than the
formulas: on the ids of its terms.  Z3 numbers terms as they are created and reuses the
ids of freed terms, so the ids depend on the exact sequence of creations and releases
(Z3_dec_ref) in the process.  Two things made that sequence depend on PYTHONHASHSEED:
  - iterating a set of strings (or of objects hashed by strings) while building formulas:
    the engines iterate lists and insertion-ordered dicts instead (sorted where the
    order comes from a set);
  - CPython's cyclic garbage collector.  A Z3 term held in a reference cycle (an encoding's
    actions are closures over the encoding, and they cache terms) is released only when the
    collector runs, and it runs after a number of allocations counted over the whole
    process, including work that iterates sets in hash order (lark builds the parser's
    tables from sets of strings when a model is loaded).  So the same terms were released
    at different moments, Z3 handed out different ids, and Spacer printed a different
    invariant for `voting_closes` (models/libra_framework_upgrade.fork) under different seeds.
`gc_fence()` wraps every engine entry point that talks to Z3: it collects once on entry,
turns the automatic collector off inside, and collects again on exit, so every release
inside happens at a point the code fixes.  Cyclic garbage then waits for the exit: a few
encodings per entry (about 10 MB on the libra check).  Nested and concurrent fences, and the
search loops' pauses (NOTE(gc) in checker/semantics/gcpause.py), keep the collector off until
the last one exits, then restore what the caller had.
"""
from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

import z3

from forkproof.semantics.gcpause import collector_paused


@contextmanager
def gc_fence() -> Iterator[None]:
    """Run the block with the cyclic collector off (collector_paused: nested and concurrent
    pauses share one count), collecting on entry and on exit (NOTE(z3-determinism))."""
    with collector_paused():
        gc.collect()
        try:
            yield
        finally:
            gc.collect()


@contextmanager
def fresh_z3_context() -> Iterator[z3.Context]:
    """Run the block in a new Z3 main context, and give the caller's back after it.
    NOTE(z3-determinism): every term made inside starts from the same ids whatever ran
    before in the process, so the block's answers (Spacer's search above all) do not depend
    on it.  The block must make every term it uses (translate others with `translate`)
    and return no term: terms of the two contexts cannot meet.  z3 has no public way to
    swap its main context; it is the module's `_main_ctx`, which main_ctx() fills on use."""
    saved = z3.z3._main_ctx
    z3.z3._main_ctx = None
    try:
        yield z3.main_ctx()
    finally:
        z3.z3._main_ctx = saved
