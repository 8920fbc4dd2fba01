#!/bin/bash
# Batch and in-place conversion lose nothing: whatever fails, every file is
# its complete old content or its complete new one.
#
#   tests/run-batch.sh build/domcompat
#
# Needs the fault-injection library tests/faults/fault-shim.c built beside
# the binary (build/tests/fault-shim.so; `make batch-tests` builds both),
# and patch; the race and signal cases need strace (skipped without it).
# The binary must be an ordinary build: one built with AddressSanitizer
# cannot take an LD_PRELOAD library ahead of its runtime.
#
# The cases, each in a fresh temporary directory:
#
#   - faults: each call of the write path (openat creating the temporary
#     file, fchown, fchmod, fsetxattr, write, fsync, close, linkat, renameat2)
#     made to fail in turn, the 1st, 2nd, ... until a run no longer reaches
#     it, over four files with -j 1, with --in-place and --in-place=.bak: exit
#     status 4, one message naming the step and the error, the failing file
#     old (or new when only the directory sync failed), every other file
#     converted, owner, mode and ACL kept, no temporary file left; a write
#     interrupted by a signal (EINTR) retried; SIGTERM and SIGKILL at each of
#     those calls;
#   - real errors: a short write then EFBIG under `ulimit -f`, ENOSPC on a
#     tiny tmpfs (root), a read-only file system (root) or directory
#     (others), an immutable file (root, chattr);
#   - a file modified, replaced or removed by another program during the
#     run: "changed or vanished", the other program's content kept, also
#     when it happens at the exchange itself or, with strace delaying the
#     rename, between the last check and it; a file system without
#     RENAME_EXCHANGE (EINVAL) renamed over as before;
#   - backups: linked from the file read, never its name, even when another
#     run converts the same file meanwhile (strace); -i SUFFIX never
#     replacing a backup; --backup=none|simple|numbered|existing, --suffix,
#     VERSION_CONTROL and SIMPLE_BACKUP_SUFFIX as GNU cp; a backup that is
#     a hard link of the file, and the links a run killed after linking its
#     backup leaves, recovered by the next run;
#   - signals: every signal whose default is to end the process, sent with
#     strace while the new file is written or at the exchange; a real
#     ulimit -f without SIGXFSZ ignored; user.* extended attributes kept;
#   - a directory or a file replaced by a symbolic link after the walk (and
#     with few descriptors, so that directories are opened again); the
#     output directory inside the walked tree; --diff headers of odd names
#     applied by patch -p0 and compared with GNU diff's;
#   - policies: read-only and hard-linked files refused without --force,
#     a symbolic link named on the command line rewritten in its target's
#     directory and kept a link, links met while walking skipped, the same
#     file named twice converted once, output directory = input directory
#     handled in place, --in-place=SUFFIX backups, unchanged files not
#     rewritten, refused and invalid documents never written, owner, group,
#     mode and ACL kept (owner changes need root; ACLs need setfacl and a file
#     system that has them), odd file names quoted in messages and the JSON
#     report valid;
#   - the exit status is the worst document's and the summary counts right;
#   - a large batch killed with SIGKILL (and stopped with SIGTERM) at
#     different moments: every file old or new, stale temporary files
#     counted (none after SIGTERM); a second run finishes the work;
#   - -j 1 and -j 4 give byte-identical output trees, messages, JSON reports
#     and diffs on a generated corpus with refused, invalid, unchanged,
#     duplicate and linked documents.
#
# The corpora come from ../shared/bench/gen-corpus.py (GEN_CORPUS overrides
# the path); without it, from the fixtures' documents, as a line says.
#
# Prints one line per failure ("FAIL NAME: what"), "skip NAME: why" for a case
# that cannot run here, a few "note" lines, and last "batch: N passed, M
# failed, K skipped"; exits 1 if any case failed, 2 if it cannot run at all.
set -u

# shellcheck source=tests/runner-lib.sh
. "$(dirname "$0")/runner-lib.sh"
runner_setup "$@"
limit=${BATCH_TIMEOUT:-60}
repo=$(cd "$(dirname "$0")/.." && pwd)
shim=${FAULT_SHIM:-$bin_dir/tests/fault-shim.so}
gen_corpus=${GEN_CORPUS:-$repo/../shared/bench/gen-corpus.py}

for tool in timeout cmp stat sha256sum find sort diff iconv python3 patch; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is needed (packages coreutils, findutils, diffutils, libc-bin, python3, patch)" >&2
        exit 2
    fi
done
if [ ! -f "$shim" ]; then
    echo "$0: $shim is missing: build it with make batch-tests" >&2
    exit 2
fi
if ldd "$domcompat" 2>/dev/null | grep -q -E 'lib(a|ub)san'; then
    echo "$0: $domcompat is built with sanitizers, which refuse an LD_PRELOAD library; use the normal build" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-batch.XXXXXX") || exit 2
mounts=()
immutable=()
cleanup() {
    local m f
    for f in "${immutable[@]}"; do chattr -i "$f" 2>/dev/null; done
    for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null; done
    chmod -R u+rwX "$work" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 2' INT TERM HUP

out=$work/stdout
err=$work/stderr
is_root=
[ "$(id -u)" = 0 ] && is_root=1


note() {
    echo "note $1: $2"
}

# run [VAR=VALUE...] -- ARG...: domcompat ARG... under a time limit, with
# those variables; standard output in $out, error in $err, status in $status.
run() {
    local envs=()
    while [ "$1" != -- ]; do
        envs+=("$1")
        shift
    done
    shift
    # (the braces keep bash's "Killed" notice out of the report)
    { timeout -k 2 "$limit" env "${envs[@]}" "$domcompat" "$@" >"$out" 2>"$err" </dev/null; } 2>/dev/null
    status=$?
}

expect_status() {
    if [ "$status" != "$1" ]; then
        problem "exit status $status, expected $1" cat "$err"
    fi
}

# expect_err ERE: a line of standard error matches.
expect_err() {
    if ! grep -E -q -- "$1" "$err"; then
        problem "stderr does not match /$1/" cat "$err"
    fi
}

# expect_err_line TEXT: a line of standard error is exactly TEXT.
expect_err_line() {
    if ! grep -F -x -q -- "$1" "$err"; then
        problem "stderr lacks the line '$1'" cat "$err"
    fi
}

# Every message one line of valid UTF-8 (a name with a newline is quoted).
expect_err_utf8() {
    if ! iconv -f UTF-8 -t UTF-8 <"$err" >/dev/null 2>&1; then
        problem "stderr is not valid UTF-8" cat -A "$err"
    fi
}

expect_err_lines() {
    local lines
    lines=$(wc -l <"$err")
    if [ "$lines" != "$1" ]; then
        problem "stderr has $lines lines, expected $1" cat -A "$err"
    fi
}

# same_bytes FILE EXPECTED WHAT
same_bytes() {
    if [ ! -f "$1" ]; then
        problem "$3: $(basename "$1") is missing"
    elif ! cmp -s -- "$1" "$2"; then
        problem "$3: $(basename "$1") is not the expected content" \
            diff -u --label expected --label actual "$2" "$1"
    fi
}

# identity FILE: what must not change about a file left alone.
identity() {
    stat -c '%i %s %Y.%y %Z %a %u %g %h' -- "$1" 2>/dev/null || echo absent
}

# kept FILE: what a failed or interrupted rewrite must leave as it was.
kept() {
    stat -c '%i %s %y %a %u %g' -- "$1" 2>/dev/null || echo absent
}

# Temporary files (".NAME.XXXXXX") anywhere under DIR.
temp_files() {
    find "$1" -name '.*' ! -name . -print
}

# expect_only DIR NAME...: DIR holds those names and nothing else.
expect_only() {
    local dir=$1 path name allowed found extra=
    shift
    for path in "$dir"/* "$dir"/.*; do
        name=${path##*/}
        if [ "$name" = . ] || [ "$name" = .. ] || { [ ! -e "$path" ] && [ ! -L "$path" ]; }; then
            continue
        fi
        found=
        for allowed in "$@"; do
            [ "$name" = "$allowed" ] && found=1
        done
        [ -n "$found" ] || extra="$extra $name"
    done
    [ -z "$extra" ] || problem "unexpected files in ${dir##*/}:$extra"
}

expect_no_temp() {
    local left
    left=$(temp_files "$1")
    if [ -n "$left" ]; then
        problem "temporary files left: $(echo "$left" | tr '\n' ' ')"
    fi
}

# --- documents ------------------------------------------------------------------

# legacy NAME: a q35 guest in the legacy form; each name gives other bytes.
legacy() {
    cat <<EOF
<domain type='kvm'>
  <name>$1</name>
  <memory unit='KiB'>2097152</memory>
  <vcpu placement='static'>2</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
  </os>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <controller type='pci' index='0' model='pcie-root'/>
    <controller type='pci' index='1' model='pcie-root-port'>
      <target chassis='1' port='0x10'/>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>
    </controller>
    <controller type='pci' index='2' model='dmi-to-pci-bridge'>
      <address type='pci' domain='0x0000' bus='0x00' slot='0x1e' function='0x0'/>
    </controller>
  </devices>
</domain>
EOF
}

# A pci-root in a guest that does not say whether it is pSeries: refused.
refused_doc() {
    cat <<'EOF'
<domain type='kvm'>
  <name>unknown-architecture</name>
  <os>
    <type>hvm</type>
  </os>
  <devices>
    <controller type='pci' index='0' model='pci-root'/>
  </devices>
</domain>
EOF
}

docs=$work/docs
mkdir "$docs" || exit 2
legacy old-guest >"$docs/legacy.xml"
refused_doc >"$docs/refused.xml"
printf '<domain><name>a</na' >"$docs/invalid.xml"
if ! "$domcompat" upgrade "$docs/legacy.xml" >"$docs/legacy.new" 2>"$err" ||
    cmp -s "$docs/legacy.xml" "$docs/legacy.new"; then
    echo "$0: $domcompat does not upgrade the base document:" >&2
    cat "$err" >&2
    exit 2
fi
cp "$docs/legacy.new" "$docs/explicit.xml"
"$domcompat" upgrade "$docs/refused.xml" >/dev/null 2>&1
if [ $? != 1 ]; then
    echo "$0: the refused document is not refused" >&2
    exit 2
fi

# put DIR NAME KIND: writes a document of KIND (legacy, explicit, refused,
# invalid) as DIR/NAME, and its expected content after upgrade as
# DIR.expect/NAME (the same bytes unless it converts).
put() {
    mkdir -p "$1" "$1.expect"
    case $3 in
    legacy)
        legacy "guest-$(printf '%s' "$2" | tr -c 'a-zA-Z0-9.-' _)" >"$1/$2"
        "$domcompat" upgrade "$1/$2" >"$1.expect/$2" 2>/dev/null
        ;;
    *)
        cp "$docs/$3.xml" "$1/$2"
        cp "$docs/$3.xml" "$1.expect/$2"
        ;;
    esac
}

# Has the file system of DIR POSIX ACLs, and setfacl?
acl_ok() {
    command -v setfacl >/dev/null 2>&1 && command -v getfacl >/dev/null 2>&1 &&
        : >"$1/.acl-probe" && setfacl -m u:65534:rw "$1/.acl-probe" 2>/dev/null
    local rc=$?
    rm -f "$1/.acl-probe"
    return $rc
}

acl_of() {
    getfacl -c -p -- "$1" 2>/dev/null | grep -v '^$'
}

# --- faults at each call of the write path ----------------------------------------------

# Four files, worked on in this order: a and b and d convert, c is already
# explicit.  As root, b belongs to another user (so fchown is called); d has
# an ACL when the file system allows (so fsetxattr is called).
fsrc=$work/faults/src
mkdir -p "$fsrc" || exit 2
for f in a b d; do put "$fsrc" "$f.xml" legacy; done
put "$fsrc" c.xml explicit
chmod 0640 "$fsrc/b.xml"
have_fchown=
if [ -n "$is_root" ] && chown 65534:65534 "$fsrc/b.xml" 2>/dev/null; then
    have_fchown=1
