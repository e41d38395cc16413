// password_hasher: argon2id password hashes through libsodium (crypto_pwhash_str), with the
// work factors chosen per deployment. Stateless and thread-safe.
#pragma once
#include <atomic>
#include <cstdint>
#include <string>

namespace coplan::auth {

enum class hash_cost { interactive, moderate, minimal };  // minimal: tests only

class password_hasher {
public:
  explicit password_hasher(hash_cost cost = hash_cost::interactive);
  std::string hash(const std::string& password) const;
  bool verify(const std::string& stored_hash, const std::string& password) const;
  // How many hashes have been checked (tests: rate limiting refuses before checking).
  std::uint64_t verifications() const { return verifications_.load(); }

private:
  mutable std::atomic<std::uint64_t> verifications_{0};
  unsigned long long ops_;
  std::size_t mem_;
};

}  // namespace coplan::auth
