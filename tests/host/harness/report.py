# SPDX-License-Identifier: GPL-2.0-only
"""OSSTest-style report lines on stdout, and OUT/summary.json."""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from .results import Flight, Job, Step

REASON_MAX = 300


def _say(line: str) -> None:
    print(line, flush=True)
    sys.stdout.flush()


def _short(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) > REASON_MAX:
        reason = reason[:REASON_MAX - 3] + "..."
    return reason


def step_line(flight: int, step: Step) -> str:
    head = f"flight {flight} job {step.job} step {step.name}"
    n = len(step.attempts)
    tries = f"{n} attempts, " if n > 1 else ""
    if step.status == "pass":
        tail = f"pass ({tries}{step.seconds:.1f} s)"
    elif step.status == "skip":
        tail = f"skip ({_short(step.reason)})"
    elif step.status == "flaky":
        tail = (f"FLAKY (failed once: {_short(step.reason)}; "
                f"{tries}{step.seconds:.1f} s)")
    else:
        tail = f"fail ({_short(step.reason)}; {tries}{step.seconds:.1f} s)"
    return f"{head}: {tail}"


def job_line(flight: int, job: Job) -> str:
    secs = f", {job.seconds:.1f} s" if job.seconds is not None else ""
    n = len(job.steps)
    why = (f": {job.steps[0].reason}"
           if job.status == "skip" and job.steps[0].reason else "")
    return (f"flight {flight} job {job.name}: {job.status}{why} "
            f"({n} step{'' if n == 1 else 's'}{secs})")


def say_step(flight: int, step: Step) -> None:
    _say(step_line(flight, step))


def say_job(flight: int, job: Job) -> None:
    _say(job_line(flight, job))


def say(flight: int, text: str) -> None:
    _say(f"flight {flight} {text}")


def say_phase(flight: int, phase: str, seconds: float, note: str = "") -> None:
    extra = f" ({note})" if note else ""
    _say(f"flight {flight} phase {phase}: {seconds:.1f} s{extra}")


def say_figure(flight: int, fig: dict[str, Any]) -> None:
    note = f" ({fig['note']})" if fig.get("note") else ""
    _say(f"flight {flight} job {fig['job']} figure {fig['name']}: "
         f"{fig['value']} {fig['unit']}{note}")


def say_totals(totals: dict[str, int]) -> None:
    _say(f"host: {totals['pass']} passed, {totals['fail']} failed, "
         f"{totals['skip']} skipped, {totals['flaky']} flaky")


def write_summary(path: Path, flight: Flight, extra: dict[str, Any]) -> None:
    """Write the machine-readable summary of the flight to `path`."""
    jobs = []
    for job in flight.jobs.values():
        jobs.append({
            "name": job.name, "status": job.status,
            "finished": job.finished, "rc": job.rc, "seconds": job.seconds,
            "steps": [asdict(s) for s in job.steps],
            "lost_why": job.lost_why,
            "lost_steps": [asdict(s) for s in job.lost_steps],
        })
    data = {"flight": flight.number, **extra, "jobs": jobs,
            "events": flight.events, "figures": flight.figures,
            "totals": flight.totals()}
    tmp = path.with_name(path.name + ".new")
    tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    tmp.replace(path)
