# SPDX-License-Identifier: GPL-2.0-only
#
# Job pvxl-badcfg: `pvxl create` refuses bad configurations with a clear
# message and leaves nothing behind.
#
# Each case runs `pvxl create` on an XTF-style HVM guest's cfg with one
# thing wrong, and asserts: exit status 1 (2 for a usage error), a message
# matching what the case expects (it names the key or the problem), and
# no leftovers: no domain but dom0 (and, for the duplicate-name case, the
# domain that was already there) in `xl list` nor in xenstore's
# /local/domain (so dying domains count too), no /local/domain/*/paravisor
# node, no file in /run/pvdomain, the same files in /var/lib/pvdomain as
# before the case.  Three cases get past the checks and create domains
# before failing (a text file as the kernel: libxl fails after the guest
# exists; a real kernel with an empty ramdisk and -t 5: the paravisor is
# never ready), so they also test the undo path.
#
# Cannot show: that every message is the best one for a user; the table
# asserts the part that names the key or the problem.

BAD_IMAGE=$PVR_GUEST/tpm/test-hvm32-tpm
BAD_DIR=$PVR_OUT/cases
BAD_STATE_DIR=/var/lib/pvdomain

# The base cfg passes every check: kernel and ramdisk exist (a real
# kernel and an initramfs with no init: it can never become ready), and
# 96 MiB, the least Debian's kernel boots in (job pvimage).
bad_setup() {
    require_bin pvxl
    require_guest tpm/test-hvm32-tpm
    [ -r "$PVR_LINUX_KERNEL" ] || skip "no Linux kernel in the stage"
    rm -rf "$BAD_DIR"
    mkdir -p "$BAD_DIR" "$BAD_STATE_DIR"
    rm -f "$BAD_STATE_DIR/bad.state"
    mkdir "$BAD_DIR/empty"
    (cd "$BAD_DIR/empty" && echo . | cpio -o -H newc --quiet) \
        > "$BAD_DIR/empty.img" || fail "cannot make the empty initramfs"
    echo "this is a text file, not a kernel" > "$BAD_DIR/text-kernel"
    xtf_guest_cfg bad "$BAD_IMAGE" \
        "paravisor_memory = 96" \
        "paravisor_kernel = \"$PVR_LINUX_KERNEL\"" \
        "paravisor_ramdisk = \"$BAD_DIR/empty.img\"" > /dev/null
    cp "$PVR_OUT/bad.cfg" "$BAD_DIR/base.cfg"
    cat "$BAD_DIR/base.cfg"
    pvxl_leftovers "" "$(ls -A "$BAD_STATE_DIR")" ||
        fail "leftovers before the first case"
}

# bad_cfg NAME LINE...: write $BAD_DIR/NAME.cfg = base + LINEs.
bad_cfg() {
    local f="$BAD_DIR/$1.cfg" line
    shift
    cp "$BAD_DIR/base.cfg" "$f"
    for line in "$@"; do
        echo "$line" >> "$f"
    done
    echo "$f"
}

# pvxl_leftovers ALLOWED_NAMES STATE_FILES: print and fail (1) on any
# domain but dom0 and ALLOWED_NAMES (space-separated), any paravisor
# node, any /run/pvdomain file, a state file list other than STATE_FILES.
pvxl_leftovers() {
    local allowed="$1" names n d bad=0 want
    names=$(xl list | awk 'NR > 2 { print $1 }')
    for n in $names; do
        case " $allowed " in
        *" $n "*) ;;
        *) echo "leftover domain: $n"; bad=1 ;;
        esac
    done
    want=$(( 1 + $(echo "$allowed" | wc -w) ))
    n=$(xenstore-list /local/domain | wc -l)
    [ "$n" -eq "$want" ] || {
        echo "leftover: $n entries in /local/domain, expected $want:" \
            $(xenstore-list /local/domain)
        bad=1
    }
    for d in $(xenstore-list /local/domain); do
        # pvdomaind run in dom0 (--domid: the tpm-* and nvme-* jobs)
        # publishes under /local/domain/0/paravisor/GUEST and removes
        # that; the emptied parent is not pvxl's: only a child counts.
        if [ "$d" = 0 ] &&
            [ -z "$(xenstore-list /local/domain/0/paravisor 2>/dev/null)" ]
        then
            continue
        fi
        if xenstore-exists "/local/domain/$d/paravisor"; then
            echo "leftover node: /local/domain/$d/paravisor"
            bad=1
        fi
    done
    if [ -n "$(ls -A /run/pvdomain 2>/dev/null)" ]; then
        echo "leftover in /run/pvdomain:" $(ls -A /run/pvdomain)
        bad=1
    fi
    if [ "$(ls -A "$BAD_STATE_DIR")" != "$2" ]; then
        echo "state files changed: before [$2], after" \
            "[$(ls -A "$BAD_STATE_DIR" | tr '\n' ' ')]"
        bad=1
    fi
    return $bad
}

