#!/bin/bash
# libvirt's own files are never rewritten in the explicit form, which no
# released libvirt reads: a file carrying libvirt's AUTO-GENERATED header,
# or lying under a directory libvirt keeps definitions in, is refused by
# upgrade --in-place unless --force, with a message naming the --to that
# writes what libvirt reads; other outputs are not affected.
#
#   tests/run-libvirt-files.sh build/domcompat
#
# The system directories (/etc/libvirt, /run/libvirt, /var/lib/libvirt) are
# checked with a real libvirt in make check-host; here the per-user ones
# ($XDG_CONFIG_HOME/libvirt, else ~/.config/libvirt, and
# $XDG_RUNTIME_DIR/libvirt) stand in, under a scratch HOME.
#
# Prints one line per failure and, last, "libvirt files: N passed, M
# failed"; exits 1 if any case failed, 2 if it cannot run at all.
set -u

. "$(dirname "$0")/runner-lib.sh"
runner_setup "$@"
example=$(cd "$(dirname "$0")/.." && pwd)/examples/q35-guest.xml

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-libvirt-files.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
home=$work/home
mkdir -p "$home"

# The example carries libvirt's header; the same document without it (its
# first six lines, the comment and a blank line).
with_header=$work/with-header.xml
without_header=$work/without-header.xml
cp "$example" "$with_header"
sed 1,6d "$example" >"$without_header"
if ! head -n 3 "$with_header" | grep -q 'AUTO-GENERATED FILE' ||
    grep -q 'AUTO-GENERATED FILE' "$without_header"; then
    echo "$0: $example no longer starts with libvirt's header" >&2
    exit 2
fi
libvirt=$(virsh --version 2>/dev/null)
if [ -n "$libvirt" ]; then
    to="--to host (libvirt-$libvirt here)"
else
    to="--to libvirt-X.Y.Z, the version of the libvirt that reads it,"
fi

# run ARG...: domcompat with a scratch HOME and no XDG directories; sets
# status, and out and err files.
run() {
    env -u XDG_CONFIG_HOME -u XDG_RUNTIME_DIR HOME="$home" "$domcompat" "$@" \
        >"$work/out" 2>"$work/err"
    status=$?
}

expect_status() {
    [ "$status" = "$1" ] || problem "exit status $status, expected $1" cat "$work/err"
}

expect_err() {
    printf '%s\n' "$@" >"$work/want"
    cmp -s "$work/want" "$work/err" ||
        problem "stderr differs" diff -u --label expected --label actual "$work/want" "$work/err"
}

# The refusal of FILE, shown as SHOWN, and why it is libvirt's.
refusal() {
    echo "domcompat: $1: not ${3:-written}: it is libvirt's own file (it $2), and no released libvirt reads the explicit form: libvirt would drop the domain; $to writes what libvirt reads, --force the explicit form anyway"
}

# place FILE DIR: a copy of FILE in DIR, as NAME.xml; its path on stdout.
place() {
    mkdir -p "$2"
    cp "$1" "$2/guest.xml"
    stat -c '%i %Y %s' "$2/guest.xml" >"$2/.stat"
    echo "$2/guest.xml"
}

# untouched FILE ORIGINAL: same bytes and the same inode and times.
expect_untouched() {
    cmp -s "$1" "$2" || problem "$1 was changed"
    [ "$(stat -c '%i %Y %s' "$1")" = "$(cat "$(dirname "$1")/.stat")" ] ||
        problem "$1 was replaced"
}

expect_form() {
    "$domcompat" validate "$1" 2>&1 | grep -q "valid, $2 form" ||
        problem "$1 is not in the $2 form" "$domcompat" validate "$1"
}

case_begin header-refused-in-place
file=$(place "$with_header" "$work/c1")
run upgrade -i "$file"
expect_status 4
expect_err "$(refusal "$file" "carries libvirt's AUTO-GENERATED header")" \
    "domcompat: 1 document: 0 changed, 0 unchanged, 0 refused, 0 invalid, 1 failed"
expect_untouched "$file" "$with_header"
case_end

case_begin header-refused-by-dry-run-in-place
file=$(place "$with_header" "$work/c2")
run upgrade -i.orig -n "$file"
expect_status 4
expect_err "$(refusal "$file" "carries libvirt's AUTO-GENERATED header" rewritable)" \
    "domcompat: 1 document: 0 changed, 0 unchanged, 0 refused, 0 invalid, 1 failed (dry run: nothing written)"
expect_untouched "$file" "$with_header"
[ ! -e "$file.orig" ] || problem "a backup was made"
case_end

