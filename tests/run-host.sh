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
#   libvirt's choices   each document written model-only is defined, and the
#                       implementation libvirt chose for each controller is
#                       the one `upgrade --to libvirt-V --from libvirt-V
#                       --source-caps CACHE` pins, CACHE being the QEMU
#                       capabilities file the daemon itself wrote (V its
#                       version); the run prints how many controllers each
#                       pinned and how many agreed;
#   upgrade --to host   what domcompat writes for this host's libvirt, the
#                       daemon defines, and its dump shows the same PCI
#                       controllers with the same kinds and implementations;
#   an older QEMU       that cache with the device flags of QEMU 2.8 (no
#                       generic pcie-root-port): check --target-caps refuses
#                       a generic root port, --source-caps reads a
#                       model-only one as ioh3420;
#   libvirt's files     the README's advice followed with the daemon
#                       running (convert copies, virsh define them) and
#                       stopped (in place, then a restart keeps every
#                       domain); upgrade -i in the explicit form is refused
#                       there and leaves the files untouched;
#   the hook            target-caps = auto finds the daemon's cache; and,
#                       installed in the daemon's hooks directory (as qemu,
#                       then in qemu.d/ behind another script), a guest with
#                       model-only root ports started paused and saved is
#                       restored under each shipped configuration, as saved
#                       and with --xml of its XML without <model name>: each
#                       restore succeeds and query-pci shows the devices it
#                       was saved with; to = libvirt-3.1.0 makes libvirt
#                       cancel it with the hook's messages, the image as it
#                       was;
#   explain             each distinct x86 document (PCI controllers only) is
#                       defined; explain's -device arguments are those of
#                       virsh domxml-to-native, and the started guest's
#                       query-pci shows each controller with explain's
#                       vendor:device ID, slot, function and parent bus
#                       (tests/host/explain-oracle.py).
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

for tool in xmllint xsltproc virsh cmp awk sha256sum python3; do
    command -v "$tool" >/dev/null 2>&1 || host_die "$tool is needed (tests/host/install.sh)"
done

started=$SECONDS
host_start
echo "host: libvirt $HOST_LIBVIRT_VERSION, $(qemu-system-x86_64 --version | head -n 1)," \
    "daemon ready in $((SECONDS - started)) s"
work=$HOST_SCRATCH/work
mkdir -p "$work/docs"

# The documents: the example and every input.xml and expected.xml of the
# fixtures, once each (by content); with type='qemu' for type='kvm'.  The
# example comes first, so that it keeps its name (the cases below use it)
# when a fixture is a copy of it.
documents=()
declare -A seen
for file in "$here/../examples/q35-guest.xml" "$fixtures"/*/input.xml "$fixtures"/*/expected.xml; do
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

# --- libvirt's choices: what a model-only controller means here -------------

