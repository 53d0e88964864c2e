#pragma once
// Helpers shared by the fuzz targets (issue 18). The parsers under test read files by path, so a target
// writes its input into an anonymous in-memory file (memfd) and hands out /proc/self/fd/N: no disk I/O
// per execution, nothing left behind.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <sys/mman.h>
#include <unistd.h>

namespace fuzz {

class MemFile {
public:
    explicit MemFile(const char* name)
    {
        m_fd = ::memfd_create(name, MFD_CLOEXEC);
        if (m_fd < 0) {
            std::perror("memfd_create");
            std::abort();
        }
        m_path = "/proc/self/fd/" + std::to_string(m_fd);
    }
    ~MemFile() { ::close(m_fd); }
    MemFile(const MemFile&) = delete;
    MemFile& operator=(const MemFile&) = delete;

    // Replaces the contents; returns the path to open.
    const std::string& set(std::string_view bytes)
    {
        if (::ftruncate(m_fd, 0) != 0)
            std::abort();
        size_t done = 0;
        while (done < bytes.size()) {
            ssize_t n = ::pwrite(m_fd, bytes.data() + done, bytes.size() - done, off_t(done));
            if (n <= 0)
                std::abort();
            done += size_t(n);
        }
        return m_path;
    }
    const std::string& path() const { return m_path; }

private:
    int m_fd = -1;
    std::string m_path;
};

// A finding in the target's own checks: report and abort, so libFuzzer (and the replayer) treat it as a crash.
[[noreturn]] inline void fail(const char* what)
{
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
}

inline void check(bool ok, const char* what)
{
    if (!ok)
        fail(what);
}

} // namespace fuzz
