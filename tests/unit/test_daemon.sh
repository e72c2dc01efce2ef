#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# pvdomaind as a whole process on the sim backend: start, readiness and
# status through pvdomainctl, clean stop, state file written, control
# socket removed; --vsm serving alone; and command-line errors that name
# the option.  (A VSM request through the worker: test_vtl_worker.)
# Cannot prove: anything about Xen (tests/host does).
set -u
builddir=${builddir:-.}
d=$(mktemp -d /tmp/pvr-test-daemon-XXXXXX)
trap 'kill $pid 2>/dev/null; rm -rf "$d"' EXIT
fail=0
check() { # check DESCRIPTION COMMAND...
    desc=$1; shift
    if "$@"; then echo "ok: $desc"; else echo "FAIL: $desc"; fail=1; fi
}
# serve LOG ARGS...: start pvdomaind on the sim in the background (pid in
# $pid) and wait up to 10 s for it to say it is ready.
serve() {
    log=$1; shift
    "$builddir/pvdomaind" --domid 3 --backend sim --control "$d/ctl" \
        "$@" 2>"$log" &
    pid=$!
    i=0
    until grep -q 'ready:' "$log" || [ $i -gt 100 ]; do
        i=$((i + 1)); sleep 0.1
    done
}

# Usage errors: exit 2 and a message naming the option.
"$builddir/pvdomaind" --tpm-state "$d/s" >"$d/out" 2>&1
check "missing --domid exits 2" test $? -eq 2
check "missing --domid is named" grep -q -- '--domid' "$d/out"
"$builddir/pvdomaind" --domid 0 --tpm-state "$d/s" >"$d/out" 2>&1
check "--domid 0 refused" test $? -eq 2
"$builddir/pvdomaind" --domid 3 >"$d/out" 2>&1
check "missing --tpm-state named" grep -q -- '--tpm-state' "$d/out"
"$builddir/pvdomaind" --domid 3 --tpm-state x --backend kvm >"$d/out" 2>&1
check "bad --backend named" grep -q -- "--backend: use 'xen' or 'sim'" "$d/out"
"$builddir/pvdomaind" --domid 3 --tpm-state x --bogus >"$d/out" 2>&1
check "unknown option exits 2" test $? -eq 2
"$builddir/pvdomaind" --xenstore-config --domid 3 >"$d/out" 2>&1
check "--xenstore-config with --domid exits 2" test $? -eq 2
check "--xenstore-config conflict named" grep -q -- '--xenstore-config:' "$d/out"
"$builddir/pvdomaind" --domid 3 --nvme vbd:0 >"$d/out" 2>&1
check "--nvme vbd:0 exits 2" test $? -eq 2
check "--nvme vbd:0 says what N is" grep -q -- "--nvme: 'vbd:0': give vbd:N" "$d/out"
# The sim has no xenstore node "domid": not inside a paravisor domain.
"$builddir/pvdomaind" --xenstore-config --backend sim >"$d/out" 2>&1
check "--xenstore-config outside a domain exits 1" test $? -eq 1
check "... and says why" grep -q "this domain's id" "$d/out"

# --vsm: options that make no sense together name the option.
"$builddir/pvdomaind" --domid 3 --nvme-mmio-doorbells >"$d/out" 2>&1
check "--nvme-mmio-doorbells without --nvme exits 2" test $? -eq 2
check "... and names it" grep -q -- '--nvme-mmio-doorbells: tunes the NVMe controller: add --nvme STORE' "$d/out"
"$builddir/pvdomaind" --domid 3 --vsm-reps 2 >"$d/out" 2>&1
check "--vsm-reps without --vsm exits 2" test $? -eq 2
check "... and names it" grep -q -- '--vsm-reps: tunes the VTL engine: add --vsm' "$d/out"
for reps in 0 4096 2x -1 ''; do
    "$builddir/pvdomaind" --domid 3 --vsm --vsm-reps "$reps" >"$d/out" 2>&1
    check "--vsm-reps '$reps' exits 2" test $? -eq 2
    check "... and says what it takes" grep -q -- '--vsm-reps: give a number from 1 to 4095' "$d/out"
