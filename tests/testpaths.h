#pragma once
// Where tests and benchmarks find their input (issue 18), without Qt: the benchmarks link only the engine.
// testdata.h adds the skip macros for Qt Test. See testdata.h for the three kinds of input.

#include <cstdlib>
#include <filesystem>
#include <string>

#ifndef SHARDSCOPE_SHARED_DATA
#define SHARDSCOPE_SHARED_DATA "../shared/data"
#endif
#ifndef SHARDSCOPE_TEST_FIXTURES
#define SHARDSCOPE_TEST_FIXTURES "testdata"
#endif
#ifndef SHARDSCOPE_SOURCE_DIR
#define SHARDSCOPE_SOURCE_DIR "."
#endif

namespace testdata {

inline std::string fromEnv(const char* var, const char* fallback)
{
    const char* v = std::getenv(var);
    return (v && *v) ? std::string(v) : std::string(fallback);
}

inline std::string sharedRoot()
{
    return fromEnv("SHARDSCOPE_SHARED_DATA", SHARDSCOPE_SHARED_DATA);
}
inline std::string fixturesRoot()
{
    return fromEnv("SHARDSCOPE_TEST_FIXTURES", SHARDSCOPE_TEST_FIXTURES);
}

// Path of `rel` inside the shared data folder (present or not).
inline std::string shared(const std::string& rel)
{
    return sharedRoot() + "/" + rel;
}
// Path of a generated fixture.
inline std::string fixture(const std::string& name)
{
    return fixturesRoot() + "/" + name;
}
// Path of a model the set-up fetched for the product itself.
inline std::string model(const std::string& rel)
{
    return std::string(SHARDSCOPE_SOURCE_DIR) + "/resources/models/" + rel;
}

inline bool exists(const std::string& path)
{
    std::error_code ec;
    return std::filesystem::exists(path, ec);
}

// One line for a benchmark that has nothing to measure: it says what it needs and how to get it.
inline std::string missingSharedLine(const std::string& rel)
{
    return "skipped: needs " + shared(rel)
        + " (the shared data folder is absent; set SHARDSCOPE_SHARED_DATA or pass shards on the command line)";
}

} // namespace testdata
