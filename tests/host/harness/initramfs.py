# SPDX-License-Identifier: GPL-2.0-only
"""Building small initramfs images from files of a Debian tree.

A Staging directory is filled with files copied out of the tree (symlinks
resolved inside the tree, never on the host), busybox with its applet
links, the shared-library closure of some binaries (ldd run inside the
tree with chroot) and kernel modules with their modules.dep closure.
pack() turns it into a gzip-compressed newc cpio archive.
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

from .modules import ModuleIndex
from .proc import HarnessError, capture

MAX_LINKS = 40
LDD_LINE = re.compile(r"^\s*(?:\S+ => )?(/\S+) \(0x[0-9a-f]+\)$")


def tree_resolve(tree: Path, path: str) -> Path:
    """Resolve absolute `path` inside `tree` as if `tree` were "/"."""
    parts = [p for p in path.split("/") if p]
    done: list[str] = []
    links = 0
    while parts:
        name = parts.pop(0)
        if name == ".":
            continue
        if name == "..":
            if done:
                done.pop()
            continue
        host = tree.joinpath(*done, name)
        if host.is_symlink():
            links += 1
            if links > MAX_LINKS:
                raise HarnessError(f"too many symlinks resolving {path}")
            target = os.readlink(host)
            if target.startswith("/"):
                done = []
            parts = [p for p in target.split("/") if p] + parts
            continue
        done.append(name)
    return tree.joinpath(*done)


def is_static_elf(path: Path) -> bool:
    """Return True if `path` is a 64-bit ELF file without PT_INTERP."""
    with path.open("rb") as f:
        ident = f.read(64)
        if len(ident) < 64 or ident[:5] != b"\x7fELF\x02":
            return False
        phoff, = struct.unpack_from("<Q", ident, 32)
        phentsize, phnum = struct.unpack_from("<HH", ident, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, = struct.unpack_from("<I", table, i * phentsize)
        if p_type == 3:
            return False
    return True


class Staging:
    """A directory laid out as the root of an initramfs."""

    def __init__(self, root: Path, tree: Path) -> None:
        self.root = root
        self.tree = tree
        root.mkdir(parents=True, exist_ok=True)

    def _dest(self, path: str) -> Path:
        dest = self.root / path.lstrip("/")
        dest.parent.mkdir(parents=True, exist_ok=True)
        return dest

    def add_dirs(self, *paths: str) -> None:
        for p in paths:
            (self.root / p.lstrip("/")).mkdir(parents=True, exist_ok=True)

    def add_from_tree(self, path: str, dest: str | None = None) -> None:
        """Copy the file the tree has at `path`, following its symlinks."""
        src = tree_resolve(self.tree, path)
        if not src.is_file():
            raise HarnessError(f"{path} is not a file in {self.tree}")
        target = self._dest(dest or path)
        if target.exists():
            return
        shutil.copy2(src, target)

    def add_host_file(self, src: Path, dest: str, mode: int = 0o644) -> None:
        target = self._dest(dest)
        shutil.copyfile(src, target)
        target.chmod(mode)

    def add_symlink(self, dest: str, target: str) -> None:
        link = self._dest(dest)
        if not link.is_symlink() and not link.exists():
            link.symlink_to(target)

    def add_busybox(self) -> None:
        """Add the tree's static busybox and a link for each applet."""
        self.add_from_tree("/bin/busybox")
        busybox = tree_resolve(self.tree, "/bin/busybox")
        if not is_static_elf(busybox):
            raise HarnessError(f"{busybox} is not static (busybox-static)")
        for applet in capture([str(busybox), "--list"]).split():
            if applet != "busybox":
                self.add_symlink(f"/bin/{applet}", "busybox")

    def add_with_libs(self, *paths: str) -> None:
        """Add binaries or libraries and their shared-library closure."""
        for path in paths:
            self.add_from_tree(path)
            out = capture(["chroot", str(self.tree), "ldd", path])
            for line in out.splitlines():
                m = LDD_LINE.match(line)
                if m:
                    self.add_from_tree(m.group(1))
                elif "=>" in line and "not found" in line:
                    raise HarnessError(f"ldd {path}: {line.strip()}")

    def add_modules(self, kver: str, names: list[str]) -> list[str]:
        """Add modules `names` and their dependencies, for release kver.

        Writes /etc/modules.order, one module path a line in load order,
        and returns the names that are built into the kernel instead.
        """
        moddir = f"/lib/modules/{kver}"
        index = ModuleIndex(tree_resolve(self.tree, moddir))
        order, builtin = index.closure(names)
        packed = [rel for rel in order if not rel.endswith(".ko")]
        if packed:
            raise HarnessError("compressed kernel modules are not "
                               f"supported: {' '.join(packed)}")
        for rel in order:
            self.add_from_tree(f"{moddir}/{rel}")
        lines = "".join(f"{moddir}/{rel}\n" for rel in order)
        self._dest("/etc/modules.order").write_text(lines, encoding="utf-8")
        return builtin


def pack(root: Path, out: Path) -> int:
    """Pack `root` as a gzip newc cpio archive at `out`; return its size."""
    names = sorted(str(p.relative_to(root))
                   for p in root.rglob("*"))
    listing = "".join(f"{n}\0" for n in ["."] + names).encode()
    r = subprocess.run(
        ["cpio", "--null", "--create", "--format=newc", "--quiet",
         "--owner=0:0"],
        input=listing, cwd=root, capture_output=True, check=False)
    if r.returncode != 0:
        raise HarnessError("cpio failed: "
                           + r.stderr.decode(errors="replace").strip())
    data = gzip.compress(r.stdout, compresslevel=6, mtime=0)
    out.write_bytes(data)
    return len(data)
