#include "ngramtraindialog.h"

#include "ngramreferencecontroller.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#ifdef SHARDSCOPE_HAVE_FASTTEXT
#include <scorers/langid.h>
#endif

#include <cmath>

namespace shardscope {

NgramTrainDialog::NgramTrainDialog(NgramReferenceController* controller, uint64_t textBytes, QWidget* parent)
    : QDialog(parent)
    , m_controller(controller)
{
    setWindowTitle(tr("Train N-gram Reference Model"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Trains a byte-level Kneser-Ney n-gram model on a uniform random sample of this "
                                "corpus (never its first documents), saves it beside the corpus's cached scores, "
                                "and adds the column <b>ngram_bpb</b> (bits per byte under the model). Unlike the "
                                "built-in language model, which was trained on documentation text, it knows what "
                                "this corpus's text looks like: high loss is text unlike the rest (garbage, "
                                "another language), very low loss is repeated or boilerplate text."),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);

    auto* form = new QFormLayout;
    m_order = new QSpinBox(this);
    m_order->setObjectName(QStringLiteral("ngramOrder"));
    m_order->setRange(1, NgramModel::kMaxOrder);
    m_order->setValue(NgramModel::kDefaultOrder);
    m_order->setSuffix(tr(" bytes"));
    form->addRow(tr("Order"), m_order);
    m_percent = new QDoubleSpinBox(this);
    m_percent->setObjectName(QStringLiteral("ngramSamplePercent"));
    m_percent->setRange(0.01, 100);
    m_percent->setDecimals(2);
    m_percent->setSuffix(QStringLiteral(" %"));
    m_percent->setValue(std::min(100.0, 100 * NgramReferenceController::defaultFraction(textBytes)));
    m_percent->setToolTip(tr("Each document's chance of being in the sample (a seeded hash of its place). The "
                             "default takes about %1 MB of this corpus's %2 MB of text: it trains in seconds.")
                              .arg(NgramReferenceController::kDefaultSampleBytes >> 20)
                              .arg(QLocale().toString(double(textBytes) / 1e6, 'f', 1)));
    form->addRow(tr("Sample"), m_percent);
    m_seed = new QSpinBox(this);
    m_seed->setObjectName(QStringLiteral("ngramSeed"));
    m_seed->setRange(0, 1 << 30);
    m_seed->setValue(1);
    form->addRow(tr("Seed"), m_seed);
    m_heldOut = new QDoubleSpinBox(this);
    m_heldOut->setObjectName(QStringLiteral("ngramHeldOut"));
    m_heldOut->setRange(0, 50);
    m_heldOut->setValue(5);
    m_heldOut->setSuffix(QStringLiteral(" %"));
    m_heldOut->setToolTip(tr("Sampled documents kept out of training to measure the model's bits per byte"));
    form->addRow(tr("Held out"), m_heldOut);
    m_perLanguage = new QCheckBox(tr("One model per frequent language"), this);
    m_perLanguage->setObjectName(QStringLiteral("ngramPerLanguage"));
    m_perLanguage->setToolTip(
        tr("Identifies each sampled document's language as the lang column does (fastText lid.176, probability at "
           "least %1) and trains one model per language with enough documents, plus one on the whole sample for "
           "the rest. Each document is then scored by its language's model, and the column ngram_lang says which "
           "model scored it. Without it, one model trained on a corpus that is mostly one language gives the "
           "others high loss, and a cutoff drops them.")
            .arg(NgramLanguageOptions::kDefaultMinLangScore));
    m_minDocs = new QSpinBox(this);
    m_minDocs->setObjectName(QStringLiteral("ngramMinDocs"));
    m_minDocs->setRange(1, 1000000);
    m_minDocs->setValue(int(NgramLanguageOptions::kDefaultMinDocs));
    m_minDocs->setSuffix(tr(" documents"));
    m_minDocs->setToolTip(tr("A language gets its own model when the sample holds at least this many documents of it"));
    bool lidFound = false;
#ifdef SHARDSCOPE_HAVE_FASTTEXT
    lidFound = !findLidModel().empty();
#endif
    m_perLanguage->setEnabled(lidFound);
    if (!lidFound)
        m_perLanguage->setToolTip(tr("Needs language identification (lid.176.ftz), which this installation lacks"));
    m_perLanguage->setChecked(lidFound && m_controller->perLanguage());
    m_minDocs->setEnabled(m_perLanguage->isChecked());
    connect(m_perLanguage, &QCheckBox::toggled, m_minDocs, &QWidget::setEnabled);
    form->addRow(QString(), m_perLanguage);
    form->addRow(tr("Own model from"), m_minDocs);
    layout->addLayout(form);

    m_progress = new QProgressBar(this);
    m_progress->setObjectName(QStringLiteral("ngramProgress"));
    m_progress->setRange(0, 1000);
    m_progress->setValue(0);
    m_progress->setVisible(false);
    layout->addWidget(m_progress);
    m_state = new QLabel(this);
    m_state->setWordWrap(true);
    layout->addWidget(m_state);

    auto* buttons = new QDialogButtonBox(this);
    m_train = buttons->addButton(tr("Train"), QDialogButtonBox::AcceptRole);
    m_train->setObjectName(QStringLiteral("ngramTrain"));
    m_cancel = buttons->addButton(QDialogButtonBox::Cancel);
    layout->addWidget(buttons);
    connect(m_train, &QPushButton::clicked, this, &NgramTrainDialog::startTraining);
    connect(m_cancel, &QPushButton::clicked, this, [this]() {
        if (m_controller->running())
            m_controller->cancel();
        reject();
    });

    connect(m_controller, &NgramReferenceController::progress, this, [this](double fraction, quint64 docs) {
        m_progress->setValue(int(std::lround(1000 * fraction)));
        m_state->setText(tr("Reading the sample: %L1 documents…").arg(docs));
    });
    connect(m_controller, &NgramReferenceController::trained, this, [this]() { accept(); });
    connect(m_controller, &NgramReferenceController::failed, this, [this, lidFound](const QString& message) {
        m_progress->setVisible(false);
        m_state->setText(tr("Training failed: %1").arg(message));
        m_train->setEnabled(true);
        for (QWidget* w : std::initializer_list<QWidget*> { m_order, m_percent, m_seed, m_heldOut })
            w->setEnabled(true);
        m_perLanguage->setEnabled(lidFound);
        m_minDocs->setEnabled(m_perLanguage->isChecked());
    });
}

NgramTrainingOptions NgramTrainDialog::options() const
{
    NgramTrainingOptions o;
    o.order = m_order->value();
    o.fraction = m_percent->value() / 100;
    o.seed = uint64_t(m_seed->value());
    o.heldOutPercent = m_heldOut->value();
    o.perLanguage = m_perLanguage->isChecked();
    o.languageOptions.minDocs = uint64_t(m_minDocs->value());
    return o;
}

void NgramTrainDialog::setSamplePercent(double percent)
{
    m_percent->setValue(percent);
}

void NgramTrainDialog::setOrder(int order)
{
    m_order->setValue(order);
}

void NgramTrainDialog::setPerLanguage(bool on)
{
    m_perLanguage->setChecked(on);
}

bool NgramTrainDialog::startTraining()
{
    if (!m_controller->train(options())) {
        m_state->setText(tr("Training could not start: no corpus is open, or a model is being trained."));
        return false;
    }
    m_train->setEnabled(false);
    for (QWidget* w :
        std::initializer_list<QWidget*> { m_order, m_percent, m_seed, m_heldOut, m_perLanguage, m_minDocs })
        w->setEnabled(false);
    m_progress->setVisible(true);
    m_state->setText(tr("Reading the sample…"));
    return true;
}

} // namespace shardscope
