#!/bin/bash
# A batch run over a real libvirt configuration directory: what
# /etc/libvirt/qemu holds besides domains, and how a run over it talks.
#
#   tests/run-config-dir.sh build/domcompat
#
# Each case builds, in a fresh temporary directory, a tree laid out as
# libvirt lays out /etc/libvirt/qemu: domain files (a legacy q35 guest that
# upgrades and that a downgrade for libvirt 3.1.0 refuses, an explicit pc
# guest that it converts, an explicit guest with a generic root port that it
# refuses), autostart/ with symbolic
# links to some of them, networks/ with libvirt's default network
# (<network>, not a domain), and in some cases one domain broken by a bad
# edit.  The cases:
#
#   - found by walking, a document that is not a domain is skipped and
#     counted, with exit status 0; named on the command line it is invalid
#     input (3), and walked it is still an error when its root is <domain>
#     (in a namespace too: <x:domain>);
#   - --exclude PATTERN (repeatable, matched against the path below the
#     directory argument) leaves files and whole directories out;
#   - the links of autostart/ and the networks are only counted, unless -v
#     lists each; -q and -v exclude each other;
#   - one line per problem, its hint on it, and one line ending each
#     refused document;
#   - --dry-run's results on standard output, the summary on standard error;
#   - --output FILE: the document written whole (the same bytes as on
#     standard output), an existing FILE replaced atomically (a new inode,
#     no temporary file left), nothing created or touched when refused;
#   - a standard output that goes away (a pager that quits) ends the run
#     quietly, killed by SIGPIPE as the standard tools are: nothing on
#     standard error, status 141 in the shell.
#
# Prints "FAIL NAME: what" per failure and last "config-dir: N passed, M
# failed"; exits 1 if any case failed, 2 if it cannot run at all.
set -u

# shellcheck source=tests/runner-lib.sh
. "$(dirname "$0")/runner-lib.sh"
runner_setup "$@"
limit=${CONFIG_DIR_TIMEOUT:-60}

for tool in timeout cmp stat diff grep; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is needed (packages coreutils, diffutils, grep)" >&2
        exit 2
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-config-dir.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
out=$work/stdout
err=$work/stderr
f=$fixtures

# run ARG...: domcompat ARG... from $work, under a time limit; output in
# $out and $err, status in $status.
run() {
    (cd "$work" && timeout -k 2 "$limit" "$domcompat" "$@" >"$out" 2>"$err" </dev/null)
    status=$?
}

expect_status() {
    if [ "$status" != "$1" ]; then
        problem "exit status $status, expected $1" cat "$err"
    fi
}

# expect_file_lines FILE TEXT: FILE is exactly TEXT (lines) and a newline.
expect_file_lines() {
    printf '%s\n' "$2" >"$work/expected"
    if ! cmp -s "$work/expected" "$1"; then
        problem "$(basename "$1") differs from what was expected" \
            diff -u --label expected --label actual "$work/expected" "$1"
    fi
}

expect_empty() {
    if [ -s "$1" ]; then
        problem "$(basename "$1") should be empty" cat "$1"
    fi
}

# The tree libvirt's QEMU driver keeps, with a network and autostart links.
make_tree() {
    local d=$work/qemu
    rm -rf "$d" "$work/out" "$work"/dest.xml "$work"/.dest.xml.*
    mkdir -p "$d/autostart" "$d/networks/autostart"
    cp "$f/upgrade-q35-typical-guest/input.xml" "$d/db01.xml"
    cp "$f/peer-libvirt-1.2.18-keeps-pci-bridge-chassisNr-equal-to-index/input.xml" "$d/db02.xml"
    cp "$f/peer-libvirt-3.1.0-refuses-generic-pcie-root-port/input.xml" "$d/web01.xml"
    ln -s ../db01.xml "$d/autostart/db01.xml"
    ln -s ../web01.xml "$d/autostart/web01.xml"
    cat >"$d/networks/default.xml" <<'EOF'
<!--
WARNING: THIS IS AN AUTO-GENERATED FILE. CHANGES TO IT ARE LIKELY TO BE
OVERWRITTEN AND LOST. Changes to this xml configuration should be made using:
  virsh net-edit default
or other application using the libvirt API.
-->

<network>
  <name>default</name>
  <uuid>6d4c9b4f-8a83-4a2d-a1b5-2f1e10cf2d8e</uuid>
  <forward mode='nat'/>
  <bridge name='virbr0' stp='on' delay='0'/>
  <ip address='192.168.122.1' netmask='255.255.255.0'>
    <dhcp>
      <range start='192.168.122.2' end='192.168.122.254'/>
    </dhcp>
  </ip>
</network>
EOF
    ln -s ../default.xml "$d/networks/autostart/default.xml"
}

# --- what a walk meets besides domains ------------------------------------------

case_begin walk-skips-the-network-and-counts-it
make_tree
run upgrade -r -n qemu
expect_status 0
expect_file_lines "$err" "domcompat: 7 documents: 1 changed, 2 unchanged, 0 refused, 0 invalid, 4 skipped (dry run: nothing written)"
case_end

