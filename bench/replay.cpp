// `coplan-bench replay`: pushes every patch of an editing trace through a running Coplan server
// over WebSocket (one update per patch, batched into pushes the way @codemirror/collab sends
// them), while a second client receives; checks both final texts against the trace's endContent,
// restarts the server, checks the reloaded text again, and prints edits per second.
#include <algorithm>
#include <chrono>
#include <random>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include <boost/program_options.hpp>

#include "cli/command_line.hpp"
#include "client/http_client.hpp"
#include "client/ws_client.hpp"
#include "crash_harness.hpp"
#include "server_process.hpp"
#include "store/database.hpp"
#include "text/change_set.hpp"
#include "text/text_buffer.hpp"
#include "text/utf16.hpp"
#include "unit/unit_limits.hpp"

namespace po = boost::program_options;
using namespace coplan;
using nlohmann::json;

namespace {

json read_gz_json(const std::string& path) {
  FILE* f = popen(("gzip -dc '" + path + "'").c_str(), "r");
  if (!f) throw std::runtime_error("cannot run gzip");
  std::string data;
  char buf[1 << 16];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  if (pclose(f) != 0) throw std::runtime_error("cannot read " + path);
  return json::parse(data);
}

std::string default_trace() {
  for (const char* c : {"../shared/data/editing-traces/automerge-paper.json.gz",
                        "/work/shared/data/editing-traces/automerge-paper.json.gz"})
    if (std::filesystem::exists(c)) return c;
  return "";
}

}  // namespace

