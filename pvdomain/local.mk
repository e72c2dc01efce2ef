# SPDX-License-Identifier: GPL-2.0-only
# pvdomaind, pvdomainctl and the library the tests link against.

noinst_LIBRARIES += libpvr.a
libpvr_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBTPMS_CFLAGS)
libpvr_a_SOURCES = \
	pvdomain/core/log.c pvdomain/core/log.h \
	pvdomain/core/fdio.c pvdomain/core/fdio.h \
	pvdomain/core/loop.c pvdomain/core/loop.h \
	pvdomain/core/msg.c pvdomain/core/msg.h \
	pvdomain/core/xsconfig.c pvdomain/core/daemon.h \
	pvdomain/port/port.c pvdomain/port/port.h pvdomain/port/backend.h \
	pvdomain/port/sim/sim.c pvdomain/port/sim/sim.h \
	pvdomain/port/sim/sim_priv.h pvdomain/port/sim/sim_evtchn.c \
	pvdomain/port/sim/sim_dm.c pvdomain/port/sim/sim_xs.c \
	pvdomain/port/sim/sim_gnttab.c pvdomain/port/sim/sim_altp2m.c \
	pvdomain/ioreq/ioreq.h pvdomain/ioreq/ioreq_priv.h \
	pvdomain/ioreq/decode.c pvdomain/ioreq/dispatch.c \
	pvdomain/ioreq/server.c \
	pvdomain/services/tpm/tpm.h pvdomain/services/tpm/tpm_priv.h \
	pvdomain/services/tpm/tis.c pvdomain/services/tpm/engine.c \
	pvdomain/services/tpm/state.c pvdomain/services/tpm/tpm.c

if WITH_XEN
libpvr_a_CPPFLAGS += $(XEN_CFLAGS)
libpvr_a_SOURCES += \
	pvdomain/port/xen/xen_priv.h pvdomain/port/xen/xen.c \
	pvdomain/port/xen/domctl.c pvdomain/port/xen/altp2m.c \
	pvdomain/port/xen/fmem.c pvdomain/port/xen/evtchn.c \
	pvdomain/port/xen/gnttab.c pvdomain/port/xen/dm.c \
	pvdomain/port/xen/xs.c
PVR_XEN_LIBS = $(XEN_LIBS)
endif

include $(srcdir)/pvdomain/vtl/local.mk

# Everything a program linking libpvr.a needs.
PVR_LIBS = libpvr.a $(PVR_XEN_LIBS) $(LIBTPMS_LIBS) -lpthread

sbin_PROGRAMS += pvdomaind
pvdomaind_SOURCES = \
	pvdomain/core/main.c \
	pvdomain/core/parent.c pvdomain/core/worker.c \
	pvdomain/core/vbd.c pvdomain/core/vbd.h pvdomain/core/crash.c \
	pvdomain/core/vsm.c
pvdomaind_LDADD = $(PVR_LIBS)

sbin_PROGRAMS += pvdomainctl
pvdomainctl_SOURCES = pvdomain/core/pvdomainctl.c
pvdomainctl_LDADD = $(PVR_LIBS)
