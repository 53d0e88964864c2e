// Issue 24, part 2: `export --to datatrove` and `export --to dolma` keep exactly the documents `apply` keeps. The
// datatrove pipeline runs in the real datatrove (../shared/peers/datatrove); the Dolma include expression runs in
// Debian's jq over the documents joined with their attribute files as Dolma's mixer joins them (line by line, ids
// compared, attributes merged under "attributes").

#include "export.h"
#include "filterconfig.h"
#include "testutil.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>

using namespace testutil;
namespace fs = std::filesystem;

namespace {

struct Run {
    int code;
    QString out, err;
};

Run run(const QString& program, const QStringList& args, const QString& cacheDir = {})
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    if (!cacheDir.isEmpty())
        env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), cacheDir);
    p.setProcessEnvironment(env);
    p.start(program, args);
    p.waitForFinished(180000);
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
        QString::fromUtf8(p.readAllStandardError()) };
}

std::string gunzip(const std::string& comp)
{
    z_stream z {};
    inflateInit2(&z, 16 + MAX_WBITS);
    std::string out;
    std::vector<char> buf(1 << 16);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(comp.data()));
    z.avail_in = uInt(comp.size());
    for (;;) {
        z.next_out = reinterpret_cast<Bytef*>(buf.data());
        z.avail_out = uInt(buf.size());
        const int rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf.data(), buf.size() - z.avail_out);
        if (rc == Z_STREAM_END && z.avail_in > 0) {
            inflateReset(&z); // another gzip member
            continue;
        }
        if (rc != Z_OK)
            break;
    }
    inflateEnd(&z);
    return out;
}

// A file's text, decompressed as its name says.
std::string readText(const std::string& path)
{
    if (path.ends_with(".gz"))
        return gunzip(readFile(path));
    if (path.ends_with(".zst"))
        return zstdDecompressFile(path);
    return readFile(path);
}

// An id as a string, whatever its JSON type: a number is compared by its text, as Shardscope reads it.
std::string idText(const nlohmann::json& id)
{
    return id.is_string() ? id.get<std::string>() : id.dump();
}

// The ids of the records in JSON Lines files, sorted (duplicates stay).
std::vector<std::string> idsIn(const std::vector<std::string>& files)
{
    std::vector<std::string> ids;
    for (const auto& f : files)
        for (const auto& line : splitLines(readText(f)))
            if (!line.empty())
                ids.push_back(idText(nlohmann::json::parse(line)["id"]));
    std::sort(ids.begin(), ids.end());
    return ids;
}

std::vector<std::string> filesIn(const std::string& dir, const std::string& suffix)
{
    std::vector<std::string> out;
    if (fs::is_directory(dir))
        for (const auto& e : fs::recursive_directory_iterator(dir))
            if (e.path().string().ends_with(suffix))
                out.push_back(e.path().string());
    std::sort(out.begin(), out.end());
    return out;
}

// The shortest decimal of a double, written here rather than by the code under test.
std::string exact(double v)
{
    char buf[64];
    return std::string(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
}

// A cutoff between a float's shortest decimal (what printing the float gives) and its exact value: the two sides
// decide differently, so an export that writes scores or cutoffs less exactly than BoundRules compares them fails.
std::string betweenFloatAndDecimal(float f, bool* isMin)
{
    char buf[64];
    double printed = 0;
    const char* end = std::to_chars(buf, buf + sizeof buf, f).ptr;
    std::from_chars(buf, end, printed);
    *isMin = printed < double(f); // then min = the cutoff keeps f, a printed score would fail it
    return exact((printed + double(f)) / 2);
}

} // namespace

