// server_process: runs `coplan serve` as a child process on a free port for a benchmark, reads the
// port it printed (its output goes to a temporary log file), and stops it with SIGTERM (or SIGKILL,
// to simulate a crash).
#pragma once
#include <string>
#include <vector>

#include <sys/types.h>

namespace coplan::bench {

class server_process {
public:
  server_process(std::string binary, std::vector<std::string> args);
  ~server_process();
  server_process(const server_process&) = delete;
  server_process& operator=(const server_process&) = delete;

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }
  // Sends `signal` and waits; returns the child's wait status (-1 if it was not running).
  int stop(int signal = 15);
  // Adds `coplan serve` options that lift the per-connection, per-account and per-address limits: a
  // benchmark client types far faster than a person and shares one account and address with thousands.
  static void lift_rate_limits(std::vector<std::string>& serve_args);
  // Everything the server printed so far.
  std::string log() const;
  // Peak resident memory of the child in KiB (from /proc, while it runs).
  long peak_rss_kib() const;
  // CPU seconds (user + system) the child used so far.
  double cpu_seconds() const;

private:
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  std::string log_path_;
};

}  // namespace coplan::bench
