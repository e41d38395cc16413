// Prometheus text rendering of the server's metrics (see server_metrics.hpp).
#include "net/server_metrics.hpp"

#include <sstream>

namespace coplan::net {

namespace {
void metric(std::ostringstream& o, const char* name, const char* type, const char* help, double value) {
  o << "# HELP " << name << ' ' << help << "\n# TYPE " << name << ' ' << type << '\n' << name << ' ' << value << '\n';
}
}  // namespace

std::string server_metrics::render(std::size_t connections, std::size_t open_units, const store::op_log_writer::stats& w) {
  double rate;
  {
    // Edits per second since the previous scrape (at least one second apart, else the last value).
    std::lock_guard lock(mutex_);
    auto now = std::chrono::steady_clock::now();
    double dt = std::chrono::duration<double>(now - last_time_).count();
    if (last_time_ == std::chrono::steady_clock::time_point{}) {
      last_time_ = now;
      last_rows_ = w.rows;
    } else if (dt >= 1) {
      last_rate_ = static_cast<double>(w.rows - last_rows_) / dt;
      last_time_ = now;
      last_rows_ = w.rows;
    }
    rate = last_rate_;
  }
  std::ostringstream o;
  o.precision(10);
  metric(o, "coplan_websocket_connections", "gauge", "WebSockets open now.", static_cast<double>(connections));
  metric(o, "coplan_websocket_opened_total", "counter", "WebSockets accepted.", static_cast<double>(ws_opened.load()));
  metric(o, "coplan_open_units", "gauge", "Units held in memory now.", static_cast<double>(open_units));
  metric(o, "coplan_ops_committed_total", "counter", "Edits and commands committed to the op log.", static_cast<double>(w.rows));
  metric(o, "coplan_edits_per_second", "gauge", "Ops committed per second between the last two scrapes.", rate);
  metric(o, "coplan_commits_total", "counter", "SQLite commits of the op log writer.", static_cast<double>(w.commits));
  metric(o, "coplan_commit_failures_total", "counter", "Op log commits that failed.", static_cast<double>(w.failures));
  metric(o, "coplan_queue_drops_total", "counter", "Clients disconnected because their outbound queue filled.",
         static_cast<double>(queue_drops.load()));
  metric(o, "coplan_rate_limited_total", "counter", "WebSocket messages refused by a rate limit.", static_cast<double>(rate_limited.load()));
  metric(o, "coplan_too_many_connections_total", "counter", "WebSockets refused by the per-account limit.",
         static_cast<double>(too_many_connections.load()));
  metric(o, "coplan_address_refused_total", "counter", "Connections refused by the per-address limit.",
         static_cast<double>(address_refused.load()));
  metric(o, "coplan_bad_messages_total", "counter", "WebSocket messages answered with an error code.",
         static_cast<double>(bad_messages.load()));
  o << "# HELP coplan_commit_seconds Time from a commit's start to its fsync's end.\n# TYPE coplan_commit_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i < store::op_log_writer::latency_bounds_us.size(); ++i) {
    cumulative += w.latency_buckets[i];
    o << "coplan_commit_seconds_bucket{le=\"" << static_cast<double>(store::op_log_writer::latency_bounds_us[i]) / 1e6 << "\"} "
      << cumulative << '\n';
  }
  cumulative += w.latency_buckets.back();
  o << "coplan_commit_seconds_bucket{le=\"+Inf\"} " << cumulative << '\n'
    << "coplan_commit_seconds_sum " << w.latency_sum_seconds << '\n'
    << "coplan_commit_seconds_count " << w.commits + w.failures << '\n';
  return o.str();
}

}  // namespace coplan::net
