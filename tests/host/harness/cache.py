# SPDX-License-Identifier: GPL-2.0-only
"""The build cache: entries keyed by a hash of their inputs.

An entry is a directory `<cache>/<kind>-<key>`.  It is built under a
temporary name and renamed into place only when complete, so a build that
was interrupted never looks finished.  A lock file per kind serialises
concurrent harness runs on the same cache.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from .proc import HarnessError

KEEP_ENTRIES = 2


def digest(parts: Iterable[bytes | str]) -> str:
    """Return a short hex digest over `parts`, each length-prefixed."""
    h = hashlib.sha256()
    for p in parts:
        b = p.encode() if isinstance(p, str) else p
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()[:16]


def files_digest(paths: Iterable[Path], base: Path) -> list[str]:
    """Return "relative-path:sha256" strings for `paths`, sorted."""
    out = []
    for p in sorted(paths):
        h = hashlib.sha256(p.read_bytes()).hexdigest()
        out.append(f"{p.relative_to(base)}:{h}")
    return out


def _mounts_under(path: Path) -> list[str]:
    """Return mount points at or under `path`, deepest first."""
    prefix = str(path.resolve())
    points = []
    with open("/proc/self/mountinfo", encoding="utf-8") as f:
        for line in f:
            point = line.split()[4].replace("\\040", " ")
            if point == prefix or point.startswith(prefix + "/"):
                points.append(point)
    return sorted(points, key=len, reverse=True)


def remove_tree(path: Path) -> None:
    """Remove `path`, unmounting anything a killed build left mounted."""
    if not path.exists() and not path.is_symlink():
        return
    for point in _mounts_under(path):
        subprocess.run(["umount", "-l", point], check=False)
    left = _mounts_under(path)
    if left:
        raise HarnessError(f"refusing to delete {path}: still mounted: "
                           f"{' '.join(left)}")
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


@contextmanager
def locked(cache: Path, kind: str) -> Iterator[None]:
    """Hold an exclusive lock on `kind` in `cache` for the block."""
    cache.mkdir(parents=True, exist_ok=True)
    with open(cache / f".{kind}.lock", "w", encoding="utf-8") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        yield


@contextmanager
def building(final: Path) -> Iterator[Path]:
    """Yield a fresh temporary directory that becomes `final` on success.

    The caller must hold the lock for the entry's kind.  Leftovers of an
    interrupted build of the same entry are removed first.
    """
    tmp = final.with_name(f".{final.name}.partial")
    remove_tree(tmp)
    tmp.mkdir(parents=True)
    try:
        yield tmp
    except BaseException:
        remove_tree(tmp)
        raise
    os.rename(tmp, final)


def entry(cache: Path, kind: str, key: str) -> Path:
    """Return the path of the cache entry for `kind` and `key`."""
    return cache / f"{kind}-{key}"


def touch_and_prune(cache: Path, kind: str, used: Path) -> None:
    """Mark `used` as recently used; keep only the newest entries of kind."""
    os.utime(used)
    entries = [p for p in cache.glob(f"{kind}-*") if p.is_dir()]
    entries.sort(key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP_ENTRIES:]:
        if old != used:
            remove_tree(old)


def next_flight(cache: Path) -> int:
    """Return the next flight number, counted in the cache directory."""
    cache.mkdir(parents=True, exist_ok=True)
    path = cache / "flight"
    with open(cache / ".flight.lock", "w", encoding="utf-8") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            last = int(path.read_text(encoding="utf-8").strip() or "0")
        except (OSError, ValueError):
            last = 0
        tmp = path.with_name("flight.new")
        tmp.write_text(f"{last + 1}\n", encoding="utf-8")
        os.replace(tmp, path)
    return last + 1
