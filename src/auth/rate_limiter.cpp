// Sliding-window failure counting (see rate_limiter.hpp).
#include "auth/rate_limiter.hpp"

namespace coplan::auth {

void rate_limiter::prune(std::deque<clock::time_point>& q, clock::time_point now) {
  while (!q.empty() && now - q.front() >= window_) q.pop_front();
}

bool rate_limiter::blocked(const std::string& key, clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(key);
  if (it == failures_.end()) return false;
  prune(it->second, now);
  return it->second.size() >= max_;
}

void rate_limiter::failure(const std::string& key, clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto& q = failures_[key];
  prune(q, now);
  q.push_back(now);
  // Keep the table small: drop keys whose failures have all expired.
  if (failures_.size() > 10'000)
    for (auto it = failures_.begin(); it != failures_.end();) {
      prune(it->second, now);
      it = it->second.empty() ? failures_.erase(it) : std::next(it);
    }
}

void rate_limiter::clear(const std::string& key) {
  std::lock_guard lock(mutex_);
  failures_.erase(key);
}

}  // namespace coplan::auth
