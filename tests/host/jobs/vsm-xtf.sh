# SPDX-License-Identifier: GPL-2.0-only
# xen: patched
#
# Job vsm-xtf: the VSM guest test (tests/guest/vsm) with a dom0 stand-in
# paravisor, pvr-vsm-responder, on the VSM policy channel of
# xen-patches 0011-0013 (IOREQ_TYPE_VSM, range type 3) and the VTL
# switch of 0016 (register banks, HvCallVtlCall/HvCallVtlReturn inside
# Xen, the hypercall page's VTL stubs).
#
# Run 1 (vsm-xtf): the guest is created paused without a viridian key in
# its cfg (HVM_PARAM_VIRIDIAN is write-once and libxl would set it first),
# then pvr-vsm-responder sets it to the base set plus HVMPV_vsm.  A Xen
# without the patches refuses bit 13 (exit 77): the param is set without
# it and the guest must end in SKIP "no VSM", which skips the job, as
# altp2m-xtf does on stock Xen.  On the patched Xen the guest checks Xen's
# own answers with no paravisor, prints "waiting for the paravisor", and
# the job starts the responder; the guest checks the answers it relays
# (rep calls the responder answers in parts are continued by Xen), enables
# VTL1 on its VP (the responder makes VTL0's and VTL1's altp2m views and
# sets access_required), enters VTL1 and comes back, and has VTL1 make a
# page read-only for VTL0 and write it in its own view (phase vtl), times VtlCall +
# VtlReturn against a null Viridian hypercall (bench), and prints "release
# the paravisor"; the job stops the responder (its server
# is destroyed) and the guest checks that VSM is denied again.
# Run 2 (vsm-plain, patched Xen only): the same image with the base
# viridian set only must see Xen exactly as before the patches:
# HvCallEnablePartitionVtl is an invalid hypercall code and CPUID offers
# no VSM privilege (SKIP "no VSM" is the expected end there).
# Run 3 (vsm-pvd, patched Xen only): the same guest as run 1 with the
# real paravisor's policy instead of the test double's: pvdomaind --vsm
# (dom0 mode, its VTL engine pvdomain/vtl, 2 reps a request as the
# responder does) answers the channel, and must pass every check of the
# guest; from pvdomaind's log, the engine answered exactly the calls the
# guest counted (its decision lines, and its summary's count).  Only this
# run gives the guest Xen's SynIC (--synic: HVMPV_synic), which is what
# makes it run its violation phase: VTL0 writes a page VTL1 took W from
# and calls into one it took X from; Xen sends each violation to the
# engine (kind 1, after VTL1's SIMP reached it as a register event, kind
# 2), the engine posts the GpaIntercept message and Xen enters VTL1
# (xen-patches 0018).  The engine's summary must count as many delivered
# violations as VTL1 saw, and the one it entered VTL1 for with its old
# message still in the slot, none crashed.  The test double of
# run 1 answers kind 0 only: its guest has no SynIC and says it skips.
# Then its phase emul (xen-patches 0020): what Xen copies for VTL0
# (xen_version's output, Xen's own GetVpRegisters input and output) into
# or out of a page VTL1 protected is refused, an emulated string
# instruction there (rep insb, rep outsb) is a violation delivered to
# VTL1 before any byte moved, and the engine refuses a VSM call's input
# or output GPA VTL0 may not access (ACCESS_DENIED).
# Run 3's guest also has 2 vCPUs, for its phase smp: VP0's VTL1 enables
# VTL1 on VP1 while VP1 runs, then VP0 stays in VTL1 (writing a page its
# VTL1 made read-only for VTL0) while VP1, in VTL0, writes the page: the
# violation goes to VP1's VTL1 (its own SIMP: a register event from vp1)
# while VP0 is still in VTL1, each VTL of each vCPU keeping its own
# SYSENTER_CS.  The engine must have enabled VTL1 on vp1 at VP0's VTL1's
# request and delivered vp1's violation to it.
# Run 3's phase intercept (xen-patches 0022): VTL1 sets
# CrInterceptControl (Cr0Write with the mask WP, SYSENTER_EIP write) with
# HvCallSetVpRegisters, which the engine validates (reserved and
# unenforced bits, from VTL0) and Xen then applies; VTL0's CR0 and WRMSR
# writes go to the engine as kind 3, which posts the RegisterIntercept
# or MsrIntercept message, and Xen enters VTL1, which refuses or allows
# each by setting VTL0's RIP (and value) itself.  The engine's summary
# must count as many intercepts delivered as VTL1 saw.
#
# The run steps keep the consoles and logs; the steps after them read
# those, so each failure is reported under the name of what it checks.

