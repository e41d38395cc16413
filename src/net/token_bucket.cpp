// A rate limit with a burst allowance (see token_bucket.hpp).
#include "net/token_bucket.hpp"

#include <algorithm>

namespace coplan::net {

bool token_bucket::take(clock::time_point now) {
  if (now > last_) {
    tokens_ = std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
    last_ = now;
  }
  if (tokens_ < 1) return false;
  tokens_ -= 1;
  return true;
}

}  // namespace coplan::net
