#!/bin/bash
# Runs the Ansible module (contrib/ansible/library/domcompat.py) with a real
# ansible-playbook against this host (-i localhost, -c local), over scratch
# directories made of fixture documents, with the domcompat under test first
# in PATH:
#
#   tests/run-ansible.sh build/domcompat
#
#   documentation  the module's DOCUMENTATION, EXAMPLES and RETURN parse, and
#                  its documented options are its argument_spec
#   check mode     --check --diff changes no file (names, inodes, times,
#                  bytes) and reports, with diffs, the two that would change
#   apply          a real run changes exactly those two files, to the
#                  fixtures' expected bytes, and keeps each original as a
#                  backup; nothing else appears or changes
#   re-apply       a second run reports no change and touches nothing
#   wave           the README's playbook (contrib/ansible/check-before-wave.yml,
#                  which the README must show as it is) over a directory laid
#                  out as /etc/libvirt/qemu (networks/, autostart/ links): a
#                  lossy document fails the task with its message and the
#                  report, and the same documents pass for a peer that reads
#                  them; the module given that directory itself skips the
#                  network and the links, and passes
#   refused        a downgrade with one refused document fails the task with
#                  its message, leaves that file as it was, and still
#                  converts the other
#   usage error    a peer domcompat does not know fails the task with
#                  domcompat's message
#
# Prints each run's recap line, one line per failure and, last,
# "ansible: N passed, M failed"; exits 1 if any case failed, 2 if it cannot
# run at all.
set -u

. "$(dirname "$0")/runner-lib.sh"
runner_setup "$@"
root=$(cd "$(dirname "$0")/.." && pwd)
module_dir=$root/contrib/ansible/library
wave_playbook=$root/contrib/ansible/check-before-wave.yml

for tool in ansible-playbook cmp diff; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is needed (packages ansible-core, diffutils)" >&2
        exit 2
    fi
done
# Debian's ansible-core runs on the system's Python, whatever else PATH has.
python=/usr/bin/python3
if ! "$python" -c 'import ansible, yaml' 2>/dev/null; then
    echo "$0: $python cannot import ansible and yaml (package ansible-core)" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-ansible.XXXXXX") || exit 2
[ -n "${KEEP_WORK:-}" ] || trap 'rm -rf "$work"' EXIT

# Ansible reads no configuration but this, and keeps its files in $work.
: >"$work/ansible.cfg"
export ANSIBLE_CONFIG=$work/ansible.cfg ANSIBLE_HOME=$work/ansible-home
export ANSIBLE_LOCAL_TEMP=$work/ansible-local ANSIBLE_REMOTE_TEMP=$work/ansible-remote
export ANSIBLE_NOCOLOR=1 ANSIBLE_STDOUT_CALLBACK=default ANSIBLE_RETRY_FILES_ENABLED=0
export ANSIBLE_PYTHON_INTERPRETER=$python
export PATH=$bin_dir:$PATH

# playbook NAME ARGS...: runs ansible-playbook against this host; the output
# goes to $work/NAME.log, the exit status to `status`, the recap line (with
# its runs of spaces squeezed) to `recap`, and both are printed.
playbook() {
    local name=$1
    shift
    ansible-playbook "$@" >"$work/$name.log" 2>&1
    status=$?
    recap=$(grep -E '^localhost +: ok=' "$work/$name.log" | tr -s ' ')
    echo "recap $name (exit $status): ${recap:-none}"
}

# extra_vars COMMAND PEER DIR DOCUMENTS CHANGED...: module.yml's variables,
# as JSON (the scratch paths hold no quote or backslash).
extra_vars() {
    local command=$1 peer=$2 dir=$3 documents=$4 list="" f
    shift 4
    for f in "$@"; do list="$list${list:+, }\"$f\""; done
    printf '{"command": "%s", %s"domains": "%s", "expect_documents": %s, "expect_changed": [%s]}' \
        "$command" "${peer:+\"peer\": \"$peer\", }" "$dir" "$documents" "$list"
}

