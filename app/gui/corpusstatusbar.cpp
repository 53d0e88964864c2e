#include "corpusstatusbar.h"

#include "addscorerdialog.h"
#include "corpussession.h"
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
    m_sample = new QLabel(this);
    m_sample->setObjectName(QStringLiteral("sampleStatus"));
    m_stopAtSample = new QPushButton(tr("Stop at sample"), this);
    m_stopAtSample->setObjectName(QStringLiteral("stopAtSample"));
    m_stopAtSample->setToolTip(tr("Keep the sample on display and do not score the rest of the corpus"));
    connect(m_stopAtSample, &QPushButton::clicked, this, &CorpusStatusBar::stopAtSampleRequested);
    addWidget(m_corpus, 1);
    addPermanentWidget(m_sample);
    addPermanentWidget(m_stopAtSample);
    addPermanentWidget(m_lm);
    addPermanentWidget(m_note);
    addPermanentWidget(m_progress);
    // The note and the model's line give way (clipped, whole in their tooltips) rather than widen the window past
    // the screen: with a sample on display, its line, the full-pass estimate, the model and the progress did at
    // 1600 px. The sample's line keeps its full width (fitText).
    m_note->setMinimumWidth(60);
    m_lm->setMinimumWidth(60);
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
    if (!running)
        m_stopAtSample->hide();
}

void CorpusStatusBar::clearScan()
{
    showRunning(false);
    m_note->hide();
    clearSample();
}

void CorpusStatusBar::clearSample()
{
    m_sampleText.clear();
    m_estimateText.clear();
    m_sample->clear();
    m_sample->setMinimumWidth(0);
    m_sample->hide();
    m_stopAtSample->hide();
}

QString CorpusStatusBar::sampleText() const
{
    return m_sample->isHidden() ? QString() : m_sample->text();
}

// The sample's line takes its full width: where the figures come from, and what a full pass costs, is the point
// of it (the corpus text on the left gives way instead).
static void fitText(QLabel* label, const QString& text)
{
    label->setText(text);
    label->setMinimumWidth(label->sizeHint().width());
}

void CorpusStatusBar::showDrawingSample(double probability, uint64_t seed)
{
    m_sampleText = tr("Drawing a sample: %1% of the records (seed %2)")
                       .arg(QLocale().toString(probability * 100, 'g', 3))
                       .arg(qulonglong(seed));
    fitText(m_sample, m_sampleText);
    m_sample->setToolTip(tr("Each record is chosen independently at random, the same ones for the same seed: the "
                            "sample is spread over the whole corpus, never its first part."));
    m_sample->show();
    m_stopAtSample->show();
}

void CorpusStatusBar::showSample(const SampleScope& s, bool fullPassFollows)
{
    const QLocale loc;
    m_sampleText = tr("Sample: %1 of %2 documents (%3%, seed %4)")
                       .arg(loc.toString(qulonglong(s.documents)),
                           (s.populationExact ? QString() : tr("about "))
                               + loc.toString(qulonglong(std::llround(s.populationDocuments()))),
                           loc.toString(s.probability * 100, 'g', 3))
                       .arg(qulonglong(s.seed));
    fitText(m_sample, m_estimateText.isEmpty() ? m_sampleText : m_sampleText + QStringLiteral(" · ") + m_estimateText);
    m_sample->setToolTip(tr("Figures are estimated from a uniform random sample of the corpus (%1 of %2 records "
                            "read); each shows its 95% interval until the full pass makes them exact.")
                             .arg(loc.toString(qulonglong(s.sampled)), loc.toString(qulonglong(s.population))));
    m_sample->show();
    m_stopAtSample->setVisible(fullPassFollows);
    if (fullPassFollows) {
        showRunning(true);
        m_cancel->hide(); // Stop at sample ends the full pass and keeps the sample
        m_stopAtSample->show();
        m_progress->setValue(0);
        m_progress->setFormat(QStringLiteral("0%"));
        showNote(tr("Full pass: starting…"));
    } else {
        showRunning(false);
        showNote(tr("Stopped at the sample"));
    }
}

void CorpusStatusBar::showFullPassProgress(const ScanProgress& p, double passFraction)
{
    showRunning(true);
    m_cancel->hide(); // the full pass is stopped with Stop at sample, which keeps the sample
    m_stopAtSample->show();
    m_progress->setValue(int(std::lround(p.fraction() * 1000)));
    m_progress->setFormat(QStringLiteral("%1%").arg(int(p.fraction() * 100)));
    // the bar shows how far it is
    if (passFraction < 1.0)
        showNote(tr("Sample → %1% · ETA %2")
                     .arg(QLocale().toString(passFraction * 100, 'g', 2), humanSeconds(p.etaSeconds)));
    else
        showNote(tr("Full pass · ETA %1").arg(humanSeconds(p.etaSeconds)));
}

QString CorpusStatusBar::fullPassText(const FullPassEstimate& e)
{
    const QString scorers = e.scorers.size() <= 3 ? e.scorers.join(QStringLiteral(", "))
                                                  : tr("%n scorers", nullptr, int(e.scorers.size()));
    QString text = tr("Full pass: %1 (%2)").arg(AddScorerDialog::humanDuration(e.seconds()), scorers);
    if (e.languageModelSeconds >= 0)
        text += tr(" · %1 with the language model").arg(AddScorerDialog::humanDuration(e.languageModelSeconds));
    return text;
}

void CorpusStatusBar::setFullPassEstimate(const FullPassEstimate& e)
{
    m_estimateText = fullPassText(e);
    if (!m_sampleText.isEmpty())
        fitText(m_sample, m_sampleText + QStringLiteral(" · ") + m_estimateText);
    m_stopAtSample->setToolTip(
        tr("Keep the sample on display and do not score the rest of the corpus.\n%1\n"
           "Reading the corpus took %2 when the sample was drawn; each scorer was timed on "
           "texts of the sample: %3.")
            .arg(m_estimateText, AddScorerDialog::humanDuration(e.readSeconds), e.scorers.join(QStringLiteral(", "))));
}

void CorpusStatusBar::showStoppedAtSample()
{
    showRunning(false);
    m_stopAtSample->hide();
    showNote(tr("Stopped at the sample: figures stay estimates"));
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
