// The crash-safety harness (see crash_harness.hpp).
#include "crash_harness.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

#include <boost/asio/executor_work_guard.hpp>
#include <sqlite3.h>

#include "client/http_client.hpp"
#include "client/ws_client.hpp"
#include "store/op_log_writer.hpp"
#include "unit/command.hpp"
#include "unit/unit_doc.hpp"

namespace coplan::bench {

namespace asio = boost::asio;
using nlohmann::json;
using clock_type = std::chrono::steady_clock;

// What the database holds, read in one transaction.
struct crash_harness::db_view {
  std::map<std::int64_t, std::vector<store::op_row>> commands;  // structure commands by units.id, in commit order
  std::map<std::string, std::int64_t> unit_rows;                // units.id by public id
  std::map<std::int64_t, std::string> titles;                   // units.title
  std::map<std::int64_t, std::size_t> reflections;              // unit reflections opened
};

namespace {

const std::string base_lesson = "crash-base-lesson";  // every unit's lesson whose field is typed into
const std::string setup_client = "crash-setup";       // the client id that adds it

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

std::string column_text(sqlite3_stmt* st, int i) {
  const auto* p = sqlite3_column_text(st, i);
  return p ? reinterpret_cast<const char*>(p) : "";
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
  std::vector<std::string> args{"serve", "--port", "0", "--data-dir", data_dir_, "--web-root", "/nonexistent",
                                "--templates", o_.templates, "--demo", "--threads", std::to_string(o_.threads)};
  // Twenty editors type far faster than people, from one address and two accounts.
  server_process::lift_rate_limits(args);
  server_ = std::make_unique<server_process>(o_.coplan, std::move(args));
  restart_ms_.push_back(since_ms(t0));
  endpoint_ = {asio::ip::make_address("127.0.0.1"), server_->port()};
}

crash_harness::db_view crash_harness::read_db(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY, nullptr);
  std::unique_ptr<sqlite3, int (*)(sqlite3*)> db(raw, sqlite3_close);
  if (rc != SQLITE_OK) throw std::runtime_error("cannot open " + path);
  sqlite3_busy_timeout(db.get(), 5000);
  auto each = [&](const char* sql, auto&& row) {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db.get(), sql, -1, &st, nullptr) != SQLITE_OK)
      throw std::runtime_error(std::string("cannot read the database: ") + sqlite3_errmsg(db.get()));
    while (sqlite3_step(st) == SQLITE_ROW) row(st);
    sqlite3_finalize(st);
  };
  db_view v;
  each("BEGIN", [](sqlite3_stmt*) {});
  each("SELECT unit_id, version, author, client_id, client_seq, time, payload FROM oplog WHERE kind = 1 ORDER BY id",
       [&](sqlite3_stmt* st) {
         auto unit = sqlite3_column_int64(st, 0);
         v.commands[unit].push_back({0, unit, 1, {}, static_cast<std::uint64_t>(sqlite3_column_int64(st, 1)),
                                     static_cast<std::uint32_t>(sqlite3_column_int64(st, 2)), column_text(st, 3),
                                     static_cast<std::uint64_t>(sqlite3_column_int64(st, 4)), sqlite3_column_int64(st, 5),
                                     column_text(st, 6)});
       });
  each("SELECT id, public_id, title FROM units", [&](sqlite3_stmt* st) {
    v.unit_rows[column_text(st, 1)] = sqlite3_column_int64(st, 0);
    v.titles[sqlite3_column_int64(st, 0)] = column_text(st, 2);
  });
  each("SELECT unit_id, count(*) FROM reflections WHERE kind = 'unit' GROUP BY unit_id", [&](sqlite3_stmt* st) {
    v.reflections[sqlite3_column_int64(st, 0)] = static_cast<std::size_t>(sqlite3_column_int64(st, 1));
  });
  each("COMMIT", [](sqlite3_stmt*) {});
  return v;
}

