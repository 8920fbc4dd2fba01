#!/usr/bin/env bash
# Builds and tests domcompat inside another Debian release, made with
# debootstrap from the Debian mirror and kept between runs.
#
#   tools/debian-check.sh [--cache DIR] [--mirror URL] SUITE [STEP...]
#
# SUITE is a Debian suite (sid, trixie...).  STEPS, by default
# "build check sanitize compilers", run in order inside the system:
#
#   build      make all: the whole build, warnings being errors;
#   check      make check;
#   sanitize   make sanitize;
#   compilers  make all and the unit tests again with each gcc-N (N >= 12)
#              the suite ships, each in its own build directory;
#   host       make check-host: the suite's own libvirt daemon and QEMU as
#              oracles (tests/run-host.sh), installed into the system by
#              tests/host/install.sh when this step is asked for.
#
# The system is made once under the cache directory (default
# /var/cache/domcompat-ci), named after the suite and a hash of what goes
# into it (mirror, packages, this script's set-up code), so changing any
# of them makes a new one.  Each run first brings it up to date with the
# mirror (apt-get update and dist-upgrade), and one older than
# MAX_AGE_DAYS is made anew.  The source tree (tracked and untracked files,
# not ignored ones) is copied into it; nothing is written back.
#
# Inside, /proc, /sys, /dev and a fresh /run are mounted in a private mount
# namespace of this script, and unmounted on exit, however it ends.
# Needs root, debootstrap and unshare (util-linux).
set -euo pipefail

cache=/var/cache/domcompat-ci
mirror=http://deb.debian.org/debian
MAX_AGE_DAYS=14

usage() {
    sed -n '4,5p' "$0" | sed 's/^# *//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --cache) cache=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    --inside) break ;;
    -h | --help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) usage ;;
    *) break ;;
    esac
done

# What the build and the tests need (tools/install-deps.sh, less valgrind
# and clang, which the fuzzing and valgrind runs of the native check use).
packages="make gcc libc6-dev pkg-config libxml2-dev libxslt1-dev xsltproc libxml2-utils
libcmocka-dev libvirt-clients python3 acl e2fsprogs diffutils git ca-certificates strace patch"

log() {
    printf '%s: %s\n' "debian-check" "$*" >&2
}

# The gcc-N packages (N >= 12) the suite's package lists know.
available_compilers() {
    chroot "$1" apt-cache pkgnames gcc- | grep -E '^gcc-[0-9]+$' |
        awk -F- '$2 >= 12' | sort -t- -k2 -n
}

apt_in() {
    local root=$1
    shift
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -q -y -o Dpkg::Use-Pty=0 \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@"
}

# Makes the system in $1 (which must not exist) from the mirror.
create_system() {
    local root=$1 suite=$2
    debootstrap --variant=minbase "$suite" "$root" "$mirror" >"$root.debootstrap.log" 2>&1 || {
        tail -n 30 "$root.debootstrap.log" >&2
        return 1
    }
    rm -f "$root.debootstrap.log"
    # A mirror may serve a frozen snapshot whose Release file is past its
    # Valid-Until date; the signatures are still checked.
    echo 'Acquire::Check-Valid-Until "false";' >"$root/etc/apt/apt.conf.d/99domcompat-snapshot" ||
        return 1
    # Packages install their daemons without starting them.
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d" || return 1
    chmod 755 "$root/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    apt_in "$root" update >/dev/null || return 1
    # shellcheck disable=SC2086 # one word per package
    apt_in "$root" install --no-install-recommends $packages >/dev/null || return 1
    date +%s >"$root/.domcompat-created"
}

# Brings the system in $1 up to date with the mirror, with every gcc-N
# when $2 is "yes".
refresh_system() {
    local root=$1 compilers=""
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    apt_in "$root" update >/dev/null || return 1
    apt_in "$root" dist-upgrade >/dev/null || return 1
    if [ "$2" = yes ]; then
        compilers=$(available_compilers "$root" | tr '\n' ' ')
    fi
    # shellcheck disable=SC2086 # one word per package
    apt_in "$root" install --no-install-recommends $packages $compilers >/dev/null || return 1
    apt_in "$root" clean >/dev/null
}

remade=""

# The system for suite $1, made or refreshed (with every gcc-N when $2 is
# "yes"); prints its directory.
system_for() {
    local suite=$1 compilers=$2 key root stale created start=$SECONDS
    key=$(printf '%s\n' "$suite" "$mirror" "$packages" "$(declare -f create_system)" |
        sha256sum | cut -c1-12)
    root=$cache/$suite-$key
    mkdir -p "$cache"
    # Systems of this suite made for other keys are stale.
    for stale in "$cache/$suite"-*; do
        if [ ! -d "$stale" ] || [ "$stale" = "$root" ] || [ ! -f "$stale/.domcompat-created" ]; then
            continue
        fi
        log "removing $stale, made for another set-up"
        rm -rf --one-file-system "$stale"
    done
    if [ -f "$root/.domcompat-created" ]; then
        created=$(cat "$root/.domcompat-created")
        if [ $(($(date +%s) - created)) -gt $((MAX_AGE_DAYS * 86400)) ]; then
            log "$root is older than $MAX_AGE_DAYS days: making it anew"
            rm -rf --one-file-system "$root"
        fi
    fi
    if [ ! -f "$root/.domcompat-created" ]; then
        rm -rf --one-file-system "$root" "$root.debootstrap.log"
        log "making a Debian $suite system in $root from $mirror"
        # debootstrap mounts /proc and /sys inside; a private namespace takes them away.
        if ! unshare --mount --propagation private bash -c "$(declare -f log apt_in create_system)
            mirror='$mirror' packages='$packages'
            create_system '$root' '$suite'"; then
            rm -rf --one-file-system "$root"
            log "cannot make the $suite system"
            return 1
        fi
        log "made in $((SECONDS - start)) s"
        start=$SECONDS
    fi
    log "bringing $root up to date"
    if ! refresh_system "$root" "$compilers"; then
        if [ -n "$remade" ]; then
            log "cannot bring the new $root up to date"
            return 1
        fi
        remade=yes
        log "cannot bring $root up to date: making it anew"
        rm -rf --one-file-system "$root"
        system_for "$suite" "$compilers"
        return
    fi
    log "up to date in $((SECONDS - start)) s"
    echo "$root"
}

