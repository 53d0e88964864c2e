#pragma once
// Output files appear whole or not at all: data goes to "<path>.tmp-<pid>-<n>" in the same
// directory, is flushed and fsync'ed, then renamed over <path>. A destroyed, uncommitted
// AtomicFile removes its temporary file.

#include <cstdio>
#include <functional>
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

// A process killed while writing (kill -9, out of memory, power loss) leaves its "<name>.tmp-<pid>-<n>" behind.
// Removes those in `dir` whose final name `ours` accepts and whose process no longer runs on this host; returns
// how many. Only a writer about to replace those same final names should call it: a temporary file of a live
// process in another PID namespace looks dead from here, but such a process would be racing for the same names.
size_t removeStaleTemps(const std::string& dir, const std::function<bool(std::string_view finalName)>& ours);

} // namespace shardscope
