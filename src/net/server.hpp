// server: a whole Coplan instance: database and op log writer, templates, unit registry, the io
// threads and the blocking-work pool, and the listener. start() returns the bound port, so tests
// can bind port 0.
#pragma once
#include <memory>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "auth/password_hasher.hpp"
#include "net/listener.hpp"
#include "net/server_config.hpp"
#include "net/services.hpp"
#include "net/static_files.hpp"
#include "store/account_store.hpp"
#include "store/op_log_writer.hpp"
#include "store/store.hpp"
#include "unit/unit_registry.hpp"

namespace coplan::net {

// Raises this process's open-file limit to its hard limit: every connection is a descriptor, and
// the usual soft limit (1024) would cap the server far below what it can serve.
void raise_open_file_limit();

class server {
public:
  explicit server(server_config config);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  unsigned short start();  // binds and starts the threads
  void wait();             // until stop()
  void stop();

  services& svc() { return svc_; }
  store::store& db() { return db_; }
  store::op_log_writer& writer() { return writer_; }
  unit::unit_registry& registry() { return registry_; }
  store::account_store& accounts() { return accounts_; }
  const auth::password_hasher& hasher() const { return hasher_; }
  const server_config& config() const { return config_; }

private:
  server_config config_;
  store::store db_;
  store::op_log_writer writer_;
  store::account_store accounts_;
  auth::password_hasher hasher_;
  boost::asio::io_context ioc_;
  unit::unit_registry registry_;
  boost::asio::thread_pool blocking_;
  review::history_service history_;
  review::reflection_service reflections_;
  review::collaboration_log log_;
  store::student_note_store notes_;
  auth::rate_limiter account_limiter_;
  auth::rate_limiter address_limiter_;
  auth::session_tracker sessions_;
  user_limits per_user_;
  address_limits per_address_;
  std::atomic<std::size_t> live_sockets_{0};
  server_metrics metrics_;
  services svc_;
  static_files files_;
  std::unique_ptr<boost::asio::ssl::context> tls_;  // set when --tls-cert and --tls-key are given
  std::shared_ptr<listener> listener_;
  std::unique_ptr<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
  // Every session_sweep_interval: closes WebSockets whose session expired or is gone from the
  // database, and gives open units their members as the database has them (on blocking_).
  std::unique_ptr<boost::asio::steady_timer> sweep_timer_;
  std::atomic<bool> sweeping_{false};  // a sweep is running on blocking_
  void do_sweep();
  void sweep();
  std::vector<std::thread> threads_;
};

}  // namespace coplan::net
