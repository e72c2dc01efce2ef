# SPDX-License-Identifier: GPL-2.0-only
# make bench: figures, never thresholds.

EXTRA_PROGRAMS = tests/bench/bench_ioreq tests/bench/bench_tpm \
	tests/bench/bench_nvme tests/bench/bench_blkfront
CLEANFILES += $(EXTRA_PROGRAMS)
dist_noinst_SCRIPTS += tests/bench/run-bench
EXTRA_DIST += tests/bench/README

tests_bench_bench_ioreq_SOURCES = tests/bench/bench_ioreq.c
tests_bench_bench_ioreq_LDADD = $(PVR_TEST_LIBS)
tests_bench_bench_tpm_SOURCES = tests/bench/bench_tpm.c
tests_bench_bench_tpm_LDADD = $(PVR_TEST_LIBS)
tests_bench_bench_nvme_SOURCES = tests/bench/bench_nvme.c $(PVR_NVME_TEST_DRV)
tests_bench_bench_nvme_LDADD = $(PVR_TEST_LIBS)

bench: $(EXTRA_PROGRAMS) pvdomaind pvdomainctl
	builddir=$(abs_builddir) $(srcdir)/tests/bench/run-bench
.PHONY: bench
tests_bench_bench_blkfront_SOURCES = tests/bench/bench_blkfront.c \
	$(PVR_NVME_TEST_DRV)
tests_bench_bench_blkfront_LDADD = $(PVR_TEST_LIBS)
EXTRA_PROGRAMS += tests/bench/bench_vtl
tests_bench_bench_vtl_SOURCES = tests/bench/bench_vtl.c
tests_bench_bench_vtl_LDADD = $(PVR_TEST_LIBS)

# make bench-xen: the benchmark jobs of tests/host/benches, on Debian's
# Xen under QEMU (as root: the harness builds and boots a dom0).  They
# print figures as they come; summary.json in BENCH_XEN_OUT keeps them.
BENCH_XEN = nvme-bench
BENCH_XEN_OUT = $(abs_builddir)/bench-xen
bench-xen: stage-host
	$(srcdir)/tests/host/run --stage $(STAGEDIR) --bench $(BENCH_XEN) \
		--out $(BENCH_XEN_OUT) --timeout 3600
.PHONY: bench-xen
