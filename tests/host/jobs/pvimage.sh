# SPDX-License-Identifier: GPL-2.0-only
#
# Job pvimage: the paravisor domain's image (toolstack/image: Debian's
# kernel and our initramfs, staged as /pvr/paravisor/) boots as a PV
# domU on real Xen (PV, as pvxl creates it: Xen 4.17 lets no PVH domU
# map its guest's memory or IOREQ pages).
#
# Without a paired guest: the domain is created paused, its console
# (hvc0) is read with `xl console` from the start, and it is unpaused.
# pvinit must load its modules, find the Xen devices and start
# `pvdomaind --xenstore-config`; pvdomaind finds no paravisor
# configuration in xenstore and fails with its own error; pvinit then
# powers the domain off, and the domain goes away by itself (on_crash and
# on_reboot are "preserve", so a panic or a triple fault is told apart
# from a power-off).  The run step does the boot and keeps the console;
# the steps after it read the logs.  The image sizes, boot times and
# memory figures are recorded, then the same boot is tried with less
# memory until it fails.
#
# Paired (the contract's xenstore nodes, written here by hand as pvxl
# would, the target an XTF guest created paused, set_target by
# pvr-set-target), with tpm = 0 and with tpm = 1 on a blkback state disk:
# pvdomaind in the paravisor domain must publish state = ready, and leave
# when the guest is destroyed.

IMG=/pvr/paravisor
NAME=pvimage-test
# The main boot's memory (MiB), and the sizes tried below it, largest
# first; the search stops at the first that fails.
PVIMAGE_MEMORY=96
PVIMAGE_FLOOR="88 80 72 64"
XTF_IMAGE=$PVR_GUEST/tpm/test-hvm32-tpm-norestart
GUEST=pvimage-guest
PAIR=pvimage-paravisor
STATE_DISK=/var/lib/pvr-test/pvimage.state

require_image() {
    [ -r "$IMG/vmlinuz" ] && [ -r "$IMG/initrd.img" ] ||
        skip "the stage has no paravisor/ image (make paravisor-image" \
             "before make stage-host)"
}

# pvimage_cfg NAME MEMORY: write $PVR_OUT/NAME.cfg, print its path.
pvimage_cfg() {
    local cfg=$PVR_OUT/$1.cfg
    cat > "$cfg" <<EOF
name = "$1"
type = "pv"
kernel = "$IMG/vmlinuz"
ramdisk = "$IMG/initrd.img"
cmdline = "console=hvc0"
memory = $2
vcpus = 1
on_poweroff = "destroy"
on_reboot = "preserve"
on_crash = "preserve"
${PVIMAGE_CFG_EXTRA:-}
EOF
    echo "$cfg"
}

_pvimage_pid_gone() {
    ! kill -0 "$1" 2>/dev/null
}

# pvimage_start NAME MEMORY [SETUP]: create NAME paused, run SETUP DOMID
# if given (a function: xenstore nodes, set_target), read its console into
# $PVR_OUT/NAME.console.log from the first byte, and unpause it.  Sets
# pv_name, pv_domid, pv_t0 (dom0 uptime in cs at `xl create`), pv_create
# and pv_unpause (cs after pv_t0), pv_console (the xl console pid).
pvimage_start() {
    local mem=$2 setup=${3:-} fifo
    pv_name=$1
    pv_log=$PVR_OUT/$pv_name.console.log
    fifo=$PVR_RUN/$pv_name.console-in
    mkdir -p "$PVR_RUN"
    rm -f "$pv_log" "$fifo" "$PVR_OUT/$pv_name.result"
    mkfifo "$fifo" || return 1
    pv_t0=$(pvr_uptime_cs)
    xl create -p "$(pvimage_cfg "$pv_name" "$mem")" || {
        echo "xl create -p of $pv_name (memory $mem) failed"
        return 1
    }
    pv_create=$(( $(pvr_uptime_cs) - pv_t0 ))
    pv_domid=$(xl domid "$pv_name") || return 1
    xl list "$pv_name" | tee "$PVR_OUT/$pv_name.xl-list"
    if [ -n "$setup" ]; then
        "$setup" "$pv_domid" || return 1
    fi
    # xl console leaves at the end of its stdin, so it reads a FIFO that
    # this shell holds open and never writes.
    xl console -t pv "$pv_name" < "$fifo" > "$pv_log" 2>&1 &
    pv_console=$!
    exec 3> "$fifo"
    rm -f "$fifo"
    echo "$pv_console" > "$PVR_RUN/$pv_name.console.pid"
    sleep 1
    xl unpause "$pv_name" || return 1
    pv_unpause=$(( $(pvr_uptime_cs) - pv_t0 ))
}

