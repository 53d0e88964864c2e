#!/usr/bin/env python3
"""Does a language model's loss rank documents by quality better than the zlib compression ratio?

Scores labelled real text with `shardscope-cli score --scorers zlib6,lm` and prints, per set, the
AUROC of each score at telling the better document from the worse one (1.0: every better document
ranks ahead of every worse one; 0.5: chance). Sets (all from ../shared/data/fixtures):
  main-text   the hand-made main-text extraction of 20 web pages (better) against the same pages'
              full WET-like text with menus, footers and cookie banners (worse);
  ham-spam    40 SpamAssassin ham e-mails (better) against 40 spam e-mails (worse);
  mojibake    the same 40 ham e-mails (better) against copies decoded with the wrong code page
              (UTF-8 bytes read as cp1252/latin-1), the broken encodings a crawl is full of (worse).
Directions: lm_bpb and lm_loss are read as "lower is better", fixed in advance. zlib6 has no natural
direction (both very repetitive and random text are bad), so it gets the better of its two AUROCs:
a generous comparison for zlib6.

usage: rank_quality.py CLI [--model DIR] [--device cpu]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(HERE, "../../../shared/data/fixtures")


def load(name):
    with open(os.path.join(FIX, name), encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def mojibake(text):
    raw = text.encode("utf-8")
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def sets():
    out = {"main-text": [], "ham-spam": [], "mojibake": []}
    for r in load("web_pages_with_gold_main_text_20.jsonl"):
        out["main-text"].append((r["metadata"]["gold_main_text"], 1))
        out["main-text"].append((r["text"], 0))
    mails = load("spamassassin_40spam_40ham.jsonl")
    for r in mails:
        out["ham-spam"].append((r["text"], 1 if r["label"] == "ham" else 0))
    for r in mails:
        if r["label"] == "ham":
            out["mojibake"].append((r["text"], 1))
            # Only a ham mail with non-ASCII text changes; for the others garble the bytes the way a
            # double UTF-8 encoding does on its quotes and dashes.
            t = r["text"].replace("'", "\u2019").replace(" - ", " \u2013 ").replace('"', "\u201c")
            out["mojibake"].append((mojibake(t), 0))
    return out


def auroc(pairs):
    """pairs: (score, label) with label 1 = better; AUROC of 'lower score = better'."""
    good = [s for s, l in pairs if l == 1]
    bad = [s for s, l in pairs if l == 0]
    wins = 0.0
    for g in good:
        for b in bad:
            wins += 1.0 if g < b else 0.5 if g == b else 0.0
    return wins / (len(good) * len(bad))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("--model", default="")
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args()
    data = sets()
    with tempfile.TemporaryDirectory() as tmp:
        shard = os.path.join(tmp, "labelled.jsonl")
        rows = []
        with open(shard, "w", encoding="utf-8") as f:
            for name, docs in data.items():
                for i, (text, label) in enumerate(docs):
                    rid = f"{name}/{i}"
                    rows.append((rid, name, label))
                    f.write(json.dumps({"id": rid, "text": text, "source": name}, ensure_ascii=False) + "\n")
        tsv = os.path.join(tmp, "scores.tsv")
        cmd = [a.cli, "score", "--scorers", "zlib6,lm", "--no-cache", "-q", "--tsv", tsv, "--device", a.device, shard]
        if a.model:
            cmd[4:4] = ["--model", a.model]
        subprocess.run(cmd, check=True)
        lines = open(tsv, encoding="utf-8").read().splitlines()
    head = lines[0].split("\t")
    col = {n: i for i, n in enumerate(head)}
    scores = {}
    for line in lines[1:]:
        f = line.split("\t")
        scores[f[col["id"]]] = {n: float(f[col[n]]) for n in ("zlib6", "lm_loss", "lm_bpb")}
    print(f"model: {a.model or 'built-in'}; AUROC, better document ranked ahead (1 = perfect, 0.5 = chance)")
    print(f"{'set':<11} {'docs':>5} {'lm_bpb':>7} {'lm_loss':>8} {'zlib6':>6}   mean lm_bpb better/worse")
    for name in data:
        mine = [(scores[rid], label) for rid, n, label in rows if n == name]
        lm = auroc([(s["lm_bpb"], l) for s, l in mine])
        loss = auroc([(s["lm_loss"], l) for s, l in mine])
        z = auroc([(s["zlib6"], l) for s, l in mine])
        good = [s["lm_bpb"] for s, l in mine if l]
        bad = [s["lm_bpb"] for s, l in mine if not l]
        print(f"{name:<11} {len(mine):>5} {lm:>7.3f} {loss:>8.3f} {max(z, 1 - z):>6.3f}   "
              f"{sum(good) / len(good):.3f} / {sum(bad) / len(bad):.3f}")


if __name__ == "__main__":
    sys.exit(main())
