#pragma once
// Quality heuristics that production pipelines run, as raw per-document statistics (not pass/fail),
// so each can be plotted and cut. Scorers and their exact column definitions:
//   gopher_quality, gopher_repetition, dolma_gopher    -> gopher.h
//   c4, dolma_c4                                       -> c4.h
//   fineweb                                            -> fineweb.h
//   text_hygiene                                       -> hygiene.h
// The word splitter that stands in for datatrove's spaCy tokenizer is described in textsplit.h.
// Language identification is a separate scorer family.

#include "scorer.h"

namespace shardscope {

// Adds the factories of all heuristic scorers, in the order above.
void registerHeuristicScorers(ScorerRegistry& registry);

} // namespace shardscope
