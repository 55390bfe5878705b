#!/usr/bin/env python3
"""Draw the diagrams of the startup guide, the NPO handbook and the leaflet.

    python3 tools/make-images.py            # writes every PNG beside its guide
    python3 tools/make-images.py npo-flow   # only the PNGs whose path contains a word
    python3 tools/make-images.py --list     # names only

Python 3 standard library only (zlib, struct): a small TrueType outline
reader and an anti-aliased polygon filler draw the shapes and the Japanese
labels with BIZ UD Gothic, which the Makefile installs
(fonts-morisawa-bizud-gothic).  The build does not run this script; the
PNGs are committed beside the guides.  Output: indexed-colour PNG, 300 ppi.
"""

import itertools
import math
import os
import struct
import sys
import zlib
from collections import Counter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FONT_DIRS = ["/usr/share/fonts/truetype/bizud-gothic",
             "/usr/local/share/fonts/truetype/bizud-gothic"]

# ---------------------------------------------------------------------------
# TrueType outlines (glyf/loca, cmap format 4 and 12, hmtx)
# ---------------------------------------------------------------------------


class Font:
    def __init__(self, path):
        self.d = d = open(path, "rb").read()
        n = struct.unpack(">H", d[4:6])[0]
        self.t = {}
        for i in range(n):
            tag, _, off, ln = struct.unpack(">4sIII", d[12 + 16 * i:28 + 16 * i])
            self.t[tag.decode("latin-1")] = (off, ln)
        ho = self.t["head"][0]
        self.upem = struct.unpack(">H", d[ho + 18:ho + 20])[0]
        self.loc_long = struct.unpack(">h", d[ho + 50:ho + 52])[0] == 1
        mo = self.t["maxp"][0]
        self.nglyphs = struct.unpack(">H", d[mo + 4:mo + 6])[0]
        hh = self.t["hhea"][0]
        self.ascent, self.descent = struct.unpack(">hh", d[hh + 4:hh + 8])
        self.nhm = struct.unpack(">H", d[hh + 34:hh + 36])[0]
        self.cmap = self._cmap()
        self.cache = {}

    def _cmap(self):
        d = self.d
        co = self.t["cmap"][0]
        n = struct.unpack(">H", d[co + 2:co + 4])[0]
        best = None
        for i in range(n):
            pid, eid, off = struct.unpack(">HHI", d[co + 4 + 8 * i:co + 12 + 8 * i])
            fmt = struct.unpack(">H", d[co + off:co + off + 2])[0]
            if pid == 3 and eid == 10 and fmt == 12:
                best = (12, co + off)
            elif pid == 3 and eid == 1 and fmt == 4 and best is None:
                best = (4, co + off)
        m = {}
        fmt, o = best
        if fmt == 12:
            ng = struct.unpack(">I", d[o + 12:o + 16])[0]
            for i in range(ng):
                s, e, g = struct.unpack(">III", d[o + 16 + 12 * i:o + 28 + 12 * i])
                for c in range(s, e + 1):
                    m[c] = g + c - s
        else:
            segx2 = struct.unpack(">H", d[o + 6:o + 8])[0]
            seg = segx2 // 2
            ends = struct.unpack(">%dH" % seg, d[o + 14:o + 14 + segx2])
            so = o + 16 + segx2
            starts = struct.unpack(">%dH" % seg, d[so:so + segx2])
            deltas = struct.unpack(">%dh" % seg, d[so + segx2:so + 2 * segx2])
            ro = so + 2 * segx2
            ranges = struct.unpack(">%dH" % seg, d[ro:ro + segx2])
            for i in range(seg):
                for c in range(starts[i], ends[i] + 1):
                    if c == 0xFFFF:
                        continue
                    if ranges[i] == 0:
                        g = (c + deltas[i]) & 0xFFFF
                    else:
                        a = ro + 2 * i + ranges[i] + 2 * (c - starts[i])
                        g = struct.unpack(">H", d[a:a + 2])[0]
                        if g:
                            g = (g + deltas[i]) & 0xFFFF
                    m[c] = g
        return m

    def gid(self, ch):
        g = self.cmap.get(ord(ch), 0)
        if g == 0 and not ch.isspace():
            raise SystemExit("make-images: the font has no glyph for %r" % ch)
        return g

    def advance(self, g):
        o = self.t["hmtx"][0]
        i = min(g, self.nhm - 1)
        return struct.unpack(">H", self.d[o + 4 * i:o + 4 * i + 2])[0]

    def _glyph_range(self, g):
        lo = self.t["loca"][0]
        if self.loc_long:
            a, b = struct.unpack(">II", self.d[lo + 4 * g:lo + 4 * g + 8])
        else:
            a, b = struct.unpack(">HH", self.d[lo + 2 * g:lo + 2 * g + 4])
            a, b = 2 * a, 2 * b
        return a, b

    def contours(self, g):
        """Contours of glyph g: lists of (x, y, on_curve) in font units."""
        if g in self.cache:
            return self.cache[g]
        d = self.d
        a, b = self._glyph_range(g)
        if a == b:
            self.cache[g] = []
            return []
        o = self.t["glyf"][0] + a
        nc = struct.unpack(">h", d[o:o + 2])[0]
        p = o + 10
        out = []
        if nc >= 0:
            ends = struct.unpack(">%dH" % nc, d[p:p + 2 * nc])
            p += 2 * nc
            ilen = struct.unpack(">H", d[p:p + 2])[0]
            p += 2 + ilen
            npts = ends[-1] + 1 if nc else 0
            flags = []
            while len(flags) < npts:
                f = d[p]
                p += 1
                flags.append(f)
                if f & 8:
                    r = d[p]
                    p += 1
                    flags.extend([f] * r)
            xs, ys = [], []
            v = 0
            for f in flags:
                if f & 2:
                    dx = d[p]
                    p += 1
                    v += dx if f & 16 else -dx
                elif not f & 16:
                    v += struct.unpack(">h", d[p:p + 2])[0]
                    p += 2
                xs.append(v)
            v = 0
            for f in flags:
                if f & 4:
                    dy = d[p]
                    p += 1
                    v += dy if f & 32 else -dy
                elif not f & 32:
                    v += struct.unpack(">h", d[p:p + 2])[0]
                    p += 2
                ys.append(v)
            s = 0
            for e in ends:
                out.append([(xs[i], ys[i], flags[i] & 1) for i in range(s, e + 1)])
                s = e + 1
        else:
            more = True
            while more:
                fl, cg = struct.unpack(">HH", d[p:p + 4])
                p += 4
                if fl & 1:
                    dx, dy = struct.unpack(">hh", d[p:p + 4])
                    p += 4
                else:
                    dx, dy = struct.unpack(">bb", d[p:p + 2])
                    p += 2
                if not fl & 2:
                    dx = dy = 0  # point matching: not used by these fonts
                sx, s01, s10, sy = 1.0, 0.0, 0.0, 1.0
                if fl & 8:
                    sx = sy = struct.unpack(">h", d[p:p + 2])[0] / 16384
                    p += 2
                elif fl & 0x40:
                    sx, sy = (v / 16384 for v in struct.unpack(">hh", d[p:p + 4]))
                    p += 4
                elif fl & 0x80:
                    sx, s01, s10, sy = (v / 16384 for v in struct.unpack(">hhhh", d[p:p + 8]))
                    p += 8
                for c in self.contours(cg):
                    out.append([(x * sx + y * s10 + dx, x * s01 + y * sy + dy, on)
                                for (x, y, on) in c])
                more = bool(fl & 0x20)
        self.cache[g] = out
        return out


