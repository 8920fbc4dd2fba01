#!/bin/sh
# The rules lint (tools/lint-rules.c) on cases of its own: each
# tests/lint/reject-* must be refused with the message its "expect:"
# comment names, each tests/lint/accept-* accepted.  A case that is a
# directory gives the lint all its files at once, in name order (grammars
# that must agree with one another); one of them holds the "expect:".
# Usage: tests/run-lint.sh build/tools/lint-rules
set -u
lint=$1
dir=$(dirname "$0")/lint
passed=0
failed=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

for case in "$dir"/accept-* "$dir"/reject-*; do
    name=${case##*/}
    files=$case
    [ -d "$case" ] && files=$(find "$case" -type f | sort)
    mode=
    case $files in *.rng*) mode=--grammar ;; esac
    # shellcheck disable=SC2086 # mode is one word or none; file names have no spaces
    "$lint" $mode $files 2>"$out"
    status=$?
    # shellcheck disable=SC2086
    expect=$(sed -n 's/.*<!-- expect: \(.*\) -->.*/\1/p' $files)
    case $name in
    accept-*) ok=$([ "$status" -eq 0 ] && echo yes) ;;
    *) ok=$([ "$status" -eq 1 ] && grep -qF -- "$expect" "$out" && echo yes) ;;
    esac
    if [ "$ok" = yes ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $name: exit $status, expected ${expect:-none}" >&2
        cat "$out" >&2
    fi
done
echo "lint cases: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
