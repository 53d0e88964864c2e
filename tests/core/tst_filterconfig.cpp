// Filter configs: round trip, rule semantics, errors that name the problem (issue #2, item 6);
// per-language ("by" a categorical column) overrides, "in" rules, suggestion provenance and
// the version they need (issue 5, item 4).

#include "filterconfig.h"
#include "testutil.h"

#include <QTemporaryDir>
#include <QTest>

#include <cmath>

using namespace shardscope;

namespace {
Bounds makeBounds(std::optional<double> min, std::optional<double> max, bool disabled = false)
{
    Bounds b;
    b.min = min;
    b.max = max;
    b.disabled = disabled;
    return b;
}
} // namespace

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
        r.overrides["email/spam"] = makeBounds(0.3, std::nullopt);
        r.overrides["udhr"] = makeBounds(std::nullopt, std::nullopt, true);
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

    // The categorical contract: the column stores an index into its categories as a float.
    static std::vector<ColumnInfo> langColumns()
    {
        return { ColumnInfo { "fineweb_line_punct_frac", "", {} }, ColumnInfo { "lang", "", { "de", "en", "zh", "fr" } } };
    }
    static const char* langConfig()
    {
        return R"({"format":"shardscope-filter","version":2,"rules":[
            {"scorer":"lang","in":["en","de"]},
            {"scorer":"fineweb_line_punct_frac","min":0.12,"by":"lang",
             "overrides":{"de":{"min":0.1},"zh":{"disabled":true},"fr":{"max":0.5},"xx":{"min":0.9}}}]})";
    }

    void byLanguage_data()
    {
        QTest::addColumn<float>("punct");
        QTest::addColumn<float>("lang");
        QTest::addColumn<QString>("group");
        QTest::addColumn<int>("firstFailing");
        const float de = 0, en = 1, zh = 2, fr = 3;
        QTest::newRow("en passes") << 0.2f << en << QString() << -1;
        QTest::newRow("en below global min") << 0.11f << en << QString() << 1;
        QTest::newRow("de override min") << 0.11f << de << QString() << -1;
        QTest::newRow("de below override") << 0.09f << de << QString() << 1;
        QTest::newRow("zh not in set") << 0.5f << zh << QString() << 0;
        QTest::newRow("fr not in set") << 0.2f << fr << QString() << 0;
        QTest::newRow("missing lang fails in") << 0.2f << float(NAN) << QString() << 0;
        // The group is not the key of a by-lang rule: a group named "de" changes nothing.
        QTest::newRow("group named like a label") << 0.11f << en << QStringLiteral("de") << 1;
        QTest::newRow("missing value") << float(NAN) << de << QString() << 1;
    }
    void byLanguage()
    {
        QFETCH(float, punct);
        QFETCH(float, lang);
        QFETCH(QString, group);
        QFETCH(int, firstFailing);
        FilterConfig c = FilterConfig::parse(langConfig());
        BoundRules bound(c.rules, langColumns());
        const float row[2] = { punct, lang };
        QCOMPARE(bound.firstFailing(row, group.toStdString()), firstFailing);
        // FilterRule::passes with the key and categories says the same, rule by rule.
        for (size_t r = 0; r < 2; ++r) {
            const std::string key(categoryLabel(langColumns()[1].categories, lang));
            const bool viaRule = r == 0 ? c.rules[0].passes(lang, group.toStdString(), langColumns()[1].categories)
                                        : c.rules[1].passes(punct, key);
            QCOMPARE(viaRule, bound.passes(r, row, group.toStdString()));
        }
    }

    void byLanguageDisabledOverride()
    {
        FilterConfig c = FilterConfig::parse(langConfig());
        BoundRules bound(c.rules, langColumns());
        // zh is off for the punctuation rule (it fails the "in" rule, which is rule 0).
        const float row[2] = { 0.0f, 2.0f };
        QVERIFY(bound.passes(1, row, ""));
        QVERIFY(!bound.passes(0, row, ""));
        QCOMPARE(std::string(bound.key(1, row, "g")), std::string("zh"));
        QCOMPARE(std::string(bound.key(0, row, "g")), std::string("g"));
        // The unknown label "xx" is reported, not silently accepted.
        QCOMPARE(bound.warnings().size(), size_t(1));
        QVERIFY2(bound.warnings()[0].find("'xx'") != std::string::npos, bound.warnings()[0].c_str());
    }

    void byLanguageRoundTrip()
    {
        FilterConfig c = FilterConfig::parse(langConfig());
        c.rules[1].bounds.suggested = SuggestedFrom { "percentile", { { "low", 1 }, { "high", 99 } }, 5361, {}, 0 };
        // Computed on a sample (issue 21): said in the provenance, and read back.
        c.rules[1].overrides["de"].suggested
            = SuggestedFrom { "mad", { { "k_low", 3 } }, 120, "bernoulli p=0.1 seed=2", 1200 };
        QTemporaryDir dir;
        const std::string path = dir.filePath(QStringLiteral("lang.json")).toStdString();
        c.save(path);
        const std::string text = testutil::readFile(path);
        QVERIFY(text.find("\"version\": 2") != std::string::npos);
        QVERIFY(text.find("\"by\": \"lang\"") != std::string::npos);
        QVERIFY(text.find("\"overrides\"") != std::string::npos);
        QVERIFY(text.find("\"groups\"") == std::string::npos);
        QVERIFY(text.find("\"computed_on\": 5361") != std::string::npos);
        QVERIFY(text.find("\"sample\": \"bernoulli p=0.1 seed=2\"") != std::string::npos);
        QVERIFY(text.find("\"sample_of\": 1200") != std::string::npos);
        FilterConfig back = FilterConfig::load(path);
        QCOMPARE(back.rules.size(), size_t(2));
        QVERIFY(back.rules[0] == c.rules[0]);
        QVERIFY(back.rules[1] == c.rules[1]);
        QCOMPARE(*back.rules[0].bounds.in, (std::vector<std::string> { "en", "de" }));
        QCOMPARE(back.toJson(), c.toJson());
        QCOMPARE(back.columns(), (std::vector<std::string> { "lang", "fineweb_line_punct_frac" }));
        // "by": "group" is the same as the version 1 "groups" form and is written as such.
        FilterConfig g = FilterConfig::parse(R"({"format":"shardscope-filter","version":2,"rules":[
            {"scorer":"zlib6","min":0.2,"by":"group","overrides":{"web":{"min":0.3}}}]})");
        QVERIFY(g.rules[0].byGroup());
        QCOMPARE(g.requiredVersion(), 1);
        QVERIFY(g.toJson().find("\"groups\": {") != std::string::npos);
        QVERIFY(g.rules[0].passes(0.25f, "other") && !g.rules[0].passes(0.25f, "web"));
    }

    void bindErrors_data()
    {
        QTest::addColumn<QString>("json");
        QTest::addColumn<QString>("expected");
        QTest::newRow("in on numbers")
            << QStringLiteral(R"({"format":"shardscope-filter","version":2,"rules":[{"scorer":"fineweb_line_punct_frac","in":["a"]}]})")
            << QStringLiteral("needs a categorical column");
        QTest::newRow("by numbers")
            << QStringLiteral(R"({"format":"shardscope-filter","version":2,"rules":[{"scorer":"lang","in":["en"],"by":"fineweb_line_punct_frac","overrides":{}}]})")
            << QStringLiteral("is not a categorical column");
        QTest::newRow("by unknown")
            << QStringLiteral(R"({"format":"shardscope-filter","version":2,"rules":[{"scorer":"lang","in":["en"],"by":"script","overrides":{}}]})")
            << QStringLiteral("no column 'script'");
    }
    void bindErrors()
    {
        QFETCH(QString, json);
        QFETCH(QString, expected);
        FilterConfig c = FilterConfig::parse(json.toStdString());
        try {
            BoundRules b(c.rules, langColumns());
            QFAIL("expected an error");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(QString::fromUtf8(e.what()).contains(expected), e.what());
            QVERIFY2(QString::fromUtf8(e.what()).startsWith(QStringLiteral("rule 0")), e.what());
        }
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
        QTest::newRow("in needs v2")
            << QStringLiteral(R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"lang","in":["en"]}]})")
            << QStringLiteral("\"in\" needs \"version\": 2");
        QTest::newRow("by needs v2") << QStringLiteral(
            R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","by":"lang","overrides":{}}]})")
                                     << QStringLiteral("\"by\" needs \"version\": 2");
        QTest::newRow("in with min")
            << QStringLiteral(R"({"format":"shardscope-filter","version":2,"rules":[{"scorer":"lang","in":["en"],"min":1}]})")
            << QStringLiteral("cannot be combined");
        QTest::newRow("in not strings")
            << QStringLiteral(R"({"format":"shardscope-filter","version":2,"rules":[{"scorer":"lang","in":[1]}]})")
            << QStringLiteral("array of labels");
        QTest::newRow("overrides without by") << QStringLiteral(
            R"({"format":"shardscope-filter","version":2,"rules":[{"scorer":"zlib6","overrides":{"de":{"min":1}}}]})")
                                              << QStringLiteral("\"overrides\" needs \"by\"");
        QTest::newRow("groups with by") << QStringLiteral(
            R"({"format":"shardscope-filter","version":2,"rules":[{"scorer":"zlib6","by":"lang","groups":{"de":{"min":1}}}]})")
                                        << QStringLiteral("use \"overrides\"");
        QTest::newRow("override min>max") << QStringLiteral(
            R"({"format":"shardscope-filter","version":2,"rules":[{"scorer":"zlib6","by":"lang","overrides":{"de":{"min":2,"max":1}}}]})")
                                          << QStringLiteral("lang \"de\": min");
        QTest::newRow("suggested without method") << QStringLiteral(
            R"({"format":"shardscope-filter","version":1,"rules":[{"scorer":"zlib6","min":1,"suggested":{"low":1}}]})")
                                                  << QStringLiteral("\"suggested\" must be an object with a \"method\"");
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