done
"$builddir/pvdomaind" --xenstore-config --vsm >"$d/out" 2>&1
check "--vsm with --xenstore-config exits 2" test $? -eq 2
check "... and points at paravisor/vsm" grep -q -- '--vsm: with --xenstore-config, VSM comes from xenstore' "$d/out"
check "without a service, --tpm-state names --vsm too" \
    sh -c "'$builddir/pvdomaind' --domid 3 2>&1 | grep -q -- 'unless --nvme or --vsm'"

# --vsm alone (given twice: a flag) serves on the sim: the engine is set
# up before the server claims the VSM channel, and says so when it stops.
serve "$d/log5" --vsm --vsm --vsm-reps 7
check "--vsm serves without a vTPM" grep -q 'ready:' "$d/log5"
check "... with the VTL engine" \
    grep -q 'vsm: info: VTL engine for 2 vCPUs, 7 reps a request' "$d/log5"
check "... on the VSM channel" grep -q 'VSM events: kinds 0-3' "$d/log5"
kill -TERM $pid
wait $pid
check "--vsm stops cleanly" test $? -eq 0
check "... and logs the engine's counts" \
    grep -q 'vsm: info: summary: 0 hypercalls' "$d/log5"

# A real run on the sim.
"$builddir/pvdomaind" --domid 3 --backend sim --tpm-state "$d/tpm.state" \
    --control "$d/ctl" 2>"$d/log" &
pid=$!
i=0
until "$builddir/pvdomainctl" --control "$d/ctl" status >"$d/status" 2>/dev/null \
      && grep -q '^state: ready' "$d/status"; do
    i=$((i + 1))
    if [ $i -gt 100 ]; then break; fi
    sleep 0.1
done
check "ready within 10 s" grep -q '^state: ready' "$d/status"
check "status names the backend" grep -q '^backend: sim' "$d/status"
check "state file created" test -s "$d/tpm.state"
"$builddir/pvdomainctl" --control "$d/ctl" stop
wait $pid
check "clean stop exits 0" test $? -eq 0
check "control socket removed" test ! -e "$d/ctl"
check "volatile state saved" grep -q 'volatile state saved' "$d/log"
check "log lines carry domid and component" \
    grep -q '^pvdomaind\[[0-9]*\]: d3 worker: info: serving guest 3' "$d/log"

# SIGTERM does the same, and a second instance resumes.
serve "$d/log2" --tpm-state "$d/tpm.state" --tpm-resume
check "resume restores volatile state" grep -q 'volatile state resumed' "$d/log2"
kill -TERM $pid
wait $pid
check "SIGTERM exits 0" test $? -eq 0
"$builddir/pvdomainctl" --control "$d/ctl" status >/dev/null 2>&1
check "pvdomainctl fails without a daemon" test $? -eq 1

# --runas: the worker gives up root after setup, and needs a state
# directory it can still write (the state file is renamed into place).
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
    mkdir "$d/ro"
    chmod 755 "$d"
    "$builddir/pvdomaind" --domid 3 --backend sim --tpm-state "$d/ro/s" \
        --control "$d/ctl" --runas nobody 2>"$d/log3"
    check "--runas with an unwritable state directory exits 1" test $? -eq 1
    check "... and says why" grep -q 'must be writable by that user' "$d/log3"
    mkdir "$d/rw"
    chown nobody "$d/rw"
    serve "$d/log4" --tpm-state "$d/rw/s" --runas nobody
    check "--runas nobody serves" grep -q 'running as nobody' "$d/log4"
    kill -TERM $pid
    wait $pid
    check "--runas nobody stops cleanly" test $? -eq 0
    check "... and saves its state as nobody" \
        grep -q 'volatile state saved' "$d/log4"
else
    echo "skip: --runas checks need root and a user 'nobody'"
fi

[ $fail -eq 0 ] && exit 0 || exit 1
