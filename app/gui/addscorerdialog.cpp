#include "addscorerdialog.h"

#include <scan.h>
#include <scorerestimate.h>

#include <QCheckBox>
#include <QCoreApplication>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QLocale>
#include <QPointer>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <cmath>
#include <numeric>

namespace shardscope {

namespace {
enum Column { Check, Name, Estimate, Summary };
} // namespace

QString AddScorerDialog::humanDuration(double s)
{
    if (s < 0)
        return tr("unknown");
    if (s < 1)
        return tr("under a second");
    if (s < 90)
        return tr("about %1 s").arg(int(std::lround(s)));
    if (s < 90 * 60)
        return tr("about %1 min").arg(int(std::lround(s / 60)));
    const int minutes = int(std::lround(s / 60));
    if (minutes < 48 * 60)
        return tr("about %1 h %2 min").arg(minutes / 60).arg(minutes % 60);
    return tr("about %1 days").arg(QLocale().toString(s / 86400, 'f', 1));
}

AddScorerDialog::AddScorerDialog(std::shared_ptr<const CorpusData> corpus, std::shared_ptr<DocumentSource> source,
    int threads, QWidget* parent, const QStringList& modelSpecs)
    : QDialog(parent)
{
    setWindowTitle(tr("Add Scorers"));
    auto* layout = new QVBoxLayout(this);
    auto* intro = new QLabel(tr("Scorers this corpus has no scores of yet. The chosen ones are scored as new columns; "
                                "the scores there are stay. The time is for the whole corpus (%L1 documents), "
                                "measured on a sample of its texts.")
                                 .arg(qulonglong(corpus ? corpus->size() : 0)),
        this);
    intro->setWordWrap(true);
    layout->addWidget(intro);
    m_table = new QTableWidget(0, 4, this);
    m_table->setObjectName(QStringLiteral("scorerTable"));
    m_table->setHorizontalHeaderLabels({ QString(), tr("Scorer"), tr("Estimated time"), tr("What it scores") });
    m_table->verticalHeader()->hide();
    m_table->setSelectionMode(QAbstractItemView::NoSelection);
    m_table->horizontalHeader()->setSectionResizeMode(Summary, QHeaderView::Stretch);
    layout->addWidget(m_table, 1);
    m_note = new QLabel(this);
    m_note->setWordWrap(true);
    layout->addWidget(m_note);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_ok = buttons->button(QDialogButtonBox::Ok);
    m_ok->setText(tr("Score"));
    m_ok->setEnabled(false);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    layout->addWidget(buttons);
    resize(820, 460);

    // The scorers whose columns the corpus lacks (one missing column is enough: its scorer makes them all).
    std::vector<std::shared_ptr<const Scorer>> candidates;
    std::vector<std::string> withModels; // made by the job
    for (auto& s : ScorerRegistry::instance().createAll()) {
        QString spec = QString::fromStdString(s->name());
        // The corpus's reference model (issue 22). Its scorer loads the model: that is done by the estimate's job,
        // off this thread, which reports a model that cannot be read.
        const QString prefix = spec + QLatin1Char(':');
        const auto model = std::find_if(
            modelSpecs.begin(), modelSpecs.end(), [&](const QString& m) { return m.startsWith(prefix); });
        const bool withModel = model != modelSpecs.end();
        if (withModel)
            spec = *model;
        const auto columns = s->columns();
        const bool have = corpus && std::all_of(columns.begin(), columns.end(), [&](const ColumnInfo& c) {
            return corpus->columnIndex(c.name) >= 0;
        });
        if (have || !s->inputColumns().empty())
            continue; // computed already, or derived from other columns (it needs its parameters: a rescan)
        const int row = m_table->rowCount();
        m_table->insertRow(row);
        auto* check = new QTableWidgetItem;
        const std::string why = withModel ? std::string() : s->unavailableReason();
        check->setFlags(why.empty() ? Qt::ItemIsUserCheckable | Qt::ItemIsEnabled : Qt::NoItemFlags);
        check->setCheckState(Qt::Unchecked);
        m_table->setItem(row, Check, check);
        auto* name = new QTableWidgetItem(QString::fromStdString(s->name()));
        name->setFlags(Qt::ItemIsEnabled);
        name->setData(Qt::UserRole, spec);
        if (spec != name->text())
            name->setToolTip(spec);
        m_table->setItem(row, Name, name);
        auto* estimate = new QTableWidgetItem(why.empty() ? tr("measuring…") : tr("not available"));
        estimate->setFlags(Qt::ItemIsEnabled);
        estimate->setToolTip(QString::fromStdString(why));
        m_table->setItem(row, Estimate, estimate);
        auto* summary = new QTableWidgetItem(QString::fromStdString(s->summary()));
        summary->setFlags(Qt::ItemIsEnabled);
        QStringList defs;
        for (const auto& c : columns)
            defs << QStringLiteral("%1: %2").arg(QString::fromStdString(c.name), QString::fromStdString(c.definition));
        summary->setToolTip(defs.join(QLatin1Char('\n')));
        m_table->setItem(row, Summary, summary);
        if (withModel)
            withModels.push_back(spec.toStdString());
        else if (why.empty())
            candidates.push_back(std::move(s));
    }
    m_table->resizeColumnsToContents();
    connect(m_table, &QTableWidget::itemChanged, this, [this]() { m_ok->setEnabled(!chosen().empty()); });
    if (m_table->rowCount() == 0)
        m_note->setText(tr("Every scorer that can run here has scored this corpus."));
    m_pending = int(candidates.size() + withModels.size());
    if (!corpus || !source || m_pending == 0) {
        m_pending = 0;
        return;
    }

    // Off the GUI thread: read a sample of documents spread over the corpus, then time each scorer on it.
    const auto& textBytes = corpus->textBytesColumn();
    const uint64_t total = std::accumulate(textBytes.begin(), textBytes.end(), uint64_t(0));
    const std::vector<DocumentLocation> sample = spreadDocuments(*corpus);
    const int workers = resolveThreads(threads);
    QPointer<AddScorerDialog> self(this);
    m_job = QtConcurrent::run([self, stop = m_stop, source, sample, candidates, withModels, total, workers]() {
        const std::vector<std::string> texts = readTexts(*source, sample, stop.get());
        if (stop->load())
            return;
        auto scorers = candidates;
        std::vector<ScorerEstimate> failed;
        for (const auto& spec : withModels) {
            try {
                if (auto made = ScorerRegistry::instance().create(spec))
                    scorers.push_back(std::move(made));
            } catch (const std::exception& e) {
                ScorerEstimate f;
                f.scorer = spec.substr(0, spec.find(':'));
                f.error = e.what();
                failed.push_back(std::move(f));
            }
        }
        for (const auto& f : failed)
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, f]() {
                    if (self)
                        self->showEstimate(f);
                },
                Qt::QueuedConnection);
        for (const auto& s : scorers) {
            if (stop->load())
                return;
            ScorerEstimate e = estimateScorer(*s, texts, total, workers);
            QMetaObject::invokeMethod(
                QCoreApplication::instance(),
                [self, e]() {
                    if (self)
                        self->showEstimate(e);
                },
                Qt::QueuedConnection);
        }
    });
}

