// Issue 18: "A 100 MB record: peak memory at most 2x the record above the baseline". The CLI scores a
// shard of three real records, the middle one 100 MiB of real e-mail text (JSON-escaped newlines, quotes
// and tabs, so the unescaping path runs), as a child process; its peak RSS (wait4's ru_maxrss) less that
// of the same shard without the big record is compared with the big record's JSON line. Before the fix it
// was 2.3x (detection's padded copy, the line buffer's doublings left on the malloc heap, the line and its
// unescaped text); with the text unescaped in place it is about 1.06x. The bound, 1.5x plus 16 MiB, is
// the issue's 2x with room to catch a scan that goes back to holding the text twice.
// tst_reader's hundredMegabyteRecord checks the scores; inPlaceMatchesParse checks that unescaping in
// place accepts, rejects and unescapes as simdjson does.

#include "testdata.h"
#include "testutil.h"

#include <fieldmapping.h>
#include <recordparser.h>
#include <scan.h>
#include <scorer.h>

#include <QTemporaryDir>
#include <QTest>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

using namespace testutil;

namespace {

constexpr size_t kBigText = size_t(100) << 20;

std::string jsonEscape(std::string_view s)
{
    std::string out;
    out.reserve(s.size() + s.size() / 16);
    for (char c : s) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", unsigned(static_cast<unsigned char>(c)));
                out += buf;
            } else {
                out += c;
            }
        }
    }
    return out;
}

struct Child {
    int status = -1;
    long maxRssKb = 0;
};

// Runs the CLI and returns its exit status and peak resident set (KiB), read from wait4() for this
// child alone.
// $SHARDSCOPE_HUGERECORD_CLI runs another build of the CLI instead (to show an old one fails).
Child runCli(const std::vector<std::string>& args, const std::string& cacheDir)
{
    const char* other = std::getenv("SHARDSCOPE_HUGERECORD_CLI");
    const std::string cli = other && *other ? other : SHARDSCOPE_CLI;
    std::vector<std::string> argv { cli };
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);
    setenv("SHARDSCOPE_CACHE_DIR", cacheDir.c_str(), 1);
    Child c;
    // fork(), not posix_spawn(): a vfork()ed child starts its ru_maxrss from this process's peak, a
    // forked one from its current size (small: this test runs first and writes the shard piecewise).
    const pid_t pid = fork();
    if (pid < 0)
        return c;
    if (pid == 0) {
        execve(cli.c_str(), cargv.data(), environ);
        _exit(127);
    }
    struct rusage ru { };
    if (wait4(pid, &c.status, 0, &ru) == pid)
        c.maxRssKb = ru.ru_maxrss;
    return c;
}

// Real e-mails: the generated fixture, or the shared one on a checkout that has not made them (empty when
// neither is there; the caller skips). Their JSON lines, and their texts.
struct EmailRecords {
    std::vector<std::string> lines;
    std::vector<std::string> texts;
};
EmailRecords emailRecords()
{
    EmailRecords r;
    std::string source = testdata::fixture("spam_ham.jsonl");
    if (!testdata::exists(source)) {
        if (!testdata::exists(testdata::shared("fixtures/spamassassin_40spam_40ham.jsonl")))
            return r;
        source = testdata::shared("fixtures/spamassassin_40spam_40ham.jsonl");
    }
    r.lines = splitLines(readFile(source));
    shardscope::FieldMapping fields;
    shardscope::RecordParser parser(fields);
    for (const auto& l : r.lines) {
        std::string padded = l + std::string(shardscope::RecordParser::kPadding, ' ');
        auto rec = parser.parse(std::string_view(padded.data(), l.size()), shardscope::RecordParser::kPadding);
        if (rec.ok() && !rec.text.empty())
            r.texts.emplace_back(rec.text);
    }
    return r;
}

struct BigRecord {
    size_t textBytes = 0;
    size_t recordBytes = 0; // its JSON, without the newline
};
// Writes first, then a record "huge" whose text is the texts one after another up to textBytes (cut on
// a code point boundary), then last; piece by piece, so that this process's own peak stays small (a
// child's ru_maxrss starts from the peak of the process that spawned it). textBytes 0 on failure.
BigRecord writeShardWithBigRecord(const std::string& path, const std::string& first, const std::string& last,
    const std::vector<std::string>& texts, size_t textBytes)
{
    BigRecord r;
    std::FILE* f = std::fopen(path.c_str(), "wb");
    if (!f)
        return r;
    auto put = [&](std::string_view s) { std::fwrite(s.data(), 1, s.size(), f); };
    put(first + "\n");
    const std::string head = "{\"id\": \"huge\", \"text\": \"";
    const std::string tail = "\", \"source\": \"replicated\"}";
    put(head);
    r.recordBytes = head.size() + tail.size();
    for (size_t i = 0; r.textBytes < textBytes; ++i) {
        std::string_view t = texts[i % texts.size()];
        if (t.size() > textBytes - r.textBytes) {
            // Cut on a code point boundary: a broken UTF-8 sequence would be rejected, not scored.
            size_t n = textBytes - r.textBytes;
            while (n > 0 && (static_cast<unsigned char>(t[n]) & 0xC0) == 0x80)
                --n;
            t = t.substr(0, n);
            if (t.empty())
                break;
        }
        const std::string escaped = jsonEscape(t);
        put(escaped);
        r.textBytes += t.size();
        r.recordBytes += escaped.size();
    }
    put(tail);
    put("\n" + last + "\n");
    if (std::fclose(f) != 0)
        r.textBytes = 0;
    return r;
}

} // namespace

