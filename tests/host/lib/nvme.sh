# SPDX-License-Identifier: GPL-2.0-only
#
# Helpers of the NVMe jobs (sourced by them): the records
# tests/guest/nvme/main.c writes, and a vbd of dom0's blkback whose
# frontend is dom0's own pvdomaind (--nvme vbd:N), written as libxl
# writes a vbd's two directories (drivers/blkfront/README says why the
# frontend is device/pvr-vbd, not device/vbd).

# nvme_records Q LBA N: the guest's records for N sectors from LBA, as
# fill() writes them (soak: nvme_records soak:ROUND LBA N).
nvme_records() {
    awk -v q="$1" -v lba="$2" -v n="$3" 'BEGIN {
        soak = sub(/^soak:/, "", q)
        for ( s = 0; s < n; s++ )
            for ( k = 0; k < 16; k++ )
                if ( soak )
                    printf "soak %06u lba %08x #%02u ok\n", q % 1000000,
                        lba + s, k
                else
                    printf "pvr-nvme q%u lba %08x #%02u ok\n", q, lba + s, k
    }'
}

# nvme_put FILE Q LBA N: those records into FILE at LBA.
nvme_put() {
    nvme_records "$2" "$3" "$4" |
        dd of="$1" bs=512 seek="$3" conv=notrunc status=none
}

# The guest's soak (tests/guest/nvme/main.c soak()): asked for at LBA
# 1040, 31 slots of 128 sectors from LBA 4096, round r in slot r % 31.
NVME_SOAK_ASK_LBA=1040
NVME_SOAK_LBA=4096
NVME_SOAK_SECT=128
NVME_SOAK_SLOTS=31

# nvme_soak_ask FILE SECONDS: ask the guest to soak for SECONDS.
nvme_soak_ask() {
    printf 'pvr-nvme-soak %u\n' "$2" |
        dd of="$1" bs=512 seek=$NVME_SOAK_ASK_LBA conv=notrunc,sync \
            status=none
}

# nvme_soak_expect FILE ROUNDS: the last round of each slot into FILE
# (one awk and one dd when every slot was written: processes are slow
# to start in dom0 under TCG).
nvme_soak_expect() {
    local s r
    if [ "$2" -ge $NVME_SOAK_SLOTS ]; then
        awk -v rounds="$2" -v slots=$NVME_SOAK_SLOTS -v sect=$NVME_SOAK_SECT \
            -v lba0=$NVME_SOAK_LBA 'BEGIN {
            for ( s = 0; s < slots; s++ ) {
                r = s + int((rounds - 1 - s) / slots) * slots
                for ( i = 0; i < sect; i++ )
                    for ( k = 0; k < 16; k++ )
                        printf "soak %06u lba %08x #%02u ok\n", r % 1000000,
                            lba0 + s * sect + i, k
            }
        }' | dd of="$1" bs=512 seek=$NVME_SOAK_LBA conv=notrunc status=none
        return
    fi
    for s in $(seq 0 $((NVME_SOAK_SLOTS - 1))); do
        [ "$2" -gt "$s" ] || continue
        r=$((s + (($2 - 1 - s) / NVME_SOAK_SLOTS) * NVME_SOAK_SLOTS))
        nvme_put "$1" "soak:$r" $((NVME_SOAK_LBA + s * NVME_SOAK_SECT)) \
            $NVME_SOAK_SECT
    done
}

# vbd_backend_dir DEVID / vbd_frontend_dir DEVID: dom0 on both ends.
vbd_backend_dir() { echo "/local/domain/0/backend/vbd/0/$1"; }
vbd_frontend_dir() { echo "/local/domain/0/device/pvr-vbd/$1"; }

# vbd_backend_write DEVID LOOPDEV: the backend directory in one
# transaction (xenstore-write's), physical-device included, as libxl's
# block hotplug script would complete it; blkback probes it at once.
vbd_backend_write() {
    local be fe mm
    be=$(vbd_backend_dir "$1")
    fe=$(vbd_frontend_dir "$1")
    mm=$(stat -L -c %t:%T "$2") || return 1     # hex, as blkback reads it
    xenstore-write "$be/frontend" "$fe" "$be/frontend-id" 0 \
        "$be/online" 1 "$be/removable" 0 "$be/bootable" 0 "$be/state" 1 \
        "$be/dev" xvdz "$be/type" phy "$be/mode" w \
        "$be/device-type" disk "$be/params" "$2" \
        "$be/physical-device-path" "$2" "$be/physical-device" "$mm"
}

# vbd_attach DEVID IMAGE: a loop device on IMAGE (name in
# $PVR_OUT/vbd-DEVID.loop), our frontend directory, then the backend's.
vbd_attach() {
    local loop fe
    loop=$(losetup -f --show "$2") || return 1
    echo "$loop" > "$PVR_OUT/vbd-$1.loop"
    fe=$(vbd_frontend_dir "$1")
    xenstore-write "$fe/backend" "$(vbd_backend_dir "$1")" \
        "$fe/backend-id" 0 "$fe/state" 1 "$fe/virtual-device" "$1" \
        "$fe/device-type" disk || return 1
    vbd_backend_write "$1" "$loop"
}

_pvr_loop_free() {
    ! losetup "$1" > /dev/null 2>&1
}

