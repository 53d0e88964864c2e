#pragma once
// Labels (issue 23): documents a user marked good or bad while browsing, the training data of the quality
// classifier (classifier.h) and the state that "label next" (labelnext.h) works from.
//
// Exchange format: TSV, UTF-8, one label per line, a header line first:
//   id<TAB>label
//   doc-17<TAB>good
//   doc-4<TAB>bad
// `id` is the document's id as the scan gives it (DocIndex::idOf: the id field, or "#<line>" for a record
// without one). `label` is `good` or `bad` (lower case). A "\r" before the newline is ignored (a file saved on
// Windows) and so are empty lines; an empty file (no header either) is an empty set. An id holding a tab, newline,
// carriage return or backslash is written with the escapes \t \n \r \\ (as PostgreSQL's text COPY), so every id
// round-trips; an unknown escape is an error. The same id twice with the same label is kept once; with different labels
// it is an error naming both lines. Every error is an InputError with the file and line number and what was expected,
// never a crash.
//
// Per corpus, the labels live beside its cached scores (CorpusCache::dir/labels.tsv, labelsPathOf()), so
// the CLI and the GUI share them as they share the scores.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace shardscope {

struct DocIndex;
struct CorpusCache;

enum class Label : uint8_t { Bad = 0, Good = 1 };
const char* labelName(Label l); // "good" / "bad"

struct LabelEntry {
    std::string id;
    Label label = Label::Bad;
    uint64_t line = 0; // line in the file it was read from; 0 when set in memory
};

// A set of labels in the order they were given (a later set() of the same id changes it in place).
class LabelSet {
public:
    // Sets or changes the label of `id` (an empty id is refused: std::invalid_argument).
    void set(const std::string& id, Label label, uint64_t line = 0);
    bool remove(const std::string& id);
    std::optional<Label> get(std::string_view id) const;
    const std::vector<LabelEntry>& entries() const { return m_entries; }
    size_t size() const { return m_entries.size(); }
    bool empty() const { return m_entries.empty(); }
    size_t count(Label l) const;

    // The TSV text (header first). parse(toTsv()) gives the same labels in the same order.
    std::string toTsv() const;
    // Parses TSV text; `path` names the file in errors. Throws InputError(path, byte offset, what, line).
    static LabelSet parse(std::string_view text, const std::string& path);
    // Reads a file (parse). A missing file is an InputError; loadIfExists() gives an empty set instead.
    static LabelSet load(const std::string& path);
    static LabelSet loadIfExists(const std::string& path);
    // Writes the TSV atomically (atomicfile.h). Throws std::runtime_error on I/O failure.
    void save(const std::string& path) const;
    // Adds (or overrides with) every label of `other`; returns how many ids were new.
    size_t merge(const LabelSet& other);

private:
    std::vector<LabelEntry> m_entries;
    std::unordered_map<std::string, size_t> m_index;
};

// Where a corpus's labels are kept: beside its scores file (the cache directory, or the directory of a scores
// file the user named).
std::string labelsPathOf(const CorpusCache& cache);

// The labels matched to the documents of a corpus. A label applies to every document with its id (ids are
// meant to be unique; a corpus where they are not gets the label on each copy).
struct LabelMatch {
    std::vector<uint32_t> rows; // labelled documents, in increasing order
    std::vector<uint8_t> good; // per row: 1 good, 0 bad
    std::vector<const LabelEntry*> unknown; // labels whose id is no document's (in the set's order)
    std::vector<uint8_t> labelledMask; // per document: 1 when labelled
};
// One pass over the index; the set must outlive the result (unknown points into it).
LabelMatch matchLabels(const LabelSet& labels, const DocIndex& index);

// "file:line: label for id 'x' matches no document of the corpus" for each unknown label (at most `max`,
// then "... and N more"), one per line.
std::string describeUnknown(const LabelMatch& m, const std::string& path, size_t max = 20);

} // namespace shardscope
