#include "docindex.h"

#include "bytesource.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

namespace fs = std::filesystem;

namespace shardscope {

ShardInfo fingerprintShard(const std::string& path)
{
    ShardInfo info;
    std::error_code ec;
    info.path = fs::absolute(path, ec).lexically_normal().string();
    struct stat st;
    if (::stat(path.c_str(), &st) != 0)
        throw InputError(path, 0, std::string("cannot stat: ") + std::strerror(errno));
    info.size = uint64_t(st.st_size);
    info.mtimeNs = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    info.compression = compressionName(ByteSource::detect(path));

    // Head and tail: enough to notice a rewritten or appended shard without reading it all.
    constexpr size_t kPart = 64 * 1024;
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    XXH3_64bits_update(state, &info.size, sizeof info.size);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        std::vector<char> buf(kPart);
        ssize_t n = ::pread(fd, buf.data(), kPart, 0);
        if (n > 0)
            XXH3_64bits_update(state, buf.data(), size_t(n));
        if (info.size > kPart) {
            n = ::pread(fd, buf.data(), kPart, off_t(info.size > 2 * kPart ? info.size - kPart : kPart));
            if (n > 0)
                XXH3_64bits_update(state, buf.data(), size_t(n));
        }
        ::close(fd);
    }
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(XXH3_64bits_digest(state)));
    XXH3_freeState(state);
    info.fingerprint = hex;
    return info;
}

static bool looksLikeShard(const fs::path& p)
{
    static const char* suffixes[] = { ".jsonl", ".jsonl.gz", ".jsonl.zst", ".jsonl.zstd", ".json.gz", ".json.zst",
                                      ".ndjson", ".ndjson.gz", ".ndjson.zst", ".json" };
    std::string name = p.filename().string();
    for (const char* s : suffixes) {
        size_t n = std::strlen(s);
        if (name.size() > n && name.compare(name.size() - n, n, s) == 0)
            return true;
    }
    return false;
}

// Opening is the only test of readability that holds for root, ACLs and read-only mounts alike.
static void requireReadable(const std::string& path)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        throw InputError(path, 0, std::string("cannot open: ") + std::strerror(errno));
    ::close(fd);
}

std::vector<std::string> expandShardPaths(const std::vector<std::string>& inputs)
{
    std::vector<std::string> out;
    for (const auto& in : inputs) {
        std::error_code ec;
        fs::file_status st = fs::status(in, ec);
        if (ec && ec != std::errc::no_such_file_or_directory)
            throw InputError(in, 0, "cannot read: " + ec.message());
        if (!fs::exists(st))
            throw InputError(in, 0, "no such file or directory");
        if (fs::is_directory(st)) {
            std::vector<std::string> found;
            fs::recursive_directory_iterator it(in, ec);
            if (ec)
                throw InputError(in, 0, "cannot list directory: " + ec.message());
            while (it != fs::recursive_directory_iterator()) {
                const fs::path p = it->path();
                if (looksLikeShard(p)) {
                    std::error_code fileEc;
                    const bool regular = it->is_regular_file(fileEc); // follows a link to a file
                    if (fileEc)
                        throw InputError(p.string(), 0, "cannot read: " + fileEc.message());
                    if (regular) {
                        requireReadable(p.string());
                        found.push_back(fs::absolute(p).lexically_normal().string());
                    }
                }
                // A failed step leaves the iterator at its end: without this check an unreadable subdirectory would
                // quietly end the listing. The entry just seen is the directory that could not be opened.
                it.increment(ec);
                if (ec)
                    throw InputError(p.string(), 0, "cannot list directory: " + ec.message());
            }
            std::sort(found.begin(), found.end());
            out.insert(out.end(), found.begin(), found.end());
        } else {
            requireReadable(in);
            out.push_back(fs::absolute(in).lexically_normal().string());
        }
    }
    return out;
}

// ---------------------------------------------------------------------------------------------

struct IdStore::Impl {
    int fd = -1;
    uint64_t fileSize = 0;
    const char* map = nullptr;
    size_t mapSize = 0;
    std::string adopted;    // ids loaded from a scores file (already in memory there)
    ~Impl()
    {
        if (map)
            ::munmap(const_cast<char*>(map), mapSize);
        if (fd >= 0)
            ::close(fd);
    }
};

