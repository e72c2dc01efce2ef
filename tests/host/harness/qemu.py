# SPDX-License-Identifier: GPL-2.0-only
"""Booting Xen and dom0 under QEMU TCG, with a deadline.

The CPU model and flags are the measured ones (shared reference
xen-in-qemu.md): SMAP off, or Xen's PV dom0 takes a spurious #PF under
TCG; RDTSCP off, or HVM guests die on an unemulated intercept; threaded
TCG, as single-threaded TCG stalls HVM guests.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .images import Images
from .payload import Payload
from .proc import HarnessError

QEMU = "qemu-system-x86_64"
POLL_SECONDS = 0.5
KILL_GRACE_SECONDS = 10

# spec-ctrl=eager-fpu: Xen switches FPU state eagerly instead of lazily
# on #NM.  With lazy switching under TCG, dom0 processes saw their vector
# registers corrupted while a Linux HVM guest ran: OpenSSL, which parks
# pointers in them, crashed inside libtpms' RSA self-test in pvdomaind in
# 3 of 5 runs (SIGSEGV at 0 and at 0x100000001), and never in 100 runs
# with no HVM guest running; with eager switching, 0 of 4 since.  On real
# hardware Xen's default is right; this only avoids the emulator's bug.
XEN_CMDLINE = ("console=com1 dom0_mem={dom0_mib}M,max:{dom0_mib}M "
               "loglvl=all guest_loglvl=all conring_size=1m "
               "console_timestamps=boot spec-ctrl=eager-fpu")
DOM0_CMDLINE = "console=hvc0 earlyprintk=xen panic=5"


@dataclass(frozen=True)
class BootConfig:
    images: Images
    payload: Payload
    serial_log: Path
    qemu_log: Path
    memory_mib: int
    dom0_mib: int
    smp: int
    xen: Path               # the uncompressed hypervisor to boot
    xen_append: str         # extra Xen command line, e.g. "altp2m=1"


@dataclass(frozen=True)
class QemuResult:
    returncode: int | None
    stopped: str | None     # why the harness stopped QEMU, if it did
    seconds: float

    def describe(self) -> str:
        if self.stopped:
            return f"QEMU stopped after {self.seconds:.0f} s: {self.stopped}"
        return (f"QEMU exited with status {self.returncode} after "
                f"{self.seconds:.0f} s")


def _opt(value: object) -> str:
    """Escape a value for QEMU's comma-separated option syntax."""
    return str(value).replace(",", ",,")


# The CPU: AMD SVM with nested paging, minus what TCG gets wrong here.
#  -smap   with CR4.SMAP, Xen under TCG takes a spurious #PF in the PV
#          dom0 right after start (xen-in-qemu notes).
#  -rdtscp TCG's SVM reports RDTSCP as RDTSC with no next-RIP; Xen
#          crashes HVM guests that use it.
CPU = "max,-smap,-rdtscp"


def command(cfg: BootConfig) -> list[str]:
    im = cfg.images
    xen_cmdline = XEN_CMDLINE.format(dom0_mib=cfg.dom0_mib)
    if cfg.xen_append:
        xen_cmdline += " " + cfg.xen_append
    modules = (f"{_opt(im.kernel)} {_opt(DOM0_CMDLINE)},"
               f"{_opt(im.dom0_initrd)}")
    return [
        QEMU, "-accel", "tcg,thread=multi", "-cpu", CPU,
        "-smp", str(cfg.smp), "-m", str(cfg.memory_mib),
        "-nodefaults", "-display", "none", "-no-reboot",
        "-chardev", f"file,id=serial0,path={_opt(cfg.serial_log)}",
        "-serial", "chardev:serial0",
        "-kernel", str(cfg.xen), "-append", xen_cmdline,
        "-initrd", modules,
        "-drive", (f"file={_opt(im.rootfs)},if=virtio,format=raw,"
                   "snapshot=on"),
        "-virtfs", (f"local,path={_opt(cfg.payload.root)},mount_tag=pvr,"
                    "security_model=none,readonly=on"),
        "-virtfs", (f"local,path={_opt(cfg.payload.out)},mount_tag=pvrout,"
                    "security_model=none"),
    ]


def run(cfg: BootConfig, timeout: float,
        on_poll: Callable[[float], str | None]) -> QemuResult:
    """Run QEMU until it exits, `timeout` seconds pass or `on_poll` says.

    `on_poll(elapsed)` is called about twice a second while QEMU runs, so
    results can be reported as they arrive; a non-None return value is
    the reason to stop QEMU now.
    """
    cmd = command(cfg)
    start = time.monotonic()
    with cfg.qemu_log.open("wb") as log:
        log.write((" ".join(cmd) + "\n").encode())
        log.flush()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                    stdout=log, stderr=subprocess.STDOUT)
        except OSError as e:
            raise HarnessError(f"cannot start {QEMU}: {e}") from e
        stopped: str | None = None
        try:
            while proc.poll() is None:
                elapsed = time.monotonic() - start
                stopped = on_poll(elapsed)
                if stopped is None and elapsed > timeout:
                    stopped = f"run timed out (--timeout {timeout:.0f})"
                if stopped is not None:
                    break
                time.sleep(POLL_SECONDS)
        finally:
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(KILL_GRACE_SECONDS)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
    return QemuResult(returncode=proc.returncode, stopped=stopped,
                      seconds=time.monotonic() - start)
