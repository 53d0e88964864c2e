// Issue 18: "A shard changed or deleted on disk while the GUI browses it: the viewer says so and offers a
// rescan; no crash, no wrong text shown for a document." The main window scans a copy of real e-mails,
// shows a document, then the copy is changed under it (a line appended; two records swapped in the
// middle with size and mtime put back, so only the record check can tell; truncated inside a record;
// deleted). Showing a document again must give the message and the Rescan button, never the text of
// whatever now lies at the record's offset, and the button must start the window's rescan.

#include "testdata.h"
#include "testhelpers.h"

#include <documenttablemodel.h>
#include <documentviewer.h>
#include <mainwindow.h>

#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <fcntl.h>
#include <sys/stat.h>

#ifndef SHARDSCOPE_TEST_OUTPUT
#define SHARDSCOPE_TEST_OUTPUT "."
#endif

using namespace shardscope;

namespace {

// Real e-mails: the generated fixture, else the shared one; empty when neither exists.
QString mailFixture()
{
    const std::string generated = testdata::fixture("spam_ham.jsonl");
    if (testdata::exists(generated))
        return QString::fromStdString(generated);
    const std::string shared = testdata::shared("fixtures/spamassassin_40spam_40ham.jsonl");
    return testdata::exists(shared) ? QString::fromStdString(shared) : QString();
}

QByteArray readAll(const QString& path)
{
    QFile f(path);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

bool writeAll(const QString& path, const QByteArray& data)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(data) == data.size();
}

QString textOf(const QByteArray& line)
{
    return QJsonDocument::fromJson(line).object().value(QStringLiteral("text")).toString();
}

} // namespace

class TestShardChange : public QObject {
    Q_OBJECT

    static bool openAndWait(MainWindow& w, const QStringList& inputs)
    {
        QSignalSpy finished(&w, &MainWindow::scanFinished);
        w.openInputs(inputs);
        return testhelpers::signalled(finished, 120000) && !w.scanRunning();
    }

    // Selects document `doc` in the table, as a user clicking its row, and waits until the viewer has read it.
    static bool showDocument(MainWindow& w, uint32_t doc)
    {
        QSignalSpy loaded(w.viewer(), &DocumentViewer::documentLoaded);
        DocumentTableModel* m = w.tableModel();
        for (int row = 0; row < m->rowCount(); ++row) {
            if (m->docAt(row) != doc)
                continue;
            // Another row first, so selecting this one is a change of the current index.
            w.tableView()->setCurrentIndex(m->index(row == 0 ? 1 : 0, DocumentTableModel::IdColumn));
            testhelpers::signalled(loaded, 10000);
            loaded.clear();
            w.tableView()->setCurrentIndex(m->index(row, DocumentTableModel::IdColumn));
            return testhelpers::signalled(loaded, 10000);
        }
        return false;
    }

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    void changedShardIsReportedNotMisread_data()
    {
        QTest::addColumn<QString>("change");
        QTest::addColumn<QString>("message");
        QTest::newRow("appended") << QStringLiteral("append") << QStringLiteral("changed on disk");
        QTest::newRow("records swapped, same size and mtime")
            << QStringLiteral("swap") << QStringLiteral("changed on disk");
        QTest::newRow("truncated inside the record") << QStringLiteral("truncate") << QStringLiteral("changed on disk");
        QTest::newRow("deleted") << QStringLiteral("delete") << QStringLiteral("was deleted");
    }

