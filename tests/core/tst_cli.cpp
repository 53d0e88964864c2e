// The CLI contract of issue #2: TSV header, apply's closing counts line, exit statuses
// (0 ok, 1 input error naming file and line/offset, 2 usage, 130 cancelled), --help on every command.

#include "filterconfig.h"
#include "testutil.h"

#include "clirun.h"
#include <QDir>
#include <QFile>

#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <random>
#include <set>

#include <csignal>
#include <sys/types.h>
#include <unistd.h>

using namespace testutil;

namespace {

QStringList argList(std::initializer_list<const char*> args)
{
    QStringList out;
    for (const char* a : args)
        out << QString::fromUtf8(a);
    return out;
}

QString fixture(const char* name)
{
    return QString::fromStdString(testdata::fixture(name));
}
} // namespace

class TestCli : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    QString cache() const { return m_dir.filePath(QStringLiteral("cache")); }

private Q_SLOTS:
    void scoreWritesTsv()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        // A gzip shard and a plain one.
        const QString gz = m_dir.filePath(QStringLiteral("mail.jsonl.gz"));
        writeFile(gz.toStdString(), gzipCompress(readFile(testdata::fixture("spam_ham.jsonl"))));
        const QString plain = fixture("udhr_sentences.jsonl");
        QString tsv = m_dir.filePath(QStringLiteral("s.tsv"));
        Run r = cli({ QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("zlib6,zstd3"),
                        QStringLiteral("--threads"), QStringLiteral("2"), QStringLiteral("--tsv"), tsv, gz, plain },
            cache());
        QCOMPARE(r.code, 0);
        std::vector<std::string> rows = splitLines(readFile(tsv.toStdString()));
        QCOMPARE(rows.front(), std::string("id\tgroup\tbytes\tzlib6\tzstd3"));
        size_t expected = splitLines(readFile(testdata::fixture("spam_ham.jsonl"))).size()
            + splitLines(readFile(testdata::fixture("udhr_sentences.jsonl"))).size();
        QCOMPARE(rows.size(), expected + 1);
        // A second run reuses the scores file.
        Run again
            = cli({ QStringLiteral("score"), QStringLiteral("--tsv"), tsv + QStringLiteral("2"), gz, plain }, cache());
        QCOMPARE(again.code, 0);
        QVERIFY2(again.err.contains(QStringLiteral("no rescoring")), qPrintable(again.err));
        QCOMPARE(readFile(tsv.toStdString() + "2"), readFile(tsv.toStdString()));
        // "-" is standard output (the summary goes to stderr), not a file named "-"
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), cache());
        p.setProcessEnvironment(env);
        p.setWorkingDirectory(m_dir.path());
        p.start(QStringLiteral(SHARDSCOPE_CLI),
            { QStringLiteral("score"), QStringLiteral("--tsv"), QStringLiteral("-"), gz, plain });
        QVERIFY(p.waitForFinished(120000));
        QCOMPARE(p.exitCode(), 0);
        QCOMPARE(p.readAllStandardOutput().toStdString(), readFile(tsv.toStdString()));
        QVERIFY(!QFile::exists(m_dir.filePath(QStringLiteral("-"))));
    }

    // Issue 21, part 3: a scorer added to a corpus with cached scores is the only one scored; the others are
    // loaded, and the TSV equals a full scan's.
    void onlyTheScorersTheCacheLacksAreScored()
    {
        REQUIRE_FIXTURE("informal.jsonl");
        QTemporaryDir own;
        const QString shard = own.filePath(QStringLiteral("informal.jsonl"));
        writeFile(shard.toStdString(), readFile(testdata::fixture("informal.jsonl")));
        const QString cacheDir = own.filePath(QStringLiteral("cache"));
        Run first = cli(argList({ "score", "--scorers", "zlib6" }) << shard, cacheDir);
        QCOMPARE(first.code, 0);
        const QString tsv = own.filePath(QStringLiteral("added.tsv"));
        Run added = cli(argList({ "score", "--scorers", "zstd3,zlib6", "--tsv" }) << tsv << shard, cacheDir);
        QCOMPARE(added.code, 0);
        QVERIFY2(added.err.contains(QStringLiteral("scores of 1 scorer(s) loaded from"))
                && added.err.contains(QStringLiteral("scoring zstd3")),
            qPrintable(added.err));
        const QString full = own.filePath(QStringLiteral("full.tsv"));
        QCOMPARE(cli(argList({ "score", "--no-cache", "--scorers", "zstd3,zlib6", "--tsv" }) << full << shard, cacheDir)
                     .code,
            0);
        QCOMPARE(readFile(tsv.toStdString()), readFile(full.toStdString()));
        // Both are cached now: nothing is scored.
        Run again = cli(argList({ "score", "--scorers", "zlib6,zstd3" }) << shard, cacheDir);
        QCOMPARE(again.code, 0);
        QVERIFY2(again.err.contains(QStringLiteral("no rescoring")), qPrintable(again.err));
        // Removing one keeps the rest: asking for zlib6 alone loads it (its column only), and zstd3 is still
        // there for the next run that asks for both.
        const QString one = own.filePath(QStringLiteral("one.tsv"));
        Run removed = cli(argList({ "score", "--scorers", "zlib6", "--tsv" }) << one << shard, cacheDir);
        QCOMPARE(removed.code, 0);
        QVERIFY2(removed.err.contains(QStringLiteral("no rescoring")), qPrintable(removed.err));
        QCOMPARE(
            QString::fromStdString(splitLines(readFile(one.toStdString())).front()).split(QLatin1Char('\t')).last(),
            QStringLiteral("zlib6"));
        Run both = cli(argList({ "score", "--scorers", "zstd3,zlib6" }) << shard, cacheDir);
        QCOMPARE(both.code, 0);
        QVERIFY2(both.err.contains(QStringLiteral("no rescoring")), qPrintable(both.err));
    }

    // Issue 21, part 1: --sample scores a seeded uniform sample (the same records for the same seed, never a
    // prefix), is never cached, and stats print 95% intervals that here contain the full corpus's figures.
    // A compressed shard is read whole and sampled line by line, so the record count is exact.
    void sampleScoresAReproducibleSampleWithIntervals()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        const QString shard = m_dir.filePath(QStringLiteral("udhr.jsonl.zst"));
        writeFile(shard.toStdString(), zstdCompress(readFile(testdata::fixture("udhr_sentences.jsonl"))));
        const QString a = m_dir.filePath(QStringLiteral("sample-a.tsv")),
                      b = m_dir.filePath(QStringLiteral("sample-b.tsv")),
                      c = m_dir.filePath(QStringLiteral("sample-c.tsv"));
        Run ra
            = cli(argList({ "score", "--scorers", "zlib6", "--sample", "20%", "--seed", "7", "--tsv" }) << a << shard,
                cache());
        QCOMPARE(ra.code, 0);
        QVERIFY2(ra.err.contains(QStringLiteral("of 550 records scored (bernoulli p=0.2 seed=7)")), qPrintable(ra.err));
        QCOMPARE(
            cli(argList({ "score", "--scorers", "zlib6", "--sample", "0.2", "--seed", "7", "--tsv" }) << b << shard,
                cache())
                .code,
            0);
        QCOMPARE(
            cli(argList({ "score", "--scorers", "zlib6", "--sample", "20%", "--seed", "8", "--tsv" }) << c << shard,
                cache())
                .code,
            0);
        const auto rowsA = splitLines(readFile(a.toStdString()));
        QCOMPARE(readFile(b.toStdString()), readFile(a.toStdString())); // same seed, same records
        QVERIFY(readFile(c.toStdString()) != readFile(a.toStdString()));
        QVERIFY2(rowsA.size() > 70 && rowsA.size() < 160, qPrintable(QString::number(rowsA.size())));
        // Not a prefix: the sample reaches the last quarter of the shard.
        const auto all = splitLines(readFile(testdata::fixture("udhr_sentences.jsonl")));
        std::set<std::string> lastQuarter;
        for (size_t i = all.size() * 3 / 4; i < all.size(); ++i)
            lastQuarter.insert(nlohmann::json::parse(all[i])["id"].get<std::string>());
        bool late = false;
        for (size_t i = 1; i < rowsA.size(); ++i)
            late = late || lastQuarter.count(rowsA[i].substr(0, rowsA[i].find('\t')));
        QVERIFY(late);

        Run full = cli(argList({ "stats", "--scorers", "zlib6", "--json", "-q" }) << shard, cache());
        Run sampled
            = cli(argList({ "stats", "--scorers", "zlib6", "--json", "-q", "--sample", "30%" }) << shard, cache());
        QCOMPARE(full.code, 0);
        QCOMPARE(sampled.code, 0);
        const auto fj = nlohmann::json::parse(full.out.toStdString());
        const auto sj = nlohmann::json::parse(sampled.out.toStdString());
        QCOMPARE(sj["sample"]["records"].get<uint64_t>(), uint64_t(550));
        QVERIFY(sj["sample"]["scored"].get<uint64_t>() < 550);
        const auto& col = sj["sample"]["columns"][0];
        QCOMPARE(col["name"].get<std::string>(), std::string("zlib6"));
        double fullMedian = 0;
        for (const auto& c : fj["columns"])
            if (c["name"] == "zlib6")
                fullMedian = c["percentiles"]["p50"].get<double>();
        const double lo = col["percentiles"]["p50"]["low"].get<double>(),
                     hi = col["percentiles"]["p50"]["high"].get<double>();
        QVERIFY2(lo <= fullMedian && fullMedian <= hi,
            qPrintable(QStringLiteral("%1 [%2, %3]").arg(fullMedian).arg(lo).arg(hi)));
        QCOMPARE(cli(argList({ "stats", "--sample", "2x" }) << shard, cache()).code, 2);

        // suggest records in each cutoff's provenance that it came from a sample, and the config loads back.
        const QString cfg = m_dir.filePath(QStringLiteral("sampled-filter.json"));
        Run sug = cli(
            argList({ "suggest", "--columns", "zlib6", "--sample", "50%", "--seed", "3", "--out" }) << cfg << shard,
            cache());
        QCOMPARE(sug.code, 0);
        const auto cj = nlohmann::json::parse(readFile(cfg.toStdString()));
        const auto& from = cj["rules"][0]["suggested"];
        QCOMPARE(from["sample"].get<std::string>(), std::string("bernoulli p=0.5 seed=3"));
        QCOMPARE(from["sample_of"].get<uint64_t>(), uint64_t(550));
        QVERIFY(from["computed_on"].get<uint64_t>() < 550);
        const shardscope::FilterConfig back = shardscope::FilterConfig::load(cfg.toStdString());
        QCOMPARE(back.rules[0].bounds.suggested->sample, std::string("bernoulli p=0.5 seed=3"));
        QCOMPARE(back.rules[0].bounds.suggested->sampleOf, uint64_t(550));
    }

    // Plain JSON Lines are sampled by byte offset (BlockSampler): only the chosen blocks are read, the record count
    // is estimated and said to be ("about"), and the intervals still contain the full corpus's figures.
    void sampleOfPlainShardsReadsByOffset()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        REQUIRE_FIXTURE("informal.jsonl");
        const QStringList shards { fixture("udhr_sentences.jsonl"), fixture("informal.jsonl") };
        Run full = cli(argList({ "stats", "--scorers", "zlib6", "--json", "-q" }) << shards, cache());
        QCOMPARE(full.code, 0);
        const auto fj = nlohmann::json::parse(full.out.toStdString());
        double fullMedian = 0;
        for (const auto& c : fj["columns"])
            if (c["name"] == "zlib6")
                fullMedian = c["percentiles"]["p50"].get<double>();
        const double records = 850; // 550 + 300

        Run sampled = cli(
            argList({ "stats", "--scorers", "zlib6", "--json", "--sample", "40%", "--seed", "5" }) << shards, cache());
        QCOMPARE(sampled.code, 0);
        QVERIFY2(sampled.err.contains(QStringLiteral("records scored (offset-blocks p=0.4 seed=5 block=")),
            qPrintable(sampled.err));
        QVERIFY2(sampled.err.contains(QStringLiteral(" of about ")), qPrintable(sampled.err));
        const auto sj = nlohmann::json::parse(sampled.out.toStdString());
        QCOMPARE(sj["sample"]["records_exact"].get<bool>(), false);
        const double estimate = double(sj["sample"]["records"].get<uint64_t>());
        const double scored = double(sj["sample"]["scored"].get<uint64_t>());
        QVERIFY2(std::abs(estimate - records) < 0.25 * records, qPrintable(QString::number(estimate)));
        QVERIFY2(scored > 0.25 * records && scored < 0.55 * records, qPrintable(QString::number(scored)));
        const auto& col = sj["sample"]["columns"][0];
        const double lo = col["percentiles"]["p50"]["low"].get<double>(),
                     hi = col["percentiles"]["p50"]["high"].get<double>();
        QVERIFY2(lo <= fullMedian && fullMedian <= hi,
            qPrintable(QStringLiteral("%1 [%2, %3]").arg(fullMedian).arg(lo).arg(hi)));

        // A number of records: the count is estimated from the first MiB of the shards, not read.
        Run counted
            = cli(argList({ "score", "--scorers", "zlib6", "--sample", "200", "--tsv", "-" }) << shards, cache());
        QCOMPARE(counted.code, 0);
        const auto rows = splitLines(counted.out.toStdString());
        QVERIFY2(rows.size() > 120 && rows.size() < 300, qPrintable(QString::number(rows.size())));
        // Documents without an id are named by their byte offset, as they have no known line number.
        const QString noIds = m_dir.filePath(QStringLiteral("no-ids.jsonl"));
        std::string text;
        for (const auto& line : splitLines(readFile(testdata::fixture("informal.jsonl"))))
            text += "{\"text\": " + nlohmann::json::parse(line)["text"].dump() + "}\n";
        writeFile(noIds.toStdString(), text);
        Run named = cli(argList({ "score", "--scorers", "zlib6", "--sample", "50%", "--tsv", "-" }) << noIds, cache());
        QCOMPARE(named.code, 0);
        const auto named_rows = splitLines(named.out.toStdString());
        QVERIFY(named_rows.size() > 100);
        for (size_t i = 1; i < named_rows.size(); ++i) {
            const std::string id = named_rows[i].substr(0, named_rows[i].find('\t'));
            QVERIFY2(id.size() > 1 && id[0] == '@', id.c_str());
            const uint64_t offset = std::stoull(id.substr(1));
            QVERIFY2(offset == 0 || text[offset - 1] == '\n', id.c_str());
        }
    }

    void exitStatuses()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QString bad = m_dir.filePath(QStringLiteral("bad.jsonl"));
        writeFile(bad.toStdString(), "{\"text\": \"ok\"}\n{\"text\": [1]}\n");
        Run r = cli({ QStringLiteral("score"), QStringLiteral("--no-cache"), bad }, cache());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(bad + QStringLiteral(":2:")), qPrintable(r.err));

        QString cut = m_dir.filePath(QStringLiteral("cut.jsonl.zst"));
        std::string comp = zstdCompress(readFile(testdata::fixture("spam_ham.jsonl")));
        writeFile(cut.toStdString(), comp.substr(0, comp.size() - 100));
        r = cli({ QStringLiteral("score"), QStringLiteral("--no-cache"), cut }, cache());
        QCOMPARE(r.code, 1);
        QVERIFY2(r.err.contains(cut) && r.err.contains(QStringLiteral("byte ")), qPrintable(r.err));

        QCOMPARE(
            cli({ QStringLiteral("score"), QStringLiteral("--scorers"), QStringLiteral("nope"), bad }, cache()).code,
            2);
        QCOMPARE(cli({ QStringLiteral("frobnicate") }, cache()).code, 2);
        QCOMPARE(cli({ QStringLiteral("score"), m_dir.filePath(QStringLiteral("missing.jsonl")) }, cache()).code, 2);
        for (const char* cmd : { "score", "apply", "stats", "scorers" }) {
            Run h = cli({ QString::fromLatin1(cmd), QStringLiteral("--help") }, cache());
            QCOMPARE(h.code, 0);
            QVERIFY(h.out.contains(QStringLiteral("Usage")));
        }
    }

    void applyEndsWithCounts()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QString cfg = m_dir.filePath(QStringLiteral("f.json"));
        writeFile(cfg.toStdString(),
            R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","min":0.3,"max":0.5}]})");
        QString out = m_dir.filePath(QStringLiteral("out"));
        Run r = cli({ QStringLiteral("apply"), QStringLiteral("--config"), cfg, QStringLiteral("--out"), out,
                        QStringLiteral("--dropped"), fixture("spam_ham.jsonl") },
            cache());
        QCOMPARE(r.code, 0);
        QStringList lines = r.out.trimmed().split(QLatin1Char('\n'));
        QRegularExpression re(QStringLiteral("^read=(\\d+) kept=(\\d+) dropped=(\\d+) rejected=(\\d+)$"));
        auto m = re.match(lines.last());
        QVERIFY2(m.hasMatch(), qPrintable(lines.last()));
        QCOMPARE(m.captured(1).toInt(), 80);
        QCOMPARE(m.captured(2).toInt() + m.captured(3).toInt() + m.captured(4).toInt(), 80);
        QVERIFY(m.captured(2).toInt() > 0 && m.captured(3).toInt() > 0);
    }

    void statsAndScorers()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        Run r = cli({ QStringLiteral("stats"), QStringLiteral("--json"), fixture("spam_ham.jsonl") }, cache());
        QCOMPARE(r.code, 0);
        QVERIFY(r.out.contains(QStringLiteral("\"p50\"")));
        QVERIFY(r.out.contains(QStringLiteral("\"name\": \"zlib6\"")));
        Run s = cli({ QStringLiteral("scorers") }, cache());
        QCOMPARE(s.code, 0);
        QVERIFY(s.out.contains(QStringLiteral("zlib6")));
        QVERIFY(s.out.contains(QStringLiteral("zlib.compress")));
    }

    // Issue 19: every way a run ends maps to one exit status and one message on stderr, in one place
    // (app/cli/main.cpp): usage errors found by the option parser or after it 2, input errors 1 with the
    // file named, success 0. @dir is the test's directory, @shard a real shard.
    void exitStatusMapping_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        const QString dir = m_dir.path();
        QTest::newRow("usage: unknown option")
            << argList({ "score", "--bogus", "@shard" }) << 2 << QStringLiteral("--bogus");
        QTest::newRow("usage: unknown command")
            << argList({ "frobnicate" }) << 2 << QStringLiteral("A subcommand is required");
        // A shard named on the command line that does not exist is the parser's error, not an input error.
        QTest::newRow("usage: named shard missing")
            << argList({ "score", "@dir/missing.jsonl" }) << 2 << dir + QStringLiteral("/missing.jsonl");
        QTest::newRow("usage: unknown scorer (score)") << argList({ "score", "-s", "nope", "@shard" }) << 2
                                                       << QStringLiteral("shardscope-cli score: unknown scorer 'nope'");
        QTest::newRow("usage: unknown scorer (stats)") << argList({ "stats", "-s", "nope", "@shard" }) << 2
                                                       << QStringLiteral("shardscope-cli stats: unknown scorer 'nope'");
        QTest::newRow("usage: suggest method that does not parse")
            << argList({ "suggest", "--columns", "zlib6", "-m", "bogus", "@shard" }) << 2
            << QStringLiteral("shardscope-cli suggest: --method: unknown method 'bogus'");
        // Found only once the scores exist: still a usage error, and nothing on stdout.
        QTest::newRow("usage: suggest --by a numeric column")
            << argList({ "suggest", "--no-cache", "--columns", "zlib6", "--by", "zstd3", "@shard" }) << 2
            << QStringLiteral("shardscope-cli suggest: --by zstd3: not a categorical column");
        QTest::newRow("usage: filter config that does not load")
            << argList({ "apply", "-c", "@dir/notjson.json", "-o", "@dir/out", "@shard" }) << 2
            << QStringLiteral("shardscope-cli apply: ");
        QTest::newRow("usage: filter config naming an unknown column")
            << argList({ "apply", "-c", "@dir/unknown.json", "-o", "@dir/out", "@shard" }) << 2
            << QStringLiteral("shardscope-cli apply: ") + dir + QStringLiteral("/unknown.json: ");
        // A file that goes missing behind a directory argument is an input error naming the file.
        QTest::newRow("input: shard in a directory is a dangling link")
            << argList({ "score", "--no-cache", "@dir/dangling" }) << 1
            << QStringLiteral("error: ") + dir + QStringLiteral("/dangling/gone.jsonl: byte 0: cannot read");
        QTest::newRow("input: rejected record")
            << argList({ "score", "--no-cache", "@dir/rejects.jsonl" }) << 1
            << QStringLiteral("rejected: ") + dir + QStringLiteral("/rejects.jsonl:2: byte ");
