# SPDX-License-Identifier: GPL-2.0-only
#
# Job pvxl-linux: Debian's Linux as an HVM guest, paired by `pvxl create`
# with its paravisor domain, finds /dev/tpm0 (a TPM 2.0) and tpm2-tools'
# getrandom and pcrread succeed; and the figures of issue 4: the memory
# Xen charges the paravisor domain and what is used inside it, and the
# time from `pvxl create` to `ready` as a ratio of the same guest's own
# time from unpause to userspace, in the same run.

STATE_DIR=$PVR_STATE_DIR

# The Linux pair, timed.
linux_run() {
    local cfg g p t0 t1 t2 verbose=
    require_pvxl
    rm -f "$STATE_DIR/pvxl-linux.state"
    mkdir -p "$STATE_DIR"
    # A retry boots the guest without "quiet", so that if its guest
    # stops too, the console says where.
    [ -e "$PVR_OUT/pvxl-linux.console.log" ] && verbose=loglevel=7
    cfg=$(GUEST_CFG_EXTRA=$(pvxl_cfg_lines pvxl-linux) \
          linux_guest_cfg pvxl-linux tpm $verbose) || fail "no guest config"
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
    if ! guest_log_wait 600 "$g" "$PVR_OUT/pvxl-linux.console.log" \
            "^pvr-guest:"; then
        guest_vcpu_snapshot "$g" > "$PVR_OUT/linux-vcpu.txt"
        cp /var/log/pvdomain/pvxl-linux.log "$PVR_OUT/monitor.log"
        xl dmesg | grep -E "d$g(v[0-9]+)?[: ]" | tail -n 5
        tail -n 5 "$PVR_OUT/pvxl-linux.console.log"
        fail "the guest never reached userspace"
    fi
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

linux_cleanup() {
    pair_cleanup pvxl-linux
}

on_retry linux_cleanup
step --timeout 1200 linux-run linux_run
step linux-tpm check_linux_tpm
step figures report_figures
step --always cleanup linux_cleanup
