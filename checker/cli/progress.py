"""The live progress line of long runs, and the verdicts streamed as they land.

NOTE(progress-line): on a terminal (stderr is a tty), or with `--progress`, the explicit
engine reports every `interval()` seconds (through checker/semantics/control.py,
NOTE(progress)); `Line` rewrites one stderr line in place:
    exploring N = 7: 27,551 states, depth 12, 61,402 states/s, queue 3,114, 0.4s
The symbolic engines say what they work on (NOTE(streaming)), and the line shows it with the
time spent on it, refreshed every second by a ticker thread even while a solver call runs:
    N = 4, RULE = Code: kind: voting_closes (liveness to safety), k = 3, 12.0s; 5 decided
The line is cleared before anything else is printed, and before the report.  With
`--no-progress`, or when stderr is not a terminal (a CI log) and `--progress` is not given,
nothing is written.  Ctrl-C: NOTE(interrupt) in checker/semantics/control.py.

NOTE(stream-lines): `Stream` prints one stderr line per property and instance when its
verdict lands (NOTE(streaming)), e.g.
    [ 14.2s] N = 4, RULE = Code: resolved_at_most_once: proved (kind (k=1), 0.41s)
    [ 44.9s] N = 4, RULE = Code: voting_closes: unknown (kind, 30.02s): FP701: out of time (30 s per ...
With `--stream` every verdict is printed as it lands, from the start (for CI logs).  By
default, on a terminal, lines start once a run has taken STREAM_AFTER seconds (the verdicts
that landed before are printed then), so a quick check prints only its report; with
`--no-stream`, or off a terminal, nothing.  Lines are cut at WIDTH columns.  The report on
stdout is unchanged: it is the complete answer.
"""
from __future__ import annotations

import os
import sys
import threading
import time


STREAM_AFTER = 2.0  # seconds before a terminal's default stream starts
WIDTH = 160


def interval() -> float:
    """Seconds between progress reports (FORKPROOF_PROGRESS_INTERVAL overrides, for tests)."""
    try:
        return float(os.environ.get("FORKPROOF_PROGRESS_INTERVAL", "0.5"))
    except ValueError:
        return 0.5


class Line:
    def __init__(self, stream=None):
        self.stream = stream or sys.stderr
        self.width = 0
        self.last = 0.0
        self.decided = 0
        self.lock = threading.RLock()
        self._work: tuple[str, str, float] | None = None  # (scope, what, since), shown by the ticker
        self._ticker: threading.Thread | None = None

    def __call__(self, scope: str, states: int, depth: int, queue: int, seconds: float) -> None:
        rate = states / seconds if seconds > 0 else 0.0
        where = f"exploring {scope}: " if scope else "exploring: "
        text = (f"{where}{states:,} states, depth {depth}, {rate:,.0f} states/s, queue {queue:,}, "
                f"{seconds:.1f}s")
        with self.lock:
            self._work = None
            self._write(text)

    def work(self, scope: str, what: str, seconds: float) -> None:
        """A symbolic engine's stage (NOTE(streaming)): shown, then refreshed every second."""
        with self.lock:
            self._work = (scope, what, time.monotonic() - seconds)
            self._show_work()
            if self._ticker is None:
                self._ticker = threading.Thread(target=self._tick, name="forkproof-progress", daemon=True)
                self._ticker.start()

    def landed(self) -> None:
        with self.lock:
            self.decided += 1
            if self._work is not None:
                self._show_work()

    def _show_work(self) -> None:
        scope, what, since = self._work
        done = f"; {self.decided} decided" if self.decided else ""
        self._write(f"{scope + ': ' if scope else ''}{what}, {time.monotonic() - since:.1f}s{done}")

    def _tick(self) -> None:
        while True:
            time.sleep(1.0)
            with self.lock:
                if self._work is not None and self.width:
                    self._show_work()

    def _write(self, text: str) -> None:
        text = text[:WIDTH - 1]
        pad = max(0, self.width - len(text))
        self.stream.write("\r" + text + " " * pad)
        self.stream.flush()
        self.width = len(text)
        self.last = time.monotonic()

    def clear(self) -> None:
        """Before the report: the line goes, and stays gone."""
        with self.lock:
            self._work = None
            self._erase()

    def interject(self, lines: list[str], stream) -> None:
        """Print whole lines (NOTE(stream-lines)) above the progress line, which then comes back."""
        with self.lock:
            self._erase()
            for t in lines:
                stream.write(t + "\n")
            stream.flush()
            if self._work is not None:
                self._show_work()

    def _erase(self) -> None:
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.stream.flush()
            self.width = 0


class Stream:
    """NOTE(stream-lines): one stderr line per landed verdict; `after` seconds of quiet first."""

    def __init__(self, line: Line | None = None, after: float = 0.0, stream=None):
        self.stream = stream or sys.stderr
        self.line = line
        self.after = after
        self.start = time.monotonic()
        self.held: list[str] = []

    def __call__(self, scope: str, verdict) -> None:
        now = time.monotonic() - self.start
        text = f"[{now:6.1f}s] {scope + ': ' if scope else ''}{_verdict_text(verdict)}"
        if len(text) > WIDTH:
            text = text[:WIDTH - 3] + "..."
        if self.line is not None:
            self.line.landed()
        if now < self.after:
            self.held.append(text)
            return
        lines, self.held = self.held + [text], []
        if self.line is not None:
            self.line.interject(lines, self.stream)
        else:
            for t in lines:
                self.stream.write(t + "\n")
            self.stream.flush()


def _verdict_text(v) -> str:
    from forkproof.output.report import verdict_text  # loaded by the check's report anyway; not by `parse`
    status = verdict_text(v)
    out = f"{v.name}: {status} ({v.engine}, {v.seconds:.2f}s)"
    return out + (f": {v.reason}" if v.reason and status in ("unknown", "violated") else "")
