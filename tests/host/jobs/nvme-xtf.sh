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

XTF_IMAGE=$PVR_GUEST/nvme/test-hvm32-nvme
NVME_IMG=/var/lib/pvr-test/nvme-xtf.img
NVME_SECTORS=8192                       # 4 MiB
XS_DIR=/local/domain/0/paravisor

# nvme_records Q LBA N: the guest's records for N sectors from LBA, as
# tests/guest/nvme/main.c's fill() writes them.
nvme_records() {
    awk -v q="$1" -v lba="$2" -v n="$3" 'BEGIN {
        for ( s = 0; s < n; s++ )
            for ( k = 0; k < 16; k++ )
                printf "pvr-nvme q%u lba %08x #%02u ok\n", q, lba + s, k
    }'
}

# nvme_put FILE Q LBA N: those records into FILE at LBA.
nvme_put() {
    nvme_records "$2" "$3" "$4" |
        dd of="$1" bs=512 seek="$3" conv=notrunc status=none
}

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

    guest_dmesg_wait 900 "$domid" "Test result:" || true
    xl dmesg | grep "(d$domid)" > "$PVR_OUT/guest.log"
    grep -q "Test result:" "$PVR_OUT/guest.log" ||
        fail "no Test result line: $(tail -n 1 "$PVR_OUT/guest.log")"
    guest_wait_gone 120 "$domid" || fail "guest did not power off"
    wait_for 60 "pvdomaind to exit after the guest" \
        test -e "$PVR_RUN/pvdomaind.rc" || fail "pvdomaind still running"
    cp "$PVR_RUN/pvdomaind.rc" "$PVR_OUT/pvdomaind.rc"
    grep -E "nvme:|Test result" "$PVR_OUT/guest.log"
    grep -q "Test result: SUCCESS" "$PVR_OUT/guest.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/guest.log")"
}

xtf_cleanup() {
    daemons_stop_all
    guests_destroy_all
}

guest_said() {
    file_has "$PVR_OUT/guest.log" "$1"
}

check_found() {
    guest_said "nvme: pci: controller at 00:05.0"
    guest_said "nvme: BAR0 "
    guest_said "nvme: identify namespace: nsze $NVME_SECTORS "
    guest_said "nvme: queues: 2 I/O queue pairs created: ok"
}

check_io() {
    local n
    n=$(grep -c "nvme: write: .*: ok" "$PVR_OUT/guest.log")
    echo "$n writes ok"
    [ "$n" -eq 6 ] || fail "expected 6 good writes, saw $n"
    n=$(grep -c "nvme: read: .*: ok" "$PVR_OUT/guest.log")
    echo "$n reads ok"
    [ "$n" -eq 8 ] || fail "expected 8 good reads, saw $n"
    guest_said "nvme: read: .*dom0's records: matches"
    guest_said "nvme: flush: q2: ok"
}

check_errors() {
    local n
    n=$(grep -c "nvme: error: .*as expected: ok" "$PVR_OUT/guest.log")
    echo "$n broken commands got their NVMe status"
    [ "$n" -eq 6 ] || fail "expected 6 error statuses, saw $n"
}

check_result() {
    grep "Test result:" "$PVR_OUT/guest.log"
    grep -q "Test result: SUCCESS" "$PVR_OUT/guest.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/guest.log")"
}

# Every byte of the first MiB and the last sector, as the guest wrote it.
check_image() {
    local exp=$PVR_RUN/nvme-expected.img
    nvme_put "$exp" 1 0 8
    nvme_put "$exp" 2 16 16
    nvme_put "$exp" 2 40 8
    nvme_put "$exp" 1 128 128
    nvme_put "$exp" 2 512 256
    nvme_put "$exp" 2 $((NVME_SECTORS - 1)) 1
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
step --timeout 1200 run xtf_run
step controller-found check_found
step io-across-queues check_io
step error-statuses check_errors
step guest-result check_result
step image-has-guest-bytes check_image
step daemon-clean-exit check_daemon
step --always cleanup xtf_cleanup