void crash_harness::set_up() {
  auto port = server_->port();
  auto lib = client::sign_in("127.0.0.1", port, "librarian", "coplan-demo");
  auto tea = client::sign_in("127.0.0.1", port, "teacher", "coplan-demo");
  auto ps = client::http_call("127.0.0.1", port, client::http::verb::get, "/api/partnerships", "", lib).body;
  auto partnership = ps["partnerships"][0]["id"];
  fields_ = {"unit.goals", "unit.understandings", unit::unit_doc::stream_id(base_lesson, "objectives")};
  for (std::size_t u = 0; u < o_.units; ++u) {
    auto title = "crash " + std::to_string(u);
    auto r = client::http_call("127.0.0.1", port, client::http::verb::post, "/api/units",
                               json{{"partnership", partnership}, {"title", title}}.dump(), lib);
    if (r.status != 200 && r.status != 201) throw std::runtime_error("cannot create a unit: " + r.body.dump());
    unit_ids_.push_back(r.body["unit"]["id"]);
    // The unit as it was made, then the lesson whose objectives are typed into.
    client::ws_client ws;
    if (!ws.connect("127.0.0.1", port, "/api/units/" + unit_ids_.back() + "/ws", lib)) throw std::runtime_error("cannot open a unit");
    auto welcome = ws.hello(setup_client);
    if (!spec_) spec_ = unit::template_spec::from_json(welcome["unit"]["template"]);
    initial_structure_.push_back(welcome["structure"]);
    ws.send(json{{"type", "cmd"}, {"clientID", setup_client}, {"seq", 1},
                 {"cmd", {{"op", "add_block"}, {"list", "lessons"}, {"id", base_lesson}, {"after", nullptr}}}});
    ws.expect("cmd");
    ws.close();
    for (int k = 0; k < 2; ++k) {
      auto id = "crash-" + std::to_string(u) + (k ? "t" : "l");
      std::vector<std::shared_ptr<coplan_field_state>> fields;
      for (const auto& f : fields_) fields.push_back(std::make_shared<coplan_field_state>(f, id));
      editors_.push_back({u, k ? tea : lib, std::move(fields), std::make_shared<structure_client>(id),
                          command_script("lesson-" + std::to_string(u) + (k ? "t-" : "l-"), title, o_.max_lessons), nullptr});
    }
  }
  auto db = read_db(data_dir_ + "/coplan.db");
  for (std::size_t u = 0; u < o_.units; ++u) {
    unit_rows_.push_back(db.unit_rows.at(unit_ids_[u]));
    auto welcome = observe(u);
    initial_text_.emplace_back();
    for (const auto& f : fields_) initial_text_.back().push_back(welcome["streams"][f]["text"].get<std::string>());
  }
}

// Opens a fresh connection per editor (continuing its state) and waits until all are welcomed.
void crash_harness::connect_all() {
  auto t0 = clock_type::now();
  for (auto& e : editors_) {
    if (e.conn) e.conn->close();
    e.conn = std::make_shared<coplan_load_client>(ioc_, endpoint_, unit_ids_[e.unit], e.cookie, &events_, e.fields, e.structure);
  }
  ready_ = 0;
  for (auto& e : editors_) e.conn->start();
  if (!run_until([&] { return ready_ >= editors_.size(); }, 30)) throw std::runtime_error("the clients did not reconnect in 30 s");
  reconnect_ms_.push_back(since_ms(t0));
}

// Editor `e` types a token into one of its fields or sends a structure command; while the server
// is down (no connection) both wait in the client and go out after the reconnect.
void crash_harness::act(std::size_t e) {
  auto& ed = editors_[e];
  if (std::bernoulli_distribution(o_.commands)(rng_)) {
    auto cmd = ed.script.next(rng_);
    if (ed.conn) ed.conn->command(std::move(cmd));
    else ed.structure->add(std::move(cmd));
    if (!ed.conn) ++commands_offline_;
    return;
  }
  auto token = token_editor_.size();
  auto field = std::uniform_int_distribution<std::size_t>(0, fields_.size() - 1)(rng_);
  token_editor_.push_back(static_cast<std::uint32_t>(e));
  token_field_.push_back(static_cast<std::uint8_t>(field));
  acked_.push_back(0);
  if (ed.conn) ed.conn->insert_token(field, token);
  else ed.fields[field]->type_token(token);
  if (!ed.conn) ++typed_offline_;
}

// Every editor acts at `rate` per second (Poisson arrivals) for `seconds`.
void crash_harness::type_for(double seconds) {
  std::exponential_distribution<double> gap(o_.rate * static_cast<double>(editors_.size()));
  std::uniform_int_distribution<std::size_t> who(0, editors_.size() - 1);
  auto end = clock_type::now() + std::chrono::duration<double>(seconds);
  auto next = clock_type::now();
  while (true) {
    next += std::chrono::duration_cast<clock_type::duration>(std::chrono::duration<double>(gap(rng_)));
    if (next >= end) break;
    while (clock_type::now() < next) ioc_.run_for(std::chrono::microseconds(500));
    act(who(rng_));
  }
  run_until([] { return false; }, std::chrono::duration<double>(end - clock_type::now()).count());
}