AddScorerDialog::~AddScorerDialog()
{
    m_stop->store(true);
}

int AddScorerDialog::rowOf(const QString& scorer) const
{
    for (int r = 0; r < m_table->rowCount(); ++r)
        if (m_table->item(r, Name)->text() == scorer)
            return r;
    return -1;
}

void AddScorerDialog::showEstimate(const ScorerEstimate& e)
{
    const QString name = QString::fromStdString(e.scorer);
    const int row = rowOf(name);
    if (row >= 0) {
        QTableWidgetItem* item = m_table->item(row, Estimate);
        if (!e.error.empty()) {
            item->setText(tr("could not be measured"));
            item->setToolTip(QString::fromStdString(e.error));
        } else {
            item->setText(humanDuration(e.seconds));
            item->setToolTip(tr("%L1 texts (%L2 bytes) scored at %L3 MB/s on one thread")
                                 .arg(qulonglong(e.sampleTexts))
                                 .arg(qulonglong(e.sampleBytes))
                                 .arg(e.bytesPerSecond / 1e6, 0, 'f', 3));
        }
    }
    --m_pending;
    Q_EMIT estimated(name);
}

QStringList AddScorerDialog::offered() const
{
    QStringList out;
    for (int r = 0; r < m_table->rowCount(); ++r)
        if (m_table->item(r, Check)->flags() & Qt::ItemIsUserCheckable)
            out << m_table->item(r, Name)->text();
    return out;
}

std::string AddScorerDialog::chosen() const
{
    QStringList out;
    for (int r = 0; r < m_table->rowCount(); ++r)
        if (m_table->item(r, Check)->checkState() == Qt::Checked)
            out << m_table->item(r, Name)->data(Qt::UserRole).toString();
    return out.join(QLatin1Char(',')).toStdString();
}

void AddScorerDialog::setChecked(const QString& scorer, bool on)
{
    const int row = rowOf(scorer);
    if (row >= 0)
        m_table->item(row, Check)->setCheckState(on ? Qt::Checked : Qt::Unchecked);
}

QString AddScorerDialog::estimateText(const QString& scorer) const
{
    const int row = rowOf(scorer);
    return row < 0 ? QString() : m_table->item(row, Estimate)->text();
}

} // namespace shardscope
