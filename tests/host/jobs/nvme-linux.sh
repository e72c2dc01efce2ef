# SPDX-License-Identifier: GPL-2.0-only
#
# Job nvme-linux: Debian's Linux HVM guest (Debian's kernel and its
# nvme driver, xen_platform_pci=0 so no PV drivers) finds pvdomaind's
# NVMe controller at 00:05.0, placed by hvmloader, as /dev/nvme0n1.
#
# Boot 1 (guest script tests/host/image/guest-scripts/nvme) makes an
# ext2 file system on it (busybox mke2fs; the kernel's ext4 driver
# mounts it), writes files, prints their SHA-256 sums, syncs and
# unmounts.  Its NVMe is carried to dom0's blkback: pvdomaind's own
# blkfront (--nvme vbd:N) on a loop device of the image.  Boot 2 (a new
# guest, a new pvdomaind, the same image, stored to the file directly
# this time) mounts it and checks the sums.  Then dom0 reads the files
# out of the image file (a read-only loop mount) and checks the same
# sums: nothing was lost between the guest's page cache, blkback and the
# backing file.  In both boots Linux's driver must have taken the shadow
# doorbells.
#
# The run steps keep the consoles and pvdomaind's logs; the checks after
# them read those.

. "$PVR_LIB/nvme.sh"

NVME_IMG=/var/lib/pvr-test/nvme-linux.img
XS_DIR=/local/domain/0/paravisor
DEVID=51744                     # the vbd of boot 1; any free id would do

# linux_boot N PHASE STORE: one guest boot with pvdomaind serving the
# image, through STORE (pvdomaind's --nvme: vbd:N or the image's path).
linux_boot() {
    local n=$1 phase=$2 store=$3 cfg domid name=nvme-linux
    cfg=$(GUEST_CFG_EXTRA='xen_platform_pci = 0' \
          linux_guest_cfg "$name" nvme pvr.nvme_phase="$phase") ||
        fail "no guest config"
    guest_create_paused "$cfg" || fail "xl create -p failed"
    domid=$(guest_domid "$name") || fail "no domid"
    echo "$domid" > "$PVR_OUT/domid-$n"
    daemon_start "pvdomaind-$n" "$PVR_BIN/pvdomaind" --domid "$domid" \
        --nvme "$store" || fail "pvdomaind did not start"
    daemon_xs_wait "pvdomaind-$n" 60 "$XS_DIR/$domid/state" ready ||
        fail "pvdomaind: $(pvr_last_line "$PVR_OUT/pvdomaind-$n.log")"
    guest_unpause "$name" || fail "xl unpause failed"
    if ! guest_wait_gone 900 "$domid"; then
        tail -n 20 "$PVR_OUT/$name.console.log"
        fail "guest did not power off within 900 s"
    fi
    xl dmesg | grep "(d$domid)" > "$PVR_OUT/xl-dmesg-$n.log"
    wait_for 60 "pvdomaind to exit after the guest" \
        test -e "$PVR_RUN/pvdomaind-$n.rc" || fail "pvdomaind still running"
    cp "$PVR_RUN/pvdomaind-$n.rc" "$PVR_OUT/pvdomaind-$n.rc"
    cp "$PVR_OUT/$name.console.log" "$PVR_OUT/console-$n.log"
    grep -E '^pvr-guest:|nvme' "$PVR_OUT/console-$n.log"
    grep "nvme: admin" "$PVR_OUT/pvdomaind-$n.log"
    grep -q "^pvr-guest: script nvme exited 0" "$PVR_OUT/console-$n.log" ||
        fail "the guest's script failed in boot $n"
}

write_run() {
    require_bin pvdomaind
    [ -n "${PVR_LINUX_KERNEL:-}" ] || skip "no Linux guest kernel"
    rm -f "$NVME_IMG"
    mkdir -p "${NVME_IMG%/*}"
    dd if=/dev/zero of="$NVME_IMG" bs=1M count=0 seek=64 status=none ||
        fail "cannot make $NVME_IMG"
    modprobe xen-gntalloc 2>/dev/null
    [ -c /dev/xen/gntalloc ] || skip "skip: dom0 has no /dev/xen/gntalloc"
    vbd_detach $DEVID
    vbd_attach $DEVID "$NVME_IMG" || fail "cannot write the vbd's nodes"
    xs_wait 30 "$(vbd_backend_dir $DEVID)/state" 2 ||
        fail "blkback did not reach InitWait"
    linux_boot 1 write vbd:$DEVID
    # blkback lets the loop device go, and with it its writes, first.
    vbd_detach $DEVID || fail "the vbd's loop device was not released"
}