def flatten(contour, steps=5):
    """A TrueType contour (quadratic B-splines) as a polygon."""
    n = len(contour)
    if n == 0:
        return []
    pts = list(contour)
    # start on an on-curve point (or the midpoint of two off-curve ones)
    k = next((i for i, p in enumerate(pts) if p[2]), None)
    if k is None:
        a, b = pts[0], pts[1]
        pts.insert(0, ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2, 1))
        k = 0
    pts = pts[k:] + pts[:k]
    pts.append(pts[0])
    poly = [(pts[0][0], pts[0][1])]
    cur = pts[0]
    ctrl = None
    for p in pts[1:]:
        if p[2]:
            if ctrl is None:
                poly.append((p[0], p[1]))
            else:
                for s in range(1, steps + 1):
                    t = s / steps
                    u = 1 - t
                    poly.append((u * u * cur[0] + 2 * u * t * ctrl[0] + t * t * p[0],
                                 u * u * cur[1] + 2 * u * t * ctrl[1] + t * t * p[1]))
            cur, ctrl = p, None
        else:
            if ctrl is not None:
                mid = ((ctrl[0] + p[0]) / 2, (ctrl[1] + p[1]) / 2, 1)
                for s in range(1, steps + 1):
                    t = s / steps
                    u = 1 - t
                    poly.append((u * u * cur[0] + 2 * u * t * ctrl[0] + t * t * mid[0],
                                 u * u * cur[1] + 2 * u * t * ctrl[1] + t * t * mid[1]))
                cur = mid
            ctrl = p
    return poly