fi
have_acl=
if acl_ok "$fsrc" && setfacl -m u:65534:rw,g:65534:r "$fsrc/d.xml"; then
    have_acl=1
fi
frun=$work/faults/run
fault_log=$work/faults/log

# fault_run SPEC SUFFIX: the four files afresh, converted with the fault SPEC.
fault_run() {
    local suffix=$2 f
    rm -rf "$frun"
    cp -a "$fsrc" "$frun"
    : >"$fault_log"
    for f in a b c d; do
        kept "$frun/$f.xml" >"$work/faults/$f.before"
    done
    run LD_PRELOAD="$shim" DOMCOMPAT_FAULT="$1" DOMCOMPAT_FAULT_LOG="$fault_log" -- \
        upgrade -j 1 "-i$suffix" "$frun/a.xml" "$frun/b.xml" "$frun/c.xml" "$frun/d.xml"
}

# check_files SUFFIX FAILED WHICH TEMPS: after a fault run, each file is new,
# except FAILED (a letter, "" or "all") which is WHICH (old, new or either); at
# most TEMPS temporary files are left; with SUFFIX, each converted file's
# backup holds its old bytes.  c.xml needs no change and must stay as it was.
check_files() {
    local suffix=$1 failing=$2 which=$3 temps=$4 f state actual name left=0
    for f in a b c d; do
        state=new
        [ "$f" = "$failing" ] || [ "$failing" = all ] && state=$which
        if cmp -s "$frun/$f.xml" "$fsrc.expect/$f.xml"; then
            actual=new
        elif cmp -s "$frun/$f.xml" "$fsrc/$f.xml"; then
            actual=old
        else
            actual=neither
            problem "$f.xml is neither its old nor its new content" \
                diff -u --label new --label actual "$fsrc.expect/$f.xml" "$frun/$f.xml"
        fi
        [ "$f" = c ] && [ "$actual" = new ] && actual=unchanged
        case $state/$actual in
        new/old) problem "$f.xml was not converted" ;;
        old/new) problem "$f.xml was rewritten" ;;
        esac
        # Left alone: the same inode, size, mtime, mode and owner (a backup
        # link, made or left, adds a link and a ctime).
        if { [ "$actual" = old ] || [ "$actual" = unchanged ]; } &&
            [ "$(kept "$frun/$f.xml")" != "$(cat "$work/faults/$f.before")" ]; then
            problem "$f.xml's stat changed: $(cat "$work/faults/$f.before") -> $(kept "$frun/$f.xml")"
        fi
        if [ -n "$suffix" ] && [ "$actual" = new ] && [ ! -f "$frun/$f.xml$suffix" ]; then
            problem "$f.xml$suffix (the backup) is missing"
        fi
    done
    # Owner, mode and ACL came along to the new files.
    if [ "$(stat -c '%a %u %g' "$frun/b.xml")" != "$(stat -c '%a %u %g' "$fsrc/b.xml")" ]; then
        problem "b.xml: mode, owner or group not kept: $(stat -c '%a %u %g' "$frun/b.xml")"
    fi
    if [ -n "$have_acl" ] && [ "$(acl_of "$frun/d.xml")" != "$(acl_of "$fsrc/d.xml")" ]; then
        problem "d.xml: its ACL was not kept" acl_of "$frun/d.xml"
    fi
    # Nothing else in the directory but backups of the originals.
    for name in "$frun"/* "$frun"/.*; do
        name=${name##*/}
        case $name in
        . | .. | a.xml | b.xml | c.xml | d.xml | '*' | '.*') ;;
        [abd].xml"$suffix")
            if [ -z "$suffix" ]; then
                problem "unexpected file $name"
            elif ! cmp -s "$frun/$name" "$fsrc/${name%%.*}.xml"; then
                problem "$name does not hold the original"
            fi
            ;;
        .*) left=$((left + 1)) ;;
        *) problem "unexpected file $name" ;;
        esac
    done
    if [ "$left" -gt "$temps" ]; then
        problem "$left temporary files left: $(temp_files "$frun" | tr '\n' ' ')"
    fi
}