void crash_harness::kill_server() {
  for (auto& e : editors_) {
    for (auto& f : e.fields) in_flight_at_kills_ += f->collab.unconfirmed();
    commands_in_flight_at_kills_ += e.structure->unconfirmed();
  }
  server_->stop(SIGKILL);
  // Let every client see its socket fail before anything reconnects.
  run_until([] { return false; }, 0.1);
  for (auto& e : editors_) {
    e.conn->close();
    e.conn.reset();
  }
  run_until([] { return false; }, 0.05);
  // Some typing and commands while the server is down (kept by the clients, sent after the reconnect).
  for (std::size_t i = 0; i < editors_.size() / 2; ++i) act(std::uniform_int_distribution<std::size_t>(0, editors_.size() - 1)(rng_));
}

// The unit as a fresh client sees it (welcome: every field whole, the structure).
json crash_harness::observe(std::size_t unit) {
  client::ws_client ws;
  if (!ws.connect("127.0.0.1", server_->port(), "/api/units/" + unit_ids_[unit] + "/ws", editors_[unit * 2].cookie))
    throw std::runtime_error("the observer cannot connect");
  auto welcome = ws.hello("observer-" + std::to_string(observers_++));
  ws.close();
  return welcome;
}

// Each field holds its text from before the run followed by whole tokens only, each typed into
// this unit and this field; counts every token seen.
void crash_harness::check_texts(std::size_t u, const json& welcome, std::vector<std::uint32_t>& seen) {
  auto where = "unit " + std::to_string(u) + " ";
  for (std::size_t f = 0; f < fields_.size(); ++f) {
    auto s = welcome["streams"].find(fields_[f]);
    if (s == welcome["streams"].end()) {
      fail(where + fields_[f] + ": missing");
      continue;
    }
    const auto& text = (*s)["text"].get_ref<const std::string&>();
    const auto& initial = initial_text_[u][f];
    if (text.compare(0, initial.size(), initial) != 0) {
      fail(where + fields_[f] + ": the text before the run changed");
      continue;
    }
    std::string_view rest(text);
    rest.remove_prefix(initial.size());
    std::size_t tokens = 0;
    load_connection::find_tokens(rest, [&](std::uint64_t t) {
      ++tokens;
      if (t >= seen.size() || editors_[token_editor_[t]].unit != u || token_field_[t] != f)
        fail(where + fields_[f] + ": a token from elsewhere");
      else ++seen[t];
    });
    if (rest.size() != tokens * 7)
      fail(where + fields_[f] + ": part of an edit is present (" + std::to_string(rest.size()) + " characters for " +
           std::to_string(tokens) + " tokens)");
  }
}

