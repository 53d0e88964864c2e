#pragma once
// Byte-pair-encoding tokenizers of the causal language models Shardscope scores with.
//
// Two families, both loaded from the files a model ships with:
// - Byte-level BPE (GPT-2, GPT-NeoX/Pythia, Qwen2, SmolLM): the text's UTF-8 bytes are split into
//   pre-tokens by a regular expression, each pre-token's bytes are merged by rank. Read from GPT-2's
//   `vocab.json` + `merges.txt` (OpenAI's names: `encoder.json` + `vocab.bpe`) or from a Hugging Face
//   `tokenizer.json` whose pre-tokenizer is `ByteLevel` (GPT-2 pattern) or `Split` (its own pattern)
//   followed by `ByteLevel`.
// - SentencePiece-style BPE with byte fallback (LLaMA `tokenizer.json`): spaces become U+2581, a U+2581
//   is prepended, the whole text is one word of Unicode characters, and a character missing from the
//   vocabulary becomes its UTF-8 bytes as `<0xXX>` tokens.
//
// Dialect: the GPT-2 pattern's `\s` is ECMAScript's whitespace set (it includes U+FEFF and excludes
// U+0085 and U+001C..U+001F), so ids equal the npm package `gpt-3-encoder`, the reference the tests
// check against. Python's `regex` module and Hugging Face's Rust `tokenizers` disagree with it only on
// texts holding those code points. `\p{L}`/`\p{N}` come from PCRE2's Unicode tables (PCRE2 10.42:
// Unicode 14). A `NFC` normalizer (GPT-NeoX) is not applied: texts already in NFC, which is nearly all
// web text, tokenize identically; others may differ. Added tokens from `tokenizer.json` (GPT-NeoX's runs
// of spaces, special tokens) are matched in the text first, leftmost-longest, as `tokenizers` does.
// Merges use a priority queue (rank, then position), which equals the reference's "merge every
// occurrence of the best pair, left to right" and stays O(n log n) on a megabyte-long pre-token.
//
// No torch here: the tokenizer is part of the core library whether or not libtorch is present.

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shardscope {

// A tokenizer file that cannot be used; the message names the file and what was expected.
class TokenizerError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class BpeTokenizer {
public:
    enum class Kind { ByteLevel, SentencePiece };

    BpeTokenizer();
    ~BpeTokenizer();
    BpeTokenizer(BpeTokenizer&&) noexcept;
    BpeTokenizer& operator=(BpeTokenizer&&) noexcept;

    // A model directory: `tokenizer.json`, else `vocab.json` + `merges.txt`, else `encoder.json` + `vocab.bpe`.
    static BpeTokenizer fromDirectory(const std::string& dir);
    static BpeTokenizer fromHfJson(const std::string& tokenizerJsonPath);
    static BpeTokenizer fromGpt2Files(const std::string& vocabJsonPath, const std::string& mergesPath);

    // Thread-safe (const, no shared scratch). Text is UTF-8; invalid UTF-8 is tokenized byte by byte.
    std::vector<int32_t> encode(std::string_view text) const;
    void encode(std::string_view text, std::vector<int32_t>& out) const;

    // `text` as the tokenizer's normalizer leaves it (NFC for GPT-NeoX and Qwen2; unchanged without
    // one): what decode(encode(text)) gives back.
    std::string normalize(std::string_view text) const;

    // The bytes a token stands for (byte-level: exactly; SentencePiece: U+2581 shown as a space).
    std::string tokenBytes(int32_t id) const;
    std::string decode(const std::vector<int32_t>& ids) const;

    Kind kind() const;
    // One more than the largest id (the embedding rows a model needs at least).
    int32_t vocabSize() const;
    // -1 when the tokenizer has no such token.
    int32_t tokenId(std::string_view piece) const;
    int32_t eosId() const;   // <|endoftext|> or </s>, -1 when none
    int32_t bosId() const;   // <s> for SentencePiece models, -1 when none
    const std::string& source() const; // the file(s) it was read from, for error messages

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace shardscope
