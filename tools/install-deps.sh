#!/bin/sh
# Installs the Debian packages domcompat needs to build and to run its
# tests, when any is missing.  Does nothing when all are present.
#
#   sh tools/install-deps.sh          make check and the other suites
#   sh tools/install-deps.sh --host   also make check-host: a libvirt daemon
#                                     with its QEMU driver and QEMU
#                                     (tests/host/install.sh; starts nothing)
set -eu

if [ "${1:-}" = --host ]; then
    sh "$0"
    exec sh "$(dirname "$0")/../tests/host/install.sh"
fi

packages="make gcc libc6-dev pkg-config libxml2-dev libxslt1-dev xsltproc
libxml2-utils libcmocka-dev libvirt-clients valgrind clang libclang-rt-14-dev
python3 acl e2fsprogs debootstrap strace patch"

missing=""
for package in $packages; do
    if ! dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $package"
    fi
done
[ -z "$missing" ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
    echo "install-deps: missing:$missing; install them with your package manager" >&2
    exit 1
fi
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
echo "install-deps: installing$missing" >&2
$sudo apt-get update -q
# shellcheck disable=SC2086 # one word per package
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
