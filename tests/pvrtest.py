# SPDX-License-Identifier: GPL-2.0-only
"""Shared steps of the README's two commands (tests/run-all, tests/demo):
install from Debian, configure and build, make check, distcheck, and the
real-Xen harness.  Every step logs where its output went."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

TOP = Path(__file__).resolve().parent.parent
BUILD_DEPS = [
    "build-essential", "autoconf", "automake", "libtool", "pkg-config",
    "libxen-dev", "libtpms-dev", "xz-utils",
    "qemu-system-x86", "swtpm", "swtpm-tools", "python3",
]
# Xen's command line for the flight on xen-patches' hypervisor.
XEN_PATCHED_APPEND = "altp2m=1"


@dataclass
class Tally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)

    def add(self, other: "Tally") -> None:
        self.passed += other.passed
        self.failed += other.failed
        self.skipped += other.skipped
        self.failures += other.failures


def log(msg: str) -> None:
    print(f"[{Path(sys.argv[0]).name} {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def run(cmd: list[str], cwd: Path, logfile: Path | None = None,
        env: dict[str, str] | None = None) -> int:
    """Run cmd; with logfile, its output goes there, else to ours."""
    full_env = dict(os.environ, **(env or {}))
    if logfile is None:
        return subprocess.run(cmd, cwd=cwd, env=full_env).returncode
    with logfile.open("w") as f:
        return subprocess.run(cmd, cwd=cwd, env=full_env, stdout=f,
                              stderr=subprocess.STDOUT).returncode


def install_deps() -> None:
    missing = [p for p in BUILD_DEPS
               if subprocess.run(["dpkg-query", "-W", "-f=${Status}", p],
                                 capture_output=True, text=True).stdout
               != "install ok installed"]
    if not missing:
        return
    log(f"installing from Debian: {' '.join(missing)}")
    env = {"DEBIAN_FRONTEND": "noninteractive"}
    if run(["apt-get", "update"], TOP, env=env) or \
       run(["apt-get", "install", "-y", "--no-install-recommends", *missing],
           TOP, env=env):
        sys.exit("run-all: apt-get install failed; see above")


def automake_counts(build: Path, label: str) -> Tally:
    """Counts from the automake test-suite.log of a make check run."""
    t = Tally()
    suite = build / "test-suite.log"
    if not suite.exists():
        t.failed = 1
        t.failures.append(f"{label}: no test-suite.log (build failed?)")
        return t
    for trs in sorted(build.rglob("*.trs")):
        text = trs.read_text()
        m = re.search(r":test-result: (\w+)", text)
        res = m.group(1) if m else "ERROR"
        name = f"{label}: {trs.relative_to(build).with_suffix('')}"
        if res in ("PASS", "XFAIL"):
            t.passed += 1
        elif res == "SKIP":
            t.skipped += 1
        else:
            t.failed += 1
            t.failures.append(name)
    return t


def prepare() -> None:
    """Dependencies and the generated build system."""
    if os.geteuid() != 0:
        sys.exit("run as root: this installs packages from Debian and "
                 "boots Xen under QEMU")
    install_deps()
    if run(["autoreconf", "-fi"], TOP, TOP / "autoreconf.log"):
        sys.exit("autoreconf failed; see autoreconf.log")


def build_and_check(name: str, configure_args: list[str],
                    env: dict[str, str], check: bool = True) -> Tally:
    """Configure and build in TOP/name; with check, also make check."""
    build = TOP / name
    build.mkdir(exist_ok=True)
    logs = build / "run-all-logs"
    logs.mkdir(exist_ok=True)
    t0 = time.time()
    if run([str(TOP / "configure"), *configure_args], build,
           logs / "configure.log", env):
        return Tally(failed=1, failures=[f"{name}: configure (see "
                                         f"{logs}/configure.log)"])
    jobs = str(os.cpu_count() or 2)
    if run(["make", f"-j{jobs}"], build, logs / "make.log", env):
        return Tally(failed=1, failures=[f"{name}: make (see "
                                         f"{logs}/make.log)"])
    if not check:
        log(f"{name}: built ({time.time() - t0:.0f} s)")
        return Tally()
    run(["make", f"-j{jobs}", "check"], build, logs / "check.log", env)
    t = automake_counts(build, name)
    log(f"{name}: make check: {t.passed} passed, {t.failed} failed, "
        f"{t.skipped} skipped ({time.time() - t0:.0f} s)")
    for f in t.failures:
        log(f"  FAIL {f}")
    return t


def distcheck() -> Tally:
    build = TOP / "build"
    t0 = time.time()
    rc = run(["make", f"-j{os.cpu_count() or 2}", "distcheck"], build,
             build / "run-all-logs" / "distcheck.log")
    log(f"make distcheck: {'pass' if rc == 0 else 'FAIL'} "
        f"({time.time() - t0:.0f} s)")
    if rc:
        return Tally(failed=1, failures=["make distcheck (see build/"
                                         "run-all-logs/distcheck.log)"])
    return Tally(passed=1)


# Flight timeouts (--timeout).  run-all must end inside CI's 90 minutes,
# so run_all.py gives the two flights what RUN_BUDGET leaves after the
# builds, up to these caps, and keeps PATCHED_RESERVE of it for the
# patched flight.  Debian's Xen runs every job: about 50 minutes on an
# idle machine (pvxl-pairs' 20 cycles take 14, nvme-linux 7, each other
# Linux HVM boot 3).  The patched flight runs only the `# xen: patched`
# jobs: about 11 minutes.
RUN_BUDGET = 84 * 60
STOCK_FLIGHT_TIMEOUT = 4200
PATCHED_FLIGHT_TIMEOUT = 1800
PATCHED_RESERVE = 1080


def flight_tally(data: dict[str, Any], label: str) -> Tally:
    """The counts of a harness summary.json."""
    t = Tally()
    for job in data.get("jobs", []):
        for step in job.get("steps", []):
            status = step.get("status")
            if status in ("pass", "flaky"):
                t.passed += 1
            elif status == "skip":
                t.skipped += 1
            elif status == "fail":
                t.failed += 1
                why = " ".join(str(step.get("reason", "")).split())
                if len(why) > 160:
                    why = why[:157] + "..."
                t.failures.append(f"{label}: {job['name']}/{step['name']}"
                                  + (f": {why}" if why else ""))
    return t


def host_tests(jobs: str | None, out: Path | None = None,
               xen: Path | None = None, xen_append: str = "",
               label: str = "host",
               timeout: int = STOCK_FLIGHT_TIMEOUT) -> Tally:
    """Stage build/ and run the harness; counts from its summary.json.
    With xen, the harness boots that hypervisor (with xen_append on its
    command line) instead of Debian's.

    When Xen or dom0 hangs, or Xen panics (under TCG we have seen it
    fault in svm_vmexit_handler with dom0 current, an emulator state no
    guest can reach on hardware), the harness itself boots again and
    runs the lost job once more (tests/host/README, "Lost boots")."""
    build = TOP / "build"
    stage = build / "host-stage"
    out = out or build / "host-results"
    if run(["make", "stage-host", f"STAGEDIR={stage}"], build,
           build / "run-all-logs" / "stage.log"):
        return Tally(failed=1, failures=["make stage-host"])
    t0 = time.time()
    data, rc = _flight(stage, out, jobs, xen, xen_append, timeout)
    t = flight_tally(data, label)
    if rc != 0 and t.failed == 0:
        t.failed = 1
        t.failures.append(f"{label}: harness exited {rc}")
    log(f"{label}: {t.passed} passed, {t.failed} failed, {t.skipped} "
        f"skipped ({time.time() - t0:.0f} s)")
    return t


def _flight(stage: Path, out: Path, jobs: str | None, xen: Path | None,
            xen_append: str, timeout: int) -> tuple[dict[str, Any], int]:
    """One harness run: its summary.json (empty if none) and exit status."""
    cmd = [sys.executable, str(TOP / "tests" / "host" / "run"),
           "--stage", str(stage), "--out", str(out),
           "--timeout", str(timeout)]
    if jobs:
        cmd += ["--jobs", jobs]
    if xen is not None:
        cmd += ["--xen", str(xen), "--xen-append", xen_append]
    rc = run(cmd, TOP)
    summary = out / "summary.json"
    if not summary.exists():
        return {}, rc
    data: dict[str, Any] = json.loads(summary.read_text())
    return data, rc


def patched_jobs() -> list[str]:
    """Harness jobs whose opening comment says `# xen: patched`: they need
    xen-patches (and skip on Debian's Xen)."""
    jobs = []
    for path in sorted((TOP / "tests" / "host" / "jobs").glob("*.sh")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            if re.fullmatch(r"#\s*xen:\s*patched\s*", line):
                jobs.append(path.stem)
                break
    return jobs


def build_patched_xen() -> tuple[Tally, Path | None]:
    """xen-patches/build, counted as one step; returns the xen.gz path."""
    logfile = TOP / "build" / "run-all-logs" / "xen-patches.log"
    t0 = time.time()
    with logfile.open("w") as f:
        r = subprocess.run([sys.executable, str(TOP / "xen-patches" / "build")],
                           cwd=TOP, stdout=subprocess.PIPE, stderr=f,
                           text=True)
    secs = time.time() - t0
    lines = r.stdout.strip().splitlines()
    xen = Path(lines[-1]) if r.returncode == 0 and lines else None
    text = logfile.read_text(encoding="utf-8", errors="replace")
    if xen is None or not xen.is_file():
        why = (text.strip().splitlines() or ["no output"])[-1]
        log(f"xen-patches: build FAIL ({secs:.0f} s): {why}")
        return Tally(failed=1, failures=[f"xen-patches/build (see "
                                         f"{logfile})"]), None
    how = "cached" if re.search(r"\] cached$", text, re.M) else "built"
    log(f"xen-patches: build pass ({secs:.0f} s, {how}): {xen}")
    return Tally(passed=1), xen


def xen_patches_tests(jobs: str | None,
                      timeout: int = PATCHED_FLIGHT_TIMEOUT) -> Tally:
    """Build the patched Xen and run the jobs marked `# xen: patched` (of
    `jobs`, if given) on it, booted with XEN_PATCHED_APPEND, in at most
    timeout seconds from the start of the build."""
    t0 = time.time()
    marked = patched_jobs()
    if jobs:
        wanted = [j.strip() for j in jobs.split(",")]
        marked = [j for j in marked if j in wanted]
    if not marked:
        log("xen-patches: no selected job says '# xen: patched'; not run")
        return Tally()
    t, xen = build_patched_xen()
    if xen is None:
        log("xen-patches: host flight skipped (the build failed)")
        t.skipped += 1
        return t
    t.add(host_tests(",".join(marked),
                     TOP / "build" / "host-results-xen-patches", xen,
                     XEN_PATCHED_APPEND, "host (xen-patches)",
                     timeout - int(time.time() - t0)))
    return t