# _pvimage_stopped DOMID: the domain stopped without powering off: it
# crashed, or it shut down for a reboot (Xen turns a triple fault into
# one) and, being preserved, is still there a minute later.  A poweroff
# also shows as shut down until xl's daemon has destroyed the domain,
# which under TCG, with the block hotplug script to run, took more than
# 3 s in flight 71.
_pvimage_stopped() {
    local i
    case "$(guest_state "$1")" in
    *c*) echo crashed ;;
    *s*) for i in $(seq 1 60); do
            sleep 1
            xenstore-exists "/local/domain/$1" || return 1
        done
        echo rebooted ;;
    *) return 1 ;;
    esac
}

# pvimage_wait TIMEOUT: wait until the domain of pvimage_start is gone by
# itself (or crashed, or rebooted: both are preserved; or TIMEOUT s
# passed since this call), noting when pvdomaind's first console line appeared.  Writes
# $PVR_OUT/NAME.result: "end=gone|crashed|rebooted|timeout create_cs=..
# unpause_cs=.. first_cs=.. gone_cs=.." (cs after `xl create`; first_cs 0
# if pvdomaind never printed).  Returns 0 when the domain went away by
# itself.
pvimage_wait() {
    local timeout=$1 now end=timeout first=0 start
    start=$(( $(pvr_uptime_cs) - pv_t0 ))
    while :; do
        now=$(( $(pvr_uptime_cs) - pv_t0 ))
        if [ "$first" = 0 ] && grep -q '^pvdomaind' "$pv_log"; then
            first=$now
        fi
        if ! xenstore-exists "/local/domain/$pv_domid"; then
            end=gone
            break
        fi
        end=$(_pvimage_stopped "$pv_domid") && break
        end=timeout
        [ $(( now - start )) -lt $(( timeout * 100 )) ] || break
        sleep 0.2
    done
    [ "$first" = 0 ] && grep -q '^pvdomaind' "$pv_log" && first=$now
    echo "end=$end create_cs=$pv_create unpause_cs=$pv_unpause" \
         "first_cs=$first gone_cs=$now" | tee "$PVR_OUT/$pv_name.result"
    # xl console leaves when the domain does; a stopped one is kept.
    if [ "$end" != gone ]; then
        xl dmesg | grep "d$pv_domid" | grep -v "save:\|restore:" | tail -n 5
        xl destroy "$pv_domid"
    fi
    wait_for 20 "xl console of $pv_name to exit" \
        _pvimage_pid_gone "$pv_console" || kill "$pv_console" 2>/dev/null
    exec 3>&-
    tr -d '\r' < "$pv_log" > "$pv_log.tmp" && mv "$pv_log.tmp" "$pv_log"
    [ "$end" = gone ]
}

# pvimage_boot NAME MEMORY TIMEOUT: pvimage_start, then pvimage_wait.
pvimage_boot() {
    pvimage_start "$1" "$2" || return 1
    pvimage_wait "$3"
}

# result_field NAME KEY: a field of NAME.result.
result_field() {
    sed -n "s/.*$2=\([^ ]*\).*/\1/p" "$PVR_OUT/$1.result"
}

console_has() {
    grep -q -- "$2" "$PVR_OUT/$1.console.log" ||
        fail "$1 console has no line matching: $2"
    grep -- "$2" "$PVR_OUT/$1.console.log" | head -n 8
}

