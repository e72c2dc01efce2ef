# SPDX-License-Identifier: GPL-2.0-only
#
# Job tpm-linux: a stock Debian Linux HVM guest (Debian's kernel, no Xen
# TPM driver, PV drivers beside the point) boots with pvdomaind serving
# its TPM.  Xen's hvmloader finds the TIS while it builds the ACPI tables
# (so pvdomaind must be serving before the guest is unpaused), Linux's
# tpm_tis binds to the PNP0C31 device, detects a TPM 2.0 on its own, and
# tpm2-tools' getrandom and pcrread succeed through /dev/tpmrm0.
#
# The run step keeps the guest console and pvdomaind's log and fails when
# the guest's script or pvdomaind does (a TCG flake reruns it whole); the
# checks after it read those logs and say which part went wrong.  The
# console is also what the README's demo shows.

STATE=/var/lib/pvr-test/tpm-linux.state
XS_DIR=/local/domain/0/paravisor

linux_run() {
    local cfg domid
    require_bin pvdomaind
    rm -f "$STATE"
    mkdir -p "${STATE%/*}"
    cfg=$(linux_guest_cfg tpm-linux tpm) || fail "no guest config"
    guest_create_paused "$cfg" || fail "xl create -p failed"
    domid=$(guest_domid tpm-linux) || fail "no domid"
    echo "$domid" > "$PVR_OUT/domid"
    daemon_start pvdomaind "$PVR_BIN/pvdomaind" --domid "$domid" \
        --tpm-state "$STATE" || fail "pvdomaind did not start"
    daemon_xs_wait pvdomaind 60 "$XS_DIR/$domid/state" ready ||
        fail "pvdomaind not ready: $(pvr_last_line "$PVR_OUT/pvdomaind.log")"
    guest_unpause tpm-linux || fail "xl unpause failed"
    if ! guest_wait_gone 600 "$domid"; then
        tail -n 20 "$PVR_OUT/tpm-linux.console.log"
        fail "guest did not power off within 600 s"
    fi
    wait_for 60 "pvdomaind to exit after the guest" \
        test -e "$PVR_RUN/pvdomaind.rc" || fail "pvdomaind still running"
    cp "$PVR_RUN/pvdomaind.rc" "$PVR_OUT/pvdomaind.rc"
    grep '^pvr-guest:' "$PVR_OUT/tpm-linux.console.log"
    # The outcome, so that a TCG flake reruns the whole scenario; the
    # steps below say in detail what went wrong if it fails twice.
    grep -q '^pvr-guest: script tpm exited 0' \
        "$PVR_OUT/tpm-linux.console.log" || \
        fail "the guest's TPM script failed"
    [ "$(cat "$PVR_OUT/pvdomaind.rc")" = 0 ] ||
        fail "pvdomaind exited $(cat "$PVR_OUT/pvdomaind.rc")"
}

linux_cleanup() {
    daemons_stop_all
    guests_destroy_all
}

console_has() {
    file_has "$PVR_OUT/tpm-linux.console.log" "$1"
}

check_device() {
    console_has "pvr-guest: tpm device: ok"
    console_has "pvr-guest: tpm version 2"
    console_has "tpm_tis.*2.0 TPM"
}

check_tools() {
    console_has "pvr-guest: tpm getrandom: ok"
    console_has "pvr-guest: tpm pcrread: ok"
    console_has "pvr-guest: script tpm exited 0"
}

check_daemon() {
    [ "$(cat "$PVR_OUT/pvdomaind.rc")" = 0 ] ||
        fail "pvdomaind exited $(cat "$PVR_OUT/pvdomaind.rc")"
    grep -q "stopping (guest gone)" "$PVR_OUT/pvdomaind.log" ||
        fail "pvdomaind did not follow the guest's death"
    grep -o "stopped after [0-9]* commands.*" "$PVR_OUT/pvdomaind.log"
    grep -q "stopped after [1-9][0-9]* commands" "$PVR_OUT/pvdomaind.log" ||
        fail "no TPM command reached pvdomaind"
    ! xenstore-exists "$XS_DIR/$(cat "$PVR_OUT/domid")" ||
        fail "xenstore node left behind"
}

on_retry linux_cleanup
step --timeout 900 run linux_run
step tpm-device check_device
step tpm2-tools check_tools
step pvdomaind-lifecycle check_daemon
step --always cleanup linux_cleanup
