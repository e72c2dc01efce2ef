# SPDX-License-Identifier: GPL-2.0-only
#
# Benchmark job nvme-bench (make bench-xen; not in the test command):
# the same Debian Linux HVM guest (kernel, initrd,
# memory, one vCPU) booted twice on one backing file, measured by the
# same program (tests/guest/linux/blkbench.c, O_DIRECT):
#   nvme  boot 1, the guest as the paravisor serves it: unenlightened
#         (xen_nopv), the paravisor's NVMe (pvdomaind in dom0, --nvme
#         vbd:N: our blkfront to dom0's blkback on a loop device of the
#         file), and QEMU's emulated NVMe (qemu-system-xen's -device nvme
#         on the same file) with BENCH_QEMU=1 (see below);
#   pv    boot 2, the same guest enlightened: Xen's PV disk, its own
#         xen-blkfront to dom0's blkback on another loop device of the
#         file (a disk= line naming the file itself would get QEMU's
#         qdisk backend, not blkback).  No emulated NVMe in this boot.
# Each path writes and reads its own 32 MiB region (so no two share a
# block), sequentially in 128 KiB requests, then reads 4 KiB blocks at
# random for 8 s with 1 and with 4 threads, all of it twice in each
# boot.  BENCH_PAIRS=N (default 1) boots nvme, pv, nvme, pv, ... N times
# each, so that a change in a shared machine's load falls on both paths
# alike; each Linux boot costs two to three minutes under TCG, hence one
# pair by default.  The figures are the means of all rounds;
# the ratios nvme/pv and nvme/qemu are what issue 5 asks for (goal: at
# least 0.9 of pv).  Figures only: nothing here is compared with a
# threshold.
#
# Why two boots: under TCG a guest that keeps Xen's PV interfaces
# triple-faults, mostly while an emulated NVMe (QEMU's or ours) is timed
# in it: in 4 of 4 attempts with QEMU's NVMe (flights 118 and 122), in 2
# of 2 with ours alone (125), and the faulted guests' saved registers
# were Xen's own (RIP after VMRUN in svm_asm_do_resume), which points at
# QEMU's nested SVM (../../README, "Guests triple-fault now and then").
# Until then the guests without PV interfaces had never faulted with our
# NVMe (nvme-linux, nvme-blkback), and the PV guest never faulted while
# only its PV disk was timed, so each path runs in the guest it is meant
# for.  Under this job's load TCG later lost the unenlightened guest too
# (2 of 4 boots in flight 136, 2 of 2 in 149): such a boot is kept,
# reported and tried again (BOOTS), and the job is a benchmark, not a
# test of the command.

. "$PVR_LIB/nvme.sh"

BENCH_IMG=/var/lib/pvr-test/nvme-bench.img
BENCH_MIB=256
DEVID=51760
XS_DIR=/local/domain/0/paravisor
PAIRS=${BENCH_PAIRS:-1}
REPS=2          # rounds of every test in each boot
# QEMU's emulated NVMe as a second disk of boot 1: off unless
# BENCH_QEMU=1 (not part of the test command: see the comment above).
BENCH_QEMU=${BENCH_QEMU:-0}
BOOTS=3         # boots tried per round when TCG loses the guest

bench_cleanup() {
    daemons_stop_all
    guests_destroy_all
    vbd_detach $DEVID
    if [ -s "$PVR_OUT/pv.loop" ]; then
        losetup -d "$(cat "$PVR_OUT/pv.loop")"
        rm -f "$PVR_OUT/pv.loop"
    fi
}

# The guest's script: which boot it is comes from the kernel command
# line (pvr.bench=nvme or pv); find that boot's disks, run every
# measurement.
bench_script() {
    cat <<EOS
#!/bin/sh
boot=\$(sed -n 's/.*pvr\.bench=\([a-z]*\).*/\1/p' /proc/cmdline)
nvme=; qemu=; pv=
i=0
while [ \$i -lt 60 ]; do
    case \$boot in
    nvme)
        for d in /sys/block/nvme*n1; do
            [ -e "\$d" ] || continue
            case "\$(cat \$d/device/model 2>/dev/null)" in
            pvdomain*) nvme=/dev/\${d##*/} ;;
            *) qemu=/dev/\${d##*/} ;;
            esac
        done
        [ -n "\$nvme" ] && { [ -n "\$qemu" ] || [ \$i -ge 10 ]; } && break
        ;;
    pv)
        [ -b /dev/xvdb ] && { pv=/dev/xvdb; break; }
        ;;
    *)
        echo "pvr-guest: bench: FAIL (no pvr.bench= on the command line)"
        exit 1
        ;;
    esac
    sleep 1; i=\$((i + 1))