run_boot() {
    require_image
    pvimage_boot "$NAME" "$PVIMAGE_MEMORY" 300
    local rc=$?
    grep '^pvinit:\|^pvdomaind' "$PVR_OUT/$NAME.console.log"
    [ "$rc" = 0 ] ||
        fail "domain did not go away by itself ($(result_field "$NAME" end)):" \
             "$(pvr_last_line "$PVR_OUT/$NAME.console.log")"
    grep -q "^pvinit: starting /bin/pvdomaind" \
        "$PVR_OUT/$NAME.console.log" ||
        fail "pvinit never started pvdomaind"
}

check_modules() {
    local m
    for m in xen-evtchn xen-gntdev xen-gntalloc xen-privcmd xenfs \
             xen-blkfront; do
        console_has "$NAME" "^pvinit: module $m loaded"
    done
    console_has "$NAME" "^pvinit: 6 modules loaded in"
}

check_devices() {
    console_has "$NAME" \
        "^pvinit: devices ready in .*: privcmd evtchn gntdev xenbus"
    console_has "$NAME" "^pvinit: no /local/domain/[0-9]*/paravisor/tpm"
}

check_pvdomaind() {
    local log=$PVR_OUT/$NAME.console.log status
    console_has "$NAME" "^pvinit: starting /bin/pvdomaind --xenstore-config"
    console_has "$NAME" "^pvdomaind"
    status=$(sed -n 's/^pvinit: pvdomaind exited with status \([0-9]*\).*/\1/p' \
        "$log")
    [ -n "$status" ] || fail "pvinit did not report pvdomaind's exit"
    [ "$status" != 0 ] || fail "pvdomaind exited 0 without a configuration"
    if grep -q "^pvdomaind: --xenstore-config: unknown option" "$log"; then
        echo "note: this pvdomaind has no --xenstore-config yet; it was" \
             "exec'd and printed its usage error (status $status)"
        return 0
    fi
    console_has "$NAME" "^pvdomaind.*paravisor/target is missing"
}

check_poweroff() {
    console_has "$NAME" "^pvinit: powering off at"
    [ "$(result_field "$NAME" end)" = gone ] ||
        fail "domain ended $(result_field "$NAME" end), not by power-off"
    ! grep -q "Kernel panic" "$PVR_OUT/$NAME.console.log" ||
        fail "the kernel panicked"
    echo "the paravisor domain powered itself off and is gone"
}

# manifest_size KEY: a size from the image's manifest.json.
manifest_size() {
    sed -n "s/^ *\"$1\": \([0-9]*\),*$/\1/p" "$IMG/manifest.json" |
        head -n 1
}

seconds_of() {
    pvr_seconds "$1"
}

record_figures() {
    local log=$PVR_OUT/$NAME.console.log first boot mem
    require_image
    figure "vmlinuz" "$(manifest_size vmlinuz)" bytes \
        "Debian $(sed -n 's/.*"kernel_release": "\(.*\)".*/\1/p' \
            "$IMG/manifest.json"): its ELF, gzip -9 (Debian's bzImage:" \
        "$(manifest_size vmlinuz_debian) bytes)"
    figure "initrd.img" "$(stat -c %s "$IMG/initrd.img")" bytes \
        "$(sed -n 's/.*"compression": "\(.*\)".*/\1/p' "$IMG/manifest.json")"
    figure "initramfs unpacked" "$(manifest_size initrd_unpacked)" bytes cpio
    figure "initramfs gzip -9 / xz" \
        "$(manifest_size initrd_gzip) / $(manifest_size initrd_xz)" bytes
    figure "xl create -p" "$(seconds_of "$(result_field "$NAME" create_cs)")" \
        s "domain build, kernel and initrd loaded, memory $PVIMAGE_MEMORY MiB"
    first=$(result_field "$NAME" first_cs)
    [ "$first" != 0 ] || fail "no pvdomaind line was seen"
    figure "xl create to pvdomaind's first line" "$(seconds_of "$first")" s \
        "includes 1 s to attach the console before unpausing"
    figure "unpause to pvdomaind's first line" \
        "$(seconds_of $(( first - $(result_field "$NAME" unpause_cs) )))" s
    boot=$(sed -n 's/^pvinit: starting .* at \([0-9.]*\) s$/\1/p' "$log")
    figure "guest clock at exec of pvdomaind" "$boot" s \
        "CLOCK_BOOTTIME; the kernel's clock does not start at unpause"
    figure "initramfs unpack in the guest" "$(awk -F'[][]' '
        /Trying to unpack rootfs image as initramfs/ { a = $2 }
        /Freeing initrd memory/ { b = $2 }
        END { printf "%.2f", b - a }' "$log")" s \
        "$(sed -n 's/.*"compression": "\(.*\)".*/\1/p' "$IMG/manifest.json")"
    # Every process is slow to start in dom0 under TCG: one figure for
    # the guest's memory, the rest of /proc/meminfo in its note.
    mem=$(sed -n 's/^pvinit: meminfo kB: //p' "$log")
    figure "MemTotal at pvdomaind start" \
        "$(echo "$mem" | sed -n "s/.*MemTotal=\([0-9]*\).*/\1/p")" kB \
        "memory $PVIMAGE_MEMORY MiB;$mem"
    grep -o "Memory: .*" "$log" | head -n 1
    grep -o "Freeing initrd memory: .*" "$log" | head -n 1
    grep -o "Freeing unused kernel image.*" "$log" | head -n 3
}

