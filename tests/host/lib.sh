# A real libvirt daemon and QEMU, private to one test script (sourced by bash).
#
#   . tests/host/lib.sh
#   host_enter "$0" "$@"   # re-runs the script in its own mount and pid namespaces
#   host_start             # scratch directories, configuration, virtlogd, libvirtd
#   host_virsh define guest.xml
#   ...                    # host_stop runs when the script ends, however it ends
#
# The daemons never meet the machine's own libvirt: the script runs in a
# private mount namespace where scratch directories (under $HOST_SCRATCH)
# are bind-mounted over every directory libvirt keeps state in (/run/libvirt,
# /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt, /etc/libvirt; and
# /var/run/libvirt where /var/run is not /run), with the system D-Bus
# hidden, so nothing registers with the machine's systemd, firewalld or
# polkit.  The pid files, sockets, domain definitions and QEMU capabilities
# cache all live and die in the scratch directory.  The only trace left on
# the machine: the mount points, created empty where they did not exist.
#
# Every process started is stopped by its pid (host_stop: the guests' QEMU
# first, from their pid files, then libvirtd, then virtlogd) on exit,
# error, SIGINT, SIGTERM or SIGHUP, also when unshare is killed (it then
# sends the script SIGTERM).  As a second line, the script is the first
# process of its own pid namespace: when it ends, even by SIGKILL, the
# kernel ends every process left in the namespace.
#
# Variables, after host_start:
#   HOST_SCRATCH       the scratch directory (kept when HOST_KEEP=1)
#   HOST_ETC           where /etc/libvirt points (hooks/, qemu.conf, ...):
#                      fill it between host_setup and host_start_daemons
#   HOST_LOG           libvirtd's standard error
#   HOST_URI           qemu:///system
#   HOST_LIBVIRT_VERSION  the daemon's version, X.Y.Z
#
# Needs root (mount namespaces, a system libvirtd) and the packages of
# tests/host/install.sh.

HOST_URI=qemu:///system
HOST_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
HOST_STATE_DIRS="/run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt /etc/libvirt"
HOST_SCRATCH=
HOST_PIDS=()
HOST_CLEANUPS=()
# Seconds to wait for libvirtd to answer: its QEMU driver probes QEMU first.
HOST_START_TIMEOUT=${HOST_START_TIMEOUT:-180}

host_die() {
    echo "$(basename "$0"): $*" >&2
    exit 2
}

# Runs the calling script (its path and arguments) again in private mount
# and pid namespaces, waits for it and exits with its status; returns at
# once when it already runs in them.  unshare ignores SIGINT and SIGTERM
# while it waits, so this shell passes them on to the script as SIGTERM,
# and the script stops what it started before it ends.
host_enter() {
    local script=$1 status=0
    shift
    [ -n "${DOMCOMPAT_HOST_NAMESPACE:-}" ] && return 0
    [ "$(id -u)" -eq 0 ] || host_die "needs root: it runs a system libvirtd (in a private namespace)"
    command -v unshare >/dev/null || host_die "needs unshare (util-linux)"
    export DOMCOMPAT_HOST_NAMESPACE=1
    unshare --mount --propagation private --pid --fork --kill-child=SIGTERM --mount-proc \
        bash "$script" "$@" &
    HOST_UNSHARE_PID=$!
    trap 'host_forward_signal INT' INT
    trap 'host_forward_signal TERM' TERM
    trap 'host_forward_signal HUP' HUP
    # wait returns early for each signal trapped; the script is still there.
    while kill -0 "$HOST_UNSHARE_PID" 2>/dev/null; do
        status=0
        wait "$HOST_UNSHARE_PID" || status=$?
    done
    exit "$status"
}

# Passes signal SIG on to the script, unshare's only child; were it not
# found, killing unshare sends it SIGTERM all the same (--kill-child), but
# then nobody waits for it.
host_forward_signal() {
    local child
    child=$(cat "/proc/$HOST_UNSHARE_PID/task/$HOST_UNSHARE_PID/children" 2>/dev/null)
    case $child in
    '' | *[!0-9\ ]*) kill -KILL "$HOST_UNSHARE_PID" 2>/dev/null ;;
    *) kill -"$1" $child 2>/dev/null ;;
    esac
}

