// Issue 4: the libtorch causal LM. Logits of a randomly initialised tiny GPT-2 equal an independent
// Python implementation (lm_reference_gpt2.py, Debian python3-torch) within 1e-4; the windowed loss
// equals the reference's sliding-window sum; bad model input (missing file, unknown architecture,
// tokenizer that does not fit, corrupt safetensors header) is a clear error, never a crash.
// Without SHARDSCOPE_WITH_TORCH every case is skipped.

// libtorch first: Qt's `slots` keyword macro breaks ATen's headers when Qt comes before them.
#ifdef SHARDSCOPE_HAVE_TORCH
#include "causallm.h"
#include "lmtrain.h"
#include "lmscorer.h"
#include "scan.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#endif

#include "testutil.h"

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#ifdef SHARDSCOPE_HAVE_TORCH
using namespace shardscope;
#endif

class TestLm : public QObject {
    Q_OBJECT

#ifdef SHARDSCOPE_HAVE_TORCH
    QTemporaryDir m_ref;

    // Writes the reference model; skips when Debian's python3-torch is not installed.
    bool makeReference()
    {
        QProcess py;
        py.start(QStringLiteral("/usr/bin/python3"),
                 { QFINDTESTDATA("lm_reference_gpt2.py"), m_ref.path() });
        if (!py.waitForFinished(300000) || py.exitCode() != 0) {
            qWarning("%s", py.readAllStandardError().constData());
            return false;
        }
        return true;
    }

    std::string ref(const char* f) const { return (m_ref.path() + QLatin1Char('/') + QLatin1String(f)).toStdString(); }

    // A copy of the reference model directory with one file replaced, for the bad-input cases.
    std::string brokenCopy(QTemporaryDir& dir, const std::string& file, const std::string& content) const
    {
        namespace fs = std::filesystem;
        for (const char* f : { "config.json", "model.safetensors" })
            fs::copy_file(ref(f), dir.path().toStdString() + "/" + f);
        if (!file.empty())
            testutil::writeFile(dir.path().toStdString() + "/" + file, content);
        return dir.path().toStdString();
    }

    void expectError(const std::string& dir, const std::string& expect, const std::string& device = "cpu")
    {
        try {
            lm::CausalLm::load(dir, device);
            QFAIL(("no error for " + expect).c_str());
        } catch (const lm::ModelError& e) {
            QVERIFY2(std::string(e.what()).find(expect) != std::string::npos, e.what());
        }
    }
#endif

private Q_SLOTS:
    void initTestCase()
    {
#ifndef SHARDSCOPE_HAVE_TORCH
        QSKIP("built without SHARDSCOPE_WITH_TORCH");
#else
        registerBuiltinScorers();
        if (!makeReference())
            QSKIP("/usr/bin/python3 with torch (Debian python3-torch) is needed for the reference model");
#endif
    }

#ifdef SHARDSCOPE_HAVE_TORCH
    void logitsMatchIndependentPython()
    {
        auto model = lm::CausalLm::load(m_ref.path().toStdString(), "cpu");
        auto j = nlohmann::json::parse(testutil::readFile(ref("ids.json")));
        std::vector<std::vector<int64_t>> rows = j["ids"];
        const int64_t B = int64_t(rows.size()), T = int64_t(rows[0].size());
        auto ids = torch::empty({ B, T }, torch::kLong);
        for (int64_t b = 0; b < B; ++b)
            for (int64_t t = 0; t < T; ++t)
                ids[b][t] = rows[size_t(b)][size_t(t)];
        torch::NoGradGuard ng;
        auto got = model->logits(ids);
        std::string raw = testutil::readFile(ref("logits.f32"));
        QCOMPARE(raw.size(), size_t(got.numel()) * 4);
        auto want = torch::from_blob(raw.data(), got.sizes(), torch::kFloat32);
        double maxDiff = (got - want).abs().max().item<double>();
        double scale = want.abs().max().item<double>();
        qInfo("max |logit difference| = %.3g (logits up to %.3g)", maxDiff, scale);
        QVERIFY(scale > 1); // the reference is not trivially zero
        QVERIFY2(maxDiff < 1e-4, qPrintable(QString::number(maxDiff)));
    }

