// Fuzz target (issue 18): the Hugging Face tokenizer.json loader (BpeTokenizer::fromHfJson). It documents
// TokenizerError for a file it cannot use. A tokenizer it loads must encode and decode text (valid UTF-8,
// and invalid UTF-8, which the header promises to tokenize byte by byte) with every id it returns inside
// the vocabulary.

#include "fuzzutil.h"
#include "tokenizerchecks.h"

using namespace shardscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static fuzz::MemFile file("fuzz_tokenizer_json");
    const std::string& path = file.set(std::string_view(reinterpret_cast<const char*>(data), size));
    BpeTokenizer tok;
    try {
        tok = BpeTokenizer::fromHfJson(path);
    } catch (const TokenizerError&) {
        return 0;
    }
    fuzz::exerciseTokenizer(tok);
    return 0;
}
