#include "atomicfile.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <stdexcept>

#include <signal.h>
#include <unistd.h>

namespace fs = std::filesystem;

namespace shardscope {

AtomicFile::AtomicFile(std::string path)
    : m_path(std::move(path))
{
    static std::atomic<int> counter { 0 };
    m_tmp = m_path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
    m_f = std::fopen(m_tmp.c_str(), "wb");
    if (!m_f)
        throw std::runtime_error(m_path + ": cannot create " + m_tmp + ": " + std::strerror(errno));
}

AtomicFile::~AtomicFile()
{
    if (m_f)
        std::fclose(m_f);
    if (!m_committed)
        std::remove(m_tmp.c_str());
}

void AtomicFile::write(std::string_view data)
{
    if (!m_f)
        throw std::runtime_error(m_path + ": write after commit");
    // An empty view may have no data pointer, which fwrite must not be given (UBSan: the Dolma export writes
    // empty pieces).
    if (data.empty())
        return;
    if (std::fwrite(data.data(), 1, data.size(), m_f) != data.size())
        throw std::runtime_error(m_path + ": cannot write: " + std::strerror(errno));
}

void AtomicFile::commit()
{
    if (!m_f)
        throw std::runtime_error(m_path + ": already committed");
    // The buffered tail (and a full disk) often shows only here; keep the first error, not fclose's.
    int err = 0;
    if (std::fflush(m_f) != 0 || ::fsync(::fileno(m_f)) != 0)
        err = errno;
    if (std::fclose(m_f) != 0 && !err)
        err = errno;
    m_f = nullptr;
    if (err)
        throw std::runtime_error(m_path + ": cannot write: " + std::strerror(err));
    if (std::rename(m_tmp.c_str(), m_path.c_str()) != 0)
        throw std::runtime_error(m_path + ": cannot rename " + m_tmp + " to it: " + std::strerror(errno));
    m_committed = true;
}

void writeFileAtomically(const std::string& path, std::string_view data)
{
    AtomicFile f(path);
    f.write(data);
    f.commit();
}

size_t removeStaleTemps(const std::string& dir, const std::function<bool(std::string_view finalName)>& ours)
{
    size_t removed = 0;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), last; !ec && it != last; it.increment(ec)) {
        const std::string name = it->path().filename().string();
        const size_t tmp = name.rfind(".tmp-");
        if (tmp == std::string::npos)
            continue;
        // "<pid>-<n>" and nothing else after ".tmp-"
        const char* p = name.data() + tmp + 5;
        const char* end = name.data() + name.size();
        long pid = 0;
        auto [afterPid, pidErr] = std::from_chars(p, end, pid);
        if (pidErr != std::errc() || afterPid == p || afterPid == end || *afterPid != '-' || afterPid + 1 == end
            || !std::all_of(afterPid + 1, end, [](char c) { return c >= '0' && c <= '9'; }))
            continue;
        if (pid <= 0 || pid == long(::getpid()) || !ours(std::string_view(name).substr(0, tmp)))
            continue;
        if (::kill(pid_t(pid), 0) == 0 || errno != ESRCH)
            continue; // running (or not ours to signal: EPERM): maybe still writing
        if (std::remove(it->path().c_str()) == 0)
            ++removed;
    }
    return removed;
}

} // namespace shardscope
