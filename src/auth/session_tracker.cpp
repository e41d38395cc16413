// Connections by sign-in session (see session_tracker.hpp).
#include "auth/session_tracker.hpp"

#include <algorithm>

namespace coplan::auth {

std::uint64_t session_tracker::track(const std::string& digest, std::int64_t user, std::int64_t expires, closer close) {
  std::lock_guard lock(mutex_);
  auto h = next_++;
  entries_.push_back({h, digest, user, expires, std::move(close)});
  return h;
}

void session_tracker::forget(std::uint64_t handle) {
  std::lock_guard lock(mutex_);
  std::erase_if(entries_, [&](const entry& e) { return e.handle == handle; });
}

void session_tracker::close_if(const std::function<bool(const entry&)>& pred, const std::string& code) {
  std::vector<closer> closing;
  {
    std::lock_guard lock(mutex_);
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (pred(*it)) {
        closing.push_back(std::move(it->close));
        it = entries_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : closing) c(code);
}

void session_tracker::end_session(const std::string& digest) {
  close_if([&](const entry& e) { return e.digest == digest; }, "signed_out");
}

void session_tracker::end_user(std::int64_t user) {
  close_if([&](const entry& e) { return e.user == user; }, "signed_out");
}

void session_tracker::sweep(std::int64_t now) {
  close_if([&](const entry& e) { return e.expires <= now; }, "session_expired");
}

void session_tracker::end_missing(const session_check& still_valid, const user_check& left_to_units) {
  std::vector<std::string> digests;
  std::uint64_t tracked_before = 0;
  {
    std::lock_guard lock(mutex_);
    tracked_before = next_;
    for (const auto& e : entries_) digests.push_back(e.digest);
  }
  std::sort(digests.begin(), digests.end());
  digests.erase(std::unique(digests.begin(), digests.end()), digests.end());
  if (digests.empty()) return;
  auto valid = still_valid(digests);
  auto ended = [&](const entry& e) { return e.handle < tracked_before && !valid.count(e.digest); };
  std::set<std::int64_t> left;
  if (left_to_units) {
    std::set<std::int64_t> users;
    {
      std::lock_guard lock(mutex_);
      for (const auto& e : entries_)
        if (ended(e)) users.insert(e.user);
    }
    for (auto u : users)  // without the lock: it may read the database
      if (left_to_units(u)) left.insert(u);
  }
  close_if([&](const entry& e) { return ended(e) && !left.count(e.user); }, "signed_out");
}

std::size_t session_tracker::size() {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

void session_tracker::end_all(const std::string& code) {
  close_if([](const entry&) { return true; }, code);
}

}  // namespace coplan::auth
