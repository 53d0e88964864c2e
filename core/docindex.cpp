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
    info.compression = ByteSource::formatName(path);

    // Head and tail: enough to notice a rewritten or appended shard without reading it all.
    constexpr size_t kPart = 64 * 1024;
    XXH3_state_t* state = XXH3_createState();
    XXH3_64bits_reset(state);
    XXH3_64bits_update(state, &info.size, sizeof info.size);
    // A WARC shard's offsets are those of its synthesized JSON Lines: scores and seek caches made before
    // WARC was read as such (when its lines were all rejected) must not match it.
    if (info.compression.rfind("warc", 0) == 0)
        XXH3_64bits_update(state, "warc", 4);
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
        ".ndjson", ".ndjson.gz", ".ndjson.zst", ".json",
        // Common Crawl: .warc.gz, .warc.wet.gz, .wet.gz (issue 21)
        ".warc", ".warc.gz", ".warc.zst", ".wet", ".wet.gz", ".wet.zst" };
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

// Ids live in an unlinked temporary file read through one read-only mapping that reserves far more
// address space than the file needs (address space, not memory: nothing is committed until written).
// The mapping never moves while the file grows, so the views get() hands out stay valid while appends
// go on: a background job can hold them while the scan appends. If the file outgrows the reservation
// a larger mapping takes over and the old one stays mapped until the store is destroyed. Without a
// temporary file the same reservation is anonymous memory. Ids of a loaded scores file are a
// read-only mapping of that file's id block, so they never enter the heap either.
struct IdStore::Impl {
    int fd = -1; // the temporary file; -1 until the first flush, or in memory
    const char* base = nullptr; // the ids' first byte
    uint64_t size = 0; // bytes of ids readable at base
    size_t reserved = 0; // bytes of address space at base
    bool anonymous = false; // base is writable anonymous memory (no temporary file)
    bool foreign = false; // base maps another file's block (a scores file), read-only
    std::vector<std::pair<void*, size_t>> mappings; // every mapping made, unmapped at destruction

    ~Impl()
    {
        for (auto [p, n] : mappings)
            ::munmap(p, n);
        if (fd >= 0)
            ::close(fd);
    }

    static size_t pageSize() { return size_t(::sysconf(_SC_PAGESIZE)); }

    // Maps at least `need` bytes of the temporary file (or anonymous memory), reserving generously.
    void reserve(uint64_t need)
    {
        for (size_t want : { size_t(1) << 40, size_t(1) << 36, size_t(1) << 32, size_t(0) }) {
            if (want == 0) // no big reservation anywhere: exactly what is needed, doubled
                want = std::max<size_t>(size_t(need) * 2, size_t(1) << 20);
            if (want < need)
                continue;
            void* p = anonymous
                ? ::mmap(nullptr, want, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
                : ::mmap(nullptr, want, PROT_READ, MAP_SHARED, fd, 0);
            if (p == MAP_FAILED)
                continue;
            if (anonymous && base && size)
                std::memcpy(p, base, size_t(size));
            mappings.emplace_back(p, want);
            base = static_cast<const char*>(p);
            reserved = want;
            return;
        }
        throw std::bad_alloc();
    }

    // The first write: an unlinked temporary file, so the page cache holds the ids, not the heap, and
    // the file disappears with the process.
    void open()
    {
        const char* tmp = std::getenv("TMPDIR");
        std::string dir = tmp && *tmp ? tmp : "/tmp";
        fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (fd < 0) {
            std::string templ = dir + "/shardscope-ids-XXXXXX";
            fd = ::mkstemp(templ.data());
            if (fd >= 0)
                ::unlink(templ.c_str());
        }
        anonymous = fd < 0; // no writable temporary directory: keep ids in memory rather than lose them
    }

    void write(std::string_view bytes)
    {
        if (bytes.empty())
            return;
        if (foreign) {
            // Appending to the ids of a loaded scores file: copy them into a store of our own first (the old
            // mapping stays in `mappings`, so `old` is readable while it is copied).
            const std::string_view old(base, size_t(size));
            foreign = false;
            base = nullptr;
            size = 0;
            reserved = 0;
            write(old);
        }
        if (fd < 0 && !anonymous)
            open();
        if (!base || size + bytes.size() > reserved)
            reserve(size + bytes.size());
        if (anonymous) {
            std::memcpy(const_cast<char*>(base) + size, bytes.data(), bytes.size());
            size += bytes.size();
            return;
        }
        size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = ::pwrite(fd, bytes.data() + done, bytes.size() - done, off_t(size + done));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                // The temporary file cannot grow (a full disk): go on in memory rather than lose ids.
                size += done;
                anonymous = true;
                reserve(size + bytes.size() - done);
                write(bytes.substr(done));
                return;
            }
            done += size_t(n);
        }
        size += done;
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
    if (m_pending.empty())
        return;
    d->write(m_pending);
    m_pending.clear();
}

std::string_view IdStore::get(uint64_t i) const
{
    if (i + 1 >= m_offsets.size())
        return {};
    const uint64_t b = m_offsets[i], e = m_offsets[i + 1];
    if (e <= d->size)
        return { d->base + b, size_t(e - b) };
    if (b >= d->size)
        return std::string_view(m_pending).substr(size_t(b - d->size), size_t(e - b));
    return {};
}

void IdStore::adoptFileBlock(std::vector<uint64_t> offsets, int fd, uint64_t fileOffset, uint64_t bytes)
{
    auto impl = std::make_unique<Impl>();
    if (bytes) {
        const uint64_t page = Impl::pageSize();
        const uint64_t start = fileOffset / page * page;
        const size_t length = size_t(fileOffset - start + bytes);
        void* p = ::mmap(nullptr, length, PROT_READ, MAP_PRIVATE, fd, off_t(start));
        if (p == MAP_FAILED)
            throw std::runtime_error(std::string("cannot map the id block: ") + std::strerror(errno));
        ::madvise(p, length, MADV_RANDOM);
        impl->mappings.emplace_back(p, length);
        impl->base = static_cast<const char*>(p) + (fileOffset - start);
        impl->size = bytes;
        impl->reserved = size_t(bytes);
        impl->foreign = true;
    }
    d = std::move(impl);
    m_offsets = std::move(offsets);
    if (m_offsets.empty())
        m_offsets.push_back(0);
    m_pending.clear();
}

std::string_view IdStore::bytes() const
{
    return { d->base, size_t(d->size) };
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
    // Line 0: read by byte offset (a sample of a plain shard), so named by that offset.
    return line[i] ? "#" + std::to_string(line[i]) : "@" + std::to_string(offset[i]);
}

} // namespace shardscope