IMAGE=$PVR_GUEST/vsm/test-hvm32-vsm

# vsm_boot NAME VCPUS [--vsm [--synic]]: create NAME paused with VCPUS
# vCPUs, set its viridian param, record the domid; prints the setter's
# exit status on stdout's last line.
vsm_boot() {
    local name=$1 vcpus=$2 domid rc
    shift 2
    guest_create_paused "$(xtf_guest_cfg "$name" "$IMAGE" \
        "vcpus = $vcpus")" ||
        fail "xl create -p $name failed"
    domid=$(guest_domid "$name") || fail "no domid for $name"
    echo "$domid" > "$PVR_OUT/$name.domid"
    "$PVR_BIN/pvr-vsm-responder" viridian "$domid" "$@" \
        >> "$PVR_OUT/$name.setup.log" 2>&1
    rc=$?
    if [ "$rc" = 77 ]; then
        "$PVR_BIN/pvr-vsm-responder" viridian "$domid" \
            >> "$PVR_OUT/$name.setup.log" 2>&1 ||
            fail "$(pvr_last_line "$PVR_OUT/$name.setup.log")"
    elif [ "$rc" != 0 ]; then
        fail "$(pvr_last_line "$PVR_OUT/$name.setup.log")"
    fi
    cat "$PVR_OUT/$name.setup.log"
    echo "$rc" > "$PVR_OUT/$name.setup.rc"
}

# vsm_finish NAME: wait for the result line, keep the guest's console in
# NAME.log and its result line in NAME.result.
vsm_finish() {
    local name=$1 domid
    domid=$(cat "$PVR_OUT/$name.domid")
    guest_dmesg_wait 400 "$domid" "Test result:" || true
    xl dmesg > "$PVR_OUT/xl-dmesg.txt"
    grep "(d$domid)" "$PVR_OUT/xl-dmesg.txt" > "$PVR_OUT/$name.log"
    grep -q "Test result:" "$PVR_OUT/$name.log" ||
        fail "$name: no Test result line: $(tail -n 1 "$PVR_OUT/$name.log")"
    guest_wait_gone 120 "$domid" || fail "$name did not power off"
    grep -o "Test result:.*" "$PVR_OUT/$name.log" | head -n 1 |
        tee "$PVR_OUT/$name.result"
}

vsm_run() {
    local domid result
    require_bin pvr-vsm-responder
    require_guest vsm/test-hvm32-vsm
    rm -f "$PVR_OUT"/vsm-xtf.* "$PVR_OUT"/vsm-responder.log
    vsm_boot vsm-xtf 1 --vsm
    domid=$(cat "$PVR_OUT/vsm-xtf.domid")
    guest_unpause vsm-xtf || fail "xl unpause failed"

    if [ "$(cat "$PVR_OUT/vsm-xtf.setup.rc")" = 0 ]; then
        guest_dmesg_wait 400 "$domid" "vsm: waiting for the paravisor" ||
            fail "the guest never asked for the paravisor"
        daemon_start vsm-responder "$PVR_BIN/pvr-vsm-responder" serve \
            "$domid" || fail "the responder did not start"
        guest_dmesg_wait 400 "$domid" "vsm: release the paravisor" ||
            fail "the guest never asked to release the paravisor"
        daemon_stop vsm-responder 30
        echo "$?" > "$PVR_OUT/vsm-responder.rc"
    fi
    vsm_finish vsm-xtf
    result=$(cat "$PVR_OUT/vsm-xtf.result")
    case "$result" in
    "Test result: SKIP: "*)
        skip "${result#Test result: SKIP: }" ;;
    esac
}

