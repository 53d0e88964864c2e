// Fuzz target (issue 18): filter configs. FilterConfig::parse() documents std::runtime_error (with the file
// name and what is wrong) for every bad config. A config it accepts must write back (toJson) to text that
// parses to the same config, and bind to a table that has its columns (BoundRules documents
// std::invalid_argument only for columns that do not fit) and evaluate on rows of any values.

#include "fuzzutil.h"

#include "filterconfig.h"

#include <cmath>
#include <limits>
#include <set>
#include <stdexcept>

using namespace shardscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    FilterConfig c;
    try {
        c = FilterConfig::parse(text, "fuzz.json");
    } catch (const std::runtime_error&) {
        return 0;
    }
    const std::string written = c.toJson();
    FilterConfig again;
    try {
        again = FilterConfig::parse(written, "written.json");
    } catch (const std::runtime_error& e) {
        std::fprintf(stderr, "%s\n%s\n", written.c_str(), e.what());
        fuzz::fail("toJson() wrote a config that parse() rejects");
    }
    fuzz::check(again.rules == c.rules, "rules changed in a toJson()/parse() round trip");
    fuzz::check(again.fields == c.fields, "fields changed in a toJson()/parse() round trip");
    fuzz::check(again.toJson() == written, "toJson() not stable in a round trip");
    (void)c.columns();

    // A table with every column the rules name: categorical (labels from the "in" sets and override keys)
    // where a rule needs labels, numeric otherwise.
    std::vector<ColumnInfo> columns;
    auto columnFor = [&](const std::string& name) -> ColumnInfo& {
        for (auto& col : columns)
            if (col.name == name)
                return col;
        columns.push_back({ name, "fuzz", {} });
        return columns.back();
    };
    for (const auto& r : c.rules) {
        std::set<std::string> labels;
        auto addIn = [&](const Bounds& b) {
            if (b.in)
                labels.insert(b.in->begin(), b.in->end());
        };
        addIn(r.bounds);
        for (const auto& [k, b] : r.overrides)
            addIn(b);
        ColumnInfo& col = columnFor(r.column);
        if (!labels.empty()) {
            for (const auto& l : labels)
                col.categories.push_back(l);
            col.categories.push_back("other");
        }
        if (!r.byGroup()) {
            ColumnInfo& by = columnFor(r.by);
            if (by.categories.empty())
                by.categories.push_back("unlabelled");
            for (const auto& [k, b] : r.overrides)
                by.categories.push_back(k);
        }
    }
    try {
        BoundRules bound(c.rules, columns);
        (void)bound.warnings();
        const float probes[] = { 0.f, 1.f, 2.f, -1.f, 0.5f, 1e9f, std::numeric_limits<float>::quiet_NaN(),
            std::numeric_limits<float>::infinity() };
        std::vector<float> row(columns.size());
        for (float p : probes) {
            for (size_t i = 0; i < row.size(); ++i)
                row[i] = p + float(i % 3);
            for (const char* group : { "", "web", "email/spam" }) {
                (void)bound.firstFailing(row.data(), group);
                for (size_t r = 0; r < bound.size(); ++r)
                    (void)c.rules[r].passes(
                        row[size_t(bound.column(r))], bound.key(r, row.data(), group), bound.columnInfo(r).categories);
            }
        }
    } catch (const std::invalid_argument&) {
        // A rule using "in" on a column another rule makes numeric, or "by" on a rule's own numeric column:
        // the documented refusal.
    }
    return 0;
}
