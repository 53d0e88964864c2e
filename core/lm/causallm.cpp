#include "causallm.h"

#include <torch/cuda.h>
#include <torch/torch.h>
#include <torch/version.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <sstream>

namespace shardscope::lm {

namespace fs = std::filesystem;

namespace {

nlohmann::json readJson(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ModelError(path + ": cannot open the file");
    std::stringstream ss;
    ss << in.rdbuf();
    try {
        return nlohmann::json::parse(ss.str());
    } catch (const nlohmann::json::parse_error& e) {
        throw ModelError(path + ": not valid JSON (byte " + std::to_string(e.byte) + ")");
    }
}

int intField(const nlohmann::json& j, const std::string& path, std::initializer_list<const char*> names,
             std::optional<int> fallback = std::nullopt)
{
    for (const char* n : names)
        if (j.contains(n) && j[n].is_number_integer())
            return j[n].get<int>();
    if (fallback)
        return *fallback;
    throw ModelError(path + ": missing integer field \"" + std::string(*names.begin()) + "\"");
}

// A rotary-embedding setting, wherever the config's transformers version put it: inside
// "rope_parameters" (transformers 5) or "rope_scaling", or at the top level under one of `names`
// (older names such as GPT-NeoX's rotary_emb_base and rotary_pct last). Scaled RoPE variants
// (linear, dynamic, yarn, llama3...) are refused: their positions would be wrong.
double ropeNumber(const nlohmann::json& j, const std::string& path, std::initializer_list<const char*> names,
                  double fallback)
{
    for (const char* block : { "rope_parameters", "rope_scaling" }) {
        if (!j.contains(block) || j[block].is_null())
            continue;
        const auto& r = j[block];
        if (!r.is_object())
            throw ModelError(path + ": \"" + block + "\" is not an object");
        const std::string type = r.value("rope_type", r.value("type", std::string("default")));
        if (type != "default")
            throw ModelError(path + ": RoPE type '" + type + "' is not supported (only the default, unscaled RoPE)");
        for (const char* n : names)
            if (r.contains(n) && r[n].is_number())
                return r[n].get<double>();
    }
    for (const char* n : names)
        if (j.contains(n) && j[n].is_number())
            return j[n].get<double>();
    return fallback;
}

} // namespace

LmConfig LmConfig::fromJsonFile(const std::string& path)
{
    nlohmann::json j = readJson(path);
    if (!j.is_object())
        throw ModelError(path + ": not a JSON object");
    LmConfig c;
    c.modelType = j.value("model_type", std::string());
    if (c.modelType == "gpt2") {
        c.arch = Arch::Gpt2;
        c.hidden = intField(j, path, { "n_embd" });
        c.layers = intField(j, path, { "n_layer" });
        c.heads = intField(j, path, { "n_head" });
        c.kvHeads = c.heads;
        c.intermediate = intField(j, path, { "n_inner" }, 4 * c.hidden);
        c.maxPositions = intField(j, path, { "n_positions", "n_ctx" });
        c.normEps = j.value("layer_norm_epsilon", 1e-5);
        c.tieEmbeddings = j.value("tie_word_embeddings", true);
        std::string act = j.value("activation_function", std::string("gelu_new"));
        if (act != "gelu_new")
            throw ModelError(path + ": GPT-2 activation '" + act + "' is not supported (only gelu_new)");
    } else if (c.modelType == "gpt_neox") {
        c.arch = Arch::GptNeoX;
        c.hidden = intField(j, path, { "hidden_size" });
        c.layers = intField(j, path, { "num_hidden_layers" });
        c.heads = intField(j, path, { "num_attention_heads" });
        c.kvHeads = c.heads;
        c.intermediate = intField(j, path, { "intermediate_size" });
        c.maxPositions = intField(j, path, { "max_position_embeddings" });
        c.normEps = j.value("layer_norm_eps", 1e-5);
        c.rotaryPct = ropeNumber(j, path, { "partial_rotary_factor", "rotary_pct" }, 0.25);
        c.ropeTheta = ropeNumber(j, path, { "rope_theta", "rotary_emb_base" }, 10000.0);
        c.parallelResidual = j.value("use_parallel_residual", true);
        c.tieEmbeddings = j.value("tie_word_embeddings", false);
        std::string act = j.value("hidden_act", std::string("gelu"));
        if (act != "gelu")
            throw ModelError(path + ": GPT-NeoX activation '" + act + "' is not supported (only gelu)");
    } else if (c.modelType == "llama" || c.modelType == "qwen2" || c.modelType == "mistral") {
        c.arch = Arch::Llama;
        c.hidden = intField(j, path, { "hidden_size" });
        c.layers = intField(j, path, { "num_hidden_layers" });
        c.heads = intField(j, path, { "num_attention_heads" });
        c.kvHeads = intField(j, path, { "num_key_value_heads" }, c.heads);
        c.intermediate = intField(j, path, { "intermediate_size" });
        c.maxPositions = intField(j, path, { "max_position_embeddings" });
        c.normEps = j.value("rms_norm_eps", 1e-6);
        c.ropeTheta = ropeNumber(j, path, { "rope_theta" }, 10000.0);
        c.rotaryPct = ropeNumber(j, path, { "partial_rotary_factor" }, 1.0);
        c.tieEmbeddings = j.value("tie_word_embeddings", false);
        if (j.contains("head_dim") && j["head_dim"].is_number_integer() && c.heads > 0
            && j["head_dim"].get<int>() * c.heads != c.hidden)
            throw ModelError(path + ": head_dim " + std::to_string(j["head_dim"].get<int>())
                             + " other than hidden_size / num_attention_heads is not supported");
        std::string act = j.value("hidden_act", std::string("silu"));
        if (act != "silu")
            throw ModelError(path + ": activation '" + act + "' is not supported (only silu)");
    } else {
        throw ModelError(path + ": unknown architecture model_type '" + c.modelType
                         + "' (supported: gpt2, gpt_neox, llama, qwen2, mistral)");
    }
    c.vocabSize = intField(j, path, { "vocab_size" });
    if (c.hidden <= 0 || c.layers <= 0 || c.heads <= 0 || c.hidden % c.heads != 0 || c.kvHeads <= 0
        || c.heads % c.kvHeads != 0 || c.vocabSize <= 0 || c.maxPositions <= 1)
        throw ModelError(path + ": inconsistent sizes (hidden must divide by heads, heads by kv heads)");
    c.byteTokenizer = j.value("shardscope_tokenizer", std::string()) == "bytes";
    if (j.contains("bos_token_id") && j["bos_token_id"].is_number_integer())
        c.bosId = j["bos_token_id"].get<int>();
    return c;
}

std::string LmConfig::toJson() const
{
    nlohmann::json j = {
        { "model_type", "gpt2" },          { "architectures", { "GPT2LMHeadModel" } },
        { "vocab_size", vocabSize },       { "n_embd", hidden },
        { "n_layer", layers },             { "n_head", heads },
        { "n_inner", intermediate },       { "n_positions", maxPositions },
        { "n_ctx", maxPositions },         { "layer_norm_epsilon", normEps },
        { "activation_function", "gelu_new" }, { "tie_word_embeddings", true },
        { "bos_token_id", bosId },         { "eos_token_id", bosId },
    };
    if (byteTokenizer)
        j["shardscope_tokenizer"] = "bytes";
    return j.dump(2) + "\n";
}

int64_t LmConfig::parameterCount() const
{
    int64_t c = hidden, per = 4 * c * c + 4 * c + 2 * c * intermediate + intermediate + c + 4 * c;
    return int64_t(vocabSize) * c + int64_t(maxPositions) * c + layers * per + 2 * c;
}

std::shared_ptr<CausalLm> CausalLm::init(const LmConfig& config, uint64_t seed, const std::string& device)
{
    if (config.arch != LmConfig::Arch::Gpt2)
        throw ModelError("training is implemented for the GPT-2 architecture only");
    torch::manual_seed(seed);
    auto m = std::make_shared<CausalLm>();
    m->m_config = config;
    try {
        m->m_device = torch::Device(resolveTorchDevice(device));
    } catch (const std::exception&) {
        throw ModelError("device '" + device + "': expected auto, cpu, cuda or cuda:N");
    }
    if (m->m_device.is_cuda() && !torch::cuda::is_available())
        throw ModelError("device '" + device + "': this libtorch has no CUDA, or no GPU is visible");
    const int64_t C = config.hidden, F = config.intermediate;
    const double projStd = 0.02 / std::sqrt(2.0 * config.layers);
    auto& w = m->m_w;
    w["wte.weight"] = torch::randn({ config.vocabSize, C }) * 0.02;
    w["wpe.weight"] = torch::randn({ config.maxPositions, C }) * 0.01;
    for (int i = 0; i < config.layers; ++i) {
        std::string p = "h." + std::to_string(i) + ".";
        w[p + "ln_1.weight"] = torch::ones({ C });
        w[p + "ln_1.bias"] = torch::zeros({ C });
        w[p + "attn.c_attn.weight"] = torch::randn({ C, 3 * C }) * 0.02;
        w[p + "attn.c_attn.bias"] = torch::zeros({ 3 * C });
        w[p + "attn.c_proj.weight"] = torch::randn({ C, C }) * projStd;
        w[p + "attn.c_proj.bias"] = torch::zeros({ C });
        w[p + "ln_2.weight"] = torch::ones({ C });
        w[p + "ln_2.bias"] = torch::zeros({ C });
        w[p + "mlp.c_fc.weight"] = torch::randn({ C, F }) * 0.02;
        w[p + "mlp.c_fc.bias"] = torch::zeros({ F });
        w[p + "mlp.c_proj.weight"] = torch::randn({ F, C }) * projStd;
        w[p + "mlp.c_proj.bias"] = torch::zeros({ C });
    }
    w["ln_f.weight"] = torch::ones({ C });
    w["ln_f.bias"] = torch::zeros({ C });
    // Drawn on the CPU (the same weights for a seed on every device), then moved; float32 for training.
    for (auto& [n, t] : w)
        t = t.to(m->m_device);
    return m;
}

std::shared_ptr<CausalLm> CausalLm::load(const std::string& dir, const std::string& deviceName)
{
    if (!fs::is_directory(dir))
        throw ModelError(dir + ": not a model directory (expected config.json, model.safetensors and a tokenizer)");
    for (const char* f : { "config.json", "model.safetensors" })
        if (!fs::exists(fs::path(dir) / f))
            throw ModelError((fs::path(dir) / f).string() + ": missing (a model directory needs config.json, "
                                                            "model.safetensors and a tokenizer)");
    auto m = std::make_shared<CausalLm>();
    m->m_dir = dir;
    const std::string cfgPath = (fs::path(dir) / "config.json").string();
    m->m_config = LmConfig::fromJsonFile(cfgPath);
    const LmConfig& c = m->m_config;

    try {
        // "auto": the first GPU when one is visible, else the CPU.
        m->m_device = torch::Device(resolveTorchDevice(deviceName));
    } catch (const std::exception&) {
        throw ModelError("device '" + deviceName + "': expected auto, cpu, cuda or cuda:N");
    }
    if (m->m_device.is_cuda() && !torch::cuda::is_available())
        throw ModelError("device '" + deviceName + "': this libtorch has no CUDA, or no GPU is visible");

    if (!c.byteTokenizer) {
        try {
            m->m_tokenizer = BpeTokenizer::fromDirectory(dir);
        } catch (const TokenizerError& e) {
            throw ModelError(e.what());
        }
        if (m->m_tokenizer->vocabSize() > c.vocabSize)
            throw ModelError(dir + ": the tokenizer (" + m->m_tokenizer->source() + ") has "
                             + std::to_string(m->m_tokenizer->vocabSize()) + " tokens but the model's vocab_size is "
                             + std::to_string(c.vocabSize) + ": tokenizer and model do not fit");
        if (c.bosId < 0) {
            int b = m->m_tokenizer->bosId() >= 0 ? m->m_tokenizer->bosId() : m->m_tokenizer->eosId();
            m->m_config.bosId = b;
        }
    } else if (c.vocabSize < 256) {
        throw ModelError(cfgPath + ": a byte-level model needs vocab_size >= 256");
    }

    const std::string wPath = (fs::path(dir) / "model.safetensors").string();
    SafetensorsFile st = loadSafetensors(wPath);
    const auto dtype = m->m_device.is_cuda() ? torch::kBFloat16 : torch::kFloat32;
    for (auto& [name0, t] : st.tensors) {
        std::string name = name0;
        if (c.arch == LmConfig::Arch::Gpt2 && name.rfind("transformer.", 0) == 0)
            name = name.substr(12);
        if (name.size() > 9 && (name.ends_with(".attn.bias") || name.ends_with(".attn.masked_bias")))
            continue; // GPT-2's causal-mask buffers
        if (name.ends_with("rotary_emb.inv_freq") || name.ends_with(".attention.bias")
            || name.ends_with(".attention.masked_bias"))
            continue;
        m->m_w[name] = t.to(m->m_device, dtype);
    }

    // Check every tensor the forward pass needs, with its shape, so a mismatch is an error here and
    // not a crash in the middle of a scan.
    auto need = [&](const std::string& n, std::vector<int64_t> shape) {
        auto it = m->m_w.find(n);
        if (it == m->m_w.end())
            throw ModelError(wPath + ": tensor '" + n + "' missing for a " + c.modelType + " model");
        if (it->second.sizes().vec() != shape) {
            std::ostringstream s;
            s << wPath << ": tensor '" << n << "' has shape " << it->second.sizes() << ", config.json implies "
              << torch::IntArrayRef(shape);
            throw ModelError(s.str());
        }
    };
    const int64_t C = c.hidden, F = c.intermediate, V = c.vocabSize, D = C / c.heads, KV = c.kvHeads * D;
    if (c.arch == LmConfig::Arch::Gpt2) {
        need("wte.weight", { V, C });
        need("wpe.weight", { c.maxPositions, C });
        for (int i = 0; i < c.layers; ++i) {
            std::string p = "h." + std::to_string(i) + ".";
            need(p + "ln_1.weight", { C });
            need(p + "attn.c_attn.weight", { C, 3 * C });
            need(p + "attn.c_attn.bias", { 3 * C });
            need(p + "attn.c_proj.weight", { C, C });
            need(p + "mlp.c_fc.weight", { C, F });
            need(p + "mlp.c_proj.weight", { F, C });
        }
        need("ln_f.weight", { C });
    } else if (c.arch == LmConfig::Arch::GptNeoX) {
        need("gpt_neox.embed_in.weight", { V, C });
        for (int i = 0; i < c.layers; ++i) {
            std::string p = "gpt_neox.layers." + std::to_string(i) + ".";
            need(p + "attention.query_key_value.weight", { 3 * C, C });
            need(p + "attention.dense.weight", { C, C });
            need(p + "mlp.dense_h_to_4h.weight", { F, C });
            need(p + "mlp.dense_4h_to_h.weight", { C, F });
        }
        need("gpt_neox.final_layer_norm.weight", { C });
        need(c.tieEmbeddings ? "gpt_neox.embed_in.weight" : "embed_out.weight", { V, C });
    } else {
        need("model.embed_tokens.weight", { V, C });
        for (int i = 0; i < c.layers; ++i) {
            std::string p = "model.layers." + std::to_string(i) + ".";
            need(p + "self_attn.q_proj.weight", { C, C });
            need(p + "self_attn.k_proj.weight", { KV, C });
            need(p + "self_attn.v_proj.weight", { KV, C });
            need(p + "self_attn.o_proj.weight", { C, C });
            need(p + "mlp.gate_proj.weight", { F, C });
            need(p + "mlp.up_proj.weight", { F, C });
            need(p + "mlp.down_proj.weight", { C, F });
        }
        need("model.norm.weight", { C });
        if (!c.tieEmbeddings)
            need("lm_head.weight", { V, C });
    }
    if (c.arch != LmConfig::Arch::Gpt2) {
        const int64_t rot = std::clamp<int64_t>(int64_t(double(D) * c.rotaryPct), 2, D); // Hugging Face's int(head_dim * factor)
        m->m_invFreq = 1.0 / torch::pow(c.ropeTheta, torch::arange(0, rot, 2, torch::kFloat64) / double(rot));
        m->m_invFreq = m->m_invFreq.to(torch::kFloat32).to(m->m_device);
    }
    return m;
}

std::vector<int32_t> CausalLm::encode(std::string_view text) const
{
    if (m_config.byteTokenizer) {
        std::vector<int32_t> ids(text.size());
        for (size_t i = 0; i < text.size(); ++i)
            ids[i] = static_cast<unsigned char>(text[i]);
        return ids;
    }
    return m_tokenizer->encode(text);
}

std::string CausalLm::tokenText(int32_t id) const
{
    if (m_config.byteTokenizer)
        return id >= 0 && id < 256 ? std::string(1, char(id)) : std::string();
    return m_tokenizer->tokenBytes(id);
}

torch::Tensor CausalLm::w(const std::string& name) const
{
    auto it = m_w.find(name);
    if (it == m_w.end())
        throw ModelError(m_dir + ": tensor '" + name + "' missing");
    return it->second;
}

torch::Tensor CausalLm::layerNorm(const torch::Tensor& x, const std::string& p) const
{
    auto b = m_w.find(p + ".bias");
    return torch::layer_norm(x, { x.size(-1) }, w(p + ".weight"), b == m_w.end() ? torch::Tensor() : b->second,
                             m_config.normEps);
}

torch::Tensor CausalLm::rmsNorm(const torch::Tensor& x, const std::string& p) const
{
    auto xf = x.to(torch::kFloat32);
    auto y = xf * torch::rsqrt(xf.pow(2).mean(-1, true) + m_config.normEps);
    return w(p + ".weight") * y.to(x.scalar_type());
}

torch::Tensor CausalLm::attention(const torch::Tensor& q, const torch::Tensor& k, const torch::Tensor& v) const
{
    // q [B, H, T, D]; k, v [B, H, T, D] (kv heads already repeated). Causal softmax attention.
#if TORCH_VERSION_MAJOR >= 2 && !defined(SHARDSCOPE_NO_SDPA)
    // PyTorch 2's fused kernel (flash or memory-efficient attention on a GPU): the same maths
    // without the T x T score matrix in memory. Debian's libtorch 1.13 takes the path below.
    return at::scaled_dot_product_attention(q, k, v, {}, 0.0, /*is_causal=*/true);
#else
    const int64_t T = q.size(2), D = q.size(3);
    auto att = torch::matmul(q, k.transpose(-2, -1)) * (1.0 / std::sqrt(double(D)));
    auto mask = torch::ones({ T, T }, torch::TensorOptions().dtype(torch::kBool).device(q.device())).triu(1);
    att = att.masked_fill(mask, -std::numeric_limits<float>::infinity());
    att = torch::softmax(att.to(torch::kFloat32), -1).to(q.scalar_type());
    return torch::matmul(att, v);
#endif
}

torch::Tensor CausalLm::rotary(const torch::Tensor& x, int64_t T) const
{
    // Hugging Face's rotate_half convention, on the first `rot` dims of each head (GPT-NeoX: rotary_pct).
    const int64_t rot = m_invFreq.size(0) * 2;
    auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kFloat32).device(x.device()));
    auto freqs = torch::outer(pos, m_invFreq);
    auto emb = torch::cat({ freqs, freqs }, -1);
    auto cos = emb.cos().to(x.scalar_type()), sin = emb.sin().to(x.scalar_type());
    auto xr = x.narrow(-1, 0, rot);
    auto x1 = xr.narrow(-1, 0, rot / 2), x2 = xr.narrow(-1, rot / 2, rot / 2);
    auto rotated = torch::cat({ -x2, x1 }, -1);
    auto out = xr * cos + rotated * sin;
    if (rot == x.size(-1))
        return out;
    return torch::cat({ out, x.narrow(-1, rot, x.size(-1) - rot) }, -1);
}

