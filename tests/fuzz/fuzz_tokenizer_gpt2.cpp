// Fuzz target (issue 18): GPT-2's vocab.json + merges.txt loader (BpeTokenizer::fromGpt2Files). The input
// is both files, split at the first NUL byte (vocab.json before it, merges.txt after; no NUL: an empty
// merges file). TokenizerError is the documented refusal; a tokenizer that loads must encode and decode.

#include "fuzzutil.h"
#include "tokenizerchecks.h"

using namespace shardscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static fuzz::MemFile vocab("fuzz_vocab_json"), merges("fuzz_merges_txt");
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    const size_t nul = input.find('\0');
    vocab.set(input.substr(0, nul));
    merges.set(nul == std::string_view::npos ? std::string_view() : input.substr(nul + 1));
    BpeTokenizer tok;
    try {
        tok = BpeTokenizer::fromGpt2Files(vocab.path(), merges.path());
    } catch (const TokenizerError&) {
        return 0;
    }
    fuzz::exerciseTokenizer(tok);
    return 0;
}
