// Filter configs: round trip, rule semantics, errors that name the problem (issue #2, item 6).

#include "filterconfig.h"
#include "testutil.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace shardscope;

class TestFilterConfig : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void roundTrip()
    {
        FilterConfig c;
        FilterRule r;
        r.column = "zlib6";
        r.bounds.min = 0.25;
        r.bounds.max = 0.9;
        r.groups["email/spam"] = Bounds { 0.3, std::nullopt, false };
        r.groups["udhr"] = Bounds { std::nullopt, std::nullopt, true };
        r.note = "p1..p99";
        c.rules.push_back(r);
        FilterRule r2;
        r2.column = "zstd3";
        r2.bounds.max = 1.1;
        r2.keepMissing = true;
        r2.paramsJson = R"({"level":3})";
        c.rules.push_back(r2);
        FieldMapping f;
        f.group = "/meta/pile_set_name";
        c.fields = f;
        c.provenanceJson = makeProvenance({ "/data/a.jsonl.zst" }, 10, 7, 3);

        QTemporaryDir dir;
        std::string path = dir.filePath(QStringLiteral("f.json")).toStdString();
        c.save(path);
        FilterConfig back = FilterConfig::load(path);
        QCOMPARE(back.rules.size(), size_t(2));
        QVERIFY(back.rules[0] == c.rules[0]);
        QVERIFY(back.rules[1] == c.rules[1]);
        QCOMPARE(back.fields->group, std::string("/meta/pile_set_name"));
        QCOMPARE(back.toJson(), c.toJson());
        QVERIFY(back.provenanceJson.find("\"kept\":7") != std::string::npos);
        QCOMPARE(back.columns(), (std::vector<std::string> { "zlib6", "zstd3" }));
    }

    void ruleSemantics_data()
    {
        QTest::addColumn<float>("value");
        QTest::addColumn<QString>("group");
        QTest::addColumn<bool>("passes");
        QTest::newRow("inside") << 0.5f << QString() << true;
        QTest::newRow("at min") << 0.25f << QString() << true;
        QTest::newRow("below") << 0.2f << QString() << false;
        QTest::newRow("above") << 0.95f << QString() << false;
        QTest::newRow("missing") << float(NAN) << QString() << false;
        QTest::newRow("group override min") << 0.28f << QStringLiteral("email/spam") << false;
        QTest::newRow("group override keeps max off") << 0.95f << QStringLiteral("email/spam") << true;
        QTest::newRow("group disabled") << 0.01f << QStringLiteral("udhr") << true;
    }
    void ruleSemantics()
    {
        QFETCH(float, value);
        QFETCH(QString, group);
        QFETCH(bool, passes);
        FilterConfig c = FilterConfig::parse(R"({"format":"shardscope-filter","version":1,"rules":[
            {"scorer":"zlib6","min":0.25,"max":0.9,
             "groups":{"email/spam":{"min":0.3},"udhr":{"disabled":true}}}]})");
        QCOMPARE(c.rules[0].passes(value, group.toStdString()), passes);
    }

    void errors_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("syntax") << QStringLiteral("{\"format\": ") << QStringLiteral("invalid JSON");
        QTest::newRow("foreign") << QStringLiteral("{\"rules\": []}") << QStringLiteral("not a Shardscope filter");
        QTest::newRow("version") << QStringLiteral(R"({"format":"shardscope-filter","version":9,"rules":[]})")
                                 << QStringLiteral("version 9 is not supported");
        QTest::newRow("no scorer") << QStringLiteral(R"({"format":"shardscope-filter","version":1,"rules":[{"min":1}]})")
                                   << QStringLiteral("rule 0: needs a \"scorer\"");
        QTest::newRow("min>max")
            << QStringLiteral(R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","min":2,"max":1}]})")
            << QStringLiteral("is greater than max");
    }
    void errors()
    {
        QFETCH(QString, json);
        QFETCH(QString, expected);
        try {
            FilterConfig::parse(json.toStdString(), "cfg.json");
            QFAIL("expected an error");
        } catch (const std::runtime_error& e) {
            QString msg = QString::fromUtf8(e.what());
            QVERIFY2(msg.startsWith(QStringLiteral("cfg.json")), e.what());
            QVERIFY2(msg.contains(expected), e.what());
        }
    }
};

QTEST_APPLESS_MAIN(TestFilterConfig)
#include "tst_filterconfig.moc"