# CMD... runs at host_stop, before the daemons stop (latest first).
host_on_stop() {
    HOST_CLEANUPS+=("$*")
}

# The scratch directory, mounted over libvirt's state directories, and the
# daemons' configuration; no process yet.
host_setup() {
    local dir
    [ -n "${DOMCOMPAT_HOST_NAMESPACE:-}" ] || host_die "host_setup outside host_enter's namespace"
    command -v libvirtd >/dev/null && command -v virtlogd >/dev/null ||
        host_die "no libvirtd or virtlogd; run tests/host/install.sh"
    HOST_SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-host.XXXXXX") ||
        host_die "cannot create a scratch directory"
    trap host_stop EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    trap 'exit 129' HUP
    for dir in $HOST_STATE_DIRS; do
        mkdir -p "$HOST_SCRATCH/root$dir" "$dir"
        mount --bind "$HOST_SCRATCH/root$dir" "$dir" || host_die "cannot mount over $dir"
    done
    if [ "$(readlink -f /var/run)" != /run ]; then
        mkdir -p "$HOST_SCRATCH/root/var/run/libvirt" /var/run/libvirt
        mount --bind "$HOST_SCRATCH/root/var/run/libvirt" /var/run/libvirt ||
            host_die "cannot mount over /var/run/libvirt"
    fi
    # No system bus: libvirtd would register guests with systemd-machined
    # and ask firewalld and polkit.
    if [ -d /run/dbus ]; then
        mount -t tmpfs -o mode=0755 domcompat-host /run/dbus || host_die "cannot hide /run/dbus"
    fi
    HOST_ETC=/etc/libvirt
    HOST_LOG=$HOST_SCRATCH/libvirtd.log
    # QEMU runs as root, confined by nothing and in no cgroup of its own:
    # a test guest needs no protection, and none of these is the machine's
    # to change.
    cat >"$HOST_ETC/qemu.conf" <<'CONF'
user = "root"
group = "root"
security_driver = "none"
cgroup_controllers = [ ]
CONF
    cat >"$HOST_ETC/libvirtd.conf" <<'CONF'
unix_sock_group = "root"
unix_sock_rw_perms = "0700"
unix_sock_ro_perms = "0700"
unix_sock_admin_perms = "0700"
CONF
}

# Starts virtlogd and libvirtd, in the foreground of this script, and waits
# until libvirtd answers on qemu:///system.
host_start_daemons() {
    local waited=0
    virtlogd -p "$HOST_SCRATCH/virtlogd.pid" >"$HOST_SCRATCH/virtlogd.log" 2>&1 &
    HOST_PIDS+=("$!")
    libvirtd -p "$HOST_SCRATCH/libvirtd.pid" >"$HOST_LOG" 2>&1 &
    HOST_PIDS+=("$!")
    HOST_LIBVIRTD_PID=$!
    until virsh -q -c "$HOST_URI" version >/dev/null 2>&1; do
        if ! kill -0 "$HOST_LIBVIRTD_PID" 2>/dev/null; then
            tail -n 20 "$HOST_LOG" >&2
            host_die "libvirtd ended before answering (its log is above)"
        fi
        if [ "$waited" -ge $((HOST_START_TIMEOUT * 5)) ]; then
            tail -n 20 "$HOST_LOG" >&2
            host_die "libvirtd did not answer in $HOST_START_TIMEOUT s"
        fi
        sleep 0.2
        waited=$((waited + 1))
    done
    HOST_LIBVIRT_VERSION=$(virsh -q -c "$HOST_URI" version --daemon |
        sed -n 's/^Running against daemon: *\([0-9.]*\).*/\1/p')
    [ -n "$HOST_LIBVIRT_VERSION" ] || host_die "cannot read the daemon's version"
}

host_start() {
    host_setup
    host_start_daemons
}

