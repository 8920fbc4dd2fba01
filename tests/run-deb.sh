#!/bin/bash
# Builds the Debian packages from a clean copy of the tree, checks them with
# lintian, installs them into this machine with apt-get, uses them as the
# README and README.Debian say, and removes them again:
#
#   tests/run-deb.sh
#
#   build      dpkg-buildpackage -us -uc -b from the tracked (and new, not
#              ignored) files alone gives exactly domcompat, libdomcompat0
#              and libdomcompat-dev, at the Makefile's VERSION
#   lintian    no error and no warning but those overridden in debian/,
#              each with its reason
#   contents   each package holds what it must (the library's symbols file
#              lists exactly the public header's functions), and none
#              installs anything under /etc
#   install    apt-get install ./*.deb
#   tool       the installed domcompat, from /: --version, the man page, an
#              upgrade with known expected bytes, and the README's example
#   library    the README's library example built with pkg-config against
#              the installed -dev package, linked with the shared library
#              (and found in the system's library directory) and with the
#              static one; both give the tool's output
#   hook       the example hook is not enabled, and works once copied the
#              way README.Debian says (into a scratch directory)
#   remove     apt-get purge removes every file the packages installed, and
#              every directory they brought (nothing left in them)
#
# Needs root (or sudo), dpkg-dev, debhelper, lintian and the build
# dependencies.  Refuses to run when a domcompat package is installed
# already, since it removes them.  Prints each check's failure and, last,
# "deb: N passed, M failed"; exits 1 if any case failed, 2 if it cannot run.
set -u

root=$(cd "$(dirname "$0")/.." && pwd)
fixtures=$root/tests/fixtures
packages="domcompat libdomcompat0 libdomcompat-dev"

for tool in git dpkg-buildpackage dpkg-parsechangelog dpkg-deb lintian apt-get cc pkg-config readelf cmp; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is needed (packages git, dpkg-dev, debhelper, lintian, gcc, pkgconf, binutils)" >&2
        exit 2
    fi
done
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "$0: installs packages: run it as root, or install sudo" >&2
        exit 2
    fi
    sudo=sudo
fi

# installed_packages: those of $packages that dpkg has, even half-installed
# or removed with their configuration left.
installed_packages() {
    local package
    for package in $packages; do
        if dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -qv 'not-installed$'; then
            echo "$package"
        fi
    done
}
apt_get() {
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 "$@"
}
already=$(installed_packages)
if [ -n "$already" ]; then
    echo "$0: installed already:" $already "(this test installs and removes them: remove them first)" >&2
    exit 2
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-deb.XXXXXX") || exit 2
# apt-get reads the packages as its unprivileged _apt user.
chmod 755 "$work"
# Whatever happens, nothing of the packages stays installed.
cleanup() {
    local left
    left=$(installed_packages)
    if [ -n "$left" ]; then
        # shellcheck disable=SC2086 # one word per package
        apt_get purge -y -q $left >"$work/cleanup.log" 2>&1 || cat "$work/cleanup.log" >&2
    fi
    rm -rf "$work"
}
trap cleanup EXIT

. "$root/tests/runner-lib.sh"

# --- build ---------------------------------------------------------------------

