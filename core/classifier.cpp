#include "classifier.h"

#include "atomicfile.h"
#include "bytesource.h"
#include "scorerspec.h"
#include "scorestore.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <ctime>
#include <filesystem>
#include <numeric>
#include <random>
#include <stdexcept>

namespace shardscope {

namespace {

// The standardised design matrix of the labelled rows: n x d, row-major, missing -> 0.
struct Design {
    std::vector<std::string> names;
    std::vector<double> mean, scale;
    std::vector<std::string> dropped;
    std::vector<double> z; // n x d
    size_t n = 0, d = 0;
};

Design makeDesign(const ScoreTable& table, const std::vector<uint32_t>& rows, const std::vector<std::string>& wanted)
{
    const FeatureScaling f = featureScaling(table, wanted);
    Design ds;
    ds.names = f.names;
    ds.mean = f.mean;
    ds.scale = f.scale;
    ds.dropped = f.dropped;
    ds.n = rows.size();
    ds.d = f.columns.size();
    ds.z.resize(ds.n * ds.d);
    for (size_t i = 0; i < ds.n; ++i)
        for (size_t j = 0; j < ds.d; ++j) {
            const float x = table.values[f.columns[j]][rows[i]];
            ds.z[i * ds.d + j] = std::isfinite(x) ? (x - ds.mean[j]) / ds.scale[j] : 0.0;
        }
    return ds;
}

double sigmoid(double t)
{
    return t >= 0 ? 1 / (1 + std::exp(-t)) : std::exp(t) / (1 + std::exp(t));
}

// log(1 + exp(t)) without overflow.
double softplus(double t)
{
    return t > 0 ? t + std::log1p(std::exp(-t)) : std::log1p(std::exp(t));
}

// Solves A x = b for symmetric positive definite A (m x m, overwritten) by Cholesky; false when not PD.
bool choleskySolve(std::vector<double>& a, std::vector<double>& b, size_t m)
{
    for (size_t j = 0; j < m; ++j) {
        double s = a[j * m + j];
        for (size_t k = 0; k < j; ++k)
            s -= a[j * m + k] * a[j * m + k];
        if (!(s > 0))
            return false;
        const double l = std::sqrt(s);
        a[j * m + j] = l;
        for (size_t i = j + 1; i < m; ++i) {
            double t = a[i * m + j];
            for (size_t k = 0; k < j; ++k)
                t -= a[i * m + k] * a[j * m + k];
            a[i * m + j] = t / l;
        }
    }
    for (size_t i = 0; i < m; ++i) {
        double t = b[i];
        for (size_t k = 0; k < i; ++k)
            t -= a[i * m + k] * b[k];
        b[i] = t / a[i * m + i];
    }
    for (size_t i = m; i-- > 0;) {
        double t = b[i];
        for (size_t k = i + 1; k < m; ++k)
            t -= a[k * m + i] * b[k];
        b[i] = t / a[i * m + i];
    }
    return true;
}

// Penalised logistic regression on the rows `use` of the design; w has d + 1 entries (bias last) and is the
// starting point (warm start along the lambda path) and the result.
void fitNewton(const Design& ds, const std::vector<uint8_t>& y, const std::vector<size_t>& use, double lambda,
    std::vector<double>& w)
{
    const size_t d = ds.d, m = d + 1;
    auto objective = [&](const std::vector<double>& v) {
        double f = 0;
        for (size_t i : use) {
            const double* z = &ds.z[i * d];
            double t = v[d];
            for (size_t j = 0; j < d; ++j)
                t += v[j] * z[j];
            f += softplus(t) - (y[i] ? t : 0.0);
        }
        for (size_t j = 0; j < d; ++j)
            f += 0.5 * lambda * v[j] * v[j];
        return f;
    };
    double f = objective(w);
    std::vector<double> h(m * m), g(m), next(m);
    for (int iter = 0; iter < 50; ++iter) {
        std::fill(h.begin(), h.end(), 0.0);
        std::fill(g.begin(), g.end(), 0.0);
        for (size_t i : use) {
            const double* z = &ds.z[i * d];
            double t = w[d];
            for (size_t j = 0; j < d; ++j)
                t += w[j] * z[j];
            const double p = sigmoid(t);
            const double r = p - (y[i] ? 1.0 : 0.0);
            const double s = std::max(p * (1 - p), 1e-12);
            for (size_t j = 0; j < d; ++j) {
                g[j] += r * z[j];
                const double sz = s * z[j];
                for (size_t k = 0; k <= j; ++k)
                    h[j * m + k] += sz * z[k];
                h[d * m + j] += sz;
            }
            g[d] += r;
            h[d * m + d] += s;
        }
        for (size_t j = 0; j < d; ++j) {
            g[j] += lambda * w[j];
            h[j * m + j] += lambda;
        }
        h[d * m + d] += 1e-9; // the bias is unpenalised: keeps the system definite when one class dominates
        for (size_t j = 0; j < m; ++j)
            for (size_t k = j + 1; k < m; ++k)
                h[j * m + k] = h[k * m + j];
        std::vector<double> step = g;
        if (!choleskySolve(h, step, m))
            break;
        double decrement = 0;
        for (size_t j = 0; j < m; ++j)
            decrement += g[j] * step[j];
        if (decrement < 1e-12)
            break;
        // Step halving: a full Newton step can overshoot on nearly separable labels.
        double a = 1;
        bool improved = false;
        for (int half = 0; half < 30; ++half, a *= 0.5) {
            for (size_t j = 0; j < m; ++j)
                next[j] = w[j] - a * step[j];
            const double fn = objective(next);
            if (fn <= f - 1e-4 * a * decrement) {
                w = next;
                f = fn;
                improved = true;
                break;
            }
        }
        if (!improved || a * decrement < 1e-10)
            break;
    }
}

double predict(const Design& ds, const std::vector<double>& w, size_t i)
{
    double t = w[ds.d];
    for (size_t j = 0; j < ds.d; ++j)
        t += w[j] * ds.z[i * ds.d + j];
    return t;
}

LinearModel toModel(const Design& ds, const std::vector<double>& w)
{
    LinearModel m;
    m.inputs = ds.names;
    m.mean = ds.mean;
    m.scale = ds.scale;
    m.missing = ds.mean;
    m.weights.assign(w.begin(), w.begin() + long(ds.d));
    m.bias = w[ds.d];
    m.link = LinearModel::Link::Logistic;
    m.output = "quality";
    return m;
}

void checkLabels(const std::vector<uint32_t>& rows, const std::vector<uint8_t>& good, size_t docs)
{
    if (rows.size() != good.size())
        throw std::invalid_argument("one label per row expected");
    for (uint32_t r : rows)
        if (r >= docs)
            throw std::invalid_argument("a labelled row is not a document of the table");
    const size_t g = size_t(std::count(good.begin(), good.end(), uint8_t(1)));
    const size_t b = good.size() - g;
    if (g < 2 || b < 2)
        throw std::invalid_argument("training needs at least 2 good and 2 bad labels (have " + std::to_string(g)
            + " good, " + std::to_string(b) + " bad)");
}

size_t docsOf(const ScoreTable& t)
{
    return t.values.empty() ? 0 : t.values.front().size();
}

std::string utcNow()
{
    const std::time_t now = std::time(nullptr);
    std::tm tm {};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// AUC of the pooled out-of-fold scores over bootstrap resamples: sorted once, each resample one pass that
// counts the negatives below each positive with the resample's multiplicities.
std::pair<double, double> bootstrapInterval(
    const std::vector<double>& score, const std::vector<uint8_t>& y, int resamples, uint64_t seed)
{
    const size_t n = score.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
    std::mt19937_64 rng(seed ^ 0x5eedb007ULL);
    std::uniform_int_distribution<size_t> pick(0, n - 1);
    std::vector<uint32_t> mult(n);
    std::vector<double> aucs;
    for (int r = 0; r < resamples; ++r) {
        std::fill(mult.begin(), mult.end(), 0);
        for (size_t k = 0; k < n; ++k)
            ++mult[pick(rng)];
        double negBelow = 0, pos = 0, neg = 0, sum = 0;
        for (size_t k = 0; k < n;) {
            // A run of tied scores: positives there count the run's negatives one half.
            size_t e = k;
            double runPos = 0, runNeg = 0;
            while (e < n && score[order[e]] == score[order[k]]) {
                (y[order[e]] ? runPos : runNeg) += mult[order[e]];
                ++e;
            }
            sum += runPos * (negBelow + 0.5 * runNeg);
            negBelow += runNeg;
            pos += runPos;
            neg += runNeg;
            k = e;
        }
        if (pos > 0 && neg > 0)
            aucs.push_back(sum / (pos * neg));
    }
    if (aucs.empty())
        return { NAN, NAN };
    std::sort(aucs.begin(), aucs.end());
    auto at = [&](double q) { return aucs[std::min(aucs.size() - 1, size_t(q * double(aucs.size() - 1) + 0.5))]; };
    return { at(0.025), at(0.975) };
}

} // namespace

FeatureScaling featureScaling(const ScoreTable& table, const std::vector<std::string>& wanted)
{
    FeatureScaling fs;
    std::vector<size_t> cols;
    if (wanted.empty()) {
        for (size_t c = 0; c < table.columns.size(); ++c)
            if (!table.columns[c].categorical())
                cols.push_back(c);
    } else {
        for (const auto& name : wanted) {
            const int at = table.columnIndex(name);
            if (at < 0)
                throw std::invalid_argument("feature '" + name + "' is not a score column of the corpus");
            if (table.columns[size_t(at)].categorical()) {
                fs.dropped.push_back(name + ": categorical");
                continue;
            }
            cols.push_back(size_t(at));
        }
    }
    for (size_t c : cols) {
        const auto& v = table.values[c];
        // Over at most 65,536 documents spread evenly through the corpus: mean and sd to about half a percent
        // of their spread, in one pass, which is what lets "label next" refit on every call at a million
        // documents. Sums are shifted by the first value, so a column far from 0 keeps its precision.
        const size_t step = std::max<size_t>(1, v.size() / 65536);
        double shift = NAN, sum = 0, sum2 = 0;
        size_t count = 0;
        for (size_t i = 0; i < v.size(); i += step) {
            const float x = v[i];
            if (!std::isfinite(x))
                continue;
            if (count == 0)
                shift = x;
            const double d = double(x) - shift;
            sum += d;
            sum2 += d * d;
            ++count;
        }
        if (count == 0) {
            fs.dropped.push_back(table.columns[c].name + ": no values");
            continue;
        }
        const double mean = shift + sum / double(count);
        const double sd
            = std::sqrt(std::max(0.0, sum2 / double(count) - (sum / double(count)) * (sum / double(count))));
        if (!(sd > 1e-12 * std::max(1.0, std::abs(mean))) || !std::isfinite(sd)) {
            fs.dropped.push_back(table.columns[c].name + ": no spread");
            continue;
        }
        fs.columns.push_back(c);
        fs.names.push_back(table.columns[c].name);
        fs.mean.push_back(mean);
        fs.scale.push_back(sd);
    }
    if (fs.columns.empty())
        throw std::invalid_argument("no usable feature column (every one is missing, constant or categorical)");
    return fs;
}

double rocAuc(const std::vector<double>& score, const std::vector<uint8_t>& y)
{
    const size_t n = score.size();
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t(0));
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return score[a] < score[b]; });
    double rankSumPos = 0, pos = 0;
    for (size_t k = 0; k < n;) {
        size_t e = k;
        while (e < n && score[order[e]] == score[order[k]])
            ++e;
        const double rank = 0.5 * double(k + 1 + e); // mean 1-based rank of the tied run
        for (size_t t = k; t < e; ++t)
            if (y[order[t]]) {
                rankSumPos += rank;
                ++pos;
            }
        k = e;
    }
    const double neg = double(n) - pos;
    if (pos == 0 || neg == 0)
        return NAN;
    return (rankSumPos - pos * (pos + 1) / 2) / (pos * neg);
}