# where_fails CALL SUFFIX N: "FILE PHASE" for the Nth call of CALL in a
# run over the four files: the file it writes, and for a call made twice
# per file which of the two (fsync: 0 the new file, then 1 the directory;
# linkat: with SUFFIX, 0 linking the original as its backup, then 1 naming
# the new file, made without a name; without, 1 naming it).  renameat2
# exchanges the new file with the original.  Nothing when the run makes no
# Nth call.
where_fails() {
    local call=$1 suffix=$2 n=$3 per=1 first=0 k files=(a b d)
    case $call in
    fchown) [ -n "$have_fchown" ] && files=(b) || files=() ;;
    fsetxattr) [ -n "$have_acl" ] && files=(d) || files=() ;;
    linkat) if [ -n "$suffix" ]; then per=2; else first=1; fi ;;
    fsync) per=2 ;;
    esac
    k=$(((n - 1) / per))
    if [ "$k" -lt ${#files[@]} ]; then
        echo "${files[k]} $((first + (n - 1) % per))"
    fi
}

# The message for a failure at CALL (PHASE as above) with ERROR.
message_of() {
    local call=$1 phase=$2 error=$3 step
    case $call/$phase in
    openat/*) step='cannot create a temporary file beside it' ;;
    fchown/*) step="cannot give the new file the original's owner and group" ;;
    fchmod/*) step="cannot give the new file the original's mode" ;;
    fsetxattr/*) step="cannot give the new file the original's extended attributes (SELinux label, ACL, user.*)" ;;
    write/*) step='cannot write the new content' ;;
    fsync/0) step='cannot flush the new content to disk' ;;
    fsync/1)
        echo "the file: replaced, but its directory cannot be synced to disk: $error; the new content may not survive a crash"
        return
        ;;
    close/*) step='cannot close the new file' ;;
    linkat/0) step='cannot keep the original as its backup' ;;
    linkat/1) step='cannot create a temporary file beside it' ;;
    renameat2/*) step='cannot rename the new file over it' ;;
    esac
    echo "not written: $step: $error; the file is unchanged"
}

strerror_of() {
    case $1 in
    EIO) echo 'Input/output error' ;;
    ENOSPC | short) echo 'No space left on device' ;;
    EDQUOT) echo 'Disk quota exceeded' ;;
    EPERM) echo 'Operation not permitted' ;;
    ENOTSUP) echo 'Operation not supported' ;;
    EMLINK) echo 'Too many links' ;;
    esac
}

# fault_case CALL ACTION SUFFIX: the Nth call fails, for N = 1, 2, ... until
# a run no longer makes an Nth call (which must then convert everything).
# Each failure must be at the file and step the Nth call belongs to.
fault_case() {
    local call=$1 action=$2 suffix=$3 n=1 where file phase which
    case_begin "fault-$call-$action-in-place${suffix:+=$suffix}"
    while [ $n -le 20 ]; do
        local before=${#problems[@]}
        fault_run "$call:$n:$action" "$suffix"
        where=$(where_fails "$call" "$suffix" "$n")
        if [ ! -s "$fault_log" ]; then
            if [ -n "$where" ] || [ $n = 1 ]; then
                problem "call $n of $call was never made; the writer should make it (${where:-none at all})"
            fi
            expect_status 0
            check_files "$suffix" "" new 0
            break
        fi
        if [ -z "$where" ]; then
            problem "call $n of $call was made; the writer should not make it" cat "$err"
            break
        fi
        read -r file phase <<<"$where"
        which=old
        [ "$call/$phase" = fsync/1 ] && which=new
        expect_status 4
        expect_err_line "domcompat: $frun/$file.xml: $(message_of "$call" "$phase" "$(strerror_of "$action")")"
        expect_err_line "domcompat: 4 documents: 2 changed, 1 unchanged, 0 refused, 0 invalid, 1 failed"
        expect_err_lines 4
        check_files "$suffix" "$file" "$which" 0
        if [ ${#problems[@]} -gt "$before" ]; then
            problems[before]="call $n: ${problems[before]}"
            break
        fi
        n=$((n + 1))
    done
    [ $n -gt 20 ] && problem "still reaching the fault at call 20"
    case_end
}

for suffix in "" .bak; do
    fault_case openat ENOSPC "$suffix"
    if [ -n "$have_fchown" ]; then
        fault_case fchown EPERM "$suffix"
    fi
    fault_case fchmod EPERM "$suffix"
    if [ -n "$have_acl" ]; then
        fault_case fsetxattr ENOTSUP "$suffix"
    fi
    fault_case write ENOSPC "$suffix"
    fault_case write short "$suffix"
    fault_case fsync EIO "$suffix"
    fault_case close EIO "$suffix"
    fault_case renameat2 EIO "$suffix"
done
fault_case write EDQUOT ""
fault_case linkat EMLINK ""
fault_case linkat EMLINK .bak
[ -n "$have_fchown" ] || skip fault-fchown "not root: files of another owner cannot be made"
[ -n "$have_acl" ] || skip fault-fsetxattr "no setfacl, or no ACLs on this file system: the ACL copy is not exercised"

# A write interrupted before it wrote anything is made again.
case_begin fault-write-EINTR-retried
fault_run write:2:EINTR ""
[ -s "$fault_log" ] || problem "the fault was not reached"
expect_status 0
check_files "" "" new 0
case_end

# The library sees the writer's calls and only them: glibc's stdio writes
# the messages through internal symbols, which are not counted.
case_begin fault-shim-counts-only-the-writer
rm -rf "$frun" && cp -a "$fsrc" "$frun"
run LD_PRELOAD="$shim" DOMCOMPAT_FAULT_TRACE="$work/faults/trace" -- \
    upgrade -j 1 -i "$frun/a.xml" "$frun/b.xml" "$frun/c.xml" "$frun/d.xml"
expect_status 0
for call in openat write close renameat2; do
    count=$(grep -c "^$call " "$work/faults/trace")
    [ "$count" = 3 ] || problem "$count calls of $call counted for 3 files written, expected 3" cat "$work/faults/trace"
done
count=$(grep -c "^fsync " "$work/faults/trace")
[ "$count" = 6 ] || problem "$count calls of fsync counted, expected 6 (each file and its directory)"
case_end

# Copies under --output-dir replace nothing of the user's: written
# atomically but not flushed, unless --sync asks for it.
case_begin output-dir-copies-are-flushed-only-with-sync
for sync in "" --sync; do
    rm -rf "$frun" "$work/copies" "$work/faults/trace" && cp -a "$fsrc" "$frun"
    run LD_PRELOAD="$shim" DOMCOMPAT_FAULT_TRACE="$work/faults/trace" -- \
        upgrade -j 1 $sync -o "$work/copies" "$frun/a.xml" "$frun/b.xml" "$frun/c.xml" "$frun/d.xml"
    expect_status 0
    count=$(grep -c "^renameat " "$work/faults/trace")
    [ "$count" = 4 ] || problem "$sync: $count copies renamed into place, expected 4" cat "$work/faults/trace"
    count=$(grep -c "^fsync " "$work/faults/trace")
    expected=0
    [ -n "$sync" ] && expected=8
    [ "$count" = "$expected" ] ||
        problem "${sync:-no --sync}: $count calls of fsync, expected $expected" cat "$work/faults/trace"
    for f in a b c d; do
        cmp -s "$frun/$f.xml" "$fsrc/$f.xml" || problem "$sync: the input $f.xml changed"
        [ -f "$work/copies/$f.xml" ] || problem "$sync: no copy of $f.xml"
    done
done
# With --sync, a failed flush is a failed copy: nothing at its name, no temporary file.
rm -rf "$frun" "$work/copies" && cp -a "$fsrc" "$frun"
run LD_PRELOAD="$shim" DOMCOMPAT_FAULT="fsync:1:EIO" -- \
    upgrade -j 1 --sync -o "$work/copies" "$frun/a.xml"
expect_status 4
expect_err "^domcompat: .*/a\.xml: .*cannot flush the new content to disk: Input/output error"
[ -e "$work/copies/a.xml" ] && problem "a copy whose flush failed is in place"
[ -n "$(find "$work/copies" -name '.a.xml.*')" ] && problem "a temporary file was left"
case_end

# kill_case SIGNAL WHEN SUFFIX: the process gets SIGNAL at each call in
# turn, just before it (WHEN kill) or as it returns (kill-after).  SIGTERM's
# handler removes the temporary files; SIGKILL may leave two (the new file
# and the backup's link).
kill_case() {
    local sig=$1 when=$2 suffix=$3 call n stale=0 allowed=0
    case_begin "signal-$sig-$([ "$when" = kill ] && echo before || echo after)-each-call-in-place${suffix:+=$suffix}"
    [ "$sig" = 9 ] && allowed=2
    for call in openat fchown fchmod fsetxattr write fsync close linkat renameat2; do
        for n in 1 2 3 4 5 6 7; do
            local before=${#problems[@]}
            fault_run "$call:$n:$when=$sig" "$suffix"
            [ -s "$fault_log" ] || break
            expect_status $((128 + sig))
            check_files "$suffix" all either "$allowed"
            stale=$((stale + $(temp_files "$frun" | wc -l)))
            if [ ${#problems[@]} -gt "$before" ]; then
                problems[before]="$call $n: ${problems[before]}"
                break 2
            fi
        done
    done
    [ "$sig" = 9 ] && note "$case_name" "$stale stale temporary files in all, as SIGKILL allows"
    case_end
}
for when in kill kill-after; do
    kill_case 15 "$when" ""
    kill_case 15 "$when" .bak
done
kill_case 9 kill ""
kill_case 9 kill-after .bak

# --- real errors -----------------------------------------------------------------

# A short write then EFBIG: a file size limit below the bigger document.
case_begin real-efbig-under-ulimit
d=$work/efbig
mkdir "$d"
put "$d" small.xml legacy
{ legacy big; head -c 6000 /dev/zero | tr '\0' ' '; } >"$d/big.xml"
"$domcompat" upgrade "$d/big.xml" >"$d.expect/big.xml" 2>/dev/null
cp "$d/big.xml" "$d/big.old"
before=$(identity "$d/big.xml")
(trap '' XFSZ; ulimit -f 4 && exec timeout -k 2 "$limit" "$domcompat" upgrade -j 1 -i "$d/big.xml" "$d/small.xml") \
    >"$out" 2>"$err" </dev/null
status=$?
expect_status 4
expect_err "^domcompat: $d/big\\.xml: not written: cannot write the new content: File too large; the file is unchanged\$"
same_bytes "$d/big.xml" "$d/big.old" "big.xml"
[ "$(identity "$d/big.xml")" = "$before" ] || problem "big.xml's stat changed"
same_bytes "$d/small.xml" "$d.expect/small.xml" "small.xml"
rm -f "$d/big.old"
expect_no_temp "$d"
expect_only "$d" big.xml small.xml
case_end

# mount_tmpfs DIR OPTIONS: a tmpfs for the test (root only); 0 when mounted.
mount_tmpfs() {
    mkdir -p "$1"
    if mount -t tmpfs -o "$2" domcompat-test "$1" 2>/dev/null; then
        mounts+=("$1")
        return 0
    fi
    return 1
}

# A full file system: there is room for the small document's new copy, not
# for the big one's.
d=$work/enospc
if [ -n "$is_root" ] && mount_tmpfs "$d" size=64k,mode=0755; then
    case_begin real-enospc-on-full-tmpfs
    legacy small >"$d/small.xml"
    { legacy big; head -c 5000 /dev/zero | tr '\0' ' '; } >"$d/big.xml"
    "$domcompat" upgrade "$d/small.xml" >"$work/enospc-small.new"
    "$domcompat" upgrade "$d/big.xml" >"$work/enospc-big.new"
    cp "$d/big.xml" "$work/enospc-big.old"
    dd if=/dev/zero of="$d/filler" bs=4k >/dev/null 2>&1
    truncate -s -4096 "$d/filler"
    run -- upgrade -j 1 -i "$d/big.xml" "$d/small.xml"
    expect_status 4
    expect_err "^domcompat: $d/big\\.xml: not written: cannot write the new content: No space left on device; the file is unchanged\$"
    same_bytes "$d/big.xml" "$work/enospc-big.old" big.xml
    same_bytes "$d/small.xml" "$work/enospc-small.new" small.xml
    expect_no_temp "$d"
    case_end
else
    skip real-enospc-on-full-tmpfs "cannot mount a tmpfs here (needs root)"
fi

# A directory the temporary file cannot be created in.  Root writes to any
# directory, so there it is a read-only file system.
case_begin unwritable-directory
d=$work/unwritable
mkdir -p "$d/dir"
put "$d/dir" a.xml legacy
cp "$d/dir/a.xml" "$work/unwritable-a.old"
how=
if [ -z "$is_root" ]; then
    chmod 555 "$d/dir" && how=permission
elif mkdir -p "$d/ro" && mount --bind "$d/dir" "$d/ro" 2>/dev/null; then
    mounts+=("$d/ro")
    if mount -o remount,bind,ro "$d/ro" 2>/dev/null; then how=read-only; fi
fi
if [ -n "$how" ]; then
    target=$d/dir
    [ "$how" = read-only ] && target=$d/ro
    before=$(identity "$target/a.xml")
    run -- upgrade -i "$target/a.xml"
    expect_status 4
    if [ "$how" = permission ]; then
        expect_err "^domcompat: $target/a\\.xml: not written: cannot create a temporary file beside it: Permission denied; the file is unchanged\$"
    else
        expect_err "^domcompat: $target/a\\.xml: not written: cannot create a temporary file beside it: Read-only file system; the file is unchanged\$"
    fi
    same_bytes "$target/a.xml" "$work/unwritable-a.old" a.xml
    [ "$(identity "$target/a.xml")" = "$before" ] || problem "a.xml's stat changed"
    expect_no_temp "$d/dir"
    expect_only "$d/dir" a.xml
    chmod 755 "$d/dir"
    case_end
else
    skip unwritable-directory "root, and no read-only bind mount possible: a permission test could not fail"
fi

# An immutable file: the rename over it fails; clean error, temp removed.
d=$work/immutable
mkdir "$d"
put "$d" a.xml legacy
cp "$d/a.xml" "$work/immutable-a.old"
if [ -n "$is_root" ] && command -v chattr >/dev/null 2>&1 && chattr +i "$d/a.xml" 2>/dev/null; then
    immutable+=("$d/a.xml")
    case_begin immutable-file
    run -- upgrade -i "$d/a.xml"
    expect_status 4
    expect_err "^domcompat: $d/a\\.xml: not written: cannot rename the new file over it: Operation not permitted; the file is unchanged\$"
    chattr -i "$d/a.xml"
    same_bytes "$d/a.xml" "$work/immutable-a.old" a.xml
    expect_no_temp "$d"
    case_end
else
    skip immutable-file "chattr +i is not possible here (needs root and a file system with the flag)"
fi

# --- another program changes the file during the run -------------------------------

# Just before the check that the file is still the one read (at the close of
# the new file), another program appends to it, replaces it, or removes it.
for action in append replace unlink; do
    case_begin "changed-during-run-$action"
    d=$work/changed-$action
    mkdir "$d"
    put "$d" a.xml legacy
    put "$d" b.xml legacy
    run LD_PRELOAD="$shim" DOMCOMPAT_FAULT="close:1:$action=$d/a.xml" DOMCOMPAT_FAULT_LOG="$work/changed.log" -- \
        upgrade -j 1 -i "$d/a.xml" "$d/b.xml"
    expect_status 4
    expect_err_line "domcompat: $d/a.xml: not written: it changed or vanished while being converted; it was left as it is"
    case $action in
    unlink) [ ! -e "$d/a.xml" ] || problem "a.xml came back" ;;
    append)
        { legacy guest-a.xml; echo '<!-- written by another program during the run -->'; } >"$work/changed.other"
        same_bytes "$d/a.xml" "$work/changed.other" "the other program's a.xml"
        ;;
    replace)
        echo '<!-- written by another program during the run -->' >"$work/changed.other"
        same_bytes "$d/a.xml" "$work/changed.other" "the other program's a.xml"
        ;;
    esac
    same_bytes "$d/b.xml" "$d.expect/b.xml" b.xml
    expect_no_temp "$d"
    expect_only "$d" a.xml b.xml
    case_end
done

# --- policies --------------------------------------------------------------------

# A read-only file is refused without --force, even as root; with it, it is
# rewritten and stays read-only.
case_begin read-only-file
d=$work/read-only
mkdir "$d"
put "$d" a.xml legacy
chmod 0444 "$d/a.xml"
before=$(identity "$d/a.xml")
run -- upgrade -i "$d/a.xml"
expect_status 4
expect_err_line "domcompat: $d/a.xml: not written: it is read-only (mode 0444); --force rewrites it anyway"
[ "$(identity "$d/a.xml")" = "$before" ] || problem "a.xml's stat changed"
run -- upgrade -n -i "$d/a.xml"
expect_status 4
expect_err_line "domcompat: $d/a.xml: not rewritable: it is read-only (mode 0444); --force rewrites it anyway"
run -- upgrade -i --force "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml" "$d.expect/a.xml" "a.xml with --force"
[ "$(stat -c %a "$d/a.xml")" = 444 ] || problem "mode after --force: $(stat -c %a "$d/a.xml"), expected 444"
expect_no_temp "$d"
case_end

# Hard links: replacing one name would split them.
case_begin hard-linked-file
d=$work/hard-links
mkdir "$d"
put "$d" a.xml legacy
ln "$d/a.xml" "$d/other-name"
before=$(identity "$d/a.xml")
run -- upgrade -i "$d/a.xml"
expect_status 4
expect_err_line "domcompat: $d/a.xml: not written: it has 2 hard links, and replacing it would split them (the other names would keep the old content); --force replaces it anyway"
[ "$(identity "$d/a.xml")" = "$before" ] || problem "a.xml's stat changed"
# Both names given: one file, refused once, the other name skipped.
run -- upgrade -i "$d/a.xml" "$d/other-name"
expect_status 4
expect_err_line "$d/other-name: skipped: the same file as $d/a.xml"
run -- upgrade -i --force "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml" "$d.expect/a.xml" "a.xml with --force"
cmp -s "$d/other-name" "$d.expect/a.xml" && problem "the other name changed too: --force splits the links"
case_end

# A symbolic link named on the command line: its target is rewritten, in the
# target's directory; the link stays a link.  (autostart/NAME.xml -> ../NAME.xml)
case_begin symlink-named-rewrites-its-target
d=$work/symlink-named
mkdir -p "$d/qemu/autostart"
put "$d/qemu" guest.xml legacy
ln -s ../guest.xml "$d/qemu/autostart/guest.xml"
run -- upgrade -i "$d/qemu/autostart/guest.xml"
expect_status 0
[ -L "$d/qemu/autostart/guest.xml" ] || problem "the link was replaced by a file"
[ "$(readlink "$d/qemu/autostart/guest.xml")" = ../guest.xml ] || problem "the link points elsewhere now"
same_bytes "$d/qemu/guest.xml" "$d/qemu.expect/guest.xml" "the target"
expect_no_temp "$d/qemu/autostart"
expect_no_temp "$d/qemu"
# Where the new file is made: killed just after it is named, before the
# exchange, it is left in the target's directory.
put "$d/qemu" guest.xml legacy
run LD_PRELOAD="$shim" DOMCOMPAT_FAULT="linkat:1:kill-after=9" -- upgrade -i "$d/qemu/autostart/guest.xml"
expect_status 137
temp_files "$d/qemu" | grep -q -v /autostart/ || problem "no temporary file in the target's directory"
[ -z "$(temp_files "$d/qemu/autostart")" ] || problem "a temporary file in the link's directory"
case_end

# Links met while walking are skipped and reported, their targets untouched.
case_begin symlink-met-while-walking-is-skipped
d=$work/symlink-walked
mkdir -p "$d/qemu/autostart" "$d/elsewhere"
put "$d/qemu" guest.xml legacy
put "$d/elsewhere" sub.xml legacy
ln -s ../guest.xml "$d/qemu/autostart/guest.xml"
ln -s ../elsewhere "$d/qemu/linked-dir"
before=$(identity "$d/qemu/guest.xml")
run -- upgrade -i -r "$d/qemu/autostart"
expect_status 0
expect_err_line "domcompat: 1 document: 0 changed, 0 unchanged, 0 refused, 0 invalid, 1 skipped"
expect_err_lines 1
# -v lists each.
run -- upgrade -i -r -v "$d/qemu/autostart"
expect_status 0
expect_err_line "$d/qemu/autostart/guest.xml: skipped: a symbolic link met while walking a directory; name it to convert the file it points to"
expect_err_lines 2
[ "$(identity "$d/qemu/guest.xml")" = "$before" ] || problem "the link's target was rewritten"
[ -L "$d/qemu/autostart/guest.xml" ] || problem "the link is gone"
# Without --follow-symlinks a linked directory is not walked; with it, it is.
run -- upgrade -n -r "$d/qemu"
expect_err_line "domcompat: 2 documents: 1 changed, 0 unchanged, 0 refused, 0 invalid, 1 skipped (dry run: nothing written)"
run -- upgrade -n -r --follow-symlinks "$d/qemu"
grep -F -x -q -- "$d/qemu/linked-dir/sub.xml: would convert 3 PCI controllers" "$out" ||
    problem "stdout lacks the line for sub.xml" cat "$out"
case_end

# The same file named twice, as a and ./a, and through a link: converted once.
case_begin same-file-named-twice
d=$work/twice
mkdir "$d"
put "$d" a.xml legacy
ln -s a.xml "$d/link.xml"
(cd "$d" && exec timeout -k 2 "$limit" "$domcompat" upgrade -i a.xml ./a.xml link.xml "$d/a.xml" a.xml) \
    >"$out" 2>"$err" </dev/null
status=$?
expect_status 0
expect_err_line "a.xml: converted 3 PCI controllers"
expect_err_line "./a.xml: skipped: the same file as a.xml"
expect_err_line "link.xml: skipped: the same file as a.xml"
expect_err_line "$d/a.xml: skipped: the same file as a.xml"
expect_err_line "domcompat: 5 documents: 1 changed, 0 unchanged, 0 refused, 0 invalid, 4 skipped"
expect_err_lines 6
same_bytes "$d/a.xml" "$d.expect/a.xml" a.xml
[ -L "$d/link.xml" ] || problem "the link is gone"
# --output-dir: one copy, no conflict with itself.
run -- upgrade -o "$d/out" "$d/a.xml" "$d/./a.xml"
expect_status 0
expect_err_line "$d/./a.xml: skipped: the same file as $d/a.xml"
case_end

# --output-dir naming the input's own directory is an in-place rewrite, with
# its rules: atomic, read-only and hard-linked files refused, unchanged
# files left alone.
case_begin output-dir-is-the-input-directory
d=$work/same-dir
mkdir "$d"
put "$d" a.xml legacy
put "$d" ro.xml legacy
put "$d" same.xml explicit
chmod 0444 "$d/ro.xml"
chmod 0604 "$d/a.xml"
ino=$(stat -c %i "$d/a.xml")
before_ro=$(identity "$d/ro.xml")
before_same=$(identity "$d/same.xml")
sleep 0.01
run -- upgrade -j 1 -o "$d/." "$d/a.xml" "$d/ro.xml" "$d/same.xml"
expect_status 4
same_bytes "$d/a.xml" "$d.expect/a.xml" a.xml
[ "$(stat -c %i "$d/a.xml")" != "$ino" ] || problem "a.xml was rewritten in place, not replaced"
[ "$(stat -c %a "$d/a.xml")" = 604 ] || problem "a.xml's mode was not kept"
expect_err_line "domcompat: $d/ro.xml: not written: it is read-only (mode 0444); --force rewrites it anyway"
[ "$(identity "$d/ro.xml")" = "$before_ro" ] || problem "ro.xml changed"
[ "$(identity "$d/same.xml")" = "$before_same" ] || problem "same.xml needs no change and was rewritten: $before_same -> $(identity "$d/same.xml")"
expect_err_line "domcompat: 3 documents: 1 changed, 1 unchanged, 0 refused, 0 invalid, 1 failed"
expect_no_temp "$d"
case_end

# --output-dir whose copy is the input named through a symbolic link: the
# link's target is rewritten in place, in its own directory, and the link
# stays a link.
case_begin output-dir-is-the-linked-input-directory
d=$work/same-dir-linked
mkdir -p "$d/qemu/autostart"
put "$d/qemu" guest.xml legacy
ln -s ../guest.xml "$d/qemu/autostart/guest.xml"
ino=$(stat -c %i "$d/qemu/guest.xml")
run -- upgrade -j 1 -o "$d/qemu" "$d/qemu/autostart/guest.xml"
expect_status 0
same_bytes "$d/qemu/guest.xml" "$d/qemu.expect/guest.xml" "the target"
[ "$(stat -c %i "$d/qemu/guest.xml")" != "$ino" ] || problem "the target was rewritten in place, not replaced"
[ -L "$d/qemu/autostart/guest.xml" ] || problem "the link was replaced by a file"
expect_no_temp "$d/qemu"
case_end

# --output-dir naming the input's own directory, and another program
# replacing the input during the run: nothing written, its content kept.
case_begin output-dir-is-the-input-directory-changed-during-run
d=$work/same-dir-changed
mkdir "$d"
put "$d" a.xml legacy
run LD_PRELOAD="$shim" DOMCOMPAT_FAULT="close:1:replace=$d/a.xml" -- upgrade -j 1 -o "$d" "$d/a.xml"
expect_status 4
expect_err_line "domcompat: $d/a.xml: not written: it changed or vanished while being converted; it was left as it is"
echo '<!-- written by another program during the run -->' >"$work/same-dir-changed.other"
same_bytes "$d/a.xml" "$work/same-dir-changed.other" "the other program's a.xml"
expect_no_temp "$d"
case_end

# --in-place=SUFFIX keeps the original, inode and all, as FILE+SUFFIX, and
# never replaces a file already there: the second of two conversions in a
# row (upgrade, then downgrade) is refused, and the backup keeps the true
# original.
case_begin backup-suffix-never-replaces-a-backup
d=$work/backup
mkdir "$d"
put "$d" a.xml legacy
put "$d" same.xml explicit
cp "$d/a.xml" "$work/backup-a.old"
ino=$(stat -c %i "$d/a.xml")
mtime=$(stat -c %y "$d/a.xml")
run -- upgrade -i.orig "$d/a.xml" "$d/same.xml"
expect_status 0
expect_err_line "$d/a.xml: converted 3 PCI controllers; original kept as $d/a.xml.orig"
same_bytes "$d/a.xml" "$d.expect/a.xml" a.xml
same_bytes "$d/a.xml.orig" "$work/backup-a.old" "a.xml.orig"
[ "$(stat -c '%i %y %h' "$d/a.xml.orig")" = "$ino $mtime 1" ] || problem "the backup is not the original file: $(stat -c '%i %y %h' "$d/a.xml.orig")"
[ ! -e "$d/same.xml.orig" ] || problem "an unchanged file got a backup"
cp "$d/a.xml" "$work/backup-a.new"
before=$(identity "$d/a.xml")
run -- downgrade -i.orig "$d/a.xml"
expect_status 4
expect_err_line "domcompat: $d/a.xml: not written: it has a backup already, a.xml.orig, which -i.orig never replaces; --backup=simple replaces it, --backup=numbered keeps it and numbers the new one"
[ "$(identity "$d/a.xml")" = "$before" ] || problem "a.xml changed"
same_bytes "$d/a.xml.orig" "$work/backup-a.old" "a.xml.orig after the second conversion"
run -- downgrade -n -i.orig "$d/a.xml"
expect_status 4
expect_err "^domcompat: $d/a\.xml: not rewritable: it has a backup already, a\.xml\.orig, "
expect_no_temp "$d"
expect_only "$d" a.xml a.xml.orig same.xml
run -- upgrade -i/x "$d/a.xml"
expect_status 2
case_end

# --backup[=CONTROL] and --suffix, as GNU cp: simple backups replace an
# older one, numbered ones count up, existing follows what is there;
# CONTROL defaults to $VERSION_CONTROL, then existing; the suffix to
# $SIMPLE_BACKUP_SUFFIX, then "~"; --suffix implies --backup.
case_begin backup-control-as-gnu-cp
d=$work/backup-control
mkdir "$d"
# convert_afresh ARGS...: a.xml afresh (legacy) with the old content saved as a.old, converted with ARGS.
convert_afresh() {
    put "$d" a.xml legacy
    cp "$d/a.xml" "$d/a.old"
    run "$@"
}
echo 'an older backup' >"$d/a.xml.orig"
convert_afresh -- upgrade -i --backup=simple --suffix=.orig "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml.orig" "$d/a.old" "--backup=simple: a.xml.orig"
convert_afresh -- upgrade -i.orig --backup=simple "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml.orig" "$d/a.old" "-i.orig --backup=simple: a.xml.orig"
convert_afresh -- upgrade -i --backup "$d/a.xml"
expect_status 0
expect_err_line "$d/a.xml: converted 3 PCI controllers; original kept as $d/a.xml~"
same_bytes "$d/a.xml~" "$d/a.old" "--backup (existing, none numbered yet): a.xml~"
convert_afresh -- upgrade -i --backup=numbered "$d/a.xml"
expect_status 0
expect_err_line "$d/a.xml: converted 3 PCI controllers; original kept as $d/a.xml.~1~"
same_bytes "$d/a.xml.~1~" "$d/a.old" "--backup=numbered: a.xml.~1~"
convert_afresh -- upgrade -i --backup=t "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml.~2~" "$d/a.old" "--backup=t: a.xml.~2~"
convert_afresh -- upgrade -i --backup=existing "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml.~3~" "$d/a.old" "--backup=existing with numbered backups: a.xml.~3~"
convert_afresh VERSION_CONTROL=numbered -- upgrade -i --backup "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml.~4~" "$d/a.old" "VERSION_CONTROL=numbered: a.xml.~4~"
convert_afresh VERSION_CONTROL=numbered -- upgrade -i --backup=never "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml~" "$d/a.old" "--backup=never over VERSION_CONTROL: a.xml~"
convert_afresh SIMPLE_BACKUP_SUFFIX=.bak -- upgrade -i --backup=simple "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml.bak" "$d/a.old" "SIMPLE_BACKUP_SUFFIX=.bak: a.xml.bak"
convert_afresh -- upgrade -i --suffix=.sfx "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml.~5~" "$d/a.old" "--suffix alone (existing, numbered ones there): a.xml.~5~"
put "$d" b.xml legacy
cp "$d/b.xml" "$d/b.old"
run -- upgrade -i --suffix=.sfx "$d/b.xml"
expect_status 0
same_bytes "$d/b.xml.sfx" "$d/b.old" "--suffix alone (existing, none numbered): b.xml.sfx"
convert_afresh -- upgrade -i --backup=off "$d/a.xml"
expect_status 0
convert_afresh -- upgrade -i --backup=none --suffix=.none "$d/a.xml"
expect_status 0
[ ! -e "$d/a.xml.none" ] || problem "--backup=none made a backup"
rm -f "$d/a.old" "$d/b.old"
expect_only "$d" a.xml a.xml.orig a.xml~ a.xml.~1~ a.xml.~2~ a.xml.~3~ a.xml.~4~ a.xml.~5~ a.xml.bak b.xml b.xml.sfx
expect_no_temp "$d"
for bad in "--backup=bogus -i" "--backup=n -i" "--backup" "--suffix=.x" "-i.a --suffix=.b" "-i --suffix=a/b"; do
    # shellcheck disable=SC2086 # words
    run -- upgrade $bad "$d/a.xml"
    expect_status 2
done
run VERSION_CONTROL=sideways -- upgrade -i --backup "$d/a.xml"
expect_status 2
expect_err "^domcompat: VERSION_CONTROL: 'sideways' is not a backup control"
case_end

# A file that needs no change is not rewritten: inode, mtime and ctime stay.
case_begin unchanged-file-not-rewritten
d=$work/unchanged
mkdir "$d"
put "$d" same.xml explicit
before=$(identity "$d/same.xml")
sleep 0.01
run -- upgrade -i "$d/same.xml"
expect_status 0
expect_err_line "domcompat: 1 document: 0 changed, 1 unchanged, 0 refused, 0 invalid"
[ "$(identity "$d/same.xml")" = "$before" ] || problem "same.xml was rewritten: $before -> $(identity "$d/same.xml")"
expect_no_temp "$d"
case_end

# Refused and invalid documents are never written, in place or as copies.
case_begin refused-and-invalid-never-written
d=$work/never
mkdir "$d"
put "$d" refused.xml refused
put "$d" invalid.xml invalid
before_r=$(identity "$d/refused.xml")
before_i=$(identity "$d/invalid.xml")
run -- upgrade -i.bak "$d/refused.xml" "$d/invalid.xml"
expect_status 3
run -- upgrade -o "$d/out" "$d/refused.xml" "$d/invalid.xml"
expect_status 3
[ "$(identity "$d/refused.xml")" = "$before_r" ] || problem "refused.xml changed"
[ "$(identity "$d/invalid.xml")" = "$before_i" ] || problem "invalid.xml changed"
expect_only "$d" refused.xml invalid.xml out
[ ! -d "$d/out" ] || expect_only "$d/out"
case_end

# Owner, group, mode (setgid included) and ACL come along to the new file.
case_begin owner-group-mode-acl-kept
d=$work/metadata
mkdir "$d"
put "$d" a.xml legacy
put "$d" b.xml legacy
chmod 2640 "$d/a.xml"
if [ -n "$is_root" ]; then
    chown 65534:65534 "$d/a.xml" "$d/b.xml" && chmod 2640 "$d/a.xml"
fi
acl=
if acl_ok "$d" && setfacl -m u:1234:rw,g:4321:r,m::rw "$d/b.xml"; then
    acl=1
    acl_of "$d/b.xml" >"$work/metadata.acl"
fi
meta_a=$(stat -c '%a %u %g' "$d/a.xml")
meta_b=$(stat -c '%a %u %g' "$d/b.xml")
ino=$(stat -c %i "$d/a.xml")
run -- upgrade -i "$d/a.xml" "$d/b.xml"
expect_status 0
same_bytes "$d/a.xml" "$d.expect/a.xml" a.xml
[ "$(stat -c %i "$d/a.xml")" != "$ino" ] || problem "a.xml was not replaced"
[ "$(stat -c '%a %u %g' "$d/a.xml")" = "$meta_a" ] || problem "a.xml: $meta_a became $(stat -c '%a %u %g' "$d/a.xml")"
[ "$(stat -c '%a %u %g' "$d/b.xml")" = "$meta_b" ] || problem "b.xml: $meta_b became $(stat -c '%a %u %g' "$d/b.xml")"
if [ -n "$acl" ] && [ "$(acl_of "$d/b.xml")" != "$(cat "$work/metadata.acl")" ]; then
    problem "b.xml's ACL was not kept" diff -u "$work/metadata.acl" <(acl_of "$d/b.xml")
fi
case_end
[ -n "$is_root" ] || skip owner-kept "not root: a file of another owner cannot be made (mode is checked)"
[ -n "${acl:-}" ] || skip acl-kept "no setfacl, or no ACLs on this file system (mode and owner are checked)"

# Odd names: spaces, a newline, bytes that are not UTF-8.  Converted in
# place and as copies; every message one line of valid UTF-8, the name
# quoted as the messages quote names; the JSON report valid.
case_begin odd-file-names
d=$work/odd
mkdir -p "$d/in"
names=('a b.xml' $'new\nline.xml' $'latin1-\xe9t\xe9.xml' "it's.xml")
shown=("$d/in/a b.xml" "'$d/in/new\\nline.xml'" "'$d/in/latin1-\\xe9t\\xe9.xml'" "$d/in/it's.xml")
for name in "${names[@]}"; do put "$d/in" "$name" legacy; done
cp -a "$d/in" "$d/copy"
run -- upgrade -j 1 -o "$d/out" -r "$d/in"
expect_status 0
expect_err_utf8
expect_err_lines 5
for i in "${!names[@]}"; do
    expect_err_line "${shown[i]}: converted 3 PCI controllers into ${shown[i]/\/in\//\/out\/}"
done
run -- upgrade -j 1 -i -r "$d/in"
expect_status 0
expect_err_utf8
expect_err_lines 5
for i in "${!names[@]}"; do
    same_bytes "$d/in/${names[i]}" "$d/in.expect/${names[i]}" "in place"
    same_bytes "$d/out/${names[i]}" "$d/in.expect/${names[i]}" "copy"
    expect_err_line "${shown[i]}: converted 3 PCI controllers"
done
run -- upgrade -j 1 -n --format json -r "$d/copy"
expect_status 0
if ! python3 -m json.tool "$out" >/dev/null 2>"$work/json.err"; then
    problem "the JSON report is not valid JSON" cat "$work/json.err"
elif ! python3 -c '
import json, sys
report = json.load(open(sys.argv[1]))
paths = sorted(d["path"] for d in report["documents"])
want = sorted(sys.argv[2:])
sys.exit(0 if paths == want else "paths %r, expected %r" % (paths, want))
' "$out" "${shown[@]//\/in\//\/copy\/}" 2>"$work/json.err"; then
    problem "the JSON report's paths are not the quoted names" cat "$work/json.err"
fi
expect_no_temp "$d/in"
case_end

# --- races, signals, planted links and leftovers ------------------------------------

# strace delays a call and sends signals at chosen calls of the real binary;
# it needs ptrace, which a container may forbid.
have_strace=
if command -v strace >/dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null; then
    have_strace=1
fi

# wait_for_call LOG CALLS: waits (10 s at most) until the program traced into
# LOG has entered one of CALLS (an extended regular expression): strace
# writes a call's line when it enters it, then delays it.
wait_for_call() {
    local i
    for ((i = 0; i < 1000; i++)); do
        grep -E -q -- "($2)\(" "$1" 2>/dev/null && return 0
        sleep 0.01
    done
    return 1
}

# traced LOG CALLS INJECT ARG...: domcompat ARG... under strace, in the
# background (its pid in $traced_pid), with standard error in $work/traced.err.
traced() {
    local log=$1 calls=$2 inject=$3
    shift 3
    : >"$log"
    strace -f -o "$log" -e trace="$calls" -e inject="$inject" \
        "$domcompat" "$@" >/dev/null 2>"$work/traced.err" </dev/null &
    traced_pid=$!
}

# Two runs convert one file at once; the first, keeping a backup, is held
# up just as it links it, while the second converts the file: with -i.orig
# too (the backup it makes is the original's bytes, and the first run finds
# it there), or with -i (no backup: the first run, which replaces nothing,
# keeps none, and never one holding the second run's output).  The backup
# must be the bytes that were read, not what another run wrote since.
if [ -n "$have_strace" ]; then
    case_begin backup-holds-the-original-under-two-concurrent-runs
    d=$work/race-backup
    for second in -i.orig -i; do
        case_step="second run $second"
        rm -rf "$d"
        mkdir "$d"
        put "$d" a.xml legacy
        cp "$d/a.xml" "$work/race-backup.old"
        traced "$work/race.log" linkat linkat:delay_enter=5000000:when=1 upgrade -q -j 1 -i.orig "$d/a.xml"
        if wait_for_call "$work/race.log" linkat; then
            run -- upgrade -q -j 1 "$second" "$d/a.xml"
            expect_status 0
        else
            problem "the first run never made its backup's link" cat "$work/traced.err"
        fi
        wait "$traced_pid"
        first=$?
        same_bytes "$d/a.xml" "$d.expect/a.xml" "a.xml"
        [ "$first" = 4 ] || problem "the first run's exit status is $first, expected 4 (changed while being converted)" cat "$work/traced.err"
        expect_no_temp "$d"
        if [ "$second" = -i.orig ]; then
            same_bytes "$d/a.xml.orig" "$work/race-backup.old" "the backup"
            expect_only "$d" a.xml a.xml.orig
        else
            [ ! -e "$d/a.xml.orig" ] || same_bytes "$d/a.xml.orig" "$work/race-backup.old" "the backup"
            expect_only "$d" a.xml
        fi
    done
    case_step=
    case_end
else
    skip backup-holds-the-original-under-two-concurrent-runs "strace cannot trace here"
fi

# The same, deterministic: another program replaces the file just as its
# backup is linked.  The backup is linked from the file that was read, never
# from its name: no backup, or the original's bytes, never the other's.
case_begin backup-is-linked-from-the-file-read-not-its-name
d=$work/backup-by-descriptor
mkdir "$d"
put "$d" a.xml legacy
cp "$d/a.xml" "$work/backup-by-descriptor.old"
run LD_PRELOAD="$shim" DOMCOMPAT_FAULT="linkat:1:replace=$d/a.xml" -- upgrade -j 1 -i.orig "$d/a.xml"
expect_status 4
expect_err_line "domcompat: $d/a.xml: not written: it changed or vanished while being converted; it was left as it is"
echo '<!-- written by another program during the run -->' >"$work/backup-by-descriptor.other"
same_bytes "$d/a.xml" "$work/backup-by-descriptor.other" "the other program's a.xml"
if [ -e "$d/a.xml.orig" ]; then
    same_bytes "$d/a.xml.orig" "$work/backup-by-descriptor.old" "a.xml.orig"
fi
expect_no_temp "$d"
case_end

# Another program replaces the file between the last check and the rename:
# what it wrote stays (the names are exchanged, checked, and exchanged back).
if [ -n "$have_strace" ]; then
    case_begin change-between-check-and-rename-is-kept
    d=$work/race-rename
    mkdir "$d"
    put "$d" a.xml legacy
    echo '<!-- the other program -->' >"$work/race-rename.other"
    traced "$work/race.log" rename,renameat,renameat2 \
        rename,renameat,renameat2:delay_enter=5000000:when=1 upgrade -q -j 1 -i "$d/a.xml"
    if wait_for_call "$work/race.log" 'rename|renameat|renameat2'; then
        cp "$work/race-rename.other" "$d/other.tmp" && mv "$d/other.tmp" "$d/a.xml"
    else
        problem "the run never reached its rename" cat "$work/traced.err"
    fi
    wait "$traced_pid"
    status=$?
    cp "$work/traced.err" "$err"
    expect_status 4
    expect_err_line "domcompat: $d/a.xml: not written: it changed or vanished while being converted; it was left as it is"
    same_bytes "$d/a.xml" "$work/race-rename.other" "the other program's a.xml"
    expect_no_temp "$d"
    expect_only "$d" a.xml
    case_end
else
    skip change-between-check-and-rename-is-kept "strace cannot trace here"
fi

# The same at the exchange itself, deterministic, with and without backups.
for suffix in "" .orig; do
    case_begin "exchange-gives-back-a-file-changed-meanwhile${suffix:+-with-backup}"
    d=$work/exchange$suffix
    mkdir "$d"
    put "$d" a.xml legacy
    put "$d" b.xml legacy
    run LD_PRELOAD="$shim" DOMCOMPAT_FAULT="renameat2:1:replace=$d/a.xml" DOMCOMPAT_FAULT_LOG="$work/exchange.log" -- \
        upgrade -j 1 "-i$suffix" "$d/a.xml" "$d/b.xml"
    [ -s "$work/exchange.log" ] || problem "no exchange was made"
    expect_status 4
    expect_err_line "domcompat: $d/a.xml: not written: it changed or vanished while being converted; it was left as it is"
    echo '<!-- written by another program during the run -->' >"$work/exchange.other"
    same_bytes "$d/a.xml" "$work/exchange.other" "the other program's a.xml"
    same_bytes "$d/b.xml" "$d.expect/b.xml" b.xml
    expect_no_temp "$d"
    if [ -n "$suffix" ]; then expect_only "$d" a.xml b.xml b.xml.orig; else expect_only "$d" a.xml b.xml; fi
    rm -f "$work/exchange.log"
    case_end
done

# A file system without RENAME_EXCHANGE (EINVAL): renamed over after the
# check, as before; backups still kept, replacing ones too.
case_begin exchange-unsupported-falls-back-to-rename
d=$work/no-exchange
mkdir "$d"
for control in "" --backup=simple --backup=numbered; do
    put "$d" a.xml legacy
    cp "$d/a.xml" "$work/no-exchange.old"
    echo 'an older backup' >"$d/a.xml~"
    run LD_PRELOAD="$shim" DOMCOMPAT_FAULT="renameat2:1:EINVAL" -- upgrade -j 1 -i $control "$d/a.xml"
    expect_status 0
    same_bytes "$d/a.xml" "$d.expect/a.xml" "a.xml ${control:-without backup}"
    case $control in
    --backup=simple) same_bytes "$d/a.xml~" "$work/no-exchange.old" "a.xml~" ;;
    --backup=numbered) same_bytes "$d/a.xml.~1~" "$work/no-exchange.old" "a.xml.~1~" ;;
    esac