// The structure against the op log and each editor's commands: the log's commands are versions
// 0, 1, 2, … and the structure is exactly the log replayed (nothing in it that is not in the log,
// in whole or in part); the title and the reflection that a command also writes are there exactly
// when the command is; each editor's commands in the log are its seqs 1..k in order, once each, as
// sent, k covering every one acknowledged, and its lessons are what its first k commands make.
void crash_harness::check_structure(std::size_t u, const json& welcome, const db_view& db, bool final) {
  auto where = "unit " + std::to_string(u) + ": ";
  const auto& structure = welcome["structure"];
  static const std::vector<store::op_row> none;
  auto found = db.commands.find(unit_rows_[u]);
  const auto& rows = found == db.commands.end() ? none : found->second;
  for (std::size_t i = 0; i < rows.size(); ++i)
    if (rows[i].version != i) {
      fail(where + "the op log's structure command " + std::to_string(i) + " has version " + std::to_string(rows[i].version));
      break;
    }
  if (rows.size() != structure["version"].get<std::uint64_t>())
    fail(where + "the structure is at version " + structure["version"].dump() + " but the op log holds " +
         std::to_string(rows.size()) + " commands");

  auto doc = unit::unit_doc::from_json(spec_, unit::unit_limits{}, json{{"structure", initial_structure_[u]}, {"streams", json::object()}});
  bool reflect = false;
  try {
    for (const auto& r : rows) {
      auto cmd = unit::command::from_json(json::parse(r.payload));
      reflect |= cmd.op == unit::command_op::set_value && cmd.block == "unit" && cmd.field == "phase" && cmd.value == "reflect";
      doc.apply(cmd, r.client_id, r.client_seq, r.author, r.time);
    }
    if (doc.structure_json() != structure) fail(where + "the structure is not its op log replayed (a command applied in part, or lost)");
  } catch (const std::exception& e) {
    fail(where + "the op log does not replay: " + e.what());
  }
  auto title = structure["values"].find("title");
  if (title != structure["values"].end() && *title != db.titles.at(unit_rows_[u]))
    fail(where + "units.title " + json(db.titles.at(unit_rows_[u])).dump() + " is not the unit's title " + title->dump());
  auto reflections = db.reflections.count(unit_rows_[u]) ? db.reflections.at(unit_rows_[u]) : 0;
  if (reflections != (reflect ? 1 : 0))
    fail(where + std::to_string(reflections) + " unit reflections opened, " + (reflect ? "1" : "0") + " expected from the op log");

  std::map<std::string, std::vector<const store::op_row*>> by_client;
  for (const auto& r : rows) by_client[r.client_id].push_back(&r);
  const auto& lessons = structure["lists"]["lessons"];
  for (auto& ed : editors_) {
    if (ed.unit != u) continue;
    const auto& id = ed.structure->client_id();
    auto who = where + "client " + id + ": ";
    std::uint64_t k = 0, sent = ed.script.size();
    std::vector<std::uint8_t> present(sent + 1, 0);
    std::size_t duplicates = 0;
    for (const auto* r : by_client[id]) {
      if (r->client_seq == 0 || r->client_seq > sent) {
        fail(who + "command " + std::to_string(r->client_seq) + " in the op log was never sent");
        continue;
      }
      if (present[r->client_seq]++) ++duplicates;
      else if (r->client_seq != k + 1) fail(who + "command " + std::to_string(r->client_seq) + " follows " + std::to_string(k) + " in the op log");
      k = std::max(k, r->client_seq);
      if (json::parse(r->payload) != ed.script.sent(r->client_seq))
        fail(who + "command " + std::to_string(r->client_seq) + " is not what was sent: " + r->payload);
    }
    by_client.erase(id);
    std::size_t acked = 0, lost = 0, once = 0, adds = 0, adds_once = 0;
    for (std::uint64_t s = 1; s <= sent; ++s) {
      bool ack = ed.structure->acknowledged(s);
      acked += ack;
      once += present[s] == 1;
      if (ack && !present[s]) ++lost;
      const auto& cmd = ed.script.sent(s);
      if (!ack || cmd["op"] != "add_block") continue;
      ++adds;
      adds_once += std::count_if(lessons.begin(), lessons.end(), [&](const json& b) { return b["id"] == cmd["id"]; }) == 1;
    }
    if (duplicates) fail(who + std::to_string(duplicates) + " commands applied twice");
    if (lost) fail(who + std::to_string(lost) + " acknowledged commands lost");
    if (adds_once != adds) fail(who + std::to_string(adds - adds_once) + " acknowledged lessons not present exactly once");
    if (final && once != sent) fail(who + std::to_string(sent - once) + " commands sent never arrived");
    auto mine = json::array();
    for (const auto& b : lessons)
      if (ed.script.owns(b["id"].get<std::string>())) mine.push_back(b);
    if (mine != ed.script.lessons_after(k))
      fail(who + "its lessons are not what its first " + std::to_string(k) + " commands make: " + mine.dump().substr(0, 300));
    acked_commands_checked_ += acked;
    if (final) {
      final_["commands_present_once"] = final_.value("commands_present_once", std::size_t{0}) + once;
      final_["command_duplicates"] = final_.value("command_duplicates", std::size_t{0}) + duplicates;
      final_["commands_lost"] = final_.value("commands_lost", std::size_t{0}) + (sent - once);
      final_["lesson_adds_acknowledged"] = final_.value("lesson_adds_acknowledged", std::size_t{0}) + adds;
      final_["lesson_adds_present_once"] = final_.value("lesson_adds_present_once", std::size_t{0}) + adds_once;
    }
  }
  for (const auto& [client, list] : by_client)
    if (client != setup_client || list.size() != 1 || list[0]->client_seq != 1)
      fail(where + std::to_string(list.size()) + " commands in the op log from " + client);
}

