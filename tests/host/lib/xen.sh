# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# Helpers for job steps in dom0 (POSIX sh, sourced after steps.sh).
# They print what they did or why they failed, and return non-zero on
# failure, so a step can end with one of them or use `|| fail ...`.
# Only skip/fail/require_* exit (the step's subshell).

# wait_for TIMEOUT WHAT COMMAND...: run COMMAND (output discarded) every
# second until it succeeds; after TIMEOUT seconds print "timed out after
# TIMEOUT s waiting for WHAT" and return 1.  Under TCG every xl command
# costs dom0 much CPU time, so poll with light tools (xenstore-*) where
# you can.
wait_for() {
    local timeout="$1" what="$2" t0
    shift 2
    t0=$(pvr_uptime_cs)
    until "$@" > /dev/null 2>&1; do
        if [ $(( $(pvr_uptime_cs) - t0 )) -ge $(( timeout * 100 )) ]; then
            echo "timed out after $timeout s waiting for $what"
            return 1
        fi
        sleep 1
    done
    echo "waited $(pvr_seconds $(( $(pvr_uptime_cs) - t0 ))) s for $what"
}

_pvr_xl_dmesg_has() {
    xl dmesg | grep -E -q -- "$1"
}

# xl_dmesg_wait TIMEOUT ERE: wait for a line of `xl dmesg` matching ERE.
# The ring is emptied (into the previous job's xl-dmesg.log) when a job
# starts, so only this job's lines are searched.
xl_dmesg_wait() {
    wait_for "$1" "xl dmesg line /$2/" _pvr_xl_dmesg_has "$2"
}

# guest_state DOMID|NAME: the domain's state as xl list shows it
# (r, b, p, s, c, d and dashes); nothing if there is no such domain.
guest_state() {
    xl list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'
}

# _pvr_domain_gone DOMID: true when domain DOMID no longer runs: it is
# destroyed, or has crashed, shut down or is dying (xl list state c, s, d).
_pvr_domain_gone() {
    local state
    state=$(guest_state "$1")
    [ -z "$state" ] && return 0
    case "$state" in
    *c*|*s*|*d*) return 0 ;;
    esac
    return 1
}

_pvr_guest_line_or_gone() {
    _pvr_xl_dmesg_has "\\(d$1\\) .*$2" || _pvr_domain_gone "$1"
}

# guest_dmesg_wait TIMEOUT DOMID ERE: wait for a line the HVM guest DOMID
# printed (through Xen's debug port) matching ERE.  Gives up at once when
# the guest stops running without having printed it (a triple fault, a
# domain_crash), rather than waiting out TIMEOUT.
guest_dmesg_wait() {
    wait_for "$1" "(d$2) line /$3/" _pvr_guest_line_or_gone "$2" "$3" ||
        return 1
    _pvr_xl_dmesg_has "\\(d$2\\) .*$3" && return 0
    echo "domain $2 stopped running without printing /$3/"
    return 1
}

_pvr_file_has() {
    grep -E -q -- "$2" "$1"
}

# file_has FILE ERE: print FILE's first lines matching ERE; fail (exit 1,
# in a step) when there is none.
file_has() {
    grep -q -- "$2" "$1" || fail "$(basename "$1") lacks: $2"
    grep -- "$2" "$1" | head -n 3
}

# log_wait TIMEOUT FILE ERE: wait for a line matching ERE in FILE.
log_wait() {
    wait_for "$1" "/$3/ in $2" _pvr_file_has "$2" "$3"
}

_pvr_file_line_or_gone() {
    _pvr_file_has "$2" "$3" || _pvr_domain_gone "$1"
}

# guest_log_wait TIMEOUT DOMID FILE ERE: log_wait for a line the guest
# DOMID writes to FILE (its serial console), giving up at once when the
# guest stops running without having written it, as guest_dmesg_wait.
guest_log_wait() {
    wait_for "$1" "/$4/ in $3" _pvr_file_line_or_gone "$2" "$3" "$4" ||
        return 1
    _pvr_file_has "$3" "$4" && return 0
    echo "domain $2 stopped running without writing /$4/ to $3"
    return 1
}

