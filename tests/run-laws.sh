#!/bin/bash
# Checks the laws of conversion on every document under tests/fixtures.
#
#   tests/run-laws.sh build/domcompat
#
# For each input.xml and expected.xml (once for the same bytes under the same
# assumptions), with the --assume options of its case's command (when that
# command is upgrade, downgrade or check):
#   legacy round trip    valid in the legacy form and upgrade succeeds:
#                        downgrade(upgrade(x)) succeeds and equals x byte for byte
#   explicit round trip  valid in the explicit form and downgrade succeeds:
#                        upgrade(downgrade(x)) succeeds and equals x byte for byte
#   upgrade idempotence  upgrade succeeds: upgrade(upgrade(x)) == upgrade(x)
#   downgrade idempotence downgrade succeeds: downgrade(downgrade(x)) == downgrade(x)
# and, with e = upgrade(x) when that succeeds, for every peer P in $peers:
#   peer round trip      downgrade --to P e succeeds (no --allow-loss):
#                        upgrade(downgrade --to P e) == e byte for byte
#   peer idempotence     downgrade --to P e succeeds: downgrade --to P of
#                        that output gives it back byte for byte
#   read back            with L = downgrade --to legacy e, when that
#                        succeeds: e and every downgrade --to P e are valid
#                        under --max-size of L's size in bytes (what the
#                        conversions write does not count against the limit,
#                        so a document within it converts to one within it)
# One document is exempt from the peer round trip: an explicit controller
# written with an end tag and nothing but whitespace inside
# (<controller ...></controller>, which libvirt never writes) must be opened
# for a libvirt peer's <model name> child, and reading that back gives the
# empty-element tag <controller .../>; such documents are skipped, and said so.
# The peer laws run once per distinct (e, assumptions), and their second step
# once per distinct output of the first: the same bytes give the same result,
# so each repeat counts with the result of its first run.
#
# The work is spread over LAW_JOBS processes (default: the number of CPUs).
# Prints one line per failure and, last, "laws: N passed, M failed, K skipped";
# exits 1 if any law failed, 2 if it cannot run at all.
set -u

# The version-less legacy peer, each version on both sides of every boundary
# of the "minimum libvirt version" table, and a current libvirt.
peers=(legacy
    libvirt-1.0.4 libvirt-1.0.5 libvirt-1.1.1 libvirt-1.1.2 libvirt-1.2.18 libvirt-1.2.19
    libvirt-1.3.3 libvirt-1.3.4 libvirt-3.1.0 libvirt-3.2.0 libvirt-3.5.0 libvirt-3.6.0
    libvirt-4.2.0 libvirt-4.3.0 libvirt-6.2.0 libvirt-6.3.0 libvirt-7.8.0 libvirt-7.9.0
    libvirt-9.0.0 libvirt-10.2.0 libvirt-10.3.0 libvirt-12.8.0)

. "$(dirname "$0")/runner-lib.sh"
runner_setup "$@"
if [ ! -d "$fixtures" ]; then
    echo "$0: $fixtures: no such directory" >&2
    exit 2
fi
jobs=${LAW_JOBS:-$(nproc 2>/dev/null || echo 1)}
case $jobs in
'' | *[!0-9]* | 0) echo "$0: LAW_JOBS must be a positive number" >&2 && exit 2 ;;
esac

