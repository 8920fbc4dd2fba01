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
