#!/usr/bin/env python3
"""Wrap long lines of a tebiki guide, breaking only between two kana/kanji.

    python3 tools/wrap-ja.py [--width N] FILE.xml...     rewrap in place (joins earlier wraps first)
    python3 tools/wrap-ja.py --check FILE.xml...         list text line breaks not between two
                                                          kana/kanji (conservative: 、。 count as unsafe)

A line break between two characters of Japanese kana or kanji vanishes
(guide-format.md, "Text"), so a guide may be wrapped there without
changing its text.  Breaks are never put inside a tag or an attribute,
next to Latin letters, digits or punctuation, or in <meta>.  Continuation
lines are indented two spaces deeper than the line they come from.
"""

import re
import sys
import unicodedata


def is_kana_kanji(ch):
    o = ord(ch)
    return (0x3041 <= o <= 0x3096 or 0x309D <= o <= 0x309F or   # hiragana
            0x30A1 <= o <= 0x30FA or 0x30FD <= o <= 0x30FF or   # katakana (not ・ ー)
            0x3400 <= o <= 0x4DBF or 0x4E00 <= o <= 0x9FFF or   # kanji
            0xF900 <= o <= 0xFAFF or o == 0x3005)               # 々


def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)


TAG = re.compile(r"<[^>]*>")


def wrap_line(line, limit):
    m = re.match(r"[ ]*", line)
    indent = m.group(0)
    if width(line) <= limit:
        return [line]
    # positions inside tags are not candidates
    in_tag = [False] * len(line)
    for t in TAG.finditer(line):
        for i in range(t.start(), t.end()):
            in_tag[i] = True
    out = []
    start = 0
    col = 0
    last = None
    i = 0
    prefix = ""
    while i < len(line):
        col += width(line[i])
        if (i + 1 < len(line) and not in_tag[i] and not in_tag[i + 1]
                and is_kana_kanji(line[i]) and is_kana_kanji(line[i + 1])
                and i + 1 > start):
            last = i + 1
        if col > limit and last is not None and last > start:
            out.append(prefix + line[start:last])
            start = last
            prefix = indent + "  "
            col = width(prefix) + width(line[start:i + 1])
            last = None
        i += 1
    out.append(prefix + line[start:])
    return out


def unwrap(lines):
    """Join lines that an earlier wrap split between two kana/kanji."""
    out = []
    in_comment = False
    for ln in lines:
        s = ln.strip()
        if (out and not in_comment and s and out[-1].rstrip()
                and is_kana_kanji(out[-1].rstrip()[-1]) and is_kana_kanji(s[0])):
            out[-1] = out[-1].rstrip() + s
        else:
            out.append(ln)
        if "<!--" in ln:
            in_comment = "-->" not in ln[ln.index("<!--"):]
        elif "-->" in ln:
            in_comment = False
    return out


def process(path, limit):
    text = open(path, encoding="utf-8").read()
    lines = unwrap(text.split("\n"))
    res = []
    in_meta = False
    for ln in lines:
        s = ln.strip()
        if s.startswith("<meta"):
            in_meta = True
        if in_meta or s.startswith("<!--") or "alt=" in s and not s.startswith("<p"):
            res.append(ln)
        else:
            res.extend(wrap_line(ln, limit))
        if s.startswith("</meta>"):
            in_meta = False
    new = "\n".join(res)
    if new != text:
        open(path, "w", encoding="utf-8").write(new)


def check(path):
    """Report line breaks inside text that are not between two kana/kanji."""
    lines = open(path, encoding="utf-8").read().split("\n")
    bad = 0
    in_comment = False
    for n in range(len(lines) - 1):
        a, b = lines[n].rstrip(), lines[n + 1].lstrip()
        if "<!--" in a and "-->" not in a[a.index("<!--"):]:
            in_comment = True
        if in_comment:
            if "-->" in a:
                in_comment = False
            continue
        if not a or not b or a.endswith(">") or b.startswith("<"):
            continue
        if not (is_kana_kanji(a[-1]) and is_kana_kanji(b[0])):
            print("%s:%d: break between %r and %r" % (path, n + 1, a[-1], b[0]))
            bad += 1
    return bad


def main(argv):
    limit = 78
    files = []
    do_check = False
    it = iter(argv)
    for a in it:
        if a == "--width":
            limit = int(next(it))
        elif a == "--check":
            do_check = True
        else:
            files.append(a)
    bad = 0
    for f in files:
        if do_check:
            bad += check(f)
        else:
            process(f, limit)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
