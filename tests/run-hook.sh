#!/bin/bash
# Runs `domcompat hook` the way libvirt runs /etc/libvirt/hooks/qemu: as
# `qemu GUEST OPERATION SUB-OPERATION EXTRA`, the domain XML on standard
# input, standard output read as the XML to use ("migrate begin" and
# "restore begin"; empty: keep it), any exit status but 0 cancelling.
#
#   tests/run-hook.sh build/domcompat
#
# Each case writes a configuration, runs the hook on a document (mostly the
# fixtures' own, whose expected outputs and messages it reuses) and checks
# the exit status, standard output (a file, or empty), standard error
# (exact, or a pattern) and that the hook left nothing of standard input
# unread, whatever happened: libvirt writes the whole document there, and a
# hook that stops reading makes its write fail.  Then the README's install lines are run in a scratch directory
# standing in for /etc, with the tool's path put in, and the installed
# scripts are called as libvirt calls them, in libvirt's environment.
#
# Prints one line per failure and, last, "hook: N passed, M failed" (with
# ", K skipped" when some could not run); exits 1 if any case failed, 2 if it
# cannot run at all.
set -u

. "$(dirname "$0")/runner-lib.sh"
runner_setup "$@"
readme=$(cd "$(dirname "$0")/.." && pwd)/README.md
limit=${HOOK_TIMEOUT:-20}

for tool in timeout cmp diff awk sed stat; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is needed (packages coreutils, diffutils, gawk or mawk, sed)" >&2
        exit 2
    fi
done
if [ ! -f "$readme" ]; then
    echo "$0: $readme: not found" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-hook.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
conf=$work/hook.conf


# config LINE...: the configuration, one argument a line.
config() {
    printf '%s\n' "$@" >"$conf"
}

# run_command INPUT COMMAND...: runs COMMAND with a copy of INPUT on standard
# input (a regular file, so that what COMMAND leaves unread can be read after
# it) and a time limit; sets `status`.
run_command() {
    local input=$1
    shift
    cp -- "$input" "$work/stdin"
    {
        timeout -k 2 "$limit" "$@"
        echo $? >"$work/status"
        cat >"$work/unread"
    } <"$work/stdin" >"$work/stdout" 2>"$work/stderr"
    status=$(cat "$work/status")
    if [ "$status" = 124 ] || [ "$status" = 137 ]; then
        problem "did not finish within ${limit} s"
    fi
}

# run INPUT ARG...: domcompat hook --config $conf --caps-cache $cache ARG...
# ($cache: this machine's QEMU 7.2 as libvirt caches it, which has the
# generic pcie-root-port device, as a stand-in for the daemon's cache).
run() {
    local input=$1
    shift
    run_command "$input" "$domcompat" hook --config "$conf" --caps-cache "$cache" "$@"
}

expect_status() {
    if [ "$status" != "$1" ]; then
        problem "exit status $status, expected $1" cat "$work/stderr"
    fi
}

# expect_stdout FILE: standard output is FILE's content; "-": it is empty.
expect_stdout() {
    if [ "$1" = - ]; then
        if [ -s "$work/stdout" ]; then
            problem "stdout should be empty, has $(wc -c <"$work/stdout") bytes" head -n 5 "$work/stdout"
        fi
    elif ! cmp -s "$1" "$work/stdout"; then
        problem "stdout differs from $1" diff -u --label expected --label actual "$1" "$work/stdout"
    fi
}

# expect_stderr TEXT: standard error is TEXT and a newline; "": it is empty.
expect_stderr() {
    if [ -z "$1" ]; then
        : >"$work/expected.stderr"
    else
        printf '%s\n' "$1" >"$work/expected.stderr"
    fi
    expect_stderr_file "$work/expected.stderr"
}

expect_stderr_file() {
    if ! cmp -s "$1" "$work/stderr"; then
        problem "stderr differs from what was expected" \
            diff -u --label expected --label actual "$1" "$work/stderr"
    fi
}

expect_stderr_match() {
    if ! grep -E -q -- "$1" "$work/stderr"; then
        problem "stderr does not match '$1'" cat "$work/stderr"
    fi
}

# expect_unread all|none: how much of standard input the command left.
expect_unread() {
    if [ "$1" = all ] && ! cmp -s "$work/stdin" "$work/unread"; then
        problem "read standard input before failing ($(wc -c <"$work/unread") of $(wc -c <"$work/stdin") bytes left)"
    elif [ "$1" = none ] && [ -s "$work/unread" ]; then
        problem "left $(wc -c <"$work/unread") bytes of standard input unread"
    fi
}

# relabel FILE LABEL: a fixture's expected.stderr, its document named LABEL.
# The tool's line that ends a refused document is the hook's own "not converted" line.
relabel() {
    sed -e '/^input\.xml: \(refused\|lossy\) for /d' -e "s/^input\\.xml:/$2:/" "$1" \
        >"$work/relabelled.stderr"
    echo "$work/relabelled.stderr"
}

# The footer of a refusal that names configuration keys, for the configuration $conf.
footer() {
    echo "$1: not converted, so libvirt cancels it; the settings named above go in $conf"
}

# keys FILE: a fixture's expected.stderr with the tool's options named as the hook's keys.
keys() {
    sed -e 's/--assume \([^ ,;]*\)/assume = \1/g' -e 's/--allow-loss/allow-loss = yes/g' \
        -e 's/the --from version/the from version/g' -e 's/--source-caps/source-caps = FILE/g' "$1" \
        >"$work/keys.stderr"
    echo "$work/keys.stderr"
}

