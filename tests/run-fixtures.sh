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
#   oracle-skip      (optional) why libvirt's own checks do not apply
# From inside the case directory the runner runs `domcompat $(cat command) input.xml`.
#
# Each successful conversion is also checked by real validators: upgrade
# results against the explicit form's schema; downgrade results against the
# schema of the form they are in (legacy, or libvirt's form for --to
# libvirt-X.Y.Z from 1.2.19 on) and against libvirt's own schema
# (virt-xml-validate).  A downgrade for a libvirt peer must also be accepted
# by libvirt's parser: `virsh -c test:///default` (an in-process test driver,
# no daemon) defines and dumps it, and the dump must show the same PCI
# controllers in the same order, each with the same type, index, model and
# <model name>.
#
# Prints one line per failure and, last, "fixtures: N passed, M failed";
# exits 1 if any case failed, 2 if it cannot run at all.
#
# FIXTURES_ORACLES=0 runs each case alone, without the oracles and
# cross-checks (which call the binary again): for slow binaries such as a
# run under valgrind.
set -u

. "$(dirname "$0")/runner-lib.sh"
runner_setup "$@"
schemas="$bin_dir/schemas"

for tool in xmllint xsltproc virt-xml-validate virsh diff; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool is needed (packages libxml2-utils, xsltproc, libvirt-clients, diffutils)" >&2
        exit 2
    fi
done
for form in explicit legacy libvirt mixed; do
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

# One line per PCI controller, in document order: type, index, model, the
# name of its <model> child and how many <model> children it has; "-" for
# what is absent.  Parsing (rather than matching text) makes the comparison
# blind to attribute order and quoting.
cat >"$work/pci-controllers.xsl" <<'EOF'
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="text"/>
  <xsl:template match="/">
    <xsl:for-each select="/domain/devices/controller[@type = 'pci']">
      <xsl:text>type=</xsl:text>
      <xsl:call-template name="value"><xsl:with-param name="of" select="@type"/></xsl:call-template>
      <xsl:text> index=</xsl:text>
      <xsl:call-template name="value"><xsl:with-param name="of" select="@index"/></xsl:call-template>
      <xsl:text> model=</xsl:text>
      <xsl:call-template name="value"><xsl:with-param name="of" select="@model"/></xsl:call-template>
      <xsl:text> name=</xsl:text>
      <xsl:call-template name="value"><xsl:with-param name="of" select="model/@name"/></xsl:call-template>
      <xsl:text> model-children=</xsl:text>
      <xsl:value-of select="count(model)"/>
      <xsl:text>&#10;</xsl:text>
    </xsl:for-each>
  </xsl:template>
  <xsl:template name="value">
    <xsl:param name="of"/>
    <xsl:choose>
      <xsl:when test="$of"><xsl:value-of select="$of"/></xsl:when>
      <xsl:otherwise>-</xsl:otherwise>
    </xsl:choose>
  </xsl:template>
</xsl:stylesheet>
EOF

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

