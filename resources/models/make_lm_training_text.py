#!/usr/bin/env python3
"""Builds the training and held-out text of Shardscope's built-in byte-level language model.

Clean, varied English prose from Debian packages that build-demo-corpus.sh already fetches and unpacks
(same cache folder): every section of the Debian Administrator's Handbook (en-US), every section of the
Python 3.11 documentation, every `fortune` quotation (grouped, as in the demo corpus), and the English
Dasher training text (a mix of novels and articles) cut into ~4 KB chunks. Each document goes to
held-out when its id's SHA-256 ends in a byte < 13 (about 5 %), so the split is stable when a package
grows. Writes train.jsonl, heldout.jsonl and SOURCES.tsv (sha256 and sizes) into OUTDIR.

usage: make_lm_training_text.py WORKDIR OUTDIR   (WORKDIR: the demo corpus build cache)
Standard library only; reuses the demo corpus's HTML-to-text conversion.
"""
import hashlib
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "demo"))
import make_demo_corpus as mdc  # noqa: E402


def handbook(root):
    base = os.path.join(root, "debian-handbook/usr/share/doc/debian-handbook/html/en-US")
    for name in sorted(os.listdir(base)):
        if name.endswith(".html"):
            p = mdc.parse_html(mdc.read_file(os.path.join(base, name)), None, mdc.handbook_skip)
            for i, (_, text) in enumerate(mdc.sized_sections(p.blocks, 3)):
                yield f"debian-handbook:en-US/{name}#{i}", text


def python_docs(root):
    base = os.path.join(root, "python3.11-doc/usr/share/doc/python3.11/html")
    for rel in mdc.python_doc_pages(base):
        p = mdc.parse_html(mdc.read_file(os.path.join(base, rel)), mdc.pydoc_root, mdc.pydoc_skip)
        for i, (_, text) in enumerate(mdc.sized_sections(p.blocks, 3)):
            yield f"python-docs:{rel}#{i}", text


def fortunes(root):
    base = os.path.join(root, "fortunes/usr/share/games/fortunes")
    quotes = []
    for name in sorted(os.listdir(base)):
        path = os.path.join(base, name)
        if "." in name or os.path.islink(path) or name in mdc.FORTUNE_FILES_SKIPPED:
            continue
        for i, q in enumerate(re.split(r"\n%\n", "\n" + mdc.read_file(path))):
            q = q.strip("\n")
            if q.strip() and q != "%":
                quotes.append((f"{name}#{i}", q))
    group = []
    for key, q in quotes:
        group.append((key, q))
        if sum(len(x[1]) for x in group) >= 300 or len(group) >= 6:
            yield f"fortunes:{group[0][0]}", "\n\n".join(x[1] for x in group)
            group = []


def dasher(root):
    path = os.path.join(root, "dasher-data/usr/share/dasher/training_english_GB.txt")
    chunk, size, n = [], 0, 0
    for line in mdc.read_file(path).split("\n"):
        chunk.append(line)
        size += len(line.encode()) + 1
        if size >= 4000:
            yield f"dasher:training_english_GB.txt#{n}", "\n".join(chunk).strip()
            chunk, size, n = [], 0, n + 1


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root = os.path.join(sys.argv[1], "root")
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    stats = {}
    with open(os.path.join(out, "train.jsonl"), "w", encoding="utf-8") as tr, \
            open(os.path.join(out, "heldout.jsonl"), "w", encoding="utf-8") as ho:
        for source, gen in (("debian-handbook", handbook), ("python-docs", python_docs),
                            ("fortunes", fortunes), ("dasher-english", dasher)):
            for rid, text in gen(root):
                if len(text.strip()) < 50:
                    continue
                held = hashlib.sha256(rid.encode()).digest()[-1] < 13
                line = json.dumps({"id": rid, "text": text, "source": source}, ensure_ascii=False)
                (ho if held else tr).write(line + "\n")
                s = stats.setdefault((source, "heldout" if held else "train"), [0, 0])
                s[0] += 1
                s[1] += len(text.encode())
    with open(os.path.join(out, "SOURCES.tsv"), "w") as f:
        f.write("source\tsplit\tdocuments\ttext_bytes\n")
        for (source, split), (n, b) in sorted(stats.items()):
            f.write(f"{source}\t{split}\t{n}\t{b}\n")
        for name in ("train.jsonl", "heldout.jsonl"):
            h = hashlib.sha256(open(os.path.join(out, name), "rb").read()).hexdigest()
            f.write(f"# sha256 {name} {h}\n")
    sys.stderr.write(open(os.path.join(out, "SOURCES.tsv")).read())


if __name__ == "__main__":
    main()
