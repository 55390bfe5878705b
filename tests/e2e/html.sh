#!/usr/bin/env bash
# tests/e2e/html.sh — the HTML twins and the index (src/html/).
#
#   tests/e2e/html.sh [TEBIKI [PREFIX]]     (from the repository root)
#
# Builds content/in-spiral/ja.xml (print PDF, then web PDF with --html) into
# a temporary folder and reads the HTML with a checker on Python's own
# html.parser (nothing to install): the doctype, <html lang>, charset and
# title; well-formed nesting (every element closed in order, no block in a
# <p>, no link in a link, li/dt/dd/tr/td in their parents); every img with
# a non-empty alt; headings from one h1 without skipped levels; unique ids
# and in-page links that resolve; every paragraph, title, term and cell of
# the guide's XML in the page's text (tags stripped, white space dropped,
# ruby readings aside); the PDF links worded 「…（PDF形式・310KB）」 with
# the files' real sizes.  tidy -q -e as well when tidy is installed.
# Then a fixture guide with every element of the vocabulary (ruby, tables
# with th scope/colspan/rowspan, figures, a QR code, refs, the contents,
# escaping, an unsafe javascript: link), every guide in content/ with
# --html-only, an HTML build that fails (no partial file, the earlier page
# untouched), and `tebiki index`: index.html checked the same way,
# guides.json parsed (python3 -m json.tool) and listing in-spiral with its
# real sizes and page count.
#
# Prints "ok   NAME" / "FAIL NAME: reason" ("skip NAME: reason") lines.
set -u
TEBIKI=${1:-bin/tebiki}
PREFIX=${2:-}
cd "$(dirname "$0")/../.." || exit 2
TMP=$(mktemp -d "${TMPDIR:-/tmp}/tebiki-html.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
export SOURCE_DATE_EPOCH=1700000000
ok() { echo "ok   $PREFIX$1"; }
fail() { echo "FAIL $PREFIX$1: $2"; }
skip() { echo "skip $PREFIX$1: $2"; }
sanitized() { grep -qE 'AddressSanitizer|LeakSanitizer|runtime error:' "$1"; }
oneline() { head -c 300 "$1" | tr '\n' '|'; }

[ -x "$TEBIKI" ] || { fail html "$TEBIKI is not built (run make check)"; exit 1; }
command -v python3 > /dev/null || { fail html "python3 is not installed"; exit 1; }

# ---- the checker -----------------------------------------------------------
cat > "$TMP/check.py" <<'PY'
"""Check an HTML page: check.py NAME FILE.html [--xml GUIDE.xml] [--fixture DIR]
[--index DIR].  One "ok   NAME/what" or "FAIL NAME/what: why" line per check."""
import base64, html.parser, json, os, re, shutil, subprocess, sys, zlib, struct
import xml.etree.ElementTree as ET

name, path = sys.argv[1], sys.argv[2]
opts = dict(zip(sys.argv[3::2], sys.argv[4::2]))
src = open(path, encoding="utf-8").read()
failed = False

def report(what, why=None):
    global failed
    if why is None:
        print(f"ok   {name}/{what}")
    else:
        failed = True
        print(f"FAIL {name}/{what}: {why}"[:400])

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
BLOCK = {"address", "article", "aside", "blockquote", "details", "div", "dl", "fieldset", "figcaption", "figure",
         "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre",
         "section", "table", "ul"}
PARENTS = {"li": {"ul", "ol"}, "dt": {"dl"}, "dd": {"dl"}, "tr": {"thead", "tbody", "tfoot"},
           "td": {"tr"}, "th": {"tr"}, "thead": {"table"}, "tbody": {"table"}, "caption": {"table"},
           "rt": {"ruby"}, "rp": {"ruby"}, "figcaption": {"figure"}}
CHILDREN = {"ul": {"li"}, "ol": {"li"}, "dl": {"dt", "dd", "div"}, "tr": {"th", "td"},
            "table": {"caption", "colgroup", "thead", "tbody", "tfoot", "tr"}, "thead": {"tr"}, "tbody": {"tr"}}
HIDDEN = {"rt", "rp", "style", "script", "title", "svg"}

class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.errors, self.imgs, self.heads = [], [], [], []
        self.ids, self.dup_ids, self.hrefs, self.text = set(), [], [], []
        self.hidden, self.doctype, self.first = 0, False, None
        self.html_lang, self.charset, self.title = None, False, ""
        self.langs, self.anchors, self.cur_a = [], [], None
    def handle_decl(self, d):
        if self.first is None: self.first = "doctype"
        self.doctype = d.strip().lower() == "doctype html"
    def where(self):
        return "line %d" % self.getpos()[0]
    def open(self, tag, attrs, selfclosing=False):
        if self.first is None: self.first = tag
        a = dict(attrs)
        tags = [t for t, _ in self.stack]
        if tag == "html": self.html_lang = a.get("lang")
        if tag == "meta" and (a.get("charset") or "").lower() == "utf-8": self.charset = True
        if "id" in a:
            if a["id"] in self.ids: self.dup_ids.append(a["id"])
            self.ids.add(a["id"])
            if not a["id"] or re.search(r"\s", a["id"]): self.errors.append(f"bad id {a['id']!r} at {self.where()}")
        if "lang" in a: self.langs.append(a["lang"])
        if tag == "img": self.imgs.append(a)
        if re.fullmatch(r"h[1-6]", tag): self.heads.append((int(tag[1]), self.where()))
        if tag == "a":
            if "a" in tags: self.errors.append(f"<a> inside <a> at {self.where()}")
            if "href" in a:
                self.hrefs.append(a["href"])
                self.cur_a = [a["href"], ""]
                self.anchors.append(self.cur_a)
        if "svg" not in tags:
            if tag in BLOCK and "p" in tags: self.errors.append(f"<{tag}> inside <p> at {self.where()}")
            if tag in BLOCK and any(re.fullmatch(r"h[1-6]", t) for t in tags):
                self.errors.append(f"<{tag}> inside a heading at {self.where()}")
            if tag in PARENTS and (not tags or tags[-1] not in PARENTS[tag]):
                self.errors.append(f"<{tag}> in <{tags[-1] if tags else ''}> at {self.where()}")
            if tags and tags[-1] in CHILDREN and tag not in CHILDREN[tags[-1]]:
                self.errors.append(f"<{tag}> directly in <{tags[-1]}> at {self.where()}")
        if tag in VOID or selfclosing: return
        self.stack.append((tag, self.where()))
        if tag in HIDDEN: self.hidden += 1
    def handle_starttag(self, tag, attrs):
        if tag in ("svg", "path", "rect") or "svg" in [t for t, _ in self.stack]:
            self.open(tag, attrs, False)
        else:
            self.open(tag, attrs)
    def handle_startendtag(self, tag, attrs):
        if tag not in VOID and "svg" not in [t for t, _ in self.stack]:
            self.errors.append(f"self-closing <{tag}/> at {self.where()}")
        self.open(tag, attrs, True)
    def handle_endtag(self, tag):
        if tag in VOID:
            self.errors.append(f"end tag </{tag}> of a void element at {self.where()}")
            return
        if not self.stack or self.stack[-1][0] != tag:
            top = self.stack[-1] if self.stack else ("nothing", "")
            self.errors.append(f"</{tag}> at {self.where()} closes <{top[0]}> ({top[1]})")
            for i in range(len(self.stack) - 1, -1, -1):
                if self.stack[i][0] == tag:
                    del self.stack[i:]
                    break
            return
        self.stack.pop()
        if tag in HIDDEN: self.hidden -= 1
        if tag == "a": self.cur_a = None
    def handle_data(self, d):
        tags = [t for t, _ in self.stack]
        if "title" in tags and "head" in tags: self.title += d
        if self.cur_a is not None and "rt" not in tags and "rp" not in tags: self.cur_a[1] += d
        if not self.hidden: self.text.append(d)

p = Page()
p.feed(src)
p.close()

report("doctype", None if p.doctype and p.first == "doctype" else "the page does not start with <!DOCTYPE html>")
errs = p.errors + [f"<{t}> opened at {w} is never closed" for t, w in p.stack]
report("nesting", None if not errs else f"{len(errs)} problems: " + "; ".join(errs[:4]))
report("html-lang", None if p.html_lang else "<html> has no lang")
report("charset", None if p.charset else 'no <meta charset="utf-8">')
report("title", None if p.title.strip() else "<title> is empty")
bad_langs = [l for l in p.langs if l and not re.fullmatch(r"[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*", l)]
report("lang-values", None if not bad_langs else f"not language tags: {bad_langs[:3]}")
noalt = [i.get("src", "")[:40] for i in p.imgs if not (i.get("alt") or "").strip()]
report("img-alt", None if not noalt else f"{len(noalt)} of {len(p.imgs)} images without alt: {noalt[:2]}")
levels = [l for l, _ in p.heads]
why = None
if not levels or levels[0] != 1: why = f"the first heading is not h1 ({levels[:1]})"
elif levels.count(1) != 1: why = f"{levels.count(1)} h1 elements"
else:
    for (a, _), (b, w) in zip(p.heads, p.heads[1:]):
        if b > a + 1:
            why = f"h{a} then h{b} at {w}"
            break
report("headings", why)
report("ids-unique", None if not p.dup_ids else f"duplicate ids: {p.dup_ids[:3]}")
dangling = [h for h in p.hrefs if h.startswith("#") and h[1:] not in p.ids]
report("in-page-links", None if not dangling else f"links to no id: {dangling[:3]}")
unsafe = [h for h in p.hrefs if re.match(r"\s*(javascript|data|vbscript):", h, re.I)]
report("link-schemes", None if not unsafe else f"unsafe links: {unsafe[:2]}")
if "<script" in src.lower():
    report("no-script", "the page has a <script>")
else:
    report("no-script")

squash = lambda s: re.sub(r"\s+", "", s)
page_text = squash("".join(p.text))
folder = os.path.dirname(os.path.abspath(path))

def size_text(n):
    if n < 1024 * 1024:
        kb = max(1, (n + 512) // 1024)
        if kb < 1024: return f"{kb}KB"
    return f"{n / 1048576:.1f}MB"

# ---- the guide's text is all there
if "--xml" in opts:
    root = ET.parse(opts["--xml"]).getroot()
    def parts(el, out):
        if el.text: out[-1] += el.text
        for c in el:
            if c.tag in ("rt", "rp"): pass
            elif c.tag == "ref": out.append("")
            elif c.tag in ("p", "ul", "ol", "dl", "table", "figure", "aside", "blockquote", "qr", "img"):
                out.append("")  # a block inside flow content: checked on its own
            else: parts(c, out)
            if c.tail: out[-1] += c.tail
    missing, n = [], 0
    for el in root.iter():
        if el.tag in ("p", "title", "dt", "li", "dd", "th", "td", "caption", "figcaption", "blockquote"):
            for frag in parts(el, [""]) or []:
                frag = squash(frag)
                if not frag: continue
                n += 1
                if frag not in page_text: missing.append(frag[:30])
    report("guide-text", None if not missing else f"{len(missing)} of {n} text runs of the guide are not in the page: {missing[:3]}")
    # the downloads: 「{title}（PDF形式・310KB）」 and 「印刷用（PDF形式・1.2MB）」 with the real sizes
    title = squash("".join(root.find("meta/title").itertext()))
    base = os.path.basename(path)[:-5]
    why = []
    for f, label in ((base + ".pdf", title), (base + ".print.pdf", "印刷用")):
        fp = os.path.join(folder, f)
        links = [t for h, t in p.anchors if h == f]
        if not os.path.exists(fp):
            if links: why.append(f"a link to {f}, which does not exist")
            continue
        want = f"{label}（PDF形式・{size_text(os.path.getsize(fp))}）"
        if not any(squash(t) == squash(want) for t in links): why.append(f"no link {want!r} to {f} (links: {links[:2]})")
    report("pdf-links", "; ".join(why) if why else None)

# ---- the fixture guide: one check per feature
if "--fixture" in opts:
    def has(what, pattern, flags=0, count=None):
        m = re.findall(pattern, src, flags)
        if count is None: report(what, None if m else f"no match for {pattern!r}")
        else: report(what, None if len(m) == count else f"{len(m)} matches for {pattern!r}, want {count}")
    has("escape-text", r"<h1>試験用ガイド &lt;script&gt; \"引用\" &amp; 'アポ'</h1>")
    has("escape-attr", r'<meta name="description" content="説明 &quot;quoted&quot; &amp; &lt;b&gt; &#39;x&#39;">')
    report("escape-no-raw", None if "<script>" not in src and "<b>" not in src else "raw markup from the guide's text")
    # (a space before an inline element stays outside it, as in HTML: the
    # parse stage puts it at the end of the text before)
    n_rt = len(re.findall(r"<rt[ >]", src))
    n_wrapped = len(re.findall(r"<rp>（</rp><rt[^>]*>[^<]*</rt><rp>）</rp>", src))
    report("ruby-rp", None if n_rt >= 3 and n_wrapped == n_rt else f"{n_wrapped} of {n_rt} rt with <rp>（</rp>…<rp>）</rp>")
    has("ruby-mono", r" <ruby>協<rp>（</rp><rt>きょう</rt><rp>）</rp>働<rp>（</rp><rt>どう</rt><rp>）</rp></ruby>")
    has("th-scope-col", r'<th scope="col"', count=3)
    has("th-scope-row", r'<th scope="row"', count=2)
    has("colspan", r'<td colspan="2">二列</td>')
    has("rowspan", r'<th scope="row" rowspan="2">行2</th>')
    has("caption", r"<caption>表の見出し</caption>")
    has("bare-rows-in-tbody", r"<tbody>\n<tr><td>bare</td><td>row</td></tr>\n</tbody>")
    has("ol-start", r'<ol start="3">')
    has("dl", r"<dt>用語2</dt>\n<dt>用語3</dt>\n<dd><p>段落</p>")
    has("em-strong-small-sup-sub", r" <em>強調</em><strong>重要</strong><small>小</small>H<sub>2</sub>O x<sup>2</sup>")
    has("span-lang", r' <span lang="en">English words</span>')
    has("section-lang", r'<section id="s2" lang="en">\n<h2>Second chapter</h2>')
    has("tcy", r' <span class="tcy">12</span>')
    has("nobr", r' <span class="nobr">改行しない</span>')
    has("br", r"<br>改行の後")
    has("link", r' <a href="https://example.org/\?a=1&amp;b=2">リンク</a>')
    has("unsafe-link-as-text", r"<span>危険</span>")
    has("ref-section", r'<a href="#s2" class="ref">→ Second chapter</a>')
    has("ref-figure", r'<a href="#fig1" class="ref">→ 図の説明</a>')
    has("ref-table", r'<a href="#tbl1" class="ref">→ 表の見出し</a>')
    has("figure", r'<figure id="fig1">\n<img src="data:image/png;base64,[A-Za-z0-9+/=]+" alt="赤い点の画像" width="3" height="2" style="width:50%">\n<figcaption>図の説明</figcaption>\n</figure>')
    has("img-standalone", r'<div class="image"><img src="data:image/png;base64,[^"]+" alt="単独の画像" width="3" height="2" style="width:20mm"></div>')
    m = re.search(r'src="data:image/png;base64,([^"]+)"', src)
    png = open(os.path.join(opts["--fixture"], "dot.png"), "rb").read()
    report("img-data-uri", None if m and base64.b64decode(m.group(1)) == png else "the data: URI is not the image's bytes")
    has("blockquote", r"<blockquote><p>引用文</p>\n引用の地の文</blockquote>")
    has("aside-heading", r'<aside class="note">\n<h6 class="aside-title">注</h6>')
    has("cover-aside-heading", r'<aside>\n<h2 class="aside-title">表紙の囲み</h2>')
    has("hr", r"<hr>")
    report("no-breaks", None if "pagebreak" not in src and "columnbreak" not in src else "a page or column break reached the page")
    has("header-footer", r'(?s)<header class="cover">.*</header>\n<nav class="toc".*<main>.*</main>\n<footer class="back-cover">\n<p>裏表紙</p>')
    has("colophon", r'<p class="colophon">発行：テスト発行所<br><time datetime="2024-03-31">2024年3月31日</time></p>')
    toc = re.search(r'(?s)<nav class="toc"[^>]*>(.*?)</nav>', src)
    links = re.findall(r'href="#([^"]+)"', toc.group(1)) if toc else []
    report("toc", None if links[:3] == ["s1", "s1-1", "s2"] and len(links) == 3 else f"contents link to {links}")
    has("toc-ruby", r'<li><a href="#s1">第一章 <ruby>協<rp>')
    has("generated-section-id", r'<section id="section-1">\n<h4>項</h4>')
    has("headings-by-depth", r'(?s)<h2>第一章.*<h3>節</h3>.*<h4>項</h4>.*<h5>目</h5>')
    has("qr-link", r'<div class="qr"><a href="https://example.org/qr"><svg [^>]*aria-hidden="true"[^>]*style="width:20mm;height:20mm"|<div class="qr"><a href="https://example.org/qr"><svg [^>]*style="width:20mm;height:20mm"[^>]*aria-hidden="true"')
    qr = re.search(r'viewBox="0 0 (\d+) \d+".*?<path fill="#000" d="([^"]*)"', src)
    if not shutil.which("zbarimg"):
        print(f"skip {name}/qr-decodes: zbarimg is not installed")
    elif not qr:
        report("qr-decodes", "no QR path")
    else:
        w, S = int(qr.group(1)), 6
        g = [[0] * w for _ in range(w)]
        for x, y, r in re.findall(r"M(\d+) (\d+)h(\d+)", qr.group(2)):
            for i in range(int(r)): g[int(y)][int(x) + i] = 1
        rows = b"".join(b"\0" + bytes(0 if g[y // S][x // S] else 255 for x in range(w * S)) for y in range(w * S))
        ch = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
        qp = path + ".qr.png"
        open(qp, "wb").write(b"\x89PNG\r\n\x1a\n" + ch(b"IHDR", struct.pack(">IIBBBBB", w * S, w * S, 8, 0, 0, 0, 0))
                             + ch(b"IDAT", zlib.compress(rows)) + ch(b"IEND", b""))
        out = subprocess.run(["zbarimg", "-q", "--raw", qp], capture_output=True, text=True).stdout.strip()
        report("qr-decodes", None if out == "https://example.org/qr" else f"zbarimg read {out!r}")

# ---- the index
if "--index" in opts:
    d = opts["--index"]
    missing = [h for h in p.hrefs if not h.startswith("#") and not os.path.exists(os.path.join(d, h))]
    srcs = [i.get("src") for i in p.imgs if not os.path.exists(os.path.join(d, i.get("src", "")))]
    report("index-files", None if not missing and not srcs else f"links to missing files: {(missing + srcs)[:3]}")
    has_row = re.search(r'<th scope="row"><span lang="ja">日本語</span></th>', src)
    report("index-language", None if has_row else "no row for 日本語")
    pdfs = re.findall(r"（PDF形式・(\d+KB|\d+\.\dMB)）", src)
    report("index-pdf-wording", None if pdfs else "no link worded （PDF形式・…）")

sys.exit(1 if failed else 0)
PY

# Run the checker; its lines are ours.
check() { # NAME FILE ARGS...
    python3 "$TMP/check.py" "$@" > "$TMP/check.txt" 2>&1
    local rc=$?
    grep -E '^(ok   |FAIL |skip )' "$TMP/check.txt" | sed -E "s#^(ok   |FAIL |skip )#\1$PREFIX#"
    if [ $rc != 0 ] && ! grep -q '^FAIL ' "$TMP/check.txt"; then
        fail "$1/checker" "exit $rc: $(tail -c 300 "$TMP/check.txt" | tr '\n' '|')"
    fi
}

tidy_check() { # NAME FILE
    if ! command -v tidy > /dev/null; then skip "$1/tidy" "tidy is not installed"; return; fi
    tidy -q -e "$2" > "$TMP/tidy.txt" 2>&1
    local rc=$?
    if [ $rc = 0 ]; then ok "$1/tidy"
    else fail "$1/tidy" "exit $rc: $(oneline "$TMP/tidy.txt")"; fi
}

# ---- the twin of in-spiral, beside its web and print PDFs ------------------
g=content/in-spiral/ja.xml
out=$TMP/out
mkdir -p "$out"
id=html/in-spiral.ja
"$TEBIKI" build -q --variant print -o "$out/in-spiral.ja.print.pdf" "$g" > "$TMP/o.txt" 2> "$TMP/e.txt"
rc1=$?
"$TEBIKI" build -q --html -o "$out/in-spiral.ja.pdf" "$g" > "$TMP/o.txt" 2>> "$TMP/e.txt"
rc2=$?
if sanitized "$TMP/e.txt"; then fail "$id/build" "sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$TMP/e.txt" | cut -c1-300)"
elif [ $rc1 != 0 ] || [ $rc2 != 0 ]; then fail "$id/build" "exit $rc1/$rc2: $(oneline "$TMP/e.txt")"
elif [ ! -s "$out/in-spiral.ja.html" ]; then fail "$id/build" "no out/in-spiral.ja.html beside the PDF"
else ok "$id/build"; fi
if [ -s "$out/in-spiral.ja.html" ]; then
    check "$id" "$out/in-spiral.ja.html" --xml "$g"
    tidy_check "$id" "$out/in-spiral.ja.html"
    # --html-only writes the same page without typesetting
    "$TEBIKI" build -q --html-only -o "$TMP/only.html" "$g" > /dev/null 2> "$TMP/e.txt"
    # (its PDF links differ: no PDFs beside it) — compare without the download block
    strip() { sed '/<nav class="downloads"/,/<\/nav>/d' "$1"; }
    if [ -s "$TMP/only.html" ] && [ "$(strip "$TMP/only.html")" = "$(strip "$out/in-spiral.ja.html")" ] &&
       ! grep -q 'class="downloads"' "$TMP/only.html"; then ok "$id/html-only"
    else fail "$id/html-only" "--html-only differs from --html beside the PDFs: $(oneline "$TMP/e.txt")"; fi
fi

# ---- a fixture with every element ------------------------------------------
fx=$TMP/fixture
mkdir -p "$fx"
# a 3×2 PNG, made here
python3 - "$fx/dot.png" <<'PY'
import struct, sys, zlib
ch = lambda t, b: struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
rows = b"".join(b"\0" + b"\xff\x00\x00" * 3 for _ in range(2))
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + ch(b"IHDR", struct.pack(">IIBBBBB", 3, 2, 8, 2, 0, 0, 0))
                              + ch(b"IDAT", zlib.compress(rows)) + ch(b"IEND", b""))
PY
cat > "$fx/ja.xml" <<'XML'
<?xml version="1.0" encoding="UTF-8"?>
<guide xml:lang="ja" layout="booklet-a4" version="1">
  <meta>
    <title>試験用ガイド &lt;script&gt; "引用" &amp; 'アポ'</title>
    <subtitle>すべての要素</subtitle>
    <author>テスト</author>
    <publisher>テスト発行所</publisher>
    <date>2024-03-31</date>
    <description>説明 "quoted" &amp; &lt;b&gt; 'x'</description>
    <keywords>試験, HTML</keywords>
  </meta>
  <cover>
    <p class="cover-title"><ruby>表紙<rt>ひょうし</rt></ruby>の段落</p>
    <aside title="表紙の囲み"><p>囲みの中</p></aside>
  </cover>
  <toc/>
  <section id="s1">
    <title>第一章 <ruby>協<rt>きょう</rt>働<rt>どう</rt></ruby></title>
    <p>本文 <em>強調</em><strong>重要</strong><small>小</small>H<sub>2</sub>O
      x<sup>2</sup> <a href="https://example.org/?a=1&amp;b=2">リンク</a>
      <a href="javascript:alert(1)">危険</a> <span xml:lang="en">English words</span>
      <tcy>12</tcy> <nobr>改行しない</nobr><br/>改行の後 <ref to="s2"/> と
      <ref to="fig1"/> と <ref to="tbl1"/></p>
    <p>記号 &lt;tag&gt; &amp; "quotes" 'apos'</p>
    <ul><li>項目一</li><li>項目二<ul><li>入れ子</li></ul></li></ul>
    <ol start="3"><li>三番目</li><li><p>段落入り</p></li></ol>
    <dl><dt>用語</dt><dd>説明</dd><dt>用語2</dt><dt>用語3</dt><dd><p>段落</p></dd></dl>
    <section id="s1-1">
      <title>節</title>
      <table id="tbl1">
        <caption>表の見出し</caption>
        <thead><tr><th>列1</th><th>列2</th><th>列3</th></tr></thead>
        <tbody>
          <tr><th>行1</th><td colspan="2">二列</td></tr>
          <tr><th rowspan="2">行2</th><td>a</td><td>b</td></tr>
          <tr><td>c</td><td>d</td></tr>
        </tbody>
      </table>
      <section>
        <title>項</title>
        <figure id="fig1"><img src="dot.png" alt="赤い点の画像" width="50%"/><figcaption>図の説明</figcaption></figure>
        <section id="s1-1-1-1">
          <title>目</title>
          <blockquote><p>引用文</p>引用の地の文</blockquote>
          <aside class="note" title="注"><p>注の本文</p></aside>
          <img src="dot.png" alt="単独の画像" width="20mm"/>
          <hr/>
          <pagebreak/>
          <columnbreak/>
          <qr href="https://example.org/qr" size="20mm"/>
        </section>
      </section>
    </section>
  </section>
  <section id="s2" xml:lang="en">
    <title>Second chapter</title>
    <p>English text.</p>
    <table><tr><td>bare</td><td>row</td></tr></table>
  </section>
  <back-cover><p>裏表紙</p></back-cover>
</guide>
XML
id=html/fixture
"$TEBIKI" build --html-only -o "$fx/fx.html" "$fx/ja.xml" > "$TMP/o.txt" 2> "$TMP/e.txt"
rc=$?
if sanitized "$TMP/e.txt"; then fail "$id/build" "sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$TMP/e.txt" | cut -c1-300)"
elif [ $rc != 0 ] || [ ! -s "$fx/fx.html" ]; then fail "$id/build" "exit $rc: $(oneline "$TMP/e.txt")"
else ok "$id/build"; fi
if grep -q "ja.xml:[0-9]*:[0-9]*: warning: <a href=\"javascript:alert(1)\">" "$TMP/e.txt"; then ok "$id/unsafe-link-warning"
else fail "$id/unsafe-link-warning" "no warning for the javascript: link: $(oneline "$TMP/e.txt")"; fi
if [ -s "$fx/fx.html" ]; then
    check "$id" "$fx/fx.html" --xml "$fx/ja.xml" --fixture "$fx"
    tidy_check "$id" "$fx/fx.html"
fi

# A failed HTML build writes nothing and leaves the earlier page alone.
id=html/failed-build-keeps-earlier-page
sed 's/src="dot.png" alt="単独の画像"/src="missing.png" alt="単独の画像"/' "$fx/ja.xml" > "$fx/bad.xml"
cp "$fx/fx.html" "$fx/bad.html" 2> /dev/null
cp "$fx/bad.html" "$TMP/before.html" 2> /dev/null
"$TEBIKI" build -q --html-only -o "$fx/bad.html" "$fx/bad.xml" > "$TMP/o.txt" 2> "$TMP/e.txt"
rc=$?
want_line=$(grep -n -m1 'missing.png' "$fx/bad.xml" | cut -d: -f1)
if [ $rc = 1 ] && grep -q "bad.xml:$want_line:[0-9]*: error: .*missing.png" "$TMP/e.txt" &&
   cmp -s "$fx/bad.html" "$TMP/before.html" && [ -z "$(ls -A "$fx" | grep -i 'tmp')" ]; then ok "$id"
else fail "$id" "exit $rc (want 1 with bad.xml:$want_line:COL: error:), page kept: $(cmp -s "$fx/bad.html" "$TMP/before.html" && echo yes || echo no), files: $(ls -A "$fx" | tr '\n' ' ') $(oneline "$TMP/e.txt")"; fi

# --html with check is a usage error
"$TEBIKI" check --html "$g" > /dev/null 2>&1
rc=$?
if [ $rc = 2 ]; then ok html/usage-check-html; else fail html/usage-check-html "exit $rc, want 2"; fi

# ---- every guide in content/, --html-only ------------------------------------
for g2 in content/*/*.xml; do
    gname=$(basename "$(dirname "$g2")").$(basename "$g2" .xml)
    id=html/all/$gname
    mkdir -p "$TMP/all"
    "$TEBIKI" build -q --html-only -o "$TMP/all/$gname.html" "$g2" > /dev/null 2> "$TMP/e.txt"
    rc=$?
    if [ $rc != 0 ] || [ ! -s "$TMP/all/$gname.html" ]; then fail "$id/build" "exit $rc: $(oneline "$TMP/e.txt")"; continue; fi
    ok "$id/build"
    check "$id" "$TMP/all/$gname.html" --xml "$g2"
    tidy_check "$id" "$TMP/all/$gname.html"
done

# ---- the index ---------------------------------------------------------------
id=html/index
mkdir -p "$out/thumbs"
if command -v pdftoppm > /dev/null && [ -s "$out/in-spiral.ja.pdf" ]; then
    pdftoppm -png -f 1 -l 1 -scale-to 240 -singlefile "$out/in-spiral.ja.pdf" "$out/thumbs/in-spiral.ja"
fi
"$TEBIKI" index -q -o "$out" "$g" > "$TMP/o.txt" 2> "$TMP/e.txt"
rc=$?
if sanitized "$TMP/e.txt"; then fail "$id/build" "sanitizer: $(grep -m1 -E 'ERROR|runtime error' "$TMP/e.txt" | cut -c1-300)"
elif [ $rc != 0 ]; then fail "$id/build" "exit $rc: $(oneline "$TMP/e.txt")"
elif [ ! -s "$out/index.html" ] || [ ! -s "$out/guides.json" ]; then fail "$id/build" "index.html or guides.json missing"
else ok "$id/build"; fi
if [ -s "$out/index.html" ]; then
    check "$id" "$out/index.html" --index "$out"
    tidy_check "$id" "$out/index.html"
fi
if python3 -m json.tool "$out/guides.json" > /dev/null 2> "$TMP/e.txt"; then ok "$id/json-parses"
else fail "$id/json-parses" "$(oneline "$TMP/e.txt")"; fi
pages=$(pdfinfo "$out/in-spiral.ja.pdf" 2> /dev/null | awk '/^Pages:/ {print $2}')
python3 - "$out" "${pages:-}" > "$TMP/j.txt" 2>&1 <<'PY'
import json, os, sys
d, pages = sys.argv[1], sys.argv[2]
eds = json.load(open(os.path.join(d, "guides.json"), encoding="utf-8"))
e = [e for e in eds if e.get("guide") == "in-spiral" and e.get("name") == "ja"]
assert e, "in-spiral/ja is not listed"
e = e[0]
keys = {"guide", "name", "lang", "language", "title", "pages", "pdf", "print", "html", "thumbnail"}
assert set(e) == keys, f"keys {sorted(e)}"
assert e["lang"] == "ja" and e["language"] == "日本語", (e["lang"], e["language"])
assert e["title"] == "IN SPIRAL 2023 横浜市市民協働推進センター", e["title"]
assert e["pdf"] == {"file": "in-spiral.ja.pdf", "bytes": os.path.getsize(os.path.join(d, "in-spiral.ja.pdf"))}, e["pdf"]
assert e["print"] == {"file": "in-spiral.ja.print.pdf", "bytes": os.path.getsize(os.path.join(d, "in-spiral.ja.print.pdf"))}, e["print"]
assert e["html"] == "in-spiral.ja.html", e["html"]
assert e["thumbnail"] in (None, "thumbs/in-spiral.ja.png"), e["thumbnail"]
if pages: assert e["pages"] == int(pages), f"pages {e['pages']}, pdfinfo says {pages}"
print("fine")
PY
if [ "$(cat "$TMP/j.txt")" = fine ]; then ok "$id/json-lists-in-spiral"
else fail "$id/json-lists-in-spiral" "$(tail -1 "$TMP/j.txt")"; fi