case_begin walk-still-reports-a-broken-domain
make_tree
printf '<domain type="kvm">\n  <name>broken</name>\n  <devices>\n</domain>\n' >"$work/qemu/broken.xml"
run upgrade -r -n qemu
expect_status 3
if ! grep -q '^qemu/broken.xml:4:10: not well-formed XML' "$err"; then
    problem "no error for the broken domain" cat "$err"
fi
if grep -q 'networks' "$err"; then
    problem "the network is reported" cat "$err"
fi
case_end

case_begin walk-still-reports-a-domain-in-a-namespace
make_tree
sed -e "s|^<domain |<x:domain xmlns:x='http://libvirt.org/schemas/domain' |" -e 's|^</domain>|</x:domain>|' \
    "$work/qemu/db02.xml" >"$work/qemu/prefixed.xml"
run upgrade -r -n qemu
expect_status 3
if ! grep -q '^qemu/prefixed.xml:[0-9]*:1: the root element is <x:domain> in a namespace' "$err"; then
    problem "no error for the domain in a namespace" cat "$err"
fi
case_end

case_begin a-network-named-on-the-command-line-is-invalid-input
make_tree
run upgrade qemu/networks/default.xml
expect_status 3
expect_file_lines "$err" "qemu/networks/default.xml:8:1: the root element is <network>; expected <domain> in no namespace"
case_end

case_begin verbose-lists-each-skipped-document
make_tree
run upgrade -r -n -v qemu
expect_status 0
expect_file_lines "$err" "qemu/autostart/db01.xml: skipped: a symbolic link met while walking a directory; name it to convert the file it points to
qemu/autostart/web01.xml: skipped: a symbolic link met while walking a directory; name it to convert the file it points to
qemu/networks/autostart/default.xml: skipped: a symbolic link met while walking a directory; name it to convert the file it points to
qemu/networks/default.xml: skipped: not a domain but a <network>
domcompat: 7 documents: 1 changed, 2 unchanged, 0 refused, 0 invalid, 4 skipped (dry run: nothing written)"
case_end

case_begin quiet-and-verbose-exclude-each-other
make_tree
run upgrade -r -n -q -v qemu
expect_status 2
case_end

case_begin exclude-leaves-out-directories-and-files
make_tree
run upgrade -r -n --exclude networks --exclude 'autostart/*.xml' qemu
expect_status 0
expect_file_lines "$err" "domcompat: 3 documents: 1 changed, 2 unchanged, 0 refused, 0 invalid (dry run: nothing written)"
case_end

case_begin exclude-matches-below-the-directory-argument-only
make_tree
run upgrade -r -n --exclude 'qemu/*' --exclude '*.xml' qemu
expect_status 0
expect_file_lines "$err" "domcompat: 4 documents: 0 changed, 0 unchanged, 0 refused, 0 invalid, 4 skipped (dry run: nothing written)"
case_end

case_begin exclude-needs-recursive
make_tree
run upgrade -n --exclude networks qemu/db01.xml
expect_status 2
expect_file_lines "$err" "domcompat: --exclude applies to the files --recursive finds; add -r
Try 'domcompat --help' for more information."
case_end

# --- how a run talks -------------------------------------------------------------

case_begin one-line-per-problem-and-one-ending-each-document
make_tree
run downgrade --to libvirt-3.1.0 -r -o out --exclude networks qemu
expect_status 1
expect_file_lines "$err" "qemu/db01.xml:54:5: cannot convert PCI controller index 6 (pcie-to-pci-bridge implemented by pcie-pci-bridge) to libvirt 3.1.0: libvirt 3.1.0 does not know PCI controller kind pcie-to-pci-bridge (first in libvirt 4.3.0); to convert it: the guest needs a peer running libvirt 4.3.0 or later
qemu/db01.xml: refused for libvirt 3.1.0: 1 problem; nothing written
qemu/db02.xml: converted 2 PCI controllers into out/db02.xml
qemu/web01.xml:32:5: cannot convert PCI controller index 2 (pcie-root-port implemented by pcie-root-port) to libvirt 3.1.0: libvirt 3.1.0 does not know <model name='pcie-root-port'/> (first in libvirt 3.2.0); to convert it: the guest needs a peer running libvirt 3.2.0 or later
qemu/web01.xml: refused for libvirt 3.1.0: 1 problem; nothing written
domcompat: 5 documents: 1 changed, 0 unchanged, 2 refused, 0 invalid, 2 skipped"
expect_empty "$out"
case_end

case_begin dry-run-results-on-standard-output
make_tree
run upgrade -r -n --exclude networks qemu
expect_status 0
expect_file_lines "$out" "qemu/db01.xml: would convert 7 PCI controllers"
expect_file_lines "$err" "domcompat: 5 documents: 1 changed, 2 unchanged, 0 refused, 0 invalid, 2 skipped (dry run: nothing written)"
case_end

