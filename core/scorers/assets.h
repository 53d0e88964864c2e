#pragma once
// Where the scorers find data files that set-up fetches rather than the repository holds (the
// fastText model, the bad-words list): an environment variable, beside the executable
// (../share/shardscope/models), the configured install prefix, then the source tree.

#include <string>
#include <vector>

namespace shardscope {

// The directory of the running executable ("" when unknown).
std::string exeDirectory();

// Candidate paths, in search order: $envVar alone when it is set; otherwise
// <exe>/../share/shardscope/models/<installedName>, <install datadir>/shardscope/models/<installedName>
// and <source dir>/<sourcePath>.
std::vector<std::string> assetCandidates(const char* envVar, const std::string& installedName,
                                         const std::string& sourcePath);
// The first candidate that is a regular file, "" when none is.
std::string findAsset(const char* envVar, const std::string& installedName, const std::string& sourcePath);

} // namespace shardscope
