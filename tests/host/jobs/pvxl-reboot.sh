# SPDX-License-Identifier: GPL-2.0-only
#
# Job pvxl-reboot: the guest reboots itself (on_reboot = "restart") and
# its paravisor follows: pvxl's monitor destroys the old pair and makes
# a new one from the saved configuration, on the same state disk, and the
# rebuilt guest finds the NV data its first boot wrote
# (tests/guest/tpm/reboot.c).  Then the guest powers off
# (on_poweroff = "destroy") and the paravisor goes with it.
#
# Asserted: the first boot wrote its pattern and asked for a reboot; the
# monitor logged the restart; the second boot's guest and paravisor are
# new domains, paired in xenstore; the second boot read the pattern,
# found PCR 16 reset and reported SUCCESS; after its poweroff nothing is
# left (domains, pairing nodes, pvxl list).

NAME=pvxl-reboot
MONLOG=/var/log/pvdomain/$NAME.log

reboot_run() {
    local g p g2 p2 t0 t1
    require_pvxl
    require_guest tpm/test-hvm32-tpm-reboot
    rm -f "$MONLOG"         # pvxl appends: a retry must not see our lines
    pair_create_xtf "$NAME" "$PVR_GUEST/tpm/test-hvm32-tpm-reboot" \
        's/^on_reboot = .*/on_reboot = "restart"/'
    grep -q '^on_reboot = "restart"$' "$PVR_OUT/$NAME.cfg" ||
        fail "cfg lacks on_reboot"
    read -r g p < "$PVR_OUT/domids"

    guest_dmesg_wait 600 "$g" "tpm: reboot: first boot done" ||
        fail "the first boot never asked for its reboot"
    t0=$(pvr_uptime_cs)
    xl dmesg | grep "(d$g)" > "$PVR_OUT/guest-boot1.log"

    # The rebuilt pair, as the monitor names it once pvxl's create has
    # seen it ready and unpaused the guest.  Its log, not xl list: the
    # rebuilt guest may finish and power off within a second of that.
    log_wait 600 "$MONLOG" "pair $NAME restarted: guest [0-9]+, paravisor" ||
        fail "no rebuilt pair within 600 s:" \
            "$(tail -n 1 "$MONLOG" 2>/dev/null)"
    set -- $(sed -n "s/.*pair $NAME restarted: guest \([0-9]*\), paravisor \([0-9]*\),.*/\1 \2/p" \
        "$MONLOG" | head -n 1)
    g2=$1 p2=$2
    [ -n "$g2" ] && [ -n "$p2" ] && [ "$g2" != "$g" ] ||
        fail "the monitor's restart line names guest '${g2:-none}'," \
            "paravisor '${p2:-none}'"
    t1=$(pvr_uptime_cs)
    echo "$g2 $p2" > "$PVR_OUT/domids2"
    echo "$(( (t1 - t0) * 10 ))" > "$PVR_OUT/restart-ms"
    xl list > "$PVR_OUT/xl-list-after.txt"

    pair_guest_finish "$NAME" "$g2" "$p2" "$PVR_OUT/guest-boot2.log" \
        "tpm: reboot"
}

reboot_cleanup() {
    pair_cleanup "$NAME"
}

check_boots() {
    file_has "$PVR_OUT/guest-boot1.log" "tpm: nv: .*ok"
    file_has "$PVR_OUT/guest-boot1.log" "tpm: reboot: first boot done"
    file_has "$PVR_OUT/guest-boot2.log" \
        "reboot: second boot: NV_Read returns the first boot's pattern"
    file_has "$PVR_OUT/guest-boot2.log" "PCR 16 is zero after the reboot"
    file_has "$PVR_OUT/guest-boot2.log" "Test result: SUCCESS"
}

check_new_pair() {
    local g p g2 p2
    read -r g p < "$PVR_OUT/domids"
    read -r g2 p2 < "$PVR_OUT/domids2"
    [ "$p2" != "$p" ] || fail "the paravisor domain was not replaced"
    if awk -v a="$g" -v b="$p" '$2 == a || $2 == b' \
            "$PVR_OUT/xl-list-after.txt" | grep -q .; then
        cat "$PVR_OUT/xl-list-after.txt"
        fail "the first boot's guest $g or paravisor $p is still in xl list"
    fi
    [ -s "$PVR_OUT/monitor.log" ] || fail "no pvxl monitor log"
    grep -E "reboot|restart" "$PVR_OUT/monitor.log" | tail -n 4
    grep -q "restarted" "$PVR_OUT/monitor.log" ||
        fail "the monitor did not log the restart"
    echo "guest $g -> $g2, paravisor $p -> $p2; the new pair was ready" \
         "$(cat "$PVR_OUT/restart-ms") ms after the first boot's last line"
    figure "guest reboot -> new pair ready" "$(cat "$PVR_OUT/restart-ms")" \
        ms "on_reboot = restart, XTF guest"
}

check_nothing_left() {
    read -r g2 _ < "$PVR_OUT/domids2"
    pair_nothing_left "$NAME" "$g2"
}

on_retry reboot_cleanup
step --timeout 1800 run reboot_run
step boots check_boots
step new-pair check_new_pair
step nothing-left check_nothing_left
step --always cleanup reboot_cleanup
