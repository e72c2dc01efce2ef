# SPDX-License-Identifier: GPL-2.0-only
#
# Job pvxl-pairs: `pvxl create` makes a guest + paravisor pair from the
# project's image, and 20 create/destroy cycles leak nothing.
#
# The guest is the XTF-style TPM guest (tests/guest/tpm), created paused
# (-p): the pair is complete (paravisor ready, pairing in xenstore, state
# disk attached) but the guest never runs, so no guest action races the
# destroy.  The first pair is checked against the contract (the xenstore
# nodes and their permissions, the target, the state disk) and also warms
# up dom0 (directories libxl creates once, such as backend/vbd).  Then,
# counted from dom0 before and after 20 cycles: domains (xl list, and
# xenstore's /local/domain so that dying ones count), xenstore nodes,
# grant entries in use and event channels (Xen's own 'g' and 'e' key
# dumps), dom0's Xen IRQs, loop devices (blkback's file disks), pvxl
# processes, pidfiles and state files.  Each must be equal.
#
# Cannot show: leaks smaller than one entry per 20 pairs in a counter
# that moves for other reasons (none did in the runs so far), or what a
# running guest adds (pvxl-tpm jobs run guests).

PAIRS_IMAGE=$PVR_GUEST/tpm/test-hvm32-tpm
PAIRS_N=20
PAIRS_STATE=/var/lib/pvdomain/pairs.state

pairs_cfg() {
    xtf_guest_cfg pairs "$PAIRS_IMAGE" \
        "paravisor_memory = 96" \
        "paravisor_kernel = \"/pvr/paravisor/vmlinuz\"" \
        "paravisor_ramdisk = \"/pvr/paravisor/initrd.img\"" \
        "paravisor_timeout = 600"
}

# The counters, one "name value" line each.
pairs_counts() {
    local t="$PVR_OUT/dump.txt"
    xl dmesg -c >> "$PVR_OUT/xl-dmesg-before-dumps.log"
    xl debug-keys e
    xl debug-keys g
    sleep 2
    xl dmesg -c > "$t"
    echo "domains-xl $(xl list | awk 'NR > 1' | wc -l)"
    echo "domains-xenstore $(xenstore-list /local/domain | wc -l)"
    echo "xenstore-nodes $(xenstore-ls -f / | wc -l)"
    echo "event-channels $(grep -c -E ': s=[0-9]+ n=[0-9]+' "$t")"
    echo "grants-in-use $(grep -c -E '\[0x[0-9a-f]+\] +[0-9]+ 0x' "$t")"
    echo "dom0-xen-irqs $(grep -c -i xen /proc/interrupts)"
    echo "loop-devices $(losetup -a | wc -l)"
    echo "pvxl-processes $(grep -l -x pvxl /proc/[0-9]*/comm 2> /dev/null |
        wc -l)"
    echo "pidfiles $(ls -A /run/pvdomain 2> /dev/null | wc -l)"
    echo "state-files $(ls -A /var/lib/pvdomain 2> /dev/null | wc -l)"
}

pairs_gone() {
    [ "$(xenstore-list /local/domain | wc -l)" -eq 1 ] &&
        [ "$(xl list | awk 'NR > 1' | wc -l)" -eq 1 ]
}

# xs_perms PATH: the node's permissions as xenstore-ls -p prints them.
xs_perms() {
    xenstore-ls -p "${1%/*}" | sed -n "s/^${1##*/} = .*(\(.*\))\$/\1/p"
}

pairs_first() {
    local g p out
    require_bin pvxl
    require_guest tpm/test-hvm32-tpm
    [ -r /pvr/paravisor/initrd.img ] ||
        skip "no paravisor image in the stage (make paravisor-image)"
    pairs_gone || fail "domains exist before the job"
    rm -f "$PAIRS_STATE"
    pairs_counts > "$PVR_OUT/counts-cold.txt"
    pvxl create -p "$(pairs_cfg)" || fail "pvxl create failed"
    pvxl list | tee "$PVR_OUT/list-1.txt"
    grep -q "^pairs .* ready " "$PVR_OUT/list-1.txt" ||
        fail "pvxl list does not show the pair ready"
    g=$(guest_domid pairs) || fail "no guest"
    p=$(guest_domid pairs-paravisor) || fail "no paravisor domain"
    xenstore-ls -p "/local/domain/$p/paravisor" | tee "$PVR_OUT/xs-pv.txt"
    [ "$(xenstore-read "/local/domain/$g/paravisor/domid")" = "$p" ] ||
        fail "guest's paravisor/domid is not $p"
    [ "$(xenstore-read "/local/domain/$p/paravisor/target")" = "$g" ] ||
        fail "paravisor's target is not $g"
    [ "$(xenstore-read "/local/domain/$p/paravisor/tpm")" = 1 ] ||
        fail "tpm is not 1"
    [ "$(xenstore-read "/local/domain/$p/paravisor/tpm-state")" = \
        /dev/xvda ] || fail "tpm-state is not /dev/xvda"
    out=$(xs_perms "/local/domain/$g/paravisor/domid")
    [ "$out" = "n0,r$g,r$p" ] || fail "domid perms: $out"
    out=$(xs_perms "/local/domain/$p/paravisor")
    [ "$out" = "n0,b$p" ] || fail "paravisor dir perms: $out"
    [ "$(stat -c '%a %s' "$PAIRS_STATE")" = "600 4194304" ] ||
        fail "state disk: $(stat -c '%a %s' "$PAIRS_STATE")"
    xenstore-exists "/local/domain/0/backend/vbd/$p/51712" ||
        fail "no vbd backend for the paravisor's xvda"
    [ -s /run/pvdomain/pairs.pid ] || fail "no monitor pidfile"
    # The counters must see a live pair, or their equality proves nothing.
    pairs_counts > "$PVR_OUT/counts-live.txt"
    pvxl destroy pairs || fail "pvxl destroy failed"
    wait_for 60 "both domains gone" pairs_gone || fail "domains remain"
    echo "pair created, checked against the contract and destroyed"
}

