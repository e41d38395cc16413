// `coplan-bench load`: the C++ load generator. Drives a running server (Coplan, ShareDB, or the
// bare echo floor) with one of the workloads of docs/benchmarks.md from one thread: the classroom
// fleet (open loop: every edit has a fixed send time, so queueing delay counts), contention (editors
// typing into one field as fast as their acknowledgements let them), idle capacity (connections
// that subscribe and wait). Prints one JSON line: latencies as percentiles of every delivery,
// accounting of every edit, and the server's CPU seconds, memory and bytes written when --server-pid
// is given. Also `coplan-bench echo-server`, the floor.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <queue>
#include <random>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <sys/resource.h>

#include "cli/command_line.hpp"
#include "client/http_client.hpp"
#include "net/server.hpp"
#include "coplan_load_client.hpp"
#include "echo_load_client.hpp"
#include "echo_session.hpp"
#include "latency_histogram.hpp"
#include "proc_stats.hpp"
#include "sharedb_load_client.hpp"

namespace po = boost::program_options;
namespace asio = boost::asio;
using namespace coplan;
using nlohmann::json;
using tcp = asio::ip::tcp;

namespace {

using clock_type = std::chrono::steady_clock;
std::int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(clock_type::now().time_since_epoch()).count(); }

double own_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}


struct options {
  std::string target = "coplan";
  std::string host = "127.0.0.1";
  unsigned short port = 0;
  std::string workload = "fleet";
  std::size_t units = 10, editors = 2, viewers = 1, burst = 10, connections = 10000, max_connecting = 200;
  double rate = 5, seconds = 10, drain = 10;
  int server_pid = 0;
  std::string doc_prefix = "bench";
  bool no_batch = false;
};

// One run: the clients, the schedule, and everything measured.
class load_run {
public:
  explicit load_run(options o) : o_(std::move(o)), endpoint_(asio::ip::make_address(o_.host), o_.port), timer_(ioc_) {
    events_.ready = [this](bench::load_connection&) { ++ready_; start_next(); };
    events_.remote_text = [this](bench::load_connection& c, std::string_view text) { on_remote_text(c, text); };
    events_.acked = [this](bench::load_connection& c, std::uint64_t t) { on_acked(c, t); };
    events_.failed = [this](bench::load_connection&, std::string_view what) {
      if (!errors_++) first_error_ = std::string(what);
    };
  }

  json run() {
    if (o_.target == "coplan") set_up_coplan();
    coplan::net::raise_open_file_limit();
    auto work = asio::make_work_guard(ioc_);
    bench::proc_stats server(o_.server_pid);
    json result{{"target", o_.target}, {"workload", o_.workload}, {"generator", "c++"}};
    if (o_.workload == "idle") {
      idle(server, result);
    } else {
      std::size_t per_unit = o_.editors + o_.viewers;
      connect_all(o_.units, per_unit);
      double cpu0 = o_.server_pid ? server.cpu_seconds() : 0, gen0 = own_cpu_seconds();
      auto bytes0 = o_.server_pid ? server.write_bytes() : 0;
      auto elapsed = o_.workload == "contention" ? contention() : fleet();
      result.update(summary(per_unit, elapsed));
      if (o_.server_pid) {
        auto edits = std::max<std::uint64_t>(1, acked_);
        result["server"] = {{"cpu_seconds", server.cpu_seconds() - cpu0},
                            {"peak_rss_mib", server.peak_rss_kib() / 1024.0},
                            {"bytes_written", server.write_bytes() - bytes0},
                            {"bytes_written_per_edit", static_cast<double>(server.write_bytes() - bytes0) / static_cast<double>(edits)}};
      }
      result["generator_cpu_seconds"] = own_cpu_seconds() - gen0;
    }
    for (auto& c : clients_) c->close();
    run_until([] { return false; }, 0.2);
    return result;
  }

private:
  // ---- set-up ---------------------------------------------------------------------------------
  void set_up_coplan() {
    lib_ = client::sign_in(o_.host, o_.port, "librarian", "coplan-demo");
    tea_ = client::sign_in(o_.host, o_.port, "teacher", "coplan-demo");
    auto units = client::http_call(o_.host, o_.port, client::http::verb::get, "/api/units", "", lib_).body["units"];
    for (const auto& u : units) unit_ids_.push_back(u["id"]);
    std::size_t needed = o_.units;
    if (unit_ids_.size() < needed) {
      auto ps = client::http_call(o_.host, o_.port, client::http::verb::get, "/api/partnerships", "", lib_).body;
      auto partnership = ps["partnerships"][0]["id"];
      while (unit_ids_.size() < needed) {
        auto r = client::http_call(o_.host, o_.port, client::http::verb::post, "/api/units",
                                   json{{"partnership", partnership}, {"title", "bench " + std::to_string(unit_ids_.size())}}.dump(), lib_);
        if (r.status != 200 && r.status != 201) throw std::runtime_error("cannot create a unit: " + r.body.dump());
        unit_ids_.push_back(r.body["unit"]["id"]);
      }
    }
  }

