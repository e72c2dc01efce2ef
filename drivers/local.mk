# SPDX-License-Identifier: GPL-2.0-only
# The split-driver ends: drivers/nvme (the guest's NVMe controller and
# the block-device interface it stores to).  Built into libpvr.a, so
# that pvdomaind, the tests and the fuzzers link the same objects.

libpvr_a_SOURCES += \
	drivers/nvme/nvme.h drivers/nvme/blkdev.h drivers/nvme/nvme_priv.h \
	drivers/nvme/slot.h \
	drivers/nvme/nvme.c drivers/nvme/pci.c drivers/nvme/regs.c \
	drivers/nvme/queue.c drivers/nvme/prp.c drivers/nvme/admin.c \
	drivers/nvme/identify.c drivers/nvme/io.c drivers/nvme/blkmem.c \
	drivers/nvme/blkfile.c drivers/nvme/dbbuf.c
EXTRA_DIST += drivers/README drivers/nvme/README
include $(srcdir)/drivers/blkfront/local.mk