# vbd_detach DEVID: both directories and the loop device (idempotent).
vbd_detach() {
    local loop
    xenstore-rm "$(vbd_backend_dir "$1")" 2>/dev/null
    xenstore-rm "$(vbd_frontend_dir "$1")" 2>/dev/null
    if [ -s "$PVR_OUT/vbd-$1.loop" ]; then
        loop=$(cat "$PVR_OUT/vbd-$1.loop")
        # blkback lets go of the device when its directory goes.
        losetup -d "$loop"
        wait_for 30 "$loop to be released" _pvr_loop_free "$loop" ||
            return 1
        rm -f "$PVR_OUT/vbd-$1.loop"
    fi
}

# nvme_expect_guest FILE SECTORS: what the guest's fixed regions leave in
# FILE (records of tests/guest/nvme/main.c's regions[] and the last LBA).
nvme_expect_guest() {
    nvme_put "$1" 1 0 8
    nvme_put "$1" 2 16 16
    nvme_put "$1" 2 40 8
    nvme_put "$1" 1 128 128
    nvme_put "$1" 2 512 256
    nvme_put "$1" 2 $(($2 - 1)) 1
}

# ---- checks of the guest's console, kept in $PVR_OUT/guest.log ----

guest_said() {
    file_has "$PVR_OUT/guest.log" "$1"
}

# nvme_check_found SECTORS
nvme_check_found() {
    guest_said "nvme: pci: controller at 00:05.0"
    guest_said "nvme: BAR0 "
    guest_said "nvme: identify namespace: nsze $1 "
    guest_said "nvme: queues: 2 I/O queue pairs created: ok"
}

nvme_check_io() {
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

nvme_check_errors() {
    local n
    n=$(grep -c "nvme: error: .*as expected: ok" "$PVR_OUT/guest.log")
    echo "$n broken commands got their NVMe status"
    [ "$n" -eq 6 ] || fail "expected 6 error statuses, saw $n"
}

nvme_check_result() {
    grep "Test result:" "$PVR_OUT/guest.log"
    grep -q "Test result: SUCCESS" "$PVR_OUT/guest.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/guest.log")"
}

# nvme_guest_finish DOMID: after the guest's "Test result:" line (or the
# wait for it), keep its console in $PVR_OUT/guest.log, wait for it to
# power off and for the dom0 pvdomaind (daemon "pvdomaind") to follow.
nvme_guest_finish() {
    xl dmesg | grep "(d$1)" > "$PVR_OUT/guest.log"
    grep -q "Test result:" "$PVR_OUT/guest.log" || {
        guest_crash_report "$1" > "$PVR_OUT/guest-crash.txt"
        head -n 1 "$PVR_OUT/guest-crash.txt"
        fail "no Test result line: $(tail -n 1 "$PVR_OUT/guest.log")"
    }
    guest_wait_gone 120 "$1" || fail "guest did not power off"
    wait_for 60 "pvdomaind to exit after the guest" \
        test -e "$PVR_RUN/pvdomaind.rc" || fail "pvdomaind still running"
    cp "$PVR_RUN/pvdomaind.rc" "$PVR_OUT/pvdomaind.rc"
}

# nvme_image_new FILE SECTORS SOAK_SECONDS: a zeroed raw image with the
# records the guest reads back (dom0's, at LBA 1024) and its soak asked
# for (none when SOAK_SECONDS is 0).
nvme_image_new() {
    rm -f "$1"
    mkdir -p "${1%/*}"
    dd if=/dev/zero of="$1" bs=512 count=0 seek="$2" status=none ||
        return 1
    nvme_put "$1" 0 1024 8
    [ "$3" = 0 ] || nvme_soak_ask "$1" "$3"
}

# nvme_loop_of FILE: the loop devices on FILE, one a line (none: empty).
nvme_loop_of() {
    losetup -j "$1" | cut -d: -f1
}

# nvme_check_image EXPECTED IMAGE SECTORS: IMAGE is EXPECTED (the image
# as made) plus the guest's fixed regions and the last of the soak's
# rounds (counted in $PVR_OUT/guest.log); fails the step if not.
nvme_check_image() {
    local rounds
    rounds=$(sed -n 's/.*nvme: soak: \([0-9]*\) rounds.*/\1/p' \
        "$PVR_OUT/guest.log" | head -n 1)
    [ -n "$rounds" ] || fail "no soak round count"
    nvme_expect_guest "$1" "$3"
    nvme_soak_expect "$1" "$rounds"
    cmp "$1" "$2" || fail "the image differs from the guest's writes"
    echo "image: $(stat -c %s "$2") bytes equal to the expected" \
        "(the fixed regions and the last of $rounds soak rounds per slot)"
}

# nvme_blkfront_counters LOG FIGURE: the last blkfront counters line
# pvdomaind wrote in LOG (at its exit); fails the step unless blkfront
# sent requests and failed none, and records the requests as FIGURE.
nvme_blkfront_counters() {
    local stats n
    stats=$(grep "vbd: .*blkfront: requests" "$1" | tail -n 1)
    [ -n "$stats" ] || fail "no blkfront counters in $(basename "$1")"
    echo "$stats"
    n=$(echo "$stats" | sed -n 's/.*requests \([0-9]*\).*/\1/p')
    [ "${n:-0}" -gt 0 ] || fail "blkfront sent no request to blkback"
    echo "$stats" | grep -q " failed 0 " || fail "blkfront failed requests"
    figure "$2" "$n" requests
}
