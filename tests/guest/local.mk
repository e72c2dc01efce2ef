# SPDX-License-Identifier: GPL-2.0-only
#
# Guest test images: freestanding 32-bit x86 kernels in the style of XTF,
# booted as Xen HVM firmware or by "qemu-system-x86_64 -kernel".  See
# tests/guest/README for the framework and how to run an image.
#
# The images are built by plain "make" (noinst_DATA) with explicit rules,
# not as automake programs: they are compiled for another target (i686,
# freestanding, no libc, no libgcc) and the user's CFLAGS, LDFLAGS and
# LIBS are meant for the host and must not leak in.  Only the warning set
# (with -Werror under --enable-werror) is shared with the host build.
#
# Products for the rest of the tree:
#   GUEST_IMAGES    every guest image, relative to the build directory.
#   GUEST_TPM_IMAGE, GUEST_TPM_NORESTART_IMAGE, GUEST_TPM_CRASH_IMAGE,
#   GUEST_TPM_REBOOT_IMAGE
#                   the TPM test's three.
#   GUEST_ALTP2M_IMAGE    the altp2m test's one.
#   GUEST_ALTP2M_EXT_IMAGE    the altp2m-ext test's one.
#   GUEST_VSM_IMAGE       the VSM test's one.
#   GUEST_NVME_IMAGE      the NVMe test's one.

# Everything a test's test.mk may declare, checked by check-stub.sh.
GUEST_CATEGORIES = special functional xsa utility in-development
GUEST_ENVS = hvm32

GUEST_CC = $(CC)
GUEST_COMPILE_FLAGS = -m32 -march=i686 -std=gnu11 -ffreestanding -fno-pic \
	-fno-pie -fno-stack-protector -fno-asynchronous-unwind-tables \
	-fcf-protection=none -mno-mmx -mno-sse -mno-sse2 -mno-avx \
	-O2 -g $(PVR_WARN_CFLAGS) -I$(srcdir)/tests/guest/common
GUEST_LDS = $(srcdir)/tests/guest/common/link.lds
GUEST_LINK_FLAGS = -m32 -nostdlib -static -Wl,-T,$(GUEST_LDS) \
	-Wl,--build-id=none -Wl,-z,max-page-size=0x1000 \
	-Wl,-z,noexecstack

GUEST_V_LD = $(guest__v_LD_@AM_V@)
guest__v_LD_ = $(guest__v_LD_@AM_DEFAULT_V@)
guest__v_LD_0 = @echo "  GUESTLD " $@;
guest__v_LD_1 =
GUEST_V_CC = $(guest__v_CC_@AM_V@)
guest__v_CC_ = $(guest__v_CC_@AM_DEFAULT_V@)
guest__v_CC_0 = @echo "  GUESTCC " $@;
guest__v_CC_1 =

GUEST_COMMON_OBJS = tests/guest/common/head.gobj \
	tests/guest/common/setup.gobj tests/guest/common/console.gobj \
	tests/guest/common/report.gobj tests/guest/common/hypervisor.gobj \
	tests/guest/common/traps.gobj tests/guest/common/string.gobj \
	tests/guest/common/stats.gobj \
	tests/guest/common/smp.gobj
GUEST_COMMON_HDRS = tests/guest/common/guest.h tests/guest/common/x86.h

# Guest objects are *.gobj, so that they never collide with the host
# objects automake builds from the same sources (tests/guest/tpm/unit).
SUFFIXES = .gobj
.c.gobj:
	@$(MKDIR_P) $(@D)
	$(GUEST_V_CC)$(GUEST_CC) $(GUEST_COMPILE_FLAGS) -c -o $@ $<
.S.gobj:
	@$(MKDIR_P) $(@D)
	$(GUEST_V_CC)$(GUEST_CC) $(GUEST_COMPILE_FLAGS) -c -o $@ $<

# There is no dependency tracking for guest objects: every one depends on
# every guest header, which is coarse but never stale.
$(GUEST_COMMON_OBJS): $(GUEST_COMMON_HDRS)

# --- The TPM test -------------------------------------------------------
include $(srcdir)/tests/guest/tpm/test.mk

GUEST_TPM_IMAGE = tests/guest/tpm/test-hvm32-tpm
GUEST_TPM_NORESTART_IMAGE = tests/guest/tpm/test-hvm32-tpm-norestart
GUEST_TPM_CRASH_IMAGE = tests/guest/tpm/test-hvm32-tpm-crash
GUEST_TPM_REBOOT_IMAGE = tests/guest/tpm/test-hvm32-tpm-reboot
guest_tpm_MAINS = tests/guest/tpm/main-restart.gobj \
	tests/guest/tpm/main-norestart.gobj tests/guest/tpm/main-crash.gobj \
	tests/guest/tpm/main-reboot.gobj

