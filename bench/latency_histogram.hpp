// latency_histogram: an HdrHistogram-style recorder of latencies in microseconds: log-linear
// buckets with 1/1024 relative precision from 1 µs to about an hour, constant memory and O(1)
// recording, so a benchmark can record every edit without sampling.
#pragma once
#include <cstdint>
#include <vector>

namespace coplan::bench {

class latency_histogram {
public:
  latency_histogram();
  void record(std::int64_t micros);
  std::uint64_t count() const { return count_; }
  // The value at quantile q (0..1): the upper edge of the bucket holding it, in µs.
  std::int64_t percentile(double q) const;
  std::int64_t max() const { return max_; }
  double mean() const { return count_ ? static_cast<double>(sum_) / static_cast<double>(count_) : 0; }

private:
  static constexpr int sub_bits = 10;  // 1024 sub-buckets per power of two
  static std::size_t index_of(std::uint64_t v);
  static std::uint64_t upper_edge(std::size_t index);
  std::vector<std::uint64_t> buckets_;
  std::uint64_t count_ = 0;
  std::int64_t max_ = 0;
  std::int64_t sum_ = 0;
};

}  // namespace coplan::bench
