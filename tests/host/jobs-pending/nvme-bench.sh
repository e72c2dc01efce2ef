# SPDX-License-Identifier: GPL-2.0-only
#
# Job nvme-bench: one Debian Linux HVM guest, two or three disks on one
# backing file, measured in the same boot by the same program
# (tests/guest/linux/blkbench.c, O_DIRECT):
#   nvme  the paravisor's NVMe (pvdomaind in dom0, --nvme vbd:N: our
#         blkfront to dom0's blkback on a loop device of the file);
#   pv    Xen's PV disk: the guest's xen-blkfront to dom0's blkback on
#         another loop device of the file (a disk= line naming the file
#         itself would get QEMU's qdisk backend, not blkback);
#   qemu  QEMU's emulated NVMe (qemu-system-xen's -device nvme on the
#         same file), with BENCH_QEMU=1 (see below) when the device
#         model has it.
# Each writes and reads its own 32 MiB region (so no two paths share a
# block), sequentially in 128 KiB requests, then reads 4 KiB blocks at
# random for 8 s with 1 and with 4 threads.  Two rounds, the devices in
# turn within each, so that drift in this shared machine's speed falls on
# all alike.  The figures are the rounds' means; the ratios nvme/pv
# and nvme/qemu are what the issue asks for (goal: at least 0.9 of pv).
# Figures only: nothing here is compared with a threshold.

. "$PVR_LIB/nvme.sh"

BENCH_IMG=/var/lib/pvr-test/nvme-bench.img
BENCH_MIB=256
DEVID=51760
XS_DIR=/local/domain/0/paravisor
NAME="nvme-bench"
ROUNDS=2
# QEMU's emulated NVMe as a third disk: off.  This guest keeps Xen's PV
# interfaces (for its PV disk), and under TCG it triple-faults, mostly
# while an emulated NVMe (QEMU's or ours) is timed: with QEMU's NVMe in
# 4 of 4 attempts (flights 118 and 122; 3 in QEMU's turn), once in early
# boot (109); without it but with the upcall vector, in 2 of 2, both in
# our NVMe's turn (125); without either, the one run passed (124).  A PV
# HVM guest takes an emulated device's MSIs as event channels (Xen
# PIRQs), the Linux guests without PV interfaces do not, and those have
# never faulted with our NVMe.  BENCH_QEMU=1 puts QEMU's NVMe back.
BENCH_QEMU=${BENCH_QEMU:-0}
BOOTS=3         # boots tried when TCG's early-boot flake strikes

bench_cleanup() {
    daemons_stop_all
    guests_destroy_all
    vbd_detach $DEVID
    if [ -s "$PVR_OUT/pv.loop" ]; then
        losetup -d "$(cat "$PVR_OUT/pv.loop")"
        rm -f "$PVR_OUT/pv.loop"
    fi
}

# The guest's script: find the three disks, run every measurement.
bench_script() {
    cat <<EOF
#!/bin/sh
nvme=; qemu=; pv=/dev/xvdb
i=0
while [ \$i -lt 60 ]; do
    for d in /sys/block/nvme*n1; do
        [ -e "\$d" ] || continue
        case "\$(cat \$d/device/model 2>/dev/null)" in
        pvdomain*) nvme=/dev/\${d##*/} ;;
        *) qemu=/dev/\${d##*/} ;;
        esac
    done
    [ -n "\$nvme" ] && [ -b \$pv ] && { [ -n "\$qemu" ] || [ \$i -ge 10 ]; } && break
    sleep 1; i=\$((i + 1))
done
echo "pvr-guest: bench disks: nvme=\$nvme pv=\$pv qemu=\${qemu:-none}"
[ -n "\$nvme" ] && [ -b \$pv ] || { echo "pvr-guest: bench: FAIL (disks missing)"; exit 1; }
for d in /sys/block/nvme*n1 /sys/block/xvdb; do
    echo "pvr-guest: bench queue \${d##*/}: max_sectors_kb \$(cat \$d/queue/max_sectors_kb) nr_requests \$(cat \$d/queue/nr_requests)"
done
rc=0
run() { # LABEL DEV OFFSET_MIB TEST
    case \$4 in
    randread-qd*) args="randread \$3 32 8 \${4#randread-qd}" ;;
    *) args="\$4 \$3 32" ;;
    esac
    out=\$(/pvr/bin/pvr-blkbench \$2 \$args 2>&1) || rc=1
    echo "pvr-guest: bench \$1 \$4 \$out"
}
r=1
while [ \$r -le $ROUNDS ]; do
    for t in seqwrite seqread randread-qd1 randread-qd4; do
        run nvme \$nvme 64 \$t
        run pv \$pv 0 \$t
        [ -z "\$qemu" ] || run qemu \$qemu 128 \$t
    done
    r=\$((r + 1))
