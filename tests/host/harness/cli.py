# SPDX-License-Identifier: GPL-2.0-only
"""tests/host/run: the command line and the order of the phases.

Phases: install (host packages), tree (mmdebstrap, cached), images
(cached), payload, boot (QEMU start to dom0 ready), jobs (inside dom0),
shutdown.  Exit status: 0 if no step failed, 1 if one did, 2 if the
harness itself could not run.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

from . import hostdeps, images, payload, qemu, report, tree
from .cache import next_flight
from .proc import HarnessError, log_tail
from .results import Flight, Job, ResultsReader, Step

HOST_DIR = Path(__file__).resolve().parent.parent
JOB_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
OUT_FILES = ("summary.json", "serial.log", "qemu.log", "build.log",
             "install.log", "xen")
OUT_DIRS = ("payload", "dom0")
SERIAL_TAIL_LINES = 40
DEFAULT_TIMEOUT = 2400
DEFAULT_STEP_TIMEOUT = 600
DEFAULT_BOOT_TIMEOUT = 300
SHUTDOWN_GRACE = 60


def available_jobs() -> list[str]:
    return sorted(p.stem for p in (HOST_DIR / "jobs").glob("*.sh"))


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="tests/host/run",
        description="Boot Xen and a Debian dom0 under QEMU and run jobs "
                    "in dom0.")
    p.add_argument("--stage", type=Path,
                   help="directory with bin/ and guest/ for the payload")
    p.add_argument("--jobs",
                   help="comma-separated jobs (default: all of "
                        "tests/host/jobs)")
    p.add_argument("--cache", type=Path,
                   default=Path(os.environ.get("PVR_CACHE",
                                               "/var/cache/pvdomain")),
                   help="cache directory (default: $PVR_CACHE or "
                        "/var/cache/pvdomain)")
    p.add_argument("--out", type=Path, default=Path("host-results"),
                   help="results and logs (default: ./host-results)")
    p.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT,
                   help="seconds for the whole boot, jobs included "
                        f"(default: {DEFAULT_TIMEOUT})")
    p.add_argument("--boot-timeout", type=float,
                   default=DEFAULT_BOOT_TIMEOUT,
                   help="seconds from QEMU start to dom0 ready "
                        f"(default: {DEFAULT_BOOT_TIMEOUT})")
    p.add_argument("--step-timeout", type=int, default=DEFAULT_STEP_TIMEOUT,
                   help="default seconds per step attempt "
                        f"(default: {DEFAULT_STEP_TIMEOUT})")
    p.add_argument("--memory", type=int, default=3072,
                   help="QEMU memory in MiB (default: 3072)")
    p.add_argument("--dom0-memory", type=int, default=1024,
                   help="dom0 memory in MiB (default: 1024)")
    p.add_argument("--xen", type=Path, metavar="FILE",
                   help="boot this hypervisor (xen.gz or an uncompressed "
                        "xen) instead of Debian's, e.g. the one "
                        "xen-patches/build made")
    p.add_argument("--xen-append", default="", metavar="ARGS",
                   help="append ARGS to Xen's command line")
    p.add_argument("--dom0-package", action="append", default=[],
                   metavar="PKG", help="extra Debian package for dom0")
    return p.parse_args(argv)


def select_jobs(spec: str | None) -> list[str]:
    known = available_jobs()
    if spec is None:
        return known
    jobs = [j.strip() for j in spec.split(",") if j.strip()]
    for j in jobs:
        if not JOB_NAME.match(j) or j not in known:
            raise HarnessError(f"unknown job {j!r}; jobs are: "
                               + ", ".join(known))
    if not jobs:
        raise HarnessError("--jobs names no job")
    return jobs


def prepare_out(out: Path) -> None:
    """Create OUT and remove what an earlier run of ours left in it."""
    out.mkdir(parents=True, exist_ok=True)
    for name in OUT_FILES:
        (out / name).unlink(missing_ok=True)
    for name in OUT_DIRS:
        if (out / name).is_dir():
            shutil.rmtree(out / name)


class Monitor:
    """Reports dom0's records as they arrive while QEMU runs."""

    def __init__(self, flight: Flight, results: Path,
                 boot_timeout: float) -> None:
        self.flight = flight
        self.boot_timeout = boot_timeout
        self.reader = ResultsReader(results)
        self.start = time.monotonic()
        self.ready_at: float | None = None
        self.end_at: float | None = None

    def poll(self, elapsed: float) -> str | None:
        """Report new records; return a reason to stop QEMU, if any."""
        self.read()
        now = time.monotonic()
        if self.ready_at is None and elapsed > self.boot_timeout:
            return (f"dom0 not ready after {self.boot_timeout:.0f} s "
                    "(--boot-timeout)")
        if self.end_at is not None and now - self.end_at > SHUTDOWN_GRACE:
            return (f"still running {SHUTDOWN_GRACE} s after the runner "
                    "ended")
        return None

    def read(self, final: bool = False) -> None:
        n = self.flight.number
        for rec in self.reader.poll(final):
            if isinstance(rec, str):
                self.flight.malformed(rec)
                report.say_step(n, self.flight.jobs["(results)"].steps[-1])
                continue
            self.flight.apply(rec)
            kind = rec.get("type")
            if kind == "dom0-ready":
                self.ready_at = time.monotonic()
                report.say_phase(n, "boot", self.ready_at - self.start,
                                 f"dom0 ready, dom0 uptime "
                                 f"{rec.get('uptime')} s")
            elif kind == "dom0-failed":
                self.end_at = time.monotonic()
                report.say(n, f"dom0 setup failed: {rec.get('reason')}")
            elif kind == "step":
                job = self.flight.jobs[str(rec.get("job"))]
                report.say_step(n, job.steps[-1])
            elif kind == "figure":
                report.say_figure(n, self.flight.figures[-1])
            elif kind == "job-end":
                report.say_job(n, self.flight.jobs[str(rec.get("job"))])
            elif kind == "runner-end":
                self.end_at = time.monotonic()


