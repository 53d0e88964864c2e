#include "classifierrun.h"

#include "bytesource.h"
#include "classifier.h"
#include "command.h"
#include "scanrun.h"
#include "scorerspec.h"
#include "scorestore.h"

#include <cstdio>
#include <utility>

namespace shardscope::cli {

ScorerList featureScorers(const CorpusOptions& corpus, const std::string& list, const std::string& scoresFile)
{
    if (!list.empty())
        return resolveScorers(list);
    const std::vector<std::string> shards = corpus.input.shards();
    const FieldMapping fields = corpus.input.fields(shards);
    const CorpusCache cache = CorpusCache::of(corpus.cacheDir, shards, fields, scoresFile);
    return defaultFeatureScorers(corpus.noCache ? std::string() : cache.scoresPath, shards, fields);
}

LabelsSource labelsSource(const CorpusOptions& corpus, const std::string& path, const std::string& scoresFile)
{
    if (!path.empty())
        return { path, false };
    const std::vector<std::string> shards = corpus.input.shards();
    const FieldMapping fields = corpus.input.fields(shards);
    return { labelsPathOf(CorpusCache::of(corpus.cacheDir, shards, fields, scoresFile)), true };
}

LabelMatch matchOrThrow(const LabelSet& labels, const ScanResult& table, const std::string& path)
{
    LabelMatch m = matchLabels(labels, table.index);
    if (!m.unknown.empty()) {
        if (m.unknown.size() > 1)
            std::fputs(describeUnknown(m, path).c_str(), stderr);
        const LabelEntry& first = *m.unknown.front();
        throw InputError(path, 0,
            "label for id '" + first.id + "' matches no document of the corpus (" + std::to_string(m.unknown.size())
                + " such label(s); are these the labels of other shards, or was --id-field different?)",
            first.line);
    }
    return m;
}

std::string withoutClassifierColumns(const std::string& list, const std::string& command)
{
    std::string out;
    try {
        for (const auto& spec : ScorerSpec::parseList(list))
            if (spec.name != "quality" && spec.name != "linear")
                out += (out.empty() ? "" : ",") + spec.format();
    } catch (const std::invalid_argument& e) {
        throw UsageError(command, e.what());
    }
    return out;
}

ScanResult scoreWithClassifier(const CorpusOptions& corpus, const ScorerList& requested, const std::string& dir,
    const std::string& scoresFile, bool seekCache, bool* fromCache, std::shared_ptr<const DocumentSelector> sample)
{
    const std::string spec = classifierSpec(dir);
    const std::shared_ptr<const Scorer> linear(ScorerRegistry::instance().create(spec));
    ScorerList all = requested;
    auto has = [&all](const std::string& name) {
        for (const auto& s : all)
            if (s->name() == name)
                return true;
        return false;
    };
    std::string inputs;
    for (const auto& c : linear->inputColumns())
        inputs += (inputs.empty() ? "" : ",") + c;
    for (auto& s : resolveScorers(inputs))
        if (!has(s->name()))
            all.push_back(std::move(s));

    ScanResult r = scoreOrLoad(corpus, all, scoresFile, seekCache, fromCache, std::move(sample));
    std::vector<const float*> in;
    for (const auto& c : linear->inputColumns()) {
        const int at = r.scores.columnIndex(c);
        if (at < 0)
            throw InputError(classifierModelPath(dir), 0, "input column '" + c + "' was not scored");
        in.push_back(std::as_const(r.scores.values[size_t(at)]).data());
    }
    std::vector<std::vector<float>> values = computeDerived(*linear, in, r.index.size(), corpus.threads.threads);

    if (!corpus.noCache && r.selection.empty() && r.complete() && !r.cancelled) {
        const std::vector<std::string> shards = corpus.input.shards();
        const CorpusCache cache = CorpusCache::of(corpus.cacheDir, shards, r.fields, scoresFile);
        try {
            appendScoreColumns(cache.scoresPath, { linear }, values);
        } catch (const std::exception& e) {
            if (cache.userNamedScores)
                throw;
            std::fprintf(stderr, "warning: could not add the classifier's column to the scores cache: %s\n", e.what());
        }
    }

    ScoreTable out;
    for (const auto& s : requested)
        for (const auto& c : s->columns()) {
            const int at = r.scores.columnIndex(c.name);
            if (at >= 0) {
                out.columns.push_back(r.scores.columns[size_t(at)]);
                out.values.push_back(std::move(r.scores.values[size_t(at)]));
            }
        }
    const std::vector<ColumnInfo> cols = linear->columns();
    for (size_t c = 0; c < cols.size() && c < values.size(); ++c) {
        out.columns.push_back(cols[c]);
        out.values.push_back(std::move(values[c]));
    }
    r.scores = std::move(out);
    return r;
}

} // namespace shardscope::cli