torch::Tensor CausalLm::lmHead() const
{
    switch (m_config.arch) {
    case LmConfig::Arch::Gpt2:
        return m_config.tieEmbeddings || !m_w.count("lm_head.weight") ? w("wte.weight") : w("lm_head.weight");
    case LmConfig::Arch::GptNeoX:
        return m_config.tieEmbeddings ? w("gpt_neox.embed_in.weight") : w("embed_out.weight");
    case LmConfig::Arch::Llama:
        return m_config.tieEmbeddings ? w("model.embed_tokens.weight") : w("lm_head.weight");
    }
    return {};
}

torch::Tensor CausalLm::hidden(const torch::Tensor& ids) const
{
    const LmConfig& c = m_config;
    const int64_t B = ids.size(0), T = ids.size(1), C = c.hidden, H = c.heads, D = C / H, KVH = c.kvHeads;
    if (T > c.maxPositions)
        throw ModelError("sequence of " + std::to_string(T) + " tokens exceeds the model's "
                         + std::to_string(c.maxPositions) + " positions");
    auto heads = [&](const torch::Tensor& x, int64_t nh) { return x.view({ B, T, nh, D }).transpose(1, 2); };
    auto merge = [&](const torch::Tensor& x) { return x.transpose(1, 2).reshape({ B, T, C }); };

    if (c.arch == LmConfig::Arch::Gpt2) {
        auto pos = torch::arange(T, torch::TensorOptions().dtype(torch::kLong).device(ids.device()));
        auto h = torch::embedding(w("wte.weight"), ids) + torch::embedding(w("wpe.weight"), pos);
        for (int i = 0; i < c.layers; ++i) {
            const std::string p = "h." + std::to_string(i) + ".";
            auto a = layerNorm(h, p + "ln_1");
            auto qkv = torch::addmm(w(p + "attn.c_attn.bias"), a.view({ B * T, C }), w(p + "attn.c_attn.weight"));
            auto parts = qkv.view({ B, T, 3 * C }).split(C, -1);
            auto o = merge(attention(heads(parts[0], H), heads(parts[1], H), heads(parts[2], H)));
            h = h + torch::addmm(w(p + "attn.c_proj.bias"), o.view({ B * T, C }), w(p + "attn.c_proj.weight")).view({ B, T, C });
            auto m = layerNorm(h, p + "ln_2");
            auto f = torch::addmm(w(p + "mlp.c_fc.bias"), m.view({ B * T, C }), w(p + "mlp.c_fc.weight"));
            f = torch::gelu(f, "tanh");
            h = h + torch::addmm(w(p + "mlp.c_proj.bias"), f, w(p + "mlp.c_proj.weight")).view({ B, T, C });
        }
        return layerNorm(h, "ln_f");
    }
    auto linear = [&](const torch::Tensor& x, const std::string& n) {
        auto b = m_w.find(n + ".bias");
        return torch::linear(x, w(n + ".weight"), b == m_w.end() ? torch::Tensor() : b->second);
    };
    if (c.arch == LmConfig::Arch::GptNeoX) {
        auto h = torch::embedding(w("gpt_neox.embed_in.weight"), ids);
        for (int i = 0; i < c.layers; ++i) {
            const std::string p = "gpt_neox.layers." + std::to_string(i) + ".";
            auto a = layerNorm(h, p + "input_layernorm");
            auto qkv = linear(a, p + "attention.query_key_value").view({ B, T, H, 3 * D }).transpose(1, 2);
            auto q = rotary(qkv.narrow(-1, 0, D), T), k = rotary(qkv.narrow(-1, D, D), T);
            auto v = qkv.narrow(-1, 2 * D, D);
            auto attn = linear(merge(attention(q, k, v)), p + "attention.dense");
            if (c.parallelResidual) {
                auto mm = linear(torch::gelu(linear(layerNorm(h, p + "post_attention_layernorm"), p + "mlp.dense_h_to_4h")),
                                 p + "mlp.dense_4h_to_h");
                h = h + attn + mm;
            } else {
                h = h + attn;
                h = h + linear(torch::gelu(linear(layerNorm(h, p + "post_attention_layernorm"), p + "mlp.dense_h_to_4h")),
                               p + "mlp.dense_4h_to_h");
            }
        }
        return layerNorm(h, "gpt_neox.final_layer_norm");
    }
    auto h = torch::embedding(w("model.embed_tokens.weight"), ids);
    for (int i = 0; i < c.layers; ++i) {
        const std::string p = "model.layers." + std::to_string(i) + ".";
        auto a = rmsNorm(h, p + "input_layernorm");
        auto q = rotary(heads(linear(a, p + "self_attn.q_proj"), H), T);
        auto k = rotary(heads(linear(a, p + "self_attn.k_proj"), KVH), T);
        auto v = heads(linear(a, p + "self_attn.v_proj"), KVH);
        if (KVH != H) {
            k = k.repeat_interleave(H / KVH, 1);
            v = v.repeat_interleave(H / KVH, 1);
        }
        h = h + linear(merge(attention(q, k, v)), p + "self_attn.o_proj");
        auto m = rmsNorm(h, p + "post_attention_layernorm");
        h = h + linear(torch::silu(linear(m, p + "mlp.gate_proj")) * linear(m, p + "mlp.up_proj"), p + "mlp.down_proj");
    }
    return rmsNorm(h, "model.norm");
}

