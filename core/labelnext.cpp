#include "labelnext.h"

#include "classifier.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <queue>
#include <random>
#include <stdexcept>
#include <unordered_set>

namespace shardscope {

const char* whyName(LabelCandidate::Why w)
{
    switch (w) {
    case LabelCandidate::Why::Tail:
        return "tail";
    case LabelCandidate::Why::Uncertain:
        return "uncertain";
    case LabelCandidate::Why::Random:
        return "random";
    }
    return "random";
}

namespace {

// A row's tie-breaker: among equal scores (a 0/1 column, many empty documents) the pick is spread over the corpus
// by a seeded hash, not the first rows of the first shard.
uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

class Picker {
public:
    Picker(const ScoreTable& table, const std::vector<size_t>& columns, const std::vector<double>& mean,
        const std::vector<double>& scale, double minDistance)
        : m_table(table)
        , m_columns(columns)
        , m_mean(mean)
        , m_scale(scale)
        , m_minDistance2(minDistance * minDistance * double(columns.size()))
    {
    }

    bool taken(uint32_t row) const { return m_rows.count(row) != 0; }

    // Accepts `row` unless it is taken or (when `diverse`) near one already chosen.
    bool tryTake(uint32_t row, bool diverse)
    {
        if (taken(row))
            return false;
        std::vector<double> z = vectorOf(row);
        if (diverse)
            for (const auto& other : m_vectors) {
                double d2 = 0;
                for (size_t j = 0; j < z.size() && d2 < m_minDistance2; ++j)
                    d2 += (z[j] - other[j]) * (z[j] - other[j]);
                if (d2 < m_minDistance2)
                    return false;
            }
        m_rows.insert(row);
        m_vectors.push_back(std::move(z));
        return true;
    }

private:
    std::vector<double> vectorOf(uint32_t row) const
    {
        std::vector<double> z(m_columns.size());
        for (size_t j = 0; j < m_columns.size(); ++j) {
            const float x = m_table.values[m_columns[j]][row];
            z[j] = std::isfinite(x) ? (x - m_mean[j]) / m_scale[j] : 0.0;
        }
        return z;
    }

