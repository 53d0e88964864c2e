#include "labels.h"

#include "atomicfile.h"
#include "bytesource.h"
#include "docindex.h"
#include "scorestore.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>

namespace shardscope {

const char* labelName(Label l)
{
    return l == Label::Good ? "good" : "bad";
}

void LabelSet::set(const std::string& id, Label label, uint64_t line)
{
    if (id.empty())
        throw std::invalid_argument("a label needs a document id");
    auto it = m_index.find(id);
    if (it != m_index.end()) {
        m_entries[it->second].label = label;
        m_entries[it->second].line = line;
        return;
    }
    m_index.emplace(id, m_entries.size());
    m_entries.push_back({ id, label, line });
}

bool LabelSet::remove(const std::string& id)
{
    auto it = m_index.find(id);
    if (it == m_index.end())
        return false;
    const size_t at = it->second;
    m_index.erase(it);
    m_entries.erase(m_entries.begin() + long(at));
    for (auto& [key, index] : m_index)
        if (index > at)
            --index;
    return true;
}

std::optional<Label> LabelSet::get(std::string_view id) const
{
    auto it = m_index.find(std::string(id));
    if (it == m_index.end())
        return std::nullopt;
    return m_entries[it->second].label;
}

size_t LabelSet::count(Label l) const
{
    return size_t(std::count_if(m_entries.begin(), m_entries.end(), [l](const LabelEntry& e) { return e.label == l; }));
}

size_t LabelSet::merge(const LabelSet& other)
{
    size_t added = 0;
    for (const auto& e : other.m_entries) {
        added += m_index.count(e.id) ? 0 : 1;
        set(e.id, e.label, e.line);
    }
    return added;
}

namespace {

std::string escapeId(std::string_view id)
{
    std::string out;
    out.reserve(id.size());
    for (char c : id) {
        switch (c) {
        case '\t':
            out += "\\t";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\\':
            out += "\\\\";
            break;
        default:
            out += c;
        }
    }
    return out;
}

// Shows a field in an error: at most 60 bytes, control characters escaped.
std::string shown(std::string_view s)
{
    std::string out;
    for (unsigned char c : s.substr(0, 60)) {
        if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += char(c);
        }
    }
    return s.size() > 60 ? out + "..." : out;
}

} // namespace

std::string LabelSet::toTsv() const
{
    std::string out = "id\tlabel\n";
    for (const auto& e : m_entries) {
        out += escapeId(e.id);
        out += '\t';
        out += labelName(e.label);
        out += '\n';
    }
    return out;
}

LabelSet LabelSet::parse(std::string_view text, const std::string& path)
{
    LabelSet set;
    size_t pos = 0;
    uint64_t lineNo = 0;
    bool header = false;
    while (pos < text.size()) {
        const size_t start = pos;
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        pos = end + 1;
        ++lineNo;
        std::string_view line = text.substr(start, end - start);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        auto fail = [&](const std::string& what) { throw InputError(path, start, what, lineNo); };
        if (!header) {
            // A UTF-8 byte order mark (a file saved by a spreadsheet) is not part of the header.
            if (line.substr(0, 3) == "\xEF\xBB\xBF")
                line.remove_prefix(3);
            if (line != "id\tlabel")
                fail("expected the header 'id<TAB>label' (a labels TSV), found '" + shown(line) + "'");
            header = true;
            continue;
        }
        if (line.empty())
            continue;
        const size_t tab = line.find('\t');
        if (tab == std::string_view::npos)
            fail("expected 'id<TAB>label' (two fields separated by a tab), found '" + shown(line) + "'");
        const std::string_view rawId = line.substr(0, tab);
        const std::string_view value = line.substr(tab + 1);
        if (value.find('\t') != std::string_view::npos)
            fail("more than two fields (expected 'id<TAB>label')");
        Label label = Label::Bad;
        if (value == "good")
            label = Label::Good;
        else if (value == "bad")
            label = Label::Bad;
        else
            fail("label '" + shown(value) + "' (expected 'good' or 'bad')");
        if (rawId.empty())
            fail("empty id");
        std::string id;
        id.reserve(rawId.size());
        for (size_t i = 0; i < rawId.size(); ++i) {
            if (rawId[i] != '\\') {
                id += rawId[i];
                continue;
            }
            const char next = i + 1 < rawId.size() ? rawId[i + 1] : '\0';
            switch (next) {
            case 't':
                id += '\t';
                break;
            case 'n':
                id += '\n';
                break;
            case 'r':
                id += '\r';
                break;
            case '\\':
                id += '\\';
                break;
            default:
                fail("id '" + shown(rawId) + "': a backslash must start one of the escapes \\t \\n \\r \\\\");
            }
            ++i;
        }
        if (auto it = set.m_index.find(id); it != set.m_index.end()) {
            const LabelEntry& before = set.m_entries[it->second];
            if (before.label != label)
                fail("id '" + shown(id) + "' is labelled '" + labelName(label) + "' here and '"
                    + labelName(before.label) + "' on line " + std::to_string(before.line));
            continue;
        }
        set.set(id, label, lineNo);
    }
    // An empty file is no labels yet (`label next --labels new.tsv` after `touch new.tsv`): the first selection.
    return set;
}

