#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The demo: from a fresh Debian 12 as root, build pvdomaind, pvxl and the
paravisor domain's image, boot Xen 4.17 and Debian's dom0 under QEMU, and
run `pvxl create guest.cfg` for a stock Linux HVM guest: the guest and
its paravisor domain (a PVH stub domain running pvdomaind, with target
privilege over the guest, serving a TPM 2.0 through an IOREQ server)
come up as a pair, and the guest shows what it sees of its vTPM.  It is
the harness job pvxl-tpm; its assertions run too, and a failure makes
this exit 1."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pvrtest import TOP, build_and_check, host_tests, log, prepare  # noqa
from run_all import paravisor_image  # noqa: E402

JOB = "pvxl-tpm"


def show(out: Path) -> None:
    job = out / "dom0" / JOB
    for title, path in (
            ("pvxl create", job / "create.log"),
            ("pvxl list", job / "list.txt"),
            ("the guest's console: its TPM test", job / "guest.log"),
            ("its paravisor domain's console",
             job / "pvconsole-pvxl-xtf-paravisor.log"),
            ("the pairing in xenstore", job / "xs-paravisor.txt")):
        print(f"\n===== {title} ({path}) =====")
        try:
            print(path.read_text(errors="replace").rstrip())
        except OSError as e:
            print(f"(not available: {e})")


def main() -> int:
    prepare()
    t = build_and_check("build", ["--enable-werror"], {}, check=False)
    if not t.failed:
        t.add(paravisor_image())
    if t.failed:
        print("\n".join(t.failures))
        return 1
    out = TOP / "build" / "demo-results"
    t = host_tests(JOB, out)
    show(out)
    log(f"demo: {'ok' if not t.failed else 'FAILED: ' + ', '.join(t.failures)}")
    return 1 if t.failed else 0


if __name__ == "__main__":
    sys.exit(main())
