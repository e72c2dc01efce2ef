# SPDX-License-Identifier: GPL-2.0-only
#
# Job nvme-hvmloader: does Xen's hvmloader see a PCI function served by
# a secondary IOREQ server, and place its BAR?
#
# A plain HVM guest (hvmloader, then SeaBIOS, no disk) is created
# paused; pvdomaind --nvme mem:1M claims 00:05.0 (config space through
# XEN_DMOP_map_pcidev) and enables its IOREQ server before the guest
# runs a single instruction.  hvmloader's PCI scan must list the
# function ("pci dev 05:0 bar 10 size ..." in xl dmesg), and pvdomaind
# must serve BAR0 where hvmloader put it (pvdomaind's stop line
# "nvme: admin ... bar0 ADDR": the region moved when hvmloader wrote
# the BAR and turned memory decoding on).  Whatever SeaBIOS then does
# with an NVMe controller is logged, not asserted.

XS_DIR=/local/domain/0/paravisor

hvmloader_run() {
    local cfg domid
    require_bin pvdomaind
    cfg=$PVR_OUT/nvme-hvmloader.cfg
    cat > "$cfg" <<EOF
name = "nvme-hvmloader"
type = "hvm"
memory = 128
vcpus = 1
vga = "none"
vnc = 0
boot = "c"
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
EOF
    guest_create_paused "$cfg" || fail "xl create -p failed"
    domid=$(guest_domid nvme-hvmloader) || fail "no domid"
    echo "$domid" > "$PVR_OUT/hvmloader.domid"
    daemon_start pvdomaind-hvmloader "$PVR_BIN/pvdomaind" --domid "$domid" \
        --nvme mem:1M --log-level debug || fail "pvdomaind did not start"
    daemon_xs_wait pvdomaind-hvmloader 60 "$XS_DIR/$domid/state" ready ||
        fail "pvdomaind: $(pvr_last_line "$PVR_OUT/pvdomaind-hvmloader.log")"
    guest_unpause nvme-hvmloader || fail "xl unpause failed"
    # hvmloader prints its PCI placement, then hands over to SeaBIOS,
    # which finds nothing to boot; give it a while to touch the device.
    guest_dmesg_wait 300 "$domid" "Invoking SeaBIOS|Booting from|No bootable" ||
        true
    sleep 20
    xl dmesg | grep "(d$domid)" > "$PVR_OUT/hvmloader-guest.log"
    guest_destroy nvme-hvmloader
    wait_for 60 "pvdomaind to exit after the guest" \
        test -e "$PVR_RUN/pvdomaind-hvmloader.rc" ||
        fail "pvdomaind still running"
    grep -E "pci dev|SeaBIOS|NVMe|nvme" "$PVR_OUT/hvmloader-guest.log" |
        head -n 30
    grep "nvme" "$PVR_OUT/pvdomaind-hvmloader.log" | tail -n 5
}

check_hvmloader() {
    local line addr served
    line=$(grep -o "pci dev 05:0 bar 10 size [0-9a-f]*: [0-9a-f]*" \
        "$PVR_OUT/hvmloader-guest.log" | head -n 1)
    [ -n "$line" ] || fail "hvmloader did not place BAR0 of 00:05.0" \
        "($(grep -c 'pci dev' "$PVR_OUT/hvmloader-guest.log") pci dev lines)"
    echo "hvmloader: $line"
    addr=$(printf "%x" $(( 0x${line##*: } & ~0xf )))
    served=$(sed -n 's/.*nvme: admin .* bar0 0x\([0-9a-f]*\).*/\1/p' \
        "$PVR_OUT/pvdomaind-hvmloader.log" | tail -n 1)
    echo "pvdomaind served BAR0 at 0x$served at its stop"
    [ "$served" = "$addr" ] ||
        fail "hvmloader put BAR0 at 0x$addr, pvdomaind serves 0x${served:-none}"
}

hvmloader_cleanup() {
    daemons_stop_all
    guests_destroy_all
}

on_retry hvmloader_cleanup
step --timeout 600 run hvmloader_run
step hvmloader-places-bar0 check_hvmloader
step --always cleanup hvmloader_cleanup
