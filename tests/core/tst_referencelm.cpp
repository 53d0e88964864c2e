// The corpus's neural reference model from the command line (issue 22, part 1): `train-lm --for-corpus` trains on a
// uniform random sample of the shards and keeps the model with its provenance in the corpus's cache directory (where
// `score` keeps its scores and the GUI looks for it); `--score` then adds its lm columns to the corpus's scores cache,
// so training and scoring are one command. A tiny model trained for a few steps: seconds.

#include "testdata.h"

#ifdef SHARDSCOPE_HAVE_TORCH
#include <lm/referencelm.h>
#endif

#include <nlohmann/json.hpp>

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <fstream>

namespace {

struct Run {
    int code = -1; // -1: crashed or timed out
    QString out, err;
};

// shardscope-cli with its cache in `cacheRoot`.
[[maybe_unused]] Run cli(const QStringList& args, const QString& cacheRoot)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), cacheRoot);
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(SHARDSCOPE_CLI), args);
    p.waitForFinished(180000);
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
        QString::fromUtf8(p.readAllStandardError()) };
}

// A tiny model, trained by steps (not time) so the test takes the same work on any machine.
[[maybe_unused]] QStringList tinyTraining(const QString& shard, int seed)
{
    return { QStringLiteral("train-lm"), QStringLiteral("--for-corpus"), QStringLiteral("--steps"), QStringLiteral("5"),
        QStringLiteral("--minutes"), QStringLiteral("0"), QStringLiteral("--layers"), QStringLiteral("1"),
        QStringLiteral("--hidden"), QStringLiteral("32"), QStringLiteral("--heads"), QStringLiteral("2"),
        QStringLiteral("--context"), QStringLiteral("64"), QStringLiteral("--batch"), QStringLiteral("4"),
        QStringLiteral("--device"), QStringLiteral("cpu"), QStringLiteral("--threads"), QStringLiteral("2"),
        QStringLiteral("--max-documents"), QStringLiteral("40"), QStringLiteral("--seed"), QString::number(seed),
        QStringLiteral("--quiet"), shard };
}

// The corpus directories under a cache root that hold a reference model.
[[maybe_unused]] QStringList referenceDirs(const QString& cacheRoot)
{
    QStringList out;
    for (const QString& d : QDir(cacheRoot).entryList(QDir::Dirs | QDir::NoDotAndDotDot))
        if (QFileInfo::exists(cacheRoot + QLatin1Char('/') + d + QStringLiteral("/reference-lm/model.safetensors")))
            out << cacheRoot + QLatin1Char('/') + d + QStringLiteral("/reference-lm");
    return out;
}

[[maybe_unused]] nlohmann::json readJson(const QString& path)
{
    std::ifstream in(path.toStdString());
    return nlohmann::json::parse(in, nullptr, false);
}

} // namespace

