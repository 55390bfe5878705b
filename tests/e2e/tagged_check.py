#!/usr/bin/env python3
"""tagged_check.py PDF GUIDE.xml PDFCHECK — check a tagged web PDF (PDF/UA-1 essentials).

One line per check ("ok   NAME" / "FAIL NAME: reason"), names prefixed with
the guide.  Reads the file with qpdf's JSON (objects, decoded content
streams) and poppler's `pdfinfo -struct-text` (the tree's text in order):
  tagged       pdfinfo says Tagged: yes; /MarkInfo /Marked true
  lang         the catalog has /Lang
  mcids        every MCID used on every page is referenced from the tree
  untagged     no text or image outside both the tree and an Artifact
  tree         no element is reached twice going down the tree
  figures      every Figure has /Alt
  headings     H1..H6 never skip a level going down
  parents      each element's /P is the node that holds it; the ParentTree
               maps each page's MCIDs and each link's /StructParent to the
               element that holds it; /ParentTreeNextKey is above every key
  order        the tree's text holds every paragraph of the guide, in order
"""
import importlib.machinery, importlib.util, json, re, subprocess, sys

pdf, xml, checker, name = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
def report(check, why):
    print(f"ok   {name}/{check}" if not why else f"FAIL {name}/{check}: {why}")

info = subprocess.run(["pdfinfo", pdf], capture_output=True, text=True).stdout
report("tagged", None if re.search(r"^Tagged:\s+yes", info, re.M) else "pdfinfo does not say Tagged: yes")

js = json.loads(subprocess.run(["qpdf", "--json=2", "--json-stream-data=inline", "--decode-level=generalized", pdf],
                               capture_output=True, text=True).stdout)
objs = js["qpdf"][1]
def obj(ref):
    if isinstance(ref, str) and ref.endswith(" R"):
        o = objs.get("obj:" + ref)
        if o is None: return None
        return o.get("value", o.get("stream", {}).get("dict"))
    return ref
trailer = objs["trailer"]["value"]
cat = obj(trailer["/Root"])
report("lang", None if cat.get("/Lang") else "the catalog has no /Lang")
mi = obj(cat.get("/MarkInfo")) or {}
if not (mi.get("/Marked") is True):
    report("markinfo", "no /MarkInfo << /Marked true >>")

# pages in order
pages = []
def walk_pages(ref):
    o = obj(ref)
    if o.get("/Type") == "/Pages":
        for k in o["/Kids"]: walk_pages(k)
    else:
        pages.append(ref)
walk_pages(cat["/Pages"])

# content of each page: MCIDs used, text/image operators outside marked content
def content_bytes(ref):
    o = objs.get("obj:" + ref, {})
    st = o.get("stream", {})
    data = st.get("data")
    if data is None: return b""
    import base64
    return base64.b64decode(data)
used, outside = {}, []
for pi, pref in enumerate(pages):
    pg = obj(pref)
    cs = pg.get("/Contents")
    refs = cs if isinstance(cs, list) else [cs] if cs else []
    data = b"".join(content_bytes(r) for r in refs).decode("latin-1")
    depth, ids = 0, set()
    # operators that matter; strings and arrays are skipped coarsely
    for m in re.finditer(r"<<\s*/MCID\s+(\d+)\s*>>\s*BDC|/\w+\s+BMC|\bBDC\b|\bEMC\b|\bTJ\b|\bTj\b|\bDo\b", data):
        t = m.group(0)
        if "MCID" in t:
            ids.add(int(m.group(1))); depth += 1
        elif t.endswith("BMC") or t == "BDC":
            depth += 1
        elif t == "EMC":
            depth -= 1
        elif depth <= 0:
            outside.append(f"p{pi + 1}: {t} outside marked content")
    used[pref] = ids
report("untagged", None if not outside else f"{len(outside)} operators: " + " | ".join(outside[:3]))

# the structure tree
root = obj(cat.get("/StructTreeRoot"))
if not root:
    report("tree", "no /StructTreeRoot"); sys.exit(0)
refd, figures, heads, twice = {}, [], [], []
seen = set()
def walk(ref, page=None):
    if isinstance(ref, str):  # a reference: each element is reached once
        if ref in seen:
            twice.append(ref); return
        seen.add(ref)
    e = obj(ref)
    if isinstance(e, int):
        if page: refd.setdefault(page, set()).add(e)
        return
    if not isinstance(e, dict): return
    t = e.get("/Type")
    if t == "/MCR":
        refd.setdefault(e.get("/Pg", page), set()).add(e["/MCID"]); return
    if t == "/OBJR": return
    s = e.get("/S")
    if s == "/Figure": figures.append(e)
    if s and re.fullmatch(r"/H[1-6]", s): heads.append(int(s[2]))
    pg = e.get("/Pg", page)
    k = e.get("/K")
    for kid in (k if isinstance(k, list) else [k] if k is not None else []):
        walk(kid, pg)
walk(cat["/StructTreeRoot"])
report("tree", None if not twice else f"{len(twice)} objects reached twice (a cycle or a shared kid): " + ", ".join(twice[:3]))
missing = []
for pref, ids in used.items():
    gone = ids - refd.get(pref, set())
    if gone: missing.append(f"p{pages.index(pref) + 1}: MCID {sorted(gone)[:5]}")