# without_root_ports FILE: FILE without its pcie-root-port controllers.
without_root_ports() {
    awk '/<controller type=.pci. index=.[0-9]*. model=.pcie-root-port.>/ { skip = 1 }
         !skip { print }
         skip && /<\/controller>/ { skip = 0 }' "$1"
}

f=$fixtures
caps=$f/caps-source-qemu-2.8-reads-ioh3420
legacy_q35=$f/peer-libvirt-9.0.0-legacy-input-pins-implementations
cache=$work/cache-qemu-7.2
cache28=$work/cache-qemu-2.8
mkdir -p "$cache" "$cache28" "$work/cache-none"
cp "$f/caps-source-qemu-7.2-cache-reads-generic-root-port/qemu-7.2.xml" "$cache/"
cp "$caps/qemu-2.8.xml" "$cache28/"
# The legacy q35 guest with only kinds of one implementation, and what
# libvirt 9.0.0 reads it as: the fixture's own, less the same root ports.
single=$work/single-implementation.xml
without_root_ports "$legacy_q35/input.xml" >"$single"
without_root_ports "$legacy_q35/expected.xml" >"$work/single-implementation.expected"
if grep -q pcie-root-port "$single" "$work/single-implementation.expected" ||
    ! grep -q "<model name='pcie-pci-bridge'/>" "$work/single-implementation.expected"; then
    echo "$0: cannot derive a document without root ports from $legacy_q35" >&2
    exit 2
fi
hotplug=$f/peer-libvirt-6.2.0-refuses-hotplug-on-root-and-downstream-ports
truncated=$work/truncated.xml
printf '<domain><name>a</na' >"$truncated"
: >"$work/empty.xml"

# --- migrate begin and restore begin --------------------------------------------

# A migration's source is another host: its model-only controllers mean
# what from, source-caps and assume say.  from = legacy: the legacy form's.
case_begin migrate-begin-from-legacy-pins-the-legacy-implementations
config 'to = libvirt-9.0.0' 'from = legacy'
run "$legacy_q35/input.xml" q35-typical migrate begin -
expect_status 0
expect_stdout "$legacy_q35/expected.xml"
expect_stderr ""
expect_unread none
case_end

# No from line: the source may run any libvirt up to this host's, and from
# 3.2.0 on libvirt gave a new root port the device its QEMU had.
host_version=$(virsh --version)
case_begin migrate-begin-without-from-refuses-root-ports-whose-device-the-source-qemu-chose
config 'to = libvirt-9.0.0'
run "$legacy_q35/input.xml" q35-typical migrate begin -
expect_status 1
expect_stdout -
{ for at in 34 38 42 46 50; do
      echo "q35-typical (migrate begin):$at:5: cannot convert PCI controller index $(((at - 30) / 4)) (pcie-root-port) to libvirt 9.0.0: a model-only pcie-root-port defined on libvirt 3.2.0 or later (the unknown source's latest possible version is $host_version) is ioh3420 or pcie-root-port, depending on that host's QEMU; to convert it: say which with assume = pcie-root-port=ioh3420 or assume = pcie-root-port=pcie-root-port, or give that host's QEMU capabilities with source-caps = FILE"
  done
  echo "q35-typical (migrate begin): not converted, so libvirt cancels it; with no 'from' line the source may run any libvirt up to this host's ($host_version), which gives such a controller the device its QEMU has: in $conf, name the source with 'from = libvirt-X.Y.Z' and 'source-caps = FILE', or the device with 'assume = KIND=IMPLEMENTATION'"
} >"$work/want"
expect_stderr_file "$work/want"
expect_unread none
case_end

# Kinds of one implementation mean it whatever the source.
case_begin migrate-begin-without-from-pins-kinds-of-one-implementation
config 'to = libvirt-9.0.0'
run "$single" q35-typical migrate begin -
expect_status 0
expect_stdout "$work/single-implementation.expected"
expect_stderr ""
case_end

case_begin migrate-begin-without-from-assume-says-which
config 'to = libvirt-9.0.0' 'assume = pcie-root-port=ioh3420'
run "$legacy_q35/input.xml" q35-typical migrate begin -
expect_status 0
expect_stdout "$legacy_q35/expected.xml"
expect_stderr ""
case_end

# The source's QEMU capabilities decide as they decided there: QEMU 7.2
# has the generic device, so that is what the root ports are.
# The tool's reading of the legacy q35 guest's root ports with QEMU 7.2:
# the generic device, five times.
generic=$work/generic.xml
"$domcompat" downgrade --to libvirt-9.0.0 --from libvirt-9.0.0 --source-caps "$cache/qemu-7.2.xml" \
    "$legacy_q35/input.xml" >"$generic"
if [ "$(grep -c "<model name='pcie-root-port'/>" "$generic")" != 5 ]; then
    echo "$0: the tool does not read the root ports of $legacy_q35 as QEMU 7.2's generic device" >&2
    exit 2
fi
case_begin migrate-begin-from-and-source-caps-read-root-ports-as-that-qemu-gave-them
config 'to = libvirt-9.0.0' 'from = libvirt-9.0.0' "source-caps = $cache/qemu-7.2.xml"
run "$legacy_q35/input.xml" q35-typical migrate begin -
expect_status 0
expect_stdout "$generic"
expect_stderr ""
case_end

# A restore's XML was written on this host: read as this host's libvirt
# reads it (its version, its cache for the domain's QEMU), whatever the
# configuration says of a migration's source.
case_begin restore-begin-reads-model-only-root-ports-as-this-hosts-qemu-gives-them
config 'to = host'
run "$legacy_q35/input.xml" q35-typical restore begin -
expect_status 0
expect_stdout "$generic"
expect_stderr ""
expect_unread none
case_end

