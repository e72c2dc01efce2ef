# SPDX-License-Identifier: GPL-2.0-only
# xen: patched
#
# Job altp2m-xtf: the freestanding altp2m test guest (tests/guest/altp2m)
# drives altp2m and mem_access on itself with HVMOP_altp2m, which
# altp2m = "mixed" in its xl.cfg allows.  No daemon and no vm_event
# listener: Xen relaxes every violation itself.  What the guest proves and
# cannot is in the header of tests/guest/altp2m/main.c.
#
# Xen without altp2m on AMD (Debian's, or any Xen booted without
# altp2m=1) answers -EOPNOTSUPP and the guest ends in SKIP: the run step
# is then skipped with the guest's reason, "needs xen-patches: ...", and
# never passes.  The "xen: patched" line above makes the build-path
# helper run this job again on the patched hypervisor.
#
# The run step boots the guest and keeps its console (guest.log) and
# Xen's own lines (xen.log); it fails only when the guest left no result
# line (a crash or a hang), so that a TCG flake reruns the whole guest.
# The steps after it read those logs, so a wrong answer from Xen is
# reported under the name of the phase that saw it.

IMAGE=$PVR_GUEST/altp2m/test-hvm32-altp2m
NAME=altp2m-xtf

altp2m_run() {
    local domid cfg result
    require_guest altp2m/test-hvm32-altp2m
    echo "Xen command line: $(xl info | sed -n 's/^xen_commandline *: //p')"
    # The HAP pool, which the stress's leak check runs against, is set
    # to what libxl would choose for this guest anyway (4 * (256 * vCPUs
    # + 2 * MiB) KiB = 2 MiB, 512 pages), so that its size is known.
    # tsc_mode "native": QEMU's TSC is not invariant, so by default Xen
    # traps every rdtsc, and each timed sample would carry two exits of
    # the clock itself.
    cfg=$(xtf_guest_cfg "$NAME" "$IMAGE" 'altp2m = "mixed"' \
        'shadow_memory = 2' 'tsc_mode = "native"')
    guest_create_paused "$cfg" || fail "xl create -p failed"
    domid=$(guest_domid "$NAME") || fail "no domid for $NAME"
    echo "$domid" > "$PVR_OUT/domid"
    guest_unpause "$NAME" || fail "xl unpause failed"

    guest_dmesg_wait 300 "$domid" "Test result:" || true
    xl dmesg > "$PVR_OUT/xl-dmesg.txt"
    grep "(d$domid)" "$PVR_OUT/xl-dmesg.txt" > "$PVR_OUT/guest.log"
    grep "(XEN)" "$PVR_OUT/xl-dmesg.txt" > "$PVR_OUT/xen.log"
    grep -q "Test result:" "$PVR_OUT/guest.log" ||
        fail "no Test result line: $(tail -n 1 "$PVR_OUT/guest.log")"
    guest_wait_gone 120 "$domid" || fail "guest did not power off"

    result=$(grep -o "Test result:.*" "$PVR_OUT/guest.log" | head -n 1)
    echo "$result"
    case "$result" in
    "Test result: SKIP: "*)
        skip "${result#Test result: SKIP: }" ;;
    esac
}

altp2m_cleanup() {
    guests_destroy_all
}

# No hypervisor line about a crash or an error while the guest ran.
check_xen_log() {
    local domid bad
    domid=$(cat "$PVR_OUT/domid")
    # Lines naming the domain, for the log (HVM save records are routine).
    grep -E "(^|[^[:alnum:]])d$domid(v[0-9]+)?([^0-9]|\$)" \
        "$PVR_OUT/xen.log" | grep -v -E "HVM d$domid(v[0-9]+)? save:" |
        head -n 20
    bad=$(grep -i -E "crash|assert|bug|fatal|panic|error|fail|warn" \
        "$PVR_OUT/xen.log" | head -n 5)
    [ -z "$bad" ] || fail "Xen: $(echo "$bad" | head -n 1)"
    echo "no crash or error line from Xen"
}