# guest_vcpu_snapshot DOMID: the registers and stack of DOMID's vCPUs
# (xenctx), three times a second apart, to tell a hung guest's loop from
# a wedged vCPU.  Prints nothing if the domain is gone.
guest_vcpu_snapshot() {
    local xenctx=/usr/lib/xen-4.17/bin/xenctx i
    [ -x "$xenctx" ] || { echo "no $xenctx"; return 0; }
    for i in 1 2 3; do
        echo "== xenctx -a $1, $i"
        "$xenctx" -a "$1" 2>&1 | head -n 60
        sleep 1
    done
}

# guest_crash_report DOMID: if DOMID crashed and was kept (xl.cfg
# on_crash = "preserve"), or shut down and was kept (on_reboot =
# "preserve": Xen turns an HVM guest's triple fault into a reboot), say
# so and print its vCPUs' registers and stack, to tell a guest bug (a
# fault in its own code) from an emulation one.  Prints nothing for a
# domain that is running or gone.
guest_crash_report() {
    local state
    state=$(guest_state "$1")
    case "$state" in
    *c*)
        echo "domain $1 crashed (xl list state $state)"
        guest_vcpu_snapshot "$1"
        ;;
    *s*)
        echo "domain $1 shut down and was kept (xl list state $state;" \
            "a triple fault is a reboot)"
        guest_vcpu_snapshot "$1"
        ;;
    esac
}

_pvr_xs_is() {
    local v
    v=$(xenstore-read "$1") || return 1
    [ $# -lt 2 ] || [ "$v" = "$2" ]
}

# xs_wait TIMEOUT PATH [VALUE]: wait until xenstore PATH exists (and
# holds VALUE).
xs_wait() {
    local t="$1"
    shift
    wait_for "$t" "xenstore $1${2+ = $2}" _pvr_xs_is "$@"
}

_pvr_daemon_xs() {
    local name="$1"
    shift
    [ -e "$PVR_RUN/$name.rc" ] || _pvr_xs_is "$@"
}

# daemon_xs_wait NAME TIMEOUT PATH [VALUE]: xs_wait for a node the daemon
# NAME (see daemon_start) is to write, but give up as soon as it exits.
daemon_xs_wait() {
    local name="$1" t="$2"
    shift 2
    wait_for "$t" "xenstore $1${2+ = $2} from daemon $name" \
        _pvr_daemon_xs "$name" "$@" || return 1
    _pvr_xs_is "$@" 2> /dev/null && return 0
    echo "daemon $name exited with status $(cat "$PVR_RUN/$name.rc")" \
        "before xenstore $1${2+ = $2}"
    return 1
}

# --- guests ----------------------------------------------------------

# guest_create CFG [KEY=VALUE...]: xl create; guest_create_paused: the
# same with -p, for a guest that must not run before something is ready.
guest_create() {
    xl create "$@"
}

guest_create_paused() {
    xl create -p "$@"
}

# guest_domid NAME: print the domid of the domain called NAME.
guest_domid() {
    xl domid "$1"
}

guest_unpause() {
    xl unpause "$1"
}

guest_exists() {
    xl domid "$1" > /dev/null 2>&1
}

# Print the domids of all domains but dom0.
guest_domids() {
    xl list | awk 'NR > 1 && $2 != 0 { print $2 }'
}

# True when xl lists no domain $1 (a domid); false also if xl fails.
_pvr_domid_gone() {
    local ids
    ids=$(xl list | awk 'NR > 1 { print $2 }') || return 1
    ! echo "$ids" | grep -q -x -- "$1"
}

_pvr_xs_gone() {
    ! xenstore-exists "/local/domain/$1"
}

# guest_wait_gone TIMEOUT NAME|DOMID: wait until the domain no longer
# exists (it powered off and was destroyed, on_poweroff="destroy").  Polls
# xenstore, then confirms with xl list.
guest_wait_gone() {
    local domid="$2"
    case "$domid" in
    *[!0-9]*|'') domid=$(xl domid "$2") || {
        echo "no domain $2"
        return 1
    } ;;
    esac
    wait_for "$1" "domain $2 ($domid) to go away" _pvr_xs_gone "$domid" ||
        return 1
    _pvr_domid_gone "$domid" || {
        echo "domain $2 ($domid) left xenstore but xl still lists it"
        return 1
    }
}

guest_destroy() {
    xl destroy "$1"
}

guest_count() {
    guest_domids | wc -l
}

# Destroy every domain but dom0; print what was destroyed.
guests_destroy_all() {
    local d
    for d in $(guest_domids); do
        echo "destroying domain $d ($(xl domname "$d" 2>/dev/null))"
        xl destroy "$d"
    done
    true
}