done
expect_no_temp "$d"
expect_only "$d" a.xml a.xml~ a.xml.~1~
case_end

# A file with a user.* extended attribute keeps it, as cp --preserve=xattr.
case_begin user-extended-attributes-kept
d=$work/xattr
mkdir "$d"
put "$d" a.xml legacy
if python3 -c 'import os, sys; os.setxattr(sys.argv[1], "user.origin", b"host-7\x00raw")' "$d/a.xml" 2>/dev/null; then
    run -- upgrade -i.orig "$d/a.xml"
    expect_status 0
    same_bytes "$d/a.xml" "$d.expect/a.xml" a.xml
    got=$(python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "user.origin"))' "$d/a.xml" 2>&1)
    [ "$got" = "b'host-7\\x00raw'" ] || problem "user.origin on the new a.xml: $got"
    case_end
else
    case_end
    skip user-extended-attributes-kept "this file system takes no user.* attributes"
fi

# A file size limit (ulimit -f) makes the kernel send SIGXFSZ, which would
# end the run with a partial temporary file: it is the error EFBIG instead.
case_begin real-efbig-under-ulimit-without-ignoring-sigxfsz
d=$work/efbig-signal
mkdir "$d"
{ legacy big; head -c 6000 /dev/zero | tr '\0' ' '; } >"$d/big.xml"
cp "$d/big.xml" "$d.old"
put "$d" small.xml legacy
(trap - XFSZ; ulimit -f 4 && exec timeout -k 2 "$limit" "$domcompat" upgrade -j 1 -i "$d/big.xml" "$d/small.xml") \
    >"$out" 2>"$err" </dev/null
