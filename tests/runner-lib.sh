# Shared by the test runners (sourced): checks the one argument, the binary
# under test, and sets
#   domcompat  its absolute path
#   bin_dir    the directory it is in (build/, with schemas/ beside it)
#   fixtures   tests/fixtures, absolute
# Exits 2 when the runner cannot run at all.
runner_setup() {
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
}

# Case bookkeeping, shared by the runners that check several things per case
# (they set $work, a scratch directory, before the first case):
#   case_begin NAME        starts a case
#   problem WHAT [CMD...]  records a failure of it, with the first lines of
#                          CMD's output as detail; $case_step, when set,
#                          prefixes WHAT
#   case_end               counts it as passed, or prints "FAIL NAME: ..."
#                          and the details and counts it as failed
#   skip NAME WHY          counts a case that cannot run here
passed=0
failed=0
skipped=0
problems=()
case_name=
case_step=

case_begin() {
    case_name=$1
    case_step=
    problems=()
    : >"$work/details"
}

problem() {
    problems+=("${case_step:+$case_step: }$1")
    shift
    if [ $# -gt 0 ]; then
        "$@" 2>&1 | head -n 12 | sed 's/^/    /' >>"$work/details"
    fi
}

case_end() {
    if [ ${#problems[@]} -eq 0 ]; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        local what
        what=$(printf '%s; ' "${problems[@]}")
        echo "FAIL $case_name: ${what%; }"
        cat "$work/details"
    fi
}

skip() {
    skipped=$((skipped + 1))
    echo "skip $1: $2"
}
