"""Compact storage for the explicit search: a fingerprint set, parent fingerprints on disk,
the BFS queue spilled to disk, and the process's memory against a budget.

NOTE(fingerprints): with `--store fingerprint` a state is remembered by a 64-bit fingerprint,
not kept whole, as TLC does.  The fingerprint is Python's hash of the state tuple (a tuple of
ints, bools and fractions: the same value in every process and run, whatever PYTHONHASHSEED
says, since only str and bytes hashes are salted); its mixing is xxHash's.  One systematic
collision is taken out first: Python hashes -1 as -2 (an int or a fraction), so in a slot that
can hold both (a range through -2 and -1, `int`, `rat`) -1 is replaced by a sentinel before
hashing (`make_fingerprint`, generated per instance; a state with no such slot is hashed as
it is).  Two reachable
states with the same fingerprint make the search skip the second: a state missed.  The
report prints the probability of that, computed as TLC computes its "optimistic" estimate,
states x transitions / 2^64, assuming fingerprints behave like random 64-bit values; a
verdict that holds is then "holds (exhaustive)" with that probability beside it.  The
exact store (`--store exact`, the default) keeps every state whole and has no such caveat.

The set is an open-addressing table of int64 in a numpy array, probed in vectorised rounds
for a whole batch of candidates at once (`FingerprintSet.add_new`): 8 bytes a slot, at most
3/4 full (about 11 to 21 bytes a state, against about 235 for a state kept whole).

The parent of each new state is appended, as (fingerprint, parent fingerprint), to a file
per BFS level (`ParentLog`); a trace is rebuilt by walking those files back from the last
state's fingerprint, then replaying from an initial state, at each step taking the successor
with the next fingerprint.  The next BFS level is kept as pickled batches (`Spill`: about
50 bytes a state where the tuple takes about 250), written to disk once they grow past their
share of the memory budget.

NOTE(memory): every explicit search runs under a memory budget (`--memory`, default half of
the machine's memory).  The search checks the process's resident memory every 256 states,
and past the budget stops with "unknown", the states explored and the depth completed.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
import pickle
from typing import TYPE_CHECKING, Callable, Iterator

from forkproof.spec.ir import IntType, RatType

if TYPE_CHECKING:
    import numpy as np

EMPTY = 0  # an empty slot; the fingerprint 0 is stored as 1
MAX_LOAD = 0.75
REHASH_SLICE = 1 << 18  # fingerprints re-inserted at a time when the table grows


class _MinusOne:
    """Stands for -1 in a fingerprinted state (NOTE(fingerprints)): its hash is no int's hash."""

    def __hash__(self) -> int:
        return 0x5DEECE66D1F2B3A7


def make_fingerprint(slot_types: list, slot_bounds: list) -> Callable[[tuple], int]:
    """The fingerprint of a state of these slots (NOTE(fingerprints)): never EMPTY."""
    risky = [k for k, (ty, b) in enumerate(zip(slot_types, slot_bounds))
             if isinstance(ty, RatType) or (isinstance(ty, IntType) and (b is None or b[0] <= -2 <= -1 <= b[1]))]
    if not risky:
        return lambda t: hash(t) or 1
    parts = [f"(M if t[{k}] == -1 else t[{k}])" if k in risky else f"t[{k}]" for k in range(len(slot_types))]
    src = f"def fp(t):\n    return hash(({', '.join(parts)},)) or 1\n"
    ns: dict = {"M": _MinusOne()}
    exec(src, ns)
    return ns["fp"]


class FingerprintSet:
    """A set of 64-bit fingerprints in an open-addressing numpy table (NOTE(fingerprints))."""

    def __init__(self, capacity: int = 1 << 16):
        import numpy as np  # NOTE(lazy-engines): only the fingerprint store pays for numpy
        size = 1 << max(4, (capacity - 1).bit_length())
        self.table = np.zeros(size, dtype=np.int64)
        self.count = 0

    def __len__(self) -> int:
        return self.count

    @property
    def nbytes(self) -> int:
        return self.table.nbytes

    def add_new(self, fps: np.ndarray) -> np.ndarray:
        """Add `fps` (distinct int64, none EMPTY); return a bool mask of those that were not
        in the set before."""
        import numpy as np
        if self.count + len(fps) > MAX_LOAD * len(self.table):
            self._grow(self.count + len(fps))
        new = np.zeros(len(fps), dtype=bool)
        table, mask = self.table, len(self.table) - 1
        todo = np.arange(len(fps))
        slot = fps & mask
        while len(todo):
            here = table[slot]
            found = here == fps[todo]
            empty = here == EMPTY
            # among the candidates that found an empty slot, one per slot wins it this round
            cand = np.nonzero(empty)[0]
            if len(cand):
                _, first = np.unique(slot[cand], return_index=True)
                win = cand[first]
                table[slot[win]] = fps[todo[win]]
                new[todo[win]] = True
                self.count += len(win)
                lost = np.ones(len(cand), dtype=bool)
                lost[first] = False
                retry_same = cand[lost]  # the slot was taken by another this round: look again
            else:
                retry_same = cand
            move = ~found & ~empty  # the slot holds another fingerprint: probe the next one
            nxt = np.concatenate([np.nonzero(move)[0], retry_same])
            nxt.sort()
            slot = np.where(move[nxt], (slot[nxt] + 1) & mask, slot[nxt])
            todo = todo[nxt]
        return new

    def _grow(self, need: int) -> None:
        import numpy as np
        old = self.table[self.table != EMPTY]
        size = len(self.table)
        while need > MAX_LOAD * size:
            size *= 2
        self.table = np.zeros(0, dtype=np.int64)  # the old table goes before the new one comes
        self.table = np.zeros(size, dtype=np.int64)
        self.count = 0
        for k in range(0, len(old), REHASH_SLICE):  # in slices: probing all at once needs ~8 copies of them
            self.add_new(old[k:k + REHASH_SLICE])


