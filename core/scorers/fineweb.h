#pragma once
// FineWeb quality statistics: datatrove's FineWebQualityFilter (pipeline/filters/fineweb_quality_filter.py),
// as raw values. Thresholds in parentheses are the filter's defaults (Penedo et al. 2024, FineWeb).
// lines = text.split("\n") (so there is always at least one line); len = code points.
//   fineweb_line_punct_frac    = lines l with l.endswith((".", "'", '"', "!", "?")) (no strip) / lines.
//                                Empty text: 0. (FineWeb: drop if <= 0.12)
//   fineweb_short_line_frac    = lines with len(l) <= 30 / lines. Empty text: 1. (FineWeb: drop if >= 0.67)
//   fineweb_dup_line_char_frac = find_duplicates(lines l with l.strip() != "")'s duplicate len (first
//                                occurrence not counted) / len(text.replace("\n", "")). kMissing when that
//                                denominator is 0. (FineWeb: drop if >= 0.01)
//   fineweb_newline_word_ratio = text.count("\n") / number of SpacyLike tokens (datatrove: spaCy word_tokenize).
//                                kMissing without tokens. (FineWeb: drop if > 0.3)
// Deviation: the tokenizer of the last column (textsplit.h); line equality by 64-bit hash.

#include "scorer.h"

#include <memory>

namespace shardscope {

std::unique_ptr<Scorer> makeFineWebScorer();

} // namespace shardscope
