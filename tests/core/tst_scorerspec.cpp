// Issue 19: scorers with an identity and parameters. Specs as text (parse, format, malformed input),
// identities as JSON, identities that follow the content of the files a scorer reads (langid, c4_badwords,
// lm), parameters a scorer does not take refused, the lm scorer made from explicit parameters scoring as
// the global options did, and the derived scorer `linear` over real score columns.

#include "testutil.h"

#include "bytesource.h"
#include "linearscorer.h"
#include "scorer.h"
#ifdef SHARDSCOPE_HAVE_TORCH
#include "lm/lmapi.h"
#endif

#include <nlohmann/json.hpp>

#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

using namespace shardscope;
using namespace testutil;

namespace {

// Flips one byte of a file in place, `fromEnd` bytes before its end (inside a model's weights, not its header).
void flipByte(const std::string& path, size_t fromEnd)
{
    std::string bytes = readFile(path);
    QVERIFY(bytes.size() > fromEnd);
    bytes[bytes.size() - 1 - fromEnd] ^= 0x5a;
    writeFile(path, bytes);
}

std::string copyInto(const QTemporaryDir& dir, const std::string& file)
{
    const std::string to
        = dir.filePath(QString::fromStdString(std::filesystem::path(file).filename().string())).toStdString();
    std::filesystem::copy_file(file, to, std::filesystem::copy_options::overwrite_existing);
    return to;
}

// Sets an environment variable for the life of the object.
class EnvOverride {
public:
    EnvOverride(const char* name, const std::string& value)
        : m_name(name)
    {
        if (const char* old = std::getenv(name)) {
            m_had = true;
            m_old = old;
        }
        ::setenv(name, value.c_str(), 1);
    }
    ~EnvOverride()
    {
        if (m_had)
            ::setenv(m_name, m_old.c_str(), 1);
        else
            ::unsetenv(m_name);
    }

private:
    const char* m_name;
    bool m_had = false;
    std::string m_old;
};

std::vector<std::string> fixtureTexts(const std::string& name)
{
    std::vector<std::string> out;
    for (const auto& line : splitLines(readFile(testdata::fixture(name))))
        if (!line.empty())
            out.push_back(nlohmann::json::parse(line)["text"].get<std::string>());
    return out;
}

ScorerIdentity identityOf(const std::string& spec)
{
    auto s = ScorerRegistry::instance().create(spec);
    if (!s)
        throw std::runtime_error("no scorer " + spec);
    return s->identity();
}

} // namespace

