// proc_stats: what /proc says about a process a benchmark measures (a server it started, or one
// started by the suite script): CPU seconds, resident and peak resident memory, bytes written to
// storage.
#pragma once
#include <cstdint>

#include <sys/types.h>

namespace coplan::bench {

class proc_stats {
public:
  explicit proc_stats(pid_t pid) : pid_(pid) {}

  // User + system CPU seconds so far (0 when the process is gone).
  double cpu_seconds() const;
  // Resident memory now and at its peak (VmRSS, VmHWM), in KiB.
  long rss_kib() const;
  long peak_rss_kib() const;
  // Bytes the process caused to be sent to storage (write_bytes in /proc/<pid>/io).
  std::int64_t write_bytes() const;

  pid_t pid() const { return pid_; }

private:
  long status_field(const char* name) const;
  pid_t pid_;
};

}  // namespace coplan::bench