status=$?
expect_status 4
expect_err_line "domcompat: $d/big.xml: not written: cannot write the new content: File too large; the file is unchanged"
same_bytes "$d/big.xml" "$d.old" big.xml
same_bytes "$d/small.xml" "$d.expect/small.xml" small.xml
expect_no_temp "$d"
expect_only "$d" big.xml small.xml
case_end

# Every signal whose default is to end the process, arriving while the new
# file is written (at its flush), removes it: the run ends as the signal
# would have it, every file old or new, no temporary file left.  Arriving
# at the exchange, it waits until the file is replaced and settled.
if [ -n "$have_strace" ]; then
    case_begin every-fatal-signal-removes-the-temporary-files
    d=$work/signals
    for sig in HUP INT QUIT ILL TRAP ABRT BUS FPE USR1 SEGV USR2 ALRM TERM STKFLT XCPU VTALRM PROF IO PWR SYS RTMIN RTMAX; do
        for at in fsync renameat2; do
            rm -rf "$d"
            mkdir "$d"
            put "$d" a.xml legacy
            cp "$d/a.xml" "$work/signals.old"
            number=$(kill -l "$sig")
            # (the braces keep bash's notice of the death out of the report;
            # env gives every signal its default action, as a shell run in
            # the background, which ignores SIGINT and SIGQUIT, would not)
            { (ulimit -c 0; exec env --default-signal strace -f -o /dev/null -e trace="$at" -e inject="$at:signal=$number:when=1" \
                "$domcompat" upgrade -q -j 1 -i.orig "$d/a.xml") >"$out" 2>"$err" </dev/null; } 2>/dev/null
            status=$?
            case_step="SIG$sig at $at"
            [ "$status" = $((128 + number)) ] || problem "exit status $status, expected death by the signal" cat "$err"
            if [ "$at" = fsync ]; then
                same_bytes "$d/a.xml" "$work/signals.old" a.xml
                expect_only "$d" a.xml
            else
                same_bytes "$d/a.xml" "$d.expect/a.xml" a.xml
                same_bytes "$d/a.xml.orig" "$work/signals.old" a.xml.orig
                expect_only "$d" a.xml a.xml.orig
            fi
        done
    done
    case_step=
    case_end
