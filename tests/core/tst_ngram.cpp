// The n-gram reference model (issue 22, part 2): Kneser-Ney probabilities against a direct implementation of the
// formula in ngramlm.h, normalisation, what it learns from real text, its files (round trip, corrupt, truncated or
// other-version files are InputErrors naming the file), and the ngram scorer's identity.

#include "apply.h"
#include "bytesource.h"
#include "filterconfig.h"
#include "ngramlm.h"
#include "ngramtrainer.h"
#include "scorer.h"
#include "sha256.h"
#include "testutil.h"

#include "clirun.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <map>
#include <random>

using namespace shardscope;
using namespace testutil;

namespace {

// The "text" of every record of a JSON Lines file.
std::vector<std::string> texts(const std::string& path)
{
    std::vector<std::string> out;
    for (const auto& line : splitLines(readFile(path)))
        if (!line.empty())
            out.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
    return out;
}

std::vector<std::string_view> views(const std::vector<std::string>& docs, size_t from = 0, size_t step = 1)
{
    std::vector<std::string_view> out;
    for (size_t i = from; i < docs.size(); i += step)
        out.push_back(docs[i]);
    return out;
}

double bpb(const NgramModel& m, const std::vector<std::string_view>& docs)
{
    double bits = 0, bytes = 0;
    for (auto d : docs) {
        bits += m.bits(d);
        bytes += double(d.size());
    }
    return bits / bytes;
}

// Interpolated modified Kneser-Ney straight from its definition (ngramlm.h), with maps of symbol vectors (256 = <s>).
class ReferenceKn {
public:
    using Gram = std::vector<int>;
    ReferenceKn(const std::vector<std::string_view>& docs, int order)
        : m_order(order)
    {
        std::map<Gram, uint64_t> raw;
        for (auto doc : docs) {
            Gram seq { 256 };
            for (unsigned char c : doc)
                seq.push_back(c);
            for (size_t i = 1; i < seq.size(); ++i)
                for (int m = 1; m <= order && size_t(m) <= i + 1; ++m)
                    ++raw[Gram(seq.begin() + long(i) + 1 - m, seq.begin() + long(i) + 1)];
        }
        for (const auto& [g, c] : raw)
            if (int(g.size()) == order || g[0] == 256)
                m_adj[g] = c;
            else
                m_adj.emplace(g, 0);
        for (const auto& [g, c] : raw)
            if (g.size() >= 2)
                if (!(int(g.size() - 1) == order || g[1] == 256))
                    ++m_adj[Gram(g.begin() + 1, g.end())];
        for (int m = 1; m <= order; ++m) {
            double n[5] = {};
            for (const auto& [g, a] : m_adj)
                if (int(g.size()) == m && a <= 4)
                    ++n[a];
            std::array<double, 3> d { 0.5, 1.0, 1.5 };
            if (n[1] && n[2] && n[3] && n[4]) {
                const double y = n[1] / (n[1] + 2 * n[2]);
                const std::array<double, 3> e { 1 - 2 * y * n[2] / n[1], 2 - 3 * y * n[3] / n[2],
                    3 - 4 * y * n[4] / n[3] };
                if (e[0] > 0 && e[0] <= 1 && e[1] > 0 && e[1] <= 2 && e[2] > 0 && e[2] <= 3)
                    d = e;
            }
            m_d[size_t(m)] = d;
        }
        for (const auto& [g, a] : m_adj) {
            auto& c = m_ctx[Gram(g.begin(), g.end() - 1)];
            c[0] += double(a);
            c[std::min<uint64_t>(a, 3)] += 1;
        }
    }
    const std::array<double, 3>& discounts(int m) const { return m_d[size_t(m)]; }
    // P(w | h), h at most order - 1 symbols.
    double p(int w, const Gram& h) const
    {
        const double lower = h.empty() ? 1.0 / 256 : p(w, Gram(h.begin() + 1, h.end()));
        auto c = m_ctx.find(h);
        if (c == m_ctx.end() || c->second[0] == 0)
            return lower;
        const auto& d = m_d[h.size() + 1];
        Gram g = h;
        g.push_back(w);
        auto a = m_adj.find(g);
        const double count = a == m_adj.end() ? 0 : double(a->second);
        const double disc = count == 0 ? 0 : d[size_t(std::min(count, 3.0)) - 1];
        const double gamma = (d[0] * c->second[1] + d[1] * c->second[2] + d[2] * c->second[3]) / c->second[0];
        return std::max(count - disc, 0.0) / c->second[0] + gamma * lower;
    }
    // The context of the next byte after <s> prefix.
    Gram context(std::string_view prefix) const
    {
        Gram seq { 256 };
        for (unsigned char c : prefix)
            seq.push_back(c);
        const size_t keep = std::min(seq.size(), size_t(m_order - 1));
        return Gram(seq.end() - long(keep), seq.end());
    }

private:
    int m_order;
    std::map<Gram, uint64_t> m_adj;
    std::map<Gram, std::array<double, 4>> m_ctx; // total, N1, N2, N3+
    std::array<std::array<double, 3>, 8> m_d {};
};

std::string tempDir(QTemporaryDir& d, const char* name)
{
    return d.filePath(QString::fromLatin1(name)).toStdString();
}

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

// sha256sum's hash of a file, or "" when the tool is not there.
std::string sha256sum(const std::string& path)
{
    QProcess p;
    p.start(QStringLiteral("sha256sum"), { q(path) });
    if (!p.waitForFinished(30000) || p.exitCode() != 0)
        return {};
    return QString::fromUtf8(p.readAllStandardOutput()).section(QLatin1Char(' '), 0, 0).toStdString();
}

} // namespace