IdStore::IdStore()
    : d(std::make_unique<Impl>())
{
}

IdStore::~IdStore() = default;
IdStore::IdStore(IdStore&&) noexcept = default;
IdStore& IdStore::operator=(IdStore&&) noexcept = default;

void IdStore::append(std::string_view id)
{
    m_pending.append(id);
    m_offsets.push_back(m_offsets.back() + id.size());
    if (m_pending.size() >= (1u << 20))
        flush();
}

void IdStore::flush()
{
    if (!d->adopted.empty() && !m_pending.empty()) {
        d->adopted.append(m_pending);
        m_pending.clear();
        return;
    }
    if (m_pending.empty())
        return;
    if (d->fd < 0) {
        // An unlinked temporary file: the page cache holds the ids, not the heap, and the
        // file disappears with the process.
        const char* tmp = std::getenv("TMPDIR");
        std::string dir = tmp && *tmp ? tmp : "/tmp";
        d->fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (d->fd < 0) {
            std::string templ = dir + "/shardscope-ids-XXXXXX";
            d->fd = ::mkstemp(templ.data());
            if (d->fd >= 0)
                ::unlink(templ.c_str());
        }
        if (d->fd < 0) {
            // No writable temp dir: keep ids in memory rather than lose them.
            d->adopted = std::move(m_pending);
            m_pending.clear();
            return;
        }
    }
    size_t done = 0;
    while (done < m_pending.size()) {
        ssize_t n = ::pwrite(d->fd, m_pending.data() + done, m_pending.size() - done, off_t(d->fileSize + done));
        if (n <= 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        done += size_t(n);
    }
    d->fileSize += done;
    m_pending.erase(0, done);
    if (d->map)
        ::munmap(const_cast<char*>(d->map), d->mapSize);
    d->map = nullptr;
    d->mapSize = 0;
    if (d->fileSize) {
        void* p = ::mmap(nullptr, d->fileSize, PROT_READ, MAP_SHARED, d->fd, 0);
        if (p != MAP_FAILED) {
            d->map = static_cast<const char*>(p);
            d->mapSize = d->fileSize;
        }
    }
}

std::string_view IdStore::get(uint64_t i) const
{
    if (i + 1 >= m_offsets.size())
        return {};
    uint64_t b = m_offsets[i], e = m_offsets[i + 1];
    if (!d->adopted.empty() || d->fd < 0) {
        if (e <= d->adopted.size())
            return std::string_view(d->adopted).substr(b, e - b);
        uint64_t base = d->adopted.size();
        if (b >= base)
            return std::string_view(m_pending).substr(b - base, e - b);
        return {};
    }
    if (e <= d->mapSize)
        return { d->map + b, size_t(e - b) };
    if (b >= d->fileSize)
        return std::string_view(m_pending).substr(b - d->fileSize, e - b);
    return {};
}

void IdStore::adopt(std::vector<uint64_t> offsets, std::string bytes)
{
    m_offsets = std::move(offsets);
    if (m_offsets.empty())
        m_offsets.push_back(0);
    d = std::make_unique<Impl>();
    d->adopted = std::move(bytes);
    if (d->adopted.empty())
        d->adopted.reserve(1); // marks "in memory" even for all-empty ids
    m_pending.clear();
}

std::string_view IdStore::bytes() const
{
    if (!d->adopted.empty() || d->fd < 0)
        return d->adopted;
    return { d->map, d->mapSize };
}

void DocIndex::reserve(size_t n)
{
    shard.reserve(n);
    offset.reserve(n);
    length.reserve(n);
    line.reserve(n);
    textBytes.reserve(n);
    textChars.reserve(n);
    group.reserve(n);
}

void DocIndex::shrinkToFit()
{
    shard.shrink_to_fit();
    offset.shrink_to_fit();
    length.shrink_to_fit();
    line.shrink_to_fit();
    textBytes.shrink_to_fit();
    textChars.shrink_to_fit();
    group.shrink_to_fit();
}

std::string DocIndex::idOf(size_t i) const
{
    std::string_view id = ids.get(i);
    if (!id.empty())
        return std::string(id);
    return "#" + std::to_string(line[i]);
}

} // namespace shardscope
