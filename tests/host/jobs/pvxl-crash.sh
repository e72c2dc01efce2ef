# SPDX-License-Identifier: GPL-2.0-only
# xen: patched
#
# Job pvxl-crash: the paravisor domain is destroyed in the middle of TPM
# traffic; pvxl's monitor pauses the guest, starts a new paravisor domain
# on the same state disk and unpauses the guest, which completes its test
# with the NV data it wrote before the crash (tests/guest/tpm/crash.c).
#
# Xen 4.17 keeps a dead emulator's IOREQ servers (and the emulator
# domain, as a zombie) until the guest dies, and a guest vCPU waiting on
# one never wakes: xen-patches 0010 destroys them with their emulator.
# So on Debian's Xen the job reports "skip: needs xen-patches".
#
# Asserted: the guest says the TPM was lost mid-traffic and came back
# reset with its NV pattern, and SUCCESS; the new paravisor is a new
# domain; the old one is gone from Xen (no zombie); pvxl's monitor logged
# the death and the restart; after the guest's poweroff nothing is left.

NAME=pvxl-crash

crash_run() {
    local g p p2 t0 t1 i
    require_pvxl
    require_guest tpm/test-hvm32-tpm-crash
    xl info | grep -q '^xen_extra *: .*-pvr' ||
        skip "needs xen-patches: Xen 4.17 keeps a dead paravisor's IOREQ" \
             "server and blocks the vCPU waiting on it"
    pair_create_xtf "$NAME" "$PVR_GUEST/tpm/test-hvm32-tpm-crash"
    read -r g p < "$PVR_OUT/domids"

    guest_dmesg_wait 600 "$g" "tpm: crash: traffic" ||
        fail "the guest never started its TPM traffic"
    sleep 3
    t0=$(pvr_uptime_cs)
    xl destroy "$p" || fail "xl destroy $p failed"
    echo "destroyed paravisor domain $p in the middle of TPM traffic"

    # A new paravisor domain, paired and ready.
    p2=$p
    for i in $(seq 1 300); do
        p2=$(xenstore-read "/local/domain/$g/paravisor/domid" 2>/dev/null) ||
            p2=$p
        [ "$p2" != "$p" ] &&
            [ "$(xenstore-read "/local/domain/$p2/paravisor/state" \
                 2>/dev/null)" = ready ] && break
        sleep 1
    done
    [ "$p2" != "$p" ] || fail "no new paravisor domain within 300 s"
    t1=$(pvr_uptime_cs)
    echo "$p2" > "$PVR_OUT/new-domid"
    xl dmesg > "$PVR_OUT/xl-dmesg-after.txt"
    echo "$(( (t1 - t0) * 10 ))" > "$PVR_OUT/recovery-ms"
    xl list > "$PVR_OUT/xl-list-after.txt"

    pair_guest_finish "$NAME" "$g" "$p2" "$PVR_OUT/guest.log" "tpm: crash"
}

crash_cleanup() {
    pair_cleanup "$NAME"
}

guest_said() {
    file_has "$PVR_OUT/guest.log" "$1"
}

check_guest() {
    guest_said "tpm: crash: NV read [0-9]* failed"
    guest_said "crash: TPM back"
    guest_said "crash: TPM2_Startup(SU_CLEAR) succeeds: the TPM was reset"
    guest_said "crash: PCR_Read: PCR 16 is zero again"
    guest_said "crash: NV_Read: the pattern written before the crash"
    guest_said "Test result: SUCCESS"
}

check_old_gone() {
    read -r g p < "$PVR_OUT/domids"
    # A zombie keeps its domid in `xl list` (as "(null)") until the guest
    # dies; patch 0010 lets it go with its IOREQ server.
    if awk -v d="$p" '$2 == d' "$PVR_OUT/xl-list-after.txt" | grep -q .; then
        cat "$PVR_OUT/xl-list-after.txt"
        fail "the destroyed paravisor domain $p is still in xl list"
    fi
    # Patch 0010's line: the dead paravisor's IOREQ server was destroyed.
    grep "ioreq server .* of dying emulator d$p destroyed" \
        "$PVR_OUT/xl-dmesg-after.txt" ||
        fail "Xen did not destroy the dead paravisor's IOREQ server"
    echo "paravisor $p gone; new paravisor $(cat "$PVR_OUT/new-domid")," \
         "ready $(cat "$PVR_OUT/recovery-ms") ms after the destroy"
    figure "paravisor crash -> new paravisor ready" \
        "$(cat "$PVR_OUT/recovery-ms")" ms "guest paused meanwhile"
}

check_monitor() {
    [ -s "$PVR_OUT/monitor.log" ] || fail "no pvxl monitor log"
    grep -E "died|new one|ready|unpause" "$PVR_OUT/monitor.log" | tail -n 6
    grep -q "died" "$PVR_OUT/monitor.log" ||
        fail "the monitor did not log the paravisor's death"
}

check_nothing_left() {
    read -r g p < "$PVR_OUT/domids"
    pair_nothing_left "$NAME" "$g"
}

on_retry crash_cleanup
step --timeout 900 run crash_run
step guest-recovered check_guest
step old-paravisor-gone check_old_gone
step monitor-log check_monitor
step nothing-left check_nothing_left
step --always cleanup crash_cleanup
