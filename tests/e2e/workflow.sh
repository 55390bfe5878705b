#!/usr/bin/env bash
# tests/e2e/workflow.sh — the staff workflow (issue 7).
#
#   tests/e2e/workflow.sh [TEBIKI [PREFIX]]     (from the repository root)
#
#   make       in a copy of the tree (the Makefile, TEBIKI as bin/tebiki, three
#              guides): touching a guide rebuilds only its PDFs (make's
#              progress lines are grepped), a layout the guides on it, an
#              image the guide showing it; nothing to do does nothing;
#              make -j2 from clean equals make from clean byte for byte
#   build      several guides in one process: a line per PDF, a summary,
#              a failed guide does not stop the others, -q
#   watch      timeout 20 tebiki watch DIR &: a changed guide, an image, an
#              error that keeps the last good PDF, SIGINT ends it (status 0)
#   report     --report on build and check: a long URL in a narrow table
#              cell (overfull), a Tagalog line before an unbreakable phrase
#              (loose) and a 169 ppi image, each with its kind and line (in
#              the report and on standard error)
#   install    make install PREFIX=/usr DESTDIR=…; the installed binary
#              builds from another folder with TEBIKI_SHARE; uninstall
#   docs       every option of --help in doc/tebiki.1, its sections, groff
#              without warnings; bash completion; the bench harness
#
# Prints "ok   NAME" / "FAIL NAME: reason" lines.
set -u
TEBIKI=${1:-bin/tebiki}
PREFIX=${2:-}
cd "$(dirname "$0")/../.." || exit 2
ROOT=$(pwd)
case $TEBIKI in /*) ;; *) TEBIKI=$ROOT/$TEBIKI ;; esac
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tebiki-workflow.XXXXXX")
WATCH_PID=
cleanup() {
    [ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2> /dev/null
    rm -rf "$TMP"
}
trap cleanup EXIT
ok() { echo "ok   ${PREFIX}workflow/$1"; }
fail() { echo "FAIL ${PREFIX}workflow/$1: $2"; }
oneline() { head -c 400 "$1" | tr '\n' '|'; }
[ -x "$TEBIKI" ] || { fail setup "$TEBIKI is not built (run make check)"; exit 1; }
# a copy: the watch below runs for seconds, while a make elsewhere may relink
cp "$TEBIKI" "$TMP/tebiki" && TEBIKI=$TMP/tebiki

# PNG W×H (RGB gradient) without any tool but python3
png() { # FILE W H
    python3 - "$@" <<'EOF'
import struct, sys, zlib
out, w, h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
raw = b"".join(b"\0" + bytes(v for x in range(w) for v in (x * 255 // w, y * 255 // h, 128)) for y in range(h))
def chunk(t, d): return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
open(out, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                      + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
EOF
}

# A guide on flyer-a4 with a picture (and, for the report, a narrow table
# whose cell holds a long URL).  The URL is on line 16, the <img> on 20.
pics_guide() { # FILE IMAGE
    cat > "$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<guide xml:lang="ja" layout="flyer-a4" version="1">
  <meta>
    <title>写真の案内</title>
    <author>テスト</author>
  </meta>
  <section id="s1">
    <title>写真と表</title>
    <p>本文の段落です。表と画像を置きます。</p>
    <table id="t1">
      <thead>
        <tr><th>項目</th><th>内容</th><th>場所</th><th>備考</th></tr>
      </thead>
      <tbody>
        <tr><td>案内</td><td>受付</td><td>一階</td>
          <td>https://example.org/averyveryverylongaddresswithoutanyplacetobreakitatall</td></tr>
      </tbody>
    </table>
    <figure id="f1">
      <img src="$2" width="60mm" alt="検査用の画像"/>
    </figure>
    <p>もう一つの段落です。</p>
  </section>
</guide>
EOF
}

# ---- a copy of the tree for make ---------------------------------------
T=$TMP/tree
mkdir -p "$T/bin" "$T/content/in-spiral" "$T/content/soudan-flyer" "$T/content/pics"
cp Makefile "$T/"
cp -r schema layouts fonts doc share "$T/"
cp "$TEBIKI" "$T/bin/tebiki"
cp content/in-spiral/ja.xml "$T/content/in-spiral/ja.xml"
cp content/soudan-flyer/ja.xml "$T/content/soudan-flyer/ja.xml"
png "$T/content/pics/photo.png" 400 300
pics_guide "$T/content/pics/ja.xml" photo.png
# PDF lines of make's output: "in-spiral.ja.pdf  10 pages …" → in-spiral.ja.pdf
built() { grep -E '^[^ ]+\.pdf +[0-9]+ pages' "$1" | awk '{print $1}' | sort | tr '\n' ' '; }
mk() { # LOG ARGS...
    local log=$1
    shift
    make -C "$T" --no-print-directory "$@" > "$log" 2>&1
}

if mk "$TMP/make1.txt"; then
    n=$(ls "$T"/out/*.pdf 2> /dev/null | wc -l)
    if [ "$n" = 6 ] && [ -f "$T/out/index.html" ] && [ -f "$T/out/.deps/pics.ja.d" ]; then ok make/first-build
    else fail make/first-build "$n PDFs (want 6): $(ls "$T/out" | tr '\n' ' ')"; fi
    cp -a "$T/out" "$TMP/out.serial"

    mk "$TMP/make2.txt"
    got=$(built "$TMP/make2.txt")
    if [ -z "$got" ]; then ok make/nothing-to-do; else fail make/nothing-to-do "rebuilt $got"; fi

    sleep 1.1 # a coarse file system clock: the touch must be newer
    touch "$T/content/in-spiral/ja.xml"
    mk "$TMP/make3.txt"
    got=$(built "$TMP/make3.txt")
    if [ "$got" = "in-spiral.ja.pdf in-spiral.ja.print.pdf " ]; then ok make/touch-guide-rebuilds-only-it
    else fail make/touch-guide-rebuilds-only-it "rebuilt: $got"; fi

    sleep 1.1
    touch "$T/layouts/flyer-a4.xml"
    mk "$TMP/make4.txt"
    got=$(built "$TMP/make4.txt")
    if [ "$got" = "pics.ja.pdf pics.ja.print.pdf soudan-flyer.ja.pdf soudan-flyer.ja.print.pdf " ]; then
        ok make/touch-layout-rebuilds-its-guides
    else fail make/touch-layout-rebuilds-its-guides "rebuilt: $got"; fi

    sleep 1.1
    touch "$T/content/pics/photo.png"
    mk "$TMP/make5.txt"
    got=$(built "$TMP/make5.txt")
    if [ "$got" = "pics.ja.pdf pics.ja.print.pdf " ]; then ok make/touch-image-rebuilds-its-guide
    else fail make/touch-image-rebuilds-its-guide "rebuilt: $got"; fi

    # from clean, serially and with -j2: the same bytes (the guides' mtimes
    # give the dates, so in-spiral, touched above, is built again serially)
    rm -rf "$T/out"
    mk "$TMP/make6.txt" && cp -a "$T/out" "$TMP/out.serial2"
    rm -rf "$T/out"
    if mk "$TMP/make7.txt" -j2 && diff -r "$TMP/out.serial2" "$T/out" > "$TMP/diff.txt" 2>&1; then
        ok make/j2-equals-serial
    else fail make/j2-equals-serial "$(oneline "$TMP/make7.txt") $(oneline "$TMP/diff.txt")"; fi
else
    fail make/first-build "make failed: $(tail -c 400 "$TMP/make1.txt" | tr '\n' '|')"
fi

# ---- several guides in one process -----------------------------------
B=$TMP/many
mkdir -p "$B/out" "$B/bad"
printf '<?xml version="1.0"?>\n<guide xml:lang="ja" layout="flyer-a4" version="1"><meta><title>x</title>\n<p>\n</guide>\n' > "$B/bad/ja.xml"
"$TEBIKI" build -o "$B/out" content/soudan-flyer/ja.xml "$B/bad/ja.xml" "$T/content/pics/ja.xml" > "$B/out.txt" 2> "$B/err.txt"
rc=$?
lines=$(grep -cE '^(soudan-flyer|pics)\.ja\.pdf +[0-9]+ pages +[0-9]+ KB +[0-9]+ ms +[0-9]+ warnings?$' "$B/out.txt")
if [ $rc = 1 ] && [ "$lines" = 2 ] && grep -qx '3 guides, 1 failed' "$B/out.txt" &&
    [ -s "$B/out/soudan-flyer.ja.pdf" ] && [ -s "$B/out/pics.ja.pdf" ] && [ ! -e "$B/out/bad.ja.pdf" ] &&
    grep -q "^$B/bad/ja.xml:[0-9]*:[0-9]*: error:" "$B/err.txt"; then
    ok build/many-guides-one-failing
else fail build/many-guides-one-failing "exit $rc: $(oneline "$B/out.txt") $(oneline "$B/err.txt")"; fi
"$TEBIKI" build -q -o "$B/out" content/soudan-flyer/ja.xml "$T/content/pics/ja.xml" > "$B/q.txt" 2>&1
rc=$?
if [ $rc = 0 ] && [ ! -s "$B/q.txt" ]; then ok build/quiet; else fail build/quiet "exit $rc: $(oneline "$B/q.txt")"; fi

# ---- watch --------------------------------------------------------------
W=$TMP/watch
mkdir -p "$W/c/fl" "$W/c/pics" "$W/out"
cp content/soudan-flyer/ja.xml "$W/c/fl/ja.xml"
png "$W/c/pics/photo.png" 400 300
pics_guide "$W/c/pics/ja.xml" photo.png
mtime() { stat -c %Y.%y "$1" 2> /dev/null; }
wait_for() { # SECONDS COMMAND...: until the command succeeds
    local end=$((SECONDS + $1))
    shift
    while [ $SECONDS -lt "$end" ]; do
        "$@" && return 0
        sleep 0.1
    done
    return 1
}
changed() { [ "$(mtime "$1")" != "$2" ]; }
timeout 20 "$TEBIKI" watch -o "$W/out" "$W/c" > "$W/log.txt" 2>&1 &
WATCH_PID=$!
if wait_for 15 grep -q '^watching 2 guides' "$W/log.txt" && [ -s "$W/out/fl.ja.pdf" ] && [ -s "$W/out/pics.ja.pdf" ]; then
    ok watch/first-build
    # a changed guide
    m=$(mtime "$W/out/fl.ja.pdf") p=$(mtime "$W/out/pics.ja.pdf")
    sleep 0.05
    sed -i 's#</section>#<p>追記しました。</p></section>#' "$W/c/fl/ja.xml"
    if wait_for 8 changed "$W/out/fl.ja.pdf" "$m" && [ "$(mtime "$W/out/pics.ja.pdf")" = "$p" ]; then
        ok watch/rebuilds-changed-guide
    else fail watch/rebuilds-changed-guide "$(oneline "$W/log.txt")"; fi
    # an image
    m=$(mtime "$W/out/pics.ja.pdf") f=$(mtime "$W/out/fl.ja.pdf")
    png "$W/c/pics/photo.png" 420 300
    if wait_for 8 changed "$W/out/pics.ja.pdf" "$m" && [ "$(mtime "$W/out/fl.ja.pdf")" = "$f" ]; then
        ok watch/rebuilds-guide-showing-image
    else fail watch/rebuilds-guide-showing-image "$(oneline "$W/log.txt")"; fi
    # an error leaves the last good PDF
    cp "$W/out/fl.ja.pdf" "$W/good.pdf"
    cp "$W/c/fl/ja.xml" "$W/fl.xml"
    sed -i 's#</section>#<p>閉じていない</section>#' "$W/c/fl/ja.xml"
    if wait_for 8 grep -q 'fl.ja.pdf *failed' "$W/log.txt" && cmp -s "$W/good.pdf" "$W/out/fl.ja.pdf" &&
        grep -q "^$W/c/fl/ja.xml:[0-9]*:[0-9]*: error:" "$W/log.txt"; then
        ok watch/error-keeps-last-good-pdf
    else fail watch/error-keeps-last-good-pdf "$(oneline "$W/log.txt")"; fi
    m=$(mtime "$W/out/fl.ja.pdf")
    cp "$W/fl.xml" "$W/c/fl/ja.xml"
    if wait_for 8 changed "$W/out/fl.ja.pdf" "$m"; then ok watch/recovers-after-fix
    else fail watch/recovers-after-fix "$(oneline "$W/log.txt")"; fi
    # Ctrl-C: SIGINT to tebiki itself (timeout is its parent)
    child=$(ps -o pid= --ppid "$WATCH_PID" | tr -d ' ' | head -1)
    [ -n "$child" ] && kill -INT "$child"
    if wait_for 5 sh -c "! kill -0 $WATCH_PID 2> /dev/null"; then
        wait "$WATCH_PID"
        rc=$?
        WATCH_PID=
        if [ $rc = 0 ] && grep -q '^watch: stopped' "$W/log.txt"; then ok watch/ctrl-c-exits-cleanly
        else fail watch/ctrl-c-exits-cleanly "exit $rc: $(tail -c 300 "$W/log.txt" | tr '\n' '|')"; fi
    else fail watch/ctrl-c-exits-cleanly "still running 5 s after SIGINT"; fi
else
    fail watch/first-build "$(oneline "$W/log.txt")"
fi
[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2> /dev/null && wait "$WATCH_PID" 2> /dev/null
WATCH_PID=

# ---- the quality report ---------------------------------------------------
R=$TMP/report
mkdir -p "$R/g"
png "$R/g/coarse.png" 400 300        # 60 mm wide: 169 ppi, below 300
pics_guide "$R/g/ja.xml" coarse.png
# line 23: a paragraph whose first line ("Ang batas na ito:") cannot take
# the unbreakable phrase after it: its spaces open to some 1600 %
sed -i '22a\    <p xml:lang="tl">Ang batas na ito: <nobr>Pakikipagtulungan ng Mamamayan</nobr> ay para sa lahat ng mamamayan ng lungsod.</p>' "$R/g/ja.xml"
report_has() { # JSON: an overfull line on 16, a loose one on 23, the image on 20
    python3 - "$1" "$R/g/ja.xml" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
e = r["entries"]
def one(kind, line):
    m = [x for x in e if x["kind"] == kind]
    assert m, "no %s in %s" % (kind, [x["kind"] for x in e])
    assert all(x["file"] == sys.argv[2] and x["guide"] == sys.argv[2] for x in m), m
    assert any(x["line"] == line and x["severity"] == "warning" for x in m), "%s: %s" % (kind, m)
one("overfull-line", 16)
one("loose-line", 23)
one("low-resolution-image", 20)
assert r["counts"]["overfull-line"] >= 1 and r["counts"]["low-resolution-image"] == 1, r["counts"]
assert r["counts"]["loose-line"] == 1, r["counts"]
assert all(x["line"] > 0 for x in e), [x for x in e if x["line"] <= 0]
assert r["guides"][0]["guide"] == sys.argv[2] and r["guides"][0]["variant"] == "print", r["guides"]
EOF
}
"$TEBIKI" build --variant print --report "$R/build.json" -o "$R/g.print.pdf" "$R/g/ja.xml" > "$R/out.txt" 2> "$R/err.txt"
rc=$?
if [ $rc = 0 ] && report_has "$R/build.json" > "$R/py.txt" 2>&1 &&
    grep -qE '^report: [0-9]+ findings? in 1 guide: [0-9]+ overfull-line, 1 loose-line, 1 low-resolution-image' "$R/err.txt"; then
    ok report/build-overfull-loose-and-low-resolution-with-lines
else fail report/build-overfull-loose-and-low-resolution-with-lines "exit $rc: $(oneline "$R/py.txt") $(oneline "$R/err.txt")"; fi
"$TEBIKI" check --report "$R/check.json" "$R/g/ja.xml" > "$R/out.txt" 2> "$R/err.txt"
rc=$?
if [ $rc = 0 ] && report_has "$R/check.json" > "$R/py.txt" 2>&1 && ! ls "$R"/g/*.pdf > /dev/null 2>&1 &&
    [ ! -e out/g.ja.print.pdf ] && grep -q '^tebiki check: 0 errors' "$R/err.txt" &&
    grep -q '^report: .*overfull-line, 1 loose-line, 1 low-resolution-image' "$R/err.txt"; then
    ok report/check-same-without-pdf
else fail report/check-same-without-pdf "exit $rc: $(oneline "$R/py.txt") $(oneline "$R/err.txt")"; fi
# standard error names the same lines (render's findings included)
if grep -q "^$R/g/ja.xml:20:[0-9]*: warning: image \S*coarse.png is 169 ppi" "$R/err.txt" &&
    grep -q "^$R/g/ja.xml:16:[0-9]*: warning: overfull line" "$R/err.txt" &&
    grep -q "^$R/g/ja.xml:23:5: warning: loose line: the spaces are stretched to [0-9]* % of their width (more than 500 %)" "$R/err.txt"
then ok report/stderr-with-lines
else fail report/stderr-with-lines "$(oneline "$R/err.txt")"; fi

# ---- install ------------------------------------------------------------
D=$TMP/dest
if make -C "$T" --no-print-directory install PREFIX=/usr DESTDIR="$D" > "$TMP/install.txt" 2>&1; then
    missing=
    for f in usr/bin/tebiki usr/share/tebiki/schema/guide.rng usr/share/tebiki/layouts/booklet-a4.xml \
        usr/share/tebiki/layouts/flyer-a4.xml usr/share/tebiki/fonts/catalogue.xml usr/share/man/man1/tebiki.1 \
        usr/share/bash-completion/completions/tebiki; do
        [ -s "$D/$f" ] || missing="$missing $f"
    done
    if [ -z "$missing" ] && [ -x "$D/usr/bin/tebiki" ]; then ok install/files
    else fail install/files "missing:$missing"; fi
    E=$TMP/elsewhere
    mkdir -p "$E/content/g"
    cp content/soudan-flyer/ja.xml "$E/content/g/ja.xml"
    (cd "$E" && TEBIKI_SHARE="$D/usr/share/tebiki" "$D/usr/bin/tebiki" build content/g/ja.xml) > "$TMP/inst-run.txt" 2>&1
    rc=$?
    if [ $rc = 0 ] && [ "$(head -c 5 "$E/out/g.ja.pdf" 2> /dev/null)" = "%PDF-" ]; then ok install/runs-from-another-folder
    else fail install/runs-from-another-folder "exit $rc: $(oneline "$TMP/inst-run.txt")"; fi
    (cd "$E" && TEBIKI_SHARE="$E/nowhere" "$D/usr/bin/tebiki" check content/g/ja.xml) > "$TMP/inst-run2.txt" 2>&1
    if [ $? != 0 ]; then ok install/needs-its-share-folder
    else fail install/needs-its-share-folder "built without the share folder"; fi
    make -C "$T" --no-print-directory uninstall PREFIX=/usr DESTDIR="$D" > "$TMP/uninstall.txt" 2>&1
    left=$(find "$D" -type f | sed "s#^$D/##" | tr '\n' ' ')
    if [ -z "$left" ]; then ok install/uninstall; else fail install/uninstall "left: $left"; fi
else
    fail install/files "make install failed: $(oneline "$TMP/install.txt")"
fi

# ---- documentation ------------------------------------------------------
"$TEBIKI" --help > "$TMP/help.txt" 2>&1
plain=$TMP/man.txt
sed 's/\\//g' doc/tebiki.1 > "$plain"
missing=
for o in $(grep -oE -- '(^| |\[)--?[a-zA-Z][a-zA-Z-]*' "$TMP/help.txt" | tr -d ' [' | sort -u); do
    grep -qF -- "$o" "$plain" || missing="$missing $o"
done
for w in build check watch index 'EXIT STATUS' ENVIRONMENT TEBIKI_SHARE SOURCE_DATE_EPOCH 'QUALITY REPORT'; do
    grep -qF -- "$w" "$plain" || missing="$missing '$w'"
done
for s in 0 1 2 3; do grep -qx "\.B $s" doc/tebiki.1 || missing="$missing status-$s"; done
if [ -z "$missing" ] && [ -s "$TMP/help.txt" ]; then ok docs/man-page-documents-every-option
else fail docs/man-page-documents-every-option "missing:$missing"; fi
for o in --variant --report -M --html-only watch check index; do
    grep -qF -- "$o" "$TMP/help.txt" || missing="$missing $o"
done
if [ -z "$missing" ]; then ok docs/help-complete; else fail docs/help-complete "missing:$missing"; fi
if groff -man -Tutf8 -ww -z doc/tebiki.1 > "$TMP/groff.txt" 2>&1 && [ ! -s "$TMP/groff.txt" ]; then ok docs/man-page-formats
else fail docs/man-page-formats "$(oneline "$TMP/groff.txt")"; fi
comp=$(bash -c 'source share/bash-completion/completions/tebiki
    COMP_WORDS=(tebiki build --v); COMP_CWORD=2; _tebiki; echo "${COMPREPLY[*]}"
    COMP_WORDS=(tebiki build --variant ""); COMP_CWORD=3; _tebiki; echo "${COMPREPLY[*]}"
    COMP_WORDS=(tebiki w); COMP_CWORD=1; _tebiki; echo "${COMPREPLY[*]}"' 2>&1 | tr '\n' '|')
if [ "$comp" = "--variant --verbose|web print|watch|" ]; then ok docs/bash-completion
else fail docs/bash-completion "got '$comp'"; fi

# ---- a broken installation: a schema that does not compile -----------------
# (exit 3: the installation is at fault, not the guide; no output)
B=$TMP/broken
mkdir -p "$B"
cp -r schema layouts fonts "$B/"
echo "<unclosed" >> "$B/schema/guide.rng"
cp content/soudan-flyer/ja.xml "$B/g.xml"
(cd "$B" && "$TEBIKI" build -q -o out.pdf g.xml) > "$TMP/broken.txt" 2>&1
rc=$?
if [ $rc = 3 ] && grep -q 'guide.rng.*error: the guide schema cannot be compiled' "$TMP/broken.txt" && [ ! -e "$B/out.pdf" ]; then
    ok install/broken-schema
else fail install/broken-schema "exit $rc: $(oneline "$TMP/broken.txt")"; fi
# the schema is compiled on the second core while the first guide is read:
# with two guides (one of them with its own errors), the schema is still
# named once, nothing of the guides' own findings, and nothing is written
printf '<guide layout="flyer-a4"><nonsense/></guide>\n' > "$B/h.xml"
(cd "$B" && "$TEBIKI" build -o outdir h.xml g.xml) > "$TMP/broken2.txt" 2>&1
rc=$?
n=$(grep -c 'the guide schema cannot be compiled' "$TMP/broken2.txt")
if [ $rc = 3 ] && [ "$n" = 1 ] && ! grep -q '^h.xml' "$TMP/broken2.txt" && [ ! -e "$B/outdir/h.pdf" ] &&
   [ ! -e "$B/outdir/g.pdf" ]; then
    ok install/broken-schema-many
else fail install/broken-schema-many "exit $rc, said $n times: $(oneline "$TMP/broken2.txt")"; fi

# ---- the benchmark harness (make bench runs it in full) ---------------------
if [ -x build/bench/runone ] || make --no-print-directory build/bench/runone > "$TMP/bench.txt" 2>&1; then
    mkdir -p "$TMP/lb"
    python3 bench/gen.py longbook 2 "$TMP/lb/ja.xml" &&
        line=$(build/bench/runone 2 "$TEBIKI" build -q -o "$TMP/lb.pdf" "$TMP/lb/ja.xml")
    if echo "$line" | grep -qE '^[0-9.]+ [0-9.]+ [0-9.]+ [0-9]+$' && [ -s "$TMP/lb.pdf" ]; then ok bench/harness
    else fail bench/harness "runone printed '$line'"; fi
else fail bench/harness "cannot build build/bench/runone: $(oneline "$TMP/bench.txt")"; fi
exit 0
