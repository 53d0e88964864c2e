#pragma once
// Logs GUI-thread handlers slower than a frame: QT_LOGGING_RULES="shardscope.gui.timing.debug=true".

#include <QElapsedTimer>
#include <QLoggingCategory>

Q_DECLARE_LOGGING_CATEGORY(lcTiming)

namespace shardscope {

class SlowHandlerLog {
public:
    explicit SlowHandlerLog(const char* what)
        : m_what(what)
    {
        m_timer.start();
    }
    ~SlowHandlerLog()
    {
        const qint64 us = m_timer.nsecsElapsed() / 1000;
        if (us > 8000)
            qCDebug(lcTiming, "%s took %.1f ms", m_what, double(us) / 1000.0);
    }
    SlowHandlerLog(const SlowHandlerLog&) = delete;
    SlowHandlerLog& operator=(const SlowHandlerLog&) = delete;

private:
    const char* m_what;
    QElapsedTimer m_timer;
};

} // namespace shardscope