class TestNgram : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void matchesTheDefinition_data()
    {
        QTest::addColumn<int>("order");
        QTest::newRow("order 1") << 1;
        QTest::newRow("order 2") << 2;
        QTest::newRow("order 3") << 3;
        QTest::newRow("order 5") << 5;
    }
    // The stored backoff form gives the interpolated Kneser-Ney probabilities of the definition, and they sum to 1
    // over the 256 bytes, in contexts seen in training, partly seen, at the start of a document and never seen.
    void matchesTheDefinition()
    {
        QFETCH(int, order);
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const auto all = texts(testdata::fixture("spam_ham.jsonl"));
        std::vector<std::string> docs(all.begin(), all.begin() + std::min<size_t>(all.size(), 12));
        const auto train = views(docs);
        const NgramModel model = NgramModel::train(train, order);
        const ReferenceKn ref(train, order);
        for (int m = 1; m <= order; ++m)
            for (int i = 0; i < 3; ++i)
                QCOMPARE(model.discounts(m)[size_t(i)], ref.discounts(m)[size_t(i)]);
        const std::string seen = docs[3].substr(0, 40);
        const std::vector<std::string> prefixes { "", "S", seen, seen + "\x01\x02", docs[0].substr(0, 7) + "zq",
            "\xff\xfe\xfd\xfc\xfb\xfa" };
        for (const auto& prefix : prefixes) {
            const auto dist = model.distribution(prefix);
            double sum = 0;
            for (int w = 0; w < 256; ++w) {
                sum += dist[size_t(w)];
                const double want = ref.p(w, ref.context(prefix));
                if (std::abs(dist[size_t(w)] - want) > 1e-5 * std::max(want, 1e-3))
                    QFAIL(qPrintable(QStringLiteral("order %1, prefix of %2 bytes, byte %3: model %4, definition %5")
                                         .arg(order)
                                         .arg(prefix.size())
                                         .arg(w)
                                         .arg(dist[size_t(w)])
                                         .arg(want)));
            }
            QVERIFY2(std::abs(sum - 1) < 1e-4, qPrintable(QString::number(sum, 'g', 10)));
        }
    }

    // What the model learns from real text: held-out documents of the same corpus cost fewer bits than the same
    // bytes shuffled or random bytes, and a boilerplate document seen many times in training costs very few.
    void learnsFromRealText()
    {
        REQUIRE_SHARED("fixtures/spamassassin_40spam_40ham.jsonl");
        const auto docs = texts(testdata::shared("fixtures/spamassassin_40spam_40ham.jsonl"));
        const std::string boilerplate
            = "This website uses cookies to improve your experience. By continuing to browse the site you agree to "
              "our use of cookies. Privacy policy | Terms of use | Contact us | Copyright 2002 All rights reserved.";
        auto train = views(docs, 1, 4);
        const auto trainHam = views(docs, 2, 4);
        train.insert(train.end(), trainHam.begin(), trainHam.end());
        const auto trainMore = views(docs, 3, 4);
        train.insert(train.end(), trainMore.begin(), trainMore.end());
        for (int i = 0; i < 30; ++i)
            train.push_back(boilerplate);
        const auto held = views(docs, 0, 4);
        const NgramModel model = NgramModel::train(train, 5);

        std::mt19937 rng(7);
        std::vector<std::string> shuffled, random;
        for (auto d : held) {
            std::string s(d);
            std::shuffle(s.begin(), s.end(), rng);
            shuffled.push_back(s);
            std::string r(d.size(), '\0');
            for (char& c : r)
                c = char(rng() & 0xff);
            random.push_back(r);
        }
        const double heldBpb = bpb(model, held), shuffledBpb = bpb(model, views(shuffled)),
                     randomBpb = bpb(model, views(random));
        qInfo("held out %.3f, shuffled %.3f, random %.3f, boilerplate %.3f bits per byte", heldBpb, shuffledBpb,
            randomBpb, double(model.bitsPerByte(boilerplate)));
        QVERIFY(heldBpb < 4.0);
        QVERIFY(heldBpb + 1 < shuffledBpb);
        QVERIFY(shuffledBpb < randomBpb);
        QVERIFY(randomBpb > 7.5);
        QVERIFY(model.bitsPerByte(boilerplate) < 0.5);
        QVERIFY(model.bitsPerByte(boilerplate) < heldBpb / 4);
    }

    void emptyTextIsMissing()
    {
        const std::vector<std::string_view> train { "abc abc abc" };
        const NgramModel model = NgramModel::train(train, 3);
        QVERIFY(isMissing(model.bitsPerByte("")));
        QVERIFY(model.bitsPerByte("abc") > 0);
        // A sample too small to estimate discounts from still leaves every byte some probability.
        QVERIFY(std::isfinite(model.bitsPerByte("\x01zzq")));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, NgramModel::train(train, 0));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, NgramModel::train(train, NgramModel::kMaxOrder + 1));
    }

    // Saved and loaded, a model scores exactly as before, and training is deterministic: the same sample gives the
    // same file (a filter config names the file by its SHA-256).
    void roundTrip()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const auto docs = texts(testdata::fixture("spam_ham.jsonl"));
        NgramModel model = NgramModel::train(views(docs, 1, 2), 5);
        model.provenance.sample = "bernoulli p=0.5 seed=3";
        model.provenance.seed = 3;
        model.provenance.heldOutBpb = 2.5;
        QTemporaryDir dir;
        const std::string path = tempDir(dir, "m");
        model.save(path);
        const NgramModel back = NgramModel::load(path);
        QCOMPARE(back.order(), 5);
        QCOMPARE(back.provenance.sample, model.provenance.sample);
        QCOMPARE(back.provenance.seed, uint64_t(3));
        for (auto d : views(docs, 0, 2))
            QCOMPARE(back.bits(d), model.bits(d));
        QCOMPARE(back.serialize(), model.serialize());
        QCOMPARE(NgramModel::train(views(docs, 1, 2), 5).serialize(), model.serialize());
        const auto meta = nlohmann::json::parse(readFile(path + "/ngram.json"));
        QCOMPARE(meta.at("format").get<std::string>(), std::string("shardscope-ngram"));
        QCOMPARE(meta.at("training").at("held_out_bpb").get<double>(), 2.5);
        QVERIFY(isNgramModelDir(path));
        QVERIFY(!isNgramModelDir(tempDir(dir, "nothing")));
    }

    void badFilesAreInputErrors_data()
    {
        QTest::addColumn<QString>("damage");
        QTest::addColumn<QString>("file");
        QTest::addColumn<QString>("says");
        QTest::newRow("truncated") << "truncate"
                                   << "ngram.bin"
                                   << "checksum";
        QTest::newRow("cut to the header") << "header"
                                           << "ngram.bin"
                                           << "truncated";
        QTest::newRow("empty") << "empty"
                               << "ngram.bin"
                               << "truncated";
        QTest::newRow("flipped byte") << "flip"
                                      << "ngram.bin"
                                      << "corrupt";
        QTest::newRow("other version") << "version"
                                       << "ngram.bin"
                                       << "format version 2";
        QTest::newRow("not a model") << "magic"
                                     << "ngram.bin"
                                     << "not a shardscope n-gram model";
        QTest::newRow("no binary") << "nobin"
                                   << "ngram.bin"
                                   << "cannot open";
        QTest::newRow("no metadata") << "nometa"
                                     << "ngram.json"
                                     << "cannot open";
        QTest::newRow("metadata not JSON") << "metajunk"
                                           << "ngram.json"
                                           << "not valid JSON";
        QTest::newRow("metadata other version") << "metaversion"
                                                << "ngram.json"
                                                << "version 9";
        QTest::newRow("metadata other order") << "metaorder"
                                              << "ngram.json"
                                              << "'order' does not match";
    }
    void badFilesAreInputErrors()
    {
        QFETCH(QString, damage);
        QFETCH(QString, file);
        QFETCH(QString, says);
        const std::vector<std::string_view> train { "the cat sat on the mat", "the dog sat on the log" };
        QTemporaryDir dir;
        const std::string path = tempDir(dir, "m");
        NgramModel::train(train, 3).save(path);
        const std::string bin = path + "/ngram.bin", meta = path + "/ngram.json";
        std::string b = readFile(bin);
        auto reseal = [&](std::string& s) {
            const uint64_t sum = XXH3_64bits(s.data(), s.size() - 8);
            std::memcpy(s.data() + s.size() - 8, &sum, 8);
        };
        if (damage == QLatin1String("truncate"))
            writeFile(bin, b.substr(0, b.size() - 20));
        else if (damage == QLatin1String("header"))
            writeFile(bin, b.substr(0, 10));
        else if (damage == QLatin1String("empty"))
            writeFile(bin, std::string());
        else if (damage == QLatin1String("flip")) {
            b[b.size() / 2] ^= 0x10;
            writeFile(bin, b);
        } else if (damage == QLatin1String("version")) {
            b[8] = 2;
            reseal(b);
            writeFile(bin, b);
        } else if (damage == QLatin1String("magic")) {
            b[0] = 'X';
            writeFile(bin, b);
        } else if (damage == QLatin1String("nobin"))
            std::filesystem::remove(bin);
        else if (damage == QLatin1String("nometa"))
            std::filesystem::remove(meta);
        else if (damage == QLatin1String("metajunk"))
            writeFile(meta, "{\"format\": ");
        else if (damage == QLatin1String("metaversion"))
            writeFile(meta, R"({"format": "shardscope-ngram", "version": 9, "order": 3})");
        else if (damage == QLatin1String("metaorder"))
            writeFile(meta, R"({"format": "shardscope-ngram", "version": 1, "order": 4})");
        try {
            NgramModel::load(path);
            QFAIL("loaded");
        } catch (const InputError& e) {
            QCOMPARE(QString::fromStdString(std::filesystem::path(e.file()).filename().string()), file);
            QVERIFY2(QString::fromStdString(e.what()).contains(says), e.what());
        }
        // Through the registry too: the scorer cannot be made.
        registerBuiltinScorers();
        QVERIFY_THROWS_EXCEPTION(InputError, ScorerRegistry::instance().create("ngram:model=" + path));
    }

    // ngram:model=DIR: the ngram_bpb column, the model file's hash in the identity, and a model retrained in place
    // after the scorer was made is refused rather than scored under the old identity.
    void scorer()
    {
        registerBuiltinScorers();
        auto bare = ScorerRegistry::instance().create("ngram_bpb");
        QVERIFY(bare);
        QCOMPARE(bare->name(), std::string("ngram"));
        QVERIFY(!bare->unavailableReason().empty());
        QVERIFY(!bare->includedInAll());

        const std::vector<std::string_view> train { "the cat sat on the mat", "the dog sat on the log" };
        QTemporaryDir dir;
        const std::string path = tempDir(dir, "m");
        NgramModel::train(train, 3).save(path);
        auto s = ScorerRegistry::instance().create("ngram:model=" + path);
        QVERIFY(s->unavailableReason().empty());
        QCOMPARE(s->columns().size(), size_t(1));
        QCOMPARE(s->columns()[0].name, std::string("ngram_bpb"));
        const ScorerIdentity id = s->identity();
        QCOMPARE(id.files.size(), size_t(1));
        QCOMPARE(id.files[0].role, std::string("model"));
        QCOMPARE(id.files[0].hash, hashFile(path + "/ngram.bin"));
        QVERIFY(id.params.empty()); // where the model is does not change the scores
        auto w = s->makeWorker();
        float v[1];
        w->score("the cat sat on the log", v);
        QVERIFY(v[0] > 0 && v[0] < 8);
        w->score("", v);
        QVERIFY(isMissing(v[0]));
        NgramModel::train(train, 2).save(path);
        QVERIFY_THROWS_EXCEPTION(InputError, s->makeWorker());
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ScorerRegistry::instance().create("ngram:model=x,order=3"));
    }

    // The SHA-256 that filter configs record is the one sha256sum prints (users check model files with it).
    void sha256IsSha256sums()
    {
        QCOMPARE(sha256Hex(""), std::string("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        QCOMPARE(sha256Hex("abc"), std::string("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        QTemporaryDir dir;
        const std::string path = tempDir(dir, "f");
        std::string data;
        for (size_t i = 0; i < 300000; ++i)
            data += char(i * 7919 % 251);
        writeFile(path, data);
        const std::string want = sha256sum(path);
        if (want.empty())
            QSKIP("sha256sum is not installed");
        QCOMPARE(sha256File(path), want);
        QCOMPARE(sha256Hex(data), want);
        QVERIFY_THROWS_EXCEPTION(InputError, sha256File(tempDir(dir, "missing")));
    }

    // Configs name the model-backed scorers their rules need, with the files' SHA-256 (version 3); resolving the
    // config's scorers checks them.
    void configScorers()
    {
        const std::vector<std::string_view> train { "the cat sat on the mat", "the dog sat on the log" };
        QTemporaryDir dir;
        const std::string model = tempDir(dir, "m");
        NgramModel::train(train, 3).save(model);
        FilterConfig c;
        FilterRule r;
        r.column = "ngram_bpb";
        r.bounds.max = 3.0;
        c.rules.push_back(r);
        r.column = "zlib6";
        c.rules.push_back(r);
        QCOMPARE(c.requiredVersion(), 1);
        recordFileScorers(c, "zlib6,ngram_bpb", { { "ngram.model", model } });
        QCOMPARE(c.scorers.size(), size_t(1)); // zlib6 reads no file
        QCOMPARE(c.scorers[0].spec, "ngram:model=" + model);
        QCOMPARE(c.scorers[0].files.size(), size_t(1));
        QCOMPARE(c.scorers[0].files[0].role, std::string("model"));
        QCOMPARE(c.scorers[0].files[0].path, model + "/ngram.bin");
        QCOMPARE(c.scorers[0].files[0].sha256, sha256File(model + "/ngram.bin"));
        QCOMPARE(c.requiredVersion(), 3);
        const FilterConfig back = FilterConfig::parse(c.toJson());
        QCOMPARE(back.scorers, c.scorers);
        // A scorer whose column no rule uses is not recorded.
        FilterConfig other;
        r.column = "zlib6";
        other.rules.push_back(r);
        recordFileScorers(other, "ngram:model=" + model);
        QVERIFY(other.scorers.empty());

        // Without "scorers", a rule on ngram_bpb needs the model given (apply --model DIR), and says so up front.
        FilterConfig rulesOnly;
        rulesOnly.rules = c.rules;
        QVERIFY_THROWS_EXCEPTION(ScorerUnavailable, resolveConfigScorers(rulesOnly));
        QCOMPARE(resolveConfigScorers(rulesOnly, { { "ngram.model", model } })[0]->name(), std::string("ngram"));

        auto scorers = resolveConfigScorers(back);
        QCOMPARE(scorers.size(), size_t(2));
        QCOMPARE(scorers[0]->name(), std::string("ngram"));
        QVERIFY(scorers[0]->unavailableReason().empty());

        // "scorers" needs version 3; a bad hash is refused when the config is read.
        std::string v2 = c.toJson();
        v2.replace(v2.find("\"version\": 3"), 13, "\"version\": 2");
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, FilterConfig::parse(v2));
        std::string badHash = c.toJson();
        badHash.replace(badHash.find(c.scorers[0].files[0].sha256), 64, std::string(64, 'x'));
        QVERIFY_THROWS_EXCEPTION(std::runtime_error, FilterConfig::parse(badHash));

        // The model retrained: resolving the config's scorers names the file and both hashes.
        NgramModel::train(train, 2).save(model);
        try {
            resolveConfigScorers(back);
            QFAIL("a changed model was accepted");
        } catch (const InputError& e) {
            QCOMPARE(e.file(), model + "/ngram.bin");
            QVERIFY(QString::fromStdString(e.what()).contains(q(c.scorers[0].files[0].sha256)));
            QVERIFY(QString::fromStdString(e.what()).contains(q(sha256File(model + "/ngram.bin"))));
        }
        std::filesystem::remove_all(model);
        QVERIFY_THROWS_EXCEPTION(InputError, resolveConfigScorers(back));
    }

    // The GUI's training (trainNgramOnSample, Language Model > Train N-gram Reference Model…, issue 22) and
    // train-ngram draw the same uniform sample of a compressed corpus, hold out the same documents and write the
    // same model file, byte for byte.
    void guiTrainingMatchesTheCli()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir dir;
        const std::string shard = dir.filePath(QStringLiteral("spam_ham.jsonl.gz")).toStdString();
        testutil::writeFile(shard, testutil::gzipCompress(testutil::readFile(testdata::fixture("spam_ham.jsonl"))));
        const QString cliModel = dir.filePath(QStringLiteral("cli"));
        Run t
            = cli({ QStringLiteral("train-ngram"), QStringLiteral("-q"), QStringLiteral("--order"), QStringLiteral("4"),
                      QStringLiteral("--sample"), QStringLiteral("60%"), QStringLiteral("--seed"), QStringLiteral("3"),
                      QStringLiteral("--held-out"), QStringLiteral("10"), QStringLiteral("--out"), cliModel, q(shard) },
                dir.filePath(QStringLiteral("cache")));
        QVERIFY2(t.code == 0, qPrintable(t.err));

        NgramTrainingOptions o;
        o.shards = { shard };
        o.fields = detectFields(shard, FieldMapping {}, false);
        o.fraction = 0.6;
        o.seed = 3;
        o.heldOutPercent = 10;
        o.order = 4;
        const NgramTrainingResult r = trainNgramOnSample(o, nullptr);
        QVERIFY(!r.cancelled);
        const auto& p = r.model.provenance;
        const auto meta = nlohmann::json::parse(readFile(cliModel.toStdString() + "/ngram.json"));
        QCOMPARE(p.documents, meta.at("training").at("documents").get<uint64_t>());
        QCOMPARE(p.heldOutDocuments, meta.at("training").at("held_out_documents").get<uint64_t>());
        QCOMPARE(p.sample, meta.at("training").at("sample").get<std::string>());
        QVERIFY(p.heldOutDocuments > 0 && p.documents + p.heldOutDocuments < 80);
        QVERIFY(r.model.serialize() == readFile(cliModel.toStdString() + "/ngram.bin"));

        std::atomic<bool> stop { true };
        QVERIFY(trainNgramOnSample(o, &stop).cancelled);
    }

    // The CLI end to end: train-ngram on a sample, score --scorers ngram --model DIR, suggest --out with the model
    // named in the config, apply, and apply refusing a model that changed since.
    void cliEndToEnd()
    {
        REQUIRE_SHARED("fixtures/spamassassin_40spam_40ham.jsonl");
        const QString shard = q(testdata::shared("fixtures/spamassassin_40spam_40ham.jsonl"));
        QTemporaryDir dir;
        const QString cache = dir.filePath(QStringLiteral("cache")), model = dir.filePath(QStringLiteral("model"));
        Run t
            = cli({ QStringLiteral("train-ngram"), QStringLiteral("--order"), QStringLiteral("4"),
                      QStringLiteral("--sample"), QStringLiteral("60%"), QStringLiteral("--seed"), QStringLiteral("3"),
                      QStringLiteral("--held-out"), QStringLiteral("20"), QStringLiteral("--out"), model, shard },
                cache);
        QVERIFY2(t.code == 0, qPrintable(t.err));
        QVERIFY(t.out.contains(QStringLiteral("order=4")));
        const auto meta = nlohmann::json::parse(readFile(model.toStdString() + "/ngram.json"));
        QCOMPARE(meta.at("order").get<int>(), 4);
        const auto& training = meta.at("training");
        QCOMPARE(training.at("seed").get<uint64_t>(), uint64_t(3));
        QVERIFY(training.at("sample").get<std::string>().find("0.6") != std::string::npos);
        const uint64_t sampled
            = training.at("documents").get<uint64_t>() + training.at("held_out_documents").get<uint64_t>();
        QVERIFY2(sampled > 30 && sampled < 70, qPrintable(QString::number(sampled))); // about 60% of 80, not all
        QVERIFY(training.at("held_out_documents").get<uint64_t>() > 0);
        const double heldOut = training.at("held_out_bpb").get<double>();
        QVERIFY(heldOut > 1 && heldOut < 5);

        const QString tsv = dir.filePath(QStringLiteral("s.tsv"));
        Run s = cli({ QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("zlib6,ngram"),
                        QStringLiteral("--model"), model, QStringLiteral("--tsv"), tsv, shard },
            cache);
        QVERIFY2(s.code == 0, qPrintable(s.err));
        const auto rows = splitLines(readFile(tsv.toStdString()));
        QCOMPARE(rows[0], std::string("id\tgroup\tbytes\tzlib6\tngram_bpb"));
        size_t values = 0;
        for (size_t i = 1; i < rows.size(); ++i) {
            if (rows[i].empty())
                continue;
            const double v = std::stod(splitTabs(rows[i]).back());
            QVERIFY(v > 0.1 && v < 8);
            ++values;
        }
        QCOMPARE(values, size_t(80));
        // Without a model the scorer says what it needs (exit 1: an input error).
        Run bare = cli({ QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("ngram"), shard }, cache);
        QCOMPARE(bare.code, 1);
        QVERIFY(bare.err.contains(QStringLiteral("train-ngram")));

        const QString cfg = dir.filePath(QStringLiteral("cfg.json"));
        Run g = cli(
            { QStringLiteral("suggest"), QStringLiteral("-q"), QStringLiteral("--columns"), QStringLiteral("ngram_bpb"),
                QStringLiteral("--model"), model, QStringLiteral("--out"), cfg, shard },
            cache);
        QVERIFY2(g.code == 0, qPrintable(g.err));
        const FilterConfig config = FilterConfig::load(cfg.toStdString());
        QCOMPARE(config.scorers.size(), size_t(1));
        QCOMPARE(config.scorers[0].files[0].sha256, sha256File(model.toStdString() + "/ngram.bin"));
        const QString out = dir.filePath(QStringLiteral("out"));
        Run a = cli({ QStringLiteral("apply"), QStringLiteral("-q"), QStringLiteral("--config"), cfg,
                        QStringLiteral("--out"), out, shard },
            cache);
        QVERIFY2(a.code == 0, qPrintable(a.err));
        QVERIFY(a.out.contains(QStringLiteral("read=80")));

        // Retrained in place: apply stops before reading the corpus, naming the file and the hash it expected.
        Run t2 = cli({ QStringLiteral("train-ngram"), QStringLiteral("-q"), QStringLiteral("--order"),
                         QStringLiteral("3"), QStringLiteral("--out"), model, shard },
            cache);
        QCOMPARE(t2.code, 0);
        Run refused = cli({ QStringLiteral("apply"), QStringLiteral("-q"), QStringLiteral("--config"), cfg,
                              QStringLiteral("--out"), out, shard },
            cache);
        QCOMPARE(refused.code, 1);
        QVERIFY2(refused.err.contains(model + QStringLiteral("/ngram.bin")), qPrintable(refused.err));
        QVERIFY(refused.err.contains(q(config.scorers[0].files[0].sha256)));
        QVERIFY(refused.err.contains(QStringLiteral("SHA-256")));
    }
};

QTEST_APPLESS_MAIN(TestNgram)
#include "tst_ngram.moc"
