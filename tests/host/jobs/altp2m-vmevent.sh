# SPDX-License-Identifier: GPL-2.0-only
# xen: patched
#
# Job altp2m-vmevent: altp2m views owned by a dom0 monitor (xl.cfg
# altp2m = "external"), with single vCPUs moved between views by
# vm_event responses: the pattern of the paravisor's Virtual Trust
# Levels.  The guest is tests/guest/altp2m-ext (2 vCPUs); the monitor is
# bin/pvr-altp2m-mon; their protocol is tests/guest/altp2m-ext/proto.h.
#
# The run step creates the guest paused, starts the monitor, unpauses
# the guest once the monitor says "ready", and waits for both ends.  It
# passes when both finished (the guest printed its result line, the
# monitor exited 0 or 1); a crash or hang fails it, and a TCG flake
# reruns the whole scenario.  The check steps after it read the two
# logs, each naming what it asserts; they are --always so that one
# failed check does not hide the others.
#
# A second, shorter run stops the monitor with SIGTERM half-way; the
# last step checks that neither guest left a domain, a dom0 event
# channel or a xenstore node behind.
#
# On Xen without altp2m on AMD (stock Debian Xen) the monitor exits 77:
# the run step is skipped with the monitor's "needs xen-patches" reason
# and the job declares no other step.

IMAGE=$PVR_GUEST/altp2m-ext/test-hvm32-altp2m-ext
NAME=altp2m-vmevent
MON=altp2m-mon

# Everything known about the domain before it exists, for the leftovers
# step: dom0's event channels and xenstore's nodes.
snapshot_before() {
    xen_evtchn_count 0 > "$PVR_OUT/evtchn-dom0.before" ||
        fail "cannot count dom0's event channels"
    xenstore-ls -f / > "$PVR_OUT/xenstore.before" 2>&1 ||
        fail "xenstore-ls failed"
}

_mon_ready_or_gone() {
    grep -q -e "setup: ready" -e "^skip:" "$PVR_OUT/$MON.log" 2>/dev/null ||
        [ -e "$PVR_RUN/$MON.rc" ]
}

run_scenario() {
    local cfg domid rc vm
    require_bin pvr-altp2m-mon
    require_guest altp2m-ext/test-hvm32-altp2m-ext
    rm -f "$PVR_OUT/run-complete" "$PVR_OUT/skipped" "$PVR_OUT/$MON.log" \
        "$PVR_OUT/guest.log" "$PVR_OUT/domid-term"
    snapshot_before

    # xl.cfg: a later setting of a key overrides an earlier one.
    cfg=$(xtf_guest_cfg "$NAME" "$IMAGE" 'vcpus = 2' \
        'altp2m = "external"') || fail "cannot write the xl.cfg"
    guest_create_paused "$cfg" || fail "xl create -p failed"
    domid=$(guest_domid "$NAME") || fail "no domid for $NAME"
    echo "$domid" > "$PVR_OUT/domid"
    vm=$(xenstore-read "/local/domain/$domid/vm") || fail "no vm path"
    echo "${vm#/vm/}" > "$PVR_OUT/uuid"

    daemon_start "$MON" "$PVR_BIN/pvr-altp2m-mon" --domid "$domid" \
        --timeout 600 --idle-timeout 300 || fail "monitor did not start"
    wait_for 180 "the monitor to be ready" _mon_ready_or_gone ||
        fail "monitor: $(pvr_last_line "$PVR_OUT/$MON.log")"
    if [ -e "$PVR_RUN/$MON.rc" ]; then
        rc=$(cat "$PVR_RUN/$MON.rc")
        guests_destroy_all
        if [ "$rc" = 77 ]; then
            touch "$PVR_OUT/skipped"
            skip "$(grep -m 1 "^skip:" "$PVR_OUT/$MON.log")"
        fi
        fail "monitor exited $rc before ready:" \
            "$(pvr_last_line "$PVR_OUT/$MON.log")"
    fi
    guest_unpause "$NAME" || fail "xl unpause failed"

    # The whole run takes about a minute; a guest still going after five
    # is stuck, and where its vCPUs were is kept for the diagnosis.
    guest_dmesg_wait 300 "$domid" "Test result:|PANIC" ||
        guest_vcpu_snapshot "$domid" > "$PVR_OUT/guest-vcpus.txt"
    wait_for 120 "the monitor to exit" test -e "$PVR_RUN/$MON.rc" || true
    xl dmesg | grep "(d$domid)" > "$PVR_OUT/guest.log"
    guest_wait_gone 120 "$domid" || {
        xl destroy "$domid"
        echo "the guest did not power off"
    }
    grep -E "check|figure|summary|exit" "$PVR_OUT/$MON.log" | tail -n 40
    grep -E "altp2m-ext:|bench:|Test result|PANIC|FAILURE|ERROR" \
        "$PVR_OUT/guest.log"

    grep -q "Test result:" "$PVR_OUT/guest.log" ||
        fail "no Test result line: $(tail -n 1 "$PVR_OUT/guest.log")"
    [ -e "$PVR_RUN/$MON.rc" ] || fail "the monitor is still running"
    rc=$(cat "$PVR_RUN/$MON.rc")
    cp "$PVR_RUN/$MON.rc" "$PVR_OUT/$MON.rc"
    case "$rc" in
    0|1) ;;
    *) fail "monitor exited $rc: $(pvr_last_line "$PVR_OUT/$MON.log")" ;;
    esac
    touch "$PVR_OUT/run-complete"
    echo "scenario complete: guest $(grep -o 'Test result:.*' \
        "$PVR_OUT/guest.log"), monitor exit $rc"
}

