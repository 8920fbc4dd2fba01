#!/bin/bash
# Throws hostile and malformed inputs at a domcompat binary: the table of
# hostile inputs (one document read at a time, and the file-system situations
# that apply to reading it).
#
#   tests/run-hostile.sh build/domcompat
#
# Three sets of cases, each run with a time limit (HOSTILE_TIMEOUT seconds,
# default 10) from inside its directory as `domcompat $(cat command) FILE`:
#
#   - the committed cases tests/fixtures/hostile-*, invalid-* and io-*, in
#     place (FILE is input.xml);
#   - generated cases, too big to commit (deep nesting, a 1 MiB and an 11 MB
#     attribute value, a 60,000-character name, 50,000 attributes, a file over
#     the size limit, gzip-compressed XML, a quadratic entity blowup), written
#     into a temporary directory before they run;
#   - file-system cases built in the temporary directory: a FIFO, /dev/zero,
#     a socket, an unreadable file (skipped as root, where it cannot fail) and
#     odd file names (spaces, a newline, non-UTF-8 bytes, "./-", "file:///x",
#     "a%20b.xml"), which must be taken literally as paths.
#
# A case directory holds `command`, `expected.status` (one status, or several
# separated by spaces when any of them is acceptable), `expected.xml` (standard
# output when the status is 0) or `expected.stdout`, and for standard error
# either `expected.stderr` (exact), or `expected.stderr-pattern` (an extended
# regular expression the message must match) with an optional
# `expected.stderr-reject` (one it must not match); none of them: stderr empty.
#
# Every case must also: finish within the time limit; write nothing on
# standard output when it fails; write a failure as exactly one line of valid
# UTF-8 on standard error; never show a line of /etc/passwd; leave its input
# byte for byte and `stat` for `stat` (inode, size, mode, mtime, ctime) as it
# was; and leave no new file in the case directory.
#
# Prints one line per failure and, last, "hostile: N passed, M failed" (with
# ", K skipped" when some could not run); exits 1 if any case failed, 2 if it
# cannot run at all.
set -u

. "$(dirname "$0")/runner-lib.sh"
runner_setup "$@"
limit=${HOSTILE_TIMEOUT:-10}

for tool in timeout cmp stat gzip mkfifo truncate iconv diff; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is needed (packages coreutils, diffutils, gzip, libc-bin)" >&2
        exit 2
    fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-hostile.XXXXXX") || exit 2
trap 'chmod -R u+rwX "$work" 2>/dev/null; rm -rf "$work"' EXIT
gen=$work/cases
mkdir "$gen" || exit 2

# A line of /etc/passwd that must never come out (several cases point at it).
secret=root:x:0:0
if [ -r /etc/passwd ] && [ -s /etc/passwd ]; then
    secret=$(head -n 1 /etc/passwd)
fi


# What must not change about a file: content (when it is a small regular
# file) and its stat fields; "absent" when there is none.
snapshot() {
    local file=$1 into=$2

    if [ ! -e "$file" ] && [ ! -L "$file" ]; then
        echo absent >"$into.stat"
        : >"$into.data"
        return
    fi
    stat -c '%d %i %s %a %u %g %Y %Z' -- "$file" >"$into.stat"
    # Regular files only: reading a FIFO would block; the file over the size
    # limit is sparse and its stat is enough.
    if [ -f "$file" ] && [ -r "$file" ] && [ "$(stat -c %s -- "$file")" -le $((64 * 1024 * 1024)) ]; then
        cat -- "$file" >"$into.data"
    else
        : >"$into.data"
    fi
}

