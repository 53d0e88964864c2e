#pragma once
// Language Model > Train Reference Model… (issue 22, part 1): the neural reference model of the open corpus in one
// action. It trains the byte-level model (core/lm/lmtrain.h) off the GUI thread on a uniform random sample of the
// corpus within a time budget (on the GPU when there is one: device auto), saves it with its provenance in the
// corpus's cache directory (core/lm/referencelm.h: <cache>/reference-lm/, where `train-lm --for-corpus` writes it
// too), then scores the lm columns with it on a uniform random sample of the table's documents first, added at
// once as columns of the table on display (CorpusSession::addComputedColumns), and on the whole corpus when asked
// (scoreWholeCorpus: CorpusSession::scoreColumns, which caches the complete columns). When a corpus opens whose
// cache directory holds a reference model, the model is found again (modelChanged, summary()) and offered.
// The n-gram reference (NgramReferenceController) is the same flow for the n-gram model.
// GUI thread only; one job (training or sample scoring) at a time, with an id: results of a superseded job, or of
// another corpus, are dropped.

#include "jobtracker.h"

#include <fieldmapping.h>
#include <scorer.h>

#include <QElapsedTimer>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

namespace shardscope {

class CorpusSession;

namespace lm {
struct TrainOptions;
}

class ReferenceLmController : public QObject {
    Q_OBJECT
public:
    // Follows the corpora `session` opens (their cache directory) and adds columns to its table.
    explicit ReferenceLmController(CorpusSession* session, QObject* parent = nullptr);
    ~ReferenceLmController() override;

    // Whether this build can train and run a language model.
    static bool available();

    // The corpus the model is for (the session calls it when a corpus starts); an empty cacheDir forgets it.
    // Looks for a model saved there before (modelChanged when the answer changes).
    void setCorpus(const std::vector<std::string>& shards, const FieldMapping& fields, const std::string& cacheDir);
    // The reference model of the open corpus ("" when there is none), and its scorer spec (`lm:model=DIR,device=`).
    const QString& modelDir() const { return m_modelDir; }
    QString scorerSpec() const;
    // Where the model of the open corpus is saved ("" with no corpus).
    QString targetDir() const;
    // How the model was trained: one line for the status bar ("Reference LM: 3.62 bpb held out, 5 min on cpu,
    // 20,000 docs"), the details for a tooltip.
    const QString& summary() const { return m_summary; }
    const QString& details() const { return m_details; }

    // The device scoring uses ("auto": the GPU when there is one).
    void setDevice(const QString& device) { m_device = device.isEmpty() ? QStringLiteral("auto") : device; }
    const QString& device() const { return m_device; }

    // Trains with `options` (shape, budget, sample limits, seed, device; inputs, text field and output are the
    // corpus's); returns at once. When it is done the model is saved, modelChanged() and trained() follow, and,
    // with scoreSampleAfter, scoreSample(). False when no corpus is set or a job runs.
    // With autoShape the shape is the one that learns most in the budget on the device (core/lm/lmshape.h),
    // chosen off the GUI thread once "auto" is resolved.
    bool train(const lm::TrainOptions& options, bool scoreSampleAfter = true, bool autoShape = false);
    // Scores the lm columns with the model for a uniform random sample of the table's documents (at most
    // `documents`, and what `budgetSeconds` allows: each prefix of the random order is a uniform sample), then adds
    // them to the table, the other documents missing. False when there is no model, table or the job cannot start.
    bool scoreSample(size_t documents = kSampleDocuments, double budgetSeconds = kSampleSeconds);
    // The lm columns for every document (CorpusSession::scoreColumns): they replace the sample's, fill in as
    // batches finish and go into the scores cache when complete. False when there is no model or corpus.
    bool scoreWholeCorpus();
    bool running() const { return m_running; }
    void cancel();

    static constexpr size_t kSampleDocuments = 2000;
    static constexpr double kSampleSeconds = 60;
    // The default sample to train on: about this much text, drawn uniformly from the whole corpus. A 5-minute
    // CPU budget sees about a million bytes of it (issue 22: 3,400 tokens/s on 2 cores for 3.3M parameters), a GPU
    // a few hundred million; every 20th document is held out and measured after the budget (about 1 MB here,
    // a minute or two on a CPU).
    static constexpr double kDefaultSampleMegabytes = 20;

Q_SIGNALS:
    // Training: what it is doing ("Reading a sample of the corpus…"), then the fraction of the budget used, the
    // time left (-1: unknown yet), the step and its bits per byte; at most ten a second.
    void phaseChanged(const QString& text);
    void progress(double fraction, double etaSeconds, qint64 step, double bpb);
    void logLine(const QString& line);
    // The model is saved in modelDir(); `spec` scores it.
    void trained(const QString& spec);
    // Sample scoring: documents scored so far, of those chosen.
    void sampleProgress(quint64 done, quint64 chosen);
    // The columns are about to be added to the table (the window puts them on display).
    void columnsComing();
    // The sample's columns are in the table: `scored` documents of `total`.
    void sampleScored(quint64 scored, quint64 total);
    void cancelled();
    void failed(const QString& message);
    void modelChanged();
    // One line for the status bar: the model found or trained, the training's progress (once a second), the sample.
    void note(const QString& text);

private:
    void loadProvenance();
    JobTracker::Token startJob();

    CorpusSession* m_session = nullptr;
    std::vector<std::string> m_shards;
    FieldMapping m_fields;
    std::string m_cacheDir;
    QString m_modelDir;
    QString m_summary, m_details;
    QString m_device = QStringLiteral("auto");
    JobTracker m_jobs;
    bool m_running = false;
    std::shared_ptr<std::atomic<bool>> m_stop;
    QElapsedTimer m_lastNote;
};

} // namespace shardscope