pairs_loop() {
    local i t0 t1 ino ino0 times=""
    pairs_counts > "$PVR_OUT/counts-before.txt"
    ino0=$(stat -c %i "$PAIRS_STATE" 2> /dev/null)
    for i in $(seq 1 $PAIRS_N); do
        t0=$(pvr_uptime_cs)
        pvxl create -p "$PVR_OUT/pairs.cfg" > "$PVR_OUT/create-$i.log" 2>&1 ||
            fail "pair $i: $(tail -n 1 "$PVR_OUT/create-$i.log")"
        t1=$(pvr_uptime_cs)
        pvxl list > "$PVR_OUT/list.txt"
        grep -q "^pairs .* ready " "$PVR_OUT/list.txt" ||
            fail "pair $i: not ready in pvxl list: $(tail -n 1 "$PVR_OUT/list.txt")"
        pvxl destroy pairs || fail "pair $i: pvxl destroy failed"
        wait_for 60 "pair $i gone" pairs_gone > /dev/null ||
            fail "pair $i: domains remain after destroy"
        ino=$(stat -c %i "$PAIRS_STATE")
        [ -n "$ino0" ] || ino0=$ino
        [ "$ino" = "$ino0" ] || fail "pair $i: the state disk was recreated"
        times="$times $((t1 - t0))"
        echo "pair $i: created and ready in $(pvr_seconds $((t1 - t0))) s"
    done
    echo "$times" | tr ' ' '\n' | sed '/^$/d' | sort -n > "$PVR_OUT/times.txt"
    echo "create-to-ready over $PAIRS_N pairs: min" \
        "$(pvr_seconds "$(head -n 1 "$PVR_OUT/times.txt")") s, median" \
        "$(pvr_seconds "$(sed -n "$((PAIRS_N / 2))p" "$PVR_OUT/times.txt")") s, max" \
        "$(pvr_seconds "$(tail -n 1 "$PVR_OUT/times.txt")") s"
    pairs_counts > "$PVR_OUT/counts-after.txt"
}

pairs_compare() {
    local bad=0 name before live after
    paste "$PVR_OUT/counts-before.txt" "$PVR_OUT/counts-live.txt" \
        "$PVR_OUT/counts-after.txt" |
        while read -r name before _ live _ after; do
            printf '%-18s before %6s with-a-pair %6s after %6s\n' "$name" \
                "$before" "$live" "$after"
        done
    paste "$PVR_OUT/counts-before.txt" "$PVR_OUT/counts-live.txt" |
        awk '$1 ~ /^(domains-xl|event-channels|grants-in-use|loop-devices|pidfiles)$/ &&
             $4 <= $2 { print "counter " $1 " does not see a live pair"; bad = 1 }
             END { exit bad }' || bad=1
    paste "$PVR_OUT/counts-before.txt" "$PVR_OUT/counts-after.txt" |
        awk '$2 != $4 { print "leak: " $1 " " $2 " -> " $4; bad = 1 }
             END { exit bad }' || bad=1
    [ "$bad" = 0 ] || fail "counts differ after $PAIRS_N pairs, or a counter is blind"
    echo "$PAIRS_N pairs: every count equal before and after"
}

pairs_cleanup() {
    pvxl destroy pairs 2> /dev/null
    guests_destroy_all
    rm -f "$PAIRS_STATE" /run/pvdomain/pairs.pid /run/pvdomain/pairs.cfg
    true
}

on_retry pairs_cleanup
step --timeout 900 first-pair pairs_first
step --timeout 2400 loop pairs_loop
step counts-equal pairs_compare
step --always cleanup pairs_cleanup