done
echo "pvr-guest: bench disks (\$boot): nvme=\${nvme:-none} pv=\${pv:-none} qemu=\${qemu:-none}"
[ -n "\$nvme\$pv" ] || { echo "pvr-guest: bench: FAIL (disks missing)"; exit 1; }
for d in \$nvme \$qemu \$pv; do
    d=/sys/block/\${d##*/}
    echo "pvr-guest: bench queue \${d##*/}: max_sectors_kb \$(cat \$d/queue/max_sectors_kb) nr_requests \$(cat \$d/queue/nr_requests)"
done
rc=0
run() { # LABEL DEV OFFSET_MIB TEST
    [ -n "\$2" ] || return 0
    case \$4 in
    randread-qd*) args="randread \$3 32 8 \${4#randread-qd}" ;;
    *) args="\$4 \$3 32" ;;
    esac
    out=\$(/pvr/bin/pvr-blkbench \$2 \$args 2>&1) || rc=1
    echo "pvr-guest: bench \$1 \$4 \$out"
}
r=1
while [ \$r -le $REPS ]; do
    for t in seqwrite seqread randread-qd1 randread-qd4; do
        run nvme "\$nvme" 64 \$t
        run qemu "\$qemu" 128 \$t
        run pv "\$pv" 0 \$t
    done
    r=\$((r + 1))
done
exit \$rc
EOS
}

# bench_create KIND [EXTRA]: the guest for boot KIND, paused, with EXTRA
# config lines; kept when it triple-faults or crashes (see bench_boot).
bench_create() {
    local cfg pv=0
    [ "$1" = nvme ] || pv=1
    cfg=$(GUEST_PV=$pv GUEST_INITRD=$PVR_RUN/bench-initrd.img \
        GUEST_ON_REBOOT=preserve GUEST_ON_CRASH=preserve \
        GUEST_CFG_EXTRA=${2:-} \
        linux_guest_cfg "bench-$1" bench "pvr.bench=$1") ||
        fail "no guest config"
    guest_create_paused "$cfg"
}

# bench_create_nvme: boot 1's guest, with QEMU's NVMe if asked for and
# the device model takes it, else without it.
bench_create_nvme() {
    if [ "$BENCH_QEMU" = 0 ]; then
        bench_create nvme || fail "xl create -p failed"
    elif ! bench_create nvme "device_model_args_hvm = [ '-drive', 'file=$BENCH_IMG,file.locking=off,if=none,id=pvrq,format=raw', '-device', 'nvme,drive=pvrq,serial=pvr-qemu,addr=0x7' ]"; then
        echo "the device model refused QEMU's NVMe (its log:" \
            "qemu-dm-bench-nvme.log); measuring nvme and pv only"
        cp /var/log/xen/qemu-dm-bench-nvme.log "$PVR_OUT/" 2>/dev/null
        tail -n 5 /var/log/xen/qemu-dm-bench-nvme.log 2>/dev/null
        guests_destroy_all
        bench_create nvme || fail "xl create -p failed"
    fi
}