# linux_guest_cfg NAME SCRIPT [KERNEL-ARG...]: write an xl.cfg for the
# Linux HVM test guest (direct kernel boot, no disk, no network) that runs
# guest script SCRIPT (tests/host/image/guest-scripts) and print its path.
# Its console (ttyS0) goes to $PVR_OUT/NAME.console.log; an older one is
# kept as NAME.console.log.1, .2, ...  The kernel is quiet (every byte
# through the emulated UART is slow under TCG); pass loglevel=7 to hear
# it.  The guest is unenlightened, as the paravisor's guests are meant to
# be: xen_nopv keeps Linux from using anything of Xen's (no PV clock,
# event channel upcall or PV drivers), which also skips the code path
# where TCG's boot flake strikes (see the README).  Optional variables:
# GUEST_MEMORY (MiB, default 256), GUEST_INITRD (default the harness
# image), GUEST_PV=1 (let Linux use Xen's PV interfaces and drivers),
# GUEST_ON_REBOOT and GUEST_ON_CRASH (default destroy; preserve keeps a
# guest that triple-faulted, which Xen makes a reboot, or crashed, for
# guest_crash_report), GUEST_CFG_EXTRA (lines added to the file).
linux_guest_cfg() {
    local name="$1" script="$2" cfg console n=1 nopv=" xen_nopv"
    shift 2
    [ "${GUEST_PV:-0}" = 0 ] || nopv=
    cfg=$PVR_OUT/$name.cfg
    console=$PVR_OUT/$name.console.log
    if [ -e "$console" ]; then
        while [ -e "$console.$n" ]; do
            n=$((n + 1))
        done
        mv "$console" "$console.$n"
    fi
    cat > "$cfg" <<EOF
name = "$name"
type = "hvm"
memory = ${GUEST_MEMORY:-256}
vcpus = 1
kernel = "$PVR_LINUX_KERNEL"
ramdisk = "${GUEST_INITRD:-$PVR_LINUX_INITRD}"
extra = "console=ttyS0 quiet$nopv pvr.script=$script $*"
serial = "file:$console"
vnc = 0
vga = "none"
on_poweroff = "destroy"
on_reboot = "${GUEST_ON_REBOOT:-destroy}"
on_crash = "${GUEST_ON_CRASH:-destroy}"
${GUEST_CFG_EXTRA:-}
EOF
    echo "$cfg"
}

# xtf_guest_cfg NAME IMAGE [LINE...]: write an xl.cfg for a freestanding
# test guest from tests/guest (IMAGE, booted as the HVM firmware in place
# of hvmloader, as XTF boots its hvm32 tests) and print its path.  Extra
# LINEs are appended.  Its console is port 0xE9, i.e. `xl dmesg`.
xtf_guest_cfg() {
    local name=$1 image=$2 cfg line
    shift 2
    cfg=$PVR_OUT/$name.cfg
    cat > "$cfg" <<EOF
name = "$name"
type = "hvm"
firmware_override = "$image"
memory = 128
vcpus = 1
vga = "none"
vnc = 0
on_poweroff = "destroy"
on_reboot = "destroy"
on_crash = "destroy"
EOF
    for line in "$@"; do
        echo "$line" >> "$cfg"
    done
    echo "$cfg"
}

