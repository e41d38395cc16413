// token_bucket: a rate limit with a burst allowance (a pure value: the caller supplies the time).
// Tokens refill at `rate` per second up to `burst`; take() spends one when one is there.
#pragma once
#include <chrono>

namespace coplan::net {

class token_bucket {
public:
  using clock = std::chrono::steady_clock;
  token_bucket(double rate, double burst, clock::time_point now = clock::now())
      : rate_(rate), burst_(burst), tokens_(burst), last_(now) {}

  bool take(clock::time_point now = clock::now());

private:
  double rate_;
  double burst_;
  double tokens_;
  clock::time_point last_;
};

}  // namespace coplan::net
