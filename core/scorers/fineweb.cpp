#include "scorers/fineweb.h"

#include "scorers/ngram.h"
#include "scorers/specscorer.h"
#include "scorers/textsplit.h"
#include "scorers/unicodeclass.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>
#include <array>

namespace shardscope {
namespace {

const ColumnSpec kFineWebColumns[] = {
    {"fineweb_line_punct_frac",
     "lines of text.split('\\n') ending (no strip) with . ' \" ! or ? / lines; empty text 0; datatrove "
     "FineWebQualityFilter (FineWeb: drop if <= 0.12)"},
    {"fineweb_short_line_frac",
     "lines of text.split('\\n') of at most 30 code points / lines; empty text 1; datatrove dialect "
     "(FineWeb: drop if >= 0.67)"},
    {"fineweb_dup_line_char_frac",
     "code points of non-blank lines equal to an earlier non-blank line (first occurrence not counted) / code "
     "points other than '\\n'; kMissing if there are none; datatrove dialect (FineWeb: drop if >= 0.01)"},
    {"fineweb_newline_word_ratio",
     "text.count('\\n') / SpacyLike tokens (spaCy in datatrove); kMissing without tokens; datatrove dialect "
     "(FineWeb: drop if > 0.3)"},
};

class FineWebWorker final : public ScorerWorker {
public:
    void score(std::string_view text, float* out) override
    {
        size_t lines = 0, punct = 0, shortLines = 0, newlines = 0, dupChars = 0, chars = 0;
        auto line = [&](std::string_view l, size_t len) {
            ++lines;
            // one table lookup of the last byte (a chain of compares mispredicts on text)
            static constexpr auto kTerminal = [] {
                std::array<uint8_t, 256> t{};
                for (const unsigned char ch : {'.', '\'', '"', '!', '?'})
                    t[ch] = 1;
                return t;
            }();
            punct += l.empty() ? 0 : kTerminal[static_cast<unsigned char>(l.back())];
            chars += len;
            shortLines += len <= 30;
        };
        if (text.size() <= kMaxTokenisedText) {
            // the pieces of split('\n') with their hashes' first occurrences, shared with the other scorers; a
            // non-blank line equal to an earlier line is equal to an earlier non-blank line
            const std::vector<SplitLine>& pieces = newlinePieces(text);
            for (size_t k = 0; k < pieces.size(); ++k) {
                const SplitLine& p = pieces[k];
                const std::string_view l = text.substr(p.offset, p.bytes);
                line(l, p.chars);
                if (p.first != k && !uc::pyStrip(l).empty())
                    dupChars += p.chars;
            }
        } else {
            m_seen.reset(text.size() / 32 + 8);
            forEachSplit(text, '\n', [&](std::string_view l) {
                const size_t len = uc::codePointCount(l);
                line(l, len);
                if (!uc::pyStrip(l).empty() && !m_seen.insert(XXH3_64bits(l.data(), l.size())))
                    dupChars += len;
            });
        }
        newlines = lines - 1;
        out[0] = float(double(punct) / double(lines));
        out[1] = float(double(shortLines) / double(lines));
        out[2] = chars > 0 ? float(double(dupChars) / double(chars)) : kMissing;
        if (text.size() > kMaxTokenisedText) {
            out[3] = kMissing;
            return;
        }
        const size_t words = spacyLikeTokens(text).size();
        out[3] = words > 0 ? float(double(newlines) / double(words)) : kMissing;
    }

private:
    CountTable m_seen;
};

} // namespace

std::unique_ptr<Scorer> makeFineWebScorer()
{
    return makeSpecScorer<FineWebWorker>(
        "fineweb", "FineWeb quality statistics (line punctuation, short lines, duplicate lines, list ratio)",
        kFineWebColumns);
}

} // namespace shardscope
