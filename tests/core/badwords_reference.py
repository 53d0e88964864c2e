#!/usr/bin/env python3
"""Reference for tst_badwords: datatrove's C4BadWordsFilter regex (c4_filters.py) built with Python's re
from the same list, counted with re.finditer over text.lower(). Alternatives are ordered as the C++
scorer orders them (longest in UTF-8 bytes first, then lexicographic), since datatrove's set order is
arbitrary and only "any match" is defined by it.

usage: badwords_reference.py LIST.json FILE.jsonl...   -> one count per document, in order
"""
import json
import re
import sys

words = sorted({w.strip() for w in json.load(open(sys.argv[1], encoding="utf-8")) if isinstance(w, str) and w.strip()})
words.sort(key=lambda w: -len(w.encode()))
rx = re.compile(r"(?:\W|^)({})(?:\W|$)".format("|".join(re.escape(w) for w in words)))
for path in sys.argv[2:]:
    for line in open(path, encoding="utf-8"):
        if line.strip():
            print(sum(1 for _ in rx.finditer(json.loads(line).get("text", "").lower())))
