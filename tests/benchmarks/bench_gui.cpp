// GUI benchmarks (issue #3, "Performance"). Prints figures; not a pass/fail test.
//
//   bench_gui [--docs N] [--scorers LIST] [--skip-scan]
//
// 1. Sorting N (default 1,000,000) rows by a score column: the model's row computation on its
//    own, and sort() to rows swapped in (worker round trip included).          target <= 300 ms
// 2. A cutoff change to updated counts at N documents: FilterEvaluator alone, and a real
//    mouse drag on a HistogramWidget through to the ThresholdPanel labels.     target <= 16 ms
// 3. Worst lateness of a 10 ms timer while the main window scans ../shared/data/bench.
//                                                                              target <= 50 ms
// 4. Start to first painted window of the shardscope binary (median of 5).   target <= 1 s
//
//   bench_gui --open DIR: the main window opening DIR from its cached scores (issue 21: ten million documents):
//   time to table and histograms, timer lateness, anonymous and file-backed memory, sorts and a drag.
//   bench_gui --sample-open DIR: the same corpus without cached scores: the sample first (time to its histograms).
//
// Run with QT_QPA_PLATFORM=offscreen (or under Xvfb) on an otherwise idle machine.

#include "testpaths.h"

#include <columnsummary.h>
#include <corpusdata.h>
#include <corpussession.h>
#include <documenttablemodel.h>
#include <filterevaluator.h>
#include <histogramwidget.h>
#include <mainwindow.h>
#include <qcustomplot_include.h>
#include <thresholdpanel.h>

#include <QApplication>
#include <QCommandLineParser>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QHBoxLayout>
#include <QProcess>
#include <QSignalSpy>
#include <QTest>
#include <QTimer>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <random>

#include <time.h>

using namespace shardscope;

