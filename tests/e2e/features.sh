#!/bin/bash
# features.sh — what the PDFs show, read back with poppler and zbar:
#   refs and contents entries name the page their target stands on;
#   QR codes decode to their URL; the trifold's panels sit where they fold;
#   a table's header row repeats on the pages it runs onto; ruby keeps the
#   base text in reading order.
# Usage: tests/e2e/features.sh TEBIKI [PREFIX]   (from the repository root)
# Prints "ok   NAME" / "FAIL NAME: reason" lines for tests/run.
TEBIKI=${1:-bin/tebiki}
P=${2:-}
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
export SOURCE_DATE_EPOCH=1700000000
ok() { echo "ok   $P$1"; }
fail() { echo "FAIL $P$1: $2"; }

build() { # guide out
    "$TEBIKI" build -q -o "$2" "$1" > /dev/null 2> "$TMP/err.txt" ||
        { fail "e2e/features/build $(basename "$(dirname "$1")")" "$(head -c 200 "$TMP/err.txt")"; return 1; }
}

# ---- refs and contents --------------------------------------------------------
for g in content/in-spiral/ja.xml content/startup-guide/ja.xml; do
    name=$(basename "$(dirname "$g")")
    build "$g" "$TMP/$name.pdf" || continue
    res=$(python3 - "$g" "$TMP/$name.pdf" <<'PY'
import re, subprocess, sys, unicodedata
import xml.etree.ElementTree as ET
xml, pdf = sys.argv[1], sys.argv[2]
def squash(s): return "".join(unicodedata.normalize("NFKC", s).split())
n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout).group(1))
pages = [squash(subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), pdf, "-"], capture_output=True, text=True).stdout)
         for i in range(1, n + 1)]
tree = ET.parse(xml)
parent = {c: p for p in tree.iter() for c in p}
def text(e):
    return "".join([e.text or ""] + [text(c) + (c.tail or "") for c in e if c.tag not in ("rt", "rp")])
titles = {}
for s in tree.iter("section"):
    t = s.find("title")
    if s.get("id") and t is not None: titles[s.get("id")] = squash(text(t))
# headings: lines set at 11.5 pt or more (running heads, contents entries
# and body text are smaller), from pdftotext's word boxes
import html as htmlmod
boxes = subprocess.run(["pdftotext", "-bbox-layout", pdf, "-"], capture_output=True, text=True).stdout
heads = []
for pi, pg in enumerate(boxes.split("<page ")[1:]):
    for ln in re.findall(r'<line xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">(.*?)</line>', pg, re.S):
        if float(ln[1]) - float(ln[0]) >= 11.5:
            heads.append((pi + 1, squash(htmlmod.unescape(re.sub(r"<[^>]+>", "", ln[2])))))
def page_of(title):
    # a heading may run over two lines: match its first 6 characters
    for pg, t in heads:
        if t and (t.startswith(title[:6]) or title.startswith(t[:6])): return pg
    return None
bad, checked = [], 0
# contents: "title.....N" lines of pdftotext -layout on the contents pages
toc = ""
for i in range(1, min(n, 4) + 1):
    toc += subprocess.run(["pdftotext", "-layout", "-f", str(i), "-l", str(i), pdf, "-"], capture_output=True, text=True).stdout
for sid, t in titles.items():
    for line in toc.splitlines():
        sl = squash(line)
        m = re.match(r"(.*?)[.·…]*(\d+)$", sl)
        if m and m.group(1).rstrip(".") == t:
            want = page_of(t)
            checked += 1
            if want != int(m.group(2)): bad.append(f"contents: {t[:12]} says {m.group(2)}, stands on {want}")
            break
# refs: the words just before the ref, then the page it prints (「P4」)
alltext = "".join(pages)
for r in tree.iter("ref"):
    t = titles.get(r.get("to"))
    if not t: continue
    par = parent[r]
    before = par.text or ""
    for c in par:
        if c is r: break
        before += text(c) + (c.tail or "")
    ctx = squash(before)[-3:]
    want = page_of(t)
    checked += 1
    if want is None or ctx + f"P{want}" not in alltext:
        got = re.findall(re.escape(ctx) + r"P(\d+)", alltext)
        bad.append(f"ref to {r.get('to')} after {ctx}: prints {got[:1]}, target on page {want}")
print(f"{checked} entries checked" + ("; " + " | ".join(bad[:4]) if bad else ""))
sys.exit(1 if bad or not checked else 0)
PY
    )
    if [ $? = 0 ]; then ok "e2e/features/$name/refs-and-contents ($res)"; else fail "e2e/features/$name/refs-and-contents" "$res"; fi