LinearModel fitClassifier(const ScoreTable& table, const std::vector<uint32_t>& rows, const std::vector<uint8_t>& good,
    const std::vector<std::string>& features, double lambda)
{
    checkLabels(rows, good, docsOf(table));
    const Design ds = makeDesign(table, rows, features);
    std::vector<size_t> all(ds.n);
    std::iota(all.begin(), all.end(), size_t(0));
    std::vector<double> w(ds.d + 1, 0.0);
    fitNewton(ds, good, all, lambda, w);
    return toModel(ds, w);
}

ClassifierResult trainClassifier(const ScoreTable& table, const std::vector<uint32_t>& rows,
    const std::vector<uint8_t>& good, const ClassifierOptions& options)
{
    const auto started = std::chrono::steady_clock::now();
    checkLabels(rows, good, docsOf(table));
    const Design ds = makeDesign(table, rows, options.features);
    auto stopped = [&] {
        if (options.stop && options.stop->load(std::memory_order_relaxed))
            throw std::runtime_error("cancelled");
    };

    ClassifierResult res;
    res.labels = rows.size();
    res.good = size_t(std::count(good.begin(), good.end(), uint8_t(1)));
    res.bad = res.labels - res.good;
    res.dropped = ds.dropped;
    res.folds = int(std::min<size_t>(size_t(std::max(2, options.folds)), std::min(res.good, res.bad)));

    // Stratified folds: each class shuffled (seeded) and dealt round the folds.
    std::vector<int> foldOf(ds.n);
    {
        std::mt19937_64 rng(options.seed);
        for (uint8_t cls : { uint8_t(0), uint8_t(1) }) {
            std::vector<size_t> members;
            for (size_t i = 0; i < ds.n; ++i)
                if (good[i] == cls)
                    members.push_back(i);
            std::shuffle(members.begin(), members.end(), rng);
            for (size_t k = 0; k < members.size(); ++k)
                foldOf[members[k]] = int(k % size_t(res.folds));
        }
    }
    std::vector<double> lambdas = options.lambdas;
    if (lambdas.empty())
        lambdas = { 1000, 300, 100, 30, 10, 3, 1, 0.3, 0.1, 0.03, 0.01 };
    std::sort(lambdas.rbegin(), lambdas.rend()); // strongest first: each fit warm-starts the next

    std::vector<std::vector<double>> warm(size_t(res.folds), std::vector<double>(ds.d + 1, 0.0));
    std::vector<double> bestOof;
    double bestMean = -1;
    for (double lambda : lambdas) {
        std::vector<double> oof(ds.n, 0.0);
        std::vector<double> foldAucs;
        for (int f = 0; f < res.folds; ++f) {
            stopped();
            std::vector<size_t> train, test;
            for (size_t i = 0; i < ds.n; ++i)
                (foldOf[i] == f ? test : train).push_back(i);
            fitNewton(ds, good, train, lambda, warm[size_t(f)]);
            std::vector<double> s;
            std::vector<uint8_t> yt;
            for (size_t i : test) {
                oof[i] = predict(ds, warm[size_t(f)], i);
                s.push_back(oof[i]);
                yt.push_back(good[i]);
            }
            foldAucs.push_back(rocAuc(s, yt));
        }
        LambdaResult lr;
        lr.lambda = lambda;
        lr.meanAuc = std::accumulate(foldAucs.begin(), foldAucs.end(), 0.0) / double(foldAucs.size());
        double var = 0;
        for (double a : foldAucs)
            var += (a - lr.meanAuc) * (a - lr.meanAuc);
        lr.foldStd = foldAucs.size() > 1 ? std::sqrt(var / double(foldAucs.size() - 1)) : 0;
        res.path.push_back(lr);
        if (lr.meanAuc > bestMean + 1e-12) {
            bestMean = lr.meanAuc;
            res.lambda = lambda;
            res.cvAuc = lr.meanAuc;
            res.cvAucStd = lr.foldStd;
            res.foldAucs = foldAucs;
            bestOof = oof;
        }
    }
    res.pooledAuc = rocAuc(bestOof, good);
    std::tie(res.ciLow, res.ciHigh) = bootstrapInterval(bestOof, good, options.bootstrap, options.seed);

    stopped();
    std::vector<size_t> all(ds.n);
    std::iota(all.begin(), all.end(), size_t(0));
    std::vector<double> w(ds.d + 1, 0.0);
    fitNewton(ds, good, all, res.lambda, w);
    res.model = toModel(ds, w);
    res.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    res.date = utcNow();
    return res;
}

