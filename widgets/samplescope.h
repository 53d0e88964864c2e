#pragma once
// What a sample stands for (issue 21, part 1): a scan with a BernoulliSelector scored `documents` of the corpus's
// `population` records, each chosen independently, so every count taken from its table estimates the corpus's
// count and carries a 95% interval (core/sampling.h: Wilson with the finite-population correction). The panel,
// the histograms and the status bar take one of these while a sample is on display and none once the figures
// are exact.

#include <sampling.h>

#include <cmath>
#include <cstdint>
#include <string>

namespace shardscope {

struct SampleScope {
    uint64_t documents = 0; // n: documents in the sample (its table's rows)
    uint64_t sampled = 0; // records the sample drew: its documents and its rejected records
    uint64_t population = 0; // N: records in the corpus (read by the sample's scan, or estimated)
    bool populationExact = true; // false: plain shards sampled by byte offset, whose records were not all read
    double probability = 0; // each record's chance of being drawn
    uint64_t seed = 0;
    std::string selection; // the selector's description, "bernoulli p=0.02 seed=1"

    bool active() const { return documents > 0 && population > 0; }
    // N less the share of records the sample found unparseable: the documents the corpus is estimated to hold.
    double populationDocuments() const
    {
        return sampled ? double(population) * double(documents) / double(sampled) : double(population);
    }
    // What a count in the sample is multiplied by to estimate the corpus's count.
    double scale() const { return documents ? populationDocuments() / double(documents) : 1.0; }
    // The 95% interval of a fraction: k of m sampled documents (m: all of them, or one group's), among the
    // about m·scale() such documents of the corpus.
    Interval fraction(uint64_t k, uint64_t m) const
    {
        return proportionInterval(k, m, uint64_t(std::llround(double(m) * scale())));
    }
    // A sampled count scaled to the corpus, with its 95% interval in documents: the histograms' bars.
    Interval count(uint64_t k) const
    {
        const double docs = populationDocuments();
        const Interval f = proportionInterval(k, documents, uint64_t(std::llround(docs)));
        return { f.low * docs, f.high * docs };
    }
};

} // namespace shardscope