case_begin build
mkdir -p "$work/src"
# (A tracked file deleted in the work tree is left out.)
(cd "$root" && git ls-files -z --cached --others --exclude-standard |
    tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -C "$work/src" -xf -
version=$(sed -n 's/^VERSION *= *//p' "$root/Makefile")
changelog_version=$(cd "$work/src" && dpkg-parsechangelog -S Version)
[ "$changelog_version" = "$version" ] ||
    problem "debian/changelog is at $changelog_version, the Makefile at $version"
# noddebs: the debug symbol packages are not what this tests.
# DEB_TEST_BUILD_OPTIONS adds options (nocheck: skip the build's tests).
if ! (cd "$work/src" && DEB_BUILD_OPTIONS="noddebs parallel=$(nproc) ${DEB_TEST_BUILD_OPTIONS:-}" \
    dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
    problem "dpkg-buildpackage failed" tail -n 30 "$work/build.log"
fi
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
for package in $packages; do echo "${package}_${version}_$arch.deb"; done | LC_ALL=C sort >"$work/debs.expected"
(cd "$work" && ls -- *.deb 2>/dev/null) | LC_ALL=C sort >"$work/debs.built"
cmp -s "$work/debs.expected" "$work/debs.built" ||
    problem "not the packages expected" diff "$work/debs.expected" "$work/debs.built"
case_end
if [ "$failed" -ne 0 ]; then
    echo "deb: $passed passed, $failed failed (nothing to check without the packages)"
    exit 1
fi

case_begin lintian
changes=$work/domcompat_${version}_$arch.changes
lintian --fail-on error,warning --tag-display-limit 0 "$changes" >"$work/lintian.log" 2>&1 ||
    problem "lintian reports errors or warnings" cat "$work/lintian.log"
# Every tag, overridden ones too, for the log.
lintian --fail-on none --show-overrides "$changes" 2>/dev/null >"$work/lintian.all"
echo "lintian $changes: $(grep -c . "$work/lintian.all") tags (debian/*.lintian-overrides say why any is kept)"
sed 's/^/    /' "$work/lintian.all"
case_end

case_begin contents
deb() { echo "$work/${1}_${version}_$arch.deb"; }
dpkg-deb -c "$(deb domcompat)" | awk '{print $6}' >"$work/tool.list"
dpkg-deb -c "$(deb libdomcompat0)" | awk '{print $6}' >"$work/lib.list"
dpkg-deb -c "$(deb libdomcompat-dev)" | awk '{print $6}' >"$work/dev.list"
for f in ./usr/bin/domcompat ./usr/share/man/man1/domcompat.1.gz ./usr/share/domcompat/schemas/explicit.rng \
    ./usr/share/doc/domcompat/README.Debian ./usr/share/doc/domcompat/examples/qemu-hook \
    ./usr/share/doc/domcompat/examples/hook.conf; do
    grep -qxF "$f" "$work/tool.list" || problem "domcompat lacks $f"
done
for f in "./usr/lib/$multiarch/libdomcompat.so.0" "./usr/lib/$multiarch/libdomcompat.so.$version"; do
    grep -qxF "$f" "$work/lib.list" || problem "libdomcompat0 lacks $f"
done
for f in ./usr/include/domcompat.h "./usr/lib/$multiarch/libdomcompat.so" "./usr/lib/$multiarch/libdomcompat.a" \
    "./usr/lib/$multiarch/pkgconfig/domcompat.pc"; do
    grep -qxF "$f" "$work/dev.list" || problem "libdomcompat-dev lacks $f"
done
grep -h '^\./etc' "$work/tool.list" "$work/lib.list" "$work/dev.list" >"$work/etc.list" &&
    problem "files under /etc" cat "$work/etc.list"
# The symbols the package promises are the public header's functions.
dpkg-deb --ctrl-tarfile "$(deb libdomcompat0)" | tar -xOf - ./symbols >"$work/symbols" ||
    problem "libdomcompat0 has no symbols file"
sed -n 's/^ \(domcompat_[a-z_]*\)@.*/\1/p' "$work/symbols" | sort >"$work/symbols.promised"
sed -n 's/^[a-z].*[ *]\(domcompat_[a-z_]*\)(.*/\1/p' "$root/src/domcompat.h" | sort -u >"$work/symbols.declared"
cmp -s "$work/symbols.promised" "$work/symbols.declared" ||
    problem "the symbols file does not list the header's functions" \
        diff "$work/symbols.declared" "$work/symbols.promised"
[ -s "$work/symbols.declared" ] || problem "no function found in src/domcompat.h"
sed -n 's/^ \(domcompat_[a-z_]*\)@.*/\1/p' "$root/debian/libdomcompat0.symbols" | sort >"$work/symbols.listed"
cmp -s "$work/symbols.listed" "$work/symbols.declared" ||
    problem "debian/libdomcompat0.symbols does not list the header's functions" \
        diff "$work/symbols.declared" "$work/symbols.listed"
dpkg-deb -f "$(deb libdomcompat-dev)" Depends | grep -q "libdomcompat0 (= $version)" ||
    problem "libdomcompat-dev does not depend on this libdomcompat0"
case_end

# --- install and use ---------------------------------------------------------------

case_begin install
# What the packages bring that is not on the system yet: all of it must go
# again with them, and anything their scripts leave in it shows.
cat "$work/tool.list" "$work/lib.list" "$work/dev.list" | sed -n 's|^\./\(..*\)|/\1|p' | sed 's|/$||' |
    LC_ALL=C sort -u | while IFS= read -r f; do [ -e "$f" ] || [ -L "$f" ] || echo "$f"; done >"$work/new-paths"
if ! (cd "$work" && apt_get install -y -q --no-install-recommends ./*.deb) >"$work/install.log" 2>&1; then
    problem "apt-get install ./*.deb failed" tail -n 20 "$work/install.log"
fi
for package in $packages; do
    dpkg-query -W -f='${Status}\n' "$package" 2>/dev/null | grep -qx 'install ok installed' ||
        problem "$package is not installed"
done
case_end

case_begin tool
[ "$(command -v domcompat)" = /usr/bin/domcompat ] || problem "domcompat is not /usr/bin/domcompat"
(cd / && domcompat --version) >"$work/version" 2>&1 || problem "domcompat --version failed"
grep -qF "$version" "$work/version" || problem "--version does not say $version" cat "$work/version"
[ -f /usr/share/man/man1/domcompat.1.gz ] || problem "no man page"
# Known bytes: a fixture whose expected output was written and read by hand.
(cd / && domcompat upgrade "$fixtures/upgrade-q35-typical-guest/input.xml") >"$work/fixture.out" 2>&1
cmp -s "$work/fixture.out" "$fixtures/upgrade-q35-typical-guest/expected.xml" ||
    problem "the installed tool's upgrade differs from the fixture's expected output" \
        diff "$fixtures/upgrade-q35-typical-guest/expected.xml" "$work/fixture.out"
# The README's example (the quick start's command), then its output checked
# by the installed tool itself in the explicit form.
(cd / && domcompat upgrade "$root/examples/q35-guest.xml") >"$work/example.out" 2>"$work/example.err" ||
    problem "domcompat upgrade examples/q35-guest.xml failed" cat "$work/example.err"
(cd / && domcompat validate --form explicit) <"$work/example.out" >"$work/validate.out" 2>&1 ||
    problem "the example's output is not valid in the explicit form" cat "$work/validate.out"
case_end

case_begin library
sed -n '/^```c$/,/^```$/p' "$root/README.md" | sed '1d;$d' >"$work/example.c"
[ -s "$work/example.c" ] || problem "no library example in the README"
# shellcheck disable=SC2046 # pkg-config's output is words
if cc -o "$work/example" "$work/example.c" $(pkg-config --cflags --libs domcompat) 2>"$work/cc.log"; then
    readelf -d "$work/example" | grep -q 'NEEDED.*\[libdomcompat\.so\.0\]' ||
        problem "the example is not linked with libdomcompat.so.0" readelf -d "$work/example"
    (cd / && "$work/example") <"$root/examples/q35-guest.xml" >"$work/library.out" 2>"$work/library.err"
    cmp -s "$work/library.out" "$work/example.out" ||
        problem "the library example's output differs from the tool's" diff "$work/example.out" "$work/library.out"
    grep -qx '6 controller(s) changed' "$work/library.err" || problem "the example did not count 6 changes"
    # The loader finds it where the package put it (/lib is /usr/lib on
    # merged-/usr systems).
    found=$(ldd "$work/example" | sed -n 's/^[[:space:]]*libdomcompat\.so\.0 => \([^ ]*\) .*/\1/p')
    [ -n "$found" ] && [ "$(readlink -f "$found")" = "$(readlink -f "/usr/lib/$multiarch/libdomcompat.so.0")" ] ||
        problem "libdomcompat.so.0 is not found in /usr/lib/$multiarch" ldd "$work/example"
else
    problem "the README's example does not build with pkg-config --cflags --libs domcompat" cat "$work/cc.log"
fi
# The static library: the same example, libdomcompat linked in.
# shellcheck disable=SC2046
if cc -o "$work/example-static" "$work/example.c" $(pkg-config --cflags domcompat) \
    "$(pkg-config --variable=libdir domcompat)/libdomcompat.a" $(pkg-config --libs libxslt libxml-2.0) -lpthread \
    2>"$work/cc-static.log"; then
    readelf -d "$work/example-static" | grep -q 'NEEDED.*libdomcompat' &&
        problem "the static example needs the shared library"
    "$work/example-static" <"$root/examples/q35-guest.xml" 2>/dev/null | cmp -s - "$work/example.out" ||
        problem "the statically linked example's output differs from the tool's"
else
    problem "the example does not build with libdomcompat.a" cat "$work/cc-static.log"
fi
case_end

case_begin hook
examples=/usr/share/doc/domcompat/examples
for f in /etc/domcompat/hook.conf /etc/libvirt/hooks/qemu.d/domcompat; do
    if dpkg -S "$f" >/dev/null 2>&1; then problem "a package installs $f"; fi
done
[ -x "$examples/qemu-hook" ] && problem "the example hook is executable as installed"
conffiles=$(dpkg-query -W -f='${Conffiles}' $packages)
[ -z "$conffiles" ] || problem "the packages have conffiles: $conffiles"
# README.Debian's steps, into a scratch directory standing in for /etc.
mkdir -p "$work/etc/domcompat" "$work/etc/libvirt/hooks/qemu.d"
cp "$examples/hook.conf" "$work/etc/domcompat/hook.conf"
sed "s|/etc/domcompat/hook.conf|$work/etc/domcompat/hook.conf|" "$examples/qemu-hook" \
    >"$work/etc/libvirt/hooks/qemu.d/domcompat"
chmod 755 "$work/etc/libvirt/hooks/qemu.d/domcompat"
hook=$work/etc/libvirt/hooks/qemu.d/domcompat
(cd / && env -i PATH=/usr/bin:/bin "$hook" guest01 migrate begin -) \
    <"$fixtures/upgrade-dmi-to-pci-bridge/input.xml" >"$work/hook.out" 2>"$work/hook.err" ||
    problem "the example hook failed on migrate begin" cat "$work/hook.err"
grep -q "<model name='i82801b11-bridge'/>" "$work/hook.out" ||
    problem "the hook did not pin the implementations for this host's libvirt" head -n 40 "$work/hook.out"
# Model-only root ports from a source the configuration does not name: refused.
(cd / && env -i PATH=/usr/bin:/bin "$hook" guest01 migrate begin -) \
    <"$fixtures/upgrade-q35-typical-guest/input.xml" >"$work/hook.out" 2>"$work/hook.err"
status=$?
[ $status = 1 ] || problem "the example hook on model-only root ports: exit status $status, expected 1" cat "$work/hook.err"
grep -q "^guest01 (migrate begin): not converted, so libvirt cancels it; with no 'from' line" "$work/hook.err" ||
    problem "the example hook does not say what to configure" cat "$work/hook.err"
(cd / && env -i PATH=/usr/bin:/bin "$hook" guest01 prepare begin -) \
    <"$fixtures/upgrade-q35-typical-guest/input.xml" >"$work/hook-prepare.out" 2>&1 ||
    problem "the example hook failed on prepare begin" cat "$work/hook-prepare.out"
[ -s "$work/hook-prepare.out" ] && problem "the hook wrote something for prepare begin"
case_end

# --- remove ------------------------------------------------------------------------

case_begin remove
# shellcheck disable=SC2086
dpkg-query -L $packages 2>/dev/null | sort -u >"$work/files"
# shellcheck disable=SC2086
apt_get purge -y -q $packages >"$work/purge.log" 2>&1 ||
    problem "apt-get purge failed" tail -n 20 "$work/purge.log"
[ -z "$(installed_packages)" ] || problem "still installed: $(installed_packages)"
while IFS= read -r f; do
    # Directories the system shares (/usr/bin ...) stay.
    [ -e "$f" ] && [ ! -d "$f" ] && problem "left behind: $f"
done <"$work/files"
[ -s "$work/files" ] || problem "dpkg listed no installed file"
while IFS= read -r f; do
    if [ -e "$f" ] || [ -L "$f" ]; then problem "left behind: $f" ls -lA "$f"; fi
done <"$work/new-paths"
[ -s "$work/new-paths" ] || problem "the packages brought nothing new to this system"
case_end

echo "deb: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