std::string ClassifierResult::metadataJson(const std::string& modelHash) const
{
    nlohmann::json j;
    j["format"] = "shardscope-classifier";
    j["version"] = 1;
    j["model"] = "model.json";
    j["model_hash"] = modelHash;
    j["kind"] = "logistic regression, L2, Newton";
    j["date"] = date;
    j["labels"] = labels;
    j["good"] = good;
    j["bad"] = bad;
    j["folds"] = folds;
    j["lambda"] = lambda;
    j["cv_auc"] = cvAuc;
    j["cv_auc_fold_std"] = cvAucStd;
    j["cv_auc_folds"] = foldAucs;
    j["pooled_oof_auc"] = pooledAuc;
    j["pooled_oof_auc_bootstrap95"] = { ciLow, ciHigh };
    j["features"] = model.inputs;
    j["dropped"] = dropped;
    nlohmann::json path = nlohmann::json::array();
    for (const auto& p : this->path)
        path.push_back({ { "lambda", p.lambda }, { "cv_auc", p.meanAuc }, { "fold_std", p.foldStd } });
    j["lambda_path"] = path;
    j["training_seconds"] = seconds;
    return j.dump(2) + "\n";
}

std::string ClassifierResult::summary() const
{
    char buf[256];
    std::snprintf(buf, sizeof buf,
        "CV AUC %.3f ± %.3f (fold std, %d folds; pooled out-of-fold %.3f, 95%% bootstrap %.3f-%.3f), lambda %g, %zu "
        "labels (%zu good, %zu bad), %zu features",
        cvAuc, cvAucStd, folds, pooledAuc, ciLow, ciHigh, lambda, labels, good, bad, model.inputs.size());
    return buf;
}

