#include "appsettings.h"

#include <QCryptographicHash>
#include <QFileInfo>
#include <QSettings>

namespace shardscope {

namespace {
const QString kRecent = QStringLiteral("recentFiles");
const QString kLastDirectory = QStringLiteral("lastDirectory");
const QString kShown = QStringLiteral("histograms/shown");
const QString kCutoffs = QStringLiteral("cutoffs/");
const QString kGeometry = QStringLiteral("window/geometry");
const QString kState = QStringLiteral("window/state");
} // namespace

QStringList AppSettings::recentFiles() const
{
    return QSettings().value(kRecent).toStringList();
}

void AppSettings::addRecent(const QStringList& inputs)
{
    QStringList abs;
    for (const auto& i : inputs)
        abs << QFileInfo(i).absoluteFilePath();
    const QString entry = abs.join(QLatin1Char('\n'));
    QStringList recent = recentFiles();
    recent.removeAll(entry);
    recent.prepend(entry);
    while (recent.size() > kMaxRecent)
        recent.removeLast();
    QSettings().setValue(kRecent, recent);
}

void AppSettings::clearRecent()
{
    QSettings().remove(kRecent);
}

QString AppSettings::lastDirectory() const
{
    return QSettings().value(kLastDirectory).toString();
}

void AppSettings::setLastDirectory(const QString& dir)
{
    QSettings().setValue(kLastDirectory, dir);
}

QStringList AppSettings::shownHistograms() const
{
    return QSettings().value(kShown).toStringList();
}

void AppSettings::setShownHistograms(const QStringList& columns)
{
    QSettings().setValue(kShown, columns);
}

QString AppSettings::cutoffs(const QString& corpusKey) const
{
    return corpusKey.isEmpty() ? QString() : QSettings().value(kCutoffs + corpusKey).toString();
}

void AppSettings::setCutoffs(const QString& corpusKey, const QString& json)
{
    if (!corpusKey.isEmpty())
        QSettings().setValue(kCutoffs + corpusKey, json);
}

QByteArray AppSettings::windowGeometry() const
{
    return QSettings().value(kGeometry).toByteArray();
}

QByteArray AppSettings::windowState() const
{
    return QSettings().value(kState).toByteArray();
}

void AppSettings::setWindowGeometry(const QByteArray& geometry, const QByteArray& state)
{
    QSettings settings;
    settings.setValue(kGeometry, geometry);
    settings.setValue(kState, state);
}

QString AppSettings::corpusKey(const QStringList& inputs)
{
    QStringList sorted;
    for (const auto& i : inputs)
        sorted << QFileInfo(i).absoluteFilePath();
    sorted.sort();
    return QString::fromLatin1(
        QCryptographicHash::hash(sorted.join(QLatin1Char('\n')).toUtf8(), QCryptographicHash::Sha1).toHex().left(16));
}

} // namespace shardscope