done

# ---- QR codes ------------------------------------------------------------------
if command -v zbarimg > /dev/null; then
    for g in content/startup-guide/ja.xml content/soudan-flyer/ja.xml; do
        name=$(basename "$(dirname "$g")")
        [ -f "$TMP/$name.pdf" ] || build "$g" "$TMP/$name.pdf" || continue
        url=$(sed -n 's/.*<qr href="\([^"]*\)".*/\1/p' "$g" | head -1)
        n=$(pdfinfo "$TMP/$name.pdf" | sed -n 's/^Pages: *//p')
        found=
        for i in $(seq "$n" -1 1); do
            pdftoppm -png -r 150 -f "$i" -l "$i" -singlefile "$TMP/$name.pdf" "$TMP/qr" 2> /dev/null
            got=$(zbarimg -q --raw "$TMP/qr.png" 2> /dev/null | head -1)
            [ -n "$got" ] && { found=$got; break; }
        done
        if [ "$found" = "$url" ]; then ok "e2e/features/$name/qr-decodes"
        else fail "e2e/features/$name/qr-decodes" "zbarimg read '${found}', want '$url'"; fi
    done
else
    echo "skip ${P}e2e/features/qr: zbarimg is not installed"
fi

# ---- the trifold: panels where they fold ----------------------------------------
g=content/kyodo-mirai/ja.xml
if build "$g" "$TMP/tri.pdf"; then
    res=$(python3 - "$g" "$TMP/tri.pdf" <<'PY'
import re, subprocess, sys, unicodedata
import xml.etree.ElementTree as ET
xml, pdf = sys.argv[1], sys.argv[2]
def squash(s): return "".join(unicodedata.normalize("NFKC", s).split())
root = ET.parse(xml).getroot()
def text(e): return "".join([e.text or ""] + [text(c) + (c.tail or "") for c in e if c.tag not in ("rt", "rp")])
# panels in reading order: the cover, the body split at each columnbreak,
# the back cover
def texts(e):
    out = []
    for c in e.iter():
        if c.tag in ("p", "title", "li", "dt", "dd", "figcaption"):
            t = squash(text(c))
            if len(t) >= 4: out.append(t)
    return out
cover, back = root.find("cover"), root.find("back-cover")
panels = [texts(cover) if cover is not None else []]
body = [[]]
for c in root:
    if c.tag in ("meta", "cover", "back-cover"): continue
    for d in c.iter():
        if d.tag == "columnbreak": body.append([])
        elif d.tag in ("p", "title", "li", "dt", "dd", "figcaption"):
            t = squash(text(d))
            if len(t) >= 4: body[-1].append(t)
panels += [b for b in body if b]
if back is not None: panels.append(texts(back))
# where each panel's first text stands: page and third of the sheet
html = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True).stdout
pages = re.split(r"<page ", html)[1:]
def where(s):
    for pi, pg in enumerate(pages):
        w = float(re.search(r'width="([\d.]+)"', pg).group(1))
        words = re.findall(r'xMin="([\d.]+)"[^>]*>([^<]*)<', pg)
        line = ""
        for x, t in words:
            if s.startswith(squash(t)) and len(squash(t)) >= 2:
                return pi + 1, int(float(x) / (w / 3)) + 1
    return None
# sheet slots (page, third) for panels 1..6 of leaflet-a4-trifold
slots = {1: (1, 3), 2: (2, 1), 3: (2, 2), 4: (2, 3), 5: (1, 1), 6: (1, 2)}
bad = []
for k, texts in enumerate(panels[:6], 1):
    if not texts: continue
    w = where(texts[0])
    if w != slots[k]: bad.append(f"panel {k} ({texts[0][:8]}) at {w}, want {slots[k]}")
print(f"{min(len(panels), 6)} panels" + ("; " + " | ".join(bad) if bad else ""))
sys.exit(1 if bad or len(panels) < 6 else 0)
PY
    )
    if [ $? = 0 ]; then ok "e2e/features/kyodo-mirai/panels-fold-in-order ($res)"; else fail "e2e/features/kyodo-mirai/panels-fold-in-order" "$res"; fi
fi

