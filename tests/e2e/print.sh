#!/usr/bin/env bash
# tests/e2e/print.sh — the print and web variants (issue 6; README "Print and
# web PDFs" lists which clause each test stands for).
#
#   tests/e2e/print.sh [TEBIKI [PREFIX [quick]]]     (from the repository root)
#
# Every guide in content/, both variants: the shared checker (--print on the
# print PDF, --web on the web PDF); two builds byte-identical (cmp); print:
# PDF 1.3 with the PDF/X-1a keys, no transparency, no RGB operator or colour
# space, images CMYK or grey only, K100 text overprinting and nothing else;
# web: cropped to the trim, XMP metadata uncompressed with the guide's facts
# and dates from SOURCE_DATE_EPOCH, images at most 150 ppi.  in-spiral: the
# trim marks of page 1 read from the content stream and compared with the
# geometry (3 mm / 13 mm, 0.1 pt lines, within 0.1 pt); its saddle stitch
# padded to a multiple of 4 with blank pages before the back cover; its web
# PDF smaller than its print PDF.  Guides and layouts made here: a tiny PNG
# placed large (an error, nothing written), one between 150 and 300 ppi (a
# warning naming it and its resolution), both at the <img>'s line, a damaged
# PNG (an error, not an abort), colours over the ink limit (a warning, above
# 350 % an error, at the layout's line), text near the trim (a warning at
# the line of the text) and below 6 pt (a warning),
# pdfx="x4" (PDF 1.6, XMP identification, the press profile embedded),
# marks="false", and a page background rendered with pdftoppm: marks drawn,
# the bleed coloured, paper white beyond it.
#
# "quick" (the sanitizer run) only builds the made-up guides, both variants,
# and checks the exit status.  Prints "ok   NAME" / "FAIL NAME: reason"
# lines ("skip NAME: reason" for what cannot run here).
set -u
TEBIKI=${1:-bin/tebiki}
PREFIX=${2:-}
MODE=${3:-full}
cd "$(dirname "$0")/../.." || exit 2
PDFCHECK=${PDFCHECK:-$(cd .. && pwd)/shared/checks/pdfcheck}
HELP=tests/e2e/print_check.py
export SOURCE_DATE_EPOCH=1700000000   # 2023-11-14T22:13:20Z
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tebiki-print.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
ok() { echo "ok   $PREFIX$1"; }
fail() { echo "FAIL $PREFIX$1: $2"; }
skip() { echo "skip $PREFIX$1: $2"; }
sanitized() { grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$1"; }
oneline() { head -c 400 "$1" | tr '\n' '|'; }
qdf() { qpdf --qdf --object-streams=disable "$1" "$2" 2> /dev/null; [ -s "$2" ]; }

[ -x "$TEBIKI" ] || { fail print "$TEBIKI is not built (run make check)"; exit 1; }
for tool in python3 qpdf pdfinfo pdfimages pdftoppm; do
    command -v $tool > /dev/null || { fail print "$tool is not installed (make installs it)"; exit 1; }
done

# build ID OUT ARGS... : runs tebiki; $rc, stderr in $TMP/err.txt; a
# sanitizer report or an abort is a failure of ID
build() {
    local id=$1 out=$2
    shift 2
    rm -f "$out"
    "$TEBIKI" build -o "$out" "$@" > "$TMP/out.txt" 2> "$TMP/err.txt"
    rc=$?
    if sanitized "$TMP/err.txt"; then fail "$id" "sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$TMP/err.txt" | cut -c1-300)"; return 1; fi
    if [ $rc -ge 128 ]; then fail "$id" "killed by signal $((rc - 128)): $(oneline "$TMP/err.txt")"; return 1; fi
    return 0
}

