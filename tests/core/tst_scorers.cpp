// Compression-ratio scorers: exact definitions (issue #2, item 3).

#include "compressionscorers.h"
#include "scorer.h"
#include "testutil.h"

#include <QTest>

#include <algorithm>

#include <simdjson.h>

using namespace shardscope;
using namespace testutil;

class TestScorers : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { registerBuiltinScorers(); }

    // Reference sizes computed by Python 3.11 (Debian, zlib 1.2.13):
    //   len(zlib.compress(s.encode(), 6)) and len(zstandard.ZstdCompressor(level=3).compress(s.encode()))
    void knownSizes_data()
    {
        QTest::addColumn<QByteArray>("text");
        QTest::addColumn<int>("zlibSize");
        QTest::addColumn<int>("zstdSize");
        QTest::newRow("a") << QByteArray("a") << 9 << 10;
        QTest::newRow("pangram") << QByteArray("The quick brown fox jumps over the lazy dog.") << 51 << 53;
        QTest::newRow("repeat") << QByteArray("spam ").repeated(200) << 21 << 22;
    }
    void knownSizes()
    {
        QFETCH(QByteArray, text);
        QFETCH(int, zlibSize);
        QFETCH(int, zstdSize);
        ZlibSizer z(6);
        ZstdSizer zs(3);
        std::string_view sv(text.constData(), size_t(text.size()));
        QCOMPARE(int(z.compressedSize(sv)), zlibSize);
        QCOMPARE(int(zs.compressedSize(sv)), zstdSize);
        // Reusing the contexts gives the same answer.
        QCOMPARE(int(z.compressedSize(sv)), zlibSize);
    }

    void emptyTextIsMissing()
    {
        for (const char* name : { "zlib6", "zstd3" }) {
            auto s = ScorerRegistry::instance().create(name);
            QVERIFY(s);
            auto w = s->makeWorker();
            float v = 0;
            w->score("", &v);
            QVERIFY(isMissing(v));
        }
    }

    void tailsOnRealText()
    {
        // Real spam/ham e-mails and web pages: boilerplate-heavy pages compress far better
        // than random bytes, and base64-like noise barely compresses.
        REQUIRE_FIXTURE("blns.txt");
        auto s = ScorerRegistry::instance().create("zlib6");
        auto w = s->makeWorker();
        std::string page = readFile(testdata::fixture("blns.txt"));
        float blns = 0;
        w->score(page, &blns);
        std::string noise;
        uint32_t x = 12345;
        for (int i = 0; i < 20000; ++i) {
            x = x * 1103515245u + 12345u;
            noise += "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[(x >> 16) & 63];
        }
        float n = 0;
        w->score(noise, &n);
        std::string rep;
        for (int i = 0; i < 500; ++i)
            rep += "Home | About us | Contact | Privacy policy | Terms of use\n";
        float r = 0;
        w->score(rep, &r);
        QVERIFY2(r < 0.02f, std::to_string(r).c_str());
        QVERIFY2(n > 0.7f, std::to_string(n).c_str());
        QVERIFY(r < blns && blns < n);
    }

    void resolveList()
    {
        auto& reg = ScorerRegistry::instance();
        auto all = reg.resolveList("all");
        QVERIFY(all.size() >= 2);
        // 'all' = the model-free scorers, plus a model scorer only when its model is there
        // (langid once set-up fetched lid.176.ftz).
        for (const auto& s : all) {
            QVERIFY(s->includedInAll());
            QVERIFY2(!s->needsModel() || s->unavailableReason().empty(), s->name().c_str());
        }
        for (const auto& s : reg.createAll())
            if (!s->needsModel())
                QVERIFY2(std::any_of(all.begin(), all.end(), [&](const auto& a) { return a->name() == s->name(); }),
                         s->name().c_str());
        auto two = reg.resolveList("zstd3, zlib6,zstd3");
        QCOMPARE(two.size(), size_t(2));
        QCOMPARE(two[0]->name(), std::string("zstd3"));
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, reg.resolveList("zlib6,nope"));
        for (const auto& s : reg.createAll())
            for (const auto& c : s->columns())
                QVERIFY2(!c.definition.empty(), c.name.c_str());
    }
};

QTEST_APPLESS_MAIN(TestScorers)
#include "tst_scorers.moc"
