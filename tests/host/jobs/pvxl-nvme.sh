# SPDX-License-Identifier: GPL-2.0-only
#
# Job pvxl-nvme: an xl.cfg's paravisor_nvme gives the guest an NVMe disk
# served from its paravisor domain over dom0's blkback.
#
# `pvxl create` pairs the freestanding NVMe guest tests/guest/nvme (the
# one nvme-xtf and nvme-blkback boot) with a paravisor domain P and
# paravisor_nvme on a raw image: pvxl puts the image on a loop device,
# writes the vbd's two directories (dom0's backend/vbd/P/N, P's
# device/pvr-vbd/N) and paravisor/nvme = vbd:N; pvdomaind in P connects
# its blkfront to dom0's blkback and serves the guest's controller.  The
# guest identifies it, writes and reads across two queues, checks the
# error statuses and soaks for SOAK_SECONDS, then powers off; the pair
# ends.  Then dom0 finds the guest's bytes in the image, and no vbd node,
# loop device or domain is left.  Second pair: the same, but
# paravisor_nvme names a block device (a loop device the job makes on
# another image, as a user would give an LV or a disk) and
# paravisor_nvme_slot another PCI slot, where the guest must find the
# controller; it is destroyed with `pvxl destroy` in the middle of the
# guest's soak (P's blkfront still connected): nothing of pvxl's is
# left either, and the user's block device is still there.
#
# Through blkback, not around it: blkback's state was Connected (4)
# while the guest's soak ran, pvdomaind's "vbd: ... connected" line is in
# P's console, and blkfront's request counter at P's end is not 0.
#
# The run steps do the work and keep every log; the checks only read them.

. "$PVR_LIB/nvme.sh"

NAME=pvxl-nvme
NAME2=pvxl-nvme-destroy
XTF_IMAGE=$PVR_GUEST/nvme/test-hvm32-nvme
NVME_IMG=$PVR_STATE_DIR/pvxl-nvme.img
NVME_IMG2=$PVR_STATE_DIR/pvxl-nvme-destroy.img
NVME_SECTORS=8192                       # 4 MiB
DEVID=51728                             # pvxl's (PVXL_VBD_DEVID)
SOAK_SECONDS=20
SLOT2=00:06.0                           # the second pair's slot
PCONSOLE=/var/log/xen/console

pn_be() { echo "/local/domain/0/backend/vbd/$1/$DEVID"; }
pn_fe() { echo "/local/domain/$1/device/pvr-vbd/$DEVID"; }

pn_cleanup() {
    pair_cleanup "$NAME"
    pair_cleanup "$NAME2"
    if [ -s "$PVR_OUT/pair2.loop" ]; then
        losetup -d "$(cat "$PVR_OUT/pair2.loop")"
        rm -f "$PVR_OUT/pair2.loop"
    fi
}

# pn_create NAME DISK [SED...]: a pair NAME whose NVMe disk is DISK.
pn_create() {
    local name=$1 disk=$2
    shift 2
    pair_create_xtf "$name" "$XTF_IMAGE" "\$a paravisor_nvme = \"$disk\"" \
        "$@"
    cat "$PVR_OUT/create.log"
}