report("mcids", None if not missing else "not in the tree: " + " | ".join(missing[:3]))
noalt = [f for f in figures if not f.get("/Alt")]
report("figures", None if not noalt else f"{len(noalt)} of {len(figures)} Figures without /Alt")
skip = [f"H{a}→H{b}" for a, b in zip(heads, heads[1:]) if b > a + 1]
report("headings", None if heads and not skip else ("no headings" if not heads else "skipped levels: " + ", ".join(skip[:5])))

# the tree's back links: each element's /P is the node whose /K holds it;
# the ParentTree gives, for each page's MCIDs and each annotation's OBJR,
# the element that holds it; /ParentTreeNextKey is above every key
holder, bad_p = {}, []
seen.clear()
def walk_back(ref, parent, page=None):
    if isinstance(ref, str):
        if ref in seen: return
        seen.add(ref)
    e = obj(ref)
    if isinstance(e, int):
        holder[(page, e)] = parent; return
    if not isinstance(e, dict): return
    t = e.get("/Type")
    if t == "/MCR":
        holder[(e.get("/Pg", page), e.get("/MCID"))] = parent; return
    if t == "/OBJR":
        holder[e.get("/Obj")] = parent; return
    if parent is not None and e.get("/P") != parent:
        bad_p.append(f"{ref}: /P {e.get('/P')}, held by {parent}")
    k = e.get("/K")
    for kid in (k if isinstance(k, list) else [k] if k is not None else []):
        walk_back(kid, ref, e.get("/Pg", page))
for kid in (lambda k: k if isinstance(k, list) else [k] if k is not None else [])(root.get("/K")):
    walk_back(kid, cat["/StructTreeRoot"])
nums = (obj(root.get("/ParentTree")) or {}).get("/Nums", [])
ptree = dict(zip(nums[::2], nums[1::2]))
bad_pt, keys = [], []
for pi, pref in enumerate(pages):
    pg = obj(pref)
    if "/StructParents" in pg:
        keys.append(pg["/StructParents"])
        arr = obj(ptree.get(pg["/StructParents"])) or []
        for m in sorted(used.get(pref, ())):
            if m >= len(arr) or arr[m] != holder.get((pref, m)):
                bad_pt.append(f"p{pi + 1} MCID {m}: {arr[m] if m < len(arr) else None}, held by {holder.get((pref, m))}")
    for a in obj(pg.get("/Annots")) or []:
        ao = obj(a)
        if isinstance(ao, dict) and "/StructParent" in ao:
            keys.append(ao["/StructParent"])
            if ptree.get(ao["/StructParent"]) != holder.get(a):
                bad_pt.append(f"p{pi + 1} annotation {a}: {ptree.get(ao['/StructParent'])}, held by {holder.get(a)}")
if keys and root.get("/ParentTreeNextKey", -1) <= max(keys):
    bad_pt.append(f"/ParentTreeNextKey {root.get('/ParentTreeNextKey')} not above key {max(keys)}")
report("parents", None if not bad_p and not bad_pt else f"{len(bad_p)} wrong /P, {len(bad_pt)} wrong parent tree entries: "
       + " | ".join((bad_p + bad_pt)[:3]))

# reading order: the tree's text against the guide's paragraphs
loader = importlib.machinery.SourceFileLoader("pdfcheck", checker)
spec = importlib.util.spec_from_loader("pdfcheck", loader)
pc = importlib.util.module_from_spec(spec); loader.exec_module(pc)
tree_text = subprocess.run(["pdfinfo", "-struct-text", pdf], capture_output=True, text=True).stdout
hay = pc.squash("".join(re.findall(r'"(.*)"', tree_text)))
# the guide's paragraphs, less the meta title (it is the document title:
# Info, XMP and DisplayDocTitle carry it, running heads are artifacts)
import xml.etree.ElementTree as ET
meta = ET.parse(xml).getroot().find("meta")
meta_title = pc.squash("".join(meta.find("title").itertext())) if meta is not None and meta.find("title") is not None else None
paras = [p for p in pc.guide_paragraphs(xml) if p != meta_title]
def find_from(p, pos):
    """Where P stands in hay at or after POS: exactly, or as a near
    subsequence (refs print page numbers the guide's text lacks)."""
    i = hay.find(p, pos)
    if i >= 0: return i + len(p)
    start = hay.find(p[0], pos)
    while start != -1:
        k, j, limit = 0, start, start + 2 * len(p) + 8
        while k < len(p) and j < len(hay) and j < limit:
            if hay[j] == p[k]: k += 1
            j += 1
        if k == len(p): return j
        start = hay.find(p[0], start + 1)
    return -1
pos, out_of_order, lost = 0, [], []
for p in paras:
    e = find_from(p, pos)
    if e < 0:
        if find_from(p, 0) >= 0: out_of_order.append(p[:16])
        else: lost.append(p[:16])
    else:
        pos = e
report("order", None if not lost and not out_of_order
       else f"{len(paras)} paragraphs: {len(lost)} not in the tree's text, {len(out_of_order)} out of order: "
            + " | ".join((lost + out_of_order)[:3]))
