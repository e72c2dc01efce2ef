# SPDX-License-Identifier: GPL-2.0-only
#
# Declaration of the altp2m guest test, in the manner of an XTF test
# Makefile.  Only variables: tests/guest/local.mk has the rules, and
# tests/guest/check-stub.sh checks these values before the image links.

guest_altp2m_NAME = altp2m
guest_altp2m_CATEGORY = functional
guest_altp2m_ENVS = hvm32
guest_altp2m_IMAGES = tests/guest/altp2m/test-hvm32-altp2m

guest_altp2m_OBJS = tests/guest/altp2m/main.gobj \
	tests/guest/altp2m/hvmop.gobj tests/guest/altp2m/checks.gobj \
	tests/guest/altp2m/access.gobj tests/guest/altp2m/views.gobj \
	tests/guest/altp2m/stress.gobj tests/guest/altp2m/bench.gobj
guest_altp2m_HDRS = tests/guest/altp2m/altp2m-test.h