$(guest_tpm_OBJS) $(guest_tpm_MAINS): $(GUEST_COMMON_HDRS) $(guest_tpm_HDRS)

tests/guest/tpm/main-restart.gobj: tests/guest/tpm/main.c
	@$(MKDIR_P) $(@D)
	$(GUEST_V_CC)$(GUEST_CC) $(GUEST_COMPILE_FLAGS) -DTPM_TEST_RESTART=1 \
	    -c -o $@ $(srcdir)/tests/guest/tpm/main.c
tests/guest/tpm/main-norestart.gobj: tests/guest/tpm/main.c
	@$(MKDIR_P) $(@D)
	$(GUEST_V_CC)$(GUEST_CC) $(GUEST_COMPILE_FLAGS) -DTPM_TEST_RESTART=0 \
	    -c -o $@ $(srcdir)/tests/guest/tpm/main.c
tests/guest/tpm/main-crash.gobj: tests/guest/tpm/main.c
	@$(MKDIR_P) $(@D)
	$(GUEST_V_CC)$(GUEST_CC) $(GUEST_COMPILE_FLAGS) -DTPM_TEST_RESTART=2 \
	    -c -o $@ $(srcdir)/tests/guest/tpm/main.c

tests/guest/tpm/main-reboot.gobj: tests/guest/tpm/main.c
	@$(MKDIR_P) $(@D)
	$(GUEST_V_CC)$(GUEST_CC) $(GUEST_COMPILE_FLAGS) -DTPM_TEST_RESTART=3 \
	    -c -o $@ $(srcdir)/tests/guest/tpm/main.c

tests/guest/tpm/test.stamp: tests/guest/tpm/test.mk \
		tests/guest/check-stub.sh
	@$(MKDIR_P) $(@D)
	$(AM_V_GEN)$(SHELL) $(srcdir)/tests/guest/check-stub.sh tpm \
	    '$(guest_tpm_NAME)' '$(guest_tpm_CATEGORY)' '$(guest_tpm_ENVS)' \
	    '$(guest_tpm_IMAGES)' '$(GUEST_CATEGORIES)' '$(GUEST_ENVS)'
	@touch $@

$(GUEST_TPM_IMAGE): tests/guest/tpm/test.stamp $(GUEST_LDS) \
		$(GUEST_COMMON_OBJS) $(guest_tpm_OBJS) \
		tests/guest/tpm/main-restart.gobj
	$(GUEST_V_LD)$(GUEST_CC) $(GUEST_LINK_FLAGS) -o $@ \
	    $(GUEST_COMMON_OBJS) $(guest_tpm_OBJS) \
	    tests/guest/tpm/main-restart.gobj
$(GUEST_TPM_NORESTART_IMAGE): tests/guest/tpm/test.stamp $(GUEST_LDS) \
		$(GUEST_COMMON_OBJS) $(guest_tpm_OBJS) \
		tests/guest/tpm/main-norestart.gobj
	$(GUEST_V_LD)$(GUEST_CC) $(GUEST_LINK_FLAGS) -o $@ \
	    $(GUEST_COMMON_OBJS) $(guest_tpm_OBJS) \
	    tests/guest/tpm/main-norestart.gobj
$(GUEST_TPM_CRASH_IMAGE): tests/guest/tpm/test.stamp $(GUEST_LDS) \
		$(GUEST_COMMON_OBJS) $(guest_tpm_OBJS) \
		tests/guest/tpm/main-crash.gobj
	$(GUEST_V_LD)$(GUEST_CC) $(GUEST_LINK_FLAGS) -o $@ \
	    $(GUEST_COMMON_OBJS) $(guest_tpm_OBJS) \
	    tests/guest/tpm/main-crash.gobj
$(GUEST_TPM_REBOOT_IMAGE): tests/guest/tpm/test.stamp $(GUEST_LDS) \
		$(GUEST_COMMON_OBJS) $(guest_tpm_OBJS) \
		tests/guest/tpm/main-reboot.gobj
	$(GUEST_V_LD)$(GUEST_CC) $(GUEST_LINK_FLAGS) -o $@ \
	    $(GUEST_COMMON_OBJS) $(guest_tpm_OBJS) \
	    tests/guest/tpm/main-reboot.gobj

