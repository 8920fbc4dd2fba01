#!/bin/bash
# Real libvirt and QEMU as oracles: make check-host.
#
#   tests/run-host.sh build/domcompat
#
# Starts a libvirt daemon with its QEMU driver, private to this run
# (tests/host/lib.sh: its own mount and pid namespaces and scratch state
# directories; stopped by pid however the run ends), and checks domcompat
# against it over every distinct document of the fixtures and the bundled
# example:
#
#   upgrade --to host   what domcompat writes for this host's libvirt, the
#                       daemon defines, and its dump shows the same PCI
#                       controllers with the same kinds and implementations.
#
# libvirt here has no KVM, so each document is given to both with its
# <domain type='kvm'> read as type='qemu' (QEMU's emulation), which neither
# domcompat nor the PCI controllers depend on.  Documents for an
# architecture this machine has no QEMU for are skipped, and counted.
#
# Prints one line per failure, the counts of what was compared, and last
# "host: N passed, M failed, K skipped"; exits 1 if any case failed, 2 if it
# cannot run at all.  Needs root and tests/host/install.sh's packages;
# HOST_KEEP=1 keeps the scratch directory (the daemon's log and state).
set -u

here=$(cd "$(dirname "$0")" && pwd)
. "$here/host/lib.sh"
host_enter "$0" "$@"
. "$here/runner-lib.sh"
runner_setup "$@"

for tool in xmllint xsltproc virsh cmp awk sha256sum; do
    command -v "$tool" >/dev/null 2>&1 || host_die "$tool is needed (tests/host/install.sh)"
done

started=$SECONDS
host_start
echo "host: libvirt $HOST_LIBVIRT_VERSION, $(qemu-system-x86_64 --version | head -n 1)," \
    "daemon ready in $((SECONDS - started)) s"
work=$HOST_SCRATCH/work
mkdir -p "$work/docs"

# The documents: every input.xml and expected.xml of the fixtures, and the
# example, once each (by content); with type='qemu' for type='kvm'.
documents=()
declare -A seen
for file in "$fixtures"/*/input.xml "$fixtures"/*/expected.xml "$here/../examples/q35-guest.xml"; do
    [ -f "$file" ] || continue
    sum=$(sha256sum <"$file" | cut -c1-16)
    [ -z "${seen[$sum]:-}" ] || continue
    seen[$sum]=1
    case $file in
    "$fixtures"/*) name=$(basename "$(dirname "$file")")-$(basename "$file") ;;
    *) name=example-$(basename "$file") ;;
    esac
    sed -e "1,/<domain/{s/<domain type='kvm'/<domain type='qemu'/;s/<domain type=\"kvm\"/<domain type=\"qemu\"/}" \
        "$file" >"$work/docs/$name"
    documents+=("$work/docs/$name")
done

# Whether this machine has a QEMU for FILE's guest architecture.
runs_here() {
    case $(host_guest_arch "$1") in
    x86_64 | i686) command -v qemu-system-x86_64 >/dev/null ;;
    *) return 1 ;;
    esac
}

# Whether libvirt defines FILE with its PCI controllers model-only
# (host/model-only.xsl): if not, it refuses the document whatever its
# spelling (fixtures made for the test driver may have addresses the QEMU
# driver refuses), and nothing is learnt from it.
libvirt_accepts_topology() {
    xsltproc --nonet -o "$work/model-only.xml" "$here/host/model-only.xsl" "$1" 2>/dev/null &&
        host_define_dumpxml "$work/model-only.xml" "$work/model-only.dumped"
}

# The PCI controllers of FILE (libxml2's warnings, about XML 1.1 say, only when it fails).
controllers() {
    host_pci_controllers "$1" 2>"$work/xsltproc.err" || cat "$work/xsltproc.err" >&2
}

# Every controller line of WANTED is in GOT (libvirt may add controllers,
# and gives each without an index one: then the rest of the line must be
# in GOT).
controllers_kept() {
    awk -v wanted="$1" 'FILENAME == wanted { want[$0] = 1; next }
        { have[$0] = 1; rest = $0; sub(/^index=[^ ]*/, "index=-", rest); have[rest] = 1 }
        END { for (line in want) if (!(line in have)) exit 1 }' "$1" "$2"
}

# --- upgrade --to host: libvirt reads what domcompat writes ------------------