    void windowedLossMatchesReference()
    {
        auto model = lm::CausalLm::load(m_ref.path().toStdString(), "cpu");
        auto j = nlohmann::json::parse(testutil::readFile(ref("ids.json")));
        auto l = nlohmann::json::parse(testutil::readFile(ref("loss.json")));
        std::string text = j["text"];
        QCOMPARE(l["window"].get<int>(), model->config().maxPositions);
        for (int batchTokens : { 48, 100000 }) { // one window per batch, and all windows in one batch
            auto r = lm::scoreTexts(*model, { text }, { 0, 0, batchTokens }, true);
            QCOMPARE(r[0].tokens, l["tokens"].get<int64_t>());
            QVERIFY2(std::abs(r[0].sumNats - l["sum_nats"].get<double>()) < 1e-3,
                     qPrintable(QString::number(r[0].sumNats)));
            for (float v : r[0].perToken)
                QVERIFY(!std::isnan(v));
        }
        // The scorer's columns follow from the same sums.
        LmOptions o;
        o.modelDir = m_ref.path().toStdString();
        setLmOptions(o);
        auto scorer = ScorerRegistry::instance().create("lm_bpb");
        QVERIFY(scorer);
        auto worker = scorer->makeWorker();
        float out[2];
        worker->score(text, out);
        QVERIFY(std::abs(out[0] - l["sum_nats"].get<double>() / 77) < 1e-4);
        QVERIFY(std::abs(out[1] - l["sum_nats"].get<double>() / std::log(2.0) / double(text.size())) < 1e-4);
        worker->score("", out);
        QVERIFY(isMissing(out[0]) && isMissing(out[1]));
        setLmOptions({});
        // Issue 19: the scorer made from explicit parameters gives the same values, the global options reset.
        float viaSpec[2];
        ScorerRegistry::instance()
            .create("lm_bpb:model=" + m_ref.path().toStdString())
            ->makeWorker()
            ->score(text, viaSpec);
        worker->score(text, out);
        QCOMPARE(viaSpec[0], out[0]);
        QCOMPARE(viaSpec[1], out[1]);
    }

    void badModelInput_data()
    {
        QTest::addColumn<QString>("file");
        QTest::addColumn<QByteArray>("content");
        QTest::addColumn<QString>("expect");
        QTest::newRow("missing safetensors") << "-model.safetensors" << QByteArray() << "model.safetensors: missing";
        QTest::newRow("unknown architecture") << "config.json" << QByteArray(R"({"model_type": "bert", "vocab_size": 10})")
                                              << "unknown architecture model_type 'bert'";
        QTest::newRow("header longer than file") << "model.safetensors" << QByteArray("\xff\xff\xff\x00\x00\x00\x00\x00{}", 10)
                                                 << "header length";
        QTest::newRow("header not json") << "model.safetensors" << QByteArray("\x08\x00\x00\x00\x00\x00\x00\x00{\"a\": [1", 16) << "not valid JSON";
        QTest::newRow("tokenizer does not fit") << "config.json"
                                                << QByteArray(R"({"model_type": "gpt2", "vocab_size": 257, "n_embd": 64, "n_layer": 3, "n_head": 4, "n_inner": 256, "n_positions": 48})")
                                                << "tokenizer and model do not fit";
        QTest::newRow("shape mismatch") << "config.json"
                                        << QByteArray(R"({"model_type": "gpt2", "vocab_size": 257, "n_embd": 64, "n_layer": 3, "n_head": 4, "n_inner": 128, "n_positions": 48, "shardscope_tokenizer": "bytes"})")
                                        << "has shape";
    }

    void badModelInput()
    {
        QFETCH(QString, file);
        QFETCH(QByteArray, content);
        QFETCH(QString, expect);
        QTemporaryDir dir;
        std::string f = file.toStdString();
        std::string d = brokenCopy(dir, f.front() == '-' ? "" : f, content.toStdString());
        if (f.front() == '-')
            std::filesystem::remove(d + "/" + f.substr(1));
        if (expect.contains(QLatin1String("tokenizer"))) { // a GPT-2 tokenizer beside a 257-token model
            REQUIRE_FIXTURE("gpt2");
            for (const char* t : { "encoder.json", "vocab.bpe" })
                std::filesystem::copy_file(testdata::fixture(std::string("gpt2/") + t), d + "/" + t);
        }
        expectError(d, expect.toStdString());
    }

    void truncatedWeightsAndMissingDirectory()
    {
        QTemporaryDir dir;
        std::string w = testutil::readFile(ref("model.safetensors"));
        std::string d = brokenCopy(dir, "model.safetensors", w.substr(0, w.size() - 1000));
        expectError(d, "outside the");
        expectError("/nonexistent/model", "not a model directory");
        expectError(m_ref.path().toStdString(), "device 'tpu'", "tpu");
    }