    const ScoreTable& m_table;
    const std::vector<size_t>& m_columns;
    const std::vector<double>& m_mean;
    const std::vector<double>& m_scale;
    double m_minDistance2;
    std::unordered_set<uint32_t> m_rows;
    std::vector<std::vector<double>> m_vectors;
};

// The k rows with the smallest key (key, tie hash), unlabelled, in increasing order; one pass with a bounded heap.
template <typename Key>
std::vector<uint32_t> smallest(size_t docs, size_t k, const std::vector<uint8_t>& labelled, uint64_t seed, Key key)
{
    using Item = std::pair<std::pair<double, uint64_t>, uint32_t>;
    std::priority_queue<Item> heap; // largest on top
    for (size_t row = 0; row < docs; ++row) {
        if (!labelled.empty() && labelled[row])
            continue;
        const double v = key(row);
        if (std::isnan(v))
            continue;
        if (heap.size() == k && v > heap.top().first.first)
            continue; // the common case: one comparison, no hash
        const Item item { { v, mix(row ^ seed) }, uint32_t(row) };
        if (heap.size() < k)
            heap.push(item);
        else if (item < heap.top()) {
            heap.pop();
            heap.push(item);
        }
    }
    std::vector<uint32_t> out(heap.size());
    for (size_t i = out.size(); i-- > 0;) {
        out[i] = heap.top().second;
        heap.pop();
    }
    return out;
}

} // namespace

std::vector<LabelCandidate> selectNext(const ScoreTable& table, const std::vector<uint8_t>& labelled,
    const std::optional<LinearModel>& model, const LabelNextOptions& options)
{
    const size_t docs = table.values.empty() ? 0 : table.values.front().size();
    if (!labelled.empty() && labelled.size() != docs)
        throw std::invalid_argument("the labelled mask has " + std::to_string(labelled.size()) + " entries for "
            + std::to_string(docs) + " documents");
    const size_t unlabelled
        = labelled.empty() ? docs : docs - size_t(std::count(labelled.begin(), labelled.end(), uint8_t(1)));
    const size_t n = std::min(options.n, unlabelled);
    std::vector<LabelCandidate> out;
    if (n == 0)
        return out;

    // The space the diversity test works in: the model's standardisation, or the corpus's.
    std::vector<size_t> columns;
    std::vector<double> mean, scale;
    std::vector<std::string> names;
    if (model) {
        for (const auto& name : model->inputs) {
            const int at = table.columnIndex(name);
            if (at < 0)
                throw std::invalid_argument(
                    "the classifier's input '" + name + "' is not a score column of the corpus");
            columns.push_back(size_t(at));
        }
        mean = model->mean;
        scale = model->scale;
        names = model->inputs;
    } else {
        FeatureScaling f = featureScaling(table, options.features);
        columns = std::move(f.columns);
        mean = std::move(f.mean);
        scale = std::move(f.scale);
        names = std::move(f.names);
    }
    Picker picker(table, columns, mean, scale, options.minDistance);

    const size_t nRandom = n >= 3 && options.randomFraction > 0
        ? std::max<size_t>(1, size_t(std::lround(options.randomFraction * double(n))))
        : size_t(std::lround(options.randomFraction * double(n)));
    const size_t nChosen = n - std::min(nRandom, n);
    std::mt19937_64 rng(options.seed);

    if (model && nChosen > 0) {
        // logit = c + sum_j a_j x_j over finite inputs (a missing input contributes 0, as in the scorer with
        // its default 'missing' = mean), accumulated column by column so each column is read once in order.
        // In single precision (ranking by |logit| near 0 needs no more), in blocks of rows that stay in the L1
        // cache, and with a missing or non-finite value replaced by the model's 'missing' value through an integer
        // select on its bits, which GCC vectorises at -O3 (a float comparison there is "control flow" to it under
        // -ftrapping-math). Column by column in double precision with a branch took 0.13 s at a million documents
        // and 70 features.
        const LinearModel& m = *model;
        std::vector<float> logit(docs);
        std::vector<float> a(columns.size()), c(columns.size()), missing(columns.size());
        std::vector<const float*> x(columns.size());
        for (size_t j = 0; j < columns.size(); ++j) {
            a[j] = float(m.weights[j] / m.scale[j]);
            c[j] = float(-m.weights[j] / m.scale[j] * m.mean[j]);
            missing[j] = float(m.missing[j]);
            x[j] = table.values[columns[j]].data();
        }
        constexpr size_t kBlock = 2048;
        const float bias = float(m.bias);
        for (size_t begin = 0; begin < docs; begin += kBlock) {
            const size_t end = std::min(docs, begin + kBlock);
            float* __restrict out = logit.data();
            for (size_t row = begin; row < end; ++row)
                out[row] = bias;
            for (size_t j = 0; j < columns.size(); ++j) {
                const float* __restrict col = x[j];
                const float aj = a[j], cj = c[j];
                uint32_t fillBits;
                std::memcpy(&fillBits, &missing[j], 4);
                for (size_t row = begin; row < end; ++row) {
                    uint32_t bits;
                    std::memcpy(&bits, &col[row], 4);
                    const uint32_t chosen = (bits & 0x7f800000u) != 0x7f800000u ? bits : fillBits;
                    float v;
                    std::memcpy(&v, &chosen, 4);
                    out[row] += aj * v + cj;
                }
            }
        }
        if (m.link == LinearModel::Link::Identity)
            for (float& v : logit)
                v -= 0.5f; // "closest to 0.5" on the identity scale (a regression model given as classifier)
        // A few times n candidates, so near-duplicates can be passed over without a second pass.
        // `diverse`: only when the picker finds the row unlike those taken.
        auto takeUncertain = [&](uint32_t row, bool diverse) {
            if (!picker.tryTake(row, diverse))
                return;
            LabelCandidate c;
            c.row = row;
            c.why = LabelCandidate::Why::Uncertain;
            c.probability
                = float(m.link == LinearModel::Link::Logistic ? 1 / (1 + std::exp(-logit[row])) : logit[row] + 0.5);
            out.push_back(std::move(c));
        };
        size_t want = std::max<size_t>(nChosen * 8, 64);
        for (;;) {
            const std::vector<uint32_t> cands
                = smallest(docs, want, labelled, options.seed, [&](size_t row) { return std::abs(logit[row]); });
            for (uint32_t row : cands) {
                if (out.size() == nChosen)
                    break;
                takeUncertain(row, true);
            }
            // All candidates near-identical (a corpus of duplicates): take the closest regardless.
            if (out.size() < nChosen && cands.size() == want && want < docs) {
                want *= 4;
                continue;
            }
            for (uint32_t row : cands) {
                if (out.size() == nChosen)
                    break;
                takeUncertain(row, false);
            }
            break;
        }
    } else if (nChosen > 0) {
        // Tails: (column, low end) and (column, high end) in a seeded order, each giving a document drawn at
        // random from that end (the lowest or highest `tailFraction` of the column, its cut estimated from the
        // same sample as the standardisation) that is not near one already chosen. Not the single most extreme
        // document: that is mostly a pathological one (an empty text, a 10 MB log), which teaches the
        // classifier less than a document that is merely low or high (bench_labels: AUC 0.83 after 20 labels
        // with the extremes, against 0.98 for random labels). The extreme is the fallback when no draw lands.
        std::vector<std::pair<size_t, bool>> ends;
        for (size_t j = 0; j < columns.size(); ++j) {
            ends.emplace_back(j, false);
            ends.emplace_back(j, true);
        }
        std::shuffle(ends.begin(), ends.end(), rng);
        std::uniform_int_distribution<size_t> anyRow(0, docs - 1);
        for (int pass = 0; pass < 2 && out.size() < nChosen; ++pass) {
            for (const auto& [j, high] : ends) {
                if (out.size() == nChosen)
                    break;
                const auto& col = table.values[columns[j]];
                const float* x = col.data();
                const bool isHigh = high;
                std::vector<float> sample;
                const size_t step = std::max<size_t>(1, docs / 65536);
                for (size_t row = 0; row < docs; row += step)
                    if (std::isfinite(x[row]))
                        sample.push_back(x[row]);
                std::vector<uint32_t> cands;
                if (!sample.empty() && options.tailFraction > 0) {
                    const size_t k = std::min(sample.size() - 1,
                        size_t(double(sample.size() - 1) * (isHigh ? 1 - options.tailFraction : options.tailFraction)));
                    std::nth_element(sample.begin(), sample.begin() + long(k), sample.end());
                    const float cut = sample[k];
                    for (size_t t = 0; t < 4000 && cands.size() < 8; ++t) {
                        const size_t row = anyRow(rng);
                        if ((!labelled.empty() && labelled[row]) || !std::isfinite(x[row]))
                            continue;
                        if (isHigh ? x[row] >= cut : x[row] <= cut)
                            cands.push_back(uint32_t(row));
                    }
                }
                if (cands.empty())
                    cands = smallest(docs, 8, labelled, options.seed, [&](size_t row) {
                        return std::isfinite(x[row]) ? (isHigh ? -double(x[row]) : double(x[row])) : NAN;
                    });
                for (uint32_t row : cands)
                    if (picker.tryTake(row, pass == 0)) {
                        LabelCandidate c;
                        c.row = row;
                        c.why = LabelCandidate::Why::Tail;
                        c.detail = names[j] + (isHigh ? " high" : " low");
                        out.push_back(std::move(c));
                        break;
                    }
            }
        }
    }

    // Random: uniform over the unlabelled documents not chosen yet (rejection sampling; the fallback walks
    // the corpus when almost everything is labelled).
    std::uniform_int_distribution<size_t> pick(0, docs - 1);
    size_t tries = 0;
    while (out.size() < n && tries < 64 * n + 1000) {
        ++tries;
        const uint32_t row = uint32_t(pick(rng));
        if ((!labelled.empty() && labelled[row]) || !picker.tryTake(row, false))
            continue;
        LabelCandidate c;
        c.row = row;
        c.why = LabelCandidate::Why::Random;
        out.push_back(std::move(c));
    }
    for (size_t row = 0; row < docs && out.size() < n; ++row) {
        if ((!labelled.empty() && labelled[row]) || !picker.tryTake(uint32_t(row), false))
            continue;
        LabelCandidate c;
        c.row = uint32_t(row);
        c.why = LabelCandidate::Why::Random;
        out.push_back(std::move(c));
    }
    if (model)
        for (auto& c : out)
            if (c.why == LabelCandidate::Why::Random)
                c.probability = model->apply([&] {
                    thread_local std::vector<float> row;
                    row.resize(columns.size());
                    for (size_t j = 0; j < columns.size(); ++j)
                        row[j] = table.values[columns[j]][c.row];
                    return row.data();
                }());
    return out;
}

LabelNextResult labelNext(
    const ScoreTable& table, const DocIndex& index, const LabelSet& labels, const LabelNextOptions& options)
{
    LabelNextResult out;
    const LabelMatch m = matchLabels(labels, index);
    out.unknown = m.unknown;
    out.labelled = m.rows.size();
    out.good = size_t(std::count(m.good.begin(), m.good.end(), uint8_t(1)));
    out.bad = out.labelled - out.good;
    std::optional<LinearModel> model;
    if (out.good >= 2 && out.bad >= 2)
        model = fitClassifier(table, m.rows, m.good, options.features);
    out.usedModel = model.has_value();
    out.candidates = selectNext(table, m.labelledMask, model, options);
    for (const auto& c : out.candidates)
        out.ids.push_back(index.idOf(c.row));
    return out;
}

} // namespace shardscope
