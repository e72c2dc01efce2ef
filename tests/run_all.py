#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""The test command: everything, from a fresh Debian 12 as root.

1. installs the build and test dependencies from Debian;
2. builds with --enable-werror and runs make check (sim, unit, fuzz
   corpus replays, the guest test under plain QEMU);
3. builds again with ASan and UBSan and runs make check there;
4. runs make distcheck;
5. builds the paravisor domain's image (make paravisor-image, cached),
   boots Debian's Xen under QEMU and runs every tests/host job;
6. builds the patched hypervisor (xen-patches/build, cached) and boots
   it with altp2m=1 for the jobs whose header says `# xen: patched`.

It ends with one line, "N passed, N failed, N skipped", counting every
test and harness step it ran, and exits non-zero if anything failed.
"""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pvrtest import (PATCHED_FLIGHT_TIMEOUT, PATCHED_RESERVE,  # noqa: E402
                     RUN_BUDGET, STOCK_FLIGHT_TIMEOUT, TOP, Tally,
                     build_and_check, distcheck, host_tests, log, prepare,
                     run, xen_patches_tests)


def paravisor_image() -> Tally:
    """make paravisor-image in build/ (cached by its inputs: the kernel
    package, pvdomaind, pvinit, their libraries), so that stage-host puts
    the image into the stage of both host flights; counted as one test."""
    build = TOP / "build"
    logfile = build / "run-all-logs" / "paravisor-image.log"
    t0 = time.time()
    rc = run(["make", "paravisor-image"], build, logfile)
    secs = time.time() - t0
    if rc:
        lines = logfile.read_text(errors="replace").strip().splitlines()
        log(f"paravisor image: FAIL ({secs:.0f} s): "
            f"{(lines or ['no output'])[-1]}")
        return Tally(failed=1, failures=[f"make paravisor-image (see "
                                         f"{logfile})"])
    log(f"paravisor image: pass ({secs:.0f} s)")
    return Tally(passed=1)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--skip-host", action="store_true",
                    help="do not build or boot Xen (unit tests only)")
    ap.add_argument("--jobs", help="harness jobs to run (default: all); "
                    "those marked `# xen: patched` also run on xen-patches")
    ap.add_argument("--keep-going", action="store_true",
                    help="run the Xen jobs even if make check failed")
    args = ap.parse_args()
    start = time.time()
    prepare()

    total = Tally()
    total.add(build_and_check("build", ["--enable-werror"], {}))
    san = "-g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined " \
          "-fno-sanitize-recover=undefined"
    total.add(build_and_check("build-asan",
                              ["--enable-werror", f"CFLAGS={san}"],
                              {"ASAN_OPTIONS": "detect_leaks=1"}))
    total.add(distcheck())
    if args.skip_host:
        log("host and xen-patches: skipped (--skip-host)")
    elif total.failed and not args.keep_going:
        log("host and xen-patches: not run, earlier failures "
            "(use --keep-going)")
        total.skipped += 2
    else:
        total.add(paravisor_image())
        # The flights share what is left of RUN_BUDGET (see pvrtest).
        left = RUN_BUDGET - int(time.time() - start)
        total.add(host_tests(args.jobs, timeout=min(
            STOCK_FLIGHT_TIMEOUT, left - PATCHED_RESERVE)))
        left = RUN_BUDGET - int(time.time() - start)
        total.add(xen_patches_tests(args.jobs, min(PATCHED_FLIGHT_TIMEOUT,
                                                   left)))

    for f in total.failures:
        print(f"FAILED: {f}")
    log(f"total time {time.time() - start:.0f} s")
    print(f"{total.passed} passed, {total.failed} failed, "
          f"{total.skipped} skipped")
    return 1 if total.failed else 0


if __name__ == "__main__":
    sys.exit(main())