# ---------------------------------------------------------------------------
# Canvas: RGB, anti-aliased polygon fill (non-zero winding)
# ---------------------------------------------------------------------------

SUB = 4  # sub-scanlines per pixel row
LEVELS = 8  # coverage steps of an edge pixel (fewer colours, smaller files)


def hexrgb(h):
    h = h.lstrip("#")
    return tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))


class Canvas:
    def __init__(self, w, h, bg="#ffffff"):
        self.w, self.h = w, h
        self.px = bytearray(bytes(hexrgb(bg)) * (w * h))

    def fill(self, polys, color):
        rgb = hexrgb(color) if isinstance(color, str) else color
        edges = []
        x0 = y0 = float("inf")
        x1 = y1 = float("-inf")
        for poly in polys:
            m = len(poly)
            for i in range(m):
                ax, ay = poly[i]
                bx, by = poly[(i + 1) % m]
                x0, x1 = min(x0, ax), max(x1, ax)
                y0, y1 = min(y0, ay), max(y1, ay)
                if ay == by:
                    continue
                if ay < by:
                    edges.append((ay, by, ax, (bx - ax) / (by - ay), 1))
                else:
                    edges.append((by, ay, bx, (ax - bx) / (ay - by), -1))
        if not edges:
            return
        bx0 = max(0, int(math.floor(x0)))
        bx1 = min(self.w, int(math.ceil(x1)) + 1)
        by0 = max(0, int(math.floor(y0)))
        by1 = min(self.h, int(math.ceil(y1)) + 1)
        if bx0 >= bx1 or by0 >= by1:
            return
        bw = bx1 - bx0
        wgt = 1.0 / SUB
        edges.sort()
        col = bytes(rgb)
        px = self.px
        for py in range(by0, by1):
            part = [0.0] * (bw + 2)
            diff = [0.0] * (bw + 2)
            act = [e for e in edges if e[0] < py + 1 and e[1] > py]
            if not act:
                continue
            for s in range(SUB):
                y = py + (s + 0.5) / SUB
                xs = sorted((e[2] + (y - e[0]) * e[3], e[4]) for e in act
                            if e[0] <= y < e[1])
                wind = 0
                start = None
                for x, dr in xs:
                    prev = wind
                    wind += dr
                    if prev == 0 and wind != 0:
                        start = x
                    elif prev != 0 and wind == 0:
                        xa = min(max(start - bx0, 0.0), bw)
                        xb = min(max(x - bx0, 0.0), bw)
                        if xb <= xa:
                            continue
                        ia, ib = int(xa), int(xb)
                        if ia == ib:
                            part[ia] += (xb - xa) * wgt
                        else:
                            part[ia] += (ia + 1 - xa) * wgt
                            diff[ia + 1] += wgt
                            diff[ib] -= wgt
                            part[ib] += (xb - ib) * wgt
            cov = [a + b for a, b in zip(part, itertools.accumulate(diff))]
            row = (py * self.w + bx0) * 3
            i = 0
            while i < bw:
                c = cov[i]
                if c <= 0.004:
                    i += 1
                    continue
                if c >= 0.996:
                    j = i
                    while j < bw and cov[j] >= 0.996:
                        j += 1
                    px[row + 3 * i:row + 3 * j] = col * (j - i)
                    i = j
                    continue
                c = round(min(c, 1.0) * LEVELS) / LEVELS
                o = row + 3 * i
                for k in range(3):
                    px[o + k] = int(px[o + k] * (1 - c) + rgb[k] * c + 0.5)
                i += 1

    # --- shapes -----------------------------------------------------------

    def rect(self, x, y, w, h, color):
        self.fill([[(x, y), (x + w, y), (x + w, y + h), (x, y + h)]], color)

    def rrect(self, x, y, w, h, r, color):
        self.fill([rrect_poly(x, y, w, h, r)], color)

    def circle(self, cx, cy, r, color):
        self.fill([ellipse_poly(cx, cy, r, r)], color)

    def ring(self, cx, cy, r, width, color):
        outer = ellipse_poly(cx, cy, r, r)
        inner = ellipse_poly(cx, cy, r - width, r - width)[::-1]
        self.fill([outer, inner], color)

    def line(self, x0, y0, x1, y1, width, color, cap=True):
        dx, dy = x1 - x0, y1 - y0
        ln = math.hypot(dx, dy) or 1.0
        nx, ny = -dy / ln * width / 2, dx / ln * width / 2
        self.fill([[(x0 + nx, y0 + ny), (x1 + nx, y1 + ny),
                    (x1 - nx, y1 - ny), (x0 - nx, y0 - ny)]], color)
        if cap:
            self.circle(x0, y0, width / 2, color)
            self.circle(x1, y1, width / 2, color)

    def polyline(self, pts, width, color):
        for a, b in zip(pts, pts[1:]):
            self.line(a[0], a[1], b[0], b[1], width, color)

    def arrow(self, x0, y0, x1, y1, width, color, head=None):
        head = head or width * 3.2
        ang = math.atan2(y1 - y0, x1 - x0)
        bx, by = x1 - head * math.cos(ang), y1 - head * math.sin(ang)
        self.line(x0, y0, bx, by, width, color, cap=False)
        self.circle(x0, y0, width / 2, color)
        hw = head * 0.62
        self.fill([[(x1, y1),
                    (bx + hw * math.sin(ang), by - hw * math.cos(ang)),
                    (bx - hw * math.sin(ang), by + hw * math.cos(ang))]], color)

    # --- text ---------------------------------------------------------------

    def text(self, s, x, y, size, color, font, anchor="middle", lead=1.3):
        """Draw s (lines split on \\n); y is the centre of the block
        (anchor middle/left/right is horizontal)."""
        lines = s.split("\n")
        sc = size / font.upem
        total = size * lead * (len(lines) - 1)
        # visual centre of a line of CJK text: about 0.38 em above baseline
        base = y - total / 2 + size * 0.38
        for ln in lines:
            w = text_width(ln, size, font)
            if anchor == "middle":
                cx = x - w / 2
            elif anchor == "right":
                cx = x - w
            else:
                cx = x
            polys = []
            for ch in ln:
                g = font.gid(ch)
                for c in font.contours(g):
                    poly = flatten(c, 4 if size < 60 else 6)
                    polys.append([(cx + px_ * sc, base - py_ * sc) for px_, py_ in poly])
                cx += font.advance(g) * sc
            self.fill(polys, color)
            base += size * lead

    # --- output ---------------------------------------------------------------

    def save(self, path):
        w, h = self.w, self.h
        it = iter(self.px)
        counts = Counter(zip(it, it, it))
        pal = [c for c, _ in counts.most_common(256)]
        lut = {c: i for i, c in enumerate(pal)}
        for c in counts:
            if c not in lut:
                lut[c] = min(range(len(pal)), key=lambda i: (pal[i][0] - c[0]) ** 2 +
                             (pal[i][1] - c[1]) ** 2 + (pal[i][2] - c[2]) ** 2)
        raw = bytearray()
        stride = 3 * w
        for y in range(h):
            row = self.px[y * stride:(y + 1) * stride]
            it = iter(row)
            raw.append(0)
            raw.extend(map(lut.__getitem__, zip(it, it, it)))

        def chunk(tag, data):
            c = struct.pack(">I", len(data)) + tag + data
            return c + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

        png = b"\x89PNG\r\n\x1a\n"
        png += chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 3, 0, 0, 0))
        png += chunk(b"PLTE", b"".join(bytes(c) for c in pal))
        png += chunk(b"pHYs", struct.pack(">IIB", 11811, 11811, 1))  # 300 ppi
        png += chunk(b"IDAT", zlib.compress(bytes(raw), 9))
        png += chunk(b"IEND", b"")
        with open(path, "wb") as f:
            f.write(png)
        return len(png)


