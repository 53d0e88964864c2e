#pragma once
// File > Open Recent: the corpora opened last (each one or more inputs), newest first, kept in
// AppSettings.

#include "appsettings.h"

#include <QMenu>

namespace shardscope {

class RecentFilesMenu : public QMenu {
    Q_OBJECT
public:
    explicit RecentFilesMenu(const QString& title, QWidget* parent = nullptr);

    QStringList entries() const { return m_settings.recentFiles(); }
    // `inputs` were opened: they move to the top.
    void add(const QStringList& inputs);

Q_SIGNALS:
    void openRequested(const QStringList& inputs);

private:
    void rebuild();

    AppSettings m_settings;
};

} // namespace shardscope
