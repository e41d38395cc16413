// session_tracker: which open WebSockets belong to which sign-in session, so that signing out,
// an expired session or an administrator's password reset closes them at once (and a session
// ended by the command line, at the next sweep). entries_ is guarded by mutex_.
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

namespace coplan::auth {

class session_tracker {
public:
  // Called (from any thread) to close a connection; must only post work to its owner.
  using closer = std::function<void(const std::string& code)>;

  // Registers a connection; returns a handle to pass to forget().
  std::uint64_t track(const std::string& token_digest, std::int64_t user_id, std::int64_t expires_at_ms, closer close);
  void forget(std::uint64_t handle);
  void end_session(const std::string& token_digest);  // closes its connections
  void end_user(std::int64_t user_id);                 // closes every connection of a user
  void sweep(std::int64_t now_ms);                     // closes connections whose session expired
  // Closes (as signed out) the connections whose session ended behind the server's back: deleted
  // from the database by `coplan user passwd|role|disable`, which runs in another process.
  // `still_valid` gets the distinct session digests tracked now and returns those still valid
  // (one database query); it runs without the lock. Connections tracked while it runs are kept.
  using session_check = std::function<std::set<std::string>(const std::vector<std::string>& digests)>;
  // `left_to_units` (when given) gets each user whose connections would close and says whether
  // to leave them open: those of someone who is no longer a member of any unit are closed by the
  // units themselves as not_a_member (4003), which tells the page what really happened.
  using user_check = std::function<bool(std::int64_t user)>;
  void end_missing(const session_check& still_valid, const user_check& left_to_units = {});
  void end_all(const std::string& code);               // closes every connection (server shutdown)
  std::size_t size();

private:
  struct entry {
    std::uint64_t handle;
    std::string digest;
    std::int64_t user;
    std::int64_t expires;
    closer close;
  };
  void close_if(const std::function<bool(const entry&)>& pred, const std::string& code);

  std::mutex mutex_;
  std::vector<entry> entries_;
  std::uint64_t next_ = 1;
};

}  // namespace coplan::auth