pn_run() {
    local g p be fe
    require_pvxl
    require_guest nvme/test-hvm32-nvme
    nvme_image_new "$NVME_IMG" $NVME_SECTORS $SOAK_SECONDS ||
        fail "cannot make $NVME_IMG"
    cp "$NVME_IMG" "$PVR_RUN/pvxl-nvme-expected.img"
    # A guest that triple-faults is kept (Xen makes the fault a reboot)
    # for guest_crash_report (../../README: such faults are TCG's).
    pn_create "$NAME" "$NVME_IMG" '$a on_reboot = "preserve"' \
        '$a on_crash = "preserve"'
    read -r g p < "$PVR_OUT/domids"
    be=$(pn_be "$p")
    fe=$(pn_fe "$p")
    echo "guest $g, paravisor $p"
    xenstore-ls -p "$be" > "$PVR_OUT/xs-backend.txt"
    xenstore-ls -p "$fe" > "$PVR_OUT/xs-frontend.txt"
    xenstore-ls -p "/local/domain/$p/paravisor" > "$PVR_OUT/xs-paravisor.txt"
    nvme_loop_of "$NVME_IMG" > "$PVR_OUT/loop.txt"
    echo "loop device on the image: $(cat "$PVR_OUT/loop.txt")"

    guest_dmesg_wait 900 "$g" "nvme: soak: $SOAK_SECONDS s" ||
        fail "the guest did not start its soak"
    sleep 3
    xenstore-read "$be/state" > "$PVR_OUT/backend-state-in-soak" 2>&1
    xl dmesg | grep "(d$g)" > "$PVR_OUT/guest-in-soak.log"
    echo "blkback's state during the soak:" \
        "$(cat "$PVR_OUT/backend-state-in-soak")"
    if ! guest_dmesg_wait 900 "$g" "Test result:" &&
        xl dmesg | grep -q "d${g}v[0-9]* Triple fault"; then
        xl dmesg | grep "(d$g)" | tail -n 3
        guest_crash_report "$g" > "$PVR_OUT/guest-crash.txt"
        head -n 1 "$PVR_OUT/guest-crash.txt"
        fail "guest $g triple-faulted (xl dmesg; its registers:" \
            "guest-crash.txt; P's console: pvconsole-$NAME-paravisor.log)"
    fi
    pair_guest_finish "$NAME" "$g" "$p" "$PVR_OUT/guest.log" "nvme:"
    cp "$PCONSOLE/guest-$NAME-paravisor.log" "$PVR_OUT/paravisor.log" ||
        fail "no console log of the paravisor"
    grep -E "vbd:|nvme:" "$PVR_OUT/paravisor.log" | grep -v debug | tail -n 8
}

# blkfront in P connected to dom0's blkback, and the I/O went through it.
check_blkback() {
    local line
    [ "$(cat "$PVR_OUT/backend-state-in-soak")" = 4 ] ||
        fail "blkback was not Connected during the guest's soak:" \
            "$(cat "$PVR_OUT/backend-state-in-soak")"
    grep -q "nvme: soak: .* rounds" "$PVR_OUT/guest-in-soak.log" &&
        fail "the soak had ended before blkback's state was read"
    line=$(grep "vbd: .*connected after" "$PVR_OUT/paravisor.log" | tail -n 1)
    [ -n "$line" ] || fail "P's console has no 'vbd: ... connected' line"
    echo "$line"
    case "$line" in
    *"/device/pvr-vbd/$DEVID: connected after"*"$NVME_SECTORS sectors"*) ;;
    *) fail "blkfront connected to another device or size" ;;
    esac
    nvme_blkfront_counters "$PVR_OUT/paravisor.log" blkfront_requests
}

# The vbd's nodes, with the permissions of a libxl vbd (n0 rP on the
# backend, nP r0 on the frontend), and paravisor/nvme.
check_nodes() {
    local p
    read -r _ p < "$PVR_OUT/domids"
    cat "$PVR_OUT/xs-backend.txt" "$PVR_OUT/xs-frontend.txt"
    grep -Eq "^physical-device = \"[0-9a-f]+:[0-9a-f]+\"[ .]*\(n0,r$p\)$" \
        "$PVR_OUT/xs-backend.txt" || fail "backend: physical-device"
    grep -Eq "^frontend-id = \"$p\"" "$PVR_OUT/xs-backend.txt" ||
        fail "backend: frontend-id"
    grep -Eq "^node = \"$(cat "$PVR_OUT/loop.txt")\"" \
        "$PVR_OUT/xs-backend.txt" || fail "backend: node is not the loop"
    grep -Eq "^backend-id = \"0\"[ .]*\(n$p,r0\)$" \
        "$PVR_OUT/xs-frontend.txt" || fail "frontend: backend-id or perms"
    grep -Eq "^nvme = \"vbd:$DEVID\"" "$PVR_OUT/xs-paravisor.txt" ||
        fail "paravisor/nvme is not vbd:$DEVID"
    [ "$(wc -l < "$PVR_OUT/loop.txt")" = 1 ] ||
        fail "expected one loop device on the image"
}