def text_width(s, size, font):
    return sum(font.advance(font.gid(ch)) for ch in s) * size / font.upem


def ellipse_poly(cx, cy, rx, ry, n=None):
    n = n or max(24, int(max(rx, ry) * 0.8))
    return [(cx + rx * math.cos(2 * math.pi * i / n), cy + ry * math.sin(2 * math.pi * i / n))
            for i in range(n)]


def rrect_poly(x, y, w, h, r):
    r = min(r, w / 2, h / 2)
    pts = []
    for cx, cy, a0 in ((x + w - r, y + r, -90), (x + w - r, y + h - r, 0),
                       (x + r, y + h - r, 90), (x + r, y + r, 180)):
        for k in range(9):
            a = math.radians(a0 + k * 90 / 8)
            pts.append((cx + r * math.cos(a), cy + r * math.sin(a)))
    return pts


# ---------------------------------------------------------------------------
# Colours (the centre's teal and friends; dark text on light fills)
# ---------------------------------------------------------------------------

TEAL = "#009691"
TEAL_L = "#d8efed"
ORANGE = "#e8821e"
ORANGE_L = "#fce9d4"
BLUE = "#2f6db5"
BLUE_L = "#dce8f6"
GREEN = "#4c9a3a"
GREEN_L = "#e1f0da"
PINK = "#d2557a"
PINK_L = "#f9e0e7"
PURPLE = "#7a5aa6"
PURPLE_L = "#ebe3f4"
YELLOW = "#f2c230"
YELLOW_L = "#fdf3cf"
INK = "#2b2b2b"
GREY = "#8c8c8c"
GREY_L = "#eeeeee"
WHITE = "#ffffff"

