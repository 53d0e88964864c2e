#pragma once
// Output files appear whole or not at all: data goes to "<path>.tmp-<pid>-<n>" in the same
// directory, is flushed and fsync'ed, then renamed over <path>. A destroyed, uncommitted
// AtomicFile removes its temporary file.

#include <cstdio>
#include <string>
#include <string_view>

namespace shardscope {

class AtomicFile {
public:
    explicit AtomicFile(std::string path);
    ~AtomicFile();
    AtomicFile(const AtomicFile&) = delete;
    AtomicFile& operator=(const AtomicFile&) = delete;

    void write(std::string_view data);   // throws std::runtime_error on failure
    void commit();                       // flush, fsync, rename
    const std::string& path() const { return m_path; }
    const std::string& tempPath() const { return m_tmp; }

private:
    std::string m_path;
    std::string m_tmp;
    std::FILE* m_f = nullptr;
    bool m_committed = false;
};

// Whole-file helper.
void writeFileAtomically(const std::string& path, std::string_view data);

} // namespace shardscope
