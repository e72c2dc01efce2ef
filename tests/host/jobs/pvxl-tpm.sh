# SPDX-License-Identifier: GPL-2.0-only
#
# Job pvxl-tpm: the TPM guest tests with the paravisor in its own stub
# domain, each pair made by a plain `pvxl create guest.cfg`.
#
# 1. The XTF-style TPM guest (norestart flavour: every phase but the
#    daemon restart, which a stub domain has no use for) runs to SUCCESS
#    against pvdomaind in the paravisor domain; when the guest powers off
#    the paravisor domain follows, and pvxl's monitor removes every
#    xenstore node it wrote.  The state disk keeps the vTPM's state.
# 2. Debian's Linux as an HVM guest finds /dev/tpm0 (a TPM 2.0) and
#    tpm2-tools' getrandom and pcrread succeed, through the paravisor
#    domain.
# 3. Figures: the memory Xen charges the paravisor domain and what is
#    used inside it, and the time from `pvxl create` to `ready` as a
#    ratio of the Linux guest's own time from unpause to userspace, in
#    the same run.
#
# Cannot tell: whether the paravisor domain's handles are restricted to
# the guest (pvdomaind logs it; tests/unit proves the restriction logic).

STATE_DIR=/var/lib/pvr-test
PV_IMAGE=/pvr/paravisor

# pvxl_cfg_lines NAME: the paravisor keys every pair of this job uses.
pvxl_cfg_lines() {
    printf '%s\n' \
        "paravisor_memory = 96" \
        "paravisor_kernel = \"$PV_IMAGE/vmlinuz\"" \
        "paravisor_ramdisk = \"$PV_IMAGE/initrd.img\"" \
        "paravisor_state_disk = \"$STATE_DIR/$1.state\""
}

require_pvxl() {
    require_bin pvxl
    [ -r "$PV_IMAGE/initrd.img" ] ||
        skip "no paravisor image staged (make paravisor-image)"
}

# pair_domids NAME: "GUEST PARAVISOR" domids of a pair, from xenstore.
pair_domids() {
    local g p
    g=$(guest_domid "$1") || return 1
    p=$(xenstore-read "/local/domain/$g/paravisor/domid") || return 1
    echo "$g $p"
}

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

    guest_dmesg_wait 900 "$g" "Test result:" || true
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
    for n in pvxl-xtf pvxl-linux; do
        pvxl destroy "$n" > /dev/null 2>&1 || true
    done
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

# The Linux pair, timed.
linux_run() {
    local cfg g p t0 t1 t2
    require_pvxl
    rm -f "$STATE_DIR/pvxl-linux.state"
    mkdir -p "$STATE_DIR"
    cfg=$(GUEST_CFG_EXTRA=$(pvxl_cfg_lines pvxl-linux) \
          linux_guest_cfg pvxl-linux tpm) || fail "no guest config"
    t0=$(pvr_uptime_cs)
    pvxl create -p "$cfg" > "$PVR_OUT/linux-create.log" 2>&1 ||
        fail "pvxl create: $(pvr_last_line "$PVR_OUT/linux-create.log")"
    t1=$(pvr_uptime_cs)
    set -- $(pair_domids pvxl-linux) || fail "no pairing in xenstore"
    g=$1 p=$2
    echo "$g $p" > "$PVR_OUT/linux-domids"
    xl list "$p" > "$PVR_OUT/linux-paravisor-xl-list.txt"
    xenstore-read "/local/domain/$p/paravisor/mem-used-kb" \
        > "$PVR_OUT/linux-mem-used-kb" || echo unknown > "$PVR_OUT/linux-mem-used-kb"
    xenstore-read "/local/domain/$p/memory/target" \
        > "$PVR_OUT/linux-mem-target-kb" 2>/dev/null || true
    guest_unpause pvxl-linux || fail "xl unpause failed"
    log_wait 600 "$PVR_OUT/pvxl-linux.console.log" "^pvr-guest:" ||
        fail "the guest never reached userspace"
    t2=$(pvr_uptime_cs)
    echo "$(( (t1 - t0) * 10 )) $(( (t2 - t1) * 10 ))" > "$PVR_OUT/linux-times"
    if ! guest_wait_gone 600 "$g"; then
        tail -n 20 "$PVR_OUT/pvxl-linux.console.log"
        fail "guest did not power off within 600 s"
    fi
    guest_wait_gone 120 "$p" || fail "the paravisor domain outlived its guest"
    grep '^pvr-guest:' "$PVR_OUT/pvxl-linux.console.log"
    grep -q '^pvr-guest: script tpm exited 0' \
        "$PVR_OUT/pvxl-linux.console.log" || fail "the guest's TPM script failed"
}

linux_console_has() {
    file_has "$PVR_OUT/pvxl-linux.console.log" "$1"
}

check_linux_tpm() {
    linux_console_has "pvr-guest: tpm version 2"
    linux_console_has "tpm_tis.*2.0 TPM"
    linux_console_has "pvr-guest: tpm getrandom: ok"
    linux_console_has "pvr-guest: tpm pcrread: ok"
}

# Figures, never thresholds: the create-to-ready time against the same
# guest's own unpause-to-userspace time, and the paravisor's memory.
report_figures() {
    local create boot charged used
    read -r create boot < "$PVR_OUT/linux-times"
    charged=$(awk 'NR == 2 { print $3 }' "$PVR_OUT/linux-paravisor-xl-list.txt")
    used=$(cat "$PVR_OUT/linux-mem-used-kb")
    [ -n "$create" ] && [ -n "$boot" ] && [ "$boot" -gt 0 ] ||
        fail "no timings recorded"
    figure "pvxl create -> paravisor ready" "$create" ms
    figure "guest unpause -> userspace" "$boot" ms "Debian Linux HVM"
    figure "create -> ready / guest boot" "$(ratio "$create" "$boot")" "" \
        "same run"
    figure "paravisor domain memory charged by Xen" "$charged" MiB \
        "xl list"
    figure "paravisor domain memory used inside" \
        "$(awk -v k="$used" 'BEGIN { printf "%.1f", k / 1024 }')" MiB \
        "MemTotal - MemAvailable at ready"
}

on_retry pair_cleanup
step --timeout 1200 xtf-run xtf_run
step pvxl-list check_list
step xenstore-pairing check_xenstore
step follows-guest-poweroff check_follow
step --timeout 1200 linux-run linux_run
step linux-tpm check_linux_tpm
step figures report_figures
step --always cleanup pair_cleanup