# Waits up to 10 s for PID to end, then kills it.
host_reap() {
    local pid=$1 i
    for i in $(seq 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
        echo "$(basename "$0"): pid $pid did not stop; killing it" >&2
        kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
    return 0
}

# Stops, by pid, the guests' QEMU (which outlives libvirtd) and the
# daemons; the scratch directory stays, for host_start_daemons again (a
# daemon reads hooks and capabilities when it starts).
host_stop_daemons() {
    local i pid file
    for file in /run/libvirt/qemu/*.pid; do
        [ -f "$file" ] || continue
        pid=$(cat "$file" 2>/dev/null)
        case $pid in '' | *[!0-9]*) continue ;; esac
        kill -TERM "$pid" 2>/dev/null && host_reap "$pid"
    done
    for ((i = ${#HOST_PIDS[@]} - 1; i >= 0; i--)); do
        pid=${HOST_PIDS[i]}
        kill -TERM "$pid" 2>/dev/null
        host_reap "$pid"
    done
    HOST_PIDS=()
    HOST_LIBVIRTD_PID=
}

# Runs the host_on_stop commands, stops everything host_start started and
# removes the scratch directory.  Runs on exit; safe to call twice.
host_stop() {
    local status=$? i
    # Everything below is tried, whatever fails, and a second signal does
    # not cut it short.
    trap - EXIT
    trap '' INT TERM HUP
    set +e
    for ((i = ${#HOST_CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${HOST_CLEANUPS[i]}"
    done
    HOST_CLEANUPS=()
    host_stop_daemons
    if [ -n "$HOST_SCRATCH" ] && [ "${HOST_KEEP:-0}" != 1 ]; then
        rm -rf "$HOST_SCRATCH"
    elif [ -n "$HOST_SCRATCH" ]; then
        echo "$(basename "$0"): kept $HOST_SCRATCH" >&2
    fi
    HOST_SCRATCH=
    return "$status"
}

host_virsh() {
    virsh -q -c "$HOST_URI" "$@"
}

# The value of XPATH (a string expression) in FILE.
host_xpath() {
    xmllint --nonet --xpath "$1" "$2" 2>/dev/null
}

# Defines the domain of FILE, writes libvirt's inactive definition of it to
# OUT and undefines it again.  On failure, OUT holds virsh's error and the
# status is 1.
host_define_dumpxml() {
    local file=$1 out=$2 name
    name=$(host_xpath 'string(/domain/name)' "$file")
    if ! host_virsh define "$file" >"$out" 2>&1; then
        return 1
    fi
    host_virsh dumpxml --inactive "$name" >"$out" 2>&1 || {
        host_virsh undefine "$name" >/dev/null 2>&1
        return 1
    }
    host_virsh undefine "$name" >/dev/null 2>&1 || {
        echo "cannot undefine $name" >>"$out"
        return 1
    }
}

# The PCI controllers of FILE, one line each in document order, as
# host/pci-controllers.xsl lists them: "index=I model=KIND name=IMPLEMENTATION".
host_pci_controllers() {
    xsltproc --nonet "$HOST_LIB_DIR/pci-controllers.xsl" "$1"
}

# The guest architecture of FILE as libvirt picks its QEMU: <os><type
# arch>, else ppc64 for a pseries machine, else the host's (x86_64 here).
host_guest_arch() {
    local arch
    arch=$(host_xpath 'string(/domain/os/type/@arch)' "$1")
    if [ -z "$arch" ]; then
        case $(host_xpath 'string(/domain/os/type/@machine)' "$1") in
        pseries*) arch=ppc64 ;;
        *) arch=$(uname -m) ;;
        esac
    fi
    echo "$arch"
}

# The path of libvirt's QEMU capabilities cache for EMULATOR (default
# /usr/bin/qemu-system-x86_64), as the running daemon wrote it.
host_caps_file() {
    local emulator=${1:-/usr/bin/qemu-system-x86_64} file
    for file in /var/cache/libvirt/qemu/capabilities/*.xml; do
        [ -f "$file" ] || continue
        if [ "$(host_xpath 'string(/qemuCaps/emulator)' "$file")" = "$emulator" ]; then
            echo "$file"
            return 0
        fi
    done
    echo "$(basename "$0"): no capabilities cache for $emulator" >&2
    return 1
}
