#!/usr/bin/env python3
"""Writes the small seed inputs committed in tests/fuzz/seeds/<target>/ (issue 18).

Each seed is a valid input of its format, so the fuzzer starts inside the parser instead of at its first
check. run-fuzzers.sh adds the fixtures from ../shared/data when present and the gzip/zstd variants it
makes with the command-line tools. Usage: tests/fuzz/make-seeds.py [OUT_DIR] (default: tests/fuzz/seeds).
"""
import gzip
import json
import os
import struct
import subprocess
import sys

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds")


def put(target, name, data):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)


# --- JSON Lines: byte sources + line reader, records --------------------------------------------------
records = [
    {"id": "doc-1", "text": "The quick brown fox.\nSecond line\u2028with a line separator.", "source": "web"},
    {"id": 42, "text": "caf\u00e9 \u4e2d\u6587 \U0001F600 \"quoted\" \\ backslash", "source": "email/spam"},
    {"text": "Pile layout", "meta": {"pile_set_name": "Pile-CC"}},
    {"text": "RedPajama layout", "meta": {"redpajama_set_name": "RedPajamaC4"}, "id": 7.5},
    {"text": "", "metadata": {"source": "empty"}},
    {"content": "wrong field", "x": [1, 2, {"y": None}], "t": True},
]
jsonl = "\n".join(json.dumps(r, ensure_ascii=False) for r in records)
lines = jsonl + "\n\n[1,2]\nnot json\r\n{\"text\": \"crlf\"}\r\n{\"text\": \"last line without newline\"}"
put("linereader", "plain.jsonl", lines)
put("linereader", "plain.gz", gzip.compress(lines.encode(), mtime=0))
put("linereader", "two-members.gz", gzip.compress(b"first member\n", mtime=0) + gzip.compress(b"second\n", mtime=0))
put("linereader", "empty", b"")
# A zstd frame with the command-line tool when there is one (python3-zstandard is not always installed).
try:
    put("linereader", "plain.zst", subprocess.run(["zstd", "-q", "-c", "-"], input=lines.encode(), check=True,
                                                  capture_output=True).stdout)
except (OSError, subprocess.CalledProcessError):
    print("zstd not found: no zstd seed", file=sys.stderr)

put("recordparser", "dolma", "text|id|group\n" + jsonl)
put("recordparser", "dotted", "text|id|meta.pile_set_name\n" + jsonl)
put("recordparser", "pointers", "/meta/a~1b|/id|/metadata/source\n"
    + '{"meta": {"a/b": "slash key"}, "id": "x", "metadata": {"source": "s"}}\n'
    + '{"meta": {"a/b": 5}, "id": [1], "metadata": {"source": null}}\n'
    + '{"text": "\\ud83d\\ude00 \\u00e9 \\n \\t", "id": -1e5}\n')
put("recordparser", "detect", "\n" + "\n".join(json.dumps({"text": f"t{i}", "source": "a" if i % 3 else "b"})
                                              for i in range(8)))

# --- WARC / WET (issue 21, part 5): records as Common Crawl writes them, and as cc_net's test file has them
def warc_record(fields, block, eol="\r\n"):
    head = "WARC/1.0" + eol + "".join(f"{k}: {v}{eol}" for k, v in fields)
    head += f"Content-Length: {len(block)}{eol}{eol}"
    return head.encode() + block + (eol + eol).encode()


wet_texts = ["Shardscope fuzz seed.\nA second line with a tab\tand \"quotes\".",
             "Zweite Seite: Grüße aus Köln, \u4e2d\u6587 und \U0001F600.\n\n"]
wet = [warc_record([("WARC-Type", "warcinfo"), ("WARC-Date", "2019-03-27T06:10:48Z"),
                    ("WARC-Record-ID", "<urn:uuid:00000000-0000-0000-0000-000000000000>"),
                    ("Content-Type", "application/warc-fields")], b"isPartOf: CC-MAIN-2019-13\r\n")]
for i, t in enumerate(wet_texts):
    wet.append(warc_record([("WARC-Type", "conversion"), ("WARC-Target-URI", f"http://www.example{i}.co.uk:80/p?q#f"),
                            ("WARC-Date", "2019-03-18T00:00:0%dZ" % i),
                            ("WARC-Record-ID", f"<urn:uuid:00000000-0000-0000-0000-00000000000{i + 1}>"),
                            ("Content-Type", "text/plain")], t.encode()))
