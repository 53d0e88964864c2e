// Fuzz target (issue 23): the labels TSV (labels.h). LabelSet::parse() documents InputError (file, line, what
// was expected) for every malformed input. A set it accepts must write back (toTsv) to text that parses to the
// same labels in the same order, and that text must be stable.

#include "fuzzutil.h"

#include "bytesource.h"
#include "labels.h"

using namespace shardscope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    LabelSet set;
    try {
        set = LabelSet::parse(text, "fuzz.tsv");
    } catch (const InputError& e) {
        fuzz::check(e.file() == "fuzz.tsv", "an InputError that does not name the file");
        fuzz::check(e.line() > 0, "an InputError without a line number");
        return 0;
    }
    for (const auto& e : set.entries()) {
        fuzz::check(!e.id.empty(), "an empty id was accepted");
        fuzz::check(e.line > 1, "a label on the header line");
    }
    const std::string written = set.toTsv();
    LabelSet again;
    try {
        again = LabelSet::parse(written, "written.tsv");
    } catch (const InputError& e) {
        std::fprintf(stderr, "%s\n", e.what());
        fuzz::fail("toTsv() wrote labels that parse() rejects");
    }
    fuzz::check(again.size() == set.size(), "the number of labels changed in a round trip");
    for (size_t i = 0; i < set.size(); ++i) {
        fuzz::check(again.entries()[i].id == set.entries()[i].id, "an id changed in a round trip");
        fuzz::check(again.entries()[i].label == set.entries()[i].label, "a label changed in a round trip");
    }
    fuzz::check(again.toTsv() == written, "toTsv() not stable in a round trip");
    return 0;
}
