#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# The job runner in dom0.  Starts the Xen services, then runs each job of
# $PVR_JOBS (run.conf) in its own subshell with the step library loaded,
# then cleans up after it.  Everything it learns goes to results.jsonl as
# it happens (format: tests/host/harness/results.py).

. /pvr/run.conf

PVR_ROOT=/pvr
PVR_LIB=$PVR_ROOT/host/lib
PVR_JOBS_DIR=$PVR_ROOT/host/jobs
PVR_BIN=$PVR_ROOT/bin
PVR_GUEST=$PVR_ROOT/guest
PVR_OUT_ROOT=$PVR_ROOT/out
PVR_RESULTS=$PVR_OUT_ROOT/results.jsonl
PVR_RUN=/run/pvr
PVR_LINUX_KERNEL=$PVR_GUEST/linux/vmlinuz
PVR_LINUX_INITRD=$PVR_GUEST/linux/initrd-tpm.img
PATH=$PVR_BIN:$PATH
export PVR_ROOT PVR_LIB PVR_JOBS_DIR PVR_BIN PVR_GUEST PVR_OUT_ROOT \
    PVR_RESULTS PVR_RUN PVR_LINUX_KERNEL PVR_LINUX_INITRD PVR_FLIGHT \
    PVR_BOOT PVR_STEP_TIMEOUT PATH

. "$PVR_LIB/steps.sh"
. "$PVR_LIB/xen.sh"

runner_uptime() {
    pvr_seconds "$(pvr_uptime_cs)"
}

# Start xenstored, xen-init-dom0 and xenconsoled the Debian way, then
# check that the toolstack answers.
xen_setup() {
    mkdir -p /var/log/xen/console /var/lib/xen /run/xen "$PVR_RUN"
    # Every guest's PV console goes to /var/log/xen/console/guest-NAME.log
    # (a paravisor domain's console is its only log); run_job keeps them.
    echo "XENCONSOLED_ARGS=\"--log=guest --log-dir=/var/log/xen/console\"" \
        >> /etc/default/xen
    # A file-backed PV disk (the paravisor's state disk) needs loop and
    # blkback; with no udev here nothing loads them on demand.
    modprobe -a loop xen-blkback || echo "modprobe loop xen-blkback failed"
    timeout 120 /etc/init.d/xen start || {
        echo "/etc/init.d/xen start failed or timed out"
        return 1
    }
    name=$(timeout 30 xenstore-read /local/domain/0/name) || {
        echo "xenstore has no /local/domain/0/name"
        return 1
    }
    [ "$name" = Domain-0 ] || {
        echo "dom0 is called '$name' in xenstore, not Domain-0"
        return 1
    }
    timeout 60 xl info > "$PVR_OUT_ROOT/xl-info.txt" || {
        echo "xl info failed"
        return 1
    }
    echo "Xen services are up"
}

run_job() {
    local job="$1" t0 rc
    PVR_JOB=$job
    PVR_OUT=$PVR_OUT_ROOT/$job
    export PVR_JOB PVR_OUT
    mkdir -p "$PVR_OUT"
    pvr_record "\"type\":\"job-start\",\"job\":$(json_str "$job"),\
\"uptime\":$(runner_uptime)"
    pvr_console "job $job: start"
    xl dmesg -c >> "$PVR_OUT_ROOT/xl-dmesg-between-jobs.log" 2>&1
    t0=$(pvr_uptime_cs)
    (
        . "$PVR_JOBS_DIR/$job.sh"
    ) < /dev/null > "$PVR_OUT/job.log" 2>&1
    rc=$?
    if [ "$rc" != 0 ]; then
        _pvr_step_record job-script fail \
            "job script exited with status $rc (see $job/job.log)" "" 0 \
            "$job/job.log"
    fi
    {
        daemons_stop_all
        guests_destroy_all
    } > "$PVR_OUT/cleanup.log" 2>&1
    xl dmesg -c > "$PVR_OUT/xl-dmesg.log" 2>&1
    for f in /var/log/xen/console/guest-*.log; do
        [ -s "$f" ] && mv "$f" "$PVR_OUT/pvconsole-${f##*/guest-}"
    done
    rm -f /var/log/xen/console/guest-*.log
    pvr_record "\"type\":\"job-end\",\"job\":$(json_str "$job"),\
\"rc\":$rc,\"seconds\":$(pvr_seconds $(( $(pvr_uptime_cs) - t0 )))"
    pvr_console "job $job: end"
}

# The host calls itself lost when this stops (Xen or dom0 hung).
(
    while :; do
        runner_uptime > "$PVR_OUT_ROOT/heartbeat"
        sleep 10
    done
) < /dev/null > /dev/null 2>&1 &
heartbeat=$!

pvr_record "\"type\":\"runner-start\",\"uptime\":$(runner_uptime),\
\"boot\":${PVR_BOOT:-1}"
t0=$(pvr_uptime_cs)
if ! xen_setup > "$PVR_OUT_ROOT/dom0-setup.log" 2>&1; then
    pvr_record "\"type\":\"dom0-failed\",\
\"reason\":$(json_str "$(pvr_last_line "$PVR_OUT_ROOT/dom0-setup.log")")"
    dmesg > "$PVR_OUT_ROOT/dom0-dmesg.log" 2>&1
    exit 1
fi
pvr_record "\"type\":\"dom0-ready\",\"uptime\":$(runner_uptime),\
\"seconds\":$(pvr_seconds $(( $(pvr_uptime_cs) - t0 )))"
pvr_console "dom0 ready"
xl dmesg -c > "$PVR_OUT_ROOT/xl-dmesg-boot.log" 2>&1

for job in $PVR_JOBS; do
    run_job "$job"
done

dmesg > "$PVR_OUT_ROOT/dom0-dmesg.log" 2>&1
kill "$heartbeat"
pvr_record "\"type\":\"runner-end\",\"uptime\":$(runner_uptime)"