# _pvimage_boots NAME MEMORY: one boot reaches pvdomaind and powers off.
_pvimage_boots() {
    pvimage_boot "$1" "$2" 180 &&
        grep -q '^pvdomaind' "$PVR_OUT/$1.console.log"
}

# Boot with less and less memory; the smallest that still reaches
# pvdomaind and powers off cleanly is the floor.  A size that fails is
# tried once more (TCG's early triple fault, see the README) before the
# search stops.
memory_floor() {
    local m ok=$PVIMAGE_MEMORY failed='' name log
    require_image
    for m in $PVIMAGE_FLOOR; do
        name=$NAME-$m
        if _pvimage_boots "$name" "$m" || {
               echo "memory $m MiB: $(result_field "$name" end); again"
               name=$NAME-$m-2
               _pvimage_boots "$name" "$m"
           }; then
            ok=$m
            sed -n 's/^pvinit: meminfo kB: /meminfo: /p' \
                "$PVR_OUT/$name.console.log"
            continue
        fi
        failed=$m
        log=$PVR_OUT/$name.console.log
        echo "memory $m MiB: $(result_field "$name" end); kernel:" \
             "$(grep -o 'Memory: .*' "$log")"
        tail -n 5 "$log"
        break
    done
    figure "smallest memory that boots" "$ok" MiB \
        "${failed:+$failed MiB does not; }tried $PVIMAGE_MEMORY $PVIMAGE_FLOOR"
}

# The contract's xenstore nodes and set_target for paravisor domain $1
# and the guest in guest.domid, as pvxl writes them before unpausing it;
# tpm = $PAIR_TPM (with 1, the state disk is xvda).
pair_setup() {
    local p=$1 g dir
    g=$(cat "$PVR_OUT/guest.domid")
    dir=/local/domain/$p/paravisor
    xenstore-write "/local/domain/$g/paravisor/domid" "$p" &&
        xenstore-chmod "/local/domain/$g/paravisor/domid" n0 "r$g" "r$p" &&
        xenstore-write "$dir" "" && xenstore-chmod "$dir" n0 "b$p" &&
        xenstore-write "$dir/target" "$g" "$dir/tpm" "$PAIR_TPM" \
            "$dir/log-level" info &&
        { [ "$PAIR_TPM" = 0 ] ||
          xenstore-write "$dir/tpm-state" /dev/xvda; } &&
        pvr-set-target "$p" "$g" || {
        echo "could not write the pairing for paravisor $p, guest $g"
        return 1
    }
    xenstore-ls -p "$dir"
}

_pair_ready_or_error() {
    [ "$(xenstore-read "$1/state" 2>/dev/null)" = ready ] ||
        xenstore-exists "$1/error" || ! xenstore-exists "${1%/paravisor}"
}