def _fail_shutdown(flight: Flight, reason: str) -> None:
    job = flight.jobs.setdefault("(harness)", Job(name="(harness)"))
    job.finished = True
    job.steps.append(Step(job=job.name, name="shutdown", status="fail",
                          reason=reason, attempts=[], seconds=0.0))
    report.say_step(flight.number, job.steps[-1])


def _boot(args: argparse.Namespace, flight: Flight, im: images.Images,
          pl: payload.Payload, out: Path,
          phases: dict[str, float]) -> dict[str, Any]:
    xen = im.xen if args.xen is None else out / "xen"
    cfg = qemu.BootConfig(images=im, payload=pl, xen=xen,
                          xen_append=args.xen_append,
                          serial_log=out / "serial.log",
                          qemu_log=out / "qemu.log",
                          memory_mib=args.memory,
                          dom0_mib=args.dom0_memory, smp=2)
    mon = Monitor(flight, pl.out / "results.jsonl", args.boot_timeout)
    res = qemu.run(cfg, args.timeout, mon.poll)
    mon.read(final=True)
    n = flight.number
    ev = flight.events
    if mon.ready_at is not None:
        phases["boot"] = mon.ready_at - mon.start
        if "runner-end" in ev:
            # dom0's own clock; the host sees records only twice a second.
            phases["jobs"] = (float(ev["runner-end"].get("uptime", 0))
                              - float(ev["dom0-ready"].get("uptime", 0)))
            phases["shutdown"] = max(0.0, res.seconds - phases["boot"]
                                     - phases["jobs"])
        else:
            phases["jobs"] = time.monotonic() - mon.ready_at
        report.say_phase(n, "jobs", phases["jobs"])
    if "shutdown" in phases:
        report.say_phase(n, "shutdown", phases["shutdown"], res.describe())
    else:
        report.say(n, res.describe())
    unfinished = flight.finish(res.describe())
    for job in unfinished:
        report.say_step(n, job.steps[-1])
        report.say_job(n, job)
    clean = (mon.end_at is not None and res.stopped is None
             and res.returncode == 0)
    if not unfinished and not clean:
        why = res.describe()
        if mon.end_at is None:
            why = f"dom0 runner did not end ({why})"
        _fail_shutdown(flight, why)
    tail = ""
    if unfinished or not clean:
        tail = log_tail(out / "serial.log", SERIAL_TAIL_LINES)
        report.say(n, f"serial log tail ({out / 'serial.log'}):")
        for line in tail.splitlines():
            print(f"    {line}")
    return {"qemu": {"returncode": res.returncode,
                     "stopped": res.stopped, "seconds": res.seconds},
            "serial_tail": tail}