# --- --output FILE ---------------------------------------------------------------

case_begin output-writes-the-document-whole
make_tree
run downgrade --to libvirt-9.0.0 qemu/db02.xml
cp "$out" "$work/expected.xml"
run downgrade --to libvirt-9.0.0 --output dest.xml qemu/db02.xml
expect_status 0
expect_empty "$out"
expect_empty "$err"
if ! cmp -s "$work/expected.xml" "$work/dest.xml"; then
    problem "dest.xml is not what standard output holds" diff "$work/expected.xml" "$work/dest.xml"
fi
case_end

case_begin output-replaces-an-existing-file-atomically
make_tree
printf 'old\n' >"$work/dest.xml"
before=$(stat -c %i "$work/dest.xml")
run downgrade --to libvirt-9.0.0 --output dest.xml qemu/db02.xml
expect_status 0
if [ "$(stat -c %i "$work/dest.xml")" = "$before" ]; then
    problem "dest.xml was rewritten in place, not replaced by a rename"
fi
if ! grep -q "<model name='pci-bridge'/>" "$work/dest.xml"; then
    problem "dest.xml does not hold the converted document" head -n 3 "$work/dest.xml"
fi
leftovers=$(find "$work" -maxdepth 1 -name '.dest.xml.*')
if [ -n "$leftovers" ]; then
    problem "temporary files left: $leftovers"
fi
case_end

case_begin output-is-not-created-when-refused
make_tree
run downgrade --to libvirt-3.1.0 --output dest.xml qemu/web01.xml
expect_status 1
if [ -e "$work/dest.xml" ]; then
    problem "dest.xml was created for a refused document"
fi
expect_file_lines "$err" "qemu/web01.xml:32:5: cannot convert PCI controller index 2 (pcie-root-port implemented by pcie-root-port) to libvirt 3.1.0: libvirt 3.1.0 does not know <model name='pcie-root-port'/> (first in libvirt 3.2.0); to convert it: the guest needs a peer running libvirt 3.2.0 or later
qemu/web01.xml: refused for libvirt 3.1.0: 1 problem; nothing written"
case_end

case_begin output-is-left-as-it-was-when-refused
make_tree
printf 'kept\n' >"$work/dest.xml"
touch -d '2001-01-01' "$work/dest.xml"
before=$(stat -c '%i %Y %s' "$work/dest.xml")
run downgrade --to libvirt-3.1.0 --output dest.xml qemu/web01.xml
expect_status 1
if [ "$(stat -c '%i %Y %s' "$work/dest.xml")" != "$before" ]; then
    problem "dest.xml changed for a refused document"
fi
case_end

case_begin output-with-dry-run-writes-nothing-and-says-what-would
make_tree
run upgrade -n --output dest.xml qemu/db01.xml
expect_status 0
if [ -e "$work/dest.xml" ]; then
    problem "dest.xml was created by a dry run"
fi
expect_file_lines "$out" "qemu/db01.xml: would convert 7 PCI controllers"
case_end

case_begin output-takes-one-document
make_tree
run downgrade --output dest.xml qemu/db01.xml qemu/db02.xml
expect_status 2
run downgrade -r --output dest.xml qemu
expect_status 2
if [ -e "$work/dest.xml" ]; then
    problem "dest.xml was created by a usage error"
fi
case_end

case_begin output-of-standard-input-has-the-umask-mode
make_tree
(cd "$work" && umask 027 && timeout -k 2 "$limit" "$domcompat" downgrade --to libvirt-9.0.0 \
    --output dest.xml <qemu/db02.xml >"$out" 2>"$err")
status=$?
expect_status 0
if [ "$(stat -c %a "$work/dest.xml")" != 640 ]; then
    problem "dest.xml has mode $(stat -c %a "$work/dest.xml"), expected 640"
fi
case_end

# --- a reader that goes away -----------------------------------------------------

# closed_stdout ARG...: domcompat ARG... writing into a pipe whose reader is
# already gone; its status in $status, its standard error in $err.
closed_stdout() {
    (
        cd "$work" || exit 2
        { sleep 0.3; exec timeout -k 2 "$limit" "$domcompat" "$@" 2>"$err"; } | true
        echo "${PIPESTATUS[0]}" >"$work/status"
    )
    status=$(cat "$work/status")
}

for args in "upgrade -r --diff qemu" "upgrade -r -n qemu" "upgrade -r -n --format json qemu" \
            "upgrade qemu/db01.xml" "check --to libvirt-3.1.0 -r qemu"; do
    # shellcheck disable=SC2086
    case_begin "closed-stdout-ends-quietly: ${args}"
    make_tree
    for i in 1 2 3 4 5 6 7 8; do cp "$work/qemu/db01.xml" "$work/qemu/copy$i.xml"; done
    # shellcheck disable=SC2086
    closed_stdout $args
    expect_status 141
    expect_empty "$err"
    case_end
done

echo "config-dir: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
