#pragma once
// The actions that act on the filter state through files and history: load and export a filter
// config, export the kept or dropped ids, undo and redo. They own their dialogs and report
// through statusMessage() and error(); the window puts them in its menus.

#include <QObject>
#include <QString>

class QAction;
class QWidget;

namespace shardscope {

class FilterState;

class FilterActions : public QObject {
    Q_OBJECT
public:
    FilterActions(FilterState* filter, QWidget* dialogParent);

    QAction* loadConfigAction() const { return m_loadConfig; }
    QAction* saveConfigAction() const { return m_saveConfig; }
    QAction* exportKeptAction() const { return m_exportKept; }
    QAction* exportDroppedAction() const { return m_exportDropped; }
    QAction* undoAction() const { return m_undo; }
    QAction* redoAction() const { return m_redo; }

    // Loads a config and says in the status bar what was loaded and which columns the corpus lacks.
    bool loadConfig(const QString& path, QString* error = nullptr);

Q_SIGNALS:
    void statusMessage(const QString& text, int timeoutMs);
    void error(const QString& title, const QString& text);

private:
    void loadConfigDialog();
    void saveConfigDialog();
    void exportIdsDialog(bool kept);

    FilterState* m_filter;
    QWidget* m_parent;
    QAction* m_loadConfig = nullptr;
    QAction* m_saveConfig = nullptr;
    QAction* m_exportKept = nullptr;
    QAction* m_exportDropped = nullptr;
    QAction* m_undo = nullptr;
    QAction* m_redo = nullptr;
};

} // namespace shardscope
