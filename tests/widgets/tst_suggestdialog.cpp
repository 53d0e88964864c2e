// The "Suggest cutoffs" dialog (issue 20): method, parameters, sides and keys chosen in the
// real widgets; its preview equals a direct count over the column; Apply sets the rules
// through FilterState (one undo step); no negative min for a score that is never negative.

#include "testhelpers.h"

#include <filterstate.h>
#include <mainwindow.h>
#include <suggestdialog.h>
#include <thresholdpanel.h>

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QListWidget>
#include <QPushButton>
#include <QTableWidget>
#include <QTest>

#include <algorithm>
#include <cmath>

using namespace shardscope;

class TestSuggestDialog : public QObject {
    Q_OBJECT

    std::shared_ptr<CorpusData> m_corpus;

    // Real text: e-mails, informal posts and UDHR sentences, scored by zlib6 and the
    // punctuation fraction (a score that cannot be negative, with a long tail).
    std::shared_ptr<CorpusData> corpus()
    {
        if (!m_corpus)
            m_corpus
                = testhelpers::scanCorpus({ testdata::fixture("spam_ham.jsonl"), testdata::fixture("informal.jsonl"),
                                              testdata::fixture("udhr_sentences.jsonl") },
                    "zlib6,text_punct_frac");
        return m_corpus;
    }

    static bool waitPreview(SuggestDialog& d)
    {
        QSignalSpy spy(&d, &SuggestDialog::previewReady);
        return spy.wait(10000) && !d.busy();
    }

