#!/usr/bin/env python3
"""Language-model scoring throughput: shardscope-cli (C++ libtorch) against the same weights evaluated by
PyTorch eager in Python, side by side in one invocation (issue 4). Prints the BLAS libtorch runs on and a
2048x2048 matmul figure first, because Debian's libtorch with reference BLAS is ~100x slower.

usage: bench_lm.py CLI MODEL_DIR [--docs N] [--device cpu|cuda:N] [--random LAYERS,HIDDEN,CONTEXT] [SHARD...]
Default shards: ../shared/data/bench/*.jsonl.zst (N documents spread over them, default 2000).
On a shared machine compare the CPU-time figures (both sides run single-threaded with --threads 1).
Only byte-level GPT-2 models (the built-in one) are evaluated on the Python side; --random writes a
randomly initialised one of the given size into MODEL_DIR first (a GPU needs a bigger model than the
built-in one to be busy). On a GPU both sides run in bfloat16 (the scorer's CUDA precision).
"""
import argparse
import glob
import io
import json
import math
import os
import resource
import struct
import subprocess
import sys
import tempfile
import time

# OpenBLAS's pthread build ignores torch.set_num_threads: give the Python side the same BLAS thread
# count the C++ scorer sets (openblas_set_num_threads), before torch loads it.
for _i, _a in enumerate(sys.argv):
    if _a == "--threads" and _i + 1 < len(sys.argv):
        os.environ.setdefault("OPENBLAS_NUM_THREADS", sys.argv[_i + 1])
    elif _a.startswith("--threads="):
        os.environ.setdefault("OPENBLAS_NUM_THREADS", _a.split("=", 1)[1])

import torch  # noqa: E402


def load_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    dt = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}
    out = {}
    for k, v in header.items():
        if k == "__metadata__":
            continue
        b, e = v["data_offsets"]
        out[k.removeprefix("transformer.")] = torch.frombuffer(bytearray(data[b:e]), dtype=dt[v["dtype"]]).reshape(v["shape"]).float()
    return out


def write_random_byte_gpt2(d, layers, hidden, context):
    """A byte-level GPT-2 with random weights in the built-in model's format (config.json, F16 safetensors)."""
    os.makedirs(d, exist_ok=True)
    cfg = {"model_type": "gpt2", "architectures": ["GPT2LMHeadModel"], "activation_function": "gelu_new",
           "vocab_size": 257, "bos_token_id": 256, "eos_token_id": 256, "n_embd": hidden, "n_head": hidden // 64,
           "n_inner": 4 * hidden, "n_layer": layers, "n_positions": context, "n_ctx": context,
           "layer_norm_epsilon": 1e-5, "tie_word_embeddings": True, "shardscope_tokenizer": "bytes"}
    json.dump(cfg, open(os.path.join(d, "config.json"), "w"), indent=1)
    g = torch.Generator().manual_seed(0)
    shapes = {"wte.weight": (257, hidden), "wpe.weight": (context, hidden), "ln_f.weight": (hidden,), "ln_f.bias": (hidden,)}
    for i in range(layers):
        p = f"h.{i}."
        shapes.update({p + "ln_1.weight": (hidden,), p + "ln_1.bias": (hidden,), p + "ln_2.weight": (hidden,),
                       p + "ln_2.bias": (hidden,), p + "attn.c_attn.weight": (hidden, 3 * hidden),
                       p + "attn.c_attn.bias": (3 * hidden,), p + "attn.c_proj.weight": (hidden, hidden),
                       p + "attn.c_proj.bias": (hidden,), p + "mlp.c_fc.weight": (hidden, 4 * hidden),
                       p + "mlp.c_fc.bias": (4 * hidden,), p + "mlp.c_proj.weight": (4 * hidden, hidden),
                       p + "mlp.c_proj.bias": (hidden,)})
    header, blobs, off = {}, [], 0
    for k, shape in shapes.items():
        t = (1 + 0.02 * torch.randn(shape, generator=g)) if k.endswith("ln_1.weight") or k.endswith("ln_2.weight") \
            or k == "ln_f.weight" else 0.02 * torch.randn(shape, generator=g)
        b = t.to(torch.float16).numpy().tobytes()
        header[k] = {"dtype": "F16", "shape": list(shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(h)) + h)
        for b in blobs:
            f.write(b)


