#!/bin/bash
# The kinds data knows what the installed libvirt's schema defines.
#
#   tests/run-libvirt-schema.sh [DOMAINCOMMON.RNG VERSION]
#
# Reads what libvirt's domaincommon.rng (by default the one libvirt-clients
# installs, /usr/share/libvirt/schemas/domaincommon.rng, of the version
# `virsh --version` prints) lets a <controller type='pci'> hold: its kinds,
# implementations, <target> attributes and children, and other children
# (libvirt-schema/rng-items.xsl).  Then, against data/pci-kinds.xml
# (libvirt-schema/data-items.xsl), one case per item:
#
#   - each item of the schema is in the data, with a first version no later
#     than the schema's: else domcompat would refuse, or call a loss,
#     something that libvirt reads;
#   - each item of the data that libvirt of that version parses, by the
#     data's versions, is in its schema: else the data claims too much.
#
# Run wherever make check runs, it checks the data against every libvirt
# it is built with (Debian 12: 9.0, 13: 11.3, unstable: the newest).
# Prints "FAIL NAME: what" per failure and last "libvirt-schema: N passed,
# M failed, K skipped"; without libvirt's schema the one case is skipped.
# Exits 1 if any case failed, 2 if it cannot run at all.
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/runner-lib.sh"
data=$here/../data/pci-kinds.xml

case $# in
0)
    schema=/usr/share/libvirt/schemas/domaincommon.rng
    version=$(virsh --version 2>/dev/null)
    ;;
2) schema=$1 version=$2 ;;
*)
    echo "usage: $0 [DOMAINCOMMON.RNG VERSION]" >&2
    exit 2
    ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-libvirt-schema.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

if [ ! -f "$schema" ] || [ -z "$version" ]; then
    skip "libvirt's schema" "no $schema, or no virsh to tell its version (libvirt-clients)"
    echo "libvirt-schema: $passed passed, $failed failed, $skipped skipped"
    exit 0
fi
case $version in
*[!0-9.]* | '')
    echo "$0: '$version' is not a libvirt version" >&2
    exit 2
    ;;
esac

xsltproc --nonet "$here/libvirt-schema/rng-items.xsl" "$schema" >"$work/schema" || exit 2
xsltproc --nonet "$here/libvirt-schema/data-items.xsl" "$data" >"$work/data" || exit 2
[ -s "$work/schema" ] || { echo "$0: nothing read from $schema" >&2; exit 2; }

# Whether version $1 is no later than $2.
not_after() {
    [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$1" ]
}

# The first version the data gives ITEM (two words), on any kind; empty if none.
data_since() {
    awk -v kind="$1" -v name="$2" '$1 == kind && $2 == name { print $3 }' "$work/data" | sort -V | head -n 1
}

while read -r what name; do
    case_begin "libvirt $version's schema has $what $name"
    since=$(data_since "$what" "$name")
    if [ -z "$since" ]; then
        problem "data/pci-kinds.xml has no $what $name"
    elif ! not_after "$since" "$version"; then
        problem "data/pci-kinds.xml has $what $name only since libvirt $since"
    fi
    case_end
done < <(sort -u "$work/schema")

while read -r what name; do
    since=$(data_since "$what" "$name")
    not_after "$since" "$version" || continue
    case_begin "the data's $what $name (since $since) is in libvirt $version's schema"
    grep -qxF "$what $name" "$work/schema" ||
        problem "libvirt $version's $schema has no $what $name"
    case_end
done < <(awk '{ print $1, $2 }' "$work/data" | sort -u)

echo "libvirt-schema: libvirt $version ($schema)"
echo "libvirt-schema: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