case_begin restore-begin-ignores-the-migration-source-keys
config 'to = host' 'from = legacy' 'assume = pcie-root-port=ioh3420'
run "$legacy_q35/input.xml" q35-typical restore begin -
expect_status 0
expect_stdout "$generic"
expect_stderr ""
case_end

case_begin restore-begin-this-hosts-qemu-2.8-gives-ioh3420
config 'to = host'
run_command "$legacy_q35/input.xml" "$domcompat" hook --config "$conf" --caps-cache "$cache28" \
    q35-typical restore begin -
expect_status 0
expect_stdout "$legacy_q35/expected.xml"
expect_stderr ""
case_end

case_begin restore-begin-without-this-hosts-capabilities-refuses-what-they-decide
config 'to = host' 'assume = pcie-root-port=pcie-root-port'
run_command "$legacy_q35/input.xml" "$domcompat" hook --config "$conf" --caps-cache "$work/cache-none" \
    q35-typical restore begin -
expect_status 1
expect_stdout -
{ for at in 34 38 42 46 50; do
      echo "q35-typical (restore begin):$at:5: cannot convert PCI controller index $(((at - 30) / 4)) (pcie-root-port) to libvirt $host_version: a model-only pcie-root-port defined on libvirt 3.2.0 or later (the restoring host's libvirt version is $host_version) is ioh3420 or pcie-root-port, depending on that host's QEMU"
  done
  echo "q35-typical (restore begin): not converted, so libvirt cancels it; this host's libvirt gives a model-only controller of such a kind the device its QEMU has, and none of the capabilities in $work/cache-none are for the QEMU that runs this domain (its <emulator>, else its architecture), so the hook cannot know which device the guest was saved with (libvirtd writes them when it starts)"
} >"$work/want"
expect_stderr_file "$work/want"
case_end

case_begin restore-begin-without-capabilities-converts-what-they-do-not-decide
config 'to = libvirt-9.0.0'
run_command "$single" "$domcompat" hook --config "$conf" --caps-cache "$work/cache-none" \
    q35-typical restore begin -
expect_status 0
expect_stdout "$work/single-implementation.expected"
expect_stderr ""
case_end

# What libvirt reads is what the hook writes, or the XML it had: as this
# host's libvirt reads a model-only controller, it must be the device the
# guest has.  Written model-only for the legacy form, Intel's root port
# would come back as the generic one from this host's QEMU 7.2.
"$domcompat" downgrade --to libvirt-9.0.0 --from legacy "$legacy_q35/input.xml" >"$work/ioh3420.xml"
case_begin migrate-begin-to-legacy-refused-where-this-host-would-read-another-device
config 'to = legacy'
run "$work/ioh3420.xml" q35-typical migrate begin -
expect_status 1
expect_stdout -
expect_stderr "q35-typical (migrate begin): not converted, so libvirt cancels it: this host's libvirt $host_version would read the model-only controllers of the XML written for the 'to' peer as other devices than the guest has, by what its QEMU has; expected a 'to' whose form this host reads as written (to = host) in $conf"
case_end

case_begin restore-begin-to-legacy-written-where-this-host-reads-the-same-device
config 'to = legacy'
run_command "$work/ioh3420.xml" "$domcompat" hook --config "$conf" --caps-cache "$cache28" \
    q35-typical restore begin -
expect_status 0
"$domcompat" downgrade --to legacy "$work/ioh3420.xml" >"$work/want.xml"
expect_stdout "$work/want.xml"
expect_stderr ""
case_end

case_begin migrate-begin-unchanged-legacy-input-refused-where-this-host-would-read-another-device
config 'to = legacy' 'from = legacy'
run "$f/downgrade-legacy-document-unchanged/input.xml" db01 migrate begin -
expect_status 1
expect_stdout -
expect_stderr "db01 (migrate begin): not converted, so libvirt cancels it: this host's libvirt $host_version would read the model-only controllers of the XML it passes on as other devices than the guest has, by what its QEMU has; expected a 'to' whose form this host reads as written (to = host) in $conf"
case_end

case_begin migrate-begin-to-legacy-without-this-hosts-capabilities-refused
config 'to = legacy' 'from = legacy'
run_command "$f/downgrade-legacy-document-unchanged/input.xml" "$domcompat" hook --config "$conf" \
    --caps-cache "$work/cache-none" db01 migrate begin -
expect_status 1
expect_stdout -
expect_stderr "db01 (migrate begin): not converted, so libvirt cancels it: this host's libvirt $host_version gives a model-only controller of such a kind the device its QEMU has, and none of the capabilities in $work/cache-none are for the QEMU that runs this domain (its <emulator>, else its architecture), so the hook cannot know which device it would give (libvirtd writes them when it starts)"
case_end

case_begin migrate-begin-already-in-the-target-form-writes-nothing
config 'to = libvirt-9.0.0'
run "$f/peer-libvirt-9.0.0-libvirt-form-input-unchanged/input.xml" q35 migrate begin -
expect_status 0
expect_stdout -
expect_stderr ""
expect_unread none
case_end

case_begin migrate-begin-to-libvirt-9.0-is-libvirt-9.0.0
config 'to = libvirt-9.0' 'from = legacy'
run "$legacy_q35/input.xml" q35-typical migrate begin -
expect_status 0
expect_stdout "$legacy_q35/expected.xml"
expect_stderr ""
case_end