# guest_initrd_with_script SCRIPT OUT [PROGRAM...]: write to OUT the Linux
# guest's initramfs with SCRIPT appended as /pvr/run.sh, which its init
# then runs instead of a named script, and each PROGRAM as /pvr/bin/NAME.
guest_initrd_with_script() {
    local dir script=$1 out=$2
    shift 2
    dir=$(mktemp -d) || return 1
    mkdir -p "$dir/pvr/bin" && cp "$script" "$dir/pvr/run.sh" &&
        { [ $# -eq 0 ] || cp "$@" "$dir/pvr/bin/"; } &&
        (cd "$dir" && find . | cpio -o -H newc --quiet) > "$dir.cpio" &&
        cp "$PVR_LINUX_INITRD" "$out" &&
        truncate -s %4 "$out" &&
        cat "$dir.cpio" >> "$out"
    local rc="$?"
    rm -rf "$dir" "$dir.cpio"
    return $rc
}

# xen_evtchn_count DOMID: print how many event channels DOMID has open,
# counted by Xen itself: the 'e' debug key dumps every domain's ports into
# the console ring, and the last dump there is read.  Slow-ish (the dump
# also goes to the serial console); for leftover checks, not for polling
# in a tight loop.
xen_evtchn_count() {
    xl debug-keys e > /dev/null || return 1
    xl dmesg | awk -v want="domain $1:" '
        /dumping event-channel info/ { seen = 1; n = 0; on = 0; next }
        /Event channel information for domain / {
            on = index($0, want) > 0
            next
        }
        on && / s=[0-9]+ n=[0-9]+/ { n++ }
        END { if ( !seen ) exit 1; print n }'
}

# --- daemons ---------------------------------------------------------
# A daemon runs in its own session, output in $PVR_OUT/NAME.log; its pid
# and, once it ended, its exit status are kept in $PVR_RUN/NAME.{pid,rc}.

# daemon_start NAME PROGRAM [ARGS...]
daemon_start() {
    local name="$1"
    shift
    mkdir -p "$PVR_RUN"
    rm -f "$PVR_RUN/$name.pid" "$PVR_RUN/$name.rc"
    setsid sh -c '"$@" & echo $! > "$0.pid"; wait $!; echo $? > "$0.rc"' \
        "$PVR_RUN/$name" "$@" < /dev/null >> "$PVR_OUT/$name.log" 2>&1 &
    wait_for 10 "daemon $name to start" test -s "$PVR_RUN/$name.pid" ||
        return 1
    echo "daemon $name: pid $(cat "$PVR_RUN/$name.pid")," \
        "log $PVR_OUT/$name.log"
}

# daemon_alive NAME: true while the daemon runs.
daemon_alive() {
    [ -s "$PVR_RUN/$1.pid" ] && [ ! -e "$PVR_RUN/$1.rc" ] &&
        kill -0 "$(cat "$PVR_RUN/$1.pid")" 2>/dev/null
}

# daemon_stop NAME [TIMEOUT]: SIGTERM, wait (default 30 s), then SIGKILL.
# Returns the daemon's exit status (1 if it had to be killed).
daemon_stop() {
    local name="$1" timeout="${2:-30}" rc
    if [ ! -s "$PVR_RUN/$name.pid" ]; then
        echo "daemon $name: not started"
        return 1
    fi
    kill -TERM "$(cat "$PVR_RUN/$name.pid")" 2>/dev/null
    if ! wait_for "$timeout" "daemon $name to exit" test -e "$PVR_RUN/$name.rc"
    then
        kill -KILL "$(cat "$PVR_RUN/$name.pid")" 2>/dev/null
        echo "daemon $name: killed after $timeout s"
        return 1
    fi
    rc=$(cat "$PVR_RUN/$name.rc")
    echo "daemon $name: exited with status $rc"
    return "$rc"
}

# Stop every daemon of this run that is still running.
daemons_stop_all() {
    local f name
    for f in "$PVR_RUN"/*.pid; do
        [ -e "$f" ] || continue
        name=${f##*/}
        name=${name%.pid}
        daemon_alive "$name" && daemon_stop "$name" 10
    done
    true
}

# --- preconditions (inside a step) -----------------------------------

# require_bin NAME: skip the step unless the stage provides bin/NAME.
require_bin() {
    [ -x "$PVR_BIN/$1" ] || skip "the stage has no bin/$1"
}

# require_guest PATH: skip unless the stage provides guest/PATH.
require_guest() {
    [ -e "$PVR_GUEST/$1" ] || skip "the stage has no guest/$1"
}

# --- Guest benchmark lines ------------------------------------------------
# Test guests print "bench: tsc_khz=N" and "bench: NAME key=N key=N ...".

# bench_field FILE NAME KEY: the number after KEY= on FILE's first
# "bench: NAME" line (empty if there is none).
bench_field() {
    sed -n "s/.*bench: $2 .*$3=\([0-9]*\).*/\1/p" "$1" | head -n 1
}

# bench_khz FILE: the guest's TSC rate in kHz (empty if not printed).
bench_khz() {
    sed -n 's/.*bench: tsc_khz=\([0-9]*\).*/\1/p' "$1" | head -n 1
}

# cycles_us CYCLES KHZ: microseconds, or "?" when the TSC rate is unknown.
cycles_us() {
    awk -v c="$1" -v k="$2" 'BEGIN {
        if ( k > 0 ) printf "%.1f", c * 1000 / k; else print "?" }'
}

