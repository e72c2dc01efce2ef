# SPDX-License-Identifier: GPL-2.0-only
# drivers/blkfront: the userspace blkif frontend to dom0's blkback, a
# pvr_blkdev (drivers/nvme/blkdev.h).  In libpvr.a with the rest.

libpvr_a_SOURCES += \
	drivers/blkfront/blkfront.h drivers/blkfront/blkfront_priv.h \
	drivers/blkfront/blkif.h drivers/blkfront/xenbus.c \
	drivers/blkfront/ring.c
EXTRA_DIST += drivers/blkfront/README