# run_case NAME DIR [FILE]: runs one case; FILE defaults to input.xml.
run_case() {
    local name=$1 dir=$2 file=${3:-input.xml} words status statuses ok s lines

    case_begin "$name"
    if [ ! -f "$dir/command" ] || [ ! -f "$dir/expected.status" ]; then
        problem "needs the files command and expected.status"
        case_end
        return
    fi
    read -r -a words <"$dir/command"
    read -r -a statuses <"$dir/expected.status"

    snapshot "$dir/$file" "$work/before"
    ls -A "$dir" >"$work/before.list"

    (cd "$dir" && exec timeout -k 2 "$limit" "$domcompat" "${words[@]}" "$file") \
        >"$work/stdout" 2>"$work/stderr" </dev/null
    status=$?

    ok=
    for s in "${statuses[@]}"; do
        [ "$status" = "$s" ] && ok=1
    done
    if [ "$status" = 124 ] || [ "$status" = 137 ]; then
        problem "did not finish within ${limit} s (timeout)"
    elif [ -z "$ok" ]; then
        problem "exit status $status, expected ${statuses[*]}"
    elif [ "$status" -ge 128 ]; then
        problem "killed by signal $((status - 128))"
    fi

    # Standard output: the document on success, nothing on failure.
    if [ "$status" = 0 ] && [ -f "$dir/expected.xml" ]; then
        if ! cmp -s "$dir/expected.xml" "$work/stdout"; then
            problem "stdout differs from expected.xml" \
                diff -u --label expected --label actual "$dir/expected.xml" "$work/stdout"
        fi
    elif [ "$status" = 0 ] && [ -f "$dir/expected.stdout" ]; then
        if ! cmp -s "$dir/expected.stdout" "$work/stdout"; then
            problem "stdout differs from expected.stdout" \
                diff -u --label expected --label actual "$dir/expected.stdout" "$work/stdout"
        fi
    elif [ -s "$work/stdout" ]; then
        problem "stdout should be empty ($(wc -c <"$work/stdout") bytes written)"
    fi

    # Standard error.
    if [ -f "$dir/expected.stderr" ]; then
        if ! cmp -s "$dir/expected.stderr" "$work/stderr"; then
            problem "stderr differs from expected.stderr" \
                diff -u --label expected --label actual "$dir/expected.stderr" "$work/stderr"
        fi
    elif [ -f "$dir/expected.stderr-pattern" ]; then
        if ! grep -E -q -f "$dir/expected.stderr-pattern" "$work/stderr"; then
            problem "stderr does not match expected.stderr-pattern" cat "$work/stderr"
        fi
        if [ -f "$dir/expected.stderr-reject" ] && grep -E -q -f "$dir/expected.stderr-reject" "$work/stderr"; then
            problem "stderr matches expected.stderr-reject ($(cat "$dir/expected.stderr-reject"))" cat "$work/stderr"
        fi
    elif [ -s "$work/stderr" ] && [ "$status" = 0 ]; then
        problem "stderr should be empty" cat "$work/stderr"
    fi
    if [ "$status" != 0 ]; then
        lines=$(tr -cd '\n' <"$work/stderr" | wc -c)
        if [ "$lines" != 1 ] || [ "$(tail -c 1 "$work/stderr" | od -An -c | tr -d ' ')" != '\n' ]; then
            problem "stderr should be exactly one line, is $lines" cat -A "$work/stderr"
        fi
    fi
    if ! iconv -f UTF-8 -t UTF-8 <"$work/stderr" >/dev/null 2>&1; then
        problem "stderr is not valid UTF-8" cat -A "$work/stderr"
    fi
    # C0 controls but the newline, DEL, C1 controls, bidirectional controls, line separators.
    if LC_ALL=C grep -q -P '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]' \
        "$work/stderr"; then
        problem "stderr holds a control or bidirectional character, unescaped" cat -A "$work/stderr"
    fi
    if grep -F -q -- "$secret" "$work/stdout" "$work/stderr"; then
        problem "a line of /etc/passwd appears in the output"
    fi

    # The input and its directory are as they were.
    snapshot "$dir/$file" "$work/after"
    if ! cmp -s "$work/before.stat" "$work/after.stat"; then
        problem "the input's stat changed: $(cat "$work/before.stat") -> $(cat "$work/after.stat")"
    fi
    if ! cmp -s "$work/before.data" "$work/after.data"; then
        problem "the input's content changed"
    fi
    ls -A "$dir" >"$work/after.list"
    if ! cmp -s "$work/before.list" "$work/after.list"; then
        problem "files appeared or vanished in the case directory" \
            diff -u --label before --label after "$work/before.list" "$work/after.list"
    fi
    case_end
}