# ---- made-up guides and layouts -----------------------------------------
F=$TMP/fixture
mkdir -p "$F/content/prn" "$F/layouts"
guide() { # FILE IMAGE (placed across the column of flyer-a4: 84 mm)
    cat > "$1" <<EOF
<?xml version="1.0" encoding="UTF-8"?>
<guide xml:lang="ja" layout="flyer-a4" version="1">
  <meta>
    <title>印刷の検査</title>
    <author>テスト</author>
    <description>印刷用PDFの検査に使う案内。</description>
    <keywords>印刷, 検査</keywords>
  </meta>
  <section id="s1">
    <title>画像と本文</title>
    <p>本文の段落です。画像を一つ置きます。</p>
    <figure id="f1"><img src="$2" width="100%" alt="検査用の画像"/></figure>
    <p>もう一つの段落です。</p>
  </section>
</guide>
EOF
}
python3 $HELP png "$F/content/prn/tiny.png" 40 30 > /dev/null               # 12 ppi on 84 mm
python3 $HELP png "$F/content/prn/coarse.png" 700 500 > /dev/null           # 212 ppi
python3 $HELP png "$F/content/prn/fine.png" 1100 780 > /dev/null            # 333 ppi
python3 $HELP png "$F/content/prn/grey.png" 1100 780 grey > /dev/null
python3 $HELP png "$F/content/prn/broken.png" 300 200 damaged > /dev/null
for img in tiny coarse fine grey broken; do guide "$F/content/prn/$img.xml" "$img.png"; done
# layouts: flyer-a4 with one thing changed on <page>, or a style line added
LAY=layouts/flyer-a4.xml
layout() { # NAME SED-EXPRESSION
    sed -e "$2" "$LAY" > "$F/layouts/$1.xml"
}
layout x4 's#<page #<page pdfx="x4" #'
layout nomarks 's#<page #<page marks="false" #'
layout bg 's#<master name="body" #<master name="body" background="cmyk(0,40,80,0)" #'
layout near 's#margin-top="15mm"#margin-top="0.5mm"#'
layout small 's#<style select="p" #<style select="p" size="5pt" #'
layout ink320 's#<style select="p" #<style select="p" color="cmyk(100,100,20,100)" #'
layout ink380 's#<style select="p" #<style select="p" color="cmyk(100,100,80,100)" #'
layout limit250 's#<page #<page ink-limit="250" #; s#<style select="p" #<style select="p" color="cmyk(100,100,60,0)" #'

if [ "$MODE" = quick ]; then
    for v in web print; do
        for img in tiny coarse fine grey broken; do
            build "print/quick/$v/$img" "$TMP/q.pdf" --variant $v "$F/content/prn/$img.xml" || continue
            case $img:$v:$rc in
                tiny:print:1 | broken:*:1 | tiny:web:0 | coarse:*:0 | fine:*:0 | grey:*:0) ok "print/quick/$v/$img" ;;
                *) fail "print/quick/$v/$img" "exit $rc: $(oneline "$TMP/err.txt")" ;;
            esac
        done
        for l in x4 bg ink380 nomarks; do
            build "print/quick/$v/$l" "$TMP/q.pdf" --variant $v --layout "$F/layouts/$l.xml" "$F/content/prn/fine.xml" || continue
            want=0
            [ $l:$v = ink380:print ] && want=1
            if [ $rc = $want ]; then ok "print/quick/$v/$l"; else fail "print/quick/$v/$l" "exit $rc: $(oneline "$TMP/err.txt")"; fi
        done
    done
    exit 0
fi

# ---- every guide, both variants -------------------------------------------
have_checker=1
[ -x "$PDFCHECK" ] || { fail print/pdfcheck "the checker is not at $PDFCHECK (set PDFCHECK=)"; have_checker=0; }
. tests/e2e/pdfcheck.sh # (the working folder is the repository)

