"""The explicit search on several cores: a level-synchronous breadth-first search by K
worker processes (`--workers K`).

NOTE(parallel): every state, in canonical form under symmetry (NOTE(symmetry) in
checker/engines/explicit.py), is owned by worker `hash(part(state)) % K`, `part` the slots
chosen by NOTE(locality) below (the whole state when none are).  The hash of a tuple of
ints, bools and Fractions does not depend on the process (PYTHONHASHSEED only salts str and
bytes, and the workers are forked from one process, so even those would agree).  A worker
keeps the states it owns (a dict from state to its parent, and a list in discovery order),
expands its share of a BFS level, keeps the successors it owns, and sends the others to
their owners once per level, packed (marshal, pickle when a value needs it; NOTE(exchange)).  The
coordinator, the calling process, steps the levels, one round of messages a level (two under
a state limit, which cuts a level's new states before they are checked): a level is expanded
by every worker before any state of the next one is, so a state's parent is on the previous
level, every trace is a shortest one, and the states counted are exactly those of the
one-process search (checker/engines/explicit.py) with or without symmetry.  A state reached
from several parents keeps the first one seen by its owner: the successors of its own
frontier first, in frontier order, then those of worker 0's frontier, 1's, ..., each in
frontier order, whichever worker expanded the parent (NOTE(sharing)); so for a given K, every
run gives the same traces.  Checks run where the state is: state checks by the owner of a
new state, step checks, deadlock and the actions' runtime errors by the worker expanding the
state.  At the end of a level the coordinator keeps, per check, the shortest failure, of equal
ones the first in worker and frontier order of its state (_key), and tells the workers which
checks no longer need evaluating; a trace is rebuilt by walking parent references from worker
to worker back to an initial state, then made concrete as the explicit engine does.

NOTE(sharing): the level barrier makes every level as slow as its slower worker, and the
shares of a level are uneven even where the whole search's are even (0L model at N = 9: the
sum over the levels of the slower worker's expansion time was 9 to 11 % over the even share;
12 to 14 % on the two-proposal model at N = 5), and a core slowed down by other work makes them
more uneven still.  So a worker that has expanded its own frontier borrows from the others:
the frontiers are handed out in blocks (BLOCK states, claimed under one lock; shared memory
holds each worker's [front, back)), and a worker with nothing left takes the back half of the
largest chunk still unclaimed (at least LEND states), which the chunk's holder sends it at
its next claim.  What a borrowed state gives must not depend on who expanded it or when:
  - its parent reference names the frontier's owner and the state's index there;
  - its successors are sent by chunk (the frontier's owner and the chunk's first index),
    even those the borrower owns, and every owner stores the chunks in the order above, so
    the states, their indices and their parents are what they are with nobody borrowing;
    only the owner's own unborrowed chunk, the front of its frontier, is stored at once;
  - of two findings of equal length, the one kept is the first in worker and frontier order
    (_key), not the first found: a worker keeps evaluating a failed check, and looking for
    deadlocks, in a chunk that comes before its finding.
A worker that stops early (the clock, Ctrl-C, memory, `digits`) first sends the part a
borrower took, so that no one waits on a pipe for ever.  Under a state limit nobody borrows:
the level is cut by worker order (`max_states`).  Measured (bench_workers.py --against
no-sharing, medians of paired runs): 1.09x the states per second of two workers that never
borrow on the 0L model at N = 9, 1.01x and 1.10x on the two-proposal model at N = 5 and 6.

What differs from the one-process search: liveness properties need the whole state graph
in one process (checker/engines/liveness.py) and are `unknown` here, saying so; the search
stops for "everything is decided" at the end of a level, not in its middle (so it may count
more states than the one-process search there, and never finds a longer runtime error);
`max_states` cuts the last level by worker order, and a timeout or Ctrl-C is noticed by each
worker every BLOCK states, the coordinator polling `Control` while it waits.

NOTE(locality): a successor whose owner is another worker costs a packing, a pipe and an
unpacking; with the whole state hashed, that is K-1 successors in K.  Most steps change a few
slots (a vote, one ballot), so the owner is the hash of the slots that change least often,
as many as it takes for the owners to be even: before forking, the coordinator explores up
to SAMPLE states breadth-first, counts how often each slot changes on a transition, and
adds slots in that order (constant slots left out) until the sample's states fall to the K
workers within BALANCE of an even share, over at least 8K distinct values of the part.
The choice is kept only if fewer sampled transitions change the part than change the state;
else, or with a sample too small to judge (under MIN_SAMPLE states: the search is small
anyway), the whole state is hashed.  Any owner function gives the same states, levels and
shortest traces (the levels are kept in step); the sample, and so the choice, is the same
in every run, so for a given K every run still gives the same traces.  On the 0L model at
N = 9 the part is the status, the expiry and three ballots: a worker's exchange took 0.16 to
0.20 s of CPU instead of 0.31 s (bench/README.md).  Without symmetry, a step that writes
none of the part's slots (ActionInstance.writes: the slots its update may assign) leaves its
successor with the state's owner, so the worker keeps it without hashing it: at N = 9, the
votes of the six validators whose ballots are not in the part, half of all transitions.

Cost (bench/bench_workers.py): the split adds the owner's hash of the successors it cannot
place without one, and the packing and sending of those owned elsewhere.  Counted in
instructions (valgrind's callgrind, which the machine's noise does not touch; 0L model,
N = 9, RULE = Code): the two workers together run 1.07 times the one-process search's
instructions (marshal 4.8 %, the owner's part and hash 2.7 %), the busier worker 1.7 % over an
even share (4.2 % with nobody borrowing): 1.84x at best; on the two-proposal model at N = 5,
1.04 times and 1.90x.  The loop counts its work in small ints and looks a successor up with
`in` before storing it, as the one-process search does: a running count, or `len` of a dict
before and after a `setdefault`, makes a new int object at each step (3 to 5 % of the work:
bench/README.md).

NOTE(exchange): a worker packs a level's batch for a peer PIECE successors at a time, each
piece after its chunk's key (lender, start) and its length, into a buffer it keeps from level
to level, sends it over a socket (a length, then the bytes, straight from the buffer), and
reads each peer's batch into another buffer kept for that peer; it then unpacks and stores a
piece at a time, the pieces sorted by their chunks' keys in NOTE(sharing)'s order (the sort
is stable, so a chunk's pieces keep theirs).  Packed whole, as one marshal of the level's
lists, the batch took fresh memory at every level (the packed bytes, the copies marshal makes
as it grows them, the pipe's reading buffer, lists of every key and parent) and unpacked every
state before storing one: on the two-proposal model at N = 7 (20.9 million states), 1.96 of a
worker's 2.9 million page faults and 16 to 17 s of its 22 s of system time were the
exchange's, which took 41 to 43 s of the worker's 290 s; in pieces, 0.32 to 0.34 million
faults, 3.3 to 3.8 s of system time, 21 to 22 s (packing 17 -> 4.4 s, unpacking 10 -> 2.2 s).
Packing for a peer during the level, whenever some thousands of successors are held, would
keep the dicts small, but each such window keeps only its own first parents, so repeats across
windows travel too: tried at N = 7, twice the bytes and a slower exchange (bench/README.md).

Wall-clock ratios come out at 1.2x to 1.75x on a shared two-core machine (bench/README.md),
where the workers' CPU time is 1.1 to 1.4 times the one process's: the same instructions take
longer with both cores busy, as they do for two one-process searches run at once, and the
successors held for a peer until the level ends (a dict per peer) take memory the one-process
search frees at once.  Idle time at the level barrier is NOTE(sharing)'s.
"""
from __future__ import annotations

