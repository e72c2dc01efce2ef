# SPDX-License-Identifier: GPL-2.0-only
#
# Job tpm-xtf: the freestanding TPM test guest (tests/guest/tpm) drives
# the TPM over MMIO through pvdomaind on real Xen.
#
# The guest is created paused; pvdomaind starts in dom0 and publishes
# readiness in xenstore before the guest runs a single instruction.  The
# guest runs Startup, GetRandom, PCR_Extend/PCR_Read (digest computed by
# the guest), NV define/write/read and malformed commands, then asks for a
# restart: pvdomaind is stopped (SIGTERM: the IOREQ server goes, the guest
# sees all-ones where the TPM was) and started again with --tpm-resume on
# the same state file; the guest checks that the TPM is still started,
# PCR 16 kept its value and the NV index its data.  When the guest powers
# off, pvdomaind must notice and exit cleanly by itself.
#
# The run step does all of this and keeps every log; the steps after it
# only read those logs, so each failure is reported under its own name
# while a TCG flake reruns the scenario as a whole.

XTF_IMAGE=$PVR_GUEST/tpm/test-hvm32-tpm
STATE=/var/lib/pvr-test/tpm-xtf.state
XS_DIR=/local/domain/0/paravisor

# Everything, with the guest's console in $PVR_OUT/guest.log.
xtf_run() {
    local domid rc
    require_bin pvdomaind
    require_guest tpm/test-hvm32-tpm
    rm -f "$STATE" "$PVR_OUT"/pvdomaind-*.log
    mkdir -p "${STATE%/*}"

    guest_create_paused "$(xtf_guest_cfg tpm-xtf "$XTF_IMAGE")" ||
        fail "xl create -p failed"
    domid=$(guest_domid tpm-xtf) || fail "no domid for tpm-xtf"
    echo "$domid" > "$PVR_OUT/domid"

    daemon_start pvdomaind-1 "$PVR_BIN/pvdomaind" --domid "$domid" \
        --tpm-state "$STATE" || fail "pvdomaind did not start"
    daemon_xs_wait pvdomaind-1 60 "$XS_DIR/$domid/state" ready ||
        fail "pvdomaind: $(pvr_last_line "$PVR_OUT/pvdomaind-1.log")"
    guest_unpause tpm-xtf || fail "xl unpause failed"

    guest_dmesg_wait 600 "$domid" "tpm: waiting for TPM restart" || {
        xl dmesg | grep "(d$domid)" > "$PVR_OUT/guest.log"
        fail "guest never asked for the restart"
    }
    "$PVR_BIN/pvdomainctl" --domid "$domid" status > "$PVR_OUT/status-1.txt"
    daemon_stop pvdomaind-1 60
    rc=$?
    echo "$rc" > "$PVR_OUT/stop-1.rc"
    ! xenstore-exists "$XS_DIR/$domid" ||
        echo present > "$PVR_OUT/xs-after-stop"

    daemon_start pvdomaind-2 "$PVR_BIN/pvdomaind" --domid "$domid" \
        --tpm-state "$STATE" --tpm-resume || fail "pvdomaind restart failed"
    daemon_xs_wait pvdomaind-2 60 "$XS_DIR/$domid/state" ready ||
        fail "pvdomaind: $(pvr_last_line "$PVR_OUT/pvdomaind-2.log")"

    guest_dmesg_wait 400 "$domid" "Test result:" || true
    xl dmesg | grep "(d$domid)" > "$PVR_OUT/guest.log"
    grep -q "Test result:" "$PVR_OUT/guest.log" ||
        fail "no Test result line: $(tail -n 1 "$PVR_OUT/guest.log")"
    guest_wait_gone 120 "$domid" || fail "guest did not power off"
    # The guest is gone: pvdomaind must see it and leave by itself.
    wait_for 60 "pvdomaind to exit after the guest" \
        test -e "$PVR_RUN/pvdomaind-2.rc" || fail "pvdomaind still running"
    echo "pvdomaind-2 exit status $(cat "$PVR_RUN/pvdomaind-2.rc")"
    cp "$PVR_RUN/pvdomaind-2.rc" "$PVR_OUT/stop-2.rc"
    grep -E "(tpm:|Test result|bench:)" "$PVR_OUT/guest.log"
    # The outcome, so that a TCG flake reruns the whole scenario.
    grep -q "Test result: SUCCESS" "$PVR_OUT/guest.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/guest.log")"
    rc=$(cat "$PVR_OUT/stop-1.rc" "$PVR_OUT/stop-2.rc" | tr '\n' ' ')
    [ "$rc" = "0 0 " ] || fail "pvdomaind exit statuses: $rc"
}