    void changedShardIsReportedNotMisread()
    {
        QFETCH(QString, change);
        QFETCH(QString, message);
        const QString fixture = mailFixture();
        if (fixture.isEmpty())
            REQUIRE_FIXTURE("spam_ham.jsonl");
        QTemporaryDir dir;
        const QString shard = dir.filePath(QStringLiteral("mail.jsonl"));
        const QByteArray original = readAll(fixture);
        QVERIFY(original.size() > 200 * 1024); // the swapped records lie outside the fingerprint's 64 KiB ends
        QVERIFY(writeAll(shard, original));

        MainWindow w;
        w.resize(1200, 800);
        w.setScorers("zlib6,zstd3");
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
        QVERIFY(openAndWait(w, { shard }));
        const CorpusData& c = *w.corpus();
        QVERIFY(c.size() >= 10);

        // A document in the middle of the shard, and its neighbour.
        uint32_t doc = 0;
        while (doc + 2 < c.size() && c.offset(doc) < uint64_t(original.size()) / 2)
            ++doc;
        QCOMPARE(c.offset(doc + 1), c.offset(doc) + c.length(doc) + 1);
        const QByteArray line = original.mid(qsizetype(c.offset(doc)), qsizetype(c.length(doc)));
        const QByteArray next = original.mid(qsizetype(c.offset(doc + 1)), qsizetype(c.length(doc + 1)));
        const QString text = textOf(line);
        QVERIFY(text.size() > 100);
        QVERIFY(line.size() != next.size());

        // Unchanged: the document's own text, no message.
        QVERIFY(showDocument(w, doc));
        QCOMPARE(w.viewer()->displayedText(), text);
        QVERIFY(w.viewer()->shardChangedMessage().isEmpty());
        auto* rescan = w.viewer()->findChild<QPushButton*>(QStringLiteral("rescanButton"));
        QVERIFY(rescan);
        QVERIFY(!rescan->isVisible());

        struct stat before;
        QCOMPARE(::stat(QFile::encodeName(shard).constData(), &before), 0);
        if (change == QLatin1String("append")) {
            QFile f(shard);
            QVERIFY(f.open(QIODevice::Append));
            QVERIFY(f.write(line + '\n') > 0);
        } else if (change == QLatin1String("swap")) {
            QByteArray swapped = original;
            swapped.replace(qsizetype(c.offset(doc)), line.size() + 1 + next.size(), QByteArray(next + '\n' + line));
            QCOMPARE(swapped.size(), original.size());
            QVERIFY(writeAll(shard, swapped));
            const struct timespec times[2] = { before.st_atim, before.st_mtim };
            QCOMPARE(::utimensat(AT_FDCWD, QFile::encodeName(shard).constData(), times, 0), 0);
        } else if (change == QLatin1String("truncate")) {
            QVERIFY(QFile::resize(shard, qint64(c.offset(doc) + c.length(doc) / 2)));
        } else {
            QVERIFY(QFile::remove(shard));
        }

        // Shown again: the message and the button, not the text.
        QVERIFY(showDocument(w, doc));
        const QString shown = w.viewer()->displayedText();
        QVERIFY2(w.viewer()->shardChangedMessage().contains(message), qPrintable(w.viewer()->shardChangedMessage()));
        QVERIFY2(w.viewer()->shardChangedMessage().contains(QStringLiteral("mail.jsonl")),
            qPrintable(w.viewer()->shardChangedMessage()));
        QVERIFY2(shown.contains(message), qPrintable(shown));
        QVERIFY2(!shown.contains(text.left(60)), qPrintable(shown));
        QVERIFY2(!shown.contains(textOf(next).left(60)), qPrintable(shown));
        QVERIFY(rescan->isVisible());

        QTest::qWait(50);
        const QString png
            = QDir(QStringLiteral(SHARDSCOPE_TEST_OUTPUT)).filePath(QStringLiteral("shardchange-%1.png").arg(change));
        QVERIFY(w.grab().save(png));
        qInfo("screenshot: %s", qPrintable(png));

        // The button starts the window's rescan; after it the document reads right again.
        QSignalSpy requested(w.viewer(), &DocumentViewer::rescanRequested);
        QSignalSpy finished(&w, &MainWindow::scanFinished);
        QTest::mouseClick(rescan, Qt::LeftButton);
        QCOMPARE(requested.count(), 1);
        QVERIFY(testhelpers::signalled(finished, 120000));
        QTRY_VERIFY_WITH_TIMEOUT(!w.scanRunning(), 30000);
        if (change == QLatin1String("delete")) {
            // Nothing left to scan: the window reports the missing input as for any open.
            QVERIFY2(w.lastError().contains(QStringLiteral("mail.jsonl")), qPrintable(w.lastError()));
            return;
        }
        // The truncated record is gone from the rescan; its predecessor reads right.
        const uint32_t again = change == QLatin1String("truncate") ? doc - 1 : doc;
        const QByteArray now = readAll(shard);
        const CorpusData& rescanned = *w.corpus();
        QVERIFY(rescanned.size() > again);
        QVERIFY(showDocument(w, again));
        QVERIFY(w.viewer()->shardChangedMessage().isEmpty());
        QVERIFY(!rescan->isVisible());
        const QByteArray l = now.mid(qsizetype(rescanned.offset(again)), qsizetype(rescanned.length(again)));
        QCOMPARE(w.viewer()->displayedText(), textOf(l));
    }
};

QTEST_MAIN(TestShardChange)
#include "tst_shardchange.moc"
