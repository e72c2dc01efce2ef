# SPDX-License-Identifier: GPL-2.0-only
# Unit tests against the sim backend; run by make check, need no Xen.

noinst_LIBRARIES += libpvrtest.a
libpvrtest_a_CPPFLAGS = $(AM_CPPFLAGS)
libpvrtest_a_SOURCES = \
	tests/common/check.h \
	tests/common/simstack.c tests/common/simstack.h \
	tests/common/tisdrv.c tests/common/tisdrv.h \
	tests/common/simblkback.c tests/common/simblkback.h

PVR_TEST_LIBS = libpvrtest.a $(PVR_LIBS)

PVR_UNIT_TESTS = tests/unit/test_port tests/unit/test_ioreq \
	tests/unit/test_tis tests/unit/test_tpm tests/unit/test_state \
	tests/unit/test_msg tests/unit/test_faults tests/unit/test_xsconfig \
	tests/unit/test_nvme tests/unit/test_nvme_errors \
	tests/unit/test_nvme_dbbuf \
	tests/unit/test_blkfront tests/unit/test_blkfront_nvme
check_PROGRAMS += $(PVR_UNIT_TESTS)
TESTS += $(PVR_UNIT_TESTS) tests/unit/test_daemon.sh
dist_noinst_SCRIPTS += tests/unit/test_daemon.sh
TESTS_ENVIRONMENT = builddir=$(abs_builddir) srcdir=$(abs_srcdir); \
	export builddir srcdir;

tests_unit_test_port_SOURCES = tests/unit/test_port.c
tests_unit_test_port_LDADD = $(PVR_TEST_LIBS)
tests_unit_test_ioreq_SOURCES = tests/unit/test_ioreq.c
tests_unit_test_ioreq_LDADD = $(PVR_TEST_LIBS)
tests_unit_test_tis_SOURCES = tests/unit/test_tis.c
tests_unit_test_tis_LDADD = $(PVR_TEST_LIBS)
tests_unit_test_tpm_SOURCES = tests/unit/test_tpm.c
tests_unit_test_tpm_LDADD = $(PVR_TEST_LIBS)
tests_unit_test_state_SOURCES = tests/unit/test_state.c
tests_unit_test_state_LDADD = $(PVR_TEST_LIBS)
tests_unit_test_msg_SOURCES = tests/unit/test_msg.c
tests_unit_test_msg_LDADD = $(PVR_TEST_LIBS)
# vbd.c for pvr_vbd_parse, the check of paravisor/nvme.
tests_unit_test_xsconfig_SOURCES = tests/unit/test_xsconfig.c \
	pvdomain/core/vbd.c
tests_unit_test_xsconfig_LDADD = $(PVR_TEST_LIBS)
tests_unit_test_faults_SOURCES = tests/unit/test_faults.c
tests_unit_test_faults_LDADD = $(PVR_TEST_LIBS)

PVR_NVME_TEST_DRV = tests/unit/test_nvme_drv.c tests/unit/test_nvme_drv.h \
	tests/unit/test_nvme_env.h
tests_unit_test_nvme_SOURCES = tests/unit/test_nvme.c $(PVR_NVME_TEST_DRV)
tests_unit_test_nvme_LDADD = $(PVR_TEST_LIBS)
tests_unit_test_nvme_errors_SOURCES = tests/unit/test_nvme_errors.c \
	$(PVR_NVME_TEST_DRV)
tests_unit_test_nvme_errors_LDADD = $(PVR_TEST_LIBS)
tests_unit_test_nvme_dbbuf_SOURCES = tests/unit/test_nvme_dbbuf.c \
	$(PVR_NVME_TEST_DRV)
tests_unit_test_nvme_dbbuf_LDADD = $(PVR_TEST_LIBS)
check_PROGRAMS += tests/unit/test_blkfile
TESTS += tests/unit/test_blkfile
tests_unit_test_blkfile_SOURCES = tests/unit/test_blkfile.c \
	tests/unit/test_nvme_drv.c tests/unit/test_nvme_drv.h
tests_unit_test_blkfile_LDADD = $(PVR_TEST_LIBS)

tests_unit_test_blkfront_SOURCES = tests/unit/test_blkfront.c
tests_unit_test_blkfront_LDADD = $(PVR_TEST_LIBS)
tests_unit_test_blkfront_nvme_SOURCES = tests/unit/test_blkfront_nvme.c \
	$(PVR_NVME_TEST_DRV)
tests_unit_test_blkfront_nvme_LDADD = $(PVR_TEST_LIBS)

# The VTL engine (pvdomain/vtl) behind the IOREQ server.
PVR_VTL_TESTS = tests/unit/test_vtl tests/unit/test_vtl_protect \
	tests/unit/test_vtl_worker
check_PROGRAMS += $(PVR_VTL_TESTS)
TESTS += $(PVR_VTL_TESTS)
tests_unit_test_vtl_SOURCES = tests/unit/test_vtl.c tests/unit/test_vtl_env.h
tests_unit_test_vtl_LDADD = $(PVR_TEST_LIBS)
tests_unit_test_vtl_protect_SOURCES = tests/unit/test_vtl_protect.c \
	tests/unit/test_vtl_env.h
tests_unit_test_vtl_protect_LDADD = $(PVR_TEST_LIBS)
# pvdomaind's worker with --vsm, whole, in a thread (main.c's port opener
# is the test's own).
tests_unit_test_vtl_worker_SOURCES = tests/unit/test_vtl_worker.c \
	pvdomain/core/worker.c pvdomain/core/vsm.c pvdomain/core/vbd.c
tests_unit_test_vtl_worker_LDADD = $(PVR_TEST_LIBS)
