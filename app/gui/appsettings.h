#pragma once
// Every setting the desktop app keeps between runs, in one place: the keys, their types and
// their defaults. Each accessor opens QSettings itself (cheap; Qt shares the backing store), so
// tests that point XDG_CONFIG_HOME elsewhere before the first call see only their own values.

#include <QByteArray>
#include <QString>
#include <QStringList>

namespace shardscope {

class AppSettings {
public:
    static constexpr int kMaxRecent = 10;

    // Recent corpora, newest first; one entry is the absolute input paths joined by '\n'.
    QStringList recentFiles() const;
    void addRecent(const QStringList& inputs);
    void clearRecent();

    // The folder of the last file or directory chosen in an open dialog.
    QString lastDirectory() const;
    void setLastDirectory(const QString& dir);

    // Histograms on display, in order (columns a corpus lacks are skipped when it opens).
    QStringList shownHistograms() const;
    void setShownHistograms(const QStringList& columns);

    // The last filter rules used on a corpus, as a filter config's JSON; "" when none.
    QString cutoffs(const QString& corpusKey) const;
    void setCutoffs(const QString& corpusKey, const QString& json);

    QByteArray windowGeometry() const;
    QByteArray windowState() const;
    void setWindowGeometry(const QByteArray& geometry, const QByteArray& state);

    // The key cutoffs are stored under: the sorted absolute input paths, hashed.
    static QString corpusKey(const QStringList& inputs);
};

} // namespace shardscope