# ---------------------------------------------------------------------------
# The pictures
# ---------------------------------------------------------------------------


def step_flow(F, B):
    """The nine steps of a collaboration in three phases (snake order)."""
    W, H = 1600, 1120
    c = Canvas(W, H)
    phases = [("出会う", TEAL, TEAL_L), ("決める", ORANGE, ORANGE_L), ("動かす", BLUE, BLUE_L)]
    steps = ["気づく・\n課題を知る", "仲間を探す", "相手を知る・\n対話する",
             "目的と目標を\n共有する", "役割分担と\n計画", "協定書・\n合意文書",
             "実施と記録", "ふりかえり・\n評価", "次の展開"]
    left, top = 190, 60
    bw, bh, gx, gy = 380, 250, 80, 110
    for r in range(3):
        name, dark, light = phases[r]
        y = top + r * (bh + gy)
        c.rrect(20, y, 140, bh, 24, dark)
        c.text("\n".join(name), 90, y + bh / 2, 46, WHITE, B, lead=1.15)
        order = range(3) if r != 1 else range(2, -1, -1)
        for k, col in enumerate(order):
            n = r * 3 + k
            x = left + col * (bw + gx)
            c.rrect(x, y, bw, bh, 28, light)
            c.ring(x + 62, y + 62, 42, 6, dark)
            c.circle(x + 62, y + 62, 36, dark)
            c.text(str(n + 1), x + 62, y + 62, 50, WHITE, B)
            c.text(steps[n], x + bw / 2 + 20, y + bh / 2 + 28, 44, INK, B)
        # arrows inside the row
        for k in range(2):
            if r != 1:
                xa = left + k * (bw + gx) + bw + 10
                c.arrow(xa, y + bh / 2, xa + gx - 20, y + bh / 2, 14, dark)
            else:
                xa = left + (k + 1) * (bw + gx) - 10
                c.arrow(xa, y + bh / 2, xa - gx + 20, y + bh / 2, 14, dark)
        # arrow down to the next row
        if r < 2:
            xd = left + (2 if r == 0 else 0) * (bw + gx) + bw / 2
            c.arrow(xd, y + bh + 10, xd, y + bh + gy - 12, 14, phases[r + 1][1])
    # the loop back: step 9 leads to a new cycle
    y = top + 2 * (bh + gy) + bh + 30
    c.text("ふりかえりから、次の協働が始まります", left + 3 * bw + 2 * gx, y + 30, 40, GREY, B,
           anchor="right")
    return c


