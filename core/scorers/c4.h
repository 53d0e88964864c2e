#pragma once
// C4 heuristics (Raffel et al. 2020, section 2.2) as raw statistics, in two dialects.
//
// ---- c4: datatrove's C4QualityFilter with its defaults (pipeline/filters/c4_filters.py) ----
// For each line of text.splitlines(): line = line.strip(); words = line.split(); then the first rule that
// applies drops the line, in datatrove's order:
//   1. too_long_word: some word longer than 1000 code points;
//   2. (the line has citations removed: re.sub(r"\[\d*]|\[edit]|\[citation needed]", "", line))
//      no_terminal_punct: it does not end with . ? ! " ' or it ends with "...";
//   3. too_few_words: fewer than 3 words (counted before citation removal);
//   4. (document rule) "lorem ipsum" in line.lower() -> c4_lorem_ipsum = 1;
//   5. javascript: "javascript" in line.lower();
//   6. (document rule) "{" in line -> c4_curly_bracket = 1;
//   7. policy: line.lower() contains "terms of use", "privacy policy", "cookie policy", "uses cookies",
//      "use of cookies" or "use cookies";
//   otherwise the line is kept and adds its sentence count.
// datatrove stops at the first document rule; we go on as if that rule were disabled, so the line
// statistics describe all lines, and datatrove keeps a document exactly when c4_lorem_ipsum == 0,
// c4_curly_bracket == 0 and c4_sentence_count >= 5.
//   c4_line_count                  = number of lines (0 for empty text).
//   c4_dropped_line_frac           = lines not kept / lines. kMissing without lines.
//   c4_too_long_word_line_frac, c4_no_terminal_punct_line_frac, c4_too_few_words_line_frac,
//   c4_javascript_line_frac, c4_policy_line_frac = lines dropped by that rule / lines. kMissing without lines.
//   c4_lorem_ipsum, c4_curly_bracket = 1 or 0 as above (C4: drop the page if 1).
//   c4_sentence_count              = sum over kept lines of their sentence count (C4: keep >= 5).
// Sentence count deviation: datatrove counts the sentences of spaCy's sentencizer over spaCy tokens; we run
// the sentencizer's rule over SpacyLike tokens (textsplit.h): a sentence ends after a token that is one of
// its punct_chars (. ! ? and script equivalents), once a following token is neither punctuation nor such a
// character. The bad-words rule is its own scorer, c4_badwords (badwords.h): it needs the list that
// set-up fetches.
//
// ---- dolma_c4: Dolma's c4_v1 tagger (python/dolma/taggers/c4.py) ----
// lines = text.split("\n"); each line is lower-cased and stripped.
//   c4_dolma_no_punct_line_frac  = lines not ending with . ? ! or " / lines (Dolma emits these lines as
//                                  spans; the fraction is ours). Empty text: 1 (one empty line).
//   c4_dolma_few_words_line_frac = lines with fewer than 3 words (str.split()) / lines. Empty text: 1.
//   c4_dolma_javascript          = 1 if some word of some line is exactly "javascript", else 0.
//   c4_dolma_lorem_ipsum         = 1 if some line contains "lorem ipsum", else 0.
//   c4_dolma_curly_brace         = 1 if the text contains "{", else 0.
// Not implemented: has_naughty_word (needs Dolma's naughty_words_en.txt).

#include "scorer.h"

#include <memory>

namespace shardscope {

std::unique_ptr<Scorer> makeC4Scorer();
std::unique_ptr<Scorer> makeDolmaC4Scorer();

} // namespace shardscope
