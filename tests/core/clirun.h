#pragma once
// Running the built shardscope-cli from a core test (tests that list SHARDSCOPE_CLI in tests/CMakeLists.txt):
// the exit code and both streams, with the cache directory set so a test never touches the user's cache.

#include <QProcess>
#include <QString>
#include <QStringList>

namespace testutil {

struct Run {
    int code; // the exit code, or -1 when the process crashed or did not finish in time
    QString out, err;
};

inline Run cli(const QStringList& args, const QString& cacheDir, int timeoutMs = 300000)
{
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("SHARDSCOPE_CACHE_DIR"), cacheDir);
    p.setProcessEnvironment(env);
    p.start(QStringLiteral(SHARDSCOPE_CLI), args);
    p.waitForFinished(timeoutMs);
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
        QString::fromUtf8(p.readAllStandardError()) };
}

} // namespace testutil
