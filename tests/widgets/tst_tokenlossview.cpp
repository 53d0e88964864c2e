// The token-loss view (issue 4, item 6): per-token losses of real text under a tiny byte model
// trained here, merged into whole UTF-8 characters, coloured by loss, explained in the tooltip,
// computed off the GUI thread with stale requests dropped.

#include "testhelpers.h"

#include <tokenlossview.h>

#ifdef SHARDSCOPE_HAVE_TORCH
#include <lm/lmapi.h>
#endif

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>

#include <cmath>

using namespace shardscope;

class TestTokenLossView : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;
    QString m_model;

    static int codePoints(const std::string& utf8) { return int(QString::fromStdString(utf8).toUcs4().size()); }

private Q_SLOTS:
    void initTestCase()
    {
        testhelpers::isolate();
        if (!TokenLossView::available())
            return;
#ifdef SHARDSCOPE_HAVE_TORCH
        // A tiny byte model trained on real prose: enough steps to learn which bytes are common,
        // so a control byte costs clearly more than a vowel.
        REQUIRE_FIXTURE("spam_ham.jsonl");
        const std::string dir = m_tmp.filePath(QStringLiteral("tiny")).toStdString();
        QVERIFY(testhelpers::trainTinyByteModel(dir, 150));
        m_model = QString::fromStdString(dir);
        LmOptions lo;
        lo.modelDir = dir;
        lo.device = "cpu";
        setLmOptions(lo);
#endif
    }

    void mergesBytesIntoCharacters()
    {
        // "aé中" as single-byte tokens: 1 + 2 + 3 bytes -> three segments, losses summed.
        const std::string text = "a\xC3\xA9\xE4\xB8\xAD";
        std::vector<std::pair<std::string, float>> tokens;
        for (size_t i = 0; i < text.size(); ++i)
            tokens.emplace_back(std::string(1, text[i]), float(i + 1));
        const auto r = TokenLossView::buildResult(tokens);
        QCOMPARE(r.segments.size(), size_t(3));
        QCOMPARE(r.text, QString::fromUtf8("a\xC3\xA9\xE4\xB8\xAD"));
        QCOMPARE(r.segments[0].nats, 1.0);
        QCOMPARE(r.segments[1].nats, 2.0 + 3.0);
        QCOMPARE(r.segments[2].nats, 4.0 + 5.0 + 6.0);
        QCOMPARE(r.segments[2].tokenCount, 3);
        QCOMPARE(r.segments[2].start, 2);
        QCOMPARE(r.tokens, size_t(6));
        // A stray continuation byte is a character of its own (U+FFFD), not glued to the next.
        const auto bad = TokenLossView::buildResult({ { "\xA9", 1.f }, { "b", 2.f } });
        QCOMPARE(bad.segments.size(), size_t(2));
        QCOMPARE(bad.segments[1].nats, 2.0);
    }

    void escapesTokens_data()
    {
        QTest::addColumn<QByteArray>("bytes");
        QTest::addColumn<QString>("escaped");
        QTest::newRow("newline") << QByteArray("\n") << QStringLiteral("\\n");
        QTest::newRow("space") << QByteArray(" ") << QString(QChar(0xB7));
        QTest::newRow("tab") << QByteArray("\t") << QStringLiteral("\\t");
        QTest::newRow("bell") << QByteArray("\x07") << QStringLiteral("\\x07");
        QTest::newRow("partial") << QByteArray("\xE4") << QStringLiteral("\\xE4");
        QTest::newRow("word") << QByteArray(" the") << (QString(QChar(0xB7)) + QStringLiteral("the"));
        QTest::newRow("utf8") << QByteArray("\xC3\xA9") << QString::fromUtf8("\xC3\xA9");
    }
    void escapesTokens()
    {
        QFETCH(QByteArray, bytes);
        QFETCH(QString, escaped);
        QCOMPARE(TokenLossView::escapeToken(bytes.toStdString()), escaped);
    }

    void colourScale()
    {
        // white at 0 bits, yellow in the middle, red at the top; clamped beyond.
        QCOMPARE(TokenLossView::colorForBits(0), QColor(Qt::white));
        const QColor mid = TokenLossView::colorForBits(4), hot = TokenLossView::colorForBits(8);
        QVERIFY(mid.red() == 255 && mid.blue() < 100 && mid.green() > 200);
        QVERIFY(hot.red() > 200 && hot.green() < 80);
        QCOMPARE(TokenLossView::colorForBits(20), hot);
    }

    void realTextSegmentsColoursAndTooltip()
    {
        if (!TokenLossView::available())
            QSKIP("built without libtorch");
        TokenLossView v;
        v.resize(700, 400);
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        QSignalSpy spy(&v, &TokenLossView::lossesShown);
        const std::string text = "Gr\xC3\xBC\xC3\x9F" "e aus K\xC3\xB6ln, \xE4\xB8\x96\xE7\x95\x8C! The weather is "
                                 "nice.\nSecond line\x07 here.";
        v.setText(text);
        QVERIFY(testhelpers::signalled(spy, 60000));
        QVERIFY2(v.result().error.isEmpty(), qPrintable(v.result().error));
        // One token per byte (the byte model), one coloured segment per character.
        QCOMPARE(v.result().tokens, text.size());
        QCOMPARE(int(v.result().segments.size()), codePoints(text));
        QCOMPARE(v.result().text.size(), QString::fromStdString(text).size());
        // The view shows the text itself; only the bell is replaced by its picture (same length).
        QCOMPARE(v.displayedText(), QString::fromStdString(text).replace(QChar(7), QChar(0x2407)));
        QVERIFY(v.statusText().contains(QStringLiteral("cpu")));

        // The bell never occurs in the training text, 'e' is the commonest letter: the bell costs
        // more and is drawn in a hotter colour (less green).
        const int bellPos = int(v.result().text.indexOf(QChar(0x2407)));
        const int ePos = int(v.result().text.indexOf(QStringLiteral("ere"))) + 1; // "here": predictable 'e'
        const int bell = v.segmentAt(bellPos), e = v.segmentAt(ePos);
        QVERIFY(bell >= 0 && e >= 0);
        const auto& segs = v.result().segments;
        QVERIFY2(segs[size_t(bell)].bits() > segs[size_t(e)].bits() + 1,
                 qPrintable(QStringLiteral("bell %1 bits, e %2 bits").arg(segs[size_t(bell)].bits()).arg(segs[size_t(e)].bits())));
        QVERIFY(v.segmentColor(bell).green() < v.segmentColor(e).green());

        // A multi-byte character is one segment whose loss is the sum of its three byte tokens.
        const int world = v.segmentAt(int(v.result().text.indexOf(QString::fromUtf8("\xE4\xB8\x96"))));
        QVERIFY(world >= 0);
        QCOMPARE(segs[size_t(world)].tokenCount, 3);
        QCOMPARE(segs[size_t(world)].length, 1);

        const QString tip = v.toolTipAt(bellPos);
        QVERIFY2(tip.contains(QStringLiteral("\\x07")), qPrintable(tip));
        QVERIFY(tip.contains(QString::number(segs[size_t(bell)].nats, 'f', 3) + QStringLiteral(" nats")));
        QVERIFY(tip.contains(QString::number(segs[size_t(bell)].bits(), 'f', 2) + QStringLiteral(" bits")));
        const QString spaceTip = v.toolTipAt(int(v.result().text.indexOf(QLatin1Char(' '))));
        QVERIFY2(spaceTip.contains(QChar(0xB7)), qPrintable(spaceTip));
        const QString newlineTip = v.toolTipAt(int(v.result().text.indexOf(QLatin1Char('\n'))));
        QVERIFY2(newlineTip.contains(QStringLiteral("\\n")), qPrintable(newlineTip));
        // Shown as rich text (QToolTip's own test), so its line break is a break, not a literal "<br>".
        QVERIFY2(Qt::mightBeRichText(newlineTip), qPrintable(newlineTip));
        QVERIFY(!newlineTip.contains(QLatin1Char('\n')));
        QVERIFY(Qt::mightBeRichText(tip));
        QVERIFY(v.toolTipAt(int(v.result().text.size()) + 5).isEmpty());
    }

    void staleRequestsAreDropped()
    {
        if (!TokenLossView::available())
            QSKIP("built without libtorch");
        TokenLossView v;
        v.show();
        QVERIFY(QTest::qWaitForWindowExposed(&v));
        QSignalSpy spy(&v, &TokenLossView::lossesShown);
        // A long first text and a short second one: the first finishes later, and must not
        // replace the second when it does.
        std::string first;
        while (first.size() < 40000)
            first += "The first document is long and will be superseded. ";
        v.setText(first);
        const std::string second = "Second document.";
        v.setText(second);
        QVERIFY(testhelpers::signalled(spy, 60000));
        QTest::qWait(1500); // time for the first job to finish too
        QCOMPARE(spy.count(), 1);
        QCOMPARE(spy.first().first().toULongLong(), v.currentRequest());
        QCOMPARE(v.displayedText(), QString::fromStdString(second));
        QCOMPARE(int(v.result().segments.size()), codePoints(second));
    }

    void computesOnlyWhenShownAndCutsLongText()
    {
        if (!TokenLossView::available())
            QSKIP("built without libtorch");
        TokenLossView v;
        QSignalSpy spy(&v, &TokenLossView::lossesShown);
        std::string text;
        while (text.size() < 100000)
            text += "caf\xC3\xA9 ";
        v.setText(text);
        QTest::qWait(300);
        QCOMPARE(spy.count(), 0); // hidden: nothing computed
        QVERIFY(!v.busy());
        v.show();
        QVERIFY(testhelpers::signalled(spy, 120000));
        QVERIFY(v.result().scoredBytes <= TokenLossView::kMaxBytes);
        QCOMPARE(v.result().totalBytes, text.size());
        // Cut on a character boundary: every character whole.
        QVERIFY(!v.result().text.contains(QChar(0xFFFD)));
        QCOMPARE(v.result().tokens, v.result().scoredBytes);
        QVERIFY2(v.statusText().contains(QStringLiteral("only the first")), qPrintable(v.statusText()));
    }
};

QTEST_MAIN(TestTokenLossView)
#include "tst_tokenlossview.moc"