class TestReferenceLm : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void trainForCorpusThenScore()
    {
#ifndef SHARDSCOPE_HAVE_TORCH
        QSKIP("this build has no language models (SHARDSCOPE_WITH_TORCH=OFF)");
#else
        REQUIRE_FIXTURE("spam_ham.jsonl"); // 80 real e-mails
        const QString shard = QString::fromStdString(testdata::fixture("spam_ham.jsonl"));
        QTemporaryDir cache;
        QStringList args = tinyTraining(shard, 3);
        args << QStringLiteral("--score");
        const Run r = cli(args, cache.path());
        QVERIFY2(r.code == 0, qPrintable(r.err + r.out));

        // Written into the corpus's own cache directory, beside its scores.
        const QStringList dirs = referenceDirs(cache.path());
        QCOMPARE(dirs.size(), 1);
        const QString dir = dirs.first();
        QVERIFY2(r.out.contains(QStringLiteral("out=") + dir), qPrintable(r.out));
        QVERIFY(shardscope::lm::isReferenceLmDir(dir.toStdString()));
        QVERIFY(QFileInfo::exists(QFileInfo(dir).path() + QStringLiteral("/scores.sscores")));
        // Nothing half-written is left beside it.
        QCOMPARE(QDir(QFileInfo(dir).path()).entryList({ QStringLiteral("reference-lm.*") }, QDir::Dirs).size(), 0);

        // Its provenance: the sample (seed, size in documents and bytes), the training, the device, the date.
        const nlohmann::json t = readJson(dir + QStringLiteral("/training.json"));
        QVERIFY(t.is_object());
        QCOMPARE(t.at("seed").get<int>(), 3);
        QCOMPARE(t.at("sample").get<std::string>(), std::string("random"));
        QCOMPARE(t.at("max_documents").get<int>(), 40);
        QCOMPARE(t.at("sample_documents").get<int>(), 40); // a sample of 40 of the 80: the limit held
        QCOMPARE(t.at("heldout_documents").get<int>(), 2); // every 20th
        QCOMPARE(t.at("train_documents").get<int>(), 38);
        QCOMPARE(t.at("sample_bytes").get<int64_t>(),
            t.at("train_bytes").get<int64_t>() + t.at("heldout_bytes").get<int64_t>());
        QCOMPARE(t.at("steps").get<int>(), 5);
        QCOMPARE(t.at("tokens_seen").get<int>(), 5 * 4 * 64);
        QCOMPARE(t.at("device").get<std::string>(), std::string("cpu"));
        QCOMPARE(t.at("layers").get<int>(), 1);
        QCOMPARE(t.at("hidden").get<int>(), 32);
        const double bpb = t.at("heldout_bpb").get<double>();
        QVERIFY2(bpb > 1 && bpb < 12, qPrintable(QString::number(bpb))); // 5 steps: barely better than uniform
        QVERIFY(t.at("date").get<std::string>().size() == 20); // 2026-12-07T09:30:00Z
        QCOMPARE(
            t.at("corpus").at("shards").at(0).get<std::string>(), QFileInfo(shard).absoluteFilePath().toStdString());
        const auto p = shardscope::lm::readReferenceLmProvenance(dir.toStdString());
        QVERIFY(p);
        QCOMPARE(p->sampleDocuments(), int64_t(40));
        QCOMPARE(p->heldoutBpb, bpb);
        QCOMPARE(p->seed, uint64_t(3));

        // A uniform sample, not the first 40 records: 40 of 80 e-mails in input order would never hold records past
        // the 40th, which a uniform draw of 40 does with probability 1 - 1/C(80,40).
        // (The sample's documents are not listed; their bytes differ from the first 40's.)
        const Run first
            = cli({ QStringLiteral("train-lm"), QStringLiteral("--out"), cache.filePath(QStringLiteral("first")),
                      QStringLiteral("--sample"), QStringLiteral("first"), QStringLiteral("--max-documents"),
                      QStringLiteral("40"), QStringLiteral("--steps"), QStringLiteral("1"), QStringLiteral("--minutes"),
                      QStringLiteral("0"), QStringLiteral("--layers"), QStringLiteral("1"), QStringLiteral("--hidden"),
                      QStringLiteral("32"), QStringLiteral("--heads"), QStringLiteral("2"), QStringLiteral("--context"),
                      QStringLiteral("64"), QStringLiteral("--batch"), QStringLiteral("4"), QStringLiteral("--device"),
                      QStringLiteral("cpu"), QStringLiteral("--quiet"), shard },
                cache.path());
        QVERIFY2(first.code == 0, qPrintable(first.err));
        const nlohmann::json f = readJson(cache.filePath(QStringLiteral("first/training.json")));
        QVERIFY(f.at("train_bytes").get<int64_t>() + f.at("heldout_bytes").get<int64_t>()
            != t.at("sample_bytes").get<int64_t>());

        // --score put the model's columns into the corpus's scores cache: `score` with the model loads them
        // without scoring anything, beside the default columns.
        const Run score
            = cli({ QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("zlib6,lm:model=") + dir,
                      QStringLiteral("--tsv"), QStringLiteral("-"), QStringLiteral("-j"), QStringLiteral("2"), shard },
                cache.path());
        QVERIFY2(score.code == 0, qPrintable(score.err));
        QVERIFY2(score.err.contains(QStringLiteral("scores loaded from")), qPrintable(score.err));
        const QStringList lines = score.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QCOMPARE(lines.size(), 81);
        const QStringList header = lines.first().split(QLatin1Char('\t'));
        const int col = int(header.indexOf(QStringLiteral("lm_bpb")));
        QVERIFY2(col >= 0, qPrintable(lines.first()));
        for (int i = 1; i < lines.size(); ++i) {
            bool ok = false;
            const double v = lines[i].split(QLatin1Char('\t')).value(col).toDouble(&ok);
            QVERIFY2(ok && std::isfinite(v) && v > 0, qPrintable(lines[i]));
        }
#endif
    }

    // Training again replaces the model (and only once the new one is complete); --score-sample scores a sample
    // of the records, which is written out but never cached.
    void retrainAndScoreASample()
    {
#ifndef SHARDSCOPE_HAVE_TORCH
        QSKIP("this build has no language models (SHARDSCOPE_WITH_TORCH=OFF)");
#else
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const QString shard = QString::fromStdString(testdata::fixture("spam_ham.jsonl"));
        QTemporaryDir cache;
        QVERIFY(cli(tinyTraining(shard, 1), cache.path()).code == 0);
        QStringList args = tinyTraining(shard, 2);
        const QString tsv = cache.filePath(QStringLiteral("sample.tsv"));
        args << QStringLiteral("--score") << QStringLiteral("--score-sample") << QStringLiteral("50%")
             << QStringLiteral("--scorers") << QStringLiteral("zlib6") << QStringLiteral("--tsv") << tsv;
        const Run r = cli(args, cache.path());
        QVERIFY2(r.code == 0, qPrintable(r.err + r.out));
        const QStringList dirs = referenceDirs(cache.path());
        QCOMPARE(dirs.size(), 1);
        QCOMPARE(readJson(dirs.first() + QStringLiteral("/training.json")).at("seed").get<int>(), 2);
        QCOMPARE(
            QDir(QFileInfo(dirs.first()).path()).entryList({ QStringLiteral("reference-lm.*") }, QDir::Dirs).size(), 0);
        QFile f(tsv);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QStringList lines = QString::fromUtf8(f.readAll()).split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY2(lines.first().split(QLatin1Char('\t')).contains(QStringLiteral("lm_bpb")), qPrintable(lines.first()));
        QVERIFY2(lines.size() > 20 && lines.size() < 61, qPrintable(QString::number(lines.size()))); // about 40 of 80
        QVERIFY(!QFileInfo::exists(QFileInfo(dirs.first()).path() + QStringLiteral("/scores.sscores")));

        // What does not make sense is refused before anything is read.
        QStringList both = tinyTraining(shard, 1);
        both << QStringLiteral("--out") << cache.filePath(QStringLiteral("elsewhere"));
        QVERIFY(cli(both, cache.path()).code != 0);
        QStringList prefix = tinyTraining(shard, 1);
        prefix << QStringLiteral("--sample") << QStringLiteral("first");
        const Run refused = cli(prefix, cache.path());
        QVERIFY(refused.code != 0);
        QVERIFY2(refused.err.contains(QStringLiteral("uniform random sample")), qPrintable(refused.err));
#endif
    }
};

QTEST_APPLESS_MAIN(TestReferenceLm)
#include "tst_referencelm.moc"