  std::shared_ptr<bench::load_connection> make_client(std::size_t unit, std::size_t slot) {
    std::shared_ptr<bench::load_connection> c;
    if (o_.target == "coplan") {
      auto cc = std::make_shared<bench::coplan_load_client>(ioc_, endpoint_, unit_ids_.at(unit), slot % 2 ? tea_ : lib_,
                                                            &events_, "g" + std::to_string(clients_.size()));
      cc->state().batch = !o_.no_batch;
      cc->state().max_length = 500'000;  // half a field's limit: long contention runs stay under it
      c = std::move(cc);
    } else if (o_.target == "sharedb")
      c = std::make_shared<bench::sharedb_load_client>(ioc_, endpoint_, o_.doc_prefix + "-" + std::to_string(unit), &events_,
                                                       slot == 0);
    else if (o_.target == "echo")
      c = std::make_shared<bench::echo_load_client>(ioc_, endpoint_, &events_);
    else
      throw std::runtime_error("unknown target " + o_.target + " (coplan, sharedb or echo)");
    c->index = clients_.size();
    clients_.push_back(c);
    unit_of_.push_back(unit);
    unacked_.push_back(0);
    return c;
  }

  // Connects clients with at most max_connecting handshakes under way (a burst of thousands of
  // SYNs would overflow the listen backlog and measure the kernel's retry timer instead).
  void start_next() {
    while (next_start_ < clients_.size() && next_start_ < ready_ + errors_ + o_.max_connecting) clients_[next_start_++]->start();
  }

  void connect_phase(std::size_t from) {
    next_start_ = from;
    start_next();
    if (!run_until([&] { return ready_ + errors_ >= clients_.size(); }, 300)) throw std::runtime_error("clients did not connect in time");
    if (errors_) throw std::runtime_error("a client failed to connect: " + first_error_);
  }

  // The first client of every unit (which creates a ShareDB document), then the others.
  void connect_all(std::size_t units, std::size_t per_unit) {
    for (std::size_t u = 0; u < units; ++u) make_client(u, 0);
    connect_phase(0);
    auto first_rest = clients_.size();
    for (std::size_t u = 0; u < units; ++u)
      for (std::size_t s = 1; s < per_unit; ++s) make_client(u, s);
    connect_phase(first_rest);
    members_.assign(units, {});
    for (auto& c : clients_) members_[unit_of_[c->index]].push_back(c->index);
  }