// Every client of the unit has nothing unconfirmed and holds what the server holds: each field's
// text and version, and the structure.
void crash_harness::check_clients(std::size_t u, const json& welcome) {
  for (auto& ed : editors_) {
    if (ed.unit != u) continue;
    std::string why;
    for (std::size_t f = 0; f < fields_.size(); ++f) {
      const auto& c = ed.fields[f]->collab;
      const auto& s = welcome["streams"][fields_[f]];
      if (c.unconfirmed()) why += " " + fields_[f] + " has unconfirmed edits;";
      if (c.text().to_utf8() != s["text"]) why += " " + fields_[f] + " text differs;";
      if (c.version() != s["version"]) why += " " + fields_[f] + " is at version " + std::to_string(c.version()) + ", the server at " + s["version"].dump() + ";";
    }
    if (ed.structure->unconfirmed()) why += " commands unconfirmed;";
    if (ed.structure->structure_json() != welcome["structure"]) why += " the structure differs;";
    if (why.empty()) final_["clients_converged"] = final_.value("clients_converged", std::size_t{0}) + 1;
    else fail("unit " + std::to_string(u) + ": client " + ed.structure->client_id() + " did not converge:" + why);
  }
}

// What the server holds after a restart (before any client reconnects) or at the end.
void crash_harness::check_server(bool final) {
  auto t0 = clock_type::now();
  ++checks_;
  auto db = read_db(data_dir_ + "/coplan.db");
  std::vector<std::uint32_t> seen(token_editor_.size(), 0);
  if (final) final_["clients_converged"] = 0;
  for (std::size_t u = 0; u < unit_ids_.size(); ++u) {
    auto welcome = observe(u);
    check_texts(u, welcome, seen);
    check_structure(u, welcome, db, final);
    if (final) check_clients(u, welcome);
  }
  std::size_t duplicates = 0, lost_acked = 0, missing = 0, once = 0;
  for (std::size_t t = 0; t < seen.size(); ++t) {
    if (seen[t] > 1) ++duplicates;
    if (seen[t] == 1) ++once;
    if (acked_[t]) ++acked_edits_checked_;
    if (acked_[t] && seen[t] == 0) ++lost_acked;
    if (final && seen[t] == 0) ++missing;
  }
  if (duplicates) fail(std::to_string(duplicates) + " edits present twice");
  if (lost_acked) fail(std::to_string(lost_acked) + " acknowledged edits lost");
  if (missing) fail(std::to_string(missing) + " typed edits never arrived");
  if (final) {
    final_["edits_present_once"] = once;
    final_["edit_duplicates"] = duplicates;
    final_["edits_missing"] = missing;
  }
  auto ic = integrity_check(data_dir_ + "/coplan.db");
  if (ic == "ok") ++integrity_ok_;
  else fail("integrity_check: " + ic);
  check_ms_.push_back(since_ms(t0));
}