def partners(F, B):
    """Who works together: six kinds of partners around a shared issue."""
    W, H = 1600, 1240
    c = Canvas(W, H)
    cx, cy = W / 2, H / 2 + 10
    R = 420
    ring = [("市民・\nボランティア", TEAL, TEAL_L), ("自治会・\n町内会", GREEN, GREEN_L),
            ("NPO・\n市民活動団体", ORANGE, ORANGE_L), ("企業", BLUE, BLUE_L),
            ("大学・学校", PURPLE, PURPLE_L), ("行政\n(市・区役所)", PINK, PINK_L)]
    pos = []
    for i in range(6):
        a = math.radians(-90 + 60 * i)
        pos.append((cx + R * math.cos(a) * 1.28, cy + R * math.sin(a)))
    # the links between every pair of neighbours and to the centre
    for i in range(6):
        x0, y0 = pos[i]
        x1, y1 = pos[(i + 1) % 6]
        c.line(x0, y0, x1, y1, 8, GREY_L)
    for i in range(6):
        c.line(cx, cy, pos[i][0], pos[i][1], 10, "#cfcfcf")
    c.circle(cx, cy, 225, YELLOW_L)
    c.ring(cx, cy, 225, 12, YELLOW)
    c.text("地域の課題\nみんなの目的", cx, cy - 30, 50, INK, B)
    c.text("強みを持ち寄る", cx, cy + 95, 36, "#8a6d00", B)
    for (label, dark, light), (x, y) in zip(ring, pos):
        c.circle(x, y, 150, light)
        c.ring(x, y, 150, 10, dark)
        c.text(label, x, y, 40, INK, B)
    return c


