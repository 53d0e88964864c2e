#pragma once
// Drops the results of superseded background jobs (hotspot's JobTracker). A job takes a token
// when it starts and checks it when its result lands on the GUI thread: a newer start() or an
// invalidate() (another corpus, the window closing) makes every older token stale.

#include <QtGlobal>

namespace shardscope {

class JobTracker {
public:
    using Token = quint64;

    // A new job: every earlier token is stale from now on.
    Token start() { return ++m_current; }
    // True while no newer job started and nothing was invalidated since `token` was handed out.
    bool isCurrent(Token token) const { return token == m_current; }
    // Makes every handed-out token stale without starting a job.
    void invalidate() { ++m_current; }

private:
    Token m_current = 0;
};

} // namespace shardscope
