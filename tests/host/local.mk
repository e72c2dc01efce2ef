# SPDX-License-Identifier: GPL-2.0-only
#
# tests/host: the real-Xen harness (Python and shell, nothing to build).
# Run it with tests/host/run; see tests/host/README.

EXTRA_DIST += \
	tests/host/README \
	tests/host/run \
	tests/host/dom0/init \
	tests/host/dom0/runner.sh \
	tests/host/harness/__init__.py \
	tests/host/harness/cache.py \
	tests/host/harness/cli.py \
	tests/host/harness/hostdeps.py \
	tests/host/harness/images.py \
	tests/host/harness/initramfs.py \
	tests/host/harness/modules.py \
	tests/host/harness/payload.py \
	tests/host/harness/proc.py \
	tests/host/harness/qemu.py \
	tests/host/harness/report.py \
	tests/host/harness/results.py \
	tests/host/harness/tree.py \
	tests/host/image/dom0-initramfs-init \
	tests/host/image/guest-init \
	tests/host/image/guest-scripts/marker \
	tests/host/image/guest-scripts/tpm \
	tests/host/lib/steps.sh \
	tests/host/lib/xen.sh \
	tests/host/jobs/smoke.sh \
	tests/host/jobs/tpm-xtf.sh \
	tests/host/jobs/tpm-linux.sh \
	tests/host/jobs/tpm-bench.sh