vsm_plain_run() {
    [ "$(cat "$PVR_OUT/vsm-xtf.setup.rc" 2>/dev/null)" = 0 ] ||
        skip "needs the patched Xen (run 1 did not get HVMPV_vsm)"
    vsm_boot vsm-plain 1
    guest_unpause vsm-plain || fail "xl unpause failed"
    vsm_finish vsm-plain
}

vsm_pvd_run() {
    local domid
    [ "$(cat "$PVR_OUT/vsm-xtf.setup.rc" 2>/dev/null)" = 0 ] ||
        skip "needs the patched Xen (run 1 did not get HVMPV_vsm)"
    require_bin pvdomaind
    rm -f "$PVR_OUT"/vsm-pvd.* "$PVR_OUT"/pvdomaind-vsm.log
    vsm_boot vsm-pvd 2 --vsm --synic
    domid=$(cat "$PVR_OUT/vsm-pvd.domid")
    guest_unpause vsm-pvd || fail "xl unpause failed"
    guest_dmesg_wait 400 "$domid" "vsm: waiting for the paravisor" ||
        fail "the guest never asked for the paravisor"
    daemon_start pvdomaind-vsm "$PVR_BIN/pvdomaind" --domid "$domid" \
        --vsm --vsm-reps 2 || fail "pvdomaind --vsm did not start"
    guest_dmesg_wait 400 "$domid" "vsm: release the paravisor" ||
        fail "the guest never asked to release the paravisor;" \
            "pvdomaind: $(pvr_last_line "$PVR_OUT/pvdomaind-vsm.log")"
    daemon_stop pvdomaind-vsm 60
    echo "$?" > "$PVR_OUT/pvdomaind-vsm.rc"
    vsm_finish vsm-pvd
}

vsm_cleanup() {
    daemons_stop_all
    guests_destroy_all
}

# check_phase PHASE-ERE LAST [LOG]: no Failure or Error for the phase, and
# its last check (whose line contains LAST) was reached.
check_phase() {
    local log=${3:-$PVR_OUT/vsm-xtf.log} bad n
    bad=$(grep -o -E "(FAILURE|ERROR): vsm: ($1):.*" "$log" | head -n 1)
    n=$(grep -c -E "vsm: ($1): .*: ok$" "$log")
    echo "$n checks passed"
    [ -z "$bad" ] || fail "$bad"
    grep -q -F -- "$2" "$log" || fail "the guest never got to: $2"
}

check_xen_log() {
    local bad
    grep "(XEN)" "$PVR_OUT/xl-dmesg.txt" | grep -i "vsm\|viridian" |
        head -n 20
    bad=$(grep "(XEN)" "$PVR_OUT/xl-dmesg.txt" |
        grep -i -E "crash|assert|bug|fatal|panic" | head -n 5)
    [ -z "$bad" ] || fail "Xen: $(echo "$bad" | head -n 1)"
    echo "no crash line from Xen"
}

check_alone() {
    check_phase alone "alone: 0x0C ModifyVtlProtectionMask, 1 page"
}

check_paired() {
    check_phase paired "paired: 0x0F again"
}

check_vtl() {
    check_phase vtl "vsm: vtl: end"
}

# Run 1's guest has no SynIC: no violation phase against the test double.
check_no_violation() {
    file_has "$PVR_OUT/vsm-xtf.log" \
        "vsm: violation: skipped: no SynIC (HVMPV_synic not set)"
    file_has "$PVR_OUT/vsm-xtf.log" \
        "vsm: violation: 0 violations delivered to VTL1, 0 on a busy slot"
    file_has "$PVR_OUT/vsm-xtf.log" \
        "vsm: intercept: skipped: no SynIC (HVMPV_synic not set)"
}