verify_run() {
    linux_boot 2 verify "$NVME_IMG"
}

linux_cleanup() {
    daemons_stop_all
    guests_destroy_all
    vbd_detach $DEVID
}

# Boot 1's I/O went through dom0's blkback: blkfront's counters.
check_blkback() {
    grep "vbd: .*connected after" "$PVR_OUT/pvdomaind-1.log" ||
        fail "boot 1: blkfront did not connect"
    nvme_blkfront_counters "$PVR_OUT/pvdomaind-1.log" \
        nvme_linux_blkfront_requests
}

check_device() {
    file_has "$PVR_OUT/console-1.log" "pvr-guest: nvme device: ok"
    file_has "$PVR_OUT/xl-dmesg-1.log" "pci dev 05:0 bar 10"
}

check_interrupts() {
    local msis
    msis=$(sed -n 's/.*nvme: admin .* msis \([0-9]*\) .*/\1/p' \
        "$PVR_OUT/pvdomaind-1.log")
    echo "MSI-X messages sent in boot 1: ${msis:-none}"
    [ "${msis:-0}" -gt 0 ] || fail "Linux's driver took no MSI-X message"
}

# Linux's driver took the shadow doorbell buffer (Doorbell Buffer
# Config) in both boots, so most doorbells never reached MMIO.
check_shadow_doorbells() {
    local n line
    for n in 1 2; do
        line=$(grep "nvme: admin .* doorbells" "$PVR_OUT/pvdomaind-$n.log") ||
            fail "boot $n: no nvme stats line in pvdomaind's exit log"
        echo "boot $n: ${line##*: nvme: }"
        case "$line" in
        *"shadow-doorbells used"*) ;;
        *) fail "boot $n: Linux did not take the shadow doorbells" ;;
        esac
    done
}

check_guest_sums() {
    file_has "$PVR_OUT/console-1.log" "pvr-guest: nvme write phase: ok"
    file_has "$PVR_OUT/console-2.log" "pvr-guest: nvme verify phase: ok"
}

# The files, read by dom0 out of the image file (a read-only loop mount;
# dom0 has no debugfs), have the guest's sums.
check_dom0_sums() {
    local f want got n=0 mnt=$PVR_RUN/nvme-mnt
    modprobe loop 2> /dev/null || true
    mkdir -p "$mnt"
    mount -t ext2 -o loop,ro "$NVME_IMG" "$mnt" ||
        fail "dom0 cannot mount $NVME_IMG"
    for f in random.bin text.txt small.bin; do
        # The serial console ends its lines with CR LF.
        want=$(tr -d '\r' < "$PVR_OUT/console-1.log" |
            sed -n "s/^pvr-guest: nvme sum: \([0-9a-f]*\)  $f\$/\1/p")
        got=$(sha256sum "$mnt/$f" | cut -d' ' -f1)
        echo "$f: guest $want dom0 $got"
        if [ -z "$want" ] || [ "$want" != "$got" ]; then
            umount "$mnt"
            fail "$f in the image differs from what the guest wrote"
        fi
        n=$((n + 1))
    done
    umount "$mnt"
    echo "$n files equal in the image file"
}

check_daemons() {
    local n
    for n in 1 2; do
        [ "$(cat "$PVR_OUT/pvdomaind-$n.rc")" = 0 ] ||
            fail "pvdomaind-$n exited $(cat "$PVR_OUT/pvdomaind-$n.rc")"
        grep -q "stopping (guest gone)" "$PVR_OUT/pvdomaind-$n.log" ||
            fail "pvdomaind-$n did not follow the guest's death"
    done
}

on_retry linux_cleanup
step --timeout 1200 boot1-write write_run
step --timeout 1200 boot2-verify verify_run
step device-found check_device
step boot1-through-blkback check_blkback
step msix-delivered check_interrupts
step shadow-doorbells check_shadow_doorbells
step guest-checksums check_guest_sums
step dom0-checksums check_dom0_sums
step pvdomaind-lifecycle check_daemons
step --always cleanup linux_cleanup
