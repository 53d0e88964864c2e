#!/usr/bin/env python3
"""Reference models, AUC side by side (issue 22, part 5).

Trains the two reference models on the unlabelled pool (the bench set: ../shared/data/bench), the way a
user would on their own corpus:
  - the n-gram reference:  shardscope-cli train-ngram --out W/ngram POOL
  - the neural reference:  shardscope-cli train-lm --minutes M --max-mb MB (shape: --shape, default 2x128, the
                           choice of core/lm/lmshape.h for 5 minutes on 2 CPU cores) --out W/lm POOL
then scores labelled documents with zlib6, the built-in byte model (lm), lm with the neural reference
(lm:model=W/lm) and the n-gram reference (ngram:model=W/ngram), and prints one table of rank AUC.

Labelled sets (better / worse):
  fix-ham-spam   fixtures/spamassassin_40spam_40ham.jsonl: 40 ham / 40 spam e-mails (human labels);
  fix-main-text  fixtures/web_pages_with_gold_main_text_20.jsonl: the hand-made main-text extraction of
                 20 web pages / the same pages' WET-like text with menus and footers (human labels);
  bench-ham-spam bench SpamAssassin e-mails by id (sa/easy-ham-*, sa/hard-ham-* / sa/spam-*), a uniform
                 sample of --per-class each (the fixture's 80 mails left out);
  bench-cc-web   weak labels from the bench set's sources: cc/* (CCNet/RedPajama/Dolma samples, web text
                 that a pipeline already extracted and filtered) / web/* (pages turned into WET-like text,
                 menus, footers and cookie banners kept), a uniform sample of --per-class each.
The bench documents are also in the pool the references are trained on: as for a user, who trains a
reference on the corpus and then scores that corpus.

AUC: the probability that a random better document outranks a random worse one. No score has a direction
fixed in advance here, so the table gives each score's AUC in its better direction, marked
'<' (lower is better) or '>' (higher is better), per set. 0.5 is chance.

Needs python3 (standard library only) and zstd (to read the bench shards).
usage: reference_auc.py CLI [--minutes 5] [--shape 2x128] [--threads N] [--per-class 50] [--work DIR]
       [--reuse] (keep the models and scores already in --work)
"""
import argparse
import glob
import gzip
import json
import os
import random
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.normpath(os.path.join(HERE, "../../../shared/data"))


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def bench_records(pool):
    for shard in sorted(glob.glob(os.path.join(pool, "*.jsonl*"))):
        if shard.endswith(".zst"):
            raw = subprocess.run(["zstd", "-dc", shard], capture_output=True, check=True).stdout
        elif shard.endswith(".gz"):
            with gzip.open(shard, "rb") as f:
                raw = f.read()
        else:
            with open(shard, "rb") as f:
                raw = f.read()
        for line in raw.split(b"\n"):
            if line.strip():
                yield json.loads(line)


def labelled_sets(pool, per_class, seed, max_doc_bytes):
    sets = {"fix-ham-spam": [], "fix-main-text": [], "bench-ham-spam": [], "bench-cc-web": []}
    fixture_mails = set()
    for r in load_jsonl(os.path.join(DATA, "fixtures/spamassassin_40spam_40ham.jsonl")):
        sets["fix-ham-spam"].append((r["text"], 1 if r["label"] == "ham" else 0))
        fixture_mails.add(r["id"].split("/")[-1])
    for r in load_jsonl(os.path.join(DATA, "fixtures/web_pages_with_gold_main_text_20.jsonl")):
        sets["fix-main-text"].append((r["metadata"]["gold_main_text"], 1))
        sets["fix-main-text"].append((r["text"], 0))
    pools = {("bench-ham-spam", 1): [], ("bench-ham-spam", 0): [], ("bench-cc-web", 1): [], ("bench-cc-web", 0): []}
    for r in bench_records(pool):
        src, rid = r.get("source", ""), r.get("id", "")
        if max_doc_bytes and len(r["text"].encode("utf-8")) > max_doc_bytes:
            continue
        if src == "email/spamassassin" and rid.split("/")[-1] not in fixture_mails:
            kind = rid.split("/")[1] if rid.count("/") >= 2 else ""
            if "ham" in kind:
                pools[("bench-ham-spam", 1)].append(r["text"])
            elif "spam" in kind:
                pools[("bench-ham-spam", 0)].append(r["text"])
        elif src.startswith("cc/"):
            pools[("bench-cc-web", 1)].append(r["text"])
        elif src.startswith("web/"):
            pools[("bench-cc-web", 0)].append(r["text"])
    rng = random.Random(seed)
    for (name, label), texts in pools.items():
        for t in rng.sample(texts, min(per_class, len(texts))):
            sets[name].append((t, label))
    return sets


