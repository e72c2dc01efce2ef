# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
#
# The step library: sourced by the dom0 runner for every job (POSIX sh,
# run by dash in dom0).
#
#   step [--timeout S] [--always] [--on-retry FN] NAME COMMAND [ARGS...]
#
# runs COMMAND (a program or a shell function of the job) in a subshell,
# stdin from /dev/null, stdout and stderr into $PVR_OUT/NAME.log, killing
# it and everything it started after S seconds (default
# $PVR_STEP_TIMEOUT).  Its exit status decides:
#
#   0        pass
#   77       skip; the last line it printed is the reason (a skip without
#            one is a failure)
#   other    failure; the last line it printed is the reason.  The step
#            is run once more, after FN (the --on-retry hook, else the
#            job's hook set by on_retry, else nothing).  Passing then
#            makes it FLAKY: reported, counted, not a failure.  Failing
#            again fails it (log of the rerun: NAME.try2.log).
#
# A job is a sequence: later steps build on earlier ones.  After a failed
# step the job's later steps are skipped as "blocked by failed step NAME",
# after a skipped one as "blocked: step NAME skipped (REASON)", except
# those marked --always (cleanup and leftover checks), which always run.
# step returns 0 unless the step failed.
#
# Each step appends one record to $PVR_RESULTS (results.jsonl) as soon as
# it is decided; the host reads it while the run goes on.

_pvr_block=
_pvr_retry_hook=

# Print dom0's uptime in centiseconds (/proc/uptime has two decimals).
pvr_uptime_cs() {
    local up rest
    read -r up rest < /proc/uptime
    echo $(( ${up%.*} * 100 + 1${up#*.} - 100 ))
}

# Print centiseconds as seconds, e.g. 4213 -> 42.13.
pvr_seconds() {
    printf '%d.%02d' $(( $1 / 100 )) $(( $1 % 100 ))
}

# Print $1 as a JSON string literal: control characters dropped, tabs
# and newlines turned into spaces, backslashes and quotes escaped.
json_str() {
    printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\010\013-\037' |
        tr '\t\n' '  ' | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g')"
}

# Append one JSON record, given as the members inside the braces.
pvr_record() {
    printf '{%s}\n' "$1" >> "$PVR_RESULTS"
}

# Print a progress line on dom0's console (the host's serial log).
pvr_console() {
    echo "pvr: $*" > "${PVR_CONSOLE:-/dev/null}" 2>/dev/null || true
}

# The last non-blank line of file $1.
pvr_last_line() {
    sed -n -e '/[^[:space:]]/h' -e '${x;p;}' "$1" 2>/dev/null | cut -c1-400
}

# Send signal $2 to process $1 and all its descendants.
pvr_kill_tree() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        pvr_kill_tree "$child" "$2"
    done
    kill "-$2" "$1" 2>/dev/null
}

# figure NAME VALUE UNIT [NOTE]: record a measured figure of this job
# (benchmarks); the host prints it and keeps it in summary.json.
figure() {
    pvr_record "\"type\":\"figure\",\"job\":$(json_str "$PVR_JOB"),\
\"name\":$(json_str "$1"),\"value\":$(json_str "$2"),\
\"unit\":$(json_str "$3"),\"note\":$(json_str "${4:-}")"
    echo "figure $1: $2 $3${4:+ ($4)}"
}

# Set the job's default hook run before a failed step's rerun.
on_retry() {
    _pvr_retry_hook=$1
}

# For use inside a step's command: end it as skipped, or as failed.
skip() {
    echo "$*"
    exit 77
}

fail() {
    echo "$*"
    exit 1
}

# Run one attempt: _pvr_attempt TIMEOUT LOG COMMAND...
# Sets _pvr_rc, _pvr_cs (duration in centiseconds) and _pvr_timed_out.
_pvr_attempt() {
    local timeout="$1" log="$2" t0 pid wd flag
    shift 2
    flag=/tmp/pvr-step-timeout.$$
    rm -f "$flag"
    t0=$(pvr_uptime_cs)
    ( "$@" ) < /dev/null > "$log" 2>&1 &
    pid=$!
    (
        sleep "$timeout"
        touch "$flag"
        pvr_kill_tree "$pid" TERM
        sleep 5
        pvr_kill_tree "$pid" KILL
    ) < /dev/null > /dev/null 2>&1 &
    wd=$!
    wait "$pid"
    _pvr_rc=$?
    pvr_kill_tree "$wd" TERM
    wait "$wd" 2>/dev/null
    _pvr_cs=$(( $(pvr_uptime_cs) - t0 ))
    _pvr_timed_out=
    if [ -e "$flag" ]; then
        rm -f "$flag"
        _pvr_timed_out=$timeout
        echo "pvr: step timed out after $timeout s" >> "$log"
    fi
}

# Print the reason of the attempt that just ended, whose log is $1.
_pvr_reason() {
    local last
    if [ -n "$_pvr_timed_out" ]; then
        echo "timed out after $_pvr_timed_out s"
        return
    fi
    last=$(pvr_last_line "$1")
    case "$_pvr_rc" in
    0) ;;
    77) echo "$last" ;;
    *) echo "exit $_pvr_rc: ${last:-no output}" ;;
    esac
}

