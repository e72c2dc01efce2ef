/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The pvxl commands that take more than a few lines (create.c).  Each
 * returns the process's exit status: 0, 1 (failed), 2 (usage).
 */
#ifndef PVR_PVXL_CLI_H
#define PVR_PVXL_CLI_H

#include "toolstack/pvxl/libpvxl.h"

/* argv[0] is "create".  Runs in the pvxl process; may fork the monitor. */
int pvxl_cmd_create(int argc, char **argv, const char *image_dir);

/* argv[0] is "shutdown" or "reboot". */
int pvxl_cmd_shutdown(pvr_pvxl *px, int argc, char **argv, int reboot);

#endif /* PVR_PVXL_CLI_H */
