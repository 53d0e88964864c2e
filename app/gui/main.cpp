// shardscope: the desktop application.

#include "mainwindow.h"

#include <documenttablemodel.h>

#include <scorer.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QScreen>
#include <QTableView>
#include <QTimer>

#include <cstdio>

using namespace shardscope;

namespace {

// Reports the first paint of the main window (start-up benchmark) and/or quits after it.
class FirstPaintWatcher : public QObject {
public:
    FirstPaintWatcher(QElapsedTimer* clock, bool quit)
        : m_clock(clock)
        , m_quit(quit)
    {
    }

protected:
    bool eventFilter(QObject* watched, QEvent* event) override
    {
        if (event->type() == QEvent::Paint && !m_done) {
            m_done = true;
            std::fprintf(stdout, "first-paint-ms %lld\n", static_cast<long long>(m_clock->elapsed()));
            std::fflush(stdout);
            if (m_quit)
                QTimer::singleShot(0, qApp, &QCoreApplication::quit);
        }
        return QObject::eventFilter(watched, event);
    }

private:
    QElapsedTimer* m_clock;
    bool m_quit;
    bool m_done = false;
};

} // namespace

int main(int argc, char** argv)
{
    QElapsedTimer clock;
    clock.start();
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("shardscope"));
    QApplication::setApplicationName(QStringLiteral("shardscope"));
    QApplication::setApplicationDisplayName(QStringLiteral("Shardscope"));
    QApplication::setApplicationVersion(QStringLiteral(SHARDSCOPE_VERSION));
    QApplication::setDesktopFileName(QStringLiteral("shardscope"));

    QCommandLineParser parser;
    parser.setApplicationDescription(QStringLiteral(
        "Inspect LLM pretraining corpora: score documents, set cutoffs on histograms, export filter configs."));
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument(QStringLiteral("paths"),
        QStringLiteral("Shards (.jsonl, .jsonl.gz, .jsonl.zst, Common Crawl .warc.wet.gz, .warc.gz) or directories, "
                       "opened as one corpus."),
        QStringLiteral("[paths...]"));
    QCommandLineOption demo(QStringLiteral("demo"),
                            QStringLiteral("Open this corpus when no path is given (default: $SHARDSCOPE_DEMO_CORPUS, "
                                           "used when there is no recent corpus either)."),
                            QStringLiteral("path"));
    QCommandLineOption config(QStringLiteral("config"), QStringLiteral("Load this filter config once the scan starts."),
                              QStringLiteral("file"));
    QCommandLineOption threads(QStringLiteral("threads"), QStringLiteral("Scan threads (default: all cores)."),
                               QStringLiteral("n"), QStringLiteral("0"));
    QCommandLineOption scorers(QStringLiteral("scorers"),
                               QStringLiteral("Comma-separated scorers to run (default: all; see shardscope-cli scorers)."),
                               QStringLiteral("list"), QStringLiteral("all"));
    QCommandLineOption model(QStringLiteral("model"),
                             QStringLiteral("Language model directory for the lm scorer and the token-loss view "
                                            "(default: the built-in byte-level model). Add lm to --scorers to score with it."),
                             QStringLiteral("dir"));
    QCommandLineOption device(QStringLiteral("device"),
                              QStringLiteral("Where the language model runs: auto, cpu or cuda:N (default: auto)."),
                              QStringLiteral("device"), QStringLiteral("auto"));
    QCommandLineOption noCache(QStringLiteral("no-cache"), QStringLiteral("Rescore even when cached scores exist."));
    QCommandLineOption screenshot(QStringLiteral("screenshot"),
                                  QStringLiteral("When the scan and statistics are done, save a screenshot of the "
                                                 "window to this PNG file and quit (CI smoke test)."),
                                  QStringLiteral("file.png"));
    QCommandLineOption firstPaint(QStringLiteral("exit-after-first-paint"),
                                  QStringLiteral("Print the time to the first painted window and quit (benchmark)."));
    firstPaint.setFlags(QCommandLineOption::HiddenFromHelp);
    parser.addOptions({ demo, config, threads, scorers, model, device, noCache, screenshot, firstPaint });
    parser.process(app);

    registerBuiltinScorers();

    MainWindow window;
    window.setThreads(parser.value(threads).toInt());
    window.setUseCache(!parser.isSet(noCache));
    window.setScorers(parser.value(scorers).toStdString());
    window.setLanguageModel(parser.value(model), parser.value(device));
    FirstPaintWatcher watcher(&clock, parser.isSet(firstPaint));
    window.installEventFilter(&watcher);
    window.show();

    const QStringList paths = parser.positionalArguments();
    const QString demoPath = parser.isSet(demo) ? parser.value(demo) : qEnvironmentVariable("SHARDSCOPE_DEMO_CORPUS");
    if (!parser.isSet(firstPaint)) {
        // Opening starts after the first frame so the window appears at once.
        QTimer::singleShot(0, &window, [&]() {
            if (!paths.isEmpty())
                window.openInputs(paths);
            else if (parser.isSet(demo))
                window.openInputs({ demoPath });
            else if (!window.openMostRecent() && !demoPath.isEmpty())
                window.openInputs({ demoPath });
            if (parser.isSet(config)) {
                QObject::connect(&window, &MainWindow::statsUpdated, &window, [&window, path = parser.value(config)]() {
                    static bool loaded = false;
                    if (loaded)
                        return;
                    loaded = true;
                    QString error;
                    if (!window.loadFilterConfig(path, &error))
                        std::fprintf(stderr, "shardscope: %s\n", qPrintable(error));
                });
            }
        });
    }
    if (parser.isSet(screenshot)) {
        const QString out = parser.value(screenshot);
        auto grab = [&window, out]() {
            // Show a document too, so the shot covers the reader and the viewer.
            if (window.tableModel()->rowCount() > 0 && !window.tableView()->currentIndex().isValid())
                window.tableView()->setCurrentIndex(window.tableModel()->index(0, 1));
            QTimer::singleShot(800, &window, [&window, out]() {
                const bool ok = window.grab().save(out);
                std::fprintf(ok ? stdout : stderr, ok ? "screenshot %s\n" : "shardscope: could not write %s\n",
                             qPrintable(out));
                if (!window.lastError().isEmpty())
                    std::fprintf(stderr, "shardscope: %s\n", qPrintable(window.lastError()));
                QCoreApplication::exit(ok ? 0 : 1);
            });
        };
        QObject::connect(&window, &MainWindow::scanFinished, &window, [&window, grab]() {
            if (window.statsReady())
                grab();
            else
                QObject::connect(&window, &MainWindow::statsUpdated, &window, grab, Qt::SingleShotConnection);
        });
        // Nothing to open: grab the empty window.
        QTimer::singleShot(2000, &window, [&window, grab]() {
            if (!window.scanRunning() && !window.corpus())
                grab();
        });
    }
    return app.exec();
}