# The figures of phase bench: TSC cycles as us, and the round trip's
# ratio to the null hypercall.
check_bench() {
    local log=$PVR_OUT/vsm-xtf.log khz name p50 p99 n50 n99
    check_phase bench "vsm: bench: 1000 samples each"
    khz=$(bench_khz "$log")
    n50=$(bench_field "$log" vsm-null-hypercall p50)
    n99=$(bench_field "$log" vsm-null-hypercall p99)
    [ -n "$n50" ] && [ -n "$n99" ] && [ "$n50" -gt 0 ] ||
        fail "no null-hypercall figures"
    for name in null-hypercall vtl-roundtrip; do
        p50=$(bench_field "$log" "vsm-$name" p50)
        p99=$(bench_field "$log" "vsm-$name" p99)
        [ -n "$p50" ] && [ -n "$p99" ] || fail "no vsm-$name figures"
        figure "vsm $name p50" "$(cycles_us "$p50" "${khz:-0}")" us \
            "$p50 cycles"
        figure "vsm $name p99" "$(cycles_us "$p99" "${khz:-0}")" us \
            "$p99 cycles"
    done
    figure "vsm VtlCall+VtlReturn / null hypercall p50" \
        "$(ratio "$(bench_field "$log" vsm-vtl-roundtrip p50)" "$n50")" ""
    figure "vsm VtlCall+VtlReturn / null hypercall p99" \
        "$(ratio "$(bench_field "$log" vsm-vtl-roundtrip p99)" "$n99")" ""
}

# check_continued LOG WHO: the requests that reached WHO include Xen's
# continuations (0x0C from VTL1 re-sent from rep starts 2 and 4, and from
# 3; 0x50 from rep start 1 after Xen answered VsmCodePageOffsets itself,
# the guest's own call from rep start 1 being the other such line),
# VTL1's 0x0C of prot_page, and a fast 0x0D for self (input 0, R8 in
# data).
check_continued() {
    local cont
    for cont in "0x000c reps 5 start 2" "0x000c reps 5 start 4" \
        "0x000c reps 5 start 3"; do
        grep -q ": hypercall $cont vtl 1 " "$1" ||
            fail "no continued request \"$cont\" at $2"
    done
    [ "$(grep -c ": hypercall 0x0050 reps 2 start 1 " "$1")" = 2 ] ||
        fail "0x50 not continued after Xen's VsmCodePageOffsets at $2"
    grep -q ": hypercall 0x000c reps 1 start 0 vtl 1 .*-> status 0x0000 reps 1" \
        "$1" || fail "no 0x0C from VTL1 answered by $2"
    grep -q ": hypercall 0x000d reps 0 start 0 vtl 0 fast 1 32bit 1 in 0x0 out 0x2 " \
        "$1" || fail "no fast 0x0D with input 0 (self) at $2"
    echo "continued requests, VTL1's 0x0C and the fast 0x0D seen at $2"
}

# The responder answered exactly the calls the guest counted, all well
# formed, and exited cleanly when stopped.
check_responder() {
    local log=$PVR_OUT/vsm-responder.log want got ro gfn
    file_has "$log" "ready: server"
    want=$(sed -n 's/.*vsm: paired: \([0-9]*\) calls answered.*/\1/p' \
        "$PVR_OUT/vsm-xtf.log")
    got=$(grep -c ": hypercall 0x" "$log")
    echo "guest counted ${want:-?} forwarded calls, the responder $got"
    [ -n "$want" ] && [ "$want" -gt 0 ] && [ "$want" = "$got" ] ||
        fail "forwarded calls: guest ${want:-none}, responder $got"
    file_has "$log" "summary: $got requests, 0 bad"
    check_continued "$log" "the responder"
    grep -q ": hypercall 0x000c reps 3 start 2 " "$log" ||
        fail "no continued request \"0x000c reps 3 start 2\" at the responder"
    # The views: made at 0x0D; VTL1's 0x0C (source VTL 1 in the request)
    # made prot_page read-only (access 1) in VTL0's view, then rwx (7),
    # as its rep calls made other pages before.
    grep -E ": views: VTL0 [0-9]+, VTL1 [0-9]+" "$log" ||
        fail "the responder made no views"
    ro=$(grep -E ": VTL0 view [0-9]+ gfn 0x[0-9a-f]+: access 1$" "$log")
    echo "$ro"
    [ "$(echo "$ro" | grep -c .)" = 1 ] ||
        fail "prot_page not made read-only once in VTL0's view"
    gfn=$(echo "$ro" | sed 's/.* gfn \(0x[0-9a-f]*\):.*/\1/')
    grep -q -E ": VTL0 view [0-9]+ gfn $gfn: access 7$" "$log" ||
        fail "prot_page ($gfn) not rwx again"
    [ "$(cat "$PVR_OUT/vsm-responder.rc")" = 0 ] ||
        fail "the responder exited with $(cat "$PVR_OUT/vsm-responder.rc")"
}