xtf_cleanup() {
    daemons_stop_all
    guests_destroy_all
}

# Assertions on the run's logs.
guest_said() {
    file_has "$PVR_OUT/guest.log" "$1"
}

check_phase1() {
    local l
    for l in "tpm: probe: DID_VID 0x00015853" "startup: .*: ok" \
             "getrandom: not all zero, and the two differ: ok" \
             "pcr16: PCR_Read: equals SHA-256(old || digest)" \
             "nv: NV_Read: returns the pattern written: ok"; do
        guest_said "$l"
    done
}

check_negative() {
    local n
    n=$(grep -c "tpm: neg: .*TPM still usable: ok" "$PVR_OUT/guest.log")
    echo "$n malformed commands refused, TPM still usable"
    [ "$n" -ge 5 ] || fail "expected 5 refused malformed commands, saw $n"
}

check_restart() {
    [ "$(cat "$PVR_OUT/stop-1.rc")" = 0 ] ||
        fail "pvdomaind exited $(cat "$PVR_OUT/stop-1.rc") on SIGTERM"
    [ ! -e "$PVR_OUT/xs-after-stop" ] ||
        fail "pvdomaind left $XS_DIR/<domid> in xenstore"
    grep -q "ioreq: info: server [0-9]* destroyed" \
        "$PVR_OUT/pvdomaind-1.log" ||
        fail "pvdomaind did not destroy its IOREQ server"
    grep -q "volatile state saved" "$PVR_OUT/pvdomaind-1.log" ||
        fail "pvdomaind did not save the volatile state"
    grep -q "volatile state resumed" "$PVR_OUT/pvdomaind-2.log" ||
        fail "the second pvdomaind did not resume"
    guest_said "restart: TPM gone"
    guest_said "restart: TPM back"
    guest_said "restart: TPM2_Startup(SU_CLEAR) says TPM_RC_INITIALIZE"
    guest_said "restart: PCR_Read: PCR 16 kept its extended value: ok"
    guest_said "restart: NV_Read: the pattern written before the restart: ok"
}

check_result() {
    grep "Test result:" "$PVR_OUT/guest.log"
    grep -q "Test result: SUCCESS" "$PVR_OUT/guest.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/guest.log")"
}

check_guest_death() {
    [ "$(cat "$PVR_OUT/stop-2.rc")" = 0 ] ||
        fail "pvdomaind exited $(cat "$PVR_OUT/stop-2.rc") when the guest died"
    grep -q "stopping (guest gone)" "$PVR_OUT/pvdomaind-2.log" ||
        fail "pvdomaind did not stop because the guest died"
    ! xenstore-exists "$XS_DIR/$(cat "$PVR_OUT/domid")" ||
        fail "xenstore node left behind"
    echo "pvdomaind followed the guest's death and cleaned up"
}

check_counters() {
    sed -n 's/^\(ioreqs\|ioreq-invalid\|tpm-commands\|tpm-rejected\): /&/p' \
        "$PVR_OUT/status-1.txt"
    grep -q "^tpm-commands: [1-9]" "$PVR_OUT/status-1.txt" ||
        fail "pvdomainctl status shows no TPM command"
}

on_retry xtf_cleanup
step --timeout 900 run xtf_run
step phase1 check_phase1
step malformed-commands check_negative
step restart-keeps-state check_restart
step guest-result check_result
step follows-guest-death check_guest_death
step status-counters check_counters
step --always cleanup xtf_cleanup
