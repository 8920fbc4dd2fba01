#!/bin/sh
# Installs what make check-host runs: a real libvirt daemon with its QEMU
# driver, and QEMU for x86 (Debian packages; no KVM needed, QEMU emulates).
# Does nothing when all are present.  Callable on any Debian release and in
# a chroot: it only installs packages and creates the user and group that
# libvirt's QEMU driver looks up when it starts (Debian's libvirt is built
# for libvirt-qemu:libvirt-qemu, and the driver fails without them even
# when its configuration names another user).  It starts nothing: the
# daemons run only inside the tests' private namespaces (tests/host/lib.sh).
set -eu

packages="libvirt-daemon libvirt-daemon-driver-qemu libvirt-clients qemu-system-x86
libxml2-utils util-linux"

missing=""
for package in $packages; do
    if ! dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -q 'ok installed'; then
        missing="$missing $package"
    fi
done
sudo=""
[ "$(id -u)" -eq 0 ] || sudo=sudo
if [ -n "$missing" ]; then
    echo "tests/host/install.sh: installing$missing" >&2
    $sudo apt-get update -q
    # shellcheck disable=SC2086 # one word per package
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $missing
fi

getent group libvirt-qemu >/dev/null || $sudo groupadd -r libvirt-qemu
getent passwd libvirt-qemu >/dev/null ||
    $sudo useradd -r -g libvirt-qemu -d /var/lib/libvirt -s /usr/sbin/nologin libvirt-qemu