_pvr_step_record() {
    local name="$1" status="$2" reason="$3" attempts="$4" cs="$5" log="$6"
    pvr_record "\"type\":\"step\",\"job\":$(json_str "$PVR_JOB"),\
\"step\":$(json_str "$name"),\"status\":\"$status\",\
\"reason\":$(json_str "$reason"),\"attempts\":[$attempts],\
\"seconds\":$(pvr_seconds "$cs"),\"log\":$(json_str "$log")"
    pvr_console "job $PVR_JOB step $name: $status ($(pvr_seconds "$cs") s)"
}

step() {
    local timeout="${PVR_STEP_TIMEOUT:-600}" always=0 hook="$_pvr_retry_hook"
    local name log log2 status reason attempts cs rc1 reason1
    while [ $# -gt 0 ]; do
        case "$1" in
        --timeout) timeout=$2; shift 2 ;;
        --always) always=1; shift ;;
        --on-retry) hook=$2; shift 2 ;;
        --) shift; break ;;
        -*) name="bad-option"; shift $#
            _pvr_step_record "$name" fail "step: unknown option" "" 0 ""
            _pvr_block="blocked by failed step $name"
            return 1 ;;
        *) break ;;
        esac
    done
    name=$1
    shift
    case "$name" in
    ''|*[!A-Za-z0-9._-]*|.*)
        _pvr_step_record "$name" fail "step: invalid step name" "" 0 ""
        _pvr_block="blocked by a step with an invalid name"
        return 1 ;;
    esac
    if [ -n "$_pvr_block" ] && [ "$always" = 0 ]; then
        _pvr_step_record "$name" skip "$_pvr_block" "" 0 ""
        return 0
    fi
    pvr_console "job $PVR_JOB step $name: start"
    # The host's bound on the step (both attempts) comes from this.
    pvr_record "\"type\":\"step-start\",\"job\":$(json_str "$PVR_JOB"),\
\"step\":$(json_str "$name"),\"timeout\":$timeout"
    log=$PVR_OUT/$name.log
    _pvr_attempt "$timeout" "$log" "$@"
    rc1=$_pvr_rc
    cs=$_pvr_cs
    attempts="{\"rc\":$rc1,\"seconds\":$(pvr_seconds "$cs")}"
    reason=$(_pvr_reason "$log")
    status=pass
    if [ "$rc1" = 77 ]; then
        status=skip
        if [ -z "$reason" ]; then
            status=fail
            reason="exit 77 (skip) without a reason"
        fi
    elif [ "$rc1" != 0 ]; then
        reason1=$reason
        if [ -n "$hook" ]; then
            "$hook" > "$PVR_OUT/$name.retry-hook.log" 2>&1
        fi
        log2=$PVR_OUT/$name.try2.log
        _pvr_attempt "$timeout" "$log2" "$@"
        attempts="$attempts,{\"rc\":$_pvr_rc,"
        attempts="$attempts\"seconds\":$(pvr_seconds "$_pvr_cs")}"
        cs=$(( cs + _pvr_cs ))
        if [ "$_pvr_rc" = 0 ]; then
            status=flaky
            reason=$reason1
        else
            status=fail
            reason=$(_pvr_reason "$log2")
            [ "$_pvr_rc" = 77 ] &&
                reason="skipped after failing once: $reason1"
            log=$log2
        fi
    fi
    _pvr_step_record "$name" "$status" "$reason" "$attempts" "$cs" \
        "$PVR_JOB/${log##*/}"
    case "$status" in
    fail)
        _pvr_block="blocked by failed step $name"
        return 1 ;;
    skip)
        [ -n "$_pvr_block" ] ||
            _pvr_block="blocked: step $name skipped ($reason)" ;;
    esac
    return 0
}
