#include "atomicfile.h"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <unistd.h>

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
    if (!m_f || std::fwrite(data.data(), 1, data.size(), m_f) != data.size())
        throw std::runtime_error(m_path + ": write failed: " + std::strerror(errno));
}

void AtomicFile::commit()
{
    if (!m_f)
        throw std::runtime_error(m_path + ": already committed");
    bool ok = std::fflush(m_f) == 0 && ::fsync(::fileno(m_f)) == 0;
    ok = std::fclose(m_f) == 0 && ok;
    m_f = nullptr;
    if (!ok || std::rename(m_tmp.c_str(), m_path.c_str()) != 0)
        throw std::runtime_error(m_path + ": cannot finish writing: " + std::strerror(errno));
    m_committed = true;
}

void writeFileAtomically(const std::string& path, std::string_view data)
{
    AtomicFile f(path);
    f.write(data);
    f.commit();
}

} // namespace shardscope
