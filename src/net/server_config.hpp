// server_config: every setting of `coplan serve`, with the named limits and their defaults
// (documented in docs/operations.md).
#pragma once
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "auth/password_hasher.hpp"
#include "unit/unit_authority.hpp"
#include "unit/unit_limits.hpp"

namespace coplan::net {

struct server_config {
  std::string address = "127.0.0.1";
  unsigned short port = 8080;
  std::string data_dir = "var";
  std::string db_file;  // default: <data_dir>/coplan.db
  std::string web_root = "web/dist";
  std::string templates_dir = "templates";
  unsigned threads = 0;           // io threads; 0 = one per core
  unsigned blocking_threads = 4;  // SQLite reads, password hashing
  std::string synchronous = "FULL";
  std::chrono::microseconds commit_interval{2000};  // group commit: at most one commit started per interval
  auth::hash_cost hash_cost = auth::hash_cost::interactive;
  std::vector<std::string> allowed_origins;  // besides the request's own host
  bool secure_cookies = false;
  // Behind a reverse proxy: the client's address is the last one in X-Forwarded-For, and a request
  // with X-Forwarded-Proto: https gets a Secure cookie. Only set it when a proxy sets both headers.
  bool trust_proxy = false;

  // Named limits.
  std::size_t max_message_bytes = 1 << 20;         // one WebSocket message
  std::size_t max_http_body_bytes = 64 << 10;      // one HTTP request body
  std::size_t max_queue_messages = 4096;           // outbound messages queued for one client
  std::size_t max_queue_bytes = 32 << 20;          // outbound bytes queued for one client
  std::size_t max_batch_messages = 256;            // messages in one batched frame (hello "batch": true) ...
  std::size_t max_batch_bytes = 256 << 10;         // ... and their bytes (one message may be larger)
  std::chrono::seconds http_timeout{30};           // reading one HTTP request (slowloris guard)
  std::chrono::seconds ws_handshake_timeout{10};   // finishing the WebSocket upgrade
  std::chrono::seconds ws_idle_timeout{60};        // a WebSocket with nothing heard (pings count) is closed
  double messages_per_second = 200;                // one WebSocket's message rate ...
  double message_burst = 1000;                     // ... and burst; more are refused with rate_limited
  double user_messages_per_second = 1000;          // one account's message rate over all its sockets ...
  double user_message_burst = 4000;                // ... and burst
  std::size_t max_sockets_per_user = 64;           // WebSockets one account may hold open
  std::size_t max_http_connections_per_address = 256;  // HTTP connections (not yet WebSockets) per address; 0 = any
  std::chrono::milliseconds shutdown_grace{2000};  // SIGTERM: time to close sockets and finish commits
  std::chrono::hours session_lifetime{24 * 14};    // sign-in session
  // How often open WebSockets are checked against their sessions (expired, or deleted by the
  // command line) and open units against the database's memberships.
  std::chrono::milliseconds session_sweep_interval{30'000};
  std::chrono::hours invitation_lifetime{24 * 7};  // invitation link
  std::size_t signin_failures_per_account = 10;    // per minute; more are refused unchecked
  std::size_t signin_failures_per_address = 30;    // per minute
  std::string tls_cert;                            // PEM files; both set = HTTPS/WSS
  std::string tls_key;
  unit::unit_limits unit_limits;
  unit::authority_settings authority;

  std::string db_path() const { return db_file.empty() ? data_dir + "/coplan.db" : db_file; }
};

}  // namespace coplan::net