    static QPushButton* applyButton(SuggestDialog& d)
    {
        return d.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Apply);
    }

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void previewEqualsADirectCount_data()
    {
        QTest::addColumn<int>("method");
        QTest::addColumn<double>("low");
        QTest::addColumn<double>("high");
        QTest::addColumn<int>("sides");
        QTest::newRow("percentile 5-95") << int(SuggestMethod::Percentile) << 5.0 << 95.0 << 0;
        QTest::newRow("mad 2, max only") << int(SuggestMethod::MedianMad) << 2.0 << 2.0 << 2;
        QTest::newRow("meanstd 1") << int(SuggestMethod::MeanStd) << 1.0 << 1.0 << 0;
    }
    void previewEqualsADirectCount()
    {
        QFETCH(int, method);
        QFETCH(double, low);
        QFETCH(double, high);
        QFETCH(int, sides);
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto c = corpus();
        SuggestDialog d(nullptr, c, "zlib6");
        QVERIFY(waitPreview(d));
        // Through the widgets: tick both columns, pick the method, type the parameters.
        auto* list = d.findChild<QListWidget*>(QStringLiteral("suggestColumns"));
        for (const char* name : { "zlib6", "text_punct_frac" }) {
            const auto items = list->findItems(QLatin1String(name), Qt::MatchExactly);
            QCOMPARE(items.size(), 1);
            items[0]->setCheckState(Qt::Checked);
        }
        auto* methodBox = d.findChild<QComboBox*>(QStringLiteral("suggestMethod"));
        methodBox->setCurrentIndex(methodBox->findData(method));
        d.findChild<QComboBox*>(QStringLiteral("suggestSides"))->setCurrentIndex(sides);
        for (auto [name, v] : { std::pair { "suggestLow", low }, std::pair { "suggestHigh", high } }) {
            auto* spin = d.findChild<QDoubleSpinBox*>(QLatin1String(name));
            spin->clear();
            QTest::keyClicks(spin, QString::number(v));
        }
        QVERIFY(waitPreview(d));
        QCOMPARE(d.checkedColumns(), QStringList({ QStringLiteral("zlib6"), QStringLiteral("text_punct_frac") }));
        QCOMPARE(d.spec().low.value_or(-1), sides == 2 ? -1 : low);
        QCOMPARE(d.suggestions().size(), size_t(2));
        QTableWidget* t = d.previewTable();
        QCOMPARE(t->rowCount(), 2);
        const QLocale loc;
        for (int row = 0; row < 2; ++row) {
            const CutoffSuggestion& s = d.suggestions()[size_t(row)];
            const auto& v = c->scores(size_t(c->columnIndex(s.column)));
            uint64_t dropped = 0, missing = 0;
            for (float x : v) {
                if (std::isnan(x))
                    ++missing;
                else if ((s.min && double(x) < *s.min) || (s.max && double(x) > *s.max))
                    ++dropped;
            }
            QVERIFY(dropped > 0);
            QCOMPARE(t->item(row, 0)->text(), QString::fromStdString(s.column));
            QCOMPARE(t->item(row, 4)->text(), loc.toString(qulonglong(dropped)));
            QCOMPARE(t->item(row, 5)->text(),
                loc.toString(100.0 * double(dropped) / double(v.size()), 'f', 2) + QStringLiteral(" %"));
            QCOMPARE(t->item(row, 6)->text(), loc.toString(qulonglong(missing)));
            if (sides == 2)
                QVERIFY(!s.min);
        }
    }

    // mean − 3·sd of the punctuation fraction lies below zero: neither the suggestion nor
    // the rule Apply writes may have a negative min.
    void noNegativeMinForANonNegativeColumn()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto c = corpus();
        const auto& v = c->scores(size_t(c->columnIndex("text_punct_frac")));
        double sum = 0, n = 0, lo = INFINITY;
        for (float x : v)
            if (!std::isnan(x)) {
                sum += x;
                ++n;
                lo = std::min(lo, double(x));
            }
        double ss = 0;
        for (float x : v)
            if (!std::isnan(x))
                ss += (x - sum / n) * (x - sum / n);
        QVERIFY(lo >= 0);
        QVERIFY2(sum / n - 3 * std::sqrt(ss / n) < 0, "the fixture no longer has a negative mean - 3 sd");

        FilterState f;
        f.setCorpus(c, false);
        SuggestDialog d(&f, c, "text_punct_frac");
        d.setMethod(SuggestMethod::MeanStd);
        d.setParameters(3, 3);
        QVERIFY(waitPreview(d));
        QCOMPARE(d.suggestions().size(), size_t(1));
        const CutoffSuggestion& s = d.suggestions()[0];
        QVERIFY2(!s.min || *s.min >= 0, qPrintable(QString::number(s.min.value_or(0))));
        QVERIFY(s.max);
        QVERIFY(!d.previewTable()->item(0, 2)->text().startsWith(QLatin1Char('-')));
        QTest::mouseClick(applyButton(d), Qt::LeftButton);
        QCOMPARE(f.rules().size(), size_t(1));
        QVERIFY(!f.rules()[0].bounds.min || *f.rules()[0].bounds.min >= 0);
        QCOMPARE(f.rules()[0].bounds.max, s.max);
    }

    void applySetsTheRulesAsOneUndoStep()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto c = corpus();
        FilterState f;
        f.setCorpus(c, false);
        FilterRule zlib;
        zlib.column = "zlib6";
        zlib.bounds.min = 0.1;
        zlib.bounds.max = 5;
        f.setRules({ zlib });
        const auto before = f.rules();
        SuggestDialog d(&f, c, "zlib6");
        d.setMethod(SuggestMethod::Percentile);
        d.setParameters(2, 98);
        // One-sided: the rule keeps its max.
        d.setSides(SuggestDialog::Sides::MinOnly);
        QVERIFY(waitPreview(d));
        QVERIFY(applyButton(d)->isEnabled());
        const double min = *d.suggestions()[0].min;
        QSignalSpy rules(&f, &FilterState::rulesChanged);
        QTest::mouseClick(applyButton(d), Qt::LeftButton);
        QCOMPARE(rules.count(), 1);
        QCOMPARE(d.result(), int(QDialog::Accepted));
        QCOMPARE(f.rules().size(), size_t(1));
        QCOMPARE(f.rules()[0].bounds.min, std::optional<double>(min));
        QCOMPARE(f.rules()[0].bounds.max, std::optional<double>(5));
        QVERIFY(f.rules()[0].bounds.suggested);
        QCOMPARE(f.rules()[0].bounds.suggested->method, std::string("percentile"));
        QVERIFY(f.counts().total.dropped() > 0);
        f.undo();
        QCOMPARE(f.rules(), before);
    }

    // On a sample (issue 21): the shares are estimates with their interval, and the cutoffs applied say which
    // sample they came from, as `suggest --sample` writes them.
    void sampleCutoffsSaySo()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto c = corpus();
        FilterState f;
        f.setCorpus(c, false);
        SampleScope sample;
        sample.documents = sample.sampled = c->size();
        sample.population = c->size() * 10;
        sample.probability = 0.1;
        sample.seed = 7;
        sample.selection = "bernoulli p=0.1 seed=7";
        SuggestDialog d(&f, c, "zlib6");
        d.setMethod(SuggestMethod::Percentile);
        d.setParameters(5, 95);
        d.setSample(sample);
        QVERIFY(waitPreview(d));
        const QString share = d.previewTable()->item(0, 5)->text();
        QVERIFY2(share.startsWith(QStringLiteral("≈")) && share.contains(QChar(0x2013)), qPrintable(share));
        QTest::mouseClick(applyButton(d), Qt::LeftButton);
        QVERIFY(f.rules()[0].bounds.suggested);
        QCOMPARE(f.rules()[0].bounds.suggested->sample, sample.selection);
        QCOMPARE(f.rules()[0].bounds.suggested->sampleOf, sample.population);

        // The whole corpus: exact shares, no sample in the provenance.
        FilterState exact;
        exact.setCorpus(c, false);
        SuggestDialog e(&exact, c, "zlib6");
        e.setMethod(SuggestMethod::Percentile);
        e.setParameters(5, 95);
        QVERIFY(waitPreview(e));
        QVERIFY(!e.previewTable()->item(0, 5)->text().contains(QStringLiteral("≈")));
        QTest::mouseClick(applyButton(e), Qt::LeftButton);
        QVERIFY(exact.rules()[0].bounds.suggested->sample.empty());
    }

    void perGroupWritesOverrides()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto c = corpus();
        QVERIFY(c->groupNames().size() >= 3);
        FilterState f;
        f.setCorpus(c, false);
        SuggestDialog d(&f, c, "zlib6");
        auto* scope = d.findChild<QComboBox*>(QStringLiteral("suggestScope"));
        scope->setCurrentIndex(scope->findText(QStringLiteral("Per group")));
        QVERIFY(waitPreview(d));
        QVERIFY(d.suggestions().size() >= 2);
        std::vector<std::string> keys;
        for (const auto& s : d.suggestions()) {
            QVERIFY(!s.key.empty());
            keys.push_back(s.key);
            // The preview's count is the group's own.
            const int g = c->groupIndex(s.key);
            QVERIFY(g >= 0);
            const auto& v = c->scores(size_t(c->columnIndex("zlib6")));
            uint64_t docs = 0, dropped = 0;
            for (size_t i = 0; i < c->size(); ++i)
                if (c->group(i) == uint32_t(g)) {
                    ++docs;
                    dropped += !std::isnan(v[i]) && (double(v[i]) < *s.min || double(v[i]) > *s.max);
                }
            QCOMPARE(s.docs, docs);
            QCOMPARE(s.dropped(), dropped);
        }
        d.apply();
        QCOMPARE(f.rules().size(), size_t(1));
        const FilterRule& r = f.rules()[0];
        QVERIFY(r.byGroup());
        QCOMPARE(r.overrides.size(), keys.size());
        for (const auto& k : keys)
            QVERIFY(r.overrides.count(k));
        QVERIFY(!r.bounds.min && !r.bounds.max);
    }

    // The panel's "Suggest cutoffs…" button opens the dialog for the selected rule; Apply
    // changes the window's rules, and Undo takes them back.
    void panelButtonOpensTheDialog()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto c = corpus();
        MainWindow w;
        w.showCorpus(c);
        QTRY_VERIFY(w.corpus() == c.get());
        FilterRule punct;
        punct.column = "text_punct_frac";
        punct.bounds.max = 0.5;
        w.filterState()->setRules({ punct });
        const auto before = w.rules();
        w.thresholdPanel()->setCurrentRule(0);
        w.thresholdPanel()->findChild<QPushButton*>(QStringLiteral("suggestButton"))->click();
        SuggestDialog* d = nullptr;
        QTRY_VERIFY((d = w.findChild<SuggestDialog*>()) != nullptr);
        QVERIFY(d->isVisible());
        QCOMPARE(d->checkedColumns(), QStringList { QStringLiteral("text_punct_frac") });
        QTRY_VERIFY(!d->busy() && !d->suggestions().empty());
        const CutoffSuggestion s = d->suggestions()[0];
        QTest::mouseClick(applyButton(*d), Qt::LeftButton);
        QCOMPARE(w.rules().size(), size_t(1));
        QCOMPARE(w.rules()[0].bounds.min, s.min);
        QCOMPARE(w.rules()[0].bounds.max, s.max);
        w.filterState()->undo();
        QCOMPARE(w.rules(), before);
    }

    void screenshot()
    {
        REQUIRE_FIXTURE("spam_ham.jsonl");
        auto c = corpus();
        FilterState f;
        f.setCorpus(c, false);
        SuggestDialog d(&f, c, "");
        d.setColumns({ QStringLiteral("zlib6"), QStringLiteral("text_punct_frac") });
        d.setMethod(SuggestMethod::MeanStd);
        d.setParameters(3, 3);
        d.show();
        QVERIFY(QTest::qWaitForWindowExposed(&d));
        QVERIFY(waitPreview(d));
        QVERIFY(QDir().mkpath(QStringLiteral("/tmp/h")));
        QVERIFY(d.grab().save(QStringLiteral("/tmp/h/suggest.png")));
    }
};

QTEST_MAIN(TestSuggestDialog)
#include "tst_suggestdialog.moc"
