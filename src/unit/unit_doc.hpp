// unit_doc: the whole state of one unit plan as a pure value: structure (unit values, lessons in
// order, removed lessons kept as tombstones) and one text stream per text field (text, author runs,
// version, recent accepted updates). Knows nothing of sockets, strands or SQL; one
// unit_authority owns each instance and calls it from its strand only.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "text/author_runs.hpp"
#include "text/change_set.hpp"
#include "text/text_buffer.hpp"
#include "unit/command.hpp"
#include "unit/template_spec.hpp"
#include "unit/unit_limits.hpp"

namespace coplan::unit {

// One update as a client sends it (author comes from the connection, never from the client).
struct incoming_update {
  std::string client_id;
  std::uint64_t seq = 0;
  text::change_set changes;
  std::string changes_json;  // the changes as the client sent them (empty: derive from `changes`)
};

// One accepted text update, immutable once accepted.
struct text_update {
  std::string stream;
  std::uint64_t version = 0;  // stream version this update was applied at (0-based index)
  std::string client_id;
  std::uint64_t seq = 0;
  std::uint32_t author = 0;
  std::int64_t time = 0;  // ms since the epoch, server clock
  text::change_set changes;
  std::string changes_json;  // CodeMirror JSON of `changes`, serialized once
};

// One accepted structure command.
struct structure_update {
  std::uint64_t version = 0;  // structure version it was applied at (0-based index)
  std::string client_id;
  std::uint64_t seq = 0;
  std::uint32_t author = 0;
  std::int64_t time = 0;
  command cmd;
};

struct text_stream {
  text::text_buffer text;
  text::author_runs authors;
  std::uint64_t version = 0;
  std::deque<std::shared_ptr<const text_update>> recent;  // the last recent.size() updates
};

struct lesson_block {
  std::string id;
  bool removed = false;
  std::map<std::string, nlohmann::json> values;
};

class unit_doc {
public:
  unit_doc(std::shared_ptr<const template_spec> spec, unit_limits limits);

  const template_spec& spec() const { return *spec_; }
  const unit_limits& limits() const { return limits_; }

  enum class push_outcome { applied, stale };
  // Applies `updates` when `version` is the stream's head; returns stale (changing nothing) when it
  // is behind. Atomic: a bad update anywhere leaves everything unchanged. Throws coded_error
  // ("unknown_stream", "bad_version", "length_mismatch", "split_surrogate", "too_large", "bad_message").
  push_outcome push(const std::string& stream, std::uint64_t version, std::vector<incoming_update> updates,
                    std::uint32_t author, std::int64_t time, std::vector<std::shared_ptr<const text_update>>& accepted);

  // Applies a structure command at the head. Throws coded_error ("unknown_block", "block_removed",
  // "duplicate_id", "unknown_field", "bad_value", "too_large").
  std::shared_ptr<const structure_update> apply(const command& cmd, const std::string& client_id, std::uint64_t seq,
                                                std::uint32_t author, std::int64_t time);

  // Sets a unit value at creation time, outside the command history (e.g. the title a unit is
  // created with). Throws like a set command would.
  void set_initial_value(const std::string& field, const nlohmann::json& value);

  const text_stream* find_stream(const std::string& id) const;
  const std::map<std::string, text_stream>& streams() const { return streams_; }
  std::uint64_t structure_version() const { return structure_version_; }
  const std::map<std::string, nlohmann::json>& unit_values() const { return unit_values_; }
  const std::vector<lesson_block>& lessons() const { return lessons_; }
  const lesson_block* find_lesson(const std::string& id) const;
  std::uint64_t total_ops() const { return total_ops_; }

  // Updates after `version` of a stream, if still kept in memory.
  bool text_updates_since(const std::string& stream, std::uint64_t version,
                          std::vector<std::shared_ptr<const text_update>>& out) const;
  bool structure_updates_since(std::uint64_t version, std::vector<std::shared_ptr<const structure_update>>& out) const;

  // The full state: for clients (`doc` message body) and for snapshots (same form).
  nlohmann::json to_json() const;
  nlohmann::json stream_json(const std::string& id) const;
  nlohmann::json structure_json() const;
  // Restores a state written by to_json(). Throws std::exception on malformed input.
  static unit_doc from_json(std::shared_ptr<const template_spec> spec, unit_limits limits, const nlohmann::json& j);

  // Stream id of a field: "unit.<field>" or "<lesson id>.<field>".
  static std::string stream_id(const std::string& block, const std::string& field) { return block + "." + field; }

private:
  void add_lesson_streams(const std::string& lesson_id);
  lesson_block* lesson(const std::string& id);
  std::size_t lesson_index(const std::string& id) const;
  void remember(text_stream& s, std::shared_ptr<const text_update> u);

  std::shared_ptr<const template_spec> spec_;
  unit_limits limits_;
  std::map<std::string, nlohmann::json> unit_values_;
  std::vector<lesson_block> lessons_;  // in order, tombstones included
  std::map<std::string, text_stream> streams_;
  std::uint64_t structure_version_ = 0;
  std::deque<std::shared_ptr<const structure_update>> recent_structure_;
  std::uint64_t total_ops_ = 0;
};

}  // namespace coplan::unit
