#!/usr/bin/env python3
"""print_check.py — helpers of tests/e2e/print.sh (standard library only).

  print_check.py png OUT W H [rgb|grey|damaged]   write a PNG
  print_check.py marks QDF                        trim marks of page 1 against the geometry
  print_check.py overprint QDF                    K100 text overprints, nothing else does
  print_check.py pixels PGM PPI BLEED MARGIN      the rendered top-left corner of a print page (mm)

Each check prints one line, "ok DETAIL" or "FAIL DETAIL", and exits 0 or 1.
QDF is `qpdf --qdf --object-streams=disable` output: page content streams
are uncompressed and marked "%% Contents for page N".
"""
import re
import struct
import sys
import zlib

MM = 72 / 25.4


def png(out, w, h, kind="rgb"):
    grey = kind == "grey"
    ch = 1 if grey else 3
    raw = bytearray()
    for y in range(h):
        raw.append(0)
        for x in range(w):
            v = (x * 255 // max(w - 1, 1), y * 255 // max(h - 1, 1), 128)
            raw += bytes(v[:ch])
    data = zlib.compress(bytes(raw))
    if kind == "damaged":
        # valid zlib header, CRCs right, deflate data garbage: only a real
        # decoder finds out (libpng would abort() through libharu's handler)
        data = data[:2] + bytes((b ^ 0x5A) for b in data[2:])

    def chunk(t, d):
        return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 0 if grey else 2, 0, 0, 0)
    with open(out, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return 0


def page_stream(qdf, n=1):
    """The content stream of page N and the page dictionary before it."""
    s = open(qdf, "rb").read().decode("latin-1")
    m = re.search(r"%%%% Contents for page %d\n(?:%%%%[^\n]*\n)*\d+ 0 obj\n<<.*?>>\nstream\n(.*?)endstream" % n, s, re.S)
    return s, (m.group(1) if m else None)


def box(s, name, n=1):
    pages = re.findall(r"%%%% Page (\d+)\n.*?/%s \[\s*([-\d.\s]+)\]" % name, s, re.S)
    for p, v in pages:
        if int(p) == n:
            return [float(x) for x in v.split()]
    return None


def strokes(stream):
    """Stroked straight segments with the line width and stroke colour in force."""
    toks = re.findall(r"\[[^\]]*\]|<[0-9A-Fa-f]*>|\([^)]*\)|/[^\s/\[\]()<>]+|[-+]?\d*\.?\d+|[A-Za-z'\"*]+", stream)
    st, w, col, args, path, cur, out = [], 1.0, None, [], [], None, []
    for t in toks:
        if re.fullmatch(r"[-+]?\d*\.?\d+", t):
            args.append(float(t))
            continue
        if t in ("q",):
            st.append((w, col))
        elif t == "Q" and st:
            w, col = st.pop()
        elif t == "w" and args:
            w = args[-1]
        elif t == "K" and len(args) >= 4:
            col = tuple(args[-4:])
        elif t == "m" and len(args) >= 2:
            cur = tuple(args[-2:])
        elif t == "l" and len(args) >= 2 and cur:
            nxt = tuple(args[-2:])
            path.append((cur, nxt))
            cur = nxt
        elif t in ("S", "s"):
            out += [(a, b, w, col) for a, b in path]
            path = []
        elif t in ("f", "F", "f*", "B", "B*", "b", "b*", "n"):
            path = []
        args = []
    return out


def marks(qdf):
    s, stream = page_stream(qdf)
    trim, bleed = box(s, "TrimBox"), box(s, "BleedBox")
    if stream is None or not trim or not bleed:
        print("FAIL no page 1 content stream, TrimBox or BleedBox in the qpdf --qdf output")
        return 1
    l, b, r, t = trim
    bl = l - bleed[0]
    o = 13 * MM
    want = []
    for cx, cy, sx, sy in ((l, b, -1, -1), (r, b, 1, -1), (l, t, -1, 1), (r, t, 1, 1)):
        want += [((cx, cy + sy * bl), (cx, cy + sy * o)), ((cx + sx * bl, cy), (cx + sx * o, cy)),
                 ((cx + sx * bl, cy), (cx + sx * bl, cy + sy * o)), ((cx, cy + sy * bl), (cx + sx * o, cy + sy * bl))]
    mx, my, half = (l + r) / 2, (b + t) / 2, 10 * MM
    want += [((mx - half, t + bl), (mx + half, t + bl)), ((mx, t + bl), (mx, t + o)),
             ((mx - half, b - bl), (mx + half, b - bl)), ((mx, b - bl), (mx, b - o)),
             ((l - bl, my - half), (l - bl, my + half)), ((l - bl, my), (l - o, my)),
             ((r + bl, my - half), (r + bl, my + half)), ((r + bl, my), (r + o, my))]
    got = [(a, c, w, col) for a, c, w, col in strokes(stream) if col == (1, 1, 1, 1)]

    def near(p, q):
        return abs(p[0] - q[0]) <= 0.1 and abs(p[1] - q[1]) <= 0.1

    missing = [sg for sg in want if not any((near(sg[0], a) and near(sg[1], c)) or (near(sg[0], c) and near(sg[1], a))
                                            for a, c, _, _ in got)]
    extra = [g for g in got if not any((near(sg[0], g[0]) and near(sg[1], g[1])) or (near(sg[0], g[1]) and near(sg[1], g[0]))
                                       for sg in want)]
    widths = sorted(set(round(w, 3) for _, _, w, _ in got))
    inside = [g for g in got for p in (g[0], g[1])
              if bleed[0] + 0.01 < p[0] < bleed[2] - 0.01 and bleed[1] + 0.01 < p[1] < bleed[3] - 0.01]
    ok = not missing and not extra and widths == [0.1] and not inside and abs(bl - 3 * MM) < 0.01
    print(("ok " if ok else "FAIL ") +
          f"{len(got)} registration strokes, {len(want)} expected (bleed {bl:.3f} pt, reach {o:.3f} pt), "
          f"{len(missing)} missing, {len(extra)} extra, widths {widths}, {len(inside)} inside the BleedBox"
          + (f"; first missing {missing[0]}" if missing else "") + (f"; first extra {extra[0][:2]}" if extra else ""))
    return 0 if ok else 1


def overprint(qdf):
    s = open(qdf, "rb").read().decode("latin-1")
    # ExtGState dictionaries that set overprint
    op_names, bad_dicts = set(), []
    for name, ref in re.findall(r"/(\w+) (\d+) 0 R", " ".join(re.findall(r"/ExtGState <<(.*?)>>", s, re.S))):
        m = re.search(r"\n%s 0 obj\n<<(.*?)>>" % ref, s, re.S)
        d = m.group(1) if m else ""
        if "/OP true" in d or "/op true" in d:
            if not ("/OP true" in d and "/op true" in d and "/OPM 1" in d):
                bad_dicts.append(name)
            op_names.add(name)
        if re.search(r"/(CA|ca|SMask|BM)\b", d):
            bad_dicts.append(name + " (transparency)")
    k100_text = k100_op = other_op = white_op = 0
    for stream in re.findall(r"%% Contents for page \d+\n(?:%%[^\n]*\n)*\d+ 0 obj\n<<.*?>>\nstream\n(.*?)endstream", s, re.S):
        # each q ... Q group drawn by render: "q [/En gs] colour ... BT ... ET Q"
        for grp in re.findall(r"(?m)^q\n(.*?)^Q$", stream, re.S):
            gs = re.search(r"^/(\w+) gs$", grp, re.M)
            over = bool(gs and gs.group(1) in op_names)
            cols = [tuple(float(x) for x in c) for c in
                    re.findall(r"^([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+) [kK]$", grp, re.M)]
            if "\nBT\n" in "\n" + grp and cols[:1] == [(0, 0, 0, 1)]:
                k100_text += 1
                k100_op += over
            if over:
                white_op += sum(c == (0, 0, 0, 0) for c in cols)
                other_op += sum(c not in ((0, 0, 0, 0), (0, 0, 0, 1)) for c in cols)
    ok = op_names and not bad_dicts and k100_text and k100_op == k100_text and not other_op and not white_op
    print(("ok " if ok else "FAIL ") + f"overprint ExtGStates {sorted(op_names)} (bad: {bad_dicts}); "
          f"K100 text groups {k100_text}, overprinting {k100_op}; other colours overprinting {other_op}, white {white_op}")
    return 0 if ok else 1


def pixels(pgm, ppi, bleed_mm, margin_mm):
    """PGM: the top-left corner of a print page rendered from the MediaBox
    corner, PPI dots an inch; the page's background runs into the bleed."""
    data = open(pgm, "rb").read()
    m = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", data)
    if not m:
        print("FAIL not a binary PGM")
        return 1
    w, h = int(m.group(1)), int(m.group(2))
    px = data[m.end():]
    dpm = float(ppi) / 25.4

    def at(x_mm, y_mm):  # from the MediaBox's top-left corner
        x, y = int(round(x_mm * dpm)), int(round(y_mm * dpm))
        return px[y * w + x] if 0 <= x < w and 0 <= y < h else 255

    def darkest(x_mm, y_mm, r=2):
        x, y = int(round(x_mm * dpm)), int(round(y_mm * dpm))
        return min(px[j * w + i] for j in range(max(0, y - r), min(h, y + r + 1)) for i in range(max(0, x - r), min(w, x + r + 1)))

    mg, bl = float(margin_mm), float(bleed_mm)
    findings = {
        # the page's background inside the trim and in the bleed, corner too
        "trim area coloured": at(mg + 10, mg + 10) < 240,
        "bleed coloured": at(mg - bl / 2, mg + 30) < 240 and at(mg + 30, mg - bl / 2) < 240
        and at(mg - bl / 2, mg - bl / 2) < 240,
        # beyond the bleed, away from the marks: paper
        "beyond the bleed white": at(mg - bl - 2, mg + 30) > 250 and at(mg + 30, mg - bl - 2) > 250
        and at(mg - bl - 1, mg - bl - 1) > 250,
        # the trim mark on the extended left trim line, 3..13 mm above the trim
        "trim mark drawn": darkest(mg, mg - 8) < 160,
        # the bleed mark on the extended left bleed line
        "bleed mark drawn": darkest(mg - bl, mg - 8) < 160,
        # and nothing past 13 mm
        "marks end at 13 mm": darkest(mg, mg - 15) > 250 and darkest(mg - bl, mg - 15) > 250,
    }
    bad = [k for k, v in findings.items() if not v]
    print(("ok " if not bad else "FAIL ") + (", ".join(findings) if not bad else "not: " + ", ".join(bad)))
    return 0 if not bad else 1


def main(argv):
    if len(argv) >= 5 and argv[1] == "png":
        return png(argv[2], int(argv[3]), int(argv[4]), argv[5] if len(argv) > 5 else "rgb")
    if len(argv) == 3 and argv[1] == "marks":
        return marks(argv[2])
    if len(argv) == 3 and argv[1] == "overprint":
        return overprint(argv[2])
    if len(argv) == 6 and argv[1] == "pixels":
        return pixels(*argv[2:])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
