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
from dataclasses import dataclass
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
# dom0 writes its uptime to results' sibling `heartbeat` every 10 s; this
# long without a change means the host is lost.  Under TCG with two busy
# HVM guests dom0 still gets a vCPU every few seconds.
HEARTBEAT_LIMIT = 180
STEP_KILL_GRACE = 10        # lib/steps.sh: SIGTERM, 5 s, SIGKILL
RETRY_HOOK_GRACE = 300      # a --on-retry hook (destroy guests, ...)
# A boot lost under a job is followed by another for the jobs left, if
# this much of --timeout remains.
REBOOT_MIN_SECONDS = 300
MAX_BOOTS = 4


def available_jobs(kind: str = "jobs") -> list[str]:
    """The jobs of tests/host/jobs (the test command's) or benches."""
    return sorted(p.stem for p in (HOST_DIR / kind).glob("*.sh"))


def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="tests/host/run",
        description="Boot Xen and a Debian dom0 under QEMU and run jobs "
                    "in dom0.")
    p.add_argument("--stage", type=Path,
                   help="directory with bin/ and guest/ for the payload")
    p.add_argument("--jobs",
                   help="comma-separated jobs (default: all of "
                        "tests/host/jobs, or none with --bench)")
    p.add_argument("--bench",
                   help="comma-separated benchmark jobs of "
                        "tests/host/benches to run (after --jobs)")
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


def select_jobs(spec: str | None, kind: str = "jobs") -> list[str]:
    known = available_jobs(kind)
    if spec is None:
        return known
    jobs = [j.strip() for j in spec.split(",") if j.strip()]
    option = "--bench" if kind == "benches" else "--jobs"
    for j in jobs:
        if not JOB_NAME.match(j) or j not in known:
            raise HarnessError(f"{option}: unknown job {j!r}; they are: "
                               + ", ".join(known))
    if not jobs:
        raise HarnessError(f"{option} names no job")
    return jobs


def prepare_out(out: Path) -> None:
    """Create OUT and remove what an earlier run of ours left in it."""
    out.mkdir(parents=True, exist_ok=True)
    for name in OUT_FILES:
        (out / name).unlink(missing_ok=True)
    for pattern in ("serial-[0-9]*.log", "qemu-[0-9]*.log"):
        for f in out.glob(pattern):
            f.unlink()
    for name in OUT_DIRS:
        if (out / name).is_dir():
            shutil.rmtree(out / name)
    for d in out.glob("dom0-[0-9]*"):
        shutil.rmtree(d)


class Monitor:
    """Reports dom0's records as they arrive while QEMU runs, and tells
    when the host is lost: dom0's heartbeat stops (Xen or dom0 hung), or
    a step outlives what its own timeouts allow (dom0 could not kill it).
    """

    def __init__(self, flight: Flight, results: Path,
                 boot_timeout: float, suffix: str = "") -> None:
        self.flight = flight
        self.suffix = suffix
        self.boot_timeout = boot_timeout
        self.reader = ResultsReader(results)
        self.heartbeat_file = results.with_name("heartbeat")
        self.start = time.monotonic()
        self.ready_at: float | None = None
        self.end_at: float | None = None
        self.heartbeat = ""
        self.heartbeat_at = self.start
        self.step: tuple[str, str, float] | None = None   # job, step, end
        self.lost: str | None = None

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
        if self.ready_at is not None and self.end_at is None:
            self.lost = self._lost(now)
            return self.lost
        return None

    def _lost(self, now: float) -> str | None:
        try:
            beat = self.heartbeat_file.read_text(errors="replace").strip()
        except OSError:
            beat = ""
        if beat and beat != self.heartbeat:
            self.heartbeat, self.heartbeat_at = beat, now
        if now - self.heartbeat_at > HEARTBEAT_LIMIT:
            return (f"host lost: no heartbeat from dom0 for "
                    f"{now - self.heartbeat_at:.0f} s (last at dom0 uptime "
                    f"{self.heartbeat or '?'} s): Xen or dom0 hung")
        if self.step is not None and now > self.step[2]:
            return (f"host lost: job {self.step[0]} step {self.step[1]} "
                    "outlived both attempts' timeouts; dom0 could not end "
                    "it")
        return None

    def read(self, final: bool = False) -> None:
        n = self.flight.number
        for rec in self.reader.poll(final):
            if isinstance(rec, str):
                self.flight.malformed(rec)
                report.say_step(n, self.flight.jobs["(results)"].steps[-1])
                continue
            kind = rec.get("type")
            if kind == "step-start":
                self.step = (str(rec.get("job")), str(rec.get("step")),
                             time.monotonic() + step_allowance(rec))
                continue
            self.flight.apply(rec)
            if kind == "dom0-ready":
                self.ready_at = time.monotonic()
                report.say_phase(n, "boot" + self.suffix,
                                 self.ready_at - self.start,
                                 f"dom0 ready, dom0 uptime "
                                 f"{rec.get('uptime')} s")
            elif kind == "dom0-failed":
                self.end_at = time.monotonic()
                report.say(n, f"dom0 setup failed: {rec.get('reason')}")
            elif kind == "step":
                self.step = None
                job = self.flight.jobs[str(rec.get("job"))]
                report.say_step(n, job.steps[-1])
            elif kind == "figure":
                report.say_figure(n, self.flight.figures[-1])
            elif kind == "job-end":
                report.say_job(n, self.flight.jobs[str(rec.get("job"))])
            elif kind == "runner-end":
                self.end_at = time.monotonic()