case_begin header-forced-in-place
file=$(place "$with_header" "$work/c3")
run upgrade --force -i "$file"
expect_status 0
expect_form "$file" explicit
case_end

case_begin header-to-host-in-place-writes-the-libvirt-form
file=$(place "$with_header" "$work/c4")
run upgrade --to host -i.orig "$file"
expect_status 0
expect_form "$file" libvirt
cmp -s "$file.orig" "$with_header" || problem "the backup is not the original"
case_end

case_begin header-downgrade-in-place-is-not-refused
file=$(place "$work/c3/guest.xml" "$work/c5")
run downgrade --to legacy -i "$file"
expect_status 0
expect_form "$file" legacy
case_end

case_begin header-other-outputs-not-affected
file=$(place "$with_header" "$work/c6")
run upgrade -o "$work/c6-out" "$file"
expect_status 0
expect_form "$work/c6-out/guest.xml" explicit
run upgrade "$file"
expect_status 0
cmp -s "$work/out" "$work/c6-out/guest.xml" || problem "standard output differs from the -o copy"
expect_untouched "$file" "$with_header"
case_end

case_begin header-only-before-the-root-counts
file=$(place "$without_header" "$work/c7")
sed -i "s|<name>web01</name>|<name>web01</name><!-- not an AUTO-GENERATED FILE header -->|" "$file"
run upgrade -i "$file"
expect_status 0
expect_form "$file" explicit
case_end

case_begin plain-file-converted-in-place
file=$(place "$without_header" "$work/c8")
run upgrade -i "$file"
expect_status 0
expect_form "$file" explicit
case_end

case_begin user-config-directory-refused
file=$(place "$without_header" "$home/.config/libvirt/qemu")
run upgrade -r -i "$home/.config/libvirt/qemu"
expect_status 4
expect_err "$(refusal "$file" "is under $home/.config/libvirt")" \
    "domcompat: 1 document: 0 changed, 0 unchanged, 0 refused, 0 invalid, 1 failed"
expect_untouched "$file" "$without_header"
case_end

case_begin xdg-config-home-directory-refused
file=$(place "$without_header" "$work/xdg/libvirt/qemu")
env XDG_CONFIG_HOME="$work/xdg" HOME="$home" "$domcompat" upgrade -i "$file" >"$work/out" 2>"$work/err"
status=$?
expect_status 4
expect_err "$(refusal "$file" "is under $work/xdg/libvirt")" \
    "domcompat: 1 document: 0 changed, 0 unchanged, 0 refused, 0 invalid, 1 failed"
case_end

case_begin xdg-runtime-directory-refused-through-a-link
file=$(place "$without_header" "$work/runtime/libvirt/qemu")
ln -s "$work/runtime/libvirt/qemu" "$work/link-to-runtime"
env XDG_RUNTIME_DIR="$work/runtime" HOME="$home" "$domcompat" upgrade -i "$work/link-to-runtime/guest.xml" \
    >"$work/out" 2>"$work/err"
status=$?
expect_status 4
expect_err "$(refusal "$work/link-to-runtime/guest.xml" "is under $work/runtime/libvirt")" \
    "domcompat: 1 document: 0 changed, 0 unchanged, 0 refused, 0 invalid, 1 failed"
expect_untouched "$file" "$without_header"
case_end

case_begin directory-of-both-kinds-converts-the-others
mkdir -p "$work/c9"
cp "$with_header" "$work/c9/a.xml"
cp "$without_header" "$work/c9/b.xml"
run upgrade -r -i "$work/c9"
expect_status 4
expect_err "$(refusal "$work/c9/a.xml" "carries libvirt's AUTO-GENERATED header")" \
    "$work/c9/b.xml: converted 6 PCI controllers" \
    "domcompat: 2 documents: 1 changed, 0 unchanged, 0 refused, 0 invalid, 1 failed"
cmp -s "$work/c9/a.xml" "$with_header" || problem "a.xml was changed"
expect_form "$work/c9/b.xml" explicit
case_end

case_begin json-reports-the-refusal
file=$(place "$with_header" "$work/c10")
run upgrade -i --format json "$file"
expect_status 4
grep -q '"outcome": "failed", "exit": 4, "written": false' "$work/out" ||
    problem "the JSON report does not show a failed document" head -c 400 "$work/out"
grep -q "is libvirt's own file (it carries libvirt's AUTO-GENERATED header)" "$work/out" ||
    problem "the JSON report does not say why" head -c 400 "$work/out"
case_end

echo "libvirt files: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
