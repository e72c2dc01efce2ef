# SPDX-License-Identifier: GPL-2.0-only
#
# Job nvme-xtf: pvdomaind in dom0 serves an NVMe controller
# (drivers/nvme) on a raw image file; the freestanding guest
# tests/guest/nvme finds it on PCI, drives it with polled queues, and
# dom0 then finds the guest's bytes in the image file.
#
# The guest is booted as the firmware itself (so nothing assigns BARs:
# the guest does, at 0xF0000000; nvme-hvmloader checks what hvmloader
# does): identify, two queue pairs, five patterned regions over PRP1,
# PRP1+PRP2 and PRP lists, read back, flush, error statuses, shutdown.
# dom0 puts its own records at LBA 1024 before boot, for the guest to
# read; after the guest is gone, every byte of the image is compared
# with what the guest must have written (the rest zeros).
#
# The run steps do the work and keep every log; the checks only read them.

. "$PVR_LIB/nvme.sh"

XTF_IMAGE=$PVR_GUEST/nvme/test-hvm32-nvme
NVME_IMG=/var/lib/pvr-test/nvme-xtf.img
NVME_SECTORS=8192                       # 4 MiB
XS_DIR=/local/domain/0/paravisor

xtf_run() {
    local domid
    require_bin pvdomaind
    require_guest nvme/test-hvm32-nvme
    rm -f "$NVME_IMG"
    mkdir -p "${NVME_IMG%/*}"
    dd if=/dev/zero of="$NVME_IMG" bs=512 count=0 seek=$NVME_SECTORS \
        status=none || fail "cannot make $NVME_IMG"
    nvme_put "$NVME_IMG" 0 1024 8
    cp "$NVME_IMG" "$PVR_RUN/nvme-expected.img"

    guest_create_paused "$(xtf_guest_cfg nvme-xtf "$XTF_IMAGE")" ||
        fail "xl create -p failed"
    domid=$(guest_domid nvme-xtf) || fail "no domid for nvme-xtf"
    echo "$domid" > "$PVR_OUT/domid"
    daemon_start pvdomaind "$PVR_BIN/pvdomaind" --domid "$domid" \
        --nvme "$NVME_IMG" || fail "pvdomaind did not start"
    daemon_xs_wait pvdomaind 60 "$XS_DIR/$domid/state" ready ||
        fail "pvdomaind: $(pvr_last_line "$PVR_OUT/pvdomaind.log")"
    guest_unpause nvme-xtf || fail "xl unpause failed"

    guest_dmesg_wait 300 "$domid" "Test result:" || true
    nvme_guest_finish "$domid"
    grep -E "nvme:|Test result" "$PVR_OUT/guest.log"
    grep -q "Test result: SUCCESS" "$PVR_OUT/guest.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/guest.log")"
}

xtf_cleanup() {
    daemons_stop_all
    guests_destroy_all
}

# Every byte of the first MiB and the last sector, as the guest wrote it.
check_image() {
    local exp=$PVR_RUN/nvme-expected.img
    nvme_expect_guest "$exp" $NVME_SECTORS
    [ "$(stat -c %s "$NVME_IMG")" = $((NVME_SECTORS * 512)) ] ||
        fail "the image changed size: $(stat -c %s "$NVME_IMG")"
    cmp "$exp" "$NVME_IMG" || fail "the image differs from the guest's writes"
    echo "image: $(stat -c %s "$NVME_IMG") bytes equal to the expected" \
        "(425 sectors of records, the rest zeros)"
    od -A d -c -j $((512 * 512)) -N 32 "$NVME_IMG" | head -n 2
}

check_daemon() {
    [ "$(cat "$PVR_OUT/pvdomaind.rc")" = 0 ] ||
        fail "pvdomaind exited $(cat "$PVR_OUT/pvdomaind.rc")"
    file_has "$PVR_OUT/pvdomaind.log" "stopping (guest gone)"
    file_has "$PVR_OUT/pvdomaind.log" "nvme: admin"
    ! xenstore-exists "$XS_DIR/$(cat "$PVR_OUT/domid")" ||
        fail "xenstore node left behind"
}

on_retry xtf_cleanup
step --timeout 600 run xtf_run
step controller-found nvme_check_found "$NVME_SECTORS"
step io-across-queues nvme_check_io
step error-statuses nvme_check_errors
step guest-result nvme_check_result
step image-has-guest-bytes check_image
step daemon-clean-exit check_daemon
step --always cleanup xtf_cleanup
