# SPDX-License-Identifier: GPL-2.0-only
#
# toolstack/: pvxl and the paravisor domain's image.

# --- pvxl ---
# pvxl creates guest + paravisor pairs from an xl.cfg (toolstack/pvxl/).
# The key table and the cfg scanner are pure C: the unit test links them
# without Xen.  libpvxl.a and its header are installed for other tools.
PVXL_PURE_SOURCES = toolstack/pvxl/libpvxl.h \
	toolstack/pvxl/cfg.c toolstack/pvxl/scan.c
dist_man_MANS = toolstack/pvxl/pvxl.1 toolstack/pvxl/pvxl.cfg.5

check_PROGRAMS += tests/unit/test_pvxl_cfg
TESTS += tests/unit/test_pvxl_cfg
tests_unit_test_pvxl_cfg_SOURCES = tests/unit/test_pvxl_cfg.c \
	$(PVXL_PURE_SOURCES)

PVXL_STAGE_PROGS =
if WITH_XL
lib_LIBRARIES = libpvxl.a
pkginclude_HEADERS = toolstack/pvxl/libpvxl.h
libpvxl_a_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS) $(XL_CFLAGS)
libpvxl_a_SOURCES = $(PVXL_PURE_SOURCES) toolstack/pvxl/pvxl_priv.h \
	toolstack/pvxl/config.c toolstack/pvxl/util.c \
	toolstack/pvxl/xsnodes.c toolstack/pvxl/pair.c \
	toolstack/pvxl/monitor.c toolstack/pvxl/admin.c

sbin_PROGRAMS += pvxl
PVXL_STAGE_PROGS += pvxl
pvxl_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS) $(XL_CFLAGS) \
	-DPVR_IMAGE_DIR='"$(pkgdatadir)/paravisor"'
pvxl_SOURCES = toolstack/pvxl/main.c toolstack/pvxl/create.c \
	toolstack/pvxl/cli.h
pvxl_LDADD = libpvxl.a $(XL_LIBS) $(XEN_LIBS)
endif