case_begin migrate-begin-from-host-is-this-machines-libvirt
config 'to = explicit' 'force = yes' 'from = host'
run "$f/from-libvirt-3.2.0-upgrade-refuses-ambiguous-pcie-root-port/input.xml" db01 migrate begin -
expect_status 1
expect_stderr_match "^db01 \(migrate begin\):34:5: cannot convert PCI controller index 1 \(pcie-root-port\) to the explicit form: a model-only pcie-root-port defined on libvirt 3.2.0 or later \(the from version is $(virsh --version | sed 's/\./\\./g')\) is ioh3420 or pcie-root-port"
case_end

# On a host whose QEMU has no generic root port, libvirt reads a model-only one as Intel's.
case_begin migrate-begin-legacy-domain-for-a-legacy-peer-writes-nothing
config 'to = legacy' 'from = legacy'
run_command "$f/downgrade-legacy-document-unchanged/input.xml" "$domcompat" hook --config "$conf" \
    --caps-cache "$cache28" db01 migrate begin -
expect_status 0
expect_stdout -
expect_stderr ""
case_end

case_begin migrate-begin-no-pci-controllers-writes-nothing
config 'to = libvirt-6.2.0'
run "$f/downgrade-no-pci-controllers-unchanged/input.xml" db01 migrate begin -
expect_status 0
expect_stdout -
expect_stderr ""
case_end

case_begin migrate-begin-refused-cancels-with-every-reason
config 'to = libvirt-6.2.0'
run "$hotplug/input.xml" db01 migrate begin -
expect_status 1
expect_stdout -
{ cat "$(keys "$(relabel "$hotplug/expected.stderr" 'db01 (migrate begin)')")"
  footer 'db01 (migrate begin)'; } >"$work/want"
expect_stderr_file "$work/want"
case_end

case_begin restore-begin-refused-cancels
config 'to = libvirt-6.2.0'
run "$hotplug/input.xml" db01 restore begin -
expect_status 1
expect_stdout -
expect_stderr_match '^db01 \(restore begin\):29:7: cannot convert PCI controller index 1 '
expect_stderr_match '^db01 \(restore begin\): not converted, so libvirt cancels it'
case_end

case_begin restore-begin-allow-loss-converts-and-reports-each-loss
config 'to = libvirt-6.2.0' 'allow-loss = yes'
run "$f/loss-libvirt-6.2.0-hotplug-dropped/input.xml" db01 restore begin -
expect_status 0
expect_stdout "$f/loss-libvirt-6.2.0-hotplug-dropped/expected.xml"
expect_stderr_file "$(relabel "$f/loss-libvirt-6.2.0-hotplug-dropped/expected.stderr" 'db01 (restore begin)')"
expect_unread none
case_end

case_begin restore-begin-allow-loss-no-still-refuses
config 'to = libvirt-6.2.0' 'allow-loss = no'
run "$f/loss-libvirt-6.2.0-hotplug-dropped/input.xml" db01 restore begin -
expect_status 1
expect_stdout -
case_end

# Never another device for a guest that runs or was saved running.
case_begin migrate-begin-replace-in-the-configuration-is-a-configuration-error
config 'to = libvirt-3.1.0' 'replace = pcie-root-port=ioh3420'
run "$f/downgrade-replace-generic-root-port-for-libvirt-3.1.0/input.xml" db01 migrate begin -
expect_status 2
expect_stdout -
expect_stderr "$conf:2: replace gives the guest another device, and the hook sees only guests that run (migrate begin) or were saved running (restore begin): QEMU cannot load one device's state into another, and a guest that moves would find other hardware; expected no replace line (convert a shut-off guest's definition with domcompat downgrade --replace)"
expect_unread none
case_end

case_begin migrate-begin-without-replace-refuses-the-generic-root-port
config 'to = libvirt-3.1.0'
run "$f/downgrade-replace-generic-root-port-for-libvirt-3.1.0/input.xml" db01 migrate begin -
expect_status 1
expect_stdout -
expect_stderr_match '^db01 \(migrate begin\):32:5: cannot convert PCI controller index 2 \(pcie-root-port implemented by pcie-root-port\)'
case_end

case_begin restore-begin-to-explicit-with-force-upgrades
config 'to = explicit' 'force = yes'
run_command "$f/upgrade-q35-typical-guest/input.xml" "$domcompat" hook --config "$conf" \
    --caps-cache "$cache28" q35 restore begin -
expect_status 0
expect_stdout "$f/upgrade-q35-typical-guest/expected.xml"
expect_stderr ""
case_end

case_begin migrate-begin-from-and-assume
config 'to = libvirt-9.0.0' 'from = libvirt-3.2.0' 'assume = pcie-root-port=pcie-root-port'
run "$f/from-libvirt-3.2.0-downgrade-assume-pcie-root-port/input.xml" db01 migrate begin -
expect_status 0
expect_stdout "$f/from-libvirt-3.2.0-downgrade-assume-pcie-root-port/expected.xml"
expect_stderr ""
case_end

case_begin migrate-begin-from-without-assume-refuses-and-says-where-to-assume
config 'to = libvirt-9.0.0' 'from = libvirt-3.2.0'
run "$f/from-libvirt-3.2.0-downgrade-refuses-ambiguous-pcie-root-port/input.xml" db01 migrate begin -
expect_status 1
expect_stdout -
{ cat "$(keys "$(relabel "$f/from-libvirt-3.2.0-downgrade-refuses-ambiguous-pcie-root-port/expected.stderr" 'db01 (migrate begin)')")"
  footer 'db01 (migrate begin)'; } >"$work/want"
expect_stderr_file "$work/want"
case_end

case_begin migrate-begin-source-caps-read-root-ports-as-that-qemu-had-them
config 'to = explicit' 'force = yes' 'from = libvirt-9.0.0' "source-caps = $caps/qemu-2.8.xml"
run_command "$caps/input.xml" "$domcompat" hook --config "$conf" --caps-cache "$cache28" \
    db01 migrate begin -
