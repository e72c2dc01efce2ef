# SPDX-License-Identifier: GPL-2.0-only
#
# toolstack/: pvxl and the paravisor domain's image.

# --- paravisor image ---
# pvinit is PID 1 of the paravisor domain (it reads xenstore, so it needs
# the Xen libraries).  The image itself (Debian's kernel + an initramfs of
# pvinit, pvdomaind and their libraries) is built only on request, by
# `make paravisor-image`, which downloads the kernel package: plain make,
# make check and make distcheck stay offline.  make install installs the
# image into $(pkgdatadir)/paravisor/ when it has been built.
EXTRA_DIST += toolstack/image/build toolstack/image/README
PARAVISOR_IMAGE_DIR = $(abs_builddir)/paravisor-image
PARAVISOR_IMAGE_FILES = vmlinuz initrd.img

if WITH_XEN
noinst_PROGRAMS += toolstack/image/pvinit
toolstack_image_pvinit_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS)
toolstack_image_pvinit_SOURCES = toolstack/image/pvinit.c
toolstack_image_pvinit_LDADD = $(XEN_LIBS)

paravisor-image: pvdomaind toolstack/image/pvinit
	python3 $(srcdir)/toolstack/image/build --pvdomaind pvdomaind \
		--pvinit toolstack/image/pvinit --out $(PARAVISOR_IMAGE_DIR)
else
paravisor-image:
	@echo "paravisor-image: configure found no Xen libraries" \
		"(install libxen-dev, then configure --enable-xen)" >&2; exit 1
endif
.PHONY: paravisor-image install-paravisor-image uninstall-paravisor-image

install-data-local: install-paravisor-image
install-paravisor-image:
	@if test -f $(PARAVISOR_IMAGE_DIR)/initrd.img; then \
		echo " $(MKDIR_P) '$(DESTDIR)$(pkgdatadir)/paravisor'"; \
		$(MKDIR_P) '$(DESTDIR)$(pkgdatadir)/paravisor' && \
		for f in $(PARAVISOR_IMAGE_FILES); do \
			echo " $(INSTALL_DATA) $(PARAVISOR_IMAGE_DIR)/$$f" \
				"'$(DESTDIR)$(pkgdatadir)/paravisor'"; \
			$(INSTALL_DATA) $(PARAVISOR_IMAGE_DIR)/$$f \
				'$(DESTDIR)$(pkgdatadir)/paravisor' || exit 1; \
		done; \
	else \
		echo "paravisor image not built (make paravisor-image):" \
			"not installed"; \
	fi

uninstall-local: uninstall-paravisor-image
uninstall-paravisor-image:
	for f in $(PARAVISOR_IMAGE_FILES); do \
		rm -f '$(DESTDIR)$(pkgdatadir)/paravisor/'$$f; \
	done
	-rmdir '$(DESTDIR)$(pkgdatadir)/paravisor' 2>/dev/null

CLEANFILES += $(PARAVISOR_IMAGE_DIR)/vmlinuz \
	$(PARAVISOR_IMAGE_DIR)/initrd.img $(PARAVISOR_IMAGE_DIR)/manifest.json

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
	toolstack/pvxl/monitor.c toolstack/pvxl/admin.c \
	toolstack/pvxl/vbd.c

sbin_PROGRAMS += pvxl
PVXL_STAGE_PROGS += pvxl
pvxl_CPPFLAGS = $(AM_CPPFLAGS) $(XEN_CFLAGS) $(XL_CFLAGS) \
	-DPVR_IMAGE_DIR='"$(pkgdatadir)/paravisor"'
pvxl_SOURCES = toolstack/pvxl/main.c toolstack/pvxl/create.c \
	toolstack/pvxl/cli.h
pvxl_LDADD = libpvxl.a $(XL_LIBS) $(XEN_LIBS)
endif
