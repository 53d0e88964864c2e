#include "recentfilesmenu.h"

namespace shardscope {

RecentFilesMenu::RecentFilesMenu(const QString& title, QWidget* parent)
    : QMenu(title, parent)
{
    rebuild();
}

void RecentFilesMenu::add(const QStringList& inputs)
{
    m_settings.addRecent(inputs);
    rebuild();
}

void RecentFilesMenu::rebuild()
{
    clear();
    const QStringList recent = entries();
    for (const QString& entry : recent) {
        const QStringList inputs = entry.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
        QString label = inputs.value(0);
        if (inputs.size() > 1)
            label += tr(" (+%1 more)").arg(inputs.size() - 1);
        addAction(label, this, [this, inputs]() { Q_EMIT openRequested(inputs); });
    }
    if (!recent.isEmpty()) {
        addSeparator();
        addAction(tr("Clear List"), this, [this]() {
            m_settings.clearRecent();
            rebuild();
        });
    }
    setEnabled(!recent.isEmpty());
}

} // namespace shardscope
