// session_cookie: reading the session token out of a Cookie header and writing the Set-Cookie
// header that carries it (HttpOnly, SameSite=Lax, Secure when served over TLS).
#pragma once
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace coplan::auth {

inline constexpr std::string_view session_cookie_name = "coplan_session";

class session_cookie {
public:
  // The session token in a Cookie header, if present.
  static std::optional<std::string> token_from(std::string_view cookie_header);
  static std::string set(const std::string& token, std::chrono::seconds max_age, bool secure);
  static std::string clear(bool secure);
};

}  // namespace coplan::auth
