#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# Checks one guest test's declaration (its test.mk) at build time, as
# XTF's build/gen.mk does, so a typo stops the build instead of producing
# an image that no runner will pick up.
#
# usage: check-stub.sh DIR NAME CATEGORY 'ENVS' 'IMAGES' \
#                      'KNOWN-CATEGORIES' 'KNOWN-ENVS'
#
# DIR is the test's directory under tests/guest.  Rules:
# - NAME is set and equals DIR;
# - CATEGORY is exactly one of KNOWN-CATEGORIES;
# - ENVS is non-empty and each one is in KNOWN-ENVS;
# - IMAGES is non-empty and each is tests/guest/DIR/test-ENV-NAME or
#   tests/guest/DIR/test-ENV-NAME-VARIANT with ENV in ENVS.
# Prints every problem found and exits 1 if there was any.

set -u

if [ $# -ne 7 ]; then
    echo "usage: $0 DIR NAME CATEGORY ENVS IMAGES KNOWN-CATEGORIES" \
         "KNOWN-ENVS" >&2
    exit 2
fi

dir=$1 name=$2 category=$3 envs=$4 images=$5 known_cats=$6 known_envs=$7
stub="tests/guest/$dir/test.mk"
bad=0

complain() {
    echo "$stub: $*" >&2
    bad=1
}

# Is word $1 one of the blank-separated words in $2?
member() {
    for w in $2; do
        [ "$w" = "$1" ] && return 0
    done
    return 1
}

[ -n "$name" ] || complain "NAME is not set"
[ "$name" = "$dir" ] || complain "NAME '$name' differs from directory '$dir'"

set -- $category
if [ $# -ne 1 ] || ! member "$category" "$known_cats"; then
    complain "CATEGORY '$category' is not one of: $known_cats"
fi

[ -n "$envs" ] || complain "ENVS is empty"
for e in $envs; do
    member "$e" "$known_envs" ||
        complain "environment '$e' is not one of: $known_envs"
done

[ -n "$images" ] || complain "IMAGES is empty"
for img in $images; do
    ok=0
    for e in $envs; do
        case $img in
            "tests/guest/$dir/test-$e-$name" | \
            "tests/guest/$dir/test-$e-$name"-?*)
                ok=1 ;;
        esac
    done
    [ $ok = 1 ] || complain "image '$img' is not" \
        "tests/guest/$dir/test-<env>-$name[-<variant>]"
done

exit $bad