class TestScorerSpec : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void initTestCase() { registerBuiltinScorers(); }

    void parseAndFormat_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("name");
        QTest::addColumn<QStringList>("params"); // key, value, key, value, ...
        QTest::addColumn<QString>("canonical");
        QTest::newRow("name only") << "zlib6"
                                   << "zlib6" << QStringList() << "zlib6";
        QTest::newRow("two parameters, sorted on format")
            << "lm:model=/models/gpt2,device=cuda:0"
            << "lm" << QStringList { "device", "cuda:0", "model", "/models/gpt2" }
            << "lm:device=cuda:0,model=/models/gpt2";
        QTest::newRow("escaped comma and backslash")
            << "linear:model=/data/a\\,b\\\\c.json"
            << "linear" << QStringList { "model", "/data/a,b\\c.json" } << "linear:model=/data/a\\,b\\\\c.json";
        QTest::newRow("'=' and ':' inside a value") << "lm:model=C:/x=y"
                                                    << "lm" << QStringList { "model", "C:/x=y" } << "lm:model=C:/x=y";
        QTest::newRow("a column name") << "lm_bpb"
                                       << "lm_bpb" << QStringList() << "lm_bpb";
    }
    void parseAndFormat()
    {
        QFETCH(QString, text);
        QFETCH(QString, name);
        QFETCH(QStringList, params);
        QFETCH(QString, canonical);
        const ScorerSpec spec = ScorerSpec::parse(text.toStdString());
        QCOMPARE(QString::fromStdString(spec.name), name);
        ScorerParams want;
        for (qsizetype i = 0; i + 1 < params.size(); i += 2)
            want[params[i].toStdString()] = params[i + 1].toStdString();
        QVERIFY(spec.params == want);
        QCOMPARE(QString::fromStdString(spec.format()), canonical);
        QVERIFY(ScorerSpec::parse(spec.format()) == spec);
    }

    void malformedSpecs_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("says");
        QTest::newRow("empty") << ""
                               << "no scorer name";
        QTest::newRow("colon only") << ":"
                                    << "no scorer name";
        QTest::newRow("colon without parameters") << "lm:"
                                                  << "without parameters";
        QTest::newRow("no '='") << "lm:model"
                                << "has no '='";
        QTest::newRow("empty key") << "lm:=x"
                                   << "without a name";
        QTest::newRow("empty value") << "lm:model="
                                     << "empty value";
        QTest::newRow("key twice") << "lm:model=a,model=b"
                                   << "given twice";
        QTest::newRow("trailing comma") << "lm:model=a,"
                                        << "empty parameter";
        QTest::newRow("space in name") << "l m"
                                       << "not allowed in a scorer name";
        QTest::newRow("bad key character") << "lm:mo-del=x"
                                           << "not allowed in a parameter name";
        QTest::newRow("dangling backslash") << "lm:model=a\\"
                                            << "at the end";
    }
    void malformedSpecs()
    {
        QFETCH(QString, text);
        QFETCH(QString, says);
        try {
            ScorerSpec::parse(text.toStdString());
            QFAIL("no error");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find(says.toStdString()) != std::string::npos, e.what());
            QVERIFY2(std::string(e.what()).find("'" + text.toStdString() + "'") != std::string::npos, e.what());
        }
    }

    // In a --scorers list a piece with '=' (and no ':' before it) is one more parameter of the scorer before.
    void parseList()
    {
        const auto specs = ScorerSpec::parseList("zlib6, lm:model=/m/a\\,b,device=cpu , zstd3,,");
        QCOMPARE(specs.size(), size_t(3));
        QCOMPARE(specs[0].format(), std::string("zlib6"));
        QCOMPARE(specs[1].name, std::string("lm"));
        QCOMPARE(specs[1].params.at("model"), std::string("/m/a,b"));
        QCOMPARE(specs[1].params.at("device"), std::string("cpu"));
        QCOMPARE(specs[2].format(), std::string("zstd3"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ScorerSpec::parseList("device=cpu,zlib6"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ScorerSpec::parseList("zlib6,device=cpu"));
    }

    void identityJson()
    {
        ScorerIdentity id { "lm", 3, { { "window", "128" }, { "stride", "64" } },
            { { "config", "/m/config.json", "00112233445566778899aabbccddeeff" },
                { "weights", "/m/model.safetensors", "ffeeddccbbaa99887766554433221100" } } };
        const std::string text = id.toJson().dump();
        const ScorerIdentity back = ScorerIdentity::fromJson(nlohmann::json::parse(text));
        QVERIFY(back == id);
        QCOMPARE(back.files[1].path, std::string("/m/model.safetensors"));
        QCOMPARE(back.toJson().dump(), text);

        ScorerIdentity moved = id; // the same files elsewhere: equal
        moved.files[0].path = "/elsewhere/config.json";
        QVERIFY(moved == id);
        ScorerIdentity changed = id;
        changed.files[1].hash[0] = '1';
        QVERIFY(!(changed == id));
        ScorerIdentity otherParams = id;
        otherParams.params["window"] = "64";
        QVERIFY(!(otherParams == id));
        ScorerIdentity otherVersion = id;
        otherVersion.version = 4;
        QVERIFY(!(otherVersion == id));

        for (const char* bad : { R"([])", R"({"version": 1})", R"({"name": "x", "version": "1"})",
                 R"({"name": "x", "version": 1, "params": {"a": 1}})",
                 R"({"name": "x", "version": 1, "files": [{"role": "w", "path": "p"}]})" })
            QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ScorerIdentity::fromJson(nlohmann::json::parse(bad)));
    }

    void defaultIdentity()
    {
        const ScorerIdentity id = identityOf("zlib6");
        QCOMPARE(id.name, std::string("zlib6"));
        QCOMPARE(id.version, 1);
        QVERIFY(id.params.empty() && id.files.empty());
        QVERIFY(identityOf("gopher_word_count") == identityOf("gopher_quality")); // by column: the same scorer
    }

    void unknownParametersRejected_data()
    {
        QTest::addColumn<QString>("list");
        QTest::addColumn<QString>("says");
        QTest::newRow("compression scorer") << "zlib6:level=9"
                                            << "scorer 'zlib6' has no parameter 'level'";
        QTest::newRow("heuristic scorer, by column") << "zstd3,gopher_word_count:min=3"
                                                     << "scorer 'gopher_quality' has no parameter 'min'";
        QTest::newRow("linear") << "linear:modle=x.json"
                                << "scorer 'linear' has no parameter 'modle'";
#ifdef SHARDSCOPE_HAVE_TORCH
        QTest::newRow("lm") << "lm:temperature=2"
                            << "scorer 'lm' has no parameter 'temperature'";
        QTest::newRow("lm, bad number") << "lm:window=wide"
                                        << "'window' must be a whole number";
#endif
    }
    void unknownParametersRejected()
    {
        QFETCH(QString, list);
        QFETCH(QString, says);
        try {
            ScorerRegistry::instance().resolveList(list.toStdString());
            QFAIL("no error");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find(says.toStdString()) != std::string::npos, e.what());
        }
    }

    // Shared parameters go to the scorers that take them; "name.key" aims at one scorer.
    void sharedParameters()
    {
        auto& reg = ScorerRegistry::instance();
        QCOMPARE(reg.resolveList("zlib6,zstd3", { { "model", "/nowhere" }, { "device", "cpu" } }).size(), size_t(2));
        try {
            reg.resolveList("zlib6", { { "zlib6.level", "9" } });
            QFAIL("no error");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find("'zlib6' has no parameter 'level'") != std::string::npos, e.what());
        }
    }

    // A scorer named twice is kept once when it would be the same scorer, refused when its parameters
    // differ (both would write its columns).
    void namedTwice()
    {
        auto& reg = ScorerRegistry::instance();
        QCOMPARE(reg.resolveList("zlib6,zstd3,zlib6").size(), size_t(2));
        QCOMPARE(reg.resolveList("gopher_quality,gopher_word_count").size(), size_t(1));
#ifdef SHARDSCOPE_HAVE_TORCH
        QCOMPARE(reg.resolveList("lm:window=64,lm_bpb:window=64").size(), size_t(1));
        try {
            reg.resolveList("lm:window=64,lm:window=32");
            QFAIL("no error");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find("'lm' is named twice with different parameters") != std::string::npos,
                e.what());
        }