# xs_config_ready TPM: pvdomaind --xenstore-config in the paravisor
# domain, paired by hand with a paused XTF guest, with tpm = TPM (1: a
# fresh 4 MiB raw state disk as xvda, served by blkback, which pvinit must
# wait for): it must publish state = ready and mem-used-kb, and when the
# guest is destroyed, leave; pvinit then powers the domain off.
xs_config_ready() {
    local g dir t used
    PAIR_TPM=$1
    require_image
    require_bin pvr-set-target
    require_guest tpm/test-hvm32-tpm-norestart
    ! grep -q -- "--xenstore-config: unknown option" \
        "$PVR_OUT/$NAME.console.log" ||
        skip "the image's pvdomaind has no --xenstore-config yet"
    guest_create_paused "$(xtf_guest_cfg "$GUEST" "$XTF_IMAGE")" ||
        fail "xl create -p of the guest failed"
    g=$(guest_domid "$GUEST") || fail "no domid for $GUEST"
    echo "$g" > "$PVR_OUT/guest.domid"
    if [ "$PAIR_TPM" = 1 ]; then
        mkdir -p "${STATE_DISK%/*}"
        rm -f "$STATE_DISK"
        truncate -s 4M "$STATE_DISK" && chmod 600 "$STATE_DISK" ||
            fail "cannot create $STATE_DISK"
        PVIMAGE_CFG_EXTRA="disk = [ 'format=raw, vdev=xvda, access=rw, \
target=$STATE_DISK' ]"
    fi
    pvimage_start "$PAIR-tpm$PAIR_TPM" "$PVIMAGE_MEMORY" pair_setup ||
        fail "could not start the paired paravisor domain"
    PVIMAGE_CFG_EXTRA=
    dir=/local/domain/$pv_domid/paravisor
    wait_for 300 "$dir/state = ready" _pair_ready_or_error "$dir"
    t=$(( $(pvr_uptime_cs) - pv_t0 ))
    xenstore-ls -p "$dir" 2>&1
    if [ "$(xenstore-read "$dir/state" 2>/dev/null)" != ready ]; then
        pvimage_wait 5
        grep '^pvinit:\|^pvdomaind' "$pv_log"
        fail "no state = ready: $(grep '^pvdomaind.*error' "$pv_log" |
            tail -n 1)"
    fi
    [ "$PAIR_TPM" = 0 ] ||
        console_has "$pv_name" "^pvinit: state disk /dev/xvda ready"
    figure "paired tpm=$PAIR_TPM: xl create to state=ready" \
        "$(pvr_seconds "$t")" s "memory $PVIMAGE_MEMORY MiB"
    used=$(xenstore-read "$dir/mem-used-kb") ||
        fail "no $dir/mem-used-kb next to state = ready"
    figure "paired tpm=$PAIR_TPM: mem-used-kb at ready" "$used" kB \
        "MemTotal-MemAvailable in the paravisor domain"
    xl list "$pv_domid"
    guest_destroy "$GUEST" || fail "xl destroy of the guest failed"
    pvimage_wait 120
    grep '^pvinit:\|^pvdomaind' "$pv_log"
    [ "$(result_field "$pv_name" end)" = gone ] ||
        fail "the paravisor domain did not go away after its guest" \
             "($(result_field "$pv_name" end))"
    grep -q "^pvinit: powering off" "$pv_log" ||
        fail "pvinit did not power the paravisor domain off"
    echo "pvdomaind served until its guest died; the domain powered off"
}

pvimage_cleanup() {
    local f
    for f in "$PVR_RUN"/pvimage-*.console.pid; do
        [ -e "$f" ] && kill "$(cat "$f")" 2>/dev/null
        rm -f "$f"
    done
    guests_destroy_all
}

on_retry pvimage_cleanup
step --timeout 400 run run_boot
step modules-loaded check_modules
step devices-found check_devices
step pvdomaind-started check_pvdomaind
step powered-off check_poweroff
step figures record_figures
step --timeout 1200 memory-floor memory_floor
step --timeout 600 xenstore-config-ready xs_config_ready 0
step --timeout 600 xenstore-config-tpm xs_config_ready 1
step --always cleanup pvimage_cleanup
