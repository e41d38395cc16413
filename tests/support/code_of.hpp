// code_of: runs a function and returns the code of the coded_error it throws ("" if none), so a test
// can say which error an input gets.
#pragma once
#include <functional>
#include <string>

#include "text/coded_error.hpp"

namespace coplan::test_support {

inline std::string code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const coded_error& e) {
    return e.code();
  }
  return "";
}

}  // namespace coplan::test_support
