#pragma once
// Language Model > Train N-gram Reference Model… (issue 22, parts 1-3): trains the byte-level n-gram reference
// model (core/ngramlm.h) on a uniform random sample of the open corpus off the GUI thread (core/ngramtrainer.h:
// the sampler of train-ngram --sample, never a prefix), saves it in the corpus's cache directory beside its
// scores, and hands its scorer spec (`ngram:model=DIR`) to the window, which scores the ngram_bpb column as an
// added column. When a corpus opens whose cache directory holds such a model, the model is found again: Add
// Scorers offers ngram with it, and exported filter configs name its files with their SHA-256. With
// NgramTrainingOptions::perLanguage the directory receives a per-language set instead (core/ngramlang.h: one model
// per frequent language plus the all-languages one, issue 22 part 3), scored by the same `ngram:model=DIR` spec,
// which then also adds the ngram_lang column; saving either kind replaces the other.
// GUI thread only; one training job at a time, with an id (results of a superseded job are dropped).

#include "jobtracker.h"

#include <ngramtrainer.h>

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>

namespace shardscope {

class NgramReferenceController : public QObject {
    Q_OBJECT
public:
    explicit NgramReferenceController(QObject* parent = nullptr);
    ~NgramReferenceController() override;

    // The corpus the model is for: its shards, fields and cache directory (from ScanStart); an empty cacheDir
    // forgets it. Looks for a model saved there before (modelChanged when the answer changes).
    void setCorpus(const std::vector<std::string>& shards, const FieldMapping& fields, const std::string& cacheDir);
    // The model of the open corpus ("" when there is none); its scorer spec for --scorers.
    const QString& modelDir() const { return m_modelDir; }
    QString scorerSpec() const;
    // Where a model of the open corpus is saved ("" with no corpus).
    QString targetDir() const;
    // How the model was trained, one line for the status bar; the details for a tooltip.
    const QString& summary() const { return m_summary; }
    const QString& details() const { return m_details; }
    // Whether the model of the open corpus is a per-language set (what the train dialog offers by default).
    bool perLanguage() const { return m_perLanguage; }

    // Starts training with `options` (its shards and fields are the corpus's); returns at once. False when no
    // corpus is set or a job runs.
    bool train(NgramTrainingOptions options);
    bool running() const { return m_running; }
    void cancel();

    // A sample fraction that trains in seconds: about kDefaultSampleBytes of text from a corpus of `textBytes`.
    static double defaultFraction(uint64_t textBytes);
    static constexpr uint64_t kDefaultSampleBytes = 64ull << 20;

Q_SIGNALS:
    void progress(double fraction, quint64 documents);
    // The model is saved in modelDir(); `spec` scores it.
    void trained(const QString& spec);
    void cancelled();
    void failed(const QString& message);
    void modelChanged();

private:
    void loadProvenance();
    void loadLanguageProvenance();

    std::vector<std::string> m_shards;
    FieldMapping m_fields;
    std::string m_cacheDir;
    QString m_modelDir;
    QString m_summary, m_details;
    bool m_perLanguage = false;
    JobTracker m_jobs;
    bool m_running = false;
    std::shared_ptr<std::atomic<bool>> m_stop;
};

} // namespace shardscope
