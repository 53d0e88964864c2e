#pragma once
// SHA-256 through OpenSSL's libcrypto (Debian: libssl-dev): filter configs name the model files their scorers need
// by SHA-256, the hash a user can check with sha256sum (the scores cache keeps using XXH3-128, which is faster and
// needs no such check).

#include <string>
#include <string_view>

namespace shardscope {

// Lowercase hex SHA-256 of bytes.
std::string sha256Hex(std::string_view bytes);
// Lowercase hex SHA-256 of a file's content, streamed. Throws InputError naming the file when it cannot be read.
std::string sha256File(const std::string& path);

} // namespace shardscope
