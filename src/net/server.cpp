// Wiring a Coplan instance together (see server.hpp).
#include "net/server.hpp"

#include <sys/resource.h>

#include <filesystem>

#include "log/event_log.hpp"

namespace coplan::net {

void raise_open_file_limit() {
  rlimit r{};
  if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
  }
}

namespace {

store::db_options db_options_of(const server_config& c) {
  store::db_options o;
  o.synchronous = c.synchronous;
  return o;
}

std::string ensure_data_dir(const server_config& c) {
  if (c.db_file.empty()) std::filesystem::create_directories(c.data_dir);
  return c.db_path();
}

// The units' settings, plus the hook that opens a unit's reflection when the unit enters the
// reflect phase, in the same transaction as the phase change (so each partner finds it waiting).
// `registry` is only used when a phase changes, long after it is built.
unit::authority_settings authority_settings_of(const server_config& c, const unit::unit_registry& registry) {
  auto s = c.authority;
  s.on_phase = [&registry](store::database& db, std::int64_t unit, const std::string& phase, std::uint32_t author) {
    review::reflection_service::open_on_phase(db, registry.templates().reflection(), unit, phase, author);
  };
  return s;
}

}  // namespace

server::server(server_config config)
    : config_(std::move(config)),
      db_(ensure_data_dir(config_), db_options_of(config_)),
      writer_(config_.db_path(), db_options_of(config_), config_.commit_interval),
      accounts_(db_),
      hasher_(config_.hash_cost),
      ioc_(static_cast<int>(config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency()))),
      registry_(ioc_.get_executor(), writer_, db_, unit::template_set::load_dir(config_.templates_dir),
                config_.unit_limits, authority_settings_of(config_, registry_)),
      blocking_(config_.blocking_threads),
      history_(db_, registry_.templates_ptr(), config_.unit_limits),
      reflections_(db_, registry_, history_),
      log_(db_, accounts_, registry_, history_),
      notes_(db_),
      account_limiter_(config_.signin_failures_per_account, std::chrono::seconds(60)),
      address_limiter_(config_.signin_failures_per_address, std::chrono::seconds(60)),
      per_user_(config_.max_sockets_per_user, config_.user_messages_per_second, config_.user_message_burst),
      per_address_(config_.max_http_connections_per_address),
      svc_{config_, db_, accounts_, registry_, hasher_, blocking_, history_, reflections_, log_, notes_,
           account_limiter_, address_limiter_, sessions_, per_user_, per_address_, live_sockets_, metrics_, writer_},
      files_(config_.web_root) {}

server::~server() {
  stop();
  // Commit what is queued while the registry is alive: a queued phase change runs the reflection
  // hook, which reads the registry's templates (members are destroyed in reverse order, and
  // writer_ outlives registry_). Bug found in review: a phase change queued at shutdown.
  writer_.flush();
  // Connections and units still referenced by pending handlers are destroyed with ioc_; their
  // final snapshots go to writer_, which outlives them and flushes when it stops.
}

unsigned short server::start() {
  auto address = boost::asio::ip::make_address(config_.address);
  if (!config_.tls_cert.empty() || !config_.tls_key.empty()) {
    if (config_.tls_cert.empty() || config_.tls_key.empty())
      throw std::runtime_error("TLS needs both --tls-cert and --tls-key");
    namespace ssl = boost::asio::ssl;
    tls_ = std::make_unique<ssl::context>(ssl::context::tls_server);
    tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                      ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
    tls_->use_certificate_chain_file(config_.tls_cert);
    tls_->use_private_key_file(config_.tls_key, ssl::context::pem);
  }
  listener_ = std::make_shared<listener>(ioc_, boost::asio::ip::tcp::endpoint(address, config_.port), svc_, files_, tls_.get());
  listener_->run();
  work_ = std::make_unique<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>>(
      ioc_.get_executor());
  sweep_timer_ = std::make_unique<boost::asio::steady_timer>(ioc_);
  do_sweep();
  unsigned n = config_.threads ? config_.threads : std::max(1u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) threads_.emplace_back([this] { ioc_.run(); });
  return listener_->port();
}

void server::do_sweep() {
  sweep_timer_->expires_after(config_.session_sweep_interval);
  sweep_timer_->async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    // SQLite is read on the blocking pool, never on an io thread; one sweep at a time.
    if (!sweeping_.exchange(true)) boost::asio::post(blocking_, [this] { sweep(); });
    do_sweep();
  });
}

void server::sweep() {
  auto now = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  try {
    sessions_.sweep(now);
    // `coplan user passwd|role|disable` deletes sessions in another process: one query finds them.
    // Regression: `coplan user role` making a member coordinator closed their open unit pages as
    // signed out (4001) before the units could say they are no longer a member (4003), so the
    // page asked them to sign in again to a unit they had lost. Those are left to the units.
    sessions_.end_missing([&](const std::vector<std::string>& digests) { return accounts_.live_sessions(digests, now); },
                          [&](std::int64_t user) {
                            auto u = accounts_.user_by_id(user);
                            return u && !store::account_store::may_join_units(u->role);
                          });
    registry_.refresh_members();
    notes_.settle();  // a deleted student note's text still in the WAL (readers were in the way)
  } catch (const std::exception& e) {
    log::event_log::write("error", "sweep_failed", {{"what", e.what()}});
  }
  sweeping_ = false;
}

void server::wait() {
  for (auto& t : threads_)
    if (t.joinable()) t.join();
}

void server::stop() {
  if (sweep_timer_) boost::asio::post(ioc_, [t = sweep_timer_.get()] { t->cancel(); });
  if (listener_) listener_->stop();
  // Graceful: every WebSocket is closed with 1001 going_away (clients reconnect and re-send what is
  // unconfirmed), then the io threads get a moment to write the close frames and finish the
  // commits under way before the rest is cut off.
  sessions_.end_all("going_away");
  work_.reset();
  auto deadline = std::chrono::steady_clock::now() + config_.shutdown_grace;
  while (!threads_.empty() && live_sockets_.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ioc_.stop();
  wait();
  threads_.clear();
  blocking_.join();
}

}  // namespace coplan::net
