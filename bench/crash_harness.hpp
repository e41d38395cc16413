// crash_harness: the crash-safety harness of issue #9. Runs the classroom fleet against a real
// `coplan serve` (default io threads): two editors per unit type numbered tokens into three text
// fields (two unit fields and a lesson's) and send structure commands (add, move, remove and
// restore lessons, set lesson and unit values), each with its client's id and seq. It kills the
// server with SIGKILL at random moments, restarts it on the same database, lets the clients
// reconnect (hello with their versions, unconfirmed edits pushed and pending commands sent again,
// as the browser does) and checks after every restart and at the end: every acknowledged edit and
// command is present exactly once (commands in the op log, and their effect in the structure), no
// edit or command is present in part, the structure is exactly the op log replayed, every client
// converges with the server (texts, versions and structure), and SQLite's integrity_check says ok.
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

#include "command_script.hpp"
#include "coplan_load_client.hpp"
#include "server_process.hpp"
#include "structure_client.hpp"
#include "unit/template_spec.hpp"

namespace coplan::bench {

class crash_harness {
public:
  struct options {
    std::string coplan = "build/release/coplan";
    std::string templates = "templates";
    std::size_t units = 10;
    std::size_t kills = 20;
    double rate = 20;         // edits and commands per second per editor
    double commands = 0.15;   // the share of those that are structure commands
    double max_run = 1.3;     // seconds of typing before a kill, at most (uniform from 0.02)
    std::size_t max_lessons = 60;  // lessons each editor adds at most (a unit holds 200)
    unsigned threads = 0;     // the server's io threads (0: its default, one per core)
    std::uint64_t seed = 1;
  };

  explicit crash_harness(options o);
  ~crash_harness();

  // Runs the whole harness; the result says what was checked and measured. "ok" is false (and
  // "failures" lists why) when any check failed.
  nlohmann::json run();
  // A few lines for people: the numbers of a result.
  static std::string summary(const nlohmann::json& result);

private:
  struct editor {
    std::size_t unit;
    std::string cookie;
    std::vector<std::shared_ptr<coplan_field_state>> fields;  // one per fields_ entry
    std::shared_ptr<structure_client> structure;
    command_script script;
    std::shared_ptr<coplan_load_client> conn;
  };
  struct db_view;  // what the database holds after a restart

  void start_server();
  void set_up();
  void connect_all();
  void type_for(double seconds);
  void act(std::size_t e);
  void kill_server();
  void check_server(bool final);
  void check_texts(std::size_t unit, const nlohmann::json& welcome, std::vector<std::uint32_t>& seen);
  void check_structure(std::size_t unit, const nlohmann::json& welcome, const db_view& db, bool final);
  void check_clients(std::size_t unit, const nlohmann::json& welcome);
  static db_view read_db(const std::string& path);
  bool settle(double seconds);
  void fail(std::string what);
  nlohmann::json observe(std::size_t unit);
  template <class F>
  bool run_until(F done, double seconds);

  options o_;
  std::string data_dir_;
  boost::asio::io_context ioc_;
  std::unique_ptr<server_process> server_;
  boost::asio::ip::tcp::endpoint endpoint_;
  load_events events_;
  std::vector<std::string> unit_ids_;
  std::vector<std::int64_t> unit_rows_;  // units.id of each unit
  std::vector<std::string> fields_;      // the text streams typed into (same ids in every unit)
  std::vector<std::vector<std::string>> initial_text_;  // by unit, by field: the text before the run
  std::vector<nlohmann::json> initial_structure_;       // by unit: before any command
  std::shared_ptr<const unit::template_spec> spec_;
  std::vector<editor> editors_;
  std::vector<std::uint32_t> token_editor_;  // by token
  std::vector<std::uint8_t> token_field_;    // by token
  std::vector<std::uint8_t> acked_;          // by token
  std::size_t ready_ = 0;
  std::mt19937_64 rng_;
  std::vector<std::string> failures_;
  std::vector<double> restart_ms_, reconnect_ms_, check_ms_;
  std::size_t in_flight_at_kills_ = 0, typed_offline_ = 0, commands_in_flight_at_kills_ = 0, commands_offline_ = 0;
  std::size_t observers_ = 0, checks_ = 0, integrity_ok_ = 0;
  std::size_t acked_edits_checked_ = 0, acked_commands_checked_ = 0;  // summed over every check
  nlohmann::json final_ = nlohmann::json::object();  // the final check's numbers
};

}  // namespace coplan::bench