class Gpt2:
    def __init__(self, d, device):
        self.cfg = json.load(open(os.path.join(d, "config.json")))
        dtype = torch.bfloat16 if str(device).startswith("cuda") else torch.float32
        self.w = {k: v.to(device, dtype) for k, v in load_safetensors(os.path.join(d, "model.safetensors")).items()}
        self.C, self.H, self.L = self.cfg["n_embd"], self.cfg["n_head"], self.cfg["n_layer"]
        self.P = self.cfg["n_positions"]
        self.device = device

    @torch.no_grad()
    def nll(self, ids):  # ids [B, T] -> nll [B, T-1]
        w, C, H = self.w, self.C, self.H
        F = torch.nn.functional
        x = ids[:, :-1]
        B, T = x.shape
        h = w["wte.weight"][x] + w["wpe.weight"][:T]
        for i in range(self.L):
            p = f"h.{i}."
            a = F.layer_norm(h, (C,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], 1e-5)
            q, k, v = (a @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]).split(C, -1)
            q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in (q, k, v))
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True) if hasattr(F, "scaled_dot_product_attention") \
                else torch.softmax((q @ k.transpose(-1, -2) / math.sqrt(C // H)).masked_fill(
                    torch.ones(T, T, dtype=torch.bool, device=ids.device).triu(1), float("-inf")), -1) @ v
            h = h + y.transpose(1, 2).reshape(B, T, C) @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
            m = F.layer_norm(h, (C,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], 1e-5)
            h = h + F.gelu(m @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"], approximate="tanh") \
                @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
        h = F.layer_norm(h, (C,), w["ln_f.weight"], w["ln_f.bias"], 1e-5)
        logits = (h @ w["wte.weight"].T).float()
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), ids[:, 1:].reshape(-1), reduction="none").view(B, T)

    def score(self, text):  # the scorer's definition: doc-start token, windows of P, stride P/2
        seq = [self.cfg.get("bos_token_id", 256)] + list(text.encode())
        wins, up, b = [], 1, 0
        while True:
            e = min(b + self.P, len(seq))
            wins.append((b, e, up))
            up = e
            if e >= len(seq):
                break
            b += self.P // 2
        # The windows of one document in one padded batch, as a typical eager script does.
        T = max(e - b for b, e, _ in wins)
        ids = torch.zeros(len(wins), T, dtype=torch.long)
        for r, (b, e, _) in enumerate(wins):
            ids[r, :e - b] = torch.tensor(seq[b:e])
        l = self.nll(ids.to(self.device))
        total = 0.0
        for r, (b, e, up) in enumerate(wins):
            total += float(l[r, max(0, up - b - 1):e - b - 1].sum())
        return total, len(seq) - 1


def blas_info():
    try:
        return os.path.realpath("/etc/alternatives/libblas.so.3-x86_64-linux-gnu")
    except OSError:
        return "unknown"