class TestExport : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string m_root;
    std::vector<std::string> m_clean; // the three formats, one shard each
    std::string m_messy; // blank line, a record that is not JSON, a numeric id, empty text
    float m_boundary = 0; // zlib6 of one document, exactly

    std::string path(const std::string& rel) const { return m_root + "/" + rel; }
    QString cache() const { return QString::fromStdString(path("cache")); }

    Run cli(const QStringList& args) const { return run(QStringLiteral(SHARDSCOPE_CLI), args, cache()); }

    static QStringList toArgs(const std::vector<std::string>& v)
    {
        QStringList out;
        for (const auto& s : v)
            out << QString::fromStdString(s);
        return out;
    }

    // apply's kept ids over `shards`.
    std::vector<std::string> applyKept(
        const std::string& config, const std::vector<std::string>& shards, const std::string& out) const
    {
        Run r = cli(QStringList { QStringLiteral("apply"), QStringLiteral("-q"), QStringLiteral("--config"),
                        QString::fromStdString(config), QStringLiteral("--out"), QString::fromStdString(out) }
            + toArgs(shards));
        if (r.code != 0 && r.code != 1)
            qWarning("%s", qPrintable(r.err));
        return idsIn(filesIn(out, ".kept.jsonl.zst"));
    }

    // Writes the config rules (a JSON array) and returns its path.
    std::string config(const std::string& name, const std::string& rules) const
    {
        const std::string p = path(name + ".json");
        writeFile(p, R"({"format": "shardscope-filter", "version": 2, "rules": )" + rules + "}");
        return p;
    }

private Q_SLOTS:
    void initTestCase()
    {
        REQUIRE_FIXTURE("udhr_sentences.jsonl");
        QVERIFY(m_dir.isValid());
        m_root = m_dir.path().toStdString();
        // Real text with its language; groups made up so group overrides have something to key on.
        std::vector<std::string> lines = splitLines(readFile(testdata::fixture("udhr_sentences.jsonl")));
        std::string parts[3];
        for (size_t i = 0; i < lines.size(); ++i) {
            auto j = nlohmann::json::parse(lines[i]);
            j["source"] = std::string("web/") + char('a' + i % 3);
            parts[i * 3 / lines.size()] += j.dump() + "\n";
        }
        parts[0] += R"({"id": "empty-text", "text": "", "source": "web/a"})"
                    "\n";
        m_clean = { path("p0.jsonl"), path("p1.jsonl.gz"), path("p2.jsonl.zst") };
        writeFile(m_clean[0], parts[0]);
        writeFile(m_clean[1], gzipCompress(parts[1]));
        writeFile(m_clean[2], zstdCompress(parts[2]));
        m_messy = path("messy.jsonl");
        writeFile(m_messy,
            "{\"id\": \"m1\", \"text\": \"Everyone has the right to life, liberty and security of person.\"}\n"
            "\n"
            "{\"id\": \"m2\", \"text\": \"not closed\n"
            "{\"id\": 12345, \"text\": \"No one shall be held in slavery or servitude; slavery and the slave trade "
            "shall be prohibited in all their forms.\"}\n"
            "{\"id\": \"m4\", \"text\": \"\"}\n");

        // The classifier column (issue 23): the linear scorer's "quality" over two other columns.
        writeFile(path("quality-model.json"),
            R"({"format": "shardscope-linear", "version": 1, "inputs": ["zlib6", "gopher_word_count"],
                "mean": [0.62, 30], "scale": [0.05, 20], "weights": [1.5, -0.8], "bias": 0.2,
                "link": "logistic", "output": "quality"})");

        // One document's zlib6 score, exactly, for a cutoff equal to it.
        Run r = cli({ QStringLiteral("score"), QStringLiteral("-q"), QStringLiteral("-s"), QStringLiteral("zlib6"),
            QStringLiteral("--tsv"), QStringLiteral("-"), QString::fromStdString(m_clean[0]) });
        QCOMPARE(r.code, 0);
        const QStringList rows = r.out.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QVERIFY(rows.size() > 100);
        const QStringList cells = rows[60].split(QLatin1Char('\t'));
        const std::string v = cells.last().toStdString();
        QVERIFY(std::from_chars(v.data(), v.data() + v.size(), m_boundary).ec == std::errc());
        QVERIFY(m_boundary > 0);
    }

    void exactNumbers()
    {
        using shardscope::exactNumber;
        QCOMPARE(exactNumber(0.25), std::string("0.25"));
        QCOMPARE(exactNumber(double(0.1f)), std::string("0.10000000149011612"));
        QCOMPARE(std::stod(exactNumber(double(m_boundary))), double(m_boundary));
        QCOMPARE(exactNumber(std::nan("")), std::string("null"));
    }

