#include "filteractions.h"

#include "filterstate.h"

#include <QAction>
#include <QFileDialog>
#include <QFileInfo>
#include <QIcon>
#include <QKeySequence>
#include <QWidget>

namespace shardscope {

FilterActions::FilterActions(FilterState* filter, QWidget* dialogParent)
    : QObject(dialogParent)
    , m_filter(filter)
    , m_parent(dialogParent)
{
    m_loadConfig = new QAction(tr("&Load Filter Config…"), this);
    m_loadConfig->setShortcut(QKeySequence(tr("Ctrl+L")));
    connect(m_loadConfig, &QAction::triggered, this, &FilterActions::loadConfigDialog);
    m_saveConfig = new QAction(QIcon::fromTheme(QStringLiteral("document-save")), tr("&Export Filter Config…"), this);
    m_saveConfig->setShortcut(QKeySequence::Save);
    connect(m_saveConfig, &QAction::triggered, this, &FilterActions::saveConfigDialog);
    m_exportKept = new QAction(tr("Export &Kept Ids…"), this);
    connect(m_exportKept, &QAction::triggered, this, [this]() { exportIdsDialog(true); });
    m_exportDropped = new QAction(tr("Export &Dropped Ids…"), this);
    connect(m_exportDropped, &QAction::triggered, this, [this]() { exportIdsDialog(false); });
    m_undo = new QAction(tr("&Undo Filter Change"), this);
    m_undo->setShortcut(QKeySequence::Undo);
    connect(m_undo, &QAction::triggered, m_filter, &FilterState::undo);
    m_redo = new QAction(tr("&Redo Filter Change"), this);
    m_redo->setShortcut(QKeySequence::Redo);
    connect(m_redo, &QAction::triggered, m_filter, &FilterState::redo);
    auto updateUndo = [this]() {
        m_undo->setEnabled(m_filter->canUndo());
        m_redo->setEnabled(m_filter->canRedo());
    };
    connect(m_filter, &FilterState::undoStateChanged, this, updateUndo);
    updateUndo();
}

bool FilterActions::loadConfig(const QString& path, QString* error)
{
    QStringList unknown;
    if (!m_filter->loadConfig(path, error, &unknown))
        return false;
    if (!unknown.isEmpty())
        Q_EMIT statusMessage(tr("Loaded %1; not in this corpus (kept, not evaluated): %2")
                                 .arg(QFileInfo(path).fileName(), unknown.join(QStringLiteral(", "))),
            10000);
    else
        Q_EMIT statusMessage(tr("Loaded %n rule(s) from %1", nullptr, int(m_filter->rules().size())).arg(path), 5000);
    return true;
}

void FilterActions::loadConfigDialog()
{
    const QString path = QFileDialog::getOpenFileName(
        m_parent, tr("Load Filter Config"), QString(), tr("Filter configs (*.json);;All files (*)"));
    if (path.isEmpty())
        return;
    QString message;
    if (!loadConfig(path, &message))
        Q_EMIT error(tr("Load Filter Config"), message);
}

void FilterActions::saveConfigDialog()
{
    const QString path = QFileDialog::getSaveFileName(
        m_parent, tr("Export Filter Config"), QStringLiteral("filter.json"), tr("Filter configs (*.json)"));
    if (path.isEmpty())
        return;
    QString message;
    if (!m_filter->saveConfig(path, &message))
        Q_EMIT error(tr("Export Filter Config"), message);
    else
        Q_EMIT statusMessage(
            tr("Saved %1 — apply it with: shardscope-cli apply --config %1 --out DIR SHARDS").arg(path), 10000);
}

void FilterActions::exportIdsDialog(bool kept)
{
    const QString path = QFileDialog::getSaveFileName(m_parent, kept ? tr("Export Kept Ids") : tr("Export Dropped Ids"),
        kept ? QStringLiteral("kept-ids.txt") : QStringLiteral("dropped-ids.txt"), tr("Text files (*.txt)"));
    if (path.isEmpty())
        return;
    Q_EMIT statusMessage(tr("Writing %1…").arg(path), 0);
    m_filter->exportIds(path, kept).then(this, [this, path](const QString& message) {
        if (!message.isEmpty()) {
            Q_EMIT statusMessage(QString(), 0);
            Q_EMIT error(tr("Export Ids"), message);
        } else {
            Q_EMIT statusMessage(tr("Saved %1").arg(path), 10000);
        }
    });
}

} // namespace shardscope
