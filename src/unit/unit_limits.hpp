// unit_limits: the named size limits a unit enforces on what clients send (documented in docs/protocol.md).
#pragma once
#include <cstddef>
#include <cstdint>

namespace coplan::unit {

struct unit_limits {
  std::int64_t max_field_length = 1'000'000;  // UTF-16 code units in one text field
  std::size_t max_updates_per_push = 1'000;   // updates in one push message
  std::size_t max_blocks_per_list = 200;      // lessons (or resources…) in a unit, removed ones included
  std::size_t max_comments = 2'000;           // comments in a unit
  std::size_t recent_kept = 50'000;           // accepted updates per stream kept in memory for catch-up
  bool rebase_stale = true;                  // rebase a push made at an older version (else refuse it)
};

}  // namespace coplan::unit
