#!/usr/bin/env bash
# tests/e2e/valgrind.sh — one full build (the in-spiral booklet, web and
# print) under Valgrind memcheck: no invalid access, no use of uninitialised
# memory, nothing definitely lost (TEBIKI_FULL_CLEANUP=1: everything is freed
# before exit, as leak checkers need).  Usage: tests/e2e/valgrind.sh TEBIKI
set -u
TEBIKI=${1:-bin/tebiki}
cd "$(dirname "$0")/../.." || exit 2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tebiki-vg.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
if ! command -v valgrind > /dev/null; then
    echo "FAIL valgrind: valgrind is not installed (make deps installs it)"
    exit 1
fi
for v in web print; do
    TEBIKI_FULL_CLEANUP=1 valgrind --error-exitcode=9 --leak-check=full --errors-for-leak-kinds=definite \
        "$TEBIKI" build -q --variant $v -o "$TMP/v.pdf" content/in-spiral/ja.xml > "$TMP/vg.txt" 2>&1
    rc=$?
    if [ $rc = 0 ] && [ "$(head -c 5 "$TMP/v.pdf")" = "%PDF-" ]; then echo "ok   valgrind/in-spiral/$v"
    else echo "FAIL valgrind/in-spiral/$v: exit $rc: $(grep -m1 -E 'Invalid|uninitialised|definitely' "$TMP/vg.txt")"; fi
done
