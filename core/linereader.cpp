#include "linereader.h"

#include "recordparser.h"

#include <cstring>

namespace shardscope {

LineReader::LineReader(std::unique_ptr<ByteSource> source, std::string path, size_t batchBytes)
    : m_source(std::move(source))
    , m_path(std::move(path))
    , m_batchBytes(std::max<size_t>(batchBytes, 4096))
{
}

bool LineReader::nextBatch(LineBatch& batch)
{
    batch.lines.clear();
    batch.lastOfShard = false;
    if (m_pendingError) {
        auto e = *m_pendingError;
        m_pendingError.reset();
        m_eof = true;
        throw InputError(e.file(), e.byteOffset(), e.reason() + " (while reading line " + std::to_string(m_lineNo) + ")",
                         m_lineNo);
    }
    if (m_eof && m_carry.empty())
        return false;

    std::string& buf = batch.data;
    buf.clear();
    batch.payload = 0;
    buf.reserve(m_batchBytes + RecordParser::kPadding);
    buf.append(m_carry);
    m_carry.clear();
    batch.startOffset = m_offset;
    batch.firstLine = m_lineNo;

    size_t scanFrom = 0;   // where to look for the next '\n'
    size_t lineStart = 0;
    for (;;) {
        // Split what we have.
        while (true) {
            const char* nl = static_cast<const char*>(
                std::memchr(buf.data() + scanFrom, '\n', buf.size() - scanFrom));
            if (!nl)
                break;
            size_t end = size_t(nl - buf.data());
            batch.lines.push_back({ uint32_t(lineStart), uint32_t(end - lineStart) });
            lineStart = end + 1;
            scanFrom = lineStart;
        }
        scanFrom = buf.size();
        if (!batch.lines.empty() && buf.size() >= m_batchBytes)
            break;
        if (m_eof)
            break;
        // Need more bytes: grow by a chunk (a 100 MB record grows the buffer as needed).
        size_t want = std::max(m_batchBytes - std::min(buf.size(), m_batchBytes), size_t(1) << 20);
        size_t n = 0;
        try {
            n = fill(buf, want);
        } catch (const InputError& e) {
            m_pendingError = std::make_unique<InputError>(e);
            m_eof = true;
        }
        if (n == 0 && !m_pendingError)
            m_eof = true;
        if (m_eof) {
            // Split the final bytes; a last line without '\n' is still a record, unless the
            // stream broke mid-line: then that partial line is not a record and is reported.
            while (true) {
                const char* nl = static_cast<const char*>(
                    std::memchr(buf.data() + scanFrom, '\n', buf.size() - scanFrom));
                if (!nl)
                    break;
                size_t end = size_t(nl - buf.data());
                batch.lines.push_back({ uint32_t(lineStart), uint32_t(end - lineStart) });
                lineStart = end + 1;
                scanFrom = lineStart;
            }
            if (lineStart < buf.size() && !m_pendingError) {
                batch.lines.push_back({ uint32_t(lineStart), uint32_t(buf.size() - lineStart) });
                lineStart = buf.size();
            }
            break;
        }
    }
    // Carry the partial tail line over to the next batch.
    if (lineStart < buf.size()) {
        if (m_pendingError) {
            // Truncated mid-line: count those bytes as lost in the error, not as a record.
            m_carry.clear();
        } else {
            m_carry.assign(buf, lineStart, std::string::npos);
        }
        buf.resize(lineStart);
    }
    m_offset = batch.startOffset + buf.size();
    m_lineNo += batch.lines.size();
    batch.lastOfShard = m_eof && m_carry.empty() && !m_pendingError;
    batch.payload = buf.size();
    buf.append(RecordParser::kPadding, '\0'); // simdjson's read-ahead room for the last line
    if (batch.lines.empty()) {
        if (m_pendingError)
            return nextBatch(batch);
        return false;
    }
    return true;
}

size_t LineReader::fill(std::string& buf, size_t want)
{
    size_t old = buf.size();
    // Reserve first so that resize() below never shrinks the padding we rely on.
    if (buf.capacity() < old + want + RecordParser::kPadding)
        buf.reserve(std::max(buf.capacity() * 2, old + want + RecordParser::kPadding));
    buf.resize(old + want);
    size_t got = 0;
    try {
        while (got < want) {
            size_t n = m_source->read(buf.data() + old + got, want - got);
            if (n == 0)
                break;
            got += n;
        }
    } catch (...) {
        buf.resize(old + got);
        throw;
    }
    buf.resize(old + got);
    return got;
}

bool LineReader::next(Line& line)
{
    while (m_singleIdx >= m_single.lines.size()) {
        if (!nextBatch(m_single))
            return false;
        m_singleIdx = 0;
    }
    const auto& l = m_single.lines[m_singleIdx];
    line.text = m_single.line(m_singleIdx);
    line.offset = m_single.startOffset + l.begin;
    line.number = m_single.firstLine + m_singleIdx;
    ++m_singleIdx;
    return true;
}

} // namespace shardscope