else
    skip every-fatal-signal-removes-the-temporary-files "strace cannot trace here"
fi

# A file in a directory being walked, or a directory on its path, replaced by
# a symbolic link during the run (here, as the first file is written): the
# link is never followed, and nothing outside the tree changes.
case_begin walk-never-follows-a-link-planted-after-it
d=$work/planted
# plant HOW TARGET-SPEC: a fresh tree and outside, then a run that plants the link.
plant() {
    rm -rf "$d" "$d.expect"
    mkdir -p "$d/tree/sub" "$d/outside/sub"
    put "$d/tree" a.xml legacy
    put "$d/tree/sub" z.xml legacy
    put "$d/tree" z.xml legacy
    put "$d/outside/sub" z.xml legacy
    put "$d/outside" z.xml legacy
    outside_before=$(identity "$d/outside/sub/z.xml")$(identity "$d/outside/z.xml")
    run LD_PRELOAD="$shim" DOMCOMPAT_FAULT="close:1:symlink=$1" -- upgrade -j 1 -i -r "$d/tree"
    [ "$(identity "$d/outside/sub/z.xml")$(identity "$d/outside/z.xml")" = "$outside_before" ] ||
        problem "a file outside the tree was rewritten through the link"
    same_bytes "$d/tree/a.xml" "$d/tree.expect/a.xml" "tree/a.xml"
}
plant "$d/tree/z.xml>../outside/z.xml"
expect_status 4
expect_err_line "domcompat: $d/tree/z.xml: it is a symbolic link now, not the regular file found when its directory was walked; not followed"
# A directory on the path: the walk holds it, and converts the file it
# found there, wherever that directory went.
plant "$d/tree/sub>../outside/sub"
expect_status 0
same_bytes "$d/tree/sub.moved-aside/z.xml" "$d/tree/sub.expect/z.xml" "the file found, in its directory moved aside"
# Past the directories a run holds open (with few descriptors), it opens
# the directory again, and finds it is another one.
(ulimit -n 40; exec "$domcompat" --version >/dev/null) 2>/dev/null || problem "cannot run with 40 descriptors"
ulimit_run() { (ulimit -n 40; exec env LD_PRELOAD="$shim" DOMCOMPAT_FAULT="close:1:symlink=$1" timeout -k 2 "$limit" "$domcompat" upgrade -j 1 -i -r "$d/tree") >"$out" 2>"$err" </dev/null; status=$?; }
rm -rf "$d" "$d.expect"
mkdir -p "$d/tree/sub" "$d/outside/sub"
put "$d/tree" a.xml legacy
put "$d/tree/sub" z.xml legacy
put "$d/outside/sub" z.xml legacy
outside_before=$(identity "$d/outside/sub/z.xml")
ulimit_run "$d/tree/sub>../outside/sub"
expect_status 4
expect_err_line "domcompat: $d/tree/sub/z.xml: its directory is another one now than when it was walked (a symbolic link put in place of a directory on its path?); not followed"
[ "$(identity "$d/outside/sub/z.xml")" = "$outside_before" ] || problem "outside/sub/z.xml was rewritten through the link"
case_end

# --output-dir inside the tree being walked: never walked into, so running
# again makes no out/out/...
case_begin output-dir-inside-the-tree-is-not-walked
d=$work/nested-out
mkdir "$d"
put "$d/tree" a.xml legacy
for round in 1 2 3; do
    run -- upgrade -q -o "$d/tree/out" -r "$d/tree"
    expect_status 0
done
[ ! -e "$d/tree/out/out" ] || problem "the output directory was walked into: $(cd "$d/tree" && find out -name '*.xml' | tr '\n' ' ')"
same_bytes "$d/tree/out/a.xml" "$d/tree.expect/a.xml" "out/a.xml"
run -- upgrade -n -r "$d/tree" -o "$d/tree/out"
expect_err_line "domcompat: 1 document: 1 changed, 0 unchanged, 0 refused, 0 invalid (dry run: nothing written)"
case_end

# A backup that is a hard link of the file itself (cp -l a.xml a.xml.orig) is
# the original already: no temporary link is left behind, with --force or
# without.
case_begin backup-already-a-hard-link-of-the-file
d=$work/backup-link
mkdir "$d"
for force in --force ""; do
    put "$d" a.xml legacy
    cp "$d/a.xml" "$work/backup-link.old"
    rm -f "$d/a.xml.orig"
    ln "$d/a.xml" "$d/a.xml.orig"
    run -- upgrade $force -i.orig "$d/a.xml"
    expect_status 0
    same_bytes "$d/a.xml" "$d.expect/a.xml" "a.xml ${force:-without --force}"
    same_bytes "$d/a.xml.orig" "$work/backup-link.old" "a.xml.orig ${force:-without --force}"
    expect_no_temp "$d"
    expect_only "$d" a.xml a.xml.orig
done
case_end

# A run killed just after linking the backup leaves the original with two
# links; the next run recovers: it converts the file, the backup keeps the
# original, nothing else is left.  So does a temporary link an interrupted
# run left (.a.xml.orig.XXXXXX), which is removed, and said so.
case_begin run-after-a-kill-recovers-the-links
d=$work/killed-links
mkdir "$d"
put "$d" a.xml legacy
cp "$d/a.xml" "$work/killed-links.old"
run LD_PRELOAD="$shim" DOMCOMPAT_FAULT="linkat:1:kill-after=9" -- upgrade -j 1 -i.orig "$d/a.xml"
expect_status 137
run -- upgrade -j 1 -i.orig "$d/a.xml"
expect_status 0
same_bytes "$d/a.xml" "$d.expect/a.xml" a.xml
same_bytes "$d/a.xml.orig" "$work/killed-links.old" a.xml.orig
expect_no_temp "$d"
expect_only "$d" a.xml a.xml.orig
rm -f "$d/a.xml.orig"
put "$d" a.xml legacy
ln "$d/a.xml" "$d/.a.xml.orig.Ab12Cd"
run -- upgrade -j 1 -i.orig "$d/a.xml"
expect_status 0
expect_err_line "$d/a.xml: removed .a.xml.orig.Ab12Cd beside it, a link to it that an interrupted run left"
same_bytes "$d/a.xml" "$d.expect/a.xml" a.xml
same_bytes "$d/a.xml.orig" "$work/killed-links.old" a.xml.orig
expect_no_temp "$d"
expect_only "$d" a.xml a.xml.orig
case_end

