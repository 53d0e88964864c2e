#!/usr/bin/python3
"""What users run today: a Python loop that scores zlib6 over .jsonl.zst shards (issue #2).

    /usr/bin/python3 baseline_python.py [--verify-tsv SCORES.tsv] SHARD|DIR...

One process, one thread: a zstandard stream reader per shard, lines split on b"\\n" only (as the
engine does; texts hold raw U+2028), json.loads, len(zlib.compress(text.encode(), 6)) / len(...).
Run it with Debian's /usr/bin/python3, which has python3-zstandard.

Prints "seconds=S cpu=C docs=D text_bytes=B" for bench_scan. Only the loop is timed; the ratios
it keeps are what a user's script keeps too. With --verify-tsv it then compares, row by row, the
id, the byte count and the zlib6 value of a TSV written by `shardscope-cli score --scorers zlib6
--tsv` against its own: the engine stores a float32 and prints it with %.9g, which round-trips, so
the comparison is exact (float32 of Python's ratio), not within a tolerance.
"""

import argparse
import io
import json
import os
import resource
import struct
import sys
import time
import zlib

try:
    import zstandard
except ImportError:
    sys.exit("baseline_python.py: needs the zstandard module (Debian: apt-get install python3-zstandard; "
             "run it with /usr/bin/python3, not a virtualenv or pyenv interpreter)")

SUFFIXES = (".jsonl", ".jsonl.zst", ".jsonl.zstd", ".json.zst", ".ndjson", ".ndjson.zst")


def expand(inputs):
    out = []
    for p in inputs:
        if os.path.isdir(p):
            found = []
            for root, _, files in os.walk(p):
                found += [os.path.join(root, f) for f in files if f.endswith(SUFFIXES)]
            out += sorted(os.path.abspath(f) for f in found)
        else:
            out.append(os.path.abspath(p))
    return out


def lines(path):
    with open(path, "rb") as f:
        if f.read(4) == b"\x28\xb5\x2f\xfd":
            f.seek(0)
            reader = zstandard.ZstdDecompressor().stream_reader(f, read_across_frames=True)
            yield from io.BufferedReader(reader, 1 << 20)
        else:
            f.seek(0)
            yield from f


def score(shards):
    """The timed loop. Returns [(id, bytes, ratio or None)] in input order."""
    rows = []
    for path in shards:
        line_no = 0
        for line in lines(path):
            line_no += 1
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
                text = rec["text"]
                if not isinstance(text, str):
                    continue
                raw = text.encode()
            except (ValueError, KeyError, TypeError, UnicodeEncodeError):
                continue   # the engine rejects these records too (and reports them)
            doc_id = rec.get("id")
            doc_id = "#%d" % line_no if doc_id in (None, "") else str(doc_id)
            n = len(raw)
            rows.append((doc_id, n, len(zlib.compress(raw, 6)) / n if n else None))
    return rows


def tsv_field(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def f32(x):
    return struct.unpack("f", struct.pack("f", x))[0]


def verify(rows, tsv_path):
    with open(tsv_path, encoding="utf-8", newline="\n") as f:
        header = f.readline().rstrip("\n").split("\t")
        if header[:3] != ["id", "group", "bytes"] or "zlib6" not in header:
            print("verify: %s has no zlib6 column (header %s)" % (tsv_path, header))
            return False
        col = header.index("zlib6")
        bad = 0
        n = 0
        for n, (line, (doc_id, size, ratio)) in enumerate(zip(f, rows), 1):
            cells = line.rstrip("\n").split("\t")
            value = cells[col] if col < len(cells) else ""
            got = None if value == "" else f32(float(value))
            want = None if ratio is None else f32(ratio)
            if cells[0] != tsv_field(doc_id) or int(cells[2]) != size or got != want:
                bad += 1
                if bad <= 5:
                    print("verify: row %d differs: tsv (%s, %s, %s) python (%s, %d, %r)"
                          % (n, cells[0], cells[2], value, doc_id, size, want))
        rest = sum(1 for _ in f)
    if rest or n != len(rows):
        print("verify: the TSV has %d rows, python scored %d" % (n + rest, len(rows)))
        return False
    print("verify: %d of %d zlib6 values, ids and byte counts identical to %s"
          % (len(rows) - bad, len(rows), tsv_path))
    return bad == 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("shards", nargs="+")
    ap.add_argument("--verify-tsv", metavar="TSV",
                    help="compare with a TSV from `shardscope-cli score --scorers zlib6 --tsv`")
    a = ap.parse_args()
    shards = expand(a.shards)
    if not shards:
        sys.exit("baseline_python.py: no shards in %s" % " ".join(a.shards))
    c0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    rows = score(shards)
    seconds = time.perf_counter() - t0
    c1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = (c1.ru_utime + c1.ru_stime) - (c0.ru_utime + c0.ru_stime)
    print("python %s, zlib %s, zstandard %s" % (sys.version.split()[0], zlib.ZLIB_RUNTIME_VERSION,
                                                 zstandard.__version__))
    print("seconds=%.3f cpu=%.3f docs=%d text_bytes=%d" % (seconds, cpu, len(rows), sum(r[1] for r in rows)))
    sys.stdout.flush()
    if a.verify_tsv and not verify(rows, a.verify_tsv):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