# check_phase TAG-ERE LAST: the guest reported no Failure or Error for the
# phase and reached its last check, whose ok line contains LAST.
check_phase() {
    local bad n
    bad=$(grep -o -E "(FAILURE|ERROR): altp2m: ($1):.*" \
        "$PVR_OUT/guest.log" | head -n 1)
    n=$(grep -c -E "altp2m: ($1): .*: ok$" "$PVR_OUT/guest.log")
    echo "$n checks passed"
    [ -z "$bad" ] || fail "$bad"
    grep -q -F -- "$2" "$PVR_OUT/guest.log" ||
        fail "the guest never got to: $2"
}

check_state() { check_phase state "state: altp2m on: ok"; }
check_t1() { check_phase t1 "after a read on n2rwx: view"; }
check_t2() { check_phase t2 "t2: after the call: view"; }
check_t3() { check_phase t3 "switch_p2m(destroyed view): -EINVAL: ok"; }
check_t4() { check_phase t4 "t4: view 0 sees the write"; }
check_t5() { check_phase "t5|t5a|t5b" "t5b: B repopulated and writable"; }
check_t7() { check_phase t7 "t7: vCPU 0 is on view 0: ok"; }
check_stress() { check_phase stress "stress: 1000 views created"; }
check_end() { check_phase end "end: create_p2m with altp2m off"; }

check_bench() {
    local khz name p50 p99 n50 n99 ms what
    check_phase bench "bench: 1000 samples each"
    khz=$(bench_khz "$PVR_OUT/guest.log")
    n50=$(bench_field "$PVR_OUT/guest.log" altp2m-null-hypercall p50)
    n99=$(bench_field "$PVR_OUT/guest.log" altp2m-null-hypercall p99)
    [ -n "$n50" ] && [ -n "$n99" ] && [ "$n50" -gt 0 ] ||
        fail "no null-hypercall figures"
    for name in null-hypercall switch violation plain-write; do
        p50=$(bench_field "$PVR_OUT/guest.log" "altp2m-$name" p50)
        p99=$(bench_field "$PVR_OUT/guest.log" "altp2m-$name" p99)
        [ -n "$p50" ] && [ -n "$p99" ] || fail "no altp2m-$name figures"
        figure "altp2m $name p50" "$(cycles_us "$p50" "${khz:-0}")" us \
            "$p50 cycles"
        figure "altp2m $name p99" "$(cycles_us "$p99" "${khz:-0}")" us \
            "$p99 cycles"
        case "$name" in
        switch|violation)
            figure "altp2m $name / null hypercall p50" \
                "$(ratio "$p50" "$n50")" ""
            figure "altp2m $name / null hypercall p99" \
                "$(ratio "$p99" "$n99")" "" ;;
        esac
    done
    # "altp2m: stress: <count> <what>... (<ms> ms): ok"
    for what in "view switches" "writes to an r page" "views created"; do
        ms=$(grep -o "altp2m: stress: [0-9]* $what.*([0-9]* ms)" \
            "$PVR_OUT/guest.log" | head -n 1 |
            sed 's/^altp2m: stress: \([0-9]*\) .*(\([0-9]*\) ms)$/\1 \2/')
        [ -n "$ms" ] || continue
        figure "altp2m stress: ${ms% *} $what" "${ms#* }" ms
    done
}

check_result() {
    grep "Test result:" "$PVR_OUT/guest.log"
    grep -q "Test result: SUCCESS" "$PVR_OUT/guest.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/guest.log")"
}

on_retry altp2m_cleanup
step --timeout 600 run altp2m_run
step xen-log check_xen_log
step state check_state
step t1-mem-access check_t1
step t2-exec check_t2
step t3-views check_t3
step t4-default-access check_t4
step t5-reset check_t5
step t7-refusals check_t7
step stress check_stress
step bench check_bench
step end check_end
step guest-result check_result
step --always cleanup altp2m_cleanup