# --- documents ------------------------------------------------------------------

# A q35 guest in the legacy form; generated cases insert their payload after
# line 18 (<on_crash>), inside <metadata>.
cat >"$work/base.xml" <<'EOF'
<domain type='kvm'>
  <name>q35-ports</name>
  <uuid>5d7e0b3a-c2f1-4e96-a08b-6f1d3c2e9b54</uuid>
  <memory unit='KiB'>2097152</memory>
  <currentMemory unit='KiB'>2097152</currentMemory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='file' device='disk'>
      <driver name='qemu' type='qcow2'/>
      <source file='/var/lib/libvirt/images/q35-ports.qcow2'/>
      <target dev='vda' bus='virtio'/>
      <address type='pci' domain='0x0000' bus='0x01' slot='0x00' function='0x0'/>
    </disk>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <target chassis='1' port='0x10'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </controller>
    <console type='pty'>
      <target type='serial' port='0'/>
    </console>
    <memballoon model='virtio'>
      <address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/>
    </memballoon>
  </devices>
</domain>
EOF
# What `upgrade` makes of it: only the two controllers change.
upgraded() {
    sed -e "s|<controller type='pci' index='0' model='pcie-root'/>|<controller type='pci' index='0' subType='pcie-root'/>|" \
        -e "s|<controller type='pci' index='1' model='pcie-root-port'>|<controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'>|"
}
upgraded <"$work/base.xml" >"$work/base-upgraded.xml"
# A truncated document: not well-formed at line 1, column 20.
printf '<domain><name>a</na' >"$work/truncated.xml"

# with_payload: the base document with standard input inserted after line 18.
with_payload() {
    head -n 18 "$work/base.xml"
    printf '  <metadata>\n    '
    cat
    printf '\n  </metadata>\n'
    tail -n +19 "$work/base.xml"
}

# new_case NAME STATUS [COMMAND]: a directory for a generated case.
new_case() {
    mkdir -p "$gen/$1"
    echo "${3:-upgrade}" >"$gen/$1/command"
    echo "$2" >"$gen/$1/expected.status"
    case_dir=$gen/$1
}

# repeat N TEXT: TEXT N times, on one line.
repeat() {
    yes -- "$2" | head -n "$1" | tr -d '\n'
}

# --- committed cases ------------------------------------------------------------

for dir in "$fixtures"/hostile-*/ "$fixtures"/invalid-*/ "$fixtures"/io-*/; do
    dir=${dir%/}
    [ -d "$dir" ] || continue
    run_case "$(basename "$dir")" "$dir"
done

# --- generated cases ------------------------------------------------------------

# Row 13: deep nesting; libxml2 stops at depth 256.  The message is to say so
# without advice about parser options the user cannot set.
for depth in 300 100000; do
    new_case "generated-nested-$depth-elements" 3
    { printf "<app:tree xmlns:app='http://example.org/app/1'>"
      repeat "$depth" '<a>'
      repeat "$depth" '</a>'
      printf '</app:tree>'; } | with_payload >"$case_dir/input.xml"
    echo '^input\.xml:20:[0-9]+: .*[Dd]epth' >"$case_dir/expected.stderr-pattern"
    echo 'XML_PARSE_HUGE' >"$case_dir/expected.stderr-reject"
done

# Row 14: an attribute value of 1 MiB, or of 11 MB, is beyond the 256 KiB
# limit (--max-attribute-length) and refused with its place, before parsing.
for size in 1048576 $((11 * 1024 * 1024)); do
    new_case "generated-attribute-$size-bytes" 3
    { printf "<app:note xmlns:app='http://example.org/app/1' text='"
      head -c "$size" /dev/zero | tr '\0' x
      printf "'/>"; } | with_payload >"$case_dir/input.xml"
    echo "^input\\.xml:20:[0-9]+: an attribute value's length exceeds the limit of 262144" \
        >"$case_dir/expected.stderr-pattern"
