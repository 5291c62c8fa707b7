"""The live progress line (only on a terminal, or with --progress) and Ctrl-C (NOTE(progress),
NOTE(interrupt) in checker/cli/progress.py), driven through real processes."""
from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIBRA = str(ROOT / "models" / "libra_framework_upgrade.fork")
CMD = [sys.executable, "-m", "forkproof.cli.main", "check", LIBRA, "-p", "N=6", "-p", "RULE=Code", "--no-symmetry"]
ENV = {**os.environ, "FORKPROOF_PROGRESS_INTERVAL": "0", "PYTHONPATH": str(ROOT)}


def read_all(fd: int) -> bytes:
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        out += chunk
    return out


@pytest.mark.skipif(not hasattr(pty, "fork"), reason="needs a pseudo-terminal")
def test_progress_line_on_a_terminal():
    pid, fd = pty.fork()
    if pid == 0:  # the child: stdout and stderr are the pseudo-terminal
        os.execvpe(CMD[0], CMD, ENV)
    text = read_all(fd).decode("utf-8", "replace")
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 1  # the code rule is violated at N = 6
    assert "exploring N = 6, RULE = Code: " in text and " states/s, queue " in text
    assert "\r" in text  # rewritten in place
    assert "invariant violated: resolved_had_two_thirds_yes" in text


def test_no_progress_line_without_a_terminal():
    r = subprocess.run(CMD, env=ENV, capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 1
    assert "states/s" not in r.stderr and "states/s" not in r.stdout and "\r" not in r.stderr
    r = subprocess.run(CMD + ["--progress"], env=ENV, capture_output=True, text=True, cwd=ROOT)
    assert "exploring N = 6, RULE = Code: " in r.stderr  # asked for: shown even in a log
    assert "states/s" not in r.stdout


def test_ctrl_c_ends_the_run_with_what_it_found_and_unknown_for_the_rest():
    cmd = [sys.executable, "-m", "forkproof.cli.main", "check", LIBRA, "-p", "N=14", "-p", "RULE=Intended",
           "--no-symmetry", "--progress"]
    p = subprocess.Popen(cmd, env={**ENV, "FORKPROOF_PROGRESS_INTERVAL": "0.05"}, cwd=ROOT,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = ""
    while "exploring" not in seen:  # the search is running
        seen += p.stderr.read(1)
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 3, err
    assert "Traceback" not in err
    assert "interrupted (Ctrl-C):" in out and " states explored, depth " in out
    assert "unknown" in out and "result: " in out
