#!/bin/bash
# Checks the laws of conversion on every document under tests/fixtures.
#
#   tests/run-laws.sh build/domcompat
#
# For each input.xml and expected.xml, with the --assume options of its
# case's command (when that command is upgrade or downgrade):
#   legacy round trip    valid in the legacy form and upgrade succeeds:
#                        downgrade(upgrade(x)) succeeds and equals x byte for byte
#   explicit round trip  valid in the explicit form and downgrade succeeds:
#                        upgrade(downgrade(x)) succeeds and equals x byte for byte
#   upgrade idempotence  upgrade succeeds: upgrade(upgrade(x)) == upgrade(x)
#   downgrade idempotence downgrade succeeds: downgrade(downgrade(x)) == downgrade(x)
#
# Prints one line per failure and, last, "laws: N passed, M failed";
# exits 1 if any law failed, 2 if it cannot run at all.
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
fixtures=$(cd "$(dirname "$0")" && pwd)/fixtures
if [ ! -d "$fixtures" ]; then
    echo "$0: $fixtures: no such directory" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-laws.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

passed=0
failed=0
assume=()

fail() {
    local where=$1 law=$2 detail=$3

    failed=$((failed + 1))
    echo "FAIL $where: $law: $detail"
}

# Runs domcompat VERB with the case's assumptions on FILE, output to OUT; returns its status.
run() {
    local verb=$1 file=$2 out=$3

    "$domcompat" "$verb" "${assume[@]}" "$file" >"$out" 2>"$work/stderr" </dev/null
}

# The first line domcompat wrote to stderr, to say why a step failed.
why() {
    head -n 1 "$work/stderr"
}

# Checks that OUT (produced with status STATUS) equals WANT; counts the law.
expect_same() {
    local where=$1 law=$2 status=$3 out=$4 want=$5

    if [ "$status" -ne 0 ]; then
        fail "$where" "$law" "second step exited $status: $(why)"
    elif ! cmp -s "$want" "$out"; then
        fail "$where" "$law" "not byte for byte equal"
        diff -u --label "expected" --label "actual" "$want" "$out" | head -n 12 | sed 's/^/    /'
    else
        passed=$((passed + 1))
    fi
}

check_document() {
    local where=$1 file=$2 status

    if "$domcompat" validate --form legacy -q "$file" >/dev/null 2>&1 &&
        run upgrade "$file" "$work/up"; then
        run downgrade "$work/up" "$work/up-down"
        expect_same "$where" "legacy round trip" $? "$work/up-down" "$file"
    fi
    if "$domcompat" validate --form explicit -q "$file" >/dev/null 2>&1 &&
        run downgrade "$file" "$work/down"; then
        run upgrade "$work/down" "$work/down-up"
        expect_same "$where" "explicit round trip" $? "$work/down-up" "$file"
    fi
    if run upgrade "$file" "$work/up"; then
        run upgrade "$work/up" "$work/up-up"
        expect_same "$where" "upgrade idempotence" $? "$work/up-up" "$work/up"
    fi
    if run downgrade "$file" "$work/down"; then
        run downgrade "$work/down" "$work/down-down"
        expect_same "$where" "downgrade idempotence" $? "$work/down-down" "$work/down"
    fi
}

for dir in "$fixtures"/*/; do
    dir=${dir%/}
    name=$(basename "$dir")
    # The case's assumptions apply to its documents; other options do not.
    assume=()
    if [ -f "$dir/command" ]; then
        read -r -a words <"$dir/command"
        if [ ${#words[@]} -gt 0 ] && { [ "${words[0]}" = upgrade ] || [ "${words[0]}" = downgrade ]; }; then
            for ((i = 1; i < ${#words[@]}; i++)); do
                case ${words[i]} in
                --assume) [ $((i + 1)) -lt ${#words[@]} ] && assume+=(--assume "${words[i + 1]}") && i=$((i + 1)) ;;
                --assume=*) assume+=("${words[i]}") ;;
                esac
            done
        fi
    fi
    for doc in input.xml expected.xml; do
        [ -f "$dir/$doc" ] || continue
        check_document "$name/$doc" "$dir/$doc"
    done
done

echo "laws: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
