// user_limits: what one account may use across all its connections: WebSockets open at once and
// messages per second (a token bucket per user). Thread-safe: users_ is guarded by mutex_.
#pragma once
#include <cstdint>
#include <mutex>
#include <unordered_map>

#include "net/token_bucket.hpp"

namespace coplan::net {

class user_limits {
public:
  user_limits(std::size_t max_sockets, double messages_per_second, double burst)
      : max_sockets_(max_sockets), rate_(messages_per_second), burst_(burst) {}

  // Counts a new WebSocket of `user`; false (and nothing counted) when the user has the most.
  bool open_socket(std::int64_t user);
  void close_socket(std::int64_t user);
  // Spends one message from the user's budget; false when it is used up.
  bool take_message(std::int64_t user, token_bucket::clock::time_point now = token_bucket::clock::now());

private:
  struct usage {
    std::size_t sockets = 0;
    token_bucket messages;
  };
  std::size_t max_sockets_;
  double rate_, burst_;
  std::mutex mutex_;
  std::unordered_map<std::int64_t, usage> users_;
};

}  // namespace coplan::net
