#include "sha256.h"

#include "bytesource.h"

#include <openssl/evp.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <vector>

namespace shardscope {

namespace {

struct Digest {
    Digest()
        : ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free)
    {
        if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
            throw std::runtime_error("OpenSSL: cannot start a SHA-256 digest");
    }
    void update(const void* data, size_t size) { EVP_DigestUpdate(ctx.get(), data, size); }
    std::string hex()
    {
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned int n = 0;
        EVP_DigestFinal_ex(ctx.get(), md, &n);
        std::string out;
        char b[3];
        for (unsigned int i = 0; i < n; ++i) {
            std::snprintf(b, sizeof b, "%02x", md[i]);
            out += b;
        }
        return out;
    }
    std::unique_ptr<EVP_MD_CTX, void (*)(EVP_MD_CTX*)> ctx;
};

} // namespace

std::string sha256Hex(std::string_view bytes)
{
    Digest d;
    d.update(bytes.data(), bytes.size());
    return d.hex();
}

std::string sha256File(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw InputError(path, 0, "cannot open the file to hash it");
    Digest d;
    std::vector<char> buf(1 << 20);
    uint64_t done = 0;
    while (in) {
        in.read(buf.data(), std::streamsize(buf.size()));
        const auto got = in.gcount();
        if (got > 0) {
            d.update(buf.data(), size_t(got));
            done += uint64_t(got);
        }
    }
    if (in.bad())
        throw InputError(path, done, "read error while hashing the file");
    return d.hex();
}

} // namespace shardscope
