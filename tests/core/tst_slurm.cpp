// Issue 24: Slurm array jobs of the CLI. Without a scheduler: the job directory, the split by bytes, array chunks
// over MaxArraySize, every task run by hand (one after a killed attempt, one twice), then merge, whose outputs must be
// byte-identical to a local apply's and whose summary must equal it; a score job's merge fills the scores cache the
// CLI and the GUI read. With a real single-node Slurm (scripts/slurm-test-cluster.sh; skipped with its reason when
// it cannot start): a 4-task array with one element cancelled, resubmitted, and only that task run again.

#include "slurmjob.h"
#include "testutil.h"

#include <QDir>
#include <QDirIterator>
#include <QElapsedTimer>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <filesystem>
#include <numeric>

using namespace testutil;
using namespace shardscope;
namespace fs = std::filesystem;

namespace {

struct Run {
    int code;
    QString out, err;
};

Run run(const QString& program, const QStringList& args, const QProcessEnvironment& env, int timeoutMs = 120000)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    if (!p.waitForFinished(timeoutMs)) {
        p.kill();
        p.waitForFinished();
    }
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
        QString::fromUtf8(p.readAllStandardError()) };
}

QString q(const std::string& s)
{
    return QString::fromStdString(s);
}

// A filter config of the usual kinds of rule: compression, a heuristic, and a per-label cutoff on a categorical
// column (so the merge sums per-label counts too).
const char* kConfig = R"({"format":"shardscope-filter","version":2,"rules":[
 {"scorer":"zlib6","min":0.3,"max":0.9},
 {"scorer":"gopher_word_count","min":20},
 {"scorer":"zlib6","max":0.75,"by":"text_dominant_script","overrides":{"Latin":{"max":0.8}}}]})";

// The files of a directory (not its subdirectories), by name.
QStringList filesIn(const QString& dir)
{
    QStringList names = QDir(dir).entryList(QDir::Files | QDir::Hidden, QDir::Name);
    return names;
}

int countMatches(const std::string& text, const std::string& what)
{
    int n = 0;
    for (size_t pos = 0; (pos = text.find(what, pos)) != std::string::npos; pos += what.size())
        ++n;
    return n;
}

} // namespace

class TestSlurm : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QStringList m_shards;
    QString m_config;
    QString m_local; // a local apply of m_shards, the reference
    bool m_stopCluster = false;
    QString m_slurmConf, m_slurmMissing;

    QString path(const char* rel) const { return m_dir.filePath(QString::fromUtf8(rel)); }

    // Starts the single-node Slurm once (scripts/slurm-test-cluster.sh); "" and the environment to reach it, or why
    // it cannot run (the tests then skip with that reason).
    QString slurmUp(QProcessEnvironment* e)
    {
        if (m_slurmConf.isEmpty() && m_slurmMissing.isEmpty()) {
            const Run started = run(q(std::string(SHARDSCOPE_SOURCE_DIR) + "/scripts/slurm-test-cluster.sh"),
                { QStringLiteral("start") }, QProcessEnvironment::systemEnvironment(), 60000);
            const QRegularExpressionMatch conf
                = QRegularExpression(QStringLiteral("SLURM_CONF=(\\S+)")).match(started.out);
            if (started.code != 0 || !conf.hasMatch())
                m_slurmMissing = QStringLiteral("no Slurm: ") + started.err.trimmed().split(u'\n').last();
            else
                m_slurmConf = conf.captured(1);
            m_stopCluster = started.out.contains(QStringLiteral("started"));
        }
        *e = env();
        e->insert(QStringLiteral("SLURM_CONF"), m_slurmConf);
        return m_slurmMissing;
    }

    // Waits (60 s at most) until squeue no longer lists the job.
    static bool waitForJob(const QString& jobId, const QProcessEnvironment& e)
    {
        QElapsedTimer t;
        t.start();
        while (t.elapsed() < 60000) {
            const Run sq = run(QStringLiteral("squeue"), { QStringLiteral("-h"), QStringLiteral("-j"), jobId }, e);
            if (sq.code == 0 && sq.out.trimmed().isEmpty())
                return true;
            QTest::qWait(200);
        }
        return false;
    }

    QProcessEnvironment env() const
    {
        QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
        e.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), path("cache"));
        return e;
    }

    Run cli(const QStringList& args, const QProcessEnvironment& e) const
    {
        return run(QStringLiteral(SHARDSCOPE_CLI), args, e);
    }
    Run cli(const QStringList& args) const { return cli(args, env()); }

    // Every output of a local apply is in `dir` with the same bytes, and nothing else; the summaries are equal once
    // the output directory's name in the list of outputs is the same.
    void compareWithLocal(const QString& dir)
    {
        const QStringList local = filesIn(m_local), ours = filesIn(dir);
        QCOMPARE(ours, local);
        for (const QString& name : local) {
            if (name == QStringLiteral("summary.json"))
                continue;
            QVERIFY2(readFile((m_local + u'/' + name).toStdString()) == readFile((dir + u'/' + name).toStdString()),
                qPrintable(name + QStringLiteral(" differs from the local apply's")));
        }
        std::string a = readFile((m_local + QStringLiteral("/summary.json")).toStdString());
        std::string b = readFile((dir + QStringLiteral("/summary.json")).toStdString());
        const std::string from = QDir(dir).absolutePath().toStdString() + "/", to = m_local.toStdString() + "/";
        for (size_t pos = 0; (pos = b.find(from, pos)) != std::string::npos; pos += to.size())
            b.replace(pos, from.size(), to);
        QCOMPARE(b, a); // byte for byte once the directory is the same
    }