def step_allowance(rec: dict[str, Any]) -> float:
    """Seconds a step may take before the host calls itself lost: both
    attempts to their timeout, dom0's kill grace, and the retry hook."""
    try:
        timeout = float(rec.get("timeout", DEFAULT_STEP_TIMEOUT))
    except (TypeError, ValueError):
        timeout = DEFAULT_STEP_TIMEOUT
    return 2 * (timeout + STEP_KILL_GRACE) + RETRY_HOOK_GRACE


def _fail_shutdown(flight: Flight, reason: str) -> None:
    job = flight.jobs.setdefault("(harness)", Job(name="(harness)"))
    job.finished = True
    job.steps.append(Step(job=job.name, name="shutdown", status="fail",
                          reason=reason, attempts=[], seconds=0.0))
    report.say_step(flight.number, job.steps[-1])


@dataclass
class BootEnd:
    """How one boot of QEMU ended."""
    info: dict[str, Any]        # for summary.json's "boots"
    lost: str | None            # the host was lost under the jobs: why
    unfinished: list[str]       # its jobs without a job-end


def _boot(args: argparse.Namespace, flight: Flight, im: images.Images,
          pl: payload.Payload, out: Path, phases: dict[str, float],
          boot: int, jobs: list[str], timeout: float) -> BootEnd:
    """Boot QEMU once and run `jobs` (pl's run.conf names them) until the
    runner ends, the host is lost or `timeout` seconds pass."""
    suffix = "" if boot == 1 else f"-{boot}"
    serial = out / f"serial{suffix}.log"
    xen = im.xen if args.xen is None else out / "xen"
    cfg = qemu.BootConfig(images=im, payload=pl, xen=xen,
                          xen_append=args.xen_append,
                          serial_log=serial,
                          qemu_log=out / f"qemu{suffix}.log",
                          memory_mib=args.memory,
                          dom0_mib=args.dom0_memory, smp=2)
    flight.events = {}
    mon = Monitor(flight, pl.out / "results.jsonl", args.boot_timeout,
                  suffix)
    res = qemu.run(cfg, timeout, mon.poll)
    mon.read(final=True)
    n = flight.number
    ev = flight.events
    if mon.ready_at is not None:
        phases["boot" + suffix] = mon.ready_at - mon.start
        if "runner-end" in ev:
            # dom0's own clock; the host sees records only twice a second.
            phases["jobs" + suffix] = (
                float(ev["runner-end"].get("uptime", 0))
                - float(ev["dom0-ready"].get("uptime", 0)))
            phases["shutdown" + suffix] = max(
                0.0, res.seconds - phases["boot" + suffix]
                - phases["jobs" + suffix])
        else:
            phases["jobs" + suffix] = time.monotonic() - mon.ready_at
        report.say_phase(n, "jobs" + suffix, phases["jobs" + suffix])
    if "shutdown" + suffix in phases:
        report.say_phase(n, "shutdown" + suffix, phases["shutdown" + suffix],
                         res.describe())
    else:
        report.say(n, res.describe())
    lost = None
    if mon.ready_at is not None and mon.end_at is None:
        # Stopped for a lost host, or QEMU exited on its own: Xen
        # panicked or reset (-no-reboot turns a reset into an exit).
        if mon.lost:
            lost = mon.lost
        elif res.stopped is None:
            lost = f"host lost: {res.describe()} before the runner ended"
    unfinished = [j for j in jobs if not flight.jobs[j].finished]
    clean = (mon.end_at is not None and res.stopped is None
             and res.returncode == 0)
    tail = ""
    if unfinished or not clean:
        tail = log_tail(serial, SERIAL_TAIL_LINES)
        report.say(n, f"serial log tail ({serial}):")
        for line in tail.splitlines():
            print(f"    {line}")
    info = {"boot": boot, "jobs": jobs, "lost": lost,
            "qemu": {"returncode": res.returncode, "stopped": res.stopped,
                     "seconds": res.seconds, "describe": res.describe()},
            "clean": clean, "runner_ended": mon.end_at is not None,
            "events": ev, "serial_tail": tail}
    return BootEnd(info=info, lost=lost, unfinished=unfinished)


