#pragma once
// Gopher quality and repetition statistics (Rae et al. 2021, "Scaling Language Models", appendix A1),
// as raw values, in two dialects.
//
// Conventions: "len" is Python len(), i.e. Unicode code points. "tokens" are SpacyLike tokens (textsplit.h),
// our substitute for the spaCy English tokenizer that datatrove uses; "words" in the Dolma dialect are
// Python str.split() pieces. "lines" are as each reference splits them, stated per column. Thresholds in
// parentheses are the Gopher paper's (and the reference filters' defaults).
//
// ---- gopher_quality: datatrove's GopherQualityFilter (pipeline/filters/gopher_quality_filter.py) ----
// words = SpacyLike tokens of the text; sym = the tokens made only of datatrove PUNCTUATION_SET characters;
// nonsym = words - sym.
//   gopher_word_count         = |nonsym|. Empty text: 0. (Gopher: keep 50..100000)
//   gopher_mean_word_length   = mean len(w) over nonsym. kMissing when nonsym is empty. (keep 3..10)
//   gopher_hash_word_ratio    = text.count("#") / |words|. kMissing when there are no tokens. (keep <= 0.1)
//   gopher_ellipsis_word_ratio= (text.count("...") + text.count("\u2026")) / |words|, count() being Python's
//                               non-overlapping count. kMissing when there are no tokens. (keep <= 0.1)
//   gopher_bullet_line_frac   = lines l of text.splitlines() with l.lstrip() starting with "\u2022" or "-",
//                               / number of lines. kMissing for text without lines (empty). (keep <= 0.9)
//   gopher_ellipsis_line_frac = lines with l.rstrip() ending in "..." or "\u2026" / number of lines.
//                               kMissing for text without lines. (keep <= 0.3)
//   gopher_alpha_word_frac    = tokens containing a str.isalpha() code point / |words| (all tokens, as
//                               datatrove divides by len(words)). kMissing when no tokens. (keep >= 0.8)
//   gopher_stop_word_count    = tokens equal (case-sensitive) to one of the, be, to, of, and, that, have,
//                               with. (keep >= 2)
// Deviation: only the tokenizer (see textsplit.h); the statistics are computed even where datatrove would
// have stopped at an earlier failing rule.
//
// ---- gopher_repetition: datatrove's GopherRepetitionFilter (gopher_repetition_filter.py) ----
// Fractions are over len(text) (all code points). find_duplicates(xs): walking xs in order, an element
// already seen counts as a duplicate (the first occurrence does not) and adds its len.
//   gopher_dup_para_frac       = duplicates / number of paragraphs, paragraphs = re.split(r"\n{2,}",
//                                text.strip()). Empty text: 0 (one empty paragraph). (Gopher: drop > 0.30)
//   gopher_dup_para_char_frac  = duplicate paragraphs' len / len(text). kMissing for empty text. (> 0.20)
//   gopher_dup_line_frac       = duplicates / number of lines, lines = re.split("\n+", text) (so a leading
//                                or trailing newline gives an empty line). Empty text: 0. (> 0.30)
//   gopher_dup_line_char_frac  = duplicate lines' len / len(text). kMissing for empty text. (> 0.20)
//   gopher_top_{2,3,4}gram_char_frac = count * len(g) / len(text) for the most frequent n-gram g of tokens,
//                                g = " ".join(n tokens) (so len includes n-1 spaces); on equal counts the
//                                n-gram seen first wins (Counter.most_common). kMissing when there are fewer
//                                than n tokens or the text is empty. (drop > 0.20, 0.18, 0.16) Can exceed 1:
//                                the joining spaces need not be in the text ("(null)" -> "( null )").
//   gopher_dup_{5..10}gram_char_frac = find_all_duplicate(tokens, n) / len(text): scanning start positions
//                                i = 0, 1, ..., an n-gram already seen adds the len of its concatenated
//                                tokens (no spaces) and jumps to i + n, otherwise it is remembered and i
//                                advances by 1. 0 when there are fewer than n tokens; kMissing for empty
//                                text. (drop > 0.15, 0.14, 0.13, 0.12, 0.11, 0.10)
// Deviations: the tokenizer; datatrove compares n-grams for find_all_duplicate as "".join(tokens), so two
// n-grams whose concatenations match with different token boundaries (["ab","c"] vs ["a","bc"], or
// [".", ".", "."] vs ["..."]) are equal there and not here. Comparing token sequences is what lets the
// n-gram levels share work (ngram.h); exact concatenation semantics would need a full hash-table pass per
// n. Measured against the exact Python definition on 2,818 bench documents (every 4th of bench-0003 and
// bench-0007): 7 documents differ in some dup_{n}gram column, by at most 0.0073 absolute. Equality is by
// 64-bit hash (see ngram.h).
//
// ---- dolma_gopher: Dolma's gopher_v1 tagger (python/dolma/taggers/gopher.py, get_attributes) ----
// words = text.split(); chars = sum of len(w) over words (not len(text)); lines = text.split("\n").
// Dolma returns all zeros for empty text, and emits no n-gram attribute when there are fewer than n words:
// we give 0 and kMissing respectively.
//   gopher_dolma_word_count          = |words|. (Gopher: keep 50..100000)
//   gopher_dolma_median_word_length  = statistics.median of len(w) (mean of the middle two for an even
//                                      count); 0 without words. (Gopher's rule is on the mean: 3..10)
//   gopher_dolma_symbol_word_ratio   = words containing "#" or "\u2026" / max(|words|, 1) (one per word,
//                                      "..." not counted). (keep <= 0.1)
//   gopher_dolma_alpha_word_frac     = words with a str.isalpha() code point / max(|words|, 1). (keep >= 0.8)
//   gopher_dolma_required_word_count = words equal (case-sensitive) to the, be, to, of, and, that, have, with.
//   gopher_dolma_bullet_line_frac    = lines starting (no strip) with "*" or "-" / number of lines. (<= 0.9)
//   gopher_dolma_ellipsis_line_frac  = lines ending (no strip) with "\u2026" / number of lines. (<= 0.3)
//   gopher_dolma_dup_line_frac       = sum of counts of lines occurring more than once (first occurrences
//                                      included) / number of lines. (drop > 0.30)
//   gopher_dolma_dup_line_char_frac  = sum of len(line) * count over lines occurring more than once /
//                                      max(chars, 1). (drop > 0.20) Can exceed 1: lines count their
//                                      whitespace, chars does not.
//   gopher_dolma_top_{2,3,4}gram_char_frac = count * sum(len(w) for w in g) / max(chars, 1) for the most
//                                      common word n-gram g (first seen wins ties); overlapping occurrences
//                                      count, so it can exceed 1 ("a a a"). (drop > 0.20/0.18/0.16)
//   gopher_dolma_dup_{5..10}gram_char_frac = sum over n-grams occurring more than once of count * their
//                                      words' len, / the same sum over all n-grams (all occurrences counted,
//                                      overlapping). (drop > 0.15 .. 0.10)
// Deviation: equality by 64-bit hash. (Dolma's Rust gopher_statistics differs again, e.g. it lower-cases
// the required words and skips empty lines; this reproduces the Python tagger that gopher_v1 names.)

#include "scorer.h"

#include <memory>

namespace shardscope {

std::unique_ptr<Scorer> makeGopherQualityScorer();
std::unique_ptr<Scorer> makeGopherRepetitionScorer();
std::unique_ptr<Scorer> makeDolmaGopherScorer();

} // namespace shardscope
