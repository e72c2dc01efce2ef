# SPDX-License-Identifier: GPL-2.0-only
#
# Job nvme-blkback: the guest's NVMe controller stores to dom0's blkback.
# pvdomaind in dom0 serves the controller (drivers/nvme) with --nvme
# vbd:N: its own blkif frontend (drivers/blkfront) shares a ring and data
# pages by grant, binds an event channel and does the xenbus handshake
# with dom0's blkback, which serves a loop device on a raw image.  The
# job writes the vbd's two xenstore directories itself, as libxl would
# (lib/nvme.sh).
#
# The freestanding guest tests/guest/nvme runs what nvme-xtf runs, then
# the soak dom0 asks for at LBA 1040: 64 KiB writes read back on the
# other queue for SOAK_SECONDS.  During the soak the job removes blkback's
# directory (blkback frees the device, the ring, the grants and the
# loop device's use) and writes it back OUTAGE seconds later: blkfront
# must put what was in flight back on the queue, redo the handshake with
# the new backend and replay, and the guest must see every read match.
# After the guest is gone, every byte of the image is compared with what
# the guest must have written.
#
# The run steps do the work and keep every log; the checks only read them.

. "$PVR_LIB/nvme.sh"

XTF_IMAGE=$PVR_GUEST/nvme/test-hvm32-nvme
NVME_IMG=/var/lib/pvr-test/nvme-blkback.img
NVME_SECTORS=8192                       # 4 MiB
DEVID=51728                             # xvdb's id; any free id would do
SOAK_SECONDS=60
OUTAGE=6
XS_DIR=/local/domain/0/paravisor

bb_cleanup() {
    daemons_stop_all
    guests_destroy_all
    vbd_detach $DEVID
}

# What pvdomaind said lately (not the per-ioreq debug lines), on the
# console: the serial log is the only record that is live.
bb_progress() {
    grep -v "ioreq: debug" "$PVR_OUT/pvdomaind.log" | tail -n 6 |
        while read -r line; do pvr_console "$line"; done
}

bb_run() {
    local domid be
    require_bin pvdomaind
    require_guest nvme/test-hvm32-nvme
    modprobe xen-gntalloc 2>/dev/null
    [ -c /dev/xen/gntalloc ] || skip "skip: dom0 has no /dev/xen/gntalloc"
    be=$(vbd_backend_dir $DEVID)
    vbd_detach $DEVID
    rm -f "$NVME_IMG"
    mkdir -p "${NVME_IMG%/*}"
    dd if=/dev/zero of="$NVME_IMG" bs=512 count=0 seek=$NVME_SECTORS \
        status=none || fail "cannot make $NVME_IMG"
    nvme_put "$NVME_IMG" 0 1024 8
    nvme_soak_ask "$NVME_IMG" $SOAK_SECONDS
    cp "$NVME_IMG" "$PVR_RUN/nvme-expected.img"

    vbd_attach $DEVID "$NVME_IMG" || fail "cannot write the vbd's nodes"
    xs_wait 30 "$be/state" 2 || fail "blkback did not reach InitWait"
    # A crashed guest is kept for guest_crash_report (Xen makes a triple
    # fault a reboot; ../../README says what such faults turned out to be).
    guest_create_paused "$(xtf_guest_cfg nvme-blkback "$XTF_IMAGE" \
            'on_crash = "preserve"' 'on_reboot = "preserve"')" ||
        fail "xl create -p failed"
    domid=$(guest_domid nvme-blkback) || fail "no domid for nvme-blkback"
    echo "$domid" > "$PVR_OUT/domid"
    daemon_start pvdomaind "$PVR_BIN/pvdomaind" --domid "$domid" \
        --nvme vbd:$DEVID || fail "pvdomaind did not start"
    daemon_xs_wait pvdomaind 60 "$XS_DIR/$domid/state" ready ||
        fail "pvdomaind: $(pvr_last_line "$PVR_OUT/pvdomaind.log")"
    xenstore-ls -f "$be" > "$PVR_OUT/backend-before.txt"
    [ "$(xenstore-read "$be/state")" = 4 ] ||
        fail "blkback not Connected: state $(xenstore-read "$be/state")"
    guest_unpause nvme-blkback || fail "xl unpause failed"

    guest_dmesg_wait 900 "$domid" "nvme: soak: $SOAK_SECONDS s" ||
        fail "the guest did not start its soak"
    sleep 3
    xl dmesg | grep "(d$domid)" > "$PVR_OUT/guest-at-teardown.log"
    echo "tearing blkback's device down at uptime $(cut -d' ' -f1 /proc/uptime)"
    xenstore-rm "$be" || fail "cannot remove $be"
    # As a toolstack would: the old device must be gone before a new one
    # of the same name can be probed.
    wait_for 60 "blkback to remove vbd-0-$DEVID" \
        test ! -e /sys/bus/xen-backend/devices/vbd-0-$DEVID ||
        fail "blkback kept vbd-0-$DEVID"
    sleep $OUTAGE
    echo "writing it back at uptime $(cut -d' ' -f1 /proc/uptime)"
    vbd_backend_write $DEVID "$(cat "$PVR_OUT/vbd-$DEVID.loop")" ||
        fail "cannot write $be back"
    if ! xs_wait 60 "$be/state" 4; then
        xenstore-ls -f "$be" "$(vbd_frontend_dir $DEVID)"
        dmesg | tail -n 20
        bb_progress
        fail "blkback did not connect again"
    fi
    xenstore-ls -f "$be" > "$PVR_OUT/backend-after.txt"
    sleep 2
    bb_progress

    guest_dmesg_wait $((SOAK_SECONDS + 300)) "$domid" "Test result:" ||
        bb_progress
    nvme_guest_finish "$domid"
    xenstore-read "$(vbd_frontend_dir $DEVID)/state" \
        > "$PVR_OUT/frontend-state-at-exit" 2>&1
    grep -E "nvme:|Test result" "$PVR_OUT/guest.log"
    grep -q "Test result: SUCCESS" "$PVR_OUT/guest.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/guest.log")"
}

