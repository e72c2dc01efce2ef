# SPDX-License-Identifier: GPL-2.0-only
#
# xen-patches: nothing to build here; xen-patches/build makes the
# hypervisor (see xen-patches/README).  The tarball carries the script,
# the series, and every patch the series names: the list changes with the
# series, so the hook reads it instead of EXTRA_DIST listing the patches.

EXTRA_DIST += \
	xen-patches/README \
	xen-patches/build \
	xen-patches/series

dist-hook: dist-xen-patches
dist-xen-patches:
	sed -e '/^[[:space:]]*#/d' -e '/^[[:space:]]*$$/d' \
		$(srcdir)/xen-patches/series | while read -r p; do \
		cp -p "$(srcdir)/xen-patches/$$p" "$(distdir)/xen-patches/" \
			|| exit 1; \
	done
.PHONY: dist-xen-patches
