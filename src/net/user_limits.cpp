// Per-account limits across connections (see user_limits.hpp).
#include "net/user_limits.hpp"

namespace coplan::net {

bool user_limits::open_socket(std::int64_t user) {
  std::lock_guard lock(mutex_);
  auto it = users_.try_emplace(user, usage{0, token_bucket(rate_, burst_)}).first;
  if (it->second.sockets >= max_sockets_) return false;
  ++it->second.sockets;
  return true;
}

void user_limits::close_socket(std::int64_t user) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user);
  if (it == users_.end()) return;
  // The entry stays (one per account that ever connected), so closing and reopening sockets does not
  // refill the message budget.
  if (it->second.sockets) --it->second.sockets;
}

bool user_limits::take_message(std::int64_t user, token_bucket::clock::time_point now) {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user);
  if (it == users_.end()) return true;  // not counted (no socket registered)
  return it->second.messages.take(now);
}

}  // namespace coplan::net