def matmul_gflops():
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    a @ b
    t = time.time()
    for _ in range(5):
        a @ b
    return 5 * 2 * 2048 ** 3 / (time.time() - t) / 1e9


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("model")
    ap.add_argument("shards", nargs="*")
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--cli-threads", type=int, default=0, help="scan threads of shardscope-cli (default: --threads)")
    ap.add_argument("--random", default="", help="LAYERS,HIDDEN,CONTEXT: write a random byte GPT-2 into MODEL_DIR")
    a = ap.parse_intermixed_args()
    if a.random:
        layers, hidden, context = (int(x) for x in a.random.split(","))
        write_random_byte_gpt2(a.model, layers, hidden, context)
        print(f"model: random byte GPT-2, {layers} layers, {hidden} hidden, context {context}")
    here = os.path.dirname(os.path.abspath(__file__))
    shards = a.shards or sorted(glob.glob(os.path.join(here, "../../../shared/data/bench/*.jsonl.zst")))
    torch.set_num_threads(a.threads)
    print(f"BLAS: {blas_info()}; torch {torch.__version__}; 2048x2048 matmul: {matmul_gflops():.1f} GFLOP/s "
          f"({a.threads} threads)")

    # A sample spread over every shard (every k-th document), so the mix of short and long
    # documents and of sources is the bench set's.
    every = []
    for s in shards:
        raw = subprocess.run(["zstd", "-dc", s], capture_output=True, check=True).stdout if s.endswith(".zst") \
            else open(s, "rb").read()
        for line in raw.split(b"\n"):
            if line.strip():
                t = json.loads(line).get("text", "")
                if t:
                    every.append(t)
    step = max(1, len(every) // a.docs)
    texts = every[::step][:a.docs]
    del every
    nbytes = sum(len(t.encode()) for t in texts)
    with tempfile.TemporaryDirectory() as tmp:
        shard = os.path.join(tmp, "docs.jsonl")
        with open(shard, "w") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
        tsv = os.path.join(tmp, "out.tsv")
        # Start-up alone (process, libtorch, model load, CUDA context): one short document.
        one = os.path.join(tmp, "one.jsonl")
        with open(one, "w") as f:
            f.write(json.dumps({"id": "0", "text": "Start-up."}) + "\n")
        t0 = time.time()
        subprocess.run([a.cli, "score", "--scorers", "lm_bpb", "--model", a.model, "--device", a.device, "--no-cache",
                        "-q", "--threads", "1", "--tsv", tsv, one], check=True)
        startup_s = time.time() - t0
        t0 = time.time()
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([a.cli, "score", "--scorers", "lm_bpb", "--model", a.model, "--device", a.device, "--no-cache",
                        "-q", "--threads", str(a.cli_threads or a.threads), "--tsv", tsv, shard], check=True)
        cpp_s = time.time() - t0
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpp_cpu = (c1.ru_utime - c0.ru_utime) + (c1.ru_stime - c0.ru_stime)
        cpp = [float(l.split("\t")[-1]) for l in open(tsv).read().splitlines()[1:]]
    print(f"sample: {len(texts)} docs (every {step}th of the shards), {nbytes:,} bytes = tokens of the byte model")
    print(f"C++ shardscope-cli    : {nbytes / cpp_s:,.0f} tokens/s wall ({cpp_s:.1f} s), "
          f"{nbytes / cpp_cpu:,.0f} tokens per CPU-second ({cpp_cpu:.1f} CPU s); "
          f"{nbytes / max(1e-3, cpp_s - startup_s):,.0f} tokens/s without the {startup_s:.1f} s start-up")
    m = Gpt2(a.model, a.device)
    t0 = time.time()
    p0 = time.process_time()
    py = []
    for t in texts:
        nats, n = m.score(t)
        py.append(nats / math.log(2) / len(t.encode()))
    py_s = time.time() - t0
    py_cpu = time.process_time() - p0
    print(f"PyTorch eager (Python): {nbytes / py_s:,.0f} tokens/s wall ({py_s:.1f} s), "
          f"{nbytes / py_cpu:,.0f} tokens per CPU-second ({py_cpu:.1f} CPU s)")
    diff = max(abs(x - y) for x, y in zip(cpp, py))
    print(f"speed-up C++/Python: {py_s / cpp_s:.2f}x wall, {py_cpu / cpp_cpu:.2f}x CPU time; "
          f"max |lm_bpb difference| = {diff:.2e}; load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