namespace {

double median(std::vector<double> v)
{
    std::sort(v.begin(), v.end());
    return v.empty() ? 0 : v[v.size() / 2];
}

// CPU time of the calling thread in ms: unlike wall time, not inflated when other processes hold the cores.
double threadCpuMs()
{
    timespec ts {};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return double(ts.tv_sec) * 1e3 + double(ts.tv_nsec) / 1e6;
}

std::shared_ptr<CorpusData> makeCorpus(size_t n)
{
    auto c = std::make_shared<CorpusData>();
    c->setColumns({ ColumnInfo { "zlib6", "", {} }, ColumnInfo { "zstd3", "", {} } });
    std::vector<std::string> groups { "" };
    for (int g = 0; g < 30; ++g)
        groups.push_back("group/" + std::to_string(g));
    c->setGroupNames(groups);
    c->reserve(n);
    std::mt19937 rng(5);
    std::normal_distribution<float> z(0.45f, 0.12f);
    std::uniform_int_distribution<uint32_t> g(1, 30), bytes(50, 20000);
    std::vector<float> s(2);
    for (size_t i = 0; i < n; ++i) {
        s[0] = z(rng);
        s[1] = s[0] * 1.05f + 0.02f;
        c->appendSynthetic("https://example.org/doc/" + std::to_string(i * 7919 % n), g(rng), bytes(rng), s);
    }
    return c;
}

void benchSort(const std::shared_ptr<CorpusData>& corpus)
{
    std::printf("\n== 1. sort %zu rows by a score (target <= 300 ms)\n", corpus->size());
    DocumentTableModel model;
    model.setCorpus(corpus);
    std::vector<double> core, full;
    for (int rep = 0; rep < 5; ++rep) {
        DocumentTableModel::RowQuery q;
        q.docs = corpus->size();
        q.sortColumn = DocumentTableModel::FirstScoreColumn;
        q.order = rep % 2 ? Qt::DescendingOrder : Qt::AscendingOrder;
        QElapsedTimer t;
        t.start();
        q.floatKeys = corpus->scores(0).toVector();   // the copy the model takes on the GUI thread
        auto rows = DocumentTableModel::computeRows(q);
        core.push_back(t.nsecsElapsed() / 1e6);

        QSignalSpy done(&model, &DocumentTableModel::rowsRecomputed);
        t.restart();
        model.sort(DocumentTableModel::FirstScoreColumn + (rep % 2), rep % 2 ? Qt::AscendingOrder : Qt::DescendingOrder);
        // Wait in the event loop (not a busy loop, which would take a core from the worker).
        if (done.count() == 0)
            done.wait(10000);
        full.push_back(t.nsecsElapsed() / 1e6);
    }
    std::printf("row computation (copy keys + radix sort): median %.1f ms, max %.1f ms\n", median(core),
                *std::max_element(core.begin(), core.end()));
    std::printf("model.sort() to rows swapped in:          median %.1f ms, max %.1f ms\n", median(full),
                *std::max_element(full.begin(), full.end()));
}

void benchCutoff(const std::shared_ptr<CorpusData>& corpus)
{
    std::printf("\n== 2. cutoff change to updated counts at %zu docs (target <= 16 ms)\n", corpus->size());
    std::vector<double> one, two;
    FilterEvaluator ev;
    std::vector<uint8_t> keep;
    for (int i = 0; i < 30; ++i) {
        FilterRule r;
        r.column = "zlib6";
        r.bounds.min = 0.2 + 0.01 * i;
        ev.setRules({ r });
        QElapsedTimer t;
        t.start();
        ev.evaluate(*corpus, &keep);
        one.push_back(t.nsecsElapsed() / 1e6);
        FilterRule r2;
        r2.column = "zstd3";
        r2.bounds.max = 0.8;
        ev.setRules({ r, r2 });
        t.restart();
        ev.evaluate(*corpus, &keep);
        two.push_back(t.nsecsElapsed() / 1e6);
    }
    std::printf("FilterEvaluator, 1 rule:  median %.2f ms, max %.2f ms\n", median(one), *std::max_element(one.begin(), one.end()));
    std::printf("FilterEvaluator, 2 rules: median %.2f ms, max %.2f ms\n", median(two), *std::max_element(two.begin(), two.end()));

    // The real chain: a mouse move on the plot -> line moves -> boundsChanged -> evaluate ->
    // threshold panel labels and per-group table.
    SummaryInput in;
    in.names = { "zlib6" };
    in.columns = { corpus->scores(0).toVector() };
    in.groups = corpus->groups();
    in.groupCount = corpus->groupNames().size();
    const CorpusSummary summary = summarize(in);
    QWidget window;
    auto* layout = new QHBoxLayout(&window);
    auto* hist = new HistogramWidget(QStringLiteral("zlib6"), &window);
    auto* panel = new ThresholdPanel(&window);
    layout->addWidget(hist, 2);
    layout->addWidget(panel, 1);
    window.resize(1000, 450);
    hist->setSummary(*summary.column("zlib6"), corpus->groupNames());
    QObject::connect(hist, &HistogramWidget::boundsChanged, &window, [&]() {
        FilterRule r;
        r.column = "zlib6";
        r.bounds.min = hist->minCutoff();
        r.bounds.max = hist->maxCutoff();
        FilterEvaluator e;
        e.setRules({ r });
        const FilterCounts fc = e.evaluate(*corpus, &keep);
        panel->setRules(e.rules());
        panel->setCounts(fc, corpus->groupNames());
    });
    window.show();
    if (!QTest::qWaitForWindowExposed(&window))
        return;
    hist->plot()->replot();
    QTest::qWait(50);
    const int y = hist->plot()->axisRect()->rect().center().y();
    const double start = hist->linePixel(HistogramWidget::Edge::Min);
    QTest::mousePress(hist->plot(), Qt::LeftButton, {}, QPoint(int(start), y));
    std::vector<double> drag;
    for (int i = 1; i <= 60; ++i) {
        QElapsedTimer t;
        t.start();
        QTest::mouseMove(hist->plot(), QPoint(int(start) + i * 4, y));
        QCoreApplication::processEvents(); // the layer repaint and label updates
        drag.push_back(t.nsecsElapsed() / 1e6);
    }
    QTest::mouseRelease(hist->plot(), Qt::LeftButton, {}, QPoint(int(start) + 240, y));
    if (!hist->minCutoff())
        std::printf("warning: the drag did not grab the line (press at %.1f px, plot %dx%d)\n", start,
                    hist->plot()->width(), hist->plot()->height());
    else
        std::printf("dragged the minimum to %.4f: %s\n", *hist->minCutoff(), qPrintable(panel->droppedText()));
    std::printf("mouse drag on the plot to panel updated:  median %.2f ms, max %.2f ms (60 moves)\n", median(drag),
                *std::max_element(drag.begin(), drag.end()));
}

// The main window's own path: a drag on its histogram -> incremental recount -> panel and
// table. The first move creates the rule (a full pass); later moves visit only the documents
// between the old and the new cutoff.
void dragInWindow(MainWindow& w);

void benchWindowDrag(const std::shared_ptr<CorpusData>& corpus)
{
    MainWindow w;
    w.resize(1400, 900);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w))
        return;
    w.showCorpus(corpus);
    QElapsedTimer wait;
    wait.start();
    while (!w.statsReady() && wait.elapsed() < 60000)
        QTest::qWait(20);
    dragInWindow(w);
}