caps=$(host_caps_file) || host_die "libvirt wrote no capabilities cache for qemu-system-x86_64"
here_version=libvirt-$HOST_LIBVIRT_VERSION
declare -A topology_ok # by document: libvirt defines it model-only
chosen_docs=0
chosen_libvirt_pinned=0
chosen_domcompat_pinned=0
chosen_agreed=0
chosen_not_converted=0
chosen_topology=0
chosen_readdressed=0
declare -A chosen_seen
for doc in "${documents[@]}"; do
    name=$(basename "$doc")
    runs_here "$doc" || continue
    if ! xsltproc --nonet -o "$work/model-only.xml" "$here/host/model-only.xsl" "$doc" 2>/dev/null; then
        continue
    fi
    if host_define_dumpxml "$work/model-only.xml" "$work/model-only.dumped"; then
        topology_ok[$name]=yes
    else
        topology_ok[$name]=no
        # Where libvirt places the devices itself, it may take the document.
        if ! xsltproc --nonet --param without-pci-addresses 1 -o "$work/model-only.xml" \
            "$here/host/model-only.xsl" "$doc" 2>/dev/null ||
            ! host_define_dumpxml "$work/model-only.xml" "$work/model-only.dumped"; then
            chosen_topology=$((chosen_topology + 1))
            continue
        fi
        chosen_readdressed=$((chosen_readdressed + 1))
    fi
    # Documents that differ only in their controllers' spelling are one case here.
    sum=$(sha256sum <"$work/model-only.xml" | cut -c1-16)
    [ -z "${chosen_seen[$sum]:-}" ] || continue
    chosen_seen[$sum]=1
    if ! "$domcompat" upgrade --to "$here_version" --from "$here_version" --source-caps "$caps" \
        "$work/model-only.xml" >"$work/pinned.xml" 2>"$work/pinned.err"; then
        chosen_not_converted=$((chosen_not_converted + 1))
        continue
    fi
    case_begin "libvirt's choices: $name"
    controllers "$work/pinned.xml" >"$work/written"
    controllers "$work/model-only.dumped" >"$work/defined"
    # Per controller of the document (by index, which libvirt keeps): the name each gave it.
    awk -v wanted="$work/written" '
        FILENAME == wanted { split($1, i, "="); split($3, n, "="); mine[i[2]] = n[2]; order[++count] = i[2]; next }
        { split($1, i, "="); split($3, n, "="); theirs[i[2]] = n[2] }
        END {
            for (k = 1; k <= count; k++) {
                index_ = order[k]
                if (index_ == "-") continue # libvirt numbers it: no pairing by index
                if (mine[index_] != "-") dom++
                if ((index_ in theirs) && theirs[index_] != "-") lib++
                if (mine[index_] != "-" && theirs[index_] == mine[index_]) agreed++
                else if (mine[index_] != theirs[index_])
                    printf "index %s: libvirt chose %s, domcompat pinned %s\n", index_, \
                        (index_ in theirs) ? theirs[index_] : "(no such controller)", mine[index_] >"/dev/stderr"
            }
            printf "%d %d %d\n", lib + 0, dom + 0, agreed + 0
        }' "$work/written" "$work/defined" >"$work/counts" 2>"$work/disagreements"
    read -r lib dom agreed <"$work/counts"
    if [ -s "$work/disagreements" ]; then
        problem "libvirt $HOST_LIBVIRT_VERSION chose other implementations than upgrade --source-caps pinned" \
            cat "$work/disagreements"
    fi
    chosen_docs=$((chosen_docs + 1))
    chosen_libvirt_pinned=$((chosen_libvirt_pinned + lib))
    chosen_domcompat_pinned=$((chosen_domcompat_pinned + dom))
    chosen_agreed=$((chosen_agreed + agreed))
    case_end
done
echo "host: libvirt's choices: $chosen_docs distinct model-only documents; libvirt pinned" \
    "$chosen_libvirt_pinned PCI controllers, domcompat $chosen_domcompat_pinned, agreed on" \
    "$chosen_agreed ($chosen_readdressed documents with their PCI addresses left to libvirt);" \
    "$chosen_not_converted not converted (refused or invalid), $chosen_topology refused by libvirt"

# --- explain: libvirt's -device arguments and the devices QEMU shows ----------

# For each distinct x86 document libvirt defines (its PCI controllers only,
# tests/host/controllers-only.xsl, so that it starts here without disks or
# networks):
#   - explain of the document as written, reading model-only controllers as
#     this libvirt chose (--from host --source-caps CACHE), gives libvirt's
#     own -device argument for every controller whose values the document
#     holds (domxml-to-native of the same document);
#   - explain of libvirt's definition of it (every value filled in) gives
#     libvirt's argument for every controller, and the guest started
#     (paused, then run until its firmware has numbered the buses behind
#     the bridges) shows, in QEMU's query-pci, each at the slot, function,
#     behind the bridge and with the vendor:device ID explain prints, and
#     explain --tree hangs it below the same controller; a
#     guest is started once per distinct set of PCI controllers libvirt
#     defined (documents that differ only in spelling are one guest).
explain_started=$SECONDS
# The system's python3 (a per-user shim in front of it costs seconds a call).
oracle() {
    local python=/usr/bin/python3
    [ -x "$python" ] || python=python3
    "$python" "$here/host/explain-oracle.py" "$@"
}
explain_docs=0
explain_guests_started=0
explain_compared=0
explain_args=0
explain_written=0
explain_written_args=0
explain_ids=0
explain_positions=0
explain_bridges=0
explain_refused=0
explain_invalid=0
explain_not_started=0
declare -A explain_seen explain_guests

