#include "linearscorer.h"

#include "bytesource.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <fstream>
#include <iterator>
#include <set>

namespace shardscope {

namespace {

constexpr const char* kFormat = "shardscope-linear";

std::vector<double> numbers(const nlohmann::json& j, const char* field, size_t n, const std::string& path)
{
    auto it = j.find(field);
    if (it == j.end() || !it->is_array() || it->size() != n)
        throw InputError(path, 0,
            std::string("'") + field + "' must be an array of " + std::to_string(n) + " numbers, one per input");
    std::vector<double> out;
    for (const auto& v : *it) {
        if (!v.is_number() || !std::isfinite(v.get<double>()))
            throw InputError(path, 0, std::string("'") + field + "' holds something that is not a finite number");
        out.push_back(v.get<double>());
    }
    return out;
}

// Reads a whole file; InputError naming it when it cannot.
std::string readModelFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, 0, "cannot open the linear model file");
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw InputError(path, 0, "read error in the linear model file");
    return bytes;
}

class LinearWorker final : public ScorerWorker {
public:
    explicit LinearWorker(const LinearModel& m)
        : m_model(m)
    {
    }
    void score(std::string_view, float* out) override { out[0] = kMissing; }
    void scoreRow(const float* inputs, float* out) override { out[0] = m_model.apply(inputs); }

private:
    const LinearModel m_model; // a copy (a few numbers per input): a worker may outlive its scorer
};

class LinearScorer final : public Scorer {
public:
    LinearScorer() = default; // unconfigured: listed, unavailable
    explicit LinearScorer(std::string path)
        : m_path(std::move(path))
    {
        const std::string bytes = readModelFile(m_path);
        m_model = LinearModel::parse(bytes, m_path);
        m_hash = hashBytes(bytes);
    }

    std::string name() const override { return "linear"; }
    std::string summary() const override
    {
        return "linear or logistic model over score columns (linear:model=PATH, a shardscope-linear JSON file)";
    }
    std::vector<ColumnInfo> columns() const override
    {
        std::string def = m_model.link == LinearModel::Link::Logistic ? "1 / (1 + exp(-y))" : "y";
        def += ", y = bias + sum w_i (x_i - mean_i) / scale_i over ";
        if (m_path.empty()) {
            def += "the model's input columns";
        } else {
            for (size_t i = 0; i < m_model.inputs.size(); ++i)
                def += (i ? ", " : "") + m_model.inputs[i];
        }
        def += "; a missing input counts as the model's 'missing' value (default its mean); model "
            + (m_path.empty() ? std::string("linear:model=PATH") : m_path);
        return { { m_model.output, def, {} } };
    }
    ScorerIdentity identity() const override
    {
        ScorerIdentity id { name(), version(), {}, {} };
        if (!m_path.empty())
            id.files.push_back({ "model", m_path, m_hash });
        return id;
    }
    std::vector<std::string> inputColumns() const override { return m_model.inputs; }
    bool needsModel() const override { return true; }
    std::string unavailableReason() const override
    {
        return m_path.empty() ? "linear: needs a model file: linear:model=PATH (a shardscope-linear JSON file)"
                              : std::string();
    }
    std::unique_ptr<ScorerWorker> makeWorker() const override
    {
        if (m_path.empty())
            throw ScorerUnavailable(unavailableReason());
        // The values must be what identity() says: a model retrained in place since the scorer was made
        // would give other values under the old hash.
        std::string now;
        try {
            now = hashFile(m_path);
        } catch (const std::exception&) {
            throw InputError(m_path, 0, "the linear model file is gone or unreadable since the scorer was made");
        }
        if (now != m_hash)
            throw InputError(m_path, 0,
                "the linear model file changed since the scorer was made (content hash " + m_hash + ", now " + now
                    + "); make the scorer again");
        return std::make_unique<LinearWorker>(m_model);
    }

private:
    std::string m_path;
    std::string m_hash;
    LinearModel m_model;
};

} // namespace