# snapshot DIR [--files]: one line per entry below DIR, sorted: its name,
# type, inode, size, mode, mtime (in ns) and, for a file, the bytes' digest;
# with --files, directories are listed without their mtime (which a file
# created in them changes).
snapshot() {
    "$python" - "$@" <<'PY'
import hashlib, os, stat, sys
top, files_only = sys.argv[1], "--files" in sys.argv[2:]
for parent, dirs, files in os.walk(top):
    for name in dirs + files:
        path = os.path.join(parent, name)
        st = os.lstat(path)
        kind = "d" if stat.S_ISDIR(st.st_mode) else "f" if stat.S_ISREG(st.st_mode) else "o"
        digest = hashlib.sha256(open(path, "rb").read()).hexdigest() if kind == "f" else "-"
        mtime = "-" if kind == "d" and files_only else st.st_mtime_ns
        print(os.path.relpath(path, top), kind, st.st_ino, st.st_size, oct(st.st_mode), mtime, digest)
PY
}

expect_recap() {
    case " $recap " in
    *" $1 "*) ;;
    *) problem "recap has no $1: ${recap:-no recap}" tail -n 20 "$work/$2.log" ;;
    esac
}

expect_in_log() {
    grep -qF -- "$2" "$work/$1.log" || problem "the output lacks: $2" tail -n 20 "$work/$1.log"
}

# --- documentation -----------------------------------------------------------

case_begin documentation
if ! "$python" "$root/tests/ansible/check-doc.py" "$module_dir/domcompat.py" >"$work/doc.log" 2>&1; then
    problem "the documentation does not match the module" cat "$work/doc.log"
fi
case_end

# --- upgrade in place: check mode, apply, re-apply --------------------------------

d=$work/domains
mkdir -p "$d/sub"
cp "$fixtures/upgrade-q35-typical-guest/input.xml" "$d/q35.xml"
cp "$fixtures/upgrade-explicit-document-unchanged/input.xml" "$d/explicit.xml"
cp "$fixtures/upgrade-pcie-root-port/input.xml" "$d/sub/pcie.xml"
cp "$fixtures/upgrade-no-pci-controllers-unchanged/input.xml" "$d/sub/plain.xml"
snapshot "$d" >"$work/before"
snapshot "$d" --files >"$work/before-files"
changing=$(extra_vars upgrade "" "$d" 4 "$d/q35.xml" "$d/sub/pcie.xml")
unchanging=$(extra_vars upgrade "" "$d" 4)
export ANSIBLE_LIBRARY=$module_dir

case_begin "check mode"
playbook check -i localhost, -c local --check --diff -e "$changing" "$root/tests/ansible/module.yml"
[ "$status" -eq 0 ] || problem "ansible-playbook exited $status" tail -n 20 "$work/check.log"
expect_recap changed=1 check
expect_recap failed=0 check
for f in q35.xml sub/pcie.xml; do
    expect_in_log check "+++ $d/$f"
done
expect_in_log check "+    <controller type='pci' index='1' subType='pcie-root-port' model='ioh3420'>"
snapshot "$d" >"$work/after-check"
cmp -s "$work/before" "$work/after-check" ||
    problem "check mode changed the directory" diff "$work/before" "$work/after-check"
case_end

case_begin apply
playbook apply -i localhost, -c local --diff -e "$changing" "$root/tests/ansible/module.yml"
[ "$status" -eq 0 ] || problem "ansible-playbook exited $status" tail -n 20 "$work/apply.log"
expect_recap changed=1 apply
expect_recap failed=0 apply
expect_in_log apply "+++ $d/q35.xml"
cmp -s "$d/q35.xml" "$fixtures/upgrade-q35-typical-guest/expected.xml" ||
    problem "q35.xml is not the upgrade's expected output"
cmp -s "$d/sub/pcie.xml" "$fixtures/upgrade-pcie-root-port/expected.xml" ||
    problem "sub/pcie.xml is not the upgrade's expected output"
for backup in "$d"/q35.xml.domcompat-* "$d"/sub/pcie.xml.domcompat-*; do
    case $backup in
    */q35.xml.*) original=$fixtures/upgrade-q35-typical-guest/input.xml ;;
    *) original=$fixtures/upgrade-pcie-root-port/input.xml ;;
    esac
    cmp -s "$backup" "$original" || problem "no backup holding the original: $backup"
