#!/usr/bin/env python3
"""bench/gen.py — the generated benchmark guides (written at run time).

    bench/gen.py longbook N OUT.xml   in-spiral's body (every section between
                                      the contents and the back cover) N times,
                                      ids and refs renamed per copy
    bench/gen.py handbook OUT.xml     an A5 handbook: 40 chapters of ruby-rich
                                      paragraphs, a 4-column table with a
                                      header row and a list each

Deterministic: the same arguments give the same bytes.
"""
import re
import sys

SRC = "content/in-spiral/ja.xml"


def longbook(n, out):
    text = open(SRC, encoding="utf-8").read()
    start = text.index("<section", text.index("<toc"))
    end = text.index("<back-cover") if "<back-cover" in text else text.rindex("</guide>")
    # start the body at its own line so that the copies stay readable
    start = text.rindex("\n", 0, start) + 1
    end = text.rindex("\n", 0, end) + 1
    head, body, tail = text[:start], text[start:end], text[end:]
    head = head.replace("<title>IN SPIRAL 2023", "<title>IN SPIRAL 2023 ×%d" % n, 1)
    copies = []
    for k in range(1, n + 1):
        b = re.sub(r'\b(id|to)="([^"]+)"', lambda m: '%s="%s-%d"' % (m.group(1), m.group(2), k), body)
        copies.append(b)
    with open(out, "w", encoding="utf-8") as f:
        f.write(head + "".join(copies) + tail)


def paragraphs():
    """Sentences of in-spiral's paragraphs, as plain text."""
    text = open(SRC, encoding="utf-8").read()
    ps = []
    for m in re.finditer(r"<p>(.*?)</p>", text, re.S):
        t = re.sub(r"<[^>]+>", "", m.group(1))
        t = re.sub(r"\s*\n\s*", "", t).strip()
        if len(t) > 40 and "&" not in t and "<" not in t:
            ps.append(t)
    return ps


RUBY = [("協働", "きょうどう"), ("市民", "しみん"), ("地域", "ちいき"), ("活動", "かつどう"),
        ("課題", "かだい"), ("支援", "しえん"), ("団体", "だんたい"), ("横浜", "よこはま")]


def with_ruby(t):
    for base, rt in RUBY:
        t = t.replace(base, "<ruby>%s<rt>%s</rt></ruby>" % (base, rt))
    return t


def handbook(out):
    ps = paragraphs()
    o = ['<?xml version="1.0" encoding="UTF-8"?>',
         '<guide xml:lang="ja" layout="handbook-a5" version="1">',
         "  <meta>", "    <title>協働ハンドブック(ベンチマーク)</title>",
         "    <author>tebiki bench</author>", "  </meta>", '  <toc title="もくじ"/>']
    k = 0
    for ch in range(1, 41):
        o.append('  <section id="ch%d">' % ch)
        o.append("    <title>第%d章 協働の進め方</title>" % ch)
        for _ in range(3):
            o.append("    <p>%s</p>" % with_ruby(ps[k % len(ps)]))
            k += 1
        o.append('    <table id="t%d">' % ch)
        o.append("      <caption>表%d 取組の一覧</caption>" % ch)
        o.append("      <thead><tr><th>項目</th><th>内容</th><th>担当</th><th>時期</th></tr></thead>")
        o.append("      <tbody>")
        for r in range(1, 9):
            cell = ps[(k + r) % len(ps)][:28]
            o.append("        <tr><th>取組%d</th><td>%s</td><td><ruby>市民<rt>しみん</rt></ruby>"
                     "団体</td><td>%d月</td></tr>" % (r, cell, (r + ch) % 12 + 1))
        o.append("      </tbody>")
        o.append("    </table>")
        o.append("    <ul>")
        for r in range(3):
            o.append("      <li>%s</li>" % with_ruby(ps[(k + 3 * r) % len(ps)][:40]))
        o.append("    </ul>")
        o.append('    <p>詳しくは<ref to="ch%d"/>を参照。</p>' % (ch % 40 + 1))
        o.append("  </section>")
    o.append("</guide>")
    with open(out, "w", encoding="utf-8") as f:
        f.write("\n".join(o) + "\n")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "longbook":
        longbook(int(sys.argv[2]), sys.argv[3])
    elif len(sys.argv) == 3 and sys.argv[1] == "handbook":
        handbook(sys.argv[2])
    else:
        sys.exit(__doc__)
