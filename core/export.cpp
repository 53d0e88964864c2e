#include "export.h"

#include "apply.h"
#include "atomicfile.h"
#include "bytesource.h"
#include "pershardsink.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>
#include <simdjson.h>
#include <zlib.h>
#include <zstd.h>

namespace fs = std::filesystem;

namespace shardscope {

std::string exactNumber(double v)
{
    if (std::isnan(v))
        return "null";
    char buf[64];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}

namespace {

std::string jsonString(std::string_view s)
{
    return nlohmann::json(std::string(s)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A score as JSON: the double value of the float, exactly. Python's json reads Infinity; jq cannot, so the Dolma
// attributes write the largest double instead (it compares the same way against every finite cutoff but that one).
std::string scoreNumber(float v, bool pythonJson)
{
    if (std::isinf(v)) {
        if (pythonJson)
            return v > 0 ? "Infinity" : "-Infinity";
        return exactNumber(v > 0 ? std::numeric_limits<double>::max() : -std::numeric_limits<double>::max());
    }
    return exactNumber(double(v));
}

// Output written through an AtomicFile, compressed as its name says.
class OutFile {
public:
    enum class Codec { None, Gzip, Zstd };
    static Codec codecFor(std::string_view name)
    {
        if (name.ends_with(".gz"))
            return Codec::Gzip;
        if (name.ends_with(".zst") || name.ends_with(".zstd"))
            return Codec::Zstd;
        return Codec::None;
    }
    OutFile(const std::string& path, Codec codec)
        : m_file(path)
        , m_codec(codec)
        , m_out(1 << 16)
    {
        if (m_codec == Codec::Gzip) {
            if (deflateInit2(&m_z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                throw std::runtime_error(path + ": zlib: cannot start a gzip stream");
        } else if (m_codec == Codec::Zstd) {
            m_zstd = ZSTD_createCCtx();
            ZSTD_CCtx_setParameter(m_zstd, ZSTD_c_compressionLevel, 3);
        }
    }
    ~OutFile()
    {
        if (m_codec == Codec::Gzip)
            deflateEnd(&m_z);
        if (m_zstd)
            ZSTD_freeCCtx(m_zstd);
    }
    OutFile(const OutFile&) = delete;
    OutFile& operator=(const OutFile&) = delete;

    void write(std::string_view data) { pump(data, false); }
    void commit()
    {
        pump({}, true);
        m_file.commit();
    }
    const std::string& path() const { return m_file.path(); }

private:
    void pump(std::string_view data, bool end)
    {
        if (m_codec == Codec::None) {
            m_file.write(data);
            return;
        }
        if (m_codec == Codec::Zstd) {
            ZSTD_inBuffer in { data.data(), data.size(), 0 };
            const ZSTD_EndDirective mode = end ? ZSTD_e_end : ZSTD_e_continue;
            for (;;) {
                ZSTD_outBuffer out { m_out.data(), m_out.size(), 0 };
                const size_t rem = ZSTD_compressStream2(m_zstd, &out, &in, mode);
                if (ZSTD_isError(rem))
                    throw std::runtime_error(m_file.path() + ": zstd: " + ZSTD_getErrorName(rem));
                m_file.write({ m_out.data(), out.pos });
                if (end ? rem == 0 : in.pos == in.size)
                    return;
            }
        }
        m_z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
        m_z.avail_in = uInt(data.size());
        for (;;) {
            m_z.next_out = reinterpret_cast<Bytef*>(m_out.data());
            m_z.avail_out = uInt(m_out.size());
            const int rc = deflate(&m_z, end ? Z_FINISH : Z_NO_FLUSH);
            if (rc == Z_STREAM_ERROR)
                throw std::runtime_error(m_file.path() + ": zlib: deflate failed");
            m_file.write({ m_out.data(), m_out.size() - m_z.avail_out });
            if (end ? rc == Z_STREAM_END : (m_z.avail_in == 0 && m_z.avail_out != 0))
                return;
        }
    }
    AtomicFile m_file;
    Codec m_codec;
    z_stream m_z {};
    ZSTD_CCtx* m_zstd = nullptr;
    std::vector<char> m_out;
};

// A shard's path below "documents/" for Dolma: after its last "/documents/", else its file name.
std::vector<std::string> dolmaRelPaths(const std::vector<std::string>& shards)
{
    std::vector<std::string> rels;
    std::map<std::string, int> seen;
    for (const auto& p : shards) {
        const size_t at = p.rfind("/documents/");
        rels.push_back(at == std::string::npos ? fs::path(p).filename().string() : p.substr(at + 11));
        seen[rels.back()]++;
    }
    for (size_t i = 0; i < rels.size(); ++i)
        if (seen[rels[i]] > 1) {
            char buf[32];
            std::snprintf(buf, sizeof buf, "%04zu-", i);
            fs::path r(rels[i]);
            rels[i] = (r.parent_path() / (buf + r.filename().string())).string();
        }
    return rels;
}

bool usesGroup(const std::vector<FilterRule>& rules)
{
    return std::any_of(
        rules.begin(), rules.end(), [](const FilterRule& r) { return r.byGroup() && !r.overrides.empty(); });
}

// Refuses what the exports cannot say exactly.
void checkExportable(const std::vector<FilterRule>& rules, const std::vector<ColumnInfo>& cols)
{
    for (size_t r = 0; r < rules.size(); ++r) {
        const FilterRule& rule = rules[r];
        auto it = std::find_if(cols.begin(), cols.end(), [&](const ColumnInfo& c) { return c.name == rule.column; });
        if (it == cols.end() || !it->categorical())
            continue;
        std::vector<const Bounds*> all { &rule.bounds };
        for (const auto& [k, b] : rule.overrides)
            all.push_back(&b);
        for (const Bounds* b : all)
            if (!b->disabled && !b->in && (b->min || b->max))
                throw std::invalid_argument("rule " + std::to_string(r) + " (" + rule.column
                    + "): min/max on a categorical column compares category indices, which the exports do not "
                      "carry (they write labels); use \"in\" with the labels instead");
    }
}

std::string jqBounds(const Bounds& b, bool keepMissing)
{
    if (b.disabled)
        return "true";
    std::string test;
    if (b.in) {
        for (const auto& label : *b.in)
            if (!label.empty())
                test += (test.empty() ? "" : " or ") + std::string("$v == ") + jsonString(label);
        if (test.empty())
            test = "false";
    } else {
        if (b.min)
            test = "$v >= " + exactNumber(*b.min);
        if (b.max)
            test += (test.empty() ? "" : " and ") + std::string("$v <= ") + exactNumber(*b.max);
        if (test.empty())
            test = "true";
    }
    return std::string("(if $v == false then ") + (keepMissing ? "true" : "false") + " else (" + test + ") end)";
}

std::string jqAttribute(const std::string& key)
{
    return ".attributes[" + jsonString(key) + "][0][2]";
}

// The rules as data for the generated Python (parsed there with json.loads).
std::string pythonRules(const std::vector<FilterRule>& rules)
{
    auto bounds = [](const Bounds& b) {
        std::string o = "{";
        auto add = [&](const std::string& kv) { o += (o.size() > 1 ? ", " : "") + kv; };
        if (b.disabled)
            add("\"disabled\": true");
        if (b.in) {
            std::string l;
            for (const auto& label : *b.in)
                if (!label.empty())
                    l += (l.empty() ? "" : ", ") + jsonString(label);
            add("\"in\": [" + l + "]");
        }
        if (b.min)
            add("\"min\": " + exactNumber(*b.min));
        if (b.max)
            add("\"max\": " + exactNumber(*b.max));
        return o + "}";
    };
    std::string o = "[\n";
    for (size_t r = 0; r < rules.size(); ++r) {
        const FilterRule& rule = rules[r];
        o += "  {\"column\": " + jsonString(rule.column)
            + ", \"keep_missing\": " + (rule.keepMissing ? "true" : "false")
            + ", \"by\": " + (rule.byGroup() ? std::string("null") : jsonString(rule.by))
            + ",\n   \"bounds\": " + bounds(rule.bounds) + ",\n   \"overrides\": {";
        bool first = true;
        for (const auto& [k, b] : rule.overrides) {
            if (!rule.byGroup() && k.empty())
                continue; // a missing `by` label takes the rule's own bounds (BoundRules)
            o += std::string(first ? "" : ", ") + jsonString(k) + ": " + bounds(b);
            first = false;
        }
        o += "}}" + std::string(r + 1 < rules.size() ? "," : "") + "\n";
    }
    return o + "]";
}

void replaceAll(std::string& s, std::string_view what, std::string_view with)
{
    for (size_t at = 0; (at = s.find(what, at)) != std::string::npos; at += with.size())
        s.replace(at, what.size(), with);
}

// The datatrove pipeline. Placeholders @NAME@ are filled in by datatroveScript().
constexpr const char* kPipelineTemplate = R"PY(#!/usr/bin/env python3
# Generated by `shardscope-cli export --to datatrove` (shardscope @VERSION@) from @CONFIG@.
# It keeps exactly the documents `shardscope-cli apply --config @CONFIG@` keeps on the same shards
# (export counted them: @KEPT@ kept of @DOCS@ documents, @REJECTED@ records rejected).
#
# Run it with datatrove installed:
#   python3 pipeline.py                                   LocalPipelineExecutor (--tasks N --workers W)
#   python3 pipeline.py --slurm --partition P --time 04:00:00 --tasks N      SlurmPipelineExecutor
# Kept documents are written as JSON Lines under kept/ (one file per shard: <stem>.jsonl.gz), with the
# record's other fields in "metadata".
#
# Where the scores come from: datatrove has no join with precomputed scores, so Shardscope's scan (the one
# `score` and `apply` run) computed every column the rules use and wrote one file per shard,
# scores/<stem>.scores.jsonl.gz: one line per record it read as a document, in shard order, with its line
# number, id, group and those columns. ShardscopeRules reads the file of the shard being read in step with
# the reader: both go through the shard in line order, so memory stays constant and the shards are read
# unchanged. (Writing the documents again with their scores in the metadata would copy the whole corpus.)
# A line without scores (blank, or a record Shardscope rejects) is dropped, as apply drops it.
#
# Which rules are whose: every rule below is Shardscope's, evaluated here on Shardscope's scores; the
# definitions of the columns are listed by `shardscope-cli scorers`.@OWN_RULES_NOTE@
import argparse
import gzip
import io
import json
import os

from datatrove.data import Document
from datatrove.executor import LocalPipelineExecutor, SlurmPipelineExecutor
from datatrove.pipeline.filters.base_filter import BaseFilter
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter

HERE = os.path.dirname(os.path.abspath(__file__))
# The shards' common folder; shards.txt lists them relative to it.
SHARD_ROOT = @SHARD_ROOT@
# Per shard (as in shards.txt): its stem, which names its score file (scores/<stem>.scores.jsonl.gz) and its
# output (kept/<stem>.jsonl.gz).
SHARDS = json.loads(r"""@SHARDS@""")
# Where the record keeps its text (a JSON pointer, RFC 6901), as Shardscope read it.
TEXT_POINTER = @TEXT_POINTER@

# The rules, in the config's order. A document is kept when every rule passes. A rule's bounds are its
# "bounds", or its "overrides" entry for the document's group ("by": null) or for the document's label in
# the categorical column "by". A rule passes when the bounds are disabled; else a missing value passes only
# with "keep_missing"; else the label is one of "in", or min <= value <= max (either may be absent).
# Numbers are exact: a score is the double value of Shardscope's float, a cutoff the config's double.
RULES = json.loads(r"""@RULES@""")


def json_pointer(data, pointer):
    for part in pointer.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def bounds_for(rule, row):
    if rule["by"] is None:
        key = row["group"]
    else:
        key = row["scores"].get(rule["by"])
        if not key:  # missing label: the rule's own bounds
            return rule["bounds"]
    return rule["overrides"].get(key, rule["bounds"])


def passes(rule, row):
    bounds = bounds_for(rule, row)
    if bounds.get("disabled"):
        return True
    value = row["scores"].get(rule["column"])
    if value is None:
        return rule["keep_missing"]
    if "in" in bounds:
        return value in bounds["in"]
    if "min" in bounds and value < bounds["min"]:
        return False
    if "max" in bounds and value > bounds["max"]:
        return False
    return True


class ShardReader(JsonlReader):
    """JsonlReader that numbers lines as Shardscope does: split on b"\\n" only, blank lines counted, so a
    document meets its scores by line number. Documents with empty text are kept (datatrove's reader would
    skip them; apply does not)."""

    name = "Shardscope shards"

    def read_file(self, filepath):
        shard = SHARDS[filepath]
        compression = "gzip" if filepath.endswith(".gz") else "zstd" if filepath.endswith((".zst", ".zstd")) else None
        with self.data_folder.open(filepath, "rb", compression=compression) as f:
            if compression == "zstd":
                f = io.BufferedReader(f)  # zstandard's reader does not iterate by lines itself
            for number, raw in enumerate(f, start=1):
                with self.track_time():
                    if not raw.strip():
                        continue
                    try:
                        data = json.loads(raw)
                    except ValueError:
                        continue  # Shardscope rejects it too: it has no scores
                    if not isinstance(data, dict):
                        continue
                    text = json_pointer(data, TEXT_POINTER)
                    top = TEXT_POINTER[1:]
                    if "/" not in top and "~" not in top:
                        data.pop(top, None)
                    data.update(shardscope_shard=shard["stem"], shardscope_line=number)
                    document = Document(
                        text=text if isinstance(text, str) else "", id=f"{shard['stem']}/{number}", metadata=data
                    )
                yield document


class ShardscopeRules(BaseFilter):
    """The config's rules on Shardscope's scores, read from the shard's score file in step with the reader."""

    name = "Shardscope rules"

    def __init__(self, exclusion_writer=None):
        super().__init__(exclusion_writer)
        self._stem = None
        self._file = None
        self._row = None

    def _scores(self, stem, line):
        if stem != self._stem:
            if self._file:
                self._file.close()
            self._stem = stem
            self._file = gzip.open(os.path.join(HERE, "scores", stem + ".scores.jsonl.gz"), "rt", encoding="utf-8")
            self._row = None
        while self._row is None or self._row["line"] < line:
            text = self._file.readline()
            if not text:
                return None
            self._row = json.loads(text)
        return self._row if self._row["line"] == line else None

    def filter(self, doc):
        row = self._scores(doc.metadata["shardscope_shard"], doc.metadata["shardscope_line"])
        if row is None:
            return False, "not_scored"
        for rule in RULES:
            if not passes(rule, row):
                return False, rule["column"]
        if row["id"]:
            doc.id = row["id"]
        return True


def main():
    parser = argparse.ArgumentParser(description="Apply the Shardscope config @CONFIG@ with datatrove")
    parser.add_argument("--out", default=os.path.join(HERE, "kept"), help="where the kept documents go")
    parser.add_argument("--logging-dir", default=os.path.join(HERE, "logs"))
    parser.add_argument("--tasks", type=int, default=1, help="tasks (each reads whole shards)")
    parser.add_argument("--workers", type=int, default=-1)
    parser.add_argument("--slurm", action="store_true", help="run with SlurmPipelineExecutor")
    parser.add_argument("--partition", help="Slurm partition (with --slurm)")
    parser.add_argument("--time", default="24:00:00", help="Slurm time limit per task (with --slurm)")
    parser.add_argument("--job-name", default="shardscope_export")
    args = parser.parse_args()

    pipeline = [
        ShardReader(SHARD_ROOT, paths_file=os.path.join(HERE, "shards.txt")),
        ShardscopeRules(),
        JsonlWriter(args.out, output_filename="${shardscope_shard}.jsonl"),
    ]
    if args.slurm:
        if not args.partition:
            parser.error("--slurm needs --partition")
        executor = SlurmPipelineExecutor(
            pipeline=pipeline,
            tasks=args.tasks,
            workers=args.workers,
            time=args.time,
            partition=args.partition,
            job_name=args.job_name,
            logging_dir=args.logging_dir,
        )
    else:
        executor = LocalPipelineExecutor(
            pipeline=pipeline, tasks=args.tasks, workers=args.workers, logging_dir=args.logging_dir
        )
    executor.run()


if __name__ == "__main__":
    main()
)PY";

// Which rules datatrove has a filter for, said in the script's header. The gopher_* columns (not gopher_dolma_*)
// follow datatrove's GopherQualityFilter and GopherRepetitionFilter, but tokenise with Shardscope's spaCy-like
// tokenizer where datatrove calls spaCy, and make a text without tokens a missing value where datatrove divides by
// its word count: close, not the same definition, so every rule runs on Shardscope's values. When the rules are all
// ones GopherQualityFilter has a parameter for (plain bounds, no overrides, missing dropped), the header also gives
// that filter with the cutoffs mapped, for a user who prefers datatrove's own code and accepts those edges.
std::string ownRulesNote(const std::vector<FilterRule>& rules)
{
    std::vector<std::string> gopher;
    for (const auto& r : rules)
        if (r.column.starts_with("gopher_") && !r.column.starts_with("gopher_dolma_"))
            gopher.push_back(r.column);
    if (gopher.empty())
        return " None of them is one of datatrove's own filters.";
    std::string list;
    for (const auto& c : gopher)
        list += (list.empty() ? "" : ", ") + c;
    std::string note = "\n# " + list
        + ": datatrove dialect of GopherQualityFilter /\n"
          "# GopherRepetitionFilter, but Shardscope tokenises with a spaCy-like tokenizer where datatrove calls "
          "spaCy,\n"
          "# and a text without tokens is a missing value where datatrove divides by its word count: close, not the\n"
          "# same definition, so they too run here on Shardscope's values (per-group cutoffs and `missing` as in "
          "apply).";
    // GopherQualityFilter's parameter per (column, bound); it drops value < min_* and value > max_*.
    static const std::map<std::pair<std::string, bool>, std::string> params {
        { { "gopher_word_count", true }, "min_doc_words" }, { { "gopher_word_count", false }, "max_doc_words" },
        { { "gopher_mean_word_length", true }, "min_avg_word_length" },
        { { "gopher_mean_word_length", false }, "max_avg_word_length" },
        { { "gopher_bullet_line_frac", false }, "max_bullet_lines_ratio" },
        { { "gopher_ellipsis_line_frac", false }, "max_ellipsis_lines_ratio" },
        { { "gopher_alpha_word_frac", true }, "max_non_alpha_words_ratio" }, // datatrove's name; it is a minimum
    };
    std::map<std::string, std::string> mapped;
    std::optional<double> hashMax, ellipsisMax;
    for (const auto& r : rules) {
        const Bounds& b = r.bounds;
        if (!r.overrides.empty() || r.keepMissing || b.disabled || b.in)
            return note;
        if (r.column == "gopher_hash_word_ratio" && !b.min && b.max) {
            hashMax = b.max;
            continue;
        }
        if (r.column == "gopher_ellipsis_word_ratio" && !b.min && b.max) {
            ellipsisMax = b.max;
            continue;
        }
        for (const auto& [bound, isMin] : { std::pair { b.min, true }, std::pair { b.max, false } }) {
            if (!bound)
                continue;
            auto it = params.find({ r.column, isMin });
            if (it == params.end())
                return note;
            mapped[it->second] = exactNumber(*bound);
        }
    }
    // One parameter bounds both symbol ratios.
    if (hashMax || ellipsisMax) {
        if (hashMax != ellipsisMax)
            return note;
        mapped["max_symbol_word_ratio"] = exactNumber(*hashMax);
    }
    std::string args;
    for (const char* p :
        { "min_doc_words", "max_doc_words", "min_avg_word_length", "max_avg_word_length", "max_symbol_word_ratio",
            "max_bullet_lines_ratio", "max_ellipsis_lines_ratio", "max_non_alpha_words_ratio", "min_stop_words" }) {
        auto it = mapped.find(p);
        args += std::string("\n#     ") + p + "=" + (it == mapped.end() ? std::string("None") : it->second) + ",";
    }
    return note
        + "\n# Every rule has a GopherQualityFilter parameter; datatrove's own filter with the cutoffs mapped would "
          "be\n"
          "# (in place of ShardscopeRules() below; it needs spaCy, and differs at the edges above):\n"
          "#   from datatrove.pipeline.filters import GopherQualityFilter\n"
          "#   GopherQualityFilter("
        + args + "\n#   )";
}

} // namespace

std::string dolmaIncludeExpression(
    const std::vector<FilterRule>& rules, const std::vector<ColumnInfo>& columns, const std::string& prefix)
{
    checkExportable(rules, columns);
    std::string out;
    for (const auto& rule : rules) {
        std::string e = "((" + jqAttribute(prefix + rule.column) + " // false) as $v | ";
        bool anyOverride = false;
        std::string chain;
        for (const auto& [k, b] : rule.overrides) {
            if (!rule.byGroup() && k.empty())
                continue;
            chain += std::string(anyOverride ? " elif" : "if") + " $k == " + jsonString(k) + " then "
                + jqBounds(b, rule.keepMissing);
            anyOverride = true;
        }
        if (anyOverride) {
            e += "(" + jqAttribute(prefix + (rule.byGroup() ? std::string("group") : rule.by)) + " // \"\") as $k | "
                + chain + " else " + jqBounds(rule.bounds, rule.keepMissing) + " end";
        } else {
            e += jqBounds(rule.bounds, rule.keepMissing);
        }
        out += (out.empty() ? "" : " and ") + e + ")";
    }
    return out.empty() ? "true" : out;
}

namespace {

class ExportSink final : public PerShardSink<ExportSink> {
public:
    ExportSink(const FilterConfig& config, BoundRules bound, const std::vector<ColumnInfo>& cols,
        const ExportOptions& opt, const std::vector<std::string>& shards)
        : PerShardSink(shards.size())
        , m_config(config)
        , m_bound(std::move(bound))
        , m_cols(cols)
        , m_opt(opt)
        , m_shards(shards)
        , m_stems(applyOutputStems(shards))
        , m_rels(dolmaRelPaths(shards))
        , m_group(usesGroup(config.rules))
    {
        for (const auto& name : config.columns())
            for (size_t c = 0; c < cols.size(); ++c)
                if (cols[c].name == name)
                    m_write.push_back(c);
        m_prefix = opt.name + "__shardscope__";
    }

    bool needsLineBytes() const override { return m_opt.target == ExportTarget::Dolma; }

    void onBatch(const CommittedBatch& b) override
    {
        enter(b.lines.shard);
        std::string buf;
        size_t doc = 0;
        for (size_t i = 0; i < b.lines.lines.size(); ++i) {
            const int64_t fate = b.docOf[i];
            if (fate == -1 || fate == -3)
                continue;
            const uint64_t lineNo = b.lines.firstLine + i;
            if (fate == -2) {
                m_summary.records++;
                m_summary.rejected++;
                if (m_opt.target == ExportTarget::Dolma) {
                    // The line keeps its place; no attributes: the include expression drops it, as apply does.
                    buf += "{\"id\": null, \"attributes\": {}}\n";
                    if (m_rejectedNamed++ < 5)
                        m_summary.warnings.push_back(m_shards[current()] + ": line " + std::to_string(lineNo)
                            + ": a record Shardscope rejects; Dolma's mixer stops at a line that is not JSON");
                }
                continue;
            }
            const float* row = b.scores.data() + doc * b.columns;
            const std::string& group = b.groups[doc];
            const std::string& id = b.ids[doc];
            const uint32_t chars = b.textChars[doc];
            ++doc;
            m_summary.records++;
            m_summary.documents++;
            if (m_bound.firstFailing(row, group) < 0)
                m_summary.kept++;
            if (m_opt.target == ExportTarget::Datatrove) {
                buf += "{\"line\": " + std::to_string(lineNo) + ", \"id\": " + jsonString(id)
                    + ", \"group\": " + jsonString(group) + ", \"scores\": {";
                for (size_t k = 0; k < m_write.size(); ++k) {
                    const ColumnInfo& info = m_cols[m_write[k]];
                    buf += (k ? ", " : "") + jsonString(info.name) + ": " + value(info, row[m_write[k]], true);
                }
                buf += "}}\n";
            } else {
                const std::string len = std::to_string(chars);
                buf += "{\"id\": " + rawId(b.lines.line(i), b.lines.readableAfter(i)) + ", \"attributes\": {";
                bool first = true;
                for (size_t c : m_write) {
                    const ColumnInfo& info = m_cols[c];
                    const float v = row[c];
                    buf += std::string(first ? "" : ", ") + jsonString(m_prefix + info.name) + ": "
                        + (std::isnan(v) ? std::string("[]") : "[[0, " + len + ", " + value(info, v, false) + "]]");
                    first = false;
                }
                if (m_group)
                    buf += std::string(first ? "" : ", ") + jsonString(m_prefix + "group") + ": [[0, " + len + ", "
                        + jsonString(group) + "]]";
                buf += "}}\n";
            }
        }
        m_out->write(buf);
    }

    ExportSummary& summary() { return m_summary; }

private:
    friend class PerShardSink<ExportSink>;
    static std::string value(const ColumnInfo& info, float v, bool pythonJson)
    {
        if (std::isnan(v))
            return "null";
        if (info.categorical())
            return jsonString(categoryLabel(info.categories, v));
        return scoreNumber(v, pythonJson);
    }

    // The record's top-level "id" as it is written (Dolma compares it with the attribute line's), null without one.
    std::string rawId(std::string_view line, size_t readableAfter)
    {
        using namespace simdjson;
        ondemand::document d;
        if (m_parser.iterate(padded_string_view(line.data(), line.size(), line.size() + readableAfter)).get(d))
            return "null";
        ondemand::value v;
        if (d.find_field_unordered("id").get(v))
            return "null";
        ondemand::json_type t;
        if (v.type().get(t))
            return "null";
        if (t == ondemand::json_type::object || t == ondemand::json_type::array) {
            auto j = nlohmann::json::parse(line, nullptr, false);
            return j.is_object() && j.contains("id") ? j["id"].dump() : "null";
        }
        std::string_view tok = v.raw_json_token();
        if (t == ondemand::json_type::string) {
            while (!tok.empty() && tok.back() != '"')
                tok.remove_suffix(1);
        } else {
            while (!tok.empty() && std::strchr(" \t\r\n,}]", tok.back()))
                tok.remove_suffix(1);
        }
        return std::string(tok);
    }

    std::string outPath() const
    {
        if (m_opt.target == ExportTarget::Datatrove)
            return m_opt.outDir + "/scores/" + m_stems[current()] + ".scores.jsonl.gz";
        return m_opt.outDir + "/attributes/" + m_opt.name + "/" + m_rels[current()];
    }
    void openCurrent()
    {
        const std::string path = outPath();
        fs::create_directories(fs::path(path).parent_path());
        m_out = std::make_unique<OutFile>(path, OutFile::codecFor(path));
    }
    void finishCurrent()
    {
        m_out->commit();
        m_summary.outputs.push_back(m_out->path());
        m_out.reset();
    }

    const FilterConfig& m_config;
    BoundRules m_bound;
    std::vector<ColumnInfo> m_cols;
    ExportOptions m_opt;
    std::vector<std::string> m_shards, m_stems, m_rels;
    bool m_group;
    std::vector<size_t> m_write; // columns the rules use, in config.columns() order
    std::string m_prefix;
    simdjson::ondemand::parser m_parser;
    std::unique_ptr<OutFile> m_out;
    size_t m_rejectedNamed = 0;
    ExportSummary m_summary;
};

// The other engines read JSON Lines and take the compression from the file name; Shardscope also reads WARC and
// recognises compression by content. A shard they would read differently is refused up front, naming it.
void checkShards(const std::vector<std::string>& shards, ExportTarget target)
{
    for (const auto& shard : shards) {
        if (ByteSource::isWarc(shard))
            throw std::invalid_argument(shard
                + ": a WARC/WET file; datatrove and Dolma read the exported documents as JSON Lines (convert it "
                  "first, or use apply)");
        const Compression c = ByteSource::detect(shard);
        const OutFile::Codec byName = OutFile::codecFor(shard);
        const bool zstdName
            = shard.ends_with(".zst") || (target == ExportTarget::Datatrove && shard.ends_with(".zstd"));
        const bool matches = c == Compression::Gzip ? byName == OutFile::Codec::Gzip
            : c == Compression::Zstd                ? zstdName
                                                    : byName == OutFile::Codec::None;
        if (!matches)
            throw std::invalid_argument(shard + ": " + compressionName(c)
                + " content under a name that says otherwise; the other engine picks the decompressor from the "
                  "name (.gz, .zst, else none): rename it");
    }
}

std::string commonFolder(const std::vector<std::string>& shards)
{
    if (shards.empty())
        return "/";
    fs::path common = fs::path(shards[0]).parent_path();
    for (const auto& s : shards) {
        const fs::path dir = fs::path(s).parent_path();
        fs::path c;
        auto a = common.begin(), b = dir.begin();
        for (; a != common.end() && b != dir.end() && *a == *b; ++a, ++b)
            c /= *a;
        common = c;
    }
    return common.empty() ? "/" : common.string();
}

std::string datatroveScript(const FilterConfig& config, const ExportOptions& opt, const ExportSummary& sum,
    const std::vector<std::string>& shards, const std::string& root, const std::string& textPointer)
{
    const std::vector<std::string> stems = applyOutputStems(shards);
    std::string shardMap = "{\n";
    for (size_t i = 0; i < shards.size(); ++i)
        shardMap += "  " + jsonString(fs::path(shards[i]).lexically_relative(root).string())
            + ": {\"stem\": " + jsonString(stems[i]) + "}" + (i + 1 < shards.size() ? "," : "") + "\n";
    shardMap += "}";
    std::string s = kPipelineTemplate;
    replaceAll(s, "@VERSION@", SHARDSCOPE_VERSION);
    replaceAll(s, "@CONFIG@", opt.configPath.empty() ? std::string("the config") : opt.configPath);
    replaceAll(s, "@KEPT@", std::to_string(sum.kept));
    replaceAll(s, "@DOCS@", std::to_string(sum.documents));
    replaceAll(s, "@REJECTED@", std::to_string(sum.rejected));
    replaceAll(s, "@OWN_RULES_NOTE@", ownRulesNote(config.rules));
    replaceAll(s, "@SHARD_ROOT@", jsonString(root));
    replaceAll(s, "@TEXT_POINTER@", jsonString(textPointer));
    replaceAll(s, "@SHARDS@", shardMap);
    replaceAll(s, "@RULES@", pythonRules(config.rules));
    return s;
}

std::string yamlQuoted(std::string_view s)
{
    std::string o = "'";
    for (char c : s)
        o += c == '\'' ? std::string("''") : std::string(1, c);
    return o + "'";
}

std::string dolmaMixer(const FilterConfig& config, const std::vector<ColumnInfo>& cols, const ExportOptions& opt,
    const ExportSummary& sum, const std::vector<std::string>& shards)
{
    const std::string out = fs::absolute(opt.outDir).lexically_normal().string();
    std::string y = "# Generated by `shardscope-cli export --to dolma` (shardscope " + std::string(SHARDSCOPE_VERSION)
        + ") from " + (opt.configPath.empty() ? std::string("the config") : opt.configPath)
        + ".\n# Keeps exactly what `shardscope-cli apply` keeps on these shards (export counted "
        + std::to_string(sum.kept) + " kept of " + std::to_string(sum.documents)
        + " documents).\n# Run: dolma -c mixer.yaml mix\n"
          "# The attributes are Shardscope's scores (attributes/"
        + opt.name
        + "/, one line per document line, same order).\n"
          "# Dolma's mixer skips a missing attribute file without a word and jq orders null below every number,\n"
          "# so each rule reads its attribute with a default (// false) and a missing value fails the rule unless\n"
          "# the config keeps missing values.\n"
          "streams:\n  - name: "
        + yamlQuoted(opt.name) + "\n    documents:\n";
    for (const auto& rel : dolmaRelPaths(shards))
        y += "      - " + yamlQuoted(out + "/documents/" + rel) + "\n";
    y += "    attributes:\n      - " + yamlQuoted(opt.name) + "\n    output:\n      path: " + yamlQuoted(out + "/mixed")
        + "\n      max_size_in_bytes: 1000000000\n    filter:\n      syntax: jq\n      include:\n        - "
        + yamlQuoted(dolmaIncludeExpression(config.rules, cols, opt.name + "__shardscope__"))
        + "\n      exclude: []\nwork_dir:\n  input: " + yamlQuoted(out + "/work/input")
        + "\n  output: " + yamlQuoted(out + "/work/output") + "\nprocesses: 1\n";
    return y;
}

} // namespace

ExportSummary runExport(const FilterConfig& config, ScanOptions scan, const ExportOptions& optIn,
    std::function<void(const ScanProgress&)> progress)
{
    ExportOptions opt = optIn;
    if (opt.name.empty())
        opt.name = "shardscope";
    for (char c : opt.name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
            throw std::invalid_argument("attribute name '" + opt.name + "': use letters, digits, '_' and '-'");
    if (config.fields)
        scan.fields = *config.fields;
    std::vector<ColumnInfo> cols;
    for (const auto& s : scan.scorers)
        for (const auto& c : s->columns())
            cols.push_back(c);
    checkExportable(config.rules, cols);
    checkShards(scan.shards, opt.target);
    BoundRules bound(config.rules, cols);
    std::vector<std::string> warnings = bound.warnings();

    std::error_code ec;
    fs::create_directories(opt.outDir, ec);
    if (!fs::is_directory(opt.outDir))
        throw std::runtime_error(
            opt.outDir + ": cannot create output directory" + (ec ? ": " + ec.message() : std::string()));
    const std::string absOut = fs::absolute(opt.outDir).lexically_normal().string();
    if (opt.target == ExportTarget::Dolma && (absOut + "/").find("/documents/") != std::string::npos)
        throw std::invalid_argument(absOut
            + ": Dolma finds attributes by replacing every \"/documents/\" in a document's path; choose an output "
              "directory whose path has none");

    scan.buildIndex = false;
    ExportSink sink(config, std::move(bound), cols, opt, scan.shards);
    Scan s(scan);
    s.addSink(&sink);
    if (progress)
        s.setProgressCallback(progress);
    ScanResult r = s.run();
    sink.finish();
    ExportSummary sum = std::move(sink.summary());
    sum.errors = r.errors();
    sum.cancelled = r.cancelled;
    sum.warnings.insert(sum.warnings.begin(), warnings.begin(), warnings.end());

    if (opt.target == ExportTarget::Datatrove) {
        const std::string root = commonFolder(scan.shards);
        std::string list;
        for (const auto& shard : scan.shards)
            list += fs::path(shard).lexically_relative(root).string() + "\n";
        writeFileAtomically(opt.outDir + "/shards.txt", list);
        sum.outputs.push_back(opt.outDir + "/shards.txt");
        writeFileAtomically(
            opt.outDir + "/pipeline.py", datatroveScript(config, opt, sum, scan.shards, root, scan.fields.text));
        sum.outputs.push_back(opt.outDir + "/pipeline.py");
        if (r.blankLines)
            sum.warnings.push_back("blank lines are skipped by the pipeline as by apply");
    } else {
        const std::vector<std::string> rels = dolmaRelPaths(scan.shards);
        for (size_t i = 0; i < rels.size(); ++i) {
            const fs::path link = fs::path(opt.outDir) / "documents" / rels[i];
            fs::create_directories(link.parent_path());
            fs::remove(link, ec);
            fs::create_symlink(fs::absolute(scan.shards[i]), link, ec);
            if (ec)
                throw std::runtime_error(link.string() + ": cannot link to the shard: " + ec.message());
        }
        if (r.blankLines)
            sum.warnings.push_back(std::to_string(r.blankLines)
                + " blank lines: Dolma's mixer stops at a line that is not JSON (apply skips them)");
        writeFileAtomically(opt.outDir + "/mixer.yaml", dolmaMixer(config, cols, opt, sum, scan.shards));
        sum.outputs.push_back(opt.outDir + "/mixer.yaml");
    }
    return sum;
}

} // namespace shardscope
