# SPDX-License-Identifier: GPL-2.0-only
# The VTL policy engine (issue 7), part of libpvr.a.

libpvr_a_SOURCES += \
	pvdomain/vtl/channel.h pvdomain/vtl/vtl.h pvdomain/vtl/vtl_priv.h \
	pvdomain/vtl/engine.c pvdomain/vtl/partition.c \
	pvdomain/vtl/protect.c pvdomain/vtl/regs.c \
	pvdomain/vtl/intercept.c
EXTRA_DIST += pvdomain/vtl/README