  // Runs the io_context until `done` or `seconds` pass; returns whether `done` became true.
  template <class F>
  bool run_until(F done, double seconds) {
    auto deadline = clock_type::now() + std::chrono::duration<double>(seconds);
    while (!done()) {
      if (clock_type::now() >= deadline) return false;
      ioc_.run_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  // ---- edits and what comes back -------------------------------------------------------------
  std::uint64_t new_token(std::size_t client, std::int64_t scheduled) {
    sent_at_.push_back(scheduled);
    receipts_.push_back(0);
    token_client_.push_back(static_cast<std::uint32_t>(client));
    return sent_at_.size() - 1;
  }

  void edit(std::size_t client, std::int64_t scheduled) {
    auto t = new_token(client, scheduled);
    ++unacked_[client];
    clients_[client]->insert_token(t);
  }

  void on_remote_text(bench::load_connection& c, std::string_view text) {
    auto now = now_ns();
    bench::load_connection::find_tokens(text, [&](std::uint64_t t) {
      if (t >= sent_at_.size()) return;
      if (receipts_[t] < 255) ++receipts_[t];
      ++receipts_total_;
      delivery_.record((now - sent_at_[t]) / 1000);
    });
  }

  void on_acked(bench::load_connection& c, std::uint64_t t) {
    if (t >= sent_at_.size()) return;
    ++acked_;
    last_ack_ns_ = now_ns();
    ack_.record((now_ns() - sent_at_[t]) / 1000);
    if (unacked_[c.index]) --unacked_[c.index];
    if (on_idle_editor_ && unacked_[c.index] == 0) on_idle_editor_(c.index);
  }

  // ---- workloads -------------------------------------------------------------------------------
  // Every editor types one token every 1/rate seconds at fixed times, whatever the server does.
  double fleet() {
    std::vector<std::size_t> editors;
    for (const auto& m : members_)
      for (std::size_t s = 0; s < o_.editors && s < m.size(); ++s) editors.push_back(m[s]);
    auto period = static_cast<std::int64_t>(1e9 / o_.rate);
    auto start = now_ns() + 50'000'000, end = start + static_cast<std::int64_t>(o_.seconds * 1e9);
    start_ns_ = start;
    using due = std::pair<std::int64_t, std::size_t>;
    std::priority_queue<due, std::vector<due>, std::greater<>> schedule;
    std::mt19937_64 rng(42);
    for (auto e : editors) schedule.push({start + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(period)), e});
    std::function<void()> tick = [&] {
      auto now = now_ns();
      while (!schedule.empty() && schedule.top().first <= now) {
        auto [when, e] = schedule.top();
        schedule.pop();
        edit(e, when);
        if (when + period < end) schedule.push({when + period, e});
      }
      if (schedule.empty()) return;
      timer_.expires_at(clock_type::time_point(std::chrono::nanoseconds(schedule.top().first)));
      timer_.async_wait([&](boost::system::error_code ec) {
        if (!ec) tick();
      });
    };
    tick();
    run_until([&] { return schedule.empty(); }, o_.seconds + 60);
    auto expected = expected_receipts();
    run_until([&] { return receipts_total_ >= expected && acked_ >= sent_at_.size(); }, o_.drain);
    return o_.seconds;
  }

  // Every editor keeps `burst` edits going: when all of its edits are acknowledged it types
  // `burst` more at once. Runs for `seconds`, then waits for the last ones.
  double contention() {
    std::vector<std::size_t> editors;
    for (const auto& m : members_)
      for (std::size_t s = 0; s < o_.editors && s < m.size(); ++s) editors.push_back(m[s]);
    auto start = now_ns(), end = start + static_cast<std::int64_t>(o_.seconds * 1e9);
    start_ns_ = start;
    on_idle_editor_ = [&](std::size_t e) {
      auto now = now_ns();
      if (now >= end) return;
      for (std::size_t i = 0; i < o_.burst; ++i) edit(e, now);
    };
    for (auto e : editors)
      for (std::size_t i = 0; i < o_.burst; ++i) edit(e, start);
    run_until([&] { return now_ns() >= end; }, o_.seconds + 1);
    auto elapsed = (now_ns() - start) / 1e9;
    on_idle_editor_ = nullptr;
    auto expected = expected_receipts();
    run_until([&] { return receipts_total_ >= expected && acked_ >= sent_at_.size(); }, o_.drain);
    return elapsed;
  }

  // Connections that open, subscribe, and wait: how fast they connect and what each costs. One
  // client per unit connects first, so the units are open (their memory is reported apart); then
  // the rest, whose cost is the connections' own.
  void idle(bench::proc_stats& server, json& result) {
    std::size_t per_unit = (o_.connections + o_.units - 1) / o_.units;
    run_until([] { return false; }, 0.5);
    long rss0 = o_.server_pid ? server.rss_kib() : 0;
    auto t0 = now_ns();
    for (std::size_t u = 0; u < o_.units; ++u) make_client(u, 0);
    connect_phase(0);
    double first_s = (now_ns() - t0) / 1e9;
    run_until([] { return false; }, 1);
    long rss1 = o_.server_pid ? server.rss_kib() : 0;
    auto first_rest = clients_.size();
    auto t1 = now_ns();
    for (std::size_t u = 0; u < o_.units; ++u)
      for (std::size_t s = 1; s < per_unit; ++s) make_client(u, s);
    connect_phase(first_rest);
    double rest_s = (now_ns() - t1) / 1e9;
    run_until([] { return false; }, 3);  // let the server settle
    long rss2 = o_.server_pid ? server.rss_kib() : 0;
    auto rest = clients_.size() - first_rest;
    result["connections"] = clients_.size();
    result["units"] = o_.units;
    result["connect_seconds"] = first_s + rest_s;
    result["connects_per_second"] = static_cast<double>(clients_.size()) / (first_s + rest_s);
    result["connects_per_second_units_open"] = static_cast<double>(rest) / rest_s;
    result["errors"] = errors_;
    if (o_.server_pid) {
      result["server"] = {{"rss_mib_before", rss0 / 1024.0}, {"rss_mib_units_open", rss1 / 1024.0}, {"rss_mib_after", rss2 / 1024.0},
                          {"kib_per_unit_with_one_client", static_cast<double>(rss1 - rss0) / static_cast<double>(o_.units)},
                          {"kib_per_connection", static_cast<double>(rss2 - rss1) / static_cast<double>(rest)},
                          {"kib_per_connection_all_in", static_cast<double>(rss2 - rss0) / static_cast<double>(clients_.size())},
                          {"peak_rss_mib", server.peak_rss_kib() / 1024.0}, {"cpu_seconds", server.cpu_seconds()}};
    }
  }

  // Each edit is delivered to every other client of its unit (to itself, on the echo floor).
  std::uint64_t receivers_of(std::uint64_t token) const {
    if (o_.target == "echo") return 1;
    return members_[unit_of_[token_client_[token]]].size() - 1;
  }
  std::uint64_t expected_receipts() const {
    std::uint64_t n = 0;
    for (std::uint64_t t = 0; t < sent_at_.size(); ++t) n += receivers_of(t);
    return n;
  }

  json summary(std::size_t per_unit, double elapsed) {
    std::uint64_t lost = 0, duplicated = 0;
    for (std::uint64_t t = 0; t < sent_at_.size(); ++t) {
      auto want = receivers_of(t);
      if (receipts_[t] < want) ++lost;
      if (receipts_[t] > want) ++duplicated;
    }
    // Clients that keep the text must agree on it, unit by unit, and hold every token once.
    std::size_t converged = 0, checked = 0;
    for (const auto& m : members_) {
      auto first = clients_[m[0]]->text();
      if (!first) continue;
      ++checked;
      bool same = true;
      for (auto i : m) same = same && clients_[i]->text() == first;
      if (same) ++converged;
    }
    auto ms = [](std::int64_t us) { return us / 1000.0; };
    json r{{"units", o_.units},
           {"connections", clients_.size()},
           {"editors_per_unit", o_.editors},
           {"viewers_per_unit", o_.viewers},
           {"seconds", elapsed},
           {"edits", sent_at_.size()},
           {"acked", acked_},
           {"acked_per_second", last_ack_ns_ > start_ns_ ? static_cast<double>(acked_) / ((last_ack_ns_ - start_ns_) / 1e9) : 0.0},
           {"deliveries", receipts_total_},
           {"deliveries_expected", expected_receipts()},
           {"edits_not_delivered_to_all", lost},
           {"edits_delivered_twice", duplicated},
           {"latency_ms", {{"p50", ms(delivery_.percentile(0.5))}, {"p90", ms(delivery_.percentile(0.9))},
                           {"p99", ms(delivery_.percentile(0.99))}, {"p999", ms(delivery_.percentile(0.999))},
                           {"max", ms(delivery_.max())}}},
           {"ack_ms", {{"p50", ms(ack_.percentile(0.5))}, {"p99", ms(ack_.percentile(0.99))}, {"max", ms(ack_.max())}}},
           {"errors", errors_}};
    if (o_.workload == "fleet") r["rate_per_editor"] = o_.rate;
    if (o_.workload == "contention") r["burst"] = o_.burst;
    if (checked) r["units_converged"] = std::to_string(converged) + "/" + std::to_string(checked);
    if (errors_) r["first_error"] = first_error_;
    (void)per_unit;
    return r;
  }

  options o_;
  asio::io_context ioc_;
  tcp::endpoint endpoint_;
  asio::steady_timer timer_;
  bench::load_events events_;
  std::string lib_, tea_;
  std::vector<std::string> unit_ids_;
  std::vector<std::shared_ptr<bench::load_connection>> clients_;
  std::vector<std::size_t> unit_of_;
  std::vector<std::vector<std::size_t>> members_;
  std::vector<std::uint64_t> unacked_;
  std::size_t next_start_ = 0, ready_ = 0, errors_ = 0;
  std::string first_error_;
  std::vector<std::int64_t> sent_at_;
  std::vector<std::uint8_t> receipts_;
  std::vector<std::uint32_t> token_client_;
  std::uint64_t receipts_total_ = 0, acked_ = 0;
  std::int64_t start_ns_ = 0, last_ack_ns_ = 0;  // the first scheduled edit, the last acknowledgement
  std::function<void(std::size_t)> on_idle_editor_;
  bench::latency_histogram delivery_, ack_;
};

}  // namespace

