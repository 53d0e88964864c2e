// Common Crawl WET and WARC input (issue 21, part 5): conversion records (and text/plain resources and
// responses) read as JSON Lines documents with id, url, date, host and tld, on the real fixtures of
// ../shared/data and on CRLF WET files made from them; broken input stops at the bad record's decompressed
// byte offset with every document before it kept; the scan, the document viewer and the CLI on WET.

#include "bytesource.h"
#include "docindex.h"
#include "documentsource.h"
#include "linereader.h"
#include "scan.h"
#include "testutil.h"
#include "warcsource.h"

#include <QDir>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <nlohmann/json.hpp>

#include <optional>

using namespace shardscope;
using namespace testutil;

namespace {

const std::string kWet = "fixtures/cc_net_sample.wet.txt";
const std::string kWarcio = "fixtures/warcio_example.warc.gz";
const std::string kDolma = "fixtures/dolma_sample-0000.warc.gz";

struct Doc {
    std::string id, url, date, host, tld, text;
    bool operator==(const Doc&) const = default;
};

struct ReadResult {
    std::vector<Doc> docs;
    std::vector<std::string> lines;
    std::optional<InputError> error;
};

// Every synthesized line of a shard, parsed with an independent JSON parser.
ReadResult readDocs(const std::string& path)
{
    ReadResult r;
    LineReader reader(ByteSource::open(path), path, 4096);
    LineReader::Line line;
    try {
        while (reader.next(line)) {
            r.lines.emplace_back(line.text);
            const auto j = nlohmann::json::parse(line.text, nullptr, false);
            if (j.is_discarded()) { // not valid UTF-8: the scan rejects it, as it does such a JSON Lines record
                r.docs.emplace_back();
                continue;
            }
            Doc d { j.at("id"), j.at("url"), j.at("date"), j.at("host"), j.at("tld"), j.value("text", std::string()) };
            r.docs.push_back(std::move(d));
        }
    } catch (const InputError& e) {
        r.error = e;
    }
    return r;
}

std::string gunzip(const std::string& gz)
{
    z_stream z {};
    inflateInit2(&z, 16 + MAX_WBITS);
    std::string out;
    char buf[1 << 16];
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
    z.avail_in = uInt(gz.size());
    for (;;) {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        const int rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
        if (rc == Z_STREAM_END && z.avail_in > 0) {
            inflateReset(&z);
            continue;
        }
        if (rc != Z_OK)
            break;
    }
    inflateEnd(&z);
    return out;
}

size_t count(const std::string& hay, const std::string& needle)
{
    size_t n = 0;
    for (size_t p = hay.find(needle); p != std::string::npos; p = hay.find(needle, p + 1))
        ++n;
    return n;
}

// The conversion records of cc_net's LF test file, cut out of the raw bytes the way cc_net reads it: a record
// runs to the next "WARC/1.0" line, its body follows the first empty line, without its trailing line breaks.
std::vector<Doc> rawLfDocs(const std::string& raw)
{
    std::vector<Doc> out;
    std::vector<size_t> starts;
    for (size_t p = 0; (p = raw.find("WARC/1.0\n", p)) != std::string::npos; p += 9)
        if (p == 0 || raw[p - 1] == '\n')
            starts.push_back(p);
    starts.push_back(raw.size());
    for (size_t i = 0; i + 1 < starts.size(); ++i) {
        const std::string rec = raw.substr(starts[i], starts[i + 1] - starts[i]);
        if (rec.find("WARC-Type: conversion\n") == std::string::npos)
            continue;
        auto field = [&](const std::string& name) {
            const size_t at = rec.find("\n" + name + ": ");
            return rec.substr(at + name.size() + 3, rec.find('\n', at + 1) - (at + name.size() + 3));
        };
        std::string body = rec.substr(rec.find("\n\n") + 2);
        while (!body.empty() && body.back() == '\n')
            body.pop_back();
        out.push_back({ field("WARC-Record-ID"), field("WARC-Target-URI"), field("WARC-Date"), "", "", body });
    }
    return out;
}

// A standard WET file (CRLF headers, exact Content-Length, CRLF CRLF trailers) with the given documents,
// one string per record (so a test can corrupt one), after a warcinfo record.
std::vector<std::string> wetRecords(const std::vector<Doc>& docs)
{
    std::vector<std::string> recs;
    const std::string info = "software: shardscope tst_warc\r\nformat: WARC File Format 1.0\r\n";
    recs.push_back("WARC/1.0\r\nWARC-Type: warcinfo\r\nWARC-Date: 2019-03-27T06:10:48Z\r\n"
                   "WARC-Record-ID: <urn:uuid:d711dd43-8280-457b-9566-530ef6ea5d43>\r\n"
                   "Content-Type: application/warc-fields\r\nContent-Length: "
        + std::to_string(info.size()) + "\r\n\r\n" + info + "\r\n\r\n");
    for (const Doc& d : docs)
        recs.push_back("WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Target-URI: " + d.url + "\r\nWARC-Date: " + d.date
            + "\r\nWARC-Record-ID: " + d.id + "\r\nContent-Type: text/plain\r\nContent-Length: "
            + std::to_string(d.text.size()) + "\r\n\r\n" + d.text + "\r\n\r\n");
    return recs;
}

std::string join(const std::vector<std::string>& recs)
{
    std::string s;
    for (const auto& r : recs)
        s += r;
    return s;
}

// As Common Crawl writes .warc.wet.gz: one gzip member per record.
std::string gzipPerRecord(const std::vector<std::string>& recs)
{
    std::string s;
    for (const auto& r : recs)
        s += gzipCompress(r);
    return s;
}

ScanResult scan(const std::vector<std::string>& files, const std::string& seekCacheDir = {})
{
    registerBuiltinScorers();
    ScanOptions o;
    o.shards = files;
    o.fields = detectFields(files.front(), {}, false);
    for (auto& s : ScorerRegistry::instance().resolveList("zlib6"))
        o.scorers.push_back(std::move(s));
    o.threads = 2;
    o.batchBytes = 4096;
    o.seekCacheDir = seekCacheDir;
    Scan s(o);
    return s.run();
}

} // namespace

