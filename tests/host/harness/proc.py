# SPDX-License-Identifier: GPL-2.0-only
"""Running host commands, with their output kept in a log file."""

from __future__ import annotations

import os
import shlex
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


class HarnessError(Exception):
    """The harness itself could not do its work (exit status 2).

    Test failures are never raised as this; they are results.
    """


def log_tail(path: Path, lines: int = 20) -> str:
    """Return the last `lines` lines of a text file, or "" if unreadable."""
    try:
        with path.open("rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 64 * 1024))
            data = f.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    kept = [line.rstrip() for line in data.replace("\r", "").split("\n")]
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept[-lines:])


def run(cmd: Sequence[str], log: Path, *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None) -> float:
    """Run `cmd` with stdout and stderr appended to `log`.

    Returns the wall-clock duration in seconds.  Raises HarnessError naming
    the command and quoting the end of the log when it fails.
    """
    full_env = None
    if env is not None:
        full_env = dict(os.environ)
        full_env.update(env)
    start = time.monotonic()
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("ab") as f:
        f.write(f"+ {shlex.join(cmd)}\n".encode())
        f.flush()
        try:
            r = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=f,
                               stderr=subprocess.STDOUT, env=full_env,
                               cwd=cwd, check=False)
        except OSError as e:
            raise HarnessError(f"cannot run {cmd[0]}: {e}") from e
    if r.returncode != 0:
        raise HarnessError(
            f"{shlex.join(cmd)} exited with status {r.returncode}; "
            f"end of {log}:\n{log_tail(log)}")
    return time.monotonic() - start


def capture(cmd: Sequence[str], *, cwd: Path | None = None) -> str:
    """Run `cmd` and return its stdout; raise HarnessError on failure."""
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                           capture_output=True, cwd=cwd, check=False)
    except OSError as e:
        raise HarnessError(f"cannot run {cmd[0]}: {e}") from e
    if r.returncode != 0:
        err = r.stderr.decode(errors="replace").strip()
        raise HarnessError(
            f"{shlex.join(cmd)} exited with status {r.returncode}: {err}")
    return r.stdout.decode(errors="replace")
