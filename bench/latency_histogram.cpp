// Log-linear latency buckets (see latency_histogram.hpp). Values below 2^sub_bits get a bucket
// each; above, every power of two is split into 2^sub_bits equal buckets.
#include "latency_histogram.hpp"

#include <algorithm>
#include <bit>

namespace coplan::bench {

namespace {
constexpr int magnitudes = 32;  // up to 2^42 µs
}

latency_histogram::latency_histogram() : buckets_(static_cast<std::size_t>(magnitudes + 1) << sub_bits, 0) {}

std::size_t latency_histogram::index_of(std::uint64_t v) {
  if (v < (1u << sub_bits)) return static_cast<std::size_t>(v);
  int shift = std::bit_width(v) - 1 - sub_bits;  // v >> shift is in [2^sub_bits, 2^(sub_bits+1))
  auto magnitude = static_cast<std::size_t>(std::min(shift + 1, magnitudes));
  auto sub = static_cast<std::size_t>((v >> shift) & ((1u << sub_bits) - 1));
  return (magnitude << sub_bits) + sub;
}

std::uint64_t latency_histogram::upper_edge(std::size_t index) {
  std::size_t magnitude = index >> sub_bits, sub = index & ((1u << sub_bits) - 1);
  if (magnitude == 0) return sub;
  // Bucket covers [(2^sub_bits + sub) << (magnitude-1), ... + 2^(magnitude-1)).
  std::uint64_t base = (static_cast<std::uint64_t>((1u << sub_bits) + sub)) << (magnitude - 1);
  return base + (std::uint64_t{1} << (magnitude - 1)) - 1;
}

void latency_histogram::record(std::int64_t micros) {
  auto v = static_cast<std::uint64_t>(std::max<std::int64_t>(0, micros));
  ++buckets_[std::min(index_of(v), buckets_.size() - 1)];
  ++count_;
  sum_ += static_cast<std::int64_t>(v);
  max_ = std::max(max_, static_cast<std::int64_t>(v));
}

std::int64_t latency_histogram::percentile(double q) const {
  if (!count_) return 0;
  auto rank = static_cast<std::uint64_t>(q * static_cast<double>(count_));
  if (rank >= count_) rank = count_ - 1;
  std::uint64_t seen = 0;
  for (std::size_t i = 0; i < buckets_.size(); ++i) {
    seen += buckets_[i];
    if (seen > rank) return std::min<std::int64_t>(static_cast<std::int64_t>(upper_edge(i)), max_);
  }
  return max_;
}

}  // namespace coplan::bench
