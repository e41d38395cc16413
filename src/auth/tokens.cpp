// Random tokens and token digests via libsodium (see tokens.hpp).
#include "auth/tokens.hpp"

#include <sodium.h>

#include <stdexcept>

namespace coplan::auth {

void ensure_sodium() {
  struct init_once {
    init_once() {
      if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    }
  };
  static init_once once;
}

std::string random_token(std::size_t bytes) {
  ensure_sodium();
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string out(sodium_base64_ENCODED_LEN(bytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING), '\0');
  sodium_bin2base64(out.data(), out.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  out.resize(std::char_traits<char>::length(out.c_str()));
  return out;
}

std::string random_id(std::size_t length) {
  ensure_sodium();
  static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz23456789";  // 32 symbols, no look-alikes
  std::string out(length, 'a');
  for (auto& c : out) c = alphabet[randombytes_uniform(32)];
  return out;
}

std::string token_digest(const std::string& token) {
  ensure_sodium();
  std::string out(crypto_generichash_BYTES, '\0');
  crypto_generichash(reinterpret_cast<unsigned char*>(out.data()), out.size(),
                     reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr, 0);
  return out;
}

}  // namespace coplan::auth
