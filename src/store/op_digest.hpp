// op_digest: a compact record of a run of one unit's ops (row id, time, author, kind, and the
// payload of structure commands that may set the unit's phase), so that the history view can list
// a unit's ops without reading the op log. A pure value type: it encodes and decodes bytes and
// knows nothing of SQL. Each op takes a few bytes: varints of the id and time deltas, the author
// with the kind, and the payload only where kept.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace coplan::store {

class op_digest {
public:
  struct entry {
    std::int64_t id = 0;
    std::int64_t time = 0;  // ms since the epoch
    std::uint32_t author = 0;
    int kind = 0;           // 0 text update, 1 structure command
    std::string payload;    // kept only where keeps_payload() says so, else empty
    bool operator==(const entry&) const = default;
  };

  // Whether a digest keeps an op's payload: structure commands that mention "phase" (the history
  // lists every change of the unit's phase). The history's own reads of the op log use the same rule.
  static bool keeps_payload(int kind, std::string_view payload);

  // Appends an op; ids must increase.
  void append(std::int64_t id, std::int64_t time, std::uint32_t author, int kind, std::string_view payload);
  std::size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  std::int64_t first_id() const { return first_id_; }
  std::int64_t last_id() const { return last_id_; }
  const std::string& bytes() const { return bytes_; }

  // The ops of a digest's bytes, which must hold exactly `count` ops with increasing ids.
  // Throws std::runtime_error otherwise (a damaged record).
  static std::vector<entry> decode(std::string_view bytes, std::size_t count);

private:
  std::string bytes_;
  std::size_t size_ = 0;
  std::int64_t first_id_ = 0;
  std::int64_t last_id_ = 0;
  std::int64_t last_time_ = 0;
};

}  // namespace coplan::store
