// prompt_bank_error: what checking the reflection prompt bank (templates/reflection.json) throws
// when the bank is not usable; the message names the file and the prompt or rule at fault. Thrown
// at startup (reflection_service's constructor), where the serve command reports it and stops.
#pragma once
#include <stdexcept>
#include <string>

namespace coplan::review {

class prompt_bank_error : public std::runtime_error {
public:
  explicit prompt_bank_error(const std::string& why) : std::runtime_error("templates/reflection.json: " + why) {}
};

}  // namespace coplan::review