def access_map(F, B, wide=1600):
    """A sketch (not to scale) of the way from the stations to the centre."""
    W, H = wide, int(wide * 0.68)
    s = W / 1600
    c = Canvas(W, H, "#f6f4ee")
    # streets
    c.line(0, 250 * s, W, 250 * s, 34 * s, WHITE, cap=False)
    c.line(960 * s, 0, 960 * s, 780 * s, 30 * s, WHITE, cap=False)
    # the river Ooka-gawa: a band from the lower left to the right
    river = [(0, 760 * s), (420 * s, 700 * s), (800 * s, 760 * s), (1200 * s, 860 * s), (W, 900 * s)]
    c.polyline(river, 90 * s, "#bcdcf0")
    c.text("大岡川", 1300 * s, 800 * s, 40 * s, "#3a7ab0", B)
    # city hall block
    hx, hy, hw, hh = 520 * s, 330 * s, 540 * s, 300 * s
    c.rrect(hx, hy, hw, hh, 18 * s, "#d9d9d9")
    c.text("横浜市庁舎", hx + hw / 2, hy + 60 * s, 44 * s, INK, B)
    # the centre on the ground floor
    c.rrect(hx + 40 * s, hy + 120 * s, hw - 80 * s, 140 * s, 16 * s, TEAL)
    c.text("1階 市民協働推進センター", hx + hw / 2, hy + 190 * s, 35 * s, WHITE, B)
    # Bashamichi station (underground), exit 1C straight into the building
    sx, sy = 1220 * s, 300 * s
    c.rrect(sx, sy, 330 * s, 170 * s, 18 * s, BLUE_L)
    c.text("馬車道駅\nみなとみらい線", sx + 165 * s, sy + 85 * s, 36 * s, INK, B)
    c.arrow(sx - 10 * s, sy + 85 * s, hx + hw + 12 * s, sy + 85 * s, 14 * s, BLUE)
    c.text("1C出入口で直結", sx + 165 * s, sy + 215 * s, 32 * s, BLUE, B)
    # Sakuragicho station, across the river, 3 minutes on foot
    kx, ky = 90 * s, 860 * s
    c.rrect(kx, ky, 400 * s, 170 * s, 18 * s, ORANGE_L)
    c.text("桜木町駅\nJR・市営地下鉄", kx + 200 * s, ky + 85 * s, 36 * s, INK, B)
    c.arrow(kx + 340 * s, ky - 10 * s, hx + 60 * s, hy + hh + 14 * s, 14 * s, ORANGE)
    c.text("徒歩3分", 545 * s, 790 * s, 36 * s, "#b35f0a", B, anchor="left")
    # note
    c.text("略図(縮尺は正確ではありません)", W - 30 * s, H - 40 * s, 28 * s, GREY, B, anchor="right")
    return c


def review_cycle(F, B):
    """Plan, act, record, look back, improve: a cycle of four arrows."""
    W, H = 1400, 1100
    c = Canvas(W, H)
    cx, cy, R = W / 2, H / 2, 330
    items = [("計画する", ORANGE, ORANGE_L), ("実施する", BLUE, BLUE_L),
             ("記録する", GREEN, GREEN_L), ("ふりかえる", TEAL, TEAL_L)]
    c.ring(cx, cy, R + 10, 22, GREY_L)
    # the arrows first, in the gaps between the boxes (a top/bottom box
    # covers about 33 degrees of the circle either side, a side box 15)
    for i, (label, dark, light) in enumerate(items):
        half_from = 33 if i % 2 == 0 else 15
        half_to = 15 if i % 2 == 0 else 33
        a0 = math.radians(-90 + 90 * i + half_from + 4)
        a1 = math.radians(-90 + 90 * (i + 1) - half_to - 4)
        pts = [(cx + (R + 10) * math.cos(a0 + (a1 - a0) * t / 16),
                cy + (R + 10) * math.sin(a0 + (a1 - a0) * t / 16)) for t in range(17)]
        c.polyline(pts[:-4], 22, dark)
        c.arrow(pts[-5][0], pts[-5][1], pts[-1][0], pts[-1][1], 22, dark, head=62)
    for i, (label, dark, light) in enumerate(items):
        a = math.radians(-90 + 90 * i)
        x, y = cx + R * math.cos(a), cy + R * math.sin(a)
        c.rrect(x - 170, y - 75, 340, 150, 40, light)
        c.fill([rrect_poly(x - 170, y - 75, 340, 150, 40),
                rrect_poly(x - 160, y - 65, 320, 130, 32)[::-1]], dark)
        c.text(label, x, y, 50, INK, B)
    c.text("よりよい\n協働へ", cx, cy, 56, TEAL, B)
    return c


