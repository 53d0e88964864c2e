#pragma once
// c4_badwords: C4's bad-words rule as datatrove's C4BadWordsFilter (pipeline/filters/c4_filters.py)
// writes it for English, as a count.
//
// The list: LDNOOBW's English list as the npm package naughty-words 1.2.0 ships it (en.json, 403
// entries, CC BY 4.0), fetched by scripts/fetch-models.sh into resources/models/badwords/en.json and
// installed to share/shardscope/models/badwords/en.json (SHARDSCOPE_BADWORDS overrides the path).
// datatrove downloads the same list from LDNOOBW's repository (en at commit 25e679f, 403 lines).
// Entries are stripped, de-duplicated and the empty one dropped.
//
//   c4_badwords = number of matches of  (?:\W|^)(w1|w2|...)(?:\W|$)  in text.lower(), found left to
//                 right without overlap (as re.finditer), alternatives longest first. C4 drops the
//                 page when it is >= 1 (datatrove: keep_fraction 0).
// Deviations: \W is PCRE2's Unicode \W (word characters: letters, numbers, underscore; Python's
// str.isalnum() differs for a few numeric symbols); lower() is utf8proc's simple per-code-point
// lower-casing (Python's maps U+0130 to two code points); datatrove picks the list by the document's
// language metadata (default "en") and takes any match, with alternatives in set order, so only
// "count >= 1" is comparable, not the count. Per-language lists: use a rule with "by": "lang"
// overrides to switch the cutoff off where English words mean something else.

#include "scorer.h"

#include <memory>
#include <string>

namespace shardscope {

std::unique_ptr<Scorer> makeC4BadWordsScorer();
// Where the list is looked for (the first that exists is used), for messages and tests.
std::string findBadWordsList();

} // namespace shardscope
