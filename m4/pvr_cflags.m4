# SPDX-License-Identifier: GPL-2.0-only
# AX_CHECK_CFLAG_VAR(VAR, FLAG): append FLAG to VAR when $CC accepts it.
AC_DEFUN([AX_CHECK_CFLAG_VAR], [
    AC_MSG_CHECKING([whether $CC accepts $2])
    pvr_save_CFLAGS="$CFLAGS"
    CFLAGS="$CFLAGS -Werror $2"
    AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
        [AC_MSG_RESULT([yes]); $1="$$1 $2"],
        [AC_MSG_RESULT([no])])
    CFLAGS="$pvr_save_CFLAGS"
])
# AX_CHECK_CFLAG_APPEND(FLAG): append FLAG to CFLAGS when $CC accepts it.
AC_DEFUN([AX_CHECK_CFLAG_APPEND], [
    pvr_append_flags=""
    AX_CHECK_CFLAG_VAR([pvr_append_flags], [$1])
    CFLAGS="$CFLAGS$pvr_append_flags"
])