check_gone() {
    check_phase gone "vsm: gone: end"
}

check_result() {
    grep "Test result:" "$PVR_OUT/vsm-xtf.log"
    grep -q "Test result: SUCCESS" "$PVR_OUT/vsm-xtf.log" ||
        fail "$(grep -o 'Test result:.*' "$PVR_OUT/vsm-xtf.log")"
}

# The guest passed every phase against pvdomaind --vsm.
check_pvd_guest() {
    local log=$PVR_OUT/vsm-pvd.log
    check_phase paired "paired: 0x0F again" "$log"
    check_phase vtl "vsm: vtl: end" "$log"
    check_phase violation "vsm: violation: end" "$log"
    check_phase intercept "vsm: intercept: end" "$log"
    check_phase smp "vsm: smp: end" "$log"
    check_phase bench "vsm: bench: 1000 samples each" "$log"
    check_phase gone "vsm: gone: end" "$log"
    grep "Test result:" "$log"
    grep -q "Test result: SUCCESS" "$log" ||
        fail "$(grep -o 'Test result:.*' "$log")"
}

# pvdomaind's engine, not the responder, answered: one decision line per
# request the guest counted (or held back by the rate limit, which the
# summary says), the summary's count the same, the continued requests,
# the views made, and a clean exit.
check_pvd_engine() {
    local log=$PVR_OUT/pvdomaind-vsm.log domid want got held sum others
    domid=$(cat "$PVR_OUT/vsm-pvd.domid")
    file_has "$log" "vsm: info: VTL engine for 2 vCPUs, 2 reps a request"
    file_has "$log" "VSM events: kinds 0-3"
    file_has "$log" "vtl: info: VTL1 enabled: VTL0 view [0-9]*, VTL1 view [0-9]*"
    want=$(sed -n 's/.*vsm: paired: \([0-9]*\) calls answered.*/\1/p' \
        "$PVR_OUT/vsm-pvd.log")
    # One decision line per request of any kind (hypercall, violation,
    # register event, intercept), unless the rate limit held it back.
    got=$(grep -c -E "vsm: info: vp[0-9]*: (hypercall 0x|violation gpa |kind 2 |intercept )" \
        "$log")
    sum=$(sed -n 's/.*vsm: info: summary: \([0-9]*\) hypercalls.*/\1/p' "$log")
    # Violations, register events and intercepts, empty without a summary.
    others=$(sed -n 's/.*vsm: info: summary: .*, \([0-9]*\) violations (.*), \([0-9]*\) register events, \([0-9]*\) intercepts .*/\1 \2 \3/p' \
        "$log" | awk '{ print $1 + $2 + $3 }')
    held=$(sed -n 's/.*; \([0-9]*\) lines held back$/\1/p' "$log")
    echo "guest counted ${want:-?} forwarded calls; pvdomaind logged $got" \
        "decisions, held back ${held:-?}, summary ${sum:-?}" \
        "(and violations + register events: ${others:-?})"
    [ -n "$want" ] && [ "$want" -gt 0 ] ||
        fail "the guest counted no forwarded calls"
    [ "$sum" = "$want" ] ||
        fail "forwarded calls: guest $want, pvdomaind's engine ${sum:-none}"
    [ -n "$held" ] && [ -n "$others" ] &&
        [ $((got + held)) = $((want + others)) ] ||
        fail "decision lines: $got logged + ${held:-?} held back !=" \
            "$want + ${others:-?} requests"
    file_has "$log" "summary: $want hypercalls .* 0 malformed, 0 port errors"
    check_continued "$log" pvdomaind
    ! grep -q "pvr-vsm-responder: d$domid[: ]" \
        "$PVR_OUT/vsm-responder.log" 2>/dev/null ||
        fail "the responder answered guest $domid"
    [ "$(cat "$PVR_OUT/pvdomaind-vsm.rc")" = 0 ] ||
        fail "pvdomaind exited with $(cat "$PVR_OUT/pvdomaind-vsm.rc")"
}