import gc
import marshal
import multiprocessing
import pickle
import signal
import socket
import struct
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice
from multiprocessing.connection import Connection
from operator import itemgetter

from forkproof.engines.explicit import (ExplicitOptions, Failure, Search, check_explicit, make_canon,
                                        symmetric_families)
from forkproof.engines.fingerprints import show_size
from forkproof.semantics.compile import EvalError, ValueLimit, compile_program
from forkproof.semantics.control import Control, resident_bytes
from forkproof.semantics.instance import Instance
from forkproof.semantics.replay import successors
from forkproof.semantics.temporal import Liveness, safety_checks
from forkproof.semantics.verdict import EngineResult, Status, Verdict

POLL = 256  # states expanded between two looks at the memory used
BLOCK, LEND = 64, 256  # NOTE(sharing): states claimed at a time; the least a chunk must have left to lend half
SAMPLE, MIN_SAMPLE, BALANCE, SAMPLE_SECONDS = 2_000, 500, 1.1, 0.5  # NOTE(locality)
PIECE = 1024  # NOTE(exchange): successors packed at a time into a batch
LIVENESS_REASON = ("liveness needs the whole state graph in one process: check it with one worker "
                   "(--workers 1)")


@dataclass(frozen=True)
class _Failure:
    """As explicit's: where a check failed or a runtime error struck (canonical states; for a
    transition the action instance and the canonical successor), and which worker holds
    `state` at index `index` (-1: an initial-state error, no state)."""

    state: tuple
    length: int
    worker: int
    index: int
    action: int | None = None  # its index in Program.actions (a worker sends it to the coordinator)
    succ: tuple | None = None
    message: str = ""
    phase: str = ""  # runtime errors: "init" | "guard" | "update" | "check"
    check: str | None = None  # the check's name


def _key(f: _Failure | Failure) -> tuple[int, int, int]:
    """Of two findings, the one kept has the smaller key: the shorter, then the one whose state
    comes first in worker and frontier order, whichever worker found it (NOTE(sharing)).  The
    coordinator keeps a finding as a Failure, its worker and index in `where`."""
    return (f.length, f.worker, f.index) if isinstance(f, _Failure) else (f.length, *f.where)


def _first(old: _Failure | None, new: _Failure) -> _Failure:
    """Of a worker's finding so far and a new one, the one to keep (_key)."""
    return new if old is None or _key(new) < _key(old) else old


# ---------------------------------------------------------------- packing


def _pack(obj) -> bytes:
    try:
        return b"m" + marshal.dumps(obj)
    except ValueError:  # a Fraction, say: marshal takes only the built-in types
        return b"p" + pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)


def _unpack(data) -> object:
    """What _pack packed, from any bytes-like object (a slice of a buffer, say)."""
    body = memoryview(data)[1:]
    return marshal.loads(body) if data[0] == _MARSHAL else pickle.loads(body)


_MARSHAL = b"m"[0]
_LENGTH = struct.Struct("!Q")  # before each message on a link: its length
_PIECE = struct.Struct("<qqI")  # before each piece of a batch: its chunk's lender and start, its packed length