# bad_case NAME WANT_STATUS ERE [ALLOWED_DOMAINS] -- PVXL_ARGS...
bad_case() {
    local name="$1" want="$2" ere="$3" allowed="" before out rc n
    shift 3
    if [ "$1" != "--" ]; then
        allowed="$1"
        shift
    fi
    shift
    before=$(ls -A "$BAD_STATE_DIR")
    out=$(pvxl create "$@" 2>&1)
    rc=$?
    {
        echo "== $name: pvxl create $*"
        echo "$out"
        echo "exit status $rc"
    } >> "$PVR_OUT/cases.log"
    if [ "$rc" -ne "$want" ]; then
        echo "case $name: FAIL: exit status $rc, expected $want"
        return 1
    fi
    if ! echo "$out" | grep -E -q -- "$ere"; then
        echo "case $name: FAIL: no line matches /$ere/; got:"
        echo "$out" | sed 's/^/    /'
        return 1
    fi
    # A destroyed domain may take a moment to leave Xen (dying).
    n=0
    until pvxl_leftovers "$allowed" "$before" > /dev/null || [ $n -ge 30 ]
    do
        n=$((n + 1))
        sleep 1
    done
    if ! pvxl_leftovers "$allowed" "$before"; then
        echo "case $name: FAIL: left something behind"
        return 1
    fi
    echo "case $name: ok: $(echo "$out" | grep -E -- "$ere" | head -n 1)"
}

