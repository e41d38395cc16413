// Session cookie parsing and formatting (see session_cookie.hpp).
#include "auth/session_cookie.hpp"

namespace coplan::auth {

std::optional<std::string> session_cookie::token_from(std::string_view header) {
  while (!header.empty()) {
    auto semi = header.find(';');
    auto part = header.substr(0, semi);
    header = semi == std::string_view::npos ? std::string_view() : header.substr(semi + 1);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    if (part.substr(0, eq) != session_cookie_name) continue;
    auto value = part.substr(eq + 1);
    if (value.empty() || value.size() > 128) return std::nullopt;
    return std::string(value);
  }
  return std::nullopt;
}

std::string session_cookie::set(const std::string& token, std::chrono::seconds max_age, bool secure) {
  return std::string(session_cookie_name) + "=" + token + "; Path=/; HttpOnly; SameSite=Lax; Max-Age=" +
         std::to_string(max_age.count()) + (secure ? "; Secure" : "");
}

std::string session_cookie::clear(bool secure) {
  return std::string(session_cookie_name) + "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0" + (secure ? "; Secure" : "");
}

}  // namespace coplan::auth
