#pragma once
// What the tokenizer fuzz targets do with a tokenizer that loaded: encode a few texts, check the ids,
// decode, look up pieces.

#include "fuzzutil.h"

#include "lm/bpetokenizer.h"

namespace fuzz {

inline void exerciseTokenizer(const shardscope::BpeTokenizer& tok)
{
    static const std::string_view texts[] = {
        "Hello world! It's 2026, isn't it?  Spaces,\ttabs\nand newlines.",
        "caf\xC3\xA9 \xE4\xB8\xAD\xE6\x96\x87 \xF0\x9F\x98\x80 <|endoftext|> <s> </s> \xE2\x96\x81",
        "",
        "\xC3\x28 \xFF\xFE broken \xE2\x82",
    };
    const int32_t vocab = tok.vocabSize();
    for (std::string_view t : texts) {
        const std::vector<int32_t> ids = tok.encode(t);
        for (int32_t id : ids)
            check(id >= 0 && id < vocab, "encode() returned an id outside the vocabulary");
        (void)tok.decode(ids);
        (void)tok.normalize(t);
    }
    for (int32_t id : { -1, 0, 1, vocab - 1, vocab })
        (void)tok.tokenBytes(id);
    (void)tok.tokenId("the");
    (void)tok.eosId();
    (void)tok.bosId();
}

} // namespace fuzz