# Host unit test of the code shared with the guest.
check_PROGRAMS += tests/guest/tpm/unit
tests_guest_tpm_unit_SOURCES = tests/guest/tpm/unit.c \
	tests/guest/tpm/sha256.c tests/guest/tpm/sha256.h \
	tests/guest/tpm/tpm2.c tests/guest/tpm/tpm2.h
TESTS += tests/guest/tpm/unit

# Boots the images under QEMU with its own TIS and swtpm (skips, 77,
# without qemu-system-x86_64 or swtpm).
TESTS += tests/guest/tpm/qemu-swtpm.test

CLEANFILES += $(guest_tpm_OBJS) $(guest_tpm_MAINS) \
	tests/guest/tpm/test.stamp
dist_noinst_SCRIPTS += tests/guest/tpm/qemu-swtpm.test
EXTRA_DIST += tests/guest/tpm/test.mk tests/guest/tpm/main.c \
	tests/guest/tpm/checks.c tests/guest/tpm/neg.c \
	tests/guest/tpm/restart.c tests/guest/tpm/crash.c tests/guest/tpm/reboot.c \
	tests/guest/tpm/bench.c \
	tests/guest/tpm/tis.c tests/guest/tpm/tis.h \
	tests/guest/tpm/tpm-test.h

# --- The altp2m test ----------------------------------------------------
include $(srcdir)/tests/guest/altp2m/test.mk

GUEST_ALTP2M_IMAGE = tests/guest/altp2m/test-hvm32-altp2m

$(guest_altp2m_OBJS): $(GUEST_COMMON_HDRS) $(guest_altp2m_HDRS)

tests/guest/altp2m/test.stamp: tests/guest/altp2m/test.mk \
		tests/guest/check-stub.sh
	@$(MKDIR_P) $(@D)
	$(AM_V_GEN)$(SHELL) $(srcdir)/tests/guest/check-stub.sh altp2m \
	    '$(guest_altp2m_NAME)' '$(guest_altp2m_CATEGORY)' \
	    '$(guest_altp2m_ENVS)' '$(guest_altp2m_IMAGES)' \
	    '$(GUEST_CATEGORIES)' '$(GUEST_ENVS)'
	@touch $@

$(GUEST_ALTP2M_IMAGE): tests/guest/altp2m/test.stamp $(GUEST_LDS) \
		$(GUEST_COMMON_OBJS) $(guest_altp2m_OBJS)
	$(GUEST_V_LD)$(GUEST_CC) $(GUEST_LINK_FLAGS) -o $@ \
	    $(GUEST_COMMON_OBJS) $(guest_altp2m_OBJS)

CLEANFILES += $(guest_altp2m_OBJS) tests/guest/altp2m/test.stamp
EXTRA_DIST += tests/guest/altp2m/test.mk tests/guest/altp2m/altp2m-test.h \
	tests/guest/altp2m/main.c tests/guest/altp2m/hvmop.c \
	tests/guest/altp2m/checks.c tests/guest/altp2m/access.c \
	tests/guest/altp2m/views.c tests/guest/altp2m/stress.c \
	tests/guest/altp2m/bench.c

# --- The altp2m-ext test (with its dom0 monitor) ------------------------
include $(srcdir)/tests/guest/altp2m-ext/test.mk

GUEST_ALTP2M_EXT_IMAGE = tests/guest/altp2m-ext/test-hvm32-altp2m-ext

$(guest_altp2m_ext_OBJS): $(GUEST_COMMON_HDRS) $(guest_altp2m_ext_HDRS)

tests/guest/altp2m-ext/test.stamp: tests/guest/altp2m-ext/test.mk \
		tests/guest/check-stub.sh
	@$(MKDIR_P) $(@D)
	$(AM_V_GEN)$(SHELL) $(srcdir)/tests/guest/check-stub.sh altp2m-ext \
	    '$(guest_altp2m_ext_NAME)' '$(guest_altp2m_ext_CATEGORY)' \
	    '$(guest_altp2m_ext_ENVS)' '$(guest_altp2m_ext_IMAGES)' \
	    '$(GUEST_CATEGORIES)' '$(GUEST_ENVS)'
	@touch $@

$(GUEST_ALTP2M_EXT_IMAGE): tests/guest/altp2m-ext/test.stamp $(GUEST_LDS) \
		$(GUEST_COMMON_OBJS) $(guest_altp2m_ext_OBJS)
	$(GUEST_V_LD)$(GUEST_CC) $(GUEST_LINK_FLAGS) -o $@ \
	    $(GUEST_COMMON_OBJS) $(guest_altp2m_ext_OBJS)