for doc in "${documents[@]}"; do
    name=$(basename "$doc")
    runs_here "$doc" || continue
    xsltproc --nonet -o "$work/bare.xml" "$here/host/controllers-only.xsl" "$doc" 2>/dev/null || continue
    sum=$(sha256sum <"$work/bare.xml" | cut -c1-16)
    [ -z "${explain_seen[$sum]:-}" ] || continue
    explain_seen[$sum]=1
    guest=$(host_xpath 'string(/domain/name)' "$work/bare.xml")
    if ! host_virsh define "$work/bare.xml" >"$work/define.out" 2>&1; then
        explain_refused=$((explain_refused + 1))
        continue
    fi
    case_begin "explain: $name"
    host_virsh dumpxml --inactive "$guest" >"$work/defined.xml" 2>&1 || problem "virsh dumpxml failed" cat "$work/defined.xml"
    # The document as written: what domcompat finds invalid, it refuses as
    # every command does (the fixtures check how); a refused controller
    # (its implementation unknown) is left out.
    "$domcompat" explain --format json --to "$here_version" --from "$here_version" \
        --source-caps "$caps" --target-caps "$caps" "$work/bare.xml" >"$work/bare.json" 2>"$work/explain.err"
    status=$?
    if [ $status = 3 ]; then
        explain_invalid=$((explain_invalid + 1))
        host_virsh undefine "$guest" >/dev/null 2>&1
        case_end
        continue
    fi
    if host_virsh domxml-to-native qemu-argv "$work/bare.xml" >"$work/bare.argv" 2>&1; then
        if [ $status = 0 ] || [ $status = 1 ]; then
            if oracle --complete-only "$work/bare.json" "$work/bare.argv" \
                >"$work/oracle.out" 2>"$work/oracle.err"; then
                read -r count args _ <"$work/oracle.out"
                explain_written=$((explain_written + count))
                explain_written_args=$((explain_written_args + args))
            else
                problem "explain of the document as written disagrees with domxml-to-native" cat "$work/oracle.err"
            fi
        else
            problem "explain of the document as written failed" cat "$work/explain.err" "$work/bare.json"
        fi
    fi
    # libvirt's definition, against its command line and the running guest.
    host_virsh domxml-to-native qemu-argv "$work/defined.xml" >"$work/defined.argv" 2>&1 ||
        problem "domxml-to-native of libvirt's own definition failed" cat "$work/defined.argv"
    "$domcompat" explain --format json --to "$here_version" --target-caps "$caps" "$work/defined.xml" \
        >"$work/defined.json" 2>"$work/explain.err" ||
        problem "explain of libvirt's definition failed" cat "$work/explain.err"
    # What QEMU shows depends on the machine and each controller's device and address only.
    topology=$(host_xpath '/domain/os/type/@machine | /domain/devices/controller[@type="pci"]/@model |
        /domain/devices/controller[@type="pci"]/model/@name |
        /domain/devices/controller[@type="pci"]/address/@*' "$work/defined.xml" | sha256sum | cut -c1-16)
    # Root buses alone: QEMU shows no device of libvirt's to compare.
    grep -q '"device": "' "$work/defined.json" || topology=none
    if [ -n "${explain_guests[$topology]:-}" ] || [ "$topology" = none ]; then
        if oracle "$work/defined.json" "$work/defined.argv" \
            >"$work/oracle.out" 2>"$work/oracle.err"; then
            read -r count args _ <"$work/oracle.out"
            explain_docs=$((explain_docs + 1))
            explain_compared=$((explain_compared + count))
            explain_args=$((explain_args + args))
        else
            problem "explain of libvirt's definition disagrees with domxml-to-native" cat "$work/oracle.err"
        fi
        host_virsh undefine "$guest" >/dev/null 2>&1
        case_end
        continue
    fi
    explain_guests[$topology]=1
    # explain --tree of the same definition: its nesting is checked against QEMU's too.
    "$domcompat" explain --tree --to "$here_version" --target-caps "$caps" "$work/defined.xml" \
        >"$work/defined.tree" 2>"$work/explain.err" ||
        problem "explain --tree of libvirt's definition failed" cat "$work/explain.err"
    if ! host_virsh start --paused "$guest" >"$work/start.out" 2>&1; then
        # QEMU refuses some topologies libvirt defines (a bus named before
        # the controller that provides it): nothing to ask it then.
        explain_not_started=$((explain_not_started + 1))
        skip "explain: $name" "QEMU does not start it: $(grep -o 'qemu-system[^:]*: .*' "$work/start.out" |
            grep -v '^[^:]*: warning: ' | head -n 1)"
    else
        # Paused, QEMU lists only what sits on root buses; what sits behind a
        # bridge it lists once the firmware has numbered the bridge's bus:
        # the guest then runs until it has.
        for try in $(seq 21); do
            if [ "$try" = 2 ] && ! host_virsh resume "$guest" >>"$work/start.out" 2>&1; then
                problem "the guest does not resume" cat "$work/start.out"
                break
            fi
            [ "$try" = 1 ] || sleep 0.25
            host_virsh qemu-monitor-command "$guest" '{"execute":"query-pci"}' >"$work/query-pci.json" 2>&1
            oracle "$work/defined.json" "$work/defined.argv" "$work/query-pci.json" \
                "$work/defined.tree" >"$work/oracle.out" 2>"$work/oracle.err" && break
        done
        if [ -s "$work/oracle.err" ]; then
            problem "explain disagrees with libvirt's command line or QEMU's query-pci" cat "$work/oracle.err"
        else
            read -r count args ids positions bridges <"$work/oracle.out"
            explain_docs=$((explain_docs + 1))
            explain_guests_started=$((explain_guests_started + 1))
            explain_compared=$((explain_compared + count))
            explain_args=$((explain_args + args))
            explain_ids=$((explain_ids + ids))
            explain_positions=$((explain_positions + positions))
            explain_bridges=$((explain_bridges + bridges))
        fi
        host_virsh destroy "$guest" >/dev/null 2>&1
    fi
    host_virsh undefine "$guest" >/dev/null 2>&1
    case_end