# SIGTERM in the middle of a run: the monitor must undo everything and
# exit 2 (run incomplete), and the guest, left without its monitor, must
# still reach its result line (an Error) and power off.
sigterm_scenario() {
    local cfg domid rc log=$PVR_OUT/$MON-term.log
    need_run
    rm -f "$log"
    cfg=$(xtf_guest_cfg "$NAME-term" "$IMAGE" 'vcpus = 2' \
        'altp2m = "external"') || fail "cannot write the xl.cfg"
    guest_create_paused "$cfg" || fail "xl create -p failed"
    domid=$(guest_domid "$NAME-term") || fail "no domid for $NAME-term"
    echo "$domid" > "$PVR_OUT/domid-term"
    daemon_start "$MON-term" "$PVR_BIN/pvr-altp2m-mon" --domid "$domid" ||
        fail "monitor did not start"
    log_wait 180 "$log" "setup: ready" || fail "monitor not ready"
    guest_unpause "$NAME-term" || fail "xl unpause failed"
    guest_dmesg_wait 300 "$domid" "check write-denied: ok" ||
        fail "the guest did not get to its write check"
    daemon_stop "$MON-term" 60
    rc=$?
    grep -E "signal|check: teardown|exit" "$log"
    [ "$rc" = 2 ] || fail "the monitor exited $rc on SIGTERM, expected 2"
    grep -q "stopping on signal 15" "$log" || fail "no SIGTERM in the log"
    grep -q "check: teardown: ok" "$log" ||
        fail "teardown after SIGTERM: $(grep 'teardown' "$log" | head -n 1)"
    guest_dmesg_wait 300 "$domid" "Test result:|PANIC" ||
        fail "the guest hung once its monitor was gone"
    xl dmesg | grep "(d$domid)" > "$PVR_OUT/guest-term.log"
    ! grep -q PANIC "$PVR_OUT/guest-term.log" || fail "the guest crashed"
    guest_wait_gone 120 "$domid" || fail "the guest did not power off"
    grep -o "Test result:.*" "$PVR_OUT/guest-term.log"
    echo "monitor undid everything on SIGTERM; the guest ran on and ended"
}

run_cleanup() {
    daemons_stop_all
    guests_destroy_all
}

# --- checks on the logs of the run --------------------------------------

need_run() {
    [ -e "$PVR_OUT/run-complete" ] || skip "blocked: the run did not complete"
}

# guest_ok CHECK: the guest printed "altp2m-ext: check CHECK: ok".
guest_ok() {
    grep -q "altp2m-ext: check $1: ok" "$PVR_OUT/guest.log" || {
        grep "check $1:" "$PVR_OUT/guest.log" | head -n 3
        fail "guest check $1 did not pass"
    }
    echo "guest: check $1: ok"
}

# mon_ok CHECK: the monitor printed "check: CHECK: ok".
mon_ok() {
    grep -q "check: $1: ok" "$PVR_OUT/$MON.log" || {
        grep "check: $1:" "$PVR_OUT/$MON.log" | head -n 3
        fail "monitor check $1 did not pass"
    }
    grep "check: $1: ok" "$PVR_OUT/$MON.log" | head -n 1
}

check_t6() {
    need_run
    guest_ok hello
    guest_ok fault-in-view1
    guest_ok cpuid-switches-back
    mon_ok hello
    mon_ok events-valid
    mon_ok view-tracking
    mon_ok violations-as-designed
}

check_write_denied() {
    need_run
    guest_ok write-denied
    mon_ok write-denied
}

check_change_gfn() {
    need_run
    guest_ok change-gfn
    mon_ok host-p2m-unchanged
}

check_two_vcpus() {
    need_run
    grep -q "vCPU 1 started" "$PVR_OUT/guest.log" ||
        fail "the guest did not start vCPU 1"
    guest_ok two-vcpus
    mon_ok per-vcpu-views
}

check_logdirty() {
    need_run
    mon_ok logdirty-enable
    mon_ok logdirty-disable
    guest_ok logdirty-keeps-restriction
    mon_ok logdirty-keeps-restriction
}

check_stress() {
    need_run
    guest_ok stress
    mon_ok stress-counts
}

check_teardown() {
    need_run
    mon_ok pool-view1-returned
    mon_ok pool-view-costs-pages
    mon_ok pool-no-leak
    mon_ok teardown
    mon_ok done-handshake
    guest_ok "done"
    guest_ok monitor-teardown
}

