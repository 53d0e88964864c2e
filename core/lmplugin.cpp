#include "lmplugin.h"

#include "scorers/assets.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <mutex>

#include <dlfcn.h>

// Set by core/lm/CMakeLists.txt for this file alone.
#ifndef SHARDSCOPE_LM_PLUGIN_ABI
#error "SHARDSCOPE_LM_PLUGIN_ABI is not defined (core/lm/CMakeLists.txt sets it)"
#endif

namespace shardscope::lm {

namespace {

// Loading takes a third of a second (libtorch's libraries): it holds g_loadMutex only, so the GUI thread
// asking lmBackendLoaded() or lmPluginProblem() meanwhile is not held up.
std::mutex g_loadMutex;
std::atomic<LmBackend*> g_backend { nullptr };
std::mutex g_errorMutex;
std::string g_error; // of the load that failed; it is not retried

std::string loadError()
{
    std::lock_guard lock(g_errorMutex);
    return g_error;
}

} // namespace

std::vector<std::string> lmPluginCandidates()
{
    if (const char* env = std::getenv("SHARDSCOPE_LM_PLUGIN"); env && *env)
        return { env };
    std::vector<std::string> out;
    namespace fs = std::filesystem;
    if (const std::string exe = exeDirectory(); !exe.empty())
        out.push_back((fs::path(exe) / SHARDSCOPE_LM_PLUGIN_FROM_BINDIR).lexically_normal().string());
    for (const char* p : { SHARDSCOPE_LM_PLUGIN_BUILD_PATH, SHARDSCOPE_LM_PLUGIN_INSTALL_PATH })
        if (std::find(out.begin(), out.end(), p) == out.end())
            out.emplace_back(p);
    return out;
}

std::string lmPluginProblem()
{
    if (g_backend.load(std::memory_order_acquire))
        return {};
    if (std::string e = loadError(); !e.empty())
        return e;
    std::string looked;
    for (const std::string& c : lmPluginCandidates()) {
        std::error_code ec;
        if (std::filesystem::is_regular_file(c, ec))
            return {};
        looked += (looked.empty() ? "" : ", ") + c;
    }
    return "this build's language-model support (the plugin with libtorch) was not found; looked for " + looked
        + " (set SHARDSCOPE_LM_PLUGIN to its path)";
}

LmBackend& lmBackend()
{
    if (LmBackend* b = g_backend.load(std::memory_order_acquire))
        return *b;
    std::lock_guard lock(g_loadMutex);
    if (LmBackend* b = g_backend.load(std::memory_order_acquire))
        return *b;
    if (std::string e = loadError(); !e.empty())
        throw LmPluginError(e);
    std::string why;
    for (const std::string& path : lmPluginCandidates()) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) {
            why += "\n  " + path + ": not found";
            continue;
        }
        void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_GLOBAL);
        if (!handle) {
            const char* e = ::dlerror();
            std::string said = e ? e : "dlopen failed";
            if (said.rfind(path + ": ", 0) == 0)
                said.erase(0, path.size() + 2); // glibc names the file itself
            why += "\n  " + path + ": " + said;
            continue;
        }
        auto entry = reinterpret_cast<LmPluginEntry>(::dlsym(handle, kLmPluginEntry));
        LmBackend* backend = entry ? entry(SHARDSCOPE_LM_PLUGIN_ABI) : nullptr;
        if (!backend) {
            why += "\n  " + path
                + (entry ? ": built from another version of Shardscope (interface " SHARDSCOPE_LM_PLUGIN_ABI
                           " expected)"
                         : std::string(": no ") + kLmPluginEntry + " (not a Shardscope language-model plugin)");
            // Left open: unloading a library that started libtorch's threads is not safe.
            continue;
        }
        g_backend.store(backend, std::memory_order_release);
        return *backend;
    }
    const std::string error = "cannot load this build's language-model support (the plugin with libtorch):" + why
        + "\n(set SHARDSCOPE_LM_PLUGIN to the plugin's path)";
    {
        std::lock_guard errorLock(g_errorMutex);
        g_error = error;
    }
    throw LmPluginError(error);
}

bool lmBackendLoaded()
{
    return g_backend.load(std::memory_order_acquire) != nullptr;
}

} // namespace shardscope::lm