expect_status 0
expect_stdout "$caps/expected.xml"
expect_stderr ""
case_end

case_begin migrate-begin-target-caps-refuses-what-this-qemu-lacks
config 'to = libvirt-9.0.0' "target-caps = $caps/qemu-2.8.xml"
run "$f/caps-target-qemu-2.8-refuses-generic-root-port/input.xml" db01 migrate begin -
expect_status 1
expect_stdout -
expect_stderr_match "^db01 \(migrate begin\):28:5: cannot convert PCI controller index 1 \(pcie-root-port implemented by pcie-root-port\) to libvirt 9\.0\.0: the target's QEMU 2\.8\.0 \($caps/qemu-2\.8\.xml\) has no pcie-root-port device; to convert it: the guest needs a host whose QEMU has pcie-root-port\$"
case_end

case_begin migrate-begin-extra-arguments-ignored
config 'to = libvirt-9.0.0' 'from = legacy'
run "$legacy_q35/input.xml" q35-typical migrate begin - more words
expect_status 0
expect_stdout "$legacy_q35/expected.xml"
case_end

case_begin migrate-begin-configuration-with-crlf-line-endings
printf 'to = libvirt-9.0.0\r\n# written elsewhere\r\nfrom = legacy\r\n' >"$conf"
run "$legacy_q35/input.xml" q35-typical migrate begin -
expect_status 0
expect_stdout "$legacy_q35/expected.xml"
case_end

case_begin migrate-begin-not-well-formed-is-invalid
config 'to = libvirt-9.0.0'
run "$truncated" db01 migrate begin -
expect_status 3
expect_stdout -
expect_stderr "db01 (migrate begin):1:20: not well-formed XML: expected '>'"
case_end

case_begin migrate-begin-empty-input-is-invalid
config 'to = libvirt-9.0.0'
run "$work/empty.xml" db01 migrate begin -
expect_status 3
expect_stdout -
expect_stderr "db01 (migrate begin):1:1: the document is empty; expected a <domain> element"
case_end

case_begin restore-begin-doctype-refused-like-any-input
config 'to = libvirt-9.0.0'
run "$f/hostile-doctype-system-file/input.xml" db01 restore begin -
expect_status 3
expect_stdout -
expect_stderr_file "$(relabel "$f/hostile-doctype-system-file/expected.stderr" 'db01 (restore begin)')"
case_end

case_begin guest-name-with-a-control-character-shown-escaped
config 'to = libvirt-9.0.0'
run "$truncated" $'db\x01' migrate begin -
expect_status 3
expect_stderr "'db\\x01' (migrate begin):1:20: not well-formed XML: expected '>'"
case_end

case_begin guest-name-starting-with-dash-after-double-dash
config 'to = libvirt-9.0.0'
run "$truncated" -- -db migrate begin -
expect_status 3
expect_stderr "-db (migrate begin):1:20: not well-formed XML: expected '>'"
case_end

case_begin unwritable-standard-output-cancels
config 'to = libvirt-9.0.0' 'from = legacy'
"$domcompat" hook --config "$conf" q35-typical migrate begin - <"$legacy_q35/input.xml" >&- 2>"$work/stderr"
status=$?
expect_status 4
expect_stderr_match '^domcompat hook: cannot write to standard output: '
case_end

# --- standard input is read to its end, however large --------------------------

# feed BYTES FILE ARG...: the hook with FILE, then spaces up to BYTES bytes,
# on standard input through a pipe, written by a writer that, like
# libvirt's, writes it all; sets `status` (the hook's) and `writer` ("all",
# or "broken pipe" when the hook closed its end first).
feed() {
    local bytes=$1 file=$2
    shift 2
    python3 -c '
import os, sys
data = memoryview(open(sys.argv[1], "rb").read())
left = int(sys.argv[2]) - len(data)
spaces = b" " * 65536
try:
    while data:
        data = data[os.write(1, data):]
    while left > 0:
        left -= os.write(1, spaces[:min(left, len(spaces))])
    result = "all"
except BrokenPipeError:
    result = "broken pipe"
sys.stderr.write(result)
' "$file" "$bytes" 2>"$work/writer" |
        timeout -k 2 "$limit" "$domcompat" hook --config "$conf" "$@" >"$work/stdout" 2>"$work/stderr"
    status=$?
    writer=$(cat "$work/writer")
}

expect_read_all() {
    [ "$writer" = all ] || problem "the writer of standard input met a closed pipe: the hook stopped reading"
}

case_begin every-other-operation-reads-standard-input-past-32-mib
config 'to = libvirt-9.0.0'
feed $((40 * 1024 * 1024)) "$legacy_q35/input.xml" q35-typical start begin -
expect_status 0
expect_stdout -
expect_stderr ""
expect_read_all
case_end

case_begin migrate-begin-larger-than-the-limit-refused-after-reading-it-all
config 'to = libvirt-9.0.0'
feed $((40 * 1024 * 1024)) "$legacy_q35/input.xml" q35-typical migrate begin -
expect_status 3
expect_stdout -
expect_stderr "q35-typical (migrate begin): the document's size (41943040 bytes) exceeds the limit of 33554432 bytes; expected a domain of ordinary size (raise the limit with --max-size)"
expect_read_all
case_end

case_begin migrate-begin-larger-than-the-read-cap-refused-after-reading-it-all
config 'to = libvirt-9.0.0'
feed $((130 * 1024 * 1024)) "$legacy_q35/input.xml" q35-typical migrate begin -
expect_status 3
expect_stdout -
expect_stderr "q35-typical (migrate begin): the document is larger than 128 MiB, 4 times the --max-size limit of 32 MiB: what domcompat's conversions write in PCI controllers does not count against the limit, but no document within it is that large; expected a domain of ordinary size (raise the limit with --max-size)"
expect_read_all
case_end

