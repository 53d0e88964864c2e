#include "scorers/heuristics.h"

#include "scorers/badwords.h"
#include "scorers/c4.h"
#include "scorers/fineweb.h"
#include "scorers/gopher.h"
#include "scorers/hygiene.h"

namespace shardscope {

void registerHeuristicScorers(ScorerRegistry& registry)
{
    registry.add(&makeGopherQualityScorer);
    registry.add(&makeGopherRepetitionScorer);
    registry.add(&makeDolmaGopherScorer);
    registry.add(&makeC4Scorer);
    registry.add(&makeDolmaC4Scorer);
    registry.add(&makeC4BadWordsScorer);
    registry.add(&makeFineWebScorer);
    registry.add(&makeTextHygieneScorer);
}

} // namespace shardscope
