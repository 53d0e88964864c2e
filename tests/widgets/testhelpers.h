#pragma once
// Shared helpers for the widget tests: fixture paths, isolated settings and caches, corpora
// from a real scan or synthetic columns.

#include <corpusdata.h>
#include <scan.h>
#include <scorer.h>

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QMenu>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QString>
#include <QTemporaryDir>

#include <memory>
#include <random>

#ifdef SHARDSCOPE_HAVE_TORCH
#include <lm/lmtrain.h>
#endif

#include "core/testutil.h"
#include "testdata.h"

namespace testhelpers {

// Paths from testdata.h as QStrings: a generated fixture (a bare clone has them) and the shared data folder.
inline QString fixture(const char* name)
{
    return QString::fromStdString(testdata::fixture(name));
}
inline QString sharedData(const QString& relative)
{
    return QString::fromStdString(testdata::shared(relative.toStdString()));
}

// A gzip copy of a generated fixture in `dir` (the GUI tests open compressed shards as users do).
inline QString gzipFixture(const QTemporaryDir& dir, const char* name)
{
    const QString out = dir.filePath(QString::fromLatin1(name) + QStringLiteral(".gz"));
    testutil::writeFile(out.toStdString(), testutil::gzipCompress(testutil::readFile(testdata::fixture(name))));
    return out;
}

// True once `spy` has caught its signal, waiting up to `ms` for it. Unlike QSignalSpy::wait()
// alone it counts an emission that already happened: a QFuture continuation attached to a task
// that has finished runs at once, so a call can emit before the test starts waiting.
inline bool signalled(QSignalSpy& spy, int ms)
{
    return spy.count() > 0 || spy.wait(ms);
}

// The texts of a menu's entries, separators left out.
inline QStringList menuLabels(const QMenu& menu)
{
    QStringList out;
    for (QAction* a : menu.actions())
        if (!a->isSeparator())
            out << a->text();
    return out;
}

// Settings and score caches go to a temporary directory, so tests neither read the user's
// recent files nor reuse each other's caches.
inline QTemporaryDir& isolate()
{
    static QTemporaryDir dir;
    static bool done = false;
    if (!done) {
        done = true;
        qputenv("XDG_CONFIG_HOME", QDir(dir.path()).filePath(QStringLiteral("config")).toLocal8Bit());
        qputenv("SHARDSCOPE_CACHE_DIR", QDir(dir.path()).filePath(QStringLiteral("cache")).toLocal8Bit());
        QCoreApplication::setOrganizationName(QStringLiteral("shardscope-tests"));
        QCoreApplication::setApplicationName(QStringLiteral("shardscope-tests"));
        shardscope::registerBuiltinScorers();
    }
    return dir;
}

#ifdef SHARDSCOPE_HAVE_TORCH
// Trains a tiny byte model (1 layer, 32 hidden, 64-byte context, one thread) for `steps` steps on
// the 80 real e-mails (at most 0.3 MB of them) into `outDir`; returns false when cancelled.
inline bool trainTinyByteModel(const std::string& outDir, int64_t steps)
{
    shardscope::lm::TrainOptions o;
    o.inputs = { testdata::fixture("spam_ham.jsonl") };
    o.outDir = outDir;
    o.layers = 1;
    o.hidden = 32;
    o.heads = 2;
    o.context = 64;
    o.minutes = 0;
    o.maxSteps = steps;
    o.maxMegabytes = 0.3;
    o.threads = 1;
    return !shardscope::lm::trainByteLm(o).cancelled;
}
#endif

// Scans real shards with the given scorers through the engine, as the GUI does.
inline std::shared_ptr<shardscope::CorpusData> scanCorpus(const std::vector<std::string>& shards,
                                                          const std::string& scorers = "zlib6,zstd3")
{
    using namespace shardscope;
    registerBuiltinScorers();
    ScanOptions so;
    so.shards = expandShardPaths(shards);
    so.fields = detectFields(so.shards.front(), FieldMapping {}, false);
    for (auto& s : ScorerRegistry::instance().resolveList(scorers))
        so.scorers.push_back(std::move(s));
    so.threads = 2;
    Scan scan(so);
    ScanResult r = scan.run();
    return CorpusData::fromScanResult(r);
}

// Synthetic columns "a" (uniform 0..1) and "b" (normal), with ~1% missing values in "b",
// three groups and text sizes 100..10000 bytes.
inline std::shared_ptr<shardscope::CorpusData> syntheticCorpus(size_t n, uint32_t seed = 1)
{
    using namespace shardscope;
    auto c = std::make_shared<CorpusData>();
    c->setColumns({ ColumnInfo { "a", "uniform", {} }, ColumnInfo { "b", "normal", {} } });
    c->setGroupNames({ "", "web", "books", "code" });
    c->reserve(n);
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> uni(0, 1);
    std::normal_distribution<float> norm(0.5f, 0.15f);
    std::uniform_int_distribution<uint32_t> group(1, 3), bytes(100, 10000);
    std::vector<float> scores(2);
    for (size_t i = 0; i < n; ++i) {
        scores[0] = uni(rng);
        scores[1] = (i % 100 == 7) ? kMissing : norm(rng);
        c->appendSynthetic("doc-" + std::to_string(i), group(rng), bytes(rng), scores);
    }
    return c;
}

} // namespace testhelpers