torch::Tensor CausalLm::logits(const torch::Tensor& ids) const
{
    return torch::matmul(hidden(ids), lmHead().t()).to(torch::kFloat32);
}

torch::Tensor CausalLm::nll(const torch::Tensor& h, const torch::Tensor& targets) const
{
    const int64_t C = h.size(-1);
    auto flat = h.reshape({ -1, C });
    auto tg = targets.reshape({ -1 });
    auto W = lmHead();
    // Logits are made a slice of rows at a time: 4M floats (16 MB) per slice on the CPU, 128M on a
    // GPU, where small slices would leave it idle.
    const int64_t budget = h.is_cuda() ? (int64_t(1) << 27) : (int64_t(1) << 22);
    const int64_t rows = std::max<int64_t>(64, budget / W.size(0));
    std::vector<torch::Tensor> parts;
    for (int64_t s = 0; s < flat.size(0); s += rows) {
        int64_t n = std::min(rows, flat.size(0) - s);
        auto lg = torch::matmul(flat.narrow(0, s, n), W.t()).to(torch::kFloat32);
        auto t = tg.narrow(0, s, n).unsqueeze(1);
        parts.push_back(torch::logsumexp(lg, -1) - lg.gather(1, t).squeeze(1));
    }
    return torch::cat(parts).view(targets.sizes());
}