# The peer of a downgrade command ($@): the value of --to, else legacy.
peer_of() {
    local peer=legacy i

    for ((i = 1; i <= $#; i++)); do
        case ${!i} in
        --to) i=$((i + 1)) && peer=${!i-} ;;
        --to=*) peer=${!i#--to=} ;;
        esac
    done
    echo "$peer"
}

# Whether libvirt version $1 (X.Y.Z) is $2 or later, comparing numbers.
version_at_least() {
    local -a a b
    local i

    IFS=. read -r -a a <<<"$1"
    IFS=. read -r -a b <<<"$2"
    for i in 0 1 2; do
        if ((10#${a[i]:-0} != 10#${b[i]:-0})); then
            ((10#${a[i]:-0} > 10#${b[i]:-0}))
            return
        fi
    done
    return 0
}

# Real libvirt must parse OUT: define it in a fresh test driver, dump it, and
# find the same PCI controllers in the dump as in OUT.
check_virsh() {
    local out=$1 name

    name=$(xmllint --xpath 'string(/domain/name)' "$out" 2>/dev/null)
    if [ -z "$name" ]; then
        problem "oracle: expected.xml has no <name> to define it by"
        return
    fi
    if ! virsh -q -c test:///default "define '$out'; dumpxml '$name'" >"$work/dumped" 2>"$work/oracle" ||
        [ -s "$work/oracle" ]; then
        problem "oracle: libvirt (virsh define; dumpxml) rejects expected.xml" cat "$work/oracle"
        return
    fi
    if ! xsltproc --nonet "$work/pci-controllers.xsl" "$out" >"$work/pci-expected" 2>"$work/oracle" ||
        ! xsltproc --nonet "$work/pci-controllers.xsl" "$work/dumped" >"$work/pci-dumped" 2>>"$work/oracle"; then
        problem "oracle: cannot list the PCI controllers of expected.xml or of libvirt's dump" cat "$work/oracle"
        return
    fi
    # Where expected.xml leaves an index out, libvirt picks one: any will do.
    if ! awk -v expected="$work/pci-expected" '
        FILENAME == expected { want[++n] = $0; next }
        { got[++m] = $0 }
        END {
            if (n != m) exit 1
            for (i = 1; i <= n; i++) {
                k = split(want[i], w, " ")
                if (split(got[i], g, " ") != k) exit 1
                for (j = 1; j <= k; j++)
                    if (w[j] != g[j] && !(w[j] == "index=-" && g[j] ~ /^index=[0-9]+$/)) exit 1
            }
        }' "$work/pci-expected" "$work/pci-dumped"; then
        problem "oracle: libvirt's dump of expected.xml has other PCI controllers" \
            diff -u --label "expected.xml" --label "virsh dumpxml" "$work/pci-expected" "$work/pci-dumped"
    fi
}

# Real validators for what a successful conversion wrote; $4.. is the command.
check_oracles() {
    local dir=$1 verb=$2 out=$3 peer form=legacy
    shift 3

    # upgrade --to libvirt-X.Y.Z (or host) writes what downgrade does for that peer.
    peer=$(peer_of "$@")
    if [ "$verb" = upgrade ] && [ "$peer" != legacy ] && [ "$peer" != explicit ]; then
        verb=downgrade
    fi
    # host: this machine's libvirt, as its own virsh reports it.
    if [ "$peer" = host ]; then
        peer=libvirt-$(virsh --version)
    fi
    case $verb in
    upgrade)
        if ! xmllint --noout --relaxng "$schemas/explicit.rng" "$out" >"$work/oracle" 2>&1; then
            problem "oracle: expected.xml is not valid against explicit.rng" cat "$work/oracle"
        fi
        ;;
    downgrade)
        case $peer in
        libvirt-*) version_at_least "${peer#libvirt-}" 1.2.19 && form=libvirt ;;
        esac
        if ! xmllint --noout --relaxng "$schemas/$form.rng" "$out" >"$work/oracle" 2>&1; then
            problem "oracle: expected.xml is not valid against $form.rng" cat "$work/oracle"
        fi
        if [ -f "$dir/oracle-skip" ]; then
            if [ ! -s "$dir/oracle-skip" ]; then
                problem "oracle-skip must say why libvirt's own checks do not apply"
            fi
            return
        fi
        if ! virt-xml-validate "$out" domain >"$work/oracle" 2>&1; then
            problem "oracle: virt-xml-validate rejects expected.xml" cat "$work/oracle"
        fi
        case $peer in
        libvirt-*) check_virsh "$out" ;;
        esac
        ;;
    esac
}

# domcompat validates a skeleton of each document (src/lib/skeleton.h); whatever
# it accepts in a form, the whole document must pass the same schema too.
check_skeleton_agrees() {
    local file=$1 form

    [ -f "$file" ] || return 0
    for form in legacy libvirt explicit mixed; do
        if "$domcompat" validate -q --form "$form" "$file" >/dev/null 2>&1 &&
            ! xmllint --noout --relaxng "$schemas/$form.rng" "$file" >"$work/oracle" 2>&1; then
            problem "oracle: domcompat accepts $(basename "$file") in the $form form, the whole-document schema does not" \
                cat "$work/oracle"
        fi
    done
    # Conversions validate input in the narrowest form it is written in, and
    # only fall back to the mixed form when that fails: each form's grammar
    # must accept nothing the mixed grammar refuses.
    for form in legacy libvirt explicit; do
        if xmllint --noout --relaxng "$schemas/$form.rng" "$file" >/dev/null 2>&1 &&
            ! xmllint --noout --relaxng "$schemas/mixed.rng" "$file" >"$work/oracle" 2>&1; then
            problem "oracle: $(basename "$file") is valid in the $form form but not in the mixed form" \
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
        [ "${FIXTURES_ORACLES:-1}" = 0 ] ||
            check_oracles "$dir" "${words[0]}" "$dir/expected.xml" "${words[@]}"
    fi
    if [ "${FIXTURES_ORACLES:-1}" != 0 ]; then
        check_skeleton_agrees "$dir/input.xml"
        check_skeleton_agrees "$dir/expected.xml"
    fi
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
