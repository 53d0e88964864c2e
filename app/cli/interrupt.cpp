#include "interrupt.h"

#include "command.h"
#include "scan.h"

#include <atomic>
#include <csignal>

namespace shardscope::cli {

namespace {

std::atomic<Scan*> g_scan { nullptr };
std::atomic<bool> g_interrupted { false };

void onSignal(int)
{
    g_interrupted = true;
    if (Scan* s = g_scan.load())
        s->cancel();
}

} // namespace

void installSignalHandlers()
{
    std::signal(SIGINT, onSignal);
    std::signal(SIGTERM, onSignal);
    // Past a file size limit (ulimit -f) the kernel would kill the process with SIGXFSZ, leaving its temporary
    // files and no message; ignored, the write fails with EFBIG and ends as any other write error: a message
    // naming the file, exit 1, the temporary file removed and the previous file at the final name untouched.
    std::signal(SIGXFSZ, SIG_IGN);
}

bool interrupted()
{
    return g_interrupted.load();
}

CancelOnSignal::CancelOnSignal(Scan& scan)
{
    g_scan = &scan;
    // A signal that landed before the scan was registered (after the command printed its first line, say)
    // cancels it now rather than after a full scan. Both sides are sequentially consistent: the handler
    // either sees the scan or has set the flag this reads.
    if (g_interrupted.load())
        scan.cancel();
}

// Also when the scan throws: the handler must never see a scan that is gone.
CancelOnSignal::~CancelOnSignal()
{
    g_scan = nullptr;
}

void throwIfCancelled(bool cancelled)
{
    if (cancelled || interrupted())
        throw Cancelled();
}

} // namespace shardscope::cli
