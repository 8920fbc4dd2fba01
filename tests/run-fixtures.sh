#!/bin/bash
# Runs every case under tests/fixtures against a domcompat binary.
#
#   tests/run-fixtures.sh build/domcompat
#
# A case is a directory holding:
#   command          the arguments before the file name, one line, word-split
#   input.xml        the input (absent: a missing file; a directory: not a file)
#   expected.xml     exact standard output of a conversion that succeeds, or
#   expected.stdout  exact standard output of validate; neither: must be empty
#   expected.stderr  exact standard error; absent: must be empty
#   expected.status  the exit status
#   oracle-skip      (optional) why virt-xml-validate does not apply
# From inside the case directory the runner runs `domcompat $(cat command) input.xml`.
#
# Each successful conversion is also checked by real validators: upgrade
# results against the explicit form's schema, downgrade results against the
# legacy form's schema and against libvirt's own (virt-xml-validate).
#
# Prints one line per failure and, last, "fixtures: N passed, M failed";
# exits 1 if any case failed, 2 if it cannot run at all.
set -u

if [ $# -ne 1 ]; then
    echo "usage: $0 DOMCOMPAT_BINARY" >&2
    exit 2
fi
if [ ! -x "$1" ] || [ -d "$1" ]; then
    echo "$0: $1: not an executable file" >&2
    exit 2
fi
bin_dir=$(cd "$(dirname "$1")" && pwd) || exit 2
domcompat="$bin_dir/$(basename "$1")"
schemas="$bin_dir/schemas"
fixtures=$(cd "$(dirname "$0")" && pwd)/fixtures

for tool in xmllint virt-xml-validate diff; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is needed (packages libxml2-utils, libvirt-clients, diffutils)" >&2
        exit 2
    fi
done
for form in explicit legacy mixed; do
    if [ ! -f "$schemas/$form.rng" ]; then
        echo "$0: $schemas/$form.rng is missing; build it first (make all)" >&2
        exit 2
    fi
done
if [ ! -d "$fixtures" ]; then
    echo "$0: $fixtures: no such directory" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-fixtures.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
problems=()

# Records one problem with the current case; $2.. is an optional diff to show.
problem() {
    problems+=("$1")
    shift
    if [ $# -gt 0 ]; then
        "$@" | head -n 20 | sed 's/^/    /' >>"$work/details"
    fi
}

# Compares an expected file (or emptiness, when it does not exist) with what came out.
compare() {
    local what=$1 expected=$2 actual=$3

    if [ -f "$expected" ]; then
        if ! cmp -s "$expected" "$actual"; then
            problem "$what differs from $(basename "$expected")" \
                diff -u --label "expected" --label "actual" "$expected" "$actual"
        fi
    elif [ -s "$actual" ]; then
        problem "$what should be empty" diff -u --label "expected" --label "actual" /dev/null "$actual"
    fi
}

# Real validators for what a successful conversion wrote.
check_oracles() {
    local dir=$1 verb=$2 out=$3

    case $verb in
    upgrade)
        if ! xmllint --noout --relaxng "$schemas/explicit.rng" "$out" >"$work/oracle" 2>&1; then
            problem "oracle: expected.xml is not valid against explicit.rng" cat "$work/oracle"
        fi
        ;;
    downgrade)
        if ! xmllint --noout --relaxng "$schemas/legacy.rng" "$out" >"$work/oracle" 2>&1; then
            problem "oracle: expected.xml is not valid against legacy.rng" cat "$work/oracle"
        fi
        if [ -f "$dir/oracle-skip" ]; then
            if [ ! -s "$dir/oracle-skip" ]; then
                problem "oracle-skip must say why virt-xml-validate does not apply"
            fi
        elif ! virt-xml-validate "$out" domain >"$work/oracle" 2>&1; then
            problem "oracle: virt-xml-validate rejects expected.xml" cat "$work/oracle"
        fi
        ;;
    esac
}

# domcompat validates a skeleton of each document (src/skeleton.h); whatever
# it accepts in a form, the whole document must pass the same schema too.
check_skeleton_agrees() {
    local file=$1 form

    [ -f "$file" ] || return 0
    for form in legacy explicit mixed; do
        if "$domcompat" validate -q --form "$form" "$file" >/dev/null 2>&1 &&
            ! xmllint --noout --relaxng "$schemas/$form.rng" "$file" >"$work/oracle" 2>&1; then
            problem "oracle: domcompat accepts $(basename "$file") in the $form form, the whole-document schema does not" \
                cat "$work/oracle"
        fi
    done
}

run_case() {
    local dir=$1 words status expected_status

    problems=()
    : >"$work/details"
    if [ ! -f "$dir/command" ] || [ ! -f "$dir/expected.status" ]; then
        problem "needs the files command and expected.status"
        return
    fi
    if [ -f "$dir/expected.xml" ] && [ -f "$dir/expected.stdout" ]; then
        problem "has both expected.xml and expected.stdout"
        return
    fi
    # One line, split into words (no glob expansion).
    read -r -a words <"$dir/command"
    expected_status=$(tr -d ' \t\r\n' <"$dir/expected.status")

    (cd "$dir" && exec "$domcompat" "${words[@]}" input.xml) >"$work/stdout" 2>"$work/stderr" </dev/null
    status=$?

    if [ "$status" != "$expected_status" ]; then
        problem "exit status $status, expected $expected_status"
    fi
    if [ -f "$dir/expected.xml" ]; then
        compare "stdout" "$dir/expected.xml" "$work/stdout"
    else
        compare "stdout" "$dir/expected.stdout" "$work/stdout"
    fi
    compare "stderr" "$dir/expected.stderr" "$work/stderr"

    if [ "$expected_status" = 0 ] && [ -f "$dir/expected.xml" ] && [ ${#words[@]} -gt 0 ]; then
        check_oracles "$dir" "${words[0]}" "$dir/expected.xml"
    fi
    check_skeleton_agrees "$dir/input.xml"
    check_skeleton_agrees "$dir/expected.xml"
}

for dir in "$fixtures"/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    run_case "$dir"
    if [ ${#problems[@]} -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        what=$(printf '%s; ' "${problems[@]}")
        echo "FAIL $name: ${what%; }"
        cat "$work/details"
    fi
done

echo "fixtures: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
