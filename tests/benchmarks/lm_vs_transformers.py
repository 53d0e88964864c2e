#!/usr/bin/env python3
"""shardscope-cli's language-model scorer against Hugging Face transformers (issue 4, item 4).

For the built-in byte model and for randomly initialised tiny GPT-2 (BPE), GPT-NeoX, Llama (grouped-query
attention) and Qwen2 (q/k/v biases, tied embeddings) models saved by transformers itself, this compares
  - token ids: shardscope's tokenizer against the Hugging Face `tokenizers` library on every text;
  - per-token losses (`lm-tokens --ids`) against transformers' logits, in float32 on the CPU;
  - per-document mean loss (`score --scorers lm_loss`, sliding windows) against the same windows run
    through transformers, on the CPU (float32) and, with --device cuda:N, on the GPU (our bf16 against
    transformers' float32, beside transformers' own bf16 against its float32 for scale).
Needs torch, transformers and tokenizers (the GPU machine has them; Debian does not package
transformers). Exits non-zero when a float32 difference exceeds --tol or a token id differs.

usage: lm_vs_transformers.py CLI TEXTS.jsonl BUILTIN_MODEL_DIR TOKENIZERS_DIR WORKDIR [--device cuda:0]
TOKENIZERS_DIR holds gpt2_bpe_tokenizer/{encoder.json,vocab.bpe} and hf_tokenizer_json/*.tokenizer.json,
as ../shared/data/models does.
"""
import argparse
import copy
import json
import math
import os
import shutil
import subprocess
import sys
import time

import torch
import transformers
from tokenizers import Tokenizer, decoders, models, pre_tokenizers

POSITIONS = 256  # small, so the longer texts are scored with several windows