def npo_flow(F, B):
    """The way to an NPO corporation in Yokohama, with the time limits."""
    W, H = 1600, 1240
    c = Canvas(W, H)
    rows = [("1", "準備・相談", "目的・事業・仲間・お金を考える", TEAL, TEAL_L, ""),
            ("2", "設立総会", "定款・役員・事業計画を決め、議事録を作る", TEAL, TEAL_L, ""),
            ("3", "認証の申請", "横浜市に申請書類を提出", ORANGE, ORANGE_L, ""),
            ("4", "縦覧", "書類の一部を公衆の縦覧に", ORANGE, ORANGE_L, "2週間"),
            ("5", "認証・不認証の決定", "横浜市は縦覧期間の終了後", ORANGE, ORANGE_L, "45日以内"),
            ("6", "設立の登記", "法務局で登記。登記の日に法人が成立", BLUE, BLUE_L, "2週間以内"),
            ("7", "登記完了の届出", "登記事項証明書と財産目録を添えて", BLUE, BLUE_L, "遅滞なく")]
    top, bh, gap = 40, 128, 44
    for i, (n, title, sub, dark, light, term) in enumerate(rows):
        y = top + i * (bh + gap)
        c.rrect(40, y, 1180, bh, 26, light)
        c.circle(40 + 70, y + bh / 2, 46, dark)
        c.text(n, 110, y + bh / 2, 52, WHITE, B)
        c.text(title, 190, y + 42, 46, INK, B, anchor="left")
        c.text(sub, 190, y + 96, 34, "#555555", B, anchor="left")
        if term:
            c.rrect(1260, y + 14, 300, bh - 28, 50, dark)
            c.text(term, 1410, y + bh / 2, 42, WHITE, B)
        if i < len(rows) - 1:
            c.arrow(110, y + bh + 4, 110, y + bh + gap - 2, 12, GREY, head=26)
    return c


def cover_art(F, B):
    """Leaflet cover: a circle of people in many colours, hand in hand."""
    W, H = 1200, 1080
    c = Canvas(W, H)
    cols = [TEAL, ORANGE, BLUE, GREEN, PINK, PURPLE, YELLOW, TEAL, ORANGE, BLUE,
            GREEN, PINK]
    cx, cy, R = W / 2, H / 2 + 10, 380
    n = len(cols)
    c.ring(cx, cy, R + 95, 10, "#e4efe9")
    c.circle(cx, cy, 250, TEAL_L)
    pos = []
    for i in range(n):
        a = math.radians(-90 + 360 * i / n)
        pos.append((cx + R * math.cos(a), cy + R * math.sin(a)))
    # hands: an arc through the shoulders
    for i in range(n):
        (x0, y0), (x1, y1) = pos[i], pos[(i + 1) % n]
        c.line(x0, y0 + 10, x1, y1 + 10, 16, "#c9c9c9")
    for (x, y), col in zip(pos, cols):
        c.circle(x, y - 62, 38, col)
        c.fill([rrect_poly(x - 52, y - 16, 104, 112, 46)], col)
    c.circle(cx, cy, 150, TEAL)
    c.text("協働", cx, cy - 18, 92, WHITE, B)
    c.text("KYODO", cx, cy + 72, 36, WHITE, B)
    return c


IMAGES = [
    ("content/startup-guide/step-flow.png", step_flow),
    ("content/startup-guide/partners.png", partners),
    ("content/startup-guide/review-cycle.png", review_cycle),
    ("content/startup-guide/access-map.png", access_map),
    ("content/startup-guide/cover-art.png", cover_art),
    ("content/npo-handbook/npo-flow.png", npo_flow),
    ("content/kyodo-mirai/cover-art.png", cover_art),
    ("content/kyodo-mirai/partners.png", partners),
    ("content/kyodo-mirai/access-map.png", lambda F, B: access_map(F, B, 1200)),
]


def find_font(name):
    for d in FONT_DIRS:
        p = os.path.join(d, name)
        if os.path.exists(p):
            return p
    raise SystemExit("make-images: %s not found (apt-get install fonts-morisawa-bizud-gothic)" % name)


def main(argv):
    if "--list" in argv:
        for path, _ in IMAGES:
            print(path)
        return 0
    only = [a for a in argv if not a.startswith("-")]
    F = Font(find_font("BIZUDPGothic-Regular.ttf"))
    B = Font(find_font("BIZUDPGothic-Bold.ttf"))
    for path, draw in IMAGES:
        if only and not any(o in path for o in only):
            continue
        c = draw(F, B)
        n = c.save(os.path.join(ROOT, path))
        print("%-44s %4d x %4d  %6d bytes" % (path, c.w, c.h, n))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