done
snapshot "$d" >"$work/after-apply"
snapshot "$d" --files >"$work/after-apply-files"
# Nothing but the two files changed; nothing appeared but their backups.
grep -vE '^(q35\.xml|sub/pcie\.xml) ' "$work/before-files" >"$work/kept"
grep -vE '^(q35\.xml|sub/pcie\.xml)(\.domcompat-[0-9T.]+)? ' "$work/after-apply-files" >"$work/kept-after"
cmp -s "$work/kept" "$work/kept-after" ||
    problem "files other than the two changed" diff "$work/kept" "$work/kept-after"
[ "$(grep -cE '^(q35\.xml|sub/pcie\.xml)\.domcompat-[0-9T.]+ f ' "$work/after-apply")" -eq 2 ] ||
    problem "not exactly one backup of each changed file" cat "$work/after-apply"
case_end

case_begin re-apply
playbook re-apply -i localhost, -c local --diff -e "$unchanging" "$root/tests/ansible/module.yml"
[ "$status" -eq 0 ] || problem "ansible-playbook exited $status" tail -n 20 "$work/re-apply.log"
expect_recap changed=0 re-apply
expect_recap failed=0 re-apply
snapshot "$d" >"$work/after-re-apply"
cmp -s "$work/after-apply" "$work/after-re-apply" ||
    problem "the second run changed the directory" diff "$work/after-apply" "$work/after-re-apply"
case_end
unset ANSIBLE_LIBRARY

# --- the README's playbook: checking before a migration wave -------------------------

w=$work/wave
mkdir -p "$w"
cp "$fixtures/check-lossy-json/input.xml" "$w/lossy.xml"
cp "$fixtures/upgrade-explicit-document-unchanged/input.xml" "$w/explicit.xml"
# Laid out as libvirt keeps /etc/libvirt/qemu: a network beside the domains,
# and the links of autostart/.
mkdir -p "$w/networks/autostart" "$w/autostart"
printf "<network>\n  <name>default</name>\n</network>\n" >"$w/networks/default.xml"
ln -s ../default.xml "$w/networks/autostart/default.xml"
ln -s ../explicit.xml "$w/autostart/explicit.xml"
snapshot "$w" >"$work/wave-before"
printf '[libvirt_hosts]\nlocalhost ansible_connection=local\n' >"$work/inventory"
# The host is this one: no package to install, no sudo to become root.
wave_vars() {
    printf '{"ansible_become": false, "wave_peer": "%s", "domain_dirs": ["%s"]}' "$1" "$w"
}

case_begin wave
sed -n '/^<!-- fleet: check-before-wave.yml -->$/,/^```$/p' "$root/README.md" | sed '1,2d;$d' >"$work/readme.yml"
cmp -s "$work/readme.yml" "$wave_playbook" ||
    problem "the README does not show contrib/ansible/check-before-wave.yml as it is" \
        diff "$work/readme.yml" "$wave_playbook"
# The module is found in library/ beside the playbook, as users will run it.
playbook wave-lossy -i "$work/inventory" --skip-tags install -e "$(wave_vars libvirt-6.2.0)" "$wave_playbook"
[ "$status" -eq 2 ] || problem "ansible-playbook exited $status, not 2 (a failed task)"
expect_recap failed=1 wave-lossy
expect_in_log wave-lossy "\"msg\": \"domcompat check: 1 lossy\\n$w/lossy.xml:29:7: PCI controller index 1 (pcie-root-port implemented by pcie-root-port): libvirt 6.2.0 does not parse <target hotplug='off'> (first in libvirt 6.3.0) and would ignore it"
expect_in_log wave-lossy '"outcome": "lossy"'
playbook wave-ok -i "$work/inventory" --skip-tags install -e "$(wave_vars libvirt-6.3.0)" "$wave_playbook"
[ "$status" -eq 0 ] || problem "ansible-playbook exited $status for a peer that reads every document" \
    tail -n 20 "$work/wave-ok.log"
