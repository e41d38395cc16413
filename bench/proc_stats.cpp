// Reading /proc/<pid>/{stat,status,io} (see proc_stats.hpp).
#include "proc_stats.hpp"

#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

#include <unistd.h>

namespace coplan::bench {

double proc_stats::cpu_seconds() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close_paren = s.rfind(')');
  if (close_paren == std::string::npos) return 0;
  std::istringstream rest(s.substr(close_paren + 2));
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

long proc_stats::status_field(const char* name) const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/status");
  std::string line, prefix = std::string(name) + ":";
  while (std::getline(in, line))
    if (line.rfind(prefix, 0) == 0) return std::stol(line.substr(prefix.size()));
  return 0;
}

long proc_stats::rss_kib() const { return status_field("VmRSS"); }
long proc_stats::peak_rss_kib() const { return status_field("VmHWM"); }

std::int64_t proc_stats::write_bytes() const {
  std::ifstream in("/proc/" + std::to_string(pid_) + "/io");
  std::string key;
  std::int64_t value = 0;
  while (in >> key >> value)
    if (key == "write_bytes:") return value;
  return 0;
}

}  // namespace coplan::bench