private:
    // One row per config: the rules, whether they need the langid model, whether the classifier.
    void addConfigRows()
    {
        QTest::addColumn<std::string>("rules");
        QTest::addColumn<bool>("needsLangid");
        QTest::addColumn<bool>("classifier"); // the config records the linear model (version 3 "scorers")
        // min and max, a cutoff equal to a document's score (as min of one rule, max of another), missing kept.
        const std::string b = exact(double(m_boundary));
        QTest::newRow("min-max-boundary-missing") << (R"([{"scorer": "zlib6", "min": )" + b + R"(, "missing": "keep"},
                    {"scorer": "zstd3", "max": 0.9, "missing": "keep"},
                    {"scorer": "gopher_word_count", "max": 40}])")
                                                  << false << false;
        QTest::newRow("max-boundary") << (R"([{"scorer": "zlib6", "max": )" + b + "}]") << false << false;
        bool isMin = false;
        const std::string between = betweenFloatAndDecimal(m_boundary, &isMin);
        QTest::newRow("between-float-and-decimal")
            << ("[{\"scorer\": \"zlib6\", \"" + std::string(isMin ? "min" : "max") + "\": " + between + "}]") << false
            << false;
        // Per-group overrides, one disabled.
        QTest::newRow("groups") << std::string(R"([{"scorer": "zlib6", "min": 0.5, "max": 0.75,
                  "groups": {"web/b": {"min": 0.55}, "web/c": {"disabled": true}}}])")
                                << false << false;
        // A categorical "in" rule and per-language cutoffs.
        QTest::newRow("lang") << std::string(R"([{"scorer": "lang", "in": ["en", "de", "fr", "es", "it", "nl"]},
                  {"scorer": "zlib6", "min": 0.56, "by": "lang",
                   "overrides": {"de": {"min": 0.5}, "fr": {"disabled": true}, "en": {"max": 0.6}}}])")
                              << true << false;
        // The classifier's column, a model-backed scorer: scores from Shardscope's scan like any other column.
        // The linear scorer reads columns made before it, so the rules on its inputs come first.
        QTest::newRow("classifier-quality") << std::string(R"([{"scorer": "zlib6", "max": 0.8},
                  {"scorer": "gopher_word_count", "max": 1000},
                  {"scorer": "quality", "min": 0.5, "groups": {"web/a": {"min": 0.6}}}])")
                                            << false << true;
    }

    // The config of the current row, written (with the classifier's model recorded when the row says so).
    std::string rowConfig(const std::string& prefix)
    {
        QFETCH(std::string, rules);
        QFETCH(bool, classifier);
        const std::string cfg = config(prefix + QTest::currentDataTag(), rules);
        if (classifier) {
            shardscope::FilterConfig c = shardscope::FilterConfig::load(cfg);
            shardscope::recordFileScorers(c, "linear:model=" + path("quality-model.json"));
            c.save(cfg);
        }
        return cfg;
    }