# bench_boot KIND TAG: one boot of the guest (nvme: with pvdomaind and
# the vbd of its blkfront; pv: with the PV disk); waits for it to power
# off.  Returns 0 when the guest ran its script to the end, 2 when TCG
# lost it (see below), else fails.
bench_boot() {
    local kind=$1 domid state reason console=$PVR_OUT/bench-$1.console.log
    local lost=""
    if [ "$kind" = nvme ]; then
        vbd_attach $DEVID "$BENCH_IMG" || fail "cannot write the vbd's nodes"
        xs_wait 30 "$(vbd_backend_dir $DEVID)/state" 2 ||
            fail "blkback did not reach InitWait"
        bench_create_nvme
    else
        losetup -f --show "$BENCH_IMG" > "$PVR_OUT/pv.loop" ||
            fail "no loop device for the PV disk"
        bench_create pv "disk = [ 'format=raw,vdev=xvdb,access=rw,backendtype=phy,target=$(cat "$PVR_OUT/pv.loop")' ]" ||
            fail "xl create -p failed"
    fi
    domid=$(guest_domid "bench-$kind") || fail "no domid"
    echo "$domid" > "$PVR_OUT/domid"
    if [ "$kind" = nvme ]; then
        rm -f "$PVR_OUT/pvdomaind.log"
        daemon_start pvdomaind "$PVR_BIN/pvdomaind" --domid "$domid" \
            --nvme vbd:$DEVID || fail "pvdomaind did not start"
        daemon_xs_wait pvdomaind 60 "$XS_DIR/$domid/state" ready ||
            fail "pvdomaind: $(pvr_last_line "$PVR_OUT/pvdomaind.log")"
    fi
    guest_unpause "bench-$kind" || fail "xl unpause failed"
    # A kernel that has not started init after 300 s hung in early boot
    # (seen once with the PV guest while the machine was loaded): its
    # vCPUs go to bench-KIND-TAG-hang.txt and the boot is tried again.
    if ! guest_log_wait 300 "$domid" "$console" "pvr-guest: init started" &&
        ! _pvr_domain_gone "$domid"; then
        guest_vcpu_snapshot "$domid" > "$PVR_OUT/bench-$kind-$2-hang.txt"
        grep -m 2 "rip\\|RIP" "$PVR_OUT/bench-$kind-$2-hang.txt"
        guest_destroy "$domid"
        lost="hung before init"
    fi
    if ! wait_for 1500 "bench-$kind ($domid) to stop" _pvr_domain_gone \
        "$domid"; then
        tail -n 20 "$console"
        fail "guest did not power off within 1500 s"
    fi
    # TCG's nested SVM triple-faults these guests now and then, in early
    # boot and under the benchmark's interrupt load, with the PV disk or
    # an emulated NVMe (../README, "Guests triple-fault now and then"):
    # the guest is kept (Xen makes the fault a reboot), its registers go
    # to bench-KIND-TAG-fault.txt, and the boot is tried again.  The
    # paths' correctness is the other NVMe jobs' business, which do not
    # retry; a guest Xen crashed (state c) fails here too.
    # A powered-off guest passes through state s on its way out; one that
    # shut down for a reboot (reason 1) or crashed is kept.
    state=$(guest_state "$domid")
    reason=$(xl list -v "$domid" 2>/dev/null | awk 'NR == 2 { print $8 }')
    case $state in
    *c*) lost="crashed" ;;
    *s*) [ "$reason" != 1 ] || lost="triple-faulted" ;;
    esac
    if [ -n "$lost" ] && [ "$lost" != "hung before init" ]; then
        guest_crash_report "$domid" > "$PVR_OUT/bench-$kind-$2-fault.txt"
        grep -m 2 "rip\\|RIP" "$PVR_OUT/bench-$kind-$2-fault.txt"
        guest_destroy "$domid"
        [ "$lost" != crashed ] ||
            fail "Xen crashed the guest (xl list state $state; its" \
                "registers: bench-$kind-$2-fault.txt)"
    fi
    guest_wait_gone 60 "$domid" || fail "the guest did not go away"
    if [ "$kind" = nvme ]; then
        wait_for 60 "pvdomaind to exit after the guest" \
            test -e "$PVR_RUN/pvdomaind.rc" || fail "pvdomaind still running"
    fi
    # Gone before its init said a word: lost in early boot, whatever Xen
    # made of it.
    grep -q "pvr-guest: init started" "$console" ||
        lost=${lost:-"gone before init"}
    if [ -n "$lost" ]; then
        echo "bench-$kind ($domid) $lost after: " \
            "$(grep "pvr-guest:" "$console" | tail -n 1)"
        xl dmesg | grep -i "d$domid.*triple fault"
        return 2
    fi
    grep "pvr-guest:" "$console"
    grep -q "pvr-guest: script run.sh exited 0" "$console" ||
        fail "the guest's benchmark failed (boot $kind):" \
            "$(grep "pvr-guest:" "$console" | tail -n 1)"
}

# bench_run KIND ROUND: boot KIND until it gets past early kernel boot;
# its console is kept as bench-KIND-ROUND.log for the figures.
bench_run() {
    local boot=1 rc
    while :; do
        rc=0
        bench_boot "$1" "$2-$boot" || rc=$?
        [ "$rc" = 2 ] || break
        echo "$1 round $2, boot $boot: lost to TCG; its logs:" \
            "bench-$1-$2-$boot-*.txt, pvdomaind.$1$2-boot$boot.log and the" \
            "last bench-$1.console.log.N"
        [ ! -e "$PVR_OUT/pvdomaind.log" ] ||
            mv "$PVR_OUT/pvdomaind.log" "$PVR_OUT/pvdomaind.$1$2-boot$boot.log"
        bench_cleanup
        [ "$boot" -lt $BOOTS ] || fail "TCG lost the guest $BOOTS times"
        boot=$((boot + 1))
    done
    figure "nvme_bench_${1}${2}_boots" "$boot" boots
    cp "$PVR_OUT/bench-$1.console.log" "$PVR_OUT/bench-$1-$2.log"
    [ "$1" = pv ] || cp "$PVR_OUT/pvdomaind.log" "$PVR_OUT/pvdomaind-$2.log"
    # The vbd and the loop device go before the next boot.
    bench_cleanup
}

