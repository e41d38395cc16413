// argon2id password hashing via libsodium (see password_hasher.hpp).
#include "auth/password_hasher.hpp"

#include <sodium.h>

#include <stdexcept>

#include "auth/tokens.hpp"

namespace coplan::auth {

password_hasher::password_hasher(hash_cost cost) {
  ensure_sodium();
  switch (cost) {
    case hash_cost::interactive:
      ops_ = crypto_pwhash_OPSLIMIT_INTERACTIVE;
      mem_ = crypto_pwhash_MEMLIMIT_INTERACTIVE;
      break;
    case hash_cost::moderate:
      ops_ = crypto_pwhash_OPSLIMIT_MODERATE;
      mem_ = crypto_pwhash_MEMLIMIT_MODERATE;
      break;
    case hash_cost::minimal:
      ops_ = crypto_pwhash_OPSLIMIT_MIN;
      mem_ = crypto_pwhash_MEMLIMIT_MIN;
      break;
  }
}

std::string password_hasher::hash(const std::string& password) const {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(), ops_, mem_, crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw std::runtime_error("out of memory while hashing a password");
  return out;
}

bool password_hasher::verify(const std::string& stored_hash, const std::string& password) const {
  ++verifications_;
  return crypto_pwhash_str_verify(stored_hash.c_str(), password.data(), password.size()) == 0;
}

}  // namespace coplan::auth