done
exit \$rc
EOF
}

# bench_create EXTRA: the guest, paused, with the PV disk and EXTRA lines.
# Without the event channel upcall vector (xen_no_vector_callback: events
# come as the platform device's PCI interrupt); see BENCH_QEMU.
bench_create() {
    local cfg
    cfg=$(GUEST_PV=1 GUEST_INITRD=$PVR_RUN/bench-initrd.img GUEST_CFG_EXTRA="disk = [ 'format=raw,vdev=xvdb,access=rw,backendtype=phy,target=$(cat "$PVR_OUT/pv.loop")' ]$1" \
        linux_guest_cfg "$NAME" bench xen_no_vector_callback) ||
        fail "no guest config"
    guest_create_paused "$cfg"
}

# bench_boot: one boot of the guest, with pvdomaind and both disks
# attached; waits for it to power off.  Returns 0 when the guest ran to
# its end, 2 when it died in early kernel boot (see below), else fails.
bench_boot() {
    local domid
    vbd_attach $DEVID "$BENCH_IMG" || fail "cannot write the vbd's nodes"
    losetup -f --show "$BENCH_IMG" > "$PVR_OUT/pv.loop" ||
        fail "no loop device for the PV disk"
    xs_wait 30 "$(vbd_backend_dir $DEVID)/state" 2 ||
        fail "blkback did not reach InitWait"

    # QEMU's NVMe if asked for and the device model takes it, else
    # without it.
    if [ "$BENCH_QEMU" = 0 ]; then
        bench_create "" || fail "xl create -p failed"
    elif ! bench_create "
device_model_args_hvm = [ '-drive', 'file=$BENCH_IMG,file.locking=off,if=none,id=pvrq,format=raw', '-device', 'nvme,drive=pvrq,serial=pvr-qemu,addr=0x7' ]"; then
        echo "the device model refused QEMU's NVMe (its log:" \
            "qemu-dm-$NAME.log); measuring nvme and pv only"
        cp "/var/log/xen/qemu-dm-$NAME.log" "$PVR_OUT/" 2>/dev/null
        tail -n 5 "/var/log/xen/qemu-dm-$NAME.log" 2>/dev/null
        guests_destroy_all
        bench_create "" || fail "xl create -p failed"
    fi
    domid=$(guest_domid "$NAME") || fail "no domid"
    echo "$domid" > "$PVR_OUT/domid"
    rm -f "$PVR_OUT/pvdomaind.log"
    daemon_start pvdomaind "$PVR_BIN/pvdomaind" --domid "$domid" \
        --nvme vbd:$DEVID || fail "pvdomaind did not start"
    daemon_xs_wait pvdomaind 60 "$XS_DIR/$domid/state" ready ||
        fail "pvdomaind: $(pvr_last_line "$PVR_OUT/pvdomaind.log")"
    guest_unpause "$NAME" || fail "xl unpause failed"
    if ! guest_wait_gone 1500 "$domid"; then
        tail -n 20 "$PVR_OUT/$NAME.console.log"
        fail "guest did not power off within 1500 s"
    fi
    wait_for 60 "pvdomaind to exit after the guest" \
        test -e "$PVR_RUN/pvdomaind.rc" || fail "pvdomaind still running"
    # This guest keeps Xen's PV interfaces (its PV disk is the baseline),
    # and with them the boot flake of TCG that the other Linux guests
    # avoid with xen_nopv (../README): a triple fault in early kernel
    # boot, which Xen makes a reboot and xl a destroy.  A guest that is
    # gone without having run its script and without one NVMe command
    # died there; anything later is the job's failure.
    if ! grep -q "pvr-guest:" "$PVR_OUT/$NAME.console.log" &&
        grep -q "nvme: admin 0 io 0 " "$PVR_OUT/pvdomaind.log"; then
        xl dmesg | grep -i "d$domid.*triple fault"
        return 2
    fi
    return 0
}