# ratio A B: A / B, two decimals.
ratio() {
    awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'
}

# ---- pairs made by pvxl (toolstack/pvxl) ----

PVR_PARAVISOR_IMAGE=/pvr/paravisor
PVR_STATE_DIR=/var/lib/pvr-test

# pvxl_cfg_lines NAME: the paravisor keys of a test pair (the staged
# image, 96 MiB, a state disk of its own under $PVR_STATE_DIR).
pvxl_cfg_lines() {
    printf '%s\n' \
        "paravisor_memory = 96" \
        "paravisor_kernel = \"$PVR_PARAVISOR_IMAGE/vmlinuz\"" \
        "paravisor_ramdisk = \"$PVR_PARAVISOR_IMAGE/initrd.img\"" \
        "paravisor_state_disk = \"$PVR_STATE_DIR/$1.state\""
}

# require_pvxl: skip the step unless pvxl and the image are staged.
require_pvxl() {
    require_bin pvxl
    [ -r "$PVR_PARAVISOR_IMAGE/initrd.img" ] ||
        skip "no paravisor image staged (make paravisor-image)"
}

# pair_domids NAME: "GUEST PARAVISOR" domids of a pair, from xenstore.
pair_domids() {
    local g p
    g=$(guest_domid "$1") || return 1
    p=$(xenstore-read "/local/domain/$g/paravisor/domid") || return 1
    echo "$g $p"
}

# pair_create_xtf NAME IMAGE [SED-EXPR...]: pvxl create a pair NAME whose
# guest is the XTF-style IMAGE, on a new state disk, its cfg edited by
# each SED-EXPR; "GUEST PARAVISOR" goes to $PVR_OUT/domids.  Fails the
# step when anything fails.
pair_create_xtf() {
    local name=$1 image=$2 cfg e
    shift 2
    rm -f "$PVR_STATE_DIR/$name.state"
    mkdir -p "$PVR_STATE_DIR"
    cfg=$(xtf_guest_cfg "$name" "$image" "$(pvxl_cfg_lines "$name")") ||
        fail "no guest config"
    for e in "$@"; do
        sed -i "$e" "$cfg" || fail "cannot edit $cfg with $e"
    done
    pvxl create "$cfg" > "$PVR_OUT/create.log" 2>&1 ||
        fail "pvxl create: $(pvr_last_line "$PVR_OUT/create.log")"
    pair_domids "$name" > "$PVR_OUT/domids" || fail "no pairing in xenstore"
}

# pair_guest_finish NAME GUEST PARAVISOR LOG ERE: the end of a pair whose
# guest is an XTF-style test: wait for its result line, keep its lines in
# LOG (printing those matching ERE) and the pair's monitor log in
# $PVR_OUT/monitor.log; fail unless the result is SUCCESS and both
# domains then go away.
pair_guest_finish() {
    local name=$1 g=$2 p=$3 log=$4 ere=$5
    guest_dmesg_wait 600 "$g" "Test result:" || true
    xl dmesg | grep "(d$g)" > "$log"
    grep -E "$ere|Test result" "$log"
    cp "/var/log/pvdomain/$name.log" "$PVR_OUT/monitor.log" 2>/dev/null
    grep -q "Test result: SUCCESS" "$log" ||
        fail "$(grep -o 'Test result:.*' "$log" || echo 'no Test result line')"
    guest_wait_gone 120 "$g" || fail "guest $g did not power off"
    guest_wait_gone 120 "$p" ||
        fail "the paravisor domain $p outlived its guest"
    cp "/var/log/pvdomain/$name.log" "$PVR_OUT/monitor.log" 2>/dev/null
    true
}

# pair_nothing_left NAME GUEST: after a pair's end, no pairing node of
# GUEST, no pair NAME in pvxl list, no domain but dom0.
pair_nothing_left() {
    ! xenstore-exists "/local/domain/$2/paravisor" ||
        fail "/local/domain/$2/paravisor left behind"
    ! pvxl list 2>/dev/null | grep -q "$1" || fail "pvxl still lists $1"
    [ "$(guest_count)" = 0 ] || fail "domains left: $(xl list | tail -n +3)"
}

# pair_cleanup NAME: destroy pair NAME and every other domU.
pair_cleanup() {
    pvxl destroy "$1" > /dev/null 2>&1 || true
    guests_destroy_all
}
