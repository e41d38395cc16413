// event_log: the server's structured log, one JSON object per line on standard error
// ({"time":"2026-11-23T07:16:14.123Z","level":"warn","event":"queue_full","user":3,...}), for
// journald, Docker or any log shipper. Off until enable() (so tests stay quiet); `coplan serve`
// turns it on. Thread-safe: one mutex guards the output stream.
#pragma once
#include <string_view>

#include <nlohmann/json.hpp>

namespace coplan::log {

class event_log {
public:
  static void enable(bool on = true);
  static bool enabled();
  // Writes one line: time, level ("info", "warn", "error"), event name, then `fields`.
  static void write(std::string_view level, std::string_view event, const nlohmann::json& fields = nlohmann::json::object());
};

}  // namespace coplan::log