void dragInWindow(MainWindow& w)
{
    HistogramWidget* h = w.histogram(QStringLiteral("zlib6"));
    if (!h)
        return;
    QTest::qWait(100);
    h->plot()->replot();
    const int y = h->plot()->axisRect()->rect().center().y();
    const double start = h->linePixel(HistogramWidget::Edge::Min);
    QTest::mousePress(h->plot(), Qt::LeftButton, {}, QPoint(int(std::lround(start)), y));
    std::vector<double> moves, cpu;
    for (int i = 1; i <= 80; ++i) {
        QElapsedTimer t;
        t.start();
        const double c0 = threadCpuMs();
        QTest::mouseMove(h->plot(), QPoint(int(std::lround(start)) + i * 3, y));
        QCoreApplication::processEvents();
        moves.push_back(t.nsecsElapsed() / 1e6);
        cpu.push_back(threadCpuMs() - c0);
    }
    QTest::mouseRelease(h->plot(), Qt::LeftButton, {}, QPoint(int(std::lround(start)) + 240, y));
    const double first = moves.front(), firstCpu = cpu.front();
    moves.erase(moves.begin());
    cpu.erase(cpu.begin());
    std::printf("main window, mouse move to counts and panel updated: first move %.1f ms (creates the rule), "
                "then median %.2f ms, max %.2f ms (%zu moves; kept %llu)\n",
                first, median(moves), *std::max_element(moves.begin(), moves.end()), moves.size(),
                static_cast<unsigned long long>(w.counts().total.kept));
    // The second half separately: a line's drag index is built on a worker after its first move (issue 21), and
    // moves recount document by document until it is in.
    const std::vector<double> late(cpu.begin() + std::ptrdiff_t(cpu.size() / 2), cpu.end());
    std::printf("  the same, GUI thread CPU per move: first %.1f ms, then median %.2f ms, max %.2f ms; last %zu moves "
                "max %.2f ms\n",
        firstCpu, median(cpu), *std::max_element(cpu.begin(), cpu.end()), late.size(),
        *std::max_element(late.begin(), late.end()));
}

// Runs the event loop (not a busy loop, which would take a core from the workers) until done() says so,
// asking every pollMs.
void waitUntil(const std::function<bool()>& done, int pollMs)
{
    QEventLoop loop;
    QTimer poll;
    QObject::connect(&poll, &QTimer::timeout, [&]() {
        if (done())
            loop.quit();
    });
    poll.start(pollMs);
    loop.exec();
}

// How late a 10 ms timer on the GUI thread fires: a stall of the event loop shows as lateness. On a shared
// machine lateness also counts the time the thread waited for a core, so the probe reports as well the GUI
// thread's own CPU time between two ticks (the work that blocked the loop, whatever the load).
class LatenessProbe {
public:
    LatenessProbe()
    {
        m_timer.setTimerType(Qt::PreciseTimer);
        m_timer.setInterval(10);
        QObject::connect(&m_timer, &QTimer::timeout, [this]() {
            m_late.push_back(std::max(0.0, m_clock.nsecsElapsed() / 1e6 - 10.0));
            m_clock.restart();
            const double cpu = threadCpuMs();
            m_busy.push_back(cpu - m_cpu);
            m_cpu = cpu;
        });
    }
    void start()
    {
        m_clock.start();
        m_cpu = threadCpuMs();
        m_timer.start();
    }
    void stop() { m_timer.stop(); }
    size_t ticks() const { return m_late.size(); }
    void print(const char* when) const
    {
        std::vector<double> sorted = m_late;
        std::sort(sorted.begin(), sorted.end());
        if (!sorted.empty())
            std::printf(
                "10 ms timer lateness %s: worst %.1f ms, p99 %.1f ms, median %.2f ms (target: no stall > 50 ms)\n",
                when, sorted.back(), sorted[sorted.size() * 99 / 100], sorted[sorted.size() / 2]);
        std::vector<double> busy = m_busy;
        std::sort(busy.begin(), busy.end());
        if (!busy.empty())
            std::printf("GUI thread CPU between two ticks %s: worst %.1f ms, p99 %.1f ms (load-independent part of "
                        "the stall)\n",
                when, busy.back(), busy[busy.size() * 99 / 100]);
    }

private:
    QElapsedTimer m_clock;
    QTimer m_timer;
    std::vector<double> m_late, m_busy;
    double m_cpu = 0;
};