done
echo "host: explain: $explain_docs distinct documents defined, $explain_compared PCI controllers:" \
    "$explain_args -device arguments as libvirt $HOST_LIBVIRT_VERSION wrote them; $explain_guests_started guests" \
    "started: $explain_ids PCI IDs and $explain_positions positions (slot, function, bridge) as QEMU's" \
    "query-pci shows them, and $explain_bridges bridges QEMU adds behind an expander; as written:" \
    "$explain_written_args of $explain_written complete controllers' arguments agreed;" \
    "$explain_refused documents refused by libvirt, $explain_invalid invalid for domcompat," \
    "$explain_not_started not started by QEMU ($((SECONDS - explain_started)) s)"

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
    if [ $defined = no ] && [ "${topology_ok[$name]:-}" != yes ] &&
        { [ "${topology_ok[$name]:-}" = no ] || ! libvirt_accepts_topology "$doc"; }; then
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

# --- an older QEMU: the daemon's cache with the device flags of QEMU 2.8 --------

# libvirt's own file, with the PCI controller flags QEMU 2.8 has (no generic
# pcie-root-port, no pcie-pci-bridge) and its version.
cat >"$work/qemu-2.8.xsl" <<'XSL'
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="@* | node()">
    <xsl:copy><xsl:apply-templates select="@* | node()"/></xsl:copy>
  </xsl:template>
  <xsl:template match="/qemuCaps/flag[starts-with(@name, 'pcie-root-port') or @name = 'pcie-pci-bridge']"/>
  <xsl:template match="/qemuCaps/version/text()">2008000</xsl:template>
</xsl:stylesheet>
XSL
xsltproc --nonet -o "$work/qemu-2.8.xml" "$work/qemu-2.8.xsl" "$caps"
# The example (with type='qemu') model-only, and read as this host's libvirt reads it.
example=$work/docs/example-q35-guest.xml
xsltproc --nonet -o "$work/example-model-only.xml" "$here/host/model-only.xsl" "$example"
"$domcompat" upgrade --to "$here_version" --from "$here_version" --source-caps "$caps" \
    "$work/example-model-only.xml" >"$work/example-pinned.xml"

case_begin "QEMU 2.8's capabilities, in the format libvirt writes"
for flag in pci-bridge dmi-to-pci-bridge ioh3420 x3130-upstream xio3130-downstream pxb pxb-pcie; do
    [ "$(host_xpath "count(/qemuCaps/flag[@name = '$flag'])" "$work/qemu-2.8.xml")" = 1 ] ||
        problem "libvirt's cache has no flag $flag"
done
if [ "$(host_xpath "count(/qemuCaps/flag[@name = 'pcie-root-port'])" "$work/qemu-2.8.xml")" != 0 ]; then
    problem "the pcie-root-port flag is still there"
