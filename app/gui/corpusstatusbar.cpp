#include "corpusstatusbar.h"

#include "scancontroller.h"

#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>

#include <algorithm>
#include <cmath>

namespace shardscope {

CorpusStatusBar::CorpusStatusBar(QWidget* parent)
    : QStatusBar(parent)
{
    m_corpus = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1000);
    m_progress->setMaximumWidth(220);
    m_progress->setTextVisible(true);
    m_note = new QLabel(this);
    m_cancel = new QPushButton(tr("Cancel"), this);
    m_cancel->setObjectName(QStringLiteral("cancelScan"));
    connect(m_cancel, &QPushButton::clicked, this, &CorpusStatusBar::cancelRequested);
    m_lm = new QLabel(this);
    m_lm->setObjectName(QStringLiteral("languageModelStatus"));
    addWidget(m_corpus, 1);
    addPermanentWidget(m_lm);
    addPermanentWidget(m_note);
    addPermanentWidget(m_progress);
    addPermanentWidget(m_cancel);
    clearScan();
}

QString CorpusStatusBar::humanSeconds(double s)
{
    if (s < 0)
        return QStringLiteral("?");
    if (s < 90)
        return QStringLiteral("%1 s").arg(int(std::lround(s)));
    return QStringLiteral("%1:%2 min").arg(int(s) / 60).arg(int(s) % 60, 2, 10, QLatin1Char('0'));
}

void CorpusStatusBar::setCorpusText(const QString& text)
{
    m_corpus->setText(text);
}

void CorpusStatusBar::setLanguageModelStatus(const QString& text, const QString& toolTip)
{
    m_lm->setText(text);
    if (!toolTip.isEmpty())
        m_lm->setToolTip(toolTip);
}

QString CorpusStatusBar::languageModelStatus() const
{
    return m_lm->text();
}

void CorpusStatusBar::showRunning(bool running)
{
    m_progress->setVisible(running);
    m_cancel->setVisible(running);
}

void CorpusStatusBar::clearScan()
{
    showRunning(false);
    m_note->hide();
}

void CorpusStatusBar::showOpening()
{
    m_progress->setValue(0);
    showRunning(true);
    showNote(tr("Opening…"));
}

void CorpusStatusBar::showProgress(const ScanProgress& p)
{
    m_progress->setValue(int(std::lround(p.fraction() * 1000)));
    m_progress->setFormat(QStringLiteral("%1%").arg(int(p.fraction() * 100)));
    const QLocale loc;
    m_note->setText(tr("%1 docs · %2 docs/s · %3 MB/s · ETA %4")
                        .arg(loc.toString(qulonglong(p.docs)), loc.toString(qlonglong(std::llround(p.docsPerSecond))),
                            QString::number(p.mbPerSecond, 'f', 1), humanSeconds(p.etaSeconds)));
}

void CorpusStatusBar::showCancelled(uint64_t documentsKept)
{
    showRunning(false);
    m_note->setText(tr("Cancelled — %L1 documents read are kept").arg(qulonglong(documentsKept)));
}

void CorpusStatusBar::showFinished(const ScanOutcome& outcome, uint64_t documents)
{
    showRunning(false);
    const QLocale loc;
    QString summary = outcome.fromCache
        ? tr("%1 documents (scores from the cache, not rescored)").arg(loc.toString(qulonglong(documents)))
        : tr("%1 documents scored in %2").arg(loc.toString(qulonglong(documents)), humanSeconds(outcome.seconds));
    if (outcome.rejected)
        summary += tr(" · %1 records rejected").arg(loc.toString(qulonglong(outcome.rejected)));
    showNote(summary);
    if (outcome.errors.empty() && outcome.rejected && !outcome.rejects.empty()) {
        QStringList lines;
        for (size_t i = 0; i < outcome.rejects.size() && i < 5; ++i) {
            const auto& r = outcome.rejects[i];
            const QString path
                = r.shard < outcome.shards.size() ? QString::fromStdString(outcome.shards[r.shard].path) : QString();
            lines
                << tr("%1:%2 (byte %3): %4").arg(path).arg(r.line).arg(r.offset).arg(QString::fromStdString(r.reason));
        }
        m_note->setToolTip(lines.join(QLatin1Char('\n')));
    }
    if (!outcome.cacheWarning.empty())
        showMessage(tr("Scores were not cached: %1").arg(QString::fromStdString(outcome.cacheWarning)), 8000);
    else if (!outcome.cacheNote.empty())
        showMessage(QString::fromStdString(outcome.cacheNote), 8000);
}

void CorpusStatusBar::showColumnProgress(const ColumnProgress& p)
{
    showRunning(true);
    const double fraction = p.bytesTotal ? std::min(1.0, double(p.bytesDone) / double(p.bytesTotal)) : 0.0;
    m_progress->setValue(int(std::lround(fraction * 1000)));
    m_progress->setFormat(QStringLiteral("%1%").arg(int(fraction * 100)));
    const QLocale loc;
    QString text = tr("Scoring %1: %2 of %3 documents")
                       .arg(p.columns.join(QStringLiteral(", ")), loc.toString(qulonglong(p.rowsDone)),
                           loc.toString(qulonglong(p.rowsTotal)));
    if (p.modelTokens > 0)
        text += tr(" · %1 tokens/s").arg(loc.toString(qlonglong(std::llround(p.tokensPerSecond))));
    text += tr(" · ETA %1").arg(p.etaSeconds < 0 ? tr("estimating…") : humanSeconds(p.etaSeconds));
    showNote(text);
}

void CorpusStatusBar::showColumnsFinished(const ColumnOutcome& outcome)
{
    showRunning(false);
    const QLocale loc;
    if (!outcome.error.isEmpty()) {
        showNote(tr("Scoring %1 stopped: %2 of %3 documents scored")
                     .arg(outcome.columns.join(QStringLiteral(", ")), loc.toString(qulonglong(outcome.rowsFilled)),
                         loc.toString(qulonglong(outcome.rowsTotal))));
        m_note->setToolTip(outcome.error);
        return;
    }
    showNote(tr("%1 scored for %2 documents in %3")
                 .arg(outcome.columns.join(QStringLiteral(", ")), loc.toString(qulonglong(outcome.rowsFilled)),
                     humanSeconds(outcome.seconds)));
    if (!outcome.cacheWarning.isEmpty())
        showMessage(outcome.cacheWarning, 8000);
}

void CorpusStatusBar::showColumnsCancelled(const QStringList& columns, uint64_t rowsFilled, uint64_t rowsTotal)
{
    showRunning(false);
    const QLocale loc;
    showNote(tr("Cancelled — %1 scored for %2 of %3 documents (the rest are missing); the other scores are kept")
                 .arg(columns.join(QStringLiteral(", ")), loc.toString(qulonglong(rowsFilled)),
                     loc.toString(qulonglong(rowsTotal))));
}

void CorpusStatusBar::showNote(const QString& text)
{
    m_note->setText(text);
    m_note->show();
}

} // namespace shardscope