private Q_SLOTS:
    void datatroveKeepsWhatApplyKeeps_data() { addConfigRows(); }
    void datatroveKeepsWhatApplyKeeps()
    {
        QFETCH(bool, needsLangid);
        if (needsLangid)
            REQUIRE_MODEL("lid176/lid.176.ftz");
        const std::string python = testdata::sharedRoot() + "/../peers/datatrove/python";
        if (!testdata::exists(python))
            QSKIP(qPrintable(QString::fromStdString("needs " + python
                + " (datatrove, from the shared folder beside the checkout; set SHARDSCOPE_SHARED_DATA to where "
                  "../shared/data is)")));
        const std::string tag = std::string("dt-") + QTest::currentDataTag();
        const std::string cfg = rowConfig("dt-");
        // The clean shards and the messy one.
        std::vector<std::string> shards = m_clean;
        shards.push_back(m_messy);
        const std::vector<std::string> expected = applyKept(cfg, shards, path(tag + "-apply"));
        QVERIFY(!expected.empty());
        QVERIFY(expected.size() < 500); // the rules drop something
        {
            const std::string out = path(tag + "-datatrove");
            Run e = cli(QStringList { QStringLiteral("export"), QStringLiteral("-q"), QStringLiteral("--to"),
                            QStringLiteral("datatrove"), QStringLiteral("--config"), QString::fromStdString(cfg),
                            QStringLiteral("--out"), QString::fromStdString(out) }
                + toArgs(shards));
            QVERIFY2(e.code == 0 || e.code == 1, qPrintable(e.err)); // 1: the messy shard's rejected record
            QVERIFY(e.out.contains(QStringLiteral("kept=%1 ").arg(expected.size())));
            Run p = run(QString::fromStdString(python), { QString::fromStdString(out + "/pipeline.py") });
            QVERIFY2(p.code == 0, qPrintable(p.err.right(3000)));
            const std::vector<std::string> kept = idsIn(filesIn(out + "/kept", ".jsonl.gz"));
            QCOMPARE(kept.size(), expected.size());
            QCOMPARE(kept, expected);
        }
    }

    void dolmaKeepsWhatApplyKeeps_data() { addConfigRows(); }
    void dolmaKeepsWhatApplyKeeps()
    {
        QFETCH(bool, needsLangid);
        if (needsLangid)
            REQUIRE_MODEL("lid176/lid.176.ftz");
        if (QStandardPaths::findExecutable(QStringLiteral("jq")).isEmpty())
            QFAIL("jq not found (Debian's jq; scripts/install-deps.sh installs it)");
        const std::string tag = std::string("dolma-") + QTest::currentDataTag();
        const std::string cfg = rowConfig("dolma-");
        // The clean shards: Dolma's mixer stops at a line that is not JSON.
        const std::vector<std::string> expectedClean = applyKept(cfg, m_clean, path(tag + "-apply-clean"));
        QVERIFY(!expectedClean.empty());
        QVERIFY(expectedClean.size() < 500);
        const std::string out = path(tag + "-dolma");
        Run e = cli(QStringList { QStringLiteral("export"), QStringLiteral("-q"), QStringLiteral("--to"),
                        QStringLiteral("dolma"), QStringLiteral("--config"), QString::fromStdString(cfg),
                        QStringLiteral("--out"), QString::fromStdString(out) }
            + toArgs(m_clean));
        QVERIFY2(e.code == 0, qPrintable(e.err));
        // The mixer's join: document line i with attribute line i, ids equal, attributes merged.
        std::string merged;
        for (const auto& doc : filesIn(out + "/documents", "")) {
            const std::string rel = fs::path(doc).lexically_relative(out + "/documents").string();
            const std::vector<std::string> docs = splitLines(readText(doc));
            const std::vector<std::string> attrs = splitLines(readText(out + "/attributes/shardscope/" + rel));
            QCOMPARE(attrs.size(), docs.size());
            for (size_t i = 0; i < docs.size(); ++i) {
                auto d = nlohmann::json::parse(docs[i]);
                auto a = nlohmann::json::parse(attrs[i]);
                QCOMPARE(a["id"].dump(), d["id"].dump());
                for (auto it = a["attributes"].begin(); it != a["attributes"].end(); ++it)
                    d["attributes"][it.key()] = it.value();
                merged += d.dump() + "\n";
            }
        }
        writeFile(out + "/merged.jsonl", merged);
        // The include expression as mixer.yaml holds it (one single-quoted YAML scalar).
        const std::vector<std::string> yaml = splitLines(readFile(out + "/mixer.yaml"));
        auto inc = std::find(yaml.begin(), yaml.end(), "      include:");
        QVERIFY(inc != yaml.end() && inc + 1 != yaml.end());
        std::string expr = inc[1].substr(inc[1].find('\'') + 1);
        expr.pop_back();
        for (size_t at = 0; (at = expr.find("''", at)) != std::string::npos; ++at)
            expr.erase(at, 1);
        Run j = run(QStringLiteral("jq"),
            { QStringLiteral("-c"), QString::fromStdString("select(" + expr + ") | .id"),
                QString::fromStdString(out + "/merged.jsonl") });
        QVERIFY2(j.code == 0, qPrintable(j.err));
        std::vector<std::string> kept;
        for (const auto& line : splitLines(j.out.toStdString()))
            kept.push_back(idText(nlohmann::json::parse(line)));
        std::sort(kept.begin(), kept.end());
        QCOMPARE(kept.size(), expectedClean.size());
        QCOMPARE(kept, expectedClean);
    }

    // The documents whose score equals the cutoff are kept by both ends of [min, max].
    void boundaryDocumentIsKept()
    {
        const std::string b = exact(double(m_boundary));
        const std::string cfg = config("exact", R"([{"scorer": "zlib6", "min": )" + b + ", \"max\": " + b + "}]");
        const std::vector<std::string> kept = applyKept(cfg, m_clean, path("exact-apply"));
        QVERIFY(!kept.empty());
        const std::string out = path("exact-dolma");
        Run e = cli(QStringList { QStringLiteral("export"), QStringLiteral("-q"), QStringLiteral("--to"),
                        QStringLiteral("dolma"), QStringLiteral("--config"), QString::fromStdString(cfg),
                        QStringLiteral("--out"), QString::fromStdString(out) }
            + toArgs(m_clean));
        QVERIFY2(e.code == 0, qPrintable(e.err));
        QVERIFY(e.out.contains(QStringLiteral("kept=%1 ").arg(kept.size())));
        QVERIFY(readFile(out + "/mixer.yaml").find("$v >= " + b + " and $v <= " + b) != std::string::npos);
    }

    // Shardscope reads WARC and sniffs compression; the engines read JSON Lines and trust the name.
    void refusesShardsTheEnginesReadOtherwise_data()
    {
        QTest::addColumn<std::string>("shard");
        QTest::addColumn<QString>("says");
        QTest::newRow("gzip-named-plain") << std::string("disguised.jsonl") << QStringLiteral("gzip content");
        QTest::newRow("warc") << testdata::shared("fixtures/warcio_example.warc.gz") << QStringLiteral("WARC");
    }
    void refusesShardsTheEnginesReadOtherwise()
    {
        QFETCH(std::string, shard);
        QFETCH(QString, says);
        if (shard == "disguised.jsonl") {
            shard = path(shard);
            writeFile(shard, readFile(m_clean[1]));
        } else if (!testdata::exists(shard)) {
            QSKIP(testdata::missingShared("fixtures/warcio_example.warc.gz").constData());
        }
        const std::string cfg = config("plain", R"([{"scorer": "zlib6", "min": 0.1}])");
        for (const char* to : { "datatrove", "dolma" }) {
            Run e = cli({ QStringLiteral("export"), QStringLiteral("--to"), QString::fromUtf8(to),
                QStringLiteral("--config"), QString::fromStdString(cfg), QStringLiteral("--out"),
                QString::fromStdString(path(std::string("refused-") + to)), QString::fromStdString(shard) });
            QCOMPARE(e.code, 2);
            QVERIFY2(e.err.contains(says) && e.err.contains(QString::fromStdString(shard)), qPrintable(e.err));
        }
    }

    void refusesMinMaxOnLabels()
    {
        REQUIRE_MODEL("lid176/lid.176.ftz");
        const std::string cfg = config("labels-minmax", R"([{"scorer": "lang", "min": 1}])");
        Run e = cli(QStringList { QStringLiteral("export"), QStringLiteral("--to"), QStringLiteral("dolma"),
                        QStringLiteral("--config"), QString::fromStdString(cfg), QStringLiteral("--out"),
                        QString::fromStdString(path("labels-minmax-out")) }
            + toArgs(m_clean));
        QCOMPARE(e.code, 2);
        QVERIFY2(e.err.contains(QStringLiteral("categorical")), qPrintable(e.err));
    }
};

QTEST_APPLESS_MAIN(TestExport)
#include "tst_export.moc"