    // The scan hands the LM worker whole read batches (short documents share forward passes);
    // every document's values must equal scoring that document alone, at 1 and 2 threads and with
    // batches small enough that the e-mails spread over several of them.
    void scanBatchesMatchSingleDocuments()
    {
        LmOptions o;
        o.modelDir = m_ref.path().toStdString();
        setLmOptions(o);
        std::shared_ptr<const Scorer> scorer = ScorerRegistry::instance().create("lm");
        QVERIFY(scorer && scorer->makeWorker()->prefersBatches());
        // 12 spam and 12 ham e-mails (the reference model has GPT-2's 50k vocabulary: keep it short).
        REQUIRE_FIXTURE("spam_ham.jsonl");
        std::vector<std::string> texts;
        std::string lines;
        const auto all = testutil::splitLines(testutil::readFile(testdata::fixture("spam_ham.jsonl")));
        QCOMPARE(all.size(), size_t(80));
        for (size_t i = 0; i < all.size(); i += 40)
            for (size_t k = i; k < i + 12; ++k) {
                texts.push_back(nlohmann::json::parse(all[k])["text"].get<std::string>());
                lines += all[k] + "\n";
            }
        QTemporaryDir tmp;
        const std::string shard = tmp.filePath(QStringLiteral("mail.jsonl")).toStdString();
        testutil::writeFile(shard, lines);
        auto single = scorer->makeWorker();
        for (int threads : { 1, 2 }) {
            ScanOptions so;
            so.shards = { shard };
            so.scorers = { scorer };
            so.threads = threads;
            so.batchBytes = 16 << 10;
            ScanResult r = Scan(so).run();
            QCOMPARE(r.scores.values[0].size(), texts.size());
            double worst = 0;
            for (size_t d = 0; d < texts.size(); ++d) {
                float want[2];
                single->score(texts[d], want);
                QVERIFY(!isMissing(want[0]) && want[1] > 0);
                for (int c = 0; c < 2; ++c)
                    worst = std::max(worst, double(std::abs(r.scores.values[size_t(c)][d] - want[c])));
            }
            qInfo("threads %d: max |batched - single| = %.3g", threads, worst);
            QVERIFY2(worst < 1e-4, qPrintable(QString::number(worst)));
        }
        setLmOptions({});
    }

    // A model that fails to load leaves the columns missing and the scan running (no crash).
    void scorerWithBrokenModelGivesMissing()
    {
        LmOptions o;
        o.modelDir = "/nonexistent/model";
        setLmOptions(o);
        auto scorer = ScorerRegistry::instance().create("lm");
        QVERIFY(scorer);
        auto worker = scorer->makeWorker();
        float out[2] = { 0, 0 };
        worker->score("some text", out);
        QVERIFY(isMissing(out[0]) && isMissing(out[1]));
        setLmOptions({});
    }

    // The training sample (reference models on a user's corpus): "first" takes the first documents;
    // "random" a uniform sample of all of them, in input order, within the document and byte limits.
    void trainingSampleIsUniform()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const std::string shard = testdata::fixture("spam_ham.jsonl");
        const auto all = lm::readShardTexts({ shard }, "text");
        QCOMPARE(all.size(), size_t(80));
        lm::ReadLimits first;
        first.maxDocuments = 16;
        const auto head = lm::readShardTexts({ shard }, "text", first);
        QVERIFY(std::equal(head.begin(), head.end(), all.begin()) && head.size() == 16);

        std::map<std::string, size_t> position;
        for (size_t i = 0; i < all.size(); ++i)
            position[all[i]] = i;
        QCOMPARE(position.size(), all.size()); // texts are distinct
        std::vector<int> picked(all.size(), 0);
        const int rounds = 100;
        for (int seed = 1; seed <= rounds; ++seed) {
            lm::ReadLimits r;
            r.maxDocuments = 16;
            r.random = true;
            r.seed = uint64_t(seed);
            const auto sample = lm::readShardTexts({ shard }, "text", r);
            QCOMPARE(sample.size(), size_t(16));
            size_t last = 0;
            for (size_t k = 0; k < sample.size(); ++k) {
                QVERIFY(position.count(sample[k]));
                const size_t p = position[sample[k]];
                QVERIFY(k == 0 || p > last); // input order, no repeats
                last = p;
                ++picked[p];
            }
        }
        // Each document is kept with probability 16/80: over 100 rounds ~20 times (binomial sd 4).
        const auto [lo, hi] = std::minmax_element(picked.begin(), picked.end());
        QVERIFY2(*lo >= 5 && *hi <= 40, qPrintable(QStringLiteral("%1..%2").arg(*lo).arg(*hi)));
        QVERIFY(std::count(picked.begin() + 16, picked.end(), 0) == 0); // not only the first ones

        lm::ReadLimits bytes; // a byte budget: the sample fits it
        bytes.maxBytes = 60000;
        bytes.random = true;
        size_t total = 0;
        for (const auto& t : lm::readShardTexts({ shard }, "text", bytes))
            total += t.size();
        QVERIFY2(total > 0 && total <= 60000, qPrintable(QString::number(total)));
    }
#endif
};

QTEST_APPLESS_MAIN(TestLm)
#include "tst_lm.moc"
