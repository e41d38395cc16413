// services: the long-lived parts every connection uses (config, database, accounts, unit
// registry, the pool for blocking work). Owned by net::server; everything here is thread-safe.
#pragma once
#include <atomic>
#include <memory>

#include <boost/asio/thread_pool.hpp>

#include "auth/password_hasher.hpp"
#include "auth/rate_limiter.hpp"
#include "auth/session_tracker.hpp"
#include "review/collaboration_log.hpp"
#include "review/history_service.hpp"
#include "review/reflection_service.hpp"
#include "net/server_config.hpp"
#include "net/server_metrics.hpp"
#include "net/address_limits.hpp"
#include "net/user_limits.hpp"
#include "store/account_store.hpp"
#include "store/store.hpp"
#include "store/student_note_store.hpp"
#include "unit/unit_registry.hpp"

namespace coplan::net {

struct services {
  const server_config& config;
  store::store& db;
  store::account_store& accounts;
  unit::unit_registry& registry;
  const auth::password_hasher& hasher;
  boost::asio::thread_pool& blocking;  // SQLite reads and password hashing run here, never on io threads
  review::history_service& history;
  review::reflection_service& reflections;
  review::collaboration_log& log;       // collaboration log, reports, coordinator counts
  store::student_note_store& notes;     // student notes, outside the unit document
  auth::rate_limiter& account_limiter;  // failed sign-ins per account
  auth::rate_limiter& address_limiter;  // failed sign-ins per address
  auth::session_tracker& sessions;      // open WebSockets by sign-in session
  user_limits& per_user;                // sockets and message rate per account
  address_limits& per_address;          // HTTP connections per client address
  std::atomic<std::size_t>& live_sockets;  // WebSocket sessions alive (for a graceful shutdown)
  server_metrics& metrics;              // counters for /metrics
  store::op_log_writer& writer;         // its commit statistics for /metrics
};

}  // namespace coplan::net
