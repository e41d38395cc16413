// history_replay: replays a unit's op log onto a unit_doc from one of its snapshots and, when
// asked, keeps the record the history and contribution views need in step: for every text field,
// blame spans (who wrote each stretch, when, and whether the other partner later revised it) and
// per-user counts (typed, deleted, edits, revisions of someone else's text). Pure: rows in, state out.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "store/op_log_writer.hpp"
#include "unit/unit_doc.hpp"

namespace coplan::review {

struct blame_span {
  std::uint32_t length = 0;
  std::uint32_t author = 0;     // 0: text that came with the unit (no record of who typed it)
  std::int64_t time = 0;        // when the earliest character of the span was typed (ms)
  std::uint32_t revised_by = 0; // someone other than the author who later changed this text, or 0
  bool operator==(const blame_span&) const = default;
};

struct user_counts {
  std::uint64_t typed = 0;            // UTF-16 units inserted
  std::uint64_t deleted_own = 0;      // units of their own text they deleted
  std::uint64_t deleted_others = 0;   // units of someone else's text they deleted
  std::uint64_t edits = 0;            // updates they made
  std::uint64_t revisions_of_others = 0;  // updates that deleted or inserted inside someone else's text
  std::uint64_t commands = 0;         // structure commands they made
  bool operator==(const user_counts&) const = default;
};

class history_replay {
public:
  // Starts from a snapshot's JSON (as written by unit_doc::to_json / the authority).
  history_replay(std::shared_ptr<const unit::template_spec> spec, unit::unit_limits limits, const nlohmann::json& snapshot,
                 bool with_record);

  // Applies one op-log row of this unit. Throws std::exception on a row that does not apply.
  void apply(const store::op_row& row);

  const unit::unit_doc& doc() const { return doc_; }
  std::uint64_t ops() const { return doc_.total_ops(); }
  std::int64_t last_time() const { return last_time_; }
  const std::map<std::string, std::vector<blame_span>>& blame() const { return blame_; }
  // Counts per text stream, per user.
  const std::map<std::string, std::map<std::uint32_t, user_counts>>& counts() const { return counts_; }
  // Structure commands per user.
  const std::map<std::uint32_t, std::uint64_t>& commands() const { return commands_; }

  static nlohmann::json blame_json(const std::vector<blame_span>& spans);

private:
  void record_text(const std::string& stream, const text::change_set& changes, std::uint32_t author, std::int64_t time);

  unit::unit_doc doc_;
  bool with_record_;
  std::int64_t last_time_ = 0;
  std::map<std::string, std::vector<blame_span>> blame_;
  std::map<std::string, std::map<std::uint32_t, user_counts>> counts_;
  std::map<std::uint32_t, std::uint64_t> commands_;
};

}  // namespace coplan::review