#ifdef SHARDSCOPE_HAVE_TORCH
        // Model errors were std::exit(1) from a parser callback; now thrown to main.cpp like the rest.
        QTest::newRow("input: --model that is not a model")
            << argList({ "score", "--model", "@dir/nomodel", "@shard" }) << 1
            << QStringLiteral("error: ") + dir + QStringLiteral("/nomodel: not a model directory");
        QTest::newRow("input: lm-tokens --model that is not a model")
            << argList({ "lm-tokens", "--model", "@dir/nomodel", "hi" }) << 1
            << QStringLiteral("error: ") + dir + QStringLiteral("/nomodel: not a model directory");
#endif
        QTest::newRow("ok: help") << argList({ "suggest", "--help" }) << 0 << QString();
        QTest::newRow("ok: version") << argList({ "--version" }) << 0 << QString();
    }

    void exitStatusMapping()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        const std::string dir = m_dir.path().toStdString();
        writeFile(dir + "/notjson.json", "{not json");
        writeFile(dir + "/unknown.json",
            R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"nosuch","min":0.3}]})");
        writeFile(dir + "/rejects.jsonl", "{\"text\": \"ok\"}\n{\"text\": [1]}\n");
        QDir().mkpath(m_dir.filePath(QStringLiteral("dangling")));
        QFile::link(
            m_dir.filePath(QStringLiteral("gone.jsonl")), m_dir.filePath(QStringLiteral("dangling/gone.jsonl")));
        for (QString& a : args)
            a.replace(QStringLiteral("@shard"), fixture("spam_ham.jsonl"))
                .replace(QStringLiteral("@dir"), m_dir.path());

        const Run r = cli(args, cache());
        QVERIFY2(r.code == code, qPrintable(QStringLiteral("exit %1: %2").arg(r.code).arg(r.err)));
        if (code != 0) {
            QVERIFY2(r.out.isEmpty(), qPrintable(r.out));
            // Said once, whoever found it.
            QVERIFY2(r.err.count(message) == 1, qPrintable(r.err));
        }
    }

    // SIGINT or SIGTERM during a scan: the scan stops, the command reports what it read and exits 130 with
    // "cancelled" as its last line (stats printed no "cancelled" before issue 19; score and suggest did).
    void cancelled_data()
    {
        QTest::addColumn<QString>("command");
        QTest::addColumn<int>("signal");
        QTest::newRow("score SIGINT") << QStringLiteral("score") << SIGINT;
        QTest::newRow("score SIGTERM") << QStringLiteral("score") << SIGTERM;
        QTest::newRow("stats SIGINT") << QStringLiteral("stats") << SIGINT;
        QTest::newRow("suggest SIGINT") << QStringLiteral("suggest") << SIGINT;
    }

    void cancelled()
    {
        QFETCH(QString, command);
        QFETCH(int, signal);
        // 16 MB of words: zlib6 and zstd3 on one thread take far longer than the signal takes to land.
        const std::string big = m_dir.filePath(QStringLiteral("big.jsonl")).toStdString();
        if (!QFile::exists(QString::fromStdString(big))) {
            std::mt19937 rng(19);
            std::string text, out;
            for (int doc = 0; out.size() < (16u << 20); ++doc) {
                text.clear();
                for (int w = 0; w < 150; ++w) {
                    for (int c = 2 + int(rng() % 8); c > 0; --c)
                        text += char('a' + rng() % 26);
                    text += ' ';
                }
                out += "{\"id\": \"" + std::to_string(doc) + "\", \"text\": \"" + text + "\"}\n";
            }
            writeFile(big, out);
        }
        QStringList args { command, QStringLiteral("--no-cache"), QStringLiteral("-j1") };
        args << (command == QLatin1String("suggest") ? QStringLiteral("--columns") : QStringLiteral("--scorers"))
             << QStringLiteral("zlib6,zstd3") << QString::fromStdString(big);
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), cache());
        p.setProcessEnvironment(env);
        p.start(QStringLiteral(SHARDSCOPE_CLI), args);
        QVERIFY(p.waitForStarted());
        // The handlers are installed before this line, which comes just before the scan starts.
        QByteArray err;
        p.setReadChannel(QProcess::StandardError);
        while (!err.contains("shard(s)") && p.waitForReadyRead(60000))
            err += p.readAllStandardError();
        QVERIFY2(err.contains("shard(s)"), err.constData());
        QCOMPARE(::kill(pid_t(p.processId()), signal), 0);
        QVERIFY(p.waitForFinished(60000));
        err += p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QVERIFY2(p.exitCode() == 130,
            qPrintable(QStringLiteral("exit %1: %2").arg(p.exitCode()).arg(QString::fromUtf8(err))));
        QVERIFY2(err.endsWith("\ncancelled\n"), err.constData());
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