done

# ... and so is a 60,000-character name, by libxml2.

new_case generated-name-60000-characters 3
{ printf '<'; repeat 60000 n; printf '/>'; } | with_payload >"$case_dir/input.xml"
echo '^input\.xml:20:[0-9]+: .*[Nn]ame too long' >"$case_dir/expected.stderr-pattern"

# Row 16: 50,000 attributes on one element; libxml2's duplicate check is
# quadratic.  Converted or refused, but within the time limit.
new_case generated-50000-attributes "0 3"
{ printf "<app:tags xmlns:app='http://example.org/app/1'"
  seq 0 49999 | sed "s/.*/ a&='1'/" | tr -d '\n'
  printf '/>'; } | with_payload >"$case_dir/input.xml"
upgraded <"$case_dir/input.xml" >"$case_dir/expected.xml"
echo '^input\.xml(:[0-9]+:[0-9]+)?: ' >"$case_dir/expected.stderr-pattern"

# Row 15: over the 32 MiB limit (sparse, so it costs no disk).  Past 4
# times the limit, which no document within it reaches even with what
# conversions write (not counted), refused from its size, before reading;
# below that, read and refused by its counted size.
new_case generated-larger-than-limit 3
truncate -s 129M "$case_dir/input.xml"
echo '^input\.xml: the document is larger than 128 MiB, 4 times the --max-size limit of 32 MiB' >"$case_dir/expected.stderr-pattern"
new_case generated-larger-than-limit-counted 3
truncate -s 33M "$case_dir/input.xml"
echo "^input\.xml: the document's size \(34603008 bytes\) exceeds the limit of 33554432 bytes" >"$case_dir/expected.stderr-pattern"

# Row 17: gzip-compressed XML is read as bytes, which are not XML.  Calling
# it "empty" would send the user the wrong way.
new_case generated-gzip-compressed 3
gzip -n -c "$work/base.xml" >"$case_dir/input.xml"
echo '^input\.xml(:[0-9]+:[0-9]+)?: .*(not (well-formed )?XML|gzip|compressed)' >"$case_dir/expected.stderr-pattern"
echo 'empty' >"$case_dir/expected.stderr-reject"

# Row 19: quadratic blowup, a 100 KB entity referenced 100,000 times: refused
# at the DOCTYPE, before any expansion.
new_case generated-quadratic-entity-blowup 3
{ printf '<!DOCTYPE domain [\n  <!ENTITY a "'
  head -c 102400 /dev/zero | tr '\0' a
  printf '">\n]>\n'
  { printf '<app:text xmlns:app="http://example.org/app/1">'
    repeat 100000 '&a;'
    printf '</app:text>'; } | with_payload; } >"$case_dir/input.xml"
echo 'input.xml:1:1: a DOCTYPE is not allowed (libvirt never writes one); expected the <domain> element without a DOCTYPE' \
    >"$case_dir/expected.stderr"

# A NUL byte after the root element, then a second domain: libxml2 stops
# reading at the NUL; refused, located, and the file left as it is by an
# in-place rewrite.
new_case generated-nul-after-the-domain-in-place 3 "upgrade -q -i"
{ cat "$work/base.xml"; printf '\0'; cat "$work/base.xml"; } >"$case_dir/input.xml"
echo "input.xml:40:1: not well-formed XML: a NUL byte after the end of the root element; expected nothing after it but comments, processing instructions and whitespace" \
    >"$case_dir/expected.stderr"

