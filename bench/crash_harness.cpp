// The crash-safety harness (see crash_harness.hpp).
#include "crash_harness.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <stdexcept>

#include <boost/asio/executor_work_guard.hpp>
#include <sqlite3.h>

#include "client/http_client.hpp"
#include "client/ws_client.hpp"

namespace coplan::bench {

namespace asio = boost::asio;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;

namespace {

double since_ms(clock_type::time_point t) {
  return std::chrono::duration<double, std::milli>(clock_type::now() - t).count();
}

std::string integrity_check(const std::string& db_path) {
  sqlite3* db = nullptr;
  std::string result = "cannot open";
  if (sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, nullptr) == SQLITE_OK) {
      result.clear();
      while (sqlite3_step(st) == SQLITE_ROW) result += reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    }
    sqlite3_finalize(st);
  }
  sqlite3_close(db);
  return result;
}

double median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

crash_harness::crash_harness(options o) : o_(std::move(o)), rng_(o_.seed) {
  data_dir_ = (std::filesystem::temp_directory_path() / ("coplan-crash-" + std::to_string(std::random_device{}()))).string();
  std::filesystem::create_directories(data_dir_);
  events_.ready = [this](load_connection&) { ++ready_; };
  events_.acked = [this](load_connection&, std::uint64_t token) {
    if (token < acked_.size()) acked_[token] = 1;
  };
  events_.failed = [this](load_connection&, std::string_view what) {
    // A lost socket is expected (the server was killed); an error message from the server is not.
    if (what.find(':') != std::string_view::npos && what.substr(0, 5) != "read:" && what.substr(0, 6) != "write:" &&
        what.substr(0, 8) != "connect:" && what.substr(0, 10) != "handshake:")
      fail("the server answered with an error: " + std::string(what));
  };
}

crash_harness::~crash_harness() {
  for (auto& e : editors_)
    if (e.conn) e.conn->close();
  server_.reset();
  std::error_code ec;
  std::filesystem::remove_all(data_dir_, ec);
}

void crash_harness::fail(std::string what) {
  if (failures_.size() < 20) failures_.push_back(std::move(what));
}

template <class F>
bool crash_harness::run_until(F done, double seconds) {
  auto deadline = clock_type::now() + std::chrono::duration<double>(seconds);
  while (!done()) {
    if (clock_type::now() >= deadline) return false;
    ioc_.run_for(std::chrono::milliseconds(2));
  }
  return true;
}

void crash_harness::start_server() {
  auto t0 = clock_type::now();
  server_ = std::make_unique<server_process>(
      o_.coplan, std::vector<std::string>{"serve", "--port", "0", "--data-dir", data_dir_, "--web-root", "/nonexistent", "--templates",
                                          o_.templates, "--demo", "--threads", "1"});
  restart_ms_.push_back(since_ms(t0));
  endpoint_ = {asio::ip::make_address("127.0.0.1"), server_->port()};
}

void crash_harness::set_up() {
  auto port = server_->port();
  auto lib = client::sign_in("127.0.0.1", port, "librarian", "coplan-demo");
  auto tea = client::sign_in("127.0.0.1", port, "teacher", "coplan-demo");
  auto ps = client::http_call("127.0.0.1", port, client::http::verb::get, "/api/partnerships", "", lib).body;
  auto partnership = ps["partnerships"][0]["id"];
  for (std::size_t u = 0; u < o_.units; ++u) {
    auto r = client::http_call("127.0.0.1", port, client::http::verb::post, "/api/units",
                               json{{"partnership", partnership}, {"title", "crash " + std::to_string(u)}}.dump(), lib);
    if (r.status != 200 && r.status != 201) throw std::runtime_error("cannot create a unit: " + r.body.dump());
    unit_ids_.push_back(r.body["unit"]["id"]);
    for (int k = 0; k < 2; ++k) {
      auto id = "crash-" + std::to_string(u) + (k ? "t" : "l");
      editors_.push_back({u, k ? tea : lib, std::make_shared<coplan_field_state>("unit.goals", id), nullptr});
    }
  }
  for (std::size_t u = 0; u < o_.units; ++u) initial_text_.push_back(server_text(u));
}

// Opens a fresh connection per editor (continuing its state) and waits until all are welcomed.
void crash_harness::connect_all() {
  auto t0 = clock_type::now();
  for (auto& e : editors_) {
    if (e.conn) e.conn->close();
    e.conn = std::make_shared<coplan_load_client>(ioc_, endpoint_, unit_ids_[e.unit], e.cookie, &events_, e.state);
  }
  ready_ = 0;
  for (auto& e : editors_) e.conn->start();
  if (!run_until([&] { return ready_ >= editors_.size(); }, 30)) throw std::runtime_error("the clients did not reconnect in 30 s");
  reconnect_ms_.push_back(since_ms(t0));
}

void crash_harness::type_one(std::size_t e) {
  auto token = token_editor_.size();
  token_editor_.push_back(static_cast<std::uint32_t>(e));
  acked_.push_back(0);
  auto& ed = editors_[e];
  if (ed.conn && ed.conn->is_ready()) ed.conn->insert_token(token);
  else ed.state->type_token(token);  // typed while the server is down: sent after the reconnect
}

// Every editor types at `rate` edits per second (Poisson arrivals) for `seconds`.
void crash_harness::type_for(double seconds) {
  std::exponential_distribution<double> gap(o_.rate * static_cast<double>(editors_.size()));
  std::uniform_int_distribution<std::size_t> who(0, editors_.size() - 1);
  auto end = clock_type::now() + std::chrono::duration<double>(seconds);
  auto next = clock_type::now();
  while (true) {
    next += std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(gap(rng_)));
    if (next >= end) break;
    while (clock_type::now() < next) ioc_.run_for(std::chrono::microseconds(500));
    type_one(who(rng_));
  }
  run_until([] { return false; }, std::chrono::duration<double>(end - clock_type::now()).count());
}