CLEANFILES += $(guest_altp2m_ext_OBJS) tests/guest/altp2m-ext/test.stamp
EXTRA_DIST += tests/guest/altp2m-ext/test.mk \
	tests/guest/altp2m-ext/altp2m-ext.h tests/guest/altp2m-ext/proto.h \
	tests/guest/altp2m-ext/main.c tests/guest/altp2m-ext/phases.c \
	tests/guest/altp2m-ext/vcpus.c tests/guest/altp2m-ext/bench.c

# --- The NVMe test -----------------------------------------------------
include $(srcdir)/tests/guest/nvme/test.mk

GUEST_NVME_IMAGE = tests/guest/nvme/test-hvm32-nvme

$(guest_nvme_OBJS): $(GUEST_COMMON_HDRS) $(guest_nvme_HDRS)

tests/guest/nvme/test.stamp: tests/guest/nvme/test.mk \
		tests/guest/check-stub.sh
	@$(MKDIR_P) $(@D)
	$(AM_V_GEN)$(SHELL) $(srcdir)/tests/guest/check-stub.sh nvme \
	    '$(guest_nvme_NAME)' '$(guest_nvme_CATEGORY)' \
	    '$(guest_nvme_ENVS)' '$(guest_nvme_IMAGES)' \
	    '$(GUEST_CATEGORIES)' '$(GUEST_ENVS)'
	@touch $@

$(GUEST_NVME_IMAGE): tests/guest/nvme/test.stamp $(GUEST_LDS) \
		$(GUEST_COMMON_OBJS) $(guest_nvme_OBJS)
	$(GUEST_V_LD)$(GUEST_CC) $(GUEST_LINK_FLAGS) -o $@ \
	    $(GUEST_COMMON_OBJS) $(guest_nvme_OBJS)

CLEANFILES += $(guest_nvme_OBJS) tests/guest/nvme/test.stamp
EXTRA_DIST += tests/guest/nvme/test.mk tests/guest/nvme/main.c

# --- The VSM test (with its dom0 responder) ----------------------------
include $(srcdir)/tests/guest/vsm/test.mk

GUEST_VSM_IMAGE = tests/guest/vsm/test-hvm32-vsm

$(guest_vsm_OBJS): $(GUEST_COMMON_HDRS) $(guest_vsm_HDRS)

tests/guest/vsm/test.stamp: tests/guest/vsm/test.mk \
		tests/guest/check-stub.sh
	@$(MKDIR_P) $(@D)
	$(AM_V_GEN)$(SHELL) $(srcdir)/tests/guest/check-stub.sh vsm \
	    '$(guest_vsm_NAME)' '$(guest_vsm_CATEGORY)' \
	    '$(guest_vsm_ENVS)' '$(guest_vsm_IMAGES)' \
	    '$(GUEST_CATEGORIES)' '$(GUEST_ENVS)'
	@touch $@

$(GUEST_VSM_IMAGE): tests/guest/vsm/test.stamp $(GUEST_LDS) \
		$(GUEST_COMMON_OBJS) $(guest_vsm_OBJS)
	$(GUEST_V_LD)$(GUEST_CC) $(GUEST_LINK_FLAGS) -o $@ \
	    $(GUEST_COMMON_OBJS) $(guest_vsm_OBJS)

CLEANFILES += $(guest_vsm_OBJS) tests/guest/vsm/test.stamp
EXTRA_DIST += tests/guest/vsm/test.mk tests/guest/vsm/main.c

# --- All guest tests ----------------------------------------------------
GUEST_IMAGES = $(guest_tpm_IMAGES) $(guest_altp2m_IMAGES) \
	$(guest_altp2m_ext_IMAGES) $(guest_nvme_IMAGES)
GUEST_IMAGES += $(guest_vsm_IMAGES)
noinst_DATA = $(GUEST_IMAGES)

CLEANFILES += $(GUEST_IMAGES) $(GUEST_COMMON_OBJS)
dist_noinst_SCRIPTS += tests/guest/check-stub.sh
EXTRA_DIST += tests/guest/README tests/guest/common/guest.h \
	tests/guest/common/x86.h tests/guest/common/head.S \
	tests/guest/common/link.lds tests/guest/common/setup.c \
	tests/guest/common/console.c tests/guest/common/report.c \
	tests/guest/common/hypervisor.c tests/guest/common/traps.c \
	tests/guest/common/string.c tests/guest/common/smp.c \
	tests/guest/common/stats.c
