# SPDX-License-Identifier: GPL-2.0-only
#
# Declaration of the altp2m-ext guest test (altp2m views owned by a dom0
# monitor, tests/host/progs/pvr-altp2m-mon), in the manner of an XTF test
# Makefile.  Only variables: tests/guest/local.mk has the rules.

guest_altp2m_ext_NAME = altp2m-ext
guest_altp2m_ext_CATEGORY = functional
guest_altp2m_ext_ENVS = hvm32
guest_altp2m_ext_IMAGES = tests/guest/altp2m-ext/test-hvm32-altp2m-ext

guest_altp2m_ext_OBJS = tests/guest/altp2m-ext/main.gobj \
	tests/guest/altp2m-ext/phases.gobj tests/guest/altp2m-ext/vcpus.gobj \
	tests/guest/altp2m-ext/bench.gobj
guest_altp2m_ext_HDRS = tests/guest/altp2m-ext/altp2m-ext.h \
	tests/guest/altp2m-ext/proto.h