LabelSet LabelSet::load(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, 0, std::string("cannot open the labels file: ") + std::strerror(errno));
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (in.bad())
        throw InputError(path, 0, "read error in the labels file");
    return parse(bytes, path);
}

LabelSet LabelSet::loadIfExists(const std::string& path)
{
    std::ifstream probe(path, std::ios::binary);
    if (!probe && errno == ENOENT)
        return {};
    probe.close();
    return load(path);
}

void LabelSet::save(const std::string& path) const
{
    writeFileAtomically(path, toTsv());
}

std::string labelsPathOf(const CorpusCache& cache)
{
    // A scores file the user named may be shared by several corpora's directories: its labels go beside it
    // under its own name, so two named scores files in one directory keep theirs apart.
    if (cache.userNamedScores)
        return cache.scoresPath + ".labels.tsv";
    return cache.dir + "/labels.tsv";
}

LabelMatch matchLabels(const LabelSet& labels, const DocIndex& index)
{
    LabelMatch m;
    const size_t n = index.size();
    m.labelledMask.assign(n, 0);
    if (labels.empty())
        return m;
    std::unordered_map<std::string_view, size_t> byId;
    byId.reserve(labels.size() * 2);
    for (size_t i = 0; i < labels.entries().size(); ++i)
        byId.emplace(labels.entries()[i].id, i);
    std::vector<uint8_t> seen(labels.size(), 0);
    std::string synthetic;
    for (size_t row = 0; row < n; ++row) {
        std::string_view id = index.ids.get(row);
        if (id.empty()) {
            synthetic = index.idOf(row);
            id = synthetic;
        }
        auto it = byId.find(id);
        if (it == byId.end())
            continue;
        seen[it->second] = 1;
        m.rows.push_back(uint32_t(row));
        m.good.push_back(labels.entries()[it->second].label == Label::Good ? 1 : 0);
        m.labelledMask[row] = 1;
    }
    for (size_t i = 0; i < seen.size(); ++i)
        if (!seen[i])
            m.unknown.push_back(&labels.entries()[i]);
    return m;
}

std::string describeUnknown(const LabelMatch& m, const std::string& path, size_t max)
{
    std::string out;
    size_t shownCount = 0;
    for (const LabelEntry* e : m.unknown) {
        if (shownCount++ >= max) {
            out += "... and " + std::to_string(m.unknown.size() - max) + " more ids that match no document\n";
            break;
        }
        // Appended piece by piece: GCC 12 warns (-Wrestrict, a false positive) on the one long concatenation.
        out += path;
        if (e->line) {
            out += ':';
            out += std::to_string(e->line);
        }
        out += ": label for id '";
        out += shown(e->id);
        out += "' matches no document of the corpus\n";
    }
    return out;
}

} // namespace shardscope
