// tokens: random session tokens and ids, and the digest under which a token is stored (libsodium).
#pragma once
#include <cstddef>
#include <string>

namespace coplan::auth {

// Initialises libsodium once; every function here and password_hasher call it.
void ensure_sodium();
// Random URL-safe token of `bytes` random bytes (session tokens, ids).
std::string random_token(std::size_t bytes);
// Lower-case random id of `length` characters from [a-z0-9] (unit ids).
std::string random_id(std::size_t length);
// BLAKE2b digest of a session token, as stored in the database.
std::string token_digest(const std::string& token);

}  // namespace coplan::auth
