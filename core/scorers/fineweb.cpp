#include "scorers/fineweb.h"

#include "scorers/ngram.h"
#include "scorers/specscorer.h"
#include "scorers/textsplit.h"
#include "scorers/unicodeclass.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#include <algorithm>

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
        m_seen.reset(text.size() / 32 + 8);
        forEachSplit(text, '\n', [&](std::string_view line) {
            ++lines;
            if (!line.empty()) {
                const char last = line.back();
                punct += last == '.' || last == '\'' || last == '"' || last == '!' || last == '?';
            }
            const size_t len = uc::codePointCount(line);
            chars += len;
            shortLines += len <= 30;
            if (!uc::pyStrip(line).empty() && !m_seen.insert(XXH3_64bits(line.data(), line.size())))
                dupChars += len;
        });
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
