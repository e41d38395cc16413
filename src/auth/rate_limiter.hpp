// rate_limiter: counts failures per key (an account, an address) in a sliding window, so that
// guessing passwords is refused before any hash is checked. failures_ is guarded by mutex_.
#pragma once
#include <chrono>
#include <deque>
#include <mutex>
#include <string>
#include <unordered_map>

namespace coplan::auth {

class rate_limiter {
public:
  using clock = std::chrono::steady_clock;
  rate_limiter(std::size_t max_failures, std::chrono::seconds window) : max_(max_failures), window_(window) {}

  // True when `key` already has `max_failures` failures inside the window.
  bool blocked(const std::string& key, clock::time_point now = clock::now());
  void failure(const std::string& key, clock::time_point now = clock::now());
  void clear(const std::string& key);

private:
  void prune(std::deque<clock::time_point>& q, clock::time_point now);

  std::size_t max_;
  std::chrono::seconds window_;
  std::mutex mutex_;
  std::unordered_map<std::string, std::deque<clock::time_point>> failures_;
};

}  // namespace coplan::auth