def _boots(args: argparse.Namespace, flight: Flight, im: images.Images,
           pl: payload.Payload, out: Path,
           phases: dict[str, float]) -> dict[str, Any]:
    """Boot until every job ran: after a boot lost under a job, boot
    again (within --timeout) for that job, run once more, and the jobs
    that had not started.  A job lost twice fails."""
    deadline = time.monotonic() + args.timeout
    n = flight.number
    boots: list[dict[str, Any]] = []
    boot = 1
    jobs = list(flight.jobs)
    while True:
        end = _boot(args, flight, im, pl, out, phases, boot, jobs,
                    deadline - time.monotonic())
        boots.append(end.info)
        left = deadline - time.monotonic()
        if (end.lost is None or not end.unfinished or boot >= MAX_BOOTS
                or left < REBOOT_MIN_SECONDS):
            break
        again = []
        for name in end.unfinished:
            if flight.jobs[name].started:
                if not flight.requeue(name, end.lost):
                    flight.finish(f"{end.lost}, in its rerun too", [name])
                    report.say_job(n, flight.jobs[name])
                    continue
            again.append(name)
        if not again:
            break
        report.say(n, f"{end.lost}; boot {boot + 1} runs again: "
                      f"{' '.join(again)}")
        boot += 1
        jobs = again
        pl = payload.next_boot(pl, out / f"dom0-{boot}", jobs, boot)
    last = boots[-1]
    why = str(last["qemu"]["describe"])
    if last["lost"]:
        why = f"{last['lost']} ({why})"
    elif "dom0-ready" not in last["events"]:
        why = f"dom0 never became ready ({why})"
    if "dom0-failed" in last["events"]:
        why = ("dom0 setup failed: "
               + str(last["events"]["dom0-failed"].get("reason", "")))
    unfinished = flight.finish(why)
    flight.settle()
    for job in unfinished:
        report.say_step(n, job.steps[-1])
        report.say_job(n, job)
    for job in flight.jobs.values():
        if job.lost_why:
            report.say_step(n, job.steps[-1] if job.status != "fail" else
                            next(s for s in job.steps if s.status == "fail"))
    if not unfinished and not last["clean"] and not last["lost"]:
        if not last["runner_ended"]:
            why = f"dom0 runner did not end ({why})"
        _fail_shutdown(flight, why)
    return {"qemu": last["qemu"], "serial_tail": last["serial_tail"],
            "boots": boots}


def _run(args: argparse.Namespace, extra: dict[str, Any]) -> Flight:
    if os.geteuid() != 0:
        raise HarnessError("must run as root (mmdebstrap, chroot, apt)")
    if args.stage is not None and not args.stage.is_dir():
        raise HarnessError(f"--stage {args.stage}: not a directory")
    if args.xen is not None and not args.xen.is_file():
        raise HarnessError(f"--xen {args.xen}: no such file; build one "
                           "with xen-patches/build")
    jobs = (select_jobs(args.jobs) if args.jobs or not args.bench
            else [])
    benches = select_jobs(args.bench, "benches") if args.bench else []
    jobs += benches
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
    pl = payload.assemble(out, args.stage, im, jobs, benches, {
        "PVR_FLIGHT": str(number),
        "PVR_STEP_TIMEOUT": str(args.step_timeout),
        "PVR_XEN_FILE": xen_name,
        "PVR_XEN_APPEND": args.xen_append,
    })
    phases["payload"] = time.monotonic() - t

    extra.update(_boots(args, flight, im, pl, out, phases))
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