// A scorer that takes whole read batches, as the language model does, and scores each text by its
// size and a CRC-32 of its bytes: what reached it must be each record's whole, exact text.
class TextChecksum final : public shardscope::Scorer {
public:
    explicit TextChecksum(bool batches)
        : m_batches(batches)
    {
    }
    std::string name() const override { return m_batches ? "crc_batched" : "crc"; }
    std::string summary() const override { return "text size and CRC-32 (test)"; }
    std::vector<shardscope::ColumnInfo> columns() const override
    {
        return { { name() + "_bytes", "bytes", {} }, { name() + "_crc", "crc32 / 2^32", {} } };
    }
    std::unique_ptr<shardscope::ScorerWorker> makeWorker() const override
    {
        struct Worker final : shardscope::ScorerWorker {
            bool batches;
            void score(std::string_view t, float* out) override
            {
                out[0] = float(t.size());
                out[1] = float(crc32(0, reinterpret_cast<const Bytef*>(t.data()), uInt(t.size())) / 4294967296.0);
            }
            bool prefersBatches() const override { return batches; }
        };
        auto w = std::make_unique<Worker>();
        w->batches = m_batches;
        return w;
    }

private:
    bool m_batches;
};

class TestHugeRecord : public QObject {
    Q_OBJECT

private Q_SLOTS:
    void peakMemoryAtMostTwiceTheRecord()
    {
        EmailRecords e = emailRecords();
        if (e.lines.empty())
            REQUIRE_SHARED("fixtures/spamassassin_40spam_40ham.jsonl");
        QVERIFY(e.lines.size() >= 3);
        QVERIFY(e.texts.size() >= 2);
        QTemporaryDir dir;
        const std::string hugePath = dir.filePath(QStringLiteral("huge.jsonl")).toStdString();
        const std::string basePath = dir.filePath(QStringLiteral("base.jsonl")).toStdString();
        writeFile(basePath, e.lines[0] + "\n" + e.lines[1] + "\n");
        const BigRecord big = writeShardWithBigRecord(hugePath, e.lines[0], e.lines[1], e.texts, kBigText);
        const size_t bigTextBytes = big.textBytes;
        const size_t recordBytes = big.recordBytes;
        QVERIFY(bigTextBytes > kBigText - 4096);
        QVERIFY(recordBytes > bigTextBytes + (1 << 20)); // escapes were written

        const std::string cache = dir.filePath(QStringLiteral("cache")).toStdString();
        auto score = [&](const std::string& shard, const std::string& tsv) {
            return runCli(
                { "score", "--no-cache", "-q", "-j", "1", "--scorers", "zlib6,zstd3", "--tsv", tsv, shard }, cache);
        };
        const std::string baseTsv = dir.filePath(QStringLiteral("base.tsv")).toStdString();
        const std::string hugeTsv = dir.filePath(QStringLiteral("huge.tsv")).toStdString();
        Child base = score(basePath, baseTsv);
        Child huge = score(hugePath, hugeTsv);
        QVERIFY2(WIFEXITED(base.status) && WEXITSTATUS(base.status) == 0, "baseline run failed");
        QVERIFY2(WIFEXITED(huge.status) && WEXITSTATUS(huge.status) == 0, "run with the 100 MiB record failed");

        // All three rows scored, the big one with its whole text.
        std::vector<std::string> rows = splitLines(readFile(hugeTsv));
        QCOMPARE(rows.size(), size_t(4));
        std::vector<std::string> cells = splitTabs(rows[2]);
        QVERIFY(cells.size() >= 3);
        QCOMPARE(cells[0], std::string("huge"));
        QCOMPARE(cells[2], std::to_string(bigTextBytes));

        const double aboveKb = double(huge.maxRssKb - base.maxRssKb);
        const double recordKb = double(recordBytes) / 1024;
        const double slackKb = 16 * 1024;
        const QByteArray figures = QByteArray::fromStdString("peak RSS " + std::to_string(huge.maxRssKb)
            + " KiB, baseline " + std::to_string(base.maxRssKb) + " KiB: +" + std::to_string(long(aboveKb))
            + " KiB for a record of " + std::to_string(long(recordKb)) + " KiB (" + std::to_string(aboveKb / recordKb)
            + "x; text " + std::to_string(bigTextBytes) + " bytes)");
        qInfo("%s", figures.constData());
        QVERIFY2(aboveKb <= 1.5 * recordKb + slackKb, figures.constData());
    }

