# SPDX-License-Identifier: GPL-2.0-only
#
# Declaration of the VSM guest test (Hyper-V Virtual Trust Levels on the
# patched Xen, answered by tests/host/progs/pvr-vsm-responder), in the
# manner of an XTF test Makefile.  Only variables: tests/guest/local.mk
# has the rules.

guest_vsm_NAME = vsm
guest_vsm_CATEGORY = functional
guest_vsm_ENVS = hvm32
guest_vsm_IMAGES = tests/guest/vsm/test-hvm32-vsm

guest_vsm_OBJS = tests/guest/vsm/main.gobj
guest_vsm_HDRS =
