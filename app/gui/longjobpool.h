#pragma once
// Where GUI jobs that run for seconds to minutes go (training a reference model, scoring a sample with it): not
// Qt's global thread pool, over which Qt's raster paint engine splits large fills and then waits, so a long job
// there can hold a repaint of the window (perf sched showed a drag-index build doing so, issue 21). The pool is the
// application's child: it waits for its jobs when the application ends, and those stop at their next step once
// their controller is gone (each sets its job's stop flag in its destructor).

#include <QCoreApplication>
#include <QThreadPool>

namespace shardscope {

inline QThreadPool* longJobPool()
{
    static QThreadPool* pool = new QThreadPool(QCoreApplication::instance());
    return pool;
}

} // namespace shardscope