fi
controllers "$work/example-pinned.xml" | grep -q 'model=pcie-root-port name=pcie-root-port' ||
    problem "the example read with this host's capabilities has no generic pcie-root-port" cat "$work/example-pinned.xml"
"$domcompat" check --to "$here_version" --target-caps "$work/qemu-2.8.xml" "$work/example-pinned.xml" \
    >"$work/old-qemu.out" 2>&1
status=$?
[ $status = 1 ] || problem "check --target-caps of QEMU 2.8: exit status $status, expected 1" cat "$work/old-qemu.out"
grep -qF "the target's QEMU 2.8.0 ($work/qemu-2.8.xml) has no pcie-root-port device" "$work/old-qemu.out" ||
    problem "check --target-caps of QEMU 2.8 does not name the missing device" cat "$work/old-qemu.out"
"$domcompat" check --to "$here_version" --target-caps "$caps" "$work/example-pinned.xml" \
    >"$work/new-qemu.out" 2>&1 ||
    problem "check --target-caps of this host's QEMU refuses what its libvirt reads" cat "$work/new-qemu.out"
# Model-only root ports, as libvirt read them beside each QEMU.
for qemu in 2.8 here; do
    if [ $qemu = 2.8 ]; then file=$work/qemu-2.8.xml want=ioh3420; else file=$caps want=pcie-root-port; fi
    if ! "$domcompat" upgrade --to "$here_version" --from "$here_version" --source-caps "$file" \
        "$work/example-model-only.xml" >"$work/read.xml" 2>"$work/read.err"; then
        problem "upgrade --source-caps (QEMU $qemu) refused the model-only example" cat "$work/read.err"
    else
        controllers "$work/read.xml" | awk '$2 == "model=pcie-root-port" { print $3 }' | sort -u >"$work/read.names"
        [ "$(cat "$work/read.names")" = "name=$want" ] ||
            problem "--source-caps of QEMU $qemu read model-only root ports as $(cat "$work/read.names"), expected $want"
    fi
done
case_end

# --- libvirt's own files: the README's advice, with real libvirt -------------

example_name=$(host_xpath 'string(/domain/name)' "$work/example-model-only.xml")
definition=/etc/libvirt/qemu/$example_name.xml

case_begin "libvirtd running: convert copies, then virsh define them"
host_virsh define "$work/example-model-only.xml" >"$work/define.out" 2>&1 ||
    problem "libvirt does not define the model-only example" cat "$work/define.out"
cp -p "$definition" "$work/definition.before"
# The explicit form in place is refused there, and the file left alone.
"$domcompat" upgrade -r -i /etc/libvirt/qemu >"$work/explicit.out" 2>&1
status=$?
[ $status = 4 ] || problem "upgrade -r -i of /etc/libvirt/qemu: exit status $status, expected 4" cat "$work/explicit.out"
grep -qF "domcompat: $definition: not written: it is libvirt's own file" "$work/explicit.out" ||
    problem "upgrade -r -i of /etc/libvirt/qemu: not the expected refusal" cat "$work/explicit.out"
cmp -s "$definition" "$work/definition.before" || problem "the refused definition was changed"
# As the README says, with the daemon running.
"$domcompat" upgrade --to host -r -o "$work/pinned" /etc/libvirt/qemu >"$work/copies.out" 2>&1 ||
    problem "upgrade --to host -r -o of /etc/libvirt/qemu failed" cat "$work/copies.out"
