# SPDX-License-Identifier: GPL-2.0-only
"""The payload: what dom0 sees of the host, through two 9p shares.

    /pvr               (share "pvr", read-only; OUT/payload on the host)
      bin/             the stage's bin/ (pvdomaind, pvdomainctl, ...)
      guest/<name>/    the stage's guest images
      guest/linux/     vmlinuz, initrd-tpm.img: the Linux test guest
      paravisor/       the stage's paravisor domain image (vmlinuz,
                       initrd.img, manifest.json), when it was built
      host/            dom0/, lib/, jobs/ of tests/host, and the
                       benchmark jobs asked for (tests/host/benches)
      run.conf         shell variables: flight, boot, jobs, timeouts
    /pvr/out           (share "pvrout", read-write; OUT/dom0 on the host,
                       OUT/dom0-N for a flight's boot N > 1)
      results.jsonl    one JSON record per line, appended as things happen
      heartbeat        dom0's uptime, rewritten every 10 s
      <job>/           per-job logs: steps, guest consoles, daemons, xl dmesg
"""

from __future__ import annotations

import os
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path

from .images import Images
from .proc import HarnessError

HOST_DIR = Path(__file__).resolve().parent.parent
HOST_PARTS = ("dom0", "lib", "jobs")


@dataclass(frozen=True)
class Payload:
    root: Path
    out: Path
    conf: dict[str, str]    # run.conf, without PVR_JOBS and PVR_BOOT


def _link_or_copy(src: Path, dst: Path) -> None:
    """Hard-link a cached file (the share is read-only), else copy it."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def assemble(out: Path, stage: Path | None, images: Images, jobs: list[str],
             benches: list[str], settings: dict[str, str]) -> Payload:
    """Create OUT/payload and an empty OUT/dom0; return their paths.
    The benchmark jobs named in `benches` join host/jobs/."""
    root = out / "payload"
    results = out / "dom0"
    for d in (root, results):
        if d.exists():
            shutil.rmtree(d)
    root.mkdir(parents=True)
    results.mkdir(parents=True)
    (root / "out").mkdir()
    for sub in ("bin", "guest", "paravisor"):
        src = stage / sub if stage else None
        if src and src.is_dir():
            shutil.copytree(src, root / sub, symlinks=True)
        else:
            (root / sub).mkdir()
    linux = root / "guest" / "linux"
    if linux.exists():
        raise HarnessError(f"the stage has guest/linux, which the harness "
                           f"reserves for its Linux guest: {stage}")
    linux.mkdir()
    for f in images.linux_dir.iterdir():
        _link_or_copy(f, linux / f.name)
    for part in HOST_PARTS:
        shutil.copytree(HOST_DIR / part, root / "host" / part)
    for name in benches:
        shutil.copy2(HOST_DIR / "benches" / f"{name}.sh",
                     root / "host" / "jobs" / f"{name}.sh")
    pl = Payload(root=root, out=results, conf=dict(settings))
    _write_conf(pl, jobs, 1)
    return pl


def _write_conf(pl: Payload, jobs: list[str], boot: int) -> None:
    conf = {"PVR_JOBS": " ".join(jobs), "PVR_BOOT": str(boot), **pl.conf}
    (pl.root / "run.conf").write_text(
        "".join(f"{k}={shlex.quote(v)}\n" for k, v in conf.items()),
        encoding="utf-8")


def next_boot(pl: Payload, out: Path, jobs: list[str], boot: int) -> Payload:
    """The payload of another boot of the same flight: the same files,
    `jobs` to run, and a fresh results share at `out`."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    nxt = Payload(root=pl.root, out=out, conf=pl.conf)
    _write_conf(nxt, jobs, boot)
    return nxt