case_begin configuration-error-reads-standard-input-all-the-same
config 'to = libvirt-nine'
feed $((1024 * 1024)) "$legacy_q35/input.xml" q35-typical restore begin -
expect_status 2
expect_stdout -
expect_read_all
case_end

# --- what comes from the document stays on one line of plain text ---------------

# A value with a newline, a carriage return, a C1 control (the 8-bit CSI)
# and a right-to-left override, echoed in an error (an unknown kind, and a
# <target hotplug> value that is neither on nor off): each escaped, libvirt's
# log gets one line that reads as it is.
case_begin messages-escape-control-and-bidirectional-characters
# expect_one_plain_line: stderr is one line, with no control or bidirectional character.
expect_one_plain_line() {
    [ "$(wc -l <"$work/stderr")" = 1 ] || problem "the message is not one line" cat -A "$work/stderr"
    if LC_ALL=C grep -q -P '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]' "$work/stderr"; then
        problem "a control or bidirectional character came through" cat -A "$work/stderr"
    fi
}
config 'to = libvirt-9.0.0'
sed "s|<controller type='pci' index='1' model='pcie-root-port'>|<controller type='pci' index='1' model='pcie\&#10;root\&#13;port\&#155;31m\&#x202e;trop'>|" \
    "$legacy_q35/input.xml" >"$work/hostile-model.xml"
run "$work/hostile-model.xml" db01 migrate begin -
expect_status 3
expect_stdout -
expect_stderr_match "^db01 \(migrate begin\):[0-9]+:[0-9]+: unknown PCI controller kind model='pcie\\\\nroot\\\\rport\\\\u009b31m\\\\u202etrop'; expected one of: "
expect_one_plain_line
config 'to = libvirt-6.2.0' 'allow-loss = yes'
sed "0,/hotplug='off'/s//hotplug='o\&#x202e;ff\&#10;x'/" "$hotplug/input.xml" >"$work/hostile-hotplug.xml"
run "$work/hostile-hotplug.xml" db01 restore begin -
expect_status 3
expect_stdout -
expect_stderr_match "^db01 \(restore begin\):29:7: <target hotplug='o\\\\u202eff\\\\nx'> on PCI controller index 1 \(pcie-root-port\): expected on or off$"
expect_one_plain_line
case_end

# --- every other operation: exit 0, nothing written, configuration unread --------

for op in 'prepare begin -' 'start begin -' 'started begin -' 'stopped end -' \
    'release end shutdown' 'reconnect begin -' 'attach begin -' 'migrate end -' 'restore end -'; do
    read -r -a words <<<"$op"
    case_begin "${words[0]}-${words[1]}-exits-0-and-writes-nothing"
    config 'to = libvirt-9.0.0'
    run "$legacy_q35/input.xml" q35-typical "${words[@]}"
    expect_status 0
    expect_stdout -
    expect_stderr ""
    expect_unread none
    case_end
done

for op in 'reconnect begin -' 'prepare begin -'; do
    read -r -a words <<<"$op"
    case_begin "${words[0]}-${words[1]}-exits-0-with-a-missing-configuration"
    run_command "$legacy_q35/input.xml" "$domcompat" hook --config "$work/missing.conf" q35-typical "${words[@]}"
    expect_status 0
    expect_stdout -
    expect_stderr ""
    case_end
done

# --- configuration errors: exit 2, FILE:LINE, standard input read all the same ----

# config_case NAME EXPECTED-STDERR LINE...: a configuration that is refused.
config_case() {
    local case_name=$1 want=$2
    shift 2
    case_begin "config-$case_name"
    config "$@"
    run "$legacy_q35/input.xml" q35-typical migrate begin -
    expect_status 2
    expect_stdout -
    expect_stderr "$want"
    expect_unread none
    case_end
}

config_case unknown-key-line-counts-comments-and-blanks \
    "$conf:4: unknown key 'peer'; expected to, from, assume, allow-loss, source-caps, target-caps or force" \
    '# domcompat hook' '' 'to = libvirt-9.0.0   # this host' 'peer = libvirt-9.0.0'
config_case malformed-version \
    "$conf:1: to is 'libvirt-9.0.0.1'; expected libvirt-X.Y.Z, host, legacy or explicit (for example to = host)" \
    'to = libvirt-9.0.0.1'
config_case to-twice \
    "$conf:2: 'to' again (first on line 1); expected it once" \
    'to = legacy' 'to = libvirt-9.0.0'
config_case no-to \
    "$conf: no 'to' line; expected one naming the peer, such as 'to = host'" \
    '# only a comment' 'from = legacy'
config_case no-equals-sign \
    "$conf:1: found 'to libvirt-9.0.0'; expected key = value, the key one of to, from, assume, allow-loss, source-caps, target-caps or force" \
    'to libvirt-9.0.0'
config_case to-explicit-without-force \
    "$conf:2: to = explicit: libvirt reads what the hook writes, and no released libvirt reads the explicit form; expected to = host (or the libvirt-X.Y.Z this host runs), or force = yes for a libvirt that reads it" \
    '# a reader of the explicit form' 'to = explicit'
config_case force-not-yes-or-no \
    "$conf:2: force is 'always'; expected yes or no" \
    'to = explicit' 'force = always'
config_case source-caps-without-from \
    "$conf:2: source-caps says which devices the source host's QEMU had, which decides only what a libvirt version chose by it; expected a 'from' line naming that version (from = libvirt-X.Y.Z)" \
    'to = host' "source-caps = $caps/qemu-2.8.xml"