// Waits until every client has nothing unconfirmed and has caught up with its partner.
bool crash_harness::settle(double seconds) {
  return run_until(
      [&] {
        for (std::size_t i = 0; i < editors_.size(); i += 2) {
          const auto& a = editors_[i];
          const auto& b = editors_[i + 1];
          if (a.structure->unconfirmed() || b.structure->unconfirmed() || a.structure->version() != b.structure->version())
            return false;
          for (std::size_t f = 0; f < fields_.size(); ++f) {
            const auto& x = a.fields[f]->collab;
            const auto& y = b.fields[f]->collab;
            if (x.unconfirmed() || y.unconfirmed() || x.version() != y.version()) return false;
          }
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

  std::size_t sent = 0, acked = 0;
  std::map<std::string, std::size_t> by_op;
  for (const auto& e : editors_) {
    sent += e.script.size();
    acked += e.structure->acknowledged_count();
    for (const auto& [op, n] : e.script.counts()) by_op[op] += n;
  }
  return {{"ok", failures_.empty()},
          {"failures", failures_},
          {"kills", o_.kills},
          {"units", o_.units},
          {"clients", editors_.size()},
          {"server_threads", o_.threads ? std::to_string(o_.threads) : "default (one per core)"},
          {"fields", fields_},
          {"edits",
           {{"typed", token_editor_.size()},
            {"typed_while_down", typed_offline_},
            {"acknowledged", static_cast<std::size_t>(std::count(acked_.begin(), acked_.end(), 1))},
            {"unconfirmed_at_kills", in_flight_at_kills_},
            {"acknowledged_checked", acked_edits_checked_},
            {"present_once", final_.value("edits_present_once", std::size_t{0})},
            {"duplicates", final_.value("edit_duplicates", std::size_t{0})},
            {"missing", final_.value("edits_missing", std::size_t{0})}}},
          {"commands",
           {{"sent", sent},
            {"by_op", by_op},
            {"sent_while_down", commands_offline_},
            {"acknowledged", acked},
            {"unconfirmed_at_kills", commands_in_flight_at_kills_},
            {"acknowledged_checked", acked_commands_checked_},
            {"present_once", final_.value("commands_present_once", std::size_t{0})},
            {"duplicates", final_.value("command_duplicates", std::size_t{0})},
            {"lost", final_.value("commands_lost", std::size_t{0})},
            {"lesson_adds_acknowledged", final_.value("lesson_adds_acknowledged", std::size_t{0})},
            {"lesson_adds_present_once", final_.value("lesson_adds_present_once", std::size_t{0})}}},
          {"clients_converged", final_.value("clients_converged", std::size_t{0})},
          {"server_checks", checks_},
          {"integrity_ok", integrity_ok_},
          {"integrity_check_after_shutdown", ic},
          {"restart_ms_median", median(restart_ms_)},
          {"reconnect_ms_median", median(reconnect_ms_)},
          {"check_ms_median", median(check_ms_)},
          {"seconds", since_ms(t0) / 1000}};
}

std::string crash_harness::summary(const json& r) {
  auto n = [](const json& v) { return v.dump(); };
  const auto& e = r["edits"];
  const auto& c = r["commands"];
  std::ostringstream out;
  out << "crash harness: " << n(r["kills"]) << " SIGKILLs, " << n(r["units"]) << " units, " << n(r["clients"])
      << " clients, server io threads: " << r["server_threads"].get<std::string>() << ", " << n(r["server_checks"])
      << " server checks\n";
  out << "  edits (" << r["fields"].size() << " text fields a unit): " << n(e["typed"]) << " typed (" << n(e["typed_while_down"])
      << " while the server was down), " << n(e["acknowledged"]) << " acknowledged, " << n(e["unconfirmed_at_kills"])
      << " unconfirmed at the kills; at the end " << n(e["present_once"]) << " present exactly once, " << n(e["duplicates"])
      << " duplicated, " << n(e["missing"]) << " missing\n";
  out << "  commands: " << n(c["sent"]) << " sent " << c["by_op"].dump() << " (" << n(c["sent_while_down"])
      << " while the server was down), " << n(c["acknowledged"]) << " acknowledged, " << n(c["unconfirmed_at_kills"])
      << " unconfirmed at the kills; at the end " << n(c["present_once"]) << " present exactly once in the op log and the structure, "
      << n(c["duplicates"]) << " duplicated, " << n(c["lost"]) << " lost; acknowledged lesson adds " << n(c["lesson_adds_present_once"])
      << " of " << n(c["lesson_adds_acknowledged"]) << " present once\n";
  out << "  after every restart: " << n(e["acknowledged_checked"]) << " acknowledged edits and " << n(c["acknowledged_checked"])
      << " acknowledged commands checked present exactly once (summed over the checks); structure = op log replayed\n";
  out << "  clients converged with the server (every field's text and version, and the structure): " << n(r["clients_converged"])
      << " of " << n(r["clients"]) << "\n";
  out << "  integrity_check ok in " << n(r["integrity_ok"]) << " of " << n(r["server_checks"]) << " checks, after shutdown "
      << r["integrity_check_after_shutdown"].get<std::string>() << "\n";
  char tail[200];
  std::snprintf(tail, sizeof tail, "  restart median %.0f ms, reconnect median %.0f ms, check median %.0f ms, %.1f s: %s\n",
                r["restart_ms_median"].get<double>(), r["reconnect_ms_median"].get<double>(),
                r["check_ms_median"].get<double>(), r["seconds"].get<double>(),
                r["ok"].get<bool>() ? "OK" : "FAILED");
  out << tail;
  for (const auto& f : r["failures"]) out << "  failure: " << f.get<std::string>() << "\n";
  return out.str();
}

}  // namespace coplan::bench
