#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Unit test of the harness's boot loop (tests/host/harness/cli.py): a
host lost under a job (heartbeat stopped, a step past its bound, QEMU
gone) is followed by another boot that runs the job again; a rerun that
passes is FLAKY, a job lost twice fails, and --timeout ends it all.

QEMU is replaced by a script of dom0's records; nothing boots.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import unittest
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.dont_write_bytecode = True
sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import cli, payload, qemu  # noqa: E402
from harness.results import LOST_BOOT, UNFINISHED, Flight  # noqa: E402

# One boot's script: records to write, then how QEMU ends: "exit" (the
# runner ended, QEMU exits 0), "hang" (nothing more; the heartbeat
# stops), "panic" (QEMU exits 1 at once) or "stuck-step" (heartbeat
# goes on, the step never ends).
Script = tuple[list[dict[str, Any]], str]


def ready() -> list[dict[str, Any]]:
    return [{"type": "runner-start", "uptime": "1.00"},
            {"type": "dom0-ready", "uptime": "2.00", "seconds": "1.00"}]


def job_ok(name: str, timeout: float = 0.2) -> list[dict[str, Any]]:
    return [{"type": "job-start", "job": name, "uptime": "3.00"},
            {"type": "step-start", "job": name, "step": "s",
             "timeout": timeout},
            {"type": "step", "job": name, "step": "s", "status": "pass",
             "reason": "", "attempts": [{"rc": 0, "seconds": 1.0}],
             "seconds": 1.0, "log": ""},
            {"type": "job-end", "job": name, "rc": 0, "seconds": 1.0}]


def job_lost(name: str, timeout: float = 0.2) -> list[dict[str, Any]]:
    return job_ok(name, timeout)[:2]


END = [{"type": "runner-end", "uptime": "9.00"}]


class FakeQemu:
    """Plays one script per boot in place of qemu.run."""

    def __init__(self, scripts: list[Script]) -> None:
        self.scripts = scripts
        self.confs: list[str] = []

    def run(self, cfg: qemu.BootConfig, timeout: float,
            on_poll: Callable[[float], str | None]) -> qemu.QemuResult:
        records, ending = self.scripts.pop(0)
        self.confs.append((cfg.payload.root / "run.conf").read_text())
        res = cfg.payload.out / "results.jsonl"
        res.write_text("".join(json.dumps(r) + "\n" for r in records))
        start = time.monotonic()
        beat = 0
        while True:
            elapsed = time.monotonic() - start
            if ending == "stuck-step":
                beat += 1
                (cfg.payload.out / "heartbeat").write_text(f"{beat}\n")
            stopped = on_poll(elapsed)
            if stopped is None and elapsed > timeout:
                stopped = "run timed out"
            if stopped is not None:
                return qemu.QemuResult(None, stopped, elapsed)
            if ending == "exit":
                return qemu.QemuResult(0, None, elapsed)
            if ending == "panic":
                return qemu.QemuResult(1, None, elapsed)
            time.sleep(0.02)


