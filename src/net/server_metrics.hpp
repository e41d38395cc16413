// server_metrics: the server's counters for /metrics, rendered in the Prometheus text format
// (version 0.0.4) together with gauges read at scrape time (connections, open units) and the op
// log writer's commit statistics. Counters are atomics; last_ (for the edits/s gauge) is guarded
// by mutex_.
#pragma once
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>

#include "store/op_log_writer.hpp"

namespace coplan::net {

class server_metrics {
public:
  std::atomic<std::uint64_t> ws_opened{0};            // WebSockets accepted
  std::atomic<std::uint64_t> queue_drops{0};          // clients dropped because their outbound queue filled
  std::atomic<std::uint64_t> rate_limited{0};         // messages refused by a rate limit
  std::atomic<std::uint64_t> too_many_connections{0}; // WebSockets refused by the per-account limit
  std::atomic<std::uint64_t> address_refused{0};      // connections refused by the per-address limit
  std::atomic<std::uint64_t> bad_messages{0};         // messages answered with an error code

  std::string render(std::size_t connections, std::size_t open_units, const store::op_log_writer::stats& writer);

private:
  std::mutex mutex_;
  std::chrono::steady_clock::time_point last_time_{};
  std::uint64_t last_rows_ = 0;
  double last_rate_ = 0;
};

}  // namespace coplan::net