def auc_lower_better(pairs):
    """pairs: (score, label), label 1 = better. Mann-Whitney with ties counted half."""
    ranked = sorted(pairs, key=lambda p: p[0])
    n_good = sum(1 for _, l in pairs if l == 1)
    n_bad = len(pairs) - n_good
    # Sum of the worse documents' ranks (average rank for ties), 1-based.
    rank_sum_bad, i = 0.0, 0
    while i < len(ranked):
        j = i
        while j < len(ranked) and ranked[j][0] == ranked[i][0]:
            j += 1
        avg = (i + 1 + j) / 2.0
        rank_sum_bad += avg * sum(1 for k in range(i, j) if ranked[k][1] == 0)
        i = j
    u_bad = rank_sum_bad - n_bad * (n_bad + 1) / 2.0  # pairs where the worse document scores higher
    return u_bad / (n_good * n_bad)


def run(cmd, log):
    log(" ".join(cmd))
    t = time.time()
    subprocess.run(cmd, check=True)
    log(f"  {time.time() - t:.0f} s")


def score(cli, shard, scorers, tsv, extra, log, reuse=False):
    if not (reuse and os.path.exists(tsv)):
        run([cli, "score", "--scorers", scorers, "--no-cache", "-q", "--tsv", tsv] + extra + [shard], log)
    lines = open(tsv, encoding="utf-8").read().splitlines()
    head = lines[0].split("\t")
    out = {}
    for line in lines[1:]:
        f = line.split("\t")
        out[f[0]] = {head[i]: float(f[i]) for i in range(len(head)) if head[i] not in ("id", "group", "bytes")}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("cli")
    ap.add_argument("--pool", default=os.path.join(DATA, "bench"), help="unlabelled shards the references learn")
    ap.add_argument("--minutes", type=float, default=5, help="train-lm time budget")
    ap.add_argument("--max-mb", type=float, default=20, help="train-lm sample of the pool (MB of text)")
    ap.add_argument("--shape", default="2x128",
                    help="train-lm LAYERSxHIDDEN; default: what core/lm/lmshape.h chooses for 5 minutes on a 2-core CPU")
    ap.add_argument("--heads", type=int, default=0)
    ap.add_argument("--context", type=int, default=256)
    ap.add_argument("--order", type=int, default=5, help="train-ngram order")
    ap.add_argument("--threads", type=int, default=0, help="train-lm torch threads (0: all cores)")
    ap.add_argument("--per-class", type=int, default=50, help="bench documents per class and set")
    ap.add_argument("--max-doc-kb", type=float, default=8,
                    help="bench documents sampled among those up to this size (0: any); bounds the CPU time of lm")
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--work", default="", help="where the models go (default: a temporary directory)")
    ap.add_argument("--reuse", action="store_true",
                    help="use the models and score tables already in --work (delete ref.tsv after replacing lm/)")
    a = ap.parse_args()

    def log(s):
        print(s, file=sys.stderr, flush=True)

    work = a.work or tempfile.mkdtemp(prefix="reference_auc-")
    os.makedirs(work, exist_ok=True)
    ngram_dir, lm_dir = os.path.join(work, "ngram"), os.path.join(work, "lm")
    layers, hidden = (int(x) for x in a.shape.lower().split("x"))
    heads = a.heads or (4 if hidden <= 256 else hidden // 64)  # as lmshape.cpp's shapes
    if not (a.reuse and os.path.exists(os.path.join(ngram_dir, "ngram.json"))):
        run([a.cli, "train-ngram", "-q", "--no-cache", "--order", str(a.order), "--out", ngram_dir, a.pool], log)
    if not (a.reuse and os.path.exists(os.path.join(lm_dir, "training.json"))):
        cmd = [a.cli, "train-lm", "--out", lm_dir, "--minutes", str(a.minutes), "--max-mb", str(a.max_mb),
               "--layers", str(layers), "--hidden", str(hidden), "--heads", str(heads), "--context", str(a.context),
               "--device", a.device, a.pool]
        if a.threads:
            cmd[2:2] = ["--threads", str(a.threads)]
        run(cmd, log)
    trained = json.load(open(os.path.join(lm_dir, "training.json"), encoding="utf-8"))
    ngram_info = json.load(open(os.path.join(ngram_dir, "ngram.json"), encoding="utf-8"))

    sets = labelled_sets(a.pool, a.per_class, a.seed, int(a.max_doc_kb * 1000))
    shard = os.path.join(work, "labelled.jsonl")
    rows = []
    with open(shard, "w", encoding="utf-8") as f:
        for name, docs in sets.items():
            for i, (text, label) in enumerate(docs):
                rid = f"{name}/{i}"
                rows.append((rid, name, label))
                f.write(json.dumps({"id": rid, "text": text, "source": name}, ensure_ascii=False) + "\n")
    log(f"labelled shard: {len(rows)} documents, {os.path.getsize(shard) / 1e6:.1f} MB")
    dev = ["--device", a.device]
    # One lm per run: two lm scorers in one list would both write lm_bpb.
    base = score(a.cli, shard, f"zlib6,lm,ngram:model={ngram_dir}", os.path.join(work, "base.tsv"), dev, log, a.reuse)
    ref = score(a.cli, shard, f"lm:model={lm_dir}", os.path.join(work, "ref.tsv"), dev, log, a.reuse)
    cols = [("zlib6", base, "zlib6"), ("builtin lm_bpb", base, "lm_bpb"), ("neural-ref lm_bpb", ref, "lm_bpb"),
            ("ngram-ref ngram_bpb", base, "ngram_bpb")]

    print(f"neural reference: {layers}x{hidden} ({heads} heads, context {a.context}), "
          f"{trained.get('parameters', 0) / 1e6:.2f}M parameters, {trained.get('steps')} steps in "
          f"{trained.get('seconds', 0):.0f} s, held-out {trained.get('heldout_bpb', 0):.3f} bpb")
    t = ngram_info.get("training", {})
    print(f"n-gram reference: order {ngram_info.get('order', a.order)}, {t.get('bytes', 0) / 1e6:.0f} MB counted in "
          f"{t.get('seconds', 0):.0f} s, held-out {t.get('held_out_bpb', float('nan')):.3f} bpb")
    print("rank AUC, better direction per score and set ('<' lower is better, '>' higher); 0.5 = chance")
    print(f"{'set':<15} {'better/worse n':>15}" + "".join(f" {c[0]:>20}" for c in cols))
    for name in sets:
        mine = [(rid, label) for rid, n, label in rows if n == name]
        n_good = sum(1 for _, l in mine if l)
        line = f"{name:<15} {f'{n_good}/{len(mine) - n_good}':>15}"
        for _, table, col in cols:
            if n_good == 0 or n_good == len(mine):
                line += f" {'n/a':>20}"  # the pool holds none of one class
                continue
            auc = auc_lower_better([(table[rid][col], label) for rid, label in mine])
            line += f" {('<' if auc >= 0.5 else '>') + format(max(auc, 1 - auc), '.3f'):>20}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