config_case source-caps-twice \
    "$conf:3: 'source-caps' again (first on line 2); expected it once" \
    'to = host' "source-caps = $caps/qemu-2.8.xml" "source-caps = $caps/qemu-2.8.xml" 'from = host'
config_case target-caps-no-value \
    "$conf:2: 'target-caps' has no value; expected auto or a QEMU capabilities FILE" \
    'to = host' 'target-caps ='
config_case target-caps-not-capabilities \
    "$conf:1:1: target-caps ($conf:2): found 'to = host'; expected libvirt's QEMU capabilities cache (a file of /var/cache/libvirt/qemu/capabilities, root <qemuCaps>) or the output of qemu-system-ARCH -device help" \
    'to = host' "target-caps = $conf"
config_case empty-value \
    "$conf:1: 'to' has no value; expected libvirt-X.Y.Z, host, legacy or explicit" \
    'to ='
config_case allow-loss-not-yes-or-no \
    "$conf:2: allow-loss is 'maybe'; expected yes or no" \
    'to = libvirt-6.2.0' 'allow-loss = maybe'
config_case unicode-hyphen-in-value \
    "$conf:1: found the byte 0xe2; expected key = value in plain ASCII (a '#' starts a comment)" \
    'to = libvirt‐9.0.0'
config_case from-explicit \
    "$conf:2: from is 'explicit'; expected legacy, libvirt-X.Y.Z or host" \
    'to = libvirt-9.0.0' 'from = explicit'
config_case assume-implementation-not-of-kind \
    "$conf:2: assumption 'pcie-root-port=pxb-pcie': pxb-pcie is not an implementation of pcie-root-port; expected one of: ioh3420, pcie-root-port" \
    'to = libvirt-9.0.0' 'assume = pcie-root-port=pxb-pcie'
config_case assume-contradicting \
    "$conf:3: assumption 'pcie-root-port=ioh3420' contradicts the earlier pcie-root-port=pcie-root-port" \
    'to = libvirt-9.0.0' 'assume = pcie-root-port=pcie-root-port' 'assume = pcie-root-port=ioh3420'

case_begin config-empty-file
: >"$conf"
run "$legacy_q35/input.xml" q35-typical restore begin -
expect_status 2
expect_stdout -
expect_stderr "$conf: no 'to' line; expected one naming the peer, such as 'to = host'"
expect_unread none
case_end

case_begin config-missing-file
run_command "$legacy_q35/input.xml" "$domcompat" hook --config "$work/missing.conf" q35-typical migrate begin -
expect_status 2
expect_stdout -
expect_stderr "domcompat hook: $work/missing.conf: No such file or directory; expected the hook's configuration, with a line such as 'to = host'"
expect_unread none
case_end

case_begin config-is-a-directory
mkdir -p "$work/conf.d"
run_command "$legacy_q35/input.xml" "$domcompat" hook --config "$work/conf.d" q35-typical migrate begin -
expect_status 2
expect_stdout -
expect_stderr "domcompat hook: $work/conf.d: not a regular file; expected the hook's configuration, with a line such as 'to = host'"
expect_unread none
case_end