int replay(const std::vector<std::string>& args) {
  std::string coplan = "build/release/coplan", trace_path = default_trace(), templates = "templates", stream = "unit.knowledge";
  std::size_t batch = unit::unit_limits{}.max_updates_per_push;  // as many as the server takes
  std::size_t limit = 0;
  po::options_description opts("coplan-bench replay options");
  opts.add_options()("help,h", "show these options")
      ("coplan", po::value(&coplan)->default_value(coplan), "the coplan binary to run")
      ("trace", po::value(&trace_path)->default_value(trace_path), "editing trace (.json.gz)")
      ("templates", po::value(&templates)->default_value(templates), "templates folder for the server")
      ("stream", po::value(&stream)->default_value(stream), "text field to type into")
      ("batch", po::value(&batch)->default_value(batch), "updates per push: a @codemirror/collab client sends all it has unconfirmed, and the server takes up to 1,000 per push")
      ("limit", po::value(&limit)->default_value(0), "replay only the first N patches (0 = all)");
  po::variables_map vm;
  if (!cli::parse_command_line(args, opts, vm)) return 0;
  if (trace_path.empty()) throw std::runtime_error("no trace given and none found");

  // Prepare every push message before the clock starts.
  auto trace = read_gz_json(trace_path);
  std::vector<std::string> changes;
  std::int64_t len = 0;
  std::u16string expected;
  for (const auto& txn : trace["txns"])
    for (const auto& p : txn["patches"]) {
      if (limit && changes.size() == limit) break;
      auto pos = p[0].get<std::int64_t>(), del = p[1].get<std::int64_t>();
      auto ins = text::utf8_to_utf16(p[2].get<std::string>());
      changes.push_back(text::change_set::replace(len, pos, pos + del, ins).to_json().dump());
      expected.replace(static_cast<std::size_t>(pos), static_cast<std::size_t>(del), ins);
      len += static_cast<std::int64_t>(ins.size()) - del;
    }
  std::string end_content = limit ? text::utf16_to_utf8(expected) : trace["endContent"].get<std::string>();
  std::vector<std::string> pushes;
  std::vector<std::size_t> push_sizes;
  for (std::size_t i = 0; i < changes.size(); i += batch) {
    std::string m = "{\"type\":\"push\",\"stream\":" + json(stream).dump() + ",\"version\":" + std::to_string(i) +
                    ",\"updates\":[";
    std::size_t n = std::min(batch, changes.size() - i);
    for (std::size_t k = 0; k < n; ++k)
      m += std::string(k ? "," : "") + "{\"clientID\":\"replay\",\"seq\":" + std::to_string(i + k + 1) +
           ",\"changes\":" + changes[i + k] + "}";
    m += "]}";
    pushes.push_back(std::move(m));
    push_sizes.push_back(n);
  }

  auto data_dir = std::filesystem::temp_directory_path() / ("coplan-replay-" + std::to_string(getpid()));
  std::filesystem::remove_all(data_dir);
  std::vector<std::string> serve{"serve", "--port", "0", "--data-dir", data_dir.string(), "--web-root", "/nonexistent",
                                 "--templates", templates, "--demo"};
  bench::server_process::lift_rate_limits(serve);
  auto server = std::make_unique<bench::server_process>(coplan, serve);
  auto port = server->port();
  auto lib = client::sign_in("127.0.0.1", port, "librarian", "coplan-demo");
  auto tea = client::sign_in("127.0.0.1", port, "teacher", "coplan-demo");
  auto units = client::http_call("127.0.0.1", port, client::http::verb::get, "/api/units", "", lib);
  std::string unit = units.body["units"][0]["id"];
  std::string target = "/api/units/" + unit + "/ws";

  client::ws_client receiver, sender;
  if (!receiver.connect("127.0.0.1", port, target, tea) || !sender.connect("127.0.0.1", port, target, lib))
    throw std::runtime_error("WebSocket refused");
  auto w = receiver.hello("receiver");
  if (w["streams"][stream]["version"] != 0) throw std::runtime_error("stream " + stream + " is not empty");
  sender.hello("replay");

  // The receiver rebuilds the text from the update stream, on its own thread.
  std::string received_text;
  std::size_t received = 0;
  std::chrono::steady_clock::time_point received_all;
  std::thread rx([&] {
    text::text_buffer doc;
    while (received < changes.size()) {
      auto m = receiver.recv(std::chrono::seconds(60));
      if (!m) break;
      if ((*m)["type"] != "updates" || (*m)["stream"] != stream) continue;
      for (const auto& u : (*m)["updates"]) {
        auto c = text::change_set::from_json(u["changes"], 1 << 30, 1 << 30);
        doc.validate(c);
        doc.apply(c);
        ++received;
      }
    }
    received_all = std::chrono::steady_clock::now();
    received_text = doc.to_utf8();
  });

  auto cpu0 = server->cpu_seconds();
  auto start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < pushes.size(); ++i) {
    sender.send(pushes[i]);
    for (;;) {
      auto raw = sender.recv_raw(std::chrono::seconds(60));
      if (!raw) throw std::runtime_error("the server closed the sender");
      if (raw->find("\"type\":\"pushed\"") == std::string::npos) {
        if (raw->find("\"type\":\"error\"") != std::string::npos) throw std::runtime_error("server error: " + *raw);
        continue;
      }
      if (raw->find("\"ok\":true") == std::string::npos) throw std::runtime_error("push refused: " + *raw);
      break;
    }
  }
  auto acked = std::chrono::steady_clock::now();
  rx.join();
  auto cpu = server->cpu_seconds() - cpu0;
  auto rss = server->peak_rss_kib();
  double secs_ack = std::chrono::duration<double>(acked - start).count();
  double secs_all = std::chrono::duration<double>(received_all - start).count();
  bool sender_ok = received == changes.size() && received_text == end_content;
  sender.close();
  receiver.close();

  // Restart and read the field back from SQLite.
  server->stop(15);
  auto restart_start = std::chrono::steady_clock::now();
  server = std::make_unique<bench::server_process>(coplan, serve);
  port = server->port();
  client::ws_client again;
  again.connect("127.0.0.1", port, target, client::sign_in("127.0.0.1", port, "teacher", "coplan-demo"));
  auto w2 = again.hello("after-restart");
  double secs_reload = std::chrono::duration<double>(std::chrono::steady_clock::now() - restart_start).count();
  bool reload_ok = w2["streams"][stream]["text"] == end_content && w2["streams"][stream]["version"] == changes.size();
  again.close();
  server->stop(15);
  std::filesystem::remove_all(data_dir);

  std::printf("trace replay over WebSocket: %s\n", trace_path.c_str());
  std::printf("| edits | pushes | acked in s | edits/s (acked) | all received in s | server CPU s | peak RSS MiB | final text | after restart | restart+open s |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---|---|---:|\n");
  std::printf("| %zu | %zu | %.3f | %.0f | %.3f | %.2f | %.1f | %s | %s | %.2f |\n", changes.size(), pushes.size(), secs_ack,
              static_cast<double>(changes.size()) / secs_ack, secs_all, cpu, static_cast<double>(rss) / 1024.0,
              sender_ok ? "matches endContent" : "MISMATCH", reload_ok ? "matches" : "MISMATCH", secs_reload);
  return sender_ok && reload_ok ? 0 : 1;
}