bench_prepare() {
    [ -z "${PAIRS_BAD:-}" ] ||
        fail "BENCH_PAIRS=${BENCH_PAIRS:-}: give a number of boot pairs, 1 or more"
    require_bin pvdomaind
    [ -x "$PVR_GUEST/linux-progs/pvr-blkbench" ] ||
        fail "missing $PVR_GUEST/linux-progs/pvr-blkbench (make stage-host)"
    bench_cleanup
    rm -f "$BENCH_IMG" "$PVR_OUT"/bench-*.console.log* "$PVR_OUT"/bench-*-*.log \
        "$PVR_OUT"/pvdomaind*.log
    mkdir -p "${BENCH_IMG%/*}"
    # Written, not sparse: every path reads blocks that exist.
    dd if=/dev/zero of="$BENCH_IMG" bs=1M count=$BENCH_MIB status=none ||
        fail "cannot make $BENCH_IMG"
    bench_script > "$PVR_OUT/bench.sh"
    guest_initrd_with_script "$PVR_OUT/bench.sh" "$PVR_RUN/bench-initrd.img" \
        "$PVR_GUEST/linux-progs/pvr-blkbench" || fail "cannot make the initrd"
}

# bench_mean LABEL TEST FIELD: the rounds' mean of FIELD (MBps or iops),
# from the consoles of the boots that ran to their end.
bench_mean() {
    cat "$PVR_OUT"/bench-*-[0-9]*.log | grep "pvr-guest: bench $1 $2 " |
        sed -n "s/.* $3=\([0-9.]*\).*/\1/p" |
        awk '{ s += $1; n++ } END { if ( n ) printf "%.2f\n", s / n }'
}

check_figures() {
    local t field unit label v nvme pv qemu
    grep -q "bench disks (nvme): .*qemu=/dev" "$PVR_OUT/bench-nvme-1.log" ||
        echo "no QEMU NVMe in boot 1 (BENCH_QEMU=$BENCH_QEMU): no qemu figures"
    for t in seqwrite seqread randread-qd1 randread-qd4; do
        case $t in
        seq*) field=MBps unit=MB/s ;;
        *) field=iops unit=IOPS ;;
        esac
        nvme="" pv="" qemu=""
        for label in nvme pv qemu; do
            v=$(bench_mean $label $t $field)
            [ -n "$v" ] || continue
            figure "nvme_bench_${t}_$label" "$v" "$unit"
            eval "$label=\$v"
        done
        [ -n "$nvme" ] && [ -n "$pv" ] || fail "$t: no figures for nvme and pv"
        figure "nvme_bench_${t}_nvme_over_pv" "$(ratio "$nvme" "$pv")" x
        [ -z "$qemu" ] ||
            figure "nvme_bench_${t}_nvme_over_qemu" \
                "$(ratio "$nvme" "$qemu")" x
    done
}

check_paths() {
    local r
    # The nvme path really went through blkback: blkfront's counters;
    # the pv path through the guest's xen-blkfront: its disk was xvdb.
    for r in $(seq "$PAIRS"); do
        nvme_blkfront_counters "$PVR_OUT/pvdomaind-$r.log" \
            nvme_bench_blkfront_requests_$r
        grep -q "pvr-guest: bench disks (pv): .*pv=/dev/xvdb" \
            "$PVR_OUT/bench-pv-$r.log" || fail "pv boot $r had no PV disk"
    done
    grep -h "pvr-guest: bench queue" "$PVR_OUT"/bench-*-1.log
}

case $PAIRS in
''|*[!0-9]*|0) PAIRS_BAD=1; PAIRS=1 ;;
esac
on_retry bench_cleanup
step --timeout 300 prepare bench_prepare
for r in $(seq "$PAIRS"); do
    step --timeout 1200 nvme-boot-$r bench_run nvme $r
    step --timeout 1200 pv-boot-$r bench_run pv $r
done
step figures check_figures
step nvme-went-through-blkback check_paths
step --always cleanup bench_cleanup
