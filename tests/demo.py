#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The demo: from a fresh Debian 12 as root, build pvdomaind, boot Xen 4.17
and Debian's dom0 under QEMU, start a stock Linux HVM guest with its
paravisor (pvdomaind in dom0, serving a TPM 2.0 through an IOREQ server),
and show what the guest sees of its vTPM.  It is the harness job
tpm-linux; its assertions run too, and a failure makes this exit 1."""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pvrtest import TOP, build_and_check, host_tests, log, prepare  # noqa

JOB = "tpm-linux"


def show(out: Path) -> None:
    console = out / "dom0" / JOB / "tpm-linux.console.log"
    daemon = out / "dom0" / JOB / "pvdomaind.log"
    for title, path in (("the guest's console", console),
                        ("pvdomaind in dom0", daemon)):
        print(f"\n===== {title} ({path}) =====")
        try:
            print(path.read_text(errors="replace").rstrip())
        except OSError as e:
            print(f"(not available: {e})")


def main() -> int:
    prepare()
    t = build_and_check("build", ["--enable-werror"], {}, check=False)
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
