#!/usr/bin/env python3
"""Independent reference for tst_lm: a randomly initialised tiny GPT-2 written here from the GPT-2 paper's
equations (not Hugging Face code), saved as a Hugging Face-style directory with the safetensors file
written by hand, plus the ids and the logits this implementation computes (float64 maths on the same
float32 weights). Needs only Debian's python3-torch.

usage: lm_reference_gpt2.py OUTDIR
Writes OUTDIR/{config.json, model.safetensors, ids.json, logits.f32 (little-endian, [B, T, V])}.
"""
import json
import math
import struct
import sys

import torch

torch.manual_seed(1234)
V, C, L, H, P, F = 257, 64, 3, 4, 48, 256   # byte vocabulary + document start, as the built-in model
D = C // H
EPS = 1e-5


def rnd(*shape, std=0.2):
    return (torch.randn(*shape) * std).to(torch.float32)


w = {"wte.weight": rnd(V, C), "wpe.weight": rnd(P, C, std=0.1)}
for i in range(L):
    p = f"h.{i}."
    w[p + "ln_1.weight"] = 1 + rnd(C, std=0.1)
    w[p + "ln_1.bias"] = rnd(C, std=0.1)
    w[p + "attn.c_attn.weight"] = rnd(C, 3 * C)
    w[p + "attn.c_attn.bias"] = rnd(3 * C, std=0.05)
    w[p + "attn.c_proj.weight"] = rnd(C, C)
    w[p + "attn.c_proj.bias"] = rnd(C, std=0.05)
    w[p + "ln_2.weight"] = 1 + rnd(C, std=0.1)
    w[p + "ln_2.bias"] = rnd(C, std=0.1)
    w[p + "mlp.c_fc.weight"] = rnd(C, F)
    w[p + "mlp.c_fc.bias"] = rnd(F, std=0.05)
    w[p + "mlp.c_proj.weight"] = rnd(F, C)
    w[p + "mlp.c_proj.bias"] = rnd(C, std=0.05)
w["ln_f.weight"] = 1 + rnd(C, std=0.1)
w["ln_f.bias"] = rnd(C, std=0.1)


def layer_norm(x, g, b):
    mu = x.mean(-1, keepdim=True)
    var = ((x - mu) ** 2).mean(-1, keepdim=True)
    return (x - mu) / torch.sqrt(var + EPS) * g + b


def gelu_tanh(x):
    return 0.5 * x * (1 + torch.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def forward(ids):
    W = {k: v.to(torch.float64) for k, v in w.items()}
    B, T = ids.shape
    x = W["wte.weight"][ids] + W["wpe.weight"][:T]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(L):
        p = f"h.{i}."
        a = layer_norm(x, W[p + "ln_1.weight"], W[p + "ln_1.bias"])
        qkv = a @ W[p + "attn.c_attn.weight"] + W[p + "attn.c_attn.bias"]
        q, k, v = (t.reshape(B, T, H, D).permute(0, 2, 1, 3) for t in qkv.split(C, dim=-1))
        s = (q @ k.transpose(-1, -2)) / math.sqrt(D)
        s = s.masked_fill(~causal, float("-inf"))
        y = (torch.softmax(s, dim=-1) @ v).permute(0, 2, 1, 3).reshape(B, T, C)
        x = x + y @ W[p + "attn.c_proj.weight"] + W[p + "attn.c_proj.bias"]
        m = layer_norm(x, W[p + "ln_2.weight"], W[p + "ln_2.bias"])
        x = x + gelu_tanh(m @ W[p + "mlp.c_fc.weight"] + W[p + "mlp.c_fc.bias"]) @ W[p + "mlp.c_proj.weight"] \
            + W[p + "mlp.c_proj.bias"]
    x = layer_norm(x, W["ln_f.weight"], W["ln_f.bias"])
    return x @ W["wte.weight"].T


def write_safetensors(path, tensors):
    header, blobs, off = {}, [], 0
    for name in sorted(tensors):
        t = tensors[name].contiguous()
        raw = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - (len(h) + 8) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def main():
    out = sys.argv[1]
    cfg = {"model_type": "gpt2", "vocab_size": V, "n_embd": C, "n_layer": L, "n_head": H, "n_inner": F,
           "n_positions": P, "layer_norm_epsilon": EPS, "activation_function": "gelu_new",
           "bos_token_id": 256, "shardscope_tokenizer": "bytes"}
    with open(f"{out}/config.json", "w") as f:
        json.dump(cfg, f)
    write_safetensors(f"{out}/model.safetensors", w)
    text = "The quick brown fox jumps over the lazy dog. Zwölf Boxkämpfer jagen Viktor."
    raw = list(text.encode())
    ids = torch.tensor([[256] + raw[:P - 1], [256] + raw[-(P - 1):]], dtype=torch.long)
    logits = forward(ids).to(torch.float32)
    with open(f"{out}/ids.json", "w") as f:
        json.dump({"text": text, "ids": ids.tolist()}, f)
    with open(f"{out}/logits.f32", "wb") as f:
        f.write(logits.numpy().astype("<f4").tobytes())
    # The text's summed loss with sliding windows (window P, stride P/2), as Hugging Face's perplexity
    # guide computes it: each token scored once, in the first window that holds it past the overlap.
    seq = [256] + raw
    total, count, scored_up_to, begin = 0.0, 0, 1, 0
    while True:
        end = min(begin + P, len(seq))
        win = torch.tensor([seq[begin:end]], dtype=torch.long)
        lg = forward(win)[0]
        for t in range(end - begin - 1):
            g = begin + t + 1
            if g >= scored_up_to:
                total += float(torch.logsumexp(lg[t], -1) - lg[t, seq[g]])
                count += 1
        scored_up_to = end
        if end >= len(seq):
            break
        begin += P // 2
    with open(f"{out}/loss.json", "w") as f:
        json.dump({"sum_nats": total, "tokens": count, "window": P, "stride": P // 2}, f)

if __name__ == "__main__":
    main()
