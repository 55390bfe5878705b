# tests/e2e/pdfcheck.sh — sourced by guides.sh and print.sh: run the shared
# checker on a PDF and turn each of its check lines into a test of ours.
# The caller defines ok, fail, TMP and PDFCHECK.

pdfcheck() { # ID PDF ARGS...
    local id=$1 pdf=$2 l rest n=0
    shift 2
    "$PDFCHECK" "$@" "$pdf" > "$TMP/check.txt" 2>&1
    local rc=$?
    while IFS= read -r l; do
        case $l in
            "ok   "*) rest=${l#ok   }; n=$((n + 1)); ok "$id/${rest%%:*}" ;;
            "FAIL "*) rest=${l#FAIL }; n=$((n + 1)); fail "$id/${rest%%:*}" "${rest#*: }" ;;
        esac
    done < "$TMP/check.txt"
    [ $n -gt 0 ] || fail "$id" "pdfcheck printed no checks (exit $rc): $(head -c 300 "$TMP/check.txt" | tr '\n' ' ')"
}
