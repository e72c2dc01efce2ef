# SPDX-License-Identifier: GPL-2.0-only
"""Installing the host packages the harness needs, from Debian, if missing.

The host needs no Xen and no kernel package: both come from the dom0
tree.  `apt-get update` runs only when something has to be installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from .proc import HarnessError, run

HOST_PACKAGES: tuple[str, ...] = (
    "qemu-system-x86",   # qemu-system-x86_64 with -virtfs
    "mmdebstrap",        # builds the dom0 tree
    "e2fsprogs",         # mke2fs -d for the dom0 root image
    "cpio",              # initramfs archives
    "gzip",
)


def _installed(package: str) -> bool:
    r = subprocess.run(
        ["dpkg-query", "-W", "-f=${db:Status-Status}", package],
        stdin=subprocess.DEVNULL, capture_output=True, check=False)
    return r.returncode == 0 and r.stdout.decode().strip() == "installed"


def missing(packages: tuple[str, ...] = HOST_PACKAGES) -> list[str]:
    """Return the packages of `packages` that dpkg does not have installed."""
    if shutil.which("dpkg-query") is None:
        raise HarnessError("dpkg-query not found: the harness needs a "
                           "Debian host")
    return [p for p in packages if not _installed(p)]


def ensure(log: Path) -> list[str]:
    """Install missing host packages; return the list that was installed."""
    todo = missing()
    if not todo:
        return []
    if os.geteuid() != 0:
        raise HarnessError(f"host packages missing ({' '.join(todo)}) and "
                           "not running as root to install them")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    run(["apt-get", "update"], log, env=env)
    run(["apt-get", "install", "-y", "--no-install-recommends", *todo],
        log, env=env)
    still = missing()
    if still:
        raise HarnessError(f"apt-get did not install: {' '.join(still)}")
    return todo