expect_recap ok=2 wave-ok
expect_recap failed=0 wave-ok
expect_recap changed=0 wave-ok
expect_recap skipped=0 wave-ok
# A host that defines no domain passes, the check skipped.
mkdir "$work/no-domains"
playbook wave-none -i "$work/inventory" --skip-tags install \
    -e "{\"ansible_become\": false, \"wave_peer\": \"libvirt-6.2.0\", \"domain_dirs\": [\"$work/no-domains\"]}" "$wave_playbook"
[ "$status" -eq 0 ] || problem "ansible-playbook exited $status for a host without domains" \
    tail -n 20 "$work/wave-none.log"
expect_recap failed=0 wave-none
expect_recap skipped=1 wave-none
snapshot "$w" >"$work/wave-after"
cmp -s "$work/wave-before" "$work/wave-after" ||
    problem "check changed the directory" diff "$work/wave-before" "$work/wave-after"
case_end

# The module given the libvirt-like directory itself: the network and the
# links are skipped while walking, and the task passes.
case_begin wave-directory
ANSIBLE_LIBRARY=$module_dir playbook wave-directory -i localhost, -c local \
    -e "$(extra_vars check libvirt-6.3.0 "$w" 5)" "$root/tests/ansible/module.yml"
[ "$status" -eq 0 ] || problem "ansible-playbook exited $status over the directory" \
    tail -n 20 "$work/wave-directory.log"
expect_recap failed=0 wave-directory
snapshot "$w" >"$work/wave-after"
cmp -s "$work/wave-before" "$work/wave-after" ||
    problem "check changed the directory" diff "$work/wave-before" "$work/wave-after"
case_end

# --- a refused conversion --------------------------------------------------------

o=$work/old
mkdir -p "$o"
cp "$fixtures/check-to-legacy-refuses-generic-pcie-root-port/input.xml" "$o/generic.xml"
cp "$fixtures/upgrade-pcie-root-port/expected.xml" "$o/pcie.xml"
snapshot "$o" >"$work/old-before"

case_begin refused
ANSIBLE_LIBRARY=$module_dir playbook refused -i localhost, -c local \
    -e "$(extra_vars downgrade legacy "$o" 2 "$o/pcie.xml")" "$root/tests/ansible/module.yml"
[ "$status" -eq 2 ] || problem "ansible-playbook exited $status, not 2 (a failed task)"
expect_recap failed=1 refused
expect_in_log refused "\"msg\": \"domcompat downgrade: 1 refused\\n$o/generic.xml:28:5: PCI controller index 1 (pcie-root-port implemented by pcie-root-port): the legacy form of pcie-root-port implies ioh3420: the guest would see 8086:3420 (ioh3420) instead of 1b36:000c (pcie-root-port); to convert it: "
expect_in_log refused '"changed": true'
grep -E '^generic\.xml ' "$work/old-before" >"$work/refused-before"
snapshot "$o" | grep -E '^generic\.xml ' >"$work/refused-after"
cmp -s "$work/refused-before" "$work/refused-after" || problem "the refused document was touched"
cmp -s "$o/pcie.xml" "$fixtures/upgrade-pcie-root-port/input.xml" ||
    problem "the other document was not downgraded"
case_end

case_begin "usage error"
# domcompat stops before any document and prints no report: the task fails
# with what domcompat said, and touches nothing.
snapshot "$o" >"$work/usage-before"
ANSIBLE_LIBRARY=$module_dir playbook usage -i localhost, -c local \
    -e "$(extra_vars downgrade libvirt-bogus "$o" 2)" "$root/tests/ansible/module.yml"
[ "$status" -eq 2 ] || problem "ansible-playbook exited $status, not 2 (a failed task)"
expect_recap failed=1 usage
expect_in_log usage '"msg": "domcompat exited with status 2: domcompat: '
expect_in_log usage "libvirt-bogus"
snapshot "$o" >"$work/usage-after"
cmp -s "$work/usage-before" "$work/usage-after" || problem "the directory changed"
case_end

echo "ansible: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