def _run(args: argparse.Namespace, extra: dict[str, Any]) -> Flight:
    if os.geteuid() != 0:
        raise HarnessError("must run as root (mmdebstrap, chroot, apt)")
    if args.stage is not None and not args.stage.is_dir():
        raise HarnessError(f"--stage {args.stage}: not a directory")
    if args.xen is not None and not args.xen.is_file():
        raise HarnessError(f"--xen {args.xen}: no such file; build one "
                           "with xen-patches/build")
    jobs = select_jobs(args.jobs)
    out = args.out.resolve()
    prepare_out(out)
    cache_dir = args.cache.resolve()
    number = next_flight(cache_dir)
    flight = Flight.create(number, jobs)
    extra["flight"] = number
    phases: dict[str, float] = {}
    extra["phases"] = phases
    report.say(number, f"jobs {' '.join(jobs)}; out {out}; "
                       f"cache {cache_dir}")

    t = time.monotonic()
    installed = hostdeps.ensure(out / "install.log")
    phases["install"] = time.monotonic() - t
    report.say_phase(number, "install", phases["install"],
                     "installed " + " ".join(installed) if installed
                     else "nothing to install")

    t = time.monotonic()
    tr = tree.ensure(cache_dir, args.dom0_package, out / "build.log")
    phases["tree"] = time.monotonic() - t
    report.say_phase(number, "tree", phases["tree"],
                     f"built {tr.entry.name}" if tr.built
                     else f"cached {tr.entry.name}")

    t = time.monotonic()
    im = images.ensure(cache_dir, tr, out / "build.log")
    phases["images"] = time.monotonic() - t
    manifest = im.manifest()
    extra["images"] = {"entry": str(im.entry), "built": im.built,
                       "tree_built": tr.built, **manifest}
    report.say_phase(number, "images", phases["images"],
                     f"{'built' if im.built else 'cached'} {im.entry.name}; "
                     f"Xen {manifest['xen']}, Linux {manifest['kernel']}")

    xen_name = str(manifest["xen"])
    if args.xen is not None:
        _install_xen(args.xen, out / "xen")
        xen_name = str(args.xen.resolve())
        report.say(number, f"booting {xen_name}, not Debian's Xen")
    extra["xen"] = {"file": xen_name, "append": args.xen_append}

    t = time.monotonic()
    pl = payload.assemble(out, args.stage, im, jobs, {
        "PVR_FLIGHT": str(number),
        "PVR_STEP_TIMEOUT": str(args.step_timeout),
        "PVR_XEN_FILE": xen_name,
        "PVR_XEN_APPEND": args.xen_append,
    })
    phases["payload"] = time.monotonic() - t

    extra.update(_boot(args, flight, im, pl, out, phases))
    return flight


def _install_xen(src: Path, dest: Path) -> None:
    """Copy `src` to `dest` uncompressed: QEMU's multiboot loader takes
    an ELF, not the xen.gz that Xen's build and Debian install."""
    with src.open("rb") as f:
        gz = f.read(2) == b"\x1f\x8b"
    try:
        with (gzip.open(src, "rb") if gz else src.open("rb")) as fin, \
                dest.open("wb") as fout:
            shutil.copyfileobj(fin, fout)
    except (OSError, EOFError) as e:
        raise HarnessError(f"--xen {src}: cannot read it: {e}") from e


def _interrupted(signum: int, _frame: object) -> None:
    raise HarnessError(f"interrupted by {signal.Signals(signum).name}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, _interrupted)
    start = time.monotonic()
    extra: dict[str, Any] = {"started": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
    out = args.out.resolve()
    try:
        flight = _run(args, extra)
    except HarnessError as e:
        print(f"host: harness error: {e}", flush=True)
        extra["harness_error"] = str(e)
        if out.parent.is_dir():
            out.mkdir(exist_ok=True)
            report.write_summary(out / "summary.json",
                                 Flight.create(int(extra.get("flight", 0)),
                                               []),
                                 {**extra, "exit_status": 2})
        return 2
    extra["phases"]["total"] = time.monotonic() - start
    for job in flight.jobs.values():
        if job.finished and job.seconds is not None:
            extra["phases"][f"job {job.name}"] = job.seconds
    totals = flight.totals()
    status = 1 if totals["fail"] else 0
    report.write_summary(out / "summary.json", flight,
                         {**extra, "exit_status": status})
    report.say_phase(flight.number, "total", extra["phases"]["total"])
    report.say_totals(totals)
    return status