for dir in "$gen"/*/; do
    dir=${dir%/}
    run_case "$(basename "$dir")" "$dir"
done

# --- file-system cases ----------------------------------------------------------

fs=$work/fs
mkdir "$fs" || exit 2

# Row 42: not regular files.  A FIFO with no writer must not hang.
mkdir "$fs/fifo"
mkfifo "$fs/fifo/input.xml"
echo upgrade >"$fs/fifo/command"
echo 4 >"$fs/fifo/expected.status"
echo '^domcompat: input\.xml: not a regular file$' >"$fs/fifo/expected.stderr-pattern"
run_case fs-fifo "$fs/fifo"

# A device that never ends.
mkdir "$fs/dev-zero"
echo upgrade >"$fs/dev-zero/command"
echo 4 >"$fs/dev-zero/expected.status"
echo '^domcompat: /dev/zero: not a regular file$' >"$fs/dev-zero/expected.stderr-pattern"
run_case fs-dev-zero "$fs/dev-zero" /dev/zero

# A socket.
mkdir "$fs/socket"
echo upgrade >"$fs/socket/command"
echo 4 >"$fs/socket/expected.status"
echo '^domcompat: input\.xml: not a regular file$' >"$fs/socket/expected.stderr-pattern"
# Perl's Socket module is part of Debian's perl-base; python3 will do too.
if { command -v perl >/dev/null 2>&1 &&
    perl -MSocket -e 'socket(S, PF_UNIX, SOCK_STREAM, 0) && bind(S, pack_sockaddr_un($ARGV[0])) or exit 1' \
        "$fs/socket/input.xml" 2>/dev/null; } ||
    { command -v python3 >/dev/null 2>&1 &&
        python3 -c 'import socket, sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])' \
            "$fs/socket/input.xml" 2>/dev/null; }; then
    run_case fs-socket "$fs/socket"
else
    skip fs-socket "cannot create a socket (perl or python3 is needed)"
fi

# Row 43: unreadable.  Root reads it anyway, so the case could only pass
# vacuously there.
mkdir "$fs/unreadable"
cp "$work/base.xml" "$fs/unreadable/input.xml"
chmod 000 "$fs/unreadable/input.xml"
echo upgrade >"$fs/unreadable/command"
echo 4 >"$fs/unreadable/expected.status"
echo '^domcompat: input\.xml: Permission denied$' >"$fs/unreadable/expected.stderr-pattern"
if [ "$(id -u)" = 0 ]; then
    skip fs-unreadable "running as root, which can read a mode 000 file"
else
    run_case fs-unreadable "$fs/unreadable"
fi

# Row 52: odd names are paths, taken literally.  A valid document under each
# converts; a decoy at the path the name would mean if it were decoded (a
# URL, "a b.xml" for "a%20b.xml", standard input for "-") would not.
odd_names=('a b.xml' $'new\nline.xml' $'latin1-\xe9t\xe9.xml' '-' 'file:///x' 'a%20b.xml')
odd_labels=(space newline non-utf8 dash file-url percent-encoded)
for i in "${!odd_names[@]}"; do
    name=${odd_names[i]}
    dir=$fs/name-${odd_labels[i]}
    mkdir "$dir"
    echo upgrade >"$dir/command"
    echo 0 >"$dir/expected.status"
    cp "$work/base-upgraded.xml" "$dir/expected.xml"
    case $name in
    file:///x) mkdir "$dir/file:" && cp "$work/base.xml" "$dir/file:/x" ;;
    -) cp "$work/base.xml" "$dir/-" ;;
    *) cp "$work/base.xml" "$dir/$name" ;;
    esac
    [ "$name" = 'a%20b.xml' ] && cp "$work/truncated.xml" "$dir/a b.xml"
    arg=$name
    [ "$name" = - ] && arg=./-
    run_case "fs-name-${odd_labels[i]}" "$dir" "$arg"
done

# And a broken document under an odd name: one line of valid UTF-8 that
# still locates the problem.
for i in 0 1 2; do
    name=${odd_names[i]}
    dir=$fs/broken-name-${odd_labels[i]}
    mkdir "$dir"
    echo upgrade >"$dir/command"
    echo 3 >"$dir/expected.status"
    cp "$work/truncated.xml" "$dir/$name"
    echo ":1:20: not well-formed XML: expected '>'$" >"$dir/expected.stderr-pattern"
    run_case "fs-broken-name-${odd_labels[i]}" "$dir" "$name"
done

summary="hostile: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
