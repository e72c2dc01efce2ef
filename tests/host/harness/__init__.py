# SPDX-License-Identifier: GPL-2.0-only
"""Real-Xen test harness: boots Xen and a Debian dom0 under QEMU TCG.

The host side (this package) installs what it needs, builds and caches the
dom0 and guest images, assembles the payload, runs QEMU and reports what
dom0 wrote.  Everything that runs inside dom0 is POSIX shell, in
tests/host/dom0 and tests/host/lib.  See tests/host/README.
"""