# --- inside the private mount namespace ----------------------------------------

mounted=()
cc_built=""

unmount_all() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
        umount -R "${mounted[$i]}" 2>/dev/null || umount -R -l "${mounted[$i]}" || true
    done
    mounted=()
}

# mount ARGS... TARGET, remembered for unmount_all.
mount_one() {
    mount "$@"
    mounted+=("${!#}")
}

mount_for_chroot() {
    local root=$1
    # The system's root a mount point of its own: inside, unshare
    # --propagation (make check-host) changes the propagation of "/".
    mount_one --bind "$root" "$root"
    mount_one -t proc proc "$root/proc"
    mount_one -t sysfs sysfs "$root/sys"
    mount_one --rbind /dev "$root/dev"
    # A /run of its own: the host's sockets (a libvirt daemon's) stay out of reach.
    mount_one -t tmpfs -o mode=755 tmpfs "$root/run"
}

in_root() {
    chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 \
        bash -c "cd /build/domcompat && $1"
}

# shellcheck disable=SC2016 # dpkg-query's own ${fields}
versions() {
    local compilers
    compilers=$(chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' 'gcc-[0-9]*' 2>/dev/null |
        awk '{print $1 " " $2}' | grep -E '^gcc-[0-9]+ ' | tr '\n' ';' || true)
    log "Debian $suite: $(cat "$root/etc/debian_version")"
    log "packages: $(chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' \
        'libxml2*' 'libxslt1*' libcmocka-dev libvirt-clients 2>/dev/null |
        awk 'NF == 2' | tr '\n' ';')"
    log "compilers: $compilers"
}

step() {
    local name=$1 start=$SECONDS compiler
    log "== $name"
    case $name in
    # Each failure returns at once: under set -e, a failure on the left of
    # && would not stop the script.
    build) in_root 'make -j2 all >/dev/null && build/domcompat --version' || return 1; cc_built=yes ;;
    check) in_root 'make -j2 all >/dev/null && make check' || return 1; cc_built=yes ;;
    sanitize) in_root 'make sanitize' || return 1 ;;
    compilers)
        for compiler in $(available_compilers "$root"); do
            log "-- $compiler: $(chroot "$root" "$compiler" --version | head -n 1)"
            # The default compiler has built everything already.
            if [ -n "$cc_built" ] && [ "$(chroot "$root" "$compiler" -dumpfullversion)" = \
                "$(chroot "$root" cc -dumpfullversion)" ]; then
                log "-- $compiler is cc, which built everything above"
                continue
            fi
            in_root "make -j2 CC=$compiler B=build-$compiler all header-check >/dev/null &&
                     make CC=$compiler B=build-$compiler unit-tests" || return 1
        done
        ;;
    host)
        # The daemon, QEMU and the user libvirt's QEMU driver looks up: kept
        # in the cached system from then on, and upgraded with it.
        in_root 'sh tests/host/install.sh >/dev/null && apt-get clean' || return 1
        log "-- $(chroot "$root" dpkg-query -W -f '${Package} ${Version}\n' \
            libvirt-daemon qemu-system-x86 | tr '\n' ';') in $((SECONDS - start)) s"
        in_root 'make -j2 all >/dev/null && make check-host' || return 1
        ;;
    *) log "unknown step $name"; return 2 ;;
    esac
    log "== $name: done in $((SECONDS - start)) s"
}

inside() {
    local steps=("$@") s
    trap unmount_all EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    mount_for_chroot "$root"
    versions
    for s in "${steps[@]}"; do
        step "$s"
    done
}

if [ "${1:-}" = --inside ]; then
    shift
    root=$1 suite=$2
    shift 2
    inside "$@"
    exit
fi

# --- the host side -----------------------------------------------------------------

[ $# -ge 1 ] || usage
suite=$1
shift
[ $# -gt 0 ] || set -- build check sanitize compilers
[ "$(id -u)" -eq 0 ] || { log "must run as root (debootstrap, chroot, mount)"; exit 2; }
command -v debootstrap >/dev/null || { log "needs debootstrap (apt-get install debootstrap)"; exit 2; }
source_dir=$(cd "$(dirname "$0")/.." && pwd)

mkdir -p "$cache"
exec 8>"$cache/$suite.lock"
flock 8 # one run at a time per suite

case " $* " in
*" compilers "*) root=$(system_for "$suite" yes) ;;
*) root=$(system_for "$suite" no) ;;
esac

# The tree as it is, less what git ignores (build directories and the like).
rm -rf --one-file-system "$root/build"
mkdir -p "$root/build/domcompat"
if git -C "$source_dir" rev-parse --git-dir >/dev/null 2>&1; then
    # shellcheck disable=SC2016 # the inner shell's $f
    (cd "$source_dir" && git ls-files -z --cached --others --exclude-standard |
        xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh |
        tar --null -T - -cf -) | tar -xf - -C "$root/build/domcompat"
else
    tar -C "$source_dir" --exclude='./build*' -cf - . | tar -xf - -C "$root/build/domcompat"
fi

unshare --mount --propagation private bash "$0" --inside "$root" "$suite" "$@"
