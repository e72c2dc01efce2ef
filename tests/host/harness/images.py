# SPDX-License-Identifier: GPL-2.0-only
"""Boot images made from the dom0 tree, cached as one entry.

    xen                   Xen, uncompressed (QEMU's multiboot -kernel)
    vmlinuz               the Debian kernel, for dom0 and the Linux guest
    dom0-initrd.img       busybox + the modules dom0 needs before its root
    root.ext4             the dom0 root filesystem (booted with snapshot=on,
                          so it is never written)
    linux/vmlinuz         the Linux HVM test guest's kernel (a hard link)
    linux/initrd-tpm.img  its initramfs: busybox, tpm2-tools, scripts
    manifest.json         versions and sizes, for the report

The key covers the tree's key and the text of every file that shapes the
images, so editing an init script rebuilds them (seconds) without
rebuilding the tree.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from . import cache, initramfs
from .proc import HarnessError, capture, run
from .tree import Tree

HOST_DIR = Path(__file__).resolve().parent.parent

# Loaded in this order by the dom0 initramfs, dependencies first.  ext4
# asks the crypto API for crc32c, which is a module in Debian's kernel.
DOM0_MODULES: list[str] = [
    "virtio_pci", "virtio_blk", "crc32c_generic", "ext4",
    "9pnet_virtio", "9p",
    "xen-evtchn", "xen-gntdev", "xen-gntalloc", "xen-privcmd", "xenfs",
    "xen-blkback",
]

# TPM drivers of the Linux guest; built into Debian's 6.1 kernel, in which
# case there is nothing to copy, but a kernel that has them as modules
# gets them loaded by the guest's init.  Then NVMe (nvme-core needs
# t10-pi, whose CRC libraries ask the crypto API for their generic
# implementations: loaded first, as the guest has no modprobe) and ext4
# (which also mounts ext2), for tests/host/jobs/nvme-linux.sh; Xen's PV
# block frontend, the baseline of nvme-bench's PV boot (it binds only in
# a guest with Xen's PV interfaces, the platform device and a vbd).
GUEST_MODULES: list[str] = [
    "tpm", "tpm_tis_core", "tpm_tis", "tpm_crb",
    "crct10dif_generic", "crc64_rocksoft_generic", "nvme-core", "nvme",
    "crc32c_generic", "ext4", "xen-blkfront",
]

GUEST_TOOLS: list[str] = [
    "tpm2_startup", "tpm2_getrandom", "tpm2_pcrread", "tpm2_pcrextend",
    "tpm2_getcap", "tpm2_selftest", "tpm2_clear", "tpm2_createprimary",
    "tpm2_readpublic", "tpm2_flushcontext",
]
TCTI_LIB = "/usr/lib/x86_64-linux-gnu/libtss2-tcti-device.so.0"

ROOTFS_SPARE_MIB = 1024


@dataclass(frozen=True)
class Images:
    """Paths of a finished image set."""

    entry: Path
    built: bool

    @property
    def xen(self) -> Path:
        return self.entry / "xen"

    @property
    def kernel(self) -> Path:
        return self.entry / "vmlinuz"

    @property
    def dom0_initrd(self) -> Path:
        return self.entry / "dom0-initrd.img"

    @property
    def rootfs(self) -> Path:
        return self.entry / "root.ext4"

    @property
    def linux_dir(self) -> Path:
        return self.entry / "linux"

    def manifest(self) -> dict[str, object]:
        data = json.loads((self.entry / "manifest.json").read_text())
        assert isinstance(data, dict)
        return data


def _inputs() -> list[Path]:
    here = Path(__file__).resolve().parent
    files = [here / n for n in ("images.py", "initramfs.py", "modules.py")]
    files += sorted(p for p in (HOST_DIR / "image").rglob("*") if p.is_file())
    return files


def _one(root: Path, pattern: str) -> Path:
    found = sorted(root.glob(pattern))
    if len(found) != 1:
        raise HarnessError(f"expected one {pattern} in {root}, found "
                           f"{[p.name for p in found]}")
    return found[0]


def _dom0_initrd(tree: Path, kver: str, work: Path, out: Path) -> list[str]:
    st = initramfs.Staging(work, tree)
    st.add_dirs("/proc", "/sys", "/dev", "/newroot")
    st.add_busybox()
    builtin = st.add_modules(kver, DOM0_MODULES)
    st.add_host_file(HOST_DIR / "image" / "dom0-initramfs-init", "/init",
                     0o755)
    initramfs.pack(work, out)
    return builtin


def _guest_initrd(tree: Path, kver: str, work: Path, out: Path) -> list[str]:
    st = initramfs.Staging(work, tree)
    st.add_dirs("/proc", "/sys", "/dev", "/tmp")
    st.add_busybox()
    st.add_with_libs("/usr/bin/tpm2", TCTI_LIB)
    for tool in GUEST_TOOLS:
        st.add_symlink(f"/usr/bin/{tool}", "tpm2")
    builtin = st.add_modules(kver, GUEST_MODULES)
    st.add_host_file(HOST_DIR / "image" / "guest-init", "/init", 0o755)
    for script in sorted((HOST_DIR / "image" / "guest-scripts").iterdir()):
        st.add_host_file(script, f"/pvr/scripts/{script.name}")
    initramfs.pack(work, out)
    return builtin


def _rootfs(tree: Path, out: Path, log: Path) -> None:
    used_kib = int(capture(["du", "-sxk", str(tree)]).split()[0])
    size_mib = used_kib * 5 // 4 // 1024 + ROOTFS_SPARE_MIB
    run(["mke2fs", "-q", "-t", "ext4", "-F", "-L", "pvr-dom0",
         "-d", str(tree), str(out), f"{size_mib}M"], log)


def _build(t: Tree, dest: Path, log: Path) -> None:
    boot = t.root / "boot"
    xen_gz = _one(boot, "xen-*.gz")
    vmlinuz = _one(boot, "vmlinuz-*")
    kver = vmlinuz.name.removeprefix("vmlinuz-")
    with gzip.open(xen_gz, "rb") as src, open(dest / "xen", "wb") as dst:
        shutil.copyfileobj(src, dst)
    shutil.copyfile(vmlinuz, dest / "vmlinuz")
    (dest / "linux").mkdir()
    os.link(dest / "vmlinuz", dest / "linux" / "vmlinuz")
    dom0_builtin = _dom0_initrd(t.root, kver, dest / "work-dom0",
                                dest / "dom0-initrd.img")
    guest_builtin = _guest_initrd(t.root, kver, dest / "work-guest",
                                  dest / "linux" / "initrd-tpm.img")
    shutil.rmtree(dest / "work-dom0")
    shutil.rmtree(dest / "work-guest")
    _rootfs(t.root, dest / "root.ext4", log)
    manifest = {
        "tree": t.key,
        "xen": xen_gz.name,
        "kernel": kver,
        "dom0_builtin_modules": dom0_builtin,
        "guest_builtin_modules": guest_builtin,
        "sizes": {p.name: p.stat().st_size for p in
                  [dest / "xen", dest / "vmlinuz", dest / "dom0-initrd.img",
                   dest / "linux" / "initrd-tpm.img"]},
    }
    (dest / "manifest.json").write_text(json.dumps(manifest, indent=2)
                                        + "\n")


def ensure(cache_dir: Path, t: Tree, log: Path) -> Images:
    """Return the cached images for tree `t`, building them if needed."""
    key = cache.digest([t.key, *cache.files_digest(_inputs(), HOST_DIR)])
    final = cache.entry(cache_dir, "images", key)
    built = False
    with cache.locked(cache_dir, "images"):
        if not final.is_dir():
            with cache.building(final) as tmp:
                _build(t, tmp, log)
            built = True
        cache.touch_and_prune(cache_dir, "images", final)
    return Images(entry=final, built=built)
