# SPDX-License-Identifier: GPL-2.0-only
# Fuzz targets.  make check replays the committed corpora with any
# compiler; --enable-fuzzing (CC=clang) also builds libFuzzer binaries.

PVR_FUZZ_REPLAYS = tests/fuzz/replay_ioreq tests/fuzz/replay_tpm \
	tests/fuzz/replay_nvme tests/fuzz/replay_blkif
check_PROGRAMS += $(PVR_FUZZ_REPLAYS)
TESTS += $(PVR_FUZZ_REPLAYS)
EXTRA_DIST += tests/fuzz/corpus tests/fuzz/README tests/fuzz/make-seeds.py \
	tests/fuzz/run-fuzzers

tests_fuzz_replay_ioreq_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_ioreq.c
tests_fuzz_replay_ioreq_CPPFLAGS = $(AM_CPPFLAGS) \
	-DPVR_FUZZ_CORPUS='"ioreq"'
tests_fuzz_replay_ioreq_LDADD = $(PVR_TEST_LIBS)
tests_fuzz_replay_tpm_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_tpm.c
tests_fuzz_replay_tpm_CPPFLAGS = $(AM_CPPFLAGS) -DPVR_FUZZ_CORPUS='"tpm"'
tests_fuzz_replay_tpm_LDADD = $(PVR_TEST_LIBS)
tests_fuzz_replay_nvme_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_nvme.c $(PVR_NVME_TEST_DRV)
tests_fuzz_replay_nvme_CPPFLAGS = $(AM_CPPFLAGS) -DPVR_FUZZ_CORPUS='"nvme"'
tests_fuzz_replay_nvme_LDADD = $(PVR_TEST_LIBS)
tests_fuzz_replay_blkif_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_blkif.c
tests_fuzz_replay_blkif_CPPFLAGS = $(AM_CPPFLAGS) -DPVR_FUZZ_CORPUS='"blkif"'
tests_fuzz_replay_blkif_LDADD = $(PVR_TEST_LIBS)

if WITH_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_ioreq tests/fuzz/fuzz_tpm \
	tests/fuzz/fuzz_nvme tests/fuzz/fuzz_blkif
tests_fuzz_fuzz_ioreq_SOURCES = tests/fuzz/fuzz_ioreq.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_ioreq_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_ioreq_LDADD = $(PVR_TEST_LIBS)
tests_fuzz_fuzz_tpm_SOURCES = tests/fuzz/fuzz_tpm.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_tpm_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_tpm_LDADD = $(PVR_TEST_LIBS)
tests_fuzz_fuzz_nvme_SOURCES = tests/fuzz/fuzz_nvme.c tests/fuzz/fuzz.h \
	$(PVR_NVME_TEST_DRV)
tests_fuzz_fuzz_nvme_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_nvme_LDADD = $(PVR_TEST_LIBS)
tests_fuzz_fuzz_blkif_SOURCES = tests/fuzz/fuzz_blkif.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_blkif_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_blkif_LDADD = $(PVR_TEST_LIBS)
endif

# The VTL engine's request and input-page parsing (pvdomain/vtl).
check_PROGRAMS += tests/fuzz/replay_vtl
TESTS += tests/fuzz/replay_vtl
tests_fuzz_replay_vtl_SOURCES = tests/fuzz/replay.c tests/fuzz/fuzz.h \
	tests/fuzz/fuzz_vtl.c
tests_fuzz_replay_vtl_CPPFLAGS = $(AM_CPPFLAGS) -DPVR_FUZZ_CORPUS='"vtl"'
tests_fuzz_replay_vtl_LDADD = $(PVR_TEST_LIBS)
if WITH_FUZZING
noinst_PROGRAMS += tests/fuzz/fuzz_vtl
tests_fuzz_fuzz_vtl_SOURCES = tests/fuzz/fuzz_vtl.c tests/fuzz/fuzz.h
tests_fuzz_fuzz_vtl_LDFLAGS = -fsanitize=fuzzer
tests_fuzz_fuzz_vtl_LDADD = $(PVR_TEST_LIBS)
endif