# The violations VTL1 saw were delivered by pvdomaind's engine: its
# summary counts as many delivered (VP0's and, from phase smp, VP1's),
# and as many entered on a busy slot as VTL1 found its old message (the
# guest's busy-slot case; none crashed), each VP's VTL1 SIMP reached it
# as a register event, and its decision lines show the write and the
# execution; then the figures.
check_pvd_violation() {
    local log=$PVR_OUT/vsm-pvd.log plog=$PVR_OUT/pvdomaind-vsm.log
    local want busy counts n50 n99 p50 p99 khz smp_v smp_simp
    want=$(sed -n 's/.*vsm: violation: \([0-9]*\) violations delivered.*/\1/p' \
        "$log")
    busy=$(sed -n 's/.*vsm: violation: [0-9]* violations delivered to VTL1, \([0-9]*\) on a busy slot.*/\1/p' \
        "$log")
    counts=$(sed -n 's/.*vsm: info: summary: .*, \([0-9]*\) violations (\([0-9]*\) delivered, \([0-9]*\) on a busy slot, \([0-9]*\) crashed), \([0-9]*\) register events.*/\1 \2 \3 \4 \5/p' \
        "$plog")
    echo "VTL1 saw ${want:-?} violations and ${busy:-?} old messages;" \
        "pvdomaind's engine" \
        "(violations delivered busy crashed register-events): ${counts:-?}"
    smp_v=$(sed -n "s/.*vsm: smp: \([0-9]*\) violation delivered to VP1's VTL1, \([0-9]*\) SIMP write.*/\1/p" \
        "$log")
    smp_simp=$(sed -n "s/.*vsm: smp: [0-9]* violation delivered to VP1's VTL1, \([0-9]*\) SIMP write.*/\1/p" \
        "$log")
    echo "phase smp: ${smp_v:-?} violation on VP1, ${smp_simp:-?} SIMP write"
    [ -n "$want" ] && [ "$want" -gt 2 ] && [ "$busy" = 1 ] ||
        fail "the guest counted ${want:-no} violations, ${busy:-no} busy"
    [ "$smp_v" = 1 ] && [ "$smp_simp" = 1 ] ||
        fail "phase smp counted ${smp_v:-no} violations," \
            "${smp_simp:-no} SIMP writes"
    [ "$counts" = "$((want + busy + smp_v)) $((want + smp_v)) $busy 0 $((1 + smp_simp))" ] ||
        fail "engine: ${counts:-no summary}, guest: $want + $smp_v" \
            "violations, $busy busy and $((1 + smp_simp)) SIMP writes"
    grep -q -E "vsm: info: vp0: kind 2 0x40000083 vtl 1 = 0x[0-9a-f]*1( |$)" \
        "$plog" || fail "no SIMP register event from VTL1"
    grep -q -E "vsm: info: vp0: violation gpa 0x[0-9a-f]+ access .w. vtl 0 -> action 1( |$)" \
        "$plog" || fail "no write violation delivered (action 1)"
    grep -q -E "vsm: info: vp0: violation gpa 0x[0-9a-f]+ access --x vtl 0 -> action 1( |$)" \
        "$plog" || fail "no execution violation delivered (action 1)"
    check_phase bench "vsm: bench: 1000 samples each" "$log"
    khz=$(bench_khz "$log")
    n50=$(bench_field "$log" vsm-null-hypercall p50)
    n99=$(bench_field "$log" vsm-null-hypercall p99)
    p50=$(bench_field "$log" vsm-violation-roundtrip p50)
    p99=$(bench_field "$log" vsm-violation-roundtrip p99)
    [ -n "$n50" ] && [ -n "$p50" ] && [ -n "$p99" ] && [ "$n50" -gt 0 ] ||
        fail "no violation round trip figures"
    figure "vsm violation round trip p50" "$(cycles_us "$p50" "${khz:-0}")" \
        us "$p50 cycles"
    figure "vsm violation round trip p99" "$(cycles_us "$p99" "${khz:-0}")" \
        us "$p99 cycles"
    figure "vsm violation round trip / null hypercall p50" \
        "$(ratio "$p50" "$n50")" ""
    figure "vsm violation round trip / null hypercall p99" \
        "$(ratio "$p99" "$n99")" ""
    figure "vsm VtlCall+VtlReturn / null hypercall p50 (pvdomaind run)" \
        "$(ratio "$(bench_field "$log" vsm-vtl-roundtrip p50)" "$n50")" ""
}