class BootLoopTest(unittest.TestCase):

    def setUp(self) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        self.out = Path(self.tmp.name)
        (self.out / "payload").mkdir()
        (self.out / "dom0").mkdir()
        self.saved = (cli.HEARTBEAT_LIMIT, cli.REBOOT_MIN_SECONDS,
                      cli.STEP_KILL_GRACE, cli.RETRY_HOOK_GRACE, qemu.run)
        cli.HEARTBEAT_LIMIT = 0.3
        cli.REBOOT_MIN_SECONDS = 1
        cli.STEP_KILL_GRACE = 0
        cli.RETRY_HOOK_GRACE = 0

    def tearDown(self) -> None:
        (cli.HEARTBEAT_LIMIT, cli.REBOOT_MIN_SECONDS, cli.STEP_KILL_GRACE,
         cli.RETRY_HOOK_GRACE, qemu.run) = self.saved
        self.tmp.cleanup()

    def fly(self, jobs: list[str], scripts: list[Script],
            timeout: float = 30.0) -> tuple[Flight, dict[str, Any],
                                             FakeQemu]:
        fake = FakeQemu(scripts)
        qemu.run = fake.run
        pl = payload.Payload(root=self.out / "payload",
                             out=self.out / "dom0", conf={"PVR_FLIGHT": "1"})
        payload._write_conf(pl, jobs, 1)
        args = argparse.Namespace(xen=None, xen_append="", memory=64,
                                  dom0_memory=32, boot_timeout=10.0,
                                  timeout=timeout)
        im: Any = SimpleNamespace(xen=self.out / "xen")
        flight = Flight.create(1, jobs)
        info = cli._boots(args, flight, im, pl, self.out, {})
        self.assertEqual(fake.scripts, [], "every scripted boot ran")
        return flight, info, fake

    def test_clean_flight_boots_once(self) -> None:
        flight, info, _ = self.fly(
            ["a", "b"], [(ready() + job_ok("a") + job_ok("b") + END,
                          "exit")])
        self.assertEqual(len(info["boots"]), 1)
        self.assertEqual(flight.totals(),
                         {"pass": 2, "fail": 0, "skip": 0, "flaky": 0})

    def check_rerun_passes(self, ending: str) -> None:
        flight, info, fake = self.fly(
            ["a", "b", "c"],
            [(ready() + job_ok("a") + job_lost("b"), ending),
             (ready() + job_ok("b") + job_ok("c") + END, "exit")])
        self.assertEqual(len(info["boots"]), 2)
        self.assertIn("host lost", str(info["boots"][0]["lost"]))
        self.assertIn("PVR_JOBS='b c'", fake.confs[1])
        self.assertIn("PVR_BOOT=2", fake.confs[1])
        self.assertEqual([s.name for s in flight.jobs["b"].steps],
                         ["s", LOST_BOOT])
        self.assertEqual(flight.jobs["b"].steps[1].status, "flaky")
        self.assertEqual(flight.totals(),
                         {"pass": 3, "fail": 0, "skip": 0, "flaky": 1})
        self.assertTrue((self.out / "dom0-2" / "results.jsonl").exists())

    def test_heartbeat_lost_reruns_job(self) -> None:
        self.check_rerun_passes("hang")

    def test_xen_panic_reruns_job(self) -> None:
        self.check_rerun_passes("panic")

    def test_stuck_step_reruns_job(self) -> None:
        self.check_rerun_passes("stuck-step")

    def test_job_lost_twice_fails_once_and_others_run(self) -> None:
        flight, info, _ = self.fly(
            ["a", "b", "c"],
            [(ready() + job_ok("a") + job_lost("b"), "hang"),
             (ready() + job_lost("b"), "hang"),
             (ready() + job_ok("c") + END, "exit")])
        self.assertEqual(len(info["boots"]), 3)
        self.assertEqual([i["jobs"] for i in info["boots"]],
                         [["a", "b", "c"], ["b", "c"], ["c"]])
        self.assertTrue(info["boots"][2]["clean"])
        b = flight.jobs["b"]
        self.assertEqual(b.status, "fail")
        self.assertEqual([s.status for s in b.steps], ["fail"])
        self.assertEqual(b.steps[0].name, UNFINISHED)
        self.assertIn("first attempt", b.steps[0].reason)
        self.assertEqual(flight.jobs["c"].status, "pass")
        self.assertEqual(flight.totals()["fail"], 1)

    def test_timeout_is_not_a_lost_host(self) -> None:
        flight, info, _ = self.fly(
            ["a", "b"], [(ready() + job_ok("a") + job_lost("b", 60),
                          "stuck-step")], timeout=0.5)
        self.assertEqual(len(info["boots"]), 1)
        self.assertIsNone(info["boots"][0]["lost"])
        self.assertEqual(flight.jobs["b"].steps[-1].name, UNFINISHED)
        self.assertIn("timed out", flight.jobs["b"].steps[-1].reason)

    def test_dom0_never_ready_is_not_rerun(self) -> None:
        flight, info, _ = self.fly(["a"], [([], "panic")])
        self.assertEqual(len(info["boots"]), 1)
        self.assertIn("dom0 never became ready",
                      flight.jobs["a"].steps[-1].reason)


if __name__ == "__main__":
    unittest.main()
