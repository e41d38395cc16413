// fuzz_check: what the libFuzzer targets in fuzz/ share. FUZZ_CHECK aborts (a crash libFuzzer
// reports and saves) when an invariant fails; expect_code aborts when a coded_error carries a code
// the operation is not documented to throw. Any other exception escaping a target is a bug too:
// it reaches std::terminate, which libFuzzer also reports as a crash.
#pragma once
#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "text/coded_error.hpp"

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);   \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace coplan::fuzz {

// Aborts unless `e` carries one of `allowed`.
inline void expect_code(const coded_error& e, std::initializer_list<std::string_view> allowed, const char* where) {
  for (auto c : allowed)
    if (e.code() == c) return;
  std::fprintf(stderr, "%s: unexpected error code %s (%s)\n", where, e.code().c_str(), e.what());
  std::abort();
}

}  // namespace coplan::fuzz
