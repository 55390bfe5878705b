#!/usr/bin/env bash
# tests/bad/check.sh — run the bad-input catalogue against one tebiki binary.
#
#   tests/bad/check.sh [TEBIKI [PREFIX]]     (from the repository root)
#
# One case per NAME.expect in tests/bad/.  Its input is tests/bad/NAME.xml,
# or, when there is a NAME.gen instead, the NAME.xml that `bash NAME.gen DIR`
# writes into a fresh DIR.  The .expect file holds:
#
#   exit N                  first line: the exit status tebiki must end with
#   args: ARGS              (optional) more command-line arguments
#   command: check          (optional) run `tebiki check` instead of build -o
#   output: PATH            (optional) the -o path instead of DIR/out/out.pdf
#   earlier: yes            (optional) put an earlier file at the -o path first;
#                           it must be left byte-identical
#   limit: SECONDS          (optional, default 30) time allowed
#   mount: SIZE             (optional) the output folder is a fresh tmpfs of
#                           SIZE (needs root; skipped with a message if not)
#   absent: TEXT            (optional) TEXT must appear in no output
#   note: TEXT              (optional) a comment
#   ...                     every other line: the exact standard error
#
# In all of these @IN@ is the input's path and @DIR@ the case's temp folder.
# Each case prints "ok   PREFIXbad/NAME" or "FAIL PREFIXbad/NAME: reason"
# (or "skip …" when it cannot run here).  Asserted: the exit status, standard
# error exactly, no sanitizer report, the time limit; after a failure no
# output file and nothing else (no temporary file) in the output folder;
# after a success a PDF at the -o path.
#
# BLESS=1 tests/bad/check.sh rewrites the stderr part of every .expect from
# what tebiki prints now (the other lines are kept): for a message changed
# on purpose.  Read the diff before committing it.
set -u
TEBIKI=${1:-bin/tebiki}
PREFIX=${2:-}
LIMIT_SCALE=${LIMIT_SCALE:-1}
cd "$(dirname "$0")/../.." || exit 2
[ -x "$TEBIKI" ] || { echo "FAIL ${PREFIX}bad: $TEBIKI is not built (run make check)"; exit 1; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tebiki-bad.XXXXXX")
cleanup() {
    for m in "$TMP"/*/out; do mountpoint -q "$m" 2>/dev/null && umount "$m"; done
    chmod -R u+w "$TMP" 2>/dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT

failed=0
for expect in tests/bad/*.expect; do
    name=$(basename "$expect" .expect)
    id="${PREFIX}bad/$name"
    dir="$TMP/$name"
    mkdir -p "$dir/out"
    if [ -f "tests/bad/$name.xml" ]; then
        in="tests/bad/$name.xml"
    elif [ -f "tests/bad/$name.gen" ]; then
        bash "tests/bad/$name.gen" "$dir" || { echo "FAIL $id: the generator failed"; failed=1; continue; }
        in="$dir/$name.xml"
    else
        echo "FAIL $id: neither $name.xml nor $name.gen"; failed=1; continue
    fi
    subst() { local s=${1//@IN@/$in}; printf '%s' "${s//@DIR@/$dir}"; }

    # the .expect file: "exit N", directives, then the exact stderr
    want_exit= args= command=build output="$dir/out/out.pdf" earlier= limit=30 mnt= absent=
    : > "$dir/want.err"
    first=1
    while IFS= read -r line || [ -n "$line" ]; do
        if [ $first = 1 ]; then
            first=0
            case $line in "exit "*) want_exit=${line#exit }; continue ;; esac
            echo "FAIL $id: the first line of $expect is not 'exit N'"; failed=1; continue 2
        fi
        case $line in
            "args: "*) args=$(subst "${line#args: }") ;;
            "command: "*) command=${line#command: } ;;
            "output: "*) output=$(subst "${line#output: }") ;;
            "earlier: "*) earlier=${line#earlier: } ;;
            "limit: "*) limit=${line#limit: } ;;
            "mount: "*) mnt=${line#mount: } ;;
            "absent: "*) absent=${line#absent: } ;;
            "note: "*) ;;
            *) printf '%s\n' "$(subst "$line")" >> "$dir/want.err" ;;
        esac
    done < "$expect"

    if [ -n "$mnt" ]; then
        if ! mount -t tmpfs -o "size=$mnt" tmpfs "$dir/out" 2>"$dir/mount.err"; then
            echo "skip $id: cannot mount a $mnt tmpfs here ($(head -1 "$dir/mount.err"))"
            continue
        fi
    fi
    if [ "$earlier" = yes ]; then
        printf '%%PDF-1.4\n%% an earlier build of this guide: must stay untouched\n' > "$output"
        cp "$output" "$dir/earlier.pdf"
    fi

    # shellcheck disable=SC2086  # args is a word list on purpose
    if [ "$command" = check ]; then
        set -- check $args "$in"
    else
        set -- build -o "$output" $args "$in"
    fi
    secs=$(awk -v l="$limit" -v s="$LIMIT_SCALE" 'BEGIN { print int(l * s + 0.5) }')
    start=$(date +%s.%N)
    timeout -k 5 "$secs" "$TEBIKI" "$@" > "$dir/out.txt" 2> "$dir/got.err"
    rc=$?
    took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

    if [ "${BLESS:-}" = 1 ] && [ $rc != 124 ] && [ $rc != 137 ]; then
        { grep -E '^(exit |args: |command: |output: |earlier: |limit: |mount: |absent: |note: )' "$expect"
          sed -e "s#$dir#@DIR@#g" "$dir/got.err"; } > "$dir/new.expect"
        mv "$dir/new.expect" "$expect"
    fi
    why=
    if [ $rc = 124 ] || [ $rc = 137 ]; then
        why="took longer than $secs s (killed)"
    elif grep -qE 'AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:' "$dir/got.err"; then
        why="sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$dir/got.err")"
    elif [ "$rc" != "$want_exit" ]; then
        why="exit status $rc, want $want_exit; stderr: $(head -c 300 "$dir/got.err" | tr '\n' '|')"
    elif ! cmp -s "$dir/got.err" "$dir/want.err"; then
        g=$(diff "$dir/want.err" "$dir/got.err" | grep -m1 '^>' | cut -c3-)
        w=$(diff "$dir/want.err" "$dir/got.err" | grep -m1 '^<' | cut -c3-)
        why="stderr differs: got \"${g}\", want \"${w}\""
    fi
    outdir=$(dirname "$output")
    if [ -z "$why" ] && [ "$rc" != 0 ] && [ -d "$outdir" ]; then
        if [ "$earlier" = yes ]; then
            cmp -s "$output" "$dir/earlier.pdf" || why="the earlier file at $output was changed"
            stray=$(find "$outdir" -mindepth 1 ! -path "$output" | head -3)
        else
            [ -e "$output" ] && why="a failed build left $output"
            stray=$(find "$outdir" -mindepth 1 | head -3)
        fi
        case $outdir in "$dir"/*) [ -z "$why" ] && [ -n "$stray" ] && why="stray files in the output folder: $stray" ;; esac
    fi
    if [ -z "$why" ] && [ "$rc" = 0 ] && [ "$command" = build ]; then
        [ "$(head -c 5 "$output" 2>/dev/null)" = "%PDF-" ] || why="exit 0 but no PDF at $output"
    fi
    if [ -z "$why" ] && [ -n "$absent" ]; then
        if grep -rqF -- "$absent" "$dir/got.err" "$dir/out.txt" "$outdir" 2>/dev/null; then
            why="'$absent' appears in the output"
        fi
    fi
    if [ -n "$mnt" ]; then umount "$dir/out" 2>/dev/null; fi
    if [ -z "$why" ]; then
        echo "ok   $id"
    else
        echo "FAIL $id: $why (${took} s)"
        failed=1
    fi
done
exit $failed
