# SPDX-License-Identifier: GPL-2.0-only
#
# Declaration of the NVMe guest test, in the manner of an XTF test
# Makefile.  Only variables: tests/guest/local.mk has the rules.

guest_nvme_NAME = nvme
guest_nvme_CATEGORY = functional
guest_nvme_ENVS = hvm32
guest_nvme_IMAGES = tests/guest/nvme/test-hvm32-nvme

guest_nvme_OBJS = tests/guest/nvme/main.gobj
guest_nvme_HDRS =