#endif
    }

    void langidIdentityFollowsTheModelFile()
    {
#ifndef SHARDSCOPE_HAVE_FASTTEXT
        QSKIP("built without libfasttext (no langid scorer)");
#else
        REQUIRE_MODEL("lid176/lid.176.ftz");
        const std::string original = testdata::model("lid176/lid.176.ftz");
        QTemporaryDir tmp;
        const std::string copy = copyInto(tmp, original);
        ScorerIdentity before, same, after;
        {
            EnvOverride env("SHARDSCOPE_LID_MODEL", original);
            before = identityOf("langid");
        }
        {
            EnvOverride env("SHARDSCOPE_LID_MODEL", copy);
            same = identityOf("langid");
            flipByte(copy, 100);
            after = identityOf("langid");
        }
        QCOMPARE(before.files.size(), size_t(1));
        QCOMPARE(before.files[0].hash.size(), size_t(32));
        QVERIFY(same == before); // another path, the same content
        QCOMPARE(same.files[0].path, copy);
        QVERIFY(!(after == before));
        QVERIFY(after.files[0].hash != before.files[0].hash);
#endif
    }

    void badWordsIdentityFollowsTheList()
    {
        REQUIRE_MODEL("badwords/en.json");
        const std::string original = testdata::model("badwords/en.json");
        QTemporaryDir tmp;
        const std::string copy = copyInto(tmp, original);
        ScorerIdentity before, same, after;
        {
            EnvOverride env("SHARDSCOPE_BADWORDS", original);
            before = identityOf("c4_badwords");
        }
        {
            EnvOverride env("SHARDSCOPE_BADWORDS", copy);
            same = identityOf("c4_badwords");
            flipByte(copy, 10); // inside the last words of the list
            after = identityOf("c4_badwords");
        }
        QVERIFY(!before.files.empty() && !before.files[0].hash.empty());
        QVERIFY(same == before);
        QVERIFY(!(after == before));
    }

