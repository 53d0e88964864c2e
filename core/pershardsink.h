#pragma once
// A scan sink that writes one set of outputs per input shard (apply's kept/dropped files, the datatrove and Dolma
// exports' score and attribute files). Batches arrive in input order, so a shard's outputs are opened at its first
// batch and finished when the next shard's batch comes; at the end, shards that produced no batch (empty or
// unreadable) still get their (empty) outputs, so a downstream job sees one output per input.
//
// Derived implements openCurrent() and finishCurrent() for the shard current() names; this class keeps which shard
// is open and which are done.

#include "scan.h"

#include <cstdint>
#include <vector>

namespace shardscope {

template <class Derived> class PerShardSink : public ScanSink {
public:
    explicit PerShardSink(size_t shards)
        : m_done(shards, false)
    {
    }

    // Call after the last batch.
    void finish()
    {
        close();
        for (size_t i = 0; i < m_done.size(); ++i) {
            if (m_done[i])
                continue;
            m_current = int(i);
            self().openCurrent();
            close();
        }
    }

protected:
    // Call at the start of onBatch(): makes the batch's shard the current one.
    void enter(uint32_t shard)
    {
        if (int(shard) == m_current)
            return;
        close();
        m_current = int(shard);
        self().openCurrent();
    }
    size_t current() const { return size_t(m_current); }

private:
    Derived& self() { return static_cast<Derived&>(*this); }
    void close()
    {
        if (m_current < 0)
            return;
        self().finishCurrent();
        m_done[size_t(m_current)] = true;
        m_current = -1;
    }

    int m_current = -1;
    std::vector<bool> m_done;
};

} // namespace shardscope