class ParentLog:
    """Per BFS level, (fingerprint, parent fingerprint) of each new state, on disk."""

    def __init__(self, directory: Path):
        self.dir = directory

    def append(self, level: int, fps: np.ndarray, parents: np.ndarray) -> None:
        import numpy as np
        with open(self.dir / f"parents_{level}.bin", "ab") as f:
            np.stack([fps, parents], axis=1).astype(np.int64).tofile(f)

    def parent(self, level: int, fp: int) -> int | None:
        """The parent fingerprint of `fp`, a state first reached at `level`; None at level 0."""
        import numpy as np
        path = self.dir / f"parents_{level}.bin"
        if level == 0 or not path.exists():
            return None
        rows = np.fromfile(path, dtype=np.int64).reshape(-1, 2)
        hit = np.nonzero(rows[:, 0] == fp)[0]
        return int(rows[hit[0], 1]) if len(hit) else None

    def path(self, level: int, fp: int) -> list[int]:
        """The fingerprints from an initial state to `fp` (reached at `level`)."""
        out = [fp]
        for k in range(level, 0, -1):
            p = self.parent(k, out[-1])
            if p is None:
                raise AssertionError(f"fingerprint {out[-1]} is not in the parent log of level {k}")
            out.append(p)
        return out[::-1]


class Spill:
    """One BFS level's states, pickled a batch at a time: the batches in memory up to `limit`
    bytes, then all of them on disk (a state pickled takes about a fifth of the tuple)."""

    def __init__(self, directory: Path, name: str, limit: int):
        self.path = directory / f"{name}.bin"
        self.limit = limit
        self.chunks: list[bytes] = []
        self.in_memory = 0  # bytes of self.chunks
        self.count = 0
        self.spilled = 0  # states on disk
        self.file = None

    def append_many(self, states: list[tuple]) -> None:
        if not states:
            return
        b = pickle.dumps(states, protocol=pickle.HIGHEST_PROTOCOL)
        self.chunks.append(b)
        self.in_memory += len(b)
        self.count += len(states)
        if self.in_memory > self.limit:
            self.flush()

    def flush(self) -> None:
        """Every batch held in memory to the file (a pickle stream is self-delimiting)."""
        if self.file is None:
            self.file = open(self.path, "wb")
        for b in self.chunks:
            self.file.write(b)
        self.spilled = self.count
        self.chunks, self.in_memory = [], 0

    def __len__(self) -> int:
        return self.count

    def __bool__(self) -> bool:
        return self.count > 0

    def batches(self) -> Iterator[list[tuple]]:
        """The states in the order they were added, a batch at a time; the file is removed after."""
        if self.file is not None:
            self.file.close()
            with open(self.path, "rb") as f:
                while True:
                    try:
                        yield pickle.load(f)
                    except EOFError:
                        break
            os.remove(self.path)
            self.file = None
        while self.chunks:
            self.in_memory -= len(self.chunks[0])
            yield pickle.loads(self.chunks.pop(0))


class Workdir:
    """A temporary directory for one search's parent log and spilled levels."""

    def __init__(self, base: str | None = None):
        self.path = Path(tempfile.mkdtemp(prefix="forkproof-", dir=base))

    def close(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def parse_size(text: str) -> int:
    """"512M", "2G", "1.5GiB", "1000000" -> bytes; ValueError otherwise."""
    t = text.strip().upper().removesuffix("B").removesuffix("I")
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    mult = units.get(t[-1:], 1)
    number = t[:-1] if t[-1:] in units else t
    value = float(number)
    if value <= 0:
        raise ValueError(text)
    return int(value * mult)


def show_size(n: int) -> str:
    """Bytes as people read them: "1.0 GiB", "512 MiB"."""
    if n >= 1 << 30:
        return f"{n / (1 << 30):.1f} GiB"
    return f"{n / (1 << 20):.0f} MiB"


def collision_probability(states: int, transitions: int) -> float:
    """NOTE(fingerprints): TLC's optimistic estimate of a fingerprint collision."""
    return states * transitions / 2.0 ** 64