#ifdef SHARDSCOPE_HAVE_TORCH
    void lmIdentityFollowsTheWeights()
    {
        REQUIRE_MODEL("byte-lm/model.safetensors");
        const std::string original = testdata::model("byte-lm");
        QTemporaryDir tmp;
        for (const char* f : { "config.json", "model.safetensors" })
            copyInto(tmp, original + "/" + f);
        const std::string copy = tmp.path().toStdString();
        const ScorerIdentity before = identityOf("lm:model=" + original);
        QCOMPARE(before.version, 1); // the definition's version, no longer a hash of the weights
        QCOMPARE(before.files.size(), size_t(2)); // config and weights; a byte model has no tokenizer files
        QVERIFY(identityOf("lm:model=" + copy + ",device=cpu,batch_tokens=4096") == before);
        QVERIFY(!(identityOf("lm:model=" + copy + ",window=64") == before));
        flipByte(copy + "/model.safetensors", 1000);
        const ScorerIdentity after = identityOf("lm:model=" + copy);
        QVERIFY(!(after == before));
        QCOMPARE(after.files[0].hash, before.files[0].hash); // config.json is untouched
        QVERIFY(after.files[1].hash != before.files[1].hash);

        // The tokenizer files the model directory holds are part of it too.
        REQUIRE_FIXTURE("gpt2");
        for (const char* f : { "encoder.json", "vocab.bpe" })
            copyInto(tmp, testdata::fixture(std::string("gpt2/") + f));
        const ScorerIdentity withTokenizer = identityOf("lm:model=" + copy);
        QCOMPARE(withTokenizer.files.size(), size_t(4));
        QCOMPARE(withTokenizer.files[3].role, std::string("tokenizer:vocab.bpe"));
        flipByte(copy + "/vocab.bpe", 5);
        QVERIFY(!(identityOf("lm:model=" + copy) == withTokenizer));
    }

    // The lm scorer made from explicit parameters scores exactly as the global-options path did, and
    // later changes to the global options do not reach a scorer already made.
    void lmFromParametersScoresAsTheGlobalOptions()
    {
        REQUIRE_MODEL("byte-lm/model.safetensors");
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const std::string dir = testdata::model("byte-lm");
        auto texts = fixtureTexts("spam_ham.jsonl"); // the five shortest mails (a byte model on the CPU)
        std::sort(texts.begin(), texts.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
        texts.resize(5);
        texts.push_back("");

        LmOptions o;
        o.modelDir = dir;
        o.window = 96;
        setLmOptions(o);
        auto global = ScorerRegistry::instance().create("lm");
        auto viaShared = ScorerRegistry::instance().resolveList("lm", { { "model", dir }, { "window", "96" } });
        auto viaSpec = ScorerRegistry::instance().create("lm:model=" + dir + ",window=96");
        // A spec with parameters of its own does not consult the global options.
        const ScorerIdentity builtin = identityOf("lm:device=cpu");
        setLmOptions({});
        QVERIFY(global && viaSpec && viaShared.size() == 1);
        QVERIFY(global->identity() == viaSpec->identity());
        QVERIFY(viaShared[0]->identity() == viaSpec->identity());
        QCOMPARE(builtin.params.at("window"), std::string("0"));

        LmOptions broken;
        broken.modelDir = "/nonexistent/model";
        setLmOptions(broken); // made already: not read any more
        auto wGlobal = global->makeWorker(), wSpec = viaSpec->makeWorker(), wShared = viaShared[0]->makeWorker();
        setLmOptions({});
        for (const auto& t : texts) {
            float a[2], b[2], c[2];
            wGlobal->score(t, a);
            wSpec->score(t, b);
            wShared->score(t, c);
            for (int k = 0; k < 2; ++k) {
                QVERIFY(t.empty() ? isMissing(a[k]) : a[k] > 0);
                QVERIFY(a[k] == b[k] || (isMissing(a[k]) && isMissing(b[k])));
                QVERIFY(a[k] == c[k] || (isMissing(a[k]) && isMissing(c[k])));
            }
        }
    }
#endif

    // linear over real score columns (zlib6, zstd3 of mails, some of them empty or with a value removed):
    // computeDerived equals the logistic formula worked out here, at 1 and 3 threads.
    void linearOverRealColumns()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto texts = fixtureTexts("spam_ham.jsonl");
        texts.push_back(""); // both inputs missing
        const size_t n = texts.size();
        std::vector<float> zlib(n), zstd(n);
        {
            auto z = ScorerRegistry::instance().create("zlib6")->makeWorker();
            auto s = ScorerRegistry::instance().create("zstd3")->makeWorker();
            for (size_t d = 0; d < n; ++d) {
                z->score(texts[d], &zlib[d]);
                s->score(texts[d], &zstd[d]);
            }
        }
        for (size_t d = 0; d < n; d += 7)
            zstd[d] = kMissing; // one input missing
        QVERIFY(isMissing(zlib.back()) && !isMissing(zlib[1]));

        LinearModel m;
        m.inputs = { "zlib6", "zstd3" };
        m.mean = { 0.42, 0.45 };
        m.scale = { 0.08, 0.1 };
        m.missing = m.mean;
        m.weights = { 2.5, -1.25 };
        m.bias = 0.3;
        QTemporaryDir tmp;
        const std::string path = tmp.filePath(QStringLiteral("quality.json")).toStdString();
        writeFile(path, m.toJson());

        auto scorer = ScorerRegistry::instance().create("linear:model=" + path);
        QVERIFY(scorer);
        QVERIFY(scorer->unavailableReason().empty());
        QVERIFY(scorer->inputColumns() == m.inputs);
        QCOMPARE(scorer->columns().size(), size_t(1));
        QCOMPARE(scorer->columns()[0].name, std::string("quality"));
        const ScorerIdentity id = scorer->identity();
        QCOMPARE(id.files.size(), size_t(1));
        QCOMPARE(id.files[0].hash, hashFile(path));

        auto want = [&](size_t d) {
            double y = 0.3;
            if (!isMissing(zlib[d]))
                y += 2.5 * (double(zlib[d]) - 0.42) / 0.08; // a missing input counts as its mean: 0
            if (!isMissing(zstd[d]))
                y += -1.25 * (double(zstd[d]) - 0.45) / 0.1;
            return 1.0 / (1.0 + std::exp(-y));
        };
        for (int threads : { 1, 3 }) {
            const auto out = computeDerived(*scorer, { zlib.data(), zstd.data() }, n, threads);
            QCOMPARE(out.size(), size_t(1));
            QCOMPARE(out[0].size(), n);
            double worst = 0, lo = 1, hi = 0;
            for (size_t d = 0; d < n; ++d) {
                worst = std::max(worst, std::abs(double(out[0][d]) - want(d)));
                lo = std::min(lo, double(out[0][d]));
                hi = std::max(hi, double(out[0][d]));
            }
            QVERIFY2(worst < 1e-6, qPrintable(QString::number(worst)));
            QVERIFY(lo < 0.5 && hi > 0.5); // the weights spread the mails over both sides
            QCOMPARE(out[0].back(), float(1.0 / (1.0 + std::exp(-0.3))));
        }

        // Explicit values for missing inputs, and the identity link.
        m.missing = { 0.5, 0.3 };
        m.link = LinearModel::Link::Identity;
        m.output = "quality_raw";
        writeFile(path, m.toJson());
        auto raw = ScorerRegistry::instance().create("linear:model=" + path);
        QCOMPARE(raw->columns()[0].name, std::string("quality_raw"));
        QVERIFY(!(raw->identity() == id)); // the file changed
        const auto out = computeDerived(*raw, { zlib.data(), zstd.data() }, n, 2);
        for (size_t d = 0; d < n; ++d) {
            const double x0 = isMissing(zlib[d]) ? 0.5 : double(zlib[d]);
            const double x1 = isMissing(zstd[d]) ? 0.3 : double(zstd[d]);
            const double y = 0.3 + 2.5 * (x0 - 0.42) / 0.08 - 1.25 * (x1 - 0.45) / 0.1;
            QVERIFY2(
                std::abs(double(out[0][d]) - y) < 1e-5 * std::max(1.0, std::abs(y)), qPrintable(QString::number(d)));
        }

        // The first scorer's file changed under it: its values would no longer be what its identity says.
        try {
            computeDerived(*scorer, { zlib.data(), zstd.data() }, n, 1);
            QFAIL("no error for a changed model file");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), path);
            QVERIFY2(std::string(e.what()).find("changed since the scorer was made") != std::string::npos, e.what());
        }
        std::filesystem::remove(path);
        QVERIFY_THROWS_EXCEPTION(InputError, raw->makeWorker());

        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, computeDerived(*raw, { zlib.data() }, n, 1));
        QVERIFY_THROWS_EXCEPTION(
            std::invalid_argument, computeDerived(*ScorerRegistry::instance().create("zlib6"), { zlib.data() }, n, 1));
    }

    void linearModelErrors_data()
    {
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("says");
        const QByteArray ok = R"("inputs": ["zlib6"], "mean": [0.4], "scale": [0.1], "weights": [1], "bias": 0)";
        QTest::newRow("not JSON") << QByteArray(R"({"format": "shardscope-linear",)") << "not valid JSON";
        QTest::newRow("another format") << QByteArray(R"({"format": "fasttext", "version": 1})")
                                        << "not a linear model";
        QTest::newRow("newer version") << QByteArray(R"({"format": "shardscope-linear", "version": 2, )" + ok + "}")
                                       << "format version 2";
        QTest::newRow("zero scale") << QByteArray(
            R"({"format": "shardscope-linear", "version": 1, "inputs": ["zlib6"], )"
            R"("mean": [0.4], "scale": [0], "weights": [1], "bias": 0})")
                                    << "'scale' of input 'zlib6' is 0";
        QTest::newRow("weights too short")
            << QByteArray(R"({"format": "shardscope-linear", "version": 1, "inputs": ["zlib6", "zstd3"], )"
                          R"("mean": [0.4, 0.4], "scale": [0.1, 0.1], "weights": [1], "bias": 0})")
            << "'weights' must be an array of 2 numbers";
        QTest::newRow("unknown link") << QByteArray(
            R"({"format": "shardscope-linear", "version": 1, "link": "probit", )" + ok + "}")
                                      << "'link' is 'probit'";
    }
    void linearModelErrors()
    {
        QFETCH(QByteArray, content);
        QFETCH(QString, says);
        QTemporaryDir tmp;
        const std::string path = tmp.filePath(QStringLiteral("model.json")).toStdString();
        writeFile(path, content.toStdString());
        try {
            ScorerRegistry::instance().create("linear:model=" + path);
            QFAIL("no error");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), path);
            QVERIFY2(std::string(e.what()).find(says.toStdString()) != std::string::npos, e.what());
        }
    }

    void linearNeedsAModel()
    {
        try {
            ScorerRegistry::instance().create("linear:model=/nonexistent/quality.json");
            QFAIL("no error");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), std::string("/nonexistent/quality.json"));
        }
        QVERIFY_THROWS_EXCEPTION(ScorerUnavailable, ScorerRegistry::instance().resolveList("linear"));
        for (const auto& s : ScorerRegistry::instance().resolveList("all"))
            QVERIFY2(s->inputColumns().empty(), s->name().c_str()); // 'all' holds text scorers only
    }
};

QTEST_APPLESS_MAIN(TestScorerSpec)
#include "tst_scorerspec.moc"