void benchScanLateness(const QString& scorers)
{
    const QString bench = QString::fromStdString(testdata::shared("bench"));
    std::printf("\n== 3. worst 10 ms timer lateness while scanning %s with scorers=%s (target <= 50 ms)\n",
                qPrintable(bench), qPrintable(scorers));
    if (!QFileInfo::exists(bench)) {
        std::printf("skipped: %s not found\n", qPrintable(bench));
        return;
    }
    MainWindow w;
    w.setUseCache(false);
    w.setScorers(scorers.toStdString());
    w.resize(1400, 900);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w))
        return;
    QElapsedTimer total;
    LatenessProbe probe;
    bool finished = false;
    QObject::connect(&w, &MainWindow::scanFinished, [&]() { finished = true; });
    total.start();
    probe.start();
    w.openInputs({ bench });
    waitUntil([&]() { return finished && w.statsReady(); }, 50);
    probe.stop();
    std::printf("scan + statistics: %.1f s, %zu docs, %zu timer ticks\n", total.elapsed() / 1000.0,
        w.corpus() ? w.corpus()->size() : size_t(0), probe.ticks());
    probe.print("while scanning");
}

long statusKb(const char* key)
{
    QFile f(QStringLiteral("/proc/self/status"));
    if (!f.open(QIODevice::ReadOnly))
        return -1;
    const QByteArray prefix = QByteArray(key) + ':';
    for (const QByteArray& line : f.readAll().split('\n'))
        if (line.startsWith(prefix))
            return line.mid(prefix.size()).trimmed().split(' ').value(0).toLong();
    return -1;
}

void printMemory(const char* when)
{
    std::printf("memory %s: RssAnon %.1f MB (target < 1536), RssFile %.1f MB, VmHWM %.1f MB\n", when,
        double(statusKb("RssAnon")) / 1024, double(statusKb("RssFile")) / 1024, double(statusKb("VmHWM")) / 1024);
}

// Issue 21, part 2: the main window opening a corpus with its cached scores (bench_10m tile), as a user does.
void benchOpen(const QString& dir)
{
    std::printf("\n== open %s in the main window (cached scores)\n", qPrintable(dir));
    printMemory("before");
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w))
        return;
    QElapsedTimer total;
    LatenessProbe probe;
    bool finished = false;
    QObject::connect(&w, &MainWindow::scanFinished, [&]() { finished = true; });
    total.start();
    probe.start();
    w.openInputs({ dir });
    double tableAt = -1;
    waitUntil(
        [&]() {
            if (finished && tableAt < 0)
                tableAt = total.elapsed() / 1000.0;
            return finished && w.statsReady();
        },
        20);
    probe.stop();
    std::printf("open to table: %.2f s; to histograms and panel: %.2f s; %zu docs (reopen target < 3 s)\n", tableAt,
        total.elapsed() / 1000.0, w.corpus() ? w.corpus()->size() : size_t(0));
    probe.print("while opening");
    printMemory("after opening");
    if (auto* model = w.findChild<DocumentTableModel*>()) {
        for (int rep = 0; rep < 3; ++rep) {
            QSignalSpy done(model, &DocumentTableModel::rowsRecomputed);
            QElapsedTimer t;
            t.start();
            model->sort(DocumentTableModel::FirstScoreColumn + rep, rep % 2 ? Qt::AscendingOrder : Qt::DescendingOrder);
            if (done.count() == 0)
                done.wait(60000);
            std::printf("sort the table by score column %d: %.0f ms to rows swapped in (target < 3 s)\n", rep,
                t.nsecsElapsed() / 1e6);
        }
    }
    dragInWindow(w);
    printMemory("after sorting and dragging");
}