work=$(mktemp -d "${TMPDIR:-/tmp}/domcompat-laws.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

# The documents, one line each: case name/document, file, assumptions.  A
# document whose bytes and assumptions came before is left out: every law
# would give it the same result.
list_documents() {
    local dir name words i assume doc key
    local -A seen=()

    for dir in "$fixtures"/*/; do
        dir=${dir%/}
        name=$(basename "$dir")
        # The case's assumptions apply to its documents; other options do not.
        assume=""
        if [ -f "$dir/command" ]; then
            read -r -a words <"$dir/command"
            case ${words[0]-} in
            upgrade | downgrade | check)
                for ((i = 1; i < ${#words[@]}; i++)); do
                    case ${words[i]} in
                    --assume) [ $((i + 1)) -lt ${#words[@]} ] && assume+=" --assume ${words[i + 1]}" && i=$((i + 1)) ;;
                    --assume=*) assume+=" ${words[i]}" ;;
                    esac
                done
                ;;
            esac
        fi
        for doc in input.xml expected.xml; do
            [ -f "$dir/$doc" ] || continue
            key="$(cksum <"$dir/$doc")$assume"
            if [ -z "${seen[$key]-}" ]; then
                seen[$key]=1
                printf '%s\t%s\t%s\n' "$name/$doc" "$dir/$doc" "$assume"
            fi
        done
    done
}

passed=0
failed=0
assume=()
shard=0

fail() {
    local where=$1 law=$2 detail=$3

    failed=$((failed + 1))
    echo "FAIL $where: $law: $detail"
}

# run VERB [OPTION...] FILE OUT: domcompat with the case's assumptions on
# FILE, standard output to OUT; returns its status.
run() {
    local out=${*: -1} file=${*: -2:1}

    "$domcompat" "${@:1:$#-2}" "${assume[@]}" "$file" >"$out" 2>"$work/stderr.$shard" </dev/null
}

# The first line domcompat wrote to stderr, to say why a step failed.
why() {
    head -n 1 "$work/stderr.$shard"
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

# The per-document laws on FILE; UP holds upgrade(FILE) when UP_STATUS is 0.
check_document() {
    local where=$1 file=$2 up=$3 up_status=$4 w=$work/w$shard form

    form=$("$domcompat" validate "$file" 2>/dev/null </dev/null)
    case $form in
    *"valid, legacy form" | *"valid in every form"*)
        if [ "$up_status" -eq 0 ]; then
            run downgrade "$up" "$w.up-down"
            expect_same "$where" "legacy round trip" $? "$w.up-down" "$file"
        fi
        ;;
    esac
    if run downgrade "$file" "$w.down"; then
        case $form in
        *"valid, explicit form"* | *"valid in every form"*)
            run upgrade "$w.down" "$w.down-up"
            expect_same "$where" "explicit round trip" $? "$w.down-up" "$file"
            ;;
        esac
        run downgrade "$w.down" "$w.down-down"
        expect_same "$where" "downgrade idempotence" $? "$w.down-down" "$w.down"
    fi
    if [ "$up_status" -eq 0 ]; then
        run upgrade "$up" "$w.up-up"
        expect_same "$where" "upgrade idempotence" $? "$w.up-up" "$up"
    fi
}

# read_back WHERE WHAT FILE LIMIT: FILE is valid under --max-size LIMIT
# (nothing to check when LIMIT is empty).
read_back() {
    local where=$1 what=$2 file=$3 limit=$4

    [ -n "$limit" ] || return 0
    if "$domcompat" validate --max-size "$limit" "$file" >/dev/null 2>"$work/stderr.$shard" </dev/null; then
        passed=$((passed + 1))
    else
        fail "$where" "read back" "$what ($(wc -c <"$file") bytes) under --max-size $limit: $(why)"
    fi
}

# The peer laws on E = upgrade(x).
check_peers() {
    local where=$1 e=$2 w=$work/w$shard peer key n=0 limit
    local -A verdict=() detail=()

    if tr '\r\n' '  ' <"$e" |
        grep -qE "<controller [^>]*subType=[^>]*[^/]>[[:space:]]*</controller>"; then
        echo "skip $where: peer round trip: an explicit controller with an end tag and nothing inside comes back as <controller .../>"
        skipped=$((skipped + 1))
        return
    fi

    # The legacy form's size: the limit every form of e is read back under.
    limit=
    run downgrade --to legacy "$e" "$w.legacy" && limit=$(wc -c <"$w.legacy")
    read_back "$where" "upgrade(x)" "$e" "$limit"

    for peer in "${peers[@]}"; do
        run downgrade --to "$peer" "$e" "$w.p" || continue
        key=$(cksum <"$w.p")
        if [ -z "${verdict[$key]-}" ]; then
            n=$((n + 1))
            read_back "$where" "downgrade --to $peer upgrade(x)" "$w.p" "$limit"
            detail[$key]=$w.diff$n
            run upgrade "$w.p" "$w.p-up"
            verdict[$key]=$?
            if [ "${verdict[$key]}" -ne 0 ]; then
                verdict[$key]="second step exited ${verdict[$key]}: $(why)"
            elif ! cmp -s "$e" "$w.p-up"; then
                verdict[$key]="not byte for byte equal"
                diff -u --label "upgrade(x)" --label "upgrade(downgrade --to $peer upgrade(x))" \
                    "$e" "$w.p-up" | head -n 12 | sed 's/^/    /' >"${detail[$key]}"
            fi
            run downgrade --to "$peer" "$w.p" "$w.p-p"
            expect_same "$where" "peer idempotence ($peer)" $? "$w.p-p" "$w.p"
        fi
        if [ "${verdict[$key]}" = 0 ]; then
            passed=$((passed + 1))
        else
            fail "$where" "peer round trip ($peer)" "${verdict[$key]}"
            [ -f "${detail[$key]}" ] && cat "${detail[$key]}"
        fi
    done
    rm -f "$w".diff[0-9]*
}

# Phase 1, worker SHARD: the per-document laws on lines SHARD, SHARD+JOBS, ...
# of the list; keeps each upgrade(x) as e.LINE and writes
# "LINE<TAB>key" for it, the key saying which (e, assumptions) it is.
document_worker() {
    local line=0 where file assumptions status

    while IFS=$'\t' read -r where file assumptions; do
        line=$((line + 1))
        [ $(((line - 1) % jobs)) -eq "$shard" ] || continue
        read -r -a assume <<<"$assumptions"
        run upgrade "$file" "$work/e.$line"
        status=$?
        check_document "$where" "$file" "$work/e.$line" $status
        if [ $status -eq 0 ]; then
            printf '%s\t%s %s\n' "$line" "$(cksum <"$work/e.$line")" "$assumptions" >>"$work/keys.$shard"
        fi
    done <"$work/documents"
    echo "$passed $failed $skipped" >"$work/count.$shard"
}

# Phase 3, worker SHARD: the peer laws on its share of the distinct e.
peer_worker() {
    local i=0 line where assumptions

    while IFS=$'\t' read -r line where assumptions; do
        i=$((i + 1))
        [ $(((i - 1) % jobs)) -eq "$shard" ] || continue
        read -r -a assume <<<"$assumptions"
        check_peers "$where" "$work/e.$line"
    done <"$work/distinct"
    echo "$passed $failed $skipped" >"$work/count.$shard"
}

# Runs WORKER in JOBS processes, prints what they printed, adds up their counts.
in_parallel() {
    local worker=$1 p f

    for ((shard = 0; shard < jobs; shard++)); do
        rm -f "$work/count.$shard"
        (passed=0 failed=0 skipped=0 && "$worker") >"$work/out.$shard" &
    done
    wait
    for ((shard = 0; shard < jobs; shard++)); do
        cat "$work/out.$shard"
        if ! read -r p f k <"$work/count.$shard" 2>/dev/null; then
            echo "$0: a worker did not finish" >&2
            exit 2
        fi
        total_passed=$((total_passed + p))
        total_failed=$((total_failed + f))
        total_skipped=$((total_skipped + k))
    done
}

total_passed=0
total_failed=0
total_skipped=0
list_documents >"$work/documents" || exit 2
: >"$work/distinct"
for ((shard = 0; shard < jobs; shard++)); do : >"$work/keys.$shard"; done

in_parallel document_worker

# Phase 2: the first document (in list order) of each distinct key.
sort -n -t $'\t' -k 1,1 "$work"/keys.* | awk -F '\t' '!seen[$2]++ { print $1 }' |
    while read -r line; do
        IFS=$'\t' read -r where _ assumptions < <(sed -n "${line}p" "$work/documents")
        printf '%s\t%s\t%s\n' "$line" "$where" "$assumptions"
    done >"$work/distinct"

in_parallel peer_worker

echo "laws: $total_passed passed, $total_failed failed, $total_skipped skipped"
[ "$total_failed" -eq 0 ]
