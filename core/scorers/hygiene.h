#pragma once
// text_hygiene: character-level statistics that catch encoding garbage and script mixing. Shardscope's own
// definitions (no reference engine). n = len(text) in code points; classes are Python/Unicode 14 general
// categories (unicodeclass.h).
//   text_replacement_char_frac    = U+FFFD count / n (mojibake from a lossy decode). kMissing for empty text.
//   text_control_char_frac        = category Cc other than \t \n \r / n. kMissing for empty text.
//   text_digit_frac               = category Nd / n. kMissing for empty text.
//   text_punct_frac               = (category P* or ASCII symbol $ + < = > ^ ` | ~, so all of Python's
//                                   string.punctuation counts) / n. kMissing for empty text.
//   text_non_ascii_frac           = code points >= U+0080 / n. kMissing for empty text.
//   text_script_count             = distinct scripts among the letters (category L*). 0 without letters.
//   text_non_dominant_script_frac = letters outside the most frequent script / letters. kMissing without letters.
//   text_dominant_script          = categorical: the most frequent script among letters (ties: the earlier one
//                                   in the category list). kMissing without letters.
// Scripts come from a compact hand-written table of Unicode block ranges for the major scripts (Latin, Greek,
// Cyrillic, Armenian, Hebrew, Arabic, Syriac, Thaana, NKo, the Brahmic scripts of India and South-East Asia,
// Tibetan, Georgian, Hangul, Ethiopic, Cherokee, Canadian syllabics, Khmer, Mongolian, Yi, ...), not from
// Unicode's Scripts.txt: blocks are assigned whole, and letters outside the table count as "Other".
// Han ideographs, Hiragana, Katakana and Bopomofo form one script "Han/Kana", so Japanese text is not
// reported as mixed.

#include "scorer.h"

#include <memory>

namespace shardscope {

std::unique_ptr<Scorer> makeTextHygieneScorer();

} // namespace shardscope
