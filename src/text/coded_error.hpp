// coded_error: the one exception type validation code throws. It carries a stable machine-readable
// code (listed in docs/protocol.md) and a human message; one boundary per message turns it into a reply.
#pragma once
#include <stdexcept>
#include <string>

namespace coplan {

class coded_error : public std::runtime_error {
public:
  coded_error(std::string code, const std::string& message)
      : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

private:
  std::string code_;
};

}  // namespace coplan
