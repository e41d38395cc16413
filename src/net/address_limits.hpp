// address_limits: how many HTTP connections one client address may hold open before its requests
// are read (a slowloris guard: a few hosts cannot take every socket). An upgraded WebSocket leaves
// this count and is limited per account instead. Thread-safe: counts_ is guarded by mutex_ (in a
// shared state, so a slot may outlive the limits object).
#pragma once
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace coplan::net {

class address_limits {
public:
  // 0 = no limit.
  explicit address_limits(std::size_t max_per_address);

  // A slot for one connection from `address`, given back when the last copy is dropped; empty when
  // the address already holds the most.
  std::shared_ptr<void> acquire(const std::string& address);

private:
  struct state {
    std::mutex mutex_;
    std::unordered_map<std::string, std::size_t> counts_;
  };
  std::size_t max_;
  std::shared_ptr<state> state_ = std::make_shared<state>();
};

}  // namespace coplan::net
