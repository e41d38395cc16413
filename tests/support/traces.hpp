// traces: locating and reading the editing traces (../shared/data/editing-traces, gzip JSON).
#pragma once
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace coplan::test_support {

// The folder of editing traces, or nothing when this machine does not have them.
inline std::optional<std::string> traces_dir() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("COPLAN_TRACES_DIR")) candidates.emplace_back(env);
#ifdef COPLAN_TRACES_DIR
  candidates.emplace_back(COPLAN_TRACES_DIR);
#endif
  candidates.emplace_back("/work/shared/data/editing-traces");
  for (const auto& c : candidates)
    if (std::filesystem::exists(c + "/automerge-paper.json.gz")) return c;
  return std::nullopt;
}

// Reads a .json.gz trace through gzip (Debian's gzip is always present).
inline nlohmann::json read_trace(const std::string& path) {
  std::string cmd = "gzip -dc '" + path + "'";
  FILE* f = popen(cmd.c_str(), "r");
  if (!f) throw std::runtime_error("cannot run gzip");
  std::string data;
  char buf[65536];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) data.append(buf, n);
  pclose(f);
  return nlohmann::json::parse(data);
}

}  // namespace coplan::test_support