to_host_defined=0
to_host_controllers=0
to_host_other_arch=0
to_host_not_converted=0
to_host_topology=0
for doc in "${documents[@]}"; do
    name=$(basename "$doc")
    if ! runs_here "$doc"; then
        to_host_other_arch=$((to_host_other_arch + 1))
        continue
    fi
    # A document domcompat refuses or finds invalid writes nothing: the fixtures check that.
    if ! "$domcompat" upgrade --to host "$doc" >"$work/out.xml" 2>/dev/null; then
        to_host_not_converted=$((to_host_not_converted + 1))
        continue
    fi
    defined=yes
    host_define_dumpxml "$work/out.xml" "$work/dumped.xml" || defined=no
    if [ $defined = no ] && ! libvirt_accepts_topology "$doc"; then
        to_host_topology=$((to_host_topology + 1))
        continue
    fi
    case_begin "upgrade --to host: $name"
    if [ $defined = no ]; then
        problem "libvirt $HOST_LIBVIRT_VERSION rejects what upgrade --to host wrote" cat "$work/dumped.xml"
    else
        controllers "$work/out.xml" >"$work/written"
        controllers "$work/dumped.xml" >"$work/defined"
        if ! controllers_kept "$work/written" "$work/defined"; then
            problem "libvirt's dump has other PCI controllers than upgrade --to host wrote" \
                diff -u --label "upgrade --to host" --label "virsh dumpxml" "$work/written" "$work/defined"
        fi
        to_host_defined=$((to_host_defined + 1))
        to_host_controllers=$((to_host_controllers + $(wc -l <"$work/written")))
    fi
    case_end
done
echo "host: upgrade --to host: $to_host_defined documents ($to_host_controllers PCI controllers)" \
    "defined as written; $to_host_not_converted not converted (refused or invalid)," \
    "$to_host_other_arch for other architectures, $to_host_topology refused by libvirt in any spelling"

# --- host: this machine's libvirt, and none ---------------------------------------

case_begin "--to host is the libvirt installed here"
libvirtd --version >"$work/libvirtd.version" 2>&1
installed=$(sed -n 's/^libvirtd (libvirt) \([0-9.]*\)$/\1/p' "$work/libvirtd.version")
if [ "$installed" != "$HOST_LIBVIRT_VERSION" ]; then
    problem "libvirtd --version says '$installed', the daemon $HOST_LIBVIRT_VERSION" cat "$work/libvirtd.version"
fi
"$domcompat" upgrade --to "libvirt-$installed" "$here/../examples/q35-guest.xml" >"$work/versioned.xml" 2>&1
"$domcompat" upgrade --to host "$here/../examples/q35-guest.xml" >"$work/host.xml" 2>&1
if ! cmp -s "$work/versioned.xml" "$work/host.xml"; then
    problem "upgrade --to host differs from upgrade --to libvirt-$installed" \
        diff -u "$work/versioned.xml" "$work/host.xml"
fi
case_end

# Without libvirt's library (an empty file mounted over it, in a namespace of
# its own): --to host, --from host and to = host are usage errors that say so.
case_begin "--to host without libvirt is a usage error"
library=$(ldconfig -p | awk '$1 == "libvirt.so.0" { print $NF; exit }')
printf 'to = host\n' >"$work/hook.conf"
if [ -z "$library" ]; then
    problem "ldconfig lists no libvirt.so.0, though libvirt runs here"
else
    unshare --mount --propagation private bash -c '
        mount --bind /dev/null "$(readlink -f "$1")" || exit 99
        "$2" upgrade --to host "$3" >"$4/none.out" 2>"$4/none.err"; echo $? >"$4/none.status"
        "$2" check --from host --to explicit "$3" 2>"$4/none-from.err"; echo $? >"$4/none-from.status"
        "$2" hook --config "$4/hook.conf" g restore begin - <"$3" >"$4/none-hook.out" \
            2>"$4/none-hook.err"; echo $? >"$4/none-hook.status"' \
        - "$library" "$domcompat" "$here/../examples/q35-guest.xml" "$work"
    [ "$(cat "$work/none.status")" = 2 ] || problem "upgrade --to host: exit status $(cat "$work/none.status"), expected 2"
    [ ! -s "$work/none.out" ] || problem "upgrade --to host wrote a document"
    grep -q "^domcompat: --to host: no libvirt is installed on this machine (.*); name the libvirt version instead, for example --to libvirt-9.0.0\$" \
        "$work/none.err" || problem "upgrade --to host: not the expected message" cat "$work/none.err"
    [ "$(cat "$work/none-from.status")" = 2 ] || problem "check --from host: exit status $(cat "$work/none-from.status"), expected 2"
    grep -q "^domcompat: --from host: no libvirt is installed on this machine" "$work/none-from.err" ||
        problem "check --from host: not the expected message" cat "$work/none-from.err"
    [ "$(cat "$work/none-hook.status")" = 2 ] || problem "hook with to = host: exit status $(cat "$work/none-hook.status"), expected 2"
    [ ! -s "$work/none-hook.out" ] || problem "hook with to = host wrote a document"
    grep -q "^$work/hook.conf:1: to = host: no libvirt is installed on this machine (.*); name the libvirt version instead, for example to = libvirt-9.0.0\$" \
        "$work/none-hook.err" || problem "hook with to = host: not the expected message" cat "$work/none-hook.err"
fi
case_end

echo "host: $passed passed, $failed failed, $skipped skipped ($((SECONDS - started)) s)"
[ "$failed" -eq 0 ]