bad_table() {
    local b="$BAD_DIR/base.cfg" failed="" n=0 dup
    rm -f "$PVR_OUT/cases.log"

    set -- \
      "unknown-key|1|unknown key \"paravisor_mem\": the paravisor keys are .*paravisor_memory|$(bad_cfg unknown 'paravisor_mem = 64')" \
      "memory-abc|1|paravisor_memory=\"abc\" is not allowed: .*16 to 1024|$(bad_cfg mabc 'paravisor_memory = "abc"')" \
      "memory-0|1|paravisor_memory=\"0\" is not allowed|$(bad_cfg m0 'paravisor_memory = 0')" \
      "memory-99999|1|paravisor_memory=\"99999\" is not allowed|$(bad_cfg mbig 'paravisor_memory = 99999')" \
      "vcpus-0|1|paravisor_vcpus=\"0\" is not allowed: .*1 to 8|$(bad_cfg v0 'paravisor_vcpus = 0')" \
      "missing-kernel|1|paravisor_kernel=\"/nonexistent/vmlinuz\": No such file|$(bad_cfg nok 'paravisor_kernel = "/nonexistent/vmlinuz"')" \
      "missing-ramdisk|1|paravisor_ramdisk=\"/nonexistent/initrd.img\": No such file|$(bad_cfg nor 'paravisor_ramdisk = "/nonexistent/initrd.img"')" \
      "type-pv|1|paravisor_memory, .* are set on a type=\"pv\" guest|$(bad_cfg pv 'type = "pv"' 'paravisor_memory = 32')" \
      "type-pvh|1|paravisor_.*paravisor_vtpm are set on a type=\"pvh\" guest|$(bad_cfg pvh 'type = "pvh"' 'paravisor_vtpm = 1')" \
      "on-reboot-coredump|1|on_reboot=\"coredump-destroy\" is not supported|$(bad_cfg cd 'on_reboot = "coredump-destroy"')" \
      "log-level-loud|1|paravisor_log_level=\"loud\" is not allowed: use debug, info, warn or error|$(bad_cfg loud 'paravisor_log_level = "loud"')" \
      "timeout-1|1|paravisor_timeout=\"1\" is not allowed: .*5 to 3600|$(bad_cfg t1 'paravisor_timeout = 1')" \
      "parse-error|1|config parsing error|$(bad_cfg parse 'memory = = 3')" \
      "name-missing|1|name is missing|$(bad_cfg noname 'name = ""')" \
      "nvme-missing|1|paravisor_nvme=\"/nonexistent/disk.img\": No such file|$(bad_cfg nvno 'paravisor_nvme = "/nonexistent/disk.img"')" \
      "nvme-directory|1|paravisor_nvme=\"/tmp\": it is a directory|$(bad_cfg nvdir 'paravisor_nvme = "/tmp"')" \
      "nvme-relative|1|paravisor_nvme=\"disk.img\" is not allowed: use the absolute path|$(bad_cfg nvrel 'paravisor_nvme = "disk.img"')" \
      "nvme-slot-alone|1|paravisor_nvme_slot is set without paravisor_nvme|$(bad_cfg nvslot 'paravisor_nvme_slot = "00:06.0"')" \
      "nvme-slot-bus|1|paravisor_nvme_slot=\"01:05.0\" is not allowed: .*bus 00|$(bad_cfg nvbus 'paravisor_nvme_slot = "01:05.0"')"
    for c in "$@"; do
        n=$((n + 1))
        IFS='|' read -r name st ere cfg <<EOF
$c
EOF
        bad_case "$name" "$st" "$ere" -- "$cfg" || failed="$failed $name"
    done

    n=$((n + 1))
    bad_case override-bad 1 \
        'override "paravisor_vtpm=2": paravisor_vtpm="2" is not allowed' \
        -- "$b" paravisor_vtpm=2 || failed="$failed override-bad"
    n=$((n + 1))
    bad_case usage-t 2 '-t "1": use a whole number of seconds from 5' \
        -- -t 1 "$b" || failed="$failed usage-t"
    n=$((n + 1))
    bad_case not-a-kernel 1 \
        'paravisor domain: libxl could not create bad-paravisor' \
        -- "$(bad_cfg text "paravisor_kernel = \"$BAD_DIR/text-kernel\"")" ||
        failed="$failed not-a-kernel"
    n=$((n + 1))
    bad_case never-ready 1 \
        'not ready within 5 s|died before it was ready' \
        -- -t 5 "$b" || failed="$failed never-ready"

    # A domain of that name runs already: it must be left alone.
    n=$((n + 1))
    guest_create_paused "$b" > "$PVR_OUT/dup-xl.log" 2>&1 ||
        fail "xl create -p of the existing domain failed"
    dup=$(guest_domid bad)
    bad_case duplicate-name 1 "a domain named \"bad\" already exists" \
        bad -- "$b" || failed="$failed duplicate-name"
    [ "$(guest_domid bad)" = "$dup" ] || {
        echo "case duplicate-name: FAIL: the existing domain was touched"
        failed="$failed duplicate-name(touched)"
    }
    guest_destroy bad
    guest_wait_gone 60 "$dup" > /dev/null

    [ -z "$failed" ] || fail "failed:$failed"
    echo "$n bad configurations refused, nothing left behind"
}

bad_cleanup() {
    local d
    for d in $(guest_domids); do
        pvxl destroy "$d" 2> /dev/null || xl destroy "$d"
    done
    rm -f /run/pvdomain/bad.pid /run/pvdomain/bad.cfg \
        "$BAD_STATE_DIR/bad.state"
    true
}

bad_final() {
    pvxl_leftovers "" "$(ls -A "$BAD_STATE_DIR")"
}

on_retry bad_cleanup
step setup bad_setup
step --timeout 900 table bad_table
step --always cleanup bad_cleanup
step --always no-leftovers bad_final
