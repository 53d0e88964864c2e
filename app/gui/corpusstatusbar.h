#pragma once
// The window's status bar: what is open, the language model in use, and while a scan runs its
// progress (fixed scale), rate, ETA and a Cancel button; afterwards the scan's summary.

#include <QStatusBar>

#include <cstdint>

class QLabel;
class QProgressBar;
class QPushButton;

namespace shardscope {

struct ColumnOutcome;
struct FullPassEstimate;
struct SampleScope;
struct ColumnProgress;
struct ScanOutcome;
struct ScanProgress;

class CorpusStatusBar : public QStatusBar {
    Q_OBJECT
public:
    explicit CorpusStatusBar(QWidget* parent = nullptr);

    // Left: the open corpus (shards, fields) or a hint.
    void setCorpusText(const QString& text);
    void setLanguageModelStatus(const QString& text, const QString& toolTip);
    QString languageModelStatus() const;

    // No scan: no progress, no note.
    void clearScan();
    void showOpening();
    void showProgress(const ScanProgress& progress);
    void showCancelled(uint64_t documentsKept);
    // The summary of a complete scan (documents, time, rejected records with the first few
    // reasons as a tooltip) and, for a while, what the scores cache had to say.
    void showFinished(const ScanOutcome& outcome, uint64_t documents);
    // Columns being scored for the shown table (the language model): documents done, tokens/s, ETA,
    // with the Cancel button; then what came of it.
    void showColumnProgress(const ColumnProgress& progress);
    void showColumnsFinished(const ColumnOutcome& outcome);
    void showColumnsCancelled(const QStringList& columns, uint64_t rowsFilled, uint64_t rowsTotal);
    // Sample first (issue 21): while a sample is drawn, and while it is on display, "Sample: n of N documents
    // (p%, seed S)" with, as long as the full pass can still be stopped, the Stop at sample button; the full
    // pass's progress takes the progress bar.
    void showDrawingSample(double probability, uint64_t seed);
    void showSample(const SampleScope& sample, bool fullPassFollows);
    // `passFraction` < 1: the pass draws a larger sample (issue 21: the rest of the corpus in random order).
    void showFullPassProgress(const ScanProgress& progress, double passFraction = 1.0);
    void setFullPassEstimate(const FullPassEstimate& estimate);
    void showStoppedAtSample();
    void clearSample();
    QString sampleText() const;
    QPushButton* stopAtSampleButton() const { return m_stopAtSample; }
    // "Full pass: about 3 min (zlib6, zstd3) · about 2 h 10 min with the language model".
    static QString fullPassText(const FullPassEstimate& estimate);

    // A note where the scan's summary goes ("Could not open", the language model loading).
    void showNote(const QString& text);

    static QString humanSeconds(double seconds);

Q_SIGNALS:
    void cancelRequested();
    void stopAtSampleRequested();

private:
    void showRunning(bool running);

    QLabel* m_corpus = nullptr;
    QLabel* m_lm = nullptr;
    QLabel* m_note = nullptr;
    QProgressBar* m_progress = nullptr;
    QPushButton* m_cancel = nullptr;
    QLabel* m_sample = nullptr;
    QPushButton* m_stopAtSample = nullptr;
    QString m_sampleText;
    QString m_estimateText;
};

} // namespace shardscope