bench_run() {
    local boot=1 rc
    require_bin pvdomaind
    [ -x "$PVR_GUEST/linux-progs/pvr-blkbench" ] ||
        fail "missing $PVR_GUEST/linux-progs/pvr-blkbench (make stage-host)"
    bench_cleanup
    rm -f "$BENCH_IMG"
    mkdir -p "${BENCH_IMG%/*}"
    # Written, not sparse: every path reads blocks that exist.
    dd if=/dev/zero of="$BENCH_IMG" bs=1M count=$BENCH_MIB status=none ||
        fail "cannot make $BENCH_IMG"
    bench_script > "$PVR_OUT/bench.sh"
    guest_initrd_with_script "$PVR_OUT/bench.sh" "$PVR_RUN/bench-initrd.img" \
        "$PVR_GUEST/linux-progs/pvr-blkbench" || fail "cannot make the initrd"
    while :; do
        rc=0
        bench_boot || rc=$?
        [ "$rc" = 2 ] || break
        echo "boot $boot: the guest died in early kernel boot, before its" \
            "script and any NVMe command (the TCG boot flake); its logs:" \
            "pvdomaind.boot$boot.log and the next console.log.N"
        mv "$PVR_OUT/pvdomaind.log" "$PVR_OUT/pvdomaind.boot$boot.log"
        bench_cleanup
        [ "$boot" -lt $BOOTS ] ||
            fail "the guest died in early kernel boot $BOOTS times"
        boot=$((boot + 1))
    done
    figure nvme_bench_boots "$boot" boots
    grep "pvr-guest:" "$PVR_OUT/$NAME.console.log"
    grep -q "pvr-guest: script run.sh exited 0" "$PVR_OUT/$NAME.console.log" ||
        fail "the guest's benchmark failed:" \
            "$(grep "pvr-guest:" "$PVR_OUT/$NAME.console.log" | tail -n 1)"
}

# bench_mean LABEL TEST FIELD: the rounds' mean of FIELD (MBps or iops).
bench_mean() {
    grep "pvr-guest: bench $1 $2 " "$PVR_OUT/$NAME.console.log" |
        sed -n "s/.* $3=\([0-9.]*\).*/\1/p" |
        awk '{ s += $1; n++ } END { if ( n ) printf "%.2f\n", s / n }'
}

check_figures() {
    local t field unit label v nvme pv qemu
    grep -q "bench disks: .*qemu=/dev" "$PVR_OUT/$NAME.console.log" ||
        echo "QEMU's NVMe did not appear: no qemu figures"
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
    # The nvme path really went through blkback: blkfront's counters.
    nvme_blkfront_counters "$PVR_OUT/pvdomaind.log" nvme_bench_blkfront_requests
    grep "pvr-guest: bench queue" "$PVR_OUT/$NAME.console.log"
}

on_retry bench_cleanup
step --timeout 1800 run bench_run
step figures check_figures
step nvme-went-through-blkback check_paths
step --always cleanup bench_cleanup
