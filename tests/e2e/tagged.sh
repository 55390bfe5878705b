#!/bin/bash
# tagged.sh — every web PDF is tagged (PDF/UA-1 essentials): see
# tagged_check.py for the checks.  Usage: tests/e2e/tagged.sh TEBIKI [PREFIX]
TEBIKI=${1:-bin/tebiki}
P=${2:-}
PDFCHECK=${PDFCHECK:-$(cd .. && pwd)/shared/checks/pdfcheck}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for g in content/*/*.xml; do
    guide=$(basename "$(dirname "$g")").$(basename "$g" .xml)
    if ! "$TEBIKI" build -q -o "$TMP/$guide.pdf" "$g" > /dev/null 2> "$TMP/err"; then
        echo "FAIL ${P}tagged/$guide/build: $(head -c 200 "$TMP/err")"; continue
    fi
    python3 tests/e2e/tagged_check.py "$TMP/$guide.pdf" "$g" "$PDFCHECK" "${P}tagged/$guide" 2> "$TMP/err" ||
        echo "FAIL ${P}tagged/$guide/check: tagged_check.py stopped: $(tail -1 "$TMP/err" | head -c 200)"
done
exit 0
