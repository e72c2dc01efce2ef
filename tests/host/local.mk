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
	tests/host/test_harness.py \
	tests/host/image/dom0-initramfs-init \
	tests/host/image/guest-init \
	tests/host/image/guest-scripts/marker \
	tests/host/image/guest-scripts/tpm \
	tests/host/image/guest-scripts/nvme \
	tests/host/lib/steps.sh \
	tests/host/lib/xen.sh \
	tests/host/lib/nvme.sh \
	tests/host/jobs/smoke.sh \
	tests/host/jobs/nvme-xtf.sh \
	tests/host/jobs/nvme-blkback.sh \
	tests/host/benches/nvme-bench.sh \
	tests/host/jobs/nvme-hvmloader.sh \
	tests/host/jobs/tpm-xtf.sh \
	tests/host/jobs/tpm-linux.sh \
	tests/host/jobs/pvxl-tpm.sh \
	tests/host/jobs/pvxl-nvme.sh \
	tests/host/jobs/pvxl-crash.sh \
	tests/host/jobs-pending/README \
	tests/host/jobs/nvme-linux.sh \
	tests/host/jobs/pvxl-linux.sh \
	tests/host/jobs/pvxl-pairs.sh \
	tests/host/jobs/pvxl-reboot.sh \
	tests/host/jobs/pvxl-badcfg.sh \
	tests/host/jobs/tpm-bench.sh \
	tests/host/jobs/altp2m-xtf.sh \
	tests/host/jobs/altp2m-vmevent.sh \
	tests/host/jobs/pvimage.sh \
	tests/host/jobs/vsm-xtf.sh

# The harness's boot loop, with QEMU replaced by scripted records.
TESTS += tests/host/test_harness.py

# Programs the Linux test guest runs, staged into guest/linux-progs/ by
# stage-host; jobs add them to the guest's initramfs, whose libc is
# Debian's, as the build machine's.
noinst_PROGRAMS += tests/guest/linux/pvr-blkbench
tests_guest_linux_pvr_blkbench_SOURCES = tests/guest/linux/blkbench.c
tests_guest_linux_pvr_blkbench_LDADD = -lpthread
GUEST_LINUX_PROGS = tests/guest/linux/pvr-blkbench

# Test programs that run in dom0, staged into bin/ by stage-host.  They
# call libxenctrl directly, so they exist only when configure found Xen.
HOST_STAGE_PROGS =
if WITH_XEN
noinst_PROGRAMS += tests/host/progs/pvr-altp2m-mon
HOST_STAGE_PROGS += tests/host/progs/pvr-altp2m-mon
tests_host_progs_pvr_altp2m_mon_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tests_host_progs_pvr_altp2m_mon_SOURCES = \
	tests/host/progs/altp2m-mon.c tests/host/progs/altp2m-mon.h \
	tests/host/progs/altp2m-mon-ring.c \
	tests/host/progs/altp2m-mon-events.c \
	tests/host/progs/altp2m-mon-views.c \
	tests/guest/altp2m-ext/proto.h
tests_host_progs_pvr_altp2m_mon_LDADD = $(XEN_LIBS)
noinst_PROGRAMS += tests/host/progs/pvr-set-target
HOST_STAGE_PROGS += tests/host/progs/pvr-set-target
tests_host_progs_pvr_set_target_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tests_host_progs_pvr_set_target_SOURCES = tests/host/progs/set-target.c \
	tests/host/progs/domid.h
tests_host_progs_pvr_set_target_LDADD = $(XEN_LIBS)
# The VSM channel's stand-in paravisor; libxencall for the raw dm_op.
noinst_PROGRAMS += tests/host/progs/pvr-vsm-responder
HOST_STAGE_PROGS += tests/host/progs/pvr-vsm-responder
tests_host_progs_pvr_vsm_responder_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
tests_host_progs_pvr_vsm_responder_SOURCES = \
	tests/host/progs/vsm-responder.c tests/host/progs/domid.h
tests_host_progs_pvr_vsm_responder_LDADD = $(XEN_LIBS) -lxencall
endif
