#!/usr/bin/env bash
# tests/e2e/guides.sh — every guide in content/ built by the real tool.
#
#   tests/e2e/guides.sh [TEBIKI [PREFIX [quick]]]     (from the repository root)
#
# For each content/<guide>/<name>.xml: it builds (web and print); the
# shared checker passes on both (--expect-xml --web, --print); pdffonts
# lists only CID fonts; a second build with the same SOURCE_DATE_EPOCH is
# byte-identical; -M names the guide, its layout and the font catalogue;
# `tebiki check` is clean.  Guides on a vertical layout skip the checker's
# kinsoku check (it reads horizontal lines only).  Then, once: a malformed guide built to the path
# of an earlier PDF fails with FILE:LINE:COL: error: and exit 1 and leaves
# that PDF byte-identical.  "quick" (the sanitizer run) only builds.
#
# The checker is ../shared/checks/pdfcheck beside the clone (PDFCHECK= to
# override).  Prints "ok   NAME" / "FAIL NAME: reason" lines.
set -u
TEBIKI=${1:-bin/tebiki}
PREFIX=${2:-}
MODE=${3:-full}
cd "$(dirname "$0")/../.." || exit 2
PDFCHECK=${PDFCHECK:-$(cd .. && pwd)/shared/checks/pdfcheck}
export SOURCE_DATE_EPOCH=1700000000
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tebiki-e2e.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
failed=0
ok() { echo "ok   $PREFIX$1"; }
fail() { echo "FAIL $PREFIX$1: $2"; failed=1; }
sanitized() { grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$1"; }
first_err() { grep -m1 -E 'ERROR|runtime error|error:' "$1" | cut -c1-300; }

[ -x "$TEBIKI" ] || { fail e2e "$TEBIKI is not built (run make check)"; exit 1; }
have_checker=1
if [ "$MODE" = full ] && [ ! -x "$PDFCHECK" ]; then
    fail e2e/pdfcheck "the checker is not at $PDFCHECK (set PDFCHECK=)"
    have_checker=0
fi

# Run the checker; each of its check lines becomes a test of ours (pdfcheck.sh).
. tests/e2e/pdfcheck.sh # (the working folder is the repository)

guides=$(ls content/*/*.xml 2>/dev/null)
[ -n "$guides" ] || fail e2e/guides "no guide in content/"
for g in $guides; do
    gname=$(basename "$(dirname "$g")").$(basename "$g" .xml)
    id="e2e/$gname"
    pdf="$TMP/$gname.pdf"
    "$TEBIKI" build -q -M "$TMP/$gname.d" -o "$pdf" "$g" > "$TMP/out.txt" 2> "$TMP/err.txt"
    rc=$?
    if sanitized "$TMP/err.txt"; then fail "$id/build" "sanitizer: $(first_err "$TMP/err.txt")"; continue
    elif [ $rc != 0 ]; then fail "$id/build" "exit $rc: $(head -c 300 "$TMP/err.txt" | tr '\n' '|')"; continue
    elif [ "$(head -c 5 "$pdf")" != "%PDF-" ]; then fail "$id/build" "no PDF written"; continue
    else ok "$id/build"; fi

    "$TEBIKI" build -q --variant print -o "$TMP/$gname.print.pdf" "$g" > "$TMP/out.txt" 2> "$TMP/err.txt"
    rc=$?
    if sanitized "$TMP/err.txt"; then fail "$id/build-print" "sanitizer: $(first_err "$TMP/err.txt")"
    elif [ $rc != 0 ]; then fail "$id/build-print" "exit $rc: $(head -c 300 "$TMP/err.txt" | tr '\n' '|')"
    else ok "$id/build-print"; fi

    [ "$MODE" = full ] || continue

    # vertical text (the layout says writing-mode="vertical-rl"): the
    # checker's line-break check reads horizontal lines only (its --help)
    layout=$(sed -n 's/.*<guide[^>]* layout="\([^"]*\)".*/\1/p' "$g" | head -1)
    vert=
    grep -q 'writing-mode="vertical' "layouts/$layout.xml" 2>/dev/null && vert=--no-kinsoku
    if [ $have_checker = 1 ] && [ -z "$vert" ]; then
        pdfcheck "$id/web" "$pdf" --web --expect-xml "$g"
        [ -f "$TMP/$gname.print.pdf" ] && pdfcheck "$id/print" "$TMP/$gname.print.pdf" --print
    elif [ $have_checker = 1 ]; then
        # vertical text: poppler's reading-order analysis (plain pdftotext)
        # reads horizontal layouts; tebiki writes content in reading order,
        # so the paragraphs are checked against `pdftotext -raw` instead,
        # with the checker's own paragraph list and matching
        pdfcheck "$id/web" "$pdf" --web $vert
        [ -f "$TMP/$gname.print.pdf" ] && pdfcheck "$id/print" "$TMP/$gname.print.pdf" --print $vert
        res=$(python3 - "$PDFCHECK" "$g" "$pdf" <<'PY'
import importlib.machinery, importlib.util, subprocess, sys
loader = importlib.machinery.SourceFileLoader("pdfcheck", sys.argv[1])
spec = importlib.util.spec_from_loader("pdfcheck", loader)
pc = importlib.util.module_from_spec(spec); loader.exec_module(pc)
paras = pc.guide_paragraphs(sys.argv[2])
hay = pc.squash(subprocess.run(["pdftotext", "-raw", "-enc", "UTF-8", sys.argv[3], "-"],
                               capture_output=True, text=True).stdout)
missing = [p for p in paras if p not in hay and not pc.subsequence_near(p, hay)]
print(f"{len(paras)} paragraphs, {len(missing)} missing" + ("".join(" | " + m[:20] for m in missing[:3])))
sys.exit(1 if missing or not paras else 0)
PY
        )
        if [ $? = 0 ]; then ok "$id/web/text-raw"; else fail "$id/web/text-raw" "$res"; fi
    fi

    # pdffonts: only CID fonts (Type0 with CIDFontType2/0), never simple fonts
    types=$(pdffonts "$pdf" 2>/dev/null | tail -n +3 |
            sed -E 's/^[^ ]+ +(.+) +(Identity-H|Identity-V|Custom|Builtin|[A-Za-z-]+Encoding|Standard) +(yes|no) .*/\1/' | sort -u)
    n=$(pdffonts "$pdf" 2>/dev/null | tail -n +3 | wc -l)
    if [ "$n" -gt 0 ] && ! echo "$types" | grep -qv '^CID'; then ok "$id/cid-fonts-only"
    else fail "$id/cid-fonts-only" "$n fonts, types: $(echo "$types" | tr '\n' ',')"; fi

    # reproducible: the same inputs and SOURCE_DATE_EPOCH give the same bytes
    "$TEBIKI" build -q -o "$TMP/again.pdf" "$g" > /dev/null 2>&1
    if cmp -s "$pdf" "$TMP/again.pdf"; then ok "$id/reproducible"
    else fail "$id/reproducible" "two builds with SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH differ: $(cmp "$pdf" "$TMP/again.pdf" 2>&1 | head -1)"; fi
    SOURCE_DATE_EPOCH=1800000000 "$TEBIKI" build -q -o "$TMP/later.pdf" "$g" > /dev/null 2>&1
    if ! cmp -s "$pdf" "$TMP/later.pdf"; then ok "$id/epoch-changes-bytes"
    else fail "$id/epoch-changes-bytes" "SOURCE_DATE_EPOCH is ignored (same bytes for another date)"; fi

    # -M: a make rule naming the guide, its layout and the font catalogue
    dep="$TMP/$gname.d"
    why=
    [ -f "$dep" ] || why="no dependency file"
    [ -z "$why" ] && ! head -1 "$dep" | grep -qF "$pdf:" && why="the rule's target is not $pdf"
    for need in "$g" "layouts/$layout.xml" "fonts/catalogue.xml"; do
        [ -z "$why" ] && ! head -1 "$dep" | tr ' ' '\n' | grep -qxF "$need" && why="does not name $need"
    done
    if [ -z "$why" ]; then ok "$id/depfile"; else fail "$id/depfile" "$why: $(head -c 300 "$dep" 2>/dev/null)"; fi

    # check: clean, and the count line on stderr
    "$TEBIKI" check "$g" > "$TMP/out.txt" 2> "$TMP/err.txt"
    rc=$?
    if [ $rc = 0 ] && grep -qx 'tebiki check: 0 errors, [0-9]* warnings\{0,1\} in 1 guide' "$TMP/err.txt"; then ok "$id/check"
    else fail "$id/check" "exit $rc: $(tail -c 300 "$TMP/err.txt" | tr '\n' '|')"; fi
done

# A failed build leaves the earlier PDF alone (contract: complete or absent).
g=$(echo "$guides" | head -1)
if [ -n "$g" ]; then
    id=e2e/failed-build-keeps-earlier-pdf
    mkdir -p "$TMP/atomic/content/broken"
    bad="$TMP/atomic/content/broken/ja.xml"
    # the guide with its first </title> misspelt: not well-formed
    sed '0,/<\/title>/s//<\/titel>/' "$g" > "$bad"
    want_line=$(grep -n -m1 '</titel>' "$bad" | cut -d: -f1)
    "$TEBIKI" build -q -o "$TMP/atomic/out.pdf" "$g" > /dev/null 2>&1
    cp "$TMP/atomic/out.pdf" "$TMP/atomic/earlier.pdf" 2>/dev/null
    "$TEBIKI" build -q -o "$TMP/atomic/out.pdf" "$bad" > /dev/null 2> "$TMP/err.txt"
    rc=$?
    if sanitized "$TMP/err.txt"; then fail "$id" "sanitizer: $(first_err "$TMP/err.txt")"
    elif [ $rc != 1 ]; then fail "$id" "exit $rc for a malformed guide, want 1"
    elif ! grep -qE "^$(printf '%s' "$bad" | sed 's/[.[\*^$/]/\\&/g'):$want_line:[0-9]+: error: " "$TMP/err.txt"; then
        fail "$id" "no FILE:$want_line:COL: error: line: $(head -c 300 "$TMP/err.txt")"
    elif ! cmp -s "$TMP/atomic/out.pdf" "$TMP/atomic/earlier.pdf"; then fail "$id" "the earlier PDF was changed"
    elif [ "$(ls -A "$TMP/atomic" | sort | tr '\n' ' ')" != "content earlier.pdf out.pdf " ]; then
        fail "$id" "stray files: $(ls -A "$TMP/atomic" | tr '\n' ' ')"
    else ok "$id"; fi
fi
exit $failed
