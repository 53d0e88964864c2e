#include "labelsdock.h"

#include "qcustomplot_include.h"

#include <QAction>
#include <QComboBox>
#include <QEvent>
#include <QFormLayout>
#include <QGridLayout>
#include <QLabel>
#include <QLocale>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>

namespace shardscope {

LabelsDock::LabelsDock(QWidget* parent)
    : QWidget(parent)
{
    auto* layout = new QVBoxLayout(this);
    m_counts = new QLabel(this);
    m_counts->setObjectName(QStringLiteral("labelCounts"));
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("classifierSummary"));
    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_buttons = new QGridLayout;
    m_show = new QComboBox(this);
    m_show->setObjectName(QStringLiteral("labelTableFilter"));
    m_show->addItems({ tr("All documents"), tr("Labelled"), tr("Good"), tr("Bad"), tr("Unlabelled") });
    connect(m_show, &QComboBox::currentIndexChanged, this, &LabelsDock::tableFilterChanged);
    auto* form = new QFormLayout;
    form->addRow(tr("Show in the table:"), m_show);
    layout->addWidget(m_counts);
    layout->addLayout(form);
    layout->addLayout(m_buttons);
    layout->addWidget(m_summary);

    m_plot = new QCustomPlot(this);
    m_plot->setObjectName(QStringLiteral("learningCurve"));
    m_plot->setMinimumHeight(150);
    m_graph = m_plot->addGraph();
    m_graph->setLineStyle(QCPGraph::lsLine);
    m_graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 5));
    m_errors = new QCPErrorBars(m_plot->xAxis, m_plot->yAxis);
    m_errors->setDataPlottable(m_graph);
    m_plot->xAxis->setLabel(tr("labels"));
    m_plot->yAxis->setLabel(tr("CV AUC"));
    m_plot->yAxis->setRange(0.4, 1.0);
    m_plot->xAxis->setRange(0, 10);
    layout->addWidget(m_plot, 1);
    recolour();
    setCounts(0, 0);
    setSummary(QString());
}

void LabelsDock::setActions(const QList<QAction*>& actions)
{
    int i = 0;
    for (QAction* a : actions) {
        auto* b = new QToolButton(this);
        b->setDefaultAction(a);
        b->setToolButtonStyle(Qt::ToolButtonTextOnly);
        b->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        // The key is part of the label: the loop is meant to be run from the keyboard.
        if (!a->shortcut().isEmpty())
            b->setToolTip(a->text().remove(QLatin1Char('&')) + QStringLiteral(" (")
                + a->shortcut().toString(QKeySequence::NativeText) + QLatin1Char(')'));
        m_buttons->addWidget(b, i / 3, i % 3);
        ++i;
    }
}

void LabelsDock::setCounts(size_t good, size_t bad)
{
    const QLocale l;
    m_counts->setText(
        tr("<b>%1</b> labelled: <span style='color:#2e7d32'>%2 good</span>, "
           "<span style='color:#c62828'>%3 bad</span>")
            .arg(l.toString(qulonglong(good + bad)), l.toString(qulonglong(good)), l.toString(qulonglong(bad))));
}

void LabelsDock::setSummary(const QString& text)
{
    m_summary->setText(text.isEmpty() ? tr("No classifier yet: label at least 2 good and 2 bad documents, then "
                                           "Train Quality Classifier.")
                                      : text);
}

void LabelsDock::setLearningCurve(const std::vector<LearningPoint>& points)
{
    QVector<double> x, y, e;
    double lo = 1.0;
    for (const auto& p : points) {
        x << p.labels;
        y << p.auc;
        e << p.std;
        lo = std::min(lo, p.auc - p.std);
    }
    m_graph->setData(x, y, true);
    m_errors->setData(e);
    m_plot->xAxis->setRange(0, x.isEmpty() ? 10 : x.back() * 1.05 + 1);
    m_plot->yAxis->setRange(std::clamp(lo - 0.05, 0.0, 0.5), 1.0);
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

QString LabelsDock::countsText() const
{
    return m_counts->text();
}

QString LabelsDock::summaryText() const
{
    return m_summary->text();
}

int LabelsDock::curvePoints() const
{
    return m_graph->dataCount();
}

void LabelsDock::changeEvent(QEvent* event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        recolour();
}

void LabelsDock::recolour()
{
    const QPalette pal = palette();
    m_plot->setBackground(pal.brush(QPalette::Base));
    for (QCPAxis* axis : { m_plot->xAxis, m_plot->yAxis }) {
        axis->setBasePen(QPen(pal.color(QPalette::Text)));
        axis->setTickPen(QPen(pal.color(QPalette::Text)));
        axis->setSubTickPen(QPen(pal.color(QPalette::Text)));
        axis->setTickLabelColor(pal.color(QPalette::Text));
        axis->setLabelColor(pal.color(QPalette::Text));
    }
    m_graph->setPen(QPen(pal.color(QPalette::Highlight), 2));
    m_errors->setPen(QPen(pal.color(QPalette::Highlight)));
    m_plot->replot(QCustomPlot::rpQueuedReplot);
}

} // namespace shardscope