int load(const std::vector<std::string>& args) {
  options o;
  bool check = false;
  po::options_description opts("coplan-bench load options");
  opts.add_options()("help,h", "show these options")
      ("target", po::value(&o.target)->default_value(o.target), "coplan, sharedb or echo")
      ("host", po::value(&o.host)->default_value(o.host), "server address")
      ("port", po::value(&o.port)->required(), "server port")
      ("workload", po::value(&o.workload)->default_value(o.workload), "fleet, contention or idle")
      ("units", po::value(&o.units)->default_value(o.units), "units (documents)")
      ("editors", po::value(&o.editors)->default_value(o.editors), "editors per unit")
      ("viewers", po::value(&o.viewers)->default_value(o.viewers), "viewers per unit")
      ("rate", po::value(&o.rate)->default_value(o.rate), "fleet: edits per second per editor")
      ("seconds", po::value(&o.seconds)->default_value(o.seconds), "how long editors type")
      ("burst", po::value(&o.burst)->default_value(o.burst), "contention: edits an editor types once its last ones are acknowledged")
      ("connections", po::value(&o.connections)->default_value(o.connections), "idle: connections in all")
      ("max-connecting", po::value(&o.max_connecting)->default_value(o.max_connecting), "handshakes under way at once")
      ("drain", po::value(&o.drain)->default_value(o.drain), "seconds to wait for the last deliveries")
      ("server-pid", po::value(&o.server_pid)->default_value(0), "the server's process id, for its CPU, memory and writes")
      ("no-batch", po::bool_switch(&o.no_batch), "coplan: one message per frame (no hello \"batch\")")
      ("doc-prefix", po::value(&o.doc_prefix)->default_value(o.doc_prefix), "sharedb: document name prefix")
      ("check", po::bool_switch(&check), "exit 3 unless every edit was acknowledged and delivered exactly once, without errors, "
                                         "and the clients converged");
  po::variables_map vm;
  if (!cli::parse_command_line(args, opts, vm)) return 0;
  load_run run(o);
  auto result = run.run();
  std::cout << result.dump() << std::endl;
  if (!check) return 0;
  bool ok = result.value("errors", 0) == 0 && result.value("edits_not_delivered_to_all", 0) == 0 &&
            result.value("edits_delivered_twice", 0) == 0 && result.value("acked", 0) == result.value("edits", 0);
  if (result.contains("units_converged")) {
    auto c = result["units_converged"].get<std::string>();
    ok = ok && c.substr(0, c.find('/')) == c.substr(c.find('/') + 1);
  }
  if (o.workload == "idle") ok = result.value("errors", 1) == 0;
  if (!ok) std::cerr << "coplan-bench load: the check failed\n";
  return ok ? 0 : 3;
}

int echo_server(const std::vector<std::string>& args) {
  unsigned short port = 0;
  po::options_description opts("coplan-bench echo-server options");
  opts.add_options()("help,h", "show these options")("port", po::value(&port)->default_value(0), "TCP port (0 picks one)");
  po::variables_map vm;
  if (!cli::parse_command_line(args, opts, vm)) return 0;
  coplan::net::raise_open_file_limit();
  asio::io_context ioc(1);
  tcp::acceptor acceptor(ioc, {asio::ip::make_address("127.0.0.1"), port});
  acceptor.listen(asio::socket_base::max_listen_connections);
  std::function<void()> do_accept = [&] {
    acceptor.async_accept(ioc.get_executor(), [&](boost::system::error_code ec, bench::echo_session::socket_type s) {
      if (!ec) std::make_shared<bench::echo_session>(std::move(s))->start();
      do_accept();
    });
  };
  do_accept();
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](auto, int) { ioc.stop(); });
  std::cout << "listening on " << acceptor.local_endpoint().port() << std::endl;
  ioc.run();
  return 0;
}
