# SPDX-License-Identifier: GPL-2.0-only
#
# Job pvxl-tpm: the TPM guest test with the paravisor in its own stub
# domain, the pair made by a plain `pvxl create guest.cfg`.
#
# The XTF-style TPM guest (norestart flavour: every phase but the daemon
# restart, which a stub domain has no use for) runs to SUCCESS against
# pvdomaind in the paravisor domain; the pairing's xenstore nodes carry
# the permissions of the contract; when the guest powers off the
# paravisor domain follows, and pvxl's monitor removes every xenstore
# node it wrote.  The state disk keeps the vTPM's state.
#
# Cannot tell: whether the paravisor domain's handles are restricted to
# the guest (pvdomaind logs it; tests/unit proves the restriction logic).

STATE_DIR=$PVR_STATE_DIR

# Everything about the XTF pair; the checks below read its logs.
xtf_run() {
    local cfg g p t0 t1
    require_pvxl
    require_guest tpm/test-hvm32-tpm-norestart
    rm -f "$STATE_DIR/pvxl-xtf.state"
    mkdir -p "$STATE_DIR"
    cfg=$(xtf_guest_cfg pvxl-xtf "$PVR_GUEST/tpm/test-hvm32-tpm-norestart" \
        "$(pvxl_cfg_lines pvxl-xtf)") || fail "no guest config"
    t0=$(pvr_uptime_cs)
    pvxl create "$cfg" > "$PVR_OUT/create.log" 2>&1 || {
        cat "$PVR_OUT/create.log"
        fail "pvxl create: $(pvr_last_line "$PVR_OUT/create.log")"
    }
    t1=$(pvr_uptime_cs)
    cat "$PVR_OUT/create.log"
    set -- $(pair_domids pvxl-xtf) || fail "no pairing in xenstore"
    g=$1 p=$2
    echo "$g $p" > "$PVR_OUT/domids"
    echo "pvxl create: $(( (t1 - t0) * 10 )) ms; guest $g, paravisor $p"
    pvxl list > "$PVR_OUT/list.txt" 2>&1
    cat "$PVR_OUT/list.txt"
    xenstore-ls -p "/local/domain/$p/paravisor" > "$PVR_OUT/xs-paravisor.txt"
    xenstore-ls -p "/local/domain/$g/paravisor" > "$PVR_OUT/xs-guest.txt"

    guest_dmesg_wait 400 "$g" "Test result:" || true
    xl dmesg | grep "(d$g)" > "$PVR_OUT/guest.log"
    grep -E "(tpm:|Test result)" "$PVR_OUT/guest.log" | tail -n 5
    grep -q "Test result: SUCCESS" "$PVR_OUT/guest.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/guest.log" ||
                echo 'no Test result line')"
    guest_wait_gone 120 "$g" || fail "guest did not power off"
    guest_wait_gone 120 "$p" || fail "the paravisor domain outlived its guest"
}

pair_cleanup() {
    local n
    pvxl destroy pvxl-xtf > /dev/null 2>&1 || true
    guests_destroy_all
}

check_list() {
    read -r g p < "$PVR_OUT/domids"
    grep -E "pvxl-xtf[[:space:]]+$g[[:space:]]+$p[[:space:]]+ready" \
        "$PVR_OUT/list.txt" || fail "pvxl list does not show the pair ready"
}

# The pairing is readable by dom0 and the pair only (n0 rG rP), and the
# paravisor's directory writable by it alone (n0 bP).
check_xenstore() {
    read -r g p < "$PVR_OUT/domids"
    cat "$PVR_OUT/xs-guest.txt" "$PVR_OUT/xs-paravisor.txt"
    # xenstore-ls -p pads with dots: 'domid = "P"  . . .  (n0,rG,rP)'.
    grep -Eq "^domid = \"$p\"[ .]*\(n0,r$g,r$p\)$" "$PVR_OUT/xs-guest.txt" ||
        fail "guest's paravisor/domid: wrong value or permissions"
    grep -Eq "^state = \"ready\"[ .]*\(n0,b$p\)$" \
        "$PVR_OUT/xs-paravisor.txt" ||
        fail "paravisor/state: not ready, or not in the paravisor's own dir"
    grep -Eq "^target = \"$g\"" "$PVR_OUT/xs-paravisor.txt" ||
        fail "paravisor/target is not the guest"
    grep -Eq "^state = \"ready\"" "$PVR_OUT/xs-paravisor.txt" ||
        fail "pvdomaind did not publish state = ready"
}

check_follow() {
    read -r g p < "$PVR_OUT/domids"
    ! xenstore-exists "/local/domain/$g/paravisor" ||
        fail "/local/domain/$g/paravisor left behind"
    ! xenstore-exists "/local/domain/$p" ||
        fail "/local/domain/$p left behind"
    ! pvxl list 2>/dev/null | grep -q pvxl-xtf || fail "pvxl still lists it"
    head -c 8 "$STATE_DIR/pvxl-xtf.state" | grep -q PVRSLOT ||
        fail "the state disk holds no vTPM state"
    echo "the paravisor followed its guest; the state disk holds the vTPM"
}

on_retry pair_cleanup
step --timeout 900 xtf-run xtf_run
step pvxl-list check_list
step xenstore-pairing check_xenstore
step follows-guest-poweroff check_follow
step --always cleanup pair_cleanup