check_image() {
    nvme_check_image "$PVR_RUN/pvxl-nvme-expected.img" "$NVME_IMG" \
        $NVME_SECTORS
}

# pn_nothing_left NAME IMAGE GUEST PARAVISOR: no domain or vbd node of
# the pair, and no loop device on IMAGE ("" for a pair given a block
# device: that is the user's, and stays).
pn_nothing_left() {
    pair_nothing_left "$1" "$3"
    ! xenstore-exists "$(pn_be "$4")" || fail "backend directory left"
    ! xenstore-exists "/local/domain/0/backend/vbd/$4" ||
        fail "/local/domain/0/backend/vbd/$4 left"
    ! xenstore-exists "/local/domain/$4" || fail "/local/domain/$4 left"
    [ -z "$2" ] || [ -z "$(nvme_loop_of "$2")" ] ||
        fail "loop device left on $2: $(nvme_loop_of "$2")"
    echo "no domain, vbd node${2:+ or loop device} left of $1"
}

check_poweroff_left() {
    local g p
    read -r g p < "$PVR_OUT/domids"
    # The monitor detaches the loop once blkback let it go: allow it.
    wait_for 30 "the loop device on $NVME_IMG to go" \
        sh -c "[ -z \"\$(losetup -j '$NVME_IMG')\" ]" || true
    cp "/var/log/pvdomain/$NAME.log" "$PVR_OUT/monitor.log" 2>/dev/null
    grep "vbd" "$PVR_OUT/monitor.log"
    pn_nothing_left "$NAME" "$NVME_IMG" "$g" "$p"
}

# Second pair: a block device in another slot; `pvxl destroy` while the
# guest's soak runs.
pn_destroy_run() {
    local g p dev slot
    require_pvxl
    nvme_image_new "$NVME_IMG2" $NVME_SECTORS 600 ||
        fail "cannot make $NVME_IMG2"
    dev=$(losetup -f --show "$NVME_IMG2") ||
        fail "no loop device for $NVME_IMG2"
    echo "$dev" > "$PVR_OUT/pair2.loop"
    pn_create "$NAME2" "$dev" "\$a paravisor_nvme_slot = \"$SLOT2\""
    read -r g p < "$PVR_OUT/domids"
    grep -q "vbd $DEVID of paravisor $p on $dev " "$PVR_OUT/create.log" ||
        fail "pvxl did not put the vbd on $dev itself"
    guest_dmesg_wait 900 "$g" "nvme: soak: 600 s" ||
        fail "the guest did not start its soak"
    # The guest scans the bus: the controller must be where we put it.
    slot=${SLOT2#00:}
    xl dmesg | grep "(d$g) .*nvme: pci " | tail -n 1
    xl dmesg | grep -q "(d$g) .*nvme: pci $slot: " ||
        fail "the guest did not find the controller at $SLOT2"
    sleep 2
    [ "$(xenstore-read "$(pn_be "$p")/state")" = 4 ] ||
        fail "blkback not Connected in the soak"
    pvxl destroy "$NAME2" || fail "pvxl destroy failed"
    guest_wait_gone 60 "$g" || fail "guest $g outlived pvxl destroy"
    guest_wait_gone 60 "$p" || fail "paravisor $p outlived pvxl destroy"
    pn_nothing_left "$NAME2" "" "$g" "$p"
    losetup "$dev" | grep -q "$NVME_IMG2" ||
        fail "pvxl took away the user's block device $dev"
    echo "$dev, the user's, is still on $NVME_IMG2"
}

on_retry pn_cleanup
step --timeout 1500 run pn_run
step controller-found nvme_check_found "$NVME_SECTORS"
step io-across-queues nvme_check_io
step error-statuses nvme_check_errors
step guest-result nvme_check_result
step through-blkback check_blkback
step vbd-nodes check_nodes
step image-has-guest-bytes check_image
step poweroff-leaves-nothing check_poweroff_left
step --timeout 900 block-device-slot-destroy-mid-io pn_destroy_run
step --always cleanup pn_cleanup
