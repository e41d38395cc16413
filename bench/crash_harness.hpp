// crash_harness: the crash-safety harness of issue #9. Runs the classroom fleet (two editors per
// unit typing numbered tokens) against a real `coplan serve`, kills the server with SIGKILL at
// random moments, restarts it on the same database, lets the clients reconnect (hello with their
// version, unconfirmed edits pushed again, as the browser does) and checks after every restart and
// at the end: every acknowledged edit is present exactly once, no edit is present in part, every
// client converges with the server, and SQLite's integrity_check says ok.
// All clients run on one io_context driven by the caller's thread, so no strand is needed.
#pragma once
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <nlohmann/json.hpp>

#include "coplan_load_client.hpp"
#include "server_process.hpp"

namespace coplan::bench {

class crash_harness {
public:
  struct options {
    std::string coplan = "build/release/coplan";
    std::string templates = "templates";
    std::size_t units = 10;
    std::size_t kills = 20;
    double rate = 20;        // edits per second per editor
    double max_run = 1.5;    // seconds of typing before a kill, at most (uniform from 0.02)
    std::uint64_t seed = 1;
  };

  explicit crash_harness(options o);
  ~crash_harness();

  // Runs the whole harness; the result says what was checked and measured. "ok" is false (and
  // "failures" lists why) when any check failed.
  nlohmann::json run();

private:
  struct editor {
    std::size_t unit;
    std::string cookie;
    std::shared_ptr<coplan_field_state> state;
    std::shared_ptr<coplan_load_client> conn;
  };

  void start_server();
  void set_up();
  void connect_all();
  void type_for(double seconds);
  void type_one(std::size_t e);
  void kill_server();
  void check_server(bool final);
  bool settle(double seconds);
  void fail(std::string what);
  std::string server_text(std::size_t unit);
  template <class F>
  bool run_until(F done, double seconds);

  options o_;
  std::string data_dir_;
  boost::asio::io_context ioc_;
  std::unique_ptr<server_process> server_;
  boost::asio::ip::tcp::endpoint endpoint_;
  load_events events_;
  std::vector<std::string> unit_ids_;
  std::vector<std::string> initial_text_;  // each unit's field before the run
  std::vector<editor> editors_;
  std::vector<std::uint32_t> token_editor_;  // by token
  std::vector<std::uint8_t> acked_;          // by token
  std::size_t ready_ = 0;
  std::mt19937_64 rng_;
  std::vector<std::string> failures_;
  std::vector<double> restart_ms_, reconnect_ms_;
  std::size_t acked_at_kills_ = 0, in_flight_at_kills_ = 0, typed_offline_ = 0, checks_ = 0;
};

}  // namespace coplan::bench
