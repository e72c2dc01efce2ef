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

reboot_run() {
    local g p g2='' p2='' i t0 t1 ready=''
    require_pvxl
    require_guest tpm/test-hvm32-tpm-reboot
    pair_create_xtf "$NAME" "$PVR_GUEST/tpm/test-hvm32-tpm-reboot" \
        's/^on_reboot = .*/on_reboot = "restart"/'
    grep -q '^on_reboot = "restart"$' "$PVR_OUT/$NAME.cfg" ||
        fail "cfg lacks on_reboot"
    read -r g p < "$PVR_OUT/domids"

    guest_dmesg_wait 600 "$g" "tpm: reboot: first boot done" ||
        fail "the first boot never asked for its reboot"
    t0=$(pvr_uptime_cs)
    xl dmesg | grep "(d$g)" > "$PVR_OUT/guest-boot1.log"

    # The rebuilt pair: a new guest of the same name, paired and ready.
    for i in $(seq 1 600); do
        g2=$(guest_domid "$NAME" 2>/dev/null) || g2=
        if [ -n "$g2" ] && [ "$g2" != "$g" ]; then
            p2=$(xenstore-read "/local/domain/$g2/paravisor/domid" \
                 2>/dev/null) || p2=
            if [ -n "$p2" ] &&
                [ "$(xenstore-read "/local/domain/$p2/paravisor/state" \
                     2>/dev/null)" = ready ]; then
                ready=1
                break
            fi
        fi
        sleep 1
    done
    [ -n "$ready" ] ||
        fail "no rebuilt pair ready within 600 s (guest '${g2:-none}'," \
             "paravisor '${p2:-none}')"
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
