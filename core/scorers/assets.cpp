#include "scorers/assets.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include <unistd.h>

namespace shardscope {

namespace fs = std::filesystem;

std::string exeDirectory()
{
    char buf[4096];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return {};
    return fs::path(std::string(buf, size_t(n))).parent_path().string();
}

std::vector<std::string> assetCandidates(const char* envVar, const std::string& installedName,
                                         const std::string& sourcePath)
{
    if (const char* env = std::getenv(envVar); env && *env)
        return { env };
    std::vector<std::string> out;
    if (std::string exe = exeDirectory(); !exe.empty())
        out.push_back((fs::path(exe) / "../share/shardscope/models" / installedName).lexically_normal().string());
#ifdef SHARDSCOPE_INSTALL_DATADIR
    out.push_back(std::string(SHARDSCOPE_INSTALL_DATADIR) + "/shardscope/models/" + installedName);
#endif
#ifdef SHARDSCOPE_SOURCE_DIR
    out.push_back(std::string(SHARDSCOPE_SOURCE_DIR) + "/" + sourcePath);
#endif
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

std::string findAsset(const char* envVar, const std::string& installedName, const std::string& sourcePath)
{
    for (const auto& c : assetCandidates(envVar, installedName, sourcePath)) {
        std::error_code ec;
        if (fs::is_regular_file(c, ec))
            return c;
    }
    return {};
}

} // namespace shardscope
