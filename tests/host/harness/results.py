# SPDX-License-Identifier: GPL-2.0-only
"""Results written by dom0 (results.jsonl) and what the host makes of them.

dom0 appends one JSON object a line as things happen; the host reads the
file while QEMU runs.  Record types:

    runner-start  {uptime, boot}
    dom0-ready    {uptime, seconds}          Xen services are up
    dom0-failed   {reason}                   they are not; no job runs
    job-start     {job, uptime}
    step-start    {job, step, timeout}       an attempt of it begins
    step          {job, step, status, reason, attempts: [{rc, seconds}],
                   seconds, log}             status: pass|fail|skip|flaky
    figure        {job, name, value, unit, note}   a measured figure
    job-end       {job, rc, seconds}
    runner-end    {uptime}

A job without job-end did not finish (QEMU died, the boot timed out or
dom0 could not start); finish() then adds a failed pseudo-step to it, so
nothing unreported can pass.

When the host is lost under a job (Xen or dom0 hung, or QEMU died), the
harness boots again and runs the job once more: requeue() sets its first
attempt aside, and settle() judges the rerun as a step's own rerun is
judged: passing makes the job FLAKY (a pseudo-step LOST_BOOT), failing
fails it once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

STATUSES = ("pass", "fail", "skip", "flaky")
UNFINISHED = "(unfinished)"
LOST_BOOT = "(lost-boot)"


@dataclass
class Attempt:
    rc: int
    seconds: float


@dataclass
class Step:
    job: str
    name: str
    status: str
    reason: str
    attempts: list[Attempt]
    seconds: float
    log: str = ""


@dataclass
class Job:
    name: str
    steps: list[Step] = field(default_factory=list)
    started: bool = False
    finished: bool = False
    rc: int | None = None
    seconds: float | None = None
    # The steps of an attempt lost with its host, and why it was lost.
    lost_steps: list[Step] = field(default_factory=list)
    lost_why: str = ""

    @property
    def status(self) -> str:
        if any(s.status == "fail" for s in self.steps):
            return "fail"
        if not self.finished:
            return "fail"
        # Later steps build on earlier ones: when the first step skipped,
        # nothing was tested, whatever the --always steps (cleanup,
        # leftover checks) did.
        if self.steps and self.steps[0].status == "skip":
            return "skip"
        return "pass"


@dataclass
class Flight:
    number: int
    jobs: dict[str, Job]
    events: dict[str, dict[str, Any]] = field(default_factory=dict)
    figures: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def create(cls, number: int, jobs: list[str]) -> Flight:
        return cls(number=number, jobs={j: Job(name=j) for j in jobs})

    def _job(self, name: str) -> Job:
        if name not in self.jobs:
            self.jobs[name] = Job(name=name)
        return self.jobs[name]

    def apply(self, rec: dict[str, Any]) -> None:
        """Apply one record from dom0."""
        kind = str(rec.get("type", ""))
        if kind == "step":
            attempts = [Attempt(rc=int(a.get("rc", -1)),
                                seconds=float(a.get("seconds", 0.0)))
                        for a in rec.get("attempts", [])]
            status = str(rec.get("status"))
            reason = str(rec.get("reason", ""))
            if status not in STATUSES:
                reason = f"dom0 reported unknown status {status!r}"
                status = "fail"
            self._job(str(rec.get("job"))).steps.append(Step(
                job=str(rec.get("job")), name=str(rec.get("step")),
                status=status, reason=reason, attempts=attempts,
                seconds=float(rec.get("seconds", 0.0)),
                log=str(rec.get("log", ""))))
        elif kind == "figure":
            self.figures.append({k: rec.get(k) for k in
                                 ("job", "name", "value", "unit", "note")})
        elif kind == "job-start":
            self._job(str(rec.get("job"))).started = True
        elif kind == "job-end":
            job = self._job(str(rec.get("job")))
            job.finished = True
            job.rc = int(rec.get("rc", -1))
            job.seconds = float(rec.get("seconds", 0.0))
        else:
            self.events[kind] = rec

    def malformed(self, line: str) -> None:
        """Count a line dom0 wrote that is not a record as a failure."""
        self._job("(results)").steps.append(Step(
            job="(results)", name="parse", status="fail",
            reason=f"malformed line in results.jsonl: {line[:200]!r}",
            attempts=[], seconds=0.0))
        self.jobs["(results)"].finished = True

    def finish(self, why: str, names: list[str] | None = None) -> list[Job]:
        """Fail every job dom0 did not finish (of `names`, if given);
        return those jobs."""
        unfinished = [j for j in self.jobs.values() if not j.finished
                      and (names is None or j.name in names)
                      and not any(s.name == UNFINISHED for s in j.steps)]
        for job in unfinished:
            where = "while running" if job.started else "before starting"
            job.steps.append(Step(
                job=job.name, name=UNFINISHED, status="fail",
                reason=f"job did not finish, {where}: {why}",
                attempts=[], seconds=0.0))
        return unfinished

    def requeue(self, name: str, why: str) -> bool:
        """Set aside the lost attempt of job `name` so that it can run
        again; False if it was already run again once."""
        job = self.jobs[name]
        if job.lost_why:
            return False
        self.jobs[name] = Job(name=name, lost_steps=job.steps,
                              lost_why=why or "host lost")
        return True

    def settle(self) -> None:
        """Judge the reruns of requeued jobs: a rerun that passed (or
        skipped) gets a FLAKY pseudo-step LOST_BOOT saying why its first
        attempt was lost; the first failure of a rerun that failed says
        it instead, so that a job fails once, as a step rerun does."""
        for job in self.jobs.values():
            if not job.lost_why or any(s.name == LOST_BOOT
                                       for s in job.steps):
                continue
            lost = f"the host was lost under this job's first attempt " \
                   f"({job.lost_why})"
            failed = [s for s in job.steps if s.status == "fail"]
            if failed:
                failed[0].reason = f"{failed[0].reason}; before that, {lost}"
                continue
            job.steps.append(Step(
                job=job.name, name=LOST_BOOT, status="flaky",
                reason=f"{lost}; its rerun on a fresh boot ended "
                       f"{job.status}",
                attempts=[], seconds=0.0))

    def totals(self) -> dict[str, int]:
        counts = {s: 0 for s in STATUSES}
        for job in self.jobs.values():
            for step in job.steps:
                counts[step.status] += 1
        return counts


class ResultsReader:
    """Reads results.jsonl incrementally while dom0 appends to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.partial = b""

    def poll(self, final: bool = False) -> list[dict[str, Any] | str]:
        """Return new records; a str is a malformed line.

        An incomplete last line is kept for later, unless `final`.
        """
        try:
            with self.path.open("rb") as f:
                f.seek(self.offset)
                data = f.read()
        except FileNotFoundError:
            return []
        self.offset += len(data)
        data = self.partial + data
        lines = data.split(b"\n")
        self.partial = lines.pop()
        if final and self.partial:
            lines.append(self.partial)
            self.partial = b""
        out: list[dict[str, Any] | str] = []
        for raw in lines:
            text = raw.decode("utf-8", errors="replace").strip()
            if not text:
                continue
            try:
                rec = json.loads(text)
            except json.JSONDecodeError:
                out.append(text)
                continue
            out.append(rec if isinstance(rec, dict) else text)
        return out