// `coplan-bench history`: builds a unit with a whole trace's history (automerge-paper: 259,778
// edits), restarts the server so nothing is cached, then times opening the history and jumping to
// random points, over HTTP as the history page does. Then, with another unit's ops written after
// the unit closed (as in a district where most units are opened long after they were last
// closed), times the unit's cold open with its closing snapshot marked closed, and as after a
// crash (the mark removed: the op log is read after the snapshot), and the history's cold open.
int history(const std::vector<std::string>& args) {
  std::string coplan = "build/release/coplan", trace_path = default_trace(), templates = "templates";
  std::size_t jumps = 30, other_ops = 1'000'000;
  po::options_description opts("coplan-bench history options");
  opts.add_options()("help,h", "show these options")
      ("coplan", po::value(&coplan)->default_value(coplan), "the coplan binary to run")
      ("trace", po::value(&trace_path)->default_value(trace_path), "editing trace (.json.gz)")
      ("templates", po::value(&templates)->default_value(templates), "templates folder for the server")
      ("jumps", po::value(&jumps)->default_value(jumps), "random points to jump to")
      ("other-ops", po::value(&other_ops)->default_value(other_ops),
       "ops of another unit written after the unit closed, for the second part (0: skip it)");
  po::variables_map vm;
  if (!cli::parse_command_line(args, opts, vm)) return 0;
  auto trace = read_gz_json(trace_path);
  std::vector<std::string> changes;
  std::int64_t len = 0;
  for (const auto& txn : trace["txns"])
    for (const auto& p : txn["patches"]) {
      auto pos = p[0].get<std::int64_t>(), del = p[1].get<std::int64_t>();
      auto ins = text::utf8_to_utf16(p[2].get<std::string>());
      changes.push_back(text::change_set::replace(len, pos, pos + del, ins).to_json().dump());
      len += static_cast<std::int64_t>(ins.size()) - del;
    }
  auto data_dir = std::filesystem::temp_directory_path() / ("coplan-history-" + std::to_string(getpid()));
  std::filesystem::remove_all(data_dir);
  std::vector<std::string> serve{"serve", "--port", "0", "--data-dir", data_dir.string(), "--web-root", "/nonexistent",
                                 "--templates", templates, "--demo"};
  bench::server_process::lift_rate_limits(serve);
  auto server = std::make_unique<bench::server_process>(coplan, serve);
  auto port = server->port();
  auto lib = client::sign_in("127.0.0.1", port, "librarian", "coplan-demo");
  auto unit = client::http_call("127.0.0.1", port, client::http::verb::get, "/api/units", "", lib).body["units"][0]["id"].get<std::string>();
  client::ws_client sender;
  sender.connect("127.0.0.1", port, "/api/units/" + unit + "/ws", lib);
  sender.hello("history-bench");
  const std::string stream = "unit.knowledge";
  for (std::size_t i = 0; i < changes.size(); i += 200) {
    std::string m = "{\"type\":\"push\",\"stream\":\"" + stream + "\",\"version\":" + std::to_string(i) + ",\"updates\":[";
    for (std::size_t k = i; k < std::min(changes.size(), i + 200); ++k)
      m += std::string(k > i ? "," : "") + "{\"clientID\":\"history-bench\",\"changes\":" + changes[k] + "}";
    sender.send(m + "]}");
    for (;;) {
      auto raw = sender.recv_raw(std::chrono::seconds(60));
      if (!raw) throw std::runtime_error("the server closed the connection");
      if (raw->find("\"type\":\"pushed\"") != std::string::npos) break;
    }
  }
  sender.close();
  // A fresh server process on the same data, signed in as the librarian again.
  auto start_fresh = [&] {
    server = std::make_unique<bench::server_process>(coplan, serve);
    port = server->port();
    lib = client::sign_in("127.0.0.1", port, "librarian", "coplan-demo");
  };
  // Opening the unit itself, cold: a fresh server process, the unit read from its latest snapshot
  // and the ops after it, the welcome with every field (the trace's whole text among them).
  // open_fresh: a fresh server process each time; its milliseconds from connect to welcome, for a
  // client that says it has the versions `since`. open_cold: a new client; `ok` stays true while
  // every welcome holds the trace's final text.
  auto open_fresh = [&](const nlohmann::json& since, nlohmann::json& welcome) {
    server->stop(15);
    start_fresh();
    client::ws_client opener;
    auto t0 = std::chrono::steady_clock::now();
    if (!opener.connect("127.0.0.1", port, "/api/units/" + unit + "/ws", lib)) throw std::runtime_error("WebSocket refused");
    welcome = opener.hello("cold-open", since);
    auto ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    opener.close();
    server->stop(15);
    return ms;
  };
  auto open_cold = [&](bool& ok) {
    nlohmann::json w;
    auto ms = open_fresh(nlohmann::json::object(), w);
    ok = ok && w["streams"][stream]["text"] == trace["endContent"];
    return ms;
  };
  std::vector<double> unit_open_ms;
  bool unit_open_ok = true;
  for (int round = 0; round < 5; ++round) unit_open_ms.push_back(open_cold(unit_open_ok));
  std::sort(unit_open_ms.begin(), unit_open_ms.end());
  start_fresh();
  auto get = [&](const std::string& target, double& ms) {
    auto t0 = std::chrono::steady_clock::now();
    auto r = client::http_call("127.0.0.1", port, client::http::verb::get, target, "", lib);
    ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (r.status != 200) throw std::runtime_error("GET " + target + " failed: " + r.body.dump());
    return r.body;
  };
  double open_ms = 0, open_warm_ms = 0;
  auto timeline = get("/api/units/" + unit + "/history", open_ms);
  get("/api/units/" + unit + "/history", open_warm_ms);
  std::size_t ops = timeline["ops"];
  std::mt19937_64 rng(7);
  std::vector<double> times;
  std::size_t checked = 0;
  for (std::size_t j = 0; j < jumps; ++j) {
    std::size_t op = rng() % (ops + 1);
    double ms = 0;
    auto at = get("/api/units/" + unit + "/history/" + std::to_string(op), ms);
    times.push_back(ms);
    // The demo unit has 96 ops before the trace; check the text at the trace's end exactly.
    if (op == ops) checked += at["streams"][stream]["text"] == trace["endContent"];
  }
  double end_ms = 0;
  auto end = get("/api/units/" + unit + "/history/" + std::to_string(ops), end_ms);
  bool end_ok = end["streams"][stream]["text"] == trace["endContent"];
  std::sort(times.begin(), times.end());
  auto pct = [&](double p) { return times[std::min(times.size() - 1, static_cast<std::size_t>(p * static_cast<double>(times.size())))]; };
  std::printf("cold open of the unit (connect, upgrade, load, welcome) over %zu fresh starts: min %.1f ms, median %.1f ms, "
              "max %.1f ms; text matches endContent: %s\n",
              unit_open_ms.size(), unit_open_ms.front(), unit_open_ms[unit_open_ms.size() / 2], unit_open_ms.back(),
              unit_open_ok ? "yes" : "NO");
  std::printf("history of a unit with %zu ops (%zu edits of %s)\n", ops, changes.size(), trace_path.c_str());
  std::printf("| open (cold) ms | open (warm) ms | jumps | jump median ms | jump p95 ms | jump max ms | last version matches endContent |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---|\n");
  std::printf("| %.1f | %.1f | %zu | %.1f | %.1f | %.1f | %s |\n", open_ms, open_warm_ms, times.size(), pct(0.5), pct(0.95), times.back(),
              end_ok ? "yes" : "NO");
  server->stop(15);
  bool after_ok = true;
  if (other_ops > 0) {
    // Another unit's ops after this one closed, written straight into the op log (server stopped).
    std::int64_t unit_row = 0;
    {
      store::database db((data_dir / "coplan.db").string(), {});
      auto st = db.prepare("SELECT id FROM units WHERE public_id = ?");
      st.bind(1, unit);
      if (!st.step()) throw std::runtime_error("unit not in the database");
      unit_row = st.int64(0);
      db.exec("BEGIN");
      auto ins = db.prepare(
          "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
          "INSERT INTO oplog(unit_id, kind, stream, version, author, client_id, client_seq, time, payload) "
          "SELECT (SELECT max(id) + 1000 FROM units), 0, 'unit.goals', i - 1, 1, 'other', i, 0, '[0,[0,\"x\"]]' FROM n");
      ins.bind(1, static_cast<std::int64_t>(other_ops));
      ins.run();
      db.exec("COMMIT");
    }
    auto drop_mark = [&] {
      store::database db((data_dir / "coplan.db").string(), {});
      auto st = db.prepare("UPDATE snapshots SET closed = 0 WHERE unit_id = ?");
      st.bind(1, unit_row);
      st.run();
    };
    std::vector<double> closed_ms, scan_ms, behind_ms;
    for (int round = 0; round < 3; ++round) {
      closed_ms.push_back(open_cold(after_ok));
      drop_mark();  // as after a crash; the open after it closes the unit and marks it again
      scan_ms.push_back(open_cold(after_ok));
    }
    // A client that was away for the trace's last 1,000 edits comes back to a fresh server: the unit
    // opens from its closing snapshot, so those edits are read back from the op log.
    const std::uint64_t behind = std::min<std::uint64_t>(1000, changes.size());
    for (int round = 0; round < 3; ++round) {
      nlohmann::json w;
      behind_ms.push_back(open_fresh({{stream, changes.size() - behind}}, w));
      const auto& s = w["streams"][stream];
      after_ok = after_ok && s.value("from", std::uint64_t{0}) == changes.size() - behind && s["updates"].size() == behind;
    }
    start_fresh();
    double after_open_ms = 0;
    auto after_timeline = get("/api/units/" + unit + "/history", after_open_ms);
    after_ok = after_ok && after_timeline["ops"] == timeline["ops"];
    server->stop(15);
    auto list = [](const std::vector<double>& v) {
      std::string out;
      for (auto ms : v) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%s%.1f", out.empty() ? "" : " · ", ms);
        out += buf;
      }
      return out;
    };
    std::printf("with %zu ops of another unit written after the unit closed: cold open of the unit, snapshot marked closed: "
                "%s ms; mark removed (as after a crash: the op log is read after the snapshot): %s ms; history open "
                "(cold): %.1f ms; a client %llu edits behind, caught up from the op log on a fresh start: %s ms; text, "
                "op count and catch-up match: %s\n",
                other_ops, list(closed_ms).c_str(), list(scan_ms).c_str(), after_open_ms,
                static_cast<unsigned long long>(behind), list(behind_ms).c_str(), after_ok ? "yes" : "NO");
  }
  std::filesystem::remove_all(data_dir);
  (void)checked;
  return end_ok && unit_open_ok && after_ok ? 0 : 1;
}