# The default configuration is the one --help names; it cannot be written
# here, so its absence is what is checked.
case_begin config-default-path
run_command "$work/empty.xml" "$domcompat" hook --help
default_conf=$(sed -n 's/.*(default \(.*\)):$/\1/p' "$work/stdout")
case $default_conf in
/*/domcompat/hook.conf)
    if [ -e "$default_conf" ]; then
        skip "$case_name" "$default_conf exists on this machine"
    else
        run_command "$legacy_q35/input.xml" "$domcompat" hook q35-typical migrate begin -
        expect_status 2
        expect_stderr "domcompat hook: $default_conf: No such file or directory; expected the hook's configuration, with a line such as 'to = host'"
        case_end
    fi
    ;;
*)
    problem "--help names no default configuration ending in /domcompat/hook.conf: '$default_conf'"
    case_end
    ;;
esac

# --- usage -------------------------------------------------------------------------

usage_line='usage: domcompat hook [--config FILE] [--caps-cache DIR] GUEST OPERATION SUB-OPERATION [EXTRA...]'

case_begin usage-unknown-option
config 'to = libvirt-9.0.0'
run "$legacy_q35/input.xml" --bogus q35 migrate begin -
expect_status 2
expect_stdout -
expect_stderr "domcompat hook: unknown option '--bogus' (before GUEST, use -- if its name starts with '-')
$usage_line"
expect_unread none
case_end

# The hook changes a guest's hardware only as its configuration file says: no option does.
case_begin usage-replace-is-not-an-option
config 'to = libvirt-3.1.0'
run "$f/downgrade-replace-generic-root-port-for-libvirt-3.1.0/input.xml" --replace pcie-root-port=ioh3420 db01 migrate begin -
expect_status 2
expect_stdout -
expect_stderr "domcompat hook: unknown option '--replace' (before GUEST, use -- if its name starts with '-')
$usage_line"
expect_unread none
case_end

case_begin usage-guest-starting-with-dash-needs-double-dash
config 'to = libvirt-9.0.0'
run "$legacy_q35/input.xml" -db migrate begin -
expect_status 2
expect_stderr_match "^domcompat hook: unknown option '-db'"
case_end

case_begin usage-too-few-arguments
run_command "$legacy_q35/input.xml" "$domcompat" hook q35 migrate
expect_status 2
expect_stdout -
expect_stderr "domcompat hook: expected GUEST OPERATION SUB-OPERATION, as libvirt passes them
$usage_line"
case_end

case_begin usage-config-without-file
run_command "$legacy_q35/input.xml" "$domcompat" hook --config
expect_status 2
expect_stderr "domcompat hook: --config needs a FILE
$usage_line"
case_end

case_begin usage-help
run_command "$work/empty.xml" "$domcompat" hook --help
expect_status 0
expect_stderr ""
if [ "$(head -n 1 "$work/stdout")" != "$usage_line" ]; then
    problem "--help does not start with the usage line" head -n 3 "$work/stdout"
fi
case_end

case_begin usage-listed-in-the-tool-usage
run_command "$work/empty.xml" "$domcompat" --help
expect_status 0
if ! grep -q -x -F "       domcompat hook [--config FILE] [--caps-cache DIR] GUEST OPERATION SUB-OPERATION [EXTRA...]" "$work/stdout"; then
    problem "domcompat --help does not list hook" head -n 8 "$work/stdout"
fi
case_end

# --- the README's install lines -----------------------------------------------------

# block NAME: the fenced block after <!-- hook-install: NAME --> in the README.
block() {
    awk -v marker="<!-- hook-install: $1 -->" '
        $0 == marker { found = 1; next }
        found && /^```/ { if (inside) exit; inside = 1; next }
        inside { print }
    ' "$readme"
}

# install_blocks ROOT NAME...: runs the README blocks NAME... with /etc/ under
# ROOT and this tool for /usr/local/bin/domcompat; refuses to run anything
# that would still touch the real /etc or /usr.
install_blocks() {
    local root=$1 b
    shift
    mkdir -p "$root"
    : >"$root.sh"
    for b in "$@"; do
        if [ -z "$(block "$b")" ]; then
            problem "README has no block after <!-- hook-install: $b -->"
            return 1
        fi
        block "$b" | sed -e "s|/usr/local/bin/domcompat|$domcompat|g" -e "s|/etc/|$root/etc/|g" >>"$root.sh"
    done
    if sed -e "s|$root/etc/||g" -e "s|$domcompat||g" "$root.sh" | grep -q -E '/(etc|usr)/'; then
        problem "the README's lines name a path outside /etc/ and /usr/local/bin/domcompat" cat "$root.sh"
        return 1
    fi
    if ! (cd "$root" && sh -e "$root.sh") >"$work/install.out" 2>&1; then
        problem "the README's lines failed" cat "$work/install.out"
        return 1
    fi
}

# as_libvirt SCRIPT INPUT ARG...: SCRIPT run as libvirt runs a hook, with
# its environment (virCommandAddEnvPassCommon: LC_ALL, PATH, HOME, USER,
# LOGNAME) and nothing else.
as_libvirt() {
    local script=$1 input=$2
    shift 2
    run_command "$input" env -i LC_ALL=C PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root USER=root LOGNAME=root "$script" "$@"
}

# check_installed SCRIPT [OTHERS]: SCRIPT is executable and behaves as the
# hook; OTHERS "theirs": another script handles the other operations.
check_installed() {
    local script=$1 others=${2:-}

    if [ ! -x "$script" ] || [ "$(stat -c %a "$script")" != 755 ]; then
        problem "$script is not mode 755"
        return
    fi
    case_step="migrate begin"
    as_libvirt "$script" "$single" q35-typical migrate begin -
    expect_status 0
    expect_stdout "$work/single-implementation.expected"
    expect_stderr ""
    case_step="restore begin, unchanged"
    as_libvirt "$script" "$f/peer-libvirt-9.0.0-libvirt-form-input-unchanged/input.xml" q35 restore begin -
    expect_status 0
    expect_stdout -
    case_step="started begin"
    as_libvirt "$script" "$legacy_q35/input.xml" q35-typical started begin -
    expect_status 0
    expect_stdout -
    [ "$others" = theirs ] || expect_unread none
    case_step="guest -db"
    as_libvirt "$script" "$truncated" -db migrate begin -
    expect_status 3
    expect_stderr "-db (migrate begin):1:20: not well-formed XML: expected '>'"
    case_step=
}

case_begin readme-install-qemu
root=$work/root-qemu
if install_blocks "$root" config qemu; then
    if ! grep -q -x 'to = host' "$root/etc/domcompat/hook.conf"; then
        problem "the README's configuration is not the one these checks assume (to = host, this machine's libvirt, which reads the fixtures' libvirt-9.0.0 documents alike)"
    fi
    check_installed "$root/etc/libvirt/hooks/qemu"
fi
case_end

case_begin readme-install-qemu.d
root=$work/root-qemu.d
if install_blocks "$root" config qemu.d; then
    if [ -e "$root/etc/libvirt/hooks/qemu" ]; then
        problem "the qemu.d lines created /etc/libvirt/hooks/qemu"
    fi
    check_installed "$root/etc/libvirt/hooks/qemu.d/domcompat"
fi
case_end

# An existing shell hook with the merge lines at its top: domcompat takes the
# two operations, the existing script keeps every other.
case_begin readme-install-merge
root=$work/root-merge
if install_blocks "$root" config; then
    { echo '#!/bin/sh'
      block merge | sed -e "s|/usr/local/bin/domcompat|$domcompat|g" -e "s|/etc/|$root/etc/|g"
      echo "echo \"\$1 \$2 \$3\" >>'$root/existing.log'"
      echo 'exit 0'; } >"$root/qemu"
    chmod 755 "$root/qemu"
    check_installed "$root/qemu" theirs
    if [ "$(cat "$root/existing.log" 2>/dev/null)" != "q35-typical started begin" ]; then
        problem "the existing script did not get exactly the one other operation" cat "$root/existing.log"
    fi
fi
case_end

summary="hook: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