    // The heuristic scorers on a huge record (issue 18): their per-token arrays, n-gram tables and the tokens
    // themselves, for gopher_repetition (the costliest) on a 20 MiB record of real e-mails. It peaked at 27.3
    // bytes per byte of text (16 pair counters per token, a copy of the token hashes, 64-bit prefix sums, the
    // bigram table sized for every window to be distinct, the token vector reallocated, the whitespace
    // splitter's boundaries kept); now 17.1. The bound, 21, catches a return of any of the larger of those.
    // (On a 100 MiB record of bench texts: 3.51 GB, now 1.86 GB; tests/benchmarks/README.md.)
    void heuristicScorerPeakMemory()
    {
        EmailRecords e = emailRecords();
        if (e.lines.empty())
            REQUIRE_SHARED("fixtures/spamassassin_40spam_40ham.jsonl");
        QVERIFY(e.lines.size() >= 2 && e.texts.size() >= 2);
        QTemporaryDir dir;
        const std::string hugePath = dir.filePath(QStringLiteral("huge.jsonl")).toStdString();
        const std::string basePath = dir.filePath(QStringLiteral("base.jsonl")).toStdString();
        writeFile(basePath, e.lines[0] + "\n" + e.lines[1] + "\n");
        const BigRecord big = writeShardWithBigRecord(hugePath, e.lines[0], e.lines[1], e.texts, size_t(20) << 20);
        QVERIFY(big.textBytes > (size_t(20) << 20) - 4096);

        const std::string cache = dir.filePath(QStringLiteral("cache")).toStdString();
        auto score = [&](const std::string& shard) {
            return runCli({ "score", "--no-cache", "-q", "-j", "1", "--scorers", "gopher_repetition", "--tsv",
                              dir.filePath(QStringLiteral("out.tsv")).toStdString(), shard },
                cache);
        };
        const Child base = score(basePath);
        QVERIFY2(WIFEXITED(base.status) && WEXITSTATUS(base.status) == 0, "baseline run failed");
        const Child huge = score(hugePath);
        QVERIFY2(WIFEXITED(huge.status) && WEXITSTATUS(huge.status) == 0, "run with the 20 MiB record failed");
        QCOMPARE(splitLines(readFile(dir.filePath(QStringLiteral("out.tsv")).toStdString())).size(), size_t(4));

        const double aboveKb = double(huge.maxRssKb - base.maxRssKb);
        const double textKb = double(big.textBytes) / 1024;
        const QByteArray figures = QByteArray::fromStdString("gopher_repetition: peak RSS "
            + std::to_string(huge.maxRssKb) + " KiB, baseline " + std::to_string(base.maxRssKb) + " KiB: +"
            + std::to_string(long(aboveKb)) + " KiB for a text of " + std::to_string(long(textKb)) + " KiB ("
            + std::to_string(aboveKb / textKb) + "x)");
        qInfo("%s", figures.constData());
        QVERIFY2(aboveKb <= 21 * textKb, figures.constData());
    }

    // parseInPlace() (used by the scan for records of 1 MiB and more when nothing reads their bytes
    // again) must accept, reject and unescape exactly as simdjson's get_string() in parse().
    void inPlaceMatchesParse_data()
    {
        QTest::addColumn<QByteArray>("line");
        auto row = [](const char* name, const char* text) {
            QTest::newRow(name) << QByteArray("{\"id\": \"x\", \"text\": \"") + text
                    + QByteArray("\", \"source\": \"s\"}");
        };
        row("plain", "just words");
        row("empty", "");
        row("every short escape", R"(a\"b\\c\/d\be\ff\ng\rh\ti)");
        row("escape first and last", R"(\nmiddle\n)");
        row("only escapes", R"(\n\n\n\"\\)");
        row("unicode escapes", R"(caf\u00e9 \u20AC \u0041 \u07ff \u0800)");
        row("NUL escape", R"(a\u0000b)");
        row("surrogate pair", R"(smile \ud83d\ude00!)");
        row("raw UTF-8 beside escapes", "Gr\xc3\xbc\xc3\x9f\\n\xe2\x82\xac");
        row("lone high surrogate", R"(x\ud83dy)");
        row("high surrogate then other escape", R"(x\ud83d\n)");
        row("high surrogate then non-low", R"(x\ud83d\u0041)");
        row("lone low surrogate", R"(x\ude00y)");
        row("bad hex", R"(x\u12g4)");
        row("short unicode escape", R"(x\u12)");
        row("unknown escape", R"(x\qy)");
        row("escaped backslash before quote", R"(a\\)");
        QTest::newRow("spaces around the text") << QByteArray(R"({"id": 7, "text"  :  "a\nb"   , "source": "s"})");
        QTest::newRow("text last") << QByteArray(R"({"id": "x", "text": "end\tof record"})");
        QTest::newRow("text last with spaces") << QByteArray("{\"id\": \"x\", \"text\": \"a\\\"b\" \t }");
        QTest::newRow("text not a string") << QByteArray(R"({"id": "x", "text": 12})");
        // Every record of the real e-mail fixture (headers, quotes, tabs, non-ASCII).
        std::string source = testdata::fixture("spam_ham.jsonl");
        if (!testdata::exists(source))
            source = testdata::shared("fixtures/spamassassin_40spam_40ham.jsonl");
        int n = 0;
        for (const auto& l : splitLines(readFile(source)))
            QTest::newRow(("fixture record " + std::to_string(++n)).c_str()) << QByteArray::fromStdString(l);
    }

