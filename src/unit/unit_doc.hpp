// unit_doc: the whole state of one unit plan as a pure value: structure (unit values, the blocks
// of each list — lessons, resources — in order with removed ones kept as tombstones, comments)
// and one text stream per text field (text, author runs, version, recent accepted updates). Knows nothing of sockets, strands or SQL; one
// unit_authority owns each instance and calls it from its strand only.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <string_view>
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
  // The version of the oldest update kept in `recent` (the current version when none is).
  std::uint64_t first_kept() const { return version - recent.size(); }
};

struct block {
  std::string id;
  std::string list;
  bool removed = false;
  std::map<std::string, nlohmann::json> values;
};

struct comment_entry {
  std::string id;
  std::string target;  // section id or block id
  std::string parent;  // empty for the first comment of a thread
  std::uint32_t author = 0;
  std::int64_t time = 0;
  std::string text;
  bool resolved = false;
  std::uint32_t resolved_by = 0;
  std::int64_t resolved_at = 0;
};

// An area of expertise a block, section or passage draws on, and who brought it; the partner
// acknowledges it ("I learned from this").
struct tag_entry {
  std::string id;
  std::string area;
  std::string target;          // section id, block id, or a stream id for a passage
  std::int64_t from = -1;      // passage range in the target stream (UTF-16), -1 when not a passage
  std::int64_t to = -1;
  std::uint32_t by = 0;        // whose expertise
  std::uint32_t tagged_by = 0;
  std::int64_t time = 0;
  std::vector<std::uint32_t> acknowledged_by;
  bool removed = false;
};

class unit_doc {
public:
  unit_doc(std::shared_ptr<const template_spec> spec, unit_limits limits);

  const template_spec& spec() const { return *spec_; }
  const unit_limits& limits() const { return limits_; }

  enum class push_outcome { applied, stale };
  // Applies `updates` at the stream's head. A push made at an older version is rebased over the
  // updates since (see rebase()); it is `stale` (nothing changes) only when that history is no
  // longer kept or rebasing is turned off. `accepted` may stay empty when everything was already
  // there (a re-sent push). Atomic: a bad update anywhere leaves everything unchanged. Throws coded_error
  // ("unknown_stream", "bad_version", "length_mismatch", "split_surrogate", "too_large", "bad_message").
  push_outcome push(const std::string& stream, std::uint64_t version, std::vector<incoming_update> updates,
                    std::uint32_t author, std::int64_t time, std::vector<std::shared_ptr<const text_update>>& accepted);

  // Applies a structure command at the head. Throws coded_error ("unknown_block", "unknown_list",
  // "block_removed", "not_removed", "duplicate_id", "unknown_field", "bad_value", "too_large",
  // "unknown_comment", "bad_command").
  std::shared_ptr<const structure_update> apply(const command& cmd, const std::string& client_id, std::uint64_t seq,
                                                std::uint32_t author, std::int64_t time);

  // Sets a unit value at creation time, outside the command history (e.g. the title a unit is
  // created with). Throws like a set command would.
  void set_initial_value(const std::string& field, const nlohmann::json& value);

  const text_stream* find_stream(const std::string& id) const;
  const std::map<std::string, text_stream>& streams() const { return streams_; }
  std::uint64_t structure_version() const { return structure_version_; }
  const std::map<std::string, nlohmann::json>& unit_values() const { return unit_values_; }
  const std::map<std::string, std::vector<block>>& lists() const { return lists_; }
  const std::vector<block>& list(const std::string& id) const;
  const block* find_block(const std::string& id) const;
  const std::vector<comment_entry>& comments() const { return comments_; }
  const std::vector<tag_entry>& tags() const { return tags_; }
  // Areas of expertise tags may name (empty: any short id).
  void set_expertise_areas(std::set<std::string> areas) { areas_ = std::move(areas); }
  // Members whose ids member fields may hold (empty: any id).
  void set_members(std::set<std::uint32_t> members) { members_ = std::move(members); }
  std::uint64_t total_ops() const { return total_ops_; }

  // Updates after `version` of a stream, if still kept in memory.
  bool text_updates_since(const std::string& stream, std::uint64_t version,
                          std::vector<std::shared_ptr<const text_update>>& out) const;
  bool structure_updates_since(std::uint64_t version, std::vector<std::shared_ptr<const structure_update>>& out) const;

  // A fresh unit holding this one's plan for use next year: texts and who wrote them, lessons and
  // resources (removed ones dropped), unit values except the phase, dates and outcome counts;
  // no comments and no history (every version starts at 0).
  unit_doc copy_for_reuse() const;

  // The full state: for clients (`doc` message body) and for snapshots (same form).
  nlohmann::json to_json() const;
  // The members of to_json()'s object ("ops", "streams", "structure", "template"), written as
  // JSON text without building the value: texts and author runs go straight from their buffers
  // (a snapshot of a large field costs one pass over it). Parses to what to_json() returns.
  void append_json_members(std::string& out) const;
  nlohmann::json stream_json(const std::string& id) const;
  // One field's entry in the same form ({"authors", "text", "version"}), written as JSON text
  // straight from its buffers, with `more` (members written by the caller, each after a comma)
  // before the closing brace.
  void append_stream_json(std::string& out, const std::string& id, std::string_view more = {}) const;
  nlohmann::json structure_json() const;
  // Restores a state written by to_json(). Throws std::exception on malformed input.
  static unit_doc from_json(std::shared_ptr<const template_spec> spec, unit_limits limits, const nlohmann::json& j);

  // Rebases a client's updates (made before `over`) to apply after `over`, as the client itself
  // does when it receives `over` one update at a time: its own accepted updates are dropped (by
  // client id, in order), the rest mapped over each other update in turn.
  static void rebase(std::vector<incoming_update>& updates, const std::vector<std::shared_ptr<const text_update>>& over);

  // Stream id of a field: "unit.<field>" or "<block id>.<field>".
  static std::string stream_id(const std::string& block, const std::string& field) { return block + "." + field; }

private:
  void add_block_streams(const list_spec& list, const std::string& block_id);
  block* find_block_mut(const std::string& id);
  std::size_t index_in(const std::vector<block>& blocks, const std::string& id) const;
  void check_value(const field_spec& f, const nlohmann::json& value) const;
  void remember(text_stream& s, std::shared_ptr<const text_update> u);

  std::shared_ptr<const template_spec> spec_;
  unit_limits limits_;
  std::map<std::string, nlohmann::json> unit_values_;
  std::map<std::string, std::pair<std::uint32_t, std::int64_t>> values_by_;  // who set each unit value, when
  std::map<std::string, std::vector<block>> lists_;  // every list of the template, in order, tombstones kept
  std::vector<comment_entry> comments_;
  std::vector<tag_entry> tags_;
  std::set<std::uint32_t> members_;
  std::set<std::string> areas_;
  std::map<std::string, text_stream> streams_;
  std::uint64_t structure_version_ = 0;
  std::deque<std::shared_ptr<const structure_update>> recent_structure_;
  std::uint64_t total_ops_ = 0;
};

}  // namespace coplan::unit
