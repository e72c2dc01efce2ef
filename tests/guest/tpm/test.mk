# SPDX-License-Identifier: GPL-2.0-only
#
# Declaration of the TPM guest test, in the manner of an XTF test Makefile.
# Only variables: tests/guest/local.mk has the rules, and
# tests/guest/check-stub.sh checks these values before any image links
# (unknown category or environment, or an image name not of the form
# test-<env>-<name>[-<variant>], stops the build).

guest_tpm_NAME = tpm
guest_tpm_CATEGORY = functional
guest_tpm_ENVS = hvm32
guest_tpm_IMAGES = tests/guest/tpm/test-hvm32-tpm \
	tests/guest/tpm/test-hvm32-tpm-norestart \
	tests/guest/tpm/test-hvm32-tpm-crash \
	tests/guest/tpm/test-hvm32-tpm-reboot

# Objects shared by both images; main.c is built once per image.
guest_tpm_OBJS = tests/guest/tpm/checks.gobj tests/guest/tpm/neg.gobj \
	tests/guest/tpm/restart.gobj tests/guest/tpm/crash.gobj \
	tests/guest/tpm/reboot.gobj \
	tests/guest/tpm/bench.gobj \
	tests/guest/tpm/tis.gobj tests/guest/tpm/tpm2.gobj \
	tests/guest/tpm/sha256.gobj
guest_tpm_HDRS = tests/guest/tpm/sha256.h tests/guest/tpm/tis.h \
	tests/guest/tpm/tpm-test.h tests/guest/tpm/tpm2.h