for f in "$work/pinned"/*.xml; do
    host_virsh define "$f" >"$work/define.out" 2>&1 || problem "virsh define $f failed" cat "$work/define.out"
done
host_virsh dumpxml --inactive "$example_name" >"$work/redefined.xml" 2>&1
controllers "$work/pinned/$example_name.xml" >"$work/written"
controllers "$work/redefined.xml" >"$work/defined"
grep -q 'name=pcie-root-port' "$work/written" || problem "the pinned copy has no generic pcie-root-port" cat "$work/written"
controllers_kept "$work/written" "$work/defined" ||
    problem "after virsh define, libvirt's controllers are not the pinned copy's" \
        diff -u --label copy --label dumpxml "$work/written" "$work/defined"
case_end

# A definition an old libvirt left model-only (its root ports ioh3420s, as
# the legacy form implies) would get this libvirt's choice at its next
# start: the generic device, which its QEMU has (a case above checks that).
# Pinned in place while the daemon is stopped, it keeps its hardware and its
# domain.
case_begin "libvirtd stopped: in place, and a restart keeps every domain"
host_virsh undefine "$example_name" >/dev/null 2>&1
host_virsh list --all --name | sed '/^$/d' | sort >"$work/domains.before"
host_stop_daemons
cp "$work/example-model-only.xml" "$definition"
cp -p "$definition" "$work/definition.before"
"$domcompat" upgrade -r -i /etc/libvirt/qemu >"$work/explicit.out" 2>&1
status=$?
[ $status = 4 ] || problem "upgrade -r -i of /etc/libvirt/qemu: exit status $status, expected 4" cat "$work/explicit.out"
cmp -s "$definition" "$work/definition.before" || problem "the refused definition was changed"
"$domcompat" upgrade --to host -r -i.orig /etc/libvirt/qemu >"$work/in-place.out" 2>&1 ||
    problem "upgrade --to host -r -i.orig /etc/libvirt/qemu failed" cat "$work/in-place.out"
cmp -s "$definition.orig" "$work/definition.before" || problem "$definition.orig is not the original"
cp "$definition" "$work/in-place.xml"
host_start_daemons
host_virsh list --all --name | sed '/^$/d' | sort >"$work/domains.after"
grep -qx "$example_name" "$work/domains.after" || problem "$example_name is gone after the restart"
grep -vx "$example_name" "$work/domains.after" | cmp -s "$work/domains.before" - ||
    problem "the other domains after a restart are not those before" cat "$work/domains.before" "$work/domains.after"
host_virsh dumpxml --inactive "$example_name" >"$work/restarted.xml" 2>&1
controllers "$work/in-place.xml" >"$work/written"
controllers "$work/restarted.xml" >"$work/defined"
grep -q 'model=pcie-root-port name=ioh3420' "$work/written" ||
    problem "the pinned definition has no ioh3420 root port" cat "$work/written"
controllers_kept "$work/written" "$work/defined" ||
    problem "after a restart, libvirt's controllers are not the pinned file's" \
        diff -u --label file --label dumpxml "$work/written" "$work/defined"
host_virsh undefine "$example_name" >/dev/null 2>&1
case_end

# --- the hook: target-caps = auto is the daemon's own cache -------------------

case_begin "hook: target-caps = auto reads this host's cache for the domain's QEMU"
printf 'to = host\ntarget-caps = auto\n' >"$work/auto.conf"
"$domcompat" hook --config "$work/auto.conf" g restore begin - <"$work/example-model-only.xml" \
    >"$work/auto.out" 2>"$work/auto.err"
status=$?
[ $status = 0 ] || problem "hook with target-caps = auto: exit status $status, expected 0" cat "$work/auto.err"
# A restore's model-only controllers, read as this host's libvirt reads them.
"$domcompat" upgrade --to host --from host --source-caps "$caps" "$work/example-model-only.xml" \
    >"$work/auto.want"
cmp -s "$work/auto.out" "$work/auto.want" ||
    problem "hook with target-caps = auto wrote another document" diff -u "$work/auto.want" "$work/auto.out"
sed "s|<emulator>[^<]*</emulator>|<emulator>/usr/local/bin/qemu-elsewhere</emulator>|" \
    "$work/example-model-only.xml" >"$work/other-emulator.xml"
"$domcompat" hook --config "$work/auto.conf" g restore begin - <"$work/other-emulator.xml" \
    >"$work/auto.out" 2>"$work/auto.err"
status=$?
[ $status = 2 ] ||
    problem "hook, target-caps = auto, an emulator without a cache: exit status $status, expected 2" cat "$work/auto.err"
grep -qF "g (restore begin): target-caps = auto: no QEMU capabilities in /var/cache/libvirt/qemu/capabilities are for the QEMU that runs this domain" \
    "$work/auto.err" || problem "hook, target-caps = auto: not the expected message" cat "$work/auto.err"
[ ! -s "$work/auto.out" ] || problem "hook, target-caps = auto, wrote a document it could not check"
case_end

# --- the hook with the daemon: a saved guest restored as it was ---------------
#
# The hook installed where this daemon looks for it (its /etc/libvirt/hooks,
# what was there put back however the run ends), a q35 guest whose root
# ports were defined model-only, started paused and saved: each restore the
# hook lets through must give QEMU the devices the guest was saved with
# (QEMU refuses a saved device state for another device), and query-pci of
# the restored guest must show the vendor:device IDs it showed before.

hook_started=$SECONDS
hooks=$HOST_ETC/hooks
mkdir -p "$work/hooks.before" "$hooks"
cp -a "$hooks/." "$work/hooks.before/"
host_on_stop "rm -rf '$hooks' && mkdir -p '$hooks' && cp -a '$work/hooks.before/.' '$hooks/'"

saved=domcompat-saved
cat >"$work/saved-guest.xml" <<XML
<domain type='qemu'>
  <name>$saved</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='q35'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'/>
    <controller type='pci' index='2' model='pcie-root-port'/>
    <controller type='pci' index='3' model='dmi-to-pci-bridge'/>
    <memballoon model='none'/>
  </devices>
</domain>
XML

# The PCI devices QEMU shows the running guest, "BUS:SLOT.FUNCTION VENDOR:DEVICE" each.
query_pci() {
    host_virsh qemu-monitor-command "$saved" --pretty '{"execute":"query-pci"}' >"$work/query-pci.json" &&
        python3 -c '
import json, sys
def walk(devices):
    for d in devices:
        yield "%02x:%02x.%x %04x:%04x" % (d["bus"], d["slot"], d["function"], d["id"]["vendor"], d["id"]["device"])
        yield from walk(d.get("pci_bridge", {}).get("devices", []))
for bus in json.load(open(sys.argv[1]))["return"]:
    print("\n".join(walk(bus["devices"])))
' "$work/query-pci.json"
}

# install_hook qemu|qemu.d: the hook script, for the daemon started next.
# In qemu.d, another script is already in /etc/libvirt/hooks/qemu: it logs
# its calls, writes nothing and lets libvirt go on.
install_hook() {
    rm -rf "$hooks" && mkdir -p "$hooks"
    printf '#!/bin/sh\nexec %s hook --config %s -- "$@"\n' "$domcompat" "$work/hook.conf" >"$work/hook.sh"
    if [ "$1" = qemu ]; then
        install -m 755 "$work/hook.sh" "$hooks/qemu"
    else
        printf '#!/bin/sh\necho "$1 $2 $3" >>%s\ncat >/dev/null\nexit 0\n' "$work/theirs.log" >"$hooks/qemu"
        chmod 755 "$hooks/qemu"
        mkdir -p "$hooks/qemu.d"
        install -m 755 "$work/hook.sh" "$hooks/qemu.d/domcompat"
    fi
    host_stop_daemons
    host_start_daemons
}

# restore_with NAME CONFIG [--xml FILE]: the saved guest restored through the
# hook under CONFIG; sets restore_status and leaves virsh's error in $work/restore.err.
restore_with() {
    local what=$1
    cp "$2" "$work/hook.conf"
    shift 2
    host_virsh destroy "$saved" >/dev/null 2>&1
    restore_status=0
    host_virsh restore "$work/saved.img" "$@" >"$work/restore.out" 2>"$work/restore.err" || restore_status=$?
    hook_restores=$((hook_restores + 1))
    echo "host: hook: restore, $what: $([ $restore_status = 0 ] && echo restored || echo "not restored")"
}

# expect_restored: the restore succeeded and the guest has its devices.
expect_restored() {
    if [ "$restore_status" != 0 ]; then
        problem "the restore failed" cat "$work/restore.err"
    elif ! query_pci >"$work/pci.after" 2>"$work/query.err"; then
        problem "query-pci of the restored guest failed" cat "$work/query.err"
    elif ! cmp -s "$work/pci.before" "$work/pci.after"; then
        problem "the restored guest's PCI devices are not those it was saved with" \
            diff -u --label saved --label restored "$work/pci.before" "$work/pci.after"
    fi
}

# expect_cancelled: libvirt cancelled the restore with the hook's message for
# each root port, and the image is as it was.
expect_cancelled() {
    local index
    [ "$restore_status" != 0 ] || problem "the restore went through"
    for index in 1 2; do
        grep -qE "$saved \\(restore begin\\):[0-9]+:[0-9]+: cannot convert PCI controller index $index \\(pcie-root-port implemented by pcie-root-port\\) to libvirt 3\\.1\\.0: libvirt 3\\.1\\.0 does not know <model name='pcie-root-port'/>" \
            "$work/restore.err" || problem "libvirt's error lacks the hook's message for root port $index" cat "$work/restore.err"
    done
    grep -qF "$saved (restore begin): not converted, so libvirt cancels it" "$work/restore.err" ||
        problem "libvirt's error lacks the hook's last line" cat "$work/restore.err"
    [ "$(host_virsh domstate "$saved" 2>/dev/null)" != running ] || problem "the guest runs after a cancelled restore"
    [ "$(sha256sum <"$work/saved.img")" = "$saved_sum" ] || problem "the save image changed"
}

hook_restores=0
case_begin "hook: a saved guest with model-only root ports, as libvirt saved it"
install_hook qemu
host_virsh define "$work/saved-guest.xml" >"$work/define.out" 2>&1 || host_die "cannot define the saved guest: $(cat "$work/define.out")"
host_virsh start --paused "$saved" >"$work/start.out" 2>&1 || host_die "cannot start the guest: $(cat "$work/start.out")"
query_pci >"$work/pci.before" || host_die "query-pci failed: $(cat "$work/query-pci.json")"
grep -q ' 1b36:000c$' "$work/pci.before" ||
    problem "the model-only root ports are not QEMU 7.2's generic device here" cat "$work/pci.before"
echo "host: hook: the guest's PCI devices (query-pci) before the save:" \
    "$(awk '{ print $2 }' "$work/pci.before" | sort | uniq -c | awk '{ printf "%s%s x%s", sep, $2, $1; sep = ", " }')"
host_virsh save "$saved" "$work/saved.img" >"$work/save.out" 2>&1 || host_die "virsh save failed: $(cat "$work/save.out")"
saved_sum=$(sha256sum <"$work/saved.img")
host_virsh save-image-dumpxml "$work/saved.img" >"$work/saved-image.xml"
grep -v "<model name=" "$work/saved-image.xml" >"$work/stripped.xml"
grep -q "model='pcie-root-port'" "$work/stripped.xml" && ! grep -q "<model name=" "$work/stripped.xml" ||
    problem "the save image's XML stripped of <model name> has no model-only root port" cat "$work/stripped.xml"
case_end

# Each shipped configuration: the README's and the package's example.
block_config() {
    awk '$0 == "<!-- hook-install: config -->" { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }' "$here/../README.md" | sed -n "/^cat > .*hook.conf <<'EOF'\$/,/^EOF\$/p" | sed '1d;$d'
}
block_config >"$work/readme.conf"
grep -q '^to = ' "$work/readme.conf" || problem "no configuration in the README's hook-install block"
printf 'to = libvirt-3.1.0\n' >"$work/older.conf"
for layout in qemu qemu.d; do
    [ $layout = qemu ] || install_hook qemu.d
    for config in readme:"$work/readme.conf" debian/examples/hook.conf:"$here/../debian/examples/hook.conf"; do
        case_begin "hook in $layout, ${config%%:*}: the saved guest restored with its devices"
        restore_with "$layout, ${config%%:*}" "${config#*:}"
        expect_restored
        case_end
        case_begin "hook in $layout, ${config%%:*}: --xml of its own XML without <model name>"
        restore_with "$layout, ${config%%:*}, --xml without <model name>" "${config#*:}" --xml "$work/stripped.xml"
        expect_restored
        case_end
    done
    case_begin "hook in $layout, to = libvirt-3.1.0: libvirt cancels the restore"
    restore_with "$layout, to = libvirt-3.1.0" "$work/older.conf"
    expect_cancelled
    restore_with "$layout, to = libvirt-3.1.0, --xml without <model name>" "$work/older.conf" --xml "$work/stripped.xml"
    expect_cancelled
    case_end
done
case_begin "hook in qemu.d: the script already in hooks/qemu ran first, for every restore"
[ "$(grep -c "^$saved restore begin\$" "$work/theirs.log" 2>/dev/null)" = 6 ] ||
    problem "the other script did not see the six restores" cat "$work/theirs.log"
case_end
host_virsh destroy "$saved" >/dev/null 2>&1
host_virsh undefine "$saved" >/dev/null 2>&1
echo "host: hook: $hook_restores restores of a saved guest in $((SECONDS - hook_started)) s"

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