# blkfront connected to blkback, with the features it offers.
check_connected() {
    local line
    # pvdomaind.log holds every attempt's lines: the last are this one's.
    line=$(grep "vbd: .*connected after" "$PVR_OUT/pvdomaind.log" |
        tail -n 1)
    [ -n "$line" ] || fail "pvdomaind never said blkfront connected"
    echo "$line"
    case "$line" in
    *"$NVME_SECTORS sectors"*) ;;
    *) fail "blkfront saw a disk of another size" ;;
    esac
    grep -E "/(feature-[a-z-]*|max-ring-page-order|sectors|info|mode) " \
        "$PVR_OUT/backend-before.txt"
}

# The outage happened mid-soak, was waited out, and lost nothing.
check_outage() {
    local soak ms stats n
    grep -q "nvme: soak: .* rounds" "$PVR_OUT/guest-at-teardown.log" &&
        fail "the soak had ended before the backend was torn down"
    soak=$(grep -m1 "nvme: soak: .* rounds" "$PVR_OUT/guest.log") ||
        fail "the guest's soak did not end well"
    echo "$soak"
    ms=$(echo "$soak" | sed -n 's/.*slowest \([0-9]*\) ms.*/\1/p')
    # A round spans the outage unless the guest's I/O stopped during it.
    [ "${ms:-0}" -ge $((OUTAGE * 1000 / 3)) ] ||
        fail "no guest request waited across the ${OUTAGE} s outage" \
            "(slowest round ${ms:-?} ms)"
    stats=$(grep "vbd: .*blkfront: requests" "$PVR_OUT/pvdomaind.log" |
        tail -n 1)
    [ -n "$stats" ] || fail "pvdomaind did not log blkfront's counters"
    echo "$stats"
    for n in "disconnects [1-9]" "connects [2-9]" "failed 0 " "bad 0 "; do
        echo "$stats" | grep -q " $n" || fail "blkfront: expected '$n'"
    done
    figure blkfront_replayed \
        "$(echo "$stats" | sed -n 's/.* replayed \([0-9]*\).*/\1/p')" requests
    figure soak_slowest_round "$ms" ms
}

check_image() {
    local exp=$PVR_RUN/nvme-expected.img rounds
    rounds=$(sed -n 's/.*nvme: soak: \([0-9]*\) rounds.*/\1/p' \
        "$PVR_OUT/guest.log" | head -n 1)
    [ -n "$rounds" ] || fail "no soak round count"
    nvme_expect_guest "$exp" $NVME_SECTORS
    nvme_soak_expect "$exp" "$rounds"
    cmp "$exp" "$NVME_IMG" || fail "the image differs from the guest's writes"
    echo "image: $(stat -c %s "$NVME_IMG") bytes equal to the expected" \
        "(the fixed regions and the last of $rounds soak rounds per slot)"
}

check_daemon() {
    [ "$(cat "$PVR_OUT/pvdomaind.rc")" = 0 ] ||
        fail "pvdomaind exited $(cat "$PVR_OUT/pvdomaind.rc")"
    file_has "$PVR_OUT/pvdomaind.log" "stopping (guest gone)"
    [ "$(cat "$PVR_OUT/frontend-state-at-exit")" = 6 ] ||
        fail "blkfront left its state at" \
            "$(cat "$PVR_OUT/frontend-state-at-exit"), not Closed (6)"
    ! xenstore-exists "$XS_DIR/$(cat "$PVR_OUT/domid")" ||
        fail "xenstore node left behind"
}

check_detach() {
    local img
    vbd_detach $DEVID || fail "the loop device stayed in use"
    ! xenstore-exists "$(vbd_backend_dir $DEVID)" ||
        fail "backend directory left"
    img=$(losetup -j "$NVME_IMG")
    [ -z "$img" ] || fail "loop device left: $img"
    echo "vbd $DEVID detached, no loop device on $NVME_IMG"
}

on_retry bb_cleanup
step --timeout 1500 run bb_run
step controller-found nvme_check_found "$NVME_SECTORS"
step io-across-queues nvme_check_io
step error-statuses nvme_check_errors
step guest-result nvme_check_result
step blkfront-connected check_connected
step backend-outage-survived check_outage
step image-has-guest-bytes check_image
step daemon-clean-exit check_daemon
step detach-leaves-nothing check_detach
step --always cleanup bb_cleanup