class TestWarc : public QObject {
    Q_OBJECT
    QTemporaryDir m_dir;
    std::string path(const char* name) const { return m_dir.filePath(QString::fromUtf8(name)).toStdString(); }

    std::vector<Doc> wetDocs()
    {
        std::vector<Doc> docs = rawLfDocs(readFile(testdata::shared(kWet)));
        for (Doc& d : docs) {
            d.host = d.url.substr(7); // http://sample_english.com
            d.tld = d.host.substr(d.host.rfind('.') + 1);
        }
        return docs;
    }

private Q_SLOTS:
    // cc_net's test WET: LF line ends and Content-Lengths that do not match the bodies (they count
    // characters, roughly), read as cc_net reads it. Every conversion record is a document.
    void ccNetSample()
    {
        REQUIRE_SHARED(kWet);
        const std::string raw = readFile(testdata::shared(kWet));
        QCOMPARE(ByteSource::formatName(testdata::shared(kWet)), std::string("warc"));
        ReadResult r = readDocs(testdata::shared(kWet));
        QVERIFY2(!r.error, r.error ? r.error->what() : "");
        QCOMPARE(r.docs.size(), count(raw, "WARC-Type: conversion")); // grep -c: 3
        QCOMPARE(r.docs.size(), size_t(3));
        const std::vector<Doc> want = wetDocs();
        QCOMPARE(want.size(), size_t(3));
        for (size_t i = 0; i < want.size(); ++i)
            QVERIFY2(r.docs[i] == want[i], r.lines[i].c_str());
        QCOMPARE(r.docs[0].id, std::string("<urn:uuid:cd61b0b3-d9b0-466c-9a5e-99c191f8d2e1>"));
        QCOMPARE(r.docs[0].url, std::string("http://sample_english.com"));
        QCOMPARE(r.docs[0].date, std::string("2019-03-18T00:00:00Z"));
        QCOMPARE(r.docs[0].host, std::string("sample_english.com"));
        QCOMPARE(r.docs[1].tld, std::string("zh"));
        QCOMPARE(r.docs[2].url, std::string("http://sample_russian.ru"));
        QCOMPARE(r.docs[2].id, std::string("<urn:uuid:27dccd48-27b2-4eb0-b10b-a43661cbf0bc>"));
        QVERIFY(r.docs[0].text.starts_with("Famous Mark Twain Quotes\nDon't part with your illusions."));
        QVERIFY(r.docs[0].text.ends_with("Truth isn't."));
        QVERIFY(r.docs[2].text.ends_with("Правда нет."));
    }