class _Link:
    """One worker's end of the socket it shares with another: whole messages, each after its
    length.  A batch is read into a buffer the worker keeps from level to level
    (NOTE(exchange)); multiprocessing's Connection.recv_bytes_into would first read the whole
    message into memory of its own."""

    def __init__(self, sock: socket.socket):
        self.sock = sock

    def send(self, data) -> None:
        """Send `data`, any bytes-like object, as one message."""
        with memoryview(data) as view:
            self.sock.sendall(_LENGTH.pack(view.nbytes))
            self.sock.sendall(view)

    def recv(self) -> bytearray:
        """The next message, in a buffer of its own."""
        buf, size = self.recv_into(bytearray())
        del buf[size:]
        return buf

    def recv_into(self, buf: bytearray) -> tuple[bytearray, int]:
        """The next message into `buf`, grown first when it is too short: the buffer (`buf`
        or the grown one) and the message's length."""
        size = self._length()
        if len(buf) < size:
            buf = bytearray(size + size // 4)  # the old one is dropped, not copied
        self._fill(buf, size)
        return buf, size

    def _length(self) -> int:
        head = bytearray(_LENGTH.size)
        self._fill(head, _LENGTH.size)
        return _LENGTH.unpack(head)[0]

    def _fill(self, buf: bytearray, size: int) -> None:
        with memoryview(buf) as view:
            got = 0
            while got < size:
                n = self.sock.recv_into(view[got:size])
                if n == 0:
                    raise EOFError("a peer worker closed its end of the link")
                got += n


# ---------------------------------------------------------------- the owner (NOTE(locality))


def owner_part(prog, canon, initial: list[tuple], K: int) -> tuple[int, ...] | None:
    """The slots whose values, hashed, pick a state's owner (NOTE(locality)), or None: the
    whole state."""
    if K == 1:  # one owner whatever the part
        return None
    sample, moves = _sample(prog, canon, initial)
    if len(sample) < MIN_SAMPLE or not moves:
        return None
    width = len(sample[0])
    changes = [0] * width
    for s, c in moves:
        for k in range(width):
            if s[k] != c[k]:
                changes[k] += 1
    varying = [k for k in sorted(range(width), key=lambda k: (changes[k], k))
               if any(c[k] != sample[0][k] for c in sample)]
    chosen: list[int] = []
    for k in varying[:-1]:  # all of the varying slots would be the whole state again
        chosen.append(k)
        get = part_of(tuple(chosen))
        parts = [get(c) for c in sample]
        if len(set(parts)) < 8 * K:
            continue
        shares = Counter(hash(x) % K for x in parts)
        if max(shares.values()) <= BALANCE * len(sample) / K:
            moved = sum(1 for s, c in moves if get(s) != get(c))
            whole = sum(1 for s, c in moves if s != c)
            return tuple(chosen) if moved < whole else None
    return None


def part_of(slots: tuple[int, ...]) -> Callable[[tuple], tuple]:
    """A state's values at `slots`, as a tuple."""
    if len(slots) == 1:
        k = slots[0]
        return lambda c: (c[k],)
    return itemgetter(*slots)


def _sample(prog, canon, initial: list[tuple]) -> tuple[list[tuple], list[tuple[tuple, tuple]]]:
    """Up to SAMPLE states, breadth-first from `initial`, and the transitions between them
    (canonical states; steps that raise a runtime error or pass the limit `digits` are left
    out: the search meets them again and reports them).  At most SAMPLE_SECONDS and 25 moves a
    state on average: a sample is a guess, never a budget of its own."""
    env = prog.new_env()
    seen = dict.fromkeys(initial)
    frontier, moves = list(seen), []
    end = time.monotonic() + SAMPLE_SECONDS
    while frontier and len(seen) < SAMPLE and len(moves) < 25 * SAMPLE and time.monotonic() < end:
        nxt = []
        for s in frontier:
            try:
                for _, t in successors(prog, s, env):  # runtime errors skipped there
                    c = t if canon is None else canon(t)
                    moves.append((s, c))
                    if c not in seen:
                        seen[c] = None
                        nxt.append(c)
            except ValueLimit:  # this state's remaining steps are left out of the guess
                pass
            if len(seen) >= SAMPLE or len(moves) >= 25 * SAMPLE or time.monotonic() > end:
                break
        frontier = nxt
    return list(seen), moves


# ---------------------------------------------------------------- the entry


def check_parallel(inst: Instance, options: ExplicitOptions, workers: int) -> EngineResult:
    """The explicit search of `inst` by `workers` processes (NOTE(parallel)): the same states,
    depth and shortest-trace lengths as check_explicit, liveness properties `unknown`."""
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if "fork" not in multiprocessing.get_all_start_methods() or options.store != "exact":
        res = check_explicit(inst, options)
        why = "this platform cannot fork worker processes" if options.store == "exact" else \
            "the fingerprint store runs in one process"
        res.notes.append(f"one worker: {why}")
        return res
    return _Coordinator(inst, options, workers).run()


# ---------------------------------------------------------------- the workers


class _Worker:
    """One worker's share of the search; made in the coordinator, run in the forked child."""

    def __init__(self, co: _Coordinator, me: int, ctl: Connection, peers: dict[int, _Link]):
        self.co, self.me, self.ctl, self.peers = co, me, ctl, peers
        # NOTE(exchange): a level's batch packed for a peer, and per peer the batch it sent; the
        # buffers are kept from level to level
        self.sendbuf = bytearray()
        self.recvbufs = {j: bytearray() for j in peers}

    def main(self) -> None:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the coordinator's (NOTE(interrupt))
        # NOTE(gc) in checker/semantics/gcpause.py, for the worker's whole life: turned back on,
        # the collector's first pass would walk every state the worker holds (0.3 s at N = 10 of
        # the 0L model) just before the process ends.  Nor does a collection touch the pages
        # shared with the coordinator.
        gc.disable()
        try:
            self._serve()
        except BaseException:  # noqa: BLE001 - any failure goes to the coordinator, which re-raises
            try:
                self.ctl.send(("error", traceback.format_exc()))
            except OSError:
                pass

    def _serve(self) -> None:
        co, K, me = self.co, self.co.K, self.me
        self.rss0 = resident_bytes()  # what the fork shares with the coordinator
        self.env = co.prog.new_env()
        self.acts = [(a.guard, a.update, i, stays) for i, (a, stays) in enumerate(zip(co.prog.actions, co.stays))]
        part = co.part
        self.states: list[tuple] = [c for c in co.initial if hash(c if part is None else part(c)) % K == me]
        self.visited: dict[tuple, int] = dict.fromkeys(self.states, -1)  # state -> parent ref: index * K + worker
        self.lo = self.hi = 0  # the frontier: states[lo:hi]
        self.failed: dict[str, _Failure] = {}
        self.deadlock: _Failure | None = None
        self.runtime: _Failure | None = None
        self.ever_enabled = bytearray(len(co.prog.actions))
        self.transitions = 0
        self.borrowed = 0  # states of other workers' frontiers expanded here (NOTE(sharing))
        self.shared = co.shared
        self._lend_home()
        self.skip: set[str] = set()  # checks failed somewhere: not evaluated any more
        self.want_deadlock = co.opt.deadlock
        self.value_limit: str | None = None  # a number passed `digits` here: the search stops (NOTE(limits))
        self._refresh()
        while True:
            cmd, arg = self.ctl.recv()
            if cmd == "expand":  # `room` None (no state limit): the new states are checked at once
                self.skip, want, level, room = arg
                self.want_deadlock = want and self.deadlock is None
                self._refresh()
                stopped = self._expand(level, room)
                fresh = len(self.states) - self.hi
                if room is None:
                    self._check_new(None, level + 1)
                self.ctl.send(("new", (fresh, stopped, self._report() if room is None else None)))
            elif cmd == "check":
                quota, length = arg
                self._check_new(quota, length)
                self.ctl.send(("checked", self._report()))
            elif cmd == "path":
                c = self.states[arg]
                self.ctl.send(("path", (c, self.visited[c])))
            elif cmd == "enabled":
                self.ctl.send(("enabled", bytes(self.ever_enabled)))
            elif cmd == "quit":
                self.ctl.send(("done", None))
                return

    def _lend_home(self) -> None:
        """The level's chunk is this worker's own frontier, and it has borrowed nothing yet."""
        self.current = (self.states, 0, self.me)  # what a borrower takes from: (chunk, base, lender)
        self.guests: list[tuple[int, int, list[dict[tuple, int]]]] = []  # (lender, start, out) per borrowed chunk

    def _report(self) -> tuple:
        return (len(self.states), self.hi - self.lo, self.transitions, self.failed, self.deadlock, self.runtime,
                self.borrowed)

    def _refresh(self) -> None:
        live = [c for c in self.co.checks if c.name not in self.failed and c.name not in self.skip]
        self.state_checks = [c for c in live if not c.step]
        self.step_checks = [c for c in live if c.step]

    def _runtime(self, f: _Failure) -> None:
        self.runtime = _first(self.runtime, f)

    # ------------------------------------------------------------ a level

    def _expand(self, level: int, room: int | None) -> str | None:
        """Expand this worker's frontier, states[lo:hi], and then, with no state limit, blocks
        of other workers' frontiers (NOTE(sharing)); keep the successors owned here, send the
        others.  `room`: how many new states the state limit leaves (None: no limit).  Returns
        why it stopped early ("cancelled", "timeout", "limit", "memory", "digits:" and the
        number's description) or None."""
        K, me = self.co.K, self.me
        home: list[dict[tuple, int]] = [{} for _ in range(K)]
        self.polled = 0
        stopped: str | None = None
        try:
            if self.value_limit is not None:  # a state check passed `digits`: only the exchange is left
                self._claim(close=True)
            else:
                stopped = self._run(self.states, 0, me, level, room, home)
            while stopped is None and room is None and K > 1:
                got = self._borrow()
                if got is None:
                    break
                lender, start, chunk = got
                out: list[dict[tuple, int]] = [{} for _ in range(K)]
                self.guests.append((lender, start, out))
                stopped = self._run(chunk, start, lender, level, None, out)
        except ValueLimit as e:  # NOTE(limits): a number past `digits`; the level's exchange still runs
            self.value_limit = str(e)
        finally:
            self._claim(close=True)  # a borrower waiting on this worker gets its answer whatever happened
        if self.value_limit is not None:
            stopped = f"digits:{self.value_limit}"
        self._exchange(home)
        self._lend_home()  # the borrowed chunks' states and batches, freed
        self.co.counts[me] = len(self.states)
        return stopped

    def _run(self, chunk: list[tuple], base: int, lender: int, level: int, room: int | None,
             out: list[dict[tuple, int]]) -> str | None:
        """Expand the states of `chunk` (the frontier of worker `lender` from index `base`) a
        block at a time, as _claim hands them out.  The frontier's own owner keeps the successors
        it owns at once; a borrower sends every successor, its own too, to be stored in order
        (NOTE(sharing))."""
        co, K, me, env = self.co, self.co.K, self.me, self.env
        states, visited, canon, part = self.states, self.visited, co.canon, co.part
        acts = self.acts
        direct = me if lender == me and chunk is states else -1
        self.current = (chunk, base, lender)
        seen = self.ever_enabled
        hi = self.hi
        counter, flag, deadline, memory = co.counts, co.stop, co.deadline, co.worker_memory
        start = self.shared[me]  # the first block: its index is the chunk's key (NOTE(sharing))
        first = (level + 1, lender, start)
        self.chunk_steps = [c for c in self.step_checks
                            if (f := self.failed.get(c.name)) is None or _key(f) > first]
        want = self.want_deadlock and (self.deadlock is None or _key(self.deadlock) > (level, lender, start))
        transitions = 0
        try:
            while True:
                a, b = self._claim()
                if a == b:
                    return None
                counter[me] = len(states)
                if flag.value:
                    return "cancelled"
                if deadline is not None and time.monotonic() > deadline:
                    return "timeout"
                self.polled += b - a
                if memory is not None and self.polled >= POLL:
                    self.polled = 0
                    if resident_bytes() - self.rss0 > memory:  # NOTE(memory)
                        return "memory"
                if room is not None and len(states) - hi > room:
                    return "limit"
                for idx in range(a, b):
                    s = chunk[idx - base]
                    ref = idx * K + lender
                    enabled = False
                    fired = 0  # a small int: a running total would be a new int object at every step
                    for g, update, act, stays in acts:
                        if g is not None:
                            try:
                                if not g(s, None, env):
                                    continue
                            except EvalError as e:
                                self._runtime(_Failure(s, level, lender, idx, act, message=str(e), phase="guard"))
                                enabled = True
                                continue
                        enabled = True
                        seen[act] = 1
                        try:
                            t = update(s, env)
                        except EvalError as e:
                            self._runtime(_Failure(s, level, lender, idx, act, message=str(e), phase="update"))
                            continue
                        fired += 1
                        c = t if canon is None else canon(t)
                        if self.chunk_steps:
                            self._check_step(s, idx, t, c, act, level, lender)
                        o = lender if stays else hash(c if part is None else part(c)) % K
                        if o == direct:
                            if c not in visited:
                                visited[c] = ref
                                states.append(c)
                        else:
                            out[o].setdefault(c, ref)  # the first parent seen wins, as at home
                    transitions += fired
                    if not enabled and want:
                        self.deadlock = _first(self.deadlock, _Failure(s, level, lender, idx))
                        want = False
        finally:
            self.transitions += transitions

    # ------------------------------------------------------------ sharing a level (NOTE(sharing))

    def _claim(self, close: bool = False) -> tuple[int, int]:
        """The next block of the chunk being expanded, [a, b) (a == b: it is done); first
        answers a borrower that took the end of the chunk.  `close`: nothing more to lend or
        claim here, the chunk ends where it is (the states not yet claimed stay unexpanded:
        the level was stopped), a borrower already waiting still gets its part."""
        sh, me, K = self.shared, self.me, self.co.K
        with self.co.lock:
            a = sh[me]
            if close:
                sh[K + me] = a
            b = min(a + BLOCK, sh[K + me])
            sh[me] = b
            borrower = sh[2 * K + me] - 1
            if borrower >= 0:
                lo, hi = sh[3 * K + me], sh[4 * K + me]
                sh[2 * K + me] = 0
        if borrower >= 0:
            chunk, base, lender = self.current
            self.peers[borrower].send(_pack((lender, lo, chunk[lo - base:hi - base])))
        return a, b

    def _borrow(self) -> tuple[int, int, list[tuple]] | None:
        """Take the back half of the largest chunk another worker has left (at least LEND
        states), or None when none has: the level's expansion is over here.  Returns the chunk's
        lender (whose frontier it is), the index of its first state there, and the states."""
        sh, me, K = self.shared, self.me, self.co.K
        with self.co.lock:
            best, most = -1, LEND - 1
            for v in range(K):
                if v != me and not sh[2 * K + v] and sh[K + v] - sh[v] > most:
                    best, most = v, sh[K + v] - sh[v]
            if best < 0:
                return None
            hi = sh[K + best]
            lo = hi - (most + 1) // 2
            sh[K + best], sh[2 * K + best], sh[3 * K + best], sh[4 * K + best] = lo, me + 1, lo, hi
            sh[me], sh[K + me] = lo, hi  # the part taken, which another worker may in turn take from
        self.borrowed += hi - lo
        return _unpack(self.peers[best].recv())

    def _exchange(self, home: list[dict[tuple, int]]) -> None:
        """Send each peer the successors it owns, by chunk; take theirs; store every chunk's
        successors in the order of the frontiers they come from (NOTE(sharing)), a piece at a
        time (NOTE(exchange)).  Each pair talks in one global order (lower id sends first), so
        no two wait on each other however big the batches are."""
        me, guests = self.me, self.guests
        got: dict[int, int] = {}
        for j in sorted(self.peers):
            link = self.peers[j]
            size = self._pack_batch([(me, self.lo, home[j])] + [(lender, start, out[j]) for lender, start, out in guests])
            if me < j:
                link.send(memoryview(self.sendbuf)[:size])
                self.recvbufs[j], got[j] = link.recv_into(self.recvbufs[j])
            else:
                self.recvbufs[j], got[j] = link.recv_into(self.recvbufs[j])
                link.send(memoryview(self.sendbuf)[:size])
        # this worker's own frontier first, then worker 0's, 1's, ...; each in frontier order
        # (a chunk's pieces keep their order: the sort is stable)
        pieces: list[tuple[tuple, object]] = [((lender != me, lender, start), out[me])
                                              for lender, start, out in guests if out[me]]
        for j, size in got.items():
            view, pos = memoryview(self.recvbufs[j]), 0
            while pos < size:
                lender, start, n = _PIECE.unpack_from(view, pos)
                pos += _PIECE.size
                pieces.append(((lender != me, lender, start), view[pos:pos + n]))
                pos += n
        pieces.sort(key=itemgetter(0))
        states, visited = self.states, self.visited
        for _, piece in pieces:
            if isinstance(piece, dict):
                keys, refs = piece, piece.values()
            else:
                keys, refs = _unpack(piece)
            for c, r in zip(keys, refs):  # r: the parent's reference, made by whoever expanded it
                if c not in visited:
                    visited[c] = r
                    states.append(c)

    def _pack_batch(self, chunks: list[tuple[int, int, dict[tuple, int]]]) -> int:
        """Pack `chunks` (per chunk of a frontier: its lender and start, and the successors found
        there with their parents' references) into self.sendbuf, PIECE states at a time, each
        piece after its chunk's key and its length; returns the length used (NOTE(exchange))."""
        buf, pos, head = self.sendbuf, 0, _PIECE.size
        for lender, start, batch in chunks:
            keys, refs = iter(batch), iter(batch.values())
            while part := list(islice(keys, PIECE)):
                data = _pack((part, list(islice(refs, PIECE))))
                end = pos + head + len(data)
                if end > len(buf):  # no view of the buffer is alive here: it may grow in place
                    buf += bytes(max(end - len(buf), len(buf) // 2))
                _PIECE.pack_into(buf, pos, lender, start, len(data))
                buf[pos + head:end] = data
                pos = end
        return pos

    def _check_new(self, quota: int | None, length: int) -> None:
        """Keep the first `quota` new states (the state limit), check them, and make them
        the frontier."""
        states, visited = self.states, self.visited
        if quota is not None and len(states) - self.hi > quota:
            for c in states[self.hi + quota:]:
                del visited[c]
            del states[self.hi + quota:]
        self.lo, self.hi = self.hi, len(states)
        self.co.counts[self.me] = len(states)
        if not self.state_checks:
            return
        env = self.env
        for idx in range(self.lo, self.hi):
            c = states[idx]
            for chk in self.state_checks:
                try:
                    ok = chk.fn(c, None, env)
                except ValueLimit as e:  # told at the next level's expansion, which ends at once
                    self.value_limit = str(e)
                    return
                except EvalError as e:
                    self._runtime(_Failure(c, length, self.me, idx, message=str(e), phase="check", check=chk.name))
                    continue
                if not ok:
                    self.failed[chk.name] = _Failure(c, length, self.me, idx, check=chk.name)
                    self._refresh()
            if not self.state_checks:
                return

    def _check_step(self, s: tuple, idx: int, t: tuple, c: tuple, a: int, level: int, lender: int) -> None:
        for chk in self.chunk_steps:
            try:
                ok = chk.fn(s, t, self.env)
            except EvalError as e:
                self._runtime(_Failure(s, level, lender, idx, a, c, str(e), "check", chk.name))
                continue
            if not ok:
                f = _Failure(s, level + 1, lender, idx, a, c, check=chk.name)
                self.failed[chk.name] = _first(self.failed.get(chk.name), f)
                self._drop_step(chk)

    def _drop_step(self, chk) -> None:
        """A step check that failed in this chunk: not evaluated again here.  Its own method:
        a comprehension naming a local of _check_step would make that local a cell, created at
        each of its calls, once a transition."""
        self.chunk_steps = [x for x in self.chunk_steps if x is not chk]


# ---------------------------------------------------------------- the coordinator


class _Coordinator(Search):
    """The calling process: it steps the levels, and reports as the one-process search does
    (its verdicts and traces are Search's; the workers' findings arrive as `_Failure`s and are
    kept as Search's `Failure`s, with the worker and index of their state in `where`)."""

    def __init__(self, inst: Instance, options: ExplicitOptions, workers: int):
        self.inst, self.opt, self.K = inst, options, workers
        self.control = options.control if options.control is not None else Control()
        self.start = time.monotonic()
        self.deadline = self.start + options.timeout if options.timeout is not None else None
        self.prog = compile_program(inst)
        self.checks, self.liveness = safety_checks(self.prog)
        groups, self.notes = symmetric_families(inst) if options.symmetry else ([], [])
        self.canon = make_canon(groups, len(inst.slot_names))
        self.initial: list[tuple] = []
        self.part: Callable[[tuple], tuple] | None = None  # NOTE(locality): what picks a state's owner
        self.failed: dict[str, Failure] = {}
        self.deadlock: Failure | None = None
        self.runtime: Failure | None = None
        self.ever_enabled = bytearray(len(self.prog.actions))
        self.transitions = 0
        self.borrowed = 0  # frontier states expanded by a worker other than their owner (NOTE(sharing))
        self.bounds: list[tuple[int, int]] = []  # per worker, its frontier: states[lo:hi]
        self.states = 0
        self.depth_of_level = 0
        self.stopped: str | None = None
        self.level_now = 0  # the level being expanded
        self.frontier = 0
        self.last_progress = -1.0

    # ------------------------------------------------------------ running

    def run(self) -> EngineResult:
        self.control.searching()  # NOTE(phase-budget): this engine's own budget rules from here
        self._initial()
        if not self.initial:
            return self._result(complete=self.stopped is None)
        slots = owner_part(self.prog, self.canon, self.initial, self.K)
        self.part = None if slots is None else part_of(slots)
        self.stays = self._stays(slots)
        ctx = multiprocessing.get_context("fork")
        # NOTE(memory): the budget less what the coordinator holds, shared out; each worker
        # counts what it adds to the memory the fork gave it
        self.worker_memory = None if self.opt.memory is None else max(self.opt.memory - resident_bytes(), 0) // self.K
        self.counts = ctx.RawArray("q", self.K)  # per worker: states held, for progress reports
        self.stop = ctx.RawValue("b", 0)  # set: every worker ends its level early
        # NOTE(sharing): per worker, the chunk it expands ([front, back): K + K slots), and a
        # borrower waiting for the part it took (its id + 1, then [lo, hi): K + K + K slots)
        self.shared = ctx.RawArray("q", 5 * self.K)
        self.lock = ctx.Lock()
        pipes = {(i, j): socket.socketpair() for i in range(self.K) for j in range(i + 1, self.K)}
        self.conns: list[Connection] = []
        self.procs: list = []
        procs = self.procs
        try:
            for me in range(self.K):
                ctl, theirs = ctx.Pipe()
                peers = {j: _Link(pipes[min(me, j), max(me, j)][0 if me < j else 1]) for j in range(self.K) if j != me}
                w = _Worker(self, me, theirs, peers)
                p = ctx.Process(target=w.main, name=f"forkproof-worker-{me}", daemon=True)
                p.start()
                theirs.close()
                self.conns.append(ctl)
                procs.append(p)
            level = self._search()
            return self._finish(level)
        finally:
            for p in procs:
                p.join(timeout=1.0)
                if p.is_alive():
                    p.terminate()
                    p.join()
            for c in self.conns:
                c.close()
            for a, b in pipes.values():
                a.close()
                b.close()

    def _stays(self, slots: tuple[int, ...] | None) -> list[bool]:
        """Per action: whether its successor is owned where its state is, known without
        hashing it (NOTE(locality)): no symmetry (the canonical form may move any slot), and
        the action writes none of the owner's `slots` (None: all of them)."""
        if self.canon is not None:
            return [False] * len(self.prog.actions)
        part = set(range(len(self.inst.slot_names)) if slots is None else slots)
        return [a.writes is not None and not a.writes & part for a in self.prog.actions]

    def _initial(self) -> None:
        seen: set[tuple] = set()
        limit = self.opt.max_states
        try:
            for s in self.inst.initial_states():
                c = self.canon(s) if self.canon else s
                if c in seen:
                    continue
                if limit is not None and len(seen) >= limit:
                    self.stopped = f"state limit reached: {limit} initial states, depth 0 incomplete"
                    break
                seen.add(c)
                self.initial.append(c)
        except EvalError as e:
            self.runtime = Failure((), 0, message=str(e), phase="init")
            self.stopped = f"the initial state could not be computed: {e}"
            self.initial = []
        if not self.initial and self.stopped is None:
            self.notes.append("the instance has no initial states: every invariant holds vacuously")

    def _search(self) -> int:
        """The levels; returns the depth completed (as explicit counts it)."""
        level = 0
        self._check_level(None, 0)  # the initial states
        frontier = self.frontier
        while frontier and self.stopped is None:
            self.level_now = level
            limit = self.opt.max_states
            room = None if limit is None else limit - self.states
            want = self.opt.deadlock and self.deadlock is None
            self._poll()  # short levels never wait long enough for _recv to report progress
            for w, (lo, hi) in enumerate(self.bounds):  # every frontier open to borrowers from the start
                self.shared[w], self.shared[self.K + w], self.shared[2 * self.K + w] = lo, hi, 0
            new = self._all(("expand", (set(self.failed), want, level, room)))
            why = next((w for _, w, _ in new if w is not None), None)
            if room is None:  # checked already: one round a level
                self._take([r for _, _, r in new])
            else:
                fresh = [n for n, _, _ in new]
                quota = None
                if limit is not None and self.states + sum(fresh) > limit:
                    left, quota = limit - self.states, []
                    for n in fresh:
                        quota.append(min(n, left))
                        left -= quota[-1]
                    why = why or "limit"
                self._check_level(quota, level + 1)
            if why is not None:
                self.stopped = self._why(why, level)
            if self.frontier and self.stopped is None:
                level += 1
            frontier = self.frontier
        return level

    def _why(self, why: str, level: int) -> str:
        if why.startswith("digits:"):  # as the one-process search words it
            return (f"{self.inst.model.limits.past_digits(why[len('digits:'):])}: "
                    f"{self.states:,} states explored, depth {level} complete")
        if why == "limit":
            return f"state limit reached: {self.states} states explored, depth {level} complete"
        if why == "memory":
            return (f"memory budget of {show_size(self.opt.memory)} reached: {self.states:,} states explored, "
                    f"depth {level} complete")
        if why == "timeout":
            return (f"FP701: timeout after {self.opt.timeout:g} s: {self.states:,} states explored, "
                    f"depth {level} complete")
        return f"interrupted (Ctrl-C): {self.states:,} states explored, depth {level} complete"

    def _check_level(self, quota: list[int] | None, length: int) -> None:
        self._take(self._all_each(lambda i: ("check", (None if quota is None else quota[i], length))))

    def _take(self, reports: list) -> None:
        """The workers' reports after a level: counts, each worker's frontier, and the shortest
        findings (of equal length, the first in worker and frontier order: _key)."""
        self.states = sum(r[0] for r in reports)
        self.frontier = sum(r[1] for r in reports)
        self.transitions = sum(r[2] for r in reports)
        self.borrowed = sum(r[6] for r in reports)
        self.bounds = [(r[0] - r[1], r[0]) for r in reports]
        for _, _, _, failed, deadlock, runtime, _ in reports:
            for name, f in failed.items():
                if name not in self.failed or _key(f) < _key(self.failed[name]):
                    self.failed[name] = self._kept(f)
            if deadlock is not None and (self.deadlock is None or _key(deadlock) < _key(self.deadlock)):
                self.deadlock = self._kept(deadlock)
            if runtime is not None and (self.runtime is None or _key(runtime) < _key(self.runtime)):
                self.runtime = self._kept(runtime)
        # as explicit's _refresh: nothing left to find
        live = [c for c in self.checks if c.name not in self.failed]
        want_deadlock = self.opt.deadlock and self.deadlock is None
        if not live and not want_deadlock and self.runtime is not None and (self.checks or self.opt.deadlock):
            self.stopped = self.stopped or "everything is decided"

    # ------------------------------------------------------------ talking to the workers

    def _all(self, msg: tuple) -> list:
        return self._all_each(lambda i: msg)

    def _all_each(self, msg) -> list:
        for i, c in enumerate(self.conns):
            c.send(msg(i))
        return [self._recv(c) for c in self.conns]

    def _recv(self, conn: Connection):
        """A worker's answer; meanwhile progress reports, and Ctrl-C or a cancelled Control
        passed on to the workers (they end the level early)."""
        while True:
            try:
                if conn.poll(min(self.control.interval, 0.2)):
                    break
                self._poll()
                # the worker that owes this answer, killed (out of memory, say): it never comes.  Only
                # that one: another may have answered and ended; and its answer may have landed since.
                proc = self.procs[self.conns.index(conn)]
                if not proc.is_alive() and not conn.poll(0):
                    raise RuntimeError(f"a worker of the parallel search died (exit code {proc.exitcode})")
            except KeyboardInterrupt:  # NOTE(interrupt) in checker/semantics/control.py
                self.control.cancel()
                self.stop.value = 1
        try:
            kind, payload = conn.recv()
        except (EOFError, OSError):
            raise RuntimeError("a worker of the parallel search died") from None
        if kind == "error":
            raise RuntimeError(f"a worker of the parallel search failed:\n{payload}")
        return payload

    def _poll(self) -> None:
        if self.control.cancelled:
            self.stop.value = 1
        elapsed = time.monotonic() - self.start
        if self.control.progress is not None and elapsed - self.last_progress >= self.control.interval:
            self.last_progress = elapsed
            held = sum(self.counts)
            self.control.report(held, self.level_now, max(held - self.states, 0) + self.frontier, elapsed)

    def _kept(self, f: _Failure) -> Failure:
        """A worker's finding as Search keeps one: the action instance and the check themselves."""
        check = next((c for c in self.checks if c.name == f.check), None)
        action = self.prog.actions[f.action] if f.action is not None else None
        return Failure(f.state, f.length, action, f.succ, f.message, f.phase, check, where=(f.worker, f.index))

    def _stored(self) -> int:
        return self.states

    def _path_of(self, f: Failure) -> list[tuple]:
        """Parent references from worker to worker, back to an initial state."""
        worker, index = f.where
        path, ref = [], index * self.K + worker
        while ref >= 0:
            w, idx = ref % self.K, ref // self.K
            self.conns[w].send(("path", idx))
            c, ref = self._recv(self.conns[w])
            path.append(c)
        return path[::-1]

    def _finish(self, level: int) -> EngineResult:
        self.depth_of_level = level
        for on in self._all(("enabled", None)):  # before the verdicts: vacuity reads them
            for i, x in enumerate(on):
                if x:
                    self.ever_enabled[i] = 1
        result = self._result(complete=self.stopped is None)  # traces are built while the workers serve paths
        self._all(("quit", None))
        return result

    def _result(self, complete: bool) -> EngineResult:
        result = super()._result(complete)
        result.notes.append(f"searched by {self.K} worker processes")
        return result

    def _liveness(self, scope: str, limit_reason: str | None, states: int, depth: int, seconds: float) -> list[Verdict]:
        return [Verdict(x.name, "property", Status.UNKNOWN, scope, "explicit", states, depth, seconds,
                        reason=LIVENESS_REASON) if isinstance(x, Liveness) else
                Verdict(x[0], "property", Status.UNKNOWN, scope, "explicit", states, depth, seconds, reason=x[1])
                for x in self.liveness]