std::string resolveTorchDevice(const std::string& device)
{
    if (device != "auto" && !device.empty())
        return device;
    return torch::cuda::is_available() ? std::string("cuda:0") : std::string("cpu");
}

int defaultBatchTokens(const CausalLm& model)
{
    return model.device().is_cuda() ? 65536 : 4096;
}

std::vector<TextLoss> scoreTexts(const CausalLm& model, const std::vector<std::string_view>& texts,
                                 const WindowOptions& opt, bool perToken)
{
    c10::InferenceMode inferenceMode;
    const LmConfig& c = model.config();
    const int W = std::clamp(opt.window > 0 ? opt.window : c.maxPositions, 2, c.maxPositions);
    const int S = std::clamp(opt.stride > 0 ? opt.stride : W / 2, 1, W - 1);
    const int64_t batchTokens = opt.batchTokens > 0 ? opt.batchTokens : defaultBatchTokens(model);

    struct Job {
        size_t text;
        int64_t begin, len, firstScored; // window seq[begin, begin+len); targets at >= firstScored are scored
    };
    std::vector<std::vector<int32_t>> seqs(texts.size());
    std::vector<TextLoss> out(texts.size());
    std::vector<Job> jobs;
    for (size_t i = 0; i < texts.size(); ++i) {
        auto& s = seqs[i];
        if (c.bosId >= 0)
            s.push_back(c.bosId);
        auto ids = model.encode(texts[i]);
        s.insert(s.end(), ids.begin(), ids.end());
        const int64_t L = int64_t(s.size());
        if (perToken)
            out[i].perToken.assign(ids.size(), std::numeric_limits<float>::quiet_NaN());
        if (L < 2)
            continue;
        int64_t scoredUpTo = 1;
        for (int64_t b = 0;; b += S) {
            int64_t e = std::min<int64_t>(b + W, L);
            jobs.push_back({ i, b, e - b, scoredUpTo });
            scoredUpTo = e;
            if (e >= L)
                break;
        }
    }
    std::stable_sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) { return a.len < b.len; });

    const int64_t firstTokenOffset = c.bosId >= 0 ? 1 : 0; // seq index -> token index
    for (size_t j0 = 0; j0 < jobs.size();) {
        const int64_t maxLen = jobs[j0].len; // sorted ascending: grow until the longest fits the budget
        size_t j1 = j0 + 1;
        while (j1 < jobs.size() && int64_t(j1 - j0 + 1) * jobs[j1].len <= batchTokens)
            ++j1;
        const int64_t T = std::max(maxLen, jobs[j1 - 1].len);
        const int64_t B = int64_t(j1 - j0);
        if (opt.stop && opt.stop->load(std::memory_order_relaxed))
            throw Interrupted();
        auto ids = torch::zeros({ B, T }, torch::kLong);
        auto acc = ids.accessor<int64_t, 2>();
        for (int64_t r = 0; r < B; ++r) {
            const Job& jb = jobs[j0 + size_t(r)];
            const auto& s = seqs[jb.text];
            for (int64_t t = 0; t < jb.len; ++t)
                acc[r][t] = s[size_t(jb.begin + t)];
        }
        auto dev = ids.to(model.device());
        auto h = model.hidden(dev.narrow(1, 0, T - 1));
        auto loss = model.nll(h, dev.narrow(1, 1, T - 1)).to(torch::kCPU).contiguous();
        auto la = loss.accessor<float, 2>();
        for (int64_t r = 0; r < B; ++r) {
            const Job& jb = jobs[j0 + size_t(r)];
            TextLoss& tl = out[jb.text];
            for (int64_t t = 0; t + 1 < jb.len; ++t) {
                int64_t g = jb.begin + t + 1; // index of the predicted token in seq
                if (g < jb.firstScored)
                    continue;
                float v = la[r][t];
                tl.sumNats += v;
                tl.tokens += 1;
                if (perToken)
                    tl.perToken[size_t(g - firstTokenOffset)] = v;
            }
        }
        if (opt.tokensDone) {
            int64_t scored = 0;
            for (size_t j = j0; j < j1; ++j)
                scored += jobs[j].begin + jobs[j].len - std::max(jobs[j].firstScored, jobs[j].begin + 1);
            opt.tokensDone->fetch_add(uint64_t(std::max<int64_t>(scored, 0)), std::memory_order_relaxed);
        }
        j0 = j1;
    }
    return out;
}

} // namespace shardscope::lm