# Phase smp from the engine's side: VTL1 enabled on vp1 by a request from
# vp0 in VTL1, vp1's own SIMP from its VTL1, and vp1's write violation
# decided for vp1 (delivered), while vp0's last request before it was
# VTL1's 0x0C taking W (vp0 stayed in VTL1: no vp0 VtlReturn is visible
# here, the guest's lines prove that part).
check_pvd_smp() {
    local log=$PVR_OUT/vsm-pvd.log plog=$PVR_OUT/pvdomaind-vsm.log
    check_phase smp "vsm: smp: end" "$log"
    grep -E "vsm: smp: .*(VP0 inside VTL1|SYSENTER_CS|saw VP0's VTL1)" "$log"
    grep -q -E "vsm: info: vp0: hypercall 0x000f reps 0 start 0 vtl 1 .*-> status 0x0000 " \
        "$plog" || fail "no EnableVpVtl from vp0's VTL1 answered SUCCESS"
    file_has "$plog" "vtl: info: VTL1 enabled on vp1"
    grep -E "vsm: info: vp1: " "$plog" | head -n 5
    grep -q -E "vsm: info: vp1: kind 2 0x40000083 vtl 1 = 0x[0-9a-f]*1( |$)" \
        "$plog" || fail "no SIMP register event from vp1's VTL1"
    grep -q -E "vsm: info: vp1: violation gpa 0x[0-9a-f]+ access .w. vtl 0 -> action 1( |$)" \
        "$plog" || fail "no write violation of vp1 delivered (action 1)"
}

# Phase intercept from the engine's side: as many intercepts delivered as
# VTL1 saw (none executed, busy or crashed), the CR0 and the MSR write
# decided "enter VTL1"; VTL1's bad CrInterceptControl got
# INVALID_REGISTER_VALUE from the engine (check_pvd_engine counted those
# calls as the engine's; their decision lines, errors, may be held back by
# the rate limit, so the guest's lines say which status).
check_pvd_intercept() {
    local log=$PVR_OUT/vsm-pvd.log plog=$PVR_OUT/pvdomaind-vsm.log want counts
    check_phase intercept "vsm: intercept: end" "$log"
    want=$(sed -n 's/.*vsm: intercept: \([0-9]*\) intercepts delivered.*/\1/p' \
        "$log")
    counts=$(sed -n 's/.*vsm: info: summary: .*, \([0-9]*\) intercepts (\([0-9]*\) delivered, \([0-9]*\) on a busy slot, \([0-9]*\) executed, \([0-9]*\) crashed).*/\1 \2 \3 \4 \5/p' \
        "$plog")
    echo "VTL1 saw ${want:-?} intercepts; pvdomaind's engine" \
        "(intercepts delivered busy executed crashed): ${counts:-?}"
    [ -n "$want" ] && [ "$want" -gt 0 ] ||
        fail "the guest counted no intercepts"
    [ "$counts" = "$want $want 0 0 0" ] ||
        fail "engine: ${counts:-no summary}, guest: $want intercepts"
    grep -E "vsm: info: vp0: intercept " "$plog" | head -n 4
    grep -q -E "vsm: info: vp0: intercept register 0x40000 value 0x[0-9a-f]+ vtl 0 -> action 1( |$)" \
        "$plog" || fail "no CR0 intercept delivered (action 1)"
    grep -q -E "vsm: info: vp0: intercept msr 0x176 value 0x102000 vtl 0 -> action 1( |$)" \
        "$plog" || fail "no SYSENTER_EIP intercept delivered (action 1)"
    file_has "$log" "CrInterceptControl, reserved bit 25: status 0x50 reps 0: ok"
    file_has "$log" "CrInterceptControl, XCr0Write (not enforced): status 0x50 reps 0: ok"
    file_has "$log" "intercept: VTL0's CR0.WP after VTL1 refused = 0x10000: ok"
}