static LinearModel parseChecked(const std::string& text, const std::string& path)
{
    nlohmann::json j;
    try {
        j = nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw InputError(path, e.byte > 0 ? uint64_t(e.byte - 1) : 0, std::string("not valid JSON: ") + e.what());
    }
    if (!j.is_object() || j.value("format", std::string()) != kFormat)
        throw InputError(path, 0, std::string("not a linear model (expected \"format\": \"") + kFormat + "\")");
    auto version = j.find("version");
    if (version == j.end() || !version->is_number_integer())
        throw InputError(path, 0, "'version' is missing or not a whole number");
    if (version->get<int>() != LinearModel::kFormatVersion)
        throw InputError(path, 0,
            "linear model format version " + std::to_string(version->get<int>()) + " (this build reads version "
                + std::to_string(LinearModel::kFormatVersion) + ")");
    LinearModel m;
    auto inputs = j.find("inputs");
    if (inputs == j.end() || !inputs->is_array() || inputs->empty())
        throw InputError(path, 0, "'inputs' must be a non-empty array of score column names");
    std::set<std::string> seen;
    for (const auto& v : *inputs) {
        if (!v.is_string() || v.get<std::string>().empty())
            throw InputError(path, 0, "'inputs' holds something that is not a column name");
        if (!seen.insert(v.get<std::string>()).second)
            throw InputError(path, 0, "input column '" + v.get<std::string>() + "' is listed twice");
        m.inputs.push_back(v.get<std::string>());
    }
    const size_t n = m.inputs.size();
    m.mean = numbers(j, "mean", n, path);
    m.scale = numbers(j, "scale", n, path);
    for (size_t i = 0; i < n; ++i)
        if (m.scale[i] == 0)
            throw InputError(path, 0, "'scale' of input '" + m.inputs[i] + "' is 0");
    m.missing = j.contains("missing") ? numbers(j, "missing", n, path) : m.mean;
    m.weights = numbers(j, "weights", n, path);
    auto bias = j.find("bias");
    if (bias == j.end() || !bias->is_number() || !std::isfinite(bias->get<double>()))
        throw InputError(path, 0, "'bias' is missing or not a finite number");
    m.bias = bias->get<double>();
    const auto link = j.value("link", std::string("logistic"));
    if (link == "logistic")
        m.link = LinearModel::Link::Logistic;
    else if (link == "identity")
        m.link = LinearModel::Link::Identity;
    else
        throw InputError(path, 0, "'link' is '" + link + "' (expected \"logistic\" or \"identity\")");
    if (j.contains("output")) {
        if (!j["output"].is_string())
            throw InputError(path, 0, "'output' is not a column name");
        m.output = j["output"].get<std::string>();
        if (!isScorerName(m.output))
            throw InputError(path, 0, "'output' column name '" + m.output + "' (letters, digits and '_' only)");
    }
    return m;
}

LinearModel LinearModel::parse(const std::string& text, const std::string& path)
{
    // The checks above test each field's type before reading it; what they miss (a number too large for a double,
    // which the JSON parser reports as out_of_range, a field of another type) is a malformed file too, never an
    // exception that escapes (fuzz_linear_model found "format": 1e400 terminating the process).
    try {
        return parseChecked(text, path);
    } catch (const nlohmann::json::exception& e) {
        throw InputError(path, 0, std::string("malformed linear model: ") + e.what());
    }
}

std::string LinearModel::toJson() const
{
    nlohmann::json j;
    j["format"] = kFormat;
    j["version"] = LinearModel::kFormatVersion;
    j["inputs"] = inputs;
    j["mean"] = mean;
    j["scale"] = scale;
    j["missing"] = missing;
    j["weights"] = weights;
    j["bias"] = bias;
    j["link"] = link == Link::Logistic ? "logistic" : "identity";
    j["output"] = output;
    return j.dump(2) + "\n";
}

float LinearModel::apply(const float* x) const
{
    double y = bias;
    for (size_t i = 0; i < inputs.size(); ++i) {
        const double v = isMissing(x[i]) ? missing[i] : double(x[i]);
        y += weights[i] * (v - mean[i]) / scale[i];
    }
    return float(link == Link::Logistic ? 1.0 / (1.0 + std::exp(-y)) : y);
}

std::unique_ptr<Scorer> makeLinearScorer(const ScorerParams& params)
{
    rejectUnknownParams("linear", params, { "model" });
    auto it = params.find("model");
    if (it == params.end())
        return std::make_unique<LinearScorer>();
    return std::make_unique<LinearScorer>(it->second);
}

void registerDerivedScorers(ScorerRegistry& r)
{
    r.addWithParams(&makeLinearScorer, { "model" });
}

} // namespace shardscope
