// The language-model controller (issue 4, issue 19): scorer lists that name the model, the
// choice of model and device resolved off the GUI thread into the status text, a model that
// does not load reported with the previous choice restored, and a tiny trained model loaded.
// Issue 21, part 6: the window and its model choice load no libtorch; the first model loaded does.

#include "testhelpers.h"

#include <languagemodelcontroller.h>
#include <mainwindow.h>

#ifdef SHARDSCOPE_HAVE_TORCH
#include <lm/lmapi.h>
#include <lmplugin.h>
#endif

#include <QFile>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using namespace shardscope;

namespace {

// Whether libtorch is mapped into this process.
bool torchLoaded()
{
    QFile maps(QStringLiteral("/proc/self/maps"));
    return maps.open(QIODevice::ReadOnly) && maps.readAll().contains("libtorch");
}

} // namespace

class TestLanguageModelController : public QObject {
    Q_OBJECT

    QTemporaryDir m_tmp;

private Q_SLOTS:
    void initTestCase() { testhelpers::isolate(); }

    // First, before any case loads a model: the window as main.cpp starts it (--device auto) paints and
    // names its model without libtorch, which used to be linked into the executable.
    void windowStartsWithoutTorch()
    {
        QVERIFY(!torchLoaded());
        MainWindow w;
        QSignalSpy changed(&w, &MainWindow::languageModelChanged);
        w.setLanguageModel(QString(), QStringLiteral("auto"));
        w.show();
        QVERIFY(QTest::qWaitForWindowExposed(&w));
#ifdef SHARDSCOPE_HAVE_TORCH
        QVERIFY(testhelpers::signalled(changed, 60000));
        QVERIFY2(w.languageModelStatus().endsWith(QStringLiteral(" on auto")), qPrintable(w.languageModelStatus()));
        QVERIFY(!lm::lmBackendLoaded());
#endif
        QVERIFY(!torchLoaded());
    }

    void scorerLists()
    {
        QVERIFY(LanguageModelController::namesLanguageModel("all,lm"));
        QVERIFY(LanguageModelController::namesLanguageModel("zlib6,lm_bpb"));
        QVERIFY(!LanguageModelController::namesLanguageModel("zlib6,zstd3"));
        QVERIFY(!LanguageModelController::namesLanguageModel("lmx"));
        QCOMPARE(LanguageModelController::withLanguageModel("zlib6,zstd3"), std::string("zlib6,zstd3,lm"));
        QCOMPARE(LanguageModelController::withLanguageModel("zlib6,lm"), std::string("zlib6,lm"));
    }

    void choiceIsResolvedAndReported()
    {
#ifndef SHARDSCOPE_HAVE_TORCH
        QVERIFY(!LanguageModelController::available());
        LanguageModelController lm;
        lm.setLanguageModel(QString(), QStringLiteral("cpu"));
        QVERIFY(lm.status().isEmpty());
        QCOMPARE(lm.device(), QStringLiteral("cpu"));
#else
        QVERIFY(LanguageModelController::available());
        LanguageModelController lm;
        QSignalSpy changed(&lm, &LanguageModelController::changed);
        lm.setLanguageModel(QString(), QString());
        QCOMPARE(lm.device(), QStringLiteral("auto")); // empty means auto
        lm.setLanguageModel(QString(), QStringLiteral("cpu"));
        QCOMPARE(lm.status(), QStringLiteral("LM: …"));
        QCOMPARE(lmOptions().device, std::string("cpu"));
        QVERIFY(lmOptions().modelDir.empty());
        QVERIFY(testhelpers::signalled(changed, 60000));
        QTRY_VERIFY_WITH_TIMEOUT(lm.status().contains(QStringLiteral("on cpu")), 30000);
#endif
    }

#ifdef SHARDSCOPE_HAVE_TORCH
    void badModelRestoresThePreviousChoice()
    {
        LanguageModelController lm;
        QSignalSpy changed(&lm, &LanguageModelController::changed);
        lm.setLanguageModel(QString(), QStringLiteral("cpu"));
        QCOMPARE(changed.count(), 0); // never inside the call: from the event loop
        QVERIFY(testhelpers::signalled(changed, 60000));
        const QString before = lm.status();
        QSignalSpy loading(&lm, &LanguageModelController::loading);
        QSignalSpy failed(&lm, &LanguageModelController::failed);
        QSignalSpy loaded(&lm, &LanguageModelController::loaded);
        lm.load(m_tmp.filePath(QStringLiteral("no-such-model")), QStringLiteral("cpu"));
        QCOMPARE(loading.count(), 1);
        QVERIFY(testhelpers::signalled(failed, 30000));
        QVERIFY(!failed.first().first().toString().isEmpty());
        QVERIFY(loaded.isEmpty());
        QVERIFY(lm.modelDir().isEmpty());
        QVERIFY(lmOptions().modelDir.empty());
        QTRY_COMPARE_WITH_TIMEOUT(lm.status(), before, 30000);
    }

    void trainedModelLoads()
    {
        const QString dir = m_tmp.filePath(QStringLiteral("tiny"));
        QVERIFY(testhelpers::trainTinyByteModel(dir.toStdString(), 5));
        LanguageModelController lm;
        QSignalSpy loaded(&lm, &LanguageModelController::loaded);
        QSignalSpy failed(&lm, &LanguageModelController::failed);
        lm.load(dir, QStringLiteral("cpu"));
        QVERIFY(testhelpers::signalled(loaded, 60000));
        QVERIFY(failed.isEmpty());
        QCOMPARE(lm.modelDir(), dir);
        QCOMPARE(QString::fromStdString(lmOptions().modelDir), dir);
        QTRY_VERIFY_WITH_TIMEOUT(lm.status().contains(QStringLiteral("tiny")), 30000);
        // The model was loaded through the plugin, and with it libtorch.
        QVERIFY(lm::lmBackendLoaded());
        QVERIFY(torchLoaded());
    }
#endif
};

QTEST_MAIN(TestLanguageModelController)
#include "tst_languagemodelcontroller.moc"
