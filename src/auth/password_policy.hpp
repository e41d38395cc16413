// password_policy: what a new password must be — long enough, not absurdly long, and not one of
// the passwords attackers try first. Stateless.
#pragma once
#include <string>

namespace coplan::auth {

class password_policy {
public:
  static constexpr std::size_t min_length = 10;
  static constexpr std::size_t max_length = 200;
  // Empty when acceptable, otherwise the reason, in words for the person choosing it.
  static std::string problem_with(const std::string& password, const std::string& username = "");
};

}  // namespace coplan::auth