check_result() {
    need_run
    grep "Test result:" "$PVR_OUT/guest.log"
    grep -q "Test result: SUCCESS" "$PVR_OUT/guest.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/guest.log")"
    [ "$(cat "$PVR_OUT/$MON.rc")" = 0 ] ||
        fail "monitor: $(grep -o 'exit [0-9]* (.*' "$PVR_OUT/$MON.log")"
}

figures() {
    local khz name p50 p99 null f v
    need_run
    khz=$(bench_khz "$PVR_OUT/guest.log")
    null=$(bench_field "$PVR_OUT/guest.log" null-hypercall p50)
    [ -n "$null" ] && [ "$null" -gt 0 ] || fail "no bench lines"
    for name in violation-roundtrip cpuid-switch-roundtrip cpuid-roundtrip \
                null-hypercall; do
        p50=$(bench_field "$PVR_OUT/guest.log" "$name" p50)
        p99=$(bench_field "$PVR_OUT/guest.log" "$name" p99)
        [ -n "$p50" ] && [ -n "$p99" ] || fail "no bench line for $name"
        figure "$name p50" "$(cycles_us "$p50" "${khz:-0}")" us "$p50 cycles"
        figure "$name p99" "$(cycles_us "$p99" "${khz:-0}")" us "$p99 cycles"
        [ "$name" = null-hypercall ] ||
            figure "$name p50 / null hypercall p50" \
                "$(ratio "$p50" "$null")" ""
    done
    for f in pool-pages-empty-view pool-pages-per-view \
             pool-pages-view1-at-end pool-pages-kept-by-a-destroyed-slot; do
        v=$(sed -n "s/.*figure: $f: \([0-9-]*\) pages.*/\1/p" \
            "$PVR_OUT/$MON.log" | head -n 1)
        [ -z "$v" ] || figure "HAP $f" "$v" pages
    done
}

# xs_leftovers UUID DOMID...: xenstore nodes that are new since the
# snapshot and not empty directories, or that name a guest.
xs_leftovers() {
    local re="$NAME${1:+|$1}" d
    shift
    for d in "$@"; do
        re="$re|/$d( |/)"
    done
    xenstore-ls -f / > "$PVR_OUT/xenstore.after" 2>&1 || return 1
    sort "$PVR_OUT/xenstore.before" > "$PVR_OUT/xenstore.before.sorted"
    sort "$PVR_OUT/xenstore.after" | comm -13 \
        "$PVR_OUT/xenstore.before.sorted" - |
        grep -v -E '^[^ ]+ = ""$' || true
    grep -E "$re" "$PVR_OUT/xenstore.after" || true
}

_evtchn_back() {
    [ "$(xen_evtchn_count 0)" = "$(cat "$PVR_OUT/evtchn-dom0.before")" ]
}

check_leftovers() {
    local domid uuid term left n d
    need_run
    domid=$(cat "$PVR_OUT/domid")
    uuid=$(cat "$PVR_OUT/uuid")
    term=$(cat "$PVR_OUT/domid-term" 2>/dev/null) || term=
    ! guest_exists "$NAME" || fail "domain $NAME still exists"
    ! guest_exists "$NAME-term" || fail "domain $NAME-term still exists"
    for d in "$domid" ${term:+"$term"}; do
        xl list | awk -v d="$d" 'NR > 1 && $2 == d { exit 1 }' ||
            fail "xl still lists domain $d"
    done
    ! grep -q "evtchn:pvr-altp2m" /proc/interrupts ||
        fail "the monitor's event channel is still bound in dom0"
    wait_for 30 "dom0's event channels to return to $(cat \
        "$PVR_OUT/evtchn-dom0.before")" _evtchn_back ||
        fail "dom0 has $(xen_evtchn_count 0) event channels, had" \
            "$(cat "$PVR_OUT/evtchn-dom0.before") before the guest"
    left=$(xs_leftovers "$uuid" "$domid" ${term:+"$term"})
    [ -z "$left" ] || {
        echo "$left"
        fail "xenstore nodes left: $(echo "$left" | wc -l)"
    }
    n=$(wc -l < "$PVR_OUT/xenstore.after")
    echo "no domain, dom0 back to $(cat "$PVR_OUT/evtchn-dom0.before")" \
        "event channels, xenstore $n nodes" \
        "($(wc -l < "$PVR_OUT/xenstore.before") before), none of the guest's"
}

on_retry run_cleanup
step --timeout 900 run run_scenario
if [ ! -e "$PVR_OUT/skipped" ]; then
    step --always t6-fault-and-switch-back check_t6
    step --always write-denied check_write_denied
    step --always change-gfn-one-view check_change_gfn
    step --always two-vcpus-one-switched check_two_vcpus
    step --always stress check_stress
    step --always logdirty-keeps-restriction check_logdirty
    step --always teardown-no-leak check_teardown
    step --always guest-result check_result
    step --always bench figures
    step --always --timeout 600 sigterm-teardown sigterm_scenario
    step --always no-leftovers check_leftovers
    step --always cleanup run_cleanup
fi