# --diff names the files in its headers as GNU diff does: quoted, with C
# escapes, when they hold a space, a control character, a quote, a
# backslash or bytes beyond ASCII.  Each header is the one GNU diff writes
# for the same file, and patch -p0 applies the diff to every name this
# system's patch accepts in GNU diff's own output (GNU patch 2.8 refuses
# to create a name holding a newline, whoever wrote the diff).
case_begin diff-headers-quoted-so-that-patch-applies-them
d=$work/diff-names
mkdir -p "$d/in"
names=('a b.xml' $'tab\tname.xml' $'new\nline.xml' 'quote".xml' 'back\slash.xml' $'latin1-\xe9.xml' 'plain.xml')
for name in "${names[@]}"; do put "$d/in" "$name" legacy; done
(cd "$d" && exec timeout -k 2 "$limit" "$domcompat" upgrade -j 1 --diff -r in) >"$d/changes.diff" 2>"$err" </dev/null
status=$?
expect_status 0
patchable=()
for name in "${names[@]}"; do
    want=$(cd "$d" && LC_ALL=C diff -u "in/$name" "in.expect/$name" | head -n 1 | cut -f 1)
    # diffutils 3.12 leaves a backslash bare where 3.8 (Debian 12), whose
    # labels domcompat writes, quotes it; patch reads both as the same name.
    if [ "$want" = "--- in/back\\slash.xml" ]; then
        want='--- "in/back\\slash.xml"'
    fi
    grep -q -x -F -- "$want" "$d/changes.diff" ||
        problem "no header line $want, as GNU diff writes it" grep -a -e '^---' "$d/changes.diff"
    # Does this system's patch apply GNU diff's own diff for this name?
    rm -rf "$d/probe" && mkdir -p "$d/probe/in" && cp "$d/in/$name" "$d/probe/in/"
    (cd "$d" && LC_ALL=C diff -u "in/$name" "in.expect/$name") >"$d/probe.diff"
    if (cd "$d/probe" && patch -p0 --batch --no-backup-if-mismatch <"$d/probe.diff") >/dev/null 2>&1 &&
        cmp -s "$d/probe/in/$name" "$d/in.expect/$name"; then
        patchable+=("$name")
    else
        note diff-headers-quoted-so-that-patch-applies-them "$(patch --version | head -n 1) cannot create $(printf '%q' "$name") from GNU diff's own diff either: not applied"
    fi