void crash_harness::kill_server() {
  for (auto& e : editors_) in_flight_at_kills_ += e.state->collab.unconfirmed();
  acked_at_kills_ = static_cast<std::size_t>(std::count(acked_.begin(), acked_.end(), 1));
  server_->stop(SIGKILL);
  // Let every client see its socket fail before anything reconnects.
  run_until([] { return false; }, 0.1);
  for (auto& e : editors_) {
    e.conn->close();
    e.conn.reset();
  }
  run_until([] { return false; }, 0.05);
  // Some typing while the server is down (kept by the clients, sent after the reconnect).
  for (std::size_t i = 0; i < editors_.size() / 2; ++i) {
    type_one(std::uniform_int_distribution<std::size_t>(0, editors_.size() - 1)(rng_));
    ++typed_offline_;
  }
}

std::string crash_harness::server_text(std::size_t unit) {
  client::ws_client ws;
  if (!ws.connect("127.0.0.1", server_->port(), "/api/units/" + unit_ids_[unit] + "/ws", editors_[unit * 2].cookie))
    throw std::runtime_error("the observer cannot connect");
  auto welcome = ws.hello("observer-" + std::to_string(checks_++));
  ws.close();
  return welcome["streams"]["unit.goals"]["text"].get<std::string>();
}

// What the server holds: every acknowledged token exactly once, only whole tokens, each in its own
// unit. At the end also every token ever typed (the clients never give up on one) and every
// client's copy equal to the server's.
void crash_harness::check_server(bool final) {
  std::vector<std::uint32_t> seen(token_editor_.size(), 0);
  for (std::size_t u = 0; u < unit_ids_.size(); ++u) {
    auto text = server_text(u);
    const auto& initial = initial_text_[u];
    if (text.compare(0, initial.size(), initial) != 0) {
      fail("unit " + std::to_string(u) + ": the text before the run changed");
      continue;
    }
    std::string_view rest(text);
    rest.remove_prefix(initial.size());
    std::size_t tokens = 0;
    load_connection::find_tokens(rest, [&](std::uint64_t t) {
      ++tokens;
      if (t >= seen.size() || editors_[token_editor_[t]].unit != u) fail("unit " + std::to_string(u) + ": a token from elsewhere");
      else ++seen[t];
    });
    if (rest.size() != tokens * 7) fail("unit " + std::to_string(u) + ": part of an edit is present (" + std::to_string(rest.size()) +
                                        " characters for " + std::to_string(tokens) + " tokens)");
    if (final)
      for (auto& e : editors_)
        if (e.unit == u && (e.state->collab.text().to_utf8() != text || e.state->collab.unconfirmed() != 0))
          fail("unit " + std::to_string(u) + ": client " + e.state->collab.client_id() + " did not converge with the server");
  }
  std::size_t duplicates = 0, lost_acked = 0, missing = 0;
  for (std::size_t t = 0; t < seen.size(); ++t) {
    if (seen[t] > 1) ++duplicates;
    if (acked_[t] && seen[t] == 0) ++lost_acked;
    if (final && seen[t] == 0) ++missing;
  }
  if (duplicates) fail(std::to_string(duplicates) + " edits present twice");
  if (lost_acked) fail(std::to_string(lost_acked) + " acknowledged edits lost");
  if (missing) fail(std::to_string(missing) + " typed edits never arrived");
  auto ic = integrity_check(data_dir_ + "/coplan.db");
  if (ic != "ok") fail("integrity_check: " + ic);
}

// Waits until every client has nothing unconfirmed and has caught up with its partner.
bool crash_harness::settle(double seconds) {
  return run_until(
      [&] {
        for (std::size_t i = 0; i < editors_.size(); i += 2) {
          auto& a = editors_[i].state->collab;
          auto& b = editors_[i + 1].state->collab;
          if (a.unconfirmed() || b.unconfirmed() || a.version() != b.version()) return false;
        }
        return true;
      },
      seconds);
}

json crash_harness::run() {
  auto t0 = clock_type::now();
  auto work = asio::make_work_guard(ioc_);  // run_for must wait for work, not return at once
  start_server();
  set_up();
  connect_all();
  std::uniform_real_distribution<double> run_time(0.02, o_.max_run);
  for (std::size_t k = 0; k < o_.kills; ++k) {
    type_for(run_time(rng_));
    kill_server();
    start_server();
    check_server(false);
    connect_all();
  }
  type_for(0.5);
  if (!settle(60)) fail("the clients did not settle within 60 s of the last restart");
  check_server(true);
  server_->stop(SIGTERM);
  auto ic = integrity_check(data_dir_ + "/coplan.db");
  if (ic != "ok") fail("integrity_check after shutdown: " + ic);
  auto acked = static_cast<std::size_t>(std::count(acked_.begin(), acked_.end(), 1));
  return {{"ok", failures_.empty()},
          {"failures", failures_},
          {"kills", o_.kills},
          {"units", o_.units},
          {"clients", editors_.size()},
          {"edits_typed", token_editor_.size()},
          {"edits_typed_while_down", typed_offline_},
          {"edits_acknowledged", acked},
          {"unconfirmed_at_kills", in_flight_at_kills_},
          {"server_checks", o_.kills + 1},
          {"integrity_check", ic},
          {"restart_ms_median", median(restart_ms_)},
          {"reconnect_ms_median", median(reconnect_ms_)},
          {"seconds", since_ms(t0) / 1000}};
}

}  // namespace coplan::bench
