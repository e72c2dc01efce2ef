# SPDX-License-Identifier: GPL-2.0-only
"""The dom0 tree: a Debian root filesystem built with mmdebstrap.

It comes from the same archive as the host's apt (the host's own sources
file is the mirror spec), and it is the source of everything booted: Xen,
the dom0 and guest kernel, the dom0 root filesystem and the files of the
guest initramfs.  It is cached under a key over the package list, the
sources file, the suite and this file's own text.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import cache
from .proc import HarnessError, capture, run

DOM0_PACKAGES: tuple[str, ...] = (
    "xen-hypervisor-4.17-amd64",
    "xen-utils-4.17",
    "xenstore-utils",
    "qemu-system-xen",
    "linux-image-amd64",
    "busybox-static",          # static, so the initramfs images use it too
    "kmod",
    "iproute2",
    "util-linux",
    "mount",
    "procps",
    "cpio",                    # jobs append files to guest initramfs images
    "libtpms0",                # pvdomaind links libtpms
    "tpm2-tools",              # copied into the guest initramfs
    "libtss2-tcti-device0",    # dlopen()ed by tpm2-tools
    "swtpm",                   # tpm-bench: QEMU's tpm-tis + swtpm, compared
)

SOURCES_CANDIDATES: tuple[Path, ...] = (
    Path("/etc/apt/sources.list.d/debian.sources"),
    Path("/etc/apt/sources.list"),
)

# Documentation is not needed in dom0 and makes the image slower to build.
DPKG_EXCLUDES: tuple[str, ...] = (
    "/usr/share/doc/*", "/usr/share/man/*", "/usr/share/info/*",
    "/usr/share/locale/*",
)

# The kernel package runs update-initramfs; dom0 and the guests boot our
# own small initramfs images instead, so a no-op stands in for it.
NO_INITRAMFS_HOOK = (
    'chroot "$1" dpkg-divert --quiet --local --rename '
    '--divert /usr/sbin/update-initramfs.debian '
    '--add /usr/sbin/update-initramfs && '
    "printf '#!/bin/sh\\nexit 0\\n' > \"$1/usr/sbin/update-initramfs\" && "
    'chmod 755 "$1/usr/sbin/update-initramfs"'
)

CUSTOMIZE_HOOK = (
    'echo dom0 > "$1/etc/hostname" && mkdir -p "$1/pvr"'
)


@dataclass(frozen=True)
class Tree:
    """A finished dom0 tree in the cache."""

    key: str
    root: Path
    entry: Path
    built: bool


def apt_sources() -> Path:
    """Return the host's apt sources file, to be used as mirror spec."""
    for path in SOURCES_CANDIDATES:
        if path.is_file():
            return path
    raise HarnessError("no apt sources found (looked for "
                       + ", ".join(str(p) for p in SOURCES_CANDIDATES) + ")")


def host_suite() -> str:
    """Return the host's Debian codename, e.g. bookworm."""
    try:
        text = Path("/etc/os-release").read_text(encoding="utf-8")
    except OSError as e:
        raise HarnessError(f"cannot read /etc/os-release: {e}") from e
    for line in text.splitlines():
        if line.startswith("VERSION_CODENAME="):
            return line.split("=", 1)[1].strip().strip('"')
    raise HarnessError("no VERSION_CODENAME in /etc/os-release")


def packages(extra: list[str]) -> list[str]:
    return sorted(set(DOM0_PACKAGES) | set(extra))


def tree_key(extra: list[str]) -> str:
    sources = apt_sources()
    return cache.digest([
        " ".join(packages(extra)),
        str(sources),
        sources.read_bytes(),
        host_suite(),
        Path(__file__).read_bytes(),
    ])


def _mmdebstrap(target: Path, extra: list[str], log: Path) -> None:
    cmd = [
        "mmdebstrap", "--mode=root", "--variant=essential",
        "--format=directory",
        "--include=" + ",".join(packages(extra)),
        "--aptopt=Acquire::Languages \"none\"",
        "--dpkgopt=force-unsafe-io",
        *(f"--dpkgopt=path-exclude={p}" for p in DPKG_EXCLUDES),
        "--essential-hook=" + NO_INITRAMFS_HOOK,
        "--customize-hook=" + CUSTOMIZE_HOOK,
        host_suite(), str(target), str(apt_sources()),
    ]
    run(cmd, log)


def ensure(cache_dir: Path, extra: list[str], log: Path) -> Tree:
    """Return the cached dom0 tree, building it first if needed."""
    key = tree_key(extra)
    final = cache.entry(cache_dir, "tree", key)
    built = False
    with cache.locked(cache_dir, "tree"):
        if not final.is_dir():
            with cache.building(final) as tmp:
                _mmdebstrap(tmp / "root", extra, log)
                listing = capture([
                    "chroot", str(tmp / "root"), "dpkg-query", "-W",
                    "-f=${Package} ${Version}\\n"])
                (tmp / "packages.txt").write_text(listing, encoding="utf-8")
            built = True
        cache.touch_and_prune(cache_dir, "tree", final)
    return Tree(key=key, root=final / "root", entry=final, built=built)