done
[ ${#patchable[@]} -ge 6 ] || problem "patch applies GNU diff's own diff for only ${#patchable[@]} of the names"
rm -rf "$d/apply" && mkdir -p "$d/apply/in"
for name in "${patchable[@]}"; do cp "$d/in/$name" "$d/apply/in/"; done
(cd "$d/apply" && exec timeout -k 2 "$limit" "$domcompat" upgrade -j 1 --diff -r in) >"$d/apply.diff" 2>"$err" </dev/null
status=$?
expect_status 0
if ! (cd "$d/apply" && patch -p0 --batch --no-backup-if-mismatch <"$d/apply.diff" >"$work/patch.out" 2>&1); then
    problem "patch -p0 cannot apply the diff" cat "$work/patch.out"
fi
for name in "${patchable[@]}"; do
    same_bytes "$d/apply/in/$name" "$d/in.expect/$name" "patched"
done
case_end

# --- the size limit ----------------------------------------------------------------

# padded_legacy SIZE: a legacy q35 guest of exactly SIZE bytes, most of it
# one-line pci-bridge controllers (each upgrade makes 22 bytes longer), the
# rest a comment.
padded_legacy() {
    python3 -c '
import sys
size = int(sys.argv[1])
head = ("<domain type=\x27kvm\x27>\n  <name>large</name>\n  <memory unit=\x27KiB\x27>2097152</memory>\n"
        "  <os>\n    <type arch=\x27x86_64\x27 machine=\x27pc-q35-7.2\x27>hvm</type>\n  </os>\n"
        "  <devices>\n    <controller type=\x27pci\x27 index=\x270\x27 model=\x27pcie-root\x27/>\n")
tail = "  </devices>\n</domain>\n"
out, used, i = [head], len(head) + len(tail), 1
while True:
    line = "    <controller type=\x27pci\x27 index=\x27%d\x27 model=\x27pci-bridge\x27/>\n" % i
    if used + len(line) + 64 > size:
        break
    out.append(line)
    used += len(line)
    i += 1
pad = size - used - len("    <!--  -->\n")
out.append("    <!-- %s -->\n" % ("x" * pad))
out.append(tail)
sys.stdout.write("".join(out))
' "$1"
}

mib32=$((32 * 1024 * 1024))
d=$work/size
mkdir "$d"

# The upgrade of a legacy document just under the default limit is larger
# than the limit in bytes; it is written, and every command reads it back
# with the same defaults (what the conversion wrote does not count), down to
# the original bytes.
case_begin size-limit-upgrade-over-the-limit-read-back-with-the-defaults
padded_legacy $((mib32 - 100)) >"$d/legacy.xml"
run -- upgrade "$d/legacy.xml"
expect_status 0
cp "$out" "$d/explicit.xml"
[ "$(wc -c <"$d/explicit.xml")" -gt "$mib32" ] ||
    problem "the upgrade is not over 32 MiB: $(wc -c <"$d/explicit.xml") bytes"
run -- validate "$d/explicit.xml"
expect_status 0
grep -q -x -F "$d/explicit.xml: valid, explicit form (domcompat's; no released libvirt parses it: upgrade --to host or --to libvirt-X.Y.Z writes what libvirt reads)" "$out" ||
    problem "validate: $(cat "$out")"
run -- check --to libvirt-9.0.0 "$d/explicit.xml"
expect_status 0
run -- downgrade "$d/explicit.xml"
expect_status 0
same_bytes "$out" "$d/legacy.xml" "downgrade of the upgrade"
run -- downgrade --to libvirt-9.0.0 "$d/legacy.xml"
expect_status 0
cp "$out" "$d/libvirt.xml"
[ "$(wc -c <"$d/libvirt.xml")" -gt "$(wc -c <"$d/explicit.xml")" ] ||
    problem "the libvirt form is not the largest: $(wc -c <"$d/libvirt.xml") bytes"
run -- upgrade "$d/libvirt.xml"
expect_status 0
same_bytes "$out" "$d/explicit.xml" "upgrade of the libvirt form"
case_end

# A document over the limit is still refused, whatever its form, in place
# too, with the limit and the option named; the file is left as it was.
case_begin size-limit-document-over-the-limit-refused
padded_legacy $((mib32 + 1)) >"$d/over.xml"
before=$(identity "$d/over.xml")
run -- upgrade -i "$d/over.xml"
expect_status 3
expect_err_line "$d/over.xml: the document's size (33554433 bytes) exceeds the limit of 33554432 bytes; expected a domain of ordinary size (raise the limit with --max-size)"
[ "$(identity "$d/over.xml")" = "$before" ] || problem "the refused file was changed"
# The explicit form of a document 1 byte over counts its legacy size.
padded_legacy $((mib32 + 1)) | sed "s/ model='pci-bridge'/ subType='pci-bridge' model='pci-bridge'/" >"$d/over-explicit.xml"
run -- downgrade "$d/over-explicit.xml"
expect_status 3
expect_err "^$d/over-explicit\.xml: the document's size \([0-9]+ bytes, 33554433 of them counted: not the [0-9]+ that domcompat's conversions write in PCI controllers\) exceeds the limit of 33554432 bytes; .*raise the limit with --max-size"
case_end

# Memory stays bounded: a document larger than 4 times the limit is refused
# before it is read whole; up to there the library counts it.
case_begin size-limit-read-cap
head -c 4096 /dev/zero | tr '\0' ' ' >"$d/cap.xml"
run -- validate --max-size 1024 "$d/cap.xml"
expect_status 3
expect_err_line "$d/cap.xml: the document's size (4096 bytes) exceeds the limit of 1024 bytes; expected a domain of ordinary size (raise the limit with --max-size)"
printf ' ' >>"$d/cap.xml"
run -- validate --max-size 1024 "$d/cap.xml"
expect_status 3
expect_err_line "$d/cap.xml: the document is larger than 4096 bytes, 4 times the --max-size limit of 1024 bytes: what domcompat's conversions write in PCI controllers does not count against the limit, but no document within it is that large; expected a domain of ordinary size (raise the limit with --max-size)"
truncate -s 1T "$d/huge.xml"
run -- upgrade "$d/huge.xml"
expect_status 3
expect_err "^$d/huge\.xml: the document is larger than 128 MiB, 4 times the --max-size limit of 32 MiB: "
# Standard input: no more than the cap is read (the writer meets a closed pipe).
python3 -c '
import os, signal, sys
signal.signal(signal.SIGPIPE, signal.SIG_DFL)
block, written = b" " * 65536, 0
try:
    while written < 1024 * 1024 * 1024:
        written += os.write(1, block)
except BrokenPipeError:
    pass
sys.stderr.write("%d" % written)
' 2>"$d/written" | { timeout -k 2 "$limit" "$domcompat" validate - >"$out" 2>"$err"; echo $? >"$d/status"; }
status=$(cat "$d/status")
expect_status 3
expect_err_line "<stdin>: the document is larger than 128 MiB, 4 times the --max-size limit of 32 MiB: what domcompat's conversions write in PCI controllers does not count against the limit, but no document within it is that large; expected a domain of ordinary size (raise the limit with --max-size)"
written=$(cat "$d/written")
[ "${written:-0}" -lt $((129 * 1024 * 1024)) ] || problem "standard input was read past the cap: $written bytes"
case_end
rm -rf "$d"

# --- exit status and summary ------------------------------------------------------

# status_case NAME STATUS SUMMARY KIND...: the worst document decides.
status_case() {
    local name=$1 want=$2 summary=$3 kind i=0 files=()
    shift 3
    case_begin "exit-status-$name"
    d=$work/status-$name
    mkdir "$d"
    for kind in "$@"; do
        i=$((i + 1))
        if [ "$kind" = missing ]; then
            files+=("$d/$i-missing.xml")
        else
            put "$d" "$i-$kind.xml" "$kind"
            files+=("$d/$i-$kind.xml")
        fi
    done
    run -- upgrade -j 2 -i "${files[@]}"
    expect_status "$want"
    expect_err_line "domcompat: $summary"
    run -- upgrade -j 2 -n --format json "${files[@]}"
    expect_status "$want"
    if ! python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
sys.exit(0 if s["exit"] == int(sys.argv[2]) and s["documents"] == int(sys.argv[3]) else repr(s))
' "$out" "$want" "$#" 2>"$work/json.err"; then
        problem "JSON summary wrong" cat "$work/json.err"
    fi
    case_end
}
status_case all-converted 0 "3 documents: 2 changed, 1 unchanged, 0 refused, 0 invalid" legacy explicit legacy
status_case refused 1 "3 documents: 1 changed, 1 unchanged, 1 refused, 0 invalid" legacy refused explicit
status_case invalid 3 "4 documents: 2 changed, 0 unchanged, 1 refused, 1 invalid" invalid legacy refused legacy
status_case io-error 4 "4 documents: 1 changed, 0 unchanged, 1 refused, 1 invalid, 1 failed" refused missing invalid legacy

# --- a large batch, killed --------------------------------------------------------

# corpus DIR COUNT: COUNT domains from gen-corpus.py, or from the fixtures.
corpus_note=
# corpus DIR N: N documents in DIR.  Without libvirt's AUTO-GENERATED
# header, which both sources may write: upgrade -i refuses libvirt's own
# files (tests/run-libvirt-files.sh), and these cases are about batches.
corpus() {
    corpus_made "$@"
    find "$1" -name '*.xml' -type f -exec perl -0pi -e \
        's/\A((?:\s|<\?.*?\?>)*)<!--(?:(?!-->).)*?AUTO-GENERATED FILE.*?-->\n*/$1/s' {} +
}

corpus_made() {
    if [ -f "$gen_corpus" ]; then
        python3 "$gen_corpus" "$1" --count "$2" >/dev/null
        return
    fi
    if [ -z "$corpus_note" ]; then
        corpus_note=1
        note corpus "$gen_corpus is missing: the corpora are made from tests/fixtures/*/input.xml instead"
    fi
    mkdir -p "$1"
    local sources=() f i
    for f in "$fixtures"/*/input.xml; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 262144 ] && sources+=("$f")
    done
    for ((i = 0; i < $2; i++)); do
        cp "${sources[i % ${#sources[@]}]}" "$(printf '%s/guest%05d.xml' "$1" "$i")"
    done
}

# hashes DIR: "HASH NAME" for the documents directly in DIR, sorted.
hashes() {
    (cd "$1" && find . -maxdepth 1 -type f -name '*.xml' -printf '%f\0' | LC_ALL=C sort -z |
        xargs -0 -r sha256sum)
}

big=$work/big
corpus "$big/corpus" 2000
run -- upgrade -q -o "$big/expected" -r "$big/corpus"
corpus_status=$status
hashes "$big/corpus" >"$big/old.sums"
# A document that does not convert keeps its bytes.
cp -n "$big/corpus/"*.xml "$big/expected/" 2>/dev/null
hashes "$big/expected" >"$big/new.sums"
total=$(wc -l <"$big/old.sums")

# classify: counts the run directory's documents by old, new or neither.
classify() {
    hashes "$big/run" >"$big/now.sums"
    awk 'FILENAME == ARGV[1] { old[$2] = $1; next }
         FILENAME == ARGV[2] { new[$2] = $1; next }
         { seen[$2] = 1
           if ($1 == new[$2] && $1 != old[$2]) n++
           else if ($1 == old[$2]) o++
           else { bad++; print "neither old nor new: " $2 > "/dev/stderr" } }
         END { for (f in old) if (!(f in seen)) { bad++; print "missing: " f > "/dev/stderr" }
               printf "%d %d %d\n", o, n, bad }' \
        "$big/old.sums" "$big/new.sums" "$big/now.sums" 2>"$big/classify.err"
}

# kill_batch SIGNAL AT JOBS: converts the corpus in place and sends SIGNAL
# once the AT-th document that converts (in name order) has changed.  On a
# busy machine the poll may wake only after the run has ended: then
# nothing was tested, and the case runs again (three tries in all).
kill_batch() {
    local sig=$1 at=$2 jobs=$3 watch ino pid waited old new bad stale try sent raced
    case_begin "batch-$(kill -l "$sig")-after-$at-of-$converting-j$jobs"
    watch=$(sed -n "${at}p" "$big/converting")
    for try in 1 2 3; do
        rm -rf "$big/run"
        cp -a "$big/corpus" "$big/run"
        ino=$(stat -c %i "$big/run/$watch")
        # Not under timeout, which cannot pass SIGKILL on: the poll below has a limit.
        "$domcompat" upgrade -q -j "$jobs" -i -r "$big/run" >/dev/null 2>"$err" </dev/null &
        pid=$!
        waited=0
        while [ "$(stat -c %i "$big/run/$watch")" = "$ino" ] && [ $waited -lt 3000 ]; do
            sleep 0.005
            waited=$((waited + 1))
        done
        sent=yes
        kill "-$sig" "$pid" 2>/dev/null || sent=no
        { wait "$pid"; } 2>/dev/null
        status=$?
        read -r old new bad <<<"$(classify)"
        # Ended by itself: the signal found no process, or it came after the
        # last document and the run's own exit status.
        raced=no
        if [ "$sent" = no ] || { [ "$status" != $((128 + sig)) ] && [ "$new" = "$converting" ]; }; then
            raced=yes
        fi
        [ "$raced" = yes ] || break
        note "$case_name" "try $try: the run ended before the signal (exit status $status, $new new)"
    done
    stale=$(temp_files "$big/run" | wc -l)
    if [ "$raced" = yes ]; then
        problem "the run ended before the signal in 3 tries (${new} new): nothing was tested"
    elif [ "$status" != $((128 + sig)) ]; then
        problem "exit status $status, expected $((128 + sig))" cat "$err"
    fi
    [ "$bad" = 0 ] || problem "$bad documents neither old nor new" cat "$big/classify.err"
    if [ "$new" = 0 ] || [ "$old" = 0 ]; then
        problem "expected some documents old and some new: $old old, $new new"
    fi
    if [ "$sig" = 15 ] && [ "$stale" != 0 ]; then
        problem "$stale temporary files left after SIGTERM: $(temp_files "$big/run" | head -n 3 | tr '\n' ' ')"
    fi
    note "$case_name" "$new new, $old old, $stale stale temporary files"
    case_end
}

# The documents that convert, in name order: the ones to watch.
awk 'FILENAME == ARGV[1] { old[$2] = $1; next } $1 != old[$2] { print $2 }' \
    "$big/old.sums" "$big/new.sums" | LC_ALL=C sort >"$big/converting"
converting=$(wc -l <"$big/converting")
if [ "$converting" -lt 100 ]; then
    echo "$0: only $converting of the $total corpus documents convert" >&2
    exit 2
fi
for at in 5 40 75; do
    kill_batch 9 $((at * converting / 100)) 4
done
kill_batch 9 $((30 * converting / 100)) 1
for at in 15 60; do
    kill_batch 15 $((at * converting / 100)) 1
done
kill_batch 15 $((45 * converting / 100)) 4

# After a kill, running again finishes the work.
case_begin batch-finished-after-a-kill
run -- upgrade -q -i -r "$big/run"
expect_status "$corpus_status"
read -r old new bad <<<"$(classify)"
if [ "$bad" != 0 ] || [ "$new" != "$converting" ]; then
    problem "after the second run: $new new of $converting, $bad neither old nor new"
fi
case_end

# --- -j N gives what -j 1 gives ------------------------------------------------------

jc=$work/jobs
corpus "$jc/corpus" 300
# Some documents refused, some invalid, some unchanged, one named twice (a
# hard link), one a link met while walking, one a network (skipped while
# walking), one in a subdirectory, and
# some with odd names.
for i in 7 77 177; do cp "$docs/refused.xml" "$(printf '%s/corpus/guest%05d.xml' "$jc" "$i")"; done
for i in 13 113 213; do truncate -s 300 "$(printf '%s/corpus/guest%05d.xml' "$jc" "$i")"; done
for i in 21 121 221; do
    f=$(printf '%s/corpus/guest%05d.xml' "$jc" "$i")
    "$domcompat" upgrade "$f" >"$f.tmp" 2>/dev/null && mv "$f.tmp" "$f"
    rm -f "$f.tmp"
done
legacy hard-linked >"$jc/corpus/guest00030.xml"
ln "$jc/corpus/guest00030.xml" "$jc/corpus/guest00030-hard-link.xml"
ln -s guest00031.xml "$jc/corpus/guest00031-link.xml"
printf '<network>\n  <name>default</name>\n</network>\n' >"$jc/corpus/guest00032-network.xml"
mkdir "$jc/corpus/sub"
cp "$jc/corpus/guest00032.xml" "$jc/corpus/sub/guest-sub.xml"
# And odd names, which messages quote, each in its own thread's buffer.
for name in 'odd name.xml' $'new\nline.xml' $'latin1-\xe9t\xe9.xml'; do
    cp "$docs/legacy.xml" "$jc/corpus/$name"
done

# jobs_case NAME STATUS ARGS...: runs with -j 1 and -j 4 from the same
# place and compares standard output, standard error, the status (STATUS),
# and the tree made.
jobs_case() {
    local name=$1 want=$2 j
    shift 2
    case_begin "jobs-1-and-4-identical-$name"
    for j in 1 4; do
        rm -rf "$jc/run" "$jc/out"
        cp -a "$jc/corpus" "$jc/run"
        (cd "$jc" && exec timeout -k 2 "$limit" "$domcompat" "$@" -j "$j" -r run) \
            >"$jc/stdout.$j" 2>"$jc/stderr.$j" </dev/null
        echo $? >"$jc/status.$j"
        rm -rf "$jc/tree.$j"
        if [ -d "$jc/out" ]; then mv "$jc/out" "$jc/tree.$j"; else mv "$jc/run" "$jc/tree.$j"; fi
    done
    cmp -s "$jc/status.1" "$jc/status.4" || problem "exit status $(cat "$jc/status.1") with -j 1, $(cat "$jc/status.4") with -j 4"
    cmp -s "$jc/stdout.1" "$jc/stdout.4" || problem "standard output differs" diff "$jc/stdout.1" "$jc/stdout.4"
    cmp -s "$jc/stderr.1" "$jc/stderr.4" || problem "standard error differs" diff "$jc/stderr.1" "$jc/stderr.4"
    diff -r "$jc/tree.1" "$jc/tree.4" >"$work/tree.diff" 2>&1 || problem "the trees differ" cat "$work/tree.diff"
    [ "$(cat "$jc/status.1")" = "$want" ] || problem "exit status $(cat "$jc/status.1"), expected $want" head -n 5 "$jc/stderr.1"
    [ -s "$jc/stderr.1" ] || [ -s "$jc/stdout.1" ] || problem "no output at all"
    case_end
}
# Invalid documents make it 3; in place, the hard-linked one is refused (4).
jobs_case output-dir 3 upgrade -o out
jobs_case in-place 4 upgrade -i
jobs_case json-report 3 upgrade -o out --format json
jobs_case diff 3 upgrade -n --diff
jobs_case check 3 check --to libvirt-6.2.0 --format json
if ! python3 -m json.tool "$jc/stdout.4" >/dev/null 2>"$work/json.err"; then
    case_begin jobs-json-report-valid
    problem "the -j 4 JSON report is not valid JSON" cat "$work/json.err"
    case_end
fi
# What --diff prints applies with `patch -p0` and makes what --output-dir
# writes: refused and invalid documents, which it says nothing about, stay.
case_begin diff-applies-with-patch
rm -rf "$jc/patched" "$jc/out" "$jc/copies"
mkdir "$jc/patched" "$jc/copies"
for f in "$jc"/corpus/guest*.xml; do cp "$f" "$jc/patched/"; cp "$f" "$jc/copies/"; done
(cd "$jc" && exec "$domcompat" upgrade -q --diff -r patched) >"$jc/patched.diff" 2>"$err" </dev/null
(cd "$jc" && exec "$domcompat" upgrade -q -o out -r copies) >/dev/null 2>&1 </dev/null
if ! (cd "$jc" && patch -p0 -s --dry-run <patched.diff >"$work/patch.out" 2>&1 && patch -p0 -s <patched.diff >>"$work/patch.out" 2>&1); then
    problem "patch -p0 did not apply the diff" cat "$work/patch.out"
fi
n=0
for f in "$jc"/out/*.xml; do
    same_bytes "$jc/patched/${f##*/}" "$f" "patched"
    n=$((n + 1))
done
[ "$n" -gt 100 ] || problem "only $n documents converted"
for f in "$jc"/patched/*.xml; do
    [ -e "$jc/out/${f##*/}" ] || same_bytes "$f" "$jc/corpus/${f##*/}" "a document not converted"
done
case_end

# The summary counts the documents' outcomes, and the status is the worst
# document's, in the text and the JSON report alike.
case_begin jobs-summary-counts
rm -rf "$jc/out"
run -- upgrade -j 4 -o "$jc/out" --format json -r "$jc/corpus"
json_status=$status
cp "$out" "$jc/report.json"
rm -rf "$jc/out"
run -- upgrade -j 4 -o "$jc/out" -r "$jc/corpus"
[ "$status" = "$json_status" ] || problem "exit status $status, $json_status with --format json"
if ! python3 -c '
import collections, json, sys
report = json.load(open(sys.argv[1]))
docs = report["documents"]
got = collections.Counter(d["outcome"] for d in docs)
summary = report["summary"]
names = ["changed", "unchanged", "refused", "invalid", "failed", "skipped"]
problems = []
for name in names:
    if summary[name] != got[name]:
        problems.append("%s: summary %d, documents %d" % (name, summary[name], got[name]))
worst = max(d["exit"] for d in docs)
if summary["exit"] != worst or summary["documents"] != len(docs) or worst != int(sys.argv[2]):
    problems.append("exit %d, worst document %d, process %s" % (summary["exit"], worst, sys.argv[2]))
if got["refused"] < 3 or got["invalid"] < 3 or got["skipped"] < 3:
    problems.append("the corpus should have 3+ refused, 3+ invalid, 3+ skipped: %r" % dict(got))
text = "domcompat: %d documents: " % len(docs) + ", ".join(
    "%d %s" % (got[n], n) for n in names if got[n] or n not in ("failed", "skipped"))
if open(sys.argv[3], errors="replace").read().splitlines()[-1] != text:
    problems.append("the summary line is not %r" % text)
sys.exit("; ".join(problems) or None)
' "$jc/report.json" "$status" "$err" 2>"$work/json.err"; then
    problem "$(cat "$work/json.err")"
fi
case_end

summary="batch: $passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ "$failed" -eq 0 ]