private Q_SLOTS:
    void initTestCase()
    {
        QVERIFY(m_dir.isValid());
        // The generated fixtures (always in CI), a gzip copy of one under the same name (two shards then share an
        // output stem, which apply prefixes with the shard's global index: the tasks must name them the same), and
        // the shared fixtures when present.
        for (const char* name : { "spam_ham.jsonl", "udhr_sentences.jsonl", "informal.jsonl" })
            if (testdata::exists(testdata::fixture(name)))
                m_shards << q(testdata::fixture(name));
        QDir().mkpath(path("dup"));
        if (m_shards.size() == 3) {
            writeFile(path("dup/spam_ham.jsonl.gz").toStdString(),
                gzipCompress(readFile(testdata::fixture("spam_ham.jsonl"))));
            m_shards << path("dup/spam_ham.jsonl.gz");
        }
        for (const char* rel : { "fixtures/dolma_cc_en_head-0091.jsonl.gz", "fixtures/dolma_format_test.jsonl.zst",
                 "fixtures/datajuicer_redpajama-c4-refined.jsonl", "fixtures/web_pages_wetlike_50.jsonl" })
            if (testdata::exists(testdata::shared(rel)))
                m_shards << q(testdata::shared(rel));
        // An empty shard: apply lists its outputs after every other shard's, and the merge must list them so too.
        if (!m_shards.isEmpty()) {
            writeFile(path("dup/empty.jsonl").toStdString(), "");
            m_shards.insert(1, path("dup/empty.jsonl")); // not last: apply moves it there
        }
        m_config = path("filter.json");
        writeFile(m_config.toStdString(), kConfig);
        m_local = path("local");
        if (m_shards.size() >= 5) {
            const Run r
                = cli(QStringList { QStringLiteral("apply"), QStringLiteral("-q"), QStringLiteral("--config"), m_config,
                          QStringLiteral("--out"), m_local, QStringLiteral("--dropped"), QStringLiteral("--rejected") }
                    + m_shards);
            QVERIFY2(r.code == 0 || r.code == 1, qPrintable(r.err)); // 1: the fixtures hold a rejected record
            QVERIFY(QFile::exists(m_local + QStringLiteral("/summary.json")));
        }
    }

    void cleanupTestCase()
    {
        if (m_stopCluster)
            run(q(std::string(SHARDSCOPE_SOURCE_DIR) + "/scripts/slurm-test-cluster.sh"), { QStringLiteral("stop") },
                QProcessEnvironment::systemEnvironment());
    }

    void splitIsBalancedByBytes_data()
    {
        QTest::addColumn<QList<qulonglong>>("bytes");
        QTest::addColumn<int>("tasks");
        QTest::newRow("equal") << QList<qulonglong> { 10, 10, 10, 10, 10, 10, 10, 10 } << 4;
        QTest::newRow("one big") << QList<qulonglong> { 1000, 10, 10, 10, 10, 10 } << 3;
        QTest::newRow("skewed") << QList<qulonglong> { 7, 130, 55, 55, 9, 300, 1, 1, 1, 80, 80, 12 } << 5;
        QTest::newRow("more tasks than shards") << QList<qulonglong> { 5, 6 } << 8;
        // The bench shards' sizes (../shared/data/bench), 8 tasks: the split the scale figures used.
        QTest::newRow("bench") << QList<qulonglong> { 6890899, 6700793, 6720912, 6626731, 6576369, 6780941, 6618139,
            6695956, 6658255, 6434864 }
                               << 8;
    }
    void splitIsBalancedByBytes()
    {
        QFETCH(QList<qulonglong>, bytes);
        QFETCH(int, tasks);
        const std::vector<uint64_t> b(bytes.begin(), bytes.end());
        const std::vector<slurm::JobTask> split = slurm::splitByBytes(b, size_t(tasks));
        QCOMPARE(split.size(), std::min(size_t(tasks), b.size()));
        std::vector<int> seen(b.size(), 0);
        uint64_t lo = UINT64_MAX, hi = 0;
        for (const auto& t : split) {
            QVERIFY(!t.shards.empty());
            QVERIFY(std::is_sorted(t.shards.begin(), t.shards.end()));
            uint64_t sum = 0;
            for (size_t i : t.shards) {
                ++seen[i];
                sum += b[i];
            }
            QCOMPARE(t.bytes, sum);
            lo = std::min(lo, sum);
            hi = std::max(hi, sum);
        }
        QVERIFY(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
        // Largest first onto the lightest task: the heaviest and the lightest task differ by at most one shard.
        QVERIFY(hi - lo <= *std::max_element(b.begin(), b.end()));
    }

    void arraysOverMaxArraySizeAreSplit()
    {
        std::vector<size_t> all(2500);
        std::iota(all.begin(), all.end(), 0);
        auto chunks = slurm::arrayChunks(all, 1001, 0);
        QCOMPARE(chunks.size(), size_t(3));
        QCOMPARE(chunks[0].array, std::string("0-1000"));
        QCOMPARE(chunks[1].offset, size_t(1001));
        QCOMPARE(chunks[1].array, std::string("0-1000"));
        QCOMPARE(chunks[2].offset, size_t(2002));
        QCOMPARE(chunks[2].array, std::string("0-497"));
        // A resubmission of what is left, with a % limit.
        chunks = slurm::arrayChunks({ 3, 5, 6, 7, 1500 }, 1001, 20);
        QCOMPARE(chunks.size(), size_t(2));
        QCOMPARE(chunks[0].array, std::string("3,5-7%20"));
        QCOMPARE(chunks[1].array, std::string("499%20"));
        QCOMPARE(chunks[1].offset, size_t(1001));
    }

    // (a) of the issue's tests: no scheduler needed.
    void applyJobRunByHandEqualsLocalApply()
    {
        if (m_shards.size() < 5)
            QSKIP(testdata::missingFixture("spam_ham.jsonl").constData());
        const QString job = path("job-a"), out = path("out-a");
        Run r = cli(QStringList { QStringLiteral("slurm"), QStringLiteral("apply"), QStringLiteral("--config"),
                        m_config, QStringLiteral("--out"), out, QStringLiteral("--job-dir"), job,
                        QStringLiteral("--tasks"), QStringLiteral("4"), QStringLiteral("--dropped"),
                        QStringLiteral("--rejected"), QStringLiteral("--partition"), QStringLiteral("cpu"),
                        QStringLiteral("--time"), QStringLiteral("1:00:00"), QStringLiteral("--mem"),
                        QStringLiteral("4G"), QStringLiteral("--cpus-per-task"), QStringLiteral("2"),
                        QStringLiteral("--gres"), QStringLiteral("gpu:1"), QStringLiteral("--sbatch-option=--qos=low"),
                        QStringLiteral("--max-running"), QStringLiteral("2"), QStringLiteral("--no-submit") }
            + m_shards);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral("sbatch --parsable --array=0-3%2 '") + QDir(job).absolutePath()
                     + QStringLiteral("/job.sbatch' 0")),
            qPrintable(r.out));
        // The manifest: every shard once, four tasks.
        const slurm::JobManifest m = slurm::JobManifest::load(job.toStdString());
        QCOMPARE(m.shards.size(), size_t(m_shards.size()));
        QCOMPARE(m.tasks.size(), size_t(4));
        QCOMPARE(m.outDir, QDir(out).absolutePath().toStdString());
        QCOMPARE(readFile((job + QStringLiteral("/config.json")).toStdString()), std::string(kConfig));
        const std::string script = readFile((job + QStringLiteral("/job.sbatch")).toStdString());
        for (const char* line : { "#SBATCH --partition=cpu\n", "#SBATCH --time=1:00:00\n", "#SBATCH --mem=4G\n",
                 "#SBATCH --cpus-per-task=2\n", "#SBATCH --gres=gpu:1\n", "#SBATCH --qos=low\n", "#SBATCH --requeue\n",
                 "task=$(( SLURM_ARRAY_TASK_ID + ${1:-0} ))\n" })
            QVERIFY2(script.find(line) != std::string::npos, line);
        QVERIFY(script.find("slurm run-task '" + QDir(job).absolutePath().toStdString() + "' \"$task\"")
            != std::string::npos);

        // Merging before every task is done names what is missing and writes nothing.
        r = cli({ QStringLiteral("slurm"), QStringLiteral("merge"), job });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("task(s) 0-3 have no completion marker")), qPrintable(r.err));
        QVERIFY(!QFile::exists(out + QStringLiteral("/summary.json")));

        // Task 1 was killed half-way before: its private directory and a half-renamed output are left. It starts over.
        QDir().mkpath(out + QStringLiteral("/.task-0001.tmp-j999"));
        writeFile((out + QStringLiteral("/.task-0001.tmp-j999/junk.kept.jsonl.zst")).toStdString(), "half");
        for (int i = 0; i < 4; ++i) {
            r = cli({ QStringLiteral("slurm"), QStringLiteral("run-task"), job, QString::number(i),
                QStringLiteral("-j"), QStringLiteral("2") });
            QVERIFY2(r.code == 0, qPrintable(r.err));
            QVERIFY(QFile::exists(q(slurm::markerPath(job.toStdString(), size_t(i)))));
        }
        QVERIFY(!QFile::exists(out + QStringLiteral("/.task-0001.tmp-j999")));
        // A requeued task that finished does nothing.
        r = cli({ QStringLiteral("slurm"), QStringLiteral("run-task"), job, QStringLiteral("2") });
        QCOMPARE(r.code, 0);
        QVERIFY2(r.out.contains(QStringLiteral("already done")), qPrintable(r.out));
        const std::string log2 = readFile((job + QStringLiteral("/logs/task-0002.log")).toStdString());
        QCOMPARE(countMatches(log2, " start "), 1);
        QCOMPARE(countMatches(log2, " already-done "), 1);
        r = cli({ QStringLiteral("slurm"), QStringLiteral("status"), job });
        QVERIFY2(r.out.startsWith(QStringLiteral("done=4 tasks=4")), qPrintable(r.out));

        r = cli({ QStringLiteral("slurm"), QStringLiteral("merge"), job });
        QVERIFY2(r.code == 0 || r.code == 1, qPrintable(r.err)); // 1 as apply: a rejected record
        QVERIFY2(r.out.contains(QRegularExpression(QStringLiteral("read=\\d+ kept=\\d+ dropped=\\d+ rejected=\\d+"))),
            qPrintable(r.out));
        compareWithLocal(out);
        // An output changed after its task finished is not merged silently.
        const QString kept = out + u'/' + filesIn(out).filter(QStringLiteral(".kept.jsonl.zst")).first();
        writeFile(kept.toStdString(), "truncated");
        r = cli({ QStringLiteral("slurm"), QStringLiteral("merge"), job });
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(kept) && r.err.contains(QStringLiteral("rerun the task")), qPrintable(r.err));
    }

    void anotherJobInTheSameDirectoryIsRefused()
    {
        if (m_shards.size() < 5)
            QSKIP(testdata::missingFixture("spam_ham.jsonl").constData());
        const QString job = path("job-b"), out = path("out-b");
        Run r
            = cli(QStringList { QStringLiteral("slurm"), QStringLiteral("apply"), QStringLiteral("--config"), m_config,
                      QStringLiteral("--out"), out, QStringLiteral("--job-dir"), job, QStringLiteral("--no-submit") }
                + m_shards);
        QCOMPARE(r.code, 0);
        // The same job again: a resubmission, accepted.
        r = cli(QStringList { QStringLiteral("slurm"), QStringLiteral("apply"), QStringLiteral("--config"), m_config,
                    QStringLiteral("--out"), out, QStringLiteral("--job-dir"), job, QStringLiteral("--no-submit") }
            + m_shards);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        r = cli(QStringList { QStringLiteral("slurm"), QStringLiteral("apply"), QStringLiteral("--config"), m_config,
                    QStringLiteral("--out"), out, QStringLiteral("--job-dir"), job, QStringLiteral("--no-submit") }
            + m_shards.mid(1));
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(QStringLiteral("holds another job")), qPrintable(r.err));
    }

    void scoreJobFillsTheScoresCache()
    {
        if (m_shards.size() < 5)
            QSKIP(testdata::missingFixture("spam_ham.jsonl").constData());
        const QString job = path("job-s"), out = path("out-s"), cache = path("cache-s");
        const QString scorers = QStringLiteral("zlib6,gopher_word_count,text_dominant_script");
        Run r = cli(QStringList { QStringLiteral("slurm"), QStringLiteral("score"), QStringLiteral("--scorers"),
                        scorers, QStringLiteral("--out"), out, QStringLiteral("--job-dir"), job,
                        QStringLiteral("--tasks"), QStringLiteral("3"), QStringLiteral("--no-submit") }
            + m_shards);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        for (int i = 0; i < 3; ++i)
            QCOMPARE(cli({ QStringLiteral("slurm"), QStringLiteral("run-task"), job, QString::number(i) }).code, 0);
        r = cli({ QStringLiteral("slurm"), QStringLiteral("merge"), job, QStringLiteral("--cache-dir"), cache });
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY(QFile::exists(out + QStringLiteral("/scores.sscores")));
        // The CLI (and the GUI, which shares the cache policy) opens the whole corpus's scores without rescoring,
        // and they are the scores a local scan computes, row for row.
        QProcessEnvironment e = env();
        e.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), cache);
        const QString merged = path("merged.tsv"), fresh = path("fresh.tsv");
        r = cli(QStringList { QStringLiteral("score"), QStringLiteral("--scorers"), scorers, QStringLiteral("--tsv"),
                    merged }
                + m_shards,
            e);
        QVERIFY2(r.err.contains(QStringLiteral("scores loaded from")), qPrintable(r.err));
        r = cli(QStringList { QStringLiteral("score"), QStringLiteral("--no-cache"), QStringLiteral("--scorers"),
                    scorers, QStringLiteral("--tsv"), fresh }
            + m_shards);
        QVERIFY(readFile(merged.toStdString()).size() > 1000);
        QCOMPARE(readFile(merged.toStdString()), readFile(fresh.toStdString()));
    }

    // (b): a real Slurm. One element of a 4-task array is cancelled while the % limit holds it pending; the job
    // resubmitted runs only that task, and the merged result equals a local apply's.
    void realSlurmArrayWithOneTaskCancelled()
    {
        if (m_shards.size() < 5)
            QSKIP(testdata::missingFixture("spam_ham.jsonl").constData());
        QElapsedTimer clock;
        clock.start();
        QProcessEnvironment e;
        if (const QString why = slurmUp(&e); !why.isEmpty())
            QSKIP(qPrintable(why));
        auto waitFor = [&](const QString& jobId) { return waitForJob(jobId, e); };

        const QString job = path("job-slurm"), out = path("out-slurm");
        Run r = cli(QStringList { QStringLiteral("slurm"), QStringLiteral("apply"), QStringLiteral("--config"),
                        m_config, QStringLiteral("--out"), out, QStringLiteral("--job-dir"), job,
                        QStringLiteral("--tasks"), QStringLiteral("4"), QStringLiteral("--dropped"),
                        QStringLiteral("--rejected"), QStringLiteral("--max-running"), QStringLiteral("1"),
                        QStringLiteral("--cpus-per-task"), QStringLiteral("1") }
                + m_shards,
            e);
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        const QRegularExpressionMatch id
            = QRegularExpression(QStringLiteral("submitted job (\\d+): tasks 0-3")).match(r.out);
        QVERIFY2(id.hasMatch(), qPrintable(r.out));
        const QString first = id.captured(1);
        // Submitting again while the tasks wait in the queue runs none of them twice.
        r = cli({ QStringLiteral("slurm"), QStringLiteral("submit"), job }, e);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(r.out.contains(QStringLiteral("task(s) 0-3 still queued or running")), qPrintable(r.out));
        QVERIFY2(!r.out.contains(QStringLiteral("submitted job")), qPrintable(r.out));
        // The %1 limit keeps task 3 pending behind 0, 1 and 2.
        r = run(QStringLiteral("scancel"), { first + QStringLiteral("_3") }, e);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        QVERIFY2(waitFor(first), "the array did not finish within 60 s");
        r = cli({ QStringLiteral("slurm"), QStringLiteral("status"), job }, e);
        QVERIFY2(r.out.startsWith(QStringLiteral("done=3 tasks=4 unfinished=3")), qPrintable(r.out));
        QVERIFY(!QFile::exists(job + QStringLiteral("/logs/task-0003.log"))); // it never started

        r = cli({ QStringLiteral("slurm"), QStringLiteral("submit"), job }, e);
        QVERIFY2(r.code == 0, qPrintable(r.err));
        const QRegularExpressionMatch again
            = QRegularExpression(QStringLiteral("submitted job (\\d+): tasks 3 ")).match(r.out);
        QVERIFY2(again.hasMatch(), qPrintable(r.out));
        QVERIFY2(waitFor(again.captured(1)), "the resubmitted task did not finish within 60 s");
        // Only the missing task ran: one attempt per task, task 3's under the second job.
        for (int i = 0; i < 4; ++i) {
            const std::string log = readFile(
                q(std::string(job.toStdString()) + "/logs/task-000" + std::to_string(i) + ".log").toStdString());
            QCOMPARE(countMatches(log, " start "), 1);
            QCOMPARE(countMatches(log, " done "), 1);
            const QString owner = (i == 3 ? again.captured(1) : first) + u'_';
            QVERIFY2(q(log).contains(QStringLiteral("slurm_job=") + owner), log.c_str());
        }
        r = cli({ QStringLiteral("slurm"), QStringLiteral("merge"), job }, e);
        QVERIFY2(r.code == 0 || r.code == 1, qPrintable(r.err));
        compareWithLocal(out);
        qInfo("real Slurm: 4-task array, one cancelled and resubmitted, merged in %.1f s", clock.elapsed() / 1000.0);
    }

    // Arrays over the scheduler's MaxArraySize go in chunks, each with the offset its script adds to the array index.
    void realSlurmArraysOverMaxArraySize()
    {
        if (m_shards.size() < 5)
            QSKIP(testdata::missingFixture("spam_ham.jsonl").constData());
        QProcessEnvironment e;
        if (const QString why = slurmUp(&e); !why.isEmpty())
            QSKIP(qPrintable(why));
        const QString job = path("job-chunks"), out = path("out-chunks");
        const Run r = cli(QStringList { QStringLiteral("slurm"), QStringLiteral("apply"), QStringLiteral("--config"),
                              m_config, QStringLiteral("--out"), out, QStringLiteral("--job-dir"), job,
                              QStringLiteral("--tasks"), QStringLiteral("4"), QStringLiteral("--dropped"),
                              QStringLiteral("--rejected"), QStringLiteral("--max-array-size"), QStringLiteral("3"),
                              QStringLiteral("--cpus-per-task"), QStringLiteral("1") }
                + m_shards,
            e);
        QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
        const QRegularExpressionMatch a
            = QRegularExpression(QStringLiteral("submitted job (\\d+): tasks 0-2 \\(array 0-2, offset 0\\)"))
                  .match(r.out);
        const QRegularExpressionMatch b
            = QRegularExpression(QStringLiteral("submitted job (\\d+): tasks 3 \\(array 0, offset 3\\)")).match(r.out);
        QVERIFY2(a.hasMatch() && b.hasMatch(), qPrintable(r.out));
        QVERIFY(waitForJob(a.captured(1), e));
        QVERIFY(waitForJob(b.captured(1), e));
        const std::string log3 = readFile((job + QStringLiteral("/logs/task-0003.log")).toStdString());
        QVERIFY2(q(log3).contains(QStringLiteral("slurm_job=") + b.captured(1) + QStringLiteral("_0 ")), log3.c_str());
        QVERIFY(cli({ QStringLiteral("slurm"), QStringLiteral("merge"), job }, e).code <= 1);
        compareWithLocal(out);
    }
};

QTEST_APPLESS_MAIN(TestSlurm)
#include "tst_slurm.moc"