# Phase emul: what Xen does or emulates for VTL0 respects VTL1's
# protections (xen-patches 0020).  The guest proved the bytes unchanged,
# the errors and the two violations; here Xen's log names the refused
# copies of both pages (xen_version's and Xen's own GetVpRegisters
# output, the rep insb before its violation; the input of 0x50 and the
# rep outsb's source), pvdomaind delivered the two violations of
# emulated accesses with their GPAs and access (write into the W-less
# page, read of the R-less one), and its engine refused the three GPAs
# VTL0 may not access (two outputs, one input).
check_pvd_emul() {
    local log=$PVR_OUT/vsm-pvd.log plog=$PVR_OUT/pvdomaind-vsm.log
    local xlog=$PVR_OUT/xl-dmesg.txt domid w r n
    domid=$(cat "$PVR_OUT/vsm-pvd.domid")
    check_phase emul "vsm: emul: end" "$log"
    file_has "$log" \
        "vsm: emul: 2 violations of emulated accesses delivered to VTL1"
    w=$(sed -n 's/.*vsm: emul: pages W-less at gfn \(0x[0-9a-f]*\), .*/\1/p' \
        "$log")
    r=$(sed -n 's/.*vsm: emul: .*, R-less at gfn \(0x[0-9a-f]*\)$/\1/p' \
        "$log")
    [ -n "$w" ] && [ -n "$r" ] || fail "the guest named no pages"
    grep "(XEN)" "$xlog" | grep "d${domid}v" |
        grep -E "VSM: VTL0 (write|read) of gfn ($w|$r) by Xen refused"
    n=$(grep "(XEN)" "$xlog" | grep -c -E \
        "d${domid}v[0-9]+ VSM: VTL0 write of gfn $w by Xen refused")
    [ "$n" -ge 3 ] || fail "Xen logged $n refused writes of gfn $w, not 3"
    n=$(grep "(XEN)" "$xlog" | grep -c -E \
        "d${domid}v[0-9]+ VSM: VTL0 read of gfn $r by Xen refused")
    [ "$n" -ge 2 ] || fail "Xen logged $n refused reads of gfn $r, not 2"
    grep -q -E "vsm: info: vp0: violation gpa $(printf '0x%x' \
        $((w * 4096 + 64))) access -w- gla vtl 0 -> action 1$" "$plog" ||
        fail "no violation of rep insb at gfn $w + 64 delivered"
    grep -q -E "vsm: info: vp0: violation gpa $(printf '0x%x' \
        $((r * 4096 + 256))) access r-- gla vtl 0 -> action 1$" "$plog" ||
        fail "no violation of rep outsb at gfn $r + 256 delivered"
    echo "pvdomaind delivered the violations of rep insb and rep outsb"
    file_has "$plog" "summary: .*, 3 GPAs VTL0 may not access)"
}

check_plain() {
    check_phase probe "probe: 0x0D without VSM: status 0x2" \
        "$PVR_OUT/vsm-plain.log"
    file_has "$PVR_OUT/vsm-plain.log" "Test result: SKIP: no VSM"
}

on_retry vsm_cleanup
step --timeout 900 run vsm_run
step xen-log check_xen_log
step alone check_alone
step paired check_paired
step vtl check_vtl
step no-violation check_no_violation
step bench check_bench
step responder check_responder
step gone check_gone
step guest-result check_result
step --timeout 600 run-plain vsm_plain_run
step unchanged check_plain
step --timeout 900 run-pvdomaind vsm_pvd_run
step xen-log-pvdomaind check_xen_log
step guest-pvdomaind check_pvd_guest
step engine check_pvd_engine
step violation check_pvd_violation
step emul check_pvd_emul
step smp check_pvd_smp
step intercept check_pvd_intercept
step --always cleanup vsm_cleanup
