// The structured log (see event_log.hpp).
#include "log/event_log.hpp"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace coplan::log {

namespace {
std::atomic<bool> on_{false};
std::mutex mutex_;

std::string utc_now() {
  auto now = std::chrono::system_clock::now();
  auto t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}
}  // namespace

void event_log::enable(bool on) { on_ = on; }

bool event_log::enabled() { return on_; }

void event_log::write(std::string_view level, std::string_view event, const nlohmann::json& fields) {
  if (!on_) return;
  nlohmann::ordered_json line;
  line["time"] = utc_now();
  line["level"] = level;
  line["event"] = event;
  for (const auto& [k, v] : fields.items()) line[k] = v;
  auto text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  std::lock_guard lock(mutex_);
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace coplan::log