// Issue 21, part 1: a big corpus opened without cached scores shows a sample first. Time from the open to the
// sample's histograms and panel, the GUI thread's worst stall meanwhile, memory; then stops at the sample.
void benchSampleOpen(const QString& dir)
{
    std::printf("\n== open %s in the main window: sample first (no cached scores)\n", qPrintable(dir));
    MainWindow w;
    w.resize(1600, 1000);
    w.show();
    if (!QTest::qWaitForWindowExposed(&w))
        return;
    QElapsedTimer total;
    LatenessProbe probe;
    bool ready = false;
    double readyAt = -1;
    QObject::connect(w.session(), &CorpusSession::sampleReady, [&]() {
        ready = true;
        readyAt = total.elapsed() / 1000.0;
    });
    total.start();
    probe.start();
    w.openInputs({ dir });
    waitUntil([&]() { return ready && w.statsReady(); }, 20);
    probe.stop();
    const double shownAt = total.elapsed() / 1000.0;
    w.session()->stopAtSample();
    const SampleScope s = w.session()->sample();
    std::printf("sample of %llu documents of %s%llu: table at %.2f s, histograms and panel at %.2f s (target < 15 s)\n",
        static_cast<unsigned long long>(s.documents), s.populationExact ? "" : "about ",
        static_cast<unsigned long long>(s.population), readyAt, shownAt);
    probe.print("meanwhile");
    printMemory("with the sample shown");
    QTest::qWait(500);
}

void benchFirstPaint()
{
    std::printf("\n== 4. start to first painted window (target <= 1000 ms)\n");
#ifdef SHARDSCOPE_GUI_BINARY
    std::vector<double> wall, internal;
    QTemporaryDir config;
    for (int i = 0; i < 5; ++i) {
        QProcess p;
        QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
        env.insert(QStringLiteral("XDG_CONFIG_HOME"), config.path());
        p.setProcessEnvironment(env);
        QElapsedTimer t;
        t.start();
        p.start(QStringLiteral(SHARDSCOPE_GUI_BINARY), { QStringLiteral("--exit-after-first-paint") });
        p.waitForFinished(30000);
        wall.push_back(double(t.elapsed()));
        const QString out = QString::fromUtf8(p.readAllStandardOutput());
        const auto at = out.indexOf(QStringLiteral("first-paint-ms "));
        if (at >= 0)
            internal.push_back(out.mid(at + 15).section(QLatin1Char('\n'), 0, 0).toDouble());
    }
    std::printf("process start to exit after first paint: median %.0f ms, max %.0f ms\n", median(wall),
                *std::max_element(wall.begin(), wall.end()));
    if (!internal.empty())
        std::printf("main() to first paint event:             median %.0f ms\n", median(internal));
#else
    std::printf("skipped: built without SHARDSCOPE_GUI_BINARY\n");
#endif
}

} // namespace

int main(int argc, char** argv)
{
    QApplication app(argc, argv);
    QApplication::setOrganizationName(QStringLiteral("shardscope-bench"));
    QCommandLineParser parser;
    parser.addHelpOption();
    QCommandLineOption docs(QStringLiteral("docs"), QStringLiteral("Documents for benchmarks 1 and 2."), QStringLiteral("n"),
                            QStringLiteral("1000000"));
    QCommandLineOption scorers(QStringLiteral("scorers"), QStringLiteral("Scorers for the scan benchmark."),
                               QStringLiteral("list"), QStringLiteral("all"));
    QCommandLineOption skipScan(QStringLiteral("skip-scan"), QStringLiteral("Skip benchmark 3."));
    QCommandLineOption open(QStringLiteral("open"),
        QStringLiteral("Only open this corpus in the main window with its cached scores (default cache directory) and "
                       "print time, memory, sort and drag figures."),
        QStringLiteral("dir"));
    QCommandLineOption sampleOpen(QStringLiteral("sample-open"),
        QStringLiteral("Only open this corpus without cached scores: time to the first sampled histograms."),
        QStringLiteral("dir"));
    parser.addOptions({ docs, scorers, skipScan, open, sampleOpen });
    parser.process(app);
    if (parser.isSet(sampleOpen)) {
        registerBuiltinScorers();
        QTemporaryDir emptyCache;
        qputenv("SHARDSCOPE_CACHE_DIR", emptyCache.path().toLocal8Bit());
        benchSampleOpen(parser.value(sampleOpen));
        return 0;
    }
    if (parser.isSet(open)) {
        registerBuiltinScorers();
        benchOpen(parser.value(open));
        return 0;
    }
    QTemporaryDir cache;
    qputenv("SHARDSCOPE_CACHE_DIR", cache.path().toLocal8Bit());
    registerBuiltinScorers();

    auto corpus = makeCorpus(parser.value(docs).toULongLong());
    benchSort(corpus);
    benchCutoff(corpus);
    benchWindowDrag(corpus);
    corpus.reset();
    if (!parser.isSet(skipScan))
        benchScanLateness(parser.value(scorers));
    benchFirstPaint();
    return 0;
}
