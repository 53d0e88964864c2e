// Fuzz target (issue 18): the scores file loader (loadScores, and readHeader inside it). It documents
// InputError for a corrupt or foreign file. A file it accepts must hold what its consumers index without
// checking (the table model, writeTsv, the filter): every DocIndex column and every score column as long
// as the document count, group indices within the group names, an id per document. This target reads all
// of it the way those consumers do, so a loader that lets an inconsistent file through is caught here
// rather than in the GUI.

#include "fuzzutil.h"

#include "bytesource.h"
#include "scorestore.h"

using namespace shardscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    static fuzz::MemFile file("fuzz_scorestore");
    const std::string& path = file.set(std::string_view(reinterpret_cast<const char*>(data), size));
    ScanResult r;
    ScoresFileInfo info;
    try {
        r = loadScores(path, &info);
    } catch (const InputError&) {
        return 0;
    }
    const DocIndex& ix = r.index;
    const size_t n = ix.size();
    fuzz::check(r.scores.values.size() == r.scores.columns.size(), "score columns and values disagree");
    fuzz::check(ix.shard.size() == n && ix.length.size() == n && ix.line.size() == n && ix.textBytes.size() == n
            && ix.textChars.size() == n && ix.group.size() == n && ix.ids.size() == n,
        "a DocIndex column's length differs from the document count");
    for (const auto& v : r.scores.values)
        fuzz::check(v.size() == n, "a score column's length differs from the document count");
    uint64_t sum = 0;
    for (size_t i = 0; i < n; ++i) {
        sum += ix.shard[i] + ix.length[i] + ix.line[i] + ix.textBytes[i] + ix.textChars[i];
        sum += ix.groups[ix.group[i]].size();
        sum += ix.idOf(i).size();
        for (size_t c = 0; c < r.scores.values.size(); ++c)
            sum += r.scores.values[c][i] > 0;
    }
    (void)sum;
    return 0;
}