put("warc", "wet.warc.wet", b"".join(wet))
put("warc", "wet-per-record.warc.wet.gz", b"".join(gzip.compress(r, mtime=0) for r in wet))
# cc_net's layout: LF line ends, Content-Length not the body's size, a record runs to the next "WARC/1.0" line.
put("warc", "lf.wet", b"".join(r.replace(b"\r\n", b"\n").replace(b"Content-Length: 6", b"Content-Length: 9")
                               for r in wet) + b"\n")
http = "application/http; msgtype=response"
put("warc", "responses.warc", b"".join([
    warc_record([("WARC-Type", "request"), ("WARC-Target-URI", "<https://a.example.org/>"),
                 ("Content-Type", "application/http; msgtype=request")], b"GET / HTTP/1.1\r\nHost: a\r\n\r\n"),
    warc_record([("WARC-Type", "response"), ("WARC-Target-URI", "<https://a.example.org/>"), ("Content-Type", http)],
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain\r\ntext"),
    warc_record([("WARC-Type", "response"), ("WARC-Target-URI", "https://[::1]:8080/"), ("Content-Type", http)],
                b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Encoding: gzip\r\n\r\n\x1f\x8b"),
    warc_record([("WARC-Type", "resource"), ("WARC-Target-URI", "metadata://gnu.org/wget.log"),
                 ("Content-Type", "text/plain")], b"bad \xff byte\n"),
    warc_record([("WARC-Type", "metadata"), ("Content-Type", "text/plain")], b"via: x"),
]))
put("warc", "wrong-length.warc.wet", wet[0] + wet[1].replace(b"Content-Length: ", b"Content-Length: 1") + wet[2])

# --- filter configs ---------------------------------------------------------------------------------
put("filterconfig", "v2.json", json.dumps({
    "format": "shardscope-filter", "version": 2,
    "fields": {"text": "/text", "id": "id", "group": "meta.source"},
    "rules": [
        {"scorer": "zlib6", "min": 0.25, "max": 0.9, "missing": "drop",
         "groups": {"email/spam": {"min": 0.3}, "multilingual/udhr": {"disabled": True}}},
        {"scorer": "fineweb_line_punct_ratio", "min": 0.12, "by": "lang",
         "overrides": {"de": {"min": 0.1}, "zh": {"disabled": True}, "fr": {"in": ["x"]}},
         "suggested": {"method": "percentile", "low": 1, "high": 99, "computed_on": 5361}},
        {"scorer": "lang", "in": ["en", "de"], "missing": "keep", "note": "English and German",
         "params": {"k": [1, 2, {"z": None}]}},
    ],
    "provenance": {"tool": "shardscope 0.1.0", "created": "2026-11-26T09:00:00Z", "shards": ["a.jsonl"],
                   "documents": 10, "kept": 7, "dropped": 3},
}, indent=1))
put("filterconfig", "v3-scorers.json", json.dumps({
    "format": "shardscope-filter", "version": 3,
    "rules": [{"scorer": "ngram_bpb", "min": 1.2, "max": 3.5}, {"scorer": "zlib6", "max": 0.9}],
    "scorers": [{"spec": "ngram:model=/models/ref",
                 "files": [{"role": "model", "path": "/models/ref/ngram.bin",
                            "sha256": "9f2c" + "0" * 56 + "ab12"}]},
                {"spec": "linear:model=/m/quality.json", "files": []}],
}, indent=1))
put("filterconfig", "v1.json", json.dumps({
    "format": "shardscope-filter", "version": 1,
    "rules": [{"scorer": "gopher_word_count", "min": 50, "max": 100000},
              {"scorer": "zlib6", "max": 1.5, "groups": {"web": {"max": 0.8}}}],
}))

# --- scores file --------------------------------------------------------------------------------------
# Format version 2 (core/scorestore.h). The checksums are left zero: fuzz_scorestore recomputes them from
# the bytes before loading (python3 has no XXH3 here).
def scores_file():
    n = 3
    ids = [b"doc-1", b"", b"\xc3\xa9t\xc3\xa9"]
    id_offsets = [0]
    for i in ids:
        id_offsets.append(id_offsets[-1] + len(i))
    blocks = [
        ("shard", "u16", "<H", [0, 0, 1]),
        ("offset", "u64", "<Q", [0, 120, 0]),
        ("length", "u32", "<I", [119, 80, 60]),
        ("line", "u32", "<I", [1, 2, 1]),
        ("text_bytes", "u32", "<I", [100, 60, 40]),
        ("text_chars", "u32", "<I", [100, 58, 40]),
        ("group", "u32", "<I", [1, 2, 0]),
        ("id_offsets", "u64", "<Q", id_offsets),
        ("id_bytes", "u8", None, b"".join(ids)),
        ("score:zlib6", "f32", "<f", [0.5, 0.75, float("nan")]),
        ("score:lang", "f32", "<f", [0.0, 1.0, 0.0]),
    ]
    shard = {"path": "/data/a.jsonl", "size": 200, "mtime_ns": 1, "fingerprint": "00ff", "compression": "plain",
             "records": 2, "rejected": 0, "decompressed_bytes": 200, "complete": True, "error": ""}
    h = {"format": "shardscope-scores", "version": 2, "tool": "shardscope 0.1.0",
         "fields": {"text": "/text", "id": "/id", "group": "/source"},
         "documents": n, "records": 4, "rejected": 1, "blank_lines": 0, "text_bytes": 200, "complete": True,
         "shards": [shard, dict(shard, path="/data/b.jsonl.zst", compression="zstd")],
         "scorers": [{"name": "zlib6", "version": 1, "columns": [{"name": "zlib6", "definition": "d", "categories": []}]},
                     {"name": "langid", "version": 2,
                      "columns": [{"name": "lang", "definition": "d", "categories": ["en", "de"]}]}],
         "groups": ["", "web", "email/spam"],
         "rejects": [{"shard": 0, "line": 3, "offset": 250, "reason": "invalid JSON"}]}
    # Block offsets depend on the header length: lay out until it is stable, as saveScores() does.
    prefix = 8 + 4 + 4 + 8 + 8
    header_len = 0
    for _ in range(4):
        pos = prefix + header_len
        layout = []
        for name, typ, fmt, vals in blocks:
            pos += (8 - pos % 8) % 8
            size = len(vals) if fmt is None else struct.calcsize(fmt) * len(vals)
            layout.append({"name": name, "type": typ, "count": len(vals), "offset": pos, "xxh3": "0" * 16})
            pos += size
        h["blocks"] = layout
        h["file_bytes"] = pos
        text = json.dumps(h, separators=(",", ":")).encode()
        if len(text) == header_len:
            break
        header_len = len(text)
    text = text.ljust(header_len, b" ")
    out = bytearray(b"SSCORES\0" + struct.pack("<IIQQ", 2, 0, header_len, 0) + text)
    for (name, typ, fmt, vals), b in zip(blocks, layout):
        out += b"\0" * (b["offset"] - len(out))
        out += vals if fmt is None else b"".join(struct.pack(fmt, v) for v in vals)
    return bytes(out)


put("scorestore", "three-docs.scores", scores_file())

# --- tokenizers ---------------------------------------------------------------------------------------
def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(0xA1, 0xAD)) + list(range(0xAE, 0x100))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


b2u = bytes_to_unicode()
byte_vocab = {b2u[b]: b for b in range(256)}
merges = [("Ġ", "t"), ("h", "e"), ("Ġt", "he"), ("l", "l"), ("o", "r")]
vocab = dict(byte_vocab)
for a, b in merges:
    vocab[a + b] = len(vocab)
vocab["<|endoftext|>"] = len(vocab)
put("tokenizer_gpt2", "tiny", json.dumps(vocab, ensure_ascii=False) + "\0#version: 0.2\n"
    + "".join(f"{a} {b}\n" for a, b in merges))
put("tokenizer_gpt2", "crlf-no-merges", json.dumps(byte_vocab, ensure_ascii=False) + "\0#version: 0.2\r\n")

put("tokenizer_json", "bytelevel.json", json.dumps({
    "version": "1.0",
    "added_tokens": [{"id": len(vocab) - 1, "content": "<|endoftext|>", "special": True},
                     {"id": len(vocab), "content": "  ", "special": False}],
    "normalizer": {"type": "NFC"},
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": "\\p{N}{1,3}| ?\\p{L}+|\\s+"}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
    "model": {"type": "BPE", "vocab": vocab, "merges": [f"{a} {b}" for a, b in merges[:3]] + [list(m) for m in merges[3:]]},
}, ensure_ascii=False, indent=1))
sp_vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
for b in range(256):
    sp_vocab[f"<0x{b:02X}>"] = len(sp_vocab)
for piece in ["▁", "t", "h", "e", "▁t", "he", "▁the", "a", "é"]:
    sp_vocab[piece] = len(sp_vocab)
put("tokenizer_json", "sentencepiece.json", json.dumps({
    "version": "1.0",
    "added_tokens": [{"id": 0, "content": "<unk>"}, {"id": 1, "content": "<s>"}, {"id": 2, "content": "</s>"}],
    "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"},
                                                       {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
    "pre_tokenizer": None,
    "model": {"type": "BPE", "byte_fallback": True, "unk_token": "<unk>", "vocab": sp_vocab,
              "merges": ["▁ t", "h e", "▁t he"]},
}, ensure_ascii=False, indent=1))

# --- safetensors --------------------------------------------------------------------------------------
def safetensors(tensors, metadata=None):
    h = {}
    if metadata:
        h["__metadata__"] = metadata
    data = b""
    for name, (dtype, shape, payload) in tensors.items():
        h[name] = {"dtype": dtype, "shape": shape, "data_offsets": [len(data), len(data) + len(payload)]}
        data += payload
    text = json.dumps(h).encode()
    text += b" " * ((8 - (len(text) + 8) % 8) % 8)
    return struct.pack("<Q", len(text)) + text + data


put("safetensors_header", "two-tensors.safetensors", safetensors({
    "emb.weight": ("F32", [2, 3], struct.pack("<6f", *range(6))),
    "step": ("I64", [], struct.pack("<q", 7)),
    "mask": ("BOOL", [0, 4], b""),
    "h.0.bias": ("BF16", [2], b"\0\0\0\0"),
}, {"format": "pt", "vocab": "gpt2"}))


# --- labels TSV (issue 23) ----------------------------------------------------------------------------
put("labels", "labels.tsv", "id\tlabel\nspam-2/00658.2324b3351e766248275bace98fd3c7b3\tbad\neasy-ham-1/00247\tgood\n#17\tgood\n")
put("labels", "escapes-bom-crlf.tsv", "\ufeffid\tlabel\r\nwith\\ttab\\nnewline\\\\\tgood\r\n\r\ncaf\u00e9 \u4e2d\u6587\tbad\r\n")
put("labels", "repeated.tsv", "id\tlabel\na\tgood\nb\tbad\na\tgood\n")
put("labels", "conflict.tsv", "id\tlabel\na\tgood\na\tbad\n")
put("labels", "header-only.tsv", "id\tlabel\n")
put("labels", "malformed.tsv", "id\tlabel\nno-tab\nx\tmaybe\ny\tgood\textra\n\\q\tbad\n")

# --- n-gram model binary, ngram.bin (issue 22, core/ngramlm.h) ----------------------------------------------
# Format version 1. The trailing XXH3-64 is left zero: fuzz_ngram_model recomputes it.
def ngram_key(data, bos=False):
    k = 0
    for b in data:
        k = (k << 8) | b
    return k | ((1 << 56) if bos else 0) | (len(data) << 57)


def ngram_model(order, tables, log2_empty=-0.5, log2_bos=-1.0):
    out = b"SSNGRAM\0" + struct.pack("<II", 1, order) + struct.pack("<ff", log2_empty, log2_bos)
    for _ in range(order):
        out += struct.pack("<ddd", 0.5, 1.0, 1.5)
    for m in range(1, order + 1):
        out += struct.pack("<Q", len(tables.get(m, [])))
    for m in range(1, order + 1):
        for key, q, nxt in sorted(tables.get(m, [])):
            out += struct.pack("<Qff", key, q, nxt)
    return out + b"\0" * 8


text = b"the cat sat on the mat"
uni = sorted(set(text))
tables = {1: [(ngram_key([b]), -4.0 - b / 64, -0.5) for b in uni]}
pairs = sorted({(text[i], text[i + 1]) for i in range(len(text) - 1)})
tables[2] = [(ngram_key(list(p)), -1.5, -0.75) for p in pairs] + [(ngram_key([text[0]], bos=True), -1.0, -0.6)]
triples = sorted({tuple(text[i:i + 3]) for i in range(len(text) - 2)})
tables[3] = [(ngram_key(list(t)), -0.5, -0.9) for t in triples] + [(ngram_key(list(text[:2]), bos=True), -0.2, -0.8)]
put("ngram_model", "order3-cat.bin", ngram_model(3, tables))
put("ngram_model", "order1-empty.bin", ngram_model(1, {}))
put("ngram_model", "order7-one-entry.bin", ngram_model(7, {7: [(ngram_key(list(b"abcdefg")), -2.0, -1.0)]}))


# --- the quality classifier's saved model, shardscope-linear JSON (issue 23) ----------------------------------
def linear(**over):
    m = {"format": "shardscope-linear", "version": 1, "inputs": ["zlib6", "gopher_word_count"],
         "mean": [0.41, 312.0], "scale": [0.08, 640.0], "weights": [-1.7, 0.35], "bias": 0.2, "output": "quality"}
    m.update(over)
    return json.dumps(m)


put("linear_model", "two-inputs.json", linear())
put("linear_model", "missing-identity.json", linear(missing=[0.5, 0.0], link="identity"))
put("linear_model", "no-inputs.json", linear(inputs=[], mean=[], scale=[], weights=[]))
put("linear_model", "zero-scale.json", linear(scale=[0.0, 1.0]))
put("linear_model", "lengths-disagree.json", linear(weights=[1.0]))
put("linear_model", "other-version.json", linear(version=2))


# --- multi-frame zstd: the frame index that sampling reads (issue 21) -----------------------------------------
# Frames made by the command-line tool, one per chunk (its frames state their content size), cut mid-record.
def zstd_frame(chunk, *args):
    return subprocess.run(["zstd", "-q", "-c", *args, "-"], input=chunk, check=True, stdout=subprocess.PIPE).stdout


def seek_table(frames, checksums=True):
    entries = b"".join(struct.pack("<II", c, d) + (b"\0\0\0\0" if checksums else b"") for c, d in frames)
    body = entries + struct.pack("<IBI", len(frames), 0x80 if checksums else 0, 0x8F92EAB1)
    return struct.pack("<II", 0x184D2A5E, len(body)) + body


try:
    text = ("".join(json.dumps({"id": f"d{i}", "text": "word " * (i % 40 + 1)}) + "\n" for i in range(120))).encode()
    chunks = [text[i:i + 700] for i in range(0, len(text), 700)]
    frames = [zstd_frame(c) for c in chunks]
    put("zstdframes", "frames-with-sizes.zst", b"".join(frames))
    skip = struct.pack("<III", 0x184D2A50, 4, 0)
    put("zstdframes", "pzstd-like-skippable.zst", b"".join(skip + f for f in frames))
    put("zstdframes", "seek-table.zst", b"".join(frames) + seek_table([(len(f), len(c)) for f, c in zip(frames, chunks)]))
    put("zstdframes", "seek-table-no-checksums.zst",
        b"".join(frames) + seek_table([(len(f), len(c)) for f, c in zip(frames, chunks)], checksums=False))
    put("zstdframes", "single-frame.zst", zstd_frame(text))
    put("zstdframes", "truncated-last-frame.zst", b"".join(frames)[:-5])
except (OSError, subprocess.CalledProcessError):
    print("zstd not found: no zstdframes seeds", file=sys.stderr)


# --- per-language n-gram manifest, ngram-languages.json (issue 22 part 3, core/ngramlang.h) --------------------------
# fuzz_ngram_model takes an input that begins with '{' as a manifest and makes its checksum agree first.
def ngram_manifest(**over):
    def entry(lang, docs):
        return {"language": lang, "dir": "all" if lang == "all" else "lang-" + lang, "documents": docs,
                "bytes": docs * 900, "held_out_documents": docs // 20, "held_out_bytes": docs * 45,
                "held_out_bpb": 2.25, "held_out_bpb_all_languages": 2.61, "binary_xxh3_64": "42657876292a27bd"}
    m = {"format": "shardscope-ngram-languages", "version": 1, "unit": "byte", "order": 5,
         "langid": {"model": "/usr/share/shardscope/models/lid.176.ftz",
                    "xxh3_128": "7d805e9f600203fed958bea1490fb5da", "min_lang_score": 0.5},
         "min_docs": 100, "languages_requested": [],
         "training": {"shards": ["/data/a.jsonl.zst"], "sample": "bernoulli p=0.1 seed=1", "seed": 1,
                      "documents": 5520, "bytes": 24400000, "held_out_documents": 290, "held_out_bytes": 1200000,
                      "held_out_bpb": 2.31, "seconds": 4.5},
         "sample_languages": [["en", 4200], ["de", 180], ["es", 101], ["", 40]],
         "models": [entry("en", 4000), entry("de", 171), entry("es", 96), entry("all", 5520)],
         "checksum_xxh3_64": "0000000000000000"}
    m.update(over)
    return json.dumps(m, indent=2)


put("ngram_model", "manifest-three-languages.json", ngram_manifest())
put("ngram_model", "manifest-named-languages.json",
    ngram_manifest(min_docs=0, languages_requested=["zh", "als"], order=3,
                   models=[{"language": "zh", "dir": "lang-zh", "documents": 3, "bytes": 100, "held_out_documents": 0,
                            "held_out_bytes": 0, "held_out_bpb": -1, "held_out_bpb_all_languages": -1,
                            "binary_xxh3_64": "0123456789abcdef"},
                           {"language": "all", "dir": "all", "documents": 9, "bytes": 400, "held_out_documents": 0,
                            "held_out_bytes": 0, "held_out_bpb": -1, "held_out_bpb_all_languages": -1,
                            "binary_xxh3_64": "fedcba9876543210"}]))
put("ngram_model", "manifest-all-only.json", ngram_manifest(models=[json.loads(ngram_manifest())["models"][-1]]))