    // A standard WET (CRLF, exact Content-Length) with the same documents reads the same, plain, gzip (one
    // member per record, as Common Crawl writes it) and zstd; the text is the body's bytes exactly.
    void standardWetSameDocuments_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<QString>("format");
        QTest::newRow("plain .warc.wet") << QStringLiteral("s.warc.wet") << QStringLiteral("warc");
        QTest::newRow(".warc.wet.gz") << QStringLiteral("s.warc.wet.gz") << QStringLiteral("warc+gzip");
        QTest::newRow(".warc.wet.zst") << QStringLiteral("s.warc.wet.zst") << QStringLiteral("warc+zstd");
    }
    void standardWetSameDocuments()
    {
        QFETCH(QString, name);
        QFETCH(QString, format);
        REQUIRE_SHARED(kWet);
        std::vector<Doc> docs = wetDocs();
        docs[0].text += "\r\nA body may end in line breaks\n\nand hold \"quotes\", \\ and \t tabs.\n";
        const auto recs = wetRecords(docs);
        const std::string file = m_dir.filePath(name).toStdString();
        if (format == QStringLiteral("warc"))
            writeFile(file, join(recs));
        else if (format == QStringLiteral("warc+gzip"))
            writeFile(file, gzipPerRecord(recs));
        else
            writeFile(file, zstdCompress(join(recs)));
        QCOMPARE(QString::fromStdString(fingerprintShard(file).compression), format);
        ReadResult r = readDocs(file);
        QVERIFY2(!r.error, r.error ? r.error->what() : "");
        QCOMPARE(r.docs.size(), docs.size());
        for (size_t i = 0; i < docs.size(); ++i)
            QVERIFY2(r.docs[i] == docs[i], r.lines[i].c_str());
    }

    // A .warc.gz is read for its text/plain records only: warcio's example has none (a gzip-encoded HTML
    // response, requests, a revisit); wget's WARC of the Dolma sample has two text/plain resources (its
    // arguments and its log) besides 22 HTML responses, 22 requests and a metadata record.
    void warcTextPlainRecords()
    {
        REQUIRE_SHARED(kWarcio);
        REQUIRE_SHARED(kDolma);
        ReadResult w = readDocs(testdata::shared(kWarcio));
        QVERIFY2(!w.error, w.error ? w.error->what() : "");
        QCOMPARE(w.docs.size(), size_t(0));
        QCOMPARE(ByteSource::formatName(testdata::shared(kWarcio)), std::string("warc+gzip"));

        const std::string raw = gunzip(readFile(testdata::shared(kDolma)));
        QCOMPARE(count(raw, "WARC-Type: resource"), size_t(2));
        ReadResult d = readDocs(testdata::shared(kDolma));
        QVERIFY2(!d.error, d.error ? d.error->what() : "");
        QCOMPARE(d.docs.size(), size_t(2));
        QCOMPARE(d.docs[0].url, std::string("metadata://gnu.org/software/wget/warc/wget_arguments.txt"));
        QCOMPARE(d.docs[1].url, std::string("metadata://gnu.org/software/wget/warc/wget.log"));
        QCOMPARE(d.docs[1].host, std::string("gnu.org"));
        QCOMPARE(d.docs[1].tld, std::string("org"));
        // The text is the record's body: Content-Length bytes after the header's empty line.
        for (const Doc& doc : d.docs) {
            const size_t rec = raw.find("WARC-Target-URI: <" + doc.url + ">");
            QVERIFY(rec != std::string::npos);
            const size_t len = raw.find("Content-Length: ", rec);
            const size_t n = std::stoul(raw.substr(len + 16));
            const size_t body = raw.find("\r\n\r\n", rec) + 4;
            QCOMPARE(doc.text, raw.substr(body, n));
            const size_t idAt = raw.find("WARC-Record-ID: ", raw.rfind("WARC/1.0\r\n", rec));
            QCOMPARE(doc.id, raw.substr(idAt + 16, raw.find("\r\n", idAt) - idAt - 16));
        }
        QVERIFY(d.docs[1].text.find("URL:https://soldaini.net/ ") != std::string::npos); // the wget log
    }

    // Responses: the payload after the HTTP header is the text when the HTTP Content-Type is text/plain;
    // a transfer or content coding is not decoded, so the record is rejected (counted), not lost or garbled.
    void responsesAndBadBytes()
    {
        auto record
            = [](const std::string& type, const std::string& ctype, const std::string& url, const std::string& block) {
                  return "WARC/1.1\r\nWARC-Type: " + type + "\r\nWARC-Target-URI: " + url
                      + "\r\nWARC-Date: 2024-05-18T01:58:10Z\r\nWARC-Record-ID: <urn:uuid:" + url.substr(8, 4)
                      + ">\r\nContent-Type: " + ctype + "\r\nContent-Length: " + std::to_string(block.size())
                      + "\r\n\r\n" + block + "\r\n\r\n";
              };
        const std::string http = "application/http; msgtype=response";
        const std::string file = path("responses.warc");
        writeFile(file,
            record("request", "application/http; msgtype=request", "https://aaaa.example.org/",
                "GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                + record("response", http, "https://bbbb.example.org/",
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nplain text\r\nbody")
                + record("response", http, "https://cccc.example.org/",
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>html</p>")
                + record("response", http, "https://dddd.example.org/",
                    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nTransfer-Encoding: "
                    "chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n")
                + record("resource", "text/plain", "https://eeee.example.org:8080/x", std::string("bad \xff byte"))
                + record("metadata", "text/plain", "https://ffff.example.org/", "via: x"));
        ReadResult r = readDocs(file);
        QVERIFY2(!r.error, r.error ? r.error->what() : "");
        QCOMPARE(r.lines.size(), size_t(3)); // bbbb, dddd (rejected), eeee (invalid UTF-8, rejected by the scan)
        QCOMPARE(r.docs[0].text, std::string("plain text\r\nbody"));
        QCOMPARE(r.docs[0].host, std::string("bbbb.example.org"));
        QVERIFY(r.lines[1].find("\"warc_error\"") != std::string::npos);
        QVERIFY(r.lines[1].find("Transfer-Encoding: chunked") != std::string::npos);
        QVERIFY2(
            r.lines[2].find("\"host\":\"eeee.example.org\",\"tld\":\"org\"") != std::string::npos, r.lines[2].c_str());
        QVERIFY(r.docs[2].id.empty()); // not valid UTF-8

        ScanResult s = scan({ file });
        QVERIFY(s.complete());
        QCOMPARE(s.records, uint64_t(3));
        QCOMPARE(s.index.size(), size_t(1));
        QCOMPARE(s.rejected, uint64_t(2));
        QVERIFY(s.rejects[1].reason.find("UTF-8") != std::string::npos);
    }

    // A wrong Content-Length or a broken header stops the shard with an InputError at the bad record's
    // decompressed byte offset; every document before it is kept.
    void brokenRecords_data()
    {
        QTest::addColumn<QString>("what");
        QTest::addColumn<bool>("gzip");
        QTest::addColumn<QString>("message");
        QTest::newRow("Content-Length short")
            << QStringLiteral("short") << false << QStringLiteral("does not end the record");
        QTest::newRow("Content-Length long")
            << QStringLiteral("long") << false << QStringLiteral("does not end the record");
        QTest::newRow("Content-Length long, gzip")
            << QStringLiteral("long") << true << QStringLiteral("does not end the record");
        QTest::newRow("Content-Length not a number")
            << QStringLiteral("nan") << false << QStringLiteral("is not a byte count");
        QTest::newRow("header line without colon")
            << QStringLiteral("colon") << false << QStringLiteral("malformed header line");
        QTest::newRow("no Content-Length") << QStringLiteral("nolength") << true << QStringLiteral("no Content-Length");
    }
    void brokenRecords()
    {
        QFETCH(QString, what);
        QFETCH(bool, gzip);
        QFETCH(QString, message);
        REQUIRE_SHARED(kWet);
        const std::vector<Doc> docs = wetDocs();
        auto recs = wetRecords(docs);
        std::string& bad = recs[2]; // the second document
        const std::string cl = "Content-Length: " + std::to_string(docs[1].text.size());
        const size_t at = bad.find(cl);
        if (what == QStringLiteral("short"))
            bad.replace(at, cl.size(), "Content-Length: " + std::to_string(docs[1].text.size() - 7));
        else if (what == QStringLiteral("long"))
            bad.replace(at, cl.size(), "Content-Length: " + std::to_string(docs[1].text.size() + 7));
        else if (what == QStringLiteral("nan"))
            bad.replace(at, cl.size(), "Content-Length: 3O9");
        else if (what == QStringLiteral("colon"))
            bad.replace(bad.find("WARC-Type:"), 10, "WARC-Type ");
        else
            bad.replace(at, cl.size() + 2, "");
        const uint64_t badOffset = recs[0].size() + recs[1].size();
        const std::string file = path(gzip ? "broken.warc.wet.gz" : "broken.warc.wet");
        writeFile(file, gzip ? gzipPerRecord(recs) : join(recs));

        ReadResult r = readDocs(file);
        QVERIFY2(r.error, "a broken record was read without an error");
        QCOMPARE(r.error->byteOffset(), badOffset);
        const std::string m = r.error->what();
        QVERIFY2(m.find("decompressed byte " + std::to_string(badOffset)) != std::string::npos, m.c_str());
        QVERIFY2(m.find(message.toStdString()) != std::string::npos, m.c_str());
        QCOMPARE(r.docs.size(), size_t(1));
        QVERIFY(r.docs[0] == docs[0]);

        // The scan: the shard is incomplete, with the error, and keeps the document before.
        ScanResult s = scan({ file });
        QVERIFY(!s.complete());
        QCOMPARE(s.index.size(), size_t(1));
        QCOMPARE(s.index.idOf(0), docs[0].id);
        QVERIFY2(s.shards[0].error.find("decompressed byte " + std::to_string(badOffset)) != std::string::npos,
            s.shards[0].error.c_str());
    }

    // Truncation: a plain WET cut inside the last body, and a .warc.wet.gz cut inside its last member.
    void truncated_data()
    {
        QTest::addColumn<bool>("gzip");
        QTest::newRow("plain") << false;
        QTest::newRow("gzip") << true;
    }
    void truncated()
    {
        QFETCH(bool, gzip);
        REQUIRE_SHARED(kWet);
        const std::vector<Doc> docs = wetDocs();
        const auto recs = wetRecords(docs);
        std::string data = gzip ? gzipPerRecord(recs) : join(recs);
        const size_t lastMember
            = gzip ? data.size() - gzipCompress(recs.back()).size() : join(recs).size() - recs.back().size();
        data.resize(data.size() - (gzip ? 20 : 100));
        const std::string file = path(gzip ? "cut.warc.wet.gz" : "cut.warc.wet");
        writeFile(file, data);
        ReadResult r = readDocs(file);
        QVERIFY2(r.error, "a truncated file was read without an error");
        const std::string m = r.error->what();
        if (gzip) {
            QVERIFY2(m.find("truncated gzip stream") != std::string::npos, m.c_str());
            QVERIFY(r.error->byteOffset() > lastMember); // compressed offset, in the last member
        } else {
            QCOMPARE(r.error->byteOffset(), uint64_t(lastMember));
            QVERIFY2(m.find("truncated: the stream ends") != std::string::npos, m.c_str());
        }
        QCOMPARE(r.docs.size(), size_t(2));
        QVERIFY(r.docs[1] == docs[1]);
    }

    // The document viewer reads a WET document back by its (synthesized) offset: streamed from the start,
    // or from the seek cache, for a plain .warc.wet (whose offsets are not file offsets) and a .warc.wet.gz.
    void documentViewer_data()
    {
        QTest::addColumn<QString>("name");
        QTest::addColumn<bool>("seekCache");
        QTest::newRow("plain, streamed") << QStringLiteral("v.warc.wet") << false;
        QTest::newRow("plain, seek cache") << QStringLiteral("v.warc.wet") << true;
        QTest::newRow("gzip, streamed") << QStringLiteral("v.warc.wet.gz") << false;
        QTest::newRow("gzip, seek cache") << QStringLiteral("v.warc.wet.gz") << true;
        QTest::newRow("cc_net LF file") << QStringLiteral("cc_net") << true;
    }
    void documentViewer()
    {
        QFETCH(QString, name);
        QFETCH(bool, seekCache);
        REQUIRE_SHARED(kWet);
        const std::vector<Doc> docs = wetDocs();
        std::string file;
        if (name == QStringLiteral("cc_net")) {
            file = testdata::shared(kWet);
        } else {
            file = m_dir.filePath(name).toStdString();
            const auto recs = wetRecords(docs);
            writeFile(file, name.endsWith(QStringLiteral(".gz")) ? gzipPerRecord(recs) : join(recs));
        }
        const std::string cache
            = seekCache ? m_dir.filePath(name + QStringLiteral("-seek")).toStdString() : std::string();
        ScanResult s = scan({ file }, cache);
        QVERIFY(s.complete());
        QCOMPARE(s.index.size(), docs.size());
        if (seekCache)
            QVERIFY(!QDir(QString::fromStdString(cache)).entryList({ QStringLiteral("*.seek.zst") }).isEmpty());
        DocumentSource source(s.shards, cache, s.fields);
        for (size_t i = docs.size(); i-- > 0;) {
            DocumentSource::Expected e { s.index.idOf(i), s.index.line[i], s.index.textBytes[i] };
            auto d = source.read(s.index.shard[i], s.index.offset[i], s.index.length[i], &e);
            QVERIFY2(d.error.empty(), d.error.c_str());
            QCOMPARE(d.text, docs[i].text);
            QVERIFY(d.line.find("\"url\":\"" + docs[i].url + "\"") != std::string::npos);
        }
        // WARC shards are grouped by top-level domain.
        QCOMPARE(s.fields.group, std::string("/tld"));
        QCOMPARE(s.index.groups.size(), size_t(4)); // "", com, zh, ru
    }

    // Directories: Common Crawl's names are picked up; other files beside them are not.
    void directoriesListWarcFiles()
    {
        QTemporaryDir dir;
        const QStringList names { QStringLiteral("a.warc.wet.gz"), QStringLiteral("b.warc.gz"),
            QStringLiteral("c.wet.gz"), QStringLiteral("d.warc.wet"), QStringLiteral("e.warc"),
            QStringLiteral("notes.txt"), QStringLiteral("f.warc.wet.gz.md5") };
        for (const QString& n : names)
            writeFile(dir.filePath(n).toStdString(), "WARC/1.0\r\n");
        const auto found = expandShardPaths({ dir.path().toStdString() });
        QCOMPARE(found.size(), size_t(5));
        for (const auto& f : found)
            QVERIFY2(f.find("notes") == std::string::npos && f.find(".md5") == std::string::npos, f.c_str());
    }

    // The CLI on a WET: score lists every document; apply keeps documents as JSON Lines with url and date.
    void cliScoreAndApply()
    {
        REQUIRE_SHARED(kWet);
        const std::string wet = path("cli.warc.wet.gz");
        writeFile(wet, gzipPerRecord(wetRecords(wetDocs())));
        auto run = [&](const QStringList& args) {
            QProcess p;
            QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
            env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), m_dir.filePath(QStringLiteral("cache")));
            p.setProcessEnvironment(env);
            p.start(QStringLiteral(SHARDSCOPE_CLI), args);
            p.waitForFinished(120000);
            return std::make_pair(
                p.exitCode(), QString::fromUtf8(p.readAllStandardOutput() + p.readAllStandardError()));
        };
        auto [code, out] = run({ QStringLiteral("score"), QStringLiteral("-q"), QStringLiteral("--scorers"),
            QStringLiteral("zlib6"), QStringLiteral("--tsv"), QStringLiteral("-"), QString::fromStdString(wet) });
        QVERIFY2(code == 0, qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("<urn:uuid:27dccd48-27b2-4eb0-b10b-a43661cbf0bc>")), qPrintable(out));

        const std::string cfg = path("keep.json");
        writeFile(cfg, R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","min":0,"max":100}]})");
        const QString outDir = m_dir.filePath(QStringLiteral("applied"));
        std::tie(code, out) = run({ QStringLiteral("apply"), QStringLiteral("-q"), QStringLiteral("-c"),
            QString::fromStdString(cfg), QStringLiteral("-o"), outDir, QString::fromStdString(wet) });
        QVERIFY2(code == 0, qPrintable(out));
        QVERIFY2(out.contains(QStringLiteral("read=3 kept=3 dropped=0 rejected=0")), qPrintable(out));
        const QStringList kept = QDir(outDir).entryList({ QStringLiteral("*.kept.jsonl.zst") });
        QCOMPARE(kept.size(), 1);
        const auto lines = splitLines(zstdDecompressFile(QDir(outDir).filePath(kept[0]).toStdString()));
        QCOMPARE(lines.size(), size_t(3));
        const auto first = nlohmann::json::parse(lines[0]);
        QCOMPARE(first.at("url").get<std::string>(), std::string("http://sample_english.com"));
        QCOMPARE(first.at("date").get<std::string>(), std::string("2019-03-18T00:00:00Z"));
        QCOMPARE(first.at("text").get<std::string>(), wetDocs()[0].text);
    }

    // A 24 MB body streams through in chunks: one document, its text intact.
    void bigRecord()
    {
        std::string text;
        const std::string para = "Lorem ipsum dolor sit amet, \"quoted\" and a tab\there.\n";
        while (text.size() < (24u << 20))
            text += para;
        Doc d { "<urn:uuid:big>", "https://big.example.com/", "2024-01-01T00:00:00Z", "big.example.com", "com", text };
        const std::string file = path("big.warc.wet.gz");
        writeFile(file, gzipPerRecord(wetRecords({ d, d })));
        ReadResult r = readDocs(file);
        QVERIFY2(!r.error, r.error ? r.error->what() : "");
        QCOMPARE(r.docs.size(), size_t(2));
        QVERIFY(r.docs[1] == d);
    }
};

QTEST_APPLESS_MAIN(TestWarc)
#include "tst_warc.moc"
