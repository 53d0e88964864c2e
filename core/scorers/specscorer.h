#pragma once
// A Scorer described by a table: name, summary, columns and a worker factory. The heuristic scorers
// differ only in their workers.

#include "scorer.h"

#include <utility>

namespace shardscope {

struct ColumnSpec {
    const char* name;
    const char* definition;
};

template<typename Worker>
class SpecScorer final : public Scorer {
public:
    SpecScorer(std::string name, std::string summary, std::vector<ColumnInfo> columns, int version)
        : m_name(std::move(name))
        , m_summary(std::move(summary))
        , m_columns(std::move(columns))
        , m_version(version)
    {
    }
    std::string name() const override { return m_name; }
    std::string summary() const override { return m_summary; }
    std::vector<ColumnInfo> columns() const override { return m_columns; }
    int version() const override { return m_version; }
    std::unique_ptr<ScorerWorker> makeWorker() const override { return std::make_unique<Worker>(); }

private:
    std::string m_name;
    std::string m_summary;
    std::vector<ColumnInfo> m_columns;
    int m_version;
};

template<typename Worker, size_t N>
std::unique_ptr<Scorer> makeSpecScorer(const char* name, const char* summary, const ColumnSpec (&cols)[N],
                                       int version = 1)
{
    std::vector<ColumnInfo> columns;
    columns.reserve(N);
    for (const ColumnSpec& c : cols)
        columns.push_back(ColumnInfo{c.name, c.definition, {}});
    return std::make_unique<SpecScorer<Worker>>(name, summary, std::move(columns), version);
}

} // namespace shardscope
