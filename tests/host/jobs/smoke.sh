# SPDX-License-Identifier: GPL-2.0-only
# shellcheck shell=dash
# xen: patched
#
# Job smoke: proves the harness itself.  Xen offers HVM, an HVM Linux
# guest boots to its userspace (a marker that is new on every attempt
# must come back on its console) and powers off, and no domain is left.
# It says nothing about pvdomaind.

smoke_virt_caps() {
    local caps
    xl info > "$PVR_OUT/xl-info.txt" || fail "xl info failed"
    caps=$(sed -n 's/^virt_caps[[:space:]]*:[[:space:]]*//p' \
        "$PVR_OUT/xl-info.txt")
    echo "virt_caps: $caps"
    case " $caps " in
    *" hvm "*) ;;
    *) fail "no hvm in virt_caps ($caps)" ;;
    esac
}

smoke_hvm_linux() {
    local marker cfg console t0
    marker=$(cat /proc/sys/kernel/random/uuid)
    cfg=$(linux_guest_cfg smoke-hvm marker "pvr.marker=$marker")
    console=$PVR_OUT/smoke-hvm.console.log
    t0=$(pvr_uptime_cs)
    guest_create "$cfg" || fail "xl create $cfg failed"
    echo "xl create returned after" \
        "$(pvr_seconds $(( $(pvr_uptime_cs) - t0 ))) s"
    if ! guest_wait_gone 300 smoke-hvm; then
        tail -n 20 "$console"
        fail "guest did not power off within 300 s"
    fi
    echo "guest gone" \
        "$(pvr_seconds $(( $(pvr_uptime_cs) - t0 ))) s after xl create"
    grep '^pvr-guest:' "$console"
    grep -q "^pvr-guest: marker $marker" "$console" ||
        fail "marker $marker not on the guest console"
    grep -q '^pvr-guest: script marker exited 0' "$console" ||
        fail "guest script did not exit 0"
}

smoke_no_leftovers() {
    xl list
    [ "$(guest_count)" = 0 ] ||
        fail "domains left behind: $(guest_domids | tr '\n' ' ')"
}

step xl-info-hvm smoke_virt_caps
step --timeout 420 --on-retry guests_destroy_all hvm-linux-boot \
    smoke_hvm_linux
step --always no-leftover-domains smoke_no_leftovers