    void inPlaceMatchesParse()
    {
        QFETCH(QByteArray, line);
        shardscope::FieldMapping fields;
        fields.group = "/source";
        shardscope::RecordParser a(fields), b(fields);
        std::string padded = line.toStdString() + std::string(shardscope::RecordParser::kPadding, ' ');
        std::string copy = padded;
        shardscope::ParsedRecord x
            = a.parse(std::string_view(padded.data(), size_t(line.size())), shardscope::RecordParser::kPadding);
        shardscope::ParsedRecord y
            = b.parseInPlace(copy.data(), size_t(line.size()), shardscope::RecordParser::kPadding);
        QCOMPARE(y.error, x.error);
        QCOMPARE(std::string(y.text), std::string(x.text));
        QCOMPARE(std::string(y.id), std::string(x.id));
        QCOMPARE(std::string(y.group), std::string(x.group));
        // In place: the text lies inside the line, not in a buffer of its own.
        if (x.ok() && !x.text.empty())
            QVERIFY(y.text.data() > copy.data() && y.text.data() < copy.data() + line.size());
    }

    // A batched scorer gets the in-place text straight from the batch buffer (no copy): the texts it
    // sees must be those a per-record scorer sees, around a 2 MiB record and between small ones.
    void batchedScorersSeeInPlaceTexts()
    {
        std::string source = testdata::fixture("spam_ham.jsonl");
        if (!testdata::exists(source)) {
            REQUIRE_SHARED("fixtures/spamassassin_40spam_40ham.jsonl");
            source = testdata::shared("fixtures/spamassassin_40spam_40ham.jsonl");
        }
        std::vector<std::string> lines = splitLines(readFile(source));
        QVERIFY(lines.size() >= 10);
        // One record of ~2 MiB: the bodies of the fixture's records, escaped, in one text.
        std::string big;
        {
            shardscope::RecordParser parser(shardscope::FieldMapping {});
            while (big.size() < (size_t(2) << 20))
                for (const auto& l : lines) {
                    std::string padded = l + std::string(shardscope::RecordParser::kPadding, ' ');
                    auto rec
                        = parser.parse(std::string_view(padded.data(), l.size()), shardscope::RecordParser::kPadding);
                    if (rec.ok())
                        big += rec.text;
                }
        }
        std::string data;
        for (size_t i = 0; i < lines.size(); ++i) {
            data += lines[i] + "\n";
            if (i == 3 || i == 7)
                data += "{\"id\": \"big" + std::to_string(i) + "\", \"text\": \"" + jsonEscape(big) + "\"}\n";
        }
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("mixed.jsonl")).toStdString();
        writeFile(path, data);

        shardscope::ScanOptions o;
        o.shards = { path };
        o.scorers = { std::make_shared<TextChecksum>(false), std::make_shared<TextChecksum>(true) };
        o.threads = 2;
        o.batchBytes = 1 << 20;
        shardscope::Scan scan(o);
        shardscope::ScanResult r = scan.run();
        QCOMPARE(r.rejected, uint64_t(0));
        QCOMPARE(r.index.size(), lines.size() + 2);
        QCOMPARE(r.index.textBytes[4], uint32_t(big.size()));
        for (size_t c = 0; c < 2; ++c)
            for (size_t doc = 0; doc < r.index.size(); ++doc)
                QCOMPARE(r.scores.values[2 + c][doc], r.scores.values[c][doc]);
        QCOMPARE(r.scores.values[2][4], float(big.size()));
        QCOMPARE(r.scores.values[3][4],
            float(crc32(0, reinterpret_cast<const Bytef*>(big.data()), uInt(big.size())) / 4294967296.0));
    }
};

QTEST_APPLESS_MAIN(TestHugeRecord)
#include "tst_hugerecord.moc"
