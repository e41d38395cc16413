// Per-address count of open HTTP connections (see address_limits.hpp).
#include "net/address_limits.hpp"

namespace coplan::net {

address_limits::address_limits(std::size_t max_per_address) : max_(max_per_address) {}

std::shared_ptr<void> address_limits::acquire(const std::string& address) {
  {
    std::lock_guard lock(state_->mutex_);
    auto& n = state_->counts_[address];
    if (max_ && n >= max_) return nullptr;
    ++n;
  }
  // The deleter gives the slot back; the pointer itself only marks that a slot is held.
  return std::shared_ptr<void>(static_cast<void*>(state_.get()), [s = state_, address](void*) {
    std::lock_guard lock(s->mutex_);
    auto it = s->counts_.find(address);
    if (it != s->counts_.end() && --it->second == 0) s->counts_.erase(it);
  });
}

}  // namespace coplan::net