int load(const std::vector<std::string>& args);
int echo_server(const std::vector<std::string>& args);

// coplan-bench crash: the crash-safety harness (bench/crash_harness.hpp).
int crash(const std::vector<std::string>& args) {
  bench::crash_harness::options o;
  po::options_description opts("coplan-bench crash options");
  opts.add_options()("help,h", "show these options")
      ("coplan", po::value(&o.coplan)->default_value(o.coplan), "the coplan binary")
      ("templates", po::value(&o.templates)->default_value(o.templates), "templates folder for the server")
      ("units", po::value(&o.units)->default_value(o.units), "units, two editors each")
      ("kills", po::value(&o.kills)->default_value(o.kills), "times the server is killed with SIGKILL")
      ("rate", po::value(&o.rate)->default_value(o.rate), "edits and commands per second per editor")
      ("commands", po::value(&o.commands)->default_value(o.commands), "share of those that are structure commands")
      ("max-lessons", po::value(&o.max_lessons)->default_value(o.max_lessons), "lessons each editor adds at most")
      ("threads", po::value(&o.threads)->default_value(o.threads), "the server's io threads (0: its default)")
      ("max-run", po::value(&o.max_run)->default_value(o.max_run), "most seconds of typing between kills")
      ("seed", po::value(&o.seed)->default_value(o.seed), "random seed (kill moments, who types)");
  po::variables_map vm;
  if (!cli::parse_command_line(args, opts, vm)) return 0;
  bench::crash_harness harness(o);
  auto result = harness.run();
  std::cout << bench::crash_harness::summary(result) << result.dump() << std::endl;
  if (!result["ok"].get<bool>()) {
    std::cerr << "coplan-bench crash: FAILED\n";
    return 3;
  }
  return 0;
}

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << "Usage: coplan-bench <command> [options]\n\nCommands:\n  replay   replay an editing trace through a "
                 "running server and check it\n  history  time opening a long history and jumping around in it\n  load     drive a server (coplan, sharedb, echo) with a workload; "
                 "prints JSON\n  echo-server  the bare Beast echo server (the floor)\n  crash    the crash-safety harness: SIGKILLs under load, "
                 "then checks every acknowledged edit and command\n";
    return args.empty() ? 1 : 0;
  }
  auto cmd = args[0];
  args.erase(args.begin());
  try {
    if (cmd == "replay") return replay(args);
    if (cmd == "history") return history(args);
    if (cmd == "load") return load(args);
    if (cmd == "echo-server") return echo_server(args);
    if (cmd == "crash") return crash(args);
    std::cerr << "coplan-bench: unknown command " << cmd << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "coplan-bench " << cmd << ": " << e.what() << "\n";
    return 1;
  }
}