# ---- a table's header repeats ------------------------------------------------------
if [ -f "$TMP/startup-guide.pdf" ]; then
    res=$(python3 - content/startup-guide/ja.xml "$TMP/startup-guide.pdf" <<'PY'
import re, subprocess, sys, unicodedata
import xml.etree.ElementTree as ET
def squash(s): return "".join(unicodedata.normalize("NFKC", s).split())
root = ET.parse(sys.argv[1]).getroot()
pdf = sys.argv[2]
n = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout).group(1))
pages = [squash(subprocess.run(["pdftotext", "-f", str(i), "-l", str(i), pdf, "-"], capture_output=True, text=True).stdout) for i in range(1, n + 1)]
best = 0
for t in root.iter("table"):
    head = t.find("thead")
    rows = [r for r in t.iter("tr") if head is None or r not in list(head.iter("tr"))]
    if head is None or len(rows) < 25: continue
    hdr = "".join(squash("".join(c.itertext())) for c in head.iter("th"))
    # the table's pages: where two or more of its long cells (12 characters
    # and up: definitions, not terms used across the guide) stand
    first_cells = [squash("".join(c.itertext())) for r in rows for c in r]
    first_cells = [c for c in first_cells if len(c) >= 12]
    spread = [i for i, p in enumerate(pages) if sum(c in p for c in first_cells) >= 2]
    on = [i for i in spread if all(squash("".join(c.itertext())) in pages[i] for c in head.iter("th"))]
    if len(set(spread)) >= 2:
        best = max(best, len(set(spread)))
        if set(spread) - set(on):
            print(f"table over pages {[i + 1 for i in sorted(set(spread))]}: header missing on {[i + 1 for i in sorted(set(spread) - set(on))]}")
            sys.exit(1)
print(f"longest table runs over {best} pages, its header on each")
sys.exit(0 if best >= 2 else 1)
PY
    )
    if [ $? = 0 ]; then ok "e2e/features/startup-guide/table-header-repeats ($res)"; else fail "e2e/features/startup-guide/table-header-repeats" "$res"; fi
fi

# ---- ruby: the base text reads in order --------------------------------------------
if build tests/e2e/ruby-guide/ja.xml "$TMP/ruby.pdf"; then
    base="これは協働のテストです。市民が活動し、東京と横浜で承りました。ここはとても大切なところです。"
    got=$(pdftotext "$TMP/ruby.pdf" - | tr -d ' \n')
    if echo "$got" | grep -qF "$base"; then ok "e2e/features/ruby/base-text-in-order"
    else fail "e2e/features/ruby/base-text-in-order" "pdftotext: $(echo "$got" | head -c 200)"; fi
    if echo "$got" | grep -qF "きょうどう"; then ok "e2e/features/ruby/reading-extractable"
    else fail "e2e/features/ruby/reading-extractable" "no きょうどう in the text"; fi
fi
# ---- right to left: Arabic extracts in logical order ---------------------------------
if build tests/e2e/rtl-guide/ar.xml "$TMP/ar.pdf"; then
    got=$(pdftotext "$TMP/ar.pdf" - | python3 -c 'import sys,re; print(re.sub("[\u202a-\u202e\s]", "", sys.stdin.read()))')
    want=$(echo "مرحبا بكم في مركز التعاون المدني (يوكوهاما) منذ عام 2020. يمكنكم الاتصال على الرقم" | tr -d ' ')
    if echo "$got" | grep -qF "مرحبابكمفيمركزالتعاونالمدني(يوكوهاما)منذعام" && echo "$got" | grep -qF "يمكنكمالاتصالعلىالرقم"; then
        ok "e2e/features/rtl/arabic-logical-order"
    else fail "e2e/features/rtl/arabic-logical-order" "pdftotext: $(echo "$got" | head -c 200)"; fi
fi
# ---- the /ID: the same guide gives the same one, one changed character another ----
idof() { grep -aoE '/ID \[ *<[0-9A-Fa-f]{32}>' "$1" | tail -1; }
cp -r content/in-spiral "$TMP/idg"
sed '0,/協働/s//共同/' content/in-spiral/ja.xml > "$TMP/idg/ja.xml"
if cmp -s content/in-spiral/ja.xml "$TMP/idg/ja.xml"; then
    fail "e2e/features/id/changes-with-content" "the test's edit changed nothing"
elif build content/in-spiral/ja.xml "$TMP/id1.pdf" && build content/in-spiral/ja.xml "$TMP/id2.pdf" &&
     build "$TMP/idg/ja.xml" "$TMP/id3.pdf"; then
    a=$(idof "$TMP/id1.pdf") b=$(idof "$TMP/id2.pdf") c=$(idof "$TMP/id3.pdf")
    if [ -n "$a" ] && [ "$a" = "$b" ] && [ -n "$c" ] && [ "$a" != "$c" ]; then ok "e2e/features/id/changes-with-content"
    else fail "e2e/features/id/changes-with-content" "ids '$a' '$b' '$c'"; fi
fi
exit 0