def randomise(model, seed):
    """Hugging Face's 0.02 init predicts almost uniformly; larger weights make the losses differ per token."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            r = torch.randn(p.shape, generator=g)
            if "norm" in name or ".ln_" in name or name.startswith("ln_f") or "layernorm" in name:
                p.copy_(1 + 0.1 * r if name.endswith("weight") else 0.1 * r)
            else:
                p.copy_(0.15 * r)
    return model


def hf_tokenizer(kind, tokdir):
    if kind == "gpt2":
        t = Tokenizer(models.BPE.from_file(os.path.join(tokdir, "gpt2_bpe_tokenizer/encoder.json"),
                                           os.path.join(tokdir, "gpt2_bpe_tokenizer/vocab.bpe")))
        t.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        t.decoder = decoders.ByteLevel()
        return t
    return Tokenizer.from_file(os.path.join(tokdir, "hf_tokenizer_json", kind + ".tokenizer.json"))


def make_models(work, tokdir, builtin):
    """(name, directory, HF model, encode(text) -> ids without the document-start token, bos id)."""
    out = []
    m = transformers.GPT2LMHeadModel.from_pretrained(builtin)  # F16 weights, evaluated in float32 as ours
    out.append(("built-in byte GPT-2", builtin, m.float().eval(), lambda s: list(s.encode()), 256))

    def save(name, model, tok_files):
        d = os.path.join(work, name)
        shutil.rmtree(d, ignore_errors=True)
        model.save_pretrained(d)  # safetensors
        for src, dst in tok_files:
            shutil.copy(src, os.path.join(d, dst))
        cfg = json.load(open(os.path.join(d, "config.json")))
        rope = {k: v for k, v in cfg.items() if "rope" in k or "rotary" in k or k == "head_dim"}
        print(f"  saved {name}: model_type={cfg.get('model_type')} {rope}")
        return d

    gpt2_tok = [(os.path.join(tokdir, "gpt2_bpe_tokenizer/encoder.json"), "vocab.json"),
                (os.path.join(tokdir, "gpt2_bpe_tokenizer/vocab.bpe"), "merges.txt")]
    neox_tok = [(os.path.join(tokdir, "hf_tokenizer_json/gpt-neox-20b.tokenizer.json"), "tokenizer.json")]
    llama_tok = [(os.path.join(tokdir, "hf_tokenizer_json/llama.tokenizer.json"), "tokenizer.json")]
    T = transformers

    def add(name, dirname, model, tokenizer, tok_files, bos):
        t = hf_tokenizer(tokenizer, tokdir)
        out.append((name, save(dirname, model, tok_files), model,
                    lambda s, t=t: t.encode(s, add_special_tokens=False).ids, bos))

    cfg = T.GPT2Config(vocab_size=50257, n_positions=POSITIONS, n_embd=64, n_layer=2, n_head=4,
                       bos_token_id=50256, eos_token_id=50256)
    add("gpt2 (random, BPE)", "gpt2", randomise(T.GPT2LMHeadModel(cfg), 1).eval(), "gpt2", gpt2_tok, 50256)

    cfg = T.GPTNeoXConfig(vocab_size=50304, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                          intermediate_size=256, max_position_embeddings=POSITIONS, rotary_pct=0.5,
                          rotary_emb_base=20000, use_parallel_residual=True, bos_token_id=0, eos_token_id=0,
                          tie_word_embeddings=False)
    add("gpt_neox (random, Pythia-style)", "gpt_neox", randomise(T.GPTNeoXForCausalLM(cfg), 2).eval(), "gpt-neox-20b",
        neox_tok, 0)

    # 32003: this tokenizer.json (from Dolma's tests) adds three tokens after LLaMA's 32000.
    cfg = T.LlamaConfig(vocab_size=32003, hidden_size=64, intermediate_size=172, num_hidden_layers=2,
                        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=POSITIONS,
                        rope_theta=50000.0, rms_norm_eps=1e-5, bos_token_id=1, eos_token_id=2,
                        tie_word_embeddings=False)
    add("llama (random, GQA 4/2)", "llama", randomise(T.LlamaForCausalLM(cfg), 3).eval(), "llama", llama_tok, 1)

    cfg = T.Qwen2Config(vocab_size=50304, hidden_size=64, intermediate_size=172, num_hidden_layers=2,
                        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=POSITIONS,
                        rope_theta=1000000.0, rms_norm_eps=1e-6, bos_token_id=0, eos_token_id=0,
                        tie_word_embeddings=True)
    m = randomise(T.Qwen2ForCausalLM(cfg), 4).eval()
    m.tie_weights()
    add("qwen2 (random, biases, tied)", "qwen2", m, "gpt-neox-20b", neox_tok, 0)
    return out


@torch.no_grad()
def reference_losses(model, seq, positions, device="cpu", dtype=torch.float32):
    """Per-token nats of seq[1:] with shardscope's windows: width `positions`, stride half of it, each
    token scored in the first window where it is not among the overlap."""
    W, S = positions, positions // 2
    per = [float("nan")] * (len(seq) - 1)
    up, b = 1, 0
    m = model if device == "cpu" and dtype == torch.float32 else copy.deepcopy(model).to(device=device, dtype=dtype)
    while True:
        e = min(b + W, len(seq))
        ids = torch.tensor([seq[b:e]], device=device)
        logits = m(input_ids=ids).logits[0].float()
        nll = torch.nn.functional.cross_entropy(logits[:-1], ids[0, 1:], reduction="none").cpu()
        for g in range(max(up, b + 1), e):
            per[g - 1] = float(nll[g - b - 1])
        up = e
        if e >= len(seq):
            break
        b += S
    return per


def run(cmd, **kw):
    # Token bytes can be part of a UTF-8 sequence: decoded leniently, only ids and losses are read.
    return subprocess.run(cmd, check=True, capture_output=True, encoding="utf-8", errors="replace", **kw).stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("cli")
    ap.add_argument("texts")
    ap.add_argument("builtin")
    ap.add_argument("tokdir")
    ap.add_argument("work")
    ap.add_argument("--device", default="")
    ap.add_argument("--tol", type=float, default=2e-4)
    ap.add_argument("--token-texts", type=int, default=12, help="texts compared token by token (lm-tokens)")
    a = ap.parse_args()
    os.makedirs(a.work, exist_ok=True)
    torch.manual_seed(0)
    texts = [json.loads(l)["text"] for l in open(a.texts, encoding="utf-8") if l.strip()]
    print(f"torch {torch.__version__}, transformers {transformers.__version__}; {len(texts)} texts, "
          f"{sum(len(t.encode()) for t in texts):,} bytes")
    failures = 0
    for name, d, model, encode, bos in make_models(a.work, a.tokdir, a.builtin):
        positions = model.config.max_position_embeddings if hasattr(model.config, "max_position_embeddings") \
            else model.config.n_positions
        t0 = time.time()
        seqs = [[bos] + encode(t) for t in texts]
        ref = [reference_losses(model, s, positions) for s in seqs]
        ref_mean = [sum(r) / len(r) for r in ref]

        # Token ids and per-token losses, one text at a time.
        id_diff, tok_diff, ntok = 0, 0.0, 0
        for i in range(min(a.token_texts, len(texts))):
            try:
                rows = [l.split("\t", 2) for l in run([a.cli, "lm-tokens", "--ids", "--model", d, "--device", "cpu", "-"],
                                                      input=texts[i]).split("\n") if l]
            except subprocess.CalledProcessError as e:
                print(f"    text {i}: lm-tokens failed: {e.stderr.strip()}")
                id_diff += 1
                continue
            ours = [int(r[0]) for r in rows]
            if ours != seqs[i][1:]:
                id_diff += 1
                k = next((j for j, (x, y) in enumerate(zip(ours, seqs[i][1:])) if x != y), min(len(ours), len(seqs[i]) - 1))
                print(f"    text {i}: ids differ at token {k}: ours {ours[k:k + 5]} transformers {seqs[i][1 + k:6 + k]} "
                      f"(lengths {len(ours)} / {len(seqs[i]) - 1})")
                continue
            for r, x in zip(rows, ref[i]):
                tok_diff = max(tok_diff, abs(float(r[1]) - x))
            ntok += len(rows)

        # Document means through the scan, on the CPU and the GPU.
        shard = os.path.join(a.work, "texts.jsonl")
        with open(shard, "w", encoding="utf-8") as f:
            for i, t in enumerate(texts):
                f.write(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n")
        line = f"{name}: tokens ids equal on {min(a.token_texts, len(texts)) - id_diff}/{min(a.token_texts, len(texts))} texts"
        line += f", per-token |diff| <= {tok_diff:.2e} over {ntok} tokens"
        for dev in ["cpu"] + ([a.device] if a.device else []):
            tsv = os.path.join(a.work, "out.tsv")
            try:
                run([a.cli, "score", "--scorers", "lm_loss", "--model", d, "--device", dev, "--no-cache", "-q", "--tsv",
                     tsv, shard])
            except subprocess.CalledProcessError as e:
                line += f"; score on {dev} failed: {e.stderr.strip()}"
                failures += 1
                continue
            rows = open(tsv).read().splitlines()
            col = rows[0].split("\t").index("lm_loss")
            ours = [float(r.split("\t")[col]) for r in rows[1:]]
            diff = max(abs(x - y) for x, y in zip(ours, ref_mean))
            line += f"; mean loss on {dev}: max |diff| {diff:.2e}"
            if dev == "cpu" and diff > a.tol:
                failures += 1
            if dev != "cpu":
                hb = [sum(r) / len(r) for r in (reference_losses(model, s, positions, dev, torch.bfloat16) for s in seqs)]
                line += f" (transformers bf16 vs its fp32: {max(abs(x - y) for x, y in zip(hb, ref_mean)):.2e})"
        if id_diff or tok_diff > a.tol:
            failures += 1
        print(line + f" [{time.time() - t0:.1f} s]", flush=True)
    print("RESULT:", "PASS" if failures == 0 else f"FAIL ({failures})")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