std::string classifierModelPath(const std::string& dir)
{
    return (std::filesystem::path(dir) / "model.json").string();
}

std::string classifierMetadataPath(const std::string& dir)
{
    return (std::filesystem::path(dir) / "classifier.json").string();
}

void saveClassifier(const std::string& dir, const ClassifierResult& result)
{
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        throw std::runtime_error(dir + ": cannot create the classifier directory: " + ec.message());
    const std::string json = result.model.toJson();
    writeFileAtomically(classifierModelPath(dir), json);
    writeFileAtomically(classifierMetadataPath(dir), result.metadataJson(hashBytes(json)));
}

std::string classifierSpec(const std::string& dir)
{
    const std::string path = classifierModelPath(dir);
    if (!std::filesystem::is_regular_file(path))
        throw InputError(path, 0, "no classifier here (expected model.json from `shardscope-cli classifier train`)");
    // A spec value with ',' or '=' would not parse as one parameter; ScorerSpec quotes what needs it.
    ScorerSpec spec;
    spec.name = "linear";
    spec.params["model"] = std::filesystem::absolute(path).string();
    return spec.format();
}

std::vector<std::shared_ptr<const Scorer>> defaultFeatureScorers(
    const std::string& scoresPath, const std::vector<std::string>& shards, const FieldMapping& fields)
{
    std::vector<std::shared_ptr<const Scorer>> out, slow;
    for (auto& s : ScorerRegistry::instance().createAll()) {
        if (!s->inputColumns().empty() || !s->unavailableReason().empty())
            continue;
        if (s->isSlow())
            slow.push_back(std::shared_ptr<const Scorer>(std::move(s)));
        else if (s->includedInAll())
            out.push_back(std::shared_ptr<const Scorer>(std::move(s)));
    }
    if (!slow.empty() && !scoresPath.empty()) {
        const CacheContents held = inspectScores(scoresPath, shards, fields, slow);
        if (held.usable)
            out.insert(out.end(), held.present.begin(), held.present.end());
    }
    return out;
}

} // namespace shardscope
