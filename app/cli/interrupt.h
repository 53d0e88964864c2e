#pragma once
// SIGINT and SIGTERM during a scan cancel it: the workers stop at the next batch, the command reports
// what it has and throws Cancelled (exit 130). Outside a scan (apply's own scan, train-lm, lm-tokens) a
// signal is only recorded, as it always was: those runs go on to their end.

namespace shardscope {
class Scan;
}

namespace shardscope::cli {

// Installs the handlers for SIGINT and SIGTERM, and ignores SIGXFSZ (see interrupt.cpp).
void installSignalHandlers();

// Whether SIGINT or SIGTERM arrived since the start.
bool interrupted();

// While in scope, a signal cancels `scan`.
class CancelOnSignal {
public:
    explicit CancelOnSignal(Scan& scan);
    ~CancelOnSignal();
    CancelOnSignal(const CancelOnSignal&) = delete;
    CancelOnSignal& operator=(const CancelOnSignal&) = delete;
};

// Throws Cancelled when `cancelled` (a scan's result says so) or a signal arrived.
void throwIfCancelled(bool cancelled);

} // namespace shardscope::cli