for g in content/*/*.xml; do
    name=$(basename "$(dirname "$g")").$(basename "$g" .xml)
    web=$TMP/$name.pdf prn=$TMP/$name.print.pdf
    build "print/$name/build" "$prn" --variant print "$g" || continue
    if [ $rc != 0 ]; then fail "print/$name/build" "exit $rc: $(oneline "$TMP/err.txt")"; continue; fi
    build "web/$name/build" "$web" "$g" || continue
    if [ $rc != 0 ]; then fail "web/$name/build" "exit $rc: $(oneline "$TMP/err.txt")"; continue; fi
    if [ $have_checker = 1 ]; then
        pdfcheck "print/$name/pdfcheck" "$prn" --print --no-kinsoku
        pdfcheck "web/$name/pdfcheck" "$web" --web --no-kinsoku
    fi
    # reproducible, both variants
    for v in print web; do
        [ $v = print ] && f=$prn || f=$web
        "$TEBIKI" build -q --variant $v -o "$TMP/again.pdf" "$g" > /dev/null 2>&1
        if cmp -s "$f" "$TMP/again.pdf"; then ok "$v/$name/reproducible"
        else fail "$v/$name/reproducible" "two builds differ: $(cmp "$f" "$TMP/again.pdf" 2>&1 | head -1)"; fi
    done

    qdf "$prn" "$TMP/p.qdf" || { fail "print/$name/qdf" "qpdf cannot expand it"; continue; }
    qdf "$web" "$TMP/w.qdf" || { fail "web/$name/qdf" "qpdf cannot expand it"; continue; }

    # print: no RGB anywhere; images CMYK or grey
    rgb=$(grep -a -c -E '(^|[^A-Za-z/])(rg|RG)$|/DeviceRGB|/CalRGB' "$TMP/p.qdf")
    spaces=$(pdfimages -list "$prn" 2>/dev/null | tail -n +3 | awk '{print $6}' | sort -u | tr '\n' ' ')
    if [ "$rgb" = 0 ] && ! echo "$spaces" | grep -qvE '^(cmyk |gray )*$'; then ok "print/$name/cmyk-only"
    else fail "print/$name/cmyk-only" "$rgb RGB operators or spaces; image colour spaces: $spaces"; fi

    # print: PDF/X-1a:2001 — PDF 1.3, its keys, output intent, /ID, no transparency
    why=
    [ "$(head -c 8 "$prn")" = "%PDF-1.3" ] || why="header $(head -c 8 "$prn")"
    for k in '/GTS_PDFXVersion (PDF/X-1:2001)' '/GTS_PDFXConformance (PDF/X-1a:2001)' '/Trapped /False' \
             '/S /GTS_PDFX' '/OutputConditionIdentifier (JC200103)' '/CreationDate (D:20231114221320Z' '/TrimBox'; do
        [ -z "$why" ] && ! grep -aqF -- "$k" "$TMP/p.qdf" && why="no $k"
    done
    [ -z "$why" ] && grep -aqE '/SMask|/CA [0-9]|/ca [0-9]|/BM |/Group' "$TMP/p.qdf" && why="transparency"
    [ -z "$why" ] && ! grep -aqiE '/ID \[ *<[0-9a-f]{32}>' "$TMP/p.qdf" && why="no trailer /ID"
    [ -z "$why" ] && grep -aqE '/Annots|/Outlines|/JavaScript|/AA ' "$TMP/p.qdf" && why="annotations, outline or actions"
    if [ -z "$why" ]; then ok "print/$name/pdfx-1a"; else fail "print/$name/pdfx-1a" "$why"; fi

    # print: K100 text overprints through /OP /op /OPM 1; nothing else does
    out=$(python3 $HELP overprint "$TMP/p.qdf")
    case $out in ok*) ok "print/$name/overprint-k100" ;; *) fail "print/$name/overprint-k100" "${out#FAIL }" ;; esac

    # web: cropped to the trim, no marks
    boxes=$(pdfinfo -box -f 1 -l 1 "$web" 2>/dev/null | grep -E '^Page +1 (Media|Trim)Box' | awk '{print $4,$5,$6,$7}' | sort -u | wc -l)
    if [ "$boxes" = 1 ] && ! grep -aq ' 1 1 1 1 K$' "$TMP/w.qdf"; then ok "web/$name/cropped-to-trim"
    else fail "web/$name/cropped-to-trim" "MediaBox and TrimBox differ, or registration marks"; fi

    # web: XMP metadata, uncompressed, with the guide's facts and the epoch's dates
    why=
    lang=$(grep -o -m1 '<guide[^>]*xml:lang="[^"]*"' "$g" | sed 's/.*xml:lang="//; s/"$//')
    grep -aq '/Type /Metadata' "$web" || why="no /Type /Metadata stream"
    for k in '<x:xmpmeta' '<dc:title><rdf:Alt><rdf:li xml:lang="x-default">' "<dc:language><rdf:Bag><rdf:li>$lang</rdf:li>" \
             '<xmp:CreateDate>2023-11-14T22:13:20Z</xmp:CreateDate>' '<xmp:ModifyDate>2023-11-14T22:13:20Z</xmp:ModifyDate>' \
             '<pdf:Producer>tebiki' '<dc:creator><rdf:Seq><rdf:li>' '<dc:subject><rdf:Bag><rdf:li>'; do
        [ -z "$why" ] && ! grep -aqF -- "$k" "$web" && why="no $k in the raw file"
    done
    [ -z "$why" ] && ! grep -aqE '/Metadata [0-9]+ 0 R' "$TMP/w.qdf" && why="the catalog has no /Metadata"
    for k in '/Lang (' '/DisplayDocTitle true' '/Outlines'; do
        [ -z "$why" ] && ! grep -aqF -- "$k" "$TMP/w.qdf" && why="no $k"
    done
    if [ -z "$why" ]; then ok "web/$name/metadata"; else fail "web/$name/metadata" "$why"; fi

    # web: images at most 150 ppi (those that had more), RGB or grey
    big=$(pdfimages -list "$web" 2>/dev/null | tail -n +3 | awk '$13 > 151 || $14 > 151 || ($6 != "rgb" && $6 != "gray") {print $13"x"$14" "$6}' | head -3 | tr '\n' ' ')
    if [ -z "$big" ]; then ok "web/$name/images-150ppi"; else fail "web/$name/images-150ppi" "$big"; fi
done

# ---- in-spiral ---------------------------------------------------------------
g=content/in-spiral/ja.xml web=$TMP/in-spiral.ja.pdf prn=$TMP/in-spiral.ja.print.pdf
if [ -f "$prn" ] && [ -f "$web" ]; then
    qdf "$prn" "$TMP/p.qdf"
    out=$(python3 $HELP marks "$TMP/p.qdf")
    case $out in ok*) ok "print/in-spiral/trim-marks-geometry" ;; *) fail "print/in-spiral/trim-marks-geometry" "${out#FAIL }" ;; esac

    ws=$(stat -c %s "$web") ps=$(stat -c %s "$prn")
    if [ "$ws" -lt "$ps" ]; then ok "web/in-spiral/smaller-than-print"
    else fail "web/in-spiral/smaller-than-print" "web $ws bytes, print $ps bytes"; fi

    # saddle stitch: a multiple of 4 pages, the blanks before the back cover
    "$TEBIKI" build --variant print -o "$TMP/s.pdf" "$g" > /dev/null 2> "$TMP/err.txt"
    np=$(pdfinfo "$TMP/s.pdf" 2>/dev/null | awk '/^Pages:/ {print $2}')
    nw=$(pdfinfo "$web" 2>/dev/null | awk '/^Pages:/ {print $2}')
    last_web=$(pdftotext -f "$nw" -l "$nw" "$web" - 2>/dev/null | tr -d ' \n\f' | head -c 40)
    last_prn=$(pdftotext -f "$np" -l "$np" "$TMP/s.pdf" - 2>/dev/null | tr -d ' \n\f' | head -c 40)
    # the pages before the back cover: nothing but the slug line outside the trim
    before=$(pdftotext -f $((nw)) -l $((np - 1)) "$TMP/s.pdf" - 2>/dev/null | tr -d '\f' |
             grep -vE '^(in-spiral\.ja|[0-9]+ / [0-9]+|[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} UTC)?$' | tr -d ' \n\f')
    if [ $((np % 4)) = 0 ] && [ "$np" -gt "$nw" ] && [ "$last_web" = "$last_prn" ] && [ -z "$before" ] &&
        grep -q "warning: a saddle-stitched booklet needs a multiple of 4 pages: $((np - nw)) blank" "$TMP/err.txt"; then
        ok "print/in-spiral/saddle-multiple-of-4"
    else fail "print/in-spiral/saddle-multiple-of-4" "web $nw pages, print $np; back covers '$last_web' / '$last_prn'; blanks '$before'; $(oneline "$TMP/err.txt")"; fi
else
    fail print/in-spiral "in-spiral was not built"
fi

# ---- preflight ---------------------------------------------------------------
P=$F/content/prn
build print/low-res-error "$TMP/low.pdf" --variant print "$P/tiny.xml"
if [ $rc = 1 ] && [ ! -e "$TMP/low.pdf" ] && grep -qE "^$P/tiny.xml:12:[0-9]+: error: image \S*tiny.png is 12 ppi at its placed size" "$TMP/err.txt"; then
    ok print/low-res-error
else fail print/low-res-error "exit $rc, file $( [ -e "$TMP/low.pdf" ] && echo written || echo absent): $(oneline "$TMP/err.txt")"; fi
build web/low-res-fine "$TMP/low.pdf" "$P/tiny.xml"
if [ $rc = 0 ] && ! grep -q ppi "$TMP/err.txt"; then ok web/low-res-no-preflight
else fail web/low-res-no-preflight "exit $rc: $(oneline "$TMP/err.txt")"; fi

build print/coarse-warning "$TMP/coarse.pdf" --variant print "$P/coarse.xml"
if [ $rc = 0 ] && [ -s "$TMP/coarse.pdf" ] &&
    grep -qE "^$P/coarse.xml:12:[0-9]+: warning: image \S*coarse.png is 21[0-9] ppi at its placed size \(700×500 pixels" "$TMP/err.txt"; then
    ok print/coarse-image-warning
else fail print/coarse-image-warning "exit $rc: $(oneline "$TMP/err.txt")"; fi

build print/fine "$TMP/fine.pdf" --variant print "$P/fine.xml"
if [ $rc = 0 ] && ! grep -q 'warning' "$TMP/err.txt" && pdfimages -list "$TMP/fine.pdf" | tail -n +3 | grep -q ' cmyk '; then
    ok print/rgb-image-separated-to-cmyk
else fail print/rgb-image-separated-to-cmyk "exit $rc: $(oneline "$TMP/err.txt") $(pdfimages -list "$TMP/fine.pdf" 2>&1 | tail -n +3 | head -2)"; fi
build web/fine "$TMP/fine.web.pdf" "$P/fine.xml"
ppi=$(pdfimages -list "$TMP/fine.web.pdf" 2>/dev/null | tail -n +3 | awk '{print $4"x"$5" "$6" "$13}' | head -1)
if [ $rc = 0 ] && echo "$ppi" | grep -qE ' rgb 1(4[5-9]|5[01])$'; then ok web/image-downsampled-to-150ppi
else fail web/image-downsampled-to-150ppi "exit $rc, image $ppi"; fi

build print/grey "$TMP/grey.pdf" --variant print "$P/grey.xml"
if [ $rc = 0 ] && pdfimages -list "$TMP/grey.pdf" | tail -n +3 | grep -q ' gray '; then ok print/grey-image-stays-grey
else fail print/grey-image-stays-grey "exit $rc: $(oneline "$TMP/err.txt")"; fi

for v in print web; do
    build $v/damaged-png "$TMP/broken.pdf" --variant $v "$P/broken.xml"
    if [ $rc = 1 ] && [ ! -e "$TMP/broken.pdf" ] && grep -q "broken.png: error: damaged PNG image" "$TMP/err.txt"; then ok $v/damaged-png-is-an-error
    else fail $v/damaged-png-is-an-error "exit $rc: $(oneline "$TMP/err.txt")"; fi
done

lay=$F/layouts
line=$(grep -n '<style select="p" color=' "$lay/ink320.xml" | cut -d: -f1)
build print/ink-warning "$TMP/ink.pdf" --variant print --layout "$lay/ink320.xml" "$P/fine.xml"
if [ $rc = 0 ] && grep -qF "$lay/ink320.xml:$line:1: warning: colour cmyk(100,100,20,100) has 320 % total ink, above the layout's limit of 300 %" "$TMP/err.txt"; then
    ok print/ink-over-limit-warning
else fail print/ink-over-limit-warning "exit $rc: $(oneline "$TMP/err.txt")"; fi
build print/ink-error "$TMP/ink.pdf" --variant print --layout "$lay/ink380.xml" "$P/fine.xml"
if [ $rc = 1 ] && [ ! -e "$TMP/ink.pdf" ] && grep -qF "$lay/ink380.xml:$line:1: error: colour cmyk(100,100,80,100) has 380 % total ink" "$TMP/err.txt"; then
    ok print/ink-over-350-error
else fail print/ink-over-350-error "exit $rc: $(oneline "$TMP/err.txt")"; fi
build print/ink-limit "$TMP/ink.pdf" --variant print --layout "$lay/limit250.xml" "$P/fine.xml"
if [ $rc = 0 ] && grep -qF "colour cmyk(100,100,60,0) has 260 % total ink, above the layout's limit of 250 %" "$TMP/err.txt"; then
    ok print/ink-limit-attribute
else fail print/ink-limit-attribute "exit $rc: $(oneline "$TMP/err.txt")"; fi
build web/ink "$TMP/ink.pdf" --layout "$lay/ink320.xml" "$P/fine.xml"
if [ $rc = 0 ] && ! grep -q 'total ink' "$TMP/err.txt"; then ok web/no-ink-preflight
else fail web/no-ink-preflight "exit $rc: $(oneline "$TMP/err.txt")"; fi

build print/near-trim "$TMP/near.pdf" --variant print --layout "$lay/near.xml" "$P/fine.xml"
if [ $rc = 0 ] && grep -qE "^$P/fine.xml:10:5: warning: page 1: text 「画像と本文」 is [0-2]\.[0-9] mm from the trim edge" "$TMP/err.txt"; then
    ok print/text-near-trim-warning
else fail print/text-near-trim-warning "exit $rc: $(oneline "$TMP/err.txt")"; fi
build print/small "$TMP/small.pdf" --variant print --layout "$lay/small.xml" "$P/fine.xml"
if [ $rc = 0 ] && grep -qE "^$P/fine.xml: warning: [0-9]+ runs of text below 6 pt \(the smallest 5.0 pt" "$TMP/err.txt"; then
    ok print/text-below-6pt-warning
else fail print/text-below-6pt-warning "exit $rc: $(oneline "$TMP/err.txt")"; fi

# ---- layout options --------------------------------------------------------------
build print/x4 "$TMP/x4.pdf" --variant print --layout "$lay/x4.xml" "$P/fine.xml"
why=
[ $rc = 0 ] || why="exit $rc: $(oneline "$TMP/err.txt")"
[ -z "$why" ] && [ "$(head -c 8 "$TMP/x4.pdf")" != "%PDF-1.6" ] && why="header $(head -c 8 "$TMP/x4.pdf")"
[ -z "$why" ] && ! grep -aqF '<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>' "$TMP/x4.pdf" && why="no XMP pdfxid:GTS_PDFXVersion"
[ -z "$why" ] && { qdf "$TMP/x4.pdf" "$TMP/x4.qdf" || why="qpdf"; }
[ -z "$why" ] && ! grep -aqF '/DestOutputProfile' "$TMP/x4.qdf" && why="no DestOutputProfile"
[ -z "$why" ] && grep -aqF 'GTS_PDFXConformance' "$TMP/x4.qdf" && why="an X-1a conformance key"
[ -z "$why" ] && ! grep -aqE '/Metadata [0-9]+ 0 R' "$TMP/x4.qdf" && why="no /Metadata on the catalog"
if [ -z "$why" ]; then ok print/pdfx-4-option; else fail print/pdfx-4-option "$why"; fi

build print/no-marks "$TMP/nm.pdf" --variant print --layout "$lay/nomarks.xml" "$P/fine.xml"
media=$(pdfinfo -box -f 1 -l 1 "$TMP/nm.pdf" 2>/dev/null | awk '/^Page +1 (MediaBox|BleedBox)/ {print $4,$5,$6,$7}' | sort -u | wc -l)
if [ $rc = 0 ] && [ "$media" = 1 ] && qdf "$TMP/nm.pdf" "$TMP/nm.qdf" && ! grep -aq ' 1 1 1 1 K$' "$TMP/nm.qdf"; then ok print/marks-off
else fail print/marks-off "exit $rc; MediaBox = BleedBox: $media; $(oneline "$TMP/err.txt")"; fi

# ---- rendered: marks and bleed ---------------------------------------------------
build print/render "$TMP/bg.pdf" --variant print --layout "$lay/bg.xml" "$P/fine.xml"
if [ $rc = 0 ]; then
    # the top-left 60×60 mm of the sheet at 300 ppi (the MediaBox has 20 mm beyond the trim)
    pdftoppm -gray -r 300 -f 1 -l 1 -x 0 -y 0 -W 709 -H 709 "$TMP/bg.pdf" "$TMP/corner" 2> /dev/null
    pgm=$(ls "$TMP"/corner*.pgm 2> /dev/null | head -1)
    if [ -n "$pgm" ]; then out=$(python3 $HELP pixels "$pgm" 300 3 20); else out="FAIL pdftoppm wrote nothing"; fi
    case $out in ok*) ok "print/rendered-marks-and-bleed" ;; *) fail "print/rendered-marks-and-bleed" "${out#FAIL }" ;; esac
else fail print/rendered-marks-and-bleed "exit $rc: $(oneline "$TMP/err.txt")"; fi
exit 0
